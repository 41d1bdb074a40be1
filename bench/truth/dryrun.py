#!/usr/bin/env python3
"""Dry run of measure.py's code paths on the CPU (no GPU, no numbers): every stack and method except the ones
that need CUDA kernels (QLoRA, Liger, 8-bit AdamW), on a tiny config, so that a broken harness is found before a
GPU session is spent on it. Needs torch, transformers, peft, accelerate, trl, datasets installed.

usage: FTMEM_DEVICE=cpu python3 dryrun.py CONFIG_DIR CONFIG_NAME
"""
import json, os, sys, tempfile

os.environ.setdefault("FTMEM_DEVICE", "cpu")
import torch

# CUDA bookkeeping calls become no-ops on the CPU.
for name in ["init", "reset_peak_memory_stats", "synchronize", "empty_cache"]:
    setattr(torch.cuda, name, lambda *a, **k: None)
for name in ["max_memory_allocated", "max_memory_reserved", "memory_allocated", "memory_reserved"]:
    setattr(torch.cuda, name, lambda *a, **k: 0)
torch.cuda.memory_stats = lambda *a, **k: {}
torch.cuda.mem_get_info = lambda *a, **k: (0, 0)
torch.cuda.get_device_name = lambda *a, **k: "cpu (dry run)"

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import measure  # noqa: E402

cfg_dir, cfg = sys.argv[1], sys.argv[2]
base = {"config": cfg, "batch": 2, "seq": 64, "steps": 2, "optimizer": "adamw_fused"}
cases = []
for stack in ["loop", "trainer", "trl"]:
    for method, extra in [("full", {}), ("lora", {"rank": 4}), ("lora", {"rank": 4, "grad_ckpt": True})]:
        cases.append(dict(base, name=f"dry/{method}/{stack}", method=method, stack=stack, **extra))
cases.append(dict(base, name="dry/infer", method="inference", new_tokens=4))
failed = 0
for c in cases:
    try:
        row = measure.run_case(c, cfg_dir, tempfile.mkdtemp(), None)
        print("ok ", c["name"], row["query"], "tokens/row", row["tokens_per_row"], "trainable", row["trainable_params"])
    except Exception as e:
        import traceback
        traceback.print_exc()
        print("FAIL", c["name"], type(e).__name__, e)
        failed += 1
sys.exit(1 if failed else 0)
