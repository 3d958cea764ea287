// Fault injection end to end: every way the proxy or "Okta" can break (the simulator's fault
// hosts, a proxy that is not there, a proxy without CORS for the page) ends the check within the
// page's time budget with its own message, leaves the form usable, and leaks the token nowhere.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { join } from 'node:path';
import {
  startStack, startService, launchBrowser, openPage, runCheck, leakAudit, checkButton, orgField,
  tokenField, FIXTURES, ROOT,
  plain,
} from './harness.mjs';

const PROXY_BIN = process.env.OKTA_PROXY_BIN ?? join(ROOT, 'target/debug/okta-proxy');

const token = (org, kind) => {
  const t = FIXTURES.orgs.find((o) => o.host === org)?.tokens.find((x) => x.kind === kind);
  assert.ok(t, `fixture token ${org}/${kind}`);
  return t.token;
};
// Any fixtures token counts as acme's super admin on a fault host.
const SUPER = token('acme.okta.com', 'super_admin');

/** The short budget used for the fault stacks (config allows 2000–60000). */
const BUDGET_MS = 3000;
/** What a check may take beyond its budget (rendering, a loaded 2-core machine). */
const SLACK_MS = 5000;

/** A loopback port where nothing listens (bound once, then released). */
function closedPort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

const resultRegion = (page) => page.getByRole('region', { name: 'Check result' });

/** The form is usable: both fields editable, the "Check connection" button enabled. */
async function assertFormUsable(page) {
  assert.equal(await orgField(page).isEditable(), true, 'org field editable');
  assert.equal(await tokenField(page).isEditable(), true, 'token field editable');
  assert.equal(await checkButton(page).isVisible(), true, '"Check connection" button shown');
  assert.equal(await checkButton(page).isEnabled(), true, '"Check connection" button enabled');
}

/**
 * Open the page, run one check, wait for the result (within budget + slack) and return its
 * heading and text. Asserts the time budget, a usable form, GET only and no leak.
 */
async function faultCheck(stack, org, { budget = BUDGET_MS, services = [], secret = SUPER, again = true } = {}) {
  const { context, page, record } = await openPage(browser, stack.pageUrl);
  try {
    await checkButton(page).waitFor();
    const started = Date.now();
    await runCheck(page, org, secret);
    const result = resultRegion(page);
    await result.waitFor({ timeout: budget + SLACK_MS + 10000 });
    const elapsed = Date.now() - started;
    assert.ok(elapsed <= budget + SLACK_MS, `check ended after ${elapsed} ms, budget ${budget} ms`);
    const title = (await result.getByRole('heading', { level: 2 }).first().innerText()).trim();
    const text = plain(await result.innerText());
    await assertFormUsable(page);

    let again_ = null;
    if (again) {
      // The same page, unchanged otherwise, checks a good org at once.
      await runCheck(page, 'acme.okta.com', SUPER);
      await result.getByRole('heading', { name: 'Connection verified' }).waitFor({ timeout: budget + SLACK_MS });
      await assertFormUsable(page);
      again_ = plain(await result.innerText());
    }

    const all = [stack.proxy, stack.sim, ...services];
    const leaks = await leakAudit(page, record, secret, { services: all });
    assert.deepEqual(leaks, [], `token leaked: ${leaks}`);
    for (const r of record.requests) assert.equal(r.method, 'GET', r.url);
    assert.deepEqual(record.pageErrors, [], 'no uncaught error (a panic) in the page');
    return { title, text, elapsed, record, again: again_ };
  } finally {
    await context.close();
  }
}

describe('faults of the simulator, through the reference proxy', () => {
  let stack;
  before(async () => { stack = await startStack({ config: { timeout_ms: BUDGET_MS } }); });
  after(async () => { await stack?.stop(); });

  test('reset mid-body: the organization could not be reached', async () => {
    // The proxy reports the dropped connection as upstream_unreachable (the contract's code for
    // refused/reset), so the page names the org, not its own connection service.
    const { title, text } = await faultCheck(stack, 'fault-reset.okta.com');
    assert.ok(stack.proxy.logs.some((l) => /fault-reset\.okta\.com/.test(l) && /upstream_unreachable/.test(l)),
      'the proxy saw the reset (upstream_unreachable in its log)');
    assert.equal(title, 'Your Okta organization could not be reached');
    assert.match(text, /The connection to fault-reset\.okta\.com failed\./);
  });

  test('stalled headers: the check hits its time budget', async () => {
    const { title, text, elapsed } = await faultCheck(stack, 'fault-stall.okta.com');
    assert.equal(title, 'The check took too long');
    const stalled = (await stack.simRequests()).filter((r) => r.host === 'fault-stall.okta.com');
    assert.ok(stalled.length > 0 && stalled.every((r) => r.status === null), 'the simulator still holds the stalled requests');
    assert.match(text, /Okta did not answer in time while reaching the organization and signing in\./);
    assert.ok(elapsed >= BUDGET_MS - 200, `ended after ${elapsed} ms, before the budget`);
  });

  test('slow drip body: the check hits its time budget', async () => {
    const { title, text, elapsed } = await faultCheck(stack, 'fault-drip.okta.com');
    assert.equal(title, 'The check took too long');
    assert.match(text, /Okta did not answer in time while reaching the organization and signing in\./);
    assert.ok(elapsed >= BUDGET_MS - 200, `ended after ${elapsed} ms, before the budget`);
  });

  test('500 with an HTML page: Okta had a problem answering', async () => {
    // Also in diagnosis.test.mjs; here with the short budget and a good check afterwards.
    const { title, text } = await faultCheck(stack, 'broken.okta.com', { secret: token('broken.okta.com', 'super_admin') });
    assert.equal(title, 'Okta had a problem answering');
    assert.match(text, /server error \(HTTP 500\)/);
  });

  test('200 with truncated JSON: the answer was cut off', async () => {
    const { title, text } = await faultCheck(stack, 'fault-truncated.okta.com');
    assert.equal(title, "Okta's answer could not be read");
    assert.match(text, /The call \/\.well-known\/okta-organization returned an answer that was cut off \(HTTP 200\)\./);
  });

  // The well-known document and users/me both answer 200 "application/json" with an HTML page.
  let notJson;
  test('200 "application/json" whose body is an HTML page: fails in budget, form usable', async () => {
    notJson = await faultCheck(stack, 'fault-notjson.okta.com');
    assert.notEqual(notJson.title, 'Connection verified');
  });

  test('200 "application/json" whose body is an HTML page: says the answer could not be read', () => {
    assert.ok(notJson, 'the check above ran');
    assert.equal(notJson.title, "Okta's answer could not be read");
    assert.match(notJson.text, /returned (a web page instead of data|something that is not JSON) \(HTTP 200\)\./);
  });

  test('valid JSON sent as text/plain: data of the wrong type', async () => {
    const { title, text } = await faultCheck(stack, 'fault-contenttype.okta.com');
    assert.equal(title, "Okta's answer could not be read");
    assert.match(text, /The call \/\.well-known\/okta-organization returned data of the wrong type \(HTTP 200\)\./);
  });

  test('a 20 MiB body: cut by the proxy, too large to read', async () => {
    const { title, text } = await faultCheck(stack, 'fault-huge.okta.com');
    assert.equal(title, "Okta's answer could not be read");
    assert.match(text, /The call \/\.well-known\/okta-organization returned an answer too large to read\./);
    assert.doesNotMatch(text, /HTTP (0|502)/, "the proxy's status is not passed off as Okta's");
    assert.ok(stack.proxy.logs.some((l) => /fault-huge\.okta\.com/.test(l) && /upstream_too_large/.test(l)),
      'the proxy cut the body at --max-body-bytes (upstream_too_large in its log)');
  });

  let redirect;
  test('a 302 to another host is never followed', async () => {
    redirect = await faultCheck(stack, 'fault-redirect.okta.com');
    assert.notEqual(redirect.title, 'Connection verified');
    const reqs = await stack.simRequests();
    assert.ok(reqs.some((r) => r.host === 'fault-redirect.okta.com'), 'the redirecting host was asked');
    assert.deepEqual(reqs.filter((r) => /evil\.example/.test(`${r.host} ${r.path}`)), [], 'no request to evil.example reached the simulator');
    assert.deepEqual(redirect.record.requests.filter((r) => /evil\.example/.test(r.url)).map((r) => r.url), [], 'the browser never asked evil.example');
    assert.ok(stack.proxy.logs.some((l) => /fault-redirect\.okta\.com/.test(l) && /upstream_redirect/.test(l)),
      'the proxy refused the redirect (upstream_redirect in its log)');
  });

  test('a 302 to another host: the message names the redirect', () => {
    assert.ok(redirect, 'the check above ran');
    assert.notEqual(redirect.title, 'No Okta organization at this address');
    assert.match(redirect.text, /returned a redirect to another address, which is never followed/);
  });

  test('duplicated and malformed rate-limit headers: still verified', async () => {
    const { title, text } = await faultCheck(stack, 'fault-ratelimit-headers.okta.com', { again: false });
    assert.equal(title, 'Connection verified');
    assert.match(text, /fault-ratelimit-headers\.okta\.com/);
    assert.match(text, /Super Administrator/);
    assert.doesNotMatch(text, /rate limit/i);
  });

  test('a custom domain whose well-known names a non-Okta host is refused', async () => {
    // Also in diagnosis.test.mjs; here the exact message, and no API call is forwarded.
    const { title, text } = await faultCheck(stack, 'login.evil-corp.net');
    // The proxy refuses the host (target_refused) before any API call: the page never sees the
    // foreign document itself, so it cannot name attacker.example.
    assert.equal(title, 'This address cannot be checked');
    assert.match(text, /The connection service refused to contact login\.evil-corp\.net: it only connects to Okta organizations, and this address is not one\./);
    const reqs = await stack.simRequests();
    assert.deepEqual(
      reqs.filter((r) => r.host === 'login.evil-corp.net' && r.path.startsWith('/api/')).map((r) => r.path),
      [], 'no API call (with the token) was forwarded to the foreign custom domain',
    );
  });
});

describe('a proxy where nothing listens (connection refused)', () => {
  let stack;
  let port;
  before(async () => {
    port = await closedPort();
    stack = await startStack({ config: { proxy: `http://127.0.0.1:${port}/okta/{host}{path}` } });
  });
  after(async () => { await stack?.stop(); });

  test('says the connection service cannot be reached, for the integrator, at once', async () => {
    const { title, text, elapsed } = await faultCheck(stack, 'acme.okta.com', { budget: 20000, again: false });
    assert.equal(title, "This page's connection service cannot be reached");
    assert.match(text, /The service that relays the check to Okta did not answer\./);
    assert.match(text, /team that gave you this page/);
    assert.ok(elapsed < 5000, `a refused connection is reported at once, not after ${elapsed} ms`);
  });
});

describe('a second proxy that does not allow the page origin (no CORS headers)', () => {
  let stack;
  let other;
  before(async () => {
    const port = await closedPort();
    stack = await startStack({ config: { proxy: `http://127.0.0.1:${port}/okta/{host}{path}` } });
    // A second okta-proxy, without --allow-origin for the page's origin (a different port).
    other = await startService(PROXY_BIN, [
      '--listen', `127.0.0.1:${port}`,
      '--dev-upstream', stack.sim.url,
      '--rate-limit-per-minute', '100000',
    ], { name: 'okta-proxy (no CORS)' });
  });
  after(async () => {
    await other?.stop();
    await stack?.stop();
  });

  test('the browser refuses the answer: the connection service cannot be reached', async () => {
    const { title, text, elapsed } = await faultCheck(stack, 'acme.okta.com', { budget: 20000, again: false, services: [other] });
    assert.equal(title, "This page's connection service cannot be reached");
    assert.match(text, /team that gave you this page/);
    assert.ok(elapsed < 5000, `reported at once, not after ${elapsed} ms`);
    // The proxy did answer: it is the missing CORS headers, not a dead proxy.
    assert.ok(other.logs.some((l) => /acme\.okta\.com/.test(l)), 'the second proxy saw the page\'s requests');
  });
});

/**
 * The page served by one proxy, checking through a second okta-proxy on another origin that
 * allows the page's origin but breaks its answers on purpose (`--dev-fault`).
 */
function faultyProxy(fault) {
  const ctx = {};
  before(async () => {
    const port = await closedPort();
    ctx.stack = await startStack({ config: { proxy: `http://127.0.0.1:${port}/okta/{host}{path}`, timeout_ms: BUDGET_MS } });
    ctx.other = await startService(PROXY_BIN, [
      '--listen', `127.0.0.1:${port}`,
      '--dev-upstream', ctx.stack.sim.url,
      '--allow-origin', ctx.stack.proxy.url,
      '--rate-limit-per-minute', '100000',
      '--dev-fault', fault,
    ], { name: `okta-proxy (--dev-fault ${fault})` });
  });
  after(async () => {
    await ctx.other?.stop();
    await ctx.stack?.stop();
  });
  return ctx;
}

describe('the proxy itself breaks (okta-proxy --dev-fault)', () => {
  describe('no CORS headers on answers to an allowed origin', () => {
    const ctx = faultyProxy('no-cors');
    test('the browser refuses the answers: the connection service cannot be reached', async () => {
      const { title, elapsed } = await faultCheck(ctx.stack, 'acme.okta.com', { again: false, services: [ctx.other] });
      assert.equal(title, "This page's connection service cannot be reached");
      assert.ok(elapsed < BUDGET_MS, `reported at once, not after ${elapsed} ms`);
      assert.ok(ctx.other.logs.some((l) => /acme\.okta\.com/.test(l)), 'the proxy did answer');
    });
  });

  describe('the proxy drops the connection mid-body', () => {
    const ctx = faultyProxy('reset');
    test('a half-read answer is not trusted: the connection service failed', async () => {
      const { title, text } = await faultCheck(ctx.stack, 'acme.okta.com', { again: false, services: [ctx.other] });
      assert.equal(title, "This page's connection service cannot be reached");
      assert.match(text, /team that gave you this page/);
    });
  });

  describe('the proxy never answers', () => {
    const ctx = faultyProxy('stall');
    test('the check hits its time budget and the form stays usable', async () => {
      const { title, elapsed } = await faultCheck(ctx.stack, 'acme.okta.com', { again: false, services: [ctx.other] });
      assert.equal(title, 'The check took too long');
      assert.ok(elapsed >= BUDGET_MS - 200, `ended after ${elapsed} ms, before the budget`);
    });
  });
});
