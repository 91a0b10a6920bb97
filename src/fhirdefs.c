/* Placeholder until tools/gen-fhirdefs.mjs writes the table. */
#include <string.h>

#include "fhirdefs.h"

const struct sg_fhir_type sg_fhir_types[] = { { "Patient", NULL, 0, NULL, NULL, 0 } };
const size_t sg_fhir_ntypes = 1;

const struct sg_fhir_type *
sg_fhir_type(const char *name, size_t len)
{
	(void)name; (void)len;
	return NULL;
}

const struct sg_fhir_param *
sg_fhir_token(const struct sg_fhir_type *t, const char *name)
{
	(void)t; (void)name;
	return NULL;
}
