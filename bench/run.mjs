// Starts the stack with warm FastCGI processes and measures each
// endpoint with wrk: requests per second, latency, and the resident
// memory of the program's processes afterwards.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { startStack } from '../tests/harness/stack.mjs';

const DURATION = process.env.BENCH_SECONDS || '10';
// Eight warm processes for eight connections (mod_fcgid otherwise makes
// requests wait for a process in one-second steps), and no forced
// reconnects: a reconnect on loopback under load costs a SYN
// retransmission (~1 s) that would measure the kernel, not smartgate.
const s = await startStack({ extraApache: 'FcgidMinProcessesPerClass 8\nFcgidMaxProcessesPerClass 8\nMaxKeepAliveRequests 0' });

function rss(name) {
  let kb = 0, n = 0;
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (!fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`/lib/smartgate/${name}`)) continue;
      const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) { kb += Number(m[1]); n++; }
    } catch { /* gone */ }
  }
  return n ? `${n} processes, ${(kb / n / 1024).toFixed(1)} MB RSS each` : 'no process';
}

try {
  for (const [name, url] of [
    ['smart-configuration', `${s.fhirBase}/.well-known/smart-configuration`],
    ['jwks', `${s.issuer}/jwks`],
    ['metadata (cached)', `${s.fhirBase}/metadata`],
  ]) {
    // Warm up: the cache, and every FastCGI process mod_fcgid will start.
    execFileSync('wrk', ['-t2', '-c8', '-d2s', url], { encoding: 'utf8' });
    const out = execFileSync('wrk', ['-t2', '-c8', `-d${DURATION}s`, '--latency', url], { encoding: 'utf8' });
    const rps = /Requests\/sec:\s+([\d.]+)/.exec(out)[1];
    const p50 = /50%\s+(\S+)/.exec(out)[1];
    const p99 = /99%\s+(\S+)/.exec(out)[1];
    const errs = /Non-2xx or 3xx responses: (\d+)/.exec(out);
    console.log(`${name.padEnd(22)} ${rps.padStart(10)} req/s  p50 ${p50}  p99 ${p99}${errs ? `  non-2xx ${errs[1]}` : ''}`);
  }
  console.log(`metadata program: ${rss('metadata')}`);
} finally {
  await s.stop();
}
