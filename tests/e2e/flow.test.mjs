// The core flows in a real browser against the release build, the simulator and the proxy:
// a super-admin token is verified (who it belongs to, roles, checklist), a revoked token is
// rejected, and after each flow the token has leaked nowhere.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startStack, launchBrowser, openPage, runCheck, leakAudit, orgField, tokenField, checkButton, FIXTURES,
  plain,
} from './harness.mjs';

const token = (org, kind) => {
  const t = FIXTURES.orgs.find((o) => o.host === org)?.tokens.find((x) => x.kind === kind);
  assert.ok(t, `fixture token ${org}/${kind}`);
  return t.token;
};

let stack;
let browser;

before(async () => {
  stack = await startStack();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

async function flow(org, secret, { expect, config } = {}) {
  const { context, page, record } = await openPage(browser, stack.pageUrl);
  await runCheck(page, org, secret);
  const result = page.getByRole('region', { name: /result/i });
  await result.waitFor({ timeout: 25000 });
  return { context, page, record, result };
}

test('a super-admin token is verified and shows who it belongs to', async () => {
  const secret = token('acme.okta.com', 'super_admin');
  const { context, page, record, result } = await flow('https://acme-admin.okta.com/admin/dashboard', secret);
  await assert.doesNotReject(result.getByText(/connection verified/i).waitFor());
  const text = plain(await result.innerText());
  assert.match(text, /acme\.okta\.com/);
  assert.match(text, /Super Administrator/);
  assert.match(text, /Users/);
  // Focus moved to the result.
  assert.equal(await page.evaluate(() => document.activeElement?.closest('[role=region]')?.id ?? document.activeElement?.id), 'result');
  const leaks = await leakAudit(page, record, secret, { services: [stack.proxy, stack.sim] });
  assert.deepEqual(leaks, []);
  assert.deepEqual(record.pageErrors, []);
  await context.close();
});

test('a revoked token is rejected with all four reasons and the token field focused', async () => {
  const secret = token('acme.okta.com', 'revoked');
  const { context, page, record, result } = await flow('acme.okta.com', secret);
  const text = plain(await result.innerText());
  assert.match(text, /rejected/i);
  assert.match(text, /revoked/i);
  assert.match(text, /30 days/i);
  assert.match(text, /deactivated/i);
  assert.match(text, /another Okta organization|different Okta organization|wrong org/i);
  // A request id is shown for support.
  assert.match(text, /request ID/i);
  // The form is usable again.
  assert.equal(await checkButton(page).isEnabled(), true);
  const leaks = await leakAudit(page, record, secret, { services: [stack.proxy, stack.sim] });
  assert.deepEqual(leaks, []);
  await context.close();
});

test('editing a field after a check clears the old result', async () => {
  const secret = token('acme.okta.com', 'revoked');
  const { context, page, result } = await flow('acme.okta.com', secret);
  await result.waitFor();
  await orgField(page).fill('globex.oktapreview.com');
  await result.waitFor({ state: 'detached' });
  await context.close();
});

test('only GET leaves the page, and nothing carries a Referer', async () => {
  const secret = token('acme.okta.com', 'super_admin');
  const { context, page, record, result } = await flow('acme.okta.com', secret);
  await result.getByText(/connection verified/i).waitFor();
  for (const r of record.requests) {
    assert.equal(r.method, 'GET', `${r.method} ${r.url}`);
    assert.ok(!r.headers.referer, `Referer on ${r.url}: ${r.headers.referer}`);
  }
  await context.close();
});

test('field errors appear after leaving the field, not on the first key', async () => {
  const { context, page } = await openPage(browser, stack.pageUrl);
  await orgField(page).fill('{yourOktaDomain}');
  assert.equal(await page.locator('#org-error').count(), 0);
  await tokenField(page).focus();
  await page.locator('#org-error').waitFor();
  assert.equal(await orgField(page).getAttribute('aria-invalid'), 'true');
  assert.match(await orgField(page).getAttribute('aria-describedby'), /org-error/);
  await context.close();
});

test('what the fields forgive or doubt is said under them, and the check goes on', async () => {
  const { context, page } = await openPage(browser, stack.pageUrl);
  // A company's whole domain: a warning (Okta custom domains are subdomains), not a refusal.
  await orgField(page).fill('acme.com');
  await tokenField(page).focus();
  await page.getByText(/whole domain/).waitFor();
  assert.equal(await page.locator('#org-error').count(), 0);
  // An API token pasted with Bearer: the word is taken off, said so, and the token checks out.
  await orgField(page).fill('acme.okta.com');
  await tokenField(page).fill(`Bearer ${token('acme.okta.com', 'super_admin')}`);
  await page.getByText(/Removed "Bearer" in front of the token/).waitFor();
  await checkButton(page).click();
  await page.getByRole('region', { name: /result/i }).waitFor({ timeout: 25000 });
  assert.equal(await page.locator('#result').getAttribute('data-diagnosis'), 'verified');
  await context.close();
});

test('the page runs under its CSP header with zero violations through a whole check', async () => {
  const secret = token('acme.okta.com', 'super_admin');
  const { context, page, result } = await flow('acme.okta.com', secret);
  await result.getByText(/connection verified/i).waitFor();
  const response = await page.request.get(stack.pageUrl);
  const csp = response.headers()['content-security-policy'];
  assert.ok(csp && !csp.includes('unsafe-inline') && !csp.includes("'unsafe-eval'"), csp);
  assert.match(csp, /wasm-unsafe-eval/);
  assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
  await context.close();
});

test('nothing in the URL can send the token elsewhere', async () => {
  const secret = token('acme.okta.com', 'super_admin');
  const evil = 'http://127.0.0.1:9';
  const url = `${stack.pageUrl}?proxy=${encodeURIComponent(evil + '/{host}{path}')}#proxy=${encodeURIComponent(evil + '/{url}')}&submit_url=${encodeURIComponent(evil)}&org=acme.okta.com`;
  const { context, page, record } = await openPage(browser, url);
  await tokenField(page).fill(secret);
  await checkButton(page).click();
  await page.getByRole('region', { name: /result/i }).getByText(/connection verified/i).waitFor();
  const origin = new URL(stack.pageUrl).origin;
  for (const r of record.requests) assert.ok(r.url.startsWith(origin), `request left the configured proxy: ${r.url}`);
  assert.ok(!page.url().includes('#'), 'fragment cleared');
  await context.close();
});
