// The shell: index.html carries the form as static HTML, so a customer on a slow network can
// paste while the WebAssembly is still on its way. The page's wasm is held back here until the
// test lets it through, so every assertion about the shell runs before the page exists.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  startStack, launchBrowser, openPage, leakAudit, orgField, tokenField, checkButton, FIXTURES, ROOT,
  plain,
} from './harness.mjs';

const AXE = readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');
const secret = FIXTURES.orgs.find((o) => o.host === 'acme.okta.com').tokens.find((t) => t.kind === 'super_admin').token;

let stack;
let browser;

before(async () => {
  stack = await startStack();
  browser = await launchBrowser();
});
after(async () => { await browser?.close(); await stack?.stop(); });

/** Opens the page with its wasm held back; `release()` lets it through. */
async function openHeld() {
  let release;
  const held = new Promise((r) => { release = r; });
  const { context, page, record } = await (async () => {
    const ctx = await browser.newContext({ locale: 'en-US', viewport: { width: 900, height: 900 } });
    await ctx.route(/_bg\.wasm$/, async (route) => { await held; await route.continue(); });
    const pg = await ctx.newPage();
    const rec = { console: [], requests: [], pageErrors: [] };
    pg.on('console', (m) => rec.console.push(`${m.type()}: ${m.text()}`));
    pg.on('pageerror', (e) => rec.pageErrors.push(String(e)));
    pg.on('request', (r) => rec.requests.push({ url: r.url(), method: r.method(), headers: r.headers() }));
    await pg.goto(stack.pageUrl, { waitUntil: 'commit' });
    return { context: ctx, page: pg, record: rec };
  })();
  await orgField(page).waitFor();
  return { context, page, record, release };
}

test('what is typed before the page has loaded is kept, with focus and caret', async () => {
  const { context, page, record, release } = await openHeld();
  assert.equal(await page.locator('[data-shell]').count(), 1, 'the shell is showing');
  await orgField(page).fill('https://ACME-admin.okta.com/admin/dashboard');
  await tokenField(page).fill(`SSWS ${secret}`);
  // Nothing can be sent from the shell: the button waits for the page and Enter does nothing.
  assert.equal(await checkButton(page).isDisabled(), true);
  await tokenField(page).press('Enter');
  await page.waitForTimeout(200);
  assert.equal(new URL(page.url()).search, '', 'no form submission');
  assert.equal(new URL(page.url()).hash, '');

  release();
  await page.getByText('Will connect to').waitFor({ timeout: 30000 });
  assert.equal(await page.locator('[data-shell]').count(), 0, 'the page took over');
  assert.match(await page.locator('#org-preview').innerText(), /https:\/\/acme\.okta\.com/);
  assert.match(plain(await page.locator('#token-state').innerText()), /42 characters/);
  // Focus and caret are where they were: at the end of the token field.
  const focus = await page.evaluate(() => ({ id: document.activeElement?.id, at: document.activeElement?.selectionStart, len: document.activeElement?.value.length }));
  assert.equal(focus.id, 'token');
  assert.equal(focus.at, focus.len);

  await checkButton(page).click();
  await page.getByRole('region', { name: /result/i }).getByText(/connection verified/i).waitFor({ timeout: 25000 });
  const leaks = await leakAudit(page, record, secret, { services: [stack.proxy, stack.sim] });
  assert.deepEqual(leaks, []);
  assert.deepEqual(record.pageErrors, []);
  await context.close();
});

test('the shell is accessible and the page starts from it unchanged when nothing was typed', async () => {
  const { context, page, record, release } = await openHeld();
  await page.evaluate(AXE);
  const r = await page.evaluate(async () => {
    const res = await window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] });
    return res.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  assert.deepEqual(r, []);
  release();
  await page.waitForFunction(() => !document.querySelector('[data-shell]'), null, { timeout: 30000 });
  assert.equal(await orgField(page).inputValue(), '');
  assert.equal(await tokenField(page).inputValue(), '');
  assert.equal(await checkButton(page).isDisabled(), false);
  assert.deepEqual(record.pageErrors, []);
  await context.close();
});

test('a fragment org still prefills when the shell was left empty', async () => {
  const { context, page } = await openPage(browser, `${stack.pageUrl}#org=acme.okta.com`);
  assert.equal(await orgField(page).inputValue(), 'acme.okta.com');
  await context.close();
});

test('typing that goes on while the page takes over loses no character', async () => {
  const { context, page, record, release } = await openHeld();
  await tokenField(page).click();
  let typed = '';
  const key = async () => {
    const ch = 'abcdefghijklmnopqrstuvwxyz0123456789'[typed.length % 36];
    await page.keyboard.type(ch);
    typed += ch;
  };
  for (let i = 0; i < 5; i++) await key();
  release();
  // One key every few milliseconds while the WebAssembly arrives and the page takes over,
  // then a few more once it has.
  const gone = () => page.evaluate(() => !document.querySelector('[data-shell]'));
  const until = Date.now() + 20000;
  while (!(await gone()) && Date.now() < until) await key();
  assert.ok(await gone(), 'the page took over');
  for (let i = 0; i < 10; i++) await key();
  const after = await page.evaluate(() => ({ id: document.activeElement?.id, value: document.activeElement?.value }));
  assert.equal(after.id, 'token', 'the page\'s token field has the focus');
  assert.equal(after.value, typed, `every key kept (${typed.length} typed)`);
  assert.deepEqual(record.pageErrors, []);
  await context.close();
});

test('the static form\'s fields look like the page\'s own before it has loaded', async () => {
  // The release build's minifier drops the default type="text", so the fields are styled as
  // fields, not by their type: the same height and border before and after the page loads.
  const { context, page, release } = await openHeld();
  const look = () => page.evaluate(() => {
    const s = getComputedStyle(document.querySelector('#org'));
    return { height: Math.round(parseFloat(s.minHeight)), border: s.borderTopWidth, width: document.querySelector('#org').getBoundingClientRect().width };
  });
  const before = await look();
  release();
  await page.waitForFunction(() => !document.querySelector('[data-shell]'), null, { timeout: 30000 });
  const after = await look();
  assert.equal(before.height, 44, 'min-block-size 2.75rem');
  assert.deepEqual(before, after);
  await context.close();
});
