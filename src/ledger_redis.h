/*
 * The Redis backend of the ledger: internal to the ledger module.
 * Callers use ledger.h ("redis:host:port"); only ledger.c includes this.
 *
 * A value (sg_ledger_put) is stored as "expiry|bytes".
 *
 * Semantics are those of ledger.h, exactly as the LMDB backend keeps
 * them: an entry is live while the caller's now < its expiry, kept in
 * the value, so that every gateway judges with its own clock the same
 * way; Redis's own expiry (EX, relative to now) only forgets what is
 * dead.  Each write is one Lua script (EVAL), which Redis runs
 * atomically: set-if-absent and compare-and-set need no WATCH.
 */
#ifndef SG_LEDGER_REDIS_H
#define SG_LEDGER_REDIS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ledger.h"

struct sg_ledger_redis;

/*
 * Parses "host:port" (host a name, an IPv4 address or [IPv6]) and
 * returns a new backend that has not connected yet, or NULL with a
 * message in err.
 */
struct sg_ledger_redis	*sg_ledger_redis_new(const char *hostport,
			    char *err, size_t errlen);

/*
 * Takes pass (copied; the caller wipes its own) for AUTH on every
 * connection from now on.
 */
void			 sg_ledger_redis_set_password(
			    struct sg_ledger_redis *r, const char *pass);

/*
 * The operations of ledger.h on a valid key of keylen bytes; any
 * failure (no connection, a timeout, an error reply) is logged with
 * req and answers SG_LEDGER_UNAVAILABLE, and the next call connects
 * afresh.
 */
enum sg_ledger_result	 sg_ledger_redis_add(struct sg_ledger_redis *r,
			    const struct sg_request *req, const char *key,
			    size_t keylen, uint64_t expiry, uint64_t now);
enum sg_ledger_result	 sg_ledger_redis_has(struct sg_ledger_redis *r,
			    const struct sg_request *req, const char *key,
			    size_t keylen, uint64_t now);
enum sg_ledger_result	 sg_ledger_redis_advance(struct sg_ledger_redis *r,
			    const struct sg_request *req, const char *key,
			    size_t keylen, uint64_t expected, uint64_t next,
			    uint64_t expiry, uint64_t now);

enum sg_ledger_result	 sg_ledger_redis_put(struct sg_ledger_redis *r,
			    const struct sg_request *req, const char *key,
			    size_t keylen, const void *value, size_t len,
			    uint64_t expiry, uint64_t now);
enum sg_ledger_result	 sg_ledger_redis_get(struct sg_ledger_redis *r,
			    const struct sg_request *req, const char *key,
			    size_t keylen, uint64_t now, char **value,
			    size_t *len);

/*
 * sg_ledger_scan() on Redis: SCAN MATCH prefix* COUNT 100, then GET of
 * each key found; found() is called for each live value (key and value
 * valid during the call only).  Returns 0, or -1 logged.
 */
int			 sg_ledger_redis_scan(struct sg_ledger_redis *r,
			    const struct sg_request *req, const char *prefix,
			    size_t prefixlen, uint64_t now,
			    void (*found)(void *arg, const char *key,
			    size_t keylen, const char *value, size_t len,
			    uint64_t expiry), void *arg);

/* Closes the connection, wipes the password, frees r; NULL is a no-op. */
void			 sg_ledger_redis_free(struct sg_ledger_redis *r);

#endif
