/*
 * The launch context (context.h): to and from the JSON we seal, the
 * checks every launch passes, and the EHR launch value itself.
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "context.h"
#include "bounds.h"
#include "identity.h"
#include "json.h"
#include "seal.h"
#include "url.h"

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

json_object *
sg_context_to_json(const struct sg_context *c)
{
	json_object	*o = json_object_new_object();

	sg_json_put_str(o, "patient", c->patient);
	sg_json_put_str(o, "encounter", c->encounter);
	if (c->fhir_context != NULL)
		json_object_object_add(o, "fhirContext",
		    json_object_get(c->fhir_context));
	sg_json_put_str(o, "intent", c->intent);
	sg_json_put_str(o, "smart_style_url", c->smart_style_url);
	if (c->need_patient_banner >= 0)
		json_object_object_add(o, "need_patient_banner",
		    json_object_new_boolean(c->need_patient_banner));
	sg_json_put_str(o, "client_id", c->client_id);
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
	if (sg_json_get_str(o, "patient", &c->patient) == -1 ||
	    sg_json_get_str(o, "encounter", &c->encounter) == -1 ||
	    sg_json_get_str(o, "intent", &c->intent) == -1 ||
	    sg_json_get_str(o, "smart_style_url", &c->smart_style_url) == -1 ||
	    sg_json_get_str(o, "client_id", &c->client_id) == -1)
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
sg_launch_seal(const struct sg_keys *keys, const struct sg_context *c,
    time_t expiry)
{
	return sg_seal_json(keys, SG_PURPOSE_LAUNCH, expiry,
	    sg_context_to_json(c));
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
	if ((r = sg_unseal_json(keys, SG_PURPOSE_LAUNCH, now, text, &o)) !=
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
