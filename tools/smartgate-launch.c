/*
 * smartgate-launch: mints the launch value of an EHR launch (SMART App
 * Launch 2.2 "EHR launch") from the command line, for EHR integrations
 * and operators.  It is the same artifact POST [auth]/launch returns
 * (cgi-bin/launch.c): the context sealed for SG_PURPOSE_LAUNCH with the
 * master key, expiring after the configuration's launch_ttl, optionally
 * bound to one app.
 *
 *   smartgate-launch [-c smartgate.conf] [-p patient-id] [-e encounter-id]
 *       [-i intent] [-x fhirContext-json] [-b true|false]
 *       [-s smart_style_url] [-a app-client-id] [-u]
 *
 * -c overrides $SMARTGATE_CONF.  The values are checked as the endpoint
 * checks them (sg_context_check): FHIR ids, fhirContext a JSON array of
 * objects each with a reference, canonical or identifier, -i a token,
 * -s an absolute https URL, -b true or false, and -a a registered
 * client when the configuration has a clients_file.
 * Prints the launch value; with -u (which needs -a) prints instead the
 * app's launch URL: its registered launch_uri with iss (our FHIR base)
 * and launch added to the query.
 *
 * It reads the master key file (mode 0600): run it as root or as the
 * user Apache runs the gateway as.
 *
 * Exit status: 0 done, 1 failed, 2 usage error.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "bounds.h"
#include "clients.h"
#include "config.h"
#include "context.h"
#include "form.h"
#include "identity.h"
#include "mem.h"
#include "proc.h"
#include "url.h"

static const char *progname = "smartgate-launch";

static void
usage(void)
{
	fprintf(stderr,
	    "usage: %s [-c smartgate.conf] [-p patient-id] [-e encounter-id]\n"
	    "           [-i intent] [-x fhirContext-json] [-b true|false]\n"
	    "           [-s smart_style_url] [-a app-client-id] [-u]\n"
	    "Prints a launch value for an EHR launch (-u: the app's launch "
	    "URL; needs -a).\n"
	    "-c defaults to $SMARTGATE_CONF.  Reads the master key file: run "
	    "as root or\n"
	    "as the user Apache runs smartgate as.\n", progname);
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

/* A bad option value: says which and why, then the usage (exit 2). */
static void
bad(char opt, const char *why)
{
	warnx_("-%c: %s", opt, why);
	usage();
}

/* Stores an option's value; a repeated option is a usage error. */
static void
set_once(const char **slot, char opt, const char *value)
{
	if (*slot != NULL)
		bad(opt, "given twice");
	*slot = value;
}

/* What the endpoint's form allows (cgi-bin/launch.c, params). */
static int
token_ok(const char *v, size_t max)
{
	size_t	 len = strlen(v);

	return len <= max && sg_check_token(v, len);
}

/* The options, as given. */
struct args {
	const char	*conf, *patient, *encounter, *intent, *fhir;
	const char	*banner, *style, *app;
	int		 url;
};

/*
 * Checks what needs no configuration, by the endpoint's rules
 * (sg_context_check); fills c with copies.
 */
static void
check_args(const struct args *a, struct sg_context *c)
{
	static const struct {
		const char	*member;
		char		 opt;
	} opts[] = {
		{ "patient", 'p' }, { "encounter", 'e' }, { "fhirContext", 'x' },
		{ "intent", 'i' }, { "smart_style_url", 's' },
		{ "need_patient_banner", 'b' }, { "client_id", 'a' },
	};
	const char	*member, *why;
	size_t		 i, len;

	if (a->patient != NULL && !sg_identity_id_ok(a->patient))
		bad('p', "not a FHIR id ([A-Za-z0-9-.]{1,64}, not \".\" or "
		    "\"..\")");
	if (a->encounter != NULL && !sg_identity_id_ok(a->encounter))
		bad('e', "not a FHIR id ([A-Za-z0-9-.]{1,64}, not \".\" or "
		    "\"..\")");
	if (a->intent != NULL && !sg_context_intent_ok(a->intent))
		bad('i', "a token: [A-Za-z0-9._:/-], at most 128 characters");
	if (a->style != NULL && !sg_context_style_url_ok(a->style))
		bad('s', "an absolute https URL (http only on a loopback "
		    "host), at most 2048 characters");
	if (a->app != NULL && !token_ok(a->app, 128))
		bad('a', "not a client id");
	if (a->banner != NULL && strcmp(a->banner, "true") != 0 &&
	    strcmp(a->banner, "false") != 0)
		bad('b', "true or false");
	if (a->url && a->app == NULL)
		bad('u', "needs -a, the app to launch");
	if (a->fhir != NULL) {
		len = strlen(a->fhir);
		if (len > SG_MAX_FHIR_CONTEXT || !sg_check_text(a->fhir, len) ||
		    (c->fhir_context = sg_context_parse_fhir(a->fhir)) == NULL)
			bad('x', "fhirContext must be a JSON array of objects "
			    "each with a reference (Type/id), canonical or "
			    "identifier, and optionally type and role");
	}
	if (a->banner != NULL)
		c->need_patient_banner = strcmp(a->banner, "true") == 0;
	if (a->patient != NULL)
		c->patient = sg_xstrdup(a->patient);
	if (a->encounter != NULL)
		c->encounter = sg_xstrdup(a->encounter);
	if (a->intent != NULL)
		c->intent = sg_xstrdup(a->intent);
	if (a->style != NULL)
		c->smart_style_url = sg_xstrdup(a->style);
	if (a->app != NULL)
		c->client_id = sg_xstrdup(a->app);
	/* The whole context, as sg_launch_open will check it. */
	if ((member = sg_context_check(c, &why)) != NULL) {
		for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
			if (strcmp(opts[i].member, member) == 0)
				bad(opts[i].opt, why);
		bad('?', why);
	}
}

/*
 * Mints the launch and prints it (or the app's launch URL).  Needs the
 * configuration and keys loaded in p.
 */
static int
mint(struct sg_proc *p, const struct args *a, const struct sg_context *c)
{
	const struct sg_config	*cfg = p->cfg;
	const struct sg_client	*app = NULL;
	const char		*names[2] = { "iss", "launch" };
	const char		*values[2];
	char			 err[1024], *launch = NULL, *url = NULL;
	int			 rc = 1;

	if (cfg->clients_file != NULL) {
		if ((p->clients = sg_clients_load(cfg->clients_file, err,
		    sizeof(err))) == NULL) {
			warnx_("%s", err);
			goto out;
		}
		if (a->app != NULL &&
		    (app = sg_clients_find(p->clients, a->app)) == NULL) {
			warnx_("%s: no client \"%s\"", cfg->clients_file,
			    a->app);
			goto out;
		}
	}
	if (a->url) {
		if (app == NULL) {
			warnx_("-u: %s has no client registry (clients_file) "
			    "to find the launch_uri of \"%s\"", cfg->path,
			    a->app);
			goto out;
		}
		if (app->launch_uri == NULL) {
			warnx_("-u: client \"%s\" has no launch_uri", a->app);
			goto out;
		}
	}
	if ((launch = sg_launch_seal(p->keys, c, time(NULL) +
	    cfg->launch_ttl)) == NULL) {
		warnx_("cannot seal the launch context");
		goto out;
	}
	if (a->url) {
		/* SMART App Launch "EHR launch": launch_uri?iss=…&launch=… */
		values[0] = cfg->fhir_base;
		values[1] = launch;
		url = sg_url_with_query(app->launch_uri, names, values, 2);
		printf("%s\n", url);
	} else
		printf("%s\n", launch);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		warnx_("cannot write the launch");
		goto out;
	}
	rc = 0;
out:
	free(url);
	free(launch);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct args		 a;
	struct sg_context	 c;
	struct sg_proc		 p;
	const char		*env;
	int			 ch, rc;

	memset(&a, 0, sizeof(a));
	memset(&c, 0, sizeof(c));
	memset(&p, 0, sizeof(p));
	c.need_patient_banner = -1;
	while ((ch = getopt(argc, argv, "a:b:c:e:i:p:s:ux:")) != -1) {
		switch (ch) {
		case 'a':
			set_once(&a.app, 'a', optarg);
			break;
		case 'b':
			set_once(&a.banner, 'b', optarg);
			break;
		case 'c':
			set_once(&a.conf, 'c', optarg);
			break;
		case 'e':
			set_once(&a.encounter, 'e', optarg);
			break;
		case 'i':
			set_once(&a.intent, 'i', optarg);
			break;
		case 'p':
			set_once(&a.patient, 'p', optarg);
			break;
		case 's':
			set_once(&a.style, 's', optarg);
			break;
		case 'u':
			a.url = 1;
			break;
		case 'x':
			set_once(&a.fhir, 'x', optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (a.conf != NULL && *a.conf == '\0')
		bad('c', "empty file name");
	env = getenv("SMARTGATE_CONF");
	if (a.conf == NULL && (env == NULL || *env == '\0')) {
		warnx_("no configuration: give -c or set SMARTGATE_CONF");
		usage();
	}
	check_args(&a, &c);
	/* sg_proc_load reads the file named by $SMARTGATE_CONF. */
	if (a.conf != NULL && setenv("SMARTGATE_CONF", a.conf, 1) == -1) {
		warnx_("cannot set SMARTGATE_CONF");
		rc = 1;
		goto out;
	}
	if (sg_proc_load(&p, progname, 0) == -1) {
		rc = 1;
		goto out;
	}
	rc = mint(&p, &a, &c);
out:
	sg_proc_free(&p);
	sg_context_clear(&c);
	return rc;
}
