/* Unit tests for scope.c: parsing, within, limiting, describing, categories. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "scope.h"
#include "testlib.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define LAB	"category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory"
#define VITALS	"category=http://terminology.hl7.org/CodeSystem/observation-category|vital-signs"
#define PROBLEM	"category=http://terminology.hl7.org/CodeSystem/condition-category|problem-list-item"

struct valid {
	const char		*tok;
	enum sg_scope_kind	 kind;
	enum sg_scope_ctx	 ctx;
	const char		*type;
	unsigned int		 perms;
	int			 v1;
	const char		*query;
};

#define CRUDS	SG_PERM_ALL
#define RS	(SG_PERM_R | SG_PERM_S)
#define CUD	(SG_PERM_C | SG_PERM_U | SG_PERM_D)

static const struct valid valid[] = {
	{ "openid", SG_SCOPE_OPENID, SG_CTX_NONE, "", 0, 0, NULL },
	{ "fhirUser", SG_SCOPE_FHIRUSER, SG_CTX_NONE, "", 0, 0, NULL },
	{ "profile", SG_SCOPE_PROFILE, SG_CTX_NONE, "", 0, 0, NULL },
	{ "launch", SG_SCOPE_LAUNCH, SG_CTX_NONE, "", 0, 0, NULL },
	{ "launch/patient", SG_SCOPE_LAUNCH_PATIENT, SG_CTX_NONE, "", 0, 0, NULL },
	{ "launch/encounter", SG_SCOPE_LAUNCH_ENCOUNTER, SG_CTX_NONE, "", 0, 0, NULL },
	{ "offline_access", SG_SCOPE_OFFLINE_ACCESS, SG_CTX_NONE, "", 0, 0, NULL },
	{ "online_access", SG_SCOPE_ONLINE_ACCESS, SG_CTX_NONE, "", 0, 0, NULL },
	{ "patient/*.rs", SG_SCOPE_RESOURCE, SG_CTX_PATIENT, "*", RS, 0, NULL },
	{ "user/*.cruds", SG_SCOPE_RESOURCE, SG_CTX_USER, "*", CRUDS, 0, NULL },
	{ "system/*.cruds", SG_SCOPE_RESOURCE, SG_CTX_SYSTEM, "*", CRUDS, 0, NULL },
	{ "patient/Observation.rs", SG_SCOPE_RESOURCE, SG_CTX_PATIENT, "Observation", RS, 0, NULL },
	{ "patient/Observation.cu", SG_SCOPE_RESOURCE, SG_CTX_PATIENT, "Observation", SG_PERM_C | SG_PERM_U, 0, NULL },
	{ "patient/Observation.cud", SG_SCOPE_RESOURCE, SG_CTX_PATIENT, "Observation", CUD, 0, NULL },
	{ "patient/Observation.c", SG_SCOPE_RESOURCE, SG_CTX_PATIENT, "Observation", SG_PERM_C, 0, NULL },
	{ "patient/Observation.r", SG_SCOPE_RESOURCE, SG_CTX_PATIENT, "Observation", SG_PERM_R, 0, NULL },
	{ "patient/Observation.u", SG_SCOPE_RESOURCE, SG_CTX_PATIENT, "Observation", SG_PERM_U, 0, NULL },
	{ "patient/Observation.d", SG_SCOPE_RESOURCE, SG_CTX_PATIENT, "Observation", SG_PERM_D, 0, NULL },
	{ "patient/Observation.s", SG_SCOPE_RESOURCE, SG_CTX_PATIENT, "Observation", SG_PERM_S, 0, NULL },
	{ "patient/Observation.rds", SG_SCOPE_RESOURCE, SG_CTX_PATIENT, "Observation", SG_PERM_R | SG_PERM_D | SG_PERM_S, 0, NULL },
	{ "user/MedicationRequest.crus", SG_SCOPE_RESOURCE, SG_CTX_USER, "MedicationRequest", SG_PERM_ALL & ~SG_PERM_D, 0, NULL },
	{ "patient/Observation.read", SG_SCOPE_RESOURCE, SG_CTX_PATIENT, "Observation", RS, 1, NULL },
	{ "patient/Observation.write", SG_SCOPE_RESOURCE, SG_CTX_PATIENT, "Observation", CUD, 1, NULL },
	{ "patient/Observation.*", SG_SCOPE_RESOURCE, SG_CTX_PATIENT, "Observation", CRUDS, 1, NULL },
	{ "patient/*.read", SG_SCOPE_RESOURCE, SG_CTX_PATIENT, "*", RS, 1, NULL },
	{ "user/*.*", SG_SCOPE_RESOURCE, SG_CTX_USER, "*", CRUDS, 1, NULL },
	{ "system/Patient.read", SG_SCOPE_RESOURCE, SG_CTX_SYSTEM, "Patient", RS, 1, NULL },
	{ "patient/Observation.rs?" LAB, SG_SCOPE_RESOURCE, SG_CTX_PATIENT, "Observation", RS, 0, LAB },
	{ "patient/Observation.rs?category=laboratory", SG_SCOPE_RESOURCE, SG_CTX_PATIENT, "Observation", RS, 0, "category=laboratory" },
	{ "user/Observation.rs?code=http://loinc.org|8867-4", SG_SCOPE_RESOURCE, SG_CTX_USER, "Observation", RS, 0, "code=http://loinc.org|8867-4" },
	{ "patient/Observation.rs?category=a|b&code=c|d", SG_SCOPE_RESOURCE, SG_CTX_PATIENT, "Observation", RS, 0, "category=a|b&code=c|d" },
	{ "patient/Observation.rs?code:in=http://x.org/ValueSet/v", SG_SCOPE_RESOURCE, SG_CTX_PATIENT, "Observation", RS, 0, "code:in=http://x.org/ValueSet/v" },
	{ "patient/Observation.rs?_tag=a=b", SG_SCOPE_RESOURCE, SG_CTX_PATIENT, "Observation", RS, 0, "_tag=a=b" },
	{ "patient/*.s?_security=R", SG_SCOPE_RESOURCE, SG_CTX_PATIENT, "*", SG_PERM_S, 0, "_security=R" },
	{ "patient/Ab.r", SG_SCOPE_RESOURCE, SG_CTX_PATIENT, "Ab", SG_PERM_R, 0, NULL },
	/* 64-letter type, the longest allowed. */
	{ "patient/Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.r",
	  SG_SCOPE_RESOURCE, SG_CTX_PATIENT,
	  "Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", SG_PERM_R, 0, NULL },
};

static const char *const invalid[] = {
	"", "foo", "OPENID", "openid ", " openid", "Openid", "fhiruser",
	"launch/location", "launch/", "launch/Patient", "launch/patient?role=x",
	"launch/diagnosticreport", "offline", "offline_access2",
	"patient/Observation.rw", "patient/Observation.sr", "patient/Observation.rr",
	"patient/Observation.dus", "patient/Observation.", "patient/Observation",
	"patient/Observation.crudss", "patient/Observation.x",
	"patient/Observation.READ", "patient/Observation.Read", "patient/Observation.**",
	"patient/Observation.read?category=laboratory", "patient/Observation.*?a=b",
	"patient/observation.rs", "patient/O.rs", "patient/Obs1.rs", "patient/Obs-x.rs",
	"patient/.rs", "patient/**.rs", "patient/*x.rs", "patient/Observation.rs.rs",
	"practitioner/*.rs", "Patient/*.rs", "patient*.rs", "/*.rs", "patient//*.rs",
	"patient/Observation.rs?", "patient/Observation.rs?category",
	"patient/Observation.rs?category=", "patient/Observation.rs?=x",
	"patient/Observation.rs?a=b&", "patient/Observation.rs?a=b&&c=d",
	"patient/Observation.rs?&a=b", "patient/Observation.rs?a b=c",
	"patient/Observation.rs?code=a b", "patient/Observation.rs?code=a\tb",
	"patient/Observation.rs?a=\"b\"", "patient/Observation.rs?a=b\\c",
	"patient/Observation.rs?a/b=c", "patient/Observation.rs?a?b=c",
	"patient/Observation.rs\t", "patient/Observation.rs\n", "patient/Ob\xc3\xa9.rs",
	"patient/*.rs\x7f",
	/* 65-letter type. */
	"patient/Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.r",
};

START_TEST(test_parse_valid)
{
	const struct valid *v = &valid[_i];
	struct sg_scope	 s;

	ck_assert_msg(sg_scope_parse(v->tok, strlen(v->tok), &s) == 0,
	    "rejected %s", v->tok);
	ck_assert_int_eq(s.kind, v->kind);
	ck_assert_int_eq(s.ctx, v->ctx);
	ck_assert_str_eq(s.type, v->type);
	ck_assert_uint_eq(s.perms, v->perms);
	ck_assert_int_eq(s.v1, v->v1);
	if (v->query == NULL)
		ck_assert_ptr_null(s.query);
	else
		ck_assert_str_eq(s.query, v->query);
	/* Valid tokens are already canonical. */
	ck_assert_str_eq(s.text, v->tok);
	sg_scope_free(&s);
	ck_assert_ptr_null(s.text);
}
END_TEST

START_TEST(test_parse_invalid)
{
	struct sg_scope	 s;

	ck_assert_msg(sg_scope_parse(invalid[_i], strlen(invalid[_i]), &s) == -1,
	    "accepted %s", invalid[_i]);
	ck_assert_ptr_null(s.text);
	ck_assert_ptr_null(s.query);
	ck_assert_int_eq(s.kind, SG_SCOPE_NONE);
}
END_TEST

START_TEST(test_parse_len)
{
	struct sg_scope	 s;
	char		 buf[400];
	size_t		 n;

	/* Only len bytes count: a prefix of a longer buffer. */
	ck_assert_int_eq(sg_scope_parse("openidX", 6, &s), 0);
	ck_assert_str_eq(s.text, "openid");
	sg_scope_free(&s);
	ck_assert_int_eq(sg_scope_parse("patient/*.rsX", 12, &s), 0);
	ck_assert_str_eq(s.text, "patient/*.rs");
	sg_scope_free(&s);
	/* An embedded NUL is no scope character. */
	ck_assert_int_eq(sg_scope_parse("openid\0x", 8, &s), -1);
	ck_assert_int_eq(sg_scope_parse(NULL, 3, &s), -1);
	ck_assert_int_eq(sg_scope_parse("openid", 0, &s), -1);

	/* Exactly SG_SCOPE_MAX_TOKEN bytes is fine, one more is not. */
	n = (size_t)snprintf(buf, sizeof(buf), "patient/Observation.rs?code=");
	memset(buf + n, 'x', SG_SCOPE_MAX_TOKEN - n);
	buf[SG_SCOPE_MAX_TOKEN] = '\0';
	ck_assert_int_eq(sg_scope_parse(buf, SG_SCOPE_MAX_TOKEN, &s), 0);
	ck_assert_uint_eq(strlen(s.text), SG_SCOPE_MAX_TOKEN);
	sg_scope_free(&s);
	buf[SG_SCOPE_MAX_TOKEN] = 'x';
	buf[SG_SCOPE_MAX_TOKEN + 1] = '\0';
	ck_assert_int_eq(sg_scope_parse(buf, SG_SCOPE_MAX_TOKEN + 1, &s), -1);
}
END_TEST

/* v1 and v2 spellings that grant the same. */
static const struct {
	const char	*v1, *v2;
} equiv[] = {
	{ "patient/Observation.read", "patient/Observation.rs" },
	{ "patient/Observation.write", "patient/Observation.cud" },
	{ "patient/Observation.*", "patient/Observation.cruds" },
	{ "user/*.read", "user/*.rs" },
	{ "system/*.*", "system/*.cruds" },
};

START_TEST(test_v1_v2_equivalence)
{
	struct sg_scope	 a, b;

	ck_assert_int_eq(sg_scope_parse(equiv[_i].v1, strlen(equiv[_i].v1), &a), 0);
	ck_assert_int_eq(sg_scope_parse(equiv[_i].v2, strlen(equiv[_i].v2), &b), 0);
	ck_assert_uint_eq(a.perms, b.perms);
	ck_assert_int_eq(a.v1, 1);
	ck_assert_int_eq(b.v1, 0);
	ck_assert_int_eq(sg_scope_within(&a, &b), 1);
	ck_assert_int_eq(sg_scope_within(&b, &a), 1);
	ck_assert_str_eq(a.text, equiv[_i].v1);
	ck_assert_str_eq(b.text, equiv[_i].v2);
	sg_scope_free(&a);
	sg_scope_free(&b);
}
END_TEST

static const struct {
	const char	*in, *out;
} lists[] = {
	{ "", "" },
	{ "   ", "" },
	{ "openid", "openid" },
	{ "openid  fhirUser   launch/patient", "openid fhirUser launch/patient" },
	{ "  openid fhirUser ", "openid fhirUser" },
	{ "openid openid fhirUser openid", "openid fhirUser" },
	{ "foo openid bar patient/Observation.rw launch/location patient/*.rs",
	  "openid patient/*.rs" },
	{ "patient/*.rs patient/*.read", "patient/*.rs patient/*.read" },
	{ "patient/*.rs patient/*.rs", "patient/*.rs" },
	{ "openid\tfhirUser", "" },
	{ "openid,fhirUser launch", "launch" },
	{ "patient/Observation.rs?" LAB " patient/Observation.rs",
	  "patient/Observation.rs?" LAB " patient/Observation.rs" },
};

START_TEST(test_list_parse)
{
	struct sg_scopes l;
	char		*s;

	sg_scopes_parse(lists[_i].in, &l);
	s = sg_scopes_string(&l);
	ck_assert_str_eq(s, lists[_i].out);
	free(s);
	sg_scopes_free(&l);
	ck_assert_ptr_null(l.v);
	ck_assert_uint_eq(l.n, 0);
}
END_TEST

START_TEST(test_list_limits)
{
	struct sg_scopes l;
	char		 text[100 * 24], big[400], *s;
	size_t		 i, off = 0;

	sg_scopes_parse(NULL, &l);
	ck_assert_uint_eq(l.n, 0);
	s = sg_scopes_string(&l);
	ck_assert_str_eq(s, "");
	free(s);
	sg_scopes_free(&l);

	/* 100 distinct tokens: only the first SG_SCOPE_MAX_TOKENS are looked at. */
	for (i = 0; i < 100; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
		    "patient/T%c%c.r ", 'a' + (int)(i / 26), 'a' + (int)(i % 26));
	sg_scopes_parse(text, &l);
	ck_assert_uint_eq(l.n, SG_SCOPE_MAX_TOKENS);
	ck_assert_str_eq(l.v[0].text, "patient/Taa.r");
	ck_assert_str_eq(l.v[63].text, "patient/Tcl.r");
	sg_scopes_free(&l);

	/* Malformed tokens count too: work is bounded by the token count. */
	off = 0;
	for (i = 0; i < SG_SCOPE_MAX_TOKENS; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off, "x ");
	snprintf(text + off, sizeof(text) - off, "openid");
	sg_scopes_parse(text, &l);
	ck_assert_uint_eq(l.n, 0);
	sg_scopes_free(&l);

	/* An overlong token is dropped, its neighbours kept. */
	memset(big, 'a', sizeof(big));
	memcpy(big, "openid ", 7);
	memcpy(big + 7, "patient/Observation.rs?code=", 28);
	memcpy(big + 350, " fhirUser", 10);
	sg_scopes_parse(big, &l);
	s = sg_scopes_string(&l);
	ck_assert_str_eq(s, "openid fhirUser");
	free(s);
	sg_scopes_free(&l);
	sg_scopes_free(NULL);
}
END_TEST

START_TEST(test_has)
{
	struct sg_scopes l;

	sg_scopes_parse("openid launch/patient user/Observation.rs offline_access", &l);
	ck_assert_int_eq(sg_scopes_has(&l, SG_SCOPE_OPENID), 1);
	ck_assert_int_eq(sg_scopes_has(&l, SG_SCOPE_LAUNCH_PATIENT), 1);
	ck_assert_int_eq(sg_scopes_has(&l, SG_SCOPE_OFFLINE_ACCESS), 1);
	ck_assert_int_eq(sg_scopes_has(&l, SG_SCOPE_RESOURCE), 1);
	ck_assert_int_eq(sg_scopes_has(&l, SG_SCOPE_LAUNCH), 0);
	ck_assert_int_eq(sg_scopes_has(&l, SG_SCOPE_FHIRUSER), 0);
	ck_assert_int_eq(sg_scopes_has(&l, SG_SCOPE_ONLINE_ACCESS), 0);
	ck_assert_int_eq(sg_scopes_has_ctx(&l, SG_CTX_USER), 1);
	ck_assert_int_eq(sg_scopes_has_ctx(&l, SG_CTX_PATIENT), 0);
	ck_assert_int_eq(sg_scopes_has_ctx(&l, SG_CTX_SYSTEM), 0);
	sg_scopes_free(&l);
}
END_TEST

START_TEST(test_add)
{
	struct sg_scopes l;
	struct sg_scope	 s;
	char		*t;

	memset(&l, 0, sizeof(l));
	ck_assert_int_eq(sg_scope_parse("openid", 6, &s), 0);
	ck_assert_int_eq(sg_scopes_add(&l, &s), 1);
	ck_assert_int_eq(sg_scopes_add(&l, &s), 0);
	sg_scope_free(&s);
	ck_assert_int_eq(sg_scope_parse("patient/*.rs?a=b", 16, &s), 0);
	ck_assert_int_eq(sg_scopes_add(&l, &s), 1);
	sg_scope_free(&s);
	t = sg_scopes_string(&l);
	ck_assert_str_eq(t, "openid patient/*.rs?a=b");
	free(t);
	ck_assert_str_eq(l.v[1].query, "a=b");
	sg_scopes_free(&l);
}
END_TEST

/* narrow, wide, expected sg_scope_within(narrow, wide). */
static const struct {
	const char	*narrow, *wide;
	int		 want;
} within[] = {
	{ "patient/Observation.rs", "patient/*.rs", 1 },
	{ "patient/Observation.rs", "patient/Observation.rs", 1 },
	{ "patient/Observation.r", "patient/Observation.rs", 1 },
	{ "patient/Observation.rs", "patient/Observation.r", 0 },
	{ "patient/Observation.rs", "patient/*.cruds", 1 },
	{ "patient/Observation.rs", "patient/*.*", 1 },
	{ "patient/Observation.read", "patient/*.rs", 1 },
	{ "patient/Observation.write", "patient/*.rs", 0 },
	{ "patient/Observation.cu", "patient/Observation.write", 1 },
	{ "patient/*.rs", "patient/Observation.rs", 0 },
	{ "patient/*.rs", "patient/*.rs", 1 },
	{ "patient/Observation.rs", "user/Observation.rs", 0 },
	{ "user/Observation.rs", "patient/Observation.rs", 0 },
	{ "system/Observation.rs", "user/*.cruds", 0 },
	{ "patient/Observation.rs", "patient/Condition.rs", 0 },
	{ "patient/Observation.rs?" LAB, "patient/Observation.rs", 1 },
	{ "patient/Observation.rs?" LAB, "patient/*.rs", 1 },
	{ "patient/Observation.rs?" LAB, "patient/Observation.rs?" LAB, 1 },
	{ "patient/Observation.r?" LAB, "patient/Observation.rs?" LAB, 1 },
	{ "patient/Observation.rs", "patient/Observation.rs?" LAB, 0 },
	{ "patient/Observation.rs?" VITALS, "patient/Observation.rs?" LAB, 0 },
	{ "patient/Observation.rs?" LAB, "patient/Observation.s?" LAB, 0 },
	{ "patient/*.rs?_tag=x", "patient/*.rs", 1 },
	{ "patient/*.rs", "patient/*.rs?_tag=x", 0 },
	{ "openid", "openid", 1 },
	{ "launch", "launch", 1 },
	{ "launch/patient", "launch", 0 },
	{ "launch", "launch/patient", 0 },
	{ "launch/patient", "launch/patient", 1 },
	{ "offline_access", "online_access", 0 },
	{ "openid", "patient/*.cruds", 0 },
	{ "patient/*.cruds", "openid", 0 },
	{ "fhirUser", "profile", 0 },
};

START_TEST(test_within)
{
	struct sg_scope	 n, w;

	ck_assert_int_eq(sg_scope_parse(within[_i].narrow,
	    strlen(within[_i].narrow), &n), 0);
	ck_assert_int_eq(sg_scope_parse(within[_i].wide,
	    strlen(within[_i].wide), &w), 0);
	ck_assert_msg(sg_scope_within(&n, &w) == within[_i].want,
	    "%s within %s: want %d", within[_i].narrow, within[_i].wide,
	    within[_i].want);
	sg_scope_free(&n);
	sg_scope_free(&w);
}
END_TEST

/* requested, allowed, what can be granted. */
static const struct {
	const char	*req, *allowed, *want;
} limits[] = {
	/* Kept as is. */
	{ "openid fhirUser launch/patient patient/*.rs",
	  "openid fhirUser launch/patient launch/encounter patient/*.cruds",
	  "openid fhirUser launch/patient patient/*.rs" },
	{ "patient/Observation.read", "patient/*.rs", "patient/Observation.read" },
	/* Narrowed permissions, in the syntax the app used. */
	{ "patient/*.cruds", "patient/*.rs", "patient/*.rs" },
	{ "patient/*.*", "patient/*.rs", "patient/*.read" },
	{ "patient/*.*", "patient/*.cud", "patient/*.write" },
	{ "patient/*.write", "patient/*.cu", "patient/*.cu" },
	{ "patient/*.*", "patient/*.r", "patient/*.r" },
	/* Narrowed type: the wildcard becomes each allowed type. */
	{ "patient/*.rs", "patient/Observation.rs patient/Condition.rs",
	  "patient/Observation.rs patient/Condition.rs" },
	{ "patient/*.read", "patient/Observation.cruds patient/Condition.r",
	  "patient/Observation.read patient/Condition.r" },
	{ "patient/Observation.rs", "patient/Condition.rs", "" },
	/* Query constraints. */
	{ "patient/Observation.rs", "patient/Observation.rs?" LAB,
	  "patient/Observation.rs?" LAB },
	{ "patient/Observation.read", "patient/Observation.rs?" LAB,
	  "patient/Observation.rs?" LAB },
	{ "patient/*.cruds", "patient/Observation.rs?" LAB " patient/Condition.r?" PROBLEM,
	  "patient/Observation.rs?" LAB " patient/Condition.r?" PROBLEM },
	{ "patient/Observation.rs?" LAB, "patient/Observation.rs", "patient/Observation.rs?" LAB },
	{ "patient/Observation.rs?" LAB, "patient/*.r", "patient/Observation.r?" LAB },
	{ "patient/Observation.rs?" LAB, "patient/Observation.rs?" VITALS, "" },
	{ "patient/Observation.rs?" LAB, "patient/*.s?" LAB, "patient/Observation.s?" LAB },
	/* Context must match. */
	{ "user/*.rs", "patient/*.rs", "" },
	{ "patient/*.rs", "user/*.cruds", "" },
	{ "system/*.read", "system/Patient.rs system/Observation.read",
	  "system/Patient.read system/Observation.read" },
	/* Launch and identity kinds: only the same kind. */
	{ "launch launch/patient launch/encounter", "launch/patient", "launch/patient" },
	{ "launch/patient", "launch", "" },
	{ "offline_access online_access", "online_access", "online_access" },
	{ "openid fhirUser profile", "openid", "openid" },
	/* Nothing allowed, nothing granted. */
	{ "openid patient/*.rs", "", "" },
	{ "", "openid patient/*.cruds", "" },
	/* Duplicates from several routes collapse. */
	{ "patient/*.rs patient/Observation.rs", "patient/Observation.rs",
	  "patient/Observation.rs" },
	{ "patient/*.rs", "patient/Observation.rs patient/Observation.rs?" LAB,
	  "patient/Observation.rs patient/Observation.rs?" LAB },
	{ "patient/Observation.cruds", "patient/Observation.rs patient/Observation.r",
	  "patient/Observation.rs patient/Observation.r" },
};

START_TEST(test_limit)
{
	struct sg_scopes req, al, out;
	char		*s;
	size_t		 i, j;
	int		 ok;

	sg_scopes_parse(limits[_i].req, &req);
	sg_scopes_parse(limits[_i].allowed, &al);
	sg_scopes_limit(&req, &al, &out);
	s = sg_scopes_string(&out);
	ck_assert_msg(strcmp(s, limits[_i].want) == 0,
	    "limit(%s | %s) = \"%s\", want \"%s\"", limits[_i].req,
	    limits[_i].allowed, s, limits[_i].want);
	free(s);
	/* Never wider than requested, never wider than allowed. */
	for (i = 0; i < out.n; i++) {
		for (ok = 0, j = 0; j < req.n; j++)
			ok |= sg_scope_within(&out.v[i], &req.v[j]);
		ck_assert_int_eq(ok, 1);
		for (ok = 0, j = 0; j < al.n; j++)
			ok |= sg_scope_within(&out.v[i], &al.v[j]);
		ck_assert_int_eq(ok, 1);
	}
	sg_scopes_free(&req);
	sg_scopes_free(&al);
	sg_scopes_free(&out);
}
END_TEST

START_TEST(test_limit_too_long)
{
	struct sg_scopes req, al, out;
	char		 q[300], text[400], type[61];
	size_t		 n;

	/*
	 * allowed: the patient wildcard with code=xxx… (230 bytes).  Narrowing a
	 * 60-letter type to it would need 8 + 60 + 3 + 217 > 256 bytes:
	 * that intersection is dropped, not truncated; Observation fits.
	 */
	n = (size_t)snprintf(q, sizeof(q), "patient/*.rs?code=");
	memset(q + n, 'x', 230 - n);
	q[230] = '\0';
	snprintf(text, sizeof(text), "%s patient/Observation.rs", q);
	sg_scopes_parse(text, &al);
	ck_assert_uint_eq(al.n, 2);
	memset(type, 'a', sizeof(type));
	type[0] = 'A';
	type[60] = '\0';
	snprintf(text, sizeof(text), "patient/%s.rs patient/Observation.cruds",
	    type);
	sg_scopes_parse(text, &req);
	ck_assert_uint_eq(req.n, 2);
	sg_scopes_limit(&req, &al, &out);
	ck_assert_uint_eq(out.n, 2);
	ck_assert_uint_eq(strlen(out.v[0].text), 8 + 11 + 3 + 1 + 230 - 13);
	ck_assert_int_eq(strncmp(out.v[0].text,
	    "patient/Observation.rs?code=xxx", 31), 0);
	ck_assert_str_eq(out.v[1].text, "patient/Observation.rs");
	sg_scopes_free(&req);
	sg_scopes_free(&al);
	sg_scopes_free(&out);
}
END_TEST

/* scope, flags, words the description must contain. */
static const struct {
	const char	*scope;
	int		 flags;
	const char	*want;
} describe[] = {
	{ "patient/Observation.rs?" LAB, 0, "Read and search your lab results" },
	{ "patient/Observation.rs?category=laboratory", 0, "Read and search your lab results" },
	{ "patient/*.rs", 0, "Read and search all of your health records" },
	{ "patient/*.read", 0, "Read and search all of your health records" },
	{ "patient/Observation.cruds", SG_DESCRIBE_CHOSEN_PATIENT,
	  "Create, read, update, delete and search observations (lab results, vital signs and more) of the patient you choose" },
	{ "patient/Observation.*", 0,
	  "Create, read, update, delete and search your observations (lab results, vital signs and more)" },
	{ "patient/Condition.rs", 0, "Read and search your conditions (problems and diagnoses)" },
	{ "patient/Condition.rs?" PROBLEM, 0, "Read and search your problem list" },
	{ "patient/MedicationRequest.r", 0, "Read your medication prescriptions" },
	{ "patient/Encounter.s", 0, "Search your visits" },
	{ "patient/Patient.read", 0, "Read and search your demographics" },
	{ "patient/AllergyIntolerance.write", 0, "Create, update and delete your allergies" },
	{ "patient/Immunization.rs", 0, "your immunizations" },
	{ "patient/Procedure.rs", 0, "your procedures" },
	{ "patient/DiagnosticReport.rs", 0, "your test and imaging reports" },
	{ "patient/DocumentReference.rs", 0, "your documents and clinical notes" },
	{ "user/Practitioner.rs", 0, "Read and search care providers you are allowed to see" },
	{ "user/*.cruds", 0, "Create, read, update, delete and search all health records you are allowed to see" },
	{ "user/Observation.rs?" VITALS, 0, "Read and search vital signs you are allowed to see" },
	{ "system/*.rs", 0, "Read and search all health records in the whole system" },
	{ "system/Patient.rs", 0, "demographics in the whole system" },
	{ "patient/*.rs", SG_DESCRIBE_CHOSEN_PATIENT, "Read and search all health records of the patient you choose" },
	{ "patient/ImagingStudy.rs", 0, "Read and search your ImagingStudy records" },
	{ "patient/Observation.rs?code=http://loinc.org|8867-4", 0,
	  "your observations (lab results, vital signs and more) (only those matching code=http://loinc.org|8867-4)" },
	{ "patient/Observation.cu", 0, "Create and update your" },
	{ "patient/Observation.rd", 0, "Read and delete your" },
	{ "patient/Observation.crd", 0, "Create, read and delete your" },
	{ "openid", 0, "it is you" },
	{ "fhirUser", 0, "Know who you are (your FHIR identity)" },
	{ "profile", 0, "Know who you are" },
	{ "launch", 0, "open" },
	{ "launch/patient", 0, "which patient you choose" },
	{ "launch/encounter", 0, "which visit" },
	{ "offline_access", 0, "Stay signed in when you are not using the app (offline access)" },
	{ "online_access", 0, "online access" },
};

START_TEST(test_describe)
{
	struct sg_scope	 s;
	char		 buf[SG_SCOPE_DESCRIBE_MAX];
	const char	*d;

	ck_assert_int_eq(sg_scope_parse(describe[_i].scope,
	    strlen(describe[_i].scope), &s), 0);
	d = sg_scope_describe_ex(&s, describe[_i].flags, buf, sizeof(buf));
	ck_assert_ptr_eq(d, buf);
	ck_assert_msg(strstr(d, describe[_i].want) != NULL,
	    "describe(%s) = \"%s\", want \"%s\"", describe[_i].scope, d,
	    describe[_i].want);
	if (describe[_i].flags == 0)
		ck_assert_str_eq(sg_scope_describe(&s, buf, sizeof(buf)), d);
	sg_scope_free(&s);
}
END_TEST

START_TEST(test_describe_bounds)
{
	struct sg_scope	 s;
	char		 buf[SG_SCOPE_DESCRIBE_MAX], small[8], big[300];
	size_t		 n;

	ck_assert_int_eq(sg_scope_parse("patient/*.cruds", 15, &s), 0);
	memset(small, 'z', sizeof(small));
	sg_scope_describe(&s, small, sizeof(small));
	ck_assert_str_eq(small, "Create,");
	ck_assert_ptr_eq(sg_scope_describe(&s, small, 0), small);
	ck_assert_int_eq(small[0], 'C');
	sg_scope_free(&s);

	/* The longest scope still fits SG_SCOPE_DESCRIBE_MAX whole. */
	memcpy(big, "user/A", 6);
	memset(big + 6, 'a', SG_SCOPE_TYPE_MAX - 1);
	memcpy(big + 5 + SG_SCOPE_TYPE_MAX, ".cruds?code=", 13);
	n = strlen(big);
	memset(big + n, 'q', SG_SCOPE_MAX_TOKEN - n);
	big[SG_SCOPE_MAX_TOKEN] = '\0';
	ck_assert_int_eq(sg_scope_parse(big, SG_SCOPE_MAX_TOKEN, &s), 0);
	sg_scope_describe(&s, buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "you are allowed to see (only those matching code=qqq"));
	ck_assert_int_eq(buf[strlen(buf) - 1], ')');
	sg_scope_free(&s);
}
END_TEST

START_TEST(test_categories)
{
	const struct sg_category *c;
	size_t		 n, i;

	c = sg_scope_categories("Condition", &n);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(c[0].code, "problem-list-item");
	ck_assert_str_eq(c[0].system, "http://terminology.hl7.org/CodeSystem/condition-category");
	ck_assert_str_eq(c[1].code, "encounter-diagnosis");
	ck_assert_str_eq(c[1].system, "http://terminology.hl7.org/CodeSystem/condition-category");
	ck_assert_str_eq(c[2].code, "health-concern");
	ck_assert_str_eq(c[2].system, "http://hl7.org/fhir/us/core/CodeSystem/condition-category");

	c = sg_scope_categories("Observation", &n);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(n, 6);
	for (i = 0; i < 4; i++)
		ck_assert_str_eq(c[i].system, "http://terminology.hl7.org/CodeSystem/observation-category");
	ck_assert_str_eq(c[0].code, "laboratory");
	ck_assert_str_eq(c[0].label, "Lab results");
	ck_assert_str_eq(c[1].code, "vital-signs");
	ck_assert_str_eq(c[1].label, "Vital signs");
	ck_assert_str_eq(c[2].code, "social-history");
	ck_assert_str_eq(c[3].code, "survey");
	ck_assert_str_eq(c[4].code, "sdoh");
	ck_assert_str_eq(c[4].system, "http://hl7.org/fhir/us/core/CodeSystem/us-core-category");
	ck_assert_str_eq(c[5].code, "clinical-test");
	ck_assert_str_eq(c[5].system, "http://hl7.org/fhir/us/core/CodeSystem/us-core-observation-category");
	for (i = 0; i < n; i++) {
		ck_assert_str_eq(c[i].type, "Observation");
		ck_assert_uint_gt(strlen(c[i].label), 0);
		ck_assert_uint_gt(strlen(c[i].phrase), 0);
	}

	n = 99;
	ck_assert_ptr_null(sg_scope_categories("Patient", &n));
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(sg_scope_categories("*", &n));
	ck_assert_ptr_null(sg_scope_categories(NULL, &n));
	ck_assert_ptr_null(sg_scope_categories("observation", &n));
}
END_TEST

static const struct {
	const char	*base;
	const char	*type;
	size_t		 idx;
	const char	*want;		/* NULL: refused */
} withcat[] = {
	{ "patient/Observation.rs", "Observation", 0, "patient/Observation.rs?" LAB },
	{ "patient/Observation.read", "Observation", 0, "patient/Observation.rs?" LAB },
	{ "patient/Observation.*", "Observation", 1, "patient/Observation.cruds?" VITALS },
	{ "user/Observation.r", "Observation", 4,
	  "user/Observation.r?category=http://hl7.org/fhir/us/core/CodeSystem/us-core-category|sdoh" },
	{ "patient/Condition.rs", "Condition", 0, "patient/Condition.rs?" PROBLEM },
	{ "patient/Condition.rs", "Condition", 2,
	  "patient/Condition.rs?category=http://hl7.org/fhir/us/core/CodeSystem/condition-category|health-concern" },
	{ "patient/Condition.rs", "Observation", 0, NULL },
	{ "patient/*.rs", "Observation", 0, NULL },
	{ "patient/Observation.rs?" LAB, "Observation", 1, NULL },
	{ "openid", "Observation", 0, NULL },
};

START_TEST(test_with_category)
{
	const struct sg_category *c;
	struct sg_scope	 base, out, again;
	size_t		 n;
	int		 rc;

	c = sg_scope_categories(withcat[_i].type, &n);
	ck_assert_uint_lt(withcat[_i].idx, n);
	ck_assert_int_eq(sg_scope_parse(withcat[_i].base,
	    strlen(withcat[_i].base), &base), 0);
	rc = sg_scope_with_category(&base, &c[withcat[_i].idx], &out);
	if (withcat[_i].want == NULL) {
		ck_assert_int_eq(rc, -1);
		ck_assert_ptr_null(out.text);
		ck_assert_ptr_null(out.query);
	} else {
		ck_assert_int_eq(rc, 0);
		ck_assert_str_eq(out.text, withcat[_i].want);
		ck_assert_int_eq(out.v1, 0);
		ck_assert_int_eq(sg_scope_within(&out, &base), 1);
		ck_assert_int_eq(sg_scope_within(&base, &out), 0);
		/* The result parses back to itself. */
		ck_assert_int_eq(sg_scope_parse(out.text, strlen(out.text),
		    &again), 0);
		ck_assert_str_eq(again.text, out.text);
		ck_assert_str_eq(again.query, out.query);
		sg_scope_free(&again);
		sg_scope_free(&out);
	}
	sg_scope_free(&base);
}
END_TEST

START_TEST(test_copy)
{
	struct sg_scope	 a, b;

	ck_assert_int_eq(sg_scope_parse("patient/*.rs?a=b", 16, &a), 0);
	sg_scope_copy(&b, &a);
	ck_assert_ptr_ne(a.text, b.text);
	ck_assert_ptr_ne(a.query, b.query);
	sg_scope_free(&a);
	ck_assert_str_eq(b.text, "patient/*.rs?a=b");
	ck_assert_str_eq(b.query, "a=b");
	sg_scope_free(&b);
	sg_scope_free(NULL);
}
END_TEST

static Suite *
scope_suite(void)
{
	Suite	*s = suite_create("scope");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, test_parse_valid, 0, NELEM(valid));
	tcase_add_loop_test(tc, test_parse_invalid, 0, NELEM(invalid));
	tcase_add_test(tc, test_parse_len);
	tcase_add_loop_test(tc, test_v1_v2_equivalence, 0, NELEM(equiv));
	tcase_add_loop_test(tc, test_list_parse, 0, NELEM(lists));
	tcase_add_test(tc, test_list_limits);
	tcase_add_test(tc, test_has);
	tcase_add_test(tc, test_add);
	tcase_add_loop_test(tc, test_within, 0, NELEM(within));
	tcase_add_loop_test(tc, test_limit, 0, NELEM(limits));
	tcase_add_test(tc, test_limit_too_long);
	tcase_add_loop_test(tc, test_describe, 0, NELEM(describe));
	tcase_add_test(tc, test_describe_bounds);
	tcase_add_test(tc, test_categories);
	tcase_add_loop_test(tc, test_with_category, 0, NELEM(withcat));
	tcase_add_test(tc, test_copy);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tl_run(scope_suite());
}
