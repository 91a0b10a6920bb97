/*
 * JSON Web Keys (RFC 7517): public keys to and from JWK and JWKS, their
 * RFC 7638 thumbprints, and our own JWKS.  Key parameters are RFC 7518
 * §6; the algorithm a key serves, RFC 7518 §3.
 *
 * Built on OpenSSL 3 EVP_PKEY_fromdata() and EVP_PKEY_get_bn_param()
 * (libjwt has no JWK support).
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/sha.h>

#include "b64.h"
#include "bounds.h"
#include "json.h"
#include "jwk.h"
#include "keys.h"
#include "mem.h"


#define JSON_OUT	(JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static json_object *
xjson(json_object *o)
{
	if (o == NULL)
		abort();
	return o;
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

int
sg_jwk_fits(EVP_PKEY *pkey, enum sg_alg alg)
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
		return ec_crv(pkey, &size) != NULL && size == 32;
	case SG_ALG_ES384:
		return ec_crv(pkey, &size) != NULL && size == 48;
	default:
		return 0;
	}
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
 * Builds a public key from params (NULL: none).  An EC point is checked to be on its
 * curve.  RSA is not given to EVP_PKEY_public_check(): its SP 800-56B
 * test is randomized (Miller-Rabin on n), so the same JWK would be
 * accepted or refused at random; rsa_from_jwk() checks what matters.
 */
static EVP_PKEY *
pkey_from_params(const char *type, OSSL_PARAM *params, int check)
{
	EVP_PKEY_CTX	*ctx = NULL, *chk = NULL;
	EVP_PKEY	*pkey = NULL;

	if (params == NULL)
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
	ERR_clear_error();
	return pkey;
}

static EVP_PKEY *
rsa_from_jwk(json_object *jwk)
{
	OSSL_PARAM_BLD	*bld = NULL;
	OSSL_PARAM	*params = NULL;
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
	/* BIGNUMs go through a builder: their native form is OpenSSL's. */
	if (OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) == 1 &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) == 1)
		params = OSSL_PARAM_BLD_to_param(bld);
	pkey = pkey_from_params("RSA", params, 0);
done:
	OSSL_PARAM_free(params);
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
	OSSL_PARAM	 params[3];
	const char	*crv;
	char		 group[sizeof("prime256v1")];
	unsigned char	*x = NULL, *y = NULL, pub[1 + 2 * 48];
	size_t		 xlen = 0, ylen = 0, size;
	EVP_PKEY	*pkey = NULL;

	if ((crv = sg_json_str(jwk, "crv")) == NULL)
		return NULL;
	if (strcmp(crv, "P-256") == 0) {
		memcpy(group, "prime256v1", sizeof("prime256v1"));
		size = 32;
		*alg = SG_ALG_ES256;
	} else if (strcmp(crv, "P-384") == 0) {
		memcpy(group, "secp384r1", sizeof("secp384r1"));
		size = 48;
		*alg = SG_ALG_ES384;
	} else
		return NULL;
	/* RFC 7518 §6.2.1.2: x and y are exactly the coordinate size. */
	if ((x = get_b64(jwk, "x", &xlen)) == NULL ||
	    (y = get_b64(jwk, "y", &ylen)) == NULL ||
	    xlen != size || ylen != size)
		goto done;
	/* The uncompressed point (SEC 1 §2.3.3): 0x04 || X || Y. */
	pub[0] = 0x04;
	memcpy(pub + 1, x, size);
	memcpy(pub + 1 + size, y, size);
	params[0] = OSSL_PARAM_construct_utf8_string(
	    OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
	    pub, 1 + 2 * size);
	params[2] = OSSL_PARAM_construct_end();
	pkey = pkey_from_params("EC", params, 1);
done:
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
	if (out->pkey == NULL || !sg_jwk_fits(out->pkey, alg))
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
