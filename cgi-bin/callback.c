/*
 * callback: where the identity provider sends the browser back
 * (OpenID Connect Core §3.1.2.5).  Checks our own state against the
 * transaction cookie, exchanges the code, validates the id_token,
 * finds the user's FHIR identity and moves on to the consent page.
 * A response that cannot be tied to a transaction is a page for people;
 * any other failure goes back to the app (RFC 6749 §4.1.2.1).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "config.h"
#include "cookie.h"
#include "discovery.h"
#include "form.h"
#include "grant.h"
#include "identity.h"
#include "limits.h"
#include "log.h"
#include "mem.h"
#include "oauth.h"
#include "oidc.h"
#include "proc.h"
#include "request.h"
#include "response.h"

enum { P_CODE, P_STATE, P_ERROR, P_ERROR_DESC, P_ISS, P__MAX };

static const struct sg_param params[P__MAX] = {
	{ "code", 2048, sg_check_token, 0, 0 },
	{ "state", 256, sg_check_token, 0, 0 },
	{ "error", 64, sg_check_token, 0, 0 },
	{ "error_description", 1024, sg_check_text, 0, 0 },
	{ "iss", 2048, sg_check_token, 0, 0 },
};

struct ctx {
	struct sg_proc	 p;
	struct sg_oidc	*oidc;
	char		*callback_url;
	char		*consent_url;
};

static void
page(struct sg_request *req, struct ctx *c, enum sg_status st,
    const char *msg)
{
	sg_resp_error(req, c->p.cfg, st, SG_SHAPE_HTML, msg);
}

/* Back to the app with an error; the transaction ends. */
static void
back(struct sg_request *req, struct ctx *c, const struct sg_txn *t,
    const char *error, const char *desc)
{
	sg_cookie_clear(req, c->p.cfg, "sg_tx");
	sg_oauth_redirect_error(req, c->p.cfg, t->redirect_uri, error, desc,
	    t->state);
}

static void
callback(struct sg_request *req, struct ctx *c, struct sg_form *f)
{
	const struct sg_config	*cfg = c->p.cfg;
	struct sg_txn		 t;
	struct sg_oidc_user	 user;
	enum sg_status		 st;
	char			*cookie = NULL, *sealed = NULL;
	const char		*state = f->value[P_STATE];
	time_t			 now = time(NULL);

	memset(&user, 0, sizeof(user));
	memset(&t, 0, sizeof(t));
	if ((cookie = sg_cookie_get(req, cfg, "sg_tx")) == NULL ||
	    sg_txn_open(c->p.keys, now, cookie, &t) != SG_SEAL_OK ||
	    t.stage != SG_TXN_LOGIN) {
		page(req, c, SG_E_BAD_REQUEST, "Your sign-in took too long, "
		    "or this browser blocks cookies. Go back to the "
		    "application and start again.");
		goto out;
	}
	/* Our state at the provider: the response belongs to this browser. */
	if (state == NULL || strlen(state) != 22 ||
	    CRYPTO_memcmp(state, t.idp_state, 22) != 0) {
		page(req, c, SG_E_BAD_REQUEST, "This sign-in response does "
		    "not belong to your session. Go back to the application "
		    "and start again.");
		goto out;
	}
	/* RFC 9207 §2.4: an answer naming another issuer is a mix-up. */
	if (f->value[P_ISS] != NULL &&
	    strcmp(f->value[P_ISS], cfg->idp_issuer) != 0) {
		sg_log(req, SG_LOG_WARN, "callback from another issuer");
		page(req, c, SG_E_BAD_REQUEST, "This sign-in response comes "
		    "from an unexpected identity provider. Go back to the "
		    "application and start again.");
		goto out;
	}
	/*
	 * From here the app's redirect URI is known good (it is in the
	 * sealed transaction): failures go back to the app with its state
	 * (RFC 6749 §4.1.2.1), after a log line that says why.
	 */
	if (f->value[P_ERROR] != NULL) {
		/* The user cancelled, or the provider refused. */
		sg_log(req, SG_LOG_WARN, "identity provider error %s",
		    f->value[P_ERROR]);
		back(req, c, &t, "access_denied",
		    "the sign-in was cancelled or refused");
		goto out;
	}
	if (f->value[P_CODE] == NULL) {
		back(req, c, &t, "server_error",
		    "the identity provider sent no code");
		goto out;
	}
	st = sg_oidc_exchange(c->oidc, req, f->value[P_CODE], t.idp_verifier,
	    c->callback_url, t.idp_nonce, &user);
	if (st != SG_OK) {
		back(req, c, &t, st == SG_E_ACCESS_DENIED ? "access_denied" :
		    "temporarily_unavailable", st == SG_E_ACCESS_DENIED ?
		    "the sign-in could not be completed" :
		    "the identity provider could not be reached");
		goto out;
	}
	t.fhir_user = sg_identity_fhir_user(c->p.identity, user.sub,
	    user.fhir_user);
	if (t.fhir_user == NULL) {
		/* A claim naming another server or no user is no identity. */
		sg_log(req, SG_LOG_WARN, "user without FHIR identity%s",
		    user.fhir_user != NULL ? ": fhirUser claim refused (not "
		    "Type/id on our FHIR base or the upstream's)" : "");
		back(req, c, &t, "access_denied", "the user's account is not "
		    "linked to a patient or practitioner record");
		goto out;
	}
	t.sub = sg_xstrdup(user.sub);
	if (user.name != NULL)
		t.name = sg_xstrdup(user.name);
	t.auth_time = now;
	t.stage = SG_TXN_CONSENT;
	if ((sealed = sg_txn_seal(c->p.keys, &t, now +
	    cfg->transaction_ttl)) == NULL ||
	    sg_cookie_set(req, cfg, "sg_tx", sealed,
	    cfg->transaction_ttl) == -1) {
		page(req, c, SG_E_INTERNAL, NULL);
		goto out;
	}
	sg_resp_header(req, "Cache-Control", "no-store");
	sg_resp_redirect(req, 303, c->consent_url);
out:
	sg_oidc_user_free(&user);
	sg_txn_clear(&t);
	free(cookie);
	free(sealed);
}

static void
serve(struct sg_request *req, void *arg)
{
	struct ctx	*c = arg;
	struct sg_form	 f;
	enum sg_status	 st;

	memset(&f, 0, sizeof(f));
	if (req->too_long) {
		page(req, c, SG_E_URI_TOO_LONG, NULL);
		return;
	}
	if (strcmp(req->method, "GET") != 0) {
		sg_resp_header(req, "Allow", "GET");
		page(req, c, SG_E_METHOD, NULL);
		return;
	}
	if ((st = sg_request_form(req, params, P__MAX, &f)) != SG_OK) {
		sg_log(req, SG_LOG_WARN, "bad parameter %s", f.bad);
		page(req, c, st, "The identity provider sent a malformed "
		    "answer.");
	} else
		callback(req, c, &f);
	sg_form_free(&f);
}

int
main(void)
{
	struct ctx		 c;
	char			 err[512];
	int			 rc = 1;

	memset(&c, 0, sizeof(c));
	if (sg_proc_load(&c.p, "callback", SG_NEED_IDENTITY) == -1)
		return 1;
	if ((c.oidc = sg_oidc_new(c.p.cfg, err, sizeof(err))) == NULL) {
		sg_log(NULL, SG_LOG_ERR, "%s", err);
		goto out;
	}
	c.callback_url = sg_proc_auth_url(&c.p, SG_PATH_CALLBACK);
	c.consent_url = sg_proc_auth_url(&c.p, SG_PATH_CONSENT);
	if (sg_proc_serve(serve, &c) == 0)
		rc = 0;
out:
	free(c.callback_url);
	free(c.consent_url);
	sg_oidc_free(c.oidc);
	sg_proc_free(&c.p);
	return rc;
}
