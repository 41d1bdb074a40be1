//! "What fits": the largest micro-batch, the longest sequence and the largest LoRA rank whose predicted peak
//! ([`crate::estimate()`]'s `total_bytes`) stays within a GPU's memory, every other setting fixed (issue 7 §3).
//!
//! The estimate is monotone non-decreasing in each of these settings (a property test checks it) except in one
//! regime, `Trainer` full fine-tuning with gradient checkpointing, where the allocator's slack drops once the
//! checkpoints outgrow the gradient-sized holes of the loss segments (`allocator::polluted_loss_segment`), so the
//! boundary is found by an exponential search for an upper bound followed by a binary search, and searched again
//! upward from the current value when that one fits but the first search ended below it: O(log n)
//! estimates, about 50 at most per setting. [`fewest_gpus`] finds, for each sharding strategy, the fewest GPUs
//! of the kind that fit (the per-GPU estimate is non-increasing in the GPU count under ZeRO/FSDP), and
//! [`fit_report`] gathers all of it.

use crate::arch::Architecture;
use crate::estimate::{estimate, EstimateError};
use crate::settings::{Offload, Settings, Shard, MAX_BATCH, MAX_RANK, MAX_TOKENS};
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
    fn get(self, s: &Settings) -> u64 {
        match self {
            Knob::Batch => s.batch,
            Knob::Seq => s.seq,
            Knob::Rank => s.rank,
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
/// knob's accepted maximum; the LoRA rank also at `hidden_size`). A value whose estimate overflows counts as not fitting. Errors: any other
/// [`EstimateError`] of the estimate at the smallest value (e.g. LoRA targets that match nothing).
pub fn largest_fitting(
    arch: &Architecture,
    settings: &Settings,
    knob: Knob,
    capacity: Bytes,
) -> Result<Option<u64>, EstimateError> {
    let (lo_bound, hi_bound) = knob.range();
    // LoRA: a rank above the layer width adds nothing — ΔW = BA has rank ≤ min(in, out) ≤ hidden_size for the
    // decoder's projections (Hu et al. 2021, arXiv 2106.09685, §4) — so what fits is searched up to hidden_size.
    let hi_bound = match knob {
        Knob::Rank => hi_bound.min(arch.hidden_size.max(1)),
        _ => hi_bound,
    };
    let current = knob.get(settings);
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
    let first = search_up(&mut fits, lo_bound, hi_bound)?;
    if current > first && current <= hi_bound && fits(current)? {
        return Ok(Some(search_up(&mut fits, current, hi_bound)?));
    }
    Ok(Some(first))
}

/// Exponential then binary search for the last fitting value above `from` (which fits), up to `hi_bound`.
fn search_up(
    fits: &mut impl FnMut(u64) -> Result<bool, EstimateError>,
    from: u64,
    hi_bound: u64,
) -> Result<u64, EstimateError> {
    let lo_bound = from;
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
        None if fits(hi_bound)? => return Ok(hi_bound),
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
    Ok(good)
}

/// Largest number of GPUs [`fewest_gpus`] searches.
pub const MAX_GPUS_SEARCHED: u64 = 1024;

/// The fewest GPUs of one kind (`capacity` bytes each) on which `settings` fit with `shard`, searching
/// 1 ..= [`MAX_GPUS_SEARCHED`], every other setting (micro-batch per GPU included) fixed.
///
/// The offload of `settings` is kept when `shard` accepts it, else none. DDP replicates every state, so more GPUs
/// never lower its per-GPU figure (they add the gradient buckets): it fits on 1 or not at all. For the ZeRO
/// stages and FSDP the per-GPU estimate is non-increasing in the number of GPUs (a property test checks it), so a
/// binary search finds the exact boundary. `Ok(None)`: no count up to the limit fits. Errors: as
/// [`crate::estimate()`] at one GPU, other than overflow.
pub fn fewest_gpus(
    arch: &Architecture,
    settings: &Settings,
    shard: Shard,
    capacity: Bytes,
) -> Result<Option<u64>, EstimateError> {
    let mut s = settings.clone();
    s.shard = shard;
    if s.check_sharding().is_err() {
        s.offload = Offload::None;
        if s.check_sharding().is_err() {
            return Ok(None);
        }
    }
    let mut fits = |n: u64| -> Result<bool, EstimateError> {
        s.gpus = n;
        match estimate(arch, &s) {
            Ok(e) => Ok(e.total_bytes <= capacity),
            Err(EstimateError::Overflow) => Ok(false),
            Err(e) => Err(e),
        }
    };
    if fits(1)? {
        return Ok(Some(1));
    }
    if shard == Shard::Ddp || !fits(MAX_GPUS_SEARCHED)? {
        return Ok(None);
    }
    let (mut bad, mut good) = (1u64, MAX_GPUS_SEARCHED);
    while good - bad > 1 {
        let mid = bad + (good - bad) / 2;
        if fits(mid)? {
            good = mid;
        } else {
            bad = mid;
        }
    }
    Ok(Some(good))
}

/// Fewest GPUs with one sharding strategy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GpuCount {
    /// The strategy.
    pub shard: Shard,
    /// The offload used with it (the query's when the strategy accepts it, else none).
    pub offload: Offload,
    /// Fewest GPUs that fit, or `None` (JSON `null`) when none up to [`MAX_GPUS_SEARCHED`] does.
    pub gpus: Option<u64>,
}

/// Everything "what fits" answers for one GPU kind (issue 7 §3). JSON (serde):
/// `{capacity_bytes, total_bytes, fits, largest_batch, longest_seq, largest_rank, fewest_gpus: [{shard,
/// offload, gpus}]}`; `null` where nothing fits or (rank) the mode has no LoRA.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FitReport {
    /// Capacity of one GPU, bytes.
    pub capacity_bytes: Bytes,
    /// Per-GPU estimate of the settings as given.
    pub total_bytes: Bytes,
    /// Whether the settings as given fit.
    pub fits: bool,
    /// Largest micro-batch per GPU that fits, all else fixed.
    pub largest_batch: Option<u64>,
    /// Longest sequence (prompt for inference) that fits, all else fixed.
    pub longest_seq: Option<u64>,
    /// Largest LoRA rank that fits (LoRA/QLoRA only; `None` otherwise or when rank 1 does not fit).
    pub largest_rank: Option<u64>,
    /// For training: the fewest GPUs with each strategy (DDP, ZeRO-1/2/3, FSDP); empty for inference.
    pub fewest_gpus: Vec<GpuCount>,
}

/// Gather every "what fits" answer for `settings` on GPUs of `capacity` bytes. Errors: as
/// [`crate::estimate()`] for the settings as given (e.g. LoRA targets matching nothing, overflow).
pub fn fit_report(
    arch: &Architecture,
    settings: &Settings,
    capacity: Bytes,
) -> Result<FitReport, EstimateError> {
    let total = estimate(arch, settings)?.total_bytes;
    let largest_rank = if settings.mode.has_adapters() {
        largest_fitting(arch, settings, Knob::Rank, capacity)?
    } else {
        None
    };
    let mut fewest = Vec::new();
    if settings.mode.trains() {
        for shard in Shard::ALL {
            let mut s = settings.clone();
            s.shard = shard;
            if s.check_sharding().is_err() {
                s.offload = Offload::None;
            }
            fewest.push(GpuCount {
                shard,
                offload: s.offload,
                gpus: fewest_gpus(arch, &s, shard, capacity)?,
            });
        }
    }
    Ok(FitReport {
        capacity_bytes: capacity,
        total_bytes: total,
        fits: total <= capacity,
        largest_batch: largest_fitting(arch, settings, Knob::Batch, capacity)?,
        longest_seq: largest_fitting(arch, settings, Knob::Seq, capacity)?,
        largest_rank,
        fewest_gpus: fewest,
    })
}
