//! The estimator's measured accuracy, as the app and the README state it ("within N % (median M %) on K measured
//! H200 runs"). These are not inputs to any estimate: they summarise `core/tests/calibration.rs`, which compares
//! `total_bytes` with every measured run of `tests/fixtures/truth/*.jsonl` and FAILS when these figures no
//! longer describe it (a different number of runs, a median or maximum above the stated one, or more than one
//! percentage point below it), so the claim shown to users cannot go stale.

/// Measured runs in the calibration set (H200, torch 2.11, transformers 5.17, peft 0.21, bitsandbytes 0.50).
pub const RUNS: u32 = 84;
/// Median |error| of `total_bytes` over them, in percent, rounded up to a tenth.
pub const MEDIAN_PCT: f64 = 2.1;
/// Largest |error| of `total_bytes` over them, in percent, rounded up to a tenth.
pub const MAX_PCT: f64 = 10.5;
