/*
 * Unit tests for clientauth.c: every method right and wrong, two
 * methods at once, the registered method only, client assertions
 * (RFC 7523 §3, SMART "client-confidential-asymmetric") with inline
 * keys and with a jwks_uri served by a tiny HTTP server in a thread
 * (loopback, ephemeral port) that counts fetches, jti replay through a
 * real LMDB ledger, and a ledger that cannot be used (fail closed).
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <json-c/json.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "b64.h"
#include "clientauth.h"
#include "clients.h"
#include "jwt.h"
#include "keys.h"
#include "ledger.h"
#include "request.h"
#include "status.h"
#include "testlib.h"

#define TOKEN_URL	"https://gw.example/auth/token"
#define ATYPE		"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#define BASIC_SECRET	"basic-secret-0123456789abcdefghij"
#define POST_SECRET	"post-secret-0123456789abcdefghijk"
#define TIMEOUT_MS	5000	/* generous: valgrind is slow */
#define WHY_FAILED	"client authentication failed"
#define WHY_ISS		"client assertion iss is not a client registered for " \
			    "private_key_jwt"
#define WHY_ISS_CID	"client assertion iss is not the client_id"
#define WHY_AUD		"client assertion aud is not the token endpoint URL"
#define WHY_SUB		"client assertion sub is not the client_id"
#define WHY_KID		"client assertion kid names no registered key"

/* Keys made once in main(): generation is slow (RSA-3072). */
static EVP_PKEY	*k_rsa;		/* svc-rsa, RSA-3072, kid r1 */
static EVP_PKEY	*k_ec;		/* svc-ec, P-384, kid e1 */
static EVP_PKEY	*k_ra;		/* svc-remote, RSA-2048, kid a1 */
static EVP_PKEY	*k_rb;		/* svc-remote after rotation, P-384, kid b2 */

/* The jwks_uri server. */
struct srv {
	struct tl_srv	 tl;
	atomic_int	 fetches;
	pthread_mutex_t	 mu;
	char		*body;		/* the JWKS served */
	int		 status;	/* 200, or 500 */
};
static struct srv	 srv;

/* Per test. */
static struct sg_clients	*reg;
static struct sg_ledger		*ledger;
static struct sg_clientauth	*ca;
static struct sg_request	 req;
static char			 ldir[64];
static char			 jwks_url[128];
static unsigned			 jti_seq;

/* One request per connection: read the head, answer, close. */
static void
serve(struct tl_srv *s, int fd)
{
	char		 buf[8192], line[32], path[256];
	size_t		 headlen;
	int		 status;
	char		*body;

	if (tl_read_request(s, fd, buf, sizeof(buf), &headlen) <= 0)
		return;
	if (sscanf(buf, "GET %255s", path) != 1)
		return;
	pthread_mutex_lock(&srv.mu);
	status = srv.status;
	body = strdup(srv.body != NULL ? srv.body : "{\"keys\":[]}");
	pthread_mutex_unlock(&srv.mu);
	if (strcmp(path, "/jwks") != 0)
		status = 404;
	else
		atomic_fetch_add(&srv.fetches, 1);
	snprintf(line, sizeof(line), "%d X", status);
	(void)tl_answer(fd, line, "Content-Type: application/json\r\n"
	    "Connection: close\r\n", body, strlen(body));
	free(body);
}

static void
srv_start(void)
{
	memset(&srv, 0, sizeof(srv));
	pthread_mutex_init(&srv.mu, NULL);
	srv.status = 200;
	tl_srv_start(&srv.tl, serve);
}

static void
srv_stop(void)
{
	tl_srv_stop(&srv.tl);
	free(srv.body);
	srv.body = NULL;
	pthread_mutex_destroy(&srv.mu);
}

/* Sets what the server serves (RSA a1 and/or EC b2) and its status. */
static void
srv_serve(int with_a, int with_b, int status)
{
	json_object	*doc;

	doc = tl_jwks_of(with_a ? k_ra : NULL, SG_ALG_RS384, "a1",
	    with_b ? k_rb : NULL, SG_ALG_ES384, "b2");
	pthread_mutex_lock(&srv.mu);
	free(srv.body);
	srv.body = strdup(json_object_to_json_string(doc));
	srv.status = status;
	pthread_mutex_unlock(&srv.mu);
	json_object_put(doc);
}

static json_object *
client(const char *id, const char *method)
{
	json_object	*c, *r;

	c = json_object_new_object();
	json_object_object_add(c, "client_id", json_object_new_string(id));
	json_object_object_add(c, "scope", json_object_new_string(
	    "openid launch/patient patient/*.rs"));
	json_object_object_add(c, "token_endpoint_auth_method",
	    json_object_new_string(method));
	r = json_object_new_array();
	json_object_array_add(r, json_object_new_string(
	    "https://app.example/cb"));
	json_object_object_add(c, "redirect_uris", r);
	return c;
}

static void
add_secret(json_object *c, const char *secret)
{
	char	*h;

	h = sg_client_secret_hash(secret, strlen(secret));
	ck_assert_ptr_nonnull(h);
	json_object_object_add(c, "client_secret_hash",
	    json_object_new_string(h));
	free(h);
}

/* The registry, the ledger (spec, or a fresh LMDB dir), the authenticator. */
static void
setup_with(const char *ledger_spec)
{
	json_object	*arr, *c;
	const char	*text;
	char		 err[512], spec[128];

	srv_start();
	srv_serve(1, 0, 200);
	snprintf(jwks_url, sizeof(jwks_url), "http://127.0.0.1:%d/jwks",
	    srv.tl.port);

	arr = json_object_new_array();
	json_object_array_add(arr, client("app-public", "none"));
	c = client("app-basic", "client_secret_basic");
	add_secret(c, BASIC_SECRET);
	json_object_array_add(arr, c);
	c = client("app-post", "client_secret_post");
	add_secret(c, POST_SECRET);
	json_object_array_add(arr, c);
	c = client("svc-rsa", "private_key_jwt");
	json_object_object_add(c, "jwks", tl_jwks_of(k_rsa, SG_ALG_RS384, "r1",
	    NULL, SG_ALG_NONE, NULL));
	json_object_array_add(arr, c);
	c = client("svc-ec", "private_key_jwt");
	json_object_object_add(c, "jwks", tl_jwks_of(k_ec, SG_ALG_ES384, "e1",
	    NULL, SG_ALG_NONE, NULL));
	json_object_array_add(arr, c);
	c = client("svc-remote", "private_key_jwt");
	json_object_object_add(c, "jwks_uri", json_object_new_string(
	    jwks_url));
	json_object_array_add(arr, c);
	text = json_object_to_json_string(arr);
	ck_assert_msg(sg_clients_parse("test", text, strlen(text), &reg, err,
	    sizeof(err)) == 0, "%s", err);
	json_object_put(arr);

	if (ledger_spec == NULL) {
		snprintf(ldir, sizeof(ldir), "/tmp/sg-clientauth-XXXXXX");
		ck_assert_ptr_nonnull(mkdtemp(ldir));
		snprintf(spec, sizeof(spec), "lmdb:%s", ldir);
		ledger_spec = spec;
	} else
		ldir[0] = '\0';
	ledger = sg_ledger_open(ledger_spec, err, sizeof(err));
	ck_assert_msg(ledger != NULL, "%s", err);
	ca = sg_clientauth_new(TIMEOUT_MS, NULL, TOKEN_URL);
	ck_assert_ptr_nonnull(ca);

	memset(&req, 0, sizeof(req));
	req.cgi = 1;
	snprintf(req.id, sizeof(req.id), "00000000c11e0001");
	unsetenv("HTTP_AUTHORIZATION");
}

static void
setup(void)
{
	setup_with(NULL);
}

static void
teardown(void)
{
	char	 p[128];

	sg_clientauth_free(ca);
	ca = NULL;
	sg_ledger_close(ledger);
	ledger = NULL;
	sg_clients_free(reg);
	reg = NULL;
	srv_stop();
	if (ldir[0] != '\0') {
		snprintf(p, sizeof(p), "%s/data.mdb", ldir);
		unlink(p);
		snprintf(p, sizeof(p), "%s/lock.mdb", ldir);
		unlink(p);
		rmdir(ldir);
	}
	unsetenv("HTTP_AUTHORIZATION");
}

/* Sets (or, with id NULL, clears) "Authorization: Basic". */
static void
set_basic(const char *id, const char *secret)
{
	char	 raw[256], hdr[512], *b;

	if (id == NULL) {
		unsetenv("HTTP_AUTHORIZATION");
		return;
	}
	snprintf(raw, sizeof(raw), "%s:%s", id, secret);
	b = sg_b64_encode(raw, strlen(raw));
	snprintf(hdr, sizeof(hdr), "Basic %s", b);
	free(b);
	setenv("HTTP_AUTHORIZATION", hdr, 1);
}

/* What an assertion says.  Offsets are from now. */
struct aspec {
	int		 key;		/* 0 rsa, 1 ec, 2 remote a, 3 remote b */
	enum sg_alg	 alg;		/* 0: the key's own */
	const char	*kid;		/* NULL: the key's own */
	const char	*iss, *sub;	/* NULL: omitted */
	const char	*aud;		/* NULL: TOKEN_URL; "-": omitted */
	int		 aud_array;	/* aud as ["other", aud] */
	long		 exp;		/* 0: omitted */
	long		 iat;		/* 0: omitted */
	int		 no_jti;
};

static json_object *
claims_of(const struct aspec *s, time_t now)
{
	json_object	*c, *arr;
	const char	*aud = s->aud != NULL ? s->aud : TOKEN_URL;
	char		 jti[64];

	c = json_object_new_object();
	if (s->iss != NULL)
		json_object_object_add(c, "iss", json_object_new_string(s->iss));
	if (s->sub != NULL)
		json_object_object_add(c, "sub", json_object_new_string(s->sub));
	if (strcmp(aud, "-") != 0) {
		if (s->aud_array) {
			arr = json_object_new_array();
			json_object_array_add(arr, json_object_new_string(
			    "https://other.example/token"));
			json_object_array_add(arr, json_object_new_string(aud));
			json_object_object_add(c, "aud", arr);
		} else
			json_object_object_add(c, "aud",
			    json_object_new_string(aud));
	}
	if (s->exp != 0)
		json_object_object_add(c, "exp",
		    json_object_new_int64((int64_t)now + s->exp));
	if (s->iat != 0)
		json_object_object_add(c, "iat",
		    json_object_new_int64((int64_t)now + s->iat));
	if (!s->no_jti) {
		snprintf(jti, sizeof(jti), "jti-%ld-%d-%u", (long)now,
		    (int)getpid(), jti_seq++);
		json_object_object_add(c, "jti", json_object_new_string(jti));
	}
	return c;
}

/* A new assertion signed with sg_jwt_sign (caller frees). */
static char *
mint(const struct aspec *s, time_t now)
{
	static EVP_PKEY	**const pk[] = { &k_rsa, &k_ec, &k_ra, &k_rb };
	static const enum sg_alg algs[] = { SG_ALG_RS384, SG_ALG_ES384,
	    SG_ALG_RS384, SG_ALG_ES384 };
	static const char *const kids[] = { "r1", "e1", "a1", "b2" };
	struct sg_signing_key	 k;
	json_object		*c;
	char			*t;

	memset(&k, 0, sizeof(k));
	k.pkey = *pk[s->key];
	k.alg = s->alg != SG_ALG_NONE ? s->alg : algs[s->key];
	snprintf(k.kid, sizeof(k.kid), "%s", s->kid != NULL ? s->kid :
	    kids[s->key]);
	c = claims_of(s, now);
	t = sg_jwt_sign(&k, "JWT", c);
	json_object_put(c);
	ck_assert_ptr_nonnull(t);
	return t;
}

/* header.payload, base64url'd; caller frees. */
static char *
signing_input(const char *hdr, json_object *claims)
{
	const char	*ps = json_object_to_json_string(claims);
	char		*h, *p, *out;
	size_t		 n;

	h = sg_b64url_encode(hdr, strlen(hdr));
	p = sg_b64url_encode(ps, strlen(ps));
	n = strlen(h) + 1 + strlen(p) + 1;
	out = malloc(n);
	snprintf(out, n, "%s.%s", h, p);
	free(h);
	free(p);
	return out;
}

static char *
append_sig(char *in, const unsigned char *sig, size_t siglen)
{
	char	*s, *out;
	size_t	 n;

	s = sg_b64url_encode(sig, siglen);
	n = strlen(in) + 1 + strlen(s) + 1;
	out = malloc(n);
	snprintf(out, n, "%s.%s", in, s);
	free(s);
	free(in);
	return out;
}

/* An RS384 token with a header of our own making (e.g. with jku). */
static char *
mint_rs384_hdr(EVP_PKEY *pkey, const char *hdr, json_object *claims)
{
	EVP_MD_CTX	*md;
	unsigned char	 sig[1024];
	size_t		 siglen = sizeof(sig);
	char		*in;

	in = signing_input(hdr, claims);
	md = EVP_MD_CTX_new();
	ck_assert_int_eq(EVP_DigestSignInit(md, NULL, EVP_sha384(), NULL,
	    pkey), 1);
	ck_assert_int_eq(EVP_DigestSign(md, sig, &siglen,
	    (unsigned char *)in, strlen(in)), 1);
	EVP_MD_CTX_free(md);
	return append_sig(in, sig, siglen);
}

static enum sg_status
run(const char *id, const char *secret, const char *atype,
    const char *assertion, time_t now, const struct sg_client **cl,
    const char **why)
{
	struct sg_clientauth_in	 in;

	in.client_id = id;
	in.client_secret = secret;
	in.assertion_type = atype;
	in.assertion = assertion;
	return sg_clientauth_check(ca, &req, reg, ledger, now,
	    &in, cl, why);
}

/* Expects st, and on SG_OK the client want_id. */
static void
expect(const char *name, enum sg_status got, enum sg_status want,
    const struct sg_client *cl, const char *want_id, const char *why)
{
	ck_assert_msg(got == want, "%s: status %d, want %d (%s)", name,
	    (int)got, (int)want, why != NULL ? why : "-");
	ck_assert_msg(why != NULL, "%s: why is NULL", name);
	if (want == SG_OK) {
		ck_assert_msg(cl != NULL && strcmp(cl->client_id, want_id) == 0,
		    "%s: client %s, want %s", name,
		    cl != NULL ? cl->client_id : "NULL", want_id);
	} else
		ck_assert_msg(cl == NULL, "%s: client set on failure", name);
}

/* Runs one check and expects its outcome; *why gets the text. */
static void
check(const char *name, const char *id, const char *secret,
    const char *atype, const char *assertion, time_t now,
    enum sg_status want, const char *want_id, const char **why)
{
	const struct sg_client	*cl = NULL;
	enum sg_status		 st;

	*why = NULL;
	st = run(id, secret, atype, assertion, now, &cl, why);
	expect(name, st, want, cl, want_id, *why);
}

/* The secret-based and public methods. */
static const struct {
	const char	*name;
	const char	*bid, *bsecret;		/* Basic header, or NULL */
	const char	*id, *secret;		/* body */
	const char	*atype, *assertion;	/* body, fixed strings */
	enum sg_status	 want;
	const char	*want_id;
	const char	*want_why;		/* NULL: not checked */
} secret_cases[] = {
	{ "public ok", NULL, NULL, "app-public", NULL, NULL, NULL, SG_OK,
	    "app-public", NULL },
	{ "public with client_secret_post", NULL, NULL, "app-public", "x",
	    NULL, NULL, SG_E_INVALID_CLIENT, NULL, WHY_FAILED },
	{ "public with Basic", "app-public", "x", NULL, NULL, NULL, NULL,
	    SG_E_INVALID_CLIENT, NULL, WHY_FAILED },
	{ "basic ok", "app-basic", BASIC_SECRET, NULL, NULL, NULL, NULL,
	    SG_OK, "app-basic", NULL },
	{ "basic ok, same client_id in body", "app-basic", BASIC_SECRET,
	    "app-basic", NULL, NULL, NULL, SG_OK, "app-basic", NULL },
	{ "basic, other client_id in body", "app-basic", BASIC_SECRET,
	    "app-post", NULL, NULL, NULL, SG_E_INVALID_CLIENT, NULL,
	    WHY_FAILED },
	{ "basic wrong secret", "app-basic", BASIC_SECRET "x", NULL, NULL,
	    NULL, NULL, SG_E_INVALID_CLIENT, NULL, WHY_FAILED },
	{ "basic empty secret", "app-basic", "", NULL, NULL, NULL, NULL,
	    SG_E_INVALID_CLIENT, NULL, WHY_FAILED },
	{ "basic + client_secret in body", "app-basic", BASIC_SECRET,
	    "app-basic", BASIC_SECRET, NULL, NULL, SG_E_BAD_REQUEST, NULL,
	    NULL },
	{ "basic + assertion", "app-basic", BASIC_SECRET, NULL, NULL, ATYPE,
	    "a.b.c", SG_E_BAD_REQUEST, NULL, NULL },
	{ "basic client using post", NULL, NULL, "app-basic", BASIC_SECRET,
	    NULL, NULL, SG_E_INVALID_CLIENT, NULL, WHY_FAILED },
	{ "basic client without a secret", NULL, NULL, "app-basic", NULL,
	    NULL, NULL, SG_E_INVALID_CLIENT, NULL, WHY_FAILED },
	{ "post ok", NULL, NULL, "app-post", POST_SECRET, NULL, NULL, SG_OK,
	    "app-post", NULL },
	{ "post wrong secret", NULL, NULL, "app-post", BASIC_SECRET, NULL,
	    NULL, SG_E_INVALID_CLIENT, NULL, WHY_FAILED },
	{ "post client using basic", "app-post", POST_SECRET, NULL, NULL,
	    NULL, NULL, SG_E_INVALID_CLIENT, NULL, WHY_FAILED },
	{ "post without client_id", NULL, NULL, NULL, POST_SECRET, NULL,
	    NULL, SG_E_BAD_REQUEST, NULL, NULL },
	{ "secret + assertion", NULL, NULL, "svc-rsa", "x", ATYPE, "a.b.c",
	    SG_E_BAD_REQUEST, NULL, NULL },
	{ "jwt client using post", NULL, NULL, "svc-rsa", "x", NULL, NULL,
	    SG_E_INVALID_CLIENT, NULL, WHY_FAILED },
	{ "jwt client as public", NULL, NULL, "svc-rsa", NULL, NULL, NULL,
	    SG_E_INVALID_CLIENT, NULL, WHY_FAILED },
	{ "unknown client, none", NULL, NULL, "nobody", NULL, NULL, NULL,
	    SG_E_INVALID_CLIENT, NULL, WHY_FAILED },
	{ "unknown client, post", NULL, NULL, "nobody", "x", NULL, NULL,
	    SG_E_INVALID_CLIENT, NULL, WHY_FAILED },
	{ "unknown client, basic", "nobody", "x", NULL, NULL, NULL, NULL,
	    SG_E_INVALID_CLIENT, NULL, WHY_FAILED },
	{ "nothing at all", NULL, NULL, NULL, NULL, NULL, NULL,
	    SG_E_INVALID_CLIENT, NULL, WHY_FAILED },
	{ "assertion type only", NULL, NULL, NULL, NULL, ATYPE, NULL,
	    SG_E_BAD_REQUEST, NULL, NULL },
	{ "assertion only", NULL, NULL, NULL, NULL, NULL, "a.b.c",
	    SG_E_BAD_REQUEST, NULL, NULL },
	{ "malformed assertion", NULL, NULL, NULL, NULL, ATYPE, "a.b.c",
	    SG_E_INVALID_CLIENT, NULL, NULL },
	{ "assertion a..c", NULL, NULL, NULL, NULL, ATYPE, "a..c",
	    SG_E_INVALID_CLIENT, NULL, NULL },
};

START_TEST(test_secret_methods)
{
	const struct sg_client	*cl;
	const char		*why;
	enum sg_status		 st;
	int			 i = _i;

	set_basic(secret_cases[i].bid, secret_cases[i].bsecret);
	st = run(secret_cases[i].id, secret_cases[i].secret,
	    secret_cases[i].atype, secret_cases[i].assertion, time(NULL), &cl,
	    &why);
	expect(secret_cases[i].name, st, secret_cases[i].want, cl,
	    secret_cases[i].want_id, why);
	if (secret_cases[i].want_why != NULL)
		ck_assert_str_eq(why, secret_cases[i].want_why);
}
END_TEST

START_TEST(test_basic_malformed)
{
	const char		*why;

	setenv("HTTP_AUTHORIZATION", "Basic !!!notbase64", 1);
	check("malformed Basic", NULL, NULL, NULL, NULL, time(NULL),
	    SG_E_INVALID_CLIENT, NULL, &why);
	/* A malformed Basic header still counts as a method. */
	check("malformed Basic + post", "app-post", POST_SECRET, NULL, NULL,
	    time(NULL), SG_E_BAD_REQUEST, NULL, &why);
}
END_TEST

/* Client assertions with inline keys. */
static const struct {
	const char	*name;
	struct aspec	 a;
	const char	*body_id;	/* client_id in the body, or NULL */
	const char	*atype;		/* NULL: ATYPE */
	enum sg_status	 want;
	const char	*want_id;
	const char	*want_why;
} jwt_cases[] = {
	{ "rsa ok", { 0, 0, NULL, "svc-rsa", "svc-rsa", NULL, 0, 300, 0, 0 },
	    NULL, NULL, SG_OK, "svc-rsa", NULL },
	{ "ec ok", { 1, 0, NULL, "svc-ec", "svc-ec", NULL, 0, 60, -5, 0 },
	    NULL, NULL, SG_OK, "svc-ec", NULL },
	{ "ok with client_id in body", { 0, 0, NULL, "svc-rsa", "svc-rsa",
	    NULL, 0, 120, 0, 0 }, "svc-rsa", NULL, SG_OK, "svc-rsa", NULL },
	{ "ok, aud array", { 1, 0, NULL, "svc-ec", "svc-ec", NULL, 1, 120, 0,
	    0 }, NULL, NULL, SG_OK, "svc-ec", NULL },
	{ "ok, iat within leeway", { 1, 0, NULL, "svc-ec", "svc-ec", NULL, 0,
	    120, 30, 0 }, NULL, NULL, SG_OK, "svc-ec", NULL },
	{ "client_id in body differs", { 0, 0, NULL, "svc-rsa", "svc-rsa",
	    NULL, 0, 120, 0, 0 }, "svc-ec", NULL, SG_E_INVALID_CLIENT, NULL,
	    WHY_ISS_CID },
	{ "wrong assertion type", { 0, 0, NULL, "svc-rsa", "svc-rsa", NULL,
	    0, 120, 0, 0 }, NULL, "urn:ietf:params:oauth:client-assertion-"
	    "type:saml2-bearer", SG_E_INVALID_CLIENT, NULL, NULL },
	{ "wrong aud", { 0, 0, NULL, "svc-rsa", "svc-rsa",
	    "https://gw.example/auth/authorize", 0, 120, 0, 0 }, NULL, NULL,
	    SG_E_INVALID_CLIENT, NULL, WHY_AUD },
	{ "aud array without us", { 0, 0, NULL, "svc-rsa", "svc-rsa",
	    "https://gw.example/", 1, 120, 0, 0 }, NULL, NULL,
	    SG_E_INVALID_CLIENT, NULL, WHY_AUD },
	{ "no aud", { 0, 0, NULL, "svc-rsa", "svc-rsa", "-", 0, 120, 0, 0 },
	    NULL, NULL, SG_E_INVALID_CLIENT, NULL, WHY_AUD },
	{ "expired", { 0, 0, NULL, "svc-rsa", "svc-rsa", NULL, 0, -120, 0,
	    0 }, NULL, NULL, SG_E_INVALID_CLIENT, NULL,
	    "client assertion expired" },
	{ "expired within the leeway", { 1, 0, NULL, "svc-ec", "svc-ec",
	    NULL, 0, -10, 0, 0 }, NULL, NULL, SG_E_INVALID_CLIENT, NULL,
	    "client assertion expired" },
	{ "exp too far ahead", { 0, 0, NULL, "svc-rsa", "svc-rsa", NULL, 0,
	    301, 0, 0 }, NULL, NULL, SG_E_INVALID_CLIENT, NULL, NULL },
	{ "exp an hour ahead", { 1, 0, NULL, "svc-ec", "svc-ec", NULL, 0,
	    3600, 0, 0 }, NULL, NULL, SG_E_INVALID_CLIENT, NULL, NULL },
	{ "no exp", { 0, 0, NULL, "svc-rsa", "svc-rsa", NULL, 0, 0, 0, 0 },
	    NULL, NULL, SG_E_INVALID_CLIENT, NULL, NULL },
	{ "iat in the future", { 0, 0, NULL, "svc-rsa", "svc-rsa", NULL, 0,
	    120, 90, 0 }, NULL, NULL, SG_E_INVALID_CLIENT, NULL,
	    "client assertion not yet valid" },
	{ "iss != sub", { 0, 0, NULL, "svc-rsa", "svc-ec", NULL, 0, 120, 0,
	    0 }, NULL, NULL, SG_E_INVALID_CLIENT, NULL, WHY_SUB },
	{ "no sub", { 0, 0, NULL, "svc-rsa", NULL, NULL, 0, 120, 0, 0 },
	    NULL, NULL, SG_E_INVALID_CLIENT, NULL, WHY_SUB },
	{ "no iss", { 0, 0, NULL, NULL, "svc-rsa", NULL, 0, 120, 0, 0 },
	    NULL, NULL, SG_E_INVALID_CLIENT, NULL, "client assertion has no iss" },
	{ "no jti", { 0, 0, NULL, "svc-rsa", "svc-rsa", NULL, 0, 120, 0, 1 },
	    NULL, NULL, SG_E_INVALID_CLIENT, NULL, "client assertion has no jti" },
	{ "wrong kid", { 0, 0, "r9", "svc-rsa", "svc-rsa", NULL, 0, 120, 0,
	    0 }, NULL, NULL, SG_E_INVALID_CLIENT, NULL, WHY_KID },
	{ "another client's key, its kid", { 1, 0, "r1", "svc-rsa",
	    "svc-rsa", NULL, 0, 120, 0, 0 }, NULL, NULL, SG_E_INVALID_CLIENT,
	    NULL, "client assertion alg does not fit the key its kid names" },
	{ "another key, right kid and alg", { 2, 0, "r1", "svc-rsa",
	    "svc-rsa", NULL, 0, 120, 0, 0 }, NULL, NULL, SG_E_INVALID_CLIENT,
	    NULL, "client assertion signature does not verify" },
	{ "RS256 refused", { 0, SG_ALG_RS256, NULL, "svc-rsa", "svc-rsa",
	    NULL, 0, 120, 0, 0 }, NULL, NULL, SG_E_INVALID_CLIENT, NULL,
	    "client assertion algorithm not allowed" },
	{ "unknown iss", { 0, 0, NULL, "nobody", "nobody", NULL, 0, 120, 0,
	    0 }, NULL, NULL, SG_E_INVALID_CLIENT, NULL, WHY_ISS },
	{ "iss a secret client", { 0, 0, NULL, "app-basic", "app-basic",
	    NULL, 0, 120, 0, 0 }, NULL, NULL, SG_E_INVALID_CLIENT, NULL,
	    WHY_ISS },
	{ "iss a public client", { 0, 0, NULL, "app-public", "app-public",
	    NULL, 0, 120, 0, 0 }, NULL, NULL, SG_E_INVALID_CLIENT, NULL,
	    WHY_ISS },
};

START_TEST(test_assertions)
{
	const struct sg_client	*cl;
	const char		*why;
	char			*t;
	enum sg_status		 st;
	time_t			 now = time(NULL);
	int			 i = _i;

	t = mint(&jwt_cases[i].a, now);
	st = run(jwt_cases[i].body_id, NULL, jwt_cases[i].atype != NULL ?
	    jwt_cases[i].atype : ATYPE, t, now, &cl, &why);
	free(t);
	expect(jwt_cases[i].name, st, jwt_cases[i].want, cl,
	    jwt_cases[i].want_id, why);
	if (jwt_cases[i].want_why != NULL)
		ck_assert_str_eq(why, jwt_cases[i].want_why);
	/* Inline keys: nothing is ever fetched. */
	ck_assert_int_eq(atomic_load(&srv.fetches), 0);
}
END_TEST

static const struct aspec ok_rsa = { 0, 0, NULL, "svc-rsa", "svc-rsa", NULL,
    0, 120, 0, 0 };

START_TEST(test_replay)
{
	const char		*why;
	char			*t;
	time_t			 now = time(NULL);

	t = mint(&ok_rsa, now);
	check("first use", NULL, NULL, ATYPE, t, now, SG_OK, "svc-rsa", &why);
	check("second use", NULL, NULL, ATYPE, t, now + 1, SG_E_INVALID_CLIENT,
	    NULL, &why);
	ck_assert_str_eq(why, "client assertion replayed");
	free(t);
	/* A new jti is fine. */
	t = mint(&ok_rsa, now);
	check("new jti", NULL, NULL, ATYPE, t, now + 2, SG_OK, "svc-rsa", &why);
	free(t);
}
END_TEST

/* A jti that is no printable ASCII still works, and is single use. */
START_TEST(test_replay_odd_jti)
{
	const char		*why;
	struct sg_signing_key	 k;
	json_object		*c;
	char			*t, jti[400];
	time_t			 now = time(NULL);
	int			 i;

	memset(&k, 0, sizeof(k));
	k.pkey = k_ec;
	k.alg = SG_ALG_ES384;
	snprintf(k.kid, sizeof(k.kid), "e1");
	for (i = 0; i < 2; i++) {
		c = claims_of(&(struct aspec){ 1, 0, NULL, "svc-ec", "svc-ec",
		    NULL, 0, 120, 0, 1 }, now);
		if (i == 0)
			snprintf(jti, sizeof(jti), "j\xc3\xa9\ttab");
		else {
			memset(jti, 'x', sizeof(jti) - 1);
			jti[sizeof(jti) - 1] = '\0';
		}
		json_object_object_add(c, "jti", json_object_new_string(jti));
		t = sg_jwt_sign(&k, NULL, c);
		json_object_put(c);
		check("odd jti", NULL, NULL, ATYPE, t, now, SG_OK, "svc-ec",
		    &why);
		check("odd jti again", NULL, NULL, ATYPE, t, now,
		    SG_E_INVALID_CLIENT, NULL, &why);
		free(t);
	}
}
END_TEST

/*
 * HS256 with the client's public key (PEM) as the HMAC secret: the
 * classic algorithm confusion (docs/DESIGN.md "libjwt").  Refused.
 */
START_TEST(test_hs256_forged)
{
	const char		*why;
	json_object		*c;
	BIO			*bio;
	char			*pem, *in, *t;
	long			 pemlen;
	unsigned char		 mac[EVP_MAX_MD_SIZE];
	unsigned int		 maclen = 0;
	time_t			 now = time(NULL);

	bio = BIO_new(BIO_s_mem());
	ck_assert_int_eq(PEM_write_bio_PUBKEY(bio, k_rsa), 1);
	pemlen = BIO_get_mem_data(bio, &pem);
	c = claims_of(&ok_rsa, now);
	in = signing_input("{\"alg\":\"HS256\",\"kid\":\"r1\"}", c);
	ck_assert_ptr_nonnull(HMAC(EVP_sha256(), pem, (int)pemlen,
	    (unsigned char *)in, strlen(in), mac, &maclen));
	t = append_sig(in, mac, maclen);
	check("HS256", NULL, NULL, ATYPE, t, now, SG_E_INVALID_CLIENT, NULL,
	    &why);
	free(t);
	/* And "none". */
	in = signing_input("{\"alg\":\"none\"}", c);
	t = append_sig(in, (const unsigned char *)"x", 1);
	check("none", NULL, NULL, ATYPE, t, now, SG_E_INVALID_CLIENT, NULL,
	    &why);
	free(t);
	json_object_put(c);
	BIO_free(bio);
}
END_TEST

/* SMART: a jku must be the registered jwks_uri; nothing else is fetched. */
START_TEST(test_jku)
{
	const char		*why;
	json_object		*c;
	char			 hdr[512], *t;
	time_t			 now = time(NULL);
	static const struct aspec remote = { 2, 0, NULL, "svc-remote",
	    "svc-remote", NULL, 0, 120, 0, 0 };

	/* An inline-jwks client has no jwks_uri: any jku is refused. */
	c = claims_of(&ok_rsa, now);
	t = mint_rs384_hdr(k_rsa, "{\"alg\":\"RS384\",\"kid\":\"r1\","
	    "\"jku\":\"https://evil.example/jwks\"}", c);
	json_object_put(c);
	check("jku, inline client", NULL, NULL, ATYPE, t, now,
	    SG_E_INVALID_CLIENT, NULL, &why);
	free(t);

	/* Not the registered one: refused before any fetch. */
	c = claims_of(&remote, now);
	snprintf(hdr, sizeof(hdr), "{\"alg\":\"RS384\",\"kid\":\"a1\","
	    "\"jku\":\"http://127.0.0.1:%d/jwks?x\"}", srv.tl.port);
	t = mint_rs384_hdr(k_ra, hdr, c);
	json_object_put(c);
	check("jku not registered", NULL, NULL, ATYPE, t, now,
	    SG_E_INVALID_CLIENT, NULL, &why);
	free(t);
	c = claims_of(&remote, now);
	t = mint_rs384_hdr(k_ra, "{\"alg\":\"RS384\",\"kid\":\"a1\","
	    "\"jku\":17}", c);
	json_object_put(c);
	check("jku not a string", NULL, NULL, ATYPE, t, now,
	    SG_E_INVALID_CLIENT, NULL, &why);
	free(t);
	ck_assert_int_eq(atomic_load(&srv.fetches), 0);

	/* Exactly the registered jwks_uri: fine. */
	c = claims_of(&remote, now);
	snprintf(hdr, sizeof(hdr), "{\"alg\":\"RS384\",\"kid\":\"a1\","
	    "\"jku\":\"%s\"}", jwks_url);
	t = mint_rs384_hdr(k_ra, hdr, c);
	json_object_put(c);
	check("jku registered", NULL, NULL, ATYPE, t, now, SG_OK, "svc-remote",
	    &why);
	free(t);
	ck_assert_int_eq(atomic_load(&srv.fetches), 1);
}
END_TEST

/*
 * SMART "client-confidential-asymmetric": the kid is required, even
 * when the client has one key only, and must name exactly one key.
 */
START_TEST(test_kid_exactly_one)
{
	const char		*why;
	json_object		*c, *doc;
	char			 hdr[256], *t;
	time_t			 now = time(NULL);
	static const struct aspec remote_a = { 2, 0, NULL, "svc-remote",
	    "svc-remote", NULL, 0, 120, 0, 0 };

	c = claims_of(&ok_rsa, now);
	t = mint_rs384_hdr(k_rsa, "{\"alg\":\"RS384\"}", c);
	json_object_put(c);
	check("no kid", NULL, NULL, ATYPE, t, now, SG_E_INVALID_CLIENT, NULL,
	    &why);
	ck_assert_str_eq(why, "client assertion has no kid");
	free(t);
	c = claims_of(&ok_rsa, now);
	t = mint_rs384_hdr(k_rsa, "{\"alg\":\"RS384\",\"kid\":\"\"}", c);
	json_object_put(c);
	check("empty kid", NULL, NULL, ATYPE, t, now, SG_E_INVALID_CLIENT,
	    NULL, &why);
	ck_assert_str_eq(why, "client assertion has no kid");
	free(t);

	/* A JWKS with two keys under one kid: neither is chosen. */
	doc = tl_jwks_of(k_ra, SG_ALG_RS384, "a1", k_rb, SG_ALG_ES384, "a1");
	pthread_mutex_lock(&srv.mu);
	free(srv.body);
	srv.body = strdup(json_object_to_json_string(doc));
	pthread_mutex_unlock(&srv.mu);
	json_object_put(doc);
	c = claims_of(&remote_a, now);
	snprintf(hdr, sizeof(hdr), "{\"alg\":\"RS384\",\"kid\":\"a1\"}");
	t = mint_rs384_hdr(k_ra, hdr, c);
	json_object_put(c);
	check("kid names two keys", NULL, NULL, ATYPE, t, now,
	    SG_E_INVALID_CLIENT, NULL, &why);
	ck_assert_str_eq(why, "client assertion kid names more than one key");
	free(t);
}
END_TEST

/* One assertion by the remote client at time now, with key 2 (a) or 3 (b). */
static enum sg_status
remote(int key, time_t now, const char **why)
{
	const struct sg_client	*cl;
	struct aspec		 a = { key, 0, NULL, "svc-remote",
	    "svc-remote", NULL, 0, 120, 0, 0 };
	enum sg_status		 st;
	char			*t;

	t = mint(&a, now);
	st = run(NULL, NULL, ATYPE, t, now, &cl, why);
	free(t);
	ck_assert(st == SG_OK ? cl != NULL : cl == NULL);
	return st;
}

/*
 * jwks_uri: fetched once and cached, fetched again early for an unknown
 * kid but not twice within SG_CLIENT_JWKS_REFETCH_MIN, a failed fetch
 * not retried at once either.  The cache runs on the monotonic clock,
 * whatever now says: test_jwkscache.c moves that clock to check the
 * TTL and the end of each wait.
 */
START_TEST(test_jwks_uri_cache)
{
	const char	*why;
	time_t		 t0 = time(NULL);

#define FETCHES	atomic_load(&srv.fetches)
	ck_assert_int_eq(remote(2, t0, &why), SG_OK);
	ck_assert_int_eq(FETCHES, 1);
	ck_assert_int_eq(remote(2, t0 + 1, &why), SG_OK);
	ck_assert_int_eq(FETCHES, 1);
	/* A now far ahead does not expire the cache: only its clock does. */
	ck_assert_int_eq(remote(2, t0 + 100000, &why), SG_OK);
	ck_assert_int_eq(FETCHES, 1);

	/* Key b is not served yet: one early re-fetch, then none. */
	ck_assert_int_eq(remote(3, t0 + 2, &why), SG_E_INVALID_CLIENT);
	ck_assert_str_eq(why, WHY_KID);
	ck_assert_int_eq(FETCHES, 2);
	ck_assert_int_eq(remote(3, t0 + 3, &why), SG_E_INVALID_CLIENT);
	ck_assert_int_eq(FETCHES, 2);
	/* Rotation: b is served now, but the early re-fetch is too recent. */
	srv_serve(1, 1, 200);
	ck_assert_int_eq(remote(3, t0 + 31, &why), SG_E_INVALID_CLIENT);
	ck_assert_int_eq(FETCHES, 2);
	ck_assert_int_eq(remote(2, t0 + 31, &why), SG_OK);
	ck_assert_int_eq(FETCHES, 2);
#undef FETCHES
}
END_TEST

/* A server that fails: no keys, and no second fetch right away. */
START_TEST(test_jwks_uri_down)
{
	const char	*why;
	time_t		 t0 = time(NULL);

	srv_serve(1, 1, 500);
	ck_assert_int_eq(remote(2, t0, &why), SG_E_INVALID_CLIENT);
	ck_assert_int_eq(atomic_load(&srv.fetches), 1);
	srv_serve(1, 1, 200);
	ck_assert_int_eq(remote(2, t0 + 60, &why), SG_E_INVALID_CLIENT);
	ck_assert_int_eq(atomic_load(&srv.fetches), 1);
}
END_TEST

/* A jwks_uri that answers something other than a JWKS. */
START_TEST(test_jwks_uri_bad_document)
{
	const char	*why;
	time_t		 t0 = time(NULL);

	pthread_mutex_lock(&srv.mu);
	free(srv.body);
	srv.body = strdup("{\"keys\": [ {\"kty\":\"oct\",\"k\":\"AAAA\"} ]}");
	pthread_mutex_unlock(&srv.mu);
	ck_assert_int_eq(remote(2, t0, &why), SG_E_INVALID_CLIENT);
	ck_assert_int_eq(atomic_load(&srv.fetches), 1);
}
END_TEST

/* Only RS384 and ES384 keys are kept from a jwks_uri (SMART). */
START_TEST(test_jwks_uri_rs256_key_dropped)
{
	json_object	*doc;
	const char	*why;

	doc = tl_jwks_of(k_ra, SG_ALG_RS256, "a1", NULL, SG_ALG_NONE, NULL);
	pthread_mutex_lock(&srv.mu);
	free(srv.body);
	srv.body = strdup(json_object_to_json_string(doc));
	pthread_mutex_unlock(&srv.mu);
	json_object_put(doc);
	ck_assert_int_eq(remote(2, time(NULL), &why), SG_E_INVALID_CLIENT);
	ck_assert_int_eq(atomic_load(&srv.fetches), 1);
}
END_TEST

/* Failures are logged with the client id and never the secret. */
START_TEST(test_log_no_secret)
{
	const char		*why;
	char			 path[] = "/tmp/sg-clientauth-log-XXXXXX";
	char			 buf[4096];
	ssize_t			 n;
	int			 fd, saved, lines = 0;
	char			*p;

	ck_assert_int_ge(fd = mkstemp(path), 0);
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	check("post wrong secret", "app-post", "hunter2-secret", NULL, NULL,
	    time(NULL), SG_E_INVALID_CLIENT, NULL, &why);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	unlink(path);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	ck_assert_ptr_null(strstr(buf, "hunter2"));
	ck_assert_ptr_nonnull(strstr(buf, "client_id=app-post"));
	ck_assert_ptr_nonnull(strstr(buf, "00000000c11e0001"));
	for (p = buf; (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	ck_assert_int_eq(lines, 1);
}
END_TEST

/* Fail closed: a ledger that cannot be used refuses every assertion. */
START_TEST(test_ledger_unavailable)
{
	const char		*why;
	char			*t;
	time_t			 now = time(NULL);

	teardown();
	setup_with("lmdb:/nonexistent/dir");
	t = mint(&ok_rsa, now);
	check("ledger down", NULL, NULL, ATYPE, t, now, SG_E_UNAVAILABLE, NULL,
	    &why);
	free(t);
	/* The secret methods do not need the ledger. */
	check("post, ledger down", "app-post", POST_SECRET, NULL, NULL, now,
	    SG_OK, "app-post", &why);
}
END_TEST

/* "none": nothing remembered, a replay passes (documented, ledger.h). */
START_TEST(test_ledger_none)
{
	const char		*why;
	char			*t;
	time_t			 now = time(NULL);

	teardown();
	setup_with("none");
	t = mint(&ok_rsa, now);
	check("none, first", NULL, NULL, ATYPE, t, now, SG_OK, "svc-rsa", &why);
	check("none, again", NULL, NULL, ATYPE, t, now, SG_OK, "svc-rsa", &why);
	free(t);
}
END_TEST

static Suite *
clientauth_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("clientauth");
	tc = tcase_create("core");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_secret_methods, 0,
	    (int)(sizeof(secret_cases) / sizeof(secret_cases[0])));
	tcase_add_test(tc, test_basic_malformed);
	tcase_add_loop_test(tc, test_assertions, 0,
	    (int)(sizeof(jwt_cases) / sizeof(jwt_cases[0])));
	tcase_add_test(tc, test_replay);
	tcase_add_test(tc, test_replay_odd_jti);
	tcase_add_test(tc, test_hs256_forged);
	tcase_add_test(tc, test_jku);
	tcase_add_test(tc, test_kid_exactly_one);
	tcase_add_test(tc, test_jwks_uri_cache);
	tcase_add_test(tc, test_jwks_uri_down);
	tcase_add_test(tc, test_jwks_uri_bad_document);
	tcase_add_test(tc, test_jwks_uri_rs256_key_dropped);
	tcase_add_test(tc, test_log_no_secret);
	tcase_add_test(tc, test_ledger_unavailable);
	tcase_add_test(tc, test_ledger_none);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	int	 rc;

	k_rsa = EVP_RSA_gen(3072);
	k_ec = EVP_EC_gen("P-384");
	k_ra = EVP_RSA_gen(2048);
	k_rb = EVP_EC_gen("P-384");
	if (k_rsa == NULL || k_ec == NULL || k_ra == NULL || k_rb == NULL) {
		fprintf(stderr, "key generation failed\n");
		return 1;
	}
	rc = tl_run(clientauth_suite());
	EVP_PKEY_free(k_rsa);
	EVP_PKEY_free(k_ec);
	EVP_PKEY_free(k_ra);
	EVP_PKEY_free(k_rb);
	return rc;
}
