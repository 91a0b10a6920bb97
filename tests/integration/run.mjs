// Integration tests through a real Apache (mod_fcgid) with the real
// peers: the OpenID provider and the FHIR server from tests/peers.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { startStack, freePort } from '../harness/stack.mjs';
import { suite, assert } from '../harness/t.mjs';
import { backendTests } from './backend.mjs';
import { checkTests } from './check.mjs';
import { browserTests } from './browser.mjs';
import { flowTests, helpers } from './flows.mjs';
import { grantsTests } from './grants.mjs';
import { manageTests } from './manage.mjs';
import { mintAccess, proxyTests } from './proxy.mjs';
import { proxyFcgiTests } from './proxyfcgi.mjs';
import { revokeTests } from './revoke.mjs';
import { rotateTests } from './rotate.mjs';
import { recipeTests } from './recipes.mjs';
import { redisTests } from './redis.mjs';

const t = suite('integration');
let s;		// the main stack
let bad;	// a stack whose upstream misbehaves on command
let mode = 'ok';	// what the misbehaving upstream does next
let lastAuth;		// the Authorization header it last saw
let badUpstream;

const get = (url, init = {}) => fetch(url, { redirect: 'manual', ...init });

async function getJson(url, init) {
  const r = await get(url, init);
  const text = await r.text();
  let body;
  try { body = JSON.parse(text); } catch { body = undefined; }
  return { r, body, text };
}

// RFC 7638 thumbprint of a public JWK.
function thumbprint(k) {
  const members = k.kty === 'RSA' ? { e: k.e, kty: k.kty, n: k.n } : { crv: k.crv, kty: k.kty, x: k.x, y: k.y };
  return crypto.createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

t.test('smart-configuration through Apache: fields, JSON, CORS', async () => {
  const { r, body } = await getJson(`${s.fhirBase}/.well-known/smart-configuration`, {
    headers: { Accept: 'application/fhir+xml', Origin: 'https://app.example.com' },
  });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^application\/json/);
  assert.equal(r.headers.get('access-control-allow-origin'), '*');
  assert.match(r.headers.get('x-request-id'), /^[0-9a-f]{16}$/);
  assert.deepEqual(body.code_challenge_methods_supported, ['S256']);
  assert.ok(!JSON.stringify(body).includes('"plain"'));
  assert.equal(body.jwks_uri, `${s.issuer}/jwks`);
  assert.ok(Array.isArray(body.capabilities));
  assert.ok(Array.isArray(body.grant_types_supported));
});

t.test('everything discovery advertises answers', async () => {
  const { body } = await getJson(`${s.fhirBase}/.well-known/smart-configuration`);
  const urls = Object.entries(body).filter(([k]) => k.endsWith('_endpoint') || k.endsWith('_uri')).map(([, v]) => v);
  assert.ok(urls.length >= 1);
  for (const u of urls) {
    assert.ok(u.startsWith(s.base), `${u} is not ours`);
    const r = await get(u);
    assert.notEqual(r.status, 404, `${u} is advertised but answers 404`);
    assert.ok(r.status < 500, `${u} answers ${r.status}`);
  }
});

t.test('openid-configuration at the issuer agrees with the SMART document', async () => {
  const smart = (await getJson(`${s.fhirBase}/.well-known/smart-configuration`)).body;
  const { r, body } = await getJson(`${s.issuer}/.well-known/openid-configuration`);
  assert.equal(r.status, 200);
  assert.equal(body.issuer, s.issuer);
  assert.equal(body.jwks_uri, smart.jwks_uri);
  for (const k of Object.keys(body).filter((x) => x.endsWith('_endpoint'))) assert.equal(body[k], smart[k]);
});

t.test('JWKS: our signing key, public members only, kid is the thumbprint', async () => {
  const { r, body } = await getJson(`${s.issuer}/jwks`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^application\/jwk-set\+json/);
  assert.equal(body.keys.length, 1);
  const k = body.keys[0];
  assert.equal(k.kty, 'RSA');
  assert.equal(k.alg, 'RS256');
  assert.equal(k.use, 'sig');
  assert.equal(k.kid, thumbprint(k));
  for (const p of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.ok(!(p in k));
  // The published key is the one in the key file.
  const pem = crypto.createPublicKey(crypto.createPrivateKey(fs.readFileSync(s.signingKey)));
  assert.equal(pem.export({ format: 'jwk' }).n, k.n);
});

t.test('smart-style.json', async () => {
  const { r, body } = await getJson(`${s.issuer}/smart-style.json`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^application\/json/);
  assert.match(body.color_highlight, /^#/);
});

t.test('FHIR metadata: upstream CapabilityStatement, rewritten, with SMART security', async () => {
  const { r, body, text } = await getJson(`${s.fhirBase}/metadata`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^application\/fhir\+json/);
  assert.equal(body.resourceType, 'CapabilityStatement');
  assert.equal(body.implementation.url, s.fhirBase);
  assert.ok(!text.includes(`127.0.0.1:${s.fhirPort}`), 'upstream address leaked');
  const sec = body.rest.find((x) => x.mode === 'server').security;
  assert.ok(sec.service.some((svc) => svc.coding.some((c) =>
    c.system === 'http://terminology.hl7.org/CodeSystem/restful-security-service' && c.code === 'SMART-on-FHIR')));
  // The oauth-uris extension lists exactly the well-known endpoints.
  const smart = (await getJson(`${s.fhirBase}/.well-known/smart-configuration`)).body;
  const ext = (sec.extension || []).find((e) => e.url === 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris');
  const got = Object.fromEntries((ext ? ext.extension : []).map((e) => [e.url, e.valueUri]));
  const want = {};
  for (const [k, name] of [['authorization_endpoint', 'authorize'], ['token_endpoint', 'token'],
    ['introspection_endpoint', 'introspect'], ['revocation_endpoint', 'revoke'],
    ['management_endpoint', 'manage']]) if (smart[k]) want[name] = smart[k];
  assert.deepEqual(got, want);
});

t.test('FHIR metadata is JSON whatever Accept says; _format=xml is 406', async () => {
  let { r, body } = await getJson(`${s.fhirBase}/metadata`, { headers: { Accept: 'application/fhir+xml' } });
  assert.equal(r.status, 200);
  assert.equal(body.resourceType, 'CapabilityStatement');
  ({ r, body } = await getJson(`${s.fhirBase}/metadata?_format=xml`));
  assert.equal(r.status, 406);
  assert.equal(body.resourceType, 'OperationOutcome');
});

t.test('CORS preflight through Apache', async () => {
  const r = await get(`${s.fhirBase}/metadata`, { method: 'OPTIONS', headers: {
    Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'GET' } });
  assert.equal(r.status, 204);
  assert.ok(r.headers.get('access-control-allow-origin'));
  assert.match(r.headers.get('access-control-allow-methods'), /GET/);
});

t.test('wrong method is 405 with Allow', async () => {
  const r = await get(`${s.fhirBase}/.well-known/smart-configuration`, { method: 'POST', body: 'x=1',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  assert.equal(r.status, 405);
  assert.match(r.headers.get('allow'), /GET/);
});

t.test('oversize query is refused with an OperationOutcome', async () => {
  const { r, body } = await getJson(`${s.fhirBase}/metadata?${'a=b&'.repeat(1500)}`);
  assert.ok([400, 413, 414].includes(r.status), `status ${r.status}`);
  assert.equal(body.resourceType, 'OperationOutcome');
});

t.test('every answer is logged with its request id, and no query strings', async () => {
  const r = await get(`${s.fhirBase}/metadata?secretish=abc123`);
  const id = r.headers.get('x-request-id');
  await new Promise((res) => setTimeout(res, 200));
  const log = s.errorLog();
  assert.ok(log.includes(`rid=${id}`), 'request id not in the log');
  assert.ok(!log.includes('abc123'), 'query string logged');
});

t.test('static files are served', async () => {
  const r = await get(`${s.base}/smartgate-static/smartgate.css`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/css/);
});

t.test('upstream down: 502 OperationOutcome', async () => {
  mode = 'down';
  const { r, body } = await getJson(`${bad.fhirBase}/metadata`);
  assert.equal(r.status, 502);
  assert.equal(body.resourceType, 'OperationOutcome');
});

t.test('upstream slow: 504 OperationOutcome, no hang', async () => {
  mode = 'hang';
  const t0 = Date.now();
  const { r, body } = await getJson(`${bad.fhirBase}/metadata`);
  assert.equal(r.status, 504);
  assert.equal(body.resourceType, 'OperationOutcome');
  assert.ok(Date.now() - t0 < 5000, 'took too long');
});

t.test('upstream answers HTML: 502 OperationOutcome', async () => {
  mode = 'html';
  const { r, body } = await getJson(`${bad.fhirBase}/metadata`);
  assert.equal(r.status, 502);
  assert.equal(body.resourceType, 'OperationOutcome');
});

t.test('upstream answers too much: 502 OperationOutcome', async () => {
  mode = 'huge';
  const { r, body } = await getJson(`${bad.fhirBase}/metadata`);
  assert.equal(r.status, 502);
  assert.equal(body.resourceType, 'OperationOutcome');
});

t.test('proxy: upstream down, slow, garbage, too large: 502 or 504, an OperationOutcome, and never our token upstream', async () => {
  // patient/*.rs: Observation answers are checked (parsed under
  // fhir_filter_max), a Medication read streams.
  const token = mintAccess(bad, { scope: 'patient/*.rs' });
  const ask = async (path) => {
    const t0 = Date.now();
    const res = await getJson(`${bad.fhirBase}/${path}`, { headers: { authorization: `Bearer ${token}` } });
    assert.ok(Date.now() - t0 < 5000, `${path} took too long`);
    assert.equal(res.body?.resourceType, 'OperationOutcome', `${mode} ${path}: ${res.text.slice(0, 200)}`);
    return res.r.status;
  };
  for (const [m, want] of [['down', 502], ['hang', 504], ['html', 502], ['huge', 502]]) {
    mode = m;
    for (const path of ['Observation?code=x', 'Observation/o1', ...(m === 'huge' ? [] : ['Medication/m1'])])
      assert.equal(await ask(path), want, `${m} ${path}`);
  }
  mode = 'ok';
  lastAuth = undefined;
  await getJson(`${bad.fhirBase}/Medication/m1`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(lastAuth, 'Bearer upstream-token-0123456789', 'the gateway\'s own credential goes upstream');
});

t.test('proxy: upstream token mode: the gateway gets client-credentials tokens, shares them, never sends the app\'s', async () => {
  const u = await startStack({ upstreamAuth: true, fhirHooks: true });
  try {
    // The FHIR server really refuses requests without its token.
    assert.equal((await get(`${u.upstream}/Patient/pat-1`)).status, 401);
    await get(`http://127.0.0.1:${u.fhirPort}/__log`, { method: 'DELETE' });
    const token = mintAccess(u, { scope: 'patient/*.rs' });
    const h = { headers: { authorization: `Bearer ${token}` } };
    for (let i = 0; i < 3; i++) {
      const res = await getJson(`${u.fhirBase}/Patient/pat-1`, h);
      assert.equal(res.r.status, 200, res.text.slice(0, 300));
    }
    const search = await getJson(`${u.fhirBase}/Observation?code=718-7`, h);
    assert.equal(search.r.status, 200);
    assert.equal((await getJson(`${u.fhirBase}/metadata`)).r.status, 200);
    const seen = (await getJson(`http://127.0.0.1:${u.fhirPort}/__log`)).body;
    const ours = seen.filter((x) => x.url.includes('/Patient/pat-1') || x.url.includes('/Observation'));
    assert.ok(ours.length >= 4, JSON.stringify(seen).slice(0, 300));
    for (const x of ours) assert.match(JSON.stringify(x.auth), /smartgate-upstream/, JSON.stringify(x));
    assert.ok(!JSON.stringify(seen).includes(token.slice(0, 40)), 'the app\'s token went upstream');
    // Fetched once and shared by the processes through the ledger folder.
    const st = fs.statSync(`${u.dir}/ledger/upstream-token`);
    assert.equal(st.mode & 0o077, 0, 'the shared token file is private');
  } finally {
    await u.stop();
  }
});

t.test('upstream back: served again with our upstream credential, then cached', async () => {
  mode = 'ok';
  let { r } = await getJson(`${bad.fhirBase}/metadata`);
  assert.equal(r.status, 200);
  assert.equal(lastAuth, 'Bearer upstream-token-0123456789', 'upstream_fhir_token_file not sent');
  mode = 'down';
  // metadata_cache_ttl is 60 s in this stack: the same process answers
  // from its cache.  mod_fcgid may route to another process, so retry.
  let ok = 0;
  for (let i = 0; i < 4; i++) if ((await get(`${bad.fhirBase}/metadata`)).status === 200) ok++;
  assert.ok(ok >= 1, 'cache never used');
});

t.test('bad configuration: Apache answers 500 and the log names the setting', async () => {
  const b = await startStack({ settings: { access_token_ttl: 7 } });
  try {
    const r = await get(`${b.fhirBase}/.well-known/smart-configuration`);
    assert.equal(r.status, 500);
    await new Promise((res) => setTimeout(res, 300));
    assert.match(b.errorLog(), /access_token_ttl/);
  } finally {
    await b.stop();
  }
});

flowTests(t, () => s);
proxyTests(t, () => s);
rotateTests(t, () => s);
grantsTests(t, () => s);
revokeTests(t, () => s);
manageTests(t, () => s);
backendTests(t, () => s);
redisTests(t, () => s);
recipeTests(t, () => s);
checkTests(t, () => s);
proxyFcgiTests(t);

t.test('login at Apache: REMOTE_USER from Basic auth, mapped by the user map', async () => {
  // A site that logs in at Apache (any auth module) instead of an IdP.
  const dir = fs.mkdtempSync('/tmp/smartgate-ru-');
  fs.chmodSync(dir, 0o755);
  const sha = (p) => `{SHA}${crypto.createHash('sha1').update(p).digest('base64')}`;
  fs.writeFileSync(`${dir}/htpasswd`, `nurse:${sha('nurse-pw')}\nstranger:${sha('stranger-pw')}\n`, { mode: 0o644 });
  fs.writeFileSync(`${dir}/users.json`, JSON.stringify({ nurse: 'Practitioner/prac-2' }), { mode: 0o644 });
  const ru = await startStack({ settings: { login: 'remote_user', user_map_file: `${dir}/users.json` },
    extraApache: `<Location /auth/authorize>\n\tAuthType Basic\n\tAuthName smartgate\n\tAuthUserFile ${dir}/htpasswd\n\tRequire valid-user\n</Location>` });
  try {
    const h = helpers(() => ru);
    const basic = (u, p) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });
    const pkce = { verifier: crypto.randomBytes(32).toString('base64url') };
    pkce.challenge = crypto.createHash('sha256').update(pkce.verifier).digest('base64url');
    const a = h.authorizeUrl({ code_challenge: pkce.challenge });
    let r = await fetch(a.url, { redirect: 'manual' });
    assert.equal(r.status, 401, 'Apache asks for credentials');
    r = await fetch(a.url, { redirect: 'manual', headers: basic('stranger', 'stranger-pw') });
    assert.equal(new URL(r.headers.get('location')).searchParams.get('error'), 'access_denied');
    r = await fetch(a.url, { redirect: 'manual', headers: basic('nurse', 'nurse-pw') });
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), `${ru.base}/auth/consent`);
    const jar = { c: r.headers.getSetCookie().map((x) => x.split(';')[0]).join('; ') };
    const page = await h.consentPage({ header: () => jar.c });
    assert.match(page.html, /nurse/);
    const d = await h.decide({ header: () => jar.c, store() {} }, page, { patient: 'pat-1' });
    const c = { code: new URL(d.location).searchParams.get('code'), pkce };
    const { body } = await h.exchange(c);
    assert.equal(body.patient, 'pat-1');
    const at = h.access(body.access_token);
    assert.equal(at.sub, 'nurse');
    assert.equal(at.fu, 'Practitioner/prac-2');
    // No identity provider here: the callback is a page saying so.
    const cb = await fetch(`${ru.base}/auth/callback?state=x&code=y`, { redirect: 'manual' });
    assert.equal(cb.status, 404);
    assert.match(await cb.text(), /not used here/);
  } finally {
    await ru.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

t.test('ledger unreachable: the gateway fails closed with 503', async () => {
  const down = await startStack({ settings: { ledger: 'lmdb:/nonexistent/smartgate-ledger' } });
  try {
    const h = helpers(() => down);
    // The consent decision is recorded in the ledger first: no ledger, no code.
    const { jar } = await h.login();
    const page = await h.consentPage(jar);
    const d = await h.decide(jar, page);
    assert.equal(d.r.status, 503);
    assert.equal(d.location, null);
    await new Promise((res) => setTimeout(res, 200));
    assert.match(down.errorLog(), /ledger/);
  } finally {
    await down.stop();
  }
});

t.test('LMDB ledger missing, then there: consent, token and proxy fail closed, then recover by themselves', async () => {
  const dir = fs.mkdtempSync('/tmp/smartgate-later-');
  fs.chmodSync(dir, 0o755);
  const later = `${dir}/ledger`;
  const st = await startStack({ settings: { ledger: `lmdb:${later}` } });
  try {
    const h = helpers(() => st);
    const token = mintAccess(st, { scope: 'patient/*.rs' });
    const read = () => getJson(`${st.fhirBase}/Patient/pat-1`, { headers: { authorization: `Bearer ${token}` } });
    let res = await read();
    assert.equal(res.r.status, 503, res.text.slice(0, 200));
    assert.equal(res.body.resourceType, 'OperationOutcome');
    const { jar } = await h.login();
    const d = await h.decide(jar, await h.consentPage(jar));
    assert.equal(d.r.status, 503);
    // The folder appears (an administrator fixed it): no restart needed.
    fs.mkdirSync(later, { mode: 0o700 });
    if (process.getuid() === 0) execFileSync('chown', ['www-data:www-data', later]);
    res = await read();
    assert.equal(res.r.status, 200, res.text.slice(0, 200));
    const c = await h.code();
    const x = await h.exchange(c);
    assert.equal(x.r.status, 200, JSON.stringify(x.body));
    assert.equal((await getJson(`${st.fhirBase}/Patient/pat-1`,
      { headers: { authorization: `Bearer ${x.body.access_token}` } })).r.status, 200);
  } finally {
    await st.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// A FHIR server that misbehaves as told by `mode`.
function misbehaving() {
  const conns = new Set();
  const srv = http.createServer((req, res) => {
    lastAuth = req.headers.authorization;
    if (mode === 'hang') return;			// never answers
    if (mode === 'down') { req.socket.destroy(); return; }
    if (mode === 'html') {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<html><body>login</body></html>');
      return;
    }
    if (mode === 'huge') {
      res.writeHead(200, { 'Content-Type': 'application/fhir+json' });
      const chunk = Buffer.alloc(1 << 20, 0x20);
      let n = 0;
      const more = () => {
        while (n < 12 && res.write(chunk)) n++;
        if (n >= 12) res.end(); else res.once('drain', () => { n++; more(); });
      };
      res.write('{"resourceType":"CapabilityStatement","x":"');
      more();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/fhir+json' });
    res.end(JSON.stringify({ resourceType: 'CapabilityStatement', status: 'active', kind: 'instance',
      fhirVersion: '4.0.1', format: ['json'], rest: [{ mode: 'server' }] }));
  });
  srv.on('connection', (c) => { conns.add(c); c.on('close', () => conns.delete(c)); });
  srv.closeAll = () => { for (const c of conns) c.destroy(); srv.close(); };
  return srv;
}

browserTests(t, () => s);

// Apache itself: what it tells and what it echoes.

// One raw request (fetch refuses TRACE): { status, headers, body }.
function raw(url, method, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

t.test('apache: TRACE is refused and never echoes the cookie', async () => {
  for (const u of [`${s.base}/auth/consent`, `${s.fhirBase}/metadata`, `${s.base}/smartgate-static/smartgate.css`, `${s.base}/`]) {
    const r = await raw(u, 'TRACE', { cookie: '__Host-sg_tx=trace-secret-cookie-value' });
    assert.ok([403, 405].includes(r.status), `${u}: TRACE answered ${r.status}`);
    assert.ok(!r.body.includes('trace-secret-cookie-value'), `${u}: TRACE echoed the cookie`);
  }
});

t.test('apache: the Server header is exactly "Apache", error pages carry no signature', async () => {
  for (const u of [`${s.fhirBase}/.well-known/smart-configuration`, `${s.base}/smartgate-static/smartgate.css`,
    `${s.base}/no-such-page`, `${s.issuer}/consent`]) {
    const r = await raw(u, 'GET');
    assert.equal(r.headers.server, 'Apache', u);
    assert.ok(!/Apache\/\d|mod_fcgid|Debian/.test(r.body), `${u}: ${r.body.slice(0, 200)}`);
  }
});

t.test('apache: the access log keeps no code, state or launch from query strings', async () => {
  // A full flow through the identity provider's callback, plus a query
  // on consent, after everything above (the browser tests included).
  const h = helpers(() => s);
  const c = await h.code();
  assert.equal((await h.exchange(c)).r.status, 200);
  await new Promise((res) => setTimeout(res, 300));
  const log = fs.readFileSync(`${s.dir}/logs/access.log`, 'utf8');
  for (const word of ['code=', 'state=', 'launch=']) assert.ok(!log.includes(word), `${word} in the access log`);
  assert.match(log, /GET \/auth\/callback /, 'the callback is logged');
});

t.test('flow: "approve" with nothing chosen is final: the same form gives no code afterwards', async () => {
  const h = helpers(() => s);
  const { jar, a } = await h.login();
  const page = await h.consentPage(jar);
  const cookie = jar.header(`${s.base}/auth/consent`);
  const d = await h.decide(jar, page, { scopes: [] });
  const u = new URL(d.location);
  assert.equal(u.searchParams.get('error'), 'access_denied');
  assert.equal(u.searchParams.get('state'), a.params.state);
  assert.match(d.r.headers.get('set-cookie') || '', /sg_tx=;.*Max-Age=0/, 'the transaction cookie is cleared');
  const again = await h.decide({ header: () => cookie, store() {} }, page);
  assert.equal(again.r.status, 400);
  assert.equal(again.location, null);
});

t.test('flow: a practitioner cannot pick patient "." or ".." (the FHIR server would search or read the base)', async () => {
  const h = helpers(() => s);
  const { jar } = await h.login({ scope: 'openid fhirUser launch/patient patient/*.rs' }, 'doctor');
  const page = await h.consentPage(jar);
  for (const patient of ['.', '..']) {
    const d = await h.decide(jar, page, { patient });
    assert.equal(d.r.status, 200, `${patient}: ${d.r.status} ${d.location}`);
    assert.match(d.text, /Choose a patient/);
  }
});

await t.run({
  before: async () => {
    s = await startStack({ fhirHooks: true });
    const port = await freePort();
    badUpstream = misbehaving();
    await new Promise((r) => badUpstream.listen(port, '127.0.0.1', r));
    bad = await startStack({ settings: {
      upstream_fhir: `http://127.0.0.1:${port}/fhir`, upstream_timeout_ms: 1500, metadata_cache_ttl: 60,
      fhir_filter_max: 1048576 },
      files: { 'upstream-token': 'upstream-token-0123456789\n' } });
  },
  after: async (_, failed) => {
    if (failed && s) console.log(`--- error log (main stack) ---\n${s.errorLog().split('\n').slice(-40).join('\n')}`);
    if (badUpstream) badUpstream.closeAll();
    if (bad) await bad.stop();
    if (s) await s.stop();
  },
});
