/*
 * Allocation helpers shared by every module: out of memory aborts the
 * process (docs/DESIGN.md "Code rules"), so callers never test for NULL.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "mem.h"

void *
sg_xmalloc(size_t n)
{
	void	*p;

	if ((p = malloc(n == 0 ? 1 : n)) == NULL)
		abort();
	return p;
}

void *
sg_xcalloc(size_t n, size_t size)
{
	void	*p;

	if ((p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size)) == NULL)
		abort();
	return p;
}

void *
sg_xrealloc(void *p, size_t n)
{
	/* realloc(p, 0) may free p and return NULL: never ask for 0. */
	if ((p = realloc(p, n == 0 ? 1 : n)) == NULL)
		abort();
	return p;
}

char *
sg_xstrdup(const char *s)
{
	return sg_xstrndup(s, strlen(s));
}

char *
sg_xstrndup(const char *s, size_t n)
{
	char	*p;

	if (n == SIZE_MAX)
		abort();
	p = sg_xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
sg_xconcat(const char *a, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b);
	char	*p;

	if (la > SIZE_MAX - 1 - lb)
		abort();
	p = sg_xmalloc(la + lb + 1);
	memcpy(p, a, la);
	memcpy(p + la, b, lb + 1);
	return p;
}

void
sg_free_secret(char *s)
{
	if (s == NULL)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}
