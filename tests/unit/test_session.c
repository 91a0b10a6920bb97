/*
 * Unit tests for session.c: the connected-apps page's login transaction
 * and session round trip, their purposes kept apart from each other and
 * from the app transaction, the session cookie's attributes, the CSRF
 * comparison.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>
#include <json-c/json.h>

#include "config.h"
#include "keys.h"
#include "request.h"
#include "seal.h"
#include "session.h"
#include "txn.h"
#include "testlib.h"

#define NOW		((time_t)1700000000)

static struct sg_keys	 keys;
static char		 https_url[] = "https://gw.example.org";
static char		 http_url[] = "http://127.0.0.1:8080";

static void
req_free(struct sg_request *req)
{
	size_t	 i;

	for (i = 0; i < req->nresp_headers; i++)
		free(req->resp_headers[i]);
	req->nresp_headers = 0;
	free(req->log_note);
}

START_TEST(test_login_round_trip)
{
	struct sg_session_login	 a, b, c;
	char			*t;

	sg_session_login_init(&a);
	sg_session_login_init(&b);
	ck_assert_uint_eq(strlen(a.idp_state), 22);
	ck_assert_uint_eq(strlen(a.idp_nonce), 22);
	ck_assert_uint_eq(strlen(a.idp_verifier), 43);	/* RFC 7636 §4.1 */
	ck_assert_str_ne(a.idp_state, b.idp_state);
	ck_assert_str_ne(a.idp_state, a.idp_nonce);
	t = sg_session_login_seal(&keys, &a, NOW + 60);
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(sg_session_login_open(&keys, NOW, t, &c), SG_SEAL_OK);
	ck_assert_str_eq(c.idp_state, a.idp_state);
	ck_assert_str_eq(c.idp_nonce, a.idp_nonce);
	ck_assert_str_eq(c.idp_verifier, a.idp_verifier);
	ck_assert_int_eq(sg_session_login_open(&keys, NOW + 61, t, &c),
	    SG_SEAL_EXPIRED);
	/* Never a session, never an app transaction. */
	{
		struct sg_session	 s;
		struct sg_txn		 x;

		ck_assert_int_eq(sg_session_open(&keys, NOW, t, &s),
		    SG_SEAL_BAD);
		ck_assert_int_eq(sg_txn_open(&keys, NOW, t, &x), SG_SEAL_BAD);
	}
	free(t);
}
END_TEST

/* A session set as a cookie, read back from its Set-Cookie value. */
static char *
cookie_value(const char *line, const char *prefix)
{
	const char	*v, *end;

	ck_assert_msg(strncmp(line, prefix, strlen(prefix)) == 0, "%s", line);
	v = line + strlen(prefix);
	end = strchr(v, ';');
	ck_assert_ptr_nonnull(end);
	return strndup(v, (size_t)(end - v));
}

START_TEST(test_session_cookie)
{
	struct sg_request	 req;
	struct sg_config	 cfg;
	struct sg_session	 s, o;
	struct sg_txn		 x;
	char			*v, name[] = "amy", fu[] = "Patient/pat-1";
	int			 https = _i;

	memset(&req, 0, sizeof(req));
	req.cgi = 1;
	req.method = "GET";
	req.remote_addr = "-";
	memset(&cfg, 0, sizeof(cfg));
	cfg.public_url = https ? https_url : http_url;
	memset(&s, 0, sizeof(s));
	s.sub = name;
	s.fhir_user = fu;
	ck_assert_int_eq(sg_session_start(&req, &cfg, &keys, "/auth/manage",
	    &s, NOW), 0);
	ck_assert_uint_eq(strlen(s.csrf), 22);
	ck_assert_uint_eq(req.nresp_headers, 1);
	/* Scoped to the page: __Secure- on https (not __Host-: Path). */
	v = cookie_value(req.resp_headers[0], https ?
	    "Set-Cookie: __Secure-sg_ms=" : "Set-Cookie: sg_ms=");
	ck_assert_ptr_nonnull(strstr(req.resp_headers[0],
	    "; Path=/auth/manage; Max-Age=900; HttpOnly; SameSite=Lax"));
	ck_assert_int_eq(strstr(req.resp_headers[0], "; Secure") != NULL,
	    https);
	ck_assert_int_eq(sg_session_open(&keys, NOW + 899, v, &o), SG_SEAL_OK);
	ck_assert_str_eq(o.sub, "amy");
	ck_assert_ptr_null(o.name);
	ck_assert_str_eq(o.fhir_user, "Patient/pat-1");
	ck_assert_str_eq(o.csrf, s.csrf);
	ck_assert_int_eq(o.auth_time, NOW);
	ck_assert(sg_session_csrf_ok(&o, s.csrf, 22));
	ck_assert(!sg_session_csrf_ok(&o, s.csrf, 21));
	ck_assert(!sg_session_csrf_ok(&o, NULL, 0));
	ck_assert(!sg_session_csrf_ok(&o, "AAAAAAAAAAAAAAAAAAAAAA", 22));
	sg_session_clear(&o);
	ck_assert_int_eq(sg_session_open(&keys, NOW + 901, v, &o),
	    SG_SEAL_EXPIRED);
	ck_assert_int_eq(sg_txn_open(&keys, NOW, v, &x), SG_SEAL_BAD);
	free(v);
	req_free(&req);
}
END_TEST

/* Authentic session envelopes whose content is wrong are malformed. */
START_TEST(test_session_malformed)
{
	static const char *const bad[] = {
		"{}",
		"{\"sub\":\"\",\"csrf\":\"AAAAAAAAAAAAAAAAAAAAAA\"}",
		"{\"sub\":\"a\",\"csrf\":\"short\"}",
		"{\"sub\":\"a\"}",
		"{\"sub\":7,\"csrf\":\"AAAAAAAAAAAAAAAAAAAAAA\"}",
		"{\"sub\":\"a\",\"csrf\":\"AAAAAAAAAAAAAAAAAAAAAA\",\"at\":\"x\"}",
	};
	struct sg_session	 s;
	char			*t;
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t = sg_seal(&keys, SG_PURPOSE_MANAGE_SESSION, NOW + 60, bad[i],
		    strlen(bad[i]));
		ck_assert_ptr_nonnull(t);
		ck_assert_msg(sg_session_open(&keys, NOW, t, &s) ==
		    SG_SEAL_MALFORMED, "%s", bad[i]);
		ck_assert_ptr_null(s.sub);
		free(t);
	}
	/* The same JSON sealed for the app transaction never opens. */
	t = sg_seal(&keys, SG_PURPOSE_TRANSACTION, NOW + 60, bad[1] + 0,
	    strlen(bad[1]));
	ck_assert_int_eq(sg_session_open(&keys, NOW, t, &s), SG_SEAL_BAD);
	free(t);
}
END_TEST

static Suite *
session_suite(void)
{
	Suite	*s = suite_create("session");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_login_round_trip);
	tcase_add_loop_test(tc, test_session_cookie, 0, 2);
	tcase_add_test(tc, test_session_malformed);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	tl_master_key(&keys);
	return tl_run(session_suite());
}
