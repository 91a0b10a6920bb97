/*
 * A process cache of JWKS documents fetched from URLs (a client's
 * jwks_uri, RFC 7591 §2; the IdP's jwks_uri, OpenID Connect Discovery
 * 1.0 §3), shared by client authentication and the OpenID Connect
 * relying party.
 *
 * Per URL: the keys of the last good fetch, used for ttl seconds on the
 * monotonic clock (wall-clock steps neither extend nor cut a TTL), or
 * for less when the answer's Cache-Control says so (RFC 9111 §5.2.2:
 * max-age=N caps it at N seconds; no-cache, no-store and max-age=0
 * mean every use fetches again), never for more.  A
 * token whose kid the keys lack earns one early re-fetch (key rotation,
 * RFC 7517 §4.5) at most once per refetch_min seconds per URL, and a
 * failed fetch is not repeated within refetch_min either, so that made-up
 * kids or a dead server cannot turn each request into an outbound one.
 * Keys past their TTL are never served, even when the refresh fails
 * (fail closed).
 *
 * Bounded: at most slots URLs (the least recently used one is dropped),
 * SG_MAX_JWKS_KEYS keys per URL, SG_MAX_UPSTREAM_SMALL bytes per
 * answer; only https URLs, or http on a loopback host, are fetched.
 */
#ifndef SG_JWKSCACHE_H
#define SG_JWKSCACHE_H

#include <stddef.h>
#include <time.h>

#include "jwk.h"
#include "status.h"

struct sg_http;
struct sg_request;
struct sg_jwkscache;

struct sg_jwkscache_conf {
	size_t		 slots;		/* URLs remembered, >= 1 */
	long		 ttl;		/* seconds a fetched JWKS is used */
	long		 refetch_min;	/* seconds between early or failed fetches */
	enum sg_alg	 rsa;		/* alg of RSA keys without one, the only RSA alg kept */
	enum sg_alg	 ec;		/* likewise for EC keys (the curve decides) */
	time_t		(*clock)(void);	/* NULL: CLOCK_MONOTONIC; tests set their own */
};

/*
 * A new cache fetching through http (borrowed: it must outlive the
 * cache).  Returns NULL when conf is unusable.
 */
struct sg_jwkscache *sg_jwkscache_new(struct sg_http *http,
	    const struct sg_jwkscache_conf *conf);

/* Frees the cache and every key in it; NULL is fine. */
void	sg_jwkscache_free(struct sg_jwkscache *c);

/*
 * The keys of url: cached while fresh, else fetched.  On SG_OK stores
 * the keys in *keys and their number (>= 1) in *nkeys, borrowed until
 * the next call on c.  Otherwise: SG_E_UNAVAILABLE when a failed fetch
 * of url is too recent to try again; SG_E_UPSTREAM_TIMEOUT;
 * SG_E_UPSTREAM for any other failure (URL not allowed, HTTP status
 * other than 200, not a JWKS, no usable key).  *why gets a short
 * static text for a log line in every case.
 */
enum sg_status sg_jwkscache_get(struct sg_jwkscache *c,
	    const struct sg_request *req, const char *url,
	    const struct sg_jwk **keys, size_t *nkeys, const char **why);

/*
 * A token named a kid that the keys of url lack: fetches url again
 * unless an early fetch of it happened within refetch_min seconds
 * (then SG_E_UNAVAILABLE and nothing is fetched).  Otherwise as
 * sg_jwkscache_get(); a failed re-fetch keeps the fresh keys in place.
 */
enum sg_status sg_jwkscache_refetch(struct sg_jwkscache *c,
	    const struct sg_request *req, const char *url,
	    const struct sg_jwk **keys, size_t *nkeys, const char **why);

/*
 * Seconds on c's clock (CLOCK_MONOTONIC unless conf set another), for
 * callers whose own caches should age the same way.
 */
time_t	sg_jwkscache_now(const struct sg_jwkscache *c);

/*
 * How long an answer with this Cache-Control header value (NULL: none)
 * may be used, in seconds, at most ttl: the smallest max-age (RFC 9111
 * §5.2.2.1, also quoted), 0 for no-cache or no-store (§5.2.2.4,
 * §5.2.2.5), ttl when it says neither.  A max-age that is not a number
 * counts as 0 (§4.2.1: an invalid freshness lifetime means stale).
 */
long	sg_jwkscache_max_age(const char *cache_control, long ttl);

/* Forgets every URL and key (e.g. the IdP's discovery failed). */
void	sg_jwkscache_clear(struct sg_jwkscache *c);

#endif
