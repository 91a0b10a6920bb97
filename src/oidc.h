/*
 * OpenID Connect relying party: smartgate logging the user in at the
 * site's upstream identity provider (authorization code flow with PKCE,
 * OpenID Connect Core 1.0 §3.1), for the callback program.
 *
 * Process data: one struct sg_oidc per process, holding the client
 * secret, a libcurl client for the IdP, and two caches refreshed on
 * demand: the IdP's discovery document (OpenID Connect Discovery 1.0
 * §4; SG_TTL_IDP_DISCOVERY) and its JWKS (a jwkscache.h cache,
 * SG_TTL_IDP_JWKS).  A token whose kid the cached JWKS lacks makes one
 * early JWKS fetch (key rotation), and a failed JWKS fetch is not
 * repeated, within SG_IDP_JWKS_REFETCH_MIN seconds.
 *
 * Rules kept: the discovery issuer must equal idp_issuer exactly
 * (Discovery §4.3); its endpoints and jwks_uri must be https, or http
 * on a loopback host (127.0.0.1, [::1], localhost); every IdP answer is
 * capped at SG_MAX_UPSTREAM_SMALL and parsed with a depth limit.
 */
#ifndef SG_OIDC_H
#define SG_OIDC_H

#include <stddef.h>

#include <json-c/json.h>

#include "status.h"

struct sg_config;
struct sg_request;
struct sg_oidc;

/* Leeway for the id_token's exp and iat, seconds. */
#define SG_OIDC_LEEWAY	60

/* The user an IdP vouched for; every member is owned by the struct. */
struct sg_oidc_user {
	char		*sub;		/* never NULL after success */
	char		*name;		/* "name", or "given_name family_name", or NULL */
	char		*fhir_user;	/* claim cfg->idp_user_claim (a string), or NULL */
	json_object	*claims;	/* every verified id_token claim */
};

/*
 * A relying party for cfg's IdP (idp_issuer, idp_client_id, optional
 * idp_client_secret_file, idp_user_claim, upstream_ca_file,
 * upstream_timeout_ms).  The secret file is read once: at most
 * SG_MAX_KEY_FILE bytes, one line (a trailing newline is dropped),
 * printable ASCII, not readable by others.  Without a secret file the
 * client is public (client_id in the token request).  Nothing is
 * fetched here.  Returns NULL with a message in err on failure,
 * including an issuer that is neither https nor loopback http.
 */
struct sg_oidc *sg_oidc_new(const struct sg_config *cfg, char *err,
	    size_t errlen);

/* Wipes the secret and frees; NULL is fine. */
void	sg_oidc_free(struct sg_oidc *o);

/*
 * The authorization request URL (OpenID Connect Core §3.1.2.1):
 * authorization_endpoint plus response_type=code, client_id,
 * redirect_uri, scope (cfg->idp_scope), state, nonce, code_challenge and
 * code_challenge_method=S256, each percent-encoded (only the RFC 3986
 * unreserved set is kept).  Every argument is required and non-empty.
 * Stores a new string in *url (caller frees).  Returns SG_OK,
 * SG_E_INTERNAL on bad arguments, or SG_E_UPSTREAM /
 * SG_E_UPSTREAM_TIMEOUT when discovery fails.
 */
enum sg_status sg_oidc_login_url(struct sg_oidc *o,
	    const struct sg_request *req, const char *redirect_uri,
	    const char *state, const char *nonce, const char *code_challenge,
	    char **url);

/*
 * Exchanges an authorization code at the token endpoint (RFC 6749
 * §4.1.3, RFC 7636 §4.5; client_secret_basic with the RFC 6749 §2.3.1
 * encoding) and validates the id_token (OpenID Connect Core §3.1.3.7):
 * RS256 or ES256 signature by a key of the IdP's JWKS, iss equal to
 * the issuer, aud containing our client_id (azp required and equal to
 * it when there are several audiences; checked whenever present), exp
 * and iat required (leeway SG_OIDC_LEEWAY), nonce equal to nonce, sub a
 * non-empty string.  On SG_OK fills *user (free with
 * sg_oidc_user_free; it is zeroed on every failure too).
 *
 * Returns SG_E_ACCESS_DENIED when the IdP answers invalid_grant (the
 * code is expired, used or not ours: the login did not happen, and
 * access_denied is what the callback can pass on, RFC 6749 §4.1.2.1);
 * SG_E_UPSTREAM for any other OAuth error (logged by error code only),
 * an unusable answer (not JSON, too large, no id_token) or an id_token
 * that fails validation; SG_E_UPSTREAM_TIMEOUT on timeout; SG_E_INTERNAL
 * on bad arguments.
 */
enum sg_status sg_oidc_exchange(struct sg_oidc *o,
	    const struct sg_request *req, const char *code,
	    const char *verifier, const char *redirect_uri, const char *nonce,
	    struct sg_oidc_user *user);

/*
 * What a login would fetch first, for smartgate-check: the discovery
 * document (issuer equal to idp_issuer, endpoints allowed) and the
 * JWKS at its jwks_uri.  Returns SG_OK with the number of usable keys
 * in *nkeys (>= 1), or an error status with why in err (the discovery
 * problem, or the JWKS one); discovery problems are also logged.
 */
enum sg_status sg_oidc_probe(struct sg_oidc *o, size_t *nkeys, char *err,
	    size_t errlen);

/* Frees what user holds and zeroes it; NULL is fine. */
void	sg_oidc_user_free(struct sg_oidc_user *user);

#endif
