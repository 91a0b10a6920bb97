/*
 * Program start-up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clients.h"
#include "config.h"
#include "identity.h"
#include "keys.h"
#include "ledger.h"
#include "log.h"
#include "mem.h"
#include "proc.h"
#include "request.h"

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
