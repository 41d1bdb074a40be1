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

/// Build the architecture from a parsed `config.json` object.
///
/// A multimodal wrapper whose text model lives under `text_config` (e.g. Gemma-3 `gemma3`) is unwrapped: the
/// text model is described, with the wrapper's `torch_dtype`/`dtype`/`quantization_config` when the text config
/// lacks them. An unknown `model_type` with the common fields (`hidden_size`/`n_embd`/`d_model`,
/// `num_hidden_layers`/`n_layer`, `num_attention_heads`/`n_head`, `vocab_size`) gets a generic llama-like decoder
/// marked `approximate`; without them the error names the first missing field.
pub fn from_config(v: &Value) -> Result<Architecture, ConfigError> {
    let top = Cfg::new(v)?;
    if let Some(text) = unwrap_text_config(&top)? {
        return build(&Cfg::new(&text)?);
    }
    build(&top)
}

/// Dispatch on `model_type`.
fn build(c: &Cfg) -> Result<Architecture, ConfigError> {
    let model_type = c.str("model_type")?.unwrap_or("").to_string();
    match model_type.as_str() {
        "llama" | "mistral" | "qwen2" | "qwen3" => dense::build(&model_type, c),
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
        m.insert("model_type".into(), Value::String(format!("{outer}_text")));
    }
    Ok(Some(Value::Object(m)))
}
