// Real codes and refresh tokens for the token endpoint benchmark,
// sealed with the stack's master key in smartgate's envelope format
// (src/grant.c sg_grant_seal, through the independent implementation in
// tests/harness/seal.mjs): the endpoint accepts them exactly as if they
// had come through authorize, login and consent, which would measure
// the identity provider rather than the token endpoint.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { PURPOSE, seal } from '../tests/harness/seal.mjs';

const VERIFIER = crypto.randomBytes(32).toString('base64url');
const CHALLENGE = crypto.createHash('sha256').update(VERIFIER).digest('base64url');
const id = () => crypto.randomBytes(16).toString('base64url');

function grant(s, scope) {
  return {
    gid: id(), cid: 'demo-public', scope, sub: 'bench-user', name: 'Bench User',
    fu: 'Patient/pat-1', nonce: 'n-bench', at: Math.floor(Date.now() / 1000),
    ctx: { patient: 'pat-1', need_patient_banner: true },
  };
}

// n form bodies for grant_type=authorization_code, one line each, into
// file; valid for 60 s (code_ttl at most), so mint just before use.
export function mintCodes(s, file, n, scope) {
  const now = Math.floor(Date.now() / 1000);
  const ru = `${s.base}/demo/app/index.html`;
  const lines = [];
  for (let i = 0; i < n; i++) {
    const code = seal(s.masterKey, PURPOSE.code, now + 60,
      JSON.stringify({ jti: id(), ...grant(s, scope), ru, cc: CHALLENGE }));
    lines.push(new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: ru,
      code_verifier: VERIFIER, client_id: 'demo-public' }).toString());
  }
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
}

// n refresh tokens (generation 0) of n distinct offline grants, one per
// line, into file: the start of n rotation chains.
export function mintRefresh(s, file, n, scope) {
  const now = Math.floor(Date.now() / 1000);
  const lines = [];
  for (let i = 0; i < n; i++)
    lines.push(seal(s.masterKey, PURPOSE.refresh, now + 86400, JSON.stringify({
      jti: id(), ...grant(s, scope), gexp: now + 86400, off: true })));
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
}

// n form bodies for grant_type=client_credentials as demo-backend
// (SMART Backend Services, private_key_jwt), one line each, into file:
// each assertion with a jti of its own (the endpoint refuses a replay),
// living 290 s (the gateway accepts at most 300), so mint just before
// use.  Signed here with the client's ES384 key, as the client would.
export function mintAssertions(s, file, n, scope = 'system/*.rs') {
  const now = Math.floor(Date.now() / 1000);
  const key = s.clients.keys['demo-backend'];
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = b64({ alg: key.jwk.alg, kid: key.jwk.kid, typ: 'JWT' });
  const lines = [];
  for (let i = 0; i < n; i++) {
    const input = `${head}.${b64({ iss: 'demo-backend', sub: 'demo-backend', aud: `${s.base}/auth/token`,
      exp: now + 290, iat: now, jti: id() })}`;
    const sig = crypto.sign('sha384', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
    lines.push(new URLSearchParams({ grant_type: 'client_credentials', scope,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: `${input}.${sig.toString('base64url')}` }).toString());
  }
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
}

// An access token for the FHIR proxy (src/grant.c sg_grant_access_token),
// living ttl seconds.
export function mintAccess(s, scope, patient = 'pat-1', ttl = 3600) {
  const now = Math.floor(Date.now() / 1000);
  return seal(s.masterKey, PURPOSE.access, now + ttl, JSON.stringify({
    jti: id(), gid: id(), cid: 'demo-public', scope, aud: s.fhirBase, sub: 'bench-user',
    fu: 'Patient/pat-1', ctx: { patient }, iat: now, exp: now + ttl }));
}
