/*
 * Unit tests for policy.c: which scopes count (sg_policy_init), the
 * decision and plan for every kind of classified request with the
 * query that then goes upstream (sg_policy_decide), the judgement of
 * each resource (sg_policy_permit) and of JSON Patch documents
 * (sg_policy_patch_ok), under SMART App Launch 2.2 v1 and v2 scopes,
 * the Patient compartment and granular ?category= constraints.
 * Resources and patches are written with ' for " so that the tables
 * stay readable.  The tables named *_bugs are the defects this test
 * found in policy.c (each marked "BUG:", as it was found), kept as
 * regression tests: each failed before its fix.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <json-c/json.h>

#include "fhirdefs.h"
#include "fhirreq.h"
#include "policy.h"
#include "scope.h"
#include "status.h"
#include "testlib.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

#define GW	"https://gw.example/fhir"
#define UP	"http://upstream.example:8080/fhir"
#define OBSCAT	"http://terminology.hl7.org/CodeSystem/observation-category"
#define LAB	"category=" OBSCAT "|laboratory"
#define VIT	"category=" OBSCAT "|vital-signs"
#define BELOW	"code:below=http://loinc.org|1-8"

#define P1	"pat-1"

#define R	SG_PERM_R
#define S	SG_PERM_S
#define RS	(SG_PERM_R | SG_PERM_S)
#define C	SG_PERM_C
#define U	SG_PERM_U
#define D	SG_PERM_D

#define OK	SG_OK
#define E403	SG_E_INSUFFICIENT_SCOPE
#define E404	SG_E_NOT_FOUND
#define E400	SG_E_BAD_REQUEST

static const char *const bases[] = { GW, UP, NULL };
static const char *const ops[] = { "lastn", "meta", "export", NULL };

/*
 * The types outside the Patient compartment that patient/ * reads,
 * as policy.h promises them and policy.c lists them: the two must
 * agree.
 */
static const char *const reference_types[] = {
	"Endpoint", "HealthcareService", "Location", "Medication",
	"Organization", "Practitioner", "PractitionerRole", "Substance",
};

/* s with every ' turned into " (caller frees). */
static char *
dq(const char *s)
{
	char	*p, *o;

	if ((o = strdup(s)) == NULL)
		ck_abort_msg("out of memory");
	for (p = o; *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	return o;
}

/* The JSON text s (with ' for "), parsed; NULL for NULL and "null". */
static json_object *
parse(const char *s)
{
	enum json_tokener_error e;
	json_object	*o;
	char		*t;

	if (s == NULL)
		return NULL;
	t = dq(s);
	o = json_tokener_parse_verbose(t, &e);
	ck_assert_msg(e == json_tokener_success, "test JSON does not parse: "
	    "%s", t);
	free(t);
	return o;
}

static int
reference_type(const char *name)
{
	size_t	 i;

	for (i = 0; i < NELEM(reference_types); i++)
		if (strcmp(reference_types[i], name) == 0)
			return 1;
	return 0;
}

static int
in_compartment(const struct sg_fhir_type *t)
{
	return t->ncompartment > 0 || strcmp(t->name, "Patient") == 0;
}

/*
 * sg_policy_init: the scopes that count, as their canonical texts, and
 * the patient kept.
 */
static const struct {
	const char	*scopes;
	const char	*patient;
	const char	*counted;
	const char	*kept;		/* pol->patient */
} inits[] = {
	{ NULL, P1, "", P1 },
	{ "", NULL, "", NULL },
	/* Only resource scopes count. */
	{ "openid fhirUser profile launch launch/patient offline_access",
	  P1, "", P1 },
	{ "openid patient/Observation.rs user/Patient.read", P1,
	  "patient/Observation.rs user/Patient.read", P1 },
	/* patient/ scopes need a patient, a FHIR id. */
	{ "patient/Observation.rs user/Patient.rs system/*.s", NULL,
	  "user/Patient.rs system/*.s", NULL },
	{ "patient/Observation.rs user/Patient.rs", "", "user/Patient.rs",
	  NULL },
	{ "patient/Observation.rs user/Patient.rs", "pat 1",
	  "user/Patient.rs", NULL },
	{ "patient/Observation.rs user/Patient.rs", "..",
	  "user/Patient.rs", NULL },
	{ "patient/Observation.rs user/Patient.rs", "pat/1",
	  "user/Patient.rs", NULL },
	{ "patient/*.cruds", "A.b-9", "patient/*.cruds", "A.b-9" },
	/* Constraints the proxy cannot evaluate grant nothing. */
	{ "patient/Observation.rs?" LAB " patient/Observation.rs?" BELOW,
	  P1, "patient/Observation.rs?" LAB, P1 },
	{ "user/Observation.rs?" BELOW " user/Observation.rs?foo=bar "
	  "user/Observation.rs?subject=Patient/pat-1 "
	  "user/Observation.rs?code=a\\b", P1, "", P1 },
	{ "patient/*.rs?" LAB " user/*.rs?" LAB " system/*.s?_security=R",
	  P1, "", P1 },
	{ "user/Observation.rs?category=laboratory&code=http://loinc.org|1-8",
	  P1, "user/Observation.rs?category=laboratory&code=http://loinc.org|1-8",
	  P1 },
	/* A constraint is judged for the type it names. */
	{ "user/Condition.rs?" LAB " user/Patient.rs?" LAB, P1,
	  "user/Condition.rs?" LAB, P1 },
	/* Malformed scopes are dropped, duplicates once. */
	{ "patient/Observation.rw patient/observation.rs user/Foo.rs "
	  "user/Observation.rs user/Observation.rs", P1,
	  "user/Foo.rs user/Observation.rs", P1 },
};

START_TEST(test_init)
{
	struct sg_policy pol;
	char		*got;

	sg_policy_init(&pol, inits[_i].scopes, inits[_i].patient, bases,
	    ops);
	got = sg_scopes_string(&pol.scopes);
	ck_assert_msg(strcmp(got, inits[_i].counted) == 0,
	    "'%s' with %s: counted '%s', want '%s'",
	    inits[_i].scopes ? inits[_i].scopes : "(null)",
	    inits[_i].patient ? inits[_i].patient : "(null)", got,
	    inits[_i].counted);
	free(got);
	tl_str_eq("patient", pol.patient, inits[_i].kept);
	ck_assert_ptr_eq(pol.bases, bases);
	ck_assert_ptr_eq(pol.operations, ops);
	sg_policy_free(&pol);
	ck_assert_uint_eq(pol.scopes.n, 0);
	ck_assert_ptr_null(pol.scopes.v);
	ck_assert_ptr_null(pol.patient);
}
END_TEST

START_TEST(test_free_null)
{
	struct sg_policy pol;

	sg_policy_free(NULL);
	sg_policy_init(&pol, "user/*.rs", NULL, NULL, NULL);
	sg_policy_free(&pol);
	sg_policy_free(&pol);
	ck_assert_uint_eq(pol.scopes.n, 0);
}
END_TEST

/*
 * sg_policy_decide.  op 0: the op the request was classified as.  On
 * SG_OK every plan field and the query upstream (sg_fhir_req_query)
 * are compared; otherwise only the status and that *why is set.
 */
struct dcase {
	const char	*scopes;
	const char	*patient;
	const char	*method;
	const char	*path;
	const char	*query;
	const char	*form;
	enum sg_status	 want;
	enum sg_fhir_op	 op;
	unsigned	 mask;
	int		 check;
	int		 exact;
	int		 existing;
	int		 body;
	const char	*upstream;
};

#define SUBJ	"subject=Patient/pat-1"
/* A refusal: nothing else to compare. */
#define NO(st)	st, 0, 0, 0, 0, 0, 0, NULL

static const struct dcase decides[] = {
	/* Search (FHIR R4 http §3.1.0.8) confined to the patient. */
	{ "patient/Observation.rs", P1, "GET", "/Observation", NULL, NULL,
	  OK, 0, RS, 1, 1, 0, 0, SUBJ },
	{ "patient/Observation.rs", P1, "GET", "/Observation",
	  "code=http://loinc.org|1-8", NULL,
	  OK, 0, RS, 1, 1, 0, 0, "code=http://loinc.org|1-8&" SUBJ },
	/* Asking for another patient only ANDs the narrowing. */
	{ "patient/Observation.rs", P1, "GET", "/Observation",
	  "subject=Patient/pat-2", NULL,
	  OK, 0, RS, 1, 1, 0, 0, "subject=Patient/pat-2&" SUBJ },
	{ "patient/Observation.rs", P1, "POST", "/Observation/_search",
	  "_count=5", "code=x",
	  OK, 0, RS, 1, 1, 0, 0, "_count=5&code=x&" SUBJ },
	{ "patient/Patient.rs", P1, "GET", "/Patient", NULL, NULL,
	  OK, 0, RS, 1, 1, 0, 0, "_id=pat-1" },
	{ "patient/*.rs", P1, "GET", "/Patient", "name=x", NULL,
	  OK, 0, RS, 1, 1, 0, 0, "name=x&_id=pat-1" },
	{ "patient/*.rs", P1, "GET", "/Condition", NULL, NULL,
	  OK, 0, RS, 1, 1, 0, 0, "patient=Patient/pat-1" },
	{ "patient/*.rs", P1, "GET", "/Encounter", NULL, NULL,
	  OK, 0, RS, 1, 1, 0, 0, SUBJ },
	{ "patient/*.rs", "A.b-9", "GET", "/Observation", NULL, NULL,
	  OK, 0, RS, 1, 1, 0, 0, "subject=Patient/A.b-9" },
	/* user/ and system/ scopes: the type only, nothing narrowed. */
	{ "user/Observation.rs", P1, "GET", "/Observation", NULL, NULL,
	  OK, 0, RS, 1, 1, 0, 0, "" },
	{ "user/Observation.rs", NULL, "GET", "/Observation", "code=x", NULL,
	  OK, 0, RS, 1, 1, 0, 0, "code=x" },
	{ "system/*.rs", NULL, "GET", "/Patient", NULL, NULL,
	  OK, 0, RS, 1, 1, 0, 0, "" },
	/* One unconfined scope among confined ones: nothing to enforce. */
	{ "patient/Observation.rs user/Observation.rs", P1, "GET",
	  "/Observation", NULL, NULL, OK, 0, RS, 1, 1, 0, 0, "" },
	{ "patient/Observation.rs?" LAB " user/Observation.rs", P1, "GET",
	  "/Observation", NULL, NULL, OK, 0, RS, 1, 1, 0, 0, "" },
	/* Constraints (SMART 2.2 "Finer-grained resource constraints"). */
	{ "patient/Observation.rs?" LAB, P1, "GET", "/Observation", NULL,
	  NULL, OK, 0, RS, 1, 1, 0, 0, SUBJ "&" LAB },
	{ "user/Observation.rs?" LAB, NULL, "GET", "/Observation", "code=x",
	  NULL, OK, 0, RS, 1, 1, 0, 0, "code=x&" LAB },
	{ "patient/Observation.rs?category=laboratory&code=http://loinc.org|1-8",
	  P1, "GET", "/Observation", NULL, NULL, OK, 0, RS, 1, 1, 0, 0,
	  SUBJ "&category=laboratory&code=http://loinc.org|1-8" },
	/* The same constraint on every granting scope is pushed once. */
	{ "patient/Observation.rs?" LAB " patient/Observation.s?" LAB, P1,
	  "GET", "/Observation", NULL, NULL, OK, 0, RS, 1, 1, 0, 0,
	  SUBJ "&" LAB },
	/* Percent-escapes in a constraint are decoded once, then encoded. */
	{ "user/Observation.rs?code=http://loinc.org|a%26b", NULL, "GET",
	  "/Observation", NULL, NULL, OK, 0, RS, 1, 1, 0, 0,
	  "code=http://loinc.org|a%26b" },
	/* Two different constraints (OR): nothing pushed, not exact. */
	{ "patient/Observation.rs?" LAB " patient/Observation.rs?" VIT, P1,
	  "GET", "/Observation", NULL, NULL, OK, 0, RS, 1, 0, 0, 0, SUBJ },
	{ "user/Observation.rs?" LAB " user/Observation.rs?" VIT, NULL,
	  "GET", "/Observation", NULL, NULL, OK, 0, RS, 1, 0, 0, 0, "" },
	/* A constraint and none, both confined: narrowed, not exact. */
	{ "patient/Observation.rs?" LAB " patient/Observation.rs", P1,
	  "GET", "/Observation", NULL, NULL, OK, 0, RS, 1, 0, 0, 0, SUBJ },
	/* Confined and unconfined-but-constrained: nothing upstream can
	   say both, so every answer is checked. */
	{ "patient/Observation.rs user/Observation.rs?" LAB, P1, "GET",
	  "/Observation", NULL, NULL, OK, 0, RS, 1, 0, 0, 0, "" },
	{ "patient/Observation.rs?" LAB " user/Observation.rs?" LAB, P1,
	  "GET", "/Observation", NULL, NULL, OK, 0, RS, 1, 0, 0, 0, LAB },
	/* A scope for another permission does not join the search. */
	{ "patient/Observation.s?" LAB " patient/Observation.r", P1, "GET",
	  "/Observation", NULL, NULL, OK, 0, RS, 1, 1, 0, 0, SUBJ "&" LAB },
	{ "patient/Observation.s user/Observation.r", P1, "GET",
	  "/Observation", NULL, NULL, OK, 0, RS, 1, 1, 0, 0, SUBJ },
	/* v1: read is rs, write is cud, * is cruds. */
	{ "patient/Observation.read", P1, "GET", "/Observation", NULL, NULL,
	  OK, 0, RS, 1, 1, 0, 0, SUBJ },
	{ "patient/*.read", P1, "GET", "/Observation", NULL, NULL,
	  OK, 0, RS, 1, 1, 0, 0, SUBJ },
	{ "patient/Observation.*", P1, "GET", "/Observation", NULL, NULL,
	  OK, 0, RS, 1, 1, 0, 0, SUBJ },
	{ "patient/Observation.write", P1, "GET", "/Observation", NULL, NULL,
	  NO(E403) },
	{ "user/*.write", NULL, "GET", "/Observation", NULL, NULL, NO(E403) },
	/* Search needs s. */
	{ "patient/Observation.r", P1, "GET", "/Observation", NULL, NULL,
	  NO(E403) },
	{ "user/Observation.r", P1, "POST", "/Observation/_search", NULL,
	  NULL, NO(E403) },
	{ "patient/Observation.s", P1, "GET", "/Observation", NULL, NULL,
	  OK, 0, RS, 1, 1, 0, 0, SUBJ },
	{ "patient/Observation.cud", P1, "GET", "/Observation", NULL, NULL,
	  NO(E403) },
	/* patient/ scopes without a (valid) patient grant nothing. */
	{ "patient/Observation.rs", NULL, "GET", "/Observation", NULL, NULL,
	  NO(E403) },
	{ "patient/*.cruds", NULL, "GET", "/Patient", NULL, NULL, NO(E403) },
	{ "patient/*.cruds", "", "GET", "/Patient", NULL, NULL, NO(E403) },
	{ "patient/*.cruds", "pat 1", "GET", "/Observation/o1", NULL, NULL,
	  NO(E403) },
	{ "patient/*.cruds", NULL, "POST", "/Observation", NULL, NULL,
	  NO(E403) },
	/* Constraints that cannot be evaluated grant nothing. */
	{ "patient/Observation.rs?" BELOW, P1, "GET", "/Observation", NULL,
	  NULL, NO(E403) },
	{ "user/Observation.rs?" BELOW, P1, "GET", "/Observation/o1", NULL,
	  NULL, NO(E403) },
	{ "patient/*.rs?" LAB, P1, "GET", "/Observation", NULL, NULL, NO(E403) },
	{ "user/*.rs?" LAB, P1, "GET", "/Observation/o1", NULL, NULL, NO(E403) },
	{ "user/Observation.rs?foo=bar", P1, "GET", "/Observation", NULL,
	  NULL, NO(E403) },
	{ "user/Observation.rs?subject=Patient/pat-1", P1, "GET",
	  "/Observation", NULL, NULL, NO(E403) },
	/* ... but do not spoil the scopes that can. */
	{ "patient/Observation.rs?" BELOW " patient/Observation.rs?" LAB, P1,
	  "GET", "/Observation", NULL, NULL, OK, 0, RS, 1, 1, 0, 0,
	  SUBJ "&" LAB },
	/* Other types, other scopes. */
	{ "patient/Condition.rs", P1, "GET", "/Observation", NULL, NULL,
	  NO(E403) },
	{ "patient/Condition.rs", P1, "GET", "/Observation/o1", NULL, NULL,
	  NO(E403) },
	{ "openid fhirUser launch/patient", P1, "GET", "/Observation", NULL,
	  NULL, NO(E403) },
	{ "", P1, "GET", "/Patient/pat-1", NULL, NULL, NO(E403) },
	{ NULL, NULL, "GET", "/Patient", NULL, NULL, NO(E403) },

	/* Types outside the compartment. */
	{ "patient/*.rs", P1, "GET", "/Practitioner", NULL, NULL,
	  OK, 0, RS, 1, 1, 0, 0, "" },
	{ "patient/*.rs", P1, "GET", "/Medication/m1", NULL, NULL,
	  OK, 0, R, 0, 0, 0, 0, "" },
	{ "patient/*.rs", P1, "GET", "/Organization/o1", NULL, NULL,
	  OK, 0, R, 0, 0, 0, 0, "" },
	{ "patient/*.read", P1, "GET", "/Location", "name=x", NULL,
	  OK, 0, RS, 1, 1, 0, 0, "name=x" },
	{ "patient/*.rs", P1, "GET", "/Binary/b1", NULL, NULL, NO(E403) },
	{ "patient/*.rs", P1, "GET", "/Binary", NULL, NULL, NO(E403) },
	{ "patient/*.cruds", P1, "GET", "/Questionnaire/q1", NULL, NULL,
	  NO(E403) },
	{ "patient/*.cruds", P1, "GET", "/Bundle", NULL, NULL, NO(E403) },
	{ "patient/*.rs", P1, "GET", "/Device/d1", NULL, NULL, NO(E403) },
	{ "patient/Binary.rs", P1, "GET", "/Binary/b1", NULL, NULL,
	  OK, 0, R, 0, 0, 0, 0, "" },
	{ "patient/Questionnaire.rs", P1, "GET", "/Questionnaire", NULL,
	  NULL, OK, 0, RS, 1, 1, 0, 0, "" },
	{ "patient/Medication.rs", P1, "GET", "/Medication", NULL, NULL,
	  OK, 0, RS, 1, 1, 0, 0, "" },
	{ "user/*.rs", NULL, "GET", "/Binary/b1", NULL, NULL,
	  OK, 0, R, 0, 0, 0, 0, "" },

	/* Read, vread, history (FHIR R4 http §3.1.0.2, .3, .7). */
	{ "patient/Observation.rs", P1, "GET", "/Observation/o1", NULL, NULL,
	  OK, 0, R, 1, 0, 0, 0, "" },
	{ "patient/Observation.r", P1, "HEAD", "/Observation/o1", NULL, NULL,
	  OK, 0, R, 1, 0, 0, 0, "" },
	{ "user/Observation.rs", P1, "GET", "/Observation/o1", NULL, NULL,
	  OK, 0, R, 0, 0, 0, 0, "" },
	{ "user/Observation.rs?" LAB, P1, "GET", "/Observation/o1", NULL,
	  NULL, OK, 0, R, 1, 0, 0, 0, "" },
	{ "patient/Observation.s", P1, "GET", "/Observation/o1", NULL, NULL,
	  NO(E403) },
	{ "user/Observation.s", P1, "GET", "/Observation/o1", NULL, NULL,
	  NO(E403) },
	{ "patient/Observation.read", P1, "GET", "/Observation/o1", NULL,
	  NULL, OK, 0, R, 1, 0, 0, 0, "" },
	{ "patient/Observation.write", P1, "GET", "/Observation/o1", NULL,
	  NULL, NO(E403) },
	/* Another patient's record is judged on the answer. */
	{ "patient/Patient.rs", P1, "GET", "/Patient/pat-2", NULL, NULL,
	  OK, 0, R, 1, 0, 0, 0, "" },
	{ "patient/Observation.rs", P1, "GET", "/Observation/o1/_history/2",
	  NULL, NULL, OK, 0, R, 1, 0, 0, 0, "" },
	{ "user/Observation.rs", P1, "GET", "/Observation/o1/_history/2",
	  NULL, NULL, OK, 0, R, 0, 0, 0, 0, "" },
	{ "patient/Observation.s", P1, "GET", "/Observation/o1/_history/2",
	  NULL, NULL, NO(E403) },
	{ "patient/Observation.rs", P1, "GET", "/Observation/o1/_history",
	  NULL, NULL, OK, 0, R, 1, 0, 0, 0, "" },
	{ "user/Observation.r", P1, "GET", "/Observation/o1/_history",
	  NULL, NULL, OK, 0, R, 1, 1, 0, 0, "" },
	{ "patient/Observation.s", P1, "GET", "/Observation/o1/_history",
	  NULL, NULL, NO(E403) },
	{ "patient/Observation.rs", P1, "GET", "/Observation/_history",
	  NULL, NULL, OK, 0, S, 1, 0, 0, 0, "" },
	{ "user/Observation.s", P1, "GET", "/Observation/_history",
	  "_since=2020-01-01", NULL, OK, 0, S, 1, 1, 0, 0,
	  "_since=2020-01-01" },
	{ "patient/Observation.r", P1, "GET", "/Observation/_history", NULL,
	  NULL, NO(E403) },

	/* Create, update, patch, delete (FHIR R4 http §3.1.0.4-6). */
	{ "patient/Observation.c", P1, "POST", "/Observation", NULL, NULL,
	  OK, 0, C, 0, 0, 0, 1, "" },
	{ "user/Observation.c", NULL, "POST", "/Observation", NULL, NULL,
	  OK, 0, C, 0, 0, 0, 1, "" },
	{ "patient/Observation.write", P1, "POST", "/Observation", NULL,
	  NULL, OK, 0, C, 0, 0, 0, 1, "" },
	{ "patient/Observation.rs", P1, "POST", "/Observation", NULL, NULL,
	  NO(E403) },
	{ "patient/Observation.ud", P1, "POST", "/Observation", NULL, NULL,
	  NO(E403) },
	{ "patient/Observation.u", P1, "PUT", "/Observation/o1", NULL, NULL,
	  OK, 0, U, 0, 0, 1, 1, "" },
	{ "patient/Observation.write", P1, "PUT", "/Observation/o1", NULL,
	  NULL, OK, 0, U, 0, 0, 1, 1, "" },
	{ "user/Observation.u", P1, "PUT", "/Observation/o1", NULL, NULL,
	  OK, 0, U, 0, 0, 0, 1, "" },
	{ "user/Observation.u?" LAB, NULL, "PUT", "/Observation/o1", NULL,
	  NULL, OK, 0, U, 0, 0, 1, 1, "" },
	{ "patient/Observation.u user/Observation.u", P1, "PUT",
	  "/Observation/o1", NULL, NULL, OK, 0, U, 0, 0, 0, 1, "" },
	{ "patient/Observation.rs", P1, "PUT", "/Observation/o1", NULL, NULL,
	  NO(E403) },
	{ "patient/Observation.c", P1, "PUT", "/Observation/o1", NULL, NULL,
	  NO(E403) },
	{ "patient/Observation.u", P1, "PATCH", "/Observation/o1", NULL,
	  NULL, OK, 0, U, 0, 0, 1, 0, "" },
	{ "user/Observation.u", NULL, "PATCH", "/Observation/o1", NULL, NULL,
	  OK, 0, U, 0, 0, 0, 0, "" },
	{ "patient/Observation.crs", P1, "PATCH", "/Observation/o1", NULL,
	  NULL, NO(E403) },
	{ "patient/Observation.d", P1, "DELETE", "/Observation/o1", NULL,
	  NULL, OK, 0, D, 0, 0, 1, 0, "" },
	{ "patient/Observation.write", P1, "DELETE", "/Observation/o1", NULL,
	  NULL, OK, 0, D, 0, 0, 1, 0, "" },
	{ "user/Observation.d", NULL, "DELETE", "/Observation/o1", NULL,
	  NULL, OK, 0, D, 0, 0, 0, 0, "" },
	{ "patient/Observation.cru", P1, "DELETE", "/Observation/o1", NULL,
	  NULL, NO(E403) },
	{ "patient/Observation.read", P1, "DELETE", "/Observation/o1", NULL,
	  NULL, NO(E403) },
	{ "patient/Patient.u", P1, "PUT", "/Patient/pat-1", NULL, NULL,
	  OK, 0, U, 0, 0, 1, 1, "" },

	/* Conditional update, patch, delete: confined upstream, wholly. */
	{ "patient/Observation.d", P1, "DELETE", "/Observation",
	  "identifier=x", NULL, OK, 0, D, 0, 0, 0, 0,
	  "identifier=x&" SUBJ },
	{ "user/Observation.d", NULL, "DELETE", "/Observation",
	  "identifier=x", NULL, OK, 0, D, 0, 0, 0, 0, "identifier=x" },
	{ "patient/Observation.d?" LAB, P1, "DELETE", "/Observation",
	  "identifier=x", NULL, OK, 0, D, 0, 0, 0, 0,
	  "identifier=x&" SUBJ "&" LAB },
	{ "user/Observation.d?" LAB, NULL, "DELETE", "/Observation",
	  "identifier=x", NULL, OK, 0, D, 0, 0, 0, 0, "identifier=x&" LAB },
	{ "patient/Observation.d?" LAB " patient/Observation.d?" VIT, P1,
	  "DELETE", "/Observation", "identifier=x", NULL, NO(E403) },
	{ "user/Observation.d?" LAB " user/Observation.d?" VIT, NULL,
	  "DELETE", "/Observation", "identifier=x", NULL, NO(E403) },
	{ "patient/Observation.d user/Observation.d?" LAB, P1, "DELETE",
	  "/Observation", "identifier=x", NULL, NO(E403) },
	{ "patient/Observation.d?" LAB " patient/Observation.d", P1,
	  "DELETE", "/Observation", "identifier=x", NULL, NO(E403) },
	{ "patient/Observation.rs", P1, "DELETE", "/Observation",
	  "identifier=x", NULL, NO(E403) },
	{ "patient/Observation.u", P1, "PUT", "/Observation", "identifier=x",
	  NULL, OK, 0, U, 0, 0, 0, 1, "identifier=x&" SUBJ },
	{ "patient/Observation.u", P1, "PATCH", "/Observation",
	  "identifier=x", NULL, OK, 0, U, 0, 0, 0, 0, "identifier=x&" SUBJ },
	{ "patient/Observation.u?" LAB " patient/Observation.u?" VIT, P1,
	  "PATCH", "/Observation", "identifier=x", NULL, NO(E403) },
	{ "patient/Observation.d", P1, "PUT", "/Observation", "identifier=x",
	  NULL, NO(E403) },
	{ "patient/Patient.d", P1, "DELETE", "/Patient", "identifier=x",
	  NULL, OK, 0, D, 0, 0, 0, 0, "identifier=x&_id=pat-1" },
	{ "patient/*.write", P1, "DELETE", "/Condition", "code=x", NULL,
	  OK, 0, D, 0, 0, 0, 0, "code=x&patient=Patient/pat-1" },

	/* Compartment search (FHIR R4 §3.1.0.8.1) becomes a type search. */
	{ "patient/Observation.rs", P1, "GET", "/Patient/pat-1/Observation",
	  NULL, NULL, OK, SG_FHIR_SEARCH_TYPE, RS, 1, 1, 0, 0,
	  SUBJ "&" SUBJ },
	{ "patient/Observation.rs", P1, "GET", "/Patient/pat-1/Observation",
	  "code=x", NULL, OK, SG_FHIR_SEARCH_TYPE, RS, 1, 1, 0, 0,
	  "code=x&" SUBJ "&" SUBJ },
	{ "patient/*.rs", P1, "GET", "/Patient/pat-1/Condition", NULL, NULL,
	  OK, SG_FHIR_SEARCH_TYPE, RS, 1, 1, 0, 0,
	  "patient=Patient/pat-1&patient=Patient/pat-1" },
	{ "patient/*.rs", P1, "GET", "/Patient/pat-1/Patient", NULL, NULL,
	  OK, SG_FHIR_SEARCH_TYPE, RS, 1, 1, 0, 0, "_id=pat-1&_id=pat-1" },
	{ "patient/Observation.rs?" LAB, P1, "GET",
	  "/Patient/pat-1/Observation", NULL, NULL, OK, SG_FHIR_SEARCH_TYPE,
	  RS, 1, 1, 0, 0, SUBJ "&" SUBJ "&" LAB },
	{ "patient/Observation.rs", P1, "GET", "/Patient/pat-2/Observation",
	  NULL, NULL, NO(E403) },
	{ "patient/*.rs", P1, "GET", "/Patient/pat-2/Condition", NULL, NULL,
	  NO(E403) },
	{ "patient/*.rs", P1, "GET", "/Patient/pat-2/Patient", NULL, NULL,
	  NO(E403) },
	{ "patient/Observation.rs", P1, "GET", "/Patient/pat-10/Observation",
	  NULL, NULL, NO(E403) },
	{ "patient/Observation.rs", P1, "GET", "/Patient/pat/Observation",
	  NULL, NULL, NO(E403) },
	{ "patient/Observation.r", P1, "GET", "/Patient/pat-1/Observation",
	  NULL, NULL, NO(E403) },
	{ "patient/Observation.rs", NULL, "GET",
	  "/Patient/pat-1/Observation", NULL, NULL, NO(E403) },
	{ "user/Observation.rs", P1, "GET", "/Patient/pat-2/Observation",
	  NULL, NULL, OK, SG_FHIR_SEARCH_TYPE, RS, 1, 1, 0, 0,
	  "subject=Patient/pat-2" },
	{ "user/Observation.rs", NULL, "GET", "/Patient/pat-2/Observation",
	  NULL, NULL, OK, SG_FHIR_SEARCH_TYPE, RS, 1, 1, 0, 0,
	  "subject=Patient/pat-2" },
	{ "patient/Observation.rs user/Observation.rs?" LAB, P1, "GET",
	  "/Patient/pat-2/Observation", NULL, NULL, OK, SG_FHIR_SEARCH_TYPE,
	  RS, 1, 0, 0, 0, "subject=Patient/pat-2" },
	/* Types the compartment does not hold. */
	{ "patient/*.rs", P1, "GET", "/Patient/pat-1/Medication", NULL, NULL,
	  NO(E404) },
	{ "user/*.rs", NULL, "GET", "/Patient/pat-1/Medication", NULL, NULL,
	  NO(E404) },
	{ "patient/*.rs", P1, "GET", "/Patient/pat-1/Practitioner", NULL,
	  NULL, NO(E404) },
	{ "user/*.rs", P1, "GET", "/Patient/pat-1/Binary", NULL, NULL,
	  NO(E404) },

	/* Operations: $everything on Patient/id only, others if listed. */
	{ "patient/*.rs", P1, "GET", "/Patient/pat-1/$everything", NULL,
	  NULL, OK, 0, RS, 1, 0, 0, 0, "" },
	{ "patient/*.rs", P1, "POST", "/Patient/pat-1/$everything", NULL,
	  NULL, OK, 0, RS, 1, 0, 0, 0, "" },
	{ "patient/Patient.s", P1, "GET", "/Patient/pat-1/$everything",
	  "_count=10", NULL, OK, 0, RS, 1, 0, 0, 0, "_count=10" },
	{ "patient/*.rs", P1, "GET", "/Patient/pat-2/$everything", NULL,
	  NULL, NO(E403) },
	{ "patient/Patient.rs", P1, "GET", "/Patient/pat-2/$everything",
	  NULL, NULL, NO(E403) },
	{ "patient/Observation.rs", P1, "GET", "/Patient/pat-1/$everything",
	  NULL, NULL, NO(E403) },
	{ "patient/Patient.cud", P1, "GET", "/Patient/pat-1/$everything",
	  NULL, NULL, NO(E403) },
	{ "patient/*.rs", NULL, "GET", "/Patient/pat-1/$everything", NULL,
	  NULL, NO(E403) },
	{ "user/*.rs", NULL, "GET", "/Patient/pat-2/$everything", NULL,
	  NULL, OK, 0, RS, 1, 0, 0, 0, "" },
	{ "user/*.rs", NULL, "GET", "/Patient/$everything", NULL, NULL,
	  NO(E404) },
	{ "user/*.rs", NULL, "GET", "/$everything", NULL, NULL, NO(E404) },
	{ "user/*.rs", NULL, "GET", "/Observation/o1/$everything", NULL,
	  NULL, NO(E404) },
	{ "user/*.rs", NULL, "GET", "/Encounter/e1/$everything", NULL,
	  NULL, NO(E404) },
	{ "user/*.rs", NULL, "GET", "/Patient/pat-1/$validate", NULL, NULL,
	  NO(E404) },
	{ "user/*.rs", NULL, "GET", "/Patient/pat-1/$Everything", NULL, NULL,
	  NO(E404) },
	{ "user/*.rs", NULL, "POST", "/Observation/$validate", NULL, NULL,
	  NO(E404) },
	{ "system/*.cruds", NULL, "POST", "/$reindex", NULL, NULL, NO(E404) },
	{ "system/*.cruds", NULL, "GET", "/$lastnx", NULL, NULL, NO(E404) },
	/* Not found comes before insufficient scope: no scope at all. */
	{ "", NULL, "GET", "/Observation/$validate", NULL, NULL, NO(E404) },
	/* Listed operations: type level narrowed like a search. */
	{ "patient/Observation.rs", P1, "GET", "/Observation/$lastn", "max=3",
	  NULL, OK, 0, RS, 1, 0, 0, 0, "max=3&" SUBJ },
	{ "patient/Observation.s?" LAB, P1, "GET", "/Observation/$lastn",
	  NULL, NULL, OK, 0, RS, 1, 0, 0, 0, SUBJ "&" LAB },
	{ "user/Observation.rs", NULL, "GET", "/Observation/$lastn", "max=3",
	  NULL, OK, 0, RS, 1, 0, 0, 0, "max=3" },
	{ "patient/Condition.rs", P1, "GET", "/Observation/$lastn", NULL,
	  NULL, NO(E403) },
	/* Instance level: the resource is judged first. */
	{ "patient/Observation.rs", P1, "GET", "/Observation/o1/$meta", NULL,
	  NULL, OK, 0, RS, 1, 0, 1, 0, "" },
	{ "patient/Observation.r", P1, "GET", "/Observation/o1/$meta", NULL,
	  NULL, OK, 0, RS, 1, 0, 1, 0, "" },
	{ "user/Observation.rs", NULL, "GET", "/Observation/o1/$meta", NULL,
	  NULL, OK, 0, RS, 1, 0, 0, 0, "" },
	{ "patient/*.rs", P1, "GET", "/Patient/pat-1/$meta", NULL, NULL,
	  OK, 0, RS, 1, 0, 0, 0, "" },
	{ "patient/*.rs", P1, "GET", "/Patient/pat-2/$meta", NULL, NULL,
	  NO(E403) },
	{ "patient/Observation.cud", P1, "GET", "/Observation/o1/$meta",
	  NULL, NULL, NO(E403) },
	/* System level: every type unconfined. */
	{ "system/*.rs", NULL, "GET", "/$export", NULL, NULL,
	  OK, 0, RS, 1, 0, 0, 0, "" },
	{ "user/*.s", NULL, "POST", "/$export", NULL, NULL,
	  OK, 0, RS, 1, 0, 0, 0, "" },
	{ "user/Observation.rs", NULL, "GET", "/$export", NULL, NULL, NO(E403) },
	{ "patient/*.rs", P1, "GET", "/$export", NULL, NULL, NO(E403) },
	{ "user/*.cud", NULL, "GET", "/$export", NULL, NULL, NO(E403) },

	/* System search and history: unconfined for every type touched. */
	{ "user/Observation.rs", NULL, "GET", "", "_type=Observation", NULL,
	  OK, 0, RS, 1, 0, 0, 0, "_type=Observation" },
	{ "user/Observation.s user/Condition.s", NULL, "GET", "",
	  "_type=Observation,Condition", NULL, OK, 0, RS, 1, 0, 0, 0,
	  "_type=Observation,Condition" },
	{ "user/Observation.rs", NULL, "GET", "",
	  "_type=Observation,Condition", NULL, NO(E403) },
	{ "user/Observation.rs", NULL, "GET", "",
	  "_type=Condition,Observation", NULL, NO(E403) },
	{ "user/Observation.r", NULL, "GET", "", "_type=Observation", NULL,
	  NO(E403) },
	{ "patient/Observation.rs", P1, "GET", "", "_type=Observation", NULL,
	  NO(E403) },
	{ "patient/*.rs", P1, "GET", "", "_type=Patient", NULL, NO(E403) },
	{ "user/Observation.rs?" LAB, NULL, "GET", "", "_type=Observation",
	  NULL, NO(E403) },
	{ "user/Observation.rs patient/Observation.rs", P1, "GET", "",
	  "_type=Observation", NULL, OK, 0, RS, 1, 0, 0, 0,
	  "_type=Observation" },
	{ "user/Observation.rs?" LAB " user/Observation.rs", NULL, "GET", "",
	  "_type=Observation", NULL, OK, 0, RS, 1, 0, 0, 0,
	  "_type=Observation" },
	/* Reference types are unconfined under patient/ *. */
	{ "patient/*.rs", P1, "GET", "", "_type=Practitioner,Medication",
	  NULL, OK, 0, RS, 1, 0, 0, 0, "_type=Practitioner,Medication" },
	{ "patient/*.rs", P1, "GET", "", "_type=Practitioner,Observation",
	  NULL, NO(E403) },
	{ "patient/*.rs", P1, "GET", "", "_type=Binary", NULL, NO(E403) },
	{ "system/*.s", NULL, "POST", "/_search", NULL,
	  "_type=Observation,Patient", OK, 0, RS, 1, 0, 0, 0,
	  "_type=Observation,Patient" },
	{ "user/Observation.s", NULL, "POST", "/_search", NULL,
	  "_type=Patient", NO(E403) },
	/* The next page of a search the server keeps (HAPI): some s. */
	{ "patient/Observation.rs", P1, "GET", "",
	  "_getpages=abc&_getpagesoffset=20&_count=10", NULL, OK, 0, RS, 1, 0,
	  0, 0, "_getpages=abc&_getpagesoffset=20&_count=10" },
	{ "patient/Observation.r", P1, "GET", "", "_getpages=abc", NULL,
	  NO(E403) },
	{ "patient/Observation.rs", P1, "GET", "",
	  "_getpages=abc&subject=Patient/pat-2", NULL, NO(E403) },
	{ "patient/Observation.rs", P1, "GET", "",
	  "_getpages=abc&_getpages=def", NULL, NO(E403) },
	/* Without _type: every type. */
	{ "user/*.rs", NULL, "GET", "", NULL, NULL,
	  OK, 0, RS, 1, 0, 0, 0, "" },
	{ "user/*.s", NULL, "GET", "", "_lastUpdated=gt2020", NULL,
	  OK, 0, RS, 1, 0, 0, 0, "_lastUpdated=gt2020" },
	{ "user/*.r", NULL, "GET", "", NULL, NULL, NO(E403) },
	{ "user/Observation.rs", NULL, "GET", "", NULL, NULL, NO(E403) },
	{ "patient/*.rs", P1, "GET", "", NULL, NULL, NO(E403) },
	{ "user/*.rs user/Observation.rs?" LAB, NULL, "GET", "", NULL, NULL,
	  OK, 0, RS, 1, 0, 0, 0, "" },
	/* _type once, naming R4 types only. */
	{ "user/*.rs", NULL, "GET", "", "_type=Observation&_type=Patient",
	  NULL, NO(E400) },
	{ "user/*.rs", NULL, "GET", "", "_type=Foo", NULL, NO(E400) },
	{ "user/*.rs", NULL, "GET", "", "_type=observation", NULL, NO(E400) },
	{ "user/*.rs", NULL, "GET", "", "_type=Observation,,Patient", NULL,
	  NO(E400) },
	{ "user/*.rs", NULL, "GET", "", "_type=,Observation", NULL, NO(E400) },
	{ "user/*.rs", NULL, "GET", "", "_type=Observation%20", NULL, NO(E400) },
	{ "user/*.rs", NULL, "GET", "/_history", NULL, NULL,
	  OK, 0, RS, 1, 0, 0, 0, "" },
	{ "user/Observation.rs", NULL, "GET", "/_history", NULL, NULL, NO(E403) },
	{ "user/*.r", NULL, "GET", "/_history", NULL, NULL, NO(E403) },
	{ "patient/*.rs", P1, "GET", "/_history", NULL, NULL, NO(E403) },

	/* Batch and transaction: decided entry by entry, never whole. */
	{ "system/*.cruds", NULL, "POST", "", NULL, NULL, NO(E400) },
};

/* Parses c's request, decides it under c's scopes; checks all. */
static void
run_decide(const struct dcase *c, int row)
{
	struct sg_policy pol;
	struct sg_fhir_req r;
	struct sg_policy_plan plan;
	enum sg_fhir_op	 op;
	enum sg_status	 got;
	const char	*why = "unset";
	char		*q, msg[1024];

	memset(&r, 0, sizeof(r));
	sg_policy_init(&pol, c->scopes, c->patient, bases, ops);
	ck_assert_msg(sg_fhir_req_parse(c->method, c->path, c->query,
	    c->form, &r, NULL) == SG_OK, "row %d: %s %s does not parse", row,
	    c->method, c->path);
	op = c->op != 0 ? c->op : r.op;
	/* Every field of the plan must be written. */
	memset(&plan, 0xa5, sizeof(plan));
	got = sg_policy_decide(&pol, &r, &plan, &why);
	if (got != c->want) {
		/* Freed first: the suite stays leak-free when it fails. */
		snprintf(msg, sizeof(msg),
		    "row %d: %s %s?%s under '%s' (%s): got %d want %d (%s)",
		    row, c->method, c->path, c->query ? c->query : "",
		    c->scopes ? c->scopes : "(null)",
		    c->patient ? c->patient : "(null)", got, c->want,
		    why ? why : "no reason");
		sg_fhir_req_free(&r);
		sg_policy_free(&pol);
		ck_abort_msg("%s", msg);
	}
	if (got != SG_OK) {
		ck_assert_msg(why != NULL && *why != '\0',
		    "row %d: refused without a reason", row);
		goto out;
	}
	ck_assert_msg(why == NULL, "row %d: a reason on success: %s", row,
	    why);
	ck_assert_msg(r.op == op, "row %d: op %s, want %s", row,
	    sg_fhir_op_name(r.op), sg_fhir_op_name(op));
	ck_assert_msg(plan.mask == c->mask, "row %d: mask %#x, want %#x",
	    row, plan.mask, c->mask);
	ck_assert_msg(plan.check == c->check, "row %d: check %d, want %d",
	    row, plan.check, c->check);
	ck_assert_msg(plan.exact == c->exact, "row %d: exact %d, want %d",
	    row, plan.exact, c->exact);
	ck_assert_msg(plan.existing == c->existing,
	    "row %d: existing %d, want %d", row, plan.existing, c->existing);
	ck_assert_msg(plan.body == c->body, "row %d: body %d, want %d", row,
	    plan.body, c->body);
	q = sg_fhir_req_query(&r);
	ck_assert_msg(strcmp(q, c->upstream) == 0,
	    "row %d: %s %s under '%s': upstream query '%s', want '%s'", row,
	    c->method, c->path, c->scopes, q, c->upstream);
	free(q);
out:
	sg_fhir_req_free(&r);
	sg_policy_free(&pol);
}

START_TEST(test_decide)
{
	run_decide(&decides[_i], _i);
}
END_TEST

/* why may be NULL; the decision is the same. */
START_TEST(test_decide_why_null)
{
	struct sg_policy pol;
	struct sg_fhir_req r;
	struct sg_policy_plan plan;

	memset(&r, 0, sizeof(r));
	sg_policy_init(&pol, "patient/Observation.rs", P1, bases, ops);
	ck_assert_int_eq(sg_fhir_req_parse("GET", "/Condition", NULL, NULL,
	    &r, NULL), SG_OK);
	ck_assert_int_eq(sg_policy_decide(&pol, &r, &plan, NULL), E403);
	sg_fhir_req_free(&r);
	ck_assert_int_eq(sg_fhir_req_parse("GET", "/Observation", NULL, NULL,
	    &r, NULL), SG_OK);
	ck_assert_int_eq(sg_policy_decide(&pol, &r, &plan, NULL), OK);
	ck_assert_int_eq(plan.exact, 1);
	sg_fhir_req_free(&r);
	sg_policy_free(&pol);
}
END_TEST

/* Without an operations list only $everything is known. */
START_TEST(test_decide_no_operations)
{
	struct sg_policy pol;
	struct sg_fhir_req r;
	struct sg_policy_plan plan;
	const char	*why;

	memset(&r, 0, sizeof(r));
	sg_policy_init(&pol, "user/*.cruds", NULL, bases, NULL);
	ck_assert_int_eq(sg_fhir_req_parse("GET", "/Observation/$lastn",
	    NULL, NULL, &r, NULL), SG_OK);
	ck_assert_int_eq(sg_policy_decide(&pol, &r, &plan, &why), E404);
	sg_fhir_req_free(&r);
	ck_assert_int_eq(sg_fhir_req_parse("GET", "/Patient/x/$everything",
	    NULL, NULL, &r, NULL), SG_OK);
	ck_assert_int_eq(sg_policy_decide(&pol, &r, &plan, &why), OK);
	sg_fhir_req_free(&r);
	sg_policy_free(&pol);
}
END_TEST

/*
 * Every R4 type under patient/ *.rs for pat-1: a type in the Patient
 * compartment is searched narrowed to the patient and read checked; a
 * reference type is open; any other type is refused.  A compartment
 * search holds exactly the compartment's types.  Under user/ *.rs all
 * types are open.
 */
START_TEST(test_decide_every_type)
{
	const struct sg_fhir_type *t = &sg_fhir_types[_i];
	struct sg_policy pat, usr;
	struct sg_fhir_req r;
	struct sg_policy_plan plan;
	const char	*why;
	char		 path[128], want[128];
	char		*q;
	enum sg_status	 st;

	memset(&r, 0, sizeof(r));
	sg_policy_init(&pat, "patient/*.rs", P1, bases, ops);
	sg_policy_init(&usr, "user/*.rs", NULL, bases, ops);

	/* Type search. */
	snprintf(path, sizeof(path), "/%s", t->name);
	ck_assert_int_eq(sg_fhir_req_parse("GET", path, NULL, NULL, &r,
	    NULL), SG_OK);
	st = sg_policy_decide(&pat, &r, &plan, &why);
	q = sg_fhir_req_query(&r);
	if (in_compartment(t)) {
		ck_assert_msg(st == OK, "%s: %d", t->name, st);
		ck_assert_msg(strcmp(t->name, "Patient") == 0 ||
		    t->narrow != NULL, "%s has no narrowing parameter",
		    t->name);
		if (strcmp(t->name, "Patient") == 0)
			snprintf(want, sizeof(want), "_id=pat-1");
		else
			snprintf(want, sizeof(want), "%s=Patient/pat-1",
			    t->narrow);
		ck_assert_msg(strcmp(q, want) == 0, "%s: '%s', want '%s'",
		    t->name, q, want);
		ck_assert_int_eq(plan.exact, 1);
		ck_assert_int_eq(plan.check, 1);
	} else if (reference_type(t->name)) {
		ck_assert_msg(st == OK, "%s: %d", t->name, st);
		ck_assert_str_eq(q, "");
		ck_assert_int_eq(plan.exact, 1);
		ck_assert_int_eq(plan.check, 1);
	} else
		ck_assert_msg(st == E403, "%s searched under patient/*.rs: %d",
		    t->name, st);
	free(q);
	sg_fhir_req_free(&r);

	/* Read. */
	snprintf(path, sizeof(path), "/%s/x1", t->name);
	ck_assert_int_eq(sg_fhir_req_parse("GET", path, NULL, NULL, &r,
	    NULL), SG_OK);
	st = sg_policy_decide(&pat, &r, &plan, &why);
	if (in_compartment(t)) {
		ck_assert_msg(st == OK, "%s: %d", t->name, st);
		ck_assert_int_eq(plan.check, 1);
	} else if (reference_type(t->name)) {
		ck_assert_msg(st == OK, "%s: %d", t->name, st);
		ck_assert_int_eq(plan.check, 0);
	} else
		ck_assert_msg(st == E403, "%s read under patient/*.rs: %d",
		    t->name, st);
	sg_fhir_req_free(&r);

	/* Under user/ *.rs: open, nothing added. */
	snprintf(path, sizeof(path), "/%s", t->name);
	ck_assert_int_eq(sg_fhir_req_parse("GET", path, "a=1", NULL, &r,
	    NULL), SG_OK);
	ck_assert_int_eq(sg_policy_decide(&usr, &r, &plan, &why), OK);
	q = sg_fhir_req_query(&r);
	ck_assert_str_eq(q, "a=1");
	free(q);
	ck_assert_int_eq(plan.exact, 1);
	sg_fhir_req_free(&r);

	/* Compartment search of the patient's own compartment. */
	snprintf(path, sizeof(path), "/Patient/pat-1/%s", t->name);
	ck_assert_int_eq(sg_fhir_req_parse("GET", path, NULL, NULL, &r,
	    NULL), SG_OK);
	st = sg_policy_decide(&pat, &r, &plan, &why);
	if (in_compartment(t)) {
		ck_assert_msg(st == OK, "%s: %d", t->name, st);
		ck_assert_int_eq(r.op, SG_FHIR_SEARCH_TYPE);
		ck_assert_int_eq(plan.exact, 1);
	} else
		ck_assert_msg(st == E404, "compartment search of %s: %d",
		    t->name, st);
	sg_fhir_req_free(&r);

	sg_policy_free(&pat);
	sg_policy_free(&usr);
}
END_TEST

/*
 * sg_policy_permit: resource (' for ") × scopes × patient × mask.
 */
struct pcase {
	const char	*scopes;
	const char	*patient;
	const char	*res;
	unsigned	 mask;
	int		 want;
};

#define OBS(ref) \
	"{'resourceType':'Observation','id':'o1','subject':{'reference':'" ref "'}}"
#define OBS_CAT(ref, code) \
	"{'resourceType':'Observation','id':'o1','subject':{'reference':'" \
	ref "'},'category':[{'coding':[{'system':'" OBSCAT "','code':'" \
	code "'}]}]}"
#define PAT(id)		"{'resourceType':'Patient','id':'" id "'}"

static const struct pcase permits[] = {
	/* OperationOutcome: always. */
	{ NULL, NULL, "{'resourceType':'OperationOutcome'}", RS, 1 },
	{ "", NULL, "{'resourceType':'OperationOutcome','issue':[]}", C, 1 },
	{ "patient/Observation.rs", P1, "{'resourceType':'OperationOutcome'}",
	  0, 1 },
	/* Malformed: never. */
	{ "user/*.cruds", NULL, "{}", RS, 0 },
	{ "user/*.cruds", NULL, "[" PAT("pat-1") "]", RS, 0 },
	{ "user/*.cruds", NULL, "'Patient'", RS, 0 },
	{ "user/*.cruds", NULL, "null", RS, 0 },
	{ "user/*.cruds", NULL, "{'resourceType':1}", RS, 0 },
	{ "user/*.cruds", NULL, "{'resourceType':null}", RS, 0 },
	{ "user/*.cruds", NULL, "{'resourceType':['Patient']}", RS, 0 },
	{ "user/*.cruds", NULL, "{'resourceType':'patient','id':'x'}", RS, 0 },
	{ "user/*.cruds", NULL, "{'resourceType':'Foo','id':'x'}", RS, 0 },
	{ "user/*.cruds", NULL, "{'resourceType':'Resource'}", RS, 0 },
	{ "user/*.cruds", NULL, "{'resourceType':''}", RS, 0 },
	{ "user/*.cruds", NULL, "{'resourceType':'OperationOutcomeX'}", RS, 0 },
	{ "user/*.cruds", NULL, "{'resourcetype':'Patient'}", RS, 0 },
	/* user/ scopes: the type, any patient. */
	{ "user/Observation.rs", NULL, OBS("Patient/pat-9"), R, 1 },
	{ "user/Observation.rs", P1, OBS("Patient/pat-9"), S, 1 },
	{ "user/Observation.rs", NULL, "{'resourceType':'Observation'}", RS, 1 },
	{ "user/Observation.rs", NULL, OBS("Patient/pat-9"), C, 0 },
	{ "user/Observation.rs", NULL, OBS("Patient/pat-9"), U | D, 0 },
	{ "user/Observation.rs", NULL, "{'resourceType':'Condition'}", RS, 0 },
	{ "user/Observation.rs", NULL, OBS("Patient/pat-9"), 0, 0 },
	{ "user/*.c", NULL, "{'resourceType':'Binary'}", C, 1 },
	{ "system/*.d", NULL, PAT("x"), D, 1 },
	{ "system/*.d", NULL, PAT("x"), RS, 0 },
	/* patient/ scopes: the compartment, by every path and base. */
	{ "patient/Observation.rs", P1, OBS("Patient/pat-1"), R, 1 },
	{ "patient/Observation.rs", P1, OBS("Patient/pat-1"), S, 1 },
	{ "patient/Observation.rs", P1, OBS("Patient/pat-1"), C, 0 },
	{ "patient/Observation.rs", P1, OBS("Patient/pat-2"), RS, 0 },
	{ "patient/Observation.rs", P1, OBS("Patient/pat-1/_history/3"), RS, 1 },
	{ "patient/Observation.rs", P1, OBS(GW "/Patient/pat-1"), RS, 1 },
	{ "patient/Observation.rs", P1, OBS(UP "/Patient/pat-1"), RS, 1 },
	{ "patient/Observation.rs", P1,
	  OBS("https://evil.example/fhir/Patient/pat-1"), RS, 0 },
	{ "patient/Observation.rs", P1, OBS(GW "x/Patient/pat-1"), RS, 0 },
	{ "patient/Observation.rs", P1, OBS("Group/pat-1"), RS, 0 },
	{ "patient/Observation.rs", P1, OBS("#pat-1"), RS, 0 },
	{ "patient/Observation.rs", P1, OBS("Patient/pat-10"), RS, 0 },
	{ "patient/Observation.rs", P1, "{'resourceType':'Observation'}", RS, 0 },
	{ "patient/Observation.rs", P1, "{'resourceType':'Observation',"
	  "'performer':[{'reference':'Practitioner/d'},"
	  "{'reference':'Patient/pat-1'}]}", RS, 1 },
	{ "patient/Observation.rs", P1, "{'resourceType':'Observation',"
	  "'focus':[{'reference':'Patient/pat-1'}]}", RS, 0 },
	{ "patient/Observation.rs", "pat-2", OBS("Patient/pat-1"), RS, 0 },
	{ "patient/Observation.rs", NULL, OBS("Patient/pat-1"), RS, 0 },
	{ "patient/Observation.rs", "pat 1", OBS("Patient/pat 1"), RS, 0 },
	{ "patient/*.rs", P1, OBS("Patient/pat-1"), RS, 1 },
	{ "patient/*.rs", P1, "{'resourceType':'Condition','subject':"
	  "{'reference':'Patient/pat-1'}}", R, 1 },
	{ "patient/*.rs", P1, "{'resourceType':'Condition','asserter':"
	  "{'reference':'Patient/pat-1'}}", R, 1 },
	{ "patient/*.rs", P1, "{'resourceType':'Condition','recorder':"
	  "{'reference':'Patient/pat-1'}}", R, 0 },
	{ "patient/Condition.rs", P1, OBS("Patient/pat-1"), RS, 0 },
	/* Patient: by its id. */
	{ "patient/Patient.rs", P1, PAT("pat-1"), R, 1 },
	{ "patient/*.rs", P1, PAT("pat-1"), S, 1 },
	{ "patient/Patient.rs", P1, PAT("pat-2"), R, 0 },
	{ "patient/Patient.rs", P1, "{'resourceType':'Patient'}", R, 0 },
	{ "patient/Patient.rs", P1, "{'resourceType':'Patient','id':'pat-2',"
	  "'link':[{'other':{'reference':'Patient/pat-1'}}]}", R, 0 },
	{ "patient/Observation.rs", P1, PAT("pat-1"), R, 0 },
	{ "user/Patient.rs", P1, PAT("pat-2"), R, 1 },
	/* Types outside the compartment. */
	{ "patient/*.rs", P1, "{'resourceType':'Practitioner','id':'d'}", R, 1 },
	{ "patient/*.rs", P1, "{'resourceType':'Medication','id':'m'}", S, 1 },
	{ "patient/*.rs", P1, "{'resourceType':'Organization','id':'o'}", R, 1 },
	{ "patient/*.rs", P1, "{'resourceType':'Binary','id':'b'}", R, 0 },
	{ "patient/*.rs", P1, "{'resourceType':'Questionnaire','id':'q'}", R, 0 },
	{ "patient/*.rs", P1, "{'resourceType':'Bundle','id':'b'}", R, 0 },
	{ "patient/*.rs", P1, "{'resourceType':'Device','id':'d'}", R, 0 },
	{ "patient/*.rs", NULL, "{'resourceType':'Practitioner','id':'d'}", R, 0 },
	{ "patient/Binary.rs", P1, "{'resourceType':'Binary','id':'b'}", R, 1 },
	{ "patient/Medication.r", P1, "{'resourceType':'Medication'}", R, 1 },
	{ "patient/Medication.r", P1, "{'resourceType':'Medication'}", S, 0 },
	{ "patient/Observation.rs", P1, "{'resourceType':'Medication'}", R, 0 },
	/* Constraints: AND within a scope, OR across scopes. */
	{ "patient/Observation.rs?" LAB, P1,
	  OBS_CAT("Patient/pat-1", "laboratory"), R, 1 },
	{ "patient/Observation.rs?" LAB, P1,
	  OBS_CAT("Patient/pat-1", "vital-signs"), R, 0 },
	{ "patient/Observation.rs?" LAB, P1,
	  OBS_CAT("Patient/pat-2", "laboratory"), R, 0 },
	{ "patient/Observation.rs?" LAB, P1, OBS("Patient/pat-1"), R, 0 },
	{ "patient/Observation.rs?" LAB " patient/Observation.rs?" VIT, P1,
	  OBS_CAT("Patient/pat-1", "vital-signs"), R, 1 },
	{ "patient/Observation.rs?" LAB " patient/Observation.rs?" VIT, P1,
	  OBS_CAT("Patient/pat-1", "laboratory"), S, 1 },
	{ "patient/Observation.rs?" LAB " patient/Observation.rs?" VIT, P1,
	  OBS_CAT("Patient/pat-1", "survey"), R, 0 },
	{ "patient/Observation.rs?" LAB " patient/Observation.s?" VIT, P1,
	  OBS_CAT("Patient/pat-1", "vital-signs"), R, 0 },
	{ "patient/Observation.rs?" LAB " patient/Observation.rs", P1,
	  OBS_CAT("Patient/pat-1", "survey"), R, 1 },
	{ "user/Observation.rs?" LAB, NULL,
	  OBS_CAT("Patient/pat-9", "laboratory"), R, 1 },
	{ "user/Observation.rs?" LAB, NULL,
	  OBS_CAT("Patient/pat-9", "vital-signs"), R, 0 },
	{ "user/Observation.rs?category=laboratory", NULL,
	  OBS_CAT("Patient/pat-9", "laboratory"), R, 1 },
	{ "user/Observation.rs?category=laboratory&status=final", NULL,
	  OBS_CAT("Patient/pat-9", "laboratory"), R, 0 },
	{ "user/Observation.rs?category=laboratory&status=final", NULL,
	  "{'resourceType':'Observation','status':'final','category':"
	  "[{'coding':[{'system':'x','code':'laboratory'}]}]}", R, 1 },
	{ "user/Observation.rs?category=laboratory,vital-signs", NULL,
	  OBS_CAT("Patient/pat-9", "vital-signs"), R, 1 },
	{ "patient/Observation.rs patient/Observation.rs?" LAB, P1,
	  OBS_CAT("Patient/pat-2", "laboratory"), R, 0 },
	/* Scopes that cannot be evaluated grant nothing. */
	{ "patient/Observation.rs?" BELOW, P1, OBS("Patient/pat-1"), R, 0 },
	{ "user/Observation.rs?code:text=x", NULL, OBS("Patient/pat-1"), R, 0 },
	{ "patient/*.rs?" LAB, P1, OBS_CAT("Patient/pat-1", "laboratory"),
	  R, 0 },
	{ "user/*.rs?" LAB, NULL, OBS_CAT("Patient/pat-1", "laboratory"),
	  R, 0 },
	/* A constraint on a type does not reach another type. */
	{ "user/Condition.rs?" LAB, NULL, OBS_CAT("Patient/pat-1",
	  "laboratory"), R, 0 },
	/* v1. */
	{ "patient/Observation.read", P1, OBS("Patient/pat-1"), R, 1 },
	{ "patient/Observation.read", P1, OBS("Patient/pat-1"), S, 1 },
	{ "patient/Observation.read", P1, OBS("Patient/pat-1"), C | U | D, 0 },
	{ "patient/Observation.write", P1, OBS("Patient/pat-1"), C, 1 },
	{ "patient/Observation.write", P1, OBS("Patient/pat-1"), U, 1 },
	{ "patient/Observation.write", P1, OBS("Patient/pat-1"), D, 1 },
	{ "patient/Observation.write", P1, OBS("Patient/pat-1"), RS, 0 },
	{ "patient/Observation.write", P1, OBS("Patient/pat-2"), C, 0 },
	{ "patient/*.*", P1, OBS("Patient/pat-1"), SG_PERM_ALL, 1 },
	{ "user/*.*", NULL, PAT("x"), U, 1 },
	/* Only scopes with a permission in mask. */
	{ "patient/Observation.c user/Observation.r", P1, OBS("Patient/pat-2"),
	  C, 0 },
	{ "patient/Observation.c user/Observation.r", P1, OBS("Patient/pat-2"),
	  R, 1 },
	{ "patient/Observation.c user/Observation.r", P1, OBS("Patient/pat-2"),
	  C | R, 1 },
	{ "patient/Observation.c user/Observation.r", P1, OBS("Patient/pat-1"),
	  C, 1 },
	{ "openid fhirUser launch/patient", P1, OBS("Patient/pat-1"), RS, 0 },
};

START_TEST(test_permit)
{
	const struct pcase *c = &permits[_i];
	struct sg_policy pol;
	json_object	*res = parse(c->res);

	sg_policy_init(&pol, c->scopes, c->patient, bases, ops);
	ck_assert_msg(sg_policy_permit(&pol, res, c->mask) == c->want,
	    "row %d: %s under '%s' (%s) mask %#x: want %d", _i, c->res,
	    c->scopes ? c->scopes : "(null)",
	    c->patient ? c->patient : "(null)", c->mask, c->want);
	json_object_put(res);
	sg_policy_free(&pol);
}
END_TEST

/* NULL is malformed; without bases only relative references count. */
START_TEST(test_permit_bases)
{
	static const char *const other[] = { "https://other.example/r4",
	    NULL };
	struct sg_policy pol;
	json_object	*rel = parse(OBS("Patient/pat-1"));
	json_object	*gw = parse(OBS(GW "/Patient/pat-1"));
	json_object	*oth = parse(OBS("https://other.example/r4/Patient/pat-1"));

	sg_policy_init(&pol, "patient/*.rs", P1, NULL, NULL);
	ck_assert_int_eq(sg_policy_permit(&pol, NULL, RS), 0);
	ck_assert_int_eq(sg_policy_permit(&pol, rel, RS), 1);
	ck_assert_int_eq(sg_policy_permit(&pol, gw, RS), 0);
	ck_assert_int_eq(sg_policy_permit(&pol, oth, RS), 0);
	sg_policy_free(&pol);

	sg_policy_init(&pol, "patient/*.rs", P1, other, NULL);
	ck_assert_int_eq(sg_policy_permit(&pol, rel, RS), 1);
	ck_assert_int_eq(sg_policy_permit(&pol, gw, RS), 0);
	ck_assert_int_eq(sg_policy_permit(&pol, oth, RS), 1);
	sg_policy_free(&pol);

	json_object_put(rel);
	json_object_put(gw);
	json_object_put(oth);
}
END_TEST

/*
 * Every R4 type, a resource with an id and no reference: under
 * patient/ *.rs only the reference types pass (nothing ties the others
 * to the patient, and the rest are not the patient's); under user/ *.rs
 * every type passes.
 */
START_TEST(test_permit_every_type)
{
	const struct sg_fhir_type *t = &sg_fhir_types[_i];
	struct sg_policy pat, usr;
	json_object	*res = json_object_new_object();
	int		 want;

	json_object_object_add(res, "resourceType",
	    json_object_new_string(t->name));
	json_object_object_add(res, "id", json_object_new_string("pat-2"));
	sg_policy_init(&pat, "patient/*.rs", P1, bases, ops);
	sg_policy_init(&usr, "user/*.rs", NULL, bases, ops);
	want = reference_type(t->name) ||
	    strcmp(t->name, "OperationOutcome") == 0;
	ck_assert_msg(sg_policy_permit(&pat, res, RS) == want,
	    "%s under patient/*.rs: want %d", t->name, want);
	ck_assert_msg(sg_policy_permit(&usr, res, RS) == 1,
	    "%s under user/*.rs", t->name);
	ck_assert_msg(sg_policy_permit(&usr, res, C | U | D) ==
	    (strcmp(t->name, "OperationOutcome") == 0), "%s: no cud",
	    t->name);
	json_object_put(res);
	sg_policy_free(&pat);
	sg_policy_free(&usr);
}
END_TEST

/*
 * sg_policy_patch_ok: a JSON Patch (' for ") on a type under scopes.
 */
struct xcase {
	const char	*scopes;
	const char	*patient;
	const char	*type;
	const char	*patch;
	int		 want;
};

#define REPLACE(p)	"[{'op':'replace','path':'" p "','value':1}]"
#define PU	"patient/Observation.rus"
#define UU	"user/Observation.rus"
#define PL	"patient/Observation.u?" LAB
#define UL	"user/Observation.u?" LAB

static const struct xcase patches[] = {
	/* Elements that confine nothing. */
	{ PU, P1, "Observation", REPLACE("/status"), 1 },
	{ UU, P1, "Observation", REPLACE("/status"), 1 },
	{ PL, P1, "Observation", REPLACE("/status"), 1 },
	{ UL, NULL, "Observation", REPLACE("/status"), 1 },
	{ PU, P1, "Observation", REPLACE("/valueQuantity/value"), 1 },
	{ PU, P1, "Observation", REPLACE("/focus"), 1 },
	{ PU, P1, "Observation", REPLACE("/identifier"), 1 },
	{ PU, P1, "Observation", REPLACE("/subjects"), 1 },
	{ PU, P1, "Observation", REPLACE("/sub~0ject"), 1 },
	{ PU, P1, "Observation", REPLACE("/subject~1reference"), 1 },
	{ PU, P1, "Observation", "[]", 1 },
	{ PU, P1, "Observation", "[{'op':'add','path':'/note/-','value':"
	  "{'text':'x'}},{'op':'remove','path':'/interpretation'},"
	  "{'op':'test','path':'/status','value':'final'}]", 1 },
	/* The compartment: patient/ scopes only. */
	{ PU, P1, "Observation", REPLACE("/subject"), 0 },
	{ PU, P1, "Observation", REPLACE("/subject/reference"), 0 },
	{ PU, P1, "Observation", REPLACE("/subject/"), 0 },
	{ PU, P1, "Observation", REPLACE("/performer/0"), 0 },
	{ PU, P1, "Observation", REPLACE("/performer"), 0 },
	{ PU, P1, "Observation", "[{'op':'add','path':'/performer/-',"
	  "'value':{'reference':'Patient/pat-1'}}]", 0 },
	{ PU, P1, "Observation", "[{'op':'remove','path':'/subject'}]", 0 },
	{ "patient/*.cruds", P1, "Observation", REPLACE("/subject"), 0 },
	{ "patient/*.write", P1, "Observation", REPLACE("/performer/1"), 0 },
	{ PL, P1, "Observation", REPLACE("/subject"), 0 },
	{ UU, P1, "Observation", REPLACE("/subject"), 1 },
	{ UU, P1, "Observation", REPLACE("/performer/0"), 1 },
	{ "user/*.u", NULL, "Observation", REPLACE("/subject/reference"), 1 },
	{ "system/*.u", NULL, "Observation", REPLACE("/subject"), 1 },
	/* Where the compartment lies depends on the type. */
	{ "patient/Condition.u", P1, "Condition", REPLACE("/subject"), 0 },
	{ "patient/Condition.u", P1, "Condition", REPLACE("/asserter"), 0 },
	{ "patient/Condition.u", P1, "Condition", REPLACE("/recorder"), 1 },
	{ "patient/Condition.u", P1, "Condition", REPLACE("/performer"), 1 },
	{ "patient/*.u", P1, "Appointment",
	  REPLACE("/participant/0/actor/reference"), 0 },
	{ "patient/*.u", P1, "Appointment", REPLACE("/participant"), 0 },
	{ "patient/*.u", P1, "Appointment", REPLACE("/status"), 1 },
	{ "patient/Patient.u", P1, "Patient", REPLACE("/gender"), 1 },
	{ "patient/Patient.u", P1, "Patient", REPLACE("/link"), 1 },
	/* The scope's constraint, on any scope. */
	{ PL, P1, "Observation", REPLACE("/category"), 0 },
	{ PL, P1, "Observation", REPLACE("/category/0/coding/0/code"), 0 },
	{ PL, P1, "Observation", "[{'op':'add','path':'/category/-',"
	  "'value':{}}]", 0 },
	{ UL, NULL, "Observation", REPLACE("/category"), 0 },
	{ UL, NULL, "Observation", REPLACE("/code"), 1 },
	{ PU, P1, "Observation", REPLACE("/category"), 1 },
	{ UU, P1, "Observation", REPLACE("/category"), 1 },
	{ "user/Observation.u?category=a|b&code=c|d", NULL, "Observation",
	  REPLACE("/code/coding"), 0 },
	{ "user/Observation.u?category=a|b&code=c|d", NULL, "Observation",
	  REPLACE("/category"), 0 },
	{ "user/Observation.u?category=a|b&code=c|d", NULL, "Observation",
	  REPLACE("/status"), 1 },
	{ "user/Observation.u?status=final", NULL, "Observation",
	  REPLACE("/status"), 0 },
	/* Scopes without u, or for another type, do not confine. */
	{ "patient/Observation.rs?" LAB, P1, "Observation",
	  REPLACE("/category"), 1 },
	{ "user/Condition.u?" LAB, NULL, "Observation", REPLACE("/category"),
	  1 },
	{ "user/Observation.u?" LAB, NULL, "Condition", REPLACE("/category"),
	  1 },
	/* Never the root, the type or the id. */
	{ UU, P1, "Observation", REPLACE(""), 0 },
	{ UU, P1, "Observation", "[{'op':'remove','path':''}]", 0 },
	{ UU, P1, "Observation", REPLACE("/id"), 0 },
	{ UU, P1, "Observation", "[{'op':'remove','path':'/id'}]", 0 },
	{ UU, P1, "Observation", REPLACE("/resourceType"), 0 },
	{ "system/*.cruds", NULL, "Patient", REPLACE("/id"), 0 },
	{ "", NULL, "Observation", REPLACE("/id"), 0 },
	{ UU, P1, "Observation", "[{'op':'replace','path':'/status','value':"
	  "'final'},{'op':'replace','path':'/id','value':'o2'}]", 0 },
	/* "from" of move and copy is checked too. */
	{ PU, P1, "Observation", "[{'op':'move','from':'/subject',"
	  "'path':'/focus/0'}]", 0 },
	{ PU, P1, "Observation", "[{'op':'copy','from':'/performer/0',"
	  "'path':'/note/0'}]", 0 },
	{ PU, P1, "Observation", "[{'op':'move','from':'/focus/0',"
	  "'path':'/subject'}]", 0 },
	{ PU, P1, "Observation", "[{'op':'copy','from':'/focus/0',"
	  "'path':'/basedOn/0'}]", 1 },
	{ UU, P1, "Observation", "[{'op':'move','from':'/subject',"
	  "'path':'/focus/0'}]", 1 },
	{ UU, P1, "Observation", "[{'op':'move','from':'/id',"
	  "'path':'/note/0/text'}]", 0 },
	{ PL, P1, "Observation", "[{'op':'move','from':'/category/0',"
	  "'path':'/note/0'}]", 0 },
	{ UU, P1, "Observation", "[{'op':'copy','from':1,"
	  "'path':'/note/0'}]", 0 },
	{ UU, P1, "Observation", "[{'op':'copy','from':null,"
	  "'path':'/note/0'}]", 0 },
	/* Malformed. */
	{ UU, P1, "Observation", "{'op':'replace','path':'/status'}", 0 },
	{ UU, P1, "Observation", "'/status'", 0 },
	{ UU, P1, "Observation", "null", 0 },
	{ UU, P1, "Observation", "[1]", 0 },
	{ UU, P1, "Observation", "[null]", 0 },
	{ UU, P1, "Observation", "[[{'op':'replace','path':'/status'}]]", 0 },
	{ UU, P1, "Observation", "[{'op':'remove'}]", 0 },
	{ UU, P1, "Observation", "[{'op':'replace','path':1}]", 0 },
	{ UU, P1, "Observation", "[{'op':'replace','path':null}]", 0 },
	{ UU, P1, "Observation", "[{'op':'replace','path':['/status']}]", 0 },
	{ UU, P1, "Observation", NULL, 0 },
	{ UU, P1, "Foo", REPLACE("/status"), 0 },
	{ UU, P1, "observation", REPLACE("/status"), 0 },
	{ UU, P1, "", REPLACE("/status"), 0 },
	{ UU, P1, NULL, REPLACE("/status"), 0 },
};

START_TEST(test_patch)
{
	const struct xcase *c = &patches[_i];
	struct sg_policy pol;
	json_object	*patch = parse(c->patch);

	sg_policy_init(&pol, c->scopes, c->patient, bases, ops);
	ck_assert_msg(sg_policy_patch_ok(&pol, c->type, patch) == c->want,
	    "row %d: %s on %s under '%s': want %d", _i,
	    c->patch ? c->patch : "(null)", c->type ? c->type : "(null)",
	    c->scopes, c->want);
	json_object_put(patch);
	sg_policy_free(&pol);
}
END_TEST

/*
 * Defects found by this test, each marked "BUG:" with what it should
 * do; each failed on policy.c before its fix.
 */
static const struct dcase decide_bugs[] = {
	/*
	 * BUG: patient/ * writes the reference types.  policy.h promises
	 * that types outside the compartment are *readable* under
	 * patient/ * (the short reference list); covers() serves every
	 * permission, so patient/ *.cud grants create, update, patch and
	 * delete of any Practitioner, Organization, Medication, Location
	 * … on the whole server, unconfined (existing=0), although none
	 * is the patient's data (SMART 2.2: patient/ scopes are "the
	 * patient's data").  Want 403.
	 */
	{ "patient/*.cruds", P1, "PUT", "/Practitioner/d1", NULL, NULL,
	  NO(E403) },
	{ "patient/*.write", P1, "POST", "/Organization", NULL, NULL, NO(E403) },
	{ "patient/*.cud", P1, "DELETE", "/Medication/m1", NULL, NULL, NO(E403) },
	{ "patient/*.u", P1, "PATCH", "/Location/l1", NULL, NULL, NO(E403) },
	{ "patient/*.d", P1, "DELETE", "/PractitionerRole", "identifier=x",
	  NULL, NO(E403) },
};

START_TEST(test_decide_bugs)
{
	run_decide(&decide_bugs[_i], _i);
}
END_TEST

/*
 * BUG: the same reference-type write, seen by sg_policy_permit: a
 * Practitioner body is accepted for create under patient/ *.cruds.
 */
START_TEST(test_permit_bug_reference_write)
{
	struct sg_policy pol;
	json_object	*res = parse("{'resourceType':'Practitioner'}");

	int		 rs, cud;

	sg_policy_init(&pol, "patient/*.cruds", P1, bases, ops);
	rs = sg_policy_permit(&pol, res, RS);
	cud = sg_policy_permit(&pol, res, C | U | D);
	json_object_put(res);
	sg_policy_free(&pol);
	ck_assert_int_eq(rs, 1);
	ck_assert_msg(cud == 0, "BUG: patient/*.cruds writes a Practitioner");
}
END_TEST

/*
 * BUG: a resourceType with a NUL in it is malformed, yet
 * sg_policy_permit() reads it up to the NUL (strlen of
 * json_object_get_string) and judges "Observation\0x" as an
 * Observation: under an unconfined, unconstrained scope it is
 * permitted (a confined or constrained scope refuses it, because
 * resource.c reads the whole string).  policy.h: "0 ... for anything
 * malformed".  Want 0.
 */
START_TEST(test_permit_bug_nul_type)
{
	struct sg_policy pol;
	json_object	*res = parse("{'resourceType':'Observation\\u0000x'}");
	int		 got;

	ck_assert_uint_eq(json_object_get_string_len(json_object_object_get(
	    res, "resourceType")), 13);
	sg_policy_init(&pol, "user/Observation.rs", NULL, bases, ops);
	got = sg_policy_permit(&pol, res, RS);
	json_object_put(res);
	sg_policy_free(&pol);
	ck_assert_msg(got == 0,
	    "BUG: resourceType \"Observation\\0x\" permitted");
}
END_TEST

/*
 * BUG: a '+' in a scope's constraint means two different things.
 * narrow() pushes the constraint by parsing it as a query
 * (sg_fhir_req_parse: '+' is a space), while sg_policy_permit judges
 * it with sg_resource_matches, where '+' is itself.  Under
 * user/Observation.d?code=http://loinc.org|a+b a conditional delete
 * goes upstream confined to code "a b" and is deemed exact, so the
 * server deletes Observations with code "a b", which the scope does not
 * permit (permit says 0 for them); a search is likewise exact=1 with a
 * Bundle.total counting resources the app may not see.  What goes
 * upstream must be what permit allows: every resource matching the
 * pushed parameter must be permitted.
 */
START_TEST(test_decide_bug_plus)
{
	struct sg_policy pol;
	struct sg_fhir_req r;
	struct sg_policy_plan plan;

	/* Fixed: such a constraint has no one meaning, so it grants
	   nothing (and authorize never offers it). */
	memset(&r, 0, sizeof(r));
	sg_policy_init(&pol, "user/Observation.d?code=http://loinc.org|a+b",
	    NULL, bases, ops);
	ck_assert_uint_eq(pol.scopes.n, 0);
	ck_assert_int_eq(sg_fhir_req_parse("DELETE", "/Observation",
	    "identifier=x", NULL, &r, NULL), SG_OK);
	ck_assert_int_eq(sg_policy_decide(&pol, &r, &plan, NULL),
	    SG_E_INSUFFICIENT_SCOPE);
	sg_fhir_req_free(&r);
	sg_policy_free(&pol);
}
END_TEST

/*
 * BUG: an empty _type ("GET [base]?_type=") names no type, so
 * decide_system() checks none and answers SG_OK under any scope
 * (user/Observation.rs here), although a server that ignores the empty
 * parameter searches every type: the rule it states ("every type it
 * may touch (_type, or all)") is not applied.  The answer is still
 * checked (plan.check), so nothing leaks, but the decision should be
 * SG_E_BAD_REQUEST (no type named) or judged as "all types" (403).
 */
START_TEST(test_decide_bug_empty_type)
{
	struct sg_policy pol;
	struct sg_fhir_req r;
	struct sg_policy_plan plan;
	enum sg_status	 st;

	memset(&r, 0, sizeof(r));
	sg_policy_init(&pol, "user/Observation.rs", NULL, bases, ops);
	ck_assert_int_eq(sg_fhir_req_parse("GET", "", "_type=", NULL, &r,
	    NULL), SG_OK);
	st = sg_policy_decide(&pol, &r, &plan, NULL);
	sg_fhir_req_free(&r);
	sg_policy_free(&pol);
	ck_assert_msg(st == E400 || st == E403,
	    "BUG: _type= decided %d under user/Observation.rs", st);
}
END_TEST

/*
 * BUG: sg_policy_patch_ok() accepts malformed operations, although
 * policy.h says "0 otherwise or malformed": a path that is no JSON
 * Pointer (RFC 6901 §3: "" or starting with '/'; "subject" is judged
 * by pointer_at() as touching nothing, so it passes even under a
 * patient/ scope), an operation without "op" or with an unknown one
 * (RFC 6902 §4: exactly one "op" of the six), move or copy without
 * "from" (RFC 6902 §4.4, §4.5).  Each should be 0.
 */
static const struct xcase patch_bugs[] = {
	{ PU, P1, "Observation", REPLACE("subject"), 0 },
	{ PU, P1, "Observation", REPLACE("subject/reference"), 0 },
	{ UU, P1, "Observation", "[{'path':'/status','value':'x'}]", 0 },
	{ UU, P1, "Observation", "[{'op':'frob','path':'/status'}]", 0 },
	{ UU, P1, "Observation", "[{'op':1,'path':'/status'}]", 0 },
	{ UU, P1, "Observation", "[{'op':'move','path':'/status'}]", 0 },
};

START_TEST(test_patch_bugs)
{
	const struct xcase *c = &patch_bugs[_i];
	struct sg_policy pol;
	json_object	*patch = parse(c->patch);
	int		 got;

	sg_policy_init(&pol, c->scopes, c->patient, bases, ops);
	got = sg_policy_patch_ok(&pol, c->type, patch);
	json_object_put(patch);
	sg_policy_free(&pol);
	ck_assert_msg(got == c->want, "BUG: row %d: %s on %s under '%s' "
	    "accepted", _i, c->patch, c->type, c->scopes);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("policy");
	TCase	*tc = tcase_create("core");
	TCase	*bugs = tcase_create("bugs");

	tcase_add_loop_test(tc, test_init, 0, NELEM(inits));
	tcase_add_test(tc, test_free_null);
	tcase_add_loop_test(tc, test_decide, 0, NELEM(decides));
	tcase_add_test(tc, test_decide_why_null);
	tcase_add_test(tc, test_decide_no_operations);
	tcase_add_loop_test(tc, test_decide_every_type, 0,
	    (int)sg_fhir_ntypes);
	tcase_add_loop_test(tc, test_permit, 0, NELEM(permits));
	tcase_add_test(tc, test_permit_bases);
	tcase_add_loop_test(tc, test_permit_every_type, 0,
	    (int)sg_fhir_ntypes);
	tcase_add_loop_test(tc, test_patch, 0, NELEM(patches));
	suite_add_tcase(s, tc);

	tcase_add_loop_test(bugs, test_decide_bugs, 0, NELEM(decide_bugs));
	tcase_add_test(bugs, test_permit_bug_reference_write);
	tcase_add_test(bugs, test_permit_bug_nul_type);
	tcase_add_test(bugs, test_decide_bug_plus);
	tcase_add_test(bugs, test_decide_bug_empty_type);
	tcase_add_loop_test(bugs, test_patch_bugs, 0, NELEM(patch_bugs));
	suite_add_tcase(s, bugs);
	return tl_run(s);
}
