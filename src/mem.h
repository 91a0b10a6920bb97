/*
 * Allocation that cannot fail: out of memory aborts the process and
 * Apache starts a new one (docs/DESIGN.md).  Every pointer returned is the
 * caller's to free().
 */
#ifndef SG_MEM_H
#define SG_MEM_H

#include <stddef.h>

/* malloc(n); n == 0 still gives a unique non-NULL pointer. */
void	*sg_xmalloc(size_t n);

/* calloc(n, size), zeroed; a zero count or size is taken as 1. */
void	*sg_xcalloc(size_t n, size_t size);

/* realloc(p, n); n == 0 keeps a 1-byte block instead of freeing p. */
void	*sg_xrealloc(void *p, size_t n);

/* A copy of the NUL-terminated string s. */
char	*sg_xstrdup(const char *s);

/* A copy of exactly n bytes of s (NULs included) plus a NUL. */
char	*sg_xstrndup(const char *s, size_t n);

/* A new string holding a followed by b. */
char	*sg_xconcat(const char *a, const char *b);

/* Wipes the NUL-terminated secret s (OPENSSL_cleanse), frees it; NULL is fine. */
void	 sg_free_secret(char *s);

#endif
