/*
 * OpenID Connect relying party (see oidc.h).  The discovery document
 * and the JWKS are process caches with a TTL, fetched lazily on the
 * first request that needs them, so that start-up does not depend on
 * the IdP being up.  A failed refresh fails the request (fail closed);
 * the stale copy is dropped rather than served past its TTL.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>

#include "bounds.h"
#include "config.h"
#include "file.h"
#include "http.h"
#include "json.h"
#include "jwk.h"
#include "jwkscache.h"
#include "jwt.h"
#include "log.h"
#include "mem.h"
#include "oauth.h"
#include "oidc.h"
#include "status.h"
#include "url.h"

#define OIDC_WELL_KNOWN		"/.well-known/openid-configuration"

struct sg_oidc {
	char		*issuer;	/* idp_issuer, exactly as configured */
	char		*client_id;
	char		*user_claim;
	char		*scope;		/* idp_scope */
	char		*secret;	/* NULL: a public client */
	char		*disc_url;
	struct sg_http	*http;

	/* Discovery cache (monotonic seconds, the JWKS cache's clock). */
	int		 have_disc;
	time_t		 disc_at;
	char		*authz_ep;
	char		*token_ep;
	char		*jwks_uri;

	/* The JWKS at jwks_uri (jwkscache.h). */
	struct sg_jwkscache *jwks;
};

/*
 * The NULL-terminated list of strings, concatenated into one exact
 * allocation (no realloc that would leave copies of secrets behind).
 */
static char *
join(const char *const *parts)
{
	size_t	 i, len = 0, n;
	char	*out, *p;

	for (i = 0; parts[i] != NULL; i++)
		len += strlen(parts[i]);
	p = out = sg_xmalloc(len + 1);
	for (i = 0; parts[i] != NULL; i++) {
		n = strlen(parts[i]);
		memcpy(p, parts[i], n);
		p += n;
	}
	*p = '\0';
	return out;
}


/* Printable ASCII (spaces allowed), 1..max bytes. */
static int
printable(const char *s, size_t max)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e ||
		    i >= max)
			return 0;
	return i > 0;
}

/* No control bytes (UTF-8 allowed), 1..max bytes: text we may show. */
static int
text_ok(const char *s, size_t max)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7f ||
		    i >= max)
			return 0;
	return i > 0;
}

/*
 * An IdP URL we are willing to call or send a browser to: https, or
 * http on a loopback host only (OpenID Connect Discovery §3 requires
 * https; loopback http is for tests and demos); no userinfo, no
 * fragment (url.h).
 */
static int
url_ok(const char *u)
{
	return sg_url_check(u, SG_URL_LOOPBACK_HTTP) == NULL;
}

struct sg_oidc *
sg_oidc_new(const struct sg_config *cfg, char *err, size_t errlen)
{
	/*
	 * One jwks_uri at a time; RS256 and ES256 keys only, the id_token
	 * algorithms we accept (SMART App Launch "sso-openid-connect").
	 */
	static const struct sg_jwkscache_conf jwks_conf = {
		1, SG_TTL_IDP_JWKS, SG_IDP_JWKS_REFETCH_MIN, SG_ALG_RS256,
		SG_ALG_ES256, NULL
	};
	struct sg_oidc	*o;
	size_t		 len;

	if (cfg == NULL || cfg->idp_issuer == NULL ||
	    cfg->idp_issuer[0] == '\0' || cfg->idp_client_id == NULL ||
	    cfg->idp_client_id[0] == '\0') {
		sg_errf(err, errlen, "idp_issuer and idp_client_id are "
		    "required for login at the identity provider");
		return NULL;
	}
	if (sg_url_check(cfg->idp_issuer, SG_URL_LOOPBACK_HTTP |
	    SG_URL_NO_QUERY) != NULL) {
		sg_errf(err, errlen, "idp_issuer: must be an https URL without "
		    "query (http only on a loopback host)");
		return NULL;
	}
	o = sg_xcalloc(1, sizeof(*o));
	o->issuer = sg_xstrdup(cfg->idp_issuer);
	o->client_id = sg_xstrdup(cfg->idp_client_id);
	o->user_claim = sg_xstrdup(cfg->idp_user_claim != NULL ?
	    cfg->idp_user_claim : "fhirUser");
	o->scope = sg_xstrdup(cfg->idp_scope != NULL ? cfg->idp_scope :
	    "openid profile fhirUser");
	/* Discovery §4: a terminating '/' of the issuer is removed first. */
	len = strlen(o->issuer);
	if (o->issuer[len - 1] == '/')
		len--;
	o->disc_url = sg_xmalloc(len + sizeof(OIDC_WELL_KNOWN));
	memcpy(o->disc_url, o->issuer, len);
	memcpy(o->disc_url + len, OIDC_WELL_KNOWN, sizeof(OIDC_WELL_KNOWN));
	if (cfg->idp_client_secret_file != NULL &&
	    (o->secret = sg_file_secret(cfg->idp_client_secret_file,
	    SG_MAX_IDP_SECRET, err, errlen)) == NULL)
		goto fail;
	if ((o->http = sg_http_new(cfg->upstream_timeout_ms,
	    NULL)) == NULL ||
	    (o->jwks = sg_jwkscache_new(o->http, &jwks_conf)) == NULL) {
		sg_errf(err, errlen, "cannot create an HTTP client for the "
		    "identity provider");
		goto fail;
	}
	return o;
fail:
	sg_oidc_free(o);
	return NULL;
}

static void
disc_clear(struct sg_oidc *o)
{
	free(o->authz_ep);
	free(o->token_ep);
	free(o->jwks_uri);
	o->authz_ep = o->token_ep = o->jwks_uri = NULL;
	o->have_disc = 0;
}

void
sg_oidc_free(struct sg_oidc *o)
{
	if (o == NULL)
		return;
	sg_jwkscache_free(o->jwks);
	disc_clear(o);
	sg_http_free(o->http);
	sg_free_secret(o->secret);
	free(o->issuer);
	free(o->client_id);
	free(o->user_claim);
	free(o->scope);
	free(o->disc_url);
	free(o);
}

void
sg_oidc_user_free(struct sg_oidc_user *user)
{
	if (user == NULL)
		return;
	free(user->sub);
	free(user->name);
	free(user->fhir_user);
	json_object_put(user->claims);
	memset(user, 0, sizeof(*user));
}

/* An upstream failure as the caller sees it: an oversize answer is the IdP's fault. */
static enum sg_status
upstream_status(enum sg_status st)
{
	return st == SG_E_UPSTREAM_TIMEOUT ? st : SG_E_UPSTREAM;
}

/* GETs what (for logs) at url: HTTP 200 and a JSON object, or an error. */
static enum sg_status
fetch_json(struct sg_oidc *o, const struct sg_request *req, const char *what,
    const char *url, json_object **out)
{
	static const char *const hdrs[] = { "Accept: application/json", NULL };
	struct sg_http_resp	 resp;
	enum sg_status		 st;

	*out = NULL;
	memset(&resp, 0, sizeof(resp));
	st = sg_http_request(o->http, req, "GET", url, hdrs, NULL, 0,
	    SG_MAX_UPSTREAM_SMALL, &resp);
	if (st != SG_OK) {
		sg_log(req, SG_LOG_ERR, "idp %s: %.200s: %s", what, url,
		    st == SG_E_TOO_LARGE ? "answer too large" :
		    st == SG_E_UPSTREAM_TIMEOUT ? "timeout" : "request failed");
		st = upstream_status(st);
		goto done;
	}
	st = SG_E_UPSTREAM;
	if (resp.status != 200) {
		sg_log(req, SG_LOG_ERR, "idp %s: %.200s: HTTP %ld", what, url,
		    resp.status);
		goto done;
	}
	if ((*out = sg_json_object(resp.body, resp.len)) == NULL) {
		sg_log(req, SG_LOG_ERR, "idp %s: %.200s: not a JSON object",
		    what, url);
		goto done;
	}
	st = SG_OK;
done:
	sg_http_resp_free(&resp);
	return st;
}

/* A required endpoint URL of the discovery document, or NULL (logged). */
static const char *
disc_url_member(const struct sg_request *req, json_object *doc,
    const char *name)
{
	const char	*v;

	if ((v = sg_json_str(doc, name)) == NULL) {
		sg_log(req, SG_LOG_ERR, "idp discovery: no %s", name);
		return NULL;
	}
	if (!url_ok(v)) {
		sg_log(req, SG_LOG_ERR, "idp discovery: %s %.200s is not an "
		    "https URL (or loopback http)", name, v);
		return NULL;
	}
	return v;
}

/* The discovery document, from the cache or fetched and checked. */
static enum sg_status
disc_load(struct sg_oidc *o, const struct sg_request *req)
{
	json_object	*doc = NULL;
	const char	*iss, *az, *tok, *jwks;
	enum sg_status	 st;
	time_t		 now = sg_jwkscache_now(o->jwks);

	if (o->have_disc && now - o->disc_at < SG_TTL_IDP_DISCOVERY &&
	    now >= o->disc_at)
		return SG_OK;
	o->have_disc = 0;
	if ((st = fetch_json(o, req, "discovery", o->disc_url, &doc)) != SG_OK)
		goto done;
	st = SG_E_UPSTREAM;
	/* Discovery §4.3: exactly the issuer we were configured with. */
	if ((iss = sg_json_str(doc, "issuer")) == NULL ||
	    strcmp(iss, o->issuer) != 0) {
		sg_log(req, SG_LOG_ERR, "idp discovery: issuer %.200s is not "
		    "idp_issuer %.200s", iss != NULL ? iss : "(none)",
		    o->issuer);
		goto done;
	}
	if ((az = disc_url_member(req, doc, "authorization_endpoint")) ==
	    NULL ||
	    (tok = disc_url_member(req, doc, "token_endpoint")) == NULL ||
	    (jwks = disc_url_member(req, doc, "jwks_uri")) == NULL)
		goto done;
	disc_clear(o);
	o->authz_ep = sg_xstrdup(az);
	o->token_ep = sg_xstrdup(tok);
	o->jwks_uri = sg_xstrdup(jwks);
	o->disc_at = now;
	o->have_disc = 1;
	st = SG_OK;
done:
	/* A failed refresh leaves nothing stale behind (fail closed). */
	if (st != SG_OK) {
		disc_clear(o);
		sg_jwkscache_clear(o->jwks);
	}
	json_object_put(doc);
	return st;
}

/*
 * What both calls to the identity provider check first: our own
 * arguments present and of sane size (a bug otherwise), and the
 * provider's discovery document loaded.
 */
static enum sg_status
oidc_begin(struct sg_oidc *o, const struct sg_request *req,
    const char *const *args, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (args[i] == NULL || args[i][0] == '\0' ||
		    strlen(args[i]) > SG_MAX_PARAM_VALUE)
			return SG_E_INTERNAL;
	return disc_load(o, req);
}

enum sg_status
sg_oidc_probe(struct sg_oidc *o, size_t *nkeys, char *err, size_t errlen)
{
	const struct sg_jwk	*keys;
	const char		*why = NULL;
	enum sg_status		 st;

	*nkeys = 0;
	if ((st = disc_load(o, NULL)) != SG_OK) {
		sg_errf(err, errlen, "discovery document %s unusable",
		    o->disc_url);
		return st;
	}
	if ((st = sg_jwkscache_get(o->jwks, NULL, o->jwks_uri, &keys, nkeys,
	    &why)) != SG_OK) {
		sg_errf(err, errlen, "JWKS %s: %s", o->jwks_uri,
		    why != NULL ? why : "unusable");
		return st;
	}
	return SG_OK;
}

enum sg_status
sg_oidc_login_url(struct sg_oidc *o, const struct sg_request *req,
    const char *redirect_uri, const char *state, const char *nonce,
    const char *code_challenge, char **url)
{
	const char	*args[] = { redirect_uri, state, nonce, code_challenge };
	const char	*names[] = { "response_type", "client_id",
	    "redirect_uri", "scope", "state", "nonce", "code_challenge",
	    "code_challenge_method" };
	const char	*values[] = { "code", o != NULL ? o->client_id : NULL,
	    redirect_uri, o != NULL ? o->scope : NULL, state, nonce,
	    code_challenge, "S256" };
	enum sg_status	 st;

	if (url != NULL)
		*url = NULL;
	if (o == NULL || url == NULL)
		return SG_E_INTERNAL;
	if ((st = oidc_begin(o, req, args,
	    sizeof(args) / sizeof(args[0]))) != SG_OK)
		return st;

	/* RFC 6749 §3.1: the endpoint's own query component is kept. */
	*url = sg_url_with_query(o->authz_ep, names, values,
	    sizeof(names) / sizeof(names[0]));
	return SG_OK;
}

/*
 * An OAuth error answer (RFC 6749 §5.2): logs the error code only
 * (never the description, which could echo what we sent) and maps it.
 */
static enum sg_status
token_error(const struct sg_request *req, long http, json_object *doc)
{
	const char	*code = NULL;
	size_t		 i;

	if (doc != NULL)
		code = sg_json_str(doc, "error");
	/* RFC 6749 §5.2: error is %x20-21 / %x23-5B / %x5D-7E. */
	if (code != NULL) {
		for (i = 0; code[i] != '\0' && i <= SG_MAX_IDP_ERROR; i++)
			if ((unsigned char)code[i] < 0x20 ||
			    (unsigned char)code[i] > 0x7e ||
			    code[i] == '"' || code[i] == '\\')
				break;
		if (i == 0 || code[i] != '\0')
			code = NULL;
	}
	sg_log(req, SG_LOG_ERR, "idp token endpoint: HTTP %ld, error %s",
	    http, code != NULL ? code : "(none or malformed)");
	if (code != NULL && strcmp(code, "invalid_grant") == 0)
		return SG_E_ACCESS_DENIED;
	return SG_E_UPSTREAM;
}

/*
 * Verifies the id_token against the IdP's JWKS and OpenID Connect Core
 * §3.1.3.7.  On SG_OK stores the claims in *claims (caller puts).
 */
static enum sg_status
verify_id_token(struct sg_oidc *o, const struct sg_request *req,
    const char *token, const char *nonce, json_object **claims)
{
	struct sg_jwt_expect	 ex;
	const struct sg_jwk	*keys;
	enum sg_jwt_result	 r;
	enum sg_status		 st;
	json_object		*c = NULL, *aud;
	const char		*v, *why = NULL;
	size_t			 len, nkeys;

	*claims = NULL;
	if ((st = sg_jwkscache_get(o->jwks, req, o->jwks_uri, &keys, &nkeys,
	    &why)) != SG_OK) {
		sg_log(req, SG_LOG_ERR, "idp jwks: %.200s: %s", o->jwks_uri,
		    why);
		return upstream_status(st);
	}
	memset(&ex, 0, sizeof(ex));
	ex.iss = o->issuer;		/* §3.1.3.7 item 2 */
	ex.aud = o->client_id;		/* item 3 */
	ex.now = time(NULL);
	ex.leeway = SG_OIDC_LEEWAY;	/* items 9, 10 */
	ex.require_exp = 1;
	r = sg_jwt_verify(token, keys, nkeys, &ex, &c, NULL);
	/*
	 * Key rotation: fetch the JWKS once more, but not more than once
	 * per SG_IDP_JWKS_REFETCH_MIN, so unknown kids cannot make us
	 * hammer the IdP.
	 */
	if (r == SG_JWT_NO_KEY) {
		st = sg_jwkscache_refetch(o->jwks, req, o->jwks_uri, &keys,
		    &nkeys, &why);
		if (st == SG_OK) {
			sg_log(req, SG_LOG_INFO, "idp jwks: unknown kid, "
			    "fetched the JWKS again");
			r = sg_jwt_verify(token, keys, nkeys, &ex, &c, NULL);
		} else if (st != SG_E_UNAVAILABLE) {
			sg_log(req, SG_LOG_ERR, "idp jwks: %.200s: %s",
			    o->jwks_uri, why);
			return upstream_status(st);
		}
	}
	why = NULL;
	if (r != SG_JWT_OK) {
		sg_log(req, SG_LOG_ERR, "idp id_token refused: %s",
		    sg_jwt_strerror(r));
		return SG_E_UPSTREAM;
	}
	/* Core §2: iat is required; sg_jwt_verify checked its value. */
	if (!json_object_object_get_ex(c, "iat", NULL))
		why = "no iat";
	/* Items 4, 5: several audiences need azp; azp must be us. */
	else if (json_object_object_get_ex(c, "aud", &aud) &&
	    json_object_is_type(aud, json_type_array) &&
	    json_object_array_length(aud) > 1 &&
	    !json_object_object_get_ex(c, "azp", NULL))
		why = "several audiences and no azp";
	else if (json_object_object_get_ex(c, "azp", NULL) &&
	    ((v = sg_json_str(c, "azp")) == NULL || strcmp(v, o->client_id) != 0))
		why = "azp is not our client_id";
	/* Item 11: the nonce we sent, compared in constant time. */
	else if ((v = sg_json_str(c, "nonce")) == NULL ||
	    (len = strlen(v)) != strlen(nonce) ||
	    CRYPTO_memcmp(v, nonce, len) != 0)
		why = "nonce mismatch";
	/* Core §2: sub is a string of at most 255 ASCII characters. */
	else if ((v = sg_json_str(c, "sub")) == NULL ||
	    !printable(v, SG_MAX_IDP_SUB))
		why = "sub missing or malformed";
	if (why != NULL) {
		sg_log(req, SG_LOG_ERR, "idp id_token refused: %s", why);
		json_object_put(c);
		return SG_E_UPSTREAM;
	}
	*claims = c;
	return SG_OK;
}

/* A copy of a string claim fit to show and log, or NULL. */
static char *
claim_text(const struct sg_request *req, json_object *claims,
    const char *name)
{
	const char	*v;

	if (!json_object_object_get_ex(claims, name, NULL))
		return NULL;
	if ((v = sg_json_str(claims, name)) == NULL ||
	    !text_ok(v, SG_MAX_IDP_TEXT)) {
		sg_log(req, SG_LOG_WARN, "idp id_token: claim %.64s is not "
		    "usable text; ignored", name);
		return NULL;
	}
	return sg_xstrdup(v);
}

static void
fill_user(struct sg_oidc *o, const struct sg_request *req,
    json_object *claims, struct sg_oidc_user *user)
{
	char	*given, *family;

	user->sub = sg_xstrdup(sg_json_str(claims, "sub"));
	user->fhir_user = claim_text(req, claims, o->user_claim);
	if ((user->name = claim_text(req, claims, "name")) == NULL) {
		given = claim_text(req, claims, "given_name");
		family = claim_text(req, claims, "family_name");
		if (given != NULL && family != NULL) {
			const char *const parts[] = { given, " ", family, NULL };

			user->name = join(parts);
			free(given);
			free(family);
		} else
			user->name = given != NULL ? given : family;
	}
	user->claims = claims;
}

enum sg_status
sg_oidc_exchange(struct sg_oidc *o, const struct sg_request *req,
    const char *code, const char *verifier, const char *redirect_uri,
    const char *nonce, struct sg_oidc_user *user)
{
	const char		*args[] = { code, verifier, redirect_uri, nonce };
	const char		*hdrs[4];
	struct sg_http_resp	 resp;
	json_object		*doc = NULL, *claims = NULL;
	char			*auth = NULL, *body = NULL;
	const char		*idt;
	enum sg_status		 st;
	size_t			 i;

	memset(&resp, 0, sizeof(resp));
	if (user != NULL)
		memset(user, 0, sizeof(*user));
	if (o == NULL || user == NULL)
		return SG_E_INTERNAL;
	if ((st = oidc_begin(o, req, args,
	    sizeof(args) / sizeof(args[0]))) != SG_OK)
		return st;

	/* RFC 6749 §4.1.3, RFC 7636 §4.5; a public client names itself. */
	{
		const char *const names[] = { "grant_type", "code",
		    "redirect_uri", "code_verifier", "client_id" };
		const char *const values[] = { "authorization_code", code,
		    redirect_uri, verifier,
		    o->secret == NULL ? o->client_id : NULL };

		body = sg_url_form(names, values, 5);
	}
	i = 0;
	hdrs[i++] = "Content-Type: application/x-www-form-urlencoded";
	hdrs[i++] = "Accept: application/json";
	if (o->secret != NULL) {
		auth = sg_oauth_basic_header(o->client_id, o->secret);
		hdrs[i++] = auth;
	}
	hdrs[i] = NULL;

	st = sg_http_request(o->http, req, "POST", o->token_ep, hdrs, body,
	    strlen(body), SG_MAX_UPSTREAM_SMALL, &resp);
	if (st != SG_OK) {
		sg_log(req, SG_LOG_ERR, "idp token endpoint: %.200s: %s",
		    o->token_ep, st == SG_E_TOO_LARGE ? "answer too large" :
		    st == SG_E_UPSTREAM_TIMEOUT ? "timeout" : "request failed");
		st = upstream_status(st);
		goto done;
	}
	doc = sg_json_object(resp.body, resp.len);
	/* RFC 6749 §5.1: success is 200; §5.2: anything else is an error. */
	if (resp.status != 200 || (doc != NULL &&
	    json_object_object_get_ex(doc, "error", NULL))) {
		st = token_error(req, resp.status, doc);
		goto done;
	}
	st = SG_E_UPSTREAM;
	if (doc == NULL) {
		sg_log(req, SG_LOG_ERR, "idp token endpoint: answer is not a "
		    "JSON object");
		goto done;
	}
	if ((idt = sg_json_str(doc, "id_token")) == NULL) {
		sg_log(req, SG_LOG_ERR, "idp token endpoint: no id_token");
		goto done;
	}
	if ((st = verify_id_token(o, req, idt, nonce, &claims)) != SG_OK)
		goto done;
	fill_user(o, req, claims, user);
	st = SG_OK;
done:
	json_object_put(doc);
	if (resp.body != NULL)
		OPENSSL_cleanse(resp.body, resp.len);
	sg_http_resp_free(&resp);
	sg_free_secret(auth);
	sg_free_secret(body);
	return st;
}
