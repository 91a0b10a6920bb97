/*
 * callback: where the identity provider sends the browser back
 * (OpenID Connect Core §3.1.2.5).  Checks our own state against the
 * transaction cookie, exchanges the code, validates the id_token,
 * finds the user's FHIR identity and moves on to the consent page.
 * A response that cannot be tied to a transaction is a page for people;
 * any other failure goes back to the app (RFC 6749 §4.1.2.1).
 *
 * A sign-in to the connected-apps page (session.h) comes back here too:
 * its own cookie, sealed for its own purpose, whose state the
 * provider's state must match, starts a session for that page and
 * nothing else; an app's transaction is never consulted for it.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "bounds.h"
#include "config.h"
#include "cookie.h"
#include "discovery.h"
#include "form.h"
#include "identity.h"
#include "log.h"
#include "mem.h"
#include "oidc.h"
#include "proc.h"
#include "request.h"
#include "response.h"
#include "session.h"
#include "txn.h"
#include "url.h"

enum { P_CODE, P_STATE, P_ERROR, P_ERROR_DESC, P_ISS, P__MAX };

/* OpenID Connect Core §3.1.2.5, §3.1.2.6; RFC 9207 §2 (iss). */
static const struct sg_param params[P__MAX] = {
	[P_CODE] = { "code", SG_MAX_IDP_CODE, sg_check_token, 0, 0 },
	[P_STATE] = { "state", SG_MAX_IDP_STATE, sg_check_token, 1, 0 },
	[P_ERROR] = { "error", SG_MAX_IDP_ERROR, sg_check_token, 0, 0 },
	[P_ERROR_DESC] = { "error_description", SG_MAX_IDP_TEXT,
	    sg_check_text, 0, 0 },
	[P_ISS] = { "iss", SG_MAX_URL, sg_check_token, 0, 0 },
};

/*
 * The IdP's answer, tied to this browser's transaction.  Until it is,
 * errors are pages (the loop renders HTML); after, they go back to
 * the app with its state (RFC 6749 §4.1.2.1) and the transaction ends.
 */
static enum sg_status
callback(struct sg_request *req, struct sg_proc *p, struct sg_form *f,
    struct sg_txn *t, struct sg_oidc_user *user, struct sg_reply *r)
{
	const struct sg_config	*cfg = p->cfg;
	enum sg_status		 st;
	char			*cookie = NULL, *sealed = NULL;
	const char		*state = f->value[P_STATE];
	time_t			 now = time(NULL);

	cookie = sg_cookie_get(req, cfg, "sg_tx");
	st = cookie == NULL || sg_txn_open(p->keys, now, cookie, t) !=
	    SG_SEAL_OK || t->stage != SG_TXN_LOGIN ? SG_E_BAD_REQUEST : SG_OK;
	free(cookie);
	if (st != SG_OK) {
		r->desc = "Your sign-in took too long, or this browser blocks "
		    "cookies. Go back to the application and start again.";
		return st;
	}
	/* Our state at the provider: the response belongs to this browser. */
	if (strlen(state) != 22 ||
	    CRYPTO_memcmp(state, t->idp_state, 22) != 0) {
		r->desc = "This sign-in response does not belong to your "
		    "session. Go back to the application and start again.";
		return SG_E_BAD_REQUEST;
	}
	/* RFC 9207 §2.4: an answer naming another issuer is a mix-up. */
	if (f->value[P_ISS] != NULL &&
	    strcmp(f->value[P_ISS], cfg->idp_issuer) != 0) {
		sg_log(req, SG_LOG_WARN, "callback from another issuer");
		r->desc = "This sign-in response comes from an unexpected "
		    "identity provider. Go back to the application and start "
		    "again.";
		return SG_E_BAD_REQUEST;
	}
	/*
	 * From here the app's redirect URI is known good (it is in the
	 * sealed transaction): failures go back to the app with its state
	 * (RFC 6749 §4.1.2.1), after a log line that says why.
	 */
	sg_reply_redirect(r, t->redirect_uri, t->state);
	if (f->value[P_ERROR] != NULL) {
		/* The user cancelled, or the provider refused. */
		sg_log(req, SG_LOG_WARN, "identity provider error %s",
		    f->value[P_ERROR]);
		r->desc = "the sign-in was cancelled or refused";
		st = SG_E_ACCESS_DENIED;
		goto back;
	}
	if (f->value[P_CODE] == NULL) {
		r->desc = "the identity provider sent no code";
		st = SG_E_UPSTREAM;
		goto back;
	}
	st = sg_oidc_exchange(p->oidc, req, f->value[P_CODE], t->idp_verifier,
	    p->callback_url, t->idp_nonce, user);
	if (st != SG_OK) {
		if (st == SG_E_ACCESS_DENIED)
			r->desc = "the sign-in could not be completed";
		else {
			r->desc = "the identity provider could not be reached";
			st = SG_E_UNAVAILABLE;
		}
		goto back;
	}
	t->fhir_user = sg_identity_fhir_user(p->identity, user->sub,
	    user->fhir_user);
	if (t->fhir_user == NULL) {
		/* A claim naming another server or no user is no identity. */
		sg_log(req, SG_LOG_WARN, "user without FHIR identity%s",
		    user->fhir_user != NULL ? ": fhirUser claim refused (not "
		    "Type/id on our FHIR base or the upstream's)" : "");
		r->desc = "the user's account is not linked to a patient or "
		    "practitioner record";
		st = SG_E_ACCESS_DENIED;
		goto back;
	}
	t->sub = sg_xstrdup(user->sub);
	if (user->name != NULL)
		t->name = sg_xstrdup(user->name);
	t->auth_time = now;
	t->stage = SG_TXN_CONSENT;
	if ((sealed = sg_txn_seal(p->keys, t, now +
	    cfg->transaction_ttl)) == NULL ||
	    sg_cookie_set(req, cfg, "sg_tx", sealed,
	    cfg->transaction_ttl) == -1) {
		free(sealed);
		st = SG_E_INTERNAL;
		goto back;
	}
	free(sealed);
	sg_resp_header(req, "Cache-Control", "no-store");
	sg_resp_redirect(req, 303, p->consent_url);
	return SG_OK;
back:
	sg_cookie_clear(req, cfg, "sg_tx");
	return st;
}

/*
 * The sign-in of the connected-apps page, once its cookie matched the
 * provider's state: the same checks as an app's login (RFC 9207 iss,
 * the code exchanged with our PKCE verifier, the id_token with our
 * nonce), then a session for the manage page.  Errors are pages: there
 * is no app to go back to.
 */
static enum sg_status
manage_login(struct sg_request *req, struct sg_proc *p, struct sg_form *f,
    const struct sg_session_login *l, struct sg_oidc_user *user,
    struct sg_reply *r)
{
	const struct sg_config	*cfg = p->cfg;
	struct sg_session	 s;
	enum sg_status		 st;
	int			 rc;
	time_t			 now = time(NULL);

	sg_cookie_clear(req, cfg, SG_SESSION_LOGIN_COOKIE);
	if (f->value[P_ISS] != NULL &&
	    strcmp(f->value[P_ISS], cfg->idp_issuer) != 0) {
		sg_log(req, SG_LOG_WARN, "manage sign-in from another issuer");
		r->desc = "This sign-in response comes from an unexpected "
		    "identity provider.";
		return SG_E_BAD_REQUEST;
	}
	if (f->value[P_ERROR] != NULL) {
		sg_log(req, SG_LOG_WARN, "identity provider error %s",
		    f->value[P_ERROR]);
		r->desc = "The sign-in was cancelled or refused.";
		return SG_E_ACCESS_DENIED;
	}
	if (f->value[P_CODE] == NULL) {
		r->desc = "The identity provider sent no code.";
		return SG_E_UPSTREAM;
	}
	st = sg_oidc_exchange(p->oidc, req, f->value[P_CODE], l->idp_verifier,
	    p->callback_url, l->idp_nonce, user);
	if (st != SG_OK) {
		r->desc = st == SG_E_ACCESS_DENIED ? "The sign-in could not "
		    "be completed." : "The identity provider could not be "
		    "reached.";
		return st == SG_E_ACCESS_DENIED ? st : SG_E_UNAVAILABLE;
	}
	/* Grants record the provider's sub (grant.h); a FHIR identity is
	   only shown. */
	memset(&s, 0, sizeof(s));
	s.sub = sg_xstrdup(user->sub);
	s.name = user->name != NULL ? sg_xstrdup(user->name) : NULL;
	s.fhir_user = sg_identity_fhir_user(p->identity, user->sub,
	    user->fhir_user);
	rc = sg_session_start(req, cfg, p->keys, sg_url_path(p->manage_url),
	    &s, now);
	sg_session_clear(&s);
	if (rc == -1)
		return SG_E_INTERNAL;
	sg_log(req, SG_LOG_INFO, "manage sign-in");
	sg_resp_header(req, "Cache-Control", "no-store");
	sg_resp_redirect(req, 303, p->manage_url);
	return SG_OK;
}

/* The manage sign-in this answer belongs to, if any: 1 and l filled. */
static int
manage_pending(struct sg_request *req, struct sg_proc *p, const char *state,
    struct sg_session_login *l)
{
	char	*cookie;
	int	 ok;

	if ((cookie = sg_cookie_get(req, p->cfg,
	    SG_SESSION_LOGIN_COOKIE)) == NULL)
		return 0;
	ok = sg_session_login_open(p->keys, time(NULL), cookie, l) ==
	    SG_SEAL_OK && strlen(state) == 22 &&
	    CRYPTO_memcmp(state, l->idp_state, 22) == 0;
	free(cookie);
	return ok;
}

static enum sg_status
serve(struct sg_request *req, void *arg, struct sg_form *f,
    struct sg_reply *r)
{
	struct sg_proc		*p = arg;
	struct sg_txn		 t;
	struct sg_oidc_user	 user;
	struct sg_session_login	 l;
	enum sg_status		 st;

	/* With login remote_user no identity provider sends anyone here. */
	if (p->oidc == NULL) {
		r->desc = "Sign-in at an identity provider is not used here.";
		return SG_E_NOT_FOUND;
	}
	memset(&t, 0, sizeof(t));
	memset(&user, 0, sizeof(user));
	if (manage_pending(req, p, f->value[P_STATE], &l)) {
		st = manage_login(req, p, f, &l, &user, r);
		OPENSSL_cleanse(&l, sizeof(l));
		sg_oidc_user_free(&user);
		return st;
	}
	OPENSSL_cleanse(&l, sizeof(l));
	st = callback(req, p, f, &t, &user, r);
	sg_oidc_user_free(&user);
	sg_txn_clear(&t);
	return st;
}

static const struct sg_endpoint endpoint = {
	.methods = "GET",
	.shape = SG_SHAPE_HTML,
	.params = params,
	.nparams = P__MAX,
	.handler = serve,
};

int
main(void)
{
	return sg_proc_main("callback", SG_NEED_IDENTITY | SG_NEED_OIDC,
	    &endpoint);
}
