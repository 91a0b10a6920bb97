// SMART Backend Services (SMART App Launch 2.2 "Backend Services") through
// Apache: client_credentials with a private_key_jwt assertion (RS384 and
// ES384, inline jwks and a jwks_uri served here with Cache-Control), each
// assertion rule and the error it gives (RFC 6749 §5.2, the check named
// in error_description), the scope a backend gets (requested ∩ registered
// system/ scopes), and its token on the FHIR proxy.
//
// Test clients beyond the demo's are added to the registry file for the
// test that needs them (the programs reload it) and removed afterwards.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { SECRETS } from '../harness/clients.mjs';
import { freePort } from '../harness/stack.mjs';
import { assert } from '../harness/t.mjs';
import { helpers } from './flows.mjs';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
const hash = (s) => `sha256:${crypto.createHash('sha256').update(s).digest('base64url')}`;

// A key pair as the demo makes them: { privateKey, jwk (public, kid, alg) }.
function keyPair(kind, kid) {
  const { privateKey, publicKey } = kind === 'rsa'
    ? crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
    : crypto.generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: kind === 'rsa' ? 'RS384' : 'ES384', use: 'sig' };
  return { privateKey, publicKey, jwk };
}

// A compact JWT: RS384, ES384 (JOSE R‖S), HS256 (key is the secret) or none.
function sign(header, claims, key) {
  const input = `${b64(header)}.${b64(claims)}`;
  let sig;
  if (header.alg === 'RS384') sig = crypto.sign('sha384', Buffer.from(input), key);
  else if (header.alg === 'ES384') sig = crypto.sign('sha384', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  else if (header.alg === 'HS256') sig = crypto.createHmac('sha256', key).update(input).digest();
  else sig = Buffer.from('x');	// "none": any non-empty segment
  return `${input}.${sig.toString('base64url')}`;
}

// A JWKS server on loopback: serves what set() last gave it with
// Cache-Control: max-age=0, and counts fetches per path.
function jwksServer() {
  let doc = { keys: [] };
  const fetches = {};
  const srv = http.createServer((req, res) => {
    fetches[req.url] = (fetches[req.url] || 0) + 1;
    if (req.url !== '/jwks') { res.writeHead(404).end(); return; }
    const body = JSON.stringify(doc);
    res.writeHead(200, { 'content-type': 'application/jwk-set+json', 'cache-control': 'max-age=0' });
    res.end(body);
  });
  return {
    fetches,
    set(keys) { doc = { keys }; },
    async start() {
      const port = await freePort();
      await new Promise((r) => srv.listen(port, '127.0.0.1', r));
      this.url = `http://127.0.0.1:${port}/jwks`;
      this.port = port;
    },
    stop() { srv.closeAllConnections(); return new Promise((r) => srv.close(r)); },
  };
}

export function backendTests(t, S) {
  const { access } = helpers(S);
  const tokenUrl = () => `${S().base}/auth/token`;

  // The demo backend client and its key (tests/harness/clients.mjs).
  const demo = () => S().clients.keys['demo-backend'];

  function assertion(clientId, key, o = {}) {
    const header = { alg: key.jwk.alg, kid: key.jwk.kid, typ: 'JWT', ...o.header };
    const claims = { iss: clientId, sub: clientId, aud: tokenUrl(), exp: now() + 120, iat: now(),
      jti: crypto.randomBytes(12).toString('hex'), ...o.claims };
    for (const k of Object.keys(claims)) if (claims[k] === undefined) delete claims[k];
    return sign(header, claims, o.signWith ?? key.privateKey);
  }

  async function post(params, headers = {}) {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined) body.append(k, v);
    const r = await fetch(tokenUrl(), { method: 'POST', body,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });
    const text = await r.text();
    let json;
    try { json = JSON.parse(text); } catch { json = { text }; }
    return { r, body: json };
  }

  // A client_credentials request with this assertion.
  const cc = (a, scope = 'system/*.rs', extra = {}) => post({ grant_type: 'client_credentials', scope,
    client_assertion_type: JWT_BEARER, client_assertion: a, ...extra });

  // An OAuth error answer (RFC 6749 §5.2) whose description names the check.
  function oauthError({ r, body }, status, error, why) {
    assert.equal(r.status, status, JSON.stringify(body));
    assert.equal(body.error, error, JSON.stringify(body));
    assert.match(r.headers.get('content-type'), /^application\/json/);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    assert.ok(!('access_token' in body));
    if (why) assert.match(body.error_description || '', why, JSON.stringify(body));
  }

  // Runs fn with these clients added to the registry, then restores it.
  async function withClients(extra, fn) {
    const file = S().clientsFile;
    const orig = fs.readFileSync(file, 'utf8');
    const write = (text) => {
      fs.writeFileSync(`${file}.new`, text, { mode: 0o644 });
      fs.renameSync(`${file}.new`, file);
    };
    write(JSON.stringify([...JSON.parse(orig), ...extra], null, 2));
    try {
      return await fn();
    } finally {
      write(orig);
    }
  }

  const backendClient = (id, keys) => ({ client_id: id, client_name: `Test backend ${id}`,
    token_endpoint_auth_method: 'private_key_jwt', grant_types: ['client_credentials'], scope: 'system/*.rs',
    ...keys });

  t.test('backend: ES384 assertion gets a system/ access token and nothing else', async () => {
    const { r, body } = await cc(assertion('demo-backend', demo()), 'system/Observation.rs');
    assert.equal(r.status, 200, JSON.stringify(body));
    assert.equal(r.headers.get('cache-control'), 'no-store');
    assert.match(r.headers.get('content-type'), /^application\/json/);
    assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'scope', 'token_type']);
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.scope, 'system/Observation.rs');
    assert.ok(Number.isInteger(body.expires_in) && body.expires_in > 0 && body.expires_in <= 300, String(body.expires_in));
    // What the token carries: the client, the scope, no user, no patient, <= 5 min.
    const a = access(body.access_token);
    assert.equal(a.cid, 'demo-backend');
    assert.equal(a.sub, 'demo-backend');
    assert.equal(a.scope, 'system/Observation.rs');
    assert.equal(a.fu, undefined);
    assert.deepEqual(a.ctx, {});
    assert.ok(a.exp - a.iat <= 300);
  });

  t.test('backend: RS384 with inline keys works too; v1 scopes are answered in v1', async () => {
    const rs = keyPair('rsa', 'rs-1');
    await withClients([backendClient('test-backend-rs', { jwks: { keys: [rs.jwk] } })], async () => {
      const { r, body } = await cc(assertion('test-backend-rs', rs), 'system/Patient.read');
      assert.equal(r.status, 200, JSON.stringify(body));
      assert.equal(body.scope, 'system/Patient.read');
    });
  });

  t.test('backend: a replayed assertion is refused', async () => {
    const a = assertion('demo-backend', demo());
    assert.equal((await cc(a)).r.status, 200);
    oauthError(await cc(a), 401, 'invalid_client', /replayed/);
  });

  t.test('backend: expired and far-future exp are refused', async () => {
    oauthError(await cc(assertion('demo-backend', demo(), { claims: { exp: now() - 120, iat: now() - 200 } })),
      401, 'invalid_client', /expired/);
    oauthError(await cc(assertion('demo-backend', demo(), { claims: { exp: now() + 3600 } })),
      401, 'invalid_client', /five minutes/);
    oauthError(await cc(assertion('demo-backend', demo(), { claims: { exp: now() + 310 } })),
      401, 'invalid_client', /five minutes/);
    oauthError(await cc(assertion('demo-backend', demo(), { claims: { exp: undefined } })),
      401, 'invalid_client', /exp/);
  });

  t.test('backend: aud must be the token URL', async () => {
    for (const aud of [`${S().base}/auth/authorize`, S().fhirBase, `${tokenUrl()}/`, ['https://elsewhere.example/token']]) {
      oauthError(await cc(assertion('demo-backend', demo(), { claims: { aud } })), 401, 'invalid_client',
        /aud is not the token endpoint/);
    }
    // An aud array that holds the token URL is fine (RFC 7523 §3).
    const ok = await cc(assertion('demo-backend', demo(), { claims: { aud: ['https://x.example', tokenUrl()] } }));
    assert.equal(ok.r.status, 200, JSON.stringify(ok.body));
  });

  t.test('backend: iss and sub must both be the client_id', async () => {
    oauthError(await cc(assertion('demo-backend', demo(), { claims: { sub: 'someone-else' } })),
      401, 'invalid_client', /sub is not the client_id/);
    oauthError(await cc(assertion('demo-backend', demo(), { claims: { sub: undefined } })),
      401, 'invalid_client', /sub is not the client_id/);
    // iss names another client than client_id.
    oauthError(await cc(assertion('demo-jwt-es384', demo()), 'system/*.rs', { client_id: 'demo-backend' }),
      401, 'invalid_client', /iss is not the client_id/);
    // iss is a client that does not exist, or not private_key_jwt.
    for (const iss of ['nobody', 'demo-confidential']) {
      oauthError(await cc(assertion(iss, demo())), 401, 'invalid_client', /iss is not a client registered/);
    }
  });

  t.test('backend: kid must name exactly one key, of the alg', async () => {
    oauthError(await cc(assertion('demo-backend', demo(), { header: { kid: 'no-such-kid' } })),
      401, 'invalid_client', /kid names no registered key/);
    oauthError(await cc(assertion('demo-backend', demo(), { header: { kid: undefined } })),
      401, 'invalid_client', /has no kid/);
    // The EC key's kid on an RS384 assertion: the alg does not fit the key.
    const rs = keyPair('rsa', 'x');
    oauthError(await cc(assertion('demo-backend', demo(), { header: { alg: 'RS384' }, signWith: rs.privateKey })),
      401, 'invalid_client', /alg does not fit/);
    // The right kid and alg, another key: the signature fails.
    const ec = keyPair('ec', 'y');
    oauthError(await cc(assertion('demo-backend', demo(), { signWith: ec.privateKey })),
      401, 'invalid_client', /signature/);
  });

  t.test('backend: alg none, HS256 with the public key as secret, RS256 are refused', async () => {
    const claims = { iss: 'demo-backend', sub: 'demo-backend', aud: tokenUrl(), exp: now() + 60,
      jti: crypto.randomBytes(8).toString('hex') };
    const kid = demo().jwk.kid;
    oauthError(await cc(sign({ alg: 'none', kid }, claims)), 401, 'invalid_client', /algorithm not allowed/);
    // The usual "none" shape, with an empty signature: not even a JWS.
    oauthError(await cc(`${b64({ alg: 'none' })}.${b64(claims)}.`), 401, 'invalid_client', /malformed/);
    const pem = crypto.createPublicKey({ key: demo().jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
    oauthError(await cc(sign({ alg: 'HS256', kid }, { ...claims, jti: 'hs-1' }, pem)), 401, 'invalid_client',
      /algorithm not allowed/);
    const rs = keyPair('rsa', kid);
    const input = `${b64({ alg: 'RS256', kid })}.${b64({ ...claims, jti: 'rs256-1' })}`;
    const rs256 = `${input}.${crypto.sign('sha256', Buffer.from(input), rs.privateKey).toString('base64url')}`;
    oauthError(await cc(rs256), 401, 'invalid_client', /algorithm not allowed/);
  });

  t.test('backend: a jku is accepted only when it is the registered jwks_uri', async () => {
    // Inline keys: no jwks_uri, so any jku is foreign.
    oauthError(await cc(assertion('demo-backend', demo(), { header: { jku: 'https://evil.example/jwks' } })),
      401, 'invalid_client', /jku is not the registered jwks_uri/);
    const js = jwksServer();
    await js.start();
    const k = keyPair('ec', 'uri-1');
    js.set([k.jwk]);
    try {
      await withClients([backendClient('test-backend-uri', { jwks_uri: js.url })], async () => {
        const foreign = `http://127.0.0.1:${js.port}/other-jwks`;
        oauthError(await cc(assertion('test-backend-uri', k, { header: { jku: foreign } })),
          401, 'invalid_client', /jku/);
        assert.equal(js.fetches['/other-jwks'], undefined, 'a foreign jku was fetched');
        const ok = await cc(assertion('test-backend-uri', k, { header: { jku: js.url } }));
        assert.equal(ok.r.status, 200, JSON.stringify(ok.body));
      });
    } finally {
      await js.stop();
    }
  });

  t.test('backend: a jwks_uri key rotated under max-age=0 is used at once, the old one no more', async () => {
    const js = jwksServer();
    await js.start();
    // Same kid before and after: only honouring max-age=0 can see the new key.
    const k1 = keyPair('ec', 'rot');
    const k2 = keyPair('rsa', 'rot');
    js.set([k1.jwk]);
    try {
      await withClients([backendClient('test-backend-rot', { jwks_uri: js.url })], async () => {
        // Every FastCGI process caches: warm them all with the old key.
        for (let i = 0; i < 4; i++) {
          const r = await cc(assertion('test-backend-rot', k1));
          assert.equal(r.r.status, 200, JSON.stringify(r.body));
        }
        const before = js.fetches['/jwks'];
        assert.ok(before >= 4, `max-age=0 must fetch on every use (${before} fetches)`);
        js.set([k2.jwk]);
        for (let i = 0; i < 4; i++) {
          const r = await cc(assertion('test-backend-rot', k2));
          assert.equal(r.r.status, 200, JSON.stringify(r.body));
        }
        oauthError(await cc(assertion('test-backend-rot', k1)), 401, 'invalid_client', /alg does not fit|signature/);
      });
    } finally {
      await js.stop();
    }
  });

  t.test('backend: scope is requested ∩ registered system/ scopes, never widened', async () => {
    let { r, body } = await cc(assertion('demo-backend', demo()), 'system/*.cruds');
    assert.equal(r.status, 200, JSON.stringify(body));
    assert.equal(body.scope, 'system/*.rs');
    assert.equal(access(body.access_token).scope, 'system/*.rs');
    // patient/, user/, openid and offline_access are dropped, never granted.
    ({ r, body } = await cc(assertion('demo-backend', demo()),
      'patient/*.rs user/*.rs openid fhirUser offline_access launch system/Observation.rs'));
    assert.equal(r.status, 200, JSON.stringify(body));
    assert.equal(body.scope, 'system/Observation.rs');
    assert.ok(!('refresh_token' in body) && !('id_token' in body) && !('patient' in body));
    // Nothing grantable.
    oauthError(await cc(assertion('demo-backend', demo()), 'patient/*.rs'), 400, 'invalid_scope', /system\//);
    oauthError(await cc(assertion('demo-backend', demo()), 'system/*.write'), 400, 'invalid_scope', /system\//);
    oauthError(await post({ grant_type: 'client_credentials', client_assertion_type: JWT_BEARER,
      client_assertion: assertion('demo-backend', demo()) }), 400, 'invalid_request', /scope is required/);
  });

  t.test('backend: only private_key_jwt clients registered for client_credentials', async () => {
    const secret = SECRETS['demo-confidential'];
    const basic = (id) => ({ authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` });
    await withClients([{ client_id: 'test-backend-secret', token_endpoint_auth_method: 'client_secret_basic',
      client_secret_hash: hash(secret), grant_types: ['client_credentials'], scope: 'system/*.rs' }], async () => {
      // Registered for the grant, but a shared secret is not enough.
      oauthError(await post({ grant_type: 'client_credentials', scope: 'system/*.rs' }, basic('test-backend-secret')),
        400, 'unauthorized_client', /private_key_jwt/);
    });
    // The demo EHR has a secret and no client_credentials (any more).
    oauthError(await post({ grant_type: 'client_credentials', scope: 'system/*.rs' },
      { authorization: `Basic ${Buffer.from(`demo-ehr:${SECRETS['demo-ehr']}`).toString('base64')}` }),
    400, 'unauthorized_client', /not registered for client_credentials/);
    // A private_key_jwt app not registered for it.
    const { assertion: appAssertion } = helpers(S);
    oauthError(await cc(appAssertion('demo-jwt-es384', 'ec')), 400, 'unauthorized_client',
      /not registered for client_credentials/);
    // A public client: no client authentication at all.
    oauthError(await post({ grant_type: 'client_credentials', scope: 'system/*.rs', client_id: 'demo-public' }),
      401, 'invalid_client', /client authentication/);
  });

  t.test('backend: its token on the proxy: system/ scopes, no compartment, other types 403', async () => {
    const fhir = async (path, tok) => {
      const r = await fetch(`${S().fhirBase}/${path}`, { headers: { authorization: `Bearer ${tok}`, accept: 'application/fhir+json' } });
      return { status: r.status, body: await r.json().catch(() => undefined) };
    };
    const { body } = await cc(assertion('demo-backend', demo()), 'system/Observation.rs');
    const tok = body.access_token;
    // Read and search Observation, of every patient (no patient context).
    let r = await fhir('Observation/obs-pat-1-hgb', tok);
    assert.equal(r.status, 200);
    r = await fhir('Observation/obs-pat-2-hgb', tok);
    assert.equal(r.status, 200);
    r = await fhir('Observation?_count=100', tok);
    assert.equal(r.status, 200);
    const subjects = new Set((r.body.entry || []).map((e) => e.resource.subject && e.resource.subject.reference));
    assert.ok(subjects.size >= 2, `a system search is not confined to one patient: ${[...subjects]}`);
    // Types it was not granted: 403, including patient data.
    for (const p of ['Condition', 'Condition/cond-pat-1-1', 'Patient/pat-1', 'MedicationRequest']) {
      r = await fhir(p, tok);
      assert.equal(r.status, 403, p);
      assert.equal(r.body.resourceType, 'OperationOutcome');
    }
    // Writes: .rs is read and search only.
    const w = await fetch(`${S().fhirBase}/Observation`, { method: 'POST', body: JSON.stringify({ resourceType: 'Observation',
      status: 'final', code: { text: 'x' } }), headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/fhir+json' } });
    assert.equal(w.status, 403);
    // system/*.rs: any patient, any type in the Patient compartment, unconfined.
    const all = (await cc(assertion('demo-backend', demo()), 'system/*.rs')).body.access_token;
    for (const p of ['Patient/pat-2', 'Patient/pat-3', 'Condition/cond-pat-2-1', 'Condition?patient=pat-3']) {
      r = await fhir(p, all);
      assert.equal(r.status, 200, p);
    }
  });

  t.test('backend: discovery advertises client_credentials and system/ scopes', async () => {
    const d = await (await fetch(`${S().fhirBase}/.well-known/smart-configuration`)).json();
    assert.ok(d.grant_types_supported.includes('client_credentials'));
    assert.ok(d.scopes_supported.includes('system/*.rs'));
    assert.ok(d.capabilities.includes('client-confidential-asymmetric'));
    for (const alg of ['RS384', 'ES384']) assert.ok(d.token_endpoint_auth_signing_alg_values_supported.includes(alg));
  });
}
