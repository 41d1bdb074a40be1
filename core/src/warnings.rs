//! Warnings about settings that are valid but surprising: things a user should know before trusting or acting
//! on an estimate. Computed from the same inputs as [`crate::estimate()`], never changing its numbers.
//!
//! Each warning has a stable `code` (the UI translates by code) and an English `message`.

use crate::arch::{Architecture, ModuleKind};
use crate::settings::{AttnImpl, Mode, Precision, Settings, Stack};

/// TRL 1.16 `SFTConfig.max_length` default, tokens.
pub const TRL_DEFAULT_MAX_LENGTH: u64 = 1024;
use serde::Serialize;

/// What a warning is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningCode {
    /// The sequence (prompt + generated tokens for inference) is longer than `max_position_embeddings`.
    SeqExceedsContext,
    /// `attn=auto` resolves to eager attention for this architecture (transformers' choice for gemma2 and
    /// gpt_oss), which keeps batch × heads × seq² scores: memory grows with the square of the sequence length.
    EagerAttention,
    /// QLoRA on a model whose MoE experts are stacked 3-D parameters, not `nn.Linear`: bitsandbytes quantizes
    /// only `nn.Linear` (`replace_with_bnb_linear`), and peft's `prepare_model_for_kbit_training` upcasts every
    /// other 16-bit parameter to fp32, so the experts take 4 bytes per parameter and QLoRA needs more memory
    /// than LoRA.
    StackedExpertsNotQuantized,
    /// The family is not known exactly: parameter counts follow a generic decoder.
    ApproximateArchitecture,
    /// Inference weights dequantized from a quantized checkpoint (e.g. `precision=bf16` for MXFP4 gpt-oss).
    DequantizedWeights,
    /// TRL's `SFTConfig.max_length` defaults to 1024 (TRL 1.16 `sft_config.py`): longer rows are truncated
    /// unless it is set, so a sequence length above 1024 needs `max_length` set to it.
    TrlMaxLength,
    /// TRL with a micro-batch above 1: rows are padded to the longest of the micro-batch; `packing=True` (best-fit
    /// packing turns padding-free on) or `padding_free=True` makes a row `max_length` tokens of concatenated
    /// examples (or one flattened row per micro-batch), so the sequence length to enter is what a step holds.
    TrlPacking,
    /// `liger=1` on a `model_type` liger-kernel 0.8.5 does not patch: the run is as without Liger.
    LigerNotApplied,
    /// A multimodal wrapper (`gemma3`, `qwen2_5_vl`, `qwen3_vl`, `mistral3`, `llama4`): transformers loads the
    /// vision tower and projector with the language model, so their weights are resident, but a text-only row
    /// never calls them: no activations, and no gradients or optimizer states even when they are trainable
    /// (full fine-tuning, or LoRA adapters PEFT's `all-linear` put on them).
    IdleTowers,
    /// The config lacks some size fields (`hidden_size`, `num_hidden_layers`, `num_attention_heads`,
    /// `vocab_size`, `intermediate_size`): the estimate uses the family's transformers defaults for them, as
    /// transformers would; the message lists each as `field=default`.
    DefaultsUsed,
}

/// One warning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// Stable code.
    pub code: WarningCode,
    /// One English sentence with the numbers that matter.
    pub message: String,
}

/// The warnings for running `arch` with `settings`, in a fixed order (most important first). Pure, cheap (no
/// estimate is run).
pub fn warnings(arch: &Architecture, settings: &Settings) -> Vec<Warning> {
    let mut out = Vec::new();
    let tokens = match settings.mode {
        Mode::Inference => settings.seq.saturating_add(settings.new_tokens),
        // Serving checks max_model_len itself, with vLLM's own error (`estimate::serve`).
        Mode::Serve => 0,
        _ => settings.seq,
    };
    if let Some(ctx) = arch.max_position_embeddings {
        if tokens > ctx {
            out.push(Warning {
                code: WarningCode::SeqExceedsContext,
                message: format!(
                    "{tokens} tokens is longer than the model's maximum context ({ctx} tokens, max_position_embeddings)"
                ),
            });
        }
    }
    if settings.mode == Mode::Qlora && has_stacked_experts(arch) {
        out.push(Warning {
            code: WarningCode::StackedExpertsNotQuantized,
            message: if settings.stack == Stack::Trl {
                "the MoE experts are stacked parameters, not nn.Linear: bitsandbytes leaves them unquantized \
                 (in bf16), so QLoRA saves little over LoRA"
            } else {
                "the MoE experts are stacked parameters, not nn.Linear: bitsandbytes leaves them unquantized \
                 and prepare_model_for_kbit_training upcasts them to fp32, so QLoRA needs more memory than LoRA"
            }
            .into(),
        });
    }
    if settings.mode.trains()
        && settings.liger
        && !crate::estimate::run::liger_patches(&arch.model_type)
    {
        out.push(Warning {
            code: WarningCode::LigerNotApplied,
            message: format!(
                "liger-kernel 0.8.5 has no kernels for model_type {}: use_liger_kernel=True leaves it as it is",
                arch.model_type
            ),
        });
    }
    if settings.mode.trains() && settings.stack == Stack::Trl {
        if settings.seq > TRL_DEFAULT_MAX_LENGTH {
            out.push(Warning {
                code: WarningCode::TrlMaxLength,
                message: format!(
                    "TRL's SFTConfig max_length defaults to {TRL_DEFAULT_MAX_LENGTH} tokens and truncates longer rows: \
                     set max_length={} for rows of this length (the estimate assumes it is set)",
                    settings.seq
                ),
            });
        }
        if settings.batch > 1 {
            out.push(Warning {
                code: WarningCode::TrlPacking,
                message: "TRL pads each micro-batch to its longest row; with packing=True or padding_free=True a row \
                          is max_length tokens of concatenated examples: enter the tokens one step really holds"
                    .into(),
            });
        }
    }
    // vLLM runs its own attention backends: transformers' attention choice does not apply to serving.
    if settings.attn == AttnImpl::Auto && arch.prefers_eager_attention && settings.mode != Mode::Serve {
        out.push(Warning {
            code: WarningCode::EagerAttention,
            message: format!(
                "transformers runs {} with eager attention, which keeps batch × heads × seq² scores; \
                 attn=sdpa avoids them where the model allows it",
                arch.model_type
            ),
        });
    }
    if settings.mode == Mode::Inference
        && arch.quantization.is_some()
        && settings.effective_precision(true) != Precision::Stored
    {
        out.push(Warning {
            code: WarningCode::DequantizedWeights,
            message: "the checkpoint is quantized; this precision holds the weights dequantized (precision=stored \
                      keeps the checkpoint's format)"
                .into(),
        });
    }
    if !arch.defaults_used.is_empty() {
        let list: Vec<String> = arch
            .defaults_used
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        out.push(Warning {
            code: WarningCode::DefaultsUsed,
            message: format!(
                "config.json does not give every size field: the {} defaults {} were used, as transformers \
                 would use them",
                arch.model_type,
                list.join(", ")
            ),
        });
    }
    let towers: u64 = arch
        .outer_modules
        .iter()
        .filter(|m| m.component.is_tower())
        .map(|m| m.params.0.saturating_mul(m.instances))
        .fold(0, u64::saturating_add);
    if towers > 0 {
        out.push(Warning {
            code: WarningCode::IdleTowers,
            message: format!(
                "the vision tower and projector ({:.2} B parameters) are loaded and resident, but idle for \
                 text-only rows: the estimate gives them no activations, gradients or optimizer states",
                towers as f64 / 1e9
            ),
        });
    }
    if arch.approximate {
        out.push(Warning {
            code: WarningCode::ApproximateArchitecture,
            message: format!(
                "model_type {} is not one ftmem knows exactly: counts follow a generic decoder",
                arch.model_type
            ),
        });
    }
    out
}

fn has_stacked_experts(arch: &Architecture) -> bool {
    arch.layers
        .iter()
        .flat_map(|l| l.modules.iter())
        .any(|m| matches!(m.kind, ModuleKind::StackedLinear(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arch(name: &str) -> Architecture {
        let p = format!(
            "{}/../tests/fixtures/configs/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        crate::parse_config(&std::fs::read_to_string(p).unwrap()).unwrap()
    }

    fn codes(a: &Architecture, q: &str) -> Vec<WarningCode> {
        warnings(a, &Settings::from_query(q).unwrap())
            .into_iter()
            .map(|w| w.code)
            .collect()
    }

    #[test]
    fn gpt_oss_qlora_and_eager_are_flagged() {
        let a = arch("openai__gpt-oss-20b.json");
        let c = codes(&a, "mode=qlora&stack=trainer");
        assert!(c.contains(&WarningCode::StackedExpertsNotQuantized));
        assert!(c.contains(&WarningCode::EagerAttention));
        assert!(!codes(&a, "mode=qlora&attn=sdpa").contains(&WarningCode::EagerAttention));
        let trl = &warnings(&a, &Settings::from_query("mode=qlora").unwrap())[0];
        assert_eq!(trl.code, WarningCode::StackedExpertsNotQuantized);
        assert!(
            !trl.message.contains("fp32"),
            "TRL keeps them bf16: {}",
            trl.message
        );
        assert!(
            codes(&a, "mode=inference&precision=bf16").contains(&WarningCode::DequantizedWeights)
        );
        assert!(!codes(&a, "mode=inference").contains(&WarningCode::DequantizedWeights));
    }

    #[test]
    fn context_overflow_counts_generated_tokens() {
        let a = arch("meta-llama__Llama-2-7b-hf.json"); // max_position_embeddings 4096
        assert!(codes(&a, "mode=lora&seq=4096&stack=trainer").is_empty());
        assert_eq!(
            codes(&a, "mode=lora&seq=4097&stack=trainer"),
            vec![WarningCode::SeqExceedsContext]
        );
        assert_eq!(
            codes(&a, "mode=inference&seq=4000&new=200"),
            vec![WarningCode::SeqExceedsContext]
        );
        assert!(
            codes(&a, "mode=qlora&seq=1024").is_empty(),
            "dense llama: no expert warning"
        );
    }

    #[test]
    fn liger_on_a_model_it_does_not_patch_is_flagged() {
        let gpt2 = arch("openai-community__gpt2.mlc.json");
        assert!(
            codes(&gpt2, "stack=trainer&liger=1&seq=512").contains(&WarningCode::LigerNotApplied)
        );
        assert!(!codes(&gpt2, "stack=trainer&seq=512").contains(&WarningCode::LigerNotApplied));
        let llama = arch("meta-llama__Llama-2-7b-hf.json");
        assert!(!codes(&llama, "stack=trainer&liger=1").contains(&WarningCode::LigerNotApplied));
    }

    #[test]
    fn size_fields_left_to_the_family_defaults_are_listed() {
        let a = crate::parse_config(r#"{"model_type": "llama", "hidden_size": 2048}"#).unwrap();
        let w = warnings(&a, &Settings::from_query("mode=lora&seq=512").unwrap());
        let d = w
            .iter()
            .find(|w| w.code == WarningCode::DefaultsUsed)
            .expect("defaults warning");
        for field in [
            "num_hidden_layers=32",
            "num_attention_heads=32",
            "vocab_size=32000",
            "intermediate_size=11008",
        ] {
            assert!(d.message.contains(field), "{}", d.message);
        }
        assert!(!d.message.contains("hidden_size="), "{}", d.message);
        let full = arch("meta-llama__Llama-2-7b-hf.json");
        assert!(!codes(&full, "mode=lora&seq=512").contains(&WarningCode::DefaultsUsed));
        let e = crate::parse_config(r#"{"model_type": "llama"}"#).unwrap_err();
        assert!(matches!(e, crate::ConfigError::NotAModel { .. }), "{e}");
        for field in [
            "hidden_size",
            "num_hidden_layers",
            "num_attention_heads",
            "vocab_size",
        ] {
            assert!(e.to_string().contains(field), "{e}");
        }
    }

    #[test]
    fn multimodal_towers_are_flagged_as_resident_but_idle() {
        let a = arch("google__gemma-3-4b-it.json");
        let w = warnings(&a, &Settings::from_query("mode=lora&seq=512").unwrap());
        let idle = w
            .iter()
            .find(|w| w.code == WarningCode::IdleTowers)
            .expect("idle towers warning");
        assert!(idle.message.contains("0.42 B"), "{}", idle.message);
        let text_only = arch("meta-llama__Llama-2-7b-hf.json");
        assert!(!codes(&text_only, "mode=lora&seq=512").contains(&WarningCode::IdleTowers));
    }

    #[test]
    fn trl_traps_are_flagged_for_trl_only() {
        let a = arch("meta-llama__Llama-2-7b-hf.json");
        assert_eq!(codes(&a, "mode=lora&seq=1024"), vec![]);
        assert_eq!(
            codes(&a, "mode=lora&seq=1025"),
            vec![WarningCode::TrlMaxLength]
        );
        assert_eq!(
            codes(&a, "mode=lora&seq=512&batch=4"),
            vec![WarningCode::TrlPacking]
        );
        assert!(codes(&a, "mode=lora&seq=2048&batch=4&stack=trainer").is_empty());
        assert!(codes(&a, "mode=inference&seq=2048&batch=4").is_empty());
        let w = warnings(&a, &Settings::from_query("mode=full&seq=2048").unwrap());
        assert!(w[0].message.contains("max_length=2048"), "{}", w[0].message);
    }
}
