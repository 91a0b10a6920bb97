/*
 * The FHIR proxy's access decisions (policy.h).
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "fhirdefs.h"
#include "fhirreq.h"
#include "identity.h"
#include "json.h"
#include "mem.h"
#include "policy.h"
#include "resource.h"
#include "scope.h"

/*
 * Types outside the Patient compartment that patient/ * reads: what a
 * patient's own records point at and an app needs to show them (the
 * medication, the clinician, the clinic).  Any other type outside the
 * compartment needs a patient/ scope that names it.
 */
static const char *const reference_types[] = {
	"Endpoint", "HealthcareService", "Location", "Medication",
	"Organization", "Practitioner", "PractitionerRole", "Substance",
};

/* The permission an interaction needs (SMART App Launch 2.2 "cruds"). */
static unsigned
need_of(enum sg_fhir_op op)
{
	switch (op) {
	case SG_FHIR_READ:
	case SG_FHIR_VREAD:
	case SG_FHIR_HISTORY_INSTANCE:
		return SG_PERM_R;
	case SG_FHIR_HISTORY_TYPE:
	case SG_FHIR_HISTORY_SYSTEM:
	case SG_FHIR_SEARCH_TYPE:
	case SG_FHIR_SEARCH_SYSTEM:
	case SG_FHIR_SEARCH_COMPARTMENT:
		return SG_PERM_S;
	case SG_FHIR_CREATE:
		return SG_PERM_C;
	case SG_FHIR_UPDATE:
	case SG_FHIR_UPDATE_COND:
	case SG_FHIR_PATCH:
	case SG_FHIR_PATCH_COND:
		return SG_PERM_U;
	case SG_FHIR_DELETE:
	case SG_FHIR_DELETE_COND:
		return SG_PERM_D;
	case SG_FHIR_OPERATION:
		return SG_PERM_R | SG_PERM_S;
	default:
		return 0;
	}
}

/* 1 when t has a Patient compartment (Patient itself included). */
static int
in_compartment(const struct sg_fhir_type *t)
{
	return t->ncompartment > 0 || strcmp(t->name, "Patient") == 0;
}

static int
reference_type(const char *name)
{
	size_t	 i;

	for (i = 0; i < sizeof(reference_types) / sizeof(reference_types[0]);
	    i++)
		if (strcmp(reference_types[i], name) == 0)
			return 1;
	return 0;
}

/*
 * 1 when scope s covers resources of type t for the permissions need:
 * patient/ * reaches the reference types for reading only.
 */
static int
covers(const struct sg_scope *s, const struct sg_fhir_type *t,
    unsigned need)
{
	if ((s->perms & need) == 0)
		return 0;
	if (strcmp(s->type, t->name) == 0)
		return 1;
	if (strcmp(s->type, "*") != 0)
		return 0;
	return s->ctx != SG_CTX_PATIENT || in_compartment(t) ||
	    (reference_type(t->name) &&
	    (need & ~(SG_PERM_R | SG_PERM_S)) == 0);
}

/* 1 when s confines to the patient's compartment on t. */
static int
confines(const struct sg_scope *s, const struct sg_fhir_type *t)
{
	return s->ctx == SG_CTX_PATIENT && in_compartment(t);
}

int
sg_policy_enforceable(const struct sg_scope *s)
{
	/*
	 * SMART 2.2 "Finer-grained resource constraints": what we cannot
	 * evaluate we cannot grant.  A '+' is a space in a query sent
	 * upstream but a '+' to resource.h: one meaning or none.
	 */
	return s->kind != SG_SCOPE_RESOURCE || s->query == NULL ||
	    (strcmp(s->type, "*") != 0 && strchr(s->query, '+') == NULL &&
	    sg_resource_query_ok(s->type, s->query) == 0);
}

void
sg_policy_enforceable_only(struct sg_scopes *l)
{
	struct sg_scopes keep;
	size_t		 i;

	memset(&keep, 0, sizeof(keep));
	for (i = 0; i < l->n; i++)
		if (sg_policy_enforceable(&l->v[i]))
			sg_scopes_add(&keep, &l->v[i]);
	sg_scopes_free(l);
	*l = keep;
}

void
sg_policy_init(struct sg_policy *pol, const char *scope_text,
    const char *patient, const char *const *bases,
    const char *const *operations)
{
	struct sg_scopes all;
	const struct sg_scope *s;
	size_t		 i;

	memset(pol, 0, sizeof(*pol));
	pol->patient = patient != NULL && sg_identity_id_ok(patient) ?
	    patient : NULL;
	pol->bases = bases;
	pol->operations = operations;
	sg_scopes_parse(scope_text, &all);
	for (i = 0; i < all.n; i++) {
		s = &all.v[i];
		if (s->kind != SG_SCOPE_RESOURCE)
			continue;
		if ((s->ctx == SG_CTX_PATIENT && pol->patient == NULL) ||
		    !sg_policy_enforceable(s))
			continue;
		sg_scopes_add(&pol->scopes, s);
	}
	sg_scopes_free(&all);
}

void
sg_policy_free(struct sg_policy *pol)
{
	if (pol == NULL)
		return;
	sg_scopes_free(&pol->scopes);
	memset(pol, 0, sizeof(*pol));
}

int
sg_policy_permit(const struct sg_policy *pol, json_object *res,
    unsigned mask)
{
	const struct sg_fhir_type *t;
	const struct sg_scope *s;
	json_object	*v;
	const char	*rt;
	size_t		 i;

	if (!json_object_is_type(res, json_type_object) ||
	    !json_object_object_get_ex(res, "resourceType", &v) ||
	    !json_object_is_type(v, json_type_string))
		return 0;
	rt = json_object_get_string(v);
	if (strlen(rt) != (size_t)json_object_get_string_len(v))
		return 0;	/* a NUL inside: not the type it reads as */
	if (strcmp(rt, "OperationOutcome") == 0)
		return 1;
	if ((t = sg_fhir_type(rt, strlen(rt))) == NULL)
		return 0;
	for (i = 0; i < pol->scopes.n; i++) {
		s = &pol->scopes.v[i];
		if (!covers(s, t, mask))
			continue;
		if (s->query != NULL &&
		    sg_resource_matches(res, t->name, s->query) != 1)
			continue;
		if (confines(s, t) && sg_resource_in_compartment(res,
		    pol->patient, pol->bases) != 1)
			continue;
		return 1;
	}
	return 0;
}

/* What the scopes that grant need on t say, for one decision. */
struct grant {
	size_t		 n;		/* scopes that grant */
	int		 open;		/* one grants without confinement or
					   constraint: nothing to enforce */
	int		 confined;	/* one confines to the compartment */
	int		 all_confined;	/* every one does */
	const char	*query;		/* the constraint every one has, or
					   NULL */
	int		 queries;	/* some have a constraint */
	int		 same_query;	/* all have the same one */
};

static void
grant_of(const struct sg_policy *pol, const struct sg_fhir_type *t,
    unsigned need, struct grant *g)
{
	const struct sg_scope *s;
	size_t		 i;

	memset(g, 0, sizeof(*g));
	g->all_confined = 1;
	g->same_query = 1;
	for (i = 0; i < pol->scopes.n; i++) {
		s = &pol->scopes.v[i];
		if (!covers(s, t, need))
			continue;
		if (!confines(s, t) && s->query == NULL)
			g->open = 1;
		if (confines(s, t))
			g->confined = 1;
		else
			g->all_confined = 0;
		if (s->query != NULL)
			g->queries = 1;
		if (g->n == 0)
			g->query = s->query;
		else if (s->query == NULL || g->query == NULL ||
		    strcmp(s->query, g->query) != 0)
			g->same_query = 0;
		g->n++;
	}
	if (!g->same_query)
		g->query = NULL;
}

/*
 * Adds what confines a search on t upstream: the narrowing parameter
 * and the one constraint all granting scopes share.  Returns 1 when
 * the search is then enforced upstream completely.
 */
static int
narrow(const struct sg_policy *pol, const struct sg_fhir_type *t,
    const struct grant *g, struct sg_fhir_req *r)
{
	struct sg_fhir_req q;
	char		*ref;
	size_t		 i;
	int		 exact = 1;

	if (g->open)
		return 1;
	if (g->confined) {
		if (!g->all_confined)
			exact = 0;
		else if (strcmp(t->name, "Patient") == 0)
			sg_fhir_req_add(r, "_id", pol->patient);
		else if (t->narrow != NULL) {
			ref = sg_xconcat("Patient/", pol->patient);
			sg_fhir_req_add(r, t->narrow, ref);
			free(ref);
		} else
			exact = 0;
	}
	if (g->queries) {
		memset(&q, 0, sizeof(q));
		if (g->query != NULL && sg_fhir_req_parse("GET", "", g->query,
		    NULL, &q, NULL) == SG_OK) {
			for (i = 0; i < q.nparams; i++)
				sg_fhir_req_add(r, q.params[i].name,
				    q.params[i].value);
		} else
			exact = 0;
		sg_fhir_req_free(&q);
	}
	return exact;
}

/* 1 when op (without '$') is in the configured list. */
static int
operation_allowed(const struct sg_policy *pol, const char *op)
{
	size_t	 i;

	for (i = 0; pol->operations != NULL && pol->operations[i] != NULL;
	    i++)
		if (strcmp(pol->operations[i], op) == 0)
			return 1;
	return 0;
}

/*
 * 1 when r is the next page of a search some servers (HAPI) keep
 * themselves and link to at the base: "?_getpages=id" with paging
 * parameters only.  Its entries are judged like any search's; the page
 * id names a search the token may have made or not, so it can reveal
 * nothing but entries the token may see anyway.
 */
static int
continued_search(const struct sg_fhir_req *r)
{
	static const char *const paging[] = { "_getpages",
	    "_getpagesoffset", "_count", "_bundletype", "_pretty",
	    "_format" };
	size_t		 i, j;

	if (r->op != SG_FHIR_SEARCH_SYSTEM || r->post_search ||
	    sg_fhir_req_count(r, "_getpages", NULL) != 1)
		return 0;
	for (i = 0; i < r->nparams; i++) {
		for (j = 0; j < sizeof(paging) / sizeof(paging[0]); j++)
			if (strcmp(r->params[i].name, paging[j]) == 0)
				break;
		/* An emptied name is one the proxy took out (_format). */
		if (j == sizeof(paging) / sizeof(paging[0]) &&
		    r->params[i].name[0] != '\0')
			return 0;
	}
	return 1;
}

/*
 * A system-level search or history: every type it may touch (_type, or
 * all) must be granted without confinement or constraint; a patient's
 * compartment cannot be narrowed across types in one query.  The next
 * page of a search the server keeps (continued_search()) needs some
 * search permission only.
 */
static enum sg_status
decide_system(const struct sg_policy *pol, struct sg_fhir_req *r,
    unsigned need, const char **why)
{
	const struct sg_fhir_type *t;
	const char	*types = NULL, *p, *e;
	struct grant	 g;
	size_t		 i;

	if (continued_search(r)) {
		for (i = 0; i < pol->scopes.n; i++)
			if (pol->scopes.v[i].perms & SG_PERM_S)
				return SG_OK;
		*why = "no granted scope permits searching";
		return SG_E_INSUFFICIENT_SCOPE;
	}

	if (r->op == SG_FHIR_SEARCH_SYSTEM &&
	    sg_fhir_req_count(r, "_type", &types) > 1) {
		*why = "_type may be given once";
		return SG_E_BAD_REQUEST;
	}
	if (types != NULL && *types == '\0') {
		*why = "_type names no FHIR R4 resource type";
		return SG_E_BAD_REQUEST;
	}
	if (types == NULL) {
		for (i = 0; i < sg_fhir_ntypes; i++) {
			grant_of(pol, &sg_fhir_types[i], need, &g);
			if (!g.open)
				goto refuse;
		}
		return SG_OK;
	}
	for (p = types; *p != '\0'; p = *e == ',' ? e + 1 : e) {
		e = p + strcspn(p, ",");
		if ((t = sg_fhir_type(p, (size_t)(e - p))) == NULL) {
			*why = "_type names no FHIR R4 resource type";
			return SG_E_BAD_REQUEST;
		}
		grant_of(pol, t, need, &g);
		if (!g.open)
			goto refuse;
	}
	return SG_OK;
refuse:
	*why = "a search or history across types needs user/ or system/ "
	    "scopes for every type it touches";
	return SG_E_INSUFFICIENT_SCOPE;
}

enum sg_status
sg_policy_decide(const struct sg_policy *pol, struct sg_fhir_req *r,
    struct sg_policy_plan *plan, const char **why)
{
	const struct sg_fhir_type *t = r->type;
	struct grant	 g;
	const char	*dummy;
	unsigned	 need;
	char		*ref;

	if (why == NULL)
		why = &dummy;
	*why = NULL;
	memset(plan, 0, sizeof(*plan));
	if ((need = need_of(r->op)) == 0) {
		*why = "batch and transaction entries are decided one by one";
		return SG_E_BAD_REQUEST;
	}
	plan->mask = need;

	if (r->op == SG_FHIR_OPERATION) {
		if (strcmp(r->opname, "everything") == 0 ? t == NULL ||
		    strcmp(t->name, "Patient") != 0 || r->id[0] == '\0' :
		    !operation_allowed(pol, r->opname)) {
			*why = "this operation is not allowed here";
			return SG_E_NOT_FOUND;
		}
		plan->check = 1;
	}

	if (t == NULL) {
		plan->check = 1;
		plan->mask = SG_PERM_R | SG_PERM_S;
		return decide_system(pol, r, need, why);
	}

	/* FHIR R4 §3.1.0.8.1: a compartment search is a search of the
	   type confined by the compartment parameter. */
	if (r->op == SG_FHIR_SEARCH_COMPARTMENT) {
		if (strcmp(t->name, "Patient") == 0)
			sg_fhir_req_add(r, "_id", r->cid);
		else if (t->narrow != NULL) {
			ref = sg_xconcat("Patient/", r->cid);
			sg_fhir_req_add(r, t->narrow, ref);
			free(ref);
		} else {
			*why = "this type is not in the Patient compartment";
			return SG_E_NOT_FOUND;
		}
		r->op = SG_FHIR_SEARCH_TYPE;
		grant_of(pol, t, need, &g);
		if (g.n > 0 && g.all_confined &&
		    strcmp(r->cid, pol->patient) != 0) {
			*why = "the compartment of another patient";
			return SG_E_INSUFFICIENT_SCOPE;
		}
	}

	grant_of(pol, t, need, &g);
	if (g.n == 0) {
		*why = "no granted scope permits this interaction on this "
		    "resource type";
		return SG_E_INSUFFICIENT_SCOPE;
	}

	switch (r->op) {
	case SG_FHIR_READ:
	case SG_FHIR_VREAD:
		plan->check = !g.open;
		break;
	case SG_FHIR_HISTORY_INSTANCE:
	case SG_FHIR_HISTORY_TYPE:
		plan->check = 1;
		plan->exact = g.open;
		break;
	case SG_FHIR_SEARCH_TYPE:
		plan->check = 1;
		plan->mask = SG_PERM_R | SG_PERM_S;
		plan->exact = narrow(pol, t, &g, r);
		break;
	case SG_FHIR_OPERATION:
		plan->mask = SG_PERM_R | SG_PERM_S;
		if (g.open)
			break;
		if (r->id[0] != '\0') {
			/* $everything on the patient's own record, other
			   instance operations on a resource checked first. */
			if (strcmp(t->name, "Patient") == 0 && g.all_confined &&
			    strcmp(r->id, pol->patient) != 0) {
				*why = "the record of another patient";
				return SG_E_INSUFFICIENT_SCOPE;
			}
			plan->existing = strcmp(t->name, "Patient") != 0;
		} else
			(void)narrow(pol, t, &g, r);
		break;
	case SG_FHIR_CREATE:
		plan->body = 1;
		break;
	case SG_FHIR_UPDATE:
		plan->body = 1;
		plan->existing = !g.open;
		break;
	case SG_FHIR_PATCH:
	case SG_FHIR_DELETE:
		plan->existing = !g.open;
		break;
	case SG_FHIR_UPDATE_COND:
	case SG_FHIR_PATCH_COND:
	case SG_FHIR_DELETE_COND:
		/* The server acts on whatever matches: the condition must
		   be confined upstream, completely. */
		plan->body = r->op == SG_FHIR_UPDATE_COND;
		if (!narrow(pol, t, &g, r)) {
			*why = "a conditional interaction these scopes cannot "
			    "confine";
			return SG_E_INSUFFICIENT_SCOPE;
		}
		break;
	default:
		*why = "not an interaction the proxy knows";
		return SG_E_NOT_FOUND;
	}
	return SG_OK;
}

/* 1 when the first segment of a JSON Pointer (RFC 6901) is name. */
static int
pointer_at(const char *ptr, const char *name)
{
	size_t	 n = strlen(name);

	if (*ptr++ != '/')
		return 0;
	return strncmp(ptr, name, n) == 0 && (ptr[n] == '/' ||
	    ptr[n] == '\0');
}

/* 1 when ptr starts at the first element of one of p's paths. */
static int
pointer_in(const char *ptr, const struct sg_fhir_param *p)
{
	char		 first[SG_SCOPE_TYPE_MAX + 1];
	size_t		 i, n;

	for (i = 0; p->paths[i] != NULL; i++) {
		n = strcspn(p->paths[i], ".");
		if (n >= sizeof(first))
			return 1;
		memcpy(first, p->paths[i], n);
		first[n] = '\0';
		if (pointer_at(ptr, first))
			return 1;
	}
	return 0;
}

/* 1 when ptr may be touched under the scopes that count for t. */
static int
pointer_ok(const struct sg_policy *pol, const struct sg_fhir_type *t,
    const char *ptr)
{
	const struct sg_scope *s;
	const struct sg_fhir_param *p;
	const char	*q, *e;
	char		 name[SG_SCOPE_TYPE_MAX + 1];
	size_t		 i, n;

	/* The root, the type, the id: never (FHIR R4 §3.1.0.4.1). */
	if (*ptr == '\0' || pointer_at(ptr, "resourceType") ||
	    pointer_at(ptr, "id"))
		return 0;
	for (i = 0; i < pol->scopes.n; i++) {
		s = &pol->scopes.v[i];
		if (!covers(s, t, SG_PERM_U))
			continue;
		if (confines(s, t))
			for (n = 0; n < t->ncompartment; n++)
				if (pointer_in(ptr, &t->compartment[n]))
					return 0;
		for (q = s->query; q != NULL && *q != '\0';
		    q = *e == '&' ? e + 1 : e) {
			e = q + strcspn(q, "&");
			n = strcspn(q, "=");
			if (n >= sizeof(name) || q + n > e)
				return 0;
			memcpy(name, q, n);
			name[n] = '\0';
			if ((p = sg_fhir_token(t, name)) == NULL ||
			    pointer_in(ptr, p))
				return 0;
		}
	}
	return 1;
}

/* The JSON Pointer member name of op, checked (RFC 6901 §3), or NULL. */
static const char *
pointer_of(json_object *op, const char *name)
{
	json_object	*v;
	const char	*p;

	if (!json_object_object_get_ex(op, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	p = json_object_get_string(v);
	if (*p != '/' || strlen(p) != (size_t)json_object_get_string_len(v))
		return NULL;
	return p;
}

int
sg_policy_patch_ok(const struct sg_policy *pol, const char *type,
    json_object *patch)
{
	const struct sg_fhir_type *t;
	json_object	*op;
	const char	*name, *path, *from;
	size_t		 i, n;

	if (type == NULL || (t = sg_fhir_type(type, strlen(type))) == NULL ||
	    !json_object_is_type(patch, json_type_array))
		return 0;
	n = json_object_array_length(patch);
	for (i = 0; i < n; i++) {
		op = json_object_array_get_idx(patch, i);
		/* RFC 6902 §4: these six, with path; move and copy from. */
		if ((name = sg_json_str(op, "op")) == NULL ||
		    (strcmp(name, "add") != 0 && strcmp(name, "remove") != 0 &&
		    strcmp(name, "replace") != 0 && strcmp(name, "move") != 0 &&
		    strcmp(name, "copy") != 0 && strcmp(name, "test") != 0) ||
		    (path = pointer_of(op, "path")) == NULL ||
		    !pointer_ok(pol, t, path))
			return 0;
		from = pointer_of(op, "from");
		if ((strcmp(name, "move") == 0 || strcmp(name, "copy") == 0) &&
		    (from == NULL || !pointer_ok(pol, t, from)))
			return 0;
	}
	return 1;
}
