/*
 * Fuzz target for clients.c: arbitrary bytes through sg_clients_parse().
 * Every registry accepted must hold what clients.h promises: sorted,
 * unique ids that sg_clients_find() returns, redirect URIs that match
 * themselves exactly and nothing shorter, a scope and grant bits; and
 * every URL it took is one the rest of smartgate takes too (url.h): a
 * redirect URI has an origin in lower case (token CORS, consent
 * form-action), a jwks_uri is one clientauth.c fetches.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "clients.h"
#include "url.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_client(const struct sg_clients *reg, const struct sg_client *cl)
{
	size_t	 i, len;
	char	*cut, *o;

	if (sg_clients_find(reg, cl->client_id) != cl)
		abort();
	len = strlen(cl->client_id);
	if (len == 0 || len > SG_MAX_CLIENT_ID || cl->scope == NULL ||
	    cl->grant_types == 0 ||
	    (cl->grant_types & ~(SG_GRANT_CODE | SG_GRANT_REFRESH |
	    SG_GRANT_CLIENT_CREDENTIALS)) != 0)
		abort();
	if ((cl->grant_types & SG_GRANT_CODE) && cl->nredirect_uris == 0)
		abort();
	if (cl->has_secret != (cl->auth_method == SG_AUTH_SECRET_BASIC ||
	    cl->auth_method == SG_AUTH_SECRET_POST))
		abort();
	if (cl->auth_method == SG_AUTH_PRIVATE_KEY_JWT &&
	    (cl->nkeys == 0) == (cl->jwks_uri == NULL))
		abort();
	if (cl->jwks_uri != NULL && !sg_url_https_or_loopback(cl->jwks_uri))
		abort();
	for (i = 0; i < cl->nredirect_uris; i++) {
		if (!sg_client_redirect_ok(cl, cl->redirect_uris[i]) ||
		    strpbrk(cl->redirect_uris[i], "\r\n# ") != NULL)
			abort();
		if (!sg_url_https_or_loopback(cl->redirect_uris[i]) ||
		    (o = sg_url_origin(cl->redirect_uris[i])) == NULL ||
		    strstr(o, "://") == NULL ||
		    strpbrk(strstr(o, "://") + 3,
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ/?#@") != NULL ||
		    (strncmp(o, "https://", 8) != 0 &&
		    strncmp(o, "http://", 7) != 0))
			abort();
		free(o);
		len = strlen(cl->redirect_uris[i]);
		cut = strdup(cl->redirect_uris[i]);
		if (cut == NULL)
			abort();
		cut[len - 1] = '\0';
		/* A shorter string may match only another registered URI. */
		if (sg_client_redirect_ok(cl, cut)) {
			size_t	 j;

			for (j = 0; j < cl->nredirect_uris; j++)
				if (strcmp(cl->redirect_uris[j], cut) == 0)
					break;
			if (j == cl->nredirect_uris)
				abort();
		}
		free(cut);
	}
	if (sg_client_secret_ok(cl, "", 0))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_clients	*reg = NULL;
	char			 err[512];
	size_t			 i;
	int			 rc;

	if (size > 65536)
		return 0;
	err[0] = '\0';
	rc = sg_clients_parse("fuzz.json", (const char *)data, size, &reg,
	    err, sizeof(err));
	if (rc == -1) {
		/* "fuzz.json: why", or "fuzz.json:LINE: JSON: why". */
		if (reg != NULL || strncmp(err, "fuzz.json:", 10) != 0 ||
		    (err[10] != ' ' && (err[10] < '1' || err[10] > '9')))
			abort();
		return 0;
	}
	if (rc != 0 || reg == NULL)
		abort();
	for (i = 0; i < reg->nclients; i++) {
		if (i > 0 && strcmp(reg->clients[i - 1].client_id,
		    reg->clients[i].client_id) >= 0)
			abort();
		check_client(reg, &reg->clients[i]);
	}
	sg_clients_free(reg);
	return 0;
}
