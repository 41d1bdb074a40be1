"""Reduce a CUDA caching-allocator history (`torch.cuda.memory._snapshot()` after
`_record_memory_history(stacks="python")`) to what explains one run's peak, as a small JSON object:

- `phases`: trace indices of the markers `measure.py` leaves after each forward and each backward;
- `at_alloc_peak`: the blocks alive at the allocated peak (≥ 1 MiB), grouped by size and creating frames, with
  the phase they were allocated in (so a tensor saved in the forward and one made by the backward differ), and
  the trace position of the peak relative to the markers;
- `at_reserved_peak`: the free space inside the segments at the reserved peak (the allocator's slack), with the
  frames that created each segment;
- `stats`: `torch.cuda.memory_stats()` peaks.
Frames inside torch.nn.Module call plumbing are dropped; allocations from the autograd engine's C++ ops carry
no Python frame and show as `[]`.
"""
import bisect

MiB = 1 << 20
SKIP = ("nn/modules/module.py", "_contextlib", "snapshot.py", "utils/_device.py", "_compile.py",
        "eval_frame.py", "_dynamo", "accelerate/utils/operations.py", "utils/generic.py")


def frames(fr, n=5):
    out = []
    for f in fr or []:
        fn = f.get("filename", "")
        if any(s in fn for s in SKIP) and f.get("name") != "marker":
            continue
        out.append("/".join(fn.split("/")[-2:]) + ":" + str(f.get("line")) + ":" + f.get("name", ""))
        if len(out) >= n:
            break
    return out


def is_marker(e):
    return e["action"] == "alloc" and e["size"] <= 512 and any(
        f.get("name") == "marker" for f in (e.get("frames") or []))


def reduce(name, snap, stats):
    tr = snap["device_traces"][0]
    free_act = "free_completed" if any(e["action"] == "free_completed" for e in tr) else "free_requested"
    live, segs = {}, {}
    alloc = resv = 0
    best_a = best_r = -1
    pk_a = pk_r = -1
    markers = []
    for i, e in enumerate(tr):
        a = e["action"]
        if a == "alloc":
            live[e["addr"]] = e["size"]
            alloc += e["size"]
            if is_marker(e):
                markers.append(i)
        elif a == free_act:
            alloc -= live.pop(e["addr"], 0)
        elif a == "segment_alloc":
            segs[e["addr"]] = e["size"]
            resv += e["size"]
        elif a == "segment_free":
            resv -= segs.pop(e["addr"], 0)
        if alloc > best_a:
            best_a, pk_a = alloc, i
        if resv > best_r:
            best_r, pk_r = resv, i

    def phase(i):
        k = bisect.bisect_right(markers, i)
        return k  # 0: before the first forward's end; odd: backward of step (k+1)//2; even: after a backward

    out = {"name": name, "trace_len": len(tr), "markers": markers, "peak_alloc": best_a, "peak_reserved": best_r,
           "peak_alloc_idx": pk_a, "peak_reserved_idx": pk_r, "peak_alloc_phase": phase(pk_a),
           "peak_reserved_phase": phase(pk_r)}
    # Replay to each peak.
    live = {}
    segs = {}
    seg_ctx = {}
    for i, e in enumerate(tr[: max(pk_a, pk_r) + 1]):
        a = e["action"]
        if a == "alloc":
            live[e["addr"]] = (e["size"], i, e.get("frames"))
        elif a == free_act:
            live.pop(e["addr"], None)
        elif a == "segment_alloc":
            segs[e["addr"]] = e["size"]
            seg_ctx[e["addr"]] = (i, frames(e.get("frames"), 4))
        elif a == "segment_free":
            segs.pop(e["addr"], None)
        if i == pk_a:
            groups = {}
            small = 0
            for addr, (size, j, fr) in live.items():
                if size < MiB:
                    small += size
                    continue
                key = (size, phase(j), tuple(frames(fr)))
                g = groups.setdefault(key, [0, j])
                g[0] += 1
            rows = [{"MiB": round(k[0] / MiB, 2), "n": v[0], "phase": k[1], "first_i": v[1], "frames": list(k[2])}
                    for k, v in groups.items()]
            rows.sort(key=lambda r: -r["MiB"] * r["n"])
            out["at_alloc_peak"] = {"small_blocks_MiB": round(small / MiB, 1), "blocks": rows[:80],
                                    "frames_of_peak_alloc": frames(e.get("frames"), 8)}
        if i == pk_r:
            addrs = sorted(live)
            rows = []
            for s, sz in segs.items():
                j = bisect.bisect_left(addrs, s)
                used = 0
                while j < len(addrs) and addrs[j] < s + sz:
                    used += live[addrs[j]][0]
                    j += 1
                if sz - used >= 4 * MiB:
                    ci, cf = seg_ctx.get(s, (None, []))
                    rows.append({"seg_MiB": round(sz / MiB, 1), "free_MiB": round((sz - used) / MiB, 1),
                                 "created_i": ci, "created_phase": phase(ci) if ci is not None else None,
                                 "frames": cf})
            rows.sort(key=lambda r: -r["free_MiB"])
            out["at_reserved_peak"] = {"free_MiB": round(sum(r["free_MiB"] for r in rows), 1), "segments": rows[:40]}
    keep = ["allocated_bytes.all.peak", "reserved_bytes.all.peak", "requested_bytes.all.peak",
            "inactive_split_bytes.all.peak", "num_alloc_retries", "num_device_alloc", "segment.large_pool.peak"]
    out["stats"] = {k: stats.get(k) for k in keep}
    return out
