// lib: what every page uses: the API client (cookie session, CSRF header), the
// element builder (text nodes only, never HTML from data), dates in Brussels.
import { t } from './i18n.js';

export class ApiError extends Error {
  constructor(status, error) {
    super(error && error.message ? error.message : `HTTP ${status}`);
    this.status = status;
    this.code = error ? error.code : '';
    this.field = error ? error.field : '';
  }
}

// The session as GET /v1/session answers it (name, role, recipient, csrf_token,
// expires_at), and the API's own description (which routes this deliberd has).
export const state = { session: null, api: null };

export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET' && state.session) headers['X-CSRF-Token'] = state.session.csrf_token;
  const opt = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    opt.body = JSON.stringify(body);
  }
  const r = await fetch(path, opt);
  if (r.status === 204) return null;
  const j = await r.json().catch(() => null);
  if (r.status === 401 && state.session && path !== '/v1/session') {
    forget();
    location.hash = '#/signin';
  }
  if (!r.ok) throw new ApiError(r.status, j && j.error);
  return j;
}

// Does this deliberd serve METHOD PATH (a pattern of the OpenAPI description)?
export function hasRoute(method, pattern) {
  const p = state.api && state.api.paths && state.api.paths[pattern];
  return Boolean(p && p[method.toLowerCase()]);
}

// h('td', {class: 'num'}, 'text', child...): an element; strings become text nodes.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function badge(value, label) {
  return h('span', { class: `badge s-${value}` }, label ?? value);
}

export function errorBox(err) {
  const status = err && err.status ? err.status : '';
  return h('div', { class: 'error', role: 'alert' },
    status ? t('refused', { status, message: err.message }) : `${t('error')}: ${err && err.message}`);
}

// Today as a Europe/Brussels calendar date (the deliberation's dates decide).
export function today() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Brussels' }).format(new Date());
}

export function daysBetween(from, to) {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86400000);
}

export function refUrl(ref) { return String(ref).replace('/', '-'); }

export function remember(session) {
  state.session = session;
  sessionStorage.setItem('deliberd.session', '1');
}

export function forget() {
  state.session = null;
  sessionStorage.removeItem('deliberd.session');
}

