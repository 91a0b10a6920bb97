/*
 * Unit tests for http.c against a tiny HTTP/1.1 server run in a
 * thread on a loopback ephemeral port.  The server answers by path:
 *
 *   /ok         200 JSON with ETag and Last-Modified
 *   /exact      200 with exactly SMALL_MAX bytes
 *   /big        200 with Content-Length past SMALL_MAX
 *   /big-chunked  200 chunked past SMALL_MAX (no length known ahead)
 *   /slow       answers after SLOW_MS, past the client's timeout
 *   /redirect   302 to /target, which counts its hits
 *   /headers    echoes the request head
 *   /echo       echoes method and body
 *   /missing    404 with a body
 *   /interim    a 100 Continue with a Location, then a 200 without
 *   /long-etag  an ETag longer than the client keeps
 *
 * Connections are kept alive (Content-Length framing), and accepts are
 * counted, so connection reuse can be observed.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "http.h"
#include "status.h"
#include "testlib.h"

#define SMALL_MAX	1000
#define SLOW_MS		2000
#define TIMEOUT_MS	5000	/* generous: valgrind is slow */
#define SHORT_TIMEOUT_MS 400
#define LARGE_BODY	(2 << 20)

struct srv {
	struct tl_srv	 tl;
	atomic_int	 accepts;
	atomic_int	 target_hits;
};

static struct srv	 srv;

/* Serves requests on one connection until the client closes it. */
static void
serve(struct tl_srv *s, int fd)
{
	static char	 buf[4 << 20];	/* room for a large body */
	char		 big[SMALL_MAX * 4], path[256], method[16];
	char		 etag[20000];
	size_t		 headlen;
	ssize_t		 n;
	int		 i, r;

	atomic_fetch_add(&srv.accepts, 1);
	for (;;) {
		memset(buf, 0, sizeof(buf));
		if ((n = tl_read_request(s, fd, buf, sizeof(buf), &headlen)) <= 0)
			return;
		if (sscanf(buf, "%15s %255s", method, path) != 2)
			return;
		if (strcmp(path, "/ok") == 0)
			r = tl_answer(fd, "200 OK", "Content-Type: application/json"
			    "\r\nETag:   W/\"v1\"  \r\n"
			    "Last-Modified: Tue, 01 Oct 2024 10:00:00 GMT\r\n",
			    "{\"ok\":true}", 11);
		else if (strcmp(path, "/exact") == 0) {
			memset(big, 'x', SMALL_MAX);
			r = tl_answer(fd, "200 OK", "", big, SMALL_MAX);
		} else if (strcmp(path, "/big") == 0) {
			memset(big, 'x', sizeof(big));
			r = tl_answer(fd, "200 OK", "", big, sizeof(big));
		} else if (strcmp(path, "/big-chunked") == 0) {
			static const char	 head[] = "HTTP/1.1 200 OK\r\n"
			    "Transfer-Encoding: chunked\r\n\r\n";

			r = tl_send_all(fd, head, sizeof(head) - 1);
			memset(big, 'x', 256);
			for (i = 0; r == 0 && i < 16; i++) {
				r = tl_send_all(fd, "100\r\n", 5);
				if (r == 0)
					r = tl_send_all(fd, big, 256);
				if (r == 0)
					r = tl_send_all(fd, "\r\n", 2);
			}
			if (r == 0)
				r = tl_send_all(fd, "0\r\n\r\n", 5);
		} else if (strcmp(path, "/slow") == 0) {
			for (i = 0; i < SLOW_MS / 50 && !atomic_load(&srv.tl.stop);
			    i++)
				tl_sleep_ms(50);
			r = tl_answer(fd, "200 OK", "", "late", 4);
		} else if (strcmp(path, "/redirect") == 0)
			r = tl_answer(fd, "302 Found", "Location: /target\r\n", "",
			    0);
		else if (strcmp(path, "/target") == 0) {
			atomic_fetch_add(&srv.target_hits, 1);
			r = tl_answer(fd, "200 OK", "", "target", 6);
		} else if (strcmp(path, "/headers") == 0)
			r = tl_answer(fd, "200 OK", "Content-Type: text/plain\r\n",
			    buf, headlen);
		else if (strcmp(path, "/echo") == 0) {
			static char	 out[sizeof(buf) + 32];
			int	 m;

			m = snprintf(out, sizeof(out), "%s:%s", method,
			    buf + headlen);
			r = tl_answer(fd, "200 OK", "", out, (size_t)m);
		} else if (strcmp(path, "/interim") == 0) {
			static const char	 head[] = "HTTP/1.1 100 "
			    "Continue\r\nLocation: /interim\r\n\r\n";

			r = tl_send_all(fd, head, sizeof(head) - 1);
			if (r == 0)
				r = tl_answer(fd, "200 OK", "", "done", 4);
		} else if (strcmp(path, "/long-etag") == 0) {
			char	 extra[sizeof(etag) + 16];

			memset(etag, 'e', sizeof(etag) - 1);
			etag[sizeof(etag) - 1] = '\0';
			snprintf(extra, sizeof(extra), "ETag: %s\r\n", etag);
			r = tl_answer(fd, "200 OK", extra, "x", 1);
		} else
			r = tl_answer(fd, "404 Not Found", "", "no such path", 12);
		if (r != 0)
			return;
	}
}

static void
srv_start(void)
{
	memset(&srv, 0, sizeof(srv));
	tl_srv_start(&srv.tl, serve);
}

static void
srv_stop(void)
{
	tl_srv_stop(&srv.tl);
}

static char *
url(const char *path)
{
	static char	 buf[256];

	snprintf(buf, sizeof(buf), "http://127.0.0.1:%d%s", srv.tl.port, path);
	return buf;
}

START_TEST(test_ok)
{
	struct sg_http		*h;
	struct sg_http_resp	 resp;

	srv_start();
	h = sg_http_new(TIMEOUT_MS, NULL);
	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(sg_http_request(h, NULL, "GET", url("/ok"), NULL, NULL, 0,
	    SMALL_MAX, &resp), SG_OK);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_uint_eq(resp.len, 11);
	ck_assert_str_eq(resp.body, "{\"ok\":true}");
	ck_assert_str_eq(resp.content_type, "application/json");
	ck_assert_str_eq(resp.etag, "W/\"v1\"");
	ck_assert_str_eq(resp.last_modified,
	    "Tue, 01 Oct 2024 10:00:00 GMT");
	ck_assert_ptr_null(resp.location);
	sg_http_resp_free(&resp);
	ck_assert_ptr_null(resp.body);
	sg_http_free(h);
	srv_stop();
}
END_TEST

START_TEST(test_status_passed_through)
{
	struct sg_http		*h;
	struct sg_http_resp	 resp;

	srv_start();
	h = sg_http_new(TIMEOUT_MS, NULL);
	ck_assert_int_eq(sg_http_request(h, NULL, "GET", url("/missing"), NULL,
	    NULL, 0, SMALL_MAX, &resp), SG_OK);
	ck_assert_int_eq(resp.status, 404);
	ck_assert_str_eq(resp.body, "no such path");
	ck_assert_ptr_null(resp.content_type);
	sg_http_resp_free(&resp);
	sg_http_free(h);
	srv_stop();
}
END_TEST

START_TEST(test_size_limit)
{
	struct sg_http		*h;
	struct sg_http_resp	 resp;

	srv_start();
	h = sg_http_new(TIMEOUT_MS, NULL);
	/* Exactly the maximum is fine. */
	ck_assert_int_eq(sg_http_request(h, NULL, "GET", url("/exact"), NULL, NULL,
	    0, SMALL_MAX, &resp), SG_OK);
	ck_assert_uint_eq(resp.len, SMALL_MAX);
	ck_assert_uint_eq(strlen(resp.body), SMALL_MAX);
	sg_http_resp_free(&resp);
	/* One byte less is too little. */
	ck_assert_int_eq(sg_http_request(h, NULL, "GET", url("/exact"), NULL, NULL,
	    0, SMALL_MAX - 1, &resp), SG_E_TOO_LARGE);
	ck_assert_ptr_null(resp.body);
	sg_http_resp_free(&resp);
	/* Known length past the maximum. */
	ck_assert_int_eq(sg_http_request(h, NULL, "GET", url("/big"), NULL, NULL,
	    0, SMALL_MAX, &resp), SG_E_TOO_LARGE);
	ck_assert_ptr_null(resp.body);
	ck_assert_uint_eq(resp.len, 0);
	sg_http_resp_free(&resp);
	/* Unknown length: the write callback stops it. */
	ck_assert_int_eq(sg_http_request(h, NULL, "GET", url("/big-chunked"), NULL,
	    NULL, 0, SMALL_MAX, &resp), SG_E_TOO_LARGE);
	ck_assert_ptr_null(resp.body);
	sg_http_resp_free(&resp);
	/* And with room enough the same chunked answer is fine. */
	ck_assert_int_eq(sg_http_request(h, NULL, "GET", url("/big-chunked"), NULL,
	    NULL, 0, 4096, &resp), SG_OK);
	ck_assert_uint_eq(resp.len, 4096);
	sg_http_resp_free(&resp);
	sg_http_free(h);
	srv_stop();
}
END_TEST

START_TEST(test_timeout)
{
	struct sg_http		*h;
	struct sg_http_resp	 resp;
	struct timespec		 t0, t1;
	long			 ms;

	srv_start();
	h = sg_http_new(SHORT_TIMEOUT_MS, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(sg_http_request(h, NULL, "GET", url("/slow"), NULL, NULL,
	    0, SMALL_MAX, &resp), SG_E_UPSTREAM_TIMEOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000;
	ck_assert_int_lt(ms, SLOW_MS);
	ck_assert_ptr_null(resp.body);
	sg_http_resp_free(&resp);
	sg_http_free(h);
	srv_stop();
}
END_TEST

START_TEST(test_redirect_not_followed)
{
	struct sg_http		*h;
	struct sg_http_resp	 resp;

	srv_start();
	h = sg_http_new(TIMEOUT_MS, NULL);
	ck_assert_int_eq(sg_http_request(h, NULL, "GET", url("/redirect"), NULL,
	    NULL, 0, SMALL_MAX, &resp), SG_OK);
	ck_assert_int_eq(resp.status, 302);
	ck_assert_str_eq(resp.location, "/target");
	ck_assert_str_eq(resp.body, "");
	sg_http_resp_free(&resp);
	sg_http_free(h);
	srv_stop();
	ck_assert_int_eq(atomic_load(&srv.target_hits), 0);
}
END_TEST

START_TEST(test_headers_sent)
{
	static const char *const hdrs[] = {
		"Authorization: Bearer abc.def",
		"Accept: application/fhir+json",
		NULL,
	};
	struct sg_http		*h;
	struct sg_http_resp	 resp;

	srv_start();
	h = sg_http_new(TIMEOUT_MS, NULL);
	ck_assert_int_eq(sg_http_request(h, NULL, "GET", url("/headers"), hdrs,
	    NULL, 0, SMALL_MAX, &resp), SG_OK);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_ptr_nonnull(strstr(resp.body, "GET /headers HTTP/1.1\r\n"));
	ck_assert_ptr_nonnull(strstr(resp.body,
	    "\r\nAuthorization: Bearer abc.def\r\n"));
	ck_assert_ptr_nonnull(strstr(resp.body,
	    "\r\nAccept: application/fhir+json\r\n"));
	/* Identity encoding: we never ask for compression. */
	ck_assert_ptr_null(strstr(resp.body, "Accept-Encoding"));
	sg_http_resp_free(&resp);
	sg_http_free(h);
	srv_stop();
}
END_TEST

START_TEST(test_methods_and_bodies)
{
	struct sg_http		*h;
	struct sg_http_resp	 resp;
	char			 body[3000], want[3100];
	char			*large;

	memset(body, 'b', sizeof(body));
	srv_start();
	h = sg_http_new(TIMEOUT_MS, NULL);

	/* A body large enough for curl to want "Expect: 100-continue". */
	ck_assert_int_eq(sg_http_request(h, NULL, "POST", url("/echo"), NULL, body,
	    sizeof(body), sizeof(want), &resp), SG_OK);
	snprintf(want, sizeof(want), "POST:%.*s", (int)sizeof(body), body);
	ck_assert_str_eq(resp.body, want);
	sg_http_resp_free(&resp);

	ck_assert_int_eq(sg_http_request(h, NULL, "POST", url("/headers"), NULL,
	    "a=1", 3, SMALL_MAX, &resp), SG_OK);
	ck_assert_ptr_null(strstr(resp.body, "Expect"));
	ck_assert_ptr_nonnull(strstr(resp.body, "Content-Length: 3\r\n"));
	sg_http_resp_free(&resp);

	/* Past curl's threshold for "Expect: 100-continue" (1 MiB). */
	large = malloc(LARGE_BODY);
	ck_assert_ptr_nonnull(large);
	memset(large, 'l', LARGE_BODY);
	ck_assert_int_eq(sg_http_request(h, NULL, "POST", url("/headers"), NULL,
	    large, LARGE_BODY, SMALL_MAX, &resp), SG_OK);
	free(large);
	ck_assert_ptr_null(strstr(resp.body, "Expect"));
	sg_http_resp_free(&resp);

	ck_assert_int_eq(sg_http_request(h, NULL, "PUT", url("/echo"), NULL,
	    "{\"a\":1}", 7, SMALL_MAX, &resp), SG_OK);
	ck_assert_str_eq(resp.body, "PUT:{\"a\":1}");
	sg_http_resp_free(&resp);

	ck_assert_int_eq(sg_http_request(h, NULL, "DELETE", url("/echo"), NULL,
	    NULL, 0, SMALL_MAX, &resp), SG_OK);
	ck_assert_str_eq(resp.body, "DELETE:");
	sg_http_resp_free(&resp);

	ck_assert_int_eq(sg_http_request(h, NULL, "POST", url("/echo"), NULL, NULL,
	    0, SMALL_MAX, &resp), SG_OK);
	ck_assert_str_eq(resp.body, "POST:");
	sg_http_resp_free(&resp);

	ck_assert_int_eq(sg_http_request(h, NULL, "GET", url("/echo"), NULL, NULL,
	    0, SMALL_MAX, &resp), SG_OK);
	ck_assert_str_eq(resp.body, "GET:");
	sg_http_resp_free(&resp);

	/* All of it over one connection. */
	ck_assert_int_eq(atomic_load(&srv.accepts), 1);
	sg_http_free(h);
	srv_stop();
}
END_TEST

START_TEST(test_connection_reused)
{
	struct sg_http		*h;
	struct sg_http_resp	 resp;

	srv_start();
	h = sg_http_new(TIMEOUT_MS, NULL);
	ck_assert_int_eq(sg_http_request(h, NULL, "GET", url("/ok"), NULL, NULL, 0,
	    SMALL_MAX, &resp), SG_OK);
	sg_http_resp_free(&resp);
	ck_assert_int_eq(sg_http_request(h, NULL, "GET", url("/ok"), NULL, NULL, 0,
	    SMALL_MAX, &resp), SG_OK);
	ck_assert_int_eq(resp.status, 200);
	sg_http_resp_free(&resp);
	ck_assert_int_eq(atomic_load(&srv.accepts), 1);
	sg_http_free(h);
	srv_stop();
}
END_TEST

START_TEST(test_interim_headers_forgotten)
{
	struct sg_http		*h;
	struct sg_http_resp	 resp;

	srv_start();
	h = sg_http_new(TIMEOUT_MS, NULL);
	ck_assert_int_eq(sg_http_request(h, NULL, "GET", url("/interim"), NULL,
	    NULL, 0, SMALL_MAX, &resp), SG_OK);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(resp.body, "done");
	ck_assert_ptr_null(resp.location);
	sg_http_resp_free(&resp);

	/* An overlong header value is dropped, not cut. */
	ck_assert_int_eq(sg_http_request(h, NULL, "GET", url("/long-etag"), NULL,
	    NULL, 0, SMALL_MAX, &resp), SG_OK);
	ck_assert_ptr_null(resp.etag);
	ck_assert_str_eq(resp.body, "x");
	sg_http_resp_free(&resp);
	sg_http_free(h);
	srv_stop();
}
END_TEST

START_TEST(test_refused)
{
	struct sg_http		*h;
	struct sg_http_resp	 resp;
	char			 u[64];
	int			 fd, port;

	/* A port that was bound and closed: nobody listens there. */
	fd = tl_bind_loopback(&port);
	close(fd);
	snprintf(u, sizeof(u), "http://127.0.0.1:%d/ok", port);
	h = sg_http_new(TIMEOUT_MS, NULL);
	ck_assert_int_eq(sg_http_request(h, NULL, "GET", u, NULL, NULL, 0,
	    SMALL_MAX, &resp), SG_E_UPSTREAM);
	ck_assert_int_eq(resp.status, 0);
	ck_assert_ptr_null(resp.body);
	sg_http_resp_free(&resp);
	sg_http_free(h);
}
END_TEST

/* Requests refused before anything is sent. */
static const struct {
	const char	*method;
	const char	*path;		/* appended to the server URL, or */
	const char	*url;		/* a whole URL */
	const char	*header;
} refused_table[] = {
	{ "GET", NULL, "file:///etc/passwd", NULL },
	{ "GET", NULL, "ftp://127.0.0.1/x", NULL },
	{ "GET", NULL, "gopher://127.0.0.1/x", NULL },
	{ "GET", NULL, "not a url", NULL },
	{ "get", "/ok", NULL, NULL },
	{ "G T", "/ok", NULL, NULL },
	{ "", "/ok", NULL, NULL },
	{ NULL, "/ok", NULL, NULL },
	{ "GET", "/ok\r\nX: y", NULL, NULL },
	{ "GET", "/ok", NULL, "X-A: 1\r\nX-B: 2" },
	{ "GET", "/ok", NULL, "X-A: 1\n" },
};

START_TEST(test_refused_table)
{
	struct sg_http		*h;
	struct sg_http_resp	 resp;
	const char		*hdrs[2] = { NULL, NULL };
	char			 u[256];

	srv_start();
	h = sg_http_new(TIMEOUT_MS, NULL);
	if (refused_table[_i].url != NULL)
		snprintf(u, sizeof(u), "%s", refused_table[_i].url);
	else
		snprintf(u, sizeof(u), "%s", url(refused_table[_i].path));
	hdrs[0] = refused_table[_i].header;
	ck_assert_int_eq(sg_http_request(h, NULL, refused_table[_i].method, u,
	    hdrs, NULL, 0, SMALL_MAX, &resp), SG_E_UPSTREAM);
	ck_assert_ptr_null(resp.body);
	sg_http_resp_free(&resp);
	sg_http_free(h);
	srv_stop();
	ck_assert_int_eq(atomic_load(&srv.accepts), 0);
}
END_TEST

/* A TLS failure (here: https to a plain HTTP server) is SG_E_UPSTREAM. */
START_TEST(test_tls_failure)
{
	struct sg_http		*h;
	struct sg_http_resp	 resp;
	char			 u[128];

	srv_start();
	h = sg_http_new(TIMEOUT_MS, NULL);
	snprintf(u, sizeof(u), "https://127.0.0.1:%d/ok", srv.tl.port);
	ck_assert_int_eq(sg_http_request(h, NULL, "GET", u, NULL, NULL, 0,
	    SMALL_MAX, &resp), SG_E_UPSTREAM);
	ck_assert_ptr_null(resp.body);
	sg_http_resp_free(&resp);
	sg_http_free(h);
	srv_stop();
}
END_TEST

START_TEST(test_free_null)
{
	sg_http_free(NULL);
	sg_http_resp_free(NULL);
	ck_assert_int_eq(sg_http_request(NULL, NULL, "GET", "http://127.0.0.1/",
	    NULL, NULL, 0, SMALL_MAX, &(struct sg_http_resp){ 0 }),
	    SG_E_UPSTREAM);
}
END_TEST

/*
 * The URL goes upstream as built: no dot-segment removal (RFC 3986
 * §5.2.4), so ".../Patient/.." never reads another resource.
 */
START_TEST(test_path_as_is)
{
	struct sg_http		*h;
	struct sg_http_resp	 resp;

	srv_start();
	h = sg_http_new(TIMEOUT_MS, NULL);
	ck_assert_int_eq(sg_http_request(h, NULL, "GET", url("/x/../ok"), NULL,
	    NULL, 0, SMALL_MAX, &resp), SG_OK);
	ck_assert_int_eq(resp.status, 404);
	sg_http_resp_free(&resp);
	ck_assert_int_eq(sg_http_request(h, NULL, "GET", url("/./ok"), NULL,
	    NULL, 0, SMALL_MAX, &resp), SG_OK);
	ck_assert_int_eq(resp.status, 404);
	sg_http_resp_free(&resp);
	sg_http_free(h);
	srv_stop();
}
END_TEST

static Suite *
upstream_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("upstream");
	tc = tcase_create("http");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_ok);
	tcase_add_test(tc, test_status_passed_through);
	tcase_add_test(tc, test_size_limit);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_redirect_not_followed);
	tcase_add_test(tc, test_headers_sent);
	tcase_add_test(tc, test_methods_and_bodies);
	tcase_add_test(tc, test_connection_reused);
	tcase_add_test(tc, test_interim_headers_forgotten);
	tcase_add_test(tc, test_refused);
	tcase_add_loop_test(tc, test_refused_table, 0,
	    sizeof(refused_table) / sizeof(refused_table[0]));
	tcase_add_test(tc, test_tls_failure);
	tcase_add_test(tc, test_free_null);
	tcase_add_test(tc, test_path_as_is);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tl_run(upstream_suite());
}
