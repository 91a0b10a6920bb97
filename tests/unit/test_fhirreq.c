/*
 * Unit tests for fhirreq.c: every interaction of FHIR R4 http §3.1.0
 * classified, invalid paths and methods refused, queries and form
 * bodies parsed strictly, the query re-encoded to a fixed point, the
 * count semantics and the path rebuilt.  Only common resource types
 * (Patient, Observation, Condition, Encounter, Medication, Practitioner)
 * are used, which any R4 table holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "bounds.h"
#include "fhirdefs.h"
#include "fhirreq.h"
#include "mem.h"
#include "status.h"
#include "testlib.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

#define ID64	"a123456789b123456789c123456789d123456789e123456789f123456789ABCD"
#define ID65	ID64 "E"
#define OP64	"e123456789b123456789c123456789d123456789e123456789f123456789ABCD"

struct valid {
	const char		*method;
	const char		*path;
	const char		*query;
	const char		*form;
	enum sg_fhir_op		 op;
	int			 post;
	const char		*type;	/* NULL: system level */
	const char		*id;
	const char		*vid;
	const char		*cid;
	const char		*opname;
	size_t			 nparams;
	const char		*rebuilt;	/* sg_fhir_req_path */
};

static const struct valid valid[] = {
	/* System level. */
	{ "GET", "", NULL, NULL, SG_FHIR_SEARCH_SYSTEM, 0, NULL, "", "", "", "", 0, "" },
	{ "GET", "", "_type=Patient,Observation", NULL, SG_FHIR_SEARCH_SYSTEM, 0, NULL, "", "", "", "", 1, "" },
	{ "HEAD", "", "_lastUpdated=gt2020", NULL, SG_FHIR_SEARCH_SYSTEM, 0, NULL, "", "", "", "", 1, "" },
	{ "POST", "", NULL, NULL, SG_FHIR_BATCH, 0, NULL, "", "", "", "", 0, "" },
	{ "POST", "", "_format=json", "not=read", SG_FHIR_BATCH, 0, NULL, "", "", "", "", 1, "" },
	{ "POST", "/_search", NULL, "_type=Patient", SG_FHIR_SEARCH_SYSTEM, 1, NULL, "", "", "", "", 1, "_search" },
	{ "POST", "/_search", "_count=5", "_type=Patient", SG_FHIR_SEARCH_SYSTEM, 1, NULL, "", "", "", "", 2, "_search" },
	{ "GET", "/_history", NULL, NULL, SG_FHIR_HISTORY_SYSTEM, 0, NULL, "", "", "", "", 0, "_history" },
	{ "GET", "/_history", "_since=2020-01-01&_count=10", NULL, SG_FHIR_HISTORY_SYSTEM, 0, NULL, "", "", "", "", 2, "_history" },
	{ "HEAD", "/_history", "", NULL, SG_FHIR_HISTORY_SYSTEM, 0, NULL, "", "", "", "", 0, "_history" },
	{ "GET", "/$meta", NULL, NULL, SG_FHIR_OPERATION, 0, NULL, "", "", "", "meta", 0, "$meta" },
	{ "POST", "/$export", NULL, "ignored", SG_FHIR_OPERATION, 0, NULL, "", "", "", "export", 0, "$export" },
	{ "GET", "/$a", NULL, NULL, SG_FHIR_OPERATION, 0, NULL, "", "", "", "a", 0, "$a" },
	{ "GET", "/$" OP64, NULL, NULL, SG_FHIR_OPERATION, 0, NULL, "", "", "", OP64, 0, "$" OP64 },
	/* Type level. */
	{ "GET", "/Patient", NULL, NULL, SG_FHIR_SEARCH_TYPE, 0, "Patient", "", "", "", "", 0, "Patient" },
	{ "GET", "/Observation", "patient=1&code=http://loinc.org|1-8", NULL, SG_FHIR_SEARCH_TYPE, 0, "Observation", "", "", "", "", 2, "Observation" },
	{ "HEAD", "/Condition", "subject=Patient/1", NULL, SG_FHIR_SEARCH_TYPE, 0, "Condition", "", "", "", "", 1, "Condition" },
	{ "POST", "/Observation/_search", NULL, "patient=1", SG_FHIR_SEARCH_TYPE, 1, "Observation", "", "", "", "", 1, "Observation/_search" },
	{ "POST", "/Observation/_search", "_count=1", "patient=1&code=x", SG_FHIR_SEARCH_TYPE, 1, "Observation", "", "", "", "", 3, "Observation/_search" },
	{ "POST", "/Observation/_search", NULL, NULL, SG_FHIR_SEARCH_TYPE, 1, "Observation", "", "", "", "", 0, "Observation/_search" },
	{ "POST", "/Patient", NULL, "not=read", SG_FHIR_CREATE, 0, "Patient", "", "", "", "", 0, "Patient" },
	{ "PUT", "/Patient", "identifier=http://x|1", NULL, SG_FHIR_UPDATE_COND, 0, "Patient", "", "", "", "", 1, "Patient" },
	{ "PATCH", "/Observation", "identifier=a", NULL, SG_FHIR_PATCH_COND, 0, "Observation", "", "", "", "", 1, "Observation" },
	{ "DELETE", "/Encounter", "status=cancelled&&", NULL, SG_FHIR_DELETE_COND, 0, "Encounter", "", "", "", "", 1, "Encounter" },
	{ "GET", "/Patient/_history", NULL, NULL, SG_FHIR_HISTORY_TYPE, 0, "Patient", "", "", "", "", 0, "Patient/_history" },
	{ "GET", "/Patient/$match", NULL, NULL, SG_FHIR_OPERATION, 0, "Patient", "", "", "", "match", 0, "Patient/$match" },
	{ "POST", "/Observation/$lastn", "max=3", NULL, SG_FHIR_OPERATION, 0, "Observation", "", "", "", "lastn", 1, "Observation/$lastn" },
	/* Instance level. */
	{ "GET", "/Patient/123", NULL, NULL, SG_FHIR_READ, 0, "Patient", "123", "", "", "", 0, "Patient/123" },
	{ "HEAD", "/Patient/123", "_format=json", NULL, SG_FHIR_READ, 0, "Patient", "123", "", "", "", 1, "Patient/123" },
	{ "GET", "/Patient/" ID64, NULL, NULL, SG_FHIR_READ, 0, "Patient", ID64, "", "", "", 0, "Patient/" ID64 },
	{ "GET", "/Patient/a.b-C", NULL, NULL, SG_FHIR_READ, 0, "Patient", "a.b-C", "", "", "", 0, "Patient/a.b-C" },
	{ "GET", "/Patient/...", NULL, NULL, SG_FHIR_READ, 0, "Patient", "...", "", "", "", 0, "Patient/..." },
	{ "GET", "/Patient/Observation", NULL, NULL, SG_FHIR_READ, 0, "Patient", "Observation", "", "", "", 0, "Patient/Observation" },
	{ "PUT", "/Observation/o1", NULL, NULL, SG_FHIR_UPDATE, 0, "Observation", "o1", "", "", "", 0, "Observation/o1" },
	{ "PATCH", "/Observation/o1", NULL, NULL, SG_FHIR_PATCH, 0, "Observation", "o1", "", "", "", 0, "Observation/o1" },
	{ "DELETE", "/Condition/c-1", NULL, NULL, SG_FHIR_DELETE, 0, "Condition", "c-1", "", "", "", 0, "Condition/c-1" },
	{ "GET", "/Patient/1/_history", NULL, NULL, SG_FHIR_HISTORY_INSTANCE, 0, "Patient", "1", "", "", "", 0, "Patient/1/_history" },
	{ "GET", "/Patient/1/_history/2", NULL, NULL, SG_FHIR_VREAD, 0, "Patient", "1", "2", "", "", 0, "Patient/1/_history/2" },
	{ "HEAD", "/Medication/m/_history/" ID64, NULL, NULL, SG_FHIR_VREAD, 0, "Medication", "m", ID64, "", "", 0, "Medication/m/_history/" ID64 },
	{ "GET", "/Patient/1/$everything", "_count=10", NULL, SG_FHIR_OPERATION, 0, "Patient", "1", "", "", "everything", 1, "Patient/1/$everything" },
	{ "POST", "/Patient/1/$everything", NULL, "ignored", SG_FHIR_OPERATION, 0, "Patient", "1", "", "", "everything", 0, "Patient/1/$everything" },
	{ "GET", "/Observation/1/$meta-add", NULL, NULL, SG_FHIR_OPERATION, 0, "Observation", "1", "", "", "meta-add", 0, "Observation/1/$meta-add" },
	/* Compartment. */
	{ "GET", "/Patient/1/Observation", NULL, NULL, SG_FHIR_SEARCH_COMPARTMENT, 0, "Observation", "", "", "1", "", 0, "Patient/1/Observation" },
	{ "GET", "/Patient/p.1/Condition", "code=x", NULL, SG_FHIR_SEARCH_COMPARTMENT, 0, "Condition", "", "", "p.1", "", 1, "Patient/p.1/Condition" },
	{ "HEAD", "/Patient/1/Patient", NULL, NULL, SG_FHIR_SEARCH_COMPARTMENT, 0, "Patient", "", "", "1", "", 0, "Patient/1/Patient" },
};

START_TEST(test_valid)
{
	const struct valid	*v = &valid[_i];
	struct sg_fhir_req	 r;
	const char		*why = "unset";
	char			*p;

	memset(&r, 0, sizeof(r));
	ck_assert_msg(sg_fhir_req_parse(v->method, v->path, v->query, v->form,
	    &r, &why) == SG_OK, "%s %s?%s refused: %s", v->method, v->path,
	    v->query != NULL ? v->query : "", why);
	ck_assert_int_eq(r.op, v->op);
	ck_assert_int_eq(r.post_search, v->post);
	if (v->type == NULL)
		ck_assert_ptr_null(r.type);
	else {
		ck_assert_ptr_nonnull(r.type);
		ck_assert_str_eq(r.type->name, v->type);
		ck_assert_ptr_eq(r.type, sg_fhir_type(v->type,
		    strlen(v->type)));
	}
	ck_assert_str_eq(r.id, v->id);
	ck_assert_str_eq(r.vid, v->vid);
	ck_assert_str_eq(r.cid, v->cid);
	ck_assert_str_eq(r.opname, v->opname);
	ck_assert_uint_eq(r.nparams, v->nparams);
	ck_assert_str_eq(sg_fhir_op_name(r.op), sg_fhir_op_name(v->op));
	p = sg_fhir_req_path(&r);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p, v->rebuilt);
	free(p);
	sg_fhir_req_free(&r);
	ck_assert_ptr_null(r.params);
	ck_assert_uint_eq(r.nparams, 0);
	ck_assert_int_eq(r.op, SG_FHIR_INVALID);
}
END_TEST

/* The rebuilt path and query parse back to the same request. */
START_TEST(test_valid_reparse)
{
	const struct valid	*v = &valid[_i];
	struct sg_fhir_req	 a, b;
	char			*p, *q, *q2, *full;
	size_t			 i;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	ck_assert_int_eq(sg_fhir_req_parse(v->method, v->path, v->query,
	    v->form, &a, NULL), SG_OK);
	p = sg_fhir_req_path(&a);
	q = sg_fhir_req_query(&a);
	full = p[0] == '\0' ? strdup("") : sg_xconcat("/", p);
	ck_assert_int_eq(sg_fhir_req_parse(v->method, full, q, NULL, &b,
	    NULL), SG_OK);
	ck_assert_int_eq(a.op, b.op);
	ck_assert_int_eq(a.post_search, b.post_search);
	ck_assert_ptr_eq(a.type, b.type);
	ck_assert_str_eq(a.id, b.id);
	ck_assert_str_eq(a.vid, b.vid);
	ck_assert_str_eq(a.cid, b.cid);
	ck_assert_str_eq(a.opname, b.opname);
	ck_assert_uint_eq(a.nparams, b.nparams);
	for (i = 0; i < a.nparams; i++) {
		ck_assert_str_eq(a.params[i].name, b.params[i].name);
		ck_assert_str_eq(a.params[i].value, b.params[i].value);
	}
	q2 = sg_fhir_req_query(&b);
	ck_assert_str_eq(q, q2);
	free(p);
	free(q);
	free(q2);
	free(full);
	sg_fhir_req_free(&a);
	sg_fhir_req_free(&b);
}
END_TEST

struct invalid {
	const char	*method;
	const char	*path;
	const char	*query;
	enum sg_status	 st;
};

static const struct invalid invalid[] = {
	/* Encoded and dot segments. */
	{ "GET", "/Patient%2F1", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Patient/1%2F..%2FObservation", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Patient/%252F", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Patient/%2E%2E", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Patient/%2e", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Pat%69ent/1", NULL, SG_E_NOT_FOUND },
	{ "GET", "/%", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Patient/..", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Patient/.", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Patient/../Observation/1", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Patient/./1", NULL, SG_E_NOT_FOUND },
	{ "GET", "/./Patient", NULL, SG_E_NOT_FOUND },
	{ "GET", "/..", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Patient/1/_history/..", NULL, SG_E_NOT_FOUND },
	/* Empty segments. */
	{ "GET", "/", NULL, SG_E_NOT_FOUND },
	{ "POST", "/", NULL, SG_E_NOT_FOUND },
	{ "GET", "//", NULL, SG_E_NOT_FOUND },
	{ "GET", "//Patient", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Patient//1", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Patient/", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Patient/1/", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Patient/1/_history/", NULL, SG_E_NOT_FOUND },
	{ "GET", "/_history/", NULL, SG_E_NOT_FOUND },
	/* Not under the base. */
	{ "GET", "Patient/1", NULL, SG_E_NOT_FOUND },
	{ "GET", "Patient", NULL, SG_E_NOT_FOUND },
	{ "GET", NULL, NULL, SG_E_NOT_FOUND },
	{ "GET", "?a=b", NULL, SG_E_NOT_FOUND },
	/* Types. */
	{ "GET", "/patient/1", NULL, SG_E_NOT_FOUND },
	{ "GET", "/PATIENT", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Foo/1", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Foo", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Patient ", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Patient\t", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Patient?x=1", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Patient#x", NULL, SG_E_NOT_FOUND },
	{ "GET", "/_search/Patient", NULL, SG_E_NOT_FOUND },
	{ "GET", "/_other", NULL, SG_E_NOT_FOUND },
	{ "GET", "/_Search", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Resource/1", NULL, SG_E_NOT_FOUND },
	/* Ids. */
	{ "GET", "/Patient/" ID65, NULL, SG_E_NOT_FOUND },
	{ "GET", "/Patient/a_b", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Patient/_1", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Patient/a b", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Patient/a+b", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Patient/a:b", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Patient/a\xc3\xa9", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Patient/1/_history/" ID65, NULL, SG_E_NOT_FOUND },
	{ "GET", "/Patient/1/_history/a_b", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Patient/" ID65 "/_history", NULL, SG_E_NOT_FOUND },
	/* Shapes. */
	{ "GET", "/Patient/1/_history/2/3", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Patient/1/Observation/2", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Observation/1/Condition", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Encounter/1/Observation", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Patient/1/*", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Patient/1/Foo", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Patient/1/observation", NULL, SG_E_NOT_FOUND },
	{ "POST", "/Patient/1/Observation/_search", NULL, SG_E_NOT_FOUND },
	{ "POST", "/Patient/1/_search", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Patient/1/_history/2/_history", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Patient/1/2", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Patient/1/_search", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Patient/1/2/_history", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Patient/_history/1", NULL, SG_E_NOT_FOUND },
	{ "GET", "/_history/1", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Patient/_search/1", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Patient/1/$everything/x", NULL, SG_E_NOT_FOUND },
	{ "GET", "/$meta/Patient", NULL, SG_E_NOT_FOUND },
	{ "GET", "/a/b/c/d/e", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Patient/1/_history/2/3/4/5/6", NULL, SG_E_NOT_FOUND },
	/* Operation names. */
	{ "GET", "/$", NULL, SG_E_NOT_FOUND },
	{ "GET", "/$1x", NULL, SG_E_NOT_FOUND },
	{ "GET", "/$-x", NULL, SG_E_NOT_FOUND },
	{ "GET", "/$a_b", NULL, SG_E_NOT_FOUND },
	{ "GET", "/$a.b", NULL, SG_E_NOT_FOUND },
	{ "GET", "/$$a", NULL, SG_E_NOT_FOUND },
	{ "GET", "/$" OP64 "x", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Patient/$", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Patient/1/$", NULL, SG_E_NOT_FOUND },
	{ "GET", "/Patient/1/$9", NULL, SG_E_NOT_FOUND },
	{ "GET", "/meta", NULL, SG_E_NOT_FOUND },
	/* Methods the shape does not take. */
	{ "PUT", "", NULL, SG_E_METHOD },
	{ "DELETE", "", NULL, SG_E_METHOD },
	{ "PATCH", "", NULL, SG_E_METHOD },
	{ "GET", "/_search", NULL, SG_E_METHOD },
	{ "HEAD", "/_search", NULL, SG_E_METHOD },
	{ "PUT", "/_search", NULL, SG_E_METHOD },
	{ "POST", "/_history", NULL, SG_E_METHOD },
	{ "DELETE", "/_history", NULL, SG_E_METHOD },
	{ "PUT", "/$meta", NULL, SG_E_METHOD },
	{ "DELETE", "/$meta", NULL, SG_E_METHOD },
	{ "PATCH", "/Patient/$match", NULL, SG_E_METHOD },
	{ "DELETE", "/Patient/1/$everything", NULL, SG_E_METHOD },
	{ "GET", "/Observation/_search", "patient=1", SG_E_METHOD },
	{ "DELETE", "/Observation/_search", "patient=1", SG_E_METHOD },
	{ "POST", "/Patient/_history", NULL, SG_E_METHOD },
	{ "POST", "/Patient/1", NULL, SG_E_METHOD },
	{ "POST", "/Patient/1/_history", NULL, SG_E_METHOD },
	{ "DELETE", "/Patient/1/_history", NULL, SG_E_METHOD },
	{ "DELETE", "/Patient/1/_history/2", NULL, SG_E_METHOD },
	{ "PUT", "/Patient/1/_history/2", NULL, SG_E_METHOD },
	{ "POST", "/Patient/1/Observation", NULL, SG_E_METHOD },
	{ "DELETE", "/Patient/1/Observation", NULL, SG_E_METHOD },
	/* Unknown methods. */
	{ "get", "/Patient/1", NULL, SG_E_METHOD },
	{ "Get", "/Patient/1", NULL, SG_E_METHOD },
	{ "OPTIONS", "/Patient/1", NULL, SG_E_METHOD },
	{ "TRACE", "/Patient/1", NULL, SG_E_METHOD },
	{ "CONNECT", "", NULL, SG_E_METHOD },
	{ "GETX", "/Patient/1", NULL, SG_E_METHOD },
	{ "", "/Patient/1", NULL, SG_E_METHOD },
	{ NULL, "/Patient/1", NULL, SG_E_METHOD },
	/* A bad path is judged before a bad method. */
	{ "OPTIONS", "/Foo", NULL, SG_E_NOT_FOUND },
	/* Conditional interactions need criteria. */
	{ "PUT", "/Patient", NULL, SG_E_BAD_REQUEST },
	{ "PUT", "/Patient", "", SG_E_BAD_REQUEST },
	{ "PATCH", "/Patient", "&&", SG_E_BAD_REQUEST },
	{ "DELETE", "/Patient", "&", SG_E_BAD_REQUEST },
	{ "DELETE", "/Patient", NULL, SG_E_BAD_REQUEST },
};

START_TEST(test_invalid)
{
	const struct invalid	*v = &invalid[_i];
	struct sg_fhir_req	 r;
	const char		*why = NULL;
	enum sg_status		 st;

	memset(&r, 0, sizeof(r));
	st = sg_fhir_req_parse(v->method, v->path, v->query, NULL, &r, &why);
	ck_assert_msg(st == v->st, "%s %s: %d, not %d (%s)",
	    v->method != NULL ? v->method : "(null)",
	    v->path != NULL ? v->path : "(null)", st, v->st,
	    why != NULL ? why : "");
	ck_assert_ptr_nonnull(why);
	ck_assert_int_eq(r.op, SG_FHIR_INVALID);
	ck_assert_ptr_null(r.type);
	ck_assert_str_eq(r.id, "");
	ck_assert_ptr_null(r.params);
	ck_assert_ptr_null(sg_fhir_req_path(&r));
	sg_fhir_req_free(&r);
	/* why may be NULL. */
	ck_assert_int_eq(sg_fhir_req_parse(v->method, v->path, v->query,
	    NULL, &r, NULL), v->st);
	sg_fhir_req_free(&r);
}
END_TEST

/*
 * The reason names the first rule a path breaks: '%' and dot-segments
 * are refused as such, before any segment is read.
 */
static const struct {
	const char	*method;
	const char	*path;
	const char	*why;		/* a word of *why */
} reasons[] = {
	{ "GET", "/Patient/%2E%2E", "percent" },
	{ "GET", "/Patient%2F1", "percent" },
	{ "GET", "//%", "percent" },
	{ "GET", "/Patient/..", "dot-segment" },
	{ "GET", "/./Patient", "dot-segment" },
	{ "GET", "/Patient/1/_history/.", "dot-segment" },
	{ "GET", "/", "empty" },
	{ "GET", "//Patient", "empty" },
	{ "GET", "/Patient/", "empty" },
	{ "GET", "/a/b/c/d/e", "too many" },
	{ "GET", "Patient", "base" },
	{ "OPTIONS", "/Patient", "not supported" },
	{ "POST", "/Patient/1", "not allowed" },
	{ "PUT", "/Patient", "conditional" },
	{ "GET", "/Patient?", "type" },
};

START_TEST(test_reasons)
{
	struct sg_fhir_req	 r;
	const char		*why = NULL;

	memset(&r, 0, sizeof(r));
	ck_assert_int_ne(sg_fhir_req_parse(reasons[_i].method,
	    reasons[_i].path, NULL, NULL, &r, &why), SG_OK);
	ck_assert_ptr_nonnull(why);
	ck_assert_msg(strstr(why, reasons[_i].why) != NULL, "%s: %s",
	    reasons[_i].path, why);
	sg_fhir_req_free(&r);
}
END_TEST

/* Queries (and, with form set, POST _search bodies) that are refused. */
static const struct {
	const char	*query;
	const char	*form;
} bad_queries[] = {
	{ "a", NULL },
	{ "a=1&b", NULL },
	{ "_summary", NULL },
	{ "=1", NULL },
	{ "a=1&=2", NULL },
	{ "a%3D=1", NULL },
	{ "a%=1", NULL },
	{ "a=%", NULL },
	{ "a=%4", NULL },
	{ "a=%G0", NULL },
	{ "a=%%41", NULL },
	{ "a=1%", NULL },
	{ "a=%00", NULL },
	{ "a=%0A", NULL },
	{ "a=%0d%0a", NULL },
	{ "a=%1F", NULL },
	{ "a=%7F", NULL },
	{ "a=\x01", NULL },
	{ "a=\t", NULL },
	{ "a=\x7f", NULL },
	{ "a%00=1", NULL },
	{ "a\x01=1", NULL },
	{ "a%0A=1", NULL },
	/* Not UTF-8, or C1 controls. */
	{ "name=M%FCller", NULL },
	{ "name=%C2%85", NULL },
	{ "name=%C0%AF", NULL },
	{ "name=%ED%A0%80", NULL },
	{ "name=\xff", NULL },
	/* Names. */
	{ "a b=1", NULL },
	{ "a+b=1", NULL },
	{ "a%20b=1", NULL },
	{ "a/b=1", NULL },
	{ "a|b=1", NULL },
	{ "a,b=1", NULL },
	{ "a$b=1", NULL },
	{ "?a=1", NULL },
	{ "a[]=1", NULL },
	{ ":a=1", NULL },
	{ "%3Aa=1", NULL },
	{ ".a=1", NULL },
	{ "-a=1", NULL },
	{ ":=1", NULL },
	{ "n\xc3\xa9=1", NULL },
	{ "code:text\xc3\xa9=1", NULL },
	/* The form body is parsed as strictly. */
	{ "a=1", "b" },
	{ "a=1", "b=%" },
	{ NULL, "b=%00" },
	{ NULL, "=x" },
	{ NULL, "a b=1" },
};

START_TEST(test_bad_query)
{
	struct sg_fhir_req	 r;
	const char		*why = NULL;
	const char		*q = bad_queries[_i].query;
	const char		*f = bad_queries[_i].form;

	memset(&r, 0, sizeof(r));
	if (f == NULL) {
		ck_assert_msg(sg_fhir_req_parse("GET", "/Patient", q, NULL,
		    &r, &why) == SG_E_BAD_REQUEST, "accepted %s", q);
		ck_assert_ptr_nonnull(why);
		ck_assert_ptr_null(r.params);
		sg_fhir_req_free(&r);
		ck_assert_int_eq(sg_fhir_req_parse("DELETE", "/Patient", q,
		    NULL, &r, NULL), SG_E_BAD_REQUEST);
		sg_fhir_req_free(&r);
		ck_assert_int_eq(sg_fhir_req_parse("GET", "/Patient/1", q,
		    NULL, &r, NULL), SG_E_BAD_REQUEST);
		sg_fhir_req_free(&r);
	}
	ck_assert_int_eq(sg_fhir_req_parse("POST", "/Patient/_search", q, f,
	    &r, &why), SG_E_BAD_REQUEST);
	ck_assert_ptr_nonnull(why);
	ck_assert_uint_eq(r.nparams, 0);
	sg_fhir_req_free(&r);
}
END_TEST

/* Decoding: what each query parses to. */
static const struct {
	const char	*query;
	size_t		 n;
	const char	*kv[8];		/* name, value, … */
} decoded[] = {
	{ "", 0, { NULL } },
	{ "&", 0, { NULL } },
	{ "&&&", 0, { NULL } },
	{ "a=1", 1, { "a", "1" } },
	{ "a=", 1, { "a", "" } },
	{ "a==", 1, { "a", "=" } },
	{ "a=1&&b=2&", 2, { "a", "1", "b", "2" } },
	{ "&a=1", 1, { "a", "1" } },
	{ "a=1&a=2", 2, { "a", "1", "a", "2" } },
	{ "name=John+Smith", 1, { "name", "John Smith" } },
	{ "name=John%20Smith", 1, { "name", "John Smith" } },
	{ "name=a%2Bb", 1, { "name", "a+b" } },
	{ "name=%2541", 1, { "name", "%41" } },
	{ "code%3Atext=x", 1, { "code:text", "x" } },
	{ "code:text=x", 1, { "code:text", "x" } },
	{ "subject:Patient.name=Smith", 1, { "subject:Patient.name", "Smith" } },
	{ "_has:Observation:patient:code=1234-5", 1, { "_has:Observation:patient:code", "1234-5" } },
	{ "code=http://loinc.org|8867-4,http://loinc.org|8310-5", 1, { "code", "http://loinc.org|8867-4,http://loinc.org|8310-5" } },
	{ "date=ge2020-01-01&date=lt2021", 2, { "date", "ge2020-01-01", "date", "lt2021" } },
	{ "name=M%C3%BCller", 1, { "name", "M\xc3\xbc" "ller" } },
	{ "name=M\xc3\xbcller", 1, { "name", "M\xc3\xbc" "ller" } },
	{ "v=a%26b%3Dc", 1, { "v", "a&b=c" } },
	{ "v=?#/[]@!'()*;", 1, { "v", "?#/[]@!'()*;" } },
	{ "_-.0aZ:=x", 1, { "_-.0aZ:", "x" } },
	{ "0a=x&a:=y&a.=z", 3, { "0a", "x", "a:", "y", "a.", "z" } },
};

START_TEST(test_decoded)
{
	struct sg_fhir_req	 r;
	size_t			 i;

	memset(&r, 0, sizeof(r));
	ck_assert_msg(sg_fhir_req_parse("GET", "/Observation",
	    decoded[_i].query, NULL, &r, NULL) == SG_OK, "refused %s",
	    decoded[_i].query);
	ck_assert_uint_eq(r.nparams, decoded[_i].n);
	for (i = 0; i < r.nparams; i++) {
		ck_assert_str_eq(r.params[i].name, decoded[_i].kv[2 * i]);
		ck_assert_str_eq(r.params[i].value,
		    decoded[_i].kv[2 * i + 1]);
	}
	sg_fhir_req_free(&r);
}
END_TEST

/* Query encoding: the canonical query of each input, a fixed point. */
static const struct {
	const char	*in;
	const char	*out;
} encoded[] = {
	{ "", "" },
	{ "&&", "" },
	{ "a=1", "a=1" },
	{ "a=", "a=" },
	{ "a=1&&b=2&", "a=1&b=2" },
	{ "name=John+Smith", "name=John%20Smith" },
	{ "name=a%2bb", "name=a%2Bb" },
	{ "name=a%2fb", "name=a/b" },
	{ "code%3atext=x", "code:text=x" },
	{ "code=http://loinc.org|8867-4,x", "code=http://loinc.org|8867-4,x" },
	{ "v=a%26b%3Dc", "v=a%26b%3Dc" },
	{ "v=%2541", "v=%2541" },
	{ "v=~$", "v=~$" },
	{ "v=?#[]@!'()*;+", "v=%3F%23%5B%5D%40%21%27%28%29%2A%3B%20" },
	{ "v=\"<>\\^`{}", "v=%22%3C%3E%5C%5E%60%7B%7D" },
	{ "name=M%c3%bcller", "name=M%C3%BCller" },
	{ "name=M\xc3\xbcller", "name=M%C3%BCller" },
	{ "a=1&a=2&b=3", "a=1&a=2&b=3" },
};

START_TEST(test_encoded)
{
	struct sg_fhir_req	 a, b;
	char			*q, *q2;
	size_t			 i;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	ck_assert_int_eq(sg_fhir_req_parse("GET", "/Patient", encoded[_i].in,
	    NULL, &a, NULL), SG_OK);
	q = sg_fhir_req_query(&a);
	ck_assert_str_eq(q, encoded[_i].out);
	ck_assert_int_eq(sg_fhir_req_parse("GET", "/Patient", q, NULL, &b,
	    NULL), SG_OK);
	ck_assert_uint_eq(a.nparams, b.nparams);
	for (i = 0; i < a.nparams; i++) {
		ck_assert_str_eq(a.params[i].name, b.params[i].name);
		ck_assert_str_eq(a.params[i].value, b.params[i].value);
	}
	q2 = sg_fhir_req_query(&b);
	ck_assert_str_eq(q, q2);
	free(q);
	free(q2);
	sg_fhir_req_free(&a);
	sg_fhir_req_free(&b);
}
END_TEST

/* Every printable ASCII byte as a value survives the round trip. */
START_TEST(test_encode_all_bytes)
{
	struct sg_fhir_req	 a, b;
	char			 v[3];
	char			*q;
	int			 c;

	for (c = 0x20; c < 0x7f; c++) {
		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		v[0] = (char)c;
		v[1] = '\0';
		sg_fhir_req_add(&a, "v", v);
		q = sg_fhir_req_query(&a);
		ck_assert_int_eq(sg_fhir_req_parse("GET", "", q, NULL, &b,
		    NULL), SG_OK);
		ck_assert_uint_eq(b.nparams, 1);
		ck_assert_str_eq(b.params[0].value, v);
		/* Encoded: three characters, or kept as one. */
		ck_assert(strlen(q) == 3 || strlen(q) == 5);
		ck_assert(strchr(q + 2, '&') == NULL);
		ck_assert(strchr(q + 2, '=') == NULL);
		ck_assert(strchr(q + 2, '+') == NULL);
		ck_assert(strchr(q + 2, ' ') == NULL);
		free(q);
		sg_fhir_req_free(&a);
		sg_fhir_req_free(&b);
	}
}
END_TEST

START_TEST(test_post_search_order)
{
	struct sg_fhir_req	 r;

	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(sg_fhir_req_parse("POST", "/Observation/_search",
	    "_count=5&patient=1", "code=a&&patient=2&", &r, NULL), SG_OK);
	ck_assert_uint_eq(r.nparams, 4);
	ck_assert_str_eq(r.params[0].name, "_count");
	ck_assert_str_eq(r.params[1].name, "patient");
	ck_assert_str_eq(r.params[1].value, "1");
	ck_assert_str_eq(r.params[2].name, "code");
	ck_assert_str_eq(r.params[3].value, "2");
	sg_fhir_req_free(&r);
	/* The form of any other interaction is not read. */
	ck_assert_int_eq(sg_fhir_req_parse("POST", "/Observation", NULL,
	    "a", &r, NULL), SG_OK);
	ck_assert_uint_eq(r.nparams, 0);
	sg_fhir_req_free(&r);
	ck_assert_int_eq(sg_fhir_req_parse("GET", "/Observation", NULL,
	    "a=1", &r, NULL), SG_OK);
	ck_assert_uint_eq(r.nparams, 0);
	sg_fhir_req_free(&r);
}
END_TEST

/* Appends n parameters "pK=K" to buf. */
static void
fill_params(char *buf, size_t cap, size_t from, size_t n)
{
	size_t	 i, len;

	buf[0] = '\0';
	for (i = from; i < from + n; i++) {
		len = strlen(buf);
		snprintf(buf + len, cap - len, "%sp%zu=%zu",
		    i > from ? "&" : "", i, i);
	}
}

START_TEST(test_limits)
{
	struct sg_fhir_req	 r;
	char			 q[4096], f[4096];
	char			*big;
	size_t			 i, len;

	memset(&r, 0, sizeof(r));
	/* SG_MAX_PARAMS in the query, then one more. */
	fill_params(q, sizeof(q), 0, SG_MAX_PARAMS);
	ck_assert_int_eq(sg_fhir_req_parse("GET", "/Patient", q, NULL, &r,
	    NULL), SG_OK);
	ck_assert_uint_eq(r.nparams, SG_MAX_PARAMS);
	sg_fhir_req_free(&r);
	fill_params(q, sizeof(q), 0, SG_MAX_PARAMS + 1);
	ck_assert_int_eq(sg_fhir_req_parse("GET", "/Patient", q, NULL, &r,
	    NULL), SG_E_BAD_REQUEST);
	sg_fhir_req_free(&r);
	/* Empty pairs do not count. */
	fill_params(q, sizeof(q), 0, SG_MAX_PARAMS);
	len = strlen(q);
	snprintf(q + len, sizeof(q) - len, "&&&&&&");
	ck_assert_int_eq(sg_fhir_req_parse("GET", "/Patient", q, NULL, &r,
	    NULL), SG_OK);
	sg_fhir_req_free(&r);
	/* Query and form together. */
	fill_params(q, sizeof(q), 0, SG_MAX_PARAMS - 4);
	fill_params(f, sizeof(f), SG_MAX_PARAMS - 4, 4);
	ck_assert_int_eq(sg_fhir_req_parse("POST", "/Patient/_search", q, f,
	    &r, NULL), SG_OK);
	ck_assert_uint_eq(r.nparams, SG_MAX_PARAMS);
	ck_assert_str_eq(r.params[SG_MAX_PARAMS - 1].name, "p63");
	sg_fhir_req_free(&r);
	fill_params(f, sizeof(f), SG_MAX_PARAMS - 4, 5);
	ck_assert_int_eq(sg_fhir_req_parse("POST", "/Patient/_search", q, f,
	    &r, NULL), SG_E_BAD_REQUEST);
	sg_fhir_req_free(&r);

	/* A name of SG_MAX_PARAM_NAME bytes, then one more. */
	memset(q, 'n', SG_MAX_PARAM_NAME);
	snprintf(q + SG_MAX_PARAM_NAME, sizeof(q) - SG_MAX_PARAM_NAME, "=1");
	ck_assert_int_eq(sg_fhir_req_parse("GET", "/Patient", q, NULL, &r,
	    NULL), SG_OK);
	sg_fhir_req_free(&r);
	memset(q, 'n', SG_MAX_PARAM_NAME + 1);
	snprintf(q + SG_MAX_PARAM_NAME + 1, sizeof(q) - SG_MAX_PARAM_NAME - 1,
	    "=1");
	ck_assert_int_eq(sg_fhir_req_parse("GET", "/Patient", q, NULL, &r,
	    NULL), SG_E_BAD_REQUEST);
	sg_fhir_req_free(&r);
	/* Decoded lengths count: 64 encoded letters are 64 bytes. */
	for (i = 0; i < SG_MAX_PARAM_NAME; i++)
		memcpy(q + 3 * i, "%41", 3);
	snprintf(q + 3 * i, sizeof(q) - 3 * i, "=1");
	ck_assert_int_eq(sg_fhir_req_parse("GET", "/Patient", q, NULL, &r,
	    NULL), SG_OK);
	sg_fhir_req_free(&r);

	/* A value of SG_MAX_PARAM_VALUE bytes, decoded, then one more. */
	big = malloc(3 * SG_MAX_PARAM_VALUE + 16);
	ck_assert_ptr_nonnull(big);
	memcpy(big, "v=", 2);
	memset(big + 2, 'x', SG_MAX_PARAM_VALUE);
	big[2 + SG_MAX_PARAM_VALUE] = '\0';
	ck_assert_int_eq(sg_fhir_req_parse("GET", "/Patient", big, NULL, &r,
	    NULL), SG_OK);
	ck_assert_uint_eq(strlen(r.params[0].value), SG_MAX_PARAM_VALUE);
	sg_fhir_req_free(&r);
	big[2 + SG_MAX_PARAM_VALUE] = 'x';
	big[3 + SG_MAX_PARAM_VALUE] = '\0';
	ck_assert_int_eq(sg_fhir_req_parse("GET", "/Patient", big, NULL, &r,
	    NULL), SG_E_BAD_REQUEST);
	sg_fhir_req_free(&r);
	memcpy(big, "v=", 2);
	for (i = 0; i < SG_MAX_PARAM_VALUE; i++)
		memcpy(big + 2 + 3 * i, "%41", 3);
	big[2 + 3 * SG_MAX_PARAM_VALUE] = '\0';
	ck_assert_int_eq(sg_fhir_req_parse("GET", "/Patient", big, NULL, &r,
	    NULL), SG_OK);
	sg_fhir_req_free(&r);
	memcpy(big + 2 + 3 * SG_MAX_PARAM_VALUE, "+", 2);
	ck_assert_int_eq(sg_fhir_req_parse("GET", "/Patient", big, NULL, &r,
	    NULL), SG_E_BAD_REQUEST);
	sg_fhir_req_free(&r);
	free(big);
}
END_TEST

START_TEST(test_count)
{
	struct sg_fhir_req	 r;
	const char		*v;

	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(sg_fhir_req_parse("GET", "/Observation",
	    "code=a&patient:missing=false&patient=1&patient.name=x&"
	    "patients=2&subject:Patient.name=Smith&subject=Patient/3&"
	    "_has:Observation:patient:code=c&_has:Condition:subject:code=d&"
	    "Patient=4&code:text=b", NULL, &r, NULL), SG_OK);
	ck_assert_uint_eq(sg_fhir_req_count(&r, "patient", &v), 2);
	ck_assert_str_eq(v, "false");
	ck_assert_uint_eq(sg_fhir_req_count(&r, "patient", NULL), 2);
	ck_assert_uint_eq(sg_fhir_req_count(&r, "patient.name", &v), 1);
	ck_assert_str_eq(v, "x");
	ck_assert_uint_eq(sg_fhir_req_count(&r, "subject", &v), 2);
	ck_assert_str_eq(v, "Smith");
	ck_assert_uint_eq(sg_fhir_req_count(&r, "_has", &v), 2);
	ck_assert_str_eq(v, "c");
	ck_assert_uint_eq(sg_fhir_req_count(&r, "code", &v), 2);
	ck_assert_str_eq(v, "a");
	ck_assert_uint_eq(sg_fhir_req_count(&r, "Patient", &v), 1);
	ck_assert_str_eq(v, "4");
	ck_assert_uint_eq(sg_fhir_req_count(&r, "patients", NULL), 1);
	/* The name is matched whole, never as a prefix or with its ':'. */
	ck_assert_uint_eq(sg_fhir_req_count(&r, "pat", &v), 0);
	ck_assert_ptr_null(v);
	ck_assert_uint_eq(sg_fhir_req_count(&r, "patient:missing", &v), 0);
	ck_assert_ptr_null(v);
	ck_assert_uint_eq(sg_fhir_req_count(&r, "", NULL), 0);
	ck_assert_uint_eq(sg_fhir_req_count(&r, "_id", NULL), 0);
	ck_assert_uint_eq(sg_fhir_req_count(&r, NULL, &v), 0);
	ck_assert_ptr_null(v);
	ck_assert_uint_eq(sg_fhir_req_count(NULL, "patient", &v), 0);
	ck_assert_ptr_null(v);
	sg_fhir_req_free(&r);
	ck_assert_uint_eq(sg_fhir_req_count(&r, "patient", &v), 0);
}
END_TEST

START_TEST(test_add)
{
	struct sg_fhir_req	 r;
	const char		*v;
	char			*q, name[8] = "patient", value[4] = "1";
	size_t			 i;

	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(sg_fhir_req_parse("GET", "/Observation", "code=a",
	    NULL, &r, NULL), SG_OK);
	sg_fhir_req_add(&r, name, value);
	/* Copied. */
	name[0] = 'X';
	value[0] = '9';
	sg_fhir_req_add(&r, "_count", NULL);
	sg_fhir_req_add(&r, "v", "a b&c=d");
	ck_assert_uint_eq(r.nparams, 4);
	ck_assert_uint_eq(sg_fhir_req_count(&r, "patient", &v), 1);
	ck_assert_str_eq(v, "1");
	ck_assert_uint_eq(sg_fhir_req_count(&r, "_count", &v), 1);
	ck_assert_str_eq(v, "");
	q = sg_fhir_req_query(&r);
	ck_assert_str_eq(q, "code=a&patient=1&_count=&v=a%20b%26c%3Dd");
	free(q);
	sg_fhir_req_free(&r);
	/* Many, past the parse limit: add is the caller's. */
	for (i = 0; i < 3 * SG_MAX_PARAMS; i++)
		sg_fhir_req_add(&r, "a", "b");
	ck_assert_uint_eq(sg_fhir_req_count(&r, "a", NULL), 3 * SG_MAX_PARAMS);
	sg_fhir_req_free(&r);
	sg_fhir_req_free(&r);
	sg_fhir_req_free(NULL);
	q = sg_fhir_req_query(&r);
	ck_assert_str_eq(q, "");
	free(q);
}
END_TEST

/* A struct filled by hand builds its path too; incomplete ones none. */
START_TEST(test_path_built)
{
	struct sg_fhir_req	 r;
	char			*p;

	memset(&r, 0, sizeof(r));
	ck_assert_ptr_null(sg_fhir_req_path(&r));
	ck_assert_ptr_null(sg_fhir_req_path(NULL));
	r.op = SG_FHIR__MAX;
	ck_assert_ptr_null(sg_fhir_req_path(&r));
	r.op = SG_FHIR_READ;
	ck_assert_ptr_null(sg_fhir_req_path(&r));
	r.type = sg_fhir_type("Encounter", 9);
	ck_assert_ptr_nonnull(r.type);
	snprintf(r.id, sizeof(r.id), "%s", "e1");
	p = sg_fhir_req_path(&r);
	ck_assert_str_eq(p, "Encounter/e1");
	free(p);
	r.op = SG_FHIR_OPERATION;
	snprintf(r.opname, sizeof(r.opname), "%s", "validate");
	p = sg_fhir_req_path(&r);
	ck_assert_str_eq(p, "Encounter/e1/$validate");
	free(p);
	r.op = SG_FHIR_SEARCH_COMPARTMENT;
	r.id[0] = '\0';
	snprintf(r.cid, sizeof(r.cid), "%s", ID64);
	p = sg_fhir_req_path(&r);
	ck_assert_str_eq(p, "Patient/" ID64 "/Encounter");
	free(p);
	r.op = SG_FHIR_VREAD;
	snprintf(r.id, sizeof(r.id), "%s", ID64);
	snprintf(r.vid, sizeof(r.vid), "%s", ID64);
	p = sg_fhir_req_path(&r);
	ck_assert_str_eq(p, "Encounter/" ID64 "/_history/" ID64);
	free(p);
	r.type = NULL;
	ck_assert_ptr_null(sg_fhir_req_path(&r));
	r.op = SG_FHIR_SEARCH_COMPARTMENT;
	ck_assert_ptr_null(sg_fhir_req_path(&r));
}
END_TEST

START_TEST(test_op_names)
{
	static const char *const names[SG_FHIR__MAX] = {
		"invalid", "read", "vread", "history-instance",
		"history-type", "history-system", "search-type",
		"search-system", "search-compartment", "create", "update",
		"update-conditional", "patch", "patch-conditional", "delete",
		"delete-conditional", "batch", "operation",
	};
	int	 i, j;

	for (i = 0; i < SG_FHIR__MAX; i++) {
		ck_assert_str_eq(sg_fhir_op_name((enum sg_fhir_op)i),
		    names[i]);
		for (j = 0; j < i; j++)
			ck_assert_str_ne(names[i], names[j]);
	}
	ck_assert_str_eq(sg_fhir_op_name(SG_FHIR__MAX), "invalid");
	ck_assert_str_eq(sg_fhir_op_name((enum sg_fhir_op)-1), "invalid");
	ck_assert_str_eq(sg_fhir_op_name((enum sg_fhir_op)1000), "invalid");
}
END_TEST

/* out may be reused after sg_fhir_req_free, and is reset by a parse. */
START_TEST(test_reuse)
{
	struct sg_fhir_req	 r;

	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(sg_fhir_req_parse("GET", "/Patient/1/_history/2",
	    "a=1", NULL, &r, NULL), SG_OK);
	sg_fhir_req_free(&r);
	ck_assert_int_eq(sg_fhir_req_parse("GET", "/Patient/1/Observation",
	    NULL, NULL, &r, NULL), SG_OK);
	ck_assert_str_eq(r.id, "");
	ck_assert_str_eq(r.vid, "");
	ck_assert_str_eq(r.cid, "1");
	ck_assert_uint_eq(r.nparams, 0);
	sg_fhir_req_free(&r);
	/* A failure after the path was read leaves nothing behind. */
	ck_assert_int_eq(sg_fhir_req_parse("GET", "/Patient/1/_history/2",
	    "a=1&b", NULL, &r, NULL), SG_E_BAD_REQUEST);
	ck_assert_int_eq(r.op, SG_FHIR_INVALID);
	ck_assert_ptr_null(r.type);
	ck_assert_str_eq(r.id, "");
	ck_assert_str_eq(r.vid, "");
	ck_assert_uint_eq(r.nparams, 0);
	sg_fhir_req_free(&r);
	ck_assert_int_eq(sg_fhir_req_parse("POST", "/Patient/1/Observation",
	    NULL, NULL, &r, NULL), SG_E_METHOD);
	ck_assert_str_eq(r.cid, "");
	sg_fhir_req_free(&r);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("fhirreq");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, test_valid, 0, NELEM(valid));
	tcase_add_loop_test(tc, test_valid_reparse, 0, NELEM(valid));
	tcase_add_loop_test(tc, test_invalid, 0, NELEM(invalid));
	tcase_add_loop_test(tc, test_reasons, 0, NELEM(reasons));
	tcase_add_loop_test(tc, test_bad_query, 0, NELEM(bad_queries));
	tcase_add_loop_test(tc, test_decoded, 0, NELEM(decoded));
	tcase_add_loop_test(tc, test_encoded, 0, NELEM(encoded));
	tcase_add_test(tc, test_encode_all_bytes);
	tcase_add_test(tc, test_post_search_order);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_count);
	tcase_add_test(tc, test_add);
	tcase_add_test(tc, test_path_built);
	tcase_add_test(tc, test_op_names);
	tcase_add_test(tc, test_reuse);
	suite_add_tcase(s, tc);
	return tl_run(s);
}
