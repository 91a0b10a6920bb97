/*
 * Building URLs: percent-encoding (RFC 3986 §2.1, unreserved characters
 * kept) and adding query parameters to a registered redirect URI
 * (RFC 6749 §4.1.2: "retain" its query component).
 */
#ifndef SG_URL_H
#define SG_URL_H

#include <stddef.h>

/* s percent-encoded; every byte but ALPHA / DIGIT / "-._~".  Caller frees. */
char	*sg_url_encode(const char *s);

/*
 * A new URL: base with the name=value pairs (names[i], values[i]; a NULL
 * value skips the pair) appended to its query, with '?' or '&' as
 * needed, before any fragment.  Caller frees.
 */
char	*sg_url_with_query(const char *base, const char *const *names,
	    const char *const *values, size_t n);

/*
 * The origin of an absolute http(s) URL, "scheme://host[:port]" (RFC
 * 6454 §4, as written), or NULL.  Caller frees.
 */
char	*sg_url_origin(const char *url);

/*
 * The name=value pairs (a NULL value skips the pair), percent-encoded
 * and joined by '&': an application/x-www-form-urlencoded body (RFC
 * 6749 Appendix B).  Caller frees.
 */
char	*sg_url_form(const char *const *names, const char *const *values,
	    size_t n);

/* 1 when url is http on a loopback host or https (RFC 8252 §7.3). */
int	sg_url_https_or_loopback(const char *url);

#endif
