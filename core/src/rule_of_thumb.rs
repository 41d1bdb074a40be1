//! The tutorial's rule-of-thumb memory table, reproduced as the rule of thumb it is.
//!
//! Source: the first chapter of the Korean gpt-oss-20b fine-tuning tutorial (and the common "×4 to train"
//! heuristic it follows): weights = parameters × bytes per parameter (fp32 4, fp16/bf16 2, int8 1, int4 0.5);
//! training = weights × 4.0 for 16/32-bit and × 1.3 for 8/4-bit. It ignores activations, logits, the KV cache,
//! the CUDA context and which parameters are trainable; ftmem shows it beside the detailed estimate
//! ([`crate::estimate()`]), never instead of it. Measured against real runs it is off by a median 67 %
//! (`../shared/MEMORY-MODEL.md`).

use crate::units::{Bytes, Params};
use serde::Serialize;

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RuleRow {
    /// Precision label as the tutorial prints it (`fp32`, `fp16/bf16`, `int8`, `int4`).
    pub label: &'static str,
    /// Bits per parameter (32, 16, 8, 4).
    pub bits: u64,
    /// Weights: parameters × bits / 8, bytes.
    pub weights: Bytes,
    /// Training: weights × 4.0 (16/32-bit) or × 1.3 (8/4-bit), bytes.
    pub training: Bytes,
}

/// The rows: (label, bits per parameter, training multiplier in tenths: 40 = ×4.0, 13 = ×1.3).
const ROWS: [(&str, u64, u64); 4] = [
    ("fp32", 32, 40),
    ("fp16/bf16", 16, 40),
    ("int8", 8, 13),
    ("int4", 4, 13),
];

/// The rule-of-thumb table for `total` parameters, one row per precision, largest first.
///
/// Errors: [`crate::units::Overflow`] if a figure does not fit in 64 bits (beyond ~10¹⁷ parameters).
pub fn table(total: Params) -> Result<Vec<RuleRow>, crate::units::Overflow> {
    ROWS.iter()
        .map(|&(label, bits, tenths)| {
            let weights = total.bytes_at_bits(bits)?;
            let training = u64::try_from(u128::from(weights.0) * u128::from(tenths) / 10)
                .map(Bytes)
                .map_err(|_| crate::units::Overflow)?;
            Ok(RuleRow {
                label,
                bits,
                weights,
                training,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tutorial's table for 20 B parameters: fp16 40 / 160, int8 20 / 26, int4 10 / 13 GB.
    #[test]
    fn twenty_billion_matches_the_tutorial() {
        let t = table(Params(20_000_000_000)).unwrap();
        let gb = |b: Bytes| b.0 as f64 / 1e9;
        let row = |l: &str| *t.iter().find(|r| r.label == l).unwrap();
        assert_eq!(
            (gb(row("fp32").weights), gb(row("fp32").training)),
            (80.0, 320.0)
        );
        assert_eq!(
            (gb(row("fp16/bf16").weights), gb(row("fp16/bf16").training)),
            (40.0, 160.0)
        );
        assert_eq!(
            (gb(row("int8").weights), gb(row("int8").training)),
            (20.0, 26.0)
        );
        assert_eq!(
            (gb(row("int4").weights), gb(row("int4").training)),
            (10.0, 13.0)
        );
    }

    #[test]
    fn overflow_is_an_error() {
        assert!(table(Params(u64::MAX)).is_err());
    }
}
