//! Decoders with LayerNorms, biases and non-gated MLPs: gpt2, phi (Phi-1/1.5/2), starcoder2.

use super::common::{
    attention, linear, mul, norm, other, outer, skeleton, sliding_flags, window_if_used, AttnOpts,
    Base, Defaults,
};
use crate::arch::{Architecture, Component, Ffn, Layer, Module};
use crate::config::{Cfg, ConfigError, MAX_CONTEXT};

/// `GPT2Config` defaults: vocab 50257, `n_positions` 1024, `n_embd` 768, `n_layer` 12, `n_head` 12,
/// `n_inner` none (= 4 × n_embd), `gelu_new`, tied.
pub(crate) const GPT2: Defaults = Defaults {
    vocab_size: Some(50257),
    hidden_size: Some(768),
    intermediate_size: None,
    num_hidden_layers: Some(12),
    num_attention_heads: Some(12),
    num_key_value_heads: None,
    head_dim: None,
    max_position_embeddings: Some(1024),
    tie_word_embeddings: true,
    hidden_act: "gelu_new",
};

/// GPT-2 (`modeling_gpt2.py`): `wte` `[V, H]`, learned positions `wpe` `[n_positions, H]`, per block `ln_1`,
/// fused `c_attn` `[H → 3H]` + bias, `c_proj` `[H → H]` + bias, `ln_2`, `c_fc` `[H → n_inner]` + bias,
/// `c_proj` `[n_inner → H]` + bias (all `Conv1D`, adapted by PEFT like `nn.Linear`), LayerNorms with bias,
/// final `ln_f`; the head is tied to `wte` by default.
pub fn gpt2(c: &Cfg) -> Result<Architecture, ConfigError> {
    let mut b = Base::read(c, &GPT2)?;
    if b.intermediate == 0 {
        b.intermediate = mul(b.hidden, 4, "n_embd")?;
    }
    let positions = b.max_pos.unwrap_or(1024);
    let mut a = skeleton("gpt2", false, &b, c)?;
    a.outer_modules = vec![
        other(
            "wte",
            Component::Embeddings,
            mul(b.vocab, b.hidden, "vocab_size")?,
        ),
        other(
            "wpe",
            Component::Embeddings,
            mul(positions, b.hidden, "n_positions")?,
        ),
        norm("ln_f", b.hidden, true)?,
    ];
    if !b.tie {
        a.outer_modules.push(linear(
            "lm_head",
            Component::LmHead,
            b.hidden,
            b.vocab,
            false,
        )?);
    }
    let h = b.hidden;
    let modules = vec![
        norm("ln_1", h, true)?,
        linear(
            "c_attn",
            Component::Attention,
            h,
            mul(h, 3, "n_embd")?,
            true,
        )?,
        linear("c_proj", Component::Attention, h, h, true)?,
        norm("ln_2", h, true)?,
        linear("c_fc", Component::Mlp, h, b.intermediate, true)?,
        linear("c_proj", Component::Mlp, b.intermediate, h, true)?,
    ];
    let ffn = Ffn::Dense {
        intermediate: b.intermediate,
        gated: false,
    };
    a.layers = (0..b.layers)
        .map(|_| Layer {
            mixer: b.full(),
            ffn: ffn.clone(),
            modules: modules.clone(),
        })
        .collect();
    Ok(a)
}

/// `PhiConfig` defaults: vocab 51200, hidden 2048, intermediate 8192, 24 layers, 32 heads, kv heads = heads,
/// max positions 2048, untied, `gelu_new`, `qk_layernorm` false.
pub(crate) const PHI: Defaults = Defaults {
    vocab_size: Some(51200),
    hidden_size: Some(2048),
    intermediate_size: Some(8192),
    num_hidden_layers: Some(24),
    num_attention_heads: Some(32),
    num_key_value_heads: None,
    head_dim: None,
    max_position_embeddings: Some(2048),
    tie_word_embeddings: false,
    hidden_act: "gelu_new",
};

/// Phi (`modeling_phi.py`): parallel block with one `input_layernorm` (LayerNorm); `q_proj`/`k_proj`/`v_proj`
/// and output `dense` with bias; optional `q_layernorm`/`k_layernorm` (LayerNorm over head_dim); MLP `fc1`
/// `[H → I]`, `fc2` `[I → H]` with bias; `final_layernorm`; `lm_head` with bias.
pub fn phi(c: &Cfg) -> Result<Architecture, ConfigError> {
    let b = Base::read(c, &PHI)?;
    let at = Component::Attention;
    let q = mul(b.heads, b.head_dim, "head_dim")?;
    let kv = mul(b.kv_heads, b.head_dim, "head_dim")?;
    let mut a = skeleton("phi", false, &b, c)?;
    a.outer_modules = outer(&b, "final_layernorm", true, true)?;
    let mut modules: Vec<Module> = vec![
        norm("input_layernorm", b.hidden, true)?,
        linear("q_proj", at, b.hidden, q, true)?,
        linear("k_proj", at, b.hidden, kv, true)?,
        linear("v_proj", at, b.hidden, kv, true)?,
        linear("dense", at, q, b.hidden, true)?,
    ];
    if c.bool_or("qk_layernorm", false)? {
        modules.push(other("q_layernorm", at, mul(b.head_dim, 2, "head_dim")?));
        modules.push(other("k_layernorm", at, mul(b.head_dim, 2, "head_dim")?));
    }
    modules.push(linear(
        "fc1",
        Component::Mlp,
        b.hidden,
        b.intermediate,
        true,
    )?);
    modules.push(linear(
        "fc2",
        Component::Mlp,
        b.intermediate,
        b.hidden,
        true,
    )?);
    let ffn = Ffn::Dense {
        intermediate: b.intermediate,
        gated: false,
    };
    a.layers = (0..b.layers)
        .map(|_| Layer {
            mixer: b.full(),
            ffn: ffn.clone(),
            modules: modules.clone(),
        })
        .collect();
    Ok(a)
}

/// `Starcoder2Config` defaults: vocab 49152, hidden 3072, intermediate 12288, 30 layers, 24 heads, 2 kv heads,
/// max positions 4096, tied, `gelu_pytorch_tanh`, `use_bias` true, `sliding_window` none.
pub(crate) const STARCODER2: Defaults = Defaults {
    vocab_size: Some(49152),
    hidden_size: Some(3072),
    intermediate_size: Some(12288),
    num_hidden_layers: Some(30),
    num_attention_heads: Some(24),
    num_key_value_heads: Some(2),
    head_dim: None,
    max_position_embeddings: Some(4096),
    tie_word_embeddings: true,
    hidden_act: "gelu_pytorch_tanh",
};

/// StarCoder2 (`modeling_starcoder2.py`): q/k/v/o with bias (`use_bias`), LayerNorms with bias
/// (`input_layernorm`, `post_attention_layernorm`, final `norm`), MLP `c_fc` `[H → I]`, `c_proj` `[I → H]`
/// with bias; every layer slides when `sliding_window` is set.
pub fn starcoder2(c: &Cfg) -> Result<Architecture, ConfigError> {
    let b = Base::read(c, &STARCODER2)?;
    let bias = c.bool_or("use_bias", true)?;
    let window = c.size("sliding_window", MAX_CONTEXT)?;
    let flags = sliding_flags(c, b.layers, |_| window.is_some())?;
    let mut a = skeleton("starcoder2", false, &b, c)?;
    a.outer_modules = outer(&b, "norm", true, false)?;
    let mut modules = vec![norm("input_layernorm", b.hidden, true)?];
    modules.extend(attention(
        &b,
        AttnOpts {
            qkv_bias: bias,
            o_bias: bias,
            ..Default::default()
        },
    )?);
    modules.push(norm("post_attention_layernorm", b.hidden, true)?);
    modules.push(linear(
        "c_fc",
        Component::Mlp,
        b.hidden,
        b.intermediate,
        bias,
    )?);
    modules.push(linear(
        "c_proj",
        Component::Mlp,
        b.intermediate,
        b.hidden,
        bias,
    )?);
    let ffn = Ffn::Dense {
        intermediate: b.intermediate,
        gated: false,
    };
    a.layers = flags
        .iter()
        .map(|s| Layer {
            mixer: super::common::mixer_for(&b, *s, window),
            ffn: ffn.clone(),
            modules: modules.clone(),
        })
        .collect();
    a.sliding_window = window_if_used(&flags, window);
    Ok(a)
}
