/*
 * Fuzz target for jwt.c: sg_jwt_verify() and sg_jwt_peek_header() with
 * fixed RSA and EC keys generated once.  The first byte picks a mode:
 *   0  the rest is a compact token, verified as is;
 *   1  the rest is a header, the token signed RS256 with a real payload;
 *   2  the rest is a payload, the token signed RS256 with a real header;
 *   3  the rest is parsed as claims and signed by sg_jwt_sign() (ES256):
 *      it must never fail on its signature, alg or key.
 * Modes 1 and 2 reach the header and claim checks past the signature.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "b64.h"
#include "bounds.h"
#include "jwk.h"
#include "jwt.h"
#include "keys.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sg_signing_key	 rsa_key, ec_key;
static struct sg_jwk		 vkeys[2];

static void
init_keys(void)
{
	if (rsa_key.pkey != NULL)
		return;
	rsa_key.pkey = EVP_RSA_gen(2048);
	ec_key.pkey = EVP_EC_gen("P-256");
	if (rsa_key.pkey == NULL || ec_key.pkey == NULL)
		abort();
	rsa_key.alg = SG_ALG_RS256;
	ec_key.alg = SG_ALG_ES256;
	/* Fixed kids so that the corpus can name them. */
	snprintf(rsa_key.kid, sizeof(rsa_key.kid), "rsa");
	snprintf(ec_key.kid, sizeof(ec_key.kid), "ec");
	vkeys[0].pkey = rsa_key.pkey;
	vkeys[0].alg = rsa_key.alg;
	memcpy(vkeys[0].kid, rsa_key.kid, sizeof(vkeys[0].kid));
	vkeys[1].pkey = ec_key.pkey;
	vkeys[1].alg = ec_key.alg;
	memcpy(vkeys[1].kid, ec_key.kid, sizeof(vkeys[1].kid));
}

/* header.payload (raw JSON texts) signed RS256 with the RSA key. */
static char *
sign_raw(const char *hdr, size_t hlen, const char *pl, size_t plen)
{
	EVP_MD_CTX	*ctx;
	unsigned char	 sig[512];
	size_t		 siglen = sizeof(sig);
	char		*h, *p, *s, *out;
	size_t		 n;

	h = sg_b64url_encode(hdr, hlen);
	p = sg_b64url_encode(pl, plen);
	n = strlen(h) + strlen(p) + 2;
	/* Room for the signature: at most 512 bytes, base64url. */
	if ((out = malloc(n + 1024)) == NULL)
		abort();
	memcpy(out, h, strlen(h));
	out[strlen(h)] = '.';
	memcpy(out + strlen(h) + 1, p, strlen(p) + 1);
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL,
	    rsa_key.pkey) != 1 ||
	    EVP_DigestSign(ctx, sig, &siglen, (unsigned char *)out,
	    strlen(out)) != 1)
		abort();
	EVP_MD_CTX_free(ctx);
	s = sg_b64url_encode(sig, siglen);
	snprintf(out + strlen(out), n + 1024 - strlen(out), ".%s", s);
	free(s);
	free(h);
	free(p);
	return out;
}

static enum sg_jwt_result
verify(const char *token)
{
	struct sg_jwt_expect	 e;
	json_object		*c = NULL, *h = NULL, *peek;
	enum sg_jwt_result	 r;

	memset(&e, 0, sizeof(e));
	e.iss = "https://gw.example/";
	e.aud = "https://fhir.example/r4";
	e.now = 1700000000;
	e.leeway = 30;
	e.require_exp = 1;
	r = sg_jwt_verify(token, vkeys, 2, &e, &c, &h);
	if ((r == SG_JWT_OK) != (c != NULL) || (r == SG_JWT_OK) != (h != NULL))
		abort();
	json_object_put(c);
	json_object_put(h);
	e.typ = "at+jwt";
	e.max_lifetime = 300;
	(void)sg_jwt_verify(token, vkeys, 1, &e, NULL, NULL);
	peek = sg_jwt_peek_header(token);
	json_object_put(peek);
	return r;
}

static const char good_hdr[] = "{\"alg\":\"RS256\",\"kid\":\"rsa\"}";
static const char good_payload[] = "{\"iss\":\"https://gw.example/\","
    "\"aud\":\"https://fhir.example/r4\",\"exp\":1700000100}";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_object		*claims;
	enum sg_jwt_result	 r;
	char			*text, *tok;

	init_keys();
	if (size < 1 || size > 2 * SG_MAX_JWT)
		return 0;
	if ((text = malloc(size)) == NULL)
		abort();
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	switch (data[0] % 4) {
	case 0:
		(void)verify(text);
		break;
	case 1:
		tok = sign_raw(text, size - 1, good_payload,
		    sizeof(good_payload) - 1);
		(void)verify(tok);
		free(tok);
		break;
	case 2:
		tok = sign_raw(good_hdr, sizeof(good_hdr) - 1, text, size - 1);
		(void)verify(tok);
		free(tok);
		break;
	default:
		claims = json_tokener_parse(text);
		if (json_object_is_type(claims, json_type_object) &&
		    (tok = sg_jwt_sign(&ec_key, NULL, claims)) != NULL) {
			r = verify(tok);
			if (r == SG_JWT_BAD_SIGNATURE || r == SG_JWT_BAD_ALG ||
			    r == SG_JWT_NO_KEY)
				abort();
			free(tok);
		}
		json_object_put(claims);
		break;
	}
	free(text);
	return 0;
}
