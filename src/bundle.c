/* Placeholder. */
#include "bundle.h"

int
sg_bundle_filter(json_object *bundle, sg_bundle_permit permit, void *arg,
    const char *from, const char *to, unsigned flags,
    struct sg_bundle_stats *stats)
{
	(void)bundle; (void)permit; (void)arg; (void)from; (void)to;
	(void)flags; (void)stats;
	return -1;
}

char *
sg_bundle_rewrite_url(const char *url, const char *from, const char *to)
{
	(void)url; (void)from; (void)to;
	return NULL;
}
