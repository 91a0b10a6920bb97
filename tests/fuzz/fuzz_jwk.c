/*
 * Fuzz target for jwk.c: JSON text parsed by json-c
 * with a depth limit, then sg_jwks_parse() and sg_jwk_from_json().
 * Every key accepted must survive a round trip through
 * sg_jwk_to_json() to an equal key with the same thumbprint.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "bounds.h"
#include "jwk.h"
#include "keys.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
round_trip(const struct sg_jwk *k)
{
	struct sg_jwk	 again;
	json_object	*j;
	char		 tp1[SG_KID_MAX], tp2[SG_KID_MAX];

	if (k->pkey == NULL || sg_alg_name(k->alg) == NULL)
		abort();
	if ((j = sg_jwk_to_json(k->pkey, k->alg, k->kid)) == NULL)
		abort();
	if (sg_jwk_from_json(j, SG_ALG_NONE, SG_ALG_NONE, &again) != 0)
		abort();
	if (EVP_PKEY_eq(k->pkey, again.pkey) != 1 || again.alg != k->alg ||
	    strcmp(again.kid, k->kid) != 0)
		abort();
	if (sg_jwk_thumbprint(k->pkey, tp1) != 0 ||
	    sg_jwk_thumbprint(again.pkey, tp2) != 0 || strcmp(tp1, tp2) != 0)
		abort();
	sg_jwk_clear(&again);
	json_object_put(j);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_tokener	*tok;
	json_object	*obj;
	struct sg_jwk	 keys[4], one;
	int		 n, i;

	if (size > 65536)
		return 0;
	if ((tok = json_tokener_new_ex(SG_MAX_JSON_DEPTH)) == NULL)
		abort();
	obj = json_tokener_parse_ex(tok, (const char *)data, (int)size);
	json_tokener_free(tok);
	if (obj == NULL)
		return 0;
	n = sg_jwks_parse(obj, SG_ALG_RS256, SG_ALG_ES256, keys, 4);
	if (n < -1 || n > 4)
		abort();
	for (i = 0; i < n; i++) {
		round_trip(&keys[i]);
		sg_jwk_clear(&keys[i]);
	}
	if (sg_jwk_from_json(obj, SG_ALG_RS384, SG_ALG_NONE, &one) == 0) {
		round_trip(&one);
		sg_jwk_clear(&one);
	} else if (one.pkey != NULL)
		abort();
	json_object_put(obj);
	return 0;
}
