/*
 * Filtering the Bundles the upstream FHIR server answers before they
 * reach an app, and rewriting the upstream's URLs in them to ours
 * (bundle.h).  Rules from FHIR R4 "Bundle", "Search" and "RESTful API"
 * (cited by element or heading: their section numbers move).
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "bundle.h"
#include "json.h"
#include "mem.h"

/* How the entries of a Bundle are treated. */
enum bundle_kind {
	BUNDLE_SEARCH,		/* searchset */
	BUNDLE_HISTORY,		/* history */
	BUNDLE_BATCH		/* batch-response, transaction-response */
};

/* The Bundle.type values (FHIR R4 BundleType) we filter. */
static const struct {
	const char		*name;
	enum bundle_kind	 kind;
} bundle_types[] = {
	{ "searchset", BUNDLE_SEARCH },
	{ "history", BUNDLE_HISTORY },
	{ "batch-response", BUNDLE_BATCH },
	{ "transaction-response", BUNDLE_BATCH },
};

/* What every level of a filter shares. */
struct bundle_ctx {
	sg_bundle_permit	 permit;
	void			*arg;
	const char		*from;
	const char		*to;
	unsigned		 flags;
};

/* The kind of Bundle type type, or -1 when we do not filter it. */
static int
bundle_kind(const char *type)
{
	size_t	 i;

	if (type == NULL)
		return -1;
	for (i = 0; i < sizeof(bundle_types) / sizeof(bundle_types[0]); i++)
		if (strcmp(type, bundle_types[i].name) == 0)
			return (int)bundle_types[i].kind;
	return -1;
}

/* A new, empty JSON array; out of memory aborts (mem.h). */
static json_object *
bundle_new_array(void)
{
	json_object	*a;

	if ((a = json_object_new_array()) == NULL)
		abort();
	return a;
}

/* Appends v to the array a, taking a reference on v. */
static void
bundle_push(json_object *a, json_object *v)
{
	if (json_object_array_add(a, json_object_get(v)) != 0)
		abort();
}

/*
 * Sets member name of obj, which obj already has, to the string s.
 * Replacing an existing member allocates nothing in json-c but the
 * string, and keeps the member where it was.
 */
static void
bundle_set_str(json_object *obj, const char *name, const char *s)
{
	json_object	*v;

	if ((v = json_object_new_string(s)) == NULL ||
	    json_object_object_add(obj, name, v) != 0)
		abort();
}

/*
 * Replaces member name of obj with the array a, or removes the member
 * when a is empty: FHIR R4 JSON Representation allows no empty arrays
 * ("arrays must not be empty").  Takes
 * a's reference.
 */
static void
bundle_set_array(json_object *obj, const char *name, json_object *a)
{
	if (json_object_array_length(a) == 0) {
		json_object_put(a);
		json_object_object_del(obj, name);
	} else if (json_object_object_add(obj, name, a) != 0)
		abort();
}

/*
 * The URL in v rewritten to ours (caller frees), or NULL when v is not
 * a string under from.  A string holding a NUL byte (JSON "\u0000")
 * is never under from: what C sees of it is not what a client would.
 */
static char *
bundle_rewrite(json_object *v, const struct bundle_ctx *ctx)
{
	const char	*s;

	if (!json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	if (strlen(s) != (size_t)json_object_get_string_len(v))
		return NULL;
	return sg_bundle_rewrite_url(s, ctx->from, ctx->to);
}

/*
 * Rewrites the member name of obj when it is a URL under from, and
 * leaves it as it is otherwise (entry.fullUrl "urn:uuid:…", a relative
 * entry.response.location "Observation/1/_history/1").
 */
static void
bundle_rewrite_member(json_object *obj, const char *name,
    const struct bundle_ctx *ctx)
{
	json_object	*v;
	char		*s;

	if (!json_object_object_get_ex(obj, name, &v) ||
	    (s = bundle_rewrite(v, ctx)) == NULL)
		return;
	bundle_set_str(obj, name, s);
	free(s);
}

/*
 * The link member of obj (FHIR R4 Bundle.link and Bundle.entry.link,
 * each a relation and a url): every link whose url is under from is rewritten,
 * every other one is removed, so that we never send a client to a URL
 * we do not serve (the upstream's paging links above all).  Returns 0,
 * or -1 when link is not an array of objects.
 */
static int
bundle_links(json_object *obj, const struct bundle_ctx *ctx)
{
	json_object	*links, *link, *url, *out;
	size_t		 i, n;
	char		*s;

	if (!json_object_object_get_ex(obj, "link", &links))
		return 0;
	if (!json_object_is_type(links, json_type_array))
		return -1;
	n = json_object_array_length(links);
	for (i = 0; i < n; i++)
		if (!json_object_is_type(json_object_array_get_idx(links, i),
		    json_type_object))
			return -1;
	out = bundle_new_array();
	for (i = 0; i < n; i++) {
		link = json_object_array_get_idx(links, i);
		if (!json_object_object_get_ex(link, "url", &url) ||
		    (s = bundle_rewrite(url, ctx)) == NULL)
			continue;
		bundle_set_str(link, "url", s);
		free(s);
		bundle_push(out, link);
	}
	bundle_set_array(obj, "link", out);
	return 0;
}

/*
 * 1 when a removed entry of a searchset may have been counted by
 * Bundle.total (FHIR R4: "the number of matches"), by
 * entry.search.mode (FHIR R4 SearchEntryMode: match, include, outcome).
 * A missing or unknown mode counts as a match: we would rather drop a
 * total than let it count a resource we withheld.
 */
static int
bundle_entry_match(json_object *entry)
{
	json_object	*search;
	const char	*mode;

	if (!json_object_object_get_ex(entry, "search", &search) ||
	    (mode = sg_json_str(search, "mode")) == NULL)
		return 1;
	return strcmp(mode, "include") != 0 && strcmp(mode, "outcome") != 0;
}

static int	bundle_filter(json_object *, const struct bundle_ctx *, int,
		    struct sg_bundle_stats *);

/*
 * One entry of a Bundle of kind kind at depth depth: 1 to keep it
 * (rewritten), 2 to keep it without its resource, 0 to remove it, -1
 * when it is malformed.  Everything
 * that makes an entry malformed is checked before permit is asked, so
 * that the answer does not depend on what permit says.
 */
static int
bundle_entry(json_object *entry, enum bundle_kind kind,
    const struct bundle_ctx *ctx, int depth)
{
	json_object	*res, *response;
	const char	*rtype, *btype = NULL;
	int		 nested = 0, stripped = 0;

	if (!json_object_is_type(entry, json_type_object))
		return -1;
	res = NULL;
	if (json_object_object_get_ex(entry, "resource", &res)) {
		/* A JSON null is no resource either: malformed. */
		if (!json_object_is_type(res, json_type_object) ||
		    (rtype = sg_json_str(res, "resourceType")) == NULL)
			return -1;
		/*
		 * The answer to a search or history inside a batch is a
		 * Bundle to filter as well (FHIR R4 RESTful API
		 * "Batch/Transaction": the answer to a GET); a Bundle of
		 * another type is one resource, judged as a whole by
		 * permit.  A Bundle without a string type (1..1) is
		 * malformed.
		 */
		if (kind == BUNDLE_BATCH && strcmp(rtype, "Bundle") == 0) {
			if ((btype = sg_json_str(res, "type")) == NULL)
				return -1;
			nested = bundle_kind(btype) != -1;
		}
	}
	if (bundle_links(entry, ctx) == -1)
		return -1;
	if (res == NULL) {
		/*
		 * A history entry without a resource is a deleted version
		 * (FHIR R4 RESTful API "history"): its id and time are
		 * more than the app may know.  In a batch answer, it is
		 * the outcome of a request the proxy authorized (status,
		 * location).
		 */
		if (kind != BUNDLE_BATCH)
			return 0;
	} else if (nested) {
		if (bundle_filter(res, ctx, depth + 1, NULL) == -1)
			return -1;
	} else if (ctx->permit(ctx->arg, res) != 1) {
		if (kind != BUNDLE_BATCH)
			return 0;
		/*
		 * A batch answer has one entry per request, in order
		 * (FHIR R4 RESTful API "Batch/Transaction"): the entry
		 * and its status stay, the resource goes.
		 */
		json_object_object_del(entry, "resource");
		stripped = 1;
	}
	bundle_rewrite_member(entry, "fullUrl", ctx);
	if (json_object_object_get_ex(entry, "response", &response) &&
	    json_object_is_type(response, json_type_object))
		bundle_rewrite_member(response, "location", ctx);
	return stripped ? 2 : 1;
}

/*
 * Filters bundle, at depth depth (the outermost is 1), as bundle.h
 * says; st (may be NULL) receives its counts.  Returns 0 or -1.
 */
static int
bundle_filter(json_object *bundle, const struct bundle_ctx *ctx, int depth,
    struct sg_bundle_stats *st)
{
	struct sg_bundle_stats	 counts = { 0, 0 };
	json_object		*entries, *entry, *out = NULL;
	const char		*rtype;
	size_t			 i, n;
	int			 kind, rc = -1, keep, drop_total = 0;

	if (depth > SG_BUNDLE_MAX_DEPTH ||
	    !json_object_is_type(bundle, json_type_object) ||
	    (rtype = sg_json_str(bundle, "resourceType")) == NULL ||
	    strcmp(rtype, "Bundle") != 0 ||
	    (kind = bundle_kind(sg_json_str(bundle, "type"))) == -1)
		return -1;
	if (bundle_links(bundle, ctx) == -1)
		return -1;
	if (json_object_object_get_ex(bundle, "entry", &entries)) {
		if (!json_object_is_type(entries, json_type_array))
			return -1;
		out = bundle_new_array();
		n = json_object_array_length(entries);
		for (i = 0; i < n; i++) {
			entry = json_object_array_get_idx(entries, i);
			if ((keep = bundle_entry(entry, (enum bundle_kind)kind,
			    ctx, depth)) == -1)
				goto out;
			if (keep) {
				bundle_push(out, entry);
				counts.kept++;
				if (keep == 2)
					drop_total = 1;
				continue;
			}
			counts.removed++;
			/*
			 * Bundle.total counts the matches of a search or
			 * the versions of a history: any removal from a
			 * history, a match from a searchset.
			 */
			if (kind != BUNDLE_SEARCH || bundle_entry_match(entry))
				drop_total = 1;
		}
		bundle_set_array(bundle, "entry", out);
		out = NULL;
	}
	if (drop_total || (ctx->flags & SG_BUNDLE_NO_TOTAL))
		json_object_object_del(bundle, "total");
	/* A signature over entries that were removed would not verify. */
	if (counts.removed > 0)
		json_object_object_del(bundle, "signature");
	if (st != NULL)
		*st = counts;
	rc = 0;
out:
	json_object_put(out);
	return rc;
}

int
sg_bundle_filter(json_object *bundle, sg_bundle_permit permit, void *arg,
    const char *from, const char *to, unsigned flags,
    struct sg_bundle_stats *stats)
{
	struct bundle_ctx	 ctx;

	if (stats != NULL)
		stats->kept = stats->removed = 0;
	if (bundle == NULL || permit == NULL || from == NULL || to == NULL)
		return -1;
	ctx.permit = permit;
	ctx.arg = arg;
	ctx.from = from;
	ctx.to = to;
	ctx.flags = flags;
	return bundle_filter(bundle, &ctx, 1, stats);
}

char *
sg_bundle_rewrite_url(const char *url, const char *from, const char *to)
{
	size_t	 n;

	/* An empty from would put every relative URL "under" it. */
	if (url == NULL || from == NULL || to == NULL ||
	    (n = strlen(from)) == 0 || strncmp(url, from, n) != 0)
		return NULL;
	/* "http://up/fhir" is no prefix of "http://up/fhir2/…". */
	if (url[n] != '\0' && url[n] != '/' && url[n] != '?')
		return NULL;
	return sg_xconcat(to, url + n);
}
