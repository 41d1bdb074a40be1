//! Mixture-of-experts decoders: mixtral, gpt_oss.
//!
//! transformers 5 holds routed experts stacked: one 3-D `gate_up_proj` `[E, 2·I, H]` and one `down_proj`
//! `[E, H, I]` per layer ([`ModuleKind::StackedLinear`](crate::arch::ModuleKind::StackedLinear), `instances` = E,
//! `active_instances` = top-k).

use super::common::{
    attention, experts_and_topk, linear, mixer_for, norm, other, outer, size_or_absent_default, skeleton,
    sliding_flags, stacked, stacked_experts, window_if_used, AttnOpts, Base, Defaults,
};
use crate::arch::{Architecture, Component, Ffn, Layer};
use crate::config::{Cfg, ConfigError, MAX_CONTEXT};

/// `MixtralConfig` defaults: vocab 32000, hidden 4096, intermediate 14336 (per expert), 32 layers, 32 heads,
/// 8 kv heads, max positions 4096 × 32, untied, silu, `sliding_window` null, `num_local_experts` 8,
/// `num_experts_per_tok` 2.
pub(crate) const MIXTRAL: Defaults = Defaults {
    vocab_size: Some(32000),
    hidden_size: Some(4096),
    intermediate_size: Some(14336),
    num_hidden_layers: Some(32),
    num_attention_heads: Some(32),
    num_key_value_heads: Some(8),
    head_dim: None,
    max_position_embeddings: Some(4096 * 32),
    tie_word_embeddings: false,
    hidden_act: "silu",
};

/// Mixtral: llama attention without biases; per layer a router `gate` (`nn.Linear(H, E)`, no bias) and E
/// stacked SwiGLU experts of width `intermediate_size`.
pub fn mixtral(c: &Cfg) -> Result<Architecture, ConfigError> {
    let b = Base::read(c, &MIXTRAL)?;
    let (e, k) = experts_and_topk(c, &["num_local_experts"], &["num_experts_per_tok"], Some(8), Some(2))?;
    let window = size_or_absent_default(c, "sliding_window", MAX_CONTEXT, None)?;
    let flags = sliding_flags(c, b.layers, |_| window.is_some())?;
    let mut a = skeleton("mixtral", false, &b, c)?;
    a.outer_modules = outer(&b, "norm", false, false)?;
    let mut modules = vec![norm("input_layernorm", b.hidden, false)?];
    modules.extend(attention(&b, AttnOpts::default())?);
    modules.push(norm("post_attention_layernorm", b.hidden, false)?);
    modules.push(linear("gate", Component::Router, b.hidden, e, false)?);
    modules.extend(stacked_experts(b.hidden, b.intermediate, e, k, false)?);
    let ffn = Ffn::Moe { experts: e, top_k: k, expert_intermediate: b.intermediate, shared_intermediate: 0, gated: true };
    a.layers = flags
        .iter()
        .map(|s| Layer { mixer: mixer_for(&b, *s, window), ffn: ffn.clone(), modules: modules.clone() })
        .collect();
    a.sliding_window = window_if_used(&flags, window);
    a.num_experts = Some(e);
    a.experts_per_token = Some(k);
    Ok(a)
}

/// `GptOssConfig` defaults: vocab 201088, hidden 2880, intermediate 2880 (per expert), 36 layers, 64 heads,
/// 8 kv heads, head_dim 64, max positions 131072, untied, `sliding_window` 128, 128 local experts, 4 per token,
/// `attention_bias` true, layers alternate sliding (even index) and full.
pub(crate) const GPT_OSS: Defaults = Defaults {
    vocab_size: Some(201088),
    hidden_size: Some(2880),
    intermediate_size: Some(2880),
    num_hidden_layers: Some(36),
    num_attention_heads: Some(64),
    num_key_value_heads: Some(8),
    head_dim: Some(64),
    max_position_embeddings: Some(131072),
    tie_word_embeddings: false,
    hidden_act: "silu",
};

/// gpt-oss (`modeling_gpt_oss.py`): q/k/v/o with bias (`attention_bias`), learned `sinks` (one per head);
/// `router` = `GptOssTopKRouter` holding `weight` `[E, H]` and `bias` `[E]` as plain parameters (not an
/// `nn.Linear`); experts = stacked `gate_up_proj` `[E, H, 2·I]` + `gate_up_proj_bias` `[E, 2·I]` and `down_proj`
/// `[E, I, H]` + `down_proj_bias` `[E, H]`. transformers defaults gpt-oss to eager attention (sinks).
pub fn gpt_oss(c: &Cfg) -> Result<Architecture, ConfigError> {
    let b = Base::read(c, &GPT_OSS)?;
    let (e, k) = experts_and_topk(
        c,
        &["num_local_experts"],
        &["num_experts_per_tok", "experts_per_token"],
        Some(128),
        Some(4),
    )?;
    let window = size_or_absent_default(c, "sliding_window", MAX_CONTEXT, Some(128))?;
    let flags = sliding_flags(c, b.layers, |i| (i + 1) % 2 == 1)?;
    let bias = c.bool_or("attention_bias", true)?;
    let mut a = skeleton("gpt_oss", false, &b, c)?;
    a.outer_modules = outer(&b, "norm", false, false)?;
    let mut modules = vec![norm("input_layernorm", b.hidden, false)?];
    modules.extend(attention(&b, AttnOpts { qkv_bias: bias, o_bias: bias, sinks: true, ..Default::default() })?);
    modules.push(norm("post_attention_layernorm", b.hidden, false)?);
    let router = super::common::mul(e, b.hidden + 1, "num_local_experts")?;
    modules.push(other("router", Component::Router, router));
    let x = Component::Experts;
    let two_i = super::common::mul(b.intermediate, 2, "intermediate_size")?;
    modules.push(stacked("gate_up_proj", x, b.hidden, two_i, true, e, k)?);
    modules.push(stacked("down_proj", x, b.intermediate, b.hidden, true, e, k)?);
    let ffn = Ffn::Moe { experts: e, top_k: k, expert_intermediate: b.intermediate, shared_intermediate: 0, gated: true };
    a.layers = flags
        .iter()
        .map(|s| Layer { mixer: mixer_for(&b, *s, window), ffn: ffn.clone(), modules: modules.clone() })
        .collect();
    a.sliding_window = window_if_used(&flags, window);
    a.num_experts = Some(e);
    a.experts_per_token = Some(k);
    a.prefers_eager_attention = true;
    Ok(a)
}
