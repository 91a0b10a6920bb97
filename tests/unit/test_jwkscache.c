/*
 * Unit tests for jwkscache.c, against a tiny HTTP server in a thread
 * (loopback, ephemeral port) that counts fetches per path, with a clock
 * the test moves: the TTL, the early re-fetch for an unknown kid and
 * the wait after a failure each end exactly when they should; stale
 * keys are never served; documents that are not a JWKS, keys of other
 * algorithms and URLs that are neither https nor loopback http are
 * refused; the least recently used URL is the one dropped.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>
#include <json-c/json.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "bounds.h"
#include "http.h"
#include "jwk.h"
#include "jwkscache.h"
#include "keys.h"
#include "status.h"
#include "testlib.h"

#define TIMEOUT_MS	5000	/* generous: valgrind is slow */
#define TTL		300
#define REFETCH		30
#define NPATHS		3

/* Keys made once in main(): generation is slow. */
static EVP_PKEY	*k_rsa;		/* kid r1 */
static EVP_PKEY	*k_ec;		/* P-384, kid e1 */
static EVP_PKEY	*k_ec256;	/* P-256, kid p1: not an ES384 key */

/* The server: /jwks0 .. /jwks2 serve the same body. */
struct srv {
	struct tl_srv	 tl;
	atomic_int	 fetches[NPATHS];
	pthread_mutex_t	 mu;
	char		*body;
	int		 status;
	char		*headers;	/* extra header lines, or NULL */
};
static struct srv	 srv;

static struct sg_http		*http;
static struct sg_jwkscache	*cache;
static time_t			 fake_now;
static char			 url[NPATHS][128];

static time_t
fake_clock(void)
{
	return fake_now;
}

static void
serve(struct tl_srv *s, int fd)
{
	char		 buf[8192], line[32], path[256], hdrs[512];
	size_t		 headlen;
	int		 status, i;
	char		*body;

	if (tl_read_request(s, fd, buf, sizeof(buf), &headlen) <= 0)
		return;
	if (sscanf(buf, "GET %255s", path) != 1)
		return;
	pthread_mutex_lock(&srv.mu);
	status = srv.status;
	body = strdup(srv.body != NULL ? srv.body : "{\"keys\":[]}");
	snprintf(hdrs, sizeof(hdrs), "Content-Type: application/json\r\n"
	    "Connection: close\r\n%s", srv.headers != NULL ? srv.headers : "");
	pthread_mutex_unlock(&srv.mu);
	if (strncmp(path, "/jwks", 5) == 0 && (i = path[5] - '0') >= 0 &&
	    i < NPATHS && path[6] == '\0')
		atomic_fetch_add(&srv.fetches[i], 1);
	else
		status = 404;
	snprintf(line, sizeof(line), "%d X", status);
	(void)tl_answer(fd, line, hdrs, body, strlen(body));
	free(body);
}

/* Serves body (copied) with status. */
static void
serve_text(const char *body, int status)
{
	pthread_mutex_lock(&srv.mu);
	free(srv.body);
	srv.body = strdup(body);
	srv.status = status;
	pthread_mutex_unlock(&srv.mu);
}

/* Sends these header lines ("Name: value\r\n"...) too; NULL: none. */
static void
serve_headers(const char *h)
{
	pthread_mutex_lock(&srv.mu);
	free(srv.headers);
	srv.headers = h != NULL ? strdup(h) : NULL;
	pthread_mutex_unlock(&srv.mu);
}

/* Serves a JWKS of the keys given (NULL ends), with their kids. */
static void
serve_keys(EVP_PKEY *a, enum sg_alg aa, const char *akid, EVP_PKEY *b,
    enum sg_alg ba, const char *bkid)
{
	json_object	*doc = tl_jwks_of(a, aa, akid, b, ba, bkid);

	serve_text(json_object_to_json_string(doc), 200);
	json_object_put(doc);
}

static struct sg_jwkscache *
cache_new(size_t slots)
{
	struct sg_jwkscache_conf	 conf = { slots, TTL, REFETCH,
	    SG_ALG_RS384, SG_ALG_ES384, fake_clock };

	return sg_jwkscache_new(http, &conf);
}

static void
setup(void)
{
	int	 i;

	memset(&srv, 0, sizeof(srv));
	pthread_mutex_init(&srv.mu, NULL);
	tl_srv_start(&srv.tl, serve);
	for (i = 0; i < NPATHS; i++)
		snprintf(url[i], sizeof(url[i]), "http://127.0.0.1:%d/jwks%d",
		    srv.tl.port, i);
	serve_keys(k_rsa, SG_ALG_RS384, "r1", NULL, SG_ALG_NONE, NULL);
	ck_assert_ptr_nonnull(http = sg_http_new(TIMEOUT_MS, NULL));
	fake_now = 1000;
	ck_assert_ptr_nonnull(cache = cache_new(2));
}

static void
teardown(void)
{
	sg_jwkscache_free(cache);
	cache = NULL;
	sg_http_free(http);
	http = NULL;
	tl_srv_stop(&srv.tl);
	free(srv.body);
	srv.body = NULL;
	free(srv.headers);
	srv.headers = NULL;
	pthread_mutex_destroy(&srv.mu);
}

#define FETCHES(i)	atomic_load(&srv.fetches[i])

/* get on url[i] at time t; the kids of the keys go into kids. */
static enum sg_status
get_at(int i, time_t t, char *kids, size_t len)
{
	const struct sg_jwk	*keys;
	const char		*why = NULL;
	size_t			 n, k;
	enum sg_status		 st;

	fake_now = t;
	st = sg_jwkscache_get(cache, NULL, url[i], &keys, &n, &why);
	ck_assert_ptr_nonnull(why);
	kids[0] = '\0';
	if (st != SG_OK) {
		ck_assert_ptr_null(keys);
		ck_assert_uint_eq(n, 0);
		return st;
	}
	ck_assert_uint_ge(n, 1);
	for (k = 0; k < n; k++) {
		ck_assert_ptr_nonnull(keys[k].pkey);
		if (k > 0)
			strncat(kids, ",", len - strlen(kids) - 1);
		strncat(kids, keys[k].kid, len - strlen(kids) - 1);
	}
	return st;
}

static enum sg_status
refetch_at(int i, time_t t)
{
	const struct sg_jwk	*keys;
	const char		*why = NULL;
	size_t			 n;

	fake_now = t;
	return sg_jwkscache_refetch(cache, NULL, url[i], &keys, &n, &why);
}

/* Fetched once, kept exactly TTL seconds of its clock. */
START_TEST(test_ttl)
{
	char	 kids[64];

	ck_assert_int_eq(get_at(0, 1000, kids, sizeof(kids)), SG_OK);
	ck_assert_str_eq(kids, "r1");
	ck_assert_int_eq(FETCHES(0), 1);
	ck_assert_int_eq(get_at(0, 1000 + TTL - 1, kids, sizeof(kids)), SG_OK);
	ck_assert_int_eq(FETCHES(0), 1);
	serve_keys(k_rsa, SG_ALG_RS384, "r1", k_ec, SG_ALG_ES384, "e1");
	ck_assert_int_eq(get_at(0, 1000 + TTL, kids, sizeof(kids)), SG_OK);
	ck_assert_str_eq(kids, "r1,e1");
	ck_assert_int_eq(FETCHES(0), 2);
	/* A clock that went back: the keys are not trusted as fresh. */
	ck_assert_int_eq(get_at(0, 900, kids, sizeof(kids)), SG_OK);
	ck_assert_int_eq(FETCHES(0), 3);
}
END_TEST

/* Expired keys are never served, even when the refresh fails. */
START_TEST(test_stale_not_served)
{
	char	 kids[64];

	ck_assert_int_eq(get_at(0, 1000, kids, sizeof(kids)), SG_OK);
	serve_text("{\"keys\":[]}", 500);
	ck_assert_int_eq(get_at(0, 1000 + TTL, kids, sizeof(kids)),
	    SG_E_UPSTREAM);
	ck_assert_int_eq(FETCHES(0), 2);
	/* No retry within REFETCH seconds of the failure, then one. */
	ck_assert_int_eq(get_at(0, 1000 + TTL + REFETCH - 1, kids,
	    sizeof(kids)), SG_E_UNAVAILABLE);
	ck_assert_int_eq(FETCHES(0), 2);
	serve_keys(k_ec, SG_ALG_ES384, "e1", NULL, SG_ALG_NONE, NULL);
	ck_assert_int_eq(get_at(0, 1000 + TTL + REFETCH, kids, sizeof(kids)),
	    SG_OK);
	ck_assert_str_eq(kids, "e1");
	ck_assert_int_eq(FETCHES(0), 3);
}
END_TEST

/* An unknown kid: one early re-fetch per REFETCH seconds per URL. */
START_TEST(test_refetch)
{
	char	 kids[64];

	ck_assert_int_eq(get_at(0, 1000, kids, sizeof(kids)), SG_OK);
	serve_keys(k_rsa, SG_ALG_RS384, "r1", k_ec, SG_ALG_ES384, "e1");
	ck_assert_int_eq(refetch_at(0, 1000), SG_OK);
	ck_assert_int_eq(FETCHES(0), 2);
	ck_assert_int_eq(get_at(0, 1001, kids, sizeof(kids)), SG_OK);
	ck_assert_str_eq(kids, "r1,e1");
	ck_assert_int_eq(refetch_at(0, 1000 + REFETCH - 1), SG_E_UNAVAILABLE);
	ck_assert_int_eq(FETCHES(0), 2);
	/* Another URL has its own allowance. */
	ck_assert_int_eq(refetch_at(1, 1000 + REFETCH - 1), SG_OK);
	ck_assert_int_eq(FETCHES(1), 1);
	/* A failed re-fetch keeps the fresh keys. */
	serve_text("not json", 200);
	ck_assert_int_eq(refetch_at(0, 1000 + REFETCH), SG_E_UPSTREAM);
	ck_assert_int_eq(FETCHES(0), 3);
	ck_assert_int_eq(get_at(0, 1000 + REFETCH, kids, sizeof(kids)),
	    SG_OK);
	ck_assert_str_eq(kids, "r1,e1");
	ck_assert_int_eq(FETCHES(0), 3);
	/* The re-fetch made the keys fresh again: the TTL counts from it. */
	serve_keys(k_rsa, SG_ALG_RS384, "r1", NULL, SG_ALG_NONE, NULL);
	ck_assert_int_eq(refetch_at(0, 1000 + 2 * REFETCH), SG_OK);
	ck_assert_int_eq(get_at(0, 1000 + 2 * REFETCH + TTL - 1, kids,
	    sizeof(kids)), SG_OK);
	ck_assert_str_eq(kids, "r1");
	ck_assert_int_eq(FETCHES(0), 4);
}
END_TEST

/* Cache-Control values and the lifetime they allow, with ttl TTL. */
static const struct {
	const char	*cc;
	long		 want;
} cc_table[] = {
	{ NULL, TTL },
	{ "", TTL },
	{ "public", TTL },
	{ "max-age=0", 0 },
	{ "max-age=10", 10 },
	{ "MAX-AGE=10", 10 },
	{ "public, max-age=60", 60 },
	{ "max-age=60 , must-revalidate", 60 },
	{ "max-age=\"45\"", 45 },
	{ "max-age=3600", TTL },
	{ "max-age=99999999999999999999999", TTL },
	{ "max-age=60, max-age=20", 20 },
	{ "s-maxage=5", TTL },
	{ "no-cache", 0 },
	{ "No-Store", 0 },
	{ "max-age=60, no-store", 0 },
	{ "no-cache=\"set-cookie\"", 0 },
	{ "max-age", 0 },
	{ "max-age=", 0 },
	{ "max-age=-1", 0 },
	{ "max-age=1x", 0 },
	{ "max-age=\"", 0 },
	{ ",,,", TTL },
	{ "max-age-x=5", TTL },
};

START_TEST(test_max_age_parse)
{
	ck_assert_msg(sg_jwkscache_max_age(cc_table[_i].cc, TTL) ==
	    cc_table[_i].want, "\"%s\": %ld, want %ld",
	    cc_table[_i].cc != NULL ? cc_table[_i].cc : "(null)",
	    sg_jwkscache_max_age(cc_table[_i].cc, TTL), cc_table[_i].want);
}
END_TEST

/*
 * The JWKS server's Cache-Control cuts the TTL (key rotation at the
 * client): max-age=0 fetches on every use, max-age=N keeps N seconds,
 * never more than TTL.
 */
START_TEST(test_cache_control)
{
	char	 kids[64];

	serve_headers("Cache-Control: max-age=0\r\n");
	ck_assert_int_eq(get_at(0, 1000, kids, sizeof(kids)), SG_OK);
	ck_assert_int_eq(get_at(0, 1000, kids, sizeof(kids)), SG_OK);
	ck_assert_int_eq(FETCHES(0), 2);
	/* A rotated key is served at once. */
	serve_keys(k_ec, SG_ALG_ES384, "e1", NULL, SG_ALG_NONE, NULL);
	ck_assert_int_eq(get_at(0, 1001, kids, sizeof(kids)), SG_OK);
	ck_assert_str_eq(kids, "e1");
	ck_assert_int_eq(FETCHES(0), 3);

	serve_headers("Cache-Control: public, max-age=10\r\n");
	ck_assert_int_eq(get_at(1, 1000, kids, sizeof(kids)), SG_OK);
	ck_assert_int_eq(get_at(1, 1009, kids, sizeof(kids)), SG_OK);
	ck_assert_int_eq(FETCHES(1), 1);
	ck_assert_int_eq(get_at(1, 1010, kids, sizeof(kids)), SG_OK);
	ck_assert_int_eq(FETCHES(1), 2);

	/* Longer than TTL: TTL. */
	serve_headers("Cache-Control: max-age=86400\r\n");
	ck_assert_int_eq(get_at(2, 1000, kids, sizeof(kids)), SG_OK);
	ck_assert_int_eq(get_at(2, 1000 + TTL - 1, kids, sizeof(kids)), SG_OK);
	ck_assert_int_eq(FETCHES(2), 1);
	ck_assert_int_eq(get_at(2, 1000 + TTL, kids, sizeof(kids)), SG_OK);
	ck_assert_int_eq(FETCHES(2), 2);
}
END_TEST

/*
 * The fetch policy (no way to make us call other addresses): a redirect
 * is not followed, an answer past SG_MAX_UPSTREAM_SMALL is refused.
 */
START_TEST(test_no_redirect_size_cap)
{
	char	 kids[64], hdr[160], *big;
	size_t	 n = SG_MAX_UPSTREAM_SMALL + 16;

	snprintf(hdr, sizeof(hdr), "Location: %s\r\n", url[1]);
	serve_headers(hdr);
	serve_keys(k_rsa, SG_ALG_RS384, "r1", NULL, SG_ALG_NONE, NULL);
	pthread_mutex_lock(&srv.mu);
	srv.status = 302;
	pthread_mutex_unlock(&srv.mu);
	ck_assert_int_eq(get_at(0, 1000, kids, sizeof(kids)), SG_E_UPSTREAM);
	ck_assert_int_eq(FETCHES(0), 1);
	ck_assert_int_eq(FETCHES(1), 0);

	serve_headers(NULL);
	big = malloc(n + 1);
	ck_assert_ptr_nonnull(big);
	memset(big, ' ', n);
	memcpy(big, "{\"keys\":[]}", 11);
	big[n] = '\0';
	serve_text(big, 200);
	free(big);
	ck_assert_int_eq(get_at(2, 1000, kids, sizeof(kids)), SG_E_UPSTREAM);
	ck_assert_int_eq(FETCHES(2), 1);
}
END_TEST

/* Documents with no usable key for the configured algorithms. */
static const struct {
	int		 status;
	const char	*body;
	enum sg_status	 st;
} bad_table[] = {
	{ 404, "{\"keys\":[]}", SG_E_UPSTREAM },
	{ 200, "{\"keys\":[]}", SG_E_UPSTREAM },
	{ 200, "{}", SG_E_UPSTREAM },
	{ 200, "not json", SG_E_UPSTREAM },
	{ 200, "[1,2]", SG_E_UPSTREAM },
	{ 200, "{\"keys\":{}}", SG_E_UPSTREAM },
	{ 200, "{\"keys\":[{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}]}",
	    SG_E_UPSTREAM },
};

START_TEST(test_bad_documents)
{
	char	 kids[64];

	serve_text(bad_table[_i].body, bad_table[_i].status);
	ck_assert_int_eq(get_at(0, 1000, kids, sizeof(kids)),
	    bad_table[_i].st);
	ck_assert_int_eq(FETCHES(0), 1);
}
END_TEST

/* Keys for other algorithms are dropped, the rest kept. */
START_TEST(test_other_algs_dropped)
{
	char	 kids[64];

	serve_keys(k_rsa, SG_ALG_RS256, "r1", k_ec256, SG_ALG_ES256, "p1");
	ck_assert_int_eq(get_at(0, 1000, kids, sizeof(kids)), SG_E_UPSTREAM);
	serve_keys(k_rsa, SG_ALG_RS256, "r1", k_ec, SG_ALG_ES384, "e1");
	ck_assert_int_eq(get_at(1, 1000, kids, sizeof(kids)), SG_OK);
	ck_assert_str_eq(kids, "e1");
}
END_TEST

/* Never fetched: a URL that is neither https nor loopback http. */
START_TEST(test_url_refused)
{
	static const char *const bad[] = {
		"http://jwks.example/keys",
		"http://127.0.0.1.example/keys",
		"http://localhost:1@evil.example/keys",
		"ftp://127.0.0.1/keys",
		"file:///etc/passwd",
		"",
	};
	const struct sg_jwk	*keys;
	const char		*why;
	size_t			 i, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(sg_jwkscache_get(cache, NULL, bad[i], &keys,
		    &n, &why), SG_E_UPSTREAM);
		ck_assert_str_eq(why, "JWKS URL is neither https nor loopback "
		    "http");
	}
	ck_assert_int_eq(sg_jwkscache_get(cache, NULL, NULL, &keys, &n, &why),
	    SG_E_UPSTREAM);
}
END_TEST

/* Two slots, three URLs: the least recently used one is dropped. */
START_TEST(test_lru)
{
	char	 kids[64];

	ck_assert_int_eq(get_at(0, 1000, kids, sizeof(kids)), SG_OK);
	ck_assert_int_eq(get_at(1, 1001, kids, sizeof(kids)), SG_OK);
	ck_assert_int_eq(get_at(0, 1002, kids, sizeof(kids)), SG_OK);
	ck_assert_int_eq(get_at(2, 1003, kids, sizeof(kids)), SG_OK);
	/* url[1] was dropped; url[0] and url[2] are still cached. */
	ck_assert_int_eq(get_at(0, 1004, kids, sizeof(kids)), SG_OK);
	ck_assert_int_eq(get_at(2, 1004, kids, sizeof(kids)), SG_OK);
	ck_assert_int_eq(FETCHES(0), 1);
	ck_assert_int_eq(FETCHES(2), 1);
	ck_assert_int_eq(get_at(1, 1005, kids, sizeof(kids)), SG_OK);
	ck_assert_int_eq(FETCHES(1), 2);
	/* sg_jwkscache_clear() forgets everything. */
	sg_jwkscache_clear(cache);
	ck_assert_int_eq(get_at(1, 1006, kids, sizeof(kids)), SG_OK);
	ck_assert_int_eq(FETCHES(1), 3);
}
END_TEST

/* Unusable settings are refused; NULL is fine for free. */
START_TEST(test_new_refused)
{
	struct sg_jwkscache_conf	 conf = { 1, TTL, REFETCH,
	    SG_ALG_RS256, SG_ALG_ES256, NULL };

	ck_assert_ptr_null(sg_jwkscache_new(NULL, &conf));
	ck_assert_ptr_null(sg_jwkscache_new(http, NULL));
	conf.slots = 0;
	ck_assert_ptr_null(sg_jwkscache_new(http, &conf));
	conf.slots = 1;
	conf.ttl = 0;
	ck_assert_ptr_null(sg_jwkscache_new(http, &conf));
	sg_jwkscache_free(NULL);
	sg_jwkscache_clear(NULL);
}
END_TEST

static Suite *
jwkscache_suite(void)
{
	Suite	*s = suite_create("jwkscache");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_ttl);
	tcase_add_test(tc, test_stale_not_served);
	tcase_add_test(tc, test_refetch);
	tcase_add_loop_test(tc, test_max_age_parse, 0,
	    sizeof(cc_table) / sizeof(cc_table[0]));
	tcase_add_test(tc, test_cache_control);
	tcase_add_test(tc, test_no_redirect_size_cap);
	tcase_add_loop_test(tc, test_bad_documents, 0,
	    (int)(sizeof(bad_table) / sizeof(bad_table[0])));
	tcase_add_test(tc, test_other_algs_dropped);
	tcase_add_test(tc, test_url_refused);
	tcase_add_test(tc, test_lru);
	tcase_add_test(tc, test_new_refused);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	int	 rc;

	k_rsa = EVP_RSA_gen(2048);
	k_ec = EVP_EC_gen("P-384");
	k_ec256 = EVP_EC_gen("P-256");
	if (k_rsa == NULL || k_ec == NULL || k_ec256 == NULL) {
		fprintf(stderr, "key generation failed\n");
		return 1;
	}
	rc = tl_run(jwkscache_suite());
	EVP_PKEY_free(k_rsa);
	EVP_PKEY_free(k_ec);
	EVP_PKEY_free(k_ec256);
	return rc;
}
