/*
 * Logging to stderr, which Apache puts in its error log (mod_fcgid,
 * mod_cgid and plain CGI alike).  Every line carries the program name
 * and, when there is one, the request id.  Never pass a secret here:
 * use sg_log_fingerprint() when a secret must be correlated.
 */
#ifndef SG_LOG_H
#define SG_LOG_H

#include <stddef.h>

struct sg_request;

enum sg_log_level { SG_LOG_ERR, SG_LOG_WARN, SG_LOG_INFO, SG_LOG_DEBUG };

/* Name the program for every later line ("metadata", "token", ...). */
void	sg_log_init(const char *program);

/* One line: "smartgate[metadata] rid=... level: message".  req may be NULL. */
void	sg_log(const struct sg_request *req, enum sg_log_level level,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * For a tool that reports what the loaders log (smartgate-check): while
 * buf is set, the message part of every err and warn line is appended
 * to buf (len bytes, NUL-terminated, "; " between messages) instead of
 * going to stderr, and lines of other levels are dropped.  NULL ends
 * it.  The caller owns buf.
 */
void	sg_log_capture(char *buf, size_t len);

/*
 * Formats a message into err (errlen bytes), for functions that report
 * why they failed to a caller who logs it; nothing when err is NULL or
 * errlen 0.
 */
void	sg_errf(char *err, size_t errlen, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/*
 * Writes into out (at least 17 bytes) the first 8 bytes of SHA-256(secret)
 * in hex: enough to correlate log lines, useless to an attacker.
 */
void	sg_log_fingerprint(const void *secret, size_t len, char out[17]);

#endif
