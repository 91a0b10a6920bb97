/*
 * The gateway's credential at the upstream FHIR server (upauth.h).
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "bounds.h"
#include "config.h"
#include "file.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "mem.h"
#include "oauth.h"
#include "upauth.h"
#include "url.h"

#define UPAUTH_BEARER	"Authorization: Bearer "
#define UPAUTH_MARGIN	60	/* seconds before expiry a token is renewed */
#define UPAUTH_FILE	"/upstream-token"

struct sg_upauth {
	const struct sg_config	*cfg;
	const char		*static_line;	/* proc's, or NULL */
	struct sg_http		*http;
	char			*secret;
	char			*cache;		/* shared file, or NULL */
	char			*line;		/* UPAUTH_BEARER + token */
	time_t			 until;		/* line is used until then */
};

struct sg_upauth *
sg_upauth_new(const struct sg_config *cfg, const char *static_line,
    char *err, size_t errlen)
{
	struct sg_upauth	*u;

	u = sg_xcalloc(1, sizeof(*u));
	u->cfg = cfg;
	u->static_line = static_line;
	if (cfg->upstream_token_url == NULL)
		return u;
	if ((u->secret = sg_file_secret(cfg->upstream_client_secret_file,
	    SG_MAX_IDP_SECRET, err, errlen)) == NULL ||
	    (u->http = sg_http_new(cfg->upstream_timeout_ms,
	    cfg->upstream_ca_file)) == NULL) {
		if (u->secret != NULL)
			sg_errf(err, errlen, "cannot create an HTTP client");
		sg_upauth_free(u);
		return NULL;
	}
	/* Beside the LMDB ledger: a directory only the gateway writes. */
	if (strncmp(cfg->ledger, "lmdb:", 5) == 0)
		u->cache = sg_xconcat(cfg->ledger + 5, UPAUTH_FILE);
	return u;
}

void
sg_upauth_free(struct sg_upauth *u)
{
	if (u == NULL)
		return;
	sg_http_free(u->http);
	sg_free_secret(u->secret);
	sg_free_secret(u->line);
	free(u->cache);
	free(u);
}

/* A token we send on: visible ASCII (RFC 6750 §2.1 b64token and more). */
static int
token_ok(const char *t)
{
	size_t	 i;

	for (i = 0; t[i] != '\0'; i++)
		if (t[i] <= 0x20 || t[i] >= 0x7f || i >= SG_MAX_SEALED)
			return 0;
	return i > 0;
}

/* Takes token until until. */
static void
keep(struct sg_upauth *u, const char *token, time_t until)
{
	sg_free_secret(u->line);
	u->line = sg_xconcat(UPAUTH_BEARER, token);
	u->until = until;
}

/* The shared file: "<until> <token>\n", when still good. */
static int
cache_read(struct sg_upauth *u, time_t now)
{
	char		*text = NULL, *sp, *end;
	size_t		 len = 0;
	long long	 until;
	int		 rc = -1;

	if (u->cache == NULL || sg_file_read(u->cache, SG_MAX_SEALED + 64,
	    077, NULL, &text, &len, NULL, 0) == -1)
		return -1;
	if (len > 0 && text[len - 1] == '\n')
		text[--len] = '\0';
	if ((sp = strchr(text, ' ')) == NULL)
		goto out;
	*sp = '\0';
	errno = 0;
	until = strtoll(text, &end, 10);
	if (errno != 0 || *end != '\0' || until <= (long long)now ||
	    !token_ok(sp + 1))
		goto out;
	keep(u, sp + 1, (time_t)until);
	rc = 0;
out:
	OPENSSL_cleanse(text, len);
	free(text);
	return rc;
}

/* Writes the shared file atomically; a failure only costs a fetch. */
static void
cache_write(const struct sg_upauth *u, const struct sg_request *req,
    const char *token)
{
	char	*tmp;
	FILE	*f;
	int	 fd, ok;

	if (u->cache == NULL)
		return;
	tmp = sg_xconcat(u->cache, ".XXXXXX");
	if ((fd = mkstemp(tmp)) == -1) {	/* mode 0600 */
		sg_log(req, SG_LOG_WARN, "upstream token cache %s: %s",
		    u->cache, strerror(errno));
		free(tmp);
		return;
	}
	if ((f = fdopen(fd, "w")) == NULL) {
		close(fd);
		ok = 0;
	} else {
		ok = fprintf(f, "%lld %s\n", (long long)u->until, token) > 0;
		ok = fclose(f) == 0 && ok;
	}
	if (!ok || rename(tmp, u->cache) == -1) {
		sg_log(req, SG_LOG_WARN, "upstream token cache %s: cannot "
		    "write", u->cache);
		(void)unlink(tmp);
	}
	free(tmp);
}

/* RFC 6749 §4.4.2, §4.4.3: asks the upstream's provider for a token. */
static enum sg_status
fetch(struct sg_upauth *u, const struct sg_request *req, time_t now)
{
	const struct sg_config	*cfg = u->cfg;
	const char *const	 names[] = { "grant_type", "scope" };
	const char *const	 values[] = { "client_credentials",
				    cfg->upstream_scope };
	struct sg_http_resp	 resp;
	enum sg_status		 st;
	json_object		*doc = NULL, *v;
	const char		*hdrs[4], *tok, *type;
	char			*body, *auth;
	int64_t			 ttl = 0;

	body = sg_url_form(names, values, 2);
	auth = sg_oauth_basic_header(cfg->upstream_client_id, u->secret);
	hdrs[0] = "Content-Type: application/x-www-form-urlencoded";
	hdrs[1] = "Accept: application/json";
	hdrs[2] = auth;
	hdrs[3] = NULL;
	st = sg_http_request(u->http, req, "POST", cfg->upstream_token_url,
	    hdrs, body, strlen(body), SG_MAX_UPSTREAM_SMALL, &resp);
	sg_free_secret(auth);
	free(body);
	if (st != SG_OK) {
		sg_log(req, SG_LOG_ERR, "upstream token endpoint: %s",
		    st == SG_E_UPSTREAM_TIMEOUT ? "timeout" : "request failed");
		return st == SG_E_UPSTREAM_TIMEOUT ? st : SG_E_UPSTREAM;
	}
	st = SG_E_UPSTREAM;
	doc = sg_json_object(resp.body, resp.len);
	tok = sg_json_str(doc, "access_token");
	type = sg_json_str(doc, "token_type");
	if (json_object_object_get_ex(doc, "expires_in", &v) &&
	    json_object_is_type(v, json_type_int))
		ttl = json_object_get_int64(v);
	if (resp.status != 200 || tok == NULL || !token_ok(tok) ||
	    type == NULL || strcasecmp(type, "Bearer") != 0 || ttl < 1) {
		sg_log(req, SG_LOG_ERR, "upstream token endpoint: answer %ld "
		    "without a usable bearer token (error %.64s)", resp.status,
		    sg_json_str(doc, "error") != NULL ?
		    sg_json_str(doc, "error") : "-");
		goto out;
	}
	/* Renewed a minute early, or halfway through a short life. */
	keep(u, tok, now + (time_t)(ttl > 2 * UPAUTH_MARGIN ?
	    ttl - UPAUTH_MARGIN : ttl / 2));
	cache_write(u, req, tok);
	st = SG_OK;
out:
	json_object_put(doc);
	OPENSSL_cleanse(resp.body, resp.len);
	sg_http_resp_free(&resp);
	return st;
}

enum sg_status
sg_upauth_header(struct sg_upauth *u, const struct sg_request *req,
    const char **line)
{
	time_t		 now = time(NULL);
	enum sg_status	 st;

	*line = NULL;
	if (u->cfg->upstream_token_url == NULL) {
		*line = u->static_line;
		return SG_OK;
	}
	if (u->line == NULL || now >= u->until) {
		if (cache_read(u, now) == -1 &&
		    (st = fetch(u, req, now)) != SG_OK)
			return st;
	}
	*line = u->line;
	return SG_OK;
}
