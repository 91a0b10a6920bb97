// What one plain-CGI start costs in CPU, per request kind: each program
// run as CGI (no Apache) under `perf stat -r N -e task-clock`, with a
// configuration like the shared-hosting site's (tests/harness/hosting.mjs)
// and the FHIR peer as the upstream.  A refresh token is good once
// (rotation), so perf's --pre puts the next one into the body file
// before each run and rewinds the body's file offset, which the program
// shares with perf (its stdin).
//
//   node bench/cgistart.mjs [runs]      B=build by default; needs perf
//   (Debian: linux-perf) and python3; CASES=metadata runs some cases only.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeClients } from '../tests/harness/clients.mjs';
import { ROOT, freePort, startPeer, waitPort, writeConfig } from '../tests/harness/stack.mjs';
import { mintAccess, mintRefresh } from './mint.mjs';

const B = path.resolve(ROOT, process.env.B || 'build');
const RUNS = parseInt(process.argv[2] || '200', 10);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smartgate-cgistart-'));
const s = { dir, children: [] };
fs.mkdirSync(`${dir}/logs`);
fs.mkdirSync(`${dir}/ledger`, { mode: 0o700 });
process.on('exit', () => {
  for (const c of s.children) try { c.kill('SIGTERM'); } catch { /* gone */ }
  fs.rmSync(dir, { recursive: true, force: true });
});

const port = await freePort();
s.base = 'https://gw.example.org/smart';
s.fhirBase = `${s.base}/fhir`;
s.upstream = `http://127.0.0.1:${port}/fhir`;
s.masterKey = `${dir}/master.key`;
execFileSync(`${B}/tools/smartgate-keygen`, ['-k', `${dir}/signing.pem`, '-m', s.masterKey]);
s.clients = makeClients(s.base);
fs.writeFileSync(`${dir}/clients.json`, JSON.stringify(s.clients.registry), { mode: 0o600 });
fs.writeFileSync(`${dir}/idp-secret`, 'smartgate-demo-secret\n', { mode: 0o600 });
const conf = `${dir}/smartgate.conf`;
writeConfig(conf, {
  public_url: 'https://gw.example.org',
  fhir_path: '/smart/fhir',
  auth_path: '/smart/auth',
  upstream_fhir: s.upstream,
  idp_issuer: 'http://127.0.0.1:9/',
  idp_client_id: 'smartgate',
  idp_client_secret_file: `${dir}/idp-secret`,
  signing_key: `${dir}/signing.pem`,
  master_key_file: s.masterKey,
  templates_dir: path.join(ROOT, 'templates'),
  clients_file: `${dir}/clients.json`,
  ledger: `lmdb:${dir}/ledger`,
  metadata_cache_ttl: 0,
});
fs.chmodSync(conf, 0o600);
const peers = path.join(ROOT, 'tests/peers');
const fhir = startPeer(s, 'fhir', [path.join(peers, 'fhir.mjs'), '--port', String(port), '--base', s.upstream], {});
await waitPort(port, 20000, fhir, 'fhir');

const env = (method, uri, extra = {}) => ({
  PATH: process.env.PATH, GATEWAY_INTERFACE: 'CGI/1.1', REQUEST_METHOD: method, REQUEST_URI: uri,
  SCRIPT_NAME: uri.split('?')[0], QUERY_STRING: '', SERVER_PROTOCOL: 'HTTP/1.1',
  REMOTE_ADDR: '127.0.0.1', SMARTGATE_CONF: conf, ...extra,
});

// The refresh bodies, all of one length (perf reuses one stdin).
const tokens = `${dir}/refresh.txt`;
mintRefresh(s, tokens, RUNS + 20, 'launch/patient offline_access patient/*.rs');
const bodies = fs.readFileSync(tokens, 'utf8').trim().split('\n')
  .map((t) => new URLSearchParams({ grant_type: 'refresh_token', refresh_token: t, client_id: 'demo-public' }).toString());
const len = bodies[0].length;
if (bodies.some((b) => b.length !== len)) throw new Error('refresh bodies differ in length');
fs.writeFileSync(`${dir}/bodies.txt`, `${bodies.join('\n')}\n`);
fs.writeFileSync(`${dir}/next.py`, `import os
n = int(open("${dir}/n").read()) if os.path.exists("${dir}/n") else 0
open("${dir}/n", "w").write(str(n + 1))
body = open("${dir}/bodies.txt").read().split("\\n")[n]
with open("${dir}/body", "r+") as f:
    f.truncate(0); f.write(body)
os.lseek(0, 0, os.SEEK_SET)
`);
fs.writeFileSync(`${dir}/body`, bodies[0]);

const access = mintAccess(s, 'launch/patient patient/*.rs');
const cases = [
  ['metadata: smart-configuration', 'metadata', env('GET', '/smart/fhir/.well-known/smart-configuration'), null],
  ['metadata: jwks', 'metadata', env('GET', '/smart/auth/jwks'), null],
  ['metadata: [fhir]/metadata', 'metadata', env('GET', '/smart/fhir/metadata'), null],
  ['token: refresh (no openid)', 'token', env('POST', '/smart/auth/token', {
    CONTENT_TYPE: 'application/x-www-form-urlencoded', CONTENT_LENGTH: String(len) }), `${dir}/body`],
  ['fhir-proxy: read Patient', 'fhir-proxy', env('GET', '/smart/fhir/Patient/pat-1', {
    HTTP_AUTHORIZATION: `Bearer ${access}` }), null],
];

// Warm-up (discarded): the peer's own start, the page cache, the CPU clock.
spawnSync('perf', ['stat', '-r', '50', '-e', 'task-clock', `${B}/cgi-bin/metadata`],
  { env: cases[0][2], stdio: ['ignore', 'ignore', 'ignore'] });

console.log(`-- one CGI start, CPU (perf stat -r ${RUNS} -e task-clock), ${B}`);
for (const [name, prog, e, stdin] of cases.filter((c) => !process.env.CASES || c[0].includes(process.env.CASES))) {
  // One run first: the status it answers, and the page cache warm.
  fs.rmSync(`${dir}/n`, { force: true });
  const fd = fs.openSync(stdin || '/dev/null', 'r');
  if (stdin) execFileSync('python3', [`${dir}/next.py`], { stdio: [fd, 'ignore', 'inherit'] });
  const one = spawnSync(`${B}/cgi-bin/${prog}`, [], { env: e, stdio: [fd, 'pipe', 'pipe'], encoding: 'utf8' });
  const status = (/^Status: (\d+)/m.exec(one.stdout) || [])[1] || '?';
  if (process.env.VERBOSE) console.log(one.stdout.slice(0, 400), one.stderr.slice(0, 800));
  const r = spawnSync('perf', ['stat', '-r', String(RUNS), '-x,', '-e', 'task-clock',
    ...(stdin ? ['--pre', `python3 ${dir}/next.py`] : []), `${B}/cgi-bin/${prog}`],
  { env: e, stdio: [fd, (fs.writeFileSync(`${dir}/out`, ''), fs.openSync(`${dir}/out`, 'a')), 'pipe'], encoding: 'utf8' });
  fs.closeSync(fd);
  // Every run answered as the first did (a refresh token used twice would not).
  const answers = fs.readFileSync(`${dir}/out`, 'latin1').match(/Status: \d+/g) || [];
  if (answers.length !== RUNS || answers.some((a) => a !== `Status: ${status}`))
    throw new Error(`${name}: ${answers.length} answers, not all ${status}\n${r.stderr}`);
  const line = r.stderr.split('\n').find((l) => l.includes('task-clock')) || r.stderr;
  const [ms, , , spread] = line.split(',');
  console.log(`${name.padEnd(34)} status ${status}  ${parseFloat(ms).toFixed(2)} ms CPU  (± ${spread})`);
}
process.exit(0);
