/*
 * Unit tests for txn.c: the transaction cookie's random values, its
 * seal round trip, expiry and tampering, and authentic but malformed
 * content.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>
#include <json-c/json.h>

#include "context.h"
#include "keys.h"
#include "seal.h"
#include "txn.h"
#include "testlib.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define NOW		((time_t)1700000000)

static struct sg_keys	 keys;

static void
b64url_len(const char *s, size_t want)
{
	ck_assert_uint_eq(strlen(s), want);
	ck_assert_uint_eq(strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_"), want);
}

START_TEST(test_txn_init)
{
	struct sg_txn	 a, b;
	const char	*va[4], *vb[4];
	size_t		 i, j;

	sg_txn_init(&a);
	sg_txn_init(&b);
	ck_assert_int_eq(a.stage, SG_TXN_LOGIN);
	ck_assert_int_eq(a.ctx.need_patient_banner, -1);
	ck_assert_ptr_null(a.client_id);
	ck_assert_ptr_null(a.sub);
	b64url_len(a.idp_state, 22);
	b64url_len(a.idp_nonce, 22);
	b64url_len(a.idp_verifier, 43);	/* RFC 7636 §4.1: 43..128 */
	b64url_len(a.csrf, 22);
	va[0] = a.idp_state; va[1] = a.idp_nonce;
	va[2] = a.idp_verifier; va[3] = a.csrf;
	vb[0] = b.idp_state; vb[1] = b.idp_nonce;
	vb[2] = b.idp_verifier; vb[3] = b.csrf;
	/* Every value differs from every other, within and across. */
	for (i = 0; i < 4; i++)
		for (j = 0; j < 4; j++) {
			ck_assert_str_ne(va[i], vb[j]);
			if (i != j)
				ck_assert_str_ne(va[i], va[j]);
		}
	sg_txn_clear(&a);
	sg_txn_clear(&b);
	ck_assert_int_eq(a.ctx.need_patient_banner, -1);
	ck_assert_ptr_null(a.client_id);
}
END_TEST

static void
txn_eq(const struct sg_txn *a, const struct sg_txn *b)
{
	ck_assert_int_eq(a->stage, b->stage);
	tl_str_eq("client_id", a->client_id, b->client_id);
	tl_str_eq("redirect_uri", a->redirect_uri, b->redirect_uri);
	tl_str_eq("state", a->state, b->state);
	tl_str_eq("scope", a->scope, b->scope);
	tl_str_eq("code_challenge", a->code_challenge, b->code_challenge);
	tl_str_eq("nonce", a->nonce, b->nonce);
	tl_ctx_eq(&a->ctx, &b->ctx);
	ck_assert_str_eq(a->idp_state, b->idp_state);
	ck_assert_str_eq(a->idp_nonce, b->idp_nonce);
	ck_assert_str_eq(a->idp_verifier, b->idp_verifier);
	ck_assert_str_eq(a->csrf, b->csrf);
	tl_str_eq("sub", a->sub, b->sub);
	tl_str_eq("name", a->name, b->name);
	tl_str_eq("fhir_user", a->fhir_user, b->fhir_user);
	ck_assert_int_eq((long long)a->auth_time, (long long)b->auth_time);
}

/* _i = 0: at login (nothing about the user); 1: at consent. */
START_TEST(test_txn_round_trip)
{
	struct sg_txn	 t, out;
	char		*tok;

	sg_txn_init(&t);
	t.client_id = strdup("app-1");
	t.redirect_uri = strdup("https://app.example/cb?x=1");
	t.state = strdup("a b&c=d/\xc3\xa9\"");
	t.scope = strdup("launch openid fhirUser patient/*.rs");
	t.code_challenge = strdup("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
	if (_i == 1) {
		t.stage = SG_TXN_CONSENT;
		t.nonce = strdup("n1");
		t.ctx.patient = strdup("123");
		t.ctx.fhir_context = json_tokener_parse(
		    "[{\"reference\":\"Encounter/1\"}]");
		t.ctx.need_patient_banner = 0;
		t.ctx.client_id = strdup("app-1");
		t.sub = strdup("alice");
		t.name = strdup("Alice");
		t.fhir_user = strdup("Practitioner/9");
		t.auth_time = NOW - 5;
	}
	tok = sg_txn_seal(&keys, &t, NOW + 600);
	ck_assert_ptr_nonnull(tok);
	ck_assert_int_eq(sg_txn_open(&keys, NOW, tok, &out), SG_SEAL_OK);
	txn_eq(&t, &out);
	sg_txn_clear(&out);
	ck_assert_int_eq(sg_txn_open(&keys, NOW + 601, tok, &out),
	    SG_SEAL_EXPIRED);
	ck_assert_ptr_null(out.client_id);
	tok[30] = tok[30] == 'A' ? 'B' : 'A';
	ck_assert_int_eq(sg_txn_open(&keys, NOW, tok, &out), SG_SEAL_BAD);
	ck_assert_ptr_null(out.client_id);
	free(tok);
	sg_txn_clear(&t);
}
END_TEST

/* Authentic transactions with something missing or wrong. */
#define T_RAND	"\"ist\":\"AAAAAAAAAAAAAAAAAAAAAA\"," \
		"\"inn\":\"AAAAAAAAAAAAAAAAAAAAAA\"," \
		"\"iv\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"," \
		"\"csrf\":\"AAAAAAAAAAAAAAAAAAAAAA\""
#define T_REQ	"\"cid\":\"c\",\"ru\":\"r\",\"state\":\"s\",\"scope\":\"o\"," \
		"\"cc\":\"x\",\"ctx\":{}"
static const struct {
	const char	*json;
	int		 ok;
} txn_malformed_table[] = {
	{ "{\"stage\":1," T_REQ "," T_RAND "}", 1 },
	{ "{\"stage\":2," T_REQ "," T_RAND ",\"sub\":\"u\",\"at\":3}", 1 },
	{ "{\"stage\":3," T_REQ "," T_RAND "}", 0 },
	{ "{\"stage\":0," T_REQ "," T_RAND "}", 0 },
	{ "{\"stage\":\"1\"," T_REQ "," T_RAND "}", 0 },
	{ "{" T_REQ "," T_RAND "}", 0 },
	{ "{\"stage\":1,\"ru\":\"r\",\"state\":\"s\",\"scope\":\"o\","
	    "\"cc\":\"x\",\"ctx\":{}," T_RAND "}", 0 },
	{ "{\"stage\":1,\"cid\":\"c\",\"state\":\"s\",\"scope\":\"o\","
	    "\"cc\":\"x\",\"ctx\":{}," T_RAND "}", 0 },
	{ "{\"stage\":1,\"cid\":\"c\",\"ru\":\"r\",\"scope\":\"o\","
	    "\"cc\":\"x\",\"ctx\":{}," T_RAND "}", 0 },
	{ "{\"stage\":1,\"cid\":\"c\",\"ru\":\"r\",\"state\":\"s\","
	    "\"cc\":\"x\",\"ctx\":{}," T_RAND "}", 0 },
	{ "{\"stage\":1,\"cid\":\"c\",\"ru\":\"r\",\"state\":\"s\","
	    "\"scope\":\"o\",\"ctx\":{}," T_RAND "}", 0 },
	{ "{\"stage\":1,\"cid\":\"c\",\"ru\":\"r\",\"state\":\"s\","
	    "\"scope\":\"o\",\"cc\":\"x\"," T_RAND "}", 0 },
	{ "{\"stage\":1," T_REQ ",\"ist\":\"AAAAAAAAAAAAAAAAAAAAAA\","
	    "\"inn\":\"AAAAAAAAAAAAAAAAAAAAAA\",\"iv\":\"AAAA\","
	    "\"csrf\":\"AAAAAAAAAAAAAAAAAAAAAA\"}", 0 },
	{ "{\"stage\":1," T_REQ ",\"ist\":\"AAAAAAAAAAAAAAAAAAAAAA\","
	    "\"inn\":\"AAAAAAAAAAAAAAAAAAAAAA\","
	    "\"iv\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}", 0 },
	{ "{\"stage\":1," T_REQ "," T_RAND ",\"sub\":1}", 0 },
	{ "{\"stage\":1," T_REQ "," T_RAND ",\"at\":\"x\"}", 0 },
	{ "[1]", 0 },
};

START_TEST(test_txn_malformed)
{
	struct sg_txn	 out;
	const char	*json = txn_malformed_table[_i].json;
	char		*tok;

	tok = sg_seal(&keys, SG_PURPOSE_TRANSACTION, NOW + 60, json,
	    strlen(json));
	ck_assert_ptr_nonnull(tok);
	if (txn_malformed_table[_i].ok) {
		ck_assert_int_eq(sg_txn_open(&keys, NOW, tok, &out),
		    SG_SEAL_OK);
		ck_assert_str_eq(out.client_id, "c");
		sg_txn_clear(&out);
	} else {
		ck_assert_int_eq(sg_txn_open(&keys, NOW, tok, &out),
		    SG_SEAL_MALFORMED);
		ck_assert_ptr_null(out.client_id);
		ck_assert_ptr_null(out.redirect_uri);
		ck_assert_ptr_null(out.state);
		ck_assert_ptr_null(out.scope);
		ck_assert_ptr_null(out.code_challenge);
		ck_assert_ptr_null(out.sub);
		ck_assert_ptr_null(out.ctx.fhir_context);
	}
	free(tok);
}
END_TEST

static Suite *
txn_suite(void)
{
	Suite	*s = suite_create("txn");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_txn_init);
	tcase_add_loop_test(tc, test_txn_round_trip, 0, 2);
	tcase_add_loop_test(tc, test_txn_malformed, 0,
	    NELEM(txn_malformed_table));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	tl_master_key(&keys);
	return tl_run(txn_suite());
}
