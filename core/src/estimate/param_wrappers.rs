//! Memory of PEFT's `lora.ParamWrapper` (LoRA on `nn.Parameter`s, `LoraConfig(target_parameters=...)`), the way
//! transformers 5 models adapt stacked MoE experts, e.g. the gpt-oss cookbook's experts of layers 7, 15, 23.
//!
//! Sources (peft 0.21.0 `tuners/lora/layer.py`, transformers 5.17 `integrations/moe.py`, torch 2.11):
//! - `ParamWrapper.forward` runs the wrapped experts module inside `_activate_lora`: with one adapter on a 3-D
//!   parameter of a non-fp8 dtype it registers `_LoraFactorsProxy` as a parametrization, whose forward is
//!   `torch.baddbmm(W, lhs, rhs, alpha=scaling)` in W's dtype (autocast off), with `lhs`/`rhs` the adapter
//!   factors cast to that dtype. Under `parametrize.cached()` the experts' forward therefore reads one
//!   materialised `W' = W + scaling·lhs@rhs` of the full parameter's size (E·in·out elements, W's dtype) and no
//!   separate delta.
//! - transformers 5.17 runs the experts with `grouped_mm` by default (`get_correct_experts_implementation`),
//!   which saves both operands: `W'` stays alive for the backward (without gradient checkpointing until the
//!   layer's backward; with it, only inside the recomputed layer); `baddbmm` saves the two small factor casts.
//! - backward, reverse forward order (the autograd engine runs the highest sequence number first): `down_proj`'s
//!   grouped-mm backward forms the gradient of `W'_down` (E·in·out, W's dtype) while both `W'` are alive; the
//!   `baddbmm` that built `W'_down` (created after `gate_up_proj`'s matmul) runs next, turns it into the factor
//!   gradients and frees it, together with `W'_down`; then `gate_up_proj`'s the same way. So the largest moment
//!   of a wrapped layer is max over its parameters p of (Σ of `W'` of p and those before it + p's gradient).
//!
//! Measured (allocator history of `gpt-oss-20b/lora-r8-all+tp-cookbook-eager/b1s1024/trl`, H200, 2026-12-03):
//! at the peak, early in the backward of layer 23, three 1012.5 MiB and three 506.25 MiB `W'` created by
//! `_LoraFactorsProxy`/`get_cached_parametrization` from the forward, and one 506.25 MiB block from the
//! autograd engine (the gradient of `W'_down`); with checkpointing (`.../b4s2048/trl`) no `W'` is alive at the
//! peak, which is the attention backward of a recomputed layer.

use super::run::{add, mul, Run};
use super::EstimateError;

/// `ParamWrapper` bytes of the run, per wrapped layer and summed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Wrapped {
    /// Σ over wrapped layers of what the forward leaves saved for backward: each `W'` and its two factor casts
    /// (bytes). Alive at the loss without gradient checkpointing.
    pub saved_all: u64,
    /// The same, without the last wrapped layer (alive while that layer is back-propagated first).
    pub saved_before_last: u64,
    /// The largest wrapped layer's backward moment: its saved bytes plus the gradient of the `W'` being
    /// back-propagated (bytes).
    pub largest_backward: u64,
    /// [`Wrapped::largest_backward`] of the last wrapped layer (the first whose backward runs).
    pub last_backward: u64,
    /// [`Wrapped::largest_backward`] of decoder layer 0 when it is wrapped (the last backward), else 0.
    pub layer0_backward: u64,
}

/// The `ParamWrapper` bytes of `run` ([`Run::wrapped`], in layer order). `W'` is held in the stacked experts'
/// dtype as the run holds them (`run.w`: bf16, or fp32 after `prepare_model_for_kbit_training` / fp32 runs).
pub(crate) fn wrapped(run: &Run) -> Result<Wrapped, EstimateError> {
    let mut out = Wrapped::default();
    let wb = run.w;
    let mut i = 0;
    while i < run.wrapped.len() {
        let layer = run.wrapped[i].layer;
        let mut saved = 0u64;
        let mut before = 0u64;
        let mut peak = 0u64;
        // Module order within the layer (gate_up_proj before down_proj): the backward meets them reversed, so
        // parameter p's gradient meets the `W'` of p and of every parameter before it.
        let mut j = i;
        while j < run.wrapped.len() && run.wrapped[j].layer == layer {
            let w = &run.wrapped[j];
            let wp = mul(w.elements, wb)?;
            let factors = mul(mul(w.per_rank, run.s.rank)?, wb)?;
            before = add(before, add(wp, factors)?)?;
            peak = peak.max(add(before, wp)?);
            saved = add(saved, add(wp, factors)?)?;
            j += 1;
        }
        out.saved_before_last = out.saved_all;
        out.saved_all = add(out.saved_all, saved)?;
        out.largest_backward = out.largest_backward.max(peak);
        out.last_backward = peak;
        if layer == 0 {
            out.layer0_backward = peak;
        }
        i = j;
    }
    Ok(out)
}
