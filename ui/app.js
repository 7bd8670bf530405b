// app: the console's shell.  Signs in (a credential token is exchanged for a
// session cookie at POST /v1/session), keeps the CSRF token for writes, draws the
// navigation for the role, and routes #/... to the pages of pages.js.  Every call
// goes to the public /v1 API; nothing is loaded from another origin and no HTML is
// built from data (text nodes only: see h()).
import { t, pickLanguage, setLanguage, language } from './i18n.js';
import { pages } from './pages.js';
import { state, api, hasRoute, h, errorBox, remember, forget } from './lib.js';

const main = () => document.getElementById('main');

// The pages each role sees, in the navigation's order (a page whose API route this
// deliberd does not have is left out).
const navByRole = {
  governance: ['overview', 'deliveries', 'destructions', 'amendments', 'audit', 'credentials'],
  auditor: ['overview', 'deliveries', 'destructions', 'audit', 'credentials'],
  delivery: ['deliberations', 'deliveries', 'credentials'],
  recipient: ['destructions', 'deliveries', 'deliberations', 'credentials'],
  output_checker: ['outputs', 'deliberations', 'credentials'],
};

function visible(name) {
  const need = pages[name] && pages[name].needs;
  return !need || (typeof need === 'function' ? need() : hasRoute('GET', need));
}

function drawChrome(active) {
  document.getElementById('lang-label').textContent = t('language');
  document.getElementById('foot').textContent = t('footer');
  const nav = document.getElementById('nav');
  const who = document.getElementById('who');
  const logout = document.getElementById('logout');
  nav.replaceChildren();
  if (!state.session) {
    who.textContent = '';
    logout.hidden = true;
    return;
  }
  for (const name of navByRole[state.session.role] || []) {
    if (!visible(name)) continue;
    nav.append(h('a', { href: `#/${name}`, 'aria-current': name === active ? 'page' : null },
      t(`nav_${name}`)));
  }
  who.textContent = t('signed_in_as', { name: state.session.name, role: t(`role_${state.session.role}`) });
  logout.hidden = false;
  logout.textContent = t('logout');
}

function signinPage(root) {
  const input = h('input', { id: 'token', type: 'password', autocomplete: 'off', required: true, size: 50 });
  const msg = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'stack signin', onsubmit: async (ev) => {
    ev.preventDefault();
    msg.replaceChildren();
    const r = await fetch('/v1/session', {
      method: 'POST', credentials: 'same-origin',
      headers: { Authorization: `Bearer ${input.value.trim()}`, Accept: 'application/json' },
    });
    input.value = '';
    const j = await r.json().catch(() => null);
    if (!r.ok) {
      msg.append(h('div', { class: 'error', role: 'alert' },
        t('bad_token', { message: j && j.error ? j.error.message : r.status })));
      return;
    }
    remember(j);
    await loadApi();
    location.hash = `#/${(navByRole[j.role] || ['deliberations'])[0]}`;
  } },
  h('label', { for: 'token' }, t('token')), input,
  h('div', {}, h('button', { type: 'submit' }, t('signin'))), msg);
  root.append(h('h1', {}, t('signin_title')), h('p', { class: 'signin' }, t('signin_help')), form);
}

async function loadApi() {
  try {
    state.api = await api('GET', '/v1/openapi.json');
  } catch (e) {
    state.api = null;
  }
}

let rendering = 0;
export async function render() {
  const ticket = ++rendering;
  document.body.dataset.busy = '1'; // for the browser tests: wait for busy 0
  const [name, ...args] = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  const root = main();
  if (!state.session) {
    drawChrome(null);
    root.replaceChildren();
    signinPage(root);
    document.title = `${t('signin')} · deliberd`;
    document.body.dataset.page = 'signin';
    document.body.dataset.busy = '0';
    return;
  }
  const page = pages[name] ? name : (navByRole[state.session.role] || ['deliberations'])[0];
  drawChrome(page);
  root.replaceChildren(h('p', {}, t('loading')));
  const body = h('div', {});
  try {
    await pages[page].render(body, ...args);
  } catch (e) {
    if (!body.querySelector('h1')) body.prepend(h('h1', {}, t(`nav_${page}`) === `nav_${page}` ? t('error') : t(`nav_${page}`)));
    body.append(errorBox(e));
  }
  if (ticket !== rendering) return; // a newer navigation won
  root.replaceChildren(body);
  const h1 = body.querySelector('h1');
  document.title = `${h1 ? h1.textContent : 'deliberd'} · deliberd`;
  root.focus();
  document.body.dataset.page = page;
  document.body.dataset.busy = '0';
}

async function start() {
  setLanguage(pickLanguage());
  const select = document.getElementById('lang');
  select.value = language();
  select.addEventListener('change', () => {
    localStorage.setItem('deliberd.lang', select.value);
    setLanguage(select.value);
    render();
  });
  document.getElementById('logout').addEventListener('click', async () => {
    try {
      await api('DELETE', '/v1/session');
    } catch (e) {
      // the session may have ended already: signed out either way
    }
    forget();
    location.hash = '#/signin';
    render();
  });
  // Only ask the server when this tab signed in: a fresh tab shows the sign-in page
  // without a refused request.
  if (sessionStorage.getItem('deliberd.session')) {
    try {
      const s = await api('GET', '/v1/session');
      if (s.session) remember(s);
      await loadApi();
    } catch (e) {
      forget();
    }
  }
  window.addEventListener('hashchange', render);
  await render();
}

start();
