/*
 * Discovery documents, generated from the configuration and from what
 * is implemented (docs/DESIGN.md: "it never advertises what does not
 * work"): SMART configuration (SMART App Launch 2.2 "conformance"),
 * OpenID Provider metadata (OpenID Connect Discovery 1.0 §3), the
 * style document (SMART App Launch "styling"), and the upstream
 * CapabilityStatement with the SMART security block put in.
 */
#ifndef SG_DISCOVERY_H
#define SG_DISCOVERY_H

#include <stddef.h>
#include <time.h>

#include <json-c/json.h>

#include "status.h"

struct sg_config;
struct sg_keys;

/*
 * What works, one bit per capability.  A program that lands turns its
 * bits on in SG_FEATURES; every document below is built from the mask,
 * and the integration tests check that every advertised endpoint
 * answers.
 */
enum sg_feature {
	SG_F_AUTHORIZE		= 1 << 0,  /* authorize + consent + callback */
	SG_F_TOKEN		= 1 << 1,  /* token: authorization_code, public clients */
	SG_F_CLIENT_SECRET	= 1 << 2,  /* client_secret_basic / _post */
	SG_F_CLIENT_JWT		= 1 << 3,  /* private_key_jwt (RS384, ES384) */
	SG_F_REFRESH		= 1 << 4,  /* refresh_token, offline/online_access */
	SG_F_EHR_LAUNCH		= 1 << 5,  /* launch parameter and context */
	SG_F_PATIENT_PICKER	= 1 << 6,  /* launch/patient in standalone */
	SG_F_OPENID		= 1 << 7,  /* id_token, openid fhirUser */
	SG_F_BACKEND		= 1 << 8,  /* client_credentials (Backend Services) */
	SG_F_INTROSPECT		= 1 << 9,  /* RFC 7662 */
	SG_F_REVOKE		= 1 << 10, /* RFC 7009 */
	SG_F_PROXY		= 1 << 11, /* fhir-proxy enforcing v1 and v2 scopes */
	SG_F_STYLE		= 1 << 12, /* smart_style_url in the token answer */
	SG_F_MANAGE		= 1 << 13  /* the connected-apps page (manage) */
};

/* What this build implements. */
#define SG_FEATURES (SG_F_AUTHORIZE | SG_F_TOKEN | SG_F_CLIENT_SECRET | \
	SG_F_CLIENT_JWT | SG_F_REFRESH | SG_F_EHR_LAUNCH | SG_F_PATIENT_PICKER | \
	SG_F_OPENID | SG_F_STYLE | SG_F_PROXY | \
	SG_F_INTROSPECT | SG_F_REVOKE | SG_F_BACKEND | SG_F_MANAGE)

/* Paths of our endpoints under cfg->auth_path. */
#define SG_PATH_AUTHORIZE	"/authorize"
#define SG_PATH_TOKEN		"/token"
#define SG_PATH_INTROSPECT	"/introspect"
#define SG_PATH_REVOKE		"/revoke"
#define SG_PATH_JWKS		"/jwks"
#define SG_PATH_CALLBACK	"/callback"	/* ours at the identity provider */
#define SG_PATH_CONSENT		"/consent"
#define SG_PATH_LAUNCH		"/launch"	/* EHRs mint launch contexts */
#define SG_PATH_MANAGE		"/manage"	/* the user's connected apps */
#define SG_PATH_STYLE		"/smart-style.json"
#define SG_PATH_SMART_CONF	"/.well-known/smart-configuration"	/* under fhir_path */
#define SG_PATH_OPENID_CONF	"/.well-known/openid-configuration"	/* under the issuer */
#define SG_PATH_METADATA	"/metadata"				/* under fhir_path */

/* [fhir base]/.well-known/smart-configuration.  Caller puts. */
json_object *sg_discovery_smart(const struct sg_config *cfg,
	    const struct sg_keys *keys, unsigned features);

/* {issuer}/.well-known/openid-configuration.  Caller puts. */
json_object *sg_discovery_openid(const struct sg_config *cfg,
	    const struct sg_keys *keys, unsigned features);

/* smart-style.json from the branding settings.  Caller puts. */
json_object *sg_discovery_style(const struct sg_config *cfg);

/*
 * Takes the upstream CapabilityStatement (text, len bytes), checks it
 * is one, rewrites every string that starts with the upstream base to
 * our FHIR base, sets implementation.url, and puts the SMART security
 * block (service SMART-on-FHIR and the oauth-uris extension, built from
 * the same endpoint table as the SMART configuration) into every
 * server rest entry.  Returns the new document (caller puts) or NULL
 * when the input is not a CapabilityStatement.
 */
json_object *sg_discovery_capability(const struct sg_config *cfg,
	    unsigned features, const char *text, size_t len);

#endif
