/*
 * Fuzz target for scope.c: a scope list on arbitrary bytes, limited by
 * a fixed allowed set.  Invariants: the canonical string parses back
 * to itself; every granted scope is within some requested scope and
 * within some allowed scope; describing any scope stays in bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "scope.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char allowed_text[] =
    "openid fhirUser launch launch/patient offline_access "
    "patient/*.rs user/Observation.cruds user/Patient.read "
    "patient/Condition.rs?category=http://terminology.hl7.org/CodeSystem/"
    "condition-category|problem-list-item "
    "patient/Observation.cud?category=http://terminology.hl7.org/CodeSystem/"
    "observation-category|laboratory "
    "system/*.read system/Encounter.cruds";

/* Parses text and checks that it is canonical: it parses to the same string. */
static void
check_round_trip(const char *text, size_t n)
{
	struct sg_scopes l;
	char		*again;

	sg_scopes_parse(text, &l);
	again = sg_scopes_string(&l);
	if (strcmp(again, text) != 0 || l.n != n)
		abort();
	free(again);
	sg_scopes_free(&l);
}

static int
within_some(const struct sg_scope *s, const struct sg_scopes *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		if (sg_scope_within(s, &l->v[i]))
			return 1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_scopes req, allowed, granted;
	struct sg_scope	 one, cat;
	const struct sg_category *cats;
	char		*text, *s, buf[SG_SCOPE_DESCRIBE_MAX];
	size_t		 i, j, n;

	if (size > 16384)
		return 0;
	text = sg_xstrndup((const char *)data, size);
	sg_scopes_parse(text, &req);
	if (req.n > SG_SCOPE_MAX_TOKENS)
		abort();
	s = sg_scopes_string(&req);
	check_round_trip(s, req.n);
	free(s);

	sg_scopes_parse(allowed_text, &allowed);
	sg_scopes_limit(&req, &allowed, &granted);
	if (granted.n > SG_SCOPE_MAX_TOKENS)
		abort();
	for (i = 0; i < granted.n; i++)
		if (!within_some(&granted.v[i], &req) ||
		    !within_some(&granted.v[i], &allowed))
			abort();
	s = sg_scopes_string(&granted);
	check_round_trip(s, granted.n);
	free(s);

	for (i = 0; i < req.n; i++) {
		sg_scope_describe_ex(&req.v[i], SG_DESCRIBE_CHOSEN_PATIENT,
		    buf, sizeof(buf));
		if (strlen(sg_scope_describe(&req.v[i], buf, sizeof(buf))) + 1 >=
		    sizeof(buf))
			abort();	/* SG_SCOPE_DESCRIBE_MAX is always enough */
		cats = sg_scope_categories(req.v[i].type, &n);
		for (j = 0; j < n; j++) {
			if (sg_scope_with_category(&req.v[i], &cats[j],
			    &cat) == -1)
				continue;
			if (!sg_scope_within(&cat, &req.v[i]) ||
			    sg_scope_parse(cat.text, strlen(cat.text),
			    &one) == -1 || strcmp(one.text, cat.text) != 0)
				abort();
			sg_scope_free(&one);
			sg_scope_free(&cat);
		}
	}

	/* The raw bytes as one token: a scope parses to itself or not at all. */
	if (sg_scope_parse((const char *)data, size, &one) == 0) {
		if (strlen(one.text) != size ||
		    memcmp(one.text, data, size) != 0)
			abort();
		sg_scope_free(&one);
	}

	sg_scopes_free(&granted);
	sg_scopes_free(&allowed);
	sg_scopes_free(&req);
	free(text);
	return 0;
}
