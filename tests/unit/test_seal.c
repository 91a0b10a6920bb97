/*
 * Unit tests for seal.c: round trips, tampering, purposes, expiry,
 * rotation, sealed JSON and random ids.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>
#include <json-c/json.h>

#include "b64.h"
#include "bounds.h"
#include "keys.h"
#include "seal.h"
#include "testlib.h"

#define NOW	((time_t)1700000000)

static void
add_master(struct sg_keys *k, const char *kid, unsigned char fill, size_t len)
{
	struct sg_master_key *m = &k->master[k->nmaster++];

	snprintf(m->kid, sizeof(m->kid), "%s", kid);
	memset(m->secret, fill, len);
	m->secret[0] = (unsigned char)len;
	m->len = len;
}

static void
keys_init(struct sg_keys *k)
{
	memset(k, 0, sizeof(*k));
	add_master(k, "k2024a", 0x11, 32);
	add_master(k, "old", 0x22, 64);
}

START_TEST(test_round_trip)
{
	struct sg_keys	 k;
	static const char *const data[] = { "", "x", "hello, world",
	    "{\"client_id\":\"app\",\"scope\":\"openid fhirUser\"}" };
	unsigned char	*out;
	size_t		 i, len;
	char		*env;

	keys_init(&k);
	for (i = 0; i < sizeof(data) / sizeof(data[0]); i++) {
		env = sg_seal(&k, SG_PURPOSE_CODE, NOW + 60, data[i],
		    strlen(data[i]));
		ck_assert_ptr_nonnull(env);
		ck_assert_int_eq(sg_unseal(&k, SG_PURPOSE_CODE, NOW, env,
		    strlen(env), &out, &len), SG_SEAL_OK);
		ck_assert_uint_eq(len, strlen(data[i]));
		ck_assert_str_eq((char *)out, data[i]);
		free(out);
		free(env);
	}
}
END_TEST

START_TEST(test_binary_data)
{
	struct sg_keys	 k;
	unsigned char	 data[256], *out;
	size_t		 i, len;
	char		*env;

	keys_init(&k);
	for (i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)i;
	env = sg_seal(&k, SG_PURPOSE_REFRESH, NOW, data, sizeof(data));
	ck_assert_ptr_nonnull(env);
	/* expiry == now is still valid: only now > expiry expires. */
	ck_assert_int_eq(sg_unseal(&k, SG_PURPOSE_REFRESH, NOW, env,
	    strlen(env), &out, &len), SG_SEAL_OK);
	ck_assert_uint_eq(len, sizeof(data));
	ck_assert_int_eq(memcmp(out, data, len), 0);
	free(out);
	free(env);
}
END_TEST

START_TEST(test_nonce_is_random)
{
	struct sg_keys	 k;
	char		*a, *b;

	keys_init(&k);
	a = sg_seal(&k, SG_PURPOSE_CSRF, NOW, "same", 4);
	b = sg_seal(&k, SG_PURPOSE_CSRF, NOW, "same", 4);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_str_ne(a, b);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_wrong_purpose)
{
	struct sg_keys	 k;
	static const char *const others[] = { SG_PURPOSE_TRANSACTION,
	    SG_PURPOSE_REFRESH, SG_PURPOSE_LAUNCH, SG_PURPOSE_CSRF, "" };
	static unsigned char sentinel[1];
	unsigned char	*out = sentinel;
	size_t		 i, len = 7;
	char		*env;

	keys_init(&k);
	env = sg_seal(&k, SG_PURPOSE_CODE, NOW + 60, "code", 4);
	ck_assert_ptr_nonnull(env);
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		ck_assert_int_eq(sg_unseal(&k, others[i], NOW, env,
		    strlen(env), &out, &len), SG_SEAL_BAD);
		ck_assert_ptr_null(out);
		ck_assert_uint_eq(len, 0);
	}
	free(env);
}
END_TEST

/* Every single flipped bit of the raw envelope must be refused. */
START_TEST(test_flipped_bits)
{
	struct sg_keys		 k;
	unsigned char		*raw, *out;
	size_t			 rawlen, i, len;
	int			 bit;
	char			*env, *t;
	enum sg_seal_result	 r;

	keys_init(&k);
	env = sg_seal(&k, SG_PURPOSE_TRANSACTION, NOW + 600, "state=xyz", 9);
	ck_assert_ptr_nonnull(env);
	raw = sg_b64url_decode(env, strlen(env), &rawlen);
	ck_assert_ptr_nonnull(raw);
	for (i = 0; i < rawlen; i++) {
		for (bit = 0; bit < 8; bit++) {
			raw[i] ^= (unsigned char)(1 << bit);
			t = sg_b64url_encode(raw, rawlen);
			r = sg_unseal(&k, SG_PURPOSE_TRANSACTION, NOW, t,
			    strlen(t), &out, &len);
			ck_assert_msg(r != SG_SEAL_OK,
			    "flipped byte %zu bit %d accepted", i, bit);
			free(t);
			raw[i] ^= (unsigned char)(1 << bit);
		}
	}
	free(raw);
	free(env);
}
END_TEST

START_TEST(test_expired)
{
	struct sg_keys	 k;
	unsigned char	*out;
	size_t		 len;
	char		*env;

	keys_init(&k);
	env = sg_seal(&k, SG_PURPOSE_CODE, NOW, "c", 1);
	ck_assert_ptr_nonnull(env);
	ck_assert_int_eq(sg_unseal(&k, SG_PURPOSE_CODE, NOW + 1, env,
	    strlen(env), &out, &len), SG_SEAL_EXPIRED);
	ck_assert_ptr_null(out);
	/* Authentication comes first: an expired but forged one is BAD. */
	ck_assert_int_eq(sg_unseal(&k, SG_PURPOSE_LAUNCH, NOW + 1, env,
	    strlen(env), &out, &len), SG_SEAL_BAD);
	free(env);
}
END_TEST

START_TEST(test_rotation)
{
	struct sg_keys	 old, cur, other;
	unsigned char	*out;
	size_t		 len;
	char		*env;

	/* Sealed when "old" was first... */
	memset(&old, 0, sizeof(old));
	add_master(&old, "old", 0x22, 64);
	env = sg_seal(&old, SG_PURPOSE_REFRESH, NOW + 60, "grant", 5);
	ck_assert_ptr_nonnull(env);
	/* ...still opens once a new key seals and "old" is second. */
	keys_init(&cur);
	ck_assert_int_eq(sg_unseal(&cur, SG_PURPOSE_REFRESH, NOW, env,
	    strlen(env), &out, &len), SG_SEAL_OK);
	ck_assert_str_eq((char *)out, "grant");
	free(out);
	/* Once "old" is retired, its envelopes name an unknown key. */
	memset(&other, 0, sizeof(other));
	add_master(&other, "k2024a", 0x11, 32);
	ck_assert_int_eq(sg_unseal(&other, SG_PURPOSE_REFRESH, NOW, env,
	    strlen(env), &out, &len), SG_SEAL_UNKNOWN_KEY);
	/* Same kid, different secret: authentication fails. */
	memset(&other, 0, sizeof(other));
	add_master(&other, "old", 0x33, 64);
	ck_assert_int_eq(sg_unseal(&other, SG_PURPOSE_REFRESH, NOW, env,
	    strlen(env), &out, &len), SG_SEAL_BAD);
	free(env);
}
END_TEST

START_TEST(test_truncated)
{
	struct sg_keys	 k;
	unsigned char	*out;
	size_t		 len, n;
	char		*env;

	keys_init(&k);
	env = sg_seal(&k, SG_PURPOSE_CODE, NOW + 60, "abc", 3);
	ck_assert_ptr_nonnull(env);
	for (n = 0; n < strlen(env); n++)
		ck_assert_msg(sg_unseal(&k, SG_PURPOSE_CODE, NOW, env, n,
		    &out, &len) != SG_SEAL_OK, "truncated to %zu accepted", n);
	free(env);
}
END_TEST

/* Hand-made envelopes: every malformed header is MALFORMED. */
START_TEST(test_malformed)
{
	static const struct {
		unsigned char	 raw[64];
		size_t		 len;
	} bad[] = {
		{ { 0 }, 0 },
		{ { 2, 3, 'o', 'l', 'd' }, 60 },	/* version 2 */
		{ { 1, 0 }, 60 },			/* empty kid */
		{ { 1, 17, 'a' }, 60 },			/* kid too long */
		{ { 1, 3, 'o', 'l', '.' }, 60 },	/* kid character */
		{ { 1, 3, 'o', 'l', 'd' }, 40 },	/* too short for kid */
		{ { 1, 1, 'a' }, 38 },			/* below minimum */
	};
	struct sg_keys	 k;
	unsigned char	*out;
	size_t		 i, len;
	char		*t, big[SG_MAX_SEALED + 2];

	keys_init(&k);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t = sg_b64url_encode(bad[i].raw, bad[i].len);
		ck_assert_msg(sg_unseal(&k, SG_PURPOSE_CODE, NOW, t, strlen(t),
		    &out, &len) == SG_SEAL_MALFORMED, "case %zu", i);
		free(t);
	}
	ck_assert_int_eq(sg_unseal(&k, SG_PURPOSE_CODE, NOW, "not base64!",
	    11, &out, &len), SG_SEAL_MALFORMED);
	ck_assert_int_eq(sg_unseal(&k, SG_PURPOSE_CODE, NOW, "A", 1, &out,
	    &len), SG_SEAL_MALFORMED);
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(sg_unseal(&k, SG_PURPOSE_CODE, NOW, big,
	    strlen(big), &out, &len), SG_SEAL_MALFORMED);
}
END_TEST

START_TEST(test_seal_refusals)
{
	struct sg_keys	 k;
	static char	 data[SG_MAX_SEALED];

	memset(&k, 0, sizeof(k));
	ck_assert_ptr_null(sg_seal(&k, SG_PURPOSE_CODE, NOW, "x", 1));
	keys_init(&k);
	ck_assert_ptr_null(sg_seal(&k, NULL, NOW, "x", 1));
	/* Never produce what sg_unseal() would refuse as too long. */
	ck_assert_ptr_null(sg_seal(&k, SG_PURPOSE_CODE, NOW, data,
	    sizeof(data)));
}
END_TEST

/*
 * A known answer.  Refresh tokens live for months (refresh_token_ttl,
 * 90 days by default), so an envelope sealed by one build must open in
 * the next: this one was sealed once, with the master key below (kid
 * "kat-2026", secret bytes 0x00..0x1f), for "smartgate/refresh",
 * expiring at 1900000000.  A change to the HKDF salt or info, the AAD,
 * the cipher or the layout makes it fail to open.
 */
#define KAT_SEALED \
	"AQhrYXQtMjAyNgAAAABxP7MAi-_5pDbUwLIDjcbWWSvaSEBH6bGzrJajQqzujpWK_Q7m" \
	"R3IyAdIkbJBU-F2HoscXzEjiuVssL-sl2IcEeEWfZ7K3aiivbi-U0iZCqcKNQEa-4KFQ" \
	"_V9c-mbOY4Q8u5B9hoAuVsqECOowydEnMOlNr4PY3XZA"
#define KAT_PAYLOAD \
	"{\"sub\":\"known-answer\",\"client_id\":\"app-kat\"," \
	"\"scope\":\"openid offline_access patient/*.rs\"}"
#define KAT_EXPIRY	((time_t)1900000000)

START_TEST(test_known_answer)
{
	struct sg_keys	 k;
	unsigned char	*out = NULL;
	size_t		 outlen = 0, i;

	memset(&k, 0, sizeof(k));
	snprintf(k.master[0].kid, sizeof(k.master[0].kid), "kat-2026");
	for (i = 0; i < 32; i++)
		k.master[0].secret[i] = (unsigned char)i;
	k.master[0].len = 32;
	k.nmaster = 1;
	/* The purpose string is part of the key derivation and the AAD. */
	ck_assert_str_eq(SG_PURPOSE_REFRESH, "smartgate/refresh");
	ck_assert_int_eq(sg_unseal(&k, "smartgate/refresh", NOW, KAT_SEALED,
	    strlen(KAT_SEALED), &out, &outlen), SG_SEAL_OK);
	ck_assert_uint_eq(outlen, strlen(KAT_PAYLOAD));
	ck_assert_mem_eq(out, KAT_PAYLOAD, outlen);
	ck_assert_int_eq(out[outlen], '\0');
	free(out);
	/* The expiry is where the layout says: valid to its last second. */
	out = NULL;
	ck_assert_int_eq(sg_unseal(&k, "smartgate/refresh", KAT_EXPIRY,
	    KAT_SEALED, strlen(KAT_SEALED), &out, &outlen), SG_SEAL_OK);
	free(out);
	out = NULL;
	ck_assert_int_eq(sg_unseal(&k, "smartgate/refresh", KAT_EXPIRY + 1,
	    KAT_SEALED, strlen(KAT_SEALED), &out, &outlen), SG_SEAL_EXPIRED);
	ck_assert_ptr_null(out);
	/* Another purpose, or another secret, does not open it. */
	ck_assert_int_eq(sg_unseal(&k, "smartgate/code", NOW, KAT_SEALED,
	    strlen(KAT_SEALED), &out, &outlen), SG_SEAL_BAD);
	k.master[0].secret[31] ^= 1;
	ck_assert_int_eq(sg_unseal(&k, "smartgate/refresh", NOW, KAT_SEALED,
	    strlen(KAT_SEALED), &out, &outlen), SG_SEAL_BAD);
	ck_assert_ptr_null(out);
}
END_TEST

/*
 * Every purpose opens only as itself, the access token's included: a
 * code or a refresh token is never an access token, nor the reverse.
 */
START_TEST(test_purposes_distinct)
{
	struct sg_keys	 k;
	static const char *const all[] = { SG_PURPOSE_TRANSACTION,
	    SG_PURPOSE_CODE, SG_PURPOSE_REFRESH, SG_PURPOSE_LAUNCH,
	    SG_PURPOSE_CSRF, SG_PURPOSE_ACCESS };
	unsigned char	*out;
	size_t		 i, j, len;
	char		*env;

	keys_init(&k);
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		env = sg_seal(&k, all[i], NOW + 60, "x", 1);
		ck_assert_ptr_nonnull(env);
		for (j = 0; j < sizeof(all) / sizeof(all[0]); j++) {
			out = NULL;
			ck_assert_int_eq(sg_unseal(&k, all[j], NOW, env,
			    strlen(env), &out, &len), i == j ? SG_SEAL_OK :
			    SG_SEAL_BAD);
			free(out);
		}
		free(env);
	}
}
END_TEST

/*
 * Sealed JSON: the object comes back equal; an authentic envelope that
 * holds no JSON object is malformed; a refusal leaves *out NULL.
 */
START_TEST(test_json)
{
	struct sg_keys	 k;
	json_object	*o, *out;
	char		*env;

	keys_init(&k);
	o = json_tokener_parse("{\"cid\":\"app\",\"at\":5,\"ctx\":{}}");
	ck_assert_ptr_nonnull(o);
	/* sg_seal_json puts its object: keep one for the comparison. */
	env = sg_seal_json(&k, SG_PURPOSE_CODE, NOW + 60, json_object_get(o));
	ck_assert_ptr_nonnull(env);
	ck_assert_int_eq(sg_unseal_json(&k, SG_PURPOSE_CODE, NOW, env, &out),
	    SG_SEAL_OK);
	ck_assert_int_eq(json_object_equal(o, out), 1);
	json_object_put(out);
	out = o;
	ck_assert_int_eq(sg_unseal_json(&k, SG_PURPOSE_REFRESH, NOW, env,
	    &out), SG_SEAL_BAD);
	ck_assert_ptr_null(out);
	out = o;
	ck_assert_int_eq(sg_unseal_json(&k, SG_PURPOSE_CODE, NOW + 61, env,
	    &out), SG_SEAL_EXPIRED);
	ck_assert_ptr_null(out);
	free(env);
	json_object_put(o);
	env = sg_seal(&k, SG_PURPOSE_CODE, NOW + 60, "[1]", 3);
	ck_assert_ptr_nonnull(env);
	out = NULL;
	ck_assert_int_eq(sg_unseal_json(&k, SG_PURPOSE_CODE, NOW, env, &out),
	    SG_SEAL_MALFORMED);
	ck_assert_ptr_null(out);
	free(env);
}
END_TEST

/* Random ids: base64url of n bytes, never twice the same. */
START_TEST(test_random_id)
{
	char	 a[23], b[23], v[44];

	sg_seal_random_id(a);
	sg_seal_random_id(b);
	ck_assert_uint_eq(strlen(a), 22);
	ck_assert_uint_eq(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_"), 22);
	ck_assert_str_ne(a, b);
	sg_seal_random(v, 32);
	ck_assert_uint_eq(strlen(v), 43);
	ck_assert_uint_eq(strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_"), 43);
}
END_TEST

static Suite *
seal_suite(void)
{
	Suite	*s = suite_create("seal");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_binary_data);
	tcase_add_test(tc, test_nonce_is_random);
	tcase_add_test(tc, test_wrong_purpose);
	tcase_add_test(tc, test_flipped_bits);
	tcase_add_test(tc, test_expired);
	tcase_add_test(tc, test_rotation);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_seal_refusals);
	tcase_add_test(tc, test_known_answer);
	tcase_add_test(tc, test_json);
	tcase_add_test(tc, test_random_id);
	tcase_add_test(tc, test_purposes_distinct);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tl_run(seal_suite());
}
