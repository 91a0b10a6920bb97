/* Unit tests for keys.c: signing key files, master key files, alg names. */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "bounds.h"
#include "jwk.h"
#include "keys.h"
#include "testlib.h"

static char	 dir[] = "/tmp/sg_test_keys.XXXXXX";
static char	 path[4096];

/* 32 and 64 bytes, base64url; 31 and 65 bytes. */
#define S32	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
#define S64	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0-Pw"
#define S31	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg"
#define S65	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0-P0A"

static const char *
tmp_path(const char *name)
{
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

static const char *
write_file(const char *name, const char *text, size_t len, mode_t mode)
{
	const char	*p = tmp_path(name);
	int		 fd;

	unlink(p);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
	return p;
}

static const char *
write_pem(const char *name, EVP_PKEY *pkey, const char *pass)
{
	const char	*p = tmp_path(name);
	FILE		*f;

	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	if (pass != NULL)
		ck_assert_int_eq(PEM_write_PrivateKey(f, pkey,
		    EVP_aes_256_cbc(), NULL, 0, NULL, (void *)(size_t)pass), 1);
	else
		ck_assert_int_eq(PEM_write_PrivateKey(f, pkey, NULL, NULL, 0,
		    NULL, NULL), 1);
	fclose(f);
	ck_assert_int_eq(chmod(p, 0600), 0);
	return p;
}

static void
setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
teardown(void)
{
	char	 cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	memcpy(dir + strlen(dir) - 6, "XXXXXX", 6);
}

START_TEST(test_signing_keys)
{
	EVP_PKEY	*rsa, *ec;
	struct sg_keys	*k;
	char		*files[2], err[256] = "", kid[SG_KID_MAX];

	rsa = EVP_RSA_gen(2048);
	ec = EVP_EC_gen("P-256");
	ck_assert_ptr_nonnull(rsa);
	ck_assert_ptr_nonnull(ec);
	files[0] = strdup(write_pem("ec.pem", ec, NULL));
	files[1] = strdup(write_pem("rsa.pem", rsa, NULL));
	k = sg_keys_load(files, 2, NULL, err, sizeof(err));
	ck_assert_msg(k != NULL, "%s", err);
	ck_assert_uint_eq(k->nsign, 2);
	ck_assert_int_eq(k->sign[0].alg, SG_ALG_ES256);
	ck_assert_int_eq(k->sign[1].alg, SG_ALG_RS256);
	ck_assert_int_eq(sg_jwk_thumbprint(ec, kid), 0);
	ck_assert_str_eq(k->sign[0].kid, kid);
	ck_assert_int_eq(sg_jwk_thumbprint(rsa, kid), 0);
	ck_assert_str_eq(k->sign[1].kid, kid);
	ck_assert_uint_eq(strlen(kid), 43);
	ck_assert_int_eq(EVP_PKEY_eq(k->sign[1].pkey, rsa), 1);
	sg_keys_free(k);
	free(files[0]);
	free(files[1]);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ec);
}
END_TEST

START_TEST(test_signing_key_refused)
{
	EVP_PKEY	*pk[4];
	const char	*names[4] = { "rsa1024.pem", "p384.pem", "ed.pem",
	    "enc.pem" };
	struct sg_keys	*k;
	char		*file, err[256];
	size_t		 i;

	pk[0] = EVP_RSA_gen(1024);
	pk[1] = EVP_EC_gen("P-384");
	pk[2] = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	pk[3] = EVP_EC_gen("P-256");
	for (i = 0; i < 4; i++) {
		ck_assert_ptr_nonnull(pk[i]);
		file = strdup(write_pem(names[i], pk[i],
		    i == 3 ? "secret" : NULL));
		err[0] = '\0';
		k = sg_keys_load(&file, 1, NULL, err, sizeof(err));
		ck_assert_msg(k == NULL, "%s accepted", names[i]);
		ck_assert_msg(strstr(err, file) != NULL, "err \"%s\"", err);
		free(file);
		EVP_PKEY_free(pk[i]);
	}
	/* Readable by others (shared hosting: other accounts); group is fine. */
	file = strdup(write_pem("loose.pem", pk[0] = EVP_EC_gen("P-256"), NULL));
	ck_assert_int_eq(chmod(file, 0604), 0);
	ck_assert_ptr_null(sg_keys_load(&file, 1, NULL, err, sizeof(err)));
	ck_assert_msg(strstr(err, "readable by others") != NULL, "%s", err);
	ck_assert_int_eq(chmod(file, 0640), 0);
	k = sg_keys_load(&file, 1, NULL, err, sizeof(err));
	ck_assert_msg(k != NULL, "%s", err);
	sg_keys_free(k);
	EVP_PKEY_free(pk[0]);
	free(file);
	/* Not PEM at all, a public key, a missing file. */
	file = strdup(write_file("junk.pem", "hello\n", 6, 0600));
	ck_assert_ptr_null(sg_keys_load(&file, 1, NULL, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, file));
	free(file);
	file = strdup(tmp_path("missing.pem"));
	ck_assert_ptr_null(sg_keys_load(&file, 1, NULL, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, file));
	free(file);
}
END_TEST

/*
 * Deferred loading (plain CGI, sg_proc_load()): the files are checked at
 * once (missing, open to others), parsed only by sg_keys_parse_signing(),
 * which gives the same keys and names a bad file when it is called.
 */
START_TEST(test_signing_deferred)
{
	EVP_PKEY	*ec;
	struct sg_keys	*k;
	char		*files[2], err[256] = "", kid[SG_KID_MAX];

	ec = EVP_EC_gen("P-256");
	ck_assert_ptr_nonnull(ec);
	files[0] = strdup(write_pem("ec.pem", ec, NULL));
	files[1] = strdup(write_file("junk.pem", "hello\n", 6, 0600));
	/* Junk passes the cheap check; it is found when parsed. */
	k = sg_keys_load_deferred(files, 2, NULL, err, sizeof(err));
	ck_assert_msg(k != NULL, "%s", err);
	ck_assert_uint_eq(k->nsign, 0);
	ck_assert_int_eq(sg_keys_parse_signing(k, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, files[1]) != NULL, "err \"%s\"", err);
	ck_assert_uint_eq(k->nsign, 1);
	ck_assert_int_eq(sg_keys_parse_signing(k, err, sizeof(err)), -1);
	sg_keys_free(k);
	/* A good key: parsed once, the same as sg_keys_load() gives. */
	k = sg_keys_load_deferred(files, 1, NULL, err, sizeof(err));
	ck_assert_msg(k != NULL, "%s", err);
	ck_assert_uint_eq(k->nsign, 0);
	ck_assert_int_eq(sg_keys_parse_signing(k, err, sizeof(err)), 0);
	ck_assert_int_eq(sg_keys_parse_signing(k, err, sizeof(err)), 0);
	ck_assert_uint_eq(k->nsign, 1);
	ck_assert_int_eq(k->sign[0].alg, SG_ALG_ES256);
	ck_assert_int_eq(sg_jwk_thumbprint(ec, kid), 0);
	ck_assert_str_eq(k->sign[0].kid, kid);
	sg_keys_free(k);
	/* Open to others, or missing: refused at once. */
	ck_assert_int_eq(chmod(files[0], 0604), 0);
	ck_assert_ptr_null(sg_keys_load_deferred(files, 1, NULL, err,
	    sizeof(err)));
	ck_assert_msg(strstr(err, "readable by others") != NULL, "%s", err);
	ck_assert_int_eq(unlink(files[0]), 0);
	ck_assert_ptr_null(sg_keys_load_deferred(files, 1, NULL, err,
	    sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, files[0]));
	free(files[0]);
	free(files[1]);
	EVP_PKEY_free(ec);
}
END_TEST

START_TEST(test_master_file)
{
	static const char text[] =
	    "# master keys, newest first\n"
	    "\n"
	    "k20240601ab " S32 "\n"
	    "  old_key-1\t" S64 "  \r\n"
	    "# end\n";
	struct sg_keys	*k;
	const char	*p;
	char		 err[256] = "";

	p = write_file("master.key", text, sizeof(text) - 1, 0600);
	k = sg_keys_load(NULL, 0, p, err, sizeof(err));
	ck_assert_msg(k != NULL, "%s", err);
	ck_assert_uint_eq(k->nmaster, 2);
	ck_assert_str_eq(k->master[0].kid, "k20240601ab");
	ck_assert_uint_eq(k->master[0].len, 32);
	ck_assert_int_eq(k->master[0].secret[31], 31);
	ck_assert_str_eq(k->master[1].kid, "old_key-1");
	ck_assert_uint_eq(k->master[1].len, 64);
	ck_assert_int_eq(k->master[1].secret[63], 63);
	sg_keys_free(k);

	/* 0400 is stricter than 0600 and fine; no trailing newline either. */
	p = write_file("master.key", "a " S32, strlen("a " S32), 0400);
	k = sg_keys_load(NULL, 0, p, err, sizeof(err));
	ck_assert_msg(k != NULL, "%s", err);
	sg_keys_free(k);
}
END_TEST

START_TEST(test_master_file_refused)
{
	static const struct {
		const char	*text;
		mode_t		 mode;
		const char	*msg;
	} bad[] = {
		{ "a " S32 "\n", 0640, "chmod 600" },
		{ "a " S32 "\n", 0604, "chmod 600" },
		{ "a " S32 "\n", 0610, "chmod 600" },
		{ "", 0600, "no key" },
		{ "# only a comment\n\n", 0600, "no key" },
		{ "a " S31 "\n", 0600, "32.." },
		{ "a " S65 "\n", 0600, "32.." },
		{ "a " S32 "=\n", 0600, "32.." },
		{ "a " S32 "\nb " S32 "\na " S64 "\n", 0600, "duplicate" },
		{ "abcdefghijklmnopq " S32 "\n", 0600, "1..16" },
		{ "a.b " S32 "\n", 0600, "1..16" },
		{ "a " S32 " extra\n", 0600, "expected" },
		{ S32 "\n", 0600, "expected" },
		{ "a " S32 "\nb\x01 " S32 "\n", 0600, "control" },
	};
	struct sg_keys	*k;
	const char	*p;
	char		 err[256];
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		p = write_file("master.key", bad[i].text, strlen(bad[i].text),
		    bad[i].mode);
		k = sg_keys_load(NULL, 0, p, err, sizeof(err));
		ck_assert_msg(k == NULL, "case %zu accepted", i);
		ck_assert_msg(strstr(err, p) != NULL &&
		    strstr(err, bad[i].msg) != NULL, "case %zu: \"%s\"", i, err);
	}
}
END_TEST

START_TEST(test_master_file_limits)
{
	struct sg_keys	*k;
	const char	*p;
	char		*big, err[256];
	size_t		 i, len = SG_MAX_KEY_FILE + 1;

	big = malloc(len);
	ck_assert_ptr_nonnull(big);
	memset(big, '#', len);
	for (i = 79; i < len; i += 80)
		big[i] = '\n';
	p = write_file("big.key", big, len, 0600);
	k = sg_keys_load(NULL, 0, p, err, sizeof(err));
	ck_assert_ptr_null(k);
	ck_assert_ptr_nonnull(strstr(err, "larger"));
	free(big);

	/* More than SG_MAX_MASTER_KEYS lines. */
	big = malloc(4096);
	ck_assert_ptr_nonnull(big);
	big[0] = '\0';
	for (i = 0; i <= SG_MAX_MASTER_KEYS; i++)
		snprintf(big + strlen(big), 4096 - strlen(big), "k%zu %s\n", i,
		    S32);
	p = write_file("many.key", big, strlen(big), 0600);
	ck_assert_ptr_null(sg_keys_load(NULL, 0, p, err, sizeof(err)));
	free(big);

	/* A directory is not a key file. */
	ck_assert_ptr_null(sg_keys_load(NULL, 0, dir, err, sizeof(err)));
}
END_TEST

START_TEST(test_alg_names)
{
	static const struct {
		const char	*name;
		enum sg_alg	 alg;
	} t[] = {
		{ "RS256", SG_ALG_RS256 }, { "RS384", SG_ALG_RS384 },
		{ "ES256", SG_ALG_ES256 }, { "ES384", SG_ALG_ES384 },
	};
	static const char *const bad[] = { "none", "HS256", "rs256", "RS256 ",
	    "PS256", "", "ES512", "EdDSA" };
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_str_eq(sg_alg_name(t[i].alg), t[i].name);
		ck_assert_int_eq(sg_alg_from_name(t[i].name), t[i].alg);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_int_eq(sg_alg_from_name(bad[i]), SG_ALG_NONE);
	ck_assert_int_eq(sg_alg_from_name(NULL), SG_ALG_NONE);
	ck_assert_ptr_null(sg_alg_name(SG_ALG_NONE));
}
END_TEST

static Suite *
keys_suite(void)
{
	Suite	*s = suite_create("keys");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_signing_keys);
	tcase_add_test(tc, test_signing_key_refused);
	tcase_add_test(tc, test_signing_deferred);
	tcase_add_test(tc, test_master_file);
	tcase_add_test(tc, test_master_file_refused);
	tcase_add_test(tc, test_master_file_limits);
	tcase_add_test(tc, test_alg_names);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tl_run(keys_suite());
}
