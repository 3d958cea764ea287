// The page and the native check agree: every demo token and fault host of the simulator
// (tests/cases/agreement.json) is checked in the browser, through the proxy, and must end with
// the diagnosis the table names; crates/okta-link-check/tests/agreement.rs asserts the same
// table for the native check. The page's diagnosis is read from the result region's
// `data-diagnosis` (its report's stable code).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startStack, launchBrowser, openPage, runCheck, leakAudit, FIXTURES, ROOT } from './harness.mjs';

const TABLE = JSON.parse(readFileSync(join(ROOT, 'tests/cases/agreement.json'), 'utf8'));
const tokenOf = (r) => {
  const t = FIXTURES.orgs.find((o) => o.host === r.org)?.tokens.find((x) => x.kind === r.kind);
  assert.ok(t, `fixture token ${r.org}/${r.kind}`);
  return t.token;
};

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

// One stack per `required` (the deployment's setting); the budget of the table.
const groups = new Map();
for (const c of TABLE.cases) {
  const required = c.required ?? ['users'];
  const key = required.join(',');
  if (!groups.has(key)) groups.set(key, { required, cases: [] });
  groups.get(key).cases.push(c);
}

for (const { required, cases } of groups.values()) {
  describe(`required: ${required.join(', ')}`, () => {
    let stack;
    before(async () => { stack = await startStack({ config: { required, timeout_ms: TABLE.budget_ms } }); });
    after(async () => { await stack?.stop(); });

    for (const c of cases) {
      test(`${c.org} with the ${c.token.org} ${c.token.kind} token: ${c.diagnosis}`, async () => {
        const secret = tokenOf(c.token);
        const { context, page, record } = await openPage(browser, stack.pageUrl);
        await runCheck(page, c.org, secret);
        const result = page.getByRole('region', { name: 'Check result' });
        await result.waitFor({ timeout: TABLE.budget_ms + 15000 });
        assert.equal(await result.getAttribute('data-diagnosis'), c.diagnosis);
        assert.deepEqual(await leakAudit(page, record, secret, { services: [stack.proxy, stack.sim] }), []);
        await context.close();
      });
    }
  });
}
