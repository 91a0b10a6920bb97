/*
 * Client authentication at the token endpoint (RFC 6749 §2.3), by the
 * method the client registered (token_endpoint_auth_method, RFC 7591
 * §2):
 *
 *   client_secret_basic  "Authorization: Basic" (RFC 6749 §2.3.1)
 *   client_secret_post   client_id + client_secret in the body
 *   none                 a public client names itself with client_id
 *                        (PKCE is the caller's to check, RFC 7636)
 *   private_key_jwt      client_assertion_type + client_assertion
 *                        (RFC 7521 §4.2, RFC 7523 §2.2 and §3), RS384
 *                        or ES384 as SMART App Launch
 *                        "client-confidential-asymmetric" requires
 *
 * Exactly one method per request (RFC 6749 §2.3: the client "MUST NOT
 * use more than one authentication method in each request").
 *
 * A private_key_jwt client's keys come from its inline jwks or from its
 * jwks_uri, fetched (https, or http on loopback) into a jwkscache.h
 * cache: kept per URL for SG_TTL_CLIENT_JWKS seconds (monotonic clock),
 * fetched again early when a kid is not found, and after a failure, at
 * most once per SG_CLIENT_JWKS_REFETCH_MIN seconds per URL.  Only RS384
 * and ES384 keys are kept from it.
 * A "jku" header is only accepted when it is exactly the registered
 * jwks_uri: nothing is ever fetched from a URL the client did not
 * register (SMART "client-confidential-asymmetric").
 */
#ifndef SG_CLIENTAUTH_H
#define SG_CLIENTAUTH_H

#include <time.h>

#include "bounds.h"
#include "form.h"
#include "status.h"

struct sg_client;
struct sg_clients;
struct sg_ledger;
struct sg_request;

/* Process data: an HTTP handle and the jwks_uri cache. */
struct sg_clientauth;

/*
 * A new authenticator; timeout_ms and ca_file as for sg_http_new();
 * token_url (copied) is the aud a client assertion must carry, the token
 * endpoint's URL at every endpoint a client authenticates to (RFC 7523
 * §3 allows it).  Returns NULL on failure (free with
 * sg_clientauth_free()).
 */
struct sg_clientauth *sg_clientauth_new(long timeout_ms, const char *ca_file,
	    const char *token_url);

/* Frees the HTTP handle and the cache; NULL is a no-op. */
void	sg_clientauth_free(struct sg_clientauth *a);

/*
 * The token request's parameters, NULL when absent.  All are borrowed;
 * the caller wipes its copy of client_secret.
 */
struct sg_clientauth_in {
	const char	*client_id;
	const char	*client_secret;
	const char	*assertion_type;	/* client_assertion_type */
	const char	*assertion;		/* client_assertion */
};

/*
 * Those parameters as consecutive rows of an endpoint's input table
 * (form.h), in the order of struct sg_clientauth_in: every endpoint that
 * authenticates clients takes them alike.
 */
#define SG_CLIENTAUTH_NPARAMS	4
#define SG_CLIENTAUTH_PARAMS						\
	{ "client_id", SG_MAX_CLIENT_ID, sg_check_token, 0, 0 },	\
	{ "client_secret", SG_MAX_CLIENT_SECRET, sg_check_token, 0, 0 }, \
	{ "client_assertion_type", SG_MAX_KEYWORD, sg_check_token, 0, 0 }, \
	{ "client_assertion", SG_MAX_JWT, sg_check_token, 0, 0 }

/* Points in at f's values of the SG_CLIENTAUTH_PARAMS rows that start at
   row first (borrowed from f). */
void	sg_clientauth_in_form(struct sg_clientauth_in *in,
	    const struct sg_form *f, size_t first);

/*
 * Authenticates the client of a token request (the Basic header is read
 * from req) and on SG_OK stores its registration (borrowed from reg) in
 * *client.  now is the current time; a client assertion's jti is recorded in ledger
 * until its exp (RFC 7523 §3 item 7).
 *
 * Returns SG_OK; SG_E_BAD_REQUEST (invalid_request) for more than one
 * method, a half-given assertion or a client_secret without client_id;
 * SG_E_INVALID_CLIENT (RFC 7521 §4.2.1, RFC 6749 §5.2) for any failed
 * authentication; SG_E_UNAVAILABLE when the ledger cannot be used (fail
 * closed).  *why gets a short text for error_description (static, never
 * a secret, generic enough not to reveal which clients exist).  Every
 * failure is logged once with the client id claimed and the reason.
 */
enum sg_status sg_clientauth_check(struct sg_clientauth *a,
	    const struct sg_request *req, const struct sg_clients *reg,
	    struct sg_ledger *ledger, time_t now,
	    const struct sg_clientauth_in *in, const struct sg_client **client,
	    const char **why);

#endif
