// mod_fcgid against mod_proxy_fcgi (docs/PERFORMANCE.md "mod_proxy_fcgi"),
// on a machine shared with other work: both stacks run at once on the
// same static upstream, and each case is measured on one, then the
// other, ROUNDS times in turn, so that a change of load beside the run
// weighs on both alike.  Prints the median of each case per handler and
// the ratio of the proxied read to Apache's mod_proxy in the same round.
//   node bench/handlers.mjs    (BENCH_SECONDS per run, default 5;
//                               BENCH_ROUNDS, default 3; BENCH_WORKERS;
//                               BENCH_CONNS)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, startStack } from '../tests/harness/stack.mjs';
import { mintAccess } from './mint.mjs';
import { files } from './proxy.mjs';

const MODULES = '/usr/lib/apache2/modules';
const SECONDS = Number(process.env.BENCH_SECONDS || '5');
const ROUNDS = Number(process.env.BENCH_ROUNDS || '3');
const WORKERS = Number(process.env.BENCH_WORKERS || '8');
// BENCH_CONNS > 0 adds a third stack: mod_proxy_fcgi with kept connections,
// BENCH_CONNS per Apache child and program, ServerLimit WORKERS / BENCH_CONNS
// (README "mod_proxy_fcgi": processes >= connections x ServerLimit).
const CONNS = Number(process.env.BENCH_CONNS || '0');

function wrk(args, url) {
  const out = execFileSync('wrk', [...args, `-d${SECONDS}s`, '--latency', url], { encoding: 'utf8' });
  const ms = (v) => (v.endsWith('us') ? Number(v.slice(0, -2)) / 1000 : v.endsWith('ms') ? Number(v.slice(0, -2)) : Number(v.slice(0, -1)) * 1000);
  return { rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]), p50: ms(/\n\s+50%\s+(\S+)/.exec(out)[1]),
    p99: ms(/\n\s+99%\s+(\S+)/.exec(out)[1]), bad: Number((/Non-2xx or 3xx responses: (\d+)/.exec(out) || [0, 0])[1]) };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'smartgate-bench-'));
fs.chmodSync(tmp, 0o755);
const port = await freePort();
const upstream = `http://127.0.0.1:${port}/up/fhir`;
files(path.join(tmp, 'static'), upstream);
const common = `MaxKeepAliveRequests 0
FcgidSpawnScoreUpLimit 256
Alias /up "${tmp}/static/up"
<Directory "${tmp}/static/up">
	Require all granted
	ForceType application/fhir+json
</Directory>
`;
const passthrough = (load) => `${load ? `LoadModule proxy_module ${MODULES}/mod_proxy.so\n` : ''}LoadModule proxy_http_module ${MODULES}/mod_proxy_http.so
ProxyPass /pass/fhir ${upstream} keepalive=On
`;
const stacks = {};
try {
  // The upstream lives in the mod_fcgid stack (its port is `upstream`'s).
  stacks['mod_fcgid'] = await startStack({ port, extraApache: common + passthrough(true), quiet: true,
    settings: { upstream_fhir: upstream } });
  stacks[`mod_proxy_fcgi (${WORKERS} per program)`] = await startStack({ extraApache: passthrough(false), quiet: true,
    handler: 'proxy-fcgi', workers: WORKERS, settings: { upstream_fhir: upstream } });
  if (CONNS > 0) {
    const limit = Math.max(1, Math.floor(WORKERS / CONNS));
    stacks[`mod_proxy_fcgi kept (${WORKERS} per program, ${CONNS} per child, ServerLimit ${limit})`] = await startStack({
      extraApache: `${passthrough(false)}ServerLimit ${limit}\nStartServers ${Math.min(2, limit)}\nMaxRequestWorkers ${25 * limit}\n`,
      quiet: true, handler: 'proxy-fcgi', workers: WORKERS, fcgiConns: CONNS, settings: { upstream_fhir: upstream } });
  }
  const cases = (s) => [
    ['Apache mod_proxy, no auth', `${s.base}/pass/fhir/Patient/pat-1`, []],
    ['smartgate: read (checked)', `${s.fhirBase}/Patient/pat-1`, ['-H', `Authorization: Bearer ${mintAccess(s, 'patient/*.rs')}`]],
    ['smartgate: 401 without a token', `${s.fhirBase}/Patient/pat-1`, []],
    ['smart-configuration', `${s.fhirBase}/.well-known/smart-configuration`, []],
  ];
  const res = {};
  for (const c of [16]) {
    // Warm-up: every process mod_fcgid will start, once.
    for (const s of Object.values(stacks))
      for (const [, url, h] of cases(s)) execFileSync('wrk', ['-t2', `-c${c}`, '-d3s', ...h, url]);
    for (let r = 0; r < ROUNDS; r++)
      for (const [name, s] of Object.entries(stacks))
        for (const [cname, url, h] of cases(s)) {
          const k = `${name}|${cname}|${c}`;
          (res[k] ||= []).push(wrk(['-t2', `-c${c}`, ...h], url));
        }
    for (const name of Object.keys(stacks)) {
      console.log(`-- ${name}, ${c} connections, median of ${ROUNDS} runs of ${SECONDS} s`);
      for (const [cname] of cases(stacks[name])) {
        const xs = res[`${name}|${cname}|${c}`];
        console.log(`${cname.padEnd(34)} ${median(xs.map((x) => x.rps)).toFixed(0).padStart(7)} req/s  p50 ${median(xs.map((x) => x.p50)).toFixed(2)} ms` +
          `  p99 ${median(xs.map((x) => x.p99)).toFixed(2)} ms${xs.some((x) => x.bad && !cname.includes('401')) ? '  (non-2xx!)' : ''}`);
      }
      const read = res[`${name}|smartgate: read (checked)|${c}`], pass = res[`${name}|Apache mod_proxy, no auth|${c}`];
      const ratios = read.map((x, i) => x.rps / pass[i].rps);
      const added = read.map((x, i) => x.p99 - pass[i].p99);
      console.log(`read / mod_proxy, same round: ${ratios.map((x) => `${(100 * x).toFixed(0)} %`).join(', ')}; ` +
        `p99 added: ${added.map((x) => `${x.toFixed(2)} ms`).join(', ')}`);
    }
  }
} finally {
  for (const s of Object.values(stacks).reverse()) await s.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
}
