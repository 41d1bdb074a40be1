//! Property tests of [`ftmem_core::estimate`] over the real fixture configs (`tests/fixtures/configs/`) and random
//! valid settings (issue 6, §3):
//!
//! - the total is finite, the components add up to it, and it is at least the weights component;
//! - it never decreases when the micro-batch, the sequence length, the generated tokens, the LoRA rank or the set
//!   of adapted modules grows (`qv` ⊂ `attn` ⊂ `all-linear`, and comma lists by inclusion);
//! - gradient checkpointing never raises it;
//! - at the same settings QLoRA ≤ LoRA ≤ full fine-tuning for models of at least 1 B parameters (with the
//!   exceptions documented on [`qlora_le_lora_le_full`]);
//! - nothing overflows silently up to 2 T parameters × micro-batch 1024 × sequence 1 M tokens: the result is
//!   `Ok` with a plausible total or `Err(Overflow)`, never a panic or a wrapped small number.

use ftmem_core::settings::{Mode, Offload, Optim, Precision, Settings, Shard, Stack, Targets};
use ftmem_core::{estimate, Architecture, EstimateError};
use proptest::prelude::*;
use std::sync::OnceLock;

mod common;

/// Every fixture config, parsed, with its name and total parameter count.
fn fixtures() -> &'static [(String, Architecture, u64)] {
    static F: OnceLock<Vec<(String, Architecture, u64)>> = OnceLock::new();
    F.get_or_init(|| {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/configs");
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        paths.sort();
        let v: Vec<_> = paths
            .iter()
            .map(|p| {
                let text = std::fs::read_to_string(p).unwrap();
                let arch = ftmem_core::parse_config(&text).unwrap_or_else(|e| panic!("{p:?}: {e}"));
                let total = ftmem_core::params::count(&arch).total.0;
                (
                    p.file_name().unwrap().to_string_lossy().into_owned(),
                    arch,
                    total,
                )
            })
            .collect();
        assert!(v.len() >= 30, "fixtures found: {}", v.len());
        v
    })
}

fn fixture_index() -> impl Strategy<Value = usize> {
    (0..fixtures().len()).boxed()
}

/// Random valid settings: every mode, precision of the mode (or its default), optimizer, attention, sharding
/// combination the parser accepts; sizes kept moderate so a case runs fast.
fn arb_settings() -> impl Strategy<Value = Settings> {
    let mode = common::arb_mode();
    let optim = common::arb_optim();
    let attn = common::arb_attn();
    let targets = prop_oneof![
        Just(Targets::AllLinear),
        Just(Targets::Attn),
        Just(Targets::Qv)
    ];
    (
        (
            mode,
            any::<prop::sample::Index>(),
            any::<bool>(),
            1u64..=16,
            1u64..=4096,
            0u64..=2048,
        ),
        (1u64..=128, targets, 0u32..3, any::<bool>(), optim, attn),
        (
            prop_oneof![Just(1u64), 2u64..=16],
            0usize..5,
            0usize..3,
            0usize..3,
            any::<bool>(),
        ),
    )
        .prop_map(
            |(
                (mode, pi, dq, batch, seq, new_tokens),
                (rank, targets, d, gc, optim, attn),
                (gpus, si, oi, sti, liger),
            )| {
                let ps = mode.precisions();
                let k = pi.index(ps.len() + 1);
                let stack = Stack::ALL[sti];
                Settings {
                    mode,
                    precision: if k == ps.len() { None } else { Some(ps[k]) },
                    double_quant: dq,
                    batch,
                    seq,
                    new_tokens,
                    rank,
                    targets,
                    dropout: [0.0, 0.05, 0.1][d as usize],
                    gc,
                    optim,
                    attn,
                    gpus,
                    shard: Shard::ALL[si],
                    offload: common::OFFLOADS[oi],
                    stack,
                    liger: liger && stack != Stack::Loop,
                    ..Settings::default()
                }
            },
        )
        .prop_filter("valid sharding", |s| s.check_sharding().is_ok())
}

/// `Trainer` full fine-tuning with gradient checkpointing: the one regime where more tokens can lower the total.
/// Measured: the next step's checkpoints land in the gradient-sized holes of the freed fp32 loss segments while
/// they fit there (`qwen2.5-1.5b/full-bf16-gc/*/trainer`: 4.4 GB of slack), and in the freed recomputed-layer
/// blocks once they do not (`qwen3-0.6b/full-bf16-gc/b4s1024/trainer`: 1.4 GB), so the slack falls by one fp32
/// loss block at that size (`allocator::polluted_loss_segment`); `fit` searches past such a drop.
fn trainer_full_gc(s: &Settings) -> bool {
    s.stack == Stack::Trainer && s.mode == Mode::Full && s.gc
}

/// The estimate's total, or `None` when the settings do not fit the model (LoRA targets that match nothing).
/// Overflow or a panic fails the test: the settings here are far below the limits.
fn total(arch: &Architecture, s: &Settings) -> Option<u64> {
    match estimate(arch, s) {
        Ok(e) => Some(e.total_bytes.0),
        Err(EstimateError::Invalid(_)) => None,
        Err(EstimateError::Overflow) => panic!("overflow at moderate settings: {}", s.to_query()),
    }
}

/// Assert `lo ≤ hi` for two variants of the same settings (both valid).
fn le(
    arch: &(String, Architecture, u64),
    small: &Settings,
    large: &Settings,
    what: &str,
) -> Result<(), TestCaseError> {
    let (Some(a), Some(b)) = (total(&arch.1, small), total(&arch.1, large)) else {
        return Ok(());
    };
    prop_assert!(
        a <= b,
        "{}: {what}: {} → {a} bytes but {} → {b} bytes",
        arch.0,
        small.to_query(),
        large.to_query()
    );
    Ok(())
}

/// The distinct leaf names of the linear modules inside the decoder layers (what a comma list of targets names).
fn layer_linear_names(arch: &Architecture) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for m in arch.layers.iter().flat_map(|l| l.modules.iter()) {
        if matches!(m.kind, ftmem_core::arch::ModuleKind::Linear(_)) && !names.contains(&m.name) {
            names.push(m.name.clone());
        }
    }
    names
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    /// Finite, the components add up to the total, and the total covers at least the weights.
    #[test]
    fn total_is_finite_and_covers_the_weights(fi in fixture_index(), s in arb_settings()) {
        let (name, arch, _) = &fixtures()[fi];
        let Ok(e) = estimate(arch, &s) else { return Ok(()) };
        prop_assert!(e.total_bytes.gb().is_finite() && e.total_bytes.0 > 0);
        let sum = e.components.iter().try_fold(0u64, |a, c| a.checked_add(c.bytes.0));
        prop_assert_eq!(sum, Some(e.total_bytes.0), "{}: components", name);
        let weights = e.components.iter().find(|c| c.name == "weights").map(|c| c.bytes.0).unwrap();
        prop_assert!(e.total_bytes.0 >= weights, "{}: total {} < weights {}", name, e.total_bytes.0, weights);
        prop_assert!(e.reserved_bytes >= e.allocated_bytes && e.total_bytes > e.reserved_bytes);
    }

    /// A larger micro-batch never lowers the total, except for `Trainer` full fine-tuning with gradient
    /// checkpointing ([`trainer_full_gc`]).
    #[test]
    fn monotone_in_micro_batch(fi in fixture_index(), s in arb_settings(), extra in 1u64..=16) {
        prop_assume!(!trainer_full_gc(&s));
        let mut big = s.clone();
        big.batch += extra;
        le(&fixtures()[fi], &s, &big, "micro-batch")?;
    }

    /// A longer sequence (the prompt for inference) never lowers the total, except for `Trainer` full
    /// fine-tuning with gradient checkpointing ([`trainer_full_gc`]).
    #[test]
    fn monotone_in_sequence_length(fi in fixture_index(), s in arb_settings(), extra in 1u64..=4096) {
        prop_assume!(!trainer_full_gc(&s));
        let mut big = s.clone();
        big.seq += extra;
        le(&fixtures()[fi], &s, &big, "sequence length")?;
    }

    /// More generated tokens never lower the total (inference; the other modes ignore them).
    #[test]
    fn monotone_in_generated_tokens(fi in fixture_index(), s in arb_settings(), extra in 1u64..=4096) {
        let mut big = s.clone();
        big.new_tokens += extra;
        le(&fixtures()[fi], &s, &big, "generated tokens")?;
    }

    /// A larger LoRA rank never lowers the total.
    #[test]
    fn monotone_in_lora_rank(fi in fixture_index(), s in arb_settings(), extra in 1u64..=256) {
        let mut big = s.clone();
        big.rank += extra;
        le(&fixtures()[fi], &s, &big, "LoRA rank")?;
    }

    /// Adapting more modules never lowers the total: `qv` ⊂ `attn` ⊂ `all-linear`.
    #[test]
    fn monotone_in_named_target_sets(fi in fixture_index(), s in arb_settings()) {
        let f = &fixtures()[fi];
        let with = |t: Targets| Settings { targets: t, ..s.clone() };
        le(f, &with(Targets::Qv), &with(Targets::Attn), "targets qv ⊂ attn")?;
        le(f, &with(Targets::Attn), &with(Targets::AllLinear), "targets attn ⊂ all-linear")?;
    }

    /// Adapting more modules never lowers the total: a comma list and a superset of it.
    #[test]
    fn monotone_in_target_lists(
        fi in fixture_index(),
        s in arb_settings(),
        picks in proptest::collection::vec(any::<prop::sample::Index>(), 1..4),
        more in proptest::collection::vec(any::<prop::sample::Index>(), 1..4),
    ) {
        let f = &fixtures()[fi];
        let names = layer_linear_names(&f.1);
        prop_assume!(!names.is_empty());
        let mut small: Vec<String> = Vec::new();
        for i in &picks {
            let n = &names[i.index(names.len())];
            if !small.contains(n) { small.push(n.clone()); }
        }
        let mut large = small.clone();
        for i in &more {
            let n = &names[i.index(names.len())];
            if !large.contains(n) { large.push(n.clone()); }
        }
        let a = Settings { targets: Targets::Modules(small), ..s.clone() };
        let b = Settings { targets: Targets::Modules(large), ..s.clone() };
        le(f, &a, &b, "target list ⊂ superset")?;
    }

    /// Gradient checkpointing never raises the total by more than one logits-sized block.
    ///
    /// Exception, real allocator behaviour (`allocator::training_slack`, measured on the memory snapshots of
    /// `qwen2.5-1.5b/full-bf16{,-sgdm}-gc/b2s2048`): with checkpointing the forward allocates almost nothing
    /// but the loss path, so the next step's `out.logits` (tokens × vocabulary in the logits dtype) is best-fit
    /// into a freed fp32 loss block and splits it; the remainder stays reserved and free. When the peak is a
    /// moment without activations (full fine-tuning's optimizer step or end of backward, e.g. large models at
    /// short sequences), that stranded remainder is all checkpointing changes: the total rises by `out.logits`'
    /// bytes (gemma-2-9b, full, 1024 tokens: +524 MB of 161 GB, 0.3 %). Beyond one such block it must never rise.
    /// When the logits are already fp32 (QLoRA, `precision=fp32`) there is no fp32 copy to strand; the stranded
    /// blocks under checkpointing are one recomputed layer's saved tensors instead, and the total may rise by
    /// those when the peak has no activations (DeepSeek-V3, full fp32, one token: +0.5 MB of 10.7 TB). The same
    /// holds for the trainers (`stack=trl|trainer`), which keep no fp32 logits copy through backward: the
    /// stranded blocks are a recomputed layer's. PyTorch's allocated peak (`allocated_bytes`) never rises, in any
    /// case.
    #[test]
    fn gradient_checkpointing_never_raises(fi in fixture_index(), s in arb_settings()) {
        let f = &fixtures()[fi];
        let on = Settings { gc: true, ..s.clone() };
        let off = Settings { gc: false, ..s.clone() };
        let (Ok(e_on), Ok(e_off)) = (estimate(&f.1, &on), estimate(&f.1, &off)) else { return Ok(()) };
        prop_assert!(
            e_on.allocated_bytes <= e_off.allocated_bytes,
            "{}: allocated gc=1 {} > gc=0 {} ({})", f.0, e_on.allocated_bytes.0, e_off.allocated_bytes.0, s.to_query()
        );
        let (a, b) = (e_on.total_bytes.0, e_off.total_bytes.0);
        let fp32_logits = s.mode == Mode::Qlora || s.precision == Some(Precision::Fp32);
        let logits_block = s.batch * s.seq * f.1.vocab_size * 4;
        prop_assert!(
            fp32_logits || s.stack != Stack::Loop || a <= b + logits_block,
            "{}: gc=1 {} bytes > gc=0 {} bytes + one logits block {} ({})", f.0, a, b, logits_block, s.to_query()
        );
        if s.mode == Mode::Inference {
            prop_assert!(a == b, "{}: inference ignores gc ({})", f.0, s.to_query());
        }
    }
}

/// Whether the model holds routed experts as stacked 3-D `nn.Parameter`s (transformers 5 fused MoE layout:
/// gpt-oss, Mixtral, Qwen3-MoE, DeepSeek-V3, ...).
fn has_stacked_experts(arch: &Architecture) -> bool {
    arch.layers
        .iter()
        .flat_map(|l| l.modules.iter())
        .any(|m| matches!(m.kind, ftmem_core::arch::ModuleKind::StackedLinear(_)))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// At the same settings, QLoRA ≤ LoRA ≤ full fine-tuning, for models of at least 1 B parameters, each mode at
    /// its default precision (QLoRA NF4, LoRA bf16, full bf16) unless said otherwise. The ordering does not hold
    /// everywhere, and where it fails reality fails it too, so the property is restricted:
    ///
    /// **QLoRA ≤ LoRA** (without ZeRO-3/FSDP) holds (1) always against LoRA with fp32 weights, i.e. at the same
    /// compute dtype, and (2)
    /// against bf16 LoRA for models without stacked experts while the weights dominate (micro-batch × sequence
    /// ≤ 256 tokens). Beyond that QLoRA really needs more than bf16 LoRA:
    /// - `prepare_model_for_kbit_training` (peft 0.21) upcasts every parameter that is not a bitsandbytes
    ///   `Params4bit` to fp32 — embeddings, norms, `lm_head` — so the residual stream, every saved activation
    ///   and the logits are fp32 (`Linear4bit` casts its output back to the input dtype): twice bf16 LoRA's
    ///   per-token bytes, which outgrow the 4-bit weights' saving at long sequences or large micro-batches;
    /// - with fp32 inputs and grouped-query attention, SDPA falls back to its math backend, which materialises
    ///   the `batch × heads × seq × seq` scores (flash attention takes no fp32; the memory-efficient kernel takes
    ///   no `enable_gqa`, torch 2.11 `sdp_utils.cpp`);
    /// - stacked experts (gpt-oss, Mixtral, Qwen3-MoE, DeepSeek-V3 in transformers 5) are `nn.Parameter`s, not
    ///   `nn.Linear`: bitsandbytes replaces only `nn.Linear`, so the experts — most of the model — stay
    ///   unquantized and are upcast to fp32, and QLoRA holds more than bf16 LoRA at any size.
    ///   The measured runs agree: llama-3.2-1b QLoRA-gc at 8192 tokens peaks at 23.5 GB against 24.3–24.5 GB for
    ///   bf16 LoRA-gc at 8192 tokens (the 4-bit saving is used up), and llama-3.2-3b at 4096 tokens 16.4 GB
    ///   against 18.6 GB.
    ///
    /// Nor, in either comparison, under ZeRO-3/FSDP (`shard=zero3|fsdp`): the sharded (or offloaded) weights
    /// shrink while the unsharded per-layer transients do not — QLoRA gathers its fp32-upcast embedding at
    /// twice bf16 LoRA's bytes (qwen2.5-1.5b, tied 151936 × 1536 embedding, ZeRO-3 on 3 GPUs: +3 MB) and
    /// dequantizes its largest 4-bit weight to a bf16 buffer that LoRA does not need (qwen2.5-32b, ZeRO-3 with
    /// parameter offload: +130 MB over fp32 LoRA).
    ///
    /// **LoRA ≤ full** holds with gradient checkpointing, an optimizer that keeps state, and DDP. Without it, and with activations dominating, LoRA saves
    /// more per token than full fine-tuning: peft casts each adapted layer's input to the fp32 adapters' dtype
    /// (`_cast_input_dtype`) and autograd keeps that fp32 copy and `lora_A`'s output for the backward, which full
    /// fine-tuning does not have; at enough tokens this outgrows full fine-tuning's gradients and optimizer
    /// states. Measured: qwen3-0.6b at 4 × 1024 tokens without checkpointing peaks at 24.15 GB with LoRA r16
    /// all-linear against 24.21 GB for full bf16 AdamW — already equal at 0.6 B parameters.
    /// With plain SGD (`optim=sgd`) full fine-tuning has no optimizer state, so at the loss moment it holds
    /// exactly what LoRA holds minus the adapters: LoRA comes out above it by the adapters' bytes.
    /// Nor does it hold once states are sharded or offloaded (ZeRO-1/2/3, FSDP, `offload=…`; checked under DDP
    /// only): ZeRO divides full fine-tuning's gradients and optimizer states by the GPU count and ZeRO-Offload
    /// moves them to the CPU, leaving the 16-bit weights on each GPU, which LoRA holds as well — plus its fp32
    /// adapters (Llama-3.1-70B, rank 43, ZeRO-2 with optimizer offload: 146.2 GB LoRA against 142.9 GB full).
    #[test]
    fn qlora_le_lora_le_full(fi in fixture_index(), s in arb_settings()) {
        let f = &fixtures()[fi];
        prop_assume!(f.2 >= 1_000_000_000);
        let at = |mode, precision| Settings { mode, precision, ..s.clone() };
        let q = at(Mode::Qlora, None);
        prop_assume!(q.check_sharding().is_ok());
        // The loop's QLoRA computes in fp32, like fp32 LoRA; the trainers' computes in bf16 under autocast, and
        // eager attention then saves the bf16 cast of the probabilities beside their fp32 softmax, which fp32
        // LoRA does not (qwen2.5-1.5b, eager, 2 × 3741 tokens: +57 MB of 81.7 GB).
        if s.shard.stage() < 3 && s.stack == Stack::Loop {
            le(f, &q, &at(Mode::Lora, Some(Precision::Fp32)), "QLoRA ≤ LoRA at fp32")?;
        }
        if !has_stacked_experts(&f.1) && s.batch * s.seq <= 256 && s.shard.stage() < 3 {
            le(f, &q, &at(Mode::Lora, None), "QLoRA ≤ bf16 LoRA (dense model, ≤ 256 tokens)")?;
        }
        if s.gc && s.shard == Shard::Ddp && s.optim != Optim::Sgd {
            le(f, &at(Mode::Lora, None), &at(Mode::Full, None), "LoRA ≤ full (gradient checkpointing)")?;
        }
    }

    /// The small-token regime of [`qlora_le_lora_le_full`], sampled densely: dense models of ≥ 1 B parameters,
    /// micro-batch × sequence ≤ 256 tokens, QLoRA ≤ bf16 LoRA (without ZeRO-3/FSDP) and LoRA ≤ full fine-tuning
    /// (DDP, an optimizer with state), the exceptions being those of [`qlora_le_lora_le_full`].
    #[test]
    fn qlora_le_lora_le_full_when_weights_dominate(fi in any::<prop::sample::Index>(), s in arb_settings(), b in 1u64..=4, sq in 1u64..=64) {
        let dense: Vec<usize> = (0..fixtures().len())
            .filter(|&i| fixtures()[i].2 >= 1_000_000_000 && !has_stacked_experts(&fixtures()[i].1))
            .collect();
        let f = &fixtures()[dense[fi.index(dense.len())]];
        let s = if s.shard.stage() < 3 { s } else { Settings { shard: Shard::Ddp, offload: Offload::None, ..s } };
        let at = |mode| Settings { mode, precision: None, batch: b, seq: sq, ..s.clone() };
        let q = at(Mode::Qlora);
        le(f, &q, &at(Mode::Lora), "QLoRA ≤ LoRA")?;
        if s.shard == Shard::Ddp && s.optim != Optim::Sgd {
            le(f, &at(Mode::Lora), &at(Mode::Full), "LoRA ≤ full")?;
        }
    }
}

/// A synthetic llama of about 2 T parameters: hidden 32768, 128 layers, intermediate 131072, 256 heads of 128,
/// 32 kv heads, vocabulary 256000.
fn two_trillion() -> Architecture {
    let text = r#"{"model_type":"llama","hidden_size":32768,"intermediate_size":131072,"num_hidden_layers":128,
        "num_attention_heads":256,"num_key_value_heads":32,"head_dim":128,"vocab_size":256000,
        "tie_word_embeddings":false,"torch_dtype":"bfloat16"}"#;
    ftmem_core::parse_config(text).unwrap()
}

#[test]
fn synthetic_model_has_about_two_trillion_parameters() {
    let p = ftmem_core::params::count(&two_trillion()).total.0;
    assert!((1_900_000_000_000..2_100_000_000_000).contains(&p), "{p}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Up to 2 T parameters × micro-batch 1024 × sequence 1 M tokens (and 1 M generated tokens): `Ok` with a total
    /// that covers the weights and at least one bf16 residual stream of the micro-batch, or `Err(Overflow)`. A
    /// wrapped product would show up as a total below those bounds; an unchecked overflow panics (tests run with
    /// overflow checks).
    #[test]
    fn no_overflow_up_to_two_trillion_parameters(
        s in arb_settings(),
        batch in prop_oneof![Just(1024u64), 1u64..=1024],
        seq in prop_oneof![Just(1u64 << 20), 1u64..=1 << 20],
        new_tokens in prop_oneof![Just(1u64 << 20), 0u64..=1 << 20],
        rank in prop_oneof![Just(65536u64), 1u64..=65536],
        gpus in prop_oneof![Just(1u64), 1u64..=65536],
    ) {
        static ARCH: OnceLock<Architecture> = OnceLock::new();
        let arch = ARCH.get_or_init(two_trillion);
        let s = Settings { batch, seq, new_tokens, rank, gpus, ..s };
        if s.mode == ftmem_core::settings::Mode::Serve {
            // Serving: a plan on every GPU, or Overflow; the KV cache never exceeds what is available.
            for g in ftmem_core::gpus::GPUS {
                match ftmem_core::estimate::serve::plan(arch, &s, g) {
                    Ok(p) => prop_assert!(
                        (p.kv_cache_bytes.0 as i128) <= (p.available_bytes.max(0) as i128),
                        "{}: KV {} above available {}", s.to_query(), p.kv_cache_bytes.0, p.available_bytes
                    ),
                    Err(EstimateError::Overflow) => {}
                    Err(e) => prop_assert!(false, "{}: {e}", s.to_query()),
                }
            }
            return Ok(());
        }
        match estimate(arch, &s) {
            Ok(e) => {
                let sum = e.components.iter().try_fold(0u64, |a, c| a.checked_add(c.bytes.0));
                prop_assert_eq!(sum, Some(e.total_bytes.0));
                let weights = e.components.iter().find(|c| c.name == "weights").unwrap().bytes.0;
                prop_assert!(e.total_bytes.0 >= weights);
                let stream = (batch as u128) * (seq as u128) * 32768 * 2;
                prop_assert!(
                    (e.total_bytes.0 as u128) >= stream,
                    "{}: total {} below one residual stream {}", s.to_query(), e.total_bytes.0, stream
                );
            }
            Err(EstimateError::Overflow) => {}
            Err(e) => prop_assert!(false, "{}: {e}", s.to_query()),
        }
    }
}

/// The largest settings on the 2 T model: an `Overflow` error or a huge total, never a wrap.
#[test]
fn two_trillion_at_the_largest_settings() {
    let arch = two_trillion();
    for q in [
        "mode=full&precision=fp32&batch=1024&seq=1048576&gc=0&attn=eager",
        "mode=full&precision=mixed&batch=1024&seq=1048576&gc=1&shard=zero3&gpus=65536&offload=params",
        "mode=lora&batch=1024&seq=1048576&rank=65536&gc=0",
        "mode=qlora&batch=1024&seq=1048576&rank=65536&gc=1&attn=eager",
        "mode=inference&batch=1024&seq=1048576&new=1048576&attn=eager",
        "mode=inference&precision=int4&batch=1&seq=1&new=0",
    ] {
        let s = Settings::from_query(q).unwrap();
        match estimate(&arch, &s) {
            Err(EstimateError::Overflow) => {}
            Ok(e) => assert!(e.total_bytes.0 >= 1 << 39, "{q}: implausibly small {}", e.total_bytes.0),
            Err(e) => panic!("{q}: {e}"),
        }
    }
}
