//! The dtypes and flags of one run, derived once from the [`Settings`] and the [`Architecture`]: what the
//! weights are held in, what the activations and the residual stream are computed in, which modules carry LoRA
//! adapters. Every other module of the estimate reads these instead of re-deriving them.
//!
//! Sources (transformers 5.17, peft 0.21, bitsandbytes 0.50, torch 2.11):
//! - `precision=mixed`: fp32 parameters, forward under `torch.autocast(bfloat16)`: every `F.linear` casts its
//!   input to bf16 separately (only leaf weights are cached by autocast, `autocast_mode.cpp::cached_cast`), the
//!   residual stream and the RMSNorms stay fp32.
//! - QLoRA: `prepare_model_for_kbit_training` upcasts every non-`Params4bit` parameter (embeddings, norms,
//!   lm_head) to fp32, so the embedding output and the whole residual stream are fp32; bitsandbytes'
//!   `Linear4bit.forward` computes in `compute_dtype` (bf16) and casts its output back to the input dtype (fp32).
//!   Attention and MLP activations are therefore fp32.
//! - LoRA adapters: `get_peft_model(..., autocast_adapter_dtype=True)` keeps adapter weights in fp32;
//!   `lora.Linear.forward` casts the layer input to the adapter dtype (`_cast_input_dtype`) before `lora_A`.
//!
//! The stack ([`Stack`]) changes three things (TRL 1.16, transformers 5.17, accelerate 1.15, liger-kernel 0.8.5):
//! - **autocast**: `Trainer(bf16=True)` (and `SFTConfig`, whose `bf16` defaults to true) has accelerate wrap the
//!   model's forward in `torch.autocast(bfloat16)`. With 16-bit weights nothing is cast, except around fp32 parts:
//!   the LoRA adapters (each adapted linear's `lora_A` saves its own bf16 cast of the input instead of the fp32
//!   copy, `lora_A`'s output is bf16) and, for QLoRA after `prepare_model_for_kbit_training`, SDPA
//!   (`scaled_dot_product_attention` is on autocast's lower-precision list, so the fp32 q/k/v arrive in bf16 and
//!   the flash kernel runs instead of the math one) and the fp32 `lm_head` (bf16 logits, a bf16 copy of the
//!   frozen head weight saved for its backward). The plain loop runs 16-bit and 4-bit bases without autocast.
//! - **QLoRA recipe**: TRL's documented one passes the 4-bit model and `peft_config` to `SFTTrainer`, which does
//!   not call `prepare_model_for_kbit_training` (`sft_trainer.py`: `get_peft_model`, then for a quantized model
//!   `param.data.to(torch.bfloat16)` on every trainable parameter): the unquantized parts stay bf16, the
//!   residual stream is bf16 and the adapters are bf16. `Trainer` (LLaMA-Factory, Axolotl) and the loop follow
//!   PEFT's recipe (fp32 upcast, fp32 adapters).
//! - **the loss** ([`LossPath`]), modelled in `logits.rs`.
//!
//! The `attention_mask` both trainers pass (TRL's `DataCollatorForLanguageModeling`, `Trainer` batches) is all
//! ones for rows of `seq` tokens: transformers' `create_causal_mask` then drops it for SDPA (`is_causal=True`,
//! flash kernel, no `batch × seq × seq` mask), as with no mask in the loop. Padded rows would make a 4-D boolean
//! mask (`batch × seq²` bytes) and the memory-efficient kernel; the estimate assumes full rows (the `TrlPacking`
//! warning says so for TRL).

use super::EstimateError;
use crate::arch::{Architecture, Layer, Module};
use crate::settings::{AttnImpl, Mode, Precision, Settings, Stack};

/// How the loss is formed from the last hidden states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LossPath {
    /// `lm_head` builds the full logits and the model's `ForCausalLMLoss` takes `cross_entropy` of their fp32
    /// copy. `keep_out`: the model output (`out.logits`) stays referenced through backward (the plain loop);
    /// `Trainer.compute_loss` returns only the loss, so the logits die before backward.
    Logits { keep_out: bool },
    /// TRL 1.16's fused LM head (`add_fused_lm_head`, `ChunkedLogProbFunction`): the head is applied in
    /// `[4096, 32768]` tiles and never builds the logits.
    FusedHead,
    /// Liger's fused linear cross-entropy (`Trainer(use_liger_kernel=True)`): the forward computes the loss and
    /// the gradients of the hidden states (and of the head weight) in chunks.
    LigerFlce,
}

/// Whether liger-kernel 0.8.5 patches this `model_type` ([`LIGER_MODEL_TYPES`]).
pub(crate) fn liger_patches(model_type: &str) -> bool {
    LIGER_MODEL_TYPES.contains(&model_type)
}

/// The `model_type`s liger-kernel 0.8.5 patches (`liger_kernel.transformers.monkey_patch`
/// `MODEL_TYPE_TO_APPLY_LIGER_FN`); others run unpatched (transformers logs it; the estimate warns,
/// `warnings::WarningCode::LigerNotApplied`).
const LIGER_MODEL_TYPES: [&str; 53] = [
    "deepseek_v2",
    "deepseek_v3",
    "deepseek_v4",
    "gemma",
    "gemma2",
    "gemma3_text",
    "gemma3",
    "gemma4_text",
    "gemma4",
    "glm4",
    "glm4v",
    "glm4v_moe",
    "gpt_oss",
    "internvl",
    "llama",
    "llama4_text",
    "llama4",
    "llava",
    "granite",
    "mllama",
    "mllama_text_model",
    "ministral",
    "mistral",
    "mixtral",
    "muse_glimmer",
    "nemotron",
    "olmo2",
    "pixtral",
    "olmo3",
    "qwen2",
    "qwen3",
    "qwen3_moe",
    "qwen2_vl",
    "qwen2_vl_text",
    "qwen2_5_vl",
    "qwen2_5_vl_text",
    "qwen3_next",
    "qwen3_5",
    "qwen3_5_text",
    "qwen3_5_moe",
    "qwen3_5_moe_text",
    "qwen3_vl",
    "qwen3_vl_text",
    "qwen3_vl_moe",
    "qwen3_vl_moe_text",
    "smollm3",
    "phi3",
    "paligemma",
    "falcon_h1",
    "smolvlm",
    "hunyuan_v1_dense",
    "hunyuan_v1_moe",
    "exaone4",
];

/// Per-run dtypes (bytes per element) and flags.
#[derive(Debug, Clone)]
pub(crate) struct Run<'a> {
    pub arch: &'a Architecture,
    pub s: &'a Settings,
    pub mode: Mode,
    pub precision: Precision,
    /// Micro-batch × sequence length (training) or micro-batch × prompt length (inference prefill), tokens.
    pub tokens: u64,
    /// Bytes per base parameter as held on the GPU (non-quantized modules; QLoRA: 4 after the fp32 upcast).
    pub w: u64,
    /// Bytes per element of matmul outputs / attention / MLP activations.
    pub c: u64,
    /// Bytes per element of the residual stream (norm inputs and outputs).
    pub r: u64,
    /// Bytes per element of the logits as `lm_head` returns them (`out.logits`).
    pub ld: u64,
    /// Forward under bf16 autocast (precision=mixed): each linear casts its input separately.
    pub autocast: bool,
    /// The trainers' bf16 autocast over a 16-bit or 4-bit base (module doc): fp32 adapters and fp32 parts are
    /// cast to bf16 where they meet a matmul or SDPA.
    pub amp: bool,
    /// Bytes per element of the attention core as SDPA (or eager attention) sees q, k, v and its output.
    pub ac: u64,
    /// Bytes per LoRA adapter element (fp32, or bf16 for TRL's QLoRA).
    pub a: u64,
    /// How the loss is formed.
    pub loss: LossPath,
    /// Liger's layer kernels are applied (RMSNorm, SwiGLU/GeGLU, RoPE): `liger=1` on a model type it patches.
    pub liger: bool,
    /// Base weights are trainable (full fine-tuning).
    pub train_base: bool,
    /// Attention runs eager (materialised scores) rather than SDPA.
    pub eager: bool,
    /// LoRA dropout > 0 (peft uses `nn.Identity` when it is 0).
    pub dropout: bool,
    /// The distinct decoder layers, each with how many layers equal it, in order of first occurrence. Every
    /// per-layer quantity of the estimate is a sum or a maximum over the layers, so it is computed once per
    /// distinct layer and weighted by the count (DeepSeek-V3: 2 distinct of 61, Llama: 1 of 32).
    pub layers: Vec<(&'a Layer, u64)>,
    /// Leaf names of the decoder-layer modules LoRA adapts ([`crate::lora::targeted_modules`]).
    pub adapted_names: Vec<&'a str>,
    /// Sizes of the LoRA adapters per unit of rank (zero without adapters), `target_parameters` included.
    pub adapters: AdapterSizes,
    /// The parameters PEFT's `target_parameters` wraps (`lora.ParamWrapper`), in layer order; empty without.
    pub wrapped: Vec<crate::lora::WrappedParam<'a>>,
}

/// LoRA adapter parameters per unit of rank over what [`crate::lora::targeted_modules`] lists.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct AdapterSizes {
    /// Some module is adapted (false: the targets match nothing, which PEFT refuses).
    pub any: bool,
    /// Σ per-rank size over all adapted modules; `None` when it overflows.
    pub total: Option<u64>,
    /// The largest per-layer Σ per-rank size plus that of the adapted modules outside the layers (`lm_head`);
    /// `None` when a sum overflows.
    pub one_layer_and_outer: Option<u64>,
    /// Σ per-rank size over the adapted modules of a multimodal wrapper's towers (counted in `total`): resident,
    /// but never given a gradient or optimizer state in a text-only run.
    pub idle: u64,
}

impl AdapterSizes {
    /// Sum the adapters of `arch`'s distinct `layers` (with their counts) and outer modules under `targets`;
    /// push the leaf names of the adapted layer modules to `names` (once each).
    fn new<'a>(
        arch: &'a Architecture,
        targets: &crate::settings::Targets,
        layers: &[(&'a Layer, u64)],
        names: &mut Vec<&'a str>,
    ) -> AdapterSizes {
        let t = crate::lora::Targeting::new(arch, targets, layers.iter().map(|&(l, _)| l));
        let mut any = false;
        let mut total = Some(0u64);
        let mut largest_layer = Some(0u64);
        for &(layer, count) in layers {
            let mut sum = Some(0u64);
            for (m, r) in t.in_layer(layer) {
                any = true;
                sum = sum.and_then(|s| s.checked_add(r));
                if !names.contains(&m.name.as_str()) {
                    names.push(m.name.as_str());
                }
            }
            total = total.and_then(|t| t.checked_add(sum?.checked_mul(count)?));
            largest_layer = largest_layer.and_then(|l| Some(l.max(sum?)));
        }
        let (mut outer, mut idle) = (Some(0u64), 0u64);
        for (m, r) in t.outer() {
            any = true;
            if m.component.is_tower() {
                idle = idle.saturating_add(r);
            } else {
                outer = outer.and_then(|o| o.checked_add(r));
            }
        }
        AdapterSizes {
            any,
            total: total.and_then(|t| t.checked_add(outer?)?.checked_add(idle)),
            one_layer_and_outer: largest_layer.and_then(|l| l.checked_add(outer?)),
            idle,
        }
    }
}

impl AdapterSizes {
    /// Add the `lora.ParamWrapper` adapters of `wrapped` (E·(in + out) per unit of rank each): to the total,
    /// and the largest layer's wrapped sum to the one-layer figure (an upper bound when the layer with the
    /// most wrapped parameters is not the one with the largest module adapters).
    fn add_wrapped(&mut self, wrapped: &[crate::lora::WrappedParam]) {
        if wrapped.is_empty() {
            return;
        }
        self.any = true;
        let mut sum = Some(0u64);
        let mut per_layer: Vec<(usize, Option<u64>)> = Vec::new();
        for w in wrapped {
            sum = sum.and_then(|s| s.checked_add(w.per_rank));
            match per_layer.last_mut() {
                Some((l, s)) if *l == w.layer => *s = s.and_then(|s| s.checked_add(w.per_rank)),
                _ => per_layer.push((w.layer, Some(w.per_rank))),
            }
        }
        let largest = per_layer
            .iter()
            .try_fold(0u64, |m, &(_, s)| Some(m.max(s?)));
        self.total = self.total.and_then(|t| t.checked_add(sum?));
        self.one_layer_and_outer = self
            .one_layer_and_outer
            .and_then(|o| o.checked_add(largest?));
    }
}

/// The distinct layers of `arch` with their counts, in order of first occurrence. Consecutive layers are
/// usually equal, so each layer is first compared with the previous one.
fn distinct_layers(arch: &Architecture) -> Vec<(&Layer, u64)> {
    let mut out: Vec<(&Layer, u64)> = Vec::new();
    let mut last = 0usize;
    for layer in &arch.layers {
        if out.get(last).is_some_and(|(l, _)| same_layer(l, layer)) {
            out[last].1 += 1;
        } else if let Some(i) = out.iter().position(|(l, _)| same_layer(l, layer)) {
            out[i].1 += 1;
            last = i;
        } else {
            out.push((layer, 1));
            last = out.len() - 1;
        }
    }
    out
}

impl<'a> Run<'a> {
    /// Derive the run. Errors: micro-batch × sequence length overflowing.
    pub fn new(arch: &'a Architecture, s: &'a Settings) -> Result<Run<'a>, EstimateError> {
        let precision = s.effective_precision(arch.quantization.is_some());
        let mode = s.mode;
        let tokens = s.batch.checked_mul(s.seq).ok_or(EstimateError::Overflow)?;
        let stack = if mode.trains() { s.stack } else { Stack::Loop };
        let trainer = stack != Stack::Loop;
        let kbit_prep = mode == Mode::Qlora && stack != Stack::Trl;
        let (w, c, r, ld, autocast) = match (mode, precision) {
            (Mode::Qlora, _) if kbit_prep => (4, 4, 4, if trainer { 2 } else { 4 }, false),
            (Mode::Qlora, _) => (2, 2, 2, 2, false),
            (_, Precision::Fp32) => (4, 4, 4, 4, false),
            (Mode::Full, Precision::Mixed) => (4, 2, 4, 2, true),
            _ => (2, 2, 2, 2, false),
        };
        // fp32 means `bf16=False` for the trainers too; mixed is already autocast.
        let amp = trainer && precision != Precision::Fp32 && !autocast;
        let ac = if amp { 2 } else { c };
        let a = if mode == Mode::Qlora && stack == Stack::Trl {
            2
        } else {
            4
        };
        let liger = trainer && s.liger && liger_patches(&arch.model_type);
        let loss = match stack {
            Stack::Loop => LossPath::Logits { keep_out: true },
            Stack::Trl => LossPath::FusedHead,
            Stack::Trainer if liger => LossPath::LigerFlce,
            Stack::Trainer => LossPath::Logits { keep_out: false },
        };
        let eager = match s.attn {
            AttnImpl::Eager => true,
            AttnImpl::Sdpa => false,
            AttnImpl::Auto => arch.prefers_eager_attention,
        };
        let layers = distinct_layers(arch);
        let mut adapted_names: Vec<&'a str> = Vec::new();
        let mut adapters = AdapterSizes::default();
        let mut wrapped = Vec::new();
        if mode.has_adapters() {
            adapters = AdapterSizes::new(arch, &s.targets, &layers, &mut adapted_names);
            wrapped = crate::lora::wrapped_params(arch, &s.targets, &s.target_params, s.dropout)
                .map_err(EstimateError::Invalid)?;
            adapters.add_wrapped(&wrapped);
        }
        Ok(Run {
            arch,
            s,
            mode,
            precision,
            tokens,
            w,
            c,
            r,
            ld,
            autocast,
            amp,
            ac,
            a,
            loss,
            liger,
            train_base: mode == Mode::Full,
            eager,
            dropout: mode.has_adapters() && s.dropout > 0.0,
            layers,
            adapted_names,
            adapters,
            wrapped,
        })
    }

    /// Whether LoRA adapts this decoder-layer module (PEFT 0.21 `target_modules` semantics as
    /// [`crate::lora::targeted_modules`] resolves them; the decision depends on the leaf name only).
    pub fn adapted(&self, m: &Module) -> bool {
        !self.adapted_names.is_empty() && self.adapted_names.contains(&m.name.as_str())
    }
}

/// `a == b` for layers, comparing the cheap fields of each module before its name.
fn same_layer(a: &Layer, b: &Layer) -> bool {
    a.modules.len() == b.modules.len()
        && a.mixer == b.mixer
        && a.ffn == b.ffn
        && a.modules.iter().zip(&b.modules).all(|(x, y)| {
            // Exhaustive, so that a new field of `Module` cannot be forgotten here.
            let Module {
                name,
                component,
                kind,
                params,
                instances,
                active_instances,
            } = x;
            *params == y.params
                && *instances == y.instances
                && *active_instances == y.active_instances
                && *component == y.component
                && *kind == y.kind
                && *name == y.name
        })
}

/// Checked `a × b`.
pub(crate) fn mul(a: u64, b: u64) -> Result<u64, EstimateError> {
    a.checked_mul(b).ok_or(EstimateError::Overflow)
}

/// Checked `a + b`.
pub(crate) fn add(a: u64, b: u64) -> Result<u64, EstimateError> {
    a.checked_add(b).ok_or(EstimateError::Overflow)
}

/// Checked product of several factors.
pub(crate) fn prod(f: &[u64]) -> Result<u64, EstimateError> {
    f.iter().try_fold(1u64, |acc, &x| mul(acc, x))
}
