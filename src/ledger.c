/*
 * The ledger (ledger.h): single use of codes (RFC 6749 §4.1.2), jti
 * replay (RFC 7523 §3), refresh token rotation and reuse detection
 * (OAuth 2.0 Security BCP), revoked grants.  This file parses the spec,
 * checks keys and holds the LMDB backend; the Redis backend is in
 * ledger_redis.c.
 *
 * LMDB backend: one unnamed database, key = the caller's key, value =
 * the expiry as 8 bytes big-endian, followed for a counter
 * (sg_ledger_advance) by its value as 8 more bytes big-endian, or for
 * a value (sg_ledger_put) by 8 zero bytes and the value's 1 or more
 * bytes: the three kinds differ by size alone (8, 16, more than 16).  LMDB serialises write transactions
 * across processes with its lock file, so "get, then put if absent or
 * expired" in one write transaction is an atomic set-if-absent for every
 * process on the machine.
 *
 * Expired entries are purged here: every LEDGER_PURGE_EVERY-th add in a
 * process scans up to LEDGER_PURGE_SCAN entries, resuming where the last
 * scan stopped (so the whole store is swept, round robin), and a full
 * map triggers a purge and one retry before failing closed.
 *
 * "Full" is ours, not LMDB's: the tree may take LEDGER_FILL_NUM /
 * LEDGER_FILL_DEN of the map.  When LMDB itself reports MDB_MAP_FULL it
 * cannot even delete (every change copies pages), so the headroom is
 * what lets a purge run on a full ledger.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <lmdb.h>

#include "bounds.h"
#include "file.h"
#include "ledger.h"
#include "ledger_redis.h"
#include "log.h"
#include "mem.h"

#define LEDGER_PURGE_EVERY	256	/* adds between two routine purges */
#define LEDGER_PURGE_SCAN	4096	/* entries looked at by one purge */
#define LEDGER_PURGE_ROUNDS	16	/* purges tried when the map is full */
#define LEDGER_FILE_MODE	0600	/* data.mdb, lock.mdb: this user only */
#define LEDGER_FILL_NUM		3	/* share of the map the tree may use */
#define LEDGER_FILL_DEN		4
#define LEDGER_VAL_PLAIN	8	/* value: expiry */
#define LEDGER_VAL_COUNTER	16	/* value: expiry, counter */
#define LEDGER_VAL_DATA		16	/* value: expiry, zeros, then data */

/* What one write transaction does to its key. */
struct ledger_op {
	int		 advance;	/* 0: set-if-absent; 1: compare-and-set */
	uint64_t	 expected;	/* advance: the value it must have */
	uint64_t	 next;		/* advance: the value it gets */
	const void	*data;		/* non-NULL: a put of datalen bytes */
	size_t		 datalen;
};

/* What sg_ledger_scan() collects before calling back. */
struct ledger_found {
	char		*key;
	char		*value;
	size_t		 len;
	uint64_t	 expiry;
};

struct ledger_scan {
	struct ledger_found *v;
	size_t		 n, cap;
};

enum ledger_kind {
	LEDGER_NONE,
	LEDGER_LMDB,
	LEDGER_REDIS		/* ledger_redis.c */
};

struct sg_ledger {
	enum ledger_kind kind;
	char		*dir;		/* LMDB: absolute directory */
	size_t		 map_size;
	MDB_env		*env;		/* NULL until opened (lazily) */
	MDB_dbi		 dbi;
	pid_t		 pid;		/* process that opened env */
	unsigned int	 adds;		/* adds so far, for routine purges */
	char		 purge_from[SG_LEDGER_KEY_MAX]; /* next scan start */
	size_t		 purge_from_len; /* 0: from the first key */
	struct sg_ledger_redis *redis;	/* Redis: the backend */
};

/* Writes a message into err, if there is room for one. */
static void
ledger_err(char *err, size_t errlen, const char *msg)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", msg);
}

/*
 * The LMDB folder and its files must not be open to others: they hold
 * every grant, and on shared hosting every other account's programs
 * run on the same machine.  A folder not there yet is fine (the
 * ledger heals once it is).  Returns 0, or -1 with a message in err.
 */
static int
ledger_dir_private(const char *dir, char *err, size_t errlen)
{
	static const char *const files[] = { "", "/data.mdb", "/lock.mdb" };
	struct stat	 st;
	char		 path[SG_LEDGER_DIR_MAX + 16];
	size_t		 i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", dir, files[i]);
		if (stat(path, &st) == -1)
			continue;
		if ((st.st_mode & 007) != 0) {
			if (err != NULL && errlen > 0)
				snprintf(err, errlen, "ledger: %s is open to "
				    "others (chmod %s %s)", path,
				    i == 0 ? "700" : "600", path);
			return -1;
		}
	}
	return 0;
}

struct sg_ledger *
sg_ledger_open(const char *spec, char *err, size_t errlen)
{
	struct sg_ledger	*l = NULL;
	struct sg_ledger_redis	*redis;
	const char		*dir;
	size_t			 i, len;

	if (spec == NULL) {
		ledger_err(err, errlen, "ledger: no value");
		goto done;
	}
	if (strcmp(spec, "none") == 0) {
		l = sg_xcalloc(1, sizeof(*l));
		l->kind = LEDGER_NONE;
		goto done;
	}
	if (strncmp(spec, "redis:", 6) == 0) {
		if ((redis = sg_ledger_redis_new(spec + 6, err,
		    errlen)) == NULL)
			goto done;
		l = sg_xcalloc(1, sizeof(*l));
		l->kind = LEDGER_REDIS;
		l->redis = redis;
		goto done;
	}
	if (strncmp(spec, "rediss:", 7) == 0) {
		/*
		 * TLS needs hiredis 1.0's hiredis_ssl; Debian 12 has 0.14,
		 * which has none.  Refuse rather than talk in clear to what
		 * the site meant to be protected (README: a TLS tunnel).
		 */
		ledger_err(err, errlen, "ledger: rediss (Redis over TLS) is "
		    "not supported: hiredis 0.14 has no TLS; use redis: on a "
		    "private network or through a TLS tunnel");
		goto done;
	}
	if (strncmp(spec, "lmdb:", 5) != 0) {
		ledger_err(err, errlen, "ledger: expected \"none\", "
		    "\"lmdb:/absolute/directory\" or \"redis:host:port\"");
		goto done;
	}
	dir = spec + 5;
	len = strlen(dir);
	if (dir[0] != '/') {
		ledger_err(err, errlen,
		    "ledger: lmdb needs an absolute directory");
		goto done;
	}
	if (len > SG_LEDGER_DIR_MAX) {
		ledger_err(err, errlen, "ledger: lmdb directory too long");
		goto done;
	}
	for (i = 0; i < len; i++) {
		if ((unsigned char)dir[i] < 0x20 || dir[i] == 0x7f) {
			ledger_err(err, errlen,
			    "ledger: control character in lmdb directory");
			goto done;
		}
	}
	if (ledger_dir_private(dir, err, errlen) == -1)
		goto done;
	l = sg_xcalloc(1, sizeof(*l));
	l->kind = LEDGER_LMDB;
	l->dir = sg_xstrdup(dir);
	l->map_size = SG_LEDGER_MAP_SIZE;
	ledger_err(err, errlen, "");
 done:
	return l;
}

int
sg_ledger_set_password_file(struct sg_ledger *l, const char *path,
    char *err, size_t errlen)
{
	char	*pass;

	if (l == NULL || l->kind != LEDGER_REDIS) {
		ledger_err(err, errlen, "ledger_password_file: only for a "
		    "redis ledger");
		return -1;
	}
	if ((pass = sg_file_secret(path, SG_LEDGER_PASSWORD_MAX, err,
	    errlen)) == NULL)
		return -1;
	sg_ledger_redis_set_password(l->redis, pass);
	sg_free_secret(pass);
	return 0;
}

int
sg_ledger_set_map_size(struct sg_ledger *l, size_t bytes)
{
	if (l == NULL || l->kind != LEDGER_LMDB || l->env != NULL ||
	    bytes == 0)
		return -1;
	l->map_size = bytes;
	return 0;
}

/*
 * Drops the environment so that the next operation opens it again.
 * Also right in a child after fork(): LMDB 0.9 then clears only the
 * reader slots of the calling process (none) and the child holds none
 * of the parent's fcntl locks, so the parent's environment is untouched
 * (test_used_after_fork checks this).
 */
static void
ledger_env_drop(struct sg_ledger *l)
{
	if (l->env != NULL)
		mdb_env_close(l->env);
	l->env = NULL;
}

/*
 * Makes sure l->env is open, opening it if needed.  Returns 0, or -1
 * after logging one line.
 */
static int
ledger_env(struct sg_ledger *l, const struct sg_request *req)
{
	MDB_env		*env = NULL;
	MDB_txn		*txn = NULL;
	MDB_dbi		 dbi;
	int		 rc, dead, ret = -1;

	if (l->env != NULL) {
		if (l->pid == getpid())
			return 0;
		/* Forked since: LMDB forbids using the parent's handle. */
		ledger_env_drop(l);
	}
	if ((rc = mdb_env_create(&env)) != 0)
		goto fail;
	if ((rc = mdb_env_set_mapsize(env, l->map_size)) != 0)
		goto fail;
	/*
	 * MDB_NOMETASYNC: one fsync per commit instead of two; a machine
	 * crash may lose the last transaction but never corrupts the store.
	 */
	if ((rc = mdb_env_open(env, l->dir, MDB_NOMETASYNC,
	    LEDGER_FILE_MODE)) != 0)
		goto fail;
	/* Free reader slots left by crashed processes. */
	(void)mdb_reader_check(env, &dead);
	if ((rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) != 0)
		goto fail;
	if ((rc = mdb_dbi_open(txn, NULL, 0, &dbi)) != 0)
		goto fail;
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc != 0)
		goto fail;
	l->env = env;
	l->dbi = dbi;
	l->pid = getpid();
	env = NULL;
	ret = 0;
	goto done;
 fail:
	sg_log(req, SG_LOG_ERR, "ledger: cannot open lmdb in %s: %s",
	    l->dir, mdb_strerror(rc));
 done:
	if (txn != NULL)
		mdb_txn_abort(txn);
	if (env != NULL)
		mdb_env_close(env);
	return ret;
}

/* 1..SG_LEDGER_KEY_MAX bytes of printable ASCII; *lenp gets the length. */
static int
ledger_key_ok(const char *key, size_t *lenp)
{
	size_t	 i, len;

	if (key == NULL)
		return 0;
	len = strnlen(key, SG_LEDGER_KEY_MAX + 1);
	if (len == 0 || len > SG_LEDGER_KEY_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)key[i] < 0x20 ||
		    (unsigned char)key[i] > 0x7e)
			return 0;
	*lenp = len;
	return 1;
}

/* A time as an unsigned count of seconds; before 1970 counts as 0. */
static uint64_t
ledger_time(time_t t)
{
	return t < 0 ? 0 : (uint64_t)t;
}

static void
ledger_encode(uint64_t v, unsigned char out[8])
{
	int	 i;

	for (i = 7; i >= 0; i--) {
		out[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
}

static uint64_t
ledger_decode(const unsigned char *p)
{
	uint64_t	 v = 0;
	size_t		 i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

/*
 * Whether a stored value is a live entry at now.  A value of the wrong
 * size was not written by us: count it as live (fail closed).
 */
static int
ledger_live(const MDB_val *v, time_t now)
{
	if (v->mv_size < LEDGER_VAL_PLAIN || (v->mv_size > LEDGER_VAL_PLAIN &&
	    v->mv_size < LEDGER_VAL_COUNTER) ||
	    v->mv_size > LEDGER_VAL_DATA + SG_LEDGER_VALUE_MAX)
		return 1;
	return ledger_decode(v->mv_data) > ledger_time(now);
}

/*
 * Begins a transaction, adopting a larger map size set by another
 * process (MDB_MAP_RESIZED).
 */
static int
ledger_begin(struct sg_ledger *l, unsigned int flags, MDB_txn **txn)
{
	int	 rc;

	rc = mdb_txn_begin(l->env, NULL, flags, txn);
	if (rc == MDB_MAP_RESIZED) {
		if ((rc = mdb_env_set_mapsize(l->env, 0)) == 0)
			rc = mdb_txn_begin(l->env, NULL, flags, txn);
	}
	return rc;
}

/*
 * Whether txn may add an entry: MDB_MAP_FULL once the tree (as this
 * transaction sees it) fills its share of the map, else 0.
 */
static int
ledger_room(struct sg_ledger *l, MDB_txn *txn)
{
	MDB_stat	 st;
	MDB_envinfo	 info;
	size_t		 pages;
	int		 rc;

	if ((rc = mdb_stat(txn, l->dbi, &st)) != 0)
		return rc;
	if ((rc = mdb_env_info(l->env, &info)) != 0)
		return rc;
	pages = st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages;
	if (st.ms_psize == 0 || pages >= info.me_mapsize / st.ms_psize /
	    LEDGER_FILL_DEN * LEDGER_FILL_NUM)
		return MDB_MAP_FULL;
	return 0;
}

/*
 * In txn, deletes the expired entries among at most LEDGER_PURGE_SCAN,
 * starting at l->purge_from.  The key to resume from goes into
 * next/nextlen (0: start over); the number deleted into *ndel.
 */
static int
ledger_purge_txn(struct sg_ledger *l, MDB_txn *txn, time_t now,
    char next[SG_LEDGER_KEY_MAX], size_t *nextlen, size_t *ndel)
{
	MDB_cursor	*cur = NULL;
	MDB_val		 k, v;
	size_t		 n;
	int		 rc;

	*nextlen = 0;
	*ndel = 0;
	if ((rc = mdb_cursor_open(txn, l->dbi, &cur)) != 0)
		goto done;
	if (l->purge_from_len > 0) {
		k.mv_data = l->purge_from;
		k.mv_size = l->purge_from_len;
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	} else
		rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	for (n = 0; rc == 0 && n < LEDGER_PURGE_SCAN; n++) {
		if (!ledger_live(&v, now)) {
			if ((rc = mdb_cursor_del(cur, 0)) != 0)
				goto done;
			(*ndel)++;
		}
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	if (rc == 0 && k.mv_size <= SG_LEDGER_KEY_MAX) {
		/* Stopped at the bound: resume at this key next time. */
		memcpy(next, k.mv_data, k.mv_size);
		*nextlen = k.mv_size;
	} else if (rc == MDB_NOTFOUND)
		rc = 0;		/* reached the end: start over next time */
 done:
	if (cur != NULL)
		mdb_cursor_close(cur);
	return rc;
}

/* One purge in its own write transaction; *ndel gets the count. */
static int
ledger_purge(struct sg_ledger *l, time_t now, size_t *ndel)
{
	MDB_txn		*txn = NULL;
	char		 next[SG_LEDGER_KEY_MAX];
	size_t		 nextlen;
	int		 rc;

	*ndel = 0;
	if ((rc = ledger_begin(l, 0, &txn)) != 0)
		goto done;
	if ((rc = ledger_purge_txn(l, txn, now, next, &nextlen, ndel)) != 0)
		goto done;
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc == 0) {
		memcpy(l->purge_from, next, nextlen);
		l->purge_from_len = nextlen;
	} else
		*ndel = 0;
 done:
	if (txn != NULL)
		mdb_txn_abort(txn);
	return rc;
}

/*
 * The set-if-absent or the compare-and-set of op, in one write
 * transaction (so atomic across processes), preceded by a purge when
 * purge is set.  Returns an LMDB code; on 0, *res is SG_LEDGER_OK,
 * SG_LEDGER_EXISTS or SG_LEDGER_STALE.  A counter key holding a plain
 * entry (or the reverse) gives MDB_INCOMPATIBLE.
 */
static int
ledger_put(struct sg_ledger *l, const char *key, size_t keylen,
    time_t expiry, time_t now, const struct ledger_op *op, int purge,
    enum sg_ledger_result *res)
{
	MDB_txn			*txn = NULL;
	MDB_val			 k, v;
	unsigned char		 buf[LEDGER_VAL_DATA + SG_LEDGER_VALUE_MAX];
	char			 next[SG_LEDGER_KEY_MAX];
	size_t			 nextlen = 0, ndel;
	uint64_t		 cur = 0;
	int			 rc, live;

	if ((rc = ledger_begin(l, 0, &txn)) != 0)
		goto done;
	if (purge && (rc = ledger_purge_txn(l, txn, now, next, &nextlen,
	    &ndel)) != 0)
		goto done;
	k.mv_data = (void *)(uintptr_t)key;
	k.mv_size = keylen;
	rc = mdb_get(txn, l->dbi, &k, &v);
	if (rc != 0 && rc != MDB_NOTFOUND)
		goto done;
	live = rc == 0 && ledger_live(&v, now);
	if (live && op->advance && v.mv_size != LEDGER_VAL_COUNTER) {
		rc = MDB_INCOMPATIBLE;
		goto done;
	}
	if (live && op->advance)
		cur = ledger_decode((unsigned char *)v.mv_data + 8);
	if (op->data != NULL)
		live = 0;	/* a put replaces whatever is there */
	if (live && !op->advance)
		*res = SG_LEDGER_EXISTS;
	else if (op->advance && cur != op->expected)
		*res = SG_LEDGER_STALE;
	else {
		/* A new key needs room; replacing an old one does not. */
		if (rc == MDB_NOTFOUND && (rc = ledger_room(l, txn)) != 0)
			goto done;
		rc = 0;
		*res = SG_LEDGER_OK;
		/* Already expired: nothing to remember. */
		if (ledger_time(expiry) > ledger_time(now)) {
			ledger_encode(ledger_time(expiry), buf);
			v.mv_size = LEDGER_VAL_PLAIN;
			if (op->advance) {
				ledger_encode(op->next, buf + 8);
				v.mv_size = LEDGER_VAL_COUNTER;
			} else if (op->data != NULL) {
				memset(buf + 8, 0, 8);
				memcpy(buf + LEDGER_VAL_DATA, op->data,
				    op->datalen);
				v.mv_size = LEDGER_VAL_DATA + op->datalen;
			}
			v.mv_data = buf;
			rc = mdb_put(txn, l->dbi, &k, &v, 0);
		}
	}
	if (rc == MDB_NOTFOUND)
		rc = 0;
	if (rc != 0)
		goto done;
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc == 0 && purge) {
		memcpy(l->purge_from, next, nextlen);
		l->purge_from_len = nextlen;
	}
 done:
	if (txn != NULL)
		mdb_txn_abort(txn);
	return rc;
}

/*
 * After an LMDB error: errors that leave the environment unusable
 * drop it, so that the next operation opens it afresh.
 */
static void
ledger_fail(struct sg_ledger *l, const struct sg_request *req,
    const char *what, int rc)
{
	sg_log(req, SG_LOG_ERR, "ledger: %s in %s: %s", what, l->dir,
	    mdb_strerror(rc));
	switch (rc) {
	case MDB_PANIC:
	case MDB_CORRUPTED:
	case MDB_INVALID:
	case MDB_VERSION_MISMATCH:
	case MDB_BAD_RSLOT:
	case EIO:
		ledger_env_drop(l);
		break;
	default:
		break;
	}
}

/*
 * What every operation checks first.  Returns 1 when the operation is
 * to go on with the key's length in *keylen, else 0 with its answer in
 * *res: unavailable (no ledger, an invalid key, the store unusable) or,
 * for "none", OK.
 */
static int
ledger_ready(struct sg_ledger *l, const struct sg_request *req,
    const char *key, size_t *keylen, enum sg_ledger_result *res)
{
	*res = SG_LEDGER_UNAVAILABLE;
	if (l == NULL)
		return 0;
	if (!ledger_key_ok(key, keylen)) {
		/* Never log the key: it may be derived from a secret. */
		sg_log(req, SG_LOG_ERR, "ledger: invalid key refused");
		return 0;
	}
	if (l->kind == LEDGER_NONE) {
		*res = SG_LEDGER_OK;
		return 0;
	}
	if (l->kind == LEDGER_REDIS)
		return 1;	/* connects in ledger_redis.c */
	return ledger_env(l, req) == 0;
}

/* sg_ledger_add() and sg_ledger_advance(): op on key. */
static enum sg_ledger_result
ledger_write(struct sg_ledger *l, const struct sg_request *req,
    const char *key, time_t expiry, time_t now, const struct ledger_op *op)
{
	enum sg_ledger_result	 res = SG_LEDGER_UNAVAILABLE;
	size_t			 keylen = 0, ndel;
	int			 rc, purge, dead, round;

	if (!ledger_ready(l, req, key, &keylen, &res))
		return res;
	if (l->kind == LEDGER_REDIS && op->data != NULL)
		return sg_ledger_redis_put(l->redis, req, key, keylen,
		    op->data, op->datalen, ledger_time(expiry),
		    ledger_time(now));
	if (l->kind == LEDGER_REDIS)
		return op->advance ? sg_ledger_redis_advance(l->redis, req,
		    key, keylen, op->expected, op->next, ledger_time(expiry),
		    ledger_time(now)) : sg_ledger_redis_add(l->redis, req, key,
		    keylen, ledger_time(expiry), ledger_time(now));
	purge = ++l->adds % LEDGER_PURGE_EVERY == 0;
	rc = ledger_put(l, key, keylen, expiry, now, op, purge, &res);
	if (rc == MDB_MAP_FULL) {
		/*
		 * Full: stale readers pin old pages, expired entries take
		 * room.  Free both, then retry once.
		 */
		(void)mdb_reader_check(l->env, &dead);
		for (round = 0; round < LEDGER_PURGE_ROUNDS; round++) {
			rc = ledger_purge(l, now, &ndel);
			if (rc != 0 || ndel > 0 || l->purge_from_len == 0)
				break;
		}
		if (rc == 0)
			rc = ledger_put(l, key, keylen, expiry, now, op, 0,
			    &res);
	}
	if (rc == MDB_MAP_FULL) {
		sg_log(req, SG_LOG_ERR, "ledger: %s is full of live entries; "
		    "add refused", l->dir);
		return SG_LEDGER_UNAVAILABLE;
	}
	if (rc == MDB_INCOMPATIBLE) {
		/* Our own key namespaces keep kinds apart: a bug. */
		sg_log(req, SG_LOG_ERR, "ledger: a counter and a plain entry "
		    "share a key");
		return SG_LEDGER_UNAVAILABLE;
	}
	if (rc != 0) {
		ledger_fail(l, req, "add", rc);
		return SG_LEDGER_UNAVAILABLE;
	}
	return res;
}

enum sg_ledger_result
sg_ledger_add(struct sg_ledger *l, const struct sg_request *req,
    const char *key, time_t expiry, time_t now)
{
	struct ledger_op	 op = { 0, 0, 0, NULL, 0 };

	return ledger_write(l, req, key, expiry, now, &op);
}

enum sg_ledger_result
sg_ledger_advance(struct sg_ledger *l, const struct sg_request *req,
    const char *key, uint64_t expected, uint64_t next, time_t expiry,
    time_t now)
{
	struct ledger_op	 op = { 1, expected, next, NULL, 0 };

	return ledger_write(l, req, key, expiry, now, &op);
}

/*
 * Looks key (keylen bytes, checked) up in LMDB: SG_LEDGER_OK when it is
 * absent or expired, SG_LEDGER_EXISTS when it is live, with a copy of
 * its value in *value (*len bytes, NUL-terminated; caller frees) unless
 * value is NULL, SG_LEDGER_UNAVAILABLE after logging why.
 */
static enum sg_ledger_result
ledger_lookup(struct sg_ledger *l, const struct sg_request *req,
    const char *key, size_t keylen, time_t now, char **value, size_t *len)
{
	enum sg_ledger_result	 res = SG_LEDGER_UNAVAILABLE;
	MDB_txn			*txn = NULL;
	MDB_val			 k, v;
	int			 rc;

	if ((rc = ledger_begin(l, MDB_RDONLY, &txn)) != 0)
		goto fail;
	k.mv_data = (void *)(uintptr_t)key;
	k.mv_size = keylen;
	rc = mdb_get(txn, l->dbi, &k, &v);
	if (rc == MDB_NOTFOUND || (rc == 0 && !ledger_live(&v, now))) {
		res = SG_LEDGER_OK;
		goto done;
	}
	if (rc != 0)
		goto fail;
	if (value == NULL) {
		res = SG_LEDGER_EXISTS;
		goto done;
	}
	if (v.mv_size <= LEDGER_VAL_DATA) {
		sg_log(req, SG_LOG_ERR, "ledger: a value asked of a key "
		    "holding none");
		goto done;
	}
	*len = v.mv_size - LEDGER_VAL_DATA;
	*value = sg_xmalloc(*len + 1);
	memcpy(*value, (unsigned char *)v.mv_data + LEDGER_VAL_DATA, *len);
	(*value)[*len] = '\0';
	res = SG_LEDGER_EXISTS;
	goto done;
 fail:
	if (txn != NULL) {
		mdb_txn_abort(txn);
		txn = NULL;
	}
	ledger_fail(l, req, "lookup", rc);
 done:
	if (txn != NULL)
		mdb_txn_abort(txn);
	return res;
}

enum sg_ledger_result
sg_ledger_has(struct sg_ledger *l, const struct sg_request *req,
    const char *key, time_t now)
{
	enum sg_ledger_result	 res = SG_LEDGER_UNAVAILABLE;
	size_t			 keylen = 0;

	if (!ledger_ready(l, req, key, &keylen, &res))
		return res;
	if (l->kind == LEDGER_REDIS)
		return sg_ledger_redis_has(l->redis, req, key, keylen,
		    ledger_time(now));
	return ledger_lookup(l, req, key, keylen, now, NULL, NULL);
}

enum sg_ledger_result
sg_ledger_put(struct sg_ledger *l, const struct sg_request *req,
    const char *key, const void *value, size_t len, time_t expiry,
    time_t now)
{
	struct ledger_op	 op = { 0, 0, 0, value, len };

	if (value == NULL || len == 0 || len > SG_LEDGER_VALUE_MAX) {
		sg_log(req, SG_LOG_ERR, "ledger: value of %zu bytes refused",
		    len);
		return SG_LEDGER_UNAVAILABLE;
	}
	return ledger_write(l, req, key, expiry, now, &op);
}

enum sg_ledger_result
sg_ledger_get(struct sg_ledger *l, const struct sg_request *req,
    const char *key, time_t now, char **value, size_t *len)
{
	enum sg_ledger_result	 res = SG_LEDGER_UNAVAILABLE;
	size_t			 keylen = 0;

	*value = NULL;
	*len = 0;
	if (!ledger_ready(l, req, key, &keylen, &res))
		return res;
	if (l->kind == LEDGER_REDIS)
		return sg_ledger_redis_get(l->redis, req, key, keylen,
		    ledger_time(now), value, len);
	return ledger_lookup(l, req, key, keylen, now, value, len);
}

/* Keeps a copy of one live value for sg_ledger_scan(). */
static void
ledger_found(void *arg, const char *key, size_t keylen, const char *value,
    size_t len, uint64_t expiry)
{
	struct ledger_scan	*sc = arg;
	struct ledger_found	*f;

	if (sc->n == sc->cap) {
		sc->cap = sc->cap == 0 ? 16 : sc->cap * 2;
		sc->v = sg_xrealloc(sc->v, sc->cap * sizeof(*sc->v));
	}
	f = &sc->v[sc->n++];
	f->key = sg_xstrndup(key, keylen);
	f->value = sg_xmalloc(len + 1);
	memcpy(f->value, value, len);
	f->value[len] = '\0';
	f->len = len;
	f->expiry = expiry;
}

/* LMDB: the live values under prefix, in key order (MDB_SET_RANGE). */
static int
ledger_scan_lmdb(struct sg_ledger *l, const char *prefix, size_t plen,
    time_t now, struct ledger_scan *sc)
{
	MDB_txn		*txn = NULL;
	MDB_cursor	*cur = NULL;
	MDB_val		 k, v;
	int		 rc;

	if ((rc = ledger_begin(l, MDB_RDONLY, &txn)) != 0)
		goto done;
	if ((rc = mdb_cursor_open(txn, l->dbi, &cur)) != 0)
		goto done;
	k.mv_data = (void *)(uintptr_t)prefix;
	k.mv_size = plen;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0)
			break;	/* past the prefix: keys are sorted */
		if (v.mv_size > LEDGER_VAL_DATA && ledger_live(&v, now))
			ledger_found(sc, k.mv_data, k.mv_size,
			    (char *)v.mv_data + LEDGER_VAL_DATA,
			    v.mv_size - LEDGER_VAL_DATA,
			    ledger_decode(v.mv_data));
	}
	if (rc == MDB_NOTFOUND)
		rc = 0;
 done:
	if (cur != NULL)
		mdb_cursor_close(cur);
	if (txn != NULL)
		mdb_txn_abort(txn);
	return rc;
}

enum sg_ledger_result
sg_ledger_scan(struct sg_ledger *l, const struct sg_request *req,
    const char *prefix, time_t now, sg_ledger_scan_fn fn, void *arg)
{
	enum sg_ledger_result	 res = SG_LEDGER_UNAVAILABLE;
	struct ledger_scan	 sc = { NULL, 0, 0 };
	size_t			 plen = 0, i;
	int			 rc, stop = 0;

	if (!ledger_ready(l, req, prefix, &plen, &res))
		return res;
	if (l->kind == LEDGER_REDIS) {
		if (sg_ledger_redis_scan(l->redis, req, prefix, plen,
		    ledger_time(now), ledger_found, &sc) != 0)
			goto done;
	} else if ((rc = ledger_scan_lmdb(l, prefix, plen, now, &sc)) != 0) {
		ledger_fail(l, req, "scan", rc);
		goto done;
	}
	/* The read is over: fn may write to the ledger. */
	res = SG_LEDGER_OK;
	for (i = 0; i < sc.n && !stop; i++)
		stop = fn(sc.v[i].key, sc.v[i].value, sc.v[i].len,
		    (time_t)sc.v[i].expiry, arg);
 done:
	for (i = 0; i < sc.n; i++) {
		free(sc.v[i].key);
		free(sc.v[i].value);
	}
	free(sc.v);
	return res;
}

void
sg_ledger_close(struct sg_ledger *l)
{
	if (l == NULL)
		return;
	ledger_env_drop(l);
	sg_ledger_redis_free(l->redis);
	free(l->dir);
	free(l);
}
