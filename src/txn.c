/*
 * The transaction cookie (txn.h): one authorization in progress as
 * compact JSON, sealed for SG_PURPOSE_TRANSACTION.
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "context.h"
#include "json.h"
#include "seal.h"
#include "txn.h"

void
sg_txn_init(struct sg_txn *t)
{
	memset(t, 0, sizeof(*t));
	t->stage = SG_TXN_LOGIN;
	t->ctx.need_patient_banner = -1;
	sg_seal_random_id(t->idp_state);
	sg_seal_random_id(t->idp_nonce);
	/* 43 characters: RFC 7636 §4.1 */
	sg_seal_random(t->idp_verifier, 32);
	sg_seal_random_id(t->csrf);
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

	json_object_object_add(o, "stage", json_object_new_int(t->stage));
	sg_json_put_str(o, "cid", t->client_id);
	sg_json_put_str(o, "ru", t->redirect_uri);
	sg_json_put_str(o, "state", t->state);
	sg_json_put_str(o, "scope", t->scope);
	sg_json_put_str(o, "cc", t->code_challenge);
	sg_json_put_str(o, "nonce", t->nonce);
	json_object_object_add(o, "ctx", sg_context_to_json(&t->ctx));
	sg_json_put_str(o, "ist", t->idp_state);
	sg_json_put_str(o, "inn", t->idp_nonce);
	sg_json_put_str(o, "iv", t->idp_verifier);
	sg_json_put_str(o, "csrf", t->csrf);
	sg_json_put_str(o, "sub", t->sub);
	sg_json_put_str(o, "name", t->name);
	sg_json_put_str(o, "fu", t->fhir_user);
	json_object_object_add(o, "at", json_object_new_int64(t->auth_time));
	return sg_seal_json(keys, SG_PURPOSE_TRANSACTION, expiry, o);
}

enum sg_seal_result
sg_txn_open(const struct sg_keys *keys, time_t now, const char *text,
    struct sg_txn *t)
{
	enum sg_seal_result	 r;
	json_object		*o, *v, *ctx;

	memset(t, 0, sizeof(*t));
	t->ctx.need_patient_banner = -1;
	r = sg_unseal_json(keys, SG_PURPOSE_TRANSACTION, now, text, &o);
	if (r != SG_SEAL_OK)
		return r;
	if (!json_object_object_get_ex(o, "stage", &v) ||
	    !json_object_is_type(v, json_type_int) ||
	    (json_object_get_int(v) != SG_TXN_LOGIN &&
	    json_object_get_int(v) != SG_TXN_CONSENT) ||
	    sg_json_get_str(o, "cid", &t->client_id) == -1 ||
	    t->client_id == NULL ||
	    sg_json_get_str(o, "ru", &t->redirect_uri) == -1 ||
	    t->redirect_uri == NULL ||
	    sg_json_get_str(o, "state", &t->state) == -1 || t->state == NULL ||
	    sg_json_get_str(o, "scope", &t->scope) == -1 || t->scope == NULL ||
	    sg_json_get_str(o, "cc", &t->code_challenge) == -1 ||
	    t->code_challenge == NULL ||
	    sg_json_get_str(o, "nonce", &t->nonce) == -1 ||
	    !json_object_object_get_ex(o, "ctx", &ctx) ||
	    sg_context_from_json(ctx, &t->ctx) == -1 ||
	    sg_json_get_fixed(o, "ist", t->idp_state, 22) == -1 ||
	    sg_json_get_fixed(o, "inn", t->idp_nonce, 22) == -1 ||
	    sg_json_get_fixed(o, "iv", t->idp_verifier, 43) == -1 ||
	    sg_json_get_fixed(o, "csrf", t->csrf, 22) == -1 ||
	    sg_json_get_str(o, "sub", &t->sub) == -1 ||
	    sg_json_get_str(o, "name", &t->name) == -1 ||
	    sg_json_get_str(o, "fu", &t->fhir_user) == -1 ||
	    sg_json_get_time(o, "at", &t->auth_time) == -1) {
		sg_txn_clear(t);
		json_object_put(o);
		return SG_SEAL_MALFORMED;
	}
	t->stage = (enum sg_txn_stage)json_object_get_int(v);
	json_object_put(o);
	return SG_SEAL_OK;
}
