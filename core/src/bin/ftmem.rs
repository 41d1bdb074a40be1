//! `ftmem`: the estimator core on the command line.
//!
//! ```text
//! ftmem params   CONFIG.json [--checkpoint PATH]
//!                                      one JSON object: total, active (and, for MoE, active without the input
//!                                      embedding), per-component parameter counts, weight bytes as stored and
//!                                      as loaded; with --checkpoint, what the safetensors headers hold and how
//!                                      it compares (`checkpoint`)
//! ftmem estimate CONFIG.json [QUERY]   one JSON object: total_bytes (predicted peak), components [{name, bytes}],
//!                                      the stack and library versions it is for, other_stacks [{stack, total_bytes}]
//! ftmem fit      CONFIG.json QUERY gpu=NAME_OR_GiB
//!                                      one JSON object: largest batch / sequence / rank, fewest GPUs per sharding
//! ftmem serve    CONFIG.json QUERY gpu=NAME_OR_GiB
//!                                      `vllm serve` (mode=serve implied): the KV budget per GPU, KV tokens,
//!                                      concurrency at max_model_len, longest request, vLLM's error when it would
//!                                      not start, the smallest gpu_memory_utilization and fewest GPUs (TP) that start
//! ```
//! `gpu=` takes an id of `ftmem_core::gpus::GPUS` (`a100-80`, `h100-80`, `h200`, ...) or a size in GiB
//! (`gpu=24`, `gpu=79.6`). Estimates are per GPU (`gpus`, `shard`, `offload` in QUERY).
//! QUERY is the app's query string (`mode=lora&batch=4&seq=1024...`, keys in `ftmem_core::settings`).
//! `--checkpoint PATH`: a `.safetensors` file, a `model.safetensors.index.json` (its shards are read from the
//! same folder) or a folder holding either; only each file's 8-byte length and JSON header are read.
//! Any bad input: exit status 2, one line on stderr saying what is wrong, nothing on stdout.

use std::process::ExitCode;

const USAGE: &str =
    "usage: ftmem params CONFIG.json [--checkpoint PATH] | ftmem estimate CONFIG.json [QUERY] | ftmem fit CONFIG.json QUERY gpu=NAME_OR_GiB | ftmem serve CONFIG.json QUERY gpu=NAME_OR_GiB";

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
    use ftmem_core::{checkpoint, params, parse_config, weights, Architecture, Settings};
    use std::io::Read;
    use std::path::{Path, PathBuf};

    /// The header of one local safetensors file: its 8-byte length, then that many bytes of JSON.
    fn read_header(file: &Path) -> Result<Vec<checkpoint::Tensor>, String> {
        let name = file.display();
        let mut f = std::fs::File::open(file).map_err(|e| format!("{name}: {e}"))?;
        let mut first = [0u8; 8];
        f.read_exact(&mut first)
            .map_err(|_| format!("{name}: shorter than the 8-byte safetensors length prefix"))?;
        let n = checkpoint::header_len(&first).map_err(|e| format!("{name}: {e}"))?;
        let mut json = Vec::new();
        f.take(n)
            .read_to_end(&mut json)
            .map_err(|e| format!("{name}: {e}"))?;
        if json.len() as u64 != n {
            return Err(format!("{name}: the file ends inside its {n}-byte header"));
        }
        checkpoint::parse_header(&json).map_err(|e| format!("{name}: {e}"))
    }

    /// Every tensor of the checkpoint at `path` (a `.safetensors` file, an index, or a folder holding either)
    /// and the number of files read.
    fn read_checkpoint(path: &Path) -> Result<(Vec<checkpoint::Tensor>, u64), String> {
        let index_in = |d: &Path| d.join("model.safetensors.index.json");
        let (dir, files): (PathBuf, Vec<String>) = if path.is_dir() {
            if index_in(path).is_file() {
                return read_checkpoint(&index_in(path));
            }
            let mut files: Vec<String> = std::fs::read_dir(path)
                .map_err(|e| format!("{}: {e}", path.display()))?
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|n| n.ends_with(".safetensors"))
                .collect();
            files.sort();
            if files.is_empty() {
                return Err(format!(
                    "{}: no .safetensors file or model.safetensors.index.json in this folder",
                    path.display()
                ));
            }
            (path.to_path_buf(), files)
        } else if path.to_string_lossy().ends_with(".json") {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let files =
                checkpoint::index_files(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            (path.parent().unwrap_or(Path::new(".")).to_path_buf(), files)
        } else {
            let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (dir, vec![name])
        };
        let mut all = Vec::new();
        for f in &files {
            all.extend(read_header(&dir.join(f))?);
        }
        Ok((all, files.len() as u64))
    }
    use serde_json::{json, Value};

    /// Run one command; `Ok` is the JSON to print, `Err` the one-line message.
    pub fn run(args: &[String]) -> Result<String, String> {
        let cmd = args.first().map(String::as_str).ok_or(USAGE)?;
        match cmd {
            "params" => {
                let (path, checkpoint) = match args {
                    [_, p] => (p, None),
                    [_, p, flag, c] if flag == "--checkpoint" => (p, Some(c)),
                    _ => return Err(USAGE.into()),
                };
                let mut arch = load(path)?;
                let summary = match checkpoint {
                    Some(c) => {
                        let (tensors, files) = read_checkpoint(std::path::Path::new(c))?;
                        let load = checkpoint::Loading::of(&arch);
                        Some(
                            checkpoint::summarize(&tensors, files, load)
                                .map_err(|e| format!("{c}: {e}"))?,
                        )
                    }
                    None => None,
                };
                let check = summary.as_ref().map(|s| checkpoint::attach(&mut arch, s));
                let mut out = params_json(&arch)?;
                if let (Some(s), Some(c)) = (summary, check) {
                    out["checkpoint"] = json!({"summary": s, "check": c});
                }
                Ok(out.to_string())
            }
            "estimate" => {
                let (path, query) = match args {
                    [_, p] => (p, ""),
                    [_, p, q] => (p, q.as_str()),
                    _ => return Err(USAGE.into()),
                };
                let arch = load(path)?;
                let settings = Settings::from_query(query).map_err(|e| format!("query: {e}"))?;
                let v = ftmem_core::export::estimate_json(&arch, &settings).map_err(|e| e.to_string())?;
                Ok(v.to_string())
            }
            "fit" => {
                let [_, path, query, gpu] = args else {
                    return Err(USAGE.into());
                };
                let (capacity, gpu_id) = parse_gpu(gpu)?;
                let arch = load(path)?;
                let settings = Settings::from_query(query).map_err(|e| format!("query: {e}"))?;
                let report = ftmem_core::fit::fit_report(&arch, &settings, capacity)
                    .map_err(|e| e.to_string())?;
                let mut v = serde_json::to_value(&report).map_err(|e| e.to_string())?;
                v["gpu"] = json!(gpu_id);
                v["query"] = json!(settings.to_query());
                Ok(v.to_string())
            }
            "serve" => {
                let [_, path, query, gpu] = args else {
                    return Err(USAGE.into());
                };
                let (capacity, gpu_id) = parse_gpu(gpu)?;
                let card = match ftmem_core::gpus::GPUS.iter().find(|g| gpu_id == json!(g.id)) {
                    Some(g) => *g,
                    // A size in GiB: taken as the total `torch.cuda.mem_get_info` reports.
                    None => ftmem_core::gpus::Gpu::custom(capacity),
                };
                let arch = load(path)?;
                let q = if query.is_empty() { "mode=serve".to_string() } else { format!("mode=serve&{query}") };
                let settings = Settings::from_query(&q).map_err(|e| format!("query: {e}"))?;
                let v = ftmem_core::export::serve_json(&arch, &settings, &card).map_err(|e| e.to_string())?;
                Ok(v.to_string())
            }
            "-h" | "--help" | "help" => Err(USAGE.into()),
            other => Err(format!(
                "unknown command `{}`; {USAGE}",
                other.chars().take(40).collect::<String>()
            )),
        }
    }

    /// `gpu=ID` (a [`ftmem_core::gpus::GPUS`] id) or `gpu=GiB` (a positive size, at most 1 048 576 GiB):
    /// (capacity, the id or null).
    fn parse_gpu(arg: &str) -> Result<(ftmem_core::Bytes, Value), String> {
        let v = arg
            .strip_prefix("gpu=")
            .ok_or_else(|| format!("expected gpu=NAME_OR_GiB, got `{}`", short(arg)))?;
        if let Some(g) = ftmem_core::gpus::by_id(v) {
            return Ok((g.capacity, json!(g.id)));
        }
        match v.trim().parse::<f64>() {
            Ok(gib) if gib.is_finite() && gib > 0.0 && gib <= 1_048_576.0 => Ok((
                ftmem_core::Bytes((gib * (1u64 << 30) as f64).round() as u64),
                Value::Null,
            )),
            _ => {
                let ids: Vec<&str> = ftmem_core::gpus::GPUS.iter().map(|g| g.id).collect();
                Err(format!(
                    "gpu: `{}` is neither a GPU id ({}) nor a size in GiB",
                    short(v),
                    ids.join(", ")
                ))
            }
        }
    }

    fn short(s: &str) -> String {
        s.chars().take(40).collect()
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
            components.insert(
                p.component.name().into(),
                json!({"total": p.total.0, "active": p.active.0}),
            );
        }
        Ok(json!({
            "model_type": arch.model_type,
            "approximate": c.approximate,
            "total": c.total.0,
            "active": c.active.0,
            "active_without_embedding": c.active_without_embedding.map(|p| p.0),
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
