// End-to-end test of the RELEASE build's code splitting (issue 12 §7, src/lazy.rs) in headless Chromium:
//
//  * dist/ has one on-demand part per split point (split_ftmem_<name>-<hash>.wasm) and __wasm_split.js names only
//    files that are there (the shared chunk_*.wasm included: scripts/post-build.mjs copies and hashes them);
//  * the first screen needs only the main module: with every part refused (HTTP 404), the answer's total is shown
//    and follows the micro-batch size, each part's place is a card naming it that says it could not be loaded, and
//    nothing panics;
//  * while a part is on its way, a card naming it holds its place, about as tall as the card (style/main.css);
//  * a part is fetched when its panel is first shown: the serving card's part not before mode=serve, and then it
//    draws the card; the architecture card's part fills the card.
//
// Each test uses a fresh context, so no service worker controls the page yet: once one does, it answers the part
// requests from its cache and page.route never sees them (block service workers in a test that routes later).
//
//   DIST_DIR=dist node --test tests/e2e/split.test.mjs     (scripts/test.sh builds dist/ first)
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { DIST, TIMEOUT, e2eTest, launch, newPage, until } from './harness.mjs';

const PARTS = ['arch', 'checkpoint', 'compare', 'export', 'fit', 'serve'];
const PART_RE = /\/(split|chunk)_[A-Za-z0-9_]+-[0-9a-f]{16}\.wasm$/;

let env;
let page;
const problems = [];
const e2e = e2eTest('split', problems, () => page);
const text = async (sel) => ((await page.locator(sel).first().textContent({ timeout: TIMEOUT })) ?? '').trim();
const totalBytes = async () => Number(await page.locator('#total-bytes').first().getAttribute('data-bytes'));

/** Drops the console lines that a refused part causes on purpose (the 404 and the loader's report of it). */
function forgiveRefusedParts(from) {
  for (let i = problems.length - 1; i >= from; i--) {
    if (/\.wasm|instantiateStreaming|HTTP status code|Failed to load resource/.test(problems[i])) problems.splice(i, 1);
  }
}

describe('ftmem code splitting (on-demand parts)', () => {
  before(async () => {
    env = await launch();
  });
  after(async () => {
    await env?.close();
  });

  e2e('dist/ has a part per split point, and the loader names only files that are there', async () => {
    const files = await fs.readdir(DIST);
    for (const p of PARTS) {
      assert.equal(files.filter((f) => new RegExp(`^split_ftmem_${p}-[0-9a-f]{16}\\.wasm$`).test(f)).length, 1,
        `one split_ftmem_${p}-<hash>.wasm in dist/`);
    }
    const loader = await fs.readFile(path.join(DIST, '__wasm_split.js'), 'utf8');
    const named = [...loader.matchAll(/"\.\/([^"]+)"/g)].map((m) => m[1]);
    assert.ok(named.some((n) => /^ftmem-app-[0-9a-f]+\.js$/.test(n)), 'the loader imports the hashed main module');
    for (const n of named) assert.ok(files.includes(n), `__wasm_split.js names ${n}, which dist/ must have`);
    assert.ok(!/"\.\/(split|chunk)_[A-Za-z0-9_]+\.wasm"/.test(loader), 'no unhashed part name is left in the loader');
  });

  e2e('with every part refused, the answer is shown and follows the settings; the parts say so, no panic', async () => {
    const before = problems.length;
    ({ page } = await newPage(env.browser, problems));
    const refused = [];
    await page.route(PART_RE, (route) => {
      refused.push(route.request().url());
      return route.fulfill({ status: 404, body: 'gone' });
    });
    await page.goto(env.servers.appUrl + '/');
    const first = await until('#total-bytes has a value', async () => (await totalBytes()) || 0);
    await until('the architecture card says its part could not be loaded', async () =>
      (await page.locator('.part-error').count()) >= 1);
    assert.match(await text('.part-error'), /could not be loaded/);
    const failed = await page.locator('.part-failed h2').allTextContents();
    assert.ok(failed.includes('Architecture') && failed.includes('Export'), `the failed cards are named: ${failed}`);
    assert.ok(refused.some((u) => /split_ftmem_arch-/.test(u)), `the arch part was asked for: ${refused}`);
    await page.locator('#batch').first().fill('4');
    await page.locator('#batch').first().dispatchEvent('change');
    const second = await until('#total-bytes changes', async () => {
      const b = await totalBytes();
      return b !== first ? b : 0;
    });
    assert.ok(second > first, `a larger micro-batch needs more memory: ${first} -> ${second} bytes`);
    assert.ok(!problems.slice(before).some((p) => /pageerror|panicked|unreachable|crashed/.test(p)),
      `no panic: ${problems.slice(before)}`);
    forgiveRefusedParts(before);
    await page.context().close();
  });

  e2e('while a part is on its way, a card naming it holds its place, about as tall; then the part replaces it', async () => {
    ({ page } = await newPage(env.browser, problems));
    let release;
    const gate = new Promise((r) => { release = r; });
    await page.route(PART_RE, async (route) => {
      await gate;
      await route.continue();
    });
    await page.goto(env.servers.appUrl + '/');
    await until('#total-bytes has a value', async () => (await totalBytes()) || 0);
    const pending = await until('placeholders are shown', async () => {
      const t = await page.locator('.part-pending').allTextContents();
      return t.length >= 4 ? t : null;
    });
    assert.ok(pending.some((t) => /^Architecture — loading…$/.test(t.trim())), `named placeholders: ${pending}`);
    assert.equal(await page.locator('#arch-model-type').count(), 0, 'no architecture card before its part');
    const held = (await page.locator('.part-pending.slot-arch').boundingBox())?.height ?? 0;
    release();
    await until('the architecture card is filled', async () => (await text('#arch-model-type')).includes('gpt_oss'));
    const card = (await page.locator('#arch-h').locator('xpath=ancestor::*[contains(@class,"card")][1]').boundingBox())?.height ?? 0;
    assert.ok(Math.abs(card - held) < 0.15 * card, `the placeholder holds about the card's height: ${held} vs ${card} px`);
    await until('no placeholder is left', async () => (await page.locator('.part-pending').count()) === 0);
    await page.context().close();
  });

  e2e('a part is fetched when its panel is shown: serving only in serve mode, then it draws the card', async () => {
    ({ page } = await newPage(env.browser, problems));
    const asked = [];
    page.on('request', (r) => {
      if (PART_RE.test(r.url())) asked.push(r.url());
    });
    await page.goto(env.servers.appUrl + '/');
    await until('the architecture card is filled', async () => (await text('#arch-model-type')).includes('gpt_oss'));
    assert.ok(asked.some((u) => /split_ftmem_arch-/.test(u)), 'the architecture card came from its part');
    assert.ok(!asked.some((u) => /split_ftmem_serve-/.test(u)), `no serving part before serve mode: ${asked}`);
    await page.locator('#mode').first().selectOption('serve');
    await until('the serving card is drawn', async () => (await page.locator('#serve-status').count()) === 1);
    assert.ok(asked.some((u) => /split_ftmem_serve-/.test(u)), 'the serving card came from its part');
    await page.context().close();
  });
});
