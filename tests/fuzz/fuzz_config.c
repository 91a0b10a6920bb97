/*
 * Fuzz target for src/config.c: the whole parser over a memory buffer
 * (sg_config_parse), with the invariants of an accepted configuration.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "url.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_config	*cfg = NULL;
	char			 err[256];
	char			*o;
	size_t			 n, i;

	if (sg_config_parse("fuzz.conf", (const char *)data, size, &cfg, err,
	    sizeof(err)) == -1) {
		if (cfg != NULL || strncmp(err, "fuzz.conf", 9) != 0)
			abort();
		return 0;
	}
	if (cfg == NULL || cfg->public_url == NULL ||
	    cfg->upstream_fhir == NULL || cfg->nsigning_keys == 0 ||
	    cfg->nsigning_keys > 8 || cfg->master_key_file == NULL ||
	    cfg->templates_dir == NULL || cfg->fhir_base == NULL ||
	    cfg->issuer == NULL || cfg->ledger == NULL ||
	    cfg->ncors_origins > 32)
		abort();
	n = strlen(cfg->public_url);
	if (n == 0 || cfg->public_url[n - 1] == '/')
		abort();
	if (strncmp(cfg->fhir_base, cfg->public_url, n) != 0 ||
	    strcmp(cfg->fhir_base + n, cfg->fhir_path) != 0)
		abort();
	if (cfg->access_token_ttl < 60 || cfg->access_token_ttl > 3600 ||
	    cfg->code_ttl < 10 || cfg->code_ttl > 60)
		abort();
	/* Origins are kept as url.h makes them: normalising is idempotent. */
	for (i = 0; i < cfg->ncors_origins; i++) {
		if ((o = sg_url_origin(cfg->cors_origins[i])) == NULL ||
		    strcmp(o, cfg->cors_origins[i]) != 0)
			abort();
		free(o);
	}
	if (sg_url_check(cfg->public_url, SG_URL_HTTP | SG_URL_NO_QUERY) !=
	    NULL || sg_url_path(cfg->issuer) == NULL)
		abort();
	sg_config_free(cfg);
	return 0;
}
