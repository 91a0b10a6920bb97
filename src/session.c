/*
 * The connected-apps page's sign-in (session.h): the login transaction
 * and the session, each compact JSON sealed for its own purpose.
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "bounds.h"
#include "config.h"
#include "cookie.h"
#include "json.h"
#include "mem.h"
#include "seal.h"
#include "session.h"

void
sg_session_login_init(struct sg_session_login *l)
{
	memset(l, 0, sizeof(*l));
	sg_seal_random_id(l->idp_state);
	sg_seal_random_id(l->idp_nonce);
	/* 43 characters: RFC 7636 §4.1 */
	sg_seal_random(l->idp_verifier, 32);
}

char *
sg_session_login_seal(const struct sg_keys *keys,
    const struct sg_session_login *l, time_t expiry)
{
	json_object	*o = json_object_new_object();

	sg_json_put_str(o, "ist", l->idp_state);
	sg_json_put_str(o, "inn", l->idp_nonce);
	sg_json_put_str(o, "iv", l->idp_verifier);
	return sg_seal_json(keys, SG_PURPOSE_MANAGE_LOGIN, expiry, o);
}

enum sg_seal_result
sg_session_login_open(const struct sg_keys *keys, time_t now,
    const char *text, struct sg_session_login *l)
{
	enum sg_seal_result	 r;
	json_object		*o;

	memset(l, 0, sizeof(*l));
	if ((r = sg_unseal_json(keys, SG_PURPOSE_MANAGE_LOGIN, now, text,
	    &o)) != SG_SEAL_OK)
		return r;
	if (sg_json_get_fixed(o, "ist", l->idp_state, 22) == -1 ||
	    sg_json_get_fixed(o, "inn", l->idp_nonce, 22) == -1 ||
	    sg_json_get_fixed(o, "iv", l->idp_verifier, 43) == -1)
		r = SG_SEAL_MALFORMED;
	json_object_put(o);
	if (r != SG_SEAL_OK)
		OPENSSL_cleanse(l, sizeof(*l));
	return r;
}

void
sg_session_clear(struct sg_session *s)
{
	free(s->sub);
	free(s->name);
	free(s->fhir_user);
	OPENSSL_cleanse(s, sizeof(*s));
}

enum sg_seal_result
sg_session_open(const struct sg_keys *keys, time_t now, const char *text,
    struct sg_session *s)
{
	enum sg_seal_result	 r;
	json_object		*o;

	memset(s, 0, sizeof(*s));
	if ((r = sg_unseal_json(keys, SG_PURPOSE_MANAGE_SESSION, now, text,
	    &o)) != SG_SEAL_OK)
		return r;
	if (sg_json_get_str(o, "sub", &s->sub) == -1 || s->sub == NULL ||
	    *s->sub == '\0' ||
	    sg_json_get_str(o, "name", &s->name) == -1 ||
	    sg_json_get_str(o, "fu", &s->fhir_user) == -1 ||
	    sg_json_get_fixed(o, "csrf", s->csrf, SG_CSRF_LEN) == -1 ||
	    sg_json_get_time(o, "at", &s->auth_time) == -1) {
		sg_session_clear(s);
		r = SG_SEAL_MALFORMED;
	}
	json_object_put(o);
	return r;
}

int
sg_session_start(struct sg_request *req, const struct sg_config *cfg,
    const struct sg_keys *keys, const char *path, struct sg_session *s,
    time_t now)
{
	json_object	*o = json_object_new_object();
	char		*sealed;
	int		 rc;

	sg_seal_random_id(s->csrf);
	s->auth_time = now;
	sg_json_put_str(o, "sub", s->sub);
	sg_json_put_str(o, "name", s->name);
	sg_json_put_str(o, "fu", s->fhir_user);
	sg_json_put_str(o, "csrf", s->csrf);
	json_object_object_add(o, "at", json_object_new_int64(now));
	sealed = sg_seal_json(keys, SG_PURPOSE_MANAGE_SESSION,
	    now + SG_TTL_MANAGE_SESSION, o);
	if (sealed == NULL || strlen(sealed) > SG_MAX_COOKIE) {
		free(sealed);
		return -1;
	}
	rc = sg_cookie_set_at(req, cfg, SG_SESSION_COOKIE, path, sealed,
	    SG_TTL_MANAGE_SESSION);
	free(sealed);
	return rc;
}

int
sg_session_csrf_ok(const struct sg_session *s, const char *value, size_t len)
{
	return value != NULL && len == SG_CSRF_LEN &&
	    CRYPTO_memcmp(value, s->csrf, SG_CSRF_LEN) == 0;
}
