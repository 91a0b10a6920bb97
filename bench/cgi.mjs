// Plain CGI against FastCGI on the shared-hosting site
// (tests/harness/hosting.mjs: suEXEC, a non-root user, .htaccess):
// discovery, a refresh at the token endpoint and a proxied read, with
// cgi-script (a process per request) and with fcgid-script.
import path from 'node:path';
import { s, setHandler, startHosting, stopHosting } from '../tests/harness/hosting.mjs';
import { mintAccess, mintRefresh } from './mint.mjs';

const HERE = path.dirname(new URL(import.meta.url).pathname);
const SCOPE = 'launch/patient offline_access patient/*.rs';

export async function cgiBench(tmp, wrk, duration) {
  if (process.getuid() !== 0) {
    console.log('-- plain CGI: skipped (needs root: a user account and suEXEC)');
    return;
  }
  await startHosting();
  try {
    const file = path.join(tmp, 'cgi-refresh.txt');
    const access = mintAccess(s, 'launch/patient patient/*.rs');
    for (const handler of ['cgi-script', 'fcgid-script']) {
      setHandler(handler);
      console.log(`-- shared hosting, ${handler}, suEXEC`);
      const conf = `${s.fhirBase}/.well-known/smart-configuration`;
      const read = `${s.fhirBase}/Patient/pat-1`;
      const auth = ['-H', `Authorization: Bearer ${access}`];
      // Warm-up: mod_fcgid's processes, the page cache.
      wrk('warm-up', ['-t2', '-c8'], conf, [], 3);
      wrk(`${handler}: smart-configuration`, ['-t2', '-c8'], conf, [], duration);
      mintRefresh(s, file, 8, SCOPE);
      wrk(`${handler}: token (refresh)`, ['-t8', '-c8', '-s', `${HERE}/token-refresh.lua`], `${s.issuer}/token`,
        ['--', file, 'demo-public'], duration);
      wrk('warm-up', ['-t2', '-c8', ...auth], read, [], 2);
      wrk(`${handler}: proxied read (Patient)`, ['-t2', '-c8', ...auth], read, [], duration);
    }
  } finally {
    await stopHosting();
  }
}
