/*
 * Unit tests for context.c: the launch context to and from JSON, the
 * fhirContext, smart_style_url and member checks, and the sealed EHR
 * launch value checked again when opened.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>
#include <json-c/json.h>

#include "bounds.h"
#include "context.h"
#include "keys.h"
#include "seal.h"
#include "testlib.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define NOW		((time_t)1700000000)

static struct sg_keys	 keys;

/* Context JSON: invalid shapes refused with nothing kept. */
static const struct {
	const char	*json;
	int		 ok;
} ctx_table[] = {
	{ "{}", 1 },
	{ "{\"patient\":\"p\",\"need_patient_banner\":false}", 1 },
	{ "{\"fhirContext\":[{\"reference\":\"Encounter/1\"}],"
	    "\"need_patient_banner\":true,\"unknown\":1}", 1 },
	{ "[]", 0 },
	{ "\"p\"", 0 },
	{ "{\"patient\":1}", 0 },
	{ "{\"patient\":\"p\",\"encounter\":{}}", 0 },
	{ "{\"patient\":\"p\",\"fhirContext\":\"x\"}", 0 },
	{ "{\"patient\":\"p\",\"fhirContext\":null}", 0 },
	{ "{\"patient\":\"p\",\"need_patient_banner\":1}", 0 },
	{ "{\"patient\":\"p\",\"smart_style_url\":[]}", 0 },
};

START_TEST(test_context_json)
{
	struct sg_context	 c;
	json_object		*o, *back;

	o = json_tokener_parse(ctx_table[_i].json);
	ck_assert_ptr_nonnull(o);
	if (ctx_table[_i].ok) {
		ck_assert_int_eq(sg_context_from_json(o, &c), 0);
		back = sg_context_to_json(&c);
		json_object_object_del(o, "unknown");
		ck_assert_int_eq(json_object_equal(o, back), 1);
		json_object_put(back);
		sg_context_clear(&c);
	} else {
		ck_assert_int_eq(sg_context_from_json(o, &c), -1);
		ck_assert_ptr_null(c.patient);
		ck_assert_ptr_null(c.fhir_context);
		ck_assert_int_eq(c.need_patient_banner, -1);
	}
	json_object_put(o);
}
END_TEST

/* SMART App Launch fhirContext: an array of objects with a reference. */
START_TEST(test_parse_fhir_context)
{
	static const struct {
		const char	*in;
		int		 ok;
	} t[] = {
		{ "[]", 1 },
		{ "[{\"reference\":\"Encounter/1\"}]", 1 },
		{ "[{\"canonical\":\"http://x/Q|1\",\"role\":\"launch\"}]", 1 },
		{ "[{\"identifier\":{\"value\":\"1\"}}]", 1 },
		{ "{}", 0 },
		{ "[1]", 0 },
		{ "[{\"role\":\"launch\"}]", 0 },
		{ "[{\"reference\":\"a\"}] x", 0 },
		{ "[{\"reference\":\"a\"}", 0 },
		{ "", 0 },
		{ "null", 0 },
		/* Every member checked (SMART App Launch 2.2 fhirContext). */
		{ "[{\"reference\":\"Encounter/1\",\"type\":\"Encounter\","
		    "\"role\":\"launch\"}]", 1 },
		{ "[{\"reference\":\"Encounter/1\",\"role\":"
		    "\"https://x.example/r#a\"}]", 1 },
		{ "[{\"canonical\":\"urn:uuid:1\"}]", 1 },
		{ "[{\"reference\":\"Patient/..\"}]", 0 },
		{ "[{\"reference\":\"Patient/.\"}]", 0 },
		{ "[{\"reference\":\"javascript:alert(1)\"}]", 0 },
		{ "[{\"reference\":\"https://x.example/Encounter/1\"}]", 0 },
		{ "[{\"reference\":1}]", 0 },
		{ "[{\"reference\":\"Encounter/1\",\"role\":\"a b\"}]", 0 },
		{ "[{\"reference\":\"Encounter/1\",\"role\":\"<b>\"}]", 0 },
		{ "[{\"reference\":\"Encounter/1\",\"type\":\"x y\"}]", 0 },
		{ "[{\"reference\":\"Encounter/1\",\"type\":1}]", 0 },
		{ "[{\"reference\":\"Encounter/1\",\"extra\":1}]", 0 },
		{ "[{\"canonical\":\"javascript:x\"}]", 0 },
		{ "[{\"canonical\":\"http://x/Q\\\"\"}]", 0 },
		{ "[{\"identifier\":\"x\"}]", 0 },
		{ "[{\"reference\":\"Encounter/1\"},{\"reference\":\"../x\"}]",
		    0 },
	};
	json_object	*o;
	char		*big;
	size_t		 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		o = sg_context_parse_fhir(t[i].in);
		ck_assert_msg((o != NULL) == t[i].ok, "%s", t[i].in);
		json_object_put(o);
	}
	/* SG_MAX_FHIR_CONTEXT bytes parse; one more does not. */
	big = malloc(SG_MAX_FHIR_CONTEXT + 2);
	ck_assert_ptr_nonnull(big);
	memset(big, ' ', SG_MAX_FHIR_CONTEXT + 1);
	memcpy(big, "[]", 2);
	big[SG_MAX_FHIR_CONTEXT] = '\0';
	o = sg_context_parse_fhir(big);
	ck_assert_ptr_nonnull(o);
	json_object_put(o);
	big[SG_MAX_FHIR_CONTEXT] = ' ';
	big[SG_MAX_FHIR_CONTEXT + 1] = '\0';
	ck_assert_ptr_null(sg_context_parse_fhir(big));
	free(big);
}
END_TEST

/* smart_style_url: absolute https, or http on loopback (the demo). */
static const struct {
	const char	*url;
	int		 ok;
} style_table[] = {
	{ "https://ehr.example/smart-style.json", 1 },
	{ "https://ehr.example:8443/s.json?v=1#x", 1 },
	{ "https://ehr.example", 1 },
	{ "http://127.0.0.1:8080/auth/smart-style.json", 1 },
	{ "http://localhost/s.json", 1 },
	{ "http://[::1]:9/s.json", 1 },
	{ "javascript:alert(1)", 0 },
	{ "JAVASCRIPT:alert(1)", 0 },
	{ "data:application/json,{}", 0 },
	{ "http://ehr.example/s.json", 0 },
	{ "http://localhost.evil.example/s.json", 0 },
	{ "http://localhost:1@evil.example/s.json", 0 },
	{ "https://user@evil.example/s.json", 0 },
	{ "https://", 0 },
	{ "https:///s.json", 0 },
	{ "https://?x", 0 },
	{ "https://:443/s.json", 0 },
	{ "/relative/s.json", 0 },
	{ "//ehr.example/s.json", 0 },
	{ "ftp://ehr.example/s.json", 0 },
	{ "https://ehr.example/a b", 0 },
	{ "https://ehr.example/a\"b", 0 },
	{ "https://ehr.example/<b>", 0 },
	{ "https://ehr.example\\@evil.example/", 0 },
	{ "https://ehr.example/\n", 0 },
	{ "", 0 },
};

START_TEST(test_style_url)
{
	ck_assert_msg(sg_context_style_url_ok(style_table[_i].url) ==
	    style_table[_i].ok, "[%s]: want %d", style_table[_i].url,
	    style_table[_i].ok);
}
END_TEST

/* Every member of a launch context, and the one named when bad. */
static const struct {
	const char	*patient, *encounter, *fhir, *intent, *style;
	int		 banner;
	const char	*client;
	const char	*bad;		/* member sg_context_check names */
} check_table[] = {
	{ NULL, NULL, NULL, NULL, NULL, -1, NULL, NULL },
	{ "pat-1", "enc.1", "[{\"reference\":\"Encounter/enc.1\"}]",
	    "reconcile-medications", "https://ehr.example/s.json", 1,
	    "demo-public", NULL },
	{ "p", NULL, NULL, "a.b:c/d_e-f", NULL, 0, NULL, NULL },
	{ ".", NULL, NULL, NULL, NULL, -1, NULL, "patient" },
	{ "..", NULL, NULL, NULL, NULL, -1, NULL, "patient" },
	{ "a/b", NULL, NULL, NULL, NULL, -1, NULL, "patient" },
	{ "", NULL, NULL, NULL, NULL, -1, NULL, "patient" },
	{ "p", "..", NULL, NULL, NULL, -1, NULL, "encounter" },
	{ "p", "e", "[{\"reference\":\"Patient/..\"}]", NULL, NULL, -1, NULL,
	    "fhirContext" },
	{ "p", "e", "[{\"role\":\"launch\"}]", NULL, NULL, -1, NULL,
	    "fhirContext" },
	{ NULL, NULL, NULL, "a b", NULL, -1, NULL, "intent" },
	{ NULL, NULL, NULL, "<script>", NULL, -1, NULL, "intent" },
	{ NULL, NULL, NULL, "", NULL, -1, NULL, "intent" },
	{ NULL, NULL, NULL, NULL, "javascript:alert(1)", -1, NULL,
	    "smart_style_url" },
	{ NULL, NULL, NULL, NULL, "http://evil.example/s.json", -1, NULL,
	    "smart_style_url" },
	{ NULL, NULL, NULL, NULL, NULL, 2, NULL, "need_patient_banner" },
	{ NULL, NULL, NULL, NULL, NULL, -2, NULL, "need_patient_banner" },
	{ NULL, NULL, NULL, NULL, NULL, -1, "a b", "client_id" },
	{ NULL, NULL, NULL, NULL, NULL, -1, "", "client_id" },
};

/* Fills c from check_table[i]; the fhirContext parsed as it is. */
static void
check_ctx(size_t i, struct sg_context *c)
{
	memset(c, 0, sizeof(*c));
	c->patient = tl_dup_or_null(check_table[i].patient);
	c->encounter = tl_dup_or_null(check_table[i].encounter);
	if (check_table[i].fhir != NULL) {
		c->fhir_context = json_tokener_parse(check_table[i].fhir);
		ck_assert_ptr_nonnull(c->fhir_context);
	}
	c->intent = tl_dup_or_null(check_table[i].intent);
	c->smart_style_url = tl_dup_or_null(check_table[i].style);
	c->need_patient_banner = check_table[i].banner;
	c->client_id = tl_dup_or_null(check_table[i].client);
}

START_TEST(test_context_check)
{
	struct sg_context	 c;
	const char		*bad, *why = "unset";

	check_ctx((size_t)_i, &c);
	bad = sg_context_check(&c, &why);
	if (check_table[_i].bad == NULL) {
		ck_assert_msg(bad == NULL, "[%d]: %s: %s", _i, bad, why);
		ck_assert_ptr_null(why);
	} else {
		ck_assert_msg(bad != NULL, "[%d]: passed", _i);
		ck_assert_str_eq(bad, check_table[_i].bad);
		ck_assert_ptr_nonnull(why);
	}
	sg_context_clear(&c);
}
END_TEST

/*
 * A sealed launch is checked again when opened: an authentic value
 * holding what the endpoint refuses opens as malformed, nothing kept.
 */
START_TEST(test_launch_open_checks)
{
	struct sg_context	 c, out;
	char			*text;

	check_ctx((size_t)_i, &c);
	/* need_patient_banner travels as a JSON boolean: -1, 0 or 1. */
	if (c.need_patient_banner < -1 || c.need_patient_banner > 1) {
		sg_context_clear(&c);
		return;
	}
	text = sg_launch_seal(&keys, &c, NOW + 60);
	ck_assert_ptr_nonnull(text);
	if (check_table[_i].bad == NULL) {
		ck_assert_int_eq(sg_launch_open(&keys, NOW, text, &out),
		    SG_SEAL_OK);
		if (c.patient != NULL)
			ck_assert_str_eq(out.patient, c.patient);
		sg_context_clear(&out);
	} else {
		ck_assert_int_eq(sg_launch_open(&keys, NOW, text, &out),
		    SG_SEAL_MALFORMED);
		ck_assert_ptr_null(out.patient);
		ck_assert_ptr_null(out.fhir_context);
		ck_assert_ptr_null(out.smart_style_url);
		ck_assert_int_eq(out.need_patient_banner, -1);
	}
	free(text);
	sg_context_clear(&c);
}
END_TEST

static Suite *
context_suite(void)
{
	Suite	*s = suite_create("context");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, test_context_json, 0, NELEM(ctx_table));
	tcase_add_test(tc, test_parse_fhir_context);
	tcase_add_loop_test(tc, test_style_url, 0, NELEM(style_table));
	tcase_add_loop_test(tc, test_context_check, 0, NELEM(check_table));
	tcase_add_loop_test(tc, test_launch_open_checks, 0,
	    NELEM(check_table));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	tl_master_key(&keys);
	return tl_run(context_suite());
}
