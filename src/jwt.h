/*
 * JSON Web Tokens (RFC 7515, 7519), signed and verified with OpenSSL
 * EVP directly (libjwt 1.10.2 is not used: docs/DESIGN.md).  Every guard
 * listed there is kept: the compact form's shape and length are
 * checked first (three non-empty base64url segments, <= SG_MAX_JWT),
 * the header is parsed by us, "none", HS* and "crit" are refused, the
 * algorithm must be the one the key is for, and a key is always
 * required.  sg_jwt_verify() checks exp/nbf/iat, iss, aud and typ
 * itself (RFC 7519 §4.1).
 *
 * Also JWK <-> EVP_PKEY (RFC 7517, 7518 §6) and our JWKS.
 */
#ifndef SG_JWT_H
#define SG_JWT_H

#include <stddef.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "keys.h"

enum sg_jwt_result {
	SG_JWT_OK = 0,
	SG_JWT_MALFORMED,	/* shape, base64url, JSON, header */
	SG_JWT_BAD_ALG,		/* alg not the key's, or not allowed */
	SG_JWT_NO_KEY,		/* no key for kid */
	SG_JWT_BAD_SIGNATURE,
	SG_JWT_EXPIRED,		/* exp in the past (beyond leeway) */
	SG_JWT_NOT_YET,		/* nbf or iat in the future (beyond leeway) */
	SG_JWT_BAD_CLAIMS	/* iss, aud, typ or a required claim wrong/missing */
};

/* A verification key: public key, its algorithm and kid (may be ""). */
struct sg_jwk {
	EVP_PKEY	*pkey;
	enum sg_alg	 alg;
	char		 kid[SG_KID_MAX];
};

/* What sg_jwt_verify() checks besides the signature. */
struct sg_jwt_expect {
	const char	*iss;		/* required value of iss, or NULL */
	const char	*aud;		/* must equal aud or be in the aud array, or NULL */
	const char	*typ;		/* required header typ, or NULL */
	time_t		 now;
	long		 leeway;	/* seconds of clock skew allowed */
	int		 require_exp;	/* exp must be present */
	long		 max_lifetime;	/* if > 0: exp - now must be <= this */
};

/*
 * Signs claims (not consumed) with key, putting alg, kid and typ (if
 * not NULL, e.g. "at+jwt", RFC 9068 §2.1) in the header.  Returns a new
 * compact JWT (caller frees) or NULL.
 */
char	*sg_jwt_sign(const struct sg_signing_key *key, const char *typ,
	    json_object *claims);

/*
 * Verifies token against the nkeys keys: the header's kid picks the
 * key (without a kid, only when exactly one key is given); the header's
 * alg must equal that key's alg.  On SG_JWT_OK stores the claims in
 * *claims (caller puts) and, when header is not NULL, the header.
 */
enum sg_jwt_result sg_jwt_verify(const char *token, const struct sg_jwk *keys,
	    size_t nkeys, const struct sg_jwt_expect *expect,
	    json_object **claims, json_object **header);

/*
 * Decodes the header of a compact JWT without verifying anything (to
 * find kid/alg/jku before fetching keys).  NULL when malformed.
 */
json_object *sg_jwt_peek_header(const char *token);

/* Short text for a result, for logs and error descriptions. */
const char *sg_jwt_strerror(enum sg_jwt_result r);

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

/* A verification key set for our own tokens (borrows the pkeys). */
size_t	sg_jwt_own_keys(const struct sg_keys *keys, struct sg_jwk *out,
	    size_t max);

#endif
