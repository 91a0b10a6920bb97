/*
 * The connected-apps page's sign-in (cgi-bin/manage.c; docs/DESIGN.md
 * "Artifacts"): a user who manages the apps they authorized logs in at
 * the same identity provider as for an app, but through artifacts of
 * their own, so that such a login can never be taken for an app's
 * authorization, nor an app's transaction for a session:
 *
 *   - the login transaction (cookie "sg_ml", SG_PURPOSE_MANAGE_LOGIN):
 *     our state, nonce and PKCE verifier at the provider, from manage
 *     to the callback, which recognises it by the state;
 *   - the session (cookie "sg_ms", SG_PURPOSE_MANAGE_SESSION, Path the
 *     manage URL, SG_TTL_MANAGE_SESSION): who signed in, and the CSRF
 *     token of the page's forms.
 *
 * Both are sealed (seal.h): nothing is stored on the server.
 */
#ifndef SG_SESSION_H
#define SG_SESSION_H

#include <stddef.h>
#include <time.h>

#include "seal.h"

struct sg_config;
struct sg_request;

#define SG_SESSION_LOGIN_COOKIE	"sg_ml"
#define SG_SESSION_COOKIE	"sg_ms"

/* A sign-in in progress at the identity provider. */
struct sg_session_login {
	char		 idp_state[23];
	char		 idp_nonce[23];
	char		 idp_verifier[44];	/* PKCE (RFC 7636 §4.1) */
};

/* Who is signed in to the connected-apps page. */
struct sg_session {
	char		*sub;		/* as grants record it (grant.h) */
	char		*name;		/* display name, or NULL */
	char		*fhir_user;	/* or NULL */
	char		 csrf[23];	/* the page's form token */
	time_t		 auth_time;
};

/* New random state, nonce and verifier. */
void	sg_session_login_init(struct sg_session_login *l);
/* Sealed text for the login cookie (caller frees), or NULL. */
char	*sg_session_login_seal(const struct sg_keys *keys,
	    const struct sg_session_login *l, time_t expiry);
/* Opens the login cookie; SG_SEAL_OK fills l. */
enum sg_seal_result sg_session_login_open(const struct sg_keys *keys,
	    time_t now, const char *text, struct sg_session_login *l);

/* Frees and wipes what s holds. */
void	sg_session_clear(struct sg_session *s);
/* Opens the session cookie; on SG_SEAL_OK fills s (sg_session_clear). */
enum sg_seal_result sg_session_open(const struct sg_keys *keys, time_t now,
	    const char *text, struct sg_session *s);

/*
 * Starts the session s (sub set; name and fhir_user may be NULL): a new
 * CSRF token into s->csrf, auth_time now, and the session cookie,
 * scoped to path (the manage URL's path), for SG_TTL_MANAGE_SESSION
 * seconds.  Returns 0, or -1.
 */
int	sg_session_start(struct sg_request *req, const struct sg_config *cfg,
	    const struct sg_keys *keys, const char *path, struct sg_session *s,
	    time_t now);

/*
 * 1 when value (len bytes, from a form) is the session's CSRF token,
 * compared in constant time.
 */
int	sg_session_csrf_ok(const struct sg_session *s, const char *value,
	    size_t len);

#endif
