// Starts the stack and measures each endpoint with wrk: requests per
// second, latency, and the resident memory of the program's processes
// afterwards.  The FastCGI process settings are apache/smartgate.conf's
// own (docs/PERFORMANCE.md says why they are what they are).
// BENCH_SECONDS sets the length of each run (default 10); BENCH_HANDLER,
// BENCH_WORKERS and BENCH_REUSE how the programs run (bench/proxy.mjs).
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { redisServer } from '../tests/harness/redis.mjs';
import { freePort, startStack } from '../tests/harness/stack.mjs';
import { mintAssertions, mintCodes, mintRefresh } from './mint.mjs';
import { isProgram, proxyBench, stackMode } from './proxy.mjs';
import { cgiBench } from './cgi.mjs';

const DURATION = Number(process.env.BENCH_SECONDS || '10');
const HERE = path.dirname(new URL(import.meta.url).pathname);
// No forced reconnects: a reconnect on loopback under load costs a SYN
// retransmission (~1 s) that would measure the kernel, not smartgate.
// The spawn score lines are the server-level settings docs/PERFORMANCE.md
// recommends (they cannot go in a virtual host, so not in smartgate.conf).
const APACHE = 'MaxKeepAliveRequests 0\nFcgidSpawnScoreUpLimit 256';
const OPENID = 'openid fhirUser launch/patient offline_access patient/*.rs';
const PLAIN = 'launch/patient offline_access patient/*.rs';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'smartgate-bench-'));

// Resident memory of a program's processes, and the part of it that is
// their own (the rest is shared libraries, counted once per machine).
function rss(name) {
  let kb = 0, own = 0, n = 0;
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (!isProgram(pid, name)) continue;
      const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      const r = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      for (const x of r.matchAll(/Private_(?:Clean|Dirty):\s+(\d+)/g)) own += Number(x[1]);
      if (m) { kb += Number(m[1]); n++; }
    } catch { /* gone */ }
  }
  return n ? `${n} processes, ${(kb / n / 1024).toFixed(1)} MB RSS each, ${(own / n / 1024).toFixed(1)} MB private`
    : 'no process';
}

// One wrk run (seconds long, default BENCH_SECONDS); prints a line,
// returns the number of requests.
function wrk(name, args, url, scriptArgs = [], seconds = DURATION) {
  const out = execFileSync('wrk', [...args, `-d${seconds}s`, '--latency', url, ...scriptArgs], { encoding: 'utf8' });
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out)[1];
  // The distribution lines, not a "+/- Stdev" column that ends in 50%.
  const p50 = /\n\s+50%\s+(\S+)/.exec(out)[1];
  const p99 = /\n\s+99%\s+(\S+)/.exec(out)[1];
  const errs = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  console.log(`${name.padEnd(44)} ${rps.padStart(9)} req/s  p50 ${p50.padStart(8)}  p99 ${p99.padStart(8)}` +
    `${errs ? `  non-2xx ${errs[1]}` : ''}`);
  return Number(/(\d+) requests in/.exec(out)[1]);
}

// Code exchange: a pool of single-use codes larger than the run can use.
function codes(s, name, scope, conns = 8) {
  const file = path.join(tmp, 'codes.txt');
  const url = `${s.base}/auth/token`;
  mintCodes(s, file, 8000, scope);		// warm-up: every process started
  execFileSync('wrk', ['-t2', `-c${conns}`, '-d5s', '-s', `${HERE}/token-code.lua`, url, '--', file, '2']);
  mintCodes(s, file, 10000 * DURATION, scope);
  wrk(name, ['-t2', `-c${conns}`, '-s', `${HERE}/token-code.lua`], url, ['--', file, '2']);
}

// Refresh: one connection per wrk thread, each on its own chain.
function refresh(s, name, scope, conns = 8) {
  const file = path.join(tmp, 'refresh.txt');
  const url = `${s.base}/auth/token`;
  mintRefresh(s, file, conns, scope);
  execFileSync('wrk', [`-t${conns}`, `-c${conns}`, '-d5s', '-s', `${HERE}/token-refresh.lua`, url, '--', file,
    'demo-public']);
  mintRefresh(s, file, conns, scope);
  wrk(name, [`-t${conns}`, `-c${conns}`, '-s', `${HERE}/token-refresh.lua`], url, ['--', file, 'demo-public']);
}

// Client credentials (SMART Backend Services): each request with an
// assertion of its own, as codes are (token-code.lua takes any bodies).
function backend(s, name, conns = 8) {
  const file = path.join(tmp, 'assertions.txt');
  const url = `${s.base}/auth/token`;
  mintAssertions(s, file, 4000);
  execFileSync('wrk', ['-t2', `-c${conns}`, '-d3s', '-s', `${HERE}/token-code.lua`, url, '--', file, '2']);
  mintAssertions(s, file, 4000 * DURATION);
  wrk(name, ['-t2', `-c${conns}`, '-s', `${HERE}/token-code.lua`], url, ['--', file, '2']);
}

// The token endpoint's ledger-bound grants on a Redis ledger (a real
// redis-server on loopback with a password): what changes against the
// LMDB lines of run('rsa').
async function runRedis() {
  const password = crypto.randomBytes(18).toString('base64url');
  const redis = redisServer(await freePort(), password);
  await redis.start();
  const mode = stackMode();
  const s = await startStack({ extraApache: APACHE + '\n' + mode.apache, quiet: true, ...mode.opts,
    ledger: `redis:127.0.0.1:${redis.port}`, ledgerPassword: password });
  try {
    console.log('-- ledger Redis (signing key RS256 RSA-3072)');
    codes(s, 'token: code, no openid', PLAIN);
    refresh(s, 'token: refresh, no openid', PLAIN);
    backend(s, 'token: client_credentials, ES384 assertion');
    console.log(`token program: ${rss('token')}`);
  } finally {
    await s.stop();
    await redis.stop();
  }
}

async function run(keyType) {
  const mode = stackMode();
  console.log(`programs under ${mode.name}`);
  const s = await startStack({ extraApache: APACHE + '\n' + mode.apache, keyType, quiet: true, ...mode.opts });
  const alg = keyType === 'ec' ? 'ES256 P-256' : 'RS256 RSA-3072';
  try {
    console.log(`-- signing key ${alg}, ledger LMDB`);
    if (keyType !== 'ec') {
      // The 64-connection run first: its warm-up grows the metadata
      // program's pool beyond 64 processes, and what follows meets it
      // warm (mod_fcgid grows a pool only through one-second waits).
      for (const [name, url, c, warm] of [
        ['jwks, 64 connections', `${s.issuer}/jwks`, 64, 128],
        // The same machine's floor: Apache alone, a static file.
        ['static file, 64 connections', `${s.base}/demo/app/index.html`, 64],
        ['smart-configuration', `${s.fhirBase}/.well-known/smart-configuration`, 8],
        ['jwks', `${s.issuer}/jwks`, 8],
        ['metadata (cached)', `${s.fhirBase}/metadata`, 8],
      ]) {
        // Warm up: the cache, and every FastCGI process mod_fcgid starts.
        execFileSync('wrk', ['-t2', `-c${warm || c}`, `-d${warm ? 30 : 3}s`, url]);
        wrk(name, ['-t2', `-c${c}`], url);
      }
      console.log(`metadata program: ${rss('metadata')}`);
      codes(s, 'token: code, no openid', PLAIN);
      refresh(s, 'token: refresh, no openid', PLAIN);
      refresh(s, 'token: refresh, openid', OPENID);
      backend(s, 'token: client_credentials, ES384 assertion');
    }
    codes(s, `token: code + id_token ${alg.split(' ')[0]}`, OPENID);
    console.log(`token program: ${rss('token')}`);
  } finally {
    await s.stop();
  }
}

// BENCH_ONLY=token, redis, proxy or cgi runs one part.
const only = process.env.BENCH_ONLY;
try {
  if (!only || only === 'token') {
    await run('rsa');
    await run('ec');
  }
  if (!only || only === 'token' || only === 'redis') await runRedis();
  if (!only || only === 'proxy') {
    console.log('-- FHIR proxy');
    await proxyBench(tmp, wrk, DURATION);
  }
  if (!only || only === 'cgi') await cgiBench(tmp, wrk, DURATION);
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
