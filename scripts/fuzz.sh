#!/usr/bin/env bash
# Bounded fuzzing of the config and query parsers: bash scripts/fuzz.sh [SECONDS_PER_TARGET] [RUNS_PER_TARGET]
# (SECONDS 0 = no time bound). Needs cargo-fuzz (`cargo install cargo-fuzz`); stable Rust with --sanitizer none.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
runs=${2:--1}
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
mkdir -p fuzz/corpus/config fuzz/corpus/query fuzz/corpus/checkpoint
for f in tests/fixtures/checkpoints/*/*.header.json; do [ "$(stat -c %s "$f")" -lt 65536 ] && cp "$f" "fuzz/corpus/checkpoint/$(basename "$(dirname "$f")")-$(basename "$f")"; done
cp tests/fixtures/configs/*.json fuzz/corpus/config/
jq_queries=$(python3 -c 'import json,sys
for l in open("tests/fixtures/truth/peaks_h200.jsonl"):
    d=json.loads(l)
    if "query" in d: print(d["query"])' 2>/dev/null || true)
i=0; while IFS= read -r q; do [ -n "$q" ] && printf '%s' "$q" > "fuzz/corpus/query/seed$i" && i=$((i+1)); done <<< "$jq_queries"
for t in config query checkpoint; do
  args=(-runs="$runs" -timeout=5 -rss_limit_mb=2048 -max_len=65536)
  [ "$secs" != 0 ] && args+=(-max_total_time="$secs")
  echo "== fuzz $t (${secs}s, runs $runs)"
  cargo fuzz run --sanitizer none "$t" "fuzz/corpus/$t" -- "${args[@]}" 2>&1 | grep -E '^(#[0-9]+ +DONE|Done|==|SUMMARY|thread)' || true
  [ -z "$(ls -A fuzz/artifacts/$t 2>/dev/null)" ] || { echo "fuzz $t: crash artifacts in fuzz/artifacts/$t"; exit 1; }
done
