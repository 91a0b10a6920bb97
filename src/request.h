/*
 * One HTTP request over FastCGI (libfcgi FCGX API) or, when not started
 * by a FastCGI server, plain CGI (FCGX_IsCGI()).  Routing is on
 * REQUEST_URI without its query string, which every Apache mode sets
 * alike (mod_proxy_fcgi sets no PATH_INFO).
 *
 * A request owns everything hung off it; sg_request_finish() frees it
 * all.  Nothing request-scoped lives anywhere else.
 */
#ifndef SG_REQUEST_H
#define SG_REQUEST_H

#include <stddef.h>
#include <time.h>

#include <fcgiapp.h>

#include "bounds.h"
#include "status.h"

struct sg_config;
struct sg_form;
struct sg_param;

struct sg_request {
	FCGX_Request	 fcgx;		/* the libfcgi request */
	int		 cgi;		/* plain CGI: one request, then exit */
	int		 fcgx_ready;	/* FCGX_InitRequest done on fcgx */
	char		 id[17];	/* request id: 16 hex digits */
	struct timespec	 start;

	const char	*method;	/* "GET", ...; never NULL */
	char		*path;		/* REQUEST_URI up to '?', raw */
	const char	*query;		/* QUERY_STRING, or "" */
	const char	*remote_addr;	/* REMOTE_ADDR, or "-" */
	int		 too_long;	/* REQUEST_URI > SG_MAX_URI: path is "";
					   answer 414 */

	/* Response state (response.h). */
	char		*resp_headers[SG_MAX_RESP_HEADERS]; /* "Name: value" */
	size_t		 nresp_headers;
	int		 resp_status;	/* HTTP status sent, 0 before */
	size_t		 resp_bytes;	/* body bytes sent */
	char		*log_note;	/* optional short note for the access
					   line; malloc'd, freed by finish */
};

/* Once per process, before the first sg_request_accept(). 0 or -1. */
int	sg_request_init_process(void);

/*
 * Waits for the next request and fills req, which must be zeroed before
 * the first call and then reused for every request of the process.
 * Returns 1 when there is a request, 0 when the program should exit
 * (plain CGI after its one request, or the FastCGI server closing).
 */
int	sg_request_accept(struct sg_request *req);

/*
 * Ends the request: answers 500 if nothing was sent, logs the access
 * line (never the query string), flushes and frees everything the
 * request owns, and clears the response state for the next request.
 */
void	sg_request_finish(struct sg_request *req);

/* A CGI variable (e.g. "HTTP_ORIGIN"), or NULL when unset. */
const char *sg_request_env(const struct sg_request *req, const char *name);

/*
 * Reads the request body, at most max bytes.  On success stores a
 * NUL-terminated copy in *out (caller frees) with its length in *len.
 * Returns SG_E_TOO_LARGE when CONTENT_LENGTH or the data exceeds max,
 * SG_E_BAD_REQUEST when CONTENT_LENGTH is malformed or the body is short.
 */
enum sg_status sg_request_body(struct sg_request *req, size_t max,
	    char **out, size_t *len);

#define SG_FORM_TYPE	"application/x-www-form-urlencoded"

/*
 * 1 when the request's Content-Type is the media type type, with or
 * without parameters such as "; charset=UTF-8" (RFC 9110 §8.3.1).
 */
int	sg_request_type_is(const struct sg_request *req, const char *type);

/*
 * The parameters of a request (form.h): for GET and HEAD the query
 * string of at most SG_MAX_QUERY bytes, for POST an SG_FORM_TYPE body
 * (a parameter such as "; charset=UTF-8" allowed) of at most
 * SG_MAX_FORM_BODY bytes, wiped after parsing (it may hold secrets).
 * form must be zeroed before and released with sg_form_free() after, in
 * every case.  Returns SG_OK; SG_E_URI_TOO_LONG for a longer query;
 * SG_E_METHOD for another method; SG_E_UNSUPPORTED_MEDIA for another
 * content type; what sg_request_body() returns when the body cannot
 * be read (form->malformed then set); what sg_form_parse() returns.
 */
enum sg_status sg_request_form(struct sg_request *req,
	    const struct sg_param *params, size_t nparams,
	    struct sg_form *form);

#endif
