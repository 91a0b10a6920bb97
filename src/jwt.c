/*
 * JSON Web Signature and JSON Web Token (RFC 7515, 7519).
 *
 * Signatures are made and checked with OpenSSL EVP directly; libjwt is
 * not used, which removes the whole class of its pitfalls (trusting the
 * token's alg, NULL keys, empty segments; docs/DESIGN.md).  The guards
 * stay anyway: a length cap, exactly three non-empty base64url
 * segments, our own header parsing, the algorithm fixed by the key, and
 * every claim checked here.  Keys are jwk.c's.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "b64.h"
#include "bounds.h"
#include "json.h"
#include "jwk.h"
#include "jwt.h"
#include "keys.h"
#include "mem.h"

#define TIME_CLAMP	((int64_t)1 << 50)

#define JSON_OUT	(JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* Adds a string member to a header we build; out of memory aborts. */
static void
hdr_put(json_object *hdr, const char *name, const char *value)
{
	json_object	*v;

	if ((v = json_object_new_string(value)) == NULL ||
	    json_object_object_add(hdr, name, v) != 0)
		abort();
}

static const EVP_MD *
alg_md(enum sg_alg alg)
{
	switch (alg) {
	case SG_ALG_RS256:
	case SG_ALG_ES256:
		return EVP_sha256();
	case SG_ALG_RS384:
	case SG_ALG_ES384:
		return EVP_sha384();
	default:
		return NULL;
	}
}

/* Size of one EC coordinate (and of R, S) for an ES* alg, else 0. */
static size_t
alg_ec_size(enum sg_alg alg)
{
	return alg == SG_ALG_ES256 ? 32 : alg == SG_ALG_ES384 ? 48 : 0;
}

/* DER ECDSA-Sig-Value to JOSE R || S, n bytes each (RFC 7518 §3.4). */
static unsigned char *
ecdsa_der_to_raw(const unsigned char *der, size_t derlen, size_t n)
{
	ECDSA_SIG	*sig;
	const BIGNUM	*r, *s;
	const unsigned char *p = der;
	unsigned char	*raw = NULL;

	if ((sig = d2i_ECDSA_SIG(NULL, &p, (long)derlen)) == NULL)
		return NULL;
	ECDSA_SIG_get0(sig, &r, &s);
	raw = sg_xmalloc(2 * n);
	if (BN_bn2binpad(r, raw, (int)n) != (int)n ||
	    BN_bn2binpad(s, raw + n, (int)n) != (int)n) {
		free(raw);
		raw = NULL;
	}
	ECDSA_SIG_free(sig);
	return raw;
}

/* JOSE R || S (2n bytes) to DER for OpenSSL; NULL on failure. */
static unsigned char *
ecdsa_raw_to_der(const unsigned char *raw, size_t n, size_t *derlen)
{
	ECDSA_SIG	*sig;
	BIGNUM		*r, *s;
	unsigned char	*der = NULL;
	int		 len;

	if ((sig = ECDSA_SIG_new()) == NULL)
		abort();
	r = BN_bin2bn(raw, (int)n, NULL);
	s = BN_bin2bn(raw + n, (int)n, NULL);
	if (r == NULL || s == NULL || ECDSA_SIG_set0(sig, r, s) != 1) {
		BN_free(r);
		BN_free(s);
		goto done;
	}
	if ((len = i2d_ECDSA_SIG(sig, &der)) <= 0) {
		der = NULL;
		goto done;
	}
	*derlen = (size_t)len;
done:
	ECDSA_SIG_free(sig);
	return der;
}

/* Signs msg; returns a new JOSE signature (raw R||S for ES*) or NULL. */
static unsigned char *
sign_bytes(EVP_PKEY *pkey, enum sg_alg alg, const char *msg, size_t msglen,
    size_t *siglen)
{
	EVP_MD_CTX	*ctx;
	unsigned char	*sig = NULL, *raw;
	size_t		 len = 0;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		abort();
	if (EVP_DigestSignInit(ctx, NULL, alg_md(alg), NULL, pkey) != 1 ||
	    EVP_DigestSign(ctx, NULL, &len, (const unsigned char *)msg,
	    msglen) != 1)
		goto fail;
	sig = sg_xmalloc(len);
	if (EVP_DigestSign(ctx, sig, &len, (const unsigned char *)msg,
	    msglen) != 1)
		goto fail;
	if (alg_ec_size(alg) != 0) {
		raw = ecdsa_der_to_raw(sig, len, alg_ec_size(alg));
		free(sig);
		sig = raw;
		len = 2 * alg_ec_size(alg);
		if (sig == NULL)
			goto fail;
	}
	EVP_MD_CTX_free(ctx);
	*siglen = len;
	return sig;
fail:
	free(sig);
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return NULL;
}

/* 1 when sig (JOSE form) is a valid signature of msg, else 0. */
static int
verify_bytes(EVP_PKEY *pkey, enum sg_alg alg, const char *msg,
    size_t msglen, const unsigned char *sig, size_t siglen)
{
	EVP_MD_CTX	*ctx;
	unsigned char	*der = NULL;
	size_t		 derlen = 0, n = alg_ec_size(alg);
	int		 ok = 0;

	if (n != 0) {
		/* RFC 7518 §3.4: exactly 2n octets, no DER. */
		if (siglen != 2 * n)
			return 0;
		if ((der = ecdsa_raw_to_der(sig, n, &derlen)) == NULL)
			return 0;
		sig = der;
		siglen = derlen;
	}
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		abort();
	if (EVP_DigestVerifyInit(ctx, NULL, alg_md(alg), NULL, pkey) == 1 &&
	    EVP_DigestVerify(ctx, sig, siglen, (const unsigned char *)msg,
	    msglen) == 1)
		ok = 1;
	EVP_MD_CTX_free(ctx);
	OPENSSL_free(der);
	ERR_clear_error();
	return ok;
}

char *
sg_jwt_sign(const struct sg_signing_key *key, const char *typ,
    json_object *claims)
{
	json_object	*hdr = NULL;
	const char	*hs, *ps;
	char		*h64 = NULL, *p64 = NULL, *s64 = NULL, *out = NULL;
	unsigned char	*sig = NULL;
	size_t		 siglen = 0, hlen, plen, slen;

	if (key == NULL || claims == NULL ||
	    !json_object_is_type(claims, json_type_object) ||
	    !sg_jwk_fits(key->pkey, key->alg))
		return NULL;
	if ((hdr = json_object_new_object()) == NULL)
		abort();
	hdr_put(hdr, "alg", sg_alg_name(key->alg));
	if (key->kid[0] != '\0')
		hdr_put(hdr, "kid", key->kid);
	if (typ != NULL)
		hdr_put(hdr, "typ", typ);
	hs = json_object_to_json_string_ext(hdr, JSON_OUT);
	ps = json_object_to_json_string_ext(claims, JSON_OUT);
	if (hs == NULL || ps == NULL)
		abort();
	h64 = sg_b64url_encode(hs, strlen(hs));
	p64 = sg_b64url_encode(ps, strlen(ps));
	hlen = strlen(h64);
	plen = strlen(p64);
	/* Room for the signature segment is added below. */
	out = sg_xmalloc(hlen + 1 + plen + 1);
	memcpy(out, h64, hlen);
	out[hlen] = '.';
	memcpy(out + hlen + 1, p64, plen + 1);
	if ((sig = sign_bytes(key->pkey, key->alg, out, hlen + 1 + plen,
	    &siglen)) == NULL) {
		free(out);
		out = NULL;
		goto done;
	}
	s64 = sg_b64url_encode(sig, siglen);
	slen = strlen(s64);
	out = sg_xrealloc(out, hlen + 1 + plen + 1 + slen + 1);
	out[hlen + 1 + plen] = '.';
	memcpy(out + hlen + 1 + plen + 1, s64, slen + 1);
done:
	json_object_put(hdr);
	free(h64);
	free(p64);
	free(s64);
	free(sig);
	return out;
}

struct segments {
	const char	*seg[3];
	size_t		 len[3];
};

/*
 * The compact form's shape (RFC 7515 §7.1): at most SG_MAX_JWT
 * characters, exactly three non-empty segments of base64url
 * characters.  Returns 0 or -1.
 */
static int
split_token(const char *token, struct segments *s)
{
	size_t	 len, i, n = 0, start = 0;

	if (token == NULL)
		return -1;
	if ((len = strnlen(token, SG_MAX_JWT + 1)) > SG_MAX_JWT)
		return -1;
	for (i = 0; i <= len; i++) {
		unsigned char c = (unsigned char)token[i];

		if (i == len || c == '.') {
			if (n == 3 || i == start)
				return -1;
			s->seg[n] = token + start;
			s->len[n] = i - start;
			n++;
			start = i + 1;
			continue;
		}
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return -1;
	}
	return n == 3 ? 0 : -1;
}

/* Decodes a segment and parses it as a JSON object, or NULL. */
static json_object *
segment_object(const char *seg, size_t len)
{
	unsigned char	*buf;
	size_t		 blen = 0;
	json_object	*obj;

	if ((buf = sg_b64url_decode(seg, len, &blen)) == NULL)
		return NULL;
	obj = sg_json_object((const char *)buf, blen);
	free(buf);
	return obj;
}

json_object *
sg_jwt_peek_header(const char *token)
{
	struct segments	 s;

	if (split_token(token, &s) != 0)
		return NULL;
	return segment_object(s.seg[0], s.len[0]);
}

/*
 * A NumericDate (RFC 7519 §2): a JSON number, clamped far beyond any
 * real date so that arithmetic on it cannot overflow.  0 or -1.
 */
static int
numeric_date(json_object *v, int64_t *out)
{
	double	 d;
	int64_t	 t;

	if (json_object_is_type(v, json_type_int)) {
		t = json_object_get_int64(v);
	} else if (json_object_is_type(v, json_type_double)) {
		d = json_object_get_double(v);
		if (!isfinite(d))
			return -1;
		if (d > (double)TIME_CLAMP)
			d = (double)TIME_CLAMP;
		if (d < -(double)TIME_CLAMP)
			d = -(double)TIME_CLAMP;
		t = (int64_t)d;
	} else
		return -1;
	if (t > TIME_CLAMP)
		t = TIME_CLAMP;
	if (t < -TIME_CLAMP)
		t = -TIME_CLAMP;
	*out = t;
	return 0;
}

/*
 * typ compares case-insensitively and "application/" may be omitted
 * (RFC 7515 §4.1.9), so "application/at+jwt" is "at+jwt".
 */
static int
typ_matches(const char *typ, const char *want)
{
	static const char app[] = "application/";

	if (typ == NULL)
		return 0;
	if (strncasecmp(typ, app, sizeof(app) - 1) == 0 &&
	    strncasecmp(want, app, sizeof(app) - 1) != 0)
		typ += sizeof(app) - 1;
	return strcasecmp(typ, want) == 0;
}

static enum sg_jwt_result
check_claims(json_object *claims, const struct sg_jwt_expect *ex)
{
	json_object	*v;
	int64_t		 now = (int64_t)ex->now, t, exp = 0;
	long		 leeway = ex->leeway;
	int		 have_exp = 0;

	if (leeway < 0)
		leeway = 0;
	if (leeway > SG_MAX_LEEWAY)
		leeway = SG_MAX_LEEWAY;
	if (now > TIME_CLAMP || now < -TIME_CLAMP)
		return SG_JWT_BAD_CLAIMS;
	/* RFC 7519 §4.1.4 */
	if (json_object_object_get_ex(claims, "exp", &v)) {
		if (numeric_date(v, &exp) != 0)
			return SG_JWT_BAD_CLAIMS;
		have_exp = 1;
		if (now - leeway > exp)
			return SG_JWT_EXPIRED;
	} else if (ex->require_exp)
		return SG_JWT_BAD_CLAIMS;
	/* RFC 7519 §4.1.5, §4.1.6 */
	if (json_object_object_get_ex(claims, "nbf", &v)) {
		if (numeric_date(v, &t) != 0)
			return SG_JWT_BAD_CLAIMS;
		if (t > now + leeway)
			return SG_JWT_NOT_YET;
	}
	if (json_object_object_get_ex(claims, "iat", &v)) {
		if (numeric_date(v, &t) != 0)
			return SG_JWT_BAD_CLAIMS;
		if (t > now + leeway)
			return SG_JWT_NOT_YET;
	}
	if (ex->max_lifetime > 0) {
		if (!have_exp)
			return SG_JWT_BAD_CLAIMS;
		if (exp - now > (ex->max_lifetime > TIME_CLAMP ? TIME_CLAMP :
		    (int64_t)ex->max_lifetime))
			return SG_JWT_BAD_CLAIMS;
	}
	/* RFC 7519 §4.1.1: exact string comparison. */
	if (ex->iss != NULL) {
		const char *iss = sg_json_str(claims, "iss");

		if (iss == NULL || strcmp(iss, ex->iss) != 0)
			return SG_JWT_BAD_CLAIMS;
	}
	if (ex->aud != NULL) {
		if (!json_object_object_get_ex(claims, "aud", &v) ||
		    !sg_json_str_in(v, ex->aud))
			return SG_JWT_BAD_CLAIMS;
	}
	return SG_JWT_OK;
}

/* The key the header's kid names (see jwt.h), or NULL. */
static const struct sg_jwk *
pick_key(json_object *hdr, const struct sg_jwk *keys, size_t nkeys,
    enum sg_jwt_result *res)
{
	json_object	*v;
	const char	*kid;
	size_t		 i;

	*res = SG_JWT_NO_KEY;
	if (!json_object_object_get_ex(hdr, "kid", &v))
		return nkeys == 1 ? &keys[0] : NULL;
	if (!json_object_is_type(v, json_type_string)) {
		*res = SG_JWT_MALFORMED;
		return NULL;
	}
	kid = json_object_get_string(v);
	for (i = 0; i < nkeys; i++)
		if (keys[i].kid[0] != '\0' && strcmp(keys[i].kid, kid) == 0)
			return &keys[i];
	/* A lone key published without a kid still serves (RFC 7517 §4.5). */
	if (nkeys == 1 && keys[0].kid[0] == '\0')
		return &keys[0];
	return NULL;
}

enum sg_jwt_result
sg_jwt_verify(const char *token, const struct sg_jwk *keys, size_t nkeys,
    const struct sg_jwt_expect *expect, json_object **claims,
    json_object **header)
{
	struct segments		 s;
	const struct sg_jwk	*key;
	json_object		*hdr = NULL, *payload = NULL, *v;
	const char		*alg;
	unsigned char		*sig = NULL;
	size_t			 siglen = 0;
	enum sg_jwt_result	 res = SG_JWT_MALFORMED;

	if (claims != NULL)
		*claims = NULL;
	if (header != NULL)
		*header = NULL;
	if (expect == NULL)
		return SG_JWT_BAD_CLAIMS;
	if (split_token(token, &s) != 0)
		return SG_JWT_MALFORMED;
	if ((hdr = segment_object(s.seg[0], s.len[0])) == NULL)
		goto done;
	/* We understand no extension (RFC 7515 §4.1.11). */
	if (json_object_object_get_ex(hdr, "crit", &v))
		goto done;
	if (!json_object_object_get_ex(hdr, "alg", &v) ||
	    !json_object_is_type(v, json_type_string))
		goto done;
	alg = json_object_get_string(v);
	/* "none" and HS* (RFC 7518 §3.2, §3.6) are never ours to accept. */
	res = SG_JWT_BAD_ALG;
	if (sg_alg_from_name(alg) == SG_ALG_NONE)
		goto done;
	if ((key = pick_key(hdr, keys, nkeys, &res)) == NULL)
		goto done;
	res = SG_JWT_BAD_ALG;
	if (key->alg != sg_alg_from_name(alg) ||
	    !sg_jwk_fits(key->pkey, key->alg))
		goto done;

	res = SG_JWT_MALFORMED;
	if ((sig = sg_b64url_decode(s.seg[2], s.len[2], &siglen)) == NULL)
		goto done;
	res = SG_JWT_BAD_SIGNATURE;
	if (!verify_bytes(key->pkey, key->alg, s.seg[0],
	    s.len[0] + 1 + s.len[1], sig, siglen))
		goto done;

	res = SG_JWT_BAD_CLAIMS;
	if (expect->typ != NULL && !typ_matches(sg_json_str(hdr, "typ"),
	    expect->typ))
		goto done;
	res = SG_JWT_MALFORMED;
	if ((payload = segment_object(s.seg[1], s.len[1])) == NULL)
		goto done;
	if ((res = check_claims(payload, expect)) != SG_JWT_OK)
		goto done;
	if (claims != NULL) {
		*claims = payload;
		payload = NULL;
	}
	if (header != NULL) {
		*header = hdr;
		hdr = NULL;
	}
done:
	free(sig);
	json_object_put(hdr);
	json_object_put(payload);
	return res;
}

const char *
sg_jwt_strerror(enum sg_jwt_result r)
{
	switch (r) {
	case SG_JWT_OK:
		return "valid";
	case SG_JWT_MALFORMED:
		return "malformed token";
	case SG_JWT_BAD_ALG:
		return "algorithm not allowed";
	case SG_JWT_NO_KEY:
		return "no key for the token";
	case SG_JWT_BAD_SIGNATURE:
		return "bad signature";
	case SG_JWT_EXPIRED:
		return "token expired";
	case SG_JWT_NOT_YET:
		return "token not yet valid";
	case SG_JWT_BAD_CLAIMS:
		return "wrong or missing claims";
	}
	return "unknown error";
}
size_t
sg_jwt_own_keys(const struct sg_keys *keys, struct sg_jwk *out, size_t max)
{
	size_t	 i, n = 0;

	for (i = 0; keys != NULL && i < keys->nsign && n < max; i++) {
		out[n].pkey = keys->sign[i].pkey;
		out[n].alg = keys->sign[i].alg;
		memcpy(out[n].kid, keys->sign[i].kid, sizeof(out[n].kid));
		n++;
	}
	return n;
}
