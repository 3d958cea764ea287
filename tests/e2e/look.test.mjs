// The partner's look: name in the title, brand colour on the button with readable text (a
// mid-tone that fails with both white and dark text is shaded), and the dark theme.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, launchBrowser, openPage, checkButton, plain } from './harness.mjs';

let stack;
let browser;
before(async () => {
  stack = await startStack({ config: { partner: { name: 'Example Security', brand_color: '#f08030' } } });
  browser = await launchBrowser();
});
after(async () => { await browser?.close(); await stack?.stop(); });

async function buttonContrast(page) {
  return checkButton(page).evaluate((el) => {
    const rgb = (s) => s.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number);
    const lum = ([r, g, b]) => {
      const f = (c) => { c /= 255; return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const cs = getComputedStyle(el);
    const [a, b] = [lum(rgb(cs.backgroundColor)), lum(rgb(cs.color))];
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  });
}

for (const colorScheme of ['light', 'dark']) {
  test(`partner name and a readable brand colour (${colorScheme})`, async () => {
    const { context, page } = await openPage(browser, stack.pageUrl, { colorScheme });
    await checkButton(page).waitFor();
    assert.match(plain(await page.getByRole('heading', { level: 1 }).innerText()), /Connect Example Security to your Okta organization/);
    const ratio = await buttonContrast(page);
    assert.ok(ratio >= 4.5, `button contrast ${ratio.toFixed(2)}`);
    await context.close();
  });
}

test('the theme from the fragment wins and is applied', async () => {
  const { context, page } = await openPage(browser, `${stack.pageUrl}#theme=dark`);
  await checkButton(page).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(bg, 'rgb(17, 19, 24)');
  await context.close();
});

// The README's screenshots come from here (docs/screenshots/), so they show the page as built.
test('screenshots of idle, verified and failed, light and dark', async () => {
  const { mkdirSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { ROOT, runCheck, FIXTURES } = await import('./harness.mjs');
  const dir = join(ROOT, 'docs', 'screenshots');
  mkdirSync(dir, { recursive: true });
  const tok = (kind) => FIXTURES.orgs.find((o) => o.host === 'acme.okta.com').tokens.find((t) => t.kind === kind).token;
  for (const colorScheme of ['light', 'dark']) {
    for (const state of ['idle', 'verified', 'failed']) {
      const { context, page } = await openPage(browser, stack.pageUrl, { colorScheme, viewport: { width: 640, height: 1000 } });
      await checkButton(page).waitFor();
      if (state !== 'idle') {
        await runCheck(page, 'https://acme-admin.okta.com/admin/dashboard', tok(state === 'verified' ? 'super_admin' : 'revoked'));
        await page.getByRole('region', { name: 'Check result' }).waitFor();
        await page.evaluate(() => document.activeElement?.blur());
      }
      await page.screenshot({ path: join(dir, `${state}-${colorScheme}.png`), fullPage: true });
      await context.close();
    }
  }
});

test('no horizontal scrolling at 320 px, left to right and right to left', async () => {
  const { runCheck, FIXTURES } = await import('./harness.mjs');
  const secret = FIXTURES.orgs.find((o) => o.host === 'acme.okta.com').tokens.find((t) => t.kind === 'super_admin').token;
  for (const lang of ['en', 'ar']) {
    const { context, page } = await openPage(browser, `${stack.pageUrl}#lang=${lang}`, { viewport: { width: 320, height: 800 } });
    await page.locator('#org').waitFor();
    const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);
    assert.ok(await fits(), `idle overflows at 320 px (${lang})`);
    await page.locator('#org').fill('https://acme-admin.okta.com/admin/dashboard');
    await page.locator('#token').fill(secret);
    await page.locator('form button.primary').click();
    await page.locator('#result').waitFor();
    assert.ok(await fits(), `result overflows at 320 px (${lang})`);
    await context.close();
  }
});
