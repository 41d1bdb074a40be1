//! The `ftmem` command line: JSON on success; on any bad input exit status 2, exactly one line on stderr and
//! nothing on stdout.

use std::io::Write;
use std::process::Command;

mod common;

fn fixture(name: &str) -> String {
    common::fixture_path(name).to_string_lossy().into_owned()
}

fn ftmem(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ftmem"))
        .args(args)
        .output()
        .expect("run ftmem");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn temp_file(name: &str, bytes: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("ftmem-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::File::create(&p).unwrap().write_all(bytes).unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn params_of_gpt_oss_20b() {
    let (code, out, err) = ftmem(&["params", &fixture("openai__gpt-oss-20b.json")]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["total"], 20_914_757_184u64);
    assert!(v["active"].as_u64().unwrap() < v["total"].as_u64().unwrap());
    assert!(v["components"].is_object());
}

#[test]
fn estimate_prints_total_and_components() {
    let (code, out, err) = ftmem(&[
        "estimate",
        &fixture("meta-llama__Llama-3.2-1B.json"),
        "mode=lora&batch=2&seq=512",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let total = v["total_bytes"].as_u64().unwrap();
    let comps = v["components"].as_array().unwrap();
    assert!(!comps.is_empty());
    let sum: u64 = comps.iter().map(|c| c["bytes"].as_u64().unwrap()).sum();
    assert_eq!(sum, total, "components add up to total_bytes");
    assert!(comps.iter().all(|c| c["name"].is_string()));
}

#[test]
fn fit_prints_limits_and_fewest_gpus() {
    let cfg = fixture("meta-llama__Meta-Llama-3.1-8B.json");
    let (code, out, err) = ftmem(&[
        "fit",
        &cfg,
        "mode=full&precision=mixed&batch=1&seq=2048",
        "gpu=a100-80",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["gpu"], "a100-80");
    assert_eq!(v["capacity_bytes"], 81_920u64 << 20);
    // 8 B parameters with fp32 weights, gradients and AdamW (~16 B/param) do not fit one 80 GB GPU.
    assert_eq!(v["fits"], false);
    let fewest = v["fewest_gpus"].as_array().unwrap();
    let get = |s: &str| fewest.iter().find(|g| g["shard"] == s).unwrap()["gpus"].clone();
    assert!(
        get("ddp").is_null(),
        "DDP never fits: more GPUs do not shard anything"
    );
    let z3 = get("zero3").as_u64().unwrap();
    let z1 = get("zero1").as_u64().unwrap();
    assert!(z3 >= 2 && z3 <= z1, "zero3 {z3}, zero1 {z1}");
    // The boundary is exact: one GPU fewer does not fit.
    let q = format!(
        "mode=full&precision=mixed&batch=1&seq=2048&shard=zero3&gpus={}",
        z3 - 1
    );
    let (_, out, _) = ftmem(&["estimate", &cfg, &q]);
    let e: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(e["total_bytes"].as_u64().unwrap() > 81_920u64 << 20);
    // A custom size in GiB, LoRA: rank and batch limits are numbers.
    let (code, out, err) = ftmem(&["fit", &cfg, "mode=lora&batch=1&seq=1024", "gpu=24"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["gpu"].is_null());
    assert!(v["largest_batch"].as_u64().unwrap() >= 1);
    assert!(v["largest_rank"].as_u64().unwrap() >= 16);
    assert!(v["longest_seq"].as_u64().unwrap() >= 1024);
}

#[test]
fn serve_prints_the_kv_budget_and_what_fits() {
    let cfg = fixture("meta-llama__Meta-Llama-3.1-8B.json");
    let (code, out, err) = ftmem(&["serve", &cfg, "maxlen=16000", "gpu=h100-80"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["vllm_version"], "0.13.0");
    assert_eq!(v["gpu"], "h100-80");
    assert!(v["error"].is_null());
    // llm-d's H100 run of this model logged 51.38 GiB available (core/tests/vllm_logs.rs): about 421 k tokens.
    let tokens = v["kv_tokens"].as_u64().unwrap();
    assert!((400_000..440_000).contains(&tokens), "{tokens}");
    assert_eq!(v["fewest_tp"]["tp"], 1);
    assert!(v["smallest_util"].as_f64().unwrap() < 0.5);
    assert_eq!(v["query"], "mode=serve&maxlen=16000");
    // A custom size that cannot hold the weights: CUDA runs out of memory loading them, still exit 0 (a plan,
    // not a bad input).
    let (code, out, _) = ftmem(&["serve", &cfg, "", "gpu=12"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["refusal"], "weights_oom", "{v}");
    // 16 GiB holds the 15 GiB of weights but leaves nothing for the cache: vLLM's own message.
    let (_, out, _) = ftmem(&["serve", &cfg, "", "gpu=16"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["error"].as_str().unwrap().starts_with("No available memory"), "{v}");
    assert_refused(&["serve", &cfg, "util=1.5", "gpu=h100-80"], "gpu_memory_utilization must be in (0, 1]");
}

#[test]
fn bad_inputs_exit_2_with_one_line() {
    let llama = fixture("meta-llama__Llama-3.2-1B.json");
    let not_json = temp_file("not.json", b"<html>rate limited</html>");
    let empty = temp_file("empty.json", b"");
    let array = temp_file("array.json", b"[1,2,3]");
    let bad_utf8 = temp_file("bad.json", &[0xff, 0xfe, b'{', b'}']);
    let deep = temp_file("deep.json", "[".repeat(100_000).as_bytes());
    let no_hidden = temp_file(
        "nohidden.json",
        br#"{"model_type":"mystery","hidden_size":64}"#,
    );
    let cases: Vec<Vec<&str>> = vec![
        vec![],
        vec!["frobnicate"],
        vec!["params"],
        vec!["params", "/definitely/not/here.json"],
        vec!["params", &not_json],
        vec!["params", &empty],
        vec!["params", &array],
        vec!["params", &bad_utf8],
        vec!["params", &deep],
        vec!["params", &no_hidden],
        vec!["estimate", &llama, "batch=0"],
        vec!["estimate", &llama, "batch=abc"],
        vec!["estimate", &llama, "seq=-5"],
        vec!["estimate", &llama, "seq=184467440737095516160"],
        vec!["estimate", &llama, "mode=pretrain"],
        vec!["estimate", &llama, "dropout=1.5"],
        vec!["estimate", &llama, "mode=full&precision=nf4"],
        vec!["estimate", &llama, "a", "b"],
        vec!["estimate", &llama, "mode=full&shard=zero2&offload=params"],
        vec!["estimate", &llama, "gpus=0"],
        vec!["fit", &llama, "mode=lora"],
        vec!["fit", &llama, "mode=lora", "gpu=b200"],
        vec!["fit", &llama, "mode=lora", "gpu=-3"],
        vec!["fit", &llama, "mode=lora", "gpu=0"],
        vec!["fit", &llama, "mode=lora", "gpu=NaN"],
        vec!["fit", &llama, "mode=lora", "h100-80"],
        vec!["fit", &llama, "shard=zero9", "gpu=h100-80"],
        vec!["fit", "/definitely/not/here.json", "mode=lora", "gpu=24"],
    ];
    for args in cases {
        let (code, out, err) = ftmem(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}: stdout must be empty, got {out}");
        assert_eq!(
            err.trim_end().lines().count(),
            1,
            "{args:?}: one line on stderr, got {err:?}"
        );
        assert!(err.len() > 10, "{args:?}: says what is wrong");
    }
}

/// Exit status 2, nothing on stdout, exactly one line on stderr that contains `needle` (e.g. the field's name).
fn assert_refused(args: &[&str], needle: &str) {
    let (code, out, err) = ftmem(args);
    assert_eq!(code, 2, "{args:?}: {err}");
    assert!(out.is_empty(), "{args:?}: stdout must be empty, got {out}");
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "{args:?}: one line on stderr, got {err:?}"
    );
    assert!(
        err.contains(needle),
        "{args:?}: the message should name `{needle}`, got {err:?}"
    );
}

/// A fixture config with `edits` applied (`null` in `edits` removes the key), written to a temp file.
fn edited(fixture_name: &str, tag: &str, edits: serde_json::Value) -> String {
    let text = std::fs::read_to_string(fixture(fixture_name)).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    for (k, x) in edits.as_object().unwrap() {
        if x.is_null() {
            v.as_object_mut().unwrap().remove(k);
        } else {
            v[k] = x.clone();
        }
    }
    temp_file(&format!("{tag}.json"), v.to_string().as_bytes())
}

#[test]
fn a_config_with_some_size_fields_is_estimated_with_the_defaults_listed() {
    let path = temp_file(
        "partial-llama.json",
        br#"{"model_type": "llama", "hidden_size": 2048, "num_hidden_layers": 16}"#,
    );
    let (code, out, err) = ftmem(&["estimate", &path, "mode=lora&seq=512"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let w = v["warnings"].as_array().expect("warnings");
    let d = w
        .iter()
        .find(|w| w["code"] == "defaults_used")
        .unwrap_or_else(|| panic!("no defaults_used warning in {out}"));
    let msg = d["message"].as_str().unwrap_or("");
    for field in [
        "num_attention_heads=32",
        "vocab_size=32000",
        "intermediate_size=11008",
    ] {
        assert!(msg.contains(field), "{msg}");
    }
    assert!(!msg.contains("num_hidden_layers="), "{msg}");
}

#[test]
fn malformed_files_exit_2_for_every_command() {
    let cases: Vec<(String, &str)> = vec![
        (temp_file("m-trunc.json", br#"{"model_type": "llama", "hidden_size": 20"#), "JSON"),
        (temp_file("m-trailing.json", br#"{"hidden_size": 1,}"#), "JSON"),
        (temp_file("m-empty.json", b""), "JSON"),
        (temp_file("m-ws.json", b"  \n\t "), "JSON"),
        (temp_file("m-utf8.json", b"{\"model_type\": \"ll\xc3\x28ama\"}"), "UTF-8"),
        (temp_file("m-array.json", b"[{\"hidden_size\": 64}]"), "object"),
        (temp_file("m-string.json", b"\"llama\""), "object"),
        (temp_file("m-null.json", b"null"), "object"),
        (temp_file("m-deep-array.json", "[".repeat(100_000).as_bytes()), "JSON"),
        (temp_file("m-deep-array-closed.json", format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).as_bytes()), "JSON"),
        (temp_file("m-deep-object.json", "{\"a\":".repeat(100_000).as_bytes()), "JSON"),
        (
            temp_file("m-deep-object-closed.json", format!("{}1{}", "{\"a\":".repeat(100_000), "}".repeat(100_000)).as_bytes()),
            "JSON",
        ),
        (temp_file("m-nan-token.json", br#"{"hidden_size": NaNx}"#), "JSON"),
        (temp_file("m-no-fields.json", b"{}"), "hidden_size"),
        // Not a model: no size field at all, so no estimate of the family's defaults (issue 11 §6).
        (temp_file("m-llama-only.json", br#"{"model_type": "llama"}"#), "describes no model"),
        (temp_file("m-llama-only2.json", br#"{"model_type": "llama"}"#), "num_hidden_layers"),
        (
            temp_file("m-gemma3-empty.json", br#"{"model_type": "gemma3", "text_config": {}}"#),
            "vocab_size",
        ),
        (temp_file("m-generic-missing.json", br#"{"model_type":"mystery","hidden_size":64,"num_hidden_layers":2,"num_attention_heads":4}"#), "vocab_size"),
    ];
    let llama = fixture("meta-llama__Llama-3.2-1B.json");
    for (path, needle) in &cases {
        assert_refused(&["params", path], needle);
        assert_refused(&["estimate", path], needle);
        assert_refused(&["estimate", path, "mode=full&batch=4"], needle);
        assert_refused(&["fit", path, "mode=lora", "gpu=h100-80"], needle);
    }
    // A directory is not a file.
    let dir = std::env::temp_dir().to_string_lossy().into_owned();
    assert_refused(&["params", &dir], &dir);
    // The good fixture still works (the refusals above are not a broken binary).
    assert_eq!(ftmem(&["params", &llama]).0, 0);
}

#[test]
fn unusable_config_values_exit_2_naming_the_field() {
    use serde_json::json;
    let llama = "meta-llama__Llama-3.2-1B.json";
    let mixtral = "mistralai__Mixtral-8x7B-v0.1.json";
    let gpt_oss = "openai__gpt-oss-20b.json";
    let deepseek = "deepseek-ai__DeepSeek-V3.json";
    let mut cases: Vec<(&str, serde_json::Value, &str)> = Vec::new();
    // Every core size field: negative, zero, fractional, astronomically large, wrong type.
    for field in [
        "hidden_size",
        "num_hidden_layers",
        "vocab_size",
        "num_attention_heads",
        "intermediate_size",
        "head_dim",
    ] {
        for bad in [
            json!(-1),
            json!(0),
            json!(2.5),
            json!(1e30),
            json!(18446744073709551615u64),
            json!("4096"),
            json!(true),
            json!([64]),
            json!({"n": 1}),
        ] {
            cases.push((llama, json!({ field: bad }), field));
        }
    }
    for (field, bad) in [
        ("num_key_value_heads", json!(0)),
        ("num_key_value_heads", json!(-8)),
        ("num_key_value_heads", json!(7.5)),
        // 7 does not divide 32 heads, 64 is more kv heads than heads: grouped-query attention cannot repeat them.
        ("num_key_value_heads", json!(7)),
        ("num_key_value_heads", json!(64)),
        ("max_position_embeddings", json!(1e30)),
        ("max_position_embeddings", json!(0)),
        ("max_position_embeddings", json!(-131072)),
        ("max_position_embeddings", json!(131072.5)),
        ("tie_word_embeddings", json!("yes")),
        ("model_type", json!(7)),
        ("layer_types", json!(["full_attention"])),
        ("layer_types", json!("full_attention")),
        ("torch_dtype", json!(16)),
        ("resid_pdrop", json!(1.5)),
        ("resid_pdrop", json!(-0.1)),
    ] {
        cases.push((llama, json!({ field: bad }), field));
    }
    // Sizes too large to count together: each within its own limit, their product not.
    cases.push((
        llama,
        json!({"hidden_size": 16_777_216, "intermediate_size": 16_777_216, "vocab_size": 16_777_216, "num_hidden_layers": 65_536}),
        "too large",
    ));
    // Missing required field where the family has no default.
    cases.push((
        llama,
        json!({"model_type": "mystery", "hidden_size": null}),
        "hidden_size",
    ));
    cases.push((
        llama,
        json!({"model_type": "mystery", "num_hidden_layers": null}),
        "num_hidden_layers",
    ));
    // Mixture of experts.
    for (field, bad) in [
        ("num_local_experts", json!(0)),
        ("num_local_experts", json!(-8)),
        ("num_local_experts", json!(1e30)),
        ("num_local_experts", json!(1.5)),
        ("num_experts_per_tok", json!(0)),
        ("num_experts_per_tok", json!(9)),
        ("sliding_window", json!(0)),
        ("sliding_window", json!(-4096)),
        ("sliding_window", json!(1e30)),
        ("sliding_window", json!(4096.5)),
    ] {
        cases.push((mixtral, json!({ field: bad }), field));
    }
    cases.push((
        gpt_oss,
        json!({"num_experts_per_tok": 33}),
        "num_experts_per_tok",
    ));
    cases.push((
        gpt_oss,
        json!({"num_local_experts": 0}),
        "num_local_experts",
    ));
    cases.push((gpt_oss, json!({"sliding_window": 0}), "sliding_window"));
    cases.push((
        deepseek,
        json!({"num_experts_per_tok": 1000}),
        "num_experts_per_tok",
    ));
    cases.push((deepseek, json!({"kv_lora_rank": 0}), "kv_lora_rank"));
    cases.push((
        deepseek,
        json!({"qk_rope_head_dim": -64}),
        "qk_rope_head_dim",
    ));
    cases.push((
        deepseek,
        json!({"moe_intermediate_size": 1e30}),
        "moe_intermediate_size",
    ));
    // Quantization configs.
    cases.push((
        llama,
        json!({"quantization_config": {"quant_method": "gptq", "bits": 0}}),
        "bits",
    ));
    cases.push((
        llama,
        json!({"quantization_config": {"quant_method": "gptq", "bits": 4, "group_size": 0}}),
        "group_size",
    ));
    cases.push((
        llama,
        json!({"quantization_config": {"quant_method": "gptq", "bits": 4, "group_size": "128"}}),
        "group_size",
    ));
    cases.push((
        llama,
        json!({"quantization_config": {"quant_method": "bitsandbytes", "load_in_4bit": "x"}}),
        "load_in_4bit",
    ));
    cases.push((
        llama,
        json!({"quantization_config": {"quant_method": "fp8", "weight_block_size": [0, 0]}}),
        "weight_block_size",
    ));
    for (i, (fx, edits, needle)) in cases.iter().enumerate() {
        let path = edited(fx, &format!("v{i}"), edits.clone());
        assert_refused(&["params", &path], needle);
        assert_refused(&["estimate", &path, "mode=qlora&batch=2"], needle);
    }
}

#[test]
fn unusable_queries_exit_2_naming_the_key() {
    let llama = fixture("meta-llama__Llama-3.2-1B.json");
    let cases: &[(&str, &str)] = &[
        // Unknown values of the enumerated keys.
        ("mode=pretrain", "mode"),
        ("mode=", "mode"),
        ("mode=LORA", "mode"),
        ("optim=lion", "optim"),
        ("attn=flash", "attn"),
        ("dq=2", "dq"),
        ("gc=yes", "gc"),
        ("targets=,", "targets"),
        ("targets=q_proj;rm", "targets"),
        ("targets=c_attn", "targets"),
        // Numbers: non-numeric, negative, zero, fractional, overflowing, out of range.
        ("batch=abc", "batch"),
        ("batch=", "batch"),
        ("batch=-1", "batch"),
        ("batch=0", "batch"),
        ("batch=1.5", "batch"),
        ("batch=1e3", "batch"),
        ("batch=18446744073709551616", "batch"),
        ("batch=1048577", "batch"),
        ("seq=0", "seq"),
        ("seq=-2048", "seq"),
        ("seq=2k", "seq"),
        ("seq=99999999999999999999999999", "seq"),
        ("seq=16777217", "seq"),
        ("new=-1", "new"),
        ("new=x", "new"),
        ("new=16777217", "new"),
        ("rank=0", "rank"),
        ("rank=-16", "rank"),
        ("rank=65537", "rank"),
        ("rank=18446744073709551615", "rank"),
        ("gpus=0", "gpus"),
        ("gpus=-4", "gpus"),
        ("gpus=65537", "gpus"),
        ("gpus=8.0", "gpus"),
        // Dropout outside [0, 1).
        ("dropout=1", "dropout"),
        ("dropout=1.0", "dropout"),
        ("dropout=-0.1", "dropout"),
        ("dropout=NaN", "dropout"),
        ("dropout=inf", "dropout"),
        ("dropout=1e309", "dropout"),
        ("dropout=abc", "dropout"),
        // A precision that does not fit the mode.
        ("mode=full&precision=nf4", "precision"),
        ("mode=qlora&precision=bf16", "precision"),
        ("mode=lora&precision=mixed", "precision"),
        ("mode=lora&precision=int4", "precision"),
        ("mode=inference&precision=mixed", "precision"),
        ("mode=inference&precision=nf4", "precision"),
        ("precision=fp64", "precision"),
        // Sharding keys.
        ("shard=zero4", "shard"),
        ("shard=", "shard"),
        ("offload=disk", "offload"),
        ("mode=full&offload=optimizer", "offload"),
        ("mode=full&shard=fsdp&offload=optimizer", "offload"),
        ("mode=full&shard=zero1&offload=params", "offload"),
        ("mode=full&shard=zero2&offload=params", "offload"),
        ("mode=inference&shard=zero1", "shard"),
        ("mode=inference&shard=zero2", "shard"),
        ("mode=inference&shard=zero3&offload=params", "offload"),
        ("mode=inference&offload=optimizer", "offload"),
    ];
    for (q, key) in cases {
        let (code, out, err) = ftmem(&["estimate", &llama, q]);
        assert_eq!(code, 2, "{q}: {err}");
        assert!(out.is_empty(), "{q}: stdout must be empty, got {out}");
        assert_eq!(
            err.trim_end().lines().count(),
            1,
            "{q}: one line on stderr, got {err:?}"
        );
        assert!(
            err.contains(key),
            "{q}: the message should name `{key}`, got {err:?}"
        );
        assert_refused(&["fit", &llama, q, "gpu=h100-80"], key);
    }
    // Valid edge values are accepted (the refusals above are not over-eager).
    for q in [
        "dropout=0",
        "dropout=0.999",
        "batch=1048576&seq=1",
        "seq=16777216&mode=inference&new=0",
        "rank=65536",
        "gpus=65536&mode=full&shard=zero3",
    ] {
        let (code, _, err) = ftmem(&["estimate", &llama, q]);
        assert_eq!(code, 0, "{q}: {err}");
    }
    // Too large to represent: an error, not a wrapped number.
    assert_refused(
        &[
            "estimate",
            &llama,
            "mode=full&batch=1048576&seq=16777216&gc=0&attn=eager",
        ],
        "too large",
    );
}

/// Regression (found by `fuzz/config`): a quantized config with thousands of layers and a per-layer
/// `modules_to_not_convert` list of thousands of entries used to cost layers × patterns string splits per count
/// (seconds per estimate, minutes for `fit`); patterns are now parsed once and indexed by layer.
#[test]
fn many_layers_times_many_not_convert_patterns_stay_linear() {
    let text = std::fs::read_to_string(fixture("Qwen__Qwen3-30B-A3B-FP8.json")).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let layers = 4096u64;
    v["num_hidden_layers"] = layers.into();
    let pats: Vec<String> = (0..layers)
        .map(|i| format!("model.layers.{i}.mlp.gate"))
        .collect();
    v["quantization_config"]["modules_to_not_convert"] = pats.into();
    let path = temp_file("many-not-convert.json", v.to_string().as_bytes());
    let (code, out, err) = ftmem(&["params", &path]);
    assert_eq!(code, 0, "{err}");
    let p: serde_json::Value = serde_json::from_str(&out).unwrap();
    // Every router is excluded (kept bf16), every other block linear is FP8.
    assert!(
        p["weights"]["stored_bytes"].as_u64().unwrap()
            < p["weights"]["bf16_bytes"].as_u64().unwrap()
    );
    let (code, _, err) = ftmem(&["estimate", &path, "mode=inference"]);
    assert_eq!(code, 0, "{err}");
}
