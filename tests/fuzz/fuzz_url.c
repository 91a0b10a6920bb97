/*
 * Fuzz target for url.c, the one parser that judges every absolute URL
 * from outside (registry, configuration, identity provider).  The
 * input is tried under each rule set.  Invariants: a looser rule set
 * accepts whatever a stricter one does; an accepted URL has a lower
 * case host, an origin "scheme://host[:port]" without the default port
 * that parses back to itself and equals sg_url_origin(), a path inside
 * the input, and "loopback" only for localhost, 127.0.0.1 and [::1];
 * sg_url_encode() leaves only unreserved bytes and %XX.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "url.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stricter first: each accepts no more than the one after it. */
static const unsigned rules[] = {
	SG_URL_NO_QUERY,
	0,
	SG_URL_LOOPBACK_HTTP,
	SG_URL_HTTP,
	SG_URL_HTTP | SG_URL_FRAGMENT,
};
#define NRULES	(sizeof(rules) / sizeof(rules[0]))

static void
check_parsed(const char *s, const struct sg_url *u)
{
	struct sg_url	 again;
	const char	*why, *p;
	char		*origin;
	size_t		 n;

	if (u->host == NULL || u->host[0] == '\0' || u->origin == NULL ||
	    u->path == NULL)
		abort();
	for (p = u->host; *p != '\0'; p++)
		if (isupper((unsigned char)*p))
			abort();
	if (u->path < s || u->path > s + strlen(s))
		abort();
	if (u->loopback && strcmp(u->host, "localhost") != 0 &&
	    strcmp(u->host, "127.0.0.1") != 0 && strcmp(u->host, "[::1]") != 0)
		abort();
	if (u->port < 0 || u->port > 65535)
		abort();

	/* The origin: scheme, "://", the host, then at most a port. */
	n = strlen(u->https ? "https://" : "http://");
	if (strncmp(u->origin, u->https ? "https://" : "http://", n) != 0 ||
	    strncmp(u->origin + n, u->host, strlen(u->host)) != 0)
		abort();
	p = u->origin + n + strlen(u->host);
	if (*p != '\0' && (*p != ':' || u->port == 0 ||
	    u->port == (u->https ? 443 : 80)))
		abort();
	memset(&again, 0, sizeof(again));
	if (sg_url_parse(u->origin, SG_URL_HTTP, &again, &why) != 0 ||
	    strcmp(again.origin, u->origin) != 0)
		abort();
	sg_url_clear(&again);
	if ((origin = sg_url_origin(s)) == NULL ||
	    strcmp(origin, u->origin) != 0)
		abort();
	free(origin);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_url	 u;
	const char	*why;
	char		*s, *enc, *p;
	size_t		 i;
	int		 accepted = 0;

	s = sg_xmalloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';

	for (i = 0; i < NRULES; i++) {
		memset(&u, 0, sizeof(u));
		if (sg_url_parse(s, rules[i], &u, &why) == 0) {
			check_parsed(s, &u);
			accepted = 1;
		} else if (accepted || why == NULL || u.host != NULL)
			abort();	/* looser refused what stricter took */
		sg_url_clear(&u);
		if ((sg_url_check(s, rules[i]) == NULL) != accepted)
			abort();
	}

	enc = sg_url_encode(s);
	for (p = enc; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("-._~", *p) == NULL &&
		    !(*p == '%' && isxdigit((unsigned char)p[1]) &&
		    isxdigit((unsigned char)p[2])))
			abort();
	free(enc);
	free(s);
	return 0;
}
