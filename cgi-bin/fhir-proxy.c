/*
 * fhir-proxy: everything under [fhir]/ but metadata and .well-known
 * (which the metadata program serves), in front of the upstream FHIR
 * server, enforcing what the access token grants (policy.h).
 *
 *   Authorization: Bearer <our access token>
 *   GET|HEAD|POST|PUT|PATCH|DELETE [fhir]/...  FHIR R4 RESTful API
 *
 * For each request: the token (sealed by token, opened here; its grant
 * not revoked in the ledger), the interaction (fhirreq.h), the decision
 * (policy.h), what must be checked before (the resource in the body,
 * the resource already there), the upstream call with the gateway's
 * own credential, and what comes back: streamed when nothing in it
 * needs a check, else parsed, each resource judged (bundle.h) and
 * upstream URLs rewritten to ours.  It fails closed: what it cannot
 * classify, check or parse is refused.  The access line of each request
 * carries its audit record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "bounds.h"
#include "bundle.h"
#include "config.h"
#include "fhirdefs.h"
#include "fhirreq.h"
#include "grant.h"
#include "http.h"
#include "json.h"
#include "ledger.h"
#include "log.h"
#include "mem.h"
#include "policy.h"
#include "proc.h"
#include "request.h"
#include "response.h"
#include "upauth.h"

#define FHIR_JSON	"application/fhir+json; charset=utf-8"
#define NOT_FOUND_TEXT	"Nothing exists at this address, or the access " \
			"token does not cover it."

/*
 * The last access token this process opened, and what it said: an app
 * sends the same token with every request until it expires, and opening
 * it (AES-GCM, JSON) is a tenth of a read's work.  Only a token that
 * opened is kept; its expiry is checked again on every use, and so is
 * its grant in the ledger (token_check()).  The keys that opened it are
 * process data: they do not change while it is kept.
 */
struct memo {
	char			*text;		/* NULL: nothing kept */
	size_t			 len;
	struct sg_access	 a;
};

/* Process data. */
struct ctx {
	struct sg_proc		 p;
	const char		*bases[3];	/* ours, the upstream's */
	size_t			 fhir_path_len;
	struct memo		 memo;		/* an explicit cache */
};

/* One request. */
struct call {
	struct sg_request	*req;
	struct ctx		*c;
	const struct sg_access	*a;		/* c->memo's, or none */
	struct sg_policy	 pol;
	struct sg_fhir_req	 r;
	struct sg_policy_plan	 plan;
	char			*body;		/* request body, or NULL */
	size_t			 bodylen;
	long			 upstream;	/* last upstream status */
	const char		*headers[6];	/* to the upstream, besides
					   Accept and our credential */
	size_t			 nheaders;
};

/* The permit of one answer, for sg_bundle_filter(). */
struct judge {
	const struct sg_policy	*pol;
	unsigned		 mask;
};

static int
judge_permit(void *arg, json_object *res)
{
	const struct judge	*j = arg;

	return sg_policy_permit(j->pol, res, j->mask);
}

/* What the audit says of a request without a token. */
static const struct sg_access no_access;

/*
 * Opens tok (len bytes) into c->memo, unless it is the token kept there.
 * Returns 0, or -1 when tok is not a live access token of ours.
 */
static int
token_open(struct ctx *c, const char *tok, size_t len, time_t now)
{
	struct memo	*m = &c->memo;
	struct sg_access a;

	if (m->text != NULL && m->len == len &&
	    CRYPTO_memcmp(m->text, tok, len) == 0)
		return m->a.exp < now ? -1 : 0;
	if (sg_access_open(c->p.keys, now, tok, &a) != SG_SEAL_OK)
		return -1;
	sg_access_clear(&m->a);
	sg_free_secret(m->text);	/* a bearer token: wiped */
	m->a = a;
	m->text = sg_xstrdup(tok);
	m->len = len;
	return 0;
}

/*
 * The access token (RFC 6750 §2.1: the Authorization header only; a
 * token in the query would be logged and forwarded, §2.3 is refused).
 */
static enum sg_status
token_check(struct call *k, struct sg_reply *rp)
{
	const struct sg_config	*cfg = k->c->p.cfg;
	const struct sg_access	*a;
	const char		*h, *tok;
	char			 key[64];
	size_t			 len;
	time_t			 now = time(NULL);

	h = sg_request_env(k->req, "HTTP_AUTHORIZATION");
	if (h == NULL || *h == '\0')
		return SG_E_NO_TOKEN;
	if (strncasecmp(h, "Bearer ", 7) != 0) {
		rp->desc = "the access token goes in Authorization: Bearer";
		return SG_E_INVALID_TOKEN;
	}
	for (tok = h + 7; *tok == ' '; tok++)
		continue;
	if ((len = strlen(tok)) > SG_MAX_SEALED ||
	    token_open(k->c, tok, len, now) == -1) {
		rp->desc = "the access token is invalid or expired";
		return SG_E_INVALID_TOKEN;
	}
	k->a = a = &k->c->memo.a;
	/* For this FHIR base only (RFC 9068 §4 "aud"); not from the
	   future beyond a small skew. */
	if (a->aud == NULL || strcmp(a->aud, cfg->fhir_base) != 0 ||
	    a->iat > now + SG_ASSERTION_LEEWAY) {
		rp->desc = "the access token is not for this server";
		return SG_E_INVALID_TOKEN;
	}
	snprintf(key, sizeof(key), SG_LEDGER_NS_REVOKED "%s", a->gid);
	switch (sg_ledger_has(k->c->p.ledger, k->req, key, now)) {
	case SG_LEDGER_OK:
		return SG_OK;
	case SG_LEDGER_EXISTS:
		rp->desc = "the access token has been revoked";
		return SG_E_INVALID_TOKEN;
	default:
		return SG_E_UNAVAILABLE;
	}
}

/* Adds one header line for the upstream request (a constant or k-owned). */
static void
header_add(struct call *k, const char *line)
{
	if (k->nheaders < sizeof(k->headers) / sizeof(k->headers[0]))
		k->headers[k->nheaders++] = line;
}

/*
 * Copies a request header the upstream needs (preconditions,
 * preferences) into buf as "Name: value"; nothing for an absent or
 * oversized one.  http.c refuses CR and LF.
 */
static void
header_pass(struct call *k, const char *env, const char *name, char *buf,
    size_t len)
{
	const char	*v = sg_request_env(k->req, env);
	int		 n;

	if (v == NULL || *v == '\0')
		return;
	n = snprintf(buf, len, "%s: %s", name, v);
	if (n > 0 && (size_t)n < len)
		header_add(k, buf);
}

/*
 * Location or Content-Location of an upstream answer, for ours: under
 * the upstream base rewritten to ours; anything else left out.
 */
static void
header_location(struct call *k, const char *name, const char *v)
{
	char	*u;

	if (v == NULL || (u = sg_bundle_rewrite_url(v, k->c->bases[1],
	    k->c->bases[0])) == NULL)
		return;
	sg_resp_header(k->req, name, u);
	free(u);
}

/* The headers of an upstream answer that go on to the app. */
static void
headers_back(struct call *k, const struct sg_http_resp *resp)
{
	if (resp->etag != NULL)
		sg_resp_header(k->req, "ETag", resp->etag);
	if (resp->last_modified != NULL)
		sg_resp_header(k->req, "Last-Modified", resp->last_modified);
	header_location(k, "Location", resp->location);
	header_location(k, "Content-Location", resp->content_location);
}

/* 1 when the upstream says it answered JSON (FHIR R4 http §3.1.0.1.10). */
static int
json_answer(const struct sg_http_resp *resp)
{
	const char	*t = resp->content_type;
	size_t		 n;

	if (t == NULL)
		return 0;
	n = strcspn(t, "; ");
	return (n == 21 && strncasecmp(t, "application/fhir+json", n) == 0) ||
	    (n == 16 && strncasecmp(t, "application/json", n) == 0);
}

/* sg_http_out: stream a successful answer that needs no check. */
static int
stream_begin(void *arg, const struct sg_http_resp *resp)
{
	struct call	*k = arg;

	k->upstream = resp->status;
	if (resp->status < 200 || resp->status > 299 || !json_answer(resp))
		return 0;
	headers_back(k, resp);
	return sg_resp_begin(k->req, (int)resp->status, FHIR_JSON) == 0;
}

static int
stream_write(void *arg, const char *p, size_t len)
{
	struct call	*k = arg;

	return sg_resp_write(k->req, p, len);
}

/*
 * Calls the upstream: method on path?query (relative to its base).
 * With out, a successful answer may be streamed (resp->streamed).
 */
static enum sg_status
upstream(struct call *k, const char *method, const char *path,
    const char *query, const void *body, size_t bodylen,
    const struct sg_http_out *out, struct sg_http_resp *resp,
    struct sg_reply *rp)
{
	enum sg_status	 st;
	char		*url, *tmp;
	const char	*h[sizeof(k->headers) / sizeof(k->headers[0]) + 3];
	size_t		 i, n = 0;

	/* Accept, the gateway's credential (upauth.h), the rest. */
	h[n++] = k->c->p.fhir_headers[0];
	if ((st = sg_upauth_header(k->c->p.upauth, k->req, &h[n])) != SG_OK)
		return st;
	if (h[n] != NULL)
		n++;
	for (i = 0; i < k->nheaders; i++)
		h[n++] = k->headers[i];
	h[n] = NULL;
	url = sg_xconcat(k->c->p.cfg->upstream_fhir, *path != '\0' ? "/" :
	    "");
	tmp = sg_xconcat(url, path);
	free(url);
	url = tmp;
	if (query != NULL && *query != '\0') {
		tmp = sg_xconcat(url, "?");
		free(url);
		url = sg_xconcat(tmp, query);
		free(tmp);
	}
	st = sg_http_stream(k->c->p.http, k->req, method, url, h,
	    body, bodylen, (size_t)k->c->p.cfg->fhir_filter_max, out, resp);
	free(url);
	if (st == SG_OK)
		k->upstream = resp->status;
	else if (st == SG_E_TOO_LARGE) {
		rp->desc = "the FHIR server's answer is larger than the "
		    "proxy checks (fhir_filter_max)";
		st = SG_E_UPSTREAM;
	}
	return st;
}

/*
 * What an upstream answer other than 2xx becomes: a miss is our miss
 * (the same as a resource the token does not cover); the server's own
 * OperationOutcome about the request goes on for 400, 409, 412 and 422
 * where the answer would have gone on unchecked (a write, a read under
 * unconfined scopes), else ours says the status; everything else is a
 * bad gateway.
 */
static enum sg_status
upstream_error(struct call *k, const struct sg_http_resp *resp,
    struct sg_reply *rp)
{
	json_object	*o = NULL, *issue, *issues;
	const char	*rt;
	char		 text[128];

	if (resp->status == 404 || resp->status == 410) {
		rp->desc = NOT_FOUND_TEXT;
		return SG_E_NOT_FOUND;
	}
	if (resp->status != 400 && resp->status != 409 &&
	    resp->status != 412 && resp->status != 422) {
		sg_log(k->req, SG_LOG_WARN, "upstream answered %ld",
		    resp->status);
		snprintf(rp->buf, sizeof(rp->buf), "the FHIR server answered "
		    "%ld", resp->status);
		rp->desc = rp->buf;
		return SG_E_UPSTREAM;
	}
	if (!k->plan.check) {
		o = sg_json_object(resp->body, resp->len);
		rt = sg_json_str(o, "resourceType");
		if (rt == NULL || strcmp(rt, "OperationOutcome") != 0) {
			json_object_put(o);
			o = NULL;
		}
	}
	if (o == NULL) {
		/* FHIR R4 IssueType "processing": the server refused. */
		snprintf(text, sizeof(text), "the FHIR server refused the "
		    "request (HTTP %ld)", resp->status);
		issue = json_object_new_object();
		sg_json_put_str(issue, "severity", "error");
		sg_json_put_str(issue, "code", "processing");
		sg_json_put_str(issue, "diagnostics", text);
		issues = json_object_new_array();
		json_object_array_add(issues, issue);
		o = json_object_new_object();
		sg_json_put_str(o, "resourceType", "OperationOutcome");
		json_object_object_add(o, "issue", issues);
	}
	sg_resp_json(k->req, (int)resp->status, FHIR_JSON, o);
	json_object_put(o);
	return SG_OK;
}

/*
 * The resource already there (update, patch, delete by id of r): it
 * must be one the token may change, and a miss looks like any other
 * miss.  A missing one is fine for an update the token may also create
 * (FHIR R4 "update as create"; may_create).
 */
static enum sg_status
check_existing(struct call *k, const struct sg_fhir_req *r,
    const struct sg_policy_plan *plan, int may_create, struct sg_reply *rp)
{
	struct sg_http_resp	 resp;
	enum sg_status		 st;
	json_object		*o;
	char			 path[2 * SG_MAX_FHIR_ID + 8];

	snprintf(path, sizeof(path), "%s/%s", r->type->name, r->id);
	if ((st = upstream(k, "GET", path, NULL, NULL, 0, NULL, &resp,
	    rp)) != SG_OK)
		return st;
	if ((resp.status == 404 || resp.status == 410) &&
	    r->op == SG_FHIR_UPDATE) {
		sg_http_resp_free(&resp);
		if (may_create)
			return SG_OK;
		rp->desc = "this update would create the resource, which "
		    "needs c (create) as well";
		return SG_E_INSUFFICIENT_SCOPE;
	}
	if (resp.status != 200) {
		/* Nothing is sent yet: a miss is ours, the rest a 502. */
		st = resp.status == 404 || resp.status == 410 ?
		    SG_E_NOT_FOUND : SG_E_UPSTREAM;
		rp->desc = st == SG_E_NOT_FOUND ? NOT_FOUND_TEXT :
		    "the FHIR server could not show the resource first";
		sg_http_resp_free(&resp);
		return st;
	}
	o = sg_json_object(resp.body, resp.len);
	sg_http_resp_free(&resp);
	if (o == NULL) {
		rp->desc = "the FHIR server's answer is not JSON";
		return SG_E_UPSTREAM;
	}
	st = SG_OK;
	if (!sg_policy_permit(&k->pol, o, plan->mask)) {
		rp->desc = NOT_FOUND_TEXT;
		st = SG_E_NOT_FOUND;
	}
	json_object_put(o);
	return st;
}

/*
 * A resource sent for r (create, update): of the type acted on, for an
 * update with the id of the URL, and one the token may write.  An
 * update may create (FHIR R4 "update as create"): *may_create says
 * whether the token may create this resource too; a conditional
 * update, whose creating the proxy cannot see coming, needs it.
 */
static enum sg_status
check_resource(struct call *k, const struct sg_fhir_req *r,
    const struct sg_policy_plan *plan, json_object *o, int *may_create,
    struct sg_reply *rp)
{
	const char	*rt, *id;

	rt = sg_json_str(o, "resourceType");
	id = sg_json_str(o, "id");
	if (rt == NULL || strcmp(rt, r->type->name) != 0) {
		rp->desc = "the body is not a resource of the type in the URL";
		return SG_E_BAD_REQUEST;
	}
	if (r->op == SG_FHIR_UPDATE && (id == NULL || strcmp(id, r->id) != 0)) {
		/* FHIR R4 http §3.1.0.4: the ids must agree. */
		rp->desc = "the body's id is not the id in the URL";
		return SG_E_BAD_REQUEST;
	}
	if (!sg_policy_permit(&k->pol, o, plan->mask)) {
		rp->desc = "the resource would be outside what the access "
		    "token grants";
		return SG_E_INSUFFICIENT_SCOPE;
	}
	*may_create = sg_policy_permit(&k->pol, o, SG_PERM_C);
	if (r->op == SG_FHIR_UPDATE_COND && !*may_create) {
		rp->desc = "a conditional update may create the resource, "
		    "which needs c (create) as well";
		return SG_E_INSUFFICIENT_SCOPE;
	}
	return SG_OK;
}

/*
 * The request body: a resource (check_resource()), or a JSON Patch
 * (RFC 6902) that stays clear of what confines the token; a patch of
 * another kind (FHIRPath Patch) only where nothing confines it.
 */
static enum sg_status
check_body(struct call *k, int *may_create, struct sg_reply *rp)
{
	json_object	*o;
	enum sg_status	 st = SG_OK;
	int		 patch;

	patch = k->r.op == SG_FHIR_PATCH || k->r.op == SG_FHIR_PATCH_COND;
	/* RFC 6902 §3: a JSON Patch is an array; FHIRPath Patch and
	   resources are objects. */
	if ((o = sg_json_value(k->body, k->bodylen, patch &&
	    sg_request_type_is(k->req, "application/json-patch+json") ?
	    json_type_array : json_type_object)) == NULL) {
		rp->desc = patch ? "the body must be a JSON Patch" :
		    "the body must be a JSON resource";
		return SG_E_BAD_REQUEST;
	}
	if (!patch)
		st = check_resource(k, &k->r, &k->plan, o, may_create, rp);
	else if ((k->plan.existing || k->r.op == SG_FHIR_PATCH_COND) &&
	    (!sg_request_type_is(k->req, "application/json-patch+json") ||
	    !sg_policy_patch_ok(&k->pol, k->r.type->name, o))) {
		rp->desc = "this patch may change what the access token is "
		    "confined to";
		st = SG_E_INSUFFICIENT_SCOPE;
	}
	json_object_put(o);
	return st;
}

/* 1 for the Bundle types an answer is filtered as (bundle.h). */
static int
filterable(json_object *o)
{
	static const char *const types[] = { "searchset", "history",
	    "batch-response", "transaction-response" };
	const char	*t = sg_json_str(o, "type");
	size_t		 i;

	for (i = 0; t != NULL && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(t, types[i]) == 0)
			return 1;
	return 0;
}

/*
 * Judges the parsed answer o and sends it: a search, history or batch
 * answer entry by entry (bundle.h), anything else whole.
 */
static enum sg_status
answer_json(struct call *k, const struct sg_http_resp *resp, json_object *o,
    struct sg_reply *rp)
{
	struct judge	 j = { &k->pol, k->plan.mask };
	const char	*rt = sg_json_str(o, "resourceType");

	if (rt == NULL) {
		rp->desc = "the FHIR server's answer is not a JSON resource";
		return SG_E_UPSTREAM;
	}
	if (strcmp(rt, "Bundle") == 0 && filterable(o)) {
		if (sg_bundle_filter(o, judge_permit, &j, k->c->bases[1],
		    k->c->bases[0], k->plan.exact ? 0 : SG_BUNDLE_NO_TOTAL,
		    NULL) == -1) {
			rp->desc = "the FHIR server's Bundle could not be "
			    "checked";
			return SG_E_UPSTREAM;
		}
	} else if (!sg_policy_permit(&k->pol, o, k->plan.mask)) {
		/* FHIR R4 §3.1.0.1: not revealing whether it exists. */
		rp->desc = NOT_FOUND_TEXT;
		return SG_E_NOT_FOUND;
	}
	headers_back(k, resp);
	sg_resp_json(k->req, (int)resp->status, FHIR_JSON, o);
	return SG_OK;
}

/* A checked answer: parsed, judged, rewritten, sent. */
static enum sg_status
answer_checked(struct call *k, struct sg_http_resp *resp,
    struct sg_reply *rp)
{
	json_object	*o;
	enum sg_status	 st;

	if (resp->len == 0) {
		headers_back(k, resp);
		sg_resp_send(k->req, (int)resp->status, NULL, NULL, 0);
		return SG_OK;
	}
	if ((o = sg_json_object(resp->body, resp->len)) == NULL) {
		rp->desc = "the FHIR server's answer is not JSON";
		return SG_E_UPSTREAM;
	}
	st = answer_json(k, resp, o, rp);
	json_object_put(o);
	return st;
}

/* Whether the answer to op is one resource that may stream unchecked. */
static int
streamable(enum sg_fhir_op op)
{
	return op == SG_FHIR_READ || op == SG_FHIR_VREAD ||
	    op == SG_FHIR_CREATE || op == SG_FHIR_UPDATE ||
	    op == SG_FHIR_PATCH || op == SG_FHIR_DELETE ||
	    op == SG_FHIR_UPDATE_COND || op == SG_FHIR_PATCH_COND ||
	    op == SG_FHIR_DELETE_COND;
}

static const char *const methods[SG_FHIR__MAX] = {
	[SG_FHIR_READ] = "GET", [SG_FHIR_VREAD] = "GET",
	[SG_FHIR_HISTORY_INSTANCE] = "GET", [SG_FHIR_HISTORY_TYPE] = "GET",
	[SG_FHIR_HISTORY_SYSTEM] = "GET", [SG_FHIR_SEARCH_TYPE] = "GET",
	[SG_FHIR_SEARCH_SYSTEM] = "GET", [SG_FHIR_SEARCH_COMPARTMENT] = "GET",
	[SG_FHIR_CREATE] = "POST", [SG_FHIR_UPDATE] = "PUT",
	[SG_FHIR_UPDATE_COND] = "PUT", [SG_FHIR_PATCH] = "PATCH",
	[SG_FHIR_PATCH_COND] = "PATCH", [SG_FHIR_DELETE] = "DELETE",
	[SG_FHIR_DELETE_COND] = "DELETE", [SG_FHIR_BATCH] = "POST",
};

/* Forwards the decided request and answers the app. */
static enum sg_status
forward(struct call *k, struct sg_reply *rp)
{
	struct sg_http_out	 out = { stream_begin, stream_write, k };
	struct sg_http_resp	 resp;
	enum sg_status		 st;
	const char		*method, *ctype = NULL;
	const void		*body = k->body;
	size_t			 bodylen = k->bodylen;
	char			*path, *query, ifm[SG_MAX_HEADER + 16],
				 pref[256], ifn[256], ims[256];

	memset(&resp, 0, sizeof(resp));
	if ((path = sg_fhir_req_path(&k->r)) == NULL)
		return SG_E_INTERNAL;
	query = sg_fhir_req_query(&k->r);
	method = k->r.op == SG_FHIR_OPERATION || k->r.post_search ?
	    k->req->method : methods[k->r.op];
	if (strcmp(method, "HEAD") == 0)
		method = "GET";
	if (k->r.post_search) {
		/* FHIR R4 §3.1.0.9.1: the parameters go in the body. */
		body = query;
		bodylen = strlen(query);
		ctype = "Content-Type: " SG_FORM_TYPE;
	} else if (body != NULL)
		ctype = sg_request_type_is(k->req,
		    "application/json-patch+json") ? "Content-Type: "
		    "application/json-patch+json" : "Content-Type: "
		    "application/fhir+json";
	if (ctype != NULL)
		header_add(k, ctype);
	header_pass(k, "HTTP_IF_MATCH", "If-Match", ifm, sizeof(ifm));
	header_pass(k, "HTTP_PREFER", "Prefer", pref, sizeof(pref));
	/* A 304 to a guessed ETag would tell what a 404 hides. */
	if (!k->plan.check) {
		header_pass(k, "HTTP_IF_NONE_MATCH", "If-None-Match", ifn,
		    sizeof(ifn));
		header_pass(k, "HTTP_IF_MODIFIED_SINCE", "If-Modified-Since",
		    ims, sizeof(ims));
	}

	st = upstream(k, method, path, k->r.post_search ? NULL : query,
	    body, bodylen, !k->plan.check && streamable(k->r.op) ? &out :
	    NULL, &resp, rp);
	if (st != SG_OK || resp.streamed)
		goto out;
	if (resp.status < 200 || resp.status > 299) {
		if (resp.status == 304 && !k->plan.check) {
			headers_back(k, &resp);
			sg_resp_send(k->req, 304, NULL, NULL, 0);
		} else
			st = upstream_error(k, &resp, rp);
		goto out;
	}
	if (resp.len > 0 && !json_answer(&resp)) {
		rp->desc = "the FHIR server did not answer JSON";
		st = SG_E_UPSTREAM;
	} else if (k->plan.check)
		st = answer_checked(k, &resp, rp);
	else {
		headers_back(k, &resp);
		sg_resp_send(k->req, (int)resp.status, resp.len > 0 ?
		    FHIR_JSON : NULL, resp.body, resp.len);
	}
out:
	if (resp.streamed && st != SG_OK)
		st = SG_OK;	/* begun: the truncated answer says it */
	sg_http_resp_free(&resp);
	free(path);
	free(query);
	return st;
}

/*
 * One entry of a batch or transaction: its request classified and
 * decided like a request of its own, its URL replaced by what the
 * decision made of it, what it sends and what it changes checked as
 * for a single request.  *hide is set for a read whose answer must
 * be judged (batch_hide()).
 */
static enum sg_status
batch_entry(struct call *k, json_object *e, int *hide, struct sg_reply *rp)
{
	const struct sg_config	*cfg = k->c->p.cfg;
	struct sg_fhir_req	 r;
	struct sg_policy_plan	 plan;
	json_object		*req, *res = NULL;
	const char		*method, *url, *q, *why = NULL;
	char			*path = NULL, *query = NULL, *u;
	size_t			 blen = strlen(cfg->fhir_base);
	enum sg_status		 st = SG_E_BAD_REQUEST;
	int			 may_create = 1;

	memset(&r, 0, sizeof(r));
	if (!json_object_is_type(e, json_type_object) ||
	    !json_object_object_get_ex(e, "request", &req) ||
	    (method = sg_json_str(req, "method")) == NULL ||
	    (url = sg_json_str(req, "url")) == NULL) {
		rp->desc = "an entry without request.method and request.url";
		goto out;
	}
	if (sg_json_str(req, "ifNoneExist") != NULL) {
		rp->desc = "conditional create (ifNoneExist) is not supported "
		    "here";
		goto out;
	}
	/* FHIR R4 Bundle.entry.request.url: relative to the base, or ours. */
	if (strncmp(url, cfg->fhir_base, blen) == 0 && url[blen] == '/')
		url += blen + 1;
	if ((q = strchr(url, '?')) != NULL) {
		path = sg_xstrndup(url, (size_t)(q - url));
		query = sg_xstrdup(q + 1);
	} else
		path = sg_xstrdup(url);
	u = sg_xconcat("/", path);
	free(path);
	path = u;
	if ((st = sg_fhir_req_parse(method, path, query, NULL, &r, &why)) !=
	    SG_OK)
		goto why;
	if (r.op == SG_FHIR_BATCH || r.op == SG_FHIR_PATCH_COND ||
	    r.op == SG_FHIR_OPERATION) {
		why = "a batch, a conditional patch or an operation inside a "
		    "batch";
		st = SG_E_BAD_REQUEST;
		goto why;
	}
	if ((st = sg_policy_decide(&k->pol, &r, &plan, &why)) != SG_OK)
		goto why;
	if (r.op == SG_FHIR_PATCH && plan.existing) {
		why = "a patch inside a batch, where the access token is "
		    "confined";
		st = SG_E_INSUFFICIENT_SCOPE;
		goto why;
	}
	if (plan.body && (!json_object_object_get_ex(e, "resource", &res) ||
	    (st = check_resource(k, &r, &plan, res, &may_create, rp)) !=
	    SG_OK)) {
		if (res == NULL) {
			why = "an entry without the resource it writes";
			st = SG_E_BAD_REQUEST;
			goto why;
		}
		goto out;
	}
	if (r.op == SG_FHIR_UPDATE && !may_create)
		plan.existing = 1;
	if (plan.existing && (st = check_existing(k, &r, &plan, may_create,
	    rp)) != SG_OK)
		goto out;
	*hide = plan.check && (r.op == SG_FHIR_READ || r.op == SG_FHIR_VREAD);
	if (plan.check) {
		/* A 304 to a guessed ETag would tell what a 404 hides. */
		json_object_object_del(req, "ifNoneMatch");
		json_object_object_del(req, "ifModifiedSince");
	}
	free(path);
	free(query);
	query = NULL;
	if ((path = sg_fhir_req_path(&r)) == NULL) {
		st = SG_E_INTERNAL;
		goto out;
	}
	/* What the decision made of it: relative to the base, confined. */
	query = sg_fhir_req_query(&r);
	u = sg_xconcat(path, *query != '\0' ? "?" : "");
	free(path);
	path = sg_xconcat(u, query);
	free(u);
	json_object_object_add(req, "url", json_object_new_string(path));
	st = SG_OK;
	goto out;
why:
	rp->desc = why;
out:
	sg_fhir_req_free(&r);
	free(path);
	free(query);
	return st;
}

/*
 * The answers to the reads of a batch that the token may not see
 * become what a miss is, whatever the upstream said: a refused read
 * must not tell a 200 from a 404 (FHIR R4 §3.1.0.1).
 */
static void
batch_hide(struct call *k, json_object *answer, const int *hide, size_t n)
{
	json_object	*entries, *e, *res, *resp;
	size_t		 i;

	if (!json_object_object_get_ex(answer, "entry", &entries) ||
	    !json_object_is_type(entries, json_type_array))
		return;
	for (i = 0; i < n && i < json_object_array_length(entries); i++) {
		if (!hide[i])
			continue;
		/* Only a resource the token may read stays (a 304 or 404
		   says as much as the resource). */
		e = json_object_array_get_idx(entries, i);
		if (json_object_object_get_ex(e, "resource", &res) &&
		    sg_policy_permit(&k->pol, res, SG_PERM_R))
			continue;
		resp = json_object_new_object();
		sg_json_put_str(resp, "status", "404 Not Found");
		e = json_object_new_object();
		json_object_object_add(e, "response", resp);
		json_object_array_put_idx(entries, i, e);
	}
}

/*
 * A batch or transaction (FHIR R4 http §3.1.0.11): every entry decided
 * (batch_entry()).  One entry refused refuses the whole Bundle, batch
 * and transaction alike, and says which entry and why; the answer is
 * judged like a search's, reads one by one (batch_hide()).
 */
static enum sg_status
batch(struct call *k, struct sg_reply *rp)
{
	struct sg_http_resp	 resp;
	json_object		*b, *entries, *answer = NULL;
	const char		*rt, *type, *text;
	enum sg_status		 st = SG_E_BAD_REQUEST;
	size_t			 i, n = 0;
	int			*hide = NULL;

	memset(&resp, 0, sizeof(resp));
	b = sg_json_object(k->body, k->bodylen);
	rt = sg_json_str(b, "resourceType");
	type = sg_json_str(b, "type");
	if (rt == NULL || strcmp(rt, "Bundle") != 0 || type == NULL ||
	    (strcmp(type, "batch") != 0 && strcmp(type, "transaction") != 0)) {
		rp->desc = "POST to the base takes a batch or transaction "
		    "Bundle";
		goto out;
	}
	if (json_object_object_get_ex(b, "entry", &entries)) {
		if (!json_object_is_type(entries, json_type_array)) {
			rp->desc = "Bundle.entry is not an array";
			goto out;
		}
		n = json_object_array_length(entries);
	}
	if (n > SG_MAX_BATCH) {
		rp->desc = "too many entries in one batch";
		st = SG_E_TOO_LARGE;
		goto out;
	}
	hide = sg_xcalloc(n + 1, sizeof(*hide));
	for (i = 0; i < n; i++)
		if ((st = batch_entry(k, json_object_array_get_idx(entries, i),
		    &hide[i], rp)) != SG_OK) {
			snprintf(rp->buf, sizeof(rp->buf), "entry %zu: %s", i,
			    rp->desc != NULL ? rp->desc :
			    sg_status_info(st)->message);
			rp->desc = rp->buf;
			goto out;
		}
	text = json_object_to_json_string_ext(b, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	header_add(k, "Content-Type: application/fhir+json");
	if ((st = upstream(k, "POST", "", NULL, text, strlen(text), NULL,
	    &resp, rp)) != SG_OK)
		goto out;
	k->plan.mask = SG_PERM_R | SG_PERM_S;
	k->plan.check = 1;
	if (resp.status < 200 || resp.status > 299) {
		st = upstream_error(k, &resp, rp);
		goto out;
	}
	if ((answer = sg_json_object(resp.body, resp.len)) == NULL) {
		rp->desc = "the FHIR server's answer is not JSON";
		st = SG_E_UPSTREAM;
		goto out;
	}
	batch_hide(k, answer, hide, n);
	st = answer_json(k, &resp, answer, rp);
out:
	free(hide);
	json_object_put(answer);
	sg_http_resp_free(&resp);
	json_object_put(b);
	return st;
}

/* Reads the body of a POST, PUT or PATCH and checks its media type. */
static enum sg_status
read_body(struct call *k, int search, struct sg_reply *rp)
{
	enum sg_status	 st;

	if (strcmp(k->req->method, "POST") != 0 &&
	    strcmp(k->req->method, "PUT") != 0 &&
	    strcmp(k->req->method, "PATCH") != 0)
		return SG_OK;
	if (search ? !sg_request_type_is(k->req, SG_FORM_TYPE) :
	    !sg_request_type_is(k->req, "application/fhir+json") &&
	    !sg_request_type_is(k->req, "application/json") &&
	    !(strcmp(k->req->method, "PATCH") == 0 &&
	    sg_request_type_is(k->req, "application/json-patch+json"))) {
		rp->desc = search ? "a search by POST sends "
		    SG_FORM_TYPE : "only JSON is supported "
		    "(application/fhir+json)";
		return SG_E_UNSUPPORTED_MEDIA;
	}
	if ((st = sg_request_body(k->req, SG_MAX_FHIR_BODY, &k->body,
	    &k->bodylen)) != SG_OK)
		return st;
	return SG_OK;
}

/* 1 when s ends with "/_search". */
static int
ends_search(const char *s)
{
	size_t	 n = strlen(s);

	return n >= 8 && strcmp(s + n - 8, "/_search") == 0;
}

/* Parameters the proxy answers for itself. */
static enum sg_status
own_params(struct call *k, struct sg_reply *rp)
{
	const char	*fmt;
	size_t		 i;

	if (sg_fhir_req_count(&k->r, "access_token", NULL) > 0) {
		rp->desc = "the access token goes in Authorization: Bearer, "
		    "never in the URL";
		return SG_E_BAD_REQUEST;
	}
	if (sg_fhir_req_count(&k->r, "_format", &fmt) > 0) {
		if (strcmp(fmt, "json") != 0 &&
		    strcmp(fmt, "application/json") != 0 &&
		    strcmp(fmt, "application/fhir+json") != 0) {
			rp->desc = "only JSON is supported (_format=json)";
			return SG_E_NOT_ACCEPTABLE;
		}
		/* Answers are JSON anyway: the parameter stays here. */
		for (i = 0; i < k->r.nparams; i++)
			if (strcmp(k->r.params[i].name, "_format") == 0)
				k->r.params[i].name[0] = '\0';
	}
	if (sg_request_env(k->req, "HTTP_IF_NONE_EXIST") != NULL) {
		rp->desc = "conditional create (If-None-Exist) is not "
		    "supported here";
		return SG_E_BAD_REQUEST;
	}
	return SG_OK;
}

static enum sg_status
serve(struct call *k, struct sg_reply *rp)
{
	const struct sg_config	*cfg = k->c->p.cfg;
	const char		*rest, *why = NULL;
	enum sg_status		 st;
	int			 may_create = 1;

	if ((st = token_check(k, rp)) != SG_OK)
		return st;
	rest = k->req->path + k->c->fhir_path_len;
	if (strncmp(k->req->path, cfg->fhir_path, k->c->fhir_path_len) != 0 ||
	    (*rest != '\0' && *rest != '/'))
		return SG_E_NOT_FOUND;
	if ((st = read_body(k, ends_search(rest), rp)) != SG_OK)
		return st;
	if ((st = sg_fhir_req_parse(k->req->method, rest, k->req->query,
	    ends_search(rest) ? k->body : NULL, &k->r, &why)) != SG_OK) {
		rp->desc = why;
		return st;
	}
	if ((st = own_params(k, rp)) != SG_OK)
		return st;
	sg_policy_init(&k->pol, k->a->scope, k->a->ctx.patient, k->c->bases,
	    (const char *const *)cfg->fhir_operations);
	if (k->r.op == SG_FHIR_BATCH)
		return batch(k, rp);
	if ((st = sg_policy_decide(&k->pol, &k->r, &k->plan, &why)) !=
	    SG_OK) {
		rp->desc = why;
		return st;
	}
	if (k->body != NULL && !k->r.post_search &&
	    (k->plan.body || k->r.op == SG_FHIR_PATCH ||
	    k->r.op == SG_FHIR_PATCH_COND) &&
	    (st = check_body(k, &may_create, rp)) != SG_OK)
		return st;
	if (k->plan.body && k->body == NULL) {
		rp->desc = "the body must be a JSON resource";
		return SG_E_BAD_REQUEST;
	}
	/* An update that may not create must find the resource there. */
	if (k->r.op == SG_FHIR_UPDATE && !may_create)
		k->plan.existing = 1;
	if (k->plan.existing && (st = check_existing(k, &k->r, &k->plan,
	    may_create, rp)) != SG_OK)
		return st;
	return forward(k, rp);
}

/*
 * The audit record (never a token): who, what, how it ended, as the
 * note of the request's one access line, which has the time.
 */
static void
audit(const struct call *k, enum sg_status st)
{
	const struct sg_access	*a = k->a != NULL ? k->a : &no_access;
	char			 buf[SG_MAX_LOG_LINE / 2];

	snprintf(buf, sizeof(buf), "audit client=%s user=%s patient=%s "
	    "interaction=%s type=%s outcome=%s upstream=%ld",
	    a->client_id != NULL ? a->client_id : "-",
	    a->fhir_user != NULL ? a->fhir_user :
	    a->sub != NULL ? a->sub : "-",
	    a->ctx.patient != NULL ? a->ctx.patient : "-",
	    sg_fhir_op_name(k->r.op),
	    k->r.type != NULL ? k->r.type->name : "-",
	    st == SG_OK ? "allowed" : st == SG_E_INSUFFICIENT_SCOPE ||
	    st == SG_E_INVALID_TOKEN || st == SG_E_NO_TOKEN ? "denied" :
	    "error", k->upstream);
	free(k->req->log_note);
	k->req->log_note = sg_xstrdup(buf);
}

static enum sg_status
handle(struct sg_request *req, void *arg, struct sg_form *form,
    struct sg_reply *rp)
{
	struct call	 k;
	enum sg_status	 st;

	(void)form;
	memset(&k, 0, sizeof(k));
	k.req = req;
	k.c = arg;
	st = serve(&k, rp);
	audit(&k, st);
	sg_policy_free(&k.pol);
	sg_fhir_req_free(&k.r);
	free(k.body);
	return st;
}

static const struct sg_endpoint endpoint = {
	.methods = "GET, HEAD, POST, PUT, PATCH, DELETE",
	.shape = SG_SHAPE_FHIR,
	.flags = SG_EP_CORS,
	.handler = handle,
};

int
main(void)
{
	struct ctx	 c;
	int		 rc = 1;

	memset(&c, 0, sizeof(c));
	if (sg_proc_load(&c.p, "fhir-proxy", SG_NEED_LEDGER | SG_NEED_HTTP |
	    SG_SEAL_ONLY) == -1)
		return 1;
	c.bases[0] = c.p.cfg->fhir_base;
	c.bases[1] = c.p.cfg->upstream_fhir;
	c.fhir_path_len = strlen(c.p.cfg->fhir_path);
	if (sg_proc_serve(&c.p, &endpoint, &c) == 0)
		rc = 0;
	sg_access_clear(&c.memo.a);
	sg_free_secret(c.memo.text);
	sg_proc_free(&c.p);
	return rc;
}
