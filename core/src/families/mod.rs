//! Per-family builders of [`Architecture`]: one module per family group, each deriving the exact module list
//! (names, shapes, instances) from the family's transformers modeling code, with its configuration class'
//! defaults for absent fields.
//!
//! * `dense`: llama, mistral, qwen2, qwen3, gemma, gemma2, gemma3_text, olmo2, olmo3, phi3, smollm3, ernie4_5,
//!   seed_oss, exaone4 and the generic decoder.
//! * `moe`: mixtral, gpt_oss, qwen2_moe, qwen3_moe.
//! * `legacy`: gpt2, phi, starcoder2 (LayerNorms, biases, non-gated MLPs).
//! * `hybrid`: qwen3_next (gated DeltaNet + attention), nemotron_h (Mamba-2 + attention + MLP).
//! * `deepseek`: deepseek_v2, deepseek_v3, glm4_moe_lite (MLA), glm4_moe.

use crate::arch::Architecture;
use crate::config::{Cfg, ConfigError};
use serde_json::Value;

pub(crate) mod common;
pub(crate) mod deepseek;
pub(crate) mod dense;
pub(crate) mod hybrid;
pub(crate) mod legacy;
pub(crate) mod moe;
pub(crate) mod towers;

/// Build the architecture from a parsed `config.json` object.
///
/// A multimodal wrapper whose text model lives under `text_config` (e.g. Gemma-3 `gemma3`) is unwrapped: the
/// text model is described, with the wrapper's `torch_dtype`/`dtype`/`quantization_config` when the text config
/// lacks them. For the wrappers of [`towers::towers`] (`gemma3`, `qwen2_5_vl`, `qwen3_vl`, `mistral3`, `llama4`)
/// the vision tower and projector are added to `outer_modules` as transformers builds them in the
/// `…ForConditionalGeneration` class, and the output head is tied as that class ties it: by the wrapper's own
/// `tie_word_embeddings` (class default when absent: true for `gemma3` and `mistral3`, false for the others;
/// `Qwen2_5_VLConfig` also takes a true from `text_config`). Qwen-VL configs that keep the text fields at the top
/// level (the Hub's flat format) are read the same way. An unknown `model_type` with the common fields (`hidden_size`/`n_embd`/`d_model`,
/// `num_hidden_layers`/`n_layer`, `num_attention_heads`/`n_head`, `vocab_size`) gets a generic llama-like decoder
/// marked `approximate`; without them the error names the first missing field. An object with none of the size
/// fields is refused ([`ConfigError::NotAModel`], e.g. `{"model_type": "llama"}`): it is not a model.
pub fn from_config(v: &Value) -> Result<Architecture, ConfigError> {
    let top = Cfg::new(v)?;
    let wrapper = top.str("model_type")?.unwrap_or("").to_string();
    let text = match unwrap_text_config(&top)? {
        Some(text) => Some(text),
        None => flat_text_config(&top, &wrapper)?,
    };
    let Some(mut text) = text else {
        return build(&top);
    };
    if let (Some(tie), Value::Object(m)) = (wrapper_tie(&top, &wrapper)?, &mut text) {
        m.insert("tie_word_embeddings".into(), Value::Bool(tie));
    }
    let mut arch = build(&Cfg::new(&text)?)?;
    if let Some(mods) = towers::towers(&wrapper, &top, arch.hidden_size)? {
        arch.outer_modules.extend(mods);
    }
    Ok(arch)
}

/// The text model of a Qwen-VL config in the Hub's flat format (text fields at the top level, only
/// `vision_config` nested): the top-level object without `vision_config`, with `model_type`
/// `qwen2_5_vl_text` / `qwen3_vl_text` (`Qwen2_5_VLConfig.__post_init__` builds its text config from those
/// top-level fields).
fn flat_text_config(top: &Cfg, wrapper: &str) -> Result<Option<Value>, ConfigError> {
    if !matches!(wrapper, "qwen2_5_vl" | "qwen3_vl") || !top.has("vision_config") {
        return Ok(None);
    }
    let mut m = top.map().clone();
    m.remove("vision_config");
    m.insert(
        "model_type".into(),
        Value::String(format!("{wrapper}_text")),
    );
    Ok(Some(Value::Object(m)))
}

/// Whether the wrapper's `…ForConditionalGeneration` ties the output head to the embeddings (transformers 5
/// ties by the outer config's `tie_word_embeddings`); `None` for wrappers ftmem does not know (the text
/// config's own value then applies).
fn wrapper_tie(top: &Cfg, wrapper: &str) -> Result<Option<bool>, ConfigError> {
    let default = match wrapper {
        "gemma3" | "mistral3" => true,
        "qwen2_5_vl" | "qwen3_vl" | "llama4" => false,
        _ => return Ok(None),
    };
    let mut tie = top.bool_or("tie_word_embeddings", default)?;
    if wrapper == "qwen2_5_vl" && !tie {
        if let Some(text) = top.sub("text_config") {
            tie = text.bool_or("tie_word_embeddings", false)?;
        }
    }
    Ok(Some(tie))
}

/// Dispatch on `model_type`; [`ConfigError::NotAModel`] first when `c` has no size field at all.
fn build(c: &Cfg) -> Result<Architecture, ConfigError> {
    common::require_some_size(c)?;
    let model_type = c.str("model_type")?.unwrap_or("").to_string();
    match model_type.as_str() {
        "llama" | "mistral" | "qwen2" | "qwen3" => dense::build(&model_type, c),
        "qwen2_5_vl_text" => dense::qwen_vl_text(&model_type, c),
        "qwen3_vl_text" => dense::qwen_vl_text(&model_type, c),
        "gemma" | "gemma2" | "gemma3_text" => dense::gemma(&model_type, c),
        "olmo2" => dense::olmo2(c),
        "phi3" => dense::phi3(c),
        "mixtral" => moe::mixtral(c),
        "qwen2_moe" | "qwen3_moe" => moe::qwen_moe(&model_type, c),
        "deepseek_v2" | "deepseek_v3" => deepseek::deepseek(&model_type, c),
        "glm4_moe" => deepseek::glm4_moe(c),
        "glm4_moe_lite" => deepseek::glm4_moe_lite(c),
        "smollm3" => dense::smollm3(c),
        "ernie4_5" => dense::ernie4_5(c),
        "seed_oss" => dense::seed_oss(c),
        "olmo3" => dense::olmo3(c),
        "exaone4" => dense::exaone4(c),
        "gpt2" => legacy::gpt2(c),
        "phi" => legacy::phi(c),
        "starcoder2" => legacy::starcoder2(c),
        "qwen3_next" => hybrid::qwen3_next(c),
        "nemotron_h" => hybrid::nemotron_h(c),
        "gpt_oss" => moe::gpt_oss(c),
        "llama4_text" => moe::llama4_text(c),
        _ => dense::generic(&model_type, c),
    }
}

/// If `top` is a multimodal wrapper (has an object `text_config` and no `hidden_size`-like field of its own),
/// return the text config merged with the wrapper's dtype and quantization fields; its `model_type` defaults
/// to `{wrapper}_text` (transformers names Gemma-3's text model `gemma3_text`).
fn unwrap_text_config(top: &Cfg) -> Result<Option<Value>, ConfigError> {
    let Some(text) = top.sub("text_config") else {
        return Ok(None);
    };
    if common::HIDDEN.iter().any(|k| top.has(k)) {
        return Ok(None);
    }
    let mut m = text.map().clone();
    for key in ["torch_dtype", "dtype", "quantization_config"] {
        if let (false, Some(v)) = (text.has(key), top.get(key)) {
            m.insert(key.to_string(), v.clone());
        }
    }
    if !text.has("model_type") {
        let outer = top.str("model_type")?.unwrap_or("");
        // `Mistral3Config` defaults its text model to `mistral`; the other wrappers to `{wrapper}_text`.
        let inner = if outer == "mistral3" {
            "mistral".to_string()
        } else {
            format!("{outer}_text")
        };
        m.insert("model_type".into(), Value::String(inner));
    }
    Ok(Some(Value::Object(m)))
}
