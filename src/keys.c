/*
 * The gateway's own keys: PEM signing keys and the master secrets file
 * (keys.h).  Loaded once per process before the request loop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "b64.h"
#include "bounds.h"
#include "file.h"
#include "jwk.h"
#include "keys.h"
#include "log.h"
#include "mem.h"

/* Refuses encrypted PEM keys instead of prompting on a terminal. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return 0;
}

/* The algorithm for a private key we accept for signing, or SG_ALG_NONE. */
static enum sg_alg
signing_alg(EVP_PKEY *pkey)
{
	char	 group[64];
	size_t	 glen = 0;

	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_RSA:
		return EVP_PKEY_get_bits(pkey) >= 2048 ? SG_ALG_RS256 :
		    SG_ALG_NONE;
	case EVP_PKEY_EC:
		if (EVP_PKEY_get_utf8_string_param(pkey,
		    OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
		    &glen) != 1)
			return SG_ALG_NONE;
		return strcmp(group, "prime256v1") == 0 ? SG_ALG_ES256 :
		    SG_ALG_NONE;
	default:
		return SG_ALG_NONE;
	}
}

static int
load_signing_key(const char *path, struct sg_signing_key *key,
    char *err, size_t errlen)
{
	BIO	*bio = NULL;
	char	*buf;
	size_t	 len;
	int	 rc = -1;

	/*
	 * A private key others can read is not private: on shared hosting
	 * every other account's programs run on the same machine.  The
	 * group may read it (a 0640 key for the web server's group).
	 */
	if (sg_file_read(path, SG_MAX_KEY_FILE, 007, NULL, &buf, &len, err,
	    errlen) == -1)
		return -1;
	if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL)
		abort();
	key->pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	if (key->pkey == NULL) {
		ERR_clear_error();
		sg_errf(err, errlen, "%s: not an unencrypted PEM private key",
		    path);
		goto done;
	}
	if ((key->alg = signing_alg(key->pkey)) == SG_ALG_NONE) {
		sg_errf(err, errlen, "%s: unsupported key "
		    "(need RSA >= 2048 bits or EC P-256)", path);
		goto done;
	}
	if (sg_jwk_thumbprint(key->pkey, key->kid) != 0) {
		sg_errf(err, errlen, "%s: cannot compute the key id", path);
		goto done;
	}
	rc = 0;
done:
	BIO_free(bio);
	OPENSSL_cleanse(buf, len);
	free(buf);
	if (rc != 0) {
		EVP_PKEY_free(key->pkey);
		key->pkey = NULL;
	}
	return rc;
}

static int
valid_master_kid(const char *kid, size_t len)
{
	size_t	 i;

	if (len < 1 || len > SG_MASTER_KID_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)kid[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

/* Parses one non-comment line "<kid> <secret>" into keys->master[]. */
static int
parse_master_line(struct sg_keys *keys, const char *path, size_t lineno,
    char *line, char *err, size_t errlen)
{
	struct sg_master_key	*mk;
	unsigned char		*secret = NULL;
	char			*kid, *sec, *p;
	size_t			 kidlen, seclen, slen = 0, i;
	int			 rc = -1;

	kid = line;
	kidlen = strcspn(kid, " \t");
	p = kid + kidlen;
	p += strspn(p, " \t");
	sec = p;
	seclen = strcspn(sec, " \t");
	p = sec + seclen;
	p += strspn(p, " \t");
	if (kidlen == 0 || seclen == 0 || *p != '\0') {
		sg_errf(err, errlen, "%s:%zu: expected \"<kid> <secret>\"",
		    path, lineno);
		goto done;
	}
	if (!valid_master_kid(kid, kidlen)) {
		sg_errf(err, errlen, "%s:%zu: key id must be 1..%d characters "
		    "of A-Za-z0-9_-", path, lineno, SG_MASTER_KID_MAX);
		goto done;
	}
	for (i = 0; i < keys->nmaster; i++)
		if (strlen(keys->master[i].kid) == kidlen &&
		    memcmp(keys->master[i].kid, kid, kidlen) == 0) {
			sg_errf(err, errlen, "%s:%zu: duplicate key id",
			    path, lineno);
			goto done;
		}
	if (keys->nmaster == SG_MAX_MASTER_KEYS) {
		sg_errf(err, errlen, "%s:%zu: more than %d keys", path,
		    lineno, SG_MAX_MASTER_KEYS);
		goto done;
	}
	secret = sg_b64url_decode(sec, seclen, &slen);
	if (secret == NULL || slen < 32 || slen > SG_MASTER_MAX) {
		sg_errf(err, errlen, "%s:%zu: secret must be base64url of "
		    "32..%d bytes", path, lineno, SG_MASTER_MAX);
		goto done;
	}
	mk = &keys->master[keys->nmaster++];
	memcpy(mk->kid, kid, kidlen);
	mk->kid[kidlen] = '\0';
	memcpy(mk->secret, secret, slen);
	mk->len = slen;
	rc = 0;
done:
	if (secret != NULL) {
		OPENSSL_cleanse(secret, slen);
		free(secret);
	}
	return rc;
}

static int
load_master_file(struct sg_keys *keys, const char *path, char *err,
    size_t errlen)
{
	char	*buf, *line, *next, *end, *p;
	size_t	 len, lineno = 0;
	int	 rc = -1;

	/* Secrets: refused when group or others may read or write them. */
	if (sg_file_read(path, SG_MAX_KEY_FILE, 077, NULL, &buf, &len, err,
	    errlen) == -1)
		return -1;
	if (memchr(buf, '\0', len) != NULL) {
		sg_errf(err, errlen, "%s: contains a NUL byte", path);
		goto done;
	}
	for (line = buf; line != NULL && *line != '\0'; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		/* Trim surrounding blanks and a CR from CRLF files. */
		line += strspn(line, " \t");
		end = line + strlen(line);
		while (end > line && (end[-1] == ' ' || end[-1] == '\t' ||
		    end[-1] == '\r'))
			*--end = '\0';
		if (*line == '\0' || *line == '#')
			continue;
		for (p = line; *p != '\0'; p++)
			if ((unsigned char)*p < 0x20 && *p != '\t') {
				sg_errf(err, errlen, "%s:%zu: control "
				    "character", path, lineno);
				goto done;
			}
		if (parse_master_line(keys, path, lineno, line, err,
		    errlen) != 0)
			goto done;
	}
	if (keys->nmaster == 0) {
		sg_errf(err, errlen, "%s: no key", path);
		goto done;
	}
	rc = 0;
done:
	OPENSSL_cleanse(buf, len);
	free(buf);
	return rc;
}

struct sg_keys *
sg_keys_load(char *const *signing_files, size_t nfiles,
    const char *master_file, char *err, size_t errlen)
{
	struct sg_keys	*keys;
	size_t		 i;

	keys = sg_xcalloc(1, sizeof(*keys));
	if (nfiles > SG_MAX_SIGNING_KEYS) {
		sg_errf(err, errlen, "more than %d signing keys",
		    SG_MAX_SIGNING_KEYS);
		goto fail;
	}
	for (i = 0; i < nfiles; i++) {
		if (load_signing_key(signing_files[i], &keys->sign[i], err,
		    errlen) != 0)
			goto fail;
		keys->nsign++;
	}
	if (master_file != NULL &&
	    load_master_file(keys, master_file, err, errlen) != 0)
		goto fail;
	return keys;
fail:
	sg_keys_free(keys);
	return NULL;
}

struct sg_keys *
sg_keys_load_deferred(char *const *signing_files, size_t nfiles,
    const char *master_file, char *err, size_t errlen)
{
	struct sg_keys	*keys;
	char		*buf;
	size_t		 i, len;

	if ((keys = sg_keys_load(NULL, 0, master_file, err, errlen)) == NULL)
		return NULL;
	if (nfiles > SG_MAX_SIGNING_KEYS) {
		sg_errf(err, errlen, "more than %d signing keys",
		    SG_MAX_SIGNING_KEYS);
		goto fail;
	}
	/* The checks load_signing_key() makes before it parses. */
	for (i = 0; i < nfiles; i++) {
		if (sg_file_read(signing_files[i], SG_MAX_KEY_FILE, 007, NULL,
		    &buf, &len, err, errlen) == -1)
			goto fail;
		OPENSSL_cleanse(buf, len);
		free(buf);
	}
	keys->pending = signing_files;
	keys->npending = nfiles;
	return keys;
fail:
	sg_keys_free(keys);
	return NULL;
}

int
sg_keys_parse_signing(struct sg_keys *keys, char *err, size_t errlen)
{
	while (keys->nsign < keys->npending) {
		if (load_signing_key(keys->pending[keys->nsign],
		    &keys->sign[keys->nsign], err, errlen) != 0)
			return -1;
		keys->nsign++;
	}
	return 0;
}

void
sg_keys_free(struct sg_keys *keys)
{
	size_t	 i;

	if (keys == NULL)
		return;
	for (i = 0; i < keys->nsign; i++)
		EVP_PKEY_free(keys->sign[i].pkey);
	OPENSSL_cleanse(keys, sizeof(*keys));
	free(keys);
}

static const struct {
	enum sg_alg	 alg;
	const char	*name;
} alg_names[] = {
	{ SG_ALG_RS256, "RS256" },
	{ SG_ALG_RS384, "RS384" },
	{ SG_ALG_ES256, "ES256" },
	{ SG_ALG_ES384, "ES384" },
};

const char *
sg_alg_name(enum sg_alg alg)
{
	size_t	 i;

	for (i = 0; i < sizeof(alg_names) / sizeof(alg_names[0]); i++)
		if (alg_names[i].alg == alg)
			return alg_names[i].name;
	return NULL;
}

enum sg_alg
sg_alg_from_name(const char *name)
{
	size_t	 i;

	if (name == NULL)
		return SG_ALG_NONE;
	for (i = 0; i < sizeof(alg_names) / sizeof(alg_names[0]); i++)
		if (strcmp(alg_names[i].name, name) == 0)
			return alg_names[i].alg;
	return SG_ALG_NONE;
}

const struct sg_signing_key *
sg_keys_id_token(const struct sg_keys *keys)
{
	size_t	 i;

	for (i = 0; i < keys->nsign; i++)
		if (keys->sign[i].alg == SG_ALG_RS256)
			return &keys->sign[i];
	return &keys->sign[0];
}
