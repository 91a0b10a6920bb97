/*
 * Unit tests for oauth.c: PKCE (RFC 7636), HTTP Basic client
 * credentials (RFC 6749 §2.3.1) and the redirects back to the app
 * (RFC 6749 §4.1.2, RFC 9207).  The requests are plain CGI: the
 * Authorization header comes from the environment and the answer is
 * written to stdout, which the redirect tests point at a temporary
 * file.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "b64.h"
#include "bounds.h"
#include "config.h"
#include "oauth.h"
#include "request.h"
#include "testlib.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

#define RID		"0123456789abcdef"
#define HEAD		"X-Request-Id: " RID "\r\n" \
			"X-Content-Type-Options: nosniff\r\n"

/* RFC 7636 Appendix B. */
#define RFC_VERIFIER	"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
#define RFC_CHALLENGE	"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

#define B10		"abcdefghij"
#define B40		B10 B10 B10 B10
#define B42		B40 "AB"
#define B43		B40 "ABC"
#define B44		B40 "ABCD"
#define B128		B40 B40 B40 "01234567"
#define B129		B128 "8"

static char	 issuer[] = "https://gw.example.org/auth";
static struct tl_capture cap;

/* A plain CGI request: sg_request_env() reads the environment. */
static void
req_init(struct sg_request *req, const char *method)
{
	memset(req, 0, sizeof(*req));
	req->cgi = 1;
	memcpy(req->id, RID, sizeof(req->id));
	req->method = method;
	req->query = "";
	req->remote_addr = "-";
	clock_gettime(CLOCK_MONOTONIC, &req->start);
	req->path = strdup("/auth/authorize");
	ck_assert_ptr_nonnull(req->path);
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

static const struct {
	const char	*s;
	int		 challenge;	/* sg_oauth_challenge_ok */
	int		 verifier;	/* sg_oauth_verifier_ok */
} pkce_table[] = {
	{ RFC_CHALLENGE, 1, 1 },
	{ RFC_VERIFIER, 1, 1 },
	{ B43, 1, 1 },
	{ B42, 0, 0 },
	{ B44, 0, 1 },
	{ B128, 0, 1 },
	{ B129, 0, 0 },
	{ "", 0, 0 },
	{ "-_" B40 "A", 1, 1 },
	/* '.' and '~' are verifier characters, not base64url. */
	{ "." B42, 0, 1 },
	{ "~" B42, 0, 1 },
	{ B42 ".", 0, 1 },
	{ B42 "~", 0, 1 },
	/* Neither: base64 '+', '/', padding, blanks, others. */
	{ B42 "+", 0, 0 },
	{ B42 "/", 0, 0 },
	{ B42 "=", 0, 0 },
	{ B42 " ", 0, 0 },
	{ " " B42, 0, 0 },
	{ B42 "\t", 0, 0 },
	{ B42 "%", 0, 0 },
	{ B42 "!", 0, 0 },
	{ B42 "*", 0, 0 },
	{ RFC_CHALLENGE "=", 0, 0 },
	{ "\xc3\xa9" B42, 0, 0 },
	{ B42 "\xff", 0, 0 },
	{ B128 "\x80", 0, 0 },
};

START_TEST(test_pkce_syntax)
{
	ck_assert_msg(sg_oauth_challenge_ok(pkce_table[_i].s) ==
	    pkce_table[_i].challenge, "challenge [%s]: want %d",
	    pkce_table[_i].s, pkce_table[_i].challenge);
	ck_assert_msg(sg_oauth_verifier_ok(pkce_table[_i].s) ==
	    pkce_table[_i].verifier, "verifier [%s]: want %d",
	    pkce_table[_i].s, pkce_table[_i].verifier);
	/* The same as an input table validator (form.h). */
	ck_assert_int_eq(sg_oauth_check_challenge(pkce_table[_i].s,
	    strlen(pkce_table[_i].s)), pkce_table[_i].challenge);
}
END_TEST

START_TEST(test_pkce_rfc7636)
{
	char	 out[44];

	memset(out, 'x', sizeof(out));
	sg_oauth_pkce_challenge(RFC_VERIFIER, out);
	ck_assert_int_eq(out[43], '\0');
	ck_assert_str_eq(out, RFC_CHALLENGE);
	ck_assert_int_eq(sg_oauth_challenge_ok(out), 1);

	/* Another verifier, another challenge. */
	sg_oauth_pkce_challenge(B43, out);
	ck_assert_str_ne(out, RFC_CHALLENGE);
	ck_assert_int_eq(sg_oauth_challenge_ok(out), 1);
}
END_TEST

static const struct {
	const char	*verifier;
	const char	*challenge;
	int		 match;
} match_table[] = {
	{ RFC_VERIFIER, RFC_CHALLENGE, 1 },
	/* Wrong verifier, wrong challenge (one character off each end). */
	{ B43, RFC_CHALLENGE, 0 },
	{ RFC_VERIFIER, "F9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", 0 },
	{ RFC_VERIFIER, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN", 0 },
	{ "eBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", RFC_CHALLENGE, 0 },
	/* The challenge as the verifier ("plain" is not supported). */
	{ RFC_CHALLENGE, RFC_CHALLENGE, 0 },
	/* Malformed: the challenge with padding, cut or padded. */
	{ RFC_VERIFIER, RFC_CHALLENGE "=", 0 },
	{ RFC_VERIFIER, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c", 0 },
	{ RFC_VERIFIER, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM", 0 },
	{ RFC_VERIFIER, "", 0 },
	{ "", RFC_CHALLENGE, 0 },
	/* A verifier one character too short or with a bad character. */
	{ "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjX", RFC_CHALLENGE, 0 },
	{ "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk ", RFC_CHALLENGE, 0 },
	{ "dBjftJeZ4CVP+mB92K27uhbUJU1p1r_wW1gFWFOEjXk", RFC_CHALLENGE, 0 },
};

START_TEST(test_pkce_match)
{
	ck_assert_msg(sg_oauth_pkce_match(match_table[_i].verifier,
	    match_table[_i].challenge) == match_table[_i].match,
	    "[%s] [%s]: want %d", match_table[_i].verifier,
	    match_table[_i].challenge, match_table[_i].match);
}
END_TEST

/* A long valid verifier matches its own challenge. */
START_TEST(test_pkce_match_own)
{
	char	 out[44];

	sg_oauth_pkce_challenge(B128, out);
	ck_assert_int_eq(sg_oauth_pkce_match(B128, out), 1);
	ck_assert_int_eq(sg_oauth_pkce_match(B129, out), 0);
}
END_TEST

/*
 * sg_oauth_basic on the Authorization header; on anything but 1 both
 * outputs must be NULL (they are set to something else before).
 */
static void
check_basic(const char *header, int want_rc, const char *want_id,
    const char *want_secret)
{
	struct sg_request	 req;
	char			 junk[] = "junk";
	char			*id = junk, *secret = junk;
	int			 rc;

	req_init(&req, "POST");
	if (header == NULL)
		unsetenv("HTTP_AUTHORIZATION");
	else
		ck_assert_int_eq(setenv("HTTP_AUTHORIZATION", header, 1), 0);
	rc = sg_oauth_basic(&req, &id, &secret);
	unsetenv("HTTP_AUTHORIZATION");
	ck_assert_msg(rc == want_rc, "[%.80s]: rc %d, want %d",
	    header ? header : "(unset)", rc, want_rc);
	if (rc == 1) {
		ck_assert_ptr_nonnull(id);
		ck_assert_ptr_nonnull(secret);
		ck_assert_str_eq(id, want_id);
		ck_assert_str_eq(secret, want_secret);
		free(id);
		free(secret);
	} else {
		ck_assert_msg(id == NULL && secret == NULL,
		    "[%.80s]: outputs not NULL", header ? header : "(unset)");
	}
	free(req.path);
}

/* Literal Authorization headers. */
static const struct {
	const char	*header;	/* NULL: unset */
	int		 rc;
	const char	*id, *secret;
} header_table[] = {
	{ NULL, 0, NULL, NULL },
	{ "", 0, NULL, NULL },
	{ "Bearer x", 0, NULL, NULL },
	{ "Bearer YWJjOmRlZg==", 0, NULL, NULL },
	{ "Digest username=\"a\"", 0, NULL, NULL },
	{ "Basicx YWJjOmRlZg==", 0, NULL, NULL },
	{ "XBasic YWJjOmRlZg==", 0, NULL, NULL },
	/* "abc:def"; the scheme is case-insensitive (RFC 7617 §2). */
	{ "Basic YWJjOmRlZg==", 1, "abc", "def" },
	{ "basic YWJjOmRlZg==", 1, "abc", "def" },
	{ "BASIC YWJjOmRlZg==", 1, "abc", "def" },
	{ "bAsIc YWJjOmRlZg==", 1, "abc", "def" },
	{ "Basic   YWJjOmRlZg==", 1, "abc", "def" },
	/* Malformed base64: unpadded, bad characters, blanks, padding. */
	{ "Basic ", -1, NULL, NULL },
	{ "Basic YWJjOmRlZg", -1, NULL, NULL },
	{ "Basic YWJjOmRlZg=", -1, NULL, NULL },
	{ "Basic YWJjOmRlZg===", -1, NULL, NULL },
	{ "Basic YWJjOmRlZg== ", -1, NULL, NULL },
	{ "Basic YWJj OmRlZg==", -1, NULL, NULL },
	{ "Basic YWJjOmRlZg==\t", -1, NULL, NULL },
	{ "Basic YWJj\nOmRlZg==", -1, NULL, NULL },
	{ "Basic YWJj-mRlZg==", -1, NULL, NULL },
	{ "Basic !!!!", -1, NULL, NULL },
	{ "Basic ====", -1, NULL, NULL },
	/* "abc" (no colon). */
	{ "Basic YWJj", -1, NULL, NULL },
};

START_TEST(test_basic_header)
{
	check_basic(header_table[_i].header, header_table[_i].rc,
	    header_table[_i].id, header_table[_i].secret);
}
END_TEST

/* Credentials as sent before base64 (RFC 6749 §2.3.1: form-encoded). */
static const struct {
	const char	*raw;
	size_t		 len;		/* 0: strlen(raw) */
	int		 rc;
	const char	*id, *secret;
} cred_table[] = {
	{ "id:secret", 0, 1, "id", "secret" },
	{ "my-app.1:s3cr3t~x", 0, 1, "my-app.1", "s3cr3t~x" },
	{ "a%20b:c%3Ad", 0, 1, "a b", "c:d" },
	{ "a+b:c+d", 0, 1, "a b", "c d" },
	{ "a%2Bb:%25", 0, 1, "a+b", "%" },
	{ "%61:%62", 0, 1, "a", "b" },
	/* The first colon splits: an id cannot hold one (RFC 7617 §2). */
	{ "id:se:cret", 0, 1, "id", "se:cret" },
	{ "id::", 0, 1, "id", ":" },
	/* An empty secret is a secret that will not match. */
	{ "id:", 0, 1, "id", "" },
	{ "caf%C3%A9:x", 0, 1, "caf\xc3\xa9", "x" },
	{ "", 0, -1, NULL, NULL },
	{ "idsecret", 0, -1, NULL, NULL },
	{ ":secret", 0, -1, NULL, NULL },
	{ ":", 0, -1, NULL, NULL },
	/* NUL or control bytes, raw or decoded. */
	{ "i\0d:secret", 9, -1, NULL, NULL },
	{ "id:sec\0ret", 10, -1, NULL, NULL },
	{ "id:secret\0", 10, -1, NULL, NULL },
	{ "\0:secret", 8, -1, NULL, NULL },
	{ "id:sec\nret", 0, -1, NULL, NULL },
	{ "id:sec\rret", 0, -1, NULL, NULL },
	{ "i\td:secret", 0, -1, NULL, NULL },
	{ "id:\x7f", 0, -1, NULL, NULL },
	{ "id:\x1b[0m", 0, -1, NULL, NULL },
	{ "id%00:secret", 0, -1, NULL, NULL },
	{ "id:sec%00ret", 0, -1, NULL, NULL },
	{ "id:%0A", 0, -1, NULL, NULL },
	{ "id%0d:x", 0, -1, NULL, NULL },
	{ "id:%7F", 0, -1, NULL, NULL },
	/* Malformed escapes. */
	{ "id%:x", 0, -1, NULL, NULL },
	{ "id:%zz", 0, -1, NULL, NULL },
	{ "id:%4", 0, -1, NULL, NULL },
	{ "%:%", 0, -1, NULL, NULL },
};

START_TEST(test_basic_credentials)
{
	char	*b64, *header;
	size_t	 len;

	len = cred_table[_i].len != 0 ? cred_table[_i].len :
	    strlen(cred_table[_i].raw);
	b64 = sg_b64_encode(cred_table[_i].raw, len);
	ck_assert_ptr_nonnull(b64);
	header = malloc(strlen(b64) + 7);
	ck_assert_ptr_nonnull(header);
	memcpy(header, "Basic ", 6);
	memcpy(header + 6, b64, strlen(b64) + 1);
	check_basic(header, cred_table[_i].rc, cred_table[_i].id,
	    cred_table[_i].secret);
	free(header);
	free(b64);
}
END_TEST

/* Basic header built from id ':' secret. */
static char *
basic_of(const char *id, const char *secret)
{
	char	*raw, *b64, *header;
	size_t	 ilen = strlen(id), slen = strlen(secret);

	raw = malloc(ilen + slen + 2);
	ck_assert_ptr_nonnull(raw);
	memcpy(raw, id, ilen);
	raw[ilen] = ':';
	memcpy(raw + ilen + 1, secret, slen + 1);
	b64 = sg_b64_encode(raw, ilen + slen + 1);
	ck_assert_ptr_nonnull(b64);
	header = malloc(strlen(b64) + 7);
	ck_assert_ptr_nonnull(header);
	memcpy(header, "Basic ", 6);
	memcpy(header + 6, b64, strlen(b64) + 1);
	free(raw);
	free(b64);
	return header;
}

/* Sizes: SG_MAX_PARAM_VALUE per decoded part, SG_MAX_HEADER for all. */
START_TEST(test_basic_length)
{
	char	*max, *over, *h, *pad;

	max = repeat('a', SG_MAX_PARAM_VALUE);
	over = repeat('a', SG_MAX_PARAM_VALUE + 1);

	h = basic_of(max, "s");
	check_basic(h, 1, max, "s");
	free(h);
	h = basic_of("id", max);
	check_basic(h, 1, "id", max);
	free(h);
	h = basic_of(over, "s");
	check_basic(h, -1, NULL, NULL);
	free(h);
	h = basic_of("id", over);
	check_basic(h, -1, NULL, NULL);
	free(h);

	/* Encoded text over SG_MAX_HEADER: refused before decoding. */
	pad = repeat('A', SG_MAX_HEADER + 4);
	h = malloc(strlen(pad) + 7);
	ck_assert_ptr_nonnull(h);
	memcpy(h, "Basic ", 6);
	memcpy(h + 6, pad, strlen(pad) + 1);
	check_basic(h, -1, NULL, NULL);
	free(h);
	free(pad);
	free(max);
	free(over);
}
END_TEST

/* The Location line of an answer (caller frees), or NULL. */
static char *
location_of(const char *out)
{
	const char	*p, *e;
	char		*loc;

	if ((p = strstr(out, "\r\nLocation: ")) == NULL)
		return NULL;
	p += 12;
	if ((e = strstr(p, "\r\n")) == NULL)
		return NULL;
	loc = strndup(p, (size_t)(e - p));
	ck_assert_ptr_nonnull(loc);
	return loc;
}

#define ISS	"iss=https%3A%2F%2Fgw.example.org%2Fauth"

/* The error code comes from the status table (RFC 6749 §4.1.2.1). */
static const struct {
	const char	*method;
	const char	*uri;
	enum sg_status	 st;
	const char	*desc, *state;
	int		 status;
	const char	*location;
} error_table[] = {
	{ "GET", "https://app.example/cb", SG_E_ACCESS_DENIED,
	    "The user said no", "xyz", 302,
	    "https://app.example/cb?error=access_denied"
	    "&error_description=The%20user%20said%20no&state=xyz&" ISS },
	{ "POST", "https://app.example/cb", SG_E_ACCESS_DENIED,
	    "The user said no", "xyz", 303,
	    "https://app.example/cb?error=access_denied"
	    "&error_description=The%20user%20said%20no&state=xyz&" ISS },
	/* The registered URI's own query is kept (RFC 6749 §3.1.2). */
	{ "GET", "https://app.example/cb?tenant=a&x=1", SG_E_INVALID_SCOPE,
	    "bad", "s", 302,
	    "https://app.example/cb?tenant=a&x=1&error=invalid_scope"
	    "&error_description=bad&state=s&" ISS },
	{ "GET", "https://app.example/cb?", SG_E_INVALID_SCOPE, "bad", "s",
	    302, "https://app.example/cb?error=invalid_scope"
	    "&error_description=bad&state=s&" ISS },
	/* No description: the table's message; no state: none is sent. */
	{ "GET", "http://127.0.0.1:9000/cb", SG_E_INTERNAL, NULL, NULL,
	    302, "http://127.0.0.1:9000/cb?error=server_error"
	    "&error_description=An%20internal%20error%20occurred.&" ISS },
	{ "POST", "https://app.example/cb", SG_E_BAD_REQUEST, "x", NULL,
	    303, "https://app.example/cb?error=invalid_request"
	    "&error_description=x&" ISS },
	{ "GET", "https://app.example/cb", SG_E_UNSUPPORTED_RESPONSE, "r",
	    "s&t", 302, "https://app.example/cb?"
	    "error=unsupported_response_type&error_description=r"
	    "&state=s%26t&" ISS },
	/* State and description as sent, percent-encoded. */
	{ "GET", "https://app.example/cb", SG_E_ACCESS_DENIED,
	    "a+b=c/d?e#f\"<>", "a b&c=d#e%", 302,
	    "https://app.example/cb?error=access_denied&error_description="
	    "a%2Bb%3Dc%2Fd%3Fe%23f%22%3C%3E&state=a%20b%26c%3Dd%23e%25&" ISS },
	{ "GET", "com.example.app:/cb", SG_E_UNAVAILABLE, "d", "1", 302,
	    "com.example.app:/cb?error=temporarily_unavailable"
	    "&error_description=d&state=1&" ISS },
	{ "GET", "com.example.app:/cb", SG_E_UPSTREAM_TIMEOUT, "d", "1", 302,
	    "com.example.app:/cb?error=temporarily_unavailable"
	    "&error_description=d&state=1&" ISS },
	{ "GET", "com.example.app:/cb", SG_E_UNAUTHORIZED_CLIENT, "d", "1",
	    302, "com.example.app:/cb?error=unauthorized_client"
	    "&error_description=d&state=1&" ISS },
	/* Statuses without an OAuth code: by class; SG_OK is no error. */
	{ "GET", "com.example.app:/cb", SG_E_NOT_FOUND, "d", "1", 302,
	    "com.example.app:/cb?error=invalid_request"
	    "&error_description=d&state=1&" ISS },
	{ "GET", "com.example.app:/cb", SG_OK, "d", "1", 302,
	    "com.example.app:/cb?error=server_error"
	    "&error_description=d&state=1&" ISS },
};

static void
check_redirect(const char *out, int status, const char *want)
{
	char	*loc;

	if (status == 302)
		ck_assert_msg(strncmp(out, "Status: 302 Found\r\n", 19) == 0,
		    "%s", out);
	else
		ck_assert_msg(strncmp(out, "Status: 303 See Other\r\n", 23) ==
		    0, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "\r\n" HEAD));
	ck_assert_ptr_nonnull(strstr(out, "\r\nCache-Control: no-store\r\n"));
	ck_assert_ptr_nonnull(strstr(out,
	    "\r\nReferrer-Policy: no-referrer\r\n"));
	ck_assert_ptr_nonnull(strstr(out, "\r\nContent-Length: 0\r\n\r\n"));
	loc = location_of(out);
	ck_assert_msg(loc != NULL, "no Location: %s", out);
	ck_assert_str_eq(loc, want);
	/* Exactly one Location. */
	ck_assert_ptr_null(strstr(strstr(out, "\r\nLocation: ") + 1,
	    "\r\nLocation: "));
	free(loc);
}

START_TEST(test_redirect_error)
{
	struct sg_request	 req;
	struct sg_config	 cfg;
	char			*out;

	memset(&cfg, 0, sizeof(cfg));
	cfg.issuer = issuer;
	req_init(&req, error_table[_i].method);
	tl_capture_begin(&cap, STDOUT_FILENO);
	sg_oauth_redirect_error(&req, &cfg, error_table[_i].uri,
	    error_table[_i].st, error_table[_i].desc,
	    error_table[_i].state);
	out = tl_capture_end(&cap);
	check_redirect(out, error_table[_i].status, error_table[_i].location);
	ck_assert_int_eq(req.resp_status, error_table[_i].status);
	free(out);
	sg_request_finish(&req);
}
END_TEST

static const struct {
	const char	*method;
	const char	*uri;
	const char	*code, *state;
	int		 status;
	const char	*location;
} code_table[] = {
	{ "GET", "https://app.example/cb", "abc", "xyz", 302,
	    "https://app.example/cb?code=abc&state=xyz&" ISS },
	{ "POST", "https://app.example/cb", "abc", "xyz", 303,
	    "https://app.example/cb?code=abc&state=xyz&" ISS },
	{ "POST", "https://app.example/cb?a=1", "c-1_2.3~", NULL, 303,
	    "https://app.example/cb?a=1&code=c-1_2.3~&" ISS },
	{ "GET", "https://app.example/cb?a=1&", "abc", "s t", 302,
	    "https://app.example/cb?a=1&code=abc&state=s%20t&" ISS },
	{ "GET", "https://app.example/p/cb?x=%2F", "a/b+c", "=", 302,
	    "https://app.example/p/cb?x=%2F&code=a%2Fb%2Bc&state=%3D&" ISS },
};

START_TEST(test_redirect_code)
{
	struct sg_request	 req;
	struct sg_config	 cfg;
	char			*out;

	memset(&cfg, 0, sizeof(cfg));
	cfg.issuer = issuer;
	req_init(&req, code_table[_i].method);
	tl_capture_begin(&cap, STDOUT_FILENO);
	sg_oauth_redirect_code(&req, &cfg, code_table[_i].uri,
	    code_table[_i].code, code_table[_i].state);
	out = tl_capture_end(&cap);
	check_redirect(out, code_table[_i].status, code_table[_i].location);
	ck_assert_int_eq(req.resp_status, code_table[_i].status);
	free(out);
	sg_request_finish(&req);
}
END_TEST

/* A URI with CR/LF never reaches a header: a 500 page instead. */
START_TEST(test_redirect_crlf)
{
	struct sg_request	 req;
	struct sg_config	 cfg;
	char			*out;

	memset(&cfg, 0, sizeof(cfg));
	cfg.issuer = issuer;
	cfg.templates_dir = (char *)(uintptr_t)"/nonexistent";
	req_init(&req, "GET");
	tl_capture_begin(&cap, STDOUT_FILENO);
	sg_oauth_redirect_code(&req, &cfg,
	    "https://app.example/cb\r\nSet-Cookie: x=1", "abc", "s");
	out = tl_capture_end(&cap);
	ck_assert_msg(strncmp(out, "Status: 500 ", 12) == 0, "%s", out);
	ck_assert_ptr_null(strstr(out, "Location"));
	ck_assert_ptr_null(strstr(out, "Set-Cookie"));
	free(out);
	sg_request_finish(&req);
}
END_TEST

static Suite *
oauth_suite(void)
{
	Suite	*s = suite_create("oauth");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, test_pkce_syntax, 0, NELEM(pkce_table));
	tcase_add_test(tc, test_pkce_rfc7636);
	tcase_add_loop_test(tc, test_pkce_match, 0, NELEM(match_table));
	tcase_add_test(tc, test_pkce_match_own);
	tcase_add_loop_test(tc, test_basic_header, 0, NELEM(header_table));
	tcase_add_loop_test(tc, test_basic_credentials, 0,
	    NELEM(cred_table));
	tcase_add_test(tc, test_basic_length);
	tcase_add_loop_test(tc, test_redirect_error, 0, NELEM(error_table));
	tcase_add_loop_test(tc, test_redirect_code, 0, NELEM(code_table));
	tcase_add_test(tc, test_redirect_crlf);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tl_run(oauth_suite());
}
