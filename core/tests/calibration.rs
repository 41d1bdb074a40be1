//! Calibration: the estimate against every measured run of `tests/fixtures/truth/peaks_h200.jsonl` (and
//! `peaks_h200_new.jsonl` when present). Prints a per-run table and fails when the median |error| of
//! `total_bytes` exceeds 5 % or the largest exceeds 12 % (issue 4).

use ftmem_core::{estimate, parse_config, Settings};
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

struct Row {
    name: String,
    pred_total: f64,
    meas_total: f64,
    pred_alloc: f64,
    meas_alloc: f64,
    moment: &'static str,
}

fn rows() -> Vec<Row> {
    let mut out = Vec::new();
    for file in ["peaks_h200.jsonl", "peaks_h200_new.jsonl"] {
        let path = fixtures().join("truth").join(file);
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let v: serde_json::Value = serde_json::from_str(line).expect("truth line is JSON");
            let (Some(cfg), Some(query), Some(total)) = (
                v["config"].as_str(),
                v["query"].as_str(),
                v["reference_total_bytes"].as_u64(),
            ) else {
                continue; // `_meta` lines and failed (OOM) runs
            };
            let text = std::fs::read_to_string(fixtures().join("configs").join(cfg)).expect("config fixture");
            let arch = parse_config(&text).unwrap_or_else(|e| panic!("{cfg}: {e}"));
            let s = Settings::from_query(query).unwrap_or_else(|e| panic!("{query}: {e}"));
            let e = estimate(&arch, &s).unwrap_or_else(|e| panic!("{}: {e}", v["name"]));
            out.push(Row {
                name: v["name"].as_str().unwrap_or(cfg).to_string(),
                pred_total: e.total_bytes.gb(),
                meas_total: total as f64 / 1e9,
                pred_alloc: e.allocated_bytes.gb(),
                meas_alloc: v["peak_allocated_bytes"].as_u64().unwrap_or(0) as f64 / 1e9,
                moment: e.peak_moment,
            });
        }
    }
    out
}

#[test]
fn total_bytes_within_bounds_on_measured_runs() {
    let rows = rows();
    assert!(rows.len() >= 29, "expected the 29 measured runs, found {}", rows.len());
    println!(
        "{:<44} {:>8} {:>8} {:>7}   {:>8} {:>8} {:>7}  moment",
        "run", "pred GB", "meas GB", "err %", "alloc p", "alloc m", "err %"
    );
    let mut errs = Vec::new();
    for r in &rows {
        let e = (r.pred_total / r.meas_total - 1.0) * 100.0;
        let ea = (r.pred_alloc / r.meas_alloc - 1.0) * 100.0;
        errs.push(e.abs());
        println!(
            "{:<44} {:>8.3} {:>8.3} {:>+7.2}   {:>8.3} {:>8.3} {:>+7.2}  {}",
            r.name, r.pred_total, r.meas_total, e, r.pred_alloc, r.meas_alloc, ea, r.moment
        );
    }
    let mut sorted = errs.clone();
    sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = sorted.len();
    let median = if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    };
    let max = sorted[n - 1];
    println!("runs {n}: median |error| {median:.2} %, max |error| {max:.2} %");
    assert!(median <= 5.0, "median |error| {median:.2} % > 5 %");
    assert!(max <= 12.0, "max |error| {max:.2} % > 12 %");
}
