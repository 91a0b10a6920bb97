/*
 * The ledger on Redis (ledger_redis.h): several gateways share one
 * memory of redeemed codes, assertion jtis, refresh generations and
 * revoked grants (docs/LEDGER.md "Redis").
 *
 * One key per record, the caller's key as is (the namespaces of
 * ledger.h); the value is the expiry in decimal ("1700000060") or, for
 * a counter, the expiry and the counter ("1700000060:3"), or for a
 * value the expiry and the value's bytes ("1700000060|{...}").  Liveness is
 * judged against the caller's now, as with LMDB; the key also gets a
 * Redis expiry of (expiry - now) + SG_LEDGER_REDIS_TTL_SLACK seconds so
 * that Redis forgets it by itself (the slack: gateways whose clocks
 * differ by that much still see a record for its whole life).
 *
 * The writes are Lua scripts sent with EVAL: Redis runs a script to
 * the end before any other command (the "atomicity of scripts" in its
 * EVAL documentation), so "read, then set if absent or expired" and
 * "read, then set if it holds the expected counter" are atomic for
 * every gateway at once.  Numbers are compared as decimal strings
 * (length, then bytes) because Lua's numbers are doubles and a 64-bit
 * counter does not fit one.
 *
 * One connection per process, opened on first use (and again in a
 * child after fork()), with connect and command timeouts of
 * SG_LEDGER_REDIS_TIMEOUT_MS; any error drops it and the next call
 * connects afresh, so the gateway heals by itself once Redis is back.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/types.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "ledger_redis.h"
#include "bounds.h"
#include "log.h"
#include "mem.h"

#define REDIS_HOST_MAX	255	/* a DNS name, or an IPv6 literal */

/* What the scripts answer. */
#define REDIS_R_OK		0
#define REDIS_R_EXISTS		1
#define REDIS_R_STALE		2
#define REDIS_R_INCOMPATIBLE	(-1)

/*
 * KEYS[1] the key; ARGV[1] now, ARGV[2] expiry, ARGV[3] Redis TTL in
 * seconds.  A live entry (or a value not ours: fail closed) answers 1;
 * otherwise the entry is set, unless already expired, and 0 answered.
 */
static const char redis_add_lua[] =
"local function gt(a, b)\n"
"  if #a ~= #b then return #a > #b end\n"
"  return a > b\n"
"end\n"
"local v = redis.call('GET', KEYS[1])\n"
"if v then\n"
"  local e = string.match(v, '^(%d+)$') or string.match(v, '^(%d+):%d+$')\n"
"    or string.match(v, '^(%d+)|')\n"
"  if not e or gt(e, ARGV[1]) then return 1 end\n"
"end\n"
"if gt(ARGV[2], ARGV[1]) then\n"
"  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])\n"
"end\n"
"return 0\n";

/*
 * ARGV[4] the expected counter, ARGV[5] the next.  A live plain entry
 * (or a value not ours) under the key answers -1; a counter other than
 * expected (missing or expired: "0") answers 2; else the counter is
 * set, unless already expired, and 0 answered.
 */
static const char redis_advance_lua[] =
"local function gt(a, b)\n"
"  if #a ~= #b then return #a > #b end\n"
"  return a > b\n"
"end\n"
"local v = redis.call('GET', KEYS[1])\n"
"local cur = '0'\n"
"if v then\n"
"  local e, c = string.match(v, '^(%d+):(%d+)$')\n"
"  if not e then\n"
"    local p = string.match(v, '^(%d+)$')\n"
"    if not p or gt(p, ARGV[1]) then return -1 end\n"
"  elseif gt(e, ARGV[1]) then\n"
"    cur = c\n"
"  end\n"
"end\n"
"if cur ~= ARGV[4] then return 2 end\n"
"if gt(ARGV[2], ARGV[1]) then\n"
"  redis.call('SET', KEYS[1], ARGV[2] .. ':' .. ARGV[5], 'EX', ARGV[3])\n"
"end\n"
"return 0\n";

struct sg_ledger_redis {
	char		*host;		/* name or address, no brackets */
	int		 port;
	char		*where;		/* "host:port" as configured, for logs */
	char		*pass;		/* AUTH password or NULL */
	redisContext	*c;		/* NULL until connected */
	pid_t		 pid;		/* process that connected c */
};

static int
redis_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A port, 1..65535, exactly len decimal digits. */
static int
redis_port(const char *s, size_t len)
{
	size_t	 i;
	long	 v = 0;

	if (len == 0 || len > 5)
		return -1;
	for (i = 0; i < len; i++) {
		if (!redis_is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v >= 1 && v <= 65535 ? (int)v : -1;
}

/* A host name or IPv4 address: letters, digits, '-', '.'. */
static int
redis_hostname_ok(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0 || len > REDIS_HOST_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') || redis_is_digit(s[i]) ||
		    s[i] == '-' || s[i] == '.'))
			return 0;
	return 1;
}

/* An IPv6 literal without its brackets: hex digits, ':' and '.'. */
static int
redis_v6_ok(const char *s, size_t len)
{
	size_t	 i;

	if (len < 2 || len > REDIS_HOST_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!(redis_is_digit(s[i]) || (s[i] >= 'a' && s[i] <= 'f') ||
		    (s[i] >= 'A' && s[i] <= 'F') || s[i] == ':' ||
		    s[i] == '.'))
			return 0;
	return 1;
}

/*
 * hiredis writes with write(2): a connection Redis has closed must cost
 * one EPIPE, not the process.  The FastCGI programs ignore SIGPIPE
 * already (request.c); a tool or a test may not.  A handler of the
 * program's own is left alone.
 */
static void
redis_no_sigpipe(void)
{
	struct sigaction	 sa;

	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
		(void)signal(SIGPIPE, SIG_IGN);
}

struct sg_ledger_redis *
sg_ledger_redis_new(const char *hostport, char *err, size_t errlen)
{
	struct sg_ledger_redis	*r;
	const char		*colon, *host;
	size_t			 len, hostlen;
	int			 port;

	len = strlen(hostport);
	colon = strrchr(hostport, ':');
	if (colon == NULL || colon == hostport ||
	    (port = redis_port(colon + 1, len - (size_t)(colon + 1 -
	    hostport))) == -1)
		goto bad;
	host = hostport;
	hostlen = (size_t)(colon - hostport);
	if (host[0] == '[') {
		if (hostlen < 2 || host[hostlen - 1] != ']' ||
		    !redis_v6_ok(host + 1, hostlen - 2))
			goto bad;
		host++;
		hostlen -= 2;
	} else if (!redis_hostname_ok(host, hostlen))
		goto bad;
	r = sg_xcalloc(1, sizeof(*r));
	r->host = sg_xstrndup(host, hostlen);
	r->port = port;
	r->where = sg_xstrdup(hostport);
	redis_no_sigpipe();
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	return r;
 bad:
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "ledger: redis needs host:port (a host "
		    "name, an IPv4 address or [IPv6], and a port 1-65535)");
	return NULL;
}

void
sg_ledger_redis_set_password(struct sg_ledger_redis *r, const char *pass)
{
	sg_free_secret(r->pass);
	r->pass = pass != NULL ? sg_xstrdup(pass) : NULL;
}

/* Closes the connection; the next operation opens a new one. */
static void
redis_drop(struct sg_ledger_redis *r)
{
	if (r->c != NULL)
		redisFree(r->c);	/* in a forked child: closes its copy */
	r->c = NULL;
}

/* Makes sure r->c is connected and authenticated: 0, or -1 logged. */
static int
redis_connect(struct sg_ledger_redis *r, const struct sg_request *req)
{
	struct timeval	 tv;
	redisContext	*c;
	redisReply	*rep;
	const char	*argv[2];
	size_t		 argvlen[2];
	int		 ok;

	if (r->c != NULL) {
		if (r->pid == getpid())
			return 0;
		redis_drop(r);	/* forked since: never share a socket */
	}
	tv.tv_sec = SG_LEDGER_REDIS_TIMEOUT_MS / 1000;
	tv.tv_usec = (SG_LEDGER_REDIS_TIMEOUT_MS % 1000) * 1000;
	/* NULL only when out of memory: abort, as mem.h does. */
	if ((c = redisConnectWithTimeout(r->host, r->port, tv)) == NULL)
		abort();
	if (c->err != 0) {
		sg_log(req, SG_LOG_ERR, "ledger: redis %s: cannot connect: %s",
		    r->where, c->errstr);
		redisFree(c);
		return -1;
	}
	if (redisSetTimeout(c, tv) != REDIS_OK) {
		sg_log(req, SG_LOG_ERR, "ledger: redis %s: cannot set the "
		    "timeout: %s", r->where, c->errstr);
		redisFree(c);
		return -1;
	}
	if (r->pass != NULL) {
		argv[0] = "AUTH";
		argvlen[0] = 4;
		argv[1] = r->pass;
		argvlen[1] = strlen(r->pass);
		rep = redisCommandArgv(c, 2, argv, argvlen);
		ok = rep != NULL && rep->type == REDIS_REPLY_STATUS &&
		    strcmp(rep->str, "OK") == 0;
		/* Redis's answer names no password; hiredis's neither. */
		if (!ok)
			sg_log(req, SG_LOG_ERR, "ledger: redis %s: AUTH "
			    "refused: %s", r->where, rep == NULL ? c->errstr :
			    rep->type == REDIS_REPLY_ERROR ? rep->str :
			    "unexpected answer");
		if (rep != NULL)
			freeReplyObject(rep);
		if (!ok) {
			redisFree(c);
			return -1;
		}
	}
	r->c = c;
	r->pid = getpid();
	return 0;
}

/*
 * Runs one command on the connection (connecting first if needed).
 * Returns its reply (the caller frees it), or NULL after logging one
 * line and dropping the connection: an error reply too, since it may
 * mean a server that restarted, is loading or became a replica.
 */
static redisReply *
redis_run(struct sg_ledger_redis *r, const struct sg_request *req,
    int argc, const char **argv, const size_t *argvlen)
{
	redisReply	*rep;

	if (redis_connect(r, req) != 0)
		return NULL;
	rep = redisCommandArgv(r->c, argc, argv, argvlen);
	if (rep == NULL) {
		sg_log(req, SG_LOG_ERR, "ledger: redis %s: %s", r->where,
		    r->c->errstr[0] != '\0' ? r->c->errstr :
		    "no answer");
		redis_drop(r);
		return NULL;
	}
	if (rep->type == REDIS_REPLY_ERROR) {
		sg_log(req, SG_LOG_ERR, "ledger: redis %s: %.200s", r->where,
		    rep->str);
		freeReplyObject(rep);
		redis_drop(r);
		return NULL;
	}
	return rep;
}

/* The Redis TTL of a record: its remaining life plus the slack, capped. */
static uint64_t
redis_ttl(uint64_t expiry, uint64_t now)
{
	uint64_t	 ttl = expiry - now;	/* expiry > now: callers check */

	if (ttl > SG_LEDGER_REDIS_TTL_MAX - SG_LEDGER_REDIS_TTL_SLACK)
		return SG_LEDGER_REDIS_TTL_MAX;
	return ttl + SG_LEDGER_REDIS_TTL_SLACK;
}

/* One of the scripts with its arguments; the script's answer in *out. */
static int
redis_eval(struct sg_ledger_redis *r, const struct sg_request *req,
    const char *script, const char *key, size_t keylen, int nargs,
    const uint64_t *args, long long *out)
{
	char		 num[5][24];
	const char	*argv[9];
	size_t		 argvlen[9];
	redisReply	*rep;
	int		 i, ret = -1;

	argv[0] = "EVAL";
	argv[1] = script;
	argv[2] = "1";
	argv[3] = key;
	argvlen[3] = keylen;
	for (i = 0; i < nargs; i++) {
		snprintf(num[i], sizeof(num[i]), "%llu",
		    (unsigned long long)args[i]);
		argv[4 + i] = num[i];
	}
	for (i = 0; i < 4 + nargs; i++)
		if (i != 3)
			argvlen[i] = strlen(argv[i]);
	if ((rep = redis_run(r, req, 4 + nargs, argv, argvlen)) == NULL)
		return -1;
	if (rep->type != REDIS_REPLY_INTEGER) {
		sg_log(req, SG_LOG_ERR, "ledger: redis %s: unexpected answer "
		    "to a ledger script", r->where);
		redis_drop(r);
		goto done;
	}
	*out = rep->integer;
	ret = 0;
 done:
	freeReplyObject(rep);
	return ret;
}

enum sg_ledger_result
sg_ledger_redis_add(struct sg_ledger_redis *r, const struct sg_request *req,
    const char *key, size_t keylen, uint64_t expiry, uint64_t now)
{
	uint64_t	 args[3];
	long long	 res;

	args[0] = now;
	args[1] = expiry;
	args[2] = expiry > now ? redis_ttl(expiry, now) : 1;
	if (redis_eval(r, req, redis_add_lua, key, keylen, 3, args,
	    &res) != 0)
		return SG_LEDGER_UNAVAILABLE;
	switch (res) {
	case REDIS_R_OK:
		return SG_LEDGER_OK;
	case REDIS_R_EXISTS:
		return SG_LEDGER_EXISTS;
	default:
		sg_log(req, SG_LOG_ERR, "ledger: redis %s: unexpected answer "
		    "%lld to an add", r->where, res);
		return SG_LEDGER_UNAVAILABLE;
	}
}

enum sg_ledger_result
sg_ledger_redis_advance(struct sg_ledger_redis *r,
    const struct sg_request *req, const char *key, size_t keylen,
    uint64_t expected, uint64_t next, uint64_t expiry, uint64_t now)
{
	uint64_t	 args[5];
	long long	 res;

	args[0] = now;
	args[1] = expiry;
	args[2] = expiry > now ? redis_ttl(expiry, now) : 1;
	args[3] = expected;
	args[4] = next;
	if (redis_eval(r, req, redis_advance_lua, key, keylen, 5, args,
	    &res) != 0)
		return SG_LEDGER_UNAVAILABLE;
	switch (res) {
	case REDIS_R_OK:
		return SG_LEDGER_OK;
	case REDIS_R_STALE:
		return SG_LEDGER_STALE;
	case REDIS_R_INCOMPATIBLE:
		/* Our own key namespaces keep kinds apart: a bug. */
		sg_log(req, SG_LOG_ERR, "ledger: a counter and a plain entry "
		    "share a key");
		return SG_LEDGER_UNAVAILABLE;
	default:
		sg_log(req, SG_LOG_ERR, "ledger: redis %s: unexpected answer "
		    "%lld to an advance", r->where, res);
		return SG_LEDGER_UNAVAILABLE;
	}
}

/*
 * Parses n decimal digits at s into *v; 0, or -1 when there are none,
 * too many, or the value overflows.
 */
static int
redis_decimal(const char *s, size_t n, uint64_t *v)
{
	size_t	 i;

	*v = 0;
	if (n == 0 || n > 20)
		return -1;
	for (i = 0; i < n; i++) {
		if (!redis_is_digit(s[i]) ||
		    *v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		*v = *v * 10 + (uint64_t)(s[i] - '0');
	}
	return 0;
}

/*
 * Whether a stored value is live at now.  A value we did not write
 * counts as live (fail closed), as in the LMDB backend.
 */
static int
redis_live(const char *v, size_t len, uint64_t now)
{
	const char	*colon;
	uint64_t	 expiry, counter;
	size_t		 elen;

	if ((colon = memchr(v, '|', len)) != NULL)	/* a value */
		return redis_decimal(v, (size_t)(colon - v), &expiry) != 0 ||
		    expiry > now;
	colon = memchr(v, ':', len);
	elen = colon != NULL ? (size_t)(colon - v) : len;
	if (redis_decimal(v, elen, &expiry) != 0)
		return 1;
	if (colon != NULL && redis_decimal(colon + 1, len - elen - 1,
	    &counter) != 0)
		return 1;
	return expiry > now;
}

enum sg_ledger_result
sg_ledger_redis_has(struct sg_ledger_redis *r, const struct sg_request *req,
    const char *key, size_t keylen, uint64_t now)
{
	const char		*argv[2] = { "GET", key };
	size_t			 argvlen[2] = { 3, keylen };
	redisReply		*rep;
	enum sg_ledger_result	 res;

	if ((rep = redis_run(r, req, 2, argv, argvlen)) == NULL)
		return SG_LEDGER_UNAVAILABLE;
	if (rep->type == REDIS_REPLY_NIL)
		res = SG_LEDGER_OK;
	else if (rep->type == REDIS_REPLY_STRING)
		res = redis_live(rep->str, rep->len, now) ?
		    SG_LEDGER_EXISTS : SG_LEDGER_OK;
	else {
		sg_log(req, SG_LOG_ERR, "ledger: redis %s: unexpected answer "
		    "to GET", r->where);
		redis_drop(r);
		res = SG_LEDGER_UNAVAILABLE;
	}
	freeReplyObject(rep);
	return res;
}

enum sg_ledger_result
sg_ledger_redis_put(struct sg_ledger_redis *r, const struct sg_request *req,
    const char *key, size_t keylen, const void *value, size_t len,
    uint64_t expiry, uint64_t now)
{
	char		 val[24 + SG_LEDGER_VALUE_MAX], ttl[24];
	const char	*argv[5];
	size_t		 argvlen[5];
	redisReply	*rep;
	int		 n;

	if (expiry <= now)
		return SG_LEDGER_OK;	/* already expired: nothing to keep */
	n = snprintf(val, sizeof(val), "%llu|", (unsigned long long)expiry);
	memcpy(val + n, value, len);
	snprintf(ttl, sizeof(ttl), "%llu",
	    (unsigned long long)redis_ttl(expiry, now));
	/* A plain SET: a put replaces whatever the key held. */
	argv[0] = "SET";
	argv[1] = key;
	argv[2] = val;
	argv[3] = "EX";
	argv[4] = ttl;
	argvlen[0] = 3;
	argvlen[1] = keylen;
	argvlen[2] = (size_t)n + len;
	argvlen[3] = 2;
	argvlen[4] = strlen(ttl);
	if ((rep = redis_run(r, req, 5, argv, argvlen)) == NULL)
		return SG_LEDGER_UNAVAILABLE;
	freeReplyObject(rep);
	return SG_LEDGER_OK;
}

/*
 * Splits a stored value "expiry|bytes": 0 with *data, *datalen and
 * *expiry set, or -1 when it is not a value.
 */
static int
redis_value(const char *v, size_t len, const char **data, size_t *datalen,
    uint64_t *expiry)
{
	const char	*bar;

	if ((bar = memchr(v, '|', len)) == NULL ||
	    redis_decimal(v, (size_t)(bar - v), expiry) != 0 ||
	    len - (size_t)(bar + 1 - v) == 0 ||
	    len - (size_t)(bar + 1 - v) > SG_LEDGER_VALUE_MAX)
		return -1;
	*data = bar + 1;
	*datalen = len - (size_t)(bar + 1 - v);
	return 0;
}

enum sg_ledger_result
sg_ledger_redis_get(struct sg_ledger_redis *r, const struct sg_request *req,
    const char *key, size_t keylen, uint64_t now, char **value, size_t *len)
{
	const char		*argv[2] = { "GET", key };
	size_t			 argvlen[2] = { 3, keylen };
	redisReply		*rep;
	enum sg_ledger_result	 res = SG_LEDGER_UNAVAILABLE;
	const char		*data;
	size_t			 datalen;
	uint64_t		 expiry;

	if ((rep = redis_run(r, req, 2, argv, argvlen)) == NULL)
		return SG_LEDGER_UNAVAILABLE;
	if (rep->type == REDIS_REPLY_NIL)
		res = SG_LEDGER_OK;
	else if (rep->type != REDIS_REPLY_STRING) {
		sg_log(req, SG_LOG_ERR, "ledger: redis %s: unexpected answer "
		    "to GET", r->where);
		redis_drop(r);
	} else if (!redis_live(rep->str, rep->len, now))
		res = SG_LEDGER_OK;
	else if (redis_value(rep->str, rep->len, &data, &datalen,
	    &expiry) != 0)
		sg_log(req, SG_LOG_ERR, "ledger: a value asked of a key "
		    "holding none");
	else {
		*value = sg_xmalloc(datalen + 1);
		memcpy(*value, data, datalen);
		(*value)[datalen] = '\0';
		*len = datalen;
		res = SG_LEDGER_EXISTS;
	}
	freeReplyObject(rep);
	return res;
}

/* prefix with the glob characters of MATCH escaped, then '*'. */
static char *
redis_pattern(const char *prefix, size_t plen)
{
	char	*pat = sg_xmalloc(2 * plen + 2), *p = pat;
	size_t	 i;

	for (i = 0; i < plen; i++) {
		if (strchr("*?[]\\^-", prefix[i]) != NULL)
			*p++ = '\\';
		*p++ = prefix[i];
	}
	*p++ = '*';
	*p = '\0';
	return pat;
}

/* GETs one key found by SCAN and reports it if it is a live value. */
static int
redis_scan_one(struct sg_ledger_redis *r, const struct sg_request *req,
    const redisReply *k, uint64_t now,
    void (*found)(void *, const char *, size_t, const char *, size_t,
    uint64_t), void *arg)
{
	const char	*argv[2];
	size_t		 argvlen[2];
	redisReply	*rep;
	const char	*data;
	size_t		 datalen;
	uint64_t	 expiry;

	if (k->type != REDIS_REPLY_STRING)
		return -1;
	argv[0] = "GET";
	argvlen[0] = 3;
	argv[1] = k->str;
	argvlen[1] = k->len;
	if ((rep = redis_run(r, req, 2, argv, argvlen)) == NULL)
		return -1;
	/* Gone since the SCAN (NIL), or not a value: not reported. */
	if (rep->type == REDIS_REPLY_STRING && redis_value(rep->str,
	    rep->len, &data, &datalen, &expiry) == 0 && expiry > now)
		found(arg, k->str, k->len, data, datalen, expiry);
	freeReplyObject(rep);
	return 0;
}

int
sg_ledger_redis_scan(struct sg_ledger_redis *r, const struct sg_request *req,
    const char *prefix, size_t prefixlen, uint64_t now,
    void (*found)(void *, const char *, size_t, const char *, size_t,
    uint64_t), void *arg)
{
	char		 cursor[24] = "0", *pat;
	const char	*argv[6];
	size_t		 argvlen[6], i;
	redisReply	*rep;
	int		 ret = -1, more = 1;

	pat = redis_pattern(prefix, prefixlen);
	while (more) {
		argv[0] = "SCAN";
		argv[1] = cursor;
		argv[2] = "MATCH";
		argv[3] = pat;
		argv[4] = "COUNT";
		argv[5] = "100";
		for (i = 0; i < 6; i++)
			argvlen[i] = strlen(argv[i]);
		if ((rep = redis_run(r, req, 6, argv, argvlen)) == NULL)
			goto done;
		if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 ||
		    rep->element[0]->type != REDIS_REPLY_STRING ||
		    rep->element[0]->len >= sizeof(cursor) ||
		    rep->element[1]->type != REDIS_REPLY_ARRAY) {
			sg_log(req, SG_LOG_ERR, "ledger: redis %s: unexpected "
			    "answer to SCAN", r->where);
			freeReplyObject(rep);
			redis_drop(r);
			goto done;
		}
		memcpy(cursor, rep->element[0]->str, rep->element[0]->len);
		cursor[rep->element[0]->len] = '\0';
		more = strcmp(cursor, "0") != 0;
		for (i = 0; i < rep->element[1]->elements; i++)
			if (redis_scan_one(r, req, rep->element[1]->element[i],
			    now, found, arg) != 0) {
				freeReplyObject(rep);
				goto done;
			}
		freeReplyObject(rep);
	}
	ret = 0;
 done:
	free(pat);
	return ret;
}

void
sg_ledger_redis_free(struct sg_ledger_redis *r)
{
	if (r == NULL)
		return;
	redis_drop(r);
	sg_free_secret(r->pass);
	free(r->host);
	free(r->where);
	free(r);
}
