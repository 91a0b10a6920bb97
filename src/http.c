/*
 * HTTP client for upstream calls, on libcurl.  One easy handle per
 * client, reset before every request: curl_easy_reset() keeps the live
 * connections, the DNS and TLS session caches, so keep-alive works.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "http.h"
#include "bounds.h"
#include "log.h"
#include "mem.h"
#include "status.h"

struct sg_http {
	CURL	*curl;
	long	 timeout_ms;
	char	*ca_file;
	char	 errbuf[CURL_ERROR_SIZE];
};

/* Where the callbacks put the answer of one request. */
struct http_sink {
	struct sg_http_resp	*resp;
	size_t			 cap;
	size_t			 max;
	int			 too_large;
	CURL			*curl;
	const struct sg_http_out *out;	/* NULL: always collect */
	int			 decided;	/* out->begin called */
	int			 failed;	/* out->write refused */
};

/* Process state: curl_global_init() once. */
static int	http_global_done;

struct sg_http *
sg_http_new(long timeout_ms, const char *ca_file)
{
	struct sg_http	*h;

	if (!http_global_done) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			sg_log(NULL, SG_LOG_ERR, "curl_global_init failed");
			return NULL;
		}
		http_global_done = 1;
	}
	if (timeout_ms <= 0)
		timeout_ms = SG_UPSTREAM_TIMEOUT_MS;
	if (timeout_ms > SG_UPSTREAM_TIMEOUT_MAX_MS)
		timeout_ms = SG_UPSTREAM_TIMEOUT_MAX_MS;

	h = sg_xcalloc(1, sizeof(*h));
	h->timeout_ms = timeout_ms;
	if (ca_file != NULL)
		h->ca_file = sg_xstrdup(ca_file);
	if ((h->curl = curl_easy_init()) == NULL) {
		sg_log(NULL, SG_LOG_ERR, "curl_easy_init failed");
		sg_http_free(h);
		return NULL;
	}
	return h;
}

void
sg_http_free(struct sg_http *h)
{
	if (h == NULL)
		return;
	if (h->curl != NULL)
		curl_easy_cleanup(h->curl);
	free(h->ca_file);
	free(h);
}

void
sg_http_resp_free(struct sg_http_resp *resp)
{
	if (resp == NULL)
		return;
	free(resp->body);
	free(resp->content_type);
	free(resp->location);
	free(resp->etag);
	free(resp->last_modified);
	free(resp->content_location);
	free(resp->cache_control);
	free(resp->date);
	memset(resp, 0, sizeof(*resp));
}

static size_t
http_write_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	struct http_sink	*sink = arg;
	struct sg_http_resp	*resp = sink->resp;
	size_t			 n;

	n = size * nmemb;
	if (sink->out != NULL && !sink->decided) {
		sink->decided = 1;
		curl_easy_getinfo(sink->curl, CURLINFO_RESPONSE_CODE,
		    &resp->status);
		resp->streamed = sink->out->begin(sink->out->arg, resp) == 1;
	}
	if (resp->streamed) {
		if (sink->out->write(sink->out->arg, data, n) == -1) {
			sink->failed = 1;
			return 0;
		}
		resp->len += n;
		return n;
	}
	if (n > sink->max || resp->len > sink->max - n) {
		/* Returning less than n makes curl abort the transfer. */
		sink->too_large = 1;
		return 0;
	}
	if (resp->len + n + 1 > sink->cap) {
		sink->cap = sink->cap == 0 ? 16384 : sink->cap;
		while (sink->cap < resp->len + n + 1)
			sink->cap *= 2;
		resp->body = sg_xrealloc(resp->body, sink->cap);
	}
	memcpy(resp->body + resp->len, data, n);
	resp->len += n;
	resp->body[resp->len] = '\0';
	return n;
}

/* Stores a copy of the trimmed value, replacing any earlier one. */
static void
http_keep(char **dst, const char *v, size_t len)
{
	while (len > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		len--;
	}
	while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t' ||
	    v[len - 1] == '\r' || v[len - 1] == '\n'))
		len--;
	free(*dst);
	*dst = NULL;
	/* An overlong value is dropped rather than cut. */
	if (len > SG_MAX_UPSTREAM_HEADER || memchr(v, '\0', len) != NULL)
		return;
	*dst = sg_xstrndup(v, len);
}

/* The captured header fields of resp, by index; NULL past the end. */
static char **
http_field(struct sg_http_resp *resp, size_t i)
{
	switch (i) {
	case 0:
		return &resp->content_type;
	case 1:
		return &resp->location;
	case 2:
		return &resp->etag;
	case 3:
		return &resp->last_modified;
	case 4:
		return &resp->content_location;
	case 5:
		return &resp->cache_control;
	case 6:
		return &resp->date;
	default:
		return NULL;
	}
}

static size_t
http_header_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	/* In the order of http_field(). */
	static const char *const names[] = {
		"content-type", "location", "etag", "last-modified",
		"content-location", "cache-control", "date",
	};
	struct http_sink	*sink = arg;
	const char		*colon;
	char			**f;
	size_t			 n, i, nlen;

	n = size * nmemb;
	/* A new status line (after 1xx): forget the interim headers. */
	if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) {
		for (i = 0; (f = http_field(sink->resp, i)) != NULL; i++) {
			free(*f);
			*f = NULL;
		}
		return n;
	}
	if ((colon = memchr(data, ':', n)) == NULL)
		return n;
	nlen = (size_t)(colon - data);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == nlen &&
		    strncasecmp(names[i], data, nlen) == 0) {
			http_keep(http_field(sink->resp, i), colon + 1,
			    n - nlen - 1);
			break;
		}
	return n;
}

/* A method we send: upper-case letters only (a subset of RFC 7230 token). */
static int
http_method_ok(const char *m)
{
	const char	*p;

	if (m == NULL || *m == '\0' || strlen(m) > 16)
		return 0;
	for (p = m; *p != '\0'; p++)
		if (!isupper((unsigned char)*p))
			return 0;
	return 1;
}

static int
http_line_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s == '\r' || *s == '\n')
			return 0;
	return 1;
}

enum sg_status
sg_http_request(struct sg_http *h, const struct sg_request *req,
    const char *method, const char *url,
    const char *const *headers, const void *body, size_t bodylen,
    size_t max, struct sg_http_resp *resp)
{
	return sg_http_stream(h, req, method, url, headers, body, bodylen,
	    max, NULL, resp);
}

enum sg_status
sg_http_stream(struct sg_http *h, const struct sg_request *req,
    const char *method, const char *url,
    const char *const *headers, const void *body, size_t bodylen,
    size_t max, const struct sg_http_out *out, struct sg_http_resp *resp)
{
	struct http_sink	 sink;
	struct curl_slist	*list = NULL, *tmp;
	enum sg_status		 st = SG_E_UPSTREAM;
	CURLcode		 rc;
	long			 connect_ms;
	size_t			 i;
	int			 streamed;

	memset(resp, 0, sizeof(*resp));
	memset(&sink, 0, sizeof(sink));
	sink.resp = resp;
	sink.max = max;
	sink.out = out;
	sink.curl = h != NULL ? h->curl : NULL;

	if (h == NULL || url == NULL || !http_method_ok(method) ||
	    !http_line_ok(url)) {
		sg_log(req, SG_LOG_ERR, "upstream: invalid request");
		goto out;
	}
	for (i = 0; headers != NULL && headers[i] != NULL; i++) {
		if (!http_line_ok(headers[i])) {
			sg_log(req, SG_LOG_ERR,
			    "upstream: header with CR or LF refused");
			goto out;
		}
		if ((tmp = curl_slist_append(list, headers[i])) == NULL)
			abort();
		list = tmp;
	}
	/* No "Expect: 100-continue" round trip for bodies. */
	if ((tmp = curl_slist_append(list, "Expect:")) == NULL)
		abort();
	list = tmp;

	connect_ms = SG_UPSTREAM_CONNECT_MS;
	if (connect_ms > h->timeout_ms)
		connect_ms = h->timeout_ms;
	h->errbuf[0] = '\0';

	curl_easy_reset(h->curl);
	curl_easy_setopt(h->curl, CURLOPT_URL, url);
	/* As built: no dot-segment removal (RFC 3986 §5.2.4). */
	curl_easy_setopt(h->curl, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h->curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS, h->timeout_ms);
	curl_easy_setopt(h->curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h->curl, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(h->curl, CURLOPT_SSLVERSION,
	    (long)CURL_SSLVERSION_TLSv1_2);
	if (h->ca_file != NULL)
		curl_easy_setopt(h->curl, CURLOPT_CAINFO, h->ca_file);
	curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h->curl, CURLOPT_NOPROGRESS, 1L);
	curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, h->errbuf);
	if (out == NULL)	/* a streamed answer may be larger */
		curl_easy_setopt(h->curl, CURLOPT_MAXFILESIZE_LARGE,
		    (curl_off_t)max);
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, http_write_cb);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(h->curl, CURLOPT_HEADERFUNCTION, http_header_cb);
	curl_easy_setopt(h->curl, CURLOPT_HEADERDATA, &sink);
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, list);

	if (strcmp(method, "GET") == 0)
		curl_easy_setopt(h->curl, CURLOPT_HTTPGET, 1L);
	else if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(h->curl, CURLOPT_NOBODY, 1L);
	else {
		if (body != NULL || strcmp(method, "POST") == 0) {
			curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE,
			    (curl_off_t)(body != NULL ? bodylen : 0));
			curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS,
			    body != NULL ? body : "");
		}
		if (strcmp(method, "POST") != 0)
			curl_easy_setopt(h->curl, CURLOPT_CUSTOMREQUEST,
			    method);
	}

	rc = curl_easy_perform(h->curl);
	if (rc == CURLE_OK) {
		curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE,
		    &resp->status);
		if (resp->body == NULL)
			resp->body = sg_xstrdup("");
		st = SG_OK;
	} else if (sink.failed) {
		sg_log(req, SG_LOG_WARN, "upstream answer: the client went "
		    "away after %zu bytes", resp->len);
		st = SG_E_UPSTREAM;
	} else if (sink.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
		sg_log(req, SG_LOG_WARN, "upstream answer larger than %zu "
		    "bytes", max);
		st = SG_E_TOO_LARGE;
	} else if (rc == CURLE_OPERATION_TIMEDOUT) {
		sg_log(req, SG_LOG_WARN, "upstream timeout: %s",
		    h->errbuf[0] != '\0' ? h->errbuf : curl_easy_strerror(rc));
		st = SG_E_UPSTREAM_TIMEOUT;
	} else {
		/* The error text names host and port, never our headers. */
		sg_log(req, SG_LOG_WARN, "upstream failed: %s",
		    h->errbuf[0] != '\0' ? h->errbuf : curl_easy_strerror(rc));
		st = SG_E_UPSTREAM;
	}

	/* The list and the sink die here: let the handle forget them. */
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, NULL);
	curl_easy_setopt(h->curl, CURLOPT_HEADERDATA, NULL);
	curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, NULL);
out:
	curl_slist_free_all(list);
	if (st != SG_OK) {
		streamed = resp->streamed;
		sg_http_resp_free(resp);
		resp->streamed = streamed;
	}
	return st;
}
