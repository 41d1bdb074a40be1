//! Building blocks shared by the family builders: module constructors with checked sizes, the scalar fields
//! every decoder has (with each family's transformers defaults), attention and MLP module sets, layer types.

use crate::arch::{Component, LinearShape, Mixer, Module, ModuleKind, Quantization};
use crate::config::{Cfg, ConfigError, MAX_CONTEXT, MAX_DIM, MAX_EXPERTS, MAX_LAYERS};
use crate::units::Params;

/// A size product did not fit in `u64`: reported as a bad field (the config describes an absurd model).
pub(crate) fn too_big(field: &str) -> ConfigError {
    ConfigError::bad(
        field,
        "the model this describes is too large to count (overflow)",
    )
}

/// Checked product `a × b`, the error naming `field`.
pub(crate) fn mul(a: u64, b: u64, field: &str) -> Result<u64, ConfigError> {
    a.checked_mul(b).ok_or_else(|| too_big(field))
}

/// Checked sum, the error naming `field`.
pub(crate) fn add(a: u64, b: u64, field: &str) -> Result<u64, ConfigError> {
    a.checked_add(b).ok_or_else(|| too_big(field))
}

/// An `nn.Linear(in_features, out_features, bias)` (or GPT-2 `Conv1D`, same parameters and also adapted by
/// PEFT / quantized by bitsandbytes): `in × out (+ out)` parameters.
pub(crate) fn linear(
    name: &str,
    component: Component,
    inp: u64,
    out: u64,
    bias: bool,
) -> Result<Module, ConfigError> {
    let p = add(mul(inp, out, name)?, if bias { out } else { 0 }, name)?;
    let shape = LinearShape {
        in_features: inp,
        out_features: out,
        bias,
    };
    Ok(Module {
        name: name.into(),
        component,
        kind: ModuleKind::Linear(shape),
        params: Params(p),
        instances: 1,
        active_instances: 1,
    })
}

/// `experts` stacked copies of a linear held as one 3-D `nn.Parameter` (plus an optional stacked bias), of which
/// `active` are used per token. Parameters per instance: `in × out (+ out)`.
pub(crate) fn stacked(
    name: &str,
    component: Component,
    inp: u64,
    out: u64,
    bias: bool,
    experts: u64,
    active: u64,
) -> Result<Module, ConfigError> {
    let mut m = linear(name, component, inp, out, bias)?;
    if let ModuleKind::Linear(s) = m.kind {
        m.kind = ModuleKind::StackedLinear(s);
    }
    m.instances = experts;
    m.active_instances = active;
    Ok(m)
}

/// Any other parameter-holding module (norm weights, embeddings, sinks, conv1d, ...) of `params` parameters.
pub(crate) fn other(name: &str, component: Component, params: u64) -> Module {
    Module {
        name: name.into(),
        component,
        kind: ModuleKind::Other,
        params: Params(params),
        instances: 1,
        active_instances: 1,
    }
}

/// An RMSNorm (`weight` of `width`) or, with `bias`, a LayerNorm (`weight` and `bias`, 2 × width).
pub(crate) fn norm(name: &str, width: u64, bias: bool) -> Result<Module, ConfigError> {
    Ok(other(
        name,
        Component::Norms,
        if bias { mul(width, 2, name)? } else { width },
    ))
}

/// The transformers defaults of one family for the common fields; `None` = the field is required
/// (the generic decoder for unknown families has no defaults).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Defaults {
    pub vocab_size: Option<u64>,
    pub hidden_size: Option<u64>,
    pub intermediate_size: Option<u64>,
    pub num_hidden_layers: Option<u64>,
    pub num_attention_heads: Option<u64>,
    /// `None`: equal to `num_attention_heads` (MHA).
    pub num_key_value_heads: Option<u64>,
    /// `None`: `hidden_size / num_attention_heads`.
    pub head_dim: Option<u64>,
    pub max_position_embeddings: Option<u64>,
    pub tie_word_embeddings: bool,
    pub hidden_act: &'static str,
}

impl Defaults {
    /// No defaults at all: every common field must be in the config.
    pub const NONE: Defaults = Defaults {
        vocab_size: None,
        hidden_size: None,
        intermediate_size: None,
        num_hidden_layers: None,
        num_attention_heads: None,
        num_key_value_heads: None,
        head_dim: None,
        max_position_embeddings: None,
        tie_word_embeddings: false,
        hidden_act: "silu",
    };
}

/// The scalar fields every decoder has, resolved against aliases and the family's defaults.
#[derive(Debug, Clone)]
pub(crate) struct Base {
    pub hidden: u64,
    pub layers: u64,
    pub heads: u64,
    pub kv_heads: u64,
    pub head_dim: u64,
    /// 0 when the config has none and the family has no default.
    pub intermediate: u64,
    pub vocab: u64,
    pub max_pos: Option<u64>,
    pub tie: bool,
    pub act: String,
    pub dtype: Option<String>,
    /// The size fields absent from the config whose family default was used, as (`field`, value).
    pub defaults_used: Vec<(String, u64)>,
}

/// Alias lists, canonical name first (GPT-2 / T5 style names accepted for every family).
pub(crate) const HIDDEN: &[&str] = &["hidden_size", "n_embd", "d_model"];
pub(crate) const LAYERS: &[&str] = &["num_hidden_layers", "n_layer", "num_layers"];
pub(crate) const HEADS: &[&str] = &["num_attention_heads", "n_head", "num_heads"];
pub(crate) const INTER: &[&str] = &["intermediate_size", "n_inner", "ffn_dim"];
pub(crate) const MAXPOS: &[&str] = &["max_position_embeddings", "n_positions", "max_seq_len"];

impl Base {
    /// Read the common fields of `c` with family defaults `d`.
    pub fn read(c: &Cfg, d: &Defaults) -> Result<Base, ConfigError> {
        let used = std::cell::RefCell::new(Vec::new());
        let or = |v: Option<u64>, dflt: Option<u64>, name: &str| match (v, dflt) {
            (Some(v), _) => Ok(v),
            (None, Some(x)) => {
                used.borrow_mut().push((name.to_string(), x));
                Ok(x)
            }
            (None, None) => Err(ConfigError::MissingField(name.to_string())),
        };
        let hidden = or(c.size_any(HIDDEN, MAX_DIM)?, d.hidden_size, HIDDEN[0])?;
        let layers = or(
            c.size_any(LAYERS, MAX_LAYERS)?,
            d.num_hidden_layers,
            LAYERS[0],
        )?;
        let heads = or(
            c.size_any(HEADS, MAX_EXPERTS)?,
            d.num_attention_heads,
            HEADS[0],
        )?;
        let kv_heads = c
            .size("num_key_value_heads", MAX_EXPERTS)?
            .or(d.num_key_value_heads)
            .unwrap_or(heads);
        // Grouped-query attention repeats each key/value head `heads / kv_heads` times (transformers'
        // `repeat_kv` with `num_key_value_groups = num_attention_heads // num_key_value_heads`): the shapes only
        // line up when kv_heads divides heads.
        if heads % kv_heads != 0 {
            return Err(ConfigError::bad(
                "num_key_value_heads",
                format!("{kv_heads} does not divide num_attention_heads {heads}"),
            ));
        }
        let head_dim = match c.size("head_dim", MAX_DIM)?.or(d.head_dim) {
            Some(h) => h,
            None => {
                let h = hidden / heads;
                if h == 0 {
                    return Err(ConfigError::bad(
                        HEADS[0],
                        format!("{heads} heads do not fit in hidden_size {hidden}"),
                    ));
                }
                h
            }
        };
        let vocab = or(c.size("vocab_size", MAX_DIM)?, d.vocab_size, "vocab_size")?;
        let intermediate = match c.size_any(INTER, MAX_DIM)? {
            Some(i) => i,
            None => d
                .intermediate_size
                .map(|i| or(None, Some(i), INTER[0]))
                .transpose()?
                .unwrap_or(0),
        };
        let max_pos = c
            .size_any(MAXPOS, MAX_CONTEXT)?
            .or(d.max_position_embeddings);
        let tie = c.bool_or("tie_word_embeddings", d.tie_word_embeddings)?;
        let act = match c
            .str("hidden_act")?
            .or(c.str("hidden_activation")?)
            .or(c.str("activation_function")?)
        {
            Some(s) => s.to_string(),
            None => d.hidden_act.to_string(),
        };
        let dtype = c.dtype()?.map(str::to_string);
        Ok(Base {
            hidden,
            layers,
            heads,
            kv_heads,
            head_dim,
            intermediate,
            vocab,
            max_pos,
            tie,
            act,
            dtype,
            defaults_used: used.into_inner(),
        })
    }

    /// Full softmax attention with this base's heads.
    pub fn full(&self) -> Mixer {
        Mixer::FullAttention {
            heads: self.heads,
            kv_heads: self.kv_heads,
            head_dim: self.head_dim,
        }
    }

    /// Sliding-window attention with this base's heads.
    pub fn sliding(&self, window: u64) -> Mixer {
        Mixer::SlidingAttention {
            heads: self.heads,
            kv_heads: self.kv_heads,
            head_dim: self.head_dim,
            window,
        }
    }
}

/// Per-layer "is sliding" flags from `layer_types` (`sliding_attention` / `full_attention`, transformers ≥ 4.53),
/// else from `fallback(i)`. Errors when `layer_types` has the wrong length.
pub(crate) fn sliding_flags(
    c: &Cfg,
    layers: u64,
    fallback: impl Fn(u64) -> bool,
) -> Result<Vec<bool>, ConfigError> {
    if let Some(types) = c.strings("layer_types")? {
        if types.len() as u64 != layers {
            return Err(ConfigError::bad(
                "layer_types",
                format!(
                    "has {} entries but num_hidden_layers is {layers}",
                    types.len()
                ),
            ));
        }
        return Ok(types
            .iter()
            .map(|t| *t == "sliding_attention" || *t == "chunked_attention")
            .collect());
    }
    Ok((0..layers).map(fallback).collect())
}

/// The mixer of layer `i` given per-layer sliding flags and the window.
pub(crate) fn mixer_for(base: &Base, sliding: bool, window: Option<u64>) -> Mixer {
    match (sliding, window) {
        (true, Some(w)) => base.sliding(w),
        _ => base.full(),
    }
}

/// Options of a standard q/k/v/o attention block.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct AttnOpts {
    /// Bias on q/k/v.
    pub qkv_bias: bool,
    /// Bias on o.
    pub o_bias: bool,
    /// Per-head RMSNorm on q and k (`q_norm`/`k_norm` of width head_dim: Qwen3, Gemma-3).
    pub qk_norm_per_head: bool,
    /// Full-width RMSNorm on q and k (OLMo-2: widths heads·head_dim and kv_heads·head_dim).
    pub qk_norm_full: bool,
    /// Learned attention sinks, one per head (gpt-oss `sinks`).
    pub sinks: bool,
    /// q_proj outputs twice the width (a per-head output gate: Qwen3-Next full attention).
    pub gated_q: bool,
    /// One fused `qkv_proj` (Phi-3) instead of q/k/v.
    pub fused_qkv: bool,
}

/// The attention projections of one layer: `q_proj` `[H → heads·hd]`, `k_proj`/`v_proj` `[H → kv·hd]`,
/// `o_proj` `[heads·hd → H]`, plus the options' norms/sinks.
pub(crate) fn attention(b: &Base, o: AttnOpts) -> Result<Vec<Module>, ConfigError> {
    let a = Component::Attention;
    let q = mul(b.heads, b.head_dim, "head_dim")?;
    let kv = mul(b.kv_heads, b.head_dim, "head_dim")?;
    let mut v = Vec::with_capacity(6);
    if o.fused_qkv {
        v.push(linear(
            "qkv_proj",
            a,
            b.hidden,
            add(q, mul(kv, 2, "head_dim")?, "head_dim")?,
            o.qkv_bias,
        )?);
    } else {
        let qout = if o.gated_q { mul(q, 2, "head_dim")? } else { q };
        v.push(linear("q_proj", a, b.hidden, qout, o.qkv_bias)?);
        v.push(linear("k_proj", a, b.hidden, kv, o.qkv_bias)?);
        v.push(linear("v_proj", a, b.hidden, kv, o.qkv_bias)?);
    }
    v.push(linear("o_proj", a, q, b.hidden, o.o_bias)?);
    if o.qk_norm_per_head {
        v.push(other("q_norm", a, b.head_dim));
        v.push(other("k_norm", a, b.head_dim));
    }
    if o.qk_norm_full {
        v.push(other("q_norm", a, q));
        v.push(other("k_norm", a, kv));
    }
    if o.sinks {
        v.push(other("sinks", a, b.heads));
    }
    Ok(v)
}

/// A gated (SwiGLU/GeGLU) MLP: `gate_proj`, `up_proj` `[H → I]`, `down_proj` `[I → H]`.
pub(crate) fn gated_mlp(
    component: Component,
    hidden: u64,
    inter: u64,
    bias: bool,
) -> Result<Vec<Module>, ConfigError> {
    Ok(vec![
        linear("gate_proj", component, hidden, inter, bias)?,
        linear("up_proj", component, hidden, inter, bias)?,
        linear("down_proj", component, inter, hidden, bias)?,
    ])
}

/// Outer modules: `embed_tokens` `[V, H]`, final norm (`norm_name`, RMSNorm or LayerNorm), and `lm_head`
/// `[H → V]` unless tied.
pub(crate) fn outer(
    b: &Base,
    norm_name: &str,
    norm_bias: bool,
    head_bias: bool,
) -> Result<Vec<Module>, ConfigError> {
    let mut v = vec![
        other(
            "embed_tokens",
            Component::Embeddings,
            mul(b.vocab, b.hidden, "vocab_size")?,
        ),
        norm(norm_name, b.hidden, norm_bias)?,
    ];
    if !b.tie {
        v.push(linear(
            "lm_head",
            Component::LmHead,
            b.hidden,
            b.vocab,
            head_bias,
        )?);
    }
    Ok(v)
}

/// Routed experts held stacked (transformers 5 fused MoE layout): `gate_up_proj` `[E, 2·I, H]` and
/// `down_proj` `[E, H, I]`, `top_k` used per token.
pub(crate) fn stacked_experts(
    hidden: u64,
    inter: u64,
    experts: u64,
    top_k: u64,
    bias: bool,
) -> Result<Vec<Module>, ConfigError> {
    let e = Component::Experts;
    Ok(vec![
        stacked(
            "gate_up_proj",
            e,
            hidden,
            mul(inter, 2, "moe_intermediate_size")?,
            bias,
            experts,
            top_k,
        )?,
        stacked("down_proj", e, inter, hidden, bias, experts, top_k)?,
    ])
}

/// Read the expert count and top-k, checking top-k ≤ experts.
pub(crate) fn experts_and_topk(
    c: &Cfg,
    e_keys: &[&str],
    k_keys: &[&str],
    e_default: Option<u64>,
    k_default: Option<u64>,
) -> Result<(u64, u64), ConfigError> {
    let e = c
        .size_any(e_keys, MAX_EXPERTS)?
        .or(e_default)
        .ok_or_else(|| ConfigError::MissingField(e_keys[0].into()))?;
    let k = c
        .size_any(k_keys, MAX_EXPERTS)?
        .or(k_default)
        .ok_or_else(|| ConfigError::MissingField(k_keys[0].into()))?;
    if k > e {
        return Err(ConfigError::bad(
            k_keys[0],
            format!("{k} experts per token but only {e} experts"),
        ));
    }
    Ok((e, k))
}

/// Placeholder for families' quantization parsing (see [`crate::weights::parse_quantization`]).
pub(crate) fn quantization(c: &Cfg) -> Result<Option<Quantization>, ConfigError> {
    crate::weights::parse_quantization(c)
}

/// An [`Architecture`] with the scalar fields of `b` filled in and no modules yet; the family builder adds
/// `outer_modules`, `layers`, the sliding window, experts and its flags.
pub(crate) fn skeleton(
    model_type: &str,
    approximate: bool,
    b: &Base,
    c: &Cfg,
) -> Result<crate::arch::Architecture, ConfigError> {
    Ok(crate::arch::Architecture {
        model_type: model_type.to_string(),
        approximate,
        hidden_size: b.hidden,
        num_hidden_layers: b.layers,
        num_attention_heads: b.heads,
        num_key_value_heads: b.kv_heads,
        head_dim: b.head_dim,
        intermediate_size: b.intermediate,
        vocab_size: b.vocab,
        max_position_embeddings: b.max_pos,
        tie_word_embeddings: b.tie,
        sliding_window: None,
        num_experts: None,
        experts_per_token: None,
        hidden_act: b.act.clone(),
        dtype: b.dtype.clone(),
        quantization: quantization(c)?,
        final_logit_softcapping: c.f64("final_logit_softcapping")?.is_some_and(|x| x > 0.0),
        prefers_eager_attention: false,
        residual_dropout: residual_dropout(c)?,
        defaults_used: b.defaults_used.clone(),
        outer_modules: Vec::new(),
        layers: Vec::new(),
        checkpoint_weights: None,
    })
}

/// Refuse an object with none of the size fields ([`ConfigError::NotAModel`]): no hidden size, layer count,
/// head count or vocabulary under any alias. A config with some of them gets the family's defaults for the
/// others, listed in [`crate::arch::Architecture::defaults_used`].
pub(crate) fn require_some_size(c: &Cfg) -> Result<(), ConfigError> {
    let groups: [&[&str]; 4] = [HIDDEN, LAYERS, HEADS, &["vocab_size"]];
    if groups.iter().any(|g| g.iter().any(|k| c.has(k))) {
        return Ok(());
    }
    let name = |g: &[&str]| match g {
        [one] => (*one).to_string(),
        [first, rest @ ..] => format!("{first} ({})", rest.join(", ")),
        [] => String::new(),
    };
    let mut missing: Vec<String> = groups.iter().map(|g| name(g)).collect();
    missing.push(name(INTER));
    Err(ConfigError::NotAModel { missing })
}

/// The residual dropout probability: `resid_pdrop` (phi, phi3, gpt2) or `residual_dropout` (starcoder2), which
/// those families' decoder layers apply to the attention and MLP outputs in training; 0 when absent or null.
/// Errors: a value outside [0, 1] or not a number, naming the field.
fn residual_dropout(c: &Cfg) -> Result<f64, ConfigError> {
    for key in ["resid_pdrop", "residual_dropout"] {
        if let Some(p) = c.f64(key)? {
            if !(0.0..=1.0).contains(&p) {
                return Err(ConfigError::bad(
                    key,
                    format!("must be a probability in [0, 1], got {p}"),
                ));
            }
            return Ok(p);
        }
    }
    Ok(0.0)
}

/// `key` if present (a `null` means "none"), else the family default `default` when the key is absent
/// altogether. Used for `sliding_window`, whose transformers default differs from an explicit `null`.
pub(crate) fn size_or_absent_default(
    c: &Cfg,
    key: &str,
    max: u64,
    default: Option<u64>,
) -> Result<Option<u64>, ConfigError> {
    if c.map().contains_key(key) {
        c.size(key, max)
    } else {
        Ok(default)
    }
}

/// The sliding window of the layers that use one, only when at least one layer does.
pub(crate) fn window_if_used(flags: &[bool], window: Option<u64>) -> Option<u64> {
    if flags.iter().any(|s| *s) {
        window
    } else {
        None
    }
}
