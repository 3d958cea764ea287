// Accessibility: axe-core (WCAG 2.0/2.1/2.2 A and AA rules plus best practices), run inside the
// page in every state, in light and dark; and the whole flow done with the keyboard alone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { startStack, launchBrowser, openPage, orgField, ROOT, FIXTURES, plain, iso } from './harness.mjs';

const AXE = readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');
const catalogue = (lang) => JSON.parse(readFileSync(join(ROOT, 'i18n', `${lang}.json`), 'utf8'));
const tok = (org, kind) => FIXTURES.orgs.find((o) => o.host === org).tokens.find((t) => t.kind === kind).token;

let stack;
let browser;
let host;
before(async () => {
  // The platform that opens the page (post_message delivery): it answers `ready`, which binds
  // the page to its origin; only then may `connected` carry the token to it.
  host = createServer((req, res) => {
    const pageOrigin = new URL(stack.pageUrl).origin;
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><html lang="en"><head><title>Platform</title></head><body><script>
addEventListener('message', (e) => {
  if (e.origin === ${JSON.stringify(pageOrigin)} && e.data?.type === 'ready') e.source.postMessage({ source: 'okta-link-host', v: 1, type: 'hello' }, e.origin);
});</script></body></html>`);
  });
  await new Promise((r) => host.listen(0, '127.0.0.1', r));
  const hostUrl = `http://127.0.0.1:${host.address().port}`;
  stack = await startStack({
    config: { partner: { name: 'Example Security', brand_color: '#f08030' }, delivery: { mode: 'post_message' }, allowed_origins: [hostUrl] },
  });
  stack.hostUrl = hostUrl;
  browser = await launchBrowser();
});
after(async () => { await browser?.close(); await stack?.stop(); await new Promise((r) => host?.close(r) ?? r()); });

/** The page opened by the platform (a popup with the platform as its opener), as openPage. */
async function openHosted(browser, url, options) {
  const { context, page: platform } = await openPage(browser, stack.hostUrl, options);
  const [page] = await Promise.all([
    context.waitForEvent('page'),
    platform.evaluate((u) => { window.w = window.open(u); }, url),
  ]);
  await page.waitForLoadState();
  await page.waitForFunction(() => !document.querySelector('[data-shell]'), null, { timeout: 30000 });
  return { context, page };
}

async function axe(page) {
  // Evaluated through the devtools protocol: the page's CSP (rightly) forbids injected scripts.
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    const r = await window.axe.run(document, {
      runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'],
    });
    return { passes: r.passes.length, violations: r.violations.map((v) => `${v.id} (${v.nodes.length}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`) };
  });
}

// Every state, reached through the words of the page's language (labels, roles, visible text).
function states(L) {
  const org = (page) => page.getByLabel(L['org.label']);
  const token = (page) => page.getByLabel(L['token.label'], { exact: true });
  const check = async (page, o, t) => {
    await org(page).fill(o);
    await token(page).fill(t);
    await page.getByRole('button', { name: L['check.button'] }).click();
  };
  return {
    idle: async () => {},
    typing: async (page) => { await org(page).fill('https://acme-admin.okta.com/admin'); await token(page).fill(tok('acme.okta.com', 'super_admin')); },
    'field errors': async (page) => { await page.getByRole('button', { name: L['check.button'] }).click(); await page.locator('#org-error').waitFor(); },
    checking: async (page) => { await check(page, 'slow.okta.com', tok('slow.okta.com', 'super_admin')); await page.getByRole('list', { name: L['progress.label'] }).waitFor(); },
    verified: async (page) => { await check(page, 'acme.okta.com', tok('acme.okta.com', 'super_admin')); await page.getByRole('heading', { name: L['report.verified.title'] }).waitFor(); },
    failed: async (page) => { await check(page, 'acme.okta.com', tok('acme.okta.com', 'revoked')); await page.getByRole('heading', { name: L['failure.token_rejected.title'] }).waitFor(); },
    done: async (page) => {
      await check(page, 'acme.okta.com', tok('acme.okta.com', 'super_admin'));
      await page.getByRole('button', { name: L['delivery.connect_partner'].replace('{partner}', iso('Example Security')) }).click();
      await page.getByRole('heading', { name: L['delivery.done_title'] }).waitFor();
    },
  };
}

for (const lang of ['en', 'ar']) {
  const L = catalogue(lang);
  for (const colorScheme of ['light', 'dark']) {
    for (const [name, reach] of Object.entries(states(L))) {
      test(`axe: no violations when ${name} (${lang}, ${colorScheme})`, async () => {
        // Delivery needs a platform that answered the page: `done` is reached in its popup.
        const open = name === 'done' ? openHosted : openPage;
        const { context, page } = await open(browser, `${stack.pageUrl}#lang=${lang}`, { colorScheme });
        await page.getByLabel(L['org.label']).waitFor();
        assert.equal(await page.evaluate(() => document.documentElement.dir), lang === 'ar' ? 'rtl' : 'ltr');
        await reach(page);
        const { passes, violations } = await axe(page);
        assert.deepEqual(violations, []);
        assert.ok(passes > 10, `axe ran (${passes} rules passed)`);
        await context.close();
      });
    }
  }
}

test('the whole flow with the keyboard alone', async () => {
  const { context, page } = await openHosted(browser, stack.pageUrl);
  await orgField(page).waitFor();
  // Tab order: the language menu in the header, then the org field.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.tagName), 'SELECT');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'org');
  await page.keyboard.type('acme-admin.okta.com');
  await page.keyboard.press('Tab'); // "Where do I find this?"
  await page.keyboard.press('Tab'); // token
  assert.equal(await page.evaluate(() => document.activeElement.id), 'token');
  await page.keyboard.type(tok('acme.okta.com', 'super_admin'));
  await page.keyboard.press('Enter'); // submits the form
  await page.getByText('Connection verified').first().waitFor();
  // Focus moved to the result; the next Tab reaches the Connect button.
  assert.equal(await page.evaluate(() => document.activeElement.id), 'result');
  await page.keyboard.press('Tab');
  assert.match(plain(await page.evaluate(() => document.activeElement.textContent)), /Connect to Example Security/);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Connected' }).waitFor();
  await context.close();
});

test('tabbing through an untouched field points out no mistake; leaving a typed one does', async () => {
  const { context, page } = await openPage(browser, stack.pageUrl);
  await orgField(page).focus();
  await page.keyboard.press('Tab');
  await page.waitForTimeout(100);
  assert.equal(await page.locator('#org-error').count(), 0, 'no error for a field only passed through');
  assert.equal(await orgField(page).getAttribute('aria-invalid'), 'false');
  await orgField(page).fill('acme.okta.com/');
  await orgField(page).fill('');
  await orgField(page).blur();
  await page.locator('#org-error').waitFor();
  await context.close();
});

test('a revealed token is hidden again when the check starts', async () => {
  const { context, page } = await openPage(browser, stack.pageUrl);
  await orgField(page).fill('acme.okta.com');
  const token = page.getByLabel('API token', { exact: true });
  await token.fill(tok('acme.okta.com', 'super_admin'));
  await page.getByRole('button', { name: 'Show' }).click();
  assert.equal(await token.getAttribute('type'), 'text');
  await page.getByRole('button', { name: 'Check connection' }).click();
  await page.getByText('Connection verified').first().waitFor();
  assert.equal(await token.getAttribute('type'), 'password', 'not left readable beside the result');
  assert.equal(await page.getByRole('button', { name: 'Show' }).count(), 1);
  await context.close();
});
