// Every outcome of the check, end to end through the proxy against the simulator: each shows
// its own message and remedy, and the form stays usable afterwards.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startStack, launchBrowser, openPage, runCheck, leakAudit, checkButton, orgField, tokenField, FIXTURES,
  plain,
} from './harness.mjs';

const token = (org, kind) => {
  const t = FIXTURES.orgs.find((o) => o.host === org)?.tokens.find((x) => x.kind === kind);
  assert.ok(t, `fixture token ${org}/${kind}`);
  return t.token;
};
const SUPER = () => token('acme.okta.com', 'super_admin');

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

/** Run one check and return the result region's text once it settles. */
async function check(stack, org, secret, { timeout = 30000, requests } = {}) {
  const { context, page, record } = await openPage(browser, stack.pageUrl);
  await runCheck(page, org, secret);
  const result = page.getByRole('region', { name: 'Check result' });
  await result.waitFor({ timeout });
  const text = plain(await result.innerText());
  // A check always ends with the form editable and the button usable.
  assert.equal(await orgField(page).isEditable(), true);
  assert.equal(await tokenField(page).isEditable(), true);
  assert.equal(await checkButton(page).isEnabled(), true);
  const leaks = await leakAudit(page, record, secret, { services: [stack.proxy, stack.sim] });
  assert.deepEqual(leaks, [], `token leaked: ${leaks}`);
  for (const r of record.requests) assert.equal(r.method, 'GET', r.url);
  requests?.push(...record.requests);
  await context.close();
  return text;
}

describe('default deployment (required: users)', () => {
  let stack;
  before(async () => { stack = await startStack(); });
  after(async () => { await stack?.stop(); });

  test('read-only admin: verified, roles cannot be listed', async () => {
    const text = await check(stack, 'acme.okta.com', token('acme.okta.com', 'read_only_admin'));
    assert.match(text, /Connection verified/);
    assert.match(text, /Not a Super Administrator/);
    assert.match(text, /System Log: readable/);
  });

  test('Classic org on oktapreview.com', async () => {
    const text = await check(stack, 'https://globex.oktapreview.com/', token('globex.oktapreview.com', 'super_admin'));
    assert.match(text, /Connection verified/);
    assert.match(text, /Classic Engine/);
  });

  test('EMEA org', async () => {
    const text = await check(stack, 'initech.okta-emea.com', token('initech.okta-emea.com', 'super_admin'));
    assert.match(text, /Connection verified/);
    assert.match(text, /Identity Engine/);
  });

  test('custom domain: verified on its Okta host, and the token never goes to the custom domain', async () => {
    const requests = [];
    const text = await check(stack, 'login.acme-corp.com', SUPER(), { requests });
    assert.match(text, /Connection verified/);
    assert.match(text, /acme\.okta\.com/);
    // Issue 18, finding 4: the page asks the custom domain only for its well-known document
    // (no token); users/me and round two go to the Okta host that document names.
    const toCustom = requests.filter((r) => new URL(r.url).pathname.startsWith('/okta/login.acme-corp.com/'));
    assert.deepEqual(toCustom.map((r) => new URL(r.url).pathname), ['/okta/login.acme-corp.com/.well-known/okta-organization']);
    assert.ok(!('authorization' in toCustom[0].headers), 'the well-known request carries no token');
    const reqs = await stack.simRequests();
    assert.deepEqual(reqs.filter((r) => r.host === 'login.acme-corp.com').map((r) => r.path), ['/.well-known/okta-organization']);
    assert.ok(reqs.some((r) => r.host === 'acme.okta.com' && r.path === '/api/v1/users/me'), 'users/me on the Okta host');
    assert.ok(reqs.some((r) => r.host === 'acme.okta.com' && r.path.startsWith('/api/v1/users?')), 'round two on the canonical host');
  });

  test('a token of another org is rejected', async () => {
    const text = await check(stack, 'acme.okta.com', token('globex.oktapreview.com', 'super_admin'));
    assert.match(text, /Okta rejected the API token/);
    assert.match(text, /different Okta organization/);
  });

  test('network-zone restricted token: mentions Any IP', async () => {
    const text = await check(stack, 'acme.okta.com', token('acme.okta.com', 'network_zone'));
    assert.match(text, /network/i);
    assert.match(text, /Any IP/);
  });

  test('rate limited: waits with a countdown, retries once, then verifies', async () => {
    const { context, page } = await openPage(browser, stack.pageUrl);
    await runCheck(page, 'acme.okta.com', token('acme.okta.com', 'rate_limited'));
    await page.getByRole('timer').waitFor({ timeout: 10000 });
    assert.match(plain(await page.getByRole('timer').innerText()), /Trying again in \d+ seconds?…/);
    // Okta answered (with its rate limit): the org was reached; only the next step waits.
    const steps = await page.locator('ol.progress li').evaluateAll((lis) => lis.map((li) => li.dataset.state));
    assert.deepEqual(steps, ['done', 'active', 'pending']);
    // It counts down while it waits.
    const seconds = async () => Number(/in (\d+) second/.exec(plain(await page.getByRole('timer').innerText()))[1]);
    const first = await seconds();
    if (first >= 2) {
      await page.waitForTimeout(1300);
      assert.ok(await seconds() < first, `the countdown stayed at ${first}`);
    }
    const result = page.getByRole('region', { name: 'Check result' });
    await result.waitFor({ timeout: 20000 });
    assert.match(await result.innerText(), /Connection verified/);
    await context.close();
  });

  test('Okta answers 500 with an HTML page', async () => {
    const text = await check(stack, 'broken.okta.com', token('broken.okta.com', 'super_admin'));
    assert.match(text, /Okta had a problem answering/);
    assert.match(text, /HTTP 500/);
  });

  test('no Okta org at the address', async () => {
    const text = await check(stack, 'no-such-org.okta.com', SUPER());
    assert.match(text, /No Okta organization at this address/);
    assert.match(text, /no-such-org\.okta\.com/);
  });

  test('a custom domain whose well-known names a non-Okta host is refused', async () => {
    const text = await check(stack, 'login.evil-corp.net', SUPER());
    assert.match(text, /cannot be checked|not an Okta organization/);
  });

  test('a slow org hits the time budget and the form stays usable', async () => {
    const text = await check(stack, 'slow.okta.com', token('slow.okta.com', 'super_admin'), { timeout: 40000 });
    assert.match(text, /took too long/);
  });

});

describe('an org 200 ms away', () => {
  let stack;
  before(async () => { stack = await startStack({ simArgs: ['--latency-ms', '200'] }); });
  after(async () => { await stack?.stop(); });

  test('the critical path is two round trips', async () => {
    await check(stack, 'acme.okta.com', SUPER());
    const reqs = (await stack.simRequests()).filter((r) => r.host === 'acme.okta.com');
    const one = reqs.filter((r) => r.path === '/.well-known/okta-organization' || r.path === '/api/v1/users/me');
    const two = reqs.filter((r) => !one.includes(r));
    assert.equal(one.length, 2, JSON.stringify(reqs));
    assert.equal(two.length, 4, JSON.stringify(reqs));
    const oneStart = Math.max(...one.map((r) => r.started_ms));
    const oneEnd = Math.max(...one.map((r) => r.finished_ms));
    const twoStart = Math.min(...two.map((r) => r.started_ms));
    // Round one in parallel, round two only after it, and round two in parallel.
    assert.ok(oneStart < Math.min(...one.map((r) => r.finished_ms)), 'round one in parallel');
    assert.ok(twoStart >= oneEnd, 'round two after round one');
    assert.ok(Math.max(...two.map((r) => r.started_ms)) < Math.min(...two.map((r) => r.finished_ms)), 'round two in parallel');
  });

  test('a custom domain takes one more round trip: its well-known document first, alone', async () => {
    const before = (await stack.simRequests()).length;
    await check(stack, 'login.acme-corp.com', SUPER());
    const reqs = (await stack.simRequests()).slice(before);
    const wk = reqs.filter((r) => r.host === 'login.acme-corp.com');
    const me = reqs.filter((r) => r.host === 'acme.okta.com' && r.path === '/api/v1/users/me');
    const two = reqs.filter((r) => r.host === 'acme.okta.com' && r.path !== '/api/v1/users/me');
    assert.deepEqual(wk.map((r) => r.path), ['/.well-known/okta-organization'], JSON.stringify(reqs));
    assert.equal(me.length, 1, JSON.stringify(reqs));
    assert.equal(two.length, 4, JSON.stringify(reqs));
    assert.ok(me[0].started_ms >= wk[0].finished_ms, 'users/me only after the well-known document');
    assert.ok(Math.min(...two.map((r) => r.started_ms)) >= me[0].finished_ms, 'round two after users/me');
  });
});

describe('deployment requiring the System Log', () => {
  let stack;
  before(async () => { stack = await startStack({ config: { required: ['users', 'logs'] } }); });
  after(async () => { await stack?.stop(); });

  test('group admin cannot read the System Log: fails naming the data and the role', async () => {
    const text = await check(stack, 'acme.okta.com', token('acme.okta.com', 'group_admin'));
    assert.match(text, /Not everything needed can be read/);
    assert.match(text, /System Log/);
    assert.match(text, /Read-only Administrator/);
    assert.match(text, /Super Administrator/);
  });
});

describe('a proxy that is down', () => {
  let stack;
  before(async () => { stack = await startStack({ config: { proxy: 'http://127.0.0.1:9/okta/{host}{path}' } }); });
  after(async () => { await stack?.stop(); });

  test('says the connection service cannot be reached, for the integrator', async () => {
    const text = await check(stack, 'acme.okta.com', SUPER());
    assert.match(text, /connection service cannot be reached/);
    assert.match(text, /team that gave you this page/);
  });
});

describe('a proxy template that points at the wrong path', () => {
  let stack;
  // The proxy answers its own JSON error (path_not_allowed): the integrator's mistake, told
  // apart from the customer's.
  before(async () => { stack = await startStack({ config: { proxy: '/okta/{host}/extra{path}' } }); });
  after(async () => { await stack?.stop(); });

  test('says the connection service is misconfigured, for the integrator', async () => {
    const text = await check(stack, 'acme.okta.com', SUPER());
    assert.match(text, /misconfigured/);
    assert.match(text, /team that gave you this page/);
  });
});
