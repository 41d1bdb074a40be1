//! The architecture description: what a `config.json` says about the model's shapes, in the field's terms.
//!
//! Data flow: `config.json` → [`crate::config`] (lenient JSON) → [`Architecture`] (this module, built per family in
//! [`crate::families`]) → [`crate::params`] (exact counts) and [`crate::estimate`] (memory).
//!
//! An [`Architecture`] lists every parameter-holding module of the model as a [`Module`], grouped per decoder
//! layer, so that parameter counts, LoRA adapter sizes, quantized weight bytes and activation sizes are all derived
//! from the same list.

use crate::units::Params;
use serde::Serialize;

/// Which part of the model a module belongs to (the per-component breakdown of `ftmem params`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Component {
    /// Token (and learned position) embeddings.
    Embeddings,
    /// Attention projections (q/k/v/o, MLA down/up projections, sinks, q/k norms).
    Attention,
    /// Dense feed-forward (MLP) projections.
    Mlp,
    /// Routed MoE experts.
    Experts,
    /// Shared (always active) MoE experts.
    SharedExperts,
    /// MoE router / gate.
    Router,
    /// Layer norms / RMS norms (per layer and final).
    Norms,
    /// Linear-attention or state-space (Mamba) mixers.
    Mixer,
    /// The output head (absent when tied to the embeddings).
    LmHead,
    /// A multimodal wrapper's vision (or audio) encoder: resident as weights, idle in text-only runs
    /// (`crate::families::towers`).
    VisionTower,
    /// The layers that map the tower's features to the language model's width (Gemma-3's
    /// `mm_input_projection_weight`, Qwen-VL's patch mergers, Mistral-3's and Llama-4's projectors).
    MultimodalProjector,
}

impl Component {
    /// Stable snake_case name used in JSON and the UI.
    pub fn name(self) -> &'static str {
        match self {
            Component::Embeddings => "embeddings",
            Component::Attention => "attention",
            Component::Mlp => "mlp",
            Component::Experts => "experts",
            Component::SharedExperts => "shared_experts",
            Component::Router => "router",
            Component::Norms => "norms",
            Component::Mixer => "mixer",
            Component::LmHead => "lm_head",
            Component::VisionTower => "vision_tower",
            Component::MultimodalProjector => "multimodal_projector",
        }
    }

    /// Whether the component belongs to a multimodal wrapper's towers (not called in a text-only run).
    pub fn is_tower(self) -> bool {
        matches!(
            self,
            Component::VisionTower | Component::MultimodalProjector
        )
    }
}

/// Shape of an `nn.Linear` (`weight` is `[out_features, in_features]`, optional `bias` `[out_features]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LinearShape {
    /// Input features.
    pub in_features: u64,
    /// Output features.
    pub out_features: u64,
    /// Whether it has a bias vector.
    pub bias: bool,
}

impl LinearShape {
    /// Parameters of one such linear: `in × out (+ out)`.
    pub fn params(&self) -> Params {
        Params(self.in_features * self.out_features + if self.bias { self.out_features } else { 0 })
    }
}

/// How a module holds its parameters, which decides what PEFT and bitsandbytes can do with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ModuleKind {
    /// A real `nn.Linear`: targetable by LoRA (`all-linear` or by name), quantized by bitsandbytes in QLoRA.
    Linear(LinearShape),
    /// Stacked expert weights held as one 3-D `nn.Parameter` (gpt-oss `gate_up_proj`, transformers-5 fused MoE):
    /// `instances` experts of this shape each. Not an `nn.Linear`: `all-linear` does not adapt it.
    StackedLinear(LinearShape),
    /// Any other parameters (norm weights, embeddings, attention sinks, conv1d, A_log, ...).
    Other,
}

/// One parameter-holding module (or a set of identical ones, e.g. the routed experts of one layer).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Module {
    /// PEFT leaf name as transformers names it (`q_proj`, `gate_up_proj`, `c_attn`, `input_layernorm`, ...).
    pub name: String,
    /// The component it is counted under.
    pub component: Component,
    /// Its kind; decides LoRA targeting and 4-bit quantization.
    pub kind: ModuleKind,
    /// Parameters of ONE instance.
    pub params: Params,
    /// Number of identical instances in the layer (experts: `num_experts`; otherwise 1).
    pub instances: u64,
    /// Instances one token passes through (routed experts: top-k; otherwise = `instances`).
    pub active_instances: u64,
}

/// The token mixer of one decoder layer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Mixer {
    /// Softmax attention over all previous tokens (multi-head, GQA or MQA).
    FullAttention {
        /// Query heads (`num_attention_heads`).
        heads: u64,
        /// Key/value heads (`num_key_value_heads`).
        kv_heads: u64,
        /// Per-head dimension (`head_dim`, or hidden_size / heads).
        head_dim: u64,
    },
    /// Softmax attention restricted to the last `window` tokens (Mistral, Gemma-2/3 local layers, gpt-oss).
    SlidingAttention {
        /// Query heads.
        heads: u64,
        /// Key/value heads.
        kv_heads: u64,
        /// Per-head dimension.
        head_dim: u64,
        /// `sliding_window` in tokens.
        window: u64,
    },
    /// Multi-head latent attention (DeepSeek-V2/V3): the KV cache holds the compressed latent.
    Mla {
        /// Query heads.
        heads: u64,
        /// `kv_lora_rank`: width of the compressed KV latent.
        kv_lora_rank: u64,
        /// `q_lora_rank` (None: queries are projected directly).
        q_lora_rank: Option<u64>,
        /// `qk_nope_head_dim`.
        qk_nope_head_dim: u64,
        /// `qk_rope_head_dim` (the decoupled RoPE key, shared across heads, also cached).
        qk_rope_head_dim: u64,
        /// `v_head_dim`.
        v_head_dim: u64,
    },
    /// Linear attention with a fixed-size recurrent state (Qwen3-Next gated DeltaNet).
    LinearAttention {
        /// Bytes-independent size of the recurrent state per sequence, in elements.
        state_elements: u64,
        /// Width of the mixer's inner activations per token, in elements (for activation memory).
        inner_width: u64,
    },
    /// Mamba-2 state-space mixer (Nemotron-H): fixed-size conv + SSM state per sequence.
    Mamba {
        /// Elements of conv state + SSM state per sequence.
        state_elements: u64,
        /// Width of the mixer's inner activations per token, in elements.
        inner_width: u64,
    },
    /// No token mixer in this layer (Nemotron-H MLP-only layers).
    None,
}

/// The feed-forward part of one decoder layer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Ffn {
    /// Dense MLP: `gated` = SwiGLU/GeGLU (gate, up, down), else two matrices (up, down) with an activation.
    Dense {
        /// `intermediate_size`.
        intermediate: u64,
        /// Gated (three projections) or not (two).
        gated: bool,
    },
    /// Mixture of experts.
    Moe {
        /// Routed experts (`num_local_experts`, `num_experts`, `n_routed_experts`).
        experts: u64,
        /// Experts per token (`num_experts_per_tok`, `experts_per_token`).
        top_k: u64,
        /// Each expert's intermediate size (`moe_intermediate_size` or `intermediate_size`).
        expert_intermediate: u64,
        /// Shared experts' total intermediate width (0 when none).
        shared_intermediate: u64,
        /// Gated expert MLPs.
        gated: bool,
    },
    /// No feed-forward in this layer (Nemotron-H attention-only or Mamba-only layers).
    None,
}

/// One decoder layer: its mixer, its feed-forward and every parameter-holding module in it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Layer {
    /// Token mixer.
    pub mixer: Mixer,
    /// Feed-forward.
    pub ffn: Ffn,
    /// Parameter-holding modules (including norms).
    pub modules: Vec<Module>,
}

/// Weight storage format from the config's `quantization_config`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Quantization {
    /// OCP MXFP4 (gpt-oss): 4-bit E2M1 values, one 8-bit E8M0 scale per block of 32; applies to the modules
    /// not matched by `modules_to_not_convert` (in gpt-oss: the stacked experts).
    Mxfp4 {
        /// Patterns of modules kept in bf16.
        modules_to_not_convert: Vec<String>,
    },
    /// FP8 (E4M3) weights with block-wise scales (`weight_block_size`, e.g. [128, 128]; one fp32 scale per block).
    Fp8 {
        /// `[rows, cols]` of one scale block; None = per-tensor scale.
        weight_block_size: Option<[u64; 2]>,
        /// Patterns of modules kept unquantized.
        modules_to_not_convert: Vec<String>,
    },
    /// bitsandbytes 4-bit (NF4/FP4) or 8-bit.
    Bitsandbytes {
        /// 4 or 8.
        bits: u64,
        /// Double quantization of the absmax constants (4-bit only).
        double_quant: bool,
    },
    /// GPTQ / AWQ style integer quantization: `bits` per weight, a scale and zero point per `group_size` inputs.
    IntGroup {
        /// `quant_method` as written (`gptq`, `awq`, ...).
        name: String,
        /// Bits per weight.
        bits: u64,
        /// Inputs per group (None or -1 in the config: one group per row).
        group_size: Option<u64>,
    },
    /// A `quant_method` ftmem does not model; weights are counted at 16 bits as stored.
    Unknown {
        /// `quant_method` as written.
        name: String,
    },
}

/// Everything the estimator knows about a model, derived from its `config.json`.
///
/// Scalar fields are those of the config after family defaults and aliases (`n_embd` → `hidden_size`, ...) are
/// resolved. `layers` has exactly `num_hidden_layers` entries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Architecture {
    /// `model_type` as written in the config (the text model's, for multimodal wrappers).
    pub model_type: String,
    /// True when the family is not one ftmem knows exactly: counts follow a generic decoder and are approximate.
    pub approximate: bool,
    /// `hidden_size` (d_model), elements.
    pub hidden_size: u64,
    /// `num_hidden_layers`.
    pub num_hidden_layers: u64,
    /// `num_attention_heads` (query heads).
    pub num_attention_heads: u64,
    /// `num_key_value_heads` (= heads without GQA).
    pub num_key_value_heads: u64,
    /// Per-head dimension (explicit `head_dim`, else hidden_size / heads).
    pub head_dim: u64,
    /// Dense MLP `intermediate_size` (0 if the model has none).
    pub intermediate_size: u64,
    /// `vocab_size`, tokens.
    pub vocab_size: u64,
    /// `max_position_embeddings` (maximum context), tokens, if given.
    pub max_position_embeddings: Option<u64>,
    /// `tie_word_embeddings`: the output head shares the embedding matrix.
    pub tie_word_embeddings: bool,
    /// `sliding_window` in tokens, if any layer uses one.
    pub sliding_window: Option<u64>,
    /// Routed experts per MoE layer (None for dense models).
    pub num_experts: Option<u64>,
    /// Experts each token is routed to.
    pub experts_per_token: Option<u64>,
    /// `hidden_act` (`silu`, `gelu_pytorch_tanh`, ...).
    pub hidden_act: String,
    /// `torch_dtype` / `dtype` of the checkpoint (`bfloat16`, ...), if given.
    pub dtype: Option<String>,
    /// `quantization_config`, if any.
    pub quantization: Option<Quantization>,
    /// `final_logit_softcapping` (Gemma-2): the loss path keeps one more vocab-sized tensor.
    pub final_logit_softcapping: bool,
    /// Whether transformers defaults to eager attention for this architecture (gemma2, gpt_oss).
    pub prefers_eager_attention: bool,
    /// Dropout probability applied in training to each attention output and each MLP output before they join
    /// the residual stream (`resid_pdrop` in phi, phi3, gpt2; `residual_dropout` in starcoder2; 0 when absent).
    /// Each such dropout saves a 1-byte bool mask per element for backward (`torch.native_dropout`).
    pub residual_dropout: f64,
    /// Size fields the config does not give, for which the family's transformers default was used, as
    /// (`field`, value): `hidden_size`, `num_hidden_layers`, `num_attention_heads`, `vocab_size`,
    /// `intermediate_size` (reported as a warning, [`crate::warnings::WarningCode::DefaultsUsed`]).
    pub defaults_used: Vec<(String, u64)>,
    /// Modules outside the decoder layers: embeddings, final norm, lm_head (if untied), and for multimodal
    /// wrappers the vision tower and projector modules ([`Component::is_tower`]).
    pub outer_modules: Vec<Module>,
    /// The decoder layers, in order.
    pub layers: Vec<Layer>,
    /// Bytes of the weights as stored, read from the checkpoint's safetensors headers
    /// ([`crate::checkpoint::attach`]): set only when the checkpoint is quantized and its parameter count equals
    /// the family model's; inference in the checkpoint's own format (`precision=stored`) then takes this figure.
    pub checkpoint_weights: Option<crate::units::Bytes>,
}
