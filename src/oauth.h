/*
 * OAuth 2.0 protocol pieces shared by the authorization programs:
 * PKCE (RFC 7636), redirects back to the app (RFC 6749 §4.1.2, with
 * the "iss" of RFC 9207), HTTP Basic client credentials (RFC 6749
 * §2.3.1).
 */
#ifndef SG_OAUTH_H
#define SG_OAUTH_H

#include <stddef.h>

#include "status.h"

struct sg_config;
struct sg_request;

/* RFC 7636 §4.2: an S256 challenge is 43 base64url characters. */
int	sg_oauth_challenge_ok(const char *s);

/* RFC 7636 §4.1: a verifier is 43..128 characters of [A-Za-z0-9-._~]. */
int	sg_oauth_verifier_ok(const char *s);

/* The same as a validator of an input table (form.h). */
int	sg_oauth_check_challenge(const char *v, size_t len);

/* BASE64URL(SHA256(verifier)) into out (44 bytes with the NUL). */
void	sg_oauth_pkce_challenge(const char *verifier, char out[44]);

/* 1 when S256(verifier) equals challenge (constant time). */
int	sg_oauth_pkce_match(const char *verifier, const char *challenge);

/*
 * Sends the browser back to the app with an error (RFC 6749 §4.1.2.1):
 * error (st's OAuth code in the status table), error_description
 * (desc, or the table's message when NULL), state (when the app sent
 * one) and iss.  redirect_uri must already be known to be registered
 * for the client.
 */
void	sg_oauth_redirect_error(struct sg_request *req,
	    const struct sg_config *cfg, const char *redirect_uri,
	    enum sg_status st, const char *desc, const char *state);

/* Sends the browser back to the app with code, state and iss. */
void	sg_oauth_redirect_code(struct sg_request *req,
	    const struct sg_config *cfg, const char *redirect_uri,
	    const char *code, const char *state);

/*
 * Client credentials from "Authorization: Basic" (RFC 6749 §2.3.1:
 * both form-urlencoded before base64).  Returns 1 and new strings in
 * *id and *secret, 0 when there is no Basic header, -1 when it is
 * malformed.
 */
int	sg_oauth_basic(const struct sg_request *req, char **id, char **secret);

/*
 * The header line "Authorization: Basic …" of client_secret_basic
 * (RFC 6749 §2.3.1) for id and secret.  Caller wipes and frees.
 */
char	*sg_oauth_basic_header(const char *id, const char *secret);

#endif
