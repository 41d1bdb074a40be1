//! The dtypes and flags of one run, derived once from the [`Settings`] and the [`Architecture`]: what the
//! weights are held in, what the activations and the residual stream are computed in, which modules carry LoRA
//! adapters. Every other module of the estimate reads these instead of re-deriving them.
//!
//! Sources (transformers 5.17, peft 0.21, bitsandbytes 0.50, torch 2.11):
//! - `precision=mixed`: fp32 parameters, forward under `torch.autocast(bfloat16)`: every `F.linear` casts its
//!   input to bf16 separately (only leaf weights are cached by autocast, `autocast_mode.cpp::cached_cast`), the
//!   residual stream and the RMSNorms stay fp32.
//! - QLoRA: `prepare_model_for_kbit_training` upcasts every non-`Params4bit` parameter (embeddings, norms,
//!   lm_head) to fp32, so the embedding output and the whole residual stream are fp32; bitsandbytes'
//!   `Linear4bit.forward` computes in `compute_dtype` (bf16) and casts its output back to the input dtype (fp32).
//!   Attention and MLP activations are therefore fp32.
//! - LoRA adapters: `get_peft_model(..., autocast_adapter_dtype=True)` keeps adapter weights in fp32;
//!   `lora.Linear.forward` casts the layer input to the adapter dtype (`_cast_input_dtype`) before `lora_A`.

use super::EstimateError;
use crate::arch::{Architecture, Module};
use crate::settings::{AttnImpl, Mode, Precision, Settings};

/// Per-run dtypes (bytes per element) and flags.
#[derive(Debug, Clone)]
pub(crate) struct Run<'a> {
    pub arch: &'a Architecture,
    pub s: &'a Settings,
    pub mode: Mode,
    pub precision: Precision,
    /// Micro-batch × sequence length (training) or micro-batch × prompt length (inference prefill), tokens.
    pub tokens: u64,
    /// Bytes per base parameter as held on the GPU (non-quantized modules; QLoRA: 4 after the fp32 upcast).
    pub w: u64,
    /// Bytes per element of matmul outputs / attention / MLP activations.
    pub c: u64,
    /// Bytes per element of the residual stream (norm inputs and outputs).
    pub r: u64,
    /// Bytes per element of the logits as `lm_head` returns them (`out.logits`).
    pub ld: u64,
    /// Forward under bf16 autocast (precision=mixed): each linear casts its input separately.
    pub autocast: bool,
    /// Base weights are trainable (full fine-tuning).
    pub train_base: bool,
    /// Attention runs eager (materialised scores) rather than SDPA.
    pub eager: bool,
    /// LoRA dropout > 0 (peft uses `nn.Identity` when it is 0).
    pub dropout: bool,
    /// Leaf names of the decoder-layer modules LoRA adapts ([`crate::lora::targeted_modules`]).
    pub adapted_names: Vec<&'a str>,
}

impl<'a> Run<'a> {
    /// Derive the run. Errors: micro-batch × sequence length overflowing.
    pub fn new(arch: &'a Architecture, s: &'a Settings) -> Result<Run<'a>, EstimateError> {
        let precision = s.effective_precision(arch.quantization.is_some());
        let mode = s.mode;
        let tokens = s.batch.checked_mul(s.seq).ok_or(EstimateError::Overflow)?;
        let (w, c, r, ld, autocast) = match (mode, precision) {
            (Mode::Qlora, _) => (4, 4, 4, 4, false),
            (_, Precision::Fp32) => (4, 4, 4, 4, false),
            (Mode::Full, Precision::Mixed) => (4, 2, 4, 2, true),
            _ => (2, 2, 2, 2, false),
        };
        let eager = match s.attn {
            AttnImpl::Eager => true,
            AttnImpl::Sdpa => false,
            AttnImpl::Auto => arch.prefers_eager_attention,
        };
        let mut adapted_names: Vec<&'a str> = Vec::new();
        if mode.has_adapters() {
            for a in crate::lora::targeted_modules(arch, &s.targets) {
                if a.layer.is_some() && !adapted_names.contains(&a.module.name.as_str()) {
                    adapted_names.push(a.module.name.as_str());
                }
            }
        }
        Ok(Run {
            arch,
            s,
            mode,
            precision,
            tokens,
            w,
            c,
            r,
            ld,
            autocast,
            train_base: mode == Mode::Full,
            eager,
            dropout: mode.has_adapters() && s.dropout > 0.0,
            adapted_names,
        })
    }

    /// Whether LoRA adapts this decoder-layer module (PEFT 0.21 `target_modules` semantics as
    /// [`crate::lora::targeted_modules`] resolves them; the decision depends on the leaf name only).
    pub fn adapted(&self, m: &Module) -> bool {
        !self.adapted_names.is_empty() && self.adapted_names.contains(&m.name.as_str())
    }
}

/// Checked `a × b`.
pub(crate) fn mul(a: u64, b: u64) -> Result<u64, EstimateError> {
    a.checked_mul(b).ok_or(EstimateError::Overflow)
}

/// Checked `a + b`.
pub(crate) fn add(a: u64, b: u64) -> Result<u64, EstimateError> {
    a.checked_add(b).ok_or(EstimateError::Overflow)
}

/// Checked product of several factors.
pub(crate) fn prod(f: &[u64]) -> Result<u64, EstimateError> {
    f.iter().try_fold(1u64, |acc, &x| mul(acc, x))
}
