// Test-only upstream OpenID Connect provider (built on oidc-provider) for
// smartgate's integration tests.  Not part of the product.
//
// Usage:
//   node idp.mjs --port 9001 --issuer http://127.0.0.1:9001 --clients clients.json
//       [--resource http://127.0.0.1:9002/fhir]... [--user-claim NAME]
//       [--fhir-user-base URL] [--claim-scope SCOPE] [--only-scopes "a b"]
//
// Shaped like a hosted provider for the recipes in docs/: an issuer with
// a path (Entra ID's https://login.microsoftonline.com/TENANT/v2.0,
// Keycloak's https://host/realms/NAME) is served under that path;
// --user-claim names the claim that carries the user's FHIR identity
// (default fhirUser; Entra emits a directory extension attribute as
// extension_APPID_NAME), and --fhir-user-base turns its relative values
// into absolute URLs on that FHIR base.  --claim-scope is the scope
// that releases that claim (default fhirUser; openid puts it in every
// id_token, as Entra's optional claims are); with --only-scopes an
// authorization request with any other scope is refused, as Entra
// refuses scopes it does not know.
//
// clients.json is an array of oidc-provider client metadata, e.g.
//   [{ "client_id": "smartgate", "client_secret": "s3cret",
//      "redirect_uris": ["http://127.0.0.1:8080/auth/callback"],
//      "token_endpoint_auth_method": "client_secret_basic",
//      "grant_types": ["authorization_code", "refresh_token"],
//      "response_types": ["code"] }]
//
// Demo users (username / password -> claims):
//   patient  / patient   Amy Shaw          fhirUser Patient/pat-1
//   doctor   / doctor    Dr. Ron Marshall  fhirUser Practitioner/prac-1
//   patient2 / patient2  Jon Carter        fhirUser Patient/pat-2
//
// Behaviour: authorization code flow (PKCE S256 accepted, required for public
// clients), scopes openid profile email fhirUser offline_access, the claim
// fhirUser (scope "fhirUser") and the profile claims are put in the id_token
// (conformIdTokenClaims: false), id_token RS256 with a key generated at start,
// login page at /interaction/:uid with fields "username" and "password",
// consent granted automatically, everything short-lived, in-memory storage.
// Plain http on loopback works as is: oidc-provider only marks cookies
// Secure when the request itself is secure (ctx.secure), and uses no
// __Host- cookie prefixes.
//
// Client credentials grant (RFC 6749 §4.4), for the gateway's own access to
// the FHIR server (fhir.mjs --require-token): a confidential client
// registered in the clients file with
//   { "client_id": "smartgate-upstream", "client_secret": "...",
//     "grant_types": ["client_credentials"], "response_types": [],
//     "redirect_uris": [],
//     "token_endpoint_auth_method": "client_secret_basic" (or _post) }
// POSTs grant_type=client_credentials (scope and resource optional) to the
// token endpoint.  The resource indicator (RFC 8707) defaults to the first
// --resource; a resource that is not a --resource is refused (invalid_target).
// The access token is a JWT (RFC 9068), header {"alg":"RS256","typ":
// "at+jwt","kid":...}, signed with the key in jwks_uri, with the claims
//   iss  the --issuer          aud  the resource (e.g. the FHIR base)
//   sub, client_id  the client  iat, exp (300 s), jti
//   scope  the requested scopes among "system/*.read system/*.rs
//          system/*.cruds system/*.write system/*.* RESOURCE/.default"
//          (absent if none)
// and the token response is {access_token, expires_in: 300, token_type:
// "Bearer", scope?}.  Authorization code tokens are unchanged: opaque, for
// userinfo, unless the request names a resource itself.

import http from 'node:http';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import Provider, { errors } from 'oidc-provider';

const { values: args } = parseArgs({
	options: {
		port: { type: 'string', default: '9001' },
		issuer: { type: 'string' },
		clients: { type: 'string' },
		resource: { type: 'string', multiple: true, default: [] },
		'user-claim': { type: 'string', default: 'fhirUser' },
		'fhir-user-base': { type: 'string' },
		'claim-scope': { type: 'string', default: 'fhirUser' },
		'only-scopes': { type: 'string' },
	},
});
const port = Number(args.port);
const issuer = args.issuer || `http://127.0.0.1:${port}`;
const clients = args.clients ? JSON.parse(fs.readFileSync(args.clients, 'utf8')) : [];
const resources = args.resource;
// The issuer's path, under which everything is served ('' for none).
const mount = new URL(issuer).pathname.replace(/\/$/, '');
const userClaim = args['user-claim'];
const claimScope = args['claim-scope'];
const onlyScopes = args['only-scopes'] ? new Set(args['only-scopes'].split(' ')) : null;
// SMART system scopes a client credentials token may carry (SMART App
// Launch 2.x, scopes-and-launch-context).
const SYSTEM_SCOPES = 'system/*.read system/*.rs system/*.cruds system/*.write system/*.*';

const USERS = {
	patient: { password: 'patient', claims: { name: 'Amy Shaw', given_name: 'Amy', family_name: 'Shaw',
		email: 'amy.shaw@example.org', email_verified: true, fhirUser: 'Patient/pat-1' } },
	doctor: { password: 'doctor', claims: { name: 'Dr. Ron Marshall', given_name: 'Ron', family_name: 'Marshall',
		email: 'ron.marshall@example.org', email_verified: true, fhirUser: 'Practitioner/prac-1' } },
	patient2: { password: 'patient2', claims: { name: 'Jon Carter', given_name: 'Jon', family_name: 'Carter',
		email: 'jon.carter@example.org', email_verified: true, fhirUser: 'Patient/pat-2' } },
};

// Signing key generated at start-up; its public half is served at jwks_uri.
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: crypto.randomBytes(8).toString('hex'),
	alg: 'RS256', use: 'sig' };

// The FHIR identity goes out under --user-claim, absolute with
// --fhir-user-base.
for (const u of Object.values(USERS)) {
	const { fhirUser, ...rest } = u.claims;
	u.claims = { ...rest, [userClaim]: args['fhir-user-base'] ? `${args['fhir-user-base']}/${fhirUser}` : fhirUser };
}

// Which scope releases which claims.
const CLAIMS = { openid: ['sub'], profile: ['name', 'given_name', 'family_name'], email: ['email', 'email_verified'],
	fhirUser: [] };
CLAIMS[claimScope] = [...(CLAIMS[claimScope] || []), userClaim];

const provider = new Provider(issuer, {
	clients,
	jwks: { keys: [jwk] },
	cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
	scopes: ['openid', 'offline_access', 'profile', 'email', 'fhirUser'],
	claims: CLAIMS,
	conformIdTokenClaims: false,
	responseTypes: ['code'],
	features: {
		devInteractions: { enabled: false },
		clientCredentials: { enabled: true },
		// JWT access tokens for a resource server (RFC 8707, RFC 9068): the
		// client credentials grant defaults to the first --resource, other
		// grants keep oidc-provider's default (no resource: opaque tokens).
		resourceIndicators: {
			enabled: true,
			defaultResource: async (ctx, _client, oneOf) => oneOf
				|| (ctx.oidc.params?.grant_type === 'client_credentials' ? resources[0] : undefined),
			useGrantedResource: async () => false,
			getResourceServerInfo: async (_ctx, resource) => {
				if (!resources.includes(resource))
					throw new errors.InvalidTarget(`unknown resource ${resource}`);
				// RESOURCE/.default too, the one scope Entra ID gives a
				// service principal's client credentials for a resource.
				return { audience: resource, scope: `${SYSTEM_SCOPES} ${resource}/.default`, accessTokenTTL: 300, accessTokenFormat: 'jwt',
					jwt: { sign: { alg: 'RS256' } } };
			},
		},
	},
	pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' },
	enabledJWA: { idTokenSigningAlgValues: ['RS256'] },
	interactions: { url: (_ctx, interaction) => `${mount}/interaction/${interaction.uid}` },
	ttl: { AccessToken: 300, AuthorizationCode: 60, ClientCredentials: 300, IdToken: 300, Interaction: 600,
		Session: 1800, Grant: 1800, RefreshToken: 1800 },
	// Refresh tokens whenever the client may use them (no offline_access dance).
	issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
	// Auto-consent: every requested OIDC scope/claim is granted, no consent page.
	loadExistingGrant: async (ctx) => {
		const { oidc } = ctx;
		if (!oidc.session.accountId)
			return undefined;
		const grantId = oidc.result?.consent?.grantId || oidc.session.grantIdFor(oidc.client.clientId);
		let grant = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
		if (!grant)
			grant = new oidc.provider.Grant({ clientId: oidc.client.clientId, accountId: oidc.session.accountId });
		grant.addOIDCScope(oidc.params.scope || 'openid');
		const claims = oidc.claims || {};
		grant.addOIDCClaims([...Object.keys(claims.id_token || {}), ...Object.keys(claims.userinfo || {})]);
		await grant.save();
		return grant;
	},
	findAccount: async (_ctx, sub) => {
		const user = USERS[sub];
		if (!user)
			return undefined;
		return { accountId: sub, claims: async () => ({ sub, ...user.claims }) };
	},
});

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(res, uid, details, error) {
	res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
	res.end(`<!doctype html>
<html><head><meta charset="utf-8"><title>Test IdP sign-in</title></head>
<body>
<h1>Test IdP sign-in</h1>
<p>Client: ${esc(details.params.client_id)} &mdash; scope: ${esc(details.params.scope || '')}</p>
${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
<form method="post" action="${esc(mount)}/interaction/${esc(uid)}/login" autocomplete="off">
<label>Username <input name="username" type="text" autofocus></label>
<label>Password <input name="password" type="password"></label>
<button type="submit">Sign in</button>
</form>
</body></html>`);
}

async function readForm(req) {
	const chunks = [];
	for await (const c of req)
		chunks.push(c);
	return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

async function interaction(req, res, uid, action) {
	const details = await provider.interactionDetails(req, res);
	if (details.uid !== uid)
		throw new Error('interaction mismatch');
	if (details.prompt.name === 'login') {
		if (action !== 'login' || req.method !== 'POST')
			return loginPage(res, uid, details);
		const form = await readForm(req);
		const username = form.get('username') || '';
		const user = USERS[username];
		if (!user || user.password !== (form.get('password') || ''))
			return loginPage(res, uid, details, 'Invalid username or password.');
		return provider.interactionFinished(req, res, { login: { accountId: username } },
		    { mergeWithLastSubmission: false });
	}
	// Any other prompt (consent): grant what was asked, no page.
	const grant = new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
	grant.addOIDCScope(details.params.scope || 'openid');
	const grantId = await grant.save();
	return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

const callback = provider.callback();
const server = http.createServer(async (req, res) => {
	// Mounted under the issuer's path: oidc-provider finds its mount
	// point from originalUrl, as behind a router.
	if (mount) {
		if (!req.url.startsWith(`${mount}/`)) {
			res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
			return res.end('not under the issuer\n');
		}
		req.originalUrl = req.url;
		req.url = req.url.slice(mount.length);
	}
	if (onlyScopes && /^\/auth(\?|$)/.test(req.url)) {
		const asked = new URL(req.url, issuer).searchParams.get('scope') || '';
		const unknown = asked.split(' ').filter((x) => x && !onlyScopes.has(x));
		if (unknown.length) {
			res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
			return res.end(`invalid_scope: unknown scope ${unknown.join(' ')}\n`);
		}
	}
	const m = /^\/interaction\/([\w-]+)(?:\/(login))?\/?(?:\?.*)?$/.exec(req.url);
	if (!m)
		return callback(req, res);
	try {
		await interaction(req, res, m[1], m[2]);
	} catch (err) {
		if (!res.headersSent) {
			res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
			res.end(`interaction error: ${err.name}: ${err.message}\n`);
		}
	}
});

provider.on('server_error', (_ctx, err) => console.error('idp server_error:', err));

server.listen(port, '127.0.0.1', () => {
	for (const [u, { claims }] of Object.entries(USERS))
		console.log(`idp user ${u}/${USERS[u].password}: ${claims.name}, ${userClaim} ${claims[userClaim]}`);
	for (const r of resources)
		console.log(`idp resource ${r}: client credentials tokens are JWTs with aud ${r}`);
	console.log(`idp listening on ${issuer}`);
});

function stop() {
	server.close(() => process.exit(0));
	server.closeAllConnections();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
