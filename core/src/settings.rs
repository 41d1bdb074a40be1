//! The settings of one estimate, and their query-string form (shared by the URL and the CLI).
//!
//! Keys and values (issue 2, §8): `model`, `rev`; `mode` = `inference|full|lora|qlora|serve`;
//! `precision` = inference `stored|fp32|bf16|fp16|fp8|int8|int4`, full `bf16|fp32|mixed`, lora `bf16|fp16|fp32`,
//! qlora `nf4|fp4`; `dq` = `0|1`; `batch`; `seq`; `new`; `rank`; `targets` = `all-linear|attn|qv` or a comma list
//! of module names; `dropout`; `gc` = `0|1`; `optim` = `adamw|adamw8bit|sgd|sgdm`; `attn` = `auto|sdpa|eager`;
//! (issue 7) `gpus` = GPUs in the job (1..=65536, default 1); `shard` = `ddp|zero1|zero2|zero3|fsdp` (default `ddp`);
//! `offload` = `none|optimizer|params` (default `none`). See [`Shard`] and [`Offload`] for which combinations are
//! accepted and why. (issue 10) `stack` = `trl|trainer|loop` (default `trl`): what drives the training step
//! ([`Stack`]); `liger` = `0|1` (default 0): `use_liger_kernel=True`, for `trl` and `trainer` only.
//! (issue 13, `mode=serve`) `util` = `--gpu-memory-utilization` in (0, 1] (default 0.9); `maxlen` =
//! `--max-model-len` (default the model's `max_position_embeddings`); `kvdtype` = `auto|fp8`; `tp` =
//! `--tensor-parallel-size` (1..=64, default 1); `seqs` = `--max-num-seqs` (default vLLM's for the GPU);
//! `precision` = `stored|bf16|fp16|fp8`.
//! Defaults are left out of [`Settings::to_query`]. Unknown keys are ignored (links may carry UI-only keys such as
//! `lang`); a known key with a bad value is a [`QueryError`] naming the key.

use serde::Serialize;
use std::fmt;

/// What is being run on the GPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// `model.generate`: weights + KV cache + transient forward buffers.
    Inference,
    /// Full fine-tuning: every parameter trainable.
    Full,
    /// LoRA (Hu et al. 2021, arXiv 2106.09685) on a frozen base in 16/32-bit.
    Lora,
    /// QLoRA (Dettmers et al. 2023, arXiv 2305.14314): LoRA on a 4-bit bitsandbytes base.
    Qlora,
    /// Serving with vLLM V1 (`vllm serve`, version [`crate::estimate::serve::VLLM_VERSION`]): the KV cache
    /// that fits in `gpu_memory_utilization` of each GPU ([`crate::estimate::serve`]).
    Serve,
}

/// The dtype the weights are held in (and, for training, computed in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// Inference only: the checkpoint's own format from its `quantization_config` (e.g. MXFP4, FP8).
    Stored,
    /// 4 bytes per parameter.
    Fp32,
    /// 2 bytes per parameter.
    Bf16,
    /// 2 bytes per parameter.
    Fp16,
    /// Inference only: 1 byte per parameter (FP8 E4M3 weights).
    Fp8,
    /// Inference only: 1 byte per parameter (bitsandbytes LLM.int8()).
    Int8,
    /// Inference only: 0.5 byte per parameter plus block scales (bitsandbytes 4-bit).
    Int4,
    /// Full fine-tuning only: fp32 weights and optimizer, bf16 autocast for compute.
    Mixed,
    /// QLoRA: 4-bit NormalFloat (Dettmers et al. 2023).
    Nf4,
    /// QLoRA: 4-bit float.
    Fp4,
}

/// Which modules LoRA adapts (PEFT's `target_modules`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Targets {
    /// PEFT's `"all-linear"`: every `nn.Linear` in the decoder blocks, not the output head.
    AllLinear,
    /// The attention projections (`q_proj,k_proj,v_proj,o_proj` or the family's names).
    Attn,
    /// `q_proj,v_proj` (the LoRA paper's choice).
    Qv,
    /// An explicit list of module leaf names, e.g. `["q_proj", "down_proj"]`.
    Modules(Vec<String>),
}

/// Optimizer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Optim {
    /// torch AdamW: two states (exp_avg, exp_avg_sq) in the parameter's dtype.
    Adamw,
    /// bitsandbytes AdamW8bit: two 8-bit states with block-wise scales.
    Adamw8bit,
    /// Plain SGD: no state.
    Sgd,
    /// SGD with momentum: one state in the parameter's dtype.
    Sgdm,
}

/// Attention implementation (transformers' `attn_implementation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AttnImpl {
    /// What transformers picks for the architecture (eager for gemma2 and gpt_oss, SDPA otherwise).
    Auto,
    /// `torch.nn.functional.scaled_dot_product_attention`: no seq² score matrix is kept.
    Sdpa,
    /// Eager attention: materializes the batch × heads × seq × seq scores and probabilities.
    Eager,
}

/// What drives the training step: the peak depends on it as much as on the model (`bench/truth/README.md`).
/// The versions modelled are [`STACK_VERSIONS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stack {
    /// TRL `SFTTrainer` with its defaults (TRL 1.16): bf16 autocast, the loss through a fused LM head over
    /// chunks (`trl.trainer.utils.add_fused_lm_head`: no full logits), LoRA/QLoRA by `peft_config` (QLoRA:
    /// no `prepare_model_for_kbit_training`, adapters cast to bf16).
    Trl,
    /// transformers `Trainer` (LLaMA-Factory and Axolotl subclass it): bf16 autocast through accelerate, the
    /// model's own loss over full logits, the model output dropped before backward; QLoRA as PEFT's recipe
    /// (`prepare_model_for_kbit_training`, fp32 adapters).
    Trainer,
    /// A plain PyTorch loop, `out = model(input_ids=ids, labels=ids); out.loss.backward(); opt.step()`: `out`
    /// (and its logits) alive through backward, no autocast for 16-bit and 4-bit bases.
    Loop,
}

impl Stack {
    /// Query value.
    pub fn as_str(self) -> &'static str {
        match self {
            Stack::Trl => "trl",
            Stack::Trainer => "trainer",
            Stack::Loop => "loop",
        }
    }
    /// Parse a query value.
    pub fn parse(s: &str) -> Option<Stack> {
        Some(match s {
            "trl" => Stack::Trl,
            "trainer" => Stack::Trainer,
            "loop" => Stack::Loop,
            _ => return None,
        })
    }
    /// Every stack, in the order a UI lists them.
    pub const ALL: [Stack; 3] = [Stack::Trl, Stack::Trainer, Stack::Loop];
}

/// The library versions the stacks are modelled and measured at (`bench/truth/README.md`), as
/// `(package, version)`.
pub const STACK_VERSIONS: [(&str, &str); 6] = [
    ("TRL", "1.16"),
    ("transformers", "5.17"),
    ("peft", "0.21"),
    ("bitsandbytes", "0.50"),
    ("torch", "2.11"),
    ("liger-kernel", "0.8.5"),
];

/// How model states are spread over the GPUs of a data-parallel job (Rajbhandari et al. 2020, "ZeRO: Memory
/// Optimizations Toward Training Trillion Parameter Models", arXiv 1910.02054, §5; PyTorch FSDP).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Shard {
    /// `torch.nn.parallel.DistributedDataParallel`: every GPU holds all parameters, gradients and optimizer
    /// states, plus the gradient buckets of the all-reduce.
    Ddp,
    /// ZeRO stage 1 (DeepSpeed): optimizer states (with fp32 master weights) partitioned over the GPUs.
    Zero1,
    /// ZeRO stage 2 (DeepSpeed): optimizer states and gradients partitioned.
    Zero2,
    /// ZeRO stage 3 (DeepSpeed): optimizer states, gradients and parameters partitioned; parameters gathered
    /// per module as the forward and backward reach them.
    Zero3,
    /// PyTorch FSDP with `FULL_SHARD` (FSDP2 `fully_shard`): the same states as ZeRO-3, gathered per wrapped
    /// unit (one decoder layer; embeddings, final norm and output head form the root unit).
    Fsdp,
}

/// What DeepSpeed moves to CPU memory (ZeRO-Offload, Ren et al. 2021, arXiv 2101.06840; ZeRO-Infinity,
/// arXiv 2104.07857). `params` implies `optimizer`, as both define it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Offload {
    /// Everything on the GPU.
    None,
    /// `offload_optimizer: {device: cpu}`: optimizer states, fp32 master weights and (stage ≥ 2) the gradient
    /// partitions live on the CPU; the optimizer step runs there. Needs ZeRO stage 1, 2 or 3.
    Optimizer,
    /// `offload_param: {device: cpu}` (DeepSpeed, stage 3 only) or FSDP `CPUOffload(offload_params=True)`: the
    /// parameter shards too; the GPU holds only the parameters gathered for the layers in flight.
    Params,
}

/// Every input of one estimate besides the model's architecture.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Settings {
    /// Hub model id, `owner/name` (empty when none chosen). Not used by the estimate itself.
    pub model: String,
    /// Hub revision (branch, tag or commit), default `main`.
    pub rev: String,
    /// What is being run.
    pub mode: Mode,
    /// Weight precision; `None` means the mode's default ([`Settings::effective_precision`]).
    pub precision: Option<Precision>,
    /// QLoRA double quantization (quantized absmax constants), default on.
    pub double_quant: bool,
    /// Micro-batch size (sequences per step), ≥ 1.
    pub batch: u64,
    /// `gradient_accumulation_steps`: micro-batches whose gradients are summed before one optimizer step, ≥ 1.
    /// The effective batch is `batch × grad_accum × gpus` sequences ([`Settings::effective_batch`]).
    pub grad_accum: u64,
    /// Sequence length in tokens (the prompt length for inference), ≥ 1.
    pub seq: u64,
    /// Generated tokens (inference only).
    pub new_tokens: u64,
    /// LoRA rank r, ≥ 1.
    pub rank: u64,
    /// LoRA target modules.
    pub targets: Targets,
    /// PEFT `target_parameters`: names of `nn.Parameter`s to adapt directly (`lora.ParamWrapper`), as PEFT
    /// matches them (a parameter's full name equals the entry or ends with `.` + entry), e.g. gpt-oss's
    /// stacked experts `7.mlp.experts.gate_up_proj`. Empty: none. At most [`MAX_TARGET_PARAMS`] entries.
    pub target_params: Vec<String>,
    /// LoRA dropout probability in [0, 1).
    pub dropout: f64,
    /// Gradient checkpointing (non-reentrant, per decoder layer).
    pub gc: bool,
    /// Optimizer.
    pub optim: Optim,
    /// Attention implementation.
    pub attn: AttnImpl,
    /// GPUs in the (data-parallel) job, 1 ..= [`MAX_GPUS`]. The micro-batch is per GPU.
    pub gpus: u64,
    /// How model states are sharded over the GPUs.
    pub shard: Shard,
    /// What is offloaded to CPU memory.
    pub offload: Offload,
    /// What drives the training step (ignored for inference).
    pub stack: Stack,
    /// `use_liger_kernel=True`: Liger's RMSNorm, SwiGLU and RoPE kernels, and (with `Trainer`) its fused linear
    /// cross-entropy. Only with [`Stack::Trl`] and [`Stack::Trainer`].
    pub liger: bool,
    /// Serve: vLLM's `--gpu-memory-utilization`, the fraction of each GPU's total memory the engine may use,
    /// in (0, 1]; vLLM's default 0.9 (`vllm/config/cache.py`).
    pub util: f64,
    /// Serve: `--max-model-len`, tokens per request (prompt + output); `None` = the model's
    /// `max_position_embeddings`, as vLLM derives it.
    pub maxlen: Option<u64>,
    /// Serve: `--kv-cache-dtype`.
    pub kvdtype: KvDtype,
    /// Serve: `--tensor-parallel-size`, GPUs one model is split over, 1 ..= [`MAX_TP`].
    pub tp: u64,
    /// Serve: `--max-num-seqs`, requests scheduled at once; `None` = vLLM's default for the GPU
    /// ([`crate::estimate::serve`]).
    pub seqs: Option<u64>,
}

/// vLLM's `--kv-cache-dtype` (`vllm/config/cache.py` `CacheDType`; `vllm/utils/torch_utils.py`
/// `STR_DTYPE_TO_TORCH_DTYPE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KvDtype {
    /// `auto`: the model's compute dtype (2 bytes per element for bf16/fp16).
    Auto,
    /// `fp8` (E4M3, stored as `torch.uint8`): 1 byte per element.
    Fp8,
}

impl KvDtype {
    /// Query value.
    pub fn as_str(self) -> &'static str {
        match self {
            KvDtype::Auto => "auto",
            KvDtype::Fp8 => "fp8",
        }
    }
    /// Parse a query value.
    pub fn parse(s: &str) -> Option<KvDtype> {
        Some(match s {
            "auto" => KvDtype::Auto,
            "fp8" => KvDtype::Fp8,
            _ => return None,
        })
    }
}

/// Largest accepted `--tensor-parallel-size` (one node of 8 GPUs, times 8 for multi-node).
pub const MAX_TP: u64 = 64;

impl Default for Settings {
    fn default() -> Self {
        Settings {
            model: String::new(),
            rev: "main".into(),
            mode: Mode::Lora,
            precision: None,
            double_quant: true,
            batch: 1,
            grad_accum: 1,
            seq: 2048,
            new_tokens: 256,
            rank: 16,
            targets: Targets::AllLinear,
            target_params: Vec::new(),
            dropout: 0.0,
            gc: true,
            optim: Optim::Adamw,
            attn: AttnImpl::Auto,
            gpus: 1,
            shard: Shard::Ddp,
            offload: Offload::None,
            stack: Stack::Trl,
            liger: false,
            util: 0.9,
            maxlen: None,
            kvdtype: KvDtype::Auto,
            tp: 1,
            seqs: None,
        }
    }
}

/// A query value that cannot be used; `key` names the query key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    /// The offending key, e.g. `batch`.
    pub key: String,
    /// What is wrong, in one line.
    pub message: String,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}
impl std::error::Error for QueryError {}

/// Largest accepted micro-batch (sequences).
pub const MAX_BATCH: u64 = 1 << 20;
/// Largest accepted sequence length / generated tokens (tokens): 2²⁴ ≈ 16.7 M.
pub const MAX_TOKENS: u64 = 1 << 24;
/// Largest accepted LoRA rank.
pub const MAX_RANK: u64 = 1 << 16;
/// Largest accepted `gradient_accumulation_steps` (`ga`).
pub const MAX_GRAD_ACCUM: u64 = 1 << 16;
/// Largest accepted number of GPUs in a job.
pub const MAX_GPUS: u64 = 1 << 16;

impl Shard {
    /// Query value.
    pub fn as_str(self) -> &'static str {
        match self {
            Shard::Ddp => "ddp",
            Shard::Zero1 => "zero1",
            Shard::Zero2 => "zero2",
            Shard::Zero3 => "zero3",
            Shard::Fsdp => "fsdp",
        }
    }
    /// Parse a query value.
    pub fn parse(s: &str) -> Option<Shard> {
        Some(match s {
            "ddp" => Shard::Ddp,
            "zero1" => Shard::Zero1,
            "zero2" => Shard::Zero2,
            "zero3" => Shard::Zero3,
            "fsdp" => Shard::Fsdp,
            _ => return None,
        })
    }
    /// ZeRO stage of the states this strategy partitions: 0 (DDP), 1, 2, 3 (ZeRO-3 and FSDP full shard).
    pub fn stage(self) -> u8 {
        match self {
            Shard::Ddp => 0,
            Shard::Zero1 => 1,
            Shard::Zero2 => 2,
            Shard::Zero3 | Shard::Fsdp => 3,
        }
    }
    /// Every strategy, in the order a UI lists them.
    pub const ALL: [Shard; 5] = [
        Shard::Ddp,
        Shard::Zero1,
        Shard::Zero2,
        Shard::Zero3,
        Shard::Fsdp,
    ];
}

impl Offload {
    /// Query value.
    pub fn as_str(self) -> &'static str {
        match self {
            Offload::None => "none",
            Offload::Optimizer => "optimizer",
            Offload::Params => "params",
        }
    }
    /// Parse a query value.
    pub fn parse(s: &str) -> Option<Offload> {
        Some(match s {
            "none" => Offload::None,
            "optimizer" => Offload::Optimizer,
            "params" => Offload::Params,
            _ => return None,
        })
    }
}

impl Mode {
    /// Query value of this mode.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Inference => "inference",
            Mode::Full => "full",
            Mode::Lora => "lora",
            Mode::Qlora => "qlora",
            Mode::Serve => "serve",
        }
    }
    /// Parse a query value.
    pub fn parse(s: &str) -> Option<Mode> {
        Some(match s {
            "inference" => Mode::Inference,
            "full" => Mode::Full,
            "lora" => Mode::Lora,
            "qlora" => Mode::Qlora,
            "serve" => Mode::Serve,
            _ => return None,
        })
    }
    /// The precisions this mode accepts, in the order a UI lists them.
    pub fn precisions(self) -> &'static [Precision] {
        use Precision::*;
        match self {
            Mode::Inference => &[Stored, Bf16, Fp16, Fp32, Fp8, Int8, Int4],
            Mode::Full => &[Bf16, Fp32, Mixed],
            Mode::Lora => &[Bf16, Fp16, Fp32],
            Mode::Qlora => &[Nf4, Fp4],
            // vLLM `--dtype` / `--quantization fp8` (online FP8 weights); `stored` = the checkpoint's format.
            Mode::Serve => &[Stored, Bf16, Fp16, Fp8],
        }
    }
    /// Whether the mode trains (has gradients and an optimizer).
    pub fn trains(self) -> bool {
        !matches!(self, Mode::Inference | Mode::Serve)
    }
    /// Whether the mode has LoRA adapters.
    pub fn has_adapters(self) -> bool {
        matches!(self, Mode::Lora | Mode::Qlora)
    }
}

impl Precision {
    /// Query value.
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::Stored => "stored",
            Precision::Fp32 => "fp32",
            Precision::Bf16 => "bf16",
            Precision::Fp16 => "fp16",
            Precision::Fp8 => "fp8",
            Precision::Int8 => "int8",
            Precision::Int4 => "int4",
            Precision::Mixed => "mixed",
            Precision::Nf4 => "nf4",
            Precision::Fp4 => "fp4",
        }
    }
    /// Parse a query value.
    pub fn parse(s: &str) -> Option<Precision> {
        use Precision::*;
        Some(match s {
            "stored" => Stored,
            "fp32" => Fp32,
            "bf16" => Bf16,
            "fp16" => Fp16,
            "fp8" => Fp8,
            "int8" => Int8,
            "int4" => Int4,
            "mixed" => Mixed,
            "nf4" => Nf4,
            "fp4" => Fp4,
            _ => return None,
        })
    }
}

impl Optim {
    /// Query value.
    pub fn as_str(self) -> &'static str {
        match self {
            Optim::Adamw => "adamw",
            Optim::Adamw8bit => "adamw8bit",
            Optim::Sgd => "sgd",
            Optim::Sgdm => "sgdm",
        }
    }
    /// Parse a query value.
    pub fn parse(s: &str) -> Option<Optim> {
        Some(match s {
            "adamw" => Optim::Adamw,
            "adamw8bit" => Optim::Adamw8bit,
            "sgd" => Optim::Sgd,
            "sgdm" => Optim::Sgdm,
            _ => return None,
        })
    }
}

impl AttnImpl {
    /// Query value.
    pub fn as_str(self) -> &'static str {
        match self {
            AttnImpl::Auto => "auto",
            AttnImpl::Sdpa => "sdpa",
            AttnImpl::Eager => "eager",
        }
    }
    /// Parse a query value.
    pub fn parse(s: &str) -> Option<AttnImpl> {
        Some(match s {
            "auto" => AttnImpl::Auto,
            "sdpa" => AttnImpl::Sdpa,
            "eager" => AttnImpl::Eager,
            _ => return None,
        })
    }
}

impl Targets {
    /// Query value (`all-linear`, `attn`, `qv` or the comma-joined module names).
    pub fn to_query_value(&self) -> String {
        match self {
            Targets::AllLinear => "all-linear".into(),
            Targets::Attn => "attn".into(),
            Targets::Qv => "qv".into(),
            Targets::Modules(m) => m.join(","),
        }
    }
    /// Parse a query value. A comma list that equals `q_proj,v_proj` stays an explicit list (the
    /// estimate treats it like `qv`). Errors on an empty list or a name that is not an identifier.
    pub fn parse(s: &str) -> Result<Targets, String> {
        match s {
            "all-linear" => return Ok(Targets::AllLinear),
            "attn" => return Ok(Targets::Attn),
            "qv" => return Ok(Targets::Qv),
            _ => {}
        }
        let mut names: Vec<String> = Vec::new();
        for part in s.split(',') {
            let p = part.trim();
            if p.is_empty() {
                continue;
            }
            if p.len() > 64
                || !p
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
            {
                return Err(format!(
                    "`{}` is not a module name (letters, digits, `_`, `.`)",
                    truncate(p, 40)
                ));
            }
            if !names.iter().any(|n| n == p) {
                names.push(p.to_string());
            }
        }
        if names.is_empty() {
            return Err("empty list of target modules".into());
        }
        Ok(Targets::Modules(names))
    }
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

fn parse_u64(key: &str, v: &str, min: u64, max: u64) -> Result<u64, QueryError> {
    let err = |m: String| QueryError {
        key: key.into(),
        message: m,
    };
    let t = v.trim();
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let n: u64 = match t.parse() {
        Ok(n) => n,
        // A negative whole number, or one past u64: out of range, not malformed.
        Err(_) if t.strip_prefix('-').is_some_and(digits) => {
            return Err(err(format!("must be at least {min}, got {}", truncate(t, 40))))
        }
        Err(_) if digits(t) => {
            return Err(err(format!("must be at most {max}, got {}", truncate(t, 40))))
        }
        Err(_) => return Err(err(format!("`{}` is not a whole number", truncate(v, 40)))),
    };
    if n < min {
        return Err(err(format!("must be at least {min}, got {n}")));
    }
    if n > max {
        return Err(err(format!("must be at most {max}, got {n}")));
    }
    Ok(n)
}

fn parse_bool(key: &str, v: &str) -> Result<bool, QueryError> {
    match v {
        "1" | "true" => Ok(true),
        "0" | "false" => Ok(false),
        _ => Err(QueryError {
            key: key.into(),
            message: format!("`{}` is not 0 or 1", truncate(v, 40)),
        }),
    }
}

/// Most entries of [`Settings::target_params`] (PEFT has no limit; a model has a few stacked parameters per
/// layer, so 512 covers every layer of the largest MoE models twice over).
pub const MAX_TARGET_PARAMS: usize = 512;

/// Parse the `target_params` query value: a comma list of parameter names (`7.mlp.experts.gate_up_proj`), each
/// of ASCII letters, digits, `_` and `.`, not starting or ending with `.`; empty entries are skipped, repeats
/// kept once. Empty value: none. Errors (one line): a bad character, more than [`MAX_TARGET_PARAMS`] names.
pub fn parse_target_params(v: &str) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for name in v.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let ok = name.len() <= 200
            && !name.starts_with('.')
            && !name.ends_with('.')
            && !name.contains("..")
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
        if !ok {
            return Err(format!(
                "`{}` is not a parameter name (letters, digits, _ and . as in 7.mlp.experts.gate_up_proj)",
                truncate(name, 40)
            ));
        }
        if !out.iter().any(|o| o == name) {
            out.push(name.to_string());
        }
        if out.len() > MAX_TARGET_PARAMS {
            return Err(format!("at most {MAX_TARGET_PARAMS} parameter names"));
        }
    }
    Ok(out)
}

/// Percent-decode a query component (`+` is a space). Invalid escapes are kept literally.
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' if i + 2 < b.len() => {
                let h = std::str::from_utf8(&b[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match h {
                    Some(x) => {
                        out.push(x);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encode a query component: keeps `A–Z a–z 0–9 - _ . ~ , /`, escapes everything else.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &c in s.as_bytes() {
        if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'~' | b',' | b'/') {
            out.push(c as char);
        } else {
            out.push_str(&format!("%{c:02X}"));
        }
    }
    out
}

impl Settings {
    /// Parse a query string (`a=1&b=2`, with or without a leading `?`). Missing keys take their defaults;
    /// unknown keys are ignored; the last occurrence of a key wins.
    ///
    /// Errors: a [`QueryError`] naming the first key with an unusable value — a number that is not a whole
    /// number or is out of range (batch 1..=2²⁰, seq 1..=2²⁴, new 0..=2²⁴, rank 1..=65536, gpus 1..=65536),
    /// dropout outside [0, 1), an unknown mode/optimizer/attention/shard/offload value, a precision the mode does
    /// not accept, or a shard/offload combination [`Settings::check_sharding`] refuses.
    pub fn from_query(q: &str) -> Result<Settings, QueryError> {
        let q = q.strip_prefix('?').unwrap_or(q);
        let pairs: Vec<(String, String)> = q
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| match p.split_once('=') {
                Some((k, v)) => (percent_decode(k), percent_decode(v)),
                None => (percent_decode(p), String::new()),
            })
            .collect();
        Self::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    /// Like [`Settings::from_query`], from already-decoded key/value pairs (e.g. a router's query map).
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Settings, QueryError> {
        // One parser for every caller's iterator type: the generic part only collects (in the browser each
        // monomorphised copy of the parser cost kilobytes of the first load).
        let pairs: Vec<(&str, &str)> = pairs.into_iter().collect();
        Self::from_pair_slice(&pairs)
    }

    #[inline(never)]
    fn from_pair_slice(pairs: &[(&str, &str)]) -> Result<Settings, QueryError> {
        let mut s = Settings::default();
        let mut precision_raw: Option<String> = None;
        for &(k, v) in pairs {
            let bad = |m: String| QueryError {
                key: k.to_string(),
                message: m,
            };
            match k {
                "model" => s.model = v.trim().to_string(),
                "rev" => {
                    s.rev = if v.trim().is_empty() {
                        "main".into()
                    } else {
                        v.trim().to_string()
                    }
                }
                "mode" => {
                    s.mode = Mode::parse(v).ok_or_else(|| {
                        bad(format!(
                            "`{}` is not one of inference, full, lora, qlora, serve",
                            truncate(v, 40)
                        ))
                    })?
                }
                "precision" => precision_raw = Some(v.to_string()),
                "dq" => s.double_quant = parse_bool(k, v)?,
                "batch" => s.batch = parse_u64(k, v, 1, MAX_BATCH)?,
                "ga" => s.grad_accum = parse_u64(k, v, 1, MAX_GRAD_ACCUM)?,
                "seq" => s.seq = parse_u64(k, v, 1, MAX_TOKENS)?,
                "new" => s.new_tokens = parse_u64(k, v, 0, MAX_TOKENS)?,
                "rank" => s.rank = parse_u64(k, v, 1, MAX_RANK)?,
                "targets" => s.targets = Targets::parse(v).map_err(bad)?,
                "target_params" => s.target_params = parse_target_params(v).map_err(bad)?,
                "dropout" => {
                    let d: f64 = v
                        .trim()
                        .parse()
                        .map_err(|_| bad(format!("`{}` is not a number", truncate(v, 40))))?;
                    if !(d.is_finite() && (0.0..1.0).contains(&d)) {
                        return Err(bad(format!("must be in [0, 1), got {}", truncate(v, 40))));
                    }
                    s.dropout = d;
                }
                "gc" => s.gc = parse_bool(k, v)?,
                "optim" => {
                    s.optim = Optim::parse(v).ok_or_else(|| {
                        bad(format!(
                            "`{}` is not one of adamw, adamw8bit, sgd, sgdm",
                            truncate(v, 40)
                        ))
                    })?
                }
                "attn" => {
                    s.attn = AttnImpl::parse(v).ok_or_else(|| {
                        bad(format!(
                            "`{}` is not one of auto, sdpa, eager",
                            truncate(v, 40)
                        ))
                    })?
                }
                "gpus" => s.gpus = parse_u64(k, v, 1, MAX_GPUS)?,
                "shard" => {
                    s.shard = Shard::parse(v).ok_or_else(|| {
                        bad(format!(
                            "`{}` is not one of ddp, zero1, zero2, zero3, fsdp",
                            truncate(v, 40)
                        ))
                    })?
                }
                "offload" => {
                    s.offload = Offload::parse(v).ok_or_else(|| {
                        bad(format!(
                            "`{}` is not one of none, optimizer, params",
                            truncate(v, 40)
                        ))
                    })?
                }
                "stack" => {
                    s.stack = Stack::parse(v).ok_or_else(|| {
                        bad(format!(
                            "`{}` is not one of trl, trainer, loop",
                            truncate(v, 40)
                        ))
                    })?
                }
                "liger" => s.liger = parse_bool(k, v)?,
                // Empty: vLLM's default, as for `maxlen` and `seqs`.
                "util" if v.trim().is_empty() => s.util = 0.9,
                "util" => {
                    let u: f64 = v
                        .trim()
                        .parse()
                        .map_err(|_| bad(format!("`{}` is not a number", truncate(v, 40))))?;
                    if !(u.is_finite() && u > 0.0 && u <= 1.0) {
                        return Err(bad(format!(
                            "gpu_memory_utilization must be in (0, 1], got {}",
                            truncate(v, 40)
                        )));
                    }
                    s.util = u;
                }
                // Empty: vLLM's own default (the model's length, the GPU's max_num_seqs).
                "maxlen" if v.trim().is_empty() => s.maxlen = None,
                "maxlen" => s.maxlen = Some(parse_u64(k, v, 1, MAX_TOKENS)?),
                "seqs" if v.trim().is_empty() => s.seqs = None,
                "kvdtype" => {
                    s.kvdtype = KvDtype::parse(v).ok_or_else(|| {
                        bad(format!("`{}` is not one of auto, fp8", truncate(v, 40)))
                    })?
                }
                "tp" => s.tp = parse_u64(k, v, 1, MAX_TP)?,
                "seqs" => s.seqs = Some(parse_u64(k, v, 1, MAX_BATCH)?),
                _ => {}
            }
        }
        if s.liger && s.stack == Stack::Loop && s.mode.trains() {
            return Err(QueryError {
                key: "liger".into(),
                message:
                    "use_liger_kernel is a Trainer / SFTTrainer argument: use stack=trl or trainer"
                        .into(),
            });
        }
        s.check_sharding()?;
        if let Some(p) = precision_raw {
            let allowed = s.mode.precisions();
            let list: Vec<&str> = allowed.iter().map(|p| p.as_str()).collect();
            match Precision::parse(&p) {
                Some(pr) if allowed.contains(&pr) => s.precision = Some(pr),
                _ => {
                    return Err(QueryError {
                        key: "precision".into(),
                        message: format!(
                            "`{}` does not fit mode {}; use one of {}",
                            truncate(&p, 40),
                            s.mode.as_str(),
                            list.join(", ")
                        ),
                    })
                }
            }
        }
        Ok(s)
    }

    /// Reject sharding combinations that no framework runs (errors name `shard` or `offload`):
    /// - `offload=optimizer` needs ZeRO stage 1, 2 or 3 (DeepSpeed `offload_optimizer` is a ZeRO feature; plain
    ///   DDP has none, and FSDP offloads parameters, gradients and optimizer together: use `offload=params`);
    /// - `offload=params` needs `zero3` (DeepSpeed: "only valid with stage 3") or `fsdp`
    ///   (`CPUOffload(offload_params=True)`);
    /// - inference has no gradients or optimizer states: `zero1`/`zero2` and any offload are refused; `ddp` means
    ///   replicas (each GPU holds the whole model: the per-GPU figure equals one GPU's), `zero3`/`fsdp` shard the
    ///   weights and gather them layer by layer (DeepSpeed ZeRO-Inference). Tensor parallelism is not modelled.
    pub fn check_sharding(&self) -> Result<(), QueryError> {
        let err = |key: &str, m: String| {
            Err(QueryError {
                key: key.into(),
                message: m,
            })
        };
        if self.mode == Mode::Inference {
            if matches!(self.shard, Shard::Zero1 | Shard::Zero2) {
                return err(
                    "shard",
                    format!(
                        "{} partitions optimizer states/gradients, which inference does not have; use ddp (replicas) or zero3/fsdp",
                        self.shard.as_str()
                    ),
                );
            }
            if self.offload != Offload::None {
                return err(
                    "offload",
                    "CPU offload is modelled for training only".into(),
                );
            }
        }
        match (self.offload, self.shard) {
            (Offload::None, _) => Ok(()),
            (Offload::Optimizer, Shard::Zero1 | Shard::Zero2 | Shard::Zero3) => Ok(()),
            (Offload::Optimizer, Shard::Fsdp) => err(
                "offload",
                "FSDP offloads parameters, gradients and optimizer together: use offload=params".into(),
            ),
            (Offload::Params, Shard::Zero3 | Shard::Fsdp) => Ok(()),
            (Offload::Params, s) => err(
                "offload",
                format!("offload=params needs shard=zero3 or fsdp (parameters are partitioned only there), not {}", s.as_str()),
            ),
            (Offload::Optimizer, Shard::Ddp) => err(
                "offload",
                "offload=optimizer needs a ZeRO stage (shard=zero1, zero2 or zero3)".into(),
            ),
        }
    }

    /// Sequences per optimizer step over the whole job: micro-batch × `gradient_accumulation_steps` × GPUs
    /// (training; inference has no optimizer step and gives the micro-batch). `None` on overflow.
    pub fn effective_batch(&self) -> Option<u64> {
        if !self.mode.trains() {
            return Some(self.batch);
        }
        self.batch.checked_mul(self.grad_accum)?.checked_mul(self.gpus)
    }

    /// The precision in force: the explicit one, else the mode's default (inference: `stored` when the
    /// checkpoint has a `quantization_config`, else `bf16`; full/lora `bf16`; qlora `nf4`).
    pub fn effective_precision(&self, has_quantization_config: bool) -> Precision {
        if let Some(p) = self.precision {
            return p;
        }
        match self.mode {
            Mode::Inference | Mode::Serve if has_quantization_config => Precision::Stored,
            Mode::Inference | Mode::Serve | Mode::Full | Mode::Lora => Precision::Bf16,
            Mode::Qlora => Precision::Nf4,
        }
    }

    /// The query string of these settings, defaults left out, keys in a fixed order
    /// (`model, rev, mode, precision, dq, batch, ga, seq, new, rank, targets, target_params, dropout, gc, optim, attn, gpus, shard,
    /// offload, stack, liger, util, maxlen, kvdtype, tp, seqs`).
    /// `from_query(to_query(s)) == s` for every valid `s`.
    pub fn to_query(&self) -> String {
        let d = Settings::default();
        let mut parts: Vec<String> = Vec::new();
        let mut push = |k: &str, v: String| parts.push(format!("{k}={}", percent_encode(&v)));
        if !self.model.is_empty() {
            push("model", self.model.clone());
        }
        if self.rev != d.rev {
            push("rev", self.rev.clone());
        }
        if self.mode != d.mode {
            push("mode", self.mode.as_str().into());
        }
        if let Some(p) = self.precision {
            push("precision", p.as_str().into());
        }
        if self.double_quant != d.double_quant {
            push("dq", if self.double_quant { "1" } else { "0" }.into());
        }
        if self.batch != d.batch {
            push("batch", self.batch.to_string());
        }
        if self.grad_accum != d.grad_accum {
            push("ga", self.grad_accum.to_string());
        }
        if self.seq != d.seq {
            push("seq", self.seq.to_string());
        }
        if self.new_tokens != d.new_tokens {
            push("new", self.new_tokens.to_string());
        }
        if self.rank != d.rank {
            push("rank", self.rank.to_string());
        }
        if self.targets != d.targets {
            push("targets", self.targets.to_query_value());
        }
        if !self.target_params.is_empty() {
            push("target_params", self.target_params.join(","));
        }
        if self.dropout != d.dropout {
            push("dropout", format!("{}", self.dropout));
        }
        if self.gc != d.gc {
            push("gc", if self.gc { "1" } else { "0" }.into());
        }
        if self.optim != d.optim {
            push("optim", self.optim.as_str().into());
        }
        if self.attn != d.attn {
            push("attn", self.attn.as_str().into());
        }
        if self.gpus != d.gpus {
            push("gpus", self.gpus.to_string());
        }
        if self.shard != d.shard {
            push("shard", self.shard.as_str().into());
        }
        if self.offload != d.offload {
            push("offload", self.offload.as_str().into());
        }
        if self.stack != d.stack {
            push("stack", self.stack.as_str().into());
        }
        if self.liger != d.liger {
            push("liger", if self.liger { "1" } else { "0" }.into());
        }
        if self.util != d.util {
            push("util", format!("{}", self.util));
        }
        if let Some(m) = self.maxlen {
            push("maxlen", m.to_string());
        }
        if self.kvdtype != d.kvdtype {
            push("kvdtype", self.kvdtype.as_str().into());
        }
        if self.tp != d.tp {
            push("tp", self.tp.to_string());
        }
        if let Some(n) = self.seqs {
            push("seqs", n.to_string());
        }
        parts.join("&")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_non_defaults() {
        let q = "model=openai/gpt-oss-20b&rev=v1&mode=qlora&precision=fp4&dq=0&batch=4&seq=1024&new=7&rank=8&targets=q_proj,v_proj&dropout=0.05&gc=0&optim=sgdm&attn=eager";
        let s = Settings::from_query(q).unwrap();
        assert_eq!(s.mode, Mode::Qlora);
        assert_eq!(s.precision, Some(Precision::Fp4));
        assert_eq!(
            s.targets,
            Targets::Modules(vec!["q_proj".into(), "v_proj".into()])
        );
        assert_eq!(Settings::from_query(&s.to_query()).unwrap(), s);
        assert_eq!(s.to_query(), q);
    }

    #[test]
    fn out_of_range_numbers_say_so() {
        let m = |q: &str| Settings::from_query(q).unwrap_err().message;
        assert_eq!(m("rank=-3"), "must be at least 1, got -3");
        assert_eq!(m("seq=99999999999999999999999"), format!("must be at most {MAX_TOKENS}, got 99999999999999999999999"));
        assert_eq!(m("seq=1234567890"), format!("must be at most {MAX_TOKENS}, got 1234567890"));
        assert!(m("batch=1.5").contains("not a whole number"));
    }

    #[test]
    fn defaults_are_left_out() {
        assert_eq!(Settings::default().to_query(), "");
        assert_eq!(Settings::from_query("").unwrap(), Settings::default());
    }

    #[test]
    fn bad_values_name_the_key() {
        for (q, key) in [
            ("batch=0", "batch"),
            ("batch=-1", "batch"),
            ("batch=1.5", "batch"),
            ("rank=-3", "rank"),
            ("ga=0", "ga"),
            ("seq=99999999999999999999999", "seq"),
            ("dropout=1", "dropout"),
            ("dropout=NaN", "dropout"),
            ("mode=train", "mode"),
            ("mode=full&precision=nf4", "precision"),
            ("optim=lion", "optim"),
            ("targets=,", "targets"),
            ("gc=yes", "gc"),
            ("gpus=0", "gpus"),
            ("gpus=65537", "gpus"),
            ("shard=zero4", "shard"),
            ("offload=disk", "offload"),
            ("mode=full&offload=optimizer", "offload"),
            ("mode=full&shard=fsdp&offload=optimizer", "offload"),
            ("mode=full&shard=zero2&offload=params", "offload"),
            ("mode=inference&shard=zero2", "shard"),
            ("mode=inference&shard=zero3&offload=params", "offload"),
            ("stack=deepspeed", "stack"),
            ("stack=loop&liger=1", "liger"),
            ("liger=2", "liger"),
        ] {
            let e = Settings::from_query(q).unwrap_err();
            assert_eq!(e.key, key, "{q}");
        }
    }

    #[test]
    fn sharding_keys_roundtrip() {
        let q = "mode=full&gpus=8&shard=zero3&offload=params";
        let s = Settings::from_query(q).unwrap();
        assert_eq!(
            (s.gpus, s.shard, s.offload),
            (8, Shard::Zero3, Offload::Params)
        );
        assert_eq!(s.to_query(), q);
        for ok in [
            "mode=full&shard=zero1&offload=optimizer",
            "mode=lora&shard=fsdp&offload=params",
            "mode=inference&gpus=4&shard=fsdp",
        ] {
            let s = Settings::from_query(ok).unwrap();
            assert_eq!(Settings::from_query(&s.to_query()).unwrap(), s, "{ok}");
        }
    }

    #[test]
    fn stack_keys_roundtrip_and_default_is_trl() {
        assert_eq!(Settings::default().stack, Stack::Trl);
        for q in [
            "stack=trainer",
            "stack=loop",
            "stack=trainer&liger=1",
            "liger=1",
        ] {
            let s = Settings::from_query(q).unwrap();
            assert_eq!(s.to_query(), q);
        }
        assert_eq!(
            Settings::from_query("stack=trl&liger=0")
                .unwrap()
                .to_query(),
            ""
        );
    }

    #[test]
    fn percent_coding() {
        assert_eq!(percent_decode("a%2Fb+c%zz%"), "a/b c%zz%");
        assert_eq!(percent_encode("<script>"), "%3Cscript%3E");
    }
}
