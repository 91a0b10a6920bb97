/*
 * URL parsing and building (url.h).
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bounds.h"
#include "mem.h"
#include "url.h"

#define URL_STR(x)	URL_STR2(x)
#define URL_STR2(x)	#x

static const char	 url_e_http[] = "http is allowed only for 127.0.0.1, "
			    "localhost and [::1] (RFC 8252 §7.3); use https";

static int
url_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

/* Writes s percent-encoded at dst (room for 3 * strlen(s)); returns the end. */
static char *
url_encode_into(char *dst, const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (url_unreserved(*p))
			*dst++ = (char)*p;
		else {
			*dst++ = '%';
			*dst++ = hex[*p >> 4];
			*dst++ = hex[*p & 15];
		}
	}
	return dst;
}

char *
sg_url_encode(const char *s)
{
	char	*out;

	out = sg_xmalloc(strlen(s) * 3 + 1);
	*url_encode_into(out, s) = '\0';
	return out;
}

/* Room for the pairs, encoded and joined. */
static size_t
url_pairs_len(const char *const *names, const char *const *values, size_t n)
{
	size_t	 i, len = 0;

	for (i = 0; i < n; i++)
		if (values[i] != NULL)
			len += 3 * (strlen(names[i]) + strlen(values[i])) + 2;
	return len;
}

/* Writes the pairs at p, each after sep (then '&'); returns the end. */
static char *
url_pairs_into(char *p, char sep, const char *const *names,
    const char *const *values, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (values[i] == NULL)
			continue;
		if (sep != '\0')
			*p++ = sep;
		sep = '&';
		p = url_encode_into(p, names[i]);
		*p++ = '=';
		p = url_encode_into(p, values[i]);
	}
	return p;
}

char *
sg_url_form(const char *const *names, const char *const *values, size_t n)
{
	char	*out;

	out = sg_xmalloc(url_pairs_len(names, values, n) + 1);
	*url_pairs_into(out, '\0', names, values, n) = '\0';
	return out;
}

char *
sg_url_with_query(const char *base, const char *const *names,
    const char *const *values, size_t n)
{
	const char	*frag;
	char		*out, *p, sep;
	size_t		 blen;

	frag = strchr(base, '#');
	blen = frag != NULL ? (size_t)(frag - base) : strlen(base);
	out = sg_xmalloc(strlen(base) + url_pairs_len(names, values, n) + 2);
	memcpy(out, base, blen);
	/* A query that is empty or ends in '&' needs no separator. */
	if (memchr(base, '?', blen) == NULL)
		sep = '?';
	else
		sep = blen > 0 && (base[blen - 1] == '?' ||
		    base[blen - 1] == '&') ? '\0' : '&';
	p = url_pairs_into(out + blen, sep, names, values, n);
	if (frag != NULL) {
		memcpy(p, frag, strlen(frag));
		p += strlen(frag);
	}
	*p = '\0';
	return out;
}

static int
url_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

/* A letter, digit, '-' or '.': a DNS name or an IPv4 address (RFC 1123 §2.1). */
static int
url_host_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.';
}

/*
 * The checks libcurl's parser does not make (it takes "https:/host",
 * "https:///host", user information, zone ids and percent-encoded
 * hosts): the exact "scheme://" form, the characters, the authority,
 * the port, the percent escapes, the query and the fragment.  Sets
 * *https and *path; returns NULL or what is wrong.
 */
static const char *
url_syntax(const char *s, unsigned rules, int *https, const char **path)
{
	const unsigned char	*p;
	const char		*a, *h;
	size_t			 len, alen, i, start;
	long			 port;
	int			 frag = 0;

	len = strnlen(s, SG_MAX_URL + 1);
	if (len > SG_MAX_URL)
		return "longer than " URL_STR(SG_MAX_URL) " bytes";
	/* RFC 3986 §2: visible ASCII only, and never these (Appendix C). */
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p <= 0x20 || *p >= 0x7f)
			return "must not contain spaces, control or non-ASCII "
			    "characters";
		if (strchr("\"<>\\^`{|}", *p) != NULL)
			return "has a character not allowed in a URL";
	}
	if (strncasecmp(s, "https://", 8) == 0) {
		*https = 1;
		a = s + 8;
	} else if (strncasecmp(s, "http://", 7) == 0) {
		*https = 0;
		a = s + 7;
	} else
		return (rules & SG_URL_HTTP) ?
		    "must be an absolute http or https URL" :
		    "must be an absolute https URL";

	/* Authority, RFC 3986 §3.2: host [ ":" port ], no userinfo. */
	alen = strcspn(a, "/?#");
	if (memchr(a, '@', alen) != NULL)
		return "must not contain user information";
	h = a;
	if (*h == '[') {
		/* IP-literal (§3.2.2); no zone id (RFC 6874) in a URL we keep. */
		for (i = 1; i < alen && (url_hex((unsigned char)h[i]) ||
		    h[i] == ':' || h[i] == '.'); i++)
			;
		if (i == 1 || i == alen || h[i] != ']')
			return "has an invalid host";
		i++;
	} else {
		for (i = 0; i < alen && url_host_char((unsigned char)h[i]);
		    i++)
			;
		if (i == 0 && (alen == 0 || h[0] == ':'))
			return "must have a host";
	}
	if (i < alen && h[i] != ':')
		return "has an invalid host";
	if (i < alen) {
		/* §3.2.3 port: one to five digits, 1..65535. */
		start = ++i;
		port = 0;
		for (; i < alen && h[i] >= '0' && h[i] <= '9'; i++)
			if (i - start < 5)
				port = port * 10 + (h[i] - '0');
		if (i != alen || i == start || i - start > 5 || port < 1 ||
		    port > 65535)
			return "has an invalid port";
	}

	/* Path, query, fragment: pchar, '/', '?' and well-formed escapes. */
	*path = a + alen;
	for (p = (const unsigned char *)*path; *p != '\0'; p++) {
		if (*p == '#') {
			if (!(rules & SG_URL_FRAGMENT))
				return "must not have a fragment";
			if (frag++)
				return "has a character not allowed in a URL";
		} else if (*p == '?' && !frag && (rules & SG_URL_NO_QUERY))
			return "must not have a query";
		else if (*p == '%') {
			if (!url_hex(p[1]) || !url_hex(p[2]))
				return "has a malformed percent escape";
			p += 2;
		} else if (*p == '[' || *p == ']')
			return "has a character not allowed in a URL";
	}
	return NULL;
}

/*
 * The host an IPv4 address in one of the shorthand forms stands for, in
 * dotted decimal: "127.1", "0x7f.0.0.1", "0177.0.0.1" and "2130706433"
 * all name 127.0.0.1 to a browser (WHATWG URL "IPv4 parser") and to
 * libcurl (7.77 and later), which connects there.  Parts are decimal,
 * octal (leading 0) or hexadecimal (0x); the last part fills the bytes
 * left.  Writes dst (16 bytes) and returns 1, or returns 0 when host is
 * not such an address (a name, kept as written).  The rules are
 * libcurl's (lib/urlapi.c ipv4_normalize()), so that the host we judge
 * is the one the upstream client would connect to.
 */
static int
url_ipv4(const char *host, size_t len, char dst[16])
{
	unsigned long	 part[4], v;
	const char	*p = host, *end = host + len;
	char		 buf[16], *e;
	size_t		 n = 0, k;

	for (;;) {
		if (p == end || *p < '0' || *p > '9')
			return 0;	/* no sign, no empty part */
		for (k = 0; p + k < end && *(p + k) != '.'; k++)
			if (k >= sizeof(buf) - 1)
				return 0;
		memcpy(buf, p, k);
		buf[k] = '\0';
		errno = 0;
		v = strtoul(buf, &e, 0);
		if (*e != '\0' || errno != 0 || v > 0xffffffffUL)
			return 0;
		part[n++] = v;
		p += k;
		if (p == end)
			break;
		if (n == 4)
			return 0;	/* a fifth part */
		p++;			/* '.' */
	}
	/* Every part but the last is one byte; the last fills the rest. */
	for (k = 0; k + 1 < n; k++)
		if (part[k] > 0xff)
			return 0;
	if (part[n - 1] > (0xffffffffUL >> (8 * (n - 1))))
		return 0;
	v = part[n - 1];
	for (k = 0; k + 1 < n; k++)
		v |= part[k] << (8 * (3 - k));
	snprintf(dst, 16, "%lu.%lu.%lu.%lu", (v >> 24) & 0xff,
	    (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff);
	return 1;
}

/*
 * The host of the authority at a (which url_syntax() passed), as a
 * client connects to it: an IPv6 literal in its canonical text form
 * (RFC 5952) in brackets, an IPv4 address in dotted decimal, a name as
 * written; the port in *port (0: none).  NULL when the literal is not an
 * address.  Caller frees.
 */
static char *
url_host(const char *a, long *port)
{
	struct in6_addr	 in6;
	char		 buf[INET6_ADDRSTRLEN + 2], lit[64], *end;
	const char	*colon;
	size_t		 alen, hlen;

	alen = strcspn(a, "/?#");
	*port = 0;
	if (*a == '[') {
		hlen = (size_t)((const char *)memchr(a, ']', alen) - a) + 1;
		if (hlen - 2 >= sizeof(lit))
			return NULL;
		memcpy(lit, a + 1, hlen - 2);
		lit[hlen - 2] = '\0';
		if (inet_pton(AF_INET6, lit, &in6) != 1 ||
		    inet_ntop(AF_INET6, &in6, buf + 1, sizeof(buf) - 2) ==
		    NULL)
			return NULL;
		buf[0] = '[';
		hlen = strlen(buf);
		buf[hlen] = ']';
		buf[hlen + 1] = '\0';
		colon = a + (size_t)((const char *)memchr(a, ']', alen) - a) +
		    1;
	} else {
		colon = memchr(a, ':', alen);
		hlen = colon != NULL ? (size_t)(colon - a) : alen;
		if (!url_ipv4(a, hlen, buf)) {
			if (hlen > SG_MAX_URL)
				return NULL;
			buf[0] = '\0';
		}
	}
	/* url_syntax() passed the port: 1..65535, at most five digits. */
	if (colon != NULL && colon < a + alen && *colon == ':')
		*port = strtol(colon + 1, &end, 10);
	return buf[0] != '\0' ? sg_xstrdup(buf) : sg_xstrndup(a, hlen);
}

int
sg_url_parse(const char *s, unsigned rules, struct sg_url *u,
    const char **why)
{
	char		*q;
	const char	*msg, *path = NULL;
	int		 https = 0;

	memset(u, 0, sizeof(*u));
	if ((msg = url_syntax(s, rules, &https, &path)) != NULL)
		goto out;
	/* The host a client would connect to (url_host()). */
	msg = "is not a valid URL";
	if ((u->host = url_host(s + (https ? 8 : 7), &u->port)) == NULL)
		goto out;
	if (u->host[0] == '\0') {
		msg = "must have a host";
		goto out;
	}
	/* RFC 3986 §6.2.2.1: scheme and host are case-insensitive. */
	for (q = u->host; *q != '\0'; q++)
		if (*q >= 'A' && *q <= 'Z')
			*q = (char)(*q - 'A' + 'a');
	u->https = https;
	u->loopback = strcmp(u->host, "localhost") == 0 ||
	    strcmp(u->host, "127.0.0.1") == 0 || strcmp(u->host, "[::1]") == 0;
	if (!https && !(rules & SG_URL_HTTP) &&
	    !(u->loopback && (rules & SG_URL_LOOPBACK_HTTP))) {
		msg = (rules & SG_URL_LOOPBACK_HTTP) ? url_e_http :
		    "must be an absolute https URL";
		goto out;
	}
	/* RFC 6454 §6.2; the default port is left out, as browsers do. */
	if (u->port == 0 || u->port == (https ? 443 : 80))
		u->origin = sg_xconcat(https ? "https://" : "http://", u->host);
	else {
		u->origin = sg_xmalloc(strlen(u->host) + 16);
		snprintf(u->origin, strlen(u->host) + 16, "%s://%s:%ld",
		    https ? "https" : "http", u->host, u->port);
	}
	u->path = path;
	msg = NULL;
out:
	if (msg != NULL) {
		sg_url_clear(u);
		if (why != NULL)
			*why = msg;
		return -1;
	}
	return 0;
}

void
sg_url_clear(struct sg_url *u)
{
	free(u->host);
	free(u->origin);
	memset(u, 0, sizeof(*u));
}

const char *
sg_url_check(const char *s, unsigned rules)
{
	struct sg_url	 u;
	const char	*why = NULL;

	if (sg_url_parse(s, rules, &u, &why) == 0)
		sg_url_clear(&u);
	return why;
}

int
sg_url_https_or_loopback(const char *url)
{
	return sg_url_check(url, SG_URL_LOOPBACK_HTTP) == NULL;
}

int
sg_url_is_https(const char *url)
{
	struct sg_url	 u;
	int		 https;

	if (sg_url_parse(url, SG_URL_HTTP | SG_URL_FRAGMENT, &u, NULL) == -1)
		return 0;
	https = u.https;
	sg_url_clear(&u);
	return https;
}

char *
sg_url_origin(const char *url)
{
	struct sg_url	 u;
	char		*origin;

	if (sg_url_parse(url, SG_URL_HTTP | SG_URL_FRAGMENT, &u, NULL) == -1)
		return NULL;
	origin = u.origin;
	u.origin = NULL;
	sg_url_clear(&u);
	return origin;
}

const char *
sg_url_path(const char *url)
{
	struct sg_url	 u;
	const char	*path;

	if (sg_url_parse(url, SG_URL_HTTP | SG_URL_FRAGMENT, &u, NULL) == -1)
		return NULL;
	path = u.path;
	sg_url_clear(&u);
	return path;
}

char *
sg_url_join(const char *base, const char *path)
{
	size_t	 blen = strlen(base);
	char	*out;

	if (*path == '\0')
		return sg_xstrdup(base);
	if (blen > 0 && base[blen - 1] == '/')
		blen--;
	if (*path == '/')
		path++;
	out = sg_xmalloc(blen + strlen(path) + 2);
	memcpy(out, base, blen);
	out[blen] = '/';
	memcpy(out + blen + 1, path, strlen(path) + 1);
	return out;
}
