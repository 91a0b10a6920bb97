// The connected-apps page (issue 8): [auth]/manage, advertised as
// management_endpoint.  A user signs in at the identity provider through
// a login transaction of the page's own, sees the apps they authorized
// and revokes one with a plain HTML form (CSRF token bound to the
// session cookie, no JavaScript); the proxy then refuses the grant's
// access token and its refresh token no longer refreshes.  In headless
// Chromium (the demo app authorized through the real flow, then the page
// with JavaScript off) and at the fetch level (CSRF, sessions, someone
// else's grant, a cookie of another purpose).
import { CookieJar, browserlessLogin, parseForms } from '../peers/oidc-login.mjs';
import { PURPOSE, seal } from '../harness/seal.mjs';
import { assert } from '../harness/t.mjs';
import { withBrowser } from './browser.mjs';
import { helpers } from './flows.mjs';

export function manageTests(t, S) {
  const h = helpers(S);
  const manageUrl = () => `${S().issuer}/manage`;
  const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

  // A grant of user for demo-public from the real flow, with its tokens.
  async function tokens(user = 'patient') {
    const c = await h.code({}, user);
    const { r, body } = await h.exchange(c);
    assert.equal(r.status, 200, JSON.stringify(body));
    return { ...body, gid: h.access(body.access_token).gid, pat: body.patient };
  }
  const fhir = (tok, pat = 'pat-1') => fetch(`${S().fhirBase}/Patient/${pat}`,
    { headers: { authorization: `Bearer ${tok}`, accept: 'application/fhir+json' } });
  const refresh = (tk) => h.token({ grant_type: 'refresh_token', refresh_token: tk.refresh_token,
    client_id: 'demo-public' });
  async function refused(tk, what) {
    assert.equal((await fhir(tk.access_token)).status, 401, `${what}: the proxy took a revoked grant's token`);
    const { r, body } = await refresh(tk);
    assert.equal(r.status, 400, `${what}: refresh`);
    assert.equal(body.error, 'invalid_grant', what);
  }

  // Signs user in to the page (fetch); returns the jar.
  async function signIn(user = 'patient') {
    const jar = new CookieJar();
    const next = await browserlessLogin({ authorizeUrl: manageUrl(), username: user, password: user,
      cookieJar: jar, stopPrefix: manageUrl() });
    assert.equal(next, manageUrl());
    return jar;
  }
  async function page(jar) {
    const r = await fetch(manageUrl(), { redirect: 'manual', headers: { cookie: jar.header(manageUrl()) } });
    const html = await r.text();
    const forms = parseForms(html, manageUrl()).filter((f) => f.method === 'POST');
    const field = (f, n) => (f.inputs.find((i) => i.name === n) || {}).value;
    return { r, html, csrf: forms.length ? field(forms[0], 'csrf') : undefined,
      grants: forms.filter((f) => field(f, 'action') === 'revoke').map((f) => field(f, 'grant')) };
  }
  function post(jar, fields, cookie) {
    return fetch(manageUrl(), { method: 'POST', redirect: 'manual', body: new URLSearchParams(fields),
      headers: { ...FORM, cookie: cookie ?? jar.header(manageUrl()) } });
  }

  t.test('manage: advertised as management_endpoint, and without a session it sends the browser to sign in', async () => {
    const s = S();
    const d = await (await fetch(`${s.fhirBase}/.well-known/smart-configuration`)).json();
    assert.equal(d.management_endpoint, manageUrl());
    const r = await fetch(manageUrl(), { redirect: 'manual' });
    assert.equal(r.status, 302);
    const to = new URL(r.headers.get('location'));
    assert.ok(to.href.startsWith(s.idp), `login goes to ${to.href}`);
    assert.equal(to.searchParams.get('redirect_uri'), `${s.issuer}/callback`);
    assert.equal(to.searchParams.get('code_challenge_method'), 'S256');
    const set = r.headers.getSetCookie();
    assert.ok(set.some((c) => /^sg_ml=[A-Za-z0-9_-]+;/.test(c) && /HttpOnly/.test(c) && /SameSite=Lax/.test(c)), set.join('\n'));
    assert.ok(!set.some((c) => c.startsWith('sg_tx=')), 'a manage login is no app transaction');
    assert.ok(!set.some((c) => c.startsWith('sg_ms=')), 'no session before the login');
  });

  t.test('manage: the session cookie is HttpOnly, SameSite=Lax, limited to the page, short-lived', async () => {
    const jar = new CookieJar();
    const seen = [];
    const orig = jar.store.bind(jar);
    jar.store = (url, lines) => { seen.push(...lines); orig(url, lines); };
    await browserlessLogin({ authorizeUrl: manageUrl(), username: 'patient', password: 'patient', cookieJar: jar,
      stopPrefix: manageUrl() });
    const c = seen.find((l) => l.startsWith('sg_ms='));
    assert.ok(c, seen.join('\n'));
    assert.match(c, /; Path=\/auth\/manage(;|$)/);
    assert.match(c, /; HttpOnly(;|$)/);
    assert.match(c, /; SameSite=Lax(;|$)/);
    const age = Number(/Max-Age=(\d+)/.exec(c)[1]);
    assert.ok(age > 0 && age <= 900, c);
    // The login transaction is spent.
    assert.ok(seen.some((l) => /^sg_ml=;.*Max-Age=0/.test(l)), seen.join('\n'));
  });

  t.test('manage: the page lists the user\'s apps only; a revoke needs the session\'s CSRF token; another\'s grant is refused', async () => {
    const mine = await tokens('patient');
    const theirs = await tokens('patient2');
    const jar = await signIn('patient');
    let p = await page(jar);
    assert.equal(p.r.status, 200, p.html);
    assert.match(p.r.headers.get('cache-control') || '', /no-store/);
    assert.ok(p.grants.includes(mine.gid), 'my grant is listed');
    assert.ok(!p.grants.includes(theirs.gid), 'someone else\'s grant is listed');
    assert.ok(p.html.includes('Demo SMART app'), 'app name');
    assert.match(p.html, /Offline/);
    assert.match(p.csrf || '', /^[A-Za-z0-9_-]{22}$/);

    // No token, a wrong token, a token from another session: refused.
    const other = await page(await signIn('patient'));
    for (const [what, csrf] of [['none', undefined], ['wrong', 'A'.repeat(22)], ['another session\'s', other.csrf]]) {
      const fields = { action: 'revoke', grant: mine.gid, ...(csrf ? { csrf } : {}) };
      const r = await post(jar, fields);
      assert.equal(r.status, 403, `${what} CSRF token`);
      assert.match(r.headers.get('content-type'), /^text\/html/);
      assert.match(await r.text(), /Request id/);
    }
    // A form without the session cookie: refused, nothing done.
    assert.equal((await post(jar, { csrf: p.csrf, action: 'revoke', grant: mine.gid }, '')).status, 403);
    // Someone else's grant id, with a good session and token: refused.
    let r = await post(jar, { csrf: p.csrf, action: 'revoke', grant: theirs.gid });
    assert.equal(r.status, 404);
    assert.match(await r.text(), /not among yours/);
    assert.equal((await fhir(theirs.access_token, theirs.pat)).status, 200, 'the other user\'s grant still works');
    assert.equal((await fhir(mine.access_token)).status, 200, 'nothing of mine was revoked yet');

    // The real thing: 303 back to the page, which no longer lists it.
    r = await post(jar, { csrf: p.csrf, action: 'revoke', grant: mine.gid });
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), `${manageUrl()}?done=revoked`);
    p = await page(jar);
    assert.ok(!p.grants.includes(mine.gid), 'the revoked grant is still listed');
    await refused(mine, 'revoked from the page');
  });

  t.test('manage: a cookie of another purpose is no session (the app transaction, a forged sealing)', async () => {
    const s = S();
    // A live app transaction cookie, presented as the session.
    const { jar } = await h.login({}, 'patient');
    const tx = jar.cookies.find((c) => c.name === 'sg_tx');
    assert.ok(tx, 'no transaction cookie');
    let r = await fetch(manageUrl(), { redirect: 'manual', headers: { cookie: `sg_ms=${tx.value}` } });
    assert.equal(r.status, 302, 'a transaction cookie was taken for a session');
    assert.ok(r.headers.get('location').startsWith(s.idp));
    // Session-shaped JSON sealed for the transaction purpose: still no.
    const now = Math.floor(Date.now() / 1000);
    const fake = seal(s.masterKey, PURPOSE.transaction, now + 300,
      JSON.stringify({ sub: 'patient', csrf: 'A'.repeat(22), at: now }));
    r = await fetch(manageUrl(), { redirect: 'manual', headers: { cookie: `sg_ms=${fake}` } });
    assert.equal(r.status, 302);
    r = await post(null, { csrf: 'A'.repeat(22), action: 'revoke', grant: 'B'.repeat(22) }, `sg_ms=${fake}`);
    assert.equal(r.status, 403);
    // And the manage login cookie is no app transaction at the callback.
    const m = await fetch(manageUrl(), { redirect: 'manual' });
    const ml = m.headers.getSetCookie().find((c) => c.startsWith('sg_ml=')).split(';')[0].slice(6);
    const state = new URL(m.headers.get('location')).searchParams.get('state');
    r = await fetch(`${s.issuer}/callback?code=x&state=${state}`, { redirect: 'manual', headers: { cookie: `sg_tx=${ml}` } });
    assert.equal(r.status, 400, 'a manage login cookie opened as a transaction');
  });

  t.test('manage: sign out ends the session', async () => {
    const jar = await signIn('patient');
    const p = await page(jar);
    const r = await post(jar, { csrf: p.csrf, action: 'signout' });
    assert.equal(r.status, 200);
    assert.match(await r.text(), /signed out/);
    jar.store(manageUrl(), r.headers.getSetCookie());
    assert.equal((await fetch(manageUrl(), { redirect: 'manual', headers: { cookie: jar.header(manageUrl()) } })).status, 302);
  });

  t.test('browser: the demo app authorized, then revoked from the connected-apps page (manage, no JavaScript)', async () => {
    const s = S();
    // The app, through the real flow (fhirclient needs JavaScript).
    const tk = await withBrowser({}, async (_context, pg) => {
      await pg.goto(`${s.base}/demo/app/launch.html`);
      await pg.waitForURL((u) => u.href.startsWith(`${s.idp}/interaction/`));
      await pg.fill('input[name="username"]', 'patient');
      await pg.fill('input[name="password"]', 'patient');
      await Promise.all([pg.waitForURL((u) => u.href.startsWith(`${s.issuer}/consent`)),
        pg.click('button[type="submit"]')]);
      await pg.click('button[name="decision"][value="approve"]');
      await pg.waitForURL((u) => u.href.startsWith(`${s.base}/demo/app/index.html`));
      await pg.waitForFunction(() => window.smartResult || window.smartError, null, { timeout: 15000 });
      return pg.evaluate(() => window.smartResult);
    });
    assert.ok(tk && tk.access_token && tk.refresh_token, `no tokens: ${JSON.stringify(tk)}`);
    const gid = h.access(tk.access_token).gid;
    assert.equal((await fhir(tk.access_token)).status, 200);

    // The page, in a browser without JavaScript: sign in, see, revoke.
    await withBrowser({ javaScriptEnabled: false }, async (_context, pg) => {
      await pg.goto(manageUrl());
      await pg.waitForURL((u) => u.href.startsWith(`${s.idp}/interaction/`));
      await pg.fill('input[name="username"]', 'patient');
      await pg.fill('input[name="password"]', 'patient');
      await Promise.all([pg.waitForURL((u) => u.href === manageUrl()), pg.click('button[type="submit"]')]);
      const item = pg.locator('li.app-grant', { has: pg.locator(`input[name="grant"][value="${gid}"]`) });
      assert.equal(await item.count(), 1, 'the app is not on the page');
      const text = await item.textContent();
      assert.ok(text.includes('Demo SMART app'), text);
      assert.match(text, /Offline/);
      assert.match(text, /pat-1/);
      // patient/*.rs in the consent page's words.
      assert.ok((await item.locator('ul.scopes li').count()) >= 1, text);
      await Promise.all([pg.waitForURL((u) => u.href === `${manageUrl()}?done=revoked`),
        item.locator('button[type="submit"]').click()]);
      assert.match(await pg.textContent('body'), /access was removed/);
      assert.equal(await pg.locator(`input[name="grant"][value="${gid}"]`).count(), 0, 'still listed');
    });
    await refused(tk, 'revoked in the browser');
  });
}
