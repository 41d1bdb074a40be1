//! LoRA on `nn.Parameter`s (PEFT `target_parameters`, `lora.ParamWrapper`): which parameters a list matches,
//! the adapter count r·E·(in + out) per wrapped expert tensor against the trainable parameters PEFT 0.21 reported
//! on the GPU runs (`tests/fixtures/truth/peaks_h200_target_params*.jsonl`), the memory `W + ΔW` adds, and the
//! errors PEFT raises.

use ftmem_core::arch::Architecture;
use ftmem_core::lora::wrapped_params;
use ftmem_core::settings::Targets;
use ftmem_core::{estimate, parse_config, Settings};
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

fn arch(config: &str) -> Architecture {
    let text = std::fs::read_to_string(fixtures().join("configs").join(config)).expect("config fixture");
    parse_config(&text).expect("config parses")
}

fn component(arch: &Architecture, query: &str, name: &str) -> u64 {
    let e = estimate(arch, &Settings::from_query(query).expect("query")).expect("estimate");
    e.components.iter().filter(|c| c.name == name).map(|c| c.bytes.0).sum()
}

const COOKBOOK: &str = "7.mlp.experts.gate_up_proj,7.mlp.experts.down_proj,15.mlp.experts.gate_up_proj,15.mlp.experts.down_proj,23.mlp.experts.gate_up_proj,23.mlp.experts.down_proj";

#[test]
fn adapters_equal_the_trainable_parameters_peft_reported_on_every_gpu_run() {
    let mut checked = 0;
    for file in ["peaks_h200_target_params.jsonl", "peaks_h200_target_params_holdout.jsonl"] {
        let text = std::fs::read_to_string(fixtures().join("truth").join(file)).expect("truth file");
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let v: serde_json::Value = serde_json::from_str(line).expect("JSON");
            let (Some(cfg), Some(query), Some(trainable)) = (
                v["config"].as_str(),
                v["query"].as_str(),
                v["trainable_params"].as_u64(),
            ) else {
                continue;
            };
            // fp32 adapters (peft `autocast_adapter_dtype=True`): 4 bytes per trainable parameter.
            let adapters = component(&arch(cfg), query, "adapters");
            assert_eq!(adapters, trainable * 4, "{}", v["name"]);
            checked += 1;
        }
    }
    assert_eq!(checked, 9);
}

#[test]
fn peft_matching_is_equality_or_a_dotted_suffix() {
    let a = arch("openai__gpt-oss-20b.json");
    let names = |v: &str| ftmem_core::settings::parse_target_params(v).unwrap();
    let layers = |v: &str| -> Vec<(usize, String)> {
        wrapped_params(&a, &Targets::AllLinear, &names(v), 0.0)
            .unwrap()
            .iter()
            .map(|w| (w.layer, w.module.name.clone()))
            .collect()
    };
    // `7.mlp...` is layer 7 only, not 17: the entry must follow a dot.
    assert_eq!(layers("7.mlp.experts.gate_up_proj"), vec![(7, "gate_up_proj".to_string())]);
    assert_eq!(layers("mlp.experts.down_proj").len(), 24);
    assert_eq!(layers("model.layers.23.mlp.experts.down_proj"), vec![(23, "down_proj".to_string())]);
    assert_eq!(layers(COOKBOOK).len(), 6);
    // A partial leaf name is not a match (PEFT compares whole dotted components).
    let err = wrapped_params(&a, &Targets::AllLinear, &names("up_proj"), 0.0).unwrap_err();
    assert!(err.contains("matches no parameter") && err.contains("mlp.experts.gate_up_proj"), "{err}");
}

#[test]
fn peft_refusals_are_errors() {
    let gpt = arch("openai__gpt-oss-20b.json");
    let tp = format!("target_params={COOKBOOK}");
    // lora.ParamWrapper refuses dropout.
    let s = Settings::from_query(&format!("mode=lora&{tp}&dropout=0.05")).unwrap();
    let e = estimate(&gpt, &s).unwrap_err().to_string();
    assert!(e.contains("dropout"), "{e}");
    // Qwen3-MoE's `all-linear` already adapts the stacked experts: PEFT refuses to wrap them again.
    let qwen = arch("Qwen__Qwen3-30B-A3B.json");
    let s = Settings::from_query("mode=lora&target_params=mlp.experts.down_proj").unwrap();
    let e = estimate(&qwen, &s).unwrap_err().to_string();
    assert!(e.contains("already adapted"), "{e}");
    // A dense model has nothing to wrap.
    let llama = arch("meta-llama__Llama-3.2-1B.json");
    let s = Settings::from_query("mode=lora&target_params=mlp.experts.down_proj").unwrap();
    let e = estimate(&llama, &s).unwrap_err().to_string();
    assert!(e.contains("no stacked expert parameters"), "{e}");
    // Bad names are refused by the query parser, naming the key.
    assert_eq!(Settings::from_query("target_params=a..b").unwrap_err().key, "target_params");
    assert_eq!(Settings::from_query("target_params=x%20y").unwrap_err().key, "target_params");
    // Modes without adapters ignore it, as they ignore `targets`.
    let s = Settings::from_query(&format!("mode=full&{tp}&dropout=0.05")).unwrap();
    assert!(estimate(&gpt, &s).is_ok());
}

#[test]
fn wrapped_weights_cost_their_size_without_checkpointing_and_one_layer_with_it() {
    let a = arch("openai__gpt-oss-20b.json");
    let base = "mode=lora&rank=8&batch=1&seq=1024&attn=eager&stack=trl";
    let q = |gc: u8, tp: &str| format!("{base}&gc={gc}&target_params={tp}");
    // W' of layers 7, 15, 23 in bf16: 3 × 32 × 2880 × (5760 + 2880) × 2 bytes, plus the last layer's
    // `down_proj` gradient and the factor casts.
    let w_prime: u64 = 3 * 32 * 2880 * (5760 + 2880) * 2;
    let no_gc = component(&a, &q(0, COOKBOOK), "wrapped_experts");
    assert!(no_gc >= w_prime && no_gc < w_prime + 32 * 2880 * 2880 * 2 + 50_000_000, "{no_gc}");
    // With checkpointing only one layer's W' (and one gradient) ever exists, however many layers are wrapped:
    // the estimate's peak is the same for the cookbook's 3 layers and for all 24.
    let total = |query: &str| estimate(&a, &Settings::from_query(query).unwrap()).unwrap().allocated_bytes.0;
    let adapters = |query: &str| {
        component(&a, query, "adapters")
            + component(&a, query, "optimizer_states")
            + component(&a, query, "gradients")
    };
    let three = q(1, COOKBOOK);
    let all = q(1, "mlp.experts.gate_up_proj,mlp.experts.down_proj");
    let d_total = total(&all) as i64 - total(&three) as i64;
    let d_adapters = adapters(&all) as i64 - adapters(&three) as i64;
    assert!((d_total - d_adapters).abs() < 200_000_000, "{d_total} vs {d_adapters}");
    // And it is more than nothing: the checkpointed run with wrappers needs more than the one without.
    let plain = format!("{base}&gc=0");
    assert!(total(&q(0, COOKBOOK)) > total(&plain) + w_prime);
}
