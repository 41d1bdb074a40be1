#!/usr/bin/env python3
"""Measured truth beyond one GPU: the per-rank peak GPU memory of a data-parallel fine-tuning step, driven by the
stack the user runs and sharded the way the user shards it. Launched by `torchrun --nproc_per_node=N` (one
process per GPU; `run_dist.py` does the launching), one case per launch.

A case is measure.py's case (name, config, method, batch, seq, stack "trainer" | "trl", rank, targets,
target_params, grad_ckpt, optimizer, weights, ...) plus the job's shape:

  shard:   "ddp" | "zero1" | "zero2" | "zero3" | "fsdp"      (ftmem's `shard` key)
  offload: "none" | "optimizer" | "params"                    (ftmem's `offload` key)

How each is driven (transformers 5.17 Trainer / TRL 1.16 SFTTrainer, accelerate 1.15, DeepSpeed 0.19):
  ddp      no sharding argument: accelerate wraps the model in `DistributedDataParallel` when WORLD_SIZE > 1
           (with one process there is nothing to wrap: the single-GPU stack).
  fsdp     `fsdp=True, fsdp_config={"version": 2, "reshard_after_forward": True, "cpu_offload": offload ==
           "params"}`: accelerate's FSDP2 `fully_shard` per decoder layer (`_no_split_modules`) and the root,
           FULL_SHARD; `MixedPrecisionPolicy(param_dtype=bf16)` from `bf16=True`; `CPUOffloadPolicy` with offload.
  zeroN    `deepspeed={"zero_optimization": {"stage": N, "offload_optimizer": {"device": "cpu"} (offload
           optimizer or params), "offload_param": {"device": "cpu"} (offload params)}, "bf16": {"enabled":
           "auto"}, "zero_force_ds_cpu_optimizer": false, ...}`: DeepSpeed's ZeRO with the Trainer's own torch
           AdamW as client optimizer (offloaded: torch AdamW on the CPU partitions, not DeepSpeedCPUAdam, whose
           JIT-built op the GPU machine cannot be trusted to compile; the GPU side is the same). For ZeRO-3 the
           TrainingArguments are made first, so that `from_config` builds the model under `deepspeed.zero.Init`
           (partitioned as it is created, as `from_pretrained` does with a ZeRO-3 config).

`precision`: full fine-tuning with `weights: "fp32"` (the default here) is ftmem's `precision=mixed`: fp32
parameters, `bf16=True` (FSDP: MixedPrecisionPolicy; DeepSpeed: its bf16 mode with fp32 master weights in the
optimizer). LoRA keeps measure.py's bf16 base and fp32 adapters.

Every rank records: PyTorch's peak allocated / reserved bytes, the memory its process holds outside PyTorch's
pool (NVML per process minus the reserved pool: the CUDA context, NCCL's buffers and communicators, cuBLAS
workspaces), that figure right after CUDA initialisation (so that NCCL's share is their difference), and the
process's CPU memory (peak RSS from getrusage, RSS at the end) for offload. Rank 0 merges the ranks' rows into
one row (`ranks`: every rank's figures; the top-level figures are the largest rank's).

usage: torchrun --nproc_per_node=N measure_dist.py CASE_JSON --configs DIR --out FILE
"""
import argparse, json, os, resource, sys, tempfile, time, traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import torch  # noqa: E402

import measure  # noqa: E402

if measure.DEVICE == "cpu":  # dry run of the code paths (no numbers): CUDA bookkeeping becomes no-ops
    for _n in ["init", "reset_peak_memory_stats", "synchronize", "empty_cache", "set_device"]:
        setattr(torch.cuda, _n, lambda *a, **k: None)
    for _n in ["max_memory_allocated", "max_memory_reserved", "memory_allocated", "memory_reserved"]:
        setattr(torch.cuda, _n, lambda *a, **k: 0)
    torch.cuda.memory_stats = lambda *a, **k: {}
    torch.cuda.mem_get_info = lambda *a, **k: (0, 0)
    torch.cuda.get_device_name = lambda *a, **k: "cpu (dry run)"

LOCAL_RANK = int(os.environ.get("LOCAL_RANK", "0"))
RANK = int(os.environ.get("RANK", "0"))
WORLD = int(os.environ.get("WORLD_SIZE", "1"))


def nvml_index():
    """NVML index of this rank's GPU (CUDA_VISIBLE_DEVICES remaps torch's indices)."""
    cvd = [x for x in os.environ.get("CUDA_VISIBLE_DEVICES", "").split(",") if x.strip()]
    if cvd and cvd[LOCAL_RANK % len(cvd)].isdigit():
        return int(cvd[LOCAL_RANK % len(cvd)])
    return LOCAL_RANK


def nvml_process_bytes():
    """Device memory NVML attributes to this process on its GPU, or None when NVML cannot say."""
    try:
        import pynvml
        pynvml.nvmlInit()
        h = pynvml.nvmlDeviceGetHandleByIndex(nvml_index())
        for p in pynvml.nvmlDeviceGetComputeRunningProcesses(h):
            if p.pid == os.getpid() and p.usedGpuMemory is not None:
                return int(p.usedGpuMemory)
    except Exception:
        return None
    return None


def rss_bytes():
    try:
        import psutil
        return psutil.Process().memory_info().rss
    except Exception:
        return None


def ds_config(case):
    stage = {"zero1": 1, "zero2": 2, "zero3": 3}[case["shard"]]
    off = case.get("offload", "none")
    z = {"stage": stage}
    if off in ("optimizer", "params"):
        z["offload_optimizer"] = {"device": "cpu", "pin_memory": True}
    if off == "params":
        if stage != 3:
            raise ValueError("offload=params needs zero3")
        z["offload_param"] = {"device": "cpu", "pin_memory": True}
    if stage == 3:
        z["stage3_gather_16bit_weights_on_model_save"] = False
    return {"zero_optimization": z, "bf16": {"enabled": "auto"}, "fp16": {"enabled": "auto"},
            "train_micro_batch_size_per_gpu": "auto", "train_batch_size": "auto",
            "gradient_accumulation_steps": "auto", "gradient_clipping": "auto",
            "zero_force_ds_cpu_optimizer": False, "wall_clock_breakdown": False}


def shard_args(case):
    """TrainingArguments keywords of the job's sharding (module doc)."""
    shard, off = case.get("shard", "ddp"), case.get("offload", "none")
    if shard == "ddp":
        if off != "none":
            raise ValueError("ddp has no offload")
        return {}
    if shard == "fsdp":
        if off == "optimizer":
            raise ValueError("FSDP offloads parameters, gradients and optimizer together: offload=params")
        return {"fsdp": True, "fsdp_config": {"version": 2, "reshard_after_forward": True,
                                              "cpu_offload": off == "params"}}
    return {"deepspeed": ds_config(case)}


def query(case):
    """measure.py's query plus the job's shape (ftmem's `gpus`, `shard`, `offload` keys); full fine-tuning in
    fp32 weights under bf16 is `precision=mixed`."""
    q = measure.query(case)
    q += f"&gpus={WORLD}&shard={case.get('shard', 'ddp')}"
    if case.get("offload", "none") != "none":
        q += f"&offload={case['offload']}"
    return q


def train(case, configs):
    from transformers import AutoModelForCausalLM, TrainingArguments
    cfg, raw = measure.load_config(case["config"], configs)
    torch.cuda.set_device(LOCAL_RANK)
    torch.cuda.init()
    measure.marker()
    ctx_first = nvml_process_bytes()
    resv_first = torch.cuda.memory_reserved()
    t0 = time.time()
    B, S = case.get("batch", 1), case.get("seq", 512)
    gc_on = case.get("grad_ckpt", False)
    stack = case.get("stack", "trainer")
    vocab = raw.get("vocab_size") or cfg.get_text_config().vocab_size
    extra = shard_args(case)
    common = measure.common_args(case, B, gc_on)
    # Offloaded optimizers step on the CPU: the fused AdamW kernel is for the device.
    if case.get("offload", "none") != "none" and common["optim"] == "adamw_torch_fused":
        common["optim"] = "adamw_torch"
    if stack == "trl":
        from trl import SFTConfig
        args = SFTConfig(max_length=S, packing=False, **common, **extra)
    else:
        args = TrainingArguments(remove_unused_columns=False, **common, **extra)
    dtype = {"fp32": torch.float32, "fp16": torch.float16}.get(case.get("weights", "bf16"), torch.bfloat16)
    attn = case.get("attn", "sdpa")
    if case.get("shard") == "zero3":
        # TrainingArguments made first: `from_config` builds under deepspeed.zero.Init (module doc).
        model = AutoModelForCausalLM.from_config(cfg, dtype=dtype, attn_implementation=attn)
    else:
        with torch.device(measure.DEVICE if measure.DEVICE == "cpu" else f"cuda:{LOCAL_RANK}"):
            model = AutoModelForCausalLM.from_config(cfg, dtype=dtype, attn_implementation=attn)
    total_params = sum(getattr(p, "ds_numel", p.numel()) for p in model.parameters())
    model, peft_config = measure.adapt(dict(case, stack="trl" if stack == "trl" else "trainer"), model)
    weights_alloc = torch.cuda.memory_allocated()
    torch.cuda.reset_peak_memory_stats()
    if stack == "trl":
        import datasets
        from tokenizers import Tokenizer, models
        from transformers import PreTrainedTokenizerFast
        from trl import SFTTrainer
        tok = PreTrainedTokenizerFast(
            tokenizer_object=Tokenizer(models.WordLevel({"<pad>": 0, "<eos>": 1, "<unk>": 2}, unk_token="<unk>")),
            pad_token="<pad>", eos_token="<eos>", unk_token="<unk>")
        g = torch.Generator().manual_seed(RANK)
        ids = torch.randint(3, vocab, (B * WORLD * case.get("steps", measure.STEPS), S), generator=g).tolist()
        tr = SFTTrainer(model=model, args=args, train_dataset=datasets.Dataset.from_dict({"input_ids": ids}),
                        processing_class=tok, peft_config=peft_config)
    else:
        from transformers import Trainer

        class Random(torch.utils.data.Dataset):
            def __len__(self):
                return B * WORLD * case.get("steps", measure.STEPS)

            def __getitem__(self, i):
                x = torch.randint(0, vocab, (S,))
                return {"input_ids": x, "labels": x.clone(), "attention_mask": torch.ones(S, dtype=torch.long)}
        tr = Trainer(model=model, args=args, train_dataset=Random())
    tr.train()
    torch.cuda.synchronize()
    trainable = sum(getattr(p, "ds_numel", p.numel()) for p in tr.model.parameters() if p.requires_grad)
    wrapped = type(tr.model_wrapped).__name__
    dtensor = any(type(p).__name__ == "DTensor" for p in tr.model.parameters())
    peak_alloc = torch.cuda.max_memory_allocated()
    peak_resv = torch.cuda.max_memory_reserved()
    stats = torch.cuda.memory_stats()
    reserved_end = torch.cuda.memory_reserved()
    proc = nvml_process_bytes()
    free, total = torch.cuda.mem_get_info()
    outside = (proc - reserved_end) if proc is not None else None
    outside_first = (ctx_first - resv_first) if ctx_first is not None else None
    return dict(rank=RANK, local_rank=LOCAL_RANK, total_params=total_params, trainable_params=trainable,
                weights_bytes=weights_alloc, peak_allocated_bytes=peak_alloc, peak_reserved_bytes=peak_resv,
                cuda_context_bytes=outside, outside_pool_at_init_bytes=outside_first,
                nccl_and_growth_bytes=(outside - outside_first) if None not in (outside, outside_first) else None,
                reference_total_bytes=peak_resv + (outside or 0),
                cpu_peak_rss_bytes=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                cpu_rss_end_bytes=rss_bytes(), num_alloc_retries=stats.get("num_alloc_retries"),
                num_ooms=stats.get("num_ooms"), wrapped_as=wrapped, fsdp2_dtensors=dtensor,
                seconds=round(time.time() - t0, 1), gpu=torch.cuda.get_device_name(LOCAL_RANK),
                gpu_total_bytes=total)


def merge(case, parts):
    """One row of the case from every rank's figures: the top-level numbers are the largest rank's."""
    ok = [p for p in parts if "error" not in p]
    row = dict(case, query=query(case), stack=case.get("stack", "trainer"), world_size=WORLD,
               shard=case.get("shard", "ddp"), offload=case.get("offload", "none"), versions=measure.versions(),
               ranks=parts)
    if len(ok) < len(parts) or not ok:
        bad = next(p for p in parts if "error" in p)
        row.update(error=bad["error"], detail=bad.get("detail", ""))
        return row
    top = max(ok, key=lambda p: p["reference_total_bytes"])
    for k in ("total_params", "trainable_params", "weights_bytes", "peak_allocated_bytes", "peak_reserved_bytes",
              "cuda_context_bytes", "outside_pool_at_init_bytes", "nccl_and_growth_bytes",
              "reference_total_bytes", "num_alloc_retries", "num_ooms", "wrapped_as", "fsdp2_dtensors",
              "seconds", "gpu", "gpu_total_bytes"):
        row[k] = top.get(k)
    row["peak_allocated_bytes"] = max(p["peak_allocated_bytes"] for p in ok)
    row["cpu_peak_rss_bytes"] = max(p["cpu_peak_rss_bytes"] or 0 for p in ok)
    row["cpu_rss_end_bytes"] = max(p["cpu_rss_end_bytes"] or 0 for p in ok)
    row["context_how"] = "nvml per-process used - reserved_end, per rank"
    return row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("case")
    ap.add_argument("--configs", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    case = json.loads(a.case)
    if case["method"] == "full":
        case.setdefault("weights", "fp32")
    try:
        part = train(dict(case), a.configs)
    except torch.OutOfMemoryError as e:
        part = dict(rank=RANK, error="OOM", detail=str(e)[:400])
    except Exception as e:  # recorded, so that one broken case does not lose the others
        part = dict(rank=RANK, error=type(e).__name__, detail=traceback.format_exc()[-2000:])
    tmp = f"{a.out}.rank{RANK}"
    with open(tmp, "w") as f:
        json.dump(part, f)
    # Rank 0 waits for the others' files (no collective: a failed rank may have left the process group).
    if RANK == 0:
        deadline = time.time() + 120
        paths = [f"{a.out}.rank{r}" for r in range(WORLD)]
        while not all(os.path.exists(p) for p in paths) and time.time() < deadline:
            time.sleep(0.5)
        parts = []
        for r, p in enumerate(paths):
            try:
                parts.append(json.load(open(p)))
            except Exception:
                parts.append(dict(rank=r, error="no row", detail="rank wrote no row"))
        with open(a.out, "a") as f:
            f.write(json.dumps(merge(case, parts)) + "\n")


if __name__ == "__main__":
    main()
