/*
 * Grants and the artifacts that carry them.  A code or refresh token
 * is the grant as compact JSON, sealed for its purpose; an access token
 * is what the proxy needs of it, sealed too.  Nothing about them is
 * stored but a code's jti once used and each grant's refresh
 * generation (ledger.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "b64.h"
#include "config.h"
#include "grant.h"
#include "identity.h"
#include "json.h"
#include "jwt.h"
#include "keys.h"
#include "ledger.h"
#include "limits.h"
#include "log.h"
#include "mem.h"
#include "seal.h"
#include "status.h"
#include "url.h"

/* n random bytes, base64url, into out (room for 4 * n / 3 + 2). */
static void
grant_random(char *out, size_t n)
{
	unsigned char	 b[32];
	char		*s;

	if (n > sizeof(b) || RAND_bytes(b, (int)n) != 1)
		abort();	/* no randomness: nothing safe to do */
	s = sg_b64url_encode(b, n);
	memcpy(out, s, strlen(s) + 1);
	free(s);
}

/* 16 random bytes, base64url: 22 characters. */
static void
grant_random_id(char out[23])
{
	grant_random(out, 16);
}

void
sg_grant_new_id(struct sg_grant *g)
{
	grant_random_id(g->gid);
}

void
sg_context_clear(struct sg_context *c)
{
	free(c->patient);
	free(c->encounter);
	json_object_put(c->fhir_context);
	free(c->intent);
	free(c->smart_style_url);
	free(c->client_id);
	memset(c, 0, sizeof(*c));
	c->need_patient_banner = -1;
}

void
sg_grant_clear(struct sg_grant *g)
{
	free(g->client_id);
	free(g->scope);
	free(g->sub);
	free(g->name);
	free(g->fhir_user);
	free(g->nonce);
	free(g->redirect_uri);
	free(g->code_challenge);
	sg_context_clear(&g->ctx);
	memset(g, 0, sizeof(*g));
	g->ctx.need_patient_banner = -1;
}

static void
put_str(json_object *o, const char *k, const char *v)
{
	if (v != NULL)
		json_object_object_add(o, k, json_object_new_string(v));
}

/* A string member copied out, or NULL; -1 when present but not a string. */
static int
get_str(json_object *o, const char *k, char **out)
{
	json_object	*v;

	*out = NULL;
	if (!json_object_object_get_ex(o, k, &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return -1;
	*out = sg_xstrdup(json_object_get_string(v));
	return 0;
}

static int
get_time(json_object *o, const char *k, time_t *out)
{
	json_object	*v;

	*out = 0;
	if (!json_object_object_get_ex(o, k, &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return -1;
	*out = (time_t)json_object_get_int64(v);
	return 0;
}

json_object *
sg_context_to_json(const struct sg_context *c)
{
	json_object	*o = json_object_new_object();

	put_str(o, "patient", c->patient);
	put_str(o, "encounter", c->encounter);
	if (c->fhir_context != NULL)
		json_object_object_add(o, "fhirContext",
		    json_object_get(c->fhir_context));
	put_str(o, "intent", c->intent);
	put_str(o, "smart_style_url", c->smart_style_url);
	if (c->need_patient_banner >= 0)
		json_object_object_add(o, "need_patient_banner",
		    json_object_new_boolean(c->need_patient_banner));
	put_str(o, "client_id", c->client_id);
	return o;
}

int
sg_context_from_json(json_object *o, struct sg_context *c)
{
	json_object	*v;

	memset(c, 0, sizeof(*c));
	c->need_patient_banner = -1;
	if (!json_object_is_type(o, json_type_object))
		return -1;
	if (get_str(o, "patient", &c->patient) == -1 ||
	    get_str(o, "encounter", &c->encounter) == -1 ||
	    get_str(o, "intent", &c->intent) == -1 ||
	    get_str(o, "smart_style_url", &c->smart_style_url) == -1 ||
	    get_str(o, "client_id", &c->client_id) == -1)
		goto fail;
	if (json_object_object_get_ex(o, "fhirContext", &v)) {
		if (!json_object_is_type(v, json_type_array))
			goto fail;
		c->fhir_context = json_object_get(v);
	}
	if (json_object_object_get_ex(o, "need_patient_banner", &v)) {
		if (!json_object_is_type(v, json_type_boolean))
			goto fail;
		c->need_patient_banner = json_object_get_boolean(v);
	}
	return 0;
fail:
	sg_context_clear(c);
	return -1;
}

/*
 * Characters a URI may hold (RFC 3986 §2: unreserved, reserved, '%'),
 * and those in extra, 1 to max of them: none of the bytes that end an
 * attribute or a header, no spaces, no backslash (a '/' to browsers).
 */
static int
uri_chars_ok(const char *s, size_t max, const char *extra)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++)
		if (i >= max || (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9')) &&
		    strchr("-._~:/?#[]@!$&'()*+,;=%", s[i]) == NULL &&
		    strchr(extra, s[i]) == NULL))
			return 0;
	return i > 0;
}

/* A string member k of o, when present, passes ok. */
static int
member_ok(json_object *o, const char *k, int (*ok)(const char *))
{
	json_object	*v;

	if (!json_object_object_get_ex(o, k, &v))
		return 1;
	return json_object_is_type(v, json_type_string) &&
	    ok(json_object_get_string(v));
}

/* canonical: an absolute URI (FHIR R4 "canonical"), "|version" allowed. */
static int
canonical_ok(const char *v)
{
	return (strncmp(v, "http://", 7) == 0 ||
	    strncmp(v, "https://", 8) == 0 || strncmp(v, "urn:", 4) == 0) &&
	    uri_chars_ok(v, SG_MAX_URL, "|");
}

/* role: a code such as "launch" or a URI. */
static int
role_ok(const char *v)
{
	return uri_chars_ok(v, SG_MAX_URL, "");
}

/*
 * SMART App Launch 2.2 "fhirContext": each object has a reference, a
 * canonical or an identifier, and may have a type and a role.
 */
int
sg_context_fhir_ok(json_object *a)
{
	struct json_object_iterator	 it, end;
	json_object			*e, *v;
	const char			*k;
	size_t				 i;

	if (!json_object_is_type(a, json_type_array))
		return 0;
	for (i = 0; i < json_object_array_length(a); i++) {
		e = json_object_array_get_idx(a, i);
		if (!json_object_is_type(e, json_type_object) ||
		    (!json_object_object_get_ex(e, "reference", NULL) &&
		    !json_object_object_get_ex(e, "canonical", NULL) &&
		    !json_object_object_get_ex(e, "identifier", NULL)))
			return 0;
		it = json_object_iter_begin(e);
		end = json_object_iter_end(e);
		for (; !json_object_iter_equal(&it, &end);
		    json_object_iter_next(&it)) {
			k = json_object_iter_peek_name(&it);
			if (strcmp(k, "reference") != 0 &&
			    strcmp(k, "canonical") != 0 &&
			    strcmp(k, "identifier") != 0 &&
			    strcmp(k, "type") != 0 && strcmp(k, "role") != 0)
				return 0;
		}
		if (!member_ok(e, "reference", sg_identity_resource_ref_ok) ||
		    !member_ok(e, "canonical", canonical_ok) ||
		    !member_ok(e, "type", sg_identity_type_ok) ||
		    !member_ok(e, "role", role_ok) ||
		    (json_object_object_get_ex(e, "identifier", &v) &&
		    !json_object_is_type(v, json_type_object)))
			return 0;
	}
	return 1;
}

json_object *
sg_context_parse_fhir(const char *text)
{
	json_tokener	*tok;
	json_object	*a = NULL;
	size_t		 len = strlen(text);

	if (len > SG_MAX_FHIR_CONTEXT)
		return NULL;
	if ((tok = json_tokener_new_ex(SG_MAX_JSON_DEPTH)) == NULL)
		abort();
	a = json_tokener_parse_ex(tok, text, (int)len);
	if (a == NULL || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len || !sg_context_fhir_ok(a)) {
		json_object_put(a);
		a = NULL;
	}
	json_tokener_free(tok);
	return a;
}

int
sg_context_style_url_ok(const char *url)
{
	/* The one URL parser: a host, no userinfo, visible ASCII only. */
	return url != NULL && sg_url_check(url, SG_URL_LOOPBACK_HTTP |
	    SG_URL_FRAGMENT) == NULL;
}

int
sg_context_intent_ok(const char *intent)
{
	size_t	 i;

	if (intent == NULL)
		return 0;
	for (i = 0; intent[i] != '\0'; i++)
		if (i >= SG_MAX_INTENT || (!((intent[i] >= 'A' &&
		    intent[i] <= 'Z') || (intent[i] >= 'a' && intent[i] <= 'z') ||
		    (intent[i] >= '0' && intent[i] <= '9')) &&
		    strchr("-._:/", intent[i]) == NULL))
			return 0;
	return i > 0;
}

/* A client id as the registry takes them: visible ASCII. */
static int
client_id_ok(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++)
		if (i >= SG_MAX_CLIENT_ID || (unsigned char)s[i] < 0x21 ||
		    (unsigned char)s[i] > 0x7e)
			return 0;
	return i > 0;
}

const char *
sg_context_check(const struct sg_context *c, const char **why)
{
	if (c->patient != NULL && !sg_identity_id_ok(c->patient)) {
		*why = "patient must be a FHIR id ([A-Za-z0-9-.]{1,64}, not "
		    "\".\" or \"..\")";
		return "patient";
	}
	if (c->encounter != NULL && !sg_identity_id_ok(c->encounter)) {
		*why = "encounter must be a FHIR id ([A-Za-z0-9-.]{1,64}, not "
		    "\".\" or \"..\")";
		return "encounter";
	}
	if (c->fhir_context != NULL && !sg_context_fhir_ok(c->fhir_context)) {
		*why = "fhirContext must be a JSON array of objects each with "
		    "a reference (Type/id), canonical or identifier, and "
		    "optionally type and role";
		return "fhirContext";
	}
	if (c->intent != NULL && !sg_context_intent_ok(c->intent)) {
		*why = "intent must be a token ([A-Za-z0-9._:/-], at most "
		    "128)";
		return "intent";
	}
	if (c->smart_style_url != NULL &&
	    !sg_context_style_url_ok(c->smart_style_url)) {
		*why = "smart_style_url must be an absolute https URL";
		return "smart_style_url";
	}
	if (c->need_patient_banner < -1 || c->need_patient_banner > 1) {
		*why = "need_patient_banner must be true or false";
		return "need_patient_banner";
	}
	if (c->client_id != NULL && !client_id_ok(c->client_id)) {
		*why = "app_client_id must be a client id";
		return "client_id";
	}
	*why = NULL;
	return NULL;
}

char *
sg_grant_seal(const struct sg_keys *keys, const char *purpose,
    const struct sg_grant *g, time_t expiry)
{
	json_object	*o = json_object_new_object();
	const char	*text;
	char		 jti[23], *sealed;

	grant_random_id(jti);
	put_str(o, "jti", jti);
	put_str(o, "gid", g->gid);
	put_str(o, "cid", g->client_id);
	put_str(o, "scope", g->scope);
	put_str(o, "sub", g->sub);
	put_str(o, "name", g->name);
	put_str(o, "fu", g->fhir_user);
	put_str(o, "nonce", g->nonce);
	json_object_object_add(o, "at", json_object_new_int64(g->auth_time));
	json_object_object_add(o, "ctx", sg_context_to_json(&g->ctx));
	put_str(o, "ru", g->redirect_uri);
	put_str(o, "cc", g->code_challenge);
	if (g->grant_exp != 0)
		json_object_object_add(o, "gexp",
		    json_object_new_int64(g->grant_exp));
	if (g->offline)
		json_object_object_add(o, "off", json_object_new_boolean(1));
	if (g->gen != 0)
		json_object_object_add(o, "gen",
		    json_object_new_int64((int64_t)g->gen));
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	sealed = sg_seal(keys, purpose, expiry, text, strlen(text));
	json_object_put(o);
	return sealed;
}

/* Unseals text for purpose and parses the JSON object inside. */
static enum sg_seal_result
open_json(const struct sg_keys *keys, const char *purpose, time_t now,
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

/* Copies a string member of exactly want characters into out. */
static int
get_fixed(json_object *o, const char *k, char *out, size_t want)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, k, &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    (size_t)json_object_get_string_len(v) != want)
		return -1;
	memcpy(out, json_object_get_string(v), want + 1);
	return 0;
}

enum sg_seal_result
sg_grant_open(const struct sg_keys *keys, const char *purpose, time_t now,
    const char *text, struct sg_grant *g, char *jti)
{
	enum sg_seal_result	 r;
	json_object		*o, *ctx, *v;
	time_t			 gen;

	memset(g, 0, sizeof(*g));
	g->ctx.need_patient_banner = -1;
	if ((r = open_json(keys, purpose, now, text, &o)) != SG_SEAL_OK)
		return r;
	if (get_fixed(o, "jti", jti, 22) == -1 ||
	    get_fixed(o, "gid", g->gid, 22) == -1 ||
	    get_str(o, "cid", &g->client_id) == -1 || g->client_id == NULL ||
	    get_str(o, "scope", &g->scope) == -1 || g->scope == NULL ||
	    get_str(o, "sub", &g->sub) == -1 ||
	    get_str(o, "name", &g->name) == -1 ||
	    get_str(o, "fu", &g->fhir_user) == -1 ||
	    get_str(o, "nonce", &g->nonce) == -1 ||
	    get_time(o, "at", &g->auth_time) == -1 ||
	    get_str(o, "ru", &g->redirect_uri) == -1 ||
	    get_str(o, "cc", &g->code_challenge) == -1 ||
	    get_time(o, "gexp", &g->grant_exp) == -1 ||
	    !json_object_object_get_ex(o, "ctx", &ctx) ||
	    sg_context_from_json(ctx, &g->ctx) == -1) {
		sg_grant_clear(g);
		json_object_put(o);
		return SG_SEAL_MALFORMED;
	}
	g->offline = json_object_object_get_ex(o, "off", &v) &&
	    json_object_is_type(v, json_type_boolean) &&
	    json_object_get_boolean(v);
	if (get_time(o, "gen", &gen) == -1 || gen < 0) {
		sg_grant_clear(g);
		json_object_put(o);
		return SG_SEAL_MALFORMED;
	}
	g->gen = (uint64_t)gen;
	json_object_put(o);
	return SG_SEAL_OK;
}

char *
sg_launch_seal(const struct sg_keys *keys, const struct sg_context *c,
    time_t expiry)
{
	json_object	*o = sg_context_to_json(c);
	const char	*text;
	char		*sealed;

	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	sealed = sg_seal(keys, SG_PURPOSE_LAUNCH, expiry, text, strlen(text));
	json_object_put(o);
	return sealed;
}

enum sg_seal_result
sg_launch_open(const struct sg_keys *keys, time_t now, const char *text,
    struct sg_context *c)
{
	enum sg_seal_result	 r;
	json_object		*o;
	const char		*why;

	memset(c, 0, sizeof(*c));
	c->need_patient_banner = -1;
	if ((r = open_json(keys, SG_PURPOSE_LAUNCH, now, text, &o)) !=
	    SG_SEAL_OK)
		return r;
	/* Checked again: the endpoint's rules hold for every launch. */
	if (sg_context_from_json(o, c) == -1)
		r = SG_SEAL_MALFORMED;
	else if (sg_context_check(c, &why) != NULL) {
		sg_context_clear(c);
		r = SG_SEAL_MALFORMED;
	}
	json_object_put(o);
	return r;
}

void
sg_txn_init(struct sg_txn *t)
{
	memset(t, 0, sizeof(*t));
	t->stage = SG_TXN_LOGIN;
	t->ctx.need_patient_banner = -1;
	grant_random_id(t->idp_state);
	grant_random_id(t->idp_nonce);
	grant_random(t->idp_verifier, 32);	/* 43 chars: RFC 7636 §4.1 */
	grant_random_id(t->csrf);
}

void
sg_txn_clear(struct sg_txn *t)
{
	free(t->client_id);
	free(t->redirect_uri);
	free(t->state);
	free(t->scope);
	free(t->code_challenge);
	free(t->nonce);
	free(t->sub);
	free(t->name);
	free(t->fhir_user);
	sg_context_clear(&t->ctx);
	OPENSSL_cleanse(t, sizeof(*t));
	t->ctx.need_patient_banner = -1;
}

char *
sg_txn_seal(const struct sg_keys *keys, const struct sg_txn *t, time_t expiry)
{
	json_object	*o = json_object_new_object();
	const char	*text;
	char		*sealed;

	json_object_object_add(o, "stage", json_object_new_int(t->stage));
	put_str(o, "cid", t->client_id);
	put_str(o, "ru", t->redirect_uri);
	put_str(o, "state", t->state);
	put_str(o, "scope", t->scope);
	put_str(o, "cc", t->code_challenge);
	put_str(o, "nonce", t->nonce);
	json_object_object_add(o, "ctx", sg_context_to_json(&t->ctx));
	put_str(o, "ist", t->idp_state);
	put_str(o, "inn", t->idp_nonce);
	put_str(o, "iv", t->idp_verifier);
	put_str(o, "csrf", t->csrf);
	put_str(o, "sub", t->sub);
	put_str(o, "name", t->name);
	put_str(o, "fu", t->fhir_user);
	json_object_object_add(o, "at", json_object_new_int64(t->auth_time));
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	sealed = sg_seal(keys, SG_PURPOSE_TRANSACTION, expiry, text,
	    strlen(text));
	json_object_put(o);
	return sealed;
}

enum sg_seal_result
sg_txn_open(const struct sg_keys *keys, time_t now, const char *text,
    struct sg_txn *t)
{
	enum sg_seal_result	 r;
	json_object		*o, *v, *ctx;

	memset(t, 0, sizeof(*t));
	t->ctx.need_patient_banner = -1;
	if ((r = open_json(keys, SG_PURPOSE_TRANSACTION, now, text, &o)) !=
	    SG_SEAL_OK)
		return r;
	if (!json_object_object_get_ex(o, "stage", &v) ||
	    !json_object_is_type(v, json_type_int) ||
	    (json_object_get_int(v) != SG_TXN_LOGIN &&
	    json_object_get_int(v) != SG_TXN_CONSENT) ||
	    get_str(o, "cid", &t->client_id) == -1 || t->client_id == NULL ||
	    get_str(o, "ru", &t->redirect_uri) == -1 ||
	    t->redirect_uri == NULL ||
	    get_str(o, "state", &t->state) == -1 || t->state == NULL ||
	    get_str(o, "scope", &t->scope) == -1 || t->scope == NULL ||
	    get_str(o, "cc", &t->code_challenge) == -1 ||
	    t->code_challenge == NULL ||
	    get_str(o, "nonce", &t->nonce) == -1 ||
	    !json_object_object_get_ex(o, "ctx", &ctx) ||
	    sg_context_from_json(ctx, &t->ctx) == -1 ||
	    get_fixed(o, "ist", t->idp_state, 22) == -1 ||
	    get_fixed(o, "inn", t->idp_nonce, 22) == -1 ||
	    get_fixed(o, "iv", t->idp_verifier, 43) == -1 ||
	    get_fixed(o, "csrf", t->csrf, 22) == -1 ||
	    get_str(o, "sub", &t->sub) == -1 ||
	    get_str(o, "name", &t->name) == -1 ||
	    get_str(o, "fu", &t->fhir_user) == -1 ||
	    get_time(o, "at", &t->auth_time) == -1) {
		sg_txn_clear(t);
		json_object_put(o);
		return SG_SEAL_MALFORMED;
	}
	t->stage = (enum sg_txn_stage)json_object_get_int(v);
	json_object_put(o);
	return SG_SEAL_OK;
}

static int
has_scope(const char *scopes, const char *want)
{
	const char	*p = scopes;
	size_t		 n = strlen(want);

	while (p != NULL && *p != '\0') {
		if (strncmp(p, want, n) == 0 && (p[n] == ' ' || p[n] == '\0'))
			return 1;
		if ((p = strchr(p, ' ')) != NULL)
			p++;
	}
	return 0;
}

static char *
grant_sign(const struct sg_signing_key *key, const char *typ,
    json_object *claims)
{
	char	*jwt;

	jwt = sg_jwt_sign(key, typ, claims);
	json_object_put(claims);
	return jwt;
}

/*
 * Sealed, not signed: SMART App Launch treats access tokens as opaque
 * to the app, and a JWT would tell the app who the user is even when
 * the user refused openid / fhirUser / profile.  Sealing is also a
 * thousand times cheaper than an RSA signature.
 */
char *
sg_grant_access_token(const struct sg_config *cfg, const struct sg_keys *keys,
    const struct sg_grant *g, time_t now, long ttl)
{
	json_object	*o = json_object_new_object(), *ctx;
	const char	*text;
	char		 jti[23], *sealed;

	grant_random_id(jti);
	put_str(o, "jti", jti);
	put_str(o, "gid", g->gid);
	put_str(o, "cid", g->client_id);
	put_str(o, "scope", g->scope);
	put_str(o, "aud", cfg->fhir_base);	/* SMART "aud" */
	/* The user, for the proxy: user/ scopes, audit (never the app). */
	put_str(o, "sub", g->sub);
	put_str(o, "fu", g->fhir_user);
	ctx = json_object_new_object();
	put_str(ctx, "patient", g->ctx.patient);
	put_str(ctx, "encounter", g->ctx.encounter);
	if (g->ctx.fhir_context != NULL)
		json_object_object_add(ctx, "fhirContext",
		    json_object_get(g->ctx.fhir_context));
	json_object_object_add(o, "ctx", ctx);
	json_object_object_add(o, "iat", json_object_new_int64(now));
	json_object_object_add(o, "exp", json_object_new_int64(now + ttl));
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	sealed = sg_seal(keys, SG_PURPOSE_ACCESS, now + ttl, text,
	    strlen(text));
	json_object_put(o);
	return sealed;
}

void
sg_access_clear(struct sg_access *a)
{
	free(a->client_id);
	free(a->scope);
	free(a->sub);
	free(a->fhir_user);
	free(a->aud);
	sg_context_clear(&a->ctx);
	memset(a, 0, sizeof(*a));
	a->ctx.need_patient_banner = -1;
}

enum sg_seal_result
sg_access_open(const struct sg_keys *keys, time_t now, const char *text,
    struct sg_access *a)
{
	enum sg_seal_result	 r;
	json_object		*o, *ctx;

	memset(a, 0, sizeof(*a));
	a->ctx.need_patient_banner = -1;
	if ((r = open_json(keys, SG_PURPOSE_ACCESS, now, text, &o)) !=
	    SG_SEAL_OK)
		return r;
	if (get_fixed(o, "jti", a->jti, 22) == -1 ||
	    get_fixed(o, "gid", a->gid, 22) == -1 ||
	    get_str(o, "cid", &a->client_id) == -1 || a->client_id == NULL ||
	    get_str(o, "scope", &a->scope) == -1 || a->scope == NULL ||
	    get_str(o, "aud", &a->aud) == -1 ||
	    get_str(o, "sub", &a->sub) == -1 ||
	    get_str(o, "fu", &a->fhir_user) == -1 ||
	    get_time(o, "iat", &a->iat) == -1 ||
	    get_time(o, "exp", &a->exp) == -1 || a->exp < now ||
	    !json_object_object_get_ex(o, "ctx", &ctx) ||
	    sg_context_from_json(ctx, &a->ctx) == -1) {
		sg_access_clear(a);
		json_object_put(o);
		return SG_SEAL_MALFORMED;
	}
	json_object_put(o);
	return SG_SEAL_OK;
}

int
sg_grant_revoke(struct sg_ledger *l, const struct sg_request *req,
    const char *gid, long ttl, time_t now)
{
	char	 key[64];
	int	 rc = 0;

	snprintf(key, sizeof(key), SG_LEDGER_NS_REVOKED "%s", gid);
	if (sg_ledger_add(l, req, key, now + ttl, now) ==
	    SG_LEDGER_UNAVAILABLE) {
		sg_log(req, SG_LOG_ERR, "could not record revocation of %s",
		    gid);
		rc = -1;
	}
	sg_log(req, SG_LOG_WARN, "grant %s revoked", gid);
	return rc;
}

enum sg_status
sg_grant_rotate(struct sg_ledger *l, const struct sg_request *req,
    struct sg_grant *g, long revoke_ttl, time_t now, const char **why)
{
	char	 key[64];

	snprintf(key, sizeof(key), SG_LEDGER_NS_REVOKED "%s", g->gid);
	switch (sg_ledger_has(l, req, key, now)) {
	case SG_LEDGER_OK:
		break;
	case SG_LEDGER_EXISTS:
		*why = "the grant was revoked";
		return SG_E_INVALID_GRANT;
	default:
		return SG_E_UNAVAILABLE;
	}
	/*
	 * One record per grant: its current generation, compared and
	 * advanced in one write transaction.  It lives as long as the
	 * grant (a refresh token never outlives grant_exp).
	 */
	snprintf(key, sizeof(key), SG_LEDGER_NS_RTGEN "%s", g->gid);
	switch (sg_ledger_advance(l, req, key, g->gen, g->gen + 1,
	    g->grant_exp > now ? g->grant_exp : now + 60, now)) {
	case SG_LEDGER_OK:
		g->gen++;
		return SG_OK;
	case SG_LEDGER_STALE:
		/* A rotated token came back: someone has a copy. */
		(void)sg_grant_revoke(l, req, g->gid, revoke_ttl, now);
		*why = "the refresh token was already used; the grant is "
		    "revoked";
		return SG_E_INVALID_GRANT;
	default:
		return SG_E_UNAVAILABLE;
	}
}

char *
sg_grant_id_token(const struct sg_config *cfg, const struct sg_keys *keys,
    const struct sg_grant *g, time_t now, long ttl)
{
	json_object	*o = json_object_new_object();

	put_str(o, "iss", cfg->issuer);
	put_str(o, "sub", g->sub);
	put_str(o, "aud", g->client_id);
	json_object_object_add(o, "iat", json_object_new_int64(now));
	json_object_object_add(o, "exp", json_object_new_int64(now + ttl));
	if (g->auth_time != 0)
		json_object_object_add(o, "auth_time",
		    json_object_new_int64(g->auth_time));
	put_str(o, "nonce", g->nonce);
	/* SMART App Launch "fhirUser" scope: the user's FHIR resource URL. */
	if (has_scope(g->scope, "fhirUser") && g->fhir_user != NULL) {
		char *url = sg_xconcat(cfg->fhir_base, "/");
		char *full = sg_xconcat(url, g->fhir_user);

		put_str(o, "fhirUser", full);
		free(url);
		free(full);
	}
	if (has_scope(g->scope, "profile"))
		put_str(o, "name", g->name);
	return grant_sign(sg_keys_id_token(keys), NULL, o);
}
