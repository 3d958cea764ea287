// End-to-end harness: starts the Okta simulator and the reference proxy (serving the release
// build from dist/) on loopback, launches Debian's Chromium through playwright-core, and stops
// everything afterwards. Also the leak audit used after every flow.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(here, '..', '..');
const SIM_BIN = process.env.OKTA_SIM_BIN ?? join(ROOT, 'target/debug/okta-sim');
const PROXY_BIN = process.env.OKTA_PROXY_BIN ?? join(ROOT, 'target/debug/okta-proxy');
export const DIST = process.env.DIST_DIR ?? join(ROOT, 'dist');

/** The simulator's fixtures: the single source of truth for demo orgs and tokens. */
export const FIXTURES = JSON.parse(readFileSync(join(ROOT, 'crates/okta-sim/fixtures.json'), 'utf8'));

/** Start a service binary; resolves once it prints "… listening on <url>". */
export function startService(bin, args, { name = bin } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const logs = [];
    const err = createInterface({ input: child.stderr });
    err.on('line', (l) => logs.push(l));
    const out = createInterface({ input: child.stdout });
    const timer = setTimeout(() => reject(new Error(`${name} did not start in 20 s: ${logs.join('\n')}`)), 20000);
    out.on('line', (line) => {
      logs.push(line);
      const m = line.match(/listening on (\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve({
          url: m[1].replace(/\/$/, ''),
          logs,
          child,
          stop: () => new Promise((r) => {
            if (child.exitCode !== null || child.signalCode !== null) return r();
            child.once('exit', () => r());
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 2000);
          }),
        });
      }
    });
    child.once('error', (e) => { clearTimeout(timer); reject(e); });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${name} exited (${code}): ${logs.join('\n')}`)); });
  });
}

export function writeConfig(config) {
  const dir = mkdtempSync(join(tmpdir(), 'okta-link-e2e-'));
  const path = join(dir, 'config.json');
  writeFileSync(path, typeof config === 'string' ? config : JSON.stringify(config, null, 2));
  return path;
}

/**
 * Start the simulator and a proxy that serves the page. `config` is the page's config.json
 * (proxy defaults to the same-origin `/okta/{host}{path}`).
 */
export async function startStack({ config = {}, simArgs = [], proxyArgs = [], allowOrigins = [], rawConfig } = {}) {
  const sim = await startService(SIM_BIN, ['--listen', '127.0.0.1:0', ...simArgs], { name: 'okta-sim' });
  const cfg = rawConfig ?? { proxy: '/okta/{host}{path}', required: ['users'], ...config };
  const configPath = writeConfig(cfg);
  const originArgs = allowOrigins.flatMap((o) => ['--allow-origin', o]);
  let proxy;
  try {
    proxy = await startService(PROXY_BIN, [
      '--listen', '127.0.0.1:0',
      '--serve-dist', DIST,
      '--page-config', configPath,
      '--dev-upstream', sim.url,
      // A test's own limit replaces this one (the proxy takes each flag once).
      ...(proxyArgs.includes('--rate-limit-per-minute') ? [] : ['--rate-limit-per-minute', '100000']),
      ...originArgs,
      ...proxyArgs,
    ], { name: 'okta-proxy' });
  } catch (e) {
    await sim.stop();
    throw e;
  }
  return {
    sim,
    proxy,
    configPath,
    pageUrl: `${proxy.url}/`,
    async simRequests() {
      const r = await fetch(`${sim.url}/__sim/requests`);
      return r.json();
    },
    async stop() {
      await proxy.stop();
      await sim.stop();
      rmSync(dirname(configPath), { recursive: true, force: true });
    },
  };
}

/** `options` are extra playwright launch options (the benchmark turns off its signal handlers). */
export async function launchBrowser(options = {}) {
  return chromium.launch({
    ...options,
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
    ],
  });
}

/**
 * Open a page and record everything that could leak a secret: console messages, requests
 * (URL, Referer, method), CSP violations, page errors.
 */
export async function openPage(browser, url, { colorScheme = 'light', locale = 'en-US', viewport, shell = false } = {}) {
  const context = await browser.newContext({ colorScheme, locale, viewport: viewport ?? { width: 900, height: 900 } });
  // Record Content-Security-Policy violations (init scripts run outside the page's CSP).
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  const page = await context.newPage();
  const record = { console: [], requests: [], pageErrors: [] };
  page.on('console', (m) => record.console.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => record.pageErrors.push(String(e)));
  page.on('request', (r) => record.requests.push({ url: r.url(), method: r.method(), headers: r.headers() }));
  await page.goto(url);
  // The static form in index.html (the shell) can be typed into before the page has loaded
  // (tests/e2e/shell.test.mjs); the other tests start once the page has taken over.
  if (!shell) await page.waitForFunction(() => !document.querySelector('[data-shell]'), null, { timeout: 30000 });
  return { context, page, record };
}

/** The page isolates every value it puts into a message (U+2068 … U+2069, invisible): the text
 * without those marks, for assertions about the words. */
export const plain = (text) => text.replace(/[\u2066-\u2069]/g, '');
/** A value as the page inserts it into a message. */
export const iso = (value) => `\u2068${value}\u2069`;

export const orgField = (page) => page.getByLabel('Okta organization URL');
export const tokenField = (page) => page.getByLabel('API token', { exact: true });
export const checkButton = (page) => page.getByRole('button', { name: 'Check connection' });

/** Fill both fields and press the button; waits for the form to be ready first. */
export async function runCheck(page, org, token) {
  await orgField(page).fill(org);
  await tokenField(page).fill(token);
  await checkButton(page).click();
}

/**
 * The leak audit: the token must appear in none of these. Returns a list of places it was found.
 * The token field itself is allowed to hold it until delivery.
 */
export async function leakAudit(page, record, token, { services = [], allowTokenField = true } = {}) {
  const found = [];
  if (page.url().includes(token)) found.push('page URL');
  const state = await page.evaluate(async (allow) => {
    const out = {};
    out.history = location.href + ' ' + document.referrer;
    out.local = JSON.stringify({ ...localStorage });
    out.session = JSON.stringify({ ...sessionStorage });
    out.cookies = document.cookie;
    try {
      out.idb = JSON.stringify((await indexedDB.databases()).map((d) => d.name));
    } catch { out.idb = ''; }
    const clone = document.documentElement.cloneNode(true);
    if (allow) {
      for (const el of clone.querySelectorAll('input[type=password], input[autocomplete="off"]')) el.removeAttribute('value');
    }
    out.dom = clone.outerHTML;
    // Live input values outside the token field.
    out.inputs = [...document.querySelectorAll('input, textarea')]
      .filter((el) => !(allow && el.id === 'token'))
      .map((el) => el.value).join('\n');
    return out;
  }, allowTokenField);
  for (const [where, text] of Object.entries(state)) {
    if (text && text.includes(token)) found.push(where);
  }
  for (const line of record.console) if (line.includes(token)) found.push('console');
  for (const r of record.requests) {
    if (r.url.includes(token)) found.push(`request URL ${r.url}`);
    if ((r.headers.referer ?? '').includes(token)) found.push('Referer');
    if (r.headers.referer) found.push(`a Referer header was sent to ${r.url}`);
  }
  for (const s of services) {
    for (const l of s.logs) if (l.includes(token)) found.push(`log of ${s.child.spawnfile}`);
  }
  return found;
}

let axeSource;
/**
 * axe-core's violations in the page (WCAG 2.0, 2.1 and 2.2 A and AA rules plus best practices),
 * one "rule: targets" line each; a11y.test.mjs runs the same rules with its own report.
 */
export async function axeViolations(page) {
  axeSource ??= readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] });
    return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
}
