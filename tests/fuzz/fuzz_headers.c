/*
 * Fuzz target for the request headers parsed by hand: the Cookie
 * header (cookie.c, on an https and on an http site) and the
 * Authorization: Basic header (oauth.c).  The input is split at its
 * first NUL byte or newline: the first part is the Cookie header, the
 * rest the Authorization header (up to a further NUL, as an
 * environment variable ends there).  The request is plain CGI, so the
 * headers are environment variables; both are removed again after.
 * They are set with putenv() on buffers of our own, not setenv():
 * glibc's setenv() keeps every distinct value it was ever given, which
 * grows the fuzzer past its memory limit within minutes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bounds.h"
#include "config.h"
#include "cookie.h"
#include "oauth.h"
#include "request.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char	https_url[] = "https://gw.example.org";
static char	http_url[] = "http://127.0.0.1:8080";

/* Sets name=value through a new buffer, returned for the caller to free. */
static char *
env_set(const char *name, const char *value)
{
	size_t	 nlen = strlen(name), vlen = strlen(value);
	char	*e;

	if ((e = malloc(nlen + vlen + 2)) == NULL)
		abort();
	memcpy(e, name, nlen);
	e[nlen] = '=';
	memcpy(e + nlen + 1, value, vlen + 1);
	if (putenv(e) != 0)
		abort();
	return e;
}

/* A decoded credential: non-NULL, no NUL before len, no control byte. */
static void
check_text(const char *s, int nonempty)
{
	size_t	 i;

	if (s == NULL)
		abort();
	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			abort();
	if (i > SG_MAX_PARAM_VALUE || (nonempty && i == 0))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_request	 req;
	struct sg_config	 cfg;
	char			*buf, *cookie, *auth, *v, *id, *secret;
	char			*env_cookie, *env_auth = NULL;
	size_t			 n;
	int			 https, rc;

	buf = malloc(size + 1);
	if (buf == NULL)
		abort();
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (n = 0; n < size && buf[n] != '\0' && buf[n] != '\n'; n++)
		;
	cookie = buf;
	auth = n < size ? buf + n + 1 : NULL;
	buf[n] = '\0';

	memset(&req, 0, sizeof(req));
	req.cgi = 1;
	req.method = "POST";
	req.query = "";
	req.remote_addr = "-";

	env_cookie = env_set("HTTP_COOKIE", cookie);
	for (https = 0; https <= 1; https++) {
		memset(&cfg, 0, sizeof(cfg));
		cfg.public_url = https ? https_url : http_url;
		v = sg_cookie_get(&req, &cfg, "sg_tx");
		if (v != NULL) {
			/* Found: non-empty, capped, and inside the header. */
			n = strlen(v);
			if (n == 0 || n > SG_MAX_COOKIE ||
			    strstr(cookie, v) == NULL)
				abort();
			free(v);
		}
	}
	unsetenv("HTTP_COOKIE");
	free(env_cookie);

	if (auth != NULL)
		env_auth = env_set("HTTP_AUTHORIZATION", auth);
	else
		unsetenv("HTTP_AUTHORIZATION");
	id = secret = (char *)(uintptr_t)"unset";
	rc = sg_oauth_basic(&req, &id, &secret);
	switch (rc) {
	case 1:
		check_text(id, 1);
		check_text(secret, 0);
		free(id);
		free(secret);
		break;
	case 0:
	case -1:
		if (id != NULL || secret != NULL)
			abort();
		/* No header, or another scheme, is 0, never -1. */
		if (rc == -1 && (auth == NULL ||
		    strncasecmp(auth, "Basic ", 6) != 0))
			abort();
		break;
	default:
		abort();
	}
	unsetenv("HTTP_AUTHORIZATION");
	free(env_auth);
	free(buf);
	return 0;
}
