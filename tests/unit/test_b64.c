/* Unit tests for b64.c: RFC 4648 vectors, strictness, round trips. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "b64.h"
#include "testlib.h"

struct vec {
	const char	*raw;
	size_t		 rawlen;
	const char	*url;
	const char	*std;
};

/* RFC 4648 §10, plus bytes that differ between the two alphabets. */
static const struct vec vectors[] = {
	{ "", 0, "", "" },
	{ "f", 1, "Zg", "Zg==" },
	{ "fo", 2, "Zm8", "Zm8=" },
	{ "foo", 3, "Zm9v", "Zm9v" },
	{ "foob", 4, "Zm9vYg", "Zm9vYg==" },
	{ "fooba", 5, "Zm9vYmE", "Zm9vYmE=" },
	{ "foobar", 6, "Zm9vYmFy", "Zm9vYmFy" },
	{ "\xfb\xff", 2, "-_8", "+/8=" },
	{ "\xff\xef\xbe", 3, "_---", "/+++" },
	{ "\0\0\0", 3, "AAAA", "AAAA" },
};

START_TEST(test_vectors)
{
	size_t		 i, len;
	char		*s;
	unsigned char	*d;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct vec *v = &vectors[i];

		{
			s = sg_b64url_encode(v->raw, v->rawlen);
			ck_assert_str_eq(s, v->url);
			free(s);
			d = sg_b64url_decode(v->url, strlen(v->url), &len);
			ck_assert_ptr_nonnull(d);
			ck_assert_uint_eq(len, v->rawlen);
			ck_assert_int_eq(memcmp(d, v->raw, len), 0);
			ck_assert_int_eq(d[len], 0);
			free(d);
		}
		{
			s = sg_b64_encode(v->raw, v->rawlen);
			ck_assert_str_eq(s, v->std);
			free(s);
			d = sg_b64_decode(v->std, strlen(v->std), &len);
			ck_assert_ptr_nonnull(d);
			ck_assert_uint_eq(len, v->rawlen);
			ck_assert_int_eq(memcmp(d, v->raw, len), 0);
			ck_assert_int_eq(d[len], 0);
			free(d);
		}
	}
}
END_TEST

static const char *const bad_url[] = {
	"Z",		/* a lone character carries no byte */
	"Zh",		/* non-zero trailing bits */
	"Zm9",		/* non-zero trailing bits */
	"Zm8=",		/* padding refused */
	"Zg==",
	"Zm9v YmFy",	/* whitespace */
	"Zm9v\nYmFy",
	"+/8",		/* standard alphabet */
	"Zm9v.",
	"Zm9vY",
	"\xc3\xa9\xc3\xa9",
};

static const char *const bad_std[] = {
	"Zg",		/* padding required */
	"Zg=",
	"Zh==",		/* non-zero trailing bits */
	"Zm9=",
	"Z===",
	"====",
	"Zg==Zg==",	/* padding in the middle */
	"Zm=v",
	"-_8=",		/* url alphabet */
	"Zm9v\n",
	"Zm9v ",
	"Zm9vY===",
};

START_TEST(test_invalid)
{
	size_t		 i, len = 99;

	for (i = 0; i < sizeof(bad_url) / sizeof(bad_url[0]); i++)
		ck_assert_msg(sg_b64url_decode(bad_url[i], strlen(bad_url[i]),
		    &len) == NULL, "url accepted \"%s\"", bad_url[i]);
	for (i = 0; i < sizeof(bad_std) / sizeof(bad_std[0]); i++)
		ck_assert_msg(sg_b64_decode(bad_std[i], strlen(bad_std[i]),
		    &len) == NULL, "std accepted \"%s\"", bad_std[i]);
	/* An embedded NUL is not a base64 character. */
	ck_assert_ptr_null(sg_b64url_decode("Zm\0v", 4, &len));
	ck_assert_ptr_null(sg_b64_decode("Zm\0v", 4, &len));
	ck_assert_ptr_null(sg_b64url_decode(NULL, 0, &len));
}
END_TEST

START_TEST(test_length_is_respected)
{
	unsigned char	*d;
	size_t		 len;

	/* Only len characters are read; the rest of the string is ignored. */
	d = sg_b64url_decode("Zm9vYmFy!!", 4, &len);
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(len, 3);
	ck_assert_str_eq((char *)d, "foo");
	free(d);
}
END_TEST

START_TEST(test_round_trip)
{
	unsigned char	 buf[300], *d;
	size_t		 n, i, len;
	char		*s;

	for (n = 0; n <= sizeof(buf); n++) {
		for (i = 0; i < n; i++)
			buf[i] = (unsigned char)(i * 151 + n * 7);
		s = sg_b64url_encode(buf, n);
		ck_assert_uint_eq(strlen(s), (n * 4 + 2) / 3);
		ck_assert_ptr_null(strchr(s, '='));
		d = sg_b64url_decode(s, strlen(s), &len);
		ck_assert_ptr_nonnull(d);
		ck_assert_uint_eq(len, n);
		ck_assert_int_eq(memcmp(d, buf, n), 0);
		free(d);
		free(s);

		s = sg_b64_encode(buf, n);
		ck_assert_uint_eq(strlen(s) % 4, 0);
		d = sg_b64_decode(s, strlen(s), &len);
		ck_assert_ptr_nonnull(d);
		ck_assert_uint_eq(len, n);
		ck_assert_int_eq(memcmp(d, buf, n), 0);
		free(d);
		free(s);
	}
}
END_TEST

static Suite *
b64_suite(void)
{
	Suite	*s = suite_create("b64");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_vectors);
	tcase_add_test(tc, test_invalid);
	tcase_add_test(tc, test_length_is_respected);
	tcase_add_test(tc, test_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tl_run(b64_suite());
}
