/* Unit tests for mem.c: contents, zero sizes, and abort on failure. */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "mem.h"

/*
 * Under AddressSanitizer an impossible allocation must return NULL (as
 * libc's does) so that the abort under test is ours, not ASan's report.
 */
const char *__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}

START_TEST(test_xmalloc_zero)
{
	char	*a, *b;

	/* A unique pointer even for 0 bytes: callers never see NULL. */
	a = sg_xmalloc(0);
	b = sg_xmalloc(0);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_ne(a, b);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_xcalloc_zeroed)
{
	static const size_t	 sizes[][2] = {
		{ 1, 1 }, { 16, 8 }, { 1, 4096 }, { 0, 8 }, { 8, 0 }, { 0, 0 }
	};
	unsigned char		*p;
	size_t			 i, j, n;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		p = sg_xcalloc(sizes[i][0], sizes[i][1]);
		ck_assert_ptr_nonnull(p);
		n = (sizes[i][0] == 0 ? 1 : sizes[i][0]) *
		    (sizes[i][1] == 0 ? 1 : sizes[i][1]);
		for (j = 0; j < n; j++)
			ck_assert_uint_eq(p[j], 0);
		free(p);
	}
}
END_TEST

START_TEST(test_xrealloc)
{
	char	*p;

	p = sg_xrealloc(NULL, 4);
	memcpy(p, "abc", 4);
	p = sg_xrealloc(p, 1 << 20);
	ck_assert_str_eq(p, "abc");
	/* Shrinking to 0 keeps a live block instead of freeing it. */
	p = sg_xrealloc(p, 0);
	ck_assert_ptr_nonnull(p);
	free(p);
}
END_TEST

START_TEST(test_xstrdup)
{
	static const char *const	 in[] = { "", "a", "hello world",
	    "caf\xc3\xa9" };
	char				*p;
	size_t				 i;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		p = sg_xstrdup(in[i]);
		ck_assert_ptr_ne(p, in[i]);
		ck_assert_str_eq(p, in[i]);
		free(p);
	}
}
END_TEST

START_TEST(test_xstrndup)
{
	static const struct {
		const char	*in;
		size_t		 n;
		const char	*out;
		size_t		 outlen;
	} t[] = {
		{ "", 0, "", 0 },
		{ "abcdef", 0, "", 0 },
		{ "abcdef", 3, "abc", 3 },
		{ "abcdef", 6, "abcdef", 6 },
		/* Exactly n bytes, NULs included, unlike strndup(3). */
		{ "ab\0cd", 5, "ab\0cd", 5 },
	};
	char	*p;
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		p = sg_xstrndup(t[i].in, t[i].n);
		ck_assert_mem_eq(p, t[i].out, t[i].outlen);
		ck_assert_int_eq(p[t[i].n], '\0');
		free(p);
	}
}
END_TEST

START_TEST(test_xconcat)
{
	static const struct {
		const char	*a, *b, *out;
	} t[] = {
		{ "", "", "" },
		{ "a", "", "a" },
		{ "", "b", "b" },
		{ "https://ehr.example", "/fhir", "https://ehr.example/fhir" },
	};
	char	*p;
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		p = sg_xconcat(t[i].a, t[i].b);
		ck_assert_str_eq(p, t[i].out);
		free(p);
	}
}
END_TEST

/* Out of memory aborts (docs/DESIGN.md); these sizes can never be served. */
START_TEST(test_xmalloc_abort)
{
	free(sg_xmalloc(SIZE_MAX / 2));
}
END_TEST

START_TEST(test_xcalloc_abort)
{
	free(sg_xcalloc(SIZE_MAX / 2, 4));
}
END_TEST

START_TEST(test_xrealloc_abort)
{
	free(sg_xrealloc(NULL, SIZE_MAX / 2));
}
END_TEST

START_TEST(test_xstrndup_abort)
{
	free(sg_xstrndup("", SIZE_MAX));
}
END_TEST

static Suite *
mem_suite(void)
{
	Suite	*s = suite_create("mem");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_xmalloc_zero);
	tcase_add_test(tc, test_xcalloc_zeroed);
	tcase_add_test(tc, test_xrealloc);
	tcase_add_test(tc, test_xstrdup);
	tcase_add_test(tc, test_xstrndup);
	tcase_add_test(tc, test_xconcat);
	suite_add_tcase(s, tc);
	return s;
}

static Suite *
oom_suite(void)
{
	Suite	*s = suite_create("mem-oom");
	TCase	*tc = tcase_create("oom");

	tcase_add_test_raise_signal(tc, test_xmalloc_abort, SIGABRT);
	tcase_add_test_raise_signal(tc, test_xcalloc_abort, SIGABRT);
	tcase_add_test_raise_signal(tc, test_xrealloc_abort, SIGABRT);
	tcase_add_test_raise_signal(tc, test_xstrndup_abort, SIGABRT);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(mem_suite());
	int	 failed;

	/* An abort can only be observed in a child (CK_FORK=no: valgrind). */
	if (srunner_fork_status(sr) != CK_NOFORK)
		srunner_add_suite(sr, oom_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
