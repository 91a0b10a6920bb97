/*
 * launch: an EHR mints the launch value of an EHR launch (SMART App
 * Launch 2.2 "EHR launch": launch is "an opaque identifier for this
 * specific launch and any EHR context associated with it").  The EHR
 * authenticates as a registered client marked "smartgate_ehr" (any
 * token endpoint method); the value is the context sealed for
 * SG_PURPOSE_LAUNCH, expiring after launch_ttl, optionally bound to
 * one app (app_client_id).
 *
 *   POST [auth]/launch  patient=…&encounter=…&fhirContext=[…]&intent=…
 *        &need_patient_banner=true|false&smart_style_url=…&app_client_id=…
 *   → {"launch": "…", "expires_in": 300}
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "bounds.h"
#include "clientauth.h"
#include "clients.h"
#include "config.h"
#include "context.h"
#include "form.h"
#include "identity.h"
#include "log.h"
#include "mem.h"
#include "proc.h"
#include "request.h"
#include "response.h"

enum { P_PATIENT, P_ENCOUNTER, P_FHIR_CONTEXT, P_INTENT, P_BANNER, P_STYLE,
    P_APP, P_CLIENT, P__MAX = P_CLIENT + SG_CLIENTAUTH_NPARAMS };

static const struct sg_param params[P__MAX] = {
	{ "patient", SG_MAX_FHIR_ID, sg_identity_check_id, 0, 0 },
	{ "encounter", SG_MAX_FHIR_ID, sg_identity_check_id, 0, 0 },
	{ "fhirContext", SG_MAX_FHIR_CONTEXT, sg_check_text, 0, 0 },
	{ "intent", SG_MAX_INTENT, sg_check_token, 0, 0 },
	{ "need_patient_banner", SG_MAX_KEYWORD, sg_check_token, 0, 0 },
	{ "smart_style_url", SG_MAX_URL, sg_check_token, 0, 0 },
	{ "app_client_id", SG_MAX_CLIENT_ID, sg_check_token, 0, 0 },
	SG_CLIENTAUTH_PARAMS,
};

static void
mint(struct sg_request *req, struct sg_proc *p, struct sg_form *f)
{
	const struct sg_config	*cfg = p->cfg;
	const struct sg_client	*ehr = NULL;
	struct sg_clientauth_in	 in;
	struct sg_context	 ctx;
	json_object		*o;
	const char		*why = NULL, *b;
	char			*launch = NULL;
	enum sg_status		 st;
	time_t			 now = time(NULL);

	memset(&ctx, 0, sizeof(ctx));
	ctx.need_patient_banner = -1;
	sg_clientauth_in_form(&in, f, P_CLIENT);
	if ((st = sg_clientauth_check(p->auth, req, p->clients, p->ledger,
	    now, &in, &ehr, &why)) != SG_OK) {
		sg_resp_error(req, cfg, st, SG_SHAPE_OAUTH, why);
		return;
	}
	if (!ehr->ehr || ehr->auth_method == SG_AUTH_NONE) {
		sg_log(req, SG_LOG_WARN, "launch: %s is not an EHR",
		    ehr->client_id);
		sg_resp_error(req, cfg, SG_E_UNAUTHORIZED_CLIENT, SG_SHAPE_OAUTH,
		    "this client may not mint launch contexts");
		return;
	}
	if (f->value[P_FHIR_CONTEXT] != NULL &&
	    (ctx.fhir_context = sg_context_parse_fhir(
	    f->value[P_FHIR_CONTEXT])) == NULL) {
		sg_resp_error(req, cfg, SG_E_BAD_REQUEST, SG_SHAPE_OAUTH,
		    "fhirContext must be a JSON array of objects each with a "
		    "reference (Type/id), canonical or identifier");
		goto out;
	}
	if ((b = f->value[P_BANNER]) != NULL) {
		if (strcmp(b, "true") != 0 && strcmp(b, "false") != 0) {
			sg_resp_error(req, cfg, SG_E_BAD_REQUEST,
			    SG_SHAPE_OAUTH, "need_patient_banner is true or "
			    "false");
			goto out;
		}
		ctx.need_patient_banner = strcmp(b, "true") == 0;
	}
	if (f->value[P_APP] != NULL &&
	    sg_clients_find(p->clients, f->value[P_APP]) == NULL) {
		sg_resp_error(req, cfg, SG_E_BAD_REQUEST, SG_SHAPE_OAUTH,
		    "app_client_id is not a registered client");
		goto out;
	}
	if (f->value[P_PATIENT] != NULL)
		ctx.patient = sg_xstrdup(f->value[P_PATIENT]);
	if (f->value[P_ENCOUNTER] != NULL)
		ctx.encounter = sg_xstrdup(f->value[P_ENCOUNTER]);
	if (f->value[P_INTENT] != NULL)
		ctx.intent = sg_xstrdup(f->value[P_INTENT]);
	if (f->value[P_STYLE] != NULL)
		ctx.smart_style_url = sg_xstrdup(f->value[P_STYLE]);
	if (f->value[P_APP] != NULL)
		ctx.client_id = sg_xstrdup(f->value[P_APP]);
	/* Every value as sg_launch_open will check it again. */
	if (sg_context_check(&ctx, &why) != NULL) {
		sg_resp_error(req, cfg, SG_E_BAD_REQUEST, SG_SHAPE_OAUTH, why);
		goto out;
	}
	if ((launch = sg_launch_seal(p->keys, &ctx, now + cfg->launch_ttl)) ==
	    NULL) {
		sg_resp_error(req, cfg, SG_E_INTERNAL, SG_SHAPE_OAUTH, NULL);
		goto out;
	}
	o = json_object_new_object();
	json_object_object_add(o, "launch", json_object_new_string(launch));
	json_object_object_add(o, "expires_in",
	    json_object_new_int64(cfg->launch_ttl));
	sg_resp_header(req, "Cache-Control", "no-store");
	sg_resp_header(req, "Pragma", "no-cache");
	sg_resp_json(req, 200, "application/json", o);
	json_object_put(o);
	sg_log(req, SG_LOG_INFO, "launch minted by %s", ehr->client_id);
out:
	free(launch);
	sg_context_clear(&ctx);
}

static enum sg_status
serve(struct sg_request *req, void *arg, struct sg_form *f,
    struct sg_reply *r)
{
	(void)r;
	mint(req, arg, f);
	return SG_OK;
}

/* Authenticated like the token endpoint: its rules for the body too. */
static const struct sg_endpoint endpoint = {
	.methods = "POST",
	.shape = SG_SHAPE_OAUTH,
	.params = params,
	.nparams = P__MAX,
	.post_type = SG_FORM_TYPE,
	.flags = SG_EP_RELOAD | SG_EP_MEDIA_400,
	.handler = serve,
};

int
main(void)
{
	return sg_proc_main("launch", SG_NEED_CLIENTAUTH, &endpoint);
}
