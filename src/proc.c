/*
 * Program start-up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "clients.h"
#include "config.h"
#include "file.h"
#include "identity.h"
#include "keys.h"
#include "ledger.h"
#include "limits.h"
#include "log.h"
#include "mem.h"
#include "proc.h"
#include "request.h"

/*
 * The bearer token the gateway presents to the upstream FHIR server
 * (a file: one line, visible ASCII, readable by nobody else).
 */
static int
upstream_token(struct sg_proc *p, char *err, size_t errlen)
{
	char	*text = NULL, *line;
	size_t	 len, i;

	p->fhir_headers[0] = "Accept: application/fhir+json";
	if (p->cfg->upstream_fhir_token_file == NULL)
		return 0;
	if (sg_file_read(p->cfg->upstream_fhir_token_file, SG_MAX_KEY_FILE,
	    077, NULL, &text, &len, err, errlen) == -1)
		return -1;
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		text[--len] = '\0';
	for (i = 0; i < len; i++)
		if (text[i] <= 0x20 || text[i] >= 0x7f)
			break;
	if (len == 0 || i < len) {
		snprintf(err, errlen, "%s: upstream_fhir_token_file %s: one "
		    "line of visible ASCII expected", p->cfg->path,
		    p->cfg->upstream_fhir_token_file);
		OPENSSL_cleanse(text, len);
		free(text);
		return -1;
	}
	line = sg_xconcat("Authorization: Bearer ", text);
	OPENSSL_cleanse(text, len);
	free(text);
	p->upstream_auth = line;
	p->fhir_headers[1] = line;
	return 0;
}

int
sg_proc_load(struct sg_proc *p, const char *program, unsigned need)
{
	char	 err[512];

	memset(p, 0, sizeof(*p));
	sg_log_init(program);
	if ((p->cfg = sg_config_from_env()) == NULL)
		return -1;
	if ((p->keys = sg_keys_load(p->cfg->signing_keys,
	    p->cfg->nsigning_keys, p->cfg->master_key_file, err,
	    sizeof(err))) == NULL)
		goto fail;
	if (upstream_token(p, err, sizeof(err)) == -1)
		goto fail;
	if (need & SG_NEED_CLIENTS) {
		if (p->cfg->clients_file == NULL) {
			snprintf(err, sizeof(err), "%s: clients_file: required "
			    "by %s", p->cfg->path, program);
			goto fail;
		}
		if ((p->clients = sg_clients_load(p->cfg->clients_file, err,
		    sizeof(err))) == NULL)
			goto fail;
	}
	if ((need & SG_NEED_LEDGER) &&
	    (p->ledger = sg_ledger_open(p->cfg->ledger, err,
	    sizeof(err))) == NULL)
		goto fail;
	if (p->ledger != NULL)	/* -1 for "none": nothing to size */
		(void)sg_ledger_set_map_size(p->ledger,
		    (size_t)p->cfg->ledger_map_size);
	if ((need & SG_NEED_IDENTITY) &&
	    (p->identity = sg_identity_load(p->cfg->user_map_file, err,
	    sizeof(err))) == NULL)
		goto fail;
	return 0;
fail:
	sg_log(NULL, SG_LOG_ERR, "%s", err);
	sg_proc_free(p);
	return -1;
}

void
sg_proc_free(struct sg_proc *p)
{
	sg_identity_free(p->identity);
	sg_ledger_close(p->ledger);
	sg_clients_free(p->clients);
	sg_keys_free(p->keys);
	sg_config_free(p->cfg);
	if (p->upstream_auth != NULL) {
		OPENSSL_cleanse(p->upstream_auth, strlen(p->upstream_auth));
		free(p->upstream_auth);
	}
	memset(p, 0, sizeof(*p));
}

int
sg_proc_serve(void (*serve)(struct sg_request *, void *), void *arg)
{
	struct sg_request	 req;

	memset(&req, 0, sizeof(req));
	if (sg_request_init_process() == -1)
		return -1;
	while (sg_request_accept(&req) > 0) {
		serve(&req, arg);
		sg_request_finish(&req);
	}
	return 0;
}

void
sg_proc_reload(struct sg_proc *p, const struct sg_request *req)
{
	if (p->clients != NULL)
		(void)sg_clients_reload(&p->clients, p->cfg->clients_file, req);
}

char *
sg_proc_auth_url(const struct sg_proc *p, const char *path)
{
	char	*base, *url;

	base = sg_xconcat(p->cfg->public_url, p->cfg->auth_path);
	url = sg_xconcat(base, path);
	free(base);
	return url;
}
