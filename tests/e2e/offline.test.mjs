// End-to-end test of the RELEASE build's offline and install support (issue 5 §1, §3) in headless Chromium:
//
//  * first visit: the service worker (dist/sw.js, written at build time by scripts/post-build.mjs) installs,
//    controls the page and caches the app shell: every file of dist/ (the list in sw.js is checked against dist/),
//    under the cache name sw.js gives; a stale shell cache of an older release is deleted on activation;
//  * a config.json fetched from the (mock) Hub is cached; online, it is fetched again (network first);
//  * with the browser offline (context.setOffline), a reload shows the app and the model fetched before, from the
//    link; typing it again loads it too; a model never fetched says it cannot reach the endpoint;
//  * the web app manifest: Chromium reports the app installable (CDP Page.getInstallabilityErrors: none), and the
//    manifest has its name, colours and icons (SVG, PNG 192 and 512, each served and of its size).
//
//   DIST_DIR=dist node --test tests/e2e/offline.test.mjs     (scripts/test.sh builds dist/ first)
//
// Fails on any page error or console error (but the one "Failed to load resource" of the request that is meant to
// fail offline) and any request off 127.0.0.1. A persistent profile (not an incognito context): Chromium does not
// offer to install from an incognito one.
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, DIST, TIMEOUT, e2eTest, startServers, until, watch } from './harness.mjs';

const MODEL = 'Qwen/Qwen3-4B'; // not a preset: it can only come from the Hub (or the offline cache)
const NEVER_FETCHED = 'Qwen/Qwen3-0.6B';
const configPath = (id) => `/${id}/resolve/main/config.json`;

let servers;
let context;
let page;
let userDataDir;
const problems = [];
const e2e = e2eTest('offline', problems, () => page);

const text = async (sel) => ((await page.locator(sel).first().textContent({ timeout: TIMEOUT })) ?? '').trim();
const digits = (s) => s.replace(/[^\d]/g, '');
const hubRequests = (p) => servers.hub.requests.filter((r) => r.path === p).length;

/** The shell cache name and file list that the built sw.js declares. */
async function swManifest() {
  const src = await fs.readFile(path.join(DIST, 'sw.js'), 'utf8');
  const name = /const SHELL = '([^']+)'/.exec(src)?.[1];
  const files = JSON.parse(/const FILES = (\[[\s\S]*?\]);/.exec(src)?.[1] ?? 'null');
  assert.ok(name && Array.isArray(files), 'dist/sw.js declares SHELL and FILES');
  return { name, files };
}

async function distFiles(dir = DIST, rel = '') {
  const out = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await distFiles(path.join(dir, e.name), r)));
    else if (r !== 'sw.js') out.push(r);
  }
  return out;
}

/** Drops the browser's "Failed to load resource" line for `url` (a request this test makes fail on purpose). */
function forgiveFailedLoad(from, url) {
  for (let i = problems.length - 1; i >= from; i--) {
    if (problems[i].includes('Failed to load resource') && problems[i].includes(url)) problems.splice(i, 1);
  }
}

describe('ftmem offline (service worker) and installable (manifest)', () => {
  before(async () => {
    await fs.access(path.join(DIST, 'sw.js')).catch(() => {
      throw new Error(`no ${path.join(DIST, 'sw.js')}: build with trunk build --release (scripts/post-build.mjs writes it)`);
    });
    servers = await startServers(DIST);
    userDataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ftmem-e2e-offline-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 1000 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(TIMEOUT);
    watch(page, problems);
  });

  after(async () => {
    await context?.setOffline(false).catch(() => {});
    await context?.close().catch(() => {});
    await servers?.close().catch(() => {});
    if (userDataDir) await fs.rm(userDataDir, { recursive: true, force: true }).catch(() => {});
  });

  e2e('first visit: the service worker controls the page and caches every file of the build', async () => {
    const { name, files } = await swManifest();
    const expected = (await distFiles()).map((f) => (f === 'index.html' ? '/' : `/${f}`)).sort();
    assert.deepEqual([...files].sort(), expected, 'sw.js lists exactly the files of dist/ (generated at build time)');
    assert.match(name, /^ftmem-shell-[0-9a-f]{16}$/, 'the shell cache is named after the build');

    // An older release's shell cache, left on this origin (set from a plain file of the site, before any worker).
    const from = problems.length;
    await page.goto(`${servers.appUrl}/assets/icon.svg`);
    await page.evaluate(async () => {
      const c = await caches.open('ftmem-shell-0000000000000000');
      await c.put('/stale.txt', new Response('old release'));
    });
    await page.waitForTimeout(200);
    forgiveFailedLoad(from, `${servers.appUrl}/favicon.ico`); // asked for by the browser for a bare SVG document

    await page.goto(`${servers.appUrl}/`);
    await page.locator('#model-input').waitFor({ state: 'attached' });
    const sw = await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.ready;
      return { scope: reg.scope, script: reg.active?.scriptURL };
    });
    assert.equal(sw.scope, `${servers.appUrl}/`);
    assert.equal(sw.script, `${servers.appUrl}/sw.js`);
    await until('the service worker controls the page', () => page.evaluate(() => !!navigator.serviceWorker.controller));
    await until('the old shell cache is deleted and the new one is the only one', async () => {
      const keys = await page.evaluate(() => caches.keys());
      const shells = keys.filter((k) => k.startsWith('ftmem-shell-'));
      return shells.length === 1 && shells[0] === name;
    });
    const cached = await page.evaluate(async (n) => {
      const c = await caches.open(n);
      return (await c.keys()).map((r) => new URL(r.url).pathname);
    }, name);
    assert.deepEqual(cached.sort(), [...files].sort(), 'every file of the build is in the shell cache');
  });

  e2e(`a model fetched from the Hub (${MODEL}) is cached, and online it comes from the network`, async () => {
    await page.evaluate((hub) => localStorage.setItem('ftmem.endpoint', hub), servers.hubUrl);
    const n = hubRequests(configPath(MODEL));
    await page.goto(`${servers.appUrl}/?model=${encodeURIComponent(MODEL)}`);
    await until(`${MODEL} shown (hidden size 2560)`, async () => digits(await text('#arch-hidden-size')) === '2560');
    assert.equal(hubRequests(configPath(MODEL)), n + 1, 'fetched from the hub');
    const url = servers.hubUrl + configPath(MODEL);
    await until('its config.json is in the ftmem-configs cache', () => page.evaluate(async (u) =>
      !!(await (await caches.open('ftmem-configs-v1')).match(u)), url));

    // Network first: with a cached copy, an online load still asks the hub (a fresh config wins).
    await page.reload();
    await until(`${MODEL} shown again`, async () => digits(await text('#arch-hidden-size')) === '2560');
    await until('fetched again from the hub', async () => hubRequests(configPath(MODEL)) === n + 2);
  });

  e2e('offline: a reload shows the app and the model fetched before; a model never fetched says so', async () => {
    const before = await page.locator('#total-bytes').getAttribute('data-bytes');
    // The checkpoint read that follows a load (model-info API) is over before the count is taken.
    await until('the checkpoint line settled', async () =>
      (await page.locator('#checkpoint').getAttribute('data-state')) !== 'loading');
    const n = servers.hub.requests.length;
    await context.setOffline(true);
    try {
      assert.equal(await page.evaluate(() => navigator.onLine), false, 'the browser is offline');
      await page.reload();
      await page.locator('#model-input').waitFor({ state: 'attached' });
      await until(`${MODEL} shown offline (from the cache)`, async () => digits(await text('#arch-hidden-size')) === '2560');
      assert.ok(digits(await text('#arch-layers')) === '36', 'Qwen3-4B has 36 layers');
      assert.equal(await page.locator('#total-bytes').getAttribute('data-bytes'), before, 'the same estimate');

      // A model never fetched: the endpoint cannot be reached, and the last result stays.
      const failUrl = servers.hubUrl + configPath(NEVER_FETCHED);
      const from = problems.length;
      await page.locator('#model-input').fill(NEVER_FETCHED);
      await page.locator('#load-button').click();
      const err = page.locator('#error[data-kind="offline"]');
      await until('#error data-kind=offline', async () => (await err.count()) > 0 && err.first().isVisible());
      assert.equal(digits(await text('#arch-hidden-size')), '2560', 'the last result stays');
      await page.waitForTimeout(200);
      forgiveFailedLoad(from, failUrl);

      // A bare link opens on the built-in default; the cached model loads again when asked for by name.
      await page.goto(`${servers.appUrl}/`);
      await until('the built-in gpt-oss-20b', async () => (await text('#arch-model-type')).includes('gpt_oss'));
      await page.locator('#model-input').fill(MODEL);
      await page.locator('#load-button').click();
      await until(`${MODEL} loaded again offline`, async () => digits(await text('#arch-hidden-size')) === '2560');
      assert.equal(servers.hub.requests.length, n, 'nothing reached the hub while offline');
    } finally {
      await context.setOffline(false);
    }
  });

  e2e('installable: a web app manifest with name, colours and SVG/PNG icons; Chromium finds no installability error', async () => {
    await page.goto(`${servers.appUrl}/`);
    await page.locator('#model-input').waitFor({ state: 'attached' });
    assert.equal(await page.locator('meta[name="theme-color"]').getAttribute('content'), '#0b62c4');
    const href = await page.locator('link[rel="manifest"]').getAttribute('href');
    const manifestUrl = new URL(href, servers.appUrl).href;
    const res = await fetch(manifestUrl);
    assert.equal(res.status, 200);
    const m = await res.json();
    assert.equal(m.short_name, 'ftmem');
    assert.ok(m.name.startsWith('ftmem'));
    assert.equal(m.display, 'standalone');
    assert.equal(new URL(m.start_url, manifestUrl).href, `${servers.appUrl}/`);
    assert.match(m.theme_color, /^#[0-9a-f]{6}$/i);
    assert.match(m.background_color, /^#[0-9a-f]{6}$/i);
    const icons = Object.fromEntries(m.icons.map((i) => [i.sizes, i]));
    assert.equal(icons.any?.type, 'image/svg+xml', 'an SVG icon');
    for (const size of [192, 512]) {
      const icon = icons[`${size}x${size}`];
      assert.equal(icon?.type, 'image/png', `a ${size} px PNG icon`);
      const png = Buffer.from(await (await fetch(new URL(icon.src, manifestUrl))).arrayBuffer());
      assert.equal(png.subarray(1, 4).toString(), 'PNG');
      assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [size, size], `icon-${size}.png is ${size}x${size}`);
    }
    const svg = await (await fetch(new URL(icons.any.src, manifestUrl))).text();
    assert.match(svg, /^<svg[\s\S]*<\/svg>\s*$/);

    const cdp = await context.newCDPSession(page);
    const app = await cdp.send('Page.getAppManifest');
    assert.deepEqual(app.errors, [], 'Chromium parses the manifest with no error');
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    assert.deepEqual(installabilityErrors, [], 'Chromium reports the app installable');
    await cdp.detach();
  });
});
