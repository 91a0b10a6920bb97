/*
 * Request status values and the one table that maps each to its HTTP
 * code, its OAuth error (RFC 6749 §5.2, RFC 6750 §3.1), its FHIR
 * OperationOutcome issue code (FHIR R4 "IssueType") and a default
 * human message.  Every error answer is rendered from this table.
 */
#ifndef SG_STATUS_H
#define SG_STATUS_H

enum sg_status {
	SG_OK = 0,
	SG_E_BAD_REQUEST,	/* malformed input: 400 invalid_request */
	SG_E_NOT_FOUND,		/* 404 */
	SG_E_METHOD,		/* 405 */
	SG_E_NOT_ACCEPTABLE,	/* 406 */
	SG_E_TOO_LARGE,		/* 413 */
	SG_E_URI_TOO_LONG,	/* 414 */
	SG_E_UNSUPPORTED_MEDIA,	/* 415 */
	SG_E_INVALID_CLIENT,	/* 401 invalid_client */
	SG_E_INVALID_GRANT,	/* 400 invalid_grant */
	SG_E_UNAUTHORIZED_CLIENT, /* 400 unauthorized_client */
	SG_E_UNSUPPORTED_GRANT,	/* 400 unsupported_grant_type */
	SG_E_INVALID_SCOPE,	/* 400 invalid_scope */
	SG_E_ACCESS_DENIED,	/* 403 access_denied */
	SG_E_INVALID_TOKEN,	/* 401 invalid_token */
	SG_E_INSUFFICIENT_SCOPE, /* 403 insufficient_scope */
	SG_E_UPSTREAM,		/* 502: upstream unreachable or bad answer */
	SG_E_UPSTREAM_TIMEOUT,	/* 504 */
	SG_E_UNAVAILABLE,	/* 503: e.g. ledger unreachable (fail closed) */
	SG_E_INTERNAL,		/* 500 */
	SG_E_UNSUPPORTED_RESPONSE, /* 400 unsupported_response_type */
	SG_E_NO_TOKEN,		/* 401 without an error code: no credentials
				   were sent (RFC 6750 §3.1) */
	SG_STATUS__MAX
};

struct sg_status_info {
	int		 http;		/* HTTP status code */
	const char	*reason;	/* HTTP reason phrase */
	const char	*oauth;		/* OAuth error code, or NULL */
	const char	*fhir;		/* OperationOutcome issue.code */
	const char	*message;	/* default text for people */
};

/* The table row for st; an out-of-range value yields SG_E_INTERNAL's row. */
const struct sg_status_info *sg_status_info(enum sg_status st);

/*
 * The OAuth error code for st, in a JSON error or a redirect: the
 * table's, or for a status without one server_error (5xx) or
 * invalid_request; SG_OK is server_error (no error was named).
 */
const char *sg_status_oauth(enum sg_status st);

#endif
