/*
 * Questions asked of one FHIR resource (parsed JSON) by the proxy: is
 * it in a patient's compartment, does it match a scope's constraint.
 * Both answer from the resource alone, with the tables of fhirdefs.h.
 */
#ifndef SG_RESOURCE_H
#define SG_RESOURCE_H

#include <json-c/json.h>

/*
 * 1 when res (a JSON object with resourceType and id) is in the
 * compartment of Patient/patient (FHIR R4 "Compartments"): a Patient
 * whose id is patient; a resource of another type in the compartment
 * whose element at one of its compartment parameter paths is a
 * Reference to Patient/patient.  A reference counts when its
 * "reference" is "Patient/<patient>", or "<base>/Patient/<patient>"
 * for one of bases (NULL-terminated, no trailing '/'; our FHIR base and
 * the upstream's), optionally followed by "/_history/<vid>".  0 for
 * anything else: a type outside the compartment, no such reference,
 * a malformed resource.  Never 1 by default.
 */
int	sg_resource_in_compartment(json_object *res, const char *patient,
	    const char *const *bases);

/*
 * Whether res, of resource type type, matches query, a SMART scope's
 * constraint ("category=http://…|laboratory", parameters joined by '&',
 * values percent-decoded once, a comma in a value meaning OR; SMART
 * App Launch 2.2 "Finer-grained resource constraints using search
 * parameters").  Only token parameters of the type are evaluated
 * (sg_fhir_token()), without modifiers; a value matches as FHIR R4
 * Search "token" says: "system|code" both exactly, "code" any system,
 * "system|" any code of that system, "|code" no system; on a code
 * (string), Coding, CodeableConcept (any coding), Identifier (value)
 * or an array of those at the parameter's paths.
 * Returns 1 when every parameter matches, 0 when one does not, -1 when
 * query cannot be evaluated (an unknown or non-token parameter, a
 * modifier, malformed text): the caller must then grant nothing.
 *
 * Details: a repeated parameter must match each time (AND, as in a FHIR
 * search); a code, other string or boolean ("true"/"false") has no
 * system, so only "code" and "|code" match it; "system|" also matches a
 * Coding without code; an Identifier-shaped object (system, value) is
 * matched as one, a ContactPoint included.  Refused (-1): an empty or
 * NULL query, more than SG_MAX_PARAMS parameters, more than
 * SG_MAX_PARAM_VALUE bytes, an empty name, value or alternative, a bad
 * %-escape, NUL or control bytes, more than one '|' in an alternative,
 * "|" alone, and any backslash (FHIR's escape of ',', '|' and '$' is not
 * read: refused instead).  Values are decoded before they are split, so
 * %7C and %2C act as '|' and ','.  0, not -1, when res is NULL, not an
 * object or of another resource type than type.
 */
int	sg_resource_matches(json_object *res, const char *type,
	    const char *query);

/* 0 when query could be evaluated on type by sg_resource_matches(), else -1. */
int	sg_resource_query_ok(const char *type, const char *query);

#endif
