/*
 * Client authentication at the token endpoint (clientauth.h).
 *
 * References:
 *   RFC 6749 §2.3, §2.3.1, §5.2 (invalid_client, invalid_request);
 *   RFC 7521 §4.2 (client_assertion_type, client_assertion) and
 *   §4.2.1 (errors: invalid_client);
 *   RFC 7523 §2.2 and §3 (the JWT's iss, sub, aud, exp, jti);
 *   SMART App Launch 2.2 "client-confidential-asymmetric"
 *   (https://hl7.org/fhir/smart-app-launch/client-confidential-asymmetric.html):
 *   RS384 and ES384, "jku" only when it matches the registered
 *   jwks_uri, exp no more than five minutes in the future, jti not
 *   seen before within its lifetime.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "b64.h"
#include "bounds.h"
#include "clientauth.h"
#include "clients.h"
#include "http.h"
#include "json.h"
#include "jwk.h"
#include "jwkscache.h"
#include "jwt.h"
#include "ledger.h"
#include "log.h"
#include "mem.h"
#include "oauth.h"
#include "status.h"

/* RFC 7523 §2.2 */
#define ASSERTION_TYPE	"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

#define WHY_FAILED	"client authentication failed"
/*
 * What a failed assertion check says (RFC 6749 §5.2 error_description:
 * the check that failed, SMART Backend Services).  Client ids are not
 * secret, so naming the check reveals nothing a client could not learn
 * from its own registration.
 */
#define WHY_ISS		"client assertion iss is not a client registered " \
			    "for private_key_jwt"
#define WHY_KID		"client assertion kid names no registered key"
#define WHY_UNAVAILABLE	"client authentication temporarily unavailable"

struct sg_clientauth {
	struct sg_http		*http;
	struct sg_jwkscache	*jwks;	/* the clients' jwks_uri documents */
	char			*token_url;	/* an assertion's aud */
};

struct sg_clientauth *
sg_clientauth_new(long timeout_ms, const char *ca_file, const char *token_url)
{
	/* SMART: RS384 and ES384, unless a key's "alg" says otherwise. */
	static const struct sg_jwkscache_conf conf = {
		SG_MAX_CLIENT_JWKS_CACHE, SG_TTL_CLIENT_JWKS,
		SG_CLIENT_JWKS_REFETCH_MIN, SG_ALG_RS384, SG_ALG_ES384, NULL
	};
	struct sg_clientauth	*a;

	/*
	 * A jwks_uri is fetched while a token request waits: never longer
	 * than SG_CLIENT_JWKS_TIMEOUT_MS, whatever the upstream timeout.
	 */
	if (timeout_ms <= 0 || timeout_ms > SG_CLIENT_JWKS_TIMEOUT_MS)
		timeout_ms = SG_CLIENT_JWKS_TIMEOUT_MS;
	a = sg_xcalloc(1, sizeof(*a));
	a->token_url = sg_xstrdup(token_url);
	if ((a->http = sg_http_new(timeout_ms, ca_file)) == NULL ||
	    (a->jwks = sg_jwkscache_new(a->http, &conf)) == NULL) {
		sg_clientauth_free(a);
		return NULL;
	}
	return a;
}

void
sg_clientauth_free(struct sg_clientauth *a)
{
	if (a == NULL)
		return;
	sg_jwkscache_free(a->jwks);
	sg_http_free(a->http);
	free(a->token_url);
	free(a);
}

/*
 * An id fit for a log line: a client id's characters only (clients.h),
 * so that a claimed id cannot forge log lines.
 */
static const char *
log_id(const char *id)
{
	size_t	 i;
	char	 c;

	if (id == NULL)
		return "-";
	for (i = 0; (c = id[i]) != '\0'; i++)
		if (i >= SG_MAX_CLIENT_ID || !((c >= 'A' && c <= 'Z') ||
		    (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '_' || c == '~' || c == '-'))
			return "(invalid)";
	return i == 0 ? "(empty)" : id;
}

/* Logs one failure and sets *why; returns st. */
static enum sg_status
fail(const struct sg_request *req, enum sg_status st, const char *id,
    const char *reason, const char *why_text, const char **why)
{
	sg_log(req, SG_LOG_WARN, "client authentication failed: "
	    "client_id=%s: %s", log_id(id), reason);
	*why = why_text;
	return st;
}

/*
 * The registration of client id, which must use method (RFC 6749 §2.3:
 * the method the client registered, RFC 7591 §2).  SG_OK with *cl set,
 * or SG_E_INVALID_CLIENT (logged).
 */
static enum sg_status
registered(const struct sg_request *req, const struct sg_clients *reg,
    const char *id, enum sg_auth_method used, const struct sg_client **cl,
    const char **why)
{
	const char	*generic = used == SG_AUTH_PRIVATE_KEY_JWT ? WHY_ISS :
			    WHY_FAILED;

	if ((*cl = sg_clients_find(reg, id)) == NULL)
		return fail(req, SG_E_INVALID_CLIENT, id, "unknown client",
		    generic, why);
	if ((*cl)->auth_method != used) {
		sg_log(req, SG_LOG_WARN, "client authentication failed: "
		    "client_id=%s: used %s, registered %s", log_id(id),
		    sg_auth_method_name(used),
		    sg_auth_method_name((*cl)->auth_method));
		*cl = NULL;
		*why = generic;
		return SG_E_INVALID_CLIENT;
	}
	return SG_OK;
}

/*
 * The claims of a JWT whose shape sg_jwt_peek_header() already accepted
 * (three non-empty base64url segments), NOT verified: only to learn
 * which client the assertion claims to be from.
 */
static json_object *
peek_claims(const char *token)
{
	const char	*d1, *d2;
	unsigned char	*buf;
	size_t		 len = 0;
	json_object	*obj;

	if ((d1 = strchr(token, '.')) == NULL ||
	    (d2 = strchr(d1 + 1, '.')) == NULL)
		return NULL;
	if ((buf = sg_b64url_decode(d1 + 1, (size_t)(d2 - d1 - 1),
	    &len)) == NULL)
		return NULL;
	obj = sg_json_object((const char *)buf, len);
	free(buf);
	return obj;
}

/*
 * The ledger key of a jti: "jti:" client_id ":" jti, or, when the jti is
 * not printable ASCII or too long for a key, a hash of it in its place.
 */
static char *
jti_key(const char *client_id, const char *jti)
{
	unsigned char	 md[32];
	unsigned int	 mdlen = 0;
	char		*h, *key;
	size_t		 i, len, need;
	int		 plain = 1;

	len = strlen(jti);
	for (i = 0; i < len; i++)
		if ((unsigned char)jti[i] < 0x20 ||
		    (unsigned char)jti[i] > 0x7e)
			plain = 0;
	need = strlen(SG_LEDGER_NS_JTI) + strlen(client_id) + 1 + len;
	if (plain && need <= SG_LEDGER_KEY_MAX) {
		key = sg_xmalloc(need + 1);
		snprintf(key, need + 1, SG_LEDGER_NS_JTI "%s:%s", client_id,
		    jti);
		return key;
	}
	if (EVP_Digest(jti, len, md, &mdlen, EVP_sha256(), NULL) != 1)
		abort();
	h = sg_b64url_encode(md, mdlen);
	need = strlen(SG_LEDGER_NS_JTI) + strlen(client_id) + 8 + strlen(h);
	key = sg_xmalloc(need + 1);
	snprintf(key, need + 1, SG_LEDGER_NS_JTI "%s:sha256:%s", client_id,
	    h);
	free(h);
	return key;
}

/* How many of the keys carry this kid. */
static size_t
kid_count(const struct sg_jwk *keys, size_t nkeys, const char *kid)
{
	size_t	 i, n = 0;

	for (i = 0; i < nkeys; i++)
		if (strcmp(keys[i].kid, kid) == 0)
			n++;
	return n;
}

/*
 * private_key_jwt (RFC 7523 §3, SMART "client-confidential-asymmetric").
 * *found gets the client once the assertion is verified.
 */
static enum sg_status
check_assertion(struct sg_clientauth *a, const struct sg_request *req,
    const struct sg_clients *reg, struct sg_ledger *ledger, time_t now,
    const struct sg_clientauth_in *in, const struct sg_client **found,
    const char **why)
{
	const struct sg_client	*cl = NULL;
	const struct sg_jwk	*keys;
	struct sg_jwt_expect	 ex;
	json_object		*hdr = NULL, *peek = NULL, *claims = NULL, *v;
	const char		*alg, *iss, *id, *jku, *kid, *sub, *jti, *reason;
	char			*key = NULL;
	size_t			 nkeys, nkid;
	int64_t			 exp;
	enum sg_jwt_result	 res;
	enum sg_status		 st;

	id = in->client_id;
	/* RFC 7521 §4.2: both parameters, and this one type only. */
	if (in->assertion_type == NULL || in->assertion == NULL) {
		st = fail(req, SG_E_BAD_REQUEST, id, "client_assertion_type "
		    "without client_assertion or the reverse",
		    "client_assertion_type and client_assertion go together",
		    why);
		goto out;
	}
	if (strcmp(in->assertion_type, ASSERTION_TYPE) != 0) {
		st = fail(req, SG_E_INVALID_CLIENT, id, "unsupported "
		    "client_assertion_type", "unsupported client_assertion_type",
		    why);
		goto out;
	}
	if ((hdr = sg_jwt_peek_header(in->assertion)) == NULL ||
	    (peek = peek_claims(in->assertion)) == NULL) {
		st = fail(req, SG_E_INVALID_CLIENT, id, "malformed assertion",
		    "malformed client assertion", why);
		goto out;
	}
	/* Not trusted yet: it only tells which client's keys to try. */
	iss = sg_json_str(peek, "iss");
	/*
	 * SMART requires RS384 and ES384; we accept nothing else, whatever
	 * a registered key says (no RS256, never HS* or "none").
	 */
	alg = sg_json_str(hdr, "alg");
	if (alg == NULL || (strcmp(alg, "RS384") != 0 &&
	    strcmp(alg, "ES384") != 0)) {
		st = fail(req, SG_E_INVALID_CLIENT, iss != NULL ? iss : id,
		    "assertion alg is not RS384 or ES384",
		    "client assertion algorithm not allowed", why);
		goto out;
	}
	if (iss == NULL) {
		st = fail(req, SG_E_INVALID_CLIENT, id, "assertion without iss",
		    "client assertion has no iss", why);
		goto out;
	}
	if (id != NULL && strcmp(id, iss) != 0) {
		st = fail(req, SG_E_INVALID_CLIENT, id, "client_id differs from "
		    "the assertion's iss", "client assertion iss is not the "
		    "client_id", why);
		goto out;
	}
	/*
	 * SMART "client-confidential-asymmetric": the header's kid is
	 * required; it must name exactly one of the client's keys (below).
	 */
	if ((kid = sg_json_str(hdr, "kid")) == NULL || *kid == '\0') {
		st = fail(req, SG_E_INVALID_CLIENT, iss, "assertion without "
		    "kid", "client assertion has no kid", why);
		goto out;
	}
	id = iss;
	if ((st = registered(req, reg, id, SG_AUTH_PRIVATE_KEY_JWT, &cl,
	    why)) != SG_OK)
		goto out;
	/*
	 * SMART: a jku SHALL match the jwks_uri registered for the client;
	 * we never fetch from any other URL.
	 */
	if (json_object_object_get_ex(hdr, "jku", &v) &&
	    ((jku = sg_json_str(hdr, "jku")) == NULL || cl->jwks_uri == NULL ||
	    strcmp(jku, cl->jwks_uri) != 0)) {
		st = fail(req, SG_E_INVALID_CLIENT, id, "jku is not the "
		    "registered jwks_uri", "client assertion jku is not the "
		    "registered jwks_uri", why);
		goto out;
	}
	if (cl->jwks_uri != NULL) {
		if (sg_jwkscache_get(a->jwks, req, cl->jwks_uri, &keys,
		    &nkeys, &reason) != SG_OK) {
			st = fail(req, SG_E_INVALID_CLIENT, id, reason,
			    "the client's jwks_uri gave no usable keys", why);
			goto out;
		}
	} else {
		keys = cl->keys;
		nkeys = cl->nkeys;
	}
	/* Key rotation: an unknown kid earns one early re-fetch. */
	if ((nkid = kid_count(keys, nkeys, kid)) == 0 &&
	    cl->jwks_uri != NULL) {
		st = sg_jwkscache_refetch(a->jwks, req, cl->jwks_uri, &keys,
		    &nkeys, &reason);
		if (st == SG_OK)
			nkid = kid_count(keys, nkeys, kid);
		else if (st != SG_E_UNAVAILABLE)
			sg_log(req, SG_LOG_WARN, "client_id=%s: re-fetching "
			    "jwks_uri: %s", log_id(id), reason);
	}
	if (nkid != 1) {
		st = fail(req, SG_E_INVALID_CLIENT, id, nkid == 0 ?
		    "no key with the assertion's kid" : "more than one key "
		    "with the assertion's kid", nkid == 0 ? WHY_KID :
		    "client assertion kid names more than one key", why);
		goto out;
	}

	/*
	 * Signature, alg = the key's, iss, exp present and not past,
	 * nbf/iat not ahead (beyond the leeway).  aud and the lifetime are
	 * checked below for a precise log line.
	 */
	memset(&ex, 0, sizeof(ex));
	ex.iss = cl->client_id;
	ex.now = now;
	ex.leeway = SG_ASSERTION_LEEWAY;
	ex.require_exp = 1;
	res = sg_jwt_verify(in->assertion, keys, nkeys, &ex, &claims, NULL);
	switch (res) {
	case SG_JWT_OK:
		break;
	case SG_JWT_EXPIRED:
		st = fail(req, SG_E_INVALID_CLIENT, id, "assertion expired",
		    "client assertion expired", why);
		goto out;
	case SG_JWT_NOT_YET:
		st = fail(req, SG_E_INVALID_CLIENT, id, "assertion iat or nbf "
		    "in the future", "client assertion not yet valid", why);
		goto out;
	case SG_JWT_BAD_ALG:
		st = fail(req, SG_E_INVALID_CLIENT, id, sg_jwt_strerror(res),
		    "client assertion alg does not fit the key its kid names",
		    why);
		goto out;
	case SG_JWT_BAD_SIGNATURE:
		st = fail(req, SG_E_INVALID_CLIENT, id, sg_jwt_strerror(res),
		    "client assertion signature does not verify", why);
		goto out;
	case SG_JWT_BAD_CLAIMS:
		st = fail(req, SG_E_INVALID_CLIENT, id, sg_jwt_strerror(res),
		    "client assertion iss or exp missing or malformed", why);
		goto out;
	default:
		st = fail(req, SG_E_INVALID_CLIENT, id, sg_jwt_strerror(res),
		    "malformed client assertion", why);
		goto out;
	}

	/* RFC 7523 §3 item 2.B: sub is the client_id. */
	if ((sub = sg_json_str(claims, "sub")) == NULL ||
	    strcmp(sub, cl->client_id) != 0) {
		st = fail(req, SG_E_INVALID_CLIENT, id, "assertion sub is not "
		    "the client_id", "client assertion sub is not the "
		    "client_id", why);
		goto out;
	}
	/* RFC 7523 §3 item 3; SMART: aud is the token endpoint URL. */
	if (!json_object_object_get_ex(claims, "aud", &v) ||
	    !sg_json_str_in(v, a->token_url)) {
		st = fail(req, SG_E_INVALID_CLIENT, id, "assertion aud is not "
		    "the token endpoint", "client assertion aud is not the "
		    "token endpoint URL", why);
		goto out;
	}
	/*
	 * RFC 7523 §3 item 4: exp required and in the future (no leeway
	 * here: the jti is only remembered until exp); SMART: "no more
	 * than five minutes in the future".
	 */
	if (!json_object_object_get_ex(claims, "exp", &v) ||
	    (!json_object_is_type(v, json_type_int) &&
	    !json_object_is_type(v, json_type_double))) {
		st = fail(req, SG_E_INVALID_CLIENT, id, "assertion exp missing",
		    "client assertion has no exp", why);
		goto out;
	}
	exp = json_object_get_int64(v);
	if (exp <= (int64_t)now) {
		st = fail(req, SG_E_INVALID_CLIENT, id, "assertion expired",
		    "client assertion expired", why);
		goto out;
	}
	if (exp - (int64_t)now > SG_MAX_ASSERTION_LIFETIME) {
		st = fail(req, SG_E_INVALID_CLIENT, id, "assertion exp more "
		    "than five minutes ahead", "client assertion exp must be "
		    "at most five minutes ahead", why);
		goto out;
	}
	/* RFC 7523 §3 item 7, SMART: a jti, used once. */
	if ((jti = sg_json_str(claims, "jti")) == NULL || *jti == '\0' ||
	    strlen(jti) > SG_MAX_PARAM_VALUE) {
		st = fail(req, SG_E_INVALID_CLIENT, id, "assertion without jti",
		    "client assertion has no jti", why);
		goto out;
	}
	key = jti_key(cl->client_id, jti);
	switch (sg_ledger_add(ledger, req, key, (time_t)exp, now)) {
	case SG_LEDGER_OK:
		break;
	case SG_LEDGER_EXISTS:
		st = fail(req, SG_E_INVALID_CLIENT, id, "assertion replayed "
		    "(jti seen before)", "client assertion replayed", why);
		goto out;
	default:
		st = fail(req, SG_E_UNAVAILABLE, id, "ledger unavailable: "
		    "cannot record the jti", WHY_UNAVAILABLE, why);
		goto out;
	}
	*found = cl;
	st = SG_OK;
out:
	free(key);
	json_object_put(hdr);
	json_object_put(peek);
	json_object_put(claims);
	return st;
}

void
sg_clientauth_in_form(struct sg_clientauth_in *in, const struct sg_form *f,
    size_t first)
{
	in->client_id = f->value[first];
	in->client_secret = f->value[first + 1];
	in->assertion_type = f->value[first + 2];
	in->assertion = f->value[first + 3];
}

enum sg_status
sg_clientauth_check(struct sg_clientauth *a, const struct sg_request *req,
    const struct sg_clients *reg, struct sg_ledger *ledger,
    time_t now, const struct sg_clientauth_in *in,
    const struct sg_client **client, const char **why)
{
	const struct sg_client	*cl;
	enum sg_auth_method	 used;
	enum sg_status		 st;
	char			*bid = NULL, *bsec = NULL;
	const char		*id, *secret;
	int			 basic, jwt, n;

	*client = NULL;
	*why = WHY_FAILED;
	id = in->client_id;
	basic = sg_oauth_basic(req, &bid, &bsec);
	jwt = in->assertion != NULL || in->assertion_type != NULL;
	n = (basic != 0) + (in->client_secret != NULL) + jwt;
	/* RFC 6749 §2.3: "MUST NOT use more than one authentication method". */
	if (n > 1) {
		st = fail(req, SG_E_BAD_REQUEST, basic == 1 ? bid : id,
		    "more than one authentication method",
		    "more than one client authentication method", why);
		goto out;
	}
	if (basic == -1) {
		st = fail(req, SG_E_INVALID_CLIENT, id, "malformed Basic "
		    "credentials", WHY_FAILED, why);
		goto out;
	}
	if (jwt) {
		st = check_assertion(a, req, reg, ledger, now, in, client,
		    why);
		goto out;
	}

	if (basic == 1) {
		used = SG_AUTH_SECRET_BASIC;
		/* A client_id in the body must name the same client. */
		if (id != NULL && strcmp(id, bid) != 0) {
			st = fail(req, SG_E_INVALID_CLIENT, bid, "client_id in "
			    "the body differs from the Basic user", WHY_FAILED,
			    why);
			goto out;
		}
		id = bid;
		secret = bsec;
	} else if (in->client_secret != NULL) {
		used = SG_AUTH_SECRET_POST;
		if (id == NULL) {
			st = fail(req, SG_E_BAD_REQUEST, id, "client_secret "
			    "without client_id", "client_id is required", why);
			goto out;
		}
		secret = in->client_secret;
	} else {
		used = SG_AUTH_NONE;
		/* RFC 6749 §5.2: "no client authentication included". */
		if (id == NULL) {
			st = fail(req, SG_E_INVALID_CLIENT, id, "no client "
			    "authentication and no client_id", WHY_FAILED, why);
			goto out;
		}
		secret = NULL;
	}

	if ((st = registered(req, reg, id, used, &cl, why)) != SG_OK)
		goto out;
	if (secret != NULL && !sg_client_secret_ok(cl, secret,
	    strlen(secret))) {
		st = fail(req, SG_E_INVALID_CLIENT, id, "wrong client secret",
		    WHY_FAILED, why);
		goto out;
	}
	*client = cl;
	st = SG_OK;
out:
	free(bid);
	sg_free_secret(bsec);
	return st;
}
