//! Several GPUs (issue 7): the sharded model states against DeepSpeed's own estimators on their documented
//! examples, and per-GPU peaks against published multi-GPU measurements. Each test states its tolerance.

use ftmem_core::estimate::sharding::{model_states, ModelStates, StateBytes};
use ftmem_core::settings::{Offload, Shard};
use ftmem_core::{estimate, Settings};

mod common;

/// DeepSpeed prints GB as `bytes / 2**30` with two decimals (`estimate_zero*_model_states_mem_needs_all_cold`).
fn ds_gb(bytes: u64) -> String {
    format!("{:.2}", bytes as f64 / (1u64 << 30) as f64)
}

fn gpu(m: &ModelStates) -> u64 {
    m.params + m.gradients + m.optimizer + m.gathered_parameters + m.gathered_gradients
}

/// The documented inputs of DeepSpeed's "Memory Requirements" page (`docs/code-docs/source/memory.rst`,
/// microsoft/DeepSpeed): t5-3b, `total_params=2851e6`, `largest_layer_params=32e6`, 1 node × 8 GPUs.
const P: u64 = 2_851_000_000;
const L: u64 = 32_000_000;
const N: u64 = 8;

/// `estimate_zero2_model_states_mem_needs_all_cold(total_params=2851e6, num_gpus_per_node=8, num_nodes=1)`
/// prints `127.45GB | 5.31GB | cpu_offload=1` and `127.45GB | 15.93GB | cpu_offload=0`.
/// The formula (`stage_1_and_2.py`): GPU `4·P + int(16·P/N)` (no offload) or `2·P` (offload); CPU with offload
/// `P · max(4·N, 16) · 1.5`. Tolerance: exact bytes, and the printed two-decimal figures.
#[test]
fn deepspeed_zero2_estimator_documented_example() {
    let b = StateBytes::DEEPSPEED_MIXED;
    // That estimator serves stages 1 and 2 and does not credit stage 2's gradient partitioning: it equals our
    // stage 1 exactly.
    let z1 = model_states(P, L, b, Shard::Zero1, Offload::None, N).unwrap();
    assert_eq!(gpu(&z1), 4 * P + 16 * P / N);
    assert_eq!(ds_gb(gpu(&z1)), "15.93");
    // Our stage 2 is lower by exactly the partitioned 16-bit gradients, 2·P.
    let z2 = model_states(P, L, b, Shard::Zero2, Offload::None, N).unwrap();
    assert_eq!(gpu(&z1) - gpu(&z2), 2 * P);
    // Optimizer offload.
    let z2o = model_states(P, L, b, Shard::Zero2, Offload::Optimizer, N).unwrap();
    assert_eq!(gpu(&z2o), 2 * P);
    assert_eq!(ds_gb(gpu(&z2o)), "5.31");
    assert_eq!(z2o.cpu, P * (4 * N).max(16) * 3 / 2);
    assert_eq!(ds_gb(z2o.cpu), "127.45");
}

/// `estimate_zero3_model_states_mem_needs_all_cold(total_params=2851e6, largest_layer_params=32e6,
/// num_gpus_per_node=8, num_nodes=1)` prints (per CPU | per GPU):
/// `71.69GB | 0.12GB | offload_param=cpu, offload_optimizer=cpu, zero_init=1`,
/// `63.72GB | 0.78GB | offload_param=none, offload_optimizer=cpu, zero_init=1`,
/// ` 1.43GB | 6.09GB | offload_param=none, offload_optimizer=none, zero_init=1`.
/// The formula (`stage3.py`): GPU `4·L + int(18·P/N)`, `4·L + int(2·P/N)`, `4·L`; CPU (zero.Init)
/// `18·P·1.5`, `16·P·1.5`. Tolerance: exact bytes for every GPU figure and both offload CPU figures. The CPU
/// figure without offload (1.43 GB: `zero.Init`'s transient `4·L·N·1.5` while loading) is not modelled: ftmem
/// reports 0 CPU bytes without offload.
#[test]
fn deepspeed_zero3_estimator_documented_example() {
    let b = StateBytes::DEEPSPEED_MIXED;
    let none = model_states(P, L, b, Shard::Zero3, Offload::None, N).unwrap();
    assert_eq!(gpu(&none), 4 * L + 18 * P / N);
    assert_eq!(ds_gb(gpu(&none)), "6.09");
    assert_eq!(none.cpu, 0);

    let opt = model_states(P, L, b, Shard::Zero3, Offload::Optimizer, N).unwrap();
    assert_eq!(gpu(&opt), 4 * L + 2 * P / N);
    assert_eq!(ds_gb(gpu(&opt)), "0.78");
    assert_eq!(opt.cpu, P * 16 * 3 / 2);
    assert_eq!(ds_gb(opt.cpu), "63.72");

    let params = model_states(P, L, b, Shard::Zero3, Offload::Params, N).unwrap();
    assert_eq!(gpu(&params), 4 * L);
    assert_eq!(ds_gb(gpu(&params)), "0.12");
    assert_eq!(params.cpu, P * 18 * 3 / 2);
    assert_eq!(ds_gb(params.cpu), "71.69");
}

fn llama_70b() -> ftmem_core::Architecture {
    common::fixture_arch("meta-llama__Meta-Llama-3.1-70B.json")
}

fn component(e: &ftmem_core::Estimate, name: &str) -> u64 {
    e.components
        .iter()
        .find(|c| c.name == name)
        .map(|c| c.bytes.0)
        .unwrap_or(0)
}

/// What torchtune measures: its recipes log `torch.cuda.max_memory_reserved` (no CUDA context), and its loss is
/// `CEWithChunkedOutputLoss` (the fp32 upcast done chunk by chunk) under `torch.compile`, whereas ftmem models
/// the transformers loss path (whole bf16 logits, fp32 copy, fp32 gradient, and the allocator slack left by the
/// fp32 block). The comparable figure is therefore the estimate without `logits`, `allocator_slack` and
/// `cuda_context`, for the plain loop (`stack=loop`: torchtune drives its own step, without TRL's fused head or
/// `Trainer`).
fn without_loss_path(e: &ftmem_core::Estimate) -> f64 {
    let b = e.total_bytes.0
        - component(e, "logits")
        - component(e, "allocator_slack")
        - component(e, "cuda_context");
    b as f64 / (1u64 << 30) as f64
}

/// The Llama 3.1 70B estimate at `query`, its figure without the loss path (GiB, see [`without_loss_path`]) and
/// that figure's relative error against the `published` GiB.
fn against_published(query: &str, published: f64) -> (ftmem_core::Estimate, f64, f64) {
    let s = Settings::from_query(query).unwrap();
    let e = estimate(&llama_70b(), &s).unwrap();
    let ours = without_loss_path(&e);
    (e, ours, ours / published - 1.0)
}

/// torchtune README (pytorch/torchtune, "Memory and training speed"): Llama 3.1 70B, LoRA, 8 × A100,
/// **27.6 GiB peak memory per GPU**, batch 2, sequence packed to 2048, torch.compile. Config
/// `recipes/configs/llama3_1/70B_lora.yaml`: `lora_attn_modules: [q_proj, v_proj, output_proj]`,
/// `apply_lora_to_mlp: True`, rank 16, dropout 0, `dtype: bf16`, `enable_activation_checkpointing: True`,
/// fused AdamW, FSDP2 full shard (`lora_finetune_distributed`).
/// Tolerance: the estimate without the loss path (see [`without_loss_path`]) within ±10 % of 27.6 GiB; the full
/// estimate (transformers' unchunked loss, CUDA context) above it and within +45 %.
#[test]
fn torchtune_llama31_70b_lora_8x_a100() {
    let published = 27.6;
    let (e, ours, err) = against_published(
        "mode=lora&precision=bf16&batch=2&seq=2048&rank=16&targets=q_proj,v_proj,o_proj,gate_proj,up_proj,down_proj&gc=1&gpus=8&shard=fsdp&stack=loop",
        published,
    );
    println!("torchtune 70B LoRA 8×A100: published {published} GiB, ftmem without loss path {ours:.2} GiB ({:+.1} %), full {:.2} GiB", err * 100.0, e.total_bytes.gib());
    assert!(err.abs() <= 0.10, "{err}");
    let full = e.total_bytes.gib() / published - 1.0;
    assert!(full > 0.0 && full <= 0.45, "{full}");
    assert!(component(&e, "gathered_parameters") > 0);
}

/// torchtune README: Llama 3.1 70B, full fine-tune, 8 × A100, **13.9 GiB peak memory per GPU** "uses CPU
/// offload with fused optimizer" (`recipes/configs/llama3_1/70B_full.yaml` with `fsdp_cpu_offload: True`,
/// `optimizer_in_bwd`, bf16, activation checkpointing; batch 2, sequence 2048). In ftmem: `shard=fsdp`,
/// `offload=params` (FSDP `CPUOffload(offload_params=True)`: parameter, gradient and optimizer shards on the
/// CPU). Tolerance: the estimate without the loss path within ±10 % of 13.9 GiB.
#[test]
fn torchtune_llama31_70b_full_cpu_offload_8x_a100() {
    let published = 13.9;
    let (e, ours, err) = against_published(
        "mode=full&precision=bf16&batch=2&seq=2048&gc=1&gpus=8&shard=fsdp&offload=params&stack=loop",
        published,
    );
    println!("torchtune 70B full+offload 8×A100: published {published} GiB, ftmem without loss path {ours:.2} GiB ({:+.1} %)", err * 100.0);
    assert!(err.abs() <= 0.10, "{err}");
    assert_eq!(
        component(&e, "weights"),
        0,
        "parameter shards live on the CPU"
    );
    assert!(
        e.cpu_bytes.0 > 70_000_000_000 * 8,
        "bf16 params + grads + AdamW states of 70 B on one node"
    );
}

/// One GPU with DDP is the single-GPU estimate, bit for bit; sharding never raises a per-GPU figure above DDP's
/// for full fine-tuning, and each stage is at most the previous one (tolerance: exact comparisons).
#[test]
fn stages_order_and_single_gpu_identity() {
    let a = llama_70b();
    let base = Settings::from_query("mode=full&precision=mixed&gc=1").unwrap();
    let one = Settings {
        gpus: 1,
        shard: Shard::Ddp,
        ..base.clone()
    };
    assert_eq!(
        estimate(&a, &base).unwrap().total_bytes,
        estimate(&a, &one).unwrap().total_bytes
    );
    let mut prev = u64::MAX;
    for shard in [Shard::Ddp, Shard::Zero1, Shard::Zero2, Shard::Zero3] {
        let s = Settings {
            gpus: 64,
            shard,
            ..base.clone()
        };
        let t = estimate(&a, &s).unwrap().total_bytes.0;
        assert!(t <= prev, "{shard:?}: {t} > {prev}");
        prev = t;
    }
}

fn llama_1b() -> ftmem_core::Architecture {
    common::fixture_arch("meta-llama__Llama-3.2-1B.json")
}

use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// What makes the fit searches exact: the per-GPU estimate is monotone non-decreasing in micro-batch,
    /// sequence length and LoRA rank (any strategy), and non-increasing in the GPU count under ZeRO-3/FSDP
    /// (tolerance: exact comparisons of bytes).
    #[test]
    fn estimate_is_monotone(
        mode in prop::sample::select(vec!["full", "lora", "qlora"]),
        shard in prop::sample::select(vec!["ddp", "zero1", "zero2", "zero3", "fsdp"]),
        batch in 1u64..16, seq in 1u64..4096, rank in 1u64..256, gpus in 1u64..64, gc in any::<bool>(),
    ) {
        let a = llama_1b();
        let q = |b: u64, s: u64, r: u64, g: u64, sh: &str| {
            format!("mode={mode}&batch={b}&seq={s}&rank={r}&gpus={g}&shard={sh}&gc={}", u8::from(gc))
        };
        let t = |q: String| estimate(&a, &Settings::from_query(&q).unwrap()).unwrap().total_bytes.0;
        let here = t(q(batch, seq, rank, gpus, shard));
        prop_assert!(t(q(batch + 1, seq, rank, gpus, shard)) >= here);
        prop_assert!(t(q(batch, seq + 1, rank, gpus, shard)) >= here);
        prop_assert!(t(q(batch, seq, rank + 1, gpus, shard)) >= here);
        for sh in ["zero3", "fsdp"] {
            prop_assert!(t(q(batch, seq, rank, gpus + 1, sh)) <= t(q(batch, seq, rank, gpus, sh)));
        }
    }
}

/// What fits never offers a LoRA rank above the layer width (a newcomer saw 5,086 for gpt-oss, hidden 2880).
#[test]
fn the_largest_lora_rank_stops_at_hidden_size() {
    let arch = common::fixture_arch("openai__gpt-oss-20b.json");
    let s = Settings::from_query("mode=lora&batch=1&seq=512").unwrap();
    let r = ftmem_core::fit::largest_fitting(&arch, &s, ftmem_core::fit::Knob::Rank, ftmem_core::Bytes(150_109_880_320))
        .unwrap()
        .unwrap();
    assert_eq!(r, 2880, "on an H200 every rank up to the width fits");
}
