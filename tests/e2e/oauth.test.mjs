// OAuth 2.0 credentials, end to end: the page offers the three credential types, guides the
// service app's setup with the platform's public key, has the reference proxy (the platform's
// check server, signing with the simulator's demo platform key) check every demo app, shows each
// diagnosis, delivers apps to the platform, and never lets the OIN secret leak.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import {
  startStack, launchBrowser, openPage, FIXTURES, ROOT, leakAudit, plain, axeViolations, orgField, checkButton,
} from './harness.mjs';
import { assertValid } from './schema.mjs';

const KEY = join(ROOT, 'crates/okta-sim/fixtures/demo-platform-key.pem');
const ACME = FIXTURES.orgs.find((o) => o.host === 'acme.okta.com');
const app = (id) => ACME.apps.find((a) => a.client_id === id);
const OIN = ACME.apps.find((a) => a.kind === 'oin');
const OIN_SECRET = OIN.client_secret;

/** What the page must conclude for the demo apps of acme.okta.com (required: users and logs). */
const EXPECTED = {
  '0oa1dpopreadonly0001': 'verified',
  '0oa3superadmin000003': 'verified',
  '0oa4noscopes00000004': 'no_scope_granted',
  '0oa5noroles000000005': 'missing_access',
  '0oa6nologs0000000006': 'missing_access',
};
/** The table the native check asserts too (crates/okta-link-check/tests/agreement.rs). */
const TABLE = JSON.parse(readFileSync(join(ROOT, 'tests/cases/app_agreement.json'), 'utf8'));

const APPS_CONFIG = {
  required: ['users', 'logs'],
  credentials: ['api_token', 'service_app', 'client_secret'],
  check_url: '/check',
  service_app: { jwks_url: '/.well-known/jwks.json' },
};

const clientId = (page) => page.getByLabel('Client ID', { exact: true });
const clientSecret = (page) => page.getByLabel('Client secret', { exact: true });
const choose = (page, name) => page.getByRole('radio', { name });
const result = (page) => page.locator('#result');

async function checkApp(page, org, id, secret) {
  await orgField(page).fill(org);
  await clientId(page).fill(id);
  if (secret !== undefined) await clientSecret(page).fill(secret);
  await checkButton(page).click();
  await result(page).waitFor({ timeout: 20000 });
  return result(page).getAttribute('data-diagnosis');
}

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

describe('a deployment offering every credential type', () => {
  let stack;
  before(async () => { stack = await startStack({ config: APPS_CONFIG, proxyArgs: ['--service-app-key', KEY, '--check-rate-limit-per-minute', '0'] }); });
  after(async () => { await stack?.stop(); });

  test('the choice is a radio group, the first preselected, the fragment may choose another', async () => {
    const { context, page } = await openPage(browser, stack.pageUrl);
    assert.equal(await page.getByRole('group', { name: 'How do you want to connect Okta?' }).count(), 1);
    assert.ok(await choose(page, 'API token').isChecked());
    assert.equal(await page.locator('input#token').count(), 1);
    await choose(page, 'OIN integration').or(choose(page, 'Okta Integration Network app')).click();
    assert.equal(await clientId(page).count(), 1);
    assert.equal(await clientSecret(page).count(), 1);
    assert.equal(await clientSecret(page).getAttribute('type'), 'password');
    await context.close();
    const opened = await openPage(browser, `${stack.pageUrl}#credential=service_app`);
    assert.ok(await choose(opened.page, 'OAuth 2.0 service app').isChecked());
    assert.ok(!(await choose(opened.page, 'API token').isChecked()));
    await opened.context.close();
  });

  test('the service app setup shows the platform key (JWKS URL and a public JWK), the scopes and the role', async () => {
    const { context, page } = await openPage(browser, `${stack.pageUrl}#credential=service_app`);
    const jwksUrl = page.locator('#setup-jwks-url');
    assert.match(await jwksUrl.innerText(), /\/\.well-known\/jwks\.json$/);
    const jwk = page.locator('#setup-jwk');
    await jwk.waitFor({ timeout: 10000 });
    const shown = JSON.parse(await jwk.innerText());
    const published = await (await fetch(`${stack.proxy.url}/.well-known/jwks.json`)).json();
    assert.deepEqual(shown, published.keys[0]);
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.ok(!(member in shown), member);
    assert.equal(await page.locator('#setup-scopes').innerText(), 'okta.users.read okta.logs.read');
    assert.match(plain(await page.locator('.setup').innerText()), /assign the Read-only Administrator role/);
    // The footer says what leaves the page for a service app: the client ID only.
    assert.match(plain(await page.locator('.footer').innerText()), /Only the client ID goes to/);
    await context.close();
  });

  test('Copy puts the value on the clipboard, says Copied for a moment, and says what to do when the browser refuses', async () => {
    const { context, page } = await openPage(browser, `${stack.pageUrl}#credential=service_app`);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(stack.pageUrl).origin });
    const block = page.locator('.copyable').filter({ hasText: 'JWKS URL' });
    const copy = block.getByRole('button', { name: 'Copy' });
    await copy.click();
    await block.getByRole('button', { name: 'Copied' }).waitFor({ timeout: 5000 });
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    assert.equal(copied, await page.locator('#setup-jwks-url').innerText());
    // Back to "Copy" after a moment, so that a second copy is acknowledged too.
    await block.getByRole('button', { name: 'Copy', exact: true }).waitFor({ timeout: 5000 });
    assert.equal(plain(await block.getByRole('status').innerText()), '');
    await context.close();

    // A browser (or a frame without clipboard-write) that refuses.
    const refused = await openPage(browser, `${stack.pageUrl}#credential=service_app`);
    await refused.page.evaluate(() => {
      navigator.clipboard.writeText = () => Promise.reject(new DOMException('denied', 'NotAllowedError'));
    });
    const refusedBlock = refused.page.locator('.copyable').filter({ hasText: 'JWKS URL' });
    await refusedBlock.getByRole('button', { name: 'Copy' }).click();
    const status = refusedBlock.getByRole('status');
    await status.filter({ hasText: 'Select the text above' }).waitFor({ timeout: 5000 });
    assert.equal(await refusedBlock.getByRole('button', { name: 'Copied' }).count(), 0);
    await refused.context.close();
  });

  for (const [id, code] of Object.entries(EXPECTED)) {
    test(`service app ${id}: ${code}`, async () => {
      const { context, page } = await openPage(browser, `${stack.pageUrl}#credential=service_app`);
      assert.equal(await checkApp(page, 'acme.okta.com', id), code);
      const text = plain(await result(page).innerText());
      if (code === 'verified') {
        assert.match(text, /Connection verified/);
        assert.match(text, new RegExp(app(id).label));
        assert.match(text, /okta\.users\.read/);
      }
      if (id === '0oa3superadmin000003') assert.match(text, /A role with fewer permissions is enough/);
      if (id === '0oa6nologs0000000006') assert.match(text, /grant okta\.logs\.read/);
      if (id === '0oa5noroles000000005') {
        assert.match(text, /Admin roles tab/);
        // The app's own roles, in the app's words (not a token's), apart from the checklist.
        assert.match(text, /The app's admin roles\s*Okta refused to list them: the app probably has no admin role/);
        assert.doesNotMatch(text, /this token/);
      }
      if (id === '0oa3superadmin000003') assert.match(text, /connect the app as it is/);
      // Named by the client ID alone when the app's name could not be read: no empty brackets.
      assert.doesNotMatch(text, /\bApp\s*\(\s*0oa/);
      if (id === '0oa5noroles000000005') assert.match(text, /\bApp\s*0oa5noroles000000005 · OAuth 2\.0 service app/);
      if (id === '0oa4noscopes00000004') assert.match(text, /okta\.users\.read, okta\.logs\.read/);
      await context.close();
    });
  }

  test('an OIN integration verifies with its secret, and a wrong secret is named', async () => {
    const { context, page, record } = await openPage(browser, `${stack.pageUrl}#credential=client_secret`);
    assert.equal(await checkApp(page, 'acme.okta.com', OIN.client_id, `  ${OIN_SECRET} `), 'verified');
    // No okta.apps.read for this integration: the app is named by its client ID.
    assert.match(plain(await result(page).innerText()), new RegExp(`${OIN.client_id}[\\s\\S]*Okta Integration Network app`));
    assert.match(plain(await result(page).innerText()), /Okta accepted the app/);
    assert.match(plain(await page.locator('.footer').innerText()), /client ID and secret go only to/);
    const leaks = await leakAudit(page, record, OIN_SECRET, { services: [stack.proxy, stack.sim] });
    assert.deepEqual(leaks.filter((l) => l !== 'inputs'), []);
    await clientSecret(page).fill('wrong-secret-value');
    await checkButton(page).click();
    await page.locator('#result[data-diagnosis="client_rejected"]').waitFor({ timeout: 20000 });
    assert.match(plain(await result(page).innerText()), /did not accept the client secret/);
    await context.close();
  });

  test('after a check, the fields of another credential type start without errors', async () => {
    const { context, page } = await openPage(browser, stack.pageUrl);
    await orgField(page).fill('acme.okta.com');
    await checkButton(page).click();
    await page.locator('#token-error').waitFor();
    await choose(page, 'OAuth 2.0 service app').click();
    await clientId(page).waitFor();
    await page.waitForTimeout(100);
    assert.equal(await page.locator('#client-id-error').count(), 0);
    assert.equal(await clientId(page).getAttribute('aria-invalid'), 'false');
    // Checking again shows the new field's error.
    await checkButton(page).click();
    await page.locator('#client-id-error').waitFor();
    await context.close();
  });

  test('the app Admin Console address fills the client ID and the empty organization field', async () => {
    const { context, page } = await openPage(browser, `${stack.pageUrl}#credential=service_app`);
    await clientId(page).fill('https://acme-admin.okta.com/admin/app/oidc_client/instance/0oa1dpopreadonly0001/#tab-general');
    assert.equal(await orgField(page).inputValue(), 'acme.okta.com');
    assert.match(plain(await page.locator('#client-id-state').innerText()), /0oa1dpopreadonly0001/);
    await checkButton(page).click();
    await page.locator('#result[data-diagnosis="verified"]').waitFor({ timeout: 20000 });
    await context.close();
  });

  for (const [colorScheme, lang] of [['light', 'en'], ['dark', 'ar']]) {
    test(`axe finds nothing in the new states (${colorScheme}, ${lang})`, async () => {
      const { context, page } = await openPage(browser, `${stack.pageUrl}#credential=service_app&lang=${lang}`, { colorScheme });
      await page.locator('#setup-jwk').waitFor({ timeout: 10000 });
      assert.deepEqual(await axeViolations(page), []);
      await page.locator('#org').fill('acme.okta.com');
      await page.locator('#client-id').fill('0oa3superadmin000003');
      await page.locator('#link-form button[type=submit]').click();
      await page.locator('#result[data-diagnosis="verified"]').waitFor({ timeout: 20000 });
      assert.deepEqual(await axeViolations(page), []);
      await page.locator('#client-id').fill('0oa4noscopes00000004');
      await page.locator('#link-form button[type=submit]').click();
      await page.locator('#result[data-diagnosis="no_scope_granted"]').waitFor({ timeout: 20000 });
      assert.deepEqual(await axeViolations(page), []);
      await context.close();
    });
  }
});

describe('apps delivered to the platform (submit)', () => {
  let stack, platform;
  const posts = [];
  before(async () => {
    platform = await new Promise((resolve) => {
      const server = createServer((req, res) => {
        let body = '';
        req.on('data', (c) => { body += c; });
        req.on('end', () => {
          res.writeHead(req.method === 'OPTIONS' ? 204 : 200, {
            'access-control-allow-origin': '*',
            'access-control-allow-headers': 'content-type, authorization',
            'access-control-allow-methods': 'POST',
          });
          if (req.method === 'POST') posts.push(body);
          res.end();
        });
      });
      server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) }));
    });
    stack = await startStack({
      config: { ...APPS_CONFIG, delivery: { mode: 'submit', submit_url: `${platform.url}/connections` } },
      proxyArgs: ['--service-app-key', KEY, '--check-rate-limit-per-minute', '0', '--connect-src', platform.url],
    });
  });
  after(async () => { await stack?.stop(); await platform?.close(); });

  for (const [kind, id, secret] of [['service_app', '0oa1dpopreadonly0001'], ['client_secret', OIN.client_id, OIN_SECRET]]) {
    test(`${kind}: the connection carries the client ID${secret ? ' and the secret' : ''}, the result names the app`, async () => {
      const before = posts.length;
      const { context, page, record } = await openPage(browser, `${stack.pageUrl}#credential=${kind}`);
      assert.equal(await checkApp(page, 'acme.okta.com', id, secret), 'verified');
      await page.getByRole('button', { name: 'Finish connecting' }).click();
      await page.waitForFunction(() => document.querySelector('#result')?.innerText.length > 0 && !document.querySelector('#result button.primary'), null, { timeout: 20000 });
      assert.equal(posts.length, before + 1);
      const body = JSON.parse(posts.at(-1));
      assertValid('#/$defs/connection', body);
      assert.equal(body.credential, kind);
      assert.equal(body.client_id, id);
      assert.equal(body.token, undefined);
      assert.equal(body.client_secret, secret);
      assert.equal(body.result.version, 2);
      assert.equal(body.result.credential.type, kind);
      assert.equal(body.result.credential.client_id, id);
      assert.equal(body.result.owner, null);
      assert.ok(body.result.credential.scopes.includes('okta.users.read'));
      if (secret) {
        // After delivery the secret is gone from the page too.
        assert.deepEqual(await leakAudit(page, record, secret, { services: [stack.proxy, stack.sim], allowTokenField: false }), []);
      }
      await context.close();
    });
  }
});

describe('a check server that cannot be reached', () => {
  let stack;
  before(async () => {
    stack = await startStack({ config: { ...APPS_CONFIG, credentials: ['client_secret'], check_url: 'http://127.0.0.1:9/check' }, proxyArgs: ['--connect-src', 'http://127.0.0.1:9'] });
  });
  after(async () => { await stack?.stop(); });

  test('is the integrator\'s failure, said plainly', async () => {
    const { context, page } = await openPage(browser, stack.pageUrl);
    assert.equal(await page.getByRole('radio').count(), 0);
    assert.equal(await checkApp(page, 'acme.okta.com', OIN.client_id, OIN_SECRET), 'check_server_failed');
    assert.match(plain(await result(page).innerText()), /could not be reached/);
    await context.close();
  });
});

// The page and the native check agree on every app of the table, through the proxy's /check.
const groups = new Map();
for (const c of TABLE.cases) {
  const required = c.required ?? ['users'];
  if (!groups.has(required.join(','))) groups.set(required.join(','), { required, cases: [] });
  groups.get(required.join(',')).cases.push(c);
}
for (const { required, cases } of groups.values()) {
  describe(`the app table, required: ${required.join(', ')}`, () => {
    let stack;
    before(async () => {
      stack = await startStack({
        config: { ...APPS_CONFIG, required },
        proxyArgs: ['--service-app-key', KEY, '--check-rate-limit-per-minute', '0'],
      });
    });
    after(async () => { await stack?.stop(); });
    for (const c of cases) {
      test(`${c.org} ${c.credential} ${c.client_id}: ${c.diagnosis}${c.reason ? ` (${c.reason})` : ''}`, async () => {
        const { context, page, record } = await openPage(browser, `${stack.pageUrl}#credential=${c.credential}`);
        const secret = c.secret === 'fixture' ? OIN_SECRET : c.secret;
        assert.equal(await checkApp(page, c.org, c.client_id, secret), c.diagnosis);
        if (secret) {
          const leaks = await leakAudit(page, record, secret, { services: [stack.proxy, stack.sim] });
          assert.deepEqual(leaks.filter((l) => l !== 'inputs'), []);
        }
        await context.close();
      });
    }
  });
}

describe('update mode with an app', () => {
  let stack;
  before(async () => {
    stack = await startStack({ config: APPS_CONFIG, proxyArgs: ['--service-app-key', KEY, '--check-rate-limit-per-minute', '0'] });
  });
  after(async () => { await stack?.stop(); });

  test('fixes the org, speaks of the app, and verifies it', async () => {
    const { context, page } = await openPage(browser, `${stack.pageUrl}#mode=update&org=acme.okta.com&credential=service_app`);
    assert.equal(await orgField(page).inputValue(), 'acme.okta.com');
    assert.equal(await orgField(page).getAttribute('readonly'), '');
    const intro = plain(await page.locator('#update-intro').innerText());
    assert.match(intro, /enter its client ID below/);
    assert.doesNotMatch(intro, /token/);
    await clientId(page).fill('0oa1dpopreadonly0001');
    await checkButton(page).click();
    await page.locator('#result[data-diagnosis="verified"]').waitFor({ timeout: 20000 });
    // The admin console address of another org does not replace the fixed org.
    await clientId(page).fill('https://globex-admin.oktapreview.com/admin/app/oidc_client/instance/0oa11globexreadonly1/');
    assert.equal(await orgField(page).inputValue(), 'acme.okta.com');
    await context.close();
  });
});

/** A loopback server: `handler(req, res, body)`; records nothing itself. */
function server(handler) {
  return new Promise((resolve) => {
    const s = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => handler(req, res, body));
    });
    s.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${s.address().port}`, close: () => new Promise((r) => s.close(r)) }));
  });
}

describe('apps delivered by post_message to an embedding portal', () => {
  let stack, portal, pageOrigin;
  before(async () => {
    portal = await server((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><html lang="en"><head><title>Portal</title>
<script src="${pageOrigin}/okta-link.js"></script></head><body><h1>Portal</h1><div id="c"></div>
<script>
window.__msgs = [];
window.addEventListener('message', (e) => { if (e.origin === ${JSON.stringify(pageOrigin)}) window.__msgs.push(e.data); });
window.__result = OktaLink.open({ url: ${JSON.stringify(`${pageOrigin}/`)}, container: document.getElementById('c'), session: 'sess-1', org: 'acme.okta.com', credential: 'client_secret' })
  .then((c) => { window.__connection = c; return 'connected'; }, (e) => 'rejected: ' + e.message);
</script></body></html>`);
    });
    stack = await startStack({
      config: { ...APPS_CONFIG, delivery: { mode: 'post_message' }, allowed_origins: [portal.url] },
      allowOrigins: [portal.url],
      proxyArgs: ['--service-app-key', KEY, '--check-rate-limit-per-minute', '0'],
    });
    pageOrigin = new URL(stack.pageUrl).origin;
  });
  after(async () => { await stack?.stop(); await portal?.close(); });

  test('the host preselects the OIN type; the connection carries the client ID and the secret, only to the portal', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const consoleLines = [];
    page.on('console', (m) => consoleLines.push(m.text()));
    await page.goto(portal.url);
    const frame = page.frameLocator('#c iframe');
    await frame.getByLabel('Client secret', { exact: true }).waitFor();
    assert.ok(await frame.getByRole('radio', { name: 'Okta Integration Network app' }).isChecked());
    await frame.getByLabel('Client ID', { exact: true }).fill(OIN.client_id);
    await frame.getByLabel('Client secret', { exact: true }).fill(OIN_SECRET);
    await frame.getByRole('button', { name: 'Check connection' }).click();
    await frame.getByText('Connection verified').first().waitFor({ timeout: 20000 });
    await frame.getByRole('button', { name: 'Finish connecting' }).click();
    await page.waitForFunction(() => window.__msgs.some((m) => m.type === 'connected'), null, { timeout: 10000 });
    const msgs = await page.evaluate(() => window.__msgs);
    for (const m of msgs) if (m.type !== 'connected') assert.ok(!JSON.stringify(m).includes(OIN_SECRET), `secret in ${m.type}`);
    const connected = msgs.find((m) => m.type === 'connected');
    assertValid('#/$defs/connected_message', connected);
    assert.equal(connected.connection.credential, 'client_secret');
    assert.equal(connected.connection.client_id, OIN.client_id);
    assert.equal(connected.connection.client_secret, OIN_SECRET);
    assert.equal(connected.connection.token, undefined);
    assert.equal(connected.connection.result.credential.type, 'client_secret');
    assert.equal(await page.evaluate(() => window.__result), 'connected');
    const frameHandle = page.frames().find((f) => f.url().startsWith(pageOrigin));
    const leftovers = await frameHandle.evaluate(() => document.documentElement.outerHTML + [...document.querySelectorAll('input')].map((i) => i.value).join(' '));
    assert.ok(!leftovers.includes(OIN_SECRET), 'secret still in the page after delivery');
    for (const l of consoleLines) assert.ok(!l.includes(OIN_SECRET), 'secret in the console');
    for (const l of [...stack.proxy.logs, ...stack.sim.logs]) assert.ok(!l.includes(OIN_SECRET), 'secret in a log');
    await context.close();
  });
});

describe('apps delivered by redirect', () => {
  let stack, landing;
  const hits = [];
  before(async () => {
    landing = await server((req, res) => {
      hits.push({ url: req.url, referer: req.headers.referer });
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><html lang="en"><title>Platform</title><h1>Back at the platform</h1></html>');
    });
    stack = await startStack({
      config: { ...APPS_CONFIG, delivery: { mode: 'redirect', redirect_url: `${landing.url}/okta/done` }, allowed_origins: [landing.url] },
      proxyArgs: ['--service-app-key', KEY, '--check-rate-limit-per-minute', '0'],
    });
  });
  after(async () => { await stack?.stop(); await landing?.close(); });

  test('the platform gets the credential type and the client ID in the summary, no secret', async () => {
    const { context, page } = await openPage(browser, `${stack.pageUrl}#credential=service_app&state=s1`);
    assert.equal(await checkApp(page, 'acme.okta.com', '0oa1dpopreadonly0001'), 'verified');
    await page.getByRole('button', { name: 'Finish connecting' }).click();
    await page.getByRole('heading', { name: 'Back at the platform' }).waitFor({ timeout: 20000 });
    const url = new URL(page.url());
    const params = Object.fromEntries(url.searchParams);
    assertValid('#/$defs/redirect_parameters', params);
    assert.equal(params.credential, 'service_app');
    assert.equal(params.client_id, '0oa1dpopreadonly0001');
    assert.equal(params.version, '2');
    assert.equal(params.state, 's1');
    // The navigation carried no Referer (the landing page's own favicon request may).
    assert.equal(hits.find((h) => h.url.startsWith('/okta/done')).referer, undefined);
    await context.close();
  });
});

describe('a check server that refuses', () => {
  let stack;
  before(async () => {
    // No platform key: a service app check is refused (501); one check per minute.
    stack = await startStack({ config: APPS_CONFIG, proxyArgs: ['--check-rate-limit-per-minute', '1'] });
  });
  after(async () => { await stack?.stop(); });

  test('a refusal is the integrator\'s failure; its rate limit is a rate limit', async () => {
    const { context, page } = await openPage(browser, `${stack.pageUrl}#credential=service_app`);
    assert.equal(await checkApp(page, 'acme.okta.com', '0oa1dpopreadonly0001'), 'check_server_failed');
    const text = plain(await result(page).innerText());
    assert.match(text, /status 501/);
    assert.match(text, /tell the team that gave you this page/);
    await clientId(page).fill('0oa2nodpopreadonly02');
    await checkButton(page).click();
    await page.locator('#result[data-diagnosis="rate_limited"]').waitFor({ timeout: 20000 });
    await context.close();
  });
});

describe('the look of the new states', () => {
  let stack;
  before(async () => {
    stack = await startStack({
      config: { ...APPS_CONFIG, partner: { name: 'Example Security', brand_color: '#f08030' } },
      proxyArgs: ['--service-app-key', KEY, '--check-rate-limit-per-minute', '0'],
    });
  });
  after(async () => { await stack?.stop(); });

  test('no horizontal scrolling at 320 px with the setup and the JWK, left to right and right to left', async () => {
    for (const lang of ['en', 'ar']) {
      const { context, page } = await openPage(browser, `${stack.pageUrl}#credential=service_app&lang=${lang}`, { viewport: { width: 320, height: 800 } });
      await page.locator('#setup-jwk').waitFor({ timeout: 10000 });
      const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);
      assert.ok(await fits(), `the setup overflows at 320 px (${lang})`);
      await page.locator('#org').fill('acme.okta.com');
      await page.locator('#client-id').fill('0oa3superadmin000003');
      await page.locator('#link-form button[type=submit]').click();
      await page.locator('#result[data-diagnosis="verified"]').waitFor({ timeout: 20000 });
      assert.ok(await fits(), `the verified app overflows at 320 px (${lang})`);
      await context.close();
    }
  });

  // The README's screenshots of the service app (docs/screenshots/), from the page as built.
  test('screenshots of the service app setup and a verified app, light and dark', async () => {
    const { mkdirSync } = await import('node:fs');
    const dir = join(ROOT, 'docs', 'screenshots');
    mkdirSync(dir, { recursive: true });
    for (const colorScheme of ['light', 'dark']) {
      const { context, page } = await openPage(browser, `${stack.pageUrl}#credential=service_app`, { colorScheme, viewport: { width: 640, height: 1000 } });
      await page.locator('#setup-jwk').waitFor({ timeout: 10000 });
      await page.screenshot({ path: join(dir, `service-app-setup-${colorScheme}.png`), fullPage: true });
      await page.locator('#org').fill('acme.okta.com');
      await page.locator('#client-id').fill('0oa1dpopreadonly0001');
      await page.locator('#link-form button[type=submit]').click();
      await page.locator('#result[data-diagnosis="verified"]').waitFor({ timeout: 20000 });
      await page.evaluate(() => document.activeElement?.blur());
      await page.screenshot({ path: join(dir, `service-app-verified-${colorScheme}.png`), fullPage: true });
      await context.close();
    }
  });
});
