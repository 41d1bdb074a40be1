//! Activations: what autograd saves per decoder layer between forward and backward, per token, derived op by op
//! from the transformers 5.17 modules (`modeling_llama.py` and its copies), peft's `lora.Linear.forward` and
//! torch's derivative formulas (`tools/autograd/derivatives.yaml`: a product saves an operand only when the
//! other operand needs a gradient; `F.linear` saves its input only when the weight is trainable).
//!
//! Per op (elements of width d, `r` = residual-stream bytes, `c` = activation bytes):
//! - RMSNorm (`x.to(fp32)`, `pow`, `rsqrt`, `weight * y.to(dtype)`): the fp32 input (4·d; the stream tensor itself
//!   when it is already fp32) and, when the weight is trainable, the normalised `y` (r·d).
//! - a linear's input: saved once (c·d) when its weight trains and inputs are shared; under autocast each linear
//!   casts and saves its own bf16 copy (2·d); a LoRA-adapted linear saves the input cast to fp32 (4·d, shared when
//!   the input is already fp32), `lora_A`'s output (4·r), and with dropout the dropped copy and its mask (5·d).
//! - RoPE (`q * cos + rotate_half(q) * sin`): only cos/sin (shared across layers).
//! - SDPA (flash / memory-efficient): q, k, v, the output and the fp32 log-sum-exp per head; GQA is passed to
//!   SDPA (`enable_gqa`, no `repeat_kv`) since the causal mask is `None`.
//! - eager attention: q, `repeat_kv`'d k and v, the fp32 softmax output and its bf16 cast per (head, query, key),
//!   plus the tanh output when the scores are soft-capped (gemma2).
//! - gated MLP `down(act(gate(x)) * up(x))`: gate output (saved by the activation), act output and up output
//!   (saved by the product), and the product when `down` saves its input.
//! - MoE (transformers 5 stacked experts): per token and routed expert the gathered input (when the experts
//!   train), the gate/up output and activation, the expert output (saved by the routing-weight product), and the
//!   router's fp32 softmax.
//!
//! Gradient checkpointing (`gradient_checkpointing_enable(use_reentrant=False)`, one checkpoint per decoder
//! layer): only each layer's input (r·hidden per token) stays; during backward one layer is recomputed in full.

use super::run::{add, mul, LossPath, Run};
use super::EstimateError;
use crate::arch::{Component, Ffn, Layer, Mixer, Module, ModuleKind};

/// Attention shapes of a mixer: (query width heads·head_dim, kv width, heads, value width).
fn attn_dims(m: &Mixer) -> Option<(u64, u64, u64, u64)> {
    match *m {
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
        } => Some((
            heads.saturating_mul(head_dim),
            kv_heads.saturating_mul(head_dim),
            heads,
            kv_heads.saturating_mul(head_dim),
        )),
        Mixer::Mla {
            heads,
            qk_nope_head_dim,
            qk_rope_head_dim,
            v_head_dim,
            ..
        } => {
            let qk = heads.saturating_mul(qk_nope_head_dim.saturating_add(qk_rope_head_dim));
            Some((qk, qk, heads, heads.saturating_mul(v_head_dim)))
        }
        _ => None,
    }
}

/// Whether a module is the attention output projection (its input is the attention output).
fn is_attn_out(m: &Module) -> bool {
    matches!(
        m.name.as_str(),
        "o_proj" | "dense" | "out_proj" | "c_proj" | "wo"
    )
}

/// Whether an MLP module is the down projection (its input is the intermediate activation).
fn is_mlp_out(m: &Module) -> bool {
    matches!(
        m.name.as_str(),
        "down_proj" | "fc2" | "c_proj" | "w2" | "dense_4h_to_h"
    )
}

/// Bytes per token saved for the input of width `d` (dtype `din` bytes) of the linears `mods`;
/// `already`: the same tensor is saved by another op anyway.
///
/// A LoRA-adapted linear (peft `lora.Linear.forward`): `x = _cast_input_dtype(x, lora_A.weight.dtype)` (a copy
/// per module when the dtypes differ), `lora_B(lora_A(dropout(x)))`. `lora_A` saves its input: without
/// autocast the cast copy (`a` bytes; the layer input itself, shared, when it already has the adapter dtype);
/// under the trainers' autocast its own bf16 cast of it (2 bytes, per module, as autocast caches only leaf
/// weights), unless input and adapter are both bf16 (TRL's QLoRA: no cast, shared). `lora_B` saves `lora_A`'s
/// output (`a` bytes, bf16 under autocast). Dropout > 0 saves a 1-byte mask and the dropped copy instead.
fn consumers<'m>(
    run: &Run,
    d: u64,
    din: u64,
    mods: impl Iterator<Item = &'m Module>,
    already: bool,
) -> Result<u64, EstimateError> {
    let mut shared = false;
    let mut extra = 0u64;
    let lin = if run.amp { 2 } else { run.a };
    let no_cast = din == run.a && (!run.amp || run.a == 2);
    for m in mods {
        let k = m.active_instances.max(1);
        if run.train_base {
            if run.autocast && din != 2 {
                extra = add(extra, mul(2, d)?)?;
            } else {
                shared = true;
            }
        }
        if run.adapted(m) {
            if run.dropout {
                extra = add(extra, mul(mul(1 + lin, d)?, k)?)?;
            } else if no_cast {
                shared = true;
            } else {
                extra = add(extra, mul(mul(lin, d)?, k)?)?;
            }
            extra = add(extra, mul(mul(lin, run.s.rank)?, k)?)?;
        }
    }
    if shared && !already {
        extra = add(extra, mul(din, d)?)?;
    }
    Ok(extra)
}

/// Whether SDPA falls back to its math backend, which materialises the scores: fp32 inputs rule out flash
/// attention, and the memory-efficient kernel does not take `enable_gqa` (torch 2.11 `sdp_utils.cpp`
/// `check_grouped_query_attention` lists flash only), so fp32 with grouped-query attention runs
/// `_scaled_dot_product_attention_math` (repeat-interleaved k/v, a `[batch, heads, q, k]` softmax saved).
///
/// Under the trainers' autocast, SDPA is on the lower-precision list: fp32 q/k/v arrive in bf16 (`run.ac`) and
/// the flash kernel runs.
pub(crate) fn math_sdpa(run: &Run, m: &Mixer) -> bool {
    if run.eager || run.ac != 4 {
        return false;
    }
    match *m {
        Mixer::FullAttention {
            heads, kv_heads, ..
        }
        | Mixer::SlidingAttention {
            heads, kv_heads, ..
        } => kv_heads < heads,
        _ => false,
    }
}

/// Whether the layer's attention has learned sinks (gpt-oss), which change the eager softmax.
fn has_sinks(layer: &Layer) -> bool {
    layer.modules.iter().any(|m| m.name == "sinks")
}

/// Whether the scores are soft-capped in attention (gemma2's `attn_logit_softcapping`).
fn attn_softcap(run: &Run) -> bool {
    run.arch.model_type == "gemma2"
}

/// Bytes saved by one decoder layer per token of training, with `seq` the sequence length (eager attention
/// keeps a score row of `seq` keys per query and head).
pub(crate) fn layer_saved(run: &Run, layer: &Layer, seq: u64) -> Result<u64, EstimateError> {
    Ok(layer_saved_split(run, layer, seq)?.total)
}

/// One layer's saved bytes per token, split by when the layer's backward frees them.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct LayerSaved {
    /// Everything the layer saves ([`layer_saved`]).
    pub total: u64,
    /// What is still alive while the attention's own gradients are formed (the scores' gradient for math SDPA
    /// and eager attention, the SDPA backward kernel otherwise): the first norm's tensors, the attention inputs
    /// and the attention's own saved tensors, less those of nodes that have already run — the output
    /// projection's input and, with materialised scores, the (repeated) values and the bf16 copy of the
    /// probabilities, which the probabilities × values product saved and freed when back-propagated.
    pub at_attention_backward: u64,
    /// The first norm's fp32 input (4·d): the layer's input itself when the residual stream is fp32 (`to(fp32)`
    /// is then a no-op), i.e. under gradient checkpointing the checkpointed tensor.
    pub first_norm_input: u64,
}

/// [`layer_saved`] with the split of [`LayerSaved`].
pub(crate) fn layer_saved_split(
    run: &Run,
    layer: &Layer,
    seq: u64,
) -> Result<LayerSaved, EstimateError> {
    let h = run.arch.hidden_size;
    let (r, c, ac) = (run.r, run.c, run.ac);
    let mut t = 0u64;
    let mut first_norm = None;
    let mut first_norm_input = 0u64;
    // Norms of width hidden.
    for m in layer
        .modules
        .iter()
        .filter(|m| m.component == Component::Norms)
    {
        let d = if m.params.0 >= 2 * h {
            h
        } else {
            m.params.0.max(1)
        };
        // Liger's `LigerRMSNormFunction` saves its input as is (and an fp32 rstd per row), not an fp32 copy and
        // the normalised output.
        let mut n = if run.liger { mul(r, d)? } else { mul(4, d)? };
        if run.train_base && !run.liger {
            n = add(n, mul(r, d)?)?;
        }
        if first_norm.is_none() {
            first_norm = Some(n);
            first_norm_input = if run.liger { mul(r, d)? } else { mul(4, d)? };
        }
        t = add(t, n)?;
    }
    let norms = t;
    let mut at_attn = first_norm.unwrap_or(0);
    let mods = || layer.modules.iter();
    let is_lin =
        |m: &&Module| matches!(m.kind, ModuleKind::Linear(_) | ModuleKind::StackedLinear(_));
    // Attention.
    if let Some((q, kv, heads, v)) = attn_dims(&layer.mixer) {
        let inputs = mods()
            .filter(is_lin)
            .filter(|m| m.component == Component::Attention && !is_attn_out(m));
        t = add(t, consumers(run, h, r, inputs, false)?)?;
        for m in mods()
            .filter(|m| m.component == Component::Attention && matches!(m.kind, ModuleKind::Other))
        {
            let w = match m.name.as_str() {
                "q_norm" if m.params.0 < q => q,
                "k_norm" if m.params.0 < kv => kv,
                "q_norm" | "k_norm" => m.params.0,
                _ => continue,
            };
            // Liger patches the q/k norms too (the model's RMSNorm class): their input as is.
            let per = if run.liger {
                c
            } else {
                4 + if run.train_base { c } else { 0 }
            };
            t = add(t, mul(per, w)?)?;
        }
        // Freed before the attention's own gradients are formed (see `LayerSaved::at_attention_backward`).
        let mut freed = 0u64;
        if math_sdpa(run, &layer.mixer) {
            // Math SDPA: scaled q, the repeated and scaled k, the repeated v, and the softmax output.
            t = add(t, mul(ac, add(mul(q, 2)?, v.max(q))?)?)?;
            t = add(t, mul(mul(heads, seq)?, ac)?)?;
            freed = mul(ac, v.max(q))?;
        } else if run.eager && has_sinks(layer) {
            // gpt-oss's eager attention with sinks: the scores are concatenated with the sink logits,
            // max-shifted and soft-maxed in their own dtype (`softmax(..., dtype=combined_logits.dtype)`), and the
            // probabilities × values product takes a slice (a view) of that output: one saved score tensor.
            t = add(t, mul(ac, add(mul(q, 2)?, v.max(q))?)?)?;
            t = add(t, mul(mul(heads, seq)?, ac)?)?;
            freed = mul(ac, v.max(q))?;
        } else if run.eager {
            let per_score =
                4 + if ac != 4 { ac } else { 0 } + if attn_softcap(run) { ac } else { 0 };
            t = add(t, mul(ac, add(mul(q, 2)?, v.max(q))?)?)?;
            t = add(t, mul(mul(heads, seq)?, per_score)?)?;
            freed = add(
                mul(ac, v.max(q))?,
                mul(mul(heads, seq)?, if ac != 4 { ac } else { 0 })?,
            )?;
        } else {
            t = add(t, mul(ac, add(add(mul(q, 2)?, kv)?, v)?)?)?;
            t = add(t, mul(4, heads)?)?;
        }
        at_attn = add(at_attn, (t - norms).saturating_sub(freed))?;
        let outs = mods()
            .filter(is_lin)
            .filter(|m| m.component == Component::Attention && is_attn_out(m));
        t = add(
            t,
            consumers(
                run,
                q,
                ac,
                outs,
                !run.eager && !math_sdpa(run, &layer.mixer),
            )?,
        )?;
    } else {
        match layer.mixer {
            Mixer::LinearAttention { inner_width, .. } | Mixer::Mamba { inner_width, .. } => {
                let inputs = mods()
                    .filter(is_lin)
                    .filter(|m| m.component == Component::Mixer);
                t = add(t, consumers(run, h, r, inputs, false)?)?;
                t = add(t, mul(mul(c, 4)?, inner_width)?)?;
                at_attn = add(at_attn, t - norms)?;
            }
            _ => {}
        }
    }
    // Feed-forward.
    let mlp_in = |comp: Component| {
        layer
            .modules
            .iter()
            .filter(move |m| m.component == comp && is_lin(m) && !is_mlp_out(m))
    };
    let mlp_out = |comp: Component| {
        layer
            .modules
            .iter()
            .filter(move |m| m.component == comp && is_lin(m) && is_mlp_out(m))
    };
    match layer.ffn {
        Ffn::Dense {
            intermediate: i,
            gated,
        } => {
            t = add(t, consumers(run, h, r, mlp_in(Component::Mlp), false)?)?;
            // Liger's `LigerSiLUMulFunction` / `LigerGELUMulFunction` save the gate and up outputs only and
            // recompute the activation in backward.
            let saved = if run.liger && gated {
                2
            } else {
                add(
                    if gated { 3 } else { 1 },
                    activation_extra_saved(&run.arch.hidden_act),
                )?
            };
            t = add(t, mul(mul(c, i)?, saved)?)?;
            t = add(t, consumers(run, i, c, mlp_out(Component::Mlp), false)?)?;
        }
        Ffn::Moe {
            experts,
            top_k,
            expert_intermediate: ie,
            shared_intermediate: si,
            gated,
        } => {
            let routers = mods().filter(|m| m.component == Component::Router && is_lin(m));
            t = add(t, consumers(run, h, r, routers, false)?)?;
            t = add(t, add(mul(4, experts)?, mul(c, experts)?)?)?;
            let per_expert = add(mul(c, mul(ie, if gated { 3 } else { 1 })?)?, mul(c, h)?)?;
            t = add(t, mul(top_k, per_expert)?)?;
            t = add(t, consumers(run, h, c, mlp_in(Component::Experts), false)?)?;
            t = add(
                t,
                consumers(run, ie, c, mlp_out(Component::Experts), false)?,
            )?;
            if si > 0 {
                t = add(
                    t,
                    consumers(run, h, r, mlp_in(Component::SharedExperts), false)?,
                )?;
                t = add(t, mul(mul(c, si)?, if gated { 3 } else { 1 })?)?;
                t = add(
                    t,
                    consumers(run, si, c, mlp_out(Component::SharedExperts), false)?,
                )?;
            }
        }
        Ffn::None => {}
    }
    // Residual dropout (phi, phi3, gpt2, starcoder2) on the attention and the MLP output: one bool mask each.
    if run.arch.residual_dropout > 0.0 {
        t = add(t, mul(2, h)?)?;
    }
    Ok(LayerSaved {
        total: t,
        at_attention_backward: at_attn.min(t),
        first_norm_input,
    })
}

/// Tensors of the MLP's intermediate width that the activation function saves for backward *besides* its input,
/// for activations that transformers writes as a chain of elementwise torch ops instead of one fused kernel
/// (transformers `activations.py`; each op saves what `derivatives.yaml` says it needs):
/// - `gelu_new` (`NewGELUActivation`, phi, gpt2): `0.5 * x * (1 + tanh(√(2/π) · (x + 0.044715 · x³)))` saves
///   the tanh output, `0.5 · x` and `1 + tanh(..)` (the final product saves both operands): 3;
/// - `gelu_fast`: `0.5 * x * (1 + tanh(x · 0.79788 · (1 + 0.044715 · x · x)))`: the two products save 4 operands,
///   tanh its output and the final product `1 + tanh(..)`: 6;
/// - `quick_gelu`: `x * sigmoid(1.702 · x)`: the sigmoid output: 1;
/// - fused kernels (`silu`, `gelu`, `gelu_pytorch_tanh`, `relu`, ...): 0.
pub(crate) fn activation_extra_saved(hidden_act: &str) -> u64 {
    match hidden_act {
        "gelu_new" => 3,
        "gelu_fast" => 6,
        "quick_gelu" => 1,
        _ => 0,
    }
}

/// Peak bytes per token of one checkpointed layer while it is recomputed and back-propagated, as
/// (attention phase, MLP phase), both with the gradients of the layer's input and output (2 × r·hidden).
///
/// torch 2.11 `utils/checkpoint.py` (non-reentrant): the recomputation stores each saved tensor under a handle
/// that `unpack_hook` drops (`holder.handles[gid] = None`) when backward first unpacks it, and the autograd
/// engine releases a node's saved variables once it has run, so a layer's saved tensors die in reverse forward
/// order during its backward. The MLP's gradients therefore meet all of the layer's saved tensors, but the
/// attention's gradients only those of [`LayerSaved::at_attention_backward`]: the MLP's, the second norm's and
/// the output projection's are gone. With an fp32 residual stream the first norm's fp32 input is the
/// checkpointed layer input itself, already counted with the checkpoints.
///
/// Measured (allocator history of `mistral-7b-v0.3/qlora-r32-att-gc/b4s2048`, torch 2.11, H200): at the
/// allocated peak the recomputed layer holds four fp32 `batch × heads × seq²` blocks (the saved probabilities,
/// their gradient from the probabilities × values product, the gradient through `_safe_softmax`'s `where`
/// and `_softmax_backward_data`'s output: `c + 8` bytes per score at c = 4), the scaled q and the repeated k,
/// the q/k/v input and the two residual gradients — 8 832 MiB — and none of its MLP tensors.
pub(crate) fn recomputed_layer_backward(
    run: &Run,
    layer: &Layer,
    seq: u64,
) -> Result<(u64, u64), EstimateError> {
    let saved = layer_saved_split(run, layer, seq)?;
    let (mlp, attn) = backward_transients(run, layer, seq)?;
    let grads = mul(mul(2, run.r)?, run.arch.hidden_size)?;
    // The first norm's saved input is the checkpointed layer input itself when no copy is made: an fp32
    // stream's `to(fp32)` is a no-op, and Liger's RMSNorm saves its input as is.
    let ckpt = if run.r == 4 || run.liger {
        saved.first_norm_input
    } else {
        0
    };
    let attn_phase = add(
        add(saved.at_attention_backward.saturating_sub(ckpt), attn)?,
        grads,
    )?;
    let mlp_phase = add(
        add(
            saved.total.saturating_sub(ckpt),
            mlp.max(recompute_cast_transient(run, layer)?),
        )?,
        grads,
    )?;
    Ok((attn_phase, mlp_phase))
}

/// Bytes per token that the recomputation of a layer holds, on top of the layer's saved tensors, while its
/// adapted down projection runs forward under the trainers' autocast: peft's `_cast_input_dtype` makes an fp32
/// copy of the intermediate activation for `lora_A` (4·i, freed when the module returns; autocast then casts it
/// back to the bf16 copy that `lora_A` saves), the intermediate itself (c·i, the module's argument), the base
/// projection's output (c·hidden) and the normalised MLP input and the residual, still referenced by the layer's
/// forward (2·r·hidden). Measured (allocator history of `qwen3-0.6b/lora-r16-all-gc/b4s1024/trl`, torch 2.11,
/// H200): the step's allocated peak is there, in the first recomputed layer, with exactly these blocks alive.
/// Without autocast the fp32 copy is the saved tensor itself, already counted.
fn recompute_cast_transient(run: &Run, layer: &Layer) -> Result<u64, EstimateError> {
    let Ffn::Dense { intermediate, .. } = layer.ffn else {
        return Ok(0);
    };
    if !run.amp
        || run.a != 4
        || !layer
            .modules
            .iter()
            .any(|m| is_mlp_out(m) && run.adapted(m))
    {
        return Ok(0);
    }
    let h = run.arch.hidden_size;
    add(
        mul(add(4, run.c)?, intermediate)?,
        mul(add(run.c, mul(2, run.r)?)?, h)?,
    )
}

/// Extra bytes per token that one layer's backward holds on top of its saved tensors, as (MLP, attention): the
/// gradients of its intermediate activations — the MLP's `grad(prod)`, `grad(act)`, `grad(up)`; eager
/// attention's gradient of the probabilities (bf16), its fp32 cast and the softmax backward's fp32 output; math
/// SDPA's fp32 gradient of the probabilities, the gradient through `_safe_softmax`'s `where` and
/// `_softmax_backward_data`'s output (both `c + 8` bytes per score); the SDPA kernels' q/k/v gradients.
fn backward_transients(run: &Run, layer: &Layer, seq: u64) -> Result<(u64, u64), EstimateError> {
    let c = run.c;
    let mlp = match layer.ffn {
        // Liger's SwiGLU backward writes both input gradients over its saved inputs: only the product's
        // gradient is new.
        Ffn::Dense {
            intermediate,
            gated: true,
        } if run.liger => mul(c, intermediate)?,
        Ffn::Dense { intermediate, .. } => mul(mul(3, c)?, intermediate)?,
        Ffn::Moe {
            top_k,
            expert_intermediate,
            shared_intermediate,
            ..
        } => add(
            mul(mul(mul(3, c)?, expert_intermediate)?, top_k)?,
            mul(mul(3, c)?, shared_intermediate)?,
        )?,
        Ffn::None => 0,
    };
    let attn = match attn_dims(&layer.mixer) {
        // With sinks (`modeling_gpt_oss.py::eager_attention_forward`): the slice's backward pads the gradient of
        // the probabilities to full width, the softmax backward writes its own output, and the un-detached max
        // shift (`combined_logits.max(...).values`) scatters a second full-width gradient that is summed with
        // it: three score-sized tensors in the scores' dtype at once.
        Some((_, _, heads, _)) if run.eager && has_sinks(layer) => {
            mul(mul(heads, seq)?, mul(3, run.ac)?)?
        }
        Some((_, _, heads, _)) if run.eager || math_sdpa(run, &layer.mixer) => {
            mul(mul(heads, seq)?, run.ac + 8)?
        }
        Some((q, _, _, _)) => mul(mul(3, run.ac)?, q)?,
        None => 0,
    };
    Ok((mlp, attn))
}

/// Bytes per token saved by the final norm and the output head's input. With TRL's fused head the head's input
/// is saved as the fused function's own copy and with Liger's fused cross-entropy not at all (both counted in
/// `logits.rs`).
pub(crate) fn final_norm_saved(run: &Run) -> Result<u64, EstimateError> {
    let h = run.arch.hidden_size;
    let mut t = if run.liger {
        mul(run.r, h)?
    } else {
        mul(4, h)?
    };
    if run.train_base {
        if !run.liger {
            t = add(t, mul(run.r, h)?)?;
        }
        if matches!(run.loss, LossPath::Logits { .. }) {
            t = add(t, mul(if run.autocast { 2 } else { run.r }, h)?)?;
        }
    }
    Ok(t)
}

/// Bytes per token of one layer's transient tensors during an inference forward (no autograd): the MLP's act
/// output, up output and product (gated), or the eager score matrices (`matmul`, mask add, fp32 softmax and its
/// cast; with attention sinks the concatenated, max-shifted copies), plus the hidden states and residual.
/// `kv_len` is the number of keys each query attends over in the materialised score matrix.
pub(crate) fn layer_inference_transient(
    run: &Run,
    layer: &Layer,
    kv_len: u64,
) -> Result<u64, EstimateError> {
    let c = run.c;
    let h = run.arch.hidden_size;
    let mlp = match layer.ffn {
        Ffn::Dense {
            intermediate,
            gated,
        } => mul(mul(if gated { 3 } else { 2 }, c)?, intermediate)?,
        Ffn::Moe {
            top_k,
            expert_intermediate,
            shared_intermediate,
            experts,
            ..
        } => add(
            add(
                mul(
                    top_k,
                    add(mul(c, h)?, mul(mul(3, c)?, expert_intermediate)?)?,
                )?,
                mul(4, experts)?,
            )?,
            mul(mul(3, c)?, shared_intermediate)?,
        )?,
        Ffn::None => 0,
    };
    let sinks = layer.modules.iter().any(|m| m.name == "sinks");
    let attn = match attn_dims(&layer.mixer) {
        Some((q, _, heads, v)) if run.eager || math_sdpa(run, &layer.mixer) => {
            let per = if sinks { 3 * c } else { 2 * c + 4 };
            add(mul(mul(heads, kv_len)?, per)?, mul(c, add(mul(q, 3)?, v)?)?)?
        }
        Some((q, kv, _, v)) => mul(c, add(add(mul(q, 2)?, kv)?, v)?)?,
        None => match layer.mixer {
            Mixer::LinearAttention { inner_width, .. } | Mixer::Mamba { inner_width, .. } => {
                mul(mul(4, c)?, inner_width)?
            }
            _ => 0,
        },
    };
    add(mlp.max(attn), mul(mul(2, c)?, h)?)
}
