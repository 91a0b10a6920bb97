/*
 * Unit tests for jwt.c: signing, every verification guard, and the
 * known answers of RFC 7515 Appendix A and RFC 7520 §4.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>
#include <json-c/json.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "b64.h"
#include "bounds.h"
#include "jwk.h"
#include "jwt.h"
#include "keys.h"
#include "testlib.h"

#define NOW	((time_t)1700000000)
#define ISS	"https://gw.example/"
#define AUD	"https://fhir.example/r4"

/* Generated once for the whole run: key generation is slow. */
static struct sg_signing_key	 rs256, rs384, es256, es384;
static struct sg_jwk		 jwks[4];

static void
make_key(struct sg_signing_key *k, EVP_PKEY *pkey, enum sg_alg alg)
{
	ck_assert_ptr_nonnull(pkey);
	k->pkey = pkey;
	k->alg = alg;
	ck_assert_int_eq(sg_jwk_thumbprint(pkey, k->kid), 0);
}

static void
setup(void)
{
	struct sg_signing_key	*all[4] = { &rs256, &rs384, &es256, &es384 };
	size_t			 i;

	if (rs256.pkey != NULL)
		return;
	make_key(&rs256, EVP_RSA_gen(2048), SG_ALG_RS256);
	make_key(&rs384, EVP_RSA_gen(2048), SG_ALG_RS384);
	make_key(&es256, EVP_EC_gen("P-256"), SG_ALG_ES256);
	make_key(&es384, EVP_EC_gen("P-384"), SG_ALG_ES384);
	for (i = 0; i < 4; i++) {
		jwks[i].pkey = all[i]->pkey;
		jwks[i].alg = all[i]->alg;
		memcpy(jwks[i].kid, all[i]->kid, sizeof(jwks[i].kid));
	}
}

static struct sg_jwt_expect
expect(void)
{
	struct sg_jwt_expect	 e;

	memset(&e, 0, sizeof(e));
	e.iss = ISS;
	e.aud = AUD;
	e.now = NOW;
	e.leeway = 30;
	e.require_exp = 1;
	return e;
}

static json_object *
claims(long exp_delta)
{
	json_object	*c = json_object_new_object();

	json_object_object_add(c, "iss", json_object_new_string(ISS));
	json_object_object_add(c, "aud", json_object_new_string(AUD));
	json_object_object_add(c, "sub", json_object_new_string("alice"));
	json_object_object_add(c, "iat", json_object_new_int64(NOW));
	json_object_object_add(c, "exp", json_object_new_int64(NOW + exp_delta));
	return c;
}

static char *
sign(const struct sg_signing_key *k, const char *typ, json_object *c)
{
	char	*t = sg_jwt_sign(k, typ, c);

	ck_assert_ptr_nonnull(t);
	json_object_put(c);
	return t;
}

static char *
b64s(const char *s)
{
	return sg_b64url_encode(s, strlen(s));
}

/*
 * A token with any header and payload text, signed RS256 with key (or
 * HS256 with hmac_key, or with the literal signature sig).
 */
static char *
forge(const char *hdr, const char *payload, EVP_PKEY *key,
    const char *hmac_key, const char *sig)
{
	char		*h = b64s(hdr), *p = b64s(payload), *s, *out;
	unsigned char	 buf[1024];
	size_t		 len = sizeof(buf), n;
	unsigned int	 hlen;
	EVP_MD_CTX	*ctx;

	n = strlen(h) + strlen(p) + 2;
	out = malloc(n + 2048);
	ck_assert_ptr_nonnull(out);
	snprintf(out, n, "%s.%s", h, p);
	if (key != NULL) {
		ctx = EVP_MD_CTX_new();
		ck_assert_int_eq(EVP_DigestSignInit(ctx, NULL, EVP_sha256(),
		    NULL, key), 1);
		ck_assert_int_eq(EVP_DigestSign(ctx, buf, &len,
		    (unsigned char *)out, strlen(out)), 1);
		EVP_MD_CTX_free(ctx);
		s = sg_b64url_encode(buf, len);
	} else if (hmac_key != NULL) {
		ck_assert_ptr_nonnull(HMAC(EVP_sha256(), hmac_key,
		    (int)strlen(hmac_key), (unsigned char *)out, strlen(out),
		    buf, &hlen));
		s = sg_b64url_encode(buf, hlen);
	} else
		s = strdup(sig);
	/* out has room for n + 2048 bytes; a forged signature is shorter. */
	ck_assert_int_lt(snprintf(out + strlen(out), n + 2048 - strlen(out),
	    ".%s", s), 2048);
	free(s);
	free(h);
	free(p);
	return out;
}

static enum sg_jwt_result
verify(const char *token, const struct sg_jwk *keys, size_t n,
    const struct sg_jwt_expect *e)
{
	json_object		*c = NULL, *h = NULL;
	enum sg_jwt_result	 r;

	r = sg_jwt_verify(token, keys, n, e, &c, &h);
	if (r == SG_JWT_OK) {
		ck_assert_ptr_nonnull(c);
		ck_assert_ptr_nonnull(h);
	} else {
		ck_assert_ptr_null(c);
		ck_assert_ptr_null(h);
	}
	json_object_put(c);
	json_object_put(h);
	return r;
}

START_TEST(test_sign_verify_all_algs)
{
	struct sg_signing_key	*k[4] = { &rs256, &rs384, &es256, &es384 };
	struct sg_jwt_expect	 e = expect();
	json_object		*c, *h;
	size_t			 i;
	char			*t;

	for (i = 0; i < 4; i++) {
		t = sign(k[i], "at+jwt", claims(300));
		ck_assert_int_eq(sg_jwt_verify(t, jwks, 4, &e, &c, &h),
		    SG_JWT_OK);
		ck_assert_str_eq(json_object_get_string(
		    json_object_object_get(c, "sub")), "alice");
		ck_assert_str_eq(json_object_get_string(
		    json_object_object_get(h, "alg")), sg_alg_name(k[i]->alg));
		ck_assert_str_eq(json_object_get_string(
		    json_object_object_get(h, "kid")), k[i]->kid);
		ck_assert_str_eq(json_object_get_string(
		    json_object_object_get(h, "typ")), "at+jwt");
		json_object_put(c);
		json_object_put(h);
		/* The one key alone, and claims/header not wanted. */
		ck_assert_int_eq(sg_jwt_verify(t, &jwks[i], 1, &e, NULL,
		    NULL), SG_JWT_OK);
		/* Any other single key: no key for that kid. */
		ck_assert_int_eq(verify(t, &jwks[(i + 1) % 4], 1, &e),
		    SG_JWT_NO_KEY);
		free(t);
	}
}
END_TEST

START_TEST(test_sign_refuses_mismatched_key)
{
	struct sg_signing_key	 k = es256;
	json_object		*c = claims(60);

	k.alg = SG_ALG_RS256;
	ck_assert_ptr_null(sg_jwt_sign(&k, NULL, c));
	k = es256;
	k.alg = SG_ALG_ES384;
	ck_assert_ptr_null(sg_jwt_sign(&k, NULL, c));
	k = rs256;
	k.alg = SG_ALG_NONE;
	ck_assert_ptr_null(sg_jwt_sign(&k, NULL, c));
	json_object_put(c);
}
END_TEST

/* Signed RS256 by rs256 unless said otherwise. */
static const struct {
	const char		*hdr;
	const char		*payload;
	enum sg_jwt_result	 want;
} forged[] = {
	/* Fine: no kid with a single key. */
	{ "{\"alg\":\"RS256\"}",
	    "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"exp\":1700000060}",
	    SG_JWT_OK },
	/* aud as an array containing ours. */
	{ "{\"alg\":\"RS256\"}",
	    "{\"iss\":\"" ISS "\",\"aud\":[\"x\",\"" AUD "\"],\"exp\":1700000060}",
	    SG_JWT_OK },
	{ "{\"alg\":\"RS256\"}",
	    "{\"iss\":\"" ISS "\",\"aud\":[\"x\",\"y\"],\"exp\":1700000060}",
	    SG_JWT_BAD_CLAIMS },
	{ "{\"alg\":\"RS256\"}",
	    "{\"iss\":\"" ISS "\",\"aud\":[],\"exp\":1700000060}",
	    SG_JWT_BAD_CLAIMS },
	{ "{\"alg\":\"RS256\"}",
	    "{\"iss\":\"" ISS "\",\"exp\":1700000060}",
	    SG_JWT_BAD_CLAIMS },
	{ "{\"alg\":\"RS256\"}",
	    "{\"iss\":\"https://evil/\",\"aud\":\"" AUD "\",\"exp\":1700000060}",
	    SG_JWT_BAD_CLAIMS },
	{ "{\"alg\":\"RS256\"}",
	    "{\"iss\":\"" ISS "/\",\"aud\":\"" AUD "\",\"exp\":1700000060}",
	    SG_JWT_BAD_CLAIMS },
	{ "{\"alg\":\"RS256\"}",
	    "{\"aud\":\"" AUD "\",\"exp\":1700000060}",
	    SG_JWT_BAD_CLAIMS },
	/* exp: past, within leeway, missing, not a number, a double. */
	{ "{\"alg\":\"RS256\"}",
	    "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"exp\":1699999969}",
	    SG_JWT_EXPIRED },
	{ "{\"alg\":\"RS256\"}",
	    "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"exp\":1699999970}",
	    SG_JWT_OK },
	{ "{\"alg\":\"RS256\"}",
	    "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\"}",
	    SG_JWT_BAD_CLAIMS },
	{ "{\"alg\":\"RS256\"}",
	    "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"exp\":\"1700000060\"}",
	    SG_JWT_BAD_CLAIMS },
	{ "{\"alg\":\"RS256\"}",
	    "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"exp\":1700000060.5}",
	    SG_JWT_OK },
	{ "{\"alg\":\"RS256\"}",
	    "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"exp\":1e300}",
	    SG_JWT_BAD_CLAIMS },	/* beyond max_lifetime of the test */
	/* nbf and iat in the future. */
	{ "{\"alg\":\"RS256\"}",
	    "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"exp\":1700000060,"
	    "\"nbf\":1700000031}", SG_JWT_NOT_YET },
	{ "{\"alg\":\"RS256\"}",
	    "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"exp\":1700000060,"
	    "\"nbf\":1700000030}", SG_JWT_OK },
	{ "{\"alg\":\"RS256\"}",
	    "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"exp\":1700000060,"
	    "\"iat\":1700000100}", SG_JWT_NOT_YET },
	{ "{\"alg\":\"RS256\"}",
	    "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"exp\":1700000060,"
	    "\"nbf\":null}", SG_JWT_BAD_CLAIMS },
	/* max_lifetime (600 s in this table). */
	{ "{\"alg\":\"RS256\"}",
	    "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"exp\":1700000601}",
	    SG_JWT_BAD_CLAIMS },
	{ "{\"alg\":\"RS256\"}",
	    "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"exp\":1700000600}",
	    SG_JWT_OK },
	/* Header problems. */
	{ "{\"alg\":\"RS256\",\"crit\":[\"exp\"],\"exp\":1}",
	    "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"exp\":1700000060}",
	    SG_JWT_MALFORMED },
	{ "{\"alg\":\"RS384\"}",
	    "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"exp\":1700000060}",
	    SG_JWT_BAD_ALG },
	{ "{\"alg\":\"rs256\"}",
	    "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"exp\":1700000060}",
	    SG_JWT_BAD_ALG },
	{ "{\"alg\":\"none\"}",
	    "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"exp\":1700000060}",
	    SG_JWT_BAD_ALG },
	{ "{\"alg\":256}",
	    "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"exp\":1700000060}",
	    SG_JWT_MALFORMED },
	{ "{\"typ\":\"JWT\"}",
	    "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"exp\":1700000060}",
	    SG_JWT_MALFORMED },
	{ "{\"alg\":\"RS256\",\"kid\":7}",
	    "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"exp\":1700000060}",
	    SG_JWT_MALFORMED },
	{ "{\"alg\":\"RS256\",\"kid\":\"other\"}",
	    "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"exp\":1700000060}",
	    SG_JWT_NO_KEY },
	{ "[\"alg\",\"RS256\"]",
	    "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"exp\":1700000060}",
	    SG_JWT_MALFORMED },
	{ "{\"alg\":\"RS256\"} x",
	    "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"exp\":1700000060}",
	    SG_JWT_MALFORMED },
	{ "{'alg':'RS256'}",
	    "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"exp\":1700000060}",
	    SG_JWT_MALFORMED },
	/* Payload not a JSON object, though signed. */
	{ "{\"alg\":\"RS256\"}", "[1,2]", SG_JWT_MALFORMED },
	{ "{\"alg\":\"RS256\"}", "not json", SG_JWT_MALFORMED },
	{ "{\"alg\":\"RS256\"}", "{\"exp\":1700000060,}", SG_JWT_MALFORMED },
};

START_TEST(test_forged_table)
{
	struct sg_jwt_expect	 e = expect();
	size_t			 i;
	char			*t;

	e.max_lifetime = 600;
	for (i = 0; i < sizeof(forged) / sizeof(forged[0]); i++) {
		t = forge(forged[i].hdr, forged[i].payload, rs256.pkey, NULL,
		    NULL);
		ck_assert_msg(verify(t, &jwks[0], 1, &e) == forged[i].want,
		    "case %zu: got %s", i, sg_jwt_strerror(verify(t, &jwks[0],
		    1, &e)));
		free(t);
	}
}
END_TEST

START_TEST(test_alg_confusion)
{
	struct sg_jwt_expect	 e = expect();
	BIO			*bio;
	char			*pem, *t, hdr[256];
	long			 len;

	/* HS256 with the RSA public key PEM as the HMAC secret. */
	bio = BIO_new(BIO_s_mem());
	ck_assert_int_eq(PEM_write_bio_PUBKEY(bio, rs256.pkey), 1);
	len = BIO_get_mem_data(bio, &pem);
	pem = strndup(pem, (size_t)len);
	BIO_free(bio);
	snprintf(hdr, sizeof(hdr), "{\"alg\":\"HS256\",\"kid\":\"%s\"}",
	    rs256.kid);
	t = forge(hdr, "{\"iss\":\"" ISS "\",\"aud\":\"" AUD
	    "\",\"exp\":1700000060}", NULL, pem, NULL);
	ck_assert_int_eq(verify(t, jwks, 4, &e), SG_JWT_BAD_ALG);
	ck_assert_int_eq(verify(t, jwks, 1, &e), SG_JWT_BAD_ALG);
	free(t);
	/* alg none, with and without a signature segment. */
	snprintf(hdr, sizeof(hdr), "{\"alg\":\"none\",\"kid\":\"%s\"}",
	    rs256.kid);
	t = forge(hdr, "{\"iss\":\"" ISS "\",\"aud\":\"" AUD
	    "\",\"exp\":1700000060}", NULL, NULL, "");
	ck_assert_int_eq(verify(t, jwks, 4, &e), SG_JWT_MALFORMED);
	free(t);
	t = forge(hdr, "{\"iss\":\"" ISS "\",\"aud\":\"" AUD
	    "\",\"exp\":1700000060}", NULL, NULL, "AAAA");
	ck_assert_int_eq(verify(t, jwks, 4, &e), SG_JWT_BAD_ALG);
	free(t);
	/* An RS256 token naming the ES256 key: the key decides the alg. */
	snprintf(hdr, sizeof(hdr), "{\"alg\":\"RS256\",\"kid\":\"%s\"}",
	    es256.kid);
	t = forge(hdr, "{\"iss\":\"" ISS "\",\"aud\":\"" AUD
	    "\",\"exp\":1700000060}", rs256.pkey, NULL, NULL);
	ck_assert_int_eq(verify(t, jwks, 4, &e), SG_JWT_BAD_ALG);
	free(t);
	free(pem);
}
END_TEST

START_TEST(test_shape)
{
	static const char *const bad[] = {
		"", ".", "..", "a.b", "a..c", "a.b.", ".b.c", "a.b.c.d",
		"a.b.c.", "eyJ.eyJ.AA==", "a b.c.d", "a.b.c\n", "a+b.c.d",
		"a/b.c.d",
	};
	struct sg_jwt_expect	 e = expect();
	json_object		*c = (json_object *)NULL;
	size_t			 i;
	char			*t, *big;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(verify(bad[i], jwks, 4, &e) == SG_JWT_MALFORMED,
		    "accepted \"%s\"", bad[i]);
		ck_assert_ptr_null(sg_jwt_peek_header(bad[i]));
	}
	ck_assert_int_eq(sg_jwt_verify(NULL, jwks, 4, &e, &c, NULL),
	    SG_JWT_MALFORMED);
	/* A valid token with its signature segment cut off. */
	t = sign(&rs256, NULL, claims(60));
	*strrchr(t, '.') = '\0';
	ck_assert_int_eq(verify(t, jwks, 4, &e), SG_JWT_MALFORMED);
	memcpy(t + strlen(t), ".", 2);	/* room: the signature was longer */
	ck_assert_int_eq(verify(t, jwks, 4, &e), SG_JWT_MALFORMED);
	free(t);
	/* Oversize: a valid signature on a token longer than SG_MAX_JWT. */
	big = malloc(SG_MAX_JWT);
	ck_assert_ptr_nonnull(big);
	memset(big, 'x', SG_MAX_JWT - 1);
	big[SG_MAX_JWT - 1] = '\0';
	c = claims(60);
	json_object_object_add(c, "pad", json_object_new_string(big));
	t = sign(&rs256, NULL, c);
	ck_assert_uint_gt(strlen(t), SG_MAX_JWT);
	ck_assert_int_eq(verify(t, jwks, 4, &e), SG_JWT_MALFORMED);
	ck_assert_ptr_null(sg_jwt_peek_header(t));
	free(t);
	free(big);
	/* No keys at all. */
	t = sign(&rs256, NULL, claims(60));
	ck_assert_int_eq(verify(t, NULL, 0, &e), SG_JWT_NO_KEY);
	ck_assert_int_eq(verify(t, jwks, 4, NULL), SG_JWT_BAD_CLAIMS);
	free(t);
}
END_TEST

/* Another base64url character, so that the shape stays valid. */
static void
flip(char *c)
{
	*c = *c == 'A' ? 'B' : 'A';
}

START_TEST(test_tampered)
{
	struct sg_jwt_expect	 e = expect();
	struct sg_signing_key	*k[2] = { &rs256, &es256 };
	json_object		*c;
	char			*t, *t2, *p, *sig, *s;
	size_t			 i, j;

	for (i = 0; i < 2; i++) {
		t = sign(k[i], NULL, claims(60));
		/* Change one payload character (keeping it base64url). */
		p = strchr(t, '.') + 1;
		for (j = 0; j < 3; j++) {
			t2 = strdup(t);
			flip(&t2[p - t + (long)j * 7]);
			ck_assert_int_eq(verify(t2, jwks, 4, &e),
			    SG_JWT_BAD_SIGNATURE);
			free(t2);
		}
		/* A payload from another token, the signature of the first. */
		c = claims(60);
		json_object_object_add(c, "sub", json_object_new_string("eve"));
		t2 = sign(k[i], NULL, c);
		sig = strrchr(t, '.');
		/* Same key, same signature length. */
		ck_assert_uint_eq(strlen(strrchr(t2, '.')), strlen(sig));
		memcpy(strrchr(t2, '.'), sig, strlen(sig) + 1);
		ck_assert_int_eq(verify(t2, jwks, 4, &e),
		    SG_JWT_BAD_SIGNATURE);
		free(t2);
		/* A changed signature character. */
		t2 = strdup(t);
		flip(&t2[strlen(t2) - 3]);
		ck_assert_int_eq(verify(t2, jwks, 4, &e), SG_JWT_BAD_SIGNATURE);
		free(t2);
		free(t);
	}
	/* ES256 signature longer than 64 bytes (e.g. DER) is refused. */
	t = sign(&es256, NULL, claims(60));
	s = malloc(strlen(t) + 8);
	snprintf(s, strlen(t) + 8, "%sAAAA", t);
	ck_assert_int_eq(verify(s, jwks, 4, &e), SG_JWT_BAD_SIGNATURE);
	free(s);
	free(t);
}
END_TEST

START_TEST(test_typ)
{
	static const struct {
		const char		*typ;
		enum sg_jwt_result	 want;
	} t[] = {
		{ "at+jwt", SG_JWT_OK },
		{ "AT+JWT", SG_JWT_OK },
		{ "application/at+jwt", SG_JWT_OK },
		{ "Application/AT+jwt", SG_JWT_OK },
		{ "JWT", SG_JWT_BAD_CLAIMS },
		{ "at+jwt ", SG_JWT_BAD_CLAIMS },
		{ "application/", SG_JWT_BAD_CLAIMS },
		{ NULL, SG_JWT_BAD_CLAIMS },
	};
	struct sg_jwt_expect	 e = expect();
	size_t			 i;
	char			*tok;

	e.typ = "at+jwt";
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		tok = sign(&es256, t[i].typ, claims(60));
		ck_assert_msg(verify(tok, jwks, 4, &e) == t[i].want,
		    "typ %s", t[i].typ ? t[i].typ : "(none)");
		free(tok);
	}
}
END_TEST

START_TEST(test_peek_header)
{
	json_object	*h;
	char		*t, *deep, *d64, *tok;
	size_t		 n = SG_MAX_JSON_DEPTH + 2;

	t = sign(&rs384, "JWT", claims(60));
	h = sg_jwt_peek_header(t);
	ck_assert_ptr_nonnull(h);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(h,
	    "alg")), "RS384");
	json_object_put(h);
	free(t);
	/* Nesting deeper than SG_MAX_JSON_DEPTH is refused. */
	deep = calloc(1, 2 * n + 16);
	ck_assert_ptr_nonnull(deep);
	memcpy(deep, "{\"a\":", 5);
	memset(deep + 5, '[', n);
	memset(deep + 5 + n, ']', n);
	memcpy(deep + 5 + 2 * n, "}", 2);
	d64 = b64s(deep);
	tok = malloc(strlen(d64) + 16);
	snprintf(tok, strlen(d64) + 16, "%s.e30.AAAA", d64);
	ck_assert_ptr_null(sg_jwt_peek_header(tok));
	free(tok);
	free(d64);
	free(deep);
}
END_TEST

/*
 * Known answers, copied from the RFCs (test data): a JWS another
 * implementation made must verify with the published public key.
 * RFC 7515 Appendix A.2 (RS256) and A.3 (ES256) sign the same claims;
 * RFC 7520 §4.1 (RS256) signs a text that is not JSON, so the
 * signature passes and the claims do not (SG_JWT_MALFORMED, where a bad
 * signature gives SG_JWT_BAD_SIGNATURE).  RFC 7520 §4.2 (PS384) and
 * §4.3 (ES512) use algorithms we do not accept.  Neither RFC has an
 * RS384 or ES384 example.
 */
#define RFC7515_PAYLOAD \
	"eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt" \
	"cGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
#define RFC7515_EXP	1300819380

/* RFC 7515 A.2.1: the RSA key's public members. */
#define RFC7515_A2_JWK \
	"{\"kty\":\"RSA\",\"n\":\"" \
	"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-" \
	"Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWv" \
	"G6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUs" \
	"LA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9" \
	"kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kz" \
	"k2PAcDTW9gb54h4FRWyuXpoQ\",\"e\":\"AQAB\"}"
/* RFC 7515 A.2.1: the complete JWS. */
#define RFC7515_A2_JWS \
	"eyJhbGciOiJSUzI1NiJ9." RFC7515_PAYLOAD "." \
	"cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7" \
	"AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4" \
	"BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K" \
	"0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqv" \
	"hJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrB" \
	"p0igcN_IoypGlUPQGe77Rw"

/* RFC 7515 A.3.1: the P-256 key's public members. */
#define RFC7515_A3_JWK \
	"{\"kty\":\"EC\",\"crv\":\"P-256\"," \
	"\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\"," \
	"\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}"
/* RFC 7515 A.3.1: the complete JWS. */
#define RFC7515_A3_JWS \
	"eyJhbGciOiJFUzI1NiJ9." RFC7515_PAYLOAD "." \
	"DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSA" \
	"pmWQxfKTUJqPP3-Kg6NU1Q"

/* RFC 7520 §3.4 (Figure 3): the RSA key's public members. */
#define RFC7520_RSA_JWK \
	"{\"kty\":\"RSA\",\"kid\":\"bilbo.baggins@hobbiton.example\"," \
	"\"use\":\"sig\",\"n\":\"" \
	"n4EPtAOCc9AlkeQHPzHStgAbgs7bTZLwUBZdR8_KuKPEHLd4rHVTeT-O-XV2jR" \
	"ojdNhxJWTDvNd7nqQ0VEiZQHz_AJmSCpMaJMRBSFKrKb2wqVwGU_NsYOYL-Qti" \
	"WN2lbzcEe6XC0dApr5ydQLrHqkHHig3RBordaZ6Aj-oBHqFEHYpPe7Tpe-OfVf" \
	"Hd1E6cS6M1FZcD1NNLYD5lFHpPI9bTwJlsde3uhGqC0ZCuEHg8lhzwOHrtIQbS" \
	"0FVbb9k3-tVTU4fg_3L_vniUFAKwuCLqKnS2BYwdq_mzSnbLY7h_qixoR7jig3" \
	"__kRhuaxwUkRz5iaiQkqgc5gHdrNP5zw" \
	"\",\"e\":\"AQAB\"}"
/* RFC 7520 §4 (Figure 8): the payload, base64url. */
#define RFC7520_PAYLOAD \
	"SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IH" \
	"lvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBk" \
	"b24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcm" \
	"UgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4"
/* RFC 7520 §4.1.3 (Figure 13): RS256. */
#define RFC7520_41_JWS \
	"eyJhbGciOiJSUzI1NiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZX" \
	"hhbXBsZSJ9" "." RFC7520_PAYLOAD "." \
	"MRjdkly7_-oTPTS3AXP41iQIGKa80A0ZmTuV5MEaHoxnW2e5CZ5NlKtainoFmK" \
	"ZopdHM1O2U4mwzJdQx996ivp83xuglII7PNDi84wnB-BDkoBwA78185hX-Es4J" \
	"IwmDLJK3lfWRa-XtL0RnltuYv746iYTh_qHRD68BNt1uSNCrUCTJDt5aAE6x8w" \
	"W1Kt9eRo4QPocSadnHXFxnt8Is9UzpERV0ePPQdLuW3IS_de3xyIrDaLGdjluP" \
	"xUAhb6L2aXic1U12podGU0KLUQSE_oI-ZnmKJ3F4uOZDnd6QZWJushZ41Axf_f" \
	"cIe8u9ipH84ogoree7vjbU5y18kDquDg"
/* RFC 7520 §4.2.3 (Figure 20): PS384. */
#define RFC7520_42_JWS \
	"eyJhbGciOiJQUzM4NCIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZX" \
	"hhbXBsZSJ9" "." RFC7520_PAYLOAD "." \
	"cu22eBqkYDKgIlTpzDXGvaFfz6WGoz7fUDcfT0kkOy42miAh2qyBzk1xEsnk2I" \
	"pN6-tPid6VrklHkqsGqDqHCdP6O8TTB5dDDItllVo6_1OLPpcbUrhiUSMxbbXU" \
	"vdvWXzg-UD8biiReQFlfz28zGWVsdiNAUf8ZnyPEgVFn442ZdNqiVJRmBqrYRX" \
	"e8P_ijQ7p8Vdz0TTrxUeT3lm8d9shnr2lfJT8ImUjvAA2Xez2Mlp8cBE5awDzT" \
	"0qI0n6uiP1aCN_2_jLAeQTlqRHtfa64QQSUmFAAjVKPbByi7xho0uTOcbH510a" \
	"6GYmJUAfmWjwZ6oD4ifKo8DYM-X72Eaw"
/* RFC 7520 §4.3.3 (Figure 27): ES512. */
#define RFC7520_43_JWS \
	"eyJhbGciOiJFUzUxMiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZX" \
	"hhbXBsZSJ9" "." RFC7520_PAYLOAD "." \
	"AE_R_YZCChjn4791jSQCrdPZCNYqHXCTZH0-JZGYNlaAjP2kqaluUIIUnC9qvb" \
	"u9Plon7KRTzoNEuT4Va2cmL1eJAQy3mtPBu_u_sDDyYjnAMDxXPn7XrT0lw-kv" \
	"AD890jl8e2puQens_IEKBpHABlsbEPX6sFY8OcGDqoRuBomu9xQ2"

/* A key from JWK text, for alg. */
static void
kat_key(const char *text, enum sg_alg alg, struct sg_jwk *k)
{
	json_object	*j;

	ck_assert_ptr_nonnull(j = json_tokener_parse(text));
	ck_assert_int_eq(sg_jwk_from_json(j, alg, alg, k), 0);
	ck_assert_int_eq(k->alg, alg);
	json_object_put(j);
}

/* A copy of token with the character at off replaced by c. */
static char *
kat_changed(const char *token, size_t off, char c)
{
	char	*t;

	ck_assert_ptr_nonnull(t = strdup(token));
	ck_assert_uint_lt(off, strlen(t));
	t[off] = t[off] == c ? (char)(c == 'A' ? 'B' : 'A') : c;
	return t;
}

/* RFC 7515 A.2 and A.3: verified, claims as published, then expired. */
START_TEST(test_rfc7515_known_answers)
{
	static const struct {
		const char	*jwk, *jws;
		enum sg_alg	 alg;
	} kat[] = {
		{ RFC7515_A2_JWK, RFC7515_A2_JWS, SG_ALG_RS256 },
		{ RFC7515_A3_JWK, RFC7515_A3_JWS, SG_ALG_ES256 },
	};
	struct sg_jwt_expect	 e;
	struct sg_jwk		 k;
	json_object		*c = NULL, *h = NULL, *v;
	char			*t;
	size_t			 i;

	memset(&e, 0, sizeof(e));
	e.iss = "joe";
	e.now = RFC7515_EXP - 60;
	e.require_exp = 1;
	for (i = 0; i < sizeof(kat) / sizeof(kat[0]); i++) {
		kat_key(kat[i].jwk, kat[i].alg, &k);
		ck_assert_int_eq(sg_jwt_verify(kat[i].jws, &k, 1, &e, &c, &h),
		    SG_JWT_OK);
		ck_assert_str_eq(json_object_get_string(
		    json_object_object_get(h, "alg")), sg_alg_name(kat[i].alg));
		ck_assert(json_object_object_get_ex(c, "exp", &v));
		ck_assert_int_eq(json_object_get_int64(v), RFC7515_EXP);
		ck_assert(json_object_object_get_ex(c,
		    "http://example.com/is_root", &v));
		ck_assert(json_object_get_boolean(v));
		json_object_put(c);
		json_object_put(h);
		/* One signature bit less: refused. */
		t = kat_changed(kat[i].jws, strlen(kat[i].jws) - 2, 'A');
		ck_assert_int_eq(verify(t, &k, 1, &e), SG_JWT_BAD_SIGNATURE);
		free(t);
		e.now = RFC7515_EXP + 1;
		ck_assert_int_eq(verify(kat[i].jws, &k, 1, &e),
		    SG_JWT_EXPIRED);
		e.now = RFC7515_EXP - 60;
		sg_jwk_clear(&k);
	}
}
END_TEST

/* RFC 7520 §4.1 verifies; §4.2 (PS384) and §4.3 (ES512) are refused. */
START_TEST(test_rfc7520_known_answers)
{
	struct sg_jwt_expect	 e;
	struct sg_jwk		 k;
	json_object		*h;
	char			*t;

	memset(&e, 0, sizeof(e));
	e.now = NOW;
	kat_key(RFC7520_RSA_JWK, SG_ALG_RS256, &k);
	ck_assert_str_eq(k.kid, "bilbo.baggins@hobbiton.example");
	/* The signature holds; the payload is text, not JWT claims. */
	ck_assert_int_eq(verify(RFC7520_41_JWS, &k, 1, &e), SG_JWT_MALFORMED);
	t = kat_changed(RFC7520_41_JWS, strlen(RFC7520_41_JWS) - 2, 'A');
	ck_assert_int_eq(verify(t, &k, 1, &e), SG_JWT_BAD_SIGNATURE);
	free(t);
	h = sg_jwt_peek_header(RFC7520_41_JWS);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(h,
	    "kid")), "bilbo.baggins@hobbiton.example");
	json_object_put(h);
	/* Same kid, same key: the algorithm decides. */
	ck_assert_int_eq(verify(RFC7520_42_JWS, &k, 1, &e), SG_JWT_BAD_ALG);
	ck_assert_int_eq(verify(RFC7520_43_JWS, &k, 1, &e), SG_JWT_BAD_ALG);
	k.alg = SG_ALG_RS384;
	ck_assert_int_eq(verify(RFC7520_41_JWS, &k, 1, &e), SG_JWT_BAD_ALG);
	sg_jwk_clear(&k);
}
END_TEST

START_TEST(test_jwks_public_and_own_keys)
{
	struct sg_keys		 keys;
	struct sg_jwk		 own[4];
	struct sg_jwt_expect	 e = expect();
	json_object		*set;
	char			*t;

	memset(&keys, 0, sizeof(keys));
	keys.sign[0] = es256;
	keys.sign[1] = rs256;
	keys.nsign = 2;
	/* What we publish verifies what we sign. */
	set = sg_jwks_public(&keys);
	ck_assert_int_eq(sg_jwks_parse(set, SG_ALG_NONE, SG_ALG_NONE, own, 4),
	    2);
	t = sign(&rs256, NULL, claims(60));
	ck_assert_int_eq(verify(t, own, 2, &e), SG_JWT_OK);
	sg_jwk_clear(&own[0]);
	sg_jwk_clear(&own[1]);
	json_object_put(set);
	/* sg_jwt_own_keys borrows: nothing to clear. */
	ck_assert_uint_eq(sg_jwt_own_keys(&keys, own, 4), 2);
	ck_assert_int_eq(verify(t, own, 2, &e), SG_JWT_OK);
	ck_assert_uint_eq(sg_jwt_own_keys(&keys, own, 1), 1);
	ck_assert_int_eq(verify(t, own, 1, &e), SG_JWT_NO_KEY);
	free(t);
}
END_TEST

START_TEST(test_strerror)
{
	int	 r;

	for (r = SG_JWT_OK; r <= SG_JWT_BAD_CLAIMS; r++)
		ck_assert_ptr_nonnull(sg_jwt_strerror((enum sg_jwt_result)r));
	ck_assert_str_eq(sg_jwt_strerror(SG_JWT_EXPIRED), "token expired");
}
END_TEST

static Suite *
jwt_suite(void)
{
	Suite	*s = suite_create("jwt");
	TCase	*tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_sign_verify_all_algs);
	tcase_add_test(tc, test_sign_refuses_mismatched_key);
	tcase_add_test(tc, test_forged_table);
	tcase_add_test(tc, test_alg_confusion);
	tcase_add_test(tc, test_shape);
	tcase_add_test(tc, test_tampered);
	tcase_add_test(tc, test_typ);
	tcase_add_test(tc, test_peek_header);
	tcase_add_test(tc, test_rfc7515_known_answers);
	tcase_add_test(tc, test_rfc7520_known_answers);
	tcase_add_test(tc, test_jwks_public_and_own_keys);
	tcase_add_test(tc, test_strerror);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	int	 rc = tl_run(jwt_suite());

	EVP_PKEY_free(rs256.pkey);
	EVP_PKEY_free(rs384.pkey);
	EVP_PKEY_free(es256.pkey);
	EVP_PKEY_free(es384.pkey);
	return rc;
}
