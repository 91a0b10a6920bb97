// Shared hosting for real (tests/harness/hosting.mjs): the code flow,
// refresh and a proxied read through the site's .htaccess as a non-root
// user under suEXEC, once with cgi-script (mod_cgid) and once with
// fcgid-script (mod_fcgid).  suEXEC empties the environment, so the
// programs find etc/smartgate.conf beside themselves.  Needs root; run by
// tests/run-all.sh (suite "hosting").
import fs from 'node:fs';
import { DEST, SUEXEC_LOG, USER, s, setHandler, startHosting, stopHosting } from '../harness/hosting.mjs';
import { suite, assert } from '../harness/t.mjs';
import { helpers } from './flows.mjs';

const t = suite('hosting');
const h = helpers(() => s);

const errorLog = () => fs.readFileSync(`${s.dir}/logs/error.log`, 'utf8');
const suexecLines = () => { try { return fs.readFileSync(SUEXEC_LOG, 'utf8').split('\n'); } catch { return []; } };

// Processes running one of the site's programs, as [pid, uid].
function siteProcesses() {
  const out = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (!fs.readlinkSync(`/proc/${pid}/exe`).startsWith(`${DEST}/cgi-bin/`)) continue;
      out.push([pid, fs.statSync(`/proc/${pid}`).uid]);
    } catch { /* gone */ }
  }
  return out;
}

function flowTest(handler) {
  t.test(`${handler}: discovery, code flow, refresh and a proxied read as ${USER} under suEXEC`, async (ctx) => {
    if (ctx.skip) return;
    setHandler(handler);
    const logBefore = suexecLines().length;
    const conf = await fetch(`${s.fhirBase}/.well-known/smart-configuration`);
    assert.equal(conf.status, 200, errorLog().slice(-2000));
    const body = await conf.json();
    assert.equal(body.issuer, s.issuer);
    assert.equal(body.token_endpoint, `${s.issuer}/token`);

    const c = await h.code();
    const { r, body: tok } = await h.exchange(c);
    assert.equal(r.status, 200, JSON.stringify(tok));
    assert.equal(tok.patient, 'pat-1');
    assert.ok(tok.refresh_token);
    await h.verify(tok.id_token);

    const rr = await h.token({ grant_type: 'refresh_token', refresh_token: tok.refresh_token, client_id: 'demo-public' });
    assert.equal(rr.r.status, 200, JSON.stringify(rr.body));
    assert.notEqual(rr.body.refresh_token, tok.refresh_token);

    const read = await fetch(`${s.fhirBase}/Patient/pat-1`, { headers: { authorization: `Bearer ${rr.body.access_token}` } });
    assert.equal(read.status, 200);
    assert.equal((await read.json()).id, 'pat-1');
    const other = await fetch(`${s.fhirBase}/Patient/pat-2`, { headers: { authorization: `Bearer ${rr.body.access_token}` } });
    assert.ok(other.status === 403 || other.status === 404, `another patient: ${other.status}`);

    // Who ran the programs: suEXEC logged each start as the user, and the
    // ledger the programs wrote belongs to the user.
    const started = suexecLines().slice(logBefore).filter((l) => l.includes(`uid: (${s.uid}/${USER})`));
    assert.ok(started.length >= 1, `no suEXEC start as ${USER} logged`);
    assert.equal(fs.statSync(`${DEST}/ledger/data.mdb`).uid, s.uid);
    if (handler === 'fcgid-script') {
      const procs = siteProcesses();
      assert.ok(procs.length >= 1, 'no FastCGI process of the site');
      for (const [pid, u] of procs) assert.equal(u, s.uid, `process ${pid} runs as uid ${u}`);
    } else {
      // Plain CGI: every request started a process (one suEXEC line each).
      assert.ok(started.length >= 6, `${started.length} suEXEC starts`);
    }
  });
}

flowTest('cgi-script');
flowTest('fcgid-script');

t.test('the configuration, keys, ledger, templates and tools are not served; static files are', async (ctx) => {
  if (ctx.skip) return;
  for (const p of ['etc/smartgate.conf', 'etc/', 'keys/master.key', 'keys/signing.pem', 'ledger/data.mdb',
    'templates/consent.cs', 'bin/smartgate-keygen', 'etc/.htaccess']) {
    const r = await fetch(`${s.base}/${p}`);
    assert.equal(r.status, 403, `${p}: ${r.status}`);
  }
  const css = await fetch(`${s.base}/static/smartgate.css`);
  assert.equal(css.status, 200);
  assert.match(css.headers.get('content-type'), /^text\/css/);
});

t.test('a program refuses to start with a signing key or ledger open to others', async (ctx) => {
  if (ctx.skip) return;
  setHandler('cgi-script');	// a new process for each request
  try {
    fs.chmodSync(s.signingKey, 0o604);
    const r = await fetch(`${s.fhirBase}/.well-known/smart-configuration`);
    assert.equal(r.status, 500);
    assert.match(errorLog(), /signing\.pem: readable by others/);
    fs.chmodSync(s.signingKey, 0o600);
    fs.chmodSync(`${DEST}/ledger`, 0o705);
    const tok = await h.token({ grant_type: 'refresh_token', refresh_token: 'x', client_id: 'demo-public' });
    assert.equal(tok.r.status, 500);
    assert.match(errorLog(), /ledger: \S+\/ledger is open to others \(chmod 700/);
  } finally {
    fs.chmodSync(s.signingKey, 0o600);
    fs.chmodSync(`${DEST}/ledger`, 0o700);
  }
  const ok = await fetch(`${s.fhirBase}/.well-known/smart-configuration`);
  assert.equal(ok.status, 200);
});

await t.run({
  before: async () => (process.getuid() === 0 ? startHosting() : { skip: true }),
  after: async (ctx, failed) => {
    if (ctx && ctx.skip) return;
    if (failed && s.dir) console.log(`--- error.log\n${errorLog().slice(-4000)}`);
    await stopHosting();
  },
});
if (process.getuid() !== 0) console.log('hosting: skipped: needs root (a user account and suEXEC)');
