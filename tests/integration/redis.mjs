// Two gateways acting as one on a shared Redis ledger (docs/LEDGER.md
// "Redis", README "Several gateways behind a load balancer"): two
// Apache instances on their own loopback ports, the same master key,
// signing key, client registry and public_url (as behind a load
// balancer), and one real redis-server with a password, started here.
// What one gateway records, the other honours: a redeemed code, a
// revoked grant, a rotated refresh token, a used assertion jti.  With
// Redis stopped both fail closed (503) and heal by themselves.
import crypto from 'node:crypto';
import { redisServer } from '../harness/redis.mjs';
import { freePort, startStack } from '../harness/stack.mjs';
import { assert } from '../harness/t.mjs';
import { helpers } from './flows.mjs';

const PASSWORD = crypto.randomBytes(18).toString('base64url');

export function redisTests(t, _S) {
  let env;	// { redis, a, b }, started by the first test that needs it

  async function setup() {
    if (env) return env;
    const redis = redisServer(await freePort(), PASSWORD);
    await redis.start();
    const ledger = `redis:127.0.0.1:${redis.port}`;
    const a = await startStack({ ledger, ledgerPassword: PASSWORD });
    let b;
    try {
      b = await startStack({ ledger, ledgerPassword: PASSWORD, keysFrom: a, settings: { public_url: a.base } });
    } catch (e) {
      await a.stop();
      throw e;
    }
    env = { redis, a, b };
    return env;
  }

  // The gateways' own URLs; the public one is a's.
  const fhir = (s, p = '/Patient/pat-1', at) => fetch(`${s.base}/fhir${p}`,
    { headers: at ? { authorization: `Bearer ${at}` } : {} });

  t.test('redis: two gateways share one public_url, keys and a Redis ledger', async () => {
    const { a, b } = await setup();
    const disc = await (await fetch(`${b.base}/fhir/.well-known/smart-configuration`)).json();
    assert.equal(disc.token_endpoint, `${a.base}/auth/token`);
    // A token issued at a works at b's proxy, and the other way round.
    const ha = helpers(() => a);
    const hb = helpers(() => b);
    const first = await ha.exchange(await ha.code());
    assert.equal(first.r.status, 200, JSON.stringify(first.body));
    assert.equal((await fhir(b, undefined, first.body.access_token)).status, 200);
    const c = await ha.code();
    const second = await hb.exchange(c, { redirect_uri: ha.app() });
    assert.equal(second.r.status, 200, JSON.stringify(second.body));
    assert.equal((await fhir(a, undefined, second.body.access_token)).status, 200);
  });

  t.test('redis: a code redeemed at one gateway is refused at the other, and the replay revokes the grant at both', async () => {
    const { a, b } = await setup();
    const ha = helpers(() => a);
    const hb = helpers(() => b);
    const c = await ha.code();
    const first = await ha.exchange(c);
    assert.equal(first.r.status, 200, JSON.stringify(first.body));
    const at = first.body.access_token;
    assert.equal((await fhir(a, undefined, at)).status, 200);
    assert.equal((await fhir(b, undefined, at)).status, 200);
    const again = await hb.exchange(c, { redirect_uri: ha.app() });
    assert.equal(again.r.status, 400, JSON.stringify(again.body));
    assert.equal(again.body.error, 'invalid_grant');
    // Revoked at b by the replay: refused at a's proxy and token endpoint.
    const r = await fhir(a, undefined, at);
    assert.equal(r.status, 401);
    assert.match(r.headers.get('www-authenticate') || '', /invalid_token/);
    assert.equal((await fhir(b, undefined, at)).status, 401);
    const { body } = await ha.token({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token,
      client_id: 'demo-public' });
    assert.equal(body.error, 'invalid_grant');
  });

  t.test('redis: a refresh token rotated at one gateway cannot be reused at the other', async () => {
    const { a, b } = await setup();
    const ha = helpers(() => a);
    const hb = helpers(() => b);
    const rt0 = (await ha.exchange(await ha.code())).body.refresh_token;
    const refresh = (h, rt) => h.token({ grant_type: 'refresh_token', refresh_token: rt, client_id: 'demo-public' });
    // The chain goes on from gateway to gateway.
    let { r, body } = await refresh(hb, rt0);
    assert.equal(r.status, 200, JSON.stringify(body));
    const rt1 = body.refresh_token;
    const at1 = body.access_token;
    ({ r, body } = await refresh(ha, rt1));
    assert.equal(r.status, 200, JSON.stringify(body));
    const rt2 = body.refresh_token;
    // rt1, rotated at a, comes back at b: reuse, the grant dies.
    ({ r, body } = await refresh(hb, rt1));
    assert.equal(r.status, 400);
    assert.equal(body.error, 'invalid_grant');
    ({ body } = await refresh(ha, rt2));
    assert.equal(body.error, 'invalid_grant');
    assert.equal((await fhir(a, undefined, at1)).status, 401);
  });

  t.test('redis: an assertion jti used at one gateway is refused at the other', async () => {
    const { a, b } = await setup();
    const ha = helpers(() => a);
    const hb = helpers(() => b);
    // aud is the public token URL, the same for both gateways.
    const assertion = ha.assertion('demo-jwt-rs384', 'rsa');
    const auth = (x) => ({ client_id: 'demo-jwt-rs384', client_assertion_type: ha.JWT_BEARER, client_assertion: x,
      redirect_uri: ha.app() });
    const ok = await ha.exchange(await ha.code({ client_id: 'demo-jwt-rs384' }), auth(assertion));
    assert.equal(ok.r.status, 200, JSON.stringify(ok.body));
    const c = await ha.code({ client_id: 'demo-jwt-rs384' });
    let { r, body } = await hb.exchange(c, auth(assertion));
    assert.equal(r.status, 401, JSON.stringify(body));
    assert.equal(body.error, 'invalid_client');
    // A fresh assertion at b: the code was not burnt by the failure.
    ({ r, body } = await hb.exchange(c, auth(ha.assertion('demo-jwt-rs384', 'rsa'))));
    assert.equal(r.status, 200, JSON.stringify(body));
  });

  t.test('redis: with Redis stopped both gateways fail closed (503), and heal when it is back', async () => {
    const { redis, a, b } = await setup();
    const ha = helpers(() => a);
    const hb = helpers(() => b);
    const live = await ha.exchange(await ha.code());
    const at = live.body.access_token;
    const c = await ha.code();
    await redis.stop();
    try {
      // Twice each: the broken connection, then a refused reconnection.
      for (const [h, s] of [[ha, a], [hb, b], [ha, a], [hb, b]]) {
        const x = await h.exchange(c, { redirect_uri: ha.app() });
        assert.equal(x.r.status, 503, JSON.stringify(x.body));
        assert.equal(x.body.error, 'temporarily_unavailable');
        assert.equal(x.r.headers.get('cache-control'), 'no-store');
        const r = await fhir(s, undefined, at);
        assert.equal(r.status, 503);
        const oo = await r.json();
        assert.equal(oo.resourceType, 'OperationOutcome');
      }
      await new Promise((res) => setTimeout(res, 200));
      for (const s of [a, b]) {
        assert.match(s.errorLog(), new RegExp(`err: ledger: redis 127\\.0\\.0\\.1:${redis.port}: cannot connect`));
        assert.ok(!s.errorLog().includes(PASSWORD), 'the Redis password is in the log');
      }
    } finally {
      await redis.start();
    }
    // Back (empty: no persistence here), without restarting anything;
    // the failed attempts did not burn the code.
    assert.equal((await fhir(b, undefined, at)).status, 200);
    const x = await hb.exchange(c, { redirect_uri: ha.app() });
    assert.equal(x.r.status, 200, JSON.stringify(x.body));
    assert.equal((await ha.exchange(c)).body.error, 'invalid_grant');
  });

  t.test('redis: the two gateways stop', async () => {
    if (!env) return;
    const { redis, a, b } = env;
    env = undefined;
    await b.stop();
    await a.stop();
    await redis.stop();
  });
}
