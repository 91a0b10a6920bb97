// The deployment recipes in docs/ walked through with stand-ins of the
// same shape, each with the configuration lines its recipe gives:
// - docs/RECIPE-entra-ahds.md: an identity provider shaped like Entra ID
//   (issuer with a tenant path, fhirUser in a directory extension claim
//   released without a scope, holding an absolute URL on the FHIR
//   service, unknown scopes refused) and a FHIR server that takes only
//   that provider's client-credentials tokens for its URL, as Azure
//   Health Data Services does (scope RESOURCE/.default);
// - docs/RECIPE-keycloak-hapi.md: a provider shaped like Keycloak
//   (issuer /realms/NAME, fhirUser from a user attribute mapper behind a
//   client scope of that name) and an open FHIR server, as HAPI is by
//   default.
// Each: discovery, the code flow with the user's identity as the IdP
// gave it, a proxied read, and a read the token does not cover.
import crypto from 'node:crypto';
import { freePort, startStack } from '../harness/stack.mjs';
import { assert } from '../harness/t.mjs';
import { helpers } from './flows.mjs';

// The recipes' own values.
const TENANT = crypto.randomUUID();
const ENTRA_CLAIM = `extension_${crypto.randomBytes(16).toString('hex')}_fhirUser`;

// Stack options for a recipe, given the FHIR server's URL.
const RECIPES = {
  'Entra ID + Azure Health Data Services': (upstream) => ({
    upstreamAuth: true,
    idpPath: `/${TENANT}/v2.0`,
    idpArgs: ['--user-claim', ENTRA_CLAIM, '--claim-scope', 'openid', '--fhir-user-base', upstream,
      '--only-scopes', 'openid profile email offline_access'],
    settings: { idp_scope: 'openid profile', idp_user_claim: ENTRA_CLAIM, upstream_scope: `${upstream}/.default` },
  }),
  'Keycloak + HAPI FHIR': () => ({ idpPath: '/realms/smart' }),
};

export function recipeTests(t, _S) {
  for (const [name, recipe] of Object.entries(RECIPES)) {
    let s;
    const S = () => s;
    const { code, exchange, verify, access } = helpers(S);

    t.test(`recipe ${name}: the code flow and a proxied read`, async () => {
      const fhirPort = await freePort();
      s = await startStack({ fhirPort, quiet: true, ...recipe(`http://127.0.0.1:${fhirPort}/fhir`) });
      try {
        const d = await (await fetch(`${s.fhirBase}/.well-known/smart-configuration`)).json();
        assert.equal(d.issuer, s.issuer);

        const c = await code();
        const { r, body } = await exchange(c);
        assert.equal(r.status, 200, JSON.stringify(body));
        assert.equal(body.patient, 'pat-1');
        // The IdP's identity, under our FHIR base whatever its shape.
        assert.equal((await verify(body.id_token)).claims.fhirUser, `${s.fhirBase}/Patient/pat-1`);
        assert.equal(access(body.access_token).fu, 'Patient/pat-1');

        const auth = { authorization: `Bearer ${body.access_token}` };
        let p = await fetch(`${s.fhirBase}/Patient/pat-1`, { headers: auth });
        const text = await p.text();
        assert.equal(p.status, 200, text);
        assert.equal(JSON.parse(text).id, 'pat-1');
        p = await fetch(`${s.fhirBase}/Patient/pat-2`, { headers: auth });
        assert.equal(p.status, 404, 'another patient reads as missing');
      } finally {
        await s.stop();
      }
    });
  }
}
