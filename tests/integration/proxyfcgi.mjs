// smartgate under mod_proxy_fcgi (apache/smartgate-proxy-fcgi.conf) with
// its pools kept by smartgate-fcgi: a second stack in that mode runs the
// code flow, refresh, a proxied read and discovery; the supervisor
// replaces a worker that dies, reloads on SIGHUP, stops on SIGTERM,
// refuses bad arguments, and serves a socket handed over by systemd.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ROOT, startStack } from '../harness/stack.mjs';
import { assert } from '../harness/t.mjs';
import { helpers } from './flows.mjs';
import { mintAccess } from './proxy.mjs';

const SUPERVISOR = path.join(ROOT, process.env.B || 'build', 'tools/smartgate-fcgi');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The workers of a running supervisor: [{ pid, prog }].
function workers(sup) {
  const r = spawnSync('pgrep', ['-P', String(sup.pid)], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean).map((pid) => {
    let prog = '';
    try { prog = path.basename(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]); } catch { /* gone */ }
    return { pid: Number(pid), prog };
  });
}

const aliveProc = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };

// Resolves once child has exited (by itself or by a signal).
const exited = (child) => new Promise((r) => {
  if (child.exitCode !== null || child.signalCode !== null) r();
  else child.once('exit', r);
});

async function until(what, fn, ms = 5000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

// FastCGI requests on one connection to a unix socket (FastCGI 1.0 §3,
// §5): each the params given and an empty stdin, with FCGI_KEEP_CONN when
// keep (as mod_proxy_fcgi sends with enablereuse=on); resolves to the
// STDOUT of each as { status, headers, body }, and rejects if the
// application closes the connection before the last answer.  late: the
// empty stdin record goes lateMs after the rest, as mod_proxy_fcgi's often
// does (it sends the request body, even none, after the parameters).
function fcgiRequests(sock, list, keep = false, lateMs = 0) {
  const rec = (type, id, body) => {
    const h = Buffer.alloc(8);
    h.writeUInt8(1, 0); h.writeUInt8(type, 1); h.writeUInt16BE(id, 2);
    h.writeUInt16BE(body.length, 4);
    return Buffer.concat([h, body]);
  };
  const len = (n) => (n < 128 ? Buffer.from([n]) : Buffer.from([(n >>> 24) | 0x80, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]));
  const request = (params, id) => {
    const pairs = Buffer.concat(Object.entries(params).map(([k, v]) =>
      Buffer.concat([len(Buffer.byteLength(k)), len(Buffer.byteLength(v)), Buffer.from(k), Buffer.from(v)])));
    return [Buffer.concat([rec(1, id, Buffer.from([0, 1, keep ? 1 : 0, 0, 0, 0, 0, 0])),
      rec(4, id, pairs), rec(4, id, Buffer.alloc(0))]), rec(5, id, Buffer.alloc(0))];
  };
  const send = (c, [head, stdin]) => {
    if (!lateMs) c.write(Buffer.concat([head, stdin]));
    else {
      c.write(head);
      setTimeout(() => { if (!c.destroyed) c.write(stdin); }, lateMs);
    }
  };
  return new Promise((resolve, reject) => {
    const c = net.connect(sock);
    const answers = [];
    let buf = Buffer.alloc(0), out = Buffer.alloc(0);
    c.setTimeout(10000, () => { c.destroy(); reject(new Error('FastCGI request timed out')); });
    c.on('error', reject);
    c.on('close', () => reject(new Error(`connection closed after ${answers.length} of ${list.length} answers`)));
    // Request id 1 every time, as mod_proxy_fcgi sends.
    c.on('connect', () => send(c, request(list[0], 1)));
    c.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 8) {
        const type = buf[1], n = buf.readUInt16BE(4), pad = buf[6];
        if (buf.length < 8 + n + pad) break;
        if (type === 6) out = Buffer.concat([out, buf.subarray(8, 8 + n)]);
        buf = buf.subarray(8 + n + pad);
        if (type !== 3) continue;
        const [head, ...rest] = out.toString('utf8').split('\r\n\r\n');
        const headers = Object.fromEntries(head.split('\r\n').map((l) => [l.split(':')[0].toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
        answers.push({ status: Number((headers.status || '200').split(' ')[0]), headers, body: rest.join('\r\n\r\n') });
        out = Buffer.alloc(0);
        if (answers.length === list.length) {
          c.removeAllListeners('close');
          c.destroy();
          resolve(answers);
          return;
        }
        // As Apache: the next request only once this one's stdin is sent.
        const next = request(list[answers.length], 1);
        if (lateMs) setTimeout(() => { if (!c.destroyed) send(c, next); }, 2 * lateMs);
        else send(c, next);
      }
    });
  });
}

const fcgiRequest = async (sock, params) => (await fcgiRequests(sock, [params]))[0];

export function proxyFcgiTests(t) {
  let p;	// the stack under mod_proxy_fcgi, for the tests below
  const P = () => p;
  const h = helpers(P);
  const getJson = async (url, init = {}) => {
    const r = await fetch(url, { redirect: 'manual', ...init });
    const text = await r.text();
    let body;
    try { body = JSON.parse(text); } catch { body = undefined; }
    return { r, body, text };
  };

  t.test('proxy-fcgi: Apache with mod_proxy_fcgi and smartgate-fcgi pools: discovery, metadata, static, TRACE', async () => {
    p = await startStack({ handler: 'proxy-fcgi', workers: 3, fhirHooks: true });
    const conf = fs.readFileSync(`${p.dir}/httpd.conf`, 'utf8');
    assert.match(conf, /smartgate-proxy-fcgi\.conf/);
    // Every installed program has its pool of 3.
    const ws = workers(p.supervisor);
    for (const prog of p.programs) assert.equal(ws.filter((w) => w.prog === prog).length, 3, `${prog}: ${JSON.stringify(ws)}`);
    const { r, body } = await getJson(`${p.fhirBase}/.well-known/smart-configuration`);
    assert.equal(r.status, 200);
    assert.equal(body.token_endpoint, `${p.issuer}/token`);
    const urls = Object.entries(body).filter(([k]) => k.endsWith('_endpoint') || k.endsWith('_uri')).map(([, v]) => v);
    for (const u of urls) {
      const x = await fetch(u, { redirect: 'manual' });
      assert.ok(x.status !== 404 && x.status < 500, `${u} answers ${x.status}`);
    }
    assert.equal((await getJson(`${p.fhirBase}/metadata`)).body.resourceType, 'CapabilityStatement');
    assert.equal((await getJson(`${p.issuer}/.well-known/openid-configuration`)).body.issuer, p.issuer);
    assert.equal((await fetch(`${p.base}/smartgate-static/smartgate.css`)).status, 200);
    const tr = await new Promise((resolve, reject) => {
      http.request(`${p.fhirBase}/metadata`, { method: 'TRACE' }, (res) => { res.resume(); resolve(res.statusCode); })
        .on('error', reject).end();
    });
    assert.equal(tr, 405);
    // The requests went through the sockets, not mod_fcgid.
    assert.match(p.fcgiLog(), /smartgate\[metadata\].*"GET \/fhir\/metadata" 200/);
    assert.ok(!fs.existsSync(`${p.dir}/run/fcgid/sock`) || fs.readdirSync(`${p.dir}/run/fcgid/sock`).length === 0);
  });

  t.test('proxy-fcgi: code flow, refresh, launch with Basic auth and a proxied read through mod_proxy_fcgi', async () => {
    const c = await h.code();
    let { r, body } = await h.exchange(c);
    assert.equal(r.status, 200, JSON.stringify(body));
    assert.equal(body.patient, 'pat-1');
    ({ r, body } = await h.token({ grant_type: 'refresh_token', refresh_token: body.refresh_token, client_id: 'demo-public' }));
    assert.equal(r.status, 200, JSON.stringify(body));
    const read = await getJson(`${p.fhirBase}/Patient/pat-1`, { headers: { authorization: `Bearer ${body.access_token}` } });
    assert.equal(read.r.status, 200, read.text.slice(0, 300));
    assert.equal(read.body.resourceType, 'Patient');
    assert.equal(read.body.id, 'pat-1');
    // The Bearer token really is what decides (CGIPassAuth passes it).
    const other = await getJson(`${p.fhirBase}/Patient/pat-2`, { headers: { authorization: `Bearer ${body.access_token}` } });
    assert.equal(other.r.status, 404);
    const none = await getJson(`${p.fhirBase}/Patient/pat-1`);
    assert.equal(none.r.status, 401);
    assert.match(none.r.headers.get('www-authenticate'), /^Bearer realm=/);
    // A search, narrowed to the patient; a POST body through the socket.
    const search = await getJson(`${p.fhirBase}/Observation?code=718-7`, { headers: { authorization: `Bearer ${body.access_token}` } });
    assert.equal(search.r.status, 200, search.text.slice(0, 300));
    assert.equal(search.body.resourceType, 'Bundle');
    const launch = await h.mintLaunch({ patient: 'pat-1' });
    assert.equal(launch.r.status, 200, JSON.stringify(launch.body));
  });

  t.test('proxy-fcgi: kept connections (enablereuse=on): 1500 reads and 401s, 12 at a time, all answered', async () => {
    // Its own stack: one kept connection per Apache child and program, at
    // most 2 children: 2 <= 3 processes (README "mod_proxy_fcgi").
    const k = await startStack({ handler: 'proxy-fcgi', workers: 3, fhirHooks: true, fcgiConns: 1,
      extraApache: 'ServerLimit 2\nStartServers 1\nMaxRequestWorkers 50\n', quiet: true });
    try {
    const p = k;
    const conf = fs.readFileSync(`${p.dir}/httpd.conf`, 'utf8');
    assert.match(conf, /Define SMARTGATE_FCGI_CONNS 1/);
    const bearer = { authorization: `Bearer ${mintAccess(p, { scope: 'patient/*.rs' })}` };
    const got = {};
    let next = 0;
    const one = async () => {
      while (next < 1500) {
        const i = next++;
        const r = await fetch(`${p.fhirBase}/Patient/pat-1`, i % 3 ? { headers: bearer } : {});
        await r.arrayBuffer();
        got[r.status] = (got[r.status] || 0) + 1;
      }
    };
    await Promise.all(Array.from({ length: 12 }, one));
    assert.deepEqual(got, { 200: 1000, 401: 500 });
    assert.doesNotMatch(p.errorLog(), /Failed to read FastCGI header|AH01075/);
    } finally {
      await k.stop();
    }
  });

  t.test('proxy-fcgi: reloads under kept connections lose no request', async () => {
    // A worker told to retire (SIGUSR1) while it waits on a kept
    // connection must not drop it, nor read only part of a request:
    // Apache may be sending the next one on it.  It serves the connection
    // until Apache lets go of it on its graceful restart (s.reload():
    // SIGHUP to smartgate-fcgi, then apachectl graceful; src/request.c
    // req_sigusr1).
    const k = await startStack({ handler: 'proxy-fcgi', workers: 3, fhirHooks: true, fcgiConns: 1,
      extraApache: 'ServerLimit 2\nStartServers 1\nMaxRequestWorkers 50\n', quiet: true });
    try {
      const before = workers(k.supervisor);
      const bearer = { authorization: `Bearer ${mintAccess(k, { scope: 'patient/*.rs' })}` };
      const got = {};
      let next = 0;
      let reloads = 0;
      const one = async () => {
        while (next < 3000) {
          const i = next++;
          if (i > 0 && i % 1000 === 0) {
            await k.reload();
            reloads++;
          }
          // A connection of its own (Connection: close): Apache's
          // graceful restart closes idle client connections, which fetch
          // would reuse and fail on; this test is about the FastCGI side.
          const status = await new Promise((resolve, reject) => {
            http.get(`${k.fhirBase}/Patient/pat-1`, { agent: false, headers: i % 3 ? bearer : {} }, (res) => {
              res.resume().on('end', () => resolve(res.statusCode));
            }).on('error', reject);
          });
          got[status] = (got[status] || 0) + 1;
        }
      };
      await Promise.all(Array.from({ length: 12 }, one));
      assert.equal(reloads, 2);
      assert.deepEqual(got, { 200: 2000, 401: 1000 });
      assert.doesNotMatch(k.errorLog(), /Failed to read FastCGI header|AH01075/);
      await until('every worker replaced', () => {
        const ws = workers(k.supervisor);
        return ws.length === before.length && ws.every((w) => !before.some((b) => b.pid === w.pid));
      }, 10000);
    } finally {
      await k.stop();
    }
  });

  t.test('proxy-fcgi: a killed worker is replaced, and requests meanwhile wait instead of failing', async () => {
    const before = workers(p.supervisor).filter((w) => w.prog === 'metadata');
    assert.equal(before.length, 3);
    // Every metadata worker at once (idle: a request in hand would be
    // lost with its process, Apache answers it 503).  The socket stays,
    // so requests made before the new ones run wait in its backlog.
    for (const w of before) process.kill(w.pid, 'SIGKILL');
    await until('the killed workers reaped', () => !before.some((w) => aliveProc(w.pid)));
    const answers = await Promise.all(Array.from({ length: 6 }, () => fetch(`${p.fhirBase}/.well-known/smart-configuration`).then((r) => r.status)));
    assert.deepEqual(answers, [200, 200, 200, 200, 200, 200]);
    const after = await until('3 new metadata workers', () => {
      const ws = workers(p.supervisor).filter((w) => w.prog === 'metadata');
      return ws.length === 3 && ws;
    });
    for (const w of after) assert.ok(!before.some((b) => b.pid === w.pid), 'an old pid is still there');
    assert.match(p.fcgiLog(), /metadata\[\d\] pid \d+ killed by signal 9; restart in \d+ ms/);
  });

  t.test('proxy-fcgi: SIGHUP replaces every worker (reload) and no request is refused', async () => {
    const before = workers(p.supervisor);
    const n = before.length;
    assert.equal(n, p.programs.length * 3);
    const token = mintAccess(p, { scope: 'patient/*.rs' });
    let stop = false;
    const statuses = [];
    const load = (async () => {
      while (!stop) {
        const [a, b] = await Promise.all([fetch(`${p.fhirBase}/metadata`), fetch(`${p.fhirBase}/Patient/pat-1`,
          { headers: { authorization: `Bearer ${token}` } })]);
        statuses.push(a.status, b.status);
        await Promise.all([a.arrayBuffer(), b.arrayBuffer()]);
      }
    })();
    try {
      await sleep(100);
      p.supervisor.kill('SIGHUP');
      await until('every worker replaced', () => {
        const ws = workers(p.supervisor);
        return ws.length === n && ws.every((w) => !before.some((b) => b.pid === w.pid));
      }, 10000);
      await sleep(100);
    } finally {
      stop = true;
      await load;
    }
    assert.ok(statuses.length >= 4, `only ${statuses.length} requests`);
    assert.deepEqual([...new Set(statuses)], [200], `statuses during reload: ${statuses}`);
    assert.match(p.fcgiLog(), /reload: replacing \d+ workers/);
  });

  t.test('smartgate-fcgi: serves the socket systemd passes (LISTEN_FDS), as the units in apache/systemd do', async () => {
    const s = p;	// its configuration and programs, a socket of our own
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smartgate-sd-'));
    let sa;
    try {
      const sock = `${dir}/metadata.sock`;
      const u = process.getuid() === 0 ? ['-u', 'www-data'] : [];
      // systemd-socket-activate binds, then execs the command with the
      // socket as fd 3 on the first connection (Accept=no), with only
      // the environment given with -E, as systemd's Environment= lines.
      sa = spawn('systemd-socket-activate', ['-l', sock, '-E', `SMARTGATE_CONF=${s.conf}`, SUPERVISOR, ...u, '-n', '2', `${s.libexec}/metadata`],
        { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, SMARTGATE_CONF: s.conf } });
      let log = '';
      sa.stderr.on('data', (d) => { log += d; });
      await until('the socket', () => fs.existsSync(sock));
      const params = { REQUEST_METHOD: 'GET', REQUEST_URI: '/fhir/.well-known/smart-configuration', QUERY_STRING: '',
        SCRIPT_NAME: '/fhir/.well-known/smart-configuration', SERVER_NAME: '127.0.0.1', SERVER_PORT: String(s.port),
        SERVER_PROTOCOL: 'HTTP/1.1', REMOTE_ADDR: '127.0.0.1', GATEWAY_INTERFACE: 'CGI/1.1' };
      for (let i = 0; i < 4; i++) {
        const r = await fcgiRequest(sock, params).catch((e) => { throw new Error(`${e.message}\n${log}`); });
        assert.equal(r.status, 200, r.body.slice(0, 300));
        assert.equal(JSON.parse(r.body).token_endpoint, `${s.issuer}/token`);
      }
      assert.match(log, /metadata: 2 workers on the socket from systemd/);
      // FCGI_KEEP_CONN (mod_proxy_fcgi's enablereuse=on): several
      // requests on one connection, a GET with an empty stdin among them
      // (libfcgi takes unread stdin for the next request and closes).
      const many = await fcgiRequests(sock, [params, { ...params, REQUEST_URI: '/fhir/metadata' }, params], true);
      assert.deepEqual(many.map((x) => x.status), [200, 200, 200]);
      assert.equal(JSON.parse(many[1].body).resourceType, 'CapabilityStatement');
      // The empty stdin record after the parameters, in a write of its
      // own: it must not be left in the socket for the next request
      // (src/request.c req_drain_stdin; with it there, libfcgi closed the
      // kept connection and Apache answered 503 "Failed to read FastCGI
      // header").
      const late = await fcgiRequests(sock, [params, params, { ...params, REQUEST_URI: '/fhir/metadata' }, params], true, 50);
      assert.deepEqual(late.map((x) => x.status), [200, 200, 200, 200]);
      // One process, one connection: still a fresh request id each time.
      const ids = late.map((x) => x.headers['x-request-id']);
      assert.ok(ids.every((x) => /^[0-9a-f]{16}$/.test(x)), ids.join());
      assert.equal(new Set(ids).size, ids.length, ids.join());
      const ws = workers(sa);
      assert.equal(ws.length, 2, 'two workers under the one socket');
      // The supervisor killed outright: its workers go too.
      sa.kill('SIGKILL');
      await until('the workers gone with their supervisor', () => !ws.some((w) => aliveProc(w.pid)));
    } finally {
      if (sa) {
        if (sa.exitCode === null && sa.signalCode === null) sa.kill('SIGTERM');
        await exited(sa);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  t.test('proxy-fcgi: SIGTERM stops every worker, removes the sockets, exits 0', async () => {
    const ws = workers(p.supervisor);
    assert.ok(ws.length > 0);
    try {
      const exit = new Promise((r) => p.supervisor.once('exit', (code, sig) => r({ code, sig })));
      p.supervisor.kill('SIGTERM');
      assert.deepEqual(await exit, { code: 0, sig: null });
      for (const w of ws) assert.ok(!aliveProc(w.pid), `worker ${w.pid} (${w.prog}) survived`);
      for (const prog of p.programs) assert.ok(!fs.existsSync(`${p.sockets}/${prog}.sock`), `${prog}.sock left behind`);
      // Apache now answers 503 for the programs, and nothing hangs.
      assert.equal((await fetch(`${p.fhirBase}/metadata`)).status, 503);
      // A new supervisor on the same sockets: Apache uses them at once
      // (no retry wait after the failed connects: with SetHandler and
      // no <Proxy> block, mod_proxy's default worker serves).
      const log = fs.openSync(`${p.dir}/logs/fcgi.log`, 'a');
      p.supervisor = spawn(p.supervisor.spawnfile, p.supervisor.spawnargs.slice(1), {
        stdio: ['ignore', log, log], env: { ...process.env, SMARTGATE_CONF: p.conf } });
      fs.closeSync(log);
      p.children.push(p.supervisor);
      await until('the sockets again', () => p.programs.every((x) => fs.existsSync(`${p.sockets}/${x}.sock`)));
      assert.equal((await fetch(`${p.fhirBase}/metadata`)).status, 200);
    } finally {
      await p.stop();
    }
  });

  t.test('smartgate-fcgi: bad arguments are refused before anything starts', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smartgate-fcgi-'));
    try {
      fs.chmodSync(dir, 0o755);
      const prog = path.join(ROOT, process.env.B || 'build', 'cgi-bin/metadata');
      const noexec = `${dir}/noexec`;
      fs.writeFileSync(noexec, '#!/bin/sh\n', { mode: 0o644 });
      fs.writeFileSync(`${dir}/file.sock`, 'not a socket');
      const u = process.getuid() === 0 ? ['-u', 'www-data'] : [];
      const long = `${dir}/${'d'.repeat(100)}`;
      fs.mkdirSync(long);
      const cases = [
        [[...u, '-d', dir], 2, /programs/],
        [[...u, '-d', dir, 'cgi-bin/metadata'], 2, /absolute path/],
        [[...u, '-d', dir, `${dir}/missing`], 2, /No such file/],
        [[...u, '-d', dir, noexec], 2, /Permission denied/],
        [[...u, '-d', dir, '-n', '0', prog], 2, /-n 0/],
        [[...u, '-d', dir, '-n', '257', prog], 2, /-n 257/],
        [[...u, '-d', dir, '-n', '4x', prog], 2, /-n 4x/],
        [[...u, '-d', dir, '-n', '-1', prog], 2, /-n -1/],
        [[...u, '-d', dir, '-m', '0999', prog], 2, /-m 0999/],
        [[...u, '-d', dir, '-x', prog], 2, /usage/],
        [['-u', 'no-such-user-sg', '-d', dir, prog], 2, /no such user/],
        [[...u, '-g', 'no-such-group-sg', '-d', dir, prog], 2, /no such group/],
        [[...u, '-g', 'root', prog], 2, /-g and -m are for sockets made with -d/],
        [[...u, '-m', '0600', prog], 2, /-g and -m are for sockets made with -d/],
        [[...u, '-d', dir, prog, prog], 2, /two programs named metadata/],
        [[...u, prog], 1, /no -d and no sockets from systemd/],
        [[...u, '-d', `${dir}/nodir`, prog], 1, /bind .*No such file/],
        [[...u, '-d', long, prog], 1, /too long for a unix socket/],
        [[...u, '-d', dir, `${dir}/file`], 1, /file\.sock exists and is not a socket/],
      ];
      fs.copyFileSync(prog, `${dir}/file`);
      fs.chmodSync(`${dir}/file`, 0o755);
      if (process.getuid() === 0) cases.push([['-d', dir, prog], 2, /refusing to run the programs as root/]);
      for (const [args, code, msg] of cases) {
        const r = spawnSync(SUPERVISOR, args, { encoding: 'utf8', timeout: 10000, env: { ...process.env, SMARTGATE_CONF: '/nonexistent' } });
        assert.equal(r.status, code, `${args.join(' ')}: exit ${r.status} ${r.signal || ''}\n${r.stderr}`);
        assert.match(r.stderr, msg, args.join(' '));
        assert.equal(fs.readdirSync(dir).filter((f) => f.endsWith('.sock') && f !== 'file.sock').length, 0, `${args.join(' ')} left a socket`);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  t.test('smartgate-fcgi: a program that cannot start is retried with a growing delay, not in a loop', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smartgate-fcgi-'));
    fs.chmodSync(dir, 0o755);
    const prog = path.join(ROOT, process.env.B || 'build', 'cgi-bin/metadata');
    const u = process.getuid() === 0 ? ['-u', 'www-data'] : [];
    // No configuration: metadata exits at once, every time.
    const sup = spawn(SUPERVISOR, [...u, '-n', '1', '-d', dir, prog], { stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, SMARTGATE_CONF: `${dir}/missing.conf` } });
    let log = '';
    sup.stderr.on('data', (d) => { log += d; });
    try {
      await sleep(2200);
      const delays = [...log.matchAll(/exited with status \d+; restart in (\d+) ms/g)].map((m) => Number(m[1]));
      // 250, 500, 1000 (then 2000 after 2 s): a handful of starts, not hundreds.
      assert.ok(delays.length >= 3 && delays.length <= 5, `${delays.length} restarts: ${log.slice(0, 1500)}`);
      for (let i = 1; i < delays.length; i++) assert.equal(delays[i], Math.min(delays[i - 1] * 2, 30000), String(delays));
      assert.equal(delays[0], 250);
    } finally {
      sup.kill('SIGTERM');
      await exited(sup);
      fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.equal(sup.exitCode, 0);
  });

  t.test('smartgate-fcgi: the systemd units pass systemd-analyze verify', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smartgate-units-'));
    try {
      const inst = `${dir}/root`;
      const mk = spawnSync('make', ['--no-print-directory', '-s', '-C', ROOT, 'install', `DESTDIR=${inst}`, 'PREFIX=/opt/sg',
        `B=${process.env.B || 'build'}`, `SANITIZE=${process.env.SANITIZE || ''}`], { encoding: 'utf8' });
      assert.equal(mk.status, 0, mk.stderr);
      const units = `${dir}/units`;
      fs.mkdirSync(units);
      // The installed units, with the install's paths, as instances.
      for (const ext of ['socket', 'service']) {
        const text = fs.readFileSync(`${inst}/opt/sg/share/smartgate/apache/systemd/smartgate-fcgi@.${ext}`, 'utf8');
        assert.ok(!text.includes('@BINDIR@') && !text.includes('@LIBEXECDIR@'), 'paths not filled in');
        assert.match(text, ext === 'service' ? /ExecStart=\/opt\/sg\/bin\/smartgate-fcgi .*\/opt\/sg\/lib\/smartgate\/%i/ :
          /ListenStream=\/run\/smartgate\/%i\.sock/);
        fs.writeFileSync(`${units}/smartgate-fcgi@.${ext}`, text.replaceAll('/opt/sg/', `${inst}/opt/sg/`));
        fs.copyFileSync(`${units}/smartgate-fcgi@.${ext}`, `${units}/smartgate-fcgi@token.${ext}`);
      }
      const r = spawnSync('systemd-analyze', ['verify', '--man=no', `${units}/smartgate-fcgi@token.socket`,
        `${units}/smartgate-fcgi@token.service`], { encoding: 'utf8', env: { ...process.env, SYSTEMD_UNIT_PATH: `${units}:` } });
      assert.ok(!r.error, `systemd-analyze: ${r.error}`);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr.trim(), '', r.stderr);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}
