/*
 * The configuration: one file named by SMARTGATE_CONF, read once at
 * start-up and checked completely (docs/DESIGN.md "Configuration").
 *
 * Syntax: one "name value" per line; '#' starts a comment; blank lines
 * are ignored; a name may appear once, except list settings, which may
 * also take several space-separated values on one line.  An unknown
 * name, a missing required setting or an invalid value is an error
 * whose message names the setting, the file and the line.
 *
 * Details: a comment is a line whose first non-blank character is '#'
 * (a value may contain '#', as in "#1f5fa8"); CRLF line endings are
 * accepted; values are printable ASCII; only site_name and the style_*
 * settings may contain inner spaces.  The list settings are signing_key
 * (at most 8, the first signs), cors_origins ("*" sets cors_any and
 * is not stored; other entries are origins, stored in lower case) and
 * fhir_operations (at most 16).
 */
#ifndef SG_CONFIG_H
#define SG_CONFIG_H

#include <stddef.h>

struct sg_config {
	char	*path;			/* the file this came from */

	/* Where we are. */
	char	*public_url;		/* "https://gw.example.org", no trailing '/' */
	char	*fhir_path;		/* "/fhir": our FHIR base path */
	char	*auth_path;		/* "/auth": our OAuth endpoints */
	char	*fhir_base;		/* derived: public_url + fhir_path */
	char	*issuer;		/* "issuer" or public_url + auth_path */

	/* The upstream FHIR server. */
	char	*upstream_fhir;		/* base URL, no trailing '/' */
	char	*upstream_fhir_token_file; /* optional static bearer token */
	char	*upstream_ca_file;	/* optional CA bundle for upstream TLS */
	long	 upstream_timeout_ms;	/* default SG_UPSTREAM_TIMEOUT_MS */
	/*
	 * Or OAuth 2.0 client credentials at the upstream's identity
	 * provider (RFC 6749 §4.4; Azure Health Data Services with Entra
	 * ID): all three, and a scope where the provider wants one.
	 */
	char	*upstream_token_url;
	char	*upstream_client_id;
	char	*upstream_client_secret_file;
	char	*upstream_scope;	/* ".../.default" */
	/* The FHIR proxy. */
	char	*fhir_operations[17];	/* operations allowed besides
					   $everything: names without '$',
					   NULL-terminated */
	size_t	 nfhir_operations;
	long	 fhir_filter_max;	/* bytes of an upstream answer the
					   proxy must check (parsed whole) */

	/* The upstream OpenID Connect provider. */
	char	*idp_issuer;		/* optional here; login at an IdP needs it */
	char	*idp_client_id;
	char	*idp_client_secret_file;
	char	*idp_user_claim;	/* default "fhirUser" */
	/*
	 * Asked of the IdP; default "openid profile fhirUser": "fhirUser"
	 * asks for the FHIR identity claim where the IdP knows the scope
	 * (SMART App Launch "fhirUser"); Entra ID refuses scopes it does not
	 * know, and sends its optional claims without one.
	 */
	char	*idp_scope;

	/* Who the user is. */
	char	*login;			/* "oidc" (default) or "remote_user" */
	char	*user_map_file;		/* JSON {"user": "Patient/123"}, optional */

	/* Keys. */
	char	*signing_keys[8];	/* PEM private keys; [0] signs */
	size_t	 nsigning_keys;
	char	*master_key_file;	/* sealing secrets (see keys.h) */

	/* Lifetimes, seconds. */
	long	 access_token_ttl;	/* default 3600, max SG_TTL_ACCESS_MAX */
	long	 refresh_token_ttl;	/* default 90 days */
	long	 code_ttl;		/* default 60 */
	long	 transaction_ttl;	/* default 600 */
	long	 launch_ttl;		/* default 300 */
	long	 metadata_cache_ttl;	/* default 300; 0 disables the cache */

	/* CORS (Fetch standard): "*" or exact origins. */
	char	*cors_origins[32];
	size_t	 ncors_origins;
	int	 cors_any;		/* cors_origins contained "*" */

	/* Pages and branding. */
	char	*templates_dir;		/* absolute path */
	char	*static_url;		/* URL path or URL of static/ */
	char	*site_name;		/* default "smartgate" */
	char	*logo_url;		/* optional */
	char	*style_color_background;	/* smart-style.json, defaults */
	char	*style_color_highlight;
	char	*style_color_modal_backdrop;
	char	*style_font_family;
	char	*style_dim_border_radius;
	char	*style_dim_font_size;
	char	*style_dim_spacing_size;

	/*
	 * The ledger: "lmdb:/path/to/dir" (default /var/lib/smartgate/ledger),
	 * "redis:host:port" or "none"; "rediss:host:port" parses, but
	 * sg_ledger_open() refuses it (no TLS in hiredis 0.14).
	 */
	char	*ledger;
	/* Its LMDB map size, bytes: the most the file grows to (LEDGER.md). */
	long	 ledger_map_size;	/* default SG_LEDGER_MAP_SIZE */
	/* Redis AUTH password, a 0600 file; only with a redis: ledger. */
	char	*ledger_password_file;	/* absolute path, optional */

	/* Client registry (RFC 7591 metadata); the OAuth programs need it. */
	char	*clients_file;
};

/*
 * Reads and checks the file at path.  On success stores a new config
 * in *out (caller frees with sg_config_free) and returns 0.  On failure
 * returns -1 and writes into err a message naming the file, the line
 * where there is one, and the setting.
 */
int	sg_config_load(const char *path, struct sg_config **out,
	    char *err, size_t errlen);

/*
 * Like sg_config_load, over len bytes of text already in memory; path
 * is only used in messages.  For sg_config_load and the fuzz target.
 */
int	sg_config_parse(const char *path, const char *text, size_t len,
	    struct sg_config **out, char *err, size_t errlen);

/*
 * Where the programs find their configuration, first match wins:
 *   1. $SMARTGATE_CONF, when set and not empty (the Apache drop-in and
 *      the .deb pass it with FcgidInitialEnv); used even if missing;
 *   2. etc/smartgate.conf in the folder above the program's own
 *      (exe: /proc/self/exe), the shared-hosting layout of
 *      `make install-cgi`: suEXEC empties the environment, so 1 is
 *      not there;
 *   3. def, fixed at build time (SG_CONF_DEFAULT, from SYSCONFDIR).
 * Writes the chosen path into out and returns 0; returns -1 when 2 and
 * 3 do not exist, with the paths tried in out.  env, exe or def may be
 * NULL (not tried).
 */
int	sg_config_locate(const char *env, const char *exe, const char *def,
	    char *out, size_t outlen);

/*
 * sg_config_locate() with $SMARTGATE_CONF, the running program's own
 * path and SG_CONF_DEFAULT: the file the programs read (and the tools,
 * installed beside them).  Returns 0, or -1 with the paths tried in out.
 */
int	sg_config_find(char *out, size_t outlen);

/*
 * Loads the file sg_config_find() names; on failure logs the message
 * and returns NULL.  For program start-up.
 */
struct sg_config *sg_config_from_env(void);

/* Frees cfg and everything it holds; NULL is fine. */
void	sg_config_free(struct sg_config *cfg);

#endif
