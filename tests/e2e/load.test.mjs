// Load on the proxy (bounded in count and time): 500 checks at once, each the page's two round
// trips (well-known + users/me, then roles + users + groups + logs), through the reference proxy
// against the simulator on loopback. Every answer must be the right one, nothing may fail, and
// the proxy's peak memory must stay bounded. Speed is reported, never asserted: the benchmark
// (`cargo xtask bench`) measures requests per second and latency with wrk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import http from 'node:http';
import { startStack, FIXTURES } from './harness.mjs';

const CHECKS = 500;
/** The proxy's resident peak may not pass this while holding 500 checks (debug build). */
const MAX_PROXY_PEAK_KB = 256 * 1024;

const acme = FIXTURES.orgs.find((o) => o.host === 'acme.okta.com');
const admin = acme.tokens.find((t) => t.kind === 'super_admin');
const adminLogin = acme.users.find((u) => u.id === admin.user).login;

function peakKb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = status.match(/^VmHWM:\s+(\d+) kB/m);
  return m ? Number(m[1]) : NaN;
}

/** One GET through the proxy with its own connection pool (no global limits). */
function get(agent, base, path, withToken) {
  return new Promise((resolve) => {
    const headers = { accept: 'application/json', origin: base };
    if (withToken) headers.authorization = `SSWS ${admin.token}`;
    const req = http.get(`${base}/okta/acme.okta.com${path}`, { agent, headers, timeout: 60000 }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (e) => resolve({ status: 0, body: String(e.code ?? e) }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, body: String(e.code ?? e) }));
  });
}

test(`the proxy holds ${CHECKS} concurrent checks with bounded memory and no errors`, async () => {
  const stack = await startStack({ simArgs: ['--quiet'], proxyArgs: ['--quiet', '--rate-limit-per-minute', '0',
    // One client address opens up to 1000 connections here: lift the per-client and total caps
    // (defaults 64 and 512) the way the rate limit is lifted.
    '--max-connections-per-client', '2048', '--max-connections', '2048'] });
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  try {
    const base = stack.proxy.url;
    const before = peakKb(stack.proxy.child.pid);
    const started = performance.now();
    const outcomes = await Promise.all(Array.from({ length: CHECKS }, async () => {
      const [wk, me] = await Promise.all([
        get(agent, base, '/.well-known/okta-organization', false),
        get(agent, base, '/api/v1/users/me', true),
      ]);
      if (wk.status !== 200 || me.status !== 200) return [wk, me];
      const id = JSON.parse(me.body).id;
      const second = await Promise.all([
        get(agent, base, `/api/v1/users/${id}/roles`, true),
        get(agent, base, '/api/v1/users?limit=1', true),
        get(agent, base, '/api/v1/groups?limit=1', true),
        get(agent, base, '/api/v1/logs?limit=1', true),
      ]);
      return [wk, me, ...second];
    }));
    const elapsed = performance.now() - started;
    const all = outcomes.flat();
    const bad = all.filter((r) => r.status !== 200);
    const kinds = [...new Set(bad.map((r) => `${r.status} ${r.body.slice(0, 80)}`))];
    assert.equal(bad.length, 0, `${bad.length} of ${all.length} answers failed: ${kinds.join(' | ')}`);
    assert.equal(all.length, CHECKS * 6);
    // Every check saw its own admin, and the roles of a super admin.
    for (const o of outcomes) {
      assert.equal(JSON.parse(o[1].body).profile.login, adminLogin);
      assert.ok(JSON.parse(o[2].body).some((r) => r.type === 'SUPER_ADMIN'));
    }
    const peak = peakKb(stack.proxy.child.pid);
    assert.ok(peak < MAX_PROXY_PEAK_KB, `proxy peak ${peak} kB (before: ${before} kB)`);
    // The token never reached a log line, even under load.
    for (const l of [...stack.proxy.logs, ...stack.sim.logs]) assert.ok(!l.includes(admin.token), 'token in a log');
    console.log(`# ${CHECKS} checks (${all.length} requests) in ${elapsed.toFixed(0)} ms; proxy peak ${peak} kB`);
  } finally {
    agent.destroy();
    await stack.stop();
  }
});
