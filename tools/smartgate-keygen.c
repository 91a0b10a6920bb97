/*
 * smartgate-keygen: creates the gateway's keys (keys.h).
 *
 *   smartgate-keygen [-a] [-t rsa|ec] [-o owner[:group]]
 *       [-k signing.pem] [-m master.key]
 *
 * -k writes a new signing key (RSA-3072 by default, or EC P-256) as an
 * unencrypted PKCS#8 PEM file.  -m writes a master key file with one
 * line "<kid> <base64url of 32 random bytes>"; with -a a new line is
 * put at the top of an existing file (rotation: the first line seals,
 * every line opens); it refuses a file that already holds the most
 * keys the programs load (SG_MAX_MASTER_KEYS).  Files are mode 0600, never overwritten (except
 * the master file with -a, replaced atomically), and given to owner
 * with -o.  Prints "signing <kid>" and/or "master <kid>".
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "b64.h"
#include "bounds.h"
#include "jwt.h"
#include "keys.h"
#include "mem.h"

#define MASTER_SECRET	32

static const char *progname = "smartgate-keygen";

static void
usage(void)
{
	fprintf(stderr, "usage: %s [-a] [-t rsa|ec] [-o owner[:group]] "
	    "[-k signing.pem] [-m master.key]\n", progname);
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

/* Owner and group for -o; -1 leaves one unchanged (chown(2)). */
struct owner {
	uid_t	 uid;
	gid_t	 gid;
	int	 set;
};

static int
parse_owner(const char *spec, struct owner *o)
{
	struct passwd	*pw;
	struct group	*gr;
	char		*user, *group;
	int		 rc = -1;

	user = sg_xstrdup(spec);
	if ((group = strchr(user, ':')) != NULL)
		*group++ = '\0';
	o->uid = (uid_t)-1;
	o->gid = (gid_t)-1;
	if (*user != '\0') {
		if ((pw = getpwnam(user)) == NULL) {
			warnx_("unknown user: %s", user);
			goto done;
		}
		o->uid = pw->pw_uid;
	}
	if (group != NULL && *group != '\0') {
		if ((gr = getgrnam(group)) == NULL) {
			warnx_("unknown group: %s", group);
			goto done;
		}
		o->gid = gr->gr_gid;
	}
	o->set = 1;
	rc = 0;
done:
	free(user);
	return rc;
}

/* Writes all of buf to fd, fsyncs; 0 or -1. */
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
	return fsync(fd);
}

/* Mode 0600 whatever the umask, then the owner if asked. */
static int
secure_fd(int fd, const char *path, const struct owner *o)
{
	if (fchmod(fd, 0600) == -1) {
		warnx_("%s: chmod: %s", path, strerror(errno));
		return -1;
	}
	if (o->set && fchown(fd, o->uid, o->gid) == -1) {
		warnx_("%s: chown: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Creates path (which must not exist) with the contents buf. */
static int
create_file(const char *path, const char *buf, size_t len,
    const struct owner *o)
{
	int	 fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		warnx_("%s: %s", path, strerror(errno));
		return -1;
	}
	if (secure_fd(fd, path, o) != 0)
		goto fail;
	if (write_all(fd, buf, len) != 0) {
		warnx_("%s: %s", path, strerror(errno));
		goto fail;
	}
	if (close(fd) == -1) {
		warnx_("%s: %s", path, strerror(errno));
		unlink(path);
		return -1;
	}
	return 0;
fail:
	close(fd);
	unlink(path);
	return -1;
}

static int
make_signing_key(const char *path, int ec, const struct owner *o)
{
	EVP_PKEY	*pkey;
	BIO		*bio = NULL;
	char		*pem = NULL, kid[SG_KID_MAX];
	long		 len = 0;
	int		 rc = -1;

	pkey = ec ? EVP_EC_gen("P-256") : EVP_RSA_gen(3072);
	if (pkey == NULL) {
		warnx_("key generation failed");
		return -1;
	}
	if (sg_jwk_thumbprint(pkey, kid) != 0) {
		warnx_("cannot compute the key id");
		goto done;
	}
	/* PEM_write_bio_PrivateKey writes PKCS#8 ("BEGIN PRIVATE KEY"). */
	if ((bio = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL,
	    NULL) != 1 || (len = BIO_get_mem_data(bio, &pem)) <= 0) {
		warnx_("cannot encode the key");
		goto done;
	}
	if (create_file(path, pem, (size_t)len, o) != 0)
		goto done;
	printf("signing %s\n", kid);
	rc = 0;
done:
	if (pem != NULL)
		OPENSSL_cleanse(pem, (size_t)len);
	BIO_free(bio);
	EVP_PKEY_free(pkey);
	return rc;
}

/* Whether a non-comment line of text starts with kid followed by a blank. */
static int
kid_in_use(const char *text, const char *kid)
{
	const char	*line = text;
	size_t		 klen = strlen(kid);

	while (line != NULL && *line != '\0') {
		line += strspn(line, " \t");
		if (strncmp(line, kid, klen) == 0 &&
		    (line[klen] == ' ' || line[klen] == '\t'))
			return 1;
		if ((line = strchr(line, '\n')) != NULL)
			line++;
	}
	return 0;
}

/* The number of key lines (not blank, not '#') in a master key file. */
static size_t
count_keys(const char *text)
{
	const char	*line = text;
	size_t		 n = 0;

	while (line != NULL && *line != '\0') {
		line += strspn(line, " \t\r");
		if (*line != '\0' && *line != '\n' && *line != '#')
			n++;
		if ((line = strchr(line, '\n')) != NULL)
			line++;
	}
	return n;
}

/* "k" + UTC date + 4 random [a-z0-9]: 13 characters. */
static int
new_master_kid(char kid[SG_MASTER_KID_MAX + 1])
{
	static const char alpha[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char	 r[4];
	struct tm	 tm;
	time_t		 now = time(NULL);
	size_t		 i, n;

	if (gmtime_r(&now, &tm) == NULL ||
	    (n = strftime(kid, SG_MASTER_KID_MAX + 1, "k%Y%m%d", &tm)) == 0 ||
	    n + sizeof(r) > SG_MASTER_KID_MAX || RAND_bytes(r, sizeof(r)) != 1)
		return -1;
	for (i = 0; i < sizeof(r); i++)
		kid[n + i] = alpha[r[i] % (sizeof(alpha) - 1)];
	kid[n + sizeof(r)] = '\0';
	return 0;
}

/* Reads an existing master key file for -a; NULL with a message. */
static char *
read_master(const char *path, struct stat *st)
{
	char	*buf;
	ssize_t	 n;
	size_t	 len = 0;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		warnx_("%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, st) == -1 || !S_ISREG(st->st_mode) ||
	    st->st_size > SG_MAX_KEY_FILE) {
		warnx_("%s: not a regular file of at most %d bytes", path,
		    SG_MAX_KEY_FILE);
		close(fd);
		return NULL;
	}
	if ((st->st_mode & 077) != 0) {
		warnx_("%s: readable by group or others (chmod 600 %s)", path,
		    path);
		close(fd);
		return NULL;
	}
	buf = sg_xcalloc(1, SG_MAX_KEY_FILE + 2);
	while ((n = read(fd, buf + len, SG_MAX_KEY_FILE + 1 - len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 || (len += (size_t)n) > SG_MAX_KEY_FILE) {
			warnx_("%s: cannot read", path);
			close(fd);
			OPENSSL_cleanse(buf, SG_MAX_KEY_FILE + 2);
			free(buf);
			return NULL;
		}
	}
	close(fd);
	return buf;
}

/*
 * Puts text (the new line, then the old file) in a temporary file in
 * the same directory and renames it over path: readers see either the
 * old or the new file, never half of one.
 */
static int
replace_file(const char *path, const char *line, const char *old,
    const struct stat *st, const struct owner *o)
{
	struct owner	 keep;
	char		*tmp;
	int		 fd, rc = -1;

	tmp = sg_xconcat(path, ".XXXXXX");
	if ((fd = mkstemp(tmp)) == -1) {
		warnx_("%s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	keep.uid = st->st_uid;
	keep.gid = st->st_gid;
	keep.set = 1;
	if (o->set) {
		if (o->uid != (uid_t)-1)
			keep.uid = o->uid;
		if (o->gid != (gid_t)-1)
			keep.gid = o->gid;
	}
	if (secure_fd(fd, tmp, &keep) != 0)
		goto fail;
	if (write_all(fd, line, strlen(line)) != 0 ||
	    write_all(fd, old, strlen(old)) != 0 || close(fd) == -1) {
		fd = -1;
		warnx_("%s: %s", tmp, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		warnx_("%s: %s", path, strerror(errno));
		goto fail;
	}
	rc = 0;
	goto done;
fail:
	if (fd != -1)
		close(fd);
	unlink(tmp);
done:
	free(tmp);
	return rc;
}

static int
make_master_key(const char *path, int append, const struct owner *o)
{
	struct stat	 st;
	unsigned char	 secret[MASTER_SECRET];
	char		 kid[SG_MASTER_KID_MAX + 1], *b64 = NULL, *old = NULL;
	char		 line[SG_MASTER_KID_MAX + 2 + 2 * SG_MASTER_MAX + 2];
	int		 tries, rc = -1;

	if (append && access(path, F_OK) == 0) {
		if ((old = read_master(path, &st)) == NULL)
			return -1;
		/*
		 * The programs refuse a file of more keys (keys.h): adding
		 * one would stop the gateway at its next start.
		 */
		if (count_keys(old) >= SG_MAX_MASTER_KEYS) {
			warnx_("%s: already %d keys; remove the oldest first",
			    path, SG_MAX_MASTER_KEYS);
			goto done;
		}
	}
	for (tries = 0; ; tries++) {
		if (tries == 10 || new_master_kid(kid) != 0) {
			warnx_("cannot make a key id");
			goto done;
		}
		if (old == NULL || !kid_in_use(old, kid))
			break;
	}
	if (RAND_bytes(secret, sizeof(secret)) != 1) {
		warnx_("no random bytes");
		goto done;
	}
	b64 = sg_b64url_encode(secret, sizeof(secret));
	snprintf(line, sizeof(line), "%s %s\n", kid, b64);
	if (old != NULL)
		rc = replace_file(path, line, old, &st, o);
	else
		rc = create_file(path, line, strlen(line), o);
	if (rc == 0)
		printf("master %s\n", kid);
done:
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(line, sizeof(line));
	if (b64 != NULL) {
		OPENSSL_cleanse(b64, strlen(b64));
		free(b64);
	}
	if (old != NULL) {
		OPENSSL_cleanse(old, SG_MAX_KEY_FILE + 2);
		free(old);
	}
	return rc;
}

int
main(int argc, char *argv[])
{
	struct owner	 owner = { (uid_t)-1, (gid_t)-1, 0 };
	const char	*signing = NULL, *master = NULL, *type = "rsa";
	int		 ch, append = 0, ec;

	while ((ch = getopt(argc, argv, "ak:m:o:t:")) != -1) {
		switch (ch) {
		case 'a':
			append = 1;
			break;
		case 'k':
			signing = optarg;
			break;
		case 'm':
			master = optarg;
			break;
		case 'o':
			if (parse_owner(optarg, &owner) != 0)
				return 1;
			break;
		case 't':
			type = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || (signing == NULL && master == NULL))
		usage();
	if (strcmp(type, "rsa") != 0 && strcmp(type, "ec") != 0)
		usage();
	if (append && master == NULL)
		usage();
	ec = strcmp(type, "ec") == 0;
	umask(077);
	if (signing != NULL && make_signing_key(signing, ec, &owner) != 0)
		return 1;
	if (master != NULL && make_master_key(master, append, &owner) != 0)
		return 1;
	if (fflush(stdout) != 0)
		return 1;
	return 0;
}
