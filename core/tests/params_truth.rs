//! Table test: for every line of `tests/fixtures/truth/params.jsonl` (transformers 5.17 counts, built on the
//! meta device), ftmem's `total` must equal `total_params`, and the embedding / lm_head matrices must match
//! `embedding_params` / `lm_head_params`, and the LoRA adapter sizes (rank 16 on `q_proj,v_proj` and on
//! `all-linear`) must equal PEFT's where PEFT gave a number, and for multimodal wrappers the vision tower and
//! projector parameters (`tower_params`, built with `AutoModelForImageTextToText`) must match. Prints the whole table, then fails listing every difference.

use ftmem_core::arch::{Architecture, Component, ModuleKind};
use ftmem_core::settings::Targets;
use ftmem_core::{lora, params};
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

/// Weight elements of the input embedding matrix (`embed_tokens`, `wte`).
fn embedding_weight(a: &Architecture) -> u64 {
    a.outer_modules
        .iter()
        .filter(|m| m.component == Component::Embeddings && m.name != "wpe")
        .map(|m| m.params.0)
        .sum()
}

/// Weight elements of the output head (`lm_head`'s `weight`, or the embedding when tied).
fn lm_head_weight(a: &Architecture) -> u64 {
    match a
        .outer_modules
        .iter()
        .find(|m| m.component == Component::LmHead)
    {
        Some(m) => match m.kind {
            ModuleKind::Linear(s) => s.in_features * s.out_features,
            _ => m.params.0,
        },
        None => embedding_weight(a),
    }
}

#[test]
fn params_equal_transformers_for_every_fixture() {
    let truth = std::fs::read_to_string(fixtures().join("truth/params.jsonl")).expect("truth file");
    let mut failures = Vec::new();
    println!(
        "{:<55} {:>16} {:>16} {:>14}",
        "config", "truth", "ftmem", "diff"
    );
    for line in truth.lines().filter(|l| !l.trim().is_empty()) {
        let row: serde_json::Value = serde_json::from_str(line).expect("truth line is JSON");
        let name = row["name"].as_str().expect("name");
        let want = row["total_params"].as_u64().expect("total_params");
        let path = fixtures().join("configs").join(format!("{name}.json"));
        let text = std::fs::read_to_string(&path).expect("fixture config");
        let arch = match ftmem_core::parse_config(&text) {
            Ok(a) => a,
            Err(e) => {
                println!("{name:<55} {want:>16} {:>16} {:>14}", "ERROR", "-");
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        let got = params::count(&arch).total.0;
        let diff = got as i128 - want as i128;
        println!("{name:<55} {want:>16} {got:>16} {diff:>14}");
        if diff != 0 {
            failures.push(format!("{name}: total {got} != {want} (off by {diff})"));
        }
        if arch.num_hidden_layers != row["num_layers"].as_u64().unwrap_or(0) {
            failures.push(format!(
                "{name}: {} layers != {}",
                arch.num_hidden_layers, row["num_layers"]
            ));
        }
        if arch.model_type != row["model_type"].as_str().unwrap_or("") || arch.approximate {
            failures.push(format!(
                "{name}: model_type {} (approximate {})",
                arch.model_type, arch.approximate
            ));
        }
        if let Some(e) = row["embedding_params"].as_u64() {
            if embedding_weight(&arch) != e {
                failures.push(format!(
                    "{name}: embedding {} != {e}",
                    embedding_weight(&arch)
                ));
            }
        }
        if let Some(h) = row["lm_head_params"].as_u64() {
            if lm_head_weight(&arch) != h {
                failures.push(format!("{name}: lm_head {} != {h}", lm_head_weight(&arch)));
            }
        }
        for (key, targets) in [
            ("lora_r16_qv", Targets::Qv),
            ("lora_r16_all_linear", Targets::AllLinear),
        ] {
            if let Some(want) = row[key].as_u64() {
                match lora::adapter_params(&arch, 16, &targets) {
                    Ok(got) if got.0 == want => {}
                    Ok(got) => failures.push(format!(
                        "{name}: {key} {} != {want} (off by {})",
                        got.0,
                        got.0 as i128 - want as i128
                    )),
                    Err(e) => failures.push(format!("{name}: {key}: {e}")),
                }
            }
        }
        if let Some(want) = row["tower_params"].as_u64() {
            let got: u64 = params::count(&arch)
                .components
                .iter()
                .filter(|c| c.component.is_tower())
                .map(|c| c.total.0)
                .sum();
            if got != want {
                failures.push(format!("{name}: vision tower + projector {got} != {want}"));
            }
        }
        if let Some(t) = row["tied"].as_bool() {
            if arch.tie_word_embeddings != t {
                failures.push(format!("{name}: tied {} != {t}", arch.tie_word_embeddings));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
