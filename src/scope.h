/*
 * SMART scopes (SMART App Launch 2.2, "Scopes and Launch Context"):
 * parsing one scope or a space-separated list (RFC 6749 §3.3), the
 * "is within" relation, limiting a request to what may be granted,
 * plain-words descriptions for the consent page, and the category
 * sub-scopes offered there (§"Finer-grained resource constraints using
 * search parameters").
 *
 * Unknown or malformed scopes are dropped, never widened.  A resource
 * scope remembers whether it was written in SMART v1 (.read, .write,
 * .*) or v2 (.cruds) syntax so that what is granted is written back the
 * way the app asked (§"Scopes for requesting FHIR Resources": servers
 * SHOULD return v1 scopes when v1 scopes are requested and granted).
 */
#ifndef SG_SCOPE_H
#define SG_SCOPE_H

#include <stddef.h>

#define SG_SCOPE_MAX_TOKEN	256	/* bytes in one scope token */
#define SG_SCOPE_MAX_TOKENS	64	/* scopes in one list */
#define SG_SCOPE_TYPE_MAX	64	/* bytes in a FHIR resource type name */
#define SG_SCOPE_DESCRIBE_MAX	512	/* a buffer this size holds any description */

enum sg_scope_kind {
	SG_SCOPE_NONE = 0,
	SG_SCOPE_RESOURCE,		/* (patient|user|system)/Type.perms[?query] */
	SG_SCOPE_OPENID,
	SG_SCOPE_FHIRUSER,
	SG_SCOPE_PROFILE,
	SG_SCOPE_LAUNCH,
	SG_SCOPE_LAUNCH_PATIENT,
	SG_SCOPE_LAUNCH_ENCOUNTER,
	SG_SCOPE_OFFLINE_ACCESS,
	SG_SCOPE_ONLINE_ACCESS
};

enum sg_scope_ctx {
	SG_CTX_NONE = 0,		/* not a resource scope */
	SG_CTX_PATIENT,
	SG_CTX_USER,
	SG_CTX_SYSTEM
};

/* Permission bits of a resource scope (v2 letters; v1 maps onto them). */
#define SG_PERM_C	0x01u	/* create */
#define SG_PERM_R	0x02u	/* read, vread, instance history */
#define SG_PERM_U	0x04u	/* update, patch */
#define SG_PERM_D	0x08u	/* delete */
#define SG_PERM_S	0x10u	/* search, type and system history */
#define SG_PERM_ALL	0x1fu

struct sg_scope {
	enum sg_scope_kind kind;
	enum sg_scope_ctx ctx;		/* resource scopes only */
	char		 type[SG_SCOPE_TYPE_MAX + 1]; /* "Observation" or "*" */
	unsigned int	 perms;		/* SG_PERM_* bits, never 0 */
	int		 v1;		/* written in SMART v1 syntax */
	char		*query;		/* "category=…|…" as sent, or NULL; owned */
	char		*text;		/* canonical text; owned, never NULL once parsed */
};

struct sg_scopes {
	struct sg_scope	*v;
	size_t		 n;
};

/* A category sub-scope offered on the consent page. */
struct sg_category {
	const char	*type;		/* "Observation" */
	const char	*system;	/* code system URI */
	const char	*code;		/* "laboratory" */
	const char	*label;		/* for a check box: "Lab results" */
	const char	*phrase;	/* inside a sentence: "lab results" */
};

/*
 * Parses one scope token (len bytes; need not be NUL-terminated) into
 * *out.  Returns 0, and out then owns text (and query) to be released
 * with sg_scope_free(); or -1 for a malformed or unknown token, with
 * *out zeroed and nothing to free.
 */
int	sg_scope_parse(const char *tok, size_t len, struct sg_scope *out);

/* Releases what a parsed scope owns and zeroes it; NULL is fine. */
void	sg_scope_free(struct sg_scope *s);

/* Makes *dst a deep copy of *src (dst must not own anything). */
void	sg_scope_copy(struct sg_scope *dst, const struct sg_scope *src);

/*
 * Parses a space-separated scope list (text may be NULL).  Only %x20
 * separates (RFC 6749 §3.3); repeated spaces collapse.  Malformed and
 * unknown tokens, tokens over SG_SCOPE_MAX_TOKEN bytes and everything
 * after the first SG_SCOPE_MAX_TOKENS tokens are dropped; exact
 * duplicates are removed; order is kept.  *out is overwritten (it owns
 * nothing before) and must be released with sg_scopes_free().
 */
void	sg_scopes_parse(const char *text, struct sg_scopes *out);

/* Releases a list and zeroes it; NULL is fine. */
void	sg_scopes_free(struct sg_scopes *l);

/*
 * Appends a copy of *s unless an equal text is already there or the
 * list holds SG_SCOPE_MAX_TOKENS.  Returns 1 if appended, else 0.
 */
int	sg_scopes_add(struct sg_scopes *l, const struct sg_scope *s);

/* The canonical texts joined by single spaces; "" for none (caller frees). */
char	*sg_scopes_string(const struct sg_scopes *l);

/*
 * 1 when everything narrow allows is allowed by wide: same kind; for
 * resource scopes the same context, wide type "*" or equal, narrow's
 * permissions a subset of wide's, and wide without a query or with
 * exactly narrow's query.  0 otherwise.
 */
int	sg_scope_within(const struct sg_scope *narrow,
	    const struct sg_scope *wide);

/*
 * What can be granted of requested under allowed: each requested scope
 * within some allowed scope is kept as is; a requested resource scope
 * only partly allowed becomes its intersection with each allowed scope
 * it overlaps (type, permissions and query narrowed; v1 syntax kept
 * where it can express the result).  Never wider than requested, never
 * wider than allowed; deduplicated; at most SG_SCOPE_MAX_TOKENS, and
 * narrowed scopes longer than SG_SCOPE_MAX_TOKEN are dropped.  *out is
 * overwritten and must be released with sg_scopes_free().
 */
void	sg_scopes_limit(const struct sg_scopes *requested,
	    const struct sg_scopes *allowed, struct sg_scopes *out);

/* 1 when the list holds a scope of this kind, else 0. */
int	sg_scopes_has(const struct sg_scopes *l, enum sg_scope_kind kind);

/* 1 when the list holds a resource scope in this context, else 0. */
int	sg_scopes_has_ctx(const struct sg_scopes *l, enum sg_scope_ctx ctx);

/*
 * Writes a plain-words description of s for people into buf (len
 * bytes; SG_SCOPE_DESCRIBE_MAX is always enough, shorter is truncated)
 * and returns buf.  Patient scopes read "your …", user scopes "… you
 * are allowed to see", system scopes "… in the whole system".
 */
const char *sg_scope_describe(const struct sg_scope *s, char *buf,
	    size_t len);

/* With SG_DESCRIBE_CHOSEN_PATIENT, patient scopes read "… of the patient you choose". */
#define SG_DESCRIBE_CHOSEN_PATIENT	0x01
const char *sg_scope_describe_ex(const struct sg_scope *s, int flags,
	    char *buf, size_t len);

/*
 * The category sub-scopes offered on consent for a resource type (a
 * static table), with their number in *n; NULL and 0 for other types.
 */
const struct sg_category *sg_scope_categories(const char *type, size_t *n);

/*
 * Builds into *out the category sub-scope of base, always in v2 syntax
 * with base's permissions, e.g. patient/Observation.rs?category=
 * http://terminology.hl7.org/CodeSystem/observation-category|laboratory
 * from patient/Observation.rs or patient/Observation.read.  Returns 0
 * (out owns its strings), or -1 when base is not a resource scope of
 * c's type without a query (*out zeroed).
 */
int	sg_scope_with_category(const struct sg_scope *base,
	    const struct sg_category *c, struct sg_scope *out);

#endif
