/*
 * smartgate-revoke: lists the live grants and revokes them by grant,
 * by client or by user, for an administrator (a stolen device, a
 * compromised app, a user who leaves).  A grant is what one
 * authorization code exchange starts: the token endpoint records it in
 * the ledger (SG_LEDGER_NS_GRANT, sg_grant_record) for as long as it
 * can live.  Revoking writes the same SG_LEDGER_NS_REVOKED record as
 * POST [auth]/revoke (RFC 7009) and refresh token reuse do, which the
 * FHIR proxy, the refresh grant and introspection honour: the grant's
 * access tokens are refused from the next request on, and its refresh
 * token no longer refreshes.
 *
 *   smartgate-revoke [-c smartgate.conf] list [-c client_id] [-u sub]
 *   smartgate-revoke [-c smartgate.conf] grant GID
 *   smartgate-revoke [-c smartgate.conf] client CLIENT_ID
 *   smartgate-revoke [-c smartgate.conf] user SUB
 *
 * The -c before the command names the configuration (overriding
 * $SMARTGATE_CONF); after "list", -c and -u filter by client and user.
 * Backend services tokens (client_credentials) are not grants and are
 * not listed: they live minutes; disable the client instead.
 *
 * It opens the ledger: run it as root or as the user Apache runs the
 * gateway as.
 *
 * Exit status: 0 done, 1 usage error, 2 the configuration or the
 * ledger could not be used (nothing, or not everything, revoked).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


#include "config.h"
#include "grant.h"
#include "ledger.h"
#include "proc.h"

#define EXIT_USAGE	1
#define EXIT_LEDGER	2

static const char *progname = "smartgate-revoke";

static void
usage(void)
{
	fprintf(stderr,
	    "usage: %s [-c smartgate.conf] list [-c client_id] [-u sub]\n"
	    "       %s [-c smartgate.conf] grant GID\n"
	    "       %s [-c smartgate.conf] client CLIENT_ID\n"
	    "       %s [-c smartgate.conf] user SUB\n"
	    "\n"
	    "list    prints the live grants, one a line, tab-separated:\n"
	    "        gid, client, user (sub), fhirUser, since, until (UTC),\n"
	    "        offline|online, live|revoked, scope; - for none.\n"
	    "        -c and -u keep the grants of one client or one user.\n"
	    "grant   revokes one grant (its gid: list, or the log's "
	    "\"gid=\").\n"
	    "client  revokes every live grant of a client.\n"
	    "user    revokes every live grant of a user (the sub of list).\n"
	    "        Each prints how many grants it revoked.\n"
	    "\n"
	    "The -c before the command defaults to $SMARTGATE_CONF.  Opens "
	    "the ledger:\n"
	    "run as root or as the user Apache runs smartgate as.\n"
	    "Exit status: 0 done, 1 usage error, 2 configuration or ledger "
	    "unusable.\n", progname, progname, progname, progname);
	exit(EXIT_USAGE);
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

/* What a scan looks for, and what it did. */
struct pick {
	struct sg_ledger	*l;
	int			 revoke;	/* 0: list */
	long			 ttl;		/* revoke: sg_grant_revoke_ttl */
	time_t			 now;
	size_t			 count;
	int			 failed;	/* the ledger failed */
};

/* A printable column: "-" for none; tabs and newlines never come out. */
static void
column(const char *v, int last)
{
	if (v == NULL || *v == '\0')
		fputs("-", stdout);
	for (; v != NULL && *v != '\0'; v++)
		putchar((unsigned char)*v < 0x20 || *v == 0x7f ? '?' : *v);
	putchar(last ? '\n' : '\t');
}

static void
column_time(time_t t)
{
	struct tm	 tm;
	char		 buf[32];

	if (t <= 0 || gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, sizeof(buf), "-");
	column(buf, 0);
}

/* sg_grant_list() callback: one grant of the client or user asked for. */
static int
one(const struct sg_grant_info *gi, void *arg)
{
	struct pick	*pk = arg;

	if (pk->revoke) {
		if (sg_grant_revoke(pk->l, NULL, gi->gid, pk->ttl,
		    pk->now) != 0)
			pk->failed = 1;
		else
			pk->count++;
		return 0;
	}
	column(gi->gid, 0);
	column(gi->client_id, 0);
	column(gi->sub, 0);
	column(gi->fhir_user, 0);
	column_time(gi->since);
	column_time(gi->until);
	column(gi->offline ? "offline" : "online", 0);
	switch (sg_grant_revoked(pk->l, NULL, gi->gid, pk->now)) {
	case SG_LEDGER_OK:
		column("live", 0);
		break;
	case SG_LEDGER_EXISTS:
		column("revoked", 0);
		break;
	default:
		column("unknown", 0);
		pk->failed = 1;
		break;
	}
	column(gi->scope, 1);
	pk->count++;
	return 0;
}

/* A client id or a sub: 1..255 printable characters (ledger.h keys). */
static int
name_ok(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return 0;
	return i > 0 && i <= SG_LEDGER_KEY_MAX;
}

/*
 * Whether an LMDB ledger exists yet.  Opening it would create it, and
 * as root the files would then be root's and the gateway locked out:
 * a ledger never written has no grant to list or revoke.
 */
static int
ledger_exists(const struct sg_config *cfg)
{
	char		 path[4096];
	struct stat	 st;

	if (strncmp(cfg->ledger, "lmdb:", 5) != 0)
		return 1;
	snprintf(path, sizeof(path), "%s/data.mdb", cfg->ledger + 5);
	return stat(path, &st) == 0;
}

/* The command on the loaded configuration and ledger. */
static int
run(struct sg_proc *p, const char *cmd, struct pick *pk, const char *gid,
    const char *client, const char *user)
{
	int		 list = strcmp(cmd, "list") == 0;

	if (strcmp(p->cfg->ledger, "none") == 0) {
		warnx_("the ledger is \"none\": no grant is recorded and none "
		    "can be revoked");
		return EXIT_LEDGER;
	}
	pk->l = p->ledger;
	pk->now = time(NULL);
	pk->ttl = sg_grant_revoke_ttl(p->cfg);
	pk->revoke = !list;
	if (!ledger_exists(p->cfg))
		goto out;
	if (gid != NULL) {
		/* Only a grant the gateway recorded: a typo revokes none. */
		if (sg_grant_find(p->ledger, NULL, pk->now, gid, one, pk) ==
		    SG_LEDGER_UNAVAILABLE)
			pk->failed = 1;
	} else if (sg_grant_list(p->ledger, NULL, pk->now, client, user, one,
	    pk) != SG_LEDGER_OK)
		pk->failed = 1;
 out:
	if (pk->failed) {
		warnx_("the ledger could not be used%s", pk->revoke &&
		    pk->count > 0 ? "; some grants are revoked" : "");
		return EXIT_LEDGER;
	}
	if (!list)
		printf("%zu grant%s revoked\n", pk->count,
		    pk->count == 1 ? "" : "s");
	return 0;
}

int
main(int argc, char *argv[])
{
	struct sg_proc	 p;
	struct pick	 pk;
	const char	*conf = NULL, *cmd, *gid = NULL, *env;
	const char	*client = NULL, *user = NULL;
	int		 ch, rc;

	memset(&p, 0, sizeof(p));
	memset(&pk, 0, sizeof(pk));
	/* "+": options stop at the command, whose own -c differs. */
	while ((ch = getopt(argc, argv, "+c:")) != -1) {
		switch (ch) {
		case 'c':
			if (conf != NULL || *optarg == '\0')
				usage();
			conf = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind >= argc)
		usage();
	cmd = argv[optind];
	argc -= optind;
	argv += optind;
	if (strcmp(cmd, "list") == 0) {
		optind = 1;
		while ((ch = getopt(argc, argv, "+c:u:")) != -1) {
			switch (ch) {
			case 'c':
				if (client != NULL || !name_ok(optarg))
					usage();
				client = optarg;
				break;
			case 'u':
				if (user != NULL || !name_ok(optarg))
					usage();
				user = optarg;
				break;
			default:
				usage();
			}
		}
		if (optind != argc)
			usage();
	} else if (argc != 2)
		usage();
	else if (strcmp(cmd, "grant") == 0) {
		if (!sg_grant_id_ok(argv[1])) {
			warnx_("%s: not a grant id (22 characters of "
			    "[A-Za-z0-9_-])", argv[1]);
			usage();
		}
		gid = argv[1];
	} else if (strcmp(cmd, "client") == 0 && name_ok(argv[1]))
		client = argv[1];
	else if (strcmp(cmd, "user") == 0 && name_ok(argv[1]))
		user = argv[1];
	else
		usage();
	env = getenv("SMARTGATE_CONF");
	if (conf == NULL && (env == NULL || *env == '\0')) {
		warnx_("no configuration: give -c or set SMARTGATE_CONF");
		usage();
	}
	/* sg_proc_load reads the file named by $SMARTGATE_CONF. */
	if (conf != NULL && setenv("SMARTGATE_CONF", conf, 1) == -1) {
		warnx_("cannot set SMARTGATE_CONF");
		return EXIT_LEDGER;
	}
	if (sg_proc_load(&p, progname, SG_NEED_LEDGER | SG_SEAL_ONLY) == -1)
		return EXIT_LEDGER;
	rc = run(&p, cmd, &pk, gid, client, user);
	sg_proc_free(&p);
	return rc;
}
