/*
 * Unit tests for jwk.c: RFC 7638 thumbprints, JWK round trips, a table
 * of refused JWKs, JWKS parsing and our published JWKS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <json-c/json.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "bounds.h"
#include "jwk.h"
#include "keys.h"
#include "testlib.h"

/* Generated once for the whole run: key generation is slow. */
static struct sg_signing_key	 rs256, rs384, es256, es384;

static void
make_key(struct sg_signing_key *k, EVP_PKEY *pkey, enum sg_alg alg)
{
	ck_assert_ptr_nonnull(pkey);
	k->pkey = pkey;
	k->alg = alg;
	ck_assert_int_eq(sg_jwk_thumbprint(pkey, k->kid), 0);
}

static void
setup(void)
{
	if (rs256.pkey != NULL)
		return;
	make_key(&rs256, EVP_RSA_gen(2048), SG_ALG_RS256);
	make_key(&rs384, EVP_RSA_gen(2048), SG_ALG_RS384);
	make_key(&es256, EVP_EC_gen("P-256"), SG_ALG_ES256);
	make_key(&es384, EVP_EC_gen("P-384"), SG_ALG_ES384);
}

/* RFC 7638 §3.1 example. */
#define RFC7638_N \
	"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7" \
	"aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBX" \
	"Arwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c" \
	"7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4l" \
	"Fd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"

START_TEST(test_thumbprint_rfc7638)
{
	json_object	*j;
	struct sg_jwk	 k;
	char		 tp[SG_KID_MAX];

	j = json_tokener_parse("{\"kty\":\"RSA\",\"n\":\"" RFC7638_N "\","
	    "\"e\":\"AQAB\",\"alg\":\"RS256\",\"kid\":\"2011-04-29\"}");
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(sg_jwk_from_json(j, SG_ALG_RS256, SG_ALG_ES256, &k),
	    0);
	ck_assert_str_eq(k.kid, "2011-04-29");
	ck_assert_int_eq(k.alg, SG_ALG_RS256);
	ck_assert_int_eq(sg_jwk_thumbprint(k.pkey, tp), 0);
	ck_assert_str_eq(tp, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
	sg_jwk_clear(&k);
	ck_assert_ptr_null(k.pkey);
	json_object_put(j);
}
END_TEST

START_TEST(test_jwk_round_trip)
{
	struct sg_signing_key	*all[4] = { &rs256, &rs384, &es256, &es384 };
	const char		*members[4] = { "n", "n", "x", "x" };
	struct sg_jwk		 k;
	json_object		*j, *v;
	char			 tp1[SG_KID_MAX], tp2[SG_KID_MAX];
	size_t			 i;

	for (i = 0; i < 4; i++) {
		j = sg_jwk_to_json(all[i]->pkey, all[i]->alg, all[i]->kid);
		ck_assert_ptr_nonnull(j);
		ck_assert(json_object_object_get_ex(j, members[i], NULL));
		ck_assert(!json_object_object_get_ex(j, "d", NULL));
		ck_assert_str_eq(json_object_get_string(
		    json_object_object_get(j, "use")), "sig");
		ck_assert_int_eq(sg_jwk_from_json(j, SG_ALG_RS256,
		    SG_ALG_ES256, &k), 0);
		ck_assert_int_eq(k.alg, all[i]->alg);
		ck_assert_str_eq(k.kid, all[i]->kid);
		ck_assert_int_eq(EVP_PKEY_eq(k.pkey, all[i]->pkey), 1);
		ck_assert_int_eq(sg_jwk_thumbprint(k.pkey, tp1), 0);
		ck_assert_int_eq(sg_jwk_thumbprint(all[i]->pkey, tp2), 0);
		ck_assert_str_eq(tp1, tp2);
		sg_jwk_clear(&k);
		/* Without alg: RSA takes default_rsa, EC its curve's. */
		json_object_object_del(j, "alg");
		ck_assert_int_eq(sg_jwk_from_json(j, SG_ALG_RS384,
		    SG_ALG_ES256, &k), 0);
		ck_assert_int_eq(k.alg, i < 2 ? SG_ALG_RS384 : all[i]->alg);
		sg_jwk_clear(&k);
		ck_assert_int_eq(sg_jwk_from_json(j, SG_ALG_NONE, SG_ALG_NONE,
		    &k), -1);
		/* EC coordinates are fixed size: check x's length. */
		if (i >= 2) {
			v = json_object_object_get(j, "x");
			ck_assert_uint_eq(strlen(json_object_get_string(v)),
			    i == 2 ? 43 : 64);
		}
		json_object_put(j);
	}
}
END_TEST

static const char *const bad_jwks[] = {
	/* private members */
	"{\"kty\":\"RSA\",\"n\":\"" RFC7638_N "\",\"e\":\"AQAB\",\"d\":\"AQAB\"}",
	"{\"kty\":\"RSA\",\"n\":\"" RFC7638_N "\",\"e\":\"AQAB\",\"p\":\"AQAB\"}",
	"{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}",
	"{\"kty\":\"oct\",\"alg\":\"HS256\"}",
	/* short RSA (1024 bits) */
	"{\"kty\":\"RSA\",\"n\":\"" "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7"
	"aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXw"
	"\",\"e\":\"AQAB\"}",
	/* even or unit exponent, missing members, wrong types */
	"{\"kty\":\"RSA\",\"n\":\"" RFC7638_N "\",\"e\":\"AQA\"}",
	"{\"kty\":\"RSA\",\"n\":\"" RFC7638_N "\",\"e\":\"AQ\"}",
	"{\"kty\":\"RSA\",\"n\":\"" RFC7638_N "\",\"e\":\"Ag\"}",
	"{\"kty\":\"RSA\",\"n\":\"" RFC7638_N "\"}",
	"{\"kty\":\"RSA\",\"n\":\"" RFC7638_N "\",\"e\":65537}",
	"{\"kty\":\"RSA\",\"n\":\"" RFC7638_N "==\",\"e\":\"AQAB\"}",
	/* alg that does not fit the key, unsupported alg, use enc */
	"{\"kty\":\"RSA\",\"n\":\"" RFC7638_N "\",\"e\":\"AQAB\",\"alg\":\"ES256\"}",
	"{\"kty\":\"RSA\",\"n\":\"" RFC7638_N "\",\"e\":\"AQAB\",\"alg\":\"PS256\"}",
	"{\"kty\":\"RSA\",\"n\":\"" RFC7638_N "\",\"e\":\"AQAB\",\"alg\":\"none\"}",
	"{\"kty\":\"RSA\",\"n\":\"" RFC7638_N "\",\"e\":\"AQAB\",\"use\":\"enc\"}",
	"{\"kty\":\"RSA\",\"n\":\"" RFC7638_N "\",\"e\":\"AQAB\",\"kid\":5}",
	"{\"kty\":\"RSA\",\"n\":\"" RFC7638_N "\",\"e\":\"AQAB\",\"kid\":\""
	"0123456789012345678901234567890123456789012345678901234567890123\"}",
	/* EC: unknown curve, point not on the curve, short coordinate */
	"{\"kty\":\"EC\",\"crv\":\"P-521\",\"x\":\"AA\",\"y\":\"AA\"}",
	"{\"kty\":\"EC\",\"crv\":\"secp256k1\",\"x\":\"AA\",\"y\":\"AA\"}",
	"{\"kty\":\"EC\",\"crv\":\"P-256\","
	"\"x\":\"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\","
	"\"y\":\"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
	"{\"kty\":\"EC\",\"crv\":\"P-256\","
	"\"x\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\","
	"\"y\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
	"{\"kty\":\"EC\",\"crv\":\"P-256\","
	"\"x\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\","
	"\"y\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
	"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"AA\"}",
	"{\"n\":\"" RFC7638_N "\",\"e\":\"AQAB\"}",
	"[]",
	"\"RSA\"",
};

START_TEST(test_jwk_refused)
{
	struct sg_jwk	 k;
	json_object	*j;
	size_t		 i;

	for (i = 0; i < sizeof(bad_jwks) / sizeof(bad_jwks[0]); i++) {
		j = json_tokener_parse(bad_jwks[i]);
		ck_assert_msg(j != NULL, "case %zu does not parse", i);
		ck_assert_msg(sg_jwk_from_json(j, SG_ALG_RS256, SG_ALG_ES256,
		    &k) == -1, "case %zu accepted", i);
		ck_assert_ptr_null(k.pkey);
		json_object_put(j);
	}
	ck_assert_int_eq(sg_jwk_from_json(NULL, SG_ALG_RS256, SG_ALG_ES256,
	    &k), -1);
	/* EC key whose alg names the other curve. */
	j = sg_jwk_to_json(es256.pkey, SG_ALG_ES384, NULL);
	ck_assert_int_eq(sg_jwk_from_json(j, SG_ALG_RS256, SG_ALG_ES256, &k),
	    -1);
	json_object_put(j);
}
END_TEST

START_TEST(test_jwks_parse)
{
	json_object	*set, *arr, *j;
	struct sg_jwk	 out[4];
	size_t		 i;
	int		 n;

	set = json_object_new_object();
	arr = json_object_new_array();
	json_object_object_add(set, "keys", arr);
	json_object_array_add(arr, json_tokener_parse(bad_jwks[0]));
	j = sg_jwk_to_json(rs384.pkey, SG_ALG_RS384, "enc-key");
	json_object_object_add(j, "use", json_object_new_string("enc"));
	json_object_array_add(arr, j);
	json_object_array_add(arr, json_object_new_int(3));
	json_object_array_add(arr, sg_jwk_to_json(es256.pkey, SG_ALG_ES256,
	    "one"));
	j = sg_jwk_to_json(rs256.pkey, SG_ALG_NONE, "two");
	json_object_object_del(j, "use");
	json_object_array_add(arr, j);
	n = sg_jwks_parse(set, SG_ALG_RS384, SG_ALG_ES256, out, 4);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(out[0].kid, "one");
	ck_assert_int_eq(out[0].alg, SG_ALG_ES256);
	ck_assert_str_eq(out[1].kid, "two");
	ck_assert_int_eq(out[1].alg, SG_ALG_RS384);
	for (i = 0; i < (size_t)n; i++)
		sg_jwk_clear(&out[i]);
	/* max is respected. */
	ck_assert_int_eq(sg_jwks_parse(set, SG_ALG_RS384, SG_ALG_ES256, out,
	    1), 1);
	sg_jwk_clear(&out[0]);
	ck_assert_int_eq(sg_jwks_parse(set, SG_ALG_RS384, SG_ALG_ES256, out,
	    0), 0);
	json_object_put(set);

	/* Malformed documents. */
	j = json_tokener_parse("{\"keys\":{}}");
	ck_assert_int_eq(sg_jwks_parse(j, SG_ALG_RS256, SG_ALG_ES256, out, 4),
	    -1);
	json_object_put(j);
	j = json_tokener_parse("[]");
	ck_assert_int_eq(sg_jwks_parse(j, SG_ALG_RS256, SG_ALG_ES256, out, 4),
	    -1);
	json_object_put(j);
	j = json_tokener_parse("{\"keys\":[]}");
	ck_assert_int_eq(sg_jwks_parse(j, SG_ALG_RS256, SG_ALG_ES256, out, 4),
	    0);
	json_object_put(j);
	ck_assert_int_eq(sg_jwks_parse(NULL, SG_ALG_RS256, SG_ALG_ES256, out,
	    4), -1);
}
END_TEST

START_TEST(test_fits)
{
	struct sg_signing_key	*all[4] = { &rs256, &rs384, &es256, &es384 };
	static const enum sg_alg algs[4] = { SG_ALG_RS256, SG_ALG_RS384,
	    SG_ALG_ES256, SG_ALG_ES384 };
	size_t			 i, j;
	int			 want;

	for (i = 0; i < 4; i++) {
		for (j = 0; j < 4; j++) {
			/* RSA serves both RS*; a curve only its own ES*. */
			want = i < 2 ? j < 2 : i == j;
			ck_assert_int_eq(sg_jwk_fits(all[i]->pkey, algs[j]),
			    want);
		}
		ck_assert_int_eq(sg_jwk_fits(all[i]->pkey, SG_ALG_NONE), 0);
	}
	ck_assert_int_eq(sg_jwk_fits(NULL, SG_ALG_RS256), 0);
}
END_TEST

START_TEST(test_jwks_public)
{
	struct sg_keys		 keys;
	json_object		*set, *arr, *k;
	size_t			 i;

	memset(&keys, 0, sizeof(keys));
	keys.sign[0] = es256;
	keys.sign[1] = rs256;
	keys.nsign = 2;
	set = sg_jwks_public(&keys);
	ck_assert(json_object_object_get_ex(set, "keys", &arr));
	ck_assert_uint_eq(json_object_array_length(arr), 2);
	for (i = 0; i < 2; i++) {
		k = json_object_array_get_idx(arr, i);
		ck_assert_str_eq(json_object_get_string(
		    json_object_object_get(k, "kid")), keys.sign[i].kid);
		ck_assert_str_eq(json_object_get_string(
		    json_object_object_get(k, "alg")),
		    sg_alg_name(keys.sign[i].alg));
		ck_assert(!json_object_object_get_ex(k, "d", NULL));
	}
	json_object_put(set);
	/* No keys: an empty set, still a JWKS. */
	set = sg_jwks_public(NULL);
	ck_assert(json_object_object_get_ex(set, "keys", &arr));
	ck_assert_uint_eq(json_object_array_length(arr), 0);
	json_object_put(set);
}
END_TEST

static Suite *
jwk_suite(void)
{
	Suite	*s = suite_create("jwk");
	TCase	*tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_thumbprint_rfc7638);
	tcase_add_test(tc, test_jwk_round_trip);
	tcase_add_test(tc, test_jwk_refused);
	tcase_add_test(tc, test_jwks_parse);
	tcase_add_test(tc, test_fits);
	tcase_add_test(tc, test_jwks_public);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	int	 rc = tl_run(jwk_suite());

	EVP_PKEY_free(rs256.pkey);
	EVP_PKEY_free(rs384.pkey);
	EVP_PKEY_free(es256.pkey);
	EVP_PKEY_free(es384.pkey);
	return rc;
}
