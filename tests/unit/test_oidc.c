/*
 * Unit tests for oidc.c against a tiny identity provider run in a
 * thread on a loopback ephemeral port (the approach of test_http.c).
 * It serves what each test puts in srv:
 *
 *   /.well-known/openid-configuration   srv.disc (HTTP srv.disc_status)
 *   /jwks                               srv.jwks (HTTP srv.jwks_status)
 *   /token                              srv.token (HTTP srv.token_status),
 *                                       and keeps the request in srv.last
 *   /slow-token                         answers after SLOW_MS
 *
 * and counts the hits per path.  The keys are generated once per run;
 * id_tokens are signed here with sg_jwt_sign().
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/stat.h>

#include <check.h>
#include <json-c/json.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "bounds.h"
#include "config.h"
#include "jwt.h"
#include "keys.h"
#include "oidc.h"
#include "status.h"
#include "testlib.h"

#define TIMEOUT_MS	5000	/* generous: valgrind is slow */
#define SHORT_TIMEOUT_MS 400
#define SLOW_MS		2000
#define REQ_MAX		65536

#define CLIENT_ID	"sg:client"
#define SECRET		"s3 cr&t+%/:="
/* base64("sg%3Aclient:s3%20cr%26t%2B%25%2F%3A%3D"), RFC 6749 §2.3.1 */
#define BASIC		"c2clM0FjbGllbnQ6czMlMjBjciUyNnQlMkIlMjUlMkYlM0ElM0Q="
#define NONCE		"n-0S6_WzA2Mj"
#define CODE		"SplxlOBeZQQYbYS6WxSbIA"
#define VERIFIER	"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
#define CHALLENGE	"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
#define REDIRECT	"https://gw.example.org/auth/callback"
#define REDIRECT_ENC	"https%3A%2F%2Fgw.example.org%2Fauth%2Fcallback"

struct srv {
	struct tl_srv	 tl;
	atomic_int	 disc_hits;
	atomic_int	 jwks_hits;
	atomic_int	 token_hits;
	pthread_mutex_t	 mu;		/* guards what follows */
	char		*disc;
	int		 disc_status;
	char		*jwks;
	int		 jwks_status;
	char		*token;
	int		 token_status;
	char		 last[REQ_MAX];	/* the last token request */
};

static struct srv	 srv;
static char		 issuer[64];
static char		 tmpdir[64];
static char		 secret_path[128];

/* Keys: made once per run (unchecked fixture). */
enum { K_RSA, K_EC, K_OTHER, K_NEW, K_RS384, K__MAX };
static struct sg_signing_key	 keys[K__MAX];

static struct sg_config		 cfg;
static struct sg_oidc		*oidc;

/* Server side. */

static int
answer(int fd, int status, const char *body)
{
	char	 line[32];

	snprintf(line, sizeof(line), "%d X", status);
	return tl_answer(fd, line, "Content-Type: application/json\r\n", body,
	    strlen(body));
}

static void
serve(struct tl_srv *s, int fd)
{
	static char	 buf[REQ_MAX];
	char		 path[256], method[16], *body;
	size_t		 headlen;
	int		 r, status, i;

	for (;;) {
		if (tl_read_request(s, fd, buf, sizeof(buf), &headlen) <= 0)
			return;
		if (sscanf(buf, "%15s %255s", method, path) != 2)
			return;
		pthread_mutex_lock(&srv.mu);
		if (strcmp(path, "/.well-known/openid-configuration") == 0) {
			atomic_fetch_add(&srv.disc_hits, 1);
			status = srv.disc_status;
			body = strdup(srv.disc);
		} else if (strcmp(path, "/jwks") == 0) {
			atomic_fetch_add(&srv.jwks_hits, 1);
			status = srv.jwks_status;
			body = strdup(srv.jwks);
		} else if (strcmp(path, "/token") == 0 ||
		    strcmp(path, "/slow-token") == 0) {
			atomic_fetch_add(&srv.token_hits, 1);
			snprintf(srv.last, sizeof(srv.last), "%s", buf);
			status = srv.token_status;
			body = strdup(srv.token);
		} else {
			status = 404;
			body = strdup("{}");
		}
		pthread_mutex_unlock(&srv.mu);
		if (body == NULL)
			abort();
		if (strcmp(path, "/slow-token") == 0)
			for (i = 0; i < SLOW_MS / 50 && !atomic_load(&srv.tl.stop);
			    i++)
				tl_sleep_ms(50);
		r = answer(fd, status, body);
		free(body);
		if (r != 0)
			return;
	}
}

static void
set_field(char **field, const char *v)
{
	pthread_mutex_lock(&srv.mu);
	free(*field);
	if ((*field = strdup(v)) == NULL)
		abort();
	pthread_mutex_unlock(&srv.mu);
}

/* Serves the discovery document doc, with every "%1$s" the issuer. */
static void
set_disc(const char *doc)
{
	char		 buf[4096];
	const char	*p;
	size_t		 len = 0, n;

	for (p = doc; *p != '\0'; ) {
		if (strncmp(p, "%1$s", 4) == 0) {
			n = strlen(issuer);
			ck_assert_uint_lt(len + n, sizeof(buf));
			memcpy(buf + len, issuer, n);
			len += n;
			p += 4;
		} else {
			ck_assert_uint_lt(len + 1, sizeof(buf));
			buf[len++] = *p++;
		}
	}
	buf[len] = '\0';
	set_field(&srv.disc, buf);
}

static const char disc_ok[] = "{\"issuer\":\"%1$s\","
    "\"authorization_endpoint\":\"%1$s/authorize\","
    "\"token_endpoint\":\"%1$s/token\",\"jwks_uri\":\"%1$s/jwks\","
    "\"response_types_supported\":[\"code\"]}";

/* Serves a JWKS of the keys named, K__MAX-terminated. */
static void
set_jwks(const int *which)
{
	json_object	*doc, *arr;
	size_t		 i;

	doc = json_object_new_object();
	arr = json_object_new_array();
	for (i = 0; which[i] != K__MAX; i++)
		json_object_array_add(arr, sg_jwk_to_json(keys[which[i]].pkey,
		    keys[which[i]].alg, keys[which[i]].kid));
	json_object_object_add(doc, "keys", arr);
	set_field(&srv.jwks, json_object_to_json_string(doc));
	json_object_put(doc);
}

static void
set_token(int status, const char *body)
{
	pthread_mutex_lock(&srv.mu);
	srv.token_status = status;
	pthread_mutex_unlock(&srv.mu);
	set_field(&srv.token, body);
}

static void
srv_start(void)
{
	static const int	 jwks_default[] = { K_RSA, K_EC, K__MAX };

	memset(&srv, 0, sizeof(srv));
	pthread_mutex_init(&srv.mu, NULL);
	srv.disc_status = srv.jwks_status = srv.token_status = 200;
	tl_srv_start(&srv.tl, serve);
	snprintf(issuer, sizeof(issuer), "http://127.0.0.1:%d", srv.tl.port);
	set_disc(disc_ok);
	set_jwks(jwks_default);
	set_field(&srv.token, "{}");
}

static void
srv_stop(void)
{
	tl_srv_stop(&srv.tl);
	free(srv.disc);
	free(srv.jwks);
	free(srv.token);
	pthread_mutex_destroy(&srv.mu);
}

/* Fixtures. */

static void
write_file(const char *path, const char *text, size_t len, mode_t mode)
{
	FILE	*f;

	unlink(path);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(path, mode), 0);
}

static void
make_key(enum sg_alg alg, EVP_PKEY *pkey, const char *kid, int i)
{
	ck_assert_ptr_nonnull(pkey);
	keys[i].pkey = pkey;
	keys[i].alg = alg;
	snprintf(keys[i].kid, sizeof(keys[i].kid), "%s", kid);
}

static void
run_setup(void)
{
	make_key(SG_ALG_RS256, EVP_RSA_gen(2048), "rsa-1", K_RSA);
	make_key(SG_ALG_ES256, EVP_EC_gen("P-256"), "ec-1", K_EC);
	/* Same kid as K_RSA, another key: a forged signature. */
	make_key(SG_ALG_RS256, EVP_RSA_gen(2048), "rsa-1", K_OTHER);
	make_key(SG_ALG_ES256, EVP_EC_gen("P-256"), "ec-new", K_NEW);
	/* K_RSA's key and kid with another algorithm. */
	EVP_PKEY_up_ref(keys[K_RSA].pkey);
	make_key(SG_ALG_RS384, keys[K_RSA].pkey, "rsa-1", K_RS384);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_oidc.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(secret_path, sizeof(secret_path), "%s/secret", tmpdir);
	write_file(secret_path, SECRET "\n", strlen(SECRET) + 1, 0600);
}

static void
run_teardown(void)
{
	char	 p[160];
	int	 i;

	for (i = 0; i < K__MAX; i++)
		EVP_PKEY_free(keys[i].pkey);
	unlink(secret_path);
	snprintf(p, sizeof(p), "%s/other", tmpdir);
	unlink(p);
	rmdir(tmpdir);
}

static void
base_cfg(void)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.idp_issuer = issuer;
	cfg.idp_client_id = (char *)(uintptr_t)CLIENT_ID;
	cfg.idp_client_secret_file = secret_path;
	cfg.idp_user_claim = (char *)(uintptr_t)"fhirUser";
	cfg.upstream_timeout_ms = TIMEOUT_MS;
}

static void
setup(void)
{
	char	 err[256] = "";

	srv_start();
	base_cfg();
	oidc = sg_oidc_new(&cfg, err, sizeof(err));
	ck_assert_msg(oidc != NULL, "sg_oidc_new: %s", err);
}

static void
teardown(void)
{
	sg_oidc_free(oidc);
	oidc = NULL;
	srv_stop();
}

/* Tokens. */

/*
 * Default id_token claims, then the members of the JSON object text
 * over (a null value removes the member; a string "@now+N" / "@now-N"
 * becomes that NumericDate).
 */
static json_object *
make_claims(const char *over)
{
	json_object	*c, *o;
	time_t		 now = time(NULL);

	c = json_object_new_object();
	json_object_object_add(c, "iss", json_object_new_string(issuer));
	json_object_object_add(c, "sub", json_object_new_string("patient"));
	json_object_object_add(c, "aud", json_object_new_string(CLIENT_ID));
	json_object_object_add(c, "exp", json_object_new_int64(now + 300));
	json_object_object_add(c, "iat", json_object_new_int64(now));
	json_object_object_add(c, "nonce", json_object_new_string(NONCE));
	json_object_object_add(c, "name", json_object_new_string("Amy Shaw"));
	json_object_object_add(c, "fhirUser",
	    json_object_new_string("Patient/pat-1"));
	if (over == NULL)
		return c;
	o = json_tokener_parse(over);
	ck_assert_ptr_nonnull(o);
	json_object_object_foreach(o, k, v) {
		const char	*s;

		if (v == NULL)
			json_object_object_del(c, k);
		else if (json_object_is_type(v, json_type_string) &&
		    strncmp((s = json_object_get_string(v)), "@now", 4) == 0)
			json_object_object_add(c, k,
			    json_object_new_int64(now + strtol(s + 4, NULL, 10)));
		else
			json_object_object_add(c, k, json_object_get(v));
	}
	json_object_put(o);
	return c;
}

/* Serves a token answer carrying an id_token signed by key. */
static void
serve_id_token(int key, const char *over)
{
	json_object	*c, *ans;
	char		*jwt;

	c = make_claims(over);
	jwt = sg_jwt_sign(&keys[key], NULL, c);
	ck_assert_ptr_nonnull(jwt);
	ans = json_object_new_object();
	json_object_object_add(ans, "access_token",
	    json_object_new_string("idp-at"));
	json_object_object_add(ans, "token_type",
	    json_object_new_string("Bearer"));
	json_object_object_add(ans, "id_token", json_object_new_string(jwt));
	set_token(200, json_object_to_json_string(ans));
	json_object_put(ans);
	json_object_put(c);
	free(jwt);
}

static enum sg_status
exchange(struct sg_oidc_user *u)
{
	return sg_oidc_exchange(oidc, NULL, CODE, VERIFIER, REDIRECT, NONCE, u);
}

/* Tests. */

START_TEST(test_happy_path)
{
	struct sg_oidc_user	 u;
	json_object		*v;

	serve_id_token(K_RSA, NULL);
	ck_assert_int_eq(exchange(&u), SG_OK);
	ck_assert_str_eq(u.sub, "patient");
	ck_assert_str_eq(u.name, "Amy Shaw");
	ck_assert_str_eq(u.fhir_user, "Patient/pat-1");
	ck_assert_ptr_nonnull(u.claims);
	ck_assert(json_object_object_get_ex(u.claims, "nonce", &v));
	ck_assert_str_eq(json_object_get_string(v), NONCE);
	sg_oidc_user_free(&u);
	ck_assert_ptr_null(u.sub);
	ck_assert_ptr_null(u.claims);

	/* The request: RFC 6749 §4.1.3 with client_secret_basic. */
	ck_assert_ptr_nonnull(strstr(srv.last, "POST /token HTTP/1.1\r\n"));
	ck_assert_ptr_nonnull(strstr(srv.last,
	    "\r\nAuthorization: Basic " BASIC "\r\n"));
	ck_assert_ptr_nonnull(strstr(srv.last, "\r\nContent-Type: "
	    "application/x-www-form-urlencoded\r\n"));
	ck_assert_ptr_nonnull(strstr(srv.last, "\r\n\r\n"
	    "grant_type=authorization_code&code=" CODE
	    "&redirect_uri=" REDIRECT_ENC "&code_verifier=" VERIFIER));
	ck_assert_ptr_null(strstr(srv.last, "client_id="));

	/* An ES256 id_token, and the caches: one discovery, one JWKS. */
	serve_id_token(K_EC, NULL);
	ck_assert_int_eq(exchange(&u), SG_OK);
	ck_assert_str_eq(u.sub, "patient");
	sg_oidc_user_free(&u);
	ck_assert_int_eq(atomic_load(&srv.disc_hits), 1);
	ck_assert_int_eq(atomic_load(&srv.jwks_hits), 1);
	ck_assert_int_eq(atomic_load(&srv.token_hits), 2);
}
END_TEST

START_TEST(test_public_client)
{
	struct sg_oidc_user	 u;
	char			 err[256];

	sg_oidc_free(oidc);
	cfg.idp_client_secret_file = NULL;
	oidc = sg_oidc_new(&cfg, err, sizeof(err));
	ck_assert_ptr_nonnull(oidc);
	serve_id_token(K_RSA, NULL);
	ck_assert_int_eq(exchange(&u), SG_OK);
	sg_oidc_user_free(&u);
	ck_assert_ptr_null(strstr(srv.last, "Authorization:"));
	ck_assert_ptr_nonnull(strstr(srv.last, "&code_verifier=" VERIFIER
	    "&client_id=sg%3Aclient"));
}
END_TEST

/* id_tokens: the claims over the defaults, the key, the outcome. */
static const struct {
	const char	*over;
	int		 key;
	enum sg_status	 want;
} id_token_table[] = {
	{ NULL, K_RSA, SG_OK },
	{ NULL, K_EC, SG_OK },
	/* Signature and algorithm. */
	{ NULL, K_OTHER, SG_E_UPSTREAM },
	{ NULL, K_RS384, SG_E_UPSTREAM },
	/* iss (item 2): exact. */
	{ "{\"iss\":\"https://evil.example.org\"}", K_RSA, SG_E_UPSTREAM },
	{ "{\"iss\":null}", K_RSA, SG_E_UPSTREAM },
	{ "{\"iss\":42}", K_RSA, SG_E_UPSTREAM },
	/* aud, azp (items 3-5). */
	{ "{\"aud\":\"other\"}", K_RSA, SG_E_UPSTREAM },
	{ "{\"aud\":\"sg:clientx\"}", K_RSA, SG_E_UPSTREAM },
	{ "{\"aud\":null}", K_RSA, SG_E_UPSTREAM },
	{ "{\"aud\":[\"sg:client\"]}", K_RSA, SG_OK },
	{ "{\"aud\":[\"sg:client\",\"other\"]}", K_RSA, SG_E_UPSTREAM },
	{ "{\"aud\":[\"sg:client\",\"other\"],\"azp\":\"sg:client\"}", K_RSA,
	    SG_OK },
	{ "{\"aud\":[\"sg:client\",\"other\"],\"azp\":\"other\"}", K_RSA,
	    SG_E_UPSTREAM },
	{ "{\"azp\":\"other\"}", K_RSA, SG_E_UPSTREAM },
	{ "{\"azp\":7}", K_RSA, SG_E_UPSTREAM },
	{ "{\"aud\":[\"other\"],\"azp\":\"sg:client\"}", K_RSA,
	    SG_E_UPSTREAM },
	/* exp, iat (items 9, 10), leeway 60 s. */
	{ "{\"exp\":\"@now-120\"}", K_RSA, SG_E_UPSTREAM },
	{ "{\"exp\":\"@now-30\"}", K_RSA, SG_OK },
	{ "{\"exp\":null}", K_RSA, SG_E_UPSTREAM },
	{ "{\"exp\":\"soon\"}", K_RSA, SG_E_UPSTREAM },
	{ "{\"iat\":\"@now+600\"}", K_RSA, SG_E_UPSTREAM },
	{ "{\"iat\":\"@now+30\"}", K_RSA, SG_OK },
	{ "{\"iat\":null}", K_RSA, SG_E_UPSTREAM },
	{ "{\"nbf\":\"@now+600\"}", K_RSA, SG_E_UPSTREAM },
	/* nonce (item 11). */
	{ "{\"nonce\":\"n-0S6_WzA2Mk\"}", K_RSA, SG_E_UPSTREAM },
	{ "{\"nonce\":\"n-0S6_WzA2M\"}", K_RSA, SG_E_UPSTREAM },
	{ "{\"nonce\":\"n-0S6_WzA2Mj \"}", K_RSA, SG_E_UPSTREAM },
	{ "{\"nonce\":null}", K_RSA, SG_E_UPSTREAM },
	{ "{\"nonce\":[\"n-0S6_WzA2Mj\"]}", K_RSA, SG_E_UPSTREAM },
	/* sub (Core §2). */
	{ "{\"sub\":null}", K_RSA, SG_E_UPSTREAM },
	{ "{\"sub\":\"\"}", K_RSA, SG_E_UPSTREAM },
	{ "{\"sub\":123}", K_RSA, SG_E_UPSTREAM },
	{ "{\"sub\":\"a\\nb\"}", K_RSA, SG_E_UPSTREAM },
	{ "{\"sub\":\"\\u00e9\"}", K_RSA, SG_E_UPSTREAM },
};

START_TEST(test_id_token_table)
{
	struct sg_oidc_user	 u;
	enum sg_status		 st;

	serve_id_token(id_token_table[_i].key, id_token_table[_i].over);
	st = exchange(&u);
	ck_assert_msg(st == id_token_table[_i].want, "case %d (%s): %d",
	    _i, id_token_table[_i].over ? id_token_table[_i].over : "-", st);
	if (st == SG_OK)
		ck_assert_str_eq(u.sub, "patient");
	else {
		ck_assert_ptr_null(u.sub);
		ck_assert_ptr_null(u.claims);
	}
	sg_oidc_user_free(&u);
}
END_TEST

/* Token answers: HTTP status, body, outcome. */
static const struct {
	int		 status;
	const char	*body;
	enum sg_status	 want;
} answer_table[] = {
	{ 400, "{\"error\":\"invalid_grant\"}", SG_E_ACCESS_DENIED },
	{ 400, "{\"error\":\"invalid_grant\",\"error_description\":\"x\"}",
	    SG_E_ACCESS_DENIED },
	{ 200, "{\"error\":\"invalid_grant\"}", SG_E_ACCESS_DENIED },
	{ 401, "{\"error\":\"invalid_client\"}", SG_E_UPSTREAM },
	{ 400, "{\"error\":\"invalid_request\"}", SG_E_UPSTREAM },
	{ 400, "{\"error\":\"invalid_grant\\n\"}", SG_E_UPSTREAM },
	{ 400, "{\"error\":\"invalid\\\"grant\"}", SG_E_UPSTREAM },
	{ 400, "{\"error\":7}", SG_E_UPSTREAM },
	{ 400, "{}", SG_E_UPSTREAM },
	{ 400, "bad request", SG_E_UPSTREAM },
	{ 500, "{\"id_token\":\"a.b.c\"}", SG_E_UPSTREAM },
	{ 302, "", SG_E_UPSTREAM },
	{ 200, "<html>hello</html>", SG_E_UPSTREAM },
	{ 200, "", SG_E_UPSTREAM },
	{ 200, "[\"id_token\"]", SG_E_UPSTREAM },
	{ 200, "{\"access_token\":\"at\"}", SG_E_UPSTREAM },
	{ 200, "{\"id_token\":5}", SG_E_UPSTREAM },
	{ 200, "{\"id_token\":\"not-a-jwt\"}", SG_E_UPSTREAM },
	{ 200, "{\"id_token\":\"a.b.c\"}", SG_E_UPSTREAM },
	/* alg none: {"alg":"none"} . {"sub":"x"} . "" */
	{ 200, "{\"id_token\":\"eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.\"}",
	    SG_E_UPSTREAM },
	{ 200, "{\"id_token\":\"x\"} trailing", SG_E_UPSTREAM },
	{ 200, "{\"id_token\":\"x\",\"id_token\":}", SG_E_UPSTREAM },
};

START_TEST(test_answer_table)
{
	struct sg_oidc_user	 u;
	enum sg_status		 st;

	set_token(answer_table[_i].status, answer_table[_i].body);
	st = exchange(&u);
	ck_assert_msg(st == answer_table[_i].want, "case %d: %d", _i, st);
	ck_assert_ptr_null(u.sub);
	sg_oidc_user_free(&u);
}
END_TEST

START_TEST(test_answer_too_deep_or_large)
{
	struct sg_oidc_user	 u;
	size_t			 n = SG_MAX_UPSTREAM_SMALL + 1000, i;
	char			*big;

	/* Nesting past SG_MAX_JSON_DEPTH. */
	big = malloc(n + 1);
	ck_assert_ptr_nonnull(big);
	for (i = 0; i < 200; i++) {
		big[i] = '[';
		big[400 - 1 - i] = ']';
	}
	big[400] = '\0';
	set_token(200, big);
	ck_assert_int_eq(exchange(&u), SG_E_UPSTREAM);

	/* Past SG_MAX_UPSTREAM_SMALL: refused, and not as our 413. */
	memset(big, ' ', n);
	memcpy(big, "{\"id_token\":\"x\"}", 16);
	big[n] = '\0';
	set_token(200, big);
	free(big);
	ck_assert_int_eq(exchange(&u), SG_E_UPSTREAM);
	ck_assert_ptr_null(u.sub);
	sg_oidc_user_free(&u);
}
END_TEST

START_TEST(test_token_endpoint_down)
{
	struct sg_oidc_user	 u;
	char			 doc[512];
	int			 fd, port;

	fd = tl_bind_loopback(&port);
	close(fd);
	snprintf(doc, sizeof(doc), "{\"issuer\":\"%%1$s\","
	    "\"authorization_endpoint\":\"%%1$s/authorize\","
	    "\"token_endpoint\":\"http://127.0.0.1:%d/token\","
	    "\"jwks_uri\":\"%%1$s/jwks\"}", port);
	set_disc(doc);
	serve_id_token(K_RSA, NULL);
	ck_assert_int_eq(exchange(&u), SG_E_UPSTREAM);
	ck_assert_int_eq(atomic_load(&srv.token_hits), 0);
	sg_oidc_user_free(&u);
}
END_TEST

START_TEST(test_token_endpoint_timeout)
{
	struct sg_oidc_user	 u;
	char			 err[256];

	sg_oidc_free(oidc);
	cfg.upstream_timeout_ms = SHORT_TIMEOUT_MS;
	oidc = sg_oidc_new(&cfg, err, sizeof(err));
	ck_assert_ptr_nonnull(oidc);
	set_disc("{\"issuer\":\"%1$s\","
	    "\"authorization_endpoint\":\"%1$s/authorize\","
	    "\"token_endpoint\":\"%1$s/slow-token\",\"jwks_uri\":\"%1$s/jwks\"}");
	serve_id_token(K_RSA, NULL);
	ck_assert_int_eq(exchange(&u), SG_E_UPSTREAM_TIMEOUT);
	sg_oidc_user_free(&u);
}
END_TEST

/* Discovery documents refused (Discovery §4.3, §3), with %1$s the issuer. */
static const struct {
	int		 status;
	const char	*doc;
} disc_bad_table[] = {
	{ 200, "{\"issuer\":\"%1$s/\",\"authorization_endpoint\":"
	    "\"%1$s/authorize\",\"token_endpoint\":\"%1$s/token\","
	    "\"jwks_uri\":\"%1$s/jwks\"}" },
	{ 200, "{\"issuer\":\"https://evil.example.org\","
	    "\"authorization_endpoint\":\"%1$s/authorize\","
	    "\"token_endpoint\":\"%1$s/token\",\"jwks_uri\":\"%1$s/jwks\"}" },
	{ 200, "{\"authorization_endpoint\":\"%1$s/authorize\","
	    "\"token_endpoint\":\"%1$s/token\",\"jwks_uri\":\"%1$s/jwks\"}" },
	{ 200, "{\"issuer\":[\"%1$s\"],\"authorization_endpoint\":"
	    "\"%1$s/authorize\",\"token_endpoint\":\"%1$s/token\","
	    "\"jwks_uri\":\"%1$s/jwks\"}" },
	{ 200, "{\"issuer\":\"%1$s\",\"token_endpoint\":\"%1$s/token\","
	    "\"jwks_uri\":\"%1$s/jwks\"}" },
	{ 200, "{\"issuer\":\"%1$s\",\"authorization_endpoint\":"
	    "\"%1$s/authorize\",\"jwks_uri\":\"%1$s/jwks\"}" },
	{ 200, "{\"issuer\":\"%1$s\",\"authorization_endpoint\":"
	    "\"%1$s/authorize\",\"token_endpoint\":\"%1$s/token\"}" },
	/* http only for loopback hosts. */
	{ 200, "{\"issuer\":\"%1$s\",\"authorization_endpoint\":"
	    "\"http://idp.example.org/authorize\",\"token_endpoint\":"
	    "\"%1$s/token\",\"jwks_uri\":\"%1$s/jwks\"}" },
	{ 200, "{\"issuer\":\"%1$s\",\"authorization_endpoint\":"
	    "\"%1$s/authorize\",\"token_endpoint\":"
	    "\"http://127.0.0.1.example.org/token\",\"jwks_uri\":"
	    "\"%1$s/jwks\"}" },
	{ 200, "{\"issuer\":\"%1$s\",\"authorization_endpoint\":"
	    "\"%1$s/authorize\",\"token_endpoint\":\"%1$s/token\","
	    "\"jwks_uri\":\"http://idp.example.org/jwks\"}" },
	/* Not a URL we would use. */
	{ 200, "{\"issuer\":\"%1$s\",\"authorization_endpoint\":"
	    "\"ftp://idp.example.org/authorize\",\"token_endpoint\":"
	    "\"%1$s/token\",\"jwks_uri\":\"%1$s/jwks\"}" },
	{ 200, "{\"issuer\":\"%1$s\",\"authorization_endpoint\":"
	    "\"https://idp.example.org/a#frag\",\"token_endpoint\":"
	    "\"%1$s/token\",\"jwks_uri\":\"%1$s/jwks\"}" },
	{ 200, "{\"issuer\":\"%1$s\",\"authorization_endpoint\":"
	    "\"https://idp.example.org/a b\",\"token_endpoint\":"
	    "\"%1$s/token\",\"jwks_uri\":\"%1$s/jwks\"}" },
	{ 200, "{\"issuer\":\"%1$s\",\"authorization_endpoint\":"
	    "\"https://idp.example.org/a\\r\\nX: y\",\"token_endpoint\":"
	    "\"%1$s/token\",\"jwks_uri\":\"%1$s/jwks\"}" },
	{ 200, "{\"issuer\":\"%1$s\",\"authorization_endpoint\":"
	    "\"https:///authorize\",\"token_endpoint\":"
	    "\"%1$s/token\",\"jwks_uri\":\"%1$s/jwks\"}" },
	{ 200, "{\"issuer\":\"%1$s\",\"authorization_endpoint\":"
	    "\"%1$s/authorize\",\"token_endpoint\":"
	    "\"http://u@127.0.0.1/token\",\"jwks_uri\":\"%1$s/jwks\"}" },
	{ 200, "{\"issuer\":\"%1$s\",\"authorization_endpoint\":5,"
	    "\"token_endpoint\":\"%1$s/token\",\"jwks_uri\":\"%1$s/jwks\"}" },
	/* Not a document. */
	{ 200, "not json" },
	{ 200, "[]" },
	{ 404, "{\"issuer\":\"%1$s\",\"authorization_endpoint\":"
	    "\"%1$s/authorize\",\"token_endpoint\":\"%1$s/token\","
	    "\"jwks_uri\":\"%1$s/jwks\"}" },
};

START_TEST(test_discovery_refused)
{
	struct sg_oidc_user	 u;
	char			*url = (char *)1;

	pthread_mutex_lock(&srv.mu);
	srv.disc_status = disc_bad_table[_i].status;
	pthread_mutex_unlock(&srv.mu);
	set_disc(disc_bad_table[_i].doc);
	serve_id_token(K_RSA, NULL);
	ck_assert_int_eq(sg_oidc_login_url(oidc, NULL, REDIRECT, "st", NONCE,
	    CHALLENGE, &url), SG_E_UPSTREAM);
	ck_assert_ptr_null(url);
	ck_assert_int_eq(exchange(&u), SG_E_UPSTREAM);
	sg_oidc_user_free(&u);
	/* A refused document is not cached: each call asks again. */
	ck_assert_int_eq(atomic_load(&srv.disc_hits), 2);
	ck_assert_int_eq(atomic_load(&srv.token_hits), 0);

	/* Once the IdP serves a good document, all is well. */
	pthread_mutex_lock(&srv.mu);
	srv.disc_status = 200;
	pthread_mutex_unlock(&srv.mu);
	set_disc(disc_ok);
	ck_assert_int_eq(exchange(&u), SG_OK);
	sg_oidc_user_free(&u);
}
END_TEST

START_TEST(test_discovery_https_elsewhere)
{
	char	*url = NULL;

	/* https endpoints anywhere are fine; the endpoint's query is kept. */
	set_disc("{\"issuer\":\"%1$s\",\"authorization_endpoint\":"
	    "\"https://login.example.org/oauth2/authorize?tenant=t1\","
	    "\"token_endpoint\":\"https://login.example.org/token\","
	    "\"jwks_uri\":\"https://login.example.org/keys\"}");
	ck_assert_int_eq(sg_oidc_login_url(oidc, NULL, REDIRECT, "st", NONCE,
	    CHALLENGE, &url), SG_OK);
	ck_assert_str_eq(url, "https://login.example.org/oauth2/authorize?"
	    "tenant=t1&response_type=code&client_id=sg%3Aclient"
	    "&redirect_uri=" REDIRECT_ENC "&scope=openid%20profile%20fhirUser"
	    "&state=st&nonce=" NONCE "&code_challenge=" CHALLENGE
	    "&code_challenge_method=S256");
	free(url);
}
END_TEST

START_TEST(test_login_url)
{
	char	*url = NULL, want[1024];

	ck_assert_int_eq(sg_oidc_login_url(oidc, NULL, REDIRECT,
	    "a&b=c d+e/f?g#h%~\xc3\xa9", NONCE, CHALLENGE, &url), SG_OK);
	snprintf(want, sizeof(want), "%s%s", issuer, "/authorize?"
	    "response_type=code&client_id=sg%3Aclient&redirect_uri="
	    REDIRECT_ENC "&scope=openid%20profile%20fhirUser"
	    "&state=a%26b%3Dc%20d%2Be%2Ff%3Fg%23h%25~%C3%A9"
	    "&nonce=" NONCE "&code_challenge=" CHALLENGE
	    "&code_challenge_method=S256");
	ck_assert_str_eq(url, want);
	free(url);
	/* Discovery once; no JWKS needed for this. */
	ck_assert_int_eq(sg_oidc_login_url(oidc, NULL, REDIRECT, "s", "n",
	    "c", &url), SG_OK);
	free(url);
	ck_assert_int_eq(atomic_load(&srv.disc_hits), 1);
	ck_assert_int_eq(atomic_load(&srv.jwks_hits), 0);

	/* Every argument is required. */
	url = (char *)1;
	ck_assert_int_eq(sg_oidc_login_url(oidc, NULL, REDIRECT, NULL, NONCE,
	    CHALLENGE, &url), SG_E_INTERNAL);
	ck_assert_ptr_null(url);
	ck_assert_int_eq(sg_oidc_login_url(oidc, NULL, REDIRECT, "s", "",
	    CHALLENGE, &url), SG_E_INTERNAL);
	ck_assert_int_eq(sg_oidc_login_url(oidc, NULL, NULL, "s", "n",
	    CHALLENGE, &url), SG_E_INTERNAL);
	ck_assert_int_eq(sg_oidc_login_url(oidc, NULL, REDIRECT, "s", "n",
	    NULL, &url), SG_E_INTERNAL);
	ck_assert_int_eq(sg_oidc_login_url(NULL, NULL, REDIRECT, "s", "n",
	    "c", &url), SG_E_INTERNAL);
}
END_TEST

START_TEST(test_exchange_arguments)
{
	struct sg_oidc_user	 u;

	memset(&u, 0xff, sizeof(u));
	ck_assert_int_eq(sg_oidc_exchange(oidc, NULL, "", VERIFIER, REDIRECT,
	    NONCE, &u), SG_E_INTERNAL);
	ck_assert_ptr_null(u.sub);
	ck_assert_int_eq(sg_oidc_exchange(oidc, NULL, CODE, NULL, REDIRECT,
	    NONCE, &u), SG_E_INTERNAL);
	ck_assert_int_eq(sg_oidc_exchange(oidc, NULL, CODE, VERIFIER, NULL,
	    NONCE, &u), SG_E_INTERNAL);
	ck_assert_int_eq(sg_oidc_exchange(oidc, NULL, CODE, VERIFIER, REDIRECT,
	    NULL, &u), SG_E_INTERNAL);
	ck_assert_int_eq(sg_oidc_exchange(NULL, NULL, CODE, VERIFIER, REDIRECT,
	    NONCE, &u), SG_E_INTERNAL);
	ck_assert_int_eq(sg_oidc_exchange(oidc, NULL, CODE, VERIFIER, REDIRECT,
	    NONCE, NULL), SG_E_INTERNAL);
	ck_assert_int_eq(atomic_load(&srv.token_hits), 0);
	sg_oidc_user_free(NULL);
	sg_oidc_free(NULL);
}
END_TEST

/* A kid not in the JWKS: one early fetch, then no more for a while. */
START_TEST(test_unknown_kid)
{
	struct sg_oidc_user	 u;

	serve_id_token(K_NEW, NULL);
	ck_assert_int_eq(exchange(&u), SG_E_UPSTREAM);
	ck_assert_int_eq(atomic_load(&srv.jwks_hits), 2);
	/* Again at once: no new fetch (no amplification). */
	ck_assert_int_eq(exchange(&u), SG_E_UPSTREAM);
	ck_assert_int_eq(atomic_load(&srv.jwks_hits), 2);
	/* A known kid still works from the cache. */
	serve_id_token(K_RSA, NULL);
	ck_assert_int_eq(exchange(&u), SG_OK);
	sg_oidc_user_free(&u);
	ck_assert_int_eq(atomic_load(&srv.jwks_hits), 2);
}
END_TEST

/* Key rotation: the IdP publishes a new key after we cached the JWKS. */
START_TEST(test_key_rotation)
{
	static const int	 rotated[] = { K_EC, K_NEW, K__MAX };
	struct sg_oidc_user	 u;

	serve_id_token(K_RSA, NULL);
	ck_assert_int_eq(exchange(&u), SG_OK);
	sg_oidc_user_free(&u);
	ck_assert_int_eq(atomic_load(&srv.jwks_hits), 1);
	set_jwks(rotated);
	serve_id_token(K_NEW, NULL);
	ck_assert_int_eq(exchange(&u), SG_OK);
	ck_assert_str_eq(u.sub, "patient");
	sg_oidc_user_free(&u);
	ck_assert_int_eq(atomic_load(&srv.jwks_hits), 2);
	/* The old key is gone from the new JWKS. */
	serve_id_token(K_RSA, NULL);
	ck_assert_int_eq(exchange(&u), SG_E_UPSTREAM);
	ck_assert_int_eq(atomic_load(&srv.jwks_hits), 2);
	sg_oidc_user_free(&u);
}
END_TEST

/* JWKS documents that give no key for an RS256/ES256 id_token. */
static const struct {
	int		 status;
	const char	*jwks;
} jwks_bad_table[] = {
	{ 404, "{\"keys\":[]}" },
	{ 200, "{\"keys\":[]}" },
	{ 200, "{}" },
	{ 200, "not json" },
	{ 200, "{\"keys\":{}}" },
	{ 200, "{\"keys\":[{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}]}" },
};

START_TEST(test_jwks_refused)
{
	struct sg_oidc_user	 u;

	pthread_mutex_lock(&srv.mu);
	srv.jwks_status = jwks_bad_table[_i].status;
	pthread_mutex_unlock(&srv.mu);
	set_field(&srv.jwks, jwks_bad_table[_i].jwks);
	serve_id_token(K_RSA, NULL);
	ck_assert_int_eq(exchange(&u), SG_E_UPSTREAM);
	ck_assert_ptr_null(u.sub);
	sg_oidc_user_free(&u);
}
END_TEST

/*
 * A failed JWKS fetch is not repeated at once (SG_IDP_JWKS_REFETCH_MIN,
 * jwkscache.h): a dead IdP does not cost one more request per login.
 */
START_TEST(test_jwks_failure_not_retried_at_once)
{
	struct sg_oidc_user	 u;

	pthread_mutex_lock(&srv.mu);
	srv.jwks_status = 500;
	pthread_mutex_unlock(&srv.mu);
	serve_id_token(K_RSA, NULL);
	ck_assert_int_eq(exchange(&u), SG_E_UPSTREAM);
	sg_oidc_user_free(&u);
	ck_assert_int_eq(atomic_load(&srv.jwks_hits), 1);
	pthread_mutex_lock(&srv.mu);
	srv.jwks_status = 200;
	pthread_mutex_unlock(&srv.mu);
	ck_assert_int_eq(exchange(&u), SG_E_UPSTREAM);
	ck_assert_ptr_null(u.sub);
	sg_oidc_user_free(&u);
	ck_assert_int_eq(atomic_load(&srv.jwks_hits), 1);
}
END_TEST

/* A JWKS whose only key for our kid is for another algorithm. */
START_TEST(test_jwks_other_alg_skipped)
{
	static const int	 only384[] = { K_RS384, K__MAX };
	struct sg_oidc_user	 u;

	set_jwks(only384);
	serve_id_token(K_RS384, NULL);
	ck_assert_int_eq(exchange(&u), SG_E_UPSTREAM);
	sg_oidc_user_free(&u);
}
END_TEST

/* The user: name from parts, fhirUser from the configured claim. */
static const struct {
	const char	*claim;		/* cfg->idp_user_claim */
	const char	*over;
	const char	*name;
	const char	*fhir_user;
} user_table[] = {
	{ "fhirUser", NULL, "Amy Shaw", "Patient/pat-1" },
	{ "fhirUser", "{\"name\":null,\"given_name\":\"Amy\","
	    "\"family_name\":\"Shaw\"}", "Amy Shaw", "Patient/pat-1" },
	{ "fhirUser", "{\"name\":null,\"given_name\":\"Amy\"}", "Amy",
	    "Patient/pat-1" },
	{ "fhirUser", "{\"name\":null,\"family_name\":\"Shaw\"}", "Shaw",
	    "Patient/pat-1" },
	{ "fhirUser", "{\"name\":null}", NULL, "Patient/pat-1" },
	{ "fhirUser", "{\"name\":\"Jos\\u00e9 \\u00c1lvarez\"}",
	    "Jos\xc3\xa9 \xc3\x81lvarez", "Patient/pat-1" },
	{ "fhirUser", "{\"name\":\"a\\u0007b\",\"given_name\":\"A\","
	    "\"family_name\":\"B\"}", "A B", "Patient/pat-1" },
	{ "fhirUser", "{\"fhirUser\":null}", "Amy Shaw", NULL },
	{ "fhirUser", "{\"fhirUser\":[\"Patient/1\"]}", "Amy Shaw", NULL },
	{ "fhirUser", "{\"fhirUser\":\"\"}", "Amy Shaw", NULL },
	{ "extension_abc_fhirUser", "{\"extension_abc_fhirUser\":"
	    "\"Practitioner/prac-1\"}", "Amy Shaw", "Practitioner/prac-1" },
	{ "extension_abc_fhirUser", NULL, "Amy Shaw", NULL },
};

START_TEST(test_user_table)
{
	struct sg_oidc_user	 u;
	char			 err[256];

	sg_oidc_free(oidc);
	cfg.idp_user_claim = (char *)(uintptr_t)user_table[_i].claim;
	oidc = sg_oidc_new(&cfg, err, sizeof(err));
	ck_assert_ptr_nonnull(oidc);
	serve_id_token(K_RSA, user_table[_i].over);
	ck_assert_int_eq(exchange(&u), SG_OK);
	ck_assert_str_eq(u.sub, "patient");
	if (user_table[_i].name == NULL)
		ck_assert_ptr_null(u.name);
	else
		ck_assert_str_eq(u.name, user_table[_i].name);
	if (user_table[_i].fhir_user == NULL)
		ck_assert_ptr_null(u.fhir_user);
	else
		ck_assert_str_eq(u.fhir_user, user_table[_i].fhir_user);
	sg_oidc_user_free(&u);
}
END_TEST

/* sg_oidc_new: configurations and secret files. */
static const struct {
	const char	*issuer;	/* NULL: the test server's */
	const char	*client_id;
	const char	*secret;	/* file content, or NULL: no file set */
	size_t		 len;		/* 0: strlen(secret) */
	mode_t		 mode;
	int		 ok;
} new_table[] = {
	{ NULL, CLIENT_ID, "abc\n", 0, 0600, 1 },
	{ NULL, CLIENT_ID, "abc\r\n", 0, 0600, 1 },
	{ NULL, CLIENT_ID, "abc", 0, 0640, 1 },
	{ NULL, CLIENT_ID, NULL, 0, 0, 1 },
	{ NULL, CLIENT_ID, "abc\n", 0, 0644, 0 },
	{ NULL, CLIENT_ID, "abc\n", 0, 0602, 0 },
	{ NULL, CLIENT_ID, "", 0, 0600, 0 },
	{ NULL, CLIENT_ID, "\n", 0, 0600, 0 },
	{ NULL, CLIENT_ID, "abc\n\n", 0, 0600, 0 },
	{ NULL, CLIENT_ID, "two\nlines\n", 0, 0600, 0 },
	{ NULL, CLIENT_ID, "a\tb\n", 0, 0600, 0 },
	{ NULL, CLIENT_ID, "a\0b\n", 4, 0600, 0 },
	{ NULL, CLIENT_ID, "\xc3\xa9\n", 0, 0600, 0 },
	{ NULL, NULL, "abc\n", 0, 0600, 0 },
	{ NULL, "", "abc\n", 0, 0600, 0 },
	{ "", CLIENT_ID, "abc\n", 0, 0600, 0 },
	{ "https://idp.example.org", CLIENT_ID, "abc\n", 0, 0600, 1 },
	{ "https://idp.example.org/tenant/v2.0/", CLIENT_ID, "abc\n", 0,
	    0600, 1 },
	{ "http://idp.example.org", CLIENT_ID, "abc\n", 0, 0600, 0 },
	{ "http://localhost:9000", CLIENT_ID, "abc\n", 0, 0600, 1 },
	{ "http://[::1]:9000", CLIENT_ID, "abc\n", 0, 0600, 1 },
	{ "https://idp.example.org?x=1", CLIENT_ID, "abc\n", 0, 0600, 0 },
	{ "ftp://idp.example.org", CLIENT_ID, "abc\n", 0, 0600, 0 },
};

START_TEST(test_new_table)
{
	struct sg_config	 c;
	struct sg_oidc		*o;
	char			 path[160], err[256] = "";

	snprintf(path, sizeof(path), "%s/other", tmpdir);
	c = cfg;
	c.idp_issuer = new_table[_i].issuer != NULL ?
	    (char *)(uintptr_t)new_table[_i].issuer : issuer;
	c.idp_client_id = (char *)(uintptr_t)new_table[_i].client_id;
	c.idp_client_secret_file = NULL;
	if (new_table[_i].secret != NULL) {
		write_file(path, new_table[_i].secret, new_table[_i].len != 0 ?
		    new_table[_i].len : strlen(new_table[_i].secret),
		    new_table[_i].mode);
		c.idp_client_secret_file = path;
	}
	o = sg_oidc_new(&c, err, sizeof(err));
	unlink(path);
	if (new_table[_i].ok)
		ck_assert_msg(o != NULL, "case %d: %s", _i, err);
	else {
		ck_assert_msg(o == NULL, "case %d accepted", _i);
		ck_assert_msg(err[0] != '\0', "case %d: no message", _i);
	}
	sg_oidc_free(o);
}
END_TEST

START_TEST(test_new_files)
{
	struct sg_config	 c;
	char			 path[160], err[256] = "";
	char			*big;

	c = cfg;
	c.idp_client_secret_file = (char *)(uintptr_t)"/nonexistent/secret";
	ck_assert_ptr_null(sg_oidc_new(&c, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/secret"));
	c.idp_client_secret_file = tmpdir;
	ck_assert_ptr_null(sg_oidc_new(&c, err, sizeof(err)));
	ck_assert_ptr_null(sg_oidc_new(NULL, err, sizeof(err)));

	/* Past the file size cap, and past the secret length cap. */
	snprintf(path, sizeof(path), "%s/other", tmpdir);
	big = malloc(SG_MAX_KEY_FILE + 2);
	ck_assert_ptr_nonnull(big);
	memset(big, 'a', SG_MAX_KEY_FILE + 1);
	write_file(path, big, SG_MAX_KEY_FILE + 1, 0600);
	c.idp_client_secret_file = path;
	ck_assert_ptr_null(sg_oidc_new(&c, err, sizeof(err)));
	write_file(path, big, 2000, 0600);
	ck_assert_ptr_null(sg_oidc_new(&c, err, sizeof(err)));
	free(big);
	unlink(path);
}
END_TEST

static Suite *
oidc_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("oidc");
	tc = tcase_create("rp");
	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, run_setup, run_teardown);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_happy_path);
	tcase_add_test(tc, test_public_client);
	tcase_add_loop_test(tc, test_id_token_table, 0,
	    sizeof(id_token_table) / sizeof(id_token_table[0]));
	tcase_add_loop_test(tc, test_answer_table, 0,
	    sizeof(answer_table) / sizeof(answer_table[0]));
	tcase_add_test(tc, test_answer_too_deep_or_large);
	tcase_add_test(tc, test_token_endpoint_down);
	tcase_add_test(tc, test_token_endpoint_timeout);
	tcase_add_loop_test(tc, test_discovery_refused, 0,
	    sizeof(disc_bad_table) / sizeof(disc_bad_table[0]));
	tcase_add_test(tc, test_discovery_https_elsewhere);
	tcase_add_test(tc, test_login_url);
	tcase_add_test(tc, test_exchange_arguments);
	tcase_add_test(tc, test_unknown_kid);
	tcase_add_test(tc, test_key_rotation);
	tcase_add_loop_test(tc, test_jwks_refused, 0,
	    sizeof(jwks_bad_table) / sizeof(jwks_bad_table[0]));
	tcase_add_test(tc, test_jwks_failure_not_retried_at_once);
	tcase_add_test(tc, test_jwks_other_alg_skipped);
	tcase_add_loop_test(tc, test_user_table, 0,
	    sizeof(user_table) / sizeof(user_table[0]));
	tcase_add_loop_test(tc, test_new_table, 0,
	    sizeof(new_table) / sizeof(new_table[0]));
	tcase_add_test(tc, test_new_files);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tl_run(oidc_suite());
}
