//! Dense llama-like decoders: llama, mistral, qwen2, qwen3, and the generic decoder for unknown families.
//!
//! Layer layout (transformers `modeling_llama.py` and its copies): `input_layernorm` (RMSNorm H),
//! `self_attn.{q,k,v,o}_proj`, `post_attention_layernorm` (RMSNorm H), `mlp.{gate,up,down}_proj`; outside the
//! layers `embed_tokens` `[V, H]`, `norm` (RMSNorm H) and `lm_head` `[H → V]` unless tied.

use super::common::{
    attention, gated_mlp, mixer_for, norm, outer, size_or_absent_default, skeleton, sliding_flags,
    window_if_used, AttnOpts, Base, Defaults,
};
use crate::arch::{Architecture, Component, Ffn, Layer};
use crate::config::{Cfg, ConfigError, MAX_CONTEXT, MAX_LAYERS};

/// `LlamaConfig` defaults: vocab 32000, hidden 4096, intermediate 11008, 32 layers, 32 heads, kv heads = heads,
/// head_dim = hidden / heads, max positions 2048, untied, silu; `attention_bias` and `mlp_bias` false.
pub(crate) const LLAMA: Defaults = Defaults {
    vocab_size: Some(32000),
    hidden_size: Some(4096),
    intermediate_size: Some(11008),
    num_hidden_layers: Some(32),
    num_attention_heads: Some(32),
    num_key_value_heads: None,
    head_dim: None,
    max_position_embeddings: Some(2048),
    tie_word_embeddings: false,
    hidden_act: "silu",
};

/// `MistralConfig` defaults: vocab 32000, hidden 4096, intermediate 14336, 32 layers, 32 heads, 8 kv heads,
/// head_dim = hidden / heads, max positions 4096 × 32, untied, silu, `sliding_window` 4096 when the key is absent
/// (an explicit `null` disables it); every layer slides when a window is set.
pub(crate) const MISTRAL: Defaults = Defaults {
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

/// `Qwen2Config` defaults: vocab 151936, hidden 4096, intermediate 22016, 32 layers, 32 heads, 32 kv heads,
/// max positions 32768, untied, silu; q/k/v carry a bias, o does not; `use_sliding_window` false,
/// `sliding_window` 4096, `max_window_layers` 28 (layers from that index on slide when enabled).
pub(crate) const QWEN2: Defaults = Defaults {
    vocab_size: Some(151936),
    hidden_size: Some(4096),
    intermediate_size: Some(22016),
    num_hidden_layers: Some(32),
    num_attention_heads: Some(32),
    num_key_value_heads: Some(32),
    head_dim: None,
    max_position_embeddings: Some(32768),
    tie_word_embeddings: false,
    hidden_act: "silu",
};

/// `Qwen3Config` defaults: as Qwen2 but `head_dim` 128, `attention_bias` false (on q/k/v/o), and per-head
/// RMSNorms `q_norm`/`k_norm` of width head_dim.
pub(crate) const QWEN3: Defaults = Defaults { head_dim: Some(128), ..QWEN2 };

/// Build llama, mistral, qwen2 or qwen3 (`model_type`).
pub fn build(model_type: &str, c: &Cfg) -> Result<Architecture, ConfigError> {
    let d = match model_type {
        "mistral" => MISTRAL,
        "qwen2" => QWEN2,
        "qwen3" => QWEN3,
        _ => LLAMA,
    };
    let b = Base::read(c, &d)?;
    let attn_bias = c.bool_or("attention_bias", false)?;
    let opts = match model_type {
        "qwen2" => AttnOpts { qkv_bias: true, ..Default::default() },
        "qwen3" => AttnOpts { qkv_bias: attn_bias, o_bias: attn_bias, qk_norm_per_head: true, ..Default::default() },
        "mistral" => AttnOpts::default(),
        _ => AttnOpts { qkv_bias: attn_bias, o_bias: attn_bias, ..Default::default() },
    };
    let (flags, window) = sliding(model_type, c, b.layers)?;
    llama_like(model_type, false, c, &b, opts, c.bool_or("mlp_bias", false)?, &flags, window)
}

/// Which layers slide, and the window, per family:
/// mistral: every layer when `sliding_window` is set (default 4096 when absent);
/// qwen2/qwen3: layers `i ≥ max_window_layers` (default 28) when `use_sliding_window` (default false);
/// others: `layer_types` if given, else none. `layer_types`, when present, always wins.
fn sliding(model_type: &str, c: &Cfg, layers: u64) -> Result<(Vec<bool>, Option<u64>), ConfigError> {
    let (window, fallback): (Option<u64>, Box<dyn Fn(u64) -> bool>) = match model_type {
        "mistral" => {
            let w = size_or_absent_default(c, "sliding_window", MAX_CONTEXT, Some(4096))?;
            (w, Box::new(move |_| w.is_some()))
        }
        "qwen2" | "qwen3" => {
            let on = c.bool_or("use_sliding_window", false)?;
            let w = if on { size_or_absent_default(c, "sliding_window", MAX_CONTEXT, Some(4096))? } else { None };
            let from = c.count_or("max_window_layers", MAX_LAYERS, 28)?;
            (w, Box::new(move |i| w.is_some() && i >= from))
        }
        _ => (c.size("sliding_window", MAX_CONTEXT)?, Box::new(|_| false)),
    };
    let flags = sliding_flags(c, layers, fallback)?;
    Ok((flags, window))
}

/// The llama layout with the given attention options and MLP bias; every layer the same except for its mixer.
#[allow(clippy::too_many_arguments)]
pub(crate) fn llama_like(
    model_type: &str,
    approximate: bool,
    c: &Cfg,
    b: &Base,
    opts: AttnOpts,
    mlp_bias: bool,
    flags: &[bool],
    window: Option<u64>,
) -> Result<Architecture, ConfigError> {
    if b.intermediate == 0 {
        return Err(ConfigError::MissingField("intermediate_size".into()));
    }
    let mut a = skeleton(model_type, approximate, b, c)?;
    a.outer_modules = outer(b, "norm", false, false)?;
    let mut modules = vec![norm("input_layernorm", b.hidden, false)?];
    modules.extend(attention(b, opts)?);
    modules.push(norm("post_attention_layernorm", b.hidden, false)?);
    modules.extend(gated_mlp(Component::Mlp, b.hidden, b.intermediate, mlp_bias)?);
    let ffn = Ffn::Dense { intermediate: b.intermediate, gated: true };
    a.layers = flags
        .iter()
        .map(|s| Layer { mixer: mixer_for(b, *s, window), ffn: ffn.clone(), modules: modules.clone() })
        .collect();
    a.sliding_window = window_if_used(flags, window);
    Ok(a)
}

/// A model type ftmem does not know: a llama-like decoder (gated MLP, RMSNorms, no biases unless
/// `attention_bias`/`mlp_bias`) from the common fields, marked `approximate`. Every common field is required
/// (aliases accepted); the error names the first one missing.
pub fn generic(model_type: &str, c: &Cfg) -> Result<Architecture, ConfigError> {
    let b = Base::read(c, &Defaults::NONE)?;
    let bias = c.bool_or("attention_bias", false)?;
    let opts = AttnOpts { qkv_bias: bias, o_bias: bias, ..Default::default() };
    let window = c.size("sliding_window", MAX_CONTEXT)?;
    let flags = sliding_flags(c, b.layers, |_| false)?;
    let name = if model_type.is_empty() { "unknown" } else { model_type };
    llama_like(name, true, c, &b, opts, c.bool_or("mlp_bias", false)?, &flags, window)
}
