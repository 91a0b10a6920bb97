/*
 * Process data every program loads before its request loop (docs/DESIGN.md
 * "Process model"): the configuration, our keys, and where needed the
 * client registry, the ledger and the user mapping.  A failure stops
 * the program with a message naming what is wrong.
 */
#ifndef SG_PROC_H
#define SG_PROC_H

#include <stddef.h>

#include "bounds.h"
#include "response.h"
#include "status.h"

struct sg_clientauth;
struct sg_clients;
struct sg_config;
struct sg_form;
struct sg_http;
struct sg_identity;
struct sg_keys;
struct sg_ledger;
struct sg_oidc;
struct sg_param;
struct sg_request;
struct sg_upauth;

#define SG_NEED_CLIENTS		0x1u	/* clients_file required */
#define SG_NEED_LEDGER		0x2u
#define SG_NEED_IDENTITY	0x4u	/* user_map_file, if set */
#define SG_NEED_CLIENTAUTH	0x8u	/* client authentication; implies
					   SG_NEED_CLIENTS and SG_NEED_LEDGER
					   (assertion jti) */
#define SG_NEED_OIDC		0x20u	/* with login oidc: the identity
					   provider (oidc stays NULL with
					   login remote_user) */
#define SG_NEED_HTTP		0x40u	/* an HTTP client for the upstream
					   FHIR server */
#define SG_SEAL_ONLY		0x10u	/* master keys only: the program
					   signs nothing, so no signing key
					   is parsed (memory, start-up) */

struct sg_proc {
	struct sg_config	*cfg;
	struct sg_keys		*keys;
	struct sg_clients	*clients;	/* SG_NEED_CLIENTS */
	struct sg_ledger	*ledger;	/* SG_NEED_LEDGER */
	struct sg_identity	*identity;	/* SG_NEED_IDENTITY */
	struct sg_clientauth	*auth;		/* SG_NEED_CLIENTAUTH */
	struct sg_oidc		*oidc;		/* SG_NEED_OIDC */
	struct sg_http		*http;		/* SG_NEED_HTTP */
	/* Our pages, public_url + auth_path + SG_PATH_* (bounds.h). */
	char			*callback_url;
	char			*consent_url;
	char			*manage_url;
	char			*style_url;
	/*
	 * Headers of every request to the upstream FHIR server: Accept,
	 * and the gateway's own credential from upstream_fhir_token_file.
	 */
	const char		*fhir_headers[3];
	char			*upstream_auth;	/* "Authorization: Bearer …" */
	struct sg_upauth	*upauth;	/* the credential (upauth.h) */
};

/*
 * Names the program for the log and loads what need asks for.
 * Returns 0, or -1 after logging why (the caller exits).
 */
int	sg_proc_load(struct sg_proc *p, const char *program, unsigned need);
/*
 * The "Authorization: Bearer …" line of cfg's upstream_fhir_token_file
 * (one line of visible ASCII, readable by nobody else) in *line (caller
 * frees with sg_free_secret), or NULL when the setting is absent.
 * Returns 0, or -1 with err set.  sg_proc_load() calls it.
 */
int	sg_proc_upstream_token(const struct sg_config *cfg, char **line,
	    char *err, size_t errlen);

/* Frees everything loaded (wiping the upstream credential). */
void	sg_proc_free(struct sg_proc *p);

/*
 * Makes p->keys->sign hold the signing keys (parsed on first use under
 * plain CGI, see sg_proc_load()): call it before signing an id_token or
 * publishing the keys.  Returns SG_OK, or SG_E_INTERNAL after logging
 * which key file is wrong.
 */
enum sg_status sg_proc_signing(struct sg_proc *p,
	    const struct sg_request *req);

/*
 * Puts the gateway's current upstream credential into fhir_headers[1]
 * (a client-credentials token is fetched when due).  Returns SG_OK, or
 * what sg_upauth_header() returns.
 */
enum sg_status sg_proc_fhir_headers(struct sg_proc *p,
	    const struct sg_request *req);

/*
 * What a handler gives back with an error status, for the request loop
 * to render: desc (a constant, or a string in the form or in process
 * data; NULL: the status table's message), and, once the app's
 * redirect URI is trusted, where the error goes (RFC 6749 §4.1.2.1).
 */
struct sg_reply {
	const char	*desc;
	char		*redirect_uri;	/* sg_reply_redirect(); loop frees */
	char		*state;
	char		 buf[SG_MAX_ERROR_DESC]; /* room for a desc built
					   for this request */
};

/*
 * From now on errors go back to the app at redirect_uri (registered
 * for the client) with state (NULL: none), not to the endpoint's shape.
 */
void	sg_reply_redirect(struct sg_reply *r, const char *redirect_uri,
	    const char *state);

#define SG_EP_RELOAD	0x1u	/* reload the client registry per request */
#define SG_EP_CORS	0x2u	/* CORS for cfg's cors_origins */
#define SG_EP_MEDIA_400	0x4u	/* another body type is invalid_request,
				   400, not 415 (RFC 6749 §3.2) */
#define SG_EP_BAD_PARAMS 0x8u	/* parameters that failed reach the
				   handler (form->failed), to decide where
				   the error goes; a malformed or too
				   large input never does */

/*
 * One endpoint (one program) declared: what the request loop checks
 * before its handler runs, in this order: the URI length (414), the
 * client registry reload, CORS and its preflight, the method (405 with
 * Allow: methods; a plain OPTIONS gets 204 with Allow), the body's
 * type (415), the parameters (form.h).
 */
struct sg_endpoint {
	const char		*methods;	/* "GET, POST": Allow value */
	enum sg_shape		 shape;		/* errors of this endpoint */
	/* When set, the shape of this request's errors (by path). */
	enum sg_shape		(*shape_of)(const struct sg_request *,
				    void *arg);
	const struct sg_param	*params;	/* NULL: no parameters */
	size_t			 nparams;
	const char		*post_type;	/* POST body media type;
						   SG_FORM_TYPE with params */
	unsigned		 flags;		/* SG_EP_* */
	/*
	 * When set, CORS also for the Origin it accepts, judged
	 * against the client registry (whatever cfg's cors_origins).
	 */
	int			(*cors_origin)(const struct sg_clients *,
				    const char *origin);
	/*
	 * Answers the request (form holds the validated parameters)
	 * and returns SG_OK, or returns an error status for the loop
	 * to render with r.
	 */
	enum sg_status		(*handler)(struct sg_request *req, void *arg,
				    struct sg_form *form, struct sg_reply *r);
};

/*
 * The request loop: sg_request_init_process(), then for each request
 * the checks of ep, ep->handler(req, arg, ...), the error it returns
 * rendered, and sg_request_finish().  Returns 0 when the server closes
 * (or after the one request of plain CGI), -1 when the process cannot
 * serve at all.
 */
int	sg_proc_serve(struct sg_proc *p, const struct sg_endpoint *ep,
	    void *arg);

/*
 * The whole main() of a program whose handler needs only the process
 * data: sg_proc_load(), then sg_proc_serve() with the struct sg_proc as
 * the handler's arg, then sg_proc_free().  Returns the exit status.
 */
int	sg_proc_main(const char *program, unsigned need,
	    const struct sg_endpoint *ep);

/* public_url + auth_path + path, e.g. the token URL.  Caller frees. */
char	*sg_proc_auth_url(const struct sg_proc *p, const char *path);

#endif
