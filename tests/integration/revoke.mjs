// Token introspection (RFC 7662 with SMART's fields) and revocation
// (RFC 7009) through Apache, with tokens from the real flow: who may
// introspect what, what an active token shows, {"active":false} for
// everything else; a revocation stops the whole grant at once (the
// proxy, refresh, introspection), and fails closed without the ledger.
import { SECRETS } from '../harness/clients.mjs';
import { PURPOSE, expire } from '../harness/seal.mjs';
import { startStack } from '../harness/stack.mjs';
import { assert } from '../harness/t.mjs';
import { helpers } from './flows.mjs';
import { mintAccess } from './proxy.mjs';

const CONF = 'demo-confidential';
const RS = 'demo-resource-server';
const basic = (id, secret = SECRETS[id === 'demo-post' ? CONF : id]) =>
  `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const now = () => Math.floor(Date.now() / 1000);

export function revokeTests(t, S) {
  const h = helpers(S);

  // POSTs a form to [auth]/<what>; auth: a client id (Basic with its
  // secret), or { header } / undefined.
  async function call(what, params, { auth, headers = {}, method = 'POST', stack } = {}) {
    const h0 = { 'content-type': 'application/x-www-form-urlencoded', ...headers };
    if (typeof auth === 'string') h0.authorization = basic(auth);
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined) body.append(k, v);
    const r = await fetch(`${(stack || S()).base}/auth/${what}`, { method, headers: h0, redirect: 'manual',
      body: method === 'GET' || method === 'OPTIONS' ? undefined : body });
    const text = await r.text();
    let json;
    try { json = JSON.parse(text); } catch { json = undefined; }
    return { r, status: r.status, body: json, text };
  }
  const introspect = (token, auth = RS, extra = {}) => call('introspect', { token, ...extra }, { auth });
  const revoke = (token, auth, extra = {}) => call('revoke', { token, ...extra }, { auth });

  function inactive(res, what) {
    assert.equal(res.status, 200, `${what}: ${res.text}`);
    assert.equal(res.text, '{"active":false}', what);
    assert.equal(res.r.headers.get('cache-control'), 'no-store', what);
  }

  // Tokens of the confidential client from the real flow.
  async function tokens(o = {}, user = 'patient', choose = {}) {
    const c = await h.code({ client_id: CONF, ...o }, user, choose);
    const { r, body } = await h.exchange(c, { client_id: undefined }, { basic: [CONF, SECRETS[CONF]] });
    assert.equal(r.status, 200, JSON.stringify(body));
    return body;
  }
  const refresh = (rt, id = CONF) => h.token({ grant_type: 'refresh_token', refresh_token: rt,
    ...(id === 'demo-public' ? { client_id: id } : {}) }, id === 'demo-public' ? {} : { basic: [id, SECRETS[id]] });
  const fhir = (tok, path = 'Patient/pat-1', method = 'GET') => fetch(`${S().fhirBase}/${path}`,
    { method, headers: { authorization: `Bearer ${tok}`, accept: 'application/fhir+json' } });

  // ------------------------------------------------------- introspection

  t.test('introspect and revoke: advertised in both discovery documents', async () => {
    const smart = await (await fetch(`${S().fhirBase}/.well-known/smart-configuration`)).json();
    const oidc = await (await fetch(`${S().issuer}/.well-known/openid-configuration`)).json();
    for (const d of [smart, oidc]) {
      assert.equal(d.introspection_endpoint, `${S().issuer}/introspect`);
      assert.equal(d.revocation_endpoint, `${S().issuer}/revoke`);
    }
  });

  t.test('introspect: an active access token shows what the token answer gave', async () => {
    const tk = await tokens();
    const at = h.access(tk.access_token);
    for (const who of [CONF, RS]) {
      const res = await introspect(tk.access_token, who, { token_type_hint: 'access_token' });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.r.headers.get('cache-control'), 'no-store');
      assert.match(res.r.headers.get('content-type'), /^application\/json/);
      const b = res.body;
      assert.equal(b.active, true);
      assert.equal(b.scope, tk.scope);
      assert.equal(b.client_id, CONF);
      assert.equal(b.token_type, 'Bearer');
      assert.equal(b.exp, at.exp);
      assert.equal(b.iat, at.iat);
      assert.equal(b.exp - b.iat, tk.expires_in);
      assert.equal(b.iss, S().issuer);
      assert.equal(b.aud, S().fhirBase);
      assert.equal(b.patient, 'pat-1');
      // openid fhirUser granted: the user as the id_token names it.
      const id = await h.verify(tk.id_token);
      assert.equal(b.sub, id.claims.sub);
      assert.equal(b.fhirUser, id.claims.fhirUser);
      assert.equal(b.fhirUser, `${S().fhirBase}/Patient/pat-1`);
      assert.equal(b.encounter, undefined);
    }
  });

  t.test('introspect: EHR launch context (encounter, fhirContext) as issued', async () => {
    const fhirContext = JSON.stringify([{ reference: 'Encounter/enc-pat-3-1', role: 'launch' }]);
    const { body: l } = await h.mintLaunch({ patient: 'pat-3', encounter: 'enc-pat-3-1', fhirContext, app_client_id: CONF });
    const tk = await tokens({ scope: 'launch openid fhirUser patient/*.rs', launch: l.launch }, 'doctor');
    const { body: b } = await introspect(tk.access_token, CONF);
    assert.equal(b.active, true);
    assert.equal(b.patient, 'pat-3');
    assert.equal(b.encounter, 'enc-pat-3-1');
    assert.deepEqual(b.fhirContext, tk.fhirContext);
    assert.deepEqual(b.fhirContext, [{ reference: 'Encounter/enc-pat-3-1', role: 'launch' }]);
    assert.equal(b.fhirUser, `${S().fhirBase}/Practitioner/prac-1`);
  });

  t.test('introspect: a refresh token is active until rotated away, without token_type', async () => {
    const tk = await tokens();
    let res = await introspect(tk.refresh_token, CONF, { token_type_hint: 'refresh_token' });
    const b = res.body;
    assert.equal(b.active, true, res.text);
    assert.equal(b.scope, tk.scope);
    assert.equal(b.client_id, CONF);
    assert.equal(b.iss, S().issuer);
    assert.equal(b.patient, 'pat-1');
    assert.equal(b.fhirUser, `${S().fhirBase}/Patient/pat-1`);
    assert.ok(b.sub);
    assert.ok(b.exp > now() + 86400, `exp ${b.exp}: the end of the grant`);
    for (const k of ['token_type', 'iat', 'aud']) assert.ok(!(k in b), `${k} in a refresh token's answer`);
    // A wrong hint is only a hint (RFC 7662 §2.1).
    assert.equal((await introspect(tk.refresh_token, CONF, { token_type_hint: 'access_token' })).body.active, true);
    assert.equal((await introspect(tk.access_token, CONF, { token_type_hint: 'refresh_token' })).body.active, true);
    // Looking spends nothing: it still refreshes, once.
    const r1 = await refresh(tk.refresh_token);
    assert.equal(r1.r.status, 200, JSON.stringify(r1.body));
    inactive(await introspect(tk.refresh_token, CONF), 'the rotated refresh token');
    assert.equal((await introspect(r1.body.refresh_token, CONF)).body.active, true);
    assert.equal((await introspect(r1.body.access_token, CONF)).body.active, true);
  });

  t.test('introspect: the user only as the id_token would show it, except to a resource server', async () => {
    // The user unticks openid, fhirUser and profile.
    const tk = await tokens({ scope: 'openid fhirUser profile launch/patient offline_access patient/*.rs' }, 'patient',
      { scopes: ['launch/patient', 'offline_access', 'patient/*.rs'] });
    for (const tok of [tk.access_token, tk.refresh_token]) {
      let { body: b } = await introspect(tok, CONF);
      assert.equal(b.active, true);
      assert.equal(b.sub, undefined);
      assert.equal(b.fhirUser, undefined);
      assert.equal(b.patient, 'pat-1');
      ({ body: b } = await introspect(tok, RS));
      assert.equal(b.active, true);
      assert.ok(b.sub);
      assert.equal(b.fhirUser, `${S().fhirBase}/Patient/pat-1`);
    }
  });

  t.test('introspect: another client\'s token is inactive, unless the caller is a resource server', async () => {
    const tk = await tokens();
    // demo-post: authenticated, but not the token's client.
    const other = await call('introspect', { token: tk.access_token, client_id: 'demo-post',
      client_secret: SECRETS[CONF] });
    inactive(other, 'access token of another client');
    inactive(await call('introspect', { token: tk.refresh_token, client_id: 'demo-post', client_secret: SECRETS[CONF] }),
      'refresh token of another client');
    const res = await introspect(tk.access_token, RS);
    assert.equal(res.body.active, true);
    assert.equal(res.body.client_id, CONF);
    // private_key_jwt callers too, about their own tokens (the assertion
    // names the token endpoint, RFC 7523 §3).
    const c = await h.code({ client_id: 'demo-jwt-rs384' });
    const jwt = (await h.exchange(c, { client_id: 'demo-jwt-rs384', client_assertion_type: h.JWT_BEARER,
      client_assertion: h.assertion('demo-jwt-rs384', 'rsa') })).body;
    const mine = await call('introspect', { token: jwt.access_token, client_id: 'demo-jwt-rs384',
      client_assertion_type: h.JWT_BEARER, client_assertion: h.assertion('demo-jwt-rs384', 'rsa') });
    assert.equal(mine.body.active, true, mine.text);
    assert.equal(mine.body.client_id, 'demo-jwt-rs384');
    inactive(await call('introspect', { token: tk.access_token, client_id: 'demo-jwt-rs384',
      client_assertion_type: h.JWT_BEARER, client_assertion: h.assertion('demo-jwt-rs384', 'rsa') }), 'jwt caller, other token');
  });

  t.test('introspect: expired, tampered, foreign, wrong-kind and garbage tokens are exactly {"active":false}', async () => {
    const s = S();
    const c = await h.code({ client_id: CONF });
    const tk = (await h.exchange(c, { client_id: undefined }, { basic: [CONF, SECRETS[CONF]] })).body;
    const flip = (x) => `${x.slice(0, 40)}${x[40] === 'A' ? 'B' : 'A'}${x.slice(41)}`;
    const scope = 'patient/*.rs';
    // A minted token that is good, to show the others fail on one thing.
    assert.equal((await introspect(mintAccess(s, { scope }))).body.active, true);
    for (const [what, tok] of [
      ['expired access token', expire(s.masterKey, PURPOSE.access, tk.access_token)],
      ['expired refresh token', expire(s.masterKey, PURPOSE.refresh, tk.refresh_token)],
      ['tampered access token', flip(tk.access_token)],
      ['tampered refresh token', flip(tk.refresh_token)],
      ['a code', c.code],
      ['an id_token', tk.id_token],
      ['an access token for another FHIR base', mintAccess(s, { scope, aud: 'https://other.example/fhir' })],
      ['an access token issued in the future', mintAccess(s, { scope, iat: now() + 3600 })],
      ['an access token sealed as a refresh token', mintAccess(s, { scope, purpose: PURPOSE.refresh })],
      ['an access token sealed as a launch', mintAccess(s, { scope, purpose: PURPOSE.launch })],
      ['garbage', 'garbage'],
    ]) inactive(await introspect(tok, RS), what);
  });

  t.test('introspect: callers authenticate; public clients cannot; 405, 400', async () => {
    const tk = await tokens();
    for (const [what, res] of [
      ['no client', await call('introspect', { token: tk.access_token })],
      ['wrong secret', await call('introspect', { token: tk.access_token }, { headers: { authorization: basic(RS, 'nope') } })],
      ['unknown client', await call('introspect', { token: tk.access_token }, { headers: { authorization: basic('nobody', 'x') } })],
      ['client_id without its secret', await call('introspect', { token: tk.access_token, client_id: CONF })],
      ['a public client', await call('introspect', { token: tk.access_token, client_id: 'demo-public' })],
    ]) {
      assert.equal(res.status, 401, `${what}: ${res.text}`);
      assert.equal(res.body.error, 'invalid_client', what);
      assert.match(res.r.headers.get('www-authenticate'), /^Basic /, what);
      assert.ok(!('active' in res.body), what);
    }
    let res = await call('introspect', {}, { auth: RS });
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'invalid_request');
    res = await call('introspect', {}, { method: 'GET' });
    assert.equal(res.status, 405);
    assert.match(res.r.headers.get('allow'), /POST/);
    res = await call('introspect', { token: tk.access_token }, { auth: RS, headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 400);
  });

  // ---------------------------------------------------------- revocation

  t.test('revoke: the refresh token stops the whole grant at once', async () => {
    const tk = await tokens();
    assert.equal((await fhir(tk.access_token)).status, 200);
    const res = await revoke(tk.refresh_token, CONF, { token_type_hint: 'refresh_token' });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.text, '');
    assert.equal(res.r.headers.get('cache-control'), 'no-store');
    // The proxy refuses the grant's access token, on every method.
    for (const [path, method] of [['Patient/pat-1', 'GET'], ['Observation?patient=pat-1', 'GET'],
      ['Patient/pat-1', 'DELETE'], ['Patient/_search', 'POST']]) {
      const r = await fhir(tk.access_token, path, method);
      assert.equal(r.status, 401, `${method} ${path}`);
      assert.match(r.headers.get('www-authenticate'), /invalid_token/);
    }
    const rf = await refresh(tk.refresh_token);
    assert.equal(rf.r.status, 400);
    assert.equal(rf.body.error, 'invalid_grant');
    inactive(await introspect(tk.access_token, RS), 'access token of a revoked grant');
    inactive(await introspect(tk.refresh_token, CONF), 'refresh token of a revoked grant');
    // Again: still 200 (RFC 7009 §2.2).
    assert.equal((await revoke(tk.refresh_token, CONF)).status, 200);
  });

  t.test('revoke: a public client revokes with its access token, and the grant stops too', async () => {
    const c = await h.code();
    const tk = (await h.exchange(c)).body;
    assert.equal((await fhir(tk.access_token)).status, 200);
    const res = await call('revoke', { token: tk.access_token, client_id: 'demo-public', token_type_hint: 'access_token' });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.text, '');
    const r = await fhir(tk.access_token);
    assert.equal(r.status, 401);
    assert.match(r.headers.get('www-authenticate'), /invalid_token/);
    const rf = await refresh(tk.refresh_token, 'demo-public');
    assert.equal(rf.r.status, 400);
    assert.equal(rf.body.error, 'invalid_grant');
  });

  t.test('revoke: garbage, expired, tampered and foreign-purpose tokens answer 200 and revoke nothing', async () => {
    const s = S();
    const tk = await tokens();
    const flip = (x) => `${x.slice(0, 40)}${x[40] === 'A' ? 'B' : 'A'}${x.slice(41)}`;
    for (const [what, tok] of [['garbage', 'garbage'], ['expired copy', expire(s.masterKey, PURPOSE.refresh, tk.refresh_token)],
      ['expired access copy', expire(s.masterKey, PURPOSE.access, tk.access_token)],
      ['tampered', flip(tk.refresh_token)], ['an id_token', tk.id_token]]) {
      const res = await revoke(tok, CONF);
      assert.equal(res.status, 200, `${what}: ${res.text}`);
      assert.equal(res.text, '', what);
    }
    // The grant lives on.
    assert.equal((await fhir(tk.access_token)).status, 200);
    assert.equal((await refresh(tk.refresh_token)).r.status, 200);
  });

  t.test('revoke: a token of another client is refused (invalid_grant) and revokes nothing', async () => {
    const tk = await tokens();
    for (const res of [await call('revoke', { token: tk.refresh_token, client_id: 'demo-public' }),
      await call('revoke', { token: tk.access_token, client_id: 'demo-post', client_secret: SECRETS[CONF] }),
      await revoke(tk.access_token, RS)]) {
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.error, 'invalid_grant');
    }
    assert.equal((await fhir(tk.access_token)).status, 200);
    assert.equal((await introspect(tk.refresh_token, RS)).body.active, true);
  });

  t.test('revoke: unauthenticated 401, wrong method 405, no token 400, CORS for public clients', async () => {
    const s = S();
    const tk = await tokens();
    for (const [what, res] of [
      ['no client', await call('revoke', { token: tk.refresh_token })],
      ['client_id of a confidential client, no secret', await call('revoke', { token: tk.refresh_token, client_id: CONF })],
      ['wrong secret', await call('revoke', { token: tk.refresh_token }, { headers: { authorization: basic(CONF, 'nope') } })],
      ['unknown client', await call('revoke', { token: tk.refresh_token, client_id: 'nobody' })],
    ]) {
      assert.equal(res.status, 401, `${what}: ${res.text}`);
      assert.equal(res.body.error, 'invalid_client', what);
    }
    assert.equal((await fhir(tk.access_token)).status, 200, 'a refused revocation revoked');
    let res = await call('revoke', {}, { method: 'GET' });
    assert.equal(res.status, 405);
    assert.match(res.r.headers.get('allow'), /POST/);
    res = await call('revoke', {}, { auth: CONF });
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'invalid_request');
    // A browser app may call it from its origin; no other origin.
    let r = await fetch(`${s.base}/auth/revoke`, { method: 'OPTIONS', headers: { origin: s.base, 'access-control-request-method': 'POST' } });
    assert.equal(r.status, 204);
    assert.equal(r.headers.get('access-control-allow-origin'), s.base);
    r = await fetch(`${s.base}/auth/revoke`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    assert.equal(r.headers.get('access-control-allow-origin'), null);
  });

  t.test('revoke and introspect: with the ledger unreachable, 503 (fail closed)', async () => {
    const down = await startStack({ settings: { ledger: 'lmdb:/nonexistent/smartgate-ledger' } });
    try {
      const tok = mintAccess(down, { scope: 'patient/*.rs' });
      let res = await call('revoke', { token: tok, client_id: 'demo-public' }, { stack: down });
      assert.equal(res.status, 503, res.text);
      assert.equal(res.body.error, 'temporarily_unavailable');
      res = await call('introspect', { token: tok }, { auth: RS, stack: down });
      assert.equal(res.status, 503, res.text);
      assert.equal(res.body.error, 'temporarily_unavailable');
      // Nothing to look up: answered without the ledger.
      res = await call('revoke', { token: 'garbage', client_id: 'demo-public' }, { stack: down });
      assert.equal(res.status, 200);
    } finally {
      await down.stop();
    }
  });
}
