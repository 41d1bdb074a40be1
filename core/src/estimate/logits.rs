//! Logits and the loss: the vocabulary-sized tensors, which dominate small models with large vocabularies, and
//! how each stack avoids them ([`LossPath`]).
//!
//! **Full logits** (the loop, `Trainer`): transformers 5.17 `LlamaForCausalLM.forward` returns
//! `logits = lm_head(hidden)` (bf16 under bf16 weights or autocast, fp32 when the head is fp32 and no autocast
//! runs, i.e. the loop's QLoRA after the fp32 upcast), with gemma2's `final_logit_softcapping` (`logits / cap`,
//! `tanh`, `* cap`: tanh saves its output). `ForCausalLMLoss` upcasts with `logits.float()` (a no-op when already
//! fp32) and calls `cross_entropy` = `log_softmax` (saves its fp32 output) + `nll_loss`. In backward,
//! `nll_loss_backward` materialises a fp32 gradient of the log-probabilities and `_log_softmax_backward_data` a
//! fp32 gradient of the logits while the saved output is still alive: the loss moment holds 3 fp32
//! vocabulary-sized tensors, plus `out.logits` in the plain loop, whose `out` lives until the next step's forward
//! returns. `Trainer.compute_loss` returns the loss alone, so `out.logits` dies before backward (measured: 3 fp32
//! blocks at the peak of `qwen3-0.6b/lora-r16-all-gc/b4s1024/trainer`, `bench/truth/`). Under autocast an fp32
//! frozen head (QLoRA after the upcast) is cast to bf16 for its matmul and the copy is saved for its backward.
//!
//! **TRL's fused head** (TRL 1.16 `trainer/utils.py::add_fused_lm_head`, `kernels/chunked_logprob.py`): the
//! backbone's last hidden states at the `N = batch × (seq − 1)` positions with a label are copied
//! (`hidden_states[mask]`) and saved; the forward projects them in `[4096, 32768]` tiles (one buffer in the
//! compute dtype) folded into per-token online-logsumexp statistics (log-probability, entropy and top-1 for the
//! `mean_token_accuracy` metric: a few fp32 values per token, no vocabulary-sized tensor). The backward
//! recomputes each tile, turns it into the logits gradient in place and accumulates `grad_hidden` (fp32,
//! `N × hidden`) and, when the head trains, `grad_weight` (fp32, `vocab × hidden`) in fp32, casting each to the
//! input's dtype when it returns; a head weight of another dtype than the compute dtype is cast one
//! `32768 × hidden` chunk at a time.
//!
//! **Liger's fused linear cross-entropy** (liger-kernel 0.8.5 `ops/fused_linear_cross_entropy.py`, with
//! `Trainer(use_liger_kernel=True)`; TRL turns it off for its own head): the forward allocates
//! `grad_input = zeros_like(hidden)` (and `grad_weight = zeros_like(weight)` when the head trains), projects
//! `chunk = next_pow2(⌈N / ⌈vocab / hidden⌉⌉)` tokens at a time (a `chunk × vocab` logits block, about
//! `N × hidden` elements), computes loss and gradient in place and accumulates both gradients; they are saved
//! for backward, which only scales them.
//!
//! Inference: `generate` asks for the last position only (`logits_to_keep=1`) and copies it to fp32.

use super::run::{add, mul, prod, LossPath, Run};
use super::EstimateError;

/// TRL 1.16 `ChunkedLogProbFunction` tile: tokens per tile (`TOKEN_CHUNK_SIZE`).
const TRL_TOKEN_TILE: u64 = 4096;
/// TRL 1.16 `add_fused_lm_head`: vocabulary entries per tile (`_CHUNKED_LOGPROB_CHUNK_SIZE`).
const TRL_VOCAB_TILE: u64 = 32768;
/// fp32 per-token values TRL's fused head keeps (running max, sums, target logit, log-probability, entropy,
/// top-1 flags and their scattered copies): about 12 × 4 bytes per token.
const TRL_PER_TOKEN_BYTES: u64 = 48;

/// Vocabulary-sized bytes in training.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Logits {
    /// Bytes alive from the loss backward to the end of the step: `out.logits` in the plain loop, 0 otherwise.
    pub out: u64,
    /// Everything loss-related alive at the loss moment besides the activations.
    pub loss_moment: u64,
    /// One fp32 `tokens × vocab` tensor (the largest single block of a full-logits loss), 0 for the fused paths.
    pub fp32_block: u64,
    /// `out.logits` as the model returns them (tokens × vocab × logits dtype), 0 for the fused paths.
    pub logits_block: u64,
}

/// Logits and loss tensors for `run.tokens` tokens.
pub(crate) fn training(run: &Run) -> Result<Logits, EstimateError> {
    let (v, h) = (run.arch.vocab_size, run.arch.hidden_size);
    match run.loss {
        LossPath::Logits { keep_out } => {
            let tv = mul(run.tokens, v)?;
            let out = mul(tv, run.ld)?;
            let softcap = if run.arch.final_logit_softcapping {
                out
            } else {
                0
            };
            let fp32_block = mul(tv, 4)?;
            let head_copy = if run.amp && run.w == 4 {
                prod(&[v, h, 2])?
            } else {
                0
            };
            let kept = if keep_out { out } else { 0 };
            Ok(Logits {
                out: kept,
                loss_moment: add(add(add(kept, softcap)?, mul(fp32_block, 3)?)?, head_copy)?,
                fp32_block,
                logits_block: out,
            })
        }
        LossPath::FusedHead => {
            let n = run.tokens.saturating_sub(run.s.batch).max(1);
            let hd = run.r;
            let cd = if run.amp || run.autocast { 2 } else { hd };
            let saved = prod(&[n, h, hd])?;
            let grad_hidden = prod(&[n, h, 4])?;
            let grad_weight = if run.train_base { prod(&[v, h, 4])? } else { 0 };
            let rows = n.min(TRL_TOKEN_TILE);
            let cols = v.min(TRL_VOCAB_TILE);
            let mut tiles = prod(&[rows, cols, cd])?;
            if run.w != cd {
                tiles = add(tiles, prod(&[cols, h, cd])?)?;
            }
            if hd != cd {
                tiles = add(tiles, prod(&[rows, h, cd])?)?;
            }
            let mut returned = if hd != 4 { prod(&[n, h, hd])? } else { 0 };
            if grad_weight > 0 && run.w != 4 {
                returned = add(returned, prod(&[v, h, run.w])?)?;
            }
            let loss_moment = [
                grad_hidden,
                grad_weight,
                tiles.max(returned),
                mul(n, TRL_PER_TOKEN_BYTES)?,
            ]
            .iter()
            .try_fold(saved, |a, &b| add(a, b))?;
            Ok(Logits {
                loss_moment,
                ..Default::default()
            })
        }
        LossPath::LigerFlce => {
            let n = run.tokens;
            let grad_input = prod(&[n, h, run.r])?;
            let grad_weight = if run.train_base {
                prod(&[v, h, run.w])?
            } else {
                0
            };
            let inc = v.div_ceil(h.max(1)).max(1);
            let chunk = n.div_ceil(inc).next_power_of_two().min(n);
            let mut transient = prod(&[chunk, v, 2])?;
            if run.amp && run.w == 4 {
                // Autocast casts the fp32 head weight to bf16 for each chunk's matmul.
                transient = add(transient, prod(&[v, h, 2])?)?;
            }
            Ok(Logits {
                loss_moment: add(add(grad_input, grad_weight)?, add(transient, mul(n, 8)?)?)?,
                ..Default::default()
            })
        }
    }
}

/// Logits of one generation step: batch × vocab in the compute dtype plus the fp32 copy `generate` takes.
pub(crate) fn inference(run: &Run) -> Result<u64, EstimateError> {
    prod(&[run.s.batch, run.arch.vocab_size, run.c + 4])
}
