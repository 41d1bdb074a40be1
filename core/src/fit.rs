//! "What fits": the largest micro-batch, the longest sequence and the largest LoRA rank whose predicted peak
//! ([`crate::estimate()`]'s `total_bytes`) stays within a GPU's memory, every other setting fixed (issue 7 §3).
//!
//! The estimate is monotone non-decreasing in each of these settings (a property test checks it), so the exact
//! boundary is found by an exponential search for an upper bound followed by a binary search: O(log n)
//! estimates, about 50 at most per setting.

use crate::arch::Architecture;
use crate::estimate::{estimate, EstimateError};
use crate::settings::{Settings, MAX_BATCH, MAX_RANK, MAX_TOKENS};
use crate::units::Bytes;
use serde::Serialize;

/// Which setting to maximise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Knob {
    /// Micro-batch size (sequences), 1 ..= [`MAX_BATCH`].
    Batch,
    /// Sequence length (tokens), 1 ..= [`MAX_TOKENS`].
    Seq,
    /// LoRA rank, 1 ..= [`MAX_RANK`] (LoRA and QLoRA only).
    Rank,
}

impl Knob {
    fn range(self) -> (u64, u64) {
        match self {
            Knob::Batch => (1, MAX_BATCH),
            Knob::Seq => (1, MAX_TOKENS),
            Knob::Rank => (1, MAX_RANK),
        }
    }
    fn set(self, s: &mut Settings, v: u64) {
        match self {
            Knob::Batch => s.batch = v,
            Knob::Seq => s.seq = v,
            Knob::Rank => s.rank = v,
        }
    }
}

/// The largest value of `knob` whose predicted `total_bytes` ≤ `capacity` bytes, all else as in `settings`.
///
/// Returns `Ok(None)` when even the smallest value (1) does not fit, `Ok(Some(max))` otherwise (capped at the
/// knob's accepted maximum). A value whose estimate overflows counts as not fitting. Errors: any other
/// [`EstimateError`] of the estimate at the smallest value (e.g. LoRA targets that match nothing).
pub fn largest_fitting(
    arch: &Architecture,
    settings: &Settings,
    knob: Knob,
    capacity: Bytes,
) -> Result<Option<u64>, EstimateError> {
    let (lo_bound, hi_bound) = knob.range();
    let mut s = settings.clone();
    let mut fits = |v: u64| -> Result<bool, EstimateError> {
        knob.set(&mut s, v);
        match estimate(arch, &s) {
            Ok(e) => Ok(e.total_bytes <= capacity),
            Err(EstimateError::Overflow) => Ok(false),
            Err(e) => Err(e),
        }
    };
    if !fits(lo_bound)? {
        return Ok(None);
    }
    // Exponential search: `good` fits, `bad` does not (or is past the bound).
    let mut good = lo_bound;
    let mut bad = None;
    let mut probe = lo_bound.saturating_mul(2);
    while probe <= hi_bound {
        if fits(probe)? {
            good = probe;
            probe = probe.saturating_mul(2);
        } else {
            bad = Some(probe);
            break;
        }
    }
    let mut bad = match bad {
        Some(b) => b,
        None if fits(hi_bound)? => return Ok(Some(hi_bound)),
        None => hi_bound,
    };
    while bad - good > 1 {
        let mid = good + (bad - good) / 2;
        if fits(mid)? {
            good = mid;
        } else {
            bad = mid;
        }
    }
    Ok(Some(good))
}
