// Languages: chosen by the fragment, else the browser, else English; a right-to-left language
// mirrors the layout and stays free of axe violations; the menu switches language in place.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startStack, launchBrowser, openPage, ROOT, FIXTURES, axeViolations } from './harness.mjs';

const catalogue = (lang) => JSON.parse(readFileSync(join(ROOT, 'i18n', `${lang}.json`), 'utf8'));
const REVOKED = FIXTURES.orgs.find((o) => o.host === 'acme.okta.com').tokens.find((t) => t.kind === 'revoked').token;

let stack;
let browser;
before(async () => { stack = await startStack(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await stack?.stop(); });

for (const colorScheme of ['light', 'dark']) {
  test(`Arabic from the fragment: right to left, translated, accessible (${colorScheme})`, async () => {
    const ar = catalogue('ar');
    const { context, page } = await openPage(browser, `${stack.pageUrl}#lang=ar`, { colorScheme });
    const org = page.getByLabel(ar['org.label']);
    await org.waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'ar');
    assert.deepEqual(await axeViolations(page), []);
    // A failure, in Arabic, also without violations.
    await org.fill('acme.okta.com');
    await page.getByLabel(ar['token.label'], { exact: true }).fill(REVOKED);
    await page.getByRole('button', { name: ar['check.button'] }).click();
    await page.getByRole('heading', { name: ar['failure.token_rejected.title'] }).waitFor();
    assert.deepEqual(await axeViolations(page), []);
    await context.close();
  });
}

test('the browser language is used when the fragment names none', async () => {
  const ja = catalogue('ja');
  const { context, page } = await openPage(browser, stack.pageUrl, { locale: 'ja-JP' });
  await page.getByLabel(ja['org.label']).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'ja');
  await context.close();
});

test('the language menu switches in place', async () => {
  const de = catalogue('de');
  const { context, page } = await openPage(browser, stack.pageUrl);
  await page.getByLabel('Language').selectOption('de');
  await page.getByLabel(de['org.label']).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'de');
  await context.close();
});
