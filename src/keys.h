/*
 * The gateway's own keys, loaded once per process.
 *
 * Signing keys: PEM private keys (RSA >= 2048 bits -> RS256, EC P-256
 * -> ES256).  The first signs; all are published in our JWKS so that a
 * key can be rotated without breaking live tokens.  The key id is the
 * RFC 7638 JWK thumbprint (SHA-256, base64url).
 *
 * Master secrets: a file, mode 0600 or stricter, of lines
 * "<kid> <base64url secret of 32..64 bytes>"; '#' comments allowed.
 * The first line seals; every line opens (rotation).  kid is 1..16
 * characters of [A-Za-z0-9_-].
 */
#ifndef SG_KEYS_H
#define SG_KEYS_H

#include <stddef.h>

#include <openssl/evp.h>

#define SG_KID_MAX 64
#define SG_MASTER_KID_MAX 16
#define SG_MASTER_MAX 64
#define SG_MAX_SIGNING_KEYS 8
#define SG_MAX_MASTER_KEYS 8

enum sg_alg { SG_ALG_NONE = 0, SG_ALG_RS256, SG_ALG_RS384, SG_ALG_ES256, SG_ALG_ES384 };

struct sg_signing_key {
	EVP_PKEY	*pkey;
	enum sg_alg	 alg;
	char		 kid[SG_KID_MAX];
};

struct sg_master_key {
	char		 kid[SG_MASTER_KID_MAX + 1];
	unsigned char	 secret[SG_MASTER_MAX];
	size_t		 len;
};

struct sg_keys {
	struct sg_signing_key	sign[SG_MAX_SIGNING_KEYS];
	size_t			nsign;
	struct sg_master_key	master[SG_MAX_MASTER_KEYS];
	size_t			nmaster;
	/* Signing key files not parsed yet (sg_keys_load_deferred()). */
	char *const		*pending;
	size_t			npending;
};

/*
 * Loads the signing key files (nfiles of them) and the master key file.
 * Refuses a master key file readable by group or others, a weak or
 * unsupported key.  Returns a new struct (free with sg_keys_free) or
 * NULL with a message in err naming the file.
 */
struct sg_keys *sg_keys_load(char *const *signing_files, size_t nfiles,
	    const char *master_file, char *err, size_t errlen);

/*
 * As sg_keys_load(), but the signing key files are only read now (each
 * exists, fits and is not readable by others) and parsed later, by
 * sg_keys_parse_signing(): a plain-CGI request that signs nothing does
 * not pay for parsing an RSA key.  signing_files must outlive keys.
 */
struct sg_keys *sg_keys_load_deferred(char *const *signing_files,
	    size_t nfiles, const char *master_file, char *err, size_t errlen);

/*
 * Parses the signing keys sg_keys_load_deferred() left, if any: after
 * it returns 0, keys->sign holds them all.  Returns 0, or -1 with a
 * message in err naming the file (and tries again on the next call).
 */
int	sg_keys_parse_signing(struct sg_keys *keys, char *err, size_t errlen);

/* Wipes the secrets (OPENSSL_cleanse) and frees. */
void	sg_keys_free(struct sg_keys *keys);

/*
 * The key that signs id_tokens: the first RS256 key, as SMART App
 * Launch "sso-openid-connect" expects RS256; the first key if none is.
 */
const struct sg_signing_key *sg_keys_id_token(const struct sg_keys *keys);

/* "RS256" etc., or NULL for SG_ALG_NONE. */
const char *sg_alg_name(enum sg_alg alg);
/* The algorithm named exactly name, or SG_ALG_NONE. */
enum sg_alg sg_alg_from_name(const char *name);

#endif
