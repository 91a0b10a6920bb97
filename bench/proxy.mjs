// The FHIR proxy under load (docs/PERFORMANCE.md "FHIR proxy"): a
// static upstream (Apache serving FHIR JSON files, so that the upstream
// costs as little as it can), the same files through Apache's own
// mod_proxy with no authorization at all, and smartgate's proxy: a
// read, a narrowed search whose 20-entry Bundle is checked entry by
// entry, and a 5 MB answer that streams; at 16 and 64 connections, and
// the read beside mod_proxy once more below saturation (paced.lua).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, startStack } from '../tests/harness/stack.mjs';
import { mintAccess } from './mint.mjs';

const MODULES = '/usr/lib/apache2/modules';
const PROGRAMS = ['authorize', 'callback', 'consent', 'fhir-proxy', 'introspect', 'launch', 'metadata', 'revoke', 'token'];

// How the programs run (docs/PERFORMANCE.md "mod_proxy_fcgi"):
// BENCH_HANDLER=proxy-fcgi runs them under mod_proxy_fcgi, each a pool of
// BENCH_WORKERS (default 8) smartgate-fcgi processes; BENCH_REUSE=1 keeps
// Apache's connections to the sockets open (enablereuse=on).  Default:
// mod_fcgid.  Returns startStack options and Apache lines to add.
export function stackMode() {
  if (process.env.BENCH_HANDLER !== 'proxy-fcgi') return { opts: {}, apache: '', name: 'mod_fcgid' };
  const workers = Number(process.env.BENCH_WORKERS || '8');
  const reuse = process.env.BENCH_REUSE === '1';
  const apache = reuse ? PROGRAMS.map((p) => `<Proxy "unix:\${SMARTGATE_SOCKETS}/${p}.sock|fcgi://${p}/">
	ProxySet enablereuse=on retry=0
</Proxy>`).join('\n') : '';
  return { opts: { handler: 'proxy-fcgi', workers }, apache: `${apache}\n`,
    name: `mod_proxy_fcgi, ${workers} processes per program${reuse ? ', enablereuse=on' : ''}` };
}

// A program's processes (argv[0]), not smartgate-fcgi, which names them all.
export function isProgram(pid, name) {
  return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0].endsWith(`/lib/smartgate/${name}`);
}
const OBS_CAT = 'http://terminology.hl7.org/CodeSystem/observation-category';

// The upstream's files: a 1 KB Patient, a 20-entry searchset, 5 MB.
export function files(dir, base) {
  const up = path.join(dir, 'up/fhir');
  fs.mkdirSync(path.join(up, 'Patient'), { recursive: true });
  fs.mkdirSync(path.join(up, 'Binary'), { recursive: true });
  const patient = { resourceType: 'Patient', id: 'pat-1', meta: { versionId: '1' },
    identifier: [{ system: 'http://example.org/fhir/mrn', value: 'MRN-0001' }],
    name: [{ use: 'official', family: 'Shaw', given: ['Amy', 'V.'] }], gender: 'female',
    birthDate: '1987-02-20', address: [{ line: ['1 Main Street'], city: 'Springfield', postalCode: '01101' }],
    telecom: [{ system: 'phone', value: '555-0100' }],
    managingOrganization: { reference: 'Organization/org-1' },
    generalPractitioner: [{ reference: 'Practitioner/prac-1' }],
    text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${'Amy Shaw '.repeat(40)}</div>` } };
  fs.writeFileSync(path.join(up, 'Patient/pat-1'), JSON.stringify(patient));
  const entry = [];
  for (let i = 0; i < 20; i++) {
    const r = { resourceType: 'Observation', id: `obs-${i}`, status: 'final',
      category: [{ coding: [{ system: OBS_CAT, code: 'laboratory' }] }],
      code: { coding: [{ system: 'http://loinc.org', code: '718-7', display: 'Hemoglobin' }] },
      subject: { reference: 'Patient/pat-1' }, effectiveDateTime: '2024-03-01T09:00:00Z',
      valueQuantity: { value: 13 + i / 10, unit: 'g/dL' } };
    entry.push({ fullUrl: `${base}/Observation/obs-${i}`, resource: r, search: { mode: 'match' } });
  }
  fs.writeFileSync(path.join(up, 'Observation'), JSON.stringify({ resourceType: 'Bundle', type: 'searchset',
    total: 20, link: [{ relation: 'self', url: `${base}/Observation?subject=Patient/pat-1` }], entry }));
  const data = Buffer.alloc(5 * 1024 * 1024 * 3 / 4, 7).toString('base64');
  fs.writeFileSync(path.join(up, 'Binary/big'), JSON.stringify({ resourceType: 'Binary', id: 'big',
    contentType: 'application/octet-stream', data }));
  execFileSync('chmod', ['-R', 'a+rX', dir]);
}

// Peak and current resident memory of the proxy's processes.
function mem() {
  const out = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (!isProgram(pid, 'fhir-proxy')) continue;
      const st = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
      out.push({ rss: Number(/VmRSS:\s+(\d+)/.exec(st)[1]), hwm: Number(/VmHWM:\s+(\d+)/.exec(st)[1]) });
    } catch { /* gone */ }
  }
  const max = (k) => (out.length ? Math.max(...out.map((x) => x[k])) / 1024 : 0).toFixed(1);
  const avg = out.length ? (out.reduce((a, x) => a + x.rss, 0) / out.length / 1024).toFixed(1) : '0';
  return { n: out.length, avg, maxRss: max('rss'), maxHwm: max('hwm') };
}

// The least RSS any process holds that seals with OpenSSL and calls
// upstream with Debian's libcurl (bench/floor.c): what the 10 MB target
// leaves for everything else is 10 MB less this.
function floor(tmp) {
  const bin = path.join(tmp, 'floor');
  execFileSync('cc', ['-std=c11', '-O2', '-o', bin, new URL('floor.c', import.meta.url).pathname, '-lcrypto', '-ldl']);
  const out = execFileSync(bin, { encoding: 'utf8', env: { ...process.env, GNUTLS_NO_IMPLICIT_INIT: '1' } });
  const kb = (re) => (Number(re.exec(out)[1]) / 1024).toFixed(1);
  return `${kb(/libcurl VmRSS:\s+(\d+)/)} MB RSS, ${kb(/libcurl RssAnon:\s+(\d+)/)} MB of it private `
    + `(${kb(/openssl VmRSS:\s+(\d+)/)} MB with OpenSSL alone)`;
}

export async function proxyBench(tmp, wrk, duration) {
  console.log(`floor: a process with OpenSSL and libcurl loaded and nothing else: ${floor(tmp)}`);
  const port = await freePort();
  const dir = path.join(tmp, 'static');
  fs.chmodSync(tmp, 0o755);		// Apache's user reads the files
  const upstream = `http://127.0.0.1:${port}/up/fhir`;
  files(dir, upstream);
  const mode = stackMode();
  // Under mod_proxy_fcgi the stack loads mod_proxy itself.
  const apache = `MaxKeepAliveRequests 0
FcgidSpawnScoreUpLimit 256
${mode.opts.handler ? '' : `LoadModule proxy_module ${MODULES}/mod_proxy.so`}
LoadModule proxy_http_module ${MODULES}/mod_proxy_http.so
Alias /up "${dir}/up"
<Directory "${dir}/up">
	Require all granted
	ForceType application/fhir+json
</Directory>
ProxyPass /pass/fhir ${upstream} keepalive=On
`;
  console.log(`programs under ${mode.name}`);
  const s = await startStack({ port, extraApache: apache + mode.apache, quiet: true, settings: { upstream_fhir: upstream },
    ...mode.opts });
  try {
    const bearer = (scope) => ['-H', `Authorization: Bearer ${mintAccess(s, scope)}`];
    const cases = [
      ['upstream directly (static file)', `${upstream}/Patient/pat-1`, []],
      ['Apache mod_proxy, no auth', `${s.base}/pass/fhir/Patient/pat-1`, []],
      // mod_fcgid and the program alone, no upstream: the floor.
      ['smartgate: 401 without a token', `${s.fhirBase}/Patient/pat-1`, []],
      ['smartgate: read (checked)', `${s.fhirBase}/Patient/pat-1`, bearer('patient/*.rs')],
      ['smartgate: read (streamed)', `${s.fhirBase}/Patient/pat-1`, bearer('user/Patient.rs')],
      ['smartgate: narrowed search, 20 entries', `${s.fhirBase}/Observation`, bearer('patient/Observation.rs')],
    ];
    // 16 connections, then 64, each after a warm-up at that level:
    // every process mod_fcgid will need then, once.
    for (const c of [16, 64]) {
      for (const [, url, h] of cases)
        execFileSync('wrk', ['-t2', `-c${c}`, '-d5s', ...h, url]);
      const warm = mem();
      console.log(`fhir-proxy after warm-up at ${c}: ${warm.n} processes, ${warm.avg} MB RSS each (max ${warm.maxRss})`);
      for (const [name, url, h] of cases)
        wrk(`${name}, ${c} conns`, ['-t2', `-c${c}`, ...h], url);
    }
    // The same read and pass-through below saturation (paced.lua).
    const paced = ['-s', new URL('paced.lua', import.meta.url).pathname];
    wrk('Apache mod_proxy, paced, 16 conns', ['-t2', '-c16', ...paced], `${s.base}/pass/fhir/Patient/pat-1`);
    wrk('smartgate: read (checked), paced, 16 conns', ['-t2', '-c16', ...paced, ...bearer('patient/*.rs')],
      `${s.fhirBase}/Patient/pat-1`);
    const small = mem();
    console.log(`fhir-proxy after 1 KB answers: ${small.n} processes, ${small.avg} MB RSS each (max ${small.maxRss}, peak ${small.maxHwm})`);
    for (const c of [16, 64])
      wrk(`smartgate: 5 MB answer (streamed), ${c} conns`, ['-t2', `-c${c}`, ...bearer('user/Binary.rs')],
        `${s.fhirBase}/Binary/big`);
    wrk('Apache mod_proxy: 5 MB, 16 conns', ['-t2', '-c16'], `${s.base}/pass/fhir/Binary/big`);
    const big = mem();
    console.log(`fhir-proxy after 5 MB answers: ${big.n} processes, ${big.avg} MB RSS each (max ${big.maxRss}, peak ${big.maxHwm})`);
    // Flat over 100 000 requests: a long read run, memory before and after.
    const t0 = mem();
    const n = wrk('smartgate: read, 100 000+ requests', ['-t2', '-c16', ...bearer('patient/*.rs')],
      `${s.fhirBase}/Patient/pat-1`, [], Math.max(duration, Math.ceil(100000 / 2500)));
    const t1 = mem();
    console.log(`fhir-proxy over ${n} requests: ${t0.avg} -> ${t1.avg} MB RSS each (max ${t0.maxRss} -> ${t1.maxRss})`);
  } finally {
    await s.stop();
  }
}
