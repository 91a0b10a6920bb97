/* Unit tests for src/form.c: decoding, declarations, limits, validators. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "form.h"
#include "status.h"
#include "testlib.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

enum { P_RESPONSE_TYPE, P_CLIENT_ID, P_STATE, P_SCOPE, P_X, NDECL };

static const struct sg_param decl[NDECL] = {
	[P_RESPONSE_TYPE] = { "response_type", 0, sg_check_token, 1, 0 },
	[P_CLIENT_ID] = { "client_id", 16, sg_check_token, 1, 0 },
	[P_STATE] = { "state", 0, NULL, 0, 0 },
	[P_SCOPE] = { "scope", 0, sg_check_text, 0, 0 },
	[P_X] = { "x", 4, NULL, 0, 0 },
};

#define BASE	"response_type=code&client_id=app"

struct form_case {
	const char	*in;
	enum sg_status	 st;
	const char	*bad;		/* expected form.bad on error */
	const char	*v[NDECL];	/* expected values on success */
};

static const struct form_case good[] = {
	{ BASE, SG_OK, NULL, { "code", "app", NULL, NULL, NULL } },
	{ "client_id=app&response_type=code", SG_OK, NULL,
	    { "code", "app", NULL, NULL, NULL } },
	{ BASE "&state=a+b%20c", SG_OK, NULL,
	    { "code", "app", "a b c", NULL, NULL } },
	{ "response_type=code&&client_id=app&", SG_OK, NULL,
	    { "code", "app", NULL, NULL, NULL } },
	{ "&&&response_type=code&&&client_id=app&&&", SG_OK, NULL,
	    { "code", "app", NULL, NULL, NULL } },
	/* Unknown parameters are ignored, even repeated or malformed. */
	{ BASE "&unknown=1&unknown=2", SG_OK, NULL,
	    { "code", "app", NULL, NULL, NULL } },
	{ BASE "&unknown=%zz&other=%00", SG_OK, NULL,
	    { "code", "app", NULL, NULL, NULL } },
	/* Names are decoded, then matched by exact length. */
	{ "response%5Ftype=code&client_id=app", SG_OK, NULL,
	    { "code", "app", NULL, NULL, NULL } },
	{ "response_typ%65=code&client_id=app", SG_OK, NULL,
	    { "code", "app", NULL, NULL, NULL } },
	{ BASE "&stat=1&states=2&State=3&state%20=4", SG_OK, NULL,
	    { "code", "app", NULL, NULL, NULL } },
	/* A pair without '=' or with an empty value counts as omitted. */
	{ BASE "&state", SG_OK, NULL, { "code", "app", NULL, NULL, NULL } },
	{ BASE "&state=", SG_OK, NULL, { "code", "app", NULL, NULL, NULL } },
	{ BASE "&state=&state=x", SG_OK, NULL,
	    { "code", "app", "x", NULL, NULL } },
	{ BASE "&state=x&state", SG_OK, NULL,
	    { "code", "app", "x", NULL, NULL } },
	{ BASE "&=value&=", SG_OK, NULL,
	    { "code", "app", NULL, NULL, NULL } },
	{ BASE "&scope=launch%2Fpatient%20openid+fhirUser", SG_OK, NULL,
	    { "code", "app", NULL, "launch/patient openid fhirUser", NULL } },
	{ BASE "&state=%C3%A9t%c3%a9", SG_OK, NULL,
	    { "code", "app", "\xc3\xa9t\xc3\xa9", NULL, NULL } },
	{ BASE "&state=%F0%9F%98%80", SG_OK, NULL,
	    { "code", "app", "\xf0\x9f\x98\x80", NULL, NULL } },
	{ BASE "&state=%EF%BF%BD", SG_OK, NULL,
	    { "code", "app", "\xef\xbf\xbd", NULL, NULL } },
	{ BASE "&state=a=b=c", SG_OK, NULL,
	    { "code", "app", "a=b=c", NULL, NULL } },
	{ BASE "&x=abcd", SG_OK, NULL, { "code", "app", NULL, NULL, "abcd" } },
	{ BASE "&x=%41%41%41%41", SG_OK, NULL,
	    { "code", "app", NULL, NULL, "AAAA" } },
	{ "response_type=code&client_id=0123456789abcdef", SG_OK, NULL,
	    { "code", "0123456789abcdef", NULL, NULL, NULL } },
	{ "response_type=c%2Bde&client_id=app", SG_OK, NULL,
	    { "c+de", "app", NULL, NULL, NULL } },
	{ "response_type=%7E%21&client_id=app", SG_OK, NULL,
	    { "~!", "app", NULL, NULL, NULL } },
	{ BASE "&state=+", SG_OK, NULL, { "code", "app", " ", NULL, NULL } },
};

static const struct form_case bad[] = {
	/* Required and missing, or present but empty. */
	{ "", SG_E_BAD_REQUEST, "response_type", { NULL } },
	{ "&&", SG_E_BAD_REQUEST, "response_type", { NULL } },
	{ "client_id=app", SG_E_BAD_REQUEST, "response_type", { NULL } },
	{ "response_type=code", SG_E_BAD_REQUEST, "client_id", { NULL } },
	{ "response_type=&client_id=app", SG_E_BAD_REQUEST, "response_type",
	    { NULL } },
	{ "response_type&client_id=app", SG_E_BAD_REQUEST, "response_type",
	    { NULL } },
	{ "response_typ=code&client_id=app", SG_E_BAD_REQUEST,
	    "response_type", { NULL } },
	/* Repeated (RFC 6749 §3.1), also when spelt differently. */
	{ "response_type=code&response_type=code&client_id=app",
	    SG_E_BAD_REQUEST, "response_type", { NULL } },
	{ "response_%74ype=code&response_type=token&client_id=app",
	    SG_E_BAD_REQUEST, "response_type", { NULL } },
	{ BASE "&state=1&state=2", SG_E_BAD_REQUEST, "state", { NULL } },
	{ BASE "&state=1&&state=1", SG_E_BAD_REQUEST, "state", { NULL } },
	/* Malformed escapes. */
	{ BASE "&state=%zz", SG_E_BAD_REQUEST, "state", { NULL } },
	{ BASE "&state=%4", SG_E_BAD_REQUEST, "state", { NULL } },
	{ BASE "&state=%", SG_E_BAD_REQUEST, "state", { NULL } },
	{ BASE "&state=a%", SG_E_BAD_REQUEST, "state", { NULL } },
	{ BASE "&state=%g1", SG_E_BAD_REQUEST, "state", { NULL } },
	{ BASE "&state=%%41", SG_E_BAD_REQUEST, "state", { NULL } },
	{ BASE "&state=%+1", SG_E_BAD_REQUEST, "state", { NULL } },
	/* NUL and control bytes, encoded or raw. */
	{ BASE "&state=%00", SG_E_BAD_REQUEST, "state", { NULL } },
	{ BASE "&state=%0d%0a", SG_E_BAD_REQUEST, "state", { NULL } },
	{ BASE "&state=a%0Ab", SG_E_BAD_REQUEST, "state", { NULL } },
	{ BASE "&state=%09", SG_E_BAD_REQUEST, "state", { NULL } },
	{ BASE "&state=%1f", SG_E_BAD_REQUEST, "state", { NULL } },
	{ BASE "&state=%7f", SG_E_BAD_REQUEST, "state", { NULL } },
	{ BASE "&state=a\tb", SG_E_BAD_REQUEST, "state", { NULL } },
	{ BASE "&state=a\rb", SG_E_BAD_REQUEST, "state", { NULL } },
	/* Invalid UTF-8 (RFC 3629): overlong, surrogate, out of range. */
	{ BASE "&state=%c0%af", SG_E_BAD_REQUEST, "state", { NULL } },
	{ BASE "&state=%c1%bf", SG_E_BAD_REQUEST, "state", { NULL } },
	{ BASE "&state=%e0%80%af", SG_E_BAD_REQUEST, "state", { NULL } },
	{ BASE "&state=%f0%80%80%af", SG_E_BAD_REQUEST, "state", { NULL } },
	{ BASE "&state=%ed%a0%80", SG_E_BAD_REQUEST, "state", { NULL } },
	{ BASE "&state=%ed%bf%bf", SG_E_BAD_REQUEST, "state", { NULL } },
	{ BASE "&state=%f4%90%80%80", SG_E_BAD_REQUEST, "state", { NULL } },
	{ BASE "&state=%f5%80%80%80", SG_E_BAD_REQUEST, "state", { NULL } },
	{ BASE "&state=%ff", SG_E_BAD_REQUEST, "state", { NULL } },
	{ BASE "&state=%80", SG_E_BAD_REQUEST, "state", { NULL } },
	{ BASE "&state=%c3", SG_E_BAD_REQUEST, "state", { NULL } },
	{ BASE "&state=%e2%82", SG_E_BAD_REQUEST, "state", { NULL } },
	{ BASE "&state=%c3A", SG_E_BAD_REQUEST, "state", { NULL } },
	{ BASE "&state=%c2%85", SG_E_BAD_REQUEST, "state", { NULL } },
	{ BASE "&scope=%c0%af", SG_E_BAD_REQUEST, "scope", { NULL } },
	/* Too long for the declaration. */
	{ BASE "&x=abcde", SG_E_BAD_REQUEST, "x", { NULL } },
	{ BASE "&x=%41%41%41%41%41", SG_E_BAD_REQUEST, "x", { NULL } },
	{ "response_type=code&client_id=0123456789abcdef0", SG_E_BAD_REQUEST,
	    "client_id", { NULL } },
	/* A validator refuses. */
	{ "response_type=co+de&client_id=app", SG_E_BAD_REQUEST,
	    "response_type", { NULL } },
	{ "response_type=co%20de&client_id=app", SG_E_BAD_REQUEST,
	    "response_type", { NULL } },
	{ "response_type=%c3%a9&client_id=app", SG_E_BAD_REQUEST,
	    "response_type", { NULL } },
	/* Malformed names, even of unknown parameters. */
	{ BASE "&st%zzate=1", SG_E_BAD_REQUEST, "st%zzate", { NULL } },
	{ BASE "&a%00=1", SG_E_BAD_REQUEST, "a%00", { NULL } },
	{ BASE "&a\r=1", SG_E_BAD_REQUEST, "a?", { NULL } },
	{ BASE "&%0d%0a", SG_E_BAD_REQUEST, "%0d%0a", { NULL } },
};

static void
check_values(const struct sg_form *form, const char *const *v)
{
	size_t	 i;

	for (i = 0; i < NDECL; i++) {
		if (v[i] == NULL) {
			ck_assert_msg(form->value[i] == NULL,
			    "param %s: expected absent, got \"%s\"",
			    decl[i].name, form->value[i]);
			continue;
		}
		ck_assert_msg(form->value[i] != NULL,
		    "param %s: expected \"%s\", absent", decl[i].name, v[i]);
		ck_assert_str_eq(form->value[i], v[i]);
		ck_assert_uint_eq(form->len[i], strlen(v[i]));
	}
}

START_TEST(test_parse_good)
{
	struct sg_form	 form;
	enum sg_status	 st;

	memset(&form, 0, sizeof(form));
	st = sg_form_parse(good[_i].in, strlen(good[_i].in), decl, NDECL,
	    &form);
	ck_assert_msg(st == SG_OK, "\"%s\": status %d, bad \"%s\"",
	    good[_i].in, st, form.bad);
	check_values(&form, good[_i].v);
	sg_form_free(&form);
}
END_TEST

START_TEST(test_parse_bad)
{
	struct sg_form	 form;
	enum sg_status	 st;

	memset(&form, 0, sizeof(form));
	st = sg_form_parse(bad[_i].in, strlen(bad[_i].in), decl, NDECL,
	    &form);
	ck_assert_msg(st == bad[_i].st, "\"%s\": status %d, want %d",
	    bad[_i].in, st, bad[_i].st);
	ck_assert_str_eq(form.bad, bad[_i].bad);
	sg_form_free(&form);
}
END_TEST

/* A string made of n copies of unit, then tail; caller frees. */
static char *
repeat(const char *head, const char *unit, size_t n, const char *tail)
{
	size_t	 hl = strlen(head), ul = strlen(unit), tl = strlen(tail), i;
	char	*s;

	s = malloc(hl + ul * n + tl + 1);
	ck_assert_ptr_nonnull(s);
	memcpy(s, head, hl);
	for (i = 0; i < n; i++)
		memcpy(s + hl + i * ul, unit, ul);
	memcpy(s + hl + n * ul, tail, tl + 1);
	return s;
}

static enum sg_status
parse_str(const char *in, struct sg_form *form)
{
	memset(form, 0, sizeof(*form));
	return sg_form_parse(in, strlen(in), decl, NDECL, form);
}

/* SG_MAX_PARAMS pairs pass, one more is too large; empty pairs don't count. */
START_TEST(test_max_params)
{
	struct sg_form	 form;
	char		*s;

	s = repeat(BASE, "&u=1", SG_MAX_PARAMS - 2, "");
	ck_assert_int_eq(parse_str(s, &form), SG_OK);
	sg_form_free(&form);
	free(s);

	s = repeat(BASE, "&u=1&&", SG_MAX_PARAMS - 2, "&&&");
	ck_assert_int_eq(parse_str(s, &form), SG_OK);
	sg_form_free(&form);
	free(s);

	s = repeat(BASE, "&u=1", SG_MAX_PARAMS - 1, "");
	ck_assert_int_eq(parse_str(s, &form), SG_E_TOO_LARGE);
	sg_form_free(&form);
	free(s);

	/* Too many fails the same way even with a bad pair first. */
	s = repeat("state=%zz&" BASE, "&u", SG_MAX_PARAMS, "");
	ck_assert_int_eq(parse_str(s, &form), SG_E_TOO_LARGE);
	sg_form_free(&form);
	free(s);
}
END_TEST

/* Input of exactly SG_MAX_FORM_BODY bytes passes, one more does not. */
START_TEST(test_max_body)
{
	struct sg_form	 form;
	char		*s;
	size_t		 fill;

	fill = SG_MAX_FORM_BODY - strlen(BASE "&u=");
	s = repeat(BASE "&u=", "a", fill, "");
	ck_assert_uint_eq(strlen(s), SG_MAX_FORM_BODY);
	ck_assert_int_eq(parse_str(s, &form), SG_OK);
	sg_form_free(&form);
	free(s);

	s = repeat(BASE "&u=", "a", fill + 1, "");
	ck_assert_int_eq(parse_str(s, &form), SG_E_TOO_LARGE);
	sg_form_free(&form);
	free(s);
}
END_TEST

/* max 0 means SG_MAX_PARAM_VALUE: exactly that passes, one more not. */
START_TEST(test_max_value_default)
{
	struct sg_form	 form;
	char		*s;

	s = repeat(BASE "&state=", "v", SG_MAX_PARAM_VALUE, "");
	ck_assert_int_eq(parse_str(s, &form), SG_OK);
	ck_assert_uint_eq(form.len[P_STATE], SG_MAX_PARAM_VALUE);
	sg_form_free(&form);
	free(s);

	s = repeat(BASE "&state=", "%76", SG_MAX_PARAM_VALUE, "");
	ck_assert_int_eq(parse_str(s, &form), SG_OK);
	ck_assert_uint_eq(form.len[P_STATE], SG_MAX_PARAM_VALUE);
	sg_form_free(&form);
	free(s);

	s = repeat(BASE "&state=", "v", SG_MAX_PARAM_VALUE + 1, "");
	ck_assert_int_eq(parse_str(s, &form), SG_E_BAD_REQUEST);
	ck_assert_str_eq(form.bad, "state");
	ck_assert_ptr_null(form.value[P_STATE]);
	sg_form_free(&form);
	free(s);
}
END_TEST

/* Declared names up to SG_MAX_PARAM_NAME match; longer names are unknown. */
START_TEST(test_max_name)
{
	char		 name64[SG_MAX_PARAM_NAME + 1];
	struct sg_param	 d[1];
	struct sg_form	 form;
	char		*s;

	memset(name64, 'n', SG_MAX_PARAM_NAME);
	name64[SG_MAX_PARAM_NAME] = '\0';
	d[0].name = name64;
	d[0].max = 0;
	d[0].check = NULL;
	d[0].required = 1;

	s = repeat("", "n", SG_MAX_PARAM_NAME, "=ok");
	memset(&form, 0, sizeof(form));
	ck_assert_int_eq(sg_form_parse(s, strlen(s), d, 1, &form), SG_OK);
	ck_assert_str_eq(form.value[0], "ok");
	sg_form_free(&form);
	free(s);

	/* One byte longer: an unknown name, so the required one is missing. */
	s = repeat("", "n", SG_MAX_PARAM_NAME + 1, "=ok");
	memset(&form, 0, sizeof(form));
	ck_assert_int_eq(sg_form_parse(s, strlen(s), d, 1, &form),
	    SG_E_BAD_REQUEST);
	ck_assert_str_eq(form.bad, name64);
	sg_form_free(&form);
	free(s);

	/* An overlong malformed name: form.bad is capped. */
	s = repeat(BASE "&", "%zz", 100, "=1");
	ck_assert_int_eq(parse_str(s, &form), SG_E_BAD_REQUEST);
	ck_assert_uint_eq(strlen(form.bad), SG_MAX_PARAM_NAME);
	sg_form_free(&form);
	free(s);
}
END_TEST

START_TEST(test_too_many_declarations)
{
	struct sg_param	 d[SG_MAX_PARAMS_DECL + 1];
	struct sg_form	 form;
	size_t		 i;

	for (i = 0; i < NELEM(d); i++) {
		d[i].name = "a";
		d[i].max = 0;
		d[i].check = NULL;
		d[i].required = 0;
	}
	memset(&form, 0, sizeof(form));
	ck_assert_int_eq(sg_form_parse("a=1", 3, d, SG_MAX_PARAMS_DECL, &form),
	    SG_OK);
	sg_form_free(&form);
	ck_assert_int_ne(sg_form_parse("a=1", 3, d, SG_MAX_PARAMS_DECL + 1,
	    &form), SG_OK);
	sg_form_free(&form);
}
END_TEST

/* The length bounds the input, not a NUL: bytes after len are not read. */
START_TEST(test_length_not_nul)
{
	struct sg_form	 form;
	const char	 in[] = BASE "&state=abc&state=def";

	memset(&form, 0, sizeof(form));
	ck_assert_int_eq(sg_form_parse(in, strlen(BASE "&state=ab"), decl,
	    NDECL, &form), SG_OK);
	ck_assert_str_eq(form.value[P_STATE], "ab");
	sg_form_free(&form);

	memset(&form, 0, sizeof(form));
	ck_assert_int_eq(sg_form_parse(NULL, 0, decl, NDECL, &form),
	    SG_E_BAD_REQUEST);
	sg_form_free(&form);
}
END_TEST

START_TEST(test_free_twice_and_zeroed)
{
	struct sg_form	 form;

	memset(&form, 0, sizeof(form));
	sg_form_free(&form);
	sg_form_free(&form);
	ck_assert_int_eq(parse_str(BASE "&state=s", &form), SG_OK);
	sg_form_free(&form);
	ck_assert_ptr_null(form.value[P_STATE]);
	ck_assert_uint_eq(form.len[P_STATE], 0);
	sg_form_free(&form);
	sg_form_free(NULL);
}
END_TEST

/* Values parsed before an error are freed by sg_form_free (valgrind). */
START_TEST(test_free_after_error)
{
	struct sg_form	 form;

	ck_assert_int_eq(parse_str(BASE "&state=a&x=toolong", &form),
	    SG_E_BAD_REQUEST);
	ck_assert_str_eq(form.bad, "x");
	ck_assert_ptr_nonnull(form.value[P_CLIENT_ID]);
	sg_form_free(&form);
}
END_TEST

/*
 * Every failed parameter is named in failed, none keeps a value, the
 * ones that passed keep theirs; a malformed name fails the input as a
 * whole (it may have been any parameter).
 */
START_TEST(test_failed_mask)
{
	static const struct {
		const char	*in;
		enum sg_status	 st;
		uint32_t	 failed;
		int		 malformed;
		const char	*first;		/* sg_form_first_failed */
	} t[] = {
		{ BASE, SG_OK, 0, 0, NULL },
		{ BASE "&state=1&state=2", SG_E_BAD_REQUEST, 1u << P_STATE, 0,
		    "state" },
		{ BASE "&state=1&state=2&state=3", SG_E_BAD_REQUEST,
		    1u << P_STATE, 0, "state" },
		{ "client_id=app&x=toolong&state=%zz", SG_E_BAD_REQUEST,
		    1u << P_RESPONSE_TYPE | 1u << P_STATE | 1u << P_X, 0,
		    "response_type" },
		{ "response_type=code&client_id=a+b&x=ok", SG_E_BAD_REQUEST,
		    1u << P_CLIENT_ID, 0, "client_id" },
		{ BASE "&st%zzate=1", SG_E_BAD_REQUEST, 0, 1, NULL },
		{ "st%zzate=1&client_id=app", SG_E_BAD_REQUEST,
		    1u << P_RESPONSE_TYPE, 1, "response_type" },
	};
	struct sg_form	 form;
	size_t		 i, j;

	for (i = 0; i < NELEM(t); i++) {
		ck_assert_msg(parse_str(t[i].in, &form) == t[i].st, "%s",
		    t[i].in);
		ck_assert_msg(form.failed == t[i].failed, "%s: failed %x",
		    t[i].in, (unsigned)form.failed);
		ck_assert_int_eq(form.malformed, t[i].malformed);
		if (t[i].first == NULL)
			ck_assert_ptr_null(sg_form_first_failed(&form, decl,
			    NDECL));
		else
			ck_assert_str_eq(sg_form_first_failed(&form, decl,
			    NDECL), t[i].first);
		for (j = 0; j < NDECL; j++) {
			ck_assert_int_eq(sg_form_failed(&form, j),
			    (t[i].failed >> j & 1) != 0);
			if (sg_form_failed(&form, j))
				ck_assert_ptr_null(form.value[j]);
		}
		sg_form_free(&form);
	}
	/* Those that passed keep their values. */
	ck_assert_int_eq(parse_str("client_id=app&x=toolong&state=ok",
	    &form), SG_E_BAD_REQUEST);
	ck_assert_str_eq(form.value[P_CLIENT_ID], "app");
	ck_assert_str_eq(form.value[P_STATE], "ok");
	ck_assert_ptr_null(form.value[P_X]);
	ck_assert_int_eq(sg_form_failed(&form, SG_MAX_PARAMS_DECL), 0);
	sg_form_free(&form);
}
END_TEST

static const struct {
	const char	*in;
	size_t		 len;		/* 0: strlen(in) */
	int		 plus;
	size_t		 max;
	const char	*out;		/* NULL: refused */
	size_t		 outlen;
} dec[] = {
	{ "a+b", 0, 1, 100, "a b", 3 },
	{ "a+b", 0, 0, 100, "a+b", 3 },
	{ "%2B", 0, 1, 100, "+", 1 },
	{ "%2b%2F%3d%26", 0, 1, 100, "+/=&", 4 },
	{ "%4a%4A", 0, 1, 100, "JJ", 2 },
	{ "", 0, 1, 100, "", 0 },
	{ "abc", 0, 1, 3, "abc", 3 },
	{ "abc", 0, 1, 2, NULL, 0 },
	{ "%41%42%43", 0, 1, 3, "ABC", 3 },
	{ "%41%42%43", 0, 1, 2, NULL, 0 },
	{ "x", 0, 1, 0, NULL, 0 },
	{ "", 0, 1, 0, "", 0 },
	{ "%e2%82%ac", 0, 1, 100, "\xe2\x82\xac", 3 },
	/* Decoding does not judge UTF-8: validators do. */
	{ "%c0%af", 0, 1, 100, "\xc0\xaf", 2 },
	{ "%zz", 0, 1, 100, NULL, 0 },
	{ "%4", 0, 1, 100, NULL, 0 },
	{ "%", 0, 1, 100, NULL, 0 },
	{ "ab%", 0, 1, 100, NULL, 0 },
	{ "%x1", 0, 1, 100, NULL, 0 },
	{ "%-1", 0, 1, 100, NULL, 0 },
	{ "%00", 0, 1, 100, NULL, 0 },
	{ "%0d%0a", 0, 1, 100, NULL, 0 },
	{ "%7f", 0, 1, 100, NULL, 0 },
	{ "%1F", 0, 1, 100, NULL, 0 },
	{ "a\nb", 0, 1, 100, NULL, 0 },
	{ "a\x7f", 0, 1, 100, NULL, 0 },
	{ "a\0b", 3, 1, 100, NULL, 0 },
	{ "abc%41", 4, 1, 100, NULL, 0 },	/* escape cut by len */
	{ "abc%41", 5, 1, 100, NULL, 0 },
	{ "abc%41", 3, 1, 100, "abc", 3 },
};

/* Check boxes of one name on our own forms: values joined by spaces. */
START_TEST(test_multi)
{
	static const struct sg_param mdecl[] = {
		{ "scope", 32, sg_check_token, 0, 1 },
		{ "csrf", 0, sg_check_token, 0, 0 },
	};
	static const struct {
		const char	*in;
		enum sg_status	 st;
		const char	*scope;
	} t[] = {
		{ "scope=a", SG_OK, "a" },
		{ "scope=a&scope=b&scope=c", SG_OK, "a b c" },
		{ "scope=a&csrf=x&scope=b", SG_OK, "a b" },
		{ "scope=a&scope=&scope=b", SG_OK, "a b" },
		{ "scope=a+b", SG_E_BAD_REQUEST, NULL },	/* space inside */
		{ "scope=a&scope=b%20c", SG_E_BAD_REQUEST, NULL },
		{ "csrf=x&csrf=y", SG_E_BAD_REQUEST, NULL },	/* not multi */
		/* Each value is checked alone; a bad one fails them all. */
		{ "scope=a&scope=%c3%a9", SG_E_BAD_REQUEST, NULL },
		{ "scope=%c3%a9&scope=a", SG_E_BAD_REQUEST, NULL },
		/* The joined value is capped by max: 16 + 1 + 15 = 32 ok. */
		{ "scope=aaaaaaaaaaaaaaaa&scope=bbbbbbbbbbbbbbb", SG_OK,
		    "aaaaaaaaaaaaaaaa bbbbbbbbbbbbbbb" },
		{ "scope=aaaaaaaaaaaaaaaa&scope=bbbbbbbbbbbbbbbb",
		    SG_E_BAD_REQUEST, NULL },
		/* One value may use the whole max. */
		{ "scope=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", SG_OK,
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" },
	};
	struct sg_form	 f;
	size_t		 i;
	enum sg_status	 st;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&f, 0, sizeof(f));
		st = sg_form_parse(t[i].in, strlen(t[i].in), mdecl, 2, &f);
		ck_assert_msg(st == t[i].st, "%s: status %d", t[i].in, st);
		if (t[i].scope != NULL) {
			ck_assert_str_eq(f.value[0], t[i].scope);
			ck_assert_uint_eq(f.len[0], strlen(t[i].scope));
		} else if (st != SG_OK && sg_form_failed(&f, 0))
			ck_assert_ptr_null(f.value[0]);
		sg_form_free(&f);
	}
}
END_TEST

START_TEST(test_decode)
{
	char	*out;
	size_t	 len = dec[_i].len ? dec[_i].len : strlen(dec[_i].in);
	size_t	 outlen = 999;

	out = sg_form_decode(dec[_i].in, len, dec[_i].plus, dec[_i].max,
	    &outlen);
	if (dec[_i].out == NULL) {
		ck_assert_msg(out == NULL, "\"%s\" decoded", dec[_i].in);
		return;
	}
	ck_assert_msg(out != NULL, "\"%s\" refused", dec[_i].in);
	ck_assert_uint_eq(outlen, dec[_i].outlen);
	ck_assert(memcmp(out, dec[_i].out, outlen + 1) == 0);
	free(out);
}
END_TEST

static const struct {
	const char	*in;
	int		 token, text;
} chk[] = {
	{ "code", 1, 1 },
	{ "!~#$%&'()*+,-./:;<=>?@[\\]^_`{|}", 1, 1 },
	{ "", 0, 1 },
	{ "a b", 0, 1 },
	{ " ", 0, 1 },
	{ "a\tb", 0, 0 },
	{ "a\nb", 0, 0 },
	{ "a\rb", 0, 0 },
	{ "\x1f", 0, 0 },
	{ "\x7f", 0, 0 },
	{ "\xc3\xa9", 0, 1 },			/* U+00E9 */
	{ "\xc2\xa0", 0, 1 },			/* U+00A0 */
	{ "\xdf\xbf", 0, 1 },			/* U+07FF */
	{ "\xe0\xa0\x80", 0, 1 },		/* U+0800 */
	{ "\xed\x9f\xbf", 0, 1 },		/* U+D7FF */
	{ "\xee\x80\x80", 0, 1 },		/* U+E000 */
	{ "\xef\xbf\xbd", 0, 1 },		/* U+FFFD */
	{ "\xf0\x90\x80\x80", 0, 1 },		/* U+10000 */
	{ "\xf4\x8f\xbf\xbf", 0, 1 },		/* U+10FFFF */
	{ "\xc2\x80", 0, 0 },			/* C1 control */
	{ "\xc2\x9f", 0, 0 },
	{ "\xc0\xaf", 0, 0 },			/* overlong '/' */
	{ "\xc1\xbf", 0, 0 },
	{ "\xe0\x80\xaf", 0, 0 },
	{ "\xe0\x9f\xbf", 0, 0 },
	{ "\xf0\x80\x80\xaf", 0, 0 },
	{ "\xf0\x8f\xbf\xbf", 0, 0 },
	{ "\xed\xa0\x80", 0, 0 },		/* surrogates */
	{ "\xed\xbf\xbf", 0, 0 },
	{ "\xf4\x90\x80\x80", 0, 0 },		/* > U+10FFFF */
	{ "\xf5\x80\x80\x80", 0, 0 },
	{ "\xf8\x88\x80\x80\x80", 0, 0 },
	{ "\xff", 0, 0 },
	{ "\xfe", 0, 0 },
	{ "\x80", 0, 0 },			/* lone continuation */
	{ "a\xbf", 0, 0 },
	{ "\xc3", 0, 0 },			/* truncated */
	{ "\xe2\x82", 0, 0 },
	{ "\xf0\x9f\x98", 0, 0 },
	{ "\xc3" "A", 0, 0 },
	{ "\xe2\x82" "A", 0, 0 },
};

START_TEST(test_validators)
{
	size_t	 len = strlen(chk[_i].in);

	ck_assert_msg(sg_check_token(chk[_i].in, len) == chk[_i].token,
	    "token, case %d", _i);
	ck_assert_msg(sg_check_text(chk[_i].in, len) == chk[_i].text,
	    "text, case %d", _i);
}
END_TEST

START_TEST(test_validators_nul)
{
	ck_assert_int_eq(sg_check_token("a\0b", 3), 0);
	ck_assert_int_eq(sg_check_text("a\0b", 3), 0);
	ck_assert_int_eq(sg_check_text("ab", 1), 1);
	/* A sequence cut by len is incomplete. */
	ck_assert_int_eq(sg_check_text("\xc3\xa9", 1), 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("form");
	TCase	*tc = tcase_create("form");

	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_parse_good, 0, NELEM(good));
	tcase_add_loop_test(tc, test_parse_bad, 0, NELEM(bad));
	tcase_add_test(tc, test_multi);
	tcase_add_test(tc, test_failed_mask);
	tcase_add_test(tc, test_max_params);
	tcase_add_test(tc, test_max_body);
	tcase_add_test(tc, test_max_value_default);
	tcase_add_test(tc, test_max_name);
	tcase_add_test(tc, test_too_many_declarations);
	tcase_add_test(tc, test_length_not_nul);
	tcase_add_test(tc, test_free_twice_and_zeroed);
	tcase_add_test(tc, test_free_after_error);
	tcase_add_loop_test(tc, test_decode, 0, NELEM(dec));
	tcase_add_loop_test(tc, test_validators, 0, NELEM(chk));
	tcase_add_test(tc, test_validators_nul);
	suite_add_tcase(s, tc);
	return tl_run(s);
}
