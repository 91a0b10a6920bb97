/*
 * The FHIR proxy's request classifier: method and path under our FHIR
 * base to one FHIR R4 RESTful interaction (FHIR R4 http §3.1.0, the
 * summary table of §3.1.0.1.1), the query and a POST _search form body
 * to decoded parameters.  What is not exactly one interaction is
 * refused: the proxy fails closed on what it cannot classify.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "fhirdefs.h"
#include "fhirreq.h"
#include "form.h"
#include "identity.h"
#include "mem.h"
#include "status.h"

/*
 * The methods of the FHIR RESTful API (FHIR R4 http §3.1.0.1.1).  HEAD
 * is GET without the body (RFC 9110 §9.3.2), so it is classified as
 * GET.  Method names are case-sensitive (RFC 9110 §9.1).
 */
enum method {
	M_GET,
	M_POST,
	M_PUT,
	M_PATCH,
	M_DELETE,
	M__MAX
};

static const struct {
	const char	*name;
	enum method	 m;
} methods[] = {
	{ "GET", M_GET },
	{ "HEAD", M_GET },
	{ "POST", M_POST },
	{ "PUT", M_PUT },
	{ "PATCH", M_PATCH },
	{ "DELETE", M_DELETE },
};

/* The path shapes of the grammar in fhirreq.h. */
enum shape {
	SH_BASE,		/* "" */
	SH_SEARCH,		/* _search */
	SH_HISTORY,		/* _history */
	SH_OP,			/* [Type/[id/]]$op */
	SH_TYPE,		/* Type */
	SH_TYPE_SEARCH,		/* Type/_search */
	SH_TYPE_HISTORY,	/* Type/_history */
	SH_INSTANCE,		/* Type/id */
	SH_INSTANCE_HISTORY,	/* Type/id/_history */
	SH_VREAD,		/* Type/id/_history/vid */
	SH_COMPARTMENT,		/* Patient/id/Type */
	SH__MAX
};

/*
 * The interaction each method is on each shape (FHIR R4 http
 * §3.1.0.1.1); SG_FHIR_INVALID: the shape does not take the method.
 * GET on a _search path is not a search: a search over GET is written
 * without "_search" (FHIR R4 Search §3.1.1, "search" in FHIR R4 http).
 */
static const enum sg_fhir_op dispatch[SH__MAX][M__MAX] = {
	[SH_BASE] = {
		[M_GET] = SG_FHIR_SEARCH_SYSTEM,
		[M_POST] = SG_FHIR_BATCH,
	},
	[SH_SEARCH] = { [M_POST] = SG_FHIR_SEARCH_SYSTEM },
	[SH_HISTORY] = { [M_GET] = SG_FHIR_HISTORY_SYSTEM },
	[SH_OP] = {
		[M_GET] = SG_FHIR_OPERATION,
		[M_POST] = SG_FHIR_OPERATION,
	},
	[SH_TYPE] = {
		[M_GET] = SG_FHIR_SEARCH_TYPE,
		[M_POST] = SG_FHIR_CREATE,
		[M_PUT] = SG_FHIR_UPDATE_COND,
		[M_PATCH] = SG_FHIR_PATCH_COND,
		[M_DELETE] = SG_FHIR_DELETE_COND,
	},
	[SH_TYPE_SEARCH] = { [M_POST] = SG_FHIR_SEARCH_TYPE },
	[SH_TYPE_HISTORY] = { [M_GET] = SG_FHIR_HISTORY_TYPE },
	[SH_INSTANCE] = {
		[M_GET] = SG_FHIR_READ,
		[M_PUT] = SG_FHIR_UPDATE,
		[M_PATCH] = SG_FHIR_PATCH,
		[M_DELETE] = SG_FHIR_DELETE,
	},
	[SH_INSTANCE_HISTORY] = { [M_GET] = SG_FHIR_HISTORY_INSTANCE },
	[SH_VREAD] = { [M_GET] = SG_FHIR_VREAD },
	[SH_COMPARTMENT] = { [M_GET] = SG_FHIR_SEARCH_COMPARTMENT },
};

static const char *const op_names[SG_FHIR__MAX] = {
	[SG_FHIR_INVALID] = "invalid",
	[SG_FHIR_READ] = "read",
	[SG_FHIR_VREAD] = "vread",
	[SG_FHIR_HISTORY_INSTANCE] = "history-instance",
	[SG_FHIR_HISTORY_TYPE] = "history-type",
	[SG_FHIR_HISTORY_SYSTEM] = "history-system",
	[SG_FHIR_SEARCH_TYPE] = "search-type",
	[SG_FHIR_SEARCH_SYSTEM] = "search-system",
	[SG_FHIR_SEARCH_COMPARTMENT] = "search-compartment",
	[SG_FHIR_CREATE] = "create",
	[SG_FHIR_UPDATE] = "update",
	[SG_FHIR_UPDATE_COND] = "update-conditional",
	[SG_FHIR_PATCH] = "patch",
	[SG_FHIR_PATCH_COND] = "patch-conditional",
	[SG_FHIR_DELETE] = "delete",
	[SG_FHIR_DELETE_COND] = "delete-conditional",
	[SG_FHIR_BATCH] = "batch",
	[SG_FHIR_OPERATION] = "operation",
};

/* Type/id/_history/vid is the longest path of the grammar. */
#define MAX_SEGMENTS	4

/* One path segment: len bytes at p, not NUL-terminated. */
struct seg {
	const char	*p;
	size_t		 len;
};

/*
 * Splits path ("" or "/a/b…") into its segments.  Refused: a path that
 * is neither, any '%' (no segment of the grammar needs one, so an
 * encoded '/' or '.' and double encoding never reach a parser further
 * on), an empty segment ("//", a trailing '/', "/" alone), the
 * dot-segments "." and ".." that a URL parser would resolve away (RFC
 * 3986 §5.2.4), and more segments than any interaction has.
 */
static int
split_path(const char *path, struct seg *segs, size_t *nsegs,
    const char **why)
{
	const char	*p, *slash;
	size_t		 n = 0, len;

	*nsegs = 0;
	if (path == NULL || (*path != '\0' && *path != '/')) {
		*why = "the path is not under the FHIR base";
		return -1;
	}
	if (*path == '\0')
		return 0;
	if (strchr(path, '%') != NULL) {
		*why = "percent-encoding in the path";
		return -1;
	}
	for (p = path + 1;; p = slash + 1) {
		slash = strchr(p, '/');
		len = slash != NULL ? (size_t)(slash - p) : strlen(p);
		if (len == 0) {
			*why = "empty segment in the path";
			return -1;
		}
		if (p[0] == '.' && (len == 1 || (len == 2 && p[1] == '.'))) {
			*why = "dot-segment in the path";
			return -1;
		}
		if (n == MAX_SEGMENTS) {
			*why = "too many segments in the path";
			return -1;
		}
		segs[n].p = p;
		segs[n].len = len;
		n++;
		if (slash == NULL)
			break;
	}
	*nsegs = n;
	return 0;
}

/* 1 when s is exactly the literal lit. */
static int
seg_is(const struct seg *s, const char *lit)
{
	return s->len == strlen(lit) && memcmp(s->p, lit, s->len) == 0;
}

/* The R4 resource type s names, or NULL. */
static const struct sg_fhir_type *
seg_type(const struct seg *s)
{
	return sg_fhir_type(s->p, s->len);
}

/* Copies s into id (SG_MAX_FHIR_ID + 1 bytes) when it is a FHIR id. */
static int
seg_id(const struct seg *s, char *id)
{
	if (s->len > SG_MAX_FHIR_ID)
		return 0;
	memcpy(id, s->p, s->len);
	id[s->len] = '\0';
	if (!sg_identity_id_ok(id)) {
		id[0] = '\0';
		return 0;
	}
	return 1;
}

/*
 * Copies the name of the operation s, "$" + [a-zA-Z][a-zA-Z0-9-]{0,63}
 * (FHIR R4 "Extended Operations on the RESTful API"), without the '$',
 * into name (SG_MAX_FHIR_ID + 1 bytes).
 */
static int
seg_op(const struct seg *s, char *name)
{
	size_t	 i;
	char	 c;

	if (s->len < 2 || s->len - 1 > SG_MAX_FHIR_ID || s->p[0] != '$')
		return 0;
	for (i = 1; i < s->len; i++) {
		c = s->p[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (i > 1 && ((c >= '0' && c <= '9') || c == '-'))))
			return 0;
	}
	memcpy(name, s->p + 1, s->len - 1);
	name[s->len - 1] = '\0';
	return 1;
}

/*
 * The shape of the n segments s, filling r's type, id, vid, cid and
 * opname as they are read; -1 when the path names no interaction.  A
 * segment is read by its position, so an id that is also a type name
 * ("Patient/Observation") is an id.
 */
static int
classify(const struct seg *s, size_t n, struct sg_fhir_req *r,
    const char **why)
{
	const struct sg_fhir_type	*t;

	if (n == 0)
		return SH_BASE;
	if (n == 1) {
		if (seg_is(&s[0], "_search"))
			return SH_SEARCH;
		if (seg_is(&s[0], "_history"))
			return SH_HISTORY;
		if (seg_op(&s[0], r->opname))
			return SH_OP;
	}
	if ((r->type = seg_type(&s[0])) == NULL) {
		*why = "no FHIR R4 resource type or system interaction "
		    "of that name";
		return -1;
	}
	if (n == 1)
		return SH_TYPE;
	if (n == 2) {
		if (seg_is(&s[1], "_search"))
			return SH_TYPE_SEARCH;
		if (seg_is(&s[1], "_history"))
			return SH_TYPE_HISTORY;
		if (seg_op(&s[1], r->opname))
			return SH_OP;
	}
	if (!seg_id(&s[1], r->id)) {
		*why = "not a FHIR id or type interaction";
		return -1;
	}
	if (n == 2)
		return SH_INSTANCE;
	if (n == 3) {
		if (seg_is(&s[2], "_history"))
			return SH_INSTANCE_HISTORY;
		if (seg_op(&s[2], r->opname))
			return SH_OP;
		/*
		 * Compartment search ("search" in FHIR R4 http, FHIR R4
		 * "Compartments"): only the Patient compartment, one type
		 * at a time ("*" is no type).  Which types the compartment
		 * holds is the proxy's to judge (fhirdefs.h).
		 */
		if (strcmp(r->type->name, "Patient") == 0 &&
		    (t = seg_type(&s[2])) != NULL) {
			memcpy(r->cid, r->id, sizeof(r->cid));
			r->id[0] = '\0';
			r->type = t;
			return SH_COMPARTMENT;
		}
		*why = "not an instance interaction or Patient "
		    "compartment search";
		return -1;
	}
	if (seg_is(&s[2], "_history") && seg_id(&s[3], r->vid))
		return SH_VREAD;
	*why = "not a version of a resource";
	return -1;
}

/* Appends a parameter, taking name and value. */
static void
push_param(struct sg_fhir_req *r, char *name, char *value)
{
	r->params = sg_xrealloc(r->params,
	    (r->nparams + 1) * sizeof(r->params[0]));
	r->params[r->nparams].name = name;
	r->params[r->nparams].value = value;
	r->nparams++;
}

/*
 * A parameter name: [A-Za-z0-9_.:-]{1,SG_MAX_PARAM_NAME}, enough for
 * modifiers ("code:text"), chains ("subject:Patient.name") and reverse
 * chains ("_has:Observation:patient:code"; FHIR R4 Search "Modifiers",
 * "Chained parameters", "Reverse Chaining"), starting with
 * [A-Za-z0-9_]: every name has a base name before its first ':' or
 * '.', which is what sg_fhir_req_count() matches.
 */
static int
name_ok(const char *s, size_t len)
{
	size_t	 i;
	char	 c;

	if (len == 0 || len > SG_MAX_PARAM_NAME)
		return 0;
	for (i = 0; i < len; i++) {
		c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '_' ||
		    (i > 0 && (c == '.' || c == ':' || c == '-'))))
			return 0;
	}
	return 1;
}

/*
 * Parses the application/x-www-form-urlencoded s (a query or a form
 * body; NULL is none) onto r's parameters (WHATWG URL "urlencoded
 * parsing", strict): '&'-separated, empty pairs skipped, a pair
 * without '=' refused (every FHIR search parameter has a value, FHIR
 * R4 Search §3.1.1), '+' a space, percent-decoded once, names by
 * name_ok(), values strict UTF-8 without control bytes (sg_check_text)
 * of at most SG_MAX_PARAM_VALUE bytes, at most SG_MAX_PARAMS in all.
 */
static int
parse_params(struct sg_fhir_req *r, const char *s, const char **why)
{
	const char	*p, *amp, *eq;
	char		*name = NULL, *value = NULL;
	size_t		 len, nlen, vlen;

	if (s == NULL)
		return 0;
	for (p = s; *p != '\0'; p = amp + 1) {
		amp = strchr(p, '&');
		len = amp != NULL ? (size_t)(amp - p) : strlen(p);
		if (len > 0) {
			if ((eq = memchr(p, '=', len)) == NULL) {
				*why = "a parameter without '='";
				goto fail;
			}
			if (r->nparams == SG_MAX_PARAMS) {
				*why = "too many parameters";
				goto fail;
			}
			name = sg_form_decode(p, (size_t)(eq - p), 1,
			    SG_MAX_PARAM_NAME, &nlen);
			if (name == NULL || !name_ok(name, nlen)) {
				*why = "malformed parameter name";
				goto fail;
			}
			value = sg_form_decode(eq + 1,
			    len - (size_t)(eq - p) - 1, 1,
			    SG_MAX_PARAM_VALUE, &vlen);
			if (value == NULL || !sg_check_text(value, vlen)) {
				*why = "malformed or too long parameter value";
				goto fail;
			}
			push_param(r, name, value);
			name = value = NULL;
		}
		if (amp == NULL)
			break;
	}
	return 0;
fail:
	free(name);
	free(value);
	return -1;
}

enum sg_status
sg_fhir_req_parse(const char *method, const char *path, const char *query,
    const char *form, struct sg_fhir_req *out, const char **why)
{
	struct seg	 segs[MAX_SEGMENTS];
	const char	*dummy;
	enum sg_status	 st;
	size_t		 i, nsegs;
	int		 m = -1, shape;

	if (why == NULL)
		why = &dummy;
	*why = NULL;
	memset(out, 0, sizeof(*out));

	if (split_path(path, segs, &nsegs, why) == -1 ||
	    (shape = classify(segs, nsegs, out, why)) == -1) {
		st = SG_E_NOT_FOUND;
		goto fail;
	}
	for (i = 0; method != NULL && i < sizeof(methods) / sizeof(methods[0]);
	    i++)
		if (strcmp(method, methods[i].name) == 0)
			m = (int)methods[i].m;
	if (m == -1 || dispatch[shape][m] == SG_FHIR_INVALID) {
		*why = m == -1 ? "method not supported" :
		    "method not allowed on this path";
		st = SG_E_METHOD;
		goto fail;
	}
	out->op = dispatch[shape][m];
	out->post_search = shape == SH_SEARCH || shape == SH_TYPE_SEARCH;

	/*
	 * A POST search's body holds more of the same parameters (FHIR R4
	 * Search §3.1.1); for any other interaction the body is a
	 * resource or Parameters, not a form, and form is not read.
	 */
	if (parse_params(out, query, why) == -1 ||
	    (out->post_search && parse_params(out, form, why) == -1)) {
		st = SG_E_BAD_REQUEST;
		goto fail;
	}

	/*
	 * A conditional update, patch or delete names its target by search
	 * criteria alone (FHIR R4 http "conditional update", "conditional
	 * delete", "patch"); without any it would act on every resource of
	 * the type or on none, so it is refused.
	 */
	if ((out->op == SG_FHIR_UPDATE_COND || out->op == SG_FHIR_PATCH_COND ||
	    out->op == SG_FHIR_DELETE_COND) && out->nparams == 0) {
		*why = "a conditional interaction without search criteria";
		st = SG_E_BAD_REQUEST;
		goto fail;
	}
	return SG_OK;
fail:
	sg_fhir_req_free(out);
	return st;
}

void
sg_fhir_req_free(struct sg_fhir_req *r)
{
	size_t	 i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nparams; i++) {
		free(r->params[i].name);
		free(r->params[i].value);
	}
	free(r->params);
	memset(r, 0, sizeof(*r));
}

void
sg_fhir_req_add(struct sg_fhir_req *r, const char *name, const char *value)
{
	push_param(r, sg_xstrdup(name),
	    sg_xstrdup(value != NULL ? value : ""));
}

size_t
sg_fhir_req_count(const struct sg_fhir_req *r, const char *name,
    const char **value)
{
	const char	*n;
	size_t		 i, len, count = 0;

	if (value != NULL)
		*value = NULL;
	if (r == NULL || name == NULL)
		return 0;
	len = strlen(name);
	for (i = 0; i < r->nparams; i++) {
		n = r->params[i].name;
		if (strcspn(n, ":") != len || strncmp(n, name, len) != 0)
			continue;
		if (count++ == 0 && value != NULL)
			*value = r->params[i].value;
	}
	return count;
}

char *
sg_fhir_req_path(const struct sg_fhir_req *r)
{
	const char	*t;
	char		 buf[512];	/* a type, three ids, constants */
	int		 n;

	if (r == NULL || r->op <= SG_FHIR_INVALID || r->op >= SG_FHIR__MAX)
		return NULL;
	t = r->type != NULL ? r->type->name : NULL;
	if (t == NULL && r->op != SG_FHIR_SEARCH_SYSTEM &&
	    r->op != SG_FHIR_BATCH && r->op != SG_FHIR_HISTORY_SYSTEM &&
	    r->op != SG_FHIR_OPERATION)
		return NULL;

	switch (r->op) {
	case SG_FHIR_SEARCH_SYSTEM:
		n = snprintf(buf, sizeof(buf), "%s",
		    r->post_search ? "_search" : "");
		break;
	case SG_FHIR_BATCH:
		n = snprintf(buf, sizeof(buf), "%s", "");
		break;
	case SG_FHIR_HISTORY_SYSTEM:
		n = snprintf(buf, sizeof(buf), "_history");
		break;
	case SG_FHIR_OPERATION:
		if (t == NULL)
			n = snprintf(buf, sizeof(buf), "$%s", r->opname);
		else if (r->id[0] == '\0')
			n = snprintf(buf, sizeof(buf), "%s/$%s", t, r->opname);
		else
			n = snprintf(buf, sizeof(buf), "%s/%s/$%s", t, r->id,
			    r->opname);
		break;
	case SG_FHIR_SEARCH_COMPARTMENT:
		n = snprintf(buf, sizeof(buf), "Patient/%s/%s", r->cid, t);
		break;
	case SG_FHIR_SEARCH_TYPE:
		n = snprintf(buf, sizeof(buf), "%s%s", t,
		    r->post_search ? "/_search" : "");
		break;
	case SG_FHIR_HISTORY_TYPE:
		n = snprintf(buf, sizeof(buf), "%s/_history", t);
		break;
	case SG_FHIR_READ:
	case SG_FHIR_UPDATE:
	case SG_FHIR_PATCH:
	case SG_FHIR_DELETE:
		n = snprintf(buf, sizeof(buf), "%s/%s", t, r->id);
		break;
	case SG_FHIR_HISTORY_INSTANCE:
		n = snprintf(buf, sizeof(buf), "%s/%s/_history", t, r->id);
		break;
	case SG_FHIR_VREAD:
		n = snprintf(buf, sizeof(buf), "%s/%s/_history/%s", t, r->id,
		    r->vid);
		break;
	default:	/* create and the conditional interactions */
		n = snprintf(buf, sizeof(buf), "%s", t);
		break;
	}
	if (n < 0 || (size_t)n >= sizeof(buf))
		return NULL;
	return sg_xstrdup(buf);
}

/* RFC 3986 §2.3 unreserved, and ",|:/$" that FHIR values are full of. */
static int
keep(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("-._~,|:/$", c) != NULL);
}

/* Appends s percent-encoded (RFC 3986 §2.1, upper-case hex) at q. */
static char *
encode(char *q, const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	unsigned char		 c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (keep(c))
			*q++ = (char)c;
		else {
			*q++ = '%';
			*q++ = hex[c >> 4];
			*q++ = hex[c & 0xf];
		}
	}
	return q;
}

char *
sg_fhir_req_query(const struct sg_fhir_req *r)
{
	char	*out, *q;
	size_t	 i, len = 1;

	if (r == NULL)
		return sg_xstrdup("");
	/* Each byte takes at most three; '=' and '&' one each. */
	for (i = 0; i < r->nparams; i++)
		len += 3 * (strlen(r->params[i].name) +
		    strlen(r->params[i].value)) + 2;
	q = out = sg_xmalloc(len);
	for (i = 0; i < r->nparams; i++) {
		if (i > 0)
			*q++ = '&';
		q = encode(q, r->params[i].name);
		*q++ = '=';
		q = encode(q, r->params[i].value);
	}
	*q = '\0';
	return out;
}

const char *
sg_fhir_op_name(enum sg_fhir_op op)
{
	if ((int)op < 0 || op >= SG_FHIR__MAX)
		return "invalid";
	return op_names[op];
}
