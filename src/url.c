/*
 * URL building.
 */
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "url.h"

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

int
sg_url_https_or_loopback(const char *url)
{
	static const char *const loop[] = {
		"http://127.0.0.1", "http://localhost", "http://[::1]"
	};
	const char	*p;
	size_t		 i, len;

	if (strncmp(url, "https://", 8) == 0)
		return url[8] != '\0';
	for (i = 0; i < sizeof(loop) / sizeof(loop[0]); i++) {
		len = strlen(loop[i]);
		if (strncmp(url, loop[i], len) != 0)
			continue;
		/*
		 * A port is digits (RFC 3986 §3.2.3); anything else after
		 * ':' is userinfo before another host, as in
		 * "http://localhost:1@evil.example" (§3.2.1).
		 */
		p = url + len;
		if (*p == ':') {
			if (*++p < '0' || *p > '9')
				continue;
			while (*p >= '0' && *p <= '9')
				p++;
		}
		if (*p == '\0' || *p == '/')
			return 1;
	}
	return 0;
}

char *
sg_url_origin(const char *url)
{
	const char	*p;

	if (strncmp(url, "https://", 8) == 0)
		p = url + 8;
	else if (strncmp(url, "http://", 7) == 0)
		p = url + 7;
	else
		return NULL;
	p += strcspn(p, "/?#");
	return sg_xstrndup(url, (size_t)(p - url));
}
