/*
 * Fuzz target for seal.c: sg_unseal() on arbitrary text with a fixed
 * key set ("fz1", "fz2"), for two purposes; and seal/unseal round trips
 * of arbitrary data.  Nothing but a round trip may ever open.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "seal.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_NOW	((time_t)1700000000)

/* Secrets: fz1 = bytes 0..31, fz2 = 48 bytes of 0x5a (see corpus). */
static void
fuzz_keys(struct sg_keys *k)
{
	size_t	 i;

	memset(k, 0, sizeof(*k));
	snprintf(k->master[0].kid, sizeof(k->master[0].kid), "fz1");
	for (i = 0; i < 32; i++)
		k->master[0].secret[i] = (unsigned char)i;
	k->master[0].len = 32;
	snprintf(k->master[1].kid, sizeof(k->master[1].kid), "fz2");
	memset(k->master[1].secret, 0x5a, 48);
	k->master[1].len = 48;
	k->nmaster = 2;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const purposes[] = { SG_PURPOSE_CODE,
	    SG_PURPOSE_REFRESH };
	struct sg_keys		 k;
	unsigned char		*out = NULL;
	size_t			 i, len = 0;
	char			*env;
	enum sg_seal_result	 r;

	fuzz_keys(&k);
	for (i = 0; i < 2; i++) {
		r = sg_unseal(&k, purposes[i], FUZZ_NOW, (const char *)data,
		    size, &out, &len);
		if (r == SG_SEAL_OK) {
			if (out == NULL || out[len] != '\0')
				abort();
			free(out);
		} else if (out != NULL || len != 0)
			abort();
	}
	/* Round trip: what we seal opens, for this purpose only. */
	if (size <= 1024) {
		env = sg_seal(&k, SG_PURPOSE_LAUNCH, FUZZ_NOW + 60, data, size);
		if (env == NULL)
			abort();
		if (sg_unseal(&k, SG_PURPOSE_LAUNCH, FUZZ_NOW, env, strlen(env),
		    &out, &len) != SG_SEAL_OK || len != size ||
		    memcmp(out, data, size) != 0)
			abort();
		free(out);
		if (sg_unseal(&k, SG_PURPOSE_CSRF, FUZZ_NOW, env, strlen(env),
		    &out, &len) != SG_SEAL_BAD)
			abort();
		free(env);
	}
	return 0;
}
