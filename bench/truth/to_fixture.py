#!/usr/bin/env python3
"""Turn run.py's rows into a truth fixture: a `_meta` line, then one row per measured case (snapshot twins and
allocator-history runs left out, since recording can shift the allocator's timing but not its sizes; errors kept
as `error` rows, which the calibration reads as measured OOMs when `error` is "OOM").

usage: to_fixture.py RESULTS.jsonl OUT.jsonl --date YYYY-MM-DD [--note TEXT]
"""
import argparse, json


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("out")
    ap.add_argument("--date", required=True)
    ap.add_argument("--note", default="")
    a = ap.parse_args()
    rows = [json.loads(l) for l in open(a.results) if l.strip()]
    rows = [r for r in rows if not r.get("snapshot")]
    versions = next((r["versions"] for r in rows if r.get("versions")), {})
    gpu = next((r["gpu"] for r in rows if r.get("gpu")), None)
    total = next((r["gpu_total_bytes"] for r in rows if r.get("gpu_total_bytes")), None)
    meta = {"_meta": {
        "gpu": gpu, "gpu_capacity_bytes": total, "versions": versions, "date": a.date, "note": a.note,
        "harness": "bench/truth/measure.py (one process per case, run.py)",
        "reference_total_bytes": "peak_reserved_bytes + cuda_context_bytes: what nvidia-smi shows at the peak",
        "cuda_context_bytes": "NVML's per-process device memory at the end minus PyTorch's reserved pool",
        "query": "the same run as an ftmem query string (URL and CLI), stack included"}}
    keep = ["name", "config", "query", "stack", "liger", "method", "batch", "seq", "rank", "targets", "target_params", "grad_ckpt",
            "optimizer", "attn", "weights", "lora_dropout", "tokens_per_row", "total_params", "trainable_params",
            "weights_bytes", "param_wrappers", "peak_allocated_bytes", "peak_reserved_bytes", "cuda_context_bytes",
            "reference_total_bytes", "per_step_peak_allocated_bytes", "num_alloc_retries", "ran_alone", "seconds",
            "error", "detail"]
    with open(a.out, "w") as f:
        f.write(json.dumps(meta) + "\n")
        for r in sorted(rows, key=lambda r: r["name"]):
            if "versions" in r and r["versions"] != versions:
                raise SystemExit(f"{r['name']}: versions differ from the file's")
            f.write(json.dumps({k: r[k] for k in keep if k in r}) + "\n")


if __name__ == "__main__":
    main()
