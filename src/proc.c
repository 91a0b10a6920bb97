/*
 * Program start-up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcgiapp.h>
#include <openssl/crypto.h>

#include "bounds.h"
#include "clientauth.h"
#include "clients.h"
#include "config.h"
#include "discovery.h"
#include "file.h"
#include "form.h"
#include "identity.h"
#include "keys.h"
#include "ledger.h"
#include "log.h"
#include "mem.h"
#include "http.h"
#include "oidc.h"
#include "oauth.h"
#include "proc.h"
#include "request.h"
#include "response.h"
#include "upauth.h"

/*
 * The bearer token the gateway presents to the upstream FHIR server
 * (a file: one line, visible ASCII, readable by nobody else).
 */
static int
upstream_token(struct sg_proc *p, char *err, size_t errlen)
{
	p->fhir_headers[0] = "Accept: application/fhir+json";
	if (sg_proc_upstream_token(p->cfg, &p->upstream_auth, err,
	    errlen) == -1)
		return -1;
	p->fhir_headers[1] = p->upstream_auth;
	return 0;
}

int
sg_proc_upstream_token(const struct sg_config *cfg, char **out, char *err,
    size_t errlen)
{
	char	*text = NULL, *line;
	size_t	 len, i;

	*out = NULL;
	if (cfg->upstream_fhir_token_file == NULL)
		return 0;
	if (sg_file_read(cfg->upstream_fhir_token_file, SG_MAX_KEY_FILE,
	    077, NULL, &text, &len, err, errlen) == -1)
		return -1;
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		text[--len] = '\0';
	for (i = 0; i < len; i++)
		if (text[i] <= 0x20 || text[i] >= 0x7f)
			break;
	if (len == 0 || i < len) {
		snprintf(err, errlen, "%s: upstream_fhir_token_file %s: one "
		    "line of visible ASCII expected", cfg->path,
		    cfg->upstream_fhir_token_file);
		OPENSSL_cleanse(text, len);
		free(text);
		return -1;
	}
	line = sg_xconcat("Authorization: Bearer ", text);
	OPENSSL_cleanse(text, len);
	free(text);
	*out = line;
	return 0;
}

int
sg_proc_load(struct sg_proc *p, const char *program, unsigned need)
{
	char	 err[512], *tok;

	memset(p, 0, sizeof(*p));
	sg_log_init(program);
	if (need & SG_NEED_CLIENTAUTH)
		need |= SG_NEED_CLIENTS | SG_NEED_LEDGER;
	if ((p->cfg = sg_config_from_env()) == NULL)
		return -1;
	/*
	 * The signing keys are checked now (they exist, are not open to
	 * others) and parsed when a request first signs or publishes them
	 * (sg_proc_signing()): under plain CGI most requests do neither
	 * and parsing an RSA key is a good part of a start.  A FastCGI
	 * process parses them now, once: a bad key stops it at start, as
	 * the configuration checker would have said.
	 */
	if ((p->keys = sg_keys_load_deferred(p->cfg->signing_keys,
	    (need & SG_SEAL_ONLY) ? 0 : p->cfg->nsigning_keys,
	    p->cfg->master_key_file, err, sizeof(err))) == NULL)
		goto fail;
	if (!FCGX_IsCGI() &&
	    sg_keys_parse_signing(p->keys, err, sizeof(err)) == -1)
		goto fail;
	if (upstream_token(p, err, sizeof(err)) == -1 ||
	    (p->upauth = sg_upauth_new(p->cfg, p->upstream_auth, err,
	    sizeof(err))) == NULL)
		goto fail;
	if (need & SG_NEED_CLIENTS) {
		if (p->cfg->clients_file == NULL) {
			snprintf(err, sizeof(err), "%s: clients_file: required "
			    "by %s", p->cfg->path, program);
			goto fail;
		}
		if ((p->clients = sg_clients_load(p->cfg->clients_file, err,
		    sizeof(err))) == NULL)
			goto fail;
	}
	if ((need & SG_NEED_LEDGER) &&
	    (p->ledger = sg_ledger_open(p->cfg->ledger, err,
	    sizeof(err))) == NULL)
		goto fail;
	if (p->ledger != NULL)	/* -1 for "none": nothing to size */
		(void)sg_ledger_set_map_size(p->ledger,
		    (size_t)p->cfg->ledger_map_size);
	if (p->ledger != NULL && p->cfg->ledger_password_file != NULL &&
	    sg_ledger_set_password_file(p->ledger,
	    p->cfg->ledger_password_file, err, sizeof(err)) == -1)
		goto fail;
	if ((need & SG_NEED_IDENTITY) &&
	    (p->identity = sg_identity_load(p->cfg->user_map_file,
	    p->cfg->fhir_base, p->cfg->upstream_fhir, err,
	    sizeof(err))) == NULL)
		goto fail;
	/*
	 * Clients' jwks_uri are on the public web: the system's CAs.  A
	 * client assertion names the token endpoint wherever the client
	 * authenticates (introspection and revocation too).
	 */
	if (need & SG_NEED_CLIENTAUTH) {
		tok = sg_proc_auth_url(p, SG_PATH_TOKEN);
		p->auth = sg_clientauth_new(p->cfg->upstream_timeout_ms, NULL,
		    tok);
		free(tok);
		if (p->auth == NULL) {
			snprintf(err, sizeof(err), "client authentication: "
			    "cannot start the HTTP client");
			goto fail;
		}
	}
	if ((need & SG_NEED_OIDC) && strcmp(p->cfg->login, "oidc") == 0 &&
	    (p->oidc = sg_oidc_new(p->cfg, err, sizeof(err))) == NULL)
		goto fail;
	if ((need & SG_NEED_HTTP) && (p->http = sg_http_new(
	    p->cfg->upstream_timeout_ms, p->cfg->upstream_ca_file)) == NULL) {
		snprintf(err, sizeof(err), "cannot start the HTTP client");
		goto fail;
	}
	p->callback_url = sg_proc_auth_url(p, SG_PATH_CALLBACK);
	p->consent_url = sg_proc_auth_url(p, SG_PATH_CONSENT);
	p->manage_url = sg_proc_auth_url(p, SG_PATH_MANAGE);
	p->style_url = sg_proc_auth_url(p, SG_PATH_STYLE);
	return 0;
fail:
	sg_log(NULL, SG_LOG_ERR, "%s", err);
	sg_proc_free(p);
	return -1;
}

void
sg_proc_free(struct sg_proc *p)
{
	free(p->callback_url);
	free(p->consent_url);
	free(p->manage_url);
	free(p->style_url);
	sg_http_free(p->http);
	sg_upauth_free(p->upauth);
	sg_oidc_free(p->oidc);
	sg_clientauth_free(p->auth);
	sg_identity_free(p->identity);
	sg_ledger_close(p->ledger);
	sg_clients_free(p->clients);
	sg_keys_free(p->keys);
	sg_config_free(p->cfg);
	sg_free_secret(p->upstream_auth);
	memset(p, 0, sizeof(*p));
}

enum sg_status
sg_proc_signing(struct sg_proc *p, const struct sg_request *req)
{
	char	 err[512];

	if (sg_keys_parse_signing(p->keys, err, sizeof(err)) == -1) {
		sg_log(req, SG_LOG_ERR, "signing key: %s", err);
		return SG_E_INTERNAL;
	}
	return SG_OK;
}

enum sg_status
sg_proc_fhir_headers(struct sg_proc *p, const struct sg_request *req)
{
	return sg_upauth_header(p->upauth, req, &p->fhir_headers[1]);
}

/* Picks up a changed client registry (cheap when unchanged). */
static void
proc_reload(struct sg_proc *p, const struct sg_request *req)
{
	if (p->clients != NULL)
		(void)sg_clients_reload(&p->clients, p->cfg->clients_file, req);
}

void
sg_reply_redirect(struct sg_reply *r, const char *redirect_uri,
    const char *state)
{
	free(r->redirect_uri);
	free(r->state);
	r->redirect_uri = sg_xstrdup(redirect_uri);
	r->state = state != NULL ? sg_xstrdup(state) : NULL;
}

/* 1 when method is one of the list "GET, HEAD, OPTIONS" (exact case). */
static int
proc_method_ok(const char *list, const char *method)
{
	size_t	 n = strlen(method), len;

	for (; *list != '\0'; list += len) {
		list += strspn(list, ", ");
		len = strcspn(list, ", ");
		if (len == n && n > 0 && strncmp(list, method, n) == 0)
			return 1;
	}
	return 0;
}

/*
 * What every endpoint checks before its handler runs.  Returns SG_OK
 * when the handler is to run or *answered is set (a preflight, a plain
 * OPTIONS), else the error to render, with r->desc set where useful.
 */
static enum sg_status
proc_checks(struct sg_proc *p, const struct sg_endpoint *ep,
    struct sg_request *req, struct sg_form *form, struct sg_reply *r,
    int *answered)
{
	enum sg_status	 st;
	const char	*name;
	int		 ok;

	*answered = 0;
	if (req->too_long)
		return SG_E_URI_TOO_LONG;
	if (ep->flags & SG_EP_RELOAD)
		proc_reload(p, req);
	if (ep->cors_origin != NULL) {
		ok = ep->cors_origin(p->clients,
		    sg_request_env(req, "HTTP_ORIGIN"));
		*answered = sg_resp_cors_ex(req, NULL, ep->methods, ok);
	} else if (ep->flags & SG_EP_CORS)
		*answered = sg_resp_cors(req, p->cfg, ep->methods);
	if (*answered)
		return SG_OK;
	if (!proc_method_ok(ep->methods, req->method)) {
		sg_resp_header(req, "Allow", ep->methods);
		return SG_E_METHOD;
	}
	if (strcmp(req->method, "OPTIONS") == 0) {
		/* RFC 9110 §9.3.7: what this resource allows. */
		sg_resp_header(req, "Allow", ep->methods);
		sg_resp_send(req, 204, NULL, NULL, 0);
		*answered = 1;
		return SG_OK;
	}
	if (strcmp(req->method, "POST") == 0 && ep->post_type != NULL &&
	    !sg_request_type_is(req, ep->post_type))
		st = SG_E_UNSUPPORTED_MEDIA;
	else if (ep->params != NULL)
		st = sg_request_form(req, ep->params, ep->nparams, form);
	else
		st = SG_OK;
	if (st == SG_E_UNSUPPORTED_MEDIA && (ep->flags & SG_EP_MEDIA_400)) {
		snprintf(r->buf, sizeof(r->buf), "the body must be %s",
		    ep->post_type != NULL ? ep->post_type : SG_FORM_TYPE);
		r->desc = r->buf;
		return SG_E_BAD_REQUEST;
	}
	if (st == SG_E_BAD_REQUEST) {
		sg_log(req, SG_LOG_WARN, "bad parameter %s", form->bad);
		if (!form->malformed && (ep->flags & SG_EP_BAD_PARAMS))
			return SG_OK;
		/* Only a declared name: never what the client sent. */
		if ((name = sg_form_first_failed(form, ep->params,
		    ep->nparams)) != NULL && !form->malformed)
			snprintf(r->buf, sizeof(r->buf), "the parameter %s "
			    "is missing, repeated, too long or invalid", name);
		else
			snprintf(r->buf, sizeof(r->buf), "the request has a "
			    "malformed parameter");
		r->desc = r->buf;
	}
	return st;
}

/* One request: the checks, the handler, the one rendering of an error. */
static void
proc_one(struct sg_proc *p, const struct sg_endpoint *ep, void *arg,
    struct sg_request *req)
{
	struct sg_form	 form;
	struct sg_reply	 r;
	enum sg_status	 st;
	int		 answered;

	memset(&form, 0, sizeof(form));
	memset(&r, 0, sizeof(r));
	st = proc_checks(p, ep, req, &form, &r, &answered);
	if (st == SG_OK && !answered)
		st = ep->handler(req, arg, &form, &r);
	if (st != SG_OK && req->resp_status == 0) {
		if (r.redirect_uri != NULL)
			sg_oauth_redirect_error(req, p->cfg, r.redirect_uri,
			    st, r.desc, r.state);
		else
			sg_resp_error(req, p->cfg, st, ep->shape_of != NULL ?
			    ep->shape_of(req, arg) : ep->shape, r.desc);
	}
	sg_form_free(&form);
	free(r.redirect_uri);
	free(r.state);
}

int
sg_proc_serve(struct sg_proc *p, const struct sg_endpoint *ep, void *arg)
{
	struct sg_request	 req;

	memset(&req, 0, sizeof(req));
	if (sg_request_init_process() == -1)
		return -1;
	while (sg_request_accept(&req) > 0) {
		proc_one(p, ep, arg, &req);
		sg_request_finish(&req);
	}
	return 0;
}

int
sg_proc_main(const char *program, unsigned need, const struct sg_endpoint *ep)
{
	struct sg_proc	 p;
	int		 rc = 1;

	memset(&p, 0, sizeof(p));
	if (sg_proc_load(&p, program, need) == -1)
		return 1;
	if (sg_proc_serve(&p, ep, &p) == 0)
		rc = 0;
	sg_proc_free(&p);
	return rc;
}

char *
sg_proc_auth_url(const struct sg_proc *p, const char *path)
{
	char	*base, *url;

	base = sg_xconcat(p->cfg->public_url, p->cfg->auth_path);
	url = sg_xconcat(base, path);
	free(base);
	return url;
}
