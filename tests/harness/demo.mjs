// `make demo`: the whole stack on loopback with its embedded defaults,
// until Ctrl-C.  Port: DEMO_PORT (default 8080); the FHIR server, the
// identity provider and the demo EHR take the next three ports.
import { startStack } from './stack.mjs';
import { SECRETS } from './clients.mjs';

const port = parseInt(process.env.DEMO_PORT || '8080', 10);
const s = await startStack({ port, fhirPort: port + 1, idpPort: port + 2, ehrPort: port + 3, keep: false });

// The demo clients, and where the private keys of the private_key_jwt
// ones are (stack.mjs writes them to etc/<id>.pem), to try them by hand.
const clients = s.clients.registry.map((c) => {
  const how = c.token_endpoint_auth_method;
  let extra = '';
  if (SECRETS[c.client_id]) extra = `secret ${SECRETS[c.client_id]}`;
  else if (c.client_id in s.clients.keys) extra = `private key ${s.dir}/etc/${c.client_id}.pem (kid ${s.clients.keys[c.client_id].jwk.kid})`;
  else if (c.client_secret_hash) extra = `secret ${SECRETS['demo-confidential']}`;
  return `    ${c.client_id.padEnd(18)} ${how.padEnd(20)} ${extra}`.trimEnd();
}).join('\n');

console.log(`
smartgate demo is running (Ctrl-C stops everything).

  SMART configuration   ${s.fhirBase}/.well-known/smart-configuration
  FHIR metadata         ${s.fhirBase}/metadata
  OpenID configuration  ${s.issuer}/.well-known/openid-configuration
  JWKS                  ${s.issuer}/jwks
  Style                 ${s.issuer}/smart-style.json
  Connected apps        ${s.issuer}/manage   (a user sees and revokes the apps they authorized)

  Upstream FHIR server  ${s.upstream}   (demo data: Patient/pat-1, pat-2, pat-3)
  Demo SMART app        ${s.appLaunchUrl}   (standalone launch)
  Demo EHR              ${s.ehr}/   (EHR launch of the demo app)

  Identity provider     ${s.idp}/.well-known/openid-configuration
  Demo users            patient / patient   (Patient/pat-1)
                        patient2 / patient2 (Patient/pat-2)
                        doctor / doctor     (Practitioner/prac-1)

  Demo clients          ${s.clientsFile}
${clients}

  Backend services      POST ${s.issuer}/token  (demo-backend: grant_type=client_credentials,
                        scope=system/*.rs, an ES384 client_assertion; README "Backend services")

  Configuration         ${s.conf}
  Check it              ${s.bin}/smartgate-check -c ${s.conf}${process.getuid() === 0 ? ' -u www-data' : ''}
  Apache error log      ${s.dir}/logs/error.log
`);

await new Promise(() => {});	// until a signal; stack.mjs stops everything
