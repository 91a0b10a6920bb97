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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bounds.h"
#include "clients.h"
#include "config.h"
#include "context.h"
#include "cookie.h"
#include "discovery.h"
#include "form.h"
#include "identity.h"
#include "ledger.h"
#include "log.h"
#include "mem.h"
#include "oauth.h"
#include "oidc.h"
#include "policy.h"
#include "proc.h"
#include "request.h"
#include "response.h"
#include "scope.h"
#include "txn.h"

enum { P_RESPONSE_TYPE, P_CLIENT_ID, P_REDIRECT_URI, P_SCOPE, P_STATE,
    P_AUD, P_CHALLENGE, P_CHALLENGE_METHOD, P_LAUNCH, P_NONCE, P__MAX };

/*
 * RFC 6749 §4.1.1 and SMART App Launch 2.2 "app-launch": state, aud
 * and PKCE S256 are required; scope is checked against the client.
 */
static const struct sg_param params[P__MAX] = {
	[P_RESPONSE_TYPE] = { "response_type", SG_MAX_KEYWORD,
	    sg_check_token, 1, 0 },
	[P_CLIENT_ID] = { "client_id", SG_MAX_CLIENT_ID, sg_check_token,
	    1, 0 },
	[P_REDIRECT_URI] = { "redirect_uri", SG_MAX_URL, sg_check_token,
	    1, 0 },
	[P_SCOPE] = { "scope", SG_MAX_SCOPE, sg_check_text, 0, 0 },
	[P_STATE] = { "state", SG_MAX_STATE, sg_check_text, 1, 0 },
	[P_AUD] = { "aud", SG_MAX_URL, sg_check_token, 1, 0 },
	[P_CHALLENGE] = { "code_challenge", SG_PKCE_CHALLENGE_LEN,
	    sg_oauth_check_challenge, 1, 0 },
	[P_CHALLENGE_METHOD] = { "code_challenge_method", SG_MAX_KEYWORD,
	    sg_check_token, 1, 0 },
	[P_LAUNCH] = { "launch", SG_MAX_SEALED, sg_check_token, 0, 0 },
	[P_NONCE] = { "nonce", SG_MAX_NONCE, sg_check_token, 0, 0 },
};

/* aud is our FHIR base; SMART App Launch: a trailing '/' is tolerated. */
static int
aud_ok(const struct sg_config *cfg, const char *aud)
{
	size_t	 n = strlen(cfg->fhir_base);

	return strncmp(aud, cfg->fhir_base, n) == 0 &&
	    (aud[n] == '\0' || (aud[n] == '/' && aud[n + 1] == '\0'));
}

/*
 * The launch context of an EHR launch, when the app asked for the
 * "launch" scope: the launch parameter must open, be unexpired, when
 * bound to a client be bound to this one, and not have been used
 * before (it travels in URLs: one launch, one authorization).
 * Returns SG_OK, SG_E_BAD_REQUEST, or SG_E_UNAVAILABLE (ledger).
 */
static enum sg_status
launch_context(struct sg_request *req, struct sg_proc *p,
    const struct sg_client *client, const char *launch, time_t now,
    struct sg_context *out)
{
	enum sg_ledger_result	 r;
	char			 fp[17], key[32];

	if (launch == NULL)
		return SG_E_BAD_REQUEST;
	if (sg_launch_open(p->keys, now, launch, out) != SG_SEAL_OK)
		return SG_E_BAD_REQUEST;
	if (out->client_id != NULL &&
	    strcmp(out->client_id, client->client_id) != 0) {
		sg_context_clear(out);
		return SG_E_BAD_REQUEST;
	}
	sg_log_fingerprint(launch, strlen(launch), fp);
	snprintf(key, sizeof(key), SG_LEDGER_NS_LAUNCH "%s", fp);
	r = sg_ledger_add(p->ledger, req, key, now + p->cfg->launch_ttl,
	    now);
	if (r != SG_LEDGER_OK) {
		sg_context_clear(out);
		return r == SG_LEDGER_EXISTS ? SG_E_BAD_REQUEST :
		    SG_E_UNAVAILABLE;
	}
	return SG_OK;
}

/*
 * Seals t into the cookie and moves the browser on to log in.  Returns
 * SG_OK when it did, else the error for the app.
 */
static enum sg_status
proceed(struct sg_request *req, struct sg_proc *p, struct sg_txn *t, time_t now,
    struct sg_reply *r)
{
	const struct sg_config	*cfg = p->cfg;
	const char		*user;
	char			*sealed = NULL, *url = NULL, challenge[44];
	enum sg_status		 st;

	if (strcmp(cfg->login, "remote_user") == 0) {
		/* Apache authenticated the user (any auth module). */
		user = sg_request_env(req, "REMOTE_USER");
		if (user == NULL || *user == '\0') {
			sg_log(req, SG_LOG_ERR, "Apache authenticated no user: "
			    "protect the authorize address with an "
			    "authentication module");
			r->desc = "the server cannot identify the user";
			return SG_E_INTERNAL;
		}
		t->sub = sg_xstrdup(user);
		t->fhir_user = sg_identity_fhir_user(p->identity, user, NULL);
		if (t->fhir_user == NULL) {
			r->desc = "the user has no FHIR identity";
			return SG_E_ACCESS_DENIED;
		}
		t->auth_time = now;
		t->stage = SG_TXN_CONSENT;
	} else {
		sg_oauth_pkce_challenge(t->idp_verifier, challenge);
		st = sg_oidc_login_url(p->oidc, req, p->callback_url,
		    t->idp_state, t->idp_nonce, challenge, &url);
		if (st != SG_OK) {
			r->desc = "the identity provider cannot be reached";
			return SG_E_UNAVAILABLE;
		}
	}
	/* The transaction must fit in a cookie a browser keeps. */
	sealed = sg_txn_seal(p->keys, t, now + cfg->transaction_ttl);
	if (sealed == NULL || strlen(sealed) > SG_MAX_COOKIE) {
		r->desc = "the request is too large";
		st = SG_E_BAD_REQUEST;
		goto out;
	}
	if (sg_cookie_set(req, cfg, "sg_tx", sealed,
	    cfg->transaction_ttl) == -1) {
		st = SG_E_INTERNAL;
		goto out;
	}
	st = SG_OK;
	sg_resp_header(req, "Cache-Control", "no-store");
	if (url != NULL)
		sg_resp_redirect(req, 302, url);
	else
		sg_resp_redirect(req, 303, p->consent_url);
out:
	free(sealed);
	free(url);
	return st;
}

/*
 * Until client_id and redirect_uri are known good, errors are pages
 * (the loop renders HTML); only validated values decide that.  After,
 * sg_reply_redirect() sends every error back to the app with its state.
 */
static enum sg_status
authorize(struct sg_request *req, struct sg_proc *p, struct sg_form *f,
    struct sg_scopes *want, struct sg_scopes *allowed,
    struct sg_scopes *granted, struct sg_txn *t, struct sg_reply *r)
{
	const struct sg_config	*cfg = p->cfg;
	const struct sg_client	*client;
	const char		*v;
	enum sg_status		 st;
	time_t			 now = time(NULL);

	if ((v = f->value[P_CLIENT_ID]) == NULL ||
	    (client = sg_clients_find(p->clients, v)) == NULL) {
		r->desc = "The application is not registered here (unknown "
		    "or malformed client_id).";
		return SG_E_BAD_REQUEST;
	}
	if ((v = f->value[P_REDIRECT_URI]) == NULL ||
	    !sg_client_redirect_ok(client, v)) {
		r->desc = "The application asked to return to an address that "
		    "is not registered for it (redirect_uri).";
		return SG_E_BAD_REQUEST;
	}
	sg_reply_redirect(r, v, f->value[P_STATE]);

	/* From here on the app hears of every error. */
	if ((v = sg_form_first_failed(f, params, P__MAX)) != NULL) {
		snprintf(r->buf, sizeof(r->buf), "%s is missing, repeated, "
		    "too long or invalid", v);
		r->desc = r->buf;
		return SG_E_BAD_REQUEST;
	}
	if (strcmp(f->value[P_RESPONSE_TYPE], "code") != 0) {
		r->desc = "response_type must be code";
		return SG_E_UNSUPPORTED_RESPONSE;
	}
	if (!sg_client_grant_ok(client, SG_GRANT_CODE)) {
		r->desc = "the client may not use the authorization code grant";
		return SG_E_UNAUTHORIZED_CLIENT;
	}
	if (!aud_ok(cfg, f->value[P_AUD])) {
		/* SMART: aud must be the FHIR server the app will call. */
		r->desc = "aud must be this server's FHIR base URL";
		return SG_E_BAD_REQUEST;
	}
	/* PKCE S256 is required; plain is refused (SMART 2.2, RFC 7636). */
	if (strcmp(f->value[P_CHALLENGE_METHOD], "S256") != 0) {
		r->desc = "code_challenge_method must be S256";
		return SG_E_BAD_REQUEST;
	}

	/* Unknown or malformed scopes are dropped; none beyond the client's,
	   none the proxy cannot enforce. */
	sg_scopes_parse(f->value[P_SCOPE], want);
	sg_scopes_parse(client->scope, allowed);
	sg_scopes_limit(want, allowed, granted);
	sg_policy_enforceable_only(granted);
	if (granted->n == 0) {
		r->desc = "none of the requested scopes can be granted";
		return SG_E_INVALID_SCOPE;
	}
	if (sg_scopes_has(granted, SG_SCOPE_LAUNCH) &&
	    (st = launch_context(req, p, client, f->value[P_LAUNCH], now,
	    &t->ctx)) != SG_OK) {
		if (st != SG_E_UNAVAILABLE)
			r->desc = "the launch parameter is missing, expired, "
			    "used or not for this application";
		return st;
	}

	t->client_id = sg_xstrdup(client->client_id);
	t->redirect_uri = sg_xstrdup(r->redirect_uri);
	t->state = sg_xstrdup(f->value[P_STATE]);
	t->scope = sg_scopes_string(granted);
	t->code_challenge = sg_xstrdup(f->value[P_CHALLENGE]);
	if (f->value[P_NONCE] != NULL)
		t->nonce = sg_xstrdup(f->value[P_NONCE]);
	return proceed(req, p, t, now, r);
}

/* SMART "authorize-post": the same parameters as a form. */
static enum sg_status
serve(struct sg_request *req, void *arg, struct sg_form *f,
    struct sg_reply *r)
{
	struct sg_scopes	 want, allowed, granted;
	struct sg_txn		 t;
	enum sg_status		 st;

	memset(&want, 0, sizeof(want));
	memset(&allowed, 0, sizeof(allowed));
	memset(&granted, 0, sizeof(granted));
	sg_txn_init(&t);
	st = authorize(req, arg, f, &want, &allowed, &granted, &t, r);
	sg_txn_clear(&t);
	sg_scopes_free(&want);
	sg_scopes_free(&allowed);
	sg_scopes_free(&granted);
	return st;
}

static const struct sg_endpoint endpoint = {
	.methods = "GET, POST",
	.shape = SG_SHAPE_HTML,
	.params = params,
	.nparams = P__MAX,
	.post_type = SG_FORM_TYPE,
	.flags = SG_EP_RELOAD | SG_EP_BAD_PARAMS,
	.handler = serve,
};

int
main(void)
{
	return sg_proc_main("authorize", SG_NEED_CLIENTS | SG_NEED_IDENTITY |
	    SG_NEED_LEDGER | SG_NEED_OIDC,
	    &endpoint);
}
