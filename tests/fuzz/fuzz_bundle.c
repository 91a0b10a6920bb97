/*
 * Fuzz target: sg_bundle_filter() on whatever the upstream FHIR server
 * answers, with a permit that allows the resources whose id starts
 * with 'a'.  Besides the sanitizers, it checks what the filter
 * promises (bundle.h): on success no entry reachable by its rules
 * holds a resource the permit refuses, an entry without a resource is
 * left only in batch answers, every link left points under our base,
 * no fullUrl or location is left under the upstream's, no array is
 * left empty, the counts add up, every resource was judged at most
 * once; filtering the result again (from our base to itself) changes
 * nothing; and the result serialises.  A broken promise aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "bounds.h"
#include "bundle.h"
#include "json.h"

#define FROM	"http://up/fhir"
#define TO	"https://gw.example.org/fhir"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The resources the permit was given, to find one judged twice. */
struct judged {
	json_object	**res;
	size_t		  n, cap;
};

static int
permit_a(void *arg, json_object *res)
{
	struct judged	*j = arg;
	const char	*id;

	if (!json_object_is_type(res, json_type_object) ||
	    sg_json_str(res, "resourceType") == NULL)
		abort();
	if (j != NULL) {
		if (j->n == j->cap) {
			j->cap = j->cap == 0 ? 16 : 2 * j->cap;
			if ((j->res = realloc(j->res,
			    j->cap * sizeof(*j->res))) == NULL)
				abort();
		}
		j->res[j->n++] = res;
	}
	return (id = sg_json_str(res, "id")) != NULL && id[0] == 'a';
}

static int
ptr_cmp(const void *a, const void *b)
{
	const json_object *const	*pa = a, *const *pb = b;

	return *pa < *pb ? -1 : *pa > *pb;
}

/* 1 when v is a string (without NUL) that starts with base as a URL. */
static int
under(json_object *v, const char *base)
{
	const char	*s;
	size_t		 n = strlen(base);

	if (!json_object_is_type(v, json_type_string))
		return 0;
	s = json_object_get_string(v);
	if (strlen(s) != (size_t)json_object_get_string_len(v))
		return 0;
	return strncmp(s, base, n) == 0 &&
	    (s[n] == '\0' || s[n] == '/' || s[n] == '?');
}

static int
accepted(const char *type)
{
	return type != NULL && (strcmp(type, "searchset") == 0 ||
	    strcmp(type, "history") == 0 ||
	    strcmp(type, "batch-response") == 0 ||
	    strcmp(type, "transaction-response") == 0);
}

/* Every link left in obj is an object whose url is under TO. */
static void
check_links(json_object *obj)
{
	json_object	*links, *url;
	size_t		 i, n;

	if (!json_object_object_get_ex(obj, "link", &links))
		return;
	if (!json_object_is_type(links, json_type_array) ||
	    (n = json_object_array_length(links)) == 0)
		abort();
	for (i = 0; i < n; i++)
		if (!json_object_object_get_ex(json_object_array_get_idx(links,
		    i), "url", &url) || !under(url, TO))
			abort();
}

/* The promises of bundle.h on a filtered Bundle b; its entry count. */
static size_t
check_bundle(json_object *b, unsigned flags)
{
	json_object	*entries, *e, *res, *v, *resp;
	const char	*type, *rtype, *id;
	size_t		 i, n;
	int		 batch;

	type = sg_json_str(b, "type");
	if (!json_object_is_type(b, json_type_object) || !accepted(type))
		abort();
	batch = strcmp(type, "batch-response") == 0 ||
	    strcmp(type, "transaction-response") == 0;
	if ((flags & SG_BUNDLE_NO_TOTAL) &&
	    json_object_object_get_ex(b, "total", NULL))
		abort();
	check_links(b);
	if (!json_object_object_get_ex(b, "entry", &entries))
		return 0;
	if (!json_object_is_type(entries, json_type_array) ||
	    (n = json_object_array_length(entries)) == 0)
		abort();
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(entries, i);
		check_links(e);
		if (json_object_object_get_ex(e, "fullUrl", &v) &&
		    under(v, FROM))
			abort();
		if (json_object_object_get_ex(e, "response", &resp) &&
		    json_object_object_get_ex(resp, "location", &v) &&
		    under(v, FROM))
			abort();
		if (!json_object_object_get_ex(e, "resource", &res)) {
			if (!batch)
				abort();
			continue;
		}
		rtype = sg_json_str(res, "resourceType");
		if (rtype == NULL)
			abort();
		if (batch && strcmp(rtype, "Bundle") == 0 &&
		    accepted(sg_json_str(res, "type"))) {
			(void)check_bundle(res, flags);
			continue;
		}
		if ((id = sg_json_str(res, "id")) == NULL || id[0] != 'a')
			abort();
	}
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_bundle_stats	 st, st2;
	struct judged		 j = { NULL, 0, 0 };
	json_tokener		*tok;
	json_object		*b, *copy = NULL;
	unsigned		 flags;
	size_t			 i;

	/* As the proxy parses an answer: strict, depth-limited. */
	if (size > INT32_MAX ||
	    (tok = json_tokener_new_ex(SG_MAX_JSON_DEPTH)) == NULL)
		return 0;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	b = json_tokener_parse_ex(tok, (const char *)data, (int)size);
	if (json_tokener_get_error(tok) != json_tokener_success) {
		json_tokener_free(tok);
		json_object_put(b);
		return 0;
	}
	json_tokener_free(tok);
	/* Both answers to the caller's flag, from the same inputs. */
	flags = (size & 1) ? SG_BUNDLE_NO_TOTAL : 0;
	if (sg_bundle_filter(b, permit_a, &j, FROM, TO, flags, &st) == -1) {
		if (st.kept != 0 || st.removed != 0)
			abort();
		goto out;
	}
	if (check_bundle(b, flags) != st.kept)
		abort();
	if (j.n > 1)
		qsort(j.res, j.n, sizeof(*j.res), ptr_cmp);
	for (i = 1; i < j.n; i++)
		if (j.res[i] == j.res[i - 1])
			abort();
	if (json_object_to_json_string(b) == NULL)
		abort();

	/* What is left passes again as it is. */
	if (json_object_deep_copy(b, &copy, NULL) != 0)
		abort();
	if (sg_bundle_filter(b, permit_a, NULL, TO, TO, flags, &st2) != 0 ||
	    st2.removed != 0 || st2.kept != st.kept ||
	    !json_object_equal(b, copy))
		abort();
out:
	free(j.res);
	json_object_put(copy);
	json_object_put(b);
	return 0;
}
