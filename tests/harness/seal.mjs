// A second, independent implementation of smartgate's sealed envelopes
// (src/seal.h), for tests that must forge what only the server can
// make: an expired code or cookie that is otherwise authentic; and for
// tests that look inside what the app cannot read (the access token).
// Reads the master key file, as the server does.
import crypto from 'node:crypto';
import fs from 'node:fs';

export const PURPOSE = {
  transaction: 'smartgate/transaction', code: 'smartgate/code',
  refresh: 'smartgate/refresh', launch: 'smartgate/launch',
  access: 'smartgate/access', manageLogin: 'smartgate/manage-login',
  manageSession: 'smartgate/manage-session',
};

function masterKeys(file) {
  return fs.readFileSync(file, 'utf8').split('\n').map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#')).map((l) => {
      const [kid, secret] = l.split(/\s+/);
      return { kid, secret: Buffer.from(secret, 'base64url') };
    });
}

// HKDF-SHA256(ikm = master secret, salt = "smartgate seal v1", info = purpose).
const keyFor = (mk, purpose) => Buffer.from(crypto.hkdfSync('sha256', mk.secret,
  Buffer.from('smartgate seal v1'), Buffer.from(purpose), 32));

export function unseal(file, purpose, text) {
  const raw = Buffer.from(text, 'base64url');
  const kidlen = raw[1];
  const kid = raw.subarray(2, 2 + kidlen).toString();
  const hdr = raw.subarray(0, 2 + kidlen + 8);
  const expiry = Number(hdr.readBigInt64BE(2 + kidlen));
  const nonce = raw.subarray(hdr.length, hdr.length + 12);
  const ct = raw.subarray(hdr.length + 12, raw.length - 16);
  const mk = masterKeys(file).find((k) => k.kid === kid);
  const d = crypto.createDecipheriv('aes-256-gcm', keyFor(mk, purpose), nonce);
  d.setAAD(Buffer.concat([Buffer.from(purpose), hdr]));
  d.setAuthTag(raw.subarray(raw.length - 16));
  return { kid, expiry, plain: Buffer.concat([d.update(ct), d.final()]).toString() };
}

export function seal(file, purpose, expiry, plain) {
  const mk = masterKeys(file)[0];
  const hdr = Buffer.alloc(2 + mk.kid.length + 8);
  hdr[0] = 1;
  hdr[1] = mk.kid.length;
  hdr.write(mk.kid, 2);
  hdr.writeBigInt64BE(BigInt(expiry), 2 + mk.kid.length);
  const nonce = crypto.randomBytes(12);
  const c = crypto.createCipheriv('aes-256-gcm', keyFor(mk, purpose), nonce);
  c.setAAD(Buffer.concat([Buffer.from(purpose), hdr]));
  const ct = Buffer.concat([c.update(Buffer.from(plain)), c.final()]);
  return Buffer.concat([hdr, nonce, ct, c.getAuthTag()]).toString('base64url');
}

// The same envelope, authentic, but expired `ago` seconds ago.
export function expire(file, purpose, text, ago = 5) {
  const { plain } = unseal(file, purpose, text);
  return seal(file, purpose, Math.floor(Date.now() / 1000) - ago, plain);
}

// The claims inside an access token (src/grant.h struct sg_access).
export function openAccess(file, text) {
  const { expiry, plain } = unseal(file, PURPOSE.access, text);
  return { expiry, claims: JSON.parse(plain) };
}
