/*
 * URLs: the one parser that judges every absolute URL smartgate is
 * given (registry, configuration, identity provider), its own (no
 * program loads libcurl to judge a URL; hosts are normalised as
 * libcurl and browsers read them: IPv4 shorthands, IPv6 literals), and
 * the answers callers need from it (https or loopback http,
 * origin, loopback host, path); percent-encoding (RFC 3986 §2.1,
 * unreserved characters kept) and adding query parameters to a
 * registered redirect URI (RFC 6749 §4.1.2: "retain" its query
 * component).
 *
 * A URL that passes is "scheme://host[:port][path][?query][#fragment]"
 * (RFC 3986 §3) with scheme http or https in any case, a host of
 * letters, digits, '-' and '.' or an IPv6 literal in brackets, an
 * optional port 1..65535, no user information (RFC 6749 §3.1.2 and
 * RFC 3986 §3.2.1: "user@host" hides the host from a reader), at most
 * SG_MAX_URL bytes of visible ASCII, every '%' followed by two hex
 * digits.  The parser never changes the URL it judges: a redirect_uri
 * is still compared byte for byte with the registered one (RFC 6749
 * §3.1.2.3, OAuth 2.0 Security BCP §4.1.3); only comparisons of hosts
 * and origins use the normalised parts.
 */
#ifndef SG_URL_H
#define SG_URL_H

#include <stddef.h>

/* What sg_url_parse() accepts beyond an https URL without fragment. */
#define SG_URL_LOOPBACK_HTTP	0x01	/* http on a loopback host (RFC 8252 §7.3) */
#define SG_URL_HTTP		0x02	/* http on any host */
#define SG_URL_FRAGMENT		0x04	/* a fragment */
#define SG_URL_NO_QUERY		0x08	/* refuse a query */

/* A parsed URL (sg_url_parse()). */
struct sg_url {
	int		 https;		/* scheme https, else http */
	char		*host;		/* lower case; IPv6 literal in [] */
	long		 port;		/* as written; 0 when none */
	char		*origin;	/* RFC 6454 §6.2 serialisation:
					   scheme://host[:port], lower case,
					   the default port left out */
	int		 loopback;	/* host is localhost, 127.0.0.1 or
					   [::1] */
	const char	*path;		/* points into the parsed string:
					   path, query and fragment, "" when
					   none */
};

/*
 * Parses the NUL-terminated s under rules (SG_URL_* bits) into u.
 * Returns 0, or -1 with *why set to a static message ("must not contain
 * user information") and u empty.  sg_url_clear() frees u either way.
 */
int	sg_url_parse(const char *s, unsigned rules, struct sg_url *u,
	    const char **why);

/* Frees what u holds and empties it. */
void	sg_url_clear(struct sg_url *u);

/* NULL when s passes sg_url_parse() under rules, else why not. */
const char *sg_url_check(const char *s, unsigned rules);

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
 * The origin of an absolute http(s) URL (fragment allowed), as browsers
 * send it in Origin: "scheme://host[:port]" in lower case without the
 * default port (RFC 6454 §4, §6.2); NULL when url does not parse.
 * Caller frees.
 */
char	*sg_url_origin(const char *url);

/*
 * The name=value pairs (a NULL value skips the pair), percent-encoded
 * and joined by '&': an application/x-www-form-urlencoded body (RFC
 * 6749 Appendix B).  Caller frees.
 */
char	*sg_url_form(const char *const *names, const char *const *values,
	    size_t n);

/*
 * 1 when url is https, or http on a loopback host (RFC 8252 §7.3),
 * without fragment; else 0.
 */
int	sg_url_https_or_loopback(const char *url);

/* 1 when url is an absolute URL (fragment allowed) with scheme https. */
int	sg_url_is_https(const char *url);

/*
 * The path of an absolute http(s) URL with what follows it ("" for
 * "https://host"), pointing into url; NULL when url does not parse.
 */
const char *sg_url_path(const char *url);

/*
 * base with path appended, exactly one '/' between them ("https://gw/"
 * and "/auth" make "https://gw/auth"); base alone when path is "".
 * Caller frees.
 */
char	*sg_url_join(const char *base, const char *path);

#endif
