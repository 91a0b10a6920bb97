/*
 * Helpers shared by the unit test programs; see testlib.h.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <check.h>
#include <json-c/json.h>

#include "context.h"
#include "jwk.h"
#include "keys.h"
#include "testlib.h"

/* How often the server threads look at the stop flag. */
#define POLL_MS		10

void
tl_sleep_ms(long ms)
{
	struct timespec	 ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

int
tl_send_all(int fd, const char *p, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
tl_answer(int fd, const char *status, const char *extra, const char *body,
    size_t len)
{
	char	 head[256];

	snprintf(head, sizeof(head), "HTTP/1.1 %s\r\n", status);
	if (tl_send_all(fd, head, strlen(head)) != 0 ||
	    tl_send_all(fd, extra, strlen(extra)) != 0)
		return -1;
	snprintf(head, sizeof(head), "Content-Length: %zu\r\n\r\n", len);
	if (tl_send_all(fd, head, strlen(head)) != 0)
		return -1;
	return tl_send_all(fd, body, len);
}

ssize_t
tl_read_request(struct tl_srv *s, int fd, char *buf, size_t cap,
    size_t *headlen)
{
	struct pollfd	 pfd;
	const char	*end, *cl;
	size_t		 len = 0, want = 0;
	ssize_t		 n;

	buf[0] = '\0';
	*headlen = 0;
	for (;;) {
		if (*headlen == 0 && (end = strstr(buf, "\r\n\r\n")) != NULL) {
			*headlen = (size_t)(end - buf) + 4;
			cl = strstr(buf, "Content-Length: ");
			if (cl != NULL && cl < end)
				want = strtoul(cl + 16, NULL, 10);
		}
		if (*headlen != 0 && len >= *headlen + want)
			return (ssize_t)len;
		if (len + 1 >= cap)
			return -1;
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, POLL_MS) == 0) {
			if (atomic_load(&s->stop))
				return 0;
			continue;
		}
		n = recv(fd, buf + len, cap - len - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? 0 : -1;
		len += (size_t)n;
		buf[len] = '\0';
		/* Not HTTP (a TLS ClientHello, say): drop the connection. */
		if (buf[0] < 'A' || buf[0] > 'Z')
			return -1;
	}
}

/* The accept thread: one connection at a time, until stopped. */
static void *
srv_main(void *arg)
{
	struct tl_srv	*s = arg;
	struct pollfd	 pfd;
	int		 fd, one = 1;

	while (!atomic_load(&s->stop)) {
		pfd.fd = s->lfd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, POLL_MS) <= 0)
			continue;
		if ((fd = accept(s->lfd, NULL, NULL)) < 0)
			continue;
		/* Heads and bodies go out in separate writes: no Nagle delay. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		s->handler(s, fd);
		close(fd);
	}
	return NULL;
}

int
tl_bind_loopback(int *port)
{
	struct sockaddr_in	 sin;
	socklen_t		 slen = sizeof(sin);
	int			 fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = 0;
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &slen), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

void
tl_srv_start(struct tl_srv *s, tl_handler handler)
{
	memset(s, 0, sizeof(*s));
	s->handler = handler;
	s->lfd = tl_bind_loopback(&s->port);
	ck_assert_int_eq(listen(s->lfd, 8), 0);
	ck_assert_int_eq(pthread_create(&s->th, NULL, srv_main, s), 0);
}

void
tl_srv_stop(struct tl_srv *s)
{
	atomic_store(&s->stop, 1);
	pthread_join(s->th, NULL);
	close(s->lfd);
	s->lfd = -1;
}

void
tl_capture_begin(struct tl_capture *c, int target)
{
	char	 p[] = "/tmp/sg-test-XXXXXX";

	fflush(target == STDERR_FILENO ? stderr : stdout);
	c->target = target;
	c->fd = mkstemp(p);
	ck_assert_int_ge(c->fd, 0);
	unlink(p);
	c->saved = dup(target);
	ck_assert_int_ge(c->saved, 0);
	ck_assert_int_ge(dup2(c->fd, target), 0);
}

char *
tl_capture_end(struct tl_capture *c)
{
	char	*buf;
	off_t	 size;
	ssize_t	 r;

	fflush(c->target == STDERR_FILENO ? stderr : stdout);
	ck_assert_int_ge(dup2(c->saved, c->target), 0);
	close(c->saved);
	size = lseek(c->fd, 0, SEEK_END);
	ck_assert_int_ge(size, 0);
	buf = malloc((size_t)size + 1);
	ck_assert_ptr_nonnull(buf);
	r = pread(c->fd, buf, (size_t)size, 0);
	ck_assert_int_eq(r, size);
	buf[size] = '\0';
	close(c->fd);
	c->fd = c->saved = -1;
	return buf;
}

void
tl_master_key(struct sg_keys *k)
{
	struct sg_master_key	*m = &k->master[0];

	memset(k, 0, sizeof(*k));
	snprintf(m->kid, sizeof(m->kid), "k1");
	memset(m->secret, 0x5a, 32);
	m->len = 32;
	k->nmaster = 1;
}

char *
tl_dup_or_null(const char *s)
{
	char	*d;

	if (s == NULL)
		return NULL;
	d = strdup(s);
	ck_assert_ptr_nonnull(d);
	return d;
}

void
tl_str_eq(const char *what, const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		ck_assert_msg(a == b, "%s: %s vs %s", what,
		    a != NULL ? a : "NULL", b != NULL ? b : "NULL");
	else
		ck_assert_msg(strcmp(a, b) == 0, "%s: %s vs %s", what, a, b);
}

json_object *
tl_jwks_of(EVP_PKEY *a, enum sg_alg aa, const char *akid, EVP_PKEY *b,
    enum sg_alg ba, const char *bkid)
{
	json_object	*doc = json_object_new_object(), *arr;

	arr = json_object_new_array();
	if (a != NULL)
		json_object_array_add(arr, sg_jwk_to_json(a, aa, akid));
	if (b != NULL)
		json_object_array_add(arr, sg_jwk_to_json(b, ba, bkid));
	json_object_object_add(doc, "keys", arr);
	return doc;
}

void
tl_ctx_eq(const struct sg_context *a, const struct sg_context *b)
{
	tl_str_eq("patient", a->patient, b->patient);
	tl_str_eq("encounter", a->encounter, b->encounter);
	tl_str_eq("intent", a->intent, b->intent);
	tl_str_eq("smart_style_url", a->smart_style_url, b->smart_style_url);
	tl_str_eq("ctx.client_id", a->client_id, b->client_id);
	ck_assert_int_eq(a->need_patient_banner, b->need_patient_banner);
	if (a->fhir_context == NULL || b->fhir_context == NULL)
		ck_assert_ptr_eq(a->fhir_context, b->fhir_context);
	else {
		ck_assert(json_object_is_type(b->fhir_context,
		    json_type_array));
		ck_assert_int_eq(json_object_equal(a->fhir_context,
		    b->fhir_context), 1);
	}
}

int
tl_run(Suite *s)
{
	SRunner	*sr = srunner_create(s);
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
