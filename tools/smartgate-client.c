/*
 * smartgate-client: manages the client registry (clients.h).
 *
 *   smartgate-client -f clients.json list
 *   smartgate-client -f clients.json show ID
 *   smartgate-client -f clients.json add ID --name NAME --auth METHOD
 *       --scope SCOPE [--redirect-uri URI]... [--grant GRANT]...
 *       [--jwks-uri URI | --jwks-file FILE] [--logo-uri URI]
 *       [--launch-uri URI] [--ehr]
 *   smartgate-client -f clients.json remove ID
 *   smartgate-client -f clients.json secret ID
 *
 * list prints one line per client: id, auth method, name (tab
 * separated).  show prints a registration as JSON, without its secret
 * hash.  add and secret make a secret for the client_secret_* methods:
 * 32 random bytes, base64url, printed once on stdout; only its SHA-256
 * is stored (clients.h explains why a fast hash is enough).
 *
 * Every change is checked with sg_clients_parse() before it is written,
 * so the gateway never sees an invalid file.  The file is replaced
 * atomically (temporary file, fsync, rename) keeping its mode and owner,
 * or created with mode 0640; the folder is locked (flock) while the
 * tool reads, changes and writes the file.  Running gateways pick the
 * change up without a restart (sg_clients_reload).
 *
 * Exit status: 0 done, 1 failed, 2 usage error.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "bounds.h"
#include "clients.h"
#include "mem.h"

#define MAX_JWKS_FILE	SG_MAX_KEY_FILE

static const char *progname = "smartgate-client";

static void
usage(void)
{
	fprintf(stderr,
	    "usage: %s -f clients.json list\n"
	    "       %s -f clients.json show ID\n"
	    "       %s -f clients.json add ID --name NAME --auth METHOD "
	    "--scope SCOPE\n"
	    "           [--redirect-uri URI]... [--grant GRANT]...\n"
	    "           [--jwks-uri URI | --jwks-file FILE] [--logo-uri URI]\n"
	    "           [--launch-uri URI] [--ehr]\n"
	    "       %s -f clients.json remove ID\n"
	    "       %s -f clients.json secret ID\n"
	    "METHOD: none, client_secret_basic, client_secret_post, "
	    "private_key_jwt\n"
	    "GRANT: authorization_code (default), refresh_token, "
	    "client_credentials\n",
	    progname, progname, progname, progname, progname);
	exit(2);
}

static void
warnx_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
warnx_(const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* The registry file as read: its text, tree and identity. */
struct file {
	const char	*path;
	char		*text;
	size_t		 len;
	int		 exists;
	struct stat	 st;
	json_object	*root;
	json_object	*arr;		/* the clients array in root */
	int		 dirfd;		/* locked folder, or -1 */
};

/*
 * Reads a regular file of at most max bytes into a new NUL-terminated
 * buffer.  Returns 0, or -1 with errno set (EFBIG when too large).
 */
static int
read_text(const char *path, size_t max, char **out, size_t *lenp,
    struct stat *st)
{
	char	*buf;
	size_t	 len = 0;
	ssize_t	 n;
	int	 fd, saved;

	if ((fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, st) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	buf = sg_xmalloc(max + 2);
	for (;;) {
		n = read(fd, buf + len, max + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			saved = errno;
			free(buf);
			close(fd);
			errno = saved;
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			free(buf);
			close(fd);
			errno = EFBIG;
			return -1;
		}
	}
	close(fd);
	buf[len] = '\0';
	*out = buf;
	*lenp = len;
	return 0;
}

/* JSON text to a tree, depth-limited; NULL when malformed. */
static json_object *
parse_json(const char *text, size_t len)
{
	json_tokener	*tok;
	json_object	*obj;

	if ((tok = json_tokener_new_ex(SG_MAX_JSON_DEPTH)) == NULL)
		abort();
	obj = json_tokener_parse_ex(tok, text, (int)len);
	if (obj != NULL && json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	return obj;
}

/*
 * Reads the registry.  When for_change, the folder is locked first and
 * a missing or blank file is taken as an empty registry.
 */
static int
file_open(struct file *f, const char *path, int for_change)
{
	struct sg_clients	*reg = NULL;
	char			*dir, err[1024];
	size_t			 i;

	memset(f, 0, sizeof(*f));
	f->path = path;
	f->dirfd = -1;
	if (for_change) {
		dir = sg_xstrdup(path);
		f->dirfd = open(dirname(dir), O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC);
		free(dir);
		if (f->dirfd == -1 || flock(f->dirfd, LOCK_EX) == -1) {
			warnx_("%s: folder: %s", path, strerror(errno));
			return -1;
		}
	}
	if (read_text(path, SG_MAX_CLIENTS_FILE, &f->text, &f->len,
	    &f->st) == -1) {
		if (errno == ENOENT && for_change) {
			f->text = sg_xstrdup("[]");
			f->len = 2;
		} else {
			warnx_("%s: %s", path, errno == EFBIG ? "larger than "
			    "the limit of 4 MiB" : strerror(errno));
			return -1;
		}
	} else
		f->exists = 1;
	for (i = 0; i < f->len && strchr(" \t\r\n", f->text[i]) != NULL; i++)
		;
	if (i == f->len && for_change) {
		free(f->text);
		f->text = sg_xstrdup("[]");
		f->len = 2;
	}
	/* Reading commands show what the gateway would say about the file. */
	if (!for_change) {
		if (sg_clients_parse(path, f->text, f->len, &reg, err,
		    sizeof(err)) == -1) {
			warnx_("%s", err);
			return -1;
		}
		sg_clients_free(reg);
	}
	if ((f->root = parse_json(f->text, f->len)) == NULL) {
		warnx_("%s: not valid JSON", path);
		return -1;
	}
	f->arr = f->root;
	if (json_object_is_type(f->root, json_type_object) &&
	    !json_object_object_get_ex(f->root, "clients", &f->arr))
		f->arr = NULL;
	if (!json_object_is_type(f->arr, json_type_array)) {
		warnx_("%s: must be an array of clients or "
		    "{\"clients\": [...]}", path);
		return -1;
	}
	return 0;
}

static void
file_close(struct file *f)
{
	free(f->text);
	json_object_put(f->root);
	if (f->dirfd != -1)
		close(f->dirfd);	/* releases the lock */
}

/* The index of the registration with client_id id, or -1. */
static long
find_client(const struct file *f, const char *id)
{
	json_object	*o, *v;
	size_t		 i, n;

	n = json_object_array_length(f->arr);
	for (i = 0; i < n; i++) {
		o = json_object_array_get_idx(f->arr, i);
		if (json_object_object_get_ex(o, "client_id", &v) &&
		    json_object_is_type(v, json_type_string) &&
		    strcmp(json_object_get_string(v), id) == 0)
			return (long)i;
	}
	return -1;
}

/* Writes all of buf to fd; 0 or -1. */
static int
write_all(int fd, const char *buf, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Checks the changed registry as the gateway will, then replaces the
 * file: temporary file in the same folder, same mode and owner (0640
 * and ours when new), fsync, rename, fsync of the folder.
 */
static int
file_write(struct file *f)
{
	struct sg_clients	*reg = NULL;
	const char		*json;
	char			*text = NULL, *tmp = NULL, err[1024];
	size_t			 len;
	int			 fd = -1, rc = -1;

	json = json_object_to_json_string_ext(f->root,
	    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	text = sg_xconcat(json, "\n");
	len = strlen(text);
	if (sg_clients_parse(f->path, text, len, &reg, err,
	    sizeof(err)) == -1) {
		warnx_("%s", err);
		warnx_("%s: not changed", f->path);
		goto out;
	}
	sg_clients_free(reg);

	tmp = sg_xconcat(f->path, ".XXXXXX");
	if ((fd = mkstemp(tmp)) == -1) {
		warnx_("%s: %s", tmp, strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	if (fchmod(fd, f->exists ? f->st.st_mode & 07777 : 0640) == -1) {
		warnx_("%s: chmod: %s", tmp, strerror(errno));
		goto out;
	}
	if (f->exists && (f->st.st_uid != geteuid() ||
	    f->st.st_gid != getegid()) &&
	    fchown(fd, f->st.st_uid, f->st.st_gid) == -1) {
		warnx_("%s: cannot keep owner %ld:%ld: %s", f->path,
		    (long)f->st.st_uid, (long)f->st.st_gid, strerror(errno));
		goto out;
	}
	if (write_all(fd, text, len) == -1 || fsync(fd) == -1) {
		warnx_("%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) == -1) {
		fd = -1;
		warnx_("%s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, f->path) == -1) {
		warnx_("%s: %s", f->path, strerror(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	if (f->dirfd != -1)
		(void)fsync(f->dirfd);
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	if (tmp != NULL) {
		unlink(tmp);
		free(tmp);
	}
	free(text);
	return rc;
}

/* Prints a new secret once, with the warning that it is not kept. */
static void
show_secret(const char *id, char *secret)
{
	printf("%s\n", secret);
	fflush(stdout);
	warnx_("the secret of client \"%s\" is shown only this once: it is "
	    "not stored, only its hash", id);
	OPENSSL_cleanse(secret, strlen(secret));
	free(secret);
}

/* A new secret; stores its hash in o and returns it (caller wipes). */
static char *
new_secret(json_object *o)
{
	char	*secret, *hash;

	if ((secret = sg_client_secret_new()) == NULL) {
		warnx_("no random bytes");
		return NULL;
	}
	hash = sg_client_secret_hash(secret, strlen(secret));
	json_object_object_add(o, "client_secret_hash",
	    json_object_new_string(hash));
	free(hash);
	return secret;
}

static int
cmd_list(const char *path)
{
	struct sg_clients	*reg;
	const struct sg_client	*cl;
	char			 err[1024];
	size_t			 i;

	if ((reg = sg_clients_load(path, err, sizeof(err))) == NULL) {
		warnx_("%s", err);
		return 1;
	}
	for (i = 0; i < reg->nclients; i++) {
		cl = &reg->clients[i];
		printf("%s\t%s\t%s\n", cl->client_id,
		    sg_auth_method_name(cl->auth_method),
		    cl->client_name != NULL ? cl->client_name : "-");
	}
	sg_clients_free(reg);
	return 0;
}

static int
cmd_show(const char *path, const char *id)
{
	struct file	 f;
	json_object	*copy = NULL;
	long		 idx;
	int		 rc = 1;

	if (file_open(&f, path, 0) == -1)
		goto out;
	if ((idx = find_client(&f, id)) == -1) {
		warnx_("%s: no client \"%s\"", path, id);
		goto out;
	}
	if (json_object_deep_copy(json_object_array_get_idx(f.arr,
	    (size_t)idx), &copy, NULL) != 0)
		abort();
	json_object_object_del(copy, "client_secret_hash");
	printf("%s\n", json_object_to_json_string_ext(copy,
	    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
	    JSON_C_TO_STRING_NOSLASHESCAPE));
	rc = 0;
out:
	json_object_put(copy);
	file_close(&f);
	return rc;
}

static int
cmd_remove(const char *path, const char *id)
{
	struct file	 f;
	long		 idx;
	int		 rc = 1;

	if (file_open(&f, path, 1) == -1)
		goto out;
	if (!f.exists || (idx = find_client(&f, id)) == -1) {
		warnx_("%s: no client \"%s\"", path, id);
		goto out;
	}
	json_object_array_del_idx(f.arr, (size_t)idx, 1);
	if (file_write(&f) == -1)
		goto out;
	rc = 0;
out:
	file_close(&f);
	return rc;
}

static int
cmd_secret(const char *path, const char *id)
{
	struct file	 f;
	json_object	*o, *v;
	const char	*method = "client_secret_basic";	/* RFC 7591 */
	char		*secret = NULL;
	long		 idx;
	int		 rc = 1;

	if (file_open(&f, path, 1) == -1)
		goto out;
	if (!f.exists || (idx = find_client(&f, id)) == -1) {
		warnx_("%s: no client \"%s\"", path, id);
		goto out;
	}
	o = json_object_array_get_idx(f.arr, (size_t)idx);
	if (json_object_object_get_ex(o, "token_endpoint_auth_method", &v))
		method = json_object_get_string(v);
	if (method == NULL || (strcmp(method, "client_secret_basic") != 0 &&
	    strcmp(method, "client_secret_post") != 0)) {
		warnx_("client \"%s\" authenticates with %s: it has no secret",
		    id, method != NULL ? method : "?");
		goto out;
	}
	if ((secret = new_secret(o)) == NULL || file_write(&f) == -1)
		goto out;
	show_secret(id, secret);
	secret = NULL;
	rc = 0;
out:
	if (secret != NULL) {
		OPENSSL_cleanse(secret, strlen(secret));
		free(secret);
	}
	file_close(&f);
	return rc;
}

/* What add was told. */
struct add_args {
	const char	*name, *auth, *scope, *jwks_uri, *jwks_file;
	const char	*logo_uri, *launch_uri;
	json_object	*redirects, *grants;
	int		 ehr;
};

static void
add_str(json_object *o, const char *name, const char *value)
{
	if (value != NULL)
		json_object_object_add(o, name, json_object_new_string(value));
}

static int
cmd_add(const char *path, const char *id, struct add_args *a)
{
	struct file	 f;
	struct stat	 st;
	json_object	*o = NULL, *jwks = NULL;
	char		*secret = NULL, *text = NULL;
	size_t		 len;
	int		 rc = 1;

	if (file_open(&f, path, 1) == -1)
		goto out;
	if (find_client(&f, id) != -1) {
		warnx_("%s: client \"%s\" already exists", path, id);
		goto out;
	}
	if (a->jwks_file != NULL) {
		if (read_text(a->jwks_file, MAX_JWKS_FILE, &text, &len,
		    &st) == -1) {
			warnx_("%s: %s", a->jwks_file, errno == EFBIG ?
			    "too large" : strerror(errno));
			goto out;
		}
		if ((jwks = parse_json(text, len)) == NULL) {
			warnx_("%s: not valid JSON", a->jwks_file);
			goto out;
		}
	}
	o = json_object_new_object();
	add_str(o, "client_id", id);
	add_str(o, "client_name", a->name);
	if (json_object_array_length(a->redirects) > 0)
		json_object_object_add(o, "redirect_uris",
		    json_object_get(a->redirects));
	add_str(o, "token_endpoint_auth_method", a->auth);
	if (json_object_array_length(a->grants) > 0)
		json_object_object_add(o, "grant_types",
		    json_object_get(a->grants));
	add_str(o, "scope", a->scope);
	add_str(o, "jwks_uri", a->jwks_uri);
	if (jwks != NULL) {
		json_object_object_add(o, "jwks", jwks);
		jwks = NULL;
	}
	add_str(o, "logo_uri", a->logo_uri);
	add_str(o, "launch_uri", a->launch_uri);
	if (a->ehr)
		json_object_object_add(o, "smartgate_ehr",
		    json_object_new_boolean(1));
	if ((strcmp(a->auth, "client_secret_basic") == 0 ||
	    strcmp(a->auth, "client_secret_post") == 0) &&
	    (secret = new_secret(o)) == NULL)
		goto out;
	json_object_array_add(f.arr, o);
	o = NULL;
	if (file_write(&f) == -1)
		goto out;
	if (secret != NULL) {
		show_secret(id, secret);
		secret = NULL;
	}
	rc = 0;
out:
	if (secret != NULL) {
		OPENSSL_cleanse(secret, strlen(secret));
		free(secret);
	}
	json_object_put(o);
	json_object_put(jwks);
	free(text);
	file_close(&f);
	return rc;
}

enum {
	OPT_NAME = 256, OPT_REDIRECT, OPT_AUTH, OPT_SCOPE, OPT_GRANT,
	OPT_JWKS_URI, OPT_JWKS_FILE, OPT_LOGO, OPT_LAUNCH, OPT_EHR
};

static const struct option add_options[] = {
	{ "name", required_argument, NULL, OPT_NAME },
	{ "redirect-uri", required_argument, NULL, OPT_REDIRECT },
	{ "auth", required_argument, NULL, OPT_AUTH },
	{ "scope", required_argument, NULL, OPT_SCOPE },
	{ "grant", required_argument, NULL, OPT_GRANT },
	{ "jwks-uri", required_argument, NULL, OPT_JWKS_URI },
	{ "jwks-file", required_argument, NULL, OPT_JWKS_FILE },
	{ "logo-uri", required_argument, NULL, OPT_LOGO },
	{ "launch-uri", required_argument, NULL, OPT_LAUNCH },
	{ "ehr", no_argument, NULL, OPT_EHR },
	{ NULL, 0, NULL, 0 }
};

/* Parses add's options (argv[0] is the ID) and runs it. */
static int
run_add(const char *path, int argc, char **argv)
{
	struct add_args	 a;
	const char	*id;
	int		 ch, rc;

	memset(&a, 0, sizeof(a));
	if (argc < 1 || argv[0][0] == '-')
		usage();
	id = argv[0];
	a.redirects = json_object_new_array();
	a.grants = json_object_new_array();
	/*
	 * optind 0 makes glibc start afresh; argv[0] (the ID) stands where
	 * getopt expects a program name.
	 */
	optind = 0;
	while ((ch = getopt_long(argc, argv, "+", add_options, NULL)) != -1) {
		switch (ch) {
		case OPT_NAME:
			a.name = optarg;
			break;
		case OPT_REDIRECT:
			json_object_array_add(a.redirects,
			    json_object_new_string(optarg));
			break;
		case OPT_AUTH:
			a.auth = optarg;
			break;
		case OPT_SCOPE:
			a.scope = optarg;
			break;
		case OPT_GRANT:
			json_object_array_add(a.grants,
			    json_object_new_string(optarg));
			break;
		case OPT_JWKS_URI:
			a.jwks_uri = optarg;
			break;
		case OPT_JWKS_FILE:
			a.jwks_file = optarg;
			break;
		case OPT_LOGO:
			a.logo_uri = optarg;
			break;
		case OPT_LAUNCH:
			a.launch_uri = optarg;
			break;
		case OPT_EHR:
			a.ehr = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || a.name == NULL || a.auth == NULL ||
	    a.scope == NULL || (a.jwks_uri != NULL && a.jwks_file != NULL))
		usage();
	rc = cmd_add(path, id, &a);
	json_object_put(a.redirects);
	json_object_put(a.grants);
	return rc;
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*path = NULL, *cmd;
	int		 ch;

	while ((ch = getopt_long(argc, argv, "+f:", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			path = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (path == NULL || *path == '\0' || argc < 1)
		usage();
	cmd = argv[0];
	argc--;
	argv++;
	if (strcmp(cmd, "list") == 0 && argc == 0)
		return cmd_list(path);
	if (strcmp(cmd, "show") == 0 && argc == 1)
		return cmd_show(path, argv[0]);
	if (strcmp(cmd, "remove") == 0 && argc == 1)
		return cmd_remove(path, argv[0]);
	if (strcmp(cmd, "secret") == 0 && argc == 1)
		return cmd_secret(path, argv[0]);
	if (strcmp(cmd, "add") == 0)
		return run_add(path, argc, argv);
	usage();
	return 2;
}
