/*
 * Small files read whole (file.h).
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "file.h"
#include "bounds.h"
#include "mem.h"

int
sg_file_read(const char *path, size_t max, mode_t deny, struct stat *stp,
    char **out, size_t *lenp, char *err, size_t errlen)
{
	struct stat	 st;
	char		*buf = NULL;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd, rc = -1;

	*out = NULL;
	*lenp = 0;
	if ((fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	/* fstat on the open descriptor: no window between check and read. */
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if ((st.st_mode & deny) != 0) {
		if (deny & 070)
			snprintf(err, errlen, "%s: readable by group or others "
			    "(chmod 600 %s)", path, path);
		else
			snprintf(err, errlen, "%s: readable by others "
			    "(chmod o= %s)", path, path);
		goto out;
	}
	if (st.st_size < 0 || (unsigned long long)st.st_size > max) {
		snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
		goto out;
	}
	/* Room for one byte more than allowed, to notice a file that grew. */
	buf = sg_xcalloc(1, max + 2);
	for (;;) {
		n = read(fd, buf + len, max + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			snprintf(err, errlen, "%s: larger than %zu bytes",
			    path, max);
			goto out;
		}
	}
	buf[len] = '\0';
	if (stp != NULL)
		*stp = st;
	*out = buf;
	*lenp = len;
	buf = NULL;
	rc = 0;
out:
	close(fd);
	if (buf != NULL) {
		OPENSSL_cleanse(buf, len);
		free(buf);
	}
	return rc;
}

char *
sg_file_secret(const char *path, size_t max, char *err, size_t errlen)
{
	char		*buf = NULL, *secret = NULL;
	size_t		 len = 0, n, i;

	if (sg_file_read(path, SG_MAX_KEY_FILE, 007, NULL, &buf, &len, err,
	    errlen) == -1)
		return NULL;
	/* One trailing line end is not part of the secret. */
	n = len;
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	for (i = 0; i < n; i++)
		if ((unsigned char)buf[i] < 0x20 || (unsigned char)buf[i] > 0x7e)
			break;
	if (n == 0 || i < n || n > max) {
		snprintf(err, errlen, "%s: the secret must be one line of "
		    "1..%zu printable ASCII characters", path, max);
		goto done;
	}
	secret = sg_xstrndup(buf, n);
done:
	OPENSSL_cleanse(buf, len);
	free(buf);
	return secret;
}
