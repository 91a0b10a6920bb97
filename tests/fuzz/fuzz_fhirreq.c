/*
 * Fuzz target for src/fhirreq.c: the request classifier.  The input is
 * a method selector byte, then path, query and form body separated by
 * NUL or newline bytes (a field left out is NULL).  Invariants: a
 * refusal is one of the three documented statuses with a reason and
 * leaves nothing behind; an accepted request is one consistent
 * interaction whose rebuilt path is the path given, whose parameters
 * are clean, and whose path and re-encoded query parse back to the
 * same request, the query being a fixed point.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "fhirdefs.h"
#include "fhirreq.h"
#include "form.h"
#include "identity.h"
#include "mem.h"
#include "status.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const methods[] = {
	"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", NULL,
};

#define NMETHODS	(sizeof(methods) / sizeof(methods[0]))

/*
 * 1 when s is a parameter name: [A-Za-z0-9_][A-Za-z0-9_.:-]{0,63}
 * (SG_MAX_PARAM_NAME).
 */
static int
name_ok(const char *s)
{
	size_t	 len = strlen(s);

	return len >= 1 && len <= SG_MAX_PARAM_NAME &&
	    strchr(".:-", s[0]) == NULL &&
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_.:-") == len;
}

/* 1 when s is an operation name: [a-zA-Z][a-zA-Z0-9-]{0,63}. */
static int
opname_ok(const char *s)
{
	static const char	 letters[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	size_t			 len = strlen(s);

	return len >= 1 && len <= SG_MAX_FHIR_ID &&
	    strchr(letters, s[0]) != NULL &&
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-") == len;
}

static void
check_zeroed(const struct sg_fhir_req *r)
{
	if (r->op != SG_FHIR_INVALID || r->post_search || r->type != NULL ||
	    r->id[0] != '\0' || r->vid[0] != '\0' || r->cid[0] != '\0' ||
	    r->opname[0] != '\0' || r->params != NULL || r->nparams != 0)
		abort();
}

static void
check_same(const struct sg_fhir_req *a, const struct sg_fhir_req *b)
{
	size_t	 i;

	if (a->op != b->op || a->post_search != b->post_search ||
	    a->type != b->type || strcmp(a->id, b->id) != 0 ||
	    strcmp(a->vid, b->vid) != 0 || strcmp(a->cid, b->cid) != 0 ||
	    strcmp(a->opname, b->opname) != 0 || a->nparams != b->nparams)
		abort();
	for (i = 0; i < a->nparams; i++)
		if (strcmp(a->params[i].name, b->params[i].name) != 0 ||
		    strcmp(a->params[i].value, b->params[i].value) != 0)
			abort();
}

/* The fields of an accepted request agree with its interaction. */
static void
check_fields(const char *method, const struct sg_fhir_req *r)
{
	const char	*v;
	char		*base;
	size_t		 i, j, len;
	int		 has_type, has_id;

	if (r->op <= SG_FHIR_INVALID || r->op >= SG_FHIR__MAX ||
	    strcmp(sg_fhir_op_name(r->op), "invalid") == 0)
		abort();
	if (r->post_search && (strcmp(method, "POST") != 0 ||
	    (r->op != SG_FHIR_SEARCH_TYPE && r->op != SG_FHIR_SEARCH_SYSTEM)))
		abort();
	has_type = r->type != NULL;
	if (has_type && sg_fhir_type(r->type->name,
	    strlen(r->type->name)) != r->type)
		abort();
	switch (r->op) {
	case SG_FHIR_SEARCH_SYSTEM:
	case SG_FHIR_HISTORY_SYSTEM:
	case SG_FHIR_BATCH:
		if (has_type)
			abort();
		break;
	case SG_FHIR_OPERATION:
		if (!opname_ok(r->opname) ||
		    (strcmp(method, "GET") != 0 &&
		    strcmp(method, "HEAD") != 0 && strcmp(method, "POST") != 0))
			abort();
		break;
	default:
		if (!has_type)
			abort();
		break;
	}
	if (r->op != SG_FHIR_OPERATION && r->opname[0] != '\0')
		abort();
	has_id = r->op == SG_FHIR_READ || r->op == SG_FHIR_VREAD ||
	    r->op == SG_FHIR_HISTORY_INSTANCE || r->op == SG_FHIR_UPDATE ||
	    r->op == SG_FHIR_PATCH || r->op == SG_FHIR_DELETE;
	if (has_id && !sg_identity_id_ok(r->id))
		abort();
	if (!has_id && r->id[0] != '\0' && (r->op != SG_FHIR_OPERATION ||
	    !has_type || !sg_identity_id_ok(r->id)))
		abort();
	if ((r->op == SG_FHIR_VREAD) != (r->vid[0] != '\0') ||
	    (r->vid[0] != '\0' && !sg_identity_id_ok(r->vid)))
		abort();
	if ((r->op == SG_FHIR_SEARCH_COMPARTMENT) != (r->cid[0] != '\0') ||
	    (r->cid[0] != '\0' && !sg_identity_id_ok(r->cid)))
		abort();
	if ((r->op == SG_FHIR_UPDATE_COND || r->op == SG_FHIR_PATCH_COND ||
	    r->op == SG_FHIR_DELETE_COND) && r->nparams == 0)
		abort();

	if (r->nparams > SG_MAX_PARAMS || (r->nparams > 0) !=
	    (r->params != NULL))
		abort();
	for (i = 0; i < r->nparams; i++) {
		if (!name_ok(r->params[i].name))
			abort();
		len = strlen(r->params[i].value);
		if (len > SG_MAX_PARAM_VALUE ||
		    !sg_check_text(r->params[i].value, len))
			abort();
		/* count() finds it under its name up to ':'; first first. */
		len = strcspn(r->params[i].name, ":");
		base = sg_xstrndup(r->params[i].name, len);
		if (sg_fhir_req_count(r, base, &v) < 1)
			abort();
		for (j = 0; j < i; j++)
			if (strcspn(r->params[j].name, ":") == len &&
			    strncmp(r->params[j].name, base, len) == 0)
				break;
		if (v != r->params[j].value)
			abort();
		free(base);
	}
}

/* Rebuilds the request from its path and query and compares. */
static void
check_reparse(const char *method, const char *path,
    const struct sg_fhir_req *r)
{
	struct sg_fhir_req	 b, c;
	char			*p, *q, *q2, *q3, *full;

	if ((p = sg_fhir_req_path(r)) == NULL)
		abort();
	full = p[0] == '\0' ? sg_xstrdup("") : sg_xconcat("/", p);
	/* The grammar is strict: the path given was already canonical. */
	if (strcmp(full, path) != 0)
		abort();
	q = sg_fhir_req_query(r);
	memset(&b, 0, sizeof(b));
	if (sg_fhir_req_parse(method, full, q, NULL, &b, NULL) != SG_OK)
		abort();
	check_same(r, &b);
	q2 = sg_fhir_req_query(&b);
	if (strcmp(q, q2) != 0)
		abort();
	sg_fhir_req_free(&b);

	/* A parameter added is one more after reparsing. */
	if (r->nparams < SG_MAX_PARAMS) {
		memset(&c, 0, sizeof(c));
		if (sg_fhir_req_parse(method, full, q, NULL, &c, NULL) != SG_OK)
			abort();
		sg_fhir_req_add(&c, "_x:y.z", "a b&c=d+%\xc3\xa9");
		q3 = sg_fhir_req_query(&c);
		sg_fhir_req_free(&c);
		if (sg_fhir_req_parse(method, full, q3, NULL, &c, NULL) !=
		    SG_OK || c.nparams != r->nparams + 1 ||
		    strcmp(c.params[r->nparams].value,
		    "a b&c=d+%\xc3\xa9") != 0)
			abort();
		sg_fhir_req_free(&c);
		free(q3);
	}
	free(p);
	free(q);
	free(q2);
	free(full);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_fhir_req	 r;
	const char		*method, *why = NULL;
	char			*field[3] = { NULL, NULL, NULL };
	enum sg_status		 st;
	size_t			 i, start, nf = 0;

	if (size < 1)
		return 0;
	method = methods[data[0] % NMETHODS];
	/* Fields separated by NUL or '\n'; at most three. */
	for (start = i = 1; i <= size && nf < 3; i++)
		if (i == size || data[i] == '\0' || data[i] == '\n') {
			field[nf++] = sg_xstrndup((const char *)data + start,
			    i - start);
			start = i + 1;
		}

	memset(&r, 0, sizeof(r));
	st = sg_fhir_req_parse(method, field[0], field[1], field[2], &r, &why);
	if (st == SG_OK) {
		if (why != NULL)
			abort();
		check_fields(method, &r);
		check_reparse(method, field[0], &r);
	} else {
		if ((st != SG_E_NOT_FOUND && st != SG_E_METHOD &&
		    st != SG_E_BAD_REQUEST) || why == NULL)
			abort();
		check_zeroed(&r);
		if (sg_fhir_req_path(&r) != NULL)
			abort();
	}
	sg_fhir_req_free(&r);
	check_zeroed(&r);
	sg_fhir_req_free(&r);
	for (i = 0; i < 3; i++)
		free(field[i]);
	return 0;
}
