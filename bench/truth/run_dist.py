#!/usr/bin/env python3
"""Runs the cases of multi-GPU case lists, each as one `torchrun --nproc_per_node=N measure_dist.py` launch, and
collects the merged rows (one per case, every rank's figures inside).

With N = 1 (a one-GPU machine: FSDP FULL_SHARD and ZeRO-3 over one rank are their real code paths) several
launches can share the GPU (`--jobs`; each process has its own context and allocator and NVML attributes memory
per process, as in run.py); with N > 1 every launch takes all N GPUs and they run one at a time.

NVLink multicast stays off (NCCL_NVLS_ENABLE=0, TORCH_SYMM_MEM_DISABLE_MULTICAST=1, NVSHMEM_DISABLE_NVLS=1): it
can put a shared host's GPUs out of service.

usage: run_dist.py CASES.json [...] --nproc N --configs DIR --out DIR [--jobs 1] [--deadline-s 540]
Writes OUT/results.jsonl, OUT/holdout.jsonl (cases with `holdout: true`, unprinted), OUT/unrun.json,
OUT/logs/NAME.log (the launch's output, for failures).
"""
import argparse, json, os, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cases", nargs="+")
    ap.add_argument("--nproc", type=int, default=1)
    ap.add_argument("--configs", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--deadline-s", type=float, default=540.0)
    a = ap.parse_args()
    t0 = time.time()
    os.makedirs(os.path.join(a.out, "logs"), exist_ok=True)
    cases = []
    for f in a.cases:
        cases += json.load(open(f))
    jobs = a.jobs if a.nproc == 1 else 1
    pending, running = list(cases), []
    tmpdir = tempfile.mkdtemp()
    files = {k: open(os.path.join(a.out, k + ".jsonl"), "a") for k in ("results", "holdout")}
    env = dict(os.environ, NCCL_NVLS_ENABLE="0", TORCH_SYMM_MEM_DISABLE_MULTICAST="1", NVSHMEM_DISABLE_NVLS="1",
               TOKENIZERS_PARALLELISM="false", HF_HUB_OFFLINE="1", TRANSFORMERS_VERBOSITY="error",
               OMP_NUM_THREADS="4", PYTHONUNBUFFERED="1", HF_DATASETS_DISABLE_PROGRESS_BARS="1")
    print(f"[run_dist] {len(cases)} cases, {a.nproc} GPU(s) each, {jobs} at a time", flush=True)
    port = 29600

    def finish(p, c, tmp, log, killed=False):
        row = None
        if os.path.exists(tmp):
            lines = [l for l in open(tmp) if l.strip()]
            row = json.loads(lines[-1]) if lines else None
        if row is None:
            row = dict(c, error="timeout" if killed else f"exit {p.returncode}",
                       detail=open(log).read()[-1500:] if os.path.exists(log) else "")
        dest = files["holdout" if c.get("holdout") else "results"]
        dest.write(json.dumps(row) + "\n"); dest.flush()
        el = round(time.time() - t0)
        if c.get("holdout"):
            print(f"[{el:4d}s] holdout case done", flush=True)
        elif row.get("error"):
            print(f"[{el:4d}s] {c['name']}: {row['error']} {row.get('detail', '')[-600:]}", flush=True)
        else:
            gb = lambda k: (row.get(k) or 0) / 1e9
            print(f"[{el:4d}s] {c['name']} [{row['stack']} {row['shard']}/{row['offload']} x{row['world_size']}"
                  f" {row.get('wrapped_as')}] alloc {gb('peak_allocated_bytes'):.3f} resv "
                  f"{gb('peak_reserved_bytes'):.3f} ctx {gb('cuda_context_bytes'):.3f} total "
                  f"{gb('reference_total_bytes'):.3f} GB, cpu rss peak {gb('cpu_peak_rss_bytes'):.1f} GB "
                  f"({row.get('seconds')}s)", flush=True)

    while pending or running:
        now = time.time() - t0
        for item in list(running):
            p = item[0]
            if p.poll() is not None:
                running.remove(item); finish(*item)
            elif now > a.deadline_s:
                p.kill(); p.wait(); running.remove(item); finish(*item, killed=True)
        if now > a.deadline_s - 60:
            if not running:
                break
            time.sleep(0.5)
            continue
        while pending and len(running) < jobs:
            c = pending.pop(0)
            port += 1
            tmp = os.path.join(tmpdir, f"{port}.jsonl")
            log = os.path.join(a.out, "logs", c["name"].replace("/", "_") + ".log")
            cmd = [sys.executable, "-m", "torch.distributed.run", f"--nproc_per_node={a.nproc}",
                   f"--master_port={port}", os.path.join(HERE, "measure_dist.py"), json.dumps(c),
                   "--configs", a.configs, "--out", tmp]
            p = subprocess.Popen(cmd, stdout=open(log, "w"), stderr=subprocess.STDOUT, env=env, start_new_session=False)
            running.append((p, c, tmp, log))
        time.sleep(0.5)
    json.dump(pending, open(os.path.join(a.out, "unrun.json"), "w"), indent=0)
    print(f"[run_dist] done in {round(time.time() - t0)} s; {len(pending)} not run (unrun.json)", flush=True)


if __name__ == "__main__":
    main()
