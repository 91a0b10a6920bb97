// Browserless login through an OAuth 2.0 / OpenID Connect authorization flow
// (test helper, not part of the product).  Plain fetch, manual redirects and
// a small cookie jar; the first HTML form with a password field is filled
// with username/password, wherever it appears (upstream IdP or a gateway).
//
//   import { browserlessLogin, CookieJar, pkcePair } from './oidc-login.mjs';
//   const url = await browserlessLogin({ authorizeUrl, username, password,
//       cookieJar: new CookieJar(), stopPrefix: 'http://127.0.0.1:8080/cb' });
//   const code = new URL(url).searchParams.get('code');

import crypto from 'node:crypto';

// A minimal RFC 6265 cookie store: host-only cookies, path prefix matching,
// Secure honoured, Max-Age/Expires deletion.  Enough for test peers.
export class CookieJar {
	constructor() {
		this.cookies = [];
	}

	store(url, setCookies) {
		const u = new URL(url);
		for (const line of setCookies) {
			const [pair, ...attrs] = line.split(';');
			const eq = pair.indexOf('=');
			if (eq <= 0)
				continue;
			const c = { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(),
				host: u.hostname, path: defaultPath(u.pathname), secure: false, expires: Infinity };
			for (const a of attrs) {
				const [k, ...v] = a.split('=');
				const key = k.trim().toLowerCase();
				const val = v.join('=').trim();
				if (key === 'path' && val.startsWith('/'))
					c.path = val;
				else if (key === 'secure')
					c.secure = true;
				else if (key === 'max-age')
					c.expires = Date.now() + Number(val) * 1000;
				else if (key === 'expires' && c.expires === Infinity)
					c.expires = Date.parse(val);
			}
			this.cookies = this.cookies.filter((o) => !(o.name === c.name && o.host === c.host && o.path === c.path));
			if (!(c.expires <= Date.now()))
				this.cookies.push(c);
		}
	}

	header(url) {
		const u = new URL(url);
		const now = Date.now();
		return this.cookies
			.filter((c) => c.host === u.hostname && c.expires > now && (!c.secure || u.protocol === 'https:')
				&& (u.pathname === c.path || u.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`)))
			.sort((a, b) => b.path.length - a.path.length)
			.map((c) => `${c.name}=${c.value}`)
			.join('; ');
	}
}

function defaultPath(p) {
	const i = p.lastIndexOf('/');
	return i <= 0 ? '/' : p.slice(0, i);
}

// RFC 7636 S256 verifier and challenge.
export function pkcePair() {
	const verifier = crypto.randomBytes(32).toString('base64url');
	const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
	return { verifier, challenge };
}

const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", '#39': "'" };
function unescapeHtml(s) {
	return s.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (m, e) => {
		if (e[0] === '#')
			return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
		return ENTITIES[e.toLowerCase()] ?? m;
	});
}

function attrs(tag) {
	const out = {};
	for (const m of tag.matchAll(/([\w:-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g))
		out[m[1].toLowerCase()] = unescapeHtml(m[2] ?? m[3] ?? m[4] ?? '');
	return out;
}

// Every <form> of a page: action (absolute), method, and its named inputs.
export function parseForms(html, baseUrl) {
	const forms = [];
	for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
		const fa = attrs(m[1]);
		const inputs = [];
		for (const im of m[2].matchAll(/<(input|button|textarea)\b([^>]*)>/gi)) {
			const a = attrs(im[2]);
			if (a.name)
				inputs.push({ tag: im[1].toLowerCase(), name: a.name, type: (a.type || 'text').toLowerCase(),
					value: a.value ?? '' });
		}
		forms.push({ action: new URL(fa.action || baseUrl, baseUrl).href,
			method: (fa.method || 'get').toUpperCase(), inputs });
	}
	return forms;
}

// Fields a browser would send for a form: hidden/text inputs with their
// values, no buttons (the first submit button only), overridden by `fill`.
function formFields(form, fill) {
	const body = new URLSearchParams();
	let submitted = false;
	for (const i of form.inputs) {
		if (i.type === 'submit' || i.tag === 'button') {
			if (!submitted && i.type !== 'button' && i.type !== 'reset')
				body.append(i.name, i.value);
			submitted = true;
		} else if (!(i.type === 'checkbox' || i.type === 'radio') || i.name in fill) {
			body.append(i.name, i.name in fill ? fill[i.name] : i.value);
		}
	}
	for (const [k, v] of Object.entries(fill))
		if (!body.has(k))
			body.append(k, v);
	return body;
}

// Follows the flow from authorizeUrl and returns the first redirect target
// that starts with stopPrefix or, without stopPrefix, that leaves the origin
// of authorizeUrl (normally the client's redirect_uri with code and state).
// The target itself is not fetched.  onForm(page) may handle any other form
// page (e.g. a consent or patient picker): return { form, fields } to submit,
// or nothing to fail.  Throws on a rejected login or an unexpected page.
export async function browserlessLogin({ authorizeUrl, username, password, cookieJar = new CookieJar(),
	stopPrefix, onForm, maxSteps = 25, headers = {} }) {
	const origin = new URL(authorizeUrl).origin;
	const isStop = (u) => (stopPrefix ? u.startsWith(stopPrefix) : new URL(u).origin !== origin);
	const trace = [];
	let req = { url: authorizeUrl, method: 'GET', body: undefined };
	const loginActions = new Set();
	for (let step = 0; step < maxSteps; step++) {
		const h = { ...headers, accept: 'text/html,application/xhtml+xml,*/*' };
		const cookie = cookieJar.header(req.url);
		if (cookie)
			h.cookie = cookie;
		if (req.body)
			h['content-type'] = 'application/x-www-form-urlencoded';
		const res = await fetch(req.url, { method: req.method, headers: h, body: req.body, redirect: 'manual' });
		cookieJar.store(req.url, res.headers.getSetCookie());
		trace.push(`${req.method} ${req.url} -> ${res.status}`);
		const location = res.headers.get('location');
		if (res.status >= 300 && res.status < 400 && location) {
			await res.arrayBuffer();
			const next = new URL(location, req.url).href;
			if (isStop(next))
				return next;
			const keep = res.status === 307 || res.status === 308;
			req = { url: next, method: keep ? req.method : 'GET', body: keep ? req.body : undefined };
			continue;
		}
		const html = await res.text();
		const forms = parseForms(html, req.url);
		const login = forms.find((f) => f.inputs.some((i) => i.type === 'password'));
		let chosen;
		if (login) {
			// The same login form again after submitting it: credentials rejected.
			if (loginActions.has(login.action))
				throw new Error(`login rejected for ${username}\n${trace.join('\n')}`);
			chosen = { form: login, fields: { username, password } };
			loginActions.add(login.action);
		} else if (onForm && forms.length) {
			chosen = await onForm({ url: req.url, status: res.status, html, forms });
		}
		if (!chosen)
			throw new Error(`unexpected page (${res.status}) at ${req.url}\n${trace.join('\n')}\n${html.slice(0, 500)}`);
		const body = formFields(chosen.form, chosen.fields || {});
		if (chosen.form.method === 'GET') {
			const u = new URL(chosen.form.action);
			u.search = body.toString();
			req = { url: u.href, method: 'GET', body: undefined };
			if (isStop(req.url))
				return req.url;
		} else {
			req = { url: chosen.form.action, method: 'POST', body: body.toString() };
		}
	}
	throw new Error(`too many steps\n${trace.join('\n')}`);
}
