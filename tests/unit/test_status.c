/* Unit tests for src/status.c: one complete, correct row per status. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"
#include "testlib.h"

static const struct {
	enum sg_status	 st;
	int		 http;
	const char	*oauth;
	const char	*fhir;
} expect[] = {
	{ SG_OK, 200, NULL, "informational" },
	{ SG_E_BAD_REQUEST, 400, "invalid_request", "invalid" },
	{ SG_E_NOT_FOUND, 404, NULL, "not-found" },
	{ SG_E_METHOD, 405, "invalid_request", "not-supported" },
	{ SG_E_NOT_ACCEPTABLE, 406, NULL, "not-supported" },
	{ SG_E_TOO_LARGE, 413, "invalid_request", "too-long" },
	{ SG_E_URI_TOO_LONG, 414, "invalid_request", "too-long" },
	{ SG_E_UNSUPPORTED_MEDIA, 415, "invalid_request", "not-supported" },
	{ SG_E_INVALID_CLIENT, 401, "invalid_client", "security" },
	{ SG_E_INVALID_GRANT, 400, "invalid_grant", "invalid" },
	{ SG_E_UNAUTHORIZED_CLIENT, 400, "unauthorized_client", "security" },
	{ SG_E_UNSUPPORTED_GRANT, 400, "unsupported_grant_type",
	    "not-supported" },
	{ SG_E_INVALID_SCOPE, 400, "invalid_scope", "invalid" },
	{ SG_E_ACCESS_DENIED, 403, "access_denied", "forbidden" },
	{ SG_E_INVALID_TOKEN, 401, "invalid_token", "login" },
	{ SG_E_INSUFFICIENT_SCOPE, 403, "insufficient_scope", "forbidden" },
	{ SG_E_UPSTREAM, 502, "server_error", "exception" },
	{ SG_E_UPSTREAM_TIMEOUT, 504, "temporarily_unavailable", "timeout" },
	{ SG_E_UNAVAILABLE, 503, "temporarily_unavailable", "transient" },
	{ SG_E_INTERNAL, 500, "server_error", "exception" },
	{ SG_E_UNSUPPORTED_RESPONSE, 400, "unsupported_response_type",
	    "not-supported" },
	{ SG_E_NO_TOKEN, 401, NULL, "login" },
};

/* RFC 6749 §4.1.2.1, §5.2; RFC 6750 §3.1. */
static const char *const oauth_codes[] = {
	"invalid_request", "invalid_client", "invalid_grant",
	"unauthorized_client", "unsupported_grant_type", "invalid_scope",
	"access_denied", "invalid_token", "insufficient_scope",
	"server_error", "temporarily_unavailable",
	"unsupported_response_type",
};

/*
 * FHIR R4 IssueType, every code of the value set (all 31;
 * http://hl7.org/fhir/R4/valueset-issue-type.html), copied from the
 * specification: there is no "too-large".
 */
static const char *const fhir_codes[] = {
	"invalid", "structure", "required", "value", "invariant", "security",
	"login", "unknown", "expired", "forbidden", "suppressed",
	"processing", "not-supported", "duplicate", "multiple-matches",
	"not-found", "deleted", "too-long", "code-invalid", "extension",
	"too-costly", "business-rule", "conflict", "transient",
	"lock-error", "no-store", "exception", "timeout", "incomplete",
	"throttled", "informational",
};

static int
in_list(const char *s, const char *const *list, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return 1;
	return 0;
}

START_TEST(test_expect_covers_every_status)
{
	ck_assert_uint_eq(sizeof(expect) / sizeof(expect[0]), SG_STATUS__MAX);
	ck_assert_int_eq(expect[_i].st, _i);
}
END_TEST

START_TEST(test_row_complete)
{
	const struct sg_status_info	*si = sg_status_info(expect[_i].st);

	ck_assert_ptr_nonnull(si);
	ck_assert_int_eq(si->http, expect[_i].http);
	ck_assert_ptr_nonnull(si->reason);
	ck_assert_uint_gt(strlen(si->reason), 1);
	ck_assert_ptr_nonnull(si->fhir);
	ck_assert_str_eq(si->fhir, expect[_i].fhir);
	ck_assert(in_list(si->fhir, fhir_codes,
	    sizeof(fhir_codes) / sizeof(fhir_codes[0])));
	ck_assert_ptr_nonnull(si->message);
	ck_assert_uint_gt(strlen(si->message), 3);
	if (expect[_i].oauth == NULL)
		ck_assert_ptr_null(si->oauth);
	else {
		ck_assert_ptr_nonnull(si->oauth);
		ck_assert_str_eq(si->oauth, expect[_i].oauth);
		ck_assert(in_list(si->oauth, oauth_codes,
		    sizeof(oauth_codes) / sizeof(oauth_codes[0])));
	}
	/* Every error is an error; 5xx carry a 5xx OAuth code. */
	if (expect[_i].st != SG_OK)
		ck_assert_int_ge(si->http, 400);
	if (si->http >= 500)
		ck_assert(strcmp(si->oauth, "server_error") == 0 ||
		    strcmp(si->oauth, "temporarily_unavailable") == 0);
	/* What a JSON error or a redirect names: always an OAuth code. */
	ck_assert(in_list(sg_status_oauth(expect[_i].st), oauth_codes,
	    sizeof(oauth_codes) / sizeof(oauth_codes[0])));
	if (expect[_i].oauth != NULL)
		ck_assert_str_eq(sg_status_oauth(expect[_i].st),
		    expect[_i].oauth);
	else if (expect[_i].st == SG_OK)
		ck_assert_str_eq(sg_status_oauth(expect[_i].st),
		    "server_error");
	else
		ck_assert_str_eq(sg_status_oauth(expect[_i].st),
		    "invalid_request");
}
END_TEST

/* Every row's fhir code, whatever expect says, is an R4 IssueType. */
START_TEST(test_fhir_code_in_value_set)
{
	const struct sg_status_info	*si;

	ck_assert_uint_eq(sizeof(fhir_codes) / sizeof(fhir_codes[0]), 31);
	si = sg_status_info((enum sg_status)_i);
	ck_assert_ptr_nonnull(si->fhir);
	ck_assert_msg(in_list(si->fhir, fhir_codes,
	    sizeof(fhir_codes) / sizeof(fhir_codes[0])),
	    "status %d: \"%s\" is not a FHIR R4 IssueType code", _i, si->fhir);
}
END_TEST

START_TEST(test_out_of_range)
{
	const struct sg_status_info	*internal;

	internal = sg_status_info(SG_E_INTERNAL);
	ck_assert_ptr_eq(sg_status_info(SG_STATUS__MAX), internal);
	ck_assert_ptr_eq(sg_status_info((enum sg_status)1000), internal);
	ck_assert_ptr_eq(sg_status_info((enum sg_status)-1), internal);
	ck_assert_ptr_ne(sg_status_info(SG_OK), internal);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("status");
	TCase	*tc = tcase_create("table");

	tcase_add_loop_test(tc, test_expect_covers_every_status, 0,
	    SG_STATUS__MAX);
	tcase_add_loop_test(tc, test_row_complete, 0, SG_STATUS__MAX);
	tcase_add_loop_test(tc, test_fhir_code_in_value_set, 0,
	    SG_STATUS__MAX);
	tcase_add_test(tc, test_out_of_range);
	suite_add_tcase(s, tc);
	return tl_run(s);
}
