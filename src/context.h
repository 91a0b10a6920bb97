/*
 * The launch context (SMART App Launch "launch context"): the patient,
 * encounter, fhirContext, intent, style and banner an EHR launch hands
 * to the app, carried in the launch value, the transaction, the grant
 * and the access token.  An EHR launch (SMART App Launch "EHR launch")
 * is this context sealed for SG_PURPOSE_LAUNCH (docs/DESIGN.md
 * "Artifacts").
 */
#ifndef SG_CONTEXT_H
#define SG_CONTEXT_H

#include <time.h>

#include <json-c/json.h>

#include "seal.h"

/* The launch context (SMART App Launch "launch context"). */
struct sg_context {
	char		*patient;	/* Patient id, or NULL */
	char		*encounter;	/* Encounter id, or NULL */
	json_object	*fhir_context;	/* array of {reference|canonical|identifier, type, role}, or NULL */
	char		*intent;	/* or NULL */
	char		*smart_style_url; /* or NULL */
	int		 need_patient_banner; /* -1 unset, 0, 1 */
	char		*client_id;	/* a launch bound to one client, or NULL */
};

/* Frees what the context owns and resets it (need_patient_banner -1). */
void	sg_context_clear(struct sg_context *c);

/* Context <-> JSON object ({"patient":..., ...}); from_json: 0 or -1. */
json_object *sg_context_to_json(const struct sg_context *c);
int	sg_context_from_json(json_object *o, struct sg_context *c);

/*
 * Parses text as a SMART App Launch fhirContext (at most
 * SG_MAX_FHIR_CONTEXT bytes, SG_MAX_JSON_DEPTH deep) checked with
 * sg_context_fhir_ok.  Returns a new array (caller puts it) or NULL
 * when text is anything else.
 */
json_object *sg_context_parse_fhir(const char *text);

/*
 * 1 when a is a SMART App Launch 2.2 fhirContext: an array of objects
 * each with a reference ("Type/id", sg_identity_resource_ref_ok), a
 * canonical (an absolute URI) or an identifier (an object), and
 * optionally type (a resource type) and role (a URI or code); no other
 * members.
 */
int	sg_context_fhir_ok(json_object *a);

/*
 * 1 when url may be a launch's smart_style_url: an absolute https URL
 * with a host and no userinfo, or http on a loopback host (the demo),
 * at most SG_MAX_URL bytes of URI characters (RFC 3986 §2).
 */
int	sg_context_style_url_ok(const char *url);

/* 1 when intent is a token: [A-Za-z0-9._:/-]{1,SG_MAX_INTENT}. */
int	sg_context_intent_ok(const char *intent);

/*
 * Checks every member of a launch context, as the launch endpoint, the
 * smartgate-launch tool and sg_launch_open take it: patient and
 * encounter FHIR ids (sg_identity_id_ok), fhirContext, intent and
 * smart_style_url as above, need_patient_banner -1, 0 or 1, client_id
 * a client id.  Returns NULL when all are good, else the name of the
 * first bad member, with a sentence for the client in *why.
 */
const char *sg_context_check(const struct sg_context *c, const char **why);

/*
 * An EHR launch (SMART App Launch "EHR launch"): the context sealed
 * for SG_PURPOSE_LAUNCH, handed to the app as the launch parameter.
 */
char	*sg_launch_seal(const struct sg_keys *keys, const struct sg_context *c,
	    time_t expiry);
/*
 * Opens a launch value; on SG_SEAL_OK fills c (sg_context_clear).  A
 * context that fails sg_context_check is SG_SEAL_MALFORMED.
 */
enum sg_seal_result sg_launch_open(const struct sg_keys *keys, time_t now,
	    const char *text, struct sg_context *c);

#endif
