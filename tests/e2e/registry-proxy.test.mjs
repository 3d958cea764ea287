// The proxy contract is not tied to our proxy: the page works against the unmodified npm
// `cors-anywhere` with a `{url}` template, in front of the simulator.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startService, startStack, launchBrowser, openPage, runCheck, leakAudit, FIXTURES, ROOT, plain } from './harness.mjs';

const tok = (kind) => FIXTURES.orgs.find((o) => o.host === 'acme.okta.com').tokens.find((t) => t.kind === kind).token;

let stack;
let ca;
let browser;
before(async () => {
  // A first simulator only to learn where cors-anywhere must point; the page's stack gets the
  // cors-anywhere template.
  const simStack = await startStack();
  ca = await startService(process.execPath, [join(ROOT, 'tests/e2e/cors-anywhere-okta.cjs'), simStack.sim.url], { name: 'cors-anywhere' });
  ca.simStack = simStack;
  stack = await startStack({ config: { proxy: `${ca.url}/{url}` } });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await stack?.stop();
  await ca?.stop();
  await ca?.simStack?.stop();
});

test('verified through cors-anywhere', async () => {
  const { context, page, record } = await openPage(browser, stack.pageUrl);
  await runCheck(page, 'acme.okta.com', tok('super_admin'));
  const result = page.getByRole('region', { name: 'Check result' });
  await result.waitFor({ timeout: 25000 });
  const text = plain(await result.innerText());
  assert.match(text, /Connection verified/);
  assert.match(text, /Alice Nguyen/);
  assert.ok(record.requests.some((r) => r.url.startsWith(`${ca.url}/https://acme.okta.com/api/v1/users/me`)));
  assert.deepEqual(await leakAudit(page, record, tok('super_admin'), { services: [ca] }), []);
  await context.close();
});

test('a revoked token through cors-anywhere is rejected, with the request id', async () => {
  const { context, page } = await openPage(browser, stack.pageUrl);
  await runCheck(page, 'acme.okta.com', tok('revoked'));
  const result = page.getByRole('region', { name: 'Check result' });
  await result.waitFor({ timeout: 25000 });
  const text = plain(await result.innerText());
  assert.match(text, /Okta rejected the API token/);
  assert.match(text, /Xsim/);
  await context.close();
});

test('a 20 MiB chunked body through a proxy that does not bound bodies: read only to 1 MiB, then refused', async () => {
  // cors-anywhere passes the simulator's streamed 20 MiB answer on whole (no Content-Length);
  // the page stops reading at its own bound and says so, instead of holding the whole body.
  const { context, page, record } = await openPage(browser, stack.pageUrl);
  await runCheck(page, 'fault-huge.okta.com', tok('super_admin'));
  const result = page.getByRole('region', { name: 'Check result' });
  await result.waitFor({ timeout: 25000 });
  const text = plain(await result.innerText());
  assert.match(text, /Okta's answer could not be read/);
  assert.match(text, /returned an answer too large to read\./);
  assert.doesNotMatch(text, /HTTP 0/);
  // The form stays usable: a good org verifies right after.
  await runCheck(page, 'acme.okta.com', tok('super_admin'));
  await result.getByRole('heading', { name: 'Connection verified' }).waitFor({ timeout: 25000 });
  assert.deepEqual(record.pageErrors, []);
  assert.deepEqual(await leakAudit(page, record, tok('super_admin'), { services: [ca] }), []);
  await context.close();
});
