/*
 * URL parsing and building (url.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

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

/* Returns a copy of a curl string, freeing it; NULL stays NULL. */
static char *
url_take(char *cs)
{
	char	*s;

	if (cs == NULL)
		return NULL;
	s = sg_xstrdup(cs);
	curl_free(cs);
	return s;
}

int
sg_url_parse(const char *s, unsigned rules, struct sg_url *u,
    const char **why)
{
	CURLU		*h = NULL;
	CURLUcode	 uc;
	char		*cs = NULL, *port = NULL, *end, *q;
	const char	*msg, *path = NULL;
	int		 https = 0;

	memset(u, 0, sizeof(*u));
	if ((msg = url_syntax(s, rules, &https, &path)) != NULL)
		goto out;
	/* libcurl parses what passed: the host it would connect to. */
	msg = "is not a valid URL";
	if ((h = curl_url()) == NULL)
		abort();	/* out of memory */
	if ((uc = curl_url_set(h, CURLUPART_URL, s, 0)) != CURLUE_OK ||
	    (uc = curl_url_get(h, CURLUPART_HOST, &cs, 0)) != CURLUE_OK) {
		if (uc == CURLUE_OUT_OF_MEMORY)
			abort();
		goto out;
	}
	u->host = url_take(cs);
	cs = NULL;
	if (curl_url_get(h, CURLUPART_USER, &cs, 0) != CURLUE_NO_USER) {
		msg = "must not contain user information";
		goto out;
	}
	uc = curl_url_get(h, CURLUPART_PORT, &port, 0);
	if (uc == CURLUE_OK) {
		u->port = strtol(port, &end, 10);
		if (*end != '\0' || u->port < 1 || u->port > 65535) {
			msg = "has an invalid port";
			goto out;
		}
	} else if (uc != CURLUE_NO_PORT)
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
	curl_free(cs);
	curl_free(port);
	curl_url_cleanup(h);
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
