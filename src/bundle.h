/*
 * What the FHIR proxy does to a Bundle the upstream answered (a
 * searchset, a history, a batch-response or transaction-response):
 * every entry that carries a resource is kept only when the caller's
 * permit function allows that resource; upstream URLs are rewritten to
 * ours.  The Bundle is changed in place.
 *
 * - searchset and history: an entry without a resource is removed (a
 *   deleted version in a history says that an id existed); every entry
 *   with a resource, whatever its search.mode (match, include,
 *   outcome), is passed to permit.
 * - batch-response and transaction-response: an entry without a
 *   resource is kept (the proxy authorized its request before); a
 *   resource that is itself a Bundle (the answer to a search inside a
 *   batch) is filtered by these same rules, recursively up to
 *   SG_BUNDLE_MAX_DEPTH; other resources go to permit.
 * - other Bundle types (document, message, collection, …) as returned
 *   by a read: a Bundle is then one resource, judged by permit on the
 *   whole by the caller; sg_bundle_filter() refuses them (-1).
 * - Bundle.total (FHIR R4 Bundle.total: the number of matches) is
 *   removed when a "match" entry was removed or the caller asks
 *   (SG_BUNDLE_NO_TOTAL), so that it never counts what was withheld.
 * - Bundle.link[].url, entry[].fullUrl and entry[].response.location
 *   that start with from (the upstream base, exactly, followed by '/',
 *   '?' or the end) are rewritten to start with to (our FHIR base).  A
 *   link that does not start with from is removed: we never send a
 *   client to a URL we do not serve.  A fullUrl that is not under from
 *   (urn:uuid:…) is kept as it is.
 */
#ifndef SG_BUNDLE_H
#define SG_BUNDLE_H

#include <stddef.h>

#include <json-c/json.h>

#define SG_BUNDLE_MAX_DEPTH	4	/* Bundles inside batch answers */
#define SG_BUNDLE_NO_TOTAL	0x1u	/* remove total whatever happens */

/* 1 when resource (an object with a resourceType) may be shown. */
typedef int	(*sg_bundle_permit)(void *arg, json_object *resource);

struct sg_bundle_stats {
	size_t	 kept;		/* entries kept */
	size_t	 removed;	/* entries removed */
};

/*
 * Filters and rewrites bundle in place as above.  Returns 0, or -1
 * when bundle is not a Bundle of a type above or is malformed (entry or
 * link not an array, an entry not an object, a resource without a
 * string resourceType): the caller must then send nothing of it.
 * stats (may be NULL) receives the counts of the outermost Bundle.
 */
int	sg_bundle_filter(json_object *bundle, sg_bundle_permit permit,
	    void *arg, const char *from, const char *to, unsigned flags,
	    struct sg_bundle_stats *stats);

/*
 * Rewrites one URL that starts with from (followed by '/', '?' or the
 * end) to start with to.  Returns a new string (caller frees), or NULL
 * when url is not under from.
 */
char	*sg_bundle_rewrite_url(const char *url, const char *from,
	    const char *to);

#endif
