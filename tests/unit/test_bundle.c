/*
 * Unit tests for bundle.c: what sg_bundle_filter() keeps of searchset,
 * history, batch-response and transaction-response Bundles, totals,
 * links and URLs it rewrites, malformed Bundles, and
 * sg_bundle_rewrite_url().  Bundles are written with ' for " so that
 * the tables stay readable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <json-c/json.h>

#include "bundle.h"
#include "json.h"
#include "testlib.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define FROM		"http://up/fhir"
#define TO		"https://gw.example.org/fhir"

/* What the test permit saw: every id it judged, with a count. */
struct judge {
	int		 calls;
	int		 answer;	/* what it answers for "ok…" ids */
	json_object	*seen;		/* id -> times judged */
};

/*
 * The test permit: allows the resources whose id starts with "ok", so
 * that a table says what it wants by naming ids.  Every resource it is
 * given must be an object with a string resourceType.
 */
static int
permit_ok(void *arg, json_object *res)
{
	struct judge	*j = arg;
	json_object	*n;
	const char	*id;

	ck_assert(json_object_is_type(res, json_type_object));
	ck_assert_ptr_nonnull(sg_json_str(res, "resourceType"));
	j->calls++;
	if ((id = sg_json_str(res, "id")) == NULL)
		id = "(none)";
	if (json_object_object_get_ex(j->seen, id, &n))
		json_object_set_int(n, json_object_get_int(n) + 1);
	else
		json_object_object_add(j->seen, id, json_object_new_int(1));
	return strncmp(id, "ok", 2) == 0 ? j->answer : 0;
}

static void
judge_init(struct judge *j)
{
	j->calls = 0;
	j->answer = 1;
	j->seen = json_object_new_object();
	ck_assert_ptr_nonnull(j->seen);
}

/* Fails unless every id was judged at most once; frees j. */
static void
judge_done(struct judge *j, const char *name)
{
	json_object_object_foreach(j->seen, id, n) {
		if (json_object_get_int(n) != 1)
			ck_abort_msg("%s: %s judged %d times", name, id,
			    json_object_get_int(n));
	}
	json_object_put(j->seen);
}

/* Parses s, written with ' for ". */
static json_object *
parse_q(const char *s)
{
	json_object	*o;
	char		*d, *p;

	ck_assert_ptr_nonnull(d = strdup(s));
	for (p = d; *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	/* json-c parses "null" to NULL, also a malformed Bundle. */
	o = json_tokener_parse(d);
	if (o == NULL && strcmp(d, "null") != 0)
		ck_abort_msg("bad test JSON: %s", s);
	free(d);
	return o;
}

/* Fails unless got and the JSON want (with ') are the same. */
static void
json_eq(const char *name, json_object *got, const char *want)
{
	json_object	*w = parse_q(want);

	if (!json_object_equal(got, w))
		ck_abort_msg("%s:\n got  %s\n want %s", name,
		    json_object_to_json_string_ext(got, JSON_C_TO_STRING_PLAIN),
		    json_object_to_json_string_ext(w, JSON_C_TO_STRING_PLAIN));
	json_object_put(w);
}

struct filter_case {
	const char	*name;
	const char	*in;
	unsigned	 flags;
	const char	*want;		/* NULL: as in */
	size_t		 kept, removed;
	int		 calls;
};

#define OBS(id)		"{'resourceType':'Observation','id':'" id "'}"
#define PAT(id)		"{'resourceType':'Patient','id':'" id "'}"
#define MATCH		"'search':{'mode':'match'}"
#define INCLUDE		"'search':{'mode':'include'}"
#define OUTCOME		"'search':{'mode':'outcome'}"
#define SS(rest)	"{'resourceType':'Bundle','type':'searchset'" rest "}"
#define HIST(rest)	"{'resourceType':'Bundle','type':'history'" rest "}"
#define BR(rest)	"{'resourceType':'Bundle','type':'batch-response'" rest "}"
#define TR(rest)	"{'resourceType':'Bundle','type':'transaction-response'" rest "}"

static const struct filter_case filter_cases[] = {
	{ "include and revinclude entries refused, matches kept: total kept",
	  SS(",'total':2,'link':[{'relation':'self','url':'http://up/fhir/Observation?_include=Observation:patient&_revinclude=Provenance:target'}],'entry':["
	     "{'fullUrl':'http://up/fhir/Observation/ok1','resource':" OBS("ok1") "," MATCH "},"
	     "{'fullUrl':'http://up/fhir/Observation/ok2','resource':" OBS("ok2") "," MATCH "},"
	     "{'fullUrl':'http://up/fhir/Patient/no1','resource':" PAT("no1") "," INCLUDE "},"
	     "{'fullUrl':'http://up/fhir/Provenance/no2','resource':{'resourceType':'Provenance','id':'no2'}," INCLUDE "},"
	     "{'fullUrl':'http://up/fhir/Patient/okp','resource':" PAT("okp") "," INCLUDE "},"
	     "{'resource':{'resourceType':'OperationOutcome','id':'no-oo'}," OUTCOME "}]"),
	  0,
	  SS(",'total':2,'link':[{'relation':'self','url':'" TO "/Observation?_include=Observation:patient&_revinclude=Provenance:target'}],'entry':["
	     "{'fullUrl':'" TO "/Observation/ok1','resource':" OBS("ok1") "," MATCH "},"
	     "{'fullUrl':'" TO "/Observation/ok2','resource':" OBS("ok2") "," MATCH "},"
	     "{'fullUrl':'" TO "/Patient/okp','resource':" PAT("okp") "," INCLUDE "}]"),
	  3, 3, 6 },
	{ "a refused match removes total",
	  SS(",'total':2,'entry':[{'resource':" OBS("ok1") "," MATCH "},{'resource':" OBS("no1") "," MATCH "}]"),
	  0,
	  SS(",'entry':[{'resource':" OBS("ok1") "," MATCH "}]"),
	  1, 1, 2 },
	{ "a refused entry without search.mode counts as a match",
	  SS(",'total':2,'entry':[{'resource':" OBS("ok1") ",'search':{'score':1}},{'resource':" OBS("no1") ",'search':{'score':0.5}}]"),
	  0,
	  SS(",'entry':[{'resource':" OBS("ok1") ",'search':{'score':1}}]"),
	  1, 1, 2 },
	{ "a refused entry without search counts as a match",
	  SS(",'total':1,'entry':[{'resource':" OBS("no1") "}]"),
	  0, SS(""), 0, 1, 1 },
	{ "a refused entry of an unknown mode counts as a match",
	  SS(",'total':1,'entry':[{'resource':" OBS("ok1") "},{'resource':" OBS("no1") ",'search':{'mode':'Include'}}]"),
	  0, SS(",'entry':[{'resource':" OBS("ok1") "}]"), 1, 1, 2 },
	{ "a refused entry whose search.mode is not a string counts as a match",
	  SS(",'total':1,'entry':[{'resource':" OBS("no1") ",'search':{'mode':1}}]"),
	  0, SS(""), 0, 1, 1 },
	{ "a permitted OperationOutcome is kept, an outcome removed keeps total",
	  SS(",'total':1,'entry':["
	     "{'resource':" OBS("ok1") "," MATCH "},"
	     "{'resource':{'resourceType':'OperationOutcome','id':'ok-oo'}," OUTCOME "},"
	     "{'resource':{'resourceType':'OperationOutcome','id':'no-oo'}," OUTCOME "}]"),
	  0,
	  SS(",'total':1,'entry':["
	     "{'resource':" OBS("ok1") "," MATCH "},"
	     "{'resource':{'resourceType':'OperationOutcome','id':'ok-oo'}," OUTCOME "}]"),
	  2, 1, 3 },
	{ "an entry array left empty is removed",
	  SS(",'total':1,'entry':[{'resource':" OBS("no1") "," MATCH "}]"),
	  0, SS(""), 0, 1, 1 },
	{ "a searchset entry without a resource is removed",
	  SS(",'total':1,'entry':[{'resource':" OBS("ok1") "," MATCH "},{'fullUrl':'http://up/fhir/Observation/x'," INCLUDE "}]"),
	  0, SS(",'total':1,'entry':[{'resource':" OBS("ok1") "," MATCH "}]"),
	  1, 1, 1 },
	{ "no entry: nothing judged, total kept",
	  SS(",'total':0"), 0, NULL, 0, 0, 0 },
	{ "an empty entry array stays valid",
	  SS(",'total':0,'entry':[]"), 0, SS(",'total':0"), 0, 0, 0 },
	{ "SG_BUNDLE_NO_TOTAL removes total when nothing is removed",
	  SS(",'total':1,'entry':[{'resource':" OBS("ok1") "," MATCH "}]"),
	  SG_BUNDLE_NO_TOTAL,
	  SS(",'entry':[{'resource':" OBS("ok1") "," MATCH "}]"), 1, 0, 1 },
	{ "SG_BUNDLE_NO_TOTAL reaches nested Bundles",
	  BR(",'entry':[{'resource':" SS(",'total':1,'entry':[{'resource':" OBS("ok1") "}]") "}]"),
	  SG_BUNDLE_NO_TOTAL,
	  BR(",'entry':[{'resource':" SS(",'entry':[{'resource':" OBS("ok1") "}]") "}]"),
	  1, 0, 1 },
	{ "history: deleted versions removed, and total with them",
	  HIST(",'total':3,'entry':["
	       "{'fullUrl':'http://up/fhir/Observation/ok1','resource':" OBS("ok1") ",'request':{'method':'PUT','url':'Observation/ok1'},'response':{'status':'200','location':'http://up/fhir/Observation/ok1/_history/2'}},"
	       "{'fullUrl':'http://up/fhir/Observation/no9','request':{'method':'DELETE','url':'Observation/no9'},'response':{'status':'204'}},"
	       "{'fullUrl':'http://up/fhir/Observation/ok1','resource':" OBS("ok1v1") ",'request':{'method':'POST','url':'Observation'},'response':{'status':'201','location':'Observation/ok1/_history/1'}}]"),
	  0,
	  HIST(",'entry':["
	       "{'fullUrl':'" TO "/Observation/ok1','resource':" OBS("ok1") ",'request':{'method':'PUT','url':'Observation/ok1'},'response':{'status':'200','location':'" TO "/Observation/ok1/_history/2'}},"
	       "{'fullUrl':'" TO "/Observation/ok1','resource':" OBS("ok1v1") ",'request':{'method':'POST','url':'Observation'},'response':{'status':'201','location':'Observation/ok1/_history/1'}}]"),
	  2, 1, 2 },
	{ "history: a refused version removes total",
	  HIST(",'total':2,'entry':[{'resource':" OBS("ok1") "},{'resource':" OBS("no1") "}]"),
	  0, HIST(",'entry':[{'resource':" OBS("ok1") "}]"), 1, 1, 2 },
	{ "history: any removal removes total, whatever search says",
	  HIST(",'total':2,'entry':[{'resource':" OBS("ok1") "},{'resource':" OBS("no1") "," INCLUDE "}]"),
	  0, HIST(",'entry':[{'resource':" OBS("ok1") "}]"), 1, 1, 2 },
	{ "batch-response: a refused resource leaves its entry, and the total goes",
	  BR(",'total':2,'entry':[{'resource':" OBS("ok1") "},{'resource':" OBS("no1") "," OUTCOME "}]"),
	  0, BR(",'entry':[{'resource':" OBS("ok1") "},{" OUTCOME "}]"), 2, 0, 2 },
	{ "history: nothing removed keeps total",
	  HIST(",'total':2,'entry':[{'resource':" OBS("ok1") "},{'resource':" OBS("ok2") "}]"),
	  0, NULL, 2, 0, 2 },
	{ "history: a Bundle version is judged whole, not filtered",
	  HIST(",'entry':[{'resource':" SS(",'id':'ok-b','entry':[{'resource':" OBS("no-in") "}]") "}]"),
	  0, NULL, 1, 0, 1 },
	{ "batch-response: entries without a resource kept, locations rewritten",
	  BR(",'entry':["
	     "{'response':{'status':'201 Created','location':'http://up/fhir/Observation/9/_history/1'}},"
	     "{'response':{'status':'200 OK','location':'Observation/1/_history/1'}},"
	     "{'response':{'status':'200 OK','location':'http://up/fhirx/Observation/1'}},"
	     "{'resource':" OBS("no1") ",'response':{'status':'200 OK'}},"
	     "{'resource':" OBS("ok1") ",'response':{'status':'200 OK','etag':'W/\\'1\\''}},"
	     "{'response':{'status':'404 Not Found','outcome':{'resourceType':'OperationOutcome','id':'no-oo'}}}]"),
	  0,
	  BR(",'entry':["
	     "{'response':{'status':'201 Created','location':'" TO "/Observation/9/_history/1'}},"
	     "{'response':{'status':'200 OK','location':'Observation/1/_history/1'}},"
	     "{'response':{'status':'200 OK','location':'http://up/fhirx/Observation/1'}},"
	     "{'response':{'status':'200 OK'}},"
	     "{'resource':" OBS("ok1") ",'response':{'status':'200 OK','etag':'W/\\'1\\''}},"
	     "{'response':{'status':'404 Not Found','outcome':{'resourceType':'OperationOutcome','id':'no-oo'}}}]"),
	  6, 0, 2 },
	{ "batch-response: a nested searchset is filtered, not judged",
	  BR(",'entry':[{'resource':" SS(",'id':'no-b','total':2,'link':["
	     "{'relation':'self','url':'http://up/fhir/Observation?code=x'},"
	     "{'relation':'next','url':'http://up/fhir?_getpages=abc&_getpagesoffset=2'},"
	     "{'relation':'alternate','url':'http://elsewhere/fhir/Observation?code=x'}],'entry':["
	     "{'fullUrl':'http://up/fhir/Observation/ok1','resource':" OBS("ok1") "," MATCH "},"
	     "{'fullUrl':'http://up/fhir/Observation/no1','resource':" OBS("no1") "," MATCH "}]")
	     ",'response':{'status':'200 OK'}}]"),
	  0,
	  BR(",'entry':[{'resource':" SS(",'id':'no-b','link':["
	     "{'relation':'self','url':'" TO "/Observation?code=x'},"
	     "{'relation':'next','url':'" TO "?_getpages=abc&_getpagesoffset=2'}],'entry':["
	     "{'fullUrl':'" TO "/Observation/ok1','resource':" OBS("ok1") "," MATCH "}]")
	     ",'response':{'status':'200 OK'}}]"),
	  1, 0, 2 },
	{ "transaction-response: a nested history loses its deleted versions",
	  TR(",'entry':[{'resource':" HIST(",'total':2,'entry':[{'resource':" OBS("ok1") "},{'request':{'method':'DELETE','url':'Observation/2'}}]") "}]"),
	  0,
	  TR(",'entry':[{'resource':" HIST(",'entry':[{'resource':" OBS("ok1") "}]") "}]"),
	  1, 0, 1 },
	{ "batch-response: a nested batch-response keeps entries without a resource",
	  BR(",'entry':[{'resource':" BR(",'entry':[{'response':{'status':'204'}},{'resource':" OBS("no1") "}]") "}]"),
	  0,
	  BR(",'entry':[{'resource':" BR(",'entry':[{'response':{'status':'204'}},{}]") "}]"),
	  1, 0, 1 },
	{ "batch-response: a nested document goes to permit whole",
	  BR(",'entry':["
	     "{'resource':{'resourceType':'Bundle','type':'document','id':'okdoc','entry':[{'resource':" OBS("no-in1") "}]}},"
	     "{'resource':{'resourceType':'Bundle','type':'collection','id':'nocoll','entry':[{'resource':" OBS("ok-in2") "}]}}]"),
	  0,
	  BR(",'entry':["
	     "{'resource':{'resourceType':'Bundle','type':'document','id':'okdoc','entry':[{'resource':" OBS("no-in1") "}]}},"
	     "{}]"),
	  2, 0, 2 },
	{ "searchset: a Bundle found by a search is judged whole",
	  SS(",'entry':["
	     "{'resource':" SS(",'id':'no-b','entry':[{'resource':" OBS("ok-in") "}]") "," MATCH "},"
	     "{'resource':" BR(",'id':'ok-b','entry':[{'resource':" OBS("no-in") "}]") "," MATCH "}]"),
	  0,
	  SS(",'entry':[{'resource':" BR(",'id':'ok-b','entry':[{'resource':" OBS("no-in") "}]") "," MATCH "}]"),
	  1, 1, 2 },
	{ "Bundle.link: rewritten under from, removed otherwise",
	  SS(",'link':["
	     "{'relation':'self','url':'http://up/fhir/Patient?name=a'},"
	     "{'relation':'next','url':'http://up/fhir?_getpages=x'},"
	     "{'relation':'first','url':'http://up/fhir'},"
	     "{'relation':'last','url':'http://up/fhir/'},"
	     "{'relation':'previous','url':'http://up/fhir2/Patient?name=a'},"
	     "{'relation':'a','url':'http://up/fhirx'},"
	     "{'relation':'b','url':'http://up/fhi'},"
	     "{'relation':'c','url':'https://up/fhir/Patient'},"
	     "{'relation':'d','url':'HTTP://UP/fhir/Patient'},"
	     "{'relation':'e','url':'http://up/fhir#x'},"
	     "{'relation':'f','url':'http://up.evil/fhir/Patient'},"
	     "{'relation':'g','url':'Patient?name=a'},"
	     "{'relation':'h','url':''},"
	     "{'relation':'i'},"
	     "{'relation':'j','url':7},"
	     "{'relation':'k','url':null},"
	     "{'relation':'l','url':['http://up/fhir']},"
	     "{'relation':'m','url':'http://up/fhir/a\\u0000b'},"
	     "{}]"),
	  0,
	  SS(",'link':["
	     "{'relation':'self','url':'" TO "/Patient?name=a'},"
	     "{'relation':'next','url':'" TO "?_getpages=x'},"
	     "{'relation':'first','url':'" TO "'},"
	     "{'relation':'last','url':'" TO "/'}]"),
	  0, 0, 0 },
	{ "Bundle.link: an array left empty is removed",
	  SS(",'total':0,'link':[{'relation':'self','url':'http://other/fhir/Patient'}]"),
	  0, SS(",'total':0"), 0, 0, 0 },
	{ "entry.link, fullUrl: rewritten under from, kept or removed otherwise",
	  SS(",'entry':["
	     "{'link':[{'relation':'self','url':'http://up/fhir/Patient/ok1'},{'relation':'x','url':'http://up/fhir2/Patient/ok1'}],"
	     "'fullUrl':'urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a','resource':" PAT("ok1") "},"
	     "{'link':[{'relation':'x','url':'https://elsewhere/x'}],'fullUrl':'http://up/fhirx/Patient/ok2','resource':" PAT("ok2") "},"
	     "{'fullUrl':'http://up/fhir2/Patient/ok3','resource':" PAT("ok3") "},"
	     "{'fullUrl':'http://up/fhir','resource':" PAT("ok4") "},"
	     "{'fullUrl':17,'resource':" PAT("ok5") "}]"),
	  0,
	  SS(",'entry':["
	     "{'link':[{'relation':'self','url':'" TO "/Patient/ok1'}],"
	     "'fullUrl':'urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a','resource':" PAT("ok1") "},"
	     "{'fullUrl':'http://up/fhirx/Patient/ok2','resource':" PAT("ok2") "},"
	     "{'fullUrl':'http://up/fhir2/Patient/ok3','resource':" PAT("ok3") "},"
	     "{'fullUrl':'" TO "','resource':" PAT("ok4") "},"
	     "{'fullUrl':17,'resource':" PAT("ok5") "}]"),
	  5, 0, 5 },
	{ "resources keep their own URLs (a reference is not a link)",
	  SS(",'entry':[{'resource':{'resourceType':'Observation','id':'ok1','subject':{'reference':'http://up/fhir/Patient/p'}}}]"),
	  0, NULL, 1, 0, 1 },
	{ "every resource judged once, at every depth",
	  BR(",'entry':["
	     "{'resource':" OBS("ok-a") "},"
	     "{'resource':" OBS("no-b") "},"
	     "{'resource':" SS(",'entry':[{'resource':" OBS("ok-c") "},{'resource':" OBS("no-d") "},{'resource':{'resourceType':'OperationOutcome','id':'ok-e'}," OUTCOME "}]") "},"
	     "{'resource':" HIST(",'entry':[{'resource':" OBS("ok-f") "},{'resource':" OBS("ok-g") "},{'request':{'method':'DELETE','url':'Observation/h'}}]") "},"
	     "{'resource':" TR(",'entry':[{'resource':" BR(",'entry':[{'resource':" OBS("no-i") "},{'resource':" OBS("ok-j") "}]") "},{'resource':" PAT("ok-k") "}]") "},"
	     "{'resource':{'resourceType':'Bundle','type':'message','id':'ok-l','entry':[{'resource':" OBS("no-m") "}]}},"
	     "{'response':{'status':'204'}}]"),
	  0,
	  BR(",'entry':["
	     "{'resource':" OBS("ok-a") "},"
	     "{},"
	     "{'resource':" SS(",'entry':[{'resource':" OBS("ok-c") "},{'resource':{'resourceType':'OperationOutcome','id':'ok-e'}," OUTCOME "}]") "},"
	     "{'resource':" HIST(",'entry':[{'resource':" OBS("ok-f") "},{'resource':" OBS("ok-g") "}]") "},"
	     "{'resource':" TR(",'entry':[{'resource':" BR(",'entry':[{},{'resource':" OBS("ok-j") "}]") "},{'resource':" PAT("ok-k") "}]") "},"
	     "{'resource':{'resourceType':'Bundle','type':'message','id':'ok-l','entry':[{'resource':" OBS("no-m") "}]}},"
	     "{'response':{'status':'204'}}]"),
	  7, 0, 11 },
};

START_TEST(test_filter)
{
	const struct filter_case	*c = &filter_cases[_i];
	struct sg_bundle_stats		 st;
	struct judge			 j;
	json_object			*b;

	judge_init(&j);
	b = parse_q(c->in);
	st.kept = st.removed = 99;
	if (sg_bundle_filter(b, permit_ok, &j, FROM, TO, c->flags, &st) != 0)
		ck_abort_msg("%s: refused", c->name);
	json_eq(c->name, b, c->want != NULL ? c->want : c->in);
	ck_assert_msg(st.kept == c->kept && st.removed == c->removed,
	    "%s: kept %zu removed %zu, want %zu %zu", c->name, st.kept,
	    st.removed, c->kept, c->removed);
	ck_assert_msg(j.calls == c->calls, "%s: %d calls, want %d", c->name,
	    j.calls, c->calls);
	/* Serialising what is left works (json-c holds no dangling entry). */
	ck_assert_ptr_nonnull(json_object_to_json_string(b));
	judge_done(&j, c->name);
	json_object_put(b);
}
END_TEST

START_TEST(test_filter_stats_null)
{
	struct judge	 j;
	json_object	*b;

	judge_init(&j);
	b = parse_q(SS(",'entry':[{'resource':" OBS("ok1") "},{'resource':" OBS("no1") "}]"));
	ck_assert_int_eq(sg_bundle_filter(b, permit_ok, &j, FROM, TO, 0, NULL),
	    0);
	json_eq("stats NULL", b, SS(",'entry':[{'resource':" OBS("ok1") "}]"));
	ck_assert_int_eq(j.calls, 2);
	judge_done(&j, "stats NULL");
	json_object_put(b);
}
END_TEST

/* Only 1 shows a resource: an error (-1) or a stray 2 withholds it. */
START_TEST(test_filter_permit_not_one)
{
	static const int	 answers[] = { -1, 2, 0 };
	struct sg_bundle_stats	 st;
	struct judge		 j;
	json_object		*b;
	size_t			 i;

	for (i = 0; i < NELEM(answers); i++) {
		judge_init(&j);
		j.answer = answers[i];
		b = parse_q(SS(",'total':1,'entry':[{'resource':" OBS("ok1") "}]"));
		ck_assert_int_eq(sg_bundle_filter(b, permit_ok, &j, FROM, TO,
		    0, &st), 0);
		json_eq("permit not 1", b, SS(""));
		ck_assert(st.kept == 0 && st.removed == 1);
		judge_done(&j, "permit not 1");
		json_object_put(b);
	}
}
END_TEST

/* Every Bundle type we filter, bare. */
START_TEST(test_filter_types)
{
	static const char *const types[] = {
		"searchset", "history", "batch-response",
		"transaction-response",
	};
	struct sg_bundle_stats	 st;
	struct judge		 j;
	json_object		*b;
	char			 buf[128];
	size_t			 i;

	for (i = 0; i < NELEM(types); i++) {
		judge_init(&j);
		snprintf(buf, sizeof(buf),
		    "{'resourceType':'Bundle','type':'%s','id':'x'}", types[i]);
		b = parse_q(buf);
		ck_assert_int_eq(sg_bundle_filter(b, permit_ok, &j, FROM, TO,
		    0, &st), 0);
		json_eq(types[i], b, buf);
		ck_assert(st.kept == 0 && st.removed == 0 && j.calls == 0);
		judge_done(&j, types[i]);
		json_object_put(b);
	}
}
END_TEST

static const struct {
	const char	*name;
	const char	*in;
} malformed[] = {
	{ "not an object", "['Bundle']" },
	{ "a string", "'Bundle'" },
	{ "null", "null" },
	{ "not a Bundle", "{'resourceType':'Patient','type':'searchset'}" },
	{ "resourceType missing", "{'type':'searchset','entry':[]}" },
	{ "resourceType not a string", "{'resourceType':['Bundle'],'type':'searchset'}" },
	{ "resourceType in another case", "{'resourceType':'bundle','type':'searchset'}" },
	{ "type missing", "{'resourceType':'Bundle'}" },
	{ "type not a string", "{'resourceType':'Bundle','type':1}" },
	{ "type null", "{'resourceType':'Bundle','type':null}" },
	{ "type document", "{'resourceType':'Bundle','type':'document'}" },
	{ "type message", "{'resourceType':'Bundle','type':'message'}" },
	{ "type collection", "{'resourceType':'Bundle','type':'collection'}" },
	{ "type transaction", "{'resourceType':'Bundle','type':'transaction'}" },
	{ "type batch", "{'resourceType':'Bundle','type':'batch'}" },
	{ "type in another case", "{'resourceType':'Bundle','type':'Searchset'}" },
	{ "type with a space", "{'resourceType':'Bundle','type':'searchset '}" },
	{ "entry an object", SS(",'entry':{'resource':" OBS("ok1") "}") },
	{ "entry a string", SS(",'entry':'x'") },
	{ "entry null", SS(",'entry':null") },
	{ "entry element a string", SS(",'entry':[{'resource':" OBS("ok1") "},'x']") },
	{ "entry element null", SS(",'entry':[null]") },
	{ "entry element an array", SS(",'entry':[[{'resource':" OBS("ok1") "}]]") },
	{ "resource a string", SS(",'entry':[{'resource':'Patient/1'}]") },
	{ "resource an array", SS(",'entry':[{'resource':[" OBS("ok1") "]}]") },
	{ "resource null", SS(",'entry':[{'resource':null}]") },
	{ "resource null in a batch-response", BR(",'entry':[{'resource':null}]") },
	{ "resource without resourceType", SS(",'entry':[{'resource':{'id':'ok1'}}]") },
	{ "resourceType not a string", SS(",'entry':[{'resource':{'resourceType':7,'id':'ok1'}}]") },
	{ "resourceType null", HIST(",'entry':[{'resource':{'resourceType':null,'id':'ok1'}}]") },
	{ "a refused entry's resource without resourceType", SS(",'entry':[{'resource':" OBS("no1") "},{'resource':{'id':'no2'}}]") },
	{ "link an object", SS(",'link':{'relation':'self','url':'http://up/fhir'}") },
	{ "link a string", SS(",'link':'http://up/fhir'") },
	{ "link null", SS(",'link':null") },
	{ "link element a string", SS(",'link':['http://up/fhir']") },
	{ "link element null", SS(",'link':[null]") },
	{ "entry.link not an array", SS(",'entry':[{'link':{'url':'http://up/fhir'},'resource':" OBS("ok1") "}]") },
	{ "entry.link element a string", SS(",'entry':[{'link':['http://up/fhir'],'resource':" OBS("ok1") "}]") },
	{ "entry.link of a refused entry not an array", SS(",'entry':[{'link':'x','resource':" OBS("no1") "}]") },
	{ "entry.link of a deleted version not an array", HIST(",'entry':[{'link':7}]") },
	{ "nested searchset malformed", BR(",'entry':[{'resource':" SS(",'entry':['x']") "}]") },
	{ "nested Bundle without a type", BR(",'entry':[{'resource':{'resourceType':'Bundle','id':'ok1'}}]") },
	{ "nested Bundle type not a string", TR(",'entry':[{'resource':{'resourceType':'Bundle','type':['searchset']}}]") },
	{ "nested link not an array", BR(",'entry':[{'resource':" HIST(",'link':{}") "}]") },
};

START_TEST(test_filter_malformed)
{
	struct sg_bundle_stats	 st;
	struct judge		 j;
	json_object		*b;

	judge_init(&j);
	b = parse_q(malformed[_i].in);
	st.kept = st.removed = 99;
	ck_assert_msg(sg_bundle_filter(b, permit_ok, &j, FROM, TO, 0, &st) ==
	    -1, "%s: accepted", malformed[_i].name);
	ck_assert(st.kept == 0 && st.removed == 0);
	judge_done(&j, malformed[_i].name);
	json_object_put(b);
}
END_TEST

START_TEST(test_filter_null_args)
{
	struct sg_bundle_stats	 st;
	struct judge		 j;
	json_object		*b;

	judge_init(&j);
	b = parse_q(SS(""));
	ck_assert_int_eq(sg_bundle_filter(NULL, permit_ok, &j, FROM, TO, 0,
	    &st), -1);
	ck_assert_int_eq(sg_bundle_filter(b, NULL, &j, FROM, TO, 0, &st), -1);
	ck_assert_int_eq(sg_bundle_filter(b, permit_ok, &j, NULL, TO, 0, &st),
	    -1);
	ck_assert_int_eq(sg_bundle_filter(b, permit_ok, &j, FROM, NULL, 0,
	    &st), -1);
	ck_assert_int_eq(sg_bundle_filter(b, permit_ok, &j, FROM, TO, 0, &st),
	    0);
	judge_done(&j, "null args");
	json_object_put(b);
}
END_TEST

/*
 * depth batch-responses, each the resource of the one entry of the one
 * around it, the innermost holding one Observation "ok1".
 */
static json_object *
nested(int depth)
{
	json_object	*b, *inner;
	int		 i;

	inner = parse_q(OBS("ok1"));
	for (i = 0; i < depth; i++) {
		b = parse_q(BR(",'entry':[{}]"));
		json_object_object_add(json_object_array_get_idx(
		    json_object_object_get(b, "entry"), 0), "resource", inner);
		inner = b;
	}
	return inner;
}

START_TEST(test_filter_depth)
{
	struct sg_bundle_stats	 st;
	struct judge		 j;
	json_object		*b;

	judge_init(&j);
	b = nested(SG_BUNDLE_MAX_DEPTH);
	ck_assert_int_eq(sg_bundle_filter(b, permit_ok, &j, FROM, TO, 0, &st),
	    0);
	ck_assert_int_eq(j.calls, 1);
	ck_assert(st.kept == 1 && st.removed == 0);
	judge_done(&j, "depth max");
	json_object_put(b);

	judge_init(&j);
	b = nested(SG_BUNDLE_MAX_DEPTH + 1);
	ck_assert_int_eq(sg_bundle_filter(b, permit_ok, &j, FROM, TO, 0, &st),
	    -1);
	ck_assert_int_eq(j.calls, 0);
	judge_done(&j, "depth max + 1");
	json_object_put(b);
}
END_TEST

static const struct {
	const char	*url, *from, *to, *want;
} rewrites[] = {
	{ "http://up/fhir/Patient/1", FROM, TO, TO "/Patient/1" },
	{ "http://up/fhir", FROM, TO, TO },
	{ "http://up/fhir/", FROM, TO, TO "/" },
	{ "http://up/fhir?_getpages=abc&_count=10", FROM, TO, TO "?_getpages=abc&_count=10" },
	{ "http://up/fhir/Observation?code=http://up/fhir2|x", FROM, TO, TO "/Observation?code=http://up/fhir2|x" },
	{ "http://up/fhir//x", FROM, TO, TO "//x" },
	{ "http://up/fhir2/Patient/1", FROM, TO, NULL },
	{ "http://up/fhir2", FROM, TO, NULL },
	{ "http://up/fhirx", FROM, TO, NULL },
	{ "http://up/fhi", FROM, TO, NULL },
	{ "http://up/fhir#frag", FROM, TO, NULL },
	{ "http://up/fhir.json", FROM, TO, NULL },
	{ "http://up/FHIR/Patient", FROM, TO, NULL },
	{ "HTTP://UP/fhir/Patient", FROM, TO, NULL },
	{ "https://up/fhir/Patient", FROM, TO, NULL },
	{ " http://up/fhir/Patient", FROM, TO, NULL },
	{ "http://up.evil/fhir", FROM, TO, NULL },
	{ "Patient/1", FROM, TO, NULL },
	{ "urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a", FROM, TO, NULL },
	{ "", FROM, TO, NULL },
	{ NULL, FROM, TO, NULL },
	{ "http://up/fhir/Patient", NULL, TO, NULL },
	{ "http://up/fhir/Patient", FROM, NULL, NULL },
	{ "/Patient/1", "", TO, NULL },
	{ "http://up", "http://up", "https://gw", "https://gw" },
	{ "http://up:8080/fhir", "http://up", "https://gw", NULL },
	{ "http://up.example.org/x", "http://up", "https://gw", NULL },
	{ "http://10.0.0.1:8080/fhir/Patient?name=a", "http://10.0.0.1:8080/fhir",
	  "https://gw.example.org/api/fhir", "https://gw.example.org/api/fhir/Patient?name=a" },
	{ "http://10.0.0.1:8080/fhir/Patient", "http://10.0.0.1:80/fhir", TO, NULL },
	{ "http://up/fhir/a", FROM, "", "/a" },
};

START_TEST(test_rewrite_url)
{
	char	*got;

	got = sg_bundle_rewrite_url(rewrites[_i].url, rewrites[_i].from,
	    rewrites[_i].to);
	tl_str_eq(rewrites[_i].url != NULL ? rewrites[_i].url : "(null)",
	    got, rewrites[_i].want);
	free(got);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("bundle");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, test_filter, 0, NELEM(filter_cases));
	tcase_add_test(tc, test_filter_stats_null);
	tcase_add_test(tc, test_filter_permit_not_one);
	tcase_add_test(tc, test_filter_types);
	tcase_add_loop_test(tc, test_filter_malformed, 0, NELEM(malformed));
	tcase_add_test(tc, test_filter_null_args);
	tcase_add_test(tc, test_filter_depth);
	tcase_add_loop_test(tc, test_rewrite_url, 0, NELEM(rewrites));
	suite_add_tcase(s, tc);
	return tl_run(s);
}
