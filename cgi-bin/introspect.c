/*
 * introspect: OAuth 2.0 Token Introspection (RFC 7662) with the SMART
 * App Launch 2.2 "Token Introspection" fields.
 *
 *   POST [auth]/introspect  token=…[&token_type_hint=…]
 *        + client authentication as at the token endpoint
 *   → {"active":true,"scope":…,"client_id":…,"exp":…,…}
 *     or exactly {"active":false}
 *
 * Who may ask (RFC 7662 §2.1 "the endpoint MUST also require some form
 * of authorization"): a client that authenticates (client_secret_basic,
 * client_secret_post or private_key_jwt; a public client cannot, and
 * gets invalid_client), about a token issued to itself; a client
 * registered with "smartgate_introspect": true (a resource server)
 * about any token.  A token of another client is, to the caller,
 * {"active":false}: nothing tells it the token exists (RFC 7662 §4).
 *
 * What an active token shows: scope as in the token answer, client_id,
 * exp, iss, the launch context as issued (patient, encounter,
 * fhirContext), for an access token iat, aud and token_type "Bearer".
 * The user (sub, fhirUser) is shown as the id_token shows it to the
 * app: sub with openid, fhirUser (a full URL) with openid and fhirUser;
 * to a resource server always, as our own proxy sees it.  A refresh
 * token has no token_type (RFC 7662 §2.2 names access token types,
 * RFC 6749 §7.1; a refresh token is none) and no iat or aud; its exp is
 * the end of its grant.  Anything invalid, expired, revoked, rotated
 * away or not ours is {"active":false}.  The ledger unreachable is 503
 * (fail closed: we cannot say the grant was not revoked).
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
#include "log.h"
#include "mem.h"
#include "proc.h"
#include "request.h"
#include "response.h"
#include "scope.h"

enum { P_TOKEN, P_HINT, P_CLIENT, P__MAX = P_CLIENT + SG_CLIENTAUTH_NPARAMS };

static const struct sg_param params[P__MAX] = {
	{ "token", SG_MAX_SEALED, sg_check_token, 0, 0 },
	{ "token_type_hint", SG_MAX_KEYWORD, sg_check_token, 0, 0 },
	SG_CLIENTAUTH_PARAMS,
};

/* The answer: RFC 7662 §2.2, never cached. */
static void
answer(struct sg_request *req, json_object *o)
{
	sg_resp_header(req, "Cache-Control", "no-store");
	sg_resp_header(req, "Pragma", "no-cache");
	sg_resp_json(req, 200, "application/json", o);
}

/* The members of an active token's answer, as described above. */
static void
describe(const struct sg_config *cfg, const struct sg_client *caller,
    const struct sg_token *t, json_object *o)
{
	const struct sg_access	*a = &t->a;
	struct sg_scopes	 s;
	char			*url, *full_url;
	int			 full = caller->introspect;

	memset(&s, 0, sizeof(s));
	sg_scopes_parse(a->scope, &s);
	json_object_object_add(o, "active", json_object_new_boolean(1));
	sg_json_put_str(o, "scope", a->scope);
	sg_json_put_str(o, "client_id", a->client_id);
	if (t->kind == SG_TOKEN_ACCESS)
		sg_json_put_str(o, "token_type", "Bearer");
	json_object_object_add(o, "exp", json_object_new_int64(a->exp));
	if (a->iat != 0)
		json_object_object_add(o, "iat", json_object_new_int64(a->iat));
	sg_json_put_str(o, "iss", cfg->issuer);
	sg_json_put_str(o, "aud", a->aud);
	if (full || sg_scopes_has(&s, SG_SCOPE_OPENID))
		sg_json_put_str(o, "sub", a->sub);
	if (a->fhir_user != NULL && (full ||
	    (sg_scopes_has(&s, SG_SCOPE_OPENID) &&
	    sg_scopes_has(&s, SG_SCOPE_FHIRUSER)))) {
		/* SMART "fhirUser": the URL, as in the id_token. */
		url = sg_xconcat(cfg->fhir_base, "/");
		full_url = sg_xconcat(url, a->fhir_user);
		sg_json_put_str(o, "fhirUser", full_url);
		free(url);
		free(full_url);
	}
	sg_json_put_str(o, "patient", a->ctx.patient);
	sg_json_put_str(o, "encounter", a->ctx.encounter);
	if (a->ctx.fhir_context != NULL)
		json_object_object_add(o, "fhirContext",
		    json_object_get(a->ctx.fhir_context));
	sg_scopes_free(&s);
}

static enum sg_status
serve(struct sg_request *req, void *arg, struct sg_form *f,
    struct sg_reply *r)
{
	struct sg_proc		*p = arg;
	const struct sg_client	*caller = NULL;
	struct sg_clientauth_in	 in;
	struct sg_token		 t;
	json_object		*o;
	enum sg_status		 st;
	const char		*why = NULL, *tok = f->value[P_TOKEN];
	time_t			 now = time(NULL);
	int			 live = 0;

	sg_clientauth_in_form(&in, f, P_CLIENT);
	if ((st = sg_clientauth_check(p->auth, req, p->clients,
	    p->ledger, now, &in, &caller, &why)) != SG_OK) {
		r->desc = why;
		return st;
	}
	/* RFC 7662 §2.1: the caller must authenticate; naming is not. */
	if (caller->auth_method == SG_AUTH_NONE) {
		sg_log(req, SG_LOG_WARN, "introspect: %s is a public client",
		    caller->client_id);
		r->desc = "introspection needs client authentication";
		return SG_E_INVALID_CLIENT;
	}
	if (tok == NULL) {
		r->desc = "token is required";
		return SG_E_BAD_REQUEST;
	}
	/* token_type_hint may be ignored (RFC 7662 §2.1): both are tried. */
	memset(&t, 0, sizeof(t));
	if (sg_token_open(p->keys, now, tok, &t) == SG_SEAL_OK &&
	    (caller->introspect ||
	    strcmp(t.a.client_id, caller->client_id) == 0) &&
	    (live = sg_token_live(p->cfg, p->ledger, req, &t, now)) ==
	    -1) {
		sg_token_clear(&t);
		return SG_E_UNAVAILABLE;
	}
	o = json_object_new_object();
	if (live == 1)
		describe(p->cfg, caller, &t, o);
	else
		json_object_object_add(o, "active",
		    json_object_new_boolean(0));
	answer(req, o);
	sg_log(req, SG_LOG_INFO, "introspect by %s: %s", caller->client_id,
	    live == 1 ? (t.kind == SG_TOKEN_ACCESS ? "active access token" :
	    "active refresh token") : "inactive");
	json_object_put(o);
	sg_token_clear(&t);
	return SG_OK;
}

/* RFC 7662 §2.1: POST with a form body; errors are RFC 6749 §5.2's. */
static const struct sg_endpoint endpoint = {
	.methods = "POST",
	.shape = SG_SHAPE_OAUTH,
	.params = params,
	.nparams = P__MAX,
	.post_type = SG_FORM_TYPE,
	.flags = SG_EP_RELOAD | SG_EP_MEDIA_400,
	.handler = serve,
};

int
main(void)
{
	return sg_proc_main("introspect", SG_NEED_CLIENTAUTH | SG_SEAL_ONLY,
	    &endpoint);
}
