/*
 * revoke: OAuth 2.0 Token Revocation (RFC 7009).
 *
 *   POST [auth]/revoke  token=…[&token_type_hint=…]
 *        + client authentication as at the token endpoint; a public
 *          client names itself with client_id (RFC 7009 §2.1)
 *   → 200, empty body
 *
 * A client revokes its own access or refresh token, and with it the
 * whole grant, at once (RFC 7009 §2.1: "SHOULD also invalidate" the
 * other tokens of the same grant): the ledger records revoked:<gid>
 * for longer than any token of the grant lives, the proxy refuses its
 * access tokens on the next request and refresh fails.  A token that
 * is invalid, expired or unknown is answered 200 all the same
 * (RFC 7009 §2.2: "the client cannot handle such an error in a
 * reasonable way").  A token of another client is refused with
 * invalid_grant (RFC 7009 §2.1: the server "validates whether the token
 * was issued to the client making the revocation request.  If this
 * validation fails, the request is refused"; RFC 6749 §5.2
 * invalid_grant: "issued to another client").  token_type_hint is
 * ignored (RFC 7009 §2.1 allows it): both kinds are tried.  The ledger
 * unreachable is 503 (nothing was revoked: the client must try again).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bounds.h"
#include "clientauth.h"
#include "clients.h"
#include "config.h"
#include "form.h"
#include "grant.h"
#include "log.h"
#include "proc.h"
#include "request.h"
#include "response.h"

enum { P_TOKEN, P_HINT, P_CLIENT, P__MAX = P_CLIENT + SG_CLIENTAUTH_NPARAMS };

static const struct sg_param params[P__MAX] = {
	{ "token", SG_MAX_SEALED, sg_check_token, 0, 0 },
	{ "token_type_hint", SG_MAX_KEYWORD, sg_check_token, 0, 0 },
	SG_CLIENTAUTH_PARAMS,
};

static enum sg_status
serve(struct sg_request *req, void *arg, struct sg_form *f,
    struct sg_reply *r)
{
	struct sg_proc		*p = arg;
	const struct sg_client	*client = NULL;
	struct sg_clientauth_in	 in;
	struct sg_token		 t;
	enum sg_status		 st;
	const char		*why = NULL;
	time_t			 now = time(NULL);

	sg_clientauth_in_form(&in, f, P_CLIENT);
	if ((st = sg_clientauth_check(p->auth, req, p->clients,
	    p->ledger, now, &in, &client, &why)) != SG_OK) {
		r->desc = why;
		return st;
	}
	if (f->value[P_TOKEN] == NULL) {
		r->desc = "token is required";
		return SG_E_BAD_REQUEST;
	}
	memset(&t, 0, sizeof(t));
	if (sg_token_open(p->keys, now, f->value[P_TOKEN], &t) !=
	    SG_SEAL_OK) {
		/* RFC 7009 §2.2: nothing to revoke is still success. */
		sg_log(req, SG_LOG_INFO, "revoke by %s: not a live token of "
		    "ours", client->client_id);
		st = SG_OK;
		goto answer;
	}
	if (strcmp(t.a.client_id, client->client_id) != 0) {
		sg_log(req, SG_LOG_WARN, "revoke: a token of %s presented by "
		    "%s", t.a.client_id, client->client_id);
		r->desc = "the token was not issued to this client";
		st = SG_E_INVALID_GRANT;
		goto out;
	}
	if (sg_grant_revoke(p->ledger, req, t.a.gid,
	    sg_grant_revoke_ttl(p->cfg), now) == -1) {
		st = SG_E_UNAVAILABLE;
		goto out;
	}
	sg_log(req, SG_LOG_INFO, "revoke by %s: grant %s (%s token)",
	    client->client_id, t.a.gid, t.kind == SG_TOKEN_ACCESS ? "access" :
	    "refresh");
	st = SG_OK;
answer:
	sg_resp_header(req, "Cache-Control", "no-store");
	sg_resp_header(req, "Pragma", "no-cache");
	sg_resp_send(req, 200, NULL, "", 0);
out:
	sg_token_clear(&t);
	return st;
}

/* RFC 7009 §2.1: POST with a form body, authenticated as at the token
   endpoint, whose rules for the body it shares. */
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
	return sg_proc_main("revoke", SG_NEED_CLIENTAUTH | SG_SEAL_ONLY,
	    &endpoint);
}
