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

#include "seal.h"
#include "status.h"

struct sg_config;
struct sg_ledger;
struct sg_request;

/* The launch context (SMART App Launch "launch context"). */
struct sg_context {
	char		*patient;	/* Patient id, or NULL */
	char		*encounter;	/* Encounter id, or NULL */
	json_object	*fhir_context;	/* array of {reference|canonical|identifier, type, role}, or NULL */
	char		*intent;	/* or NULL */
	char		*smart_style_url; /* or NULL */
	int		 need_patient_banner; /* -1 unset, 0, 1 */
	char		*client_id;	/* a launch bound to one client, or NULL */
};

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

/*
 * The transaction: one authorization in progress, kept in the browser
 * in a sealed cookie (SG_PURPOSE_TRANSACTION) from authorize through
 * the login at the identity provider to the consent page.
 */
enum sg_txn_stage { SG_TXN_LOGIN = 1, SG_TXN_CONSENT = 2 };

struct sg_txn {
	enum sg_txn_stage stage;
	char		*client_id;
	char		*redirect_uri;	/* exactly as registered and sent */
	char		*state;		/* the app's */
	char		*scope;		/* requested and allowed for the client */
	char		*code_challenge; /* the app's, S256 */
	char		*nonce;		/* the app's OIDC nonce, or NULL */
	struct sg_context ctx;		/* from an EHR launch */
	char		 idp_state[23];	/* ours at the identity provider */
	char		 idp_nonce[23];
	char		 idp_verifier[44]; /* PKCE verifier at the IdP */
	char		 csrf[23];	/* consent form token */
	/* Once logged in: */
	char		*sub;
	char		*name;
	char		*fhir_user;
	time_t		 auth_time;
};

/* A new transaction's random values (IdP state, nonce, verifier, CSRF). */
void	sg_txn_init(struct sg_txn *t);
/* Frees and wipes what t holds. */
void	sg_txn_clear(struct sg_txn *t);
/* Sealed text for the cookie (caller frees). */
char	*sg_txn_seal(const struct sg_keys *keys, const struct sg_txn *t,
	    time_t expiry);
/* Opens the cookie; on SG_SEAL_OK fills t (clear with sg_txn_clear). */
enum sg_seal_result sg_txn_open(const struct sg_keys *keys, time_t now,
	    const char *text, struct sg_txn *t);

/*
 * An EHR launch (SMART App Launch "EHR launch"): the context sealed
 * for SG_PURPOSE_LAUNCH, handed to the app as the launch parameter.
 */
char	*sg_launch_seal(const struct sg_keys *keys, const struct sg_context *c,
	    time_t expiry);
/*
 * Opens a launch value; on SG_SEAL_OK fills c (sg_context_clear).  A
 * context that fails sg_context_check is SG_SEAL_MALFORMED.
 */
enum sg_seal_result sg_launch_open(const struct sg_keys *keys, time_t now,
	    const char *text, struct sg_context *c);

/* Frees what the grant owns (not the struct). */
void	sg_grant_clear(struct sg_grant *g);
/* Frees what the context owns and resets it (need_patient_banner -1). */
void	sg_context_clear(struct sg_context *c);

/* A new random grant id into g->gid. */
void	sg_grant_new_id(struct sg_grant *g);

/* Context <-> JSON object ({"patient":..., ...}); from_json: 0 or -1. */
json_object *sg_context_to_json(const struct sg_context *c);
int	sg_context_from_json(json_object *o, struct sg_context *c);

/*
 * Parses text as a SMART App Launch fhirContext (at most
 * SG_MAX_FHIR_CONTEXT bytes, SG_MAX_JSON_DEPTH deep) checked with
 * sg_context_fhir_ok.  Returns a new array (caller puts it) or NULL
 * when text is anything else.
 */
json_object *sg_context_parse_fhir(const char *text);

/*
 * 1 when a is a SMART App Launch 2.2 fhirContext: an array of objects
 * each with a reference ("Type/id", sg_identity_resource_ref_ok), a
 * canonical (an absolute URI) or an identifier (an object), and
 * optionally type (a resource type) and role (a URI or code); no other
 * members.
 */
int	sg_context_fhir_ok(json_object *a);

/*
 * 1 when url may be a launch's smart_style_url: an absolute https URL
 * with a host and no userinfo, or http on a loopback host (the demo),
 * at most SG_MAX_URL bytes of URI characters (RFC 3986 §2).
 */
int	sg_context_style_url_ok(const char *url);

/* 1 when intent is a token: [A-Za-z0-9._:/-]{1,SG_MAX_INTENT}. */
int	sg_context_intent_ok(const char *intent);

/*
 * Checks every member of a launch context, as the launch endpoint, the
 * smartgate-launch tool and sg_launch_open take it: patient and
 * encounter FHIR ids (sg_identity_id_ok), fhirContext, intent and
 * smart_style_url as above, need_patient_banner -1, 0 or 1, client_id
 * a client id.  Returns NULL when all are good, else the name of the
 * first bad member, with a sentence for the client in *why.
 */
const char *sg_context_check(const struct sg_context *c, const char **why);

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
 * Records grant gid as revoked until now + ttl (SG_LEDGER_NS_REVOKED),
 * logging it.  Returns 0, or -1 when the ledger could not record it.
 */
int	sg_grant_revoke(struct sg_ledger *l, const struct sg_request *req,
	    const char *gid, long ttl, time_t now);

/*
 * The id_token (OpenID Connect Core §2): iss, sub, aud = client_id,
 * exp, iat, auth_time, nonce, fhirUser, name (with "profile").
 * Caller frees.
 */
char	*sg_grant_id_token(const struct sg_config *cfg,
	    const struct sg_keys *keys, const struct sg_grant *g, time_t now,
	    long ttl);

#endif
