/*
 * The FHIR proxy's request classifier: method, path and query of a
 * request under our FHIR base to one FHIR R4 RESTful interaction
 * (FHIR R4 "RESTful API" §3.1.0), parsed strictly.  Anything that is
 * not exactly one interaction of the list below is refused: the proxy
 * fails closed on what it cannot classify.
 *
 * Path grammar, after the FHIR base (FHIR R4 http §3.1.0.1.1):
 *   ""                                system: batch/transaction (POST),
 *                                     search (GET, with or without _type),
 *   "/_search"                        system search (POST)
 *   "/_history"                       system history
 *   "/$op"                            system operation
 *   "/Type"                           search (GET), create (POST),
 *                                     conditional update/patch/delete
 *   "/Type/_search"                   search (POST)
 *   "/Type/_history"                  type history
 *   "/Type/$op"                       type operation
 *   "/Type/id"                        read, update, patch, delete
 *   "/Type/id/_history"               instance history
 *   "/Type/id/_history/vid"           vread
 *   "/Type/id/$op"                    instance operation
 *   "/Patient/id/Type"                compartment search (GET; only the
 *                                     Patient compartment)
 * Type is an R4 resource type (fhirdefs.h), id and vid FHIR ids
 * (sg_identity_id_ok), op [a-zA-Z][a-zA-Z0-9-]{0,63}.  Refused: any '%'
 * in the path (no legal segment needs one, so %2F, %2E and double
 * encoding never reach a parser), empty segments ("//", a trailing
 * '/', and "/" alone: the base itself is ""), "." and "..", unknown
 * types, any other shape.  A segment is read by its position:
 * "Patient/Observation" reads the Patient with id "Observation".
 *
 * The query (and a POST _search form body) is parsed into decoded
 * parameters: '&'-separated, '+' is a space, percent-decoded once,
 * NUL and control bytes refused, names [A-Za-z0-9_.:-]{1,SG_MAX_PARAM_NAME}
 * (modifiers, chains and _has keep their ':' and '.'), at most
 * SG_MAX_PARAMS, each value at most SG_MAX_PARAM_VALUE bytes.  A
 * repeated name is legal in FHIR (AND) and kept.  Empty pairs
 * ("a=1&&b=2", a trailing '&') are skipped; a pair without '=' is
 * refused; a value may be empty ("a="); values must be strict UTF-8
 * without C0 or C1 controls or DEL (sg_check_text, form.h); a name
 * starts with [A-Za-z0-9_].  A
 * conditional update, patch or delete needs at least one parameter.
 */
#ifndef SG_FHIRREQ_H
#define SG_FHIRREQ_H

#include <stddef.h>

#include "bounds.h"
#include "status.h"

struct sg_fhir_type;

enum sg_fhir_op {
	SG_FHIR_INVALID = 0,
	SG_FHIR_READ,			/* GET Type/id */
	SG_FHIR_VREAD,			/* GET Type/id/_history/vid */
	SG_FHIR_HISTORY_INSTANCE,	/* GET Type/id/_history */
	SG_FHIR_HISTORY_TYPE,		/* GET Type/_history */
	SG_FHIR_HISTORY_SYSTEM,		/* GET _history */
	SG_FHIR_SEARCH_TYPE,		/* GET Type, POST Type/_search */
	SG_FHIR_SEARCH_SYSTEM,		/* GET [base], POST _search */
	SG_FHIR_SEARCH_COMPARTMENT,	/* GET Patient/id/Type */
	SG_FHIR_CREATE,			/* POST Type */
	SG_FHIR_UPDATE,			/* PUT Type/id */
	SG_FHIR_UPDATE_COND,		/* PUT Type?query */
	SG_FHIR_PATCH,			/* PATCH Type/id */
	SG_FHIR_PATCH_COND,		/* PATCH Type?query */
	SG_FHIR_DELETE,			/* DELETE Type/id */
	SG_FHIR_DELETE_COND,		/* DELETE Type?query */
	SG_FHIR_BATCH,			/* POST [base]: batch or transaction */
	SG_FHIR_OPERATION,		/* [Type/[id/]]$op, GET or POST */
	SG_FHIR__MAX
};

struct sg_fhir_kv {
	char	*name;			/* decoded, with modifier: "code:text" */
	char	*value;			/* decoded */
};

struct sg_fhir_req {
	enum sg_fhir_op		 op;
	int			 post_search;	/* POST .../_search */
	/* The type acted on; NULL at system level.  For a compartment
	   search the type searched (Observation in Patient/x/Observation). */
	const struct sg_fhir_type *type;
	char			 id[SG_MAX_FHIR_ID + 1];	/* or "" */
	char			 vid[SG_MAX_FHIR_ID + 1];	/* or "" */
	char			 cid[SG_MAX_FHIR_ID + 1];	/* compartment
						   search: the Patient id */
	char			 opname[SG_MAX_FHIR_ID + 1]; /* without '$' */
	struct sg_fhir_kv	*params;	/* the query, then the form body */
	size_t			 nparams;
};

/*
 * Classifies one request.  method: "GET", "HEAD" (as GET), "POST",
 * "PUT", "PATCH", "DELETE"; path: the raw path after our FHIR base (""
 * or starting with '/'); query: the raw query string without '?' (may
 * be "" or NULL); form: for POST .../_search the raw
 * application/x-www-form-urlencoded body (NULL otherwise; its
 * parameters are appended after the query's; ignored for any other
 * interaction, whose body is no form).  out must be zeroed (or freed)
 * before; it is filled and must be released with sg_fhir_req_free()
 * whatever the result (on failure it is left zeroed, op
 * SG_FHIR_INVALID).  A NULL path or method is refused like a bad one.
 * The path is judged before the method: a bad path with a bad method
 * is SG_E_NOT_FOUND.
 * Returns SG_OK; SG_E_NOT_FOUND for a path that names no interaction
 * (unknown type, bad id, bad shape); SG_E_METHOD for a method the path
 * does not take; SG_E_BAD_REQUEST for a malformed query or body.  *why
 * (may be NULL) is then set to a constant saying why, for people.
 */
enum sg_status sg_fhir_req_parse(const char *method, const char *path,
	    const char *query, const char *form, struct sg_fhir_req *out,
	    const char **why);

/* Frees what r holds and zeroes it; NULL is fine. */
void	sg_fhir_req_free(struct sg_fhir_req *r);

/* Appends a parameter (both copied; a NULL value is ""). */
void	sg_fhir_req_add(struct sg_fhir_req *r, const char *name,
	    const char *value);

/*
 * The number of parameters whose name, up to any ':' modifier, is name
 * (exact, case-sensitive); with value (may be NULL) the first such
 * value is stored there (NULL when none).  The name is cut at the
 * first ':' only: count("subject") counts "subject", "subject:missing"
 * and the chain "subject:Patient.name", but not the chain without a
 * type "subject.name" nor "subjects"; count("_has") counts every
 * "_has:…".  A caller that cares about modifiers or chains reads the
 * names itself.  A NULL r or name counts 0.
 */
size_t	sg_fhir_req_count(const struct sg_fhir_req *r, const char *name,
	    const char **value);

/*
 * The path of r relative to a FHIR base, without a leading '/', as the
 * interaction above would be written (a compartment search as
 * "Patient/cid/Type"; a POST search with its "/_search"; "" for the
 * base: batch, GET search-system).  Caller frees.  NULL for
 * SG_FHIR_INVALID or a type-level op without its type.
 */
char	*sg_fhir_req_path(const struct sg_fhir_req *r);

/*
 * The parameters re-encoded as a query string without '?' ("" for
 * none): each name and value percent-encoded (RFC 3986 §2.1) except
 * unreserved characters and ",|:/$", a space as %20.  Reparsed, it
 * gives the same parameters in the same order, so that
 * query(parse(query(x))) is query(x).  Caller frees.
 */
char	*sg_fhir_req_query(const struct sg_fhir_req *r);

/*
 * A short constant naming op for logs: "read", "vread",
 * "history-instance", "history-type", "history-system", "search-type",
 * "search-system", "search-compartment", "create", "update",
 * "update-conditional", "patch", "patch-conditional", "delete",
 * "delete-conditional", "batch", "operation"; "invalid" for
 * SG_FHIR_INVALID and anything out of range.
 */
const char *sg_fhir_op_name(enum sg_fhir_op op);

#endif
