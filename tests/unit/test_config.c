/* Unit tests for src/config.c: syntax, every setting, defaults, errors. */
#include <sys/stat.h>

#include <check.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bounds.h"
#include "config.h"
#include "log.h"
#include "testlib.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define F(field)	offsetof(struct sg_config, field)

/* Lines 1-6; test cases add their lines from line 7 on. */
#define BASE \
	"# smartgate test configuration\n" \
	"public_url https://gw.example.org\n" \
	"upstream_fhir https://fhir.example.org/r4\n" \
	"signing_key /etc/smartgate/sign1.pem\n" \
	"master_key_file /etc/smartgate/master.key\n" \
	"templates_dir /usr/share/smartgate/templates\n"

static const char *const required[] = {
	"public_url", "upstream_fhir", "signing_key", "master_key_file",
	"templates_dir",
};

static int
parse(const char *text, size_t len, struct sg_config **cfg, char *err,
    size_t errlen)
{
	return sg_config_parse("test.conf", text, len, cfg, err, errlen);
}

/* BASE plus extra; caller frees. */
static char *
with(const char *extra)
{
	size_t	 bl = strlen(BASE), el = strlen(extra);
	char	*s;

	s = malloc(bl + el + 1);
	ck_assert_ptr_nonnull(s);
	memcpy(s, BASE, bl);
	memcpy(s + bl, extra, el + 1);
	return s;
}

static const char *
str_field(const struct sg_config *cfg, size_t off)
{
	return *(char *const *)(const void *)((const char *)cfg + off);
}

static long
long_field(const struct sg_config *cfg, size_t off)
{
	return *(const long *)(const void *)((const char *)cfg + off);
}

/* Parses BASE + extra and expects success. */
static struct sg_config *
good_parse(const char *extra)
{
	struct sg_config	*cfg = NULL;
	char			 err[512] = "";
	char			*text = with(extra);

	ck_assert_msg(parse(text, strlen(text), &cfg, err, sizeof(err)) == 0,
	    "\"%s\": %s", extra, err);
	ck_assert_ptr_nonnull(cfg);
	free(text);
	return cfg;
}

/* Parses text and expects exactly the message want. */
static void
bad_parse_text(const char *text, size_t len, const char *want)
{
	struct sg_config	*cfg = (struct sg_config *)&cfg;
	char			 err[512] = "";

	ck_assert_int_eq(parse(text, len, &cfg, err, sizeof(err)), -1);
	ck_assert_ptr_null(cfg);
	ck_assert_str_eq(err, want);
}

static void
bad_parse(const char *extra, const char *want)
{
	char	*text = with(extra);

	bad_parse_text(text, strlen(text), want);
	free(text);
}

START_TEST(test_defaults)
{
	struct sg_config	*cfg = good_parse("");

	ck_assert_str_eq(cfg->path, "test.conf");
	ck_assert_str_eq(cfg->public_url, "https://gw.example.org");
	ck_assert_str_eq(cfg->fhir_path, "/fhir");
	ck_assert_str_eq(cfg->auth_path, "/auth");
	ck_assert_str_eq(cfg->fhir_base, "https://gw.example.org/fhir");
	ck_assert_str_eq(cfg->issuer, "https://gw.example.org/auth");
	ck_assert_str_eq(cfg->upstream_fhir, "https://fhir.example.org/r4");
	ck_assert_ptr_null(cfg->upstream_fhir_token_file);
	ck_assert_ptr_null(cfg->upstream_ca_file);
	ck_assert_int_eq(cfg->upstream_timeout_ms, SG_UPSTREAM_TIMEOUT_MS);
	ck_assert_ptr_null(cfg->idp_issuer);
	ck_assert_ptr_null(cfg->idp_client_id);
	ck_assert_ptr_null(cfg->idp_client_secret_file);
	ck_assert_str_eq(cfg->idp_user_claim, "fhirUser");
	ck_assert_str_eq(cfg->idp_scope, "openid profile fhirUser");
	ck_assert_uint_eq(cfg->nsigning_keys, 1);
	ck_assert_str_eq(cfg->signing_keys[0], "/etc/smartgate/sign1.pem");
	ck_assert_str_eq(cfg->master_key_file, "/etc/smartgate/master.key");
	ck_assert_int_eq(cfg->access_token_ttl, 3600);
	ck_assert_int_eq(cfg->refresh_token_ttl, 7776000);
	ck_assert_int_eq(cfg->code_ttl, 60);
	ck_assert_int_eq(cfg->transaction_ttl, 600);
	ck_assert_int_eq(cfg->launch_ttl, 300);
	ck_assert_int_eq(cfg->metadata_cache_ttl, 300);
	ck_assert_uint_eq(cfg->ncors_origins, 0);
	ck_assert_int_eq(cfg->cors_any, 0);
	ck_assert_str_eq(cfg->templates_dir, "/usr/share/smartgate/templates");
	ck_assert_str_eq(cfg->static_url, "/smartgate-static");
	ck_assert_str_eq(cfg->site_name, "smartgate");
	ck_assert_ptr_null(cfg->logo_url);
	ck_assert_str_eq(cfg->style_color_background, "#f5f7fa");
	ck_assert_str_eq(cfg->style_color_highlight, "#1f5fa8");
	ck_assert_ptr_null(cfg->style_color_modal_backdrop);
	ck_assert_str_eq(cfg->style_font_family, "system-ui, sans-serif");
	ck_assert_str_eq(cfg->style_dim_border_radius, "6px");
	ck_assert_str_eq(cfg->style_dim_font_size, "16px");
	ck_assert_str_eq(cfg->style_dim_spacing_size, "20px");
	ck_assert_str_eq(cfg->ledger, "lmdb:/var/lib/smartgate/ledger");
	ck_assert_ptr_null(cfg->clients_file);
	sg_config_free(cfg);
}
END_TEST

START_TEST(test_required_missing)
{
	char	 text[1024], want[128], *p = text;
	char	 line[256];
	size_t	 n;
	const char *l, *nl;

	/* BASE without the line that sets required[_i]. */
	for (l = BASE; *l != '\0'; l = nl + 1) {
		nl = strchr(l, '\n');
		n = (size_t)(nl - l);
		memcpy(line, l, n);
		line[n] = '\0';
		if (strncmp(line, required[_i], strlen(required[_i])) == 0 &&
		    line[strlen(required[_i])] == ' ')
			continue;
		memcpy(p, l, n + 1);
		p += n + 1;
	}
	*p = '\0';
	ck_assert_uint_lt(strlen(text), strlen(BASE));
	snprintf(want, sizeof(want), "test.conf: %s: required setting missing",
	    required[_i]);
	bad_parse_text(text, strlen(text), want);
}
END_TEST

START_TEST(test_empty_file)
{
	bad_parse_text("", 0,
	    "test.conf: public_url: required setting missing");
	bad_parse_text(NULL, 0,
	    "test.conf: public_url: required setting missing");
	bad_parse_text("# nothing\n\n   \n", 15,
	    "test.conf: public_url: required setting missing");
}
END_TEST

static const struct {
	const char	*name;
	size_t		 off;
	long		 min, max, def;
} numbers[] = {
	{ "upstream_timeout_ms", F(upstream_timeout_ms), 100,
	    SG_UPSTREAM_TIMEOUT_MAX_MS, SG_UPSTREAM_TIMEOUT_MS },
	{ "access_token_ttl", F(access_token_ttl), 60, SG_TTL_ACCESS_MAX,
	    3600 },
	{ "refresh_token_ttl", F(refresh_token_ttl), 60, 31536000, 7776000 },
	{ "code_ttl", F(code_ttl), 10, SG_TTL_CODE_MAX, 60 },
	{ "transaction_ttl", F(transaction_ttl), 60, SG_TTL_TRANSACTION_MAX,
	    600 },
	{ "launch_ttl", F(launch_ttl), 30, 3600, 300 },
	{ "metadata_cache_ttl", F(metadata_cache_ttl), 0, SG_TTL_CACHE_MAX,
	    300 },
	{ "ledger_map_size", F(ledger_map_size), SG_LEDGER_MAP_MIN,
	    SG_LEDGER_MAP_MAX, SG_LEDGER_MAP_SIZE },
};

START_TEST(test_number_bounds)
{
	struct sg_config	*cfg;
	char			 extra[128], want[256];
	const char		*name = numbers[_i].name;
	long			 ok[3], bad[2];
	size_t			 k;
	static const char *const junk[] = { "abc", "+100", "-1", "100x",
	    "0x100", "1e3", "100 200", "99999999999999999999999",
	    "3.5", " ", };

	ok[0] = numbers[_i].min;
	ok[1] = numbers[_i].max;
	ok[2] = (numbers[_i].min + numbers[_i].max) / 2;
	bad[0] = numbers[_i].min - 1;
	bad[1] = numbers[_i].max + 1;

	cfg = good_parse("");
	ck_assert_int_eq(long_field(cfg, numbers[_i].off), numbers[_i].def);
	sg_config_free(cfg);

	for (k = 0; k < NELEM(ok); k++) {
		snprintf(extra, sizeof(extra), "%s %ld\n", name, ok[k]);
		cfg = good_parse(extra);
		ck_assert_int_eq(long_field(cfg, numbers[_i].off), ok[k]);
		sg_config_free(cfg);
	}
	snprintf(want, sizeof(want), "test.conf:7: %s: must be between "
	    "%ld and %ld", name, numbers[_i].min, numbers[_i].max);
	for (k = 0; k < NELEM(bad); k++) {
		if (bad[k] < 0)
			continue;	/* "-1" is not a number; see junk */
		snprintf(extra, sizeof(extra), "%s %ld\n", name, bad[k]);
		bad_parse(extra, want);
	}
	snprintf(extra, sizeof(extra), "%s 99999999999999999999999\n", name);
	bad_parse(extra, want);
	for (k = 0; k < NELEM(junk); k++) {
		snprintf(extra, sizeof(extra), "%s %s\n", name, junk[k]);
		cfg = (struct sg_config *)&cfg;
		{
			char	 err[256] = "";
			char	*text = with(extra);

			ck_assert_int_eq(parse(text, strlen(text), &cfg, err,
			    sizeof(err)), -1);
			ck_assert_ptr_null(cfg);
			/* Names the line and the setting. */
			snprintf(want, sizeof(want), "test.conf:7: %s: ",
			    name);
			ck_assert_msg(strncmp(err, want, strlen(want)) == 0,
			    "\"%s\" gave \"%s\"", extra, err);
			free(text);
		}
	}
}
END_TEST

/* Settings that parse, and the value they store. */
static const struct {
	const char	*extra;
	size_t		 off;
	const char	*want;
} good_str[] = {
	{ "", F(public_url), "https://gw.example.org" },
	{ "\n\n# comment\n   # indented comment\n\t\n", F(site_name),
	    "smartgate" },
	{ "#site_name commented out\n", F(site_name), "smartgate" },
	{ "site_name Example Hospital\n", F(site_name), "Example Hospital" },
	{ "site_name\tTabbed  \t \n", F(site_name), "Tabbed" },
	{ "   site_name   Indented  \n", F(site_name), "Indented" },
	{ "site_name Ward #3\n", F(site_name), "Ward #3" },
	{ "site_name no newline at end", F(site_name),
	    "no newline at end" },
	{ "fhir_path /api/fhir/r4\n", F(fhir_path), "/api/fhir/r4" },
	{ "fhir_path /api/fhir/r4\n", F(fhir_base),
	    "https://gw.example.org/api/fhir/r4" },
	{ "fhir_path /a-b.c_d~e\n", F(fhir_path), "/a-b.c_d~e" },
	{ "auth_path /oauth2\n", F(auth_path), "/oauth2" },
	{ "auth_path /oauth2\n", F(issuer), "https://gw.example.org/oauth2" },
	{ "auth_path /fhirx\n", F(auth_path), "/fhirx" },
	{ "fhir_path /auth2\n", F(fhir_path), "/auth2" },
	{ "issuer https://login.example.org/realms/x\n", F(issuer),
	    "https://login.example.org/realms/x" },
	{ "upstream_fhir_token_file /etc/sg/token\n",
	    F(upstream_fhir_token_file), "/etc/sg/token" },
	{ "upstream_ca_file /etc/ssl/ca.pem\n", F(upstream_ca_file),
	    "/etc/ssl/ca.pem" },
	{ "idp_issuer https://idp.example.org\nidp_client_id gw\n",
	    F(idp_issuer), "https://idp.example.org" },
	{ "idp_issuer https://idp.example.org/\nidp_client_id gw\n",
	    F(idp_issuer), "https://idp.example.org/" },
	{ "idp_issuer https://idp.example.org\nidp_client_id gw-1\n",
	    F(idp_client_id), "gw-1" },
	{ "idp_client_secret_file /etc/sg/idp\n", F(idp_client_secret_file),
	    "/etc/sg/idp" },
	{ "idp_user_claim profile\n", F(idp_user_claim), "profile" },
	{ "idp_scope openid profile\n", F(idp_scope), "openid profile" },
	{ "idp_scope openid\n", F(idp_scope), "openid" },
	{ "idp_scope email openid api://x/.default\n", F(idp_scope),
	    "email openid api://x/.default" },
	{ "clients_file /etc/sg/clients.json\n", F(clients_file),
	    "/etc/sg/clients.json" },
	{ "static_url /static\n", F(static_url), "/static" },
	{ "static_url /static/\n", F(static_url), "/static" },
	{ "static_url https://cdn.example.org/sg/\n", F(static_url),
	    "https://cdn.example.org/sg" },
	{ "logo_url /static/logo.png\n", F(logo_url), "/static/logo.png" },
	{ "logo_url https://cdn.example.org/logo.png\n", F(logo_url),
	    "https://cdn.example.org/logo.png" },
	{ "style_color_background #ffffff\n", F(style_color_background),
	    "#ffffff" },
	{ "style_color_highlight rgb(10, 20, 30)\n", F(style_color_highlight),
	    "rgb(10, 20, 30)" },
	{ "style_color_modal_backdrop rgba(0, 0, 0, 0.5)\n",
	    F(style_color_modal_backdrop), "rgba(0, 0, 0, 0.5)" },
	{ "style_font_family Open Sans, sans-serif\n", F(style_font_family),
	    "Open Sans, sans-serif" },
	{ "style_dim_border_radius 0.5rem\n", F(style_dim_border_radius),
	    "0.5rem" },
	{ "style_dim_font_size 100%\n", F(style_dim_font_size), "100%" },
	{ "style_dim_spacing_size 1em\n", F(style_dim_spacing_size), "1em" },
	{ "ledger lmdb:/var/lib/smartgate\n", F(ledger),
	    "lmdb:/var/lib/smartgate" },
	{ "ledger redis:127.0.0.1:6379\n", F(ledger), "redis:127.0.0.1:6379" },
	{ "ledger redis:redis.internal:6380\n", F(ledger),
	    "redis:redis.internal:6380" },
	{ "ledger redis:[::1]:6379\n", F(ledger), "redis:[::1]:6379" },
	{ "ledger rediss:redis.internal:6380\n", F(ledger),
	    "rediss:redis.internal:6380" },
	{ "ledger redis:127.0.0.1:6379\nledger_password_file /etc/sg/redis\n",
	    F(ledger_password_file), "/etc/sg/redis" },
	{ "ledger_password_file /etc/sg/redis\nledger rediss:r:6380\n",
	    F(ledger_password_file), "/etc/sg/redis" },
	{ "ledger none\n", F(ledger), "none" },
};

START_TEST(test_good_values)
{
	struct sg_config	*cfg = good_parse(good_str[_i].extra);

	ck_assert_ptr_nonnull(str_field(cfg, good_str[_i].off));
	ck_assert_str_eq(str_field(cfg, good_str[_i].off), good_str[_i].want);
	sg_config_free(cfg);
}
END_TEST

/* public_url forms: trailing slash stripped, derived URLs follow. */
static const struct {
	const char	*url;
	const char	*stored;
} public_urls[] = {
	{ "https://gw.example.org/", "https://gw.example.org" },
	{ "http://127.0.0.1:8080", "http://127.0.0.1:8080" },
	{ "http://localhost:8080/", "http://localhost:8080" },
	{ "https://[::1]:8443", "https://[::1]:8443" },
	{ "https://example.org/gw/", "https://example.org/gw" },
	{ "HTTPS://Example.org", "HTTPS://Example.org" },
	{ "https://example.org/a%20b", "https://example.org/a%20b" },
};

START_TEST(test_public_url)
{
	struct sg_config	*cfg;
	char			*text, want[256];
	char			 err[256] = "";
	size_t			 n;

	/* Replace line 2 of BASE. */
	n = strlen(public_urls[_i].url) + strlen(BASE) + 64;
	text = malloc(n);
	ck_assert_ptr_nonnull(text);
	snprintf(text, n, "# x\npublic_url %s\n%s", public_urls[_i].url,
	    strstr(BASE, "upstream_fhir"));
	ck_assert_int_eq(parse(text, strlen(text), &cfg, err, sizeof(err)), 0);
	ck_assert_str_eq(cfg->public_url, public_urls[_i].stored);
	snprintf(want, sizeof(want), "%s/fhir", public_urls[_i].stored);
	ck_assert_str_eq(cfg->fhir_base, want);
	snprintf(want, sizeof(want), "%s/auth", public_urls[_i].stored);
	ck_assert_str_eq(cfg->issuer, want);
	sg_config_free(cfg);
	free(text);
}
END_TEST

/* Settings that fail, with the whole message. */
static const struct {
	const char	*extra;
	const char	*want;
} bad_str[] = {
	{ "frobnicate 1\n", "test.conf:7: frobnicate: unknown setting" },
	{ "Public_url https://x\n", "test.conf:7: Public_url: unknown setting" },
	{ "public_urlx https://x\n",
	    "test.conf:7: public_urlx: unknown setting" },
	{ "signing_keys /a\n", "test.conf:7: signing_keys: unknown setting" },
	{ "upstream_timeout 100\n",
	    "test.conf:7: upstream_timeout: unknown setting" },
	{ "\n\nfrobnicate\n", "test.conf:9: frobnicate: unknown setting" },
	{ "public_url https://other.example.org\n",
	    "test.conf:7: public_url: set twice (first on line 2)" },
	{ "site_name a\nsite_name b\n",
	    "test.conf:8: site_name: set twice (first on line 7)" },
	{ "ledger none\n\nledger none\n",
	    "test.conf:9: ledger: set twice (first on line 7)" },
	{ "site_name\n", "test.conf:7: site_name: value missing" },
	{ "site_name   \t \n", "test.conf:7: site_name: value missing" },
	{ "cors_origins\n", "test.conf:7: cors_origins: value missing" },
	{ "site_name a\x01z\n", "test.conf:7: control or non-ASCII byte" },
	{ "site_name a\x7fz\n", "test.conf:7: control or non-ASCII byte" },
	{ "site_name H\xc3\xb4pital\n",
	    "test.conf:7: control or non-ASCII byte" },
	{ "site_name a\rb\n", "test.conf:7: control or non-ASCII byte" },
	{ "site_name a\tb\n", "test.conf:7: site_name: must not contain a tab" },
	/* URLs. */
	{ "issuer ftp://x\n",
	    "test.conf:7: issuer: must be an absolute http or https URL" },
	{ "issuer /relative\n",
	    "test.conf:7: issuer: must be an absolute http or https URL" },
	{ "issuer https://x/?a=1\n",
	    "test.conf:7: issuer: must not have a query" },
	{ "issuer https://x#f\n",
	    "test.conf:7: issuer: must not have a fragment" },
	{ "issuer https://u:p@x\n",
	    "test.conf:7: issuer: must not contain user information" },
	{ "issuer https:/x\n",
	    "test.conf:7: issuer: must be an absolute http or https URL" },
	{ "issuer https:///x\n", "test.conf:7: issuer: must have a host" },
	{ "issuer https://x%2ey\n", "test.conf:7: issuer: has an invalid host" },
	{ "issuer https://[fe80::1%25eth0]\n",
	    "test.conf:7: issuer: has an invalid host" },
	{ "issuer https://user@x\n",
	    "test.conf:7: issuer: must not contain user information" },
	{ "issuer https://\n", "test.conf:7: issuer: must have a host" },
	{ "issuer https://:443\n", "test.conf:7: issuer: must have a host" },
	{ "issuer https://x:0\n", "test.conf:7: issuer: has an invalid port" },
	{ "issuer https://x:65536\n",
	    "test.conf:7: issuer: has an invalid port" },
	{ "issuer https://x:\n", "test.conf:7: issuer: has an invalid port" },
	{ "issuer https://x:8a\n",
	    "test.conf:7: issuer: has an invalid port" },
	{ "issuer https://x_y\n", "test.conf:7: issuer: has an invalid host" },
	{ "issuer https://[zz]\n", "test.conf:7: issuer: has an invalid host" },
	{ "issuer https://x/a\"b\n",
	    "test.conf:7: issuer: has a character not allowed in a URL" },
	{ "issuer https://x/a<b\n",
	    "test.conf:7: issuer: has a character not allowed in a URL" },
	{ "issuer https://x/%zz\n",
	    "test.conf:7: issuer: has a malformed percent escape" },
	{ "issuer https://x y\n",
	    "test.conf:7: issuer: must not contain spaces" },
	{ "idp_issuer https://idp.example.org\n",
	    "test.conf: idp_client_id: required when idp_issuer is set" },
	{ "idp_client_id gw\n",
	    "test.conf: idp_issuer: required when idp_client_id is set" },
	{ "idp_client_id g w\nidp_issuer https://idp\n",
	    "test.conf:7: idp_client_id: must not contain spaces" },
	/* Paths of ours. */
	{ "fhir_path fhir\n",
	    "test.conf:7: fhir_path: must start with '/' and name a path" },
	{ "fhir_path /\n",
	    "test.conf:7: fhir_path: must start with '/' and name a path" },
	{ "fhir_path /fhir/\n", "test.conf:7: fhir_path: must not end with '/'" },
	{ "fhir_path /a//b\n",
	    "test.conf:7: fhir_path: must not contain an empty segment" },
	{ "fhir_path /a/../b\n",
	    "test.conf:7: fhir_path: must not contain '.' or '..' segments" },
	{ "auth_path /./b\n",
	    "test.conf:7: auth_path: must not contain '.' or '..' segments" },
	{ "fhir_path /f%20\n", "test.conf:7: fhir_path: may hold only letters, "
	    "digits, '-', '.', '_', '~' and '/'" },
	{ "fhir_path /f:x\n", "test.conf:7: fhir_path: may hold only letters, "
	    "digits, '-', '.', '_', '~' and '/'" },
	{ "auth_path /fhir\n", "test.conf:7: auth_path: must differ from "
	    "fhir_path and neither may contain the other" },
	{ "auth_path /fhir/auth\n", "test.conf:7: auth_path: must differ from "
	    "fhir_path and neither may contain the other" },
	{ "fhir_path /auth/fhir\n", "test.conf:7: auth_path: must differ from "
	    "fhir_path and neither may contain the other" },
	{ "fhir_path /x\nauth_path /x\n", "test.conf:8: auth_path: must "
	    "differ from fhir_path and neither may contain the other" },
	/* File paths. */
	{ "upstream_ca_file ca.pem\n",
	    "test.conf:7: upstream_ca_file: must be an absolute path" },
	{ "clients_file ./clients.json\n",
	    "test.conf:7: clients_file: must be an absolute path" },
	{ "upstream_fhir_token_file /a b\n",
	    "test.conf:7: upstream_fhir_token_file: must not contain spaces" },
	{ "idp_client_secret_file x\n",
	    "test.conf:7: idp_client_secret_file: must be an absolute path" },
	{ "signing_key rel.pem\n",
	    "test.conf:7: signing_key: must be an absolute path" },
	/* Web references. */
	{ "static_url //cdn.example.org\n", "test.conf:7: static_url: must "
	    "be a path or an absolute http or https URL" },
	{ "logo_url javascript:alert(1)\n", "test.conf:7: logo_url: must "
	    "be a path or an absolute http or https URL" },
	{ "logo_url data:image/png,x\n", "test.conf:7: logo_url: must "
	    "be a path or an absolute http or https URL" },
	{ "logo_url /a?b\n",
	    "test.conf:7: logo_url: must not have a query or fragment" },
	{ "logo_url /a\"onerror=x\n",
	    "test.conf:7: logo_url: has a character not allowed in a URL" },
	/* CSS. */
	{ "style_color_background red;}\n",
	    "test.conf:7: style_color_background: may hold only letters, "
	    "digits, spaces and # ( ) , . % - _ /" },
	{ "style_font_family 'Open Sans'\n",
	    "test.conf:7: style_font_family: may hold only letters, "
	    "digits, spaces and # ( ) , . % - _ /" },
	{ "style_dim_font_size 1em</style>\n",
	    "test.conf:7: style_dim_font_size: may hold only letters, "
	    "digits, spaces and # ( ) , . % - _ /" },
	{ "style_color_highlight \\23fff\n",
	    "test.conf:7: style_color_highlight: may hold only letters, "
	    "digits, spaces and # ( ) , . % - _ /" },
	{ "style_color_modal_backdrop a*b\n",
	    "test.conf:7: style_color_modal_backdrop: may hold only letters, "
	    "digits, spaces and # ( ) , . % - _ /" },
	/* Ledger. */
	{ "ledger lmdb:var/lib\n",
	    "test.conf:7: ledger: lmdb: needs an absolute path" },
	{ "ledger lmdb:\n", "test.conf:7: ledger: must be \"none\", "
	    "\"lmdb:/path\" or \"redis:host:port\"" },
	{ "ledger redis:host\n", "test.conf:7: ledger: redis: needs host:port" },
	{ "ledger redis::6379\n", "test.conf:7: ledger: redis: needs host:port" },
	{ "ledger redis:[::1]\n", "test.conf:7: ledger: redis: needs host:port" },
	{ "ledger redis:h:0\n", "test.conf:7: ledger: redis: needs host:port" },
	{ "ledger redis:a:b:1\n", "test.conf:7: ledger: redis: needs host:port" },
	{ "ledger rediss:host\n",
	    "test.conf:7: ledger: rediss: needs host:port" },
	{ "ledger rediss:h:65536\n",
	    "test.conf:7: ledger: rediss: needs host:port" },
	{ "ledger_password_file /etc/sg/redis\n", "test.conf:7: "
	    "ledger_password_file: only for a redis: ledger" },
	{ "ledger none\nledger_password_file /etc/sg/redis\n", "test.conf:8: "
	    "ledger_password_file: only for a redis: ledger" },
	{ "ledger redis:h:1\nledger_password_file redis.pass\n",
	    "test.conf:8: ledger_password_file: must be an absolute path" },
	{ "ledger memcached:x\n", "test.conf:7: ledger: must be \"none\", "
	    "\"lmdb:/path\" or \"redis:host:port\"" },
	{ "ledger None\n", "test.conf:7: ledger: must be \"none\", "
	    "\"lmdb:/path\" or \"redis:host:port\"" },
	/* The scope asked of the IdP (RFC 6749 §3.3, OIDC Core §3.1.2.1). */
	{ "idp_scope profile email\n", "test.conf:7: idp_scope: must be "
	    "scope tokens separated by one space, \"openid\" among them" },
	{ "idp_scope openidx profile\n", "test.conf:7: idp_scope: must be "
	    "scope tokens separated by one space, \"openid\" among them" },
	{ "idp_scope openid  profile\n", "test.conf:7: idp_scope: must be "
	    "scope tokens separated by one space, \"openid\" among them" },
	{ "idp_scope openid \"x\"\n", "test.conf:7: idp_scope: must be "
	    "scope tokens separated by one space, \"openid\" among them" },
	/* Lists. */
	{ "cors_origins https://app.example.org/\n", "test.conf:7: "
	    "cors_origins: an origin has no path (scheme://host[:port])" },
	{ "cors_origins https://app.example.org/x\n", "test.conf:7: "
	    "cors_origins: an origin has no path (scheme://host[:port])" },
	{ "cors_origins app.example.org\n", "test.conf:7: cors_origins: must "
	    "be \"*\" or origins (scheme://host[:port])" },
	{ "cors_origins * null\n", "test.conf:7: cors_origins: must "
	    "be \"*\" or origins (scheme://host[:port])" },
	{ "cors_origins https://a:99999\n",
	    "test.conf:7: cors_origins: has an invalid port" },
	{ "cors_origins https://a?x\n",
	    "test.conf:7: cors_origins: must not have a query" },
	{ "cors_origins https://a#x\n",
	    "test.conf:7: cors_origins: must not have a fragment" },
	{ "cors_origins https://u@a\n",
	    "test.conf:7: cors_origins: must not contain user information" },
	{ "cors_origins ftp://a\n", "test.conf:7: cors_origins: must "
	    "be \"*\" or origins (scheme://host[:port])" },
	{ "signing_key /2 /3 /4 /5\nsigning_key /6 /7 /8 /9\n",
	    "test.conf:8: signing_key: at most 8 keys" },
};

START_TEST(test_bad_values)
{
	bad_parse(bad_str[_i].extra, bad_str[_i].want);
}
END_TEST

/* Replaces line 2 or 3 of BASE (public_url, upstream_fhir) with bad values. */
static const struct {
	const char	*line;
	const char	*want;
} bad_base[] = {
	{ "public_url https://gw.example.org//",
	    "test.conf:2: public_url: must not end with '//'" },
	{ "public_url gw.example.org",
	    "test.conf:2: public_url: must be an absolute http or https URL" },
	{ "public_url https://gw.example.org/?x",
	    "test.conf:2: public_url: must not have a query" },
	{ "public_url https://gw.example.org#x",
	    "test.conf:2: public_url: must not have a fragment" },
	{ "upstream_fhir https://fhir.example.org//",
	    "test.conf:2: upstream_fhir: must not end with '//'" },
	{ "upstream_fhir fhir.example.org",
	    "test.conf:2: upstream_fhir: must be an absolute http or https URL" },
	{ "upstream_fhir https://fhir.example.org/r4?x=1",
	    "test.conf:2: upstream_fhir: must not have a query" },
};

START_TEST(test_bad_base_urls)
{
	char	 text[1024];

	snprintf(text, sizeof(text), "#\n%s\n%s", bad_base[_i].line,
	    strstr(BASE, "signing_key"));
	/* The other of the two must still be there to get this far. */
	snprintf(text + strlen(text), sizeof(text) - strlen(text), "%s",
	    strncmp(bad_base[_i].line, "public_url", 10) == 0 ?
	    "upstream_fhir https://f.example.org\n" :
	    "public_url https://gw.example.org\n");
	bad_parse_text(text, strlen(text), bad_base[_i].want);
}
END_TEST

START_TEST(test_upstream_trailing_slash)
{
	struct sg_config	*cfg;
	const char		*text = "public_url https://gw.example.org\n"
	    "upstream_fhir https://fhir.example.org/r4/\n"
	    "signing_key /k\nmaster_key_file /m\ntemplates_dir /t\n";
	char			 err[256];

	ck_assert_int_eq(parse(text, strlen(text), &cfg, err, sizeof(err)), 0);
	ck_assert_str_eq(cfg->upstream_fhir, "https://fhir.example.org/r4");
	sg_config_free(cfg);
}
END_TEST

START_TEST(test_signing_keys_list)
{
	struct sg_config	*cfg;

	cfg = good_parse("signing_key /k2 /k3\t/k4\nsigning_key /k5 /k6 /k7"
	    "\nsigning_key /k8\n");
	ck_assert_uint_eq(cfg->nsigning_keys, 8);
	ck_assert_str_eq(cfg->signing_keys[0], "/etc/smartgate/sign1.pem");
	ck_assert_str_eq(cfg->signing_keys[1], "/k2");
	ck_assert_str_eq(cfg->signing_keys[3], "/k4");
	ck_assert_str_eq(cfg->signing_keys[7], "/k8");
	sg_config_free(cfg);
}
END_TEST

START_TEST(test_cors)
{
	struct sg_config	*cfg;
	char			*extra;
	size_t			 i;

	cfg = good_parse("cors_origins *\n");
	ck_assert_int_eq(cfg->cors_any, 1);
	ck_assert_uint_eq(cfg->ncors_origins, 0);
	sg_config_free(cfg);

	cfg = good_parse("cors_origins https://App.Example.org "
	    "http://localhost:9000\ncors_origins https://[::1]:8443 *\n");
	ck_assert_int_eq(cfg->cors_any, 1);
	ck_assert_uint_eq(cfg->ncors_origins, 3);
	ck_assert_str_eq(cfg->cors_origins[0], "https://app.example.org");
	ck_assert_str_eq(cfg->cors_origins[1], "http://localhost:9000");
	ck_assert_str_eq(cfg->cors_origins[2], "https://[::1]:8443");
	sg_config_free(cfg);

	/*
	 * Stored as browsers send Origin (RFC 6454 §6.2), the same form
	 * url.h gives the origin of a registered redirect URI.
	 */
	cfg = good_parse("cors_origins HTTPS://App.Example:443 "
	    "HTTP://LocalHost:80 http://a.example:443 "
	    "https://[0:0:0:0:0:0:0:1]\n");
	ck_assert_uint_eq(cfg->ncors_origins, 4);
	ck_assert_str_eq(cfg->cors_origins[0], "https://app.example");
	ck_assert_str_eq(cfg->cors_origins[1], "http://localhost");
	ck_assert_str_eq(cfg->cors_origins[2], "http://a.example:443");
	ck_assert_str_eq(cfg->cors_origins[3], "https://[::1]");
	sg_config_free(cfg);

	/* 32 fit, 33 do not. */
	extra = malloc(33 * 32 + 32);
	ck_assert_ptr_nonnull(extra);
	snprintf(extra, 33 * 32 + 32, "cors_origins");
	for (i = 0; i < 32; i++)
		snprintf(extra + strlen(extra), 33 * 32 + 32 - strlen(extra),
		    " https://a%zu.org", i);
	snprintf(extra + strlen(extra), 33 * 32 + 32 - strlen(extra), "\n");
	cfg = good_parse(extra);
	ck_assert_uint_eq(cfg->ncors_origins, 32);
	ck_assert_str_eq(cfg->cors_origins[31], "https://a31.org");
	sg_config_free(cfg);
	snprintf(extra + strlen(extra), 33 * 32 + 32 - strlen(extra),
	    "cors_origins https://one-more.org\n");
	bad_parse(extra, "test.conf:8: cors_origins: at most 32 origins");
	free(extra);
}
END_TEST

START_TEST(test_crlf)
{
	struct sg_config	*cfg;
	char			 text[1024], *p = text;
	const char		*l;
	char			 err[256] = "";

	for (l = BASE "site_name CRLF site\n"; *l != '\0'; l++) {
		if (*l == '\n')
			*p++ = '\r';
		*p++ = *l;
	}
	*p = '\0';
	ck_assert_int_eq(parse(text, strlen(text), &cfg, err, sizeof(err)), 0);
	ck_assert_str_eq(cfg->site_name, "CRLF site");
	ck_assert_str_eq(cfg->templates_dir, "/usr/share/smartgate/templates");
	ck_assert_str_eq(cfg->public_url, "https://gw.example.org");
	sg_config_free(cfg);

	/* Line numbers still count CRLF lines. */
	bad_parse("x 1\r\n", "test.conf:7: x: unknown setting");
	/* A lone CR inside a line is a control byte. */
	bad_parse("site_name a\rb\r\n", "test.conf:7: control or non-ASCII byte");
}
END_TEST

START_TEST(test_nul_byte)
{
	char	 text[512];
	size_t	 len;

	len = strlen(BASE);
	memcpy(text, BASE "site_name a", len + 11);
	text[len + 11] = '\0';
	memcpy(text + len + 12, "b\n", 2);
	bad_parse_text(text, len + 14, "test.conf:7: control or non-ASCII byte");
}
END_TEST

/* Non-ASCII is fine in comments; control bytes are not. */
START_TEST(test_comment_bytes)
{
	struct sg_config	*cfg;

	cfg = good_parse("# H\xc3\xb4pital\n");
	sg_config_free(cfg);
	bad_parse("# a\x01\n", "test.conf:7: control or non-ASCII byte");
}
END_TEST

START_TEST(test_line_limit)
{
	struct sg_config	*cfg;
	char			*extra, want[128];

	/* A line of exactly SG_MAX_CONF_LINE bytes, CR not counted. */
	extra = malloc(SG_MAX_CONF_LINE + 8);
	ck_assert_ptr_nonnull(extra);
	memcpy(extra, "site_name ", 10);
	memset(extra + 10, 'n', SG_MAX_CONF_LINE - 10);
	memcpy(extra + SG_MAX_CONF_LINE, "\r\n", 3);
	cfg = good_parse(extra);
	ck_assert_uint_eq(strlen(cfg->site_name), SG_MAX_CONF_LINE - 10);
	sg_config_free(cfg);

	memcpy(extra + SG_MAX_CONF_LINE, "n\n", 3);
	snprintf(want, sizeof(want), "test.conf:7: line too long (at most "
	    "%d bytes)", SG_MAX_CONF_LINE);
	bad_parse(extra, want);
	free(extra);
}
END_TEST

START_TEST(test_file_limit)
{
	struct sg_config	*cfg;
	char			*text, err[256] = "", want[128];
	size_t			 bl = strlen(BASE), i;

	text = malloc(SG_MAX_CONF_FILE + 2);
	ck_assert_ptr_nonnull(text);
	memcpy(text, BASE, bl);
	/* Fill with 100-byte comment lines, then pad the last one. */
	for (i = bl; i < SG_MAX_CONF_FILE; i++)
		text[i] = ((i - bl) % 100 == 99) ? '\n' : '#';
	text[SG_MAX_CONF_FILE - 1] = '\n';
	ck_assert_int_eq(parse(text, SG_MAX_CONF_FILE, &cfg, err,
	    sizeof(err)), 0);
	sg_config_free(cfg);

	text[SG_MAX_CONF_FILE] = '\n';
	snprintf(want, sizeof(want), "test.conf: file too large (at most %d "
	    "bytes)", SG_MAX_CONF_FILE);
	bad_parse_text(text, SG_MAX_CONF_FILE + 1, want);
	free(text);
}
END_TEST

/* A short err buffer is filled and NUL-terminated, never overrun. */
START_TEST(test_short_err)
{
	struct sg_config	*cfg;
	char			 err[12];
	char			*text = with("frobnicate 1\n");

	memset(err, 'Z', sizeof(err));
	ck_assert_int_eq(parse(text, strlen(text), &cfg, err, 8), -1);
	ck_assert_str_eq(err, "test.co");
	ck_assert_int_eq(err[8], 'Z');
	ck_assert_int_eq(parse(text, strlen(text), &cfg, NULL, 0), -1);
	free(text);
}
END_TEST

static char tmpdir[] = "/tmp/sg-test-config-XXXXXX";

/* tmpdir/name in a new string. */
static char *
tmp_path(const char *name)
{
	size_t	 n = strlen(tmpdir) + strlen(name) + 2;
	char	*path;

	path = malloc(n);
	ck_assert_ptr_nonnull(path);
	snprintf(path, n, "%s/%s", tmpdir, name);
	return path;
}

static char *
write_file(const char *name, const char *text)
{
	char	*path = tmp_path(name);
	FILE	*f;

	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return path;
}

START_TEST(test_load)
{
	struct sg_config	*cfg;
	char			 err[512], want[512];
	char			*path, *missing;

	path = write_file("good.conf", BASE);
	ck_assert_int_eq(sg_config_load(path, &cfg, err, sizeof(err)), 0);
	ck_assert_str_eq(cfg->path, path);
	ck_assert_str_eq(cfg->public_url, "https://gw.example.org");
	sg_config_free(cfg);
	free(path);

	path = write_file("bad.conf", BASE "frobnicate 1\n");
	ck_assert_int_eq(sg_config_load(path, &cfg, err, sizeof(err)), -1);
	ck_assert_ptr_null(cfg);
	snprintf(want, sizeof(want), "%s:7: frobnicate: unknown setting",
	    path);
	ck_assert_str_eq(err, want);
	free(path);

	missing = tmp_path("missing.conf");
	ck_assert_int_eq(sg_config_load(missing, &cfg, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: No such file or directory", missing);
	ck_assert_str_eq(err, want);
	free(missing);

	ck_assert_int_eq(sg_config_load(tmpdir, &cfg, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: not a regular file", tmpdir);
	ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(test_load_too_large)
{
	struct sg_config	*cfg;
	char			 err[512], want[512];
	char			*path, *text;

	text = malloc(SG_MAX_CONF_FILE + 2);
	ck_assert_ptr_nonnull(text);
	memset(text, '#', SG_MAX_CONF_FILE + 1);
	text[SG_MAX_CONF_FILE + 1] = '\0';
	path = write_file("big.conf", text);
	ck_assert_int_eq(sg_config_load(path, &cfg, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: file too large (at most %d bytes)",
	    path, SG_MAX_CONF_FILE);
	ck_assert_str_eq(err, want);
	free(path);
	free(text);
}
END_TEST

/* Runs sg_config_from_env with stderr captured into buf. */
static struct sg_config *
from_env_captured(char *buf, size_t size)
{
	struct sg_config	*cfg;
	FILE			*f;
	int			 saved;
	size_t			 n;

	f = tmpfile();
	ck_assert_ptr_nonnull(f);
	saved = dup(STDERR_FILENO);
	ck_assert_int_ge(dup2(fileno(f), STDERR_FILENO), 0);
	cfg = sg_config_from_env();
	ck_assert_int_ge(dup2(saved, STDERR_FILENO), 0);
	close(saved);
	rewind(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
	return cfg;
}

START_TEST(test_from_env)
{
	struct sg_config	*cfg;
	char			 out[1024], want[1024];
	char			*path;

	sg_log_init("test");
	unsetenv("SMARTGATE_CONF");
	ck_assert_ptr_null(from_env_captured(out, sizeof(out)));
	ck_assert_msg(strncmp(out, "smartgate[test] rid=- err: SMARTGATE_CONF "
	    "is not set, and no configuration at /", 63) == 0, "%s", out);
	ck_assert_msg(strstr(out, "/tests/etc/smartgate.conf or ") != NULL,
	    "%s", out);

	path = write_file("env-bad.conf", BASE "code_ttl 61\n");
	setenv("SMARTGATE_CONF", path, 1);
	ck_assert_ptr_null(from_env_captured(out, sizeof(out)));
	snprintf(want, sizeof(want), "smartgate[test] rid=- err: %s:7: "
	    "code_ttl: must be between 10 and 60\n", path);
	ck_assert_str_eq(out, want);
	free(path);

	path = write_file("env-good.conf", BASE "code_ttl 30\n");
	setenv("SMARTGATE_CONF", path, 1);
	cfg = from_env_captured(out, sizeof(out));
	ck_assert_ptr_nonnull(cfg);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(cfg->code_ttl, 30);
	sg_config_free(cfg);
	free(path);
	unsetenv("SMARTGATE_CONF");
}
END_TEST

/*
 * The order: $SMARTGATE_CONF whatever exists; then etc/smartgate.conf
 * above the program's folder (suEXEC empties the environment); then the
 * build-time default; else an error naming what was tried.
 */
START_TEST(test_locate)
{
	char	 out[1024], exe[512], conf[512], def[512], want[1100];
	FILE	*f;

	snprintf(exe, sizeof(exe), "%s/cgi-bin/token", tmpdir);
	snprintf(conf, sizeof(conf), "%s/etc/smartgate.conf", tmpdir);
	snprintf(def, sizeof(def), "%s/default.conf", tmpdir);

	/* The environment wins, even naming a missing file. */
	ck_assert_int_eq(sg_config_locate("/nope/x.conf", exe, def, out,
	    sizeof(out)), 0);
	ck_assert_str_eq(out, "/nope/x.conf");
	/* Nothing there: the message names both places tried. */
	ck_assert_int_eq(sg_config_locate("", exe, def, out, sizeof(out)), -1);
	snprintf(want, sizeof(want), "SMARTGATE_CONF is not set, and no "
	    "configuration at %s or %s", conf, def);
	ck_assert_str_eq(out, want);
	/* The default, once it exists. */
	f = fopen(def, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	ck_assert_int_eq(sg_config_locate(NULL, exe, def, out, sizeof(out)), 0);
	ck_assert_str_eq(out, def);
	/* Beside the program comes before the default. */
	snprintf(want, sizeof(want), "%s/etc", tmpdir);
	ck_assert_int_eq(mkdir(want, 0700), 0);
	f = fopen(conf, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	ck_assert_int_eq(sg_config_locate(NULL, exe, def, out, sizeof(out)), 0);
	ck_assert_str_eq(out, conf);
	/* A relative or missing program path is not looked beside. */
	ck_assert_int_eq(sg_config_locate(NULL, "cgi-bin/token", def, out,
	    sizeof(out)), 0);
	ck_assert_str_eq(out, def);
	ck_assert_int_eq(sg_config_locate(NULL, NULL, NULL, out, sizeof(out)),
	    -1);
	/* Too small a buffer is an error, not a cut path. */
	ck_assert_int_eq(sg_config_locate("/a/long/path", NULL, NULL, out, 5),
	    -1);
	unlink(conf);
	unlink(def);
	rmdir(want);
}
END_TEST

static void
remove_tmpdir(void)
{
	static const char *const names[] = { "good.conf", "bad.conf",
	    "big.conf", "env-bad.conf", "env-good.conf" };
	char	 path[256];
	size_t	 i;

	for (i = 0; i < NELEM(names); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, names[i]);
		unlink(path);
	}
	rmdir(tmpdir);
}

int
main(void)
{
	Suite	*s = suite_create("config");
	TCase	*tc = tcase_create("config");
	int	 rc;

	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return EXIT_FAILURE;
	}
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_defaults);
	tcase_add_loop_test(tc, test_required_missing, 0, NELEM(required));
	tcase_add_test(tc, test_empty_file);
	tcase_add_loop_test(tc, test_number_bounds, 0, NELEM(numbers));
	tcase_add_loop_test(tc, test_good_values, 0, NELEM(good_str));
	tcase_add_loop_test(tc, test_public_url, 0, NELEM(public_urls));
	tcase_add_loop_test(tc, test_bad_values, 0, NELEM(bad_str));
	tcase_add_loop_test(tc, test_bad_base_urls, 0, NELEM(bad_base));
	tcase_add_test(tc, test_upstream_trailing_slash);
	tcase_add_test(tc, test_signing_keys_list);
	tcase_add_test(tc, test_cors);
	tcase_add_test(tc, test_crlf);
	tcase_add_test(tc, test_nul_byte);
	tcase_add_test(tc, test_comment_bytes);
	tcase_add_test(tc, test_line_limit);
	tcase_add_test(tc, test_file_limit);
	tcase_add_test(tc, test_short_err);
	tcase_add_test(tc, test_load);
	tcase_add_test(tc, test_load_too_large);
	tcase_add_test(tc, test_from_env);
	tcase_add_test(tc, test_locate);
	suite_add_tcase(s, tc);
	rc = tl_run(s);
	remove_tmpdir();
	return rc;
}
