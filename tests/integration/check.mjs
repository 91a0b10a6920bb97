// smartgate-check (tools/smartgate-check.c) against the running stack:
// it passes on the stack's configuration, which is the demo's (`make
// demo` runs tests/harness/demo.mjs, which starts this same stack with
// only its ports fixed), and finds each of a list of deliberate
// misconfigurations, one test each: exit status 1 and a line naming
// the problem, with file:line where there is one.  As root it runs
// with -u and the Apache user, as the README says to.
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { freePort, writeConfig } from '../harness/stack.mjs';
import { assert } from '../harness/t.mjs';

const USER = process.getuid() === 0 ? (process.env.SMARTGATE_TEST_USER || 'www-data') : null;

// Runs the checker (asynchronously: a fake peer may live in this process).
function check(s, conf, args = []) {
  return new Promise((resolve) => {
    execFile(`${s.bin}/smartgate-check`, ['-c', conf, ...(USER ? ['-u', USER] : []), ...args],
      { encoding: 'utf8', timeout: 60000 }, (err, stdout, stderr) => {
        resolve({ status: err ? err.code : 0, out: `${stdout}${stderr}` });
      });
  });
}

function chown(file) {
  if (USER) fs.chownSync(file, ...idsOf(USER));
}

function idsOf(user) {
  const line = fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${user}:`));
  const f = line.split(':');
  return [Number(f[2]), Number(f[3])];
}

// The line of the configuration file that sets name.
function lineOf(conf, name) {
  return fs.readFileSync(conf, 'utf8').split('\n').findIndex((l) => l.startsWith(`${name} `)) + 1;
}

export function checkTests(t, S) {
  let n = 0;
  // A folder of its own, and the stack's configuration with changes.
  function variant(changes = {}, setup) {
    const s = S();
    const dir = `${s.dir}/check-${++n}`;
    fs.mkdirSync(dir, { mode: 0o755 });
    fs.chmodSync(dir, 0o755);
    const more = setup ? setup(dir) || {} : {};
    const conf = `${dir}/smartgate.conf`;
    writeConfig(conf, { ...s.settings, ...changes, ...more });
    return { dir, conf };
  }
  // A private file owned by the programs' user.
  function secret(file, text, mode = 0o600) {
    fs.writeFileSync(file, text);
    fs.chmodSync(file, mode);
    chown(file);
    return file;
  }
  // Fails with exit status 1 and every pattern in the output.
  async function fails(conf, ...patterns) {
    const r = await check(S(), conf);
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, /^FAIL /m, r.out);
    for (const p of patterns) assert.match(r.out, p, r.out);
    assert.match(r.out, /smartgate-check: \d+ ok, \d+ warn, [1-9]\d* FAIL\n$/, r.out);
    return r.out;
  }
  const re = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

  t.test('check: passes (exit 0) on the demo configuration of the running stack', async () => {
    const s = S();
    const r = await check(s, s.conf);
    assert.equal(r.status, 0, r.out);
    assert.doesNotMatch(r.out, /^FAIL/m, r.out);
    for (const what of ['signing_key', 'master_key_file', 'clients_file', 'templates_dir', 'ledger',
      'idp_issuer', 'upstream_fhir'])
      assert.match(r.out, new RegExp(`^ok +${re(s.conf)}:${lineOf(s.conf, what)}: ${what}: `, 'm'), `${what}\n${r.out}`);
    assert.match(r.out, /^ok +.*issuer matches, JWKS with [1-9]\d* usable key/m);
    assert.match(r.out, /^ok +.*CapabilityStatement, FHIR 4\.0\.1/m);
    assert.match(r.out, /^ok +clock: within \d+ s of the FHIR server/m);
    assert.match(r.out, /^ok +.*start-up \(sg_proc_load\) succeeds/m);
    assert.match(r.out, /smartgate-check: \d+ ok, 0 warn, 0 FAIL\n$/);
    // -q: only the summary when all is well.
    const q = await check(s, s.conf, ['-q']);
    assert.equal(q.status, 0, q.out);
    assert.match(q.out, /^smartgate-check: \d+ ok, 0 warn, 0 FAIL\n$/, q.out);
  });

  t.test('check: passes with client credentials at the identity provider (upstream_token_url)', async () => {
    const s = S();
    const { conf } = variant({}, (dir) => ({ upstream_token_url: `${s.idp}/token`,
      upstream_client_id: 'smartgate-upstream',
      upstream_client_secret_file: secret(`${dir}/upstream-secret`, 'smartgate-upstream-secret\n') }));
    const r = await check(s, conf);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /^ok +.*upstream_token_url: .*client-credentials token for smartgate-upstream/m);
  });

  t.test('check: an unknown setting is named with file:line', async () => {
    const { conf } = variant();
    fs.appendFileSync(conf, 'frobnicate yes\n');
    const line = fs.readFileSync(conf, 'utf8').split('\n').length - 1;
    await fails(conf, new RegExp(`^FAIL ${re(conf)}:${line}: frobnicate: unknown setting`, 'm'));
  });

  t.test('check: a missing required setting is named', async () => {
    const { conf } = variant({ master_key_file: undefined });
    await fails(conf, new RegExp(`^FAIL ${re(conf)}: master_key_file: required setting missing`, 'm'));
  });

  t.test('check: a signing key readable by others (mode 0644) fails at its line', async () => {
    const s = S();
    const { conf } = variant({}, (dir) => {
      fs.copyFileSync(s.signingKey, `${dir}/signing.pem`);
      fs.chmodSync(`${dir}/signing.pem`, 0o644);
      return { signing_key: `${dir}/signing.pem` };
    });
    await fails(conf, new RegExp(`^FAIL ${re(conf)}:${lineOf(conf, 'signing_key')}: signing_key: .*signing\\.pem: readable by others`, 'm'));
  });

  t.test('check: a signing key that is missing, or no key, fails at its line', async () => {
    const { conf } = variant({}, (dir) => ({ signing_key: `${dir}/missing.pem` }));
    await fails(conf, new RegExp(`^FAIL ${re(conf)}:${lineOf(conf, 'signing_key')}: signing_key: .*missing\\.pem: No such file`, 'm'));
    const g = variant({}, (dir) => ({ signing_key: secret(`${dir}/garbage.pem`, 'not a key\n') }));
    await fails(g.conf, /^FAIL .*signing_key: .*garbage\.pem: not an unencrypted PEM private key/m);
  });

  t.test('check: a master key that is too short fails with the key file\'s line', async () => {
    const { conf } = variant({}, (dir) => ({ master_key_file: secret(`${dir}/master.key`,
      `# rotated\nk1 ${crypto.randomBytes(16).toString('base64url')}\n`) }));
    await fails(conf, new RegExp(`^FAIL ${re(conf)}:${lineOf(conf, 'master_key_file')}: master_key_file: .*master\\.key:2: secret must be base64url of 32\\.\\.64 bytes`, 'm'));
  });

  t.test('check: a master key readable by the group fails', async () => {
    const s = S();
    const { conf } = variant({}, (dir) => {
      fs.copyFileSync(s.masterKey, `${dir}/master.key`);
      chown(`${dir}/master.key`);
      fs.chmodSync(`${dir}/master.key`, 0o640);
      return { master_key_file: `${dir}/master.key` };
    });
    await fails(conf, /^FAIL .*master_key_file: .*master\.key: readable by group or others/m);
  });

  t.test('check: a client registry that is not JSON is named with its line', async () => {
    const { conf } = variant({}, (dir) => {
      fs.writeFileSync(`${dir}/clients.json`, '[\n  {\n    "client_id": "x",\n    "scope" "openid"\n  }\n]\n', { mode: 0o644 });
      return { clients_file: `${dir}/clients.json` };
    });
    await fails(conf, new RegExp(`^FAIL ${re(conf)}:${lineOf(conf, 'clients_file')}: clients_file: .*clients\\.json:4: JSON: `, 'm'));
  });

  t.test('check: a client with a plain-http redirect_uri is named with the field', async () => {
    const s = S();
    const { conf } = variant({}, (dir) => {
      const reg = structuredClone(s.clients.registry);
      const c = reg.find((x) => x.client_id === 'demo-public');
      c.redirect_uris = ['http://app.example.com/callback'];
      fs.writeFileSync(`${dir}/clients.json`, JSON.stringify(reg, null, 2), { mode: 0o644 });
      return { clients_file: `${dir}/clients.json` };
    });
    await fails(conf, /^FAIL .*clients_file: .*clients\.json: .*demo-public.*redirect_uris/m);
  });

  // Not an unclosed if: ClearSilver 0.10.5 leaks on it (tests/unit/test_tmpl.c).
  t.test('check: a template with a syntax error is named', async () => {
    const s = S();
    let line;
    const { conf } = variant({}, (dir) => {
      fs.cpSync(s.settings.templates_dir, `${dir}/templates`, { recursive: true });
      fs.appendFileSync(`${dir}/templates/error.cs`, '<p><?cs nosuchcommand:Page.Title ?></p>\n');
      line = fs.readFileSync(`${dir}/templates/error.cs`, 'utf8').split('\n').length - 1;
      execChmod(`${dir}/templates`);
      return { templates_dir: `${dir}/templates` };
    });
    await fails(conf, new RegExp(`^FAIL ${re(conf)}:${lineOf(conf, 'templates_dir')}: templates_dir: .*error\\.cs: does not parse: .*\\[error\\.cs:${line}\\] Unknown command`, 'm'));
  });

  t.test('check: a ledger folder the Apache user cannot write fails', async () => {
    const { conf } = variant({}, (dir) => {
      fs.mkdirSync(`${dir}/ledger`, { mode: 0o555 });
      fs.chmodSync(`${dir}/ledger`, USER ? 0o700 : 0o500);	// root's, or read-only
      return { ledger: `lmdb:${dir}/ledger` };
    });
    await fails(conf, new RegExp(`^FAIL ${re(conf)}:${lineOf(conf, 'ledger')}: ledger: lmdb:.*cannot write: .*(Permission denied|cannot open)`, 'm'));
  });

  t.test('check: an identity provider whose issuer differs from idp_issuer fails', async () => {
    const s = S();
    const { conf } = variant({ idp_issuer: s.idp.replace('127.0.0.1', 'localhost') });
    await fails(conf, new RegExp(`^FAIL ${re(conf)}:${lineOf(conf, 'idp_issuer')}: idp_issuer: .*issuer ${re(s.idp)} is not idp_issuer http://localhost`, 'm'));
  });

  t.test('check: an identity provider that does not answer fails', async () => {
    const port = await freePort();
    const { conf } = variant({ idp_issuer: `http://127.0.0.1:${port}` });
    await fails(conf, new RegExp(`^FAIL .*idp_issuer: discovery document http://127\\.0\\.0\\.1:${port}/\\.well-known/openid-configuration unusable: .*(onnect|refused)`, 'm'));
  });

  t.test('check: a FHIR server that does not answer fails', async () => {
    const port = await freePort();
    const { conf } = variant({ upstream_fhir: `http://127.0.0.1:${port}/fhir` });
    await fails(conf, new RegExp(`^FAIL ${re(conf)}:${lineOf(conf, 'upstream_fhir')}: upstream_fhir: .*/fhir/metadata: unreachable`, 'm'));
  });

  t.test('check: a missing upstream token file fails', async () => {
    const { conf } = variant({}, (dir) => ({ upstream_fhir_token_file: `${dir}/upstream-token` }));
    await fails(conf, new RegExp(`^FAIL ${re(conf)}:${lineOf(conf, 'upstream_fhir_token_file')}: upstream_fhir_token_file: .*upstream-token: No such file`, 'm'));
  });

  t.test('check: a wrong upstream client secret fails at the token endpoint', async () => {
    const s = S();
    const { conf } = variant({}, (dir) => ({ upstream_token_url: `${s.idp}/token`,
      upstream_client_id: 'smartgate-upstream',
      upstream_client_secret_file: secret(`${dir}/upstream-secret`, 'not-the-secret\n') }));
    await fails(conf, /^FAIL .*upstream_token_url: .*no token for upstream_client_id smartgate-upstream: .*answer 40[01].*invalid_client/m);
  });

  t.test('check: a clock two hours off the FHIR server\'s fails', async () => {
    const srv = http.createServer((req, res) => {
      res.setHeader('Date', new Date(Date.now() - 7200 * 1000).toUTCString());
      res.setHeader('Content-Type', 'application/fhir+json');
      res.end(JSON.stringify({ resourceType: 'CapabilityStatement', status: 'active', kind: 'instance',
        fhirVersion: '4.0.1', format: ['json'] }));
    });
    const port = await freePort();
    await new Promise((r) => srv.listen(port, '127.0.0.1', r));
    try {
      const { conf } = variant({ upstream_fhir: `http://127.0.0.1:${port}/fhir` });
      await fails(conf, /^FAIL clock: 7\d{3} s ahead of the FHIR server/m, /^ok +clock: within \d+ s of the identity provider/m);
    } finally {
      srv.close();
    }
  });
}

function execChmod(dir) {
  for (const e of fs.readdirSync(dir)) fs.chmodSync(`${dir}/${e}`, 0o644);
  fs.chmodSync(dir, 0o755);
}
