//! "What fits" (issue 7 §3): for a chosen GPU (one of the list, or a custom size in GiB) the largest micro-batch,
//! the longest sequence and the largest LoRA rank that fit with every other setting fixed, and for training the
//! fewest GPUs of that kind per sharding strategy — all from [`ftmem_core::fit::fit_report`].
//!
//! The report runs about 150 estimates, so it is computed only while the panel (a `<details>`) is open, in a
//! `Memo` of the model, the settings and the GPU.

use crate::arch_panel::Loaded;
use crate::breakdown::shard_label;
use crate::fits::{GpuChoice, Unit};
use crate::format::thousands;
use crate::i18n::{tr, use_lang, Lang, T};
use ftmem_core::fit::{fit_report, FitReport};
use ftmem_core::gpus::GPUS;
use ftmem_core::settings::{Mode, Offload};
use ftmem_core::{EstimateError, Settings};
use leptos::prelude::*;

/// `Some(n)` as a number with separators, `None` as "nothing fits" in `lang`.
pub fn count_text(v: Option<u64>, lang: Lang) -> String {
    match v {
        Some(n) => thousands(n),
        None => T::new("none fits", "들어가는 값 없음").get(lang).to_string(),
    }
}

/// The report as markup (static text with no handlers: far smaller in wasm than a view tree; every text goes
/// through [`crate::chart::escape`]).
pub fn results_html(rep: &FitReport, mode: Mode, l: Lang) -> String {
    use crate::chart::escape;
    use std::fmt::Write;
    let mut out = String::with_capacity(1500);
    let (cls, now) = if rep.fits {
        (
            "yes",
            T::new("The settings as they are fit.", "지금 설정으로 메모리에 들어갑니다."),
        )
    } else {
        (
            "no",
            T::new(
                "The settings as they are do not fit.",
                "지금 설정으로는 메모리가 부족합니다.",
            ),
        )
    };
    let _ = write!(
        out,
        r#"<p class="fit-now {cls}">{}</p><ul class="fit-list">"#,
        escape(now.get(l))
    );
    let seq_label = if mode == Mode::Inference {
        T::new("Longest prompt: ", "최대 프롬프트 길이: ")
    } else {
        T::new("Longest sequence: ", "최대 시퀀스 길이: ")
    };
    let mut items = vec![
        (
            "fit-batch",
            T::new("Largest micro-batch: ", "최대 마이크로배치: "),
            rep.largest_batch,
            T::new(" sequences", " 시퀀스"),
        ),
        (
            "fit-seq",
            seq_label,
            rep.longest_seq,
            T::new(" tokens", " 토큰"),
        ),
    ];
    if mode.has_adapters() {
        items.push((
            "fit-rank",
            T::new("Largest LoRA rank: ", "최대 LoRA 랭크: "),
            rep.largest_rank,
            T::new("", ""),
        ));
    }
    for (id, label, v, unit) in items {
        let _ = write!(
            out,
            r#"<li>{}<strong id="{id}" data-value="{}">{}</strong>{}</li>"#,
            escape(label.get(l)),
            v.map(|n| n.to_string()).unwrap_or_default(),
            escape(&count_text(v, l)),
            if v.is_some() {
                escape(unit.get(l))
            } else {
                String::new()
            },
        );
    }
    let _ = write!(
        out,
        r#"</ul><p class="muted small">{}</p>"#,
        escape(
            T::new(
                "Each is the exact boundary with every other setting as it is.",
                "각 값은 다른 설정을 그대로 두었을 때의 정확한 한계값입니다."
            )
            .get(l)
        )
    );
    if !rep.fewest_gpus.is_empty() {
        let _ = write!(
            out,
            r#"<h3>{}</h3><table id="fit-gpus" class="fit-gpus"><thead><tr><th scope="col">{}</th><th scope="col" class="num">{}</th></tr></thead><tbody>"#,
            escape(T::new("Fewest GPUs of this kind", "이 GPU 기준 최소 GPU 수").get(l)),
            escape(T::new("Sharding", "샤딩").get(l)),
            escape(T::new("GPUs", "GPU 수").get(l)),
        );
        for g in &rep.fewest_gpus {
            let off = match g.offload {
                Offload::None => "",
                Offload::Optimizer => {
                    T::new(" + optimizer offload", " + 옵티마이저 오프로드").get(l)
                }
                Offload::Params => T::new(" + parameter offload", " + 파라미터 오프로드").get(l),
            };
            let n = match g.gpus {
                Some(n) => thousands(n),
                None => T::new("none up to 1,024", "1,024개로도 부족")
                    .get(l)
                    .to_string(),
            };
            let _ = write!(
                out,
                r#"<tr data-shard="{}"><th scope="row">{}{}</th><td class="num gpus" data-gpus="{}">{}</td></tr>"#,
                g.shard.as_str(),
                shard_label(g.shard),
                escape(off),
                g.gpus.map(|n| n.to_string()).unwrap_or_default(),
                escape(&n)
            );
        }
        let _ = write!(
            out,
            r#"</tbody></table><p class="muted small">{}</p>"#,
            escape(T::new(
                "Micro-batch per GPU as set; DDP replicates everything, so it fits on one GPU or on none.",
                "GPU당 마이크로배치는 설정값 그대로입니다. DDP는 모든 것을 GPU마다 복제하므로 GPU 한 개에 들어가지 않으면 몇 개를 써도 들어가지 않습니다.",
            ).get(l))
        );
    }
    out
}

/// The what-fits panel. `choice` is the chosen GPU (`None`: [`crate::fits::DEFAULT_GPU`]); choosing here writes
/// it (it is also the chart's capacity mark).
///
/// Ids: `#fit-panel` (`<details>`), `#fit-gpu` (select: GPU ids and `custom`), `#fit-custom-gib` (number, GiB,
/// only for `custom`), `#fit-custom-error`, `#fit-batch`, `#fit-seq`, `#fit-rank` (LoRA/QLoRA), `#fit-gpus`
/// (training: rows `tr[data-shard]`, cell `td.gpus[data-gpus]`, empty `data-gpus` when none fits),
/// `#fit-error`. Each figure has `data-value` (the number, empty when nothing fits).
#[component]
pub fn FitPanel(
    loaded: RwSignal<Option<Loaded>>,
    settings: RwSignal<Settings>,
    choice: RwSignal<Option<GpuChoice>>,
    #[prop(into)] unit: Signal<Unit>,
) -> impl IntoView {
    let lang = use_lang();
    let open = RwSignal::new(false);
    let effective = Memo::new(move |_| choice.get().unwrap_or_else(GpuChoice::default_choice));
    let select_value = move || match effective.get() {
        GpuChoice::Listed(g) => g.id.to_string(),
        GpuChoice::Custom(_) => "custom".to_string(),
    };
    let custom_text = RwSignal::new(match choice.get_untracked() {
        Some(GpuChoice::Custom(g)) => crate::fits::trim_number(g),
        _ => "24".to_string(),
    });
    let custom_err = RwSignal::new(false);

    let report = Memo::new(move |_| -> Option<Result<FitReport, EstimateError>> {
        if !open.get() {
            return None;
        }
        let cap = effective.get().capacity();
        loaded.with(|l| {
            l.as_ref()
                .map(|l| settings.with(|s| fit_report(&l.arch, s, cap)))
        })
    });

    let on_gpu = move |ev: leptos::ev::Event| {
        let v = event_target_value(&ev);
        if v == "custom" {
            match crate::fits::GpuChoice::parse(&custom_text.get_untracked()) {
                Some(c @ GpuChoice::Custom(_)) => choice.set(Some(c)),
                _ => choice.set(GpuChoice::custom(24.0)),
            }
        } else if let Some(g) = ftmem_core::gpus::by_id(&v) {
            choice.set(Some(GpuChoice::Listed(g)));
        }
    };
    let on_custom = move |ev: leptos::ev::Event| {
        let v = event_target_value(&ev);
        custom_text.set(v.clone());
        match v.trim().parse::<f64>().ok().and_then(GpuChoice::custom) {
            Some(c) => {
                custom_err.set(false);
                choice.set(Some(c));
            }
            None => custom_err.set(true),
        }
    };

    view! {
        <details class="card fit-panel" id="fit-panel" prop:open=move || open.get()
            on:toggle=move |ev| {
                use wasm_bindgen::JsCast;
                if let Some(d) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlDetailsElement>().ok()) {
                    open.set(d.open());
                }
            }>
            <summary><h2 class="inline">{tr(T::new("What fits on one GPU", "GPU 한 개에 들어가는 최대치"))}</h2></summary>
            <div class="grid fit-inputs">
                <div class="field">
                    <label for="fit-gpu">{tr(T::new("GPU", "GPU"))}</label>
                    <select id="fit-gpu" on:change=on_gpu>
                        {GPUS.iter().map(|g| view! {
                            <option value=g.id prop:selected=move || select_value() == g.id>{move || crate::fits::gpu_label(g, lang.get())}</option>
                        }).collect_view()}
                        <option value="custom" prop:selected=move || select_value() == "custom">
                            {tr(T::new("Custom size (GiB)…", "사용자 지정 크기 (GiB)…"))}
                        </option>
                    </select>
                </div>
                <Show when=move || select_value() == "custom">
                    <div class="field">
                        <label for="fit-custom-gib">{tr(T::new("Memory per GPU, GiB", "GPU당 메모리 (GiB)"))}</label>
                        <input id="fit-custom-gib" type="number" min="0.5" step="0.5" inputmode="decimal"
                            prop:value=move || custom_text.get()
                            aria-invalid=move || if custom_err.get() { "true" } else { "false" }
                            aria-describedby="fit-custom-error"
                            on:input=on_custom />
                        <span class="field-error" id="fit-custom-error" role="alert">
                            {move || custom_err.get().then(|| T::new(
                                "Give a size in GiB above 0 (e.g. 24).", "0보다 큰 GiB 크기를 입력하세요 (예: 24).",
                            ).get(lang.get()))}
                        </span>
                    </div>
                </Show>
            </div>
            <p class="muted small">{move || {
                let c = effective.get();
                let cap = c.capacity();
                format!("{}: {} ({})", c.label(lang.get()), unit.get().format(cap),
                    T::new("usable memory of one GPU", "GPU 한 개의 사용 가능 메모리").get(lang.get()))
            }}</p>
            {move || report.with(|r| match r {
                None => {
                    let has_model = loaded.with(|l| l.is_some());
                    (!has_model).then(|| view! {
                        <p class="muted">{tr(T::new("Load a model first.", "먼저 모델을 불러오세요."))}</p>
                    }).into_any()
                }
                Some(Err(e)) => view! {
                    <p class="error-inline" id="fit-error" role="alert">{format!("{} {e}.", T::new("No answer:", "계산 불가:").get(lang.get()))}</p>
                }.into_any(),
                Some(Ok(rep)) => {
                    let mode = settings.with_untracked(|s| s.mode);
                    view! { <div class="fit-results" inner_html=results_html(rep, mode, lang.get())></div> }.into_any()
                }
            })}
        </details>
    }
}
