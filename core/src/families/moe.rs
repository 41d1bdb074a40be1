//! Mixture-of-experts decoders: mixtral, gpt_oss.
//!
//! transformers 5 holds routed experts stacked: one 3-D `gate_up_proj` `[E, 2·I, H]` and one `down_proj`
//! `[E, H, I]` per layer ([`ModuleKind::StackedLinear`](crate::arch::ModuleKind::StackedLinear), `instances` = E,
//! `active_instances` = top-k).

use super::common::{
    attention, experts_and_topk, linear, mixer_for, norm, other, outer, size_or_absent_default,
    skeleton, sliding_flags, stacked, stacked_experts, window_if_used, AttnOpts, Base, Defaults,
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
    let (e, k) = experts_and_topk(
        c,
        &["num_local_experts"],
        &["num_experts_per_tok"],
        Some(8),
        Some(2),
    )?;
    let window = size_or_absent_default(c, "sliding_window", MAX_CONTEXT, None)?;
    let flags = sliding_flags(c, b.layers, |_| window.is_some())?;
    let mut a = skeleton("mixtral", false, &b, c)?;
    a.outer_modules = outer(&b, "norm", false, false)?;
    let mut modules = vec![norm("input_layernorm", b.hidden, false)?];
    modules.extend(attention(&b, AttnOpts::default())?);
    modules.push(norm("post_attention_layernorm", b.hidden, false)?);
    modules.push(linear("gate", Component::Router, b.hidden, e, false)?);
    modules.extend(stacked_experts(b.hidden, b.intermediate, e, k, false)?);
    let ffn = Ffn::Moe {
        experts: e,
        top_k: k,
        expert_intermediate: b.intermediate,
        shared_intermediate: 0,
        gated: true,
    };
    a.layers = flags
        .iter()
        .map(|s| Layer {
            mixer: mixer_for(&b, *s, window),
            ffn: ffn.clone(),
            modules: modules.clone(),
        })
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
    modules.extend(attention(
        &b,
        AttnOpts {
            qkv_bias: bias,
            o_bias: bias,
            sinks: true,
            ..Default::default()
        },
    )?);
    modules.push(norm("post_attention_layernorm", b.hidden, false)?);
    let router = super::common::mul(e, b.hidden + 1, "num_local_experts")?;
    modules.push(other("router", Component::Router, router));
    let x = Component::Experts;
    let two_i = super::common::mul(b.intermediate, 2, "intermediate_size")?;
    modules.push(stacked("gate_up_proj", x, b.hidden, two_i, true, e, k)?);
    modules.push(stacked(
        "down_proj",
        x,
        b.intermediate,
        b.hidden,
        true,
        e,
        k,
    )?);
    let ffn = Ffn::Moe {
        experts: e,
        top_k: k,
        expert_intermediate: b.intermediate,
        shared_intermediate: 0,
        gated: true,
    };
    a.layers = flags
        .iter()
        .map(|s| Layer {
            mixer: mixer_for(&b, *s, window),
            ffn: ffn.clone(),
            modules: modules.clone(),
        })
        .collect();
    a.sliding_window = window_if_used(&flags, window);
    a.num_experts = Some(e);
    a.experts_per_token = Some(k);
    a.prefers_eager_attention = true;
    Ok(a)
}

/// `Qwen2MoeConfig` defaults (transformers 5.17): vocab 151936, hidden 2048, intermediate 5632 (dense layers),
/// 24 layers, 16 heads, 16 kv heads, max positions 32768, untied, `num_experts` 60, `num_experts_per_tok` 4,
/// `moe_intermediate_size` 1408, `shared_expert_intermediate_size` 5632, `decoder_sparse_step` 1,
/// `mlp_only_layers` [], `qkv_bias` true.
pub(crate) const QWEN2_MOE: Defaults = Defaults {
    vocab_size: Some(151936),
    hidden_size: Some(2048),
    intermediate_size: Some(5632),
    num_hidden_layers: Some(24),
    num_attention_heads: Some(16),
    num_key_value_heads: Some(16),
    head_dim: None,
    max_position_embeddings: Some(32768),
    tie_word_embeddings: false,
    hidden_act: "silu",
};

/// `Qwen3MoeConfig` defaults (transformers 5.17): vocab 151936, hidden 2048, intermediate 6144 (dense layers),
/// 24 layers, 32 heads, 4 kv heads, head_dim = hidden / heads, max positions 32768, untied, 128 experts
/// (`num_experts`, called `num_local_experts` in 5.x), 8 per token, `moe_intermediate_size` 768,
/// `decoder_sparse_step` 1, `mlp_only_layers` [], `attention_bias` false.
pub(crate) const QWEN3_MOE: Defaults = Defaults {
    vocab_size: Some(151936),
    hidden_size: Some(2048),
    intermediate_size: Some(6144),
    num_hidden_layers: Some(24),
    num_attention_heads: Some(32),
    num_key_value_heads: Some(4),
    head_dim: None,
    max_position_embeddings: Some(32768),
    tie_word_embeddings: false,
    hidden_act: "silu",
};

/// Whether layer `i` of a Qwen MoE model is sparse: not in `mlp_only_layers` and `(i + 1) % decoder_sparse_step
/// == 0` (`modeling_qwen2_moe.py` / `modeling_qwen3_moe.py`).
fn qwen_sparse_layers(c: &Cfg, layers: u64) -> Result<Vec<bool>, ConfigError> {
    let step = c.size_or("decoder_sparse_step", crate::config::MAX_LAYERS, 1)?;
    let mut dense_only = Vec::new();
    if let Some(arr) = c.array("mlp_only_layers") {
        for v in arr {
            dense_only.push(v.as_u64().ok_or_else(|| {
                ConfigError::bad("mlp_only_layers", "must be a list of layer indices")
            })?);
        }
    }
    Ok((0..layers)
        .map(|i| !dense_only.contains(&i) && (i + 1).is_multiple_of(step))
        .collect())
}

/// Qwen2-MoE / Qwen3-MoE (`model_type`): Qwen2 (q/k/v bias) or Qwen3 (q_norm/k_norm) attention; sparse layers
/// hold a router `gate` (`TopKRouter`, weight `[E, H]`, not an `nn.Linear`), stacked experts of
/// `moe_intermediate_size`, and (Qwen2-MoE) a `shared_expert` MLP of `shared_expert_intermediate_size` with a
/// `shared_expert_gate` `nn.Linear(H, 1)`; dense layers hold a gated MLP of `intermediate_size`.
pub fn qwen_moe(model_type: &str, c: &Cfg) -> Result<Architecture, ConfigError> {
    let qwen2 = model_type == "qwen2_moe";
    let b = Base::read(c, if qwen2 { &QWEN2_MOE } else { &QWEN3_MOE })?;
    let (e_d, k_d) = if qwen2 { (60, 4) } else { (128, 8) };
    let (e, k) = experts_and_topk(
        c,
        &["num_experts", "num_local_experts"],
        &["num_experts_per_tok"],
        Some(e_d),
        Some(k_d),
    )?;
    let moe_i = c.size_or(
        "moe_intermediate_size",
        crate::config::MAX_DIM,
        if qwen2 { 1408 } else { 768 },
    )?;
    let shared_i = if qwen2 {
        c.count_or(
            "shared_expert_intermediate_size",
            crate::config::MAX_DIM,
            5632,
        )?
    } else {
        0
    };
    let opts = if qwen2 {
        AttnOpts {
            qkv_bias: c.bool_or("qkv_bias", true)?,
            ..Default::default()
        }
    } else {
        let bias = c.bool_or("attention_bias", false)?;
        AttnOpts {
            qkv_bias: bias,
            o_bias: bias,
            qk_norm_per_head: true,
            ..Default::default()
        }
    };
    let sparse = qwen_sparse_layers(c, b.layers)?;
    let on = c.bool_or("use_sliding_window", false)?;
    let window = if on {
        size_or_absent_default(c, "sliding_window", MAX_CONTEXT, Some(4096))?
    } else {
        None
    };
    let from = c.count_or("max_window_layers", crate::config::MAX_LAYERS, 28)?;
    let flags = sliding_flags(c, b.layers, |i| window.is_some() && i >= from)?;
    let mut a = skeleton(model_type, false, &b, c)?;
    a.outer_modules = outer(&b, "norm", false, false)?;
    let attn = attention(&b, opts)?;
    let mut layers = Vec::with_capacity(flags.len());
    for (i, s) in flags.iter().enumerate() {
        let mut modules = vec![norm("input_layernorm", b.hidden, false)?];
        modules.extend(attn.iter().cloned());
        modules.push(norm("post_attention_layernorm", b.hidden, false)?);
        let ffn = if sparse[i] {
            qwen_sparse_block(&mut modules, b.hidden, moe_i, e, k, shared_i)?
        } else {
            if b.intermediate == 0 {
                return Err(ConfigError::MissingField("intermediate_size".into()));
            }
            modules.extend(super::common::gated_mlp(
                Component::Mlp,
                b.hidden,
                b.intermediate,
                false,
            )?);
            Ffn::Dense {
                intermediate: b.intermediate,
                gated: true,
            }
        };
        layers.push(Layer {
            mixer: mixer_for(&b, *s, window),
            ffn,
            modules,
        });
    }
    a.layers = layers;
    a.sliding_window = window_if_used(&flags, window);
    if sparse.iter().any(|s| *s) {
        a.num_experts = Some(e);
        a.experts_per_token = Some(k);
    }
    Ok(a)
}

/// The Qwen sparse-MoE block (`Qwen2MoeSparseMoeBlock` and its copies in qwen3_moe and qwen3_next, transformers
/// 5.17): the router `gate` `[hidden → experts]` (a stacked parameter, no bias), `experts` routed experts with
/// stacked gated projections of width `moe_i`, and, when `shared_i` > 0, one shared gated MLP of width `shared_i`
/// with its scalar `shared_expert_gate` `[hidden → 1]`. Pushes the modules onto `modules` and returns the
/// layer's [`Ffn`]. Errors: products of sizes that overflow, naming the field.
pub(crate) fn qwen_sparse_block(
    modules: &mut Vec<crate::arch::Module>,
    hidden: u64,
    moe_i: u64,
    e: u64,
    k: u64,
    shared_i: u64,
) -> Result<Ffn, ConfigError> {
    modules.push(other(
        "gate",
        Component::Router,
        super::common::mul(e, hidden, "num_experts")?,
    ));
    modules.extend(stacked_experts(hidden, moe_i, e, k, false)?);
    if shared_i > 0 {
        modules.extend(super::common::gated_mlp(
            Component::SharedExperts,
            hidden,
            shared_i,
            false,
        )?);
        modules.push(linear(
            "shared_expert_gate",
            Component::SharedExperts,
            hidden,
            1,
            false,
        )?);
    }
    Ok(Ffn::Moe {
        experts: e,
        top_k: k,
        expert_intermediate: moe_i,
        shared_intermediate: shared_i,
        gated: true,
    })
}

/// `Llama4TextConfig` defaults (transformers 5.17 `configuration_llama4.py`): vocab 202048, hidden 5120,
/// intermediate 8192 (each expert and the shared expert), `intermediate_size_mlp` 16384 (dense layers), 48 layers,
/// 40 heads, 8 kv heads, head_dim 128, max positions 131072, untied, 16 local experts, 1 per token,
/// `interleave_moe_layer_step` 1, `attention_chunk_size` 8192, `no_rope_layer_interval` 4, `attention_bias` false.
pub(crate) const LLAMA4_TEXT: Defaults = Defaults {
    vocab_size: Some(202048),
    hidden_size: Some(5120),
    intermediate_size: Some(8192),
    num_hidden_layers: Some(48),
    num_attention_heads: Some(40),
    num_key_value_heads: Some(8),
    head_dim: Some(128),
    max_position_embeddings: Some(4096 * 32),
    tie_word_embeddings: false,
    hidden_act: "silu",
};

/// Llama 4 text model (`modeling_llama4.py`): q/k/v/o (bias `attention_bias`; the qk `L2Norm` has no weight).
/// MoE layers (`moe_layers`, default every `interleave_moe_layer_step`-th from index step − 1) hold a `router`
/// (`Llama4Router`, an `nn.Linear(H, E)` without bias, so PEFT's `all-linear` adapts it), E stacked experts
/// `gate_up_proj` `[E, H, 2·I]` and `down_proj` `[E, I, H]`, and a `shared_expert` gated MLP of width I; other
/// layers a gated MLP of `intermediate_size_mlp`. Layers with RoPE (`no_rope_layers[i]` = 1, default
/// `(i + 1) % no_rope_layer_interval != 0`) use chunked attention over `attention_chunk_size` tokens (counted
/// here as a sliding window of that size), the others full attention, unless `layer_types` says otherwise.
pub fn llama4_text(c: &Cfg) -> Result<Architecture, ConfigError> {
    let b = Base::read(c, &LLAMA4_TEXT)?;
    let (e, k) = experts_and_topk(
        c,
        &["num_local_experts"],
        &["num_experts_per_tok"],
        Some(16),
        Some(1),
    )?;
    let dense_i = c.size_or("intermediate_size_mlp", crate::config::MAX_DIM, 16384)?;
    let step = c.size_or("interleave_moe_layer_step", crate::config::MAX_LAYERS, 1)?;
    let moe_layers: Vec<u64> = match c.array("moe_layers") {
        Some(list) => list
            .iter()
            .map(|v| {
                v.as_u64().ok_or_else(|| {
                    ConfigError::bad("moe_layers", "must be a list of layer indices")
                })
            })
            .collect::<Result<_, _>>()?,
        None => (step - 1..b.layers).step_by(step as usize).collect(),
    };
    let interval = c.size_or("no_rope_layer_interval", crate::config::MAX_LAYERS, 4)?;
    let rope: Vec<bool> = match c.array("no_rope_layers").filter(|l| !l.is_empty()) {
        Some(list) => (0..b.layers as usize)
            .map(|i| list.get(i).and_then(|v| v.as_u64()) != Some(0))
            .collect(),
        None => (0..b.layers).map(|i| (i + 1) % interval != 0).collect(),
    };
    let window = size_or_absent_default(c, "attention_chunk_size", MAX_CONTEXT, Some(8192))?;
    let flags = sliding_flags(c, b.layers, |i| {
        window.is_some() && rope.get(i as usize).copied().unwrap_or(false)
    })?;
    let bias = c.bool_or("attention_bias", false)?;
    let attn = attention(
        &b,
        AttnOpts {
            qkv_bias: bias,
            o_bias: bias,
            ..Default::default()
        },
    )?;
    let mut a = skeleton("llama4_text", false, &b, c)?;
    a.outer_modules = outer(&b, "norm", false, false)?;
    let x = Component::Experts;
    let two_i = super::common::mul(b.intermediate, 2, "intermediate_size")?;
    let mut layers = Vec::with_capacity(flags.len());
    for (i, s) in flags.iter().enumerate() {
        let mut modules = vec![norm("input_layernorm", b.hidden, false)?];
        modules.extend(attn.iter().cloned());
        modules.push(norm("post_attention_layernorm", b.hidden, false)?);
        let ffn = if moe_layers.contains(&(i as u64)) {
            modules.push(linear("router", Component::Router, b.hidden, e, false)?);
            modules.push(stacked("gate_up_proj", x, b.hidden, two_i, false, e, k)?);
            modules.push(stacked(
                "down_proj",
                x,
                b.intermediate,
                b.hidden,
                false,
                e,
                k,
            )?);
            modules.extend(super::common::gated_mlp(
                Component::SharedExperts,
                b.hidden,
                b.intermediate,
                false,
            )?);
            Ffn::Moe {
                experts: e,
                top_k: k,
                expert_intermediate: b.intermediate,
                shared_intermediate: b.intermediate,
                gated: true,
            }
        } else {
            modules.extend(super::common::gated_mlp(
                Component::Mlp,
                b.hidden,
                dense_i,
                false,
            )?);
            Ffn::Dense {
                intermediate: dense_i,
                gated: true,
            }
        };
        layers.push(Layer {
            mixer: mixer_for(&b, *s, window),
            ffn,
            modules,
        });
    }
    a.layers = layers;
    a.sliding_window = window_if_used(&flags, window);
    if !moe_layers.is_empty() {
        a.num_experts = Some(e);
        a.experts_per_token = Some(k);
    }
    Ok(a)
}
