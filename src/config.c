/*
 * The configuration file: read once at start-up, every setting checked,
 * the first problem reported with file, line and setting name
 * (docs/DESIGN.md "Configuration").
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "bounds.h"
#include "log.h"
#include "mem.h"
#include "url.h"

/*
 * The C library's <limits.h> is the one read: a header of ours named
 * limits.h once hid it (GCC's limits.h finds the -iquote folders too),
 * leaving PATH_MAX undefined and failing _FORTIFY_SOURCE builds.
 */
#ifndef PATH_MAX
#error "<limits.h> is not the C library's"
#endif

/* The configuration's path when nothing else names one (Makefile). */
#ifndef SG_CONF_DEFAULT
#define SG_CONF_DEFAULT	"/usr/local/etc/smartgate/smartgate.conf"
#endif

#define CONF_PATH_MAX	4096	/* a path we look for the file at */

#define NSIGNING_KEYS	(sizeof(((struct sg_config *)0)->signing_keys) / \
			    sizeof(((struct sg_config *)0)->signing_keys[0]))
#define NCORS_ORIGINS	(sizeof(((struct sg_config *)0)->cors_origins) / \
			    sizeof(((struct sg_config *)0)->cors_origins[0]))

#define NFHIR_OPERATIONS (sizeof(((struct sg_config *)0)->fhir_operations) / \
			    sizeof(((struct sg_config *)0)->fhir_operations[0]))
#define IS_LIST(k)	((k) == K_KEYS || (k) == K_ORIGINS || (k) == K_OPS)

_Static_assert(NCORS_ORIGINS <= SG_MAX_LIST, "cors_origins within SG_MAX_LIST");

enum kind {
	K_TEXT,		/* printable ASCII, inner spaces allowed */
	K_TOKEN,	/* printable ASCII, no spaces */
	K_URL,		/* absolute http(s) URL, no query or fragment */
	K_BASEURL,	/* K_URL, one trailing '/' stripped */
	K_FILE,		/* absolute file system path */
	K_URLPATH,	/* our own URL path: "/fhir" */
	K_WEBREF,	/* a URL path or an absolute http(s) URL */
	K_STATICREF,	/* K_WEBREF, one trailing '/' stripped */
	K_CSS,		/* a CSS value from a small safe alphabet */
	K_NUMBER,	/* decimal, within [min, max] */
	K_KEYS,		/* list of K_FILE */
	K_ORIGINS,	/* list of origins or "*" */
	K_LEDGER,	/* "none", "lmdb:/path", "redis[s]:host:port" */
	K_OPS		/* list of FHIR operation names, without '$' */
};

struct setting {
	const char	*name;
	enum kind	 kind;
	size_t		 off;		/* of the char * or long in sg_config */
	int		 required;
	const char	*def;		/* default string, NULL for none */
	long		 min, max, ldef;	/* K_NUMBER */
};

#define S(n, k, req, def) \
	{ #n, k, offsetof(struct sg_config, n), req, def, 0, 0, 0 }
#define N(name, field, lo, hi, d) \
	{ name, K_NUMBER, offsetof(struct sg_config, field), 0, NULL, \
	    lo, hi, d }

static const struct setting settings[] = {
	S(public_url, K_BASEURL, 1, NULL),
	S(fhir_path, K_URLPATH, 0, "/fhir"),
	S(auth_path, K_URLPATH, 0, "/auth"),
	S(issuer, K_URL, 0, NULL),
	S(upstream_fhir, K_BASEURL, 1, NULL),
	S(upstream_fhir_token_file, K_FILE, 0, NULL),
	S(upstream_ca_file, K_FILE, 0, NULL),
	S(upstream_token_url, K_URL, 0, NULL),
	S(upstream_client_id, K_TOKEN, 0, NULL),
	S(upstream_client_secret_file, K_FILE, 0, NULL),
	S(upstream_scope, K_TOKEN, 0, NULL),
	{ "fhir_operations", K_OPS, offsetof(struct sg_config,
	    fhir_operations), 0, NULL, 0, 0, 0 },
	N("fhir_filter_max", fhir_filter_max, 65536, SG_MAX_UPSTREAM_BODY,
	    SG_MAX_UPSTREAM_BODY),
	N("upstream_timeout_ms", upstream_timeout_ms, 100,
	    SG_UPSTREAM_TIMEOUT_MAX_MS, SG_UPSTREAM_TIMEOUT_MS),
	S(idp_issuer, K_URL, 0, NULL),
	S(idp_client_id, K_TOKEN, 0, NULL),
	S(idp_client_secret_file, K_FILE, 0, NULL),
	S(idp_user_claim, K_TOKEN, 0, "fhirUser"),
	S(idp_scope, K_TEXT, 0, "openid profile fhirUser"),
	S(login, K_TOKEN, 0, "oidc"),
	S(user_map_file, K_FILE, 0, NULL),
	{ "signing_key", K_KEYS, offsetof(struct sg_config, signing_keys),
	    1, NULL, 0, 0, 0 },
	S(master_key_file, K_FILE, 1, NULL),
	N("access_token_ttl", access_token_ttl, 60, SG_TTL_ACCESS_MAX, 3600),
	N("refresh_token_ttl", refresh_token_ttl, 60, 31536000, 7776000),
	N("code_ttl", code_ttl, 10, SG_TTL_CODE_MAX, 60),
	N("transaction_ttl", transaction_ttl, 60, SG_TTL_TRANSACTION_MAX, 600),
	N("launch_ttl", launch_ttl, 30, 3600, 300),
	N("metadata_cache_ttl", metadata_cache_ttl, 0, SG_TTL_CACHE_MAX, 300),
	{ "cors_origins", K_ORIGINS, offsetof(struct sg_config, cors_origins),
	    0, NULL, 0, 0, 0 },
	S(templates_dir, K_FILE, 1, NULL),
	S(static_url, K_STATICREF, 0, "/smartgate-static"),
	S(site_name, K_TEXT, 0, "smartgate"),
	S(logo_url, K_WEBREF, 0, NULL),
	S(style_color_background, K_CSS, 0, "#f5f7fa"),
	S(style_color_highlight, K_CSS, 0, "#1f5fa8"),
	S(style_color_modal_backdrop, K_CSS, 0, NULL),
	S(style_font_family, K_CSS, 0, "system-ui, sans-serif"),
	S(style_dim_border_radius, K_CSS, 0, "6px"),
	S(style_dim_font_size, K_CSS, 0, "16px"),
	S(style_dim_spacing_size, K_CSS, 0, "20px"),
	S(ledger, K_LEDGER, 0, "lmdb:/var/lib/smartgate/ledger"),
	N("ledger_map_size", ledger_map_size, SG_LEDGER_MAP_MIN,
	    SG_LEDGER_MAP_MAX, SG_LEDGER_MAP_SIZE),
	S(ledger_password_file, K_FILE, 0, NULL),
	S(clients_file, K_FILE, 0, NULL),
};

#undef S
#undef N

#define NSETTINGS	(sizeof(settings) / sizeof(settings[0]))

struct parser {
	const char		*path;
	char			*err;
	size_t			 errlen;
	size_t			 lines[NSETTINGS];	/* first line set, 0 = not */
	struct sg_config	*cfg;
};

/*
 * Writes "path:line: name: message" (line 0 and name NULL leave out
 * their parts) into the caller's buffer.
 */
static void conf_err(struct parser *, size_t, const char *, const char *,
    ...) __attribute__((format(printf, 4, 5)));

static void
conf_err(struct parser *p, size_t line, const char *name, const char *fmt,
    ...)
{
	char	 lbuf[32] = "";
	va_list	 ap;
	int	 n;

	if (p->err == NULL || p->errlen == 0)
		return;
	if (line > 0)
		snprintf(lbuf, sizeof(lbuf), ":%zu", line);
	n = snprintf(p->err, p->errlen, "%s%s: %s%s", p->path, lbuf,
	    name != NULL ? name : "", name != NULL ? ": " : "");
	if (n < 0 || (size_t)n >= p->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

static char **
field_str(struct sg_config *cfg, const struct setting *s)
{
	return (char **)(void *)((char *)cfg + s->off);
}

static long *
field_long(struct sg_config *cfg, const struct setting *s)
{
	return (long *)(void *)((char *)cfg + s->off);
}

static int
is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int
is_hex(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* RFC 3986 §2.3 */
static int
is_unreserved(unsigned char c)
{
	return is_alpha(c) || is_digit(c) || c == '-' || c == '.' ||
	    c == '_' || c == '~';
}

/* RFC 3986 §3.3 pchar without '%' (checked by the caller), plus '/'. */
static int
is_path_char(unsigned char c)
{
	return is_unreserved(c) || strchr("!$&'()*+,;=:@/", c) != NULL;
}

/* A decimal port 1..65535, len bytes. */
static int
check_port(const char *s, size_t len)
{
	size_t	 i;
	long	 v = 0;

	if (len == 0 || len > 5)
		return 0;
	for (i = 0; i < len; i++) {
		if (!is_digit((unsigned char)s[i]))
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	return v >= 1 && v <= 65535;
}

/*
 * Checks host[:port] (RFC 3986 §3.2.2, reg-name limited to letters,
 * digits, '-' and '.', or an IP literal in brackets).
 */
static const char *
check_authority(const char *s, size_t len)
{
	size_t	 i = 0, hostlen;

	if (len == 0)
		return "must have a host";
	if (memchr(s, '@', len) != NULL)
		return "must not contain user information";
	if (s[0] == '[') {
		for (i = 1; i < len && s[i] != ']'; i++)
			if (!is_hex((unsigned char)s[i]) && s[i] != ':' &&
			    s[i] != '.')
				return "has an invalid host";
		if (i == len || i == 1)
			return "has an invalid host";
		i++;
	} else {
		for (; i < len && s[i] != ':'; i++)
			if (!is_alpha((unsigned char)s[i]) &&
			    !is_digit((unsigned char)s[i]) &&
			    s[i] != '-' && s[i] != '.')
				return "has an invalid host";
		if (i == 0)
			return "must have a host";
	}
	hostlen = i;
	if (hostlen == len)
		return NULL;
	if (s[hostlen] != ':' || !check_port(s + hostlen + 1,
	    len - hostlen - 1))
		return "has an invalid port";
	return NULL;
}

/* Length of "http://" or "https://" at v (any case), or 0. */
static size_t
scheme_len(const char *v, size_t len)
{
	if (len >= 7 && strncasecmp(v, "http://", 7) == 0)
		return 7;
	if (len >= 8 && strncasecmp(v, "https://", 8) == 0)
		return 8;
	return 0;
}

/* Checks a path of pchars and '/', with well-formed percent escapes. */
static const char *
check_url_path(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++) {
		if (s[i] == '?' || s[i] == '#')
			return "must not have a query or fragment";
		if (s[i] == '%') {
			if (len - i < 3 || !is_hex((unsigned char)s[i + 1]) ||
			    !is_hex((unsigned char)s[i + 2]))
				return "has a malformed percent escape";
			i += 2;
			continue;
		}
		if (!is_path_char((unsigned char)s[i]))
			return "has a character not allowed in a URL";
	}
	return NULL;
}

/*
 * An absolute http or https URL without query or fragment (url.h; the
 * value is kept as written: issuer is compared byte for byte).
 */
static const char *
check_url(const char *v, size_t len)
{
	const char	*msg;
	char		*s;

	s = sg_xstrndup(v, len);
	msg = sg_url_check(s, SG_URL_HTTP | SG_URL_NO_QUERY);
	free(s);
	return msg;
}

/*
 * scheme://host[:port] (RFC 6454 §6.2).  Sets *origin to it as browsers
 * send it in Origin: lower case, without the default port.
 */
static const char *
check_origin(const char *v, size_t len, char **origin)
{
	struct sg_url	 u;
	const char	*msg = NULL;
	char		*s;

	*origin = NULL;
	if (scheme_len(v, len) == 0)
		return "must be \"*\" or origins (scheme://host[:port])";
	s = sg_xstrndup(v, len);
	if (sg_url_parse(s, SG_URL_HTTP | SG_URL_NO_QUERY, &u, &msg) == 0) {
		if (*u.path != '\0')
			msg = "an origin has no path (scheme://host[:port])";
		else
			*origin = sg_xstrdup(u.origin);
	}
	sg_url_clear(&u);
	free(s);
	return msg;
}

/* Our own path: '/' then segments of unreserved characters. */
static const char *
check_our_path(const char *v, size_t len)
{
	size_t	 i, seg = 0;

	if (len < 2 || v[0] != '/')
		return "must start with '/' and name a path";
	if (v[len - 1] == '/')
		return "must not end with '/'";
	for (i = 1; i <= len; i++) {
		if (i == len || v[i] == '/') {
			if (seg == 0)
				return "must not contain an empty segment";
			if ((seg == 1 && v[i - 1] == '.') ||
			    (seg == 2 && v[i - 1] == '.' && v[i - 2] == '.'))
				return "must not contain '.' or '..' segments";
			seg = 0;
			continue;
		}
		if (!is_unreserved((unsigned char)v[i]))
			return "may hold only letters, digits, "
			    "'-', '.', '_', '~' and '/'";
		seg++;
	}
	return NULL;
}

static const char *
check_token(const char *v, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if ((unsigned char)v[i] < 0x21 || (unsigned char)v[i] > 0x7e)
			return "must not contain spaces";
	return NULL;
}

static const char *
check_file(const char *v, size_t len)
{
	if (v[0] != '/')
		return "must be an absolute path";
	return check_token(v, len);
}

/* A path on this site ("/static") or an absolute http(s) URL. */
static const char *
check_webref(const char *v, size_t len)
{
	if (v[0] == '/') {
		if (len > 1 && v[1] == '/')
			return "must be a path or an absolute http or "
			    "https URL";
		return check_url_path(v, len);
	}
	if (scheme_len(v, len) == 0)
		return "must be a path or an absolute http or https URL";
	return check_url(v, len);
}

/*
 * CSS values land in a style sheet and in smart-style.json: allow only
 * what colours, lengths and font lists need, nothing that could end a
 * declaration, open a string or a comment.
 */
/* A FHIR operation name without '$' (FHIR R4 OperationDefinition.code). */
static const char *
check_operation(const char *v, size_t len)
{
	size_t	 i;

	if (len == 0 || len > SG_MAX_FHIR_ID || !is_alpha((unsigned char)v[0]))
		return "must be operation names without '$', such as lastn";
	for (i = 1; i < len; i++)
		if (!is_alpha((unsigned char)v[i]) &&
		    !is_digit((unsigned char)v[i]) && v[i] != '-')
			return "must be operation names without '$', such "
			    "as lastn";
	return NULL;
}

static const char *
check_css(const char *v, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (!is_alpha((unsigned char)v[i]) &&
		    !is_digit((unsigned char)v[i]) &&
		    strchr(" #(),.%-_/", v[i]) == NULL)
			return "may hold only letters, digits, spaces and "
			    "# ( ) , . % - _ /";
	return NULL;
}

static const char *
check_ledger(const char *v, size_t len)
{
	const char	*colon;
	size_t		 skip;

	if (len == 4 && memcmp(v, "none", 4) == 0)
		return NULL;
	if (len > 5 && memcmp(v, "lmdb:", 5) == 0) {
		if (check_file(v + 5, len - 5) != NULL)
			return "lmdb: needs an absolute path";
		return NULL;
	}
	/* rediss: (TLS) parses; sg_ledger_open() says why it is refused. */
	skip = len > 6 && memcmp(v, "redis:", 6) == 0 ? 6 :
	    len > 7 && memcmp(v, "rediss:", 7) == 0 ? 7 : 0;
	if (skip > 0) {
		/* The port follows the last ':'; the host may be [v6]. */
		colon = v + len;
		while (colon > v + skip && colon[-1] != ':')
			colon--;
		if (colon == v + skip ||
		    !check_port(colon, len - (size_t)(colon - v)) ||
		    check_authority(v + skip, (size_t)(colon - 1 -
		    (v + skip))) != NULL)
			return skip == 6 ? "redis: needs host:port" :
			    "rediss: needs host:port";
		return NULL;
	}
	return "must be \"none\", \"lmdb:/path\" or \"redis:host:port\"";
}

/* Strict decimal: digits only, no sign, no spaces, in range. */
static int
parse_number(struct parser *p, size_t line, const struct setting *s,
    const char *v, size_t len)
{
	char	 buf[32], *end;
	long	 n;
	size_t	 i;

	if (len >= sizeof(buf))
		goto range;
	for (i = 0; i < len; i++)
		if (!is_digit((unsigned char)v[i])) {
			conf_err(p, line, s->name, "must be a number");
			return -1;
		}
	memcpy(buf, v, len);
	buf[len] = '\0';
	errno = 0;
	n = strtol(buf, &end, 10);
	if (errno != 0 || end != buf + len || n < s->min || n > s->max)
		goto range;
	*field_long(p->cfg, s) = n;
	return 0;
range:
	conf_err(p, line, s->name, "must be between %ld and %ld", s->min,
	    s->max);
	return -1;
}

/* Stores one value of a list setting. */
static int
add_list_value(struct parser *p, size_t line, const struct setting *s,
    const char *v, size_t len)
{
	struct sg_config	*cfg = p->cfg;
	const char		*msg;
	char			*copy;

	if (s->kind == K_KEYS) {
		if ((msg = check_file(v, len)) != NULL) {
			conf_err(p, line, s->name, "%s", msg);
			return -1;
		}
		if (cfg->nsigning_keys == NSIGNING_KEYS) {
			conf_err(p, line, s->name, "at most %zu keys",
			    NSIGNING_KEYS);
			return -1;
		}
		cfg->signing_keys[cfg->nsigning_keys++] = sg_xstrndup(v, len);
		return 0;
	}
	if (s->kind == K_OPS) {
		if ((msg = check_operation(v, len)) != NULL) {
			conf_err(p, line, s->name, "%s", msg);
			return -1;
		}
		if (cfg->nfhir_operations == NFHIR_OPERATIONS - 1) {
			conf_err(p, line, s->name, "at most %zu operations",
			    NFHIR_OPERATIONS - 1);
			return -1;
		}
		cfg->fhir_operations[cfg->nfhir_operations++] =
		    sg_xstrndup(v, len);
		return 0;
	}
	if (len == 1 && v[0] == '*') {
		cfg->cors_any = 1;
		return 0;
	}
	if ((msg = check_origin(v, len, &copy)) != NULL) {
		conf_err(p, line, s->name, "%s", msg);
		return -1;
	}
	if (cfg->ncors_origins == NCORS_ORIGINS) {
		free(copy);
		conf_err(p, line, s->name, "at most %zu origins",
		    NCORS_ORIGINS);
		return -1;
	}
	/* Compared exactly with Origin later: kept as check_origin() made it. */
	cfg->cors_origins[cfg->ncors_origins++] = copy;
	return 0;
}

/* Checks and stores the value of a non-list setting. */
static int
set_value(struct parser *p, size_t line, const struct setting *s,
    const char *v, size_t len)
{
	const char	*msg = NULL;

	switch (s->kind) {
	case K_TEXT:
		break;		/* the line check already did it */
	case K_TOKEN:
		msg = check_token(v, len);
		break;
	case K_URL:
		msg = check_url(v, len);
		break;
	case K_BASEURL:
		/* Strip one trailing '/', so that paths append cleanly. */
		if ((msg = check_url(v, len)) == NULL && v[len - 1] == '/') {
			len--;
			if (v[len - 1] == '/')
				msg = "must not end with '//'";
		}
		break;
	case K_FILE:
		msg = check_file(v, len);
		break;
	case K_URLPATH:
		msg = check_our_path(v, len);
		break;
	case K_WEBREF:
		msg = check_webref(v, len);
		break;
	case K_STATICREF:
		if ((msg = check_webref(v, len)) == NULL && len > 1 &&
		    v[len - 1] == '/')
			len--;
		break;
	case K_CSS:
		msg = check_css(v, len);
		break;
	case K_LEDGER:
		msg = check_ledger(v, len);
		break;
	case K_NUMBER:
		return parse_number(p, line, s, v, len);
	case K_KEYS:
	case K_ORIGINS:
	case K_OPS:
		abort();	/* lists go through add_list_value */
	}
	if (msg != NULL) {
		conf_err(p, line, s->name, "%s", msg);
		return -1;
	}
	*field_str(p->cfg, s) = sg_xstrndup(v, len);
	return 0;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* One line, without its terminator. */
static int
parse_line(struct parser *p, size_t line, const char *l, size_t len)
{
	const struct setting	*s = NULL;
	const char		*name, *v, *end = l + len;
	size_t			 i, nlen;

	/* Control bytes nowhere; bytes beyond ASCII only in comments. */
	for (i = 0; i < len; i++)
		if (((unsigned char)l[i] < 0x20 && l[i] != '\t') ||
		    l[i] == 0x7f)
			goto bad_byte;

	while (l < end && is_blank(*l))
		l++;
	while (end > l && is_blank(end[-1]))
		end--;
	if (l == end || *l == '#')
		return 0;

	for (i = 0; l + i < end; i++)
		if ((unsigned char)l[i] > 0x7e)
			goto bad_byte;

	name = l;
	while (l < end && !is_blank(*l))
		l++;
	nlen = (size_t)(l - name);
	while (l < end && is_blank(*l))
		l++;
	v = l;

	for (i = 0; i < NSETTINGS; i++)
		if (strlen(settings[i].name) == nlen &&
		    memcmp(settings[i].name, name, nlen) == 0) {
			s = &settings[i];
			break;
		}
	if (s == NULL) {
		conf_err(p, line, NULL, "%.*s: unknown setting", (int)nlen,
		    name);
		return -1;
	}
	if (p->lines[i] != 0 && !IS_LIST(s->kind)) {
		conf_err(p, line, s->name, "set twice (first on line %zu)",
		    p->lines[i]);
		return -1;
	}
	if (v == end) {
		conf_err(p, line, s->name, "value missing");
		return -1;
	}
	if (p->lines[i] == 0)
		p->lines[i] = line;

	if (!IS_LIST(s->kind)) {
		/* Only free text holds inner spaces; nothing holds a tab. */
		if (s->kind != K_TEXT && s->kind != K_CSS &&
		    (memchr(v, ' ', (size_t)(end - v)) != NULL ||
		    memchr(v, '\t', (size_t)(end - v)) != NULL)) {
			conf_err(p, line, s->name, "must not contain spaces");
			return -1;
		}
		if (memchr(v, '\t', (size_t)(end - v)) != NULL) {
			conf_err(p, line, s->name, "must not contain a tab");
			return -1;
		}
		return set_value(p, line, s, v, (size_t)(end - v));
	}

	/* A list: blank-separated values, on one line or several. */
	while (v < end) {
		l = v;
		while (l < end && !is_blank(*l))
			l++;
		if (add_list_value(p, line, s, v, (size_t)(l - v)) == -1)
			return -1;
		while (l < end && is_blank(*l))
			l++;
		v = l;
	}
	return 0;
bad_byte:
	conf_err(p, line, NULL, "control or non-ASCII byte");
	return -1;
}

/*
 * The scope asked of the identity provider: scope tokens (RFC 6749
 * §3.3: NQCHAR, no '"' or '\\') separated by single spaces, "openid"
 * among them (OpenID Connect Core §3.1.2.1).
 */
static int
idp_scope_check(const char *v)
{
	const char	*tok, *p;
	int		 openid = 0;

	if (v == NULL || *v == '\0')
		return -1;
	for (tok = p = v;; p++) {
		if (*p == ' ' || *p == '\0') {
			if (p == tok)
				return -1;
			if (p - tok == 6 && strncmp(tok, "openid", 6) == 0)
				openid = 1;
			if (*p == '\0')
				break;
			tok = p + 1;
		} else if (*p < 0x21 || *p > 0x7e || *p == '"' || *p == '\\')
			return -1;
	}
	return openid ? 0 : -1;
}

/* Index of a setting by name; the table is fixed, so this cannot fail. */
static size_t
setting_index(const char *name)
{
	size_t	 i;

	for (i = 0; i < NSETTINGS; i++)
		if (strcmp(settings[i].name, name) == 0)
			return i;
	abort();
}

/* Is a a prefix of b by whole segments ("/a" of "/a/b", not "/ab")? */
static int
segment_prefix(const char *a, const char *b)
{
	size_t	 la = strlen(a);

	return strncmp(a, b, la) == 0 && (b[la] == '\0' || b[la] == '/');
}

/* Defaults, required settings and what depends on several settings. */
static int
finish(struct parser *p)
{
	struct sg_config	*cfg = p->cfg;
	const struct setting	*s;
	size_t			 i, li;

	for (i = 0; i < NSETTINGS; i++) {
		s = &settings[i];
		if (p->lines[i] != 0)
			continue;
		if (s->required) {
			conf_err(p, 0, s->name, "required setting missing");
			return -1;
		}
		if (s->kind == K_NUMBER)
			*field_long(cfg, s) = s->ldef;
		else if (s->def != NULL)
			*field_str(cfg, s) = sg_xstrdup(s->def);
	}

	if (segment_prefix(cfg->fhir_path, cfg->auth_path) ||
	    segment_prefix(cfg->auth_path, cfg->fhir_path)) {
		li = p->lines[setting_index("auth_path")];
		if (li == 0)
			li = p->lines[setting_index("fhir_path")];
		conf_err(p, li, "auth_path",
		    "must differ from fhir_path and neither may contain "
		    "the other");
		return -1;
	}

	/* An IdP needs both its issuer and our client id there. */
	if (cfg->idp_issuer != NULL && cfg->idp_client_id == NULL) {
		conf_err(p, 0, "idp_client_id",
		    "required when idp_issuer is set");
		return -1;
	}
	if (cfg->idp_client_id != NULL && cfg->idp_issuer == NULL) {
		conf_err(p, 0, "idp_issuer",
		    "required when idp_client_id is set");
		return -1;
	}

	if (idp_scope_check(cfg->idp_scope) == -1) {
		conf_err(p, p->lines[setting_index("idp_scope")], "idp_scope",
		    "must be scope tokens separated by one space, "
		    "\"openid\" among them");
		return -1;
	}

	/* Our credential at the FHIR server: a static token or OAuth
	   client credentials (RFC 6749 §4.4), not both. */
	if (cfg->upstream_token_url != NULL &&
	    cfg->upstream_fhir_token_file != NULL) {
		conf_err(p, p->lines[setting_index("upstream_token_url")],
		    "upstream_token_url", "and upstream_fhir_token_file "
		    "exclude each other");
		return -1;
	}
	if ((cfg->upstream_token_url != NULL) !=
	    (cfg->upstream_client_id != NULL) ||
	    (cfg->upstream_token_url != NULL) !=
	    (cfg->upstream_client_secret_file != NULL) ||
	    (cfg->upstream_scope != NULL && cfg->upstream_token_url == NULL)) {
		conf_err(p, 0, "upstream_token_url", "upstream_client_id "
		    "and upstream_client_secret_file go together with it "
		    "(upstream_scope too, where set)");
		return -1;
	}

	/* Redis AUTH (ledger.h); a password for nothing is a mistake. */
	if (cfg->ledger_password_file != NULL &&
	    strncmp(cfg->ledger, "redis:", 6) != 0 &&
	    strncmp(cfg->ledger, "rediss:", 7) != 0) {
		conf_err(p, p->lines[setting_index("ledger_password_file")],
		    "ledger_password_file", "only for a redis: ledger");
		return -1;
	}

	if (strcmp(cfg->login, "oidc") != 0 &&
	    strcmp(cfg->login, "remote_user") != 0) {
		conf_err(p, p->lines[setting_index("login")], "login",
		    "must be oidc or remote_user");
		return -1;
	}

	cfg->fhir_base = sg_xconcat(cfg->public_url, cfg->fhir_path);
	if (cfg->issuer == NULL)
		cfg->issuer = sg_xconcat(cfg->public_url, cfg->auth_path);
	return 0;
}

int
sg_config_parse(const char *path, const char *text, size_t len,
    struct sg_config **out, char *err, size_t errlen)
{
	struct parser	 p;
	const char	*l, *nl, *end;
	size_t		 line = 0, llen;
	int		 rc = -1;

	memset(&p, 0, sizeof(p));
	p.path = path != NULL ? path : "(configuration)";
	p.err = err;
	p.errlen = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	*out = NULL;

	if (text == NULL)
		len = 0;
	if (len > SG_MAX_CONF_FILE) {
		conf_err(&p, 0, NULL, "file too large (at most %d bytes)",
		    SG_MAX_CONF_FILE);
		return -1;
	}
	p.cfg = sg_xcalloc(1, sizeof(*p.cfg));
	p.cfg->path = sg_xstrdup(p.path);

	end = text != NULL ? text + len : NULL;
	for (l = text; l != NULL && l < end; l = nl + 1) {
		line++;
		if ((nl = memchr(l, '\n', (size_t)(end - l))) == NULL)
			nl = end;
		llen = (size_t)(nl - l);
		/* CRLF line endings: drop the CR. */
		if (llen > 0 && l[llen - 1] == '\r')
			llen--;
		if (llen > SG_MAX_CONF_LINE) {
			conf_err(&p, line, NULL,
			    "line too long (at most %d bytes)",
			    SG_MAX_CONF_LINE);
			goto out;
		}
		if (parse_line(&p, line, l, llen) == -1)
			goto out;
	}
	if (finish(&p) == -1)
		goto out;
	*out = p.cfg;
	p.cfg = NULL;
	rc = 0;
out:
	sg_config_free(p.cfg);
	return rc;
}

int
sg_config_load(const char *path, struct sg_config **out, char *err,
    size_t errlen)
{
	struct parser	 p;
	struct stat	 st;
	char		*buf = NULL;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd = -1, rc = -1;

	memset(&p, 0, sizeof(p));
	p.path = path;
	p.err = err;
	p.errlen = errlen;
	*out = NULL;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		conf_err(&p, 0, NULL, "%s", strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) == -1) {
		conf_err(&p, 0, NULL, "%s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		conf_err(&p, 0, NULL, "not a regular file");
		goto out;
	}
	/* One byte more than allowed, to notice a file that is too long. */
	buf = sg_xmalloc(SG_MAX_CONF_FILE + 1);
	while (len < SG_MAX_CONF_FILE + 1) {
		n = read(fd, buf + len, SG_MAX_CONF_FILE + 1 - len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			conf_err(&p, 0, NULL, "%s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	rc = sg_config_parse(path, buf, len, out, err, errlen);
out:
	if (fd != -1)
		close(fd);
	free(buf);
	return rc;
}

int
sg_config_locate(const char *env, const char *exe, const char *def,
    char *out, size_t outlen)
{
	char		 beside[CONF_PATH_MAX] = "";
	const char	*slash;
	size_t		 dirlen;
	int		 n;

	if (env != NULL && *env != '\0') {
		n = snprintf(out, outlen, "%s", env);
		return n < 0 || (size_t)n >= outlen ? -1 : 0;
	}
	/* exe is ".../cgi-bin/token": ".../etc/smartgate.conf". */
	if (exe != NULL && exe[0] == '/' && (slash = strrchr(exe, '/')) != NULL) {
		dirlen = (size_t)(slash - exe);
		while (dirlen > 0 && exe[dirlen - 1] != '/')
			dirlen--;
		n = snprintf(beside, sizeof(beside), "%.*setc/smartgate.conf",
		    (int)dirlen, exe);
		if (n < 0 || (size_t)n >= sizeof(beside) || dirlen == 0)
			beside[0] = '\0';
		else if (access(beside, F_OK) == 0) {
			n = snprintf(out, outlen, "%s", beside);
			return n < 0 || (size_t)n >= outlen ? -1 : 0;
		}
	}
	if (def != NULL && *def != '\0' && access(def, F_OK) == 0) {
		n = snprintf(out, outlen, "%s", def);
		return n < 0 || (size_t)n >= outlen ? -1 : 0;
	}
	snprintf(out, outlen, "SMARTGATE_CONF is not set, and no "
	    "configuration at %s%s%s", beside[0] != '\0' ? beside : "",
	    beside[0] != '\0' && def != NULL ? " or " : "",
	    def != NULL ? def : "");
	return -1;
}

int
sg_config_find(char *out, size_t outlen)
{
	char		 exe[CONF_PATH_MAX];
	ssize_t		 n;

	/* The program's own path: /proc/self/exe names the real file. */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? (size_t)n : 0] = '\0';
	return sg_config_locate(getenv("SMARTGATE_CONF"), n > 0 ? exe : NULL,
	    SG_CONF_DEFAULT, out, outlen);
}

struct sg_config *
sg_config_from_env(void)
{
	struct sg_config	*cfg = NULL;
	char			 path[CONF_PATH_MAX + 64];
	char			 err[1024];

	if (sg_config_find(path, sizeof(path)) == -1) {
		sg_log(NULL, SG_LOG_ERR, "%s", path);
		return NULL;
	}
	if (sg_config_load(path, &cfg, err, sizeof(err)) == -1) {
		sg_log(NULL, SG_LOG_ERR, "%s", err);
		return NULL;
	}
	return cfg;
}

void
sg_config_free(struct sg_config *cfg)
{
	const struct setting	*s;
	size_t			 i;

	if (cfg == NULL)
		return;
	for (i = 0; i < NSETTINGS; i++) {
		s = &settings[i];
		if (s->kind != K_NUMBER && !IS_LIST(s->kind))
			free(*field_str(cfg, s));
	}
	for (i = 0; i < cfg->nfhir_operations; i++)
		free(cfg->fhir_operations[i]);
	for (i = 0; i < cfg->nsigning_keys; i++)
		free(cfg->signing_keys[i]);
	for (i = 0; i < cfg->ncors_origins; i++)
		free(cfg->cors_origins[i]);
	free(cfg->fhir_base);
	free(cfg->path);
	free(cfg);
}
