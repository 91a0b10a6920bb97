/* Unit tests for cookie.c: finding a cookie, Set-Cookie lines, refusals. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "bounds.h"
#include "config.h"
#include "cookie.h"
#include "request.h"
#include "testlib.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static char	https_url[] = "https://gw.example.org";
static char	http_url[] = "http://127.0.0.1:8080";

static void
cfg_init(struct sg_config *cfg, int https)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->public_url = https ? https_url : http_url;
}

/* A plain CGI request: sg_request_env() reads the environment. */
static void
req_init(struct sg_request *req)
{
	memset(req, 0, sizeof(*req));
	req->cgi = 1;
	req->method = "GET";
	req->remote_addr = "-";
}

static void
req_free(struct sg_request *req)
{
	size_t	 i;

	for (i = 0; i < req->nresp_headers; i++)
		free(req->resp_headers[i]);
	req->nresp_headers = 0;
	free(req->log_note);
}

/* A string of n copies of c (caller frees). */
static char *
repeat(char c, size_t n)
{
	char	*s = malloc(n + 1);

	ck_assert_ptr_nonnull(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* The cookie "sg_tx" looked up in each header, on https and on http. */
static const struct {
	const char	*header;	/* HTTP_COOKIE, NULL: unset */
	const char	*https;		/* expected on https, NULL: none */
	const char	*http;		/* expected on http */
} get_table[] = {
	{ NULL, NULL, NULL },
	{ "", NULL, NULL },
	{ "__Host-sg_tx=abc", "abc", NULL },
	{ "sg_tx=abc", NULL, "abc" },
	/* Among others, with and without the space after ';'. */
	{ "a=1; __Host-sg_tx=abc; b=2", "abc", NULL },
	{ "a=1;__Host-sg_tx=abc;b=2", "abc", NULL },
	{ "a=1; sg_tx=abc; b=2", NULL, "abc" },
	{ "a=1;sg_tx=abc;b=2", NULL, "abc" },
	{ "a=1;  sg_tx=abc  ;b=2", NULL, "abc" },
	{ "sg_tx=abc;", NULL, "abc" },
	{ "a=1; sg_tx=abc", NULL, "abc" },
	/* Both forms: each scheme picks its own. */
	{ "sg_tx=plain; __Host-sg_tx=host", "host", "plain" },
	/* Prefixes and suffixes of the name, alone and with the real one. */
	{ "sg_tx2=abc", NULL, NULL },
	{ "xsg_tx=abc", NULL, NULL },
	{ "sg_t=abc", NULL, NULL },
	{ "__Host-sg_tx2=abc; x__Host-sg_tx=abc", NULL, NULL },
	{ "sg_tx2=a; xsg_tx=b; sg_tx=c; sg_tx_=d", NULL, "c" },
	{ "__Host-sg_tx2=a; x__Host-sg_tx=b; __Host-sg_tx=c", "c", NULL },
	{ "SG_TX=abc; __host-sg_tx=abc", NULL, NULL },
	/* Twice: ambiguous, refused (also with an empty first one). */
	{ "sg_tx=a; sg_tx=b", NULL, NULL },
	{ "sg_tx=a; sg_tx=a", NULL, NULL },
	{ "sg_tx=; sg_tx=b", NULL, NULL },
	{ "__Host-sg_tx=a; x=1; __Host-sg_tx=b", NULL, NULL },
	/* Empty value. */
	{ "sg_tx=", NULL, NULL },
	{ "sg_tx=; a=1", NULL, NULL },
	{ "__Host-sg_tx=  ; a=1", NULL, NULL },
	/* No '=' at all, or the name as a value. */
	{ "sg_tx", NULL, NULL },
	{ "sg_tx; a=1", NULL, NULL },
	{ "a=sg_tx=1", NULL, NULL },
	/* '=' inside the value is kept. */
	{ "sg_tx=a=b", NULL, "a=b" },
	{ ";;;", NULL, NULL },
	{ "; sg_tx=v", NULL, "v" },
};

START_TEST(test_get)
{
	struct sg_request	 req;
	struct sg_config	 cfg;
	const char		*want;
	char			*v;
	int			 https;

	req_init(&req);
	if (get_table[_i].header == NULL)
		unsetenv("HTTP_COOKIE");
	else
		setenv("HTTP_COOKIE", get_table[_i].header, 1);
	for (https = 0; https <= 1; https++) {
		cfg_init(&cfg, https);
		want = https ? get_table[_i].https : get_table[_i].http;
		v = sg_cookie_get(&req, &cfg, "sg_tx");
		if (want == NULL)
			ck_assert_msg(v == NULL, "[%s] %s: got %s",
			    get_table[_i].header, https ? "https" : "http", v);
		else {
			ck_assert_msg(v != NULL, "[%s] %s: not found",
			    get_table[_i].header, https ? "https" : "http");
			ck_assert_str_eq(v, want);
		}
		free(v);
	}
	unsetenv("HTTP_COOKIE");
	req_free(&req);
}
END_TEST

/* Length limit: exactly SG_MAX_COOKIE is fine, one more is refused. */
static const struct {
	size_t	 len;
	int	 ok;
} len_table[] = {
	{ 1, 1 },
	{ SG_MAX_COOKIE - 1, 1 },
	{ SG_MAX_COOKIE, 1 },
	{ SG_MAX_COOKIE + 1, 0 },
	{ 2 * SG_MAX_COOKIE, 0 },
};

START_TEST(test_get_length)
{
	struct sg_request	 req;
	struct sg_config	 cfg;
	char			*val, *hdr, *v;
	size_t			 hlen;

	req_init(&req);
	cfg_init(&cfg, 1);
	val = repeat('A', len_table[_i].len);
	hlen = strlen(val) + 64;
	hdr = malloc(hlen);
	ck_assert_ptr_nonnull(hdr);
	snprintf(hdr, hlen, "a=1; __Host-sg_tx=%s; b=2", val);
	setenv("HTTP_COOKIE", hdr, 1);
	v = sg_cookie_get(&req, &cfg, "sg_tx");
	if (len_table[_i].ok) {
		ck_assert_ptr_nonnull(v);
		ck_assert_str_eq(v, val);
	} else
		ck_assert_ptr_null(v);
	free(v);
	/* At the end of the header too. */
	snprintf(hdr, hlen, "a=1; __Host-sg_tx=%s", val);
	setenv("HTTP_COOKIE", hdr, 1);
	v = sg_cookie_get(&req, &cfg, "sg_tx");
	ck_assert_int_eq(v != NULL, len_table[_i].ok);
	free(v);
	unsetenv("HTTP_COOKIE");
	free(hdr);
	free(val);
	req_free(&req);
}
END_TEST

static const struct {
	int		 https;
	const char	*value;
	long		 max_age;
	const char	*line;
} set_table[] = {
	{ 1, "abc", 600, "Set-Cookie: __Host-sg_tx=abc; Path=/; Max-Age=600; "
	    "HttpOnly; SameSite=Lax; Secure" },
	{ 0, "abc", 600, "Set-Cookie: sg_tx=abc; Path=/; Max-Age=600; "
	    "HttpOnly; SameSite=Lax" },
	{ 1, "AZaz09-_", 1, "Set-Cookie: __Host-sg_tx=AZaz09-_; Path=/; "
	    "Max-Age=1; HttpOnly; SameSite=Lax; Secure" },
	/* Every cookie-octet class of RFC 6265 §4.1.1. */
	{ 0, "!#$%&'()*+-./09:<=>?@AZ[]^_`az{|}~", 300,
	    "Set-Cookie: sg_tx=!#$%&'()*+-./09:<=>?@AZ[]^_`az{|}~; Path=/; "
	    "Max-Age=300; HttpOnly; SameSite=Lax" },
	{ 0, "x", 7776000, "Set-Cookie: sg_tx=x; Path=/; Max-Age=7776000; "
	    "HttpOnly; SameSite=Lax" },
};

START_TEST(test_set)
{
	struct sg_request	 req;
	struct sg_config	 cfg;

	req_init(&req);
	cfg_init(&cfg, set_table[_i].https);
	ck_assert_int_eq(sg_cookie_set(&req, &cfg, "sg_tx",
	    set_table[_i].value, set_table[_i].max_age), 0);
	ck_assert_uint_eq(req.nresp_headers, 1);
	ck_assert_str_eq(req.resp_headers[0], set_table[_i].line);
	req_free(&req);
}
END_TEST

/* Not cookie-octets: refused, and no header added. */
static const char *const bad_values[] = {
	"a;b", "a b", "\"ab\"", "a,b", "a\\b", " ", ";", "a\tb", "a\rb",
	"a\nb", "a\x7f", "\x01", "\xc3\xa9", "ab;", "ab,", "ab\"",
};

START_TEST(test_set_refused)
{
	struct sg_request	 req;
	struct sg_config	 cfg;
	int			 https;

	req_init(&req);
	for (https = 0; https <= 1; https++) {
		cfg_init(&cfg, https);
		ck_assert_int_eq(sg_cookie_set(&req, &cfg, "sg_tx",
		    bad_values[_i], 60), -1);
		ck_assert_uint_eq(req.nresp_headers, 0);
	}
	req_free(&req);
}
END_TEST

/* The scheme is case-insensitive (RFC 3986 §3.1): HTTPS:// is https. */
START_TEST(test_set_https_any_case)
{
	static char		 upper[] = "HTTPS://GW.example.org";
	struct sg_request	 req;
	struct sg_config	 cfg;

	req_init(&req);
	cfg_init(&cfg, 1);
	cfg.public_url = upper;
	ck_assert_int_eq(sg_cookie_set(&req, &cfg, "sg_tx", "abc", 600), 0);
	ck_assert_uint_eq(req.nresp_headers, 1);
	ck_assert_str_eq(req.resp_headers[0], "Set-Cookie: __Host-sg_tx=abc; "
	    "Path=/; Max-Age=600; HttpOnly; SameSite=Lax; Secure");
	req_free(&req);
}
END_TEST

START_TEST(test_clear)
{
	struct sg_request	 req;
	struct sg_config	 cfg;

	req_init(&req);
	cfg_init(&cfg, 1);
	ck_assert_int_eq(sg_cookie_clear(&req, &cfg, "sg_tx"), 0);
	cfg_init(&cfg, 0);
	ck_assert_int_eq(sg_cookie_clear(&req, &cfg, "sg_launch"), 0);
	ck_assert_uint_eq(req.nresp_headers, 2);
	ck_assert_str_eq(req.resp_headers[0], "Set-Cookie: __Host-sg_tx=; "
	    "Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure");
	ck_assert_str_eq(req.resp_headers[1], "Set-Cookie: sg_launch=; "
	    "Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
	req_free(&req);
}
END_TEST

/* What sg_cookie_set writes, a browser sending it back is found again. */
START_TEST(test_set_then_get)
{
	struct sg_request	 req;
	struct sg_config	 cfg;
	char			 hdr[256], *v;
	const char		*p, *semi;
	int			 https;

	for (https = 0; https <= 1; https++) {
		req_init(&req);
		cfg_init(&cfg, https);
		ck_assert_int_eq(sg_cookie_set(&req, &cfg, "sg_tx",
		    "eyJ0-x_y", 60), 0);
		p = req.resp_headers[0] + strlen("Set-Cookie: ");
		semi = strchr(p, ';');
		ck_assert_ptr_nonnull(semi);
		snprintf(hdr, sizeof(hdr), "other=1; %.*s", (int)(semi - p), p);
		setenv("HTTP_COOKIE", hdr, 1);
		v = sg_cookie_get(&req, &cfg, "sg_tx");
		ck_assert_ptr_nonnull(v);
		ck_assert_str_eq(v, "eyJ0-x_y");
		free(v);
		/* The other scheme's name is not ours. */
		cfg_init(&cfg, !https);
		ck_assert_ptr_null(sg_cookie_get(&req, &cfg, "sg_tx"));
		unsetenv("HTTP_COOKIE");
		req_free(&req);
	}
}
END_TEST

/*
 * A cookie scoped to a path (the connected-apps session): Path is that
 * path, so on https it is __Secure- (RFC 6265bis §4.1.3.1), not __Host-
 * (which wants Path=/); it is found again only under its own name, and
 * a path that could break the header is refused.
 */
START_TEST(test_scoped)
{
	struct sg_request	 req;
	struct sg_config	 cfg;
	char			*v;

	req_init(&req);
	cfg_init(&cfg, 1);
	ck_assert_int_eq(sg_cookie_set_at(&req, &cfg, "sg_ms", "/auth/manage",
	    "abc", 900), 0);
	ck_assert_int_eq(sg_cookie_clear_at(&req, &cfg, "sg_ms",
	    "/auth/manage"), 0);
	cfg_init(&cfg, 0);
	ck_assert_int_eq(sg_cookie_set_at(&req, &cfg, "sg_ms", "/auth/manage",
	    "abc", 900), 0);
	ck_assert_int_eq(sg_cookie_set_at(&req, &cfg, "sg_ms", "/a;b", "abc",
	    1), -1);
	ck_assert_int_eq(sg_cookie_set_at(&req, &cfg, "sg_ms", "/a\r\nX: y",
	    "abc", 1), -1);
	ck_assert_int_eq(sg_cookie_set_at(&req, &cfg, "sg_ms", "auth", "abc",
	    1), -1);
	ck_assert_uint_eq(req.nresp_headers, 3);
	ck_assert_str_eq(req.resp_headers[0], "Set-Cookie: __Secure-sg_ms=abc; "
	    "Path=/auth/manage; Max-Age=900; HttpOnly; SameSite=Lax; Secure");
	ck_assert_str_eq(req.resp_headers[1], "Set-Cookie: __Secure-sg_ms=; "
	    "Path=/auth/manage; Max-Age=0; HttpOnly; SameSite=Lax; Secure");
	ck_assert_str_eq(req.resp_headers[2], "Set-Cookie: sg_ms=abc; "
	    "Path=/auth/manage; Max-Age=900; HttpOnly; SameSite=Lax");
	req_free(&req);

	req_init(&req);
	cfg_init(&cfg, 1);
	setenv("HTTP_COOKIE", "__Host-sg_ms=host; __Secure-sg_ms=sec", 1);
	v = sg_cookie_get_at(&req, &cfg, "sg_ms", "/auth/manage");
	ck_assert_str_eq(v, "sec");
	free(v);
	v = sg_cookie_get(&req, &cfg, "sg_ms");
	ck_assert_str_eq(v, "host");
	free(v);
	setenv("HTTP_COOKIE", "sg_ms=plain", 1);
	ck_assert_ptr_null(sg_cookie_get_at(&req, &cfg, "sg_ms",
	    "/auth/manage"));
	unsetenv("HTTP_COOKIE");
	req_free(&req);
}
END_TEST

static Suite *
cookie_suite(void)
{
	Suite	*s = suite_create("cookie");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, test_get, 0, NELEM(get_table));
	tcase_add_loop_test(tc, test_get_length, 0, NELEM(len_table));
	tcase_add_loop_test(tc, test_set, 0, NELEM(set_table));
	tcase_add_loop_test(tc, test_set_refused, 0, NELEM(bad_values));
	tcase_add_test(tc, test_set_https_any_case);
	tcase_add_test(tc, test_clear);
	tcase_add_test(tc, test_set_then_get);
	tcase_add_test(tc, test_scoped);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tl_run(cookie_suite());
}
