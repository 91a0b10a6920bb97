/*
 * Sealed envelopes (seal.h): AES-256-GCM, a key per purpose derived by
 * HKDF-SHA256 (RFC 5869) from a master secret, the header and the
 * purpose authenticated as additional data.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include "b64.h"
#include "bounds.h"
#include "json.h"
#include "mem.h"
#include "seal.h"

#define SEAL_VERSION	1
#define SEAL_NONCE	12
#define SEAL_TAG	16
#define SEAL_KEYLEN	32
#define SEAL_SALT	"smartgate seal v1"
/* version | kidlen | kid(>= 1) | expiry(8) | nonce | tag */
#define SEAL_MIN	(1 + 1 + 1 + 8 + SEAL_NONCE + SEAL_TAG)

/*
 * Derived keys, a process cache: HKDF through OpenSSL 3 costs an
 * algorithm fetch and a context per call, more than the AES-GCM it
 * keys, and every request of the proxy opens a token.  An entry is
 * found by the whole master secret and the purpose, never by address.
 */
#define SEAL_CACHE	16
static struct {
	unsigned char	 secret[SG_MASTER_MAX];
	size_t		 len;
	char		 purpose[64];
	unsigned char	 key[SEAL_KEYLEN];
} seal_cache[SEAL_CACHE];
static size_t	seal_ncache;
static EVP_CIPHER *seal_cipher;
/*
 * One cipher context for the process, set up for AES-256-GCM once: each
 * use only sets the key, nonce and direction.  A new context per token
 * (new, init with the cipher, free) was 3 % of a proxied read.
 */
static EVP_CIPHER_CTX *seal_ctx;

/* key = HKDF-SHA256(ikm = master secret, salt = SEAL_SALT, info = purpose). */
static int
derive_key(const struct sg_master_key *mk, const char *purpose,
    unsigned char key[SEAL_KEYLEN])
{
	EVP_PKEY_CTX	*ctx;
	size_t		 outlen = SEAL_KEYLEN, i;
	int		 rc = -1;

	for (i = 0; i < seal_ncache; i++)
		if (seal_cache[i].len == mk->len &&
		    CRYPTO_memcmp(seal_cache[i].secret, mk->secret,
		    mk->len) == 0 &&
		    strcmp(seal_cache[i].purpose, purpose) == 0) {
			memcpy(key, seal_cache[i].key, SEAL_KEYLEN);
			return 0;
		}
	if ((ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL)) == NULL)
		return -1;
	if (EVP_PKEY_derive_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_hkdf_md(ctx, EVP_sha256()) <= 0 ||
	    EVP_PKEY_CTX_set1_hkdf_salt(ctx, (const unsigned char *)SEAL_SALT,
	    (int)strlen(SEAL_SALT)) <= 0 ||
	    EVP_PKEY_CTX_set1_hkdf_key(ctx, mk->secret, (int)mk->len) <= 0 ||
	    EVP_PKEY_CTX_add1_hkdf_info(ctx, (const unsigned char *)purpose,
	    (int)strlen(purpose)) <= 0 ||
	    EVP_PKEY_derive(ctx, key, &outlen) <= 0 || outlen != SEAL_KEYLEN)
		goto done;
	rc = 0;
	if (seal_ncache < SEAL_CACHE && mk->len <= SG_MASTER_MAX &&
	    strlen(purpose) < sizeof(seal_cache[0].purpose)) {
		i = seal_ncache++;
		memcpy(seal_cache[i].secret, mk->secret, mk->len);
		seal_cache[i].len = mk->len;
		memcpy(seal_cache[i].purpose, purpose, strlen(purpose) + 1);
		memcpy(seal_cache[i].key, key, SEAL_KEYLEN);
	}
done:
	EVP_PKEY_CTX_free(ctx);
	if (rc != 0) {
		OPENSSL_cleanse(key, SEAL_KEYLEN);
		ERR_clear_error();
	}
	return rc;
}

/*
 * AES-256-GCM in either direction.  aad = purpose bytes then hdr bytes.
 * Encrypting writes the tag into tag; decrypting checks it.  Returns 0
 * or -1 (for decryption: authentication failed).
 */
static int
gcm(int enc, const unsigned char key[SEAL_KEYLEN],
    const unsigned char nonce[SEAL_NONCE], const char *purpose,
    const unsigned char *hdr, size_t hdrlen, const unsigned char *in,
    size_t inlen, unsigned char *out, unsigned char tag[SEAL_TAG])
{
	EVP_CIPHER_CTX	*ctx;
	int		 n, rc = -1;

	if (inlen > INT32_MAX)
		return -1;
	/* Fetched once for the process (OpenSSL 3 "Algorithm fetching"). */
	if (seal_cipher == NULL &&
	    (seal_cipher = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL)) == NULL)
		goto done;
	if (seal_ctx == NULL) {
		if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
			abort();
		if (EVP_CipherInit_ex(ctx, seal_cipher, NULL, NULL, NULL,
		    enc) != 1 ||
		    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN,
		    SEAL_NONCE, NULL) != 1) {
			EVP_CIPHER_CTX_free(ctx);
			goto done;
		}
		seal_ctx = ctx;
	}
	ctx = seal_ctx;
	/* Key and nonce afresh: GCM starts over (tag, counters). */
	if (EVP_CipherInit_ex(ctx, NULL, NULL, key, nonce, enc) != 1)
		goto done;
	if (EVP_CipherUpdate(ctx, NULL, &n, (const unsigned char *)purpose,
	    (int)strlen(purpose)) != 1 ||
	    EVP_CipherUpdate(ctx, NULL, &n, hdr, (int)hdrlen) != 1)
		goto done;
	if (inlen > 0 &&
	    EVP_CipherUpdate(ctx, out, &n, in, (int)inlen) != 1)
		goto done;
	if (!enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, SEAL_TAG,
	    tag) != 1)
		goto done;
	/* GCM is a stream mode: Final writes nothing. */
	if (EVP_CipherFinal_ex(ctx, out + inlen, &n) != 1)
		goto done;
	if (enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, SEAL_TAG,
	    tag) != 1)
		goto done;
	rc = 0;
done:
	if (rc != 0)
		ERR_clear_error();
	return rc;
}

/* Writes version | kidlen | kid | expiry into hdr; returns its length. */
static size_t
put_header(unsigned char *hdr, const struct sg_master_key *mk, time_t expiry)
{
	size_t		 kidlen = strlen(mk->kid), off, i;
	uint64_t	 e = (uint64_t)(int64_t)expiry;

	hdr[0] = SEAL_VERSION;
	hdr[1] = (unsigned char)kidlen;
	memcpy(hdr + 2, mk->kid, kidlen);
	off = 2 + kidlen;
	for (i = 0; i < 8; i++)
		hdr[off + i] = (unsigned char)(e >> (56 - 8 * i));
	return off + 8;
}

char *
sg_seal(const struct sg_keys *keys, const char *purpose, time_t expiry,
    const void *data, size_t len)
{
	const struct sg_master_key	*mk;
	unsigned char			 key[SEAL_KEYLEN];
	unsigned char			*buf = NULL;
	size_t				 hdrlen, kidlen, total;
	char				*out = NULL;

	if (keys == NULL || keys->nmaster == 0 || purpose == NULL ||
	    (data == NULL && len > 0))
		return NULL;
	mk = &keys->master[0];
	kidlen = strlen(mk->kid);
	if (kidlen == 0 || kidlen > SG_MASTER_KID_MAX)
		return NULL;
	/* Keep the envelope within what sg_unseal() accepts. */
	if (len > SG_MAX_SEALED)
		return NULL;
	total = 2 + kidlen + 8 + SEAL_NONCE + len + SEAL_TAG;
	if ((total + 2) / 3 * 4 > SG_MAX_SEALED)
		return NULL;
	if (derive_key(mk, purpose, key) != 0)
		return NULL;
	buf = sg_xmalloc(total);
	hdrlen = put_header(buf, mk, expiry);
	if (RAND_bytes(buf + hdrlen, SEAL_NONCE) != 1)
		goto done;
	if (gcm(1, key, buf + hdrlen, purpose, buf, hdrlen, data, len,
	    buf + hdrlen + SEAL_NONCE,
	    buf + hdrlen + SEAL_NONCE + len) != 0)
		goto done;
	out = sg_b64url_encode(buf, total);
done:
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(buf, total);
	free(buf);
	return out;
}

static int
valid_kid_byte(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

enum sg_seal_result
sg_unseal(const struct sg_keys *keys, const char *purpose, time_t now,
    const char *text, size_t textlen, unsigned char **out, size_t *outlen)
{
	const struct sg_master_key	*mk = NULL;
	enum sg_seal_result		 res = SG_SEAL_MALFORMED;
	unsigned char			 key[SEAL_KEYLEN];
	unsigned char			*raw = NULL, *plain = NULL;
	size_t				 rawlen = 0, kidlen, hdrlen, clen = 0, i;
	uint64_t			 e = 0;
	int64_t				 expiry;

	if (out != NULL)
		*out = NULL;
	if (outlen != NULL)
		*outlen = 0;
	if (keys == NULL || purpose == NULL || text == NULL || out == NULL ||
	    outlen == NULL)
		return SG_SEAL_MALFORMED;
	/* Length cap before any work. */
	if (textlen > SG_MAX_SEALED)
		return SG_SEAL_MALFORMED;
	if ((raw = sg_b64url_decode(text, textlen, &rawlen)) == NULL)
		return SG_SEAL_MALFORMED;
	if (rawlen < SEAL_MIN || raw[0] != SEAL_VERSION)
		goto done;
	kidlen = raw[1];
	if (kidlen < 1 || kidlen > SG_MASTER_KID_MAX ||
	    rawlen < SEAL_MIN - 1 + kidlen)
		goto done;
	for (i = 0; i < kidlen; i++)
		if (!valid_kid_byte(raw[2 + i]))
			goto done;
	hdrlen = 2 + kidlen + 8;
	for (i = 0; i < 8; i++)
		e = e << 8 | raw[2 + kidlen + i];
	expiry = (int64_t)e;

	for (i = 0; i < keys->nmaster; i++)
		if (strlen(keys->master[i].kid) == kidlen &&
		    memcmp(keys->master[i].kid, raw + 2, kidlen) == 0) {
			mk = &keys->master[i];
			break;
		}
	if (mk == NULL) {
		res = SG_SEAL_UNKNOWN_KEY;
		goto done;
	}

	res = SG_SEAL_BAD;
	clen = rawlen - hdrlen - SEAL_NONCE - SEAL_TAG;
	if (derive_key(mk, purpose, key) != 0)
		goto done;
	plain = sg_xmalloc(clen + 1);
	if (gcm(0, key, raw + hdrlen, purpose, raw, hdrlen,
	    raw + hdrlen + SEAL_NONCE, clen, plain,
	    raw + hdrlen + SEAL_NONCE + clen) != 0)
		goto done;
	plain[clen] = '\0';

	/* Expiry is trusted only once authenticated. */
	if ((int64_t)now > expiry) {
		res = SG_SEAL_EXPIRED;
		goto done;
	}
	*out = plain;
	*outlen = clen;
	plain = NULL;
	res = SG_SEAL_OK;
done:
	OPENSSL_cleanse(key, sizeof(key));
	if (plain != NULL) {
		OPENSSL_cleanse(plain, clen + 1);
		free(plain);
	}
	if (raw != NULL) {
		OPENSSL_cleanse(raw, rawlen);
		free(raw);
	}
	return res;
}

char *
sg_seal_json(const struct sg_keys *keys, const char *purpose, time_t expiry,
    json_object *o)
{
	const char	*text;
	char		*sealed;

	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	sealed = sg_seal(keys, purpose, expiry, text, strlen(text));
	json_object_put(o);
	return sealed;
}

enum sg_seal_result
sg_unseal_json(const struct sg_keys *keys, const char *purpose, time_t now,
    const char *text, json_object **out)
{
	enum sg_seal_result	 r;
	unsigned char		*plain = NULL;
	size_t			 len;
	json_object		*o;

	*out = NULL;
	r = sg_unseal(keys, purpose, now, text, strlen(text), &plain, &len);
	if (r != SG_SEAL_OK)
		return r;
	o = sg_json_object((const char *)plain, len);
	OPENSSL_cleanse(plain, len);
	free(plain);
	/* Authentic but not ours would be a bug somewhere: refuse it. */
	if (o == NULL)
		return SG_SEAL_MALFORMED;
	*out = o;
	return SG_SEAL_OK;
}

void
sg_seal_random(char *out, size_t n)
{
	unsigned char	 b[32];
	char		*s;

	if (n > sizeof(b) || RAND_bytes(b, (int)n) != 1)
		abort();	/* no randomness: nothing safe to do */
	s = sg_b64url_encode(b, n);
	memcpy(out, s, strlen(s) + 1);
	free(s);
}

void
sg_seal_random_id(char out[23])
{
	sg_seal_random(out, 16);
}
