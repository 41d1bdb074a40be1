//! Warnings about settings that are valid but surprising: things a user should know before trusting or acting
//! on an estimate. Computed from the same inputs as [`crate::estimate()`], never changing its numbers.
//!
//! Each warning has a stable `code` (the UI translates by code) and an English `message`.

use crate::arch::{Architecture, ModuleKind};
use crate::settings::{AttnImpl, Mode, Precision, Settings};
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
    let tokens = if settings.mode == Mode::Inference {
        settings.seq.saturating_add(settings.new_tokens)
    } else {
        settings.seq
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
            message: "the MoE experts are stacked parameters, not nn.Linear: bitsandbytes leaves them unquantized \
                      and prepare_model_for_kbit_training upcasts them to fp32, so QLoRA needs more memory than LoRA"
                .into(),
        });
    }
    if settings.attn == AttnImpl::Auto && arch.prefers_eager_attention {
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
        let c = codes(&a, "mode=qlora");
        assert!(c.contains(&WarningCode::StackedExpertsNotQuantized));
        assert!(c.contains(&WarningCode::EagerAttention));
        assert!(!codes(&a, "mode=qlora&attn=sdpa").contains(&WarningCode::EagerAttention));
        assert!(
            codes(&a, "mode=inference&precision=bf16").contains(&WarningCode::DequantizedWeights)
        );
        assert!(!codes(&a, "mode=inference").contains(&WarningCode::DequantizedWeights));
    }

    #[test]
    fn context_overflow_counts_generated_tokens() {
        let a = arch("meta-llama__Llama-2-7b-hf.json"); // max_position_embeddings 4096
        assert!(codes(&a, "mode=lora&seq=4096").is_empty());
        assert_eq!(
            codes(&a, "mode=lora&seq=4097"),
            vec![WarningCode::SeqExceedsContext]
        );
        assert_eq!(
            codes(&a, "mode=inference&seq=4000&new=200"),
            vec![WarningCode::SeqExceedsContext]
        );
        assert!(
            codes(&a, "mode=qlora").is_empty(),
            "dense llama: no expert warning"
        );
    }
}
