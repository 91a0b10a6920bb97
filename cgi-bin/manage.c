/*
 * manage: the connected-apps page (SMART App Launch 2.2 "conformance",
 * management_endpoint: where a user sees which apps have access and
 * changes that).  A signed-in user sees the live grants they gave
 * (grant.h, recorded by the token endpoint), each with the app's name,
 * what it may see in the consent page's words, the patient, offline or
 * online access, since and until when, and revokes any of them with
 * one button: a POST form carrying the session's CSRF token, answered
 * with a 303 back to the page (no JavaScript).  The form contract is in
 * templates/manage.cs.
 *
 * Signing in (session.h): without a session, GET sends the browser to
 * the identity provider with a login transaction of its own; the
 * callback starts the session.  With "login remote_user" Apache has
 * authenticated the user, and the session only carries the CSRF token.
 * A user is identified as grants record it: the provider's sub, or
 * REMOTE_USER.  Only the user's own grants are shown or revoked.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ClearSilver.h>
#include <openssl/crypto.h>

#include "bounds.h"
#include "clients.h"
#include "config.h"
#include "cookie.h"
#include "discovery.h"
#include "form.h"
#include "grant.h"
#include "identity.h"
#include "ledger.h"
#include "log.h"
#include "mem.h"
#include "oauth.h"
#include "oidc.h"
#include "proc.h"
#include "request.h"
#include "response.h"
#include "scope.h"
#include "session.h"
#include "tmpl.h"
#include "url.h"

/* POST: csrf, action (revoke, signout), grant; GET: done (after revoke). */
enum { F_CSRF, F_ACTION, F_GRANT, F_DONE, F__MAX };
static const struct sg_param params[F__MAX] = {
	[F_CSRF] = { "csrf", SG_CSRF_LEN, sg_check_token, 0, 0 },
	[F_ACTION] = { "action", SG_MAX_KEYWORD, sg_check_token, 0, 0 },
	[F_GRANT] = { "grant", SG_GRANT_ID_LEN, sg_check_token, 0, 0 },
	[F_DONE] = { "done", SG_MAX_KEYWORD, sg_check_token, 0, 0 },
};

/* The session cookie's Path: the page's own (RFC 6265 §5.2.4). */
static const char *
cookie_path(const struct sg_proc *p)
{
	return sg_url_path(p->manage_url);
}

static void
set(HDF *hdf, const char *value, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* hdf_set_value on a name built from constants and loop indexes only. */
static void
set(HDF *hdf, const char *value, const char *fmt, ...)
{
	char	 name[128];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	if (hdf_set_value(hdf, name, value) != STATUS_OK)
		abort();	/* only out of memory */
}

/* "2026-12-07 06:31 UTC", or "" for no time. */
static void
when(time_t t, char *buf, size_t len)
{
	struct tm	 tm;

	if (t <= 0 || gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		buf[0] = '\0';
}

/* The page being built: one entry per live grant of the user. */
struct listing {
	struct sg_proc		*p;
	const struct sg_request	*req;
	const struct sg_session	*s;
	HDF			*hdf;
	time_t			 now;
	size_t			 n;
	int			 failed;	/* the ledger failed */
};

/* sg_grant_list() callback: one of the user's grants on the page. */
static int
list_one(const struct sg_grant_info *gi, void *arg)
{
	struct listing		*ls = arg;
	const struct sg_client	*client;
	struct sg_scopes	 scopes;
	const char		*self;
	char			 buf[SG_SCOPE_DESCRIBE_MAX];
	size_t			 i, k;
	int			 flags = 0;

	switch (sg_grant_revoked(ls->p->ledger, ls->req, gi->gid,
	    ls->now)) {
	case SG_LEDGER_OK:
		break;
	case SG_LEDGER_EXISTS:
		return 0;	/* revoked: gone from the page */
	default:
		ls->failed = 1;
		return 1;
	}
	client = gi->client_id != NULL ?
	    sg_clients_find(ls->p->clients, gi->client_id) : NULL;
	set(ls->hdf, gi->gid, "Apps.%zu.Grant", ls->n);
	set(ls->hdf, client != NULL && client->client_name != NULL ?
	    client->client_name : gi->client_id != NULL ? gi->client_id :
	    "An application", "Apps.%zu.Name", ls->n);
	if (gi->client_id != NULL)
		set(ls->hdf, gi->client_id, "Apps.%zu.ClientId", ls->n);
	if (gi->patient != NULL)
		set(ls->hdf, gi->patient, "Apps.%zu.Patient", ls->n);
	set(ls->hdf, gi->offline ? "offline" : "online", "Apps.%zu.Access",
	    ls->n);
	when(gi->since, buf, sizeof(buf));
	set(ls->hdf, buf, "Apps.%zu.Since", ls->n);
	when(gi->until, buf, sizeof(buf));
	set(ls->hdf, buf, "Apps.%zu.Until", ls->n);
	/*
	 * The scopes in the consent page's words; a patient's scopes read
	 * "your …" only when the patient is the user.
	 */
	self = ls->s->fhir_user != NULL ?
	    sg_identity_patient(ls->s->fhir_user) : NULL;
	if (gi->patient != NULL && (self == NULL ||
	    strcmp(self, gi->patient) != 0))
		flags = SG_DESCRIBE_CHOSEN_PATIENT;
	sg_scopes_parse(gi->scope, &scopes);
	for (i = 0, k = 0; i < scopes.n; i++) {
		switch (scopes.v[i].kind) {
		case SG_SCOPE_LAUNCH:
		case SG_SCOPE_LAUNCH_PATIENT:
		case SG_SCOPE_LAUNCH_ENCOUNTER:
		case SG_SCOPE_OFFLINE_ACCESS:
		case SG_SCOPE_ONLINE_ACCESS:
			continue;	/* context and Access, not a permission */
		default:
			break;
		}
		set(ls->hdf, sg_scope_describe_ex(&scopes.v[i], flags, buf,
		    sizeof(buf)), "Apps.%zu.Scopes.%zu", ls->n, k);
		k++;
	}
	if (gi->scope == NULL)
		set(ls->hdf, "(not recorded)", "Apps.%zu.Scopes.0", ls->n);
	sg_scopes_free(&scopes);
	ls->n++;
	return 0;
}

/* A data tree with the user and the forms' token. */
static HDF *
page_hdf(struct sg_request *req, struct sg_proc *p, const struct sg_session *s)
{
	HDF	*hdf;

	if ((hdf = sg_tmpl_hdf(p->cfg, req->id)) == NULL)
		return NULL;
	set(hdf, "Connected apps", "Page.Title");
	set(hdf, p->manage_url, "Manage.Action");
	if (s != NULL) {
		set(hdf, s->csrf, "Manage.Csrf");
		set(hdf, s->name != NULL ? s->name : s->sub, "User.Name");
		if (s->fhir_user != NULL)
			set(hdf, s->fhir_user, "User.FhirUser");
	}
	return hdf;
}

static enum sg_status
send_page(struct sg_request *req, struct sg_proc *p, HDF *hdf)
{
	enum sg_status	 st = SG_OK;

	sg_resp_header(req, "Cache-Control", "no-store");
	if (sg_resp_page(req, p->cfg, 200, hdf, "manage.cs", NULL) == -1)
		st = SG_E_INTERNAL;
	hdf_destroy(&hdf);
	return st;
}

/* GET with a session: the user's apps. */
static enum sg_status
show(struct sg_request *req, struct sg_proc *p, const struct sg_session *s,
    struct sg_form *f, struct sg_reply *r)
{
	struct listing	 ls;
	HDF		*hdf;

	if ((hdf = page_hdf(req, p, s)) == NULL)
		return SG_E_INTERNAL;
	memset(&ls, 0, sizeof(ls));
	ls.p = p;
	ls.req = req;
	ls.s = s;
	ls.hdf = hdf;
	ls.now = time(NULL);
	if (sg_grant_list(p->ledger, req, ls.now, NULL, s->sub, list_one,
	    &ls) != SG_LEDGER_OK || ls.failed) {
		hdf_destroy(&hdf);
		r->desc = "Your apps cannot be listed right now. Try again in "
		    "a moment.";
		return SG_E_UNAVAILABLE;
	}
	if (f->value[F_DONE] != NULL && strcmp(f->value[F_DONE],
	    "revoked") == 0)
		set(hdf, "1", "Manage.Revoked");
	return send_page(req, p, hdf);
}

/* sg_grant_find() callback: whose the grant is. */
static int
owner_of(const struct sg_grant_info *gi, void *arg)
{
	char	**owner = arg;

	if (gi->sub != NULL)
		*owner = sg_xstrdup(gi->sub);
	return 0;
}

/*
 * POST action=revoke: the user's own grant only.  A grant id that is
 * not theirs, unknown or expired gets the same answer: nothing tells
 * whether someone else's grant exists.
 */
static enum sg_status
revoke(struct sg_request *req, struct sg_proc *p, const struct sg_session *s,
    struct sg_form *f, struct sg_reply *r)
{
	const char		*gid = f->value[F_GRANT];
	char			*owner = NULL, *done;
	enum sg_ledger_result	 lr;
	time_t			 now = time(NULL);

	if (gid == NULL || !sg_grant_id_ok(gid)) {
		r->desc = "Choose an app to remove.";
		return SG_E_BAD_REQUEST;
	}
	lr = sg_grant_find(p->ledger, req, now, gid, owner_of, &owner);
	if (lr == SG_LEDGER_UNAVAILABLE) {
		r->desc = "The app's access cannot be removed right now. Try "
		    "again in a moment.";
		return SG_E_UNAVAILABLE;
	}
	if (owner == NULL || strcmp(owner, s->sub) != 0) {
		free(owner);
		sg_log(req, SG_LOG_WARN, "manage: grant %s is not the "
		    "user's", gid);
		r->desc = "This app is not among yours, or its access has "
		    "already ended.";
		return SG_E_NOT_FOUND;
	}
	free(owner);
	if (sg_grant_revoke(p->ledger, req, gid,
	    sg_grant_revoke_ttl(p->cfg), now) != 0) {
		r->desc = "The app's access cannot be removed right now. Try "
		    "again in a moment.";
		return SG_E_UNAVAILABLE;
	}
	sg_log(req, SG_LOG_INFO, "manage: the user revoked grant %s", gid);
	/* Post/Redirect/Get: a reload does not post again. */
	sg_resp_header(req, "Cache-Control", "no-store");
	done = sg_xconcat(p->manage_url, "?done=revoked");
	sg_resp_redirect(req, 303, done);
	free(done);
	return SG_OK;
}

/* POST action=signout: the session ends here (not at the provider). */
static enum sg_status
signout(struct sg_request *req, struct sg_proc *p)
{
	HDF	*hdf;

	sg_cookie_clear_at(req, p->cfg, SG_SESSION_COOKIE, cookie_path(p));
	if ((hdf = page_hdf(req, p, NULL)) == NULL)
		return SG_E_INTERNAL;
	set(hdf, "1", "Manage.SignedOut");
	set(hdf, "Signed out", "Page.Title");
	return send_page(req, p, hdf);
}

/* No session, OpenID Connect: off to the provider to sign in. */
static enum sg_status
login(struct sg_request *req, struct sg_proc *p, struct sg_reply *r)
{
	const struct sg_config	*cfg = p->cfg;
	struct sg_session_login	 l;
	enum sg_status		 st;
	char			*sealed = NULL, *url = NULL, challenge[44];
	time_t			 now = time(NULL);

	sg_session_login_init(&l);
	sg_oauth_pkce_challenge(l.idp_verifier, challenge);
	st = sg_oidc_login_url(p->oidc, req, p->callback_url, l.idp_state,
	    l.idp_nonce, challenge, &url);
	if (st != SG_OK) {
		r->desc = "The identity provider cannot be reached. Try again "
		    "in a moment.";
		st = SG_E_UNAVAILABLE;
		goto out;
	}
	if ((sealed = sg_session_login_seal(p->keys, &l, now +
	    cfg->transaction_ttl)) == NULL ||
	    sg_cookie_set(req, cfg, SG_SESSION_LOGIN_COOKIE, sealed,
	    cfg->transaction_ttl) == -1) {
		st = SG_E_INTERNAL;
		goto out;
	}
	sg_resp_header(req, "Cache-Control", "no-store");
	sg_resp_redirect(req, 302, url);
out:
	OPENSSL_cleanse(&l, sizeof(l));
	free(sealed);
	free(url);
	return st;
}

/*
 * The session of this request, in s: 1 when there is one (for the
 * Apache user, with login remote_user), else 0.
 */
static int
session(struct sg_request *req, struct sg_proc *p, const char *remote_user,
    struct sg_session *s)
{
	char	*cookie;
	int	 ok;

	memset(s, 0, sizeof(*s));
	if ((cookie = sg_cookie_get_at(req, p->cfg, SG_SESSION_COOKIE,
	    cookie_path(p))) == NULL)
		return 0;
	ok = sg_session_open(p->keys, time(NULL), cookie, s) ==
	    SG_SEAL_OK && (remote_user == NULL ||
	    strcmp(s->sub, remote_user) == 0);
	free(cookie);
	if (!ok)
		sg_session_clear(s);
	return ok;
}

static enum sg_status
manage(struct sg_request *req, struct sg_proc *p, struct sg_form *f,
    struct sg_session *s, struct sg_reply *r)
{
	const struct sg_config	*cfg = p->cfg;
	const char		*user = NULL, *action;
	int			 post = strcmp(req->method, "POST") == 0;

	if (strcmp(cfg->ledger, "none") == 0) {
		r->desc = "This server keeps no record of the apps you "
		    "authorized (ledger none).";
		return SG_E_NOT_FOUND;
	}
	if (strcmp(cfg->login, "remote_user") == 0) {
		/* Apache authenticated the user (any auth module). */
		user = sg_request_env(req, "REMOTE_USER");
		if (user == NULL || *user == '\0') {
			sg_log(req, SG_LOG_ERR, "Apache authenticated no user: "
			    "protect the manage address with an "
			    "authentication module");
			r->desc = "The server cannot identify you.";
			return SG_E_INTERNAL;
		}
	}
	if (!session(req, p, user, s)) {
		if (post) {
			/* A form from no session of ours: nothing is done. */
			sg_log(req, SG_LOG_WARN, "manage: POST without a "
			    "session");
			r->desc = "Your session has ended. Open the page again "
			    "and sign in.";
			return SG_E_ACCESS_DENIED;
		}
		if (user == NULL)
			return login(req, p, r);
		s->sub = sg_xstrdup(user);
		s->fhir_user = sg_identity_fhir_user(p->identity, user, NULL);
		if (sg_session_start(req, cfg, p->keys, cookie_path(p), s,
		    time(NULL)) == -1)
			return SG_E_INTERNAL;
	}
	if (!post)
		return show(req, p, s, f, r);
	/* The form's token is bound to this browser's session. */
	if (!sg_session_csrf_ok(s, f->value[F_CSRF], f->len[F_CSRF])) {
		sg_log(req, SG_LOG_WARN, "manage: CSRF token mismatch");
		r->desc = "This form is not from your session. Open the page "
		    "again.";
		return SG_E_ACCESS_DENIED;
	}
	action = f->value[F_ACTION];
	if (action != NULL && strcmp(action, "revoke") == 0)
		return revoke(req, p, s, f, r);
	if (action != NULL && strcmp(action, "signout") == 0)
		return signout(req, p);
	r->desc = "Choose what to do.";
	return SG_E_BAD_REQUEST;
}

static enum sg_status
serve(struct sg_request *req, void *arg, struct sg_form *f,
    struct sg_reply *r)
{
	struct sg_session	 s;
	enum sg_status		 st;

	memset(&s, 0, sizeof(s));
	st = manage(req, arg, f, &s, r);
	sg_session_clear(&s);
	return st;
}

static const struct sg_endpoint endpoint = {
	.methods = "GET, POST",
	.shape = SG_SHAPE_HTML,
	.params = params,
	.nparams = F__MAX,
	.post_type = SG_FORM_TYPE,
	.flags = SG_EP_RELOAD,
	.handler = serve,
};

int
main(void)
{
	return sg_proc_main("manage", SG_NEED_CLIENTS | SG_NEED_IDENTITY |
	    SG_NEED_LEDGER | SG_NEED_OIDC | SG_SEAL_ONLY, &endpoint);
}
