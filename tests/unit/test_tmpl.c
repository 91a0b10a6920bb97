/*
 * Unit tests for tmpl.c: escaping on, the real layout and error page,
 * and every failure yielding NULL.  Run from the repository root
 * (make check does): the templates are found as ./templates.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "config.h"
#include "tmpl.h"
#include "testlib.h"

static char	*templates_dir;	/* absolute ./templates */

#define TEST_PATH_MAX	4096

static void
setup_cfg(struct sg_config *cfg, char *dir)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->templates_dir = dir;
	cfg->static_url = (char *)(uintptr_t)"/static";
	cfg->site_name = (char *)(uintptr_t)"Example <Health>";
}

/* Renders page with cfg and an optional extra (name, value). */
static char *
render(const struct sg_config *cfg, const char *page, const char *name,
    const char *value)
{
	HDF	*hdf;
	char	*out;

	hdf = sg_tmpl_hdf(cfg, "0123456789abcdef");
	ck_assert_ptr_nonnull(hdf);
	if (name != NULL)
		ck_assert_ptr_null(hdf_set_value(hdf, name, value));
	out = sg_tmpl_render(cfg, hdf, page);
	hdf_destroy(&hdf);
	return out;
}

/* Writes a template file into dir. */
static void
write_file(const char *dir, const char *name, const char *text)
{
	char	 path[TEST_PATH_MAX];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

static void
remove_dir(const char *dir, const char *const *names)
{
	char	 path[TEST_PATH_MAX];
	size_t	 i;

	for (i = 0; names[i] != NULL; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

START_TEST(test_error_page_escapes)
{
	struct sg_config	 cfg;
	HDF			*hdf;
	char			*out;

	setup_cfg(&cfg, templates_dir);
	hdf = sg_tmpl_hdf(&cfg, "0123456789abcdef");
	ck_assert_ptr_nonnull(hdf);
	ck_assert_ptr_null(hdf_set_value(hdf, "Error.Status", "400"));
	ck_assert_ptr_null(hdf_set_value(hdf, "Error.Title", "Bad Request"));
	ck_assert_ptr_null(hdf_set_value(hdf, "Error.Message",
	    "<script>alert(1)</script> \"quotes\" & 'ampersands'"));
	out = sg_tmpl_render(&cfg, hdf, "error.cs");
	hdf_destroy(&hdf);
	ck_assert_ptr_nonnull(out);

	ck_assert_ptr_null(strstr(out, "<script>"));
	ck_assert_ptr_null(strstr(out, "\"quotes\""));
	ck_assert_ptr_nonnull(strstr(out,
	    "&lt;script&gt;alert(1)&lt;/script&gt;"));
	ck_assert_ptr_nonnull(strstr(out, "&quot;quotes&quot; &amp; "));
	ck_assert_ptr_nonnull(strstr(out, "Bad Request"));
	ck_assert_ptr_nonnull(strstr(out, "Error 400"));
	free(out);
}
END_TEST

START_TEST(test_layout_frame)
{
	struct sg_config	 cfg;
	char			*out;

	setup_cfg(&cfg, templates_dir);
	out = render(&cfg, "error.cs", "Page.Title", "Oops & co");
	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(strstr(out, "<!DOCTYPE html>"));
	ck_assert_ptr_nonnull(strstr(out, "<html lang=\"en\">"));
	ck_assert_ptr_nonnull(strstr(out, "<meta charset=\"utf-8\">"));
	ck_assert_ptr_nonnull(strstr(out, "name=\"viewport\""));
	/* The site name, escaped, in the title and the header. */
	ck_assert_ptr_null(strstr(out, "<Health>"));
	ck_assert_ptr_nonnull(strstr(out,
	    "<title>Oops &amp; co &ndash; Example &lt;Health&gt;</title>"));
	ck_assert_ptr_nonnull(strstr(out,
	    "<span class=\"site-name\">Example &lt;Health&gt;</span>"));
	ck_assert_ptr_nonnull(strstr(out,
	    "href=\"/static/smartgate.css\""));
	ck_assert_ptr_nonnull(strstr(out, "<main id=\"main\""));
	ck_assert_ptr_nonnull(strstr(out, "<code>0123456789abcdef</code>"));
	/* No logo configured: no img. */
	ck_assert_ptr_null(strstr(out, "<img"));
	/* The template comments do not reach the page. */
	ck_assert_ptr_null(strstr(out, "Reads:"));
	free(out);
}
END_TEST

START_TEST(test_layout_logo_and_default_title)
{
	struct sg_config	 cfg;
	char			*out;

	setup_cfg(&cfg, templates_dir);
	cfg.logo_url = (char *)(uintptr_t)"https://example.org/logo.png?a=1&b=\"2\"";
	out = render(&cfg, "error.cs", NULL, NULL);
	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(strstr(out,
	    "src=\"https://example.org/logo.png?a=1&amp;b=&quot;2&quot;\""));
	ck_assert_ptr_nonnull(strstr(out,
	    "alt=\"Example &lt;Health&gt; logo\""));
	ck_assert_ptr_nonnull(strstr(out,
	    "<title>Example &lt;Health&gt;</title>"));
	free(out);
}
END_TEST

START_TEST(test_default_site_name)
{
	struct sg_config	 cfg;
	char			*out;

	setup_cfg(&cfg, templates_dir);
	cfg.site_name = NULL;
	out = render(&cfg, "error.cs", NULL, NULL);
	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(strstr(out, "<title>smartgate</title>"));
	free(out);
}
END_TEST

/* Pages that must not render: each yields NULL. */
static const char *const bad_pages[] = {
	"missing.cs",		/* no such file */
	"../templates/error.cs",	/* a path, not a name */
	"/etc/passwd",
	"error",		/* not a .cs file */
	".cs",
	"",
	"error.cs/",
	"sub/error.cs",
	"err or.cs",
};

START_TEST(test_bad_page_is_null)
{
	struct sg_config	 cfg;
	char			*out;

	setup_cfg(&cfg, templates_dir);
	out = render(&cfg, bad_pages[_i], NULL, NULL);
	ck_assert_msg(out == NULL, "page \"%s\" rendered", bad_pages[_i]);
}
END_TEST

START_TEST(test_missing_dir_is_null)
{
	struct sg_config	 cfg;
	char			*out;

	setup_cfg(&cfg, (char *)(uintptr_t)"/nonexistent/templates");
	out = render(&cfg, "error.cs", NULL, NULL);
	ck_assert_ptr_null(out);
}
END_TEST

START_TEST(test_null_arguments)
{
	struct sg_config	 cfg;
	HDF			*hdf;

	setup_cfg(&cfg, templates_dir);
	ck_assert_ptr_null(sg_tmpl_render(&cfg, NULL, "error.cs"));
	hdf = sg_tmpl_hdf(&cfg, NULL);
	ck_assert_ptr_nonnull(hdf);
	ck_assert_ptr_null(sg_tmpl_render(&cfg, hdf, NULL));
	cfg.templates_dir = NULL;
	ck_assert_ptr_null(sg_tmpl_render(&cfg, hdf, "error.cs"));
	hdf_destroy(&hdf);
}
END_TEST

/* A scratch templates folder with our own layout. */
START_TEST(test_scratch_templates)
{
	static const char *const names[] = { "layout.cs", "page.cs",
	    NULL };
	struct sg_config	 cfg;
	char			 dir[] = "/tmp/sg-tmpl-XXXXXX";
	char			*out;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	setup_cfg(&cfg, dir);

	/* The string filters are registered and escaping is on. */
	write_file(dir, "layout.cs", "[<?cs include:Page.Template ?>]");
	write_file(dir, "page.cs", "<?cs var:X ?>|<?cs var:url_escape(X) ?>"
	    "|<?cs var:js_escape(X) ?>");
	out = render(&cfg, "page.cs", "X", "a&b c'");
	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out, "[a&amp;b c&#39;|a%26b+c%27|a\\x26b c\\x27]");
	free(out);

	/*
	 * A syntax error yields NULL.  (Not an unclosed if:, for which
	 * ClearSilver 0.10.5 leaks its 32-byte parse stack entry.)
	 */
	write_file(dir, "page.cs", "<?cs var:X");
	out = render(&cfg, "page.cs", "X", "1");
	ck_assert_ptr_null(out);
	write_file(dir, "page.cs", "<?cs /if ?>");
	out = render(&cfg, "page.cs", "X", "1");
	ck_assert_ptr_null(out);
	write_file(dir, "page.cs", "<?cs nosuchcommand:X ?>");
	out = render(&cfg, "page.cs", "X", "1");
	ck_assert_ptr_null(out);

	/* An empty page is an empty string, not NULL. */
	write_file(dir, "layout.cs", "");
	out = render(&cfg, "page.cs", NULL, NULL);
	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out, "");
	free(out);

	remove_dir(dir, names);
}
END_TEST

/* sg_tmpl_check: parses page in layout.cs, and says where it fails. */
START_TEST(test_check_names_the_problem)
{
	static const char *const names[] = { "layout.cs", "page.cs",
	    "bad.cs", NULL };
	struct sg_config	 cfg;
	char			 dir[] = "/tmp/sg-tmpl-XXXXXX", err[512];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	setup_cfg(&cfg, dir);
	write_file(dir, "layout.cs", "[<?cs include:Page.Template ?>]");
	write_file(dir, "page.cs", "<?cs var:X ?>");
	write_file(dir, "bad.cs", "a\nb\n<?cs nosuchcommand:X ?>\n");
	ck_assert_int_eq(sg_tmpl_check(&cfg, "page.cs", err, sizeof(err)), 0);
	ck_assert_int_eq(sg_tmpl_check(&cfg, "bad.cs", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "Unknown command"));
	ck_assert_int_eq(sg_tmpl_check(&cfg, "none.cs", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "none.cs"));
	ck_assert_int_eq(sg_tmpl_check(&cfg, "../x.cs", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "not a template name"));
	/* A broken layout fails every page. */
	write_file(dir, "layout.cs", "<?cs /if ?><?cs include:Page.Template ?>");
	ck_assert_int_eq(sg_tmpl_check(&cfg, "page.cs", err, sizeof(err)), -1);
	remove_dir(dir, names);
}
END_TEST

static Suite *
tmpl_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("tmpl");
	tc = tcase_create("render");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_error_page_escapes);
	tcase_add_test(tc, test_check_names_the_problem);
	tcase_add_test(tc, test_layout_frame);
	tcase_add_test(tc, test_layout_logo_and_default_title);
	tcase_add_test(tc, test_default_site_name);
	tcase_add_loop_test(tc, test_bad_page_is_null, 0,
	    sizeof(bad_pages) / sizeof(bad_pages[0]));
	tcase_add_test(tc, test_missing_dir_is_null);
	tcase_add_test(tc, test_null_arguments);
	tcase_add_test(tc, test_scratch_templates);
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
	rc = tl_run(tmpl_suite());
	free(templates_dir);
	return rc;
}
