/*
 * token: the OAuth 2.0 token endpoint (RFC 6749 §3.2, §4.1.3, §6;
 * SMART App Launch 2.2 "app-launch" step "obtain access token").
 * Grants: authorization_code (single use, ~60 s, bound to the client,
 * the redirect URI and the PKCE challenge) and refresh_token (rotated
 * on every use; reuse of a rotated token revokes the whole grant).
 * Every answer is JSON with Cache-Control: no-store (RFC 6749 §5.1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "clientauth.h"
#include "clients.h"
#include "config.h"
#include "discovery.h"
#include "form.h"
#include "grant.h"
#include "ledger.h"
#include "limits.h"
#include "log.h"
#include "mem.h"
#include "oauth.h"
#include "proc.h"
#include "request.h"
#include "response.h"
#include "scope.h"
#include "url.h"

enum { P_GRANT_TYPE, P_CODE, P_REDIRECT_URI, P_VERIFIER, P_CLIENT_ID,
    P_CLIENT_SECRET, P_ASSERTION_TYPE, P_ASSERTION, P_REFRESH, P_SCOPE,
    P__MAX };

static const struct sg_param params[P__MAX] = {
	{ "grant_type", SG_MAX_KEYWORD, sg_check_token, 0, 0 },
	{ "code", SG_MAX_SEALED, sg_check_token, 0, 0 },
	{ "redirect_uri", SG_MAX_URL, sg_check_token, 0, 0 },
	{ "code_verifier", SG_PKCE_VERIFIER_MAX, sg_check_token, 0, 0 },
	{ "client_id", SG_MAX_CLIENT_ID, sg_check_token, 0, 0 },
	{ "client_secret", SG_MAX_CLIENT_SECRET, sg_check_token, 0, 0 },
	{ "client_assertion_type", SG_MAX_KEYWORD, sg_check_token, 0, 0 },
	{ "client_assertion", SG_MAX_JWT, sg_check_token, 0, 0 },
	{ "refresh_token", SG_MAX_SEALED, sg_check_token, 0, 0 },
	{ "scope", SG_MAX_SCOPE, sg_check_text, 0, 0 },
};

struct ctx {
	struct sg_proc		 p;
	struct sg_clientauth	*auth;
	char			*token_url;
};

static void
oauth_error(struct sg_request *req, struct ctx *c, enum sg_status st,
    const char *desc)
{
	sg_resp_error(req, c->p.cfg, st, SG_SHAPE_OAUTH, desc);
}

/* The ledger's answer as a status: a replay, or fail closed. */
static enum sg_status
ledger_status(enum sg_ledger_result r)
{
	return r == SG_LEDGER_OK ? SG_OK : r == SG_LEDGER_EXISTS ?
	    SG_E_INVALID_GRANT : SG_E_UNAVAILABLE;
}

/*
 * Revokes everything issued from grant gid (reuse, replay) for longer
 * than any of its refresh tokens can live, offline or online.
 */
static void
revoke(struct sg_request *req, struct ctx *c, const char *gid, time_t now)
{
	char	 key[64];
	long	 ttl = c->p.cfg->refresh_token_ttl;

	if (ttl < SG_TTL_ONLINE_REFRESH)
		ttl = SG_TTL_ONLINE_REFRESH;
	snprintf(key, sizeof(key), "revoked:%s", gid);
	if (sg_ledger_add(c->p.ledger, req, key, now + ttl, now) ==
	    SG_LEDGER_UNAVAILABLE)
		sg_log(req, SG_LOG_ERR, "could not record revocation of %s",
		    gid);
	sg_log(req, SG_LOG_WARN, "grant %s revoked", gid);
}

static void
put_str(json_object *o, const char *k, const char *v)
{
	if (v != NULL)
		json_object_object_add(o, k, json_object_new_string(v));
}

/*
 * The token answer (RFC 6749 §5.1; SMART App Launch "token response"):
 * the access token with scope = what the access token carries, the
 * launch context, an id_token with openid, a refresh token with
 * offline_access or online_access (rotated; scope of the grant).
 */
static void
answer(struct sg_request *req, struct ctx *c, const struct sg_client *client,
    struct sg_grant *g, const char *at_scope, time_t now)
{
	const struct sg_config	*cfg = c->p.cfg;
	struct sg_scopes	 s, gs;
	struct sg_grant		 at = *g;
	json_object		*o = json_object_new_object();
	char			*access = NULL, *id = NULL, *refresh = NULL;

	memset(&s, 0, sizeof(s));
	memset(&gs, 0, sizeof(gs));
	sg_scopes_parse(at_scope, &s);
	sg_scopes_parse(g->scope, &gs);
	/* The access token carries the (possibly narrowed) scope. */
	at.scope = sg_scopes_string(&s);
	access = sg_grant_access_token(cfg, c->p.keys, &at, now,
	    cfg->access_token_ttl);
	if (sg_scopes_has(&s, SG_SCOPE_OPENID) && g->sub != NULL)
		id = sg_grant_id_token(cfg, c->p.keys, &at, now,
		    cfg->access_token_ttl);
	free(at.scope);
	/* The refresh token keeps the grant's scope (RFC 6749 §6). */
	if ((sg_scopes_has(&gs, SG_SCOPE_OFFLINE_ACCESS) ||
	    sg_scopes_has(&gs, SG_SCOPE_ONLINE_ACCESS)) &&
	    sg_client_grant_ok(client, SG_GRANT_REFRESH) && g->grant_exp > now)
		refresh = sg_grant_seal(c->p.keys, SG_PURPOSE_REFRESH, g,
		    g->grant_exp);
	if (access == NULL) {
		oauth_error(req, c, SG_E_INTERNAL, NULL);
		goto out;
	}
	put_str(o, "access_token", access);
	put_str(o, "token_type", "Bearer");
	json_object_object_add(o, "expires_in",
	    json_object_new_int64(cfg->access_token_ttl));
	put_str(o, "scope", at_scope);
	put_str(o, "id_token", id);
	put_str(o, "refresh_token", refresh);
	put_str(o, "patient", g->ctx.patient);
	put_str(o, "encounter", g->ctx.encounter);
	if (g->ctx.fhir_context != NULL)
		json_object_object_add(o, "fhirContext",
		    json_object_get(g->ctx.fhir_context));
	put_str(o, "intent", g->ctx.intent);
	if (g->ctx.need_patient_banner >= 0)
		json_object_object_add(o, "need_patient_banner",
		    json_object_new_boolean(g->ctx.need_patient_banner));
	put_str(o, "smart_style_url", g->ctx.smart_style_url);
	sg_resp_header(req, "Cache-Control", "no-store");
	sg_resp_header(req, "Pragma", "no-cache");
	sg_resp_json(req, 200, "application/json", o);
	sg_log(req, SG_LOG_INFO, "issued tokens client=%s gid=%s",
	    client->client_id, g->gid);
out:
	json_object_put(o);
	free(access);
	free(id);
	free(refresh);
	sg_scopes_free(&s);
	sg_scopes_free(&gs);
}

/* RFC 6749 §4.1.3, RFC 7636 §4.6. */
static void
code_grant(struct sg_request *req, struct ctx *c,
    const struct sg_client *client, struct sg_form *f)
{
	const struct sg_config	*cfg = c->p.cfg;
	struct sg_grant		 g;
	enum sg_status		 st;
	char			 jti[23], key[64];
	time_t			 now = time(NULL);

	memset(&g, 0, sizeof(g));
	if (f->value[P_CODE] == NULL) {
		oauth_error(req, c, SG_E_BAD_REQUEST, "code is required");
		return;
	}
	if (sg_grant_open(c->p.keys, SG_PURPOSE_CODE, now, f->value[P_CODE],
	    &g, jti) != SG_SEAL_OK) {
		oauth_error(req, c, SG_E_INVALID_GRANT,
		    "the code is invalid or expired");
		return;
	}
	if (strcmp(g.client_id, client->client_id) != 0) {
		sg_log(req, SG_LOG_WARN, "code of %s presented by %s",
		    g.client_id, client->client_id);
		oauth_error(req, c, SG_E_INVALID_GRANT,
		    "the code was not issued to this client");
		goto out;
	}
	if (f->value[P_REDIRECT_URI] == NULL ||
	    strcmp(f->value[P_REDIRECT_URI], g.redirect_uri) != 0) {
		oauth_error(req, c, SG_E_INVALID_GRANT,
		    "redirect_uri differs from the authorization request");
		goto out;
	}
	if (f->value[P_VERIFIER] == NULL ||
	    !sg_oauth_verifier_ok(f->value[P_VERIFIER]) ||
	    !sg_oauth_pkce_match(f->value[P_VERIFIER], g.code_challenge)) {
		oauth_error(req, c, SG_E_INVALID_GRANT,
		    "code_verifier does not match the code_challenge");
		goto out;
	}
	/* Single use, checked last so a bad attempt cannot burn a code. */
	snprintf(key, sizeof(key), "code:%s", jti);
	st = ledger_status(sg_ledger_add(c->p.ledger, req, key,
	    now + cfg->code_ttl + 60, now));
	if (st == SG_E_INVALID_GRANT) {
		/* RFC 6749 §4.1.2: a replayed code revokes its grant. */
		revoke(req, c, g.gid, now);
		oauth_error(req, c, st, "the code was already used");
		goto out;
	} else if (st != SG_OK) {
		oauth_error(req, c, st, NULL);
		goto out;
	}
	g.grant_exp = now + (g.offline ? cfg->refresh_token_ttl :
	    SG_TTL_ONLINE_REFRESH);
	answer(req, c, client, &g, g.scope, now);
out:
	sg_grant_clear(&g);
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

/* RFC 6749 §6, OAuth 2.0 Security BCP §4.14 (rotation, reuse detection). */
static void
refresh_grant(struct sg_request *req, struct ctx *c,
    const struct sg_client *client, struct sg_form *f)
{
	struct sg_grant		 g;
	struct sg_scopes	 want, have;
	enum sg_status		 st;
	char			 jti[23], key[64], *narrowed = NULL;
	time_t			 now = time(NULL);

	memset(&g, 0, sizeof(g));
	memset(&want, 0, sizeof(want));
	memset(&have, 0, sizeof(have));
	if (f->value[P_REFRESH] == NULL) {
		oauth_error(req, c, SG_E_BAD_REQUEST,
		    "refresh_token is required");
		return;
	}
	if (sg_grant_open(c->p.keys, SG_PURPOSE_REFRESH, now,
	    f->value[P_REFRESH], &g, jti) != SG_SEAL_OK) {
		oauth_error(req, c, SG_E_INVALID_GRANT,
		    "the refresh token is invalid or expired");
		return;
	}
	if (strcmp(g.client_id, client->client_id) != 0) {
		oauth_error(req, c, SG_E_INVALID_GRANT,
		    "the refresh token was not issued to this client");
		goto out;
	}
	snprintf(key, sizeof(key), "revoked:%s", g.gid);
	st = ledger_status(sg_ledger_has(c->p.ledger, req, key, now));
	if (st != SG_OK) {
		oauth_error(req, c, st, st == SG_E_INVALID_GRANT ?
		    "the grant was revoked" : NULL);
		goto out;
	}
	/* Narrowing is allowed, widening never (RFC 6749 §6). */
	sg_scopes_parse(g.scope, &have);
	if (f->value[P_SCOPE] != NULL) {
		sg_scopes_parse(f->value[P_SCOPE], &want);
		if (want.n == 0 || !all_scopes_parse(f->value[P_SCOPE]) ||
		    !scopes_within(&want, &have)) {
			oauth_error(req, c, SG_E_INVALID_SCOPE,
			    "the scope may only narrow the original grant");
			goto out;
		}
		narrowed = sg_scopes_string(&want);
	}
	snprintf(key, sizeof(key), "rt:%s", jti);
	st = ledger_status(sg_ledger_add(c->p.ledger, req, key,
	    g.grant_exp > now ? g.grant_exp : now + 60, now));
	if (st == SG_E_INVALID_GRANT) {
		/* A rotated token came back: someone has a copy. */
		revoke(req, c, g.gid, now);
		oauth_error(req, c, st, "the refresh token was already used; "
		    "the grant is revoked");
		goto out;
	} else if (st != SG_OK) {
		oauth_error(req, c, st, NULL);
		goto out;
	}
	answer(req, c, client, &g, narrowed != NULL ? narrowed : g.scope,
	    now);
out:
	free(narrowed);
	sg_scopes_free(&want);
	sg_scopes_free(&have);
	sg_grant_clear(&g);
}

/* Browsers may call us from the origin of a public client's redirect URI. */
static int
public_origin(const struct sg_clients *reg, const char *origin)
{
	const struct sg_client	*cl;
	char			*o;
	size_t			 i, j;
	int			 match = 0;

	if (origin == NULL || reg == NULL)
		return 0;
	for (i = 0; i < reg->nclients && !match; i++) {
		cl = &reg->clients[i];
		if (cl->auth_method != SG_AUTH_NONE)
			continue;
		for (j = 0; j < cl->nredirect_uris && !match; j++) {
			if ((o = sg_url_origin(cl->redirect_uris[j])) == NULL)
				continue;
			match = strcmp(o, origin) == 0;
			free(o);
		}
	}
	return match;
}

static enum sg_status
serve(struct sg_request *req, void *arg, struct sg_form *f,
    struct sg_reply *r)
{
	struct ctx			*c = arg;
	const struct sg_client		*client = NULL;
	struct sg_clientauth_in		 in;
	enum sg_status			 st;
	const char			*why = NULL, *gt;

	in.client_id = f->value[P_CLIENT_ID];
	in.client_secret = f->value[P_CLIENT_SECRET];
	in.assertion_type = f->value[P_ASSERTION_TYPE];
	in.assertion = f->value[P_ASSERTION];
	if ((st = sg_clientauth_check(c->auth, req, c->p.clients,
	    c->p.ledger, c->token_url, time(NULL), &in, &client, &why)) !=
	    SG_OK) {
		r->desc = why;
		return st;
	}
	gt = f->value[P_GRANT_TYPE];
	if (gt != NULL && strcmp(gt, "authorization_code") == 0 &&
	    sg_client_grant_ok(client, SG_GRANT_CODE))
		code_grant(req, c, client, f);
	else if (gt != NULL && strcmp(gt, "refresh_token") == 0 &&
	    sg_client_grant_ok(client, SG_GRANT_REFRESH))
		refresh_grant(req, c, client, f);
	else if (gt == NULL)
		oauth_error(req, c, SG_E_BAD_REQUEST, "grant_type is required");
	else if (strcmp(gt, "authorization_code") == 0 ||
	    strcmp(gt, "refresh_token") == 0)
		oauth_error(req, c, SG_E_UNAUTHORIZED_CLIENT, NULL);
	else
		oauth_error(req, c, SG_E_UNSUPPORTED_GRANT, NULL);
	return SG_OK;
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
	.cors_origin = public_origin,
	.handler = serve,
};

int
main(void)
{
	struct ctx		 c;
	int			 rc = 1;

	memset(&c, 0, sizeof(c));
	if (sg_proc_load(&c.p, "token", SG_NEED_CLIENTS | SG_NEED_LEDGER) ==
	    -1)
		return 1;
	/* Clients' jwks_uri are on the public web: the system's CAs. */
	if ((c.auth = sg_clientauth_new(c.p.cfg->upstream_timeout_ms,
	    NULL)) == NULL)
		goto out;
	c.token_url = sg_proc_auth_url(&c.p, SG_PATH_TOKEN);
	if (sg_proc_serve(&c.p, &endpoint, &c) == 0)
		rc = 0;
out:
	free(c.token_url);
	sg_clientauth_free(c.auth);
	sg_proc_free(&c.p);
	return rc;
}
