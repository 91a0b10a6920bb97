/*
 * JSON Web Keys (RFC 7517): public keys from a JWK or a JWKS document
 * and back, RFC 7638 thumbprints, and our own JWKS.  Accepted: RSA of
 * SG_MIN_RSA_BITS..SG_MAX_RSA_BITS bits and EC P-256 / P-384 public
 * keys (RFC 7518 §6.2, §6.3), for the RS256, RS384, ES256 and ES384
 * signature algorithms (RFC 7518 §3.3, §3.4).
 */
#ifndef SG_JWK_H
#define SG_JWK_H

#include <stddef.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "keys.h"

/* A verification key: public key, its algorithm and kid (may be ""). */
struct sg_jwk {
	EVP_PKEY	*pkey;
	enum sg_alg	 alg;
	char		 kid[SG_KID_MAX];
};

/*
 * 1 when pkey is a key of the type and size alg requires (RSA of an
 * allowed size for RS*, the curve of ES256 / ES384), else 0.
 */
int	sg_jwk_fits(EVP_PKEY *pkey, enum sg_alg alg);

/*
 * JWK (json object) -> key.  Accepts RSA (n, e; >= 2048 bits) and EC
 * P-256 / P-384 (crv, x, y) public keys; alg comes from the JWK's
 * "alg" when present (must fit the key type), else from the key type
 * (RSA -> RS384 when default_rsa is SG_ALG_RS384, etc.).  Refuses keys
 * with private members.  Returns 0 or -1.  out->pkey is owned by the
 * caller (sg_jwk_clear).
 */
int	sg_jwk_from_json(json_object *jwk, enum sg_alg default_rsa,
	    enum sg_alg default_ec, struct sg_jwk *out);

/*
 * Parses a JWKS ({"keys": [...]}) into at most max keys, skipping keys
 * that are not for signatures ("use" other than "sig") or unsupported.
 * Returns the number stored, or -1 when the document is malformed.
 */
int	sg_jwks_parse(json_object *jwks, enum sg_alg default_rsa,
	    enum sg_alg default_ec, struct sg_jwk *out, size_t max);

/* Frees the key of a parsed JWK and zeroes it (not for borrowed keys). */
void	sg_jwk_clear(struct sg_jwk *jwk);

/* The public JWK of a key (kty, n/e or crv/x/y, kid, alg, use "sig"). */
json_object *sg_jwk_to_json(EVP_PKEY *pkey, enum sg_alg alg, const char *kid);

/* RFC 7638 thumbprint of a public key: base64url SHA-256 into out. */
int	sg_jwk_thumbprint(EVP_PKEY *pkey, char out[SG_KID_MAX]);

/* Our JWKS: {"keys": [every signing key's public JWK]}.  Caller puts. */
json_object *sg_jwks_public(const struct sg_keys *keys);

#endif
