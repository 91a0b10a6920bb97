/*
 * Fuzz target: the upstream CapabilityStatement rewrite, which parses
 * whatever the FHIR server sends.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "config.h"
#include "discovery.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char	 public_url[] = "https://gw.example.org",
			 fhir_path[] = "/fhir", auth_path[] = "/auth",
			 fhir_base[] = "https://gw.example.org/fhir",
			 upstream[] = "http://10.0.0.1:8080/fhir",
			 site[] = "smartgate";
	struct sg_config cfg;
	json_object	*doc;

	memset(&cfg, 0, sizeof(cfg));
	cfg.public_url = public_url;
	cfg.fhir_path = fhir_path;
	cfg.auth_path = auth_path;
	cfg.fhir_base = fhir_base;
	cfg.upstream_fhir = upstream;
	cfg.site_name = site;
	doc = sg_discovery_capability(&cfg, ~0u, (const char *)data, size);
	if (doc != NULL)
		(void)json_object_to_json_string(doc);
	json_object_put(doc);
	return 0;
}
