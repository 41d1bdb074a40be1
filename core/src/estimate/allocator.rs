//! The CUDA context and the caching allocator's slack: what `nvidia-smi` shows beyond PyTorch's allocated peak.
//!
//! PyTorch's CUDA caching allocator (`c10/cuda/CUDACachingAllocator.cpp`) never returns memory to the driver
//! during a run: a freed block stays reserved and is reused by best fit, split when larger than the request.
//! Requests above 1 MB come from the large pool; a segment is `cudaMalloc`ed at the request's size rounded to
//! 2 MB when no cached block fits. The slack at the peak is therefore made of large blocks that were freed
//! earlier in the step and cannot serve the peak's requests, because smaller requests have split them.
//!
//! The dominant such block, read off the measured runs (`tests/fixtures/truth/`) against the allocation order:
//! - training: one fp32 `tokens × vocab` block. `ForCausalLMLoss`'s `logits.float()` copy is freed right after
//!   `log_softmax` in the forward; in the next step the backward's bf16 `ToCopy` of the logits gradient and the
//!   layers' gradients are carved out of it, so the loss moment needs a fresh block of that size. In the 47
//!   training runs, slack / fp32-logits-block has median 1.2 (0.4–2.9 where logits dominate);
//! - eager attention (or the math SDPA backend) adds one fp32 `batch × heads × seq × seq` score block, freed and
//!   re-requested per layer in the same way;
//! - inference: the largest transient block of the prompt's forward (eager: one score matrix; SDPA: one MLP
//!   intermediate `tokens × intermediate`), freed per layer while the KV cache grows between them.
//!
//! With `expandable_segments:True` the measured slack shrinks by 0–30 % only (`peaks_h200_expandable.jsonl`),
//! consistent with blocks freed and re-split rather than with segment rounding.

use super::activations::math_sdpa;
use super::logits::Logits;
use super::run::{mul, prod, Run};
use super::EstimateError;
use crate::arch::{Ffn, Mixer};

/// CUDA context and library workspaces outside PyTorch's pool, bytes: the median of
/// `cuda_context_bytes` (`device_used_end − reserved_end` of measure.py) over the 29 runs of
/// `peaks_h200.jsonl` (range 0.804–0.865 GB, torch 2.11 + CUDA 13 on an H200; 0.651 GB right after the first
/// allocation, cuBLAS/cuDNN handles and workspaces add the rest).
pub(crate) const CUDA_CONTEXT_BYTES: u64 = 833_421_312;

/// Largest score matrix of a layer, `batch × heads × q × k` elements, or 0 when no layer materialises one.
fn largest_scores(run: &Run, q: u64, k: u64) -> Result<u64, EstimateError> {
    let mut best = 0u64;
    for layer in &run.arch.layers {
        if let Mixer::FullAttention { heads, .. } | Mixer::SlidingAttention { heads, .. } = layer.mixer {
            if run.eager || math_sdpa(run, &layer.mixer) {
                best = best.max(prod(&[run.s.batch, heads, q, k])?);
            }
        }
    }
    Ok(best)
}

/// Training slack: one fp32 logits block plus, with materialised attention scores, one fp32 score block.
/// When the logits are already fp32 (QLoRA's upcast head) and gradient checkpointing is on, there is no
/// `logits.float()` copy to strand: the four vocabulary-sized blocks of the loss moment are reused exactly from
/// step to step, and the stranded blocks are the saved tensors of one recomputed layer (`layer_saved`, the
/// largest layer's, score matrix included) instead of the logits block.
pub(crate) fn training_slack(run: &Run, lg: &Logits, layer_saved: u64) -> Result<u64, EstimateError> {
    if run.ld == 4 && run.s.gc {
        return Ok(layer_saved);
    }
    let seq = run.s.seq;
    let scores = mul(largest_scores(run, seq, seq)?, 4)?;
    lg.fp32_block.checked_add(scores).ok_or(EstimateError::Overflow)
}

/// Inference slack: the largest transient block of the prompt's forward.
pub(crate) fn inference_slack(run: &Run) -> Result<u64, EstimateError> {
    let p = run.s.seq;
    let scores = mul(largest_scores(run, p, p)?, run.c)?;
    let mut mlp = 0u64;
    for layer in &run.arch.layers {
        let width = match layer.ffn {
            Ffn::Dense { intermediate, .. } => intermediate,
            Ffn::Moe {
                expert_intermediate,
                top_k,
                shared_intermediate,
                ..
            } => expert_intermediate.saturating_mul(top_k).max(shared_intermediate),
            Ffn::None => 0,
        };
        mlp = mlp.max(prod(&[run.tokens, width, run.c])?);
    }
    Ok(scores.max(mlp))
}
