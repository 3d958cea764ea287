// Update mode (issue 17): the platform opens the page for an existing connection, by the link's
// fragment (`#mode=update&org=…&owner=…`) or by the embedding host's `session` message. The org
// is fixed and shown (not editable); the copy says a new token is needed and the three usual
// causes; a token of another org fails naming the fixed org; a different owner is a notice; the
// delivered result says `update: true` (and validates against the schema); axe finds nothing,
// light and dark, English and Arabic.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { startStack, launchBrowser, openPage, leakAudit, FIXTURES, plain, axeViolations } from './harness.mjs';
import { assertValid } from './schema.mjs';

const org = (host) => FIXTURES.orgs.find((o) => o.host === host);
const tokenOf = (host, kind) => org(host).tokens.find((t) => t.kind === kind).token;
const SUPER = tokenOf('acme.okta.com', 'super_admin');
const ALICE = org('acme.okta.com').users.find((u) => u.login.startsWith('alice')).id;
const RAVI = org('acme.okta.com').users.find((u) => u.login.startsWith('ravi')).id;
/** The platform: records each request to its redirect target. */
function landing() {
  return new Promise((resolve) => {
    const hits = [];
    const server = createServer((req, res) => {
      hits.push(req.url);
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><html lang="en"><title>Platform</title><h1>Back at the platform</h1></html>');
    });
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${server.address().port}`, hits, close: () => new Promise((r) => server.close(r)) }));
  });
}

async function check(page, secret) {
  await page.locator('#token').fill(secret);
  await page.locator('#token').press('Enter');
  const result = page.locator('#result');
  await result.waitFor();
  return result;
}

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

describe('update mode from the link (redirect delivery)', () => {
  let stack, platform;
  before(async () => {
    platform = await landing();
    stack = await startStack({
      config: { delivery: { mode: 'redirect', redirect_url: `${platform.url}/done` }, allowed_origins: [platform.url] },
    });
  });
  after(async () => { await stack?.stop(); await platform?.close(); });

  const open = (extra = '', opts = {}) => openPage(browser, `${stack.pageUrl}#mode=update&org=acme.okta.com${extra}`, opts);

  test('the org is fixed and shown, the copy says why; a good token of the same org verifies and delivers update: true', async () => {
    const { context, page, record } = await open(`&owner=${ALICE}&state=s1`);
    const intro = page.getByRole('region', { name: 'Your Okta connection needs a new API token' });
    const text = plain(await intro.innerText());
    assert.match(text, /connection to acme\.okta\.com has stopped working/);
    assert.match(text, /not used for 30 days/);
    assert.match(text, /revoked/);
    assert.match(text, /deactivated or suspended/);
    const orgField = page.locator('#org');
    assert.equal(await orgField.inputValue(), 'acme.okta.com');
    assert.equal(await orgField.isEditable(), false, 'the org cannot be edited');
    await orgField.press('x').catch(() => {});
    assert.equal(await orgField.inputValue(), 'acme.okta.com');

    const result = await check(page, SUPER);
    assert.equal(await result.getAttribute('data-diagnosis'), 'verified');
    // The same owner as before: no owner notice.
    assert.equal(await page.locator('#update-owner').count(), 0);
    assert.deepEqual(await leakAudit(page, record, SUPER, { services: [stack.proxy, stack.sim] }), []);
    await Promise.all([
      page.waitForURL((u) => u.origin === platform.url, { timeout: 15000 }),
      page.getByRole('button', { name: 'Finish connecting' }).click(),
    ]);
    const params = Object.fromEntries(new URL(page.url()).searchParams);
    assert.equal(params.update, 'true');
    assert.equal(params.org_host, 'acme.okta.com');
    assert.equal(params.state, 's1');
    assertValid('#/$defs/redirect_parameters', params);
    assert.ok(!page.url().includes(SUPER));
    await context.close();
  });

  test('a token of another org fails naming the fixed org', async () => {
    const { context, page } = await open();
    const result = await check(page, tokenOf('globex.oktapreview.com', 'super_admin'));
    assert.equal(await result.getAttribute('data-diagnosis'), 'token_rejected');
    const note = plain(await page.locator('#update-rejected').innerText());
    assert.match(note, /belongs to acme\.okta\.com: the new token must be created in acme\.okta\.com/);
    assert.equal(await page.locator('#org').inputValue(), 'acme.okta.com');
    await context.close();
  });

  test('a different owner than before is a notice, not a failure', async () => {
    const { context, page } = await open(`&owner=${RAVI}`);
    const result = await check(page, SUPER);
    assert.equal(await result.getAttribute('data-diagnosis'), 'verified');
    assert.match(plain(await page.locator('#update-owner').innerText()), /belongs to Alice Nguyen, not to the administrator who created the previous one/);
    assert.equal(await page.getByRole('button', { name: 'Finish connecting' }).isEnabled(), true);
    await context.close();
  });

  for (const lang of ['en', 'ar']) {
    for (const colorScheme of ['light', 'dark']) {
      test(`axe: no violations in update mode, introduced and rejected (${lang}, ${colorScheme})`, async () => {
        const { context, page } = await open(`&owner=${RAVI}&lang=${lang}`, { colorScheme });
        await page.locator('#update-intro').waitFor();
        assert.deepEqual(await axeViolations(page), []);
        await check(page, tokenOf('acme.okta.com', 'revoked'));
        await page.locator('#update-rejected').waitFor();
        assert.deepEqual(await axeViolations(page), []);
        await check(page, SUPER).catch(() => {});
        await page.locator('#update-owner').waitFor();
        assert.deepEqual(await axeViolations(page), []);
        await context.close();
      });
    }
  }
});

describe('update mode from the host\'s session message (embed/okta-link.js, post_message delivery)', () => {
  let stack, portal, pageOrigin;
  before(async () => {
    portal = await new Promise((resolve) => {
      const server = createServer((req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(`<!doctype html><html lang="en"><head><title>Partner portal</title>
<script src="${pageOrigin}/okta-link.js"></script></head><body><h1>Partner portal</h1><div id="c"></div>
<script>
window.__result = OktaLink.open({ url: ${JSON.stringify(`${pageOrigin}/`)}, container: document.getElementById('c'),
  session: 'sess-1', mode: 'update', org: 'acme.okta.com', owner: ${JSON.stringify(ALICE)} })
  .then((c) => { window.__connection = c; return 'connected'; }, (e) => 'rejected: ' + e.message);
</script></body></html>`);
      });
      server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) }));
    });
    stack = await startStack({ config: { delivery: { mode: 'post_message' }, allowed_origins: [portal.url] }, allowOrigins: [portal.url] });
    pageOrigin = new URL(stack.pageUrl).origin;
  });
  after(async () => { await stack?.stop(); await portal?.close(); });

  test('the host opens update mode; connected carries update: true', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(portal.url);
    const frame = page.frameLocator('#c iframe');
    await frame.locator('#update-intro').waitFor();
    assert.equal(await frame.locator('#org').inputValue(), 'acme.okta.com');
    assert.equal(await frame.locator('#org').isEditable(), false);
    await frame.locator('#token').fill(SUPER);
    await frame.locator('#token').press('Enter');
    await frame.getByText('Connection verified').first().waitFor();
    await frame.getByRole('button', { name: /Finish connecting|Connect/ }).click();
    await page.waitForFunction(() => window.__connection);
    const connection = await page.evaluate(() => window.__connection);
    assert.equal(connection.result.update, true);
    assert.equal(connection.result.org_host, 'acme.okta.com');
    assertValid('#/$defs/connection', connection);
    await context.close();
  });
});
