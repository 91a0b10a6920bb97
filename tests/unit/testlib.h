/*
 * Helpers shared by the unit test programs: a tiny HTTP/1.1 server run
 * in a thread on 127.0.0.1 (ephemeral port) that hands each connection
 * to a handler the test supplies; the capture of stdout or stderr into
 * a temporary file; the runner every test program's main() calls; and
 * the fixtures several programs share (a master key, a JWKS, context
 * and string comparisons).  Failures are Check assertions.
 */
#ifndef TESTLIB_H
#define TESTLIB_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <sys/types.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "keys.h"

struct tl_srv;

/* Serves one accepted connection fd; the server closes it afterwards. */
typedef void	(*tl_handler)(struct tl_srv *s, int fd);

struct tl_srv {
	int		 lfd;		/* the listening socket */
	int		 port;		/* its port, in host order */
	pthread_t	 th;		/* the accept thread */
	atomic_int	 stop;		/* set by tl_srv_stop() */
	tl_handler	 handler;
};

/* A redirected stream: see tl_capture_begin(). */
struct tl_capture {
	int		 target;	/* STDOUT_FILENO or STDERR_FILENO */
	int		 fd;		/* the temporary file */
	int		 saved;		/* a dup of the original target */
};

/* Sleeps ms milliseconds. */
void	tl_sleep_ms(long ms);

/* Sends all len bytes of p on fd; 0, or -1 if the peer went away. */
int	tl_send_all(int fd, const char *p, size_t len);

/*
 * Sends one answer with Content-Length framing: the status line
 * "HTTP/1.1 <status>", the header lines in extra (each ending in CRLF,
 * may be ""), then the len bytes of body.  0, or -1 on a send error.
 */
int	tl_answer(int fd, const char *status, const char *extra,
	    const char *body, size_t len);

/*
 * Reads one request (head, then a body of Content-Length bytes) into
 * buf of cap bytes, NUL-terminated; *headlen gets the length of the
 * head.  Returns the length read, 0 on EOF or when s is stopping, -1
 * on error, overflow or a request that is not HTTP (a TLS ClientHello).
 */
ssize_t	tl_read_request(struct tl_srv *s, int fd, char *buf, size_t cap,
	    size_t *headlen);

/*
 * Binds a TCP socket to 127.0.0.1 with an ephemeral port and returns it
 * (not listening); *port gets the port, in host order.
 */
int	tl_bind_loopback(int *port);

/*
 * Listens on 127.0.0.1 with an ephemeral port (s->port) and starts the
 * thread that accepts connections one at a time and gives each to
 * handler.  Everything the handler reads must be set up beforehand.
 */
void	tl_srv_start(struct tl_srv *s, tl_handler handler);

/* Stops the accept thread, waits for it and closes the socket. */
void	tl_srv_stop(struct tl_srv *s);

/* Points target (STDOUT_FILENO or STDERR_FILENO) at a fresh unlinked
 * temporary file. */
void	tl_capture_begin(struct tl_capture *c, int target);

/* Restores the target; returns what was written to it (caller frees). */
char	*tl_capture_end(struct tl_capture *c);

struct Suite;
struct sg_context;
struct sg_keys;

/* Runs every test of s (the runner frees it); 0 when all passed, else 1. */
int	tl_run(struct Suite *s);

/* Fills k with one master key, kid "k1" (enough for sealing). */
void	tl_master_key(struct sg_keys *k);

/* A copy of s (strdup, checked), or NULL for NULL. */
char	*tl_dup_or_null(const char *s);

/* Fails the test unless a and b are both NULL or equal; what names it. */
void	tl_str_eq(const char *what, const char *a, const char *b);

/* A JWKS document of up to two public keys (a NULL key is left out). */
json_object *tl_jwks_of(EVP_PKEY *a, enum sg_alg aa, const char *akid,
	    EVP_PKEY *b, enum sg_alg ba, const char *bkid);

/* Fails the test unless two launch contexts are the same. */
void	tl_ctx_eq(const struct sg_context *a, const struct sg_context *b);

#endif /* TESTLIB_H */
