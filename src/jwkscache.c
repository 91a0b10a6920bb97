/*
 * The JWKS cache (jwkscache.h): a fixed number of slots, one URL each,
 * holding the keys of the last good fetch and the clock times that the
 * TTL and the two rate limits are measured from.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <json-c/json.h>

#include "bounds.h"
#include "http.h"
#include "json.h"
#include "jwk.h"
#include "jwkscache.h"
#include "keys.h"
#include "mem.h"
#include "status.h"
#include "url.h"

struct entry {
	char		*url;		/* NULL: slot unused */
	struct sg_jwk	 keys[SG_MAX_JWKS_KEYS];
	size_t		 nkeys;		/* 0: no good fetch yet */
	time_t		 fetched;	/* clock of the last good fetch */
	long		 ttl;		/* its lifetime: conf.ttl or less */
	time_t		 failed;	/* clock of the last failed fetch ... */
	int		 have_failed;	/* ... when this is set */
	time_t		 early;		/* clock of the last early re-fetch ... */
	int		 have_early;	/* ... when this is set */
	unsigned long	 used;		/* c->tick at the last use: LRU */
};

struct sg_jwkscache {
	struct sg_http		*http;
	struct sg_jwkscache_conf conf;
	struct entry		*slot;
	unsigned long		 tick;
};

/* Seconds on a clock that wall-clock changes do not move. */
static time_t
mono_now(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		abort();
	return ts.tv_sec;
}

struct sg_jwkscache *
sg_jwkscache_new(struct sg_http *http, const struct sg_jwkscache_conf *conf)
{
	struct sg_jwkscache	*c;

	if (http == NULL || conf == NULL || conf->slots == 0 ||
	    conf->ttl <= 0 || conf->refetch_min < 0)
		return NULL;
	c = sg_xcalloc(1, sizeof(*c));
	c->http = http;
	c->conf = *conf;
	if (c->conf.clock == NULL)
		c->conf.clock = mono_now;
	c->slot = sg_xcalloc(conf->slots, sizeof(*c->slot));
	return c;
}

static void
keys_clear(struct entry *e)
{
	size_t	 i;

	for (i = 0; i < e->nkeys; i++)
		sg_jwk_clear(&e->keys[i]);
	e->nkeys = 0;
}

static void
entry_clear(struct entry *e)
{
	keys_clear(e);
	free(e->url);
	memset(e, 0, sizeof(*e));
}

void
sg_jwkscache_clear(struct sg_jwkscache *c)
{
	size_t	 i;

	if (c == NULL)
		return;
	for (i = 0; i < c->conf.slots; i++)
		entry_clear(&c->slot[i]);
}

void
sg_jwkscache_free(struct sg_jwkscache *c)
{
	if (c == NULL)
		return;
	sg_jwkscache_clear(c);
	free(c->slot);
	free(c);
}

/* The slot of url: its own, else a free one, else the least recently used. */
static struct entry *
slot_of(struct sg_jwkscache *c, const char *url)
{
	struct entry	*e, *victim = &c->slot[0];
	size_t		 i;

	for (i = 0; i < c->conf.slots; i++) {
		e = &c->slot[i];
		if (e->url != NULL && strcmp(e->url, url) == 0)
			goto found;
		if (victim->url != NULL &&
		    (e->url == NULL || e->used < victim->used))
			victim = e;
	}
	e = victim;
	entry_clear(e);
	e->url = sg_xstrdup(url);
found:
	e->used = ++c->tick;
	return e;
}

/* 1 when the len bytes at p are name, case-insensitively. */
static int
token_is(const char *p, size_t len, const char *name)
{
	return len == strlen(name) && strncasecmp(p, name, len) == 0;
}

long
sg_jwkscache_max_age(const char *cc, long ttl)
{
	const char	*p, *v, *end;
	size_t		 len, nlen, vlen;
	long		 n;

	if (cc == NULL)
		return ttl;
	/* RFC 9110 §5.6.1: a list of directives, commas and spaces between. */
	for (p = cc; *p != '\0'; p += len) {
		if ((len = strcspn(p, ",")) == 0) {
			len = 1;
			continue;
		}
		while (len > 0 && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		vlen = len;
		while (vlen > 0 && (p[vlen - 1] == ' ' || p[vlen - 1] == '\t'))
			vlen--;
		nlen = strcspn(p, "=");
		if (nlen > vlen)
			nlen = vlen;
		if (token_is(p, nlen, "no-store") ||
		    token_is(p, nlen, "no-cache")) {
			ttl = 0;
			continue;
		}
		if (!token_is(p, nlen, "max-age"))
			continue;
		/* max-age=N or max-age="N" (§5.2: either form). */
		v = p + nlen + 1;
		end = p + vlen;
		if (nlen == vlen || v >= end) {
			ttl = 0;
			continue;
		}
		if (*v == '"' && end - v >= 2 && end[-1] == '"') {
			v++;
			end--;
		}
		/*
		 * §1.2.2: delta-seconds, digits only; counting stops past
		 * ttl (which caps it anyway), so nothing overflows.
		 */
		for (n = 0; v < end && *v >= '0' && *v <= '9'; v++)
			if (n <= ttl)
				n = n * 10 + (*v - '0');
		if (v != end || v == p + nlen + 1)
			n = 0;
		if (n < ttl)
			ttl = n;
	}
	return ttl;
}

/* 1 when the event at t (if have) is less than limit seconds before now. */
static int
recent(int have, time_t t, time_t now, long limit)
{
	return have && now >= t && now - t < limit;
}

/*
 * Fetches e->url and keeps the keys of the configured algorithms.  The
 * entry's keys are replaced only on success, so that a failed early
 * re-fetch leaves fresh keys in place.
 */
static enum sg_status
fetch(struct sg_jwkscache *c, const struct sg_request *req, struct entry *e,
    time_t now, const char **why)
{
	static const char *const hdrs[] = {
	    "Accept: application/jwk-set+json, application/json", NULL };
	struct sg_http_resp	 resp;
	struct sg_jwk		 got[SG_MAX_JWKS_KEYS], k;
	json_object		*doc = NULL;
	enum sg_status		 st = SG_E_UPSTREAM;
	size_t			 i, n = 0;
	int			 parsed;

	memset(&resp, 0, sizeof(resp));
	memset(got, 0, sizeof(got));
	if (!sg_url_https_or_loopback(e->url)) {
		*why = "JWKS URL is neither https nor loopback http";
		goto done;
	}
	st = sg_http_request(c->http, req, "GET", e->url, hdrs, NULL, 0,
	    SG_MAX_UPSTREAM_SMALL, &resp);
	if (st != SG_OK) {
		*why = st == SG_E_TOO_LARGE ? "JWKS answer too large" :
		    st == SG_E_UPSTREAM_TIMEOUT ? "JWKS fetch timed out" :
		    "JWKS fetch failed";
		if (st != SG_E_UPSTREAM_TIMEOUT)
			st = SG_E_UPSTREAM;
		goto done;
	}
	st = SG_E_UPSTREAM;
	if (resp.status != 200) {
		*why = "JWKS URL answered other than 200";
		goto done;
	}
	if ((doc = sg_json_object(resp.body, resp.len)) == NULL) {
		*why = "JWKS answer is not a JSON object";
		goto done;
	}
	if ((parsed = sg_jwks_parse(doc, c->conf.rsa, c->conf.ec, got,
	    SG_MAX_JWKS_KEYS)) < 0) {
		*why = "malformed JWKS";
		goto done;
	}
	/* Keys for other algorithms could never verify what we accept. */
	for (i = 0; i < (size_t)parsed; i++) {
		k = got[i];
		memset(&got[i], 0, sizeof(got[i]));
		if (k.alg == c->conf.rsa || k.alg == c->conf.ec)
			got[n++] = k;
		else
			sg_jwk_clear(&k);
	}
	if (n == 0) {
		*why = "JWKS holds no usable signature key";
		goto done;
	}
	keys_clear(e);
	memcpy(e->keys, got, n * sizeof(got[0]));
	memset(got, 0, sizeof(got));
	e->nkeys = n;
	e->fetched = now;
	/* Never longer than the JWKS server allows (key rotation). */
	e->ttl = sg_jwkscache_max_age(resp.cache_control, c->conf.ttl);
	*why = "JWKS fetched";
	st = SG_OK;
done:
	if (st != SG_OK) {
		e->failed = now;
		e->have_failed = 1;
	}
	for (i = 0; i < SG_MAX_JWKS_KEYS; i++)
		sg_jwk_clear(&got[i]);
	json_object_put(doc);
	sg_http_resp_free(&resp);
	return st;
}

/* Stores e's keys for the caller; returns st. */
static enum sg_status
give(const struct entry *e, enum sg_status st, const struct sg_jwk **keys,
    size_t *nkeys)
{
	*keys = st == SG_OK ? e->keys : NULL;
	*nkeys = st == SG_OK ? e->nkeys : 0;
	return st;
}

/*
 * sg_jwkscache_get() (early 0) and sg_jwkscache_refetch() (early 1):
 * they differ only in what they serve from the cache and which rate
 * limit applies.
 */
static enum sg_status
load(struct sg_jwkscache *c, const struct sg_request *req, const char *url,
    int early, const struct sg_jwk **keys, size_t *nkeys, const char **why)
{
	struct entry	*e;
	time_t		 now;

	*keys = NULL;
	*nkeys = 0;
	*why = "no JWKS URL";
	if (c == NULL || url == NULL)
		return SG_E_UPSTREAM;
	e = slot_of(c, url);
	now = c->conf.clock();
	if (early) {
		if (recent(e->have_early, e->early, now,
		    c->conf.refetch_min)) {
			*why = "JWKS not fetched again so soon for an "
			    "unknown kid";
			return SG_E_UNAVAILABLE;
		}
		e->early = now;
		e->have_early = 1;
	} else if (e->nkeys > 0 && now >= e->fetched &&
	    now - e->fetched < e->ttl) {
		*why = "JWKS cached";
		return give(e, SG_OK, keys, nkeys);
	} else if (recent(e->have_failed, e->failed, now,
	    c->conf.refetch_min)) {
		*why = "JWKS not fetched again so soon after a failure";
		return SG_E_UNAVAILABLE;
	}
	return give(e, fetch(c, req, e, now, why), keys, nkeys);
}

enum sg_status
sg_jwkscache_get(struct sg_jwkscache *c, const struct sg_request *req,
    const char *url, const struct sg_jwk **keys, size_t *nkeys,
    const char **why)
{
	return load(c, req, url, 0, keys, nkeys, why);
}

enum sg_status
sg_jwkscache_refetch(struct sg_jwkscache *c, const struct sg_request *req,
    const char *url, const struct sg_jwk **keys, size_t *nkeys,
    const char **why)
{
	return load(c, req, url, 1, keys, nkeys, why);
}

time_t
sg_jwkscache_now(const struct sg_jwkscache *c)
{
	return c->conf.clock();
}
