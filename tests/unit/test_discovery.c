/* Unit tests: discovery documents and the CapabilityStatement rewrite. */
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <json-c/json.h>

#include "config.h"
#include "discovery.h"
#include "keys.h"
#include "testlib.h"

static char	 public_url[] = "https://gw.example.org",
		 fhir_path[] = "/fhir", auth_path[] = "/auth",
		 fhir_base[] = "https://gw.example.org/fhir",
		 issuer[] = "https://gw.example.org/auth",
		 upstream[] = "http://fhir.internal:8080/base",
		 site[] = "Example", bg[] = "#ffffff", hl[] = "#123456",
		 empty[] = "", font[] = "serif";

static void
setup(struct sg_config *cfg, struct sg_keys *keys)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->public_url = public_url;
	cfg->fhir_path = fhir_path;
	cfg->auth_path = auth_path;
	cfg->fhir_base = fhir_base;
	cfg->issuer = issuer;
	cfg->upstream_fhir = upstream;
	cfg->site_name = site;
	cfg->style_color_background = bg;
	cfg->style_color_highlight = hl;
	cfg->style_color_modal_backdrop = empty;
	cfg->style_font_family = font;
	memset(keys, 0, sizeof(*keys));
	keys->nsign = 2;
	keys->sign[0].alg = SG_ALG_RS256;
	keys->sign[1].alg = SG_ALG_RS256;
}

static const char *
str(json_object *o, const char *k)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, k, &v))
		return NULL;
	return json_object_get_string(v);
}

static int
array_has(json_object *o, const char *k, const char *want)
{
	json_object	*a;
	size_t		 i;

	if (!json_object_object_get_ex(o, k, &a) ||
	    !json_object_is_type(a, json_type_array))
		return 0;
	for (i = 0; i < json_object_array_length(a); i++)
		if (strcmp(json_object_get_string(
		    json_object_array_get_idx(a, i)), want) == 0)
			return 1;
	return 0;
}

static size_t
array_len(json_object *o, const char *k)
{
	json_object	*a;

	if (!json_object_object_get_ex(o, k, &a) ||
	    !json_object_is_type(a, json_type_array))
		return (size_t)-1;
	return json_object_array_length(a);
}

START_TEST(smart_advertises_nothing_unimplemented)
{
	struct sg_config cfg;
	struct sg_keys	 keys;
	json_object	*o;

	setup(&cfg, &keys);
	o = sg_discovery_smart(&cfg, &keys, 0);
	ck_assert_ptr_null(str(o, "authorization_endpoint"));
	ck_assert_ptr_null(str(o, "token_endpoint"));
	ck_assert_ptr_null(str(o, "issuer"));
	ck_assert_ptr_null(str(o, "scopes_supported"));
	ck_assert_uint_eq(array_len(o, "grant_types_supported"), 0);
	ck_assert_uint_eq(array_len(o, "capabilities"), 0);
	ck_assert_uint_eq(array_len(o, "code_challenge_methods_supported"), 1);
	ck_assert(array_has(o, "code_challenge_methods_supported", "S256"));
	ck_assert_str_eq(str(o, "jwks_uri"), "https://gw.example.org/auth/jwks");
	json_object_put(o);
}
END_TEST

START_TEST(smart_grows_with_features)
{
	struct sg_config cfg;
	struct sg_keys	 keys;
	json_object	*o;

	setup(&cfg, &keys);
	o = sg_discovery_smart(&cfg, &keys, ~0u);
	ck_assert_str_eq(str(o, "issuer"), issuer);
	ck_assert_str_eq(str(o, "authorization_endpoint"),
	    "https://gw.example.org/auth/authorize");
	ck_assert_str_eq(str(o, "token_endpoint"),
	    "https://gw.example.org/auth/token");
	ck_assert_str_eq(str(o, "introspection_endpoint"),
	    "https://gw.example.org/auth/introspect");
	ck_assert(array_has(o, "grant_types_supported", "authorization_code"));
	ck_assert(array_has(o, "grant_types_supported", "client_credentials"));
	ck_assert(array_has(o, "capabilities", "launch-ehr"));
	ck_assert(array_has(o, "capabilities", "permission-v2"));
	ck_assert(array_has(o, "token_endpoint_auth_methods_supported",
	    "private_key_jwt"));
	ck_assert(array_has(o,
	    "token_endpoint_auth_signing_alg_values_supported", "ES384"));
	ck_assert(array_has(o, "response_types_supported", "code"));
	ck_assert(!array_has(o, "code_challenge_methods_supported", "plain"));
	json_object_put(o);

	/* One feature alone: only what it needs. */
	o = sg_discovery_smart(&cfg, &keys, SG_F_AUTHORIZE | SG_F_TOKEN);
	ck_assert(array_has(o, "capabilities", "launch-standalone"));
	ck_assert(!array_has(o, "capabilities", "launch-ehr"));
	ck_assert(!array_has(o, "grant_types_supported", "refresh_token"));
	ck_assert(array_has(o, "token_endpoint_auth_methods_supported", "none"));
	ck_assert(!array_has(o, "token_endpoint_auth_methods_supported",
	    "client_secret_basic"));
	json_object_put(o);
}
END_TEST

/*
 * The connected-apps page is advertised (SMART management_endpoint, and
 * "manage" in oauth-uris) only when it can work: not with "ledger none",
 * where no grant is recorded.
 */
START_TEST(smart_management_endpoint)
{
	struct sg_config cfg;
	struct sg_keys	 keys;
	json_object	*o;
	char		 lmdb[] = "lmdb:/var/lib/smartgate/ledger", none[] = "none";

	setup(&cfg, &keys);
	cfg.ledger = lmdb;
	o = sg_discovery_smart(&cfg, &keys, ~0u);
	ck_assert_str_eq(str(o, "management_endpoint"),
	    "https://gw.example.org/auth/manage");
	json_object_put(o);
	o = sg_discovery_openid(&cfg, &keys, ~0u);
	ck_assert_str_eq(str(o, "management_endpoint"),
	    "https://gw.example.org/auth/manage");
	json_object_put(o);
	o = sg_discovery_smart(&cfg, &keys, ~0u & ~(unsigned)SG_F_MANAGE);
	ck_assert_ptr_null(str(o, "management_endpoint"));
	json_object_put(o);
	cfg.ledger = none;
	o = sg_discovery_smart(&cfg, &keys, ~0u);
	ck_assert_ptr_null(str(o, "management_endpoint"));
	ck_assert_ptr_nonnull(str(o, "token_endpoint"));
	json_object_put(o);
	o = sg_discovery_capability(&cfg, ~0u, "{\"resourceType\":"
	    "\"CapabilityStatement\",\"rest\":[{\"mode\":\"server\"}]}", 65);
	ck_assert_ptr_nonnull(o);
	ck_assert(strstr(json_object_to_json_string(o), "manage") == NULL);
	json_object_put(o);
	cfg.ledger = lmdb;
	o = sg_discovery_capability(&cfg, ~0u, "{\"resourceType\":"
	    "\"CapabilityStatement\",\"rest\":[{\"mode\":\"server\"}]}", 65);
	ck_assert_ptr_nonnull(o);
	ck_assert(strstr(json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
	    "{\"url\":\"manage\",\"valueUri\":"
	    "\"https://gw.example.org/auth/manage\"}") != NULL);
	json_object_put(o);
}
END_TEST

/* Backend Services is built: client_credentials and system/ scopes. */
START_TEST(smart_backend_services)
{
	struct sg_config cfg;
	struct sg_keys	 keys;
	json_object	*o;

	setup(&cfg, &keys);
	ck_assert_uint_eq(SG_FEATURES & SG_F_BACKEND, SG_F_BACKEND);
	o = sg_discovery_smart(&cfg, &keys, SG_FEATURES);
	ck_assert(array_has(o, "grant_types_supported", "client_credentials"));
	ck_assert(array_has(o, "scopes_supported", "system/*.rs"));
	ck_assert(array_has(o, "scopes_supported", "system/*.read"));
	ck_assert(array_has(o, "capabilities",
	    "client-confidential-asymmetric"));
	ck_assert(array_has(o, "token_endpoint_auth_methods_supported",
	    "private_key_jwt"));
	ck_assert(array_has(o,
	    "token_endpoint_auth_signing_alg_values_supported", "RS384"));
	ck_assert(array_has(o,
	    "token_endpoint_auth_signing_alg_values_supported", "ES384"));
	json_object_put(o);
	/* Without it: neither the grant nor the scopes. */
	o = sg_discovery_smart(&cfg, &keys, SG_FEATURES & ~SG_F_BACKEND);
	ck_assert(!array_has(o, "grant_types_supported",
	    "client_credentials"));
	ck_assert(!array_has(o, "scopes_supported", "system/*.rs"));
	json_object_put(o);
}
END_TEST

START_TEST(openid_document)
{
	struct sg_config cfg;
	struct sg_keys	 keys;
	json_object	*o;

	setup(&cfg, &keys);
	o = sg_discovery_openid(&cfg, &keys, 0);
	ck_assert_str_eq(str(o, "issuer"), issuer);
	ck_assert_uint_eq(array_len(o, "id_token_signing_alg_values_supported"), 1);
	ck_assert(array_has(o, "id_token_signing_alg_values_supported", "RS256"));
	ck_assert(array_has(o, "subject_types_supported", "public"));
	json_object_put(o);
	/* id_tokens are RS256 while there is an RSA key (SMART). */
	keys.sign[0].alg = SG_ALG_ES256;
	o = sg_discovery_openid(&cfg, &keys, 0);
	ck_assert_uint_eq(array_len(o, "id_token_signing_alg_values_supported"), 1);
	ck_assert(array_has(o, "id_token_signing_alg_values_supported", "RS256"));
	json_object_put(o);
	keys.nsign = 1;
	o = sg_discovery_openid(&cfg, &keys, 0);
	ck_assert(array_has(o, "id_token_signing_alg_values_supported", "ES256"));
	json_object_put(o);
}
END_TEST

START_TEST(style_document)
{
	struct sg_config cfg;
	struct sg_keys	 keys;
	json_object	*o;

	setup(&cfg, &keys);
	o = sg_discovery_style(&cfg);
	ck_assert_str_eq(str(o, "color_background"), bg);
	ck_assert_str_eq(str(o, "color_highlight"), hl);
	ck_assert_str_eq(str(o, "font_family_body"), font);
	ck_assert_ptr_null(str(o, "color_modal_backdrop"));	/* empty: omitted */
	ck_assert_ptr_null(str(o, "dim_font_size"));		/* NULL: omitted */
	json_object_put(o);
}
END_TEST

static json_object *
capability(const char *text, unsigned features)
{
	struct sg_config cfg;
	struct sg_keys	 keys;

	setup(&cfg, &keys);
	return sg_discovery_capability(&cfg, features, text, strlen(text));
}

START_TEST(capability_rewrite)
{
	json_object	*o, *v;
	const char	*s;

	o = capability("{\"resourceType\":\"CapabilityStatement\","
	    "\"url\":\"http://fhir.internal:8080/base/CapabilityStatement/1\","
	    "\"a\":[\"http://fhir.internal:8080/base\","
	    "\"http://fhir.internal:8080/baseX\","
	    "[\"http://fhir.internal:8080/base?x=1\"]],"
	    "\"rest\":[{\"mode\":\"server\"},{\"mode\":\"client\"}]}", 0);
	ck_assert_ptr_nonnull(o);
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	ck_assert_msg(strstr(s, "\"https://gw.example.org/fhir/CapabilityStatement/1\"") != NULL, "%s", s);
	ck_assert(strstr(s, "[\"https://gw.example.org/fhir\",") != NULL);
	ck_assert(strstr(s, "\"http://fhir.internal:8080/baseX\"") != NULL);
	ck_assert(strstr(s, "\"https://gw.example.org/fhir?x=1\"") != NULL);
	ck_assert(json_object_object_get_ex(o, "implementation", &v));
	ck_assert_str_eq(str(v, "url"), fhir_base);
	/* Server rest secured, client rest untouched. */
	v = json_object_object_get(o, "rest");
	ck_assert(json_object_object_get_ex(json_object_array_get_idx(v, 0),
	    "security", NULL));
	ck_assert(!json_object_object_get_ex(json_object_array_get_idx(v, 1),
	    "security", NULL));
	/* No endpoints implemented: no oauth-uris extension, but the service. */
	ck_assert(strstr(s, "oauth-uris") == NULL);
	ck_assert(strstr(s, "\"code\":\"SMART-on-FHIR\"") != NULL);
	json_object_put(o);
}
END_TEST

START_TEST(capability_oauth_uris)
{
	json_object	*o;
	const char	*s;

	o = capability("{\"resourceType\":\"CapabilityStatement\","
	    "\"rest\":[{\"mode\":\"server\"}]}", SG_F_AUTHORIZE | SG_F_TOKEN);
	ck_assert_ptr_nonnull(o);
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	ck_assert(strstr(s, "oauth-uris") != NULL);
	ck_assert(strstr(s, "{\"url\":\"authorize\",\"valueUri\":"
	    "\"https://gw.example.org/auth/authorize\"}") != NULL);
	ck_assert(strstr(s, "{\"url\":\"token\",\"valueUri\":"
	    "\"https://gw.example.org/auth/token\"}") != NULL);
	ck_assert(strstr(s, "introspect") == NULL);
	json_object_put(o);
}
END_TEST

START_TEST(capability_refuses)
{
	static const char *bad[] = {
		"", "null", "[]", "{}", "\"x\"",
		"{\"resourceType\":\"Patient\"}",
		"{\"resourceType\":7}",
		"{\"resourceType\":\"CapabilityStatement\"",
		"{\"resourceType\":\"CapabilityStatement\"} x",
		"{\"resourceType\":\"CapabilityStatement\"}{}",
	};
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(capability(bad[i], 0) == NULL, "%s", bad[i]);
}
END_TEST

/*
 * Upstream values of the wrong type (defect: "mode": null reached
 * strcmp(NULL, ...)): refused as no CapabilityStatement, never a crash.
 */
START_TEST(capability_wrong_types)
{
	static const char *bad[] = {
		"{\"resourceType\":\"CapabilityStatement\","
		    "\"rest\":[{\"mode\":null}]}",
		"{\"resourceType\":\"CapabilityStatement\","
		    "\"rest\":[{\"mode\":7}]}",
		"{\"resourceType\":\"CapabilityStatement\","
		    "\"rest\":[{\"mode\":true}]}",
		"{\"resourceType\":\"CapabilityStatement\","
		    "\"rest\":[{\"mode\":[\"server\"]}]}",
		"{\"resourceType\":\"CapabilityStatement\","
		    "\"rest\":[{\"mode\":{\"server\":1}}]}",
		"{\"resourceType\":\"CapabilityStatement\","
		    "\"rest\":[{\"mode\":\"serverx\"}]}",
		"{\"resourceType\":\"CapabilityStatement\","
		    "\"rest\":[{\"mode\":\"server\"},null]}",
		"{\"resourceType\":\"CapabilityStatement\","
		    "\"rest\":[\"server\"]}",
		"{\"resourceType\":\"CapabilityStatement\","
		    "\"rest\":{\"mode\":\"server\"}}",
		"{\"resourceType\":\"CapabilityStatement\",\"rest\":null}",
		"{\"resourceType\":\"CapabilityStatement\",\"rest\":\"x\"}",
		"{\"resourceType\":null}",
		"{\"resourceType\":[\"CapabilityStatement\"]}",
	};
	static const char *good[] = {
		/* mode is 1..1 in FHIR R4; a missing one is taken as server. */
		"{\"resourceType\":\"CapabilityStatement\",\"rest\":[{}]}",
		"{\"resourceType\":\"CapabilityStatement\",\"rest\":[]}",
		/* Ours replaces an implementation that is not an object. */
		"{\"resourceType\":\"CapabilityStatement\","
		    "\"implementation\":null}",
		"{\"resourceType\":\"CapabilityStatement\","
		    "\"implementation\":\"x\"}",
		"{\"resourceType\":\"CapabilityStatement\","
		    "\"rest\":[{\"mode\":\"server\",\"security\":null}]}",
		"{\"resourceType\":\"CapabilityStatement\","
		    "\"url\":null,\"a\":[null,1,true,{}]}",
	};
	json_object	*o, *impl;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(capability(bad[i], ~0u) == NULL, "%s", bad[i]);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		o = capability(good[i], ~0u);
		ck_assert_msg(o != NULL, "%s", good[i]);
		ck_assert(json_object_object_get_ex(o, "implementation",
		    &impl));
		ck_assert_str_eq(str(impl, "url"), fhir_base);
		json_object_put(o);
	}
}
END_TEST

static Suite *
discovery_suite(void)
{
	Suite	*s = suite_create("discovery");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, smart_advertises_nothing_unimplemented);
	tcase_add_test(tc, smart_grows_with_features);
	tcase_add_test(tc, smart_management_endpoint);
	tcase_add_test(tc, smart_backend_services);
	tcase_add_test(tc, openid_document);
	tcase_add_test(tc, style_document);
	tcase_add_test(tc, capability_rewrite);
	tcase_add_test(tc, capability_oauth_uris);
	tcase_add_test(tc, capability_refuses);
	tcase_add_test(tc, capability_wrong_types);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tl_run(discovery_suite());
}
