//! Dense llama-like decoders: llama, mistral, qwen2, qwen3, and the generic decoder for unknown families.
//!
//! Layer layout (transformers `modeling_llama.py` and its copies): `input_layernorm` (RMSNorm H),
//! `self_attn.{q,k,v,o}_proj`, `post_attention_layernorm` (RMSNorm H), `mlp.{gate,up,down}_proj`; outside the
//! layers `embed_tokens` `[V, H]`, `norm` (RMSNorm H) and `lm_head` `[H → V]` unless tied.

use super::common::{
    attention, gated_mlp, linear, mixer_for, norm, outer, size_or_absent_default, skeleton,
    sliding_flags, window_if_used, AttnOpts, Base, Defaults,
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
pub(crate) const QWEN3: Defaults = Defaults {
    head_dim: Some(128),
    ..QWEN2
};

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
        "qwen2" => AttnOpts {
            qkv_bias: true,
            ..Default::default()
        },
        "qwen3" => AttnOpts {
            qkv_bias: attn_bias,
            o_bias: attn_bias,
            qk_norm_per_head: true,
            ..Default::default()
        },
        "mistral" => AttnOpts::default(),
        _ => AttnOpts {
            qkv_bias: attn_bias,
            o_bias: attn_bias,
            ..Default::default()
        },
    };
    let (flags, window) = sliding(model_type, c, b.layers)?;
    llama_like(
        model_type,
        false,
        c,
        &b,
        opts,
        c.bool_or("mlp_bias", false)?,
        &flags,
        window,
    )
}

/// Which layers slide, and the window, per family:
/// mistral: every layer when `sliding_window` is set (default 4096 when absent);
/// qwen2/qwen3: layers `i ≥ max_window_layers` (default 28) when `use_sliding_window` (default false);
/// others: `layer_types` if given, else none. `layer_types`, when present, always wins.
fn sliding(
    model_type: &str,
    c: &Cfg,
    layers: u64,
) -> Result<(Vec<bool>, Option<u64>), ConfigError> {
    let (window, fallback): (Option<u64>, Box<dyn Fn(u64) -> bool>) = match model_type {
        "mistral" => {
            let w = size_or_absent_default(c, "sliding_window", MAX_CONTEXT, Some(4096))?;
            (w, Box::new(move |_| w.is_some()))
        }
        "qwen2" | "qwen3" => {
            let on = c.bool_or("use_sliding_window", false)?;
            let w = if on {
                size_or_absent_default(c, "sliding_window", MAX_CONTEXT, Some(4096))?
            } else {
                None
            };
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
    let l = Layout {
        opts,
        mlp_bias,
        norms: Norms::PrePost,
        fused_mlp: false,
    };
    llama_layout(model_type, approximate, c, b, l, flags, window)
}

/// Which RMSNorms a llama-like layer has (each of width hidden_size).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Norms {
    /// `input_layernorm`, `post_attention_layernorm` (llama).
    PrePost,
    /// Gemma-2/3 sandwich: `input_layernorm`, `post_attention_layernorm`, `pre_feedforward_layernorm`,
    /// `post_feedforward_layernorm`.
    Sandwich,
    /// OLMo-2 post-norms only: `post_attention_layernorm`, `post_feedforward_layernorm`.
    PostOnly,
}

/// The variable parts of a llama-like layer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Layout {
    /// Attention options.
    pub opts: AttnOpts,
    /// Bias on the MLP projections.
    pub mlp_bias: bool,
    /// Norm layout.
    pub norms: Norms,
    /// Phi-3 fused `gate_up_proj` `[H → 2·I]` instead of `gate_proj` + `up_proj`.
    pub fused_mlp: bool,
}

/// The llama layout with a [`Layout`]; every layer the same except for its mixer.
pub(crate) fn llama_layout(
    model_type: &str,
    approximate: bool,
    c: &Cfg,
    b: &Base,
    l: Layout,
    flags: &[bool],
    window: Option<u64>,
) -> Result<Architecture, ConfigError> {
    if b.intermediate == 0 {
        return Err(ConfigError::MissingField("intermediate_size".into()));
    }
    let mut a = skeleton(model_type, approximate, b, c)?;
    a.outer_modules = outer(b, "norm", false, false)?;
    let mut modules = Vec::new();
    if l.norms != Norms::PostOnly {
        modules.push(norm("input_layernorm", b.hidden, false)?);
    }
    modules.extend(attention(b, l.opts)?);
    modules.push(norm("post_attention_layernorm", b.hidden, false)?);
    if l.norms == Norms::Sandwich {
        modules.push(norm("pre_feedforward_layernorm", b.hidden, false)?);
    }
    if l.norms != Norms::PrePost {
        modules.push(norm("post_feedforward_layernorm", b.hidden, false)?);
    }
    if l.fused_mlp {
        let two_i = super::common::mul(b.intermediate, 2, "intermediate_size")?;
        modules.push(linear(
            "gate_up_proj",
            Component::Mlp,
            b.hidden,
            two_i,
            l.mlp_bias,
        )?);
        modules.push(linear(
            "down_proj",
            Component::Mlp,
            b.intermediate,
            b.hidden,
            l.mlp_bias,
        )?);
    } else {
        modules.extend(gated_mlp(
            Component::Mlp,
            b.hidden,
            b.intermediate,
            l.mlp_bias,
        )?);
    }
    let ffn = Ffn::Dense {
        intermediate: b.intermediate,
        gated: true,
    };
    a.layers = flags
        .iter()
        .map(|s| Layer {
            mixer: mixer_for(b, *s, window),
            ffn: ffn.clone(),
            modules: modules.clone(),
        })
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
    let opts = AttnOpts {
        qkv_bias: bias,
        o_bias: bias,
        ..Default::default()
    };
    let window = c.size("sliding_window", MAX_CONTEXT)?;
    let flags = sliding_flags(c, b.layers, |_| false)?;
    let name = if model_type.is_empty() {
        "unknown"
    } else {
        model_type
    };
    llama_like(
        name,
        true,
        c,
        &b,
        opts,
        c.bool_or("mlp_bias", false)?,
        &flags,
        window,
    )
}

/// `GemmaConfig` defaults: vocab 256000, hidden 3072, intermediate 24576, 28 layers, 16 heads, 16 kv heads,
/// head_dim 256, max positions 8192, tied, `gelu_pytorch_tanh`, `attention_bias` false.
pub(crate) const GEMMA: Defaults = Defaults {
    vocab_size: Some(256000),
    hidden_size: Some(3072),
    intermediate_size: Some(24576),
    num_hidden_layers: Some(28),
    num_attention_heads: Some(16),
    num_key_value_heads: Some(16),
    head_dim: Some(256),
    max_position_embeddings: Some(8192),
    tie_word_embeddings: true,
    hidden_act: "gelu_pytorch_tanh",
};

/// `Gemma2Config` defaults: vocab 256000, hidden 2304, intermediate 9216, 26 layers, 8 heads, 4 kv heads,
/// head_dim 256, max positions 8192, tied, `gelu_pytorch_tanh`, `sliding_window` 4096 on even-indexed layers,
/// `final_logit_softcapping` 30.0.
pub(crate) const GEMMA2: Defaults = Defaults {
    vocab_size: Some(256000),
    hidden_size: Some(2304),
    intermediate_size: Some(9216),
    num_hidden_layers: Some(26),
    num_attention_heads: Some(8),
    num_key_value_heads: Some(4),
    head_dim: Some(256),
    max_position_embeddings: Some(8192),
    tie_word_embeddings: true,
    hidden_act: "gelu_pytorch_tanh",
};

/// `Gemma3TextConfig` defaults: as Gemma-2 but vocab 262208, max positions 131072, `sliding_window` 4096 on
/// every layer except each `sliding_window_pattern`-th (default 6), no final logit softcapping, and per-head
/// `q_norm`/`k_norm`.
pub(crate) const GEMMA3: Defaults = Defaults {
    vocab_size: Some(262208),
    max_position_embeddings: Some(131072),
    ..GEMMA2
};

/// `Olmo2Config` defaults: vocab 50304, hidden 4096, intermediate 11008, 32 layers, 32 heads, kv heads = heads,
/// max positions 2048, untied, silu, `attention_bias` false.
pub(crate) const OLMO2: Defaults = Defaults {
    vocab_size: Some(50304),
    max_position_embeddings: Some(2048),
    ..LLAMA
};

/// `Phi3Config` defaults: vocab 32064, hidden 3072, intermediate 8192, 32 layers, 32 heads, kv heads = heads,
/// max positions 4096, untied, silu, `sliding_window` none (when set, every layer slides).
pub(crate) const PHI3: Defaults = Defaults {
    vocab_size: Some(32064),
    hidden_size: Some(3072),
    intermediate_size: Some(8192),
    num_hidden_layers: Some(32),
    num_attention_heads: Some(32),
    num_key_value_heads: None,
    head_dim: None,
    max_position_embeddings: Some(4096),
    tie_word_embeddings: false,
    hidden_act: "silu",
};

/// Gemma (`modeling_gemma.py`): the llama layout (its RMSNorm stores `weight` of width H, used as 1 + w).
/// Gemma-2 (`modeling_gemma2.py`): sandwich norms, alternating sliding / full layers, logit softcapping;
/// transformers defaults it to eager attention. Gemma-3 text (`modeling_gemma3.py`): as Gemma-2 plus
/// `q_norm`/`k_norm` (width head_dim), five sliding layers per full one.
pub fn gemma(model_type: &str, c: &Cfg) -> Result<Architecture, ConfigError> {
    let d = match model_type {
        "gemma" => GEMMA,
        "gemma2" => GEMMA2,
        _ => GEMMA3,
    };
    let b = Base::read(c, &d)?;
    let bias = c.bool_or("attention_bias", false)?;
    let mut opts = AttnOpts {
        qkv_bias: bias,
        o_bias: bias,
        ..Default::default()
    };
    let (norms, flags, window) = match model_type {
        "gemma" => (Norms::PrePost, vec![false; b.layers as usize], None),
        "gemma2" => {
            let w = size_or_absent_default(c, "sliding_window", MAX_CONTEXT, Some(4096))?;
            (
                Norms::Sandwich,
                sliding_flags(c, b.layers, |i| (i + 1) % 2 == 1)?,
                w,
            )
        }
        _ => {
            opts.qk_norm_per_head = true;
            let w = size_or_absent_default(c, "sliding_window", MAX_CONTEXT, Some(4096))?;
            let pattern = c.size_or("sliding_window_pattern", MAX_LAYERS, 6)?;
            (
                Norms::Sandwich,
                sliding_flags(c, b.layers, |i| (i + 1) % pattern != 0)?,
                w,
            )
        }
    };
    let l = Layout {
        opts,
        mlp_bias: false,
        norms,
        fused_mlp: false,
    };
    let mut a = llama_layout(model_type, false, c, &b, l, &flags, window)?;
    if model_type == "gemma2" {
        a.prefers_eager_attention = true;
        // Gemma2Config's final_logit_softcapping defaults to 30.0 when the key is absent.
        if !c.map().contains_key("final_logit_softcapping") {
            a.final_logit_softcapping = true;
        }
    }
    Ok(a)
}

/// OLMo-2 (`modeling_olmo2.py`): no input norm; `post_attention_layernorm` and `post_feedforward_layernorm`;
/// `q_norm` over the whole query (heads·head_dim) and `k_norm` over the whole key (kv_heads·head_dim).
pub fn olmo2(c: &Cfg) -> Result<Architecture, ConfigError> {
    let b = Base::read(c, &OLMO2)?;
    let bias = c.bool_or("attention_bias", false)?;
    let opts = AttnOpts {
        qkv_bias: bias,
        o_bias: bias,
        qk_norm_full: true,
        ..Default::default()
    };
    let l = Layout {
        opts,
        mlp_bias: false,
        norms: Norms::PostOnly,
        fused_mlp: false,
    };
    let flags = sliding_flags(c, b.layers, |_| false)?;
    llama_layout("olmo2", false, c, &b, l, &flags, None)
}

/// Phi-3 (`modeling_phi3.py`): fused `qkv_proj` `[H → (heads + 2·kv_heads)·head_dim]` and fused
/// `gate_up_proj` `[H → 2·I]`, no biases.
pub fn phi3(c: &Cfg) -> Result<Architecture, ConfigError> {
    let b = Base::read(c, &PHI3)?;
    let opts = AttnOpts {
        fused_qkv: true,
        ..Default::default()
    };
    let l = Layout {
        opts,
        mlp_bias: false,
        norms: Norms::PrePost,
        fused_mlp: true,
    };
    let window = c.size("sliding_window", MAX_CONTEXT)?;
    let flags = sliding_flags(c, b.layers, |_| window.is_some())?;
    llama_layout("phi3", false, c, &b, l, &flags, window)
}

/// `SmolLM3Config` defaults (transformers 5.17 `configuration_smollm3.py`): vocab 128256, hidden 2048,
/// intermediate 11008, 36 layers, 16 heads, 4 kv heads, head_dim = hidden / heads, max positions 32768, tied,
/// silu; `attention_bias` and `mlp_bias` false; `use_sliding_window` false.
pub(crate) const SMOLLM3: Defaults = Defaults {
    vocab_size: Some(128256),
    hidden_size: Some(2048),
    intermediate_size: Some(11008),
    num_hidden_layers: Some(36),
    num_attention_heads: Some(16),
    num_key_value_heads: Some(4),
    head_dim: None,
    max_position_embeddings: Some(32768),
    tie_word_embeddings: true,
    hidden_act: "silu",
};

/// SmolLM3 (`modeling_smollm3.py`): the llama layout (q/k/v/o with `attention_bias`, MLP with `mlp_bias`); the
/// NoPE layers (`no_rope_layers`) hold no parameters of their own. A layer slides only when `use_sliding_window`
/// and `sliding_window` are set and it is a NoPE layer (`SmolLM3Config.__post_init__`), unless `layer_types` says
/// otherwise.
pub fn smollm3(c: &Cfg) -> Result<Architecture, ConfigError> {
    let b = Base::read(c, &SMOLLM3)?;
    let bias = c.bool_or("attention_bias", false)?;
    let opts = AttnOpts {
        qkv_bias: bias,
        o_bias: bias,
        ..Default::default()
    };
    let window = if c.bool_or("use_sliding_window", false)? {
        c.size("sliding_window", MAX_CONTEXT)?
    } else {
        None
    };
    let interval = c.size_or("no_rope_layer_interval", MAX_LAYERS, 4)?;
    let nope: Vec<bool> = match c.array("no_rope_layers") {
        Some(list) => (0..b.layers as usize)
            .map(|i| list.get(i).and_then(|v| v.as_u64()) == Some(0))
            .collect(),
        None => (0..b.layers).map(|i| (i + 1) % interval == 0).collect(),
    };
    let flags = sliding_flags(c, b.layers, |i| {
        window.is_some() && nope.get(i as usize).copied().unwrap_or(false)
    })?;
    llama_like(
        "smollm3",
        false,
        c,
        &b,
        opts,
        c.bool_or("mlp_bias", false)?,
        &flags,
        window,
    )
}

/// `Ernie4_5Config` defaults (transformers 5.17 `configuration_ernie4_5.py`): vocab 103424, hidden 1024,
/// intermediate 3072, 18 layers, 16 heads, 2 kv heads, head_dim 128, max positions 131072, tied, silu,
/// `use_bias` false.
pub(crate) const ERNIE4_5: Defaults = Defaults {
    vocab_size: Some(103424),
    hidden_size: Some(1024),
    intermediate_size: Some(3072),
    num_hidden_layers: Some(18),
    num_attention_heads: Some(16),
    num_key_value_heads: Some(2),
    head_dim: Some(128),
    max_position_embeddings: Some(131072),
    tie_word_embeddings: true,
    hidden_act: "silu",
};

/// ERNIE 4.5 dense (`modeling_ernie4_5.py`): the llama layout; `use_bias` puts a bias on every q/k/v/o and MLP
/// projection (not on `lm_head`).
pub fn ernie4_5(c: &Cfg) -> Result<Architecture, ConfigError> {
    let b = Base::read(c, &ERNIE4_5)?;
    let bias = c.bool_or("use_bias", false)?;
    let opts = AttnOpts {
        qkv_bias: bias,
        o_bias: bias,
        ..Default::default()
    };
    let flags = sliding_flags(c, b.layers, |_| false)?;
    llama_like("ernie4_5", false, c, &b, opts, bias, &flags, None)
}

/// `SeedOssConfig` defaults (transformers 5.17 `configuration_seed_oss.py`): vocab 155136, hidden 4096,
/// intermediate 27648, 64 layers, 80 heads, 8 kv heads, head_dim 128, max positions 524288, untied, silu,
/// `attention_bias` true (q/k/v), `attention_out_bias` false (o), `mlp_bias` false, `residual_dropout` 0.1.
pub(crate) const SEED_OSS: Defaults = Defaults {
    vocab_size: Some(155136),
    hidden_size: Some(4096),
    intermediate_size: Some(27648),
    num_hidden_layers: Some(64),
    num_attention_heads: Some(80),
    num_key_value_heads: Some(8),
    head_dim: Some(128),
    max_position_embeddings: Some(524288),
    tie_word_embeddings: false,
    hidden_act: "silu",
};

/// Seed-OSS (`modeling_seed_oss.py`): the llama layout with q/k/v bias `attention_bias`, o bias
/// `attention_out_bias`, MLP bias `mlp_bias`; in training the attention output and the MLP output each pass a
/// dropout of `residual_dropout` (class default 0.1 when the key is absent).
pub fn seed_oss(c: &Cfg) -> Result<Architecture, ConfigError> {
    let b = Base::read(c, &SEED_OSS)?;
    let opts = AttnOpts {
        qkv_bias: c.bool_or("attention_bias", true)?,
        o_bias: c.bool_or("attention_out_bias", false)?,
        ..Default::default()
    };
    let flags = sliding_flags(c, b.layers, |_| false)?;
    let mut a = llama_like(
        "seed_oss",
        false,
        c,
        &b,
        opts,
        c.bool_or("mlp_bias", false)?,
        &flags,
        None,
    )?;
    if !c.has("residual_dropout") {
        a.residual_dropout = 0.1;
    }
    Ok(a)
}

/// `Olmo3Config` defaults (transformers 5.17 `configuration_olmo3.py`): as OLMo-2 (vocab 50304, hidden 4096,
/// intermediate 11008, 32 layers, 32 heads, kv heads = heads, max positions 2048, untied) plus `sliding_window`
/// 4096 on three layers of every four (`(i + 1) % 4 != 0`) when `layer_types` is absent.
pub(crate) const OLMO3: Defaults = OLMO2;

/// OLMo-3 (`modeling_olmo3.py`): the OLMo-2 layer (post-norms only, full-width `q_norm`/`k_norm`) with sliding
/// and full attention layers.
pub fn olmo3(c: &Cfg) -> Result<Architecture, ConfigError> {
    let b = Base::read(c, &OLMO3)?;
    let bias = c.bool_or("attention_bias", false)?;
    let opts = AttnOpts {
        qkv_bias: bias,
        o_bias: bias,
        qk_norm_full: true,
        ..Default::default()
    };
    let l = Layout {
        opts,
        mlp_bias: false,
        norms: Norms::PostOnly,
        fused_mlp: false,
    };
    let window = size_or_absent_default(c, "sliding_window", MAX_CONTEXT, Some(4096))?;
    let flags = sliding_flags(c, b.layers, |i| (i + 1) % 4 != 0)?;
    llama_layout("olmo3", false, c, &b, l, &flags, window)
}

/// `Exaone4Config` defaults (transformers 5.17 `configuration_exaone4.py`): vocab 102400, hidden 4096,
/// intermediate 16384, 32 layers, 32 heads, 32 kv heads, head_dim = hidden / heads, max positions 2048, untied,
/// silu, `sliding_window` 4096, `sliding_window_pattern` 4.
pub(crate) const EXAONE4: Defaults = Defaults {
    vocab_size: Some(102400),
    hidden_size: Some(4096),
    intermediate_size: Some(16384),
    num_hidden_layers: Some(32),
    num_attention_heads: Some(32),
    num_key_value_heads: Some(32),
    head_dim: None,
    max_position_embeddings: Some(2048),
    tie_word_embeddings: false,
    hidden_act: "silu",
};

/// EXAONE 4.0 (`modeling_exaone4.py`): no biases, post-norms only (`post_attention_layernorm`,
/// `post_feedforward_layernorm`), per-head `q_norm`/`k_norm` (width head_dim). Without `layer_types`, layer `i`
/// slides unless `(i + 1) % sliding_window_pattern == 0`; a string pattern (`"LLLG"`) is read as its length
/// (the model card's equivalence); no sliding layer when `sliding_window` is null.
pub fn exaone4(c: &Cfg) -> Result<Architecture, ConfigError> {
    let b = Base::read(c, &EXAONE4)?;
    let opts = AttnOpts {
        qk_norm_per_head: true,
        ..Default::default()
    };
    let l = Layout {
        opts,
        mlp_bias: false,
        norms: Norms::PostOnly,
        fused_mlp: false,
    };
    let window = size_or_absent_default(c, "sliding_window", MAX_CONTEXT, Some(4096))?;
    let pattern = match c.get("sliding_window_pattern") {
        Some(serde_json::Value::String(s)) => s.chars().count() as u64,
        _ => c.count_or("sliding_window_pattern", MAX_LAYERS, 4)?,
    };
    let flags = sliding_flags(c, b.layers, |i| {
        window.is_some() && pattern > 0 && (i + 1) % pattern != 0
    })?;
    llama_layout("exaone4", false, c, &b, l, &flags, window)
}

/// `Qwen2_5_VLTextConfig` defaults (transformers 5.17 `configuration_qwen2_5_vl.py`): vocab 152064, hidden 8192,
/// intermediate 29568, 80 layers, 64 heads, 8 kv heads, max positions 32768, `use_sliding_window` false,
/// `max_window_layers` 80.
pub(crate) const QWEN2_5_VL_TEXT: Defaults = Defaults {
    vocab_size: Some(152064),
    hidden_size: Some(8192),
    intermediate_size: Some(29568),
    num_hidden_layers: Some(80),
    num_attention_heads: Some(64),
    num_key_value_heads: Some(8),
    head_dim: None,
    max_position_embeddings: Some(32768),
    tie_word_embeddings: false,
    hidden_act: "silu",
};

/// `Qwen3VLTextConfig` defaults (transformers 5.17 `configuration_qwen3_vl.py`): vocab 151936, hidden 4096,
/// intermediate 22016, 32 layers, 32 heads, 32 kv heads, head_dim 128, max positions 128000, `attention_bias`
/// false.
pub(crate) const QWEN3_VL_TEXT: Defaults = Defaults {
    vocab_size: Some(151936),
    hidden_size: Some(4096),
    intermediate_size: Some(22016),
    num_hidden_layers: Some(32),
    num_attention_heads: Some(32),
    num_key_value_heads: Some(32),
    head_dim: Some(128),
    max_position_embeddings: Some(128000),
    tie_word_embeddings: false,
    hidden_act: "silu",
};

/// The language models of Qwen2.5-VL (`qwen2_5_vl_text`, `modeling_qwen2_5_vl.py`: the Qwen2 layer, q/k/v with
/// bias, o without) and Qwen3-VL (`qwen3_vl_text`, `modeling_qwen3_vl.py`: the Qwen3 layer, per-head
/// `q_norm`/`k_norm`, biases by `attention_bias`). The output head's tying is the wrapper's
/// ([`crate::families::from_config`]).
pub fn qwen_vl_text(model_type: &str, c: &Cfg) -> Result<Architecture, ConfigError> {
    let qwen3 = model_type == "qwen3_vl_text";
    let b = Base::read(
        c,
        if qwen3 {
            &QWEN3_VL_TEXT
        } else {
            &QWEN2_5_VL_TEXT
        },
    )?;
    let opts = if qwen3 {
        let bias = c.bool_or("attention_bias", false)?;
        AttnOpts {
            qkv_bias: bias,
            o_bias: bias,
            qk_norm_per_head: true,
            ..Default::default()
        }
    } else {
        AttnOpts {
            qkv_bias: true,
            ..Default::default()
        }
    };
    let window = if !qwen3 && c.bool_or("use_sliding_window", false)? {
        size_or_absent_default(c, "sliding_window", MAX_CONTEXT, Some(4096))?
    } else {
        None
    };
    let from = c.count_or("max_window_layers", MAX_LAYERS, 80)?;
    let flags = sliding_flags(c, b.layers, |i| window.is_some() && i >= from)?;
    llama_like(model_type, false, c, &b, opts, false, &flags, window)
}
