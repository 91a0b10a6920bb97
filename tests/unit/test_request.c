/*
 * Unit tests for request.c in plain CGI mode.  sg_request_accept()
 * takes its one request from the environment once per process, so every
 * case that accepts runs in a child forked here (not by Check: the tests
 * must also work under CK_FORK=no).  The child gets a temporary file as
 * stdin (the body), stdout and stderr; it writes what it saw as a
 * struct findings to a fourth file and exits 0.  The parent checks.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>

#include "bounds.h"
#include "form.h"
#include "mem.h"
#include "request.h"
#include "response.h"
#include "status.h"
#include "testlib.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define MAX_ENV		8
#define BODY_KEEP	64

/* Every variable the module reads: unset in the child unless given. */
static const char *const cgi_vars[] = {
	"REQUEST_METHOD", "REQUEST_URI", "QUERY_STRING", "SCRIPT_NAME",
	"PATH_INFO", "REMOTE_ADDR", "CONTENT_LENGTH", "CONTENT_TYPE",
	"HTTP_ORIGIN",
	"HTTP_X_EMPTY", "HTTP_X_UNSET",
};

/* What a child saw; written raw to a file, read back by the parent. */
struct findings {
	int		 init, accept1, accept2;
	char		 id[17];
	char		 method[32], query[64], remote[64];
	char		 path[SG_MAX_URI + 2];
	size_t		 path_len;
	int		 too_long;
	int		 cleared;	/* finish reset path, method, status */
	/* sg_request_env, for env_case rows */
	int		 env_null[MAX_ENV];
	char		 env[MAX_ENV][64];
	/* sg_request_body */
	int		 body_st, body_out_null, body_nul_end;
	size_t		 body_len;
	uint64_t	 body_hash;
	/* sg_request_form */
	int		 form_st;
	char		 form_a[32], form_b[32], form_bad[SG_MAX_PARAM_NAME + 1];
};

typedef void	child_fn(struct sg_request *, const void *, struct findings *);

/* FNV-1a: enough to compare bodies too big for struct findings. */
static uint64_t
hash(const void *p, size_t len)
{
	const unsigned char	*b = p;
	uint64_t		 h = 14695981039346656037ULL;
	size_t			 i;

	for (i = 0; i < len; i++)
		h = (h ^ b[i]) * 1099511628211ULL;
	return h;
}

static void
copy_str(char *dst, size_t dstlen, const char *s)
{
	snprintf(dst, dstlen, "%s", s == NULL ? "(null)" : s);
}

static int
tmp_fd(void)
{
	char	 path[] = "/tmp/sg-req-XXXXXX";
	int	 fd;

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	unlink(path);
	return fd;
}

/* The whole of a file as a string (caller frees). */
static char *
slurp(int fd)
{
	off_t	 size;
	char	*buf;

	size = lseek(fd, 0, SEEK_END);
	ck_assert_int_ge(size, 0);
	buf = malloc((size_t)size + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(pread(fd, buf, (size_t)size, 0), size);
	buf[size] = '\0';
	return buf;
}

/* In the child: no Check calls, only the exit status says it failed. */
static void
child(const char *const *env, child_fn *fn, const void *arg, int fds[4])
{
	struct sg_request	 req;
	static struct findings	 f;
	size_t			 i;

	memset(&f, 0, sizeof(f));
	for (i = 0; i < 3; i++)
		if (dup2(fds[i], (int)i) < 0)
			_exit(3);
	for (i = 0; i < NELEM(cgi_vars); i++)
		unsetenv(cgi_vars[i]);
	for (i = 0; env != NULL && env[i] != NULL; i += 2)
		if (env[i + 1] != NULL && setenv(env[i], env[i + 1], 1) != 0)
			_exit(4);

	memset(&req, 0, sizeof(req));
	f.init = sg_request_init_process();
	f.accept1 = sg_request_accept(&req);
	if (f.accept1 == 1) {
		memcpy(f.id, req.id, sizeof(f.id));
		copy_str(f.method, sizeof(f.method), req.method);
		copy_str(f.query, sizeof(f.query), req.query);
		copy_str(f.remote, sizeof(f.remote), req.remote_addr);
		copy_str(f.path, sizeof(f.path), req.path);
		f.path_len = req.path == NULL ? 0 : strlen(req.path);
		f.too_long = req.too_long;
		if (fn != NULL)
			fn(&req, arg, &f);
		sg_request_finish(&req);
		f.cleared = req.path == NULL && req.method == NULL &&
		    req.resp_status == 0 && req.log_note == NULL;
		/* Plain CGI: one request per process, then "exit". */
		f.accept2 = sg_request_accept(&req);
	}
	if (write(fds[3], &f, sizeof(f)) != (ssize_t)sizeof(f))
		_exit(5);
	/* exit, not _exit: LeakSanitizer checks the child at exit. */
	exit(0);
}

/*
 * Runs one request in a child.  env is name, value pairs ending in NULL
 * (a NULL value leaves the variable unset).  Fills *f; *out and *err get
 * the child's stdout and stderr (caller frees) when not NULL; *consumed
 * the bytes of the body the child read from stdin.
 */
static void
run(const char *const *env, const void *body, size_t bodylen,
    child_fn *fn, const void *arg, struct findings *f, char **out,
    char **err, off_t *consumed)
{
	int	 fds[4], status, i;
	pid_t	 pid;
	char	*e;

	for (i = 0; i < 4; i++)
		fds[i] = tmp_fd();
	ck_assert_int_eq(write(fds[0], body, bodylen), (ssize_t)bodylen);
	ck_assert_int_eq(lseek(fds[0], 0, SEEK_SET), 0);
	fflush(NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		child(env, fn, arg, fds);
	while (waitpid(pid, &status, 0) < 0)
		ck_assert_int_eq(errno, EINTR);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		/* Show why (sanitizer or valgrind report) before failing. */
		e = slurp(fds[2]);
		fprintf(stderr, "child stderr:\n%s\n", e);
		free(e);
	}
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	ck_assert_int_eq(pread(fds[3], f, sizeof(*f), 0), (ssize_t)sizeof(*f));
	ck_assert_int_eq(f->init, 0);
	ck_assert_int_eq(f->accept1, 1);
	ck_assert_int_eq(f->accept2, 0);
	ck_assert_int_eq(f->cleared, 1);
	if (consumed != NULL)
		*consumed = lseek(fds[0], 0, SEEK_CUR);
	if (out != NULL)
		*out = slurp(fds[1]);
	if (err != NULL)
		*err = slurp(fds[2]);
	for (i = 0; i < 4; i++)
		close(fds[i]);
}

/* "/aaa..." of len bytes (caller frees). */
static char *
gen(char c, size_t len)
{
	char	*s;

	s = malloc(len + 1);
	ck_assert_ptr_nonnull(s);
	memset(s, c, len);
	if (len > 0)
		s[0] = '/';
	s[len] = '\0';
	return s;
}

/*
 * The request line.  gen_path > 0 makes REQUEST_URI a path of that many
 * bytes, followed by '?' and gen_query bytes when gen_query > 0;
 * gen_info > 0 makes PATH_INFO that long.  want_path NULL: the generated
 * path (or SCRIPT_NAME + generated PATH_INFO).
 */
static const struct fill_case {
	const char	*method, *uri, *query, *script, *info, *remote;
	size_t		 gen_path, gen_query, gen_info;
	const char	*want_method, *want_path, *want_query, *want_remote;
	int		 want_too_long;
} fill_cases[] = {
	/* Defaults. */
	{ NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0,
	    "GET", "", "", "-", 0 },
	{ "", "/", "", NULL, NULL, "", 0, 0, 0,
	    "GET", "/", "", "-", 0 },
	/* Given; path is REQUEST_URI up to the first '?', raw. */
	{ "POST", "/a/b?x=1", "x=1", NULL, NULL, "192.0.2.1", 0, 0, 0,
	    "POST", "/a/b", "x=1", "192.0.2.1", 0 },
	{ "DELETE", "/a?b?c", "b?c", NULL, NULL, "2001:db8::1", 0, 0, 0,
	    "DELETE", "/a", "b?c", "2001:db8::1", 0 },
	{ "GET", "/p?", "", NULL, NULL, NULL, 0, 0, 0,
	    "GET", "/p", "", "-", 0 },
	{ "GET", "/%2F..%3F?q", "q", NULL, NULL, NULL, 0, 0, 0,
	    "GET", "/%2F..%3F", "q", "-", 0 },
	{ "GET", "?x", "x", NULL, NULL, NULL, 0, 0, 0,
	    "GET", "", "x", "-", 0 },
	/* REQUEST_URI wins over SCRIPT_NAME + PATH_INFO, even when "". */
	{ "GET", "/r", NULL, "/s", "/i", NULL, 0, 0, 0,
	    "GET", "/r", "", "-", 0 },
	{ "GET", "", NULL, "/s", "/i", NULL, 0, 0, 0,
	    "GET", "", "", "-", 0 },
	/* Fallback without REQUEST_URI. */
	{ "GET", NULL, "a=b", "/cgi-bin/token", "/x/y", NULL, 0, 0, 0,
	    "GET", "/cgi-bin/token/x/y", "a=b", "-", 0 },
	{ "GET", NULL, NULL, "/s", NULL, NULL, 0, 0, 0,
	    "GET", "/s", "", "-", 0 },
	{ "GET", NULL, NULL, NULL, "/i", NULL, 0, 0, 0,
	    "GET", "/i", "", "-", 0 },
	{ "GET", NULL, NULL, "/s", NULL, NULL, 0, 0, SG_MAX_URI - 2,
	    "GET", NULL, "", "-", 0 },
	{ "GET", NULL, NULL, "/s", NULL, NULL, 0, 0, SG_MAX_URI - 1,
	    "GET", "", "", "-", 1 },
	/*
	 * Too long: the whole REQUEST_URI over SG_MAX_URI sets too_long;
	 * the path survives when the part before '?' is itself short.
	 */
	{ "GET", NULL, NULL, NULL, NULL, NULL, SG_MAX_URI, 0, 0,
	    "GET", NULL, "", "-", 0 },
	{ "GET", NULL, NULL, NULL, NULL, NULL, SG_MAX_URI + 1, 0, 0,
	    "GET", "", "", "-", 1 },
	{ "GET", NULL, NULL, NULL, NULL, NULL, 100, SG_MAX_URI - 101, 0,
	    "GET", NULL, "", "-", 0 },
	{ "GET", NULL, NULL, NULL, NULL, NULL, 100, SG_MAX_URI - 100, 0,
	    "GET", NULL, "", "-", 1 },
	{ "GET", NULL, NULL, NULL, NULL, NULL, SG_MAX_URI, 10, 0,
	    "GET", NULL, "", "-", 1 },
	{ "GET", NULL, NULL, NULL, NULL, NULL, SG_MAX_URI + 1, 10, 0,
	    "GET", "", "", "-", 1 },
};

static int
is_id(const char *id)
{
	size_t	 i;

	for (i = 0; i < 16; i++)
		if (!((id[i] >= '0' && id[i] <= '9') ||
		    (id[i] >= 'a' && id[i] <= 'f')))
			return 0;
	return id[16] == '\0';
}

START_TEST(test_fill)
{
	const struct fill_case	*c = &fill_cases[_i];
	struct findings		*f;
	char			*uri = NULL, *info = NULL, *want = NULL;
	const char		*env[16];
	size_t			 n = 0;

	f = malloc(sizeof(*f));
	ck_assert_ptr_nonnull(f);
	if (c->gen_path > 0) {
		uri = gen('a', c->gen_path + (c->gen_query ?
		    1 + c->gen_query : 0));
		if (c->gen_query > 0) {
			uri[c->gen_path] = '?';
			memset(uri + c->gen_path + 1, 'q', c->gen_query);
		}
		want = strndup(uri, c->gen_path);
	}
	if (c->gen_info > 0) {
		info = gen('i', c->gen_info);
		want = sg_xconcat(c->script ? c->script : "", info);
	}
	env[n++] = "REQUEST_METHOD";	env[n++] = c->method;
	env[n++] = "REQUEST_URI";	env[n++] = uri ? uri : c->uri;
	env[n++] = "QUERY_STRING";	env[n++] = c->query;
	env[n++] = "SCRIPT_NAME";	env[n++] = c->script;
	env[n++] = "PATH_INFO";		env[n++] = info ? info : c->info;
	env[n++] = "REMOTE_ADDR";	env[n++] = c->remote;
	env[n] = NULL;

	run(env, "", 0, NULL, NULL, f, NULL, NULL, NULL);
	ck_assert_str_eq(f->method, c->want_method);
	ck_assert_str_eq(f->query, c->want_query);
	ck_assert_str_eq(f->remote, c->want_remote);
	ck_assert_int_eq(f->too_long, c->want_too_long);
	if (c->want_path != NULL)
		ck_assert_str_eq(f->path, c->want_path);
	else {
		ck_assert_ptr_nonnull(want);
		ck_assert_uint_eq(f->path_len, strlen(want));
		ck_assert_int_eq(strcmp(f->path, want), 0);
	}
	ck_assert_msg(is_id(f->id), "bad request id \"%s\"", f->id);
	free(uri);
	free(info);
	free(want);
	free(f);
}
END_TEST

/* Request ids: 16 lowercase hex digits, fresh for every request. */
START_TEST(test_ids_differ)
{
	static const char *const env[] = { "REQUEST_URI", "/", NULL };
	struct findings		*f;
	char			 ids[4][17];
	size_t			 i, j;

	f = malloc(sizeof(*f));
	ck_assert_ptr_nonnull(f);
	for (i = 0; i < NELEM(ids); i++) {
		run(env, "", 0, NULL, NULL, f, NULL, NULL, NULL);
		ck_assert_msg(is_id(f->id), "bad request id \"%s\"", f->id);
		memcpy(ids[i], f->id, sizeof(ids[i]));
		for (j = 0; j < i; j++)
			ck_assert_str_ne(ids[i], ids[j]);
	}
	free(f);
}
END_TEST

static const struct env_case {
	const char	*name, *value;	/* value NULL: unset */
} env_cases[] = {
	{ "HTTP_ORIGIN",	"https://app.example" },
	{ "HTTP_X_EMPTY",	"" },
	{ "HTTP_X_UNSET",	NULL },
	{ "REQUEST_URI",	"/e?x" },
	{ "CONTENT_LENGTH",	NULL },
};

static void
env_fn(struct sg_request *req, const void *arg, struct findings *f)
{
	const char	*v;
	size_t		 i;

	(void)arg;
	for (i = 0; i < NELEM(env_cases); i++) {
		v = sg_request_env(req, env_cases[i].name);
		f->env_null[i] = v == NULL;
		copy_str(f->env[i], sizeof(f->env[i]), v);
	}
}

START_TEST(test_env)
{
	struct sg_request	 req;
	struct findings		*f;
	const char		*env[2 * NELEM(env_cases) + 1];
	size_t			 i;

	/* Outside a request: nothing, and no crash. */
	memset(&req, 0, sizeof(req));
	ck_assert_ptr_null(sg_request_env(NULL, "PATH"));
	ck_assert_ptr_null(sg_request_env(&req, NULL));
	ck_assert_ptr_null(sg_request_env(&req, "PATH"));

	f = malloc(sizeof(*f));
	ck_assert_ptr_nonnull(f);
	for (i = 0; i < NELEM(env_cases); i++) {
		env[2 * i] = env_cases[i].name;
		env[2 * i + 1] = env_cases[i].value;
	}
	env[2 * i] = NULL;
	run(env, "", 0, env_fn, NULL, f, NULL, NULL, NULL);
	for (i = 0; i < NELEM(env_cases); i++) {
		ck_assert_int_eq(f->env_null[i], env_cases[i].value == NULL);
		if (env_cases[i].value != NULL)
			ck_assert_str_eq(f->env[i], env_cases[i].value);
	}
	free(f);
}
END_TEST

#define BIG	200000		/* more than one read chunk */

static const struct body_case {
	const char	*cl;		/* CONTENT_LENGTH, NULL: unset */
	const char	*body;		/* on stdin; NULL: BIG bytes */
	size_t		 bodylen, max;
	enum sg_status	 want_st;
	size_t		 want_len;	/* a prefix of body */
	off_t		 want_consumed;	/* bytes read from stdin */
} body_cases[] = {
	/* RFC 3875 §4.1.2: unset or empty means no body. */
	{ NULL,	"", 0, 100, SG_OK, 0, 0 },
	{ NULL,	"hello", 5, 100, SG_OK, 0, 0 },
	{ "",	"hello", 5, 100, SG_OK, 0, 0 },
	{ "0",	"hello", 5, 100, SG_OK, 0, 0 },
	{ "5",	"hello", 5, 5, SG_OK, 5, 5 },
	{ "005", "hello", 5, 5, SG_OK, 5, 5 },
	{ "3",	"hello", 5, 100, SG_OK, 3, 3 },
	{ "5",	"a\0b\0c", 5, 100, SG_OK, 5, 5 },
	{ "200000", NULL, BIG, BIG, SG_OK, BIG, BIG },
	/* Over max: refused before reading anything. */
	{ "6",	"hello!", 6, 5, SG_E_TOO_LARGE, 0, 0 },
	{ "200000", NULL, BIG, BIG - 1, SG_E_TOO_LARGE, 0, 0 },
	/*
	 * Well-formed digits beyond size_t: too large, as for any value
	 * over max (RFC 9110 §8.6: no overflow when parsing).
	 */
	{ "99999999999999999999999", "x", 1, 100, SG_E_TOO_LARGE, 0, 0 },
	{ "18446744073709551616", "x", 1, 100, SG_E_TOO_LARGE, 0, 0 },
	/* Malformed: digits only. */
	{ "12a", "x", 1, 100, SG_E_BAD_REQUEST, 0, 0 },
	{ "-1",	"x", 1, 100, SG_E_BAD_REQUEST, 0, 0 },
	{ "+5",	"hello", 5, 100, SG_E_BAD_REQUEST, 0, 0 },
	{ " 5",	"hello", 5, 100, SG_E_BAD_REQUEST, 0, 0 },
	{ "5 ",	"hello", 5, 100, SG_E_BAD_REQUEST, 0, 0 },
	{ "0x5", "hello", 5, 100, SG_E_BAD_REQUEST, 0, 0 },
	{ "5,5", "hello", 5, 100, SG_E_BAD_REQUEST, 0, 0 },
	/* Short body. */
	{ "6",	"hello", 5, 100, SG_E_BAD_REQUEST, 0, 5 },
	{ "1",	"", 0, 100, SG_E_BAD_REQUEST, 0, 0 },
};

static void
body_fn(struct sg_request *req, const void *arg, struct findings *f)
{
	const struct body_case	*c = arg;
	char			*out = (char *)1;
	size_t			 len = 99;

	f->body_st = sg_request_body(req, c->max, &out, &len);
	f->body_out_null = out == NULL;
	f->body_len = len;
	if (out != NULL) {
		f->body_nul_end = out[len] == '\0';
		f->body_hash = hash(out, len);
	}
	free(out);
}

START_TEST(test_body)
{
	const struct body_case	*c = &body_cases[_i];
	const char		*env[] = { "REQUEST_METHOD", "POST",
				    "CONTENT_LENGTH", c->cl, NULL };
	struct findings		*f;
	char			*big = NULL;
	const char		*body = c->body;
	off_t			 consumed;

	f = malloc(sizeof(*f));
	ck_assert_ptr_nonnull(f);
	if (body == NULL) {
		body = big = gen('b', c->bodylen);
		big[c->bodylen - 1] = 'z';
	}
	run(env, body, c->bodylen, body_fn, c, f, NULL, NULL, &consumed);
	ck_assert_int_eq(f->body_st, c->want_st);
	ck_assert_int_eq(consumed, c->want_consumed);
	if (c->want_st == SG_OK) {
		ck_assert_int_eq(f->body_out_null, 0);
		ck_assert_uint_eq(f->body_len, c->want_len);
		ck_assert_int_eq(f->body_nul_end, 1);
		ck_assert(f->body_hash == hash(body, c->want_len));
	} else {
		ck_assert_int_eq(f->body_out_null, 1);
		ck_assert_uint_eq(f->body_len, 0);
	}
	free(big);
	free(f);
}
END_TEST

#define FORM_CT		"application/x-www-form-urlencoded"

/* Parameters of a request: the query for GET, a form body for POST. */
static const struct form_case {
	const char	*method, *ctype, *cl, *query, *body;
	enum sg_status	 want_st;
	const char	*want_a, *want_b;	/* NULL: absent */
	const char	*want_bad;
	off_t		 want_consumed;
} form_cases[] = {
	/* GET: the query; a body and its type are not looked at. */
	{ "GET", NULL, NULL, "a=1&b=x%20y&c=3", "", SG_OK, "1", "x y", "",
	    0 },
	{ "GET", "application/json", "3", "b=q", "a=1", SG_OK, NULL, "q",
	    "", 0 },
	{ "GET", NULL, NULL, "", "", SG_OK, NULL, NULL, "", 0 },
	/* A repeated parameter keeps no value (nothing reads it). */
	{ "GET", NULL, NULL, "a=1&a=2", "", SG_E_BAD_REQUEST, NULL, NULL,
	    "a", 0 },
	{ "HEAD", NULL, NULL, "a=1&b=2", "", SG_OK, "1", "2", "", 0 },
	/* POST: the body, never the query. */
	{ "POST", FORM_CT, "10", "a=q", "a=2&b=z+z&", SG_OK, "2", "z z",
	    "", 10 },
	{ "POST", FORM_CT "; charset=UTF-8", "3", NULL, "a=4", SG_OK, "4",
	    NULL, "", 3 },
	{ "POST", FORM_CT ";charset=utf-8", "3", NULL, "b=5", SG_OK, NULL,
	    "5", "", 3 },
	{ "POST", FORM_CT, NULL, NULL, "", SG_OK, NULL, NULL, "", 0 },
	/* Another media type: refused before reading anything. */
	{ "POST", "application/json", "3", NULL, "a=1",
	    SG_E_UNSUPPORTED_MEDIA, NULL, NULL, "", 0 },
	{ "POST", NULL, "3", NULL, "a=1", SG_E_UNSUPPORTED_MEDIA, NULL,
	    NULL, "", 0 },
	{ "POST", FORM_CT "x", "3", NULL, "a=1", SG_E_UNSUPPORTED_MEDIA,
	    NULL, NULL, "", 0 },
	{ "POST", "multipart/form-data; boundary=x", "3", NULL, "a=1",
	    SG_E_UNSUPPORTED_MEDIA, NULL, NULL, "", 0 },
	/* Too large (SG_MAX_FORM_BODY), malformed or short bodies. */
	{ "POST", FORM_CT, "65537", NULL, "a=1", SG_E_TOO_LARGE, NULL, NULL,
	    "", 0 },
	{ "POST", FORM_CT, "x", NULL, "a=1", SG_E_BAD_REQUEST, NULL, NULL,
	    "", 0 },
	{ "POST", FORM_CT, "9", NULL, "a=1", SG_E_BAD_REQUEST, NULL, NULL,
	    "", 3 },
	{ "POST", FORM_CT, "7", NULL, "b=1&b=2", SG_E_BAD_REQUEST, NULL,
	    NULL, "b", 7 },
	/* Neither GET nor POST. */
	{ "PUT", FORM_CT, "3", NULL, "a=1", SG_E_METHOD, NULL, NULL, "", 0 },
};

static const struct sg_param form_params[] = {
	{ "a", 8, sg_check_token, 0, 0 },
	{ "b", 8, sg_check_text, 0, 0 },
};

static void
form_fn(struct sg_request *req, const void *arg, struct findings *f)
{
	struct sg_form	 form;

	(void)arg;
	memset(&form, 0, sizeof(form));
	/* Not a bad name left over from before. */
	memset(form.bad, 'X', sizeof(form.bad) - 1);
	f->form_st = sg_request_form(req, form_params, NELEM(form_params),
	    &form);
	copy_str(f->form_a, sizeof(f->form_a), form.value[0]);
	copy_str(f->form_b, sizeof(f->form_b), form.value[1]);
	copy_str(f->form_bad, sizeof(f->form_bad), form.bad);
	sg_form_free(&form);
}

START_TEST(test_form)
{
	const struct form_case	*c = &form_cases[_i];
	const char		*env[] = { "REQUEST_METHOD", c->method,
				    "CONTENT_TYPE", c->ctype,
				    "CONTENT_LENGTH", c->cl,
				    "QUERY_STRING", c->query, NULL };
	struct findings		*f;
	off_t			 consumed;

	f = malloc(sizeof(*f));
	ck_assert_ptr_nonnull(f);
	run(env, c->body, strlen(c->body), form_fn, c, f, NULL, NULL,
	    &consumed);
	ck_assert_int_eq(f->form_st, c->want_st);
	ck_assert_str_eq(f->form_a, c->want_a != NULL ? c->want_a : "(null)");
	ck_assert_str_eq(f->form_b, c->want_b != NULL ? c->want_b : "(null)");
	ck_assert_str_eq(f->form_bad, c->want_bad);
	ck_assert_int_eq(consumed, c->want_consumed);
	free(f);
}
END_TEST

/* The access line: method, path (quotes defused), status; no query. */
/* A query string is parsed up to SG_MAX_QUERY bytes, never beyond. */
START_TEST(test_form_query_limit)
{
	size_t		 n = SG_MAX_QUERY + (size_t)_i;	/* _i: 0 or 1 */
	char		*q;
	const char	*env[] = { "REQUEST_METHOD", "GET", "QUERY_STRING",
			    NULL, NULL };
	struct findings	*f;
	off_t		 consumed;

	q = malloc(n + 1);
	f = malloc(sizeof(*f));
	ck_assert_ptr_nonnull(q);
	ck_assert_ptr_nonnull(f);
	memcpy(q, "a=1&z=", 6);
	memset(q + 6, 'x', n - 6);
	q[n] = '\0';
	env[3] = q;
	run(env, "", 0, form_fn, NULL, f, NULL, NULL, &consumed);
	ck_assert_int_eq(f->form_st, _i == 0 ? SG_OK : SG_E_URI_TOO_LONG);
	ck_assert_str_eq(f->form_a, _i == 0 ? "1" : "(null)");
	free(q);
	free(f);
}
END_TEST

static const struct finish_case {
	const char	*uri, *query;
	int		 send;		/* status to send; 0: none */
	const char	*note;
	const char	*want_line;	/* in the one access line */
	const char	*want_out;	/* stdout starts so */
} finish_cases[] = {
	{ "/t/x?code=SECRET1", "code=SECRET1", 0, NULL,
	    "info: \"POST /t/x\" 500 ", "Status: 500 " },
	{ "/t/x?code=SECRET1", "code=SECRET1", 204, NULL,
	    "info: \"POST /t/x\" 204 0 ", "Status: 204 " },
	{ "/q\"u\\ote?state=SECRET1", "state=SECRET1", 200, "cache=hit",
	    "info: \"POST /q?u?ote\" 200 2 ", "Status: 200 " },
};

static void
finish_fn(struct sg_request *req, const void *arg, struct findings *f)
{
	const struct finish_case	*c = arg;

	(void)f;
	if (c->send != 0)
		sg_resp_send(req, c->send, "text/plain", "ok", 2);
	if (c->note != NULL)
		req->log_note = strdup(c->note);
}

START_TEST(test_finish)
{
	const struct finish_case	*c = &finish_cases[_i];
	const char			*env[] = { "REQUEST_METHOD", "POST",
					    "REQUEST_URI", c->uri,
					    "QUERY_STRING", c->query, NULL };
	struct findings			*f;
	char				*out, *err, *line, *p, rid[32];
	size_t				 nlines = 0;

	f = malloc(sizeof(*f));
	ck_assert_ptr_nonnull(f);
	run(env, "", 0, finish_fn, c, f, &out, &err, NULL);
	ck_assert_msg(strncmp(out, c->want_out, strlen(c->want_out)) == 0,
	    "stdout: %s", out);
	ck_assert_msg(strstr(err, "SECRET1") == NULL, "query logged: %s", err);
	snprintf(rid, sizeof(rid), "rid=%s info: \"", f->id);
	for (p = err; (p = strstr(p, "info: \"")) != NULL; p++)
		nlines++;
	ck_assert_msg(nlines == 1, "%zu access lines: %s", nlines, err);
	line = strstr(err, rid);
	ck_assert_msg(line != NULL, "no access line for %s: %s", f->id, err);
	if ((p = strchr(line, '\n')) != NULL)
		*p = '\0';
	ck_assert_msg(strstr(line, c->want_line) != NULL, "line: %s", line);
	if (c->note != NULL)
		ck_assert_ptr_nonnull(strstr(line, c->note));
	free(out);
	free(err);
	free(f);
}
END_TEST

static Suite *
request_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("request");
	tc = tcase_create("cgi");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_fill, 0, NELEM(fill_cases));
	tcase_add_test(tc, test_ids_differ);
	tcase_add_test(tc, test_env);
	tcase_add_loop_test(tc, test_body, 0, NELEM(body_cases));
	tcase_add_loop_test(tc, test_form, 0, NELEM(form_cases));
	tcase_add_loop_test(tc, test_form_query_limit, 0, 2);
	tcase_add_loop_test(tc, test_finish, 0, NELEM(finish_cases));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tl_run(request_suite());
}
