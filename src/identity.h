/*
 * Who the user is in FHIR terms ("fhirUser", SMART App Launch
 * "scopes-and-launch-context"): from a claim of the identity provider
 * (configurable: idp_user_claim, e.g. fhirUser or a directory extension
 * attribute), or from a mapping file for sites whose provider has no
 * such claim or that log in at Apache (REMOTE_USER).
 *
 * The mapping file is a JSON object {"<sub or user name>": "Patient/123"}.
 */
#ifndef SG_IDENTITY_H
#define SG_IDENTITY_H

#include <stddef.h>

struct sg_identity;

/*
 * Loads the mapping file (path may be NULL: no mapping).  fhir_base
 * (our public FHIR base) and upstream_fhir (the FHIR server's) are the
 * only bases an absolute fhirUser claim may be under; either may be
 * NULL.  Both are copied.  Returns NULL with a message naming the file
 * and the entry in err on failure.
 */
struct sg_identity *sg_identity_load(const char *path, const char *fhir_base,
	    const char *upstream_fhir, char *err, size_t errlen);
/* Frees id; NULL is fine. */
void	sg_identity_free(struct sg_identity *id);

/*
 * The FHIR identity of user: the mapping for user when there is one,
 * else the claim value when it is a valid reference, else NULL.  Accepts
 * "Type/id", or "{base}/Type/id" (as fhirUser claims often are) where
 * base is exactly our FHIR base or the upstream's given at load: a
 * reference to another server names somebody else's record.  Types:
 * Patient, Practitioner, PractitionerRole, RelatedPerson and Person.
 * Returns a new "Type/id" (caller frees).  id may be NULL: then only
 * "Type/id" is accepted.
 */
char	*sg_identity_fhir_user(const struct sg_identity *id, const char *user,
	    const char *claim);

/*
 * 1 when id is a FHIR R4 id, [A-Za-z0-9-.]{1,64}, and not "." or "..":
 * those are dot-segments (RFC 3986 §3.3, §5.2.4), which a URL parser
 * removes, so that ".../Patient/.." would read another resource.  The
 * one id check of smartgate; NULL gives 0.
 */
int	sg_identity_id_ok(const char *id);
/* The same as a validator of an input table (form.h). */
int	sg_identity_check_id(const char *v, size_t len);

/* 1 when ref is "Type/id" with one of the types above and a FHIR id. */
int	sg_identity_ref_ok(const char *ref);

/* 1 when type looks like a FHIR resource type name: [A-Z][A-Za-z]{0,63}. */
int	sg_identity_type_ok(const char *type);

/*
 * 1 when ref is a relative literal reference to any resource, "Type/id"
 * (FHIR R4 References §2.3.0.1), with sg_identity_type_ok and
 * sg_identity_id_ok.
 */
int	sg_identity_resource_ref_ok(const char *ref);

/* The id of "Patient/id" (a pointer into ref), or NULL for another type. */
const char *sg_identity_patient(const char *ref);

#endif
