/* Unit tests for fhirdefs.c: type lookup, table order, the Patient compartment, tokens. */
#include <string.h>

#include <check.h>

#include "fhirdefs.h"
#include "testlib.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static const char *const known[] = {
	"Account", "AllergyIntolerance", "Binary", "Bundle", "Condition",
	"Encounter", "Medication", "MedicationRequest", "Observation",
	"Patient", "Practitioner", "VisionPrescription",
};

START_TEST(test_type_known)
{
	const struct sg_fhir_type	*t;
	const char			*name = known[_i];

	t = sg_fhir_type(name, strlen(name));
	ck_assert_msg(t != NULL, "%s not found", name);
	ck_assert_str_eq(t->name, name);
}
END_TEST

static const struct {
	const char	*name;
	size_t		 len;
} unknown[] = {
	{ "patient", 7 },
	{ "PATIENT", 7 },
	{ "Resource", 8 },
	{ "DomainResource", 14 },
	{ "", 0 },
	{ "Observation", 0 },
	{ "Observatio", 10 },
	{ "Observations", 12 },
	{ "Observation ", 12 },
	{ " Observation", 12 },
	{ "Observation\0x", 13 },
	{ "Observation\0", 12 },
	{ "Patient/1", 9 },
	{ "Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 64 },
	{ "Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 65 },
};

START_TEST(test_type_unknown)
{
	ck_assert_msg(sg_fhir_type(unknown[_i].name, unknown[_i].len) == NULL,
	    "\"%s\" (%zu) found", unknown[_i].name, unknown[_i].len);
}
END_TEST

/* The length is what counts: a longer buffer holding a name is fine. */
START_TEST(test_type_len)
{
	char			 big[4096];
	const struct sg_fhir_type *t;

	ck_assert_ptr_null(sg_fhir_type(NULL, 7));
	t = sg_fhir_type("Observationxyz", 11);
	ck_assert_ptr_nonnull(t);
	ck_assert_str_eq(t->name, "Observation");
	t = sg_fhir_type("Patient", 7);
	ck_assert_ptr_nonnull(t);
	ck_assert_str_eq(t->name, "Patient");
	memset(big, 'A', sizeof(big));
	ck_assert_ptr_null(sg_fhir_type(big, sizeof(big)));
	memcpy(big, "Observation", 11);
	ck_assert_ptr_null(sg_fhir_type(big, sizeof(big)));
}
END_TEST

/* The R4 list: 145 types (CompartmentDefinition "patient" names them all). */
START_TEST(test_types_sorted)
{
	size_t	 i;

	ck_assert_uint_eq(sg_fhir_ntypes, 145);
	for (i = 1; i < sg_fhir_ntypes; i++)
		ck_assert_msg(strcmp(sg_fhir_types[i - 1].name,
		    sg_fhir_types[i].name) < 0, "%s before %s",
		    sg_fhir_types[i - 1].name, sg_fhir_types[i].name);
	for (i = 0; i < sg_fhir_ntypes; i++)
		ck_assert_ptr_eq(sg_fhir_type(sg_fhir_types[i].name,
		    strlen(sg_fhir_types[i].name)), &sg_fhir_types[i]);
}
END_TEST

/* A path as resource.c walks it: 1..8 element names joined by '.'. */
static void
check_paths(const char *type, const struct sg_fhir_param *p)
{
	size_t	 i, j, segs;
	char	 c;

	ck_assert_ptr_nonnull(p->name);
	ck_assert_msg(p->name[0] != '\0', "%s: empty name", type);
	ck_assert_msg(p->paths[0] != NULL, "%s %s: no path", type, p->name);
	for (i = 0; p->paths[i] != NULL; i++) {
		segs = 1;
		ck_assert_msg(p->paths[i][0] >= 'a' && p->paths[i][0] <= 'z',
		    "%s %s: %s", type, p->name, p->paths[i]);
		for (j = 0; (c = p->paths[i][j]) != '\0'; j++) {
			if (c == '.') {
				segs++;
				ck_assert_msg(p->paths[i][j + 1] >= 'a' &&
				    p->paths[i][j + 1] <= 'z', "%s %s: %s",
				    type, p->name, p->paths[i]);
				continue;
			}
			ck_assert_msg((c >= 'a' && c <= 'z') ||
			    (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'),
			    "%s %s: %s", type, p->name, p->paths[i]);
		}
		ck_assert_msg(segs <= 8, "%s %s: %s", type, p->name,
		    p->paths[i]);
	}
}

START_TEST(test_tables_well_formed)
{
	const struct sg_fhir_type	*t;
	size_t				 i, j, ntok = 0, ncomp = 0;
	int				 found;

	for (i = 0; i < sg_fhir_ntypes; i++) {
		t = &sg_fhir_types[i];
		ck_assert_int_eq(t->ncompartment == 0, t->compartment == NULL);
		ck_assert_int_eq(t->ntokens == 0, t->tokens == NULL);
		ck_assert_int_eq(t->ncompartment == 0, t->narrow == NULL);
		found = t->narrow == NULL;
		for (j = 0; j < t->ncompartment; j++) {
			check_paths(t->name, &t->compartment[j]);
			if (t->narrow != NULL &&
			    strcmp(t->narrow, t->compartment[j].name) == 0)
				found = 1;
		}
		ck_assert_msg(found, "%s: narrow %s", t->name, t->narrow);
		for (j = 0; j < t->ntokens; j++) {
			check_paths(t->name, &t->tokens[j]);
			if (j > 0)
				ck_assert_msg(strcmp(t->tokens[j - 1].name,
				    t->tokens[j].name) < 0, "%s: %s before %s",
				    t->name, t->tokens[j - 1].name,
				    t->tokens[j].name);
			ck_assert_ptr_eq(sg_fhir_token(t, t->tokens[j].name),
			    &t->tokens[j]);
		}
		ntok += t->ntokens;
		ncomp += t->ncompartment != 0;
	}
	/* Not an empty table that trivially passes the above. */
	ck_assert_uint_gt(ntok, 500);
	ck_assert_uint_gt(ncomp, 60);
}
END_TEST

/* FHIR R4 CompartmentDefinition "patient", with narrowing as fhirdefs.h says. */
static const struct {
	const char	*type;
	const char	*narrow;	/* NULL: not in the compartment */
	const char	*param;		/* one compartment parameter */
	const char	*path;		/* and one of its paths */
} compartment[] = {
	{ "Observation", "subject", "subject", "subject" },
	{ "Observation", "subject", "performer", "performer" },
	{ "AllergyIntolerance", "patient", "patient", "patient" },
	{ "AllergyIntolerance", "patient", "recorder", "recorder" },
	{ "AllergyIntolerance", "patient", "asserter", "asserter" },
	{ "Condition", "patient", "patient", "subject" },
	{ "Condition", "patient", "asserter", "asserter" },
	{ "Encounter", "subject", "subject", "subject" },
	{ "Appointment", "actor", "actor", "participant.actor" },
	{ "AuditEvent", "patient", "patient", "agent.who" },
	{ "AuditEvent", "patient", "patient", "entity.what" },
	{ "CareTeam", "patient", "participant", "participant.member" },
	{ "Coverage", "policy-holder", "beneficiary", "beneficiary" },
	{ "MedicationRequest", "subject", "subject", "subject" },
	{ "Procedure", "patient", "performer", "performer.actor" },
	{ "Task", "patient", "patient", "for" },
	{ "Group", "member", "member", "member.entity" },
	{ "Provenance", "patient", "patient", "target" },
	{ "Patient", NULL, NULL, NULL },
	{ "Medication", NULL, NULL, NULL },
	{ "Practitioner", NULL, NULL, NULL },
	{ "Organization", NULL, NULL, NULL },
	{ "Location", NULL, NULL, NULL },
	{ "Binary", NULL, NULL, NULL },
	{ "Bundle", NULL, NULL, NULL },
};

START_TEST(test_compartment)
{
	const struct sg_fhir_type	*t;
	const char			*type = compartment[_i].type;
	size_t				 i, j;
	int				 found = 0;

	t = sg_fhir_type(type, strlen(type));
	ck_assert_ptr_nonnull(t);
	tl_str_eq(type, t->narrow, compartment[_i].narrow);
	if (compartment[_i].param == NULL) {
		ck_assert_uint_eq(t->ncompartment, 0);
		return;
	}
	for (i = 0; i < t->ncompartment; i++) {
		if (strcmp(t->compartment[i].name, compartment[_i].param) != 0)
			continue;
		for (j = 0; t->compartment[i].paths[j] != NULL; j++)
			if (strcmp(t->compartment[i].paths[j],
			    compartment[_i].path) == 0)
				found = 1;
	}
	ck_assert_msg(found, "%s %s: no path %s", type, compartment[_i].param,
	    compartment[_i].path);
}
END_TEST

/* Observation's compartment: subject and performer, nothing else. */
START_TEST(test_compartment_observation)
{
	const struct sg_fhir_type	*t = sg_fhir_type("Observation", 11);

	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(t->ncompartment, 2);
	ck_assert_str_eq(t->compartment[0].name, "subject");
	ck_assert_str_eq(t->compartment[0].paths[0], "subject");
	ck_assert_ptr_null(t->compartment[0].paths[1]);
	ck_assert_str_eq(t->compartment[1].name, "performer");
}
END_TEST

/* Token parameters and their paths, casts and choice elements included. */
static const struct {
	const char	*type;
	const char	*name;
	const char	*path;		/* NULL: no such token parameter */
} tokens[] = {
	{ "Observation", "category", "category" },
	{ "Observation", "code", "code" },
	{ "Observation", "status", "status" },
	{ "Observation", "identifier", "identifier" },
	{ "Observation", "combo-code", "component.code" },
	{ "Observation", "value-concept", "valueCodeableConcept" },
	{ "Observation", "combo-value-concept", "component.valueCodeableConcept" },
	{ "MedicationRequest", "code", "medicationCodeableConcept" },
	{ "MessageHeader", "event", "eventCoding" },
	{ "MessageHeader", "event", "eventUri" },
	{ "Condition", "category", "category" },
	{ "Condition", "clinical-status", "clinicalStatus" },
	{ "AllergyIntolerance", "code", "reaction.substance" },
	{ "Patient", "gender", "gender" },
	{ "Patient", "active", "active" },
	{ "Patient", "identifier", "identifier" },
	{ "Group", "value", "characteristic.valueBoolean" },
	{ "Observation", "subject", NULL },		/* a reference */
	{ "Observation", "date", NULL },		/* a date */
	{ "Observation", "category:text", NULL },
	{ "Observation", "Category", NULL },
	{ "Observation", "", NULL },
	{ "Observation", "_id", NULL },
	{ "Patient", "email", NULL },		/* .where(): left out */
	{ "Patient", "deceased", NULL },
};

START_TEST(test_tokens)
{
	const struct sg_fhir_type	*t;
	const struct sg_fhir_param	*p;
	const char			*type = tokens[_i].type;
	size_t				 i;
	int				 found = 0;

	t = sg_fhir_type(type, strlen(type));
	ck_assert_ptr_nonnull(t);
	p = sg_fhir_token(t, tokens[_i].name);
	if (tokens[_i].path == NULL) {
		ck_assert_msg(p == NULL, "%s %s found", type, tokens[_i].name);
		return;
	}
	ck_assert_msg(p != NULL, "%s %s not found", type, tokens[_i].name);
	ck_assert_str_eq(p->name, tokens[_i].name);
	for (i = 0; p->paths[i] != NULL; i++)
		if (strcmp(p->paths[i], tokens[_i].path) == 0)
			found = 1;
	ck_assert_msg(found, "%s %s: no path %s", type, tokens[_i].name,
	    tokens[_i].path);
}
END_TEST

START_TEST(test_token_null)
{
	const struct sg_fhir_type	*t = sg_fhir_type("Observation", 11);

	ck_assert_ptr_null(sg_fhir_token(NULL, "code"));
	ck_assert_ptr_null(sg_fhir_token(t, NULL));
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("fhirdefs");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, test_type_known, 0, NELEM(known));
	tcase_add_loop_test(tc, test_type_unknown, 0, NELEM(unknown));
	tcase_add_test(tc, test_type_len);
	tcase_add_test(tc, test_types_sorted);
	tcase_add_test(tc, test_tables_well_formed);
	tcase_add_loop_test(tc, test_compartment, 0, NELEM(compartment));
	tcase_add_test(tc, test_compartment_observation);
	tcase_add_loop_test(tc, test_tokens, 0, NELEM(tokens));
	tcase_add_test(tc, test_token_null);
	suite_add_tcase(s, tc);
	return tl_run(s);
}
