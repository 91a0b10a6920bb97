// Self-check of the test peers: starts idp.mjs and fhir.mjs on free ports,
// runs an OIDC code flow with PKCE through plain fetch and a few FHIR calls,
// the FHIR additions the proxy tests lean on (_include/_revinclude across
// patients, chains, _has, batch/transaction, conditional update/delete,
// PATCH, the garbage hooks), and a second fhir.mjs with --require-token fed
// by the IdP's client credentials grant.
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
		const [idpPort, fhirPort, lockedPort] = [await freePort(), await freePort(), await freePort()];
		const issuer = `http://127.0.0.1:${idpPort}`;
		const base = `http://127.0.0.1:${fhirPort}/fhir`;
		const lockedBase = `http://127.0.0.1:${lockedPort}/fhir`;
		const otherResource = 'http://127.0.0.1:1/other-fhir';
		const upstream = { client_id: 'smartgate-upstream', client_secret: crypto.randomBytes(16).toString('hex'),
			grant_types: ['client_credentials'], response_types: [], redirect_uris: [],
			token_endpoint_auth_method: 'client_secret_basic' };
		const confidential = { client_id: 'gateway', client_secret: crypto.randomBytes(16).toString('hex'),
			redirect_uris: ['http://127.0.0.1:1/auth/callback'], token_endpoint_auth_method: 'client_secret_basic',
			grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] };
		const pub = { client_id: 'public-app', redirect_uris: ['http://127.0.0.1:1/app/cb'],
			token_endpoint_auth_method: 'none', grant_types: ['authorization_code'], response_types: ['code'] };
		const clientsFile = path.join(tmp, 'clients.json');
		fs.writeFileSync(clientsFile, JSON.stringify([confidential, pub, upstream]));

		await Promise.all([
			start('idp.mjs', ['--port', String(idpPort), '--issuer', issuer, '--clients', clientsFile,
				'--resource', lockedBase, '--resource', otherResource], `idp listening on ${issuer}`),
			start('fhir.mjs', ['--port', String(fhirPort), '--base', base, '--test-hooks'], `fhir listening on ${base}`),
			start('fhir.mjs', ['--port', String(lockedPort), '--base', lockedBase, '--require-token',
				'--idp-issuer', issuer], `fhir listening on ${lockedBase}`),
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

		await fhirAdditions(base);
		await requireToken({ disco, jwks, lockedBase, otherResource, upstream, confidential, pub });
	} finally {
		fs.rmSync(tmp, { recursive: true, force: true });
	}
}

const ids = (b) => (b?.entry || []).map((e) => `${e.resource.resourceType}/${e.resource.id}`);
const modes = (b, mode) => (b?.entry || []).filter((e) => e.search?.mode === mode)
	.map((e) => `${e.resource.resourceType}/${e.resource.id}`);
const sameSet = (a, b) => a.length === b.length && [...a].sort().join() === [...b].sort().join();
const fhirJson = { 'content-type': 'application/fhir+json' };

// The search additions and write interactions of fhir.mjs.
async function fhirAdditions(base) {
	// _include: resources of other patients come along (the proxy must drop them).
	let r = await getJson(`${base}/Observation?code=718-7&_include=Observation:subject`);
	check('_include: matches', sameSet(modes(r.json, 'match'),
		['Observation/obs-pat-1-hgb', 'Observation/obs-pat-2-hgb', 'Observation/obs-pat-3-hgb']), r.text.slice(0, 300));
	check('_include: every patient included', sameSet(modes(r.json, 'include'),
		['Patient/pat-1', 'Patient/pat-2', 'Patient/pat-3']), ids(r.json).join(' '));
	check('_include: total counts matches only', r.json?.total === 3);
	r = await getJson(`${base}/MedicationRequest?patient=pat-2&_include=MedicationRequest:requester`);
	check('_include requester: Practitioner once', sameSet(modes(r.json, 'include'), ['Practitioner/prac-1']),
		ids(r.json).join(' '));
	r = await getJson(`${base}/Encounter?patient=pat-1&_include=Encounter:participant`);
	check('_include participant', sameSet(modes(r.json, 'include'), ['Practitioner/prac-1']), ids(r.json).join(' '));
	r = await getJson(`${base}/Patient?_id=pat-1&_revinclude=Observation:subject`);
	check('_revinclude: pat-1 Observations', modes(r.json, 'match').join() === 'Patient/pat-1'
		&& modes(r.json, 'include').length === 7
		&& r.json.entry.every((e) => e.resource.resourceType === 'Patient'
			|| e.resource.subject.reference === 'Patient/pat-1'), ids(r.json).join(' '));
	r = await getJson(`${base}/Observation?code=718-7&_include=Observation:subject`
		+ '&_revinclude:iterate=Condition:subject');
	const conds = modes(r.json, 'include').filter((x) => x.startsWith('Condition/'));
	check('_revinclude:iterate: Conditions of every included patient', conds.length === 9
		&& ['pat-1', 'pat-2', 'pat-3'].every((p) => conds.includes(`Condition/cond-${p}-1`)), conds.join(' '));
	r = await getJson(`${base}/Patient?_id=pat-2&_revinclude=Encounter:subject&_include:iterate=Encounter:participant`);
	check('_include:iterate from included Encounters', modes(r.json, 'include').includes('Practitioner/prac-1')
		&& modes(r.json, 'include').includes('Encounter/enc-pat-2-1'), ids(r.json).join(' '));
	r = await getJson(`${base}/Observation?patient=pat-1&_count=2&_include=Observation:subject`);
	check('_include with _count: matches paged, next link', modes(r.json, 'match').length === 2
		&& sameSet(modes(r.json, 'include'), ['Patient/pat-1']) && r.json.link.some((l) => l.relation === 'next'));

	// Chains and _has.
	r = await getJson(`${base}/Observation?subject:Patient.name=Carter&code=718-7`);
	check('chain subject:Patient.name', ids(r.json).join() === 'Observation/obs-pat-2-hgb', r.text.slice(0, 200));
	r = await getJson(`${base}/Observation?subject.name=Carter`);
	check('chain subject.name', r.json?.total === 7
		&& r.json.entry.every((e) => e.resource.subject.reference === 'Patient/pat-2'));
	r = await getJson(`${base}/Patient?_has:Observation:subject:code=718-7`);
	check('_has: patients with a hemoglobin', sameSet(ids(r.json), ['Patient/pat-1', 'Patient/pat-2', 'Patient/pat-3']));
	r = await getJson(`${base}/Patient?_has:Observation:patient:code=718-7&name=Shaw`);
	check('_has and name', ids(r.json).join() === 'Patient/pat-1');
	r = await getJson(`${base}/Patient?_has:Observation:subject:code=no-such-code`);
	check('_has: nothing found, nothing matches', r.status === 200 && ids(r.json).length === 0);
	r = await getJson(`${base}/Observation?patient=pat-3&no-such-param=1`);
	check('unknown parameter ignored, not in self link', r.json?.total === 7
		&& !r.json.link[0].url.includes('no-such-param'));

	// Batch: a response entry per request, in order, with its status.
	const batch = { resourceType: 'Bundle', type: 'batch', entry: [
		{ request: { method: 'GET', url: 'Patient/pat-3' } },
		{ request: { method: 'GET', url: 'Observation?patient=pat-2&category=laboratory' } },
		{ request: { method: 'GET', url: 'Patient/does-not-exist' } },
		{ request: { method: 'POST', url: 'Observation' }, resource: { resourceType: 'Observation', status: 'final',
			code: { text: 'batch' }, subject: { reference: 'Patient/pat-3' } } },
	] };
	r = await getJson(base, { method: 'POST', headers: fhirJson, body: JSON.stringify(batch) });
	const st = (r.json?.entry || []).map((e) => e.response?.status);
	check('batch: batch-response with statuses', r.status === 200 && r.json?.type === 'batch-response'
		&& st.join() === '200,200,404,201', `${r.status} ${st}`);
	check('batch: read and search results', r.json?.entry?.[0]?.resource?.id === 'pat-3'
		&& r.json?.entry?.[1]?.resource?.entry?.length === 2);
	check('batch: created entry has location and etag', /\/Observation\/[^/]+\/_history\//.test(
		r.json?.entry?.[3]?.response?.location || '') && /^W\//.test(r.json?.entry?.[3]?.response?.etag || ''));

	// Transaction: urn:uuid references resolved; all or nothing.
	const tx = (entries) => getJson(base, { method: 'POST', headers: fhirJson,
		body: JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: entries }) });
	const urn = `urn:uuid:${crypto.randomUUID()}`;
	r = await tx([
		{ fullUrl: urn, request: { method: 'POST', url: 'Patient' }, resource: { resourceType: 'Patient',
			name: [{ family: 'Transactional' }] } },
		{ request: { method: 'POST', url: 'Observation' }, resource: { resourceType: 'Observation', status: 'final',
			code: { text: 'tx' }, subject: { reference: urn } } },
	]);
	const newPat = r.json?.entry?.[0]?.resource?.id;
	check('transaction: transaction-response, reference rewritten', r.json?.type === 'transaction-response'
		&& r.json.entry.every((e) => e.response.status === '201')
		&& r.json.entry[1].resource.subject.reference === `Patient/${newPat}`, r.text.slice(0, 300));
	r = await tx([
		{ request: { method: 'POST', url: 'Patient' },
			resource: { resourceType: 'Patient', name: [{ family: 'Rollback' }] } },
		{ request: { method: 'PATCH', url: 'Patient/does-not-exist' }, resource: { resourceType: 'Binary',
			contentType: 'application/json-patch+json',
			data: Buffer.from(JSON.stringify([{ op: 'replace', path: '/active', value: false }])).toString('base64') } },
	]);
	const rolled = await getJson(`${base}/Patient?name=Rollback`);
	check('transaction: failure is all or nothing', r.status === 404 && rolled.json?.total === 0,
		`${r.status} ${rolled.text}`);

	// Conditional update, conditional delete, PATCH.
	const ident = 'http://example.org/fhir/observation-id|obs-pat-3-hr';
	const hr = (await getJson(`${base}/Observation/obs-pat-3-hr`)).json;
	r = await getJson(`${base}/Observation?identifier=${encodeURIComponent(ident)}`, { method: 'PUT', headers: fhirJson,
		body: JSON.stringify({ ...hr, id: undefined, meta: undefined, status: 'amended' }) });
	check('conditional update: existing resource updated', r.status === 200 && r.json?.id === 'obs-pat-3-hr'
		&& r.json.status === 'amended', r.text.slice(0, 200));
	r = await getJson(`${base}/Observation?identifier=${encodeURIComponent('urn:test|new-1')}`, { method: 'PUT',
		headers: fhirJson, body: JSON.stringify({ resourceType: 'Observation', status: 'final', code: { text: 'n' },
			identifier: [{ system: 'urn:test', value: 'new-1' }] }) });
	check('conditional update: no match creates (201)', r.status === 201, r.text.slice(0, 200));
	r = await getJson(`${base}/Observation?patient=pat-3`, { method: 'DELETE' });
	check('conditional delete: several matches -> 412', r.status === 412, r.text.slice(0, 200));
	const weight = encodeURIComponent('http://example.org/fhir/observation-id|obs-pat-3-weight');
	r = await getJson(`${base}/Observation?identifier=${weight}`, { method: 'DELETE' });
	const gone = await getJson(`${base}/Observation/obs-pat-3-weight`);
	check('conditional delete: one match deleted', r.status === 200 && gone.status === 404, `${r.status} ${gone.status}`);
	r = await getJson(`${base}/Observation/obs-pat-3-glucose`, { method: 'PATCH',
		headers: { 'content-type': 'application/json-patch+json' },
		body: JSON.stringify([{ op: 'replace', path: '/status', value: 'corrected' }]) });
	check('PATCH json-patch', r.status === 200 && r.json?.status === 'corrected', r.text.slice(0, 200));
	r = await getJson(`${base}/Observation/new-put-1`, { method: 'PUT', headers: fhirJson,
		body: JSON.stringify({ resourceType: 'Observation', id: 'new-put-1', status: 'final', code: { text: 'p' } }) });
	check('update as create -> 201', r.status === 201);

	// Garbage and slowness hooks.
	r = await getJson(`${base}/Observation/garbage-json`);
	check('hook garbage-json: 200, not JSON', r.status === 200 && r.json === undefined);
	const t0 = Date.now();
	r = await getJson(`${base}/Observation?patient=pat-1&__delay=250`);
	check('hook __delay on a search', Date.now() - t0 >= 240 && r.json?.total === 7);
	r = await getJson(`${base}/Binary/big-2000000`);
	check('hook Binary/big-N', r.status === 200 && r.json?.resourceType === 'Binary'
		&& Math.abs(r.text.length - 2000000) < 8 && Buffer.from(r.json.data, 'base64').length > 1400000);
	let truncated = false;
	try {
		await (await fetch(`${base}/Observation/garbage-truncated`)).text();
	} catch {
		truncated = true;
	}
	check('hook garbage-truncated: body cut short', truncated);
	r = await getJson(`${new URL(base).origin}/__log`);
	check('hook __log', Array.isArray(r.json) && r.json.some((e) => e.url.includes('garbage-json') && e.status === 200));
}

function basic(c) {
	return `Basic ${Buffer.from(`${c.client_id}:${c.client_secret}`).toString('base64')}`;
}

async function clientCredentials(disco, client, extra = {}) {
	return getJson(disco.token_endpoint, { method: 'POST', headers: {
		'content-type': 'application/x-www-form-urlencoded', authorization: basic(client) },
	body: new URLSearchParams({ grant_type: 'client_credentials', ...extra }) });
}

// fhir.mjs --require-token and the IdP's client credentials grant.
async function requireToken({ disco, jwks, lockedBase, otherResource, upstream, confidential, pub }) {
	check('discovery client_credentials', disco.grant_types_supported?.includes('client_credentials'));
	const cc = await clientCredentials(disco, upstream, { scope: 'system/*.rs' });
	check('client credentials grant', cc.status === 200 && cc.json?.token_type === 'Bearer'
		&& cc.json?.scope === 'system/*.rs', cc.text);
	let claims = {};
	let header = {};
	try {
		claims = verifyJwt(cc.json.access_token, jwks);
		header = b64json(cc.json.access_token.split('.')[0]);
	} catch (err) {
		check('access token verifies', false, err.message);
	}
	check('access token: at+jwt, iss, aud = FHIR base, sub = client', header.typ === 'at+jwt'
		&& claims.iss === disco.issuer && claims.aud === lockedBase && claims.sub === upstream.client_id
		&& claims.client_id === upstream.client_id && claims.exp - claims.iat <= 300, JSON.stringify(claims));
	const other = await clientCredentials(disco, upstream, { resource: otherResource });
	check('client credentials with another resource', other.status === 200
		&& b64json(other.json.access_token.split('.')[1]).aud === otherResource, other.text);
	const unknown = await clientCredentials(disco, upstream, { resource: 'http://127.0.0.1:2/nope' });
	check('unknown resource -> invalid_target', unknown.status === 400 && unknown.json?.error === 'invalid_target');
	const wrongSecret = await clientCredentials(disco, { ...upstream, client_secret: 'nope' });
	check('client credentials: wrong secret -> 401', wrongSecret.status === 401);
	const notAllowed = await clientCredentials(disco, confidential);
	check('client credentials: client without the grant refused', notAllowed.status === 400);

	const md = await getJson(`${lockedBase}/metadata`);
	check('require-token: metadata open', md.status === 200);
	const read = (authz) => getJson(`${lockedBase}/Patient/pat-1`, authz ? { headers: { authorization: authz } } : {});
	let r = await read();
	check('require-token: no token -> 401', r.status === 401 && r.json?.resourceType === 'OperationOutcome');
	const t = cc.json?.access_token || '';
	const flipped = `${t.slice(0, -4)}${t.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
	r = await read(`Bearer ${flipped}`);
	check('require-token: bad signature -> 401', r.status === 401, r.text);
	r = await read('Bearer not-a-jwt');
	check('require-token: garbage token -> 401', r.status === 401);
	r = await read(`Bearer ${other.json?.access_token}`);
	check('require-token: other audience -> 401', r.status === 401 && /aud/.test(r.text), r.text);
	const d = await codeFlow({ disco, client: pub, username: 'patient', password: 'patient' });
	r = await read(`Bearer ${d.tok.json?.access_token}`);
	check('require-token: opaque user token -> 401', r.status === 401, r.text);
	const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
	const forge = (c) => {
		const h = Buffer.from(JSON.stringify(header)).toString('base64url');
		const p = Buffer.from(JSON.stringify(c)).toString('base64url');
		return `${h}.${p}.${crypto.sign('sha256', Buffer.from(`${h}.${p}`), privateKey).toString('base64url')}`;
	};
	r = await read(`Bearer ${forge(claims)}`);
	check('require-token: foreign key -> 401', r.status === 401);
	r = await read(`Bearer ${t}`);
	check('require-token: IdP token accepted', r.status === 200 && r.json?.id === 'pat-1', r.text.slice(0, 200));
	r = await getJson(`${lockedBase}/Observation?patient=pat-1&_include=Observation:subject`,
		{ headers: { authorization: `Bearer ${t}` } });
	check('require-token: search with token', r.status === 200 && r.json?.total === 7);
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
