//! The KV cache of `model.generate` (transformers 5.17 `DynamicCache`): per layer, keys and values of every
//! cached token, `[batch, kv_heads, tokens, head_dim]` each, in the compute dtype. Layers with a sliding window
//! use `DynamicSlidingWindowLayer`, which keeps at most the window's last tokens. transformers' DeepSeek MLA
//! attention caches the decompressed per-head keys (`qk_nope + qk_rope`) and values (`v_head_dim`), not the
//! latent; serving engines that cache the latent (`kv_lora_rank + qk_rope_head_dim` per token) need less.
//! Linear-attention and Mamba layers keep a fixed-size state per sequence (fp32 for the SSM state).
//! Each decode step appends with `torch.cat`, so one layer's keys (or values) briefly exist twice.

use super::run::{add, mul, Run};
use super::EstimateError;
use crate::arch::Mixer;

/// Cache bytes after `tokens` tokens per sequence, and the largest single layer's keys (for the `cat` transient).
pub(crate) fn kv_bytes(run: &Run, tokens: u64) -> Result<(u64, u64), EstimateError> {
    let (b, c) = (run.s.batch, run.c);
    let mut total = 0u64;
    let mut largest = 0u64;
    for &(layer, count) in &run.layers {
        let per_layer = match layer.mixer {
            Mixer::FullAttention {
                kv_heads, head_dim, ..
            } => mul(mul(mul(2, kv_heads)?, head_dim)?, tokens)?,
            Mixer::SlidingAttention {
                kv_heads,
                head_dim,
                window,
                ..
            } => mul(mul(mul(2, kv_heads)?, head_dim)?, tokens.min(window))?,
            Mixer::Mla {
                heads,
                qk_nope_head_dim,
                qk_rope_head_dim,
                v_head_dim,
                ..
            } => {
                let w = add(add(qk_nope_head_dim, qk_rope_head_dim)?, v_head_dim)?;
                mul(mul(heads, w)?, tokens)?
            }
            Mixer::LinearAttention { state_elements, .. } | Mixer::Mamba { state_elements, .. } => {
                mul(state_elements, 2)?
            }
            Mixer::None => 0,
        };
        let bytes = mul(mul(per_layer, b)?, c)?;
        largest = largest.max(bytes / 2);
        total = add(total, mul(bytes, count)?)?;
    }
    Ok((total, largest))
}
