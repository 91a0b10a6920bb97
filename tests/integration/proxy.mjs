// The FHIR proxy through Apache against the FHIR test server: the token
// check, every interaction allowed and denied under SMART v1 and v2
// scopes, the patient compartment with the escapes people try, granular
// category scopes, what comes back (includes, paging, totals, URLs).
//
// Access tokens are minted here with the master key, exactly as the
// token endpoint seals them (src/grant.c), so that each test states the
// grant it runs under; the flow tests cover how tokens are issued.
import crypto from 'node:crypto';
import http from 'node:http';
import { PURPOSE, seal } from '../harness/seal.mjs';
import { assert } from '../harness/t.mjs';
import { helpers } from './flows.mjs';

const OBS_CAT = 'http://terminology.hl7.org/CodeSystem/observation-category';
const LAB = `patient/Observation.rs?category=${OBS_CAT}|laboratory`;

const now = () => Math.floor(Date.now() / 1000);

// An access token for stack s, as the token endpoint makes it.
export function mintAccess(s, { scope, patient = 'pat-1', aud, ttl = 300, iat, gid, purpose = PURPOSE.access, fu } = {}) {
  const claims = { jti: crypto.randomBytes(16).toString('base64url'), gid: gid || crypto.randomBytes(16).toString('base64url'),
    cid: 'demo-public', scope, aud: aud || s.fhirBase, sub: 'user-1', fu: fu || 'Patient/pat-1',
    ctx: patient ? { patient } : {}, iat: iat ?? now(), exp: now() + ttl };
  return seal(s.masterKey, purpose, now() + ttl, JSON.stringify(claims));
}

export function proxyTests(t, S) {
  const mint = (o) => mintAccess(S(), o);

  async function fhir(path, { token, scope, patient, method = 'GET', body, headers = {} } = {}) {
    const tok = token ?? (scope ? mint({ scope, patient }) : undefined);
    const h = { accept: 'application/fhir+json', ...headers };
    if (tok) h.authorization = `Bearer ${tok}`;
    if (body !== undefined && !h['content-type']) h['content-type'] = 'application/fhir+json';
    const url = path.startsWith('http') ? path : path === '' || path.startsWith('?') ? `${S().fhirBase}${path}` : `${S().fhirBase}/${path}`;
    const r = await fetch(url, { method, headers: h, redirect: 'manual',
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
    const text = await r.text();
    let json;
    try { json = JSON.parse(text); } catch { json = undefined; }
    return { r, status: r.status, body: json, text };
  }

  // A request line exactly as written (fetch and URL normalise dots).
  function raw(path, token) {
    const s = S();
    return new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: s.port, path, method: 'GET',
        headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
        let b = '';
        res.setEncoding('utf8').on('data', (d) => { b += d; });
        res.on('end', () => resolve({ status: res.statusCode, body: b }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  const entries = (b) => (b.entry || []).map((e) => e.resource);
  const ids = (b) => entries(b).map((r) => `${r.resourceType}/${r.id}`);
  const patientOf = (r) => (r.resourceType === 'Patient' ? r.id : (r.subject || r.patient || {}).reference?.replace(/^.*Patient\//, ''));

  function assertOO(res, status) {
    assert.equal(res.status, status, res.text.slice(0, 300));
    assert.equal(res.body?.resourceType, 'OperationOutcome', res.text.slice(0, 300));
  }

  // ------------------------------------------------------------ the token

  t.test('proxy: no token: 401, a bare Bearer challenge, OperationOutcome', async () => {
    const res = await fhir('Patient/pat-1');
    assertOO(res, 401);
    const ch = res.r.headers.get('www-authenticate');
    assert.match(ch, /^Bearer realm="/);
    assert.ok(!/error=/.test(ch), ch);
  });

  t.test('proxy: bad, expired, wrong-kind and foreign tokens: 401 invalid_token', async () => {
    const scope = 'patient/*.rs';
    const h = helpers(S);
    const c = await h.code();
    const issued = (await h.exchange(c)).body;
    const cases = {
      garbage: 'not-a-token',
      expired: mint({ scope, ttl: -5 }),
      'other aud': mint({ scope, aud: 'https://other.example/fhir' }),
      'from the future': mint({ scope, iat: now() + 3600 }),
      'a refresh token': issued.refresh_token,
      'an id_token': issued.id_token,
      'a code': mint({ scope, purpose: PURPOSE.code }),
      'a launch value': mint({ scope, purpose: PURPOSE.launch }),
      'tampered': (() => { const x = mint({ scope }); return x.slice(0, -4) + (x.endsWith('AAAA') ? 'BBBB' : 'AAAA'); })(),
    };
    for (const [what, token] of Object.entries(cases)) {
      const res = await fhir('Patient/pat-1', { token });
      assertOO(res, 401);
      assert.match(res.r.headers.get('www-authenticate'), /error="invalid_token"/, what);
    }
    // The real one works.
    assert.equal((await fhir('Patient/pat-1', { token: issued.access_token })).status, 200);
    // Basic is not Bearer; a token in the URL is refused, never forwarded.
    assertOO(await fhir('Patient/pat-1', { headers: { authorization: 'Basic ZGVtbzpkZW1v' } }), 401);
    assertOO(await fhir(`Patient/pat-1?access_token=${issued.access_token}`), 401);
    assertOO(await fhir(`Patient?access_token=x`, { scope }), 400);
  });

  t.test('proxy: a revoked grant is refused at once (code replay revokes)', async () => {
    const h = helpers(S);
    const c = await h.code();
    const first = await h.exchange(c);
    assert.equal(first.r.status, 200);
    assert.equal((await fhir('Patient/pat-1', { token: first.body.access_token })).status, 200);
    const again = await h.exchange(c);
    assert.equal(again.body.error, 'invalid_grant');
    const res = await fhir('Patient/pat-1', { token: first.body.access_token });
    assertOO(res, 401);
    assert.match(res.r.headers.get('www-authenticate'), /invalid_token/);
  });

  // Each process keeps the last token it opened (fhir-proxy.c "memo"):
  // enough requests for every process to have it, then none may pass.
  t.test('proxy: a token a process keeps still expires and is still revoked', async () => {
    const many = async (token) => {
      const out = [];
      for (let i = 0; i < 24; i++) out.push((await fhir('Patient/pat-1', { token })).status);
      return out;
    };
    const short = mint({ scope: 'patient/*.rs', ttl: 2 });
    assert.deepEqual(new Set(await many(short)), new Set([200]));
    await new Promise((r) => setTimeout(r, 3200));
    assert.deepEqual(new Set(await many(short)), new Set([401]), 'expired while kept');
    const h = helpers(S);
    const c = await h.code();
    const { access_token: tok } = (await h.exchange(c)).body;
    assert.deepEqual(new Set(await many(tok)), new Set([200]));
    assert.equal((await h.exchange(c)).body.error, 'invalid_grant');	// replay revokes
    assert.deepEqual(new Set(await many(tok)), new Set([401]), 'revoked while kept');
  });

  // ------------------------------------------------- interactions × scopes

  t.test('proxy: read under v1 and v2 scopes, denied without one', async () => {
    for (const scope of ['patient/Observation.rs', 'patient/Observation.read', 'patient/*.read', 'patient/Observation.r',
      'user/Observation.read', 'user/*.rs']) {
      const res = await fhir('Observation/obs-pat-1-hgb', { scope });
      assert.equal(res.status, 200, `${scope}: ${res.text.slice(0, 200)}`);
      assert.equal(res.body.id, 'obs-pat-1-hgb');
    }
    for (const scope of ['patient/Condition.rs', 'patient/Observation.s', 'patient/Observation.cud',
      'patient/Observation.write', 'openid fhirUser', 'launch/patient']) {
      const res = await fhir('Observation/obs-pat-1-hgb', { scope });
      assertOO(res, 403);
      assert.match(res.r.headers.get('www-authenticate'), /insufficient_scope/, scope);
    }
  });

  t.test('proxy: search needs s (v2) or read (v1); read alone does not search', async () => {
    assert.equal((await fhir('Observation', { scope: 'patient/Observation.s' })).status, 200);
    assert.equal((await fhir('Observation', { scope: 'patient/Observation.read' })).status, 200);
    assertOO(await fhir('Observation', { scope: 'patient/Observation.r' }), 403);
    assertOO(await fhir('Condition', { scope: 'patient/Observation.rs' }), 403);
  });

  t.test('proxy: another patient\'s resource looks like no resource (read, vread, history)', async () => {
    const scope = 'patient/*.rs';
    const missing = await fhir('Observation/no-such-obs', { scope });
    assertOO(missing, 404);
    const vid = (id) => fhir(`Observation/${id}`, { scope: 'user/Observation.rs' }).then((x) => x.body.meta.versionId);
    const theirs = await vid('obs-pat-2-hgb');
    for (const p of ['Observation/obs-pat-2-hgb', 'Patient/pat-2', 'Condition/cond-pat-2-1',
      `Observation/obs-pat-2-hgb/_history/${theirs}`]) {
      const res = await fhir(p, { scope });
      assertOO(res, 404);
      assert.equal(res.body.issue[0].diagnostics, missing.body.issue[0].diagnostics, p);
    }
    const hist = await fhir('Observation/obs-pat-2-hgb/_history', { scope });
    assert.ok(hist.status === 404 || (hist.status === 200 && entries(hist.body).length === 0), hist.text.slice(0, 200));
    assert.equal((await fhir(`Observation/obs-pat-1-hgb/_history/${await vid('obs-pat-1-hgb')}`, { scope })).status, 200);
  });

  t.test('proxy: searches are narrowed to the patient, never widened', async () => {
    const scope = 'patient/*.rs';
    for (const q of ['Observation', 'Observation?subject=Patient/pat-2', 'Observation?patient=pat-2',
      'Observation?subject:Patient.name=Carter', 'Observation?_count=100', 'Condition', 'Encounter', 'MedicationRequest']) {
      const res = await fhir(q, { scope });
      assert.equal(res.status, 200, `${q}: ${res.text.slice(0, 200)}`);
      for (const r of entries(res.body)) assert.equal(patientOf(r), 'pat-1', `${q} returned ${r.resourceType}/${r.id}`);
    }
    const all = await fhir('Observation', { scope });
    assert.ok(entries(all.body).length >= 7, 'the patient\'s own observations are there');
    const pats = await fhir('Patient', { scope });
    assert.deepEqual(ids(pats.body), ['Patient/pat-1']);
    assert.deepEqual(ids((await fhir('Patient?_id=pat-2', { scope })).body), []);
    const has = await fhir('Patient?_has:Observation:subject:code=718-7', { scope });
    assert.deepEqual(ids(has.body), ['Patient/pat-1']);
  });

  t.test('proxy: compartment search and $everything only for the token\'s patient', async () => {
    const scope = 'patient/*.rs';
    const own = await fhir('Patient/pat-1/Observation', { scope });
    assert.equal(own.status, 200, own.text.slice(0, 200));
    assert.ok(entries(own.body).length >= 7);
    for (const r of entries(own.body)) assert.equal(patientOf(r), 'pat-1');
    assertOO(await fhir('Patient/pat-2/Observation', { scope }), 403);
    assertOO(await fhir('Patient/pat-2/$everything', { scope }), 403);
    const ev = await fhir('Patient/pat-1/$everything', { scope });
    if (ev.status === 200)
      for (const r of entries(ev.body)) if (r.resourceType !== 'OperationOutcome' && patientOf(r))
        assert.equal(patientOf(r), 'pat-1', `$everything returned ${r.resourceType}/${r.id}`);
    assertOO(await fhir('Patient/pat-1/$validate', { scope }), 404);
  });

  t.test('proxy: _include and _revinclude never reach other patients or types not granted', async () => {
    // The FHIR server follows references faithfully; the proxy removes.
    let res = await fhir('Patient?_revinclude=Observation:subject', { scope: 'patient/Patient.rs' });
    assert.equal(res.status, 200, res.text.slice(0, 200));
    assert.deepEqual(ids(res.body), ['Patient/pat-1'], 'observations came along without a scope');
    res = await fhir('Patient?_revinclude=Observation:subject', { scope: 'patient/Patient.rs patient/Observation.rs' });
    assert.ok(ids(res.body).some((x) => x.startsWith('Observation/')));
    for (const r of entries(res.body)) assert.equal(patientOf(r), 'pat-1');
    res = await fhir('Observation?_include=Observation:subject', { scope: 'patient/Observation.rs' });
    assert.ok(!ids(res.body).includes('Patient/pat-1'), 'Patient included without a Patient scope');
    res = await fhir('MedicationRequest?_include=MedicationRequest:requester', { scope: 'patient/MedicationRequest.rs' });
    assert.ok(!ids(res.body).some((x) => x.startsWith('Practitioner/')), 'Practitioner without a scope that names it');
    res = await fhir('MedicationRequest?_include=MedicationRequest:requester', { scope: 'patient/*.rs' });
    assert.ok(ids(res.body).includes('Practitioner/prac-1'), 'patient/*.rs reads reference types (README)');
    // A user/ search of another patient's data, included back into ours.
    res = await fhir('Observation?subject=Patient/pat-2&_include=Observation:subject', { scope: 'patient/*.rs' });
    assert.deepEqual(ids(res.body).filter((x) => x.includes('pat-2')), []);
  });

  t.test('proxy: _include:iterate and _revinclude:iterate never reach other patients', async () => {
    // From the patient to the practitioner, back to every patient of that
    // practitioner, and on to their observations (FHIR R4 search
    // §3.1.1.5.4 ":iterate"): the FHIR server follows it all.
    const inc = '_include=Patient:general-practitioner&_revinclude:iterate=Patient:general-practitioner'
      + '&_revinclude:iterate=Observation:subject';
    const up = await fhir(`${S().upstream}/Patient?_id=pat-1&${inc}`);
    const others = ids(up.body).filter((x) => x.includes('pat-') && !x.includes('pat-1'));
    assert.ok(others.some((x) => x.startsWith('Patient/')) && others.some((x) => x.startsWith('Observation/')),
      `the escape is there upstream: ${ids(up.body).join(' ')}`);
    const res = await fhir(`Patient?${inc}`, { scope: 'patient/*.rs' });
    assert.equal(res.status, 200, res.text.slice(0, 200));
    assert.ok(ids(res.body).includes('Practitioner/prac-1'), 'the first step is allowed');
    assert.ok(ids(res.body).some((x) => x.startsWith('Observation/obs-pat-1-')), 'the patient\'s own observations stay');
    for (const r of entries(res.body)) if (patientOf(r)) assert.equal(patientOf(r), 'pat-1', `${r.resourceType}/${r.id}`);
    assert.ok(res.body.total === undefined || res.body.total === 1, `total ${res.body.total}`);
  });

  t.test('proxy: Bundle.total never counts what was withheld; links are ours and enforced again', async () => {
    const s = S();
    const scope = 'patient/Observation.rs';
    const res = await fhir('Observation?_count=2', { scope });
    assert.equal(res.status, 200);
    const b = res.body;
    for (const l of b.link || []) assert.ok(l.url.startsWith(`${s.fhirBase}/`) || l.url === s.fhirBase, l.url);
    for (const e of b.entry || []) assert.ok(e.fullUrl.startsWith(`${s.fhirBase}/`), e.fullUrl);
    const next = (b.link || []).find((l) => l.relation === 'next');
    assert.ok(next, 'a next link');
    const p2 = await fhir(next.url, { scope });
    assert.equal(p2.status, 200);
    for (const r of entries(p2.body)) assert.equal(patientOf(r), 'pat-1');
    // The client edits the paging link to another patient: narrowed again.
    const edited = next.url.replace(/subject=[^&]*/, 'subject=Patient%2Fpat-2');
    const p3 = await fhir(edited.includes('pat-2') ? edited : `${next.url}&subject=Patient/pat-2`, { scope });
    for (const r of entries(p3.body)) assert.equal(patientOf(r), 'pat-1');
    // Mixed grants that must be filtered here drop the total.
    const mixed = await fhir('Observation', { scope: `${LAB} user/Observation.rs?category=${OBS_CAT}|vital-signs` });
    assert.equal(mixed.status, 200);
    assert.equal(mixed.body.total, undefined);
  });

  t.test('proxy: user/ scopes enforce type and interaction, not the compartment', async () => {
    const scope = 'user/Observation.rs user/Patient.rs';
    const res = await fhir('Observation?subject=Patient/pat-2', { scope, patient: null });
    assert.equal(res.status, 200);
    assert.ok(entries(res.body).length >= 7);
    for (const r of entries(res.body)) assert.equal(patientOf(r), 'pat-2');
    assert.equal((await fhir('Patient/pat-3', { scope, patient: null })).status, 200);
    assertOO(await fhir('Condition', { scope, patient: null }), 403);
    // patient/ scopes without a patient in the token grant nothing.
    assertOO(await fhir('Observation', { scope: 'patient/Observation.rs', patient: null }), 403);
    // A search across types needs unconfined scopes for each.
    assertOO(await fhir('?_type=Observation,Condition', { scope: 'patient/*.rs' }), 403);
    assert.equal((await fhir('?_type=Observation,Patient', { scope, patient: null })).status, 200);
  });

  t.test('proxy: types outside the compartment are read when a scope names them', async () => {
    assert.equal((await fhir('Practitioner/prac-1', { scope: 'patient/Practitioner.rs' })).status, 200);
    assert.equal((await fhir('Organization/org-1', { scope: 'patient/*.rs' })).status, 200);
    assertOO(await fhir('Organization/org-1', { scope: 'patient/Observation.rs' }), 403);
  });

  // ------------------------------------------------------------- writes

  const newObs = (patient, cat = 'laboratory', extra = {}) => ({ resourceType: 'Observation', status: 'final',
    category: [{ coding: [{ system: OBS_CAT, code: cat }] }], code: { text: 'proxy test' },
    subject: { reference: `Patient/${patient}` }, ...extra });

  t.test('proxy: create, update, patch and delete in the compartment (v1 write, v2 cud)', async () => {
    const s = S();
    for (const scope of ['patient/Observation.cruds', 'patient/Observation.write patient/Observation.read']) {
      let res = await fhir('Observation', { scope, method: 'POST', body: newObs('pat-1') });
      assert.equal(res.status, 201, `${scope}: ${res.text.slice(0, 300)}`);
      const loc = res.r.headers.get('location');
      assert.ok(loc && loc.startsWith(`${s.fhirBase}/Observation/`), `Location ${loc}`);
      const id = res.body.id;
      res = await fhir(`Observation/${id}`, { scope, method: 'PUT', body: { ...newObs('pat-1'), id, status: 'amended' } });
      assert.equal(res.status, 200, res.text.slice(0, 300));
      res = await fhir(`Observation/${id}`, { scope, method: 'PATCH', body: [{ op: 'replace', path: '/status', value: 'corrected' }],
        headers: { 'content-type': 'application/json-patch+json' } });
      assert.equal(res.status, 200, res.text.slice(0, 300));
      res = await fhir(`Observation/${id}`, { scope, method: 'DELETE' });
      assert.ok([200, 204].includes(res.status), res.text.slice(0, 300));
    }
  });

  t.test('proxy: writes cannot leave the compartment or reach another patient\'s records', async () => {
    const scope = 'patient/Observation.cruds';
    assertOO(await fhir('Observation', { scope, method: 'POST', body: newObs('pat-2') }), 403);
    assertOO(await fhir('Observation', { scope, method: 'POST', body: { ...newObs('pat-1'), subject: undefined } }), 403);
    assertOO(await fhir('Observation', { scope: 'patient/Observation.rs', method: 'POST', body: newObs('pat-1') }), 403);
    assertOO(await fhir('Observation', { scope, method: 'POST', body: { resourceType: 'Condition' } }), 400);
    // Moving one's own observation to another patient.
    const mine = (await fhir('Observation', { scope, method: 'POST', body: newObs('pat-1') })).body;
    assertOO(await fhir(`Observation/${mine.id}`, { scope, method: 'PUT', body: { ...newObs('pat-2'), id: mine.id } }), 403);
    assertOO(await fhir(`Observation/${mine.id}`, { scope, method: 'PATCH',
      body: [{ op: 'replace', path: '/subject', value: { reference: 'Patient/pat-2' } }],
      headers: { 'content-type': 'application/json-patch+json' } }), 403);
    // Another patient's observation: overwritten, patched, deleted: all misses.
    assertOO(await fhir('Observation/obs-pat-2-hgb', { scope, method: 'PUT', body: { ...newObs('pat-1'), id: 'obs-pat-2-hgb' } }), 404);
    assertOO(await fhir('Observation/obs-pat-2-hgb', { scope, method: 'PATCH',
      body: [{ op: 'replace', path: '/status', value: 'entered-in-error' }],
      headers: { 'content-type': 'application/json-patch+json' } }), 404);
    assertOO(await fhir('Observation/obs-pat-2-hgb', { scope, method: 'DELETE' }), 404);
    const still = await fhir('Observation/obs-pat-2-hgb', { scope: 'user/Observation.rs' });
    assert.equal(still.status, 200);
    assert.equal(still.body.status, 'final');
    await fhir(`Observation/${mine.id}`, { scope, method: 'DELETE' });
  });

  t.test('proxy: an update that would create needs c; patient/* never writes reference types', async () => {
    const id = `proxy-uc-${crypto.randomBytes(4).toString('hex')}`;
    assertOO(await fhir(`Observation/${id}`, { scope: 'patient/Observation.rus', method: 'PUT',
      body: { ...newObs('pat-1'), id } }), 403);
    assertOO(await fhir('Observation?identifier=urn:test|none', { scope: 'patient/Observation.rus', method: 'PUT',
      body: newObs('pat-1') }), 403);
    const res = await fhir(`Observation/${id}`, { scope: 'patient/Observation.crus', method: 'PUT',
      body: { ...newObs('pat-1'), id } });
    assert.equal(res.status, 201, res.text.slice(0, 300));
    await fhir(`Observation/${id}`, { scope: 'patient/Observation.cruds', method: 'DELETE' });
    assertOO(await fhir('Practitioner', { scope: 'patient/*.cruds', method: 'POST',
      body: { resourceType: 'Practitioner', name: [{ family: 'Mallory' }] } }), 403);
    assertOO(await fhir('Practitioner/prac-1', { scope: 'patient/*.cruds', method: 'DELETE' }), 403);
    assert.equal((await fhir('Practitioner/prac-1', { scope: 'patient/*.cruds' })).status, 200);
  });

  t.test('proxy: conditional update and delete are confined to the patient', async () => {
    const scope = 'patient/Observation.cruds';
    const tag = `proxy-cond-${crypto.randomBytes(4).toString('hex')}`;
    const ident = [{ system: 'urn:test', value: tag }];
    // The same identifier on another patient's record.
    const theirs = (await fhir('Observation', { scope: 'user/Observation.cruds', patient: null, method: 'POST',
      body: newObs('pat-2', 'laboratory', { identifier: ident }) })).body;
    assert.ok(theirs.id);
    let res = await fhir(`Observation?identifier=urn:test|${tag}`, { scope, method: 'PUT',
      body: newObs('pat-1', 'laboratory', { identifier: ident }) });
    assert.ok([200, 201].includes(res.status), res.text.slice(0, 300));
    assert.notEqual(res.body.id, theirs.id, 'the conditional update reached another patient');
    res = await fhir(`Observation?identifier=urn:test|${tag}`, { scope, method: 'DELETE' });
    assert.ok(res.status < 300, res.text.slice(0, 300));
    const after = await fhir(`Observation/${theirs.id}`, { scope: 'user/Observation.rs', patient: null });
    assert.equal(after.status, 200, 'the conditional delete reached another patient');
  });

  // ---------------------------------------------------------- granular

  t.test('proxy: a category scope gives only that category, on every page and on read', async () => {
    const res = await fhir('Observation?_count=1', { scope: LAB });
    assert.equal(res.status, 200, res.text.slice(0, 300));
    let page = res.body;
    let n = 0;
    for (let i = 0; i < 20 && page; i++) {
      for (const r of entries(page)) {
        n++;
        assert.equal(r.category[0].coding[0].code, 'laboratory', `${r.id} on page ${i}`);
        assert.equal(patientOf(r), 'pat-1');
      }
      const next = (page.link || []).find((l) => l.relation === 'next');
      page = next ? (await fhir(next.url, { scope: LAB })).body : null;
    }
    assert.ok(n >= 2, `lab results seen: ${n}`);
    assert.equal((await fhir('Observation/obs-pat-1-hgb', { scope: LAB })).status, 200);
    assertOO(await fhir('Observation/obs-pat-1-bp', { scope: LAB }), 404);
    // The scope that cannot be evaluated grants nothing.
    assertOO(await fhir('Observation', { scope: 'patient/Observation.rs?code:below=http://loinc.org|718' }), 403);
  });

  // ------------------------------------------------ batch and transaction

  const bundle = (type, entries) => ({ resourceType: 'Bundle', type, entry: entries });
  const get = (url) => ({ request: { method: 'GET', url } });

  t.test('proxy: batch reads and searches are decided and filtered entry by entry', async () => {
    const scope = 'patient/*.rs';
    const res = await fhir('', { scope, method: 'POST', body: bundle('batch', [
      get('Patient/pat-1'), get('Observation?code=718-7'), get('Observation?_include=Observation:subject')]) });
    assert.equal(res.status, 200, res.text.slice(0, 300));
    assert.equal(res.body.type, 'batch-response');
    assert.equal(res.body.entry.length, 3, 'one answer per request');
    assert.equal(res.body.entry[0].resource.id, 'pat-1');
    for (const e of res.body.entry.slice(1)) {
      assert.equal(e.resource.resourceType, 'Bundle');
      assert.ok(entries(e.resource).length > 0);
      for (const r of entries(e.resource)) assert.equal(patientOf(r), 'pat-1', `${r.resourceType}/${r.id}`);
    }
  });

  t.test('proxy: in a batch, another patient\'s record reads as a miss', async () => {
    const res = await fhir('', { scope: 'patient/*.rs', method: 'POST', body: bundle('batch', [
      get('Patient/pat-1'), get('Patient/pat-2'), get('Patient/no-such-patient'), get('Observation/obs-pat-2-hgb')]) });
    assert.equal(res.status, 200, res.text.slice(0, 300));
    const [own, theirs, none, obs] = res.body.entry;
    assert.equal(own.resource.id, 'pat-1');
    assert.deepEqual(theirs, none);
    assert.deepEqual(obs, none);
    assert.ok(!JSON.stringify(res.body).includes('pat-2'), 'pat-2 shows through');
  });

  t.test('proxy: batch and transaction smuggling is refused whole', async () => {
    const scope = 'patient/Observation.cruds patient/Patient.rs';
    const smuggle = {
      'a type not granted': [get('Condition?patient=pat-1')],
      'a create for another patient': [{ request: { method: 'POST', url: 'Observation' }, resource: newObs('pat-2') }],
      'an update of another patient\'s record': [{ request: { method: 'PUT', url: 'Observation/obs-pat-2-hgb' },
        resource: { ...newObs('pat-1'), id: 'obs-pat-2-hgb' } }],
      'a delete of another patient\'s record': [{ request: { method: 'DELETE', url: 'Observation/obs-pat-2-glucose' } }],
      'a nested batch': [{ request: { method: 'POST', url: '' }, resource: bundle('batch', []) }],
      'a dotted url': [get('Patient/../Patient/pat-2')],
      'an absolute url elsewhere': [get('http://127.0.0.1:1/fhir/Patient/pat-2')],
    };
    for (const type of ['batch', 'transaction']) {
      for (const [what, es] of Object.entries(smuggle)) {
        const res = await fhir('', { scope, method: 'POST', body: bundle(type, es) });
        assert.ok([400, 403, 404].includes(res.status), `${type}, ${what}: ${res.status} ${res.text.slice(0, 200)}`);
        assert.equal(res.body?.resourceType, 'OperationOutcome', `${type}, ${what}`);
        assert.match(res.body.issue[0].diagnostics, /^entry \d+: /, `${type}, ${what}`);
      }
    }
    const still = await fhir('Observation/obs-pat-2-glucose', { scope: 'user/Observation.rs', patient: null });
    assert.equal(still.status, 200, 'a refused batch changed nothing');
  });

  t.test('proxy: a transaction within the grant goes through', async () => {
    const scope = 'patient/Observation.cruds';
    const res = await fhir('', { scope, method: 'POST', body: bundle('transaction', [
      { request: { method: 'POST', url: 'Observation' }, resource: newObs('pat-1') },
      { request: { method: 'POST', url: 'Observation' }, resource: newObs('pat-1', 'vital-signs') }]) });
    assert.equal(res.status, 200, res.text.slice(0, 300));
    assert.equal(res.body.type, 'transaction-response');
    assert.equal(res.body.entry.length, 2);
    for (const e of res.body.entry) {
      assert.match(e.response.status, /^201/);
      if (e.response.location?.includes('://')) assert.ok(e.response.location.startsWith(S().fhirBase), e.response.location);
      const id = e.response.location.replace(/^.*Observation\//, '').split('/')[0];
      await fhir(`Observation/${id}`, { scope, method: 'DELETE' });
    }
  });

  // ---------------------------------------------------- streamed answers

  t.test('proxy: a large answer that needs no check is streamed whole', async () => {
    const s = S();
    const n = 5 * 1024 * 1024;
    const res = await fhir(`Binary/big-${n}`, { scope: 'user/Binary.rs', patient: null });
    assert.equal(res.status, 200, res.text.slice(0, 200));
    assert.equal(res.body.resourceType, 'Binary');
    assert.ok(res.text.length >= n * 0.9, `${res.text.length} bytes`);
    assert.equal(res.r.headers.get('content-length'), null, 'streamed, not buffered');
    // Under a patient/ scope the same read must be checked: Binary is no
    // type of the compartment, and patient/*.rs does not reach it.
    assertOO(await fhir(`Binary/big-${n}`, { scope: 'patient/*.rs' }), 403);
  });

  t.test('proxy: consent never offers a constraint the proxy cannot enforce', async () => {
    const h = helpers(S);
    const bad = 'patient/Observation.rs?code:below=http://loinc.org|718';
    const { jar } = await h.login({ scope: `openid fhirUser launch/patient patient/Patient.rs ${bad} ${LAB}` });
    const page = await h.consentPage(jar);
    assert.equal(page.r.status, 200);
    const offered = page.form.inputs.filter((i) => i.name === 'scope').map((i) => i.value);
    assert.ok(offered.includes(LAB), offered.join(' '));
    assert.ok(!offered.some((v) => v.includes('code:below')), offered.join(' '));
  });

  // ---------------------------------------------------------- the path

  t.test('proxy: encoded, dotted and malformed paths are refused', async () => {
    const token = mint({ scope: 'patient/*.rs user/*.rs' });
    for (const p of ['/fhir/Patient/..%2FObservation', '/fhir/Patient%2Fpat-2', '/fhir/Patient/pat-1%252F..%252Fpat-2',
      '/fhir/Patient/./pat-2', '/fhir/Patient/../Patient/pat-2', '/fhir//Patient/pat-1', '/fhir/Patient/',
      '/fhir/Foo/1', '/fhir/patient/pat-1', '/fhir/Patient/pat-1/_history/', '/fhir/Patient/pat%2D1',
      '/fhir/Observation/obs-pat-1-hgb/Condition', '/fhir/Patient/pat-1/*']) {
      const r = await raw(p, token);
      assert.ok([400, 404].includes(r.status), `${p}: ${r.status} ${r.body.slice(0, 200)}`);
      assert.ok(!r.body.includes('"resourceType":"Patient"') && !r.body.includes('"resourceType":"Observation"'), p);
    }
  });

  t.test('proxy: the FHIR server\'s refusals: its own words for a write, the gateway\'s for a search', async () => {
    const search = await fhir('Observation?date=not-a-date', { scope: 'patient/*.rs' });
    assertOO(search, 400);
    assert.match(search.body.issue[0].diagnostics, /refused the request \(HTTP 400\)/);
    // A conditional update that matches two of the patient's records.
    const scope = 'patient/Observation.cruds';
    const tag = `proxy-412-${crypto.randomBytes(4).toString('hex')}`;
    const obs = newObs('pat-1', 'laboratory', { identifier: [{ system: 'urn:test', value: tag }] });
    const made = [];
    for (let i = 0; i < 2; i++) made.push((await fhir('Observation', { scope, method: 'POST', body: obs })).body.id);
    const write = await fhir(`Observation?identifier=urn:test|${tag}`, { scope, method: 'PUT', body: obs });
    assertOO(write, 412);
    assert.doesNotMatch(JSON.stringify(write.body), /refused the request/);
    for (const id of made) await fhir(`Observation/${id}`, { scope, method: 'DELETE' });
  });

  t.test('proxy: CORS preflight and answers for browser apps', async () => {
    const s = S();
    const pre = await fetch(`${s.fhirBase}/Observation`, { method: 'OPTIONS', headers: {
      origin: 'https://app.example.com', 'access-control-request-method': 'GET',
      'access-control-request-headers': 'authorization' } });
    assert.equal(pre.status, 204);
    assert.ok(pre.headers.get('access-control-allow-origin'));
    assert.match(pre.headers.get('access-control-allow-headers') || '', /Authorization/i);
    const res = await fhir('Patient/pat-1', { scope: 'patient/Patient.rs', headers: { origin: 'https://app.example.com' } });
    assert.equal(res.status, 200);
    assert.ok(res.r.headers.get('access-control-allow-origin'));
  });

  t.test('proxy: one audit line per request, never a token', async () => {
    const s = S();
    const token = mint({ scope: 'patient/Patient.rs' });
    await fhir('Patient/pat-1', { token });
    await fhir('Observation/obs-pat-1-hgb', { token });
    await new Promise((r) => setTimeout(r, 300));
    const log = s.errorLog();
    assert.match(log, /audit client=demo-public user=Patient\/pat-1 patient=pat-1 interaction=read type=Patient outcome=allowed upstream=200/);
    assert.match(log, /audit .*interaction=read type=Observation outcome=denied/);
    assert.ok(!log.includes(token), 'a token in the log');
  });
}
