// CGI-mode tests: the programs run as plain CGI (as on shared hosting),
// one process per request, each under valgrind unless NO_VALGRIND=1.
// Covers routing, every discovery document, errors in their protocol's
// shape, upstream failures and configuration failures.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { ROOT, freePort, writeConfig } from '../harness/stack.mjs';
import { suite, assert } from '../harness/t.mjs';

const B = path.resolve(ROOT, process.env.B || 'build');
const VALGRIND = process.env.NO_VALGRIND !== '1';
const t = suite('cgi');

// Runs program as CGI; returns { status, headers, body, stderr, code }.
export async function cgi(program, { method = 'GET', uri, env = {}, body = '', conf } = {}) {
  const [p, q = ''] = uri.split(/\?(.*)/s);
  const e = {
    PATH: process.env.PATH,
    GATEWAY_INTERFACE: 'CGI/1.1',
    REQUEST_METHOD: method,
    REQUEST_URI: uri,
    SCRIPT_NAME: p,
    QUERY_STRING: q,
    SERVER_PROTOCOL: 'HTTP/1.1',
    REMOTE_ADDR: '127.0.0.1',
    ...(conf ? { SMARTGATE_CONF: conf } : {}),
    ...(body ? { CONTENT_LENGTH: String(Buffer.byteLength(body)) } : {}),
    ...env,
  };
  const cmd = VALGRIND ? 'valgrind' : program;
  const args = VALGRIND ? ['-q', '--error-exitcode=99', '--leak-check=full',
    '--errors-for-leak-kinds=definite', '--show-leak-kinds=definite', program] : [];
  // Asynchronous: the upstream server of these tests runs in this process.
  const r = await new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { env: e });
    let stdout = '', stderr = '';
    const timer = setTimeout(() => c.kill('SIGKILL'), 60000);
    c.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
    c.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
    c.on('error', reject);
    c.on('close', (status) => { clearTimeout(timer); resolve({ status, stdout, stderr }); });
    c.stdin.on('error', async () => {});
    c.stdin.end(body);
  });
  assert.notEqual(r.status, 99, `valgrind found errors:\n${r.stderr}`);
  const out = r.stdout;
  const sep = out.indexOf('\r\n\r\n');
  const head = sep >= 0 ? out.slice(0, sep) : '';
  const headers = {};
  for (const line of head.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) {
      const k = line.slice(0, i).toLowerCase();
      headers[k] = headers[k] ? `${headers[k]}, ${line.slice(i + 1).trim()}` : line.slice(i + 1).trim();
    }
  }
  return {
    status: parseInt(headers.status, 10),
    headers, body: sep >= 0 ? out.slice(sep + 4) : out,
    stderr: r.stderr, code: r.status,
  };
}

const json = (r) => JSON.parse(r.body);

let dir, conf, upstreamPort;
const metadata = `${B}/cgi-bin/metadata`;
const base = 'https://gw.example.org';

function keygen(d, extra = []) {
  const r = spawnSync(`${B}/tools/smartgate-keygen`, ['-k', `${d}/signing.pem`, '-m', `${d}/master.key`, ...extra], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

function settings(overrides = {}) {
  return {
    public_url: base,
    upstream_fhir: `http://127.0.0.1:${upstreamPort}/fhir`,
    upstream_timeout_ms: 1000,
    signing_key: `${dir}/signing.pem`,
    master_key_file: `${dir}/master.key`,
    templates_dir: path.join(ROOT, 'templates'),
    cors_origins: 'https://app.example.com',
    metadata_cache_ttl: 0,
    ...overrides,
  };
}

function badConf(name, overrides, remove = []) {
  const s = settings(overrides);
  for (const k of remove) delete s[k];
  const f = `${dir}/${name}.conf`;
  writeConfig(f, s);
  return f;
}

t.test('smart-configuration is served with S256 only and JSON', async () => {
  const r = await cgi(metadata, { uri: '/fhir/.well-known/smart-configuration', conf, env: { HTTP_ACCEPT: 'text/html' } });
  assert.equal(r.status, 200);
  assert.match(r.headers['content-type'], /^application\/json/);
  assert.match(r.headers['x-request-id'], /^[0-9a-f]{16}$/);
  const d = json(r);
  assert.deepEqual(d.code_challenge_methods_supported, ['S256']);
  assert.equal(d.jwks_uri, `${base}/auth/jwks`);
  assert.ok(Array.isArray(d.capabilities));
  assert.ok(Array.isArray(d.grant_types_supported));
});

t.test('openid-configuration is under the issuer', async () => {
  const r = await cgi(metadata, { uri: '/auth/.well-known/openid-configuration', conf });
  assert.equal(r.status, 200);
  const d = json(r);
  assert.equal(d.issuer, `${base}/auth`);
  assert.deepEqual(d.subject_types_supported, ['public']);
  assert.ok(d.id_token_signing_alg_values_supported.includes('RS256'));
});

t.test('a configured issuer moves the openid-configuration route', async () => {
  const f = badConf('issuer', { issuer: `${base}/oidc` });
  assert.equal((await cgi(metadata, { uri: '/oidc/.well-known/openid-configuration', conf: f })).status, 200);
  assert.equal((await cgi(metadata, { uri: '/auth/.well-known/openid-configuration', conf: f })).status, 404);
});

t.test('jwks publishes public keys only', async () => {
  const r = await cgi(metadata, { uri: '/auth/jwks', conf });
  assert.equal(r.status, 200);
  assert.match(r.headers['content-type'], /^application\/jwk-set\+json/);
  const { keys } = json(r);
  assert.equal(keys.length, 1);
  for (const k of keys) {
    for (const p of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.ok(!(p in k), `private member ${p}`);
    assert.equal(k.use, 'sig');
    assert.ok(k.kid.length >= 43);
  }
});

t.test('smart-style.json carries the branding', async () => {
  const f = badConf('style', { style_color_highlight: '#aa0000' });
  const d = json(await cgi(metadata, { uri: '/auth/smart-style.json', conf: f }));
  assert.equal(d.color_highlight, '#aa0000');
  assert.ok(d.color_background);
});

t.test('unknown path is 404 JSON', async () => {
  const r = await cgi(metadata, { uri: '/fhir/.well-known/nope', conf });
  assert.equal(r.status, 404);
  assert.equal(typeof json(r).error, 'string');
});

t.test('POST is 405 with Allow', async () => {
  const r = await cgi(metadata, { method: 'POST', uri: '/fhir/.well-known/smart-configuration', conf, body: 'a=b',
    env: { CONTENT_TYPE: 'application/x-www-form-urlencoded' } });
  assert.equal(r.status, 405);
  assert.match(r.headers.allow, /GET/);
});

t.test('CORS: allowed origin is echoed, others get nothing', async () => {
  let r = await cgi(metadata, { uri: '/fhir/.well-known/smart-configuration', conf, env: { HTTP_ORIGIN: 'https://app.example.com' } });
  assert.equal(r.headers['access-control-allow-origin'], 'https://app.example.com');
  r = await cgi(metadata, { uri: '/fhir/.well-known/smart-configuration', conf, env: { HTTP_ORIGIN: 'https://evil.example.com' } });
  assert.equal(r.headers['access-control-allow-origin'], undefined);
});

t.test('CORS preflight is answered', async () => {
  const r = await cgi(metadata, { method: 'OPTIONS', uri: '/fhir/metadata', conf,
    env: { HTTP_ORIGIN: 'https://app.example.com', HTTP_ACCESS_CONTROL_REQUEST_METHOD: 'GET' } });
  assert.equal(r.status, 204);
  assert.equal(r.headers['access-control-allow-origin'], 'https://app.example.com');
  assert.match(r.headers['access-control-allow-methods'], /GET/);
});

t.test('metadata with the upstream down is 502 OperationOutcome', async () => {
  const f = badConf('down', { upstream_fhir: 'http://127.0.0.1:1/fhir' });
  const r = await cgi(metadata, { uri: '/fhir/metadata', conf: f });
  assert.equal(r.status, 502);
  assert.match(r.headers['content-type'], /^application\/fhir\+json/);
  assert.equal(json(r).resourceType, 'OperationOutcome');
});

t.test('metadata from a live upstream is rewritten and secured', async () => {
  const r = await cgi(metadata, { uri: '/fhir/metadata', conf });
  assert.equal(r.status, 200, r.body);
  const d = json(r);
  assert.equal(d.resourceType, 'CapabilityStatement');
  assert.equal(d.implementation.url, `${base}/fhir`);
  assert.ok(!r.body.includes(`127.0.0.1:${upstreamPort}`), 'upstream URL leaked');
  assert.equal(d.rest[0].security.service[0].coding[0].code, 'SMART-on-FHIR');
});

t.test('metadata with _format=xml is 406, malformed query 400, repeated 400', async () => {
  assert.equal((await cgi(metadata, { uri: '/fhir/metadata?_format=xml', conf })).status, 406);
  assert.equal((await cgi(metadata, { uri: '/fhir/metadata?_format=%zz', conf })).status, 400);
  assert.equal((await cgi(metadata, { uri: '/fhir/metadata?_format=json&_format=json', conf })).status, 400);
  assert.equal(json(await cgi(metadata, { uri: '/fhir/metadata?_format=%00', conf })).resourceType, 'OperationOutcome');
});

t.test('oversize query is refused with an OperationOutcome', async () => {
  const r = await cgi(metadata, { uri: `/fhir/metadata?x=${'a'.repeat(70000)}`, conf });
  assert.ok(r.status === 413 || r.status === 414 || r.status === 400, `status ${r.status}`);
  assert.equal(json(r).resourceType, 'OperationOutcome');
});

t.test('without SMARTGATE_CONF the program stops and says why', async () => {
  const r = await cgi(metadata, { uri: '/fhir/metadata' });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /SMARTGATE_CONF/);
});

t.test('an unknown setting stops the program naming file, line and setting', async () => {
  const f = badConf('unknown', { frobnicate: 'yes' });
  const r = await cgi(metadata, { uri: '/fhir/metadata', conf: f });
  assert.notEqual(r.code, 0);
  assert.ok(r.stderr.includes(f), r.stderr);
  assert.match(r.stderr, /frobnicate/);
});

t.test('a missing required setting is named', async () => {
  const f = badConf('missing', {}, ['upstream_fhir']);
  const r = await cgi(metadata, { uri: '/fhir/metadata', conf: f });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /upstream_fhir/);
});

t.test('an out-of-range lifetime is named', async () => {
  const f = badConf('ttl', { access_token_ttl: 999999 });
  const r = await cgi(metadata, { uri: '/fhir/metadata', conf: f });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /access_token_ttl/);
});

t.test('a master key readable by others is refused', async () => {
  const d = fs.mkdtempSync(path.join(dir, 'k'));
  keygen(d);
  fs.chmodSync(`${d}/master.key`, 0o644);
  const f = badConf('loose', { master_key_file: `${d}/master.key`, signing_key: `${d}/signing.pem` });
  const r = await cgi(metadata, { uri: '/fhir/metadata', conf: f });
  assert.notEqual(r.code, 0);
  assert.ok(r.stderr.includes(`${d}/master.key`), r.stderr);
});

t.test('smartgate-launch mints launch values and refuses bad input', async () => {
  const launch = (args) => {
    const cmd = [`${B}/tools/smartgate-launch`, '-c', conf, ...args];
    const r = VALGRIND ? spawnSync('valgrind', ['-q', '--error-exitcode=99', '--leak-check=full',
      '--errors-for-leak-kinds=definite', '--show-leak-kinds=definite', ...cmd], { encoding: 'utf8' })
      : spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8' });
    assert.notEqual(r.status, 99, `valgrind found errors:\n${r.stderr}`);
    return r;
  };
  const r = launch(['-p', 'pat-1', '-e', 'enc-1']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^[A-Za-z0-9_-]{40,}\n$/);
  // Usage errors (exit 2) name the option at fault; nothing is minted.
  for (const [args, opt] of [[['-p', 'a b'], '-p'], [['-x', '{}'], '-x'], [['-b', 'maybe'], '-b'], [['-u'], '-u']]) {
    const bad = launch(args);
    assert.equal(bad.status, 2, `${args.join(' ')}: ${bad.stderr}`);
    assert.equal(bad.stdout, '', args.join(' '));
    assert.ok(bad.stderr.includes(`smartgate-launch: ${opt}:`), bad.stderr);
  }
});

t.test('FastCGI: one process serves many requests, clean under valgrind', async () => {
  // cgi-fcgi (libfcgi-bin) starts the program on a listening socket as
  // a FastCGI server would, then relays one CGI request per call.
  const d = fs.mkdtempSync(path.join(dir, 'fcgi-'));
  const sock = `${d}/sock`, vglog = `${d}/valgrind.log`;
  fs.writeFileSync(`${d}/wrap.sh`, `#!/bin/sh\necho $$ > ${d}/pid\nexec ${VALGRIND ?
    `valgrind -q --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite --log-file=${vglog} ` : ''}${metadata} 2>>${d}/stderr.log\n`, { mode: 0o755 });
  const env = { PATH: process.env.PATH, SMARTGATE_CONF: conf };
  let r = spawnSync('cgi-fcgi', ['-start', '-connect', sock, `${d}/wrap.sh`], { env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const uris = ['/fhir/.well-known/smart-configuration', '/auth/jwks', '/fhir/metadata',
    '/fhir/metadata?_format=xml', '/auth/nope', `/fhir/metadata?${'a'.repeat(9000)}`, '/fhir/metadata?_format=%zz'];
  const want = [200, 200, 200, 406, 404, 414, 400];
  const ids = new Set();
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < uris.length; i++) {
      const [p, q = ''] = uris[i].split(/\?(.*)/s);
      const out = await new Promise((resolve) => {
        const c = spawn('cgi-fcgi', ['-bind', '-connect', sock], { env: { ...env, REQUEST_METHOD: 'GET',
          REQUEST_URI: uris[i], SCRIPT_NAME: p, QUERY_STRING: q, SERVER_PROTOCOL: 'HTTP/1.1' } });
        let o = '';
        c.stdout.setEncoding('utf8').on('data', (x) => { o += x; });
        c.stderr.setEncoding('utf8').on('data', (x) => { o += x; });
        c.on('close', () => resolve(o));
      });
      const status = parseInt((/^Status: (\d+)/m.exec(out) || [])[1], 10);
      assert.equal(status, want[i], `${uris[i]}: ${out.slice(0, 200)}`);
      ids.add((/^X-Request-Id: (\w+)/m.exec(out) || [])[1]);
    }
  }
  assert.equal(ids.size, uris.length * 3, 'request ids repeat');
  // SIGUSR1 makes libfcgi's accept return: the loop ends, main frees all.
  const pid = parseInt(fs.readFileSync(`${d}/pid`, 'utf8'), 10);
  process.kill(pid, 'SIGUSR1');
  for (let i = 0; i < 200; i++) {
    try { process.kill(pid, 0); } catch { break; }
    await new Promise((res) => setTimeout(res, 50));
  }
  if (VALGRIND) {
    const log = fs.readFileSync(vglog, 'utf8');
    assert.equal(log.trim(), '', `valgrind:\n${log}`);
  }
});

// A small FHIR server answering /metadata, for the live-upstream test.
function upstream() {
  return http.createServer((req, res) => {
    res.setHeader('Content-Type', 'application/fhir+json');
    res.end(JSON.stringify({
      resourceType: 'CapabilityStatement', status: 'active', kind: 'instance', fhirVersion: '4.0.1',
      format: ['json'], implementation: { url: `http://127.0.0.1:${upstreamPort}/fhir`, description: 'up' },
      rest: [{ mode: 'server', resource: [{ type: 'Patient', interaction: [{ code: 'read' }] }] }],
    }));
  });
}

await t.run({
  before: async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smartgate-cgi-'));
    keygen(dir);
    upstreamPort = await freePort();
    const srv = upstream();
    await new Promise((r) => srv.listen(upstreamPort, '127.0.0.1', r));
    conf = `${dir}/smartgate.conf`;
    writeConfig(conf, settings());
    return srv;
  },
  after: (srv) => {
    srv.close();
    fs.rmSync(dir, { recursive: true, force: true });
  },
});
