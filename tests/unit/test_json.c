/*
 * Unit tests for json.c: strict parsing of untrusted JSON objects, and
 * the member helpers for the JSON we seal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "bounds.h"
#include "json.h"
#include "testlib.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static const struct parse_case {
	const char	*in;		/* NULL: the buffer is NULL */
	size_t		 len;		/* 0: strlen(in) */
	int		 ok;
	const char	*want_a;	/* the string member "a", if ok */
} parse_cases[] = {
	{ "{}", 0, 1, NULL },
	{ "{\"a\":\"x\"}", 0, 1, "x" },
	{ " {\"a\" : \"x\"} \r\n\t", 0, 1, "x" },
	{ "{\"a\":1}", 0, 1, NULL },		/* not a string */
	{ "{\"a\":\"x\",\"a\":\"y\"}", 0, 1, "y" },
	{ "{\"b\":{\"c\":[1,2,null]}}", 0, 1, NULL },
	/* Exactly len bytes: what follows is not read. */
	{ "{\"a\":\"x\"}garbage", 9, 1, "x" },
	/* Not an object. */
	{ "[]", 0, 0, NULL },
	{ "\"a\"", 0, 0, NULL },
	{ "1", 0, 0, NULL },
	{ "null", 0, 0, NULL },
	/* Malformed, trailing bytes, non-standard extensions. */
	{ "", 0, 0, NULL },
	{ NULL, 0, 0, NULL },
	{ "{", 0, 0, NULL },
	{ "{}x", 0, 0, NULL },
	{ "{}{}", 0, 0, NULL },
	{ "{},", 0, 0, NULL },
	{ "{\"a\":\"x\",}", 0, 0, NULL },
	{ "{'a':'x'}", 0, 0, NULL },
	{ "{a:\"x\"}", 0, 0, NULL },
	{ "{\"a\":1} /* c */", 0, 0, NULL },
	{ "{\"a\":\"x\"}\0", 10, 0, NULL },
	{ "{\"a\":\"x\0\"}", 10, 0, NULL },
};

START_TEST(test_parse)
{
	const struct parse_case	*c = &parse_cases[_i];
	json_object		*o;
	const char		*a;
	size_t			 len;

	len = c->len != 0 || c->in == NULL ? c->len : strlen(c->in);
	o = sg_json_object(c->in, len);
	if (!c->ok) {
		ck_assert_ptr_null(o);
		return;
	}
	ck_assert_ptr_nonnull(o);
	ck_assert(json_object_is_type(o, json_type_object));
	a = sg_json_str(o, "a");
	if (c->want_a == NULL)
		ck_assert_ptr_null(a);
	else
		ck_assert_str_eq(a, c->want_a);
	ck_assert_ptr_null(sg_json_str(o, "missing"));
	json_object_put(o);
}
END_TEST

/*
 * json-c counts the depth including the value being parsed: nesting of
 * SG_MAX_JSON_DEPTH - 1 containers passes, SG_MAX_JSON_DEPTH does not.
 */
START_TEST(test_depth)
{
	char		 buf[4 * SG_MAX_JSON_DEPTH + 16];
	json_object	*o;
	size_t		 depth, i, n;

	for (depth = SG_MAX_JSON_DEPTH - 1; depth <= SG_MAX_JSON_DEPTH;
	    depth++) {
		n = 0;
		for (i = 0; i < depth; i++) {
			memcpy(buf + n, i == 0 ? "{\"a\":" : "[", i == 0 ?
			    5 : 1);
			n += i == 0 ? 5 : 1;
		}
		buf[n++] = '1';
		for (i = depth; i-- > 1;)
			buf[n++] = ']';
		buf[n++] = '}';
		o = sg_json_object(buf, n);
		if (depth < SG_MAX_JSON_DEPTH)
			ck_assert_ptr_nonnull(o);
		else
			ck_assert_ptr_null(o);
		json_object_put(o);
	}
}
END_TEST

/* RFC 7519 §4.1.3: "aud" is one string or an array of strings. */
static const struct in_case {
	const char	*json;		/* the value of "v"; NULL: absent */
	int		 want;
} in_cases[] = {
	{ "\"https://t\"", 1 },
	{ "[\"https://t\"]", 1 },
	{ "[\"x\",1,null,\"https://t\"]", 1 },
	{ "\"https://t/\"", 0 },
	{ "\"https://T\"", 0 },
	{ "\"https://\"", 0 },
	{ "[]", 0 },
	{ "[[\"https://t\"]]", 0 },
	{ "{\"a\":\"https://t\"}", 0 },
	{ "1", 0 },
	{ "null", 0 },
	{ NULL, 0 },
};

START_TEST(test_str_in)
{
	const struct in_case	*c = &in_cases[_i];
	json_object		*o, *v = NULL;
	char			 buf[128];

	snprintf(buf, sizeof(buf), "{\"v\":%s}", c->json != NULL ? c->json :
	    "0, \"w\":0");
	o = sg_json_object(buf, strlen(buf));
	ck_assert_ptr_nonnull(o);
	if (c->json != NULL)
		ck_assert(json_object_object_get_ex(o, "v", &v));
	ck_assert_int_eq(sg_json_str_in(v, "https://t"), c->want);
	json_object_put(o);
}
END_TEST

/*
 * The member getters: absent and null alike, another type refused,
 * nothing kept on refusal; fixed-length strings only of that length.
 */
static const struct member_case {
	const char	*json;		/* the value of member "m", or NULL */
	int		 str_rc;	/* sg_json_get_str */
	const char	*str;		/* what it copies, or NULL */
	int		 time_rc;	/* sg_json_get_time */
	long long	 t;
	int		 fixed_rc;	/* sg_json_get_fixed, want 3 */
} member_cases[] = {
	{ NULL, 0, NULL, 0, 0, -1 },
	{ "null", 0, NULL, 0, 0, -1 },
	{ "\"abc\"", 0, "abc", -1, 0, 0 },
	{ "\"ab\"", 0, "ab", -1, 0, -1 },
	{ "\"abcd\"", 0, "abcd", -1, 0, -1 },
	{ "\"\"", 0, "", -1, 0, -1 },
	{ "1700000000", -1, NULL, 0, 1700000000LL, -1 },
	{ "-5", -1, NULL, 0, -5, -1 },
	{ "1.5", -1, NULL, -1, 0, -1 },
	{ "true", -1, NULL, -1, 0, -1 },
	{ "[\"abc\"]", -1, NULL, -1, 0, -1 },
	{ "{}", -1, NULL, -1, 0, -1 },
};

START_TEST(test_members)
{
	const struct member_case *c = &member_cases[_i];
	json_object	*o;
	char		 buf[128], fixed[4], *str;
	time_t		 t = 1;		/* each getter must reset it */

	if (c->json != NULL)
		snprintf(buf, sizeof(buf), "{\"m\":%s}", c->json);
	else
		snprintf(buf, sizeof(buf), "{\"n\":\"abc\"}");
	o = sg_json_object(buf, strlen(buf));
	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(sg_json_get_str(o, "m", &str), c->str_rc);
	if (c->str == NULL)
		ck_assert_ptr_null(str);
	else
		ck_assert_str_eq(str, c->str);
	free(str);
	ck_assert_int_eq(sg_json_get_time(o, "m", &t), c->time_rc);
	ck_assert_int_eq((long long)t, c->t);
	memset(fixed, 'x', sizeof(fixed));
	ck_assert_int_eq(sg_json_get_fixed(o, "m", fixed, 3), c->fixed_rc);
	if (c->fixed_rc == 0)
		ck_assert_str_eq(fixed, c->str);
	json_object_put(o);
}
END_TEST

/* put_str adds a string and leaves out NULL; the getter reads it back. */
START_TEST(test_put_str)
{
	json_object	*o = json_object_new_object();
	char		*str;

	sg_json_put_str(o, "a", "x\"y");
	sg_json_put_str(o, "b", NULL);
	ck_assert_int_eq(json_object_object_length(o), 1);
	ck_assert(!json_object_object_get_ex(o, "b", NULL));
	ck_assert_int_eq(sg_json_get_str(o, "a", &str), 0);
	ck_assert_str_eq(str, "x\"y");
	free(str);
	json_object_put(o);
}
END_TEST

static Suite *
json_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("json");
	tc = tcase_create("parse");
	tcase_add_loop_test(tc, test_parse, 0, NELEM(parse_cases));
	tcase_add_test(tc, test_depth);
	tcase_add_loop_test(tc, test_str_in, 0, NELEM(in_cases));
	tcase_add_loop_test(tc, test_members, 0, NELEM(member_cases));
	tcase_add_test(tc, test_put_str);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tl_run(json_suite());
}
