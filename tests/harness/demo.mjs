// `make demo`: the whole stack on loopback with its embedded defaults,
// until Ctrl-C.  Port: DEMO_PORT (default 8080); the FHIR server and the
// identity provider take the next two ports.
import { startStack } from './stack.mjs';

const port = parseInt(process.env.DEMO_PORT || '8080', 10);
const s = await startStack({ port, fhirPort: port + 1, idpPort: port + 2, keep: false });

console.log(`
smartgate demo is running (Ctrl-C stops everything).

  SMART configuration   ${s.fhirBase}/.well-known/smart-configuration
  FHIR metadata         ${s.fhirBase}/metadata
  OpenID configuration  ${s.issuer}/.well-known/openid-configuration
  JWKS                  ${s.issuer}/jwks
  Style                 ${s.issuer}/smart-style.json

  Upstream FHIR server  ${s.upstream}   (demo data: Patient/pat-1, pat-2, pat-3)
  Identity provider     ${s.idp}/.well-known/openid-configuration
  Demo users            patient / patient   (Patient/pat-1)
                        patient2 / patient2 (Patient/pat-2)
                        doctor / doctor     (Practitioner/prac-1)

  Configuration         ${s.conf}
  Apache error log      ${s.dir}/logs/error.log
`);

await new Promise(() => {});	// until a signal; stack.mjs stops everything
