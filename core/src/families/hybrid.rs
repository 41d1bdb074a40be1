//! Hybrid decoders mixing softmax attention with recurrent mixers: qwen3_next (gated DeltaNet linear
//! attention + gated full attention, MoE) and nemotron_h (Mamba-2 + attention + MLP blocks).

use super::common::{
    add, attention, experts_and_topk, gated_mlp, linear, mul, norm, other, outer, skeleton,
    stacked, AttnOpts, Base, Defaults,
};
use crate::arch::{Architecture, Component, Ffn, Layer, Mixer, Module};
use crate::config::{Cfg, ConfigError, MAX_DIM, MAX_EXPERTS, MAX_LAYERS};

/// `Qwen3NextConfig` defaults (transformers 5.17): vocab 151936, hidden 2048, intermediate 5632, 48 layers,
/// 16 heads, 2 kv heads, head_dim 256, max positions 32768, untied, `attention_bias` false; linear attention
/// `linear_conv_kernel_dim` 4, `linear_key_head_dim` 128, `linear_value_head_dim` 128, `linear_num_key_heads`
/// 16, `linear_num_value_heads` 32; every `full_attention_interval`-th (4) layer is full attention; MoE with 512
/// experts, 10 per token, `moe_intermediate_size` 512, `shared_expert_intermediate_size` 512,
/// `decoder_sparse_step` 1, `mlp_only_layers` [].
pub(crate) const QWEN3_NEXT: Defaults = Defaults {
    vocab_size: Some(151936),
    hidden_size: Some(2048),
    intermediate_size: Some(5632),
    num_hidden_layers: Some(48),
    num_attention_heads: Some(16),
    num_key_value_heads: Some(2),
    head_dim: Some(256),
    max_position_embeddings: Some(32768),
    tie_word_embeddings: false,
    hidden_act: "silu",
};

/// Gated DeltaNet linear attention of Qwen3-Next (`Qwen3NextGatedDeltaNet`), with key_dim = `linear_num_key_heads
/// × linear_key_head_dim` and value_dim = `linear_num_value_heads × linear_value_head_dim`:
/// `in_proj_qkvz` `[H → 2·key_dim + 2·value_dim]`, `in_proj_ba` `[H → 2·num_value_heads]`, depthwise `conv1d`
/// over conv_dim = 2·key_dim + value_dim channels (kernel `linear_conv_kernel_dim`, no bias), `dt_bias` and
/// `A_log` (num_value_heads each), gated RMSNorm `norm` (value head dim), `out_proj` `[value_dim → H]`.
/// Recurrent state per sequence: conv_dim × kernel + num_value_heads × key_head_dim × value_head_dim elements.
fn gated_deltanet(c: &Cfg, h: u64) -> Result<(Vec<Module>, Mixer), ConfigError> {
    let x = Component::Mixer;
    let kernel = c.size_or("linear_conv_kernel_dim", MAX_DIM, 4)?;
    let dk = c.size_or("linear_key_head_dim", MAX_DIM, 128)?;
    let dv = c.size_or("linear_value_head_dim", MAX_DIM, 128)?;
    let nk = c.size_or("linear_num_key_heads", MAX_EXPERTS, 16)?;
    let nv = c.size_or("linear_num_value_heads", MAX_EXPERTS, 32)?;
    let key_dim = mul(nk, dk, "linear_key_head_dim")?;
    let value_dim = mul(nv, dv, "linear_value_head_dim")?;
    let qkvz = add(
        mul(key_dim, 2, "linear_key_head_dim")?,
        mul(value_dim, 2, "linear_value_head_dim")?,
        "linear_value_head_dim",
    )?;
    let conv_dim = add(
        mul(key_dim, 2, "linear_key_head_dim")?,
        value_dim,
        "linear_value_head_dim",
    )?;
    let m = vec![
        linear("in_proj_qkvz", x, h, qkvz, false)?,
        linear(
            "in_proj_ba",
            x,
            h,
            mul(nv, 2, "linear_num_value_heads")?,
            false,
        )?,
        other(
            "conv1d",
            x,
            mul(conv_dim, kernel, "linear_conv_kernel_dim")?,
        ),
        other("dt_bias", x, nv),
        other("A_log", x, nv),
        other("norm", x, dv),
        linear("out_proj", x, value_dim, h, false)?,
    ];
    let state = add(
        mul(conv_dim, kernel, "linear_conv_kernel_dim")?,
        mul(
            mul(nv, dk, "linear_key_head_dim")?,
            dv,
            "linear_value_head_dim",
        )?,
        "linear_value_head_dim",
    )?;
    Ok((
        m,
        Mixer::LinearAttention {
            state_elements: state,
            inner_width: qkvz,
        },
    ))
}

/// Qwen3-Next (`modeling_qwen3_next.py`): `layer_types` (`linear_attention` / `full_attention`, default every
/// `full_attention_interval`-th layer full); full attention has a gated query (`q_proj` `[H → 2·heads·head_dim]`)
/// and per-head `q_norm`/`k_norm`; sparse layers hold router `gate` (weight `[E, H]`), stacked experts, a
/// `shared_expert` MLP and `shared_expert_gate` `nn.Linear(H, 1)`.
pub fn qwen3_next(c: &Cfg) -> Result<Architecture, ConfigError> {
    let b = Base::read(c, &QWEN3_NEXT)?;
    let (e, k) = experts_and_topk(
        c,
        &["num_experts", "num_local_experts"],
        &["num_experts_per_tok"],
        Some(512),
        Some(10),
    )?;
    let moe_i = c.size_or("moe_intermediate_size", MAX_DIM, 512)?;
    let shared_i = c.count_or("shared_expert_intermediate_size", MAX_DIM, 512)?;
    let interval = c.size_or("full_attention_interval", MAX_LAYERS, 4)?;
    let full: Vec<bool> = match c.strings("layer_types")? {
        Some(t) if t.len() as u64 == b.layers => {
            t.iter().map(|s| *s != "linear_attention").collect()
        }
        Some(t) => {
            return Err(ConfigError::bad(
                "layer_types",
                format!(
                    "has {} entries but num_hidden_layers is {}",
                    t.len(),
                    b.layers
                ),
            ))
        }
        None => (0..b.layers).map(|i| (i + 1) % interval == 0).collect(),
    };
    let step = c.size_or("decoder_sparse_step", MAX_LAYERS, 1)?;
    let dense_only: Vec<u64> = c
        .array("mlp_only_layers")
        .map(|a| a.iter().filter_map(|v| v.as_u64()).collect())
        .unwrap_or_default();
    let bias = c.bool_or("attention_bias", false)?;
    let attn = attention(
        &b,
        AttnOpts {
            qkv_bias: bias,
            o_bias: bias,
            qk_norm_per_head: true,
            gated_q: true,
            ..Default::default()
        },
    )?;
    let (lin, lin_mixer) = gated_deltanet(c, b.hidden)?;
    let mut a = skeleton("qwen3_next", false, &b, c)?;
    a.outer_modules = outer(&b, "norm", false, false)?;
    let mut layers = Vec::new();
    for (i, is_full) in full.iter().enumerate() {
        let mut modules = vec![norm("input_layernorm", b.hidden, false)?];
        let mixer = if *is_full {
            modules.extend(attn.iter().cloned());
            b.full()
        } else {
            modules.extend(lin.iter().cloned());
            lin_mixer.clone()
        };
        modules.push(norm("post_attention_layernorm", b.hidden, false)?);
        let sparse = !dense_only.contains(&(i as u64)) && (i as u64 + 1).is_multiple_of(step);
        let ffn = if sparse {
            super::moe::qwen_sparse_block(&mut modules, b.hidden, moe_i, e, k, shared_i)?
        } else {
            modules.extend(gated_mlp(Component::Mlp, b.hidden, b.intermediate, false)?);
            Ffn::Dense {
                intermediate: b.intermediate,
                gated: true,
            }
        };
        layers.push(Layer {
            mixer,
            ffn,
            modules,
        });
    }
    a.layers = layers;
    a.num_experts = Some(e);
    a.experts_per_token = Some(k);
    Ok(a)
}

/// `NemotronHConfig` defaults (transformers 5.17): vocab 131072, hidden 4096, intermediate 21504, 32 heads,
/// 8 kv heads, head_dim 128, max positions 4096, untied, `attention_bias` false, `mlp_bias` false, `relu2` MLP;
/// Mamba-2 `mamba_num_heads` 128, `mamba_head_dim` 64, `n_groups` 8, `ssm_state_size` 128, `conv_kernel` 4,
/// `use_conv_bias` true, `use_bias` (projection bias) false; MoE blocks `n_routed_experts` 8, 2 per token,
/// `moe_intermediate_size` 7688, `moe_shared_expert_intermediate_size` 7688.
pub(crate) const NEMOTRON_H: Defaults = Defaults {
    vocab_size: Some(131072),
    hidden_size: Some(4096),
    intermediate_size: Some(21504),
    num_hidden_layers: Some(52),
    num_attention_heads: Some(32),
    num_key_value_heads: Some(8),
    head_dim: Some(128),
    max_position_embeddings: Some(4096),
    tie_word_embeddings: false,
    hidden_act: "relu2",
};

/// Block kinds of Nemotron-H.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Block {
    Mamba,
    Attention,
    Mlp,
    Moe,
}

/// Block kinds from `hybrid_override_pattern` (`M` Mamba-2, `*` attention, `-` MLP, `E` MoE) or, in
/// transformers-5 configs, `layers_block_type` (`mamba`/`linear_attention`, `attention`/`full_attention`, `mlp`,
/// `moe`).
fn nemotron_blocks(c: &Cfg) -> Result<Vec<Block>, ConfigError> {
    if let Some(p) = c.str("hybrid_override_pattern")? {
        return p
            .chars()
            .map(|ch| match ch {
                'M' => Ok(Block::Mamba),
                '*' => Ok(Block::Attention),
                '-' => Ok(Block::Mlp),
                'E' => Ok(Block::Moe),
                other => Err(ConfigError::bad(
                    "hybrid_override_pattern",
                    format!("unknown block `{other}` (expected M, *, - or E)"),
                )),
            })
            .collect();
    }
    let Some(types) = c.strings("layers_block_type")? else {
        return Err(ConfigError::MissingField("hybrid_override_pattern".into()));
    };
    types
        .iter()
        .map(|t| match *t {
            "mamba" | "linear_attention" => Ok(Block::Mamba),
            "attention" | "full_attention" => Ok(Block::Attention),
            "mlp" => Ok(Block::Mlp),
            "moe" => Ok(Block::Moe),
            other => Err(ConfigError::bad(
                "layers_block_type",
                format!("unknown block type `{other}`"),
            )),
        })
        .collect()
}

/// Mamba-2 mixer (`NemotronHMamba2Mixer`), d_inner = `mamba_num_heads × mamba_head_dim`, conv_dim = d_inner +
/// 2·`n_groups`·`ssm_state_size`: `in_proj` `[H → 2·d_inner + 2·n_groups·state + heads]`, depthwise `conv1d`
/// (conv_dim × kernel, + conv_dim bias), `dt_bias`, `A_log`, `D` (heads each), gated RMSNorm `norm` (d_inner),
/// `out_proj` `[d_inner → H]`. State per sequence: conv_dim × kernel + heads × head_dim × state elements.
fn mamba2(c: &Cfg, h: u64) -> Result<(Vec<Module>, Mixer), ConfigError> {
    let x = Component::Mixer;
    let heads = c.size_or("mamba_num_heads", MAX_EXPERTS, 128)?;
    let hd = c.size_or("mamba_head_dim", MAX_DIM, 64)?;
    let groups = match c.size("n_groups", MAX_EXPERTS)? {
        Some(g) => g,
        None => c.size_or("mamba_n_groups", MAX_EXPERTS, 8)?,
    };
    let state = c.size_or("ssm_state_size", MAX_DIM, 128)?;
    let kernel = match c.size("conv_kernel", MAX_DIM)? {
        Some(k) => k,
        None => c.size_or("mamba_d_conv", MAX_DIM, 4)?,
    };
    let conv_bias = c.bool_or("use_conv_bias", true)?;
    let proj_bias = c.bool_or("use_bias", c.bool_or("mamba_proj_bias", false)?)?;
    let d_inner = mul(heads, hd, "mamba_head_dim")?;
    let gn = mul(mul(groups, state, "ssm_state_size")?, 2, "ssm_state_size")?;
    let conv_dim = add(d_inner, gn, "ssm_state_size")?;
    let in_out = add(
        add(mul(d_inner, 2, "mamba_head_dim")?, gn, "ssm_state_size")?,
        heads,
        "mamba_num_heads",
    )?;
    let conv = add(
        mul(conv_dim, kernel, "conv_kernel")?,
        if conv_bias { conv_dim } else { 0 },
        "conv_kernel",
    )?;
    let m = vec![
        linear("in_proj", x, h, in_out, proj_bias)?,
        other("conv1d", x, conv),
        other("dt_bias", x, heads),
        other("A_log", x, heads),
        other("D", x, heads),
        other("norm", x, d_inner),
        linear("out_proj", x, d_inner, h, proj_bias)?,
    ];
    let st = add(
        mul(conv_dim, kernel, "conv_kernel")?,
        mul(d_inner, state, "ssm_state_size")?,
        "ssm_state_size",
    )?;
    Ok((
        m,
        Mixer::Mamba {
            state_elements: st,
            inner_width: in_out,
        },
    ))
}

/// Nemotron-H (`modeling_nemotron_h.py`): each block is one RMSNorm `norm` plus one mixer: Mamba-2, attention
/// (q/k/v/o, bias `attention_bias`; head_dim from `head_dim` or `attention_head_dim`), a `relu2` MLP
/// (`up_proj` `[H → I]`, `down_proj` `[I → H]`, bias `mlp_bias`) or an MoE block. Outside: `embeddings`,
/// `norm_f`, `lm_head`. MoE blocks (Nemotron-3 style, no fixture to check against) mark the result approximate.
pub fn nemotron_h(c: &Cfg) -> Result<Architecture, ConfigError> {
    let mut b = Base::read(c, &NEMOTRON_H)?;
    if !c.has("head_dim") {
        b.head_dim = c.size_or("attention_head_dim", MAX_DIM, 128)?;
    }
    let blocks = nemotron_blocks(c)?;
    if c.has("num_hidden_layers") && b.layers != blocks.len() as u64 {
        return Err(ConfigError::bad(
            "hybrid_override_pattern",
            format!(
                "describes {} blocks but num_hidden_layers is {}",
                blocks.len(),
                b.layers
            ),
        ));
    }
    b.layers = blocks.len() as u64;
    if b.layers == 0 || b.layers > MAX_LAYERS {
        return Err(ConfigError::bad(
            "hybrid_override_pattern",
            "must describe between 1 and 65536 blocks",
        ));
    }
    let has_moe = blocks.contains(&Block::Moe);
    let mut a = skeleton("nemotron_h", has_moe, &b, c)?;
    a.outer_modules = outer(&b, "norm_f", false, false)?;
    a.outer_modules[0].name = "embeddings".into();
    let bias = c.bool_or("attention_bias", false)?;
    let attn = attention(
        &b,
        AttnOpts {
            qkv_bias: bias,
            o_bias: bias,
            ..Default::default()
        },
    )?;
    let (mamba, mamba_mixer) = mamba2(c, b.hidden)?;
    let mlp_bias = c.bool_or("mlp_bias", false)?;
    let mut layers = Vec::with_capacity(blocks.len());
    for blk in &blocks {
        let mut modules = vec![norm("norm", b.hidden, false)?];
        let (mixer, ffn) = match blk {
            Block::Mamba => {
                modules.extend(mamba.iter().cloned());
                (mamba_mixer.clone(), Ffn::None)
            }
            Block::Attention => {
                modules.extend(attn.iter().cloned());
                (b.full(), Ffn::None)
            }
            Block::Mlp => {
                modules.push(linear(
                    "up_proj",
                    Component::Mlp,
                    b.hidden,
                    b.intermediate,
                    mlp_bias,
                )?);
                modules.push(linear(
                    "down_proj",
                    Component::Mlp,
                    b.intermediate,
                    b.hidden,
                    mlp_bias,
                )?);
                (
                    Mixer::None,
                    Ffn::Dense {
                        intermediate: b.intermediate,
                        gated: false,
                    },
                )
            }
            Block::Moe => {
                let (ffn, m) = nemotron_moe(c, b.hidden, mlp_bias)?;
                modules.extend(m);
                a.num_experts = Some(match ffn {
                    Ffn::Moe { experts, .. } => experts,
                    _ => 0,
                });
                a.experts_per_token = Some(match ffn {
                    Ffn::Moe { top_k, .. } => top_k,
                    _ => 0,
                });
                (Mixer::None, ffn)
            }
        };
        layers.push(Layer {
            mixer,
            ffn,
            modules,
        });
    }
    a.layers = layers;
    Ok(a)
}

/// A Nemotron-H MoE block: router `gate` `[E, H]`, E stacked non-gated experts (`up_proj` `[H → I]`,
/// `down_proj` `[I → H]`) and non-gated `shared_experts` of `moe_shared_expert_intermediate_size`.
fn nemotron_moe(c: &Cfg, h: u64, bias: bool) -> Result<(Ffn, Vec<Module>), ConfigError> {
    let (e, k) = experts_and_topk(
        c,
        &["n_routed_experts"],
        &["num_experts_per_tok"],
        Some(8),
        Some(2),
    )?;
    let moe_i = c.size_or("moe_intermediate_size", MAX_DIM, 7688)?;
    let shared_i = c.count_or("moe_shared_expert_intermediate_size", MAX_DIM, 7688)?;
    let x = Component::Experts;
    let mut m = vec![
        other("gate", Component::Router, mul(e, h, "n_routed_experts")?),
        stacked("up_proj", x, h, moe_i, bias, e, k)?,
        stacked("down_proj", x, moe_i, h, bias, e, k)?,
    ];
    if shared_i > 0 {
        m.push(linear(
            "up_proj",
            Component::SharedExperts,
            h,
            shared_i,
            bias,
        )?);
        m.push(linear(
            "down_proj",
            Component::SharedExperts,
            shared_i,
            h,
            bias,
        )?);
    }
    Ok((
        Ffn::Moe {
            experts: e,
            top_k: k,
            expert_intermediate: moe_i,
            shared_intermediate: shared_i,
            gated: false,
        },
        m,
    ))
}
