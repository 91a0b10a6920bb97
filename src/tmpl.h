/*
 * Pages from ClearSilver templates.  The data tree always has
 * Config.VarEscapeMode = "html" before parsing, so var: is HTML-escaped
 * (docs/DESIGN.md); html_escape, url_escape and js_escape are registered.
 * Every page is layout.cs including the page's own template, whose
 * name is a constant (docs/DESIGN.md "Code rules": never built from input).
 */
#ifndef SG_TMPL_H
#define SG_TMPL_H

#include <ClearSilver.h>

struct sg_config;

/*
 * A new data tree with escaping on and the site's branding set:
 * Site.Name, Site.Logo, Site.Static, Request.Id.  Returns NULL on failure.
 */
HDF	*sg_tmpl_hdf(const struct sg_config *cfg, const char *request_id);

/*
 * Renders page (a constant template file name such as "error.cs") inside
 * layout.cs from cfg->templates_dir with the data in hdf (Page.Template
 * is set to page).  Returns a new NUL-terminated string (caller frees)
 * or NULL, logging the ClearSilver error.
 */
char	*sg_tmpl_render(const struct sg_config *cfg, HDF *hdf, const char *page);

/*
 * Parses page inside layout.cs from cfg->templates_dir as
 * sg_tmpl_render() does, without rendering, for smartgate-check.
 * Returns 0, or -1 with ClearSilver's message (file and line) in err.
 */
int	sg_tmpl_check(const struct sg_config *cfg, const char *page, char *err,
	    size_t errlen);

#endif
