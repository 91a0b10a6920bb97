/*
 * HTTP client for upstream calls (FHIR server, identity provider), on
 * libcurl.  One handle per upstream per process, reused across requests
 * so connections are kept alive (docs/DESIGN.md "Process model").  Always:
 * a connect timeout and a total timeout, a cap on the answer size, no
 * redirects followed, TLS peer and host verification on, only http and
 * https.
 */
#ifndef SG_HTTP_H
#define SG_HTTP_H

#include <stddef.h>

#include "status.h"

struct sg_request;

struct sg_http;

struct sg_http_resp {
	long	 status;	/* HTTP status, 0 when none */
	char	*body;		/* NUL-terminated, caller frees via sg_http_resp_free */
	size_t	 len;
	char	*content_type;	/* or NULL */
	char	*location;	/* Location header, or NULL */
	char	*etag;		/* ETag header, or NULL */
	char	*last_modified;	/* Last-Modified header, or NULL */
	char	*content_location; /* Content-Location header, or NULL */
	char	*cache_control;	/* Cache-Control header, or NULL */
	char	*date;		/* Date header, or NULL (smartgate-check
				   compares clocks) */
	int	 streamed;	/* the body went to sg_http_out, not body */
};

/*
 * Where sg_http_stream() sends an answer's body.  begin is called once,
 * before the first byte of the body, with the status and the headers
 * of resp filled; it returns 1 to take the body piece by piece through
 * write (resp->streamed is then set and resp->len counts the bytes), or
 * 0 to have it collected in resp->body as sg_http_request() does (an
 * empty body never calls begin).  write returns 0, or -1 to abort the
 * transfer.
 */
struct sg_http_out {
	int	(*begin)(void *arg, const struct sg_http_resp *resp);
	int	(*write)(void *arg, const char *p, size_t len);
	void	*arg;
};

/*
 * A new client.  timeout_ms: whole-request timeout; ca_file: CA bundle
 * or NULL for the system's.  Returns NULL on failure.
 */
struct sg_http *sg_http_new(long timeout_ms, const char *ca_file);
/* Closes the connections and frees h; NULL is fine. */
void	sg_http_free(struct sg_http *h);

/*
 * Performs one request; req (may be NULL) only names the request in
 * log lines.  method "GET", "POST", ...; headers: a
 * NULL-terminated array of "Name: value" lines or NULL; body/bodylen
 * for POST/PUT (NULL for none); at most max answer bytes are accepted.
 * Returns SG_OK with *resp filled (any HTTP status), SG_E_UPSTREAM_TIMEOUT
 * on timeout, SG_E_TOO_LARGE past max, SG_E_UPSTREAM on any other
 * failure (refused, TLS, malformed).  resp is always safe to free.
 */
enum sg_status sg_http_request(struct sg_http *h,
	    const struct sg_request *req, const char *method, const char *url,
	    const char *const *headers, const void *body, size_t bodylen,
	    size_t max, struct sg_http_resp *resp);

/*
 * The same, streaming the body to out when out->begin takes it: then
 * max does not apply, and a failure after begin (SG_E_UPSTREAM,
 * SG_E_UPSTREAM_TIMEOUT) leaves resp->streamed set, the answer begun.
 */
enum sg_status sg_http_stream(struct sg_http *h,
	    const struct sg_request *req, const char *method, const char *url,
	    const char *const *headers, const void *body, size_t bodylen,
	    size_t max, const struct sg_http_out *out,
	    struct sg_http_resp *resp);

/* Frees what resp holds and zeroes it. */
void	sg_http_resp_free(struct sg_http_resp *resp);

#endif
