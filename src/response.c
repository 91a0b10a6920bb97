/*
 * Writing the answer.  One writer (resp_write) puts bytes on the wire,
 * one function (sg_resp_send) frames every answer, and one function
 * (sg_resp_error) renders every error from the status table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ClearSilver.h>
#include <fcgiapp.h>
#include <json-c/json.h>

#include "bounds.h"
#include "config.h"
#include "log.h"
#include "mem.h"
#include "request.h"
#include "response.h"
#include "status.h"
#include "tmpl.h"

/* RFC 9110 §15 reason phrases; anything else gets its class name. */
static const struct {
	int		 code;
	const char	*reason;
} resp_reasons[] = {
	{ 100, "Continue" }, { 200, "OK" }, { 201, "Created" },
	{ 202, "Accepted" }, { 203, "Non-Authoritative Information" },
	{ 204, "No Content" }, { 205, "Reset Content" },
	{ 206, "Partial Content" }, { 300, "Multiple Choices" },
	{ 301, "Moved Permanently" }, { 302, "Found" }, { 303, "See Other" },
	{ 304, "Not Modified" }, { 307, "Temporary Redirect" },
	{ 308, "Permanent Redirect" }, { 400, "Bad Request" },
	{ 401, "Unauthorized" }, { 403, "Forbidden" }, { 404, "Not Found" },
	{ 405, "Method Not Allowed" }, { 406, "Not Acceptable" },
	{ 408, "Request Timeout" }, { 409, "Conflict" }, { 410, "Gone" },
	{ 411, "Length Required" }, { 412, "Precondition Failed" },
	{ 413, "Content Too Large" }, { 414, "URI Too Long" },
	{ 415, "Unsupported Media Type" }, { 416, "Range Not Satisfiable" },
	{ 417, "Expectation Failed" }, { 421, "Misdirected Request" },
	{ 422, "Unprocessable Content" }, { 428, "Precondition Required" },
	{ 429, "Too Many Requests" },
	{ 431, "Request Header Fields Too Large" },
	{ 500, "Internal Server Error" }, { 501, "Not Implemented" },
	{ 502, "Bad Gateway" }, { 503, "Service Unavailable" },
	{ 504, "Gateway Timeout" }, { 505, "HTTP Version Not Supported" },
};

/*
 * Sent with every HTML page.  The CSP's form-action may name one more
 * origin: a form POST that is answered by a redirect is checked
 * against form-action all along the redirect chain (CSP 3
 * "form-action"), so the consent page must allow the app's origin.
 */
#define RESP_CSP_HEAD	"default-src 'none'; style-src 'self'; " \
			"img-src 'self' https: data:; form-action 'self'"
#define RESP_CSP_TAIL	"; frame-ancestors 'none'; base-uri 'none'"
static const char *const resp_html_headers[][2] = {
	{ "X-Frame-Options", "DENY" },
	{ "Referrer-Policy", "no-referrer" },
	{ "Cache-Control", "no-store" },
};

struct rbuf {
	char	*p;
	size_t	 len, cap;
};

static void
rbuf_add(struct rbuf *b, const char *s, size_t n)
{
	size_t	 cap;

	if (b->len + n + 1 > b->cap) {
		cap = b->cap == 0 ? 512 : b->cap;
		while (cap < b->len + n + 1)
			cap *= 2;
		b->p = sg_xrealloc(b->p, cap);
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
rbuf_adds(struct rbuf *b, const char *s)
{
	rbuf_add(b, s, strlen(s));
}

static const char *
resp_reason(int code)
{
	size_t	 i;

	for (i = 0; i < sizeof(resp_reasons) / sizeof(resp_reasons[0]); i++)
		if (resp_reasons[i].code == code)
			return resp_reasons[i].reason;
	switch (code / 100) {
	case 1:
		return "Informational";
	case 2:
		return "Success";
	case 3:
		return "Redirection";
	case 4:
		return "Client Error";
	default:
		return "Server Error";
	}
}

/* RFC 7230 §3.2.6 tchar. */
static int
resp_is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/*
 * RFC 7230 §3.2: field-value is VCHAR, obs-text, SP and HTAB.  Refusing
 * every other control byte refuses CR and LF, so no header can be split.
 */
static int
resp_value_ok(const char *v)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)v; *p != '\0'; p++)
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return 0;
	return 1;
}

int
sg_resp_header(struct sg_request *req, const char *name, const char *value)
{
	struct rbuf	 b = { NULL, 0, 0 };
	const char	*p;
	size_t		 nlen, vlen;

	if (name == NULL || value == NULL || *name == '\0') {
		sg_log(req, SG_LOG_ERR, "refused header: empty");
		return -1;
	}
	for (p = name; *p != '\0'; p++)
		if (!resp_is_tchar((unsigned char)*p)) {
			sg_log(req, SG_LOG_ERR, "refused header: bad name");
			return -1;
		}
	if (!resp_value_ok(value)) {
		sg_log(req, SG_LOG_ERR, "refused header %s: control byte "
		    "in value", name);
		return -1;
	}
	nlen = strlen(name);
	vlen = strlen(value);
	if (nlen + vlen + 2 > SG_MAX_RESP_HEADER) {
		sg_log(req, SG_LOG_ERR, "refused header %s: too long", name);
		return -1;
	}
	if (req->nresp_headers >= SG_MAX_RESP_HEADERS) {
		sg_log(req, SG_LOG_ERR, "refused header %s: table full", name);
		return -1;
	}
	rbuf_add(&b, name, nlen);
	rbuf_add(&b, ": ", 2);
	rbuf_add(&b, value, vlen);
	req->resp_headers[req->nresp_headers++] = b.p;
	return 0;
}

/* The one place that writes bytes of the answer.  0 or -1. */
static int
resp_write(struct sg_request *req, const char *p, size_t len)
{
	size_t	 n;

	if (req->cgi)
		return fwrite(p, 1, len, stdout) == len ? 0 : -1;
	if (req->fcgx.out == NULL)
		return -1;
	while (len > 0) {
		n = len > SG_RESP_WRITE_CHUNK ? SG_RESP_WRITE_CHUNK : len;
		if (FCGX_PutStr(p, (int)n, req->fcgx.out) != (int)n)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

/*
 * Writes the status line and headers of the answer.  With known, the
 * body is *len bytes and Content-Length says so; without, the length is
 * left to the server (chunked).  *len is set to 0 when the status
 * carries no body.  Returns 0, or -1 when an answer was already sent.
 */
static int
resp_head(struct sg_request *req, int http_status, const char *content_type,
    int known, size_t *len)
{
	struct rbuf	 b = { NULL, 0, 0 };
	char		 num[64];
	size_t		 i;
	int		 nobody;

	if (req->resp_status != 0) {
		sg_log(req, SG_LOG_ERR, "answer already sent (%d); %d dropped",
		    req->resp_status, http_status);
		return -1;
	}
	if (http_status < 100 || http_status > 599) {
		sg_log(req, SG_LOG_ERR, "invalid HTTP status %d", http_status);
		http_status = 500;
		content_type = NULL;
		*len = 0;
		known = 1;
	}
	if (content_type != NULL && !resp_value_ok(content_type)) {
		sg_log(req, SG_LOG_ERR, "refused content type");
		content_type = "application/octet-stream";
	}
	/* RFC 9110 §8.6, §15.3.5, §15.4.5: no content for 1xx, 204, 304. */
	nobody = http_status < 200 || http_status == 204 || http_status == 304;

	/* An explicit Status: always (docs/DESIGN.md "Apache"). */
	snprintf(num, sizeof(num), "Status: %d ", http_status);
	rbuf_adds(&b, num);
	rbuf_adds(&b, resp_reason(http_status));
	rbuf_adds(&b, "\r\nX-Request-Id: ");
	rbuf_adds(&b, req->id);
	rbuf_adds(&b, "\r\nX-Content-Type-Options: nosniff\r\n");
	for (i = 0; i < req->nresp_headers && i < SG_MAX_RESP_HEADERS; i++) {
		rbuf_adds(&b, req->resp_headers[i]);
		rbuf_add(&b, "\r\n", 2);
	}
	if (!nobody) {
		if (content_type != NULL) {
			rbuf_adds(&b, "Content-Type: ");
			rbuf_adds(&b, content_type);
			rbuf_add(&b, "\r\n", 2);
		}
		if (known) {
			snprintf(num, sizeof(num), "Content-Length: %zu\r\n",
			    *len);
			rbuf_adds(&b, num);
		}
	} else
		*len = 0;
	rbuf_add(&b, "\r\n", 2);

	req->resp_status = http_status;
	if (resp_write(req, b.p, b.len) != 0) {
		sg_log(req, SG_LOG_WARN, "writing the answer failed");
		*len = 0;
	}
	free(b.p);
	return 0;
}

void
sg_resp_send(struct sg_request *req, int http_status,
    const char *content_type, const void *body, size_t len)
{
	if (body == NULL)
		len = 0;
	if (resp_head(req, http_status, content_type, 1, &len) == 0 &&
	    len > 0) {
		if (resp_write(req, body, len) != 0)
			sg_log(req, SG_LOG_WARN, "writing the answer failed");
		else
			req->resp_bytes = len;
	}
}

int
sg_resp_begin(struct sg_request *req, int http_status,
    const char *content_type)
{
	size_t	 len = 0;

	return resp_head(req, http_status, content_type, 0, &len);
}

int
sg_resp_write(struct sg_request *req, const void *p, size_t len)
{
	if (req->resp_status == 0 || len == 0)
		return req->resp_status == 0 ? -1 : 0;
	if (resp_write(req, p, len) != 0) {
		sg_log(req, SG_LOG_WARN, "writing the answer failed");
		return -1;
	}
	req->resp_bytes += len;
	return 0;
}

void
sg_resp_json(struct sg_request *req, int http_status,
    const char *content_type, json_object *obj)
{
	static const char	 oom[] = "{\"error\":\"server_error\"}";
	const char		*s;

	if (content_type == NULL)
		content_type = "application/json";
	s = json_object_to_json_string_ext(obj,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s == NULL) {
		sg_log(req, SG_LOG_ERR, "JSON serialisation failed");
		sg_resp_send(req, 500, "application/json", oom,
		    sizeof(oom) - 1);
		return;
	}
	sg_resp_send(req, http_status, content_type, s, strlen(s));
}

void
sg_resp_redirect(struct sg_request *req, int http_status,
    const char *location)
{
	if (http_status < 300 || http_status > 399 || location == NULL ||
	    *location == '\0') {
		sg_log(req, SG_LOG_ERR, "invalid redirect (%d)", http_status);
		goto fail;
	}
	/* CR/LF refused here: a Location can never split the header. */
	if (sg_resp_header(req, "Location", location) != 0)
		goto fail;
	sg_resp_send(req, http_status, NULL, NULL, 0);
	return;
fail:
	sg_resp_error(req, NULL, SG_E_INTERNAL, SG_SHAPE_HTML, NULL);
}

/*
 * RFC 6750 §3: error_description holds only %x20-21 / %x23-5B / %x5D-7E,
 * so '"' and '\' and anything outside printable ASCII are dropped.
 */
static void
resp_challenge_text(char *dst, size_t dstlen, const char *s)
{
	size_t	 i = 0;

	for (; *s != '\0' && i + 1 < dstlen; s++)
		if (*s >= 0x20 && *s <= 0x7e && *s != '"' && *s != '\\')
			dst[i++] = *s;
	dst[i] = '\0';
}

/* WWW-Authenticate for token errors at a protected resource (RFC 6750 §3). */
static void
resp_bearer_challenge(struct sg_request *req, const char *code,
    const char *msg)
{
	struct rbuf	 b = { NULL, 0, 0 };
	char		 desc[SG_MAX_ERROR_DESC];

	resp_challenge_text(desc, sizeof(desc), msg);
	rbuf_adds(&b, "Bearer error=\"");
	rbuf_adds(&b, code);
	rbuf_adds(&b, "\", error_description=\"");
	rbuf_adds(&b, desc);
	rbuf_adds(&b, "\"");
	sg_resp_header(req, "WWW-Authenticate", b.p);
	free(b.p);
}

/* The headers of every HTML page: CSP, no framing, no caching. */
static void
resp_html_security(struct sg_request *req, const char *form_origin)
{
	char	 csp[512];
	size_t	 i;

	/* An origin is scheme://host[:port]: nothing that ends a directive. */
	if (form_origin != NULL && (strlen(form_origin) > 256 ||
	    strpbrk(form_origin, " ;,'\"") != NULL))
		form_origin = NULL;
	snprintf(csp, sizeof(csp), "%s%s%s%s", RESP_CSP_HEAD,
	    form_origin != NULL ? " " : "",
	    form_origin != NULL ? form_origin : "", RESP_CSP_TAIL);
	sg_resp_header(req, "Content-Security-Policy", csp);
	for (i = 0; i < sizeof(resp_html_headers) /
	    sizeof(resp_html_headers[0]); i++)
		sg_resp_header(req, resp_html_headers[i][0],
		    resp_html_headers[i][1]);
}

int
sg_resp_page(struct sg_request *req, const struct sg_config *cfg,
    int http_status, HDF *hdf, const char *page, const char *form_origin)
{
	char	*html;

	if ((html = sg_tmpl_render(cfg, hdf, page)) == NULL)
		return -1;
	resp_html_security(req, form_origin);
	sg_resp_send(req, http_status, "text/html; charset=utf-8", html,
	    strlen(html));
	free(html);
	return 0;
}

static void
resp_error_html(struct sg_request *req, const struct sg_config *cfg,
    const struct sg_status_info *info, const char *msg)
{
	char		 num[16], page_fallback[1024];
	HDF		*hdf = NULL;
	NEOERR		*err = STATUS_OK;
	char		*page = NULL;
	int		 n;

	resp_html_security(req, NULL);

	if (cfg == NULL || (hdf = sg_tmpl_hdf(cfg, req->id)) == NULL)
		goto fallback;
	snprintf(num, sizeof(num), "%d", info->http);
	err = hdf_set_value(hdf, "Error.Status", num);
	if (err == STATUS_OK)
		err = hdf_set_value(hdf, "Error.Title", info->reason);
	if (err == STATUS_OK)
		err = hdf_set_value(hdf, "Error.Message", msg);
	if (err == STATUS_OK)
		err = hdf_set_value(hdf, "Page.Title", info->reason);
	if (err != STATUS_OK) {
		sg_log(req, SG_LOG_ERR, "error page: data tree failed");
		nerr_ignore(&err);
		goto fallback;
	}
	if ((page = sg_tmpl_render(cfg, hdf, "error.cs")) == NULL)
		goto fallback;
	hdf_destroy(&hdf);
	sg_resp_send(req, info->http, "text/html; charset=utf-8", page,
	    strlen(page));
	free(page);
	return;

fallback:
	if (hdf != NULL)
		hdf_destroy(&hdf);
	/* Constant text, the status and our own id: nothing from input. */
	n = snprintf(page_fallback, sizeof(page_fallback),
	    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<title>Error %d</title></head><body><main><h1>Error %d</h1>"
	    "<p>%s</p><p>Go back to the application you came from and try "
	    "again.</p><p>Request id: %s</p></main></body></html>\n",
	    info->http, info->http, info->reason, req->id);
	if (n < 0 || (size_t)n >= sizeof(page_fallback))
		n = 0;
	sg_resp_send(req, info->http, "text/html; charset=utf-8",
	    page_fallback, (size_t)n);
}

void
sg_resp_error(struct sg_request *req, const struct sg_config *cfg,
    enum sg_status st, enum sg_shape shape, const char *detail)
{
	const struct sg_status_info	*info;
	const char			*msg, *code;
	json_object			*obj, *issue, *issues;

	if (req->resp_status != 0) {
		sg_log(req, SG_LOG_ERR, "error %d after the answer was sent",
		    (int)st);
		return;
	}
	if (st == SG_OK) {
		sg_log(req, SG_LOG_ERR, "error answer asked for SG_OK");
		st = SG_E_INTERNAL;
	}
	info = sg_status_info(st);
	msg = detail != NULL && *detail != '\0' ? detail : info->message;
	code = sg_status_oauth(st);
	sg_log(req, info->http >= 500 ? SG_LOG_ERR : SG_LOG_WARN,
	    "error %d %s: %s", info->http, code, msg);

	switch (shape) {
	case SG_SHAPE_OAUTH:
	case SG_SHAPE_JSON:
		/* RFC 6749 §5.1, §5.2: never cache an error of the token flow. */
		sg_resp_header(req, "Cache-Control", "no-store");
		sg_resp_header(req, "Pragma", "no-cache");
		if (shape == SG_SHAPE_OAUTH && st == SG_E_INVALID_CLIENT)
			/* RFC 6749 §5.2: 401 names the scheme. */
			sg_resp_header(req, "WWW-Authenticate",
			    "Basic realm=\"smartgate\"");
		if (shape == SG_SHAPE_OAUTH && (st == SG_E_INVALID_TOKEN ||
		    st == SG_E_INSUFFICIENT_SCOPE))
			resp_bearer_challenge(req, code, msg);
		obj = json_object_new_object();
		json_object_object_add(obj, "error",
		    json_object_new_string(code));
		json_object_object_add(obj, "error_description",
		    json_object_new_string(msg));
		sg_resp_json(req, info->http, "application/json", obj);
		json_object_put(obj);
		break;
	case SG_SHAPE_FHIR:
		/* A FHIR server is a protected resource too (RFC 6750 §3);
		   a request without credentials gets no error code (§3.1). */
		if (st == SG_E_INVALID_TOKEN || st == SG_E_INSUFFICIENT_SCOPE)
			resp_bearer_challenge(req, code, msg);
		else if (st == SG_E_NO_TOKEN)
			sg_resp_header(req, "WWW-Authenticate",
			    "Bearer realm=\"smartgate\"");
		issue = json_object_new_object();
		json_object_object_add(issue, "severity",
		    json_object_new_string("error"));
		json_object_object_add(issue, "code",
		    json_object_new_string(info->fhir));
		json_object_object_add(issue, "diagnostics",
		    json_object_new_string(msg));
		issues = json_object_new_array();
		json_object_array_add(issues, issue);
		obj = json_object_new_object();
		json_object_object_add(obj, "resourceType",
		    json_object_new_string("OperationOutcome"));
		json_object_object_add(obj, "issue", issues);
		sg_resp_json(req, info->http, "application/fhir+json", obj);
		json_object_put(obj);
		break;
	case SG_SHAPE_HTML:
	default:
		resp_error_html(req, cfg, info, msg);
		break;
	}
}

int
sg_resp_cors(struct sg_request *req, const struct sg_config *cfg,
    const char *methods)
{
	return sg_resp_cors_ex(req, cfg, methods, 0);
}

int
sg_resp_cors_ex(struct sg_request *req, const struct sg_config *cfg,
    const char *methods, int origin_ok)
{
	static const char	 allow_headers[] = "Authorization, "
	    "Content-Type, Accept, Prefer, If-Match, If-None-Match, "
	    "If-Modified-Since, If-None-Exist";
	static const char	 expose_headers[] = "Location, "
	    "Content-Location, ETag, Last-Modified, X-Request-Id, "
	    "WWW-Authenticate";
	const char		*origin, *method;
	size_t			 i;
	int			 allowed = 0, preflight, any;

	origin = sg_request_env(req, "HTTP_ORIGIN");
	method = sg_request_env(req, "HTTP_ACCESS_CONTROL_REQUEST_METHOD");
	preflight = req->method != NULL && strcmp(req->method, "OPTIONS") ==
	    0 && method != NULL;

	if (origin != NULL && *origin != '\0') {
		if (origin_ok || (cfg != NULL && cfg->cors_any))
			allowed = 1;
		/* Byte for byte: no case folding, no prefix match. */
		for (i = 0; !allowed && cfg != NULL && i < cfg->ncors_origins &&
		    i < sizeof(cfg->cors_origins) /
		    sizeof(cfg->cors_origins[0]); i++)
			if (cfg->cors_origins[i] != NULL &&
			    strcmp(cfg->cors_origins[i], origin) == 0)
				allowed = 1;
	}

	/*
	 * With a list of origins the answer depends on Origin whether or
	 * not it matched, so caches must key on it (Fetch "CORS protocol
	 * and HTTP caches").
	 */
	any = cfg != NULL && cfg->cors_any && !origin_ok;
	if (!any && (origin_ok || (cfg != NULL && cfg->ncors_origins > 0)))
		sg_resp_header(req, "Vary", "Origin");
	if (allowed) {
		sg_resp_header(req, "Access-Control-Allow-Origin",
		    any ? "*" : origin);
		if (!preflight)
			sg_resp_header(req, "Access-Control-Expose-Headers",
			    expose_headers);
	}
	if (!preflight)
		return 0;

	/*
	 * A preflight is answered here.  A disallowed origin gets a plain
	 * 204 without allow headers: the browser then blocks the request.
	 */
	if (allowed) {
		sg_resp_header(req, "Access-Control-Allow-Methods",
		    methods != NULL ? methods : "GET, POST");
		sg_resp_header(req, "Access-Control-Allow-Headers",
		    allow_headers);
		sg_resp_header(req, "Access-Control-Max-Age", "600");
	}
	sg_resp_send(req, 204, NULL, NULL, 0);
	return 1;
}
