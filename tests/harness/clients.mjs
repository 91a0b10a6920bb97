// The demo and test clients of smartgate (RFC 7591 metadata, as in a
// real clients_file), with the keys and secrets a test needs to act as
// them.  Secrets are stored as hashes, as smartgate-client does.
import crypto from 'node:crypto';

export const SECRETS = {
  'demo-confidential': 'demo-confidential-secret-0123456789abcdefghij',
  'demo-ehr': 'demo-ehr-secret-0123456789abcdefghijklmnopqrstu',
  'demo-resource-server': 'demo-resource-server-secret-0123456789abcdefg',
};

const hash = (s) => `sha256:${crypto.createHash('sha256').update(s).digest('base64url')}`;

function keyPair(kind) {
  const { privateKey, publicKey } = kind === 'rsa'
    ? crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
    : crypto.generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const jwk = publicKey.export({ format: 'jwk' });
  jwk.kid = `${kind}-${crypto.randomBytes(4).toString('hex')}`;
  jwk.alg = kind === 'rsa' ? 'RS384' : 'ES384';
  jwk.use = 'sig';
  return { privateKey, jwk, pem: privateKey.export({ type: 'pkcs8', format: 'pem' }) };
}

// Everything a SMART app may be given in the demo.
const SCOPE = 'openid fhirUser profile launch launch/patient launch/encounter ' +
  'offline_access online_access patient/*.cruds user/*.cruds';

export function makeClients(base) {
  const app = `${base}/demo/app/index.html`;
  const rs = keyPair('rsa');
  const es = keyPair('ec');
  const backend = keyPair('ec');
  const common = { redirect_uris: [app], scope: SCOPE, grant_types: ['authorization_code', 'refresh_token'] };
  const registry = [
    { client_id: 'demo-public', client_name: 'Demo SMART app', token_endpoint_auth_method: 'none',
      launch_uri: `${base}/demo/app/launch.html`, ...common },
    { client_id: 'demo-confidential', client_name: 'Demo confidential app',
      token_endpoint_auth_method: 'client_secret_basic', client_secret_hash: hash(SECRETS['demo-confidential']), ...common },
    { client_id: 'demo-post', client_name: 'Demo app (secret in body)',
      token_endpoint_auth_method: 'client_secret_post', client_secret_hash: hash(SECRETS['demo-confidential']), ...common },
    { client_id: 'demo-jwt-rs384', client_name: 'Demo app (RS384 assertion)',
      token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [rs.jwk] }, ...common },
    { client_id: 'demo-jwt-es384', client_name: 'Demo app (ES384 assertion, jwks_uri)',
      token_endpoint_auth_method: 'private_key_jwt', jwks_uri: `${base}/demo/jwks-es384.json`, ...common },
    // The same app on another origin (localhost, not 127.0.0.1): a
    // cross-origin app as most real ones are.
    { client_id: 'demo-other-origin', client_name: 'Demo SMART app (other origin)', token_endpoint_auth_method: 'none',
      redirect_uris: [app.replace('127.0.0.1', 'localhost')], scope: SCOPE, grant_types: ['authorization_code'] },
    { client_id: 'demo-narrow', client_name: 'Demo app <b>"narrow"</b>', token_endpoint_auth_method: 'none',
      redirect_uris: [app], scope: 'openid fhirUser launch/patient patient/Observation.rs',
      grant_types: ['authorization_code'] },
    // The EHR only mints launch contexts (smartgate_ehr); the registry
    // needs a grant type, and with scope "launch" a code gives it nothing.
    // No client_credentials: a client with a secret cannot use it.
    { client_id: 'demo-ehr', client_name: 'Demo EHR', token_endpoint_auth_method: 'client_secret_basic',
      client_secret_hash: hash(SECRETS['demo-ehr']), redirect_uris: [app], grant_types: ['authorization_code'],
      scope: 'launch', smartgate_ehr: true },
    // A resource server: introspects any token (RFC 7662).  It gets no
    // tokens of its own; the grant type and redirect URI are the least
    // a registration must have.
    { client_id: 'demo-resource-server', client_name: 'Demo resource server',
      token_endpoint_auth_method: 'client_secret_basic', client_secret_hash: hash(SECRETS['demo-resource-server']),
      redirect_uris: [app], scope: 'openid', grant_types: ['authorization_code'], smartgate_introspect: true },
    // SMART Backend Services: client_credentials with an ES384 assertion.
    { client_id: 'demo-backend', client_name: 'Demo backend service', token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [backend.jwk] }, grant_types: ['client_credentials'], scope: 'system/*.rs' },
  ];
  return { registry, keys: { 'demo-jwt-rs384': rs, 'demo-jwt-es384': es, 'demo-backend': backend },
    esJwks: { keys: [es.jwk] } };
}
