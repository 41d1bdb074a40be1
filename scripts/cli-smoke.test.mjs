// Smoke test of the native CLI `ftmem` (issue 2 §9), run by scripts/test.sh after
// `cargo build --release --bin ftmem`: node --test scripts/cli-smoke.test.mjs
// FTMEM_BIN overrides the binary (default target/release/ftmem).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = process.env.FTMEM_BIN || path.join(root, 'target', 'release', 'ftmem');
const fixture = (name) => path.join(root, 'tests', 'fixtures', 'configs', name);

function ftmem(...args) {
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: 30_000 });
  if (r.error) throw r.error;
  return r;
}

/** Runs ftmem, expects exit 0 and exactly one JSON object on stdout. */
function ftmemJson(...args) {
  const r = ftmem(...args);
  assert.equal(r.status, 0, `ftmem ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  let v;
  assert.doesNotThrow(() => { v = JSON.parse(r.stdout); }, `stdout is not JSON: ${r.stdout.slice(0, 200)}`);
  assert.equal(typeof v, 'object');
  assert.ok(v && !Array.isArray(v), 'stdout is one JSON object');
  return v;
}

/** Bad input: exit status 2, one line on stderr, nothing on stdout. */
function assertBadInput(...args) {
  const r = ftmem(...args);
  assert.equal(r.status, 2, `ftmem ${args.join(' ')}: expected exit 2, got ${r.status} (stderr: ${r.stderr})`);
  assert.equal(r.stdout, '', 'nothing on stdout');
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  assert.equal(lines.length, 1, `exactly one line on stderr, got: ${JSON.stringify(r.stderr)}`);
}

test('params: gpt-oss-20b has 20,914,757,184 parameters; active < total (MoE)', () => {
  const p = ftmemJson('params', fixture('openai__gpt-oss-20b.json'));
  assert.equal(p.total, 20914757184);
  assert.ok(Number.isInteger(p.active) && p.active > 0 && p.active < p.total,
    `active ${p.active} should be positive and below total for a MoE model`);
});

test('params: a dense model (Qwen3-8B) has active == total', () => {
  const p = ftmemJson('params', fixture('Qwen__Qwen3-8B.json'));
  assert.ok(Number.isInteger(p.total) && p.total > 7e9 && p.total < 9e9, `total ${p.total}`);
  assert.equal(p.active, p.total);
});

test('estimate: total_bytes and components for defaults and a query', () => {
  const cfg = fixture('openai__gpt-oss-20b.json');
  for (const query of [[], ['mode=lora&batch=2&seq=1024'], ['mode=inference&precision=bf16&new=256']]) {
    const e = ftmemJson('estimate', cfg, ...query);
    assert.ok(Number.isSafeInteger(e.total_bytes) && e.total_bytes > 0, `total_bytes ${e.total_bytes}`);
    assert.ok(Array.isArray(e.components) && e.components.length > 0, 'components is a non-empty list');
    for (const c of e.components) {
      assert.equal(typeof c.name, 'string');
      assert.ok(Number.isFinite(c.bytes) && c.bytes >= 0, `component ${c.name}: bytes ${c.bytes}`);
    }
  }
});

test('estimate: a larger micro-batch needs more memory (full fine-tuning)', () => {
  const cfg = fixture('Qwen__Qwen3-0.6B.json');
  const small = ftmemJson('estimate', cfg, 'mode=full&batch=1&seq=1024');
  const large = ftmemJson('estimate', cfg, 'mode=full&batch=8&seq=1024');
  assert.ok(large.total_bytes > small.total_bytes, `batch 8: ${large.total_bytes} <= batch 1: ${small.total_bytes}`);
});

test('bad input: exit 2, one line on stderr, nothing on stdout', () => {
  assertBadInput('params', path.join(root, 'no-such-config.json'));
  assertBadInput('params', path.join(root, 'Cargo.toml')); // not JSON
  assertBadInput('estimate', fixture('openai__gpt-oss-20b.json'), 'mode=bogus');
  assertBadInput('no-such-command');
});

test('estimate: the stack is an input, and the JSON says which and what the others need', () => {
  const cfg = fixture('openai__gpt-oss-20b.json');
  const q = 'mode=lora&rank=8&batch=4&seq=2048&attn=eager'; // the gpt-oss cookbook's run
  const trl = ftmemJson('estimate', cfg, q);
  const trainer = ftmemJson('estimate', cfg, q + '&stack=trainer');
  const loop = ftmemJson('estimate', cfg, q + '&stack=loop');
  assert.equal(trl.stack, 'trl', 'TRL SFTTrainer is the default');
  assert.equal(trainer.stack, 'trainer');
  assert.ok(trl.total_bytes < trainer.total_bytes && trainer.total_bytes < loop.total_bytes,
    `TRL ${trl.total_bytes} < Trainer ${trainer.total_bytes} < loop ${loop.total_bytes}`);
  const others = Object.fromEntries(trl.other_stacks.map((o) => [o.stack, o.total_bytes]));
  assert.deepEqual(others, { trainer: trainer.total_bytes, loop: loop.total_bytes });
  assert.equal(trl.versions.TRL, '1.16');
  assert.ok(!trl.components.some((c) => c.name === 'logits'), 'TRL builds no full logits');
  assert.ok(loop.components.some((c) => c.name === 'logits'));
  assert.equal(ftmemJson('estimate', cfg, 'mode=inference').stack, null, 'inference has no stack');
  assertBadInput('estimate', cfg, 'stack=deepspeed');
  assertBadInput('estimate', cfg, 'stack=loop&liger=1');
});

test('fit follows the stack: TRL fits a longer sequence than the plain loop', () => {
  const cfg = fixture('Qwen__Qwen3-0.6B.json');
  const trl = ftmemJson('fit', cfg, 'mode=lora&batch=4', 'gpu=24');
  const loop = ftmemJson('fit', cfg, 'mode=lora&batch=4&stack=loop', 'gpu=24');
  assert.ok(Number.isInteger(trl.longest_seq) && Number.isInteger(loop.longest_seq));
  assert.ok(trl.longest_seq > loop.longest_seq, `TRL ${trl.longest_seq} vs loop ${loop.longest_seq} tokens`);
  assert.ok(trl.total_bytes < loop.total_bytes);
});
