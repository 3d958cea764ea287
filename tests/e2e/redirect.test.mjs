// `redirect` delivery end to end: after Connect the browser really navigates to the platform's
// redirect_url with the status, the state from the link and the result's summary (version,
// org_host, update); those parameters validate against the published schema; the token is in no
// URL the browser requested or navigated to, no history entry, and no Referer.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { startStack, launchBrowser, openPage, runCheck, leakAudit, FIXTURES } from './harness.mjs';
import { assertValid } from './schema.mjs';

const SECRET = FIXTURES.orgs.find((o) => o.host === 'acme.okta.com').tokens.find((t) => t.kind === 'super_admin').token;

/** The platform's landing page: records each request (URL and Referer). */
function landing() {
  return new Promise((resolve) => {
    const hits = [];
    const server = createServer((req, res) => {
      hits.push({ url: req.url, referer: req.headers.referer });
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><html lang="en"><title>Platform</title><h1>Back at the platform</h1></html>');
    });
    server.listen(0, '127.0.0.1', () => {
      resolve({ url: `http://127.0.0.1:${server.address().port}`, hits, close: () => new Promise((r) => server.close(r)) });
    });
  });
}

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

describe('redirect delivery', () => {
  let stack, platform;
  before(async () => {
    platform = await landing();
    stack = await startStack({
      config: { delivery: { mode: 'redirect', redirect_url: `${platform.url}/okta/done?tenant=7` }, allowed_origins: [platform.url] },
    });
  });
  after(async () => { await stack?.stop(); await platform?.close(); });

  test('navigates to the target with status, state and the result summary; the token is in no URL or history entry', async () => {
    const state = 'csrf 42&x=y';
    const { context, page, record } = await openPage(browser, `${stack.pageUrl}#org=acme.okta.com&state=${encodeURIComponent(state)}`);
    const navigations = [];
    page.on('framenavigated', (f) => { if (f === page.mainFrame()) navigations.push(f.url()); });
    await runCheck(page, 'acme.okta.com', SECRET);
    await page.getByText('Connection verified').first().waitFor();
    // Audit the page itself before it is left.
    assert.deepEqual(await leakAudit(page, record, SECRET, { services: [stack.proxy, stack.sim] }), []);
    await Promise.all([
      page.waitForURL((u) => u.origin === platform.url, { timeout: 15000 }),
      page.getByRole('button', { name: 'Finish connecting' }).click(),
    ]);
    await page.getByRole('heading', { name: 'Back at the platform' }).waitFor();

    const target = new URL(page.url());
    assert.equal(target.pathname, '/okta/done');
    const params = Object.fromEntries(target.searchParams);
    assert.equal(params.tenant, '7', 'the URL\'s own query is kept');
    delete params.tenant;
    assert.equal(params.status, 'connected');
    assert.equal(params.state, state);
    assert.equal(params.org_host, 'acme.okta.com');
    assert.equal(params.update, 'false');
    assertValid('#/$defs/redirect_parameters', params);

    // The platform's target was reached once, without a Referer (the browser then also asks
    // for /favicon.ico, from the platform's own page).
    const landed = platform.hits.filter((h) => h.url.startsWith('/okta/done'));
    assert.deepEqual(landed.map((h) => h.url), [`${target.pathname}${target.search}`]);
    assert.equal(landed[0].referer, undefined);
    // No URL the browser requested or showed holds the token.
    assert.ok(navigations.length >= 1);
    for (const u of [...navigations, ...record.requests.map((r) => r.url)]) assert.ok(!u.includes(SECRET), u);
    // Walk the history back: no entry holds the token.
    const seen = [page.url()];
    while (await page.goBack({ waitUntil: 'commit' }).catch(() => null)) {
      seen.push(page.url());
      if (seen.length > 5) break;
    }
    assert.ok(seen.some((u) => u.startsWith(stack.pageUrl)), `history: ${seen}`);
    for (const u of seen) assert.ok(!u.includes(SECRET), `history entry ${u}`);
    for (const l of [...stack.proxy.logs, ...stack.sim.logs]) assert.ok(!l.includes(SECRET), 'token in a log');
    await context.close();
  });
});
