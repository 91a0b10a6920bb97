/*
 * Browser cookies (RFC 6265).  smartgate keeps browser state only in
 * sealed cookies (docs/DESIGN.md): this module finds and sets them; sealing
 * is seal.h's.  On https every cookie is "__Host-" prefixed, Secure,
 * Path=/ and without Domain (RFC 6265bis §4.1.3.2), so no sibling host
 * can plant or read one; always HttpOnly and SameSite=Lax.
 */
#ifndef SG_COOKIE_H
#define SG_COOKIE_H

struct sg_config;
struct sg_request;

/*
 * The value of the cookie called name (prefixed as above) in the
 * request's Cookie header: a new string (caller frees), or NULL when it
 * is absent, empty, longer than SG_MAX_COOKIE, or present twice (an
 * ambiguous pair is refused rather than guessed at).
 */
char	*sg_cookie_get(const struct sg_request *req,
	    const struct sg_config *cfg, const char *name);

/*
 * Adds a Set-Cookie header for name=value living max_age seconds.
 * value must be cookie-octets (base64url is).  Returns 0 or -1.
 */
int	sg_cookie_set(struct sg_request *req, const struct sg_config *cfg,
	    const char *name, const char *value, long max_age);

/* Adds a Set-Cookie header that removes the cookie. */
int	sg_cookie_clear(struct sg_request *req, const struct sg_config *cfg,
	    const char *name);

/*
 * The same for a cookie scoped to path (an absolute URL path without
 * ";", ",", space, CR or LF; NULL is "/" as above): on https it is
 * "__Secure-" prefixed instead of "__Host-" (which requires Path=/),
 * Secure, without Domain; the browser sends it only to path and below.
 * For a session that nothing else on the site should receive.
 */
char	*sg_cookie_get_at(const struct sg_request *req,
	    const struct sg_config *cfg, const char *name, const char *path);
int	sg_cookie_set_at(struct sg_request *req, const struct sg_config *cfg,
	    const char *name, const char *path, const char *value,
	    long max_age);
int	sg_cookie_clear_at(struct sg_request *req, const struct sg_config *cfg,
	    const char *name, const char *path);

#endif
