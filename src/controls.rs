//! The estimate's controls. Each control speaks its query key and value (`batch` = `"4"`), validated by the
//! core's query parser ([`crate::url_state::apply_key`]), so a control accepts exactly what a link accepts.
//! Every accepted change updates the settings signal at once; a rejected value leaves the settings alone and
//! shows why beside the control.

use crate::url_state::apply_key;
use ftmem_core::settings::{Mode, Precision, Targets};
use ftmem_core::Settings;
use leptos::prelude::*;

/// Apply `key` = `value` to the settings signal; notifies only when something changed.
/// Errors: the core's message for an unusable value (settings unchanged).
pub fn set_key(settings: RwSignal<Settings>, key: &str, value: &str) -> Result<(), String> {
    let mut s = settings.get_untracked();
    apply_key(&mut s, key, value).map_err(|e| e.message)?;
    if settings.with_untracked(|cur| *cur != s) {
        settings.set(s);
    }
    Ok(())
}

/// Human label of a mode.
pub fn mode_label(m: Mode) -> &'static str {
    match m {
        Mode::Inference => "Inference",
        Mode::Full => "Full fine-tuning",
        Mode::Lora => "LoRA",
        Mode::Qlora => "QLoRA",
    }
}

/// Human label of a precision.
pub fn precision_label(p: Precision) -> &'static str {
    match p {
        Precision::Stored => "as stored (checkpoint's format)",
        Precision::Fp32 => "fp32",
        Precision::Bf16 => "bf16",
        Precision::Fp16 => "fp16",
        Precision::Fp8 => "fp8",
        Precision::Int8 => "int8 (LLM.int8)",
        Precision::Int4 => "int4 (bitsandbytes)",
        Precision::Mixed => "mixed (fp32 weights, bf16 autocast)",
        Precision::Nf4 => "NF4",
        Precision::Fp4 => "FP4",
    }
}

const MODES: [Mode; 4] = [Mode::Inference, Mode::Full, Mode::Lora, Mode::Qlora];

/// A numeric field bound to one query key.
#[component]
fn NumberField(
    settings: RwSignal<Settings>,
    /// DOM id.
    id: &'static str,
    /// Query key (`batch`, `seq`, `new`, `rank`, `dropout`).
    key: &'static str,
    /// Visible label.
    label: &'static str,
    /// Current value as query text.
    #[prop(into)]
    value: Signal<String>,
    #[prop(default = "1")] step: &'static str,
    #[prop(default = "0")] min: &'static str,
    #[prop(optional)] hint: &'static str,
) -> impl IntoView {
    let invalid = RwSignal::new(None::<String>);
    let err_id = format!("{id}-error");
    let err_id2 = err_id.clone();
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input
                id=id
                type="number"
                inputmode=if step == "1" { "numeric" } else { "decimal" }
                min=min
                step=step
                prop:value=value
                aria-invalid=move || if invalid.with(|i| i.is_some()) { "true" } else { "false" }
                aria-describedby=err_id.clone()
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    invalid.set(set_key(settings, key, &v).err());
                }
                on:change=move |_| {
                    // On leaving the field, show the value in force again.
                    if invalid.with_untracked(|i| i.is_some()) {
                        invalid.set(None);
                        settings.notify();
                    }
                }
            />
            <span class="hint">{hint}</span>
            <span class="field-error" id=err_id2 role="alert">{move || invalid.get()}</span>
        </div>
    }
}

/// All controls of the estimate. `has_quantization` says whether the loaded checkpoint has a
/// `quantization_config` (it decides the default inference precision).
///
/// Ids: `#mode`, `#precision`, `#batch`, `#seq`, `#new-tokens` (inference), `#rank`, `#targets`,
/// `#targets-custom` (custom list), `#dropout` (LoRA/QLoRA), `#dq` (QLoRA), `#gc`, `#optim` (training), `#attn`.
#[component]
pub fn Controls(
    settings: RwSignal<Settings>,
    #[prop(into)] has_quantization: Signal<bool>,
) -> impl IntoView {
    let mode = Memo::new(move |_| settings.with(|s| s.mode));
    let precision =
        Memo::new(move |_| settings.with(|s| s.effective_precision(has_quantization.get())));
    let trains = move || mode.get().trains();
    let adapters = move || mode.get().has_adapters();

    let on_precision = move |ev: leptos::ev::Event| {
        let v = event_target_value(&ev);
        let Some(p) = Precision::parse(&v) else {
            return;
        };
        // Choosing the mode's default stores no explicit precision, so that the link stays short.
        let default = settings
            .with_untracked(|s| Settings {
                precision: None,
                ..s.clone()
            })
            .effective_precision(has_quantization.get_untracked());
        if p == default {
            settings.update(|s| s.precision = None);
        } else {
            let _ = set_key(settings, "precision", p.as_str());
        }
    };

    // Targets: a preset, or a custom comma list typed in `#targets-custom`.
    let custom =
        RwSignal::new(settings.with_untracked(|s| matches!(s.targets, Targets::Modules(_))));
    let custom_text = RwSignal::new(settings.with_untracked(|s| match &s.targets {
        Targets::Modules(m) => m.join(","),
        _ => "q_proj,k_proj,v_proj,o_proj".to_string(),
    }));
    let custom_err = RwSignal::new(None::<String>);
    let targets_value = move || {
        if custom.get() {
            "custom".to_string()
        } else {
            settings.with(|s| s.targets.to_query_value())
        }
    };
    let on_targets = move |ev: leptos::ev::Event| {
        let v = event_target_value(&ev);
        if v == "custom" {
            custom.set(true);
            custom_err.set(set_key(settings, "targets", &custom_text.get_untracked()).err());
        } else {
            custom.set(false);
            custom_err.set(None);
            let _ = set_key(settings, "targets", &v);
        }
    };

    view! {
        <section class="card controls" aria-labelledby="controls-h">
            <h2 id="controls-h">"Run"</h2>
            <div class="grid">
                <div class="field">
                    <label for="mode">"Mode"</label>
                    <select id="mode" on:change=move |ev| { let _ = set_key(settings, "mode", &event_target_value(&ev)); }>
                        {MODES.iter().map(|&m| view! {
                            <option value=m.as_str() prop:selected=move || mode.get() == m>{mode_label(m)}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="precision">"Precision"</label>
                    <select id="precision" on:change=on_precision>
                        {move || mode.get().precisions().iter().map(|&p| view! {
                            <option value=p.as_str() prop:selected=move || precision.get() == p>{precision_label(p)}</option>
                        }).collect_view()}
                    </select>
                </div>
                <NumberField settings id="batch" key="batch" label="Micro-batch size" min="1"
                    value=Signal::derive(move || settings.with(|s| s.batch.to_string()))
                    hint="sequences per step" />
                <NumberField settings id="seq" key="seq" label="Sequence length" min="1"
                    value=Signal::derive(move || settings.with(|s| s.seq.to_string()))
                    hint="tokens (the prompt, for inference)" />
                <Show when=move || mode.get() == Mode::Inference>
                    <NumberField settings id="new-tokens" key="new" label="Generated tokens"
                        value=Signal::derive(move || settings.with(|s| s.new_tokens.to_string()))
                        hint="tokens generated after the prompt" />
                </Show>
                <Show when=adapters>
                    <NumberField settings id="rank" key="rank" label="LoRA rank" min="1"
                        value=Signal::derive(move || settings.with(|s| s.rank.to_string()))
                        hint="r" />
                    <div class="field">
                        <label for="targets">"LoRA targets"</label>
                        <select id="targets" on:change=on_targets>
                            <option value="all-linear" prop:selected=move || targets_value() == "all-linear">"all-linear"</option>
                            <option value="attn" prop:selected=move || targets_value() == "attn">"attention (q, k, v, o)"</option>
                            <option value="qv" prop:selected=move || targets_value() == "qv">"q_proj, v_proj"</option>
                            <option value="custom" prop:selected=move || targets_value() == "custom">"custom list…"</option>
                        </select>
                        <Show when=move || custom.get()>
                            <label for="targets-custom" class="sub">"Module names, comma-separated"</label>
                            <input id="targets-custom" type="text" spellcheck="false" autocomplete="off"
                                prop:value=move || custom_text.get()
                                aria-invalid=move || if custom_err.with(|e| e.is_some()) { "true" } else { "false" }
                                on:input=move |ev| {
                                    let v = event_target_value(&ev);
                                    custom_text.set(v.clone());
                                    custom_err.set(set_key(settings, "targets", &v).err());
                                } />
                            <span class="field-error" role="alert">{move || custom_err.get()}</span>
                        </Show>
                    </div>
                    <NumberField settings id="dropout" key="dropout" label="LoRA dropout" step="0.05"
                        value=Signal::derive(move || settings.with(|s| s.dropout.to_string()))
                        hint="probability, 0 to < 1" />
                </Show>
                <Show when=move || mode.get() == Mode::Qlora>
                    <div class="field check">
                        <input id="dq" type="checkbox" prop:checked=move || settings.with(|s| s.double_quant)
                            on:change=move |ev| { let _ = set_key(settings, "dq", if event_target_checked(&ev) { "1" } else { "0" }); } />
                        <label for="dq">"Double quantization"</label>
                    </div>
                </Show>
                <Show when=trains>
                    <div class="field">
                        <label for="optim">"Optimizer"</label>
                        <select id="optim" on:change=move |ev| { let _ = set_key(settings, "optim", &event_target_value(&ev)); }>
                            {[("adamw", "AdamW"), ("adamw8bit", "AdamW 8-bit (bitsandbytes)"), ("sgd", "SGD"), ("sgdm", "SGD with momentum")]
                                .into_iter().map(|(v, l)| view! {
                                    <option value=v prop:selected=move || settings.with(|s| s.optim.as_str() == v)>{l}</option>
                                }).collect_view()}
                        </select>
                    </div>
                    <div class="field check">
                        <input id="gc" type="checkbox" prop:checked=move || settings.with(|s| s.gc)
                            on:change=move |ev| { let _ = set_key(settings, "gc", if event_target_checked(&ev) { "1" } else { "0" }); } />
                        <label for="gc">"Gradient checkpointing"</label>
                    </div>
                </Show>
                <div class="field">
                    <label for="attn">"Attention implementation"</label>
                    <select id="attn" on:change=move |ev| { let _ = set_key(settings, "attn", &event_target_value(&ev)); }>
                        {[("auto", "auto (transformers' choice)"), ("sdpa", "SDPA"), ("eager", "eager")]
                            .into_iter().map(|(v, l)| view! {
                                <option value=v prop:selected=move || settings.with(|s| s.attn.as_str() == v)>{l}</option>
                            }).collect_view()}
                    </select>
                </div>
            </div>
        </section>
    }
}
