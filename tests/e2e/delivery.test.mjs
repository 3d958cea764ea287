// Delivery of the verified connection, with the platform on another loopback origin:
// post_message to the embedding portal (handshake, resize, verified, connected), submit to the
// platform's endpoint with the session as a bearer credential, messages from origins that are
// not allowed being ignored, and the token gone from the page afterwards.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { startStack, launchBrowser, FIXTURES, leakAudit, plain, iso, axeViolations } from './harness.mjs';
import { assertValid } from './schema.mjs';

const SECRET = FIXTURES.orgs.find((o) => o.host === 'acme.okta.com').tokens.find((t) => t.kind === 'super_admin').token;

/** A tiny "platform" server on loopback: serves a host page and records POSTs. */
function platform(handler) {
  return new Promise((resolve) => {
    const posts = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => handler(req, res, body, posts));
    });
    server.listen(0, '127.0.0.1', () => {
      resolve({ url: `http://127.0.0.1:${server.address().port}`, posts, close: () => new Promise((r) => server.close(r)) });
    });
  });
}

/** The portal: uses the shipped host script (embed/okta-link.js, served beside the page). */
function hostPage(pageUrl, pageOrigin) {
  return `<!doctype html><html lang="en"><head><title>Partner portal</title>
<script src="${pageOrigin}/okta-link.js"></script></head><body>
<h1>Partner portal</h1>
<div id="c"></div>
<script>
window.__msgs = [];
window.addEventListener('message', (e) => { if (e.origin === ${JSON.stringify(pageOrigin)}) window.__msgs.push(e.data); });
window.__result = OktaLink.open({ url: ${JSON.stringify(pageUrl)}, container: document.getElementById('c'), session: 'sess-123', org: 'acme.okta.com', removeOnClose: true })
  .then((c) => { window.__connection = c; return 'connected'; }, (e) => 'rejected: ' + e.message);
</script></body></html>`;
}

/** A portal on one loopback origin embedding the page (post_message delivery) from another. */
async function embedded(config) {
  let pageOrigin;
  const portal = await platform((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(hostPage(portal.pageUrl, pageOrigin));
  });
  const stack = await startStack({
    config: { delivery: { mode: 'post_message' }, allowed_origins: [portal.url], ...config },
    allowOrigins: [portal.url],
  });
  portal.pageUrl = stack.pageUrl;
  pageOrigin = new URL(stack.pageUrl).origin;
  return { stack, portal, pageOrigin };
}

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

// Every payload delivered in this file (each `submit` body the platform received, each
// `connected` message a portal received), validated against the published schema at the end.
const delivered = { submit: [], connected: [] };
after(() => {
  assert.ok(delivered.submit.length >= 3, `submit bodies seen: ${delivered.submit.length}`);
  assert.ok(delivered.connected.length >= 1, `connected messages seen: ${delivered.connected.length}`);
  for (const body of delivered.submit) assertValid('#/$defs/connection', JSON.parse(body));
  for (const m of delivered.connected) assertValid('#/$defs/connected_message', m);
});

describe('an embedded page after a language switch', () => {
  let stack, portal, pageOrigin;
  before(async () => { ({ stack, portal, pageOrigin } = await embedded({ languages: ['en', 'de'] })); });
  after(async () => { await stack?.stop(); await portal?.close(); });

  test('still obeys the host and still reports its height', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(portal.url);
    const frame = page.frameLocator('#c iframe');
    await frame.getByLabel('Okta organization URL').waitFor();
    await frame.getByLabel('Language').selectOption('de');
    await frame.getByLabel('URL der Okta-Organisation').waitFor();
    const resizes = await page.evaluate(() => window.__msgs.filter((m) => m.type === 'resize').length);
    const page2 = page.frames().find((f) => f.url().startsWith(pageOrigin));
    // The host sends a theme; the page, mounted again in German, applies it.
    await page.evaluate((origin) => document.querySelector('#c iframe').contentWindow.postMessage(
      { source: 'okta-link-host', v: 1, type: 'theme', theme: 'dark' }, origin), pageOrigin);
    await page2.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
    await page.evaluate((origin) => document.querySelector('#c iframe').contentWindow.postMessage(
      { source: 'okta-link-host', v: 1, type: 'theme', theme: 'light' }, origin), pageOrigin);
    await page2.waitForFunction(() => document.documentElement.dataset.theme === 'light');
    // Opening the help makes the page taller: the host hears of it from the new page.
    await frame.getByText('Wo finde ich diese Adresse?').click();
    await page.waitForFunction((n) => window.__msgs.filter((m) => m.type === 'resize').length > n, resizes, { timeout: 10000 });
    await context.close();
  });
});

describe('post_message to an embedding portal', () => {
  let stack, portal, pageOrigin;
  before(async () => { ({ stack, portal, pageOrigin } = await embedded({ partner: { name: 'Example Portal' } })); });
  after(async () => { await stack?.stop(); await portal?.close(); });

  test('handshake, resize, verified and connected reach the portal; the token is then gone', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const consoleLines = [];
    page.on('console', (m) => consoleLines.push(m.text()));
    await page.goto(portal.url);
    const frame = page.frameLocator('#c iframe');
    await frame.getByLabel('Okta organization URL').waitFor();
    // The fragment prefilled the org.
    assert.equal(await frame.getByLabel('Okta organization URL').inputValue(), 'acme.okta.com');
    await frame.getByLabel('API token', { exact: true }).fill(SECRET);
    await frame.getByRole('button', { name: 'Check connection' }).click();
    await frame.getByText('Connection verified').first().waitFor();
    const heightBefore = await page.$eval('#c iframe', (f) => f.style.height);
    await frame.getByRole('button', { name: `Connect to ${iso('Example Portal')}` }).click();
    await frame.getByRole('heading', { name: 'Connected' }).waitFor();
    // postMessage is delivered to the portal after the page has shown its heading: wait for it.
    await page.waitForFunction(() => window.__msgs.some((m) => m.type === 'connected'), null, { timeout: 10000 });

    const msgs = await page.evaluate(() => window.__msgs);
    const types = msgs.map((m) => m.type);
    for (const t of ['ready', 'resize', 'verified', 'connected']) assert.ok(types.includes(t), `${t} in ${types}`);
    for (const m of msgs) {
      assert.equal(m.source, 'okta-link');
      assert.equal(m.v, 1);
      if (m.type !== 'connected') assert.ok(!JSON.stringify(m).includes(SECRET), `secret in ${m.type}`);
    }
    const connected = msgs.find((m) => m.type === 'connected');
    delivered.connected.push(...msgs.filter((m) => m.type === 'connected'));
    assertValid('#/$defs/connected_message', connected);
    assert.equal(connected.connection.result.diagnosis, 'verified');
    assert.equal(connected.connection.result.update, false);
    assert.deepEqual(connected.connection.result.roles, { status: 'listed', types: ['SUPER_ADMIN'] });
    // The host script's Promise resolved with the same connection.
    assert.equal(await page.evaluate(() => window.__result), 'connected');
    assert.deepEqual(await page.evaluate(() => window.__connection), connected.connection);
    assert.equal(connected.connection.token, SECRET);
    assert.equal(connected.connection.canonical_host, 'acme.okta.com');
    assert.equal(connected.connection.org_url, 'https://acme.okta.com');
    assert.ok(Number(heightBefore.replace('px', '')) > 300, `frame resized to content: ${heightBefore}`);
    // The frame follows the content down as well as up: the shorter "Connected" view shrinks it.
    await page.waitForFunction((before) => parseFloat(document.querySelector('#c iframe').style.height) < parseFloat(before), heightBefore, { timeout: 5000 });
    assert.equal(await page.$eval('#c iframe', (f) => f.allow), 'clipboard-write');

    // The token is gone from the page's DOM and inputs after delivery.
    const frameHandle = page.frames().find((f) => f.url().startsWith(pageOrigin));
    const leftovers = await frameHandle.evaluate(() => document.documentElement.outerHTML + [...document.querySelectorAll('input')].map((i) => i.value).join(' '));
    assert.ok(!leftovers.includes(SECRET), 'token still in the page after delivery');
    // Close tells the host, whose script is still listening after it resolved: with
    // `removeOnClose` it removes the frame.
    await frame.getByRole('button', { name: 'Close' }).click();
    await page.waitForFunction(() => window.__msgs.some((m) => m.type === 'close'));
    await page.waitForFunction(() => !document.querySelector('#c iframe'), null, { timeout: 5000 });
    for (const l of consoleLines) assert.ok(!l.includes(SECRET), 'token in console');
    for (const l of [...stack.proxy.logs, ...stack.sim.logs]) assert.ok(!l.includes(SECRET), 'token in a log');
    await context.close();
  });

  test('a failed check reaches the portal as a typed error without the token', async () => {
    const revoked = FIXTURES.orgs.find((o) => o.host === 'acme.okta.com').tokens.find((t) => t.kind === 'revoked').token;
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(portal.url);
    const frame = page.frameLocator('#c iframe');
    await frame.getByLabel('API token', { exact: true }).fill(revoked);
    await frame.getByRole('button', { name: 'Check connection' }).click();
    await frame.getByRole('heading', { name: 'Okta rejected the API token' }).waitFor();
    await page.waitForFunction(() => window.__msgs.some((m) => m.type === 'error'));
    const msgs = await page.evaluate(() => window.__msgs);
    assert.equal(msgs.find((m) => m.type === 'error').kind, 'token_rejected');
    assert.ok(!JSON.stringify(msgs).includes(revoked), 'token in a message');
    await context.close();
  });

  test('a page from an origin not on the allow-list gets nothing and cannot steer the page', async () => {
    const stranger = await platform((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>Stranger</title><script>window.__msgs=[];addEventListener("message",e=>window.__msgs.push(e.data));</script>');
    });
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(stranger.url);
    const [popup] = await Promise.all([
      page.waitForEvent('popup'),
      page.evaluate((u) => { window.w = window.open(u); }, stack.pageUrl),
    ]);
    await popup.getByLabel('Okta organization URL').waitFor();
    await page.evaluate(() => window.w.postMessage({ source: 'okta-link-host', v: 1, type: 'theme', theme: 'dark' }, '*'));
    await popup.waitForTimeout(300);
    assert.notEqual(await popup.evaluate(() => document.documentElement.dataset.theme), 'dark', 'theme message from a stranger was obeyed');
    assert.deepEqual(await page.evaluate(() => window.__msgs), [], 'a stranger received messages');
    await context.close();
    await stranger.close();
  });
});

// Issue 25: `connected` carries the token, so it goes only to the origin the host bound by its
// first message, never to each allowed origin. The shipped script answers `ready` with `hello`
// when it has no session; a host that never answers gets nothing, and the page says so.
describe('post_message: the token only to the origin that answered', () => {
  let stack, portal, pageOrigin, other;
  before(async () => {
    portal = await platform((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      if (req.url === '/silent') {
        // Frames the page and listens, but never says a word.
        return res.end(`<!doctype html><html lang="en"><head><title>Silent portal</title></head><body>
<iframe id="f" title="Connect your Okta organization" style="width:100%;height:50rem;border:0" src="${stack.pageUrl}#org=acme.okta.com"></iframe>
<script>
window.__msgs = [];
addEventListener('message', (e) => { if (e.origin === ${JSON.stringify(pageOrigin)}) window.__msgs.push(e.data); });
window.hello = () => document.getElementById('f').contentWindow.postMessage({ source: 'okta-link-host', v: 1, type: 'hello' }, ${JSON.stringify(pageOrigin)});
</script></body></html>`);
      }
      // The shipped script, without a session (post_message needs none).
      res.end(`<!doctype html><html lang="en"><head><title>Partner portal</title>
<script src="${pageOrigin}/okta-link.js"></script></head><body><div id="c"></div>
<script>
window.__msgs = [];
addEventListener('message', (e) => { if (e.origin === ${JSON.stringify(pageOrigin)}) window.__msgs.push(e.data); });
window.__result = OktaLink.open({ url: ${JSON.stringify(stack.pageUrl)}, container: document.getElementById('c'), org: 'acme.okta.com' })
  .then((c) => { window.__connection = c; return 'connected'; }, (e) => 'rejected: ' + e.message);
</script></body></html>`);
    });
    // A second allowed origin: before this review, an unbound page posted the token to it too.
    other = await platform((req, res) => { res.writeHead(204); res.end(); });
    stack = await startStack({
      config: { delivery: { mode: 'post_message' }, allowed_origins: [other.url, portal.url] },
      allowOrigins: [other.url, portal.url],
    });
    pageOrigin = new URL(stack.pageUrl).origin;
  });
  after(async () => { await stack?.stop(); await portal?.close(); await other?.close(); });

  async function verifiedIn(page) {
    const frame = page.frameLocator('iframe');
    await frame.getByLabel('API token', { exact: true }).fill(SECRET);
    await frame.getByRole('button', { name: 'Check connection' }).click();
    await frame.getByText('Connection verified').first().waitFor();
    return frame;
  }

  test('the script answers ready with hello; connected reaches the portal', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(portal.url);
    const frame = await verifiedIn(page);
    await frame.getByRole('button', { name: 'Finish connecting' }).click();
    await frame.getByRole('heading', { name: 'Connected' }).waitFor();
    // postMessage is delivered to the portal after the page has shown its heading: wait for it.
    await page.waitForFunction(() => window.__msgs.some((m) => m.type === 'connected'), null, { timeout: 10000 });
    assert.equal(await page.evaluate(() => window.__result), 'connected');
    const msgs = await page.evaluate(() => window.__msgs);
    const connected = msgs.filter((m) => m.type === 'connected');
    assert.equal(connected.length, 1);
    delivered.connected.push(...connected);
    assert.equal(connected[0].connection.token, SECRET);
    await context.close();
  });

  test('a host that never answered gets no token; Connect says so, keeps the token, and works once the host answers', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${portal.url}/silent`);
    const frame = await verifiedIn(page);
    const connect = frame.getByRole('button', { name: 'Finish connecting' });
    await connect.click();
    await frame.getByRole('alert').getByText('connecting is turned off').waitFor();
    assert.equal(await frame.getByRole('heading', { name: 'Connected' }).count(), 0);
    // Messages without a secret still reached the (unbound) host; the token did not.
    let msgs = await page.evaluate(() => window.__msgs);
    const types = msgs.map((m) => m.type);
    for (const t of ['ready', 'verified']) assert.ok(types.includes(t), `${t} in ${types}`);
    assert.ok(!types.includes('connected'), 'connected sent to a host that never answered');
    assert.ok(!JSON.stringify(msgs).includes(SECRET), 'the token reached the host');
    // The token is still in its field, for a retry.
    assert.equal(await frame.getByLabel('API token', { exact: true }).inputValue(), SECRET);
    // The host answers: the page is bound to its origin, and Connect delivers.
    await page.evaluate(() => window.hello());
    await page.waitForTimeout(200);
    await connect.click();
    await frame.getByRole('heading', { name: 'Connected' }).waitFor();
    await page.waitForFunction(() => window.__msgs.some((m) => m.type === 'connected'), null, { timeout: 10000 });
    msgs = await page.evaluate(() => window.__msgs);
    const connected = msgs.filter((m) => m.type === 'connected');
    assert.equal(connected.length, 1);
    delivered.connected.push(...connected);
    assert.equal(connected[0].connection.token, SECRET);
    await context.close();
  });
});

/** The platform's submit endpoint: answers GET (which account a session belongs to) and records POSTs. */
function platformApi(accounts) {
  return platform((req, res, body, posts) => {
    const cors = { 'access-control-allow-origin': '*', 'access-control-allow-headers': 'authorization, content-type', 'access-control-allow-methods': 'GET, POST' };
    if (req.method === 'OPTIONS') { res.writeHead(204, cors); return res.end(); }
    if (req.method === 'GET') {
      (posts.gets ??= []).push({ auth: req.headers.authorization, referer: req.headers.referer });
      const answer = accounts[req.headers.authorization ?? ''] ?? { status: 401, type: 'application/json', body: '{"error":"invalid session"}' };
      // `cors: false`: an answer the browser does not let the page read (a failed fetch).
      res.writeHead(answer.status, { ...(answer.cors === false ? {} : cors), 'content-type': answer.type });
      return res.end(answer.body);
    }
    posts.push({ auth: req.headers.authorization, body, referer: req.headers.referer });
    delivered.submit.push(body);
    const fail = posts.length === 1;
    res.writeHead(fail ? 503 : 201, { ...cors, 'content-type': 'application/json' });
    res.end(fail ? '{"error":"try later"}' : '{"ok":true}');
  });
}

const account = (name) => ({ status: 200, type: 'application/json', body: JSON.stringify({ account: { name } }) });

describe('submit to the platform, with the session from the link (delivery.session_from_link)', () => {
  let stack, api;
  before(async () => {
    api = await platformApi({
      'Bearer sess-abc': account('Example Corp (workspace 42)'),
      'Bearer sess-hostile': account('<img src=x onerror="window.__pwned=1">\u202e\u200b  Evil'),
      'Bearer sess-html': { status: 200, type: 'text/html', body: '<h1>Sign in</h1>' },
      'Bearer sess-unreadable': { ...account('Example Corp'), cors: false },
    });
    stack = await startStack({
      config: { delivery: { mode: 'submit', submit_url: `${api.url}/connections`, session_from_link: true }, partner: { name: 'Example Platform' } },
    });
  });
  after(async () => { await stack?.stop(); await api?.close(); });

  /** Open the page with `fragment`, check the demo super admin, and wait for the result. */
  async function verified(fragment) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const consoleLines = [];
    const requests = [];
    page.on('console', (m) => consoleLines.push(m.text()));
    page.on('request', (r) => requests.push({ url: r.url(), method: r.method(), headers: r.headers() }));
    await page.goto(`${stack.pageUrl}${fragment}`);
    await page.getByLabel('API token', { exact: true }).fill(SECRET);
    await page.getByRole('button', { name: 'Check connection' }).click();
    await page.getByText('Connection verified').first().waitFor();
    return { context, page, consoleLines, requests };
  }

  test('shows the account the platform names before Connect; POSTs with the session as bearer, shows an error, retries, then is done', async () => {
    const { context, page, consoleLines, requests } = await verified('#session=sess-abc&org=acme.okta.com');
    const connect = page.getByRole('button', { name: `Connect to ${iso('Example Platform')}` });
    // The account comes from the platform (GET submit_url with the session), never from the link.
    const about = page.locator('#recipient');
    await about.getByText(`This connection will be added to ${iso('Example Corp (workspace 42)')} at ${iso('Example Platform')}.`).waitFor();
    assert.equal(await connect.getAttribute('aria-disabled'), 'false');
    assert.equal(await connect.getAttribute('aria-describedby'), 'recipient');
    assert.deepEqual(await axeViolations(page), []);
    assert.deepEqual(api.posts.gets.map((g) => g.auth), ['Bearer sess-abc']);
    assert.ok(!api.posts.gets[0].referer, 'Referer sent to the platform');
    await connect.click();
    await page.getByText(/could not be saved \(HTTP \u2068503\u2069\)/).waitFor();
    await connect.click();
    await page.getByRole('heading', { name: 'Connected' }).waitFor();
    assert.equal(api.posts.length, 2);
    const sent = JSON.parse(api.posts[1].body);
    assert.equal(api.posts[1].auth, 'Bearer sess-abc');
    assert.equal(sent.token, SECRET);
    assert.equal(sent.org_url, 'https://acme.okta.com');
    assert.equal(sent.report.admin.login, 'alice.nguyen@acme-corp.example');
    assertValid('#/$defs/connection', sent);
    assert.equal(sent.result.owner.login, 'alice.nguyen@acme-corp.example');
    assert.equal(sent.result.okta_host, 'acme.okta.com');
    assert.ok(!api.posts[1].referer, 'Referer sent to the platform');
    // The session fragment was removed from the address bar; the token is nowhere else.
    assert.ok(!page.url().includes('sess-abc'));
    const leaks = await leakAudit(page, { console: consoleLines, requests, pageErrors: [] }, SECRET, { services: [stack.proxy, stack.sim] });
    assert.deepEqual(leaks, []);
    for (const r of requests) if (!r.url.startsWith(api.url)) assert.equal(r.method, 'GET', r.url);
    await context.close();
  });

  test('a platform that does not confirm the account keeps Connect disabled and says what to do', async () => {
    for (const [session, why] of [
      ['sess-expired', /\(HTTP \u2068401\u2069\)/],
      ['sess-html', /the answer did not name one/],
      ['sess-unreadable', /there was no answer/],
    ]) {
      const posts = api.posts.length;
      const { context, page } = await verified(`#session=${session}&org=acme.okta.com`);
      const about = page.locator('#recipient');
      await about.getByText(why).waitFor();
      assert.match(await about.innerText(), /Could not confirm which account this connection would be added to/);
      assert.match(plain(await about.innerText()), /Open the link again from Example Platform\./);
      const connect = page.getByRole('button', { name: `Connect to ${iso('Example Platform')}` });
      assert.equal(await connect.getAttribute('aria-disabled'), 'true');
      assert.equal(await connect.getAttribute('aria-describedby'), 'recipient');
      assert.deepEqual(await axeViolations(page), []);
      await connect.click({ force: true });
      await page.waitForTimeout(300);
      assert.equal(api.posts.length, posts, `${session}: a POST left although the account was not confirmed`);
      assert.equal(await page.getByRole('heading', { name: 'Connected' }).count(), 0);
      await context.close();
    }
  });

  test('a hostile account name is shown as plain text, without its invisible characters', async () => {
    const { context, page } = await verified('#session=sess-hostile&org=acme.okta.com');
    const about = page.locator('#recipient');
    await about.getByText('This connection will be added to', { exact: false }).waitFor();
    // The account's own invisible characters are gone; the page's isolation marks are its own.
    assert.equal(await about.innerText(), `This connection will be added to ${iso('<img src=x onerror="window.__pwned=1"> Evil')} at ${iso('Example Platform')}.`);
    assert.equal(await page.locator('#recipient img').count(), 0);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    await context.close();
  });
});

describe('submit by default: the session only from the embedding host', () => {
  let stack, api, portal, pageOrigin;
  before(async () => {
    api = await platformApi({});
    // The portal frames the page with a session in the link, which the page must ignore, and
    // hands over its own session by message after `ready`.
    portal = await platform((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><html lang="en"><head><title>Partner portal</title></head><body>
<iframe id="f" title="Connect your Okta organization" style="width:100%;height:50rem;border:0" src="${stack.pageUrl}#session=sess-link&org=acme.okta.com"></iframe>
<script>
window.__types = [];
addEventListener('message', (e) => {
  if (e.origin !== ${JSON.stringify(pageOrigin)} || e.data?.source !== 'okta-link') return;
  window.__types.push(e.data.type);
  if (e.data.type === 'ready') e.source.postMessage({ source: 'okta-link-host', v: 1, type: 'session', session: 'sess-host' }, e.origin);
});
</script></body></html>`);
    });
    stack = await startStack({
      config: { delivery: { mode: 'submit', submit_url: `${api.url}/connections` }, allowed_origins: [portal.url] },
      allowOrigins: [portal.url],
    });
    pageOrigin = new URL(stack.pageUrl).origin;
  });
  after(async () => { await stack?.stop(); await portal?.close(); await api?.close(); });

  test('a #session in the link is ignored; the session message from the allowed origin is used', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(portal.url);
    const frame = page.frameLocator('#f');
    await frame.getByLabel('API token', { exact: true }).fill(SECRET);
    await frame.getByRole('button', { name: 'Check connection' }).click();
    await frame.getByText('Connection verified').first().waitFor();
    // The host chose the account: nothing to confirm.
    assert.equal(await frame.locator('#recipient').count(), 0);
    await frame.getByRole('button', { name: 'Finish connecting' }).click();
    await frame.getByText(/could not be saved \(HTTP \u2068503\u2069\)/).waitFor();
    await frame.getByRole('button', { name: 'Finish connecting' }).click();
    await frame.getByRole('heading', { name: 'Connected' }).waitFor();
    assert.deepEqual(api.posts.map((p) => p.auth), ['Bearer sess-host', 'Bearer sess-host']);
    assert.equal(api.posts.gets, undefined, 'no account lookup for a session from the host');
    // One check, one `verified`: the failed submit and the retry do not report the check again.
    const types = await page.evaluate(() => window.__types);
    assert.equal(types.filter((t) => t === 'verified').length, 1, `messages: ${types}`);
    await context.close();
  });

  test('opened from a link alone, the #session is not used', async () => {
    const posts = api.posts.length;
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${stack.pageUrl}#session=sess-link&org=acme.okta.com`);
    await page.getByLabel('API token', { exact: true }).fill(SECRET);
    await page.getByRole('button', { name: 'Check connection' }).click();
    await page.getByText('Connection verified').first().waitFor();
    assert.equal(await page.locator('#recipient').count(), 0);
    await page.getByRole('button', { name: 'Finish connecting' }).click();
    await page.getByRole('heading', { name: 'Connected' }).waitFor();
    assert.equal(api.posts.length, posts + 1);
    assert.equal(api.posts.at(-1).auth, undefined, 'the link\'s session was sent');
    assert.equal(api.posts.gets, undefined);
    assert.ok(!page.url().includes('sess-link'));
    await context.close();
  });
});
