/*
 * Small files read whole before the request loop: keys, secrets, the
 * client registry.  Every check is made on the open descriptor
 * (fstat), so what is checked is what is read.
 */
#ifndef SG_FILE_H
#define SG_FILE_H

#include <sys/types.h>
#include <sys/stat.h>

#include <stddef.h>

/*
 * Reads the regular file path, at most max bytes, into a new buffer
 * *out, NUL-terminated after its *len bytes (the caller frees it, after
 * OPENSSL_cleanse when it holds secrets).  A file whose mode has any
 * bit of deny set is refused: 077 readable or writable by group or
 * others, 007 by others, 0 any mode.  st, when not NULL, gets the
 * fstat of the file read.  Returns 0, or -1 with err (errlen bytes;
 * NULL when errlen is 0) set to "path: why".
 */
int	sg_file_read(const char *path, size_t max, mode_t deny,
	    struct stat *st, char **out, size_t *len, char *err,
	    size_t errlen);

/*
 * Reads a secret file: as sg_file_read() with deny 007 and at most
 * SG_MAX_KEY_FILE bytes, holding one line of 1..max printable ASCII
 * characters (one trailing line end dropped).  Returns a new string
 * (caller wipes with OPENSSL_cleanse and frees), or NULL with err set.
 */
char	*sg_file_secret(const char *path, size_t max, char *err,
	    size_t errlen);

#endif
