// console.test.mjs: the web console in headless Chromium against the real daemon
// (started by tests/integration/test_browser.sh, which also makes the data and the
// credentials).  Signs in as each role, loads each of its pages without console
// errors and with no serious or critical axe-core violation, confirms a destruction
// through the form and opens its certificate, sees another recipient refused that
// order, switches language, logs out.  Screenshots go to $SHOT_DIR.
//
// Environment: BASE_URL, SETUP_FILE (JSON: tokens by role, order id, ...; mode 0600,
// never printed), SHOT_DIR, CHROMIUM (default /usr/bin/chromium).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import puppeteer from 'puppeteer-core';

const require = createRequire(import.meta.url);
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const base = process.env.BASE_URL;
const setup = JSON.parse(fs.readFileSync(process.env.SETUP_FILE, 'utf8'));
const shots = process.env.SHOT_DIR;
let failures = 0;
const started = Date.now();

function fail(msg) {
  failures++;
  console.error(`FAIL: ${msg}`);
}

function check(cond, msg) {
  if (!cond) fail(msg);
  return cond;
}

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  acceptInsecureCerts: true, // the test daemon's self-signed certificate
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--lang=en-GB'],
  defaultViewport: { width: 1280, height: 900 },
});

// One signed-in browser context; console errors are collected per page visit.
async function signIn(role, token, lang = 'en-GB') {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setExtraHTTPHeaders({ 'Accept-Language': lang });
  await page.evaluateOnNewDocument((l) => {
    Object.defineProperty(navigator, 'languages', { get: () => [l] });
  }, lang);
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()} ${r.failure() && r.failure().errorText}`));
  await page.goto(`${base}/ui/`, { waitUntil: 'networkidle0' });
  await waitRendered(page, 'signin');
  await page.type('#token', token);
  await Promise.all([page.click('button[type=submit]'), page.waitForFunction(() => document.body.dataset.page !== 'signin')]);
  await waitIdle(page);
  check(errors.length === 0, `${role}: console errors at sign-in: ${errors.join(' | ')}`);
  errors.length = 0;
  return { context, page, errors, role };
}

async function waitIdle(page) {
  await page.waitForFunction(() => document.body.dataset.busy === '0', { timeout: 15000 });
}

async function waitRendered(page, name) {
  await page.waitForFunction((n) => document.body.dataset.page === n && document.body.dataset.busy === '0',
    { timeout: 15000 }, name);
}

async function axe(page, label) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help }));
  });
  const bad = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  check(bad.length === 0, `${label}: axe violations: ${JSON.stringify(bad)}`);
  return result;
}

// Visits #/hash, waits for the page, checks console errors and axe; optional screenshot.
async function visit(s, hash, name, shot, allowed = []) {
  if (process.env.VERBOSE) console.log(`${((Date.now() - started) / 1000).toFixed(1)} s: ${s.role} ${hash}`);
  s.errors.length = 0;
  await s.page.evaluate((h) => { location.hash = h; }, hash);
  try {
    await waitRendered(s.page, name);
  } catch (e) {
    const at = await s.page.evaluate(() => `${location.hash} page=${document.body.dataset.page} busy=${document.body.dataset.busy}: ${document.querySelector('#main').textContent.slice(0, 300)}`);
    throw new Error(`${s.role} ${hash} did not render: ${at}; console: ${s.errors.join(' | ')}`);
  }
  await s.page.waitForNetworkIdle({ idleTime: 150, timeout: 15000 }).catch(() => {});
  const unexpected = s.errors.filter((e) => !allowed.some((a) => a.test(e)));
  check(unexpected.length === 0, `${s.role} ${hash}: console errors: ${unexpected.join(' | ')}`);
  const h1 = await s.page.$eval('#main h1', (e) => e.textContent).catch(() => '');
  check(h1.length > 0, `${s.role} ${hash}: no heading`);
  const t0 = Date.now();
  await axe(s.page, `${s.role} ${hash}`);
  if (process.env.VERBOSE) console.log(`  axe ${Date.now() - t0} ms`);
  if (shot && shots) await s.page.screenshot({ path: path.join(shots, `${shot}.png`), fullPage: false });
  return h1;
}

async function text(page, sel) {
  return page.$eval(sel, (e) => e.textContent).catch(() => '');
}

try {
  // --- the sign-in page itself: CSP-clean, accessible, refuses a bad token ---
  {
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    const errors = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto(`${base}/ui/`, { waitUntil: 'networkidle0' });
    await waitRendered(page, 'signin');
    check(errors.length === 0, `sign-in page: console errors: ${errors.join(' | ')}`);
    await axe(page, 'sign-in page');
    if (shots) await page.screenshot({ path: path.join(shots, 'signin.png') });
    await page.type('#token', 'dlb_not-a-real-token');
    await page.click('button[type=submit]');
    await page.waitForSelector('#main .error');
    check(/refused|geweigerd|refusé/i.test(await text(page, '#main .error')), 'a bad token is not refused visibly');
    await context.close();
  }

  // --- governance: every page, the deliberation's timeline, terms and diff ---
  const gov = await signIn('governance', setup.tokens.governance);
  await visit(gov, '#/overview', 'overview', 'overview');
  const card = await text(gov.page, '.card');
  check(card.includes('2031-01-31'), `overview: no deadline 2031-01-31 in ${card}`);
  check(/Open orders\s*1/.test(card), `overview: the open order is not counted: ${card}`);
  await visit(gov, '#/deliberation/21-128', 'deliberation', 'deliberation');
  check((await gov.page.$$('ol.timeline li')).length >= 3, 'deliberation: fewer than three versions on the timeline');
  await gov.page.select('#diff-a', '2');
  await gov.page.select('#diff-b', '3');
  await gov.page.$$eval('form.filters', (forms) => forms[1].requestSubmit());
  await gov.page.waitForSelector('#main table tr.diff-changed, #main table tr.diff-added, #main table tr.diff-removed');
  const diff = await text(gov.page, '#main');
  check(diff.includes('terms_unknown') || diff.includes('not on record'), 'diff: version 2 terms not on record not said');
  // terms on a date in version 1's period (not on record), then today
  await gov.page.$eval('#terms-date', (e) => { e.value = '2022-01-01'; });
  await gov.page.click('#terms-date ~ button, form.filters button[type=submit]');
  await gov.page.waitForFunction(() => document.querySelector('#main').textContent.includes('not on record'));
  await visit(gov, '#/deliveries', 'deliveries', 'deliveries');
  check((await gov.page.$$('#main tbody tr')).length >= 3, 'deliveries: fewer than 3 rows');
  await gov.page.select('#f-verdict', 'fail');
  await gov.page.click('form.filters button[type=submit]');
  await gov.page.waitForFunction(() => [...document.querySelectorAll('#main tbody tr')].every((r) => !r.textContent.includes('pass')));
  await visit(gov, '#/destructions', 'destructions', 'destructions');
  if (setup.approvals_api) await visit(gov, '#/amendments', 'amendments', 'amendments');
  await visit(gov, '#/audit', 'audit', 'audit');
  await gov.page.waitForFunction(() => /Intact/.test(document.querySelector('#chain-state').textContent), { timeout: 15000 })
    .catch(() => fail(`audit: chain state is ${gov.page && 'not intact'}`));
  await gov.page.type('#a-action', 'session.*');
  await gov.page.click('form.filters button[type=submit]');
  await gov.page.waitForFunction(() => {
    const rows = [...document.querySelectorAll('#main tbody tr')];
    return rows.length > 0 && rows.every((r) => r.children[3] && r.children[3].textContent.startsWith('session.'));
  }, { timeout: 15000 }).catch(() => fail('audit: the action filter does not filter'));
  await visit(gov, '#/credentials', 'credentials', 'credentials');
  if (setup.credentials_api) {
    // a credential made through the form: its token shown once, then revoked
    await gov.page.type('#n-name', 'made-in-the-console');
    await gov.page.select('#n-role', 'auditor');
    await gov.page.click('#new-credential button[type=submit]');
    await gov.page.waitForSelector('#new-token', { timeout: 15000 });
    check(/^dlb_/.test(await text(gov.page, '#new-token')), 'the new token is not shown');
    const revoke = await gov.page.$('button[aria-label="Revoke made-in-the-console"]');
    if (check(revoke !== null, 'no revoke button for the new credential')) {
      await revoke.click();
      await gov.page.waitForFunction(() => !document.querySelector('button[aria-label="Revoke made-in-the-console"]'), { timeout: 15000 })
        .catch(() => fail('revoking through the console did not revoke'));
    }
  }
  // language switch: French, then Dutch; the deliberation's Dutch title stays as it is
  await gov.page.select('#lang', 'fr');
  await waitIdle(gov.page);
  check((await text(gov.page, '#nav')).includes('Vue d’ensemble'), 'French navigation missing');
  check((await gov.page.$eval('html', (e) => e.lang)) === 'fr', 'html lang is not fr');
  await gov.page.select('#lang', 'nl');
  await waitIdle(gov.page);
  await visit(gov, '#/overview', 'overview', 'overview-nl');
  check((await text(gov.page, '#main h1')).includes('Overzicht'), 'Dutch heading missing');
  await gov.page.select('#lang', 'en');
  await waitIdle(gov.page);

  // --- auditor and delivery: their pages ---
  const aud = await signIn('auditor', setup.tokens.auditor);
  for (const p of ['overview', 'deliveries', 'destructions', 'audit', 'credentials']) await visit(aud, `#/${p}`, p);
  await aud.context.close();
  const del = await signIn('delivery', setup.tokens.delivery);
  for (const p of ['deliberations', 'deliveries', 'credentials']) await visit(del, `#/${p}`, p);
  await visit(del, '#/deliberation/21-128', 'deliberation');
  await del.context.close();
  // two output checkers approve the pending output through the review form
  for (const [n, who] of [[1, 'output_checker'], [2, 'output_checker2']]) {
    const chk = await signIn(`output checker ${n}`, setup.tokens[who]);
    if (n === 1) for (const p of ['outputs', 'deliberations', 'credentials']) await visit(chk, `#/${p}`, p, p === 'outputs' ? 'outputs' : null);
    await visit(chk, `#/output/${setup.output}`, 'output', n === 1 ? 'output-review' : null);
    check((await chk.page.$$('#main table')).length >= 2, 'output: no cells table');
    await chk.page.type('#r-comment', `small cells suppressed (checker ${n})`);
    await chk.page.click('#r-approve');
    chk.errors.length = 0;
    await chk.page.click('#review-submit');
    await chk.page.waitForFunction((k) => document.body.dataset.busy === '0' &&
      document.querySelectorAll('#main tbody').length > 1 && [...document.querySelectorAll('#main td')].filter((td) => td.textContent === 'approve').length >= k,
    { timeout: 15000 }, n).catch(() => fail(`output checker ${n}: the review was not recorded`));
    check(chk.errors.length === 0, `review: console errors: ${chk.errors.join(' | ')}`);
    if (n === 2) {
      check((await text(chk.page, '#main')).includes('released'), 'output not released after two approvals');
      if (shots) await chk.page.screenshot({ path: path.join(shots, 'output-released.png') });
    }
    await chk.context.close();
  }
  // the browser's language decides before any choice: a French browser gets French
  const fr = await signIn('auditor (fr)', setup.tokens.auditor, 'fr-BE');
  check((await text(fr.page, '#nav')).includes('Journal d’audit'), 'a French browser does not get French');
  await fr.context.close();

  // --- recipient: confirms the destruction through the form, finds the certificate ---
  const rec = await signIn('recipient', setup.tokens.recipient);
  await visit(rec, '#/destructions', 'destructions');
  await visit(rec, `#/destruction/${setup.order}`, 'destruction', 'confirm-form');
  await rec.page.type('#c-name', 'Rita Jansen');
  await rec.page.type('#c-function', 'data protection officer');
  await rec.page.select('#c-category', 'purge');
  await rec.page.type('#c-description', 'cryptographic erase of the project volume');
  await rec.page.type('#c-tool', 'cryptsetup luksErase 2.6');
  await rec.page.click('#c-backups');
  await rec.page.type('#c-backup-locations', 'nightly backup of the project server');
  for (const box of await rec.page.$$('input.c-sha')) await box.click();
  rec.errors.length = 0;
  await rec.page.click('#confirm-form button[type=submit]');
  await rec.page.waitForSelector('#new-cert-link', { timeout: 15000 });
  check(rec.errors.length === 0, `confirmation: console errors: ${rec.errors.join(' | ')}`);
  const certHref = await rec.page.$eval('#new-cert-link', (a) => a.getAttribute('href'));
  const certId = certHref.replace('#/certificate/', '');
  check(/^dc-/.test(certId), `certificate id ${certId}`);
  await visit(rec, certHref, 'certificate', 'certificate');
  const cert = await text(rec.page, '#main');
  check(cert.includes('openssl cms -verify') && cert.includes(certId), 'certificate view lacks the openssl command');
  await rec.page.emulateMediaType('print');
  if (shots) await rec.page.screenshot({ path: path.join(shots, 'certificate-print.png'), fullPage: true });
  check(await rec.page.$eval('#print', (b) => getComputedStyle(b.parentElement).display === 'none'), 'print view shows the print button');
  await rec.page.emulateMediaType('screen');
  // the order now says confirmed and links the certificate
  await visit(rec, `#/destruction/${setup.order}`, 'destruction');
  check((await text(rec.page, '#cert-link')) === certId, 'the order does not link its certificate');
  // the signature downloads with the session cookie
  const sig = await rec.page.evaluate(async (id) => (await fetch(`/v1/certificates/${id}/signature`)).status, certId);
  check(sig === 200, `signature download: ${sig}`);

  // --- another recipient is refused that order ---
  const other = await signIn('other recipient', setup.tokens.other_recipient);
  await visit(other, `#/destruction/${setup.order}`, 'destruction', 'refused', [/status of 404/]);
  check(/404/.test(await text(other.page, '#main .error')), 'the other recipient is not refused');
  await other.context.close();

  // --- a cookie-authenticated write without the CSRF token is refused ---
  const csrf = await rec.page.evaluate(async () => (await fetch('/v1/deliberations/21-128/no-longer-needed', { method: 'POST' })).status);
  check(csrf === 403, `a write without the CSRF token: ${csrf}`);

  // --- a second governance credential approves the proposed amendment ---
  if (setup.proposed) {
    const gov2 = await signIn('governance 2', setup.tokens.governance2);
    await visit(gov2, '#/amendments', 'amendments');
    const approve = await gov2.page.$('#main tbody button:not(.secondary)');
    if (check(approve !== null, 'amendments: no approve button for the proposed version')) {
      await approve.click();
      await gov2.page.waitForFunction(() => /approved/.test(document.querySelector('#main').textContent) &&
        !document.querySelector('#main tbody button'), { timeout: 15000 })
        .catch(() => fail('amendments: approving did not approve'));
    }
    await gov2.context.close();
  }

  // --- logout ends the session on the server ---
  await rec.page.click('#logout');
  await waitRendered(rec.page, 'signin');
  const after = await rec.page.evaluate(async () => (await fetch('/v1/deliveries')).status);
  check(after === 401, `after logout /v1/deliveries answers ${after}`);
  await rec.context.close();
  await gov.context.close();
} catch (e) {
  fail(`exception: ${e && e.stack}`);
} finally {
  await browser.close();
}
console.log(`browser test: ${failures} failure(s) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(failures ? 1 : 0);
