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
 *   SG_BUNDLE_MAX_DEPTH Bundles in all (the outermost one counts; one
 *   deeper is malformed), and is not itself passed to permit; a Bundle
 *   of another type, like any other resource, goes to permit, and one
 *   permit refuses is taken out of its entry, which stays: a batch
 *   answer has one entry per request.  A Bundle there without a string
 *   type is malformed.  A Bundle that lost entries loses its signature.
 * - other Bundle types (document, message, collection, …) as returned
 *   by a read: a Bundle is then one resource, judged by permit on the
 *   whole by the caller; sg_bundle_filter() refuses them (-1).
 * - Bundle.total (FHIR R4 Bundle.total: the number of matches) is
 *   removed when a "match" entry was removed or the caller asks
 *   (SG_BUNDLE_NO_TOTAL), so that it never counts what was withheld.
 *   A missing or unknown search.mode counts as "match"; in any other
 *   Bundle type, removing any entry removes total.  The flag applies
 *   to nested Bundles too.
 * - Bundle.link[].url, entry[].fullUrl and entry[].response.location
 *   that start with from (the upstream base, exactly, followed by '/',
 *   '?' or the end) are rewritten to start with to (our FHIR base).  A
 *   link that does not start with from is removed: we never send a
 *   client to a URL we do not serve.  A fullUrl that is not under from
 *   (urn:uuid:…) is kept as it is.  entry[].link follows the rules of
 *   Bundle.link.
 * - An entry or link array left empty is removed (FHIR JSON has no
 *   empty arrays).
 */
#ifndef SG_BUNDLE_H
#define SG_BUNDLE_H

#include <stddef.h>

#include <json-c/json.h>

#define SG_BUNDLE_MAX_DEPTH	4	/* Bundles inside batch answers */
#define SG_BUNDLE_NO_TOTAL	0x1u	/* remove total whatever happens */

/*
 * 1 when resource (an object with a string resourceType) may be shown;
 * any other value withholds it.  Called exactly once per resource
 * judged.
 */
typedef int	(*sg_bundle_permit)(void *arg, json_object *resource);

struct sg_bundle_stats {
	size_t	 kept;		/* entries kept */
	size_t	 removed;	/* entries removed */
};

/*
 * Filters and rewrites bundle in place as above.  Returns 0, or -1
 * when bundle is not a Bundle of a type above or is malformed (entry or
 * link not an array, an entry not an object, a resource without a
 * string resourceType), or when permit, from or to is NULL: the caller
 * must then send nothing of it (it may be partly filtered).  stats
 * (may be NULL) receives the counts of the outermost Bundle (zero on
 * -1).
 */
int	sg_bundle_filter(json_object *bundle, sg_bundle_permit permit,
	    void *arg, const char *from, const char *to, unsigned flags,
	    struct sg_bundle_stats *stats);

/*
 * Rewrites one URL that starts with from (followed by '/', '?' or the
 * end) to start with to.  The comparison is byte for byte (from is
 * configured lowercase where case does not matter).  Returns a new
 * string (caller frees), or NULL when url is not under from (also when
 * from is empty, or an argument NULL).
 */
char	*sg_bundle_rewrite_url(const char *url, const char *from,
	    const char *to);

#endif
