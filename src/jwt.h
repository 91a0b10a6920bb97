/*
 * JSON Web Signature and JSON Web Token (RFC 7515, 7519), signed and
 * verified with OpenSSL EVP directly (libjwt 1.10.2 is not used: it
 * trusts the token's alg and accepts a NULL key, docs/DESIGN.md).  The
 * compact form's shape and length are checked first (three non-empty
 * base64url segments, <= SG_MAX_JWT), the header is parsed by us,
 * "none", HS* and "crit" are refused, the algorithm must be the one the
 * key is for, and a key is always required.  sg_jwt_verify() checks
 * exp/nbf/iat, iss, aud and typ itself (RFC 7519 §4.1).
 *
 * Keys (JWK, JWKS) are jwk.h's.
 */
#ifndef SG_JWT_H
#define SG_JWT_H

#include <stddef.h>
#include <time.h>

#include <json-c/json.h>

#include "jwk.h"
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

/* A verification key set for our own tokens (borrows the pkeys). */
size_t	sg_jwt_own_keys(const struct sg_keys *keys, struct sg_jwk *out,
	    size_t max);

#endif
