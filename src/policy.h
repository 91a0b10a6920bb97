/*
 * What one access token may do at the FHIR proxy: the decision for a
 * classified request (fhirreq.h) and the check of every resource that
 * goes out or comes in, from the token's SMART scopes (SMART App Launch
 * 2.2 "Scopes and Launch Context") and its launch patient.
 *
 * - Resource scopes only: patient/ scopes count when the token has a
 *   patient (else they grant nothing); user/ and system/ scopes count
 *   always.  The gateway enforces type and interaction for them; which
 *   patients a user may see is the FHIR server's business.
 * - v1 and v2 both arrive here as permission bits (scope.h): c create,
 *   r read/vread/instance history, u update/patch, d delete, s search
 *   and type/system history.
 * - A scope's ?constraint is evaluated on each resource (resource.h);
 *   one the proxy cannot evaluate makes that scope grant nothing.
 *   Parameters within one scope are AND, several scopes are OR.
 * - patient/ scopes confine to the patient's compartment (FHIR R4
 *   CompartmentDefinition "patient"): searches are narrowed upstream,
 *   everything that comes back is checked.  Types outside the
 *   compartment are reached when a patient/ scope names them, or, for
 *   reading only, with patient/ * for a short list of reference types
 *   (Medication, Organization, Practitioner, …), never otherwise.
 */
#ifndef SG_POLICY_H
#define SG_POLICY_H

#include <stddef.h>

#include <json-c/json.h>

#include "fhirreq.h"
#include "scope.h"
#include "status.h"

struct sg_policy {
	struct sg_scopes	 scopes;	/* the resource scopes that count */
	const char		*patient;	/* launch patient, or NULL */
	const char *const	*bases;		/* our FHIR base, the upstream's */
	const char *const	*operations;	/* allowed "$op" names, NULL-ended */
};

/* What the proxy must do for one request, by sg_policy_decide(). */
struct sg_policy_plan {
	unsigned	 mask;		/* SG_PERM_* of which one must permit
					   each resource in the answer */
	int		 check;		/* the answer must be checked: parsed,
					   each resource judged */
	int		 exact;		/* the search was enforced upstream
					   completely: Bundle.total may stay */
	int		 existing;	/* read the resource first and judge it
					   with mask (update, patch, delete) */
	int		 body;		/* the request body is a resource to
					   judge with mask (create, update) */
};

/*
 * Takes the scopes of scope_text that count (see above) for a token
 * with launch patient (may be NULL).  bases and operations are kept,
 * not copied.  Release with sg_policy_free().
 */
void	sg_policy_init(struct sg_policy *pol, const char *scope_text,
	    const char *patient, const char *const *bases,
	    const char *const *operations);
void	sg_policy_free(struct sg_policy *pol);

/*
 * 1 when the proxy can enforce s: any scope but a resource scope whose
 * constraint cannot be evaluated (on "*", or a parameter resource.h
 * does not evaluate on its type).  What authorize offers for consent
 * passes this test, so that consent never shows what grants nothing.
 */
int	sg_policy_enforceable(const struct sg_scope *s);

/* Removes from l the scopes that are not sg_policy_enforceable(). */
void	sg_policy_enforceable_only(struct sg_scopes *l);

/*
 * Decides r.  On SG_OK, r may have been changed to what goes upstream:
 * a compartment search becomes a type search, a search confined to the
 * patient gets the narrowing parameter (Patient: _id), a search whose
 * scopes all carry one constraint gets its parameters; plan says what
 * else to do.  SG_E_INSUFFICIENT_SCOPE when no scope permits r, with
 * *why (constant) saying why, also for a conditional operation the
 * upstream cannot be made to confine; SG_E_NOT_FOUND for an operation
 * not allowed; SG_E_BAD_REQUEST for a malformed _type.  Batch and transaction Bundles are decided per entry by
 * the caller with this same function.
 */
enum sg_status sg_policy_decide(const struct sg_policy *pol,
	    struct sg_fhir_req *r, struct sg_policy_plan *plan,
	    const char **why);

/*
 * 1 when some scope with a permission in mask permits res (a JSON
 * object with resourceType): the type, the constraint, and for
 * patient/ scopes the compartment.  OperationOutcome is always
 * permitted: it is the server speaking of the request, not a record.
 * 0 otherwise, and for anything malformed.
 */
int	sg_policy_permit(const struct sg_policy *pol, json_object *res,
	    unsigned mask);

/*
 * 1 when a JSON Patch document (RFC 6902) for a resource of type keeps
 * away from what confines it: no operation whose path or from starts
 * at an element behind a compartment parameter (for patient/ scopes)
 * or a constraint of a scope that counts.  0 otherwise or malformed.
 */
int	sg_policy_patch_ok(const struct sg_policy *pol, const char *type,
	    json_object *patch);

#endif
