// End-to-end injection test of the RELEASE build (issue 6 §4) in headless Chromium:
//
//  * links carrying `<script>`, `"><img src=x onerror=...>`, `<svg onload=...>` and `javascript:` payloads in the
//    model, rev, targets and every other query value (settings, unit, gpu, lang, an unknown key) show them inertly:
//    no dialog, no script runs (each payload sets window.__pwned or calls alert), no element the payload would
//    create appears, the text is shown as text where it is shown, and the page keeps working (a preset loads and
//    is estimated);
//  * custom LoRA target names typed in the page, flowing into the estimate's markup (chart, breakdown, what fits),
//    stay text;
//  * a pasted config.json whose string fields carry the payloads is rendered as text (or refused as text);
//  * index.html carries the Content-Security-Policy, and the page runs under it with no violation.
//
//   DIST_DIR=dist node --test tests/e2e/security.test.mjs      (scripts/test.sh builds dist/ first)
//
// Any page error, console error (a CSP violation is one) or request off 127.0.0.1 fails a test, except the
// browser's "Failed to load resource" line for a mock-Hub request this test makes fail on purpose (a repo id made
// of a payload is a 404 there).
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { FIXTURES } from './server.mjs';
import { TIMEOUT, e2eTest, launch, newPage, until } from './harness.mjs';

const PAYLOADS = [
  '<script>window.__pwned="script"</script>',
  '"><img src=x onerror="window.__pwned=\'img\';alert(1)">',
  "'><svg onload=\"window.__pwned='svg'\"></svg>",
  'javascript:window.__pwned="js";alert(2)',
  '</textarea></title><img src=x onerror=alert(3)>',
];
const KEYS = ['model', 'rev', 'targets', 'target_params', 'mode', 'precision', 'dq', 'batch', 'ga', 'seq', 'new', 'rank', 'dropout', 'gc',
  'optim', 'attn', 'gpus', 'shard', 'offload', 'unit', 'gpu', 'lang', 'x-unknown'];

let env; // { servers, browser, problems, close }
let context;
let page;
const dialogs = [];
const e2e = e2eTest('security', (env ??= { problems: [] }).problems, () => page);

const text = async (sel) => ((await page.locator(sel).first().textContent({ timeout: TIMEOUT })) ?? '').trim();
const digits = (s) => s.replace(/[^\d]/g, '');

/** Nothing the payloads would do happened: no dialog, no __pwned, no element or attribute they carry. */
async function assertInert(what) {
  await page.waitForTimeout(300); // let an onerror/onload that was (wrongly) created fire
  assert.deepEqual(dialogs, [], `${what}: no dialog`);
  const found = await page.evaluate(() => ({
    pwned: window.__pwned ?? null,
    imgX: document.querySelectorAll('img[src="x"]').length,
    handlers: [...document.querySelectorAll('*')].filter((el) =>
      [...el.attributes].some((a) => /^on/i.test(a.name))).map((el) => el.outerHTML.slice(0, 120)),
    scripts: [...document.scripts].filter((s) => !s.src).map((s) => s.outerHTML.slice(0, 120)),
    jsHrefs: [...document.querySelectorAll('[href],[src],[action],[formaction]')]
      .map((el) => el.getAttribute('href') ?? el.getAttribute('src') ?? el.getAttribute('action') ?? el.getAttribute('formaction'))
      .filter((v) => /^\s*javascript:/i.test(v ?? '')),
  }));
  assert.deepEqual(found, { pwned: null, imgX: 0, handlers: [], scripts: [], jsHrefs: [] }, `${what}: inert`);
}

/** The page still works: a preset loads and is estimated. */
async function assertWorks(what) {
  const btn = page.locator('#presets button[data-preset="meta-llama/Llama-3.2-1B"]');
  await btn.click();
  await until(`${what}: the Llama-3.2-1B preset loads`, async () => digits(await text('#arch-hidden-size')) === '2048');
  const bytes = await page.locator('#total-bytes').getAttribute('data-bytes');
  assert.match(bytes ?? '', /^\d+$/, `${what}: an estimate`);
}

function forgiveHub404s(from) {
  for (let i = env.problems.length - 1; i >= from; i--) {
    const p = env.problems[i];
    if (p.includes('Failed to load resource') && p.includes(env.servers.hubUrl)) env.problems.splice(i, 1);
  }
}

describe('ftmem injection: links and pasted configs are shown as text', () => {
  before(async () => {
    const problems = env.problems;
    env = await launch();
    env.problems = problems; // the array e2eTest watches
    ({ context, page } = await newPage(env.browser, env.problems));
    page.on('dialog', (d) => { dialogs.push(`${d.type()}: ${d.message()}`); d.dismiss().catch(() => {}); });
    await page.goto(`${env.servers.appUrl}/`);
    await page.evaluate((hub) => localStorage.setItem('ftmem.endpoint', hub), env.servers.hubUrl);
  });

  after(async () => {
    await context?.close().catch(() => {});
    await env?.close?.();
  });

  e2e('index.html has the Content-Security-Policy, with no inline script', async () => {
    const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    const dir = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
    assert.deepEqual(dir['script-src'], ["'self'", "'wasm-unsafe-eval'"], 'scripts: the app\'s own files only');
    assert.deepEqual(dir['object-src'], ["'none'"]);
    assert.deepEqual(dir['base-uri'], ["'none'"]);
    assert.ok(dir['connect-src'].includes("'self'") && dir['connect-src'].includes('https://huggingface.co'));
    assert.ok(!csp.includes("'unsafe-inline'") && !csp.includes("'unsafe-eval'"), csp);
    await page.locator('#model-input').waitFor({ state: 'attached' });
    await assertInert('the plain page');
  });

  for (const [i, payload] of PAYLOADS.entries()) {
    e2e(`a link with payload #${i + 1} in every query value is inert and the page keeps working`, async () => {
      const from = env.problems.length;
      const q = new URLSearchParams(KEYS.map((k) => [k, payload]));
      await page.goto(`${env.servers.appUrl}/?${q}`);
      await page.locator('#model-input').waitFor({ state: 'attached' });
      // The model id is shown as typed, as text in the input (or the link is refused with a message).
      await until('the app has dealt with the link', async () =>
        (await page.locator('#model-input').inputValue()) === payload || (await page.locator('#error').count()) > 0);
      await assertInert(`payload #${i + 1}`);
      await assertWorks(`payload #${i + 1}`);
      await assertInert(`payload #${i + 1}, after a preset`);
      forgiveHub404s(from);
    });
  }

  e2e('custom LoRA target names carrying payloads stay text (error message, chart, breakdown, what fits)', async () => {
    await page.goto(`${env.servers.appUrl}/?mode=lora`);
    const select = page.locator('#targets').first();
    await select.waitFor({ state: 'attached' });
    const customValue = await select.evaluate((el) => [...el.options].find((o) => /custom/i.test(o.textContent))?.value);
    assert.ok(customValue, '#targets offers a custom list');
    await select.selectOption(customValue);
    const custom = page.locator('#targets-custom').first();
    await custom.waitFor({ state: 'attached' });
    for (const payload of PAYLOADS) {
      await custom.fill(`q_proj,${payload}`);
      await custom.dispatchEvent('change');
      await page.waitForTimeout(150);
      await assertInert(`targets "${payload}"`);
    }
    await custom.fill('q_proj,v_proj');
    await custom.dispatchEvent('change');
    await until('an estimate with the custom list', async () => /^\d+$/.test((await page.locator('#total-bytes').getAttribute('data-bytes')) ?? ''));
    await page.locator('#fit-panel summary').click();
    await assertInert('after opening what fits');
    await assertWorks('after custom targets');
  });

  e2e('a pasted config.json with payloads in its string fields is rendered as text', async () => {
    const base = JSON.parse(await fs.readFile(path.join(FIXTURES, 'Qwen__Qwen3-4B.json'), 'utf8'));
    const paste = async (cfg) => {
      const box = page.locator('#paste-config').first();
      if (!(await box.isVisible())) {
        await box.evaluate((el) => { for (let e = el; e; e = e.parentElement) if (e.tagName === 'DETAILS') e.open = true; });
      }
      await box.fill(JSON.stringify(cfg), { force: true });
      await page.locator('#paste-apply').first().click({ force: true });
      await page.waitForTimeout(200);
    };
    await page.goto(`${env.servers.appUrl}/`);
    await page.locator('#paste-config').first().waitFor({ state: 'attached' });

    // Accepted: the model type is free text, shown as it is.
    for (const payload of PAYLOADS) {
      await paste({ ...base, model_type: payload, architectures: [payload], torch_dtype: 'bfloat16', _name_or_path: payload });
      await until('the pasted model is shown', async () => (await text('#arch-model-type')).includes(payload));
      await assertInert(`model_type "${payload}"`);
    }
    // Refused: a payload where a known value is expected gives a message, as text.
    for (const field of ['hidden_act', 'torch_dtype', 'rope_scaling']) {
      await paste({ ...base, [field]: PAYLOADS[1] });
      await assertInert(`${field} = payload`);
    }
    await paste({ ...base, hidden_size: PAYLOADS[0] });
    await until('a refused field says why', async () => (await page.locator('#error').count()) > 0);
    await assertInert('hidden_size = payload');
    await assertWorks('after the pasted configs');
  });
});
