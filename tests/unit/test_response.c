/*
 * Unit tests for response.c (and the CGI side of request.c): the answer
 * is written in plain CGI mode to stdout, which the tests point at a
 * temporary file and compare byte for byte.  Run from the repository
 * root (make check does): the templates are found as ./templates.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <json-c/json.h>

#include "config.h"
#include "request.h"
#include "response.h"
#include "status.h"
#include "testlib.h"

#define RID		"0123456789abcdef"
#define HEAD		"X-Request-Id: " RID "\r\n" \
			"X-Content-Type-Options: nosniff\r\n"
#define HTML_HEADERS	"Content-Security-Policy: default-src 'none'; " \
			"style-src 'self'; img-src 'self' https: data:; " \
			"form-action 'self'; frame-ancestors 'none'; " \
			"base-uri 'none'\r\n" \
			"X-Frame-Options: DENY\r\n" \
			"Referrer-Policy: no-referrer\r\n" \
			"Cache-Control: no-store\r\n"

static char	*templates_dir;		/* absolute ./templates */
static struct tl_capture cap;

static void
req_init(struct sg_request *req, const char *method)
{
	memset(req, 0, sizeof(*req));
	req->cgi = 1;
	memcpy(req->id, RID, sizeof(req->id));
	req->method = method;
	req->query = "";
	req->remote_addr = "-";
	clock_gettime(CLOCK_MONOTONIC, &req->start);
	req->path = strdup("/test");
	ck_assert_ptr_nonnull(req->path);
}

static void
cfg_init(struct sg_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->templates_dir = templates_dir;
	cfg->static_url = (char *)(uintptr_t)"/static";
	cfg->site_name = (char *)(uintptr_t)"smartgate";
}

static void
clear_cgi_env(void)
{
	unsetenv("HTTP_ORIGIN");
	unsetenv("HTTP_ACCESS_CONTROL_REQUEST_METHOD");
}

START_TEST(test_send_exact)
{
	struct sg_request	 req;
	char			*out;

	req_init(&req, "GET");
	tl_capture_begin(&cap, STDOUT_FILENO);
	sg_resp_send(&req, 200, "text/plain; charset=utf-8", "hello", 5);
	out = tl_capture_end(&cap);
	ck_assert_str_eq(out, "Status: 200 OK\r\n" HEAD
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Length: 5\r\n\r\nhello");
	ck_assert_int_eq(req.resp_status, 200);
	ck_assert_uint_eq(req.resp_bytes, 5);
	free(out);
	sg_request_finish(&req);
	ck_assert_int_eq(req.resp_status, 0);
	ck_assert_ptr_null(req.path);
}
END_TEST

START_TEST(test_send_headers_in_order_and_once)
{
	struct sg_request	 req;
	char			*out;

	req_init(&req, "GET");
	ck_assert_int_eq(sg_resp_header(&req, "Vary", "Origin"), 0);
	ck_assert_int_eq(sg_resp_header(&req, "ETag", "W/\"1\""), 0);
	ck_assert_int_eq(sg_resp_header(&req, "Vary", "Accept"), 0);
	tl_capture_begin(&cap, STDOUT_FILENO);
	sg_resp_send(&req, 404, NULL, NULL, 0);
	/* A second answer is refused: nothing more is written. */
	sg_resp_send(&req, 200, "text/plain", "x", 1);
	out = tl_capture_end(&cap);
	ck_assert_str_eq(out, "Status: 404 Not Found\r\n" HEAD
	    "Vary: Origin\r\nETag: W/\"1\"\r\nVary: Accept\r\n"
	    "Content-Length: 0\r\n\r\n");
	ck_assert_int_eq(req.resp_status, 404);
	free(out);
	sg_request_finish(&req);
}
END_TEST

/* RFC 9110 §8.6: no Content-Length and no body with 204 and 304. */
START_TEST(test_send_no_content)
{
	struct sg_request	 req;
	char			*out;

	req_init(&req, "GET");
	tl_capture_begin(&cap, STDOUT_FILENO);
	sg_resp_send(&req, 204, "text/plain", "ignored", 7);
	out = tl_capture_end(&cap);
	ck_assert_str_eq(out, "Status: 204 No Content\r\n" HEAD "\r\n");
	ck_assert_uint_eq(req.resp_bytes, 0);
	free(out);
	sg_request_finish(&req);

	req_init(&req, "GET");
	tl_capture_begin(&cap, STDOUT_FILENO);
	sg_resp_send(&req, 304, NULL, NULL, 0);
	out = tl_capture_end(&cap);
	ck_assert_str_eq(out, "Status: 304 Not Modified\r\n" HEAD "\r\n");
	free(out);
	sg_request_finish(&req);
}
END_TEST

START_TEST(test_send_bad_status)
{
	static const int	 bad[] = { 0, 42, 99, 600, -200 };
	struct sg_request	 req;
	char			*out;
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		req_init(&req, "GET");
		tl_capture_begin(&cap, STDOUT_FILENO);
		sg_resp_send(&req, bad[i], "text/plain", "x", 1);
		out = tl_capture_end(&cap);
		ck_assert_str_eq(out, "Status: 500 Internal Server Error\r\n"
		    HEAD "Content-Length: 0\r\n\r\n");
		free(out);
		sg_request_finish(&req);
	}
}
END_TEST

START_TEST(test_send_unknown_code_reason)
{
	struct sg_request	 req;
	char			*out;

	req_init(&req, "GET");
	tl_capture_begin(&cap, STDOUT_FILENO);
	sg_resp_send(&req, 299, NULL, NULL, 0);
	out = tl_capture_end(&cap);
	ck_assert_str_eq(out, "Status: 299 Success\r\n" HEAD
	    "Content-Length: 0\r\n\r\n");
	free(out);
	sg_request_finish(&req);
}
END_TEST

/* Header names and values: valid (1) and refused (0). */
static const struct {
	const char	*name;
	const char	*value;
	int		 ok;
} header_table[] = {
	{ "X-Ok", "plain", 1 },
	{ "x.y_z~!#$%&'*+^`|", "v", 1 },
	{ "X-Tab", "a\tb", 1 },
	{ "X-Utf8", "caf\xc3\xa9", 1 },
	{ "X-Empty", "", 1 },
	{ "", "v", 0 },
	{ "Bad Name", "v", 0 },
	{ "X:Y", "v", 0 },
	{ "X(", "v", 0 },
	{ "X\"", "v", 0 },
	{ "X\r\nSet-Cookie", "v", 0 },
	{ "Caf\xc3\xa9", "v", 0 },
	{ "Location", "https://a/\r\nSet-Cookie: x=1", 0 },
	{ "Location", "https://a/\nX: y", 0 },
	{ "Location", "https://a/\r", 0 },
	{ "X-Ctl", "a\x01" "b", 0 },
	{ "X-Del", "a\x7f", 0 },
	{ "X-Esc", "\x1b[31m", 0 },
};

START_TEST(test_header_table)
{
	struct sg_request	 req;
	int			 r;

	req_init(&req, "GET");
	r = sg_resp_header(&req, header_table[_i].name,
	    header_table[_i].value);
	ck_assert_int_eq(r, header_table[_i].ok ? 0 : -1);
	ck_assert_uint_eq(req.nresp_headers, header_table[_i].ok ? 1 : 0);
	req.resp_status = 200;	/* no fallback answer from finish */
	sg_request_finish(&req);
}
END_TEST

START_TEST(test_header_refused_never_written)
{
	struct sg_request	 req;
	char			*out;

	req_init(&req, "GET");
	ck_assert_int_eq(sg_resp_header(&req, "X-A",
	    "1\r\nSet-Cookie: evil=1"), -1);
	ck_assert_int_eq(sg_resp_header(&req, NULL, "v"), -1);
	ck_assert_int_eq(sg_resp_header(&req, "X", NULL), -1);
	tl_capture_begin(&cap, STDOUT_FILENO);
	sg_resp_send(&req, 200, NULL, NULL, 0);
	out = tl_capture_end(&cap);
	ck_assert_ptr_null(strstr(out, "evil"));
	ck_assert_str_eq(out, "Status: 200 OK\r\n" HEAD
	    "Content-Length: 0\r\n\r\n");
	free(out);
	sg_request_finish(&req);
}
END_TEST

START_TEST(test_header_table_full)
{
	struct sg_request	 req;
	size_t			 i;

	req_init(&req, "GET");
	for (i = 0; i < SG_MAX_RESP_HEADERS; i++)
		ck_assert_int_eq(sg_resp_header(&req, "X", "y"), 0);
	ck_assert_int_eq(sg_resp_header(&req, "X", "y"), -1);
	ck_assert_uint_eq(req.nresp_headers, SG_MAX_RESP_HEADERS);
	req.resp_status = 200;
	sg_request_finish(&req);
	ck_assert_uint_eq(req.nresp_headers, 0);
}
END_TEST

START_TEST(test_json)
{
	struct sg_request	 req;
	json_object		*obj;
	char			*out;

	obj = json_object_new_object();
	json_object_object_add(obj, "url",
	    json_object_new_string("https://a.example/fhir"));
	json_object_object_add(obj, "n", json_object_new_int(1));

	req_init(&req, "GET");
	tl_capture_begin(&cap, STDOUT_FILENO);
	sg_resp_json(&req, 200, NULL, obj);
	out = tl_capture_end(&cap);
	/* Compact, and no escaped slashes. */
	ck_assert_str_eq(out, "Status: 200 OK\r\n" HEAD
	    "Content-Type: application/json\r\n"
	    "Content-Length: 38\r\n\r\n"
	    "{\"url\":\"https://a.example/fhir\",\"n\":1}");
	free(out);
	sg_request_finish(&req);

	req_init(&req, "GET");
	tl_capture_begin(&cap, STDOUT_FILENO);
	sg_resp_json(&req, 201, "application/fhir+json", obj);
	out = tl_capture_end(&cap);
	ck_assert_ptr_nonnull(strstr(out, "Status: 201 Created\r\n"));
	ck_assert_ptr_nonnull(strstr(out,
	    "Content-Type: application/fhir+json\r\n"));
	free(out);
	sg_request_finish(&req);
	json_object_put(obj);
}
END_TEST

START_TEST(test_redirect)
{
	struct sg_request	 req;
	char			*out;

	req_init(&req, "GET");
	tl_capture_begin(&cap, STDOUT_FILENO);
	sg_resp_redirect(&req, 302, "https://app.example/cb?code=abc&state=x");
	out = tl_capture_end(&cap);
	ck_assert_str_eq(out, "Status: 302 Found\r\n" HEAD
	    "Location: https://app.example/cb?code=abc&state=x\r\n"
	    "Content-Length: 0\r\n\r\n");
	free(out);
	sg_request_finish(&req);

	req_init(&req, "GET");
	tl_capture_begin(&cap, STDOUT_FILENO);
	sg_resp_redirect(&req, 303, "/auth/consent");
	out = tl_capture_end(&cap);
	ck_assert_str_eq(out, "Status: 303 See Other\r\n" HEAD
	    "Location: /auth/consent\r\nContent-Length: 0\r\n\r\n");
	free(out);
	sg_request_finish(&req);
}
END_TEST

/* Redirects that must become a 500 page, with no Location at all. */
static const struct {
	int		 status;
	const char	*location;
} bad_redirects[] = {
	{ 302, "https://app.example/cb\r\nSet-Cookie: a=b" },
	{ 302, "https://app.example/cb\nX: y" },
	{ 302, "" },
	{ 302, NULL },
	{ 200, "https://app.example/" },
	{ 400, "https://app.example/" },
};

START_TEST(test_redirect_refused)
{
	struct sg_request	 req;
	char			*out;

	req_init(&req, "GET");
	tl_capture_begin(&cap, STDOUT_FILENO);
	sg_resp_redirect(&req, bad_redirects[_i].status,
	    bad_redirects[_i].location);
	out = tl_capture_end(&cap);
	ck_assert_ptr_nonnull(strstr(out,
	    "Status: 500 Internal Server Error\r\n"));
	ck_assert_ptr_null(strstr(out, "Location"));
	ck_assert_ptr_null(strstr(out, "Set-Cookie"));
	ck_assert_ptr_nonnull(strstr(out, "Error 500"));
	ck_assert_int_eq(req.resp_status, 500);
	free(out);
	sg_request_finish(&req);
}
END_TEST

/* Splits out into headers and body; checks Content-Length. */
static const char *
body_of(const char *out)
{
	const char	*body, *cl;

	body = strstr(out, "\r\n\r\n");
	ck_assert_ptr_nonnull(body);
	body += 4;
	cl = strstr(out, "Content-Length: ");
	ck_assert_ptr_nonnull(cl);
	ck_assert_int_eq(cl < body, 1);
	ck_assert_uint_eq(strtoul(cl + 16, NULL, 10), strlen(body));
	return body;
}

START_TEST(test_error_oauth)
{
	struct sg_request	 req;
	char			*out;

	req_init(&req, "POST");
	tl_capture_begin(&cap, STDOUT_FILENO);
	sg_resp_error(&req, NULL, SG_E_INVALID_GRANT, SG_SHAPE_OAUTH,
	    "code expired");
	out = tl_capture_end(&cap);
	ck_assert_str_eq(out, "Status: 400 Bad Request\r\n" HEAD
	    "Cache-Control: no-store\r\nPragma: no-cache\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: 60\r\n\r\n"
	    "{\"error\":\"invalid_grant\",\"error_description\":"
	    "\"code expired\"}");
	ck_assert_int_eq(req.resp_status, 400);
	free(out);
	sg_request_finish(&req);
}
END_TEST

START_TEST(test_error_oauth_default_message)
{
	struct sg_request		 req;
	const struct sg_status_info	*info;
	json_object			*obj, *v;
	char				*out;

	info = sg_status_info(SG_E_INVALID_SCOPE);
	req_init(&req, "POST");
	tl_capture_begin(&cap, STDOUT_FILENO);
	sg_resp_error(&req, NULL, SG_E_INVALID_SCOPE, SG_SHAPE_OAUTH, NULL);
	out = tl_capture_end(&cap);
	obj = json_tokener_parse(body_of(out));
	ck_assert_ptr_nonnull(obj);
	ck_assert_int_eq(json_object_object_get_ex(obj, "error", &v), 1);
	ck_assert_str_eq(json_object_get_string(v), "invalid_scope");
	ck_assert_int_eq(json_object_object_get_ex(obj, "error_description",
	    &v), 1);
	ck_assert_str_eq(json_object_get_string(v), info->message);
	json_object_put(obj);
	free(out);
	sg_request_finish(&req);
}
END_TEST

START_TEST(test_error_invalid_client_basic)
{
	struct sg_request	 req;
	char			*out;

	req_init(&req, "POST");
	tl_capture_begin(&cap, STDOUT_FILENO);
	sg_resp_error(&req, NULL, SG_E_INVALID_CLIENT, SG_SHAPE_OAUTH, "no");
	out = tl_capture_end(&cap);
	ck_assert_str_eq(out, "Status: 401 Unauthorized\r\n" HEAD
	    "Cache-Control: no-store\r\nPragma: no-cache\r\n"
	    "WWW-Authenticate: Basic realm=\"smartgate\"\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: 51\r\n\r\n"
	    "{\"error\":\"invalid_client\",\"error_description\":\"no\"}");
	free(out);
	sg_request_finish(&req);
}
END_TEST

START_TEST(test_error_bearer_challenge)
{
	struct sg_request	 req;
	char			*out;

	req_init(&req, "GET");
	tl_capture_begin(&cap, STDOUT_FILENO);
	sg_resp_error(&req, NULL, SG_E_INVALID_TOKEN, SG_SHAPE_OAUTH,
	    "bad \"token\" \\ here\x01\xc3\xa9");
	out = tl_capture_end(&cap);
	/* '"', '\' and anything outside printable ASCII are dropped. */
	ck_assert_ptr_nonnull(strstr(out, "\r\nWWW-Authenticate: Bearer "
	    "error=\"invalid_token\", error_description=\"bad token  here\""
	    "\r\n"));
	ck_assert_ptr_nonnull(strstr(out, "Status: 401 Unauthorized\r\n"));
	free(out);
	sg_request_finish(&req);

	req_init(&req, "GET");
	tl_capture_begin(&cap, STDOUT_FILENO);
	sg_resp_error(&req, NULL, SG_E_INSUFFICIENT_SCOPE, SG_SHAPE_FHIR,
	    NULL);
	out = tl_capture_end(&cap);
	ck_assert_ptr_nonnull(strstr(out, "Status: 403 Forbidden\r\n"));
	ck_assert_ptr_nonnull(strstr(out, "\r\nWWW-Authenticate: Bearer "
	    "error=\"insufficient_scope\", error_description=\""));
	free(out);
	sg_request_finish(&req);

	/* Plain JSON endpoints get no challenge. */
	req_init(&req, "GET");
	tl_capture_begin(&cap, STDOUT_FILENO);
	sg_resp_error(&req, NULL, SG_E_INVALID_TOKEN, SG_SHAPE_JSON, NULL);
	out = tl_capture_end(&cap);
	ck_assert_ptr_null(strstr(out, "WWW-Authenticate"));
	free(out);
	sg_request_finish(&req);
}
END_TEST

START_TEST(test_error_fhir)
{
	struct sg_request	 req;
	char			*out;

	req_init(&req, "GET");
	tl_capture_begin(&cap, STDOUT_FILENO);
	sg_resp_error(&req, NULL, SG_E_NOT_FOUND, SG_SHAPE_FHIR,
	    "Patient/x </script>");
	out = tl_capture_end(&cap);
	ck_assert_str_eq(out, "Status: 404 Not Found\r\n" HEAD
	    "Content-Type: application/fhir+json\r\n"
	    "Content-Length: 121\r\n\r\n"
	    "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":"
	    "\"error\",\"code\":\"not-found\",\"diagnostics\":"
	    "\"Patient/x </script>\"}]}");
	free(out);
	sg_request_finish(&req);
}
END_TEST

START_TEST(test_error_json)
{
	struct sg_request	 req;
	char			*out;

	req_init(&req, "GET");
	tl_capture_begin(&cap, STDOUT_FILENO);
	sg_resp_error(&req, NULL, SG_E_UPSTREAM, SG_SHAPE_JSON, "down");
	out = tl_capture_end(&cap);
	ck_assert_str_eq(out, "Status: 502 Bad Gateway\r\n" HEAD
	    "Cache-Control: no-store\r\nPragma: no-cache\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: 51\r\n\r\n"
	    "{\"error\":\"server_error\",\"error_description\":\"down\"}");
	free(out);
	sg_request_finish(&req);

	/* No OAuth code in the table: a 4xx falls back to invalid_request. */
	req_init(&req, "GET");
	tl_capture_begin(&cap, STDOUT_FILENO);
	sg_resp_error(&req, NULL, SG_E_NOT_FOUND, SG_SHAPE_JSON, "x");
	out = tl_capture_end(&cap);
	ck_assert_ptr_nonnull(strstr(out, "{\"error\":\"invalid_request\","));
	free(out);
	sg_request_finish(&req);

	/* SG_OK is no error: it becomes a 500. */
	req_init(&req, "GET");
	tl_capture_begin(&cap, STDOUT_FILENO);
	sg_resp_error(&req, NULL, SG_OK, SG_SHAPE_JSON, NULL);
	out = tl_capture_end(&cap);
	ck_assert_ptr_nonnull(strstr(out,
	    "Status: 500 Internal Server Error\r\n"));
	free(out);
	sg_request_finish(&req);
}
END_TEST

START_TEST(test_error_html_template)
{
	struct sg_request	 req;
	struct sg_config	 cfg;
	char			*out;
	const char		*body;

	cfg_init(&cfg);
	req_init(&req, "GET");
	tl_capture_begin(&cap, STDOUT_FILENO);
	sg_resp_error(&req, &cfg, SG_E_BAD_REQUEST, SG_SHAPE_HTML,
	    "<script>alert(1)</script> & \"x\"");
	out = tl_capture_end(&cap);
	ck_assert_int_eq(strncmp(out, "Status: 400 Bad Request\r\n" HEAD
	    HTML_HEADERS "Content-Type: text/html; charset=utf-8\r\n"
	    "Content-Length: ", strlen("Status: 400 Bad Request\r\n" HEAD
	    HTML_HEADERS "Content-Type: text/html; charset=utf-8\r\n"
	    "Content-Length: ")), 0);
	body = body_of(out);
	ck_assert_ptr_null(strstr(body, "<script>"));
	ck_assert_ptr_nonnull(strstr(body, "&lt;script&gt;alert(1)"
	    "&lt;/script&gt; &amp; &quot;x&quot;"));
	/* From the template, not the built-in page. */
	ck_assert_ptr_nonnull(strstr(body, "smartgate.css"));
	ck_assert_ptr_nonnull(strstr(body, "Error 400"));
	ck_assert_ptr_nonnull(strstr(body, RID));
	free(out);
	sg_request_finish(&req);
}
END_TEST

START_TEST(test_error_html_fallback)
{
	struct sg_request	 req;
	struct sg_config	 cfg;
	char			*out;
	const char		*body;

	cfg_init(&cfg);
	cfg.templates_dir = (char *)(uintptr_t)"/nonexistent";
	req_init(&req, "GET");
	tl_capture_begin(&cap, STDOUT_FILENO);
	sg_resp_error(&req, &cfg, SG_E_ACCESS_DENIED, SG_SHAPE_HTML,
	    "<script>alert(1)</script>");
	out = tl_capture_end(&cap);
	ck_assert_int_eq(strncmp(out, "Status: 403 Forbidden\r\n" HEAD
	    HTML_HEADERS, strlen("Status: 403 Forbidden\r\n" HEAD
	    HTML_HEADERS)), 0);
	body = body_of(out);
	/* The built-in page echoes nothing of the detail. */
	ck_assert_ptr_null(strstr(body, "script"));
	ck_assert_ptr_nonnull(strstr(body, "<h1>Error 403</h1>"));
	ck_assert_ptr_nonnull(strstr(body, "Forbidden"));
	ck_assert_ptr_null(strstr(body, "smartgate.css"));
	free(out);
	sg_request_finish(&req);
}
END_TEST

START_TEST(test_error_after_answer_ignored)
{
	struct sg_request	 req;
	char			*out;

	req_init(&req, "GET");
	tl_capture_begin(&cap, STDOUT_FILENO);
	sg_resp_send(&req, 200, NULL, NULL, 0);
	sg_resp_error(&req, NULL, SG_E_INTERNAL, SG_SHAPE_JSON, NULL);
	out = tl_capture_end(&cap);
	ck_assert_str_eq(out, "Status: 200 OK\r\n" HEAD
	    "Content-Length: 0\r\n\r\n");
	ck_assert_int_eq(req.resp_status, 200);
	free(out);
	sg_request_finish(&req);
}
END_TEST

/* finish answers 500 for a program that sent nothing. */
START_TEST(test_finish_without_answer)
{
	struct sg_request	 req;
	char			*out;

	req_init(&req, "GET");
	tl_capture_begin(&cap, STDOUT_FILENO);
	sg_request_finish(&req);
	out = tl_capture_end(&cap);
	ck_assert_int_eq(strncmp(out, "Status: 500 Internal Server Error\r\n",
	    35), 0);
	free(out);
}
END_TEST

#define EXPOSE	"Access-Control-Expose-Headers: Location, Content-Location, " \
		"ETag, Last-Modified, X-Request-Id, WWW-Authenticate\r\n"
#define ALLOW	"Access-Control-Allow-Methods: GET, POST\r\n" \
		"Access-Control-Allow-Headers: Authorization, Content-Type, " \
		"Accept, Prefer, If-Match, If-None-Match, If-Modified-Since, " \
		"If-None-Exist\r\nAccess-Control-Max-Age: 600\r\n"

/* CORS cases: configuration, request, expected answer. */
static const struct {
	int		 any;		/* cors_any */
	const char	*origin;	/* HTTP_ORIGIN or NULL */
	const char	*method;	/* REQUEST_METHOD */
	const char	*acrm;		/* Access-Control-Request-Method */
	int		 ret;
	const char	*want;		/* whole answer */
} cors_table[] = {
	/* An allowed origin, exactly. */
	{ 0, "https://app.example", "GET", NULL, 0,
	  "Status: 200 OK\r\n" HEAD "Vary: Origin\r\n"
	  "Access-Control-Allow-Origin: https://app.example\r\n" EXPOSE
	  "Content-Length: 0\r\n\r\n" },
	{ 0, "http://localhost:9000", "POST", NULL, 0,
	  "Status: 200 OK\r\n" HEAD "Vary: Origin\r\n"
	  "Access-Control-Allow-Origin: http://localhost:9000\r\n" EXPOSE
	  "Content-Length: 0\r\n\r\n" },
	/* Not byte for byte the same: denied. */
	{ 0, "https://APP.example", "GET", NULL, 0,
	  "Status: 200 OK\r\n" HEAD "Vary: Origin\r\n"
	  "Content-Length: 0\r\n\r\n" },
	{ 0, "https://app.example.evil", "GET", NULL, 0,
	  "Status: 200 OK\r\n" HEAD "Vary: Origin\r\n"
	  "Content-Length: 0\r\n\r\n" },
	{ 0, "https://app.exampl", "GET", NULL, 0,
	  "Status: 200 OK\r\n" HEAD "Vary: Origin\r\n"
	  "Content-Length: 0\r\n\r\n" },
	{ 0, "https://app.example/", "GET", NULL, 0,
	  "Status: 200 OK\r\n" HEAD "Vary: Origin\r\n"
	  "Content-Length: 0\r\n\r\n" },
	{ 0, "null", "GET", NULL, 0,
	  "Status: 200 OK\r\n" HEAD "Vary: Origin\r\n"
	  "Content-Length: 0\r\n\r\n" },
	{ 0, NULL, "GET", NULL, 0,
	  "Status: 200 OK\r\n" HEAD "Vary: Origin\r\n"
	  "Content-Length: 0\r\n\r\n" },
	/* Any origin. */
	{ 1, "https://whoever.example", "GET", NULL, 0,
	  "Status: 200 OK\r\n" HEAD
	  "Access-Control-Allow-Origin: *\r\n" EXPOSE
	  "Content-Length: 0\r\n\r\n" },
	{ 1, NULL, "GET", NULL, 0,
	  "Status: 200 OK\r\n" HEAD "Content-Length: 0\r\n\r\n" },
	/* Preflights are answered by sg_resp_cors itself. */
	{ 0, "https://app.example", "OPTIONS", "POST", 1,
	  "Status: 204 No Content\r\n" HEAD "Vary: Origin\r\n"
	  "Access-Control-Allow-Origin: https://app.example\r\n" ALLOW
	  "\r\n" },
	{ 1, "https://whoever.example", "OPTIONS", "GET", 1,
	  "Status: 204 No Content\r\n" HEAD
	  "Access-Control-Allow-Origin: *\r\n" ALLOW "\r\n" },
	{ 0, "https://evil.example", "OPTIONS", "POST", 1,
	  "Status: 204 No Content\r\n" HEAD "Vary: Origin\r\n\r\n" },
	/* OPTIONS without Access-Control-Request-Method: no preflight. */
	{ 0, "https://app.example", "OPTIONS", NULL, 0,
	  "Status: 200 OK\r\n" HEAD "Vary: Origin\r\n"
	  "Access-Control-Allow-Origin: https://app.example\r\n" EXPOSE
	  "Content-Length: 0\r\n\r\n" },
};

START_TEST(test_cors_table)
{
	struct sg_request	 req;
	struct sg_config	 cfg;
	char			*out;
	int			 r;

	cfg_init(&cfg);
	cfg.cors_origins[0] = (char *)(uintptr_t)"https://app.example";
	cfg.cors_origins[1] = (char *)(uintptr_t)"http://localhost:9000";
	cfg.ncors_origins = 2;
	if (cors_table[_i].any) {
		cfg.cors_any = 1;
		cfg.cors_origins[0] = (char *)(uintptr_t)"*";
		cfg.ncors_origins = 1;
	}
	clear_cgi_env();
	if (cors_table[_i].origin != NULL)
		setenv("HTTP_ORIGIN", cors_table[_i].origin, 1);
	if (cors_table[_i].acrm != NULL)
		setenv("HTTP_ACCESS_CONTROL_REQUEST_METHOD",
		    cors_table[_i].acrm, 1);

	req_init(&req, cors_table[_i].method);
	tl_capture_begin(&cap, STDOUT_FILENO);
	r = sg_resp_cors(&req, &cfg, "GET, POST");
	if (r == 0)
		sg_resp_send(&req, 200, NULL, NULL, 0);
	out = tl_capture_end(&cap);
	ck_assert_int_eq(r, cors_table[_i].ret);
	ck_assert_str_eq(out, cors_table[_i].want);
	free(out);
	sg_request_finish(&req);
	clear_cgi_env();
}
END_TEST

/* Helpers for the request tests: stdin from a file with given bytes. */
static void
stdin_from(const char *data)
{
	char	 path[] = "/tmp/sg-req-XXXXXX";
	int	 fd;

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	unlink(path);
	ck_assert_int_eq(write(fd, data, strlen(data)),
	    (ssize_t)strlen(data));
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	ck_assert_int_ge(dup2(fd, STDIN_FILENO), 0);
	close(fd);
}

/* CONTENT_LENGTH, body on stdin, max, expected status and body. */
static const struct {
	const char	*cl;
	const char	*data;
	size_t		 max;
	enum sg_status	 st;
	const char	*want;
} body_table[] = {
	{ "5", "hello", 10, SG_OK, "hello" },
	{ "5", "hello, world", 10, SG_OK, "hello" },
	{ "005", "hello", 10, SG_OK, "hello" },
	{ "10", "0123456789", 10, SG_OK, "0123456789" },
	{ NULL, "ignored", 10, SG_OK, "" },
	{ "", "ignored", 10, SG_OK, "" },
	{ "0", "", 10, SG_OK, "" },
	{ "11", "0123456789a", 10, SG_E_TOO_LARGE, NULL },
	{ "99999999999999999999999999", "x", 10, SG_E_TOO_LARGE, NULL },
	{ "6", "hello", 10, SG_E_BAD_REQUEST, NULL },
	{ "+5", "hello", 10, SG_E_BAD_REQUEST, NULL },
	{ "-1", "hello", 10, SG_E_BAD_REQUEST, NULL },
	{ " 5", "hello", 10, SG_E_BAD_REQUEST, NULL },
	{ "5 ", "hello", 10, SG_E_BAD_REQUEST, NULL },
	{ "0x5", "hello", 10, SG_E_BAD_REQUEST, NULL },
	{ "5a", "hello", 10, SG_E_BAD_REQUEST, NULL },
};

START_TEST(test_body_table)
{
	struct sg_request	 req;
	char			*body = NULL;
	size_t			 len = 99;
	enum sg_status		 st;

	if (body_table[_i].cl != NULL)
		setenv("CONTENT_LENGTH", body_table[_i].cl, 1);
	else
		unsetenv("CONTENT_LENGTH");
	stdin_from(body_table[_i].data);
	req_init(&req, "POST");
	st = sg_request_body(&req, body_table[_i].max, &body, &len);
	ck_assert_int_eq(st, body_table[_i].st);
	if (body_table[_i].want != NULL) {
		ck_assert_ptr_nonnull(body);
		ck_assert_uint_eq(len, strlen(body_table[_i].want));
		ck_assert_mem_eq(body, body_table[_i].want, len);
		ck_assert_int_eq(body[len], '\0');
	} else {
		ck_assert_ptr_null(body);
		ck_assert_uint_eq(len, 0);
	}
	free(body);
	req.resp_status = 200;
	sg_request_finish(&req);
	unsetenv("CONTENT_LENGTH");
}
END_TEST

/* The one request of a plain CGI process, from its environment. */
START_TEST(test_accept_cgi)
{
	struct sg_request	 req;

	stdin_from("");		/* not a socket: plain CGI */
	setenv("REQUEST_METHOD", "POST", 1);
	setenv("REQUEST_URI", "/auth/token?code=secret", 1);
	setenv("QUERY_STRING", "code=secret", 1);
	setenv("REMOTE_ADDR", "192.0.2.1", 1);
	setenv("HTTP_X_TEST", "yes", 1);
	memset(&req, 0, sizeof(req));
	ck_assert_int_eq(sg_request_init_process(), 0);
	ck_assert_int_eq(sg_request_accept(&req), 1);
	ck_assert_int_eq(req.cgi, 1);
	ck_assert_uint_eq(strlen(req.id), 16);
	ck_assert_uint_eq(strspn(req.id, "0123456789abcdef"), 16);
	ck_assert_str_eq(req.method, "POST");
	ck_assert_str_eq(req.path, "/auth/token");
	ck_assert_str_eq(req.query, "code=secret");
	ck_assert_str_eq(req.remote_addr, "192.0.2.1");
	ck_assert_int_eq(req.too_long, 0);
	ck_assert_str_eq(sg_request_env(&req, "HTTP_X_TEST"), "yes");
	ck_assert_ptr_null(sg_request_env(&req, "HTTP_X_NONE"));
	req.resp_status = 200;
	sg_request_finish(&req);
	/* Plain CGI serves one request. */
	ck_assert_int_eq(sg_request_accept(&req), 0);
	unsetenv("REQUEST_METHOD");
	unsetenv("REQUEST_URI");
	unsetenv("QUERY_STRING");
	unsetenv("REMOTE_ADDR");
	unsetenv("HTTP_X_TEST");
}
END_TEST

static Suite *
response_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("response");

	tc = tcase_create("send");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_send_exact);
	tcase_add_test(tc, test_send_headers_in_order_and_once);
	tcase_add_test(tc, test_send_no_content);
	tcase_add_test(tc, test_send_bad_status);
	tcase_add_test(tc, test_send_unknown_code_reason);
	tcase_add_loop_test(tc, test_header_table, 0,
	    sizeof(header_table) / sizeof(header_table[0]));
	tcase_add_test(tc, test_header_refused_never_written);
	tcase_add_test(tc, test_header_table_full);
	tcase_add_test(tc, test_json);
	tcase_add_test(tc, test_redirect);
	tcase_add_loop_test(tc, test_redirect_refused, 0,
	    sizeof(bad_redirects) / sizeof(bad_redirects[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("error");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_error_oauth);
	tcase_add_test(tc, test_error_oauth_default_message);
	tcase_add_test(tc, test_error_invalid_client_basic);
	tcase_add_test(tc, test_error_bearer_challenge);
	tcase_add_test(tc, test_error_fhir);
	tcase_add_test(tc, test_error_json);
	tcase_add_test(tc, test_error_html_template);
	tcase_add_test(tc, test_error_html_fallback);
	tcase_add_test(tc, test_error_after_answer_ignored);
	tcase_add_test(tc, test_finish_without_answer);
	suite_add_tcase(s, tc);

	tc = tcase_create("cors");
	tcase_add_loop_test(tc, test_cors_table, 0,
	    sizeof(cors_table) / sizeof(cors_table[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("request");
	tcase_add_loop_test(tc, test_body_table, 0,
	    sizeof(body_table) / sizeof(body_table[0]));
	tcase_add_test(tc, test_accept_cgi);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	int	 rc;

	if ((templates_dir = realpath("templates", NULL)) == NULL) {
		fprintf(stderr, "run from the repository root: no templates/\n");
		return 1;
	}
	rc = tl_run(response_suite());
	free(templates_dir);
	return rc;
}
