/*
 * The one table from request status to HTTP code, OAuth error, FHIR
 * IssueType and a default message (docs/DESIGN.md "Code rules").
 */
#include <stddef.h>

#include "status.h"

/*
 * OAuth codes: RFC 6749 §4.1.2.1 and §5.2, RFC 6750 §3.1.  Statuses that
 * reach an OAuth endpoint only as malformed requests (405, 413, 415) use
 * invalid_request; 404 and 406 have no OAuth counterpart.  5xx use
 * server_error / temporarily_unavailable, the names §4.1.2.1 gives them
 * for the redirect, where no HTTP status can be carried.
 * FHIR codes: FHIR R4 ValueSet "issue-type"
 * (http://hl7.org/fhir/R4/valueset-issue-type.html); a body or address
 * too large is "too-long" (there is no "too-large").
 */
static const struct sg_status_info status_table[] = {
	[SG_OK] = { 200, "OK", NULL, "informational",
	    "The request succeeded." },
	[SG_E_BAD_REQUEST] = { 400, "Bad Request", "invalid_request",
	    "invalid", "The request is malformed or missing a parameter." },
	[SG_E_NOT_FOUND] = { 404, "Not Found", NULL, "not-found",
	    "Nothing exists at this address." },
	[SG_E_METHOD] = { 405, "Method Not Allowed", "invalid_request",
	    "not-supported", "This method is not allowed here." },
	[SG_E_NOT_ACCEPTABLE] = { 406, "Not Acceptable", NULL,
	    "not-supported", "None of the accepted formats can be served." },
	[SG_E_TOO_LARGE] = { 413, "Content Too Large", "invalid_request",
	    "too-long", "The request is too large." },
	[SG_E_URI_TOO_LONG] = { 414, "URI Too Long", "invalid_request",
	    "too-long", "The request address is too long." },
	[SG_E_UNSUPPORTED_MEDIA] = { 415, "Unsupported Media Type",
	    "invalid_request", "not-supported",
	    "The request body has an unsupported content type." },
	[SG_E_INVALID_CLIENT] = { 401, "Unauthorized", "invalid_client",
	    "security", "The client could not be authenticated." },
	[SG_E_INVALID_GRANT] = { 400, "Bad Request", "invalid_grant",
	    "invalid",
	    "The grant is invalid, expired, revoked or was issued to "
	    "another client." },
	[SG_E_UNAUTHORIZED_CLIENT] = { 400, "Bad Request",
	    "unauthorized_client", "security",
	    "The client may not use this grant type." },
	[SG_E_UNSUPPORTED_GRANT] = { 400, "Bad Request",
	    "unsupported_grant_type", "not-supported",
	    "This grant type is not supported." },
	[SG_E_INVALID_SCOPE] = { 400, "Bad Request", "invalid_scope",
	    "invalid", "The requested scope is invalid or unknown." },
	[SG_E_ACCESS_DENIED] = { 403, "Forbidden", "access_denied",
	    "forbidden", "Access was denied." },
	[SG_E_INVALID_TOKEN] = { 401, "Unauthorized", "invalid_token",
	    "login", "The access token is missing, invalid or expired." },
	[SG_E_INSUFFICIENT_SCOPE] = { 403, "Forbidden",
	    "insufficient_scope", "forbidden",
	    "The access token does not allow this request." },
	[SG_E_UPSTREAM] = { 502, "Bad Gateway", "server_error", "exception",
	    "The upstream server could not be reached or answered "
	    "badly." },
	[SG_E_UPSTREAM_TIMEOUT] = { 504, "Gateway Timeout",
	    "temporarily_unavailable", "timeout",
	    "The upstream server did not answer in time." },
	[SG_E_UNAVAILABLE] = { 503, "Service Unavailable",
	    "temporarily_unavailable", "transient",
	    "The service is temporarily unavailable." },
	[SG_E_INTERNAL] = { 500, "Internal Server Error", "server_error",
	    "exception", "An internal error occurred." },
	/* RFC 6749 §4.1.2.1: only ever sent back to the app. */
	[SG_E_UNSUPPORTED_RESPONSE] = { 400, "Bad Request",
	    "unsupported_response_type", "not-supported",
	    "This response type is not supported." },
	[SG_E_NO_TOKEN] = { 401, "Unauthorized", NULL, "login",
	    "An access token is required (Authorization: Bearer)." },
};

_Static_assert(sizeof(status_table) / sizeof(status_table[0]) ==
    SG_STATUS__MAX, "status_table must have one row per enum sg_status");

const struct sg_status_info *
sg_status_info(enum sg_status st)
{
	/* Compare as unsigned: an enum may be signed and hold garbage. */
	if ((unsigned int)st >= (unsigned int)SG_STATUS__MAX)
		st = SG_E_INTERNAL;
	return &status_table[st];
}

const char *
sg_status_oauth(enum sg_status st)
{
	const struct sg_status_info	*info;

	info = sg_status_info(st == SG_OK ? SG_E_INTERNAL : st);
	if (info->oauth != NULL)
		return info->oauth;
	return info->http >= 500 ? "server_error" : "invalid_request";
}
