// CGI-mode tests: the programs run as plain CGI (as on shared hosting),
// one process per request, each under valgrind unless NO_VALGRIND=1.
// Covers routing, every discovery document, errors in their protocol's
// shape, upstream failures and configuration failures.
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { makeClients, SECRETS } from '../harness/clients.mjs';
import { PURPOSE, openAccess, seal } from '../harness/seal.mjs';
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

let dir, conf, upstreamPort, flowConf, oidcConf, clients;
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

// Start-up under plain CGI (docs/PERFORMANCE.md "Plain CGI"): libcurl is
// loaded only by a request that calls upstream, and the signing key is
// parsed only by a request that publishes or signs with it.
// Without valgrind (whose own loader would be traced); asynchronous, as
// the upstream of these tests runs in this process.
async function ldFiles(uri, c) {
  const c2 = spawn(metadata, [], { env: { PATH: process.env.PATH, GATEWAY_INTERFACE: 'CGI/1.1',
    REQUEST_METHOD: 'GET', REQUEST_URI: uri, SCRIPT_NAME: uri, QUERY_STRING: '', SERVER_PROTOCOL: 'HTTP/1.1',
    REMOTE_ADDR: '127.0.0.1', SMARTGATE_CONF: c, LD_DEBUG: 'files' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  c2.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
  c2.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
  await new Promise((res) => c2.on('close', res));
  return { status: parseInt((/^Status: (\d+)/m.exec(stdout) || [])[1], 10), stderr };
}

t.test('plain CGI maps libcurl only for a request that calls upstream (LD_DEBUG=files)', async () => {
  for (const uri of ['/fhir/.well-known/smart-configuration', '/auth/jwks']) {
    const r = await ldFiles(uri, conf);
    assert.equal(r.status, 200, r.stderr.slice(-500));
    assert.match(r.stderr, /file=libjson-c\.so/, 'LD_DEBUG=files shows the libraries loaded');
    assert.doesNotMatch(r.stderr, /file=libcurl\.so/, `${uri} loaded libcurl`);
  }
  // The upstream call loads it (by soname, through dlopen).
  const r = await ldFiles('/fhir/metadata', conf);
  assert.equal(r.status, 200);
  assert.match(r.stderr, /file=libcurl\.so\.4 \[0\];\s+dynamically loaded by/);
});

t.test('plain CGI: a signing key that does not parse fails only what publishes or signs with it', async () => {
  const junk = `${dir}/junk-signing.pem`;
  fs.writeFileSync(junk, 'not a key\n', { mode: 0o600 });
  const f = badConf('junkkey', { signing_key: junk });
  const ok = await cgi(metadata, { uri: '/fhir/.well-known/smart-configuration', conf: f });
  assert.equal(ok.status, 200, ok.stderr);
  for (const uri of ['/auth/jwks', '/auth/.well-known/openid-configuration']) {
    const r = await cgi(metadata, { uri, conf: f });
    assert.equal(r.status, 500, `${uri}: ${r.body}`);
    assert.ok(r.stderr.includes(`${junk}: not an unencrypted PEM private key`), r.stderr);
  }
  // Still checked at start: a key open to others stops the program.
  fs.chmodSync(junk, 0o604);
  const loose = await cgi(metadata, { uri: '/fhir/.well-known/smart-configuration', conf: f });
  assert.notEqual(loose.code, 0);
  assert.match(loose.stderr, /junk-signing\.pem: readable by others/);
});

t.test('FastCGI: a signing key that does not parse stops the program at start', async () => {
  const d = fs.mkdtempSync(path.join(dir, 'fcgikey-'));
  const junk = `${d}/junk.pem`, log = `${d}/stderr.log`;
  fs.writeFileSync(junk, 'not a key\n', { mode: 0o600 });
  const f = badConf('fcgijunk', { signing_key: junk });
  fs.writeFileSync(`${d}/wrap.sh`, `#!/bin/sh\nexec ${metadata} 2>>${log}\n`, { mode: 0o755 });
  const r = spawnSync('cgi-fcgi', ['-start', '-connect', `${d}/sock`, `${d}/wrap.sh`],
    { env: { PATH: process.env.PATH, SMARTGATE_CONF: f }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const said = () => fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes(`${junk}: not an unencrypted PEM`);
  for (let i = 0; i < 100 && !said(); i++) await new Promise((res) => setTimeout(res, 50));
  assert.ok(said(), fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : 'no log');
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

// The whole authorization flow as plain CGI (shared hosting), every
// program invocation under valgrind: authorize, consent, token, launch
// and callback, on their success and error paths.
const prog = (name) => `${B}/cgi-bin/${name}`;
const APP = `${base}/demo/app/index.html`;
const FORM = { CONTENT_TYPE: 'application/x-www-form-urlencoded' };
const CONSENT = `${base}/auth/consent`;

function pkce() {
  const verifier = crypto.randomBytes(32).toString('base64url');
  return { verifier, challenge: crypto.createHash('sha256').update(verifier).digest('base64url') };
}

// The transaction cookie from an answer, as "name=value" for HTTP_COOKIE,
// or null when none was set (an empty value is a clearing cookie).  The
// cgi() helper joins repeated headers with ", "; cookie.c writes no
// Expires attribute (it holds ", "), and sealed values are base64url.
function txCookie(r) {
  const h = r.headers['set-cookie'] || '';
  const m = /(?:^|, )__Host-sg_tx=([^;,]*)((?:;[^,]*)?)/.exec(h);
  if (!m) return null;
  if (m[1] === '') {
    assert.match(m[2], /Max-Age=0/, `a clearing cookie expires now: ${h}`);
    return '';
  }
  // RFC 6265bis §4.1.3.2: __Host- needs Secure and Path=/, no Domain.
  assert.match(m[2], /; Path=\/(;|$)/, h);
  assert.match(m[2], /; Secure(;|$)/, h);
  assert.match(m[2], /; HttpOnly(;|$)/, h);
  assert.match(m[2], /; SameSite=Lax(;|$)/, h);
  assert.doesNotMatch(m[2], /Domain=/i, h);
  return `__Host-sg_tx=${m[1]}`;
}

const unescapeHtml = (s) => s.replace(/&(#39|#x27|quot|lt|gt|amp);/g, (_, e) =>
  ({ '#39': "'", '#x27': "'", quot: '"', lt: '<', gt: '>', amp: '&' })[e]);

// The consent form as a browser sees it: the CSRF token, the scope boxes
// ticked by default, every scope box, the patients of the picker.
function consentForm(html) {
  const inputs = [...html.matchAll(/<input\b([^>]*)>/g)].map((m) => {
    const a = {};
    for (const [, k, , v] of m[1].matchAll(/([a-z-]+)(="([^"]*)")?/g)) a[k] = v === undefined ? true : unescapeHtml(v);
    return a;
  });
  const csrf = inputs.find((a) => a.name === 'csrf' && a.type === 'hidden');
  return {
    csrf: csrf ? csrf.value : undefined,
    checked: inputs.filter((a) => a.name === 'scope' && a.checked).map((a) => a.value),
    scopes: inputs.filter((a) => a.name === 'scope').map((a) => a.value),
    patients: inputs.filter((a) => a.name === 'patient').map((a) => a.value),
  };
}

const jwtClaims = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());

function formBody(pairs) {
  const p = new URLSearchParams();
  for (const [k, v] of pairs) p.append(k, v);
  return p.toString();
}

// GET /auth/authorize as the app sends it (REMOTE_USER when Apache
// logged the user in); returns the answer, the cookie and the PKCE pair.
async function authorize({ user, scope, c = flowConf, extra = {}, client = 'demo-public', state = 'st-' + crypto.randomBytes(6).toString('hex') }) {
  const code = pkce();
  const q = new URLSearchParams({ response_type: 'code', client_id: client, redirect_uri: APP, scope, state,
    aud: `${base}/fhir`, code_challenge: code.challenge, code_challenge_method: 'S256', ...extra });
  const r = await cgi(prog('authorize'), { uri: `/auth/authorize?${q}`, conf: c,
    env: user ? { REMOTE_USER: user } : {} });
  return { r, cookie: txCookie(r), pkce: code, state };
}

const consentGet = (cookie, c = flowConf, query = '') => cgi(prog('consent'), { uri: `/auth/consent${query}`, conf: c,
  env: cookie ? { HTTP_COOKIE: `theme=dark; ${cookie}` } : {} });

const consentPost = (cookie, pairs, c = flowConf) => cgi(prog('consent'), { method: 'POST', uri: '/auth/consent',
  conf: c, body: formBody(pairs), env: { ...FORM, HTTP_COOKIE: cookie } });

const token = (pairs, env = {}) => cgi(prog('token'), { method: 'POST', uri: '/auth/token', conf: flowConf,
  body: formBody(pairs), env: { ...FORM, ...env } });

// An OAuth error answer (RFC 6749 §5.2): status, JSON, the error code.
function oauthError(r, status, error) {
  assert.equal(r.status, status, r.body);
  assert.match(r.headers['content-type'], /^application\/json/);
  assert.equal(json(r).error, error, r.body);
}

// An HTML error page for people: the status, no redirect.
function page(r, status) {
  assert.equal(r.status, status, r.body);
  assert.match(r.headers['content-type'], /^text\/html/);
  assert.equal(r.headers.location, undefined);
}

// The app's redirect URI with query parameters (RFC 6749 §4.1.2).
function appRedirect(r, status = 303) {
  assert.equal(r.status, status, r.body);
  const u = new URL(r.headers.location);
  assert.equal(`${u.origin}${u.pathname}`, APP);
  return u.searchParams;
}

// From authorize to the approved code, for a patient who needs no picker.
async function approvedCode(user, scope) {
  const a = await authorize({ user, scope });
  assert.equal(a.r.status, 303, a.r.body);
  const f = consentForm((await consentGet(a.cookie)).body);
  const r = await consentPost(a.cookie, [['csrf', f.csrf], ...f.checked.map((s) => ['scope', s]), ['decision', 'approve']]);
  const p = appRedirect(r);
  assert.equal(p.get('state'), a.state);
  return { ...a, form: f, post: r, code: p.get('code') };
}

const SCOPE = 'openid fhirUser launch/patient offline_access patient/*.rs';

t.test('cgi flow: authorize, consent, token and refresh as plain CGI under valgrind', async () => {
  const seen = upstreamLog.length;
  // authorize: Apache logged amy in; on to consent with the transaction.
  const a = await authorize({ user: 'amy', scope: SCOPE });
  assert.equal(a.r.status, 303, a.r.body);
  assert.equal(a.r.headers.location, CONSENT);
  assert.equal(a.r.headers['cache-control'], 'no-store');
  assert.ok(a.cookie, `no transaction cookie: ${a.r.headers['set-cookie']}`);

  // consent GET: the page, its CSRF token, the scopes ticked by default.
  const g = await consentGet(a.cookie);
  assert.equal(g.status, 200, g.body);
  assert.match(g.headers['content-type'], /^text\/html/);
  const f = consentForm(g.body);
  assert.match(f.csrf || '', /^[A-Za-z0-9_-]{22}$/);
  for (const s of ['openid', 'fhirUser', 'offline_access', 'patient/*.rs']) assert.ok(f.checked.includes(s), `${s} in ${f.checked}`);
  assert.ok(!f.scopes.includes('launch/patient'), 'launch context is no check box');
  assert.deepEqual(f.patients, [], 'a patient gets no picker');

  // consent POST: approve; the code and the app's state go back to the app.
  const p = await consentPost(a.cookie, [['csrf', f.csrf], ...f.checked.map((s) => ['scope', s]), ['decision', 'approve']]);
  const q = appRedirect(p);
  assert.equal(q.get('state'), a.state);
  assert.equal(q.get('iss'), `${base}/auth`);
  assert.match(q.get('code'), /^[A-Za-z0-9_-]{40,}$/);
  assert.equal(txCookie(p), '', 'the transaction cookie is cleared');
  assert.equal(upstreamLog.length, seen, 'a patient\'s consent calls no upstream');

  // token: code + PKCE for the public client.
  const codeForm = [['grant_type', 'authorization_code'], ['code', q.get('code')], ['redirect_uri', APP],
    ['code_verifier', a.pkce.verifier], ['client_id', 'demo-public']];
  const tk = await token(codeForm);
  assert.equal(tk.status, 200, tk.body);
  assert.match(tk.headers['cache-control'], /no-store/);
  const t1 = json(tk);
  assert.equal(t1.token_type, 'Bearer');
  assert.equal(t1.patient, 'pat-1');
  assert.ok(t1.refresh_token && t1.id_token && t1.access_token, tk.body);
  assert.ok(t1.scope.split(' ').includes('patient/*.rs'), t1.scope);
  // The access token is sealed, for the proxy: the app cannot read it.
  const at = openAccess(`${dir}/master.key`, t1.access_token).claims;
  assert.equal(at.aud, `${base}/fhir`);
  assert.equal(jwtClaims(t1.id_token).fhirUser, `${base}/fhir/Patient/pat-1`);

  // refresh: rotated; the first refresh token is then spent.
  const refresh = (rt) => token([['grant_type', 'refresh_token'], ['refresh_token', rt], ['client_id', 'demo-public']]);
  const rf = await refresh(t1.refresh_token);
  assert.equal(rf.status, 200, rf.body);
  const t2 = json(rf);
  assert.equal(t2.patient, 'pat-1');
  assert.ok(t2.access_token && t2.refresh_token && t2.refresh_token !== t1.refresh_token, rf.body);
  // Reuse of a rotated token means theft: refused, and the grant revoked.
  oauthError(await refresh(t1.refresh_token), 400, 'invalid_grant');
  oauthError(await refresh(t2.refresh_token), 400, 'invalid_grant');
  // The code is single use (RFC 6749 §4.1.2).
  oauthError(await token(codeForm), 400, 'invalid_grant');
});

t.test('cgi flow: EHR launch minted at /auth/launch and used by a practitioner under valgrind', async () => {
  const basic = (id, secret) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
  const launch = (auth) => cgi(prog('launch'), { method: 'POST', uri: '/auth/launch', conf: flowConf,
    body: 'patient=pat-1', env: { ...FORM, HTTP_AUTHORIZATION: auth } });
  oauthError(await launch(basic('demo-ehr', 'wrong-secret')), 401, 'invalid_client');
  const l = await launch(basic('demo-ehr', SECRETS['demo-ehr']));
  assert.equal(l.status, 200, l.body);
  const { launch: value, expires_in: ttl } = json(l);
  assert.match(value, /^[A-Za-z0-9_-]{40,}$/);
  assert.ok(ttl > 0);

  const scope = 'launch openid patient/*.rs';
  const a = await authorize({ user: 'nurse', scope, extra: { launch: value } });
  assert.equal(a.r.status, 303, a.r.body);
  assert.equal(a.r.headers.location, CONSENT);
  assert.ok(a.cookie);
  // The patient comes from the launch: no picker, no upstream search.
  const seen = upstreamLog.length;
  const g = await consentGet(a.cookie);
  assert.equal(g.status, 200, g.body);
  const f = consentForm(g.body);
  assert.ok(f.checked.includes('patient/*.rs'), f.checked);
  assert.deepEqual(f.patients, []);
  assert.equal(upstreamLog.length, seen);
  // One launch, one authorization: the second use goes back with an error.
  const again = await authorize({ user: 'nurse', scope, extra: { launch: value } });
  const e = appRedirect(again.r, 302);
  assert.equal(e.get('error'), 'invalid_request');
  assert.equal(e.get('state'), again.state);
});

t.test('cgi flow errors: unknown client, forged CSRF, replayed consent, bad code and verifier under valgrind', async () => {
  // Before the redirect URI is trusted: a page, never a redirect.
  const u = await authorize({ user: 'amy', scope: SCOPE, client: 'no-such-app' });
  page(u.r, 400);
  assert.equal(u.cookie, null);
  page(await consentGet(null), 400);

  const a = await authorize({ user: 'amy', scope: SCOPE });
  assert.equal(a.r.status, 303, a.r.body);
  const f = consentForm((await consentGet(a.cookie)).body);
  const approve = (csrf) => [['csrf', csrf], ...f.checked.map((s) => ['scope', s]), ['decision', 'approve']];
  // A form from elsewhere (CSRF): 403 page, nothing issued.
  const forged = await consentPost(a.cookie, approve(crypto.randomBytes(16).toString('base64url').slice(0, 22)));
  page(forged, 403);
  // The real form still works; its replay does not (the ledger).
  const ok = await consentPost(a.cookie, approve(f.csrf));
  const code = appRedirect(ok).get('code');
  page(await consentPost(a.cookie, approve(f.csrf)), 400);

  const exchange = (c, verifier) => token([['grant_type', 'authorization_code'], ['code', c], ['redirect_uri', APP],
    ['code_verifier', verifier], ['client_id', 'demo-public']]);
  oauthError(await exchange(code, pkce().verifier), 400, 'invalid_grant');
  oauthError(await exchange('garbage-code-' + 'x'.repeat(60), a.pkce.verifier), 400, 'invalid_grant');
  // A wrong verifier spends nothing; a second use of the code revokes
  // what the first one issued (RFC 6749 §4.1.2).
  const tk = await exchange(code, a.pkce.verifier);
  assert.equal(tk.status, 200, tk.body);
  oauthError(await exchange(code, a.pkce.verifier), 400, 'invalid_grant');
  oauthError(await token([['grant_type', 'refresh_token'], ['refresh_token', json(tk).refresh_token],
    ['client_id', 'demo-public']]), 400, 'invalid_grant');
});

t.test('cgi flow: OIDC login, callback and patient picker as plain CGI under valgrind', async () => {
  // authorize with login oidc: to the provider with our state, nonce, PKCE.
  const a = await authorize({ scope: 'openid fhirUser launch/patient patient/*.rs', c: oidcConf });
  assert.equal(a.r.status, 302, a.r.body);
  assert.ok(a.cookie);
  const to = new URL(a.r.headers.location);
  assert.equal(`${to.origin}${to.pathname}`, `http://127.0.0.1:${upstreamPort}/idp/authorize`);
  const ip = to.searchParams;
  assert.equal(ip.get('client_id'), 'smartgate-cgi');
  assert.equal(ip.get('redirect_uri'), `${base}/auth/callback`);
  assert.equal(ip.get('code_challenge_method'), 'S256');
  const idState = ip.get('state');
  idp.codes.set('idp-code-1', { nonce: ip.get('nonce'), challenge: ip.get('code_challenge'), sub: 'nurse', name: 'Nina Nurse' });

  const callback = (query, cookie = a.cookie) => cgi(prog('callback'), { uri: `/auth/callback?${new URLSearchParams(query)}`,
    conf: oidcConf, env: cookie ? { HTTP_COOKIE: cookie } : {} });
  // Not tied to a transaction: pages for people.
  page(await callback({ code: 'idp-code-1', state: idState }, null), 400);
  page(await callback({ code: 'idp-code-1', state: 'A'.repeat(22) }), 400);
  // Tied to one: errors go back to the app with its state.
  let e = appRedirect(await callback({ error: 'access_denied', state: idState }), 302);
  assert.equal(e.get('error'), 'access_denied');
  assert.equal(e.get('state'), a.state);
  e = appRedirect(await callback({ code: 'not-issued', state: idState }), 302);
  assert.equal(e.get('error'), 'access_denied');
  // The provider's code, exchanged and its id_token checked: on to consent.
  const cb = await callback({ code: 'idp-code-1', state: idState, iss: `http://127.0.0.1:${upstreamPort}/idp` });
  assert.equal(cb.status, 303, cb.body);
  assert.equal(cb.headers.location, CONSENT);
  assert.equal(idp.codes.size, 0, 'the provider\'s code was not redeemed');
  const cookie = txCookie(cb);
  assert.ok(cookie && cookie !== a.cookie);

  // A practitioner with launch/patient picks the patient (upstream search).
  const g = await consentGet(cookie, oidcConf, '?q=Shaw');
  assert.equal(g.status, 200, g.body);
  assert.ok(g.body.includes('Nina Nurse'), 'the user\'s name is shown');
  const f = consentForm(g.body);
  assert.deepEqual(f.patients, ['pat-1']);
  assert.ok(upstreamLog.some((l) => l.startsWith('GET /fhir/Patient?') && l.includes('name=Shaw')), upstreamLog.join('\n'));
  const body = (more) => [['csrf', f.csrf], ...f.checked.map((s) => ['scope', s]), ['decision', 'approve'], ...more];
  const none = await consentPost(cookie, body([]), oidcConf);
  assert.equal(none.status, 200, 'without a patient the page comes back');
  assert.match(none.body, /Choose a patient/);
  const unknown = await consentPost(cookie, body([['patient', 'pat-404']]), oidcConf);
  page(unknown, 200);
  assert.match(unknown.body, /Choose a patient/, 'a patient the upstream does not have is refused');
  const p = appRedirect(await consentPost(cookie, body([['patient', 'pat-1']]), oidcConf));
  assert.ok(upstreamLog.includes('GET /fhir/Patient/pat-1'), 'the chosen patient was not checked upstream');
  const tk = await token([['grant_type', 'authorization_code'], ['code', p.get('code')], ['redirect_uri', APP],
    ['code_verifier', a.pkce.verifier], ['client_id', 'demo-public']]);
  assert.equal(tk.status, 200, tk.body);
  const tj = json(tk);
  assert.equal(tj.patient, 'pat-1');
  assert.equal(jwtClaims(tj.id_token).fhirUser, `${base}/fhir/Practitioner/prac-2`);
  assert.equal(tj.refresh_token, undefined, 'no offline_access, no refresh token');
});

// Runs program as one FastCGI process (cgi-fcgi from libfcgi-bin starts
// it on a listening socket, as a FastCGI server would, then relays one
// request per call) for three rounds of reqs ({ uri, env, want }); then
// ends it and checks valgrind's log.
async function fcgiRounds(program, c, reqs) {
  const d = fs.mkdtempSync(path.join(dir, 'fcgi-'));
  const sock = `${d}/sock`, vglog = `${d}/valgrind.log`;
  fs.writeFileSync(`${d}/wrap.sh`, `#!/bin/sh\necho $$ > ${d}/pid\nexec ${VALGRIND ?
    `valgrind -q --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite --log-file=${vglog} ` : ''}${program} 2>>${d}/stderr.log\n`, { mode: 0o755 });
  const env = { PATH: process.env.PATH, SMARTGATE_CONF: c };
  const r = spawnSync('cgi-fcgi', ['-start', '-connect', sock, `${d}/wrap.sh`], { env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const ids = new Set();
  for (let round = 0; round < 3; round++) {
    for (const q of reqs) {
      const [p, qs = ''] = q.uri.split(/\?(.*)/s);
      const out = await new Promise((resolve) => {
        const ch = spawn('cgi-fcgi', ['-bind', '-connect', sock], { env: { ...env, REQUEST_METHOD: 'GET',
          REQUEST_URI: q.uri, SCRIPT_NAME: p, QUERY_STRING: qs, SERVER_PROTOCOL: 'HTTP/1.1', ...(q.env || {}) } });
        let o = '';
        ch.stdout.setEncoding('utf8').on('data', (x) => { o += x; });
        ch.stderr.setEncoding('utf8').on('data', (x) => { o += x; });
        ch.on('close', () => resolve(o));
      });
      const status = parseInt((/^Status: (\d+)/m.exec(out) || [])[1], 10);
      assert.equal(status, q.want, `${q.uri}: ${out.slice(0, 200)}`);
      ids.add((/^X-Request-Id: (\w+)/m.exec(out) || [])[1]);
    }
  }
  assert.equal(ids.size, reqs.length * 3, 'request ids repeat');
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
}

t.test('FastCGI: one process serves many requests, clean under valgrind', async () => {
  const uris = ['/fhir/.well-known/smart-configuration', '/auth/jwks', '/fhir/metadata',
    '/fhir/metadata?_format=xml', '/auth/nope', `/fhir/metadata?${'a'.repeat(9000)}`, '/fhir/metadata?_format=%zz'];
  const want = [200, 200, 200, 406, 404, 414, 400];
  await fcgiRounds(metadata, conf, uris.map((uri, i) => ({ uri, want: want[i] })));
});

t.test('FastCGI: the proxy serves many requests in one process, clean under valgrind', async () => {
  const now = Math.floor(Date.now() / 1000);
  const bearer = (scope) => ({ HTTP_AUTHORIZATION: `Bearer ${seal(`${dir}/master.key`, PURPOSE.access, now + 300,
    JSON.stringify({ jti: crypto.randomBytes(16).toString('base64url'), gid: crypto.randomBytes(16).toString('base64url'),
      cid: 'demo-public', scope, aud: `${base}/fhir`, sub: 'u1', fu: 'Patient/pat-1', ctx: { patient: 'pat-1' },
      iat: now, exp: now + 300 }))}` });
  await fcgiRounds(prog('fhir-proxy'), flowConf, [
    { uri: '/fhir/Patient/pat-1', want: 401 },
    { uri: '/fhir/Patient/pat-1', env: bearer('patient/Patient.rs'), want: 200 },
    { uri: '/fhir/Patient/pat-1', env: bearer('user/Patient.rs'), want: 200 },
    { uri: '/fhir/Patient/pat-2', env: bearer('patient/Patient.rs'), want: 404 },
    { uri: '/fhir/Patient?name=Shaw', env: bearer('patient/Patient.rs'), want: 200 },
    { uri: '/fhir/Observation', env: bearer('patient/Patient.rs'), want: 403 },
    { uri: '/fhir/Patient/..%2Fx', env: bearer('patient/Patient.rs'), want: 404 },
  ]);
});

// Security: ids, consent finality, fhirUser claims, launch values.

t.test('cgi consent: the picker takes only FHIR ids, never "." or ".." (no path normalisation upstream)', async () => {
  // libcurl used to turn GET .../Patient/. into .../Patient/ (a search,
  // 200) and .../Patient/.. into the base: both "existed".
  const a = await authorize({ user: 'nurse', scope: 'openid fhirUser launch/patient patient/*.rs' });
  assert.equal(a.r.status, 303, a.r.body);
  const f = consentForm((await consentGet(a.cookie)).body);
  const body = (patient) => [['csrf', f.csrf], ...f.checked.map((s) => ['scope', s]), ['decision', 'approve'],
    ['patient', patient]];
  const seen = upstreamLog.length;
  for (const id of ['.', '..', '%2e', 'pat-1/..', '../Patient/pat-1']) {
    const r = await consentPost(a.cookie, body(id));
    assert.equal(r.status, 200, `${id}: ${r.status} ${r.headers.location}`);
    assert.match(r.body, /Choose a patient/, id);
  }
  assert.ok(!upstreamLog.slice(seen).some((l) => /^GET \/fhir(\/Patient)?\/?$/.test(l)), upstreamLog.slice(seen).join('\n'));
  // A good id still works, and is read as one path segment.
  const p = appRedirect(await consentPost(a.cookie, body('pat-1')));
  assert.ok(p.get('code'));
  assert.equal(upstreamLog[upstreamLog.length - 1], 'GET /fhir/Patient/pat-1');
});

t.test('cgi consent: every terminal answer burns the transaction and clears the cookie', async () => {
  const replayRefused = async (cookie, f, more = []) => {
    const again = await consentPost(cookie, [['csrf', f.csrf], ...f.scopes.map((s) => ['scope', s]),
      ['decision', 'approve'], ...more]);
    page(again, 400);
    assert.match(again.body, /already taken/);
  };
  // Approve with nothing ticked: access_denied, and final.
  let a = await authorize({ user: 'amy', scope: SCOPE });
  let f = consentForm((await consentGet(a.cookie)).body);
  let r = await consentPost(a.cookie, [['csrf', f.csrf], ['decision', 'approve']]);
  let q = appRedirect(r);
  assert.equal(q.get('error'), 'access_denied');
  assert.equal(q.get('state'), a.state);
  assert.equal(txCookie(r), '', 'the transaction cookie is cleared');
  await replayRefused(a.cookie, f);

  // Patient scopes without a patient in context (a practitioner, no
  // launch/patient): invalid_scope, and final.
  a = await authorize({ user: 'nurse', scope: 'openid patient/*.rs' });
  f = consentForm((await consentGet(a.cookie)).body);
  r = await consentPost(a.cookie, [['csrf', f.csrf], ...f.checked.map((s) => ['scope', s]), ['decision', 'approve']]);
  q = appRedirect(r);
  assert.equal(q.get('error'), 'invalid_scope');
  assert.equal(txCookie(r), '');
  await replayRefused(a.cookie, f, [['patient', 'pat-1']]);

  // A patient opening another patient's EHR launch: access_denied, final.
  const l = await cgi(prog('launch'), { method: 'POST', uri: '/auth/launch', conf: flowConf, body: 'patient=pat-9',
    env: { ...FORM, HTTP_AUTHORIZATION: `Basic ${Buffer.from(`demo-ehr:${SECRETS['demo-ehr']}`).toString('base64')}` } });
  assert.equal(l.status, 200, l.body);
  a = await authorize({ user: 'amy', scope: 'launch openid patient/*.rs', extra: { launch: json(l).launch } });
  f = consentForm((await consentGet(a.cookie)).body);
  r = await consentPost(a.cookie, [['csrf', f.csrf], ...f.checked.map((s) => ['scope', s]), ['decision', 'approve']]);
  q = appRedirect(r);
  assert.equal(q.get('error'), 'access_denied');
  assert.equal(txCookie(r), '');
  await replayRefused(a.cookie, f);

  // Deny: final too (it was already), and the cookie goes.
  a = await authorize({ user: 'amy', scope: SCOPE });
  f = consentForm((await consentGet(a.cookie)).body);
  r = await consentPost(a.cookie, [['csrf', f.csrf], ['decision', 'deny']]);
  assert.equal(appRedirect(r).get('error'), 'access_denied');
  assert.equal(txCookie(r), '');
  await replayRefused(a.cookie, f);
});

t.test('cgi callback: a fhirUser claim counts only on our FHIR base or the upstream one', async () => {
  const login = async (claim) => {
    const a = await authorize({ scope: 'openid fhirUser launch/patient patient/*.rs', c: oidcConf });
    assert.equal(a.r.status, 302, a.r.body);
    const ip = new URL(a.r.headers.location).searchParams;
    const code = `idp-code-${crypto.randomBytes(6).toString('hex')}`;
    idp.codes.set(code, { nonce: ip.get('nonce'), challenge: ip.get('code_challenge'), sub: 'doc-7', name: 'Dr Seven',
      fhirUser: claim });
    const cb = await cgi(prog('callback'), { uri: `/auth/callback?${new URLSearchParams({ code, state: ip.get('state') })}`,
      conf: oidcConf, env: { HTTP_COOKIE: a.cookie } });
    return { a, cb };
  };
  for (const claim of ['https://other.example/Practitioner/1', `${base}/fhirx/Practitioner/1`,
    `${base}/fhir/x/Practitioner/1`, `http://127.0.0.1:${upstreamPort}/other/Practitioner/1`,
    `${base}/fhir/Practitioner/.`, 'Practitioner/..', `${base}/fhir/Observation/1`]) {
    const { a, cb } = await login(claim);
    const e = appRedirect(cb, 302);
    assert.equal(e.get('error'), 'access_denied', claim);
    assert.equal(e.get('state'), a.state);
    assert.match(cb.stderr, /fhirUser|FHIR identity/, cb.stderr);
  }
  for (const claim of [`${base}/fhir/Practitioner/prac-7`, `http://127.0.0.1:${upstreamPort}/fhir/Practitioner/prac-7`,
    'Practitioner/prac-7']) {
    const { cb } = await login(claim);
    assert.equal(cb.status, 303, `${claim}: ${cb.body}`);
    const g = await consentGet(txCookie(cb), oidcConf);
    assert.equal(g.status, 200, g.body);
    assert.ok(g.body.includes('Practitioner/prac-7'), claim);
  }
});

t.test('cgi launch: every launch value is checked at the endpoint, in smartgate-launch and when opened', async () => {
  const basic = `Basic ${Buffer.from(`demo-ehr:${SECRETS['demo-ehr']}`).toString('base64')}`;
  const mint = (pairs) => cgi(prog('launch'), { method: 'POST', uri: '/auth/launch', conf: flowConf,
    body: formBody(pairs), env: { ...FORM, HTTP_AUTHORIZATION: basic } });
  const bad = [
    ['patient', '.'], ['patient', '..'], ['encounter', '..'],
    ['smart_style_url', 'javascript:alert(1)'], ['smart_style_url', 'http://evil.example/style.json'],
    ['smart_style_url', 'https://'], ['smart_style_url', '/relative/style.json'],
    ['smart_style_url', 'https://user@evil.example/s.json'], ['smart_style_url', 'https://x.example/a"b'],
    ['fhirContext', '[{"reference":"Patient/.."}]'], ['fhirContext', '[{"reference":"javascript:alert(1)"}]'],
    ['fhirContext', '[{"reference":"Encounter/1","role":"a b"}]'], ['fhirContext', '[{"reference":"Encounter/1","type":"x y"}]'],
    ['intent', 'a<b>'], ['need_patient_banner', 'yes'],
  ];
  for (const pair of bad) oauthError(await mint([pair]), 400, 'invalid_request');
  const good = await mint([['patient', 'pat-1'], ['encounter', 'enc.1'], ['intent', 'reconcile-medications'],
    ['smart_style_url', 'https://ehr.example/smart-style.json'], ['need_patient_banner', 'false'],
    ['fhirContext', '[{"reference":"Encounter/enc.1","role":"launch"},{"canonical":"http://x.example/Q|1"}]']]);
  assert.equal(good.status, 200, good.body);

  // smartgate-launch: the same rules, as usage errors naming the option.
  const tool = (args) => {
    const cmd = [`${B}/tools/smartgate-launch`, '-c', conf, ...args];
    return VALGRIND ? spawnSync('valgrind', ['-q', '--error-exitcode=99', '--leak-check=full',
      '--errors-for-leak-kinds=definite', '--show-leak-kinds=definite', ...cmd], { encoding: 'utf8' })
      : spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8' });
  };
  for (const [args, opt] of [[['-p', '.'], '-p'], [['-e', '..'], '-e'], [['-s', 'javascript:alert(1)'], '-s'],
    [['-s', 'http://evil.example/s.json'], '-s'], [['-x', '[{"reference":"Patient/.."}]'], '-x'], [['-i', 'a<b>'], '-i']]) {
    const r = tool(args);
    assert.notEqual(r.status, 99, `valgrind found errors:\n${r.stderr}`);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '', args.join(' '));
    assert.ok(r.stderr.includes(`smartgate-launch: ${opt}:`), r.stderr);
  }
  const ok = tool(['-p', 'pat-1', '-s', 'http://127.0.0.1:8080/smart-style.json']);
  assert.equal(ok.status, 0, ok.stderr);

  // A sealed launch is checked again when opened: an authentic value
  // holding what the endpoint refuses is refused at authorize.
  const forge = (ctx) => seal(`${dir}/master.key`, PURPOSE.launch, Math.floor(Date.now() / 1000) + 60, JSON.stringify(ctx));
  for (const ctx of [{ patient: '..' }, { encounter: '.' }, { smart_style_url: 'javascript:alert(1)' },
    { fhirContext: [{ reference: 'Patient/..' }] }, { intent: 'a b' }, { patient: 'a/b' }]) {
    const a = await authorize({ user: 'nurse', scope: 'launch openid patient/*.rs', extra: { launch: forge(ctx) } });
    const e = appRedirect(a.r, 302);
    assert.equal(e.get('error'), 'invalid_request', JSON.stringify(ctx));
    assert.equal(e.get('state'), a.state);
  }
  const a = await authorize({ user: 'nurse', scope: 'launch openid patient/*.rs', extra: { launch: forge({ patient: 'pat-1' }) } });
  assert.equal(a.r.status, 303, 'a good forged launch opens: the forgery itself is right');
});

// A small FHIR server answering /metadata (the live-upstream test), a
// Patient read and search (the consent page's patient picker), and an
// OpenID provider under /idp (discovery, JWKS, token endpoint) for the
// callback tests; every request is noted in upstreamLog.
const upstreamLog = [];
const idp = { key: null, jwk: null, codes: new Map() };
const b64u = (x) => Buffer.from(x).toString('base64url');

// An RS256 id_token for sub with nonce, signed by the test provider.
function idToken(claims) {
  const now = Math.floor(Date.now() / 1000);
  const head = b64u(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: idp.jwk.kid }));
  const body = b64u(JSON.stringify({ iss: `http://127.0.0.1:${upstreamPort}/idp`, aud: 'smartgate-cgi',
    iat: now, exp: now + 300, ...claims }));
  const sig = crypto.sign('sha256', Buffer.from(`${head}.${body}`), idp.key).toString('base64url');
  return `${head}.${body}.${sig}`;
}

function idpAnswer(req, res, body) {
  const iss = `http://127.0.0.1:${upstreamPort}/idp`;
  const send = (status, o) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(o));
  };
  const u = new URL(req.url, iss);
  if (u.pathname === '/idp/.well-known/openid-configuration') {
    return send(200, { issuer: iss, authorization_endpoint: `${iss}/authorize`, token_endpoint: `${iss}/token`,
      jwks_uri: `${iss}/jwks`, response_types_supported: ['code'], subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'] });
  }
  if (u.pathname === '/idp/jwks') return send(200, { keys: [idp.jwk] });
  if (u.pathname === '/idp/token' && req.method === 'POST') {
    const f = new URLSearchParams(body);
    const c = idp.codes.get(f.get('code'));
    // RFC 7636 §4.6: the verifier must match the challenge we were sent.
    if (!c || f.get('grant_type') !== 'authorization_code' || f.get('client_id') !== 'smartgate-cgi' ||
      crypto.createHash('sha256').update(f.get('code_verifier') || '').digest('base64url') !== c.challenge) {
      return send(400, { error: 'invalid_grant' });
    }
    idp.codes.delete(f.get('code'));
    return send(200, { access_token: 'idp-at', token_type: 'Bearer', expires_in: 60,
      id_token: idToken({ sub: c.sub, nonce: c.nonce, name: c.name, ...(c.fhirUser ? { fhirUser: c.fhirUser } : {}) }) });
  }
  return send(404, { error: 'not_found' });
}

function upstream() {
  return http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d) => { body += d; });
    req.on('end', () => {
      upstreamLog.push(`${req.method} ${req.url}`);
      if (req.url.startsWith('/idp/')) return idpAnswer(req, res, body);
      res.setHeader('Content-Type', 'application/fhir+json');
      const pat = { resourceType: 'Patient', id: 'pat-1', name: [{ given: ['Amy'], family: 'Shaw' }],
        birthDate: '1987-02-20', gender: 'female' };
      if (req.url === '/fhir/Patient/pat-1') return res.end(JSON.stringify(pat));
      // As many FHIR servers do, the type with a trailing slash searches.
      if (req.url === '/fhir/Patient/') {
        return res.end(JSON.stringify({ resourceType: 'Bundle', type: 'searchset', total: 1, entry: [{ resource: pat }] }));
      }
      if (req.url.startsWith('/fhir/Patient/')) {
        res.statusCode = 404;
        return res.end(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] }));
      }
      if (req.url.startsWith('/fhir/Patient?')) {
        return res.end(JSON.stringify({ resourceType: 'Bundle', type: 'searchset', total: 1,
          entry: [{ fullUrl: `http://127.0.0.1:${upstreamPort}/fhir/Patient/pat-1`, resource: pat }] }));
      }
      res.end(JSON.stringify({
        resourceType: 'CapabilityStatement', status: 'active', kind: 'instance', fhirVersion: '4.0.1',
        format: ['json'], implementation: { url: `http://127.0.0.1:${upstreamPort}/fhir`, description: 'up' },
        rest: [{ mode: 'server', resource: [{ type: 'Patient', interaction: [{ code: 'read' }] }] }],
      }));
    });
  });
}

t.test('fhir-proxy as plain CGI under valgrind: token, read, miss, search rewritten, batch', async () => {
  const now = Math.floor(Date.now() / 1000);
  const token = (scope, o = {}) => seal(`${dir}/master.key`, PURPOSE.access, now + 300, JSON.stringify({
    jti: crypto.randomBytes(16).toString('base64url'), gid: crypto.randomBytes(16).toString('base64url'),
    cid: 'demo-public', scope, aud: `${base}/fhir`,
    sub: 'u1', fu: 'Patient/pat-1', ctx: { patient: 'pat-1' }, iat: now, exp: now + 300, ...o }));
  const fhir = (uri, scope, more = {}) => cgi(prog('fhir-proxy'), { uri, conf: flowConf, ...more,
    env: { ...(scope ? { HTTP_AUTHORIZATION: `Bearer ${token(scope)}` } : {}), ...(more.env || {}) } });
  let r = await fhir('/fhir/Patient/pat-1');
  assert.equal(r.status, 401);
  assert.match(r.headers['www-authenticate'], /^Bearer realm=/);
  r = await fhir('/fhir/Patient/pat-1', 'patient/Patient.rs');
  assert.equal(r.status, 200, r.body);
  assert.equal(json(r).id, 'pat-1');
  r = await fhir('/fhir/Patient/pat-2', 'patient/Patient.rs');
  assert.equal(r.status, 404, r.body);
  assert.equal(json(r).resourceType, 'OperationOutcome');
  r = await fhir('/fhir/Patient?name=Shaw', 'patient/Patient.rs');
  assert.equal(r.status, 200, r.body);
  assert.equal(json(r).entry[0].fullUrl, `${base}/fhir/Patient/pat-1`);
  assert.ok(upstreamLog.some((l) => l.startsWith('GET /fhir/Patient?name=Shaw&_id=pat-1')), upstreamLog.slice(-3).join());
  r = await fhir('/fhir/Observation', 'patient/Patient.rs');
  assert.equal(r.status, 403, r.body);
  assert.match(r.headers['www-authenticate'], /insufficient_scope/);
  r = await fhir('/fhir', 'user/Patient.rs', { method: 'POST', env: { CONTENT_TYPE: 'application/fhir+json' },
    body: JSON.stringify({ resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: 'Observation' } }] }) });
  assert.equal(r.status, 403, r.body);
  assert.match(json(r).issue[0].diagnostics, /^entry 0: /);
});

// The connected-apps page as plain CGI under valgrind: with login
// remote_user the Apache user gets a session cookie (the CSRF token's
// binding); the page lists their grants; a revoke needs that token and
// revokes only their own grant; the refresh token then fails.
const manage = (method, { user, cookie, body } = {}) => cgi(prog('manage'), { method, uri: '/auth/manage',
  conf: flowConf, body: body ? formBody(body) : '', env: { ...(body ? FORM : {}),
    ...(user ? { REMOTE_USER: user } : {}), ...(cookie ? { HTTP_COOKIE: cookie } : {}) } });
function sessionCookie(r) {
  const m = /__Secure-sg_ms=([A-Za-z0-9_-]+); Path=\/auth\/manage; Max-Age=900; HttpOnly; SameSite=Lax; Secure/
    .exec(r.headers['set-cookie'] || '');
  assert.ok(m, `no session cookie: ${r.headers['set-cookie']}`);
  return `__Secure-sg_ms=${m[1]}`;
}

t.test('cgi manage: REMOTE_USER sees and revokes only their own grants, with the session\'s CSRF token', async () => {
  const mine = await approvedCode('amy', SCOPE);
  const tk = json(await token([['grant_type', 'authorization_code'], ['code', mine.code], ['redirect_uri', APP],
    ['code_verifier', mine.pkce.verifier], ['client_id', 'demo-public']]));
  assert.ok(tk.refresh_token);
  const gid = openAccess(`${dir}/master.key`, tk.access_token).claims.gid;
  const csrfOf = (r) => /name="csrf" value="([A-Za-z0-9_-]{22})"/.exec(r.body)[1];
  const g = await manage('GET', { user: 'amy' });
  assert.equal(g.status, 200, g.body);
  const cookie = sessionCookie(g);
  assert.ok(g.body.includes(`value="${gid}"`), 'amy\'s grant is listed');
  assert.ok(g.body.includes('Demo SMART app'));
  // The nurse sees none of amy's grants and cannot revoke them.
  const n = await manage('GET', { user: 'nurse' });
  assert.ok(!n.body.includes(gid), 'amy\'s grant is listed to the nurse');
  page(await manage('POST', { user: 'nurse', cookie: sessionCookie(n), body: [['csrf', csrfOf(n)],
    ['action', 'revoke'], ['grant', gid]] }), 404);
  // The nurse's session (cookie and token) is no session for amy.
  page(await manage('POST', { user: 'amy', cookie: sessionCookie(n), body: [['csrf', csrfOf(n)],
    ['action', 'revoke'], ['grant', gid]] }), 403);
  const r = await manage('POST', { user: 'amy', cookie, body: [['csrf', csrfOf(g)], ['action', 'revoke'], ['grant', gid]] });
  assert.equal(r.status, 303, r.body);
  assert.equal(r.headers.location, `${base}/auth/manage?done=revoked`);
  oauthError(await token([['grant_type', 'refresh_token'], ['refresh_token', tk.refresh_token], ['client_id', 'demo-public']]),
    400, 'invalid_grant');
});

t.test('cgi manage: with login oidc, no session means a sign-in of the page\'s own; the callback starts the session', async () => {
  const m = await cgi(prog('manage'), { uri: '/auth/manage', conf: oidcConf });
  assert.equal(m.status, 302, m.body);
  const to = new URL(m.headers.location);
  assert.equal(to.origin + to.pathname, `http://127.0.0.1:${upstreamPort}/idp/authorize`);
  const ml = /__Host-sg_ml=([A-Za-z0-9_-]+);/.exec(m.headers['set-cookie'])[1];
  assert.ok(!/sg_tx=/.test(m.headers['set-cookie']));
  // The provider signs amy in; its code comes back with our state.
  const code = crypto.randomBytes(12).toString('base64url');
  idp.codes.set(code, { sub: 'amy', nonce: to.searchParams.get('nonce'), challenge: to.searchParams.get('code_challenge'),
    name: 'Amy Shaw' });
  const cb = await cgi(prog('callback'), { uri: `/auth/callback?code=${code}&state=${to.searchParams.get('state')}`,
    conf: oidcConf, env: { HTTP_COOKIE: `__Host-sg_ml=${ml}` } });
  assert.equal(cb.status, 303, cb.body);
  assert.equal(cb.headers.location, `${base}/auth/manage`);
  const cookie = sessionCookie(cb);
  assert.match(cb.headers['set-cookie'], /__Host-sg_ml=; Path=\/; Max-Age=0/);
  const g = await cgi(prog('manage'), { uri: '/auth/manage', conf: oidcConf, env: { HTTP_COOKIE: cookie } });
  assert.equal(g.status, 200, g.body);
  assert.match(g.body, /Amy Shaw/);
  // The login cookie is no app transaction, and a wrong state is no login.
  page(await cgi(prog('callback'), { uri: `/auth/callback?code=x&state=${'A'.repeat(22)}`, conf: oidcConf,
    env: { HTTP_COOKIE: `__Host-sg_ml=${ml}; __Host-sg_tx=${ml}` } }), 400);
  // An app transaction cookie is no session.
  const a = await authorize({ user: 'amy', scope: SCOPE });
  const asSession = a.cookie.replace('__Host-sg_tx=', '__Secure-sg_ms=');
  assert.equal((await cgi(prog('manage'), { uri: '/auth/manage', conf: oidcConf,
    env: { HTTP_COOKIE: asSession } })).status, 302);
});

t.test('FastCGI: manage serves many requests in one process, clean under valgrind', async () => {
  await fcgiRounds(prog('manage'), flowConf, [
    { uri: '/auth/manage', env: { REMOTE_USER: 'amy' }, want: 200 },
    { uri: '/auth/manage', want: 500 },
    { uri: '/auth/manage?done=revoked', env: { REMOTE_USER: 'nurse' }, want: 200 },
    { uri: '/auth/manage?done=a&done=b', env: { REMOTE_USER: 'amy' }, want: 400 },
    { uri: '/auth/manage', env: { REMOTE_USER: 'amy', REQUEST_METHOD: 'POST', HTTP_COOKIE: 'sg_ms=x',
      CONTENT_TYPE: 'application/x-www-form-urlencoded', CONTENT_LENGTH: '0' }, want: 403 },
  ]);
});

// Every program checks the URI length, the method and the body type in
// the one request loop (src/proc.c), each error in its endpoint's shape.
const shapes = {
  fhir: (r) => assert.equal(json(r).resourceType, 'OperationOutcome', r.body),
  html: (r) => assert.match(r.headers['content-type'], /^text\/html/),
  oauth: (r) => { assert.match(r.headers['content-type'], /^application\/json/); assert.equal(json(r).error, 'invalid_request', r.body); },
};
for (const [name, uri, method, wrong, shape, c] of [
  ['metadata', '/fhir/metadata', 'GET', 'POST', 'fhir', () => conf],
  ['authorize', '/auth/authorize', 'GET', 'PUT', 'html', () => flowConf],
  ['callback', '/auth/callback', 'GET', 'POST', 'html', () => oidcConf],
  ['consent', '/auth/consent', 'GET', 'PUT', 'html', () => flowConf],
  ['manage', '/auth/manage', 'GET', 'PUT', 'html', () => flowConf],
  ['launch', '/auth/launch', 'POST', 'GET', 'oauth', () => flowConf],
  ['token', '/auth/token', 'POST', 'GET', 'oauth', () => flowConf],
  ['fhir-proxy', '/fhir/Patient/pat-1', 'GET', 'TRACE', 'fhir', () => flowConf],
]) {
  t.test(`${name}: an overlong URI is 414, a wrong method 405 with Allow`, async () => {
    const body = method === 'POST' ? 'client_id=demo-public' : '';
    const long = await cgi(prog(name), { method, uri: `${uri}?x=${'a'.repeat(9000)}`, conf: c(), body, env: FORM });
    assert.equal(long.status, 414, long.body);
    shapes[shape](long);
    const bad = await cgi(prog(name), { method: wrong, uri, conf: c(), body: wrong === 'POST' ? 'a=b' : '', env: FORM });
    assert.equal(bad.status, 405, bad.body);
    const allow = (bad.headers.allow || '').split(', ');
    assert.ok(allow.includes(method) && !allow.includes(wrong), `Allow: ${bad.headers.allow}`);
    shapes[shape](bad);
  });
}

t.test('token and launch: a body of another type is invalid_request (RFC 6749 §3.2), consent 415', async () => {
  for (const name of ['token', 'launch']) {
    const r = await cgi(prog(name), { method: 'POST', uri: `/auth/${name}`, conf: flowConf, body: '{"grant_type":"x"}',
      env: { CONTENT_TYPE: 'application/json' } });
    oauthError(r, 400, 'invalid_request');
    assert.match(json(r).error_description, /x-www-form-urlencoded/);
  }
  const r = await cgi(prog('consent'), { method: 'POST', uri: '/auth/consent', conf: flowConf, body: '{}',
    env: { CONTENT_TYPE: 'application/json' } });
  page(r, 415);
});

t.test('token: a plain OPTIONS names the methods; a parameter error names the declared parameter only', async () => {
  const o = await cgi(prog('token'), { method: 'OPTIONS', uri: '/auth/token', conf: flowConf });
  assert.equal(o.status, 204);
  assert.equal(o.headers.allow, 'POST, OPTIONS');
  const r = await token([['grant_type', 'authorization_code'], ['grant_type', 'refresh_token'], ['client_id', 'demo-public']]);
  oauthError(r, 400, 'invalid_request');
  assert.match(json(r).error_description, /grant_type/);
  // A malformed name is the client's text: it is never echoed.
  const m = await cgi(prog('token'), { method: 'POST', uri: '/auth/token', conf: flowConf,
    body: 'client_id=demo-public&evil%zz<b>=1', env: FORM });
  oauthError(m, 400, 'invalid_request');
  assert.ok(!m.body.includes('evil'), m.body);
});

t.test('authorize: only validated client_id and redirect_uri lead to a redirect; it keeps a validated state', async () => {
  const ok = pkce();
  const q = (o, raw = '') => {
    const p = new URLSearchParams({ response_type: 'code', client_id: 'demo-public', redirect_uri: APP,
      scope: SCOPE, state: 'st-1', aud: `${base}/fhir`, code_challenge: ok.challenge, code_challenge_method: 'S256' });
    for (const [k, v] of Object.entries(o)) {
      if (v === undefined) p.delete(k);
      else if (Array.isArray(v)) { p.delete(k); for (const x of v) p.append(k, x); } else p.set(k, v);
    }
    return cgi(prog('authorize'), { uri: `/auth/authorize?${p}${raw}`, conf: flowConf, env: { REMOTE_USER: 'amy' } });
  };
  // client_id or redirect_uri failed the parse (repeated, too long,
  // missing): a page, even when one of the values is registered.
  for (const o of [{ client_id: ['demo-public', 'demo-public'] }, { redirect_uri: [APP, 'https://evil.example/cb'] },
    { redirect_uri: `${APP}${'x'.repeat(3000)}` }, { client_id: 'c'.repeat(200) }, { client_id: undefined },
    // A malformed name may have been any parameter: the input fails.
    [{}, '&st%zzate=x']]) {
    const r = Array.isArray(o) ? await q(...o) : await q(o);
    page(r, 400);
    assert.equal(txCookie(r), null);
  }
  // Another parameter failed: back to the app, with the state when it
  // passed, without it when it is what failed.
  let e = appRedirect(await q({ code_challenge: 'x'.repeat(44) }), 302);
  assert.equal(e.get('error'), 'invalid_request');
  assert.equal(e.get('state'), 'st-1');
  assert.match(e.get('error_description'), /code_challenge/);
  e = appRedirect(await q({ state: ['a', 'b'] }), 302);
  assert.equal(e.get('error'), 'invalid_request');
  assert.equal(e.get('state'), null);
  e = appRedirect(await q({ state: undefined }), 302);
  assert.equal(e.get('error'), 'invalid_request');
  assert.match(e.get('error_description'), /state/);
  e = appRedirect(await q({ response_type: 'token' }), 302);
  assert.equal(e.get('error'), 'unsupported_response_type');
  assert.equal(e.get('state'), 'st-1');
});

await t.run({
  before: async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smartgate-cgi-'));
    keygen(dir);
    upstreamPort = await freePort();
    const srv = upstream();
    await new Promise((r) => srv.listen(upstreamPort, '127.0.0.1', r));
    conf = `${dir}/smartgate.conf`;
    writeConfig(conf, settings());
    // The authorization flow: clients, users, a ledger; login by Apache
    // (REMOTE_USER), and a second configuration logging in at the
    // in-process OpenID provider.
    clients = makeClients(base);
    fs.writeFileSync(`${dir}/clients.json`, JSON.stringify(clients.registry, null, 2));
    fs.writeFileSync(`${dir}/users.json`, JSON.stringify({ nurse: 'Practitioner/prac-2', amy: 'Patient/pat-1' }));
    fs.mkdirSync(`${dir}/ledger`, { mode: 0o700 });
    const flow = { login: 'remote_user', user_map_file: `${dir}/users.json`,
      clients_file: `${dir}/clients.json`, ledger: `lmdb:${dir}/ledger` };
    flowConf = `${dir}/flow.conf`;
    writeConfig(flowConf, settings(flow));
    oidcConf = `${dir}/oidc.conf`;
    writeConfig(oidcConf, settings({ ...flow, login: 'oidc', idp_issuer: `http://127.0.0.1:${upstreamPort}/idp`,
      idp_client_id: 'smartgate-cgi' }));
    const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    idp.key = privateKey;
    idp.jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'idp-1', alg: 'RS256', use: 'sig' };
    return srv;
  },
  after: (srv) => {
    srv.close();
    fs.rmSync(dir, { recursive: true, force: true });
  },
});
