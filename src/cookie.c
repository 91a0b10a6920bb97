/*
 * Cookies: parsing the Cookie header and writing Set-Cookie.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "config.h"
#include "cookie.h"
#include "mem.h"
#include "request.h"
#include "response.h"
#include "url.h"

static int
cookie_secure(const struct sg_config *cfg)
{
	return sg_url_is_https(cfg->public_url);
}

/*
 * "__Host-name" on https, "name" on http (the demo on loopback).  A
 * cookie scoped to a path cannot be "__Host-" (RFC 6265bis §4.1.3.2
 * wants Path=/): it is "__Secure-" (§4.1.3.1), still never set or
 * sent over plain http.
 */
static void
cookie_name(const struct sg_config *cfg, const char *name, const char *path,
    char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", !cookie_secure(cfg) ? "" : path == NULL ?
	    "__Host-" : "__Secure-", name);
}

/* RFC 6265 §4.1.1 cookie-octet. */
static int
cookie_octet(unsigned char c)
{
	return c == 0x21 || (c >= 0x23 && c <= 0x2b) ||
	    (c >= 0x2d && c <= 0x3a) || (c >= 0x3c && c <= 0x5b) ||
	    (c >= 0x5d && c <= 0x7e);
}

char *
sg_cookie_get(const struct sg_request *req, const struct sg_config *cfg,
    const char *name)
{
	return sg_cookie_get_at(req, cfg, name, NULL);
}

char *
sg_cookie_get_at(const struct sg_request *req, const struct sg_config *cfg,
    const char *name, const char *path)
{
	const char	*h, *p, *end, *eq, *v = NULL;
	char		 full[128];
	size_t		 nlen, vlen = 0;

	if ((h = sg_request_env(req, "HTTP_COOKIE")) == NULL)
		return NULL;
	cookie_name(cfg, name, path, full, sizeof(full));
	nlen = strlen(full);
	/* RFC 6265 §5.4: "name=value" pairs separated by "; ". */
	for (p = h; *p != '\0'; p = *end == '\0' ? end : end + 1) {
		while (*p == ' ')
			p++;
		if ((end = strchr(p, ';')) == NULL)
			end = p + strlen(p);
		if ((eq = memchr(p, '=', (size_t)(end - p))) == NULL)
			continue;
		if ((size_t)(eq - p) != nlen || memcmp(p, full, nlen) != 0)
			continue;
		if (v != NULL)
			return NULL;	/* twice: refuse */
		v = eq + 1;
		vlen = (size_t)(end - v);
		while (vlen > 0 && v[vlen - 1] == ' ')
			vlen--;
	}
	if (v == NULL || vlen == 0 || vlen > SG_MAX_COOKIE)
		return NULL;
	return sg_xstrndup(v, vlen);
}

static int
cookie_write(struct sg_request *req, const struct sg_config *cfg,
    const char *name, const char *path, const char *value, long max_age)
{
	char	 full[128], *line;
	size_t	 i, len;
	int	 rc;

	for (i = 0; value[i] != '\0'; i++)
		if (!cookie_octet((unsigned char)value[i]))
			return -1;
	if (path != NULL && (path[0] != '/' || strpbrk(path, ";,\r\n ") !=
	    NULL))
		return -1;
	cookie_name(cfg, name, path, full, sizeof(full));
	len = strlen(full) + strlen(value) + (path != NULL ? strlen(path) :
	    0) + 128;
	line = sg_xmalloc(len);
	snprintf(line, len, "%s=%s; Path=%s; Max-Age=%ld; HttpOnly; "
	    "SameSite=Lax%s", full, value, path != NULL ? path : "/", max_age,
	    cookie_secure(cfg) ? "; Secure" : "");
	rc = sg_resp_header(req, "Set-Cookie", line);
	free(line);
	return rc;
}

int
sg_cookie_set(struct sg_request *req, const struct sg_config *cfg,
    const char *name, const char *value, long max_age)
{
	return cookie_write(req, cfg, name, NULL, value, max_age);
}

int
sg_cookie_set_at(struct sg_request *req, const struct sg_config *cfg,
    const char *name, const char *path, const char *value, long max_age)
{
	return cookie_write(req, cfg, name, path, value, max_age);
}

int
sg_cookie_clear_at(struct sg_request *req, const struct sg_config *cfg,
    const char *name, const char *path)
{
	return cookie_write(req, cfg, name, path, "", 0);
}

int
sg_cookie_clear(struct sg_request *req, const struct sg_config *cfg,
    const char *name)
{
	return cookie_write(req, cfg, name, NULL, "", 0);
}
