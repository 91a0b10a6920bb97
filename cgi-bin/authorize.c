/*
 * authorize: the OAuth 2.0 authorization endpoint (RFC 6749 §3.1,
 * §4.1.1; SMART App Launch 2.2 "app-launch").  Checks the app's
 * request, seals it into the transaction cookie and sends the browser
 * to the identity provider (or, with login remote_user, straight to
 * the consent page).
 *
 * Until client_id and redirect_uri are known good, errors are an HTML
 * page and never a redirect (RFC 6749 §4.1.2.1); after, they go back
 * to the app with error, error_description and state.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clients.h"
#include "config.h"
#include "cookie.h"
#include "discovery.h"
#include "form.h"
#include "grant.h"
#include "identity.h"
#include "ledger.h"
#include "limits.h"
#include "log.h"
#include "mem.h"
#include "oauth.h"
#include "oidc.h"
#include "proc.h"
#include "request.h"
#include "response.h"
#include "scope.h"

enum { P_RESPONSE_TYPE, P_CLIENT_ID, P_REDIRECT_URI, P_SCOPE, P_STATE,
    P_AUD, P_CHALLENGE, P_CHALLENGE_METHOD, P_LAUNCH, P_NONCE, P__MAX };

static const struct sg_param params[P__MAX] = {
	{ "response_type", 32, sg_check_token, 0, 0 },
	{ "client_id", 128, sg_check_token, 0, 0 },
	{ "redirect_uri", 2048, sg_check_token, 0, 0 },
	{ "scope", 4096, sg_check_text, 0, 0 },
	{ "state", 1024, sg_check_text, 0, 0 },
	{ "aud", 2048, sg_check_token, 0, 0 },
	{ "code_challenge", 128, sg_check_token, 0, 0 },
	{ "code_challenge_method", 16, sg_check_token, 0, 0 },
	{ "launch", SG_MAX_SEALED, sg_check_token, 0, 0 },
	{ "nonce", 512, sg_check_token, 0, 0 },
};

struct ctx {
	struct sg_proc	 p;
	struct sg_oidc	*oidc;		/* login oidc */
	char		*callback_url;
	char		*consent_url;
};

/* The request as the app sent it; strings point into form. */
struct authz {
	const struct sg_client	*client;
	const char		*redirect_uri;
	const char		*state;
};

/* aud is our FHIR base; SMART App Launch: a trailing '/' is tolerated. */
static int
aud_ok(const struct sg_config *cfg, const char *aud)
{
	size_t	 n = strlen(cfg->fhir_base);

	return strncmp(aud, cfg->fhir_base, n) == 0 &&
	    (aud[n] == '\0' || (aud[n] == '/' && aud[n + 1] == '\0'));
}

static void
fail(struct sg_request *req, struct ctx *c, const struct authz *a,
    const char *error, const char *desc)
{
	sg_oauth_redirect_error(req, c->p.cfg, a->redirect_uri, error, desc,
	    a->state);
}

/*
 * The launch context of an EHR launch, when the app asked for the
 * "launch" scope: the launch parameter must open, be unexpired, when
 * bound to a client be bound to this one, and not have been used
 * before (it travels in URLs: one launch, one authorization).
 * Returns SG_OK, SG_E_BAD_REQUEST, or SG_E_UNAVAILABLE (ledger).
 */
static enum sg_status
launch_context(struct sg_request *req, struct ctx *c, const struct authz *a,
    const char *launch, time_t now, struct sg_context *out)
{
	enum sg_ledger_result	 r;
	char			 fp[17], key[32];

	if (launch == NULL)
		return SG_E_BAD_REQUEST;
	if (sg_launch_open(c->p.keys, now, launch, out) != SG_SEAL_OK)
		return SG_E_BAD_REQUEST;
	if (out->client_id != NULL &&
	    strcmp(out->client_id, a->client->client_id) != 0) {
		sg_context_clear(out);
		return SG_E_BAD_REQUEST;
	}
	sg_log_fingerprint(launch, strlen(launch), fp);
	snprintf(key, sizeof(key), SG_LEDGER_NS_LAUNCH "%s", fp);
	r = sg_ledger_add(c->p.ledger, req, key, now + c->p.cfg->launch_ttl,
	    now);
	if (r != SG_LEDGER_OK) {
		sg_context_clear(out);
		return r == SG_LEDGER_EXISTS ? SG_E_BAD_REQUEST :
		    SG_E_UNAVAILABLE;
	}
	return SG_OK;
}

/* Seals t into the cookie and moves the browser on to log in. */
static void
proceed(struct sg_request *req, struct ctx *c, const struct authz *a,
    struct sg_txn *t, time_t now)
{
	const struct sg_config	*cfg = c->p.cfg;
	const char		*user;
	char			*sealed = NULL, *url = NULL, challenge[44];
	enum sg_status		 st;

	if (strcmp(cfg->login, "remote_user") == 0) {
		/* Apache authenticated the user (any auth module). */
		user = sg_request_env(req, "REMOTE_USER");
		if (user == NULL || *user == '\0') {
			sg_resp_error(req, cfg, SG_E_INTERNAL, SG_SHAPE_HTML,
			    "Apache authenticated no user: protect the "
			    "authorize address with an authentication module.");
			return;
		}
		t->sub = sg_xstrdup(user);
		t->fhir_user = sg_identity_fhir_user(c->p.identity, user, NULL);
		if (t->fhir_user == NULL) {
			fail(req, c, a, "access_denied",
			    "the user has no FHIR identity");
			return;
		}
		t->auth_time = now;
		t->stage = SG_TXN_CONSENT;
	} else {
		sg_oauth_pkce_challenge(t->idp_verifier, challenge);
		st = sg_oidc_login_url(c->oidc, req, c->callback_url,
		    t->idp_state, t->idp_nonce, challenge, &url);
		if (st != SG_OK) {
			fail(req, c, a, "temporarily_unavailable",
			    "the identity provider cannot be reached");
			return;
		}
	}
	/* The transaction must fit in a cookie a browser keeps. */
	sealed = sg_txn_seal(c->p.keys, t, now + cfg->transaction_ttl);
	if (sealed == NULL || strlen(sealed) > SG_MAX_COOKIE) {
		fail(req, c, a, "invalid_request", "the request is too large");
		goto out;
	}
	if (sg_cookie_set(req, cfg, "sg_tx", sealed,
	    cfg->transaction_ttl) == -1) {
		sg_resp_error(req, cfg, SG_E_INTERNAL, SG_SHAPE_HTML, NULL);
		goto out;
	}
	sg_resp_header(req, "Cache-Control", "no-store");
	if (url != NULL)
		sg_resp_redirect(req, 302, url);
	else
		sg_resp_redirect(req, 303, c->consent_url);
out:
	free(sealed);
	free(url);
}

static void
authorize(struct sg_request *req, struct ctx *c, struct sg_form *f)
{
	const struct sg_config	*cfg = c->p.cfg;
	struct authz		 a;
	struct sg_scopes	 want, allowed, granted;
	struct sg_txn		 t;
	const char		*v;
	enum sg_status		 st;
	time_t			 now = time(NULL);

	memset(&a, 0, sizeof(a));
	memset(&want, 0, sizeof(want));
	memset(&allowed, 0, sizeof(allowed));
	memset(&granted, 0, sizeof(granted));
	sg_txn_init(&t);

	/* Before the redirect URI is trusted: pages for people. */
	if ((v = f->value[P_CLIENT_ID]) == NULL ||
	    (a.client = sg_clients_find(c->p.clients, v)) == NULL) {
		sg_resp_error(req, cfg, SG_E_BAD_REQUEST, SG_SHAPE_HTML,
		    "The application is not registered here (unknown "
		    "client_id).");
		goto out;
	}
	if ((v = f->value[P_REDIRECT_URI]) == NULL ||
	    !sg_client_redirect_ok(a.client, v)) {
		sg_resp_error(req, cfg, SG_E_BAD_REQUEST, SG_SHAPE_HTML,
		    "The application asked to return to an address that is "
		    "not registered for it (redirect_uri).");
		goto out;
	}
	a.redirect_uri = v;
	a.state = f->value[P_STATE];

	/* From here on the app hears of every error. */
	if ((v = f->value[P_RESPONSE_TYPE]) == NULL || strcmp(v, "code")) {
		fail(req, c, &a, "unsupported_response_type",
		    "response_type must be code");
		goto out;
	}
	if (!sg_client_grant_ok(a.client, SG_GRANT_CODE)) {
		fail(req, c, &a, "unauthorized_client",
		    "the client may not use the authorization code grant");
		goto out;
	}
	if (a.state == NULL) {
		/* SMART App Launch: state is required. */
		fail(req, c, &a, "invalid_request", "state is required");
		goto out;
	}
	if ((v = f->value[P_AUD]) == NULL || !aud_ok(cfg, v)) {
		/* SMART: aud must be the FHIR server the app will call. */
		fail(req, c, &a, "invalid_request",
		    "aud must be this server's FHIR base URL");
		goto out;
	}
	/* PKCE S256 is required; plain is refused (SMART 2.2, RFC 7636). */
	if ((v = f->value[P_CHALLENGE_METHOD]) == NULL || strcmp(v, "S256")) {
		fail(req, c, &a, "invalid_request",
		    "code_challenge_method must be S256");
		goto out;
	}
	if ((v = f->value[P_CHALLENGE]) == NULL || !sg_oauth_challenge_ok(v)) {
		fail(req, c, &a, "invalid_request",
		    "code_challenge must be a base64url SHA-256 value");
		goto out;
	}

	/* Unknown or malformed scopes are dropped; none beyond the client's. */
	sg_scopes_parse(f->value[P_SCOPE], &want);
	sg_scopes_parse(a.client->scope, &allowed);
	sg_scopes_limit(&want, &allowed, &granted);
	if (granted.n == 0) {
		fail(req, c, &a, "invalid_scope",
		    "none of the requested scopes can be granted");
		goto out;
	}
	if (sg_scopes_has(&granted, SG_SCOPE_LAUNCH) &&
	    (st = launch_context(req, c, &a, f->value[P_LAUNCH], now,
	    &t.ctx)) != SG_OK) {
		fail(req, c, &a, st == SG_E_UNAVAILABLE ?
		    "temporarily_unavailable" : "invalid_request",
		    st == SG_E_UNAVAILABLE ? NULL : "the launch parameter is "
		    "missing, expired, used or not for this application");
		goto out;
	}

	t.client_id = sg_xstrdup(a.client->client_id);
	t.redirect_uri = sg_xstrdup(a.redirect_uri);
	t.state = sg_xstrdup(a.state);
	t.scope = sg_scopes_string(&granted);
	t.code_challenge = sg_xstrdup(f->value[P_CHALLENGE]);
	if (f->value[P_NONCE] != NULL)
		t.nonce = sg_xstrdup(f->value[P_NONCE]);
	proceed(req, c, &a, &t, now);
out:
	sg_txn_clear(&t);
	sg_scopes_free(&want);
	sg_scopes_free(&allowed);
	sg_scopes_free(&granted);
}

static void
serve(struct sg_request *req, void *arg)
{
	struct ctx		*c = arg;
	const struct sg_config	*cfg = c->p.cfg;
	struct sg_form		 f;
	enum sg_status		 st;

	memset(&f, 0, sizeof(f));
	sg_proc_reload(&c->p, req);
	if (req->too_long) {
		sg_resp_error(req, cfg, SG_E_URI_TOO_LONG, SG_SHAPE_HTML, NULL);
		return;
	}
	/* SMART "authorize-post": the same parameters as a form. */
	st = sg_request_form(req, params, P__MAX, &f);
	if (st == SG_E_METHOD)
		sg_resp_header(req, "Allow", "GET, POST");
	if (st != SG_OK && f.bad[0] != '\0') {
		/* Nothing from a malformed request is trusted: a page. */
		sg_log(req, SG_LOG_WARN, "bad parameter %s", f.bad);
		sg_resp_error(req, cfg, st, SG_SHAPE_HTML, "The application "
		    "sent a malformed request (a parameter is repeated, too "
		    "long or invalid).");
	} else if (st != SG_OK)
		sg_resp_error(req, cfg, st, SG_SHAPE_HTML, NULL);
	else
		authorize(req, c, &f);
	sg_form_free(&f);
}

int
main(void)
{
	struct ctx		 c;
	char			 err[512];
	int			 rc = 1;

	memset(&c, 0, sizeof(c));
	if (sg_proc_load(&c.p, "authorize", SG_NEED_CLIENTS |
	    SG_NEED_IDENTITY | SG_NEED_LEDGER) == -1)
		return 1;
	if (strcmp(c.p.cfg->login, "oidc") == 0 &&
	    (c.oidc = sg_oidc_new(c.p.cfg, err, sizeof(err))) == NULL) {
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
