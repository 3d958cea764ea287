// The least-privilege notice (issue 17): after "verified", a Super Administrator's token gets a
// calm notice that a Read-only Administrator's token is enough, with the steps to make one; a
// read-only admin's token does not; `least_privilege: "off"` hides it. Connect stays available,
// the delivered result carries the roles, and axe finds nothing, light and dark, en and ar.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, launchBrowser, openPage, runCheck, FIXTURES, plain, axeViolations } from './harness.mjs';

const token = (kind) => FIXTURES.orgs.find((o) => o.host === 'acme.okta.com').tokens.find((t) => t.kind === kind).token;
let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

async function verified(stack, kind, opts = {}) {
  const { context, page } = await openPage(browser, `${stack.pageUrl}${opts.hash ?? ''}`, opts);
  await runCheck(page, 'acme.okta.com', token(kind));
  const result = page.getByRole('region', { name: opts.region ?? 'Check result' });
  await result.waitFor();
  assert.equal(await result.getAttribute('data-diagnosis'), 'verified');
  return { context, page };
}

describe('least_privilege: advise (the default)', () => {
  let stack;
  before(async () => { stack = await startStack(); });
  after(async () => { await stack?.stop(); });

  test('a Super Administrator\'s token gets the notice with the steps', async () => {
    const { context, page } = await verified(stack, 'super_admin');
    const notice = page.getByRole('region', { name: 'A token with fewer permissions is enough' });
    await notice.waitFor();
    const text = plain(await notice.innerText());
    assert.match(text, /belongs to an account with the Super Administrator role/);
    assert.match(text, /Read-only Administrator can read users, groups and the System Log/);
    assert.match(text, /Security > Administrators/);
    assert.match(text, /Security > API > Tokens/);
    assert.equal(await notice.locator('ol > li').count(), 4);
    await context.close();
  });

  test('a Read-only Administrator\'s token does not', async () => {
    const { context, page } = await verified(stack, 'read_only_admin');
    assert.equal(await page.locator('#least-privilege').count(), 0);
    await context.close();
  });

  for (const lang of ['en', 'ar']) {
    for (const colorScheme of ['light', 'dark']) {
      test(`axe: no violations with the notice (${lang}, ${colorScheme})`, async () => {
        const { context, page } = await openPage(browser, `${stack.pageUrl}#lang=${lang}`, { colorScheme });
        // By id: the labels are in the page's language.
        await page.locator('#org').fill('acme.okta.com');
        await page.locator('#token').fill(token('super_admin'));
        await page.locator('#token').press('Enter');
        await page.locator('#least-privilege').waitFor();
        assert.deepEqual(await axeViolations(page), []);
        await context.close();
      });
    }
  }
});

describe('least_privilege: off', () => {
  let stack;
  before(async () => { stack = await startStack({ config: { least_privilege: 'off' } }); });
  after(async () => { await stack?.stop(); });

  test('hides the notice', async () => {
    const { context, page } = await verified(stack, 'super_admin');
    assert.equal(await page.locator('#least-privilege').count(), 0);
    await context.close();
  });
});
