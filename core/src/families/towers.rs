//! Vision towers and multimodal projectors of the multimodal wrappers (`model_type` with a `text_config` and a
//! `vision_config`), as transformers 5.17 builds them in the `…ForConditionalGeneration` class that
//! `AutoModelForImageTextToText` loads for fine-tuning:
//!
//! * `gemma3`: SigLIP vision model (`modeling_siglip.py`) + `Gemma3MultiModalProjector` (`modeling_gemma3.py`);
//! * `qwen2_5_vl`: `Qwen2_5_VisionTransformerPretrainedModel` with its patch merger (`modeling_qwen2_5_vl.py`);
//! * `qwen3_vl`: `Qwen3VLVisionModel` with its merger and DeepStack mergers (`modeling_qwen3_vl.py`);
//! * `mistral3`: Pixtral vision model (`modeling_pixtral.py`) + `Mistral3MultiModalProjector`
//!   (`modeling_mistral3.py`);
//! * `llama4`: `Llama4VisionModel` with its pixel-shuffle adapter + `Llama4MultiModalProjector`
//!   (`modeling_llama4.py`).
//!
//! Each tower is described as [`Module`]s of [`Component::VisionTower`] (the mergers that map to the language
//! model's width: [`Component::MultimodalProjector`]) with `instances` = the number of encoder layers, so that
//! parameter counts, weight bytes and LoRA adapters (PEFT 0.21's `all-linear` adapts every `nn.Linear` of the
//! towers and projectors, `lm_head` excepted) follow from the same list as the language model's. The towers hold
//! only weights in a text-only run: they are not called, so they get no activations, no gradients and no
//! optimizer states (see [`crate::warnings::WarningCode::IdleTowers`]).

use super::common::{linear, mul, other};
use crate::arch::{Component, Module};
use crate::config::{Cfg, ConfigError, MAX_DIM, MAX_EXPERTS, MAX_LAYERS};

const V: Component = Component::VisionTower;
const P: Component = Component::MultimodalProjector;

/// `instances` copies of `m` (one per encoder layer).
fn times(mut m: Module, instances: u64) -> Module {
    m.instances = instances;
    m.active_instances = instances;
    m
}

/// A LayerNorm (`weight` and `bias`) of `width` in component `c`.
fn layer_norm(name: &str, c: Component, width: u64) -> Result<Module, ConfigError> {
    Ok(other(name, c, mul(width, 2, name)?))
}

/// The towers and projector of the multimodal wrapper `model_type` whose configuration is `top` (with
/// `vision_config` under it), for a language model of width `text_hidden`. `None` when `model_type` is not a
/// wrapper ftmem knows. Errors: unusable sizes in `vision_config`, naming the field.
pub(crate) fn towers(
    model_type: &str,
    top: &Cfg,
    text_hidden: u64,
) -> Result<Option<Vec<Module>>, ConfigError> {
    let empty = serde_json::Map::new();
    let vis = top
        .sub("vision_config")
        .unwrap_or_else(|| Cfg::from_map(&empty));
    let m = match model_type {
        "gemma3" => {
            let mut m = siglip(&vis)?;
            let hv = vis.size_or("hidden_size", MAX_DIM, 768)?;
            // `mm_input_projection_weight` [Hv, Ht] (a plain parameter) and `mm_soft_emb_norm` (RMSNorm Hv).
            m.push(other(
                "mm_input_projection_weight",
                P,
                mul(hv, text_hidden, "vision_config.hidden_size")?,
            ));
            m.push(other("mm_soft_emb_norm", P, hv));
            m
        }
        "qwen2_5_vl" => qwen2_5_vision(&vis)?,
        "qwen3_vl" => qwen3_vision(&vis)?,
        "mistral3" => {
            let mut m = pixtral(&vis)?;
            m.extend(mistral3_projector(top, &vis, text_hidden)?);
            m
        }
        "llama4" => {
            let mut m = llama4_vision(&vis)?;
            let out = vis.size_or("vision_output_dim", MAX_DIM, 7680)?;
            let bias = vis.bool_or("multi_modal_projector_bias", false)?;
            m.push(linear("linear_1", P, out, text_hidden, bias)?);
            m
        }
        _ => return Ok(None),
    };
    Ok(Some(m))
}

/// Patches per side of a square image: `image_size / patch_size`.
fn patches(vis: &Cfg, image_default: u64, patch_default: u64) -> Result<(u64, u64), ConfigError> {
    let image = vis.size_or("image_size", MAX_DIM, image_default)?;
    let patch = vis.size_or("patch_size", MAX_DIM, patch_default)?;
    Ok((image / patch, patch))
}

/// SigLIP vision model (`SiglipVisionConfig` defaults: hidden 768, intermediate 3072, 12 layers, 3 channels,
/// image 224, patch 16, pooling head unless `vision_use_head` is false): `patch_embedding` Conv2d(C, H, p, p) with
/// bias, `position_embedding` [(image/p)², H]; per layer `layer_norm1`/`layer_norm2` (LayerNorm H), q/k/v/`out_proj`
/// `[H → H]` with bias, `fc1` `[H → I]`, `fc2` `[I → H]` with bias; `post_layernorm`; the pooling head (`probe` H,
/// `nn.MultiheadAttention` with its `out_proj` linear, LayerNorm, an MLP like the layers').
fn siglip(vis: &Cfg) -> Result<Vec<Module>, ConfigError> {
    let h = vis.size_or("hidden_size", MAX_DIM, 768)?;
    let i = vis.size_or("intermediate_size", MAX_DIM, 3072)?;
    let layers = vis.size_or("num_hidden_layers", MAX_LAYERS, 12)?;
    let ch = vis.size_or("num_channels", MAX_DIM, 3)?;
    let (side, p) = patches(vis, 224, 16)?;
    let conv = mul(
        mul(mul(ch, p, "patch_size")?, p, "patch_size")?,
        h,
        "hidden_size",
    )?;
    let mut m = vec![
        other("patch_embedding", V, conv + h),
        other(
            "position_embedding",
            V,
            mul(mul(side, side, "image_size")?, h, "hidden_size")?,
        ),
    ];
    for name in ["q_proj", "k_proj", "v_proj", "out_proj"] {
        m.push(times(linear(name, V, h, h, true)?, layers));
    }
    m.push(times(layer_norm("layer_norm1", V, h)?, layers));
    m.push(times(layer_norm("layer_norm2", V, h)?, layers));
    m.push(times(linear("fc1", V, h, i, true)?, layers));
    m.push(times(linear("fc2", V, i, h, true)?, layers));
    m.push(layer_norm("post_layernorm", V, h)?);
    if vis.bool_or("vision_use_head", true)? {
        m.push(other("probe", V, h));
        // `nn.MultiheadAttention`: `in_proj_weight` [3H, H] + `in_proj_bias` [3H] as plain parameters, and
        // `out_proj`, an `nn.Linear` subclass that PEFT's `all-linear` adapts.
        m.push(other("in_proj", V, mul(h, 3 * h + 3, "hidden_size")?));
        m.push(linear("out_proj", V, h, h, true)?);
        m.push(layer_norm("layernorm", V, h)?);
        m.push(linear("fc1", V, h, i, true)?);
        m.push(linear("fc2", V, i, h, true)?);
    }
    Ok(m)
}

/// Qwen2.5-VL vision transformer (`Qwen2_5_VLVisionConfig` defaults: depth 32, hidden 3584, intermediate 3420,
/// 3 input channels, patch 14, temporal patch 2, spatial merge 2, out_hidden 3584): `patch_embed` Conv3d without
/// bias (C·t·p²·H); per block `norm1`/`norm2` (RMSNorm H), `qkv` `[H → 3H]` and `proj` `[H → H]` with bias, gated
/// MLP `gate_proj`/`up_proj` `[H → I]`, `down_proj` `[I → H]` with bias; merger `ln_q` (RMSNorm H), `mlp.0`
/// `[H·m² → H·m²]` and `mlp.2` `[H·m² → out_hidden]` with bias (PEFT names them `0` and `2`).
fn qwen2_5_vision(vis: &Cfg) -> Result<Vec<Module>, ConfigError> {
    let depth = vis.size_or("depth", MAX_LAYERS, 32)?;
    let h = vis.size_or("hidden_size", MAX_DIM, 3584)?;
    let i = vis.size_or("intermediate_size", MAX_DIM, 3420)?;
    let (ch, p, t, merge, out) = qwen_vision_common(vis, 14, 3584)?;
    let conv = mul(
        mul(
            mul(mul(ch, t, "temporal_patch_size")?, p, "patch_size")?,
            p,
            "patch_size",
        )?,
        h,
        "hidden_size",
    )?;
    let hm = mul(h, merge * merge, "spatial_merge_size")?;
    Ok(vec![
        other("patch_embed", V, conv),
        times(other("norm1", V, h), depth),
        times(other("norm2", V, h), depth),
        times(linear("qkv", V, h, mul(h, 3, "hidden_size")?, true)?, depth),
        times(linear("proj", V, h, h, true)?, depth),
        times(linear("gate_proj", V, h, i, true)?, depth),
        times(linear("up_proj", V, h, i, true)?, depth),
        times(linear("down_proj", V, i, h, true)?, depth),
        other("ln_q", P, h),
        linear("0", P, hm, hm, true)?,
        linear("2", P, hm, out, true)?,
    ])
}

/// `in_channels` (or `in_chans`), `patch_size`, `temporal_patch_size`, `spatial_merge_size`, `out_hidden_size`.
fn qwen_vision_common(
    vis: &Cfg,
    patch_default: u64,
    out_default: u64,
) -> Result<(u64, u64, u64, u64, u64), ConfigError> {
    let ch = match vis.size("in_channels", MAX_DIM)? {
        Some(c) => c,
        None => vis.size_or("in_chans", MAX_DIM, 3)?,
    };
    Ok((
        ch,
        vis.size_or("patch_size", MAX_DIM, patch_default)?,
        vis.size_or("temporal_patch_size", MAX_DIM, 2)?,
        vis.size_or("spatial_merge_size", MAX_DIM, 2)?,
        vis.size_or("out_hidden_size", MAX_DIM, out_default)?,
    ))
}

/// Qwen3-VL vision model (`Qwen3VLVisionConfig` defaults: depth 27, hidden 1152, intermediate 4304, patch 16,
/// temporal patch 2, spatial merge 2, out_hidden 3584, 2304 position embeddings, DeepStack indexes [8, 16, 24]):
/// `patch_embed` Conv3d with bias, `pos_embed` [N, H]; per block `norm1`/`norm2` (LayerNorm H), `qkv`, `proj`,
/// `linear_fc1` `[H → I]`, `linear_fc2` `[I → H]`, all with bias; merger `norm` (LayerNorm H), `linear_fc1`
/// `[H·m² → H·m²]`, `linear_fc2` `[H·m² → out]`; one DeepStack merger per `deepstack_visual_indexes` entry, the
/// same but with its LayerNorm over H·m².
fn qwen3_vision(vis: &Cfg) -> Result<Vec<Module>, ConfigError> {
    let depth = vis.size_or("depth", MAX_LAYERS, 27)?;
    let h = vis.size_or("hidden_size", MAX_DIM, 1152)?;
    let i = vis.size_or("intermediate_size", MAX_DIM, 4304)?;
    let (ch, p, t, merge, out) = qwen_vision_common(vis, 16, 3584)?;
    let pos = vis.size_or("num_position_embeddings", MAX_DIM, 2304)?;
    let deepstack = match vis.array("deepstack_visual_indexes") {
        Some(list) => list.len() as u64,
        None => 3,
    };
    let conv = mul(
        mul(
            mul(mul(ch, t, "temporal_patch_size")?, p, "patch_size")?,
            p,
            "patch_size",
        )?,
        h,
        "hidden_size",
    )?;
    let hm = mul(h, merge * merge, "spatial_merge_size")?;
    let mut m = vec![
        other("patch_embed", V, conv + h),
        other("pos_embed", V, mul(pos, h, "num_position_embeddings")?),
        times(layer_norm("norm1", V, h)?, depth),
        times(layer_norm("norm2", V, h)?, depth),
        times(linear("qkv", V, h, mul(h, 3, "hidden_size")?, true)?, depth),
        times(linear("proj", V, h, h, true)?, depth),
        times(linear("linear_fc1", V, h, i, true)?, depth),
        times(linear("linear_fc2", V, i, h, true)?, depth),
        layer_norm("norm", P, h)?,
        linear("linear_fc1", P, hm, hm, true)?,
        linear("linear_fc2", P, hm, out, true)?,
    ];
    if deepstack > 0 {
        m.push(times(layer_norm("norm", P, hm)?, deepstack));
        m.push(times(linear("linear_fc1", P, hm, hm, true)?, deepstack));
        m.push(times(linear("linear_fc2", P, hm, out, true)?, deepstack));
    }
    Ok(m)
}

/// Pixtral vision model (`PixtralVisionConfig` defaults: hidden 1024, intermediate 4096, 24 layers, 3 channels,
/// patch 16): `patch_conv` Conv2d(C, H, p, p) without bias, `ln_pre` (RMSNorm H); per layer `attention_norm`,
/// `ffn_norm` (RMSNorm H), q/k/v/o `[H → H]` and gated MLP `gate_proj`/`up_proj` `[H → I]`, `down_proj`, no biases.
fn pixtral(vis: &Cfg) -> Result<Vec<Module>, ConfigError> {
    let h = vis.size_or("hidden_size", MAX_DIM, 1024)?;
    let i = vis.size_or("intermediate_size", MAX_DIM, 4096)?;
    let layers = vis.size_or("num_hidden_layers", MAX_LAYERS, 24)?;
    let ch = vis.size_or("num_channels", MAX_DIM, 3)?;
    let p = vis.size_or("patch_size", MAX_DIM, 16)?;
    let conv = mul(
        mul(mul(ch, p, "patch_size")?, p, "patch_size")?,
        h,
        "hidden_size",
    )?;
    let mut m = vec![other("patch_conv", V, conv), other("ln_pre", V, h)];
    m.push(times(other("attention_norm", V, h), layers));
    m.push(times(other("ffn_norm", V, h), layers));
    for name in ["q_proj", "k_proj", "v_proj", "o_proj"] {
        m.push(times(linear(name, V, h, h, false)?, layers));
    }
    m.push(times(linear("gate_proj", V, h, i, false)?, layers));
    m.push(times(linear("up_proj", V, h, i, false)?, layers));
    m.push(times(linear("down_proj", V, i, h, false)?, layers));
    Ok(m)
}

/// `Mistral3MultiModalProjector`: `norm` (RMSNorm Hv), the patch merger's `merging_layer` `[Hv·m² → Hv]` without
/// bias (`spatial_merge_size` m, default 2), `linear_1` `[Hv·F → Ht]` and `linear_2` `[Ht → Ht]` with bias
/// `multimodal_projector_bias` (default false), F = 1 when `vision_feature_layer` is a number, else its length.
fn mistral3_projector(top: &Cfg, vis: &Cfg, text_hidden: u64) -> Result<Vec<Module>, ConfigError> {
    let hv = vis.size_or("hidden_size", MAX_DIM, 1024)?;
    let merge = top.size_or("spatial_merge_size", MAX_DIM, 2)?;
    let bias = top.bool_or("multimodal_projector_bias", false)?;
    let features = top
        .array("vision_feature_layer")
        .map(|l| l.len() as u64)
        .unwrap_or(1)
        .max(1);
    let hm = mul(hv, merge * merge, "spatial_merge_size")?;
    Ok(vec![
        other("norm", P, hv),
        linear("merging_layer", P, hm, hv, false)?,
        linear(
            "linear_1",
            P,
            mul(hv, features, "vision_feature_layer")?,
            text_hidden,
            bias,
        )?,
        linear("linear_2", P, text_hidden, text_hidden, bias)?,
    ])
}

/// Llama 4 vision model (`Llama4VisionConfig` defaults: hidden 768, intermediate 5632, 34 layers, 3 channels,
/// image 448, patch 14, `projector_input_dim`/`projector_output_dim` 4096): `class_embedding` H,
/// `positional_embedding_vlm` [(image/p)² + 1, H], the unfold convolution's `linear` `[C·p² → H]` without bias,
/// `layernorm_pre`/`layernorm_post` (LayerNorm H); per layer q/k/v/o `[H → H]`, `fc1` `[H → I]`, `fc2` `[I → H]`,
/// all with bias, `input_layernorm`/`post_attention_layernorm` (LayerNorm H); the pixel-shuffle adapter's `fc1`
/// `[I → projector_input_dim]` and `fc2` `[projector_output_dim → projector_output_dim]` without bias.
fn llama4_vision(vis: &Cfg) -> Result<Vec<Module>, ConfigError> {
    let h = vis.size_or("hidden_size", MAX_DIM, 768)?;
    let i = vis.size_or("intermediate_size", MAX_DIM, 5632)?;
    let layers = vis.size_or("num_hidden_layers", MAX_LAYERS, 34)?;
    let ch = vis.size_or("num_channels", MAX_DIM, 3)?;
    let (side, p) = patches(vis, 448, 14)?;
    let pin = vis.size_or("projector_input_dim", MAX_DIM, 4096)?;
    let pout = vis.size_or("projector_output_dim", MAX_DIM, 4096)?;
    let _ = vis.size_or("num_attention_heads", MAX_EXPERTS, 16)?;
    let positions = mul(side, side, "image_size")? + 1;
    let mut m = vec![
        other("class_embedding", V, h),
        other(
            "positional_embedding_vlm",
            V,
            mul(positions, h, "hidden_size")?,
        ),
        linear(
            "linear",
            V,
            mul(mul(ch, p, "patch_size")?, p, "patch_size")?,
            h,
            false,
        )?,
        layer_norm("layernorm_pre", V, h)?,
        layer_norm("layernorm_post", V, h)?,
    ];
    for name in ["q_proj", "k_proj", "v_proj", "o_proj"] {
        m.push(times(linear(name, V, h, h, true)?, layers));
    }
    m.push(times(linear("fc1", V, h, i, true)?, layers));
    m.push(times(linear("fc2", V, i, h, true)?, layers));
    m.push(times(layer_norm("input_layernorm", V, h)?, layers));
    m.push(times(layer_norm("post_attention_layernorm", V, h)?, layers));
    m.push(linear("fc1", V, i, pin, false)?);
    m.push(linear("fc2", V, pout, pout, false)?);
    Ok(m)
}
