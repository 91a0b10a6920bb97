/*
 * Sealed envelopes: AES-256-GCM with a key per purpose derived by
 * HKDF-SHA256 (RFC 5869) from a master secret.  The envelope carries a
 * version, the master key id (rotation) and an expiry, all
 * authenticated as additional data together with the purpose, so an
 * envelope sealed for one purpose never opens as another
 * (docs/DESIGN.md "Artifacts").
 *
 * Encoded form: base64url of
 *   version(1) | kidlen(1) | kid | expiry(8, big-endian unix seconds) |
 *   nonce(12) | ciphertext | tag(16)
 */
#ifndef SG_SEAL_H
#define SG_SEAL_H

#include <stddef.h>
#include <time.h>

#include <json-c/json.h>

#include "keys.h"

/* Purposes: the HKDF info string and AAD.  Add, never reuse. */
#define SG_PURPOSE_TRANSACTION	"smartgate/transaction"
#define SG_PURPOSE_CODE		"smartgate/code"
#define SG_PURPOSE_REFRESH	"smartgate/refresh"
#define SG_PURPOSE_LAUNCH	"smartgate/launch"
#define SG_PURPOSE_CSRF		"smartgate/csrf"
#define SG_PURPOSE_ACCESS	"smartgate/access"	/* access tokens (grant.h) */
#define SG_PURPOSE_MANAGE_LOGIN	"smartgate/manage-login" /* session.h: sign-in */
#define SG_PURPOSE_MANAGE_SESSION "smartgate/manage-session" /* session.h */

enum sg_seal_result {
	SG_SEAL_OK = 0,
	SG_SEAL_MALFORMED,	/* not an envelope, wrong version */
	SG_SEAL_UNKNOWN_KEY,	/* kid not among the master keys */
	SG_SEAL_BAD,		/* authentication failed: tampered or wrong purpose */
	SG_SEAL_EXPIRED		/* authentic but past its expiry */
};

/*
 * Seals len bytes of data for purpose, valid until expiry, with the
 * first master key.  Returns a new base64url string (caller frees) or
 * NULL on failure.
 */
char	*sg_seal(const struct sg_keys *keys, const char *purpose,
	    time_t expiry, const void *data, size_t len);

/*
 * Opens an envelope (text, textlen chars) sealed for purpose; now is
 * the current time.  On SG_SEAL_OK stores a new NUL-terminated buffer
 * in *out (caller frees) and its length in *outlen.  At most
 * SG_MAX_SEALED characters are accepted.
 */
enum sg_seal_result sg_unseal(const struct sg_keys *keys, const char *purpose,
	    time_t now, const char *text, size_t textlen,
	    unsigned char **out, size_t *outlen);

/*
 * Seals the JSON object o (compact text, json-c's plain form) for
 * purpose until expiry, and puts o (it is the caller's no more).
 * Returns a new string (caller frees) or NULL, as sg_seal.
 */
char	*sg_seal_json(const struct sg_keys *keys, const char *purpose,
	    time_t expiry, json_object *o);

/*
 * Opens text sealed for purpose by sg_seal_json and parses the JSON
 * object inside (sg_json_object).  On SG_SEAL_OK stores a new object
 * in *out (caller puts); else *out is NULL, and an authentic envelope
 * that holds no JSON object is SG_SEAL_MALFORMED.
 */
enum sg_seal_result sg_unseal_json(const struct sg_keys *keys,
	    const char *purpose, time_t now, const char *text,
	    json_object **out);

/*
 * n random bytes (at most 32), base64url, into out (room for
 * 4 * n / 3 + 2).  Aborts when there is no randomness: nothing is safe
 * to do then.
 */
void	sg_seal_random(char *out, size_t n);

/* A random id: 16 random bytes, base64url, 22 characters and a NUL. */
void	sg_seal_random_id(char out[23]);

#endif
