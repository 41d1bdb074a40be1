//! Weight bytes held on the GPU for the whole run: the base model as loaded for this mode and precision, the
//! LoRA adapters, and (precision=mixed) autocast's bf16 weight copies.
//!
//! Sources:
//! - bitsandbytes `Params4bit` / `quantize_4bit` (blocksize 64 for 4-bit): two 4-bit values per byte, one
//!   absmax per block of 64 (fp32; with double quantization an 8-bit code plus one fp32 constant per 256 blocks,
//!   `functional.py::quantize_4bit(compress_statistics=True)`); transformers' bnb integration quantizes every
//!   `nn.Linear` except the output head (`get_keys_to_not_convert`).
//! - peft `prepare_model_for_kbit_training`: every non-4-bit parameter (embeddings, norms, lm_head, biases,
//!   stacked experts) is upcast to fp32 (the loop's and `Trainer`'s QLoRA; TRL's recipe skips it, `run.rs`).
//! - peft `LoraModel` with `autocast_adapter_dtype=True` (the default): adapters are fp32; `lora_A` is
//!   `[r, in]`, `lora_B` `[out, r]`; for a stacked 3-D expert parameter (`target_parameters`) one pair per expert.
//! - torch autocast (`cached_cast`): a bf16 copy of every leaf weight used by a matmul is cached for the forward
//!   and stays referenced by autograd until that layer's backward.
//! - LLM.int8 (`Int8Params`): int8 weight + one fp32 scale per output row; FP8 checkpoints: one byte per weight
//!   and one fp32 scale per `weight_block_size` block; MXFP4 (gpt-oss): 4-bit values + one 8-bit scale per 32.

use super::run::{add, mul, Run};
use super::EstimateError;
use crate::arch::{Module, ModuleKind, Quantization};
use crate::settings::{Mode, Precision};

/// Bytes of one bitsandbytes 4-bit weight of `n` elements (blocksize 64), with or without double quantization.
pub(crate) fn bnb4_bytes(n: u64, double_quant: bool) -> Result<u64, EstimateError> {
    let blocks = n.div_ceil(64);
    let stats = if double_quant {
        add(blocks, mul(blocks.div_ceil(256), 4)?)?
    } else {
        mul(blocks, 4)?
    };
    add(n.div_ceil(2), stats)
}

/// Weight elements and bias elements of one instance of a linear-like module.
fn weight_and_bias(m: &Module) -> (u64, u64) {
    match m.kind {
        ModuleKind::Linear(s) | ModuleKind::StackedLinear(s) => (
            s.in_features.saturating_mul(s.out_features),
            if s.bias { s.out_features } else { 0 },
        ),
        ModuleKind::Other => (m.params.0, 0),
    }
}

/// How one base module is stored on the GPU for this run, in bytes (all instances).
pub(crate) fn module_bytes(run: &Run, m: &Module) -> Result<u64, EstimateError> {
    let n = m.instances;
    let plain = |bpp: u64| -> Result<u64, EstimateError> { mul(mul(m.params.0, n)?, bpp) };
    let linear = matches!(m.kind, ModuleKind::Linear(_));
    let (wt, bias) = weight_and_bias(m);
    match (run.mode, run.precision) {
        (Mode::Qlora, _) | (Mode::Inference, Precision::Int4) => {
            // QLoRA: the unquantized parameters as held (fp32 after `prepare_model_for_kbit_training`, bf16
            // in TRL's recipe); 4-bit inference keeps them 16-bit.
            let upcast = if run.mode == Mode::Qlora { run.w } else { 2 };
            if linear {
                let dq = run.mode == Mode::Inference || run.s.double_quant;
                mul(add(bnb4_bytes(wt, dq)?, mul(bias, upcast)?)?, n)
            } else {
                plain(upcast)
            }
        }
        (Mode::Inference, Precision::Int8) if linear => {
            let out = match m.kind {
                ModuleKind::Linear(s) => s.out_features,
                _ => 0,
            };
            mul(add(add(wt, mul(out, 4)?)?, mul(bias, 2)?)?, n)
        }
        (Mode::Inference, Precision::Fp8) if linear => {
            mul(add(add(wt, mul(wt / 16384 + 1, 4)?)?, mul(bias, 2)?)?, n)
        }
        (Mode::Inference, Precision::Stored) => stored_bytes(run, m, wt, bias),
        _ => plain(run.w),
    }
}

/// Bytes of a module in the checkpoint's own format (`precision=stored`).
fn stored_bytes(run: &Run, m: &Module, wt: u64, bias: u64) -> Result<u64, EstimateError> {
    let n = m.instances;
    let plain = mul(mul(m.params.0, n)?, 2)?;
    let skipped = |list: &[String]| {
        list.iter()
            .any(|p| m.name.contains(p.as_str()) || p.contains(m.name.as_str()))
    };
    let is_matrix = !matches!(m.kind, ModuleKind::Other);
    match &run.arch.quantization {
        Some(Quantization::Mxfp4 {
            modules_to_not_convert,
        }) => {
            if matches!(m.kind, ModuleKind::StackedLinear(_)) && !skipped(modules_to_not_convert) {
                // 4.25 bits per weight: 4-bit E2M1 + one E8M0 byte per 32; biases bf16.
                mul(
                    add(add(wt.div_ceil(2), wt.div_ceil(32))?, mul(bias, 2)?)?,
                    n,
                )
            } else {
                Ok(plain)
            }
        }
        Some(Quantization::Fp8 {
            weight_block_size,
            modules_to_not_convert,
        }) => {
            if is_matrix && !skipped(modules_to_not_convert) {
                let block = weight_block_size
                    .map(|b| b[0].saturating_mul(b[1]).max(1))
                    .unwrap_or(u64::MAX);
                mul(add(add(wt, mul(wt / block + 1, 4)?)?, mul(bias, 2)?)?, n)
            } else {
                Ok(plain)
            }
        }
        Some(Quantization::Bitsandbytes { bits, double_quant })
            if matches!(m.kind, ModuleKind::Linear(_)) =>
        {
            let q = if *bits == 4 {
                bnb4_bytes(wt, *double_quant)?
            } else {
                add(wt, mul(wt / 4096 + 1, 4)?)?
            };
            mul(add(q, mul(bias, 2)?)?, n)
        }
        Some(Quantization::IntGroup {
            bits, group_size, ..
        }) if matches!(m.kind, ModuleKind::Linear(_)) => {
            let (inp, out) = match m.kind {
                ModuleKind::Linear(s) => (s.in_features, s.out_features),
                _ => (0, 0),
            };
            let groups = mul(inp.div_ceil(group_size.unwrap_or(inp).max(1)), out)?;
            // Packed values, an fp16 scale and a packed zero point per group.
            let q = add(
                mul(wt, *bits)?.div_ceil(8),
                mul(groups, 2 + bits.div_ceil(8))?,
            )?;
            mul(add(q, mul(bias, 2)?)?, n)
        }
        _ => Ok(plain),
    }
}

/// The resident weights of a run.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Resident {
    /// Base model weights as held (bytes).
    pub base: u64,
    /// LoRA adapter parameters (elements; fp32 on the GPU, bf16 in TRL's QLoRA recipe).
    pub adapter_params: u64,
    /// Of `adapter_params`, those on a multimodal wrapper's towers: resident, never trained in a text-only run.
    pub idle_adapter_params: u64,
    /// Bytes of the adapters.
    pub adapters: u64,
    /// Autocast's bf16 copies of the matmul weights (precision=mixed), alive from forward to backward.
    pub autocast_copies: u64,
    /// The largest single base weight (elements) that a 4-bit layer dequantizes to bf16 at a time.
    pub largest_quantized: u64,
    /// Parameters of the model (all instances).
    pub params: u64,
}

/// Weights of the run. Errors: LoRA targets that match no module ([`EstimateError::Invalid`]), overflow.
pub(crate) fn resident(run: &Run) -> Result<Resident, EstimateError> {
    let mut out = Resident::default();
    let quantized_linears = run.mode == Mode::Qlora
        || (run.mode == Mode::Inference && run.precision == Precision::Int4);
    for m in &run.arch.outer_modules {
        out.base = add(out.base, module_bytes_outer(run, m)?)?;
        out.params = add(out.params, mul(m.params.0, m.instances)?)?;
        if run.autocast
            && (m.name == "lm_head" || (run.arch.tie_word_embeddings && m.name == "embed_tokens"))
        {
            out.autocast_copies = add(out.autocast_copies, mul(m.params.0, 2)?)?;
        }
    }
    // Identical layers give identical sums: computed once per distinct layer and weighted by its count (a
    // stored checkpoint's `modules_to_not_convert` list is scanned per module).
    for &(layer, count) in &run.layers {
        let mut x = [0u64; 4];
        for m in &layer.modules {
            x[0] = add(x[0], module_bytes(run, m)?)?;
            x[1] = add(x[1], mul(m.params.0, m.instances)?)?;
            if run.autocast && !matches!(m.kind, ModuleKind::Other) {
                x[2] = add(x[2], mul(mul(m.params.0, m.instances)?, 2)?)?;
            }
            if quantized_linears {
                if let ModuleKind::Linear(s) = m.kind {
                    x[3] = x[3].max(s.in_features.saturating_mul(s.out_features));
                }
            }
        }
        out.base = add(out.base, mul(x[0], count)?)?;
        out.params = add(out.params, mul(x[1], count)?)?;
        out.autocast_copies = add(out.autocast_copies, mul(x[2], count)?)?;
        out.largest_quantized = out.largest_quantized.max(x[3]);
    }
    if run.mode.has_adapters() {
        let a = run.adapters;
        let (arch, targets) = (run.arch, &run.s.targets);
        out.adapter_params = match a.total.and_then(|t| t.checked_mul(run.s.rank)) {
            Some(p) if a.any && run.s.rank > 0 => p,
            // Targets matching nothing: the message of `lora::adapter_params`, from the distinct layers.
            _ if !a.any && run.s.rank > 0 => {
                let layers = run.layers.iter().map(|&(l, _)| l);
                return Err(EstimateError::Invalid(crate::lora::no_match_message(
                    arch, targets, layers,
                )));
            }
            // Rank 0, overflow: `lora::adapter_params` says why, in the UI's words.
            _ => {
                crate::lora::adapter_params(arch, run.s.rank, targets)
                    .map_err(EstimateError::Invalid)?
                    .0
            }
        };
    }
    if run.mode.has_adapters() && run.s.rank > 0 {
        out.idle_adapter_params = mul(run.adapters.idle, run.s.rank)?.min(out.adapter_params);
    }
    out.adapters = mul(out.adapter_params, run.a)?;
    // A quantized checkpoint whose headers were read and agree with the family count: its bytes as stored.
    if let (Mode::Inference, Precision::Stored, Some(b)) =
        (run.mode, run.precision, run.arch.checkpoint_weights)
    {
        out.base = b.0;
    }
    Ok(out)
}

/// Outer modules (embeddings, final norm, lm_head) are never quantized by bitsandbytes; PEFT's QLoRA recipe
/// upcasts them to fp32 (TRL's keeps them bf16: `run.w`), inference keeps them in 16-bit unless fp32 is asked
/// for.
pub(crate) fn module_bytes_outer(run: &Run, m: &Module) -> Result<u64, EstimateError> {
    let bpp = match (run.mode, run.precision) {
        (Mode::Qlora, _) => run.w,
        (Mode::Inference, Precision::Fp32) => 4,
        (Mode::Inference, _) => 2,
        _ => run.w,
    };
    mul(mul(m.params.0, m.instances)?, bpp)
}
