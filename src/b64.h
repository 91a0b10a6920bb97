/*
 * base64url without padding (RFC 4648 §5, as JOSE uses it: RFC 7515 §2)
 * and standard base64 where a protocol needs it (HTTP Basic).
 */
#ifndef SG_B64_H
#define SG_B64_H

#include <stddef.h>

/* Encodes len bytes; returns a new NUL-terminated string (caller frees). */
char	*sg_b64url_encode(const void *data, size_t len);

/*
 * Decodes base64url text (len chars; no padding, no whitespace; '='
 * refused).  Returns a new buffer with a NUL after the data (caller
 * frees) and its length in *outlen, or NULL on malformed input,
 * including non-zero trailing bits.
 */
unsigned char *sg_b64url_decode(const char *text, size_t len, size_t *outlen);

/* Standard base64 with padding (RFC 4648 §4), strict, same contract. */
unsigned char *sg_b64_decode(const char *text, size_t len, size_t *outlen);
/* Standard base64 with padding of len bytes (caller frees). */
char	*sg_b64_encode(const void *data, size_t len);

#endif
