#!/usr/bin/env python3
"""Measured truth for ftmem: the peak GPU memory of one real fine-tuning step, driven by the stack the user runs.

One case per process (a fresh CUDA context and caching allocator, as a user's own run has), so that cases can run
side by side on one GPU without sharing an allocator; `run.py` schedules them. A case is a JSON object:

  name, config (file name in --configs), method (full | lora | qlora | inference), batch, seq,
  stack: "loop" | "trainer" | "trl"   how the step is driven (default "loop"):
      loop     `out = model(input_ids=ids, labels=ids); out.loss.backward(); opt.step()`: keeps `out` (and its
               logits) alive through backward, LoRA/QLoRA without autocast (the original truth set)
      trainer  transformers `Trainer` (bf16=True, optim adamw_torch_fused / adamw_bnb_8bit / sgd), batches of
               input_ids + labels + attention_mask
      trl      TRL `SFTTrainer` with its defaults (fused LM head over chunks, no full logits), max_length = seq,
               packing off
  liger: true    use_liger_kernel=True (trainer, trl)
  optional: weights (bf16 | fp16 | fp32), amp, rank, targets ("all-linear" or a list), lora_dropout, grad_ckpt,
            target_params (PEFT `target_parameters`: a list or comma string of parameter names as the user writes
            them, e.g. "7.mlp.experts.gate_up_proj,7.mlp.experts.down_proj"; `lora.ParamWrapper` adapters),
            optimizer (adamw_fused | adamw_8bit | sgd | sgdm), attn (sdpa | eager), quant_type, double_quant,
            new_tokens, steps, snapshot (record the caching allocator's history and reduce it, see snapshot.py)

Every row records the stack, the library versions, PyTorch's peak allocated / reserved bytes, the memory the
process holds outside PyTorch's pool (CUDA context, cuBLAS/cuDNN workspaces, Triton and bitsandbytes modules:
NVML's per-process figure minus the reserved pool), and `reference_total_bytes = peak_reserved + context`: what
nvidia-smi shows at the peak.

usage: measure.py CASE_JSON --configs DIR --out FILE [--snapshot-out FILE]
"""
import argparse, gc, json, os, shutil, sys, tempfile, time, traceback

import torch

STEPS = 3
# "cpu" only for a dry run of the code paths (bench/truth/dryrun.py); every measurement runs on "cuda".
DEVICE = os.environ.get("FTMEM_DEVICE", "cuda")


def versions():
    out = {"torch": torch.__version__}
    for mod, key in [("transformers", "transformers"), ("peft", "peft"), ("bitsandbytes", "bitsandbytes"),
                     ("trl", "trl"), ("liger_kernel", "liger-kernel"), ("accelerate", "accelerate"),
                     ("datasets", "datasets")]:
        try:
            from importlib.metadata import version
            out[key] = version(key)
        except Exception:
            out[key] = None
    return out


def nvml_process_bytes():
    """Device memory NVML attributes to this process (context + every allocation), or None when NVML cannot say."""
    try:
        import pynvml
        pynvml.nvmlInit()
        h = pynvml.nvmlDeviceGetHandleByIndex(int(os.environ.get("CUDA_VISIBLE_DEVICES", "0").split(",")[0] or 0))
        for p in pynvml.nvmlDeviceGetComputeRunningProcesses(h):
            if p.pid == os.getpid() and p.usedGpuMemory is not None:
                return int(p.usedGpuMemory)
    except Exception:
        return None
    return None


def load_config(name, dirs):
    from transformers import AutoConfig
    for d in dirs.split(":"):
        path = os.path.join(d, name)
        if os.path.exists(path):
            break
    else:
        raise FileNotFoundError(name)
    with open(path) as f:
        raw = json.load(f)
    raw.pop("quantization_config", None)  # dequantized bf16 weights unless the case quantizes
    tmp = tempfile.mkdtemp()
    with open(os.path.join(tmp, "config.json"), "w") as f:
        json.dump(raw, f)
    return AutoConfig.from_pretrained(tmp), raw


def build(case, cfg, saved_root):
    """The model as the user loads it: `from_config` on the GPU for 16/32-bit weights; for QLoRA random bf16
    weights saved once and loaded back through `from_pretrained(quantization_config=...)`."""
    from transformers import AutoModelForCausalLM
    attn = case.get("attn", "sdpa")
    if case["method"] == "qlora":
        from transformers import BitsAndBytesConfig
        d = tempfile.mkdtemp(dir=saved_root)
        with torch.device(DEVICE):
            m = AutoModelForCausalLM.from_config(cfg, dtype=torch.bfloat16)
        m.save_pretrained(d, safe_serialization=True)
        del m
        gc.collect(); torch.cuda.empty_cache()
        q = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type=case.get("quant_type", "nf4"),
                               bnb_4bit_use_double_quant=case.get("double_quant", True),
                               bnb_4bit_compute_dtype=torch.bfloat16)
        torch.cuda.reset_peak_memory_stats()
        model = AutoModelForCausalLM.from_pretrained(d, quantization_config=q, dtype=torch.bfloat16,
                                                     device_map={"": 0}, attn_implementation=attn)
        shutil.rmtree(d, ignore_errors=True)
        return model
    dtype = {"fp32": torch.float32, "fp16": torch.float16}.get(case.get("weights", "bf16"), torch.bfloat16)
    with torch.device(DEVICE):
        return AutoModelForCausalLM.from_config(cfg, dtype=dtype, attn_implementation=attn)


def lora_config(case):
    from peft import LoraConfig
    r = case.get("rank", 16)
    return LoraConfig(r=r, lora_alpha=2 * r, target_modules=case.get("targets", "all-linear"),
                      target_parameters=target_params(case) or None,
                      lora_dropout=case.get("lora_dropout", 0.0), task_type="CAUSAL_LM")


def target_params(case):
    """The case's PEFT `target_parameters` as a list (empty when none)."""
    t = case.get("target_params") or []
    if isinstance(t, str):
        t = [x.strip() for x in t.split(",") if x.strip()]
    return list(t)


def adapt(case, model):
    """LoRA / QLoRA adapters as each stack's documented recipe creates them (alpha = 2 × rank). Returns the model
    and the `peft_config` to hand to the trainer (None when the adapters are already in place).

    - loop, trainer: the PEFT recipe (and LLaMA-Factory's / Axolotl's): `prepare_model_for_kbit_training` for
      QLoRA (non-4-bit parameters upcast to fp32), then `get_peft_model` (fp32 adapters); the loop enables
      gradient checkpointing itself, the Trainer from its arguments.
    - trl: TRL's documented recipe: the model as loaded (no kbit preparation) and `peft_config` passed to
      `SFTTrainer`, which calls `get_peft_model` and, for a quantized model, casts the adapters to bf16."""
    gc_on = case.get("grad_ckpt", False)
    stack = case.get("stack", "loop")
    kw = {"gradient_checkpointing_kwargs": {"use_reentrant": False}}
    if case["method"] in ("lora", "qlora"):
        if stack == "trl":
            return model, lora_config(case)
        from peft import get_peft_model, prepare_model_for_kbit_training
        if case["method"] == "qlora":
            model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=gc_on, **kw)
        elif gc_on and stack == "loop":
            model.gradient_checkpointing_enable(**kw)
        model = get_peft_model(model, lora_config(case))
    elif gc_on and stack == "loop":
        model.gradient_checkpointing_enable(**kw)
    return model, None


OPTIM = {"adamw_fused": "adamw_torch_fused", "adamw_8bit": "adamw_bnb_8bit", "sgd": "sgd"}


def marker():
    """A 512-byte allocation whose Python frame names a phase boundary in the allocator history."""
    return torch.empty(1, device=DEVICE)


def common_args(case, B, gc_on):
    w = case.get("weights", "bf16")
    amp = case.get("amp", True)
    if case.get("optimizer", "adamw_fused") not in OPTIM:
        raise ValueError("the trainers take adamw_fused, adamw_8bit or sgd")
    return dict(output_dir=tempfile.mkdtemp(), per_device_train_batch_size=B, max_steps=case.get("steps", STEPS),
                learning_rate=1e-5, optim=OPTIM[case.get("optimizer", "adamw_fused")],
                bf16=w == "bf16" or (w == "fp32" and amp), fp16=w == "fp16",
                gradient_checkpointing=gc_on, gradient_checkpointing_kwargs={"use_reentrant": False},
                use_liger_kernel=bool(case.get("liger")), report_to="none", save_strategy="no",
                logging_steps=10**6, dataloader_num_workers=0, disable_tqdm=True, use_cpu=DEVICE == "cpu")


def with_markers(cls):
    """A trainer subclass that leaves a marker after each forward (compute_loss) and each backward."""
    class Marked(cls):
        def compute_loss(self, *a, **k):
            out = super().compute_loss(*a, **k)
            marker()
            return out

        def training_step(self, *a, **k):
            out = super().training_step(*a, **k)
            marker()
            return out
    return Marked


# PEFT `lora.ParamWrapper` modules of the trained model (set by `trainable_of`): how many parameters
# `target_params` (and PEFT's MoE conversion of `all-linear`) wrapped.
WRAPPERS = {"n": 0}


def trainable_of(model):
    WRAPPERS["n"] = sum(type(m).__name__ == "ParamWrapper" for m in model.modules())
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def drive_trainer(case, model, vocab, B, S, gc_on):
    from transformers import Trainer, TrainingArguments

    class Random(torch.utils.data.Dataset):
        def __len__(self):
            return B * case.get("steps", STEPS)

        def __getitem__(self, i):
            x = torch.randint(0, vocab, (S,))
            return {"input_ids": x, "labels": x.clone(), "attention_mask": torch.ones(S, dtype=torch.long)}

    args = TrainingArguments(remove_unused_columns=False, **common_args(case, B, gc_on))
    torch.cuda.reset_peak_memory_stats()
    tr = with_markers(Trainer)(model=model, args=args, train_dataset=Random())
    tr.train()
    torch.cuda.synchronize()
    return S, trainable_of(tr.model)


def drive_trl(case, model, peft_config, vocab, B, S, gc_on):
    import datasets
    from tokenizers import Tokenizer, models
    from transformers import PreTrainedTokenizerFast
    from trl import SFTConfig, SFTTrainer
    tok = PreTrainedTokenizerFast(
        tokenizer_object=Tokenizer(models.WordLevel({"<pad>": 0, "<eos>": 1, "<unk>": 2}, unk_token="<unk>")),
        pad_token="<pad>", eos_token="<eos>", unk_token="<unk>")
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(3, vocab, (B * case.get("steps", STEPS), S), generator=g).tolist()
    ds = datasets.Dataset.from_dict({"input_ids": ids})
    args = SFTConfig(max_length=S, packing=False, **common_args(case, B, gc_on))
    torch.cuda.reset_peak_memory_stats()
    tr = with_markers(SFTTrainer)(model=model, args=args, train_dataset=ds, processing_class=tok,
                                  peft_config=peft_config)
    n = len(tr.train_dataset[0]["input_ids"])
    tr.train()
    torch.cuda.synchronize()
    return n, trainable_of(tr.model)


def drive_loop(case, model, vocab, B, S):
    ids = torch.randint(0, vocab, (B, S), device=DEVICE)
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    o = case.get("optimizer", "adamw_fused")
    if o == "adamw_8bit":
        import bitsandbytes as bnb
        opt = bnb.optim.AdamW8bit(params, lr=1e-5)
    elif o in ("sgd", "sgdm"):
        opt = torch.optim.SGD(params, lr=1e-5, momentum=0.9 if o == "sgdm" else 0.0)
    else:
        opt = torch.optim.AdamW(params, lr=1e-5, fused=True)
    autocast = case.get("weights") == "fp32" and case.get("amp", case["method"] == "full")
    peaks = []
    for _ in range(case.get("steps", STEPS)):
        torch.cuda.reset_peak_memory_stats()
        with torch.autocast(DEVICE, dtype=torch.bfloat16, enabled=autocast):
            out = model(input_ids=ids, labels=ids)
        marker()
        out.loss.backward()
        marker()
        opt.step()
        opt.zero_grad(set_to_none=True)
        torch.cuda.synchronize()
        peaks.append(torch.cuda.max_memory_allocated())
    return S, trainable_of(model), peaks


def drive_inference(case, model, vocab, B, S):
    ids = torch.randint(0, vocab, (B, S), device=DEVICE)
    model.eval()
    new = case.get("new_tokens", 128)
    torch.cuda.reset_peak_memory_stats()
    with torch.no_grad():
        model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=new, min_new_tokens=new,
                       do_sample=False)
    torch.cuda.synchronize()
    return S


def query(case):
    """The run as an ftmem query string (the keys of the URL and the CLI)."""
    m = case["method"]
    w = case.get("weights", "bf16")
    if m == "qlora":
        prec = case.get("quant_type", "nf4")
    elif m == "full" and w == "fp32":
        prec = "mixed" if case.get("amp", True) else "fp32"
    else:
        prec = w
    q = [f"mode={m}", f"precision={prec}", f"batch={case.get('batch', 1)}", f"seq={case.get('seq', 512)}"]
    if m == "inference":
        q.append(f"new={case.get('new_tokens', 128)}")
    else:
        q.append(f"gc={int(bool(case.get('grad_ckpt', False)))}")
        q.append("optim=" + {"adamw_fused": "adamw", "adamw_8bit": "adamw8bit"}.get(
            case.get("optimizer", "adamw_fused"), case.get("optimizer", "adamw_fused")))
    if m in ("lora", "qlora"):
        t = case.get("targets", "all-linear")
        q += [f"rank={case.get('rank', 16)}", "targets=" + (t if isinstance(t, str) else ",".join(t)),
              f"dropout={case.get('lora_dropout', 0.0)}"]
        if target_params(case):
            q.append("target_params=" + ",".join(target_params(case)))
    if m == "qlora":
        q.append(f"dq={int(case.get('double_quant', True))}")
    q.append(f"attn={case.get('attn', 'sdpa')}")
    if m != "inference":
        q.append(f"stack={case.get('stack', 'loop')}")
        if case.get("liger"):
            q.append("liger=1")
    return "&".join(q)


def run_case(case, configs, saved_root, snapshot_out):
    cfg, raw = load_config(case["config"], configs)
    torch.cuda.init()
    marker()
    ctx_first = nvml_process_bytes()
    if snapshot_out:
        torch.cuda.memory._record_memory_history(max_entries=3_000_000, stacks="python")
    t0 = time.time()
    model = build(case, cfg, saved_root)
    total_params = sum(p.numel() for p in model.parameters())
    model, peft_config = adapt(case, model)
    weights_alloc = torch.cuda.memory_allocated()
    B, S = case.get("batch", 1), case.get("seq", 512)
    vocab = raw.get("vocab_size") or raw.get("text_config", {}).get("vocab_size") or cfg.get_text_config().vocab_size
    gc_on = case.get("grad_ckpt", False)
    stack = case.get("stack", "loop")
    per_step = None
    torch.cuda.reset_peak_memory_stats()
    if case["method"] == "inference":
        n, trainable = drive_inference(case, model, vocab, B, S), 0
    elif stack == "trl":
        n, trainable = drive_trl(case, model, peft_config, vocab, B, S, gc_on)
    elif stack == "trainer":
        n, trainable = drive_trainer(case, model, vocab, B, S, gc_on)
    else:
        n, trainable, per_step = drive_loop(case, model, vocab, B, S)
    peak_alloc = torch.cuda.max_memory_allocated()
    peak_resv = torch.cuda.max_memory_reserved()
    stats = torch.cuda.memory_stats()
    reserved_end = torch.cuda.memory_reserved()
    proc = nvml_process_bytes()
    free, total = torch.cuda.mem_get_info()
    if proc is not None:
        context = proc - reserved_end
        how = "nvml per-process used - reserved_end"
    else:
        context = (total - free) - reserved_end
        how = "device used - reserved_end (valid only when the case ran alone)"
    row = dict(case, query=query(case), stack=stack, versions=versions(), tokens_per_row=n,
               total_params=total_params, trainable_params=trainable, weights_bytes=weights_alloc,
               param_wrappers=WRAPPERS["n"],
               peak_allocated_bytes=peak_alloc, peak_reserved_bytes=peak_resv, cuda_context_bytes=context,
               reference_total_bytes=peak_resv + context, context_how=how, nvml_first_alloc_bytes=ctx_first,
               num_alloc_retries=stats.get("num_alloc_retries"), num_ooms=stats.get("num_ooms"),
               seconds=round(time.time() - t0, 1), gpu=torch.cuda.get_device_name(0), gpu_total_bytes=total)
    if per_step:
        row["per_step_peak_allocated_bytes"] = per_step
    if snapshot_out:
        import snapshot
        snap = torch.cuda.memory._snapshot()
        torch.cuda.memory._record_memory_history(enabled=None)
        with open(snapshot_out, "w") as f:
            json.dump(snapshot.reduce(case["name"], snap, stats), f, separators=(",", ":"))
    return row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("case")
    ap.add_argument("--configs", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--snapshot-out", default=None)
    a = ap.parse_args()
    case = json.loads(a.case)
    saved_root = os.path.join(tempfile.gettempdir(), "ftmem-saved")
    os.makedirs(saved_root, exist_ok=True)
    try:
        row = run_case(case, a.configs, saved_root, a.snapshot_out)
    except torch.OutOfMemoryError as e:
        row = dict(case, query=query(case), stack=case.get("stack", "loop"), error="OOM", detail=str(e)[:400],
                   versions=versions())
    except Exception as e:  # recorded, so that one broken case does not lose the others
        row = dict(case, query=query(case), stack=case.get("stack", "loop"), error=type(e).__name__,
                   detail=traceback.format_exc()[-2000:])
    with open(a.out, "a") as f:
        f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main()
