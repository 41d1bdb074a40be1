//! The `ftmem` command line: JSON on success; on any bad input exit status 2, exactly one line on stderr and
//! nothing on stdout.

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;

fn fixture(name: &str) -> String {
    let p: PathBuf = [env!("CARGO_MANIFEST_DIR"), "..", "tests", "fixtures", "configs", name].iter().collect();
    p.to_string_lossy().into_owned()
}

fn ftmem(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ftmem")).args(args).output().expect("run ftmem");
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
    let (code, out, err) = ftmem(&["estimate", &fixture("meta-llama__Llama-3.2-1B.json"), "mode=lora&batch=2&seq=512"]);
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
    let (code, out, err) = ftmem(&["fit", &cfg, "mode=full&precision=mixed&batch=1&seq=2048", "gpu=a100-80"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["gpu"], "a100-80");
    assert_eq!(v["capacity_bytes"], 81_920u64 << 20);
    // 8 B parameters with fp32 weights, gradients and AdamW (~16 B/param) do not fit one 80 GB GPU.
    assert_eq!(v["fits"], false);
    let fewest = v["fewest_gpus"].as_array().unwrap();
    let get = |s: &str| fewest.iter().find(|g| g["shard"] == s).unwrap()["gpus"].clone();
    assert!(get("ddp").is_null(), "DDP never fits: more GPUs do not shard anything");
    let z3 = get("zero3").as_u64().unwrap();
    let z1 = get("zero1").as_u64().unwrap();
    assert!(z3 >= 2 && z3 <= z1, "zero3 {z3}, zero1 {z1}");
    // The boundary is exact: one GPU fewer does not fit.
    let q = format!("mode=full&precision=mixed&batch=1&seq=2048&shard=zero3&gpus={}", z3 - 1);
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
fn bad_inputs_exit_2_with_one_line() {
    let llama = fixture("meta-llama__Llama-3.2-1B.json");
    let not_json = temp_file("not.json", b"<html>rate limited</html>");
    let empty = temp_file("empty.json", b"");
    let array = temp_file("array.json", b"[1,2,3]");
    let bad_utf8 = temp_file("bad.json", &[0xff, 0xfe, b'{', b'}']);
    let deep = temp_file("deep.json", "[".repeat(100_000).as_bytes());
    let no_hidden = temp_file("nohidden.json", br#"{"model_type":"mystery","hidden_size":64}"#);
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
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: one line on stderr, got {err:?}");
        assert!(err.len() > 10, "{args:?}: says what is wrong");
    }
}
