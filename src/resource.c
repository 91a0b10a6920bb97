/* Placeholder. */
#include "resource.h"

int
sg_resource_in_compartment(json_object *res, const char *patient,
    const char *const *bases)
{
	(void)res; (void)patient; (void)bases;
	return 0;
}

int
sg_resource_matches(json_object *res, const char *type, const char *query)
{
	(void)res; (void)type; (void)query;
	return -1;
}

int
sg_resource_query_ok(const char *type, const char *query)
{
	(void)type; (void)query;
	return -1;
}
