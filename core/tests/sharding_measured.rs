//! Issue 14 §4: single-rank runs of the sharded stacks (torchrun with world size 1 on one H200: FSDP2
//! `FULL_SHARD`, DeepSpeed ZeRO-1/2/3 with and without CPU offload, DDP), measured by `bench/truth/run_dist.py`
//! into `tests/fixtures/truth/peaks_h200_dist1.jsonl`, compared with the per-GPU estimate.
//!
//! No multi-GPU machine was lent, and nothing of `core/src/estimate/sharding.rs` was changed after these runs
//! were measured: the figures below are out of sample. They are stated ([`STATED_MEDIAN_PCT`],
//! [`STATED_MAX_PCT`]) and the test fails when they no longer describe the estimate (above them, or more than one
//! point below), so the README's table cannot go stale; it does NOT claim the sharding model is accurate.

use ftmem_core::{estimate, parse_config, Settings};
use std::path::PathBuf;

/// Median |error| of `total_bytes` against the measured per-rank peak (reserved + outside the pool), percent.
const STATED_MEDIAN_PCT: f64 = 13.1;
/// Largest |error|, percent.
const STATED_MAX_PCT: f64 = 30.6;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

#[test]
fn single_rank_sharded_runs_against_the_per_gpu_estimate() {
    let text = std::fs::read_to_string(fixtures().join("truth/peaks_h200_dist1.jsonl")).expect("fixture");
    let mut errs = Vec::new();
    let mut outside_pool = Vec::new();
    println!("{:<58} {:>8} {:>8} {:>7} {:>8} {:>8}", "run", "pred GB", "meas GB", "err %", "ctx GB", "cpu GB");
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).expect("JSON");
        let (Some(cfg), Some(query), Some(meas)) = (
            v["config"].as_str(),
            v["query"].as_str(),
            v["reference_total_bytes"].as_u64(),
        ) else {
            continue;
        };
        assert_eq!(v["world_size"].as_u64(), Some(1), "{}", v["name"]);
        // Every rank's figures are in the row; with one rank the row's peak is that rank's.
        let ranks = v["ranks"].as_array().expect("ranks");
        assert_eq!(ranks.len(), 1);
        assert_eq!(ranks[0]["peak_reserved_bytes"], v["peak_reserved_bytes"]);
        let arch = parse_config(&std::fs::read_to_string(fixtures().join("configs").join(cfg)).unwrap())
            .unwrap();
        let s = Settings::from_query(query).unwrap_or_else(|e| panic!("{query}: {e}"));
        assert_eq!(s.gpus, 1);
        let e = estimate(&arch, &s).unwrap_or_else(|e| panic!("{}: {e}", v["name"]));
        let pred = e.total_bytes.0 as f64;
        let err = 100.0 * (pred - meas as f64) / meas as f64;
        let ctx = v["cuda_context_bytes"].as_u64().unwrap();
        println!(
            "{:<58} {:>8.2} {:>8.2} {:>+7.1} {:>8.2} {:>8.1}",
            v["name"].as_str().unwrap(),
            pred / 1e9,
            meas as f64 / 1e9,
            err,
            ctx as f64 / 1e9,
            v["cpu_peak_rss_bytes"].as_u64().unwrap_or(0) as f64 / 1e9
        );
        errs.push(err.abs());
        outside_pool.push(ctx);
    }
    assert_eq!(errs.len(), 14, "the 14 runs of bench/truth/cases/dist1.json");
    // What the runs show about memory outside PyTorch's pool: with NCCL initialised it is well above the
    // single-process CUDA context the estimate uses (0.78-0.80 GB measured by run.py), on every run.
    // The CUDA context the estimate adds: `cuda_context` of any one-GPU estimate.
    let arch = parse_config(
        &std::fs::read_to_string(fixtures().join("configs/meta-llama__Llama-3.2-1B.json")).unwrap(),
    )
    .unwrap();
    let single = estimate(&arch, &Settings::default())
        .unwrap()
        .components
        .iter()
        .find(|c| c.name == "cuda_context")
        .unwrap()
        .bytes
        .0;
    assert!(outside_pool.iter().all(|&c| c > single + 400_000_000), "{outside_pool:?}");
    errs.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let median = (errs[6] + errs[7]) / 2.0;
    let max = errs[13];
    println!("median |error| {median:.2} %, max {max:.2} %");
    for (what, got, stated) in [("median", median, STATED_MEDIAN_PCT), ("max", max, STATED_MAX_PCT)] {
        assert!(
            got <= stated + 0.05 && stated - got < 1.0,
            "stated {what} {stated} %, the runs give {got:.2} %"
        );
    }
}
