/*
 * token: the OAuth 2.0 token endpoint (RFC 6749 §3.2, §4.1.3, §6;
 * SMART App Launch 2.2 "app-launch" step "obtain access token").
 * Grants: authorization_code (single use, ~60 s, bound to the client,
 * the redirect URI and the PKCE challenge), refresh_token (rotated
 * on every use; reuse of a rotated token revokes the whole grant) and
 * client_credentials (SMART App Launch 2.2 "Backend Services": a
 * private_key_jwt client, system/ scopes, no refresh token).
 * The access token is sealed (grant.h), opaque to the app; the grant
 * handlers return a status that serve() renders once.  Every answer is
 * JSON with Cache-Control: no-store (RFC 6749 §5.1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "bounds.h"
#include "clientauth.h"
#include "clients.h"
#include "config.h"
#include "form.h"
#include "grant.h"
#include "json.h"
#include "ledger.h"
#include "log.h"
#include "mem.h"
#include "oauth.h"
#include "proc.h"
#include "request.h"
#include "response.h"
#include "scope.h"

enum { P_GRANT_TYPE, P_CODE, P_REDIRECT_URI, P_VERIFIER, P_CLIENT,
    P_REFRESH = P_CLIENT + SG_CLIENTAUTH_NPARAMS, P_SCOPE, P__MAX };

static const struct sg_param params[P__MAX] = {
	{ "grant_type", SG_MAX_KEYWORD, sg_check_token, 0, 0 },
	{ "code", SG_MAX_SEALED, sg_check_token, 0, 0 },
	{ "redirect_uri", SG_MAX_URL, sg_check_token, 0, 0 },
	{ "code_verifier", SG_PKCE_VERIFIER_MAX, sg_check_token, 0, 0 },
	SG_CLIENTAUTH_PARAMS,
	{ "refresh_token", SG_MAX_SEALED, sg_check_token, 0, 0 },
	{ "scope", SG_MAX_SCOPE, sg_check_text, 0, 0 },
};

/* How long a revocation is remembered: longer than any refresh token. */
static long
revoke_ttl(const struct sg_config *cfg)
{
	return cfg->refresh_token_ttl > SG_TTL_ONLINE_REFRESH ?
	    cfg->refresh_token_ttl : SG_TTL_ONLINE_REFRESH;
}

/*
 * The token answer (RFC 6749 §5.1; SMART App Launch "token response"):
 * the access token with scope = what the access token carries, the
 * launch context, an id_token with openid on a code exchange, a refresh
 * token with offline_access or online_access (rotated; scope of the
 * grant).  Returns SG_OK once sent, or a status for serve() to render.
 */
static enum sg_status
answer(struct sg_request *req, struct sg_proc *p, const struct sg_client *client,
    struct sg_grant *g, const char *at_scope, int with_id, time_t now)
{
	const struct sg_config	*cfg = p->cfg;
	struct sg_scopes	 s, gs;
	struct sg_grant		 at = *g;
	json_object		*o = json_object_new_object();
	char			*access = NULL, *id = NULL, *refresh = NULL;
	enum sg_status		 st = SG_E_INTERNAL;

	memset(&s, 0, sizeof(s));
	memset(&gs, 0, sizeof(gs));
	sg_scopes_parse(at_scope, &s);
	sg_scopes_parse(g->scope, &gs);
	/* The access token carries the (possibly narrowed) scope. */
	at.scope = sg_scopes_string(&s);
	access = sg_grant_access_token(cfg, p->keys, &at, now,
	    cfg->access_token_ttl);
	/*
	 * The id_token only on the code exchange: OpenID Connect Core
	 * §12.2 lets a refresh answer omit it, the app has it already and
	 * the user has not logged in again, and it is the one thing here
	 * that costs a signature.
	 */
	if (with_id && sg_scopes_has(&s, SG_SCOPE_OPENID) && g->sub != NULL) {
		/* Parsed on first use under plain CGI (sg_proc_load()). */
		if ((st = sg_proc_signing(p, req)) != SG_OK) {
			free(at.scope);
			goto out;
		}
		id = sg_grant_id_token(cfg, p->keys, &at, now,
		    cfg->access_token_ttl);
	}
	free(at.scope);
	/* The refresh token keeps the grant's scope (RFC 6749 §6). */
	if ((sg_scopes_has(&gs, SG_SCOPE_OFFLINE_ACCESS) ||
	    sg_scopes_has(&gs, SG_SCOPE_ONLINE_ACCESS)) &&
	    sg_client_grant_ok(client, SG_GRANT_REFRESH) && g->grant_exp > now)
		refresh = sg_grant_seal(p->keys, SG_PURPOSE_REFRESH, g,
		    g->grant_exp);
	if (access == NULL)
		goto out;
	sg_json_put_str(o, "access_token", access);
	sg_json_put_str(o, "token_type", "Bearer");
	json_object_object_add(o, "expires_in",
	    json_object_new_int64(cfg->access_token_ttl));
	sg_json_put_str(o, "scope", at_scope);
	sg_json_put_str(o, "id_token", id);
	sg_json_put_str(o, "refresh_token", refresh);
	sg_json_put_str(o, "patient", g->ctx.patient);
	sg_json_put_str(o, "encounter", g->ctx.encounter);
	if (g->ctx.fhir_context != NULL)
		json_object_object_add(o, "fhirContext",
		    json_object_get(g->ctx.fhir_context));
	sg_json_put_str(o, "intent", g->ctx.intent);
	if (g->ctx.need_patient_banner >= 0)
		json_object_object_add(o, "need_patient_banner",
		    json_object_new_boolean(g->ctx.need_patient_banner));
	sg_json_put_str(o, "smart_style_url", g->ctx.smart_style_url);
	sg_resp_header(req, "Cache-Control", "no-store");
	sg_resp_header(req, "Pragma", "no-cache");
	sg_resp_json(req, 200, "application/json", o);
	sg_log(req, SG_LOG_INFO, "issued tokens client=%s gid=%s",
	    client->client_id, g->gid);
	st = SG_OK;
out:
	json_object_put(o);
	free(access);
	free(id);
	free(refresh);
	sg_scopes_free(&s);
	sg_scopes_free(&gs);
	return st;
}

/*
 * RFC 6749 §4.1.3, RFC 7636 §4.6.  Returns SG_OK once answered, or a
 * status and *why for serve() to render.
 */
static enum sg_status
code_grant(struct sg_request *req, struct sg_proc *p,
    const struct sg_client *client, struct sg_form *f, const char **why)
{
	const struct sg_config	*cfg = p->cfg;
	struct sg_grant		 g;
	enum sg_status		 st;
	char			 jti[23], key[64];
	time_t			 now = time(NULL);

	memset(&g, 0, sizeof(g));
	if (f->value[P_CODE] == NULL) {
		*why = "code is required";
		return SG_E_BAD_REQUEST;
	}
	if (sg_grant_open(p->keys, SG_PURPOSE_CODE, now, f->value[P_CODE],
	    &g, jti) != SG_SEAL_OK) {
		*why = "the code is invalid or expired";
		return SG_E_INVALID_GRANT;
	}
	st = SG_E_INVALID_GRANT;
	if (strcmp(g.client_id, client->client_id) != 0) {
		sg_log(req, SG_LOG_WARN, "code of %s presented by %s",
		    g.client_id, client->client_id);
		*why = "the code was not issued to this client";
		goto out;
	}
	if (f->value[P_REDIRECT_URI] == NULL ||
	    strcmp(f->value[P_REDIRECT_URI], g.redirect_uri) != 0) {
		*why = "redirect_uri differs from the authorization request";
		goto out;
	}
	if (f->value[P_VERIFIER] == NULL ||
	    !sg_oauth_verifier_ok(f->value[P_VERIFIER]) ||
	    !sg_oauth_pkce_match(f->value[P_VERIFIER], g.code_challenge)) {
		*why = "code_verifier does not match the code_challenge";
		goto out;
	}
	/* Single use, checked last so a bad attempt cannot burn a code. */
	snprintf(key, sizeof(key), SG_LEDGER_NS_CODE "%s", jti);
	switch (sg_ledger_add(p->ledger, req, key,
	    now + cfg->code_ttl + 60, now)) {
	case SG_LEDGER_OK:
		break;
	case SG_LEDGER_EXISTS:
		/* RFC 6749 §4.1.2: a replayed code revokes its grant. */
		(void)sg_grant_revoke(p->ledger, req, g.gid,
		    revoke_ttl(cfg), now);
		*why = "the code was already used";
		goto out;
	default:
		st = SG_E_UNAVAILABLE;
		goto out;
	}
	g.grant_exp = now + (g.offline ? cfg->refresh_token_ttl :
	    SG_TTL_ONLINE_REFRESH);
	g.gen = 0;	/* the first refresh token; no ledger record yet */
	/* The grant starts: listed for revocation (tools/smartgate-revoke). */
	if (sg_grant_record(p->ledger, req, &g, sg_client_grant_ok(client,
	    SG_GRANT_REFRESH), cfg->access_token_ttl, now) != 0) {
		st = SG_E_UNAVAILABLE;
		goto out;
	}
	st = answer(req, p, client, &g, g.scope, 1, now);
out:
	sg_grant_clear(&g);
	return st;
}

/*
 * 1 when every space-separated token of s is a scope we understand: one
 * that is not must refuse the request, not vanish from it (RFC 6749 §6).
 */
static int
all_scopes_parse(const char *s)
{
	struct sg_scope	 sc;
	size_t		 len;

	for (; *s != '\0'; s += len) {
		if ((len = strcspn(s, " ")) == 0) {
			len = 1;
			continue;
		}
		if (sg_scope_parse(s, len, &sc) == -1)
			return 0;
		sg_scope_free(&sc);
	}
	return 1;
}

/* Every scope of narrow is within some scope of wide. */
static int
scopes_within(const struct sg_scopes *narrow, const struct sg_scopes *wide)
{
	size_t	 i, j;

	for (i = 0; i < narrow->n; i++) {
		for (j = 0; j < wide->n; j++)
			if (sg_scope_within(&narrow->v[i], &wide->v[j]))
				break;
		if (j == wide->n)
			return 0;
	}
	return 1;
}

/*
 * RFC 6749 §6, OAuth 2.0 Security BCP §4.14 (rotation, reuse
 * detection).  Returns SG_OK once answered, or a status and *why for
 * serve() to render.
 */
static enum sg_status
refresh_grant(struct sg_request *req, struct sg_proc *p,
    const struct sg_client *client, struct sg_form *f, const char **why)
{
	struct sg_grant		 g;
	struct sg_scopes	 want, have, allowed;
	enum sg_status		 st;
	char			 jti[23], *narrowed = NULL;
	time_t			 now = time(NULL);

	memset(&g, 0, sizeof(g));
	memset(&want, 0, sizeof(want));
	memset(&have, 0, sizeof(have));
	memset(&allowed, 0, sizeof(allowed));
	if (f->value[P_REFRESH] == NULL) {
		*why = "refresh_token is required";
		return SG_E_BAD_REQUEST;
	}
	if (sg_grant_open(p->keys, SG_PURPOSE_REFRESH, now,
	    f->value[P_REFRESH], &g, jti) != SG_SEAL_OK) {
		*why = "the refresh token is invalid or expired";
		return SG_E_INVALID_GRANT;
	}
	st = SG_E_INVALID_GRANT;
	if (strcmp(g.client_id, client->client_id) != 0) {
		*why = "the refresh token was not issued to this client";
		goto out;
	}
	/*
	 * The registry as it is now, not as it was at consent: a client
	 * whose scope was narrowed gets no more than it may have today
	 * (its removal, or of its refresh_token grant type, was refused
	 * before we got here).  The grant narrows for good.
	 */
	sg_scopes_parse(g.scope, &want);
	sg_scopes_parse(client->scope, &allowed);
	sg_scopes_limit(&want, &allowed, &have);
	sg_scopes_free(&want);
	if (have.n == 0) {
		*why = "the client may no longer have any scope of this grant";
		goto out;
	}
	free(g.scope);
	g.scope = sg_scopes_string(&have);
	/* Narrowing is allowed, widening never (RFC 6749 §6). */
	if (f->value[P_SCOPE] != NULL) {
		sg_scopes_parse(f->value[P_SCOPE], &want);
		if (want.n == 0 || !all_scopes_parse(f->value[P_SCOPE]) ||
		    !scopes_within(&want, &have)) {
			*why = "the scope may only narrow the original grant";
			st = SG_E_INVALID_SCOPE;
			goto out;
		}
		narrowed = sg_scopes_string(&want);
	}
	if ((st = sg_grant_rotate(p->ledger, req, &g,
	    revoke_ttl(p->cfg), now, why)) != SG_OK)
		goto out;
	st = answer(req, p, client, &g, narrowed != NULL ? narrowed : g.scope,
	    0, now);
out:
	free(narrowed);
	sg_scopes_free(&want);
	sg_scopes_free(&have);
	sg_scopes_free(&allowed);
	sg_grant_clear(&g);
	return st;
}

/*
 * SMART App Launch 2.2 "Backend Services" (RFC 6749 §4.4): the client
 * authenticated with private_key_jwt (serve() checked it, clientauth.c
 * the assertion); the token carries requested ∩ registered system/
 * scopes, lives at most SG_TTL_BACKEND_MAX seconds and comes alone: no
 * refresh token (RFC 6749 §4.4.3 "SHOULD NOT"), no id_token, no launch
 * context.  Returns SG_OK once answered, or a status and *why.
 */
static enum sg_status
backend_grant(struct sg_request *req, struct sg_proc *p,
    const struct sg_client *client, struct sg_form *f, const char **why)
{
	json_object	*o = NULL;
	char		*scope = NULL, *access = NULL;
	long		 ttl = 0;
	time_t		 now = time(NULL);
	enum sg_status	 st;

	/* SMART Backend Services: "scope: required". */
	if (f->value[P_SCOPE] == NULL) {
		*why = "scope is required";
		return SG_E_BAD_REQUEST;
	}
	if ((scope = sg_grant_backend_scope(f->value[P_SCOPE],
	    client->scope)) == NULL) {
		*why = "no requested scope is a system/ scope registered for "
		    "this client";
		return SG_E_INVALID_SCOPE;
	}
	st = SG_E_INTERNAL;
	if ((access = sg_grant_backend_token(p->cfg, p->keys,
	    client->client_id, scope, now, &ttl)) == NULL)
		goto out;
	o = json_object_new_object();
	sg_json_put_str(o, "access_token", access);
	sg_json_put_str(o, "token_type", "Bearer");
	json_object_object_add(o, "expires_in", json_object_new_int64(ttl));
	sg_json_put_str(o, "scope", scope);
	sg_resp_header(req, "Cache-Control", "no-store");
	sg_resp_header(req, "Pragma", "no-cache");
	sg_resp_json(req, 200, "application/json", o);
	sg_log(req, SG_LOG_INFO, "issued backend token client=%s scope=%s",
	    client->client_id, scope);
	st = SG_OK;
out:
	json_object_put(o);
	free(access);
	free(scope);
	return st;
}

static enum sg_status
serve(struct sg_request *req, void *arg, struct sg_form *f,
    struct sg_reply *r)
{
	struct sg_proc			*p = arg;
	const struct sg_client		*client = NULL;
	struct sg_clientauth_in		 in;
	enum sg_status			 st;
	const char			*why = NULL, *gt;

	sg_clientauth_in_form(&in, f, P_CLIENT);
	if ((st = sg_clientauth_check(p->auth, req, p->clients,
	    p->ledger, time(NULL), &in, &client, &why)) !=
	    SG_OK) {
		r->desc = why;
		return st;
	}
	gt = f->value[P_GRANT_TYPE];
	if (gt != NULL && strcmp(gt, "authorization_code") == 0 &&
	    sg_client_grant_ok(client, SG_GRANT_CODE))
		st = code_grant(req, p, client, f, &why);
	else if (gt != NULL && strcmp(gt, "refresh_token") == 0 &&
	    sg_client_grant_ok(client, SG_GRANT_REFRESH))
		st = refresh_grant(req, p, client, f, &why);
	else if (gt != NULL && strcmp(gt, "client_credentials") == 0) {
		/*
		 * SMART Backend Services: registered for the grant, and
		 * authenticated by private_key_jwt, never by a shared
		 * secret.  RFC 6749 §4.4: only confidential clients; §5.2:
		 * no client authentication is invalid_client, a client that
		 * may not use the grant unauthorized_client.
		 */
		if (client->auth_method == SG_AUTH_NONE) {
			st = SG_E_INVALID_CLIENT;
			why = "client_credentials needs client authentication "
			    "(private_key_jwt)";
		} else if (!sg_client_grant_ok(client,
		    SG_GRANT_CLIENT_CREDENTIALS)) {
			st = SG_E_UNAUTHORIZED_CLIENT;
			why = "the client is not registered for "
			    "client_credentials";
		} else if (client->auth_method != SG_AUTH_PRIVATE_KEY_JWT) {
			st = SG_E_UNAUTHORIZED_CLIENT;
			why = "client_credentials needs private_key_jwt client "
			    "authentication, not a client secret";
		} else
			st = backend_grant(req, p, client, f, &why);
	} else if (gt == NULL) {
		st = SG_E_BAD_REQUEST;
		why = "grant_type is required";
	} else if (strcmp(gt, "authorization_code") == 0 ||
	    strcmp(gt, "refresh_token") == 0)
		st = SG_E_UNAUTHORIZED_CLIENT;
	else
		st = SG_E_UNSUPPORTED_GRANT;
	/* The loop renders the error from the status table. */
	r->desc = why;
	return st;
}

/*
 * RFC 6749 §3.2: POST with a form body, whose wrong type is
 * invalid_request; browsers may call from public clients' origins.
 */
static const struct sg_endpoint endpoint = {
	.methods = "POST, OPTIONS",
	.shape = SG_SHAPE_OAUTH,
	.params = params,
	.nparams = P__MAX,
	.post_type = SG_FORM_TYPE,
	.flags = SG_EP_RELOAD | SG_EP_MEDIA_400,
	.cors_origin = sg_clients_public_origin,
	.handler = serve,
};

int
main(void)
{
	return sg_proc_main("token", SG_NEED_CLIENTAUTH, &endpoint);
}
