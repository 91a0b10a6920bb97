/*
 * Writing the answer.  Every answer goes through sg_resp_send() (or
 * sg_resp_error(), which renders the status table), so every answer
 * carries an explicit Status:, X-Request-Id and Content-Length, and is
 * counted in the access log line.
 */
#ifndef SG_RESPONSE_H
#define SG_RESPONSE_H

#include <stddef.h>

#include <ClearSilver.h>
#include <json-c/json.h>

#include "status.h"

struct sg_request;
struct sg_config;

/* How an error is shaped for the protocol of the endpoint. */
enum sg_shape {
	SG_SHAPE_OAUTH,	/* {"error": ..., "error_description": ...} RFC 6749 §5.2 */
	SG_SHAPE_FHIR,	/* OperationOutcome, application/fhir+json */
	SG_SHAPE_JSON,	/* {"error": ..., "error_description": ...} for plain JSON endpoints */
	SG_SHAPE_HTML	/* the error page template, for people */
};

/*
 * Adds a header to the answer (copied; the request owns the copy).
 * Repeating a name is allowed (e.g. Vary).  Refuses (returns -1, logs)
 * a name that is not an RFC 7230 token, a value with CR, LF or another
 * control byte except HTAB, or when the header table is full.
 */
int	sg_resp_header(struct sg_request *req, const char *name,
	    const char *value);

/*
 * Sends the whole answer: Status:, X-Request-Id,
 * X-Content-Type-Options: nosniff, the added headers, Content-Type (when
 * not NULL), Content-Length, body.  1xx, 204 and 304 carry neither
 * Content-Type, Content-Length nor body (RFC 9110 §8.6).  Only the first
 * answer of a request is sent; a later one is logged and dropped.
 */
void	sg_resp_send(struct sg_request *req, int http_status,
	    const char *content_type, const void *body, size_t len);

/*
 * Starts an answer whose length is not known yet (a body streamed from
 * upstream): like sg_resp_send() without Content-Length, which the
 * server then supplies or replaces by chunked coding.  The body follows
 * with sg_resp_write().  Returns 0, or -1 when an answer was already
 * sent (nothing written).
 */
int	sg_resp_begin(struct sg_request *req, int http_status,
	    const char *content_type);

/* Sends len more bytes of a begun answer.  0, or -1 when writing failed. */
int	sg_resp_write(struct sg_request *req, const void *p, size_t len);

/*
 * Serialises obj (not consumed) as compact JSON, '/' unescaped, and
 * sends it; content_type NULL means application/json.
 */
void	sg_resp_json(struct sg_request *req, int http_status,
	    const char *content_type, json_object *obj);

/*
 * Renders page (a constant template name) with the data in hdf (not
 * consumed) and sends it as HTML with the security headers of every
 * page (CSP, no framing, no caching).  form_origin, when not NULL, is
 * an origin the page's forms may lead to (through a redirect) besides
 * our own.  Returns 0, or -1 when rendering failed and nothing was sent.
 */
int	sg_resp_page(struct sg_request *req, const struct sg_config *cfg,
	    int http_status, HDF *hdf, const char *page,
	    const char *form_origin);

/*
 * A redirect with an explicit Status: (docs/DESIGN.md), Location and an
 * empty body.  A status outside 3xx or a location with CR/LF sends a
 * 500 error page instead.
 */
void	sg_resp_redirect(struct sg_request *req, int http_status,
	    const char *location);

/*
 * Sends the error answer for st in the given shape.  detail, when not
 * NULL, replaces the table's default message (it must not contain a
 * secret: it goes to the client).  HTML errors are rendered from the
 * "error.cs" template in cfg->templates_dir; if that fails (or cfg is
 * NULL), a minimal built-in page is sent instead.  Headers added
 * before (CORS, say) are kept.  OAUTH and JSON errors carry
 * Cache-Control: no-store; OAUTH invalid_client a Basic challenge, and
 * OAUTH and FHIR token errors a Bearer challenge (RFC 6750 §3).  The
 * error is logged once.
 */
void	sg_resp_error(struct sg_request *req, const struct sg_config *cfg,
	    enum sg_status st, enum sg_shape shape, const char *detail);

/*
 * Adds the CORS headers (Fetch standard) when the request's Origin is
 * allowed by cfg (exact byte comparison, or any origin with "*"); adds
 * Vary: Origin whenever cfg lists origins.  Answers a preflight (OPTIONS
 * with Access-Control-Request-Method) itself with 204, naming methods
 * (NULL: "GET, POST"), and returns 1 then, else 0.  A preflight from an
 * origin not allowed gets a 204 without any Access-Control-Allow-*
 * header, so the browser blocks the request.
 */
int	sg_resp_cors(struct sg_request *req, const struct sg_config *cfg,
	    const char *methods);

/*
 * The same, also allowing the request's Origin when origin_ok is set;
 * with cfg NULL only origin_ok counts (the token endpoint: the origins
 * of public clients, whatever cors_origins says).
 */
int	sg_resp_cors_ex(struct sg_request *req, const struct sg_config *cfg,
	    const char *methods, int origin_ok);

#endif
