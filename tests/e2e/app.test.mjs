// End-to-end test of the RELEASE build (dist/) in headless Chromium, driven by playwright-core, against a mock
// Hugging Face Hub that serves the real config.json fixtures under the Hub's URL layout (server.mjs).
//
//   DIST_DIR=dist node --test tests/e2e/app.test.mjs      (scripts/test.sh builds dist/ with trunk first)
//
// Any page error (an uncaught exception or a wasm panic) and any console error fails the test, except the
// browser's own "Failed to load resource" line for a request this test made fail on purpose (a 404, a 401...).
// No request may leave 127.0.0.1. On a failure, a screenshot goes to test-artifacts/e2e-*.png.
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { FIXTURES } from './server.mjs';
import {
  ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, DIST, TIMEOUT, e2eTest, startServers, until, watch as watchFor,
} from './harness.mjs';

const GPT_OSS = 'openai/gpt-oss-20b';
// openai__gpt-oss-20b.json, as the issue gives it
const GPT_OSS_VIEW = {
  '#arch-model-type': 'gpt_oss',
  '#arch-hidden-size': '2880',
  '#arch-layers': '24',
  '#arch-heads': '64',
  '#arch-vocab': '201088',
  '#arch-context': '131072',
};
const GPT_OSS_PARAMS = '20,914,757,184';
const ARCH_IDS = ['#arch-model-type', '#arch-hidden-size', '#arch-layers', '#arch-heads', '#arch-kv-heads',
  '#arch-head-dim', '#arch-intermediate', '#arch-vocab', '#arch-context', '#arch-tied', '#arch-experts',
  '#params-total', '#params-active'];
const CONTROL_IDS = ['#mode', '#precision', '#batch', '#seq', '#new-tokens', '#rank', '#targets', '#dropout',
  '#gc', '#optim', '#attn'];

let servers; // { appUrl, hubUrl, hub: { requests }, close }
let context;
let page;
let userDataDir;
const problems = []; // page errors, unexpected console errors, requests that left 127.0.0.1
const expectedFailures = new Set(); // URLs this test makes fail on purpose
let lastGood = null; // { url, view, bytes } once a model has loaded

// ---------------------------------------------------------------------------------------------- helpers

/** Removes thousands separators between digit groups: "201,088" / "201 088" -> "201088". */
const plainDigits = (s) => s.replace(/(\d)[,\u00a0\u202f\u2009 _'](?=\d{3}(\D|$))/g, '$1');

/** Whether `text` shows the number `n` as a whole number (separators allowed). */
const showsNumber = (text, n) => new RegExp(`(^|[^\\d.])${n}([^\\d]|$)`).test(plainDigits(text));

async function text(selector) {
  return ((await page.locator(selector).first().textContent({ timeout: TIMEOUT })) ?? '').trim();
}

async function readView() {
  const view = {};
  for (const id of ARCH_IDS) {
    const loc = page.locator(id);
    view[id] = (await loc.count()) ? ((await loc.first().textContent()) ?? '').trim() : null;
  }
  return view;
}

async function readControls() {
  const out = {};
  for (const id of CONTROL_IDS) {
    const loc = page.locator(id);
    if (!(await loc.count())) { out[id] = null; continue; }
    out[id] = await loc.first().evaluate((el) =>
      (el.type === 'checkbox' || el.type === 'radio') ? String(el.checked) : ('value' in el ? el.value : el.textContent));
  }
  return out;
}

async function totalBytes() {
  const v = await page.locator('#total-bytes').first().getAttribute('data-bytes', { timeout: TIMEOUT });
  assert.ok(v !== null && /^\d+$/.test(v), `#total-bytes data-bytes should be a whole number of bytes, got ${v}`);
  return Number(v);
}

/** Sets an input, textarea or select the way a person would, firing input and change. */
async function setControl(selector, value) {
  const loc = page.locator(selector).first();
  const tag = await loc.evaluate((el) => el.tagName);
  if (tag === 'SELECT') {
    await loc.selectOption(String(value));
  } else {
    await loc.fill(String(value));
    await loc.dispatchEvent('change');
  }
}

/** Makes an element inside a closed settings panel (<details> or hidden section) reachable. */
async function reveal(selector) {
  const loc = page.locator(selector).first();
  await loc.waitFor({ state: 'attached', timeout: TIMEOUT });
  if (await loc.isVisible()) return;
  await loc.evaluate((el) => { for (let e = el; e; e = e.parentElement) if (e.tagName === 'DETAILS') e.open = true; });
  if (await loc.isVisible()) return;
  for (const toggle of ['#settings-toggle', '#settings summary', 'summary']) {
    const t = page.locator(toggle).first();
    if ((await t.count()) && (await t.isVisible())) {
      await t.click();
      if (await loc.isVisible()) return;
    }
  }
}

const hubPath = (id, rev = 'main') => `/${id}/resolve/${rev}/config.json`;
const hubRequests = (p) => servers.hub.requests.filter((r) => r.path === p).length;

/** Loads a model through the UI: fills #model-input (and #rev-input), then the button or Enter. */
async function loadModel(id, { rev = null, how = 'button' } = {}) {
  await page.locator('#model-input').fill(id);
  if (rev !== null) await page.locator('#rev-input').fill(rev);
  if (how === 'enter') await page.locator('#model-input').press('Enter');
  else await page.locator('#load-button').click();
}

async function expectError(kind, pattern) {
  const err = page.locator(`#error[data-kind="${kind}"]`);
  await until(`#error with data-kind="${kind}"`, async () => (await err.count()) && (await err.first().isVisible()));
  const msg = ((await err.first().textContent()) ?? '').trim();
  assert.ok(msg.length > 0, `#error (${kind}) has a message`);
  if (pattern) assert.match(msg, pattern, `#error (${kind}) message`);
  return msg;
}

async function expectLastGoodStays() {
  if (!lastGood) return;
  assert.deepEqual(await readView(), lastGood.view, 'the last good result stays on screen');
  assert.equal(await totalBytes(), lastGood.bytes, 'the last good estimate stays on screen');
}

/** Runs a test body; on failure, saves a screenshot and the page's HTML to test-artifacts/e2e-<name>.png/.html
 * (an empty prefix: the slug's leading dash is trimmed). */
const e2e = e2eTest('', problems, () => page);

/** Records page `p`'s errors in `problems` (see harness.mjs `watch`). */
const watch = (p) => watchFor(p, problems, expectedFailures);

// ---------------------------------------------------------------------------------------------- the test

describe('ftmem release build in Chromium', () => {
  before(async () => {
    await fs.access(path.join(DIST, 'index.html')).catch(() => {
      throw new Error(`no ${path.join(DIST, 'index.html')}: build it first (trunk build --release)`);
    });
    servers = await startServers(DIST);
    userDataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ftmem-e2e-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 1000 },
    });
    context.on('page', watch);
    page = context.pages()[0];
    if (page) watch(page); // the first tab exists before the 'page' handler; later tabs are watched by it
    else page = await context.newPage();
    page.setDefaultTimeout(TIMEOUT);
  });

  after(async () => {
    await context?.close().catch(() => {});
    await servers?.close().catch(() => {});
    if (userDataDir) await fs.rm(userDataDir, { recursive: true, force: true }).catch(() => {});
  });

  e2e('the release build starts: the page renders its inputs with no error', async () => {
    const resp = await page.goto(servers.appUrl + '/');
    assert.equal(resp?.status(), 200);
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    assert.ok((await page.title()).length > 0, 'the page has a title');
    for (const id of ['#model-input', '#rev-input', '#load-button', '#endpoint-input']) {
      await page.locator(id).first().waitFor({ state: 'attached' });
    }
    assert.equal(await page.locator('#rev-input').inputValue(), 'main', 'the revision defaults to main');
    assert.equal(servers.hub.requests.length, 0, 'nothing is fetched before a model is asked for');
  });

  e2e('the hub endpoint is set in the settings panel and kept in localStorage', async () => {
    await reveal('#endpoint-input');
    const input = page.locator('#endpoint-input').first();
    await input.fill(servers.hubUrl, { force: true });
    await input.dispatchEvent('change');
    await until('localStorage ftmem.endpoint = the mock hub', async () =>
      (await page.evaluate(() => localStorage.getItem('ftmem.endpoint')))?.includes(servers.hubUrl));
  });

  e2e(`loads ${GPT_OSS} through the UI and shows its architecture and parameter count`, async () => {
    await loadModel(GPT_OSS);
    await until('#arch-model-type shows gpt_oss', async () => (await text('#arch-model-type')).includes('gpt_oss'));
    assert.ok(hubRequests(hubPath(GPT_OSS)) >= 1, `the app fetched ${hubPath(GPT_OSS)} from the hub endpoint`);
    for (const [id, want] of Object.entries(GPT_OSS_VIEW)) {
      const got = await text(id);
      assert.ok(id === '#arch-model-type' ? got.includes(want) : showsNumber(got, want), `${id}: want ${want}, got "${got}"`);
    }
    const total = await text('#params-total');
    assert.ok(total.includes(GPT_OSS_PARAMS), `#params-total: want ${GPT_OSS_PARAMS}, got "${total}"`);
    await until('the URL has model=openai/gpt-oss-20b',
      async () => new URL(page.url()).searchParams.get('model') === GPT_OSS);
    const bytes = await totalBytes();
    assert.ok(bytes > 10e9, `a 20.9 B-parameter model needs more than 10 GB (got ${bytes} bytes)`);
    await fs.mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'e2e-gpt-oss-20b.png'), fullPage: true });
  });

  e2e('the checkpoint is read from its safetensors headers by Range requests, never its weights', async () => {
    const line = page.locator('#checkpoint');
    await until('#checkpoint agrees', async () => (await line.getAttribute('data-state')) === 'agrees');
    assert.equal(await line.getAttribute('data-params'), '20914757184', 'the headers count the same parameters');
    assert.match(await text('#checkpoint'), /3 safetensors file\(s\), 459 tensors/);
    assert.match(await text('#checkpoint'), /U8 .*BF16/, 'bytes as stored, by dtype');
    const reqs = servers.hub.requests;
    assert.ok(reqs.some((r) => r.path === `/api/models/${GPT_OSS}/revision/main` && r.status === 200), 'the file list first');
    assert.ok(reqs.some((r) => r.path.endsWith('/model.safetensors.index.json') && r.status === 200), 'then the index');
    const cdn = reqs.filter((r) => r.path.startsWith('/cdn/'));
    assert.equal(cdn.length, 6, 'two Range requests per shard, after the redirect');
    assert.ok(cdn.every((r) => r.status === 206), `every weights request was a Range request: ${JSON.stringify(cdn)}`);
    assert.equal(reqs.filter((r) => r.path.includes('/resolve/') && r.path.endsWith('.safetensors') && r.status !== 302).length, 0, 'resolve redirects');
    assert.ok((await text('#params-active-card')).includes('3,608,307,264'), 'active without the input embedding');

    // A server that ignores Range: cut off, a one-line note, the family count stays.
    await loadModel(GPT_OSS, { rev: 'no-range' });
    await until('#checkpoint failed', async () => (await line.getAttribute('data-state')) === 'failed');
    assert.match(await text('#checkpoint'), /ignored the Range request/);
    assert.ok((await text('#params-total')).includes(GPT_OSS_PARAMS));
    // A repository with no safetensors files (Qwen3-4B's fixture): said so, with no request for a missing file.
    const n404 = reqs.filter((r) => r.status === 404).length;
    await loadModel('Qwen/Qwen3-4B', { rev: 'main' });
    await until('#checkpoint failed for Qwen3-4B', async () =>
      (await line.getAttribute('data-state')) === 'failed' && /no safetensors/.test(await text('#checkpoint')));
    assert.equal(reqs.filter((r) => r.status === 404).length, n404, 'no 404 asked for');
    await loadModel(GPT_OSS, { rev: 'main' });
    await until('#checkpoint agrees again', async () => (await line.getAttribute('data-state')) === 'agrees');
  });

  e2e('changing the micro-batch size changes #total-bytes at once and the URL', async () => {
    const before = await totalBytes();
    const historyBefore = await page.evaluate(() => history.length);
    const batch = page.locator('#batch').first();
    const tag = await batch.evaluate((el) => el.tagName);
    let next;
    if (tag === 'SELECT') {
      const current = await batch.inputValue();
      const options = await batch.evaluate((el) => [...el.options].map((o) => o.value));
      next = options.find((v) => Number(v) > Number(current)) ?? options.find((v) => v !== current);
    } else {
      next = String(Number(await batch.inputValue()) === 4 ? 8 : 4);
    }
    await setControl('#batch', next);
    const after = await until('#total-bytes data-bytes changes', async () => {
      const b = await totalBytes();
      return b !== before ? b : 0;
    });
    assert.ok(after > before, `a larger micro-batch needs more memory: ${before} -> ${after} bytes`);
    await until(`the URL has batch=${next}`, async () => new URL(page.url()).searchParams.get('batch') === next);
    assert.equal(await page.evaluate(() => history.length), historyBefore, 'editing replaces the history entry');
    lastGood = { url: page.url(), view: await readView(), bytes: after, controls: await readControls() };
  });

  e2e('the training stack is an input: the total, the link and the breakdown follow it', async () => {
    const trl = await totalBytes();
    assert.match(await text('#stack-for'), /TRL SFTTrainer/, 'TRL SFTTrainer by default');
    assert.match(await text('#stack-versions'), /TRL 1\.16.*transformers 5\.17/);
    const others = await page.locator('#other-stacks [data-stack]').count();
    assert.equal(others, 2, 'one figure per other stack');
    const trainerShown = Number(await page.locator('#other-stacks [data-stack="trainer"]').getAttribute('data-bytes'));
    await setControl('#stack', 'trainer');
    const trainer = await until('#total-bytes changes with the stack', async () => {
      const b = await totalBytes();
      return b !== trl ? b : 0;
    });
    assert.equal(trainer, trainerShown, 'the other-stacks line said what Trainer would need');
    await until('the URL has stack=trainer', async () => new URL(page.url()).searchParams.get('stack') === 'trainer');
    assert.match(await text('#stack-for'), /Transformers Trainer/);
    await until('the title names the stack', async () => /Trainer/.test(await page.title()));
    await setControl('#stack', 'trl');
    await until('back to TRL', async () => (await totalBytes()) === trl);
    await until('the default stack leaves the link', async () => !new URL(page.url()).searchParams.has('stack'));
  });

  e2e('LoRA on parameters (PEFT target_parameters): the cookbook experts add wrapped expert weights, bad names are refused', async () => {
    const before = await totalBytes();
    const tp = '7.mlp.experts.gate_up_proj,7.mlp.experts.down_proj,15.mlp.experts.gate_up_proj,15.mlp.experts.down_proj,23.mlp.experts.gate_up_proj,23.mlp.experts.down_proj';
    const gc = page.locator('#gc').first();
    if (await gc.isChecked()) await gc.click();
    const noGc = await until('#total-bytes without checkpointing', async () => {
      const b = await totalBytes();
      return b !== before ? b : 0;
    });
    await setControl('#target-params', tp);
    const wrapped = await until('#total-bytes grows with the wrapped experts', async () => {
      const b = await totalBytes();
      return b > noGc ? b : 0;
    });
    // Three layers' W' in bf16 (3 × 32 × 2880 × 8640 × 2 bytes = 4.78 GB) are saved for backward without checkpointing.
    assert.ok(wrapped - noGc > 4.7e9, `W + ΔW of three layers: ${noGc} -> ${wrapped}`);
    await until('the breakdown lists the wrapped expert weights', async () =>
      (await page.locator('tr[data-item="wrapped_experts"]').count()) === 1);
    await until('the URL has target_params', async () => new URL(page.url()).searchParams.get('target_params') === tp);
    // A name that is not a parameter name: refused at the field, the estimate and the link stay.
    await setControl('#target-params', 'mlp..experts');
    await until('#target-params-error says why', async () => /not a parameter name/.test(await text('#target-params-error')));
    assert.equal(await totalBytes(), wrapped);
    assert.equal(new URL(page.url()).searchParams.get('target_params'), tp);
    // A well-formed name the model does not have: the estimate's own error names the model's parameters.
    await setControl('#target-params', 'mlp.experts.up_proj');
    await until('#estimate-error names the model\'s stacked parameters', async () =>
      /matches no parameter.*mlp\.experts\.gate_up_proj/.test(await text('#estimate-error')));
    await setControl('#target-params', '');
    await until('no target_params in the link', async () => !new URL(page.url()).searchParams.has('target_params'));
    await until('back to the total without wrappers', async () => (await totalBytes()) === noGc);
    if (!(await gc.isChecked())) await gc.click();
    await until('checkpointing back on', async () => (await totalBytes()) === before);
  });

  e2e('reloading from the URL restores the same view', async () => {
    assert.ok(lastGood, 'a model was loaded');
    const fetchesBefore = hubRequests(hubPath(GPT_OSS));
    // The earlier tests put every setting back; the link follows the last edit a moment after the total does.
    await until('the link is the last good view\'s again', async () => page.url() === lastGood.url);
    await page.reload();
    await until('#arch-model-type shows gpt_oss after the reload',
      async () => (await text('#arch-model-type')).includes('gpt_oss'));
    await until('the same #total-bytes', async () => (await totalBytes()) === lastGood.bytes);
    assert.ok(hubRequests(hubPath(GPT_OSS)) > fetchesBefore, 'the model was fetched again from the URL');
    assert.deepEqual(await readView(), lastGood.view);
    assert.deepEqual(await readControls(), lastGood.controls);
    assert.equal(await page.locator('#model-input').inputValue(), GPT_OSS);

    // the same link opened in a new tab
    const tab = await context.newPage();
    const main = page;
    page = tab;
    try {
      await tab.goto(lastGood.url);
      await until('the new tab shows gpt_oss', async () => (await text('#arch-model-type')).includes('gpt_oss'));
      await until('the same #total-bytes in the new tab', async () => (await totalBytes()) === lastGood.bytes);
      assert.deepEqual(await readView(), lastGood.view);
    } finally {
      page = main;
      await tab.close();
    }
  });

  e2e('the hub endpoint is never taken from a link', async () => {
    assert.ok(lastGood, 'a model was loaded');
    const u = new URL(lastGood.url);
    u.searchParams.set('endpoint', 'http://127.0.0.1:9/');
    const n = hubRequests(hubPath(GPT_OSS));
    await page.goto(u.href);
    await until('the model is fetched from the stored endpoint', async () => hubRequests(hubPath(GPT_OSS)) > n);
    await until('gpt_oss shown', async () => (await text('#arch-model-type')).includes('gpt_oss'));
    assert.ok((await page.evaluate(() => localStorage.getItem('ftmem.endpoint')))?.includes(servers.hubUrl));
    await page.goto(lastGood.url);
    await until('gpt_oss shown', async () => (await text('#arch-model-type')).includes('gpt_oss'));
  });

  e2e('a missing repo (404) shows the not-found message; Enter loads; the last result stays', async () => {
    const id = 'nobody/no-such-model';
    expectedFailures.add(servers.hubUrl + hubPath(id));
    await loadModel(id, { how: 'enter' });
    await until('the app asked the hub for the missing repo', async () => hubRequests(hubPath(id)) >= 1);
    await expectError('not-found', /not found|no such|does not exist|404/i);
    await expectLastGoodStays();
    // The title and the link stay with the model on screen (issue 12: they took the dead id, so Copy link
    // shared it).
    assert.equal(new URL(page.url()).searchParams.get('model'), GPT_OSS, 'the link keeps the model shown');
    assert.match(await page.title(), /gpt-oss-20b/, 'the title names the model shown');
    assert.doesNotMatch(await page.title(), /no-such-model/);
  });

  e2e('inference runs on one GPU: GPUs and sharding set for training leave the estimate and the link', async () => {
    const before = new URL(page.url()).search;
    await setControl('#gpus', '4');
    await setControl('#shard', 'zero3');
    await until('gpus=4&shard=zero3 in the link', async () =>
      new URL(page.url()).searchParams.get('gpus') === '4' && new URL(page.url()).searchParams.get('shard') === 'zero3');
    await setControl('#mode', 'inference');
    await until('the link has mode=inference and no gpus/shard', async () => {
      const q = new URL(page.url()).searchParams;
      return q.get('mode') === 'inference' && !q.has('gpus') && !q.has('shard');
    });
    assert.doesNotMatch(await text('#total-bytes').catch(() => ''), /GPUs/);
    assert.doesNotMatch(await text('.result-total, #breakdown').catch(() => ''), /4 GPUs|ZeRO-3/);
    // Inference rows do not describe training.
    const acts = await text('tr[data-item="activations"]');
    assert.doesNotMatch(acts, /for backward \(or|saves for backward/);
    await setControl('#mode', 'lora');
    await until('back to the link as before', async () => new URL(page.url()).search === before);
  });

  e2e('a number refused while typing puts back the value in force when the field took focus', async () => {
    const seq = page.locator('#seq').first();
    const before = await seq.inputValue();
    const bytes = await totalBytes();
    await seq.selectText();
    await seq.pressSequentially('1234567890', { delay: 5 });
    await until('#seq-error says the range', async () => /at most/.test(await text('#seq-error')));
    await seq.press('Tab');
    await until('#seq shows the value in force again', async () => (await seq.inputValue()) === before);
    assert.equal(await totalBytes(), bytes, 'no keystroke\'s intermediate value stays in force');
    const rank = page.locator('#rank').first();
    await rank.fill('-3');
    await until('#rank-error says at least 1', async () => /at least 1/.test(await text('#rank-error')));
    await rank.press('Tab');
  });

  const errorCases = [
    ['errors/gated', 'unauthorized', /gated|private|log ?in|token|access|401/i],
    ['errors/rate-limited', 'rate-limited', /rate|too many|429|later/i],
    ['errors/forbidden', 'unauthorized', /gated|private|access|403|permission/i],
    ['errors/not-json', 'not-json', /json/i],
    ['errors/no-fields', 'config', /hidden_size|num_hidden_layers|num_attention_heads|vocab_size|field|missing/i],
    ['errors/hang-up', 'offline', /offline|unreachable|network|connect|reach/i],
  ];
  for (const [id, kind, pattern] of errorCases) {
    e2e(`${id} -> #error data-kind=${kind}, and the last result stays`, async () => {
      expectedFailures.add(servers.hubUrl + hubPath(id));
      // (errorCases never has the same kind twice in a row, so a stale #error cannot pass for a new one)
      const n = hubRequests(hubPath(id));
      await loadModel(id);
      await until(`the app asked the hub for ${id}`, async () => hubRequests(hubPath(id)) > n);
      await expectError(kind, pattern);
      if (kind === 'unauthorized') {
        assert.ok(await page.locator('#paste-config').count(), 'a gated repo offers the paste option (#paste-config)');
      }
      await expectLastGoodStays();
      // The link and the title stay with the model on screen, whatever the error (a copied link restores it).
      assert.notEqual(new URL(page.url()).searchParams.get('model'), id, 'the link does not name the refused model');
      assert.ok(!(await page.title()).includes(id.split('/')[1]), 'nor does the title');
    });
  }

  e2e('a Hub URL is normalised to the id; an unknown revision is a 404', async () => {
    const n = hubRequests(hubPath(GPT_OSS));
    await loadModel(`https://huggingface.co/${GPT_OSS}`);
    await until('the hub URL was fetched as the id', async () => hubRequests(hubPath(GPT_OSS)) > n);
    await until('gpt_oss shown', async () => (await text('#arch-model-type')).includes('gpt_oss'));

    const p = hubPath(GPT_OSS, 'no-such-revision');
    expectedFailures.add(servers.hubUrl + p);
    await loadModel(GPT_OSS, { rev: 'no-such-revision' });
    await until('the app asked for the unknown revision', async () => hubRequests(p) >= 1);
    await expectError('not-found');
    await page.locator('#rev-input').fill('main');
  });

  e2e('a pasted config.json is used; pasted non-JSON says so and keeps the result', async () => {
    await reveal('#paste-config');
    const qwen = await fs.readFile(path.join(FIXTURES, 'Qwen__Qwen3-8B.json'), 'utf8');
    await page.locator('#paste-config').first().fill(qwen, { force: true });
    await page.locator('#paste-apply').first().click({ force: true });
    await until('#arch-model-type shows qwen3', async () => (await text('#arch-model-type')).includes('qwen3'));
    assert.ok(showsNumber(await text('#arch-hidden-size'), '4096'), 'Qwen3-8B hidden size 4096');
    assert.ok(showsNumber(await text('#arch-layers'), '36'), 'Qwen3-8B has 36 layers');
    const good = { view: await readView(), bytes: await totalBytes() };

    await page.locator('#paste-config').first().fill('{ "model_type": "llama", ', { force: true });
    await page.locator('#paste-apply').first().click({ force: true });
    await expectError('not-json', /json/i);
    assert.deepEqual(await readView(), good.view, 'the pasted model stays on screen');
    assert.equal(await totalBytes(), good.bytes);
  });

  // ------------------------------------------------------------------ presets, fits on, chart, what fits, share

  e2e('the fits-on table covers every GPU, agrees with the chart, and GB/GiB goes into the link', async () => {
    const rows = page.locator('#fits-table tbody tr[data-gpu]');
    await until('#fits-table has rows', async () => (await rows.count()) >= 11);
    const verdicts = await rows.evaluateAll((trs) => trs.map((tr) => ({
      gpu: tr.dataset.gpu, fits: tr.dataset.fits, room: Number(tr.querySelector('td.headroom')?.dataset.bytes),
    })));
    for (const g of ['t4', 'l4', 'rtx-3090', 'rtx-4090', 'rtx-5090', 'a10g', 'a100-40', 'a100-80', 'h100-80', 'h200', 'mi300x']) {
      assert.ok(verdicts.some((v) => v.gpu === g), `a row for ${g}`);
    }
    for (const v of verdicts) {
      assert.ok(v.fits === 'yes' ? v.room >= 0 : v.room < 0, `${v.gpu}: headroom sign matches the verdict`);
    }
    // The list goes from the smallest to the largest GPU: once it fits, it fits on every larger one.
    const first = verdicts.findIndex((v) => v.fits === 'yes');
    if (first >= 0) assert.ok(verdicts.slice(first).every((v) => v.fits === 'yes'), JSON.stringify(verdicts));
    assert.match(await text('#measured-error'), /\d+ %.*\d+/);

    // The chart: one segment per non-zero component of the breakdown, summing to the total.
    const total = await totalBytes();
    const segs = await page.locator('#chart rect[data-item]').evaluateAll((rs) => rs.map((r) => Number(r.dataset.bytes)));
    assert.ok(segs.length >= 3, `segments: ${segs.length}`);
    assert.equal(segs.reduce((a, b) => a + b, 0), total, 'the segments add up to #total-bytes');
    assert.ok(Number(await page.locator('#chart-capacity').getAttribute('data-bytes')) > 0, 'the capacity is marked');
    assert.equal(await page.locator('#chart rect[data-item] title').count(), segs.length, 'each segment has a tooltip');

    // GiB by default, for the whole page; GPUs by their box size and what the driver reports.
    assert.match(await text('#fits-table tbody tr[data-gpu="h100-80"]'), /H100 80 GB — 79\.65 GiB usable/);
    assert.match(await text('#total-bytes'), /^\d[\d.,]* GiB/);
    assert.match(await text('#rule-of-thumb tbody'), /GiB/);
    await page.locator('label[for="unit-gb"]').click();
    await until('the URL has unit=gb', async () => new URL(page.url()).searchParams.get('unit') === 'gb');
    assert.match(await text('#fits-table tbody tr[data-gpu="h200"]'), / GB/);
    await until('the rule-of-thumb table follows the unit', async () => / GB/.test(await text('#rule-of-thumb tbody')) && !/GiB/.test(await text('#rule-of-thumb tbody')));
    await page.locator('label[for="unit-gib"]').click();
    await until('unit leaves the URL', async () => !new URL(page.url()).searchParams.has('unit'));
    assert.match(await text('#fits-table tbody tr[data-gpu="h200"]'), /GiB/);
  });

  e2e('a preset loads at once with no request to the hub, and titles the page', async () => {
    // The current repo id (Meta renamed meta-llama/Meta-Llama-3.1-70B; the config is the same file).
    const id = 'meta-llama/Llama-3.1-70B';
    const before = servers.hub.requests.length;
    await page.locator(`#presets button[data-preset="${id}"]`).click();
    await until('#arch-hidden-size shows 8192', async () => showsNumber(await text('#arch-hidden-size'), '8192'));
    assert.ok(showsNumber(await text('#arch-layers'), '80'), 'Llama 3.1 70B has 80 layers');
    await until(`the URL has model=${id}`, async () => new URL(page.url()).searchParams.get('model') === id);
    await until('the title names the model', async () => (await page.title()).includes('Llama-3.1-70B'));
    assert.match(await page.title(), /\d+\.\d (GB|GiB)/, 'the title has the total');
    await page.waitForTimeout(300);
    assert.equal(servers.hub.requests.length, before, 'no request reached the hub');
  });

  e2e('sharding controls and the what-fits panel: per-GPU figures, largest batch, fewest GPUs, custom size', async () => {
    await setControl('#mode', 'full');
    await page.locator('#gpus').first().waitFor({ state: 'attached' });
    const one = await until('an estimate', async () => totalBytes());
    await setControl('#gpus', '8');
    await setControl('#shard', 'zero3');
    await until('#per-gpu-note appears', async () => (await page.locator('#per-gpu-note').count()) > 0);
    const eight = await totalBytes();
    assert.ok(eight < one, `ZeRO-3 on 8 GPUs needs less per GPU: ${one} -> ${eight}`);
    await until('the URL has gpus=8&shard=zero3', async () => {
      const q = new URL(page.url()).searchParams;
      return q.get('gpus') === '8' && q.get('shard') === 'zero3';
    });
    // A combination the core refuses: the message shows and the estimate stays.
    await setControl('#offload', 'params');
    await until('offload=params in the URL', async () => new URL(page.url()).searchParams.get('offload') === 'params');
    const withOffload = await totalBytes();
    await setControl('#shard', 'zero1');
    await until('#shard-error says why', async () => (await text('#shard-error')).length > 0);
    assert.equal(await totalBytes(), withOffload, 'the last good estimate stays');
    assert.equal(new URL(page.url()).searchParams.get('shard'), 'zero3');
    assert.ok(Number(await page.locator('#cpu-bytes').getAttribute('data-bytes')) > 0, 'offload needs CPU memory');
    await setControl('#offload', 'none');
    await setControl('#shard', 'ddp');
    await setControl('#gpus', '1');

    await page.locator('#fit-panel summary').click();
    await setControl('#fit-gpu', 'h100-80');
    await until('the URL has gpu=h100-80', async () => new URL(page.url()).searchParams.get('gpu') === 'h100-80');
    await until('#fit-gpus has a row per sharding stage', async () => (await page.locator('#fit-gpus tr[data-shard]').count()) === 5);
    const z3 = await page.locator('#fit-gpus tr[data-shard="zero3"] td.gpus').getAttribute('data-gpus');
    assert.ok(/^\d+$/.test(z3) && Number(z3) > 1, `a full fine-tune of a 70 B model needs several H100s with ZeRO-3 (got ${z3})`);
    assert.equal(await page.locator('#fit-gpus tr[data-shard="ddp"] td.gpus').getAttribute('data-gpus'), '', 'DDP never fits');
    assert.equal(await page.locator('#fit-batch').getAttribute('data-value'), '', 'no batch fits on one GPU');
    assert.equal(Number(await page.locator('#chart-capacity').getAttribute('data-bytes')), 81559 * 2 ** 20);

    // LoRA of a 1 B model on a custom 24 GiB GPU: a batch, a sequence and a rank that fit.
    await page.locator('#presets button[data-preset="meta-llama/Llama-3.2-1B"]').click();
    await until('Llama 3.2 1B shown', async () => showsNumber(await text('#arch-hidden-size'), '2048'));
    await setControl('#mode', 'lora');
    await setControl('#fit-gpu', 'custom');
    await setControl('#fit-custom-gib', '24');
    await until('the URL has gpu=24', async () => new URL(page.url()).searchParams.get('gpu') === '24');
    await until('#fit-rank shows a number', async () => /^\d+$/.test((await page.locator('#fit-rank').getAttribute('data-value')) ?? ''));
    for (const id of ['#fit-batch', '#fit-seq', '#fit-rank']) {
      const v = Number(await page.locator(id).getAttribute('data-value'));
      assert.ok(v >= 1, `${id}: ${v}`);
    }
    assert.equal(Number(await page.locator('#chart-capacity').getAttribute('data-bytes')), 24 * 2 ** 30);
  });

  e2e('the share button copies the link (or shows it to copy)', async () => {
    await page.locator('#share').click();
    await until('#share-status reports', async () => ['copied', 'manual'].includes(await page.locator('#share-status').getAttribute('data-state')));
    if ((await page.locator('#share-status').getAttribute('data-state')) === 'manual') {
      assert.equal(await page.locator('#share-url').inputValue(), page.url());
    }
    // A later edit makes the note stale: it goes (issue 12: "Link copied" stayed after later edits).
    const batch = await page.locator('#batch').first().inputValue();
    await setControl('#batch', String(Number(batch) + 1));
    await until('#share-status back to idle', async () => (await page.locator('#share-status').getAttribute('data-state')) === 'idle');
    await setControl('#batch', batch);
  });

  e2e('the answer comes first at every width: total, verdict for the chosen GPU, the stack; nothing clipped at 390 px', async () => {
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 1000 });
      await page.evaluate(() => window.scrollTo(0, 0));
      const answer = page.locator('#answer');
      await answer.waitFor({ state: 'visible' });
      const box = await answer.boundingBox();
      const vh = await page.evaluate(() => window.innerHeight);
      assert.ok(box && box.y + box.height <= vh, `#answer is on the first screen at ${width} px (${JSON.stringify(box)}, ${vh})`);
      assert.equal(await page.locator('#answer-total').getAttribute('data-bytes'), String(await totalBytes()));
      assert.match(await text('#answer-verdict'), /^[✓✗] (Fits on|Does not fit on) (.* GB — [\d.]+ GiB usable|Custom [\d.]+ GiB)/);
      const fitsAttr = await page.locator('#answer-verdict').getAttribute('data-fits');
      const signed = Number(await page.locator('#answer-verdict').getAttribute('data-bytes'));
      assert.ok(fitsAttr === 'yes' ? signed >= 0 : signed < 0, 'the verdict and its headroom agree');
      assert.match(await text('#answer-for'), /TRL SFTTrainer|Trainer|PyTorch loop|Inference/);
      // The answer sits above the model input.
      const input = await page.locator('#model-input').boundingBox();
      assert.ok(input && input.y > box.y, 'the inputs follow the answer');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `no horizontal overflow at ${width} px (${overflow} px)`);
      await page.screenshot({ path: path.join(ARTIFACTS, `e2e-answer-${width}.png`) });
    }
    await page.setViewportSize({ width: 1280, height: 1000 });
  });

  e2e('export: the JSON is the command line\'s, the CSV adds up, the command reproduces the view', async () => {
    await page.locator('#export > summary').click();
    await page.locator('#export-cli').waitFor({ state: 'visible' });
    const total = await totalBytes();
    const json = JSON.parse(await page.locator('#export-json').textContent());
    assert.equal(json.total_bytes, total, 'the JSON total is the page\'s');
    assert.ok(Array.isArray(json.components) && json.components.length > 0 && 'other_stacks' in json, 'the CLI\'s shape');
    const href = await page.locator('#export-csv-link').getAttribute('href');
    const csv = decodeURIComponent(href.replace(/^data:text\/csv;charset=utf-8,/, ''));
    const rows = csv.trim().split('\r\n');
    assert.equal(rows[0], 'component,bytes,gb,gib');
    const sum = rows.slice(1, -1).reduce((a, r) => a + Number(r.split(',')[1]), 0);
    assert.equal(sum, total, 'the CSV rows add up to the total');
    assert.equal(await page.locator('#export-json-link').getAttribute('download'), 'ftmem-estimate.json');
    await page.setViewportSize({ width: 390, height: 844 });
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'the command wraps at 390 px');
    await page.setViewportSize({ width: 1280, height: 1000 });
    const cli = await text('#export-cli');
    assert.match(cli, /ftmem estimate config\.json '/);
    const q = new URL(page.url()).searchParams;
    if (q.get('model')) assert.ok(cli.includes(`/${q.get('model')}/resolve/`), cli);
    await page.locator('#export > summary').click();
  });

  e2e('compare: B is this setup with one setting changed, both breakdowns and the difference, in the link', async () => {
    await setControl('#mode', 'lora');
    const total = await totalBytes();
    await setControl('#compare-key', 'mode');
    await until('vs=mode:qlora in the link', async () => new URL(page.url()).searchParams.get('vs') === 'mode:qlora');
    await page.locator('#compare-table').waitFor({ state: 'visible' });
    const rows = await page.locator('#compare-table tr[data-item]').evaluateAll((trs) =>
      trs.map((tr) => ({ item: tr.dataset.item, a: Number(tr.dataset.a), b: Number(tr.dataset.b), diff: Number(tr.dataset.diff) })));
    const tot = rows.find((r) => r.item === 'total');
    assert.equal(tot.a, total, 'column A is the estimate on screen');
    for (const r of rows) assert.equal(r.diff, r.b - r.a, `${r.item}: B − A`);
    const w = rows.find((r) => r.item === 'weights');
    assert.ok(w.b < w.a, 'QLoRA holds the base weights in 4 bits: less than LoRA\'s bf16');
    assert.equal(await totalBytes(), total, 'B does not change A');
    assert.match(await text('#compare-table thead'), /B \(mode=qlora\)/, 'the B column says what B is');
    // A key with fixed choices offers them under the value box (the newcomer pass typed them blind).
    assert.deepEqual(await page.locator('#compare-values option').evaluateAll((os) => os.map((o) => o.value)),
      ['inference', 'full', 'lora', 'qlora']);
    assert.equal(await page.locator('#compare-value').getAttribute('list'), 'compare-values');
    // On a phone the table stays inside the page (issue 12's newcomer pass: the B − A column was cut off).
    await page.setViewportSize({ width: 390, height: 844 });
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no sideways scroll at 390 px with B shown');
    await page.setViewportSize({ width: 1280, height: 1000 });
    // The link restores B.
    const url = page.url();
    await page.goto(url);
    await page.locator('#compare-table').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#compare-key').inputValue(), 'mode');
    // A value B cannot take says why; no B at all leaves the link.
    await setControl('#compare-value', 'train');
    await until('#compare-error names the key', async () => /mode/.test(await text('#compare-error')));
    await setControl('#compare-key', 'none');
    await until('vs leaves the link', async () => !new URL(page.url()).searchParams.has('vs'));
    assert.equal(await page.locator('#compare-table').count(), 0);
  });

  e2e('a link without a model opens on the built-in gpt-oss-20b, with no request', async () => {
    const before = servers.hub.requests.length;
    await page.goto(servers.appUrl + '/');
    await until('#arch-model-type shows gpt_oss', async () => (await text('#arch-model-type')).includes('gpt_oss'));
    assert.ok(showsNumber(await text('#arch-hidden-size'), '2880'));
    await until('the title names gpt-oss-20b', async () => (await page.title()).includes('gpt-oss-20b'));
    assert.equal(servers.hub.requests.length, before, 'no request reached the hub');
    assert.equal(new URL(page.url()).search, '', 'the link stays bare');
    // The model box names the model on screen (it was empty beside the built-in gpt-oss-20b).
    assert.equal(await page.locator('#model-input').inputValue(), GPT_OSS);
  });
  e2e('warnings explain surprising settings: QLoRA of gpt-oss, eager attention, a too-long sequence', async () => {
    await page.goto(servers.appUrl + '/?mode=qlora&seq=200000&stack=trainer');
    await until('#arch-model-type shows gpt_oss', async () => (await text('#arch-model-type')).includes('gpt_oss'));
    await until('#warnings lists three warnings', async () => (await page.locator('#warnings li').count()) === 3);
    for (const code of ['seq_exceeds_context', 'stacked_experts_not_quantized', 'eager_attention']) {
      assert.equal(await page.locator(`#warnings li[data-code="${code}"]`).count(), 1, code);
    }
    await setControl('#seq', '2048');
    await until('the context warning goes', async () => (await page.locator('#warnings li').count()) === 2);
    await setControl('#mode', 'lora');
    await until('only the eager warning stays', async () => (await page.locator('#warnings li').count()) === 1);
    await setControl('#attn', 'sdpa');
    await until('no warnings', async () => (await page.locator('#warnings').count()) === 0);
    // TRL's own trap: max_length defaults to 1024 and truncates the 2048-token rows.
    await setControl('#stack', 'trl');
    await until('the TRL max_length warning', async () =>
      (await page.locator('#warnings li[data-code="trl_max_length"]').count()) === 1);
  });
  e2e('serving with vLLM: KV tokens on the chosen GPU, vLLM\'s own error, what fits, every GPU, in the link', async () => {
    // The built-in gpt-oss-20b on an H100 as the llm-d benchmark ran it (core/tests/vllm_logs.rs): vLLM logged
    // 50.28 GiB of KV cache, 1,098,368 tokens.
    await page.goto(servers.appUrl + '/?mode=serve&maxlen=16000&gpu=h100-80');
    await until('the serving card says vLLM starts', async () =>
      (await page.locator('#serve-status[data-starts="yes"]').count()) === 1);
    const tokens = Number(await page.locator('#serve-kv').getAttribute('data-tokens'));
    assert.ok(Math.abs(tokens - 1098368) / 1098368 < 0.05, `KV tokens ${tokens}`);
    assert.match(await text('#serve-command'), /^vllm serve openai\/gpt-oss-20b --max-model-len 16000$/);
    assert.equal(await page.locator('#serve-gpus tbody tr').count(), 11);
    assert.equal(await page.locator('#serve-fewest-tp').getAttribute('data-tp'), '1');
    assert.equal(await page.locator('#breakdown, #fits-table, #compare').count(), 0, 'no training peak in serve mode');
    for (const id of ['#batch', '#seq', '#rank']) assert.equal(await page.locator(id).count(), 0, id);
    // Too small a share of the GPU: vLLM's own message, and the smallest share that starts.
    await setControl('#util', '0.15');
    await until('vLLM does not start', async () =>
      (await page.locator('#serve-status[data-starts="no"]').count()) === 1);
    assert.match(await text('#serve-error'), /^No available memory for the cache blocks/);
    const least = Number(await page.locator('#serve-min-util').getAttribute('data-util'));
    assert.ok(least > 0.15 && least < 0.3, `smallest util ${least}`);
    await until('util=0.15 in the link', async () => new URL(page.url()).searchParams.get('util') === '0.15');
    await setControl('#util', String(least));
    await until('it starts at the smallest share', async () =>
      (await page.locator('#serve-status[data-starts="yes"]').count()) === 1);
    // Two GPUs in tensor parallel: more KV tokens per GPU (half the weights each).
    await setControl('#util', '0.9');
    await setControl('#tp', '2');
    await until('tp=2 in the link and more tokens', async () =>
      new URL(page.url()).searchParams.get('tp') === '2' &&
      Number(await page.locator('#serve-kv').getAttribute('data-tokens')) > tokens);
    assert.match(await text('#serve-command'), /--tensor-parallel-size 2/);
    // Another GPU from the card's select goes into the link.
    await setControl('#serve-gpu', 'a100-40');
    await until('gpu=a100-40 in the link', async () => new URL(page.url()).searchParams.get('gpu') === 'a100-40');
    // A custom GPU size from the link is what the card's select shows, not the first GPU of the list.
    await page.goto(servers.appUrl + '/?mode=serve&gpu=24&batch=4&seq=4096&tp=3');
    await until('the serving card for 24 GiB', async () => (await page.locator('#serve-status').count()) === 1);
    assert.equal(await page.locator('#serve-gpu').inputValue(), '24');
    // tp=3 is kept as given (gpt-oss-20b has 64 heads, so vLLM refuses it), and batch/seq, which serving has
    // no control for, leave the link.
    assert.equal(await page.locator('#tp').inputValue(), '3');
    assert.match(await text('#serve-error'), /must be divisible by tensor parallel size \(3\)/);
    await until('batch and seq leave the link', async () => {
      const q = new URL(page.url()).searchParams;
      return !q.has('batch') && !q.has('seq') && q.get('tp') === '3';
    });
    // The command line wraps inside the card at phone width.
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page wider than the screen by ${overflow}px`);
    await page.setViewportSize({ width: 1280, height: 1000 });
    // Leaving serve mode drops the serving keys from the link and brings the peak back.
    await setControl('#mode', 'lora');
    await until('no serving keys in the link', async () => {
      const q = new URL(page.url()).searchParams;
      return !q.has('util') && !q.has('tp') && !q.has('maxlen') && q.get('mode') === null;
    });
    await until('#total-bytes is back', async () => (await page.locator('#total-bytes').count()) === 1);
  });
});
