/*
 * Unit tests for proc.c: loading the process data from the file named
 * by SMARTGATE_CONF, with and without clients, ledger and user mapping,
 * and the gateway's own upstream credential.  Each test writes its
 * files into a temporary directory (an RSA key made here, a master key
 * file) and reads the log from stderr, pointed at a temporary file.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "b64.h"
#include "identity.h"
#include "proc.h"
#include "testlib.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static char	 dir[] = "/tmp/sg_test_proc.XXXXXX";
static char	 key_path[4096], master_path[4096], conf_path[4096];
static struct tl_capture cap;

/* Files the tests may write into dir, removed at the end. */
static const char *const file_names[] = {
	"sign.pem", "master.key", "smartgate.conf", "clients.json",
	"token", "map.json",
};

/* dir/name into buf; returns buf. */
static const char *
in_dir(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
	return buf;
}

/* Writes text to path with exactly mode. */
static void
put_file(const char *path, const char *text, size_t len, mode_t mode)
{
	int	 fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
}

/*
 * Writes text to dir/name with exactly mode; returns the path (a static
 * buffer, valid until the next call; write_conf() does not touch it).
 */
static const char *
write_file(const char *name, const char *text, size_t len, mode_t mode)
{
	static char	 p[4096];

	put_file(in_dir(p, sizeof(p), name), text, len, mode);
	return p;
}

/*
 * Writes the configuration: the required settings, then the extra
 * lines given (printf-style), and points SMARTGATE_CONF at it.
 */
static void
write_conf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
write_conf(const char *fmt, ...)
{
	char		 extra[4096], text[8192];
	va_list		 ap;
	int		 n;

	va_start(ap, fmt);
	n = vsnprintf(extra, sizeof(extra), fmt, ap);
	va_end(ap);
	ck_assert(n >= 0 && (size_t)n < sizeof(extra));
	n = snprintf(text, sizeof(text),
	    "public_url https://gw.example.org\n"
	    "upstream_fhir https://fhir.example.org/r4\n"
	    "signing_key %s\n"
	    "master_key_file %s\n"
	    "templates_dir %s\n"
	    "%s", key_path, master_path, dir, extra);
	ck_assert(n >= 0 && (size_t)n < sizeof(text));
	put_file(conf_path, text, (size_t)n, 0644);
	ck_assert_int_eq(setenv("SMARTGATE_CONF", conf_path, 1), 0);
}

/* sg_proc_load with stderr captured into *log (caller frees). */
static int
load(struct sg_proc *p, const char *program, unsigned need, char **log)
{
	int	 rc;

	tl_capture_begin(&cap, STDERR_FILENO);
	rc = sg_proc_load(p, program, need);
	*log = tl_capture_end(&cap);
	return rc;
}

static void
assert_zeroed(const struct sg_proc *p)
{
	static const struct sg_proc	 zero;

	ck_assert(memcmp(p, &zero, sizeof(zero)) == 0);
}

/* A failure: -1, the struct cleared, and each string in the log. */
static void
assert_fails(unsigned need, const char *want1, const char *want2)
{
	struct sg_proc	 p;
	char		*log;

	ck_assert_int_eq(load(&p, "token", need, &log), -1);
	assert_zeroed(&p);
	ck_assert_msg(strstr(log, "smartgate[token]") != NULL, "%s", log);
	ck_assert_msg(strstr(log, want1) != NULL, "want \"%s\" in: %s", want1,
	    log);
	if (want2 != NULL)
		ck_assert_msg(strstr(log, want2) != NULL,
		    "want \"%s\" in: %s", want2, log);
	free(log);
	sg_proc_free(&p);
	assert_zeroed(&p);
}

START_TEST(test_load_minimal)
{
	struct sg_proc	 p;
	char		*log, *url;

	write_conf("%s", "");
	ck_assert_msg(load(&p, "metadata", 0, &log) == 0, "%s", log);
	free(log);
	ck_assert_ptr_nonnull(p.cfg);
	ck_assert_ptr_nonnull(p.keys);
	ck_assert_ptr_null(p.clients);
	ck_assert_ptr_null(p.ledger);
	ck_assert_ptr_null(p.identity);
	ck_assert_ptr_nonnull(p.fhir_headers[0]);
	ck_assert_str_eq(p.fhir_headers[0], "Accept: application/fhir+json");
	ck_assert_ptr_null(p.fhir_headers[1]);
	ck_assert_ptr_null(p.fhir_headers[2]);
	ck_assert_ptr_null(p.upstream_auth);

	url = sg_proc_auth_url(&p, "/token");
	ck_assert_str_eq(url, "https://gw.example.org/auth/token");
	free(url);
	url = sg_proc_auth_url(&p, "");
	ck_assert_str_eq(url, "https://gw.example.org/auth");
	free(url);

	sg_proc_free(&p);
	assert_zeroed(&p);
	sg_proc_free(&p);
	assert_zeroed(&p);
}
END_TEST

START_TEST(test_auth_url_paths)
{
	struct sg_proc	 p;
	char		*log, *url;

	write_conf("auth_path /oauth2/v1\n");
	ck_assert_msg(load(&p, "metadata", 0, &log) == 0, "%s", log);
	free(log);
	url = sg_proc_auth_url(&p, "/authorize");
	ck_assert_str_eq(url, "https://gw.example.org/oauth2/v1/authorize");
	free(url);
	sg_proc_free(&p);
}
END_TEST

START_TEST(test_free_zeroed)
{
	struct sg_proc	 p;

	memset(&p, 0, sizeof(p));
	sg_proc_free(&p);
	assert_zeroed(&p);
	sg_proc_free(&p);
	assert_zeroed(&p);
}
END_TEST

START_TEST(test_no_conf)
{
	unsetenv("SMARTGATE_CONF");
	assert_fails(0, "SMARTGATE_CONF", NULL);
	setenv("SMARTGATE_CONF", "", 1);
	assert_fails(0, "SMARTGATE_CONF", NULL);
	/* A file that does not exist. */
	setenv("SMARTGATE_CONF", "/nonexistent/smartgate.conf", 1);
	assert_fails(0, "/nonexistent/smartgate.conf", NULL);
}
END_TEST

START_TEST(test_bad_keys)
{
	char	 p[4096];

	write_conf("%s", "");
	/* The master key file readable by others. */
	ck_assert_int_eq(chmod(master_path, 0644), 0);
	assert_fails(0, master_path, NULL);
	ck_assert_int_eq(chmod(master_path, 0600), 0);
	/* A signing key file that is missing. */
	ck_assert_int_eq(rename(key_path, in_dir(p, sizeof(p), "moved")), 0);
	assert_fails(0, key_path, NULL);
	ck_assert_int_eq(rename(p, key_path), 0);
}
END_TEST

START_TEST(test_clients)
{
	static const char	 good[] = "[{\"client_id\":\"demo-app\","
	    "\"token_endpoint_auth_method\":\"none\",\"scope\":\"openid\","
	    "\"redirect_uris\":[\"https://app.example/cb\"]}]";
	struct sg_proc		 p;
	const char		*path;
	char			*log;

	/* Without clients_file: refused by a program that needs it. */
	write_conf("%s", "");
	assert_fails(SG_NEED_CLIENTS, "clients_file", "token");
	ck_assert_msg(load(&p, "metadata", 0, &log) == 0, "%s", log);
	free(log);
	sg_proc_free(&p);

	path = write_file("clients.json", good, sizeof(good) - 1, 0644);
	write_conf("clients_file %s\n", path);
	ck_assert_msg(load(&p, "token", SG_NEED_CLIENTS, &log) == 0, "%s",
	    log);
	free(log);
	ck_assert_ptr_nonnull(p.clients);
	ck_assert_ptr_null(p.ledger);
	ck_assert_ptr_null(p.identity);
	sg_proc_free(&p);
	assert_zeroed(&p);

	/* Not needed: not loaded. */
	ck_assert_msg(load(&p, "metadata", 0, &log) == 0, "%s", log);
	free(log);
	ck_assert_ptr_null(p.clients);
	sg_proc_free(&p);

	/* A broken registry names its file. */
	path = write_file("clients.json", "[{", 2, 0644);
	assert_fails(SG_NEED_CLIENTS, path, NULL);
}
END_TEST

START_TEST(test_ledger)
{
	struct sg_proc	 p;
	char		*log, path[4200];

	write_conf("ledger lmdb:%s/ledger\n", dir);
	ck_assert_msg(load(&p, "token", SG_NEED_LEDGER, &log) == 0, "%s",
	    log);
	free(log);
	ck_assert_ptr_nonnull(p.ledger);
	ck_assert_ptr_null(p.clients);
	ck_assert_ptr_null(p.identity);
	sg_proc_free(&p);
	assert_zeroed(&p);

	/* Redis: nothing connects before the first request. */
	write_conf("ledger redis:127.0.0.1:6379\n");
	ck_assert_msg(load(&p, "token", SG_NEED_LEDGER, &log) == 0, "%s",
	    log);
	free(log);
	ck_assert_ptr_nonnull(p.ledger);
	sg_proc_free(&p);
	/* Its password file is read at load, a secret file. */
	snprintf(path, sizeof(path), "%s/redis.pass", dir);
	put_file(path, "pw-0123456789\n", 14, 0600);
	write_conf("ledger redis:127.0.0.1:6379\nledger_password_file %s\n",
	    path);
	ck_assert_msg(load(&p, "token", SG_NEED_LEDGER, &log) == 0, "%s",
	    log);
	free(log);
	sg_proc_free(&p);
	put_file(path, "pw-0123456789\n", 14, 0644);
	assert_fails(SG_NEED_LEDGER, "redis.pass", NULL);
	(void)unlink(path);
	/* Parsed by the configuration, refused by the ledger: no TLS. */
	write_conf("ledger rediss:127.0.0.1:6379\n");
	assert_fails(SG_NEED_LEDGER, "rediss", "no TLS");
	/* Not needed: not opened. */
	ck_assert_msg(load(&p, "metadata", 0, &log) == 0, "%s", log);
	free(log);
	ck_assert_ptr_null(p.ledger);
	sg_proc_free(&p);
}
END_TEST

START_TEST(test_identity)
{
	static const char	 map[] = "{\"alice\":\"Patient/123\"}";
	static const char	 bad[] = "{\"bob\":\"Observation/1\"}";
	struct sg_proc		 p;
	const char		*path;
	char			*log, *who;

	/* No user_map_file: an identity without mapping. */
	write_conf("%s", "");
	ck_assert_msg(load(&p, "callback", SG_NEED_IDENTITY, &log) == 0,
	    "%s", log);
	free(log);
	ck_assert_ptr_nonnull(p.identity);
	ck_assert_ptr_null(sg_identity_fhir_user(p.identity, "alice", NULL));
	sg_proc_free(&p);

	path = write_file("map.json", map, sizeof(map) - 1, 0644);
	write_conf("user_map_file %s\n", path);
	ck_assert_msg(load(&p, "callback", SG_NEED_IDENTITY |
	    SG_NEED_LEDGER, &log) == 0, "%s", log);
	free(log);
	ck_assert_ptr_nonnull(p.identity);
	ck_assert_ptr_nonnull(p.ledger);
	who = sg_identity_fhir_user(p.identity, "alice", NULL);
	ck_assert_ptr_nonnull(who);
	ck_assert_str_eq(who, "Patient/123");
	free(who);
	sg_proc_free(&p);
	assert_zeroed(&p);

	path = write_file("map.json", bad, sizeof(bad) - 1, 0644);
	assert_fails(SG_NEED_IDENTITY, path, "\"bob\"");
}
END_TEST

/* upstream_fhir_token_file contents and modes. */
static const struct {
	const char	*text;
	size_t		 len;		/* 0: strlen(text) */
	mode_t		 mode;
	const char	*header;	/* NULL: refused */
	const char	*why;		/* in the message when refused */
} token_table[] = {
	{ "tok-123.abc_~+/=", 0, 0600, "Authorization: Bearer tok-123.abc_~+/=",
	    NULL },
	{ "tok\n", 0, 0600, "Authorization: Bearer tok", NULL },
	{ "tok\r\n", 0, 0400, "Authorization: Bearer tok", NULL },
	{ "tok\n\n", 0, 0600, "Authorization: Bearer tok", NULL },
	/* Readable or writable by group or others: the 077 deny mask. */
	{ "tok\n", 0, 0644, NULL, NULL },
	{ "tok\n", 0, 0640, NULL, NULL },
	{ "tok\n", 0, 0604, NULL, NULL },
	{ "tok\n", 0, 0620, NULL, NULL },
	{ "tok\n", 0, 0602, NULL, NULL },
	/* Not one line of visible ASCII. */
	{ "", 0, 0600, NULL, "visible ASCII" },
	{ "\n", 0, 0600, NULL, "visible ASCII" },
	{ "\r\n", 0, 0600, NULL, "visible ASCII" },
	{ "a b", 0, 0600, NULL, "visible ASCII" },
	{ "a b\n", 0, 0600, NULL, "visible ASCII" },
	{ " tok\n", 0, 0600, NULL, "visible ASCII" },
	{ "tok \n", 0, 0600, NULL, "visible ASCII" },
	{ "tok\t\n", 0, 0600, NULL, "visible ASCII" },
	{ "tok\nmore\n", 0, 0600, NULL, "visible ASCII" },
	{ "tok\rmore", 0, 0600, NULL, "visible ASCII" },
	{ "to\0k", 4, 0600, NULL, "visible ASCII" },
	{ "tok\x7f", 0, 0600, NULL, "visible ASCII" },
	{ "tok\x01", 0, 0600, NULL, "visible ASCII" },
	{ "t\xc3\xb6k", 0, 0600, NULL, "visible ASCII" },
};

START_TEST(test_upstream_token)
{
	struct sg_proc	 p;
	const char	*path;
	char		*log;
	size_t		 len;

	len = token_table[_i].len != 0 ? token_table[_i].len :
	    strlen(token_table[_i].text);
	path = write_file("token", token_table[_i].text, len,
	    token_table[_i].mode);
	write_conf("upstream_fhir_token_file %s\n", path);
	if (token_table[_i].header == NULL) {
		/*
		 * A file that cannot be read is named; one that holds no
		 * token is reported against the setting.
		 */
		if (token_table[_i].why == NULL)
			assert_fails(0, path, NULL);
		else
			assert_fails(0, "upstream_fhir_token_file",
			    token_table[_i].why);
		return;
	}
	ck_assert_msg(load(&p, "fhir", 0, &log) == 0, "%s", log);
	free(log);
	ck_assert_str_eq(p.fhir_headers[0], "Accept: application/fhir+json");
	ck_assert_ptr_nonnull(p.fhir_headers[1]);
	ck_assert_str_eq(p.fhir_headers[1], token_table[_i].header);
	ck_assert_ptr_eq(p.fhir_headers[1], p.upstream_auth);
	ck_assert_ptr_null(p.fhir_headers[2]);
	sg_proc_free(&p);
	assert_zeroed(&p);
	sg_proc_free(&p);
}
END_TEST

/* The token file is missing: the message names it. */
START_TEST(test_upstream_token_missing)
{
	char	 p[4096];

	in_dir(p, sizeof(p), "no-token");
	write_conf("upstream_fhir_token_file %s\n", p);
	assert_fails(0, p, NULL);
}
END_TEST

static Suite *
proc_suite(void)
{
	Suite	*s = suite_create("proc");
	TCase	*tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_load_minimal);
	tcase_add_test(tc, test_auth_url_paths);
	tcase_add_test(tc, test_free_zeroed);
	tcase_add_test(tc, test_no_conf);
	tcase_add_test(tc, test_bad_keys);
	tcase_add_test(tc, test_clients);
	tcase_add_test(tc, test_ledger);
	tcase_add_test(tc, test_identity);
	tcase_add_loop_test(tc, test_upstream_token, 0, NELEM(token_table));
	tcase_add_test(tc, test_upstream_token_missing);
	suite_add_tcase(s, tc);
	return s;
}

/* The signing key (RSA 2048) and the master key file, once. */
static int
make_keys(void)
{
	unsigned char	 secret[32];
	EVP_PKEY	*pkey;
	FILE		*f;
	char		*b64, line[128];
	int		 fd, n, rc = -1;

	if ((pkey = EVP_RSA_gen(2048)) == NULL)
		return -1;
	if ((fd = open(key_path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1 ||
	    (f = fdopen(fd, "w")) == NULL)
		goto out;
	if (PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL) != 1) {
		fclose(f);
		goto out;
	}
	if (fclose(f) != 0)
		goto out;

	if (RAND_bytes(secret, sizeof(secret)) != 1)
		goto out;
	b64 = sg_b64url_encode(secret, sizeof(secret));
	n = snprintf(line, sizeof(line), "k1 %s\n", b64);
	free(b64);
	if ((fd = open(master_path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		goto out;
	if (n < 0 || write(fd, line, (size_t)n) != n) {
		close(fd);
		goto out;
	}
	close(fd);
	rc = 0;
out:
	EVP_PKEY_free(pkey);
	return rc;
}

static void
cleanup(void)
{
	char	 p[4096];
	size_t	 i;

	for (i = 0; i < NELEM(file_names); i++)
		unlink(in_dir(p, sizeof(p), file_names[i]));
	unlink(in_dir(p, sizeof(p), "ledger/data.mdb"));
	unlink(in_dir(p, sizeof(p), "ledger/lock.mdb"));
	rmdir(in_dir(p, sizeof(p), "ledger"));
	rmdir(dir);
}

int
main(void)
{
	int	 rc;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	in_dir(key_path, sizeof(key_path), "sign.pem");
	in_dir(master_path, sizeof(master_path), "master.key");
	in_dir(conf_path, sizeof(conf_path), "smartgate.conf");
	if (make_keys() == -1) {
		fprintf(stderr, "cannot make the test keys\n");
		cleanup();
		return 1;
	}
	rc = tl_run(proc_suite());
	cleanup();
	return rc;
}
