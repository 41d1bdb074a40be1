// End-to-end test of Korean and English, themes, keyboard and small screens (issue 5 §7-§9), on the RELEASE build
// (dist/) in headless Chromium against the mock Hub (harness.mjs, server.mjs):
//
//   DIST_DIR=dist node --test tests/e2e/i18n.test.mjs      (scripts/test.sh builds dist/ with trunk first)
//
// Screenshots of the main view in en/ko × light/dark and at 360 px go to test-artifacts/i18n-*.png (git-ignored).
// Any page error, console error or request off 127.0.0.1 fails the test.
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ARTIFACTS, e2eTest, launch, newPage, until } from './harness.mjs';

let env; // { servers, browser, problems, close }
let page;
let context;
const problems = [];
const expectedFailures = new Set(); // URLs this test makes fail on purpose
const e2e = e2eTest('i18n', problems, () => page);

// Headings that must read in the chosen language (id → [English, Korean]).
const HEADINGS = {
  '#controls-h': ['Run', '실행 설정'],
  '#breakdown-h': ['Detailed estimate', '상세 추정'],
  '#arch-h': ['Architecture', '아키텍처'],
  '#rule-h': ['Rule of thumb (the gpt-oss-20b fine-tuning tutorial, chapter 1)', '경험 법칙 (gpt-oss-20b 파인튜닝 튜토리얼 1장)'],
  '#settings-h': ['Settings', '설정'],
  '#presets-h': ['Popular models', '인기 모델'],
};
// English texts that must not be left in the Korean view.
const ENGLISH_LEFT = ['Detailed estimate', 'Architecture', 'Micro-batch size', 'Sequence length', 'Total peak',
  'Load a model', 'Popular models', 'Copy link', 'Hub endpoint', 'Peak at', 'Parameters by component',
  'Gradient checkpointing', 'Optimizer states', 'Activations', 'Rule of thumb', 'Every number comes', 'Showing ',
  'per token', 'Model type', 'Hidden size', 'Measured error', 'At a glance', 'Fits on'];

async function open(query = '', { storage } = {}) {
  if (storage !== undefined) {
    // Set (or clear) the stored choice on the app's origin before the app starts.
    await page.goto(env.servers.appUrl + '/');
    await page.evaluate((v) => (v === null ? localStorage.removeItem('ftmem.lang') : localStorage.setItem('ftmem.lang', v)), storage);
  }
  const resp = await page.goto(env.servers.appUrl + '/' + query);
  assert.equal(resp?.status(), 200);
  await until('#total-bytes shows the default estimate', async () =>
    /^\d+$/.test((await page.locator('#total-bytes').first().getAttribute('data-bytes', { timeout: 1000 })) ?? ''));
}

const htmlLang = () => page.evaluate(() => document.documentElement.lang);
const linkLang = () => new URL(page.url()).searchParams.get('lang');
const textOf = async (sel) => ((await page.locator(sel).first().textContent()) ?? '').trim();

async function expectLanguage(lang) {
  await until(`<html lang="${lang}">`, async () => (await htmlLang()) === lang);
  const i = lang === 'en' ? 0 : 1;
  for (const [id, pair] of Object.entries(HEADINGS)) {
    await until(`${id} reads "${pair[i]}"`, async () => (await textOf(id)) === pair[i]);
  }
  if (lang === 'ko') {
    const body = await page.evaluate(() => document.body.innerText);
    const left = ENGLISH_LEFT.filter((s) => body.includes(s));
    assert.deepEqual(left, [], 'no English text left in the Korean view');
  }
}

async function shot(name) {
  await fs.mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `i18n-${name}.png`), fullPage: true });
}

async function noHorizontalScroll(what) {
  const { sw, cw } = await page.evaluate(() => ({
    sw: document.documentElement.scrollWidth, cw: document.documentElement.clientWidth,
  }));
  assert.ok(sw <= 360, `${what}: document.documentElement.scrollWidth is ${sw} px (client ${cw} px), want <= 360`);
}

describe('ftmem in Korean and English, light and dark, keyboard, 360 px', () => {
  before(async () => {
    env = await launch();
    ({ context, page } = await newPage(env.browser, problems, {}, expectedFailures));
  });

  after(async () => {
    await context?.close().catch(() => {});
    await env?.close();
  });

  e2e('an English browser opens in English; the bare link stays bare', async () => {
    await open('', { storage: null });
    await expectLanguage('en');
    assert.equal(linkLang(), null, 'no lang in the link while the language only follows the browser');
    assert.equal(await page.locator('#lang-toggle').count(), 1);
    assert.equal(await page.locator('#lang-toggle').evaluate((el) => el.tagName), 'BUTTON');
  });

  e2e('screenshots of the main view in en/ko × light/dark', async () => {
    for (const lang of ['en', 'ko']) {
      for (const colorScheme of ['light', 'dark']) {
        await page.emulateMedia({ colorScheme });
        await open(`?lang=${lang}`, { storage: null });
        await expectLanguage(lang);
        const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
        const dark = colorScheme === 'dark';
        const rgb = bg.match(/\d+/g).map(Number);
        const lum = (rgb[0] + rgb[1] + rgb[2]) / 3;
        assert.ok(dark ? lum < 80 : lum > 200, `${colorScheme} theme: body background ${bg}`);
        await shot(`${lang}-${colorScheme}`);
      }
    }
    await page.emulateMedia({ colorScheme: 'light' });
  });

  e2e('at 360 px there is no horizontal scroll, in both languages and themes', async () => {
    await page.setViewportSize({ width: 360, height: 800 });
    try {
      for (const lang of ['en', 'ko']) {
        for (const colorScheme of ['light', 'dark']) {
          await page.emulateMedia({ colorScheme });
          await open(`?lang=${lang}&mode=full&gpus=8&shard=zero3&offload=optimizer`, { storage: null });
          await expectLanguage(lang);
          await noHorizontalScroll(`${lang} ${colorScheme}`);
          // The what-fits panel open, and a long error message, must not widen the page either.
          await page.locator('#fit-panel summary').click();
          await until('the what-fits report', async () => (await page.locator('#fit-batch').count()) > 0);
          await page.locator('#model-input').fill('https://huggingface.co/datasets/some-org/a-very-long-dataset-name-that-goes-on');
          await page.locator('#load-button').click();
          await until('#error', async () => (await page.locator('#error').count()) > 0);
          await noHorizontalScroll(`${lang} ${colorScheme}, what fits open, an error shown`);
          await shot(`${lang}-${colorScheme}-360`);
        }
      }
    } finally {
      await page.emulateMedia({ colorScheme: 'light' });
      await page.setViewportSize({ width: 1280, height: 1000 });
    }
  });

  e2e('the toggle switches the language, <html lang>, the title and the link, and is remembered', async () => {
    await open('?mode=full', { storage: null });
    await expectLanguage('en');
    assert.match(await page.title(), /gpt-oss-20b · Full · /);
    await page.locator('#lang-toggle').click();
    await expectLanguage('ko');
    await until('lang=ko in the link', async () => linkLang() === 'ko');
    await until('a Korean page title', async () => (await page.title()).includes('전체 파인튜닝'));
    assert.equal(await page.evaluate(() => localStorage.getItem('ftmem.lang')), 'ko', 'the choice is stored');
    assert.equal(new URL(page.url()).searchParams.get('mode'), 'full', 'the settings stay in the link');
    // Remembered: a bare link opens in Korean now (and the link then says so).
    await open('');
    await expectLanguage('ko');
    await until('lang=ko in the link', async () => linkLang() === 'ko');
    // Back to English.
    await page.locator('#lang-toggle').click();
    await expectLanguage('en');
    await until('lang=en in the link', async () => linkLang() === 'en');
    assert.equal(await page.evaluate(() => localStorage.getItem('ftmem.lang')), 'en');
  });

  e2e('lang in a link wins over the stored choice and restores Korean', async () => {
    await open('?lang=ko&batch=2', { storage: 'en' });
    await expectLanguage('ko');
    assert.equal(await textOf('#batch-error').catch(() => ''), '');
    assert.equal(await page.locator('#batch').inputValue(), '2');
    await open('?lang=en', { storage: 'ko' });
    await expectLanguage('en');
    // Errors read in Korean: a missing repository from the mock Hub.
    await open('?lang=ko', { storage: null });
    await page.locator('#endpoint-input').fill(env.servers.hubUrl);
    await page.locator('#endpoint-input').dispatchEvent('change');
    expectedFailures.add(`${env.servers.hubUrl}/nobody/no-such-model/resolve/main/config.json`);
    await page.locator('#model-input').fill('nobody/no-such-model');
    await page.locator('#load-button').click();
    await until('#error[data-kind=not-found] in Korean', async () =>
      (await page.locator('#error[data-kind="not-found"]').count()) > 0 &&
      (await textOf('#error')).includes('찾을 수 없습니다'));
  });

  e2e('the toggle and every control are reachable and operable by keyboard, with a visible focus', async () => {
    await open('?lang=en&mode=qlora', { storage: null });
    // Tab through the whole page, collecting what gets the focus.
    const seen = new Set();
    await page.locator('body').click({ position: { x: 1, y: 1 } });
    for (let i = 0; i < 250; i++) {
      await page.keyboard.press('Tab');
      const f = await page.evaluate(() => {
        const el = document.activeElement;
        if (!el || el === document.body) return null;
        const cs = getComputedStyle(el);
        return { id: el.id || el.getAttribute('data-preset') || el.getAttribute('data-gpu') || el.tagName,
          outline: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2 };
      });
      if (!f) continue;
      if (seen.has(f.id)) continue;
      seen.add(f.id);
      assert.ok(f.outline, `${f.id} shows a visible focus outline`);
    }
    for (const id of ['lang-toggle', 'share', 'model-input', 'rev-input', 'load-button', 'paste-config', 'paste-apply',
      'upload-config', 'mode', 'precision', 'batch', 'seq', 'rank', 'targets', 'dropout', 'dq', 'optim', 'gc', 'gpus',
      'shard', 'offload', 'attn', 'endpoint-input', 'endpoint-reset', 'hf-token', 'hf-token-clear',
      'hf-token-remember', 'SUMMARY']) {
      assert.ok(seen.has(id), `#${id} is reachable with Tab (seen: ${[...seen].join(', ')})`);
    }
    // Every input, select, textarea and button has a name a screen reader reads.
    const unnamed = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea, button')]
      .filter((el) => {
        if (el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')) return false;
        if (el.labels && el.labels.length && [...el.labels].some((l) => l.textContent.trim())) return false;
        if (el.tagName === 'BUTTON' && el.textContent.trim()) return false;
        return true;
      }).map((el) => el.id || el.outerHTML.slice(0, 80)));
    assert.deepEqual(unnamed, [], 'controls without a label');
    // The toggle works from the keyboard: Enter and Space.
    await page.locator('#lang-toggle').focus();
    await page.keyboard.press('Enter');
    await expectLanguage('ko');
    const label = await page.locator('#lang-toggle').getAttribute('aria-label');
    assert.ok(label && label.includes('English'), `the toggle's name says what it does: ${label}`);
    await page.keyboard.press('Space');
    await expectLanguage('en');
  });

  e2e('a Korean browser opens in Korean', async () => {
    const ko = await newPage(env.browser, problems, { locale: 'ko-KR' });
    const prev = page;
    page = ko.page;
    try {
      await open('');
      await expectLanguage('ko');
      assert.equal(linkLang(), null, 'the browser language is not written into the link');
      await until('a Korean status line', async () => (await textOf('#load-status')).startsWith('표시 중'));
    } finally {
      await ko.context.close().catch(() => {});
      page = prev;
    }
  });
});
