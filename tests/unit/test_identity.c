/*
 * Unit tests for identity.c: FHIR ids and references, the fhirUser of
 * a user from the mapping file or the provider's claim, and loading
 * the mapping file.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "bounds.h"
#include "identity.h"
#include "testlib.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* 64 and 65 id characters. */
#define C64	"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-."
#define C65	C64 "x"

/* Our FHIR base and the upstream's: absolute claims count only there. */
#define OURS	"https://gw.example.org/fhir"
#define UP	"http://fhir.internal:8080/r4"
#define BASES	OURS, UP "/"

static char	 dir[] = "/tmp/sg_test_identity.XXXXXX";
static char	 path[4096];

static const struct {
	const char	*id;
	int		 ok;
} id_table[] = {
	{ "1", 1 },
	{ "a", 1 },
	{ "Z", 1 },
	{ "-", 1 },
	{ ".a", 1 },
	{ "a.", 1 },
	{ "...", 1 },
	{ "-.", 1 },
	{ "example-1.2", 1 },
	{ "123", 1 },
	{ C64, 1 },
	{ "", 0 },
	{ C65, 0 },
	{ "a/b", 0 },
	{ "/", 0 },
	{ "a b", 0 },
	{ " a", 0 },
	{ "a ", 0 },
	{ "a_b", 0 },
	{ "_", 0 },
	{ "a\tb", 0 },
	{ "a\nb", 0 },
	{ "a%20", 0 },
	{ "a?b", 0 },
	{ "a#b", 0 },
	{ "caf\xc3\xa9", 0 },
	{ "\xff", 0 },
	{ "\x80" "a", 0 },
	{ "~", 0 },
	/* Dot-segments (RFC 3986 §5.2.4): a URL parser removes them. */
	{ ".", 0 },
	{ "..", 0 },
};

START_TEST(test_id_ok)
{
	ck_assert_msg(sg_identity_id_ok(id_table[_i].id) == id_table[_i].ok,
	    "[%s]: want %d", id_table[_i].id, id_table[_i].ok);
}
END_TEST

static const struct {
	const char	*ref;
	int		 ok;
	const char	*patient;	/* sg_identity_patient(), NULL: none */
} ref_table[] = {
	{ "Patient/1", 1, "1" },
	{ "Patient/example-1.2", 1, "example-1.2" },
	{ "Patient/" C64, 1, C64 },
	{ "Practitioner/abc", 1, NULL },
	{ "PractitionerRole/abc", 1, NULL },
	{ "RelatedPerson/abc", 1, NULL },
	{ "Person/abc", 1, NULL },
	{ "Observation/1", 0, NULL },
	{ "patient/1", 0, NULL },
	{ "PATIENT/1", 0, NULL },
	{ "Patients/1", 0, NULL },
	{ "Patien/1", 0, NULL },
	{ "Persons/1", 0, NULL },
	{ "Patient/", 0, "" },
	{ "Patient", 0, NULL },
	{ "/1", 0, NULL },
	{ "/", 0, NULL },
	{ "", 0, NULL },
	{ "Patient/a/b", 0, "a/b" },
	{ "Patient/" C65, 0, C65 },
	{ "Patient/1 ", 0, "1 " },
	{ " Patient/1", 0, NULL },
	{ "Patient//1", 0, "/1" },
	{ "Patient/a_b", 0, "a_b" },
	{ "https://x/Patient/1", 0, NULL },
	{ "Patient/.", 0, "." },
	{ "Patient/..", 0, ".." },
	{ "Practitioner/..", 0, NULL },
	{ "Patient/...", 1, "..." },
};

START_TEST(test_ref_ok)
{
	const char	*p;

	ck_assert_msg(sg_identity_ref_ok(ref_table[_i].ref) ==
	    ref_table[_i].ok, "[%s]: want %d", ref_table[_i].ref,
	    ref_table[_i].ok);
	p = sg_identity_patient(ref_table[_i].ref);
	if (ref_table[_i].patient == NULL)
		ck_assert_msg(p == NULL, "[%s]: patient %s", ref_table[_i].ref,
		    p);
	else {
		ck_assert_msg(p != NULL, "[%s]: no patient", ref_table[_i].ref);
		ck_assert_str_eq(p, ref_table[_i].patient);
		/* A pointer into ref, as the header says. */
		ck_assert_ptr_eq(p, ref_table[_i].ref + 8);
	}
}
END_TEST

START_TEST(test_null)
{
	ck_assert_int_eq(sg_identity_ref_ok(NULL), 0);
	ck_assert_int_eq(sg_identity_id_ok(NULL), 0);
	ck_assert_int_eq(sg_identity_type_ok(NULL), 0);
	ck_assert_int_eq(sg_identity_resource_ref_ok(NULL), 0);
	ck_assert_ptr_null(sg_identity_patient(NULL));
	ck_assert_ptr_null(sg_identity_fhir_user(NULL, NULL, NULL));
	ck_assert_ptr_null(sg_identity_fhir_user(NULL, "alice", NULL));
	sg_identity_free(NULL);
}
END_TEST

/* Writes text to dir/name with mode; returns the path (static buffer). */
static const char *
write_file(const char *name, const char *text, size_t len, mode_t mode)
{
	int	 fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

static const char map_json[] =
	"{\"alice\": \"Patient/123\", \"bob\": \"Practitioner/p-7\","
	" \"carol@example.org\": \"RelatedPerson/rp.1\"}";

/* Claims and users with and without the map. */
static const struct {
	const char	*user;
	const char	*claim;
	const char	*no_map;	/* result without a mapping file */
	const char	*with_map;	/* result with map_json */
} fhir_user_table[] = {
	{ NULL, NULL, NULL, NULL },
	{ "nobody", NULL, NULL, NULL },
	{ "alice", NULL, NULL, "Patient/123" },
	{ NULL, "Patient/9", "Patient/9", "Patient/9" },
	/* The administrator's map wins over a claim. */
	{ "alice", "Patient/9", "Patient/9", "Patient/123" },
	{ "bob", UP "/Patient/9", "Patient/9", "Practitioner/p-7" },
	{ "carol@example.org", "javascript:alert(1)", NULL,
	    "RelatedPerson/rp.1" },
	/* User names match exactly. */
	{ "Alice", "Patient/9", "Patient/9", "Patient/9" },
	{ "alice ", NULL, NULL, NULL },
	/* Every type, plain and as an absolute URL. */
	{ "u", "Practitioner/1", "Practitioner/1", "Practitioner/1" },
	{ "u", "PractitionerRole/1", "PractitionerRole/1",
	    "PractitionerRole/1" },
	{ "u", "RelatedPerson/1", "RelatedPerson/1", "RelatedPerson/1" },
	{ "u", "Person/1", "Person/1", "Person/1" },
	{ "u", OURS "/Patient/abc", "Patient/abc", "Patient/abc" },
	{ "u", UP "/Patient/abc", "Patient/abc", "Patient/abc" },
	{ "u", UP "/Practitioner/x.1", "Practitioner/x.1",
	    "Practitioner/x.1" },
	{ "u", OURS "/Person/" C64, "Person/" C64, "Person/" C64 },
	/* Another server's Practitioner/1 is not ours. */
	{ "u", "https://other.example/Practitioner/1", NULL, NULL },
	{ "u", "http://fhir.example/Patient/abc", NULL, NULL },
	{ "u", "https://fhir.example:8443/base/R4/Practitioner/x.1", NULL,
	    NULL },
	{ "u", OURS "x/Practitioner/1", NULL, NULL },
	{ "u", OURS "/x/Practitioner/1", NULL, NULL },
	{ "u", OURS "//Practitioner/1", NULL, NULL },
	{ "u", UP "/../Practitioner/1", NULL, NULL },
	{ "u", "https://gw.example.org/Practitioner/1", NULL, NULL },
	{ "u", "https://GW.example.org/fhir/Practitioner/1", NULL, NULL },
	{ "u", "https://gw.example.org:443/fhir/Practitioner/1", NULL, NULL },
	{ "u", "https://evil.example/?" OURS "/Practitioner/1", NULL, NULL },
	{ "u", "https://gw.example.org/fhir@evil.example/Practitioner/1",
	    NULL, NULL },
	/* Dot-segments are no ids, relative or absolute. */
	{ "u", "Practitioner/..", NULL, NULL },
	{ "u", "Patient/.", NULL, NULL },
	{ "u", OURS "/Practitioner/.", NULL, NULL },
	{ "u", UP "/Patient/..", NULL, NULL },
	/* Bad claims. */
	{ "u", "", NULL, NULL },
	{ "u", "javascript:alert(1)//Patient/1", NULL, NULL },
	{ "u", "javascript:x/Patient/1", NULL, NULL },
	{ "u", "https://x/Observation/1", NULL, NULL },
	{ "u", "https://x/Patient/1/", NULL, NULL },
	{ "u", "https://x/Patient/1?a=b", NULL, NULL },
	{ "u", "https://x/Patient/1#f", NULL, NULL },
	{ "u", "https://x/Patient/a_b", NULL, NULL },
	{ "u", "https://x/Patient/", NULL, NULL },
	{ "u", "https://x/Patient", NULL, NULL },
	{ "u", "https://x/patient/1", NULL, NULL },
	{ "u", "ftp://x/Patient/1", NULL, NULL },
	{ "u", "HTTPS://x/Patient/1", NULL, NULL },
	{ "u", "Patient/1 ", NULL, NULL },
	{ "u", " Patient/1", NULL, NULL },
	{ "u", "Patient/1\n", NULL, NULL },
	{ "u", "Observation/1", NULL, NULL },
	{ "u", "Patient/" C65, NULL, NULL },
	{ "u", "https://x/Patient/" C65, NULL, NULL },
	{ "u", "urn:uuid:Patient/1", NULL, NULL },
	/* A bad claim does not matter when the map has the user. */
	{ "alice", "https://x/Observation/1", NULL, "Patient/123" },
	{ "bob", "Patient/1 ", NULL, "Practitioner/p-7" },
};

static void
check_fhir_user(const struct sg_identity *id, const char *user,
    const char *claim, const char *want)
{
	char	*got;

	got = sg_identity_fhir_user(id, user, claim);
	if (want == NULL)
		ck_assert_msg(got == NULL, "[%s] [%s]: got %s",
		    user ? user : "(null)", claim ? claim : "(null)", got);
	else {
		ck_assert_msg(got != NULL, "[%s] [%s]: got NULL, want %s",
		    user ? user : "(null)", claim ? claim : "(null)", want);
		ck_assert_str_eq(got, want);
	}
	free(got);
}

START_TEST(test_fhir_user)
{
	struct sg_identity	*none, *map;
	char			 err[512];
	const char		*p;

	none = sg_identity_load(NULL, BASES, err, sizeof(err));
	ck_assert_ptr_nonnull(none);
	p = write_file("map.json", map_json, sizeof(map_json) - 1, 0644);
	map = sg_identity_load(p, BASES, err, sizeof(err));
	ck_assert_msg(map != NULL, "%s", err);

	/* Without an identity there are no bases: relative claims only. */
	check_fhir_user(NULL, fhir_user_table[_i].user,
	    fhir_user_table[_i].claim, fhir_user_table[_i].claim != NULL &&
	    strncmp(fhir_user_table[_i].claim, "http", 4) == 0 ? NULL :
	    fhir_user_table[_i].no_map);
	check_fhir_user(none, fhir_user_table[_i].user,
	    fhir_user_table[_i].claim, fhir_user_table[_i].no_map);
	check_fhir_user(map, fhir_user_table[_i].user,
	    fhir_user_table[_i].claim, fhir_user_table[_i].with_map);

	sg_identity_free(none);
	sg_identity_free(map);
}
END_TEST

/* A claim longer than any parameter value is refused outright. */
START_TEST(test_fhir_user_long_claim)
{
	struct sg_identity	*id;
	char			*claim, *got, err[512];
	size_t			 n = SG_MAX_PARAM_VALUE + 1;

	claim = malloc(n + 1);
	ck_assert_ptr_nonnull(claim);
	memcpy(claim, "https://", 8);
	memset(claim + 8, 'a', n - 8);
	claim[n - 12] = '\0';		/* the base, as configured */
	id = sg_identity_load(NULL, claim, NULL, err, sizeof(err));
	ck_assert_ptr_nonnull(id);
	memcpy(claim + n - 12, "/Patient/123", 12);
	claim[n] = '\0';
	got = sg_identity_fhir_user(id, "u", claim);
	ck_assert_ptr_null(got);
	sg_identity_free(id);
	/* One 'a' fewer: exactly SG_MAX_PARAM_VALUE is fine. */
	memmove(claim + 8, claim + 9, n - 8);
	claim[n - 13] = '\0';
	id = sg_identity_load(NULL, claim, NULL, err, sizeof(err));
	ck_assert_ptr_nonnull(id);
	claim[n - 13] = '/';
	got = sg_identity_fhir_user(id, "u", claim);
	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, "Patient/123");
	free(got);
	sg_identity_free(id);
	free(claim);
}
END_TEST

/* Any resource type, for launch contexts (fhirContext references). */
static const struct {
	const char	*ref;
	int		 ok;
} resource_ref_table[] = {
	{ "Encounter/1", 1 },
	{ "Patient/pat-1", 1 },
	{ "DocumentReference/a.b-c", 1 },
	{ "Z/1", 1 },
	{ "Encounter/" C64, 1 },
	{ "Encounter/" C65, 0 },
	{ "Encounter/.", 0 },
	{ "Encounter/..", 0 },
	{ "Encounter/", 0 },
	{ "Encounter", 0 },
	{ "/1", 0 },
	{ "encounter/1", 0 },
	{ "Encounter_x/1", 0 },
	{ "Encounter1/1", 0 },
	{ "Encounter/1/_history/2", 0 },
	{ "Encounter/1?x", 0 },
	{ "https://x.example/Encounter/1", 0 },
	{ "javascript:alert(1)", 0 },
	{ "urn:uuid:5b3b1c1e-0000-4000-8000-000000000000", 0 },
	{ "", 0 },
};

START_TEST(test_resource_ref_ok)
{
	ck_assert_msg(sg_identity_resource_ref_ok(resource_ref_table[_i].ref)
	    == resource_ref_table[_i].ok, "[%s]: want %d",
	    resource_ref_table[_i].ref, resource_ref_table[_i].ok);
}
END_TEST

START_TEST(test_type_ok)
{
	char	 t[SG_MAX_FHIR_ID + 2];

	ck_assert_int_eq(sg_identity_type_ok("Encounter"), 1);
	ck_assert_int_eq(sg_identity_type_ok("Z"), 1);
	ck_assert_int_eq(sg_identity_type_ok(""), 0);
	ck_assert_int_eq(sg_identity_type_ok("encounter"), 0);
	ck_assert_int_eq(sg_identity_type_ok("Encounter "), 0);
	ck_assert_int_eq(sg_identity_type_ok("Enc-ounter"), 0);
	ck_assert_int_eq(sg_identity_type_ok("Encounter/1"), 0);
	memset(t, 'a', sizeof(t));
	t[0] = 'A';
	t[SG_MAX_FHIR_ID] = '\0';
	ck_assert_int_eq(sg_identity_type_ok(t), 1);
	t[SG_MAX_FHIR_ID] = 'a';
	t[SG_MAX_FHIR_ID + 1] = '\0';
	ck_assert_int_eq(sg_identity_type_ok(t), 0);
}
END_TEST

/* Mapping files refused, and what the message must name. */
static const struct {
	const char	*text;
	const char	*want1;		/* substrings of the message */
	const char	*want2;
} bad_maps[] = {
	{ "", "not a JSON object", NULL },
	{ "[]", "not a JSON object", NULL },
	{ "\"Patient/1\"", "not a JSON object", NULL },
	{ "null", "not a JSON object", NULL },
	{ "{", "not a JSON object", NULL },
	{ "{\"a\": \"Patient/1\"} x", "not a JSON object", NULL },
	{ "{\"alice\": 123}", "\"alice\"", "not a FHIR reference" },
	{ "{\"alice\": null}", "\"alice\"", "not a FHIR reference" },
	{ "{\"alice\": [\"Patient/1\"]}", "\"alice\"", "not a FHIR reference" },
	{ "{\"alice\": {\"ref\": \"Patient/1\"}}", "\"alice\"",
	    "not a FHIR reference" },
	{ "{\"a\": \"Patient/1\", \"bob\": \"Observation/1\"}", "\"bob\"",
	    "not a FHIR reference" },
	{ "{\"carol\": \"patient/1\"}", "\"carol\"", "not a FHIR reference" },
	{ "{\"dave\": \"Patient/1 \"}", "\"dave\"", "not a FHIR reference" },
	{ "{\"erin\": \"https://x/Patient/1\"}", "\"erin\"",
	    "not a FHIR reference" },
	{ "{\"frank\": \"\"}", "\"frank\"", "not a FHIR reference" },
	{ "{\"gina\": \"Patient/.\"}", "\"gina\"", "not a FHIR reference" },
	{ "{\"hal\": \"Practitioner/..\"}", "\"hal\"",
	    "not a FHIR reference" },
	{ "{\"ivy\": \"" OURS "/Patient/1\"}", "\"ivy\"",
	    "not a FHIR reference" },
};

START_TEST(test_load_bad)
{
	struct sg_identity	*id;
	char			 err[512];
	const char		*p;

	p = write_file("bad.json", bad_maps[_i].text,
	    strlen(bad_maps[_i].text), 0644);
	err[0] = '\0';
	id = sg_identity_load(p, BASES, err, sizeof(err));
	ck_assert_msg(id == NULL, "[%s]: loaded", bad_maps[_i].text);
	ck_assert_msg(strncmp(err, p, strlen(p)) == 0,
	    "[%s]: message does not name the file: %s", bad_maps[_i].text,
	    err);
	ck_assert_msg(strstr(err, bad_maps[_i].want1) != NULL,
	    "[%s]: want \"%s\" in: %s", bad_maps[_i].text,
	    bad_maps[_i].want1, err);
	if (bad_maps[_i].want2 != NULL)
		ck_assert_msg(strstr(err, bad_maps[_i].want2) != NULL,
		    "[%s]: want \"%s\" in: %s", bad_maps[_i].text,
		    bad_maps[_i].want2, err);
}
END_TEST

START_TEST(test_load_good)
{
	static const char	 empty[] = "{}";
	struct sg_identity	*id;
	char			 err[512];
	char			*got;
	const char		*p;

	p = write_file("empty.json", empty, sizeof(empty) - 1, 0600);
	id = sg_identity_load(p, NULL, NULL, err, sizeof(err));
	ck_assert_msg(id != NULL, "%s", err);
	got = sg_identity_fhir_user(id, "alice", "Person/1");
	ck_assert_str_eq(got, "Person/1");
	free(got);
	sg_identity_free(id);
}
END_TEST

START_TEST(test_load_missing)
{
	struct sg_identity	*id;
	char			 err[512];

	snprintf(path, sizeof(path), "%s/no-such-file.json", dir);
	err[0] = '\0';
	id = sg_identity_load(path, BASES, err, sizeof(err));
	ck_assert_ptr_null(id);
	ck_assert_msg(strncmp(err, path, strlen(path)) == 0, "%s", err);

	/* A directory is not a mapping file either. */
	err[0] = '\0';
	id = sg_identity_load(dir, BASES, err, sizeof(err));
	ck_assert_ptr_null(id);
	ck_assert_msg(strncmp(err, dir, strlen(dir)) == 0, "%s", err);
}
END_TEST

/* The cap (SG_MAX_CLIENTS_FILE): at it a file loads, one byte over not. */
START_TEST(test_load_size)
{
	struct sg_identity	*id;
	char			 err[512];
	char			*text;
	size_t			 n = SG_MAX_CLIENTS_FILE;
	int			 over;

	text = malloc(n + 1);
	ck_assert_ptr_nonnull(text);
	for (over = 0; over <= 1; over++) {
		/* {"alice":"Patient/1"} padded with blanks to the size. */
		memset(text, ' ', n + 1);
		memcpy(text, "{\"alice\":\"Patient/1\"}", 21);
		write_file("big.json", text, n + (size_t)over, 0644);
		err[0] = '\0';
		id = sg_identity_load(path, BASES, err, sizeof(err));
		if (over) {
			ck_assert_ptr_null(id);
			ck_assert_msg(strncmp(err, path, strlen(path)) == 0,
			    "%s", err);
		} else
			ck_assert_msg(id != NULL, "%s", err);
		sg_identity_free(id);
	}
	free(text);
}
END_TEST

static Suite *
identity_suite(void)
{
	Suite	*s = suite_create("identity");
	TCase	*tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_id_ok, 0, NELEM(id_table));
	tcase_add_loop_test(tc, test_ref_ok, 0, NELEM(ref_table));
	tcase_add_test(tc, test_null);
	tcase_add_loop_test(tc, test_fhir_user, 0, NELEM(fhir_user_table));
	tcase_add_test(tc, test_fhir_user_long_claim);
	tcase_add_loop_test(tc, test_resource_ref_ok, 0,
	    NELEM(resource_ref_table));
	tcase_add_test(tc, test_type_ok);
	tcase_add_loop_test(tc, test_load_bad, 0, NELEM(bad_maps));
	tcase_add_test(tc, test_load_good);
	tcase_add_test(tc, test_load_missing);
	tcase_add_test(tc, test_load_size);
	suite_add_tcase(s, tc);
	return s;
}

static void
cleanup(void)
{
	static const char *const names[] = {
		"map.json", "bad.json", "empty.json", "big.json"
	};
	size_t	 i;

	for (i = 0; i < NELEM(names); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

int
main(void)
{
	int	 rc;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	rc = tl_run(identity_suite());
	cleanup();
	return rc;
}
