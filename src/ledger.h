/*
 * The ledger: the few facts a stateless design still has to remember,
 * in an expiring key store behind one interface (docs/DESIGN.md "The
 * ledger"):
 *   - an authorization code already redeemed: codes are single use
 *     (RFC 6749 §4.1.2);
 *   - a client assertion's jti, so that it cannot be replayed within
 *     its lifetime (RFC 7523 §3);
 *   - the current generation of each grant's refresh token: one
 *     record per grant, advanced on every rotation, so that an older
 *     token coming back means theft and revokes the grant (OAuth 2.0
 *     Security BCP §4.14, refresh token rotation);
 *   - a grant revoked by the user or an admin;
 *   - the grants themselves, while they live: a small JSON record per
 *     grant (sg_ledger_put), so an administrator can list them and
 *     revoke by client or user (sg_ledger_scan, tools/smartgate-revoke).
 *
 * Backends, chosen by the configuration value given to sg_ledger_open():
 *   "none"           nothing is remembered: sg_ledger_add() and
 *                    sg_ledger_has() always answer SG_LEDGER_OK.  A weaker
 *                    guarantee, documented for those who want pure
 *                    statelessness: a code, an assertion or a rotated
 *                    refresh token can be replayed within its lifetime.
 *   "lmdb:/abs/dir"  an LMDB environment (data.mdb, lock.mdb) in an
 *                    existing directory, shared by every process on the
 *                    machine; map size SG_LEDGER_MAP_SIZE unless
 *                    sg_ledger_set_map_size() says otherwise (the
 *                    ledger_map_size setting).
 *   "redis:host:port"  a Redis server (5.0 or later: EVAL, SET EX)
 *                    shared by several gateways; host is a name, an
 *                    IPv4 address or [IPv6]; AUTH with the password of
 *                    sg_ledger_set_password_file() where set.  Writes
 *                    are Lua scripts, atomic for every gateway at once
 *                    (ledger_redis.c).  One connection per process,
 *                    with connect and command timeouts of
 *                    SG_LEDGER_REDIS_TIMEOUT_MS.  A process that uses
 *                    it ignores SIGPIPE (set here if left at default).
 *   "rediss:host:port"  parsed and refused with a message: TLS needs a
 *                    hiredis with TLS support, which Debian 12's 0.14
 *                    lacks.
 *
 * Fail closed (docs/DESIGN.md): when the store cannot be used (directory
 * missing, no permission, full; Redis down, slow, refusing AUTH) every
 * operation answers SG_LEDGER_UNAVAILABLE and logs one line; the
 * environment or connection is opened lazily and opening is retried on
 * the next operation, so repairing the store heals the process without
 * a restart.
 *
 * Keys are 1..SG_LEDGER_KEY_MAX bytes of printable ASCII (0x20-0x7e).
 * They are stored in clear on disk: callers pass a purpose prefix and a
 * hash of anything secret ("launch:" + fingerprint), never the secret.
 * An entry is live while now < expiry; expired entries are ignored and
 * purged by the ledger itself.
 *
 * Call sg_ledger_open() after any fork(): an LMDB environment (or a
 * Redis connection) must not be used in a process other than the one
 * that opened it.  (Should a process fork anyway, the child notices and
 * opens its own instead of reusing the parent's.)  Not thread-safe: one ledger per
 * single-threaded process.
 */
#ifndef SG_LEDGER_H
#define SG_LEDGER_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/*
 * Key namespaces: every key starts with one of these, so that one kind
 * of fact can never be mistaken for another.  Add, never reuse.
 * docs/LEDGER.md gives the size of each kind of record.
 */
#define SG_LEDGER_NS_CODE	"code:"		/* + code jti: redeemed */
#define SG_LEDGER_NS_RTGEN	"rtgen:"	/* + gid: refresh generation */
#define SG_LEDGER_NS_REVOKED	"revoked:"	/* + gid: grant revoked */
#define SG_LEDGER_NS_JTI	"jti:"		/* + client_id ":" assertion jti */
#define SG_LEDGER_NS_CONSENT	"tx:"		/* + transaction CSRF: decided */
#define SG_LEDGER_NS_LAUNCH	"launch:"	/* + fingerprint: launch used */
#define SG_LEDGER_NS_GRANT	"grant:"	/* + gid: the grant (JSON value) */
#define SG_LEDGER_NS_CHECK	"check:"	/* + random: smartgate-check's
						   test write, a minute */

/* Bytes of one value (sg_ledger_put): a grant record is a few hundred. */
#define SG_LEDGER_VALUE_MAX	1024

struct sg_request;
struct sg_ledger;

enum sg_ledger_result {
	SG_LEDGER_OK,		/* added / no live entry */
	SG_LEDGER_EXISTS,	/* a live entry exists */
	SG_LEDGER_STALE,	/* sg_ledger_advance: not the expected value */
	SG_LEDGER_UNAVAILABLE	/* store unusable or key invalid: fail closed */
};

/*
 * Parses spec (see above) and returns a new ledger, owned by the caller
 * (sg_ledger_close()).  Touches no file and no network: LMDB is opened
 * and Redis connected on first use.  On an invalid spec (or "rediss:")
 * returns NULL and writes a message into err (errlen bytes, may be 0).
 */
struct sg_ledger	*sg_ledger_open(const char *spec, char *err,
			    size_t errlen);

/*
 * Atomically adds key if there is no live entry for it (an expired one
 * is replaced).  Returns SG_LEDGER_OK when added, SG_LEDGER_EXISTS when
 * a live entry exists (the replay case), SG_LEDGER_UNAVAILABLE when the
 * store cannot be used or the key is invalid (logged).  An expiry not
 * after now stores nothing.  req is only for log lines and may be NULL.
 */
enum sg_ledger_result	 sg_ledger_add(struct sg_ledger *l,
			    const struct sg_request *req, const char *key,
			    time_t expiry, time_t now);

/*
 * SG_LEDGER_EXISTS if a live entry for key exists, SG_LEDGER_OK if not,
 * SG_LEDGER_UNAVAILABLE as for sg_ledger_add().
 */
enum sg_ledger_result	 sg_ledger_has(struct sg_ledger *l,
			    const struct sg_request *req, const char *key,
			    time_t now);

/*
 * A counter per key, compare-and-set in one LMDB write transaction or
 * one Redis script (so atomic across processes, and gateways): when the live value of key is expected (a
 * missing or expired key counts as 0), stores next until expiry and
 * returns SG_LEDGER_OK; otherwise changes nothing and returns
 * SG_LEDGER_STALE.  SG_LEDGER_UNAVAILABLE as for sg_ledger_add(), and
 * also for a key holding a plain sg_ledger_add() entry.  The "none"
 * backend answers SG_LEDGER_OK.  Used for refresh token generations:
 * one record per grant however often it rotates.
 */
enum sg_ledger_result	 sg_ledger_advance(struct sg_ledger *l,
			    const struct sg_request *req, const char *key,
			    uint64_t expected, uint64_t next, time_t expiry,
			    time_t now);

/*
 * Stores value (1..SG_LEDGER_VALUE_MAX bytes, copied) under key until
 * expiry, replacing whatever key held.  Returns SG_LEDGER_OK when
 * stored, SG_LEDGER_UNAVAILABLE as for sg_ledger_add() and also for a
 * value of a bad size.  An expiry not after now stores nothing.  The
 * "none" backend answers SG_LEDGER_OK and stores nothing.
 */
enum sg_ledger_result	 sg_ledger_put(struct sg_ledger *l,
			    const struct sg_request *req, const char *key,
			    const void *value, size_t len, time_t expiry,
			    time_t now);

/*
 * The live value of key: SG_LEDGER_EXISTS with *value a new
 * NUL-terminated copy (the caller frees it) of *len bytes; SG_LEDGER_OK
 * with *value NULL when there is none ("none": always);
 * SG_LEDGER_UNAVAILABLE as for sg_ledger_add(), and also when key holds
 * a live entry that is not a value (sg_ledger_add, sg_ledger_advance).
 */
enum sg_ledger_result	 sg_ledger_get(struct sg_ledger *l,
			    const struct sg_request *req, const char *key,
			    time_t now, char **value, size_t *len);

/*
 * Called by sg_ledger_scan() for each live value: key and value are
 * NUL-terminated and valid during the call only.  Nonzero stops.
 */
typedef int (*sg_ledger_scan_fn)(const char *key, const char *value,
	    size_t len, time_t expiry, void *arg);

/*
 * Calls fn for every live value (sg_ledger_put) whose key starts with
 * prefix (a valid key), in key order on LMDB and in no given order on
 * Redis (SCAN: a key added or removed meanwhile may or may not be seen).
 * The store is read first and fn called afterwards, so fn may use the
 * ledger (to revoke what it finds).  Returns SG_LEDGER_OK ("none": no
 * call), or SG_LEDGER_UNAVAILABLE, before any call, when the store
 * cannot be read.  For an administrator's tool: it reads every record
 * of the namespace.
 */
enum sg_ledger_result	 sg_ledger_scan(struct sg_ledger *l,
			    const struct sg_request *req, const char *prefix,
			    time_t now, sg_ledger_scan_fn fn, void *arg);

/*
 * Sets the LMDB map size (bytes; rounded by LMDB to its page size)
 * before the environment is first opened: the ledger_map_size setting,
 * or a small map for tests that need a full one quickly.  Returns 0, or
 * -1 if the ledger is not LMDB or is already open (a "none" ledger
 * ignores it: -1 is then harmless).
 */
int			 sg_ledger_set_map_size(struct sg_ledger *l,
			    size_t bytes);

/*
 * Reads the Redis AUTH password from path (sg_file_secret(): mode 0600
 * or stricter, one line of at most SG_LEDGER_PASSWORD_MAX printable
 * characters) for every connection l makes: the ledger_password_file
 * setting.  Returns 0, or -1 with a message in err (the file's problem,
 * or l not a Redis ledger).  The password is never logged.
 */
int			 sg_ledger_set_password_file(struct sg_ledger *l,
			    const char *path, char *err, size_t errlen);

/* Closes the store and frees l; NULL is a no-op. */
void			 sg_ledger_close(struct sg_ledger *l);

#endif
