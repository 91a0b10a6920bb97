/*
 * One HTTP request over FastCGI (FCGX API) or plain CGI.  Never include
 * fcgi_stdio.h: it redefines FILE and printf (docs/DESIGN.md "libfcgi").
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/socket.h>

#include <fcgiapp.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "bounds.h"
#include "form.h"
#include "log.h"
#include "mem.h"
#include "request.h"
#include "response.h"
#include "status.h"

/*
 * Process state, not request data: set once by sg_request_init_process()
 * and when the one request of a plain CGI process has been accepted.
 */
static int	req_fcgx_init;
static int	req_cgi_done;
static int	req_unix;	/* the FastCGI listen socket is AF_UNIX */
static int	req_devnull = -1;	/* for req_sigusr1() */
static volatile sig_atomic_t req_retire; /* SIGUSR1 seen: answer, then end */

/*
 * SIGUSR1 is "finish the request in hand, then exit" (smartgate-fcgi's
 * reload; libfcgi's own meaning).  libfcgi's handler lets it interrupt
 * whatever the process is reading: a worker waiting for the next request
 * on a kept connection dropped it, with a request sometimes already on
 * its way (Apache answered 503), and one reading a request's parameters
 * went on with part of them.  This one interrupts nothing (SA_RESTART):
 * it marks the process as retiring and puts /dev/null on fd 0, the
 * listening socket, so that an accept() under way or to come fails
 * (ENOTSOCK) and FCGX_Accept_r() returns.  A request in hand is answered.
 * A kept connection is served until the web server closes it: FastCGI
 * 1.0 §5.1 leaves closing it to the web server (FCGI_KEEP_CONN), and
 * closing it here races with the next request Apache may be sending on
 * it (mod_proxy_fcgi does not retry; it answers 503).  Apache lets go of
 * its connections on a graceful restart, which is what a reload with
 * kept connections takes (README "mod_proxy_fcgi").
 */
static void
req_sigusr1(int sig)
{
	int	 saved = errno;

	(void)sig;
	req_retire = 1;
	(void)dup2(req_devnull, 0);
	errno = saved;
}

/* Whether fd 0, where libfcgi accepts (FCGX_InitRequest(..., 0, 0)), is
   a unix socket (mod_fcgid, smartgate-fcgi) rather than TCP. */
static int
req_listen_is_unix(void)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);

	if (getsockname(0, (struct sockaddr *)&ss, &len) == -1)
		return 0;
	return ss.ss_family == AF_UNIX;
}

int
sg_request_init_process(void)
{
	if (req_fcgx_init)
		return 0;
	/*
	 * A client or a log reader that goes away must cost one failed
	 * write (EPIPE), never the process and the requests it would serve.
	 */
	signal(SIGPIPE, SIG_IGN);
	/* Before FCGX_Init(), which sets its own only where none is set. */
	if ((req_devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) != -1) {
		struct sigaction	 sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = req_sigusr1;
		sa.sa_flags = SA_RESTART;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGUSR1, &sa, NULL);
	}
	if (FCGX_Init() != 0) {
		sg_log(NULL, SG_LOG_ERR, "FCGX_Init failed");
		return -1;
	}
	if (FCGX_IsCGI())
		signal(SIGUSR1, SIG_DFL);	/* stdin is the request */
	req_fcgx_init = 1;
	req_unix = req_listen_is_unix();
	return 0;
}

const char *
sg_request_env(const struct sg_request *req, const char *name)
{
	if (req == NULL || name == NULL)
		return NULL;
	if (req->cgi)
		return getenv(name);
	if (req->fcgx.envp == NULL)
		return NULL;
	return FCGX_GetParam(name, req->fcgx.envp);
}

/*
 * A fresh request id: 16 hex digits, for correlating log lines and what a
 * user may quote from an error page.  Not a secret, only unique: a random
 * start drawn once per process, then a counter through the SplitMix64
 * finalizer (Steele et al., "Fast splittable pseudorandom number
 * generators", 2014), a bijection, so no two requests of a process share
 * one.  RAND_bytes() on every request cost 3 % of a proxied read.
 */
static void
req_make_id(struct sg_request *req)
{
	static const char	 hex[] = "0123456789abcdef";
	static uint64_t		 next;
	static int		 seeded;
	unsigned char		 b[8];
	struct timespec		 ts;
	uint64_t		 v;
	size_t			 i;

	if (!seeded) {
		if (RAND_bytes(b, sizeof(b)) == 1) {
			for (i = 0, next = 0; i < sizeof(b); i++)
				next = next << 8 | b[i];
		} else {
			clock_gettime(CLOCK_REALTIME, &ts);
			next = ((uint64_t)ts.tv_sec << 32) ^
			    (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 16);
		}
		seeded = 1;
	}
	v = next++;
	v = (v ^ (v >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	v = (v ^ (v >> 27)) * UINT64_C(0x94d049bb133111eb);
	v ^= v >> 31;
	for (i = 0; i < 16; i++)
		req->id[i] = hex[(v >> (60 - 4 * i)) & 0x0f];
	req->id[16] = '\0';
}

/* Fills the request fields from the CGI variables (RFC 3875 §4.1). */
static void
req_fill(struct sg_request *req)
{
	const char	*uri, *q, *script, *info;
	size_t		 len;

	req_make_id(req);
	clock_gettime(CLOCK_MONOTONIC, &req->start);

	req->method = sg_request_env(req, "REQUEST_METHOD");
	if (req->method == NULL || *req->method == '\0')
		req->method = "GET";
	req->query = sg_request_env(req, "QUERY_STRING");
	if (req->query == NULL)
		req->query = "";
	req->remote_addr = sg_request_env(req, "REMOTE_ADDR");
	if (req->remote_addr == NULL || *req->remote_addr == '\0')
		req->remote_addr = "-";
	req->too_long = 0;

	/*
	 * Route on REQUEST_URI without its query string: every Apache mode
	 * sets it alike (mod_proxy_fcgi sets no PATH_INFO).
	 */
	if ((uri = sg_request_env(req, "REQUEST_URI")) != NULL) {
		/* Too long: keep a sane path so the answer has the right shape. */
		len = strlen(uri);
		req->too_long = len > SG_MAX_URI;
		q = strchr(uri, '?');
		if (q != NULL)
			len = (size_t)(q - uri);
		req->path = len > SG_MAX_URI ? sg_xstrdup("") :
		    sg_xstrndup(uri, len);
		return;
	}
	script = sg_request_env(req, "SCRIPT_NAME");
	info = sg_request_env(req, "PATH_INFO");
	if (script == NULL)
		script = "";
	if (info == NULL)
		info = "";
	len = strlen(script) + strlen(info);
	if (len > SG_MAX_URI) {
		req->too_long = 1;
		req->path = sg_xstrdup("");
		return;
	}
	req->path = sg_xmalloc(len + 1);
	memcpy(req->path, script, strlen(script));
	memcpy(req->path + strlen(script), info, strlen(info) + 1);
}

int
sg_request_accept(struct sg_request *req)
{
	if (!req_fcgx_init && sg_request_init_process() != 0)
		return 0;

	if (FCGX_IsCGI()) {
		/* Plain CGI: one request from the environment, then exit. */
		if (req_cgi_done)
			return 0;
		req_cgi_done = 1;
		req->cgi = 1;
		req_fill(req);
		return 1;
	}

	req->cgi = 0;
	if (!req->fcgx_ready) {
		if (FCGX_InitRequest(&req->fcgx, 0, 0) != 0) {
			sg_log(NULL, SG_LOG_ERR, "FCGX_InitRequest failed");
			return 0;
		}
		req->fcgx_ready = 1;
	}
	/* Retiring, and the last connection closed: done. */
	if (req_retire && req->fcgx.ipcFd < 0)
		return 0;
	if (FCGX_Accept_r(&req->fcgx) < 0)
		return 0;
	req_fill(req);
	return 1;
}

enum sg_status
sg_request_body(struct sg_request *req, size_t max, char **out, size_t *len)
{
	const char	*cl, *p;
	char		*buf = NULL;
	size_t		 n = 0, got = 0, want, d;
	enum sg_status	 st = SG_E_BAD_REQUEST;
	int		 r;

	*out = NULL;
	*len = 0;

	/*
	 * RFC 3875 §4.1.2: no body means CONTENT_LENGTH unset or empty.
	 * Otherwise digits only: no sign, no space, no overflow.
	 */
	cl = sg_request_env(req, "CONTENT_LENGTH");
	if (cl != NULL) {
		for (p = cl; *p != '\0'; p++) {
			if (*p < '0' || *p > '9') {
				sg_log(req, SG_LOG_WARN,
				    "malformed CONTENT_LENGTH");
				goto out;
			}
			d = (size_t)(*p - '0');
			if (n > (SIZE_MAX - d) / 10) {
				st = SG_E_TOO_LARGE;
				goto out;
			}
			n = n * 10 + d;
		}
	}
	/* n + 1 below must not wrap, whatever max a caller passes. */
	if (n > max || n == SIZE_MAX) {
		st = SG_E_TOO_LARGE;
		goto out;
	}

	buf = sg_xmalloc(n + 1);
	while (got < n) {
		want = n - got;
		if (want > SG_BODY_READ_CHUNK)
			want = SG_BODY_READ_CHUNK;
		if (req->cgi) {
			/* read(2), not stdio: nothing else reads stdin. */
			r = (int)read(STDIN_FILENO, buf + got, want);
			if (r < 0 && errno == EINTR)
				continue;
		} else
			r = FCGX_GetStr(buf + got, (int)want, req->fcgx.in);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (got != n) {
		sg_log(req, SG_LOG_WARN, "short body: %zu of %zu bytes", got, n);
		goto out;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
	st = SG_OK;
out:
	free(buf);
	return st;
}

int
sg_request_type_is(const struct sg_request *req, const char *type)
{
	const char	*ctype = sg_request_env(req, "CONTENT_TYPE");
	size_t		 n = strlen(type);

	/* RFC 9110 §8.3.1: "type/subtype" then optional "; name=value". */
	return ctype != NULL && strncmp(ctype, type, n) == 0 &&
	    (ctype[n] == '\0' || ctype[n] == ';' || ctype[n] == ' ' ||
	    ctype[n] == '\t');
}

enum sg_status
sg_request_form(struct sg_request *req, const struct sg_param *params,
    size_t nparams, struct sg_form *form)
{
	enum sg_status	 st;
	char		*body = NULL;
	size_t		 len = 0;

	form->bad[0] = '\0';
	/* Until parsed, the input as a whole is what failed. */
	form->malformed = 1;
	if (strcmp(req->method, "GET") == 0 ||
	    strcmp(req->method, "HEAD") == 0) {
		/* Without REQUEST_URI, too_long has not seen the query. */
		if (strlen(req->query) > SG_MAX_QUERY)
			return SG_E_URI_TOO_LONG;
		return sg_form_parse(req->query, strlen(req->query), params,
		    nparams, form);
	}
	if (strcmp(req->method, "POST") != 0)
		return SG_E_METHOD;
	if (!sg_request_type_is(req, SG_FORM_TYPE))
		return SG_E_UNSUPPORTED_MEDIA;
	if ((st = sg_request_body(req, SG_MAX_FORM_BODY, &body, &len)) !=
	    SG_OK)
		return st;
	st = sg_form_parse(body, len, params, nparams, form);
	OPENSSL_cleanse(body, len);
	free(body);
	return st;
}

/* Copies s into dst for the access line, '"' and '\' made harmless. */
static void
req_log_copy(char *dst, size_t dstlen, const char *s)
{
	size_t	 i;

	for (i = 0; s != NULL && s[i] != '\0' && i + 1 < dstlen; i++)
		dst[i] = (s[i] == '"' || s[i] == '\\') ? '?' : s[i];
	dst[i] = '\0';
}

/*
 * Reads what is left of the request's FCGI_STDIN stream, up to its
 * empty end record (FastCGI 1.0 §5.1), and returns 0 when it got there.
 *
 * On a connection the web server keeps (FCGI_KEEP_CONN, mod_proxy_fcgi's
 * enablereuse=on) libfcgi does not: whatever stdin record a handler left
 * unread in the socket is read by the next FCGX_Accept_r() as the start
 * of the next request, which it takes as a protocol error and closes the
 * connection, so that Apache's next request on it fails ("Failed to read
 * FastCGI header", 503).  A GET reads no body, and its empty stdin record
 * often arrives after the parameters, so this hit every few requests.
 * On a connection closed after the answer it lets req_fcgx_finish()
 * close at once.  More than SG_MAX_STDIN_DRAIN left unread (an answer
 * given without the body, such as 413) is not read: -1.
 */
static int
req_drain_stdin(struct sg_request *req)
{
	char	 buf[4096];
	long	 total = 0;
	int	 r;

	if (req->fcgx.in == NULL)
		return -1;
	while ((r = FCGX_GetStr(buf, (int)sizeof(buf), req->fcgx.in)) > 0) {
		total += r;
		if (total > SG_MAX_STDIN_DRAIN)
			return -1;
	}
	return FCGX_GetError(req->fcgx.in) != 0 ? -1 : 0;
}

/*
 * Ends the FastCGI request.  A connection that is not kept is closed by
 * libfcgi with a lingering close: shutdown(), then reading until the web
 * server closes its end (up to 2 s per read), lest unread input make
 * TCP send a reset that destroys the answer in flight.  That holds the
 * process until Apache's thread has read the answer and closed, time in
 * which it could take the next request (docs/PERFORMANCE.md "Where a
 * checked read's time goes").  A unix socket sends no reset: what we
 * wrote stays readable after close(), and with nothing left unread (the
 * whole of stdin read) the peer sees a plain end of file (Linux
 * af_unix.c, unix_release_sock()), so there it closes at once
 * (FCGX_Detach()).  TCP keeps the lingering close.
 */
static void
req_fcgx_finish(struct sg_request *req)
{
	int	 drained = req_drain_stdin(req) == 0;

	if (!drained)
		req->fcgx.keepConnection = 0;
	else if (!req->fcgx.keepConnection && req_unix)
		FCGX_Detach(&req->fcgx);
	FCGX_Finish_r(&req->fcgx);
	/* Decided again for each request, whatever libfcgi keeps of it. */
	req->fcgx.detached = 0;
}

void
sg_request_finish(struct sg_request *req)
{
	static const char	 fallback[] = "Internal Server Error\n";
	struct timespec		 now;
	char			 method[32], path[SG_MAX_LOG_PATH + 1];
	long long		 ms;
	size_t			 i;

	/* A program that forgot to answer still answers (and says so). */
	if (req->resp_status == 0) {
		sg_log(req, SG_LOG_ERR, "no answer was sent");
		sg_resp_send(req, 500, "text/plain; charset=utf-8",
		    fallback, sizeof(fallback) - 1);
	}

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(now.tv_sec - req->start.tv_sec) * 1000 +
	    (now.tv_nsec - req->start.tv_nsec) / 1000000;
	req_log_copy(method, sizeof(method), req->method);
	req_log_copy(path, sizeof(path), req->path);
	/* Never the query string: it may carry codes or tokens. */
	if (req->log_note != NULL)
		sg_log(req, SG_LOG_INFO, "\"%s %s\" %d %zu %lldms note=%s",
		    method, path, req->resp_status, req->resp_bytes, ms,
		    req->log_note);
	else
		sg_log(req, SG_LOG_INFO, "\"%s %s\" %d %zu %lldms",
		    method, path, req->resp_status, req->resp_bytes, ms);

	if (req->cgi)
		fflush(stdout);
	else if (req->fcgx_ready)
		req_fcgx_finish(req);

	free(req->path);
	req->path = NULL;
	for (i = 0; i < req->nresp_headers && i < SG_MAX_RESP_HEADERS; i++) {
		free(req->resp_headers[i]);
		req->resp_headers[i] = NULL;
	}
	req->nresp_headers = 0;
	req->resp_status = 0;
	req->resp_bytes = 0;
	free(req->log_note);
	req->log_note = NULL;
	req->method = NULL;
	req->query = NULL;
	req->remote_addr = NULL;
	req->too_long = 0;
	memset(req->id, 0, sizeof(req->id));
	memset(&req->start, 0, sizeof(req->start));
}
