/*
 * metadata: discovery and the FHIR CapabilityStatement.
 *
 *   [fhir]/.well-known/smart-configuration   SMART App Launch 2.2 "conformance"
 *   {issuer}/.well-known/openid-configuration OpenID Connect Discovery 1.0
 *   [auth]/jwks                              our public keys (RFC 7517 §5)
 *   [auth]/smart-style.json                  SMART "styling"
 *   [fhir]/metadata                          upstream CapabilityStatement + SMART security
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "bounds.h"
#include "config.h"
#include "discovery.h"
#include "form.h"
#include "http.h"
#include "jwt.h"
#include "keys.h"
#include "log.h"
#include "mem.h"
#include "proc.h"
#include "request.h"
#include "response.h"
#include "url.h"

enum page { P_SMART, P_OPENID, P_JWKS, P_STYLE, P_METADATA, P__MAX };

/* Process data: loaded before the loop, read-only after but for the cache. */
struct ctx {
	struct sg_proc		 p;
	char			*path[P__MAX];	/* the route of each page */
	char			*cap;		/* cached CapabilityStatement */
	size_t			 caplen;
	time_t			 capexp;
};

/* A discovery document: JSON whatever Accept says, cacheable briefly. */
static void
send_doc(struct sg_request *req, const char *ctype, json_object *doc)
{
	sg_resp_header(req, "Cache-Control", "public, max-age=300");
	sg_resp_json(req, 200, ctype, doc);
	json_object_put(doc);
}

/*
 * Fetches the upstream CapabilityStatement, rewritten, or serves it
 * from the cache (metadata_cache_ttl).  FHIR R4 "capabilities": only
 * JSON is offered, so an explicit non-JSON _format is refused.
 */
static enum sg_status
page_metadata(struct sg_request *req, struct ctx *ctx, const char *fmt,
    struct sg_reply *r)
{
	struct sg_http_resp	 resp;
	enum sg_status		 st = SG_OK;
	json_object		*doc = NULL;
	const char		*text;
	char			*url = NULL;
	time_t			 now = time(NULL);

	memset(&resp, 0, sizeof(resp));
	if (fmt != NULL && strcmp(fmt, "json") != 0 &&
	    strcmp(fmt, "application/json") != 0 &&
	    strcmp(fmt, "application/fhir+json") != 0) {
		r->desc = "only JSON is supported (_format=json)";
		return SG_E_NOT_ACCEPTABLE;
	}

	if (ctx->cap == NULL || now >= ctx->capexp) {
		url = sg_xconcat(ctx->p.cfg->upstream_fhir, "/metadata");
		if ((st = sg_proc_fhir_headers(&ctx->p, req)) == SG_OK)
			st = sg_http_request(ctx->p.http, req, "GET", url,
			    ctx->p.fhir_headers, NULL, 0,
			    SG_MAX_CAPABILITY, &resp);
		if (st == SG_E_TOO_LARGE)
			st = SG_E_UPSTREAM;
		if (st != SG_OK) {
			r->desc = st == SG_E_UPSTREAM_TIMEOUT ?
			    "the FHIR server did not answer in time" :
			    "the FHIR server could not be reached";
			goto out;
		}
		if (resp.status != 200 || (doc = sg_discovery_capability(
		    ctx->p.cfg, SG_FEATURES, resp.body, resp.len)) == NULL) {
			sg_log(req, SG_LOG_ERR, "upstream metadata: HTTP %ld, "
			    "%zu bytes, not a CapabilityStatement",
			    resp.status, resp.len);
			r->desc = "the FHIR server gave no valid "
			    "CapabilityStatement";
			st = SG_E_UPSTREAM;
			goto out;
		}
		text = json_object_to_json_string_ext(doc,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
		free(ctx->cap);
		ctx->caplen = strlen(text);
		ctx->cap = sg_xstrdup(text);
		ctx->capexp = now + ctx->p.cfg->metadata_cache_ttl;
	}
	sg_resp_send(req, 200, "application/fhir+json; charset=utf-8",
	    ctx->cap, ctx->caplen);
	if (ctx->p.cfg->metadata_cache_ttl == 0) {
		free(ctx->cap);
		ctx->cap = NULL;
	}
out:
	json_object_put(doc);
	sg_http_resp_free(&resp);
	free(url);
	return st;
}

static enum page
route(const struct ctx *ctx, const struct sg_request *req)
{
	enum page	 p;

	for (p = 0; p < P__MAX; p++)
		if (strcmp(req->path, ctx->path[p]) == 0)
			break;
	return p;
}

/* [fhir]/metadata answers errors as FHIR, the discovery documents as JSON. */
static enum sg_shape
shape_of(const struct sg_request *req, void *arg)
{
	return route(arg, req) == P_METADATA ? SG_SHAPE_FHIR : SG_SHAPE_JSON;
}

static enum sg_status
serve(struct sg_request *req, void *arg, struct sg_form *f,
    struct sg_reply *r)
{
	struct ctx	*ctx = arg;
	enum sg_status	 st;

	switch (route(ctx, req)) {
	case P_SMART:
		send_doc(req, "application/json", sg_discovery_smart(ctx->p.cfg,
		    ctx->p.keys, SG_FEATURES));
		break;
	case P_OPENID:
		/* It names the id_token's algorithm: the keys are parsed
		 * on first use under plain CGI (sg_proc_load()). */
		if ((st = sg_proc_signing(&ctx->p, req)) != SG_OK)
			return st;
		send_doc(req, "application/json", sg_discovery_openid(ctx->p.cfg,
		    ctx->p.keys, SG_FEATURES));
		break;
	case P_JWKS:
		/* RFC 7517 §8.5. */
		if ((st = sg_proc_signing(&ctx->p, req)) != SG_OK)
			return st;
		send_doc(req, "application/jwk-set+json",
		    sg_jwks_public(ctx->p.keys));
		break;
	case P_STYLE:
		send_doc(req, "application/json", sg_discovery_style(ctx->p.cfg));
		break;
	case P_METADATA:
		return page_metadata(req, ctx, f->value[0], r);
	default:
		return SG_E_NOT_FOUND;
	}
	return SG_OK;
}

static const struct sg_param params[] = {
	{ "_format", SG_MAX_KEYWORD, sg_check_token, 0, 0 },
};

/* Discovery is public and read by browser apps: CORS on all. */
static const struct sg_endpoint endpoint = {
	.methods = "GET, HEAD, OPTIONS",
	.shape_of = shape_of,
	.params = params,
	.nparams = sizeof(params) / sizeof(params[0]),
	.flags = SG_EP_CORS,
	.handler = serve,
};

int
main(void)
{
	struct ctx		 ctx;
	const char		*issuer_path;
	int			 rc = 1;
	enum page		 p;

	memset(&ctx, 0, sizeof(ctx));
	if (sg_proc_load(&ctx.p, "metadata", SG_NEED_HTTP) == -1)
		return 1;
	if ((issuer_path = sg_url_path(ctx.p.cfg->issuer)) == NULL)
		goto out;
	ctx.path[P_SMART] = sg_xconcat(ctx.p.cfg->fhir_path, SG_PATH_SMART_CONF);
	ctx.path[P_METADATA] = sg_xconcat(ctx.p.cfg->fhir_path, SG_PATH_METADATA);
	ctx.path[P_OPENID] = sg_xconcat(issuer_path, SG_PATH_OPENID_CONF);
	ctx.path[P_JWKS] = sg_xconcat(ctx.p.cfg->auth_path, SG_PATH_JWKS);
	ctx.path[P_STYLE] = sg_xconcat(ctx.p.cfg->auth_path, SG_PATH_STYLE);
	if (sg_proc_serve(&ctx.p, &endpoint, &ctx) == 0)
		rc = 0;
out:
	for (p = 0; p < P__MAX; p++)
		free(ctx.path[p]);
	free(ctx.cap);
	sg_proc_free(&ctx.p);
	return rc;
}
