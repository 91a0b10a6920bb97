/*
 * One line per call to stderr, which Apache copies into its error log.
 * Anything outside printable ASCII is replaced so that no input can
 * forge or split a line.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "log.h"
#include "bounds.h"
#include "request.h"

/* Process data: set once at start-up, read-only afterwards. */
static char log_program[SG_MAX_LOG_PROGRAM + 1] = "-";
static char *log_cap;		/* sg_log_capture(), a tool's buffer */
static size_t log_caplen;

static const char *const log_levels[] = {
	[SG_LOG_ERR] = "err",
	[SG_LOG_WARN] = "warn",
	[SG_LOG_INFO] = "info",
	[SG_LOG_DEBUG] = "debug",
};

/*
 * Replaces every byte outside printable ASCII (CR, LF, other controls,
 * DEL and any byte >= 0x80, which could encode U+0085 or U+2028) by '?'.
 */
static void
log_sanitize(char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			s[i] = '?';
}

/* Writes all of buf to fd 2, retrying on EINTR and short writes. */
static void
log_write(const char *buf, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		n = write(STDERR_FILENO, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		buf += n;
		len -= (size_t)n;
	}
}

void
sg_log_init(const char *program)
{
	size_t	 len;

	if (program == NULL || *program == '\0')
		program = "-";
	len = strlen(program);
	if (len > SG_MAX_LOG_PROGRAM)
		len = SG_MAX_LOG_PROGRAM;
	memcpy(log_program, program, len);
	log_program[len] = '\0';
	log_sanitize(log_program, len);
}

void
sg_log(const struct sg_request *req, enum sg_log_level level,
    const char *fmt, ...)
{
	char		 line[SG_MAX_LOG_LINE];
	char		 rid[sizeof(req->id)];
	const char	*lvl;
	va_list		 ap;
	size_t		 len, start;
	int		 n;

	if ((unsigned int)level < sizeof(log_levels) / sizeof(log_levels[0]))
		lvl = log_levels[level];
	else
		lvl = "err";

	/* The id is ours, but copy it bounded and clean all the same. */
	if (req != NULL && req->id[0] != '\0') {
		memcpy(rid, req->id, sizeof(rid) - 1);
		rid[sizeof(rid) - 1] = '\0';
		log_sanitize(rid, strlen(rid));
	} else {
		rid[0] = '-';
		rid[1] = '\0';
	}

	n = snprintf(line, sizeof(line), "smartgate[%s] rid=%s %s: ",
	    log_program, rid, lvl);
	if (n < 0)
		return;
	start = (size_t)n;
	if (start > sizeof(line) - 2)
		start = sizeof(line) - 2;

	/* The newline takes the place of vsnprintf's NUL. */
	va_start(ap, fmt);
	n = vsnprintf(line + start, sizeof(line) - start, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	len = start + (size_t)n;
	if (len > sizeof(line) - 1) {
		/* Truncated: say so at the end of the line. */
		len = sizeof(line) - 1;
		memcpy(line + len - 3, "...", 3);
	}
	/* A "%c" of 0 can put a NUL in the message: it is replaced too. */
	log_sanitize(line + start, len - start);
	if (log_cap != NULL) {
		n = (int)strlen(log_cap);
		if (level <= SG_LOG_WARN && (size_t)n + 3 < log_caplen)
			snprintf(log_cap + n, log_caplen - (size_t)n, "%s%.*s",
			    n > 0 ? "; " : "", (int)(len - start),
			    line + start);
		return;
	}
	line[len++] = '\n';
	log_write(line, len);
}

void
sg_log_capture(char *buf, size_t len)
{
	log_cap = len > 0 ? buf : NULL;
	log_caplen = len;
	if (log_cap != NULL)
		log_cap[0] = '\0';
}

void
sg_log_fingerprint(const void *secret, size_t len, char out[17])
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0;
	size_t			 i;

	if (!EVP_Digest(secret, len, md, &mdlen, EVP_sha256(), NULL) ||
	    mdlen < 8) {
		/* Never fall back to anything derived from the secret. */
		memset(out, '?', 16);
		out[16] = '\0';
		return;
	}
	for (i = 0; i < 8; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0x0f];
	}
	out[16] = '\0';
	OPENSSL_cleanse(md, sizeof(md));
}

void
sg_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}
