#!/usr/bin/env python3
"""Runs the cases of one or more case lists, each in its own process (`measure.py`), several at once on one GPU
when their predicted peaks fit together, and collects the rows.

Each process has its own CUDA context and caching allocator, so its peak allocated / reserved bytes are its own;
the memory it holds outside PyTorch's pool is read from NVML per process. When NVML cannot attribute memory to a
process (checked first), cases run one at a time. A case whose process reports an allocator retry
(`num_alloc_retries > 0`) or an OOM while others ran is run again alone at the end, so that a neighbour never
shapes a row. Cases marked `holdout: true` go to `holdout.jsonl` and are not printed: nobody looks at them while
the estimator is written.

usage: run.py CASES.json|FIXTURE.jsonl [...] --configs DIR --out DIR [--jobs 4] [--budget-gb 128] [--deadline-s 540]
Each case may carry `admit_gb` (an upper bound of its peak, for scheduling; default 40) and `solo: true`.
Writes OUT/results.jsonl, OUT/holdout.jsonl, OUT/snapshots.jsonl, OUT/unrun.json, OUT/log.txt.
"""
import argparse, json, os, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))


def nvml_works():
    code = ("import os, torch, pynvml; torch.zeros(1, device='cuda'); pynvml.nvmlInit(); "
            "h = pynvml.nvmlDeviceGetHandleByIndex(0); "
            "print(any(p.pid == os.getpid() and p.usedGpuMemory for p in pynvml.nvmlDeviceGetComputeRunningProcesses(h)))")
    try:
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
        return r.stdout.strip().endswith("True")
    except Exception:
        return False


# The fields of a fixture row that describe its case (the rest are measurements).
CASE_KEYS = ("name", "config", "method", "batch", "seq", "stack", "liger", "weights", "amp", "rank", "targets",
             "lora_dropout", "target_params", "grad_ckpt", "optimizer", "attn", "quant_type", "double_quant", "new_tokens", "steps")


def load_cases(path):
    """A case list (`.json`), or a fixture file of `tests/fixtures/truth/` (`.jsonl`): every measured row is its
    own case again (rows without a stack are the plain loop), so any row can be re-measured."""
    if not path.endswith(".jsonl"):
        return json.load(open(path))
    out = []
    for line in open(path):
        r = json.loads(line) if line.strip() else {}
        if "config" in r and "method" in r:
            out.append({k: r[k] for k in CASE_KEYS if k in r})
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cases", nargs="+")
    ap.add_argument("--configs", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--jobs", type=int, default=4)
    ap.add_argument("--budget-gb", type=float, default=128.0)
    ap.add_argument("--deadline-s", type=float, default=540.0)
    a = ap.parse_args()
    t0 = time.time()
    os.makedirs(a.out, exist_ok=True)
    cases = []
    for f in a.cases:
        cases += load_cases(f)
    jobs = a.jobs if nvml_works() else 1
    log = open(os.path.join(a.out, "log.txt"), "a")
    log.write(f"jobs {jobs} (NVML per-process memory {'works' if jobs > 1 else 'unavailable or 1 job asked'})\n")
    print(f"[run] {len(cases)} cases, {jobs} at a time, budget {a.budget_gb} GB", flush=True)
    pending = sorted([c for c in cases if not c.get("solo")], key=lambda c: -c.get("admit_gb", 40)) + \
        [c for c in cases if c.get("solo")]
    running = []  # (proc, case, tmpfile, started, alone)
    rerun = []
    files = {k: open(os.path.join(a.out, k + ".jsonl"), "a") for k in ("results", "holdout", "snapshots")}
    tmpdir = tempfile.mkdtemp()

    def start(c, alone):
        tmp = os.path.join(tmpdir, f"{len(os.listdir(tmpdir))}.jsonl")
        cmd = [sys.executable, os.path.join(HERE, "measure.py"), json.dumps(c), "--configs", a.configs, "--out", tmp]
        if c.get("snapshot"):
            cmd += ["--snapshot-out", tmp + ".snap"]
        env = dict(os.environ, TOKENIZERS_PARALLELISM="false", HF_HUB_OFFLINE="1", TRANSFORMERS_VERBOSITY="error",
                   OMP_NUM_THREADS="3", PYTHONUNBUFFERED="1", HF_DATASETS_DISABLE_PROGRESS_BARS="1")
        p = subprocess.Popen(cmd, stdout=open(tmp + ".log", "w"), stderr=subprocess.STDOUT, text=True, env=env)
        running.append((p, c, tmp, time.time(), alone))

    def finish(p, c, tmp, started, alone, killed=False):
        out = open(tmp + ".log").read() if os.path.exists(tmp + ".log") else ""
        row = None
        if os.path.exists(tmp):
            with open(tmp) as f:
                lines = [l for l in f if l.strip()]
            row = json.loads(lines[-1]) if lines else None
        if row is None:
            row = dict(c, error="timeout" if killed else f"exit {p.returncode}", detail=out[-1500:])
        neighbours = not alone
        suspect = row.get("error") == "OOM" or (row.get("num_alloc_retries") or 0) > 0
        if neighbours and suspect and not c.get("_again"):
            rerun.append(dict(c, _again=True, solo=True))
            log.write(f"{c['name']}: {row.get('error') or 'alloc retries'} beside other cases; run again alone\n")
            return
        row["ran_alone"] = alone
        row.pop("_again", None)
        row.pop("admit_gb", None)
        if row.get("error"):
            log.write(f"{c['name']}: {row['error']}\n{row.get('detail', '')[-1500:]}\n")
        dest = files["holdout" if c.get("holdout") else "results"]
        dest.write(json.dumps(row) + "\n"); dest.flush()
        if c.get("snapshot") and os.path.exists(tmp + ".snap"):
            files["snapshots"].write(open(tmp + ".snap").read().strip() + "\n"); files["snapshots"].flush()
        el = round(time.time() - t0)
        if c.get("holdout"):
            print(f"[{el:4d}s] holdout case done", flush=True)
        elif row.get("error"):
            print(f"[{el:4d}s] {c['name']} [{c.get('stack', 'loop')}]: {row['error']} {row.get('detail', '')[-300:]}",
                  flush=True)
        else:
            gb = lambda k: row[k] / 1e9
            print(f"[{el:4d}s] {c['name']} [{row['stack']}{'+liger' if c.get('liger') else ''}] "
                  f"alloc {gb('peak_allocated_bytes'):.3f} resv {gb('peak_reserved_bytes'):.3f} "
                  f"ctx {gb('cuda_context_bytes'):.3f} total {gb('reference_total_bytes'):.3f} GB "
                  f"({row['seconds']}s{', alone' if alone else ''})", flush=True)

    while pending or running or rerun:
        now = time.time() - t0
        for item in list(running):
            p = item[0]
            if p.poll() is not None:
                running.remove(item)
                finish(*item)
            elif now > a.deadline_s:
                p.kill(); p.wait()
                running.remove(item)
                finish(*item, killed=True)
        if not pending and rerun and not running:
            pending = rerun
            rerun = []
        if now > a.deadline_s - 45:
            if not running:
                break
            time.sleep(0.5)
            continue
        used = sum(c.get("admit_gb", 40) for _, c, *_ in running)
        for c in list(pending):
            alone_needed = c.get("solo") or jobs == 1
            if alone_needed:
                if not running:
                    pending.remove(c); start(c, True)
                break  # solo cases wait for an empty GPU, and nothing starts beside them
            if len(running) < jobs and used + c.get("admit_gb", 40) <= a.budget_gb and not any(
                    x[1].get("solo") for x in running):
                pending.remove(c); start(c, False)
                used += c.get("admit_gb", 40)
        time.sleep(0.5)
    unrun = [c for c in pending + rerun]
    json.dump(unrun, open(os.path.join(a.out, "unrun.json"), "w"), indent=0)
    print(f"[run] done in {round(time.time() - t0)} s; {len(unrun)} not run (unrun.json)", flush=True)


if __name__ == "__main__":
    main()
