/*
 * smartgate-check: reads the configuration exactly as the programs do
 * (the same loaders: config, keys, clients, templates, ledger, OpenID
 * Connect discovery, the upstream credential, the HTTP client) and
 * reports every problem it finds, each with file:line where there is
 * one, before Apache runs into them one request at a time.
 *
 *   smartgate-check [-q] [-c smartgate.conf] [-u user]
 *
 * -c names the configuration (default: the file the programs find,
 * sg_config_find(): $SMARTGATE_CONF, etc/smartgate.conf above the
 * tool's folder as `make install-cgi` lays it out, the build's default).  -u user (as root): drops to that user
 * (setgid, initgroups, setuid) before anything is read, so that the
 * checks see what the Apache user sees; run it as www-data or with
 * -u www-data.  -q prints only problems and the summary.
 *
 * One line per check: "ok", "warn" or "FAIL", what was checked, and
 * where (file:line of the setting, or of the problem inside the file
 * it names).  Then "smartgate-check: N ok, N warn, N FAIL".
 *
 * Exit status: 0 when nothing failed (warnings allowed), 1 when a
 * check failed, 2 on a usage error or when it cannot run at all.
 *
 * It writes one expiring record to the ledger (the programs must be
 * able to) and fetches the identity provider's discovery document and
 * JWKS, a client-credentials token where configured (never cached:
 * the secret itself is checked) and the FHIR server's
 * CapabilityStatement.
 */
/* strptime(3) for the Date header. */
#define _XOPEN_SOURCE 700

#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/rand.h>

#include "bounds.h"
#include "clients.h"
#include "config.h"
#include "file.h"
#include "http.h"
#include "identity.h"
#include "json.h"
#include "keys.h"
#include "ledger.h"
#include "log.h"
#include "mem.h"
#include "oidc.h"
#include "proc.h"
#include "tmpl.h"
#include "upauth.h"


#define EXIT_FAILED	1
#define EXIT_USAGE	2
#define MSG		1024	/* one message */
#define MAX_TEMPLATES	64

enum level { OK, WARN, FAIL };

struct chk {
	const char		*path;		/* the configuration file */
	char			*text;		/* its text, to find lines */
	struct sg_config	*cfg;
	int			 quiet;
	int			 n[3];
	int			 root;		/* still root: careful */
	char			 log[MSG];	/* what loaders logged */
	/* Peer clocks (Date headers), for the clock check. */
	const char		*date_from[2];
	char			*date[2];
};

static const char *progname = "smartgate-check";

static void
usage(void)
{
	fprintf(stderr, "usage: %s [-q] [-c smartgate.conf] [-u user]\n"
	    "\n"
	    "Checks the configuration as the programs load it: settings, "
	    "keys and\n"
	    "their modes, the master key, the client registry, the "
	    "templates, the\n"
	    "ledger (written), the identity provider's discovery document "
	    "and JWKS,\n"
	    "the FHIR server's CapabilityStatement with the gateway's "
	    "credential, and\n"
	    "the clock.  -c defaults to the file the programs read: "
	    "$SMARTGATE_CONF,\n"
	    "else ../etc/smartgate.conf beside this tool, else the build's "
	    "default.\n"
	    "-u user: as root, check as that user (the one Apache runs "
	    "smartgate as).\n"
	    "-q: print only problems.\n"
	    "Exit status: 0 all passed, 1 a check failed, 2 usage or "
	    "cannot run.\n", progname);
	exit(EXIT_USAGE);
}

static void report(struct chk *, enum level, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* One line: "ok   message", "warn message", "FAIL message". */
static void
report(struct chk *c, enum level lv, const char *fmt, ...)
{
	static const char *const names[] = { "ok  ", "warn", "FAIL" };
	char	 buf[2 * MSG];
	va_list	 ap;
	size_t	 i;

	c->n[lv]++;
	if (c->quiet && lv == OK)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* Messages quote files and peers: one line, nothing that moves the cursor. */
	for (i = 0; buf[i] != '\0'; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			buf[i] = '?';
	printf("%s %s\n", names[lv], buf);
	fflush(stdout);
}

/*
 * The line of the configuration where name is set (with value among
 * its values, for a list setting), or 0: the same line syntax as
 * config.c (blank-separated, '#' comment lines).
 */
static size_t
conf_line(const struct chk *c, const char *name, const char *value)
{
	const char	*l, *e, *v;
	size_t		 line = 0, nlen = strlen(name), vlen;

	if (c->text == NULL)
		return 0;
	for (l = c->text; *l != '\0'; l = *e == '\0' ? e : e + 1) {
		line++;
		e = l + strcspn(l, "\n");
		l += strspn(l, " \t");
		if (l >= e || *l == '#' || (size_t)(e - l) <= nlen ||
		    strncmp(l, name, nlen) != 0 ||
		    (l[nlen] != ' ' && l[nlen] != '\t'))
			continue;
		if (value == NULL)
			return line;
		vlen = strlen(value);
		for (v = l + nlen; v < e; v += strcspn(v, " \t\r\n")) {
			v += strspn(v, " \t\r");
			if ((size_t)(e - v) >= vlen &&
			    strncmp(v, value, vlen) == 0 &&
			    (v + vlen == e || strchr(" \t\r", v[vlen]) != NULL))
				return line;
		}
	}
	return 0;
}

/* "conf:line: name" (or "conf: name" when the default applies). */
static const char *
where(const struct chk *c, char *buf, size_t len, const char *name,
    const char *value)
{
	size_t	 line = conf_line(c, name, value);

	if (line > 0)
		snprintf(buf, len, "%s:%zu: %s", c->path, line, name);
	else
		snprintf(buf, len, "%s: %s", c->path, name);
	return buf;
}

/* What the loaders logged meanwhile, or dflt. */
static const char *
logged(const struct chk *c, const char *dflt)
{
	return c->log[0] != '\0' ? c->log : dflt;
}

static void
capture(struct chk *c)
{
	sg_log_capture(c->log, sizeof(c->log));
}

static void
uncapture(void)
{
	sg_log_capture(NULL, 0);
}

/* Group or others may read or write: for files holding secrets. */
static int
mode_open(const char *path, mode_t *mode)
{
	struct stat	 st;

	if (stat(path, &st) == -1)
		return 0;
	*mode = st.st_mode & 07777;
	return (st.st_mode & 077) != 0;
}

static void
check_login(struct chk *c)
{
	char	 w[MSG];

	if (strcmp(c->cfg->login, "oidc") == 0 && c->cfg->idp_issuer == NULL)
		report(c, FAIL, "%s: login oidc (the default) needs "
		    "idp_issuer and idp_client_id: users log in there",
		    where(c, w, sizeof(w), "login", NULL));
	if (strcmp(c->cfg->login, "remote_user") == 0 &&
	    c->cfg->user_map_file == NULL)
		report(c, WARN, "%s: remote_user without user_map_file: "
		    "users have no FHIR identity unless Apache sets one",
		    where(c, w, sizeof(w), "login", NULL));
}

/* Each signing key: readable, a key we sign with, private to us. */
static void
check_signing_keys(struct chk *c)
{
	struct sg_keys	*k;
	const char	*f;
	char		 w[MSG], err[MSG];
	mode_t		 mode = 0;
	size_t		 i;
	int		 rs256 = 0;

	for (i = 0; i < c->cfg->nsigning_keys; i++) {
		f = c->cfg->signing_keys[i];
		where(c, w, sizeof(w), "signing_key", f);
		if ((k = sg_keys_load(&c->cfg->signing_keys[i], 1, NULL, err,
		    sizeof(err))) == NULL) {
			report(c, FAIL, "%s: %s", w, err);
			continue;
		}
		/* Others: the loader above refuses it, as the programs do;
		   the group: allowed (a 0640 key for Apache's group). */
		if (mode_open(f, &mode))
			report(c, WARN, "%s: %s: mode %04o: the group may "
			    "read the private key: make sure only the Apache "
			    "user is in it (or chmod 600)", w, f,
			    (unsigned)mode);
		else
			report(c, OK, "%s: %s: %s key%s, kid %s", w, f,
			    sg_alg_name(k->sign[0].alg), i == 0 ?
			    " (signs)" : "", k->sign[0].kid);
		rs256 |= k->sign[0].alg == SG_ALG_RS256;
		sg_keys_free(k);
	}
	/* SMART App Launch "sso-openid-connect": id_tokens RS256. */
	if (c->cfg->nsigning_keys > 0 && !rs256)
		report(c, WARN, "%s: no RSA key: id_tokens are signed ES256, "
		    "and SMART apps expect RS256",
		    where(c, w, sizeof(w), "signing_key", NULL));
}

static void
check_master(struct chk *c)
{
	struct sg_keys	*k;
	char		 w[MSG], err[MSG];

	where(c, w, sizeof(w), "master_key_file", NULL);
	if ((k = sg_keys_load(NULL, 0, c->cfg->master_key_file, err,
	    sizeof(err))) == NULL) {
		report(c, FAIL, "%s: %s", w, err);
		return;
	}
	report(c, OK, "%s: %s: %zu key%s, kid %s seals", w,
	    c->cfg->master_key_file, k->nmaster, k->nmaster == 1 ? "" : "s",
	    k->master[0].kid);
	sg_keys_free(k);
}

static void
check_clients(struct chk *c)
{
	struct sg_clients	*reg;
	char			 w[MSG], err[MSG];
	mode_t			 mode = 0;
	struct stat		 st;

	if (c->cfg->clients_file == NULL) {
		report(c, FAIL, "%s: clients_file: missing; authorize, token, "
		    "introspect and revoke need the client registry", c->path);
		return;
	}
	where(c, w, sizeof(w), "clients_file", NULL);
	if ((reg = sg_clients_load(c->cfg->clients_file, err,
	    sizeof(err))) == NULL) {
		report(c, FAIL, "%s: %s", w, err);
		return;
	}
	report(c, OK, "%s: %s: %zu client%s", w, c->cfg->clients_file,
	    reg->nclients, reg->nclients == 1 ? "" : "s");
	/* Whoever writes it registers apps: the gateway's owner only. */
	if (stat(c->cfg->clients_file, &st) == 0 && (st.st_mode & 022)) {
		mode = st.st_mode & 07777;
		report(c, WARN, "%s: %s: mode %04o: group or others may "
		    "register clients", w, c->cfg->clients_file,
		    (unsigned)mode);
	}
	sg_clients_free(reg);
}

static void
check_identity(struct chk *c)
{
	struct sg_identity	*id;
	char			 w[MSG], err[MSG];

	if (c->cfg->user_map_file == NULL)
		return;
	where(c, w, sizeof(w), "user_map_file", NULL);
	if ((id = sg_identity_load(c->cfg->user_map_file, c->cfg->fhir_base,
	    c->cfg->upstream_fhir, err, sizeof(err))) == NULL) {
		report(c, FAIL, "%s: %s", w, err);
		return;
	}
	report(c, OK, "%s: %s: loads", w, c->cfg->user_map_file);
	sg_identity_free(id);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.cs in templates_dir parses inside layout.cs, as pages do. */
static void
check_templates(struct chk *c)
{
	/* The pages the programs render (response.c, consent.c). */
	static const char *const needed[] = { "layout.cs", "error.cs",
	    "consent.cs" };
	char		*names[MAX_TEMPLATES], w[MSG], err[MSG], path[4096];
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	size_t		 n = 0, i, len, bad = 0;
	int		 cwd, cwd_failed = 0;

	where(c, w, sizeof(w), "templates_dir", NULL);
	for (i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", c->cfg->templates_dir,
		    needed[i]);
		errno = 0;
		if (stat(path, &st) == -1 || !S_ISREG(st.st_mode)) {
			report(c, FAIL, "%s: %s: %s", w, path,
			    errno != 0 ? strerror(errno) : "not a file");
			bad++;
		}
	}
	if ((d = opendir(c->cfg->templates_dir)) == NULL) {
		report(c, FAIL, "%s: %s: %s", w, c->cfg->templates_dir,
		    strerror(errno));
		return;
	}
	while ((de = readdir(d)) != NULL && n < MAX_TEMPLATES) {
		len = strlen(de->d_name);
		if (len > 3 && strcmp(de->d_name + len - 3, ".cs") == 0 &&
		    de->d_name[0] != '.')
			names[n++] = sg_xstrdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_str);
	/*
	 * ClearSilver finds the line of a parse error by opening the file
	 * by its bare name (else it gives an offset and complains on
	 * stderr): parse from inside the folder, then come back.
	 */
	cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (chdir(c->cfg->templates_dir) == -1)
		cwd_failed = 1;
	for (i = 0; i < n; i++) {
		/* layout.cs is parsed with every page. */
		if (strcmp(names[i], "layout.cs") == 0 && n > 1)
			continue;
		if (sg_tmpl_check(c->cfg, names[i], err, sizeof(err)) == -1) {
			report(c, FAIL, "%s: %s/%s: does not parse: %s", w,
			    c->cfg->templates_dir, names[i], err);
			bad++;
		}
	}
	if (cwd != -1) {
		if (!cwd_failed && fchdir(cwd) == -1) {
			fprintf(stderr, "%s: cannot return to the working "
			    "directory\n", progname);
			exit(EXIT_USAGE);
		}
		close(cwd);
	}
	if (bad == 0)
		report(c, OK, "%s: %s: %zu templates parse", w,
		    c->cfg->templates_dir, n);
	for (i = 0; i < n; i++)
		free(names[i]);
}

/* The ledger takes a write, as the token endpoint's first one would. */
static void
check_ledger(struct chk *c)
{
	struct sg_ledger	*l;
	enum sg_ledger_result	 r;
	unsigned char		 rnd[8];
	char			 w[MSG], err[MSG], key[64], path[4096];
	struct stat		 st;
	time_t			 now = time(NULL);
	const char		*dir = NULL;

	where(c, w, sizeof(w), "ledger", NULL);
	if (strcmp(c->cfg->ledger, "none") == 0) {
		report(c, WARN, "%s: none: codes, assertions and rotated "
		    "refresh tokens can be replayed within their lifetime, "
		    "and grants cannot be revoked", w);
		return;
	}
	if ((l = sg_ledger_open(c->cfg->ledger, err, sizeof(err))) == NULL) {
		report(c, FAIL, "%s: %s", w, err);
		return;
	}
	(void)sg_ledger_set_map_size(l, (size_t)c->cfg->ledger_map_size);
	if (c->cfg->ledger_password_file != NULL &&
	    sg_ledger_set_password_file(l, c->cfg->ledger_password_file, err,
	    sizeof(err)) == -1) {
		report(c, FAIL, "%s: %s",
		    where(c, w, sizeof(w), "ledger_password_file", NULL), err);
		goto out;
	}
	if (strncmp(c->cfg->ledger, "lmdb:", 5) == 0) {
		dir = c->cfg->ledger + 5;
		errno = 0;
		if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
			report(c, FAIL, "%s: %s: %s", w, dir, errno != 0 ?
			    strerror(errno) : "not a directory");
			goto out;
		}
		if (st.st_mode & 077)
			report(c, WARN, "%s: %s: mode %04o: group or others "
			    "may look into the ledger (chmod 700)", w, dir,
			    (unsigned)(st.st_mode & 07777));
		/* As root a new ledger would be root's: Apache locked out. */
		snprintf(path, sizeof(path), "%s/data.mdb", dir);
		if (c->root && stat(path, &st) == -1) {
			report(c, WARN, "%s: %s: not opened as root (it would "
			    "create the files as root); use -u", w, dir);
			goto out;
		}
	}
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		memset(rnd, 0, sizeof(rnd));
	snprintf(key, sizeof(key), SG_LEDGER_NS_CHECK
	    "%02x%02x%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2],
	    rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
	capture(c);
	r = sg_ledger_add(l, NULL, key, now + 60, now);
	uncapture();
	if (r == SG_LEDGER_OK)
		report(c, OK, "%s: %s: written", w, c->cfg->ledger);
	else
		report(c, FAIL, "%s: %s: cannot write: %s", w, c->cfg->ledger,
		    logged(c, "unavailable"));
out:
	sg_ledger_close(l);
}

/* Keeps the Date of a peer's answer for the clock check. */
static void
keep_date(struct chk *c, int i, const char *from, const char *date)
{
	if (date == NULL || c->date[i] != NULL)
		return;
	c->date_from[i] = from;
	c->date[i] = sg_xstrdup(date);
}

/* One GET; the answer in resp (any status). */
static enum sg_status
get(struct chk *c, const char *url, const char *const *hdrs, size_t max,
    struct sg_http_resp *resp)
{
	struct sg_http	*h;
	enum sg_status	 st;

	memset(resp, 0, sizeof(*resp));
	if ((h = sg_http_new(c->cfg->upstream_timeout_ms,
	    c->cfg->upstream_ca_file)) == NULL)
		return SG_E_INTERNAL;
	capture(c);
	st = sg_http_request(h, NULL, "GET", url, hdrs, NULL, 0, max, resp);
	uncapture();
	sg_http_free(h);
	return st;
}

static void
check_idp(struct chk *c)
{
	static const char *const hdrs[] = { "Accept: application/json",
	    NULL };
	struct sg_http_resp	 resp;
	struct sg_oidc		*o;
	char			 w[MSG], err[MSG], url[SG_MAX_URL + 64];
	size_t			 nkeys = 0, len;

	if (c->cfg->idp_issuer == NULL)
		return;
	where(c, w, sizeof(w), "idp_issuer", NULL);
	if ((o = sg_oidc_new(c->cfg, err, sizeof(err))) == NULL) {
		report(c, FAIL, "%s: %s", w, err);
		return;
	}
	capture(c);
	if (sg_oidc_probe(o, &nkeys, err, sizeof(err)) != SG_OK) {
		uncapture();
		report(c, FAIL, "%s: %s: %s", w, err, logged(c, "failed"));
		sg_oidc_free(o);
		return;
	}
	uncapture();
	report(c, OK, "%s: %s: discovery document, issuer matches, JWKS with "
	    "%zu usable key%s", w, c->cfg->idp_issuer, nkeys,
	    nkeys == 1 ? "" : "s");
	sg_oidc_free(o);
	/* Its clock, from a second look at the same document. */
	len = strlen(c->cfg->idp_issuer);
	if (c->cfg->idp_issuer[len - 1] == '/')
		len--;
	snprintf(url, sizeof(url), "%.*s/.well-known/openid-configuration",
	    (int)len, c->cfg->idp_issuer);
	if (get(c, url, hdrs, SG_MAX_UPSTREAM_SMALL, &resp) == SG_OK)
		keep_date(c, 1, "the identity provider", resp.date);
	sg_http_resp_free(&resp);
}

/*
 * The gateway's credential at the FHIR server, as the proxy gets it:
 * the token file, or a client-credentials token fetched now (with a
 * copy of the configuration whose ledger is "none", so that upauth's
 * shared token file is neither read, which could hide a wrong secret,
 * nor written, which as root would leave a file Apache cannot read).
 * Returns 0 with *line the header line or NULL; -1 when it failed.
 */
static int
upstream_credential(struct chk *c, char **line)
{
	struct sg_config	 copy;
	struct sg_upauth	*u;
	const char		*hdr = NULL;
	char			 w[MSG], err[MSG];
	enum sg_status		 st;

	*line = NULL;
	if (c->cfg->upstream_fhir_token_file != NULL) {
		where(c, w, sizeof(w), "upstream_fhir_token_file", NULL);
		if (sg_proc_upstream_token(c->cfg, line, err,
		    sizeof(err)) == -1) {
			report(c, FAIL, "%s: %s", w, err);
			return -1;
		}
		report(c, OK, "%s: %s: a bearer token", w,
		    c->cfg->upstream_fhir_token_file);
		return 0;
	}
	if (c->cfg->upstream_token_url == NULL)
		return 0;
	copy = *c->cfg;
	copy.ledger = (char *)(uintptr_t)"none";
	where(c, w, sizeof(w), "upstream_token_url", NULL);
	if ((u = sg_upauth_new(&copy, NULL, err, sizeof(err))) == NULL) {
		report(c, FAIL, "%s: %s",
		    where(c, w, sizeof(w), "upstream_client_secret_file", NULL),
		    err);
		return -1;
	}
	capture(c);
	st = sg_upauth_header(u, NULL, &hdr);
	uncapture();
	if (st != SG_OK || hdr == NULL) {
		report(c, FAIL, "%s: %s: no token for upstream_client_id %s: "
		    "%s", w, c->cfg->upstream_token_url,
		    c->cfg->upstream_client_id, logged(c, "failed"));
		sg_upauth_free(u);
		return -1;
	}
	report(c, OK, "%s: %s: client-credentials token for %s", w,
	    c->cfg->upstream_token_url, c->cfg->upstream_client_id);
	*line = sg_xstrdup(hdr);
	sg_upauth_free(u);
	return 0;
}

static void
check_fhir(struct chk *c)
{
	struct sg_http_resp	 resp;
	const char		*hdrs[3];
	char			 w[MSG], *line = NULL, *url;
	json_object		*doc = NULL;
	const char		*rt, *ver;
	enum sg_status		 st;

	if (upstream_credential(c, &line) == -1)
		return;
	where(c, w, sizeof(w), "upstream_fhir", NULL);
	hdrs[0] = "Accept: application/fhir+json";
	hdrs[1] = line;
	hdrs[2] = NULL;
	url = sg_xconcat(c->cfg->upstream_fhir, "/metadata");
	st = get(c, url, hdrs, SG_MAX_CAPABILITY, &resp);
	sg_free_secret(line);
	if (st != SG_OK) {
		report(c, FAIL, "%s: %s: unreachable: %s", w, url,
		    logged(c, st == SG_E_UPSTREAM_TIMEOUT ? "timeout" :
		    st == SG_E_TOO_LARGE ? "answer too large" : "failed"));
		goto out;
	}
	keep_date(c, 0, "the FHIR server", resp.date);
	if (resp.status == 401 || resp.status == 403) {
		report(c, FAIL, "%s: %s: HTTP %ld: the FHIR server refuses "
		    "the gateway's credential", w, url, resp.status);
		goto out;
	}
	doc = resp.status == 200 ? sg_json_object(resp.body, resp.len) : NULL;
	if (resp.status != 200 || (rt = sg_json_str(doc, "resourceType")) ==
	    NULL || strcmp(rt, "CapabilityStatement") != 0) {
		report(c, FAIL, "%s: %s: HTTP %ld, not a CapabilityStatement",
		    w, url, resp.status);
		goto out;
	}
	ver = sg_json_str(doc, "fhirVersion");
	report(c, OK, "%s: %s: CapabilityStatement, FHIR %s", w, url,
	    ver != NULL ? ver : "(version not given)");
	if (ver != NULL && strncmp(ver, "4.0", 3) != 0)
		report(c, WARN, "%s: FHIR %s: smartgate speaks FHIR R4 (4.0.x)",
		    w, ver);
out:
	json_object_put(doc);
	sg_http_resp_free(&resp);
	free(url);
}

/*
 * Our clock against the peers' Date headers (RFC 9110 §6.6.1): tokens
 * we mint and the IdP's id_tokens carry times, checked with a leeway
 * of SG_ASSERTION_LEEWAY seconds.
 */
static void
check_clock(struct chk *c)
{
	struct tm	 tm;
	time_t		 now = time(NULL), t;
	const char	*end;
	long		 skew;
	size_t		 i;
	int		 seen = 0;

	for (i = 0; i < 2; i++) {
		if (c->date[i] == NULL)
			continue;
		memset(&tm, 0, sizeof(tm));
		end = strptime(c->date[i] + strspn(c->date[i], " "),
		    "%a, %d %b %Y %H:%M:%S GMT", &tm);
		if (end == NULL || (t = timegm(&tm)) == (time_t)-1) {
			report(c, WARN, "clock: %s sent an unreadable Date: "
			    "%.64s", c->date_from[i], c->date[i]);
			continue;
		}
		seen++;
		skew = (long)(now - t);
		if (labs(skew) > SG_ASSERTION_LEEWAY)
			report(c, FAIL, "clock: %ld s %s %s (Date: %.40s); "
			    "tokens and id_tokens will be refused or expire "
			    "early (set up NTP)", labs(skew), skew > 0 ?
			    "ahead of" : "behind", c->date_from[i], c->date[i]);
		else if (labs(skew) > SG_CLOCK_SKEW_WARN)
			report(c, WARN, "clock: %ld s %s %s", labs(skew),
			    skew > 0 ? "ahead of" : "behind", c->date_from[i]);
		else
			report(c, OK, "clock: within %d s of %s",
			    SG_CLOCK_SKEW_WARN, c->date_from[i]);
	}
	if (seen == 0)
		report(c, WARN, "clock: no peer answered with a Date; "
		    "not compared");
}

/* Last: the programs' own start-up with everything they may need. */
static void
check_startup(struct chk *c)
{
	struct sg_proc	 p;
	int		 rc;

	if (setenv("SMARTGATE_CONF", c->path, 1) == -1) {
		report(c, FAIL, "start-up: cannot set SMARTGATE_CONF");
		return;
	}
	capture(c);
	rc = sg_proc_load(&p, progname, SG_NEED_CLIENTS | SG_NEED_LEDGER |
	    SG_NEED_IDENTITY | SG_NEED_CLIENTAUTH);
	uncapture();
	if (rc == -1) {
		report(c, FAIL, "%s: the programs do not start: %s", c->path,
		    logged(c, "failed"));
		return;
	}
	report(c, OK, "%s: the programs' start-up (sg_proc_load) "
	    "succeeds", c->path);
	sg_proc_free(&p);
}

/* As root with -u: become user for good (setgid, groups, setuid). */
static void
drop_to(const char *user)
{
	struct passwd	*pw;

	if ((pw = getpwnam(user)) == NULL) {
		fprintf(stderr, "%s: %s: no such user\n", progname, user);
		exit(EXIT_USAGE);
	}
	if (geteuid() != 0) {
		if (pw->pw_uid == geteuid())
			return;
		fprintf(stderr, "%s: -u needs root\n", progname);
		exit(EXIT_USAGE);
	}
	if (setgid(pw->pw_gid) == -1 || initgroups(pw->pw_name,
	    pw->pw_gid) == -1 || setuid(pw->pw_uid) == -1 ||
	    (pw->pw_uid != 0 && setuid(0) != -1)) {
		fprintf(stderr, "%s: cannot become %s: %s\n", progname, user,
		    strerror(errno));
		exit(EXIT_USAGE);
	}
}

int
main(int argc, char *argv[])
{
	struct chk	 c;
	static char	 found[4200];
	const char	*user = NULL;
	char		 err[MSG];
	size_t		 len = 0, i;
	int		 ch;

	memset(&c, 0, sizeof(c));
	while ((ch = getopt(argc, argv, "c:qu:")) != -1) {
		switch (ch) {
		case 'c':
			if (*optarg == '\0')
				usage();
			c.path = optarg;
			break;
		case 'q':
			c.quiet = 1;
			break;
		case 'u':
			if (*optarg == '\0')
				usage();
			user = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (c.path == NULL) {
		/* The one the programs would read (they say the same). */
		if (sg_config_find(found, sizeof(found)) == -1) {
			report(&c, FAIL, "%s", found);
			return 1;
		}
		c.path = found;
	}
	if (user != NULL)
		drop_to(user);
	umask(077);
	sg_log_init(progname);
	c.root = geteuid() == 0;
	if (c.root)
		report(&c, WARN, "running as root: the Apache user may see "
		    "less (use -u www-data, or the user Apache runs "
		    "smartgate as)");

	if (sg_config_load(c.path, &c.cfg, err, sizeof(err)) == -1) {
		report(&c, FAIL, "%s", err);
		goto done;
	}
	(void)sg_file_read(c.path, SG_MAX_CONF_FILE, 0, NULL, &c.text, &len,
	    NULL, 0);
	report(&c, OK, "%s: settings parse and are complete", c.path);

	check_login(&c);
	check_signing_keys(&c);
	check_master(&c);
	check_clients(&c);
	check_identity(&c);
	check_templates(&c);
	check_ledger(&c);
	check_idp(&c);
	check_fhir(&c);
	check_clock(&c);
	check_startup(&c);
done:
	printf("%s: %d ok, %d warn, %d FAIL\n", progname, c.n[OK], c.n[WARN],
	    c.n[FAIL]);
	sg_config_free(c.cfg);
	free(c.text);
	for (i = 0; i < 2; i++)
		free(c.date[i]);
	return c.n[FAIL] > 0 ? EXIT_FAILED : 0;
}
