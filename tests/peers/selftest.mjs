// Self-check of the test peers: starts idp.mjs and fhir.mjs on free ports,
// runs an OIDC code flow with PKCE through plain fetch and a few FHIR calls.
// Prints "N passed, N failed"; exit status 1 on any failure.
//   node selftest.mjs

import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { browserlessLogin, CookieJar, pkcePair } from './oidc-login.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const children = [];
let passed = 0;
let failed = 0;

function check(name, cond, detail = '') {
	if (cond) {
		passed++;
		console.log(`ok   ${name}`);
	} else {
		failed++;
		console.log(`FAIL ${name}${detail ? `: ${detail}` : ''}`);
	}
}

async function expectThrow(name, fn, re) {
	try {
		await fn();
		check(name, false, 'no error');
	} catch (err) {
		check(name, re.test(err.message), err.message.split('\n')[0]);
	}
}

function freePort() {
	return new Promise((resolve, reject) => {
		const s = net.createServer();
		s.on('error', reject);
		s.listen(0, '127.0.0.1', () => {
			const { port } = s.address();
			s.close(() => resolve(port));
		});
	});
}

// Spawns a peer and resolves once it prints its "listening on" line.
function start(script, argv, ready) {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [path.join(here, script), ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
		children.push(child);
		let out = '';
		const timer = setTimeout(() => reject(new Error(`${script} not ready:\n${out}`)), 30000);
		const onData = (d) => {
			out += d;
			if (out.includes(ready)) {
				clearTimeout(timer);
				resolve(child);
			}
		};
		child.stdout.on('data', onData);
		child.stderr.on('data', (d) => {
			out += d;
			if (process.env.VERBOSE)
				process.stderr.write(d);
		});
		child.on('exit', (code) => {
			clearTimeout(timer);
			reject(new Error(`${script} exited ${code}:\n${out}`));
		});
	});
}

function b64json(s) {
	return JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
}

// Verifies an RS256 JWS against a JWKS (kid must match) and returns its claims.
function verifyJwt(jwt, jwks) {
	const [h, p, sig] = jwt.split('.');
	const header = b64json(h);
	if (header.alg !== 'RS256')
		throw new Error(`alg ${header.alg}`);
	const jwk = jwks.keys.find((k) => k.kid === header.kid);
	if (!jwk)
		throw new Error('kid not in JWKS');
	const ok = crypto.verify('RSA-SHA256', Buffer.from(`${h}.${p}`), crypto.createPublicKey({ key: jwk, format: 'jwk' }),
		Buffer.from(sig, 'base64url'));
	if (!ok)
		throw new Error('bad signature');
	return b64json(p);
}

async function getJson(url, opts = {}) {
	const res = await fetch(url, opts);
	const text = await res.text();
	let json;
	try {
		json = JSON.parse(text);
	} catch {
		json = undefined;
	}
	return { status: res.status, type: res.headers.get('content-type') || '', json, text };
}

// One authorization code flow; returns the token response and the checks' inputs.
async function codeFlow({ disco, client, username, password, verifierOverride }) {
	const { verifier, challenge } = pkcePair();
	const state = crypto.randomBytes(12).toString('base64url');
	const nonce = crypto.randomBytes(12).toString('base64url');
	const redirectUri = client.redirect_uris[0];
	const u = new URL(disco.authorization_endpoint);
	u.search = new URLSearchParams({ response_type: 'code', client_id: client.client_id, redirect_uri: redirectUri,
		scope: 'openid profile email fhirUser', state, nonce, code_challenge: challenge,
		code_challenge_method: 'S256' }).toString();
	const finalUrl = await browserlessLogin({ authorizeUrl: u.href, username, password, cookieJar: new CookieJar(),
		stopPrefix: redirectUri });
	const cb = new URL(finalUrl);
	const body = new URLSearchParams({ grant_type: 'authorization_code', code: cb.searchParams.get('code') || '',
		redirect_uri: redirectUri, code_verifier: verifierOverride || verifier });
	const headers = { 'content-type': 'application/x-www-form-urlencoded' };
	if (client.token_endpoint_auth_method === 'none')
		body.set('client_id', client.client_id);
	else
		headers.authorization = `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`;
	const tok = await getJson(disco.token_endpoint, { method: 'POST', headers, body });
	return { cb, state, nonce, tok };
}

async function run() {
	const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'peers-selftest-'));
	try {
		const [idpPort, fhirPort] = [await freePort(), await freePort()];
		const issuer = `http://127.0.0.1:${idpPort}`;
		const base = `http://127.0.0.1:${fhirPort}/fhir`;
		const confidential = { client_id: 'gateway', client_secret: crypto.randomBytes(16).toString('hex'),
			redirect_uris: ['http://127.0.0.1:1/auth/callback'], token_endpoint_auth_method: 'client_secret_basic',
			grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] };
		const pub = { client_id: 'public-app', redirect_uris: ['http://127.0.0.1:1/app/cb'],
			token_endpoint_auth_method: 'none', grant_types: ['authorization_code'], response_types: ['code'] };
		const clientsFile = path.join(tmp, 'clients.json');
		fs.writeFileSync(clientsFile, JSON.stringify([confidential, pub]));

		await Promise.all([
			start('idp.mjs', ['--port', String(idpPort), '--issuer', issuer, '--clients', clientsFile],
				`idp listening on ${issuer}`),
			start('fhir.mjs', ['--port', String(fhirPort), '--base', base, '--test-hooks'], `fhir listening on ${base}`),
		]);

		// --- OIDC
		const disco = (await getJson(`${issuer}/.well-known/openid-configuration`)).json;
		check('discovery issuer', disco?.issuer === issuer);
		check('discovery S256', disco?.code_challenge_methods_supported?.includes('S256'));
		check('discovery fhirUser scope', disco?.scopes_supported?.includes('fhirUser'));
		const jwks = (await getJson(disco.jwks_uri)).json;
		check('jwks has RS256 key', jwks?.keys?.some((k) => k.kty === 'RSA' && k.alg === 'RS256' && !k.d));

		const f = await codeFlow({ disco, client: confidential, username: 'patient', password: 'patient' });
		check('callback state', f.cb.searchParams.get('state') === f.state);
		check('callback iss (RFC 9207)', f.cb.searchParams.get('iss') === issuer);
		check('token endpoint 200', f.tok.status === 200, f.tok.text);
		check('refresh_token issued', typeof f.tok.json?.refresh_token === 'string');
		let claims = {};
		try {
			claims = verifyJwt(f.tok.json.id_token, jwks);
			check('id_token signature', true);
		} catch (err) {
			check('id_token signature', false, err.message);
		}
		const now = Date.now() / 1000;
		check('id_token iss/aud', claims.iss === issuer && claims.aud === confidential.client_id);
		check('id_token nonce', claims.nonce === f.nonce);
		check('id_token fhirUser', claims.fhirUser === 'Patient/pat-1', JSON.stringify(claims));
		check('id_token name', claims.name === 'Amy Shaw');
		check('id_token exp short', claims.exp > now && claims.exp - now <= 600);
		const ui = await getJson(disco.userinfo_endpoint, { headers: { authorization: `Bearer ${f.tok.json?.access_token}` } });
		check('userinfo fhirUser', ui.json?.fhirUser === 'Patient/pat-1', ui.text);
		const rt = await getJson(disco.token_endpoint, { method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded', authorization:
				`Basic ${Buffer.from(`${confidential.client_id}:${confidential.client_secret}`).toString('base64')}` },
			body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: f.tok.json?.refresh_token || '' }) });
		check('refresh grant', rt.status === 200 && typeof rt.json?.id_token === 'string', rt.text);

		const d = await codeFlow({ disco, client: pub, username: 'doctor', password: 'doctor' });
		const dclaims = d.tok.status === 200 ? verifyJwt(d.tok.json.id_token, jwks) : {};
		check('public client + PKCE: doctor fhirUser', dclaims.fhirUser === 'Practitioner/prac-1', d.tok.text);
		const bad = await codeFlow({ disco, client: pub, username: 'patient2', password: 'patient2',
			verifierOverride: pkcePair().verifier });
		check('wrong code_verifier rejected', bad.tok.status === 400 && bad.tok.json?.error === 'invalid_grant', bad.tok.text);
		await expectThrow('wrong password shows login again',
			() => codeFlow({ disco, client: confidential, username: 'patient', password: 'nope' }), /login rejected/);

		// --- FHIR
		const md = await getJson(`${base}/metadata`);
		check('metadata', md.status === 200 && md.json?.fhirVersion === '4.0.1' && md.json?.rest?.[0]?.mode === 'server'
			&& md.json?.implementation?.url === base);
		check('content-type fhir+json', md.type.startsWith('application/fhir+json'));
		const p1 = await getJson(`${base}/Patient/pat-1`);
		check('read Patient/pat-1', p1.status === 200 && p1.json?.name?.[0]?.family === 'Shaw');
		const labs = await getJson(`${base}/Observation?patient=pat-1&category=laboratory`);
		const le = labs.json?.entry || [];
		check('lab search: >= 2 results', le.length >= 2, labs.text.slice(0, 200));
		check('lab search: only pat-1 labs', le.every((e) => e.resource.subject.reference === 'Patient/pat-1'
			&& e.resource.category[0].coding[0].code === 'laboratory'));
		check('lab search: absolute fullUrl', le.every((e) => e.fullUrl === `${base}/Observation/${e.resource.id}`));
		const conds = await getJson(`${base}/Condition?patient=Patient/pat-2`);
		const ce = conds.json?.entry || [];
		const cats = new Set(ce.map((e) => e.resource.category[0].coding[0].code));
		check('condition search pat-2', ce.length >= 2 && ce.every((e) => e.resource.subject.reference === 'Patient/pat-2')
			&& cats.has('problem-list-item') && cats.has('encounter-diagnosis'));
		const nf = await getJson(`${base}/Patient/does-not-exist`);
		check('read missing -> 404', nf.status === 404 && nf.json?.resourceType === 'OperationOutcome');
		const t0 = Date.now();
		const slow = await getJson(`${base}/metadata?__delay=300`);
		check('test hook metadata delay', slow.status === 200 && Date.now() - t0 >= 290);
	} finally {
		fs.rmSync(tmp, { recursive: true, force: true });
	}
}

try {
	await run();
} catch (err) {
	failed++;
	console.log(`FAIL exception: ${err.stack || err}`);
} finally {
	for (const c of children) {
		if (c.exitCode === null) {
			c.removeAllListeners('exit');
			c.kill('SIGTERM');
		}
	}
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
