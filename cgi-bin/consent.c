/*
 * consent: the page on which the user sees what the app asks for and
 * decides (SMART App Launch 2.2 "app-launch"; the form contract is in
 * templates/consent.cs).  GET shows the page (with ?q= a patient
 * search for the picker); POST takes the decision, issues the
 * authorization code and sends the browser back to the app.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ClearSilver.h>
#include <json-c/json.h>
#include <openssl/crypto.h>

#include "bounds.h"
#include "clients.h"
#include "config.h"
#include "cookie.h"
#include "discovery.h"
#include "form.h"
#include "grant.h"
#include "http.h"
#include "identity.h"
#include "json.h"
#include "ledger.h"
#include "log.h"
#include "mem.h"
#include "oauth.h"
#include "proc.h"
#include "request.h"
#include "response.h"
#include "scope.h"
#include "tmpl.h"
#include "txn.h"
#include "url.h"

/* SG_MAX_PICKER as a string literal, the _count sent upstream. */
#define STR(x)		XSTR(x)
#define XSTR(x)		#x
#define PICKER_COUNT	STR(SG_MAX_PICKER)

/* POST: the decision (templates/consent.cs); GET: the picker's search. */
enum { F_CSRF, F_SCOPE, F_PATIENT, F_DECISION, F_Q, F__MAX };
static const struct sg_param params[F__MAX] = {
	[F_CSRF] = { "csrf", SG_CSRF_LEN, sg_check_token, 0, 0 },
	[F_SCOPE] = { "scope", SG_MAX_SCOPE_FORM, sg_check_token, 0, 1 },
	/* Not a FHIR id: the page comes back asking for a patient. */
	[F_PATIENT] = { "patient", SG_MAX_FHIR_ID, sg_check_token, 0, 0 },
	[F_DECISION] = { "decision", SG_MAX_KEYWORD, sg_check_token, 0, 0 },
	[F_Q] = { "q", SG_MAX_PICKER_QUERY, sg_check_text, 0, 0 },
};

static void
page_error(struct sg_request *req, struct sg_proc *p, enum sg_status st,
    const char *msg)
{
	sg_resp_error(req, p->cfg, st, SG_SHAPE_HTML, msg);
}

/*
 * A practitioner launching standalone with launch/patient picks one;
 * nobody else may search the hospital's patients.
 */
static int
needs_picker(const struct sg_txn *t, const struct sg_scopes *offered)
{
	return t->ctx.patient == NULL &&
	    (strncmp(t->fhir_user, "Practitioner/", 13) == 0 ||
	    strncmp(t->fhir_user, "PractitionerRole/", 17) == 0) &&
	    sg_scopes_has(offered, SG_SCOPE_LAUNCH_PATIENT);
}

/*
 * What this user may be asked for (SMART App Launch
 * "scopes-and-launch-context"): never system/ scopes (no user's to
 * give), no user/ scopes for a patient (they reach past the patient's
 * own record), no launch/encounter without an encounter in context.
 */
static void
offered_scopes(const struct sg_txn *t, struct sg_scopes *out)
{
	struct sg_scopes	 all;
	const struct sg_scope	*sc;
	size_t			 i;

	sg_scopes_parse(t->scope, &all);
	memset(out, 0, sizeof(*out));
	for (i = 0; i < all.n; i++) {
		sc = &all.v[i];
		if (sc->ctx == SG_CTX_SYSTEM || (sc->ctx == SG_CTX_USER &&
		    sg_identity_patient(t->fhir_user) != NULL) ||
		    (sc->kind == SG_SCOPE_LAUNCH_ENCOUNTER &&
		    t->ctx.encounter == NULL))
			continue;
		sg_scopes_add(out, sc);
	}
	sg_scopes_free(&all);
}

/*
 * A decision is taken once, whatever it is: the transaction's CSRF
 * token goes into the ledger, so a replayed form (the cookie is only
 * cleared in the browser) gets nothing, and an answer already sent to
 * the app (a code, or an error with its state: RFC 6749 §4.1.2.1) is
 * the only one.  The cookie goes in every case.  Returns SG_OK, or the
 * page was sent.
 */
static enum sg_status
decided(struct sg_request *req, struct sg_proc *p, const struct sg_txn *t)
{
	char			 key[32];
	enum sg_ledger_result	 r;
	time_t			 now = time(NULL);

	snprintf(key, sizeof(key), SG_LEDGER_NS_CONSENT "%s", t->csrf);
	r = sg_ledger_add(p->ledger, req, key, now +
	    p->cfg->transaction_ttl, now);
	sg_cookie_clear(req, p->cfg, "sg_tx");
	if (r == SG_LEDGER_OK)
		return SG_OK;
	page_error(req, p, r == SG_LEDGER_EXISTS ? SG_E_BAD_REQUEST :
	    SG_E_UNAVAILABLE, r == SG_LEDGER_EXISTS ? "This decision was "
	    "already taken. Go back to the application and start again." :
	    NULL);
	return r == SG_LEDGER_EXISTS ? SG_E_BAD_REQUEST : SG_E_UNAVAILABLE;
}

/*
 * A terminal error for the app, with its state (RFC 6749 §4.1.2.1),
 * once the decision is recorded (decided()).
 */
static void
refuse(struct sg_request *req, struct sg_proc *p, const struct sg_txn *t,
    enum sg_status st, const char *desc)
{
	if (decided(req, p, t) != SG_OK)
		return;
	sg_oauth_redirect_error(req, p->cfg, t->redirect_uri, st, desc,
	    t->state);
}

static int
is_launch_kind(const struct sg_scope *s)
{
	return s->kind == SG_SCOPE_LAUNCH || s->kind == SG_SCOPE_LAUNCH_PATIENT ||
	    s->kind == SG_SCOPE_LAUNCH_ENCOUNTER;
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
	NEOERR	*err;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	if ((err = hdf_set_value(hdf, name, value)) != STATUS_OK)
		abort();	/* only out of memory */
}

/* "given family" of a Patient resource's first name, or its id. */
static void
patient_name(json_object *res, char *buf, size_t len)
{
	json_object	*names, *n, *v, *given;
	size_t		 i;
	int		 w = 0;

	buf[0] = '\0';
	if (json_object_object_get_ex(res, "name", &names) &&
	    json_object_is_type(names, json_type_array) &&
	    (n = json_object_array_get_idx(names, 0)) != NULL) {
		if (json_object_object_get_ex(n, "given", &given) &&
		    json_object_is_type(given, json_type_array))
			for (i = 0; i < json_object_array_length(given); i++) {
				v = json_object_array_get_idx(given, i);
				if (!json_object_is_type(v, json_type_string))
					continue;
				w += snprintf(buf + w, len - (size_t)w, "%s ",
				    json_object_get_string(v));
				if ((size_t)w >= len)
					return;
			}
		if (json_object_object_get_ex(n, "family", &v) &&
		    json_object_is_type(v, json_type_string))
			snprintf(buf + w, len - (size_t)w, "%s",
			    json_object_get_string(v));
	}
}

/*
 * Searches the upstream for patients by name (the gateway's own
 * credentials) and puts them in Picker.Results.  On failure sets
 * Picker.Error: the page still works without results.
 */
static void
picker(struct sg_request *req, struct sg_proc *p, HDF *hdf, const char *q)
{
	struct sg_http_resp	 resp;
	json_object		*bundle = NULL, *entries, *e, *res, *v;
	const char		*names[] = { "name", "_count" };
	const char		*birth, *gender;
	const char		*values[] = { q, PICKER_COUNT };
	char			*base, *url, name[256], detail[128];
	size_t			 i, n = 0;

	memset(&resp, 0, sizeof(resp));
	set(hdf, "1", "Picker.Show");
	if (q != NULL)
		set(hdf, q, "Picker.Query");
	base = sg_xconcat(p->cfg->upstream_fhir, "/Patient");
	url = sg_url_with_query(base, names, values, 2);
	free(base);
	if (sg_proc_fhir_headers(p, req) != SG_OK ||
	    sg_http_request(p->http, req, "GET", url, p->fhir_headers,
	    NULL, 0,
	    SG_MAX_UPSTREAM_SMALL, &resp) != SG_OK || resp.status != 200) {
		set(hdf, "The patient search is not available right now.",
		    "Picker.Error");
		goto out;
	}
	bundle = sg_json_object(resp.body, resp.len);
	if (bundle == NULL ||
	    !json_object_object_get_ex(bundle, "entry", &entries) ||
	    !json_object_is_type(entries, json_type_array))
		goto out;
	for (i = 0; i < json_object_array_length(entries) && n < SG_MAX_PICKER;
	    i++) {
		e = json_object_array_get_idx(entries, i);
		/* Only what the form would take back (a FHIR id). */
		if (!json_object_object_get_ex(e, "resource", &res) ||
		    !json_object_object_get_ex(res, "id", &v) ||
		    !json_object_is_type(v, json_type_string) ||
		    !sg_identity_id_ok(json_object_get_string(v)))
			continue;
		set(hdf, json_object_get_string(v), "Picker.Results.%zu.Id", n);
		patient_name(res, name, sizeof(name));
		set(hdf, name, "Picker.Results.%zu.Name", n);
		birth = json_object_object_get_ex(res, "birthDate", &v) &&
		    json_object_is_type(v, json_type_string) ?
		    json_object_get_string(v) : "";
		gender = json_object_object_get_ex(res, "gender", &v) &&
		    json_object_is_type(v, json_type_string) ?
		    json_object_get_string(v) : NULL;
		snprintf(detail, sizeof(detail), "%s%s%s", birth,
		    gender != NULL ? ", " : "", gender != NULL ? gender : "");
		set(hdf, detail, "Picker.Results.%zu.Detail", n);
		n++;
	}
out:
	json_object_put(bundle);
	sg_http_resp_free(&resp);
	free(url);
}

/* The page: the app, the user, every offered scope in plain words. */
static void
show(struct sg_request *req, struct sg_proc *p, const struct sg_txn *t,
    const char *q, const char *error)
{
	const struct sg_client	*client;
	const struct sg_category *cats;
	struct sg_scopes	 offered;
	struct sg_scope		 sub;
	HDF			*hdf;
	char			 label[SG_SCOPE_DESCRIBE_MAX], *origin;
	size_t			 i, j, k, ncats;
	int			 flags = 0;

	memset(&offered, 0, sizeof(offered));
	if ((hdf = sg_tmpl_hdf(p->cfg, req->id)) == NULL) {
		page_error(req, p, SG_E_INTERNAL, NULL);
		return;
	}
	client = sg_clients_find(p->clients, t->client_id);
	set(hdf, client != NULL && client->client_name != NULL ?
	    client->client_name : t->client_id, "App.Name");
	if (client != NULL && client->logo_uri != NULL)
		set(hdf, client->logo_uri, "App.Logo");
	set(hdf, t->name != NULL ? t->name : t->sub, "User.Name");
	set(hdf, t->fhir_user, "User.FhirUser");
	set(hdf, p->consent_url, "Form.Action");
	set(hdf, t->csrf, "Form.Csrf");
	set(hdf, "Allow access?", "Page.Title");

	offered_scopes(t, &offered);
	if (needs_picker(t, &offered)) {
		flags = SG_DESCRIBE_CHOSEN_PATIENT;
		picker(req, p, hdf, q);
		if (error != NULL)
			set(hdf, error, "Picker.Error");
	}
	for (i = 0, k = 0; i < offered.n; i++) {
		if (is_launch_kind(&offered.v[i]))
			continue;	/* context, not a permission */
		set(hdf, offered.v[i].text, "Scopes.%zu.Value", k);
		set(hdf, sg_scope_describe_ex(&offered.v[i], flags, label,
		    sizeof(label)), "Scopes.%zu.Label", k);
		set(hdf, "1", "Scopes.%zu.Checked", k);
		cats = offered.v[i].kind == SG_SCOPE_RESOURCE &&
		    offered.v[i].query == NULL ?
		    sg_scope_categories(offered.v[i].type, &ncats) : NULL;
		for (j = 0; cats != NULL && j < ncats; j++) {
			if (sg_scope_with_category(&offered.v[i], &cats[j],
			    &sub) == -1)
				continue;
			set(hdf, sub.text, "Scopes.%zu.Categories.%zu.Value", k,
			    j);
			set(hdf, cats[j].label,
			    "Scopes.%zu.Categories.%zu.Label", k, j);
			sg_scope_free(&sub);
		}
		k++;
	}
	origin = sg_url_origin(t->redirect_uri);
	if (sg_resp_page(req, p->cfg, 200, hdf, "consent.cs", origin) == -1)
		page_error(req, p, SG_E_INTERNAL, NULL);
	free(origin);
	hdf_destroy(&hdf);
	sg_scopes_free(&offered);
}

/*
 * 1 when the upstream has Patient/id (the picker's choice is real).
 * id is a FHIR id (no dot-segment), sent as one path segment.
 */
static int
patient_exists(struct sg_request *req, struct sg_proc *p, const char *id)
{
	struct sg_http_resp	 resp;
	char			*base, *url, *seg;
	int			 ok;

	memset(&resp, 0, sizeof(resp));
	base = sg_xconcat(p->cfg->upstream_fhir, "/Patient/");
	seg = sg_url_encode(id);
	url = sg_xconcat(base, seg);
	free(seg);
	ok = sg_proc_fhir_headers(p, req) == SG_OK &&
	    sg_http_request(p->http, req, "GET", url, p->fhir_headers,
	    NULL, 0,
	    SG_MAX_UPSTREAM_SMALL, &resp) == SG_OK && resp.status == 200;
	sg_http_resp_free(&resp);
	free(base);
	free(url);
	return ok;
}

/* Approve: the code, bound to client, redirect URI and PKCE challenge. */
static void
approve(struct sg_request *req, struct sg_proc *p, struct sg_txn *t,
    struct sg_form *f)
{
	const struct sg_config	*cfg = p->cfg;
	struct sg_scopes	 offered, chosen, granted;
	struct sg_grant		 g;
	const char		*self;
	char			*code = NULL;
	size_t			 i;
	time_t			 now = time(NULL);

	memset(&offered, 0, sizeof(offered));
	memset(&chosen, 0, sizeof(chosen));
	memset(&granted, 0, sizeof(granted));
	memset(&g, 0, sizeof(g));
	g.ctx.need_patient_banner = -1;

	/* The user can only narrow: what was chosen, within what was offered. */
	offered_scopes(t, &offered);
	sg_scopes_parse(f->value[F_SCOPE], &chosen);
	sg_scopes_limit(&chosen, &offered, &granted);
	for (i = 0; i < offered.n; i++)
		if (is_launch_kind(&offered.v[i]))
			sg_scopes_add(&granted, &offered.v[i]);
	if (granted.n == 0 || (!sg_scopes_has(&granted, SG_SCOPE_RESOURCE) &&
	    !sg_scopes_has(&granted, SG_SCOPE_OPENID))) {
		refuse(req, p, t, SG_E_ACCESS_DENIED, "the user allowed nothing");
		goto out;
	}

	/* The patient in context. */
	g.ctx = t->ctx;
	memset(&t->ctx, 0, sizeof(t->ctx));
	t->ctx.need_patient_banner = -1;
	self = sg_identity_patient(t->fhir_user);
	if (self != NULL && g.ctx.patient != NULL &&
	    strcmp(self, g.ctx.patient) != 0) {
		/* A patient never gets another patient's EHR launch. */
		sg_log(req, SG_LOG_WARN, "launch for another patient refused");
		refuse(req, p, t, SG_E_ACCESS_DENIED,
		    "the launch is for another patient");
		goto out;
	}
	if (g.ctx.patient == NULL) {
		if (self != NULL) {
			if (sg_scopes_has_ctx(&granted, SG_CTX_PATIENT) ||
			    sg_scopes_has(&granted, SG_SCOPE_LAUNCH_PATIENT))
				g.ctx.patient = sg_xstrdup(self);
		} else if (needs_picker(t, &offered)) {
			if (f->value[F_PATIENT] == NULL ||
			    !sg_identity_id_ok(f->value[F_PATIENT]) ||
			    !patient_exists(req, p, f->value[F_PATIENT])) {
				show(req, p, t, NULL, "Choose a patient "
				    "before allowing access.");
				goto out;
			}
			g.ctx.patient = sg_xstrdup(f->value[F_PATIENT]);
		}
	}
	if (sg_scopes_has_ctx(&granted, SG_CTX_PATIENT) &&
	    g.ctx.patient == NULL) {
		/* patient/ scopes without a patient cannot be enforced. */
		refuse(req, p, t, SG_E_INVALID_SCOPE, "patient scopes need a "
		    "patient in context: ask for launch/patient");
		goto out;
	}
	if (g.ctx.patient != NULL && g.ctx.need_patient_banner < 0)
		g.ctx.need_patient_banner = 1;
	if (g.ctx.smart_style_url == NULL)
		g.ctx.smart_style_url = sg_xstrdup(p->style_url);

	sg_grant_new_id(&g);
	g.client_id = sg_xstrdup(t->client_id);
	g.scope = sg_scopes_string(&granted);
	g.sub = sg_xstrdup(t->sub);
	g.name = t->name != NULL ? sg_xstrdup(t->name) : NULL;
	g.fhir_user = sg_xstrdup(t->fhir_user);
	g.nonce = t->nonce != NULL ? sg_xstrdup(t->nonce) : NULL;
	g.auth_time = t->auth_time;
	g.redirect_uri = sg_xstrdup(t->redirect_uri);
	g.code_challenge = sg_xstrdup(t->code_challenge);
	g.offline = sg_scopes_has(&granted, SG_SCOPE_OFFLINE_ACCESS);
	if (decided(req, p, t) != SG_OK)
		goto out;
	if ((code = sg_grant_seal(p->keys, SG_PURPOSE_CODE, &g,
	    now + cfg->code_ttl)) == NULL) {
		page_error(req, p, SG_E_INTERNAL, NULL);
		goto out;
	}
	sg_log(req, SG_LOG_INFO, "granted client=%s gid=%s scope=\"%s\"",
	    g.client_id, g.gid, g.scope);
	sg_oauth_redirect_code(req, cfg, t->redirect_uri, code, t->state);
out:
	free(code);
	sg_grant_clear(&g);
	sg_scopes_free(&offered);
	sg_scopes_free(&chosen);
	sg_scopes_free(&granted);
}

static void
decide(struct sg_request *req, struct sg_proc *p, struct sg_txn *t,
    struct sg_form *f)
{
	const char		*d;

	/* The form token is bound to this browser's transaction. */
	if (f->value[F_CSRF] == NULL || f->len[F_CSRF] != 22 ||
	    CRYPTO_memcmp(f->value[F_CSRF], t->csrf, 22) != 0) {
		sg_log(req, SG_LOG_WARN, "consent: CSRF token mismatch");
		page_error(req, p, SG_E_ACCESS_DENIED, "This form is not from "
		    "your session. Go back to the application and start "
		    "again.");
		return;
	}
	d = f->value[F_DECISION];
	if (d != NULL && strcmp(d, "deny") == 0)
		refuse(req, p, t, SG_E_ACCESS_DENIED, "the user denied access");
	else if (d != NULL && strcmp(d, "approve") == 0)
		approve(req, p, t, f);
	else
		page_error(req, p, SG_E_BAD_REQUEST, "Choose Allow or Deny.");
}

static enum sg_status
serve(struct sg_request *req, void *arg, struct sg_form *f,
    struct sg_reply *r)
{
	struct sg_proc		*p = arg;
	const struct sg_config	*cfg = p->cfg;
	struct sg_txn		 t;
	char			*cookie = NULL;
	enum sg_status		 st = SG_OK;
	time_t			 now = time(NULL);

	memset(&t, 0, sizeof(t));
	if ((cookie = sg_cookie_get(req, cfg, "sg_tx")) == NULL ||
	    sg_txn_open(p->keys, now, cookie, &t) != SG_SEAL_OK ||
	    t.stage != SG_TXN_CONSENT) {
		r->desc = "Your sign-in took too long, or this browser blocks "
		    "cookies. Go back to the application and start again.";
		st = SG_E_BAD_REQUEST;
	} else if (strcmp(req->method, "POST") == 0)
		decide(req, p, &t, f);
	else
		show(req, p, &t, f->value[F_Q], NULL);
	sg_txn_clear(&t);
	free(cookie);
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
	return sg_proc_main("consent", SG_NEED_CLIENTS | SG_NEED_LEDGER |
	    SG_NEED_HTTP,
	    &endpoint);
}
