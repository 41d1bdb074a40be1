//! Reading checkpoints: the header-only safetensors files of `tests/fixtures/checkpoints/` (built from the fixture
//! configs by its `make.py`, laid out as the Hub repositories store them) counted by `ftmem_core::checkpoint`,
//! next to the family model; and the CLI's `--checkpoint` on real files (8-byte length + header).

use ftmem_core::checkpoint::{self, Loading, Summary};
use ftmem_core::units::{Bytes, Params};
use ftmem_core::{params, weights};
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

fn checkpoints() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/checkpoints")
}

/// The tensors of a fixture checkpoint and its file count (index order, as the app reads them).
fn tensors(repo: &str) -> (Vec<checkpoint::Tensor>, u64) {
    let d = checkpoints().join(repo);
    let files = match std::fs::read_to_string(d.join("index.json")) {
        Ok(idx) => checkpoint::index_files(&idx).unwrap(),
        Err(_) => vec!["model.safetensors".to_string()],
    };
    let mut all = Vec::new();
    for f in &files {
        let json = std::fs::read(d.join(format!("{f}.header.json"))).unwrap();
        all.extend(checkpoint::parse_header(&json).unwrap());
    }
    (all, files.len() as u64)
}

fn summary(repo: &str, config: &str) -> (Summary, ftmem_core::Architecture) {
    let arch = common::fixture_arch(config);
    let (ts, n) = tensors(repo);
    (
        checkpoint::summarize(&ts, n, Loading::of(&arch)).unwrap(),
        arch,
    )
}

#[test]
fn every_fixture_checkpoint_agrees_with_its_family_count() {
    let cases = [
        (
            "HuggingFaceTB__SmolLM2-135M-Instruct",
            "HuggingFaceTB__SmolLM2-135M-Instruct.mlc.json",
            1,
            false,
        ),
        ("Qwen__Qwen3-0.6B", "Qwen__Qwen3-0.6B.json", 1, false),
        (
            "meta-llama__Llama-3.2-1B",
            "meta-llama__Llama-3.2-1B.json",
            1,
            false,
        ),
        ("openai__gpt-oss-20b", "openai__gpt-oss-20b.json", 3, true),
        (
            "Qwen__Qwen3-30B-A3B-FP8",
            "Qwen__Qwen3-30B-A3B-FP8.json",
            7,
            true,
        ),
    ];
    for (repo, config, files, quantized) in cases {
        let (s, mut arch) = summary(repo, config);
        assert_eq!((s.files, s.quantized), (files, quantized), "{repo}");
        let c = checkpoint::attach(&mut arch, &s);
        assert!(
            c.agrees,
            "{repo}: checkpoint {} vs family {}",
            c.checkpoint_params.0, c.family_params.0
        );
        assert_eq!(c.checkpoint_params, params::count(&arch).total, "{repo}");
        // The family model's stored-format rules give the same bytes as the headers (quantized ones: the
        // MXFP4 4.25 bits per weight, FP8 scales per 128 × 128 block).
        if quantized {
            assert_eq!(arch.checkpoint_weights, Some(c.stored_bytes), "{repo}");
            let family = weights::stored_bytes(&arch).unwrap();
            let err = (family.0 as f64 - c.stored_bytes.0 as f64).abs() / c.stored_bytes.0 as f64;
            assert!(
                err < 0.01,
                "{repo}: family stored {} vs checkpoint {} ({:.2} %)",
                family.0,
                c.stored_bytes.0,
                err * 100.0
            );
        } else {
            assert_eq!(
                arch.checkpoint_weights, None,
                "{repo}: plain checkpoints keep the family model"
            );
        }
    }
}

#[test]
fn gpt_oss_20b_as_stored() {
    let (s, arch) = summary("openai__gpt-oss-20b", "openai__gpt-oss-20b.json");
    assert_eq!(s.params, Params(20_914_757_184));
    // MXFP4 expert blocks and scales (U8) and the BF16 rest; the E8M0 scales are statistics.
    let dtypes: Vec<&str> = s.by_dtype.iter().map(|d| d.dtype.as_str()).collect();
    assert_eq!(dtypes, ["U8", "BF16"]);
    assert_eq!(s.statistics, Bytes(24 * 32 * (5760 + 2880) * 90));
    // The inference estimate in the stored format takes the checkpoint's bytes.
    let mut with = arch.clone();
    checkpoint::attach(&mut with, &s);
    let q = ftmem_core::Settings::from_query("mode=inference&precision=stored").unwrap();
    let a = ftmem_core::estimate(&arch, &q).unwrap();
    let b = ftmem_core::estimate(&with, &q).unwrap();
    let weights = |e: &ftmem_core::Estimate| {
        e.components
            .iter()
            .find(|c| c.name == "weights")
            .unwrap()
            .bytes
    };
    assert_eq!(weights(&b), s.stored);
    assert!(weights(&a).0.abs_diff(weights(&b).0) < weights(&b).0 / 100);
}

#[test]
fn a_checkpoint_that_disagrees_is_reported() {
    // Qwen3-0.6B's headers against Qwen3-4B's config: not the same model.
    let arch = common::fixture_arch("Qwen__Qwen3-4B.json");
    let (ts, n) = tensors("Qwen__Qwen3-0.6B");
    let s = checkpoint::summarize(&ts, n, Loading::of(&arch)).unwrap();
    let mut a = arch.clone();
    let c = checkpoint::attach(&mut a, &s);
    assert!(!c.agrees);
    assert_eq!(a.checkpoint_weights, None);
}

fn write_safetensors(dir: &Path, name: &str, header: &[u8]) {
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(header);
    std::fs::write(dir.join(name), bytes).unwrap();
}

#[test]
fn cli_reads_local_headers_from_an_index_a_file_or_a_folder() {
    let dir = std::env::temp_dir().join(format!("ftmem-ckpt-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let src = checkpoints().join("openai__gpt-oss-20b");
    let idx = std::fs::read_to_string(src.join("index.json")).unwrap();
    std::fs::write(dir.join("model.safetensors.index.json"), &idx).unwrap();
    for f in checkpoint::index_files(&idx).unwrap() {
        write_safetensors(
            &dir,
            &f,
            &std::fs::read(src.join(format!("{f}.header.json"))).unwrap(),
        );
    }
    let config = common::fixture_path("openai__gpt-oss-20b.json");
    let run = |p: &Path| {
        let out = Command::new(env!("CARGO_BIN_EXE_ftmem"))
            .arg("params")
            .arg(&config)
            .arg("--checkpoint")
            .arg(p)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    for p in [dir.clone(), dir.join("model.safetensors.index.json")] {
        let (code, out, err) = run(&p);
        assert_eq!(code, Some(0), "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["checkpoint"]["summary"]["files"], 3);
        assert_eq!(v["checkpoint"]["check"]["agrees"], true);
        assert_eq!(v["checkpoint"]["summary"]["params"], 20_914_757_184u64);
        assert_eq!(v["active_without_embedding"], 3_608_307_264u64);
    }
    // One shard alone: fewer parameters than the model, reported as a disagreement, not an error.
    let first = checkpoint::index_files(&idx).unwrap().remove(0);
    let (code, out, _) = run(&dir.join(&first));
    assert_eq!(code, Some(0));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["checkpoint"]["check"]["agrees"], false);
    // Not a safetensors file: exit 2, one line naming the file.
    std::fs::write(dir.join("bad.safetensors"), b"hello").unwrap();
    let (code, out, err) = run(&dir.join("bad.safetensors"));
    assert_eq!((code, out.as_str()), (Some(2), ""));
    assert!(
        err.contains("bad.safetensors") && err.lines().count() == 1,
        "{err}"
    );
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let (code, _, err) = run(&empty);
    assert_eq!(code, Some(2));
    assert!(err.contains("no .safetensors"), "{err}");
}

proptest::proptest! {
    /// Whatever the bytes, the header readers answer with a value or an error, never a panic.
    #[test]
    fn any_bytes_are_a_header_or_an_error(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..64),
                                          json in "\\PC{0,80}") {
        let _ = checkpoint::header_len(&bytes);
        let _ = checkpoint::parse_header(&bytes);
        let _ = checkpoint::parse_header(json.as_bytes());
        let _ = checkpoint::index_files(&json);
    }
}
