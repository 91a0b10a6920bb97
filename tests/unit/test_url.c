/* Unit tests for url.c: percent-encoding, query building, redirect checks. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "url.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static const struct {
	const char	*in;
	const char	*out;
} encode_table[] = {
	{ "", "" },
	{ "abcXYZ019", "abcXYZ019" },
	{ "-._~", "-._~" },			/* unreserved, RFC 3986 §2.3 */
	{ " ", "%20" },
	{ "a b&c=d/", "a%20b%26c%3Dd%2F" },
	{ "+%?#[]@!$'()*,;:", "%2B%25%3F%23%5B%5D%40%21%24%27%28%29%2A%2C%3B%3A" },
	{ "\"<>\\^`{|}", "%22%3C%3E%5C%5E%60%7B%7C%7D" },
	{ "\x01\x1f\x7f", "%01%1F%7F" },
	{ "\xc3\xa9", "%C3%A9" },		/* é in UTF-8 */
	{ "\xe2\x82\xac", "%E2%82%AC" },	/* € */
	{ "\xff\xfe", "%FF%FE" },
	{ "https://app.example/cb?x=1", "https%3A%2F%2Fapp.example%2Fcb%3Fx%3D1" },
};

START_TEST(test_encode)
{
	char	*s;

	s = sg_url_encode(encode_table[_i].in);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s, encode_table[_i].out);
	free(s);
}
END_TEST

/* Every byte 1..255: unreserved kept, everything else %XX uppercase. */
START_TEST(test_encode_all_bytes)
{
	static const char	 hex[] = "0123456789ABCDEF";
	char			 in[2], want[4], *s;
	int			 c;

	for (c = 1; c < 256; c++) {
		in[0] = (char)c;
		in[1] = '\0';
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			want[0] = (char)c;
			want[1] = '\0';
		} else {
			want[0] = '%';
			want[1] = hex[c >> 4];
			want[2] = hex[c & 15];
			want[3] = '\0';
		}
		s = sg_url_encode(in);
		ck_assert_msg(strcmp(s, want) == 0, "byte %d: got %s want %s",
		    c, s, want);
		free(s);
	}
}
END_TEST

static const char *const q_names[] = { "code", "state", "iss" };

static const struct {
	const char	*base;
	const char	*values[3];
	size_t		 n;
	const char	*out;
} query_table[] = {
	/* No query yet. */
	{ "https://app.example/cb", { "c1", "s1", NULL }, 2,
	    "https://app.example/cb?code=c1&state=s1" },
	/* A query to retain (RFC 6749 §4.1.2). */
	{ "https://app.example/cb?x=1", { "c1", "s1", NULL }, 2,
	    "https://app.example/cb?x=1&code=c1&state=s1" },
	/* A query ending in '?' or '&' needs no separator. */
	{ "https://app.example/cb?", { "c1", NULL, NULL }, 1,
	    "https://app.example/cb?code=c1" },
	{ "https://app.example/cb?x=1&", { "c1", NULL, NULL }, 1,
	    "https://app.example/cb?x=1&code=c1" },
	/* The fragment stays at the end. */
	{ "https://app.example/cb#frag", { "c1", "s1", NULL }, 2,
	    "https://app.example/cb?code=c1&state=s1#frag" },
	{ "https://app.example/cb?x=1#f?g&h", { "c1", NULL, NULL }, 1,
	    "https://app.example/cb?x=1&code=c1#f?g&h" },
	/* A '?' only in the fragment is no query. */
	{ "https://app.example/cb#a?b", { "c1", NULL, NULL }, 1,
	    "https://app.example/cb?code=c1#a?b" },
	/* '&' in the path is not a query. */
	{ "https://app.example/a&", { "c1", NULL, NULL }, 1,
	    "https://app.example/a&?code=c1" },
	/* NULL values are skipped, wherever they are. */
	{ "https://app.example/cb", { NULL, "s1", NULL }, 2,
	    "https://app.example/cb?state=s1" },
	{ "https://app.example/cb", { "c1", NULL, "https://gw" }, 3,
	    "https://app.example/cb?code=c1&iss=https%3A%2F%2Fgw" },
	{ "https://app.example/cb?x=1", { NULL, NULL, NULL }, 3,
	    "https://app.example/cb?x=1" },
	{ "https://app.example/cb#f", { NULL, NULL, NULL }, 3,
	    "https://app.example/cb#f" },
	{ "https://app.example/cb", { "c1", NULL, NULL }, 0,
	    "https://app.example/cb" },
	/* Empty value: present but empty. */
	{ "https://app.example/cb", { "", NULL, NULL }, 1,
	    "https://app.example/cb?code=" },
	/* Values needing encoding. */
	{ "https://app.example/cb", { "c1", "a b&c=d/\xc3\xa9", NULL }, 2,
	    "https://app.example/cb?code=c1&state=a%20b%26c%3Dd%2F%C3%A9" },
	{ "http://127.0.0.1:9/cb?y=%20#z", { "+#?", "%", NULL }, 2,
	    "http://127.0.0.1:9/cb?y=%20&code=%2B%23%3F&state=%25#z" },
	/* Empty base. */
	{ "", { "c1", NULL, NULL }, 1, "?code=c1" },
};

START_TEST(test_with_query)
{
	char	*s;

	s = sg_url_with_query(query_table[_i].base, q_names,
	    query_table[_i].values, query_table[_i].n);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s, query_table[_i].out);
	free(s);
}
END_TEST

/* Names are encoded too; the worst case fills the allocation exactly. */
START_TEST(test_with_query_names)
{
	static const char *const names[] = { "a b", "\xff\xff" };
	static const char *const values[] = { "\"\"", "\x01" };
	char	*s;

	s = sg_url_with_query("h#\xff", names, values, 2);
	ck_assert_str_eq(s, "h?a%20b=%22%22&%FF%FF=%01#\xff");
	free(s);
}
END_TEST

static const struct {
	const char	*url;
	int		 ok;
} loopback_table[] = {
	{ "https://app.example/cb", 1 },
	{ "https://a", 1 },
	{ "http://127.0.0.1", 1 },
	{ "http://127.0.0.1/", 1 },
	{ "http://127.0.0.1:8080", 1 },
	{ "http://127.0.0.1:8080/cb?x=1", 1 },
	{ "http://127.0.0.1/cb", 1 },
	{ "http://localhost", 1 },
	{ "http://localhost:3000/cb", 1 },
	{ "http://localhost/cb", 1 },
	{ "http://[::1]", 1 },
	{ "http://[::1]:8080/cb", 1 },
	{ "http://[::1]/", 1 },
	/* Refused. */
	{ "https://", 0 },
	{ "", 0 },
	{ "http://", 0 },
	{ "http://app.example/cb", 0 },
	{ "http://localhost.evil.com/cb", 0 },
	{ "http://localhost.evil.com", 0 },
	{ "http://localhostx", 0 },
	{ "http://127.0.0.1.evil", 0 },
	{ "http://127.0.0.1.evil/cb", 0 },
	{ "http://127.0.0.10", 0 },
	{ "http://127.0.0.1@evil.com/", 0 },
	{ "http://localhost@evil.com/", 0 },
	/* Userinfo with a "port": the host is evil (RFC 3986 §3.2.1). */
	{ "http://127.0.0.1:80@evil.com/", 0 },
	{ "http://localhost:x@evil.com/cb", 0 },
	{ "http://localhost:1@evil.com", 0 },
	{ "http://[::1]:8080@evil.com/", 0 },
	{ "http://localhost:", 0 },
	{ "http://localhost:/cb", 0 },
	{ "http://localhost:80x/cb", 0 },
	{ "http://[::1].evil", 0 },
	{ "http://[::10]", 0 },
	{ "ftp://127.0.0.1/", 0 },
	{ "ftp://example.org/", 0 },
	{ "https:/app.example", 0 },
	{ "httpx://localhost", 0 },
	{ "//localhost/cb", 0 },
	{ "javascript:alert(1)", 0 },
	{ "custom.scheme:/cb", 0 },
};

START_TEST(test_https_or_loopback)
{
	ck_assert_msg(sg_url_https_or_loopback(loopback_table[_i].url) ==
	    loopback_table[_i].ok, "%s", loopback_table[_i].url);
}
END_TEST

static Suite *
url_suite(void)
{
	Suite	*s = suite_create("url");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, test_encode, 0, NELEM(encode_table));
	tcase_add_test(tc, test_encode_all_bytes);
	tcase_add_loop_test(tc, test_with_query, 0, NELEM(query_table));
	tcase_add_test(tc, test_with_query_names);
	tcase_add_loop_test(tc, test_https_or_loopback, 0,
	    NELEM(loopback_table));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(url_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
