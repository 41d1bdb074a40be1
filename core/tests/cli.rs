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
    ];
    for args in cases {
        let (code, out, err) = ftmem(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}: stdout must be empty, got {out}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: one line on stderr, got {err:?}");
        assert!(err.len() > 10, "{args:?}: says what is wrong");
    }
}
