// Revoking as an administrator (issue 8): the token endpoint records
// each grant a code exchange starts (grant:<gid> in the ledger), and
// tools/smartgate-revoke, run from the installed stack as root against
// the ledger Apache's user owns, lists them and revokes by grant, client
// or user, with the same effect as RFC 7009: the proxy refuses the
// grant's access tokens and its refresh token no longer refreshes.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { SECRETS } from '../harness/clients.mjs';
import { freePort, startStack } from '../harness/stack.mjs';
import { assert } from '../harness/t.mjs';
import { helpers } from './flows.mjs';

const CONF = 'demo-confidential';

// A redis-server on a free loopback port, without persistence.
async function redisServer() {
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '',
    '--appendonly', 'no', '--daemonize', 'no'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const kill = () => { if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL'); };
  process.on('exit', kill);
  for (const until = Date.now() + 10000; ;) {
    if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode}`);
    const up = await new Promise((res) => {
      const c = net.connect(port, '127.0.0.1');
      c.on('connect', () => { c.destroy(); res(true); });
      c.on('error', () => { c.destroy(); res(false); });
    });
    if (up) break;
    if (Date.now() > until) throw new Error(`redis-server: port ${port} not open`);
    await new Promise((res) => setTimeout(res, 50));
  }
  return { port, stop: kill };
}

export function grantsTests(t, S0) {
  let cur = S0;	// the stack under test: the main one, or the Redis one
  const S = () => cur();
  const h = helpers(S);

  // Runs the installed tool with the stack's configuration.
  function tool(args, env = {}) {
    const s = S();
    const r = spawnSync(`${s.bin}/smartgate-revoke`, args, { encoding: 'utf8',
      env: { ...process.env, SMARTGATE_CONF: s.conf, ...env } });
    return { status: r.status, out: r.stdout, err: r.stderr };
  }
  // The list as { gid: { cid, sub, fu, since, until, access, state, scope } }.
  function list(args = []) {
    const r = tool(['list', ...args]);
    assert.equal(r.status, 0, r.err);
    const grants = {};
    for (const line of r.out.split('\n').filter(Boolean)) {
      const f = line.split('\t');
      assert.equal(f.length, 9, line);
      const [gid, cid, sub, fu, since, until, access, state, scope] = f;
      grants[gid] = { cid, sub, fu, since, until, access, state, scope };
    }
    return grants;
  }

  // Tokens of demo-public (or of the confidential client) from the real flow.
  async function tokens(user = 'patient', client = 'demo-public', scope) {
    const conf = client === CONF;
    const c = await h.code({ client_id: client, ...(scope ? { scope } : {}) }, user);
    const { r, body } = await h.exchange(c, conf ? { client_id: undefined } : {},
      conf ? { basic: [CONF, SECRETS[CONF]] } : undefined);
    assert.equal(r.status, 200, JSON.stringify(body));
    return { ...body, gid: h.access(body.access_token).gid, sub: h.access(body.access_token).sub };
  }
  const fhir = (tok) => fetch(`${S().fhirBase}/Patient/pat-1`,
    { headers: { authorization: `Bearer ${tok}`, accept: 'application/fhir+json' } });
  const refresh = (tk, client = 'demo-public') => h.token({ grant_type: 'refresh_token',
    refresh_token: tk.refresh_token, ...(client === CONF ? {} : { client_id: client }) },
    client === CONF ? { basic: [CONF, SECRETS[CONF]] } : {});
  // Still usable: the proxy answers and a refresh works (once).
  async function usable(tk, what, client) {
    assert.equal((await fhir(tk.access_token)).status, 200, `${what}: proxy`);
    const { r, body } = await refresh(tk, client);
    assert.equal(r.status, 200, `${what}: refresh ${JSON.stringify(body)}`);
    return { ...tk, ...body };
  }
  async function refused(tk, what, client) {
    const p = await fhir(tk.access_token);
    assert.equal(p.status, 401, `${what}: the proxy took a revoked grant's token`);
    const { r, body } = await refresh(tk, client);
    assert.equal(r.status, 400, `${what}: refresh`);
    assert.equal(body.error, 'invalid_grant', what);
  }

  t.test('grants: the tool runs as root on the ledger Apache\'s user owns, without taking it', async () => {
    const s = S();
    await tokens();
    const before = fs.statSync(`${s.dir}/ledger/data.mdb`);
    list();
    const after = fs.statSync(`${s.dir}/ledger/data.mdb`);
    assert.equal(after.uid, before.uid);
    assert.equal(fs.statSync(`${s.dir}/ledger/lock.mdb`).uid, before.uid);
    // And the gateway still writes its ledger afterwards.
    await tokens();
  });

  t.test('grants: a code exchange is listed with its client, user, fhirUser, scope and lifetime', async () => {
    const tk = await tokens();
    const g = list()[tk.gid];
    assert.ok(g, `grant ${tk.gid} not listed`);
    assert.equal(g.cid, 'demo-public');
    assert.equal(g.sub, tk.sub);
    assert.ok(g.sub.length > 0 && g.sub !== '-');
    assert.equal(g.fu, 'Patient/pat-1');
    assert.equal(g.access, 'offline');
    assert.equal(g.state, 'live');
    assert.ok(g.scope.split(' ').includes('offline_access'), g.scope);
    assert.ok(g.scope.split(' ').includes('patient/*.rs'), g.scope);
    assert.match(g.since, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const since = Date.parse(g.since) / 1000;
    const until = Date.parse(g.until) / 1000;
    assert.ok(Math.abs(since - Date.now() / 1000) < 60, g.since);
    // offline_access: the grant lives as long as its refresh tokens can.
    assert.ok(Math.abs(until - since - Number(S().settings.refresh_token_ttl ?? 7776000)) <= 2,
      `${g.since} .. ${g.until}`);
    // A refresh starts no new grant.
    await refresh(tk);
    const again = list();
    assert.equal(Object.keys(again).filter((k) => k === tk.gid).length, 1);
  });

  t.test('grants: without offline_access or online_access a grant lives as long as its access token', async () => {
    const tk = await tokens('patient', 'demo-public', 'openid fhirUser launch/patient patient/*.rs');
    assert.equal(tk.refresh_token, undefined);
    const g = list()[tk.gid];
    assert.ok(g);
    assert.equal(g.access, 'online');
    const life = (Date.parse(g.until) - Date.parse(g.since)) / 1000;
    assert.ok(Math.abs(life - tk.expires_in) <= 2, `${life} vs ${tk.expires_in}`);
  });

  t.test('grants: list -c and -u keep one client\'s or one user\'s grants', async () => {
    const a = await tokens('patient');
    const b = await tokens('patient2', CONF, 'openid fhirUser launch/patient offline_access patient/*.rs');
    let l = list(['-c', CONF]);
    assert.ok(l[b.gid] && !l[a.gid]);
    for (const g of Object.values(l)) assert.equal(g.cid, CONF);
    l = list(['-u', a.sub]);
    assert.ok(l[a.gid] && !l[b.gid]);
    for (const g of Object.values(l)) assert.equal(g.sub, a.sub);
    l = list(['-c', 'demo-public', '-u', b.sub]);
    assert.ok(!l[a.gid] && !l[b.gid]);
    assert.deepEqual(list(['-c', 'no-such-client']), {});
  });

  t.test('grants: revoke grant GID stops that grant at the proxy and at refresh, and no other', async () => {
    const tk = await tokens();
    let other = await tokens();
    const r = tool(['grant', tk.gid]);
    assert.equal(r.status, 0, r.err);
    assert.equal(r.out, '1 grant revoked\n');
    await refused(tk, 'revoked grant');
    assert.equal(list()[tk.gid].state, 'revoked');
    other = await usable(other, 'another grant');
    assert.equal(list()[other.gid].state, 'live');
    // Again: idempotent.
    assert.equal(tool(['grant', tk.gid]).out, '1 grant revoked\n');
  });

  t.test('grants: revoke client demo-public revokes every live grant of that client', async () => {
    const a = await tokens('patient');
    const b = await tokens('patient2');
    let c = await tokens('patient', CONF, 'openid fhirUser launch/patient offline_access patient/*.rs');
    const n = Object.values(list(['-c', 'demo-public'])).length;
    assert.ok(n >= 2);
    const r = tool(['client', 'demo-public']);
    assert.equal(r.status, 0, r.err);
    assert.equal(r.out, `${n} grants revoked\n`);
    await refused(a, 'client revoked, grant a');
    await refused(b, 'client revoked, grant b');
    for (const g of Object.values(list(['-c', 'demo-public']))) assert.equal(g.state, 'revoked');
    c = await usable(c, 'the other client', CONF);
    // A grant started afterwards is not touched.
    await usable(await tokens('patient'), 'a new grant');
  });

  t.test('grants: revoke user SUB revokes every live grant of that user, of any client', async () => {
    const a = await tokens('patient2');
    const b = await tokens('patient2', CONF, 'openid fhirUser launch/patient offline_access patient/*.rs');
    const keep = await tokens('patient');
    assert.notEqual(a.sub, keep.sub);
    const mine = Object.keys(list(['-u', a.sub]));
    assert.ok(mine.includes(a.gid) && mine.includes(b.gid));
    const r = tool(['user', a.sub]);
    assert.equal(r.status, 0, r.err);
    assert.equal(r.out, `${mine.length} grants revoked\n`);
    await refused(a, 'user revoked, public client');
    await refused(b, 'user revoked, confidential client', CONF);
    await usable(keep, 'another user');
  });

  t.test('grants: unknown grant, client or user revokes nothing, exit 0', () => {
    for (const args of [['grant', 'AAAAAAAAAAAAAAAAAAAAAA'], ['client', 'no-such-client'], ['user', 'nobody-at-all']]) {
      const r = tool(args);
      assert.equal(r.status, 0, `${args}: ${r.err}`);
      assert.equal(r.out, '0 grants revoked\n', args.join(' '));
    }
  });

  t.test('grants: usage errors exit 1 with the usage text', () => {
    for (const args of [[], ['revoke'], ['grant'], ['grant', 'short'], ['grant', 'a', 'b'], ['client'],
      ['user', 'x\ty'], ['list', 'extra'], ['list', '-x'], ['-q', 'list']]) {
      const r = tool(args);
      assert.equal(r.status, 1, `${JSON.stringify(args)}: ${r.out}${r.err}`);
      assert.match(r.err, /usage: smartgate-revoke/, JSON.stringify(args));
      assert.equal(r.out, '', JSON.stringify(args));
    }
    const r = tool(['list'], { SMARTGATE_CONF: '' });
    assert.equal(r.status, 1);
    assert.match(r.err, /no configuration/);
  });

  t.test('grants: an unusable ledger exits 2, revoking nothing', () => {
    const s = S();
    const conf = `${s.dir}/etc/grants-redis-down.conf`;
    // The same configuration with a Redis ledger that is not there.
    const text = fs.readFileSync(s.conf, 'utf8').split('\n')
      .map((l) => (l.startsWith('ledger ') ? 'ledger redis:127.0.0.1:1' : l)).join('\n');
    fs.writeFileSync(conf, text, { mode: 0o644 });
    for (const args of [['list'], ['client', 'demo-public'], ['grant', 'AAAAAAAAAAAAAAAAAAAAAA']]) {
      const r = tool(['-c', conf, ...args]);
      assert.equal(r.status, 2, `${args}: ${r.out}${r.err}`);
      assert.match(r.err, /cannot connect/);
      assert.equal(r.out, '');
    }
    const none = `${s.dir}/etc/grants-none.conf`;
    fs.writeFileSync(none, text.replace('ledger redis:127.0.0.1:1', 'ledger none'), { mode: 0o644 });
    const r = tool(['-c', none, 'list']);
    assert.equal(r.status, 2);
    assert.match(r.err, /"none"/);
    fs.rmSync(conf);
    fs.rmSync(none);
  });

  t.test('grants: on a Redis ledger, listed and revoked by client alike', async () => {
    const redis = await redisServer();
    const rs = await startStack({ ledger: `redis:127.0.0.1:${redis.port}` });
    cur = () => rs;
    try {
      const a = await tokens('patient');
      const b = await tokens('patient2');
      const l = list(['-c', 'demo-public']);
      assert.deepEqual(Object.keys(l).sort(), [a.gid, b.gid].sort());
      assert.equal(l[a.gid].sub, a.sub);
      assert.equal(l[a.gid].state, 'live');
      const r = tool(['client', 'demo-public']);
      assert.equal(r.status, 0, r.err);
      assert.equal(r.out, '2 grants revoked\n');
      await refused(a, 'redis: grant a');
      await refused(b, 'redis: grant b');
      assert.equal(list()[a.gid].state, 'revoked');
      // A grant that cannot be recorded is not started: the exchange
      // fails closed (503), though the code itself was burned.  Redis's
      // ACL lets the gateway write every namespace but grant:.
      const acl = spawnSync('redis-cli', ['-p', String(redis.port), 'ACL', 'SETUSER', 'default', 'resetkeys',
        '~code:*', '~jti:*', '~rtgen:*', '~revoked:*', '~tx:*', '~launch:*'], { encoding: 'utf8' });
      assert.equal(acl.stdout.trim(), 'OK', acl.stderr);
      const c = await h.code({}, 'patient');
      const x = await h.exchange(c);
      assert.equal(x.r.status, 503, JSON.stringify(x.body));
      assert.equal(x.body.error, 'temporarily_unavailable');
      assert.equal(x.body.access_token, undefined);
      // Redis gone: the tool exits 2.
      redis.stop();
      await new Promise((res) => setTimeout(res, 100));
      assert.equal(tool(['list']).status, 2);
    } finally {
      cur = S0;
      await rs.stop();
      redis.stop();
    }
  });
}
