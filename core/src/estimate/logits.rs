//! Logits and the loss: the vocabulary-sized tensors, which dominate small models with large vocabularies.
//!
//! transformers 5.17 `LlamaForCausalLM.forward` returns `logits = lm_head(hidden)` (bf16 under bf16 weights or
//! autocast, fp32 when the head is fp32, e.g. after QLoRA's upcast), with gemma2's `final_logit_softcapping`
//! (`logits / cap`, `tanh`, `* cap`: tanh saves its bf16 output). `ForCausalLMLoss` upcasts with
//! `logits.float()` (a no-op when already fp32) and calls `cross_entropy` = `log_softmax` (saves its fp32 output)
//! + `nll_loss`. In backward, `nll_loss_backward` materialises a fp32 gradient of the log-probabilities and
//! `_log_softmax_backward_data` a fp32 gradient of the logits while the saved output is still alive: the step's
//! largest moment for small models is there, holding `out.logits` + 3 fp32 vocab-sized tensors.
//! `out` (holding `out.logits`) lives until the next step's forward returns.
//!
//! Inference: `generate` asks for the last position only (`logits_to_keep=1`) and copies it to fp32.

use super::run::{add, mul, prod, Run};
use super::EstimateError;

/// Vocabulary-sized bytes in training.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Logits {
    /// `out.logits` as the model returns them (tokens × vocab × logits dtype).
    pub out: u64,
    /// Everything vocabulary-sized alive at `_log_softmax_backward_data`: out.logits, the softcap's tanh output,
    /// the fp32 log-probabilities, their gradient and the logits' fp32 gradient.
    pub loss_moment: u64,
    /// One fp32 tokens × vocab tensor (the largest single block of the step).
    pub fp32_block: u64,
}

/// Logits and loss tensors for `run.tokens` tokens.
pub(crate) fn training(run: &Run) -> Result<Logits, EstimateError> {
    let tv = mul(run.tokens, run.arch.vocab_size)?;
    let out = mul(tv, run.ld)?;
    let softcap = if run.arch.final_logit_softcapping {
        out
    } else {
        0
    };
    let fp32_block = mul(tv, 4)?;
    Ok(Logits {
        out,
        loss_moment: add(add(out, softcap)?, mul(fp32_block, 3)?)?,
        fp32_block,
    })
}

/// Logits of one generation step: batch × vocab in the compute dtype plus the fp32 copy `generate` takes.
pub(crate) fn inference(run: &Run) -> Result<u64, EstimateError> {
    prod(&[run.s.batch, run.arch.vocab_size, run.c + 4])
}
