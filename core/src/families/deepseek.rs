//! DeepSeek-V2 / V3 (multi-head latent attention, routed + shared experts, `first_k_dense_replace`) and
//! GLM-4-MoE (standard GQA attention with the same MoE layout).
//!
//! MLA (`modeling_deepseek_v3.py`), with q_head_dim = `qk_nope_head_dim + qk_rope_head_dim`:
//! queries either `q_proj` `[H → heads·q_head_dim]` (`q_lora_rank` null) or `q_a_proj` `[H → q_lora_rank]`,
//! `q_a_layernorm` (q_lora_rank), `q_b_proj` `[q_lora_rank → heads·q_head_dim]`; keys/values
//! `kv_a_proj_with_mqa` `[H → kv_lora_rank + qk_rope_head_dim]`, `kv_a_layernorm` (kv_lora_rank),
//! `kv_b_proj` `[kv_lora_rank → heads·(qk_nope_head_dim + v_head_dim)]`; `o_proj` `[heads·v_head_dim → H]`.
//! q_a/kv_a/o carry a bias when `attention_bias`.
//!
//! MoE layers (index ≥ `first_k_dense_replace`, and for V2 a multiple of `moe_layer_freq`): router `gate`
//! (`TopkRouter`, weight `[E, H]`; V3/GLM's `e_score_correction_bias` is a buffer, not a parameter), E stacked
//! experts of `moe_intermediate_size`, and `shared_experts`, one gated MLP of
//! `moe_intermediate_size × n_shared_experts`. Other layers: a gated MLP of `intermediate_size`.
//! The multi-token-prediction layers (`num_nextn_predict_layers`) are not built by transformers and not counted.

use super::common::{
    attention, experts_and_topk, gated_mlp, linear, mul, norm, other, outer, skeleton,
    stacked_experts, AttnOpts, Base, Defaults,
};
use crate::arch::{Architecture, Component, Ffn, Layer, Mixer, Module};
use crate::config::{Cfg, ConfigError, MAX_DIM, MAX_EXPERTS, MAX_LAYERS};

/// `DeepseekV2Config` defaults (transformers 5.17): vocab 102400, hidden 4096, intermediate 11008, 32 layers,
/// 32 heads, max positions 2048, untied; `q_lora_rank` 1536, `kv_lora_rank` 512, `qk_nope_head_dim` 128,
/// `qk_rope_head_dim` 64, `v_head_dim` 128, `n_routed_experts` 64, `n_shared_experts` 2,
/// `moe_intermediate_size` 1407, `first_k_dense_replace` 0, `moe_layer_freq` 1, `num_experts_per_tok` none
/// (required here: ftmem needs it for the active count).
pub(crate) const DEEPSEEK_V2: Defaults = Defaults {
    vocab_size: Some(102400),
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

/// `DeepseekV3Config` defaults (transformers 5.17): vocab 129280, hidden 7168, intermediate 18432, 61 layers,
/// 128 heads, max positions 4096, untied; `q_lora_rank` 1536, `kv_lora_rank` 512, `qk_nope_head_dim` 128,
/// `qk_rope_head_dim` 64, `v_head_dim` 128, `n_routed_experts` 256, `n_shared_experts` 1, 8 experts per token,
/// `moe_intermediate_size` 2048, `first_k_dense_replace` 3.
pub(crate) const DEEPSEEK_V3: Defaults = Defaults {
    vocab_size: Some(129280),
    hidden_size: Some(7168),
    intermediate_size: Some(18432),
    num_hidden_layers: Some(61),
    num_attention_heads: Some(128),
    num_key_value_heads: None,
    head_dim: None,
    max_position_embeddings: Some(4096),
    tie_word_embeddings: false,
    hidden_act: "silu",
};

/// `Glm4MoeConfig` defaults (transformers 5.17): vocab 151552, hidden 4096, intermediate 10944, 46 layers,
/// 96 heads, 8 kv heads, head_dim = hidden / heads, max positions 131072, untied, `attention_bias` false,
/// `use_qk_norm` false, `n_routed_experts` 128, `n_shared_experts` 1, 8 per token, `moe_intermediate_size`
/// 1408, `first_k_dense_replace` 1.
pub(crate) const GLM4_MOE: Defaults = Defaults {
    vocab_size: Some(151552),
    hidden_size: Some(4096),
    intermediate_size: Some(10944),
    num_hidden_layers: Some(46),
    num_attention_heads: Some(96),
    num_key_value_heads: Some(8),
    head_dim: None,
    max_position_embeddings: Some(131072),
    tie_word_embeddings: false,
    hidden_act: "silu",
};

/// The MoE shape of a DeepSeek-style model.
struct MoeShape {
    experts: u64,
    top_k: u64,
    moe_i: u64,
    shared_i: u64,
    first_dense: u64,
    freq: u64,
}

fn moe_shape(
    c: &Cfg,
    e_d: u64,
    k_d: Option<u64>,
    moe_i_d: u64,
    shared_d: u64,
    first_d: u64,
) -> Result<MoeShape, ConfigError> {
    let (experts, top_k) = experts_and_topk(
        c,
        &["n_routed_experts"],
        &["num_experts_per_tok"],
        Some(e_d),
        k_d,
    )?;
    let moe_i = c.size_or("moe_intermediate_size", MAX_DIM, moe_i_d)?;
    let shared = c.count_or("n_shared_experts", MAX_EXPERTS, shared_d)?;
    Ok(MoeShape {
        experts,
        top_k,
        moe_i,
        shared_i: mul(moe_i, shared, "n_shared_experts")?,
        first_dense: c.count_or("first_k_dense_replace", MAX_LAYERS, first_d)?,
        freq: c.size_or("moe_layer_freq", MAX_LAYERS, 1)?,
    })
}

/// MLA projections and the mixer description.
fn mla(c: &Cfg, b: &Base) -> Result<(Vec<Module>, Mixer), ConfigError> {
    let a = Component::Attention;
    // Absent: the transformers default 1536 (DeepseekV2Config / DeepseekV3Config); an explicit null means
    // queries are projected directly (DeepSeek-V2-Lite).
    let q_lora = super::common::size_or_absent_default(c, "q_lora_rank", MAX_DIM, Some(1536))?;
    let kv_lora = c.size_or("kv_lora_rank", MAX_DIM, 512)?;
    let nope = c.size_or("qk_nope_head_dim", MAX_DIM, 128)?;
    let rope = c.size_or("qk_rope_head_dim", MAX_DIM, 64)?;
    let v_dim = c.size_or("v_head_dim", MAX_DIM, 128)?;
    let bias = c.bool_or("attention_bias", false)?;
    let q_out = mul(b.heads, nope + rope, "qk_nope_head_dim")?;
    let mut m = Vec::new();
    match q_lora {
        None => m.push(linear("q_proj", a, b.hidden, q_out, false)?),
        Some(r) => {
            m.push(linear("q_a_proj", a, b.hidden, r, bias)?);
            m.push(other("q_a_layernorm", a, r));
            m.push(linear("q_b_proj", a, r, q_out, false)?);
        }
    }
    m.push(linear(
        "kv_a_proj_with_mqa",
        a,
        b.hidden,
        kv_lora + rope,
        bias,
    )?);
    m.push(other("kv_a_layernorm", a, kv_lora));
    m.push(linear(
        "kv_b_proj",
        a,
        kv_lora,
        mul(b.heads, nope + v_dim, "v_head_dim")?,
        false,
    )?);
    m.push(linear(
        "o_proj",
        a,
        mul(b.heads, v_dim, "v_head_dim")?,
        b.hidden,
        bias,
    )?);
    let mixer = Mixer::Mla {
        heads: b.heads,
        kv_lora_rank: kv_lora,
        q_lora_rank: q_lora,
        qk_nope_head_dim: nope,
        qk_rope_head_dim: rope,
        v_head_dim: v_dim,
    };
    Ok((m, mixer))
}

/// Assemble the layers: `attn` + norms + dense MLP or MoE per layer.
fn assemble(
    model_type: &str,
    c: &Cfg,
    b: &Base,
    attn: Vec<Module>,
    mixer: Mixer,
    s: MoeShape,
    sparse_at: &dyn Fn(u64) -> bool,
) -> Result<Architecture, ConfigError> {
    let mut a = skeleton(model_type, false, b, c)?;
    a.outer_modules = outer(b, "norm", false, false)?;
    let mut layers = Vec::new();
    let mut any_moe = false;
    for i in 0..b.layers {
        let mut modules = vec![norm("input_layernorm", b.hidden, false)?];
        modules.extend(attn.iter().cloned());
        modules.push(norm("post_attention_layernorm", b.hidden, false)?);
        let sparse = sparse_at(i);
        let ffn = if sparse {
            any_moe = true;
            modules.push(other(
                "gate",
                Component::Router,
                mul(s.experts, b.hidden, "n_routed_experts")?,
            ));
            modules.extend(stacked_experts(
                b.hidden, s.moe_i, s.experts, s.top_k, false,
            )?);
            if s.shared_i > 0 {
                modules.extend(gated_mlp(
                    Component::SharedExperts,
                    b.hidden,
                    s.shared_i,
                    false,
                )?);
            }
            Ffn::Moe {
                experts: s.experts,
                top_k: s.top_k,
                expert_intermediate: s.moe_i,
                shared_intermediate: s.shared_i,
                gated: true,
            }
        } else {
            modules.extend(gated_mlp(Component::Mlp, b.hidden, b.intermediate, false)?);
            Ffn::Dense {
                intermediate: b.intermediate,
                gated: true,
            }
        };
        layers.push(Layer {
            mixer: mixer.clone(),
            ffn,
            modules,
        });
    }
    a.layers = layers;
    if any_moe {
        a.num_experts = Some(s.experts);
        a.experts_per_token = Some(s.top_k);
    }
    Ok(a)
}

/// DeepSeek-V2 (`model_type` `deepseek_v2`) or V3 (`deepseek_v3`).
pub fn deepseek(model_type: &str, c: &Cfg) -> Result<Architecture, ConfigError> {
    let v2 = model_type == "deepseek_v2";
    let b = Base::read(c, if v2 { &DEEPSEEK_V2 } else { &DEEPSEEK_V3 })?;
    let s = if v2 {
        moe_shape(c, 64, None, 1407, 2, 0)?
    } else {
        moe_shape(c, 256, Some(8), 2048, 1, 3)?
    };
    let (attn, mixer) = mla(c, &b)?;
    let (first, freq) = (s.first_dense, s.freq);
    let sparse = move |i: u64| i >= first && (!v2 || i.is_multiple_of(freq));
    assemble(model_type, c, &b, attn, mixer, s, &sparse)
}

/// GLM-4-MoE (`modeling_glm4_moe.py`): q/k/v with bias when `attention_bias`, o without; per-head
/// `q_norm`/`k_norm` when `use_qk_norm`; DeepSeek-V3 MoE layout.
pub fn glm4_moe(c: &Cfg) -> Result<Architecture, ConfigError> {
    let b = Base::read(c, &GLM4_MOE)?;
    let s = moe_shape(c, 128, Some(8), 1408, 1, 1)?;
    let opts = AttnOpts {
        qkv_bias: c.bool_or("attention_bias", false)?,
        qk_norm_per_head: c.bool_or("use_qk_norm", false)?,
        ..Default::default()
    };
    let attn = attention(&b, opts)?;
    let first = s.first_dense;
    assemble("glm4_moe", c, &b, attn, b.full(), s, &move |i| i >= first)
}

/// `Glm4MoeLiteConfig` defaults (transformers 5.17 `configuration_glm4_moe_lite.py`): vocab 154880, hidden 2048,
/// intermediate 10240, 47 layers, 20 heads, max positions 202752, untied; `q_lora_rank` 768, `kv_lora_rank` 512,
/// `qk_nope_head_dim` 192, `qk_rope_head_dim` 64, `v_head_dim` 256, `n_routed_experts` 64, `n_shared_experts` 1,
/// 4 experts per token, `moe_intermediate_size` 1536, `attention_bias` false.
pub(crate) const GLM4_MOE_LITE: Defaults = Defaults {
    vocab_size: Some(154880),
    hidden_size: Some(2048),
    intermediate_size: Some(10240),
    num_hidden_layers: Some(47),
    num_attention_heads: Some(20),
    num_key_value_heads: Some(20),
    head_dim: None,
    max_position_embeddings: Some(202752),
    tie_word_embeddings: false,
    hidden_act: "silu",
};

/// GLM-4.7-Flash (`modeling_glm4_moe_lite.py`): DeepSeek-V3 MLA (absent `q_lora_rank`: 768) and the DeepSeek-V3
/// MoE block (router `gate` `[E, H]`, stacked experts, one shared gated MLP of `moe_intermediate_size ×
/// n_shared_experts`). Which layers are MoE follows `mlp_layer_types` (`"dense"` / `"sparse"`); when absent,
/// `Glm4MoeLiteConfig.__post_init__` makes layer 0 dense and every other layer sparse (`first_k_dense_replace`
/// is not read by transformers). The MTP layer (`num_nextn_predict_layers`) is not built and not counted.
pub fn glm4_moe_lite(c: &Cfg) -> Result<Architecture, ConfigError> {
    let b = Base::read(c, &GLM4_MOE_LITE)?;
    let s = moe_shape(c, 64, Some(4), 1536, 1, 1)?;
    let mut m = c.map().clone();
    if !c.map().contains_key("q_lora_rank") {
        m.insert("q_lora_rank".into(), serde_json::Value::from(768u64));
    }
    for (k, d) in [("qk_nope_head_dim", 192u64), ("v_head_dim", 256)] {
        if !c.has(k) {
            m.insert(k.into(), serde_json::Value::from(d));
        }
    }
    let (attn, mixer) = mla(&Cfg::from_map(&m), &b)?;
    let types = c.strings("mlp_layer_types")?;
    if let Some(t) = &types {
        if t.len() as u64 != b.layers {
            return Err(ConfigError::bad(
                "mlp_layer_types",
                format!(
                    "has {} entries but num_hidden_layers is {}",
                    t.len(),
                    b.layers
                ),
            ));
        }
    }
    let sparse = move |i: u64| match &types {
        Some(t) => t[i as usize] == "sparse",
        None => i > 0,
    };
    assemble("glm4_moe_lite", c, &b, attn, mixer, s, &sparse)
}
