// Shared set-up for end-to-end tests of the RELEASE build (dist/) in headless Chromium (playwright-core): the
// mock Hub and app servers (server.mjs), a browser, watching each page for errors, polling, and a test wrapper
// that saves a screenshot and the HTML on failure. Used by every *.test.mjs here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT, startServers } from './server.mjs';

export const DIST = path.resolve(process.env.DIST_DIR || path.join(ROOT, 'dist'));
export const ARTIFACTS = path.join(ROOT, 'test-artifacts');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const TIMEOUT = 20_000;
/** Headless Chromium's command-line switches: no sandbox (containers), no GPU, no background traffic. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic',
  '--no-first-run'];
export { startServers };

/** Starts the servers and a headless Chromium. Returns { servers, browser, problems, close }. */
export async function launch() {
  await fs.access(path.join(DIST, 'index.html')).catch(() => {
    throw new Error(`no ${path.join(DIST, 'index.html')}: build it first (trunk build --release)`);
  });
  const servers = await startServers(DIST);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  const problems = [];
  return {
    servers,
    browser,
    problems,
    async close() {
      await browser.close().catch(() => {});
      await servers.close().catch(() => {});
    },
  };
}

/**
 * A fresh browser context (its own local storage) and page, watched for problems: page errors (an uncaught
 * exception or a wasm panic), console errors, crashes and requests that leave 127.0.0.1.
 * `options`: playwright context options (`locale`, `viewport`, `colorScheme`...).
 */
export async function newPage(browser, problems, options = {}, expectedFailures = new Set()) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 }, locale: 'en-US', ...options });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  watch(page, problems, expectedFailures);
  return { context, page };
}

/**
 * Records a page's errors in `problems`, except the browser's own "Failed to load resource" line for a URL in
 * `expectedFailures` (a request the test makes fail on purpose, e.g. a 404 from the mock Hub).
 */
export function watch(p, problems, expectedFailures = new Set()) {
  p.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  p.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const url = msg.location()?.url ?? '';
    if (msg.text().startsWith('Failed to load resource') && expectedFailures.has(url)) return;
    problems.push(`console.error: ${msg.text()} (${url})`);
  });
  p.on('crash', () => problems.push('the page crashed'));
  p.on('request', (req) => {
    const u = req.url();
    if (!/^(https?:\/\/127\.0\.0\.1[:/]|data:|blob:|about:)/.test(u)) problems.push(`request off 127.0.0.1: ${u}`);
  });
}

/** Polls fn() (async, truthy when done) until it holds; fails with `what` and the last value. */
export async function until(what, fn, timeout = TIMEOUT) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) {
      throw new Error(`timed out after ${timeout} ms waiting for: ${what}` +
        (last instanceof Error ? ` (last error: ${last.message})` : ` (last value: ${JSON.stringify(last)})`));
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A test that fails on any new entry in `problems`; on failure it saves a screenshot and the HTML of
 * `getPage()` to test-artifacts/e2e-<prefix>-<name>.png/.html.
 */
export function e2eTest(prefix, problems, getPage) {
  return (name, fn) => test(name, { timeout: 120_000 }, async () => {
    const before = problems.length;
    try {
      await fn();
      assert.deepEqual(problems.slice(before), [], 'no page error, no console error, no request off 127.0.0.1');
    } catch (e) {
      const slug = `${prefix}-${name}`.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase();
      const page = getPage();
      await fs.mkdir(ARTIFACTS, { recursive: true });
      await page?.screenshot({ path: path.join(ARTIFACTS, `e2e-${slug}.png`), fullPage: true }).catch(() => {});
      await fs.writeFile(path.join(ARTIFACTS, `e2e-${slug}.html`), await page?.content().catch(() => '') ?? '')
        .catch(() => {});
      if (problems.length > before) e.message += `\nalso: ${JSON.stringify(problems.slice(before), null, 1)}`;
      throw e;
    }
  });
}
