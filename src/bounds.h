/*
 * Every size and time limit of smartgate, in one place (docs/DESIGN.md).
 * A value read from the configuration may only lower or pick within
 * these; nothing request-driven is allowed past them.
 */
#ifndef SG_BOUNDS_H
#define SG_BOUNDS_H

/* Request side. */
#define SG_MAX_URI		8192	/* REQUEST_URI incl. query */
#define SG_MAX_QUERY		8192	/* QUERY_STRING */
#define SG_MAX_FORM_BODY	65536	/* application/x-www-form-urlencoded */
#define SG_MAX_FHIR_BODY	(16L * 1024 * 1024) /* FHIR request body (the
						       coming fhir-proxy) */
#define SG_MAX_PARAMS		64	/* parameters in one query or form */
#define SG_MAX_PARAM_NAME	64	/* bytes, decoded */
#define SG_MAX_PARAM_VALUE	4096	/* bytes, decoded */
#define SG_MAX_URL		2048	/* an absolute URL we check or keep:
					   redirect_uri, aud, jwks_uri, IdP
					   endpoints, configured URLs; a plain
					   number: url.c stringizes it */
#define SG_MAX_HEADER		8192	/* one request header value */
#define SG_MAX_COOKIE		4096	/* one cookie value */
#define SG_BODY_READ_CHUNK	65536	/* bytes per read of a request body */
#define SG_MAX_STDIN_DRAIN	(1L * 1024 * 1024) /* request body left unread
					   that a kept FastCGI connection
					   still reads past; more closes it */
#define SG_MAX_PARAMS_DECL	32	/* parameters one endpoint declares (a
					   bit each in struct sg_form) */

/* Parameters of the endpoints' input tables (decoded bytes). */
#define SG_MAX_KEYWORD		64	/* a value from a fixed list:
					   response_type, grant_type,
					   code_challenge_method, decision,
					   _format, client_assertion_type */
#define SG_MAX_STATE		1024	/* an app's state, echoed back */
#define SG_MAX_NONCE		512	/* an app's OpenID nonce */
#define SG_MAX_SCOPE		SG_MAX_PARAM_VALUE /* a scope list */
#define SG_MAX_SCOPE_FORM	16384	/* the consent form's scope boxes,
					   joined: sub-scopes add to the
					   scope the app asked for */
#define SG_MAX_CLIENT_SECRET	256	/* client_secret, bytes */
#define SG_MAX_PICKER_QUERY	128	/* the patient picker's name search */
#define SG_MAX_IDP_CODE		2048	/* the IdP's authorization code */
#define SG_MAX_IDP_STATE	64	/* our state at the IdP comes back
					   (22 characters) */
#define SG_PKCE_CHALLENGE_LEN	43	/* RFC 7636 §4.2: S256, base64url */
#define SG_PKCE_VERIFIER_MIN	43	/* RFC 7636 §4.1 */
#define SG_PKCE_VERIFIER_MAX	128
#define SG_CSRF_LEN		22	/* the consent form token */
#define SG_GRANT_ID_LEN		22	/* a grant id: 16 random bytes,
					   base64url (grant.h) */

/* Response side. */
#define SG_MAX_RESP_HEADERS	24	/* headers added to one answer */
#define SG_MAX_RESP_HEADER	32768	/* one "Name: value" header line */
#define SG_MAX_ERROR_DESC	256	/* error_description in a challenge,
					   bytes incl. NUL */
#define SG_RESP_WRITE_CHUNK	(1 << 20) /* bytes per FCGX_PutStr */

/* Logging (log.h). */
#define SG_MAX_LOG_LINE		2048	/* one line, newline included */
#define SG_MAX_LOG_PROGRAM	32	/* program name in every line */
#define SG_MAX_LOG_PATH		512	/* the path in the access line */

/* Templates (tmpl.h). */
#define SG_MAX_TMPL_NAME	64	/* a template file name */
#define SG_MAX_TMPL_FILE	(256 * 1024) /* a template file (an int: %d) */

/* Tokens and JSON. */
#define SG_MAX_JWT		16384	/* a compact JWT, any kind */
#define SG_MAX_JSON_DEPTH	32	/* json-c tokener depth */
#define SG_MAX_SEALED		8192	/* a sealed envelope, encoded */
#define SG_MIN_RSA_BITS		2048	/* weaker RSA keys are refused */
#define SG_MAX_RSA_BITS		8192	/* bounds the cost of a verification */
#define SG_MAX_LEEWAY		86400L	/* seconds of clock skew, at most */

/* Upstream. */
#define SG_MAX_UPSTREAM_BODY	(32L * 1024 * 1024) /* FHIR answer (the
						       coming fhir-proxy) */
#define SG_MAX_UPSTREAM_SMALL	(1L * 1024 * 1024) /* JWKS, discovery, token answers */
#define SG_MAX_CAPABILITY	(8L * 1024 * 1024) /* upstream CapabilityStatement */
#define SG_UPSTREAM_CONNECT_MS	3000
#define SG_UPSTREAM_TIMEOUT_MS	10000	/* default; config may lower or raise up to ... */
#define SG_UPSTREAM_TIMEOUT_MAX_MS 120000
#define SG_MAX_UPSTREAM_HEADER	SG_MAX_URI /* a kept answer header value
					      (Location: a URL); longer is
					      dropped */

/* Upstream identity provider (oidc.h). */
#define SG_MAX_IDP_SECRET	1024	/* our client secret there, bytes */
#define SG_MAX_IDP_SUB		255	/* OpenID Connect Core §2 "sub" */
#define SG_MAX_IDP_ERROR	64	/* OAuth error code we log */
#define SG_MAX_IDP_TEXT		1024	/* name, fhirUser */

/* Configuration. */
#define SG_MAX_CONF_FILE	65536	/* the configuration file */
#define SG_MAX_CONF_LINE	2048
#define SG_MAX_LIST		32	/* entries in a list setting */
#define SG_MAX_KEY_FILE		65536	/* PEM or master key file */

/* Client registry (clients.h). */
#define SG_MAX_CLIENTS_FILE	(4L * 1024 * 1024) /* the clients file */
#define SG_MAX_CLIENT_ID	128	/* client_id, characters */
#define SG_MAX_CLIENT_NAME	256	/* client_name, bytes */
#define SG_MAX_CLIENT_REDIRECTS	32	/* redirect_uris of one client */
#define SG_MAX_CLIENT_KEYS	8	/* keys in one client's jwks */

/* Ledger (ledger.h). */
#define SG_LEDGER_MAP_SIZE	(64L * 1024 * 1024) /* LMDB map (default of
						       ledger_map_size): the most the
						       ledger file grows to; 3/4
						       for entries, the rest is
						       headroom for purging; full
						       means fail closed */
#define SG_LEDGER_MAP_MIN	(1L * 1024 * 1024) /* ledger_map_size, at least:
						     a few thousand records */
#define SG_LEDGER_MAP_MAX	(1L << 40) /* ledger_map_size, at most: 1 TiB
					      of address space (64-bit) */
#define SG_LEDGER_KEY_MAX	255	/* bytes of one ledger key */
#define SG_LEDGER_DIR_MAX	1024	/* the LMDB directory, bytes; well
					   within PATH_MAX */
#define SG_LEDGER_REDIS_TIMEOUT_MS 1000	/* Redis ledger: connect, and each
					   command; then fail closed (503) */
#define SG_LEDGER_REDIS_TTL_SLACK 60	/* seconds a Redis record outlives
					   its expiry: clock skew between
					   gateways (ledger_redis.c) */
#define SG_LEDGER_REDIS_TTL_MAX	(1ULL << 31) /* a Redis record's TTL, at
					   most: 68 years */
#define SG_LEDGER_PASSWORD_MAX	512	/* ledger_password_file, bytes */

/* Pages (cgi-bin). */
#define SG_MAX_PICKER		20	/* patients listed by one search;
					   a plain number: consent.c sends
					   it as _count, stringized */

/* FHIR ids and the launch context (identity.h, context.h). */
#define SG_MAX_BATCH		1000	/* entries in one batch or transaction */
#define SG_MAX_FHIR_ID		64	/* FHIR R4 "id", characters */
#define SG_MAX_FHIR_CONTEXT	4096	/* fhirContext JSON, bytes */
#define SG_MAX_INTENT		128	/* launch intent, characters */

/* Lifetimes, seconds (docs/DESIGN.md "Artifacts"). */
#define SG_TTL_ACCESS_MAX	3600
#define SG_TTL_BACKEND_MAX	300	/* SMART Backend Services tokens
					   (client_credentials, coming) */
#define SG_TTL_CODE_MAX		60
#define SG_TTL_TRANSACTION_MAX	600
#define SG_TTL_MANAGE_SESSION	900	/* the connected-apps page's sign-in
					   (session.h): a short visit */
#define SG_TTL_CACHE_MAX	86400
#define SG_TTL_ONLINE_REFRESH	43200	/* online_access: a working day, not months */
#define SG_TTL_IDP_DISCOVERY	3600	/* upstream IdP discovery document cache */
#define SG_TTL_IDP_JWKS		3600	/* upstream IdP JWKS cache */
#define SG_IDP_JWKS_REFETCH_MIN	60	/* unknown kid: earliest early JWKS re-fetch */
#define SG_TTL_CLIENT_JWKS	300	/* a client's jwks_uri document cache */
#define SG_CLIENT_JWKS_REFETCH_MIN 30	/* earliest re-fetch of one jwks_uri */
#define SG_CLIENT_JWKS_TIMEOUT_MS 5000	/* a jwks_uri fetch, whole request */
#define SG_MAX_CLIENT_JWKS_CACHE 64	/* jwks_uri documents cached */
#define SG_MAX_JWKS_KEYS	16	/* keys kept from one fetched JWKS (jwkscache.h) */
#define SG_MAX_ASSERTION_LIFETIME 300	/* client assertion: exp - now */
#define SG_ASSERTION_LEEWAY	60	/* clock skew for iat/nbf */
#define SG_CLOCK_SKEW_WARN	5	/* smartgate-check: seconds of skew
					   against a peer's Date that it
					   warns about; past SG_ASSERTION_LEEWAY
					   (what tokens tolerate) it fails */

#endif
