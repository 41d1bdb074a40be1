//! Fuzz target: `config.json` text. Parsing, counting and estimating must never panic or hang; every outcome is
//! `Ok` or a `ConfigError` / `EstimateError`.
//!
//! Two ways to read the input, chosen by its first byte:
//! - raw (first byte ASCII): the bytes are the `config.json` text (seed corpus: `tests/fixtures/configs`);
//! - structured (first byte ≥ 0x80, which no JSON text starts with): the next byte picks a real fixture config, and each following 10-byte chunk
//!   sets one of its fields (chosen by index among the fixture's keys and the shape fields ftmem reads) to a
//!   value derived from the chunk: small or huge whole numbers, 0, negatives, fractions, 1e30, strings, booleans,
//!   null, arrays, nested objects or removal. This reaches the family builders' validation and the estimate's
//!   arithmetic far more often than byte mutations of JSON text do.
//! Every architecture that parses is counted and estimated in every mode with settings taken from the input.
#![no_main]
use ftmem_core::settings::{Mode, Settings, Shard};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Map, Value};
use std::sync::OnceLock;

/// Fixture configs (`tests/fixtures/configs/*.json`), parsed once.
fn fixtures() -> &'static [Map<String, Value>] {
    static F: OnceLock<Vec<Map<String, Value>>> = OnceLock::new();
    F.get_or_init(|| {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/configs");
        let mut names: Vec<_> = std::fs::read_dir(dir)
            .expect("fixture dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        names.sort();
        names
            .iter()
            .filter_map(|p| {
                let text = std::fs::read_to_string(p).ok()?;
                let v: Value = serde_json::from_str(&text.replace("Infinity", "null")).ok()?;
                v.as_object().cloned()
            })
            .collect()
    })
}

/// Shape fields the family builders read (so the structured mode can add them even when a fixture lacks them).
const FIELDS: &[&str] = &[
    "hidden_size",
    "num_hidden_layers",
    "num_attention_heads",
    "num_key_value_heads",
    "head_dim",
    "intermediate_size",
    "vocab_size",
    "max_position_embeddings",
    "sliding_window",
    "num_local_experts",
    "num_experts",
    "num_experts_per_tok",
    "moe_intermediate_size",
    "n_routed_experts",
    "n_shared_experts",
    "first_k_dense_replace",
    "kv_lora_rank",
    "q_lora_rank",
    "qk_nope_head_dim",
    "qk_rope_head_dim",
    "v_head_dim",
    "layer_types",
    "tie_word_embeddings",
    "model_type",
    "quantization_config",
    "text_config",
    "torch_dtype",
    "resid_pdrop",
    "mamba_num_heads",
    "mamba_head_dim",
    "ssm_state_size",
    "hybrid_override_pattern",
    "linear_num_key_heads",
    "linear_num_value_heads",
    "full_attention_interval",
    "decoder_sparse_step",
    "shared_expert_intermediate_size",
    "mlp_only_layers",
    "sliding_window_pattern",
    "n_embd",
    "n_layer",
    "n_head",
];

fn value_from(chunk: &[u8], obj: &Map<String, Value>) -> Option<Value> {
    let n = u64::from_le_bytes(chunk[2..10].try_into().unwrap());
    Some(match chunk[1] % 16 {
        0 => return None,
        1 => Value::Null,
        2 => json!(n % 4096 + 1),
        3 => json!(n),
        4 => json!(0),
        5 => json!(-((n % 1000) as i64) - 1),
        6 => json!((n % 10_000) as f64 + 0.5),
        7 => json!(1e30),
        8 => json!(1u64 << (n % 64)),
        9 => json!(format!("{}", n % 100)),
        10 => json!(n % 2 == 0),
        11 => json!([n % 7, "full_attention", "sliding_attention"]),
        12 => {
            json!({"quant_method": (["bitsandbytes", "gptq", "mxfp4", "fp8", "awq"][(n % 5) as usize]),
                     "bits": n % 9, "group_size": (n % 300) as i64 - 1, "load_in_4bit": n % 3 == 0,
                     "weight_block_size": [n % 256, 128]})
        }
        13 => Value::Object(obj.clone()),
        14 => json!(
            [
                "llama",
                "gpt_oss",
                "deepseek_v3",
                "nemotron_h",
                "qwen3_next",
                "gpt2",
                "mixtral",
                "zzz"
            ][(n % 8) as usize]
        ),
        _ => json!((n as f64) * 1e-3),
    })
}

fn run(arch: &ftmem_core::Architecture, knobs: &[u8]) {
    let _ = ftmem_core::params::count(arch);
    let _ = ftmem_core::weights::stored_bytes(arch);
    let k = |i: usize| knobs.get(i).copied().unwrap_or(0) as u64;
    for mode in [Mode::Inference, Mode::Full, Mode::Lora, Mode::Qlora] {
        let s = Settings {
            mode,
            batch: 1 + k(0) % 8,
            seq: 1 + (k(1) << 4),
            gc: k(2) % 2 == 0,
            gpus: 1 + k(3) % 4,
            shard: if mode == Mode::Inference {
                Shard::Ddp
            } else {
                Shard::ALL[(k(4) % 5) as usize]
            },
            ..Settings::default()
        };
        let _ = ftmem_core::estimate(arch, &s);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    if sel < 0x80 {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        if let Ok(arch) = ftmem_core::parse_config(text) {
            run(
                &arch,
                data.get(data.len().saturating_sub(5)..).unwrap_or(&[]),
            );
        }
        return;
    }
    let fx = fixtures();
    let Some((&pick, muts)) = rest.split_first() else {
        return;
    };
    let mut obj = fx[pick as usize % fx.len()].clone();
    for chunk in muts.chunks_exact(10).take(8) {
        let keys: Vec<String> = obj.keys().cloned().collect();
        let i = chunk[0] as usize;
        let key = if i % 2 == 0 && !keys.is_empty() {
            keys[(i / 2) % keys.len()].clone()
        } else {
            FIELDS[(i / 2) % FIELDS.len()].to_string()
        };
        match value_from(chunk, &obj) {
            Some(v) => {
                obj.insert(key, v);
            }
            None => {
                obj.remove(&key);
            }
        }
    }
    let text = Value::Object(obj).to_string();
    if let Ok(arch) = ftmem_core::parse_config(&text) {
        run(&arch, muts);
    }
});
