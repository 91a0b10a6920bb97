/*
 * base64url without padding (RFC 4648 §5) and standard base64 with
 * padding (RFC 4648 §4).  Both decoders are strict: one alphabet, no
 * whitespace, and non-zero trailing bits are refused (RFC 4648 §3.5)
 * so that every byte string has exactly one encoding.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "mem.h"

static const char b64url_alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char b64std_alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Value of c in the alphabet whose 62nd/63rd characters are c62/c63, or -1. */
static int
b64_value(unsigned char c, char c62, char c63)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (unsigned char)c62)
		return 62;
	if (c == (unsigned char)c63)
		return 63;
	return -1;
}

static char *
encode(const char *alpha, int pad, const void *data, size_t len)
{
	const unsigned char	*in = data;
	char			*out, *p;
	size_t			 i, olen;
	uint32_t		 v;

	if (len > (SIZE_MAX - 4) / 4 * 3)
		abort();
	olen = (len + 2) / 3 * 4;
	p = out = sg_xmalloc(olen + 1);
	for (i = 0; i + 3 <= len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		*p++ = alpha[v >> 18 & 63];
		*p++ = alpha[v >> 12 & 63];
		*p++ = alpha[v >> 6 & 63];
		*p++ = alpha[v & 63];
	}
	if (len - i == 1) {
		v = (uint32_t)in[i] << 16;
		*p++ = alpha[v >> 18 & 63];
		*p++ = alpha[v >> 12 & 63];
		if (pad) {
			*p++ = '=';
			*p++ = '=';
		}
	} else if (len - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		*p++ = alpha[v >> 18 & 63];
		*p++ = alpha[v >> 12 & 63];
		*p++ = alpha[v >> 6 & 63];
		if (pad)
			*p++ = '=';
	}
	*p = '\0';
	return out;
}

/*
 * Decodes len characters of unpadded text in the given alphabet.
 * A final group of 1 character is impossible; the unused low bits of
 * a final group of 2 or 3 characters must be zero.
 */
static unsigned char *
decode(char c62, char c63, const char *text, size_t len, size_t *outlen)
{
	unsigned char	*out = NULL, *p;
	size_t		 i, rem;
	uint32_t	 v;
	int		 d[4], k;

	if (text == NULL || outlen == NULL)
		return NULL;
	rem = len % 4;
	if (rem == 1)
		return NULL;
	p = out = sg_xmalloc(len / 4 * 3 + (rem ? rem - 1 : 0) + 1);
	for (i = 0; i < len; i += 4) {
		int n = (len - i >= 4) ? 4 : (int)(len - i);

		for (k = 0; k < n; k++)
			if ((d[k] = b64_value((unsigned char)text[i + k],
			    c62, c63)) < 0)
				goto fail;
		v = 0;
		for (k = 0; k < n; k++)
			v |= (uint32_t)d[k] << (18 - 6 * k);
		if (n == 4) {
			*p++ = v >> 16 & 0xff;
			*p++ = v >> 8 & 0xff;
			*p++ = v & 0xff;
		} else if (n == 3) {
			if (v & 0xff)
				goto fail;
			*p++ = v >> 16 & 0xff;
			*p++ = v >> 8 & 0xff;
		} else {
			if (v & 0xffff)
				goto fail;
			*p++ = v >> 16 & 0xff;
		}
	}
	*p = '\0';
	*outlen = (size_t)(p - out);
	return out;
fail:
	free(out);
	return NULL;
}

char *
sg_b64url_encode(const void *data, size_t len)
{
	return encode(b64url_alpha, 0, data, len);
}

unsigned char *
sg_b64url_decode(const char *text, size_t len, size_t *outlen)
{
	return decode('-', '_', text, len, outlen);
}

char *
sg_b64_encode(const void *data, size_t len)
{
	return encode(b64std_alpha, 1, data, len);
}

unsigned char *
sg_b64_decode(const char *text, size_t len, size_t *outlen)
{
	size_t	 npad = 0;

	if (text == NULL || outlen == NULL)
		return NULL;
	/* Padded form: whole groups of 4, at most two '=' at the very end. */
	if (len % 4 != 0)
		return NULL;
	while (npad < 2 && npad < len && text[len - 1 - npad] == '=')
		npad++;
	/* A third '=' or a lone "==" group is malformed; decode() refuses '='. */
	return decode('+', '/', text, len - npad, outlen);
}
