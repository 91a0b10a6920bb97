/*
 * Unit tests for clients.c: valid and invalid registrations field by
 * field, the messages (file, client, field), exact redirect_uri
 * matching, secrets, grants, find, load and reload.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <json-c/json.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "bounds.h"
#include "clients.h"
#include "jwt.h"
#include "keys.h"
#include "testlib.h"

#define F	"clients.json"
#define E	F ": client \"demo-app\": "

/* Building blocks of a registration. */
#define ID	"\"client_id\":\"demo-app\""
#define PUB	ID ",\"token_endpoint_auth_method\":\"none\",\"scope\":\"openid\""
#define RU	"\"redirect_uris\":[\"https://app.example/cb\"]"
#define HASH	"\"client_secret_hash\":" \
		"\"sha256:HsHCa1DV08WNlYMYGvgHZlX-AHVr9yhZQLo2cPmfy6A\""
#define ONE(x)	"[{" x "}]"
#define REDIR(u)	ONE(PUB ",\"redirect_uris\":[\"https://app.example/cb\"," \
		    "\"" u "\"]")
#define BACKEND	ID ",\"scope\":\"system/*.rs\"," \
		"\"grant_types\":[\"client_credentials\"]"
#define PKJ	BACKEND ",\"token_endpoint_auth_method\":\"private_key_jwt\""

static char	 dir[] = "/tmp/sg_test_clients.XXXXXX";
static char	 path[4096];
static char	 rsa_jwk[4096];	/* a public RSA-2048 JWK without "alg" */
static char	 ec_jwk[1024];	/* a public EC P-384 JWK, ES384 */

static struct sg_clients *
parse(const char *text, char *err, size_t errlen)
{
	struct sg_clients	*reg = NULL;
	int			 rc;

	err[0] = '\0';
	rc = sg_clients_parse(F, text, strlen(text), &reg, err, errlen);
	ck_assert_int_eq(rc == 0, reg != NULL);
	return reg;
}

/* Valid registrations and what each must give. */
static const struct {
	const char		*json;
	enum sg_auth_method	 auth;
	unsigned		 grants;
	size_t			 nredirects;
	int			 secret;
	int			 ehr;
	const char		*name;
} valid[] = {
	{ ONE(PUB "," RU), SG_AUTH_NONE, SG_GRANT_CODE, 1, 0, 0, NULL },
	/* RFC 7591 §2 default method: client_secret_basic. */
	{ ONE(ID ",\"scope\":\"openid\"," RU "," HASH),
	  SG_AUTH_SECRET_BASIC, SG_GRANT_CODE, 1, 1, 0, NULL },
	{ ONE(ID ",\"scope\":\"openid offline_access\"," RU "," HASH
	  ",\"token_endpoint_auth_method\":\"client_secret_post\","
	  "\"grant_types\":[\"refresh_token\",\"authorization_code\"]"),
	  SG_AUTH_SECRET_POST, SG_GRANT_CODE | SG_GRANT_REFRESH, 1, 1, 0,
	  NULL },
	{ ONE(PKJ ",\"jwks_uri\":\"https://app.example/jwks.json\""),
	  SG_AUTH_PRIVATE_KEY_JWT, SG_GRANT_CLIENT_CREDENTIALS, 0, 0, 0,
	  NULL },
	/* Accepted here and fetched by clientauth.c: one URL parser. */
	{ ONE(PKJ ",\"jwks_uri\":\"HTTPS://Keys.Example/jwks.json\""),
	  SG_AUTH_PRIVATE_KEY_JWT, SG_GRANT_CLIENT_CREDENTIALS, 0, 0, 0,
	  NULL },
	{ ONE(PKJ ",\"jwks_uri\":\"http://127.0.0.1:9000/jwks\","
	  "\"redirect_uris\":[]"),
	  SG_AUTH_PRIVATE_KEY_JWT, SG_GRANT_CLIENT_CREDENTIALS, 0, 0, 0,
	  NULL },
	{ ONE(BACKEND ",\"token_endpoint_auth_method\":\"client_secret_basic\","
	  HASH), SG_AUTH_SECRET_BASIC, SG_GRANT_CLIENT_CREDENTIALS, 0, 1, 0,
	  NULL },
	{ ONE(PUB ",\"redirect_uris\":[\"http://127.0.0.1:8080/cb\","
	  "\"http://localhost/cb\",\"http://[::1]:1234/cb\","
	  "\"HTTPS://APP.example/cb\",\"http://LocalHost:1/\","
	  "\"https://app.example/cb?x=1&y=%2F\",\"https://app.example\","
	  "\"https://10.0.0.1:443/a/b;c=d/e:f@g\"]"),
	  SG_AUTH_NONE, SG_GRANT_CODE, 8, 0, 0, NULL },
	{ ONE(ID ",\"token_endpoint_auth_method\":\"client_secret_basic\","
	  HASH ",\"scope\":\"openid\"," RU ","
	  "\"client_name\":\"D\\u00e9mo \\u2713 app\","
	  "\"logo_uri\":\"https://app.example/logo.png\","
	  "\"launch_uri\":\"https://app.example/launch?x=1\","
	  "\"smartgate_ehr\":true,\"contacts\":[\"a@b.example\"],"
	  "\"software_id\":42"),
	  SG_AUTH_SECRET_BASIC, SG_GRANT_CODE, 1, 1, 1,
	  "D\xc3\xa9mo \xe2\x9c\x93 app" },
	{ ONE(PUB "," RU ",\"smartgate_ehr\":false,"
	  "\"logo_uri\":\"http://localhost:8080/logo.png\""),
	  SG_AUTH_NONE, SG_GRANT_CODE, 1, 0, 0, NULL },
	{ "{\"clients\":" ONE(PUB "," RU) "}",
	  SG_AUTH_NONE, SG_GRANT_CODE, 1, 0, 0, NULL },
	{ " \n" ONE(PUB ",\"scope\":\"launch/patient patient/*.rs "
	  "patient/Observation.rs?category=laboratory\"," RU) "\n\n",
	  SG_AUTH_NONE, SG_GRANT_CODE, 1, 0, 0, NULL },
};

START_TEST(test_valid)
{
	const struct sg_client	*cl;
	struct sg_clients	*reg;
	char			 err[512];

	reg = parse(valid[_i].json, err, sizeof(err));
	if (reg == NULL)
		ck_abort_msg("valid[%d]: %s", _i, err);
	ck_assert_uint_eq(reg->nclients, 1);
	cl = sg_clients_find(reg, "demo-app");
	ck_assert_ptr_nonnull(cl);
	ck_assert_str_eq(cl->client_id, "demo-app");
	ck_assert_int_eq(cl->auth_method, valid[_i].auth);
	ck_assert_uint_eq(cl->grant_types, valid[_i].grants);
	ck_assert_uint_eq(cl->nredirect_uris, valid[_i].nredirects);
	ck_assert_int_eq(cl->has_secret, valid[_i].secret);
	ck_assert_int_eq(cl->ehr, valid[_i].ehr);
	ck_assert_ptr_nonnull(cl->scope);
	if (valid[_i].name != NULL)
		ck_assert_str_eq(cl->client_name, valid[_i].name);
	sg_clients_free(reg);
}
END_TEST

/* Invalid files; the message must start with want. */
static const struct {
	const char	*json;
	const char	*want;
} invalid[] = {
	/* The file as a whole. */
	{ "", F ": JSON: unexpected end of file" },
	{ "[", F ": JSON: unexpected end of file" },
	{ "[1,]", F ":1: JSON: " },
	{ "[] x", F ":1: JSON: " },
	{ "/* c */ []", F ":1: JSON: " },
	{ "[\"\xff\"]", F ":1: JSON: " },
	/* The line of a syntax error, for an editor (smartgate-check). */
	{ "[\n  {\n  \"a\" 1\n}]", F ":3: JSON: " },
	{ "[]\n\n x", F ":3: JSON: " },
	{ "{}", F ": must be an array of clients" },
	{ "{\"clients\":{}}", F ": must be an array of clients" },
	{ "{\"clients\":null}", F ": must be an array of clients" },
	{ "\"x\"", F ": must be an array of clients" },
	{ "[1]", F ": clients[0]: must be a JSON object" },
	{ "[" "{" PUB "," RU "},null]", F ": clients[1]: must be a JSON object" },
	{ "[{" PUB "," RU "},{" PUB "," RU "}]",
	  E "client_id: registered twice" },
	{ "[{" PUB "," RU "},{\"client_id\":\"b\",\"scope\":\"x\"," RU "}]",
	  F ": client \"b\": client_secret_hash: missing" },

	/* client_id */
	{ ONE("\"scope\":\"openid\"," RU), F ": clients[0]: client_id: missing" },
	{ ONE("\"client_id\":\"demo app\",\"scope\":\"openid\""),
	  F ": clients[0]: client_id: only A-Z a-z 0-9 . _ ~ - allowed" },
	{ ONE("\"client_id\":\"d\\u00e9mo\""),
	  F ": clients[0]: client_id: only" },
	{ ONE("\"client_id\":\"\""), F ": clients[0]: client_id: must not be "
	  "empty" },
	{ ONE("\"client_id\":7"), F ": clients[0]: client_id: must be a string" },
	{ ONE("\"client_id\":null"), F ": clients[0]: client_id: must be a "
	  "string" },
	{ ONE("\"client_id\":\"a\\u0000b\""), F ": clients[0]: client_id: "
	  "contains a NUL character" },

	/* client_name */
	{ ONE(PUB "," RU ",\"client_name\":\"\""), E "client_name: must not be "
	  "empty" },
	{ ONE(PUB "," RU ",\"client_name\":\"a\\u0001b\""),
	  E "client_name: control character or invalid UTF-8" },
	{ ONE(PUB "," RU ",\"client_name\":\"a\\nb\""),
	  E "client_name: control character" },
	{ ONE(PUB "," RU ",\"client_name\":\"a\\u0085b\""),
	  E "client_name: control character" },
	{ ONE(PUB "," RU ",\"client_name\":[\"x\"]"),
	  E "client_name: must be a string" },

	/* redirect_uris */
	{ REDIR("https://app.example/cb#x"), E "redirect_uris[1]: must not "
	  "have a fragment" },
	{ REDIR("https://app.example/cb#"), E "redirect_uris[1]: must not "
	  "have a fragment" },
	{ REDIR("http://app.example/cb"), E "redirect_uris[1]: http is allowed "
	  "only for 127.0.0.1, localhost and [::1]" },
	{ REDIR("http://127.0.0.2/cb"), E "redirect_uris[1]: http is allowed" },
	{ REDIR("http://localhost.evil.example/cb"), E "redirect_uris[1]: http "
	  "is allowed" },
	{ REDIR("/cb"), E "redirect_uris[1]: must be an absolute https URL" },
	{ REDIR("com.example.app:/cb"), E "redirect_uris[1]: must be an "
	  "absolute https URL" },
	{ REDIR("javascript:alert(1)"), E "redirect_uris[1]: must be an "
	  "absolute https URL" },
	{ REDIR("https://user@app.example/cb"), E "redirect_uris[1]: must not "
	  "contain user information" },
	{ REDIR("https://u:p@app.example/cb"), E "redirect_uris[1]: must not "
	  "contain user information" },
	{ REDIR("https:///cb"), E "redirect_uris[1]: must have a host" },
	{ REDIR("https://"), E "redirect_uris[1]: must have a host" },
	{ REDIR("https://app.example:0/cb"), E "redirect_uris[1]: has an "
	  "invalid port" },
	{ REDIR("https://app.example:65536/cb"), E "redirect_uris[1]: has an "
	  "invalid port" },
	{ REDIR("https://app.example:/cb"), E "redirect_uris[1]: has an "
	  "invalid port" },
	{ REDIR("https://app.example:0000443/cb"), E "redirect_uris[1]: "
	  "has an invalid port" },
	{ REDIR("https://[::1/cb"), E "redirect_uris[1]: has an invalid host" },
	/* A browser reads '\\' as '/'. */
	{ REDIR("https://app\\\\example/cb"), E "redirect_uris[1]: has a "
	  "character not allowed in a URL" },
	{ REDIR("https://app_x.example/cb"), E "redirect_uris[1]: has an "
	  "invalid host" },
	{ REDIR("https://app%2eexample/cb"), E "redirect_uris[1]: has an "
	  "invalid host" },
	{ REDIR("https://app.example/c b"), E "redirect_uris[1]: must not "
	  "contain spaces, control or non-ASCII characters" },
	{ REDIR("https://app.example/c\\r\\nb"), E "redirect_uris[1]: "
	  "must not contain spaces, control or non-ASCII characters" },
	{ REDIR("https://app.example\\r\\n"), E "redirect_uris[1]: "
	  "must not contain spaces, control or non-ASCII characters" },
	{ REDIR("https://app.example/c\\u00e9"), E "redirect_uris[1]: "
	  "must not contain spaces, control or non-ASCII characters" },
	{ REDIR("https://app.example/<x>"), E "redirect_uris[1]: has a "
	  "character not allowed in a URL" },
	{ REDIR("https://app.example/%zz"), E "redirect_uris[1]: has a "
	  "malformed percent escape" },
	{ REDIR("https://app.example/%4"), E "redirect_uris[1]: has a "
	  "malformed percent escape" },
	{ REDIR("https://app.example/cb"), E "redirect_uris[1]: listed twice" },
	{ ONE(PUB ",\"redirect_uris\":[\"https://a.example/\",5]"),
	  E "redirect_uris[1]: must be a string" },
	{ ONE(PUB ",\"redirect_uris\":\"https://app.example/cb\""),
	  E "redirect_uris: must be an array" },
	{ ONE(PUB ",\"redirect_uris\":[]"), E "redirect_uris: must not be "
	  "empty" },
	{ ONE(PUB), E "redirect_uris: missing (required for "
	  "authorization_code)" },

	/* token_endpoint_auth_method and client_secret_hash */
	{ ONE(ID ",\"scope\":\"x\"," RU
	  ",\"token_endpoint_auth_method\":\"client_secret_jwt\""),
	  E "token_endpoint_auth_method: unsupported" },
	{ ONE(ID ",\"scope\":\"x\"," RU ",\"token_endpoint_auth_method\":1"),
	  E "token_endpoint_auth_method: must be a string" },
	{ ONE(ID ",\"scope\":\"x\"," RU), E "client_secret_hash: missing "
	  "(required for token_endpoint_auth_method client_secret_basic" },
	{ ONE(ID ",\"scope\":\"x\"," RU
	  ",\"token_endpoint_auth_method\":\"client_secret_post\""),
	  E "client_secret_hash: missing (required for "
	  "token_endpoint_auth_method client_secret_post" },
	{ ONE(ID ",\"scope\":\"x\"," RU "," HASH ",\"client_secret\":\"s3cret\""),
	  E "client_secret: secrets are stored only as client_secret_hash" },
	{ ONE(PUB "," RU "," HASH), E "client_secret_hash: not allowed with "
	  "token_endpoint_auth_method none" },
	{ ONE(PKJ ",\"jwks_uri\":\"https://a.example/j\"," HASH),
	  E "client_secret_hash: not allowed with token_endpoint_auth_method "
	  "private_key_jwt" },
	{ ONE(ID ",\"scope\":\"x\"," RU ",\"client_secret_hash\":\"s3cret\""),
	  E "client_secret_hash: must be \"sha256:\"" },
	{ ONE(ID ",\"scope\":\"x\"," RU ",\"client_secret_hash\":"
	  "\"sha512:HsHCa1DV08WNlYMYGvgHZlX-AHVr9yhZQLo2cPmfy6A\""),
	  E "client_secret_hash: must be \"sha256:\"" },
	/* 31 bytes */
	{ ONE(ID ",\"scope\":\"x\"," RU ",\"client_secret_hash\":"
	  "\"sha256:AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ\""),
	  E "client_secret_hash: must be \"sha256:\"" },
	{ ONE(ID ",\"scope\":\"x\"," RU ",\"client_secret_hash\":"
	  "\"sha256:HsHCa1DV08WNlYMYGvgHZlX+AHVr9yhZQLo2cPmfy6A\""),
	  E "client_secret_hash: must be \"sha256:\"" },
	{ ONE(ID ",\"scope\":\"x\"," RU ",\"client_secret_hash\":true"),
	  E "client_secret_hash: must be a string" },

	/* jwks and jwks_uri */
	{ ONE(PKJ), E "jwks: jwks or jwks_uri required for private_key_jwt" },
	{ ONE(PKJ ",\"jwks_uri\":\"https://a.example/j\",\"jwks\":{\"keys\":[]}"),
	  E "jwks_uri: not allowed together with jwks" },
	{ ONE(PUB "," RU ",\"jwks_uri\":\"https://a.example/j\""),
	  E "jwks_uri: only for token_endpoint_auth_method private_key_jwt" },
	{ ONE(PUB "," RU ",\"jwks\":{\"keys\":[]}"),
	  E "jwks: only for token_endpoint_auth_method private_key_jwt" },
	{ ONE(PKJ ",\"jwks_uri\":\"http://a.example/j\""),
	  E "jwks_uri: http is allowed only" },
	{ ONE(PKJ ",\"jwks_uri\":\"https://a.example/j#k\""),
	  E "jwks_uri: must not have a fragment" },
	{ ONE(PKJ ",\"jwks_uri\":\"\""), E "jwks_uri: must not be empty" },
	{ ONE(PKJ ",\"jwks\":{\"a\":1}"), E "jwks: must be a JWKS" },
	{ ONE(PKJ ",\"jwks\":[]"), E "jwks: must be a JWKS" },
	{ ONE(PKJ ",\"jwks\":{\"keys\":{}}"), E "jwks: must be a JWKS" },
	{ ONE(PKJ ",\"jwks\":{\"keys\":[]}"), E "jwks: no usable signature key" },
	{ ONE(PKJ ",\"jwks\":{\"keys\":[{\"kty\":\"oct\",\"k\":\"AAAA\"}]}"),
	  E "jwks: no usable signature key" },
	{ ONE(PKJ ",\"jwks\":{\"keys\":[1,2,3,4,5,6,7,8,9]}"),
	  E "jwks: more than 8 keys" },

	/* scope */
	{ ONE(ID ",\"token_endpoint_auth_method\":\"none\"," RU),
	  E "scope: missing" },
	{ ONE(PUB "," RU ",\"scope\":\"\""), E "scope: must not be empty" },
	{ ONE(PUB "," RU ",\"scope\":\"a  b\""), E "scope: scope tokens "
	  "separated by single spaces" },
	{ ONE(PUB "," RU ",\"scope\":\" a\""), E "scope: scope tokens" },
	{ ONE(PUB "," RU ",\"scope\":\"a \""), E "scope: scope tokens" },
	{ ONE(PUB "," RU ",\"scope\":\"a\\tb\""), E "scope: scope tokens" },
	{ ONE(PUB "," RU ",\"scope\":\"a\\\"b\""), E "scope: scope tokens" },
	{ ONE(PUB "," RU ",\"scope\":\"a\\\\b\""), E "scope: scope tokens" },
	{ ONE(PUB "," RU ",\"scope\":\"\\u00e9\""), E "scope: scope tokens" },
	{ ONE(PUB "," RU ",\"scope\":[\"openid\"]"), E "scope: must be a "
	  "string" },

	/* grant_types */
	{ ONE(PUB "," RU ",\"grant_types\":\"authorization_code\""),
	  E "grant_types: must be an array" },
	{ ONE(PUB "," RU ",\"grant_types\":[]"), E "grant_types: must not be "
	  "empty" },
	{ ONE(PUB "," RU ",\"grant_types\":[\"authorization_code\","
	  "\"implicit\"]"), E "grant_types[1]: unsupported grant type" },
	{ ONE(PUB "," RU ",\"grant_types\":[\"password\"]"),
	  E "grant_types[0]: unsupported grant type" },
	{ ONE(PUB "," RU ",\"grant_types\":[\"authorization_code\","
	  "\"authorization_code\"]"), E "grant_types[1]: listed twice" },
	{ ONE(PUB "," RU ",\"grant_types\":[null]"), E "grant_types[0]: must "
	  "be a string" },
	{ ONE(PUB ",\"grant_types\":[\"client_credentials\"]"),
	  E "grant_types: client_credentials needs client authentication" },
	{ ONE(PUB "," RU ",\"grant_types\":[\"refresh_token\"]"),
	  E "grant_types: refresh_token needs authorization_code" },
	{ ONE(BACKEND "," HASH ",\"token_endpoint_auth_method\":"
	  "\"client_secret_basic\",\"grant_types\":[\"client_credentials\","
	  "\"authorization_code\"]"),
	  E "redirect_uris: missing (required for authorization_code)" },

	/* logo_uri, launch_uri, smartgate_ehr */
	{ ONE(PUB "," RU ",\"logo_uri\":\"http://app.example/l.png\""),
	  E "logo_uri: http is allowed only" },
	{ ONE(PUB "," RU ",\"logo_uri\":\"data:image/png;base64,AAAA\""),
	  E "logo_uri: must be an absolute https URL" },
	{ ONE(PUB "," RU ",\"launch_uri\":\"https://app.example/l#x\""),
	  E "launch_uri: must not have a fragment" },
	{ ONE(PUB "," RU ",\"launch_uri\":5"), E "launch_uri: must be a string" },
	{ ONE(PUB "," RU ",\"smartgate_ehr\":\"true\""),
	  E "smartgate_ehr: must be true or false" },
	{ ONE(PUB "," RU ",\"smartgate_ehr\":1"),
	  E "smartgate_ehr: must be true or false" },
	/* An EHR mints launches for any patient: never a public client. */
	{ ONE(PUB "," RU ",\"smartgate_ehr\":true"),
	  E "smartgate_ehr: needs client authentication" },
	/* smartgate_introspect: a resource server reads any grant. */
	{ ONE(PUB "," RU ",\"smartgate_introspect\":\"true\""),
	  E "smartgate_introspect: must be true or false" },
	{ ONE(PUB "," RU ",\"smartgate_introspect\":null"),
	  E "smartgate_introspect: must be true or false" },
	{ ONE(PUB "," RU ",\"smartgate_introspect\":true"),
	  E "smartgate_introspect: needs client authentication" },
};

START_TEST(test_invalid)
{
	struct sg_clients	*reg;
	char			 err[512];

	reg = parse(invalid[_i].json, err, sizeof(err));
	if (reg != NULL)
		ck_abort_msg("invalid[%d] accepted: %s", _i, invalid[_i].json);
	if (strncmp(err, invalid[_i].want, strlen(invalid[_i].want)) != 0)
		ck_abort_msg("invalid[%d]: got \"%s\", want \"%s...\"", _i, err,
		    invalid[_i].want);
}
END_TEST

/* Limits that are easier to build than to write out. */
/* smartgate_introspect: off unless set true, on a confidential client. */
static const struct {
	const char	*json;
	int		 introspect;
} introspect_table[] = {
	{ ONE(PUB "," RU), 0 },
	{ ONE(PUB "," RU ",\"smartgate_introspect\":false"), 0 },
	{ ONE(BACKEND ",\"token_endpoint_auth_method\":\"client_secret_basic\","
	  HASH ",\"smartgate_introspect\":true"), 1 },
	{ ONE(PKJ ",\"jwks_uri\":\"https://rs.example/jwks\","
	  "\"smartgate_introspect\":true"), 1 },
};

START_TEST(test_introspect_flag)
{
	const struct sg_client	*cl;
	struct sg_clients	*reg;
	char			 err[512];

	reg = parse(introspect_table[_i].json, err, sizeof(err));
	if (reg == NULL)
		ck_abort_msg("introspect_table[%d]: %s", _i, err);
	cl = sg_clients_find(reg, "demo-app");
	ck_assert_ptr_nonnull(cl);
	ck_assert_int_eq(cl->introspect, introspect_table[_i].introspect);
	ck_assert_int_eq(cl->ehr, 0);
	sg_clients_free(reg);
}
END_TEST

START_TEST(test_limits)
{
	struct sg_clients	*reg;
	char			 err[512], id[SG_MAX_CLIENT_ID + 2], *buf;
	size_t			 i, n;

	memset(id, 'a', sizeof(id) - 1);
	id[sizeof(id) - 1] = '\0';
	buf = malloc(64 * 1024);
	ck_assert_ptr_nonnull(buf);

	/* client_id of 129 and 128 characters. */
	snprintf(buf, 64 * 1024, "[{\"client_id\":\"%s\",\"scope\":\"x\","
	    "\"token_endpoint_auth_method\":\"none\"," RU "}]", id);
	ck_assert_ptr_null(parse(buf, err, sizeof(err)));
	ck_assert_str_eq(err, F ": clients[0]: client_id: longer than 128 "
	    "bytes");
	id[SG_MAX_CLIENT_ID] = '\0';
	snprintf(buf, 64 * 1024, "[{\"client_id\":\"%s\",\"scope\":\"x\","
	    "\"token_endpoint_auth_method\":\"none\"," RU "}]", id);
	reg = parse(buf, err, sizeof(err));
	ck_assert_msg(reg != NULL, "%s", err);
	ck_assert_ptr_nonnull(sg_clients_find(reg, id));
	sg_clients_free(reg);

	/* 32 redirect URIs are fine, 33 are not. */
	for (n = SG_MAX_CLIENT_REDIRECTS; n <= SG_MAX_CLIENT_REDIRECTS + 1;
	    n++) {
		snprintf(buf, 64 * 1024, "[{" PUB ",\"redirect_uris\":[");
		for (i = 0; i < n; i++)
			snprintf(buf + strlen(buf), 64 * 1024 - strlen(buf),
			    "%s\"https://a.example/%zu\"", i ? "," : "", i);
		snprintf(buf + strlen(buf), 64 * 1024 - strlen(buf), "]}]");
		reg = parse(buf, err, sizeof(err));
		if (n == SG_MAX_CLIENT_REDIRECTS) {
			ck_assert_msg(reg != NULL, "%s", err);
			ck_assert_uint_eq(reg->clients[0].nredirect_uris, n);
			sg_clients_free(reg);
		} else {
			ck_assert_ptr_null(reg);
			ck_assert_str_eq(err, E "redirect_uris: more than 32");
		}
	}

	/*
	 * URLs: at most SG_MAX_URL bytes, the same limit the endpoints put
	 * on redirect_uri, so that every registered URI can be asked for.
	 */
	n = (size_t)snprintf(buf, 64 * 1024,
	    "[{" PUB ",\"redirect_uris\":[\"https://a.example/");
	memset(buf + n, 'x', SG_MAX_URL - 18);
	snprintf(buf + n + SG_MAX_URL - 18, 64 * 1024 - n - SG_MAX_URL,
	    "\"]}]");
	reg = parse(buf, err, sizeof(err));
	ck_assert_msg(reg != NULL, "%s", err);
	sg_clients_free(reg);
	memset(buf + n, 'x', SG_MAX_URL - 17);
	snprintf(buf + n + SG_MAX_URL - 17, 64 * 1024 - n - SG_MAX_URL,
	    "\"]}]");
	ck_assert_ptr_null(parse(buf, err, sizeof(err)));
	ck_assert_str_eq(err, E "redirect_uris[0]: longer than "
	    "2048 bytes");
	n = (size_t)snprintf(buf, 64 * 1024,
	    "[{" PKJ ",\"jwks_uri\":\"https://a.example/");
	memset(buf + n, 'x', SG_MAX_URL - 17);
	snprintf(buf + n + SG_MAX_URL - 17, 64 * 1024 - n - SG_MAX_URL,
	    "\"}]");
	ck_assert_ptr_null(parse(buf, err, sizeof(err)));
	ck_assert_str_eq(err, E "jwks_uri: longer than 2048 bytes");

	/* A client_name too long. */
	n = (size_t)snprintf(buf, 64 * 1024,
	    "[{" PUB "," RU ",\"client_name\":\"");
	memset(buf + n, 'x', SG_MAX_CLIENT_NAME + 1);
	snprintf(buf + n + SG_MAX_CLIENT_NAME + 1, 64 * 1024 - n -
	    SG_MAX_CLIENT_NAME - 1, "\"}]");
	ck_assert_ptr_null(parse(buf, err, sizeof(err)));
	ck_assert_str_eq(err, E "client_name: longer than 256 bytes");

	/* JSON nested deeper than SG_MAX_JSON_DEPTH. */
	for (i = 0; i < SG_MAX_JSON_DEPTH + 1; i++)
		buf[i] = '[';
	for (i = 0; i < SG_MAX_JSON_DEPTH + 1; i++)
		buf[SG_MAX_JSON_DEPTH + 1 + i] = ']';
	buf[2 * (SG_MAX_JSON_DEPTH + 1)] = '\0';
	ck_assert_ptr_null(parse(buf, err, sizeof(err)));
	ck_assert_msg(strncmp(err, F ":1: JSON: ",
	    strlen(F ":1: JSON: ")) == 0, "%s", err);
	free(buf);

	/* A NUL byte, and a text larger than the cap (not read past). */
	ck_assert_int_eq(sg_clients_parse(F, "[]\0", 3, &reg, err,
	    sizeof(err)), -1);
	ck_assert_ptr_null(reg);
	ck_assert_str_eq(err, F ": contains a NUL byte");
	ck_assert_int_eq(sg_clients_parse(F, "[]", SG_MAX_CLIENTS_FILE + 1,
	    &reg, err, sizeof(err)), -1);
	ck_assert_str_eq(err, F ": larger than 4194304 bytes");

	/* Empty registries are fine; a small error buffer is cut, not run over. */
	reg = parse(" [ ]\n", err, sizeof(err));
	ck_assert_ptr_nonnull(reg);
	ck_assert_uint_eq(reg->nclients, 0);
	ck_assert_ptr_null(sg_clients_find(reg, "demo-app"));
	sg_clients_free(reg);
	reg = parse("{\"clients\":[],\"x\":1}", err, sizeof(err));
	ck_assert_ptr_nonnull(reg);
	sg_clients_free(reg);
	reg = parse(REDIR("https://app.example/cb#x"), err, 12);
	ck_assert_ptr_null(reg);
	ck_assert_str_eq(err, "clients.jso");
}
END_TEST

/* private_key_jwt with an inline JWKS; keys kept with their algorithm. */
START_TEST(test_jwks)
{
	const struct sg_client	*cl;
	struct sg_clients	*reg;
	char			 err[512], buf[8192];

	snprintf(buf, sizeof(buf), "[{" PKJ ",\"jwks\":{\"keys\":[%s,%s,"
	    "{\"kty\":\"RSA\",\"use\":\"enc\",\"n\":\"AQAB\",\"e\":\"AQAB\"}]}}]",
	    rsa_jwk, ec_jwk);
	reg = parse(buf, err, sizeof(err));
	ck_assert_msg(reg != NULL, "%s", err);
	cl = sg_clients_find(reg, "demo-app");
	ck_assert_ptr_nonnull(cl);
	ck_assert_uint_eq(cl->nkeys, 2);
	ck_assert_ptr_null(cl->jwks_uri);
	/* No "alg" in the RSA JWK: RS384 (SMART Backend Services). */
	ck_assert_int_eq(cl->keys[0].alg, SG_ALG_RS384);
	ck_assert_ptr_nonnull(cl->keys[0].pkey);
	ck_assert_int_eq(cl->keys[1].alg, SG_ALG_ES384);
	ck_assert_str_eq(cl->keys[1].kid, "ec1");
	sg_clients_free(reg);

	/* A private key in the JWKS is refused (no usable key). */
	snprintf(buf, sizeof(buf), "[{" PKJ ",\"jwks\":{\"keys\":[%.*s,"
	    "\"d\":\"AAAA\"}]}}]", (int)strlen(ec_jwk) - 1, ec_jwk);
	ck_assert_ptr_null(parse(buf, err, sizeof(err)));
	ck_assert_str_eq(err, E "jwks: no usable signature key (public RSA of "
	    "at least 2048 bits, or EC P-256/P-384)");
}
END_TEST

/* Exact redirect_uri matching: RFC 6749 §3.1.2.3, no normalisation. */
static const struct {
	const char	*uri;
	int		 ok;
} redirects[] = {
	{ "https://app.example/cb", 1 },
	{ "https://app.example/cb?a=1", 1 },
	{ "http://127.0.0.1:8080/cb", 1 },
	{ "https://app.example/cb/", 0 },	/* trailing slash */
	{ "https://app.example/CB", 0 },	/* case */
	{ "https://APP.example/cb", 0 },
	{ "HTTPS://app.example/cb", 0 },
	{ "https://app.example/cb?", 0 },
	{ "https://app.example/cb?x=1", 0 },	/* extra query */
	{ "https://app.example/cb?a=1&b=2", 0 },
	{ "https://app.example/cb?a=1#f", 0 },
	{ "https://app.example:443/cb", 0 },	/* port */
	{ "http://127.0.0.1:8081/cb", 0 },
	{ "http://127.0.0.1/cb", 0 },
	{ "http://localhost:8080/cb", 0 },
	{ "https://app.example/%63b", 0 },	/* encoding */
	{ "https://app.example/./cb", 0 },
	{ "https://app.example/c", 0 },		/* prefix */
	{ "https://app.example/cbx", 0 },
	{ "https://app.example/cb\r\nX: y", 0 },
	{ "https://app.example/cb ", 0 },
	{ "", 0 },
};

START_TEST(test_redirect)
{
	struct sg_clients	*reg;
	const struct sg_client	*cl;
	char			 err[512];

	reg = parse(ONE(PUB ",\"redirect_uris\":[\"https://app.example/cb\","
	    "\"https://app.example/cb?a=1\",\"http://127.0.0.1:8080/cb\"]"),
	    err, sizeof(err));
	ck_assert_msg(reg != NULL, "%s", err);
	cl = sg_clients_find(reg, "demo-app");
	ck_assert_ptr_nonnull(cl);
	ck_assert_msg(sg_client_redirect_ok(cl, redirects[_i].uri) ==
	    redirects[_i].ok, "redirect \"%s\"", redirects[_i].uri);
	ck_assert_int_eq(sg_client_redirect_ok(cl, NULL), 0);
	ck_assert_int_eq(sg_client_redirect_ok(NULL, "https://app.example/cb"),
	    0);
	sg_clients_free(reg);
}
END_TEST

START_TEST(test_secret)
{
	struct sg_clients	*reg;
	const struct sg_client	*cl, *pub;
	char			 err[512], *s, *t, *h;
	size_t			 i;

	reg = parse("[{" ID ",\"scope\":\"x\"," RU "," HASH "},"
	    "{\"client_id\":\"pub\",\"scope\":\"x\","
	    "\"token_endpoint_auth_method\":\"none\"," RU "}]", err,
	    sizeof(err));
	ck_assert_msg(reg != NULL, "%s", err);
	cl = sg_clients_find(reg, "demo-app");
	pub = sg_clients_find(reg, "pub");
	ck_assert_ptr_nonnull(cl);
	ck_assert_ptr_nonnull(pub);

	ck_assert_int_eq(sg_client_secret_ok(cl, "s3cret", 6), 1);
	ck_assert_int_eq(sg_client_secret_ok(cl, "s3cre", 5), 0);
	ck_assert_int_eq(sg_client_secret_ok(cl, "s3cret", 5), 0);
	ck_assert_int_eq(sg_client_secret_ok(cl, "s3cret!", 7), 0);
	ck_assert_int_eq(sg_client_secret_ok(cl, "S3cret", 6), 0);
	ck_assert_int_eq(sg_client_secret_ok(cl, "s3cret\0x", 8), 0);
	ck_assert_int_eq(sg_client_secret_ok(cl, "", 0), 0);
	ck_assert_int_eq(sg_client_secret_ok(cl, NULL, 0), 0);
	/* A hash is not a secret. */
	ck_assert_int_eq(sg_client_secret_ok(cl,
	    "HsHCa1DV08WNlYMYGvgHZlX-AHVr9yhZQLo2cPmfy6A", 43), 0);
	/* A client without a secret never matches, not even "". */
	ck_assert_int_eq(sg_client_secret_ok(pub, "", 0), 0);
	ck_assert_int_eq(sg_client_secret_ok(pub, "s3cret", 6), 0);
	ck_assert_int_eq(sg_client_secret_ok(NULL, "s3cret", 6), 0);

	h = sg_client_secret_hash("abc", 3);
	ck_assert_str_eq(h, "sha256:ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
	free(h);

	/* New secrets: 43 base64url characters, different every time. */
	s = sg_client_secret_new();
	t = sg_client_secret_new();
	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(strlen(s), 43);
	ck_assert_uint_eq(strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklm"
	    "nopqrstuvwxyz0123456789-_"), 43);
	ck_assert_str_ne(s, t);
	/* A generated secret and its hash round-trip through a file. */
	h = sg_client_secret_hash(s, strlen(s));
	sg_clients_free(reg);
	{
		char	 buf[1024];

		snprintf(buf, sizeof(buf), "[{" ID ",\"scope\":\"x\"," RU
		    ",\"client_secret_hash\":\"%s\"}]", h);
		reg = parse(buf, err, sizeof(err));
		ck_assert_msg(reg != NULL, "%s", err);
	}
	cl = sg_clients_find(reg, "demo-app");
	ck_assert_int_eq(sg_client_secret_ok(cl, s, strlen(s)), 1);
	ck_assert_int_eq(sg_client_secret_ok(cl, t, strlen(t)), 0);
	for (i = 0; i < strlen(s); i++)
		ck_assert_int_eq(sg_client_secret_ok(cl, s, i), 0);
	free(h);
	free(s);
	free(t);
	sg_clients_free(reg);
}
END_TEST

START_TEST(test_find_and_grants)
{
	struct sg_clients	*reg;
	const struct sg_client	*cl;
	char			 err[512];
	static const char *const ids[] = { "z", "a", "m-1", "m", "M", "m.2",
	    "~" };
	size_t			 i;

	reg = parse("["
	    "{\"client_id\":\"z\",\"scope\":\"x\"," HASH "," RU ","
	    "\"grant_types\":[\"authorization_code\",\"refresh_token\","
	    "\"client_credentials\"]},"
	    "{\"client_id\":\"a\",\"scope\":\"x\",\"token_endpoint_auth_method\":"
	    "\"none\"," RU "},"
	    "{\"client_id\":\"m-1\",\"scope\":\"x\",\"token_endpoint_auth_method\":"
	    "\"none\"," RU "},"
	    "{\"client_id\":\"m\",\"scope\":\"x\",\"token_endpoint_auth_method\":"
	    "\"none\"," RU "},"
	    "{\"client_id\":\"M\",\"scope\":\"x\",\"token_endpoint_auth_method\":"
	    "\"none\"," RU "},"
	    "{\"client_id\":\"m.2\",\"scope\":\"x\",\"token_endpoint_auth_method\":"
	    "\"none\"," RU "},"
	    "{\"client_id\":\"~\",\"scope\":\"y\"," HASH ",\"grant_types\":"
	    "[\"client_credentials\"]}"
	    "]", err, sizeof(err));
	ck_assert_msg(reg != NULL, "%s", err);
	ck_assert_uint_eq(reg->nclients, 7);
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		cl = sg_clients_find(reg, ids[i]);
		ck_assert_msg(cl != NULL, "find %s", ids[i]);
		ck_assert_str_eq(cl->client_id, ids[i]);
	}
	ck_assert_ptr_null(sg_clients_find(reg, "b"));
	ck_assert_ptr_null(sg_clients_find(reg, ""));
	ck_assert_ptr_null(sg_clients_find(reg, "m-"));
	ck_assert_ptr_null(sg_clients_find(reg, "m-12"));
	ck_assert_ptr_null(sg_clients_find(reg, "Z"));
	ck_assert_ptr_null(sg_clients_find(reg, NULL));
	ck_assert_ptr_null(sg_clients_find(NULL, "a"));

	cl = sg_clients_find(reg, "z");
	ck_assert_int_eq(sg_client_grant_ok(cl, SG_GRANT_CODE), 1);
	ck_assert_int_eq(sg_client_grant_ok(cl, SG_GRANT_REFRESH), 1);
	ck_assert_int_eq(sg_client_grant_ok(cl, SG_GRANT_CLIENT_CREDENTIALS),
	    1);
	cl = sg_clients_find(reg, "a");
	ck_assert_int_eq(sg_client_grant_ok(cl, SG_GRANT_CODE), 1);
	ck_assert_int_eq(sg_client_grant_ok(cl, SG_GRANT_REFRESH), 0);
	ck_assert_int_eq(sg_client_grant_ok(cl, SG_GRANT_CLIENT_CREDENTIALS),
	    0);
	ck_assert_int_eq(sg_client_grant_ok(cl, SG_GRANT_CODE |
	    SG_GRANT_REFRESH), 0);
	ck_assert_int_eq(sg_client_grant_ok(cl, 0), 0);
	ck_assert_int_eq(sg_client_grant_ok(NULL, SG_GRANT_CODE), 0);
	cl = sg_clients_find(reg, "~");
	ck_assert_int_eq(sg_client_grant_ok(cl, SG_GRANT_CODE), 0);
	ck_assert_int_eq(sg_client_grant_ok(cl, SG_GRANT_CLIENT_CREDENTIALS),
	    1);
	ck_assert_uint_eq(cl->nredirect_uris, 0);
	ck_assert_int_eq(sg_client_redirect_ok(cl, ""), 0);

	ck_assert_str_eq(sg_auth_method_name(SG_AUTH_NONE), "none");
	ck_assert_str_eq(sg_auth_method_name(SG_AUTH_PRIVATE_KEY_JWT),
	    "private_key_jwt");
	sg_clients_free(reg);
}
END_TEST

/* Replaces the file atomically, as smartgate-client does. */
static void
put_file(const char *p, const char *text)
{
	char	 tmp[4200];
	int	 fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", p);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0640);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	ck_assert_int_eq(rename(tmp, p), 0);
}

START_TEST(test_load)
{
	struct sg_clients	*reg;
	char			 err[512], want[4400];
	int			 fd;

	snprintf(path, sizeof(path), "%s/clients.json", dir);
	put_file(path, ONE(PUB "," RU));
	reg = sg_clients_load(path, err, sizeof(err));
	ck_assert_msg(reg != NULL, "%s", err);
	ck_assert_ptr_nonnull(sg_clients_find(reg, "demo-app"));
	ck_assert_int_eq(reg->loaded.set, 1);
	sg_clients_free(reg);

	/* The message names the path it was given. */
	put_file(path, REDIR("https://app.example/cb#x"));
	ck_assert_ptr_null(sg_clients_load(path, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: client \"demo-app\": "
	    "redirect_uris[1]: must not have a fragment", path);
	ck_assert_str_eq(err, want);

	snprintf(path, sizeof(path), "%s/missing.json", dir);
	ck_assert_ptr_null(sg_clients_load(path, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	ck_assert_str_eq(err, want);

	ck_assert_ptr_null(sg_clients_load(dir, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: not a regular file", dir);
	ck_assert_str_eq(err, want);

	/* Larger than SG_MAX_CLIENTS_FILE: refused before reading. */
	snprintf(path, sizeof(path), "%s/big.json", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, SG_MAX_CLIENTS_FILE + 1), 0);
	close(fd);
	ck_assert_ptr_null(sg_clients_load(path, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: larger than 4194304 bytes", path);
	ck_assert_str_eq(err, want);
	unlink(path);
	snprintf(path, sizeof(path), "%s/clients.json", dir);
	unlink(path);
}
END_TEST

START_TEST(test_reload)
{
	struct sg_clients	*reg, *old;
	char			 err[512];

	snprintf(path, sizeof(path), "%s/reload.json", dir);
	put_file(path, ONE(PUB "," RU));
	reg = sg_clients_load(path, err, sizeof(err));
	ck_assert_msg(reg != NULL, "%s", err);

	/* Unchanged: nothing to do, same registry. */
	old = reg;
	ck_assert_int_eq(sg_clients_reload(&reg, path, NULL), 0);
	ck_assert_ptr_eq(reg, old);

	/* Changed: the new client is there without a restart. */
	put_file(path, "[{" PUB "," RU "},{\"client_id\":\"second\","
	    "\"scope\":\"x\",\"token_endpoint_auth_method\":\"none\"," RU "}]");
	ck_assert_int_eq(sg_clients_reload(&reg, path, NULL), 1);
	ck_assert_ptr_nonnull(sg_clients_find(reg, "second"));
	ck_assert_int_eq(sg_clients_reload(&reg, path, NULL), 0);

	/* Broken: error, logged once, the old registry stays in use. */
	put_file(path, "[{" PUB "," RU "},{\"client_id\":\"third\"}]");
	old = reg;
	ck_assert_int_eq(sg_clients_reload(&reg, path, NULL), -1);
	ck_assert_ptr_eq(reg, old);
	ck_assert_ptr_nonnull(sg_clients_find(reg, "second"));
	ck_assert_ptr_null(sg_clients_find(reg, "third"));
	ck_assert_int_eq(sg_clients_reload(&reg, path, NULL), 0);
	ck_assert_ptr_eq(reg, old);

	/* Gone: error, old kept; back and fixed: reloaded. */
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(sg_clients_reload(&reg, path, NULL), -1);
	ck_assert_int_eq(sg_clients_reload(&reg, path, NULL), -1);
	ck_assert_ptr_eq(reg, old);
	ck_assert_ptr_nonnull(sg_clients_find(reg, "second"));
	put_file(path, "[{" PUB "," RU "},{\"client_id\":\"third\","
	    "\"scope\":\"x\",\"token_endpoint_auth_method\":\"none\"," RU "}]");
	ck_assert_int_eq(sg_clients_reload(&reg, path, NULL), 1);
	ck_assert_ptr_nonnull(sg_clients_find(reg, "third"));
	ck_assert_ptr_null(sg_clients_find(reg, "second"));

	/* Same inode rewritten in place with a different size. */
	{
		FILE	*f = fopen(path, "w");

		ck_assert_ptr_nonnull(f);
		fputs(ONE(PUB "," RU), f);
		fclose(f);
	}
	ck_assert_int_eq(sg_clients_reload(&reg, path, NULL), 1);
	ck_assert_ptr_null(sg_clients_find(reg, "third"));
	ck_assert_ptr_nonnull(sg_clients_find(reg, "demo-app"));
	sg_clients_free(reg);

	/* No registry yet: loads one, or fails without one. */
	reg = NULL;
	ck_assert_int_eq(sg_clients_reload(&reg, path, NULL), 1);
	ck_assert_ptr_nonnull(reg);
	sg_clients_free(reg);
	reg = NULL;
	unlink(path);
	ck_assert_int_eq(sg_clients_reload(&reg, path, NULL), -1);
	ck_assert_ptr_null(reg);
}
END_TEST

/* Public JWKs for the tests, made once (outside a test: no ck_assert). */
static void
make_keys(void)
{
	EVP_PKEY	*rsa, *ec;
	json_object	*j, *k;

	if (mkdtemp(dir) == NULL || (rsa = EVP_RSA_gen(2048)) == NULL ||
	    (ec = EVP_EC_gen("P-384")) == NULL ||
	    (j = sg_jwk_to_json(rsa, SG_ALG_RS384, "rsa1")) == NULL ||
	    (k = sg_jwk_to_json(ec, SG_ALG_ES384, "ec1")) == NULL) {
		fprintf(stderr, "test_clients: cannot make test keys\n");
		exit(1);
	}
	json_object_object_del(j, "alg");
	snprintf(rsa_jwk, sizeof(rsa_jwk), "%s",
	    json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
	snprintf(ec_jwk, sizeof(ec_jwk), "%s",
	    json_object_to_json_string_ext(k, JSON_C_TO_STRING_PLAIN));
	json_object_put(j);
	json_object_put(k);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ec);
}

static void
remove_dir(void)
{
	rmdir(dir);
}

int
main(void)
{
	Suite	*s = suite_create("clients");
	TCase	*tc = tcase_create("clients");
	int	 rc;

	make_keys();
	tcase_add_loop_test(tc, test_valid, 0, sizeof(valid) /
	    sizeof(valid[0]));
	tcase_add_loop_test(tc, test_invalid, 0, sizeof(invalid) /
	    sizeof(invalid[0]));
	tcase_add_loop_test(tc, test_introspect_flag, 0,
	    sizeof(introspect_table) / sizeof(introspect_table[0]));
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_jwks);
	tcase_add_loop_test(tc, test_redirect, 0, sizeof(redirects) /
	    sizeof(redirects[0]));
	tcase_add_test(tc, test_secret);
	tcase_add_test(tc, test_find_and_grants);
	tcase_add_test(tc, test_load);
	tcase_add_test(tc, test_reload);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	rc = tl_run(s);
	remove_dir();
	return rc;
}
