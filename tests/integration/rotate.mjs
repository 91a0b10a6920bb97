// Key rotation end to end, exactly as README.md "Key rotation" tells
// it, on a stack of its own (it changes the keys): grants are live; a
// new master secret and a new signing key are added, the old ones kept;
// Apache reloads gracefully.  What was issued before keeps working
// (access token at the proxy, refresh token, id_token against the
// JWKS), what is issued after uses the new keys; once the old keys are
// removed, what only they kept alive is refused.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PURPOSE, unseal } from '../harness/seal.mjs';
import { ROOT, startStack, writeConfig } from '../harness/stack.mjs';
import { assert } from '../harness/t.mjs';
import { helpers } from './flows.mjs';

export function rotateTests(t) {
  t.test('key rotation: smartgate-keygen -a stops at the most master keys the programs load', () => {
    // A ninth line would make every program refuse the file at its
    // next start (keys.h SG_MAX_MASTER_KEYS): the gateway would be down.
    const dir = fs.mkdtempSync('/tmp/smartgate-kg-');
    try {
      const file = `${dir}/master.key`;
      const kg = () => spawnSync(path.join(ROOT, process.env.B || 'build', 'tools/smartgate-keygen'),
        ['-a', '-m', file], { encoding: 'utf8' });
      for (let i = 0; i < 8; i++) assert.equal(kg().status, 0);
      const before = fs.readFileSync(file, 'utf8');
      assert.equal(before.trim().split('\n').length, 8);
      const res = kg();
      assert.equal(res.status, 1);
      assert.match(res.stderr, /already 8 keys; remove the oldest first/);
      assert.equal(fs.readFileSync(file, 'utf8'), before, 'the file was changed');
      // A comment line is not a key: room again once one key is gone.
      fs.writeFileSync(file, `# retired keys removed\n${before.split('\n').slice(1).join('\n')}`);
      assert.equal(kg().status, 0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  t.test('key rotation: old tokens work until the old keys go, new ones use the new keys, the JWKS has both', async () => {
    const r = await startStack();
    try {
      const h = helpers(() => r);
      const user = process.getuid() === 0 ? (process.env.SMARTGATE_TEST_USER || 'www-data') : null;
      const kidOf = (purpose, tok) => unseal(r.masterKey, purpose, tok).kid;
      const fhir = async (tok) => (await fetch(`${r.fhirBase}/Patient/pat-1`,
        { headers: { authorization: `Bearer ${tok}` } })).status;
      const refresh = (rt) => h.token({ grant_type: 'refresh_token', refresh_token: rt, client_id: 'demo-public' });
      const issue = async () => {
        const { r: res, body } = await h.exchange(await h.code());
        assert.equal(res.status, 200, JSON.stringify(body));
        assert.ok(body.access_token && body.refresh_token && body.id_token);
        return body;
      };

      // Two live grants under the first keys: A is used across the
      // rotation, B is kept unused until the old keys are removed.
      const a = await issue();
      const b = await issue();
      const oldMaster = kidOf(PURPOSE.refresh, a.refresh_token);
      assert.equal(kidOf(PURPOSE.access, a.access_token), oldMaster);
      const oldIdKid = (await h.verify(a.id_token)).header.kid;
      assert.equal(fs.readFileSync(r.masterKey, 'utf8').trim().split('\n').length, 1);

      // README step 1: one keygen run, a new signing key file and a new
      // master secret put first in the existing master key file.
      const newPem = path.join(path.dirname(r.signingKey), 'signing-2.pem');
      const kg = spawnSync(`${r.bin}/smartgate-keygen`, [...(user ? ['-o', user] : []),
        '-k', newPem, '-a', '-m', r.masterKey], { encoding: 'utf8' });
      assert.equal(kg.status, 0, kg.stderr);
      const newIdKid = /^signing (\S+)$/m.exec(kg.stdout)[1];
      const newMaster = /^master (\S+)$/m.exec(kg.stdout)[1];
      assert.notEqual(newIdKid, oldIdKid);
      assert.notEqual(newMaster, oldMaster);
      const lines = fs.readFileSync(r.masterKey, 'utf8').trim().split('\n');
      assert.deepEqual(lines.map((l) => l.split(' ')[0]), [newMaster, oldMaster], 'new secret first, old kept');
      assert.equal(fs.statSync(r.masterKey).mode & 0o777, 0o600);
      // Step 2: the new signing key listed last (published, not yet
      // signing), then apachectl graceful.
      writeConfig(r.conf, { ...r.settings, signing_key: [r.signingKey, newPem] });
      await r.reload();

      // The JWKS publishes both signing keys.
      const kids = (await h.jwks()).map((k) => k.kid).sort();
      assert.deepEqual(kids, [newIdKid, oldIdKid].sort());
      // Issued before: the access token still opens at the proxy, the
      // id_token still verifies, the refresh token still refreshes and
      // what it gets is sealed under the new master secret.
      assert.equal(await fhir(a.access_token), 200, 'old access token refused after rotation');
      assert.equal((await h.verify(a.id_token)).header.kid, oldIdKid);
      let res = await refresh(a.refresh_token);
      assert.equal(res.r.status, 200, JSON.stringify(res.body));
      const a2 = res.body;
      assert.equal(kidOf(PURPOSE.refresh, a2.refresh_token), newMaster);
      assert.equal(kidOf(PURPOSE.access, a2.access_token), newMaster);
      assert.equal(await fhir(a2.access_token), 200);
      // Issued after: a new grant's tokens are sealed under the new
      // secret; its id_token is still signed with the old key.
      const c = await issue();
      assert.equal(kidOf(PURPOSE.refresh, c.refresh_token), newMaster);
      assert.equal(kidOf(PURPOSE.access, c.access_token), newMaster);
      assert.equal((await h.verify(c.id_token)).header.kid, oldIdKid, 'the new key signs before apps could know it');
      assert.equal(await fhir(c.access_token), 200);

      // Step 3, once apps' cached copies of the JWKS have expired: the
      // new signing key listed first, apachectl graceful.  It signs;
      // the old one is still published.
      writeConfig(r.conf, { ...r.settings, signing_key: [newPem, r.signingKey] });
      await r.reload();
      assert.deepEqual((await h.jwks()).map((k) => k.kid), [newIdKid, oldIdKid]);
      const d = await issue();
      const id = await h.verify(d.id_token);
      assert.equal(id.header.kid, newIdKid, 'id_token not signed with the new key');
      assert.equal(id.header.alg, 'RS256');
      assert.equal((await h.verify(a.id_token)).header.kid, oldIdKid);
      assert.equal((await h.verify(c.id_token)).header.kid, oldIdKid);
      assert.equal(await fhir(a.access_token), 200);

      // Step 4, after the longest lifetime: the old line out of the
      // master key file, the old key out of signing_key, reload.  What
      // only the old keys kept alive is refused now; the rest works.
      fs.writeFileSync(r.masterKey, `${fs.readFileSync(r.masterKey, 'utf8').split('\n')
        .filter((l) => !l.startsWith(`${oldMaster} `)).join('\n')}`);
      assert.equal(fs.statSync(r.masterKey).mode & 0o777, 0o600);
      writeConfig(r.conf, { ...r.settings, signing_key: [newPem] });
      await r.reload();
      assert.deepEqual((await h.jwks()).map((k) => k.kid), [newIdKid]);
      assert.equal(await fhir(a.access_token), 401, 'an access token sealed under the removed secret');
      res = await refresh(b.refresh_token);
      assert.equal(res.r.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.error, 'invalid_grant');
      assert.equal(await fhir(a2.access_token), 200);
      assert.equal(await fhir(c.access_token), 200);
      res = await refresh(a2.refresh_token);
      assert.equal(res.r.status, 200, JSON.stringify(res.body));
      assert.equal((await h.verify(d.id_token)).header.kid, newIdKid);
      await assert.rejects(h.verify(c.id_token), /kid not in our JWKS/);
      assert.ok(!(await h.jwks()).some((k) => k.kid === oldIdKid), 'old id_token key still published');
    } catch (e) {
      console.log(`--- error log (rotation stack) ---\n${r.errorLog().split('\n').slice(-30).join('\n')}`);
      throw e;
    } finally {
      await r.stop();
    }
  });
}
