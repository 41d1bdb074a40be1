//! Peak GPU memory of one fine-tuning or inference run: a mechanistic model of what PyTorch 2.11, transformers
//! 5.17, peft 0.21 and bitsandbytes 0.50 allocate, checked against measured H200 runs
//! (`tests/calibration.rs`).
//!
//! The peak is the largest *moment* of a step, not a sum of everything:
//! - training, at `_log_softmax_backward_data` (the loss moment): weights, optimizer states (from the second step
//!   on), every saved activation (or, with gradient checkpointing, each layer's input) and the vocabulary-sized
//!   loss tensors ([`logits`]);
//! - training with gradient checkpointing, while one layer is recomputed and back-propagated;
//! - full fine-tuning, at the end of backward (all gradients, the tied embedding's gradient sum) and during the
//!   optimizer step (weights + gradients + states);
//! - inference, at the end of the prompt's forward (KV cache of the prompt + one layer's transients) or at the
//!   last decode step (full KV cache).
//!
//! `total_bytes` adds the caching allocator's reserved-but-free memory and the CUDA context ([`allocator`]).
//! Module per quantity: [`run`] (dtypes), [`resident`] (weights, adapters), [`optimizer`] (gradients, states),
//! [`activations`], [`logits`], [`kv_cache`], [`allocator`], [`sharding`] (several GPUs: DDP, ZeRO, FSDP, offload).

pub(crate) mod activations;
pub(crate) mod allocator;
pub(crate) mod kv_cache;
pub(crate) mod logits;
pub(crate) mod optimizer;
pub(crate) mod param_wrappers;
pub(crate) mod resident;
pub(crate) mod run;
pub mod serve;
pub mod sharding;

use crate::arch::Architecture;
use crate::settings::{Mode, Settings};
use crate::units::Bytes;
use run::{add, mul, Run};
use serde::Serialize;
use std::fmt;

/// One line of the breakdown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    /// Stable name: `weights`, `adapters`, `autocast_copies`, `gradients`, `optimizer_states`, `activations`,
    /// `logits` (full logits: the loop, `Trainer`, inference) or `fused_loss` (TRL's fused head, Liger's fused
    /// cross-entropy), `kv_cache`, `quantization_buffers`, `gathered_parameters`, `communication_buckets`,
    /// `cublas_workspace`, `cuda_context`, `allocator_slack`.
    pub name: &'static str,
    /// Bytes this component holds at the peak moment.
    pub bytes: Bytes,
    /// One-line explanation (English) of what it is.
    pub explanation: &'static str,
}

/// Result of [`estimate`]. Every byte figure except `cpu_bytes` is **per GPU**: with `gpus > 1` it is what
/// each GPU of the job holds (the micro-batch is per GPU; [`sharding`] says how model states are split).
///
/// JSON (serde): `{total_bytes, allocated_bytes, reserved_bytes, first_step_allocated_bytes, peak_moment,
/// components: [{name, bytes, explanation}], approximate, gpus, shard, offload, cpu_bytes}`, bytes as integers,
/// `shard` one of `ddp|zero1|zero2|zero3|fsdp`, `offload` one of `none|optimizer|params`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimate {
    /// Predicted peak device memory of one GPU as `nvidia-smi` shows it (CUDA context + reserved pool at the
    /// peak), bytes.
    pub total_bytes: Bytes,
    /// Predicted peak of PyTorch's allocated bytes (`torch.cuda.max_memory_allocated`), without allocator slack
    /// and context.
    pub allocated_bytes: Bytes,
    /// Predicted peak of PyTorch's reserved bytes (`torch.cuda.max_memory_reserved`) = allocated + slack.
    pub reserved_bytes: Bytes,
    /// Predicted allocated peak of the first training step (no optimizer states yet); equals `allocated_bytes`
    /// for inference.
    pub first_step_allocated_bytes: Bytes,
    /// The moment of the step at which the peak happens, in words (e.g. "loss backward").
    pub peak_moment: &'static str,
    /// The breakdown at the peak moment; sums to `total_bytes`.
    pub components: Vec<Item>,
    /// True when the architecture is approximate.
    pub approximate: bool,
    /// GPUs in the job (the `gpus` setting); the byte figures above are per GPU.
    pub gpus: u64,
    /// Sharding strategy of the job.
    pub shard: crate::settings::Shard,
    /// CPU offload of the job.
    pub offload: crate::settings::Offload,
    /// The mode it is for (training moments and inference moments differ in what each component holds).
    pub mode: Mode,
    /// CPU memory per node that offload needs (DeepSpeed's accounting, [`sharding`]), bytes; 0 without offload.
    pub cpu_bytes: Bytes,
}

/// Why an estimate could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EstimateError {
    /// Numbers too large to represent.
    Overflow,
    /// Settings that do not fit the model (e.g. LoRA targets that match no module); says why.
    Invalid(String),
}
impl fmt::Display for EstimateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EstimateError::Overflow => {
                f.write_str("numbers too large: the result does not fit in 64 bits")
            }
            EstimateError::Invalid(m) => f.write_str(m),
        }
    }
}
impl std::error::Error for EstimateError {}
impl From<crate::units::Overflow> for EstimateError {
    fn from(_: crate::units::Overflow) -> Self {
        EstimateError::Overflow
    }
}

/// Component amounts at one moment (bytes).
#[derive(Debug, Clone, Copy, Default)]
struct Moment {
    name: &'static str,
    weights: u64,
    adapters: u64,
    autocast_copies: u64,
    gradients: u64,
    optimizer_states: u64,
    activations: u64,
    logits: u64,
    kv_cache: u64,
    quantization_buffers: u64,
    /// Several GPUs, stage 3: parameters gathered for the layers in flight ([`sharding`]).
    gathered_parameters: u64,
    /// Several GPUs: gradient buckets of the all-reduce / reduce-scatter ([`sharding`]).
    communication_buckets: u64,
    /// cuBLAS workspaces taken from PyTorch's pool ([`allocator::cublas_workspaces`]).
    workspaces: u64,
    /// PEFT `ParamWrapper`: materialised `W + ΔW` of wrapped expert parameters and their gradient
    /// ([`param_wrappers`]).
    wrapped_experts: u64,
}

impl Moment {
    fn allocated(&self) -> Result<u64, EstimateError> {
        [
            self.weights,
            self.adapters,
            self.autocast_copies,
            self.gradients,
            self.optimizer_states,
            self.activations,
            self.logits,
            self.kv_cache,
            self.quantization_buffers,
            self.gathered_parameters,
            self.communication_buckets,
            self.workspaces,
            self.wrapped_experts,
        ]
        .iter()
        .try_fold(0u64, |a, &b| add(a, b))
    }
}

fn pick(moments: &[Moment]) -> Result<(Moment, u64), EstimateError> {
    let mut best = (moments[0], moments[0].allocated()?);
    for m in &moments[1..] {
        let a = m.allocated()?;
        if a > best.1 {
            best = (*m, a);
        }
    }
    Ok(best)
}

/// Estimate the peak device memory of running `arch` with `settings`.
///
/// Errors: [`EstimateError::Overflow`] when a product does not fit in 64 bits (e.g. trillions of parameters at
/// million-token sequences), [`EstimateError::Invalid`] when LoRA targets match no module of the model.
pub fn estimate(arch: &Architecture, settings: &Settings) -> Result<Estimate, EstimateError> {
    if settings.mode == Mode::Serve {
        return Err(EstimateError::Invalid(
            "mode=serve has no single peak (vLLM takes gpu_memory_utilization of each GPU): see estimate::serve::plan".into(),
        ));
    }
    let run = Run::new(arch, settings)?;
    let res = resident::resident(&run)?;
    let (peak, first, slack, extra) = if run.mode == Mode::Inference {
        inference(&run, &res)?
    } else {
        training(&run, &res)?
    };
    let allocated = peak.allocated()?;
    let context = allocator::CUDA_CONTEXT_BYTES;
    let reserved = add(allocated, slack)?;
    let total = add(reserved, context)?;
    let items = [
        ("weights", peak.weights, "the base model's parameters in the dtype they are held in on the GPU"),
        ("adapters", peak.adapters, "LoRA matrices A and B on the targeted modules, kept in fp32 by peft"),
        ("autocast_copies", peak.autocast_copies, "bf16 copies of the fp32 weights that autocast keeps for the forward and backward"),
        ("gradients", peak.gradients, "gradients of the trainable parameters that exist at the peak moment"),
        ("optimizer_states", peak.optimizer_states, "the optimizer's per-parameter state (AdamW: two moments), created at the first step"),
        ("activations", peak.activations, if run.mode == Mode::Inference { "the forward pass's transient tensors of the largest layer (nothing is kept for a backward)" } else { "tensors the forward pass saves for backward (or each layer's input with gradient checkpointing, plus one recomputed layer)" }),
        match run.loss {
            run::LossPath::Logits { .. } if run.mode == Mode::Inference => ("logits", peak.logits, "vocabulary-sized logits of the last position of each sequence, and the fp32 copy generate() takes to sample"),
            run::LossPath::Logits { .. } => ("logits", peak.logits, "vocabulary-sized logits and the fp32 log-probabilities and gradients of the loss"),
            run::LossPath::FusedHead => ("fused_loss", peak.logits, "TRL's fused LM head: the hidden-state copy, fp32 gradient accumulators and one logits tile (no full logits)"),
            run::LossPath::LigerFlce => ("fused_loss", peak.logits, "Liger's fused linear cross-entropy: the hidden-state gradient and one chunk of logits (no full logits)"),
        },
        ("wrapped_experts", peak.wrapped_experts, "PEFT target_parameters: each wrapped expert weight materialised as W + ΔW for the experts' matmuls and saved for backward, and its gradient"),
        ("kv_cache", peak.kv_cache, "keys and values of every cached token, per layer (sliding-window layers keep only the window)"),
        ("quantization_buffers", peak.quantization_buffers, "a 4-bit layer's weight dequantized to bf16 for its matmul, and transient forward buffers"),
        ("gathered_parameters", peak.gathered_parameters, "full parameters of the layers in flight, all-gathered from the other GPUs' shards (ZeRO-3/FSDP)"),
        ("communication_buckets", peak.communication_buckets, "gradient buckets of the all-reduce (DDP) or reduce-scatter (ZeRO/FSDP) between GPUs"),
        ("cublas_workspace", peak.workspaces, "cuBLAS workspaces of the forward and backward threads, allocated from PyTorch's pool"),
        ("allocator_slack", slack, "memory PyTorch's caching allocator has reserved but cannot reuse at the peak"),
        ("cuda_context", context, "the CUDA context, cuBLAS and cuDNN workspaces, outside PyTorch's pool"),
    ];
    let components = items
        .iter()
        .filter(|(n, b, _)| *b > 0 || *n == "weights" || *n == "cuda_context")
        .map(|&(name, b, explanation)| Item {
            name,
            bytes: Bytes(b),
            explanation,
        })
        .collect();
    Ok(Estimate {
        total_bytes: Bytes(total),
        allocated_bytes: Bytes(allocated),
        reserved_bytes: Bytes(reserved),
        first_step_allocated_bytes: Bytes(first),
        peak_moment: peak.name,
        components,
        approximate: arch.approximate,
        gpus: settings.gpus,
        shard: settings.shard,
        offload: settings.offload,
        mode: settings.mode,
        cpu_bytes: Bytes(extra.cpu_bytes),
    })
}

/// What one other stack would need for the same run ([`other_stacks`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StackFigure {
    /// The stack.
    pub stack: crate::settings::Stack,
    /// Liger kernels on (kept from the settings where the stack takes them).
    pub liger: bool,
    /// Its predicted peak per GPU, bytes; `None` when it cannot be estimated (the same error as the main one).
    pub total_bytes: Option<Bytes>,
}

/// The same run driven by each other stack ([`crate::settings::Stack::ALL`] but `settings.stack`), in that
/// order: the line that shows why calculators disagree. Empty for inference (no stack). `liger` is kept for the
/// trainers and dropped for the plain loop.
pub fn other_stacks(arch: &Architecture, settings: &Settings) -> Vec<StackFigure> {
    if !settings.mode.trains() {
        return Vec::new();
    }
    crate::settings::Stack::ALL
        .iter()
        .filter(|&&st| st != settings.stack)
        .map(|&stack| {
            let liger = settings.liger && stack != crate::settings::Stack::Loop;
            let s = Settings {
                stack,
                liger,
                ..settings.clone()
            };
            StackFigure {
                stack,
                liger,
                total_bytes: estimate(arch, &s).ok().map(|e| e.total_bytes),
            }
        })
        .collect()
}

/// Name of the moment at which one checkpointed layer is recomputed and back-propagated.
const RECOMPUTE_MOMENT: &str = "recomputed layer backward (gradient checkpointing)";
/// The same for the first decoder layer, the last backward of the step ([`training`]).
const FIRST_LAYER_MOMENT: &str = "first layer's backward (every adapter gradient formed)";
/// The same for a layer whose experts PEFT's `target_parameters` wraps ([`param_wrappers`]).
const WRAPPED_MOMENT: &str = "recomputed wrapped experts backward (target_parameters)";

/// Training moments; returns (peak moment, first-step allocated peak, allocator slack, sharding extras).
fn training(
    run: &Run,
    res: &resident::Resident,
) -> Result<(Moment, u64, u64, sharding::Extra), EstimateError> {
    let arch = run.arch;
    let t = run.tokens;
    let tr = optimizer::trainable(run, res)?;
    let lg = logits::training(run)?;
    let h = arch.hidden_size;
    let fin = mul(activations::final_norm_saved(run)?, t)?;
    let ckpt_per_layer = mul(mul(run.r, h)?, t)?;
    let mut saved_all = 0u64;
    // One recomputed layer's peak while its attention, resp. its MLP, is back-propagated.
    let mut recompute_attn = 0u64;
    let mut recompute_mlp = 0u64;
    let mut largest_layer = 0u64;
    // Identical layers give identical numbers: computed once per distinct layer ([`Run::layers`]).
    for &(layer, count) in &run.layers {
        let s = mul(activations::layer_saved(run, layer, run.s.seq)?, t)?;
        let (ra, rm) = activations::recomputed_layer_backward(run, layer, run.s.seq)?;
        saved_all = add(saved_all, mul(s, count)?)?;
        recompute_attn = recompute_attn.max(mul(ra, t)?);
        recompute_mlp = recompute_mlp.max(mul(rm, t)?);
        largest_layer = largest_layer.max(s);
    }
    let layers = arch.layers.len() as u64;
    let ckpt_all = mul(ckpt_per_layer, layers)?;
    let base = Moment {
        weights: res.base,
        adapters: res.adapters,
        optimizer_states: tr.states,
        workspaces: allocator::cublas_workspaces(true),
        ..Default::default()
    };
    let dequant = mul(res.largest_quantized, 2)?;
    let acts = if run.s.gc {
        add(ckpt_all, fin)?
    } else {
        add(saved_all, fin)?
    };
    let loss = Moment {
        name: match run.loss {
            run::LossPath::Logits { .. } => "loss backward (log-softmax gradient)",
            run::LossPath::FusedHead => "loss backward (TRL's fused LM head)",
            run::LossPath::LigerFlce => "loss (Liger's fused linear cross-entropy)",
        },
        autocast_copies: res.autocast_copies,
        activations: acts,
        logits: lg.loss_moment,
        ..base
    };
    let wrapped = param_wrappers::wrapped(run)?;
    let mut moments = vec![loss];
    if !run.s.gc && wrapped.saved_all > 0 {
        // Without checkpointing every wrapped layer's `W'` is saved until its backward: alive at the loss, and
        // with the gradient of one `W'` when the last wrapped layer is back-propagated (all activations counted,
        // an upper bound: the layers after it have already freed theirs).
        moments[0].wrapped_experts = wrapped.saved_all;
        moments.push(Moment {
            name: "backward of the last wrapped experts (target_parameters)",
            autocast_copies: res.autocast_copies,
            activations: acts,
            logits: lg.out,
            wrapped_experts: add(wrapped.saved_before_last, wrapped.last_backward)?,
            ..base
        });
    }
    if !run.s.gc && dequant > 0 {
        // QLoRA without checkpointing: back-propagating the last layer, bitsandbytes' `MatMul4Bit.backward`
        // dequantizes the 4-bit weight to bf16 to form the input gradient, while nearly every saved activation is
        // still alive (the same buffer the checkpointed recomputation holds).
        moments.push(Moment {
            name: "last layer backward (4-bit weight dequantized)",
            autocast_copies: res.autocast_copies,
            activations: acts,
            logits: lg.out,
            quantization_buffers: dequant,
            ..base
        });
    }
    if run.s.gc {
        // Gradients already computed when the last layer is back-propagated: the output head's (or tied
        // embedding's) and one layer's for full fine-tuning; the adapters' (small) for LoRA.
        let partial = if run.train_base {
            let outer: u64 = arch
                .outer_modules
                .iter()
                .filter(|m| m.name != "embed_tokens" || arch.tie_word_embeddings)
                .filter(|m| !m.component.is_tower())
                .map(|m| m.params.0)
                .sum();
            let one_layer: u64 = arch
                .layers
                .first()
                .map(|l| {
                    l.modules
                        .iter()
                        .map(|m| m.params.0.saturating_mul(m.instances))
                        .sum()
                })
                .unwrap_or(0);
            mul(add(outer, one_layer)?, run.w)?
        } else {
            // LoRA: the fp32 gradients of the adapters of the layer being back-propagated (the largest layer's)
            // and of adapted outer modules (`lm_head` by name); the other layers' adapter gradients do not exist
            // yet (`zero_grad(set_to_none=True)` freed them after the previous step), as for full fine-tuning.
            let one_layer_and_outer = run
                .adapters
                .one_layer_and_outer
                .ok_or(EstimateError::Overflow)?;
            mul(mul(one_layer_and_outer, run.s.rank)?, run.a)?.min(tr.gradients)
        };
        // Two moments of one recomputed layer's backward ([`activations::recomputed_layer_backward`]): its MLP,
        // where a 4-bit layer's weight is dequantized for the input gradient, and its attention (no 4-bit matmul
        // runs while the attention's own gradients are formed). The final norm's saved tensors are gone: its
        // backward ran before any layer's.
        let rec = Moment {
            name: RECOMPUTE_MOMENT,
            autocast_copies: res.autocast_copies,
            gradients: partial,
            activations: add(ckpt_all, recompute_mlp)?,
            logits: lg.out,
            quantization_buffers: dequant,
            ..base
        };
        moments.push(rec);
        moments.push(Moment {
            activations: add(ckpt_all, recompute_attn)?,
            quantization_buffers: 0,
            ..rec
        });
        if wrapped.largest_backward > 0 {
            // A recomputed wrapped layer's MLP backward: its `W'` rebuilt by the recomputation and one gradient.
            moments.push(Moment {
                name: WRAPPED_MOMENT,
                wrapped_experts: wrapped.largest_backward,
                ..rec
            });
        }
    }
    if run.train_base {
        let tied_sum = if arch.tie_word_embeddings {
            mul(mul(mul(arch.vocab_size, h)?, run.w)?, 2)?
        } else {
            0
        };
        moments.push(Moment {
            name: "end of backward (embedding gradient)",
            gradients: add(tr.gradients, tied_sum)?,
            logits: lg.out,
            ..base
        });
    }
    moments.push(Moment {
        name: "optimizer step",
        gradients: tr.gradients,
        logits: lg.out,
        ..base
    });
    if !run.train_base {
        // LoRA: the first layer's backward, the last of the step. Every later layer's adapter gradients exist by
        // then, and of the activations only this layer's are left: with checkpointing its checkpointed input and
        // the recomputed layer, without it the same tensors saved by the forward (its input, saved by the first
        // norm, and what the recomputation would rebuild). Against the last layer's moment this trades
        // activations for adapter gradients, which wins when the adapters are large: `target_parameters` on
        // every layer's experts (Qwen3-30B-A3B r16: 52 MB of fp32 gradients per layer against a 17 MB
        // checkpoint). Kept only where it is the peak (the allocator's slack is modelled on the other moments).
        let first_layer = Moment {
            name: FIRST_LAYER_MOMENT,
            autocast_copies: res.autocast_copies,
            gradients: tr.gradients,
            activations: add(ckpt_per_layer, recompute_mlp)?,
            logits: lg.out,
            quantization_buffers: dequant,
            wrapped_experts: wrapped.layer0_backward,
            ..base
        };
        let mut highest = 0u64;
        for m in &moments {
            highest = highest.max(m.allocated()?);
        }
        if first_layer.allocated()? > highest {
            moments.push(first_layer);
        }
    }
    if run.s.grad_accum > 1 {
        // `gradient_accumulation_steps` (transformers 5.17 `Trainer._inner_training_loop`, which TRL's
        // `SFTTrainer` inherits; a plain loop that accumulates does the same): `optimizer.step()` and
        // `model.zero_grad()` run once per `ga` micro-batches, so from the second micro-batch on every
        // trainable parameter's `.grad` exists through its forward and backward (AccumulateGrad adds into it
        // in place). Every moment of the step then holds all gradients; the step's own moments already do.
        for m in moments.iter_mut() {
            m.gradients = m.gradients.max(tr.gradients);
        }
    }
    let extra = sharding::shard_training(run, res, &tr, &mut moments)?;
    let (peak, _) = pick(&moments)?;
    // First step: no optimizer states before `step()`; the step itself creates them.
    let mut first = 0u64;
    for m in &moments {
        let mut m = *m;
        if m.name != "optimizer step" {
            m.optimizer_states = 0;
        }
        first = first.max(m.allocated()?);
    }
    // The caching allocator never gives memory back during a run, so the reserved peak is the largest
    // "allocated + stranded" over the moments, which need not be the allocated peak's moment: with fp32 logits
    // under checkpointing the loss moment strands a recomputed layer's tensors, the recomputation one score block.
    let peak_alloc = peak.allocated()?;
    let mut reserved = 0u64;
    for m in &moments {
        let stranded = allocator::training_slack(
            run,
            &lg,
            largest_layer,
            m.activations,
            [RECOMPUTE_MOMENT, FIRST_LAYER_MOMENT, WRAPPED_MOMENT].contains(&m.name),
        )?;
        reserved = reserved.max(add(m.allocated()?, stranded)?);
    }
    let slack = reserved.saturating_sub(peak_alloc);
    Ok((peak, first, slack, extra))
}

/// Inference moments: end of the prompt's forward and the last decode step.
fn inference(
    run: &Run,
    res: &resident::Resident,
) -> Result<(Moment, u64, u64, sharding::Extra), EstimateError> {
    let p = run.s.seq;
    let n = run.s.new_tokens;
    let t = run.tokens;
    let (kv_prompt, _) = kv_cache::kv_bytes(run, p)?;
    let (kv_all, kv_layer) = kv_cache::kv_bytes(run, add(p, n)?)?;
    let mut transient = 0u64;
    for &(layer, _) in &run.layers {
        transient = transient.max(mul(
            activations::layer_inference_transient(run, layer, p)?,
            t,
        )?);
    }
    if run.eager {
        // The causal (and sliding-window) masks, batch × 1 × prompt × prompt each.
        let kinds = if run.arch.sliding_window.is_some() {
            2
        } else {
            1
        };
        transient = add(transient, mul(mul(mul(t, p)?, run.c)?, kinds)?)?;
    }
    let lg = logits::inference(run)?;
    let dequant = mul(res.largest_quantized, 2)?;
    let base = Moment {
        weights: res.base,
        workspaces: allocator::cublas_workspaces(false),
        ..Default::default()
    };
    let prefill = Moment {
        name: "end of the prompt's forward (prefill)",
        kv_cache: kv_prompt,
        activations: transient,
        logits: lg,
        quantization_buffers: dequant,
        ..base
    };
    let decode = Moment {
        name: "last generated token (full KV cache)",
        kv_cache: add(kv_all, kv_layer)?,
        logits: lg,
        quantization_buffers: dequant,
        ..base
    };
    let mut moments = [prefill, decode];
    let extra = sharding::shard_inference(run, &mut moments)?;
    let (peak, alloc) = pick(&moments)?;
    let slack = allocator::inference_slack(
        run,
        prefill.allocated()?,
        decode.allocated()?,
        kv_all,
        res.base,
    )?;
    Ok((peak, alloc, slack, extra))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Settings;

    fn llama(overrides: &str) -> Architecture {
        let text = format!(
            r#"{{"model_type":"llama","hidden_size":2048,"intermediate_size":8192,"num_hidden_layers":16,
            "num_attention_heads":32,"num_key_value_heads":8,"vocab_size":128256,"tie_word_embeddings":true{overrides}}}"#
        );
        crate::parse_config(&text).expect("llama config")
    }

    fn est(a: &Architecture, q: &str) -> Estimate {
        estimate(a, &Settings::from_query(q).unwrap()).unwrap()
    }

    #[test]
    fn components_sum_to_total_and_total_exceeds_allocated() {
        let a = llama("");
        for q in [
            "mode=full&batch=2&seq=1024&gc=0",
            "mode=lora&gc=1",
            "mode=qlora",
            "mode=inference&seq=4096",
        ] {
            let e = est(&a, q);
            let sum: u64 = e.components.iter().map(|c| c.bytes.0).sum();
            assert_eq!(sum, e.total_bytes.0, "{q}");
            assert!(
                e.total_bytes > e.reserved_bytes && e.reserved_bytes >= e.allocated_bytes,
                "{q}"
            );
            assert!(e.components.iter().all(|c| !c.explanation.is_empty()));
        }
    }

    #[test]
    fn peak_is_a_moment_not_a_sum() {
        // Full fine-tuning: the gradients are never all alive together with all activations.
        let e = est(&llama(""), "mode=full&batch=2&seq=1024&gc=0");
        let grads = e
            .components
            .iter()
            .find(|c| c.name == "gradients")
            .map(|c| c.bytes.0)
            .unwrap_or(0);
        let acts = e
            .components
            .iter()
            .find(|c| c.name == "activations")
            .map(|c| c.bytes.0)
            .unwrap_or(0);
        assert!(
            grads == 0 || acts == 0,
            "gradients {grads} and activations {acts} both at the peak"
        );
        assert!(
            e.first_step_allocated_bytes < e.allocated_bytes,
            "the first step has no optimizer states"
        );
    }

    #[test]
    fn settings_move_the_estimate_the_right_way() {
        let a = llama("");
        let base = est(&a, "mode=lora&batch=2&seq=2048&gc=0").total_bytes;
        assert!(est(&a, "mode=lora&batch=4&seq=2048&gc=0").total_bytes > base);
        assert!(est(&a, "mode=lora&batch=2&seq=2048&gc=1").total_bytes < base);
        assert!(est(&a, "mode=lora&batch=2&seq=2048&gc=0&attn=eager").total_bytes > base);
        assert!(est(&a, "mode=lora&batch=2&seq=2048&gc=0&dropout=0.1").total_bytes > base);
        assert!(
            est(&a, "mode=qlora&batch=2&seq=2048&gc=0").allocated_bytes
                < est(&a, "mode=lora&batch=2&seq=2048&gc=0&precision=fp32").allocated_bytes
        );
        let full = est(&a, "mode=full&batch=1&seq=512&gc=1");
        assert!(
            est(&a, "mode=full&batch=1&seq=512&gc=1&optim=sgd").allocated_bytes
                < full.allocated_bytes
        );
        assert!(
            est(&a, "mode=full&batch=1&seq=512&gc=1&optim=adamw8bit").allocated_bytes
                < full.allocated_bytes
        );
        let inf = est(&a, "mode=inference&seq=1024&new=256").total_bytes;
        assert!(est(&a, "mode=inference&seq=1024&new=65536").total_bytes > inf);
    }

    #[test]
    fn huge_inputs_overflow_cleanly() {
        // About 2 T parameters at batch 1024 × 1 M tokens: an error, never a panic or a wrapped number.
        let a = llama(
            r#","hidden_size":65536,"intermediate_size":262144,"num_hidden_layers":128,"num_attention_heads":512,"num_key_value_heads":64"#,
        );
        for q in [
            "mode=full&batch=1024&seq=1048576&gc=0",
            "mode=inference&batch=1024&seq=1048576&new=1048576&attn=eager",
            "mode=qlora&batch=1024&seq=1048576&gc=1",
        ] {
            match estimate(&a, &Settings::from_query(q).unwrap()) {
                Err(EstimateError::Overflow) => {}
                Ok(e) => assert!(
                    e.total_bytes.0 > 1 << 50,
                    "{q}: implausibly small {}",
                    e.total_bytes.0
                ),
                Err(e) => panic!("{q}: {e}"),
            }
        }
    }

    #[test]
    fn lora_targets_that_match_nothing_are_invalid() {
        let a = llama("");
        let r = estimate(
            &a,
            &Settings::from_query("mode=lora&targets=c_attn").unwrap(),
        );
        assert!(matches!(r, Err(EstimateError::Invalid(_))));
    }
}
