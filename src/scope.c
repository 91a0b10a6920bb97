/*
 * SMART scopes: parsing, the "within" relation, limiting, describing.
 * Rules from SMART App Launch 2.2 "Scopes and Launch Context" (cited
 * as SMART §…) and RFC 6749 §3.3.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "scope.h"

/* The scopes that are one fixed word (SMART §"Quick Start"). */
static const struct {
	const char		*name;
	enum sg_scope_kind	 kind;
} words[] = {
	{ "openid", SG_SCOPE_OPENID },
	{ "fhirUser", SG_SCOPE_FHIRUSER },
	{ "profile", SG_SCOPE_PROFILE },
	{ "launch", SG_SCOPE_LAUNCH },
	{ "launch/patient", SG_SCOPE_LAUNCH_PATIENT },
	{ "launch/encounter", SG_SCOPE_LAUNCH_ENCOUNTER },
	{ "offline_access", SG_SCOPE_OFFLINE_ACCESS },
	{ "online_access", SG_SCOPE_ONLINE_ACCESS },
};

static const struct {
	const char		*name;
	enum sg_scope_ctx	 ctx;
} contexts[] = {
	{ "patient", SG_CTX_PATIENT },
	{ "user", SG_CTX_USER },
	{ "system", SG_CTX_SYSTEM },
};

/* v1 suffixes and what they mean in v2 (SMART §"Scopes for requesting FHIR Resources"). */
static const struct {
	const char	*name;
	unsigned int	 perms;
} v1perms[] = {
	{ "read", SG_PERM_R | SG_PERM_S },
	{ "write", SG_PERM_C | SG_PERM_U | SG_PERM_D },
	{ "*", SG_PERM_ALL },
};

/* v2 letters, in the only order allowed. */
static const char v2letters[] = "cruds";

/*
 * Category sub-scopes for consent (SMART §"Finer-grained resource
 * constraints using search parameters"; the set ONC's HTI-1 requires,
 * with the code systems of FHIR R4 and US Core: condition-category,
 * us-core condition-category, observation-category, us-core-category
 * (sdoh) and us-core-observation-category (clinical-test)).
 */
#define CS_COND		"http://terminology.hl7.org/CodeSystem/condition-category"
#define CS_USCOND	"http://hl7.org/fhir/us/core/CodeSystem/condition-category"
#define CS_OBS		"http://terminology.hl7.org/CodeSystem/observation-category"
#define CS_USCAT	"http://hl7.org/fhir/us/core/CodeSystem/us-core-category"
#define CS_USOBS	"http://hl7.org/fhir/us/core/CodeSystem/us-core-observation-category"

static const struct sg_category condition_categories[] = {
	{ "Condition", CS_COND, "problem-list-item",
	    "Problem list", "problem list" },
	{ "Condition", CS_COND, "encounter-diagnosis",
	    "Diagnoses from visits", "diagnoses from visits" },
	{ "Condition", CS_USCOND, "health-concern",
	    "Health concerns", "health concerns" },
};

static const struct sg_category observation_categories[] = {
	{ "Observation", CS_OBS, "laboratory",
	    "Lab results", "lab results" },
	{ "Observation", CS_OBS, "vital-signs",
	    "Vital signs", "vital signs" },
	{ "Observation", CS_OBS, "social-history",
	    "Social history (such as smoking)", "social history" },
	{ "Observation", CS_OBS, "survey",
	    "Survey and questionnaire answers",
	    "survey and questionnaire answers" },
	{ "Observation", CS_USCAT, "sdoh",
	    "Social needs (housing, food, transport)",
	    "social needs (housing, food, transport)" },
	{ "Observation", CS_USOBS, "clinical-test",
	    "Clinical tests (such as ECG)", "clinical tests (such as ECG)" },
};

/* Friendly names for common resource types, for consent. */
static const struct {
	const char	*type;
	const char	*words;
} friendly[] = {
	{ "AllergyIntolerance", "allergies and intolerances" },
	{ "Appointment", "appointments" },
	{ "CarePlan", "care plans" },
	{ "CareTeam", "care teams" },
	{ "Condition", "conditions (problems and diagnoses)" },
	{ "Coverage", "insurance coverage" },
	{ "Device", "implanted and used devices" },
	{ "DiagnosticReport", "test and imaging reports" },
	{ "DocumentReference", "documents and clinical notes" },
	{ "Encounter", "visits" },
	{ "ExplanationOfBenefit", "claims and benefits" },
	{ "FamilyMemberHistory", "family health history" },
	{ "Goal", "health goals" },
	{ "Immunization", "immunizations (vaccines)" },
	{ "Location", "care locations" },
	{ "Medication", "medications" },
	{ "MedicationDispense", "dispensed medications" },
	{ "MedicationRequest", "medication prescriptions" },
	{ "MedicationStatement", "medications taken" },
	{ "Observation", "observations (lab results, vital signs and more)" },
	{ "Organization", "care organizations" },
	{ "Patient", "demographics" },
	{ "Practitioner", "care providers" },
	{ "PractitionerRole", "care provider roles" },
	{ "Procedure", "procedures" },
	{ "Provenance", "record history (provenance)" },
	{ "QuestionnaireResponse", "questionnaire answers" },
	{ "RelatedPerson", "related people" },
	{ "ServiceRequest", "orders and referrals" },
	{ "Specimen", "specimens" },
};

/* scope-token = 1*( %x21 / %x23-5B / %x5D-7E ) (RFC 6749 §3.3). */
static int
nqchar(unsigned char c)
{
	return c == 0x21 || (c >= 0x23 && c <= 0x5b) ||
	    (c >= 0x5d && c <= 0x7e);
}

static int
is_alpha(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* Exact match of len bytes of s against the NUL-terminated word w. */
static int
word_eq(const char *s, size_t len, const char *w)
{
	return strlen(w) == len && memcmp(s, w, len) == 0;
}

/* A FHIR resource type name, ^[A-Z][A-Za-z]{1,63}$, or "*". */
static int
valid_type(const char *s, size_t len)
{
	size_t	 i;

	if (len == 1 && s[0] == '*')
		return 1;
	if (len < 2 || len > SG_SCOPE_TYPE_MAX)
		return 0;
	if (s[0] < 'A' || s[0] > 'Z')
		return 0;
	for (i = 1; i < len; i++)
		if (!is_alpha((unsigned char)s[i]))
			return 0;
	return 1;
}

/*
 * The permission suffix: a v1 word, or a non-empty in-order subset of
 * "cruds" (SMART: "Valid suffixes are a subset of the in-order string
 * .cruds"; out-of-order requests such as .dus are not defined).
 */
static int
parse_perms(const char *s, size_t len, unsigned int *perms, int *v1)
{
	size_t	 i, pos = 0;
	const char *p;

	for (i = 0; i < sizeof(v1perms) / sizeof(v1perms[0]); i++)
		if (word_eq(s, len, v1perms[i].name)) {
			*perms = v1perms[i].perms;
			*v1 = 1;
			return 0;
		}
	if (len == 0 || len > 5)
		return -1;
	*perms = 0;
	for (i = 0; i < len; i++) {
		if (s[i] == '\0' ||
		    (p = strchr(v2letters + pos, s[i])) == NULL)
			return -1;
		pos = (size_t)(p - v2letters) + 1;
		*perms |= 1u << (pos - 1);
	}
	*v1 = 0;
	return 0;
}

/* A search parameter name: letters, digits and _ . : - (modifiers, chains). */
static int
name_char(unsigned char c)
{
	return is_alpha(c) || (c >= '0' && c <= '9') || c == '_' ||
	    c == '.' || c == ':' || c == '-';
}

/*
 * param=value(&param=value)*, each part non-empty (SMART §"Finer-grained
 * resource constraints using search parameters").  Values are any
 * scope-token characters but '&'; the caller checked those already.
 */
static int
valid_query(const char *s, size_t len)
{
	size_t	 i = 0, start;

	if (len == 0)
		return 0;
	for (;;) {
		start = i;
		while (i < len && name_char((unsigned char)s[i]))
			i++;
		if (i == start || i == len || s[i] != '=')
			return 0;
		start = ++i;
		while (i < len && s[i] != '&')
			i++;
		if (i == start)
			return 0;
		if (i == len)
			return 1;
		if (++i == len)
			return 0;	/* a trailing '&' */
	}
}

/* Permission letters of a v2 suffix, in order, into buf (6 bytes). */
static void
perms_letters(unsigned int perms, char *buf)
{
	size_t	 i, n = 0;

	for (i = 0; i < 5; i++)
		if (perms & (1u << i))
			buf[n++] = v2letters[i];
	buf[n] = '\0';
}

static const char *
ctx_name(enum sg_scope_ctx ctx)
{
	size_t	 i;

	for (i = 0; i < sizeof(contexts) / sizeof(contexts[0]); i++)
		if (contexts[i].ctx == ctx)
			return contexts[i].name;
	return NULL;
}

/*
 * The canonical text of a resource scope, new.  v1 syntax only where it
 * can say exactly these permissions and there is no query (queries are
 * a v2 feature).
 */
static char *
render_resource(const struct sg_scope *s)
{
	char		 letters[6], *out;
	const char	*suffix = NULL, *ctx;
	size_t		 i, len;

	if (s->v1 && s->query == NULL)
		for (i = 0; i < sizeof(v1perms) / sizeof(v1perms[0]); i++)
			if (v1perms[i].perms == s->perms)
				suffix = v1perms[i].name;
	if (suffix == NULL) {
		perms_letters(s->perms, letters);
		suffix = letters;
	}
	if ((ctx = ctx_name(s->ctx)) == NULL)
		abort();	/* only ever called on parsed scopes */
	len = strlen(ctx) + 1 + strlen(s->type) + 1 + strlen(suffix) +
	    (s->query != NULL ? 1 + strlen(s->query) : 0) + 1;
	out = sg_xmalloc(len);
	snprintf(out, len, "%s/%s.%s%s%s", ctx, s->type, suffix,
	    s->query != NULL ? "?" : "", s->query != NULL ? s->query : "");
	return out;
}

/* (patient|user|system)/(Type|*).(perms)[?query]; tok is all scope-token chars. */
static int
parse_resource(const char *tok, size_t len, struct sg_scope *out)
{
	const char	*slash, *dot, *q, *end = tok + len;
	size_t		 i;

	if ((slash = memchr(tok, '/', len)) == NULL)
		return -1;
	for (i = 0; i < sizeof(contexts) / sizeof(contexts[0]); i++)
		if (word_eq(tok, (size_t)(slash - tok), contexts[i].name))
			out->ctx = contexts[i].ctx;
	if (out->ctx == SG_CTX_NONE)
		return -1;
	slash++;
	if ((dot = memchr(slash, '.', (size_t)(end - slash))) == NULL ||
	    !valid_type(slash, (size_t)(dot - slash)))
		return -1;
	memcpy(out->type, slash, (size_t)(dot - slash));
	out->type[dot - slash] = '\0';
	dot++;
	if ((q = memchr(dot, '?', (size_t)(end - dot))) == NULL)
		q = end;
	if (parse_perms(dot, (size_t)(q - dot), &out->perms, &out->v1) == -1)
		return -1;
	if (q < end) {
		/* v1 had no queries: "read?…" is no scope of either version. */
		if (out->v1 || !valid_query(q + 1, (size_t)(end - q - 1)))
			return -1;
		out->query = sg_xstrndup(q + 1, (size_t)(end - q - 1));
	}
	out->kind = SG_SCOPE_RESOURCE;
	out->text = render_resource(out);
	return 0;
}

int
sg_scope_parse(const char *tok, size_t len, struct sg_scope *out)
{
	size_t	 i;

	memset(out, 0, sizeof(*out));
	if (tok == NULL || len == 0 || len > SG_SCOPE_MAX_TOKEN)
		return -1;
	for (i = 0; i < len; i++)
		if (!nqchar((unsigned char)tok[i]))
			return -1;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (word_eq(tok, len, words[i].name)) {
			out->kind = words[i].kind;
			out->text = sg_xstrdup(words[i].name);
			return 0;
		}
	/* Other launch/… context scopes are not offered: dropped (SMART §"Scopes for requesting context data"). */
	if (parse_resource(tok, len, out) == -1) {
		sg_scope_free(out);
		return -1;
	}
	return 0;
}

void
sg_scope_free(struct sg_scope *s)
{
	if (s == NULL)
		return;
	free(s->query);
	free(s->text);
	memset(s, 0, sizeof(*s));
}

void
sg_scope_copy(struct sg_scope *dst, const struct sg_scope *src)
{
	*dst = *src;
	dst->query = src->query != NULL ? sg_xstrdup(src->query) : NULL;
	dst->text = src->text != NULL ? sg_xstrdup(src->text) : NULL;
}

static int
scopes_contains(const struct sg_scopes *l, const char *text)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].text, text) == 0)
			return 1;
	return 0;
}

/* Takes ownership of *s (appending it or freeing it). */
static int
scopes_take(struct sg_scopes *l, struct sg_scope *s)
{
	if (l->n >= SG_SCOPE_MAX_TOKENS || scopes_contains(l, s->text)) {
		sg_scope_free(s);
		return 0;
	}
	if (l->v == NULL)
		l->v = sg_xcalloc(SG_SCOPE_MAX_TOKENS, sizeof(*l->v));
	l->v[l->n++] = *s;
	memset(s, 0, sizeof(*s));
	return 1;
}

int
sg_scopes_add(struct sg_scopes *l, const struct sg_scope *s)
{
	struct sg_scope	 c;

	if (s->text == NULL || l->n >= SG_SCOPE_MAX_TOKENS ||
	    scopes_contains(l, s->text))
		return 0;
	sg_scope_copy(&c, s);
	return scopes_take(l, &c);
}

void
sg_scopes_parse(const char *text, struct sg_scopes *out)
{
	struct sg_scope	 s;
	size_t		 seen = 0, len;
	const char	*p, *start;

	memset(out, 0, sizeof(*out));
	if (text == NULL)
		return;
	p = text;
	/* At most SG_SCOPE_MAX_TOKENS tokens are looked at, good or bad. */
	while (seen < SG_SCOPE_MAX_TOKENS) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		start = p;
		while (*p != ' ' && *p != '\0')
			p++;
		len = (size_t)(p - start);
		seen++;
		if (sg_scope_parse(start, len, &s) == 0)
			scopes_take(out, &s);
	}
}

void
sg_scopes_free(struct sg_scopes *l)
{
	size_t	 i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		sg_scope_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

char *
sg_scopes_string(const struct sg_scopes *l)
{
	size_t	 i, len = 1, off = 0, n;
	char	*out;

	for (i = 0; i < l->n; i++)
		len += strlen(l->v[i].text) + 1;
	out = sg_xmalloc(len);
	out[0] = '\0';
	for (i = 0; i < l->n; i++) {
		if (i > 0)
			out[off++] = ' ';
		n = strlen(l->v[i].text);
		memcpy(out + off, l->v[i].text, n);
		off += n;
	}
	out[off] = '\0';
	return out;
}

int
sg_scope_within(const struct sg_scope *narrow, const struct sg_scope *wide)
{
	if (narrow->kind == SG_SCOPE_NONE || narrow->kind != wide->kind)
		return 0;
	if (narrow->kind != SG_SCOPE_RESOURCE)
		return 1;
	if (narrow->ctx != wide->ctx)
		return 0;
	if (strcmp(wide->type, "*") != 0 &&
	    strcmp(wide->type, narrow->type) != 0)
		return 0;
	if (narrow->perms == 0 || (narrow->perms & ~wide->perms) != 0)
		return 0;
	/* A query only narrows, and only an identical one is known to be no wider. */
	if (wide->query != NULL && (narrow->query == NULL ||
	    strcmp(wide->query, narrow->query) != 0))
		return 0;
	return 1;
}

/*
 * The intersection of two resource scopes into *out (owning), in r's
 * syntax where possible.  Returns -1 when they share nothing this code
 * can express, or the result would not fit in one token.
 */
static int
intersect(const struct sg_scope *r, const struct sg_scope *a,
    struct sg_scope *out)
{
	const char	*type, *query;

	memset(out, 0, sizeof(*out));
	if (r->kind != SG_SCOPE_RESOURCE || a->kind != SG_SCOPE_RESOURCE ||
	    r->ctx != a->ctx)
		return -1;
	if (strcmp(r->type, "*") == 0)
		type = a->type;
	else if (strcmp(a->type, "*") == 0 || strcmp(a->type, r->type) == 0)
		type = r->type;
	else
		return -1;
	/* Two different queries: their intersection is not one query we can trust. */
	if (r->query == NULL)
		query = a->query;
	else if (a->query == NULL || strcmp(a->query, r->query) == 0)
		query = r->query;
	else
		return -1;
	if ((r->perms & a->perms) == 0)
		return -1;
	out->kind = SG_SCOPE_RESOURCE;
	out->ctx = r->ctx;
	memcpy(out->type, type, strlen(type) + 1);
	out->perms = r->perms & a->perms;
	out->v1 = r->v1;
	out->query = query != NULL ? sg_xstrdup(query) : NULL;
	out->text = render_resource(out);
	if (strlen(out->text) > SG_SCOPE_MAX_TOKEN) {
		sg_scope_free(out);
		return -1;
	}
	return 0;
}

void
sg_scopes_limit(const struct sg_scopes *requested,
    const struct sg_scopes *allowed, struct sg_scopes *out)
{
	struct sg_scope	 s;
	size_t		 i, j;
	int		 whole;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < requested->n; i++) {
		const struct sg_scope *r = &requested->v[i];

		whole = 0;
		for (j = 0; j < allowed->n && !whole; j++)
			whole = sg_scope_within(r, &allowed->v[j]);
		if (whole) {
			sg_scopes_add(out, r);
			continue;
		}
		for (j = 0; j < allowed->n; j++)
			if (intersect(r, &allowed->v[j], &s) == 0)
				scopes_take(out, &s);
	}
}

int
sg_scopes_has(const struct sg_scopes *l, enum sg_scope_kind kind)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].kind == kind)
			return 1;
	return 0;
}

int
sg_scopes_has_ctx(const struct sg_scopes *l, enum sg_scope_ctx ctx)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].kind == SG_SCOPE_RESOURCE && l->v[i].ctx == ctx)
			return 1;
	return 0;
}

const struct sg_category *
sg_scope_categories(const char *type, size_t *n)
{
	*n = 0;
	if (type == NULL)
		return NULL;
	if (strcmp(type, "Condition") == 0) {
		*n = sizeof(condition_categories) /
		    sizeof(condition_categories[0]);
		return condition_categories;
	}
	if (strcmp(type, "Observation") == 0) {
		*n = sizeof(observation_categories) /
		    sizeof(observation_categories[0]);
		return observation_categories;
	}
	return NULL;
}

/*
 * The category a query names on its own: "category=system|code", or
 * "category=code" (the form the IG's earlier drafts used).
 */
static const struct sg_category *
query_category(const char *type, const char *query)
{
	const struct sg_category *cats;
	size_t		 i, n, sl;
	const char	*v;

	if (query == NULL || strncmp(query, "category=", 9) != 0)
		return NULL;
	v = query + 9;
	cats = sg_scope_categories(type, &n);
	for (i = 0; i < n; i++) {
		sl = strlen(cats[i].system);
		if (strcmp(v, cats[i].code) == 0 ||
		    (strncmp(v, cats[i].system, sl) == 0 && v[sl] == '|' &&
		    strcmp(v + sl + 1, cats[i].code) == 0))
			return &cats[i];
	}
	return NULL;
}

int
sg_scope_with_category(const struct sg_scope *base,
    const struct sg_category *c, struct sg_scope *out)
{
	size_t	 n;

	memset(out, 0, sizeof(*out));
	if (base->kind != SG_SCOPE_RESOURCE || base->query != NULL ||
	    base->perms == 0 || strcmp(base->type, c->type) != 0)
		return -1;
	*out = *base;
	out->v1 = 0;
	n = strlen("category=") + strlen(c->system) + 1 + strlen(c->code) + 1;
	out->query = sg_xmalloc(n);
	snprintf(out->query, n, "category=%s|%s", c->system, c->code);
	out->text = render_resource(out);
	if (strlen(out->text) > SG_SCOPE_MAX_TOKEN || !valid_query(out->query,
	    strlen(out->query))) {
		sg_scope_free(out);
		return -1;
	}
	return 0;
}

/* "Create, read and search": the permission verbs joined for people. */
static void
perms_words(unsigned int perms, char *buf, size_t len)
{
	static const char *const verbs[] = {
		"create", "read", "update", "delete", "search"
	};
	const char	*v[5];
	size_t		 i, n = 0, off = 0;
	int		 w;

	for (i = 0; i < 5; i++)
		if (perms & (1u << i))
			v[n++] = verbs[i];
	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		w = snprintf(buf + off, len - off, "%s%s",
		    i == 0 ? "" : (i + 1 == n ? " and " : ", "), v[i]);
		if (w < 0 || (size_t)w >= len - off)
			break;
		off += (size_t)w;
	}
	if (buf[0] >= 'a' && buf[0] <= 'z')
		buf[0] = (char)(buf[0] - 'a' + 'A');
}

static const char *
friendly_name(const char *type)
{
	size_t	 i;

	for (i = 0; i < sizeof(friendly) / sizeof(friendly[0]); i++)
		if (strcmp(friendly[i].type, type) == 0)
			return friendly[i].words;
	return NULL;
}

static const char *
describe_resource(const struct sg_scope *s, int flags, char *buf,
    size_t len)
{
	const struct sg_category *cat = NULL;
	char		 verbs[64], what[160];
	const char	*name;

	perms_words(s->perms, verbs, sizeof(verbs));
	if (strcmp(s->type, "*") == 0)
		snprintf(what, sizeof(what), "%s",
		    s->ctx == SG_CTX_PATIENT && !(flags & SG_DESCRIBE_CHOSEN_PATIENT) ?
		    "all of your health records" : "all health records");
	else if ((cat = query_category(s->type, s->query)) != NULL)
		snprintf(what, sizeof(what), "%s", cat->phrase);
	else if ((name = friendly_name(s->type)) != NULL)
		snprintf(what, sizeof(what), "%s", name);
	else
		snprintf(what, sizeof(what), "%s records", s->type);

	/* "all of your health records" already says whose. */
	switch (s->ctx) {
	case SG_CTX_PATIENT:
		if (flags & SG_DESCRIBE_CHOSEN_PATIENT)
			snprintf(buf, len, "%s %s of the patient you choose",
			    verbs, what);
		else if (strcmp(s->type, "*") == 0)
			snprintf(buf, len, "%s %s", verbs, what);
		else
			snprintf(buf, len, "%s your %s", verbs, what);
		break;
	case SG_CTX_USER:
		snprintf(buf, len, "%s %s you are allowed to see", verbs, what);
		break;
	default:
		snprintf(buf, len, "%s %s in the whole system", verbs, what);
		break;
	}
	/* A query we cannot name is shown as it is, so nothing is hidden. */
	if (s->query != NULL && cat == NULL) {
		size_t off = strlen(buf);

		if (off + 1 < len)
			snprintf(buf + off, len - off, " (only those matching %s)",
			    s->query);
	}
	return buf;
}

const char *
sg_scope_describe_ex(const struct sg_scope *s, int flags, char *buf,
    size_t len)
{
	const char	*t = NULL;

	if (buf == NULL || len == 0)
		return buf;
	switch (s->kind) {
	case SG_SCOPE_RESOURCE:
		return describe_resource(s, flags, buf, len);
	case SG_SCOPE_OPENID:
		t = "Confirm that it is you who signs in";
		break;
	case SG_SCOPE_FHIRUSER:
		t = "Know who you are (your FHIR identity)";
		break;
	case SG_SCOPE_PROFILE:
		t = "Know who you are (your name and profile)";
		break;
	case SG_SCOPE_LAUNCH:
		t = "Know what your health record has open when it starts the app (patient, visit)";
		break;
	case SG_SCOPE_LAUNCH_PATIENT:
		t = "Know which patient you choose when the app starts";
		break;
	case SG_SCOPE_LAUNCH_ENCOUNTER:
		t = "Know which visit you choose when the app starts";
		break;
	case SG_SCOPE_OFFLINE_ACCESS:
		t = "Stay signed in when you are not using the app (offline access)";
		break;
	case SG_SCOPE_ONLINE_ACCESS:
		t = "Stay signed in while you are using the app (online access)";
		break;
	default:
		t = "Unknown permission";
		break;
	}
	snprintf(buf, len, "%s", t);
	return buf;
}

const char *
sg_scope_describe(const struct sg_scope *s, char *buf, size_t len)
{
	return sg_scope_describe_ex(s, 0, buf, len);
}
