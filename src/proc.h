/*
 * Process data every program loads before its request loop (docs/DESIGN.md
 * "Process model"): the configuration, our keys, and where needed the
 * client registry, the ledger and the user mapping.  A failure stops
 * the program with a message naming what is wrong.
 */
#ifndef SG_PROC_H
#define SG_PROC_H

struct sg_clients;
struct sg_config;
struct sg_identity;
struct sg_keys;
struct sg_ledger;
struct sg_request;

#define SG_NEED_CLIENTS		0x1u	/* clients_file required */
#define SG_NEED_LEDGER		0x2u
#define SG_NEED_IDENTITY	0x4u	/* user_map_file, if set */

struct sg_proc {
	struct sg_config	*cfg;
	struct sg_keys		*keys;
	struct sg_clients	*clients;	/* SG_NEED_CLIENTS */
	struct sg_ledger	*ledger;	/* SG_NEED_LEDGER */
	struct sg_identity	*identity;	/* SG_NEED_IDENTITY */
	/*
	 * Headers of every request to the upstream FHIR server: Accept,
	 * and the gateway's own credential from upstream_fhir_token_file.
	 */
	const char		*fhir_headers[3];
	char			*upstream_auth;	/* "Authorization: Bearer …" */
};

/*
 * Names the program for the log and loads what need asks for.
 * Returns 0, or -1 after logging why (the caller exits).
 */
int	sg_proc_load(struct sg_proc *p, const char *program, unsigned need);
/* Frees everything loaded (wiping the upstream credential). */
void	sg_proc_free(struct sg_proc *p);

/* Picks up a changed client registry (per request; cheap when unchanged). */
void	sg_proc_reload(struct sg_proc *p, const struct sg_request *req);

/*
 * The request loop: sg_request_init_process(), then for each request
 * serve(req, arg) and sg_request_finish().  Returns 0 when the server
 * closes (or after the one request of plain CGI), -1 when the process
 * cannot serve at all.
 */
int	sg_proc_serve(void (*serve)(struct sg_request *, void *), void *arg);

/* public_url + auth_path + path, e.g. the token URL.  Caller frees. */
char	*sg_proc_auth_url(const struct sg_proc *p, const char *path);

#endif
