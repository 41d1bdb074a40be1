//! Beyond one GPU (issue 7): how data-parallel sharding (DDP, ZeRO-1/2/3, FSDP) and CPU offload change each
//! GPU's share of the model states, and what the sharding itself adds (gathered parameters, communication
//! buckets). Every figure is **per GPU**; activations, logits and the allocator model stay as on one GPU (the
//! micro-batch is per GPU).
//!
//! ## Model states (ZeRO paper, Rajbhandari et al. 2020, arXiv 1910.02054, §5.1–5.3)
//! With N GPUs and P parameters:
//! - stage 1 partitions the optimizer states (for mixed precision these include the fp32 master weights),
//! - stage 2 also the gradients,
//! - stage 3 (and FSDP `FULL_SHARD`) also the parameters, each GPU holding ⌈x / N⌉ of each.
//!
//! `precision=mixed` under a DeepSpeed ZeRO stage is DeepSpeed's bf16/fp16 mode (what the HF Trainer runs with
//! `bf16: true` and a ZeRO config): the model is held in 16 bits (2 B/param), gradients are 16-bit, and the
//! optimizer owns fp32 master weights, fp32 gradient partitions and the fp32 Adam moments (16 B/param, the
//! "16" of DeepSpeed's memory docs, `docs/code-docs/source/memory.rst`). Under FSDP it is FSDP
//! `MixedPrecision(param_dtype=bf16)`: fp32 sharded parameters (4), fp32 sharded gradients (4), Adam (8),
//! gathered in bf16. Under DDP it is unchanged (torch autocast over fp32 parameters).
//! Other precisions shard the components the single-GPU model already has (e.g. `bf16`: 2 + 2 + 4 B/param for
//! AdamW, as torchtune's FSDP recipes run).
//!
//! ## What sharding adds
//! - DDP (`gpus > 1`): the Reducer's gradient buckets. `bucket_cap_mb` (25 MB) only sets how gradients are
//!   grouped; with `gradient_as_bucket_view=False` (the default, and the HF Trainer's) every bucket is a separate
//!   flat tensor, so the buckets together hold **one more copy of all gradients** (torch DDP docs,
//!   `gradient_as_bucket_view`: "the saved memory size will be equal to the total gradients size").
//! - ZeRO-1/2: the contiguous reduce bucket, `reduce_bucket_size` = 5·10⁸ elements by default (DeepSpeed config
//!   docs), in the gradient dtype, capped at the trainable parameters.
//! - ZeRO-3: the module in flight gathered (DeepSpeed fetches parameters per `nn.Module`) plus the prefetch
//!   bucket, `stage3_prefetch_bucket_size` = 5·10⁷ elements by default, in the compute dtype; the unsharded
//!   gradient of that module before its reduce-scatter, and the reduce bucket as above. DeepSpeed's own
//!   estimator counts this as `largest_layer_memory = 4 × largest_layer_params` (2 B parameters + 2 B grads).
//! - FSDP: the root unit (embeddings, final norm, output head: FSDP2 does not reshard the root after forward)
//!   plus two decoder layers (the one computing and the one prefetched, `backward_prefetch=BACKWARD_PRE` /
//!   FSDP2's implicit prefetch) gathered in the compute dtype, and one layer's unsharded gradient.
//!
//! ## CPU offload (ZeRO-Offload / ZeRO-Infinity, FSDP `CPUOffload`)
//! Offloaded states leave the GPU. `cpu_bytes` is CPU memory **per node**, assuming nodes of
//! [`GPUS_PER_NODE`] GPUs (fewer when the job is smaller), computed as DeepSpeed's estimators do
//! (`estimate_zero2_model_states_mem_needs` in `runtime/zero/stage_1_and_2.py`,
//! `estimate_zero3_model_states_mem_needs` in `runtime/zero/stage3.py`): the offloaded states of the node's
//! GPUs × `additional_buffer_factor` 1.5; for stages 1–2 at least 4 B/param per process (each process builds
//! the model in fp32 on the CPU before `deepspeed.initialize`); stage 3 assumes `zero.Init` (the HF Trainer's
//! default with a ZeRO-3 config). Without offload `cpu_bytes` is 0 (loading is not modelled).
//!
//! Not modelled: tensor and pipeline parallelism, NCCL's own buffers, DeepSpeed's persistent small parameters
//! (`stage3_param_persistence_threshold`), activation offloading.

use super::optimizer::Trainable;
use super::resident::{self, Resident};
use super::run::{add, mul, Run};
use super::{EstimateError, Moment};
use crate::settings::{Mode, Offload, Precision, Shard};

/// DeepSpeed's `reduce_bucket_size` default (elements), `deepspeed/runtime/zero/config.py`.
pub const DEEPSPEED_REDUCE_BUCKET_ELEMENTS: u64 = 500_000_000;
/// DeepSpeed's `stage3_prefetch_bucket_size` default (elements), `deepspeed/runtime/zero/config.py`.
pub const DEEPSPEED_PREFETCH_BUCKET_ELEMENTS: u64 = 50_000_000;
/// GPUs per node assumed for the per-node CPU figure (a DGX/HGX node).
pub const GPUS_PER_NODE: u64 = 8;
/// DeepSpeed's `additional_buffer_factor` for CPU memory, as a fraction (3 / 2).
const CPU_BUFFER: (u64, u64) = (3, 2);

/// Bytes per parameter of each model state, before sharding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateBytes {
    /// Parameters as held between steps (e.g. 2 for a bf16 model, 4 for FSDP's fp32 shards).
    pub param: u64,
    /// Gradients as produced and kept (e.g. 2 for bf16).
    pub grad: u64,
    /// Everything the optimizer owns: moments, and for mixed precision the fp32 master weights and gradients.
    pub optimizer: u64,
    /// Parameters as gathered for compute (2 for bf16 compute).
    pub gathered: u64,
    /// The optimizer side includes an fp32 copy of the gradients (DeepSpeed mixed precision): once gradients
    /// are partitioned (stage ≥ 2) that fp32 partition is where they are kept, so no separate 16-bit
    /// partition is counted.
    pub grads_in_optimizer: bool,
}

impl StateBytes {
    /// DeepSpeed's accounting for fp16/bf16 training with Adam: 2 B parameters, 2 B gradients, 16 B of
    /// optimizer side (fp32 parameters, gradients, momentum, variance), gathered in 2 B
    /// (`docs/code-docs/source/memory.rst`, "breakdown for the 16 and 18 multipliers").
    pub const DEEPSPEED_MIXED: StateBytes = StateBytes {
        param: 2,
        grad: 2,
        optimizer: 16,
        gathered: 2,
        grads_in_optimizer: true,
    };
}

/// Model states of one GPU for a job of `gpus` GPUs (bytes), and the CPU memory per node for offload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ModelStates {
    /// The GPU's parameters (its shard at stage 3; 0 with `offload=params`).
    pub params: u64,
    /// The GPU's gradients (its partition from stage 2; 0 when offloaded).
    pub gradients: u64,
    /// The GPU's optimizer side (its partition from stage 1; 0 when offloaded).
    pub optimizer: u64,
    /// Stage 3: the largest layer's parameters gathered in full.
    pub gathered_parameters: u64,
    /// Stage 3: the largest layer's gradients in full, before their reduce-scatter.
    pub gathered_gradients: u64,
    /// CPU memory per node that offload needs (0 without offload).
    pub cpu: u64,
}

/// `⌈x / n⌉`.
fn share(x: u64, n: u64) -> u64 {
    x.div_ceil(n.max(1))
}

/// GPUs on one node and nodes in the job.
fn nodes(gpus: u64) -> (u64, u64) {
    let per = gpus.clamp(1, GPUS_PER_NODE);
    (per, gpus.div_ceil(per))
}

/// A GPU's share of a parameter-like quantity (stage 3 partitions; offloaded parameters leave the GPU).
fn shard_params(bytes: u64, shard: Shard, offload: Offload, gpus: u64) -> u64 {
    if shard.stage() < 3 {
        bytes
    } else if offload == Offload::Params {
        0
    } else {
        share(bytes, gpus)
    }
}

/// A GPU's share of gradients: partitioned from stage 2; offloaded (ZeRO-Offload moves each reduced partition to
/// the CPU, FSDP's `CPUOffload` the sharded gradients) from stage 2 on. With stage 1 the full 16-bit gradients
/// exist on the GPU until the end of backward even when the optimizer runs on the CPU.
fn shard_grads(bytes: u64, shard: Shard, offload: Offload, gpus: u64, in_optimizer: bool) -> u64 {
    if shard.stage() < 2 {
        bytes
    } else if offload != Offload::None || in_optimizer {
        0
    } else {
        share(bytes, gpus)
    }
}

/// A GPU's share of the optimizer side: partitioned from stage 1, on the CPU with any offload.
fn shard_optimizer(bytes: u64, shard: Shard, offload: Offload, gpus: u64) -> u64 {
    if offload != Offload::None {
        0
    } else if shard.stage() >= 1 {
        share(bytes, gpus)
    } else {
        bytes
    }
}

/// CPU memory per node for offload: `offloaded_total` bytes (over all GPUs) spread over the nodes, × 1.5; stages
/// 1–2 at least 4 B per parameter per process. `params` is the model's parameter count.
fn cpu_bytes(
    offloaded_total: u64,
    params: u64,
    shard: Shard,
    offload: Offload,
    gpus: u64,
) -> Result<u64, EstimateError> {
    if offload == Offload::None {
        return Ok(0);
    }
    let (per_node, n_nodes) = nodes(gpus);
    let mut need = share(offloaded_total, n_nodes);
    if matches!(shard, Shard::Zero1 | Shard::Zero2) {
        need = need.max(mul(mul(params, 4)?, per_node)?);
    }
    Ok(mul(need, CPU_BUFFER.0)? / CPU_BUFFER.1)
}

/// Per-GPU model states of a model of `params` parameters whose largest layer (the largest unit gathered at
/// once under stage 3) has `largest_layer` parameters, held as `bytes` says.
///
/// With [`StateBytes::DEEPSPEED_MIXED`] this is DeepSpeed's accounting: stage 3 gives DeepSpeed's
/// `estimate_zero3_model_states_mem_needs` exactly (GPU: `4·L + 18·P/N`, `4·L + 2·P/N` with optimizer offload,
/// `4·L` with parameter offload; CPU with `zero.Init`); stage 1 gives `estimate_zero2_model_states_mem_needs`
/// (`4·P + 16·P/N`; that estimator, shared by stages 1 and 2 in `stage_1_and_2.py`, does not credit stage 2's
/// gradient partitioning, which this model does: stage 2 is `2·P + 16·P/N`, the 16-bit gradients living only
/// as the fp32 partition). Errors: overflow.
pub fn model_states(
    params: u64,
    largest_layer: u64,
    bytes: StateBytes,
    shard: Shard,
    offload: Offload,
    gpus: u64,
) -> Result<ModelStates, EstimateError> {
    let p = mul(params, bytes.param)?;
    let g = mul(params, bytes.grad)?;
    let o = mul(params, bytes.optimizer)?;
    let stage3 = shard.stage() == 3;
    let mut offloaded = o;
    if offload == Offload::Params {
        offloaded = add(offloaded, p)?;
        if shard == Shard::Fsdp {
            offloaded = add(offloaded, g)?;
        }
    }
    Ok(ModelStates {
        params: shard_params(p, shard, offload, gpus),
        gradients: shard_grads(g, shard, offload, gpus, bytes.grads_in_optimizer),
        optimizer: shard_optimizer(o, shard, offload, gpus),
        gathered_parameters: if stage3 {
            mul(largest_layer, bytes.gathered)?
        } else {
            0
        },
        gathered_gradients: if stage3 {
            mul(largest_layer, bytes.grad)?
        } else {
            0
        },
        cpu: cpu_bytes(offloaded, params, shard, offload, gpus)?,
    })
}

/// What the estimate needs besides the sharded moments.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Extra {
    /// CPU memory per node for offload, bytes.
    pub cpu_bytes: u64,
}

/// Whether this run is a no-op for sharding (one GPU, DDP): the single-GPU estimate, unchanged.
pub(crate) fn is_single(run: &Run) -> bool {
    run.s.gpus == 1 && run.s.shard == Shard::Ddp
}

/// DeepSpeed bf16 mode (see the module doc): full fine-tuning, `precision=mixed`, a DeepSpeed ZeRO stage.
fn deepspeed_mixed(run: &Run) -> bool {
    run.train_base
        && run.precision == Precision::Mixed
        && matches!(run.s.shard, Shard::Zero1 | Shard::Zero2 | Shard::Zero3)
}

/// Bytes per parameter of the compute copy gathered under stage 3 for the full model (`None`: as held).
fn gathered_bpp(run: &Run) -> Option<u64> {
    if run.train_base {
        Some(if run.precision == Precision::Mixed {
            2
        } else {
            run.w
        })
    } else {
        None
    }
}

/// (parameters, bytes as gathered) of one module (all instances).
fn module_gathered(
    run: &Run,
    m: &crate::arch::Module,
    outer: bool,
) -> Result<(u64, u64), EstimateError> {
    let n = mul(m.params.0, m.instances)?;
    let b = match gathered_bpp(run) {
        Some(bpp) => mul(n, bpp)?,
        None if outer => resident::module_bytes_outer(run, m)?,
        None => resident::module_bytes(run, m)?,
    };
    Ok((n, b))
}

/// Stage-3 transients of the forward/backward: (gathered parameter bytes, unsharded gradient bytes of the unit).
fn stage3_transients(run: &Run, grad_bpp: u64) -> Result<(u64, u64), EstimateError> {
    let arch = run.arch;
    match run.s.shard {
        Shard::Fsdp => {
            let mut root = 0u64;
            for m in &arch.outer_modules {
                root = add(root, module_gathered(run, m, true)?.1)?;
            }
            let (mut layer_params, mut layer_bytes) = (0u64, 0u64);
            for layer in &arch.layers {
                let (mut p, mut b) = (0u64, 0u64);
                for m in &layer.modules {
                    let (mp, mb) = module_gathered(run, m, false)?;
                    p = add(p, mp)?;
                    b = add(b, mb)?;
                }
                layer_params = layer_params.max(p);
                layer_bytes = layer_bytes.max(b);
            }
            let gathered = add(root, mul(layer_bytes, 2)?)?;
            let grads = if run.train_base {
                mul(layer_params, grad_bpp)?
            } else {
                0
            };
            Ok((gathered, grads))
        }
        _ => {
            // DeepSpeed ZeRO-3 gathers per module: the largest module plus the prefetch bucket.
            let (mut largest_p, mut largest_b, mut total_p, mut total_b) = (0u64, 0u64, 0u64, 0u64);
            let outer = arch.outer_modules.iter().map(|m| (m, true));
            let inner = arch
                .layers
                .iter()
                .flat_map(|l| l.modules.iter().map(|m| (m, false)));
            for (m, is_outer) in outer.chain(inner) {
                let (p, b) = module_gathered(run, m, is_outer)?;
                total_p = add(total_p, p)?;
                total_b = add(total_b, b)?;
                if b > largest_b {
                    largest_b = b;
                    largest_p = p;
                }
            }
            let prefetch_p =
                DEEPSPEED_PREFETCH_BUCKET_ELEMENTS.min(total_p.saturating_sub(largest_p));
            let prefetch_b = if total_p == 0 {
                0
            } else {
                mul(total_b / total_p.max(1), prefetch_p)?
            };
            let gathered = add(largest_b, prefetch_b)?;
            let grads = if run.train_base {
                mul(largest_p, grad_bpp)?
            } else {
                0
            };
            Ok((gathered, grads))
        }
    }
}

/// Shard the training moments of one GPU (see the module doc). `tr` is the unsharded trainable state.
pub(super) fn shard_training(
    run: &Run,
    res: &Resident,
    tr: &Trainable,
    moments: &mut [Moment],
) -> Result<Extra, EstimateError> {
    if is_single(run) {
        return Ok(Extra::default());
    }
    let (shard, offload, n) = (run.s.shard, run.s.offload, run.s.gpus);
    let ds = deepspeed_mixed(run);
    // Unsharded totals in this run's layout.
    let (weights_total, grad_total, opt_total) = if ds {
        // bf16 model + bf16 grads; optimizer: fp32 master (4) + fp32 grads (4) + states.
        let master = mul(res.params, 4)?;
        (
            mul(res.params, 2)?,
            mul(tr.params, 2)?,
            add(add(tr.states, master)?, mul(tr.params, 4)?)?,
        )
    } else {
        (res.base, tr.gradients, tr.states)
    };
    let grad_bpp = if tr.params == 0 {
        0
    } else {
        grad_total / tr.params
    };
    let (gathered, unit_grads) = if shard.stage() == 3 {
        stage3_transients(run, grad_bpp.max(1))?
    } else {
        (0, 0)
    };
    let reduce_bucket = mul(DEEPSPEED_REDUCE_BUCKET_ELEMENTS.min(tr.params), grad_bpp)?;
    for m in moments.iter_mut() {
        let step = m.name == "optimizer step";
        if ds {
            if m.weights > 0 {
                m.weights = weights_total;
            }
            m.autocast_copies = 0;
            m.gradients /= 2;
            if m.optimizer_states > 0 {
                m.optimizer_states = opt_total;
            }
        }
        m.weights = shard_params(m.weights, shard, offload, n);
        m.adapters = shard_params(m.adapters, shard, offload, n);
        if shard == Shard::Fsdp {
            // The bf16 compute copies are the gathered units.
            m.autocast_copies = 0;
        }
        m.gradients = shard_grads(m.gradients, shard, offload, n, ds);
        m.optimizer_states = shard_optimizer(m.optimizer_states, shard, offload, n);
        m.communication_buckets = match shard {
            Shard::Ddp => tr.gradients,
            Shard::Zero1 | Shard::Zero2 if !step => reduce_bucket,
            Shard::Zero3 if !step => add(unit_grads, reduce_bucket)?,
            Shard::Fsdp if !step => unit_grads,
            _ => 0,
        };
        if !step {
            m.gathered_parameters = gathered;
        }
    }
    let mut offloaded = opt_total;
    if offload == Offload::Params {
        offloaded = add(offloaded, weights_total)?;
        if shard == Shard::Fsdp {
            offloaded = add(offloaded, grad_total)?;
        }
    } else if shard.stage() >= 2 && !ds {
        // ZeRO-Offload keeps the reduced gradient partitions on the CPU (in DeepSpeed's mixed accounting they
        // are part of the optimizer's 16 B).
        offloaded = add(offloaded, grad_total)?;
    }
    Ok(Extra {
        cpu_bytes: cpu_bytes(offloaded, res.params, shard, offload, n)?,
    })
}

/// Shard the inference moments: `ddp` = replicas (unchanged); `zero3`/`fsdp` partition the weights and gather
/// them unit by unit (DeepSpeed ZeRO-Inference / FSDP forward).
pub(super) fn shard_inference(run: &Run, moments: &mut [Moment]) -> Result<Extra, EstimateError> {
    debug_assert_eq!(run.mode, Mode::Inference);
    if run.s.shard.stage() < 3 {
        return Ok(Extra::default());
    }
    let (gathered, _) = stage3_transients(run, 0)?;
    for m in moments.iter_mut() {
        m.weights = shard_params(m.weights, run.s.shard, run.s.offload, run.s.gpus);
        m.gathered_parameters = gathered;
    }
    Ok(Extra::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_shard_what_the_paper_says() {
        let b = StateBytes::DEEPSPEED_MIXED;
        let p = 1_000_000u64;
        let ddp = model_states(p, 0, b, Shard::Ddp, Offload::None, 8).unwrap();
        assert_eq!(
            (ddp.params, ddp.gradients, ddp.optimizer),
            (2 * p, 2 * p, 16 * p)
        );
        let z1 = model_states(p, 0, b, Shard::Zero1, Offload::None, 8).unwrap();
        assert_eq!(
            (z1.params, z1.gradients, z1.optimizer),
            (2 * p, 2 * p, 2 * p)
        );
        let z2 = model_states(p, 0, b, Shard::Zero2, Offload::None, 8).unwrap();
        assert_eq!((z2.params, z2.gradients, z2.optimizer), (2 * p, 0, 2 * p));
        let z3 = model_states(p, 10, b, Shard::Zero3, Offload::None, 8).unwrap();
        assert_eq!((z3.params, z3.gradients, z3.optimizer), (p / 4, 0, 2 * p));
        let bf16 = StateBytes {
            param: 2,
            grad: 2,
            optimizer: 4,
            gathered: 2,
            grads_in_optimizer: false,
        };
        let f = model_states(p, 10, bf16, Shard::Fsdp, Offload::None, 8).unwrap();
        assert_eq!((f.params, f.gradients, f.optimizer), (p / 4, p / 4, p / 2));
        assert_eq!((z3.gathered_parameters, z3.gathered_gradients), (20, 20));
        assert_eq!(z3.cpu, 0);
    }
}
