// The Debian package, installed on this machine: `make deb`, lintian,
// `apt-get install ./smartgate_*.deb`, the FHS layout and the modes the
// postinst gives, `a2enconf smartgate`, then the authorization code flow
// and a proxied read through Apache running the installed programs with
// the installed Apache conf, configuration file, keys and ledger folder;
// a reinstall keeps the edited conffile, the keys and the ledger; a purge
// leaves nothing behind.  Needs root (it installs a package); the main
// Apache of the machine is never started (the harness runs its own).
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, startStack } from '../harness/stack.mjs';
import { suite, assert } from '../harness/t.mjs';
import { helpers } from '../integration/flows.mjs';

const t = suite('deb');
const B = process.env.B || 'build';
const ETC = '/etc/smartgate';
const VAR = '/var/lib/smartgate';
const CONF_AVAILABLE = '/etc/apache2/conf-available/smartgate.conf';
const CONF_ENABLED = '/etc/apache2/conf-enabled/smartgate.conf';
const PROGRAMS = ['authorize', 'callback', 'consent', 'fhir-proxy', 'introspect', 'launch', 'metadata', 'revoke', 'token'];
const TOOLS = ['smartgate-client', 'smartgate-keygen', 'smartgate-launch', 'smartgate-revoke'];
// Everything the package or its scripts put on the machine.
const LEFTOVERS = [ETC, VAR, '/usr/lib/smartgate', '/usr/share/smartgate', '/usr/share/doc/smartgate',
  CONF_AVAILABLE, CONF_ENABLED, '/usr/share/lintian/overrides/smartgate',
  '/var/lib/apache2/conf/enabled_by_admin/smartgate', '/var/lib/apache2/conf/disabled_by_admin/smartgate',
  '/var/lib/apache2/conf/enabled_by_maint/smartgate', '/var/lib/apache2/conf/disabled_by_maint/smartgate',
  ...TOOLS.map((x) => `/usr/bin/${x}`)];

let deb;	// the package file
let s;		// the stack on the installed files
let before;	// hashes of the keys after the first install

// Apache's configuration and a2enconf's state, to compare after the purge.
const APACHE_STATE = ['/etc/apache2', '/var/lib/apache2/conf'];
const snapshot = () => run('find', [...APACHE_STATE, '-printf', '%p %M %u %s %l\n']).stdout.split('\n').sort();
const apacheBefore = snapshot();

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  if (r.error) throw r.error;
  return r;
}

function ok(cmd, args, opts) {
  const r = run(cmd, args, opts);
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: exit ${r.status}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

// apt-get waits for the dpkg lock instead of failing when another job
// holds it; the package's dependencies are already installed here.
const APT = ['-y', '-q', '-o', 'DPkg::Lock::Timeout=120', '--no-install-recommends'];
const APT_ENV = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };

function installed() {
  const r = run('dpkg-query', ['-W', '-f=${Status}', 'smartgate']);
  return r.status === 0 && r.stdout.includes('ok installed');
}

function known() {	// installed, or removed with its conffiles left
  const r = run('dpkg-query', ['-W', '-f=${Status}', 'smartgate']);
  return r.status === 0 && !r.stdout.includes('not-installed');
}

function mode(file) {
  const st = fs.statSync(file);
  const user = (id) => run('getent', ['passwd', String(id)]).stdout.split(':')[0];
  const group = (id) => run('getent', ['group', String(id)]).stdout.split(':')[0];
  return `${(st.mode & 0o7777).toString(8).padStart(4, '0')} ${user(st.uid)}:${group(st.gid)}`;
}

const sha = (file) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

t.test('deb: make deb builds a package with the shared libraries and mod_fcgid as dependencies', () => {
  const out = ok('make', ['--no-print-directory', '-s', '-C', ROOT, 'deb', `B=${B}`]);
  deb = out.trim().split('\n').pop();
  assert.match(path.basename(deb), /^smartgate_[0-9][^_]*_[a-z0-9]+\.deb$/);
  assert.ok(fs.existsSync(deb), deb);
  const control = ok('dpkg-deb', ['-f', deb]);
  const depends = control.match(/^Depends: (.*)$/m)[1].split(/,\s*/).map((d) => d.split(' ')[0]);
  for (const p of ['libfcgi0ldbl', 'libcurl4', 'libjson-c5', 'libssl3', 'liblmdb0', 'libhiredis0.14', 'libapache2-mod-fcgid'])
    assert.ok(depends.includes(p), `Depends lacks ${p}: ${depends}`);
  // Apache's packaging policy: a web application recommends apache2.
  assert.match(control, /^Recommends: apache2$/m);
  const files = ok('dpkg-deb', ['-c', deb]).split('\n').map((l) => l.split(/\s+/).slice(5).join(' ')).filter(Boolean);
  for (const p of PROGRAMS) assert.ok(files.includes(`./usr/lib/smartgate/${p}`), `no /usr/lib/smartgate/${p}`);
  for (const x of TOOLS) assert.ok(files.includes(`./usr/bin/${x}`), `no /usr/bin/${x}`);
  assert.ok(files.includes('./usr/share/smartgate/templates/consent.cs'));
  assert.ok(files.includes('./usr/share/smartgate/static/smartgate.css'));
  assert.ok(files.includes('./usr/share/smartgate/apache/smartgate.conf'));
  assert.ok(!files.some((f) => f.startsWith('./usr/local')), 'nothing under /usr/local');
  // The keys and the ledger are made on the machine, never shipped.
  assert.ok(!files.some((f) => /signing|master|ledger|clients\.json/.test(f)), 'no keys or ledger in the package');
  assert.deepEqual(ok('dpkg-deb', ['-I', deb, 'conffiles']).trim().split('\n'), [`${ETC}/smartgate.conf`, CONF_AVAILABLE]);
});

t.test('deb: lintian reports nothing that is not explained in the overrides', () => {
  if (run('sh', ['-c', 'command -v lintian']).status !== 0) throw new Error('lintian is not installed (tools/deps.sh installs it)');
  const r = run('lintian', ['--info', '--pedantic', deb]);
  const tags = r.stdout.split('\n').filter((l) => /^[EWIPX]: /.test(l));
  assert.deepEqual(tags, [], tags.join('\n'));
  assert.equal(r.status, 0, r.stderr);
});

t.test('deb: apt-get install ./smartgate_*.deb lays out the FHS tree; postinst makes keys, registry and ledger for www-data', () => {
  ok('apt-get', ['install', ...APT, path.resolve(deb)], { env: APT_ENV });
  assert.ok(installed());
  for (const p of PROGRAMS) assert.equal(mode(`/usr/lib/smartgate/${p}`), '0755 root:root', p);
  for (const x of TOOLS) assert.equal(mode(`/usr/bin/${x}`), '0755 root:root', x);
  assert.equal(mode(`${ETC}/smartgate.conf`), '0644 root:root');
  assert.equal(mode(CONF_AVAILABLE), '0644 root:root');
  // Read by the programs (www-data) and nobody else.
  assert.equal(mode(`${ETC}/signing.pem`), '0600 www-data:www-data');
  assert.equal(mode(`${ETC}/master.key`), '0600 www-data:www-data');
  assert.equal(mode(`${ETC}/clients.json`), '0640 root:www-data');
  assert.equal(fs.readFileSync(`${ETC}/clients.json`, 'utf8'), '[]\n');
  assert.match(fs.readFileSync(`${ETC}/signing.pem`, 'utf8'), /^-----BEGIN PRIVATE KEY-----/);
  assert.match(fs.readFileSync(`${ETC}/master.key`, 'utf8'), /^\S+ [A-Za-z0-9_-]{43}\n$/);
  assert.equal(mode(VAR), '0755 root:root');
  assert.equal(mode(`${VAR}/ledger`), '0700 www-data:www-data');
  // The conffiles, as dpkg records them.
  const conffiles = ok('dpkg-query', ['-W', '-f=${Conffiles}', 'smartgate']);
  assert.match(conffiles, /\/etc\/smartgate\/smartgate\.conf [0-9a-f]{32}/);
  assert.match(conffiles, /\/etc\/apache2\/conf-available\/smartgate\.conf [0-9a-f]{32}/);
  // Not enabled by the package: the configuration must be edited first.
  assert.ok(!fs.existsSync(CONF_ENABLED), 'the package enabled its Apache conf by itself');
  before = { signing: sha(`${ETC}/signing.pem`), master: sha(`${ETC}/master.key`) };
});

t.test('deb: a2enconf smartgate enables the Apache conf, and Debian\'s Apache accepts it', () => {
  const r = ok('a2enconf', ['-q', 'smartgate']);
  assert.ok(!/ERROR/.test(r), r);
  assert.equal(fs.realpathSync(CONF_ENABLED), CONF_AVAILABLE);
  // A parse of the whole server configuration: nothing is started.
  const test = run('apache2ctl', ['-t']);
  assert.match(test.stderr + test.stdout, /Syntax OK/, test.stderr);
});

t.test('deb: the installed programs, conf, keys and ledger run the code flow and a proxied read', async () => {
  s = await startStack({
    installed: {
      libexec: '/usr/lib/smartgate', share: '/usr/share/smartgate', bin: '/usr/bin',
      conf: `${ETC}/smartgate.conf`, apacheConf: CONF_AVAILABLE,
      signingKey: `${ETC}/signing.pem`, masterKey: `${ETC}/master.key`,
    },
    ledger: `lmdb:${VAR}/ledger`,
  });
  const h = helpers(() => s);
  const c = await h.code();
  const { r, body } = await h.exchange(c);
  assert.equal(r.status, 200, JSON.stringify(body));
  assert.equal(body.patient, 'pat-1');
  // Signed with the key the postinst made.
  const signing = crypto.createPrivateKey(fs.readFileSync(`${ETC}/signing.pem`));
  const jwk = crypto.createPublicKey(signing).export({ format: 'jwk' });
  assert.ok((await h.jwks()).some((k) => k.n === jwk.n), 'the JWKS does not hold the installed signing key');
  await h.verify(body.id_token);
  const read = await fetch(`${s.fhirBase}/Patient/pat-1`, { headers: { authorization: `Bearer ${body.access_token}` } });
  const patient = await read.json();
  assert.equal(read.status, 200, JSON.stringify(patient));
  assert.equal(patient.resourceType, 'Patient');
  assert.equal(patient.id, 'pat-1');
  // The code was spent in the installed ledger folder.
  assert.ok(fs.existsSync(`${VAR}/ledger/data.mdb`), 'no LMDB ledger in /var/lib/smartgate/ledger');
  assert.equal(mode(`${VAR}/ledger/data.mdb`).split(' ')[1], 'www-data:www-data');
  await s.stop();
  s = null;
});

t.test('deb: a reinstall keeps the edited conffile, the keys, the registry and the ledger', () => {
  const conf = fs.readFileSync(`${ETC}/smartgate.conf`, 'utf8');
  assert.match(conf, /^public_url http:\/\/127\.0\.0\.1:/m, 'the test did not edit the conffile');
  fs.writeFileSync(`${ETC}/clients.json`, '[ ]\n');
  // Without --force-conf*: dpkg keeps a changed conffile silently when
  // the package's own version is unchanged, and would prompt (and fail,
  // stdin is closed) if it did not.
  ok('apt-get', ['install', '--reinstall', ...APT, path.resolve(deb)], { env: APT_ENV });
  assert.equal(fs.readFileSync(`${ETC}/smartgate.conf`, 'utf8'), conf);
  assert.equal(sha(`${ETC}/signing.pem`), before.signing);
  assert.equal(sha(`${ETC}/master.key`), before.master);
  assert.equal(fs.readFileSync(`${ETC}/clients.json`, 'utf8'), '[ ]\n');
  assert.ok(fs.existsSync(`${VAR}/ledger/data.mdb`));
  assert.equal(mode(`${ETC}/master.key`), '0600 www-data:www-data');
  assert.ok(fs.existsSync(CONF_ENABLED), 'a reinstall disabled the conf the administrator enabled');
});

t.test('deb: dpkg --purge leaves nothing behind, and disables the Apache conf', () => {
  ok('dpkg', ['--purge', 'smartgate']);
  assert.ok(!known(), 'dpkg still knows smartgate');
  const left = LEFTOVERS.filter((f) => { try { fs.lstatSync(f); return true; } catch { return false; } });
  assert.deepEqual(left, []);
  restoreApacheState();
  const after = snapshot();
  assert.deepEqual(after.filter((l) => !apacheBefore.includes(l)), [], 'left in Apache\'s configuration');
  assert.deepEqual(apacheBefore.filter((l) => !after.includes(l)), [], 'gone from Apache\'s configuration');
});

// a2enconf and apache2-maintscript-helper create their state folders
// (/var/lib/apache2/conf/enabled_by_admin, ...) when first used: empty
// ones that were not there before are removed again.
function restoreApacheState() {
  const had = new Set(apacheBefore.map((l) => l.split(' ')[0]));
  for (const d of ['enabled_by_admin', 'disabled_by_admin', 'enabled_by_maint', 'disabled_by_maint']) {
    const dir = `/var/lib/apache2/conf/${d}`;
    if (!had.has(dir)) try { fs.rmdirSync(dir); } catch { /* absent, or not empty: the comparison tells */ }
  }
}

if (process.getuid() !== 0) {
  console.log('deb: skipped: installing the package needs root (make check runs as root in CI)');
  console.log('deb: 0 passed, 0 failed');
} else if (process.env.SANITIZE === '1') {
  // The package is built with Debian's flags, never the sanitizers: the
  // plain `make check` has run this already; a second run tests nothing.
  console.log('deb: skipped in the sanitizer build (the package is built without sanitizers)');
  console.log('deb: 0 passed, 0 failed');
} else if (known()) {
  // Never touch a real installation.
  console.log('not ok - deb: smartgate is already installed on this machine; the test installs and purges it,'
    + ' so it refuses to run (dpkg --purge smartgate, if it is a test leftover)');
  console.log('deb: 0 passed, 1 failed');
  process.exitCode = 1;
} else {
  await t.run({
    after: async (_, failed) => {
      if (failed && s) console.log(`--- error log ---\n${s.errorLog().split('\n').slice(-40).join('\n')}`);
      if (s) await s.stop();
      // Whatever failed: the machine as it was.
      if (known()) {
        const r = run('dpkg', ['--purge', 'smartgate']);
        if (r.status !== 0) console.log(`dpkg --purge smartgate: ${r.stdout}${r.stderr}`);
      }
      restoreApacheState();
    },
  });
}
