/* Unit tests for src/log.c: line shape, injection, length cap, fingerprint. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "request.h"
#include "testlib.h"

#define CAPTURE_MAX	8192

static FILE	*cap_file;
static int	 cap_saved = -1;
static char	 cap_buf[CAPTURE_MAX];

/* Points fd 2 at a fresh temporary file. */
static void
capture_start(void)
{
	cap_file = tmpfile();
	ck_assert_ptr_nonnull(cap_file);
	cap_saved = dup(STDERR_FILENO);
	ck_assert_int_ge(cap_saved, 0);
	ck_assert_int_ge(dup2(fileno(cap_file), STDERR_FILENO), 0);
}

/* Restores fd 2 and returns what was written, NUL-terminated. */
static const char *
capture_end(size_t *lenp)
{
	size_t	 n;

	ck_assert_int_ge(dup2(cap_saved, STDERR_FILENO), 0);
	close(cap_saved);
	cap_saved = -1;
	rewind(cap_file);
	n = fread(cap_buf, 1, sizeof(cap_buf) - 1, cap_file);
	cap_buf[n] = '\0';
	fclose(cap_file);
	cap_file = NULL;
	if (lenp != NULL)
		*lenp = n;
	return cap_buf;
}

static size_t
count_char(const char *s, size_t len, char c)
{
	size_t	 i, n = 0;

	for (i = 0; i < len; i++)
		if (s[i] == c)
			n++;
	return n;
}

static const struct {
	enum sg_log_level	 level;
	const char		*name;
} levels[] = {
	{ SG_LOG_ERR, "err" },
	{ SG_LOG_WARN, "warn" },
	{ SG_LOG_INFO, "info" },
	{ SG_LOG_DEBUG, "debug" },
};

START_TEST(test_line_shape_no_request)
{
	char		 expect[256];
	const char	*out;

	sg_log_init("metadata");
	capture_start();
	sg_log(NULL, levels[_i].level, "hello %d %s", 42, "world");
	out = capture_end(NULL);
	snprintf(expect, sizeof(expect),
	    "smartgate[metadata] rid=- %s: hello 42 world\n", levels[_i].name);
	ck_assert_str_eq(out, expect);
}
END_TEST

START_TEST(test_line_shape_with_request)
{
	struct sg_request	*req;
	const char		*out;

	req = calloc(1, sizeof(*req));
	ck_assert_ptr_nonnull(req);
	memcpy(req->id, "0123456789abcdef", 17);
	sg_log_init("token");
	capture_start();
	sg_log(req, SG_LOG_INFO, "client %s", "app1");
	out = capture_end(NULL);
	ck_assert_str_eq(out,
	    "smartgate[token] rid=0123456789abcdef info: client app1\n");
	free(req);
}
END_TEST

START_TEST(test_empty_request_id)
{
	struct sg_request	*req;
	const char		*out;

	req = calloc(1, sizeof(*req));
	ck_assert_ptr_nonnull(req);
	sg_log_init("token");
	capture_start();
	sg_log(req, SG_LOG_WARN, "x");
	out = capture_end(NULL);
	ck_assert_str_eq(out, "smartgate[token] rid=- warn: x\n");
	free(req);
}
END_TEST

/* Messages carrying line breaks or controls must stay one line. */
static const struct {
	const char	*msg;
	const char	*expect;
} inject[] = {
	{ "a\r\nsmartgate[token] rid=- err: forged",
	  "a??smartgate[token] rid=- err: forged" },
	{ "a\nb", "a?b" },
	{ "a\rb", "a?b" },
	{ "tab\there", "tab?here" },
	{ "esc\x1b[31mred", "esc?[31mred" },
	{ "del\x7f", "del?" },
	{ "nel\xc2\x85x", "nel??x" },
	{ "ls\xe2\x80\xa8x", "ls???x" },
	{ "\n", "?" },
	{ "", "" },
};

START_TEST(test_injection_neutralised)
{
	char		 expect[256];
	const char	*out;
	size_t		 len;

	sg_log_init("authorize");
	capture_start();
	sg_log(NULL, SG_LOG_ERR, "user said: %s", inject[_i].msg);
	out = capture_end(&len);
	snprintf(expect, sizeof(expect),
	    "smartgate[authorize] rid=- err: user said: %s\n",
	    inject[_i].expect);
	ck_assert_str_eq(out, expect);
	ck_assert_uint_eq(count_char(out, len, '\n'), 1);
	ck_assert_uint_eq(count_char(out, len, '\r'), 0);
}
END_TEST

START_TEST(test_nul_from_format)
{
	const char	*out;
	size_t		 len;

	sg_log_init("token");
	capture_start();
	sg_log(NULL, SG_LOG_ERR, "a%cb", 0);
	out = capture_end(&len);
	ck_assert_uint_eq(len, strlen("smartgate[token] rid=- err: a?b\n"));
	ck_assert_str_eq(out, "smartgate[token] rid=- err: a?b\n");
}
END_TEST

START_TEST(test_program_name_sanitised)
{
	const char	*out;

	sg_log_init("bad\nname");
	capture_start();
	sg_log(NULL, SG_LOG_INFO, "x");
	out = capture_end(NULL);
	ck_assert_str_eq(out, "smartgate[bad?name] rid=- info: x\n");
	sg_log_init(NULL);
	capture_start();
	sg_log(NULL, SG_LOG_INFO, "x");
	out = capture_end(NULL);
	ck_assert_str_eq(out, "smartgate[-] rid=- info: x\n");
}
END_TEST

/* Message lengths around the 2048-byte cap. */
static const size_t long_lens[] = { 1, 1000, 2000, 2010, 2047, 2048, 4000,
    6000 };

START_TEST(test_length_cap)
{
	char		*msg;
	const char	*out;
	size_t		 n = long_lens[_i], len, prefix;

	msg = malloc(n + 1);
	ck_assert_ptr_nonnull(msg);
	memset(msg, 'x', n);
	msg[n] = '\n';		/* would break the line if kept */
	msg[n - 1] = '\r';
	sg_log_init("proxy");
	prefix = strlen("smartgate[proxy] rid=- info: ");
	capture_start();
	sg_log(NULL, SG_LOG_INFO, "%.*s", (int)n, msg);
	out = capture_end(&len);
	ck_assert_uint_le(len, 2048);
	ck_assert_uint_eq(count_char(out, len, '\n'), 1);
	ck_assert_int_eq(out[len - 1], '\n');
	if (prefix + n + 1 <= 2048)
		ck_assert_uint_eq(len, prefix + n + 1);
	else {
		ck_assert_uint_eq(len, 2048);
		ck_assert(memcmp(out + len - 4, "...\n", 4) == 0);
	}
	free(msg);
}
END_TEST

START_TEST(test_one_line_per_call)
{
	const char	*out;
	size_t		 len;

	sg_log_init("consent");
	capture_start();
	sg_log(NULL, SG_LOG_INFO, "one");
	sg_log(NULL, SG_LOG_DEBUG, "two");
	sg_log(NULL, SG_LOG_WARN, "three\nfour");
	out = capture_end(&len);
	ck_assert_str_eq(out, "smartgate[consent] rid=- info: one\n"
	    "smartgate[consent] rid=- debug: two\n"
	    "smartgate[consent] rid=- warn: three?four\n");
}
END_TEST

/* First 8 bytes of SHA-256, lower-case hex. */
static const struct {
	const char	*in;
	const char	*hex;
} fps[] = {
	{ "", "e3b0c44298fc1c14" },
	{ "abc", "ba7816bf8f01cfea" },
	{ "secret", "2bb80d537b1da3e3" },
};

START_TEST(test_fingerprint)
{
	char	 out[17];

	memset(out, 'Z', sizeof(out));
	sg_log_fingerprint(fps[_i].in, strlen(fps[_i].in), out);
	ck_assert_str_eq(out, fps[_i].hex);
}
END_TEST

/* sg_log_capture: err and warn messages joined into the buffer, not stderr. */
START_TEST(test_capture)
{
	char		 buf[64];
	const char	*out;

	sg_log_init("check");
	capture_start();
	sg_log_capture(buf, sizeof(buf));
	sg_log(NULL, SG_LOG_ERR, "first %d", 1);
	sg_log(NULL, SG_LOG_INFO, "dropped");
	sg_log(NULL, SG_LOG_WARN, "second\nline");
	/* Past the buffer: cut, still NUL-terminated. */
	sg_log(NULL, SG_LOG_ERR, "%s", "0123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789");
	sg_log_capture(NULL, 0);
	sg_log(NULL, SG_LOG_ERR, "after");
	out = capture_end(NULL);
	ck_assert_str_eq(out, "smartgate[check] rid=- err: after\n");
	ck_assert_uint_lt(strlen(buf), sizeof(buf));
	ck_assert_int_eq(strncmp(buf, "first 1; second?line; 0123", 26), 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("log");
	TCase	*tc = tcase_create("log");

	tcase_add_loop_test(tc, test_line_shape_no_request, 0,
	    sizeof(levels) / sizeof(levels[0]));
	tcase_add_test(tc, test_line_shape_with_request);
	tcase_add_test(tc, test_capture);
	tcase_add_test(tc, test_empty_request_id);
	tcase_add_loop_test(tc, test_injection_neutralised, 0,
	    sizeof(inject) / sizeof(inject[0]));
	tcase_add_test(tc, test_nul_from_format);
	tcase_add_test(tc, test_program_name_sanitised);
	tcase_add_loop_test(tc, test_length_cap, 0,
	    sizeof(long_lens) / sizeof(long_lens[0]));
	tcase_add_test(tc, test_one_line_per_call);
	tcase_add_loop_test(tc, test_fingerprint, 0,
	    sizeof(fps) / sizeof(fps[0]));
	suite_add_tcase(s, tc);
	return tl_run(s);
}
