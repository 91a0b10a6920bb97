/*
 * The gateway's own credential at the upstream FHIR server, one of:
 * none (a trusted network), a static bearer token
 * (upstream_fhir_token_file, loaded by proc.h), or OAuth 2.0 client
 * credentials (RFC 6749 §4.4) at upstream_token_url with
 * client_secret_basic, as Azure Health Data Services wants with Entra
 * ID.  A fetched token is kept until shortly before it expires, and
 * shared by the processes of the machine through a file of mode 0600
 * beside the LMDB ledger, so that a hundred processes do not each ask
 * for one.  The app's access token is never sent upstream.
 */
#ifndef SG_UPAUTH_H
#define SG_UPAUTH_H

#include <stddef.h>

#include "status.h"

struct sg_config;
struct sg_request;
struct sg_upauth;

/*
 * For cfg, and static_line, the header line of upstream_fhir_token_file
 * or NULL (both kept, not copied: they outlive u).  Returns NULL with
 * err set when the client secret cannot be read.
 */
struct sg_upauth *sg_upauth_new(const struct sg_config *cfg,
	    const char *static_line, char *err, size_t errlen);
/* Frees u (wiping the secret and the token); NULL is fine. */
void	sg_upauth_free(struct sg_upauth *u);

/*
 * Sets *line to the "Authorization: Bearer …" header line for the
 * next upstream request (owned by u, valid until the next call), or to
 * NULL when the gateway presents no credential.  Returns SG_OK, or
 * SG_E_UPSTREAM / SG_E_UPSTREAM_TIMEOUT when a token was needed and
 * could not be obtained (logged, without the secret).
 */
enum sg_status sg_upauth_header(struct sg_upauth *u,
	    const struct sg_request *req, const char **line);

#endif
