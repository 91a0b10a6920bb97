/*
 * HTTP client for upstream calls, on libcurl.  One easy handle per
 * client, reset before every request: curl_easy_reset() keeps the live
 * connections, the DNS and TLS session caches, so keep-alive works.
 *
 * libcurl is not linked in: it is loaded with dlopen() on the first
 * upstream call (docs/PERFORMANCE.md "Plain CGI").  Debian's libcurl
 * brings GnuTLS, nettle, Kerberos, LDAP, SASL and more; mapping and
 * relocating them cost a plain-CGI start several milliseconds, most of
 * it, for requests that never call upstream (discovery, a refresh, the
 * JWKS).  A FastCGI process pays it once, on its first upstream call.
 * The library is found by its soname through the dynamic linker's
 * system search path only (ld.so.cache, the default directories): the
 * name is a constant, never taken from the configuration or the
 * environment (and suEXEC and the secure-execution mode of ld.so drop
 * LD_LIBRARY_PATH where it matters).  The pointer types come from
 * curl/curl.h's own prototypes (__typeof__), so a call with wrong
 * arguments still fails to compile; the variadic curl_easy_setopt()
 * is called through helpers typed by the option's kind.
 */
#include <ctype.h>
#include <dlfcn.h>
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

/* The soname of libcurl 7.x and 8.x (ABI 4). */
#define HTTP_CURL_SONAME	"libcurl.so.4"
/* CURLOPT_PROTOCOLS_STR and CURLOPT_REDIR_PROTOCOLS_STR: 7.85.0. */
#define HTTP_CURL_MIN		0x075500

/* The libcurl functions we call, resolved once (http_curl_load()). */
static struct {
	int	 state;		/* 0: not tried, 1: loaded, -1: failed */
	__typeof__(curl_global_init)		*global_init;
	__typeof__(curl_version_info)		*version_info;
	__typeof__(curl_easy_init)		*easy_init;
	__typeof__(curl_easy_cleanup)		*easy_cleanup;
	__typeof__(curl_easy_reset)		*easy_reset;
	__typeof__(curl_easy_perform)		*easy_perform;
	__typeof__(curl_easy_setopt)		*easy_setopt;
	__typeof__(curl_easy_getinfo)		*easy_getinfo;
	__typeof__(curl_easy_strerror)		*easy_strerror;
	__typeof__(curl_slist_append)		*slist_append;
	__typeof__(curl_slist_free_all)		*slist_free_all;
} http_curl;

/*
 * Loads libcurl and calls curl_global_init() once per process (one
 * thread: no lock).  Returns 0, or -1 after logging why (and on every
 * later call, without trying again: a process that cannot load it
 * answers its upstream requests with the usual upstream error).
 */
static int
http_curl_load(const struct sg_request *req)
{
	const curl_version_info_data	*v;
	void				*lib;
	const char			*err;

	if (http_curl.state != 0) {
		if (http_curl.state == -1)
			sg_log(req, SG_LOG_ERR, "upstream: libcurl is not "
			    "loaded (see the first error of this process)");
		return http_curl.state == 1 ? 0 : -1;
	}
	http_curl.state = -1;
	/* RTLD_LOCAL: its symbols stay out of the global namespace. */
	if ((lib = dlopen(HTTP_CURL_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		err = dlerror();
		sg_log(req, SG_LOG_ERR, "upstream: cannot load %s: %s",
		    HTTP_CURL_SONAME, err != NULL ? err : "?");
		return -1;
	}
	/* ISO C leaves object-to-function pointer casts undefined; POSIX
	 * requires dlsym()'s result to convert (XSH dlsym, "Application
	 * Usage"): copy the bytes. */
#define HTTP_SYM(field, name) do {					\
	void *sym_ = dlsym(lib, name);					\
	if (sym_ == NULL) {						\
		sg_log(req, SG_LOG_ERR, "upstream: %s has no %s",	\
		    HTTP_CURL_SONAME, name);				\
		goto fail;						\
	}								\
	memcpy(&http_curl.field, &sym_, sizeof(http_curl.field));	\
} while (0)
	HTTP_SYM(global_init, "curl_global_init");
	HTTP_SYM(version_info, "curl_version_info");
	HTTP_SYM(easy_init, "curl_easy_init");
	HTTP_SYM(easy_cleanup, "curl_easy_cleanup");
	HTTP_SYM(easy_reset, "curl_easy_reset");
	HTTP_SYM(easy_perform, "curl_easy_perform");
	HTTP_SYM(easy_setopt, "curl_easy_setopt");
	HTTP_SYM(easy_getinfo, "curl_easy_getinfo");
	HTTP_SYM(easy_strerror, "curl_easy_strerror");
	HTTP_SYM(slist_append, "curl_slist_append");
	HTTP_SYM(slist_free_all, "curl_slist_free_all");
#undef HTTP_SYM
	/* The options that keep us on http and https must exist. */
	v = http_curl.version_info(CURLVERSION_NOW);
	if (v == NULL || v->version_num < HTTP_CURL_MIN) {
		sg_log(req, SG_LOG_ERR, "upstream: %s is libcurl %s; 7.85.0 "
		    "or later is needed", HTTP_CURL_SONAME,
		    v != NULL && v->version != NULL ? v->version : "?");
		goto fail;
	}
	if (http_curl.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		sg_log(req, SG_LOG_ERR, "curl_global_init failed");
		goto fail;
	}
	http_curl.state = 1;
	return 0;
fail:
	/* Never unloaded: nothing of it may be in use. */
	return -1;
}

/*
 * curl_easy_setopt() by the option's kind, checked when compiling: the
 * option number encodes what its argument is (curl/curl.h CURLOPTTYPE_*).
 */
#define HTTP_OPT_KIND(o, kind) \
	((void)sizeof(char[((o) / 10000) * 10000 == (kind) ? 1 : -1]))
#define http_opt_long(c, o, v) \
	(HTTP_OPT_KIND(o, CURLOPTTYPE_LONG), http_setopt_long((c), (o), (v)))
#define http_opt_ptr(c, o, v) \
	(HTTP_OPT_KIND(o, CURLOPTTYPE_OBJECTPOINT), \
	    http_setopt_ptr((c), (o), (v)))
#define http_opt_off(c, o, v) \
	(HTTP_OPT_KIND(o, CURLOPTTYPE_OFF_T), http_setopt_off((c), (o), (v)))
#define http_opt_cb(c, o, v) \
	(HTTP_OPT_KIND(o, CURLOPTTYPE_FUNCTIONPOINT), \
	    http_setopt_cb((c), (o), (v)))

static void
http_setopt_long(CURL *c, CURLoption o, long v)
{
	http_curl.easy_setopt(c, o, v);
}

static void
http_setopt_ptr(CURL *c, CURLoption o, const void *v)
{
	http_curl.easy_setopt(c, o, v);
}

static void
http_setopt_off(CURL *c, CURLoption o, curl_off_t v)
{
	http_curl.easy_setopt(c, o, v);
}

static void
http_setopt_cb(CURL *c, CURLoption o, curl_write_callback v)
{
	http_curl.easy_setopt(c, o, v);
}

/* The HTTP status of the last answer on c (CURLINFO_RESPONSE_CODE). */
static long
http_status(CURL *c)
{
	long	 code = 0;

	http_curl.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	return code;
}

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

struct sg_http *
sg_http_new(long timeout_ms, const char *ca_file)
{
	struct sg_http	*h;

	/* The library and the handle come with the first request. */
	if (timeout_ms <= 0)
		timeout_ms = SG_UPSTREAM_TIMEOUT_MS;
	if (timeout_ms > SG_UPSTREAM_TIMEOUT_MAX_MS)
		timeout_ms = SG_UPSTREAM_TIMEOUT_MAX_MS;

	h = sg_xcalloc(1, sizeof(*h));
	h->timeout_ms = timeout_ms;
	if (ca_file != NULL)
		h->ca_file = sg_xstrdup(ca_file);
	return h;
}

void
sg_http_free(struct sg_http *h)
{
	if (h == NULL)
		return;
	if (h->curl != NULL)
		http_curl.easy_cleanup(h->curl);
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
		resp->status = http_status(sink->curl);
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

	if (h == NULL || url == NULL || !http_method_ok(method) ||
	    !http_line_ok(url)) {
		sg_log(req, SG_LOG_ERR, "upstream: invalid request");
		goto out;
	}
	if (http_curl_load(req) == -1)
		goto out;
	if (h->curl == NULL && (h->curl = http_curl.easy_init()) == NULL) {
		sg_log(req, SG_LOG_ERR, "upstream: curl_easy_init failed");
		goto out;
	}
	sink.curl = h->curl;
	for (i = 0; headers != NULL && headers[i] != NULL; i++) {
		if (!http_line_ok(headers[i])) {
			sg_log(req, SG_LOG_ERR,
			    "upstream: header with CR or LF refused");
			goto out;
		}
		if ((tmp = http_curl.slist_append(list, headers[i])) == NULL)
			abort();
		list = tmp;
	}
	/* No "Expect: 100-continue" round trip for bodies. */
	if ((tmp = http_curl.slist_append(list, "Expect:")) == NULL)
		abort();
	list = tmp;

	connect_ms = SG_UPSTREAM_CONNECT_MS;
	if (connect_ms > h->timeout_ms)
		connect_ms = h->timeout_ms;
	h->errbuf[0] = '\0';

	http_curl.easy_reset(h->curl);
	http_opt_ptr(h->curl, CURLOPT_URL, url);
	/* As built: no dot-segment removal (RFC 3986 §5.2.4). */
	http_opt_long(h->curl, CURLOPT_PATH_AS_IS, 1L);
	http_opt_ptr(h->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	http_opt_ptr(h->curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	http_opt_long(h->curl, CURLOPT_FOLLOWLOCATION, 0L);
	http_opt_long(h->curl, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
	http_opt_long(h->curl, CURLOPT_TIMEOUT_MS, h->timeout_ms);
	http_opt_long(h->curl, CURLOPT_SSL_VERIFYPEER, 1L);
	http_opt_long(h->curl, CURLOPT_SSL_VERIFYHOST, 2L);
	http_opt_long(h->curl, CURLOPT_SSLVERSION,
	    (long)CURL_SSLVERSION_TLSv1_2);
	if (h->ca_file != NULL)
		http_opt_ptr(h->curl, CURLOPT_CAINFO, h->ca_file);
	http_opt_long(h->curl, CURLOPT_NOSIGNAL, 1L);
	http_opt_long(h->curl, CURLOPT_NOPROGRESS, 1L);
	http_opt_ptr(h->curl, CURLOPT_ERRORBUFFER, h->errbuf);
	if (out == NULL)	/* a streamed answer may be larger */
		http_opt_off(h->curl, CURLOPT_MAXFILESIZE_LARGE,
		    (curl_off_t)max);
	http_opt_cb(h->curl, CURLOPT_WRITEFUNCTION, http_write_cb);
	http_opt_ptr(h->curl, CURLOPT_WRITEDATA, &sink);
	http_opt_cb(h->curl, CURLOPT_HEADERFUNCTION, http_header_cb);
	http_opt_ptr(h->curl, CURLOPT_HEADERDATA, &sink);
	http_opt_ptr(h->curl, CURLOPT_HTTPHEADER, list);

	if (strcmp(method, "GET") == 0)
		http_opt_long(h->curl, CURLOPT_HTTPGET, 1L);
	else if (strcmp(method, "HEAD") == 0)
		http_opt_long(h->curl, CURLOPT_NOBODY, 1L);
	else {
		if (body != NULL || strcmp(method, "POST") == 0) {
			http_opt_off(h->curl, CURLOPT_POSTFIELDSIZE_LARGE,
			    (curl_off_t)(body != NULL ? bodylen : 0));
			http_opt_ptr(h->curl, CURLOPT_POSTFIELDS,
			    body != NULL ? body : "");
		}
		if (strcmp(method, "POST") != 0)
			http_opt_ptr(h->curl, CURLOPT_CUSTOMREQUEST,
			    method);
	}

	rc = http_curl.easy_perform(h->curl);
	if (rc == CURLE_OK) {
		resp->status = http_status(h->curl);
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
		    h->errbuf[0] != '\0' ? h->errbuf :
		    http_curl.easy_strerror(rc));
		st = SG_E_UPSTREAM_TIMEOUT;
	} else {
		/* The error text names host and port, never our headers. */
		sg_log(req, SG_LOG_WARN, "upstream failed: %s",
		    h->errbuf[0] != '\0' ? h->errbuf :
		    http_curl.easy_strerror(rc));
		st = SG_E_UPSTREAM;
	}

	/* The list and the sink die here: let the handle forget them. */
	http_opt_ptr(h->curl, CURLOPT_HTTPHEADER, NULL);
	http_opt_ptr(h->curl, CURLOPT_WRITEDATA, NULL);
	http_opt_ptr(h->curl, CURLOPT_HEADERDATA, NULL);
	http_opt_ptr(h->curl, CURLOPT_ERRORBUFFER, NULL);
out:
	if (list != NULL)
		http_curl.slist_free_all(list);
	if (st != SG_OK) {
		streamed = resp->streamed;
		sg_http_resp_free(resp);
		resp->streamed = streamed;
	}
	return st;
}
