// pages: one function per page of the console, each drawing into root from the
// /v1 API.  Which page a role sees is app.js's business; what a role may read is
// the API's (a refused call is shown as such, never worked around).
import { t } from './i18n.js';
import { api, hasRoute, h, badge, errorBox, today, daysBetween, refUrl, state } from './lib.js';

const yesNo = (b) => (b ? t('yes') : t('no'));
const dash = (v) => (v === null || v === undefined || v === '' ? '—' : String(v));
const instant = (s) => (s ? String(s).replace('T', ' ').replace(/:\d\dZ$/, ' UTC').replace(/Z$/, ' UTC') : '—');
const nl = (text) => h('span', { lang: 'nl' }, dash(text)); // the deliberation's own words

function table(headers, rows, caption) {
  return h('table', {},
    caption ? h('caption', { class: 'sr' }, caption) : null,
    h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: headers.length }, t('none')))));
}

// Every page of a paged list (after=/next_after), up to max items.
async function allPages(path, member, max = 5000) {
  let items = [];
  let after = null;
  for (;;) {
    const sep = path.includes('?') ? '&' : '?';
    const j = await api('GET', after ? `${path}${sep}after=${after}` : path);
    items = items.concat(j[member] || []);
    after = j.next_after ?? j.next ?? null;
    if (!after || items.length >= max) return items;
  }
}

// The version in force on day (latest in_force_from on or before it), or null.
function versionOn(versions, day) {
  let best = null;
  for (const v of versions) if (v.in_force_from <= day && (!best || v.in_force_from > best.in_force_from)) best = v;
  return best;
}

function statusBadge(s) { return badge(s, t(`st_${s}`)); }

// ---- overview: every deliberation with its deadline and what is open ----

async function overview(root) {
  root.append(h('h1', {}, t('overview')));
  const { deliberations } = await api('GET', '/v1/deliberations');
  const day = today();
  const orders = hasRoute('GET', '/v1/destructions') && ['governance', 'auditor', 'recipient'].includes(state.session.role)
    ? await allPages('/v1/destructions?limit=1000', 'destructions') : null;
  let attestations = null;
  if (hasRoute('GET', '/v1/attestations')) {
    try {
      const j = await api('GET', '/v1/attestations');
      attestations = Array.isArray(j) ? j : (j.attestations || []);
    } catch (e) {
      attestations = null;
    }
  }
  const cards = h('div', { class: 'cards' });
  for (const d of deliberations) {
    const { versions } = await api('GET', `/v1/deliberations/${refUrl(d.reference)}/versions`);
    const v = versionOn(versions, day) || versions[versions.length - 1];
    const deadline = v ? v.retention_until : null;
    const left = deadline ? daysBetween(day, deadline) : null;
    const mine = (orders || []).filter((o) => o.deliberation === d.reference);
    const count = (s) => (orders ? mine.filter((o) => o.status === s).length : t('not_available'));
    const pending = attestations
      ? attestations.filter((a) => (a.deliberation === d.reference || !a.deliberation) &&
          (a.status === 'pending' || a.status === 'open' || a.status === 'escalated' || (!a.status && !a.answered_at))).length
      : t('not_available');
    cards.append(h('section', { class: 'card', 'aria-labelledby': `d-${refUrl(d.reference)}` },
      h('h2', { id: `d-${refUrl(d.reference)}` },
        h('a', { href: `#/deliberation/${refUrl(d.reference)}` }, `${t('deliberation')} ${d.reference}`)),
      h('p', {}, nl(d.title)),
      h('dl', { class: 'kv' },
        h('dt', {}, t('version')), h('dd', {}, v ? `${v.version} (${t('in_force_from')} ${v.in_force_from})` : '—'),
        h('dt', {}, t('deadline')), h('dd', {}, dash(deadline)),
        h('dt', {}, t('days_left')), h('dd', {}, left === null ? '—'
          : left >= 0 ? t('days_left_n', { n: left }) : h('span', { class: 's-overdue' }, t('days_past_n', { n: -left }))),
        h('dt', {}, t('orders_open')), h('dd', {}, String(count('open'))),
        h('dt', {}, t('orders_overdue')), h('dd', { class: count('overdue') > 0 ? 's-overdue' : null }, String(count('overdue'))),
        h('dt', {}, t('orders_held')), h('dd', {}, String(count('on_hold'))),
        h('dt', {}, t('attestations_pending')), h('dd', {}, String(pending)))));
  }
  root.append(deliberations.length ? cards : h('p', {}, t('none')));
}

async function deliberationsList(root) {
  root.append(h('h1', {}, t('nav_deliberations')));
  const { deliberations } = await api('GET', '/v1/deliberations');
  root.append(table([t('reference'), t('title'), t('versions'), t('in_force_from')],
    deliberations.map((d) => h('tr', {},
      h('td', {}, h('a', { href: `#/deliberation/${refUrl(d.reference)}` }, d.reference)),
      h('td', {}, nl(d.title)), h('td', { class: 'num' }, String(d.versions)),
      h('td', {}, dash(d.latest_in_force_from))))));
}

// ---- one deliberation: timeline, terms on a date, difference of two versions ----

function termsView(terms) {
  const box = h('div', {});
  if (terms.in_force === false) {
    box.append(h('p', { class: 'notice' }, t('no_version_in_force', { date: terms.at })));
    return box;
  }
  box.append(h('dl', { class: 'kv' },
    h('dt', {}, t('version')), h('dd', {}, String(terms.version)),
    h('dt', {}, t('in_force_from')), h('dd', {}, dash(terms.in_force_from)),
    h('dt', {}, t('deadline')), h('dd', {}, dash(terms.retention_until)),
    h('dt', {}, t('recipients')), h('dd', {}, (terms.recipients || []).join(', ') || '—')));
  if (!terms.terms_on_record) {
    box.append(h('p', { class: 'notice' }, t('terms_not_on_record')));
    return box;
  }
  box.append(h('h3', {}, t('groups')), table([t('code'), t('description'), t('population'), t('caps')],
    (terms.groups || []).map((g) => h('tr', {}, h('td', {}, h('code', {}, g.code)), h('td', {}, nl(g.description)),
      h('td', { class: 'num' }, dash(g.population)),
      h('td', {}, (g.caps || []).map((c) => t('cap_phase', { phase: c.phase, persons: c.persons })).join('; ') || '—')))));
  box.append(h('h3', {}, t('phases')), table([t('phase'), t('description'), t('destinations')],
    (terms.phases || []).map((p) => h('tr', {}, h('td', { class: 'num' }, String(p.number)),
      h('td', {}, nl(p.description)), h('td', {}, (p.destinations || []).join(', '))))));
  box.append(h('details', {}, h('summary', {}, `${t('variables')} (${(terms.variables || []).length})`),
    table([t('code'), t('section'), t('type'), t('label'), t('required')],
      (terms.variables || []).map((v) => h('tr', {}, h('td', {}, h('code', {}, v.code)), h('td', {}, dash(v.section)),
        h('td', {}, dash(v.type)), h('td', {}, nl(v.label)), h('td', {}, yesNo(v.required)))))));
  return box;
}

const brief = (v) => (v === undefined ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v));

// Rows [item, in A, in B, kind] of what differs between the terms of two versions.
function termsDiff(a, b) {
  const rows = [];
  const cmp = (item, x, y) => {
    const sx = brief(x), sy = brief(y);
    if (sx !== sy) rows.push([item, sx, sy, x === undefined ? 'added' : y === undefined ? 'removed' : 'changed']);
  };
  cmp(t('deadline'), a.retention_until ?? null, b.retention_until ?? null);
  cmp(t('recipients'), (a.recipients || []).join(', '), (b.recipients || []).join(', '));
  const keyed = (list, key) => Object.fromEntries((list || []).map((x) => [x[key], x]));
  const each = (title, la, lb, key, fields) => {
    const ka = keyed(la, key), kb = keyed(lb, key);
    for (const k of [...new Set([...Object.keys(ka), ...Object.keys(kb)])].sort()) {
      if (!(k in ka) || !(k in kb)) { cmp(`${title} ${k}`, ka[k] && fields(ka[k]), kb[k] && fields(kb[k])); continue; }
      const fa = fields(ka[k]), fb = fields(kb[k]);
      for (const f of [...new Set([...Object.keys(fa), ...Object.keys(fb)])].sort())
        cmp(`${title} ${k}: ${f}`, fa[f], fb[f]);
    }
  };
  each(t('group'), a.groups, b.groups, 'code', (g) => ({ description: g.description, population: g.population,
    caps: (g.caps || []).map((c) => t('cap_phase', { phase: c.phase, persons: c.persons })).join('; ') }));
  each(t('phase'), a.phases, b.phases, 'number', (p) => ({ destinations: (p.destinations || []).join(', '), description: p.description }));
  each(t('variables'), a.variables, b.variables, 'code', (v) => {
    const o = { ...v };
    delete o.code;
    return o;
  });
  return rows;
}

async function deliberation(root, ref) {
  const d = await api('GET', `/v1/deliberations/${encodeURIComponent(ref)}`);
  const day = today();
  const versions = d.versions || [];
  const current = versionOn(versions, day);
  root.append(h('h1', {}, `${t('deliberation')} ${d.reference}`), h('p', {}, nl(d.title)));
  root.append(h('h2', {}, t('timeline')), h('ol', { class: 'timeline' }, versions.map((v) =>
    h('li', { class: current && v.version === current.version ? 'current' : null },
      h('strong', {}, `${t('version')} ${v.version}`), h('br'),
      `${t('decided_on')} ${dash(v.decided_on)}`, h('br'), `${t('in_force_from')} ${dash(v.in_force_from)}`, h('br'),
      `${t('deadline')}: ${dash(v.retention_until)}`, h('br'),
      `${t('terms_on_record')}: ${yesNo(v.terms_on_record)}`,
      current && v.version === current.version ? [h('br'), badge('ok', t('current'))] : null,
      h('p', {}, nl(v.summary))))));

  // terms in force on a chosen date
  const termsBox = h('div', { 'aria-live': 'polite' });
  const dateIn = h('input', { id: 'terms-date', type: 'date', value: day, required: true });
  const showTerms = async () => {
    termsBox.replaceChildren(h('p', {}, t('loading')));
    const first = versions.length ? versions[0].in_force_from : day;
    if (dateIn.value < first) {
      termsBox.replaceChildren(h('p', { class: 'notice' }, t('no_version_in_force', { date: dateIn.value })));
      return;
    }
    try {
      termsBox.replaceChildren(termsView(await api('GET', `/v1/deliberations/${refUrl(d.reference)}/terms?at=${dateIn.value}`)));
    } catch (e) {
      termsBox.replaceChildren(errorBox(e));
    }
  };
  root.append(h('h2', {}, t('terms_on_date')),
    h('form', { class: 'filters', onsubmit: (ev) => { ev.preventDefault(); showTerms(); } },
      h('label', { for: 'terms-date' }, t('date'), dateIn), h('button', { type: 'submit' }, t('show'))), termsBox);

  // side-by-side difference of two versions (each version's terms are those in
  // force from its in_force_from)
  const options = () => versions.map((v) => h('option', { value: String(v.version) }, `${t('version')} ${v.version} (${v.in_force_from})`));
  const selA = h('select', { id: 'diff-a' }, options());
  const selB = h('select', { id: 'diff-b' }, options());
  if (versions.length > 1) {
    selA.value = String(versions[versions.length - 2].version);
    selB.value = String(versions[versions.length - 1].version);
  }
  const diffBox = h('div', { 'aria-live': 'polite' });
  const showDiff = async () => {
    const va = versions.find((v) => String(v.version) === selA.value);
    const vb = versions.find((v) => String(v.version) === selB.value);
    try {
      const [ta, tb] = await Promise.all([va, vb].map((v) =>
        api('GET', `/v1/deliberations/${refUrl(d.reference)}/terms?at=${v.in_force_from}`)));
      const rows = termsDiff(ta, tb);
      const notes = [ta, tb].filter((x) => !x.terms_on_record)
        .map((x) => h('p', { class: 'notice' }, `${t('version')} ${x.version}: ${t('terms_not_on_record')}`));
      diffBox.replaceChildren(...notes, rows.length === 0 ? h('p', {}, t('unchanged'))
        : table([t('item'), `${t('version')} ${va.version}`, `${t('version')} ${vb.version}`],
          rows.map(([item, x, y, kind]) => h('tr', { class: `diff-${kind}` }, h('th', { scope: 'row' }, item, ' ', h('span', { class: 'badge' }, t(kind))),
            h('td', { lang: 'nl' }, x), h('td', { lang: 'nl' }, y)))));
    } catch (e) {
      diffBox.replaceChildren(errorBox(e));
    }
  };
  root.append(h('h2', {}, t('compare')),
    h('form', { class: 'filters', onsubmit: (ev) => { ev.preventDefault(); showDiff(); } },
      h('label', { for: 'diff-a' }, 'A', selA), h('label', { for: 'diff-b' }, 'B', selB),
      h('button', { type: 'submit' }, t('compare_btn'))), diffBox);
  await Promise.all([showTerms(), versions.length > 1 ? showDiff() : null]);
}

// ---- delivery register ----

async function deliveries(root) {
  root.append(h('h1', {}, t('deliveries')));
  const { deliberations } = await api('GET', '/v1/deliberations');
  const delib = h('select', { id: 'f-deliberation' }, h('option', { value: '' }, t('any')),
    deliberations.map((d) => h('option', { value: refUrl(d.reference) }, d.reference)));
  const recip = h('input', { id: 'f-recipient', type: 'text', size: 18, pattern: '[a-z0-9][a-z0-9._-]{0,62}' });
  if (state.session.role === 'recipient') { recip.value = state.session.recipient; recip.readOnly = true; }
  const verdict = h('select', { id: 'f-verdict' }, h('option', { value: '' }, t('any')),
    h('option', { value: 'pass' }, t('pass')), h('option', { value: 'fail' }, t('fail')));
  const body = h('tbody', {});
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, t('more'));
  let next = null;
  const load = async (reset) => {
    const q = new URLSearchParams({ limit: '100' });
    if (delib.value) q.set('deliberation', delib.value);
    if (recip.value && state.session.role !== 'recipient') q.set('recipient', recip.value);
    if (verdict.value) q.set('verdict', verdict.value);
    if (!reset && next) q.set('after', next);
    if (reset) body.replaceChildren();
    const j = await api('GET', `/v1/deliveries?${q}`);
    for (const x of j.deliveries) {
      body.append(h('tr', {}, h('td', { class: 'num' }, String(x.id)), h('td', {}, x.deliberation),
        h('td', {}, x.recipient), h('td', {}, h('code', {}, x.group)), h('td', { class: 'num' }, String(x.phase)),
        h('td', {}, dash(x.destination)), h('td', {}, dash(x.date)), h('td', {}, badge(x.verdict, t(x.verdict))),
        h('td', { class: 'num' }, String(x.rows)), h('td', { class: 'num' }, String(x.persons)),
        h('td', {}, x.shipped ? instant(x.shipped_at) : '—'), h('td', {}, h('code', {}, `${String(x.sha256).slice(0, 16)}…`))));
    }
    if (!body.children.length) body.append(h('tr', {}, h('td', { colspan: 12 }, t('none'))));
    next = j.next_after;
    more.hidden = !next;
  };
  more.addEventListener('click', () => load(false));
  const form = h('form', { class: 'filters', onsubmit: (ev) => { ev.preventDefault(); load(true).catch((e) => body.replaceChildren(h('tr', {}, h('td', { colspan: 12 }, errorBox(e))))); } },
    h('label', { for: 'f-deliberation' }, t('deliberation'), delib),
    h('label', { for: 'f-recipient' }, t('recipient'), recip),
    h('label', { for: 'f-verdict' }, t('verdict'), verdict),
    h('button', { type: 'submit' }, t('filter')));
  root.append(form, h('table', {},
    h('thead', {}, h('tr', {}, [t('id'), t('deliberation'), t('recipient'), t('group'), t('phase'), t('destination'),
      t('date'), t('verdict'), t('rows'), t('persons'), t('shipped'), 'SHA-256'].map((x) => h('th', { scope: 'col' }, x)))),
    body), more);
  await load(true);
}

// ---- destruction orders ----

async function destructions(root) {
  root.append(h('h1', {}, t('destructions')));
  const status = h('select', { id: 'f-status' }, h('option', { value: '' }, t('any')),
    ['open', 'overdue', 'on_hold', 'confirmed', 'cancelled'].map((s) => h('option', { value: s }, t(`st_${s}`))));
  const body = h('tbody', {});
  const load = async () => {
    const q = new URLSearchParams({ limit: '1000' });
    if (status.value) q.set('status', status.value);
    const list = await allPages(`/v1/destructions?${q}`, 'destructions');
    body.replaceChildren(...list.map((o) => h('tr', {},
      h('td', { class: 'num' }, h('a', { href: `#/destruction/${o.id}` }, String(o.id))),
      h('td', {}, o.deliberation), h('td', {}, o.recipient), h('td', {}, dash(o.trigger)),
      h('td', {}, instant(o.due_at)), h('td', {}, statusBadge(o.status)),
      h('td', {}, o.certificate ? h('a', { href: `#/certificate/${o.certificate}` }, o.certificate) : '—'))));
    if (!list.length) body.append(h('tr', {}, h('td', { colspan: 7 }, t('none'))));
  };
  root.append(h('form', { class: 'filters', onsubmit: (ev) => { ev.preventDefault(); load().catch((e) => body.replaceChildren(h('tr', {}, h('td', { colspan: 7 }, errorBox(e))))); } },
    h('label', { for: 'f-status' }, t('status'), status), h('button', { type: 'submit' }, t('filter'))),
  h('table', {}, h('thead', {}, h('tr', {}, [t('id'), t('deliberation'), t('recipient'), t('trigger'), t('due_at'),
    t('status'), t('certificate')].map((x) => h('th', { scope: 'col' }, x)))), body));
  await load();
}

const lines = (s) => s.split('\n').map((x) => x.trim()).filter(Boolean);

function confirmForm(order, done) {
  const nowIso = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const field = (id, label, input) => h('label', { for: id }, label, input);
  const input = (id, attrs = {}) => h('input', { id, type: 'text', required: true, size: 40, ...attrs });
  const name = input('c-name', { autocomplete: 'name' });
  const fn = input('c-function');
  const at = input('c-at', { value: nowIso });
  const cat = h('select', { id: 'c-category' }, ['clear', 'purge', 'destroy'].map((c) => h('option', { value: c }, c)));
  const desc = input('c-description');
  const tool = input('c-tool');
  const backups = h('input', { id: 'c-backups', type: 'checkbox' });
  const backupLoc = h('textarea', { id: 'c-backup-locations', rows: 2, cols: 40 });
  const derived = h('input', { id: 'c-derived', type: 'checkbox' });
  const derivedLoc = h('textarea', { id: 'c-derived-locations', rows: 2, cols: 40 });
  const hashes = (order.deliveries || []).map((d, i) => h('label', { class: 'check', for: `c-sha-${i}` },
    h('input', { id: `c-sha-${i}`, type: 'checkbox', value: d.sha256, class: 'c-sha' }),
    h('span', {}, `${t('id')} ${d.id} · `, h('code', {}, d.sha256))));
  const msg = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'stack', id: 'confirm-form', onsubmit: async (ev) => {
    ev.preventDefault();
    msg.replaceChildren();
    const body = {
      performed_by: { name: name.value, function: fn.value },
      performed_at: at.value,
      method: { category: cat.value, description: desc.value, tool: tool.value },
      backups_included: backups.checked, backup_locations: backups.checked ? lines(backupLoc.value) : [],
      derived_copies_included: derived.checked, derived_copy_locations: derived.checked ? lines(derivedLoc.value) : [],
      sha256: [...form.querySelectorAll('input.c-sha:checked')].map((x) => x.value),
    };
    try {
      const j = await api('POST', `/v1/destructions/${order.id}/confirmation`, body);
      done(j);
    } catch (e) {
      msg.append(errorBox(e));
    }
  } },
  h('p', {}, t('confirm_help')),
  field('c-name', t('performed_by_name'), name), field('c-function', t('performed_by_function'), fn),
  field('c-at', t('performed_at'), at),
  h('fieldset', {}, h('legend', {}, t('method_category')), field('c-category', t('method_category'), cat),
    field('c-description', t('method_description'), desc), field('c-tool', t('method_tool'), tool)),
  h('fieldset', {}, h('legend', {}, t('backups_included')),
    h('label', { class: 'check', for: 'c-backups' }, backups, t('backups_included')),
    field('c-backup-locations', t('backup_locations'), backupLoc),
    h('label', { class: 'check', for: 'c-derived' }, derived, t('derived_included')),
    field('c-derived-locations', t('derived_locations'), derivedLoc)),
  h('fieldset', {}, h('legend', {}, t('extracts_destroyed')), hashes),
  h('div', {}, h('button', { type: 'submit' }, t('confirm_btn'))), msg);
  return form;
}

async function destruction(root, id) {
  const o = await api('GET', `/v1/destructions/${encodeURIComponent(id)}`);
  root.append(h('h1', {}, t('order', { id: o.id })));
  root.append(h('dl', { class: 'kv' },
    h('dt', {}, t('deliberation')), h('dd', {}, h('a', { href: `#/deliberation/${refUrl(o.deliberation)}` }, o.deliberation)),
    h('dt', {}, t('recipient')), h('dd', {}, o.recipient),
    h('dt', {}, t('trigger')), h('dd', {}, dash(o.trigger)),
    h('dt', {}, t('deadline')), h('dd', {}, dash(o.retention_until)),
    h('dt', {}, t('due_at')), h('dd', {}, instant(o.due_at)),
    h('dt', {}, t('status')), h('dd', {}, statusBadge(o.status)),
    h('dt', {}, t('certificate')), h('dd', {}, o.certificate ? h('a', { href: `#/certificate/${o.certificate}`, id: 'cert-link' }, o.certificate) : '—')));
  if (o.status === 'on_hold') root.append(h('p', { class: 'notice' }, t('on_hold_note')));
  root.append(h('h2', {}, t('order_deliveries')), table([t('id'), t('group'), t('phase'), t('destination'), t('rows'), t('persons'), t('shipped'), 'SHA-256'],
    (o.deliveries || []).map((d) => h('tr', {}, h('td', { class: 'num' }, String(d.id)), h('td', {}, h('code', {}, d.group)),
      h('td', { class: 'num' }, String(d.phase)), h('td', {}, dash(d.destination)), h('td', { class: 'num' }, String(d.rows)),
      h('td', { class: 'num' }, String(d.persons)), h('td', {}, instant(d.shipped_at)), h('td', {}, h('code', {}, d.sha256))))));
  if (Array.isArray(o.reminders) && o.reminders.length)
    root.append(h('h2', {}, t('reminders')), table([t('at'), t('details')],
      o.reminders.map((r) => h('tr', {}, h('td', {}, instant(r.sent_at || r.at || r.created_at)), h('td', {}, brief(r))))));
  if (state.session.role === 'recipient' && (o.status === 'open' || o.status === 'overdue')) {
    const box = h('section', { 'aria-labelledby': 'confirm-title' }, h('h2', { id: 'confirm-title' }, t('confirm_title')));
    box.append(confirmForm(o, (j) => {
      const cid = j.certificate && j.certificate.id;
      box.replaceChildren(h('p', { class: 'notice', role: 'status' }, t('confirmed_cert', { id: cid })),
        h('p', {}, h('a', { href: `#/certificate/${cid}`, id: 'new-cert-link' }, t('open_certificate'))));
    }));
    root.append(box);
  }
}

// ---- the printable certificate ----

function kvTree(obj) {
  const dl = h('dl', { class: 'kv' });
  for (const [k, v] of Object.entries(obj)) {
    dl.append(h('dt', {}, k), h('dd', {}, v && typeof v === 'object'
      ? (Array.isArray(v) && v.every((x) => typeof x !== 'object') ? v.join(', ') || '—'
        : Array.isArray(v) ? v.map((x) => (typeof x === 'object' && x ? kvTree(x) : String(x))) : kvTree(v))
      : h('span', { class: /sha256|hash/.test(k) ? 'mono' : null }, dash(v))));
  }
  return dl;
}

async function certificate(root, id) {
  const doc = await api('GET', `/v1/certificates/${encodeURIComponent(id)}`);
  const base = `/v1/certificates/${encodeURIComponent(id)}`;
  root.append(h('div', { class: 'no-print' }, h('button', { type: 'button', id: 'print', onclick: () => window.print() }, t('print'))));
  root.append(h('article', { class: 'certificate' }, h('h1', {}, t('cert_title', { id })),
    doc.on_time === undefined ? null : h('p', {}, badge(doc.on_time ? 'ok' : 'overdue', doc.on_time ? t('on_time') : t('late'))),
    kvTree(doc),
    h('h2', {}, t('verify_title')), h('p', {}, t('verify_help')),
    h('ul', {},
      h('li', {}, h('a', { href: base, download: `${id}.json` }, t('dl_document'))),
      h('li', {}, h('a', { href: `${base}/signature`, download: `${id}.p7s` }, t('dl_signature'))),
      h('li', {}, h('a', { href: '/v1/signing-certificates?format=pem', download: 'SIGNER.pem' }, t('dl_signers')))),
    h('pre', { class: 'cmd' }, h('code', {},
      `openssl cms -verify -binary -inform DER -in ${id}.p7s -content ${id}.json \\\n    -CAfile SIGNER.pem -purpose any -no-CApath -no-CAstore -out /dev/null`))));
}

// ---- audit trail ----

async function audit(root) {
  root.append(h('h1', {}, t('audit')));
  const chainBox = h('p', { id: 'chain-state', 'aria-live': 'polite' }, t('chain_unknown'));
  const verify = async () => {
    chainBox.replaceChildren(t('loading'));
    try {
      const v = await api('GET', '/v1/audit/verification');
      chainBox.replaceChildren(v.intact ? badge('ok', t('chain_ok', { n: v.checked }))
        : badge('broken', t('chain_broken', { seq: v.broken_at })));
    } catch (e) {
      chainBox.replaceChildren(errorBox(e));
    }
  };
  root.append(h('h2', {}, t('chain')), chainBox);
  // filters are the API's own (GET /v1/audit: action and subject exact or prefix*,
  // actor exact, from/to Brussels dates)
  let events = [];
  let next = 0;
  const input = (id, size, ph) => h('input', { id, type: 'text', size, placeholder: ph });
  const action = input('a-action', 18, 'destruction.*');
  const actor = input('a-actor', 14, 'credential:1');
  const subject = input('a-subject', 20, 'destruction_order:*');
  const from = h('input', { id: 'a-from', type: 'date' });
  const to = h('input', { id: 'a-to', type: 'date' });
  const body = h('tbody', {});
  const count = h('p', { 'aria-live': 'polite' });
  const more = h('button', { type: 'button', class: 'secondary' }, t('more'));
  const msg = h('div', {});
  const draw = () => {
    body.replaceChildren(...events.map((ev) => h('tr', {}, h('td', { class: 'num' }, String(ev.seq)),
      h('td', {}, instant(ev.at)), h('td', {}, ev.actor), h('td', {}, h('code', {}, ev.action)), h('td', {}, ev.object),
      h('td', {}, h('code', {}, JSON.stringify(ev.details))))));
    if (!events.length) body.append(h('tr', {}, h('td', { colspan: 6 }, t('none'))));
    count.textContent = t('events_shown', { shown: events.length, loaded: events.length });
  };
  const load = async (reset) => {
    const q = new URLSearchParams({ limit: '200' });
    for (const [k, el] of [['action', action], ['actor', actor], ['subject', subject], ['from', from], ['to', to]])
      if (el.value.trim()) q.set(k, el.value.trim());
    if (reset) { events = []; next = 0; }
    if (next) q.set('after', String(next));
    msg.replaceChildren();
    try {
      const j = await api('GET', `/v1/audit?${q}`);
      events.push(...j.events);
      next = j.next;
    } catch (e) {
      msg.append(errorBox(e));
      next = null;
    }
    more.hidden = !next;
    draw();
  };
  more.addEventListener('click', () => load(false));
  root.append(h('h2', {}, t('audit')), h('form', { class: 'filters', onsubmit: (ev) => { ev.preventDefault(); load(true); } },
    h('label', { for: 'a-action' }, t('action'), action), h('label', { for: 'a-actor' }, t('actor'), actor),
    h('label', { for: 'a-subject' }, t('object'), subject), h('label', { for: 'a-from' }, t('from'), from),
    h('label', { for: 'a-to' }, t('to'), to), h('button', { type: 'submit' }, t('filter'))), msg, count,
  h('table', {}, h('thead', {}, h('tr', {}, [t('seq'), t('at'), t('actor'), t('action'), t('object'), t('details')]
    .map((x) => h('th', { scope: 'col' }, x)))), body), more);
  await Promise.all([load(true), hasRoute('GET', '/v1/audit/verification') ? verify() : null]);
}

// ---- credentials ----

async function credentials(root) {
  root.append(h('h1', {}, t('credentials')));
  const s = state.session;
  root.append(h('h2', {}, t('your_credential')), h('dl', { class: 'kv' },
    h('dt', {}, t('name')), h('dd', {}, s.name), h('dt', {}, t('role')), h('dd', {}, t(`role_${s.role}`)),
    h('dt', {}, t('recipient')), h('dd', {}, dash(s.recipient)),
    h('dt', {}, t('session_until', { at: '' }).trim()), h('dd', {}, instant(s.expires_at))));
  if (s.role !== 'governance' && s.role !== 'auditor') return;
  if (!hasRoute('GET', '/v1/credentials')) {
    root.append(h('p', { class: 'notice' }, t('cred_list_missing')));
    return;
  }
  const body = h('tbody', {});
  const canRevoke = s.role === 'governance' && hasRoute('POST', '/v1/credentials/{id}/revocation');
  const msg = h('div', { 'aria-live': 'polite' });
  const load = async () => {
    const list = await allPages('/v1/credentials?limit=1000', 'credentials');
    body.replaceChildren(...list.map((c) => h('tr', {}, h('td', { class: 'num' }, String(c.id)), h('td', {}, c.name),
      h('td', {}, t(`role_${c.role}`)), h('td', {}, dash(c.recipient)), h('td', {}, instant(c.created_at)),
      h('td', {}, instant(c.expires_at)), h('td', {}, instant(c.last_used_at)), h('td', {}, instant(c.revoked_at)),
      canRevoke ? h('td', {}, c.revoked_at ? '—' : h('button', { type: 'button', class: 'secondary', 'aria-label': `${t('revoke')} ${c.name}`,
        onclick: async () => {
          msg.replaceChildren();
          try {
            await api('POST', `/v1/credentials/${c.id}/revocation`);
            await load();
          } catch (e) {
            msg.append(errorBox(e));
          }
        } }, t('revoke'))) : null)));
    if (!list.length) body.append(h('tr', {}, h('td', { colspan: 9 }, t('none'))));
  };
  root.append(h('h2', {}, t('credentials')), msg, h('table', {}, h('thead', {}, h('tr', {},
    [t('id'), t('name'), t('role'), t('recipient'), t('created_at'), t('expires_at'), t('last_used_at'), t('revoked_at'),
      canRevoke ? t('revoke') : null].filter(Boolean).map((x) => h('th', { scope: 'col' }, x)))), body));
  await load();
  if (s.role !== 'governance' || !hasRoute('POST', '/v1/credentials')) return;
  // a new credential: its token is shown once, here, and never again
  const name = h('input', { id: 'n-name', type: 'text', required: true, size: 20 });
  const role = h('select', { id: 'n-role' }, ['governance', 'delivery', 'recipient', 'auditor', 'output_checker']
    .map((r) => h('option', { value: r }, t(`role_${r}`))));
  const recipient = h('input', { id: 'n-recipient', type: 'text', size: 18 });
  const expires = h('input', { id: 'n-expires', type: 'text', size: 22, placeholder: '2027-12-31T23:00:00Z' });
  const out = h('div', { 'aria-live': 'polite' });
  root.append(h('h2', {}, t('new_credential')), h('form', { class: 'filters', id: 'new-credential', onsubmit: async (ev) => {
    ev.preventDefault();
    out.replaceChildren();
    const req = { name: name.value, role: role.value };
    if (recipient.value.trim()) req.recipient = recipient.value.trim();
    if (expires.value.trim()) req.expires_at = expires.value.trim();
    try {
      const c = await api('POST', '/v1/credentials', req);
      out.append(h('div', { class: 'notice', role: 'status' }, h('p', {}, t('token_once', { name: c.name })),
        h('code', { id: 'new-token' }, c.token)));
      await load();
    } catch (e) {
      out.append(errorBox(e));
    }
  } },
  h('label', { for: 'n-name' }, t('name'), name), h('label', { for: 'n-role' }, t('role'), role),
  h('label', { for: 'n-recipient' }, t('recipient'), recipient), h('label', { for: 'n-expires' }, t('expires_at'), expires),
  h('button', { type: 'submit' }, t('create'))), out);
}

// ---- output checking (phase 2): the queue, one output, the two-checker review ----

const cellName = (c) => (c === null || c === undefined ? '—' : typeof c === 'object'
  ? (Array.isArray(c) ? c.map(cellName).join(' × ') : Object.entries(c).map(([k, v]) => `${k}=${v}`).join(', ')) : String(c));

async function outputs(root) {
  root.append(h('h1', {}, t('outputs')));
  const status = h('select', { id: 'o-status' }, h('option', { value: '' }, t('any')),
    ['pending', 'released', 'rejected'].map((x) => h('option', { value: x }, t(`st_${x}`))));
  status.value = 'pending';
  const body = h('tbody', {});
  const load = async () => {
    const j = await api('GET', `/v1/outputs${status.value ? `?status=${status.value}` : ''}`);
    const list = Array.isArray(j) ? j : j.outputs || [];
    body.replaceChildren(...list.map((o) => h('tr', {},
      h('td', { class: 'num' }, h('a', { href: `#/output/${o.id}` }, String(o.id))), h('td', {}, dash(o.recipient)),
      h('td', {}, dash(o.deliberation)), h('td', {}, dash(o.evidence)),
      h('td', {}, o.verdict ? badge(o.verdict, t(o.verdict)) : '—'), h('td', {}, brief(o.error_counts)),
      h('td', { class: 'num' }, dash(o.approvals)), h('td', {}, badge(o.status, t(`st_${o.status}`))),
      h('td', {}, instant(o.submitted_at)))));
    if (!list.length) body.append(h('tr', {}, h('td', { colspan: 9 }, t('none'))));
  };
  root.append(h('form', { class: 'filters', onsubmit: (ev) => { ev.preventDefault(); load().catch((e) => body.replaceChildren(h('tr', {}, h('td', { colspan: 9 }, errorBox(e))))); } },
    h('label', { for: 'o-status' }, t('status'), status), h('button', { type: 'submit' }, t('filter'))),
  h('table', {}, h('thead', {}, h('tr', {}, [t('id'), t('recipient'), t('deliberation'), t('evidence'), t('verdict'),
    t('rules'), t('approvals'), t('status'), t('submitted_at')].map((x) => h('th', { scope: 'col' }, x)))), body));
  await load();
}

async function output(root, id) {
  const o = await api('GET', `/v1/outputs/${encodeURIComponent(id)}`);
  root.append(h('h1', {}, t('output', { id: o.id })));
  root.append(h('dl', { class: 'kv' },
    h('dt', {}, t('recipient')), h('dd', {}, dash(o.recipient)), h('dt', {}, t('deliberation')), h('dd', {}, dash(o.deliberation)),
    h('dt', {}, t('evidence')), h('dd', {}, dash(o.evidence)), h('dt', {}, t('status')), h('dd', {}, badge(o.status, t(`st_${o.status}`))),
    h('dt', {}, t('submitted_at')), h('dd', {}, instant(o.submitted_at)), h('dt', {}, t('table')), h('dd', {}, brief(o.spec))));
  // the published table as the checkers review it ("table"; "published" in older answers)
  const table0 = [o.table, o.published, o.report].find((x) => x && Array.isArray(x.cells)) || {};
  const cells = table0.cells || [];
  // a failing cell that stays visible needs each checker's exception decision
  const failing = cells.filter((c) => Array.isArray(c.rules) && c.rules.length && c.status !== 'suppressed');
  root.append(h('h2', {}, t('cells')), table([t('id'), t('cell'), t('value'), t('status'), t('rules')],
    cells.map((c, i) => h('tr', { class: c.rules && c.rules.length ? 'diff-removed' : null },
      h('td', { class: 'num' }, String(c.index ?? i + 1)), h('td', {}, cellName(c.cell)), h('td', { class: 'num' }, dash(c.value)),
      h('td', {}, dash(c.status)), h('td', {}, (c.rules || []).join(', ') || '—')))));
  if (Array.isArray(table0.table_rules) && table0.table_rules.length)
    root.append(h('p', { class: 'error' }, table0.table_rules.join(', ')));
  root.append(h('h2', {}, t('reviews')), table([t('actor'), t('decision'), t('comment'), t('exceptions'), t('at')],
    (o.reviews || []).map((r) => h('tr', {}, h('td', {}, dash(r.checker)), h('td', {}, dash(r.decision)),
      h('td', {}, dash(r.comment)), h('td', {}, brief(r.exceptions)), h('td', {}, instant(r.reviewed_at))))));
  if (o.status === 'released' && hasRoute('GET', '/v1/outputs/{id}/release/document')) {
    const base = `/v1/outputs/${encodeURIComponent(o.id)}/release`;
    root.append(h('h2', {}, t('release')), h('ul', {},
      h('li', {}, h('a', { href: `${base}/document`, download: `output-${o.id}.json` }, t('dl_document'))),
      h('li', {}, h('a', { href: `${base}/signature`, download: `output-${o.id}.p7s` }, t('dl_signature'))),
      h('li', {}, h('a', { href: '/v1/signing-certificates?format=pem', download: 'SIGNER.pem' }, t('dl_signers')))));
  }
  if (state.session.role !== 'output_checker' || o.status !== 'pending' || !hasRoute('POST', '/v1/outputs/{id}/reviews')) return;
  const approve = h('input', { type: 'radio', name: 'decision', id: 'r-approve', value: 'approve', checked: true });
  const reject = h('input', { type: 'radio', name: 'decision', id: 'r-reject', value: 'reject' });
  const comment = h('textarea', { id: 'r-comment', rows: 3, cols: 50, required: true });
  const grants = failing.map((c, i) => h('label', { class: 'check', for: `r-grant-${i}` },
    h('input', { type: 'checkbox', id: `r-grant-${i}`, class: 'r-grant', value: String(c.index) }),
    `${cellName(c.cell)}: ${(c.rules || []).join(', ')}`));
  const msg = h('div', { 'aria-live': 'polite' });
  root.append(h('h2', { id: 'review-title' }, t('review')), h('form', { class: 'stack', 'aria-labelledby': 'review-title', onsubmit: async (ev) => {
    ev.preventDefault();
    const exceptions = failing.map((c, i) => ({ index: c.index, grant: document.getElementById(`r-grant-${i}`).checked }));
    try {
      await api('POST', `/v1/outputs/${encodeURIComponent(o.id)}/reviews`,
        { decision: approve.checked ? 'approve' : 'reject', comment: comment.value, exceptions });
      window.dispatchEvent(new HashChangeEvent('hashchange')); // draw the output again
    } catch (e) {
      msg.replaceChildren(errorBox(e));
    }
  } },
  h('fieldset', {}, h('legend', {}, t('decision')), h('label', { class: 'check', for: 'r-approve' }, approve, t('approve')),
    h('label', { class: 'check', for: 'r-reject' }, reject, t('reject'))),
  failing.length ? h('fieldset', {}, h('legend', {}, t('exceptions')), grants) : null,
  h('label', { for: 'r-comment' }, t('comment'), comment), h('div', {}, h('button', { type: 'submit', id: 'review-submit' }, t('review'))), msg));
}

// ---- amendments: proposed versions, approved or rejected by a second person ----

// The approval route's pattern as this deliberd names it (.../versions/{n}/approval).
function approvalPattern(kind) {
  const paths = Object.keys((state.api && state.api.paths) || {});
  return paths.find((p) => new RegExp(`^/v1/deliberations/\\{ref\\}/versions/\\{[a-z_]+\\}/${kind}$`).test(p)) || null;
}

async function amendments(root) {
  root.append(h('h1', {}, t('amendments')));
  const { deliberations } = await api('GET', '/v1/deliberations');
  const body = h('tbody', {});
  const msg = h('div', { 'aria-live': 'polite' });
  const decide = async (ref, v, kind) => {
    msg.replaceChildren();
    try {
      await api('POST', `/v1/deliberations/${refUrl(ref)}/versions/${v}/${kind}`);
      msg.append(h('p', { class: 'notice', role: 'status' }, `${ref} ${t('version')} ${v}: ${t(kind === 'approval' ? 'st_approved' : 'st_rejected')}`));
      await load();
    } catch (e) {
      msg.append(errorBox(e));
    }
  };
  const load = async () => {
    const rows = [];
    for (const d of deliberations) {
      const { versions } = await api('GET', `/v1/deliberations/${refUrl(d.reference)}/versions`);
      for (const v of versions.filter((x) => x.state === 'proposed')) {
        rows.push(h('tr', {}, h('td', {}, h('a', { href: `#/deliberation/${refUrl(d.reference)}` }, d.reference)),
          h('td', { class: 'num' }, String(v.version)), h('td', {}, dash(v.decided_on)), h('td', {}, dash(v.in_force_from)),
          h('td', {}, nl(v.summary)), h('td', {}, dash(v.proposed_by || v.recorded_by)),
          h('td', {}, h('button', { type: 'button', onclick: () => decide(d.reference, v.version, 'approval') }, t('approve')), ' ',
            h('button', { type: 'button', class: 'secondary', onclick: () => decide(d.reference, v.version, 'rejection') }, t('reject')))));
      }
    }
    body.replaceChildren(...rows);
    if (!rows.length) body.append(h('tr', {}, h('td', { colspan: 7 }, t('none'))));
  };
  root.append(msg, h('table', {}, h('thead', {}, h('tr', {}, [t('deliberation'), t('version'), t('decided_on'), t('in_force_from'),
    t('summary'), t('proposed_by'), t('decision')].map((x) => h('th', { scope: 'col' }, x)))), body));
  await load();
}

// name -> {render(root, ...args), needs: the GET route the page cannot do without,
// or a function saying whether this deliberd has what the page needs}
export const pages = {
  overview: { render: overview, needs: '/v1/deliberations' },
  deliberations: { render: deliberationsList, needs: '/v1/deliberations' },
  deliberation: { render: deliberation },
  deliveries: { render: deliveries, needs: '/v1/deliveries' },
  destructions: { render: destructions, needs: '/v1/destructions' },
  destruction: { render: destruction },
  certificate: { render: certificate },
  audit: { render: audit, needs: '/v1/audit' },
  credentials: { render: credentials },
  outputs: { render: outputs, needs: '/v1/outputs' },
  output: { render: output, needs: '/v1/outputs/{id}' },
  amendments: { render: amendments, needs: () => approvalPattern('approval') !== null },
};
