# Wrote dev.json, snapshots.json and holdout.json (2026-12-03). admit_gb came from the ftmem CLI of that day, which
# knew no stack yet (hence the stack keys stripped and the trl rule); run from the repository root.
import json, subprocess, sys
CFG = {
 "qwen3-0.6b": "Qwen__Qwen3-0.6B.json", "qwen3-4b": "Qwen__Qwen3-4B.json", "qwen3-8b": "Qwen__Qwen3-8B.json",
 "qwen2.5-1.5b": "Qwen__Qwen2.5-1.5B.json", "qwen2.5-3b": "Qwen__Qwen2.5-3B-Instruct.json", "qwen2.5-7b": "Qwen__Qwen2.5-7B.json",
 "llama-3.2-1b": "meta-llama__Llama-3.2-1B.json", "llama-3.2-3b": "meta-llama__Llama-3.2-3B-Instruct.json",
 "llama-3.1-8b": "meta-llama__Meta-Llama-3.1-8B.json", "llama-2-7b": "meta-llama__Llama-2-7b-hf.json",
 "smollm2-360m": "HuggingFaceTB__SmolLM2-360M-Instruct.mlc.json", "smollm2-1.7b": "HuggingFaceTB__SmolLM2-1.7B-Instruct.mlc.json",
 "tinyllama-1.1b": "TinyLlama__TinyLlama-1.1B-Chat-v1.0.mlc.json", "gemma-3-1b": "google__gemma-3-1b-it.mlc.json",
 "gemma-2-2b": "google__gemma-2-2b-it.mlc.json", "gemma-2-9b": "google__gemma-2-9b.mlc.json",
 "mistral-7b-v0.3": "mistralai__Mistral-7B-v0.3.mlc.json", "phi-3-mini": "microsoft__Phi-3-mini-4k-instruct.json",
 "gpt-oss-20b": "openai__gpt-oss-20b.json", "qwen3-30b-a3b": "Qwen__Qwen3-30B-A3B.json",
}
ATT = ["q_proj", "k_proj", "v_proj", "o_proj"]
def case(model, method, b, s, stack, gc=True, rank=16, targets="all-linear", optim="adamw_fused", attn="sdpa", liger=False, **kw):
    c = {"config": CFG[model], "method": method, "batch": b, "seq": s, "stack": stack, "grad_ckpt": gc, "attn": attn}
    if optim != "adamw_fused": c["optimizer"] = optim
    if method in ("lora", "qlora"):
        c["rank"] = rank; c["targets"] = targets
    if liger: c["liger"] = True
    c.update(kw)
    t = "all" if targets == "all-linear" else ("att" if targets == ATT else "qv")
    desc = {"full": "full-bf16", "lora": f"lora-r{rank}-{t}", "qlora": f"qlora-r{rank}-{t}"}[method]
    if optim == "adamw_8bit": desc += "-adam8bit"
    if attn == "eager": desc += "-eager"
    if gc: desc += "-gc"
    c["name"] = f"{model}/{desc}/b{b}s{s}/{stack}{'-liger' if liger else ''}"
    return c
dev = [
 # TRL SFTTrainer
 case("qwen3-0.6b", "lora", 4, 1024, "trl"),
 case("qwen3-0.6b", "full", 4, 1024, "trl"),
 case("qwen3-0.6b", "qlora", 4, 1024, "trl"),
 case("qwen3-0.6b", "lora", 1, 32768, "trl"),
 case("llama-3.2-1b", "lora", 4, 1024, "trl", gc=False),
 case("llama-3.2-1b", "full", 2, 2048, "trl", gc=False),
 case("llama-3.2-1b", "qlora", 2, 4096, "trl"),
 case("llama-3.2-1b", "lora", 1, 16384, "trl"),
 case("smollm2-360m", "full", 8, 1024, "trl"),
 case("tinyllama-1.1b", "lora", 8, 2048, "trl"),
 case("gemma-3-1b", "lora", 4, 2048, "trl"),
 case("gemma-2-2b", "lora", 2, 2048, "trl", attn="eager"),
 case("qwen2.5-1.5b", "full", 4, 2048, "trl", optim="adamw_8bit"),
 case("llama-3.1-8b", "lora", 4, 2048, "trl"),
 case("llama-3.1-8b", "qlora", 4, 2048, "trl"),
 case("mistral-7b-v0.3", "lora", 2, 1024, "trl", gc=False),
 case("qwen3-8b", "qlora", 2, 8192, "trl", rank=64),
 case("qwen3-4b", "full", 2, 4096, "trl"),
 case("qwen2.5-7b", "lora", 1, 4096, "trl", gc=False, targets=["q_proj", "v_proj"]),
 case("gpt-oss-20b", "lora", 4, 2048, "trl", rank=8, attn="eager"),
 case("qwen3-30b-a3b", "lora", 2, 2048, "trl", targets=ATT),
 # TRL + Liger
 case("llama-3.2-1b", "lora", 4, 2048, "trl", liger=True),
 case("qwen3-0.6b", "full", 4, 1024, "trl", gc=False, liger=True),
 case("llama-3.1-8b", "qlora", 4, 2048, "trl", liger=True),
 # Trainer
 case("qwen3-0.6b", "lora", 4, 1024, "trainer"),
 case("qwen3-0.6b", "full", 4, 1024, "trainer"),
 case("qwen3-0.6b", "lora", 1, 32768, "trainer"),
 case("llama-3.2-1b", "qlora", 2, 4096, "trainer"),
 case("llama-3.2-1b", "full", 2, 2048, "trainer", gc=False),
 case("gemma-3-1b", "lora", 4, 2048, "trainer"),
 case("tinyllama-1.1b", "lora", 8, 2048, "trainer"),
 case("llama-3.1-8b", "lora", 4, 2048, "trainer"),
 case("qwen3-8b", "qlora", 2, 8192, "trainer", rank=64),
 case("gpt-oss-20b", "lora", 4, 2048, "trainer", rank=8, attn="eager"),
 case("mistral-7b-v0.3", "lora", 2, 1024, "trainer", gc=False),
 case("smollm2-360m", "full", 8, 1024, "trainer", optim="adamw_8bit"),
 # Trainer + Liger
 case("llama-3.2-1b", "lora", 4, 2048, "trainer", liger=True),
 case("qwen3-0.6b", "full", 4, 1024, "trainer", gc=False, liger=True),
 case("llama-3.1-8b", "qlora", 4, 2048, "trainer", liger=True),
 # the plain loop again, through this harness (one process per case): the old rows must come out the same
 case("qwen3-0.6b", "full", 4, 1024, "loop", gc=False),
 case("llama-3.2-1b", "lora", 4, 2048, "loop", rank=64),
 case("qwen2.5-7b", "qlora", 4, 1024, "loop"),
 # out of memory on the H200 through the loop, not through TRL
 case("llama-3.1-8b", "full", 8, 4096, "loop", solo=True),
 case("llama-3.1-8b", "full", 8, 4096, "trl"),
]
snaps = [
 case("qwen3-0.6b", "lora", 4, 1024, "trl", snapshot=True),
 case("qwen3-0.6b", "qlora", 4, 1024, "trl", snapshot=True),
 case("qwen3-0.6b", "full", 4, 1024, "trl", snapshot=True),
 case("qwen3-0.6b", "lora", 4, 1024, "trainer", snapshot=True),
 case("qwen3-0.6b", "qlora", 4, 1024, "trainer", snapshot=True),
 case("llama-3.2-1b", "lora", 4, 2048, "trainer", liger=True, snapshot=True),
 case("llama-3.2-1b", "lora", 4, 1024, "trl", gc=False, snapshot=True),
]
for c in snaps: c["name"] += "/snap"
hold = [
 case("qwen3-4b", "lora", 4, 2048, "trl"),
 case("qwen2.5-3b", "qlora", 4, 2048, "trl"),
 case("llama-3.2-3b", "full", 2, 2048, "trl"),
 case("smollm2-1.7b", "lora", 4, 2048, "trl", gc=False),
 case("gemma-2-9b", "qlora", 2, 2048, "trl", attn="eager"),
 case("llama-2-7b", "lora", 4, 4096, "trl"),
 case("qwen3-0.6b", "full", 8, 512, "trl", gc=False, optim="adamw_8bit"),
 case("llama-3.2-1b", "lora", 1, 32768, "trl"),
 case("qwen2.5-1.5b", "qlora", 4, 1024, "trl", gc=False),
 case("gpt-oss-20b", "lora", 2, 4096, "trl", rank=8, attn="eager"),
 case("qwen3-30b-a3b", "lora", 4, 1024, "trl", targets=ATT),
 case("phi-3-mini", "lora", 4, 2048, "trl"),
 case("gemma-3-1b", "full", 4, 1024, "trl"),
 case("mistral-7b-v0.3", "qlora", 2, 8192, "trl"),
 case("qwen3-4b", "lora", 4, 2048, "trainer"),
 case("qwen2.5-3b", "qlora", 4, 2048, "trainer"),
 case("llama-3.2-3b", "full", 2, 2048, "trainer"),
 case("smollm2-1.7b", "lora", 4, 2048, "trainer", gc=False),
 case("llama-2-7b", "lora", 4, 4096, "trainer"),
 case("qwen3-0.6b", "full", 8, 512, "trainer", gc=False, optim="adamw_8bit"),
 case("gemma-2-9b", "qlora", 2, 2048, "trainer", attn="eager"),
 case("qwen2.5-1.5b", "qlora", 4, 1024, "trainer", gc=False),
 case("llama-3.1-8b", "lora", 2, 16384, "trainer"),
 case("qwen3-4b", "lora", 4, 2048, "trl", liger=True),
 case("smollm2-1.7b", "full", 4, 2048, "trainer", liger=True),
 case("qwen2.5-3b", "qlora", 4, 2048, "trainer", liger=True),
 case("qwen3-4b", "lora", 4, 2048, "loop"),
 case("llama-3.2-3b", "full", 2, 2048, "loop"),
 case("smollm2-1.7b", "lora", 4, 2048, "loop", gc=False),
 case("qwen2.5-3b", "qlora", 4, 2048, "loop"),
]
for c in hold: c["holdout"] = True
sys.path.insert(0, "./bench/truth")
import measure
def admit(c):
    q = "&".join(p for p in measure.query(c).split("&") if not p.startswith(("stack=", "liger=")))
    r = subprocess.run(["./target/release/ftmem", "estimate", "./tests/fixtures/configs/" + c["config"], q], capture_output=True, text=True)
    if r.returncode: print(c["name"], r.stderr); return 60
    e = json.loads(r.stdout)
    gb = e["total_bytes"] / 1e9
    part = {x["name"]: x["bytes"] / 1e9 for x in e["components"]}
    if c["stack"] == "trl" or c.get("liger"):
        return round((gb - part.get("logits", 0) - part.get("allocator_slack", 0)) * 1.25 + 4, 1)
    if c["stack"] == "trainer":
        return round(gb + 3, 1)
    return round(gb * 1.15 + 3, 1)
names = set()
for lst in (dev, snaps, hold):
    for c in lst:
        assert c["name"] not in names, c["name"]; names.add(c["name"])
        c["admit_gb"] = admit(c)
json.dump(dev, open("./bench/truth/cases/dev.json", "w"), indent=1)
json.dump(snaps, open("./bench/truth/cases/snapshots.json", "w"), indent=1)
json.dump(hold, open("./bench/truth/cases/holdout.json", "w"), indent=1)
for lst in (dev, snaps, hold):
    print(len(lst), sum(c["admit_gb"] for c in lst), max(c["admit_gb"] for c in lst))
for c in dev + hold:
    if c["admit_gb"] > 60: print(c["name"], c["admit_gb"])
