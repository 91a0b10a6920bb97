/* Unit tests for resource.c: Patient compartment membership, token constraints. */
#include <stdio.h>
#include <string.h>

#include <check.h>
#include <json-c/json.h>

#include "resource.h"
#include "testlib.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

#define GW	"https://gw.example/fhir"
#define UP	"http://upstream.example:8080/fhir"
#define OBS	"http://terminology.hl7.org/CodeSystem/observation-category"

static const char *const bases[] = { GW, UP, NULL };

/* JSON that json-c parses to whatever it is (arrays and strings too). */
static json_object *
parse(const char *s)
{
	json_object	*o;

	if (s == NULL)
		return NULL;
	o = json_tokener_parse(s);
	ck_assert_msg(o != NULL, "test JSON does not parse: %s", s);
	return o;
}

#define OBS_SUBJ(ref) \
	"{\"resourceType\":\"Observation\",\"id\":\"o1\",\"subject\":{\"reference\":\"" ref "\"}}"

static const struct {
	const char	*json;
	const char	*patient;
	int		 want;
} compartment[] = {
	/* References to the patient, relative and under our bases. */
	{ OBS_SUBJ("Patient/pat-1"), "pat-1", 1 },
	{ OBS_SUBJ(GW "/Patient/pat-1"), "pat-1", 1 },
	{ OBS_SUBJ(UP "/Patient/pat-1"), "pat-1", 1 },
	{ OBS_SUBJ("Patient/pat-1/_history/2"), "pat-1", 1 },
	{ OBS_SUBJ(GW "/Patient/pat-1/_history/a.b-3"), "pat-1", 1 },
	{ OBS_SUBJ("Patient/A.b-9"), "A.b-9", 1 },
	/* Another server, another type, another id. */
	{ OBS_SUBJ("https://evil.example/fhir/Patient/pat-1"), "pat-1", 0 },
	{ OBS_SUBJ("https://gw.example/fhirx/Patient/pat-1"), "pat-1", 0 },
	{ OBS_SUBJ("https://gw.example/Patient/pat-1"), "pat-1", 0 },
	{ OBS_SUBJ(GW "//Patient/pat-1"), "pat-1", 0 },
	{ OBS_SUBJ(GW "Patient/pat-1"), "pat-1", 0 },
	{ OBS_SUBJ(GW "xPatient/pat-1"), "pat-1", 0 },
	{ OBS_SUBJ(GW "?Patient/pat-1"), "pat-1", 0 },
	{ OBS_SUBJ("/Patient/pat-1"), "pat-1", 0 },
	{ OBS_SUBJ("Group/pat-1"), "pat-1", 0 },
	{ OBS_SUBJ("patient/pat-1"), "pat-1", 0 },
	{ OBS_SUBJ("Patient/pat-1x"), "pat-1", 0 },
	{ OBS_SUBJ("Patient/pat-1/"), "pat-1", 0 },
	{ OBS_SUBJ("Patient/pat-1/x"), "pat-1", 0 },
	{ OBS_SUBJ("Patient/pat"), "pat-1", 0 },
	{ OBS_SUBJ("Patient/PAT-1"), "pat-1", 0 },
	{ OBS_SUBJ("Patient/pat-1"), "pat-2", 0 },
	{ OBS_SUBJ(" Patient/pat-1"), "pat-1", 0 },
	{ OBS_SUBJ("Patient/pat-1 "), "pat-1", 0 },
	{ OBS_SUBJ("Patient/pat-1?x=1"), "pat-1", 0 },
	{ OBS_SUBJ("Patient/pat-1#x"), "pat-1", 0 },
	{ OBS_SUBJ("Patient/pat-1\\u0000"), "pat-1", 0 },
	{ OBS_SUBJ("Patient/pat-1/_history/"), "pat-1", 0 },
	{ OBS_SUBJ("Patient/pat-1/_history/.."), "pat-1", 0 },
	{ OBS_SUBJ("Patient/pat-1/_history/2/x"), "pat-1", 0 },
	{ OBS_SUBJ("Patient/pat-1/_history"), "pat-1", 0 },
	{ OBS_SUBJ("Patient/pat-1/_HISTORY/2"), "pat-1", 0 },
	{ OBS_SUBJ("Patient/../Patient/pat-1"), "pat-1", 0 },
	/* Contained, logical, urn:uuid. */
	{ OBS_SUBJ("#p"), "pat-1", 0 },
	{ OBS_SUBJ("#pat-1"), "pat-1", 0 },
	{ OBS_SUBJ("urn:uuid:4a7e9c2e-3f0b-4b8e-9c1e-2c3d4e5f6a7b"), "pat-1", 0 },
	{ "{\"resourceType\":\"Observation\",\"subject\":{\"identifier\":"
	  "{\"system\":\"urn:mrn\",\"value\":\"pat-1\"}}}", "pat-1", 0 },
	{ "{\"resourceType\":\"Observation\",\"subject\":{\"type\":\"Patient\","
	  "\"display\":\"pat-1\"}}", "pat-1", 0 },
	/* Malformed shapes. */
	{ "{\"resourceType\":\"Observation\",\"subject\":\"Patient/pat-1\"}", "pat-1", 0 },
	{ "{\"resourceType\":\"Observation\",\"subject\":{\"reference\":1}}", "pat-1", 0 },
	{ "{\"resourceType\":\"Observation\",\"subject\":{\"reference\":null}}", "pat-1", 0 },
	{ "{\"resourceType\":\"Observation\",\"subject\":{\"reference\":[\"Patient/pat-1\"]}}", "pat-1", 0 },
	{ "{\"resourceType\":\"Observation\",\"subject\":{\"reference\":{\"reference\":\"Patient/pat-1\"}}}", "pat-1", 0 },
	{ "{\"resourceType\":\"Observation\",\"subject\":[[{\"reference\":\"Patient/pat-1\"}]]}", "pat-1", 0 },
	{ "{\"resourceType\":\"Observation\",\"subject\":null}", "pat-1", 0 },
	{ "{\"resourceType\":\"Observation\"}", "pat-1", 0 },
	{ "{\"subject\":{\"reference\":\"Patient/pat-1\"}}", "pat-1", 0 },
	{ "{\"resourceType\":1,\"subject\":{\"reference\":\"Patient/pat-1\"}}", "pat-1", 0 },
	{ "{\"resourceType\":\"observation\",\"subject\":{\"reference\":\"Patient/pat-1\"}}", "pat-1", 0 },
	{ "{\"resourceType\":\"Foo\",\"subject\":{\"reference\":\"Patient/pat-1\"}}", "pat-1", 0 },
	{ "{\"resourceType\":\"Resource\",\"subject\":{\"reference\":\"Patient/pat-1\"}}", "pat-1", 0 },
	{ "[{\"resourceType\":\"Observation\",\"subject\":{\"reference\":\"Patient/pat-1\"}}]", "pat-1", 0 },
	{ "\"Patient/pat-1\"", "pat-1", 0 },
	/* Arrays: any element counts; performer is a compartment parameter. */
	{ "{\"resourceType\":\"Observation\",\"subject\":[{\"reference\":\"Group/g\"},"
	  "{\"reference\":\"Patient/pat-1\"}]}", "pat-1", 1 },
	{ "{\"resourceType\":\"Observation\",\"subject\":{\"reference\":\"Group/g\"},"
	  "\"performer\":[{\"reference\":\"Practitioner/d\"},1,null,\"x\","
	  "{\"reference\":\"Patient/pat-1\"}]}", "pat-1", 1 },
	{ "{\"resourceType\":\"Observation\",\"performer\":[{\"reference\":\"Practitioner/d\"}]}", "pat-1", 0 },
	/* focus is not a compartment parameter of Observation. */
	{ "{\"resourceType\":\"Observation\",\"focus\":[{\"reference\":\"Patient/pat-1\"}]}", "pat-1", 0 },
	{ "{\"resourceType\":\"Observation\",\"contained\":[{\"resourceType\":\"Observation\","
	  "\"subject\":{\"reference\":\"Patient/pat-1\"}}]}", "pat-1", 0 },
	/* Paths through arrays of backbone elements. */
	{ "{\"resourceType\":\"Appointment\",\"participant\":[{\"actor\":{\"reference\":\"Practitioner/d\"}},"
	  "{\"actor\":{\"reference\":\"Patient/pat-1\"}}]}", "pat-1", 1 },
	{ "{\"resourceType\":\"Appointment\",\"participant\":[{\"actor\":{\"reference\":\"Practitioner/d\"}},"
	  "{\"actor\":{\"reference\":\"Patient/pat-2\"}}]}", "pat-1", 0 },
	{ "{\"resourceType\":\"Appointment\",\"participant\":{\"actor\":[{\"reference\":\"Patient/pat-1\"}]}}", "pat-1", 1 },
	{ "{\"resourceType\":\"Encounter\",\"subject\":{\"reference\":\"Patient/pat-1\"}}", "pat-1", 1 },
	{ "{\"resourceType\":\"Encounter\",\"participant\":[{\"individual\":{\"reference\":\"Patient/pat-1\"}}]}", "pat-1", 0 },
	{ "{\"resourceType\":\"AuditEvent\",\"agent\":[{\"who\":{\"reference\":\"Patient/pat-1\"}}]}", "pat-1", 1 },
	{ "{\"resourceType\":\"AuditEvent\",\"entity\":[{\"what\":{\"reference\":\"Patient/pat-1\"}}]}", "pat-1", 1 },
	{ "{\"resourceType\":\"Condition\",\"subject\":{\"reference\":\"Patient/pat-1\"}}", "pat-1", 1 },
	{ "{\"resourceType\":\"Condition\",\"asserter\":{\"reference\":\"Patient/pat-1\"}}", "pat-1", 1 },
	{ "{\"resourceType\":\"Condition\",\"recorder\":{\"reference\":\"Patient/pat-1\"}}", "pat-1", 0 },
	{ "{\"resourceType\":\"Task\",\"for\":{\"reference\":\"Patient/pat-1\"}}", "pat-1", 1 },
	/* Types outside the compartment. */
	{ "{\"resourceType\":\"Medication\",\"subject\":{\"reference\":\"Patient/pat-1\"}}", "pat-1", 0 },
	{ "{\"resourceType\":\"Practitioner\",\"id\":\"pat-1\"}", "pat-1", 0 },
	{ "{\"resourceType\":\"Organization\",\"id\":\"pat-1\"}", "pat-1", 0 },
	/* A Patient by its id, and only by it. */
	{ "{\"resourceType\":\"Patient\",\"id\":\"pat-1\"}", "pat-1", 1 },
	{ "{\"resourceType\":\"Patient\",\"id\":\"pat-2\"}", "pat-1", 0 },
	{ "{\"resourceType\":\"Patient\",\"id\":\"pat-1x\"}", "pat-1", 0 },
	{ "{\"resourceType\":\"Patient\",\"id\":\"pat-1\\u0000x\"}", "pat-1", 0 },
	{ "{\"resourceType\":\"Patient\",\"id\":1}", "1", 0 },
	{ "{\"resourceType\":\"Patient\",\"id\":[\"pat-1\"]}", "pat-1", 0 },
	{ "{\"resourceType\":\"Patient\"}", "pat-1", 0 },
	{ "{\"resourceType\":\"Patient\",\"id\":\"pat-2\",\"link\":[{\"other\":"
	  "{\"reference\":\"Patient/pat-1\"}}]}", "pat-1", 0 },
	/* The patient id must be a FHIR id. */
	{ OBS_SUBJ("Patient/"), "", 0 },
	{ OBS_SUBJ("Patient/.."), "..", 0 },
	{ OBS_SUBJ("Patient/pat 1"), "pat 1", 0 },
	{ OBS_SUBJ("Patient/pat/1"), "pat/1", 0 },
	{ "{\"resourceType\":\"Patient\",\"id\":\"..\"}", "..", 0 },
	{ "{\"resourceType\":\"Patient\",\"id\":\"\"}", "", 0 },
	{ "{\"resourceType\":\"Patient\",\"id\":\"pat-1\"}", NULL, 0 },
	{ NULL, "pat-1", 0 },
};

START_TEST(test_compartment)
{
	json_object	*res = parse(compartment[_i].json);

	ck_assert_msg(sg_resource_in_compartment(res, compartment[_i].patient,
	    bases) == compartment[_i].want, "%s for %s: want %d",
	    compartment[_i].json, compartment[_i].patient,
	    compartment[_i].want);
	json_object_put(res);
}
END_TEST

/* Without bases only relative references count; an empty base is no base. */
START_TEST(test_compartment_bases)
{
	static const char *const empty[] = { "", NULL };
	static const char *const none[] = { NULL };
	json_object	*rel = parse(OBS_SUBJ("Patient/pat-1"));
	json_object	*abs = parse(OBS_SUBJ(GW "/Patient/pat-1"));
	json_object	*slash = parse(OBS_SUBJ("/Patient/pat-1"));

	ck_assert_int_eq(sg_resource_in_compartment(rel, "pat-1", NULL), 1);
	ck_assert_int_eq(sg_resource_in_compartment(abs, "pat-1", NULL), 0);
	ck_assert_int_eq(sg_resource_in_compartment(abs, "pat-1", none), 0);
	ck_assert_int_eq(sg_resource_in_compartment(slash, "pat-1", empty), 0);
	ck_assert_int_eq(sg_resource_in_compartment(rel, "pat-1", empty), 1);
	json_object_put(rel);
	json_object_put(abs);
	json_object_put(slash);
}
END_TEST

/* Long arrays are walked to the end. */
START_TEST(test_compartment_long_array)
{
	json_object	*res, *perf, *ref;
	int		 i;

	res = parse("{\"resourceType\":\"Observation\"}");
	perf = json_object_new_array();
	for (i = 0; i < 10000; i++) {
		ref = json_object_new_object();
		json_object_object_add(ref, "reference", json_object_new_string(
		    i == 9999 ? "Patient/pat-1" : "Practitioner/d"));
		json_object_array_add(perf, ref);
	}
	json_object_object_add(res, "performer", perf);
	ck_assert_int_eq(sg_resource_in_compartment(res, "pat-1", bases), 1);
	ck_assert_int_eq(sg_resource_in_compartment(res, "pat-2", bases), 0);
	json_object_put(res);
}
END_TEST

#define LAB_OBS \
	"{\"resourceType\":\"Observation\",\"id\":\"o1\",\"status\":\"final\"," \
	"\"category\":[{\"coding\":[{\"system\":\"" OBS "\",\"code\":\"laboratory\"}]}]," \
	"\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"2345-7\"}," \
	"{\"code\":\"glucose\"}],\"text\":\"Glucose\"}," \
	"\"identifier\":[{\"system\":\"urn:sys\",\"value\":\"abc\"},{\"value\":\"plain\"}]," \
	"\"component\":[{\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8480-6\"}]}," \
	"\"valueCodeableConcept\":{\"coding\":[{\"system\":\"urn:v\",\"code\":\"high\"}]}}]}"
#define VITAL_OBS \
	"{\"resourceType\":\"Observation\",\"status\":\"amended\"," \
	"\"category\":[{\"coding\":[{\"system\":\"" OBS "\",\"code\":\"vital-signs\"}]}]}"

static const struct {
	const char	*json;
	const char	*type;
	const char	*query;
	int		 want;
} matches[] = {
	/* category: system|code, code, system|, |code. */
	{ LAB_OBS, "Observation", "category=" OBS "|laboratory", 1 },
	{ VITAL_OBS, "Observation", "category=" OBS "|laboratory", 0 },
	{ VITAL_OBS, "Observation", "category=" OBS "|vital-signs", 1 },
	{ LAB_OBS, "Observation", "category=" OBS "|vital-signs", 0 },
	{ LAB_OBS, "Observation", "category=laboratory", 1 },
	{ VITAL_OBS, "Observation", "category=laboratory", 0 },
	{ LAB_OBS, "Observation", "category=" OBS "|", 1 },
	{ LAB_OBS, "Observation", "category=urn:other|", 0 },
	{ LAB_OBS, "Observation", "category=urn:other|laboratory", 0 },
	{ LAB_OBS, "Observation", "category=|laboratory", 0 },
	{ LAB_OBS, "Observation", "category=Laboratory", 0 },
	{ LAB_OBS, "Observation", "category=laboratory ", 0 },
	{ LAB_OBS, "Observation", "category=" OBS "/|laboratory", 0 },
	/* OR within one parameter, AND between parameters. */
	{ LAB_OBS, "Observation", "category=vital-signs,laboratory", 1 },
	{ LAB_OBS, "Observation", "category=vital-signs,social-history", 0 },
	{ LAB_OBS, "Observation", "category=" OBS "|vital-signs," OBS "|laboratory", 1 },
	{ LAB_OBS, "Observation", "category=laboratory&status=final", 1 },
	{ LAB_OBS, "Observation", "category=laboratory&status=amended", 0 },
	{ VITAL_OBS, "Observation", "category=laboratory&status=amended", 0 },
	{ LAB_OBS, "Observation", "category=laboratory&category=vital-signs", 0 },
	{ LAB_OBS, "Observation", "status=final,amended&category=laboratory", 1 },
	/* A code element: no system. */
	{ LAB_OBS, "Observation", "status=final", 1 },
	{ LAB_OBS, "Observation", "status=|final", 1 },
	{ LAB_OBS, "Observation", "status=http://hl7.org/fhir/observation-status|final", 0 },
	{ LAB_OBS, "Observation", "status=final|", 0 },
	{ LAB_OBS, "Observation", "status=fina", 0 },
	/* CodeableConcept: any coding; a coding without system. */
	{ LAB_OBS, "Observation", "code=http://loinc.org|2345-7", 1 },
	{ LAB_OBS, "Observation", "code=2345-7", 1 },
	{ LAB_OBS, "Observation", "code=|glucose", 1 },
	{ LAB_OBS, "Observation", "code=|2345-7", 0 },
	{ LAB_OBS, "Observation", "code=Glucose", 0 },
	{ LAB_OBS, "Observation", "code=http://loinc.org|glucose", 0 },
	{ LAB_OBS, "Observation", "combo-code=8480-6", 1 },
	{ LAB_OBS, "Observation", "combo-code=2345-7", 1 },
	{ LAB_OBS, "Observation", "component-code=2345-7", 0 },
	{ LAB_OBS, "Observation", "combo-value-concept=urn:v|high", 1 },
	{ LAB_OBS, "Observation", "value-concept=urn:v|high", 0 },
	/* Identifier: system and value. */
	{ LAB_OBS, "Observation", "identifier=urn:sys|abc", 1 },
	{ LAB_OBS, "Observation", "identifier=abc", 1 },
	{ LAB_OBS, "Observation", "identifier=urn:sys|", 1 },
	{ LAB_OBS, "Observation", "identifier=|abc", 0 },
	{ LAB_OBS, "Observation", "identifier=|plain", 1 },
	{ LAB_OBS, "Observation", "identifier=urn:sys|plain", 0 },
	/* Percent-decoded once: %7C is '|', %2C is ','; %25 stays '%'. */
	{ LAB_OBS, "Observation", "category=http%3A%2F%2Fterminology.hl7.org%2FCodeSystem"
	  "%2Fobservation-category%7Claboratory", 1 },
	{ LAB_OBS, "Observation", "code=http://loinc.org%7C2345-7", 1 },
	{ LAB_OBS, "Observation", "category=vital-signs%2Claboratory", 1 },
	{ LAB_OBS, "Observation", "category=laborator%2579", 0 },
	/* Coding-typed and boolean parameters; choice elements. */
	{ "{\"resourceType\":\"AuditEvent\",\"type\":{\"system\":\"urn:t\",\"code\":\"rest\"}}",
	  "AuditEvent", "type=urn:t|rest", 1 },
	{ "{\"resourceType\":\"AuditEvent\",\"type\":{\"system\":\"urn:t\",\"code\":\"rest\"}}",
	  "AuditEvent", "type=|rest", 0 },
	{ "{\"resourceType\":\"AuditEvent\",\"type\":{\"system\":\"urn:t\"}}",
	  "AuditEvent", "type=urn:t|", 1 },
	{ "{\"resourceType\":\"AuditEvent\",\"type\":{\"system\":\"urn:t\"}}",
	  "AuditEvent", "type=rest", 0 },
	{ "{\"resourceType\":\"Patient\",\"active\":true}", "Patient", "active=true", 1 },
	{ "{\"resourceType\":\"Patient\",\"active\":true}", "Patient", "active=false", 0 },
	{ "{\"resourceType\":\"Patient\",\"active\":\"true\"}", "Patient", "active=true", 1 },
	{ "{\"resourceType\":\"Patient\",\"gender\":\"female\"}", "Patient", "gender=female", 1 },
	{ "{\"resourceType\":\"Patient\",\"gender\":\"female\"}", "Patient", "gender=male", 0 },
	{ "{\"resourceType\":\"MessageHeader\",\"eventCoding\":{\"system\":\"urn:e\",\"code\":\"adt\"}}",
	  "MessageHeader", "event=urn:e|adt", 1 },
	{ "{\"resourceType\":\"MessageHeader\",\"eventUri\":\"urn:e:adt\"}",
	  "MessageHeader", "event=urn:e:adt", 1 },
	{ "{\"resourceType\":\"MedicationRequest\",\"medicationCodeableConcept\":"
	  "{\"coding\":[{\"system\":\"urn:rx\",\"code\":\"123\"}]}}", "MedicationRequest", "code=urn:rx|123", 1 },
	{ "{\"resourceType\":\"MedicationRequest\",\"medicationReference\":"
	  "{\"reference\":\"Medication/123\"}}", "MedicationRequest", "code=123", 0 },
	/* Malformed resources never match. */
	{ "{\"resourceType\":\"Observation\",\"category\":{\"coding\":{\"code\":\"laboratory\"}}}",
	  "Observation", "category=laboratory", 0 },
	{ "{\"resourceType\":\"Observation\",\"category\":[{\"coding\":[{\"system\":1,\"code\":\"laboratory\"}]}]}",
	  "Observation", "category=laboratory", 0 },
	{ "{\"resourceType\":\"Observation\",\"category\":[{\"coding\":[{\"code\":[\"laboratory\"]}]}]}",
	  "Observation", "category=laboratory", 0 },
	{ "{\"resourceType\":\"Observation\",\"category\":[{\"coding\":[[{\"code\":\"laboratory\"}]]}]}",
	  "Observation", "category=laboratory", 0 },
	{ "{\"resourceType\":\"Observation\",\"category\":[{\"coding\":[{\"code\":\"laboratory\\u0000x\"}]}]}",
	  "Observation", "category=laboratory", 0 },
	{ "{\"resourceType\":\"Observation\",\"category\":[{\"text\":\"laboratory\"}]}",
	  "Observation", "category=laboratory", 0 },
	{ "{\"resourceType\":\"Observation\",\"category\":[7,null,false]}",
	  "Observation", "category=laboratory", 0 },
	{ "{\"resourceType\":\"Observation\"}", "Observation", "category=laboratory", 0 },
	/* A resource of another type than the scope's. */
	{ LAB_OBS, "Condition", "category=laboratory", 0 },
	{ "{\"resourceType\":\"Condition\",\"category\":[{\"coding\":[{\"code\":\"laboratory\"}]}]}",
	  "Observation", "category=laboratory", 0 },
	{ "[" LAB_OBS "]", "Observation", "category=laboratory", 0 },
	{ NULL, "Observation", "category=laboratory", 0 },
};

START_TEST(test_matches)
{
	json_object	*res = parse(matches[_i].json);

	ck_assert_msg(sg_resource_matches(res, matches[_i].type,
	    matches[_i].query) == matches[_i].want, "%s on %s: want %d",
	    matches[_i].query, matches[_i].json, matches[_i].want);
	/* Whatever the resource, the query itself could be evaluated. */
	ck_assert_int_eq(sg_resource_query_ok(matches[_i].type,
	    matches[_i].query), 0);
	json_object_put(res);
}
END_TEST

/* Constraints that cannot be evaluated: -1, whatever the resource. */
static const struct {
	const char	*type;
	const char	*query;
} bad_queries[] = {
	{ "Observation", "" },
	{ "Observation", NULL },
	{ NULL, "category=laboratory" },
	{ "Foo", "category=laboratory" },
	{ "observation", "category=laboratory" },
	{ "Resource", "_id=1" },
	{ "", "category=laboratory" },
	{ "Observation", "foo=bar" },
	{ "Observation", "subject=Patient/1" },
	{ "Observation", "date=2020" },
	{ "Observation", "_id=o1" },
	{ "Observation", "category:text=lab" },
	{ "Observation", "category:not=laboratory" },
	{ "Observation", "code:in=http://x.org/ValueSet/v" },
	{ "Observation", "category:=laboratory" },
	{ "Observation", "subject.name=x" },
	{ "Observation", "Category=laboratory" },
	{ "Observation", "category%3Dlaboratory" },
	{ "Observation", "categor%79=laboratory" },
	{ "Observation", "category" },
	{ "Observation", "category=" },
	{ "Observation", "=laboratory" },
	{ "Observation", "category=laboratory&" },
	{ "Observation", "&category=laboratory" },
	{ "Observation", "category=laboratory&&status=final" },
	{ "Observation", "category=laboratory&status" },
	{ "Observation", "category=a,,b" },
	{ "Observation", "category=a," },
	{ "Observation", ",category=a" },
	{ "Observation", "category=,a" },
	{ "Observation", "category=|" },
	{ "Observation", "category=a|b|c" },
	{ "Observation", "category=a|b,|" },
	{ "Observation", "category=a%7Cb|c" },
	{ "Observation", "category=a\\,b" },
	{ "Observation", "category=a\\|b" },
	{ "Observation", "category=a%5C,b" },
	{ "Observation", "category=a%2" },
	{ "Observation", "category=a%" },
	{ "Observation", "category=%zz" },
	{ "Observation", "category=%G0" },
	{ "Observation", "category=%00" },
	{ "Observation", "category=%0A" },
	{ "Observation", "category=%7F" },
	{ "Observation", "category=a\tb" },
	{ "Observation", "category=a\nb" },
	{ "Observation", "category=laboratory&foo=bar" },
	{ "Patient", "email=a@b" },
	{ "Patient", "category=laboratory" },
};

START_TEST(test_bad_query)
{
	json_object	*res = parse(LAB_OBS);

	ck_assert_msg(sg_resource_matches(res, bad_queries[_i].type,
	    bad_queries[_i].query) == -1, "%s: not -1", bad_queries[_i].query);
	ck_assert_msg(sg_resource_matches(NULL, bad_queries[_i].type,
	    bad_queries[_i].query) == -1, "%s: not -1", bad_queries[_i].query);
	ck_assert_int_eq(sg_resource_query_ok(bad_queries[_i].type,
	    bad_queries[_i].query), -1);
	json_object_put(res);
}
END_TEST

/* At most SG_MAX_PARAMS (64) parameters, and a bounded length. */
START_TEST(test_query_limits)
{
	char	 q[8192];
	size_t	 i, n = 0;

	for (i = 0; i < 64; i++)
		n += (size_t)snprintf(q + n, sizeof(q) - n, "%sstatus=final",
		    i == 0 ? "" : "&");
	ck_assert_int_eq(sg_resource_query_ok("Observation", q), 0);
	snprintf(q + n, sizeof(q) - n, "&status=final");
	ck_assert_int_eq(sg_resource_query_ok("Observation", q), -1);

	memcpy(q, "status=", 7);
	memset(q + 7, 'a', 4096 - 7);
	q[4096] = '\0';
	ck_assert_int_eq(sg_resource_query_ok("Observation", q), 0);
	q[4096] = 'a';
	q[4097] = '\0';
	ck_assert_int_eq(sg_resource_query_ok("Observation", q), -1);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("resource");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, test_compartment, 0, NELEM(compartment));
	tcase_add_test(tc, test_compartment_bases);
	tcase_add_test(tc, test_compartment_long_array);
	tcase_add_loop_test(tc, test_matches, 0, NELEM(matches));
	tcase_add_loop_test(tc, test_bad_query, 0, NELEM(bad_queries));
	tcase_add_test(tc, test_query_limits);
	suite_add_tcase(s, tc);
	return tl_run(s);
}
