/*
 * The client registry: a JSON file (config setting clients_file) that
 * holds an array of clients, or an object {"clients": [...]}, each
 * described with RFC 7591 §2 client metadata names:
 *
 *   client_id			required, 1..SG_MAX_CLIENT_ID of
 *				[A-Za-z0-9._~-]
 *   client_name		optional display name (no control chars)
 *   logo_uri			optional https URL (http: loopback only)
 *   redirect_uris		array of absolute URLs without fragment;
 *				https, or http for 127.0.0.1, localhost,
 *				[::1] (RFC 8252 §7.3), as url.h accepts
 *				them (at most SG_MAX_URL bytes); required
 *				unless grant_types is only
 *				client_credentials
 *   token_endpoint_auth_method	"none", "client_secret_basic" (default,
 *				RFC 7591 §2), "client_secret_post",
 *				"private_key_jwt"
 *   jwks / jwks_uri		exactly one of them for private_key_jwt,
 *				none otherwise
 *   scope			required: the most this client may ever get
 *   grant_types		"authorization_code" (default),
 *				"refresh_token", "client_credentials"
 *   launch_uri			optional app launch URL (demo EHR)
 *
 * and two extensions of ours:
 *
 *   client_secret_hash		"sha256:" + base64url(SHA-256(secret)),
 *				required for the client_secret_* methods.
 *				The secret itself is never stored.  A fast
 *				hash is enough because smartgate-client only
 *				makes secrets of 32 random bytes: there is
 *				nothing to guess or brute-force.
 *   smartgate_ehr		true: the client may mint EHR launch
 *				contexts (it is an EHR, e.g. the demo EHR)
 *   smartgate_introspect	true: the client may introspect any token
 *				(a resource server, RFC 7662 §2.1), not
 *				only its own; never a public client
 *
 * A plain "client_secret" member is refused.  Other members are ignored
 * (RFC 7591 §2).  Any invalid registration refuses the whole file,
 * with a message naming the file, the client and the field.
 */
#ifndef SG_CLIENTS_H
#define SG_CLIENTS_H

#include <stddef.h>
#include <time.h>

#include <sys/types.h>

#include "jwt.h"

struct sg_request;

enum sg_auth_method {
	SG_AUTH_NONE,
	SG_AUTH_SECRET_BASIC,
	SG_AUTH_SECRET_POST,
	SG_AUTH_PRIVATE_KEY_JWT
};

/* grant_types, as bits. */
#define SG_GRANT_CODE			0x1u
#define SG_GRANT_REFRESH		0x2u
#define SG_GRANT_CLIENT_CREDENTIALS	0x4u

#define SG_CLIENT_SECRET_HASH_LEN	32	/* SHA-256 */

struct sg_client {
	char		*client_id;
	char		*client_name;	/* NULL when absent */
	char		*logo_uri;	/* NULL when absent */
	char		**redirect_uris;
	size_t		 nredirect_uris;
	enum sg_auth_method auth_method;
	int		 has_secret;	/* the client_secret_* methods */
	unsigned char	 secret_hash[SG_CLIENT_SECRET_HASH_LEN];
	struct sg_jwk	*keys;		/* from jwks (private_key_jwt) */
	size_t		 nkeys;
	char		*jwks_uri;	/* NULL when absent */
	char		*scope;		/* never NULL */
	unsigned	 grant_types;	/* SG_GRANT_* bits, never 0 */
	char		*launch_uri;	/* NULL when absent */
	int		 ehr;		/* smartgate_ehr: true */
	int		 introspect;	/* smartgate_introspect: true */
};

/* Where a registry came from, to notice a changed file. */
struct sg_clients_file_id {
	dev_t		 dev;
	ino_t		 ino;
	off_t		 size;
	struct timespec	 mtim;
	int		 set;
};

struct sg_clients {
	struct sg_client	*clients;
	size_t			 nclients;
	struct sg_clients_file_id loaded;	/* the file now in use */
	struct sg_clients_file_id failed;	/* last file refused */
};

/*
 * Reads and checks the registry file path (at most SG_MAX_CLIENTS_FILE
 * bytes).  Returns a new registry (sg_clients_free) or NULL with a
 * message in err naming the file, the client and the field.
 */
struct sg_clients *sg_clients_load(const char *path, char *err,
	    size_t errlen);

/*
 * Parses and checks len bytes of registry text; path only names the
 * file in messages.  On success stores a new registry in *out and
 * returns 0; else returns -1 with *out NULL and a message in err.
 */
int	sg_clients_parse(const char *path, const char *text, size_t len,
	    struct sg_clients **out, char *err, size_t errlen);

/* Frees a registry and every client in it; NULL is ignored. */
void	sg_clients_free(struct sg_clients *reg);

/*
 * Picks up a changed file without a restart: stats path (cheap enough
 * per request) and reloads when its inode, size or mtime differ from
 * the registry in use.  A file that fails to load is logged once (with
 * req's id, req may be NULL) and the old registry stays in use until
 * the file changes again.  Returns 1 when reloaded, 0 when unchanged
 * (or still the same refused file), -1 on error (old registry kept).
 */
int	sg_clients_reload(struct sg_clients **reg, const char *path,
	    const struct sg_request *req);

/* The client with exactly this client_id, or NULL. */
const struct sg_client *sg_clients_find(const struct sg_clients *reg,
	    const char *client_id);

/*
 * 1 when uri is, byte for byte, one of the client's redirect_uris, else
 * 0.  No normalisation at all (RFC 6749 §3.1.2.3, OAuth 2.0 Security
 * BCP §4.1.3).
 */
int	sg_client_redirect_ok(const struct sg_client *client,
	    const char *uri);

/*
 * 1 when the len bytes of secret hash to the client's
 * client_secret_hash (compared with CRYPTO_memcmp); 0 otherwise and
 * always for a client without a secret.
 */
int	sg_client_secret_ok(const struct sg_client *client,
	    const char *secret, size_t len);

/* 1 when every bit of grant (SG_GRANT_*) is registered for the client. */
int	sg_client_grant_ok(const struct sg_client *client, unsigned grant);

/* The client_secret_hash value of a secret (caller frees). */
char	*sg_client_secret_hash(const char *secret, size_t len);

/*
 * A new secret: base64url of 32 random bytes, 43 characters (caller
 * wipes and frees), or NULL when the random generator fails.
 */
char	*sg_client_secret_new(void);

/* "none", "client_secret_basic", ... for a method. */
const char *sg_auth_method_name(enum sg_auth_method method);

/*
 * 1 when origin (may be NULL) is the origin of a redirect URI of a
 * public client: browser apps call the token and revocation endpoints
 * from there (RFC 7009 §5; the Fetch standard's CORS).  Else 0.
 */
int	sg_clients_public_origin(const struct sg_clients *reg,
	    const char *origin);

#endif
