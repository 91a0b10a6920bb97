/*
 * Discovery documents.  Everything advertised comes from the tables
 * below filtered by the feature mask, so a capability appears exactly
 * when the code behind it exists.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "bounds.h"
#include "config.h"
#include "discovery.h"
#include "json.h"
#include "jwt.h"
#include "keys.h"
#include "mem.h"
#include "url.h"

/* Our endpoints; field names of RFC 8414 §2 / SMART App Launch "conformance". */
static const struct endpoint {
	const char	*field;		/* metadata field */
	const char	*oauth_uri;	/* oauth-uris extension name, or NULL */
	const char	*path;		/* under auth_path */
	unsigned	 needs;		/* feature bits required */
} endpoints[] = {
	{ "authorization_endpoint", "authorize", SG_PATH_AUTHORIZE, SG_F_AUTHORIZE },
	{ "token_endpoint", "token", SG_PATH_TOKEN, SG_F_TOKEN },
	{ "introspection_endpoint", "introspect", SG_PATH_INTROSPECT, SG_F_INTROSPECT },
	{ "revocation_endpoint", "revoke", SG_PATH_REVOKE, SG_F_REVOKE },
	/* SMART App Launch 2.2 "conformance": where a user sees and
	   revokes the apps they authorized; "manage" in oauth-uris. */
	{ "management_endpoint", "manage", SG_PATH_MANAGE, SG_F_MANAGE },
};

/* A name to announce and the features it needs. */
struct named {
	const char	*name;
	unsigned	 needs;
};

/* SMART App Launch 2.2 "capabilities" and what each needs. */
static const struct named capabilities[] = {
	{ "launch-ehr", SG_F_AUTHORIZE | SG_F_TOKEN | SG_F_EHR_LAUNCH },
	{ "launch-standalone", SG_F_AUTHORIZE | SG_F_TOKEN },
	{ "authorize-post", SG_F_AUTHORIZE },
	{ "client-public", SG_F_TOKEN },
	{ "client-confidential-symmetric", SG_F_TOKEN | SG_F_CLIENT_SECRET },
	{ "client-confidential-asymmetric", SG_F_TOKEN | SG_F_CLIENT_JWT },
	{ "sso-openid-connect", SG_F_OPENID },
	{ "context-passthrough-banner", SG_F_EHR_LAUNCH },
	{ "context-passthrough-style", SG_F_EHR_LAUNCH | SG_F_STYLE },
	{ "context-ehr-patient", SG_F_EHR_LAUNCH },
	{ "context-ehr-encounter", SG_F_EHR_LAUNCH },
	{ "context-standalone-patient", SG_F_PATIENT_PICKER },
	{ "permission-offline", SG_F_REFRESH },
	{ "permission-online", SG_F_REFRESH },
	{ "permission-patient", SG_F_PROXY },
	{ "permission-user", SG_F_PROXY },
	{ "permission-v1", SG_F_PROXY },
	{ "permission-v2", SG_F_PROXY },
};

static const struct named grant_types[] = {
	{ "authorization_code", SG_F_AUTHORIZE | SG_F_TOKEN },
	{ "refresh_token", SG_F_REFRESH },
	{ "client_credentials", SG_F_BACKEND },
}, auth_methods[] = {
	/* RFC 7591 §2 names; "none" is a public client with PKCE. */
	{ "none", SG_F_TOKEN },
	{ "client_secret_basic", SG_F_CLIENT_SECRET },
	{ "client_secret_post", SG_F_CLIENT_SECRET },
	{ "private_key_jwt", SG_F_CLIENT_JWT },
}, assertion_algs[] = {
	/* SMART Backend Services / asymmetric client auth: RS384, ES384. */
	{ "RS384", SG_F_CLIENT_JWT },
	{ "ES384", SG_F_CLIENT_JWT },
}, scopes[] = {
	{ "openid", SG_F_OPENID },
	{ "fhirUser", SG_F_OPENID },
	{ "profile", SG_F_OPENID },
	{ "launch", SG_F_EHR_LAUNCH },
	{ "launch/patient", SG_F_PATIENT_PICKER },
	{ "offline_access", SG_F_REFRESH },
	{ "online_access", SG_F_REFRESH },
	{ "patient/*.rs", SG_F_AUTHORIZE | SG_F_PROXY },
	{ "patient/*.cruds", SG_F_AUTHORIZE | SG_F_PROXY },
	{ "user/*.rs", SG_F_AUTHORIZE | SG_F_PROXY },
	{ "user/*.cruds", SG_F_AUTHORIZE | SG_F_PROXY },
	{ "patient/*.read", SG_F_AUTHORIZE | SG_F_PROXY },
	{ "user/*.read", SG_F_AUTHORIZE | SG_F_PROXY },
	{ "system/*.rs", SG_F_BACKEND | SG_F_PROXY },
	{ "system/*.read", SG_F_BACKEND | SG_F_PROXY },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define HAS(features, needs) (((features) & (needs)) == (needs))

/*
 * What works with this configuration: the connected-apps page lists
 * the grants the ledger records, so with "ledger none" it has nothing
 * to show and is not advertised.
 */
static unsigned
configured(const struct sg_config *cfg, unsigned features)
{
	if (cfg->ledger != NULL && strcmp(cfg->ledger, "none") == 0)
		features &= ~(unsigned)SG_F_MANAGE;
	return features;
}

static void
put_string(json_object *o, const char *field, const char *value)
{
	json_object_object_add(o, field, json_object_new_string(value));
}

static void
put_url(json_object *o, const char *field, const char *base, const char *path)
{
	char	*url = sg_url_join(base, path);

	put_string(o, field, url);
	free(url);
}

/* An array of the names whose needs are met; empty arrays are kept. */
static json_object *
names_array(const struct named *t, size_t n, unsigned features)
{
	json_object	*a = json_object_new_array();
	size_t		 i;

	for (i = 0; i < n; i++)
		if (HAS(features, t[i].needs))
			json_object_array_add(a,
			    json_object_new_string(t[i].name));
	return a;
}

static void
put_names(json_object *o, const char *field, const struct named *t, size_t n,
    unsigned features)
{
	json_object	*a = names_array(t, n, features);

	if (json_object_array_length(a) == 0) {
		json_object_put(a);
		return;
	}
	json_object_object_add(o, field, a);
}

static char *
auth_base(const struct sg_config *cfg)
{
	return sg_url_join(cfg->public_url, cfg->auth_path);
}

/* A one-element array holding the string value. */
static void
put_one(json_object *o, const char *field, const char *value)
{
	json_object	*a = json_object_new_array();

	json_object_array_add(a, json_object_new_string(value));
	json_object_object_add(o, field, a);
}

/* jwks_uri, then the endpoints the features enable. */
static void
put_endpoints(json_object *o, const struct sg_config *cfg, unsigned features)
{
	char	*base = auth_base(cfg);
	size_t	 i;

	features = configured(cfg, features);
	put_url(o, "jwks_uri", base, SG_PATH_JWKS);
	for (i = 0; i < NELEM(endpoints); i++)
		if (HAS(features, endpoints[i].needs))
			put_url(o, endpoints[i].field, base, endpoints[i].path);
	free(base);
}

/*
 * What both discovery documents say alike (RFC 8414 §2 names): client
 * authentication at the token endpoint, scopes, RFC 9207 iss.
 */
static void
put_common(json_object *o, unsigned features)
{
	put_names(o, "token_endpoint_auth_methods_supported", auth_methods,
	    NELEM(auth_methods), features);
	put_names(o, "token_endpoint_auth_signing_alg_values_supported",
	    assertion_algs, NELEM(assertion_algs), features);
	put_names(o, "scopes_supported", scopes, NELEM(scopes), features);
	/* RFC 9207 §3: our redirects carry iss. */
	if (HAS(features, SG_F_AUTHORIZE))
		json_object_object_add(o,
		    "authorization_response_iss_parameter_supported",
		    json_object_new_boolean(1));
}

json_object *
sg_discovery_smart(const struct sg_config *cfg, const struct sg_keys *keys,
    unsigned features)
{
	json_object	*o = json_object_new_object();

	(void)keys;
	/*
	 * issuer is "CONDITIONAL: required if sso-openid-connect,
	 * otherwise omitted"; jwks_uri is optional otherwise, and our
	 * JWKS always works (SMART App Launch 2.2 §2.0.7 "conformance").
	 */
	if (HAS(features, SG_F_OPENID))
		put_string(o, "issuer", cfg->issuer);
	put_endpoints(o, cfg, features);

	/* REQUIRED even when empty: grant_types_supported, capabilities. */
	json_object_object_add(o, "grant_types_supported",
	    names_array(grant_types, NELEM(grant_types), features));
	put_common(o, features);
	if (HAS(features, SG_F_AUTHORIZE))
		put_one(o, "response_types_supported", "code");

	/* REQUIRED; "S256" only: "plain" SHALL NOT be supported (§2.0.7). */
	put_one(o, "code_challenge_methods_supported", "S256");

	json_object_object_add(o, "capabilities",
	    names_array(capabilities, NELEM(capabilities), features));
	return o;
}

json_object *
sg_discovery_openid(const struct sg_config *cfg, const struct sg_keys *keys,
    unsigned features)
{
	json_object	*o = json_object_new_object(), *a;

	/* OpenID Connect Discovery 1.0 §3; issuer is exactly ours (§4.3). */
	put_string(o, "issuer", cfg->issuer);
	put_endpoints(o, cfg, features);
	if (HAS(features, SG_F_AUTHORIZE))
		put_one(o, "response_types_supported", "code");
	json_object_object_add(o, "grant_types_supported",
	    names_array(grant_types, NELEM(grant_types), features));
	put_one(o, "subject_types_supported", "public");
	a = json_object_new_array();
	json_object_array_add(a, json_object_new_string(
	    sg_alg_name(sg_keys_id_token(keys)->alg)));
	json_object_object_add(o, "id_token_signing_alg_values_supported", a);
	put_common(o, features);
	if (HAS(features, SG_F_OPENID)) {
		a = json_object_new_array();
		json_object_array_add(a, json_object_new_string("sub"));
		json_object_array_add(a, json_object_new_string("fhirUser"));
		json_object_array_add(a, json_object_new_string("name"));
		json_object_object_add(o, "claims_supported", a);
	}
	put_one(o, "code_challenge_methods_supported", "S256");
	return o;
}

json_object *
sg_discovery_style(const struct sg_config *cfg)
{
	json_object	*o = json_object_new_object();
	static const struct {
		const char	*field;
		size_t		 offset;
	} fields[] = {
		/* SMART App Launch "styling" (smart_style_url) names. */
		{ "color_background", offsetof(struct sg_config, style_color_background) },
		{ "color_highlight", offsetof(struct sg_config, style_color_highlight) },
		{ "color_modal_backdrop", offsetof(struct sg_config, style_color_modal_backdrop) },
		{ "font_family_body", offsetof(struct sg_config, style_font_family) },
		{ "font_family_heading", offsetof(struct sg_config, style_font_family) },
		{ "dim_border_radius", offsetof(struct sg_config, style_dim_border_radius) },
		{ "dim_font_size", offsetof(struct sg_config, style_dim_font_size) },
		{ "dim_spacing_size", offsetof(struct sg_config, style_dim_spacing_size) },
	};
	size_t		 i;
	const char	*v;

	for (i = 0; i < NELEM(fields); i++) {
		memcpy(&v, (const char *)cfg + fields[i].offset, sizeof(v));
		if (v != NULL && *v != '\0')
			put_string(o, fields[i].field, v);
	}
	return o;
}

/*
 * Rewrites v when it is a string that is the upstream base or starts
 * with it followed by '/', '?' or '#' (strchr() also matches the
 * terminating NUL: the base itself), so that links in the answer point
 * at us and never at the server behind us.  Returns 1 if v is a string.
 */
static int
rewrite_string(json_object *v, const char *from, size_t fromlen,
    const char *to)
{
	const char	*s;
	char		*ns;

	if (!json_object_is_type(v, json_type_string))
		return 0;
	s = json_object_get_string(v);
	if (strncmp(s, from, fromlen) == 0 &&
	    strchr("/?#", s[fromlen]) != NULL) {
		ns = sg_xconcat(to, s + fromlen);
		json_object_set_string(v, ns);
		free(ns);
	}
	return 1;
}

/* rewrite_string() over every string in o, recursively. */
static void
rewrite(json_object *o, const char *from, size_t fromlen, const char *to,
    int depth)
{
	struct json_object_iterator	 it, end;
	json_object			*v;
	size_t				 i, n;

	if (depth > SG_MAX_JSON_DEPTH)
		return;
	if (json_object_is_type(o, json_type_object)) {
		it = json_object_iter_begin(o);
		end = json_object_iter_end(o);
		for (; !json_object_iter_equal(&it, &end);
		    json_object_iter_next(&it)) {
			v = json_object_iter_peek_value(&it);
			if (!rewrite_string(v, from, fromlen, to))
				rewrite(v, from, fromlen, to, depth + 1);
		}
	} else if (json_object_is_type(o, json_type_array)) {
		n = json_object_array_length(o);
		for (i = 0; i < n; i++) {
			v = json_object_array_get_idx(o, i);
			if (!rewrite_string(v, from, fromlen, to))
				rewrite(v, from, fromlen, to, depth + 1);
		}
	}
}

/*
 * The SMART security block of rest[] (SMART App Launch 2.2
 * "conformance": CapabilityStatement.rest.security with the
 * restful-security-service code SMART-on-FHIR and the oauth-uris
 * extension holding the same endpoints as the well-known document).
 */
static json_object *
security_block(const struct sg_config *cfg, unsigned features)
{
	json_object	*sec = json_object_new_object(), *ext, *uris, *sub;
	json_object	*svc, *coding, *c, *a;
	char		*base = auth_base(cfg), *url;
	size_t		 i;

	features = configured(cfg, features);
	uris = json_object_new_array();
	for (i = 0; i < NELEM(endpoints); i++) {
		if (!HAS(features, endpoints[i].needs) ||
		    endpoints[i].oauth_uri == NULL)
			continue;
		sub = json_object_new_object();
		put_string(sub, "url", endpoints[i].oauth_uri);
		url = sg_url_join(base, endpoints[i].path);
		put_string(sub, "valueUri", url);
		free(url);
		json_object_array_add(uris, sub);
	}
	if (json_object_array_length(uris) > 0) {
		ext = json_object_new_object();
		put_string(ext, "url", "http://fhir-registry.smarthealthit.org/"
		    "StructureDefinition/oauth-uris");
		json_object_object_add(ext, "extension", uris);
		a = json_object_new_array();
		json_object_array_add(a, ext);
		json_object_object_add(sec, "extension", a);
	} else
		json_object_put(uris);

	c = json_object_new_object();
	put_string(c, "system",
	    "http://terminology.hl7.org/CodeSystem/restful-security-service");
	put_string(c, "code", "SMART-on-FHIR");
	put_string(c, "display", "SMART-on-FHIR");
	coding = json_object_new_array();
	json_object_array_add(coding, c);
	svc = json_object_new_object();
	json_object_object_add(svc, "coding", coding);
	put_string(svc, "text", "OAuth2 using SMART-on-FHIR profile "
	    "(see http://docs.smarthealthit.org)");
	a = json_object_new_array();
	json_object_array_add(a, svc);
	json_object_object_add(sec, "service", a);
	put_string(sec, "description", "This server requires SMART App Launch "
	    "authorization; discovery at .well-known/smart-configuration.");
	free(base);
	return sec;
}

/*
 * 1 when the rest[] entries are objects whose mode, when present, is the
 * string "server" or "client" (FHIR R4 CapabilityStatement.rest.mode,
 * value set restful-capability-mode); the upstream document is
 * untrusted, so a wrong type is a malformed document, not a crash.
 */
static int
rest_ok(json_object *rest)
{
	json_object	*r, *mode;
	const char	*m;
	size_t		 i, n;

	if (!json_object_is_type(rest, json_type_array))
		return 0;
	n = json_object_array_length(rest);
	for (i = 0; i < n; i++) {
		r = json_object_array_get_idx(rest, i);
		if (!json_object_is_type(r, json_type_object))
			return 0;
		if (!json_object_object_get_ex(r, "mode", &mode))
			continue;
		if (!json_object_is_type(mode, json_type_string))
			return 0;
		m = json_object_get_string(mode);
		if (strcmp(m, "server") != 0 && strcmp(m, "client") != 0)
			return 0;
	}
	return 1;
}

/* 1 when r, a checked rest[] entry, has no mode or mode "server". */
static int
rest_is_server(json_object *r)
{
	json_object	*mode;

	if (!json_object_object_get_ex(r, "mode", &mode))
		return 1;
	return strcmp(json_object_get_string(mode), "server") == 0;
}

json_object *
sg_discovery_capability(const struct sg_config *cfg, unsigned features,
    const char *text, size_t len)
{
	json_object	*doc, *rest = NULL, *r, *impl, *rt;
	size_t		 i, n;

	if (len > (size_t)SG_MAX_CAPABILITY ||
	    (doc = sg_json_object(text, len)) == NULL)
		return NULL;
	if (!json_object_object_get_ex(doc, "resourceType", &rt) ||
	    !json_object_is_type(rt, json_type_string) ||
	    strcmp(json_object_get_string(rt), "CapabilityStatement") != 0 ||
	    (json_object_object_get_ex(doc, "rest", &rest) &&
	    !rest_ok(rest))) {
		json_object_put(doc);
		return NULL;
	}

	rewrite(doc, cfg->upstream_fhir, strlen(cfg->upstream_fhir),
	    cfg->fhir_base, 0);

	/* implementation.url: "absolute base URL for the implementation". */
	if (!json_object_object_get_ex(doc, "implementation", &impl) ||
	    !json_object_is_type(impl, json_type_object)) {
		impl = json_object_new_object();
		put_string(impl, "description", cfg->site_name != NULL ?
		    cfg->site_name : "smartgate");
		json_object_object_add(doc, "implementation", impl);
	}
	put_string(impl, "url", cfg->fhir_base);

	n = rest != NULL ? json_object_array_length(rest) : 0;
	for (i = 0; i < n; i++) {
		r = json_object_array_get_idx(rest, i);
		if (rest_is_server(r))
			json_object_object_add(r, "security",
			    security_block(cfg, features));
	}
	return doc;
}
