import json, sys
src = open("./bench/truth/cases/make_cases.py").read()
ns = {}
exec(src.split("dev = [")[0], ns)
case, ATT = ns["case"], ns["ATT"]
h2 = [
 case("qwen2.5-3b", "lora", 8, 1024, "trl"),
 case("llama-3.2-3b", "lora", 4, 4096, "trl"),
 case("qwen3-8b", "lora", 2, 4096, "trl"),
 case("gemma-2-2b", "full", 2, 1024, "trl", attn="eager"),
 case("smollm2-1.7b", "qlora", 8, 2048, "trl"),
 case("qwen3-4b", "full", 2, 2048, "trl", optim="adamw_8bit"),
 case("gpt-oss-20b", "lora", 1, 8192, "trl", attn="eager"),
 case("phi-3-mini", "full", 2, 2048, "trl"),
 case("mistral-7b-v0.3", "lora", 1, 2048, "trl", gc=False),
 case("qwen2.5-3b", "lora", 8, 1024, "trainer"),
 case("llama-3.2-3b", "lora", 4, 4096, "trainer"),
 case("gemma-2-2b", "full", 2, 1024, "trainer", attn="eager"),
 case("qwen3-4b", "full", 2, 2048, "trainer", optim="adamw_8bit"),
 case("smollm2-1.7b", "qlora", 8, 2048, "trainer"),
 case("qwen2.5-1.5b", "full", 4, 1024, "trainer"),
 case("qwen3-4b", "full", 2, 2048, "trainer", liger=True),
 case("llama-3.2-3b", "lora", 4, 4096, "trl", liger=True),
 case("qwen2.5-1.5b", "lora", 4, 2048, "trl", gc=False, liger=True),
 case("qwen2.5-3b", "lora", 8, 1024, "loop"),
 case("gemma-2-2b", "full", 2, 1024, "loop", attn="eager"),
 # beyond the H200 through the loop (a measured OOM), within it through TRL
 case("llama-3.1-8b", "full", 16, 4096, "loop", solo=True),
 case("llama-3.1-8b", "full", 16, 4096, "trl"),
]
for c in h2: c["holdout"] = True
sys.path.insert(0, "./bench/truth")
import subprocess
def admit(c):
    """An upper bound of the case's peak for run.py's scheduling: the stack-aware estimate plus 15 % and 3 GB."""
    q = ns["measure"].query(c) if "measure" in ns else None
    r = subprocess.run(["./target/release/ftmem", "estimate", "./tests/fixtures/configs/" + c["config"], q], capture_output=True, text=True)
    return round(json.loads(r.stdout)["total_bytes"] / 1e9 * 1.15 + 3, 1)
import measure
ns["measure"] = measure
ns["admit"] = admit
for c in h2: c["admit_gb"] = ns["admit"](c)
json.dump(h2, open("./bench/truth/cases/holdout2.json", "w"), indent=1)
print(len(h2), round(sum(c["admit_gb"] for c in h2)))
