// Browser tests: the demo SMART app (fhirclient) launched standalone and
// from the demo EHR, through the IdP login and smartgate's consent page,
// in headless Debian Chromium driven by playwright-core; and the consent
// page on its own (screenshot, console errors, JavaScript disabled).
// Each test has a fresh profile, removed afterwards.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { ROOT } from '../harness/stack.mjs';
import { assert } from '../harness/t.mjs';

// playwright-core lives with the other test peers' packages.
const require = createRequire(path.join(ROOT, 'tests/peers/package.json'));
const { chromium } = require('playwright-core');

const CHROMIUM = ['/usr/lib/chromium/chromium', '/usr/bin/chromium'].find((f) => fs.existsSync(f));
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage'];
const TIMEOUT = 15000;

// Where the consent page screenshot goes: a scratch folder, not the repo.
export const SCREENSHOT = process.env.SMARTGATE_SCREENSHOT ||
  path.join(os.tmpdir(), 'smartgate-browser', 'consent.png');

// Runs fn(context, page) in a fresh persistent profile; always closes.
export async function withBrowser(options, fn) {
  if (!CHROMIUM) throw new Error('chromium not found (apt-get install chromium)');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'smartgate-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, headless: true, args: ARGS, ...options });
    context.setDefaultTimeout(TIMEOUT);
    const page = context.pages()[0] || await context.newPage();
    return await fn(context, page);
  } finally {
    if (context) await context.close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true, maxRetries: 3 });
  }
}

// On the IdP's login page: sign in.
async function login(page, s, user) {
  await page.waitForURL((u) => u.href.startsWith(`${s.idp}/interaction/`));
  await page.fill('input[name="username"]', user);
  await page.fill('input[name="password"]', user);
  await Promise.all([
    page.waitForURL((u) => u.href.startsWith(`${s.issuer}/consent`)),
    page.click('button[type="submit"]'),
  ]);
}

// On the consent page: checks it, then approves.  If the page has a
// patient picker, picks `patient`.
async function approve(page, { appName = 'Demo SMART app', patient } = {}) {
  const text = await page.textContent('body');
  assert.ok(text.includes(appName), `consent page does not name "${appName}": ${text.slice(0, 300)}`);
  assert.ok(await page.locator('input[type="checkbox"][name="scope"]').count() >= 1, 'no scope check box');
  if (patient && await page.locator('input[type="radio"][name="patient"]').count() > 0)
    await page.check(`input[type="radio"][name="patient"][value="${patient}"]`);
  await page.click('button[name="decision"][value="approve"]');
}

// The app page: waits for the token answer (or the app's error).
async function smartResult(page, s, base = s.base) {
  await page.waitForURL((u) => u.href.startsWith(`${base}/demo/app/index.html`));
  await page.waitForFunction(() => window.smartResult || window.smartError, null, { timeout: TIMEOUT });
  const { result, error } = await page.evaluate(() => ({ result: window.smartResult, error: window.smartError }));
  assert.ok(!error, `app failed: ${error}`);
  return result;
}

// The gateway's authorize URL, by hand (PKCE S256), for the pages alone.
function authorizeUrl(s) {
  const verifier = crypto.randomBytes(32).toString('base64url');
  const state = crypto.randomBytes(16).toString('base64url');
  const u = new URL(`${s.issuer}/authorize`);
  for (const [k, v] of Object.entries({
    response_type: 'code', client_id: 'demo-public', redirect_uri: `${s.base}/demo/app/index.html`,
    scope: 'launch/patient openid fhirUser profile patient/*.rs', state, aud: s.fhirBase,
    code_challenge: crypto.createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  })) u.searchParams.set(k, v);
  return { url: u.href, state };
}

// The redirect back to the app is what these tests look at, not the app:
// its library is not served (routes do not see redirected requests, so
// the page itself cannot be stubbed).  Resolves to the URL the gateway
// sent the browser to.
async function backAtApp(context, page, s) {
  const app = `${s.base}/demo/app/index.html`;
  await context.route(`${s.base}/demo/fhir-client.js`, (route) => route.abort());
  return page.waitForRequest((r) => r.isNavigationRequest() && r.url().split('?')[0] === app)
    .then((r) => r.url());
}

function assertBackAtApp(url, s, state) {
  const u = new URL(url);
  assert.equal(`${u.origin}${u.pathname}`, `${s.base}/demo/app/index.html`);
  assert.ok(u.searchParams.get('code'), `no code= in ${u.href}`);
  assert.equal(u.searchParams.get('state'), state);
  assert.equal(u.searchParams.get('iss'), s.issuer);	// RFC 9207
}

export function browserTests(t, getStack) {
  t.test('browser: an app on another origin completes a standalone launch', async () => {
    // The consent form's POST is answered by a redirect to the app's
    // origin, which the page's CSP form-action must allow.
    const s = getStack();
    const other = s.base.replace('127.0.0.1', 'localhost');
    await withBrowser({}, async (_context, page) => {
      await page.goto(`${other}/demo/app/launch.html?client=demo-other-origin&iss=${encodeURIComponent(s.fhirBase)}`);
      await login(page, s, 'patient');
      await approve(page, { appName: 'Demo SMART app (other origin)' });
      const r = await smartResult(page, s, other);
      assert.ok(r.access_token, 'no access_token');
      assert.equal(r.patient, 'pat-1');
    });
  });

  t.test('browser: standalone launch of the demo app (fhirclient), patient login, consent', async () => {
    const s = getStack();
    await withBrowser({}, async (_context, page) => {
      await page.goto(`${s.base}/demo/app/launch.html`);
      await login(page, s, 'patient');
      await approve(page, { patient: 'pat-1' });
      const r = await smartResult(page, s);
      assert.ok(r.access_token, 'no access_token');
      assert.equal(r.token_type, 'Bearer');
      assert.equal(r.patient, 'pat-1');
      assert.ok(r.scope.split(' ').includes('launch/patient'), `scope ${r.scope}`);
      assert.ok(r.id_token, 'no id_token');
    });
  });

  t.test('browser: the demo app shows only lab results when only lab results were approved', async () => {
    const s = getStack();
    await withBrowser({}, async (_context, page) => {
      await page.goto(`${s.base}/demo/app/launch.html?scope=${encodeURIComponent(
        'patient/Patient.rs patient/Observation.rs patient/Condition.rs')}`);
      await login(page, s, 'patient');
      // Untick every resource scope, tick the "Lab results" category.
      const boxes = page.locator('input[type="checkbox"][name="scope"]');
      let lab = 0;
      for (let i = 0; i < await boxes.count(); i++) {
        const box = boxes.nth(i);
        const v = await box.getAttribute('value');
        if (!/^(patient|user)\//.test(v)) continue;
        if (v.endsWith('|laboratory')) { await box.check(); lab++; } else await box.uncheck();
      }
      assert.equal(lab, 1, 'the consent page offers "lab results"');
      await page.click('button[name="decision"][value="approve"]');
      const r = await smartResult(page, s);
      assert.match(r.scope, /patient\/Observation\.rs\?category=.*\|laboratory/);
      assert.ok(!/patient\/(Patient|Condition)/.test(r.scope), r.scope);
      await page.waitForFunction(() => window.smartDone, null, { timeout: TIMEOUT });
      const d = await page.evaluate(() => window.smartData);
      assert.ok(d.observations && d.observations.length >= 2, JSON.stringify(d).slice(0, 300));
      for (const o of d.observations) assert.equal(o.category, 'laboratory', JSON.stringify(o));
      assert.equal(d.errors.conditions.status, 403, JSON.stringify(d.errors));
      assert.match(await page.textContent('body'), /[Nn]ot permitted/);
    });
  });

  t.test('browser: the demo app reads the patient through the proxy', async () => {
    const s = getStack();
    await withBrowser({}, async (_context, page) => {
      await page.goto(`${s.base}/demo/app/launch.html`);
      await login(page, s, 'patient');
      await approve(page, { patient: 'pat-1' });
      await smartResult(page, s);
      await page.waitForFunction(() => window.smartDone, null, { timeout: TIMEOUT });
      const d = await page.evaluate(() => window.smartData);
      assert.equal(d.patient.id, 'pat-1');
      assert.equal(d.patient.birthDate, '1987-02-20');
      assert.ok(d.observations.length >= 7 && d.conditions.length >= 3, JSON.stringify(d).slice(0, 300));
      const cats = new Set(d.observations.map((o) => o.category));
      assert.ok(cats.has('laboratory') && cats.has('vital-signs'), [...cats].join());
      assert.match(await page.textContent('body'), /Amy/);
    });
  });

  t.test('browser: EHR launch from the demo EHR, practitioner login, consent', async () => {
    const s = getStack();
    await withBrowser({}, async (_context, page) => {
      await page.goto(`${s.ehr}/`);
      const form = page.locator('form', { has: page.locator('input[name="patient"][value="pat-2"]') });
      await form.getByRole('button', { name: 'Launch demo app' }).click();
      await login(page, s, 'doctor');
      await approve(page);
      const r = await smartResult(page, s);
      assert.ok(r.access_token, 'no access_token');
      assert.equal(r.token_type, 'Bearer');
      assert.equal(r.patient, 'pat-2');
      assert.ok(r.encounter, 'no encounter');
      assert.equal(r.need_patient_banner, true);
    });
  });

  t.test('browser: consent page screenshot, no console errors', async () => {
    const s = getStack();
    await withBrowser({ viewport: { width: 1000, height: 900 } }, async (context, page) => {
      // Errors on the IdP's and the gateway's pages; the app's page is not ours.
      const errors = [];
      let atApp = false;
      page.on('console', (m) => { if (!atApp && m.type() === 'error') errors.push(`${m.location().url}: ${m.text()}`); });
      page.on('pageerror', (e) => { if (!atApp) errors.push(`page error: ${e.message}`); });
      const back = backAtApp(context, page, s).then((u) => { atApp = true; return u; });
      const { url, state } = authorizeUrl(s);
      await page.goto(url);
      await login(page, s, 'patient');
      await page.waitForLoadState('load');
      fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      console.log(`# consent page screenshot: ${SCREENSHOT}`);
      assert.deepEqual(errors, [], 'console errors on the gateway pages');
      await approve(page, { patient: 'pat-1' });
      assertBackAtApp(await back, s, state);
      assert.deepEqual(errors, [], 'console errors on the gateway pages');
    });
  });

  t.test('browser: the consent page works with JavaScript disabled', async () => {
    const s = getStack();
    await withBrowser({ javaScriptEnabled: false }, async (context, page) => {
      const back = backAtApp(context, page, s);
      const { url, state } = authorizeUrl(s);
      await page.goto(url);
      await login(page, s, 'patient');
      await approve(page, { patient: 'pat-1' });
      assertBackAtApp(await back, s, state);
    });
  });
}
