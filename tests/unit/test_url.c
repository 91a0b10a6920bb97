/* Unit tests for url.c: the URL parser, percent-encoding, query building. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "bounds.h"
#include "url.h"
#include "testlib.h"

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


#define LB	SG_URL_LOOPBACK_HTTP
#define HT	SG_URL_HTTP
#define FR	SG_URL_FRAGMENT
#define NQ	SG_URL_NO_QUERY

/*
 * One table of good and bad URLs under each rule set: origin and
 * host (NULL when refused) or the reason, loopback, path.
 */
static const struct {
	const char	*url;
	unsigned	 rules;
	const char	*origin;	/* NULL: refused */
	const char	*why;		/* refused: the reason */
	int		 loopback;
	const char	*path;
} parse_table[] = {
	{ "https://app.example/cb", 0, "https://app.example", NULL, 0, "/cb" },
	{ "https://a", 0, "https://a", NULL, 0, "" },
	/* Scheme and host compared in lower case (RFC 3986 §6.2.2.1). */
	{ "HTTPS://App.Example", 0, "https://app.example", NULL, 0, "" },
	{ "HTTPS://App.Example/CB?X=1", 0, "https://app.example", NULL, 0,
	    "/CB?X=1" },
	{ "hTTpS://APP.EXAMPLE:8443/", 0, "https://app.example:8443", NULL, 0,
	    "/" },
	/* Default ports are no part of an origin (RFC 6454 §6.2). */
	{ "https://app.example:443/cb", 0, "https://app.example", NULL, 0,
	    "/cb" },
	{ "http://app.example:80/", HT, "http://app.example", NULL, 0, "/" },
	{ "http://app.example:443/", HT, "http://app.example:443", NULL, 0,
	    "/" },
	{ "https://app.example:80/", 0, "https://app.example:80", NULL, 0,
	    "/" },
	{ "https://app.example:65535", 0, "https://app.example:65535", NULL,
	    0, "" },
	{ "https://app.example/cb?x=1&y=%2F", 0, "https://app.example", NULL,
	    0, "/cb?x=1&y=%2F" },
	{ "https://app.example?x", 0, "https://app.example", NULL, 0, "?x" },
	{ "https://10.0.0.1:443/a/b;c=d/e:f@g", 0, "https://10.0.0.1", NULL, 0,
	    "/a/b;c=d/e:f@g" },
	/* Loopback: http only where it is allowed (RFC 8252 §7.3). */
	{ "http://127.0.0.1:8080", LB, "http://127.0.0.1:8080", NULL, 1, "" },
	{ "http://127.0.0.1:8080", 0, NULL, "must be an absolute https URL",
	    0, NULL },
	{ "http://127.0.0.1:8080", HT, "http://127.0.0.1:8080", NULL, 1, "" },
	{ "http://LocalHost:3000/cb", LB, "http://localhost:3000", NULL, 1,
	    "/cb" },
	{ "http://[::1]/", LB, "http://[::1]", NULL, 1, "/" },
	{ "https://[::1]:9/", 0, "https://[::1]:9", NULL, 1, "/" },
	{ "https://[0:0:0:0:0:0:0:1]:9/", 0, "https://[::1]:9", NULL, 1, "/" },
	{ "https://[2001:DB8::1]/", 0, "https://[2001:db8::1]", NULL, 0, "/" },
	{ "https://localhost/", 0, "https://localhost", NULL, 1, "/" },
	/*
	 * IPv4 shorthands name the address a client connects to (WHATWG
	 * URL "IPv4 parser", as libcurl reads them): judged as that host.
	 */
	{ "http://127.1:8080/cb", LB, "http://127.0.0.1:8080", NULL, 1, "/cb" },
	{ "http://0x7f.0.0.1/", LB, "http://127.0.0.1", NULL, 1, "/" },
	{ "http://0177.0.0.1/", LB, "http://127.0.0.1", NULL, 1, "/" },
	{ "https://2130706433/", 0, "https://127.0.0.1", NULL, 1, "/" },
	{ "https://10.1.65535/", 0, "https://10.1.255.255", NULL, 0, "/" },
	{ "https://10.1.65536/", 0, "https://10.1.65536", NULL, 0, "/" },
	{ "https://1.2.3.4.5/", 0, "https://1.2.3.4.5", NULL, 0, "/" },
	{ "https://08.1/", 0, "https://08.1", NULL, 0, "/" },
	{ "http://127.0.0.1.nip.example/", LB, NULL, "http is allowed only "
	    "for 127.0.0.1, localhost and [::1] (RFC 8252 §7.3); use https",
	    0, NULL },
	{ "https://[::ffff:127.0.0.1]/", 0, "https://[::ffff:127.0.0.1]", NULL,
	    0, "/" },
	{ "https://[1:2]/", 0, NULL, "is not a valid URL", 0, NULL },
	{ "http://app.example/cb", LB, NULL, "http is allowed only for "
	    "127.0.0.1, localhost and [::1] (RFC 8252 §7.3); use https", 0,
	    NULL },
	{ "http://127.0.0.2/cb", LB, NULL, "http is allowed only for "
	    "127.0.0.1, localhost and [::1] (RFC 8252 §7.3); use https", 0,
	    NULL },
	{ "http://localhost.evil.example/", LB, NULL, "http is allowed only "
	    "for 127.0.0.1, localhost and [::1] (RFC 8252 §7.3); use https",
	    0, NULL },
	{ "http://app.example/cb", HT, "http://app.example", NULL, 0, "/cb" },
	/* User information hides the host (RFC 3986 §3.2.1). */
	{ "https://user@app.example/", 0, NULL,
	    "must not contain user information", 0, NULL },
	{ "https://u:p@app.example/", HT, NULL,
	    "must not contain user information", 0, NULL },
	{ "http://127.0.0.1:80@evil.example/", LB, NULL,
	    "must not contain user information", 0, NULL },
	{ "https://@app.example/", 0, NULL,
	    "must not contain user information", 0, NULL },
	/* Fragments (RFC 6749 §3.1.2) and queries, by rule. */
	{ "https://app.example/cb#f", 0, NULL, "must not have a fragment", 0,
	    NULL },
	{ "https://app.example/cb#", 0, NULL, "must not have a fragment", 0,
	    NULL },
	{ "https://app.example/cb#f", FR, "https://app.example", NULL, 0,
	    "/cb#f" },
	{ "https://app.example/cb#f#g", FR, NULL,
	    "has a character not allowed in a URL", 0, NULL },
	{ "https://app.example/cb#f?g", FR | NQ, "https://app.example", NULL,
	    0, "/cb#f?g" },
	{ "https://app.example/?x", NQ, NULL, "must not have a query", 0,
	    NULL },
	{ "https://app.example?", NQ, NULL, "must not have a query", 0,
	    NULL },
	/* CR, LF, controls, spaces, non-ASCII. */
	{ "https://a.example\r\n", 0, NULL, "must not contain spaces, "
	    "control or non-ASCII characters", 0, NULL },
	{ "https://a.example/\r\nSet-Cookie:x", 0, NULL, "must not contain "
	    "spaces, control or non-ASCII characters", 0, NULL },
	{ "https://a.example/c b", 0, NULL, "must not contain spaces, "
	    "control or non-ASCII characters", 0, NULL },
	{ " https://a.example/", 0, NULL, "must not contain spaces, "
	    "control or non-ASCII characters", 0, NULL },
	{ "https://a.example/\t", 0, NULL, "must not contain spaces, "
	    "control or non-ASCII characters", 0, NULL },
	{ "https://a.example/\x7f", 0, NULL, "must not contain spaces, "
	    "control or non-ASCII characters", 0, NULL },
	{ "https://a.example/\xc3\xa9", 0, NULL, "must not contain spaces, "
	    "control or non-ASCII characters", 0, NULL },
	{ "https://\xc3\xa9.example/", 0, NULL, "must not contain spaces, "
	    "control or non-ASCII characters", 0, NULL },
	{ "https://a.example/<x>", 0, NULL,
	    "has a character not allowed in a URL", 0, NULL },
	{ "https://a.example/a\"b", 0, NULL,
	    "has a character not allowed in a URL", 0, NULL },
	{ "https://a.example/[x]", 0, NULL,
	    "has a character not allowed in a URL", 0, NULL },
	/* A browser reads '\' as '/': host "app", not "app.example". */
	{ "https://app\\.example/", 0, NULL,
	    "has a character not allowed in a URL", 0, NULL },
	/* Percent escapes: well formed in the path, never in the host. */
	{ "https://a.example/%zz", 0, NULL, "has a malformed percent escape",
	    0, NULL },
	{ "https://a.example/%4", 0, NULL, "has a malformed percent escape",
	    0, NULL },
	{ "https://a%2eexample/", 0, NULL, "has an invalid host", 0, NULL },
	{ "http://127.0.0.1%2f@evil/", LB, NULL,
	    "must not contain user information", 0, NULL },
	{ "https://[fe80::1%25eth0]/", 0, NULL, "has an invalid host", 0,
	    NULL },
	/* Hosts. */
	{ "https://", 0, NULL, "must have a host", 0, NULL },
	{ "https:///cb", 0, NULL, "must have a host", 0, NULL },
	{ "https://:443/", 0, NULL, "must have a host", 0, NULL },
	{ "https://?x", 0, NULL, "must have a host", 0, NULL },
	{ "https://a_b.example/", 0, NULL, "has an invalid host", 0, NULL },
	{ "https://a!b/", 0, NULL, "has an invalid host", 0, NULL },
	{ "https://[::1/", 0, NULL, "has an invalid host", 0, NULL },
	{ "https://[]/", 0, NULL, "has an invalid host", 0, NULL },
	{ "https://[zz]/", 0, NULL, "has an invalid host", 0, NULL },
	{ "https://[::1]x/", 0, NULL, "has an invalid host", 0, NULL },
	/* Ports. */
	{ "https://a.example:0/", 0, NULL, "has an invalid port", 0, NULL },
	{ "https://a.example:65536/", 0, NULL, "has an invalid port", 0,
	    NULL },
	{ "https://a.example:/cb", 0, NULL, "has an invalid port", 0, NULL },
	{ "https://a.example:0000443/", 0, NULL, "has an invalid port", 0,
	    NULL },
	{ "https://a.example:8a/", 0, NULL, "has an invalid port", 0, NULL },
	{ "https://a.example:-1/", 0, NULL, "has an invalid port", 0, NULL },
	{ "http://localhost:", LB, NULL, "has an invalid port", 0, NULL },
	/* Not absolute http(s). */
	{ "", 0, NULL, "must be an absolute https URL", 0, NULL },
	{ "", HT, NULL, "must be an absolute http or https URL", 0, NULL },
	{ "/cb", 0, NULL, "must be an absolute https URL", 0, NULL },
	{ "//app.example/cb", 0, NULL, "must be an absolute https URL", 0,
	    NULL },
	{ "https:/app.example", 0, NULL, "must be an absolute https URL", 0,
	    NULL },
	{ "https:app.example", 0, NULL, "must be an absolute https URL", 0,
	    NULL },
	{ "ftp://app.example/", HT, NULL,
	    "must be an absolute http or https URL", 0, NULL },
	{ "javascript:alert(1)", HT, NULL,
	    "must be an absolute http or https URL", 0, NULL },
	{ "com.example.app:/cb", 0, NULL, "must be an absolute https URL", 0,
	    NULL },
	{ "httpx://localhost", LB, NULL, "must be an absolute https URL", 0,
	    NULL },
};

START_TEST(test_parse)
{
	struct sg_url	 u;
	const char	*why = NULL, *url = parse_table[_i].url;
	int		 rc;

	rc = sg_url_parse(url, parse_table[_i].rules, &u, &why);
	if (parse_table[_i].origin == NULL) {
		ck_assert_msg(rc == -1, "%s: accepted", url);
		ck_assert_msg(why != NULL && strcmp(why,
		    parse_table[_i].why) == 0, "%s: %s", url, why);
		ck_assert_ptr_null(u.origin);
		ck_assert_ptr_null(u.host);
		ck_assert_str_eq(sg_url_check(url, parse_table[_i].rules),
		    parse_table[_i].why);
		return;
	}
	ck_assert_msg(rc == 0, "%s: %s", url, why);
	ck_assert_str_eq(u.origin, parse_table[_i].origin);
	ck_assert_int_eq(u.loopback, parse_table[_i].loopback);
	ck_assert_int_eq(u.https, strncmp(u.origin, "https:", 6) == 0);
	ck_assert_ptr_eq(u.path, url + strlen(url) -
	    strlen(parse_table[_i].path));
	ck_assert_str_eq(u.path, parse_table[_i].path);
	ck_assert_ptr_null(sg_url_check(url, parse_table[_i].rules));
	sg_url_clear(&u);
	ck_assert_ptr_null(u.origin);
}
END_TEST

/* At most SG_MAX_URL bytes; one more is refused, unread past the cap. */
START_TEST(test_parse_length)
{
	char	*url, *o;
	size_t	 n = SG_MAX_URL;

	url = malloc(n + 2);
	ck_assert_ptr_nonnull(url);
	memcpy(url, "https://a.example/", 18);
	memset(url + 18, 'x', n - 18);
	url[n] = '\0';
	ck_assert_ptr_null(sg_url_check(url, 0));
	o = sg_url_origin(url);
	ck_assert_str_eq(o, "https://a.example");
	free(o);
	url[n] = 'x';
	url[n + 1] = '\0';
	ck_assert_str_eq(sg_url_check(url, 0), "longer than 2048 bytes");
	ck_assert_ptr_null(sg_url_origin(url));
	ck_assert_int_eq(sg_url_https_or_loopback(url), 0);
	free(url);
}
END_TEST

/*
 * The origin of a redirect URI as a browser sends it in Origin: the
 * token endpoint's CORS and the consent page's form-action use it.
 */
static const struct {
	const char	*url;
	const char	*origin;
} origin_table[] = {
	{ "HTTPS://App.Example", "https://app.example" },
	{ "HTTPS://App.Example/cb?x=1#f", "https://app.example" },
	{ "https://app.example:443/cb", "https://app.example" },
	{ "http://localhost:8080/cb", "http://localhost:8080" },
	{ "http://app.example:80", "http://app.example" },
	{ "http://app.example:8080", "http://app.example:8080" },
	{ "https://[::1]:9/", "https://[::1]:9" },
	{ "https://a.example\r\n", NULL },
	{ "https://u@a.example/", NULL },
	{ "https:///x", NULL },
	{ "https://a%2eexample/", NULL },
	{ "ftp://a.example/", NULL },
	{ "", NULL },
};

START_TEST(test_origin)
{
	char	*o;

	o = sg_url_origin(origin_table[_i].url);
	if (origin_table[_i].origin == NULL)
		ck_assert_msg(o == NULL, "%s: %s", origin_table[_i].url, o);
	else
		ck_assert_msg(o != NULL && strcmp(o,
		    origin_table[_i].origin) == 0, "%s: %s",
		    origin_table[_i].url, o);
	free(o);
}
END_TEST

START_TEST(test_path)
{
	static const struct {
		const char	*url, *path;
	} t[] = {
		{ "https://a.example/auth", "/auth" },
		{ "HTTPS://A.example/auth", "/auth" },
		{ "http://a.example:8080/x/y", "/x/y" },
		{ "https://a.example", "" },
		{ "https://a.example?q", "?q" },
		{ "https://a.example#f", "#f" },
		{ "ftp://a.example/x", NULL },
		{ "/auth", NULL },
		{ "", NULL },
	};
	size_t		 i;
	const char	*p;

	for (i = 0; i < NELEM(t); i++) {
		p = sg_url_path(t[i].url);
		if (t[i].path == NULL)
			ck_assert_msg(p == NULL, "%s", t[i].url);
		else
			ck_assert_msg(p != NULL && strcmp(p, t[i].path) == 0,
			    "%s", t[i].url);
	}
	ck_assert_int_eq(sg_url_is_https("HTTPS://a.example"), 1);
	ck_assert_int_eq(sg_url_is_https("https://a.example/#x"), 1);
	ck_assert_int_eq(sg_url_is_https("http://a.example"), 0);
	ck_assert_int_eq(sg_url_is_https("https:/a.example"), 0);
	ck_assert_int_eq(sg_url_is_https("https://u@a.example"), 0);
}
END_TEST

START_TEST(test_join)
{
	static const struct {
		const char	*base, *path, *out;
	} t[] = {
		{ "https://gw", "/auth", "https://gw/auth" },
		{ "https://gw/", "/auth", "https://gw/auth" },
		{ "https://gw/", "auth", "https://gw/auth" },
		{ "https://gw", "auth", "https://gw/auth" },
		{ "https://gw/auth", "/token", "https://gw/auth/token" },
		{ "https://gw/auth", "", "https://gw/auth" },
		{ "", "/x", "/x" },
	};
	size_t	 i;
	char	*s;

	for (i = 0; i < NELEM(t); i++) {
		s = sg_url_join(t[i].base, t[i].path);
		ck_assert_str_eq(s, t[i].out);
		free(s);
	}
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
	/* Case does not matter: an uppercase jwks_uri is fetched too. */
	{ "HTTPS://Keys.Example/jwks", 1 },
	{ "HTTP://LOCALHOST:9/jwks", 1 },
	{ "Http://[::1]:9/jwks", 1 },
	/* Refused. */
	{ "https://keys.example/jwks#k", 0 },
	{ "https://a.example\r\n", 0 },
	{ "https://a%2eexample/", 0 },
	{ "http://%6cocalhost/", 0 },
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
	tcase_add_loop_test(tc, test_parse, 0, NELEM(parse_table));
	tcase_add_test(tc, test_parse_length);
	tcase_add_loop_test(tc, test_origin, 0, NELEM(origin_table));
	tcase_add_test(tc, test_path);
	tcase_add_test(tc, test_join);
	tcase_add_loop_test(tc, test_https_or_loopback, 0,
	    NELEM(loopback_table));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tl_run(url_suite());
}
