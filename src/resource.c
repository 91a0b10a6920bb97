/*
 * Questions asked of one FHIR resource: compartment membership (FHIR R4
 * "Compartments", CompartmentDefinition "patient") and token matching
 * of a SMART scope's constraint (SMART App Launch 2.2 "Finer-grained
 * resource constraints using search parameters"; FHIR R4 Search
 * §3.1.1.5.5 "token").  Both walk the element paths of fhirdefs.h on
 * the parsed JSON and answer no to anything they do not understand.
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "bounds.h"
#include "fhirdefs.h"
#include "form.h"
#include "identity.h"
#include "mem.h"
#include "resource.h"

/* Path segments we walk; tools/gen-fhirdefs.mjs emits no longer path. */
#define PATH_SEGS	8
/* The longest element name we look up. */
#define SEG_MAX		64

/* Called on each value a path selects; 1 stops the walk with a match. */
typedef int	(*visit_fn)(json_object *, const void *);

/*
 * Walks the dotted path from v, through every element of an array met
 * at any step (FHIRPath flattens collections), and calls visit on each
 * value at its end.  Returns 1 when a visit did, else 0.  FHIR JSON has
 * no arrays of arrays, so those are not entered.
 */
static int
walk(json_object *v, const char *path, int depth, visit_fn visit,
    const void *arg)
{
	json_object	*child, *e;
	const char	*dot, *rest;
	char		 seg[SEG_MAX + 1];
	size_t		 i, n, len;

	if (json_object_is_type(v, json_type_array)) {
		n = json_object_array_length(v);
		for (i = 0; i < n; i++) {
			e = json_object_array_get_idx(v, i);
			if (json_object_is_type(e, json_type_array))
				continue;
			if (walk(e, path, depth, visit, arg))
				return 1;
		}
		return 0;
	}
	if (*path == '\0')
		return visit(v, arg);
	if (depth >= PATH_SEGS || !json_object_is_type(v, json_type_object))
		return 0;
	if ((dot = strchr(path, '.')) != NULL) {
		len = (size_t)(dot - path);
		rest = dot + 1;
		if (*rest == '\0')
			return 0;
	} else {
		len = strlen(path);
		rest = path + len;
	}
	if (len == 0 || len > SEG_MAX)
		return 0;
	memcpy(seg, path, len);
	seg[len] = '\0';
	if (!json_object_object_get_ex(v, seg, &child))
		return 0;
	return walk(child, rest, depth + 1, visit, arg);
}

/* 1 when any path of p selects a value visit accepts. */
static int
walk_param(json_object *res, const struct sg_fhir_param *p, visit_fn visit,
    const void *arg)
{
	size_t	 i;

	for (i = 0; p->paths[i] != NULL; i++)
		if (walk(res, p->paths[i], 0, visit, arg))
			return 1;
	return 0;
}

/* The resource type of res, or NULL when res is not an object with one. */
static const struct sg_fhir_type *
type_of(json_object *res)
{
	json_object	*rt;

	if (!json_object_is_type(res, json_type_object) ||
	    !json_object_object_get_ex(res, "resourceType", &rt) ||
	    !json_object_is_type(rt, json_type_string))
		return NULL;
	return sg_fhir_type(json_object_get_string(rt),
	    (size_t)json_object_get_string_len(rt));
}

/* s past prefix p, or NULL when s does not start with p. */
static const char *
skip(const char *s, const char *p)
{
	size_t	 n = strlen(p);

	return strncmp(s, p, n) == 0 ? s + n : NULL;
}

/*
 * 1 when s is "Patient/<patient>" with nothing after it but an optional
 * "/_history/<vid>" (FHIR R4 References §2.3.0.1; RESTful API §3.1.0.1
 * "vread").
 */
static int
patient_path(const char *s, const char *patient)
{
	if ((s = skip(s, "Patient/")) == NULL ||
	    (s = skip(s, patient)) == NULL)
		return 0;
	if (*s == '\0')
		return 1;
	if ((s = skip(s, "/_history/")) == NULL)
		return 0;
	return sg_identity_id_ok(s);
}

struct target {
	const char		*patient;
	const char *const	*bases;
};

/*
 * A Reference naming the patient: relative, or absolute under one of
 * our bases (a reference to another server names somebody else's
 * record).  Contained ("#p"), logical (identifier only) and urn:uuid
 * references, and anything not a Reference object, do not count.
 */
static int
visit_reference(json_object *v, const void *arg)
{
	const struct target	*t = arg;
	const char		*ref, *rest;
	json_object		*r;
	size_t			 i;

	if (!json_object_is_type(v, json_type_object) ||
	    !json_object_object_get_ex(v, "reference", &r) ||
	    !json_object_is_type(r, json_type_string))
		return 0;
	ref = json_object_get_string(r);
	/* A NUL inside the string would hide what follows it. */
	if (strlen(ref) != (size_t)json_object_get_string_len(r))
		return 0;
	if (patient_path(ref, t->patient))
		return 1;
	for (i = 0; t->bases != NULL && t->bases[i] != NULL; i++) {
		if (t->bases[i][0] == '\0')
			continue;
		if ((rest = skip(ref, t->bases[i])) != NULL && *rest == '/' &&
		    patient_path(rest + 1, t->patient))
			return 1;
	}
	return 0;
}

int
sg_resource_in_compartment(json_object *res, const char *patient,
    const char *const *bases)
{
	const struct sg_fhir_type	*t;
	struct target			 tg;
	json_object			*id;
	size_t				 i;

	if (!sg_identity_id_ok(patient) || (t = type_of(res)) == NULL)
		return 0;
	/* A Patient is in its own compartment, and no other's. */
	if (strcmp(t->name, "Patient") == 0)
		return json_object_object_get_ex(res, "id", &id) &&
		    json_object_is_type(id, json_type_string) &&
		    (size_t)json_object_get_string_len(id) == strlen(patient) &&
		    strcmp(json_object_get_string(id), patient) == 0;
	tg.patient = patient;
	tg.bases = bases;
	for (i = 0; i < t->ncompartment; i++)
		if (walk_param(res, &t->compartment[i], visit_reference, &tg))
			return 1;
	return 0;
}

/*
 * One alternative of a token value (FHIR R4 Search §3.1.1.5.5):
 * "code" (system NULL: any system), "system|code", "system|" (code NULL:
 * any code of system), "|code" (system "": no system).
 */
struct alt {
	const char	*system;
	const char	*code;
};

/* One parameter of a constraint: its alternatives, joined by OR. */
struct qparam {
	const struct sg_fhir_param	*param;
	char				*value;	/* decoded; alts point into it */
	struct alt			*alts;
	size_t				 nalts;
};

struct query {
	struct qparam	 params[SG_MAX_PARAMS];
	size_t		 nparams;
};

static void
query_free(struct query *q)
{
	size_t	 i;

	for (i = 0; i < q->nparams; i++) {
		free(q->params[i].value);
		free(q->params[i].alts);
	}
	q->nparams = 0;
}

/*
 * Splits the decoded value of one parameter into its alternatives, in
 * place.  FHIR escapes ',' '|' and '$' with a backslash (R4 Search
 * §3.1.1.1.1); we refuse backslashes instead of reading them.
 */
static int
parse_value(struct qparam *qp)
{
	char	*s, *next, *bar;
	size_t	 n = 1;

	for (s = qp->value; *s != '\0'; s++)
		if (*s == '\\')
			return -1;
		else if (*s == ',')
			n++;
	qp->alts = sg_xcalloc(n, sizeof(*qp->alts));
	for (s = qp->value; s != NULL; s = next) {
		if ((next = strchr(s, ',')) != NULL)
			*next++ = '\0';
		if (*s == '\0')
			return -1;
		if ((bar = strchr(s, '|')) == NULL) {
			qp->alts[qp->nalts].code = s;
		} else {
			*bar = '\0';
			/* "|" alone, or a second '|' in the code. */
			if ((*s == '\0' && bar[1] == '\0') ||
			    strchr(bar + 1, '|') != NULL)
				return -1;
			qp->alts[qp->nalts].system = s;
			qp->alts[qp->nalts].code = bar[1] == '\0' ? NULL : bar + 1;
		}
		qp->nalts++;
	}
	return 0;
}

/*
 * Parses query for type into q: "name=value" joined by '&', each name
 * a token parameter of the type without modifier or chain, each value
 * non-empty and percent-decoded once.  Returns 0, or -1 (q freed).
 */
static int
query_parse(const char *type, const char *query, struct query *q)
{
	const struct sg_fhir_type	*t;
	struct qparam			*qp;
	const char			*s, *amp, *eq;
	char				 name[SG_MAX_PARAM_NAME + 1];
	size_t				 len, nlen, vlen;

	q->nparams = 0;
	if (type == NULL || query == NULL || *query == '\0' ||
	    strlen(query) > SG_MAX_PARAM_VALUE ||
	    (t = sg_fhir_type(type, strlen(type))) == NULL)
		return -1;
	for (s = query; ; s = amp + 1) {
		amp = strchr(s, '&');
		len = amp != NULL ? (size_t)(amp - s) : strlen(s);
		if ((eq = memchr(s, '=', len)) == NULL)
			goto fail;
		nlen = (size_t)(eq - s);
		vlen = len - nlen - 1;
		if (nlen == 0 || nlen > SG_MAX_PARAM_NAME || vlen == 0 ||
		    q->nparams == SG_MAX_PARAMS)
			goto fail;
		memcpy(name, s, nlen);
		name[nlen] = '\0';
		qp = &q->params[q->nparams];
		memset(qp, 0, sizeof(*qp));
		/* Names are matched exactly: "code:text", "subject.name" fail. */
		if ((qp->param = sg_fhir_token(t, name)) == NULL)
			goto fail;
		if ((qp->value = sg_form_decode(eq + 1, vlen, 0,
		    SG_MAX_PARAM_VALUE, NULL)) == NULL)
			goto fail;
		q->nparams++;
		if (parse_value(qp) == -1)
			goto fail;
		if (amp == NULL)
			break;
	}
	return 0;
fail:
	query_free(q);
	return -1;
}

/*
 * A (system, code) pair against one alternative; system or code NULL
 * when the element has none ("system|" matches a Coding without code).
 */
static int
pair_match(const char *system, const char *code, const struct alt *a)
{
	if (a->code != NULL && (code == NULL || strcmp(code, a->code) != 0))
		return 0;
	if (a->system == NULL)
		return 1;
	if (a->system[0] == '\0')
		return system == NULL;
	return system != NULL && strcmp(system, a->system) == 0;
}

/*
 * The string member name of o into *out (NULL when absent).  Returns
 * 0, or -1 when present as anything but a string without NUL bytes.
 */
static int
member(json_object *o, const char *name, const char **out)
{
	json_object	*m;

	*out = NULL;
	if (!json_object_object_get_ex(o, name, &m))
		return 0;
	if (!json_object_is_type(m, json_type_string))
		return -1;
	*out = json_object_get_string(m);
	if (strlen(*out) != (size_t)json_object_get_string_len(m))
		return -1;
	return 0;
}

/* A Coding ({system, code}) or an Identifier ({system, value}). */
static int
object_match(json_object *o, const char *codename, const struct alt *a)
{
	const char	*system, *code;

	if (!json_object_is_type(o, json_type_object) ||
	    member(o, "system", &system) == -1 ||
	    member(o, codename, &code) == -1)
		return 0;
	return pair_match(system, code, a);
}

/*
 * One value at a token parameter's path against one alternative, as
 * R4 Search §3.1.1.5.5 reads each datatype: a code (or other string) and
 * a boolean have no system; a CodeableConcept matches by any of its
 * codings; a Coding by system and code; an Identifier (and a
 * ContactPoint, the same shape) by system and value.
 */
static int
value_match(json_object *v, const struct alt *a)
{
	json_object	*c, *e;
	const char	*s;
	size_t		 i, n;

	switch (json_object_get_type(v)) {
	case json_type_string:
		s = json_object_get_string(v);
		if (strlen(s) != (size_t)json_object_get_string_len(v))
			return 0;
		return pair_match(NULL, s, a);
	case json_type_boolean:
		return pair_match(NULL,
		    json_object_get_boolean(v) ? "true" : "false", a);
	case json_type_object:
		break;
	default:
		return 0;
	}
	if (json_object_object_get_ex(v, "coding", &c)) {
		if (!json_object_is_type(c, json_type_array))
			return 0;
		n = json_object_array_length(c);
		for (i = 0; i < n; i++) {
			e = json_object_array_get_idx(c, i);
			if (object_match(e, "code", a))
				return 1;
		}
		return 0;
	}
	if (json_object_object_get_ex(v, "code", &c))
		return object_match(v, "code", a);
	return object_match(v, "value", a);
}

/* One value against any alternative of a parameter (OR). */
static int
visit_token(json_object *v, const void *arg)
{
	const struct qparam	*qp = arg;
	size_t			 i;

	for (i = 0; i < qp->nalts; i++)
		if (value_match(v, &qp->alts[i]))
			return 1;
	return 0;
}

int
sg_resource_matches(json_object *res, const char *type, const char *query)
{
	const struct sg_fhir_type	*t;
	struct query			 q;
	size_t				 i;
	int				 rc = 0;

	if (query_parse(type, query, &q) == -1)
		return -1;
	/* A resource of another type (or none) is not what the scope names. */
	if ((t = type_of(res)) == NULL || strcmp(t->name, type) != 0)
		goto out;
	for (i = 0; i < q.nparams; i++)
		if (!walk_param(res, q.params[i].param, visit_token,
		    &q.params[i]))
			goto out;
	rc = 1;
out:
	query_free(&q);
	return rc;
}

int
sg_resource_query_ok(const char *type, const char *query)
{
	struct query	 q;

	if (query_parse(type, query, &q) == -1)
		return -1;
	query_free(&q);
	return 0;
}
