/*
 * The client registry (clients.h): one JSON file of RFC 7591 client
 * metadata, checked completely when loaded, reloaded when it changes.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "b64.h"
#include "bounds.h"
#include "clients.h"
#include "file.h"
#include "jwt.h"
#include "log.h"
#include "mem.h"
#include "url.h"

#define SECRET_HASH_PREFIX	"sha256:"
#define SECRET_BYTES		32
#define MAX_URL			SG_MAX_URL
#define MAX_SCOPE		SG_MAX_PARAM_VALUE

/* Where a message points: the file, then the client, then the field. */
struct ctx {
	const char	*path;
	char		*err;
	size_t		 errlen;
	char		 who[SG_MAX_CLIENT_ID + 16];	/* "client \"id\"" */
};

static const char *const auth_names[] = {
	[SG_AUTH_NONE] = "none",
	[SG_AUTH_SECRET_BASIC] = "client_secret_basic",
	[SG_AUTH_SECRET_POST] = "client_secret_post",
	[SG_AUTH_PRIVATE_KEY_JWT] = "private_key_jwt",
};

static const struct {
	const char	*name;
	unsigned	 bit;
} grant_names[] = {
	{ "authorization_code", SG_GRANT_CODE },
	{ "refresh_token", SG_GRANT_REFRESH },
	{ "client_credentials", SG_GRANT_CLIENT_CREDENTIALS },
};

static void perr(struct ctx *, const char *, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * "path: who: field: message"; who and field are left out when empty
 * or NULL.
 */
static void
perr(struct ctx *c, const char *field, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if (c->err == NULL || c->errlen == 0)
		return;
	n = snprintf(c->err, c->errlen, "%s: %s%s%s%s", c->path, c->who,
	    c->who[0] != '\0' ? ": " : "", field != NULL ? field : "",
	    field != NULL ? ": " : "");
	if (n < 0 || (size_t)n >= c->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

/*
 * A JSON syntax error as "path:line: JSON: what (byte off)", so that
 * an editor can go to it (smartgate-check prints it as it is).
 */
static void
perr_json(struct ctx *c, const char *text, size_t off, const char *what)
{
	size_t	 i, line = 1;

	if (c->err == NULL || c->errlen == 0)
		return;
	for (i = 0; i < off; i++)
		if (text[i] == '\n')
			line++;
	snprintf(c->err, c->errlen, "%s:%zu: JSON: %s (byte %zu)", c->path,
	    line, what, off);
}

const char *
sg_auth_method_name(enum sg_auth_method method)
{
	if ((size_t)method >= sizeof(auth_names) / sizeof(auth_names[0]))
		return "?";
	return auth_names[method];
}

static int
is_alnum(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9');
}

/* RFC 3986 §2.3 */
static int
is_unreserved(unsigned char ch)
{
	return is_alnum(ch) || ch == '-' || ch == '.' || ch == '_' ||
	    ch == '~';
}

/*
 * Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing
 * above U+10FFFF; and no control characters (C0, DEL, C1), since the
 * text is shown to people.
 */
static int
text_ok(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, n, k;
	unsigned long		 cp, min;

	while (i < len) {
		if (p[i] < 0x80) {
			if (p[i] < 0x20 || p[i] == 0x7f)
				return 0;
			i++;
			continue;
		}
		if ((p[i] & 0xe0) == 0xc0) {
			n = 1;
			cp = p[i] & 0x1f;
			min = 0x80;
		} else if ((p[i] & 0xf0) == 0xe0) {
			n = 2;
			cp = p[i] & 0x0f;
			min = 0x800;
		} else if ((p[i] & 0xf8) == 0xf0) {
			n = 3;
			cp = p[i] & 0x07;
			min = 0x10000;
		} else
			return 0;
		if (len - i - 1 < n)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff) ||
		    (cp >= 0x80 && cp <= 0x9f))
			return 0;
		i += n + 1;
	}
	return 1;
}

/*
 * The string member name of o.  Returns 1 with *out set (borrowed),
 * 0 when absent, -1 (message set) when not a string, containing a NUL,
 * empty or longer than max bytes.
 */
static int
get_string(struct ctx *c, json_object *o, const char *name, size_t max,
    const char **out)
{
	json_object	*v;
	const char	*s;
	size_t		 len;

	*out = NULL;
	if (!json_object_object_get_ex(o, name, &v))
		return 0;
	if (!json_object_is_type(v, json_type_string)) {
		perr(c, name, "must be a string");
		return -1;
	}
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	if (strlen(s) != len) {
		perr(c, name, "contains a NUL character");
		return -1;
	}
	if (len == 0) {
		perr(c, name, "must not be empty");
		return -1;
	}
	if (len > max) {
		perr(c, name, "longer than %zu bytes", max);
		return -1;
	}
	*out = s;
	return 1;
}

/* An optional URL member; 0 absent or fine (*out set), -1 error. */
static int
get_url(struct ctx *c, json_object *o, const char *name, char **out)
{
	const char	*s, *why;
	int		 rc;

	if ((rc = get_string(c, o, name, MAX_URL, &s)) <= 0)
		return rc;
	/* https, or http on a loopback host (RFC 8252 §7.3); no fragment. */
	if ((why = sg_url_check(s, SG_URL_LOOPBACK_HTTP)) != NULL) {
		perr(c, name, "%s", why);
		return -1;
	}
	*out = sg_xstrdup(s);
	return 0;
}

/* RFC 6749 §3.3: scope-token 1*NQCHAR, separated by single spaces. */
static int
scope_ok(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	int			 in_token = 0;

	for (; *p != '\0'; p++) {
		if (*p == ' ') {
			if (!in_token)
				return 0;
			in_token = 0;
		} else if (*p == 0x21 || (*p >= 0x23 && *p <= 0x5b) ||
		    (*p >= 0x5d && *p <= 0x7e))
			in_token = 1;
		else
			return 0;
	}
	return in_token;
}

static int
client_id_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if (!is_unreserved((unsigned char)*s))
			return 0;
	return 1;
}

/* "sha256:" + base64url of 32 bytes into out. */
static int
parse_secret_hash(const char *s, unsigned char out[SG_CLIENT_SECRET_HASH_LEN])
{
	unsigned char	*raw;
	size_t		 plen = sizeof(SECRET_HASH_PREFIX) - 1, len;
	int		 ok;

	if (strncmp(s, SECRET_HASH_PREFIX, plen) != 0)
		return 0;
	if ((raw = sg_b64url_decode(s + plen, strlen(s + plen), &len)) ==
	    NULL)
		return 0;
	if ((ok = len == SG_CLIENT_SECRET_HASH_LEN))
		memcpy(out, raw, len);
	free(raw);
	return ok;
}

static int
parse_grants(struct ctx *c, json_object *o, unsigned *grants)
{
	json_object	*arr, *v;
	char		 field[48];
	size_t		 i, j, n;

	*grants = SG_GRANT_CODE;	/* RFC 7591 §2 default */
	if (!json_object_object_get_ex(o, "grant_types", &arr))
		return 0;
	if (!json_object_is_type(arr, json_type_array)) {
		perr(c, "grant_types", "must be an array");
		return -1;
	}
	if ((n = json_object_array_length(arr)) == 0) {
		perr(c, "grant_types", "must not be empty");
		return -1;
	}
	*grants = 0;
	for (i = 0; i < n; i++) {
		snprintf(field, sizeof(field), "grant_types[%zu]", i);
		v = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(v, json_type_string)) {
			perr(c, field, "must be a string");
			return -1;
		}
		for (j = 0; j < sizeof(grant_names) / sizeof(grant_names[0]);
		    j++)
			if (strcmp(json_object_get_string(v),
			    grant_names[j].name) == 0)
				break;
		if (j == sizeof(grant_names) / sizeof(grant_names[0])) {
			perr(c, field, "unsupported grant type (use "
			    "authorization_code, refresh_token or "
			    "client_credentials)");
			return -1;
		}
		if (*grants & grant_names[j].bit) {
			perr(c, field, "listed twice");
			return -1;
		}
		*grants |= grant_names[j].bit;
	}
	return 0;
}

static int
parse_redirects(struct ctx *c, json_object *o, struct sg_client *cl)
{
	json_object	*arr, *v;
	const char	*s, *why;
	char		 field[48];
	size_t		 i, j, n;

	if (!json_object_object_get_ex(o, "redirect_uris", &arr)) {
		/* RFC 6749 §3.1.2.2: required for the code flow. */
		if (cl->grant_types & SG_GRANT_CODE) {
			perr(c, "redirect_uris", "missing (required for "
			    "authorization_code)");
			return -1;
		}
		return 0;
	}
	if (!json_object_is_type(arr, json_type_array)) {
		perr(c, "redirect_uris", "must be an array");
		return -1;
	}
	n = json_object_array_length(arr);
	if (n == 0 && (cl->grant_types & SG_GRANT_CODE)) {
		perr(c, "redirect_uris", "must not be empty (required for "
		    "authorization_code)");
		return -1;
	}
	if (n > SG_MAX_CLIENT_REDIRECTS) {
		perr(c, "redirect_uris", "more than %d", SG_MAX_CLIENT_REDIRECTS);
		return -1;
	}
	cl->redirect_uris = sg_xcalloc(n, sizeof(char *));
	for (i = 0; i < n; i++) {
		snprintf(field, sizeof(field), "redirect_uris[%zu]", i);
		v = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(v, json_type_string)) {
			perr(c, field, "must be a string");
			return -1;
		}
		s = json_object_get_string(v);
		if (strlen(s) != (size_t)json_object_get_string_len(v)) {
			perr(c, field, "contains a NUL character");
			return -1;
		}
		/* RFC 6749 §3.1.2: absolute, no fragment; RFC 8252 §7.3. */
		if ((why = sg_url_check(s, SG_URL_LOOPBACK_HTTP)) != NULL) {
			perr(c, field, "%s", why);
			return -1;
		}
		for (j = 0; j < cl->nredirect_uris; j++)
			if (strcmp(cl->redirect_uris[j], s) == 0) {
				perr(c, field, "listed twice");
				return -1;
			}
		cl->redirect_uris[cl->nredirect_uris++] = sg_xstrdup(s);
	}
	return 0;
}

static int
parse_auth(struct ctx *c, json_object *o, struct sg_client *cl)
{
	const char	*s;
	size_t		 i;
	int		 rc;

	cl->auth_method = SG_AUTH_SECRET_BASIC;	/* RFC 7591 §2 default */
	if ((rc = get_string(c, o, "token_endpoint_auth_method", 64, &s)) < 0)
		return -1;
	if (rc == 0)
		return 0;
	for (i = 0; i < sizeof(auth_names) / sizeof(auth_names[0]); i++)
		if (strcmp(s, auth_names[i]) == 0) {
			cl->auth_method = (enum sg_auth_method)i;
			return 0;
		}
	perr(c, "token_endpoint_auth_method", "unsupported (use none, "
	    "client_secret_basic, client_secret_post or private_key_jwt)");
	return -1;
}

static int
parse_secret(struct ctx *c, json_object *o, struct sg_client *cl)
{
	const char	*s;
	int		 rc, wants;

	if (json_object_object_get_ex(o, "client_secret", NULL)) {
		perr(c, "client_secret", "secrets are stored only as "
		    "client_secret_hash (smartgate-client secret)");
		return -1;
	}
	wants = cl->auth_method == SG_AUTH_SECRET_BASIC ||
	    cl->auth_method == SG_AUTH_SECRET_POST;
	if ((rc = get_string(c, o, "client_secret_hash", 128, &s)) < 0)
		return -1;
	if (rc == 0 && wants) {
		perr(c, "client_secret_hash", "missing (required for "
		    "token_endpoint_auth_method %s; make one with "
		    "smartgate-client secret)",
		    sg_auth_method_name(cl->auth_method));
		return -1;
	}
	if (rc == 1 && !wants) {
		perr(c, "client_secret_hash", "not allowed with "
		    "token_endpoint_auth_method %s",
		    sg_auth_method_name(cl->auth_method));
		return -1;
	}
	if (rc == 1) {
		if (!parse_secret_hash(s, cl->secret_hash)) {
			perr(c, "client_secret_hash", "must be \"sha256:\" "
			    "followed by base64url of 32 bytes");
			return -1;
		}
		cl->has_secret = 1;
	}
	return 0;
}

static int
parse_keys(struct ctx *c, json_object *o, struct sg_client *cl)
{
	json_object	*jwks = NULL, *arr;
	int		 has_jwks, has_uri, n;

	has_jwks = json_object_object_get_ex(o, "jwks", &jwks);
	has_uri = json_object_object_get_ex(o, "jwks_uri", NULL);
	if (cl->auth_method != SG_AUTH_PRIVATE_KEY_JWT) {
		if (has_jwks || has_uri) {
			perr(c, has_jwks ? "jwks" : "jwks_uri", "only for "
			    "token_endpoint_auth_method private_key_jwt");
			return -1;
		}
		return 0;
	}
	/* RFC 7591 §2: jwks and jwks_uri MUST NOT both be present. */
	if (has_jwks && has_uri) {
		perr(c, "jwks_uri", "not allowed together with jwks");
		return -1;
	}
	if (!has_jwks && !has_uri) {
		perr(c, "jwks", "jwks or jwks_uri required for "
		    "private_key_jwt");
		return -1;
	}
	if (has_uri)
		return get_url(c, o, "jwks_uri", &cl->jwks_uri);

	if (!json_object_is_type(jwks, json_type_object) ||
	    !json_object_object_get_ex(jwks, "keys", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		perr(c, "jwks", "must be a JWKS: {\"keys\": [...]}");
		return -1;
	}
	if (json_object_array_length(arr) > SG_MAX_CLIENT_KEYS) {
		perr(c, "jwks", "more than %d keys", SG_MAX_CLIENT_KEYS);
		return -1;
	}
	cl->keys = sg_xcalloc(SG_MAX_CLIENT_KEYS, sizeof(struct sg_jwk));
	/* SMART Backend Services: RS384 and ES384 by default. */
	n = sg_jwks_parse(jwks, SG_ALG_RS384, SG_ALG_ES384, cl->keys,
	    SG_MAX_CLIENT_KEYS);
	if (n <= 0) {
		perr(c, "jwks", "no usable signature key (public RSA of at "
		    "least 2048 bits, or EC P-256/P-384)");
		return -1;
	}
	cl->nkeys = (size_t)n;
	return 0;
}

static int
parse_ehr(struct ctx *c, json_object *o, struct sg_client *cl)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, "smartgate_ehr", &v))
		return 0;
	if (!json_object_is_type(v, json_type_boolean)) {
		perr(c, "smartgate_ehr", "must be true or false");
		return -1;
	}
	cl->ehr = json_object_get_boolean(v);
	/* Minting launch contexts for any patient needs a real credential. */
	if (cl->ehr && cl->auth_method == SG_AUTH_NONE) {
		perr(c, "smartgate_ehr", "needs client authentication, "
		    "not \"none\"");
		return -1;
	}
	return 0;
}

static int
parse_introspect(struct ctx *c, json_object *o, struct sg_client *cl)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, "smartgate_introspect", &v))
		return 0;
	if (!json_object_is_type(v, json_type_boolean)) {
		perr(c, "smartgate_introspect", "must be true or false");
		return -1;
	}
	cl->introspect = json_object_get_boolean(v);
	/*
	 * Reading every token's grant is for a resource server, which
	 * RFC 7662 §2.1 requires to authenticate.
	 */
	if (cl->introspect && cl->auth_method == SG_AUTH_NONE) {
		perr(c, "smartgate_introspect", "needs client "
		    "authentication, not \"none\"");
		return -1;
	}
	return 0;
}

static void
client_clear(struct sg_client *cl)
{
	size_t	 i;

	free(cl->client_id);
	free(cl->client_name);
	free(cl->logo_uri);
	for (i = 0; i < cl->nredirect_uris; i++)
		free(cl->redirect_uris[i]);
	free(cl->redirect_uris);
	if (cl->keys != NULL) {
		for (i = 0; i < SG_MAX_CLIENT_KEYS; i++)
			sg_jwk_clear(&cl->keys[i]);
		free(cl->keys);
	}
	free(cl->jwks_uri);
	free(cl->scope);
	free(cl->launch_uri);
	OPENSSL_cleanse(cl, sizeof(*cl));
}

/* One registration, the idx-th of the file, into cl. */
static int
parse_client(struct ctx *c, json_object *o, size_t idx, struct sg_client *cl)
{
	const char	*s;
	int		 rc;

	snprintf(c->who, sizeof(c->who), "clients[%zu]", idx);
	if (!json_object_is_type(o, json_type_object)) {
		perr(c, NULL, "must be a JSON object");
		return -1;
	}
	if ((rc = get_string(c, o, "client_id", SG_MAX_CLIENT_ID, &s)) < 0)
		return -1;
	if (rc == 0) {
		perr(c, "client_id", "missing");
		return -1;
	}
	if (!client_id_ok(s)) {
		perr(c, "client_id", "only A-Z a-z 0-9 . _ ~ - allowed");
		return -1;
	}
	cl->client_id = sg_xstrdup(s);
	snprintf(c->who, sizeof(c->who), "client \"%s\"", s);

	if ((rc = get_string(c, o, "client_name", SG_MAX_CLIENT_NAME, &s)) < 0)
		return -1;
	if (rc == 1) {
		if (!text_ok(s, strlen(s))) {
			perr(c, "client_name", "control character or "
			    "invalid UTF-8");
			return -1;
		}
		cl->client_name = sg_xstrdup(s);
	}
	if (parse_auth(c, o, cl) == -1 || parse_grants(c, o,
	    &cl->grant_types) == -1)
		return -1;
	/* RFC 6749 §4.4: client credentials only for confidential clients. */
	if ((cl->grant_types & SG_GRANT_CLIENT_CREDENTIALS) &&
	    cl->auth_method == SG_AUTH_NONE) {
		perr(c, "grant_types", "client_credentials needs client "
		    "authentication (token_endpoint_auth_method is none)");
		return -1;
	}
	/* Refresh tokens come only from an authorization code here. */
	if ((cl->grant_types & SG_GRANT_REFRESH) &&
	    !(cl->grant_types & SG_GRANT_CODE)) {
		perr(c, "grant_types", "refresh_token needs "
		    "authorization_code");
		return -1;
	}
	if (parse_redirects(c, o, cl) == -1 || parse_secret(c, o, cl) == -1 ||
	    parse_keys(c, o, cl) == -1)
		return -1;

	if ((rc = get_string(c, o, "scope", MAX_SCOPE, &s)) < 0)
		return -1;
	if (rc == 0) {
		perr(c, "scope", "missing (the most this client may get)");
		return -1;
	}
	if (!scope_ok(s)) {
		perr(c, "scope", "scope tokens separated by single spaces "
		    "(RFC 6749 §3.3)");
		return -1;
	}
	cl->scope = sg_xstrdup(s);

	if (get_url(c, o, "logo_uri", &cl->logo_uri) == -1 ||
	    get_url(c, o, "launch_uri", &cl->launch_uri) == -1 ||
	    parse_ehr(c, o, cl) == -1 || parse_introspect(c, o, cl) == -1)
		return -1;
	return 0;
}

static int
client_cmp(const void *a, const void *b)
{
	const struct sg_client	*x = a, *y = b;

	return strcmp(x->client_id, y->client_id);
}

/* bsearch: a client_id against a client. */
static int
client_id_cmp(const void *key, const void *elt)
{
	const struct sg_client	*y = elt;

	return strcmp(key, y->client_id);
}

int
sg_clients_parse(const char *path, const char *text, size_t len,
    struct sg_clients **out, char *err, size_t errlen)
{
	struct ctx		 c;
	struct sg_clients	*reg = NULL;
	json_tokener		*tok = NULL;
	json_object		*root = NULL, *arr;
	enum json_tokener_error	 jerr;
	size_t			 i, n, end;
	int			 rc = -1;

	memset(&c, 0, sizeof(c));
	c.path = path;
	c.err = err;
	c.errlen = errlen;
	*out = NULL;

	if (len > SG_MAX_CLIENTS_FILE) {
		perr(&c, NULL, "larger than %ld bytes", SG_MAX_CLIENTS_FILE);
		goto out;
	}
	if (len > 0 && memchr(text, '\0', len) != NULL) {
		perr(&c, NULL, "contains a NUL byte");
		goto out;
	}
	if ((tok = json_tokener_new_ex(SG_MAX_JSON_DEPTH)) == NULL)
		abort();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	if (root == NULL || jerr != json_tokener_success) {
		if (jerr == json_tokener_continue || jerr == json_tokener_success)
			perr(&c, NULL, "JSON: unexpected end of file");
		else
			perr_json(&c, text, json_tokener_get_parse_end(tok),
			    json_tokener_error_desc(jerr));
		goto out;
	}
	for (end = json_tokener_get_parse_end(tok); end < len; end++)
		if (strchr(" \t\r\n", text[end]) == NULL) {
			perr_json(&c, text, end, "text after the end");
			goto out;
		}
	arr = root;
	if (json_object_is_type(root, json_type_object) &&
	    !json_object_object_get_ex(root, "clients", &arr))
		arr = NULL;
	if (!json_object_is_type(arr, json_type_array)) {
		perr(&c, NULL, "must be an array of clients or "
		    "{\"clients\": [...]}");
		goto out;
	}

	n = json_object_array_length(arr);
	reg = sg_xcalloc(1, sizeof(*reg));
	reg->clients = sg_xcalloc(n, sizeof(struct sg_client));
	for (i = 0; i < n; i++) {
		reg->nclients++;
		if (parse_client(&c, json_object_array_get_idx(arr, i), i,
		    &reg->clients[i]) == -1)
			goto out;
	}
	/* Sorted: duplicates are neighbours, and find can bisect. */
	qsort(reg->clients, reg->nclients, sizeof(struct sg_client),
	    client_cmp);
	for (i = 1; i < reg->nclients; i++)
		if (strcmp(reg->clients[i - 1].client_id,
		    reg->clients[i].client_id) == 0) {
			snprintf(c.who, sizeof(c.who), "client \"%s\"",
			    reg->clients[i].client_id);
			perr(&c, "client_id", "registered twice");
			goto out;
		}
	*out = reg;
	reg = NULL;
	rc = 0;
out:
	sg_clients_free(reg);
	json_object_put(root);
	if (tok != NULL)
		json_tokener_free(tok);
	return rc;
}

static void
file_id_set(struct sg_clients_file_id *id, const struct stat *st)
{
	memset(id, 0, sizeof(*id));
	id->dev = st->st_dev;
	id->ino = st->st_ino;
	id->size = st->st_size;
	id->mtim = st->st_mtim;
	id->set = 1;
}

static int
file_id_eq(const struct sg_clients_file_id *a,
    const struct sg_clients_file_id *b)
{
	return a->set && b->set && a->dev == b->dev && a->ino == b->ino &&
	    a->size == b->size && a->mtim.tv_sec == b->mtim.tv_sec &&
	    a->mtim.tv_nsec == b->mtim.tv_nsec;
}

struct sg_clients *
sg_clients_load(const char *path, char *err, size_t errlen)
{
	struct sg_clients	*reg = NULL;
	struct stat		 st;
	char			*buf;
	size_t			 len;

	/* The fstat of what was read: the identity of the loaded file. */
	if (sg_file_read(path, SG_MAX_CLIENTS_FILE, 0, &st, &buf, &len, err,
	    errlen) == -1)
		return NULL;
	if (sg_clients_parse(path, buf, len, &reg, err, errlen) == 0)
		file_id_set(&reg->loaded, &st);
	free(buf);
	return reg;
}

void
sg_clients_free(struct sg_clients *reg)
{
	size_t	 i;

	if (reg == NULL)
		return;
	for (i = 0; i < reg->nclients; i++)
		client_clear(&reg->clients[i]);
	free(reg->clients);
	free(reg);
}

int
sg_clients_reload(struct sg_clients **reg, const char *path,
    const struct sg_request *req)
{
	struct sg_clients_file_id	 id;
	struct sg_clients		*fresh;
	struct stat			 st;
	char				 err[1024];
	const char			*keep;

	keep = *reg != NULL ? "keeping the client registry in use" :
	    "no client registry";
	if (stat(path, &st) == -1) {
		/* Logged once: failed.size -1 marks "could not stat". */
		if (*reg == NULL || !(*reg)->failed.set ||
		    (*reg)->failed.size != -1)
			sg_log(req, SG_LOG_ERR, "%s: %s (%s)", path,
			    strerror(errno), keep);
		if (*reg != NULL) {
			memset(&(*reg)->failed, 0, sizeof((*reg)->failed));
			(*reg)->failed.set = 1;
			(*reg)->failed.size = -1;
		}
		return -1;
	}
	file_id_set(&id, &st);
	if (*reg != NULL && (file_id_eq(&(*reg)->loaded, &id) ||
	    file_id_eq(&(*reg)->failed, &id)))
		return 0;
	if ((fresh = sg_clients_load(path, err, sizeof(err))) == NULL) {
		sg_log(req, SG_LOG_ERR, "%s (%s)", err, keep);
		if (*reg != NULL)
			(*reg)->failed = id;
		return -1;
	}
	sg_log(req, SG_LOG_INFO, "%s: client registry reloaded, %zu clients",
	    path, fresh->nclients);
	sg_clients_free(*reg);
	*reg = fresh;
	return 1;
}

const struct sg_client *
sg_clients_find(const struct sg_clients *reg, const char *client_id)
{
	if (reg == NULL || client_id == NULL || reg->nclients == 0)
		return NULL;
	return bsearch(client_id, reg->clients, reg->nclients,
	    sizeof(struct sg_client), client_id_cmp);
}

int
sg_client_redirect_ok(const struct sg_client *client, const char *uri)
{
	size_t	 i;

	if (client == NULL || uri == NULL)
		return 0;
	for (i = 0; i < client->nredirect_uris; i++)
		if (strcmp(client->redirect_uris[i], uri) == 0)
			return 1;
	return 0;
}

/* SHA-256 of len bytes into out; aborts if OpenSSL cannot (no memory). */
static void
sha256(const void *data, size_t len,
    unsigned char out[SG_CLIENT_SECRET_HASH_LEN])
{
	unsigned int	 olen = 0;

	if (EVP_Digest(data, len, out, &olen, EVP_sha256(), NULL) != 1 ||
	    olen != SG_CLIENT_SECRET_HASH_LEN)
		abort();
}

int
sg_client_secret_ok(const struct sg_client *client, const char *secret,
    size_t len)
{
	unsigned char	 h[SG_CLIENT_SECRET_HASH_LEN];
	int		 ok;

	if (client == NULL || !client->has_secret || secret == NULL)
		return 0;
	sha256(secret, len, h);
	ok = CRYPTO_memcmp(h, client->secret_hash, sizeof(h)) == 0;
	OPENSSL_cleanse(h, sizeof(h));
	return ok;
}

int
sg_client_grant_ok(const struct sg_client *client, unsigned grant)
{
	return client != NULL && grant != 0 &&
	    (client->grant_types & grant) == grant;
}

char *
sg_client_secret_hash(const char *secret, size_t len)
{
	unsigned char	 h[SG_CLIENT_SECRET_HASH_LEN];
	char		*b, *s;

	sha256(secret, len, h);
	b = sg_b64url_encode(h, sizeof(h));
	s = sg_xconcat(SECRET_HASH_PREFIX, b);
	OPENSSL_cleanse(h, sizeof(h));
	free(b);
	return s;
}

char *
sg_client_secret_new(void)
{
	unsigned char	 raw[SECRET_BYTES];
	char		*s;

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return NULL;
	s = sg_b64url_encode(raw, sizeof(raw));
	OPENSSL_cleanse(raw, sizeof(raw));
	return s;
}

int
sg_clients_public_origin(const struct sg_clients *reg, const char *origin)
{
	const struct sg_client	*cl;
	char			*o;
	size_t			 i, j;
	int			 match = 0;

	if (origin == NULL || reg == NULL)
		return 0;
	for (i = 0; i < reg->nclients && !match; i++) {
		cl = &reg->clients[i];
		if (cl->auth_method != SG_AUTH_NONE)
			continue;
		for (j = 0; j < cl->nredirect_uris && !match; j++) {
			if ((o = sg_url_origin(cl->redirect_uris[j])) == NULL)
				continue;
			match = strcmp(o, origin) == 0;
			free(o);
		}
	}
	return match;
}
