// Clicks through the Connect Link pages of composio-server in a real browser (Debian's
// chromium driven by playwright-core): approve, deny, expired, used and API-key flows, with
// and without a callback URL, at phone (390x844) and desktop sizes. On every page it asserts
// no horizontal overflow, no request to a host other than loopback, no console error (CSP
// violations are console errors) and the security headers; after every flow, the account's
// status through the API.
//
// Usage: node tests/browser/run.mjs (tests/browser/run.sh installs what it needs).
// Env: COMPOSIO_SERVER_BIN (default target/debug/composio-server), CHROMIUM (default
// /usr/bin/chromium), BROWSER_OUT (screenshots, default target/browser).

import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const serverBin = process.env.COMPOSIO_SERVER_BIN || join(root, 'target/debug/composio-server');
const out = process.env.BROWSER_OUT || join(root, 'target/browser');
mkdirSync(out, { recursive: true });

const KEY = `csk_browser_${process.pid}_${Date.now()}`;
const APP = 'Acme Mail & <Co>';
const LONG_USER = 'user_' + 'x'.repeat(40) + '@a-very-long-domain-name-for-wrapping.example.com';
const VIEWPORTS = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 800 } };
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

let failures = 0;
const children = [];
const temps = [];

function fail(msg) {
  failures += 1;
  console.error(`FAIL ${msg}`);
}

function check(cond, msg) {
  if (!cond) fail(msg);
  return cond;
}

/** A free loopback port (listen on 0, close). */
function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/** Starts composio-server with a config file; resolves to its base URL once /healthz answers. */
async function startServer(name, extraToml) {
  const dir = mkdtempSync(join(tmpdir(), `composio-browser-${name}-`));
  temps.push(dir);
  const port = await freePort();
  const config = join(dir, 'config.toml');
  writeFileSync(
    config,
    `sandbox = true\nrate_limit = 0\n${extraToml}\n[[projects]]\nname = "browser"\napi_keys = ["${KEY}"]\n` +
      `display_name = "${APP.replace(/"/g, '\\"')}"\naccent_color = "#0a7cff"\n`,
  );
  const child = spawn(
    serverBin,
    ['--config', config, '--data-dir', join(dir, 'data'), '--bind', '127.0.0.1', '--port', String(port), '--sandbox'],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', RUST_LOG: 'warn' } },
  );
  children.push(child);
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) break;
    try {
      if ((await fetch(`${base}/healthz`)).ok) return base;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`composio-server (${name}) did not start:\n${log}`);
}

async function api(base, method, path, body) {
  const resp = await fetch(`${base}/api/v3.1${path}`, {
    method,
    headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await resp.json();
  if (!resp.ok) throw new Error(`${method} ${path}: ${resp.status} ${JSON.stringify(json)}`);
  return json;
}

/** A session for `user` and a Connect Link for `toolkit`: { id, url }. */
async function link(base, user, toolkit, callbackUrl) {
  const s = await api(base, 'POST', '/tool_router/session', {
    user_id: user,
    manage_connections: { enable: false },
  });
  const body = { toolkit };
  if (callbackUrl) body.callback_url = callbackUrl;
  const l = await api(base, 'POST', `/tool_router/session/${s.session_id}/link`, body);
  return { id: l.connected_account_id, url: l.redirect_url };
}

async function status(base, id) {
  return (await api(base, 'GET', `/connected_accounts/${id}`)).status;
}

/** A fresh page that records console errors, page errors and non-loopback requests. */
async function newPage(browser, viewport) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => {
    // Used, expired and unknown links are pages with status 410 / 404, which chromium
    // reports as a failed resource load; anything else (a CSP violation, …) is a problem.
    const expected = /^Failed to load resource: the server responded with a status of (404|410)/.test(m.text()) &&
      new URL(m.location().url).pathname.startsWith('/link/');
    if ((m.type() === 'error' || m.type() === 'warning') && !expected) problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    const host = new URL(r.url()).hostname;
    if (!LOOPBACK.has(host) && !LOOPBACK.has(`[${host}]`)) problems.push(`request to ${r.url()}`);
  });
  page.on('response', (r) => {
    const u = new URL(r.url());
    const flow = ['/link/', '/oauth/', '/sandbox/'].some((p) => u.pathname.startsWith(p));
    if (!flow || r.request().resourceType() !== 'document') return;
    const h = r.headers();
    const csp = h['content-security-policy'] || '';
    if (!csp.startsWith("default-src 'none'") || csp.includes('script-src'))
      problems.push(`CSP of ${u.pathname}: ${csp}`);
    for (const [k, v] of [
      ['referrer-policy', 'no-referrer'],
      ['x-content-type-options', 'nosniff'],
      ['cache-control', 'no-store'],
      ['x-frame-options', 'DENY'],
    ]) {
      if (h[k] !== v) problems.push(`${k} of ${u.pathname} (${r.status()}): ${h[k]}`);
    }
  });
  return { context, page, problems };
}

/** Asserts the page as shown: no horizontal overflow; returns its composio-result marker. */
async function inspect(page, label) {
  await page.waitForLoadState('load');
  const m = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    inner: window.innerWidth,
    result: document.querySelector('meta[name="composio-result"]')?.content ?? null,
    title: document.title,
  }));
  check(m.scroll <= m.inner, `${label}: horizontal overflow (scrollWidth ${m.scroll} > ${m.inner}) on "${m.title}"`);
  await page.screenshot({ path: join(out, `${label.replace(/[^a-z0-9]+/gi, '_')}.png`), fullPage: true });
  return m;
}

function report(label, problems) {
  for (const p of problems) fail(`${label}: ${p}`);
}

async function main() {
  const base = await startServer('main', '');
  const shortBase = await startServer('expiry', 'link_expiry_secs = 2');
  // The app's callback endpoint, on loopback. It declares its icon: chromium fetches an
  // undeclared one (/favicon.ico) late, sometimes after the next page has loaded, which
  // then blocks it by that page's CSP and reports a console error there.
  const cbPort = await freePort();
  const cbServer = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><link rel="icon" href="data:,"><title>app callback</title><p>back in the app</p>');
  });
  await new Promise((r) => cbServer.listen(cbPort, '127.0.0.1', r));
  const cb = `http://127.0.0.1:${cbPort}/cb?from=browser`;

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    for (const [size, viewport] of Object.entries(VIEWPORTS)) {
      // The expired link first: it needs two seconds to run out.
      const expiring = await link(shortBase, `${LONG_USER}-${size}`, 'gmail');

      for (const callbackUrl of [null, cb]) {
        const tag = `${size}${callbackUrl ? '_callback' : ''}`;

        // Approve.
        {
          const l = await link(base, `${LONG_USER}-${tag}`, 'gmail', callbackUrl);
          const { context, page, problems } = await newPage(browser, viewport);
          await page.goto(l.url);
          const first = await inspect(page, `${tag}_approve_link`);
          check(first.title === 'Connect Gmail', `${tag}: link page title "${first.title}"`);
          const text = await page.textContent('main');
          check(text.includes(APP) && text.includes(`${LONG_USER}-${tag}`), `${tag}: link page names app and user: ${text}`);
          await Promise.all([page.waitForURL(/\/sandbox\/oauth\/authorize/), page.click('button[value="continue"]')]);
          const consent = await inspect(page, `${tag}_approve_consent`);
          check(consent.title.includes(APP) && consent.title.includes('Gmail'), `${tag}: consent title "${consent.title}"`);
          await Promise.all([page.waitForNavigation(), page.click('button[value="approve"]')]);
          if (callbackUrl) {
            const u = new URL(page.url());
            check(u.port === String(cbPort) && u.searchParams.get('status') === 'success', `${tag}: approve ends at the callback: ${page.url()}`);
          } else {
            const done = await inspect(page, `${tag}_approve_result`);
            check(done.result === 'success', `${tag}: approve result ${done.result}`);
          }
          check((await status(base, l.id)) === 'ACTIVE', `${tag}: approved account is ACTIVE`);

          // Used: the same link again.
          await page.goto(l.url);
          const used = await inspect(page, `${tag}_used`);
          check(used.result === 'used', `${tag}: used link result ${used.result}`);
          report(`${tag} approve/used`, problems);
          await context.close();
        }

        // Deny.
        {
          const l = await link(base, `${LONG_USER}-${tag}-deny`, 'github', callbackUrl);
          const { context, page, problems } = await newPage(browser, viewport);
          await page.goto(l.url);
          await inspect(page, `${tag}_deny_link`);
          await Promise.all([page.waitForURL(/\/sandbox\/oauth\/authorize/), page.click('button[value="continue"]')]);
          await inspect(page, `${tag}_deny_consent`);
          await Promise.all([page.waitForNavigation(), page.click('button[value="deny"]')]);
          if (callbackUrl) {
            const u = new URL(page.url());
            check(u.searchParams.get('status') === 'failed', `${tag}: deny ends at the callback with failed: ${page.url()}`);
          } else {
            const done = await inspect(page, `${tag}_deny_result`);
            check(done.result === 'denied', `${tag}: deny result ${done.result}`);
            const text = await page.textContent('main');
            check(!text.includes('access_denied'), `${tag}: deny page speaks plainly: ${text}`);
          }
          check((await status(base, l.id)) === 'FAILED', `${tag}: denied account is FAILED`);
          report(`${tag} deny`, problems);
          await context.close();
        }

        // API key.
        {
          const l = await link(base, `${LONG_USER}-${tag}-key`, 'serpapi', callbackUrl);
          const { context, page, problems } = await newPage(browser, viewport);
          await page.goto(l.url);
          await inspect(page, `${tag}_apikey_form`);
          await page.fill('input[name="api_key"]', 'serp-key-from-the-browser');
          await Promise.all([page.waitForNavigation(), page.click('button[value="continue"]')]);
          if (callbackUrl) {
            const u = new URL(page.url());
            check(u.searchParams.get('status') === 'success', `${tag}: API key ends at the callback: ${page.url()}`);
          } else {
            const done = await inspect(page, `${tag}_apikey_result`);
            check(done.result === 'success', `${tag}: API-key result ${done.result}`);
          }
          check((await status(base, l.id)) === 'ACTIVE', `${tag}: API-key account is ACTIVE`);
          report(`${tag} api key`, problems);
          await context.close();
        }
      }

      // Expired.
      {
        const { context, page, problems } = await newPage(browser, viewport);
        await new Promise((r) => setTimeout(r, 2500));
        await page.goto(expiring.url);
        const done = await inspect(page, `${size}_expired`);
        check(done.result === 'expired', `${size}: expired link result ${done.result}`);
        check((await status(shortBase, expiring.id)) === 'EXPIRED', `${size}: expired account is EXPIRED`);
        report(`${size} expired`, problems);
        await context.close();
      }
    }
  } finally {
    await browser.close();
    cbServer.close();
  }
}

try {
  await main();
} catch (e) {
  fail(e.stack || String(e));
} finally {
  for (const c of children) c.kill('SIGTERM');
  for (const d of temps) rmSync(d, { recursive: true, force: true });
}
if (failures > 0) {
  console.error(`browser checks: ${failures} failure(s); screenshots in ${out}`);
  process.exit(1);
}
console.log(`browser checks passed (screenshots in ${out})`);
