/*
 * Unit tests for src/ledger.c and src/ledger_redis.c: spec table, key
 * table, set-if-absent semantics, expiry, purge, sharing between
 * processes, concurrency, failing closed and healing, a full map,
 * "none".  The behavioural tests run twice, on LMDB (_i 0) and on a
 * real redis-server (_i 1) that the test starts on a free loopback
 * port and kills at the end.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "bounds.h"
#include "ledger.h"
#include "testlib.h"

#define NOW		((time_t)1700000000)
#define CONC_CHILDREN	4
#define CONC_KEYS	200
#define PATHLEN		4096
#define NOBODY		65534	/* uid/gid for the permission test as root */

static char	 tmpbase[PATHLEN];	/* mkdtemp folder of one test */
static char	 dirbuf[PATHLEN + 64];
static char	 specbuf[PATHLEN + 72];

/* A fresh temporary folder for one test. */
static const char *
tmp_make(void)
{
	const char	*t = getenv("TMPDIR");

	snprintf(tmpbase, sizeof(tmpbase), "%s/sg-ledger-XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(tmpbase));
	return tmpbase;
}

/* Removes a ledger directory (the two LMDB files, then the folder). */
static void
dir_remove(const char *dir)
{
	char	 p[PATHLEN + 32];

	snprintf(p, sizeof(p), "%s/data.mdb", dir);
	(void)unlink(p);
	snprintf(p, sizeof(p), "%s/lock.mdb", dir);
	(void)unlink(p);
	(void)rmdir(dir);
}

static const char *
spec_for(const char *dir)
{
	snprintf(specbuf, sizeof(specbuf), "lmdb:%s", dir);
	return specbuf;
}

static struct sg_ledger *
open_ok(const char *spec)
{
	struct sg_ledger	*l;
	char			 err[256];

	l = sg_ledger_open(spec, err, sizeof(err));
	ck_assert_msg(l != NULL, "open %s: %s", spec, err);
	return l;
}

static void
key_n(char *buf, size_t len, const char *prefix, int i)
{
	snprintf(buf, len, "%s%06d", prefix, i);
}

/* ---- a real redis-server for one test ---- */

struct rsrv {
	pid_t	 pid;			/* 0: not running */
	int	 port;
	char	 dir[PATHLEN];		/* its working folder */
	char	 spec[64];		/* "redis:127.0.0.1:port" */
};

static struct rsrv	 srv;		/* the current test's server */

/* A free loopback port (bound, then released). */
static int
free_port(void)
{
	int	 fd, port;

	fd = tl_bind_loopback(&port);
	ck_assert_int_ge(fd, 0);
	close(fd);
	return port;
}

/* A connection to r for the test's own commands (AUTH with pass). */
static redisContext *
rsrv_conn(const struct rsrv *r, const char *pass)
{
	struct timeval	 tv = { 1, 0 };
	redisContext	*c;
	redisReply	*rep;

	c = redisConnectWithTimeout("127.0.0.1", r->port, tv);
	if (c == NULL || c->err != 0) {
		if (c != NULL)
			redisFree(c);
		return NULL;
	}
	if (pass != NULL) {
		rep = redisCommand(c, "AUTH %s", pass);
		if (rep != NULL)
			freeReplyObject(rep);
	}
	return c;
}

/*
 * Starts redis-server on r->port (a new free one when 0) in a fresh
 * folder, without persistence, with requirepass pass when not NULL,
 * and waits until it answers PING.  It dies with the test process
 * (PR_SET_PDEATHSIG), even if an assertion ends the test early.
 */
static void
rsrv_start(struct rsrv *r, const char *pass)
{
	char		 port[16];
	const char	*argv[20];
	redisContext	*c;
	redisReply	*rep;
	int		 i, n = 0, up = 0, devnull;

	if (r->port == 0) {
		r->port = free_port();
		snprintf(r->dir, sizeof(r->dir), "%s", tmp_make());
	}
	snprintf(port, sizeof(port), "%d", r->port);
	snprintf(r->spec, sizeof(r->spec), "redis:127.0.0.1:%d", r->port);
	argv[n++] = "redis-server";
	argv[n++] = "--port";
	argv[n++] = port;
	argv[n++] = "--bind";
	argv[n++] = "127.0.0.1";
	argv[n++] = "--save";
	argv[n++] = "";
	argv[n++] = "--appendonly";
	argv[n++] = "no";
	argv[n++] = "--daemonize";
	argv[n++] = "no";
	argv[n++] = "--dir";
	argv[n++] = r->dir;
	if (pass != NULL) {
		argv[n++] = "--requirepass";
		argv[n++] = pass;
	}
	argv[n] = NULL;
	r->pid = fork();
	ck_assert_int_ge(r->pid, 0);
	if (r->pid == 0) {
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		if ((devnull = open("/dev/null", O_WRONLY)) >= 0) {
			(void)dup2(devnull, STDOUT_FILENO);
			(void)dup2(devnull, STDERR_FILENO);
		}
		execvp("redis-server", (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	for (i = 0; i < 500 && !up; i++) {
		if ((c = rsrv_conn(r, pass)) != NULL) {
			rep = redisCommand(c, "PING");
			up = rep != NULL && rep->type == REDIS_REPLY_STATUS;
			if (rep != NULL)
				freeReplyObject(rep);
			redisFree(c);
		}
		if (!up)
			tl_sleep_ms(10);
	}
	ck_assert_msg(up, "redis-server did not start on port %d "
	    "(is it installed? tools/deps.sh)", r->port);
}

/* Kills the server and waits for it; the folder stays for a restart. */
static void
rsrv_kill(struct rsrv *r)
{
	int	 st;

	if (r->pid <= 0)
		return;
	(void)kill(r->pid, SIGKILL);
	while (waitpid(r->pid, &st, 0) == -1 && errno == EINTR)
		;
	r->pid = 0;
}

static void
rsrv_stop(struct rsrv *r)
{
	char	 p[PATHLEN + 16];

	rsrv_kill(r);
	snprintf(p, sizeof(p), "%s/dump.rdb", r->dir);
	(void)unlink(p);
	(void)rmdir(r->dir);
	memset(r, 0, sizeof(*r));
}

/* Sets key to a raw value with the test's own connection. */
static void
rsrv_set(const struct rsrv *r, const char *key, const char *value)
{
	redisContext	*c;
	redisReply	*rep;

	ck_assert_ptr_nonnull(c = rsrv_conn(r, NULL));
	rep = redisCommand(c, "SET %s %s", key, value);
	ck_assert_ptr_nonnull(rep);
	freeReplyObject(rep);
	redisFree(c);
}

/* The Redis TTL of key, seconds (-2: no key, -1: no expiry). */
static long long
rsrv_ttl(const struct rsrv *r, const char *key)
{
	redisContext	*c;
	redisReply	*rep;
	long long	 ttl;

	ck_assert_ptr_nonnull(c = rsrv_conn(r, NULL));
	rep = redisCommand(c, "TTL %s", key);
	ck_assert_ptr_nonnull(rep);
	ck_assert_int_eq(rep->type, REDIS_REPLY_INTEGER);
	ttl = rep->integer;
	freeReplyObject(rep);
	redisFree(c);
	return ttl;
}

/*
 * The store for a behavioural test: an LMDB folder (0) or a fresh
 * redis-server (1).  Returns its spec (static until backend_end()).
 */
static char	 bspec[PATHLEN + 8];

static const char *
backend_begin(int redis)
{
	if (redis) {
		rsrv_start(&srv, NULL);
		snprintf(bspec, sizeof(bspec), "%s", srv.spec);
	} else
		snprintf(bspec, sizeof(bspec), "lmdb:%s", tmp_make());
	return bspec;
}

static void
backend_end(int redis)
{
	if (redis)
		rsrv_stop(&srv);
	else
		dir_remove(bspec + 5);
}

/* ---- spec table ---- */

static const char *const good_specs[] = {
	"none",
	"lmdb:/nonexistent-sg/",
	"lmdb:/var/lib/smartgate/ledger",
	"lmdb:/var/lib/smart gate/",
	"redis:localhost:6379",
	"redis:127.0.0.1:1",
	"redis:[::1]:6379",
	"redis:redis-1.internal.example:65535",
};

START_TEST(test_spec_good)
{
	struct sg_ledger	*l;
	char			 err[128] = "x";

	l = sg_ledger_open(good_specs[_i], err, sizeof(err));
	ck_assert_msg(l != NULL, "%s refused: %s", good_specs[_i], err);
	sg_ledger_close(l);
}
END_TEST

static const struct {
	const char	*spec;
	const char	*msg;		/* expected in the error */
} bad_specs[] = {
	{ NULL, "no value" },
	{ "", "expected" },
	{ "None", "expected" },
	{ "none ", "expected" },
	{ " none", "expected" },
	{ "lmdb", "expected" },
	{ "LMDB:/x", "expected" },
	{ "lmdb:", "absolute" },
	{ "lmdb:relative/dir", "absolute" },
	{ "lmdb:~/ledger", "absolute" },
	{ "lmdb:/x\n", "control" },
	{ "lmdb:/x\ty", "control" },
	{ "lmdb:/x\x7f", "control" },
	{ "redis:", "redis needs host:port" },
	{ "redis:host", "redis needs host:port" },
	{ "redis:host:", "redis needs host:port" },
	{ "redis::6379", "redis needs host:port" },
	{ "redis:h:0", "redis needs host:port" },
	{ "redis:h:65536", "redis needs host:port" },
	{ "redis:h:123456", "redis needs host:port" },
	{ "redis:h:+1", "redis needs host:port" },
	{ "redis:h:1x", "redis needs host:port" },
	{ "redis:a_b:1", "redis needs host:port" },
	{ "redis:a b:1", "redis needs host:port" },
	{ "redis:a\n:1", "redis needs host:port" },
	{ "redis:[zz]:1", "redis needs host:port" },
	{ "redis:[::1:1", "redis needs host:port" },
	{ "redis:[]:1", "redis needs host:port" },
	{ "redis:user@h:1", "redis needs host:port" },
	{ "REDIS:h:1", "expected" },
	{ "rediss:h:6379", "hiredis 0.14 has no TLS" },
	{ "rediss:", "hiredis 0.14 has no TLS" },
	{ "sqlite:/x", "expected" },
};

START_TEST(test_spec_bad)
{
	struct sg_ledger	*l;
	char			 err[128] = "";

	l = sg_ledger_open(bad_specs[_i].spec, err, sizeof(err));
	ck_assert_msg(l == NULL, "spec %d accepted", _i);
	ck_assert_msg(strstr(err, bad_specs[_i].msg) != NULL,
	    "spec %d: \"%s\" lacks \"%s\"", _i, err, bad_specs[_i].msg);
	/* No buffer for the message: still refused, no crash. */
	ck_assert_ptr_null(sg_ledger_open(bad_specs[_i].spec, NULL, 0));
}
END_TEST

START_TEST(test_spec_dir_length)
{
	struct sg_ledger	*l;
	char			*spec;
	size_t			 n = 5 + 1025;	/* "lmdb:" + a 1025-byte dir */

	spec = malloc(n + 1);
	ck_assert_ptr_nonnull(spec);
	memcpy(spec, "lmdb:/", 6);
	memset(spec + 6, 'a', n - 6);
	spec[n] = '\0';
	ck_assert_ptr_null(sg_ledger_open(spec, NULL, 0));
	spec[n - 1] = '\0';			/* 1024 bytes: the longest */
	l = sg_ledger_open(spec, NULL, 0);
	ck_assert_ptr_nonnull(l);
	sg_ledger_close(l);
	free(spec);
}
END_TEST

/* ---- key table: the same for every backend ---- */

static const char *const bad_keys[] = {
	NULL,
	"",
	"a\nb",
	"a\rb",
	"\t",
	"a\x7f",
	"caf\xc3\xa9",
	"\x80",
};

START_TEST(test_key_bad)
{
	struct sg_ledger	*l[2];
	const char		*dir;
	int			 i;

	dir = tmp_make();
	l[0] = open_ok("none");
	l[1] = open_ok(spec_for(dir));
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(sg_ledger_add(l[i], NULL, bad_keys[_i],
		    NOW + 60, NOW), SG_LEDGER_UNAVAILABLE);
		ck_assert_int_eq(sg_ledger_has(l[i], NULL, bad_keys[_i], NOW),
		    SG_LEDGER_UNAVAILABLE);
	}
	sg_ledger_close(l[0]);
	sg_ledger_close(l[1]);
	dir_remove(dir);
}
END_TEST

START_TEST(test_key_length)
{
	struct sg_ledger	*l;
	const char		*spec;
	char			 key[SG_LEDGER_KEY_MAX + 2];

	spec = backend_begin(_i);
	l = open_ok(spec);
	memset(key, 'k', sizeof(key));
	key[SG_LEDGER_KEY_MAX + 1] = '\0';	/* 256 bytes: too long */
	ck_assert_int_eq(sg_ledger_add(l, NULL, key, NOW + 60, NOW),
	    SG_LEDGER_UNAVAILABLE);
	key[SG_LEDGER_KEY_MAX] = '\0';		/* 255: the longest */
	ck_assert_int_eq(sg_ledger_add(l, NULL, key, NOW + 60, NOW),
	    SG_LEDGER_OK);
	ck_assert_int_eq(sg_ledger_has(l, NULL, key, NOW), SG_LEDGER_EXISTS);
	ck_assert_int_eq(sg_ledger_add(l, NULL, "x", NOW + 60, NOW),
	    SG_LEDGER_OK);
	ck_assert_int_eq(sg_ledger_add(l, NULL, " ~!", NOW + 60, NOW),
	    SG_LEDGER_OK);
	ck_assert_int_eq(sg_ledger_has(l, NULL, " ~!", NOW),
	    SG_LEDGER_EXISTS);
	sg_ledger_close(l);
	backend_end(_i);
}
END_TEST

/* ---- semantics ---- */

START_TEST(test_add_has)
{
	struct sg_ledger	*l;
	const char		*spec;

	spec = backend_begin(_i);
	l = open_ok(spec);
	ck_assert_int_eq(sg_ledger_has(l, NULL, "code:a", NOW), SG_LEDGER_OK);
	ck_assert_int_eq(sg_ledger_add(l, NULL, "code:a", NOW + 60, NOW),
	    SG_LEDGER_OK);
	ck_assert_int_eq(sg_ledger_add(l, NULL, "code:a", NOW + 60, NOW),
	    SG_LEDGER_EXISTS);
	/* A later expiry does not make a replay succeed either. */
	ck_assert_int_eq(sg_ledger_add(l, NULL, "code:a", NOW + 999, NOW + 1),
	    SG_LEDGER_EXISTS);
	ck_assert_int_eq(sg_ledger_has(l, NULL, "code:a", NOW),
	    SG_LEDGER_EXISTS);
	/* Keys are exact: neither a prefix nor a longer key matches. */
	ck_assert_int_eq(sg_ledger_has(l, NULL, "code:", NOW), SG_LEDGER_OK);
	ck_assert_int_eq(sg_ledger_has(l, NULL, "code:aa", NOW),
	    SG_LEDGER_OK);
	ck_assert_int_eq(sg_ledger_has(l, NULL, "code:A", NOW), SG_LEDGER_OK);
	ck_assert_int_eq(sg_ledger_add(l, NULL, "code:b", NOW + 60, NOW),
	    SG_LEDGER_OK);
	sg_ledger_close(l);

	/* Remembered across a reopen (on disk, not in the process). */
	l = open_ok(spec);
	ck_assert_int_eq(sg_ledger_has(l, NULL, "code:a", NOW),
	    SG_LEDGER_EXISTS);
	ck_assert_int_eq(sg_ledger_add(l, NULL, "code:b", NOW + 60, NOW),
	    SG_LEDGER_EXISTS);
	sg_ledger_close(l);
	backend_end(_i);
}
END_TEST

START_TEST(test_expiry)
{
	struct sg_ledger	*l;
	const char		*spec;

	spec = backend_begin(_i);
	l = open_ok(spec);
	ck_assert_int_eq(sg_ledger_add(l, NULL, "jti:c1:x", NOW + 10, NOW),
	    SG_LEDGER_OK);
	ck_assert_int_eq(sg_ledger_has(l, NULL, "jti:c1:x", NOW + 9),
	    SG_LEDGER_EXISTS);
	ck_assert_int_eq(sg_ledger_add(l, NULL, "jti:c1:x", NOW + 20, NOW + 9),
	    SG_LEDGER_EXISTS);
	/* Live while now < expiry: at expiry it is gone. */
	ck_assert_int_eq(sg_ledger_has(l, NULL, "jti:c1:x", NOW + 10),
	    SG_LEDGER_OK);
	ck_assert_int_eq(sg_ledger_add(l, NULL, "jti:c1:x", NOW + 30, NOW + 10),
	    SG_LEDGER_OK);
	/* Replaced: the new expiry holds. */
	ck_assert_int_eq(sg_ledger_has(l, NULL, "jti:c1:x", NOW + 29),
	    SG_LEDGER_EXISTS);
	ck_assert_int_eq(sg_ledger_has(l, NULL, "jti:c1:x", NOW + 30),
	    SG_LEDGER_OK);

	/* An expiry not after now is not remembered. */
	ck_assert_int_eq(sg_ledger_add(l, NULL, "dead", NOW, NOW),
	    SG_LEDGER_OK);
	ck_assert_int_eq(sg_ledger_has(l, NULL, "dead", NOW - 100),
	    SG_LEDGER_OK);
	ck_assert_int_eq(sg_ledger_add(l, NULL, "dead", NOW - 5, NOW),
	    SG_LEDGER_OK);
	ck_assert_int_eq(sg_ledger_has(l, NULL, "dead", NOW - 100),
	    SG_LEDGER_OK);

	/* Expiries far apart and before 1970 compare correctly. */
	ck_assert_int_eq(sg_ledger_add(l, NULL, "far", (time_t)INT32_MAX + 5,
	    NOW), SG_LEDGER_OK);
	ck_assert_int_eq(sg_ledger_has(l, NULL, "far", (time_t)INT32_MAX + 4),
	    SG_LEDGER_EXISTS);
	ck_assert_int_eq(sg_ledger_has(l, NULL, "far", -1), SG_LEDGER_EXISTS);
	ck_assert_int_eq(sg_ledger_add(l, NULL, "neg", -10, -20),
	    SG_LEDGER_OK);
	ck_assert_int_eq(sg_ledger_has(l, NULL, "neg", -20), SG_LEDGER_OK);
	sg_ledger_close(l);
	backend_end(_i);
}
END_TEST

/*
 * The routine purge (every 256th add) deletes expired entries: seen
 * by asking about them with an earlier clock, at which they would
 * still be live.
 */
START_TEST(test_routine_purge)
{
	struct sg_ledger	*l;
	const char		*dir;
	char			 key[32];
	int			 i;

	dir = tmp_make();
	l = open_ok(spec_for(dir));
	for (i = 0; i < 100; i++) {
		key_n(key, sizeof(key), "old", i);
		ck_assert_int_eq(sg_ledger_add(l, NULL, key, NOW + 10, NOW),
		    SG_LEDGER_OK);
	}
	for (i = 0; i < 155; i++) {
		key_n(key, sizeof(key), "new", i);
		ck_assert_int_eq(sg_ledger_add(l, NULL, key, NOW + 100,
		    NOW + 50), SG_LEDGER_OK);
	}
	/* 255 adds: nothing purged yet. */
	key_n(key, sizeof(key), "old", 0);
	ck_assert_int_eq(sg_ledger_has(l, NULL, key, NOW), SG_LEDGER_EXISTS);
	ck_assert_int_eq(sg_ledger_add(l, NULL, "the-256th", NOW + 100,
	    NOW + 50), SG_LEDGER_OK);
	for (i = 0; i < 100; i++) {
		key_n(key, sizeof(key), "old", i);
		ck_assert_int_eq(sg_ledger_has(l, NULL, key, NOW),
		    SG_LEDGER_OK);
	}
	for (i = 0; i < 155; i++) {
		key_n(key, sizeof(key), "new", i);
		ck_assert_int_eq(sg_ledger_has(l, NULL, key, NOW + 50),
		    SG_LEDGER_EXISTS);
	}
	ck_assert_int_eq(sg_ledger_has(l, NULL, "the-256th", NOW + 50),
	    SG_LEDGER_EXISTS);
	sg_ledger_close(l);
	dir_remove(dir);
}
END_TEST

/*
 * Purges resume where the last one stopped: expired entries sorted
 * after more than LEDGER_PURGE_SCAN (4096) live ones are still reached.
 */
START_TEST(test_purge_round_robin)
{
	struct sg_ledger	*l;
	const char		*dir;
	char			 key[32];
	int			 i;

	dir = tmp_make();
	l = open_ok(spec_for(dir));
	for (i = 0; i < 4200; i++) {
		key_n(key, sizeof(key), "a", i);
		ck_assert_int_eq(sg_ledger_add(l, NULL, key, NOW + 1000, NOW),
		    SG_LEDGER_OK);
	}
	for (i = 0; i < 100; i++) {
		key_n(key, sizeof(key), "b", i);
		ck_assert_int_eq(sg_ledger_add(l, NULL, key, NOW + 10, NOW),
		    SG_LEDGER_OK);
	}
	/* Three routine purges: with wrapping, they visit every entry. */
	for (i = 0; i < 3 * 256; i++) {
		key_n(key, sizeof(key), "c", i);
		ck_assert_int_eq(sg_ledger_add(l, NULL, key, NOW + 1000,
		    NOW + 50), SG_LEDGER_OK);
	}
	for (i = 0; i < 100; i++) {
		key_n(key, sizeof(key), "b", i);
		ck_assert_int_eq(sg_ledger_has(l, NULL, key, NOW),
		    SG_LEDGER_OK);
	}
	key_n(key, sizeof(key), "a", 4199);
	ck_assert_int_eq(sg_ledger_has(l, NULL, key, NOW + 50),
	    SG_LEDGER_EXISTS);
	sg_ledger_close(l);
	dir_remove(dir);
}
END_TEST

/* ---- processes ---- */

/* Waits for pid and returns its exit status, or -1 if it did not exit. */
static int
child_status(pid_t pid)
{
	int	 st;

	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Child of test_two_processes: its own ledger on the same folder. */
static int
child_share(const char *spec)
{
	struct sg_ledger	*l;
	int			 rc = 0;

	if ((l = sg_ledger_open(spec, NULL, 0)) == NULL)
		return 10;
	if (sg_ledger_has(l, NULL, "from-parent", NOW) != SG_LEDGER_EXISTS)
		rc = 11;
	else if (sg_ledger_add(l, NULL, "from-parent", NOW + 60, NOW) !=
	    SG_LEDGER_EXISTS)
		rc = 12;
	else if (sg_ledger_add(l, NULL, "from-child", NOW + 60, NOW) !=
	    SG_LEDGER_OK)
		rc = 13;
	sg_ledger_close(l);
	return rc;
}

START_TEST(test_two_processes)
{
	struct sg_ledger	*l;
	const char		*spec;
	pid_t			 pid;

	spec = backend_begin(_i);
	l = open_ok(spec);
	ck_assert_int_eq(sg_ledger_add(l, NULL, "from-parent", NOW + 60,
	    NOW), SG_LEDGER_OK);
	ck_assert_int_eq(sg_ledger_has(l, NULL, "from-child", NOW),
	    SG_LEDGER_OK);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		sg_ledger_close(l);	/* the parent's: not for the child */
		_exit(child_share(spec));
	}
	ck_assert_int_eq(child_status(pid), 0);
	ck_assert_int_eq(sg_ledger_has(l, NULL, "from-child", NOW),
	    SG_LEDGER_EXISTS);
	ck_assert_int_eq(sg_ledger_add(l, NULL, "from-child", NOW + 60, NOW),
	    SG_LEDGER_EXISTS);
	sg_ledger_close(l);
	backend_end(_i);
}
END_TEST

/*
 * A ledger opened before fork() is not reused by the child: it opens
 * its own environment, and the parent's keeps working.
 */
static int
child_inherited(struct sg_ledger *l)
{
	int	 rc = 0;

	if (sg_ledger_has(l, NULL, "k", NOW) != SG_LEDGER_EXISTS)
		rc = 40;
	else if (sg_ledger_add(l, NULL, "k", NOW + 60, NOW) !=
	    SG_LEDGER_EXISTS)
		rc = 41;
	else if (sg_ledger_add(l, NULL, "child", NOW + 60, NOW) !=
	    SG_LEDGER_OK)
		rc = 42;
	sg_ledger_close(l);
	return rc;
}

START_TEST(test_used_after_fork)
{
	struct sg_ledger	*l;
	const char		*spec;
	pid_t			 pid;

	spec = backend_begin(_i);
	l = open_ok(spec);
	ck_assert_int_eq(sg_ledger_add(l, NULL, "k", NOW + 60, NOW),
	    SG_LEDGER_OK);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(child_inherited(l));
	ck_assert_int_eq(child_status(pid), 0);
	/* The parent's environment is untouched and sees the child's key. */
	ck_assert_int_eq(sg_ledger_has(l, NULL, "k", NOW), SG_LEDGER_EXISTS);
	ck_assert_int_eq(sg_ledger_has(l, NULL, "child", NOW),
	    SG_LEDGER_EXISTS);
	ck_assert_int_eq(sg_ledger_add(l, NULL, "k2", NOW + 60, NOW),
	    SG_LEDGER_OK);
	ck_assert_int_eq(sg_ledger_add(l, NULL, "k2", NOW + 60, NOW),
	    SG_LEDGER_EXISTS);
	sg_ledger_close(l);
	backend_end(_i);
}
END_TEST

/*
 * Child of test_concurrent_add (advance 0) and test_concurrent_advance
 * (1): waits for the start signal, adds every key once, or advances it
 * from 0 to 1 (starting at a different key than its siblings) and
 * writes the index of each key it won to out, then a terminator.
 */
static int
child_race(const char *spec, int start, int n, int out, int advance)
{
	struct sg_ledger	*l;
	enum sg_ledger_result	 r;
	uint16_t		 won[CONC_KEYS + 1];
	char			 key[32], c;
	size_t			 nwon = 0;
	int			 i, k, rc = 0;

	if (read(start, &c, 1) != 0)
		return 20;
	if ((l = sg_ledger_open(spec, NULL, 0)) == NULL)
		return 21;
	for (i = 0; i < CONC_KEYS; i++) {
		k = (i + n * (CONC_KEYS / CONC_CHILDREN)) % CONC_KEYS;
		key_n(key, sizeof(key), "race", k);
		r = advance ? sg_ledger_advance(l, NULL, key, 0, 1, NOW + 600,
		    NOW) : sg_ledger_add(l, NULL, key, NOW + 600, NOW);
		if (r == SG_LEDGER_OK)
			won[nwon++] = (uint16_t)k;
		else if (r != (advance ? SG_LEDGER_STALE : SG_LEDGER_EXISTS))
			rc = 22;
	}
	won[nwon++] = UINT16_MAX;
	if (write(out, won, nwon * sizeof(won[0])) !=
	    (ssize_t)(nwon * sizeof(won[0])))
		rc = 23;
	sg_ledger_close(l);
	return rc;
}

/* Every key is won by exactly one of CONC_CHILDREN racing processes. */
static void
concurrent(int advance, int redis)
{
	struct sg_ledger	*l;
	const char		*spec;
	pid_t			 pids[CONC_CHILDREN];
	uint16_t		 buf[CONC_KEYS + 1];
	int			 wins[CONC_KEYS] = { 0 };
	int			 go[2], res[2], i, j, ends = 0;
	ssize_t			 n;
	char			 key[32];

	spec = backend_begin(redis);
	ck_assert_int_eq(pipe(go), 0);
	ck_assert_int_eq(pipe(res), 0);
	for (i = 0; i < CONC_CHILDREN; i++) {
		pids[i] = fork();
		ck_assert_int_ge(pids[i], 0);
		if (pids[i] == 0) {
			close(go[1]);
			close(res[0]);
			_exit(child_race(spec, go[0], i, res[1],
			    advance));
		}
	}
	close(go[0]);
	close(res[1]);
	close(go[1]);		/* EOF: every child starts now */
	/* Each child writes at most 402 bytes at once: atomic (PIPE_BUF). */
	while ((n = read(res[0], buf, sizeof(buf))) > 0) {
		ck_assert_int_eq(n % 2, 0);
		for (j = 0; j < n / 2; j++) {
			if (buf[j] == UINT16_MAX) {
				ends++;
				continue;
			}
			ck_assert_int_lt(buf[j], CONC_KEYS);
			wins[buf[j]]++;
		}
	}
	close(res[0]);
	for (i = 0; i < CONC_CHILDREN; i++)
		ck_assert_int_eq(child_status(pids[i]), 0);
	ck_assert_int_eq(ends, CONC_CHILDREN);
	for (i = 0; i < CONC_KEYS; i++)
		ck_assert_msg(wins[i] == 1, "key %d won %d times", i, wins[i]);

	l = open_ok(spec);
	for (i = 0; i < CONC_KEYS; i++) {
		key_n(key, sizeof(key), "race", i);
		ck_assert_int_eq(sg_ledger_has(l, NULL, key, NOW),
		    SG_LEDGER_EXISTS);
	}
	sg_ledger_close(l);
	backend_end(redis);
}

START_TEST(test_concurrent_add)
{
	concurrent(0, _i);
}
END_TEST

/* Two refreshes racing with one token: one rotation wins, never both. */
START_TEST(test_concurrent_advance)
{
	concurrent(1, _i);
}
END_TEST

/* ---- failing closed ---- */

/* Runs f with fd 2 sent to a file; returns what was written (static). */
static char	 cap_buf[4096];

static int	 cap_saved = -1;
static FILE	*cap_file;

static void
capture_start(void)
{
	cap_file = tmpfile();
	ck_assert_ptr_nonnull(cap_file);
	cap_saved = dup(STDERR_FILENO);
	ck_assert_int_ge(cap_saved, 0);
	ck_assert_int_ge(dup2(fileno(cap_file), STDERR_FILENO), 0);
}

static const char *
capture_end(void)
{
	size_t	 n;

	ck_assert_int_ge(dup2(cap_saved, STDERR_FILENO), 0);
	close(cap_saved);
	cap_saved = -1;
	rewind(cap_file);
	n = fread(cap_buf, 1, sizeof(cap_buf) - 1, cap_file);
	cap_buf[n] = '\0';
	fclose(cap_file);
	cap_file = NULL;
	return cap_buf;
}

static size_t
count_lines(const char *s)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++)
		if (*s == '\n')
			n++;
	return n;
}

START_TEST(test_missing_dir_heals)
{
	struct sg_ledger	*l;
	const char		*base, *out;

	base = tmp_make();
	snprintf(dirbuf, sizeof(dirbuf), "%s/ledger", base);
	l = open_ok(spec_for(dirbuf));	/* does not look at the disk */
	capture_start();
	ck_assert_int_eq(sg_ledger_add(l, NULL, "code:a", NOW + 60, NOW),
	    SG_LEDGER_UNAVAILABLE);
	ck_assert_int_eq(sg_ledger_has(l, NULL, "code:a", NOW),
	    SG_LEDGER_UNAVAILABLE);
	ck_assert_int_eq(sg_ledger_add(l, NULL, "code:a", NOW + 60, NOW),
	    SG_LEDGER_UNAVAILABLE);
	out = capture_end();
	/* One line per failed operation, saying why. */
	ck_assert_int_eq(count_lines(out), 3);
	ck_assert_ptr_nonnull(strstr(out, "cannot open lmdb"));
	ck_assert_ptr_nonnull(strstr(out, "No such file or directory"));
	ck_assert_ptr_null(strstr(out, "code:a"));

	ck_assert_int_eq(mkdir(dirbuf, 0700), 0);
	ck_assert_int_eq(sg_ledger_has(l, NULL, "code:a", NOW), SG_LEDGER_OK);
	ck_assert_int_eq(sg_ledger_add(l, NULL, "code:a", NOW + 60, NOW),
	    SG_LEDGER_OK);
	ck_assert_int_eq(sg_ledger_add(l, NULL, "code:a", NOW + 60, NOW),
	    SG_LEDGER_EXISTS);
	sg_ledger_close(l);
	dir_remove(dirbuf);
	dir_remove(base);
}
END_TEST

/*
 * A ledger folder or file others may open is refused at start-up, with
 * the chmod that repairs it; the group may (0750).
 */
START_TEST(test_open_to_others_refused)
{
	struct sg_ledger	*l;
	const char		*base;
	char			 err[512], file[PATHLEN + 80];
	int			 fd;

	base = tmp_make();
	snprintf(dirbuf, sizeof(dirbuf), "%s/ledger", base);
	ck_assert_int_eq(mkdir(dirbuf, 0700), 0);
	ck_assert_int_eq(chmod(dirbuf, 0705), 0);
	ck_assert_ptr_null(sg_ledger_open(spec_for(dirbuf), err, sizeof(err)));
	ck_assert_msg(strstr(err, "open to others (chmod 700") != NULL, "%s", err);
	ck_assert_int_eq(chmod(dirbuf, 0750), 0);
	l = sg_ledger_open(spec_for(dirbuf), err, sizeof(err));
	ck_assert_msg(l != NULL, "%s", err);
	sg_ledger_close(l);
	snprintf(file, sizeof(file), "%s/data.mdb", dirbuf);
	fd = open(file, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fchmod(fd, 0604), 0);
	close(fd);
	ck_assert_ptr_null(sg_ledger_open(spec_for(dirbuf), err, sizeof(err)));
	ck_assert_msg(strstr(err, "data.mdb is open to others (chmod 600")
	    != NULL, "%s", err);
	(void)unlink(file);
	snprintf(file, sizeof(file), "%s/lock.mdb", dirbuf);
	(void)unlink(file);
	ck_assert_int_eq(rmdir(dirbuf), 0);
	ck_assert_int_eq(rmdir(base), 0);
}
END_TEST

/*
 * The read-only case, run in a child: permissions do not bind root, so
 * as root the child first becomes nobody, the owner of the folder.
 */
static int
child_readonly(const char *dir, int drop)
{
	struct sg_ledger	*l;
	int			 rc = 0;

	if (drop && (setgid(NOBODY) != 0 || setuid(NOBODY) != 0))
		return 30;
	if (chmod(dir, 0500) != 0)
		return 31;
	if ((l = sg_ledger_open(spec_for(dir), NULL, 0)) == NULL)
		return 32;
	if (sg_ledger_add(l, NULL, "k", NOW + 60, NOW) !=
	    SG_LEDGER_UNAVAILABLE)
		rc = 33;
	else if (sg_ledger_has(l, NULL, "k", NOW) != SG_LEDGER_UNAVAILABLE)
		rc = 34;
	else if (chmod(dir, 0700) != 0)
		rc = 35;
	else if (sg_ledger_add(l, NULL, "k", NOW + 60, NOW) != SG_LEDGER_OK)
		rc = 36;	/* repaired: healed without a restart */
	else if (sg_ledger_has(l, NULL, "k", NOW) != SG_LEDGER_EXISTS)
		rc = 37;
	sg_ledger_close(l);
	return rc;
}

START_TEST(test_readonly_dir_heals)
{
	const char	*base;
	pid_t		 pid;
	int		 root = geteuid() == 0;

	base = tmp_make();
	snprintf(dirbuf, sizeof(dirbuf), "%s/ledger", base);
	ck_assert_int_eq(mkdir(dirbuf, 0700), 0);
	if (root) {
		ck_assert_int_eq(chmod(base, 0711), 0);
		ck_assert_int_eq(chown(dirbuf, NOBODY, NOBODY), 0);
	}
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(child_readonly(dirbuf, root));
	ck_assert_int_eq(child_status(pid), 0);
	dir_remove(dirbuf);
	dir_remove(base);
}
END_TEST

/* ---- a full map ---- */

START_TEST(test_map_full_purges)
{
	struct sg_ledger	*l;
	const char		*dir;
	char			 key[SG_LEDGER_KEY_MAX + 1];
	enum sg_ledger_result	 r;
	int			 i, n;

	dir = tmp_make();
	l = open_ok(spec_for(dir));
	ck_assert_int_eq(sg_ledger_set_map_size(l, 256 * 1024), 0);
	/* Long keys fill the map sooner. */
	memset(key, 'p', sizeof(key));
	key[SG_LEDGER_KEY_MAX] = '\0';
	for (n = 0; n < 100000; n++) {
		snprintf(key, 8, "%06d", n);
		key[6] = '-';
		r = sg_ledger_add(l, NULL, key, NOW + 10, NOW);
		if (r != SG_LEDGER_OK)
			break;
	}
	ck_assert_int_eq(r, SG_LEDGER_UNAVAILABLE);
	ck_assert_int_gt(n, 100);
	ck_assert_int_eq(sg_ledger_set_map_size(l, 1 << 20), -1);

	/* Everything still live: still full, fail closed. */
	key[6] = '=';
	ck_assert_int_eq(sg_ledger_add(l, NULL, key, NOW + 10, NOW),
	    SG_LEDGER_UNAVAILABLE);
	/* The replay check still works on a full map. */
	snprintf(key, 8, "%06d", 0);
	key[6] = '-';
	ck_assert_int_eq(sg_ledger_has(l, NULL, key, NOW), SG_LEDGER_EXISTS);
	ck_assert_int_eq(sg_ledger_add(l, NULL, key, NOW + 10, NOW),
	    SG_LEDGER_EXISTS);

	/* Later, all expired: a full map purges and retries. */
	key[6] = '#';
	ck_assert_int_eq(sg_ledger_add(l, NULL, key, NOW + 100, NOW + 50),
	    SG_LEDGER_OK);
	ck_assert_int_eq(sg_ledger_has(l, NULL, key, NOW + 50),
	    SG_LEDGER_EXISTS);
	/* And there is room again for as many as before, or nearly. */
	for (i = 0; i < n / 2; i++) {
		snprintf(key, 8, "%06d", i);
		key[6] = '+';
		ck_assert_int_eq(sg_ledger_add(l, NULL, key, NOW + 100,
		    NOW + 50), SG_LEDGER_OK);
	}
	sg_ledger_close(l);
	dir_remove(dir);
}
END_TEST

/* ---- Redis: failing closed, healing, AUTH, what it stores ---- */

/*
 * Redis stopped: every operation fails closed with one line naming the
 * server (never the key); started again on the same port: the same
 * ledger works again without being reopened.
 */
START_TEST(test_redis_down_heals)
{
	struct sg_ledger	*l;
	const char		*out;

	rsrv_start(&srv, NULL);
	l = open_ok(srv.spec);
	ck_assert_int_eq(sg_ledger_add(l, NULL, "code:a", NOW + 60, NOW),
	    SG_LEDGER_OK);
	rsrv_kill(&srv);
	capture_start();
	ck_assert_int_eq(sg_ledger_add(l, NULL, "code:b", NOW + 60, NOW),
	    SG_LEDGER_UNAVAILABLE);
	ck_assert_int_eq(sg_ledger_has(l, NULL, "code:a", NOW),
	    SG_LEDGER_UNAVAILABLE);
	ck_assert_int_eq(sg_ledger_advance(l, NULL, "rtgen:g", 0, 1,
	    NOW + 60, NOW), SG_LEDGER_UNAVAILABLE);
	out = capture_end();
	ck_assert_int_eq(count_lines(out), 3);
	ck_assert_ptr_nonnull(strstr(out, "ledger: redis 127.0.0.1:"));
	ck_assert_ptr_nonnull(strstr(out, "cannot connect"));
	ck_assert_ptr_null(strstr(out, "code:"));
	ck_assert_ptr_null(strstr(out, "rtgen:"));

	rsrv_start(&srv, NULL);		/* same port, empty: no persistence */
	ck_assert_int_eq(sg_ledger_has(l, NULL, "code:a", NOW), SG_LEDGER_OK);
	ck_assert_int_eq(sg_ledger_add(l, NULL, "code:b", NOW + 60, NOW),
	    SG_LEDGER_OK);
	ck_assert_int_eq(sg_ledger_add(l, NULL, "code:b", NOW + 60, NOW),
	    SG_LEDGER_EXISTS);
	sg_ledger_close(l);
	rsrv_stop(&srv);
}
END_TEST

/*
 * A Redis that accepts connections and never answers: each operation
 * gives up after SG_LEDGER_REDIS_TIMEOUT_MS, no hang.
 */
START_TEST(test_redis_timeout)
{
	struct sg_ledger	*l;
	struct timespec		 t0, t1;
	char			 spec[64];
	long			 ms;
	int			 fd, port;

	fd = tl_bind_loopback(&port);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(listen(fd, 16), 0);	/* never accepted */
	snprintf(spec, sizeof(spec), "redis:127.0.0.1:%d", port);
	l = open_ok(spec);
	capture_start();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(sg_ledger_add(l, NULL, "code:a", NOW + 60, NOW),
	    SG_LEDGER_UNAVAILABLE);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_ptr_nonnull(strstr(capture_end(), "ledger: redis"));
	ms = (t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000;
	ck_assert_int_ge(ms, SG_LEDGER_REDIS_TIMEOUT_MS - 50);
	ck_assert_int_lt(ms, SG_LEDGER_REDIS_TIMEOUT_MS * 3);
	sg_ledger_close(l);
	close(fd);
}
END_TEST

/* Writes a password file of mode mode in the test's folder. */
static const char *
pass_file(const char *dir, const char *name, const char *content,
    mode_t mode)
{
	FILE	*f;

	snprintf(dirbuf, sizeof(dirbuf), "%s/%s", dir, name);
	ck_assert_ptr_nonnull(f = fopen(dirbuf, "w"));
	ck_assert_int_ge(fputs(content, f), 0);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(dirbuf, mode), 0);
	return dirbuf;
}

#define PASS_RIGHT	"correct-horse-battery-staple-42"
#define PASS_WRONG	"wrong-horse-battery-staple-4242"

START_TEST(test_redis_auth)
{
	struct sg_ledger	*l;
	const char		*out;
	char			 err[256];

	rsrv_start(&srv, PASS_RIGHT);
	/* No password: Redis says NOAUTH, the ledger fails closed. */
	l = open_ok(srv.spec);
	capture_start();
	ck_assert_int_eq(sg_ledger_add(l, NULL, "code:a", NOW + 60, NOW),
	    SG_LEDGER_UNAVAILABLE);
	ck_assert_ptr_nonnull(strstr(capture_end(), "NOAUTH"));
	sg_ledger_close(l);

	/* The wrong password: refused, and never written to the log. */
	l = open_ok(srv.spec);
	ck_assert_int_eq(sg_ledger_set_password_file(l, pass_file(srv.dir,
	    "wrong", PASS_WRONG "\n", 0600), err, sizeof(err)), 0);
	capture_start();
	ck_assert_int_eq(sg_ledger_add(l, NULL, "code:a", NOW + 60, NOW),
	    SG_LEDGER_UNAVAILABLE);
	ck_assert_int_eq(sg_ledger_has(l, NULL, "code:a", NOW),
	    SG_LEDGER_UNAVAILABLE);
	out = capture_end();
	ck_assert_ptr_nonnull(strstr(out, "AUTH refused"));
	ck_assert_ptr_null(strstr(out, PASS_WRONG));
	ck_assert_ptr_null(strstr(out, PASS_RIGHT));
	sg_ledger_close(l);

	/* The right one: works, and again after a reconnection. */
	l = open_ok(srv.spec);
	ck_assert_int_eq(sg_ledger_set_password_file(l, pass_file(srv.dir,
	    "right", PASS_RIGHT "\n", 0600), err, sizeof(err)), 0);
	ck_assert_int_eq(sg_ledger_add(l, NULL, "code:a", NOW + 60, NOW),
	    SG_LEDGER_OK);
	ck_assert_int_eq(sg_ledger_add(l, NULL, "code:a", NOW + 60, NOW),
	    SG_LEDGER_EXISTS);
	rsrv_kill(&srv);
	capture_start();
	ck_assert_int_eq(sg_ledger_has(l, NULL, "code:a", NOW),
	    SG_LEDGER_UNAVAILABLE);
	(void)capture_end();
	rsrv_start(&srv, PASS_RIGHT);
	ck_assert_int_eq(sg_ledger_add(l, NULL, "code:a", NOW + 60, NOW),
	    SG_LEDGER_OK);
	sg_ledger_close(l);
	snprintf(dirbuf, sizeof(dirbuf), "%s/wrong", srv.dir);
	(void)unlink(dirbuf);
	snprintf(dirbuf, sizeof(dirbuf), "%s/right", srv.dir);
	(void)unlink(dirbuf);
	rsrv_stop(&srv);
}
END_TEST

/* The password file: a secret file, and only for a Redis ledger. */
START_TEST(test_redis_password_file)
{
	struct sg_ledger	*l;
	const char		*base, *f;
	char			 err[256] = "";

	base = tmp_make();
	l = open_ok("redis:127.0.0.1:1");
	f = pass_file(base, "open", PASS_RIGHT "\n", 0644);
	ck_assert_int_eq(sg_ledger_set_password_file(l, f, err, sizeof(err)),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, f));
	(void)unlink(f);
	f = pass_file(base, "empty", "", 0600);
	ck_assert_int_eq(sg_ledger_set_password_file(l, f, err, sizeof(err)),
	    -1);
	(void)unlink(f);
	snprintf(dirbuf, sizeof(dirbuf), "%s/missing", base);
	ck_assert_int_eq(sg_ledger_set_password_file(l, dirbuf, err,
	    sizeof(err)), -1);
	f = pass_file(base, "ok", PASS_RIGHT "\n", 0600);
	ck_assert_int_eq(sg_ledger_set_password_file(l, f, err, sizeof(err)),
	    0);
	sg_ledger_close(l);
	l = open_ok("none");
	ck_assert_int_eq(sg_ledger_set_password_file(l, f, err, sizeof(err)),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, "only for a redis ledger"));
	sg_ledger_close(l);
	ck_assert_int_eq(sg_ledger_set_password_file(NULL, f, NULL, 0), -1);
	(void)unlink(f);
	(void)rmdir(base);
}
END_TEST

/*
 * What is stored: the key as given, a Redis expiry of the remaining
 * life plus the slack, gone when Redis forgets it; a value that is not
 * ours counts as live (fail closed) and is no counter.
 */
START_TEST(test_redis_stored)
{
	struct sg_ledger	*l;
	long long		 ttl;
	time_t			 now = time(NULL);

	rsrv_start(&srv, NULL);
	l = open_ok(srv.spec);
	ck_assert_int_eq(sg_ledger_add(l, NULL, "code:t", now + 100, now),
	    SG_LEDGER_OK);
	ttl = rsrv_ttl(&srv, "code:t");
	ck_assert_int_gt(ttl, 100 + SG_LEDGER_REDIS_TTL_SLACK - 5);
	ck_assert_int_le(ttl, 100 + SG_LEDGER_REDIS_TTL_SLACK);
	ck_assert_int_eq(sg_ledger_advance(l, NULL, "rtgen:t", 0, 1,
	    now + 7776000, now), SG_LEDGER_OK);
	ck_assert_int_gt(rsrv_ttl(&srv, "rtgen:t"), 7776000);
	/* Already expired: nothing stored at all. */
	ck_assert_int_eq(sg_ledger_add(l, NULL, "code:dead", now, now),
	    SG_LEDGER_OK);
	ck_assert_int_eq(rsrv_ttl(&srv, "code:dead"), -2);
	/* The TTL is capped, however far the expiry. */
	ck_assert_int_eq(sg_ledger_add(l, NULL, "code:far",
	    (time_t)INT64_MAX, now), SG_LEDGER_OK);
	ck_assert_int_le(rsrv_ttl(&srv, "code:far"),
	    (long long)SG_LEDGER_REDIS_TTL_MAX);
	ck_assert_int_eq(sg_ledger_has(l, NULL, "code:far", now + 1000000000),
	    SG_LEDGER_EXISTS);

	/* Not ours: live for add and has, no counter for advance. */
	rsrv_set(&srv, "code:foreign", "hello");
	ck_assert_int_eq(sg_ledger_has(l, NULL, "code:foreign", now),
	    SG_LEDGER_EXISTS);
	ck_assert_int_eq(sg_ledger_add(l, NULL, "code:foreign", now + 60,
	    now), SG_LEDGER_EXISTS);
	ck_assert_int_eq(sg_ledger_advance(l, NULL, "code:foreign", 0, 1,
	    now + 60, now), SG_LEDGER_UNAVAILABLE);
	rsrv_set(&srv, "rtgen:big", "99999999999:18446744073709551615");
	ck_assert_int_eq(sg_ledger_advance(l, NULL, "rtgen:big",
	    UINT64_MAX - 1, 0, now + 60, now), SG_LEDGER_STALE);
	ck_assert_int_eq(sg_ledger_advance(l, NULL, "rtgen:big",
	    UINT64_MAX, 0, now + 60, now), SG_LEDGER_OK);
	rsrv_set(&srv, "code:overflow", "99999999999999999999999");
	ck_assert_int_eq(sg_ledger_has(l, NULL, "code:overflow", now),
	    SG_LEDGER_EXISTS);
	/* Another type under a key: an error from Redis, fail closed. */
	{
		redisContext	*c = rsrv_conn(&srv, NULL);
		redisReply	*rep;

		ck_assert_ptr_nonnull(c);
		rep = redisCommand(c, "LPUSH code:list x");
		ck_assert_ptr_nonnull(rep);
		freeReplyObject(rep);
		redisFree(c);
	}
	capture_start();
	ck_assert_int_eq(sg_ledger_add(l, NULL, "code:list", now + 60, now),
	    SG_LEDGER_UNAVAILABLE);
	ck_assert_int_eq(sg_ledger_has(l, NULL, "code:list", now),
	    SG_LEDGER_UNAVAILABLE);
	ck_assert_ptr_nonnull(strstr(capture_end(), "WRONGTYPE"));
	/* And the connection is fine again afterwards. */
	ck_assert_int_eq(sg_ledger_has(l, NULL, "code:t", now),
	    SG_LEDGER_EXISTS);
	sg_ledger_close(l);
	rsrv_stop(&srv);
}
END_TEST

/* ---- none ---- */

/*
 * The counter behind refresh rotation: compare-and-set, a missing or
 * expired key counts as 0, one record however often it advances.
 */
START_TEST(test_advance)
{
	struct sg_ledger	*l;
	const char		*spec;
	uint64_t		 i;

	spec = backend_begin(_i);
	l = open_ok(spec);
	ck_assert_int_eq(sg_ledger_advance(l, NULL, "rtgen:g", 1, 2,
	    NOW + 60, NOW), SG_LEDGER_STALE);
	ck_assert_int_eq(sg_ledger_advance(l, NULL, "rtgen:g", 0, 1,
	    NOW + 60, NOW), SG_LEDGER_OK);
	/* The same generation twice: the second is a reuse. */
	ck_assert_int_eq(sg_ledger_advance(l, NULL, "rtgen:g", 0, 1,
	    NOW + 60, NOW), SG_LEDGER_STALE);
	ck_assert_int_eq(sg_ledger_advance(l, NULL, "rtgen:g", 2, 3,
	    NOW + 60, NOW), SG_LEDGER_STALE);
	for (i = 1; i < 1000; i++)
		ck_assert_int_eq(sg_ledger_advance(l, NULL, "rtgen:g", i,
		    i + 1, NOW + 60, NOW), SG_LEDGER_OK);
	ck_assert_int_eq(sg_ledger_has(l, NULL, "rtgen:g", NOW),
	    SG_LEDGER_EXISTS);
	sg_ledger_close(l);
	/* Remembered across a reopen. */
	l = open_ok(spec);
	ck_assert_int_eq(sg_ledger_advance(l, NULL, "rtgen:g", 999, 1000,
	    NOW + 60, NOW), SG_LEDGER_STALE);
	ck_assert_int_eq(sg_ledger_advance(l, NULL, "rtgen:g", 1000, 1001,
	    NOW + 60, NOW), SG_LEDGER_OK);
	/* Expired: back to 0. */
	ck_assert_int_eq(sg_ledger_advance(l, NULL, "rtgen:g", 1001, 1002,
	    NOW + 60, NOW + 61), SG_LEDGER_STALE);
	ck_assert_int_eq(sg_ledger_advance(l, NULL, "rtgen:g", 0, 1,
	    NOW + 200, NOW + 61), SG_LEDGER_OK);
	/* A plain entry is not a counter: fail closed. */
	ck_assert_int_eq(sg_ledger_add(l, NULL, "code:x", NOW + 60, NOW),
	    SG_LEDGER_OK);
	ck_assert_int_eq(sg_ledger_advance(l, NULL, "code:x", 0, 1,
	    NOW + 60, NOW), SG_LEDGER_UNAVAILABLE);
	/* A counter is a live entry for sg_ledger_add() and _has(). */
	ck_assert_int_eq(sg_ledger_add(l, NULL, "rtgen:g", NOW + 60, NOW),
	    SG_LEDGER_EXISTS);
	ck_assert_int_eq(sg_ledger_advance(l, NULL, "bad\nkey", 0, 1,
	    NOW + 60, NOW), SG_LEDGER_UNAVAILABLE);
	sg_ledger_close(l);
	backend_end(_i);
	l = open_ok("none");
	ck_assert_int_eq(sg_ledger_advance(l, NULL, "rtgen:g", 7, 8,
	    NOW + 60, NOW), SG_LEDGER_OK);
	sg_ledger_close(l);
	ck_assert_int_eq(sg_ledger_advance(NULL, NULL, "rtgen:g", 0, 1,
	    NOW + 60, NOW), SG_LEDGER_UNAVAILABLE);
}
END_TEST

START_TEST(test_none)
{
	struct sg_ledger	*l;

	l = open_ok("none");
	/* The weaker guarantee: nothing is remembered, replays pass. */
	ck_assert_int_eq(sg_ledger_add(l, NULL, "code:a", NOW + 60, NOW),
	    SG_LEDGER_OK);
	ck_assert_int_eq(sg_ledger_add(l, NULL, "code:a", NOW + 60, NOW),
	    SG_LEDGER_OK);
	ck_assert_int_eq(sg_ledger_has(l, NULL, "code:a", NOW), SG_LEDGER_OK);
	ck_assert_int_eq(sg_ledger_set_map_size(l, 1 << 20), -1);
	sg_ledger_close(l);
	sg_ledger_close(NULL);
	ck_assert_int_eq(sg_ledger_add(NULL, NULL, "k", NOW + 1, NOW),
	    SG_LEDGER_UNAVAILABLE);
	ck_assert_int_eq(sg_ledger_has(NULL, NULL, "k", NOW),
	    SG_LEDGER_UNAVAILABLE);
}
END_TEST

/* ---- values and scans (the grant registry) ---- */

/* sg_ledger_put overwrites; sg_ledger_get reads the live value. */
START_TEST(test_put_get)
{
	struct sg_ledger	*l;
	const char		*spec;
	char			*v, big[SG_LEDGER_VALUE_MAX + 1];
	size_t			 len;

	spec = backend_begin(_i);
	l = open_ok(spec);
	ck_assert_int_eq(sg_ledger_get(l, NULL, "grant:a", NOW, &v, &len),
	    SG_LEDGER_OK);
	ck_assert_ptr_null(v);
	ck_assert_int_eq(sg_ledger_put(l, NULL, "grant:a", "{\"x\":1}", 7,
	    NOW + 60, NOW), SG_LEDGER_OK);
	ck_assert_int_eq(sg_ledger_get(l, NULL, "grant:a", NOW, &v, &len),
	    SG_LEDGER_EXISTS);
	ck_assert_uint_eq(len, 7);
	ck_assert_str_eq(v, "{\"x\":1}");
	free(v);
	/* Overwritten, with a value of every size class (8 bytes too). */
	ck_assert_int_eq(sg_ledger_put(l, NULL, "grant:a", "12345678", 8,
	    NOW + 60, NOW), SG_LEDGER_OK);
	ck_assert_int_eq(sg_ledger_get(l, NULL, "grant:a", NOW, &v, &len),
	    SG_LEDGER_EXISTS);
	ck_assert_str_eq(v, "12345678");
	free(v);
	ck_assert_int_eq(sg_ledger_put(l, NULL, "grant:a", "a|b:c", 5,
	    NOW + 60, NOW), SG_LEDGER_OK);
	ck_assert_int_eq(sg_ledger_get(l, NULL, "grant:a", NOW, &v, &len),
	    SG_LEDGER_EXISTS);
	ck_assert_str_eq(v, "a|b:c");
	free(v);
	/* A value is a live entry for sg_ledger_has and sg_ledger_add. */
	ck_assert_int_eq(sg_ledger_has(l, NULL, "grant:a", NOW),
	    SG_LEDGER_EXISTS);
	ck_assert_int_eq(sg_ledger_add(l, NULL, "grant:a", NOW + 60, NOW),
	    SG_LEDGER_EXISTS);
	/* Expired: gone for all three. */
	ck_assert_int_eq(sg_ledger_get(l, NULL, "grant:a", NOW + 60, &v,
	    &len), SG_LEDGER_OK);
	ck_assert_ptr_null(v);
	ck_assert_int_eq(sg_ledger_has(l, NULL, "grant:a", NOW + 60),
	    SG_LEDGER_OK);
	/* Remembered across a reopen. */
	sg_ledger_close(l);
	l = open_ok(spec);
	ck_assert_int_eq(sg_ledger_get(l, NULL, "grant:a", NOW + 59, &v,
	    &len), SG_LEDGER_EXISTS);
	ck_assert_str_eq(v, "a|b:c");
	free(v);
	/* Already expired: nothing stored. */
	ck_assert_int_eq(sg_ledger_put(l, NULL, "grant:b", "x", 1, NOW, NOW),
	    SG_LEDGER_OK);
	ck_assert_int_eq(sg_ledger_has(l, NULL, "grant:b", NOW - 1),
	    SG_LEDGER_OK);
	/* Sizes: 1..SG_LEDGER_VALUE_MAX. */
	memset(big, 'v', sizeof(big));
	ck_assert_int_eq(sg_ledger_put(l, NULL, "grant:c", big,
	    SG_LEDGER_VALUE_MAX, NOW + 60, NOW), SG_LEDGER_OK);
	ck_assert_int_eq(sg_ledger_get(l, NULL, "grant:c", NOW, &v, &len),
	    SG_LEDGER_EXISTS);
	ck_assert_uint_eq(len, SG_LEDGER_VALUE_MAX);
	ck_assert_int_eq(memcmp(v, big, len), 0);
	free(v);
	capture_start();
	ck_assert_int_eq(sg_ledger_put(l, NULL, "grant:c", big,
	    SG_LEDGER_VALUE_MAX + 1, NOW + 60, NOW), SG_LEDGER_UNAVAILABLE);
	ck_assert_int_eq(sg_ledger_put(l, NULL, "grant:c", big, 0, NOW + 60,
	    NOW), SG_LEDGER_UNAVAILABLE);
	ck_assert_int_eq(sg_ledger_put(l, NULL, "bad\nkey", "x", 1, NOW + 60,
	    NOW), SG_LEDGER_UNAVAILABLE);
	/* Not a value: a plain entry and a counter refuse a get. */
	ck_assert_int_eq(sg_ledger_add(l, NULL, "revoked:g", NOW + 60, NOW),
	    SG_LEDGER_OK);
	ck_assert_int_eq(sg_ledger_get(l, NULL, "revoked:g", NOW, &v, &len),
	    SG_LEDGER_UNAVAILABLE);
	ck_assert_int_eq(sg_ledger_advance(l, NULL, "rtgen:g", 0, 1,
	    NOW + 60, NOW), SG_LEDGER_OK);
	ck_assert_int_eq(sg_ledger_get(l, NULL, "rtgen:g", NOW, &v, &len),
	    SG_LEDGER_UNAVAILABLE);
	/* And a value is not a counter. */
	ck_assert_int_eq(sg_ledger_advance(l, NULL, "grant:c", 0, 1,
	    NOW + 60, NOW), SG_LEDGER_UNAVAILABLE);
	(void)capture_end();
	ck_assert_ptr_null(v);
	sg_ledger_close(l);
	backend_end(_i);
}
END_TEST

/* What test_scan's callback saw. */
struct seen {
	char	 keys[64][32];
	char	 values[64][32];
	time_t	 expiry[64];
	size_t	 n;
	size_t	 stop_after;	/* 0: never stop */
	struct sg_ledger *l;	/* non-NULL: write during the call */
};

static int
seen_one(const char *key, const char *value, size_t len, time_t expiry,
    void *arg)
{
	struct seen	*s = arg;
	char		 w[32];

	ck_assert_uint_lt(s->n, 64);
	ck_assert_uint_eq(strlen(value), len);
	snprintf(s->keys[s->n], sizeof(s->keys[0]), "%s", key);
	snprintf(s->values[s->n], sizeof(s->values[0]), "%s", value);
	s->expiry[s->n] = expiry;
	s->n++;
	/* The read is over: the ledger can be written from here. */
	snprintf(w, sizeof(w), "revoked:w%zu", s->n);
	if (s->l != NULL)
		ck_assert_int_eq(sg_ledger_add(s->l, NULL, w, NOW + 60, NOW),
		    SG_LEDGER_OK);
	return s->stop_after != 0 && s->n >= s->stop_after;
}

static int
seen_index(const struct seen *s, const char *key)
{
	size_t	 i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->keys[i], key) == 0)
			return (int)i;
	return -1;
}

/* Every live value under the prefix, once; nothing else. */
START_TEST(test_scan)
{
	struct sg_ledger	*l;
	struct seen		 s;
	char			 key[32], val[32];
	int			 i, j;

	l = open_ok(backend_begin(_i));
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(sg_ledger_scan(l, NULL, "grant:", NOW, seen_one,
	    &s), SG_LEDGER_OK);
	ck_assert_uint_eq(s.n, 0);
	for (i = 0; i < 40; i++) {
		snprintf(key, sizeof(key), "grant:g%02d", i);
		snprintf(val, sizeof(val), "v%d", i);
		/* Every fourth has expired by NOW + 10. */
		ck_assert_int_eq(sg_ledger_put(l, NULL, key, val, strlen(val),
		    NOW + (i % 4 == 0 ? 10 : 100 + i), NOW), SG_LEDGER_OK);
	}
	/* Around the prefix: other namespaces, other kinds. */
	ck_assert_int_eq(sg_ledger_put(l, NULL, "grand:x", "n", 1, NOW + 60,
	    NOW), SG_LEDGER_OK);
	ck_assert_int_eq(sg_ledger_put(l, NULL, "grant;x", "n", 1, NOW + 60,
	    NOW), SG_LEDGER_OK);
	ck_assert_int_eq(sg_ledger_put(l, NULL, "grant", "n", 1, NOW + 60,
	    NOW), SG_LEDGER_OK);
	ck_assert_int_eq(sg_ledger_add(l, NULL, "grant:plain", NOW + 60,
	    NOW), SG_LEDGER_OK);
	ck_assert_int_eq(sg_ledger_advance(l, NULL, "grant:counter", 0, 1,
	    NOW + 60, NOW), SG_LEDGER_OK);
	ck_assert_int_eq(sg_ledger_put(l, NULL, "grant*glob", "n", 1,
	    NOW + 60, NOW), SG_LEDGER_OK);

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(sg_ledger_scan(l, NULL, "grant:", NOW + 10,
	    seen_one, &s), SG_LEDGER_OK);
	ck_assert_uint_eq(s.n, 30);
	for (i = 0; i < 40; i++) {
		snprintf(key, sizeof(key), "grant:g%02d", i);
		j = seen_index(&s, key);
		if (i % 4 == 0) {
			ck_assert_int_eq(j, -1);
			continue;
		}
		ck_assert_int_ge(j, 0);
		snprintf(val, sizeof(val), "v%d", i);
		ck_assert_str_eq(s.values[j], val);
		ck_assert_int_eq(s.expiry[j], NOW + 100 + i);
	}
	/* LMDB: in key order. */
	for (i = 1; _i == 0 && i < (int)s.n; i++)
		ck_assert_int_lt(strcmp(s.keys[i - 1], s.keys[i]), 0);
	/* A glob character in the prefix is a character (Redis MATCH). */
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(sg_ledger_scan(l, NULL, "grant*", NOW, seen_one,
	    &s), SG_LEDGER_OK);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_str_eq(s.keys[0], "grant*glob");
	/* The callback stops the scan, and may write. */
	memset(&s, 0, sizeof(s));
	s.stop_after = 3;
	s.l = l;
	ck_assert_int_eq(sg_ledger_scan(l, NULL, "grant:g", NOW, seen_one,
	    &s), SG_LEDGER_OK);
	ck_assert_uint_eq(s.n, 3);
	ck_assert_int_eq(sg_ledger_has(l, NULL, "revoked:w3", NOW),
	    SG_LEDGER_EXISTS);
	capture_start();
	ck_assert_int_eq(sg_ledger_scan(l, NULL, "", NOW, seen_one, &s),
	    SG_LEDGER_UNAVAILABLE);
	(void)capture_end();
	sg_ledger_close(l);
	backend_end(_i);
}
END_TEST

/* More keys than one Redis SCAN batch (COUNT 100): all are found. */
START_TEST(test_scan_many)
{
	struct sg_ledger	*l;
	struct seen		 s;
	char			 key[32];
	int			 i;

	l = open_ok(backend_begin(_i));
	for (i = 0; i < 500; i++) {
		snprintf(key, sizeof(key), "%s%03d", i % 10 == 0 ? "grant:" :
		    "code:", i);
		ck_assert_int_eq(sg_ledger_put(l, NULL, key, "v", 1,
		    NOW + 60, NOW), SG_LEDGER_OK);
	}
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(sg_ledger_scan(l, NULL, "grant:", NOW, seen_one,
	    &s), SG_LEDGER_OK);
	ck_assert_uint_eq(s.n, 50);
	for (i = 0; i < 500; i += 10) {
		snprintf(key, sizeof(key), "grant:%03d", i);
		ck_assert_int_ge(seen_index(&s, key), 0);
	}
	sg_ledger_close(l);
	backend_end(_i);
}
END_TEST

/* Values fail closed like everything else, and "none" keeps nothing. */
START_TEST(test_values_fail_closed)
{
	struct sg_ledger	*l;
	struct seen		 s;
	const char		*base;
	char			*v;
	size_t			 len;

	memset(&s, 0, sizeof(s));
	if (_i) {
		rsrv_start(&srv, NULL);
		l = open_ok(srv.spec);
		rsrv_kill(&srv);
	} else {
		base = tmp_make();
		snprintf(dirbuf, sizeof(dirbuf), "%s/ledger", base);
		l = open_ok(spec_for(dirbuf));
	}
	capture_start();
	ck_assert_int_eq(sg_ledger_put(l, NULL, "grant:a", "x", 1, NOW + 60,
	    NOW), SG_LEDGER_UNAVAILABLE);
	ck_assert_int_eq(sg_ledger_get(l, NULL, "grant:a", NOW, &v, &len),
	    SG_LEDGER_UNAVAILABLE);
	ck_assert_ptr_null(v);
	ck_assert_int_eq(sg_ledger_scan(l, NULL, "grant:", NOW, seen_one,
	    &s), SG_LEDGER_UNAVAILABLE);
	(void)capture_end();
	ck_assert_uint_eq(s.n, 0);
	sg_ledger_close(l);
	if (_i)
		rsrv_stop(&srv);
	else
		(void)rmdir(tmpbase);

	l = open_ok("none");
	ck_assert_int_eq(sg_ledger_put(l, NULL, "grant:a", "x", 1, NOW + 60,
	    NOW), SG_LEDGER_OK);
	ck_assert_int_eq(sg_ledger_get(l, NULL, "grant:a", NOW, &v, &len),
	    SG_LEDGER_OK);
	ck_assert_ptr_null(v);
	ck_assert_int_eq(sg_ledger_scan(l, NULL, "grant:", NOW, seen_one,
	    &s), SG_LEDGER_OK);
	ck_assert_uint_eq(s.n, 0);
	sg_ledger_close(l);
	ck_assert_int_eq(sg_ledger_scan(NULL, NULL, "grant:", NOW, seen_one,
	    &s), SG_LEDGER_UNAVAILABLE);
}
END_TEST

static Suite *
ledger_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("ledger");

	tc = tcase_create("spec");
	tcase_add_loop_test(tc, test_spec_good, 0,
	    sizeof(good_specs) / sizeof(good_specs[0]));
	tcase_add_loop_test(tc, test_spec_bad, 0,
	    sizeof(bad_specs) / sizeof(bad_specs[0]));
	tcase_add_test(tc, test_spec_dir_length);
	suite_add_tcase(s, tc);

	/* Loop tests over the backends: 0 LMDB, 1 Redis. */
	tc = tcase_create("keys");
	tcase_add_loop_test(tc, test_key_bad, 0,
	    sizeof(bad_keys) / sizeof(bad_keys[0]));
	tcase_add_loop_test(tc, test_key_length, 0, 2);
	suite_add_tcase(s, tc);

	tc = tcase_create("semantics");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_add_has, 0, 2);
	tcase_add_loop_test(tc, test_expiry, 0, 2);
	tcase_add_test(tc, test_routine_purge);
	tcase_add_test(tc, test_purge_round_robin);
	tcase_add_test(tc, test_none);
	tcase_add_loop_test(tc, test_advance, 0, 2);
	tcase_add_loop_test(tc, test_put_get, 0, 2);
	tcase_add_loop_test(tc, test_scan, 0, 2);
	tcase_add_loop_test(tc, test_scan_many, 0, 2);
	tcase_add_loop_test(tc, test_values_fail_closed, 0, 2);
	suite_add_tcase(s, tc);

	tc = tcase_create("processes");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_two_processes, 0, 2);
	tcase_add_loop_test(tc, test_used_after_fork, 0, 2);
	tcase_add_loop_test(tc, test_concurrent_add, 0, 2);
	tcase_add_loop_test(tc, test_concurrent_advance, 0, 2);
	suite_add_tcase(s, tc);

	tc = tcase_create("redis");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_redis_down_heals);
	tcase_add_test(tc, test_redis_timeout);
	tcase_add_test(tc, test_redis_auth);
	tcase_add_test(tc, test_redis_password_file);
	tcase_add_test(tc, test_redis_stored);
	suite_add_tcase(s, tc);

	tc = tcase_create("fail-closed");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_missing_dir_heals);
	tcase_add_test(tc, test_readonly_dir_heals);
	tcase_add_test(tc, test_open_to_others_refused);
	tcase_add_test(tc, test_map_full_purges);
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	return tl_run(ledger_suite());
}
