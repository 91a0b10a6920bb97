/* Unit tests for file.c: small files read whole, capped, mode checked. */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "file.h"
#include "testlib.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define MAX		16

static char	 dir[] = "/tmp/sg_test_file.XXXXXX";

static const struct read_case {
	const char	*text;		/* NULL: no file at all */
	size_t		 len;
	mode_t		 mode, deny;
	const char	*want_err;	/* NULL: read; else after "path: " */
} read_cases[] = {
	{ "hello", 5, 0600, 077, NULL },
	{ "", 0, 0600, 077, NULL },
	{ "a\0b\n", 4, 0600, 077, NULL },
	{ "0123456789abcdef", MAX, 0600, 077, NULL },
	{ "0123456789abcdefg", MAX + 1, 0600, 077,
	    "larger than 16 bytes" },
	/* 077: group or others may neither read nor write. */
	{ "x", 1, 0640, 077, "readable by group or others (chmod 600 " },
	{ "x", 1, 0620, 077, "readable by group or others (chmod 600 " },
	{ "x", 1, 0604, 077, "readable by group or others (chmod 600 " },
	{ "x", 1, 0400, 077, NULL },
	/* 007: only others matter. */
	{ "x", 1, 0640, 007, NULL },
	{ "x", 1, 0660, 007, NULL },
	{ "x", 1, 0604, 007, "readable by others (chmod o= " },
	{ "x", 1, 0602, 007, "readable by others (chmod o= " },
	{ "x", 1, 0601, 007, "readable by others (chmod o= " },
	/* 0: any mode. */
	{ "x", 1, 0666, 0, NULL },
	{ NULL, 0, 0, 0, "No such file or directory" },
};

static void
setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
teardown(void)
{
	char	 cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	memcpy(dir + strlen(dir) - 6, "XXXXXX", 6);
}

START_TEST(test_read)
{
	const struct read_case	*c = &read_cases[_i];
	struct stat		 st, want;
	char			 path[256], err[512], want_err[512];
	char			*out = (char *)1;
	size_t			 len = 99;
	int			 fd, rc;

	snprintf(path, sizeof(path), "%s/f", dir);
	if (c->text != NULL) {
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(write(fd, c->text, c->len), (ssize_t)c->len);
		ck_assert_int_eq(fchmod(fd, c->mode), 0);
		ck_assert_int_eq(fstat(fd, &want), 0);
		close(fd);
	}
	memset(&st, 0, sizeof(st));
	err[0] = '\0';
	rc = sg_file_read(path, MAX, c->deny, &st, &out, &len, err,
	    sizeof(err));
	if (c->want_err == NULL) {
		ck_assert_msg(rc == 0, "%s", err);
		ck_assert_ptr_nonnull(out);
		ck_assert_uint_eq(len, c->len);
		ck_assert_mem_eq(out, c->text, c->len);
		ck_assert_int_eq(out[len], '\0');
		ck_assert(st.st_ino == want.st_ino && st.st_dev == want.st_dev);
		ck_assert_int_eq(st.st_size, (off_t)c->len);
	} else {
		ck_assert_int_eq(rc, -1);
		ck_assert_ptr_null(out);
		ck_assert_uint_eq(len, 0);
		snprintf(want_err, sizeof(want_err), "%s: %s", path,
		    c->want_err);
		ck_assert_msg(strncmp(err, want_err, strlen(want_err)) == 0,
		    "err \"%s\", want \"%s\"", err, want_err);
	}
	free(out);
}
END_TEST

START_TEST(test_not_regular)
{
	char	 err[512], want[512];
	char	*out = NULL;
	size_t	 len;

	/* A directory; no st wanted, and no message wanted either. */
	ck_assert_int_eq(sg_file_read(dir, MAX, 0, NULL, &out, &len, err,
	    sizeof(err)), -1);
	ck_assert_ptr_null(out);
	snprintf(want, sizeof(want), "%s: not a regular file", dir);
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(sg_file_read(dir, MAX, 0, NULL, &out, &len, NULL,
	    0), -1);
	ck_assert_ptr_null(out);
}
END_TEST

static Suite *
file_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("file");
	tc = tcase_create("read");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_read, 0, NELEM(read_cases));
	tcase_add_test(tc, test_not_regular);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tl_run(file_suite());
}
