/* Placeholder. */
#include <stdlib.h>
#include <string.h>

#include "fhirreq.h"
#include "mem.h"

enum sg_status
sg_fhir_req_parse(const char *method, const char *path, const char *query,
    const char *form, struct sg_fhir_req *out, const char **why)
{
	(void)method; (void)path; (void)query; (void)form; (void)out;
	if (why != NULL)
		*why = "not implemented";
	return SG_E_NOT_FOUND;
}

void
sg_fhir_req_free(struct sg_fhir_req *r)
{
	if (r != NULL)
		memset(r, 0, sizeof(*r));
}

void
sg_fhir_req_add(struct sg_fhir_req *r, const char *name, const char *value)
{
	(void)r; (void)name; (void)value;
}

size_t
sg_fhir_req_count(const struct sg_fhir_req *r, const char *name,
    const char **value)
{
	(void)r; (void)name; (void)value;
	return 0;
}

char *
sg_fhir_req_path(const struct sg_fhir_req *r)
{
	(void)r;
	return sg_xstrdup("");
}

char *
sg_fhir_req_query(const struct sg_fhir_req *r)
{
	(void)r;
	return sg_xstrdup("");
}

const char *
sg_fhir_op_name(enum sg_fhir_op op)
{
	(void)op;
	return "invalid";
}
