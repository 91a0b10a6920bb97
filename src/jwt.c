/*
 * JSON Web Tokens (RFC 7515, 7519) and JWK (RFC 7517, 7518 §6, 7638).
 *
 * Signatures are made and checked with OpenSSL EVP directly; libjwt is
 * not used, which removes the whole class of its pitfalls listed in
 * docs/DESIGN.md (trusting the token's alg, NULL keys, empty segments).
 * The guards stay anyway: a length cap, exactly three non-empty
 * base64url segments, our own header parsing, the algorithm fixed by
 * the key, and every claim checked here.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/sha.h>

#include "b64.h"
#include "json.h"
#include "jwt.h"
#include "keys.h"
#include "limits.h"
#include "mem.h"

#define TIME_CLAMP	((int64_t)1 << 50)

#define JSON_OUT	(JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static json_object *
xjson(json_object *o)
{
	if (o == NULL)
		abort();
	return o;
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

/* OpenSSL group name to JOSE "crv" and coordinate size (RFC 7518 §6.2.1.1). */
static const char *
ec_crv(EVP_PKEY *pkey, size_t *size)
{
	char	 group[64];
	size_t	 glen = 0;

	if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_EC ||
	    EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, sizeof(group), &glen) != 1)
		return NULL;
	if (strcmp(group, "prime256v1") == 0) {
		*size = 32;
		return "P-256";
	}
	if (strcmp(group, "secp384r1") == 0) {
		*size = 48;
		return "P-384";
	}
	return NULL;
}

/* Whether pkey is a key of the type and size alg requires. */
static int
key_fits_alg(EVP_PKEY *pkey, enum sg_alg alg)
{
	size_t	 size = 0;
	int	 bits;

	if (pkey == NULL)
		return 0;
	switch (alg) {
	case SG_ALG_RS256:
	case SG_ALG_RS384:
		bits = EVP_PKEY_get_bits(pkey);
		return EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA &&
		    bits >= SG_MIN_RSA_BITS && bits <= SG_MAX_RSA_BITS;
	case SG_ALG_ES256:
	case SG_ALG_ES384:
		return ec_crv(pkey, &size) != NULL &&
		    size == alg_ec_size(alg);
	default:
		return 0;
	}
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
	    !key_fits_alg(key->pkey, key->alg))
		return NULL;
	hdr = xjson(json_object_new_object());
	json_object_object_add(hdr, "alg",
	    xjson(json_object_new_string(sg_alg_name(key->alg))));
	if (key->kid[0] != '\0')
		json_object_object_add(hdr, "kid",
		    xjson(json_object_new_string(key->kid)));
	if (typ != NULL)
		json_object_object_add(hdr, "typ",
		    xjson(json_object_new_string(typ)));
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
	    !key_fits_alg(key->pkey, key->alg))
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

/* Decodes a base64url string member, or NULL. */
static unsigned char *
get_b64(json_object *jwk, const char *name, size_t *len)
{
	const char	*s;

	if ((s = sg_json_str(jwk, name)) == NULL)
		return NULL;
	return sg_b64url_decode(s, strlen(s), len);
}

/*
 * Builds a public key from params.  An EC point is checked to be on its
 * curve.  RSA is not given to EVP_PKEY_public_check(): its SP 800-56B
 * test is randomized (Miller-Rabin on n), so the same JWK would be
 * accepted or refused at random; rsa_from_jwk() checks what matters.
 */
static EVP_PKEY *
pkey_from_params(const char *type, OSSL_PARAM_BLD *bld, int check)
{
	OSSL_PARAM	*params = NULL;
	EVP_PKEY_CTX	*ctx = NULL, *chk = NULL;
	EVP_PKEY	*pkey = NULL;

	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
		goto done;
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		goto done;
	if (check &&
	    ((chk = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) == NULL ||
	    EVP_PKEY_public_check(chk) != 1)) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
done:
	EVP_PKEY_CTX_free(chk);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	ERR_clear_error();
	return pkey;
}

static EVP_PKEY *
rsa_from_jwk(json_object *jwk)
{
	OSSL_PARAM_BLD	*bld = NULL;
	BIGNUM		*n = NULL, *e = NULL;
	unsigned char	*nb = NULL, *eb = NULL;
	size_t		 nlen = 0, elen = 0;
	EVP_PKEY	*pkey = NULL;

	if ((nb = get_b64(jwk, "n", &nlen)) == NULL ||
	    (eb = get_b64(jwk, "e", &elen)) == NULL)
		goto done;
	if (nlen == 0 || nlen > SG_MAX_RSA_BITS / 8 + 1 || elen == 0 ||
	    elen > 8)
		goto done;
	n = BN_bin2bn(nb, (int)nlen, NULL);
	e = BN_bin2bn(eb, (int)elen, NULL);
	if (n == NULL || e == NULL)
		goto done;
	if (BN_num_bits(n) < SG_MIN_RSA_BITS ||
	    BN_num_bits(n) > SG_MAX_RSA_BITS || !BN_is_odd(n) ||
	    !BN_is_odd(e) || BN_is_one(e) || BN_cmp(e, n) >= 0)
		goto done;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL)
		abort();
	if (OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) != 1)
		goto done;
	pkey = pkey_from_params("RSA", bld, 0);
done:
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	free(nb);
	free(eb);
	return pkey;
}

static EVP_PKEY *
ec_from_jwk(json_object *jwk, enum sg_alg *alg)
{
	OSSL_PARAM_BLD	*bld = NULL;
	const char	*crv, *group;
	unsigned char	*x = NULL, *y = NULL, pub[1 + 2 * 48];
	size_t		 xlen = 0, ylen = 0, size;
	EVP_PKEY	*pkey = NULL;

	if ((crv = sg_json_str(jwk, "crv")) == NULL)
		return NULL;
	if (strcmp(crv, "P-256") == 0) {
		group = "prime256v1";
		size = 32;
		*alg = SG_ALG_ES256;
	} else if (strcmp(crv, "P-384") == 0) {
		group = "secp384r1";
		size = 48;
		*alg = SG_ALG_ES384;
	} else
		return NULL;
	/* RFC 7518 §6.2.1.2: x and y are exactly the coordinate size. */
	if ((x = get_b64(jwk, "x", &xlen)) == NULL ||
	    (y = get_b64(jwk, "y", &ylen)) == NULL ||
	    xlen != size || ylen != size)
		goto done;
	pub[0] = 0x04;
	memcpy(pub + 1, x, size);
	memcpy(pub + 1 + size, y, size);
	if ((bld = OSSL_PARAM_BLD_new()) == NULL)
		abort();
	if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
	    pub, 1 + 2 * size) != 1)
		goto done;
	pkey = pkey_from_params("EC", bld, 1);
done:
	OSSL_PARAM_BLD_free(bld);
	free(x);
	free(y);
	return pkey;
}

int
sg_jwk_from_json(json_object *jwk, enum sg_alg default_rsa,
    enum sg_alg default_ec, struct sg_jwk *out)
{
	/* Private members of RSA, EC and oct keys (RFC 7518 §6). */
	static const char *const private[] = {
		"d", "p", "q", "dp", "dq", "qi", "oth", "k"
	};
	json_object	*v;
	const char	*kty, *use, *kid = "";
	enum sg_alg	 alg = SG_ALG_NONE, curve_alg = SG_ALG_NONE;
	size_t		 i;

	if (out == NULL)
		return -1;
	memset(out, 0, sizeof(*out));
	if (jwk == NULL || !json_object_is_type(jwk, json_type_object))
		return -1;
	for (i = 0; i < sizeof(private) / sizeof(private[0]); i++)
		if (json_object_object_get_ex(jwk, private[i], NULL))
			return -1;
	if ((kty = sg_json_str(jwk, "kty")) == NULL)
		return -1;
	if (json_object_object_get_ex(jwk, "use", &v)) {
		if ((use = sg_json_str(jwk, "use")) == NULL ||
		    strcmp(use, "sig") != 0)
			return -1;
	}
	if (json_object_object_get_ex(jwk, "kid", &v)) {
		if ((kid = sg_json_str(jwk, "kid")) == NULL ||
		    strlen(kid) >= sizeof(out->kid))
			return -1;
	}
	if (json_object_object_get_ex(jwk, "alg", &v)) {
		if ((alg = sg_alg_from_name(sg_json_str(jwk, "alg"))) ==
		    SG_ALG_NONE)
			return -1;
	}
	if (strcmp(kty, "RSA") == 0) {
		if (alg == SG_ALG_NONE)
			alg = default_rsa;
		if (alg != SG_ALG_RS256 && alg != SG_ALG_RS384)
			return -1;
		out->pkey = rsa_from_jwk(jwk);
	} else if (strcmp(kty, "EC") == 0) {
		out->pkey = ec_from_jwk(jwk, &curve_alg);
		/*
		 * The curve fixes the algorithm (RFC 7518 §3.4); a default of
		 * SG_ALG_NONE means an EC key must name its alg.
		 */
		if (alg == SG_ALG_NONE && default_ec != SG_ALG_NONE)
			alg = curve_alg;
		if (alg != curve_alg)
			goto fail;
	} else
		return -1;
	if (out->pkey == NULL || !key_fits_alg(out->pkey, alg))
		goto fail;
	out->alg = alg;
	memcpy(out->kid, kid, strlen(kid) + 1);
	return 0;
fail:
	sg_jwk_clear(out);
	return -1;
}

int
sg_jwks_parse(json_object *jwks, enum sg_alg default_rsa,
    enum sg_alg default_ec, struct sg_jwk *out, size_t max)
{
	json_object	*arr, *k;
	const char	*use;
	size_t		 i, n, count = 0;

	if (jwks == NULL || !json_object_is_type(jwks, json_type_object) ||
	    !json_object_object_get_ex(jwks, "keys", &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return -1;
	n = json_object_array_length(arr);
	for (i = 0; i < n && count < max; i++) {
		k = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(k, json_type_object))
			continue;
		if (json_object_object_get_ex(k, "use", NULL) &&
		    ((use = sg_json_str(k, "use")) == NULL ||
		    strcmp(use, "sig") != 0))
			continue;
		if (sg_jwk_from_json(k, default_rsa, default_ec,
		    &out[count]) == 0)
			count++;
	}
	return (int)count;
}

void
sg_jwk_clear(struct sg_jwk *jwk)
{
	if (jwk == NULL)
		return;
	EVP_PKEY_free(jwk->pkey);
	memset(jwk, 0, sizeof(*jwk));
}

/* Adds a BIGNUM member as base64url of its big-endian bytes. */
static int
add_bn(json_object *obj, const char *name, const BIGNUM *bn, size_t pad)
{
	unsigned char	*buf;
	size_t		 len;
	char		*s;

	len = pad != 0 ? pad : (size_t)BN_num_bytes(bn);
	if (len == 0 || (size_t)BN_num_bytes(bn) > len)
		return -1;
	buf = sg_xmalloc(len);
	if (BN_bn2binpad(bn, buf, (int)len) != (int)len) {
		free(buf);
		return -1;
	}
	s = sg_b64url_encode(buf, len);
	free(buf);
	json_object_object_add(obj, name, xjson(json_object_new_string(s)));
	free(s);
	return 0;
}

/*
 * The required public members of a JWK, in lexicographic order as RFC
 * 7638 §3.2 wants them for the thumbprint.  Returns a new object or
 * NULL for an unsupported key.
 */
static json_object *
jwk_required(EVP_PKEY *pkey)
{
	json_object	*obj;
	BIGNUM		*a = NULL, *b = NULL;
	const char	*crv;
	size_t		 size = 0;
	int		 ok = 0;

	obj = xjson(json_object_new_object());
	if (pkey == NULL)
		goto done;
	if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA) {
		if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N,
		    &a) != 1 ||
		    EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E,
		    &b) != 1)
			goto done;
		if (add_bn(obj, "e", b, 0) != 0)
			goto done;
		json_object_object_add(obj, "kty",
		    xjson(json_object_new_string("RSA")));
		if (add_bn(obj, "n", a, 0) != 0)
			goto done;
		ok = 1;
	} else if ((crv = ec_crv(pkey, &size)) != NULL) {
		if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X,
		    &a) != 1 ||
		    EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y,
		    &b) != 1)
			goto done;
		json_object_object_add(obj, "crv",
		    xjson(json_object_new_string(crv)));
		json_object_object_add(obj, "kty",
		    xjson(json_object_new_string("EC")));
		if (add_bn(obj, "x", a, size) != 0 ||
		    add_bn(obj, "y", b, size) != 0)
			goto done;
		ok = 1;
	}
done:
	BN_free(a);
	BN_free(b);
	ERR_clear_error();
	if (!ok) {
		json_object_put(obj);
		obj = NULL;
	}
	return obj;
}

json_object *
sg_jwk_to_json(EVP_PKEY *pkey, enum sg_alg alg, const char *kid)
{
	json_object	*obj;

	if ((obj = jwk_required(pkey)) == NULL)
		return NULL;
	if (kid != NULL && kid[0] != '\0')
		json_object_object_add(obj, "kid",
		    xjson(json_object_new_string(kid)));
	if (sg_alg_name(alg) != NULL)
		json_object_object_add(obj, "alg",
		    xjson(json_object_new_string(sg_alg_name(alg))));
	json_object_object_add(obj, "use", xjson(json_object_new_string("sig")));
	return obj;
}

int
sg_jwk_thumbprint(EVP_PKEY *pkey, char out[SG_KID_MAX])
{
	json_object	*obj;
	const char	*s;
	unsigned char	 md[SHA256_DIGEST_LENGTH];
	char		*b64;
	int		 rc = -1;

	if ((obj = jwk_required(pkey)) == NULL)
		return -1;
	/* RFC 7638 §3.3: no whitespace, members in lexicographic order. */
	if ((s = json_object_to_json_string_ext(obj, JSON_OUT)) == NULL)
		abort();
	if (EVP_Digest(s, strlen(s), md, NULL, EVP_sha256(), NULL) == 1) {
		b64 = sg_b64url_encode(md, sizeof(md));
		if (strlen(b64) < SG_KID_MAX) {
			memcpy(out, b64, strlen(b64) + 1);
			rc = 0;
		}
		free(b64);
	}
	json_object_put(obj);
	return rc;
}

json_object *
sg_jwks_public(const struct sg_keys *keys)
{
	json_object	*jwks, *arr, *k;
	size_t		 i;

	jwks = xjson(json_object_new_object());
	arr = xjson(json_object_new_array());
	json_object_object_add(jwks, "keys", arr);
	for (i = 0; keys != NULL && i < keys->nsign; i++) {
		k = sg_jwk_to_json(keys->sign[i].pkey, keys->sign[i].alg,
		    keys->sign[i].kid);
		if (k != NULL)
			json_object_array_add(arr, k);
	}
	return jwks;
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
