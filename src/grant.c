/*
 * Grants and the artifacts that carry them.  A code or refresh token
 * is the grant as compact JSON, sealed for its purpose; an access token
 * is what the proxy needs of it, sealed too.  Nothing about them is
 * stored but a code's jti once used and each grant's refresh
 * generation (ledger.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "bounds.h"
#include "config.h"
#include "grant.h"
#include "json.h"
#include "jwt.h"
#include "keys.h"
#include "ledger.h"
#include "log.h"
#include "mem.h"
#include "scope.h"
#include "seal.h"
#include "status.h"

void
sg_grant_new_id(struct sg_grant *g)
{
	sg_seal_random_id(g->gid);
}

void
sg_grant_clear(struct sg_grant *g)
{
	free(g->client_id);
	free(g->scope);
	free(g->sub);
	free(g->name);
	free(g->fhir_user);
	free(g->nonce);
	free(g->redirect_uri);
	free(g->code_challenge);
	sg_context_clear(&g->ctx);
	memset(g, 0, sizeof(*g));
	g->ctx.need_patient_banner = -1;
}

char *
sg_grant_seal(const struct sg_keys *keys, const char *purpose,
    const struct sg_grant *g, time_t expiry)
{
	json_object	*o = json_object_new_object();
	char		 jti[23];

	sg_seal_random_id(jti);
	sg_json_put_str(o, "jti", jti);
	sg_json_put_str(o, "gid", g->gid);
	sg_json_put_str(o, "cid", g->client_id);
	sg_json_put_str(o, "scope", g->scope);
	sg_json_put_str(o, "sub", g->sub);
	sg_json_put_str(o, "name", g->name);
	sg_json_put_str(o, "fu", g->fhir_user);
	sg_json_put_str(o, "nonce", g->nonce);
	json_object_object_add(o, "at", json_object_new_int64(g->auth_time));
	json_object_object_add(o, "ctx", sg_context_to_json(&g->ctx));
	sg_json_put_str(o, "ru", g->redirect_uri);
	sg_json_put_str(o, "cc", g->code_challenge);
	if (g->grant_exp != 0)
		json_object_object_add(o, "gexp",
		    json_object_new_int64(g->grant_exp));
	if (g->offline)
		json_object_object_add(o, "off", json_object_new_boolean(1));
	if (g->gen != 0)
		json_object_object_add(o, "gen",
		    json_object_new_int64((int64_t)g->gen));
	return sg_seal_json(keys, purpose, expiry, o);
}

enum sg_seal_result
sg_grant_open(const struct sg_keys *keys, const char *purpose, time_t now,
    const char *text, struct sg_grant *g, char *jti)
{
	enum sg_seal_result	 r;
	json_object		*o, *ctx, *v;
	time_t			 gen;

	memset(g, 0, sizeof(*g));
	g->ctx.need_patient_banner = -1;
	if ((r = sg_unseal_json(keys, purpose, now, text, &o)) != SG_SEAL_OK)
		return r;
	if (sg_json_get_fixed(o, "jti", jti, 22) == -1 ||
	    sg_json_get_fixed(o, "gid", g->gid, 22) == -1 ||
	    sg_json_get_str(o, "cid", &g->client_id) == -1 ||
	    g->client_id == NULL ||
	    sg_json_get_str(o, "scope", &g->scope) == -1 || g->scope == NULL ||
	    sg_json_get_str(o, "sub", &g->sub) == -1 ||
	    sg_json_get_str(o, "name", &g->name) == -1 ||
	    sg_json_get_str(o, "fu", &g->fhir_user) == -1 ||
	    sg_json_get_str(o, "nonce", &g->nonce) == -1 ||
	    sg_json_get_time(o, "at", &g->auth_time) == -1 ||
	    sg_json_get_str(o, "ru", &g->redirect_uri) == -1 ||
	    sg_json_get_str(o, "cc", &g->code_challenge) == -1 ||
	    sg_json_get_time(o, "gexp", &g->grant_exp) == -1 ||
	    !json_object_object_get_ex(o, "ctx", &ctx) ||
	    sg_context_from_json(ctx, &g->ctx) == -1) {
		sg_grant_clear(g);
		json_object_put(o);
		return SG_SEAL_MALFORMED;
	}
	g->offline = json_object_object_get_ex(o, "off", &v) &&
	    json_object_is_type(v, json_type_boolean) &&
	    json_object_get_boolean(v);
	if (sg_json_get_time(o, "gen", &gen) == -1 || gen < 0) {
		sg_grant_clear(g);
		json_object_put(o);
		return SG_SEAL_MALFORMED;
	}
	g->gen = (uint64_t)gen;
	json_object_put(o);
	return SG_SEAL_OK;
}

static int
has_scope(const char *scopes, const char *want)
{
	const char	*p = scopes;
	size_t		 n = strlen(want);

	while (p != NULL && *p != '\0') {
		if (strncmp(p, want, n) == 0 && (p[n] == ' ' || p[n] == '\0'))
			return 1;
		if ((p = strchr(p, ' ')) != NULL)
			p++;
	}
	return 0;
}

static char *
grant_sign(const struct sg_signing_key *key, const char *typ,
    json_object *claims)
{
	char	*jwt;

	jwt = sg_jwt_sign(key, typ, claims);
	json_object_put(claims);
	return jwt;
}

/*
 * Sealed, not signed: SMART App Launch treats access tokens as opaque
 * to the app, and a JWT would tell the app who the user is even when
 * the user refused openid / fhirUser / profile.  Sealing is also a
 * thousand times cheaper than an RSA signature.
 */
char *
sg_grant_access_token(const struct sg_config *cfg, const struct sg_keys *keys,
    const struct sg_grant *g, time_t now, long ttl)
{
	json_object	*o = json_object_new_object(), *ctx;
	char		 jti[23];

	sg_seal_random_id(jti);
	sg_json_put_str(o, "jti", jti);
	sg_json_put_str(o, "gid", g->gid);
	sg_json_put_str(o, "cid", g->client_id);
	sg_json_put_str(o, "scope", g->scope);
	sg_json_put_str(o, "aud", cfg->fhir_base);	/* SMART "aud" */
	/* The user, for the proxy: user/ scopes, audit (never the app). */
	sg_json_put_str(o, "sub", g->sub);
	sg_json_put_str(o, "fu", g->fhir_user);
	ctx = json_object_new_object();
	sg_json_put_str(ctx, "patient", g->ctx.patient);
	sg_json_put_str(ctx, "encounter", g->ctx.encounter);
	if (g->ctx.fhir_context != NULL)
		json_object_object_add(ctx, "fhirContext",
		    json_object_get(g->ctx.fhir_context));
	json_object_object_add(o, "ctx", ctx);
	json_object_object_add(o, "iat", json_object_new_int64(now));
	json_object_object_add(o, "exp", json_object_new_int64(now + ttl));
	return sg_seal_json(keys, SG_PURPOSE_ACCESS, now + ttl, o);
}

void
sg_access_clear(struct sg_access *a)
{
	free(a->client_id);
	free(a->scope);
	free(a->sub);
	free(a->fhir_user);
	free(a->aud);
	sg_context_clear(&a->ctx);
	memset(a, 0, sizeof(*a));
	a->ctx.need_patient_banner = -1;
}

enum sg_seal_result
sg_access_open(const struct sg_keys *keys, time_t now, const char *text,
    struct sg_access *a)
{
	enum sg_seal_result	 r;
	json_object		*o, *ctx;

	memset(a, 0, sizeof(*a));
	a->ctx.need_patient_banner = -1;
	if ((r = sg_unseal_json(keys, SG_PURPOSE_ACCESS, now, text, &o)) !=
	    SG_SEAL_OK)
		return r;
	if (sg_json_get_fixed(o, "jti", a->jti, 22) == -1 ||
	    sg_json_get_fixed(o, "gid", a->gid, 22) == -1 ||
	    sg_json_get_str(o, "cid", &a->client_id) == -1 ||
	    a->client_id == NULL ||
	    sg_json_get_str(o, "scope", &a->scope) == -1 || a->scope == NULL ||
	    sg_json_get_str(o, "aud", &a->aud) == -1 ||
	    sg_json_get_str(o, "sub", &a->sub) == -1 ||
	    sg_json_get_str(o, "fu", &a->fhir_user) == -1 ||
	    sg_json_get_time(o, "iat", &a->iat) == -1 ||
	    sg_json_get_time(o, "exp", &a->exp) == -1 || a->exp < now ||
	    !json_object_object_get_ex(o, "ctx", &ctx) ||
	    sg_context_from_json(ctx, &a->ctx) == -1) {
		sg_access_clear(a);
		json_object_put(o);
		return SG_SEAL_MALFORMED;
	}
	json_object_put(o);
	return SG_SEAL_OK;
}

int
sg_grant_revoke(struct sg_ledger *l, const struct sg_request *req,
    const char *gid, long ttl, time_t now)
{
	char	 key[64];
	int	 rc = 0;

	snprintf(key, sizeof(key), SG_LEDGER_NS_REVOKED "%s", gid);
	if (sg_ledger_add(l, req, key, now + ttl, now) ==
	    SG_LEDGER_UNAVAILABLE) {
		sg_log(req, SG_LOG_ERR, "could not record revocation of %s",
		    gid);
		rc = -1;
	}
	sg_log(req, SG_LOG_WARN, "grant %s revoked", gid);
	return rc;
}

int
sg_grant_record(struct sg_ledger *l, const struct sg_request *req,
    const struct sg_grant *g, int refreshable, long access_ttl, time_t now)
{
	json_object	*o = json_object_new_object();
	const char	*s;
	char		 key[64];
	time_t		 until = now + access_ttl;
	int		 rc = -1;

	/* answer() in cgi-bin/token.c issues a refresh token on this rule. */
	if (refreshable && (has_scope(g->scope, "offline_access") ||
	    has_scope(g->scope, "online_access")) && g->grant_exp > until)
		until = g->grant_exp;
	sg_json_put_str(o, "cid", g->client_id);
	sg_json_put_str(o, "sub", g->sub);
	sg_json_put_str(o, "fu", g->fhir_user);
	sg_json_put_str(o, "pat", g->ctx.patient);
	json_object_object_add(o, "since", json_object_new_int64(now));
	json_object_object_add(o, "offline",
	    json_object_new_int(g->offline ? 1 : 0));
	sg_json_put_str(o, "scope", g->scope);
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	if (strlen(s) > SG_LEDGER_VALUE_MAX) {
		/* Who and when matter most for revoking; the scope yields. */
		json_object_object_del(o, "scope");
		s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
		sg_log(req, SG_LOG_WARN, "grant %s recorded without its "
		    "scope (too long)", g->gid);
	}
	snprintf(key, sizeof(key), SG_LEDGER_NS_GRANT "%s", g->gid);
	if (strlen(s) <= SG_LEDGER_VALUE_MAX && sg_ledger_put(l, req, key, s,
	    strlen(s), until, now) == SG_LEDGER_OK)
		rc = 0;
	else
		sg_log(req, SG_LOG_ERR, "could not record grant %s", g->gid);
	json_object_put(o);
	return rc;
}

enum sg_status
sg_grant_rotate(struct sg_ledger *l, const struct sg_request *req,
    struct sg_grant *g, long revoke_ttl, time_t now, const char **why)
{
	char	 key[64];

	snprintf(key, sizeof(key), SG_LEDGER_NS_REVOKED "%s", g->gid);
	switch (sg_ledger_has(l, req, key, now)) {
	case SG_LEDGER_OK:
		break;
	case SG_LEDGER_EXISTS:
		*why = "the grant was revoked";
		return SG_E_INVALID_GRANT;
	default:
		return SG_E_UNAVAILABLE;
	}
	/*
	 * One record per grant: its current generation, compared and
	 * advanced in one write transaction.  It lives as long as the
	 * grant (a refresh token never outlives grant_exp).
	 */
	snprintf(key, sizeof(key), SG_LEDGER_NS_RTGEN "%s", g->gid);
	switch (sg_ledger_advance(l, req, key, g->gen, g->gen + 1,
	    g->grant_exp > now ? g->grant_exp : now + 60, now)) {
	case SG_LEDGER_OK:
		g->gen++;
		return SG_OK;
	case SG_LEDGER_STALE:
		/* A rotated token came back: someone has a copy. */
		(void)sg_grant_revoke(l, req, g->gid, revoke_ttl, now);
		*why = "the refresh token was already used; the grant is "
		    "revoked";
		return SG_E_INVALID_GRANT;
	default:
		return SG_E_UNAVAILABLE;
	}
}

char *
sg_grant_id_token(const struct sg_config *cfg, const struct sg_keys *keys,
    const struct sg_grant *g, time_t now, long ttl)
{
	json_object	*o = json_object_new_object();

	sg_json_put_str(o, "iss", cfg->issuer);
	sg_json_put_str(o, "sub", g->sub);
	sg_json_put_str(o, "aud", g->client_id);
	json_object_object_add(o, "iat", json_object_new_int64(now));
	json_object_object_add(o, "exp", json_object_new_int64(now + ttl));
	if (g->auth_time != 0)
		json_object_object_add(o, "auth_time",
		    json_object_new_int64(g->auth_time));
	sg_json_put_str(o, "nonce", g->nonce);
	/* SMART App Launch "fhirUser" scope: the user's FHIR resource URL. */
	if (has_scope(g->scope, "fhirUser") && g->fhir_user != NULL) {
		char *url = sg_xconcat(cfg->fhir_base, "/");
		char *full = sg_xconcat(url, g->fhir_user);

		sg_json_put_str(o, "fhirUser", full);
		free(url);
		free(full);
	}
	if (has_scope(g->scope, "profile"))
		sg_json_put_str(o, "name", g->name);
	return grant_sign(sg_keys_id_token(keys), NULL, o);
}


void
sg_token_clear(struct sg_token *t)
{
	sg_access_clear(&t->a);
	t->kind = 0;
	t->gen = 0;
}

enum sg_seal_result
sg_token_open(const struct sg_keys *keys, time_t now, const char *text,
    struct sg_token *t)
{
	struct sg_grant		 g;
	enum sg_seal_result	 r;

	memset(t, 0, sizeof(*t));
	t->a.ctx.need_patient_banner = -1;
	/*
	 * Each purpose has its own key (seal.h): trying both costs one
	 * more AEAD open, and a token never opens as the other kind.
	 */
	if (sg_access_open(keys, now, text, &t->a) == SG_SEAL_OK) {
		t->kind = SG_TOKEN_ACCESS;
		return SG_SEAL_OK;
	}
	if ((r = sg_grant_open(keys, SG_PURPOSE_REFRESH, now, text, &g,
	    t->a.jti)) != SG_SEAL_OK) {
		sg_token_clear(t);
		return r;
	}
	/* The token endpoint seals every refresh token with its grant's end. */
	if (g.grant_exp <= 0) {
		sg_grant_clear(&g);
		sg_token_clear(t);
		return SG_SEAL_MALFORMED;
	}
	/* The grant's strings move over; the rest is dropped with g. */
	t->kind = SG_TOKEN_REFRESH;
	memcpy(t->a.gid, g.gid, sizeof(t->a.gid));
	t->a.client_id = g.client_id;
	t->a.scope = g.scope;
	t->a.sub = g.sub;
	t->a.fhir_user = g.fhir_user;
	g.client_id = g.scope = g.sub = g.fhir_user = NULL;
	t->a.ctx.patient = g.ctx.patient;
	t->a.ctx.encounter = g.ctx.encounter;
	t->a.ctx.fhir_context = g.ctx.fhir_context;
	g.ctx.patient = g.ctx.encounter = NULL;
	g.ctx.fhir_context = NULL;
	t->a.exp = g.grant_exp;
	t->gen = g.gen;
	sg_grant_clear(&g);
	return SG_SEAL_OK;
}

int
sg_token_live(const struct sg_config *cfg, struct sg_ledger *l,
    const struct sg_request *req, const struct sg_token *t, time_t now)
{
	char	 key[64];

	if (t->kind == SG_TOKEN_ACCESS && (t->a.aud == NULL ||
	    strcmp(t->a.aud, cfg->fhir_base) != 0 ||
	    t->a.iat > now + SG_ASSERTION_LEEWAY))
		return 0;
	if (t->kind != SG_TOKEN_ACCESS && t->kind != SG_TOKEN_REFRESH)
		return 0;
	snprintf(key, sizeof(key), SG_LEDGER_NS_REVOKED "%s", t->a.gid);
	switch (sg_ledger_has(l, req, key, now)) {
	case SG_LEDGER_OK:
		break;
	case SG_LEDGER_EXISTS:
		return 0;
	default:
		return -1;
	}
	if (t->kind == SG_TOKEN_ACCESS)
		return 1;
	/*
	 * The generation as sg_grant_rotate() compares it, set to itself:
	 * a rotated (older) token is dead, the current one stays usable.
	 */
	snprintf(key, sizeof(key), SG_LEDGER_NS_RTGEN "%s", t->a.gid);
	switch (sg_ledger_advance(l, req, key, t->gen, t->gen,
	    t->a.exp > now ? t->a.exp : now + 60, now)) {
	case SG_LEDGER_OK:
		return 1;
	case SG_LEDGER_STALE:
		return 0;
	default:
		return -1;
	}
}

long
sg_grant_revoke_ttl(const struct sg_config *cfg)
{
	long	 ttl = cfg->refresh_token_ttl;

	if (ttl < SG_TTL_ONLINE_REFRESH)
		ttl = SG_TTL_ONLINE_REFRESH;
	if (ttl < cfg->access_token_ttl)
		ttl = cfg->access_token_ttl;
	return ttl;
}

/* The system/ resource scopes of l (copies) into *out. */
static void
system_only(const struct sg_scopes *l, struct sg_scopes *out)
{
	size_t	 i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < l->n; i++)
		if (l->v[i].kind == SG_SCOPE_RESOURCE &&
		    l->v[i].ctx == SG_CTX_SYSTEM)
			(void)sg_scopes_add(out, &l->v[i]);
}

char *
sg_grant_backend_scope(const char *requested, const char *registered)
{
	struct sg_scopes	 req, reg, rsys, gsys, out;
	char			*s = NULL;

	sg_scopes_parse(requested, &req);
	sg_scopes_parse(registered, &reg);
	system_only(&req, &rsys);
	system_only(&reg, &gsys);
	sg_scopes_limit(&rsys, &gsys, &out);
	if (out.n > 0)
		s = sg_scopes_string(&out);
	sg_scopes_free(&req);
	sg_scopes_free(&reg);
	sg_scopes_free(&rsys);
	sg_scopes_free(&gsys);
	sg_scopes_free(&out);
	return s;
}

char *
sg_grant_backend_token(const struct sg_config *cfg, const struct sg_keys *keys,
    const char *client_id, const char *scope, time_t now, long *ttl)
{
	struct sg_grant	 g;
	char		*tok;

	memset(&g, 0, sizeof(g));
	g.ctx.need_patient_banner = -1;
	sg_grant_new_id(&g);
	g.client_id = sg_xstrdup(client_id);
	g.scope = sg_xstrdup(scope);
	/* RFC 7662 §2.2 / RFC 9068 §2.2: the client acts for itself. */
	g.sub = sg_xstrdup(client_id);
	*ttl = cfg->access_token_ttl > 0 &&
	    cfg->access_token_ttl < SG_TTL_BACKEND_MAX ?
	    cfg->access_token_ttl : SG_TTL_BACKEND_MAX;
	tok = sg_grant_access_token(cfg, keys, &g, now, *ttl);
	sg_grant_clear(&g);
	return tok;
}

/* A string member of a grant record, or NULL. */
static const char *
record_str(json_object *o, const char *name)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* What a scan or a look-up is after, and whom it tells. */
struct grant_pick {
	const char		*client;	/* NULL: any */
	const char		*user;		/* NULL: any */
	sg_grant_list_fn	 fn;
	void			*arg;
	const struct sg_request	*req;
	size_t			 count;
	int			 stop;
};

/* sg_ledger_scan() callback: one grant record, parsed and filtered. */
static int
grant_one(const char *key, const char *value, size_t len, time_t expiry,
    void *arg)
{
	struct grant_pick	*pk = arg;
	struct sg_grant_info	 gi;
	json_object		*o, *v;
	const char		*gid = key + strlen(SG_LEDGER_NS_GRANT);
	int			 rc = 0;

	if ((o = sg_json_object(value, len)) == NULL ||
	    strlen(gid) != SG_GRANT_ID_LEN) {
		sg_log(pk->req, SG_LOG_WARN, "%s: not a grant record; "
		    "skipped", key);
		json_object_put(o);
		return 0;
	}
	memset(&gi, 0, sizeof(gi));
	memcpy(gi.gid, gid, SG_GRANT_ID_LEN);
	gi.client_id = record_str(o, "cid");
	gi.sub = record_str(o, "sub");
	gi.fhir_user = record_str(o, "fu");
	gi.patient = record_str(o, "pat");
	gi.scope = record_str(o, "scope");
	gi.until = expiry;
	if (json_object_object_get_ex(o, "since", &v) &&
	    json_object_is_type(v, json_type_int))
		gi.since = (time_t)json_object_get_int64(v);
	if (json_object_object_get_ex(o, "offline", &v) &&
	    json_object_is_type(v, json_type_int))
		gi.offline = json_object_get_int(v) != 0;
	/* A record without its client or user matches no filter. */
	if ((pk->client != NULL && (gi.client_id == NULL ||
	    strcmp(gi.client_id, pk->client) != 0)) || (pk->user != NULL &&
	    (gi.sub == NULL || strcmp(gi.sub, pk->user) != 0)))
		goto done;
	pk->count++;
	if ((rc = pk->fn(&gi, pk->arg)) != 0)
		pk->stop = 1;
 done:
	json_object_put(o);
	return rc;
}

enum sg_ledger_result
sg_grant_list(struct sg_ledger *l, const struct sg_request *req,
    time_t now, const char *client, const char *user, sg_grant_list_fn fn,
    void *arg)
{
	struct grant_pick	 pk;

	memset(&pk, 0, sizeof(pk));
	pk.client = client;
	pk.user = user;
	pk.fn = fn;
	pk.arg = arg;
	pk.req = req;
	return sg_ledger_scan(l, req, SG_LEDGER_NS_GRANT, now, grant_one, &pk);
}

enum sg_ledger_result
sg_grant_find(struct sg_ledger *l, const struct sg_request *req,
    time_t now, const char *gid, sg_grant_list_fn fn, void *arg)
{
	struct grant_pick	 pk;
	enum sg_ledger_result	 r;
	char			 key[64], *value = NULL;
	size_t			 len = 0;

	if (!sg_grant_id_ok(gid))
		return SG_LEDGER_OK;
	memset(&pk, 0, sizeof(pk));
	pk.fn = fn;
	pk.arg = arg;
	pk.req = req;
	snprintf(key, sizeof(key), SG_LEDGER_NS_GRANT "%s", gid);
	/* The expiry is not returned by a get: the record's own "until"
	   is not kept either, so a found grant shows none (0). */
	r = sg_ledger_get(l, req, key, now, &value, &len);
	if (r == SG_LEDGER_EXISTS) {
		(void)grant_one(key, value, len, 0, &pk);
		if (pk.count == 0)
			r = SG_LEDGER_OK;	/* not a grant record */
	}
	free(value);
	return r;
}

enum sg_ledger_result
sg_grant_revoked(struct sg_ledger *l, const struct sg_request *req,
    const char *gid, time_t now)
{
	char	 key[64];

	snprintf(key, sizeof(key), SG_LEDGER_NS_REVOKED "%s", gid);
	return sg_ledger_has(l, req, key, now);
}

int
sg_grant_id_ok(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    s[i] == '_'))
			return 0;
	return i == SG_GRANT_ID_LEN;
}
