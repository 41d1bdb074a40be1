//! Gradients of the trainable parameters and the optimizer's states.
//!
//! Sources:
//! - Gradients have the parameter's dtype (`AccumulateGrad`); `zero_grad(set_to_none=True)` frees them after the
//!   step, so they exist from their layer's backward to the end of the optimizer step.
//! - torch `AdamW` (fused): `exp_avg` and `exp_avg_sq`, `torch.zeros_like(param)` each, created in
//!   `_init_group` on the first `step()` — so the first step's forward/backward has no states.
//! - bitsandbytes `AdamW8bit` (`Optimizer8bit.init_state`, `min_8bit_size` 4096): tensors with ≥ 4096 elements
//!   get two uint8 states plus one fp32 absmax per block of 256 for each; smaller tensors get two fp32 states.
//! - torch `SGD`: no state; with momentum one `momentum_buffer` (`clone(grad)`) in the parameter's dtype.
//! - transformers 5.17 `Trainer.create_optimizer` (TRL's `SFTTrainer` inherits it): with `adamw_bnb_8bit` every
//!   `nn.Embedding` weight is registered with bitsandbytes' `GlobalOptimManager` as
//!   `{"optim_bits": 32}`, i.e. two fp32 states (8 bytes per parameter) instead of 8-bit ones. The plain loop's
//!   `bnb.optim.AdamW8bit(params)` has no such override.

use super::resident::Resident;
use super::run::{add, mul, Run};
use super::EstimateError;
use crate::arch::{Component, Module, ModuleKind};
use crate::settings::Optim;

/// Bytes of gradients and optimizer states.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Trainable {
    /// Trainable parameters (elements).
    pub params: u64,
    /// Gradient bytes once every gradient exists.
    pub gradients: u64,
    /// Optimizer-state bytes (after the first step).
    pub states: u64,
}

/// Optimizer bytes of one trainable tensor of `n` elements held in `bytes` per element.
fn state_bytes(optim: Optim, n: u64, bytes: u64) -> Result<u64, EstimateError> {
    Ok(match optim {
        Optim::Adamw => mul(mul(n, bytes)?, 2)?,
        Optim::Sgd => 0,
        Optim::Sgdm => mul(n, bytes)?,
        Optim::Adamw8bit => {
            if n >= 4096 {
                mul(add(n, mul(n.div_ceil(256), 4)?)?, 2)?
            } else {
                mul(n, 8)?
            }
        }
    })
}

/// The trainable tensors of a module as (elements, count of such tensors).
fn tensors(m: &Module) -> [(u64, u64); 2] {
    match m.kind {
        ModuleKind::Linear(s) | ModuleKind::StackedLinear(s) => [
            (s.in_features.saturating_mul(s.out_features), m.instances),
            (if s.bias { s.out_features } else { 0 }, m.instances),
        ],
        ModuleKind::Other => [(m.params.0, m.instances), (0, 0)],
    }
}

/// Gradients and optimizer states for the run (zero for inference).
pub(crate) fn trainable(run: &Run, res: &Resident) -> Result<Trainable, EstimateError> {
    let mut t = Trainable::default();
    if !run.mode.trains() {
        return Ok(t);
    }
    let optim = run.s.optim;
    if run.train_base {
        // Outer modules once, each distinct layer's modules weighted by the layer's count ([`Run::layers`]).
        // A multimodal wrapper's towers are trainable (`requires_grad`) but not called in a text-only run: no
        // gradient is ever formed for them, so torch's optimizers create no state for them either.
        let outer = run
            .arch
            .outer_modules
            .iter()
            .filter(|m| !m.component.is_tower())
            .map(|m| (m, 1));
        let inner = run
            .layers
            .iter()
            .flat_map(|&(l, count)| l.modules.iter().map(move |m| (m, count)));
        let embeddings_in_fp32 =
            optim == Optim::Adamw8bit && run.s.stack != crate::settings::Stack::Loop;
        for (m, count) in outer.chain(inner) {
            for (n, k) in tensors(m) {
                if n == 0 || k == 0 {
                    continue;
                }
                t.params = add(t.params, mul(mul(n, k)?, count)?)?;
                let per = if embeddings_in_fp32 && m.component == Component::Embeddings {
                    mul(n, 8)?
                } else {
                    state_bytes(optim, n, run.w)?
                };
                t.states = add(t.states, mul(mul(per, k)?, count)?)?;
            }
        }
        t.gradients = mul(t.params, run.w)?;
    } else {
        // LoRA: fp32 adapters, bf16 in TRL's QLoRA (lora_A and lora_B tensors of thousands of elements or more
        // each).
        t.params = res.adapter_params - res.idle_adapter_params;
        t.states = state_bytes(optim, t.params, run.a)?;
        t.gradients = mul(t.params, run.a)?;
    }
    Ok(t)
}
