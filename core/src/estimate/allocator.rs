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
//! - on top of these, the remnants left in the activation segments ([`ACTIVATION_REMNANT_PERCENT`]), the split
//!   loss block under gradient checkpointing, the prefill's freed MLP intermediates
//!   ([`PREFILL_STRANDED_INTERMEDIATES`]), the decode's `torch.cat`-grown KV cache, and the model build's untied
//!   head; each read off PyTorch memory snapshots of the weak-spot runs (`tests/fixtures/truth/snapshots/`).
//!
//! With `expandable_segments:True` the measured slack shrinks by 0–30 % only (`peaks_h200_expandable.jsonl`),
//! consistent with blocks freed and re-split rather than with segment rounding.

use super::activations::math_sdpa;
use super::logits::Logits;
use super::run::{add, mul, prod, LossPath, Run};
use super::EstimateError;
use crate::arch::{Ffn, Mixer};

/// CUDA context and library workspaces outside PyTorch's pool, bytes: the median of
/// `cuda_context_bytes` (`device_used_end − reserved_end` of measure.py) over the 29 runs of
/// `peaks_h200.jsonl` (range 0.804–0.865 GB, torch 2.11 + CUDA 13 on an H200; 0.651 GB right after the first
/// allocation, cuBLAS/cuDNN handles and workspaces add the rest).
pub(crate) const CUDA_CONTEXT_BYTES: u64 = 833_421_312;

/// One cuBLAS workspace, bytes: 32 MiB, PyTorch 2.11's default on compute capability 9.x (Hopper, the H100 and
/// H200 the truth set was measured on): `CUBLAS_WORKSPACE_CONFIG` `:4096:8`, i.e. 8 chunks of 4096 KiB
/// (`aten/src/ATen/cuda/CublasHandlePool.cpp`, `getChosenWorkspaceSize`; Ampere and older default to
/// `:4096:2:16:8`, about 8 MiB). PyTorch takes it from its caching allocator, once per (handle, stream), so it
/// is allocated memory that is never freed. Measured: two 32 MiB blocks alive at every training peak of the
/// allocator histories of `bench/truth/` (created by the forward's first matmul and by the autograd engine's
/// first matmul in backward).
pub(crate) const CUBLAS_WORKSPACE_BYTES: u64 = 32 << 20;

/// cuBLAS workspace bytes of a run: the forward's thread, and for training also the autograd engine's device
/// thread, each keep one ([`CUBLAS_WORKSPACE_BYTES`]).
pub(crate) fn cublas_workspaces(training: bool) -> u64 {
    CUBLAS_WORKSPACE_BYTES * if training { 2 } else { 1 }
}

/// Largest score matrix of a layer, `batch × heads × q × k` elements, or 0 when no layer materialises one.
fn largest_scores(run: &Run, q: u64, k: u64) -> Result<u64, EstimateError> {
    let mut best = 0u64;
    for &(layer, _) in &run.layers {
        if let Mixer::FullAttention { heads, .. } | Mixer::SlidingAttention { heads, .. } =
            layer.mixer
        {
            if run.eager || math_sdpa(run, &layer.mixer) {
                best = best.max(prod(&[run.s.batch, heads, q, k])?);
            }
        }
    }
    Ok(best)
}

/// Share of the saved activations' bytes that the allocator holds free inside their segments at the peak:
/// 7 %. The saved tensors of one step are allocated in forward order into the segments freed by the previous
/// step's backward, whose blocks were split for other sizes (weight gradients, LoRA intermediates, optimizer
/// states), so each segment keeps a remnant no later request of the forward fits. Measured, not fitted: the
/// memory snapshot of `phi-3-mini/lora-r16-all/b2s1024` (torch 2.11, H200) shows 907 MiB free spread over 245
/// large activation segments (8–64 MiB each in 128 MiB segments) that hold about 12.7 GiB, i.e. 7 %.
const ACTIVATION_REMNANT_PERCENT: u64 = 7;

/// Fragments left inside the activation segments: [`ACTIVATION_REMNANT_PERCENT`] of `activations`.
fn activation_remnants(activations: u64) -> u64 {
    activations / 100 * ACTIVATION_REMNANT_PERCENT
}

/// Training slack: the stranded loss-path blocks plus the remnants in the activation segments.
///
/// - One fp32 logits block (module doc) plus, with materialised attention scores, one fp32 score block.
/// - With gradient checkpointing the forward allocates almost nothing besides the loss path, so in the next step
///   `out.logits` (tokens × vocab in the logits dtype) is best-fit into one of the freed fp32 loss blocks and
///   splits it: the fp32 copy that follows needs another fresh block, and the rest of the split one (the size of
///   `out.logits`) stays free. The snapshots of `qwen2.5-1.5b/full-bf16{,-sgdm}-gc/b2s2048` show the free space at
///   the peak inside the three 2374 MiB (= fp32 logits) segments: 2.25 and 3.9 GiB, i.e. 0.95 and 1.6 fp32
///   blocks, against 1 + ½ here.
/// - [`activation_remnants`] of the activations alive at the peak.
///
/// When the logits are already fp32 (QLoRA's upcast head) and gradient checkpointing is on, there is no
/// `logits.float()` copy to strand: the four vocabulary-sized blocks of the loss moment are reused exactly from
/// step to step, and the stranded blocks are the saved tensors of one recomputed layer (`layer_saved`, the
/// largest layer's, score matrix included) instead of the logits block.
///
/// When the peak *is* that recomputation (`at_recompute`), those saved tensors are in use, not stranded. What
/// stays free then is one fp32 score block (math SDPA or eager attention): the recomputation's smaller saved
/// tensors (q/k/v, MLP intermediates) are best-fit into the score blocks the previous layer's backward freed and
/// split one of them, so the backward's last score block needs a fresh segment. Measured (torch 2.11, H200):
/// `mistral-7b-v0.3/qlora-r32-att-gc` at b4s2048 / b4s1024 / b2s4096 reserve 2.44 / 0.98 / 5.14 GB above the
/// allocated peak against score blocks of 2.15 / 0.54 / 4.29 GB (snapshot of b4s2048: four score blocks
/// allocated at the peak).
pub(crate) fn training_slack(
    run: &Run,
    lg: &Logits,
    layer_saved: u64,
    activations: u64,
    at_recompute: bool,
) -> Result<u64, EstimateError> {
    let remnants = activation_remnants(activations);
    let seq = run.s.seq;
    let scores = mul(largest_scores(run, seq, seq)?, 4)?;
    // The trainers (out.logits dropped, or no logits at all): with gradient checkpointing the previous step's
    // recomputed-layer tensors stay stranded through the next forward and loss, as in the fp32-head case below;
    // `Trainer` also strands the `out.logits` block, freed when `compute_loss` returns and too small for the
    // fp32 loss tensors that follow (the allocator history of `qwen3-0.6b/lora-r16-all-gc/b4s1024/trainer`: its
    // segment free at the peak, beside the three fp32 blocks in use).
    let recomputed = if run.s.gc && !at_recompute {
        layer_saved
    } else {
        0
    };
    match run.loss {
        LossPath::Logits { keep_out: true } => {}
        LossPath::Logits { keep_out: false } => {
            let logits = if at_recompute { 0 } else { lg.logits_block };
            return [
                scores,
                remnants,
                recomputed,
                polluted_loss_segment(run, lg)?,
            ]
            .iter()
            .try_fold(logits, |a, &b| a.checked_add(b))
            .ok_or(EstimateError::Overflow);
        }
        LossPath::FusedHead | LossPath::LigerFlce => {
            return [scores, remnants]
                .iter()
                .try_fold(recomputed, |a, &b| a.checked_add(b))
                .ok_or(EstimateError::Overflow);
        }
    }
    if run.ld == 4 && run.s.gc {
        let stranded = if at_recompute { scores } else { layer_saved };
        return stranded
            .checked_add(remnants)
            .ok_or(EstimateError::Overflow);
    }
    let split = if run.s.gc { lg.logits_block } else { 0 };
    [scores, split, remnants]
        .iter()
        .try_fold(lg.fp32_block, |a, &b| a.checked_add(b))
        .ok_or(EstimateError::Overflow)
}

/// `Trainer`, full fine-tuning with gradient checkpointing: one more fp32 loss block (`tokens × vocab × 4`)
/// stranded when a layer's checkpoint fits into the hole a freed weight gradient leaves. The first step's weight
/// gradients are carved out of the three fp32 loss segments its loss backward freed; `zero_grad` frees them,
/// and the next forward's checkpoints (`tokens × hidden`, best fit) go into those gradient-sized holes whenever
/// they fit, so a loss segment holds a live checkpoint when the next loss needs it whole and a fresh segment is
/// taken. Measured (H200, torch 2.11): `qwen2.5-1.5b/full-bf16-gc/b2s2048/trainer` (12 MiB checkpoints, 26 MiB
/// MLP gradients) reserves 4.49 GB above its allocated peak, 1.8 fp32 blocks; `qwen3-0.6b/full-bf16-gc/b4s1024`
/// (8 MiB checkpoints, 6 MiB gradients) 1.43 GB, 0.6 of one.
fn polluted_loss_segment(run: &Run, lg: &Logits) -> Result<u64, EstimateError> {
    if !(run.train_base && run.s.gc) {
        return Ok(0);
    }
    let checkpoint = prod(&[run.tokens, run.arch.hidden_size, run.r])?;
    let largest_gradient = run
        .layers
        .iter()
        .flat_map(|&(l, _)| l.modules.iter())
        .filter_map(|m| match m.kind {
            crate::arch::ModuleKind::Linear(s) => {
                Some(s.in_features.saturating_mul(s.out_features))
            }
            _ => None,
        })
        .max()
        .unwrap_or(0)
        .saturating_mul(run.w);
    Ok(if checkpoint <= largest_gradient {
        lg.fp32_block
    } else {
        0
    })
}

/// MLP intermediates (`tokens × intermediate`) left free at the prefill's peak: 2. `LlamaMLP.forward` under
/// `no_grad` holds three at once (`act_fn(gate_proj(x))`, `up_proj(x)` and their product) and frees two of them
/// before `down_proj` returns; the next layers' KV-cache blocks are carved out of those freed blocks, so each
/// layer's MLP finds them split and takes fresh ones. The snapshot of `llama-3.1-8b/infer/b1p16384n64` shows at
/// the peak 832 MiB free in four 448 MiB (= one intermediate) segments: 1.9 intermediates.
const PREFILL_STRANDED_INTERMEDIATES: u64 = 2;

/// Inference slack, bytes above the allocated peak (`max(prefill_alloc, decode_alloc)`). The reserved peak is the
/// largest of:
/// - the prefill's allocation plus its stranded transients: one score matrix (eager) or
///   [`PREFILL_STRANDED_INTERMEDIATES`] MLP intermediates (SDPA), whichever is larger;
/// - the last decode step's allocation plus half the final KV cache (`kv_all`): `DynamicCache.update` grows each
///   layer's keys and values by `torch.cat`, allocating the `n + 1`-token tensor while the `n`-token one is
///   alive, so a freed block is always one token too small for the next request of its layer and only
///   coalescing with a neighbour frees it for reuse; about every other generation of the cache stays reserved;
/// - the model build: transformers' `from_config` on the GPU (how the measured runs build the model)
///   materialises a separate `lm_head` weight before tying it to the embedding, so a tied model reserves its
///   weights plus one `vocab × hidden` block (`llama-3.2-1b/infer/b1p2048n256`: 3.005 GB reserved by the end of
///   the build against 2.473 GB of weights + 0.525 GB head).
pub(crate) fn inference_slack(
    run: &Run,
    prefill_alloc: u64,
    decode_alloc: u64,
    kv_all: u64,
    weights: u64,
) -> Result<u64, EstimateError> {
    let p = run.s.seq;
    let scores = mul(largest_scores(run, p, p)?, run.c)?;
    let mut mlp = 0u64;
    for &(layer, _) in &run.layers {
        let width = match layer.ffn {
            Ffn::Dense { intermediate, .. } => intermediate,
            Ffn::Moe {
                expert_intermediate,
                top_k,
                shared_intermediate,
                ..
            } => expert_intermediate
                .saturating_mul(top_k)
                .max(shared_intermediate),
            Ffn::None => 0,
        };
        mlp = mlp.max(prod(&[run.tokens, width, run.c])?);
    }
    let prefill = add(
        prefill_alloc,
        scores.max(mul(mlp, PREFILL_STRANDED_INTERMEDIATES)?),
    )?;
    let decode = add(decode_alloc, kv_all / 2)?;
    let build = if run.arch.tie_word_embeddings {
        add(
            weights,
            prod(&[run.arch.vocab_size, run.arch.hidden_size, run.w])?,
        )?
    } else {
        0
    };
    let reserved = prefill.max(decode).max(build);
    Ok(reserved - prefill_alloc.max(decode_alloc))
}
