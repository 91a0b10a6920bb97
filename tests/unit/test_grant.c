/*
 * Unit tests for grant.c: codes and refresh tokens (seal round trips,
 * purposes, expiry, tampering, malformed content), rotation, and the
 * access and id tokens.  The launch context is in test_context.c, the
 * transaction in test_txn.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "b64.h"
#include "bounds.h"
#include "config.h"
#include "grant.h"
#include "jwt.h"
#include "keys.h"
#include "ledger.h"
#include "seal.h"
#include "txn.h"
#include "testlib.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define NOW		((time_t)1700000000)
#define GID		"AAAAAAAAAAAAAAAAAAAAAA"	/* 22 characters */

static struct sg_keys	 keys;		/* made once in main(): RSA is slow */
static char		 c_public[] = "https://gw.example.org";
static char		 c_issuer[] = "https://gw.example.org/auth";
static char		 c_fhir_base[] = "https://gw.example.org/fhir";

static void
keys_init(void)
{
	tl_master_key(&keys);
	keys.sign[0].pkey = EVP_RSA_gen(2048);
	if (keys.sign[0].pkey == NULL ||
	    sg_jwk_thumbprint(keys.sign[0].pkey, keys.sign[0].kid) != 0)
		abort();
	keys.sign[0].alg = SG_ALG_RS256;
	keys.nsign = 1;
}

static void
cfg_init(struct sg_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->public_url = c_public;
	cfg->issuer = c_issuer;
	cfg->fhir_base = c_fhir_base;
}

/* A grant described by text, to build struct sg_grant from. */
struct grant_spec {
	const char	*client_id, *scope, *sub, *name, *fhir_user, *nonce;
	time_t		 auth_time;
	const char	*patient, *encounter, *fhir_context, *intent, *style;
	int		 banner;
	const char	*launch_client;
	const char	*redirect_uri, *code_challenge;
	time_t		 grant_exp;
	int		 offline;
};

static const struct grant_spec grant_table[] = {
	/* Everything set. */
	{ "app-1", "launch/patient patient/*.rs openid fhirUser profile "
	    "offline_access", "alice@idp", "Alice Ä. Smith", "Patient/123",
	    "n-0S6_WzA2Mj", NOW - 30, "123", "enc-9",
	    "[{\"reference\":\"Encounter/9\",\"role\":\"launch\"},"
	    "{\"canonical\":\"http://x.org/Q|1\",\"type\":\"Questionnaire\"},"
	    "{\"identifier\":{\"system\":\"urn:s\",\"value\":\"v\"}}]",
	    "reconcile-medications", "https://ehr.example/style.json", 1,
	    "app-1", "https://app.example/cb?x=1",
	    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", NOW + 86400 * 90,
	    1 },
	/* need_patient_banner false, empty fhirContext, online. */
	{ "app-2", "launch patient/Observation.rs", "bob", NULL, NULL, NULL,
	    NOW, "p1", NULL, "[]", NULL, NULL, 0, NULL, NULL, NULL, 0, 0 },
	/* Minimal: only what is required; banner unset. */
	{ "app-3", "", NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL,
	    NULL, -1, NULL, NULL, NULL, 0, 0 },
	/* Characters JSON must escape, in every string. */
	{ "c\"l\\i\n", "s\"c", "s\tu", "n\x01", "Practitioner/9\"",
	    "\xe2\x82\xac", 1, "p\"", "e\\", "[{\"reference\":\"P/\\\"\"}]",
	    "i\"", "u\\", 0, "c\"", "r\"", "cc\\", 1, 0 },
	/* Refresh-like: grant_exp, offline, no code fields. */
	{ "app-5", "openid offline_access", "carol", "Carol", "Person/5",
	    NULL, NOW - 3600, NULL, NULL, NULL, NULL, NULL, 1, NULL, NULL,
	    NULL, NOW + 1000, 1 },
};

static void
grant_from_spec(struct sg_grant *g, const struct grant_spec *s)
{
	memset(g, 0, sizeof(*g));
	memcpy(g->gid, GID, sizeof(GID));
	g->client_id = tl_dup_or_null(s->client_id);
	g->scope = tl_dup_or_null(s->scope);
	g->sub = tl_dup_or_null(s->sub);
	g->name = tl_dup_or_null(s->name);
	g->fhir_user = tl_dup_or_null(s->fhir_user);
	g->nonce = tl_dup_or_null(s->nonce);
	g->auth_time = s->auth_time;
	g->ctx.patient = tl_dup_or_null(s->patient);
	g->ctx.encounter = tl_dup_or_null(s->encounter);
	if (s->fhir_context != NULL) {
		g->ctx.fhir_context = json_tokener_parse(s->fhir_context);
		ck_assert_ptr_nonnull(g->ctx.fhir_context);
	}
	g->ctx.intent = tl_dup_or_null(s->intent);
	g->ctx.smart_style_url = tl_dup_or_null(s->style);
	g->ctx.need_patient_banner = s->banner;
	g->ctx.client_id = tl_dup_or_null(s->launch_client);
	g->redirect_uri = tl_dup_or_null(s->redirect_uri);
	g->code_challenge = tl_dup_or_null(s->code_challenge);
	g->grant_exp = s->grant_exp;
	g->offline = s->offline;
}

static void
grant_eq(const struct sg_grant *a, const struct sg_grant *b)
{
	ck_assert_str_eq(a->gid, b->gid);
	tl_str_eq("client_id", a->client_id, b->client_id);
	tl_str_eq("scope", a->scope, b->scope);
	tl_str_eq("sub", a->sub, b->sub);
	tl_str_eq("name", a->name, b->name);
	tl_str_eq("fhir_user", a->fhir_user, b->fhir_user);
	tl_str_eq("nonce", a->nonce, b->nonce);
	ck_assert_int_eq((long long)a->auth_time, (long long)b->auth_time);
	tl_ctx_eq(&a->ctx, &b->ctx);
	tl_str_eq("redirect_uri", a->redirect_uri, b->redirect_uri);
	tl_str_eq("code_challenge", a->code_challenge, b->code_challenge);
	ck_assert_int_eq((long long)a->grant_exp, (long long)b->grant_exp);
	ck_assert_int_eq(a->offline, b->offline);
}

/* Everything a failed open must leave: nothing owned. */
static void
grant_is_empty(const struct sg_grant *g)
{
	ck_assert_ptr_null(g->client_id);
	ck_assert_ptr_null(g->scope);
	ck_assert_ptr_null(g->sub);
	ck_assert_ptr_null(g->name);
	ck_assert_ptr_null(g->fhir_user);
	ck_assert_ptr_null(g->nonce);
	ck_assert_ptr_null(g->redirect_uri);
	ck_assert_ptr_null(g->code_challenge);
	ck_assert_ptr_null(g->ctx.patient);
	ck_assert_ptr_null(g->ctx.encounter);
	ck_assert_ptr_null(g->ctx.fhir_context);
	ck_assert_ptr_null(g->ctx.intent);
	ck_assert_ptr_null(g->ctx.smart_style_url);
	ck_assert_ptr_null(g->ctx.client_id);
}

static const char *const purposes[] = { SG_PURPOSE_CODE, SG_PURPOSE_REFRESH };

START_TEST(test_round_trip)
{
	struct sg_grant	 g, out;
	char		 jti[23], *tok;
	size_t		 p;

	grant_from_spec(&g, &grant_table[_i]);
	for (p = 0; p < NELEM(purposes); p++) {
		tok = sg_grant_seal(&keys, purposes[p], &g, NOW + 60);
		ck_assert_ptr_nonnull(tok);
		memset(jti, 'x', sizeof(jti));
		ck_assert_int_eq(sg_grant_open(&keys, purposes[p], NOW, tok,
		    &out, jti), SG_SEAL_OK);
		grant_eq(&g, &out);
		ck_assert_uint_eq(strlen(jti), 22);
		ck_assert_uint_eq(strspn(jti, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789-_"), 22);
		sg_grant_clear(&out);
		ck_assert_ptr_null(out.client_id);
		ck_assert_int_eq(out.ctx.need_patient_banner, -1);
		free(tok);
	}
	sg_grant_clear(&g);
}
END_TEST

/* Each purpose opens only as itself (seal.h: the purpose is the AAD). */
static const struct {
	const char	*seal_as;	/* NULL: a transaction */
	const char	*open_as;	/* NULL: a transaction */
} cross_table[] = {
	{ SG_PURPOSE_CODE, SG_PURPOSE_REFRESH },
	{ SG_PURPOSE_REFRESH, SG_PURPOSE_CODE },
	{ SG_PURPOSE_CODE, NULL },
	{ SG_PURPOSE_REFRESH, NULL },
	{ NULL, SG_PURPOSE_CODE },
	{ NULL, SG_PURPOSE_REFRESH },
	{ SG_PURPOSE_CODE, SG_PURPOSE_LAUNCH },
	{ SG_PURPOSE_REFRESH, SG_PURPOSE_TRANSACTION },
};

START_TEST(test_cross_purpose)
{
	struct sg_grant	 g, out;
	struct sg_txn	 t, tout;
	char		 jti[23], *tok;

	grant_from_spec(&g, &grant_table[0]);
	sg_txn_init(&t);
	t.client_id = strdup("app");
	t.redirect_uri = strdup("https://app.example/cb");
	t.state = strdup("st");
	t.scope = strdup("openid");
	t.code_challenge = strdup("cc");
	if (cross_table[_i].seal_as != NULL)
		tok = sg_grant_seal(&keys, cross_table[_i].seal_as, &g,
		    NOW + 60);
	else
		tok = sg_txn_seal(&keys, &t, NOW + 60);
	ck_assert_ptr_nonnull(tok);
	if (cross_table[_i].open_as != NULL) {
		ck_assert_int_eq(sg_grant_open(&keys, cross_table[_i].open_as,
		    NOW, tok, &out, jti), SG_SEAL_BAD);
		grant_is_empty(&out);
	} else {
		ck_assert_int_eq(sg_txn_open(&keys, NOW, tok, &tout),
		    SG_SEAL_BAD);
		ck_assert_ptr_null(tout.client_id);
		ck_assert_ptr_null(tout.state);
	}
	free(tok);
	sg_txn_clear(&t);
	sg_grant_clear(&g);
}
END_TEST

START_TEST(test_expired)
{
	struct sg_grant	 g, out;
	char		 jti[23], *tok;

	grant_from_spec(&g, &grant_table[1]);
	tok = sg_grant_seal(&keys, purposes[_i], &g, NOW + 60);
	ck_assert_ptr_nonnull(tok);
	/* Up to and including expiry it opens; one second later it does not. */
	ck_assert_int_eq(sg_grant_open(&keys, purposes[_i], NOW + 60, tok,
	    &out, jti), SG_SEAL_OK);
	sg_grant_clear(&out);
	ck_assert_int_eq(sg_grant_open(&keys, purposes[_i], NOW + 61, tok,
	    &out, jti), SG_SEAL_EXPIRED);
	grant_is_empty(&out);
	ck_assert_int_eq(sg_grant_open(&keys, purposes[_i], NOW + 86400, tok,
	    &out, jti), SG_SEAL_EXPIRED);
	grant_is_empty(&out);
	free(tok);
	sg_grant_clear(&g);
}
END_TEST

/* Any character of the token changed: refused, never opened. */
START_TEST(test_tampered)
{
	struct sg_grant		 g, out;
	enum sg_seal_result	 r;
	char			 jti[23], *tok, orig;
	size_t			 i, len;

	grant_from_spec(&g, &grant_table[0]);
	tok = sg_grant_seal(&keys, purposes[_i], &g, NOW + 60);
	ck_assert_ptr_nonnull(tok);
	len = strlen(tok);
	for (i = 0; i < len; i++) {
		orig = tok[i];
		tok[i] = orig == 'A' ? 'B' : 'A';
		r = sg_grant_open(&keys, purposes[_i], NOW, tok, &out, jti);
		/*
		 * The last character may carry unused bits; the header bytes
		 * may turn into an unknown key or a malformed envelope.
		 */
		ck_assert_msg(r != SG_SEAL_OK || i == len - 1,
		    "tampered at %zu opened", i);
		if (r == SG_SEAL_OK)
			sg_grant_clear(&out);
		else
			grant_is_empty(&out);
		/* Past the envelope's header, it is authentication that fails. */
		if (i > 20 && i < len - 1)
			ck_assert_int_eq(r, SG_SEAL_BAD);
		tok[i] = orig;
	}
	ck_assert_int_eq(sg_grant_open(&keys, purposes[_i], NOW, tok, &out,
	    jti), SG_SEAL_OK);
	sg_grant_clear(&out);
	/* Truncated and extended. */
	tok[len - 4] = '\0';
	ck_assert_int_ne(sg_grant_open(&keys, purposes[_i], NOW, tok, &out,
	    jti), SG_SEAL_OK);
	grant_is_empty(&out);
	ck_assert_int_ne(sg_grant_open(&keys, purposes[_i], NOW, "", &out,
	    jti), SG_SEAL_OK);
	ck_assert_int_ne(sg_grant_open(&keys, purposes[_i], NOW, "not a token",
	    &out, jti), SG_SEAL_OK);
	free(tok);
	sg_grant_clear(&g);
}
END_TEST

START_TEST(test_distinct_jti)
{
	struct sg_grant	 g, out;
	char		 jti1[23], jti2[23], *a, *b;

	grant_from_spec(&g, &grant_table[_i % NELEM(grant_table)]);
	a = sg_grant_seal(&keys, purposes[_i % 2], &g, NOW + 60);
	b = sg_grant_seal(&keys, purposes[_i % 2], &g, NOW + 60);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_str_ne(a, b);
	ck_assert_int_eq(sg_grant_open(&keys, purposes[_i % 2], NOW, a, &out,
	    jti1), SG_SEAL_OK);
	sg_grant_clear(&out);
	ck_assert_int_eq(sg_grant_open(&keys, purposes[_i % 2], NOW, b, &out,
	    jti2), SG_SEAL_OK);
	/* Same grant id (one approval), different token ids. */
	ck_assert_str_eq(out.gid, GID);
	ck_assert_str_ne(jti1, jti2);
	ck_assert_str_ne(jti1, GID);
	sg_grant_clear(&out);
	free(a);
	free(b);
	sg_grant_clear(&g);
}
END_TEST

/*
 * Authentic content that is not a valid grant: refused as malformed,
 * with nothing left in the grant (valgrind and ASan check the leaks).
 */
#define J_OK_CTX	"\"ctx\":{\"patient\":\"p\",\"fhirContext\":[]}"
#define J_HEAD		"\"jti\":\"BBBBBBBBBBBBBBBBBBBBBB\",\"gid\":\"" GID "\""
static const struct {
	const char	*json;
	int		 ok;
} malformed_table[] = {
	/* The baseline: valid, to show the table's content can open. */
	{ "{" J_HEAD ",\"cid\":\"c\",\"scope\":\"s\",\"sub\":\"u\","
	    "\"name\":\"n\",\"fu\":\"Patient/1\",\"at\":5," J_OK_CTX ","
	    "\"ru\":\"r\",\"cc\":\"x\",\"gexp\":9,\"off\":true}", 1 },
	{ "{" J_HEAD ",\"cid\":\"c\",\"scope\":\"s\"," J_OK_CTX "}", 1 },
	/* Required members missing. */
	{ "{\"gid\":\"" GID "\",\"cid\":\"c\",\"scope\":\"s\"," J_OK_CTX "}",
	    0 },
	{ "{\"jti\":\"" GID "\",\"cid\":\"c\",\"scope\":\"s\"," J_OK_CTX "}",
	    0 },
	{ "{" J_HEAD ",\"scope\":\"s\",\"sub\":\"u\",\"name\":\"n\"," J_OK_CTX
	    "}", 0 },
	{ "{" J_HEAD ",\"cid\":\"c\",\"sub\":\"u\",\"name\":\"n\"," J_OK_CTX
	    "}", 0 },
	{ "{" J_HEAD ",\"cid\":\"c\",\"scope\":\"s\",\"sub\":\"u\","
	    "\"name\":\"n\",\"fu\":\"f\",\"nonce\":\"x\",\"ru\":\"r\"}", 0 },
	/* Wrong lengths and types. */
	{ "{\"jti\":\"short\",\"gid\":\"" GID "\",\"cid\":\"c\","
	    "\"scope\":\"s\"," J_OK_CTX "}", 0 },
	{ "{\"jti\":\"BBBBBBBBBBBBBBBBBBBBBBB\",\"gid\":\"" GID "\","
	    "\"cid\":\"c\",\"scope\":\"s\"," J_OK_CTX "}", 0 },
	{ "{\"jti\":\"BBBBBBBBBBBBBBBBBBBBBB\",\"gid\":1,\"cid\":\"c\","
	    "\"scope\":\"s\"," J_OK_CTX "}", 0 },
	{ "{" J_HEAD ",\"cid\":7,\"scope\":\"s\"," J_OK_CTX "}", 0 },
	{ "{" J_HEAD ",\"cid\":null,\"scope\":\"s\"," J_OK_CTX "}", 0 },
	{ "{" J_HEAD ",\"cid\":\"c\",\"scope\":[],\"sub\":\"u\","
	    J_OK_CTX "}", 0 },
	{ "{" J_HEAD ",\"cid\":\"c\",\"scope\":\"s\",\"sub\":\"u\","
	    "\"name\":true," J_OK_CTX "}", 0 },
	{ "{" J_HEAD ",\"cid\":\"c\",\"scope\":\"s\",\"sub\":\"u\","
	    "\"fu\":{}," J_OK_CTX "}", 0 },
	{ "{" J_HEAD ",\"cid\":\"c\",\"scope\":\"s\",\"sub\":\"u\","
	    "\"nonce\":1," J_OK_CTX "}", 0 },
	{ "{" J_HEAD ",\"cid\":\"c\",\"scope\":\"s\",\"sub\":\"u\","
	    "\"at\":\"5\"," J_OK_CTX "}", 0 },
	{ "{" J_HEAD ",\"cid\":\"c\",\"scope\":\"s\",\"sub\":\"u\","
	    "\"ru\":1," J_OK_CTX "}", 0 },
	{ "{" J_HEAD ",\"cid\":\"c\",\"scope\":\"s\",\"sub\":\"u\","
	    "\"cc\":1," J_OK_CTX "}", 0 },
	{ "{" J_HEAD ",\"cid\":\"c\",\"scope\":\"s\",\"sub\":\"u\","
	    "\"gexp\":1.5," J_OK_CTX "}", 0 },
	{ "{" J_HEAD ",\"cid\":\"c\",\"scope\":\"s\",\"sub\":\"u\","
	    "\"ctx\":[]}", 0 },
	{ "{" J_HEAD ",\"cid\":\"c\",\"scope\":\"s\",\"sub\":\"u\","
	    "\"ctx\":null}", 0 },
	{ "{" J_HEAD ",\"cid\":\"c\",\"scope\":\"s\",\"sub\":\"u\","
	    "\"ctx\":{\"patient\":\"p\",\"fhirContext\":{}}}", 0 },
	{ "{" J_HEAD ",\"cid\":\"c\",\"scope\":\"s\",\"sub\":\"u\","
	    "\"ctx\":{\"patient\":\"p\",\"encounter\":\"e\","
	    "\"fhirContext\":[],\"need_patient_banner\":\"yes\"}}", 0 },
	{ "{" J_HEAD ",\"cid\":\"c\",\"scope\":\"s\",\"sub\":\"u\","
	    "\"ctx\":{\"patient\":\"p\",\"fhirContext\":[],\"intent\":2}}", 0 },
	{ "{" J_HEAD ",\"cid\":\"c\",\"scope\":\"s\",\"sub\":\"u\","
	    "\"ctx\":{\"patient\":\"p\",\"client_id\":[\"x\"]}}", 0 },
	/* Not an object, not JSON. */
	{ "[]", 0 },
	{ "\"x\"", 0 },
	{ "", 0 },
	{ "{", 0 },
	{ "{" J_HEAD ",\"cid\":\"c\"", 0 },
};

START_TEST(test_malformed)
{
	struct sg_grant		 out;
	char			 jti[23], *tok;
	const char		*json = malformed_table[_i].json;
	size_t			 p;

	for (p = 0; p < NELEM(purposes); p++) {
		tok = sg_seal(&keys, purposes[p], NOW + 60, json, strlen(json));
		ck_assert_ptr_nonnull(tok);
		if (malformed_table[_i].ok) {
			ck_assert_int_eq(sg_grant_open(&keys, purposes[p], NOW,
			    tok, &out, jti), SG_SEAL_OK);
			ck_assert_str_eq(jti, "BBBBBBBBBBBBBBBBBBBBBB");
			ck_assert_str_eq(out.client_id, "c");
			sg_grant_clear(&out);
		} else {
			ck_assert_int_eq(sg_grant_open(&keys, purposes[p], NOW,
			    tok, &out, jti), SG_SEAL_MALFORMED);
			grant_is_empty(&out);
		}
		free(tok);
	}
}
END_TEST

static void
b64url_len(const char *s, size_t want)
{
	ck_assert_uint_eq(strlen(s), want);
	ck_assert_uint_eq(strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_"), want);
}

/* Verifies a token of ours; returns the claims, header in *hdr. */
static json_object *
verify(const char *tok, const char *aud, const char *typ, json_object **hdr)
{
	struct sg_jwk		 own[SG_MAX_SIGNING_KEYS];
	struct sg_jwt_expect	 e;
	json_object		*claims = NULL;
	size_t			 n;
	enum sg_jwt_result	 r;

	n = sg_jwt_own_keys(&keys, own, SG_MAX_SIGNING_KEYS);
	ck_assert_uint_eq(n, 1);
	memset(&e, 0, sizeof(e));
	e.iss = c_issuer;
	e.aud = aud;
	e.typ = typ;
	e.now = NOW;
	e.require_exp = 1;
	r = sg_jwt_verify(tok, own, n, &e, &claims, hdr);
	ck_assert_msg(r == SG_JWT_OK, "verify: %s", sg_jwt_strerror(r));
	return claims;
}

static const char *
claim_str(json_object *c, const char *k)
{
	json_object	*v;

	if (!json_object_object_get_ex(c, k, &v))
		return NULL;
	ck_assert(json_object_is_type(v, json_type_string));
	return json_object_get_string(v);
}

static long long
claim_int(json_object *c, const char *k)
{
	json_object	*v;

	ck_assert_msg(json_object_object_get_ex(c, k, &v), "no %s", k);
	ck_assert(json_object_is_type(v, json_type_int));
	return (long long)json_object_get_int64(v);
}

static const struct {
	const char	*scope;
	const char	*sub;
	const char	*patient, *encounter, *fhir_user;
	long		 ttl;
} at_table[] = {
	{ "launch/patient patient/*.rs openid fhirUser", "alice", "123",
	    "enc-1", "Patient/123", 3600 },
	{ "fhirUser", "alice", NULL, NULL, "Practitioner/9", 60 },
	{ "openid fhirUser profile", "alice", NULL, NULL, "Person/1", 300 },
	/*
	 * Without the fhirUser scope the access token still names the
	 * user, sealed: the proxy confines user/ scopes to that identity.
	 */
	{ "launch/patient patient/*.rs", "alice", "123", NULL,
	    "Patient/123", 3600 },
	{ "", "alice", NULL, NULL, "Patient/1", 10 },
	{ "openid fhirUser", "bob", NULL, NULL, NULL, 3600 },
	/* No user at all. */
	{ "system/*.rs", NULL, NULL, NULL, NULL, 300 },
};

/* 1 when needle occurs in the len bytes at hay. */
static int
has_bytes(const unsigned char *hay, size_t len, const char *needle)
{
	size_t	 n = strlen(needle), i;

	for (i = 0; n <= len && i <= len - n; i++)
		if (memcmp(hay + i, needle, n) == 0)
			return 1;
	return 0;
}

/*
 * What the app holds tells it nothing: not a JWT, and the token does
 * not decode to the user, the scope or the patient (SMART App Launch:
 * access tokens are opaque to apps; the user's identity only with
 * openid / fhirUser / profile, in the id_token).
 */
static void
opaque(const char *tok, const char *secret)
{
	unsigned char	*raw;
	size_t		 len;

	if (secret == NULL || *secret == '\0')
		return;
	ck_assert_ptr_null(strchr(tok, '.'));
	ck_assert_ptr_null(strstr(tok, secret));
	raw = sg_b64url_decode(tok, strlen(tok), &len);
	ck_assert_ptr_nonnull(raw);
	ck_assert_msg(!has_bytes(raw, len, secret), "%s readable", secret);
	free(raw);
}

START_TEST(test_access_token)
{
	struct sg_config	 cfg;
	struct sg_grant		 g;
	struct sg_access	 a;
	char			*tok, *tok2;
	long			 ttl = at_table[_i].ttl;

	cfg_init(&cfg);
	memset(&g, 0, sizeof(g));
	memcpy(g.gid, GID, sizeof(GID));
	g.client_id = strdup("app-1");
	g.scope = strdup(at_table[_i].scope);
	g.sub = tl_dup_or_null(at_table[_i].sub);
	g.fhir_user = tl_dup_or_null(at_table[_i].fhir_user);
	g.ctx.patient = tl_dup_or_null(at_table[_i].patient);
	g.ctx.encounter = tl_dup_or_null(at_table[_i].encounter);
	g.ctx.fhir_context = json_tokener_parse(
	    "[{\"reference\":\"Encounter/enc-1\",\"role\":\"launch\"}]");
	g.ctx.need_patient_banner = -1;
	g.nonce = strdup("nonce-not-in-at");
	tok = sg_grant_access_token(&cfg, &keys, &g, NOW, ttl);
	ck_assert_ptr_nonnull(tok);
	opaque(tok, at_table[_i].sub);
	opaque(tok, at_table[_i].fhir_user);
	opaque(tok, at_table[_i].scope);
	ck_assert_int_eq(sg_access_open(&keys, NOW, tok, &a), SG_SEAL_OK);
	ck_assert_str_eq(a.gid, GID);
	b64url_len(a.jti, 22);
	ck_assert_str_eq(a.client_id, "app-1");
	ck_assert_str_eq(a.scope, at_table[_i].scope);
	ck_assert_str_eq(a.aud, c_fhir_base);
	tl_str_eq("sub", a.sub, at_table[_i].sub);
	tl_str_eq("fhirUser", a.fhir_user, at_table[_i].fhir_user);
	tl_str_eq("patient", a.ctx.patient, at_table[_i].patient);
	tl_str_eq("encounter", a.ctx.encounter, at_table[_i].encounter);
	ck_assert_int_eq(json_object_equal(a.ctx.fhir_context,
	    g.ctx.fhir_context), 1);
	ck_assert_ptr_null(a.ctx.intent);
	ck_assert_int_eq((long long)a.iat, (long long)NOW);
	ck_assert_int_eq((long long)a.exp, (long long)NOW + ttl);
	/* A fresh jti each time. */
	tok2 = sg_grant_access_token(&cfg, &keys, &g, NOW, ttl);
	ck_assert_ptr_nonnull(tok2);
	ck_assert_str_ne(tok, tok2);
	sg_access_clear(&a);
	ck_assert_ptr_null(a.client_id);
	/* Up to exp it opens; a second later it does not. */
	ck_assert_int_eq(sg_access_open(&keys, NOW + ttl, tok, &a),
	    SG_SEAL_OK);
	sg_access_clear(&a);
	ck_assert_int_eq(sg_access_open(&keys, NOW + ttl + 1, tok, &a),
	    SG_SEAL_EXPIRED);
	ck_assert_ptr_null(a.client_id);
	free(tok);
	free(tok2);
	sg_grant_clear(&g);
}
END_TEST

/*
 * One kind of sealed thing is never another: a code, a refresh token,
 * a launch or a transaction never opens as an access token, nor an
 * access token as a code or a refresh token (seal.h: purpose as AAD).
 */
START_TEST(test_access_token_purpose)
{
	struct sg_config	 cfg;
	struct sg_grant		 g, out;
	struct sg_access	 a;
	struct sg_txn		 t;
	char			 jti[23], *tok, *others[4];
	size_t			 i;

	cfg_init(&cfg);
	grant_from_spec(&g, &grant_table[0]);
	sg_txn_init(&t);
	t.client_id = strdup("app");
	t.redirect_uri = strdup("https://app.example/cb");
	t.state = strdup("st");
	t.scope = strdup("openid");
	t.code_challenge = strdup("cc");
	others[0] = sg_grant_seal(&keys, SG_PURPOSE_CODE, &g, NOW + 60);
	others[1] = sg_grant_seal(&keys, SG_PURPOSE_REFRESH, &g, NOW + 60);
	others[2] = sg_launch_seal(&keys, &g.ctx, NOW + 60);
	others[3] = sg_txn_seal(&keys, &t, NOW + 60);
	for (i = 0; i < NELEM(others); i++) {
		ck_assert_ptr_nonnull(others[i]);
		ck_assert_int_eq(sg_access_open(&keys, NOW, others[i], &a),
		    SG_SEAL_BAD);
		ck_assert_ptr_null(a.client_id);
		free(others[i]);
	}
	tok = sg_grant_access_token(&cfg, &keys, &g, NOW, 60);
	ck_assert_ptr_nonnull(tok);
	ck_assert_int_eq(sg_grant_open(&keys, SG_PURPOSE_CODE, NOW, tok, &out,
	    jti), SG_SEAL_BAD);
	grant_is_empty(&out);
	ck_assert_int_eq(sg_grant_open(&keys, SG_PURPOSE_REFRESH, NOW, tok,
	    &out, jti), SG_SEAL_BAD);
	grant_is_empty(&out);
	/* Tampered: one character changed fails. */
	tok[strlen(tok) / 2] = tok[strlen(tok) / 2] == 'A' ? 'B' : 'A';
	ck_assert_int_ne(sg_access_open(&keys, NOW, tok, &a), SG_SEAL_OK);
	ck_assert_ptr_null(a.client_id);
	free(tok);
	sg_txn_clear(&t);
	sg_grant_clear(&g);
}
END_TEST

/* The refresh generation survives the seal. */
START_TEST(test_refresh_generation)
{
	struct sg_grant	 g, out;
	char		 jti[23], *tok;

	grant_from_spec(&g, &grant_table[4]);
	g.gen = 41;
	tok = sg_grant_seal(&keys, SG_PURPOSE_REFRESH, &g, NOW + 60);
	ck_assert_ptr_nonnull(tok);
	ck_assert_int_eq(sg_grant_open(&keys, SG_PURPOSE_REFRESH, NOW, tok,
	    &out, jti), SG_SEAL_OK);
	ck_assert_uint_eq(out.gen, 41);
	sg_grant_clear(&out);
	free(tok);
	sg_grant_clear(&g);
}
END_TEST

/* A ledger in a fresh temporary folder, with a small map. */
static struct sg_ledger *
small_ledger(char *dir, size_t dirlen, size_t map)
{
	struct sg_ledger	*l;
	char			 spec[512];

	snprintf(dir, dirlen, "/tmp/sg-test-grant-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(spec, sizeof(spec), "lmdb:%s", dir);
	l = sg_ledger_open(spec, NULL, 0);
	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(sg_ledger_set_map_size(l, map), 0);
	return l;
}

static void
rm_ledger(struct sg_ledger *l, const char *dir)
{
	char	 p[512];

	sg_ledger_close(l);
	snprintf(p, sizeof(p), "%s/data.mdb", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/lock.mdb", dir);
	unlink(p);
	rmdir(dir);
}

/* What sg_grant_list and sg_grant_find saw. */
struct seen {
	size_t	 n;
	char	 gid[8][23];
	char	 sub[8][16];
	char	 pat[8][16];
	int	 offline[8];
	time_t	 since[8], until[8];
};

static int
saw(const struct sg_grant_info *gi, void *arg)
{
	struct seen	*s = arg;

	ck_assert_uint_lt(s->n, 8);
	snprintf(s->gid[s->n], sizeof(s->gid[0]), "%s", gi->gid);
	snprintf(s->sub[s->n], sizeof(s->sub[0]), "%s", gi->sub);
	snprintf(s->pat[s->n], sizeof(s->pat[0]), "%s",
	    gi->patient != NULL ? gi->patient : "-");
	s->offline[s->n] = gi->offline;
	s->since[s->n] = gi->since;
	s->until[s->n] = gi->until;
	s->n++;
	return 0;
}

/*
 * The grant registry read back (the connected-apps page and
 * smartgate-revoke): by user, by client, by id; the patient recorded;
 * revocation seen; ids checked before any look-up.
 */
START_TEST(test_grant_list_find)
{
	static const struct {
		const char	*sub, *cid, *pat, *scope;
	} in[] = {
		{ "alice", "app-a", "pat-1", "openid offline_access patient/*.rs" },
		{ "bob", "app-a", "pat-2", "patient/*.rs" },
		{ "alice", "app-b", NULL, "user/*.rs" },
	};
	struct sg_ledger	*l;
	struct sg_grant		 g[3];
	struct seen		 s;
	char			 dir[64];
	size_t			 i;

	l = small_ledger(dir, sizeof(dir), 1024 * 1024);
	for (i = 0; i < 3; i++) {
		memset(&g[i], 0, sizeof(g[i]));
		g[i].ctx.need_patient_banner = -1;
		sg_grant_new_id(&g[i]);
		g[i].sub = strdup(in[i].sub);
		g[i].client_id = strdup(in[i].cid);
		g[i].scope = strdup(in[i].scope);
		g[i].ctx.patient = in[i].pat != NULL ? strdup(in[i].pat) : NULL;
		g[i].offline = strstr(in[i].scope, "offline_access") != NULL;
		g[i].grant_exp = NOW + 86400;
		ck_assert_int_eq(sg_grant_record(l, NULL, &g[i], 1, 3600, NOW),
		    0);
	}
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(sg_grant_list(l, NULL, NOW, NULL, "alice", saw, &s),
	    SG_LEDGER_OK);
	ck_assert_uint_eq(s.n, 2);
	for (i = 0; i < s.n; i++) {
		ck_assert_str_eq(s.sub[i], "alice");
		ck_assert_int_eq(s.since[i], NOW);
		if (strcmp(s.gid[i], g[0].gid) == 0) {
			ck_assert_str_eq(s.pat[i], "pat-1");
			ck_assert_int_eq(s.offline[i], 1);
			ck_assert_int_eq(s.until[i], NOW + 86400);
		} else {
			ck_assert_str_eq(s.gid[i], g[2].gid);
			ck_assert_str_eq(s.pat[i], "-");
			ck_assert_int_eq(s.offline[i], 0);
			ck_assert_int_eq(s.until[i], NOW + 3600);
		}
	}
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(sg_grant_list(l, NULL, NOW, "app-a", NULL, saw, &s),
	    SG_LEDGER_OK);
	ck_assert_uint_eq(s.n, 2);
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(sg_grant_list(l, NULL, NOW, "app-b", "bob", saw, &s),
	    SG_LEDGER_OK);
	ck_assert_uint_eq(s.n, 0);
	/* After its end a grant is listed no more. */
	ck_assert_int_eq(sg_grant_list(l, NULL, NOW + 86400, NULL, NULL, saw,
	    &s), SG_LEDGER_OK);
	ck_assert_uint_eq(s.n, 0);

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(sg_grant_find(l, NULL, NOW, g[1].gid, saw, &s),
	    SG_LEDGER_EXISTS);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_str_eq(s.sub[0], "bob");
	ck_assert_str_eq(s.pat[0], "pat-2");
	ck_assert_int_eq(sg_grant_find(l, NULL, NOW, "AAAAAAAAAAAAAAAAAAAAAA",
	    saw, &s), SG_LEDGER_OK);
	ck_assert_int_eq(sg_grant_find(l, NULL, NOW, "../x", saw, &s),
	    SG_LEDGER_OK);
	ck_assert_uint_eq(s.n, 1);

	ck_assert_int_eq(sg_grant_revoked(l, NULL, g[0].gid, NOW),
	    SG_LEDGER_OK);
	ck_assert_int_eq(sg_grant_revoke(l, NULL, g[0].gid, 86400, NOW), 0);
	ck_assert_int_eq(sg_grant_revoked(l, NULL, g[0].gid, NOW),
	    SG_LEDGER_EXISTS);
	ck_assert_int_eq(sg_grant_revoked(l, NULL, g[2].gid, NOW),
	    SG_LEDGER_OK);

	ck_assert(sg_grant_id_ok(g[0].gid));
	ck_assert(sg_grant_id_ok("abcdefghijklmnopqrs-_9"));
	ck_assert(!sg_grant_id_ok("abcdefghijklmnopqrs-_"));
	ck_assert(!sg_grant_id_ok("abcdefghijklmnopqrs-_99"));
	ck_assert(!sg_grant_id_ok("abcdefghijklmnopqrs-/9"));
	ck_assert(!sg_grant_id_ok(""));
	for (i = 0; i < 3; i++)
		sg_grant_clear(&g[i]);
	rm_ledger(l, dir);
}
END_TEST

/*
 * One user cannot fill the ledger by refreshing: a long rotation chain
 * keeps one record for its grant, so ten thousand rotations fit a map
 * that holds a few hundred records, and others can still use it (a
 * record per rotation filled it: every later operation answered 503).
 */
START_TEST(test_rotation_one_record)
{
	struct sg_ledger	*l;
	struct sg_grant		 g;
	const char		*why = NULL;
	char			 dir[64], key[32];
	int			 i;

	l = small_ledger(dir, sizeof(dir), 64 * 1024);
	grant_from_spec(&g, &grant_table[4]);
	g.grant_exp = NOW + 86400;
	for (i = 0; i < 10000; i++) {
		ck_assert_uint_eq(g.gen, (uint64_t)i);
		ck_assert_int_eq(sg_grant_rotate(l, NULL, &g, 86400, NOW, &why),
		    SG_OK);
	}
	/* Room left for everyone else. */
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), SG_LEDGER_NS_CODE "%d", i);
		ck_assert_int_eq(sg_ledger_add(l, NULL, key, NOW + 60, NOW),
		    SG_LEDGER_OK);
	}
	rm_ledger(l, dir);
	sg_grant_clear(&g);
}
END_TEST

/*
 * Reuse of a rotated refresh token (an older generation) revokes the
 * grant: the current one then fails too (OAuth 2.0 Security BCP §4.14).
 */
START_TEST(test_rotation_reuse_revokes)
{
	struct sg_ledger	*l;
	struct sg_grant		 g, old;
	const char		*why = NULL;
	char			 dir[64], key[64];

	l = small_ledger(dir, sizeof(dir), 1024 * 1024);
	grant_from_spec(&g, &grant_table[4]);
	grant_from_spec(&old, &grant_table[4]);
	g.grant_exp = old.grant_exp = NOW + 86400;
	ck_assert_int_eq(sg_grant_rotate(l, NULL, &g, 86400, NOW, &why),
	    SG_OK);
	ck_assert_int_eq(sg_grant_rotate(l, NULL, &g, 86400, NOW, &why),
	    SG_OK);
	ck_assert_uint_eq(g.gen, 2);
	/* The generation-0 token again. */
	ck_assert_int_eq(sg_grant_rotate(l, NULL, &old, 86400, NOW, &why),
	    SG_E_INVALID_GRANT);
	ck_assert_ptr_nonnull(strstr(why, "already used"));
	snprintf(key, sizeof(key), SG_LEDGER_NS_REVOKED "%s", g.gid);
	ck_assert_int_eq(sg_ledger_has(l, NULL, key, NOW), SG_LEDGER_EXISTS);
	ck_assert_int_eq(sg_grant_rotate(l, NULL, &g, 86400, NOW, &why),
	    SG_E_INVALID_GRANT);
	ck_assert_str_eq(why, "the grant was revoked");
	/* A generation the ledger never reached (a lost write) too. */
	memcpy(old.gid, "BBBBBBBBBBBBBBBBBBBBBB", 23);
	old.gen = 5;
	ck_assert_int_eq(sg_grant_rotate(l, NULL, &old, 86400, NOW, &why),
	    SG_E_INVALID_GRANT);
	rm_ledger(l, dir);
	/* No ledger: fail closed. */
	ck_assert_int_eq(sg_grant_rotate(NULL, NULL, &g, 86400, NOW, &why),
	    SG_E_UNAVAILABLE);
	sg_grant_clear(&g);
	sg_grant_clear(&old);
}
END_TEST

static const struct {
	const char	*scope;
	const char	*nonce;
	time_t		 auth_time;
	const char	*fhir_user;
	const char	*name;
	const char	*want_fhir_user;
	const char	*want_name;
} id_table[] = {
	{ "openid fhirUser profile", "n-1", NOW - 10, "Patient/123", "Alice",
	    "https://gw.example.org/fhir/Patient/123", "Alice" },
	{ "openid fhirUser", "n-2", NOW - 10, "Practitioner/9", "Alice",
	    "https://gw.example.org/fhir/Practitioner/9", NULL },
	{ "openid profile", "n-3", NOW, "Patient/123", "Alice", NULL,
	    "Alice" },
	{ "openid", NULL, NOW, "Patient/123", "Alice", NULL, NULL },
	{ "openid fhirUserx profilex", "n", NOW, "Patient/1", "A", NULL,
	    NULL },
	{ "profile openid launch fhirUser", "n", NOW, NULL, NULL, NULL,
	    NULL },
	/* No auth_time known: none claimed. */
	{ "openid", "n", 0, NULL, NULL, NULL, NULL },
};

START_TEST(test_id_token)
{
	struct sg_config	 cfg;
	struct sg_grant		 g;
	json_object		*c, *hdr = NULL, *v;
	char			*tok;

	cfg_init(&cfg);
	memset(&g, 0, sizeof(g));
	memcpy(g.gid, GID, sizeof(GID));
	g.client_id = strdup("app-1");
	g.scope = strdup(id_table[_i].scope);
	g.sub = strdup("alice@idp");
	g.nonce = tl_dup_or_null(id_table[_i].nonce);
	g.auth_time = id_table[_i].auth_time;
	g.fhir_user = tl_dup_or_null(id_table[_i].fhir_user);
	g.name = tl_dup_or_null(id_table[_i].name);
	g.ctx.patient = strdup("123");
	g.ctx.need_patient_banner = -1;
	tok = sg_grant_id_token(&cfg, &keys, &g, NOW, 300);
	ck_assert_ptr_nonnull(tok);
	c = verify(tok, "app-1", NULL, &hdr);
	ck_assert(!json_object_object_get_ex(hdr, "typ", &v));
	ck_assert_str_eq(claim_str(hdr, "kid"), keys.sign[0].kid);
	ck_assert_str_eq(claim_str(c, "iss"), c_issuer);
	ck_assert_str_eq(claim_str(c, "aud"), "app-1");
	ck_assert_str_eq(claim_str(c, "sub"), "alice@idp");
	ck_assert_int_eq(claim_int(c, "iat"), (long long)NOW);
	ck_assert_int_eq(claim_int(c, "exp"), (long long)NOW + 300);
	if (id_table[_i].auth_time != 0)
		ck_assert_int_eq(claim_int(c, "auth_time"),
		    (long long)id_table[_i].auth_time);
	else
		ck_assert(!json_object_object_get_ex(c, "auth_time", &v));
	tl_str_eq("nonce", claim_str(c, "nonce"), id_table[_i].nonce);
	tl_str_eq("fhirUser", claim_str(c, "fhirUser"),
	    id_table[_i].want_fhir_user);
	tl_str_eq("name", claim_str(c, "name"), id_table[_i].want_name);
	/* Not an access token: no scope, no patient, no grant id. */
	ck_assert_ptr_null(claim_str(c, "scope"));
	ck_assert_ptr_null(claim_str(c, "patient"));
	ck_assert_ptr_null(claim_str(c, "gid"));
	json_object_put(c);
	json_object_put(hdr);
	free(tok);
	sg_grant_clear(&g);
}
END_TEST

/* SMART Backend Services: requested ∩ registered system/ scopes. */
static const struct {
	const char	*requested, *registered, *want;	/* want NULL: none */
} backend_scope_table[] = {
	{ "system/Observation.rs", "system/*.rs", "system/Observation.rs" },
	{ "system/*.rs", "system/*.rs", "system/*.rs" },
	/* Widening narrows to what is registered. */
	{ "system/*.cruds", "system/*.rs", "system/*.rs" },
	{ "system/Patient.cruds", "system/*.rs", "system/Patient.rs" },
	/* v1 syntax, on either side. */
	{ "system/*.read", "system/*.rs", "system/*.read" },
	{ "system/Observation.read", "system/*.read",
	    "system/Observation.read" },
	{ "system/*.write", "system/*.rs", NULL },
	/* Only system/: patient/, user/ and the rest are dropped. */
	{ "patient/*.rs", "system/*.rs patient/*.rs", NULL },
	{ "user/*.rs", "system/*.rs user/*.rs", NULL },
	{ "patient/*.rs system/Condition.rs openid offline_access launch",
	    "system/*.rs patient/*.rs openid offline_access launch",
	    "system/Condition.rs" },
	/* Registered non-system scopes never widen to system/. */
	{ "system/*.rs", "patient/*.cruds user/*.cruds", NULL },
	{ "system/Observation.rs", "system/Condition.rs", NULL },
	{ "system/Observation.rs system/Condition.rs", "system/Condition.rs",
	    "system/Condition.rs" },
	/* Granular (query) scopes stay within the registration. */
	{ "system/Observation.rs?category=http://terminology.hl7.org/"
	    "CodeSystem/observation-category|laboratory", "system/*.rs",
	    "system/Observation.rs?category=http://terminology.hl7.org/"
	    "CodeSystem/observation-category|laboratory" },
	{ "bogus system/", "system/*.rs", NULL },
	{ "", "system/*.rs", NULL },
	{ NULL, "system/*.rs", NULL },
};

START_TEST(test_backend_scope)
{
	char	*got;

	got = sg_grant_backend_scope(backend_scope_table[_i].requested,
	    backend_scope_table[_i].registered);
	if (backend_scope_table[_i].want == NULL)
		ck_assert_msg(got == NULL, "\"%s\": got \"%s\"",
		    backend_scope_table[_i].requested, got);
	else {
		ck_assert_ptr_nonnull(got);
		ck_assert_str_eq(got, backend_scope_table[_i].want);
	}
	free(got);
}
END_TEST

/* The backend access token: the proxy's, no user, no patient, <= 300 s. */
START_TEST(test_backend_token)
{
	static const long	 ttls[] = { 3600, 300, 120, 0 };
	static const long	 want[] = { SG_TTL_BACKEND_MAX,
	    SG_TTL_BACKEND_MAX, 120, SG_TTL_BACKEND_MAX };
	struct sg_config	 cfg;
	struct sg_access	 a;
	char			*t;
	long			 ttl = -1;
	size_t			 i;

	cfg_init(&cfg);
	for (i = 0; i < NELEM(ttls); i++) {
		cfg.access_token_ttl = ttls[i];
		t = sg_grant_backend_token(&cfg, &keys, "svc-1", "system/*.rs",
		    NOW, &ttl);
		ck_assert_ptr_nonnull(t);
		ck_assert_int_eq(ttl, want[i]);
		ck_assert_int_eq(sg_access_open(&keys, NOW, t, &a), SG_SEAL_OK);
		ck_assert_str_eq(a.client_id, "svc-1");
		ck_assert_str_eq(a.scope, "system/*.rs");
		ck_assert_str_eq(a.sub, "svc-1");
		ck_assert_ptr_null(a.fhir_user);
		ck_assert_ptr_null(a.ctx.patient);
		ck_assert_ptr_null(a.ctx.encounter);
		ck_assert_str_eq(a.aud, c_fhir_base);
		ck_assert_int_eq(a.exp - a.iat, want[i]);
		ck_assert_uint_eq(strlen(a.gid), 22);
		sg_access_clear(&a);
		/* Dead once its lifetime is over. */
		ck_assert_int_ne(sg_access_open(&keys, NOW + want[i] + 1, t,
		    &a), SG_SEAL_OK);
		free(t);
	}
}
END_TEST

START_TEST(test_new_id)
{
	struct sg_grant	 a, b;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	sg_grant_new_id(&a);
	sg_grant_new_id(&b);
	b64url_len(a.gid, 22);
	b64url_len(b.gid, 22);
	ck_assert_str_ne(a.gid, b.gid);
}
END_TEST

/*
 * sg_token_open: an access token and a refresh token open as what they
 * are, with what introspection shows; codes, launches-like purposes,
 * tampered and expired tokens do not open at all.
 */
START_TEST(test_token_open)
{
	struct sg_config	 cfg;
	struct sg_grant		 g;
	struct sg_token		 t;
	char			*at, *rt, *code, *bad;

	cfg_init(&cfg);
	grant_from_spec(&g, &grant_table[0]);
	g.gen = 7;
	at = sg_grant_access_token(&cfg, &keys, &g, NOW, 300);
	rt = sg_grant_seal(&keys, SG_PURPOSE_REFRESH, &g, g.grant_exp);
	code = sg_grant_seal(&keys, SG_PURPOSE_CODE, &g, NOW + 60);
	ck_assert_ptr_nonnull(at);
	ck_assert_ptr_nonnull(rt);
	ck_assert_ptr_nonnull(code);

	ck_assert_int_eq(sg_token_open(&keys, NOW, at, &t), SG_SEAL_OK);
	ck_assert_int_eq(t.kind, SG_TOKEN_ACCESS);
	ck_assert_str_eq(t.a.gid, GID);
	ck_assert_str_eq(t.a.client_id, "app-1");
	ck_assert_str_eq(t.a.scope, g.scope);
	ck_assert_str_eq(t.a.aud, c_fhir_base);
	ck_assert_str_eq(t.a.sub, "alice@idp");
	ck_assert_str_eq(t.a.fhir_user, "Patient/123");
	ck_assert_str_eq(t.a.ctx.patient, "123");
	ck_assert_str_eq(t.a.ctx.encounter, "enc-9");
	ck_assert_ptr_nonnull(t.a.ctx.fhir_context);
	ck_assert_int_eq((long long)t.a.iat, (long long)NOW);
	ck_assert_int_eq((long long)t.a.exp, (long long)NOW + 300);
	sg_token_clear(&t);
	ck_assert_ptr_null(t.a.client_id);

	ck_assert_int_eq(sg_token_open(&keys, NOW, rt, &t), SG_SEAL_OK);
	ck_assert_int_eq(t.kind, SG_TOKEN_REFRESH);
	ck_assert_str_eq(t.a.gid, GID);
	ck_assert_str_eq(t.a.client_id, "app-1");
	ck_assert_str_eq(t.a.scope, g.scope);
	ck_assert_ptr_null(t.a.aud);
	ck_assert_str_eq(t.a.sub, "alice@idp");
	ck_assert_str_eq(t.a.fhir_user, "Patient/123");
	tl_ctx_eq(&(struct sg_context){ .patient = g.ctx.patient,
	    .encounter = g.ctx.encounter, .fhir_context = g.ctx.fhir_context,
	    .need_patient_banner = -1 }, &t.a.ctx);
	ck_assert_int_eq((long long)t.a.iat, 0);
	ck_assert_int_eq((long long)t.a.exp, (long long)g.grant_exp);
	ck_assert_uint_eq(t.gen, 7);
	b64url_len(t.a.jti, 22);
	sg_token_clear(&t);

	/* A refresh token always carries the end of its grant. */
	free(code);
	g.grant_exp = 0;
	code = sg_grant_seal(&keys, SG_PURPOSE_REFRESH, &g, NOW + 60);
	ck_assert_int_eq(sg_token_open(&keys, NOW, code, &t),
	    SG_SEAL_MALFORMED);
	ck_assert_ptr_null(t.a.client_id);
	free(code);
	code = sg_grant_seal(&keys, SG_PURPOSE_CODE, &g, NOW + 60);
	/* Neither a code, nor tampered, nor expired. */
	ck_assert_int_ne(sg_token_open(&keys, NOW, code, &t), SG_SEAL_OK);
	ck_assert_ptr_null(t.a.client_id);
	bad = strdup(at);
	bad[strlen(bad) / 2] = bad[strlen(bad) / 2] == 'A' ? 'B' : 'A';
	ck_assert_int_ne(sg_token_open(&keys, NOW, bad, &t), SG_SEAL_OK);
	ck_assert_int_ne(sg_token_open(&keys, NOW + 301, at, &t), SG_SEAL_OK);
	ck_assert_int_ne(sg_token_open(&keys, NOW + 86400 * 90 + 1, rt, &t),
	    SG_SEAL_OK);
	ck_assert_int_ne(sg_token_open(&keys, NOW, "", &t), SG_SEAL_OK);
	ck_assert_int_ne(sg_token_open(&keys, NOW, "garbage", &t),
	    SG_SEAL_OK);
	ck_assert_ptr_null(t.a.client_id);
	free(bad);
	free(at);
	free(rt);
	free(code);
	sg_grant_clear(&g);
}
END_TEST

/*
 * sg_token_live: as the proxy and the token endpoint judge; a look
 * spends nothing (a live refresh token still rotates afterwards).
 */
START_TEST(test_token_live)
{
	struct sg_config	 cfg;
	struct sg_ledger	*l;
	struct sg_grant		 g;
	struct sg_token		 t, r;
	const char		*why = NULL;
	char			 dir[64], *at, *rt;

	cfg_init(&cfg);
	l = small_ledger(dir, sizeof(dir), 1024 * 1024);
	grant_from_spec(&g, &grant_table[4]);
	at = sg_grant_access_token(&cfg, &keys, &g, NOW, 300);
	rt = sg_grant_seal(&keys, SG_PURPOSE_REFRESH, &g, g.grant_exp);
	ck_assert_int_eq(sg_token_open(&keys, NOW, at, &t), SG_SEAL_OK);
	ck_assert_int_eq(sg_token_open(&keys, NOW, rt, &r), SG_SEAL_OK);
	ck_assert_int_eq(sg_token_live(&cfg, l, NULL, &t, NOW), 1);
	ck_assert_int_eq(sg_token_live(&cfg, l, NULL, &r, NOW), 1);
	ck_assert_int_eq(sg_token_live(&cfg, l, NULL, &r, NOW), 1);
	/* Looking spent nothing: generation 0 still rotates, once. */
	ck_assert_uint_eq(g.gen, 0);
	ck_assert_int_eq(sg_grant_rotate(l, NULL, &g, 86400, NOW, &why),
	    SG_OK);
	/* The generation-0 token is now rotated away; the access lives. */
	ck_assert_int_eq(sg_token_live(&cfg, l, NULL, &r, NOW), 0);
	ck_assert_int_eq(sg_token_live(&cfg, l, NULL, &t, NOW), 1);
	r.gen = 1;
	ck_assert_int_eq(sg_token_live(&cfg, l, NULL, &r, NOW), 1);
	/* Another FHIR base, or issued in the future. */
	cfg.fhir_base = c_issuer;
	ck_assert_int_eq(sg_token_live(&cfg, l, NULL, &t, NOW), 0);
	cfg.fhir_base = c_fhir_base;
	t.a.iat = NOW + SG_ASSERTION_LEEWAY + 1;
	ck_assert_int_eq(sg_token_live(&cfg, l, NULL, &t, NOW), 0);
	t.a.iat = NOW + SG_ASSERTION_LEEWAY;
	ck_assert_int_eq(sg_token_live(&cfg, l, NULL, &t, NOW), 1);
	/* Revoked: both dead at once. */
	ck_assert_int_eq(sg_grant_revoke(l, NULL, g.gid,
	    sg_grant_revoke_ttl(&cfg), NOW), 0);
	ck_assert_int_eq(sg_token_live(&cfg, l, NULL, &t, NOW), 0);
	ck_assert_int_eq(sg_token_live(&cfg, l, NULL, &r, NOW), 0);
	rm_ledger(l, dir);
	/* No ledger: fail closed, never "live". */
	ck_assert_int_eq(sg_token_live(&cfg, NULL, NULL, &t, NOW), -1);
	ck_assert_int_eq(sg_token_live(&cfg, NULL, NULL, &r, NOW), -1);
	sg_token_clear(&t);
	sg_token_clear(&r);
	free(at);
	free(rt);
	sg_grant_clear(&g);
}
END_TEST

/* A revocation outlives every token of its grant. */
START_TEST(test_revoke_ttl)
{
	struct sg_config	 cfg;

	cfg_init(&cfg);
	cfg.access_token_ttl = 3600;
	cfg.refresh_token_ttl = 90L * 86400;
	ck_assert_int_eq(sg_grant_revoke_ttl(&cfg), 90L * 86400);
	cfg.refresh_token_ttl = 600;
	ck_assert_int_eq(sg_grant_revoke_ttl(&cfg), SG_TTL_ONLINE_REFRESH);
	cfg.access_token_ttl = SG_TTL_ONLINE_REFRESH + 5;
	ck_assert_int_eq(sg_grant_revoke_ttl(&cfg), SG_TTL_ONLINE_REFRESH + 5);
}
END_TEST

static Suite *
grant_suite(void)
{
	Suite	*s = suite_create("grant");
	TCase	*tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_round_trip, 0, NELEM(grant_table));
	tcase_add_loop_test(tc, test_cross_purpose, 0, NELEM(cross_table));
	tcase_add_loop_test(tc, test_expired, 0, NELEM(purposes));
	tcase_add_loop_test(tc, test_tampered, 0, NELEM(purposes));
	tcase_add_loop_test(tc, test_distinct_jti, 0, 2 * NELEM(grant_table));
	tcase_add_loop_test(tc, test_malformed, 0, NELEM(malformed_table));
	tcase_add_loop_test(tc, test_access_token, 0, NELEM(at_table));
	tcase_add_test(tc, test_access_token_purpose);
	tcase_add_test(tc, test_refresh_generation);
	tcase_add_test(tc, test_rotation_one_record);
	tcase_add_test(tc, test_grant_list_find);
	tcase_add_test(tc, test_rotation_reuse_revokes);
	tcase_add_loop_test(tc, test_id_token, 0, NELEM(id_table));
	tcase_add_test(tc, test_new_id);
	tcase_add_test(tc, test_token_open);
	tcase_add_test(tc, test_token_live);
	tcase_add_test(tc, test_revoke_ttl);
	tcase_add_loop_test(tc, test_backend_scope, 0,
	    NELEM(backend_scope_table));
	tcase_add_test(tc, test_backend_token);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	int	 rc;

	keys_init();
	rc = tl_run(grant_suite());
	EVP_PKEY_free(keys.sign[0].pkey);
	return rc;
}
