//! Serving with vLLM V1 (`mode=serve`): how vLLM sizes its KV cache at startup, per GPU, and what that
//! capacity means for requests.
//!
//! vLLM pre-allocates: the engine takes `gpu_memory_utilization` of each GPU's total memory and gives the KV
//! cache whatever the weights and a profiling forward pass leave of it. Modelled on vLLM **v0.13.0**
//! ([`VLLM_VERSION`]; source read from the PyPI wheel, file:line as there, notes in `bench/vllm-research.md`):
//!
//! - `v1/worker/gpu_worker.py` `init_device` (l.179–256): `requested = total_memory × util` (a fraction of the
//!   device's **total** memory as `torch.cuda.mem_get_info` reports it, not of the free memory); startup fails
//!   when the free memory is below it.
//! - `determine_available_memory` (l.298–382) with `utils/mem_utils.py` `memory_profiling`:
//!   `available = requested − (weights + torch_peak_increase + non_torch_increase)`. The weights are the
//!   bytes `load_model` allocated on this rank (tensor parallel shards them, [`weights_per_rank`]); the torch
//!   peak is that of `profile_run` ([`profile_peak`]); non-torch memory is what grows outside PyTorch's pool
//!   meanwhile ([`NON_TORCH_BYTES_TP1`], [`NON_TORCH_BYTES_TP`]). v0.13 does not subtract CUDA-graph memory
//!   (graphs are captured after the KV cache is allocated and come out of the `1 − util` headroom); from v0.21
//!   an estimate of it is subtracted by default (`VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS`).
//! - `v1/kv_cache_interface.py`: the page of one layer for one block of `block_size` tokens is
//!   `2 × block_size × kv_heads_per_rank × head_dim × dtype_bytes` (keys and values), for MLA one latent tensor
//!   `block_size × (kv_lora_rank + qk_rope_head_dim) × dtype_bytes`, not split by tensor parallelism.
//!   `kv_heads_per_rank = max(1, num_key_value_heads / tp)` (`config/model.py` `get_num_kv_heads`).
//! - `v1/core/kv_cache_utils.py`: layers are grouped by spec (`get_kv_cache_groups`, l.1194; hybrid models with
//!   sliding-window and full layers get `cdiv(n_type, group_size)` groups per type), then
//!   `num_blocks = available // page // group_size` (`get_num_blocks`, l.815), the minimum over the GPUs;
//!   "GPU KV cache size" = `num_blocks // groups × block_size` tokens and "Maximum concurrency" =
//!   `num_blocks / blocks one request of max_model_len needs` (`_report_kv_cache_config`, l.1259, l.778);
//!   `check_enough_kv_cache_memory` (l.664) refuses to start when one request of `max_model_len` does not fit.
//!
//! Checked against published startup logs in `core/tests/vllm_logs.rs` (sources named there).

use super::resident::{module_bytes, module_bytes_outer};
use super::run::{add, mul, Run};
use super::EstimateError;
use crate::arch::{Architecture, Component, Mixer, Module};
use crate::gpus::Gpu;
use crate::settings::{KvDtype, Mode, Precision, Settings};
use crate::units::Bytes;
use serde::Serialize;

/// The vLLM version whose startup arithmetic this module follows.
pub const VLLM_VERSION: &str = "0.13.0";

/// `block_size` vLLM picks on CUDA when none is given: 16 tokens (`platforms/cuda.py`
/// `check_and_update_config`, l.160).
pub const BLOCK_SIZE: u64 = 16;

/// Block size of MLA layers with FlashMLA, the default MLA backend before Blackwell: 64 tokens
/// (`platforms/cuda.py` l.170–231).
pub const MLA_BLOCK_SIZE: u64 = 64;

/// Memory that grows outside PyTorch's pool during the profile run on a single GPU (lazily loaded kernels,
/// cuBLAS handles), bytes: 0.13 GiB, as vLLM's own DEBUG line reports it for every single-GPU model of the
/// llm-d benchmark's measurements (`llm-d/llm-d-benchmark` `config_explorer/empirical-vllm-memory-results.md`,
/// H100, "non-torch memory").
pub const NON_TORCH_BYTES_TP1: u64 = 139_586_437; // 0.13 GiB

/// The same with tensor parallelism (NCCL communicators and vLLM's custom all-reduce buffers are set up on the
/// first collective, after the startup snapshot), bytes per GPU: 0.54 GiB, the mean of the two TP=2 rows of the
/// same llm-d table (0.54 and 0.55 GiB).
pub const NON_TORCH_BYTES_TP: u64 = 579_820_584; // 0.54 GiB

/// Bytes per element of the `[num_reqs, vocab]` logits alive together at the sampler's peak in
/// `_dummy_sampler_run` (v0.13: `no_penalties=True`, no logprobs, `VLLM_USE_FLASHINFER_SAMPLER` off, so
/// `TopKTopPSampler.forward_native` → `apply_top_k_top_p`, which sorts the whole row because top-p is set):
/// the bf16 logits still held by the caller (2), their fp32 copy (`v1/sample/sampler.py` l.90; temperature
/// divides in place) (4), the sorted fp32 values (4) and int64 indices (8) of `logits.sort`
/// (`v1/sample/ops/topk_topp_sampler.py` l.258), PyTorch's segmented sort's temporary int64 index buffer (8)
/// and CUB radix sort's temporary key and value buffers (12): 38 bytes. Later versions replace the sort (v0.19:
/// an in-place Triton top-k/top-p; v0.26: FlashInfer sampling by default) and need less.
pub const SAMPLER_BYTES_PER_LOGIT: u64 = 38;

/// vLLM's scheduling defaults for `vllm serve` on a GPU (`engine/arg_utils.py` `get_batch_defaults`, l.1768):
/// GPUs of at least 70 GiB other than the A100 get `max_num_seqs` 1024 and `max_num_batched_tokens` 8192, the
/// others 256 and 2048. Returns `(max_num_seqs, max_num_batched_tokens)`.
pub fn scheduler_defaults(gpu: &Gpu) -> (u64, u64) {
    let big = gpu.cuda_total.0 >= 70 << 30 && !gpu.id.starts_with("a100");
    if big {
        (1024, 8192)
    } else {
        (256, 2048)
    }
}

/// How one decoder layer stores its KV cache in vLLM (one `KVCacheSpec`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LayerKv {
    /// `FullAttentionSpec` (and MLA's `MLAAttentionSpec`): every token of the request.
    Full {
        /// Bytes per token of this layer on one GPU.
        token_bytes: u64,
        /// Tokens per block.
        block: u64,
    },
    /// `SlidingWindowSpec`: at most the window (plus one prefill chunk) per request.
    Sliding {
        /// Bytes per token of this layer on one GPU.
        token_bytes: u64,
        /// Tokens per block.
        block: u64,
        /// `sliding_window`, tokens.
        window: u64,
    },
    /// `MambaSpec` (Mamba-2, gated DeltaNet): one fixed state per request, bytes per GPU.
    State {
        /// Bytes of one request's state.
        bytes: u64,
    },
}

impl LayerKv {
    fn page(&self) -> u64 {
        match *self {
            LayerKv::Full { token_bytes, block } | LayerKv::Sliding { token_bytes, block, .. } => {
                token_bytes.saturating_mul(block)
            }
            LayerKv::State { bytes } => bytes,
        }
    }
    /// `max_memory_usage_bytes`: what one request of `len` tokens needs in this layer
    /// (`v1/kv_cache_interface.py`), bytes, with this layer's own page.
    fn need(&self, len: u64, mnbt: u64) -> u64 {
        match *self {
            LayerKv::Full { block, .. } => len.div_ceil(block).saturating_mul(self.page()),
            LayerKv::Sliding { block, window, .. } => {
                let tokens = (window.saturating_sub(1).saturating_add(mnbt)).min(len);
                (tokens.div_ceil(block) + 1).saturating_mul(self.page())
            }
            LayerKv::State { bytes } => bytes,
        }
    }
}

/// The answer to "will `vllm serve` start, and how much KV cache does it get" for one GPU of the job (every GPU
/// of a tensor-parallel group holds the same share, so the figures are the same on each).
///
/// JSON (serde): every field below, bytes as integers, `available_bytes` signed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServePlan {
    /// [`VLLM_VERSION`].
    pub vllm_version: &'static str,
    /// `--tensor-parallel-size`: GPUs the model is split over.
    pub tp: u64,
    /// Total memory of one GPU as `torch.cuda.mem_get_info` reports it, bytes.
    pub gpu_total_bytes: Bytes,
    /// `gpu_memory_utilization`.
    pub util: f64,
    /// `total × util`: what the engine may use on each GPU, bytes.
    pub requested_bytes: Bytes,
    /// Weights on each GPU after tensor-parallel sharding ("Model loading took … GiB"), bytes.
    pub weights_bytes: Bytes,
    /// Peak of the profile run above the weights (activations of `max_num_batched_tokens` tokens, the
    /// sampler's vocabulary-sized tensors), bytes.
    pub profile_peak_bytes: Bytes,
    /// Memory outside PyTorch's pool that the profile run adds, bytes.
    pub non_torch_bytes: Bytes,
    /// "Available KV cache memory": requested − weights − profile peak − non-torch, bytes; negative when
    /// nothing is left.
    pub available_bytes: i64,
    /// `max_model_len` in force, tokens.
    pub max_model_len: u64,
    /// `max_num_seqs` in force (vLLM's default for the GPU unless set).
    pub max_num_seqs: u64,
    /// `max_num_batched_tokens` in force, tokens.
    pub max_num_batched_tokens: u64,
    /// Tokens per KV block (the smallest over the layers).
    pub block_size: u64,
    /// Bytes of one KV token over all layers on one GPU (full-attention layers; sliding layers count too).
    pub kv_bytes_per_token: u64,
    /// KV blocks per layer group (`num_gpu_blocks`); 0 when the engine does not start.
    pub num_blocks: u64,
    /// Bytes of the KV cache tensors allocated on each GPU.
    pub kv_cache_bytes: Bytes,
    /// "GPU KV cache size: N tokens".
    pub kv_tokens: u64,
    /// "Maximum concurrency for `max_model_len` tokens per request": how many requests of `max_model_len`
    /// tokens fit in the KV cache at once.
    pub max_concurrency: f64,
    /// The largest `--max-model-len` that would start with this budget, tokens: the longest single request the
    /// KV cache holds (vLLM's `estimate_max_model_len`), at most the model's `max_position_embeddings` (vLLM
    /// refuses a longer `max_model_len`); 0 when the engine does not get to its KV cache.
    pub longest_request: u64,
    /// True when the model has layers whose cache vLLM sizes in ways this model follows only roughly (Mamba
    /// and linear-attention states).
    pub approximate: bool,
    /// The error vLLM stops with, in its own words, when it would not start; `None` when it starts.
    pub error: Option<String>,
    /// Which check refused it (`None` when it starts).
    pub refusal: Option<Refusal>,
}

/// The check of vLLM's startup that refuses a setup, in the order vLLM runs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// `max_model_len` above the config's `max_position_embeddings` (`ModelConfig.get_and_verify_max_len`).
    MaxModelLen,
    /// `tensor_parallel_size` does not divide `num_attention_heads` (`ModelConfig.verify_with_parallel_config`).
    TensorParallel,
    /// `--quantization` differs from the checkpoint's `quant_method` (`ModelConfig._verify_quantization`).
    Quantization,
    /// `--dtype bfloat16` on a GPU of compute capability below 8.0 (`_check_if_gpu_supports_dtype`).
    Dtype,
    /// `max_num_seqs` above `max_num_batched_tokens` (`SchedulerConfig._verify_args`).
    MaxNumSeqs,
    /// Less free memory than `total × gpu_memory_utilization` (`Worker.init_device`).
    FreeMemory,
    /// The weights on one GPU exceed its free memory: CUDA runs out of memory while loading the model.
    WeightsOom,
    /// Nothing left for the KV cache after weights and the profile run (`check_enough_kv_cache_memory`).
    NoCacheMemory,
    /// The KV cache cannot hold one request of `max_model_len` tokens (`check_enough_kv_cache_memory`).
    KvTooSmall,
}

impl Refusal {
    /// Whether a larger `gpu_memory_utilization` or more GPUs could help (false for a setting vLLM refuses
    /// whatever the memory).
    pub fn is_memory(self) -> bool {
        !matches!(
            self,
            Refusal::MaxModelLen | Refusal::TensorParallel | Refusal::Quantization | Refusal::Dtype | Refusal::MaxNumSeqs
        )
    }
}

impl ServePlan {
    /// Whether `vllm serve` starts with these settings.
    pub fn starts(&self) -> bool {
        self.error.is_none()
    }
}

/// Bytes per KV element for `--kv-cache-dtype` and the model's compute dtype.
fn kv_dtype_bytes(s: &Settings) -> u64 {
    match (s.kvdtype, s.precision) {
        (KvDtype::Fp8, _) => 1,
        _ => 2,
    }
}

/// The KV spec of each decoder layer on one GPU of a tensor-parallel group of `tp`.
pub fn layer_specs(arch: &Architecture, s: &Settings) -> Vec<Option<LayerKv>> {
    let dt = kv_dtype_bytes(s);
    let tp = s.tp.max(1);
    let per_rank = |kv: u64| (kv / tp).max(1);
    arch.layers
        .iter()
        .map(|l| match l.mixer {
            Mixer::FullAttention {
                kv_heads, head_dim, ..
            } => Some(LayerKv::Full {
                token_bytes: 2 * per_rank(kv_heads) * head_dim * dt,
                block: BLOCK_SIZE,
            }),
            Mixer::SlidingAttention {
                kv_heads,
                head_dim,
                window,
                ..
            } => Some(LayerKv::Sliding {
                token_bytes: 2 * per_rank(kv_heads) * head_dim * dt,
                block: BLOCK_SIZE,
                window,
            }),
            Mixer::Mla {
                kv_lora_rank,
                qk_rope_head_dim,
                ..
            } => Some(LayerKv::Full {
                token_bytes: (kv_lora_rank + qk_rope_head_dim) * dt,
                block: MLA_BLOCK_SIZE,
            }),
            // The recurrent state stays in fp32 for the SSM part; vLLM keeps conv and SSM state in the model
            // dtype unless `mamba_ssm_cache_dtype` says otherwise: 2 bytes per element, split over TP.
            Mixer::LinearAttention { state_elements, .. } | Mixer::Mamba { state_elements, .. } => {
                Some(LayerKv::State {
                    bytes: state_elements.saturating_mul(2) / tp,
                })
            }
            Mixer::None => None,
        })
        .collect()
}

/// Share of a module that one of `tp` GPUs holds, as `(numerator, denominator)`: vLLM's column- and
/// row-parallel linears split by `tp` (`model_executor/layers/linear.py`); norms and MoE routers
/// (`ReplicatedLinear`) and MLA's down-projections (`q_a_proj`, `kv_a_proj_with_mqa`, replicated) are whole on
/// every GPU; key/value projections keep `max(1, kv_heads / tp)` heads per GPU (`QKVParallelLinear` replicates
/// heads when `tp > kv_heads`).
fn tp_share(arch: &Architecture, m: &Module, tp: u64) -> (u64, u64) {
    match m.component {
        Component::Norms | Component::Router => (1, 1),
        _ if m.name == "q_a_proj" || m.name == "kv_a_proj_with_mqa" => (1, 1),
        _ if m.name == "k_proj" || m.name == "v_proj" => {
            let kv = arch.num_key_value_heads.max(1);
            ((kv / tp).max(1), kv)
        }
        _ => (1, tp),
    }
}

fn share(bytes: u64, (num, den): (u64, u64)) -> u64 {
    ((bytes as u128 * num as u128).div_ceil(den.max(1) as u128)).min(u64::MAX as u128) as u64
}

/// Weights on one GPU of a tensor-parallel group, bytes: every module in the precision vLLM loads it in
/// ([`module_bytes`] with `precision`), shared out by [`tp_share`]; embeddings and an untied output head are
/// `VocabParallelEmbedding`s, vocabulary padded to a multiple of 64 and split by `tp`
/// (`model_executor/layers/vocab_parallel_embedding.py`, `DEFAULT_VOCAB_PADDING_SIZE`); plus the rotary
/// embedding's `cos_sin_cache` `[max_position_embeddings, head_dim]` in the model dtype, one per model
/// (`model_executor/layers/rotary_embedding`, `get_rope` caches instances).
///
/// MXFP4 experts (gpt-oss) are padded when loaded (`model_executor/layers/quantization/mxfp4.py`
/// `Mxfp4MoEMethod.create_weights`, l.278–330): with the Marlin kernel (GPUs before Hopper) each GPU's
/// intermediate size is rounded up to a multiple of 128 and `hidden_size` to 256; with the Triton kernels
/// (Hopper) the intermediate size to 64, and the Hopper MX value layout of `triton_kernels` (applied in
/// `_swizzle_mxfp4`) stores `hidden_size` rounded up to 256 as well — inferred from the loaded sizes vLLM logs
/// for gpt-oss-20b and -120b on an H100 (13.47 and 64.38 GiB), not read in that library's source.
pub(crate) fn weights_per_rank(run: &Run, gpu: &Gpu) -> Result<u64, EstimateError> {
    let arch = run.arch;
    let tp = run.s.tp.max(1);
    let mut total = 0u64;
    let mut unsharded = 0u64;
    let mxfp4 = run.precision == Precision::Stored
        && matches!(arch.quantization, Some(crate::arch::Quantization::Mxfp4 { .. }));
    let hopper = matches!(gpu.id, "h100-80" | "h200");
    let round_up = |x: u64, m: u64| x.div_ceil(m) * m;
    for &(layer, count) in &run.layers {
        for m in &layer.modules {
            // `--quantization fp8` quantizes the MoE experts too (`Fp8MoEMethod`: fp8 weights, one fp32 scale
            // per expert and projection), which transformers' fp8 path leaves to the linears.
            let b = if run.precision == Precision::Fp8 && matches!(m.kind, crate::arch::ModuleKind::StackedLinear(_)) {
                mul(mul(m.params.0, m.instances)?, count)?
            } else {
                mul(module_bytes(run, m)?, count)?
            };
            unsharded = add(unsharded, b)?;
            let mut part = share(b, tp_share(arch, m, tp));
            if let (true, crate::arch::ModuleKind::StackedLinear(shape)) = (mxfp4, m.kind) {
                let h = arch.hidden_size.max(1);
                let other = if shape.in_features == h { shape.out_features } else { shape.in_features };
                // gate_up_proj is [hidden → 2·I]: its per-GPU width is 2·(I/tp).
                let pairs = if other == 2 * (other / 2) && shape.in_features == h { 2 } else { 1 };
                let i_rank = (other / pairs / tp).max(1);
                let i_pad = round_up(i_rank, if hopper { 64 } else { 128 });
                part = share(share(part, (round_up(h, 256), h)), (i_pad, i_rank));
            }
            total = add(total, part)?;
        }
    }
    let padded_vocab = arch.vocab_size.div_ceil(64) * 64;
    for m in &arch.outer_modules {
        let b = module_bytes_outer(run, m)?;
        unsharded = add(unsharded, b)?;
        let part = match m.component {
            Component::Embeddings | Component::LmHead if arch.vocab_size > 0 => {
                let rows = padded_vocab.div_ceil(tp);
                share(b, (rows, arch.vocab_size))
            }
            Component::Norms => b,
            _ => share(b, (1, tp)),
        };
        total = add(total, part)?;
    }
    // A quantized checkpoint whose headers were read: scale to the bytes as stored.
    if let (Precision::Stored, Some(stored)) = (run.precision, arch.checkpoint_weights) {
        if unsharded > 0 {
            total = share(total, (stored.0, unsharded));
        }
    }
    let rope = arch
        .max_position_embeddings
        .unwrap_or(0)
        .saturating_mul(arch.head_dim)
        .saturating_mul(2);
    add(total, rope)
}

/// Peak of `GPUModelRunner.profile_run` above the allocated bytes at its start, bytes
/// (`v1/worker/gpu_model_runner.py` `profile_run` l.4424, `_dummy_run` l.3970, `_dummy_sampler_run`).
///
/// The dummy batch is `max_num_batched_tokens` tokens over `num_reqs = min(tokens, max_num_seqs)` requests,
/// run eagerly without attention metadata; then the sampler runs on the last hidden state of each request.
/// - Forward: the largest layer's transients for `tokens` tokens in the model dtype — the MLP's
///   `gate_up_proj` output `[tokens, 2·intermediate]` and `SiluAndMul`'s `[tokens, intermediate]` (MoE:
///   `fused_moe`'s intermediate caches `[tokens·top_k, 2·I]`, `[tokens·top_k, I]`, `[tokens·top_k, hidden]`), or
///   attention's `qkv` `[tokens, (heads + 2·kv_heads)·head_dim]` and output `[tokens, heads·head_dim]` —
///   plus the residual stream and hidden states `[tokens, hidden]` twice.
/// - Sampler: logits `[num_reqs, vocab]` from the LM head in the model dtype, their fp32 copy, and the
///   temporaries of the dummy top-k/top-p pass (sorted values and int64 indices, softmax, cumulative sum,
///   masks): [`SAMPLER_BYTES_PER_LOGIT`] bytes per logit, plus the hidden states `[tokens, hidden]` that
///   `profile_run` keeps from the forward and the last-token rows `[num_reqs, hidden]` with their copy. Under
///   tensor parallelism the logits are gathered to the whole vocabulary on every GPU, so this term does not
///   shrink.
pub(crate) fn profile_peak(run: &Run, tokens: u64, num_reqs: u64) -> Result<u64, EstimateError> {
    let arch = run.arch;
    let tp = run.s.tp.max(1);
    let dt = 2u64;
    let h = arch.hidden_size;
    let mut layer_peak = 0u64;
    for &(layer, _) in &run.layers {
        let ffn = match layer.ffn {
            crate::arch::Ffn::Dense { intermediate, gated } => {
                let i = intermediate / tp;
                if gated {
                    3 * i
                } else {
                    2 * i
                }
            }
            crate::arch::Ffn::Moe {
                top_k,
                expert_intermediate,
                shared_intermediate,
                gated,
                ..
            } => {
                let i = expert_intermediate / tp;
                let routed = top_k * (if gated { 3 * i } else { 2 * i } + h);
                routed + 3 * (shared_intermediate / tp)
            }
            crate::arch::Ffn::None => 0,
        };
        let attn = match layer.mixer {
            Mixer::FullAttention {
                heads,
                kv_heads,
                head_dim,
            }
            | Mixer::SlidingAttention {
                heads,
                kv_heads,
                head_dim,
                ..
            } => {
                let q = heads / tp;
                let kv = (kv_heads / tp).max(1);
                (2 * q + 2 * kv) * head_dim
            }
            Mixer::Mla {
                heads,
                qk_nope_head_dim,
                qk_rope_head_dim,
                v_head_dim,
                ..
            } => {
                let q = heads / tp;
                q * (2 * (qk_nope_head_dim + qk_rope_head_dim) + 2 * v_head_dim)
            }
            Mixer::LinearAttention { inner_width, .. } | Mixer::Mamba { inner_width, .. } => {
                2 * inner_width / tp
            }
            Mixer::None => 0,
        };
        layer_peak = layer_peak.max(ffn.max(attn));
    }
    let forward = mul(mul(add(layer_peak, 2 * h)?, tokens)?, dt)?;
    let hidden_out = mul(mul(h, tokens)?, dt)?;
    let vocab = arch.vocab_size.div_ceil(64) * 64;
    let last_rows = mul(mul(num_reqs, h)?, 2 * dt)?;
    let sampler = add(
        add(hidden_out, last_rows)?,
        mul(mul(num_reqs, vocab)?, SAMPLER_BYTES_PER_LOGIT)?,
    )?;
    Ok(forward.max(sampler))
}

/// Total bytes one request of `len` tokens needs over all layers (`check_enough_kv_cache_memory`).
fn needed(specs: &[Option<LayerKv>], len: u64, mnbt: u64) -> u64 {
    specs
        .iter()
        .flatten()
        .fold(0u64, |a, k| a.saturating_add(k.need(len, mnbt)))
}

/// Largest `L ≤ hi` whose request fits in `avail` bytes (vLLM's `estimate_max_model_len`, a binary search); 0
/// when not even one token fits.
fn longest(specs: &[Option<LayerKv>], avail: u64, mnbt: u64, hi: u64) -> u64 {
    let (mut lo, mut hi) = (0u64, hi);
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if needed(specs, mid, mnbt) <= avail {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    lo
}

/// `(num_blocks, kv_tokens, max_concurrency, block_size, kv_cache_bytes)` from the available bytes, as
/// `get_kv_cache_groups` → `get_kv_cache_config_from_groups` → `_report_kv_cache_config` compute them.
///
/// Page sizes are unified first (`unify_kv_cache_spec_page_size`: a layer with a smaller page gets its block
/// size multiplied until its page equals the largest; state layers are padded to it), then layers are bucketed
/// by spec; `group_size` is the smallest bucket, or the largest when it is under 1.25 × the smallest; each
/// bucket makes `cdiv(n, group_size)` groups.
fn blocks(specs: &[Option<LayerKv>], avail: u64, maxlen: u64, mnbt: u64) -> (u64, u64, f64, u64, u64) {
    let layers: Vec<LayerKv> = specs.iter().flatten().copied().collect();
    if layers.is_empty() {
        return (0, 0, 0.0, BLOCK_SIZE, 0);
    }
    let page = layers.iter().map(|l| l.page()).max().unwrap_or(1).max(1);
    let unified: Vec<LayerKv> = layers
        .iter()
        .map(|&l| match l {
            LayerKv::Full { token_bytes, block } if token_bytes > 0 => LayerKv::Full {
                token_bytes,
                block: block * (page / (token_bytes * block)).max(1),
            },
            LayerKv::Sliding {
                token_bytes,
                block,
                window,
            } if token_bytes > 0 => LayerKv::Sliding {
                token_bytes,
                block: block * (page / (token_bytes * block)).max(1),
                window,
            },
            LayerKv::State { .. } => LayerKv::State { bytes: page },
            other => other,
        })
        .collect();
    let mut buckets: Vec<(LayerKv, u64)> = Vec::new();
    for l in &unified {
        match buckets.iter_mut().find(|(k, _)| k == l) {
            Some((_, n)) => *n += 1,
            None => buckets.push((*l, 1)),
        }
    }
    let min = buckets.iter().map(|b| b.1).min().unwrap_or(1);
    let max = buckets.iter().map(|b| b.1).max().unwrap_or(1);
    let group_size = if (max as f64) < 1.25 * min as f64 { max } else { min };
    let groups: u64 = buckets.iter().map(|b| b.1.div_ceil(group_size)).sum();
    let num_blocks = avail / page / group_size;
    let block = unified
        .iter()
        .map(|l| match *l {
            LayerKv::Full { block, .. } | LayerKv::Sliding { block, .. } => block,
            LayerKv::State { .. } => u64::MAX,
        })
        .min()
        .filter(|&b| b != u64::MAX)
        .unwrap_or(BLOCK_SIZE);
    let tokens = num_blocks / groups * block;
    let per_req: u64 = buckets.iter().fold(0u64, |a, (k, n)| {
        a.saturating_add(n.div_ceil(group_size).saturating_mul(k.need(maxlen, mnbt)))
    });
    let per_req_blocks = (group_size.saturating_mul(per_req)).div_ceil(page.saturating_mul(group_size)).max(1);
    let concurrency = num_blocks as f64 / per_req_blocks as f64;
    let bytes = num_blocks.saturating_mul(page).saturating_mul(group_size);
    (num_blocks, tokens, concurrency, block, bytes)
}

const GIB: f64 = (1u64 << 30) as f64;

/// Plan `vllm serve` of `arch` with `settings` (`mode=serve`; `util`, `maxlen`, `kvdtype`, `tp`, `seqs`,
/// `precision`) on GPUs of type `gpu`, each of the `tp` GPUs holding one shard.
///
/// Errors: [`EstimateError::Overflow`] for sizes past 64 bits. A setup vLLM refuses is not an error here: the
/// plan says so in [`ServePlan::error`], with vLLM's message.
pub fn plan(arch: &Architecture, settings: &Settings, gpu: &Gpu) -> Result<ServePlan, EstimateError> {
    use crate::arch::Quantization;
    // vLLM keeps a quantized checkpoint's format whatever `--dtype` says (the dtype is then the activations'),
    // and `--quantization fp8` of an FP8 checkpoint is its own format: both load as stored.
    let precision = match (&arch.quantization, settings.precision) {
        (Some(_), Some(Precision::Bf16 | Precision::Fp16)) | (Some(Quantization::Fp8 { .. }), Some(Precision::Fp8)) => {
            Some(Precision::Stored)
        }
        (_, p) => p,
    };
    let s = Settings {
        mode: Mode::Inference,
        batch: 1,
        precision,
        ..settings.clone()
    };
    let run = Run::new(arch, &s)?;
    let tp = s.tp.max(1);
    let derived_len = arch.max_position_embeddings.unwrap_or(2048);
    let maxlen = s.maxlen.unwrap_or(derived_len);
    let (default_seqs, default_mnbt) = scheduler_defaults(gpu);
    let seqs_default = s.seqs.unwrap_or(default_seqs);
    let mnbt = default_mnbt.min(seqs_default.saturating_mul(maxlen));
    let max_num_seqs = seqs_default.min(mnbt);
    let total = gpu.cuda_total.0;
    let requested = (total as f64 * s.util) as u64;
    let weights = weights_per_rank(&run, gpu)?;
    let peak = profile_peak(&run, mnbt, max_num_seqs.min(mnbt))?;
    let non_torch = if tp > 1 {
        NON_TORCH_BYTES_TP
    } else {
        NON_TORCH_BYTES_TP1
    };
    let non_kv = add(add(weights, peak)?, non_torch)?;
    let available = requested as i128 - non_kv as i128;
    let available_i64 = available.clamp(i64::MIN as i128, i64::MAX as i128) as i64;
    let specs = layer_specs(arch, &s);
    let avail = available.max(0).min(u64::MAX as i128) as u64;
    let (num_blocks, kv_tokens, max_concurrency, block_size, kv_cache_bytes) =
        blocks(&specs, avail, maxlen, mnbt);
    let kv_bytes_per_token = specs
        .iter()
        .flatten()
        .map(|k| match *k {
            LayerKv::Full { token_bytes, .. } | LayerKv::Sliding { token_bytes, .. } => token_bytes,
            LayerKv::State { .. } => 0,
        })
        .sum();
    let free = total.saturating_sub(super::allocator::CUDA_CONTEXT_BYTES);
    let gib = |b: u64| (b as f64 / GIB * 100.0).round() / 100.0;
    let heads = arch.num_attention_heads;
    let (refusal, error) = if maxlen > derived_len && s.maxlen.is_some() && arch.max_position_embeddings.is_some() {
        (Refusal::MaxModelLen, format!("User-specified max_model_len ({maxlen}) is greater than the derived max_model_len (max_position_embeddings={derived_len} in model's config.json). To allow overriding this maximum, set the env var VLLM_ALLOW_LONG_MAX_MODEL_LEN=1."))
    } else if let (Some(q), Some(Precision::Fp8)) = (&arch.quantization, s.precision) {
        (Refusal::Quantization, format!("Quantization method specified in the model config ({}) does not match the quantization method specified in the `quantization` argument (fp8).", quant_method(q)))
    } else if heads % tp != 0 {
        (Refusal::TensorParallel, format!("Total number of attention heads ({heads}) must be divisible by tensor parallel size ({tp})."))
    } else if s.precision == Some(Precision::Bf16) && compute_capability(gpu).is_some_and(|c| c.0 < 8) {
        let (ma, mi) = compute_capability(gpu).unwrap_or((0, 0));
        (Refusal::Dtype, format!("Bfloat16 is only supported on GPUs with compute capability of at least 8.0. Your {} GPU has compute capability {ma}.{mi}. You can use float16 instead by explicitly setting the`dtype` flag in CLI, for example: --dtype=half.", gpu.name))
    } else if s.seqs.is_some_and(|n| n > default_mnbt) {
        (Refusal::MaxNumSeqs, format!("max_num_batched_tokens ({default_mnbt}) must be greater than or equal to max_num_seqs ({}).", s.seqs.unwrap_or(0)))
    } else if (free as f64) < requested as f64 {
        (Refusal::FreeMemory, format!(
            "Free memory on device ({}/{} GiB) on startup is less than desired GPU memory utilization ({}, {} GiB). Decrease GPU memory utilization or reduce GPU memory used by other processes.",
            gib(free), gib(total), s.util, gib(requested)
        ))
    } else if weights > free {
        (Refusal::WeightsOom, format!(
            "torch.OutOfMemoryError: CUDA out of memory while loading the model: its weights take {} GiB on each GPU and {} GiB are free. Use more GPUs (--tensor-parallel-size) or a quantized checkpoint.",
            gib(weights), gib(free)
        ))
    } else if available <= 0 {
        (Refusal::NoCacheMemory, "No available memory for the cache blocks. Try increasing `gpu_memory_utilization` when initializing the engine.".into())
    } else if needed(&specs, maxlen, mnbt) > avail {
        let need = needed(&specs, maxlen, mnbt);
        (Refusal::KvTooSmall, format!(
            "To serve at least one request with the models's max seq len ({maxlen}), ({:.2} GiB KV cache is needed, which is larger than the available KV cache memory ({:.2} GiB). Based on the available memory, the estimated maximum model length is {}. Try increasing `gpu_memory_utilization` or decreasing `max_model_len` when initializing the engine.",
            need as f64 / GIB,
            avail as f64 / GIB,
            longest(&specs, avail, mnbt, maxlen)
        ))
    } else {
        (Refusal::KvTooSmall, String::new())
    };
    let (refusal, error) = if error.is_empty() { (None, None) } else { (Some(refusal), Some(error)) };
    // The engine reaches its KV cache (and the longest request means something) unless a config check or the
    // free-memory check stopped it first.
    let longest_request = match refusal {
        Some(r) if !r.is_memory() || matches!(r, Refusal::FreeMemory | Refusal::WeightsOom) => 0,
        _ => longest(&specs, avail, mnbt, derived_len),
    };
    let started = error.is_none();
    Ok(ServePlan {
        vllm_version: VLLM_VERSION,
        tp,
        gpu_total_bytes: Bytes(total),
        util: s.util,
        requested_bytes: Bytes(requested),
        weights_bytes: Bytes(weights),
        profile_peak_bytes: Bytes(peak),
        non_torch_bytes: Bytes(non_torch),
        available_bytes: available_i64,
        max_model_len: maxlen,
        max_num_seqs,
        max_num_batched_tokens: mnbt,
        block_size,
        kv_bytes_per_token,
        num_blocks: if started { num_blocks } else { 0 },
        kv_cache_bytes: Bytes(if started { kv_cache_bytes } else { 0 }),
        kv_tokens: if started { kv_tokens } else { 0 },
        max_concurrency: if started { max_concurrency } else { 0.0 },
        longest_request,
        approximate: arch.approximate
            || specs.iter().flatten().any(|k| matches!(k, LayerKv::State { .. })),
        error,
        refusal,
    })
}

/// KV tokens and concurrency from an "Available KV cache memory" figure as vLLM logs it (for checking the KV
/// arithmetic alone against a log): `(num_blocks, kv_tokens, max_concurrency)`.
pub fn kv_from_available(
    arch: &Architecture,
    settings: &Settings,
    available: Bytes,
    max_num_batched_tokens: u64,
) -> (u64, u64, f64) {
    let specs = layer_specs(arch, settings);
    let maxlen = settings
        .maxlen
        .unwrap_or(arch.max_position_embeddings.unwrap_or(2048));
    let (nb, tokens, c, _, _) = blocks(&specs, available.0, maxlen, max_num_batched_tokens);
    (nb, tokens, c)
}

/// `quant_method` of a checkpoint's `quantization_config`, as vLLM names it in its mismatch error.
fn quant_method(q: &crate::arch::Quantization) -> &str {
    use crate::arch::Quantization as Q;
    match q {
        Q::Mxfp4 { .. } => "mxfp4",
        Q::Fp8 { .. } => "fp8",
        Q::Bitsandbytes { .. } => "bitsandbytes",
        Q::IntGroup { name, .. } | Q::Unknown { name } => name,
    }
}

/// CUDA compute capability of a listed GPU (NVIDIA's CUDA GPUs table); `None` for a custom size or an AMD GPU.
pub fn compute_capability(gpu: &Gpu) -> Option<(u32, u32)> {
    Some(match gpu.id {
        "t4" => (7, 5),
        "a100-40" | "a100-80" => (8, 0),
        "a10g" | "rtx-3090" => (8, 6),
        "l4" | "rtx-4090" => (8, 9),
        "h100-80" | "h200" => (9, 0),
        "rtx-5090" => (12, 0),
        _ => return None,
    })
}

/// The largest `gpu_memory_utilization` (in steps of 0.01) that passes vLLM's free-memory check at startup on
/// an otherwise idle GPU (free = total − the CUDA context).
pub fn largest_util(gpu: &Gpu) -> f64 {
    let total = gpu.cuda_total.0.max(1);
    let free = total.saturating_sub(super::allocator::CUDA_CONTEXT_BYTES);
    ((free as f64 / total as f64) * 100.0).floor() / 100.0
}

/// Tensor-parallel sizes vLLM accepts for `arch`: the divisors of `num_attention_heads` up to
/// [`crate::settings::MAX_TP`], smallest first.
pub fn tp_sizes(arch: &Architecture) -> Vec<u64> {
    let heads = arch.num_attention_heads.max(1);
    (1..=crate::settings::MAX_TP).filter(|t| heads % t == 0).collect()
}

/// Smallest `gpu_memory_utilization` (in steps of 0.01) at which `vllm serve` starts with these settings, or
/// `None` when even 1.0 does not.
pub fn smallest_util(arch: &Architecture, settings: &Settings, gpu: &Gpu) -> Result<Option<f64>, EstimateError> {
    for pct in 1..=100u32 {
        let s = Settings {
            util: pct as f64 / 100.0,
            ..settings.clone()
        };
        if plan(arch, &s, gpu)?.starts() {
            return Ok(Some(pct as f64 / 100.0));
        }
    }
    Ok(None)
}

/// Fewest GPUs (a `tensor_parallel_size` of [`tp_sizes`]) with which `vllm serve` starts with these settings,
/// and its plan; `None` when none does.
pub fn fewest_tp(arch: &Architecture, settings: &Settings, gpu: &Gpu) -> Result<Option<(u64, ServePlan)>, EstimateError> {
    for tp in tp_sizes(arch) {
        let s = Settings {
            tp,
            ..settings.clone()
        };
        let p = plan(arch, &s, gpu)?;
        if p.starts() {
            return Ok(Some((tp, p)));
        }
    }
    Ok(None)
}
