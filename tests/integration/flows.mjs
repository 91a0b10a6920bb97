// The authorization code flow end to end through Apache, with the real
// identity provider: standalone and EHR launch, every client
// authentication method, refresh, consent choices, and the failures.
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { browserlessLogin, CookieJar, pkcePair, parseForms } from '../peers/oidc-login.mjs';
import { SECRETS } from '../harness/clients.mjs';
import { PURPOSE, expire, openAccess, seal, unseal } from '../harness/seal.mjs';
import { assert } from '../harness/t.mjs';

const OBS_LAB = 'patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory';

export function helpers(S) {
  const app = () => `${S().base}/demo/app/index.html`;

  function authorizeUrl(o = {}) {
    const s = S();
    const u = new URL(`${s.base}/auth/authorize`);
    const p = {
      response_type: 'code', client_id: 'demo-public', redirect_uri: app(),
      scope: 'openid fhirUser launch/patient offline_access patient/*.rs', state: crypto.randomBytes(12).toString('base64url'),
      aud: s.fhirBase, code_challenge_method: 'S256', nonce: crypto.randomBytes(8).toString('hex'), ...o,
    };
    for (const [k, v] of Object.entries(p)) if (v !== undefined && v !== null) u.searchParams.set(k, v);
    return { url: u.href, params: p };
  }

  // authorize → IdP login → callback; returns the consent URL and the jar.
  async function login(o = {}, user = 'patient') {
    const pkce = pkcePair();
    const a = authorizeUrl({ code_challenge: pkce.challenge, ...o });
    const jar = new CookieJar();
    const next = await browserlessLogin({ authorizeUrl: a.url, username: user, password: user, cookieJar: jar,
      stopPrefix: `${S().base}/auth/consent` });
    assert.equal(next, `${S().base}/auth/consent`);
    return { jar, pkce, a };
  }

  async function consentPage(jar, query = '') {
    const url = `${S().base}/auth/consent${query}`;
    const r = await fetch(url, { headers: { cookie: jar.header(url) } });
    const html = await r.text();
    const form = parseForms(html, url).find((f) => f.method === 'POST');
    return { r, html, form };
  }

  // Posts the consent form: scopes (default: every offered, not the
  // category boxes), patient, decision; returns the redirect Location.
  async function decide(jar, page, { scopes, patient, decision = 'approve', csrf } = {}) {
    const body = new URLSearchParams();
    body.append('csrf', csrf ?? page.form.inputs.find((i) => i.name === 'csrf').value);
    const offered = page.form.inputs.filter((i) => i.name === 'scope').map((i) => i.value);
    for (const v of scopes ?? offered.filter((x) => !x.includes('?'))) body.append('scope', v);
    if (patient) body.append('patient', patient);
    body.append('decision', decision);
    const url = page.form.action;
    const r = await fetch(url, { method: 'POST', redirect: 'manual', body,
      headers: { cookie: jar.header(url), 'content-type': 'application/x-www-form-urlencoded' } });
    jar.store(url, r.headers.getSetCookie());
    return { r, location: r.headers.get('location'), text: await r.text() };
  }

  async function token(params, { basic, origin } = {}) {
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
    if (basic) headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(basic[0])}:${encodeURIComponent(basic[1])}`).toString('base64')}`;
    if (origin) headers.origin = origin;
    const body0 = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined) body0.append(k, v);
    const r = await fetch(`${S().base}/auth/token`, { method: 'POST', headers, body: body0 });
    const text = await r.text();
    let body;
    try { body = JSON.parse(text); } catch { body = { text }; }
    return { r, body };
  }

  // The whole flow up to the code.
  async function code(o = {}, user = 'patient', choose = {}) {
    const { jar, pkce, a } = await login(o, user);
    const page = await consentPage(jar);
    assert.equal(page.r.status, 200);
    const d = await decide(jar, page, choose);
    assert.equal(d.r.status, 303, d.text);
    const u = new URL(d.location);
    assert.equal(u.searchParams.get('state'), a.params.state);
    assert.equal(u.searchParams.get('iss'), S().issuer);
    return { code: u.searchParams.get('code'), pkce, a, location: u };
  }

  const exchange = (c, extra = {}, opts) => token({ grant_type: 'authorization_code', code: c.code,
    redirect_uri: app(), code_verifier: c.pkce.verifier, client_id: 'demo-public', ...extra }, opts);

  async function jwks() {
    const r = await fetch(`${S().issuer}/jwks`);
    return (await r.json()).keys;
  }

  // Verifies a JWT from us with our JWKS; returns its claims.
  async function verify(jwt) {
    const [h, p, sig] = jwt.split('.');
    const header = JSON.parse(Buffer.from(h, 'base64url'));
    const k = (await jwks()).find((x) => x.kid === header.kid);
    assert.ok(k, 'kid not in our JWKS');
    const ok = crypto.verify('sha256', Buffer.from(`${h}.${p}`), crypto.createPublicKey({ key: k, format: 'jwk' }), Buffer.from(sig, 'base64url'));
    assert.ok(ok, 'bad signature');
    return { header, claims: JSON.parse(Buffer.from(p, 'base64url')) };
  }

  // What the access token carries, opened with the master key as the
  // proxy opens it (the app cannot).
  const access = (tok) => openAccess(S().masterKey, tok).claims;

  // Nothing in tok reads as the user to someone without the key.
  function opaqueToApp(tok) {
    for (const seg of tok.split('.')) {
      const text = Buffer.from(seg, 'base64url').toString('latin1');
      assert.ok(!/fhirUser|"sub"|Patient\/|Practitioner\//.test(text), `the app can read the user: ${text}`);
    }
  }

  function assertion(clientId, kind, o = {}) {
    const s = S();
    const k = s.clients.keys[clientId];
    const header = { alg: kind === 'rsa' ? 'RS384' : 'ES384', kid: k.jwk.kid, typ: 'JWT', ...o.header };
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: clientId, sub: clientId, aud: `${s.base}/auth/token`, exp: now + 120, iat: now,
      jti: crypto.randomBytes(12).toString('hex'), ...o.claims };
    const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    const sig = crypto.sign('sha384', Buffer.from(input), kind === 'rsa' ? k.privateKey :
      { key: k.privateKey, dsaEncoding: 'ieee-p1363' });
    return `${input}.${sig.toString('base64url')}`;
  }

  const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

  async function mintLaunch(params, secret = SECRETS['demo-ehr']) {
    const r = await fetch(`${S().base}/auth/launch`, { method: 'POST', body: new URLSearchParams(params), headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`demo-ehr:${secret}`).toString('base64')}` } });
    return { r, body: await r.json() };
  }

  return { app, authorizeUrl, login, consentPage, decide, token, code, exchange, jwks, verify, access, opaqueToApp, assertion,
    JWT_BEARER, mintLaunch };
}

export function flowTests(t, S) {
  const { app, authorizeUrl, login, consentPage, decide, token, code, exchange, jwks, verify, access, opaqueToApp, assertion,
    JWT_BEARER, mintLaunch } = helpers(S);

  t.test('flow: standalone patient launch gets tokens with patient context', async () => {
    const c = await code();
    const { r, body } = await exchange(c);
    assert.equal(r.status, 200, JSON.stringify(body));
    assert.equal(r.headers.get('cache-control'), 'no-store');
    assert.equal(r.headers.get('pragma'), 'no-cache');
    assert.equal(body.token_type, 'Bearer');
    assert.equal(typeof body.expires_in, 'number');
    assert.equal(body.patient, 'pat-1');
    assert.equal(body.need_patient_banner, true);
    assert.equal(body.smart_style_url, `${S().issuer}/smart-style.json`);
    for (const sc of ['openid', 'fhirUser', 'launch/patient', 'offline_access', 'patient/*.rs'])
      assert.ok(body.scope.split(' ').includes(sc), `scope lacks ${sc}: ${body.scope}`);
    assert.ok(body.refresh_token);
    const at = access(body.access_token);
    assert.equal(at.aud, S().fhirBase);
    assert.equal(at.ctx.patient, 'pat-1');
    assert.equal(at.cid, 'demo-public');
    assert.equal(at.scope, body.scope);
    assert.equal(at.exp - at.iat, body.expires_in);
    const id = await verify(body.id_token);
    assert.equal(id.claims.aud, 'demo-public');
    assert.equal(id.claims.iss, S().issuer);
    assert.equal(id.claims.nonce, c.a.params.nonce);
    assert.equal(id.claims.fhirUser, `${S().fhirBase}/Patient/pat-1`);
  });

  t.test('flow: no refresh token without offline_access or online_access', async () => {
    const c = await code({ scope: 'openid fhirUser launch/patient patient/*.rs' });
    const { body } = await exchange(c);
    assert.ok(body.access_token);
    assert.equal(body.refresh_token, undefined);
  });

  t.test('flow: the app learns who the user is only when the user allows it', async () => {
    // The user unticks openid, fhirUser and profile ("Know who you are").
    const c = await code({ scope: 'openid fhirUser profile launch/patient offline_access patient/*.rs' }, 'patient',
      { scopes: ['launch/patient', 'offline_access', 'patient/*.rs'] });
    let { r, body } = await exchange(c);
    assert.equal(r.status, 200, JSON.stringify(body));
    assert.deepEqual(body.scope.split(' ').sort(), ['launch/patient', 'offline_access', 'patient/*.rs']);
    assert.equal(body.id_token, undefined);
    opaqueToApp(body.access_token);
    // The proxy still knows the user, for user/ scopes and audit.
    const at = access(body.access_token);
    assert.equal(at.fu, 'Patient/pat-1');
    assert.ok(at.sub);
    ({ r, body } = await token({ grant_type: 'refresh_token', refresh_token: body.refresh_token, client_id: 'demo-public' }));
    assert.equal(r.status, 200, JSON.stringify(body));
    assert.equal(body.id_token, undefined);
    opaqueToApp(body.access_token);
  });

  t.test('flow: with openid granted the user is in the id_token, never in the access token', async () => {
    const c = await code();
    let { body } = await exchange(c);
    assert.ok(body.id_token);
    opaqueToApp(body.access_token);
    // A refresh answers without an id_token (OpenID Connect Core §12.2).
    ({ body } = await token({ grant_type: 'refresh_token', refresh_token: body.refresh_token, client_id: 'demo-public' }));
    assert.ok(body.access_token);
    assert.equal(body.id_token, undefined);
  });

  t.test('flow: refresh follows the client registry as it is now', async () => {
    const auth = { client_id: 'demo-post', client_secret: SECRETS['demo-confidential'] };
    const c = await code({ client_id: 'demo-post' });
    let { r, body } = await exchange(c, auth);
    assert.equal(r.status, 200, JSON.stringify(body));
    assert.ok(body.refresh_token);
    const file = S().clientsFile;
    const reg = JSON.parse(fs.readFileSync(file, 'utf8'));
    // A new file (rename): the registry reloads on the next request.
    const write = (list) => {
      fs.writeFileSync(`${file}.new`, JSON.stringify(list), { mode: 0o644 });
      fs.renameSync(`${file}.new`, file);
    };
    const change = (o) => write(reg.map((x) => (x.client_id === 'demo-post' ? { ...x, ...o } : x)));
    const refresh = (rt) => token({ grant_type: 'refresh_token', refresh_token: rt, ...auth });
    try {
      // Narrowed: no more than the client may have now.
      change({ scope: 'openid launch/patient offline_access patient/Observation.rs' });
      ({ r, body } = await refresh(body.refresh_token));
      assert.equal(r.status, 200, JSON.stringify(body));
      const want = ['launch/patient', 'offline_access', 'openid', 'patient/Observation.rs'];
      assert.deepEqual(body.scope.split(' ').sort(), want);
      assert.deepEqual(access(body.access_token).scope.split(' ').sort(), want);
      // The narrowing stays with the grant even if the client widens again.
      write(reg);
      ({ r, body } = await refresh(body.refresh_token));
      assert.deepEqual(body.scope.split(' ').sort(), want);
      const rt = body.refresh_token;
      // Its refresh_token grant type removed.
      change({ grant_types: ['authorization_code'] });
      ({ r, body } = await refresh(rt));
      assert.equal(r.status, 400);
      assert.equal(body.error, 'unauthorized_client');
      // Nothing of the grant left.
      change({ scope: 'user/*.rs' });
      ({ r, body } = await refresh(rt));
      assert.equal(r.status, 400);
      assert.equal(body.error, 'invalid_grant');
      // The client removed.
      write(reg.filter((x) => x.client_id !== 'demo-post'));
      ({ r, body } = await refresh(rt));
      assert.equal(r.status, 401);
      assert.equal(body.error, 'invalid_client');
      // Back as it was: the chain still works (nothing was spent).
      write(reg);
      ({ r, body } = await refresh(rt));
      assert.equal(r.status, 200, JSON.stringify(body));
    } finally {
      write(reg);
    }
  });

  t.test('flow: practitioner standalone picks a patient on the consent page', async () => {
    const { jar, pkce } = await login({ scope: 'openid fhirUser launch/patient patient/*.rs' }, 'doctor');
    let page = await consentPage(jar, '?q=Shaw');
    assert.match(page.html, /Amy/);
    assert.ok(page.form.inputs.some((i) => i.name === 'patient' && i.value === 'pat-1'));
    // Approving without a patient shows the page again with an error.
    let d = await decide(jar, page, {});
    assert.equal(d.r.status, 200);
    assert.match(d.text, /Choose a patient/);
    page = await consentPage(jar);
    d = await decide(jar, page, { patient: 'pat-2' });
    assert.equal(d.r.status, 303, d.text);
    const c = { code: new URL(d.location).searchParams.get('code'), pkce };
    const { body } = await exchange(c);
    assert.equal(body.patient, 'pat-2');
    assert.equal(access(body.access_token).fu, 'Practitioner/prac-1');
  });

  t.test('flow: a picked patient that does not exist upstream is refused', async () => {
    const { jar } = await login({ scope: 'openid fhirUser launch/patient patient/*.rs' }, 'doctor');
    const page = await consentPage(jar);
    const d = await decide(jar, page, { patient: 'no-such-patient' });
    assert.equal(d.r.status, 200);
    assert.match(d.text, /Choose a patient/);
  });

  t.test('flow: EHR launch carries the EHR context into the token answer', async () => {
    const fhirContext = JSON.stringify([{ reference: 'Encounter/enc-pat-3-1', role: 'launch' }]);
    const { r, body: l } = await mintLaunch({ patient: 'pat-3', encounter: 'enc-pat-3-1', fhirContext,
      intent: 'reconcile-medications', need_patient_banner: 'false', app_client_id: 'demo-public' });
    assert.equal(r.status, 200, JSON.stringify(l));
    assert.ok(l.launch && l.expires_in > 0);
    const c = await code({ scope: 'launch openid fhirUser patient/*.rs', launch: l.launch }, 'doctor');
    const { body } = await exchange(c);
    assert.equal(body.patient, 'pat-3');
    assert.equal(body.encounter, 'enc-pat-3-1');
    assert.deepEqual(body.fhirContext, JSON.parse(fhirContext));
    assert.equal(body.intent, 'reconcile-medications');
    assert.equal(body.need_patient_banner, false);
    assert.ok(body.scope.split(' ').includes('launch'));
  });

  t.test('flow: a launch minted by smartgate-launch works like one from the endpoint', async () => {
    const s = S();
    const launch = execFileSync(`${s.bin}/smartgate-launch`, ['-c', s.conf, '-p', 'pat-2', '-a', 'demo-public'],
      { encoding: 'utf8' }).trim();
    const c = await code({ scope: 'launch openid fhirUser patient/*.rs', launch }, 'doctor');
    const { body } = await exchange(c);
    assert.equal(body.patient, 'pat-2');
    const url = execFileSync(`${s.bin}/smartgate-launch`, ['-c', s.conf, '-p', 'pat-1', '-a', 'demo-public', '-u'],
      { encoding: 'utf8' }).trim();
    const u = new URL(url);
    assert.equal(u.origin + u.pathname, `${s.base}/demo/app/launch.html`);
    assert.equal(u.searchParams.get('iss'), s.fhirBase);
    assert.ok(u.searchParams.get('launch'));
  });

  t.test('flow: a launch is used once, and never for another patient', async () => {
    const { body: l } = await mintLaunch({ patient: 'pat-3', app_client_id: 'demo-public' });
    // A patient user cannot take another patient's launch.
    const { jar, a } = await login({ scope: 'launch openid fhirUser patient/*.rs', launch: l.launch }, 'patient');
    const page = await consentPage(jar);
    const d = await decide(jar, page);
    const u = new URL(d.location);
    assert.equal(u.searchParams.get('error'), 'access_denied');
    assert.equal(u.searchParams.get('state'), a.params.state);
    // The same launch again: refused at authorize.
    const again = authorizeUrl({ scope: 'launch openid patient/*.rs', launch: l.launch, code_challenge: pkcePair().challenge });
    const r = await fetch(again.url, { redirect: 'manual' });
    assert.equal(new URL(r.headers.get('location')).searchParams.get('error'), 'invalid_request');
  });

  t.test('flow: a patient is never offered user/ or system/ scopes', async () => {
    const { jar } = await login({ scope: 'openid fhirUser launch/patient patient/Observation.rs user/*.cruds' }, 'patient');
    const page = await consentPage(jar);
    const values = page.form.inputs.filter((i) => i.name === 'scope').map((i) => i.value);
    assert.ok(!values.some((v) => v.startsWith('user/') || v.startsWith('system/')), values.join(' '));
    const d = await decide(jar, page, { scopes: [...values, 'user/*.cruds'] });
    const c = new URL(d.location).searchParams.get('code');
    assert.ok(c);
  });

  t.test('flow: a consent decision cannot be replayed', async () => {
    const { jar } = await login();
    const page = await consentPage(jar);
    const cookie = jar.header(`${S().base}/auth/consent`);
    const d = await decide(jar, page);
    assert.equal(d.r.status, 303);
    const again = await decide({ header: () => cookie, store() {} }, page);
    assert.equal(again.r.status, 400);
    assert.equal(again.location, null);
  });

  t.test('flow: the consent page lets its form lead to the app origin only', async () => {
    const { jar } = await login();
    const page = await consentPage(jar);
    const csp = page.r.headers.get('content-security-policy');
    assert.match(csp, new RegExp(`form-action 'self' ${new URL(app()).origin.replace(/[.]/g, '\\.')};`));
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(page.r.headers.get('x-frame-options'), 'DENY');
  });

  t.test('flow: cancelling at the identity provider goes back to the app with access_denied', async () => {
    const s = S();
    const a = authorizeUrl({ code_challenge: pkcePair().challenge });
    const jar = new CookieJar();
    const cb = new URL(await browserlessLogin({ authorizeUrl: a.url, username: 'patient', password: 'patient',
      cookieJar: jar, stopPrefix: `${s.base}/auth/callback` }));
    cb.searchParams.delete('code');
    cb.searchParams.set('error', 'access_denied');
    const r = await fetch(cb.href, { redirect: 'manual', headers: { cookie: jar.header(cb.href) } });
    assert.equal(r.status, 302);
    const u = new URL(r.headers.get('location'));
    assert.equal(u.origin + u.pathname, app());
    assert.equal(u.searchParams.get('error'), 'access_denied');
    assert.equal(u.searchParams.get('state'), a.params.state);
  });

  t.test('flow: an oversize request that would not fit the cookie is refused', async () => {
    const scope = `openid launch/patient ${Array.from({ length: 60 }, (_, i) => `patient/Observation.rs?code=http://loinc.org|${1000 + i}`).join(' ')}`;
    const a = authorizeUrl({ code_challenge: pkcePair().challenge, scope, state: 'x'.repeat(1000) });
    const r = await fetch(a.url, { redirect: 'manual' });
    assert.equal(r.status, 302);
    const u = new URL(r.headers.get('location'));
    assert.ok(['invalid_request', 'invalid_scope'].includes(u.searchParams.get('error')), u.href.slice(0, 200));
  });

  t.test('flow: a forged, foreign or missing launch is refused with state', async () => {
    const { body: l } = await mintLaunch({ patient: 'pat-3', app_client_id: 'demo-confidential' });
    for (const launch of [l.launch, 'forged-launch-value', l.launch.slice(0, -4) + 'AAAA', undefined]) {
      const a = authorizeUrl({ scope: 'launch openid patient/*.rs', launch, code_challenge: pkcePair().challenge });
      const r = await fetch(a.url, { redirect: 'manual' });
      assert.equal(r.status, 302);
      const u = new URL(r.headers.get('location'));
      assert.equal(u.origin + u.pathname, app());
      assert.equal(u.searchParams.get('error'), 'invalid_request');
      assert.equal(u.searchParams.get('state'), a.params.state);
    }
  });

  t.test('flow: minting a launch needs an EHR client', async () => {
    let { r, body } = await mintLaunch({ patient: 'pat-1' }, 'wrong-secret');
    assert.equal(r.status, 401);
    assert.equal(body.error, 'invalid_client');
    r = await fetch(`${S().base}/auth/launch`, { method: 'POST', body: new URLSearchParams({ patient: 'pat-1' }), headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`demo-confidential:${SECRETS['demo-confidential']}`).toString('base64')}` } });
    body = await r.json();
    assert.equal(r.status, 400);
    assert.equal(body.error, 'unauthorized_client');
  });

  for (const [client, how] of [['demo-confidential', 'basic'], ['demo-post', 'post'],
    ['demo-jwt-rs384', 'rsa'], ['demo-jwt-es384', 'ec']]) {
    t.test(`flow: client authentication ${how} (${client})`, async () => {
      const c = await code({ client_id: client });
      let auth = {}, extra = { client_id: client };
      if (how === 'basic') { auth = { basic: [client, SECRETS['demo-confidential']] }; extra = { client_id: undefined }; }
      if (how === 'post') extra.client_secret = SECRETS['demo-confidential'];
      if (how === 'rsa' || how === 'ec') Object.assign(extra, { client_assertion_type: JWT_BEARER, client_assertion: assertion(client, how) });
      // Without its credentials the same code is refused as invalid_client.
      if (how !== 'basic') {
        const bare = await exchange(c, { client_id: client });
        assert.equal(bare.r.status, 401);
        assert.equal(bare.body.error, 'invalid_client');
        assert.ok(bare.r.headers.get('www-authenticate'));
      }
      const { r, body } = await exchange(c, extra, auth);
      assert.equal(r.status, 200, JSON.stringify(body));
      assert.ok(body.access_token);
    });
  }

  t.test('flow: assertion replay, wrong audience and wrong key are invalid_client', async () => {
    const c = await code({ client_id: 'demo-jwt-rs384' });
    const a = assertion('demo-jwt-rs384', 'rsa');
    const ok = await exchange(c, { client_id: 'demo-jwt-rs384', client_assertion_type: JWT_BEARER, client_assertion: a });
    assert.equal(ok.r.status, 200);
    const c2 = await code({ client_id: 'demo-jwt-rs384' });
    for (const bad of [a, assertion('demo-jwt-rs384', 'rsa', { claims: { aud: 'https://elsewhere.example/token' } }),
      assertion('demo-jwt-rs384', 'rsa', { header: { kid: 'unknown' } })]) {
      const { r, body } = await exchange(c2, { client_id: 'demo-jwt-rs384', client_assertion_type: JWT_BEARER, client_assertion: bad });
      assert.equal(r.status, 401);
      assert.equal(body.error, 'invalid_client');
    }
  });

  t.test('flow: refresh narrows, refuses widening, detects reuse and revokes the grant', async () => {
    const c = await code();
    const first = (await exchange(c)).body;
    // Narrowing.
    let { r, body } = await token({ grant_type: 'refresh_token', refresh_token: first.refresh_token,
      client_id: 'demo-public', scope: 'openid patient/Observation.rs' });
    assert.equal(r.status, 200, JSON.stringify(body));
    assert.equal(body.scope, 'openid patient/Observation.rs');
    assert.ok(body.refresh_token && body.refresh_token !== first.refresh_token);
    const second = body;
    // Widening, and a scope that is not one.
    for (const scope of ['patient/*.cruds', 'openid system/*.cruds?x=']) {
      ({ r, body } = await token({ grant_type: 'refresh_token', refresh_token: second.refresh_token,
        client_id: 'demo-public', scope }));
      assert.equal(r.status, 400, scope);
      assert.equal(body.error, 'invalid_scope');
    }
    // Another client cannot use it.
    ({ r, body } = await token({ grant_type: 'refresh_token', refresh_token: second.refresh_token,
      client_id: 'demo-post', client_secret: SECRETS['demo-confidential'] }));
    assert.equal(body.error, 'invalid_grant');
    // Reuse of the rotated first token: theft; the whole grant dies.
    ({ r, body } = await token({ grant_type: 'refresh_token', refresh_token: first.refresh_token, client_id: 'demo-public' }));
    assert.equal(r.status, 400);
    assert.equal(body.error, 'invalid_grant');
    ({ r, body } = await token({ grant_type: 'refresh_token', refresh_token: second.refresh_token, client_id: 'demo-public' }));
    assert.equal(body.error, 'invalid_grant');
  });

  t.test('flow: deny sends access_denied with state', async () => {
    const { jar, a } = await login();
    const page = await consentPage(jar);
    const d = await decide(jar, page, { decision: 'deny' });
    const u = new URL(d.location);
    assert.equal(u.searchParams.get('error'), 'access_denied');
    assert.equal(u.searchParams.get('state'), a.params.state);
    assert.equal(u.searchParams.get('code'), null);
  });

  t.test('flow: granular sub-scopes chosen on consent are granted as such', async () => {
    const { jar, pkce } = await login({ scope: 'openid launch/patient patient/Observation.rs patient/Condition.rs' });
    const page = await consentPage(jar);
    const values = page.form.inputs.filter((i) => i.name === 'scope').map((i) => i.value);
    assert.ok(values.includes(OBS_LAB), 'no laboratory sub-scope offered');
    assert.ok(values.some((v) => v.startsWith('patient/Condition.rs?category=') && v.endsWith('|problem-list-item')));
    const d = await decide(jar, page, { scopes: ['openid', OBS_LAB] });
    const { body } = await exchange({ code: new URL(d.location).searchParams.get('code'), pkce });
    assert.deepEqual(body.scope.split(' ').sort(), ['launch/patient', 'openid', OBS_LAB].sort());
  });

  t.test('flow: the user can only narrow: a scope not offered is not granted', async () => {
    const { jar, pkce } = await login({ scope: 'openid launch/patient patient/Observation.rs' });
    const page = await consentPage(jar);
    const d = await decide(jar, page, { scopes: ['openid', 'patient/Observation.rs', 'patient/*.cruds', 'user/*.rs'] });
    const { body } = await exchange({ code: new URL(d.location).searchParams.get('code'), pkce });
    assert.deepEqual(body.scope.split(' ').sort(), ['launch/patient', 'openid', 'patient/Observation.rs']);
  });

  t.test('flow: scopes beyond the client registration are dropped', async () => {
    const c = await code({ client_id: 'demo-narrow', scope: 'openid launch/patient patient/*.cruds offline_access user/*.rs bogus' });
    const { body } = await exchange(c, { client_id: 'demo-narrow' });
    assert.deepEqual(body.scope.split(' ').sort(), ['launch/patient', 'openid', 'patient/Observation.rs']);
    assert.equal(body.refresh_token, undefined);
  });

  async function authorizeStatus(o) {
    const a = authorizeUrl({ code_challenge: pkcePair().challenge, ...o });
    const r = await fetch(a.url, { redirect: 'manual' });
    return { r, a, html: await r.text(), location: r.headers.get('location') };
  }

  t.test('flow: unknown client or redirect_uri: an HTML page, never a redirect', async () => {
    for (const o of [{ client_id: 'nope' }, { redirect_uri: 'https://evil.example/cb' },
      { redirect_uri: `${app()}/` }, { redirect_uri: `${app()}?x=1` }, { redirect_uri: app().replace('index', 'INDEX') },
      { redirect_uri: app().replace('127.0.0.1', 'localhost') }, { redirect_uri: undefined }]) {
      const { r, html, location } = await authorizeStatus(o);
      assert.equal(r.status, 400, JSON.stringify(o));
      assert.equal(location, null);
      assert.match(r.headers.get('content-type'), /^text\/html/);
      assert.match(html, /not registered/);
      assert.match(r.headers.get('content-security-policy'), /frame-ancestors 'none'/);
    }
  });

  t.test('flow: wrong aud, missing or plain PKCE, bad response_type: error redirect with state', async () => {
    for (const [o, err] of [[{ aud: 'https://other.example/fhir' }, 'invalid_request'],
      [{ aud: `${S().fhirBase}/` }, null],
      [{ code_challenge: undefined }, 'invalid_request'], [{ code_challenge_method: 'plain' }, 'invalid_request'],
      [{ code_challenge_method: undefined }, 'invalid_request'], [{ code_challenge: 'short' }, 'invalid_request'],
      [{ response_type: 'token' }, 'unsupported_response_type'], [{ scope: 'bogus nonsense' }, 'invalid_scope']]) {
      const { r, a, location } = await authorizeStatus(o);
      assert.equal(r.status, 302, JSON.stringify(o));
      const u = new URL(location);
      if (err === null) {
        assert.equal(u.origin, S().idp, 'a trailing slash on aud is tolerated');
        continue;
      }
      assert.equal(u.origin + u.pathname, app());
      assert.equal(u.searchParams.get('error'), err, JSON.stringify(o));
      assert.equal(u.searchParams.get('state'), a.params.state);
      assert.ok(u.searchParams.get('error_description'));
    }
  });

  t.test('flow: bad, empty or wrong code_verifier is invalid_grant', async () => {
    const c = await code();
    for (const v of ['', 'short', 'x'.repeat(129), pkcePair().verifier]) {
      const { r, body } = await exchange(c, { code_verifier: v });
      assert.equal(r.status, 400, v);
      assert.ok(['invalid_grant', 'invalid_request'].includes(body.error), `${v}: ${body.error}`);
    }
    // A failed attempt did not burn the code.
    assert.equal((await exchange(c)).r.status, 200);
  });

  t.test('flow: a replayed code is refused and revokes what it gave', async () => {
    const c = await code();
    const first = await exchange(c);
    assert.equal(first.r.status, 200);
    const again = await exchange(c);
    assert.equal(again.r.status, 400);
    assert.equal(again.body.error, 'invalid_grant');
    const { body } = await token({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token, client_id: 'demo-public' });
    assert.equal(body.error, 'invalid_grant');
  });

  t.test('flow: an expired code is refused; the same code still in date works', async () => {
    const s = S();
    const c = await code();
    const expired = expire(s.masterKey, PURPOSE.code, c.code);
    let { r, body } = await exchange({ ...c, code: expired });
    assert.equal(r.status, 400);
    assert.equal(body.error, 'invalid_grant');
    // The forged envelope is right: re-sealed in date, it is accepted.
    const { plain } = unseal(s.masterKey, PURPOSE.code, c.code);
    ({ r, body } = await exchange({ ...c, code: seal(s.masterKey, PURPOSE.code, Math.floor(Date.now() / 1000) + 30, plain) }));
    assert.equal(r.status, 200, JSON.stringify(body));
  });

  t.test('flow: an expired transaction cookie or launch is refused', async () => {
    const s = S();
    const { jar } = await login();
    const url = `${s.base}/auth/consent`;
    const cookie = jar.header(url).replace(/sg_tx=([^;]*)/, (m, v) => `sg_tx=${expire(s.masterKey, PURPOSE.transaction, v)}`);
    const r = await fetch(url, { headers: { cookie } });
    assert.equal(r.status, 400);
    assert.match(await r.text(), /took too long/);
    const { body: l } = await mintLaunch({ patient: 'pat-1' });
    const a = authorizeUrl({ scope: 'launch openid patient/*.rs', code_challenge: pkcePair().challenge,
      launch: expire(s.masterKey, PURPOSE.launch, l.launch) });
    const u = new URL((await fetch(a.url, { redirect: 'manual' })).headers.get('location'));
    assert.equal(u.searchParams.get('error'), 'invalid_request');
  });

  t.test('flow: a code is bound to its client and redirect_uri', async () => {
    const c = await code();
    let { body } = await exchange(c, { client_id: 'demo-post', client_secret: SECRETS['demo-confidential'] });
    assert.equal(body.error, 'invalid_grant');
    ({ body } = await exchange(c, { redirect_uri: `${app()}?x` }));
    assert.equal(body.error, 'invalid_grant');
    ({ body } = await exchange(c, { code: c.code.slice(0, -3) + 'AAA' }));
    assert.equal(body.error, 'invalid_grant');
  });

  t.test('flow: tampered or missing transaction cookie is a page, not a login', async () => {
    const { jar } = await login();
    const url = `${S().base}/auth/consent`;
    const good = jar.header(url);
    const tampered = good.replace(/sg_tx=([^;]*)/, (m, v) => `sg_tx=${v.slice(0, 40)}${v[40] === 'A' ? 'B' : 'A'}${v.slice(41)}`);
    for (const cookie of [tampered, '', 'sg_tx=garbage']) {
      const r = await fetch(url, { headers: { cookie } });
      assert.equal(r.status, 400);
      assert.match(await r.text(), /start again/);
    }
    // The callback with a state that is not ours.
    const r = await fetch(`${S().base}/auth/callback?code=x&state=AAAAAAAAAAAAAAAAAAAAAA`, { headers: { cookie: good } });
    assert.equal(r.status, 400);
  });

  t.test('flow: a callback naming another issuer (mix-up, RFC 9207) is refused', async () => {
    const s = S();
    const a = authorizeUrl({ code_challenge: pkcePair().challenge });
    const jar = new CookieJar();
    const cb = await browserlessLogin({ authorizeUrl: a.url, username: 'patient', password: 'patient', cookieJar: jar,
      stopPrefix: `${s.base}/auth/callback` });
    const u = new URL(cb);
    assert.equal(u.searchParams.get('iss'), s.idp);
    u.searchParams.set('iss', 'https://evil.example');
    let r = await fetch(u.href, { redirect: 'manual', headers: { cookie: jar.header(cb) } });
    assert.equal(r.status, 400);
    r = await fetch(cb, { redirect: 'manual', headers: { cookie: jar.header(cb) } });
    assert.equal(r.status, 303);
  });

  t.test('flow: a forged CSRF token on consent is refused', async () => {
    const { jar } = await login();
    const page = await consentPage(jar);
    const d = await decide(jar, page, { csrf: 'A'.repeat(22) });
    assert.equal(d.r.status, 403);
    assert.equal(d.location, null);
  });

  t.test('flow: XSS in state, client_name and scope is escaped or dropped', async () => {
    const xss = '<script>alert(1)</script>"\'';
    // state goes back to the app exactly, URL-encoded, never into a page.
    const { jar, a } = await login({ state: xss, scope: `openid launch/patient patient/Observation.rs ${xss}`, client_id: 'demo-narrow' });
    const page = await consentPage(jar);
    assert.ok(!page.html.includes('<script>'), 'raw script in the consent page');
    assert.ok(!page.html.includes('<b>"narrow"</b>'), 'client_name not escaped');
    assert.match(page.html, /&lt;b&gt;/);
    const d = await decide(jar, page, { decision: 'deny' });
    assert.equal(new URL(d.location).searchParams.get('state'), xss);
    assert.equal(a.params.state, xss);
    // Unknown-client page does not echo the client_id raw.
    const bad = await authorizeStatus({ client_id: xss });
    assert.ok(!bad.html.includes('<script>'));
  });

  t.test('flow: token endpoint errors are OAuth JSON with no-store', async () => {
    for (const [params, st, err] of [[{ grant_type: 'password', client_id: 'demo-public' }, 400, 'unsupported_grant_type'],
      [{ client_id: 'demo-public' }, 400, 'invalid_request'],
      [{ grant_type: 'authorization_code', client_id: 'nope' }, 401, 'invalid_client'],
      [{ grant_type: 'authorization_code', client_id: 'demo-public', code: 'garbage', redirect_uri: app(), code_verifier: pkcePair().verifier }, 400, 'invalid_grant'],
      [{ grant_type: 'authorization_code', client_id: 'demo-public', client_id2: 'x', code: 'a', code_verifier: 'b' }, 400, 'invalid_grant']]) {
      const { r, body } = await token(params);
      assert.equal(r.status, st, JSON.stringify(params));
      assert.equal(body.error, err, JSON.stringify(params));
      assert.equal(r.headers.get('cache-control'), 'no-store');
    }
    const r = await fetch(`${S().base}/auth/token`, { method: 'POST', body: 'grant_type=x&grant_type=y',
      headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal((await r.json()).error, 'invalid_request');
  });

  t.test('flow: token CORS only for the origins of public clients', async () => {
    const s = S();
    let r = await fetch(`${s.base}/auth/token`, { method: 'OPTIONS', headers: { origin: s.base, 'access-control-request-method': 'POST' } });
    assert.equal(r.status, 204);
    assert.equal(r.headers.get('access-control-allow-origin'), s.base);
    r = await fetch(`${s.base}/auth/token`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    assert.equal(r.headers.get('access-control-allow-origin'), null);
  });

  t.test('flow: discovery advertises the flow, and every endpoint answers', async () => {
    const d = await (await fetch(`${S().fhirBase}/.well-known/smart-configuration`)).json();
    assert.equal(d.authorization_endpoint, `${S().issuer}/authorize`);
    assert.equal(d.token_endpoint, `${S().issuer}/token`);
    for (const g of ['authorization_code', 'refresh_token']) assert.ok(d.grant_types_supported.includes(g));
    for (const m of ['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt']) assert.ok(d.token_endpoint_auth_methods_supported.includes(m));
    for (const cap of ['launch-ehr', 'launch-standalone', 'client-public', 'client-confidential-symmetric',
      'client-confidential-asymmetric', 'sso-openid-connect', 'context-ehr-patient', 'context-standalone-patient',
      'permission-offline', 'authorize-post']) assert.ok(d.capabilities.includes(cap), cap);
    assert.deepEqual(d.code_challenge_methods_supported, ['S256']);
    assert.equal(d.issuer, S().issuer);
  });

  t.test('flow: authorize also takes POST (authorize-post)', async () => {
    const pkce = pkcePair();
    const a = authorizeUrl({ code_challenge: pkce.challenge });
    const r = await fetch(`${S().base}/auth/authorize`, { method: 'POST', redirect: 'manual',
      body: new URL(a.url).searchParams, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(r.status, 302);
    assert.equal(new URL(r.headers.get('location')).origin, S().idp);
  });
}
