/*
 * Fuzz target for b64.c: both decoders on arbitrary text.  Invariants:
 * a strict decoder accepts only canonical text, so re-encoding what it
 * decoded gives the input back; encoding then decoding is the identity.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_decoder(unsigned char *(*dec)(const char *, size_t, size_t *),
    char *(*enc)(const void *, size_t), const uint8_t *data, size_t size)
{
	unsigned char	*out;
	size_t		 len = 0;
	char		*again;

	if ((out = dec((const char *)data, size, &len)) == NULL)
		return;
	if (out[len] != '\0')
		abort();
	again = enc(out, len);
	if (strlen(again) != size || memcmp(again, data, size) != 0)
		abort();
	free(again);
	free(out);
}

static void
check_encoder(unsigned char *(*dec)(const char *, size_t, size_t *),
    char *(*enc)(const void *, size_t), const uint8_t *data, size_t size)
{
	unsigned char	*out;
	size_t		 len = 0;
	char		*text;

	text = enc(data, size);
	if ((out = dec(text, strlen(text), &len)) == NULL)
		abort();
	if (len != size || memcmp(out, data, size) != 0)
		abort();
	free(out);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_decoder(sg_b64url_decode, sg_b64url_encode, data, size);
	check_decoder(sg_b64_decode, sg_b64_encode, data, size);
	check_encoder(sg_b64url_decode, sg_b64url_encode, data, size);
	check_encoder(sg_b64_decode, sg_b64_encode, data, size);
	return 0;
}
