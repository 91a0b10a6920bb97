/*
 * Pages from ClearSilver templates: a data tree in, a page out
 * (docs/DESIGN.md).  Only the template kit is used, never the CGI kit
 * (docs/DESIGN.md).  Templates are loaded through our own loader, which
 * reads plain file names from cfg->templates_dir and nowhere else
 * (ClearSilver's own search falls back to the working directory).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ClearSilver.h>

#include "bounds.h"
#include "config.h"
#include "log.h"
#include "mem.h"
#include "tmpl.h"

/* nerr_raise() uses __PRETTY_FUNCTION__, which -Wpedantic refuses. */
#define TMPL_RAISE(e, ...) \
	nerr_raisef(__func__, __FILE__, __LINE__, (e), __VA_ARGS__)

/*
 * Logs err with what we were doing and the request id from the data
 * tree (we have no request here), and frees it.
 */
static void
tmpl_log_err(HDF *hdf, const char *what, NEOERR *err)
{
	STRING	 s;

	string_init(&s);
	nerr_error_string(err, &s);
	sg_log(NULL, SG_LOG_ERR, "template %s (rid %s): %s", what,
	    hdf != NULL ? hdf_get_value(hdf, "Request.Id", "-") : "-",
	    s.buf != NULL ? s.buf : "unknown error");
	string_clear(&s);
	nerr_ignore(&err);
}

/* A plain file name ending in ".cs": letters, digits, '_', '-'. */
static int
tmpl_name_ok(const char *name)
{
	size_t	 i, len;

	len = strlen(name);
	if (len < 4 || len > SG_MAX_TMPL_NAME || strcmp(name + len - 3, ".cs"))
		return 0;
	for (i = 0; i < len - 3; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= 'A' && name[i] <= 'Z') ||
		    (name[i] >= '0' && name[i] <= '9') ||
		    name[i] == '_' || name[i] == '-'))
			return 0;
	return 1;
}

/*
 * CSFILELOAD: the whole file in a malloc'd buffer that ClearSilver then
 * owns.  ctx is the templates directory.
 */
static NEOERR *
tmpl_load(void *ctx, HDF *hdf, const char *filename, char **contents)
{
	const char	*dir = ctx;
	char		*path = NULL, *buf = NULL;
	struct stat	 sb;
	NEOERR		*err = STATUS_OK;
	size_t		 got = 0, plen;
	ssize_t		 r;
	int		 fd = -1;

	(void)hdf;
	*contents = NULL;
	if (!tmpl_name_ok(filename)) {
		err = TMPL_RAISE(NERR_ASSERT, "invalid template name");
		goto out;
	}
	plen = strlen(dir) + 1 + strlen(filename) + 1;
	path = sg_xmalloc(plen);
	snprintf(path, plen, "%s/%s", dir, filename);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		/*
		 * Not NERR_NOT_FOUND: include: silently ignores that one,
		 * and a page that is missing must fail, not render empty.
		 */
		err = TMPL_RAISE(NERR_IO, "cannot open %s: %s", filename,
		    strerror(errno));
		goto out;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > SG_MAX_TMPL_FILE) {
		err = TMPL_RAISE(NERR_IO, "%s is no regular file of at most "
		    "%d bytes", filename, SG_MAX_TMPL_FILE);
		goto out;
	}
	buf = sg_xmalloc((size_t)sb.st_size + 1);
	while (got < (size_t)sb.st_size) {
		r = read(fd, buf + got, (size_t)sb.st_size - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			err = TMPL_RAISE(NERR_IO, "cannot read %s", filename);
			goto out;
		}
		got += (size_t)r;
	}
	buf[got] = '\0';
	*contents = buf;
	buf = NULL;
out:
	if (fd != -1)
		close(fd);
	free(buf);
	free(path);
	return err;
}

/* CSOUTFUNC: appends to the STRING in ctx. */
static NEOERR *
tmpl_out(void *ctx, char *s)
{
	return string_append(ctx, s);
}

HDF *
sg_tmpl_hdf(const struct sg_config *cfg, const char *request_id)
{
	HDF	*hdf = NULL;
	NEOERR	*err;

	if ((err = hdf_init(&hdf)) != STATUS_OK)
		goto fail;
	/* Before cs_init(): makes var: HTML-escape (docs/DESIGN.md). */
	if ((err = hdf_set_value(hdf, "Config.VarEscapeMode", "html")) !=
	    STATUS_OK)
		goto fail;
	if ((err = hdf_set_value(hdf, "Site.Name", cfg->site_name != NULL ?
	    cfg->site_name : "smartgate")) != STATUS_OK)
		goto fail;
	if (cfg->logo_url != NULL && (err = hdf_set_value(hdf, "Site.Logo",
	    cfg->logo_url)) != STATUS_OK)
		goto fail;
	if ((err = hdf_set_value(hdf, "Site.Static", cfg->static_url != NULL ?
	    cfg->static_url : "")) != STATUS_OK)
		goto fail;
	if ((err = hdf_set_value(hdf, "Request.Id", request_id != NULL ?
	    request_id : "")) != STATUS_OK)
		goto fail;
	return hdf;
fail:
	tmpl_log_err(NULL, "data", err);
	if (hdf != NULL)
		hdf_destroy(&hdf);
	return NULL;
}

int
sg_tmpl_check(const struct sg_config *cfg, const char *page, char *err,
    size_t errlen)
{
	CSPARSE	*cs = NULL;
	HDF	*hdf;
	NEOERR	*e = STATUS_OK;
	STRING	 s;
	int	 rc = -1;

	if (!tmpl_name_ok(page)) {
		sg_errf(err, errlen, "%s: not a template name ([A-Za-z0-9_-] "
		    "and .cs)", page);
		return -1;
	}
	if ((hdf = sg_tmpl_hdf(cfg, "check")) == NULL) {
		sg_errf(err, errlen, "cannot make a data tree");
		return -1;
	}
	if ((e = hdf_set_value(hdf, "Page.Template", page)) != STATUS_OK ||
	    (e = cs_init(&cs, hdf)) != STATUS_OK ||
	    (e = cgi_register_strfuncs(cs)) != STATUS_OK)
		goto done;
	cs_register_fileload(cs, (void *)(uintptr_t)cfg->templates_dir,
	    tmpl_load);
	e = cs_parse_file(cs, "layout.cs");
done:
	if (e != STATUS_OK) {
		string_init(&s);
		nerr_error_string(e, &s);
		sg_errf(err, errlen, "%s", s.buf != NULL ? s.buf :
		    "unknown error");
		string_clear(&s);
		nerr_ignore(&e);
	} else
		rc = 0;
	if (cs != NULL)
		cs_destroy(&cs);
	hdf_destroy(&hdf);
	return rc;
}

char *
sg_tmpl_render(const struct sg_config *cfg, HDF *hdf, const char *page)
{
	CSPARSE	*cs = NULL;
	STRING	 out;
	NEOERR	*err = STATUS_OK;
	char	*result = NULL;

	string_init(&out);
	if (cfg == NULL || cfg->templates_dir == NULL || hdf == NULL ||
	    page == NULL || !tmpl_name_ok(page)) {
		sg_log(NULL, SG_LOG_ERR, "template: invalid arguments");
		goto done;
	}
	/* Again, in case hdf did not come from sg_tmpl_hdf(). */
	if ((err = hdf_set_value(hdf, "Config.VarEscapeMode", "html")) !=
	    STATUS_OK)
		goto fail;
	/* Read by layout.cs at parse time: <?cs include:Page.Template ?>. */
	if ((err = hdf_set_value(hdf, "Page.Template", page)) != STATUS_OK)
		goto fail;
	if ((err = cs_init(&cs, hdf)) != STATUS_OK)
		goto fail;
	if ((err = cgi_register_strfuncs(cs)) != STATUS_OK)
		goto fail;
	/* Casting away const: ClearSilver only reads the context. */
	cs_register_fileload(cs, (void *)(uintptr_t)cfg->templates_dir,
	    tmpl_load);
	if ((err = cs_parse_file(cs, "layout.cs")) != STATUS_OK)
		goto fail;
	if ((err = cs_render(cs, &out, tmpl_out)) != STATUS_OK)
		goto fail;
	/* STRING grows with realloc: the buffer is the caller's to free(). */
	if (out.buf == NULL) {
		result = sg_xstrdup("");
	} else {
		result = out.buf;
		string_init(&out);
	}
	goto done;
fail:
	tmpl_log_err(hdf, page, err);
done:
	if (cs != NULL)
		cs_destroy(&cs);
	string_clear(&out);
	return result;
}
