//! The architecture panel: what the loaded `config.json` says about the model's shapes, and its exact parameter
//! counts (total, active per token, by component), all taken from the core.

use crate::format::{component_label, params_long, short_count, thousands};
use ftmem_core::arch::Quantization;
use ftmem_core::params::ParamCounts;
use ftmem_core::Architecture;
use leptos::prelude::*;

/// A model the page has loaded: its architecture, its parameter counts and where the config came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    /// The architecture parsed by [`ftmem_core::parse_config`].
    pub arch: Architecture,
    /// [`ftmem_core::params::count`] of `arch`.
    pub counts: ParamCounts,
    /// Where the config came from, for the status line (`openai/gpt-oss-20b @ main`, `pasted config.json`).
    pub source: String,
}

impl Loaded {
    /// Parse `text` and count its parameters. `source` describes its origin in messages.
    ///
    /// Errors: the core's [`ftmem_core::ConfigError`] as an [`crate::error::AppError`] (not JSON, or naming the
    /// field that is missing or unusable).
    pub fn from_text(text: &str, source: &str) -> Result<Loaded, crate::error::AppError> {
        let arch = ftmem_core::parse_config(text)
            .map_err(|e| crate::error::AppError::from_config(&e, source))?;
        let counts = ftmem_core::params::count(&arch);
        Ok(Loaded {
            arch,
            counts,
            source: source.to_string(),
        })
    }
}

fn quantization_label(q: &Quantization) -> String {
    match q {
        Quantization::Mxfp4 { .. } => "MXFP4 (4-bit, block scales)".into(),
        Quantization::Fp8 { .. } => "FP8".into(),
        Quantization::Bitsandbytes { bits, .. } => format!("bitsandbytes {bits}-bit"),
        Quantization::IntGroup { name, bits, .. } => format!("{name} {bits}-bit"),
        Quantization::Unknown { name } => format!("{name} (not modelled)"),
    }
}

/// One row of the facts table: label, value, the stable id of the value cell.
fn fact(label: &'static str, id: &'static str, value: String) -> impl IntoView {
    view! {
        <tr>
            <th scope="row">{label}</th>
            <td id=id class="num">{value}</td>
        </tr>
    }
}

/// The architecture panel for `loaded` (placeholder text while nothing is loaded).
///
/// Ids: `#arch-model-type`, `#arch-hidden-size`, `#arch-layers`, `#arch-heads`, `#arch-kv-heads`,
/// `#arch-head-dim`, `#arch-intermediate`, `#arch-experts` (MoE only), `#arch-vocab`, `#arch-context`, `#arch-tied`,
/// `#params-total`, `#params-active`. Architecture values are the config's plain integers (no separators);
/// parameter counts have thousands separators.
#[component]
pub fn ArchPanel(#[prop(into)] loaded: Signal<Option<Loaded>>) -> impl IntoView {
    view! {
        <section class="card arch" aria-labelledby="arch-h">
            <h2 id="arch-h">"Architecture"</h2>
            {move || loaded.with(|l| match l {
                None => view! { <p class="muted" id="arch-empty">"Load a model to see its architecture."</p> }.into_any(),
                Some(l) => arch_view(l).into_any(),
            })}
        </section>
    }
}

fn arch_view(l: &Loaded) -> impl IntoView {
    let a = &l.arch;
    let c = &l.counts;
    let moe = a.num_experts.is_some();
    let experts = a.num_experts.map(|n| match a.experts_per_token {
        Some(k) => format!("{n} total, {k} per token"),
        None => format!("{n} total"),
    });
    let context = a
        .max_position_embeddings
        .map(|n| n.to_string())
        .unwrap_or_else(|| "not given".into());
    let dtype = a.dtype.clone().unwrap_or_else(|| "not given".into());
    let quant = a.quantization.as_ref().map(quantization_label);
    let sliding = a.sliding_window;
    let active_text = if moe {
        format!(
            "{} per token ({})",
            thousands(c.active.0),
            short_count(c.active.0)
        )
    } else {
        format!("{} (dense: every parameter)", thousands(c.active.0))
    };
    let rows = c
        .components
        .iter()
        .map(|cp| {
            let name = component_label(cp.component.name());
            let total = thousands(cp.total.0);
            let active = thousands(cp.active.0);
            view! {
                <tr data-component=cp.component.name()>
                    <th scope="row">{name}</th>
                    <td class="num">{total}</td>
                    {moe.then(|| view! { <td class="num">{active}</td> })}
                </tr>
            }
        })
        .collect_view();
    view! {
        {a.approximate.then(|| view! {
            <p class="badge approx" id="arch-approximate">
                "approximate: the "{a.model_type.clone()}" family is not one ftmem knows exactly; counts follow a generic decoder"
            </p>
        })}
        <table class="facts">
            <tbody>
                {fact("Model type", "arch-model-type", a.model_type.clone())}
                {fact("Hidden size", "arch-hidden-size", a.hidden_size.to_string())}
                {fact("Layers", "arch-layers", a.num_hidden_layers.to_string())}
                {fact("Attention heads", "arch-heads", a.num_attention_heads.to_string())}
                {fact("KV heads", "arch-kv-heads", a.num_key_value_heads.to_string())}
                {fact("Head dim", "arch-head-dim", a.head_dim.to_string())}
                {fact("Intermediate size", "arch-intermediate", a.intermediate_size.to_string())}
                {experts.map(|e| fact("Experts", "arch-experts", e))}
                {fact("Vocabulary", "arch-vocab", a.vocab_size.to_string())}
                {fact("Maximum context", "arch-context", context)}
                {fact("Tied embeddings", "arch-tied", if a.tie_word_embeddings { "yes" } else { "no" }.to_string())}
                {sliding.map(|w| fact("Sliding window", "arch-sliding-window", w.to_string()))}
                {fact("Checkpoint dtype", "arch-dtype", dtype)}
                {quant.map(|q| fact("Quantization", "arch-quantization", q))}
            </tbody>
        </table>
        <h3>"Parameters"</h3>
        <p class="params-line">
            <span class="label">"Total: "</span>
            <strong id="params-total" data-params=c.total.0.to_string()>{params_long(c.total)}</strong>
            {c.approximate.then(|| view! { <span class="badge approx">"approximate"</span> })}
        </p>
        <p class="params-line">
            <span class="label">"Active: "</span>
            <span id="params-active" data-params=c.active.0.to_string()>{active_text}</span>
        </p>
        <div class="table-scroll">
        <table class="components">
            <caption class="sr-only">"Parameters by component"</caption>
            <thead>
                <tr>
                    <th scope="col">"Component"</th>
                    <th scope="col" class="num">"Parameters"</th>
                    {moe.then(|| view! { <th scope="col" class="num">"Active per token"</th> })}
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        </div>
    }
}
