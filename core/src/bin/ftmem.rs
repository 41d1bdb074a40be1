//! `ftmem`: the estimator core on the command line.
//!
//! ```text
//! ftmem params   CONFIG.json           one JSON object: total, active, per-component parameter counts,
//!                                      weight bytes as stored and as loaded
//! ftmem estimate CONFIG.json [QUERY]   one JSON object: total_bytes (predicted peak), components [{name, bytes}]
//! ```
//! QUERY is the app's query string (`mode=lora&batch=4&seq=1024...`, keys in `ftmem_core::settings`).
//! Any bad input: exit status 2, one line on stderr saying what is wrong, nothing on stdout.

use std::process::ExitCode;

const USAGE: &str = "usage: ftmem params CONFIG.json | ftmem estimate CONFIG.json [QUERY]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match ftmem_cli::run(&args) {
        Ok(out) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(msg) => {
            // One line, whatever the message holds.
            let line = msg.replace(['\n', '\r'], " ");
            eprintln!("ftmem: {line}");
            ExitCode::from(2)
        }
    }
}

/// The CLI's logic, separate from process I/O so it can be tested.
mod ftmem_cli {
    use super::USAGE;
    use ftmem_core::{params, parse_config, weights, Architecture, Settings};
    use serde_json::{json, Value};

    /// Run one command; `Ok` is the JSON to print, `Err` the one-line message.
    pub fn run(args: &[String]) -> Result<String, String> {
        let cmd = args.first().map(String::as_str).ok_or(USAGE)?;
        match cmd {
            "params" => {
                let [_, path] = args else { return Err(USAGE.into()) };
                let arch = load(path)?;
                Ok(params_json(&arch)?.to_string())
            }
            "estimate" => {
                let (path, query) = match args {
                    [_, p] => (p, ""),
                    [_, p, q] => (p, q.as_str()),
                    _ => return Err(USAGE.into()),
                };
                let arch = load(path)?;
                let settings = Settings::from_query(query).map_err(|e| format!("query: {e}"))?;
                let est = ftmem_core::estimate(&arch, &settings).map_err(|e| e.to_string())?;
                let components: Vec<Value> =
                    est.components.iter().map(|c| json!({"name": c.name, "bytes": c.bytes.0})).collect();
                Ok(json!({
                    "total_bytes": est.total_bytes.0,
                    "allocated_bytes": est.allocated_bytes.0,
                    "total_gb": (est.total_bytes.gb() * 1000.0).round() / 1000.0,
                    "total_gib": (est.total_bytes.gib() * 1000.0).round() / 1000.0,
                    "components": components,
                    "approximate": est.approximate,
                    "query": settings.to_query(),
                })
                .to_string())
            }
            "-h" | "--help" | "help" => Err(USAGE.into()),
            other => Err(format!("unknown command `{}`; {USAGE}", other.chars().take(40).collect::<String>())),
        }
    }

    fn load(path: &str) -> Result<Architecture, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
        let text = String::from_utf8(bytes).map_err(|_| format!("{path}: not UTF-8 text"))?;
        parse_config(&text).map_err(|e| format!("{path}: {e}"))
    }

    fn params_json(arch: &Architecture) -> Result<Value, String> {
        let c = params::count(arch);
        let overflow = |e: ftmem_core::units::Overflow| e.to_string();
        let weights = json!({
            "stored_bytes": weights::stored_bytes(arch).map_err(overflow)?.0,
            "bf16_bytes": weights::loaded_bytes(arch, 16).map_err(overflow)?.0,
            "fp32_bytes": weights::loaded_bytes(arch, 32).map_err(overflow)?.0,
            "nf4_double_quant_bytes": weights::bnb4_bytes(arch, true).map_err(overflow)?.0,
        });
        let mut components = serde_json::Map::new();
        for p in &c.components {
            components.insert(p.component.name().into(), json!({"total": p.total.0, "active": p.active.0}));
        }
        Ok(json!({
            "model_type": arch.model_type,
            "approximate": c.approximate,
            "total": c.total.0,
            "active": c.active.0,
            "components": components,
            "hidden_size": arch.hidden_size,
            "num_hidden_layers": arch.num_hidden_layers,
            "num_attention_heads": arch.num_attention_heads,
            "num_key_value_heads": arch.num_key_value_heads,
            "head_dim": arch.head_dim,
            "intermediate_size": arch.intermediate_size,
            "vocab_size": arch.vocab_size,
            "max_position_embeddings": arch.max_position_embeddings,
            "tie_word_embeddings": arch.tie_word_embeddings,
            "num_experts": arch.num_experts,
            "experts_per_token": arch.experts_per_token,
            "quantization": arch.quantization,
            "weights": weights,
        }))
    }
}
