/*
 * What a user granted an app, and the artifacts that carry it
 * (docs/DESIGN.md "Artifacts"): the authorization code, the refresh
 * token and the access token are sealed JSON (seal.h, a purpose each),
 * opaque to the app as SMART App Launch wants access tokens to be; the
 * id_token alone is a JWT signed with our key (jwt.h), and only when
 * the user granted openid.
 *
 * One grant id ("gid") ties together everything issued from one
 * approval, so that reuse of a rotated refresh token or a replayed code
 * revokes them all (RFC 6749 §4.1.2, §10.4; OAuth 2.0 Security BCP
 * §4.14).
 */
#ifndef SG_GRANT_H
#define SG_GRANT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <json-c/json.h>

#include "bounds.h"
#include "context.h"
#include "ledger.h"
#include "seal.h"
#include "status.h"

struct sg_config;
struct sg_ledger;
struct sg_request;

struct sg_grant {
	char		 gid[23];	/* grant id: 16 random bytes base64url */
	char		*client_id;
	char		*scope;		/* granted, space-separated */
	char		*sub;		/* the user at the IdP (or REMOTE_USER) */
	char		*name;		/* display name, or NULL */
	char		*fhir_user;	/* "Patient/123", "Practitioner/9", or NULL */
	char		*nonce;		/* the app's OIDC nonce, or NULL */
	time_t		 auth_time;
	struct sg_context ctx;
	/* Only in codes: */
	char		*redirect_uri;
	char		*code_challenge;
	/* Only in refresh tokens: absolute end of the grant. */
	time_t		 grant_exp;
	int		 offline;	/* offline_access (else online) */
	uint64_t	 gen;		/* rotation generation, from 0 */
};

/*
 * What an access token carries (SG_PURPOSE_ACCESS): everything the
 * FHIR proxy needs to decide and to audit, nothing the app may read.
 */
struct sg_access {
	char		 jti[23];
	char		 gid[23];	/* the grant, for revocation */
	char		*client_id;
	char		*scope;		/* what this token may do */
	char		*sub;		/* the user at the IdP, or NULL */
	char		*fhir_user;	/* the user's resource, or NULL */
	struct sg_context ctx;		/* patient, encounter, fhirContext */
	char		*aud;		/* the FHIR base it is for */
	time_t		 iat, exp;
};

/* Frees what the grant owns (not the struct). */
void	sg_grant_clear(struct sg_grant *g);

/* A new random grant id into g->gid. */
void	sg_grant_new_id(struct sg_grant *g);

/*
 * Seals g for purpose (SG_PURPOSE_CODE or SG_PURPOSE_REFRESH) until
 * expiry, with a fresh jti.  Returns the token text (caller frees).
 */
char	*sg_grant_seal(const struct sg_keys *keys, const char *purpose,
	    const struct sg_grant *g, time_t expiry);

/*
 * Opens a code or refresh token.  On SG_SEAL_OK fills g (clear it with
 * sg_grant_clear) and copies the token's jti (for the ledger) into jti
 * (at least 23 bytes).  The envelope's expiry was checked by sg_unseal.
 */
enum sg_seal_result sg_grant_open(const struct sg_keys *keys,
	    const char *purpose, time_t now, const char *text,
	    struct sg_grant *g, char *jti);

/*
 * The access token, sealed for SG_PURPOSE_ACCESS until now + ttl: jti,
 * the grant id, client_id, scope, aud (our FHIR base), iat, exp, the
 * launch context (patient, encounter, fhirContext) and the user (sub,
 * fhirUser) for the proxy's checks and audit.  Opaque to the app: who
 * the user is reaches the app only through the id_token, and only with
 * openid / fhirUser / profile granted.  Caller frees.
 */
char	*sg_grant_access_token(const struct sg_config *cfg,
	    const struct sg_keys *keys, const struct sg_grant *g, time_t now,
	    long ttl);

/*
 * Opens an access token (for the FHIR proxy): on SG_SEAL_OK fills a
 * (clear with sg_access_clear).  Nothing sealed for another purpose (a
 * code, a refresh token, a launch) ever opens here.  Expiry is the
 * envelope's, checked against now.
 */
enum sg_seal_result sg_access_open(const struct sg_keys *keys, time_t now,
	    const char *text, struct sg_access *a);

/* Frees what a owns (not the struct). */
void	sg_access_clear(struct sg_access *a);

/*
 * Rotation of a refresh token of generation g->gen (RFC 6749 §6; OAuth
 * 2.0 Security BCP §4.14): refuses a revoked grant, then advances the
 * grant's one ledger record (SG_LEDGER_NS_RTGEN) from g->gen to
 * g->gen + 1.  Returns SG_OK (g->gen is then the new generation, for
 * the new refresh token), SG_E_INVALID_GRANT with *why set when the
 * grant was revoked or the token was already rotated (reuse: the grant
 * is then revoked), or SG_E_UNAVAILABLE (fail closed).  One record per
 * grant however often it rotates (docs/LEDGER.md).
 */
enum sg_status sg_grant_rotate(struct sg_ledger *l,
	    const struct sg_request *req, struct sg_grant *g, long revoke_ttl,
	    time_t now, const char **why);

/*
 * Records a grant that starts (the authorization code exchange) under
 * SG_LEDGER_NS_GRANT + gid, so that an administrator can list the live
 * grants and revoke them by client or user (tools/smartgate-revoke):
 * {"cid", "sub", "fu", "pat", "scope", "since", "offline"}, at most
 * SG_LEDGER_VALUE_MAX bytes (an over-long scope is left out).  It lives
 * as long as the grant can: g->grant_exp when a refresh token is issued
 * (refreshable: the client may refresh and the scope has offline_access
 * or online_access), else the access token's end, now + access_ttl.
 * Returns 0, or -1 when the ledger could not record it (fail closed).
 */
int	sg_grant_record(struct sg_ledger *l, const struct sg_request *req,
	    const struct sg_grant *g, int refreshable, long access_ttl,
	    time_t now);

/*
 * A grant record as sg_grant_record() wrote it, read back: for the
 * administrator's tool and the user's connected-apps page.  Strings
 * point into the record (valid during the callback only) and are NULL
 * when absent (an old record has no patient; an over-long scope was
 * left out).  until is the record's expiry (0 when unknown: a look-up
 * by id).
 */
struct sg_grant_info {
	char		 gid[SG_GRANT_ID_LEN + 1];
	const char	*client_id;
	const char	*sub;		/* the user at the IdP (or REMOTE_USER) */
	const char	*fhir_user;
	const char	*patient;	/* the patient in context, or NULL */
	const char	*scope;
	time_t		 since, until;
	int		 offline;	/* offline_access, else online */
};

/* Called for each grant found; nonzero stops the scan. */
typedef int (*sg_grant_list_fn)(const struct sg_grant_info *gi, void *arg);

/*
 * Calls fn for every live grant record (SG_LEDGER_NS_GRANT) of client
 * and of user (each NULL: any), revoked ones included (see
 * sg_grant_revoked).  A record that is not one is skipped with a log
 * line.  fn may use the ledger (to revoke).  Returns SG_LEDGER_OK, or
 * SG_LEDGER_UNAVAILABLE before any call (sg_ledger_scan: it reads
 * every record of the namespace).
 */
enum sg_ledger_result sg_grant_list(struct sg_ledger *l,
	    const struct sg_request *req, time_t now, const char *client,
	    const char *user, sg_grant_list_fn fn, void *arg);

/*
 * Calls fn once for the live grant record of gid, when there is one:
 * returns SG_LEDGER_EXISTS then, SG_LEDGER_OK when there is none (or
 * gid is not a grant id), SG_LEDGER_UNAVAILABLE when the ledger cannot
 * be read.
 */
enum sg_ledger_result sg_grant_find(struct sg_ledger *l,
	    const struct sg_request *req, time_t now, const char *gid,
	    sg_grant_list_fn fn, void *arg);

/*
 * Whether grant gid is revoked: SG_LEDGER_EXISTS (revoked),
 * SG_LEDGER_OK (not), SG_LEDGER_UNAVAILABLE.
 */
enum sg_ledger_result sg_grant_revoked(struct sg_ledger *l,
	    const struct sg_request *req, const char *gid, time_t now);

/* 1 when s is a grant id as sg_grant_new_id() makes them. */
int	sg_grant_id_ok(const char *s);

/*
 * Records grant gid as revoked until now + ttl (SG_LEDGER_NS_REVOKED),
 * logging it.  Returns 0, or -1 when the ledger could not record it.
 */
int	sg_grant_revoke(struct sg_ledger *l, const struct sg_request *req,
	    const char *gid, long ttl, time_t now);

/*
 * Any token of ours an app holds (RFC 7662 §2.1, RFC 7009 §2.1: the
 * endpoints take "token" of either kind, token_type_hint being only a
 * hint), as one view for introspection and revocation.  A refresh
 * token's grant is shown as an access token would carry it: aud NULL
 * (it is for us), iat 0 (not recorded), exp the end of the grant.
 */
enum sg_token_kind {
	SG_TOKEN_ACCESS = 1,
	SG_TOKEN_REFRESH
};

struct sg_token {
	enum sg_token_kind kind;
	struct sg_access a;
	uint64_t	 gen;		/* refresh: rotation generation */
};

/*
 * Opens text as an access token or else as a refresh token of ours
 * (one without its grant's end is malformed; codes, launches and
 * anything else never open).  On SG_SEAL_OK fills
 * t (clear with sg_token_clear); otherwise what opening it as a refresh
 * token gave.  Nothing is asked of the ledger.
 */
enum sg_seal_result sg_token_open(const struct sg_keys *keys, time_t now,
	    const char *text, struct sg_token *t);

/* Frees what t owns (not the struct). */
void	sg_token_clear(struct sg_token *t);

/*
 * Whether an opened token is still good, exactly as the proxy (access)
 * and the token endpoint (refresh) would judge it, without spending
 * anything: an access token must be for cfg's FHIR base and not issued
 * in the future (beyond SG_ASSERTION_LEEWAY); its grant must not be
 * revoked; a refresh token must be of its grant's current generation
 * (compared and set to itself: nothing advances).  Returns 1 (live),
 * 0 (not), or -1 when the ledger cannot be used (fail closed).
 */
int	sg_token_live(const struct sg_config *cfg, struct sg_ledger *l,
	    const struct sg_request *req, const struct sg_token *t,
	    time_t now);

/*
 * How long a revocation is remembered: longer than any token of the
 * grant can live (refresh_token_ttl, online refresh, access tokens).
 */
long	sg_grant_revoke_ttl(const struct sg_config *cfg);

/*
 * SMART Backend Services (client_credentials, RFC 6749 §4.4): what may
 * be granted of requested (the scope parameter; NULL is nothing) to a
 * client whose registered scope is registered: each requested system/
 * resource scope narrowed to the registered system/ scopes (SMART v1
 * and v2 syntax alike, scope.h sg_scopes_limit: never wider than either
 * side).  Every other scope (patient/, user/, openid, launch,
 * offline_access, unknown) is dropped: a backend token has no user, no
 * patient and no refresh.  Returns the granted scopes, space-separated
 * (caller frees), or NULL when nothing can be granted.
 */
char	*sg_grant_backend_scope(const char *requested,
	    const char *registered);

/*
 * The access token of a backend client: sealed like every access token
 * (sg_grant_access_token) with a new grant id, client_id, scope, sub =
 * client_id (the caller is the client itself), no user resource and no
 * launch context.  It lives min(cfg->access_token_ttl,
 * SG_TTL_BACKEND_MAX) seconds (SMART Backend Services: at most five
 * minutes), stored in *ttl for expires_in.  Caller frees.
 */
char	*sg_grant_backend_token(const struct sg_config *cfg,
	    const struct sg_keys *keys, const char *client_id,
	    const char *scope, time_t now, long *ttl);

/*
 * The id_token (OpenID Connect Core §2): iss, sub, aud = client_id,
 * exp, iat, auth_time, nonce, fhirUser, name (with "profile").
 * Caller frees.
 */
char	*sg_grant_id_token(const struct sg_config *cfg,
	    const struct sg_keys *keys, const struct sg_grant *g, time_t now,
	    long ttl);

#endif
