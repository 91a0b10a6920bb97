// Test-only demo EHR for smartgate's EHR launch.  Not part of the product.
//
// Usage:
//   node ehr.mjs --port 8083 --gateway http://127.0.0.1:8080 \
//     --fhir http://127.0.0.1:8080/fhir --upstream http://127.0.0.1:8081/fhir \
//     --client demo-ehr --secret-file demo-ehr.secret \
//     --app-client demo-public --app-launch-url http://127.0.0.1:8080/demo/app/launch.html
//
// GET /      lists the upstream's patients, each with a "Launch demo app"
//            button (hidden patient id and the patient's first Encounter).
// POST /launch  mints a launch value at the gateway's /auth/launch (as a
//            client marked smartgate_ehr, client_secret_basic) and sends
//            the browser to the app: 303 <app-launch-url>?iss=…&launch=….
import http from 'node:http';
import fs from 'node:fs';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
	options: {
		port: { type: 'string', default: '8083' },
		gateway: { type: 'string' },
		fhir: { type: 'string' },
		upstream: { type: 'string' },
		client: { type: 'string', default: 'demo-ehr' },
		'secret-file': { type: 'string' },
		'app-client': { type: 'string', default: 'demo-public' },
		'app-launch-url': { type: 'string' },
	},
});
for (const k of ['gateway', 'fhir', 'upstream', 'secret-file', 'app-launch-url'])
	if (!args[k]) {
		console.error(`ehr: --${k} is required`);
		process.exit(2);
	}
const port = Number(args.port);
const secret = fs.readFileSync(args['secret-file'], 'utf8').trim();
// RFC 6749 §2.3.1: id and secret are form-urlencoded before base64.
const basic = 'Basic ' + Buffer.from(`${encodeURIComponent(args.client)}:${encodeURIComponent(secret)}`)
	.toString('base64');

const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(res, status, title, body) {
	res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
	res.end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem}
li{margin:.5rem 0}form{display:inline;margin-left:1rem}.error{color:#a00}</style></head>
<body><h1>${esc(title)}</h1>
${body}
</body></html>`);
}

// fetch, with the address and the cause in the message when it fails.
async function get(url, init) {
	try {
		return await fetch(url, { signal: AbortSignal.timeout(5000), ...init });
	} catch (err) {
		throw new Error(`cannot reach ${url}: ${err.cause?.message || err.message}`);
	}
}

async function fhirGet(url) {
	const r = await get(url, { headers: { accept: 'application/fhir+json' } });
	if (!r.ok)
		throw new Error(`${url} answered ${r.status}`);
	return r.json();
}

const nameOf = (p) => {
	const n = (p.name || [])[0] || {};
	return n.text || [...(n.given || []), n.family].filter(Boolean).join(' ') || p.id;
};

async function home(res) {
	const bundle = await fhirGet(`${args.upstream}/Patient?_count=20`);
	const patients = (bundle.entry || []).map((e) => e.resource).filter((r) => r?.resourceType === 'Patient');
	const items = await Promise.all(patients.map(async (p) => {
		const eb = await fhirGet(`${args.upstream}/Encounter?patient=${encodeURIComponent(`Patient/${p.id}`)}&_count=1`);
		const enc = (eb.entry || [])[0]?.resource;
		return `<li data-patient="${esc(p.id)}"><strong>${esc(nameOf(p))}</strong>
 (${esc(p.gender || '')} ${esc(p.birthDate || '')}, Patient/${esc(p.id)}${enc ? `, Encounter/${esc(enc.id)}` : ''})
<form method="post" action="/launch">
<input type="hidden" name="patient" value="${esc(p.id)}">
${enc ? `<input type="hidden" name="encounter" value="${esc(enc.id)}">` : ''}
<button type="submit">Launch demo app</button>
</form></li>`;
	}));
	page(res, 200, 'Demo EHR', `<p>Patients at ${esc(args.upstream)}:</p>
<ul>${items.join('\n')}</ul>`);
}

async function launch(req, res) {
	const chunks = [];
	for await (const c of req)
		chunks.push(c);
	const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
	const body = new URLSearchParams({ need_patient_banner: 'true', app_client_id: args['app-client'] });
	for (const k of ['patient', 'encounter'])
		if (form.get(k))
			body.set(k, form.get(k));
	const r = await get(`${args.gateway}/auth/launch`, { method: 'POST', body,
		headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' } });
	const text = await r.text();
	let answer;
	try { answer = JSON.parse(text); } catch { answer = undefined; }
	if (!r.ok || typeof answer?.launch !== 'string')
		return page(res, 502, 'Demo EHR: launch failed', `<p class="error">The gateway answered ${esc(r.status)}:</p>
<pre>${esc(text.slice(0, 2000))}</pre><p><a href="/">Back</a></p>`);
	const to = new URL(args['app-launch-url']);
	to.searchParams.set('iss', args.fhir);
	to.searchParams.set('launch', answer.launch);
	res.writeHead(303, { location: to.href, 'cache-control': 'no-store' });
	res.end();
}

const server = http.createServer(async (req, res) => {
	const path = new URL(req.url, 'http://x').pathname;
	try {
		if (path === '/' && (req.method === 'GET' || req.method === 'HEAD'))
			return await home(res);
		if (path === '/launch' && req.method === 'POST')
			return await launch(req, res);
		page(res, 404, 'Demo EHR: not found', '<p><a href="/">Back</a></p>');
	} catch (err) {
		if (!res.headersSent)
			page(res, 502, 'Demo EHR: error', `<p class="error">${esc(err.message)}</p><p><a href="/">Back</a></p>`);
	}
});

server.listen(port, '127.0.0.1', () => console.log(`ehr listening on http://127.0.0.1:${port}`));

function stop() {
	server.close(() => process.exit(0));
	server.closeAllConnections();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
