//! Compare (issue 12 §3): column B is the current setup (A) with one setting changed, shown beside it with the
//! difference per component — "LoRA or QLoRA?", "TRL or plain Trainer?". The estimates and the rows come from
//! [`ftmem_core::compare`]; B lives in the link as the UI-only key `vs=KEY:VALUE` (e.g. `vs=stack:trainer`).
//!
//! Ids: `#compare` (section), `#compare-key` (select: `none` or a key of [`ftmem_core::compare::COMPARE_KEYS`]),
//! `#compare-value` (B's value), `#compare-error`, `#compare-table` (rows `tr[data-item]` with `data-a`,
//! `data-b`, `data-diff` in bytes; the last row is `total`).

use crate::arch_panel::Loaded;
use crate::fits::Unit;
use crate::i18n::{tr, use_lang, T};
use ftmem_core::compare::COMPARE_KEYS;
use ftmem_core::settings::{Mode, Optim, Stack};
use ftmem_core::{Bytes, Settings};
use leptos::prelude::*;

/// The link key of setup B.
pub const COMPARE_KEY: &str = "vs";

/// The `vs` value of a comparison: `key:value`.
pub fn query_value(c: &(String, String)) -> String {
    format!("{}:{}", c.0, c.1)
}

/// The comparison a link asks for (the last `vs` pair whose key is one B may change), else `None`.
pub fn from_pairs(pairs: &[(String, String)]) -> Option<(String, String)> {
    let (_, v) = pairs.iter().rev().find(|(k, _)| k == COMPARE_KEY)?;
    let (k, val) = v.split_once(':')?;
    COMPARE_KEYS
        .contains(&k)
        .then(|| (k.to_string(), val.to_string()))
}

/// A first value for B when the key is chosen: the usual alternative to A's.
pub fn suggested(a: &Settings, key: &str) -> String {
    let twice = |n: u64| n.saturating_mul(2).to_string();
    match key {
        "stack" => if a.stack == Stack::Trl { "trainer" } else { "trl" }.into(),
        "mode" => match a.mode {
            Mode::Lora => "qlora",
            Mode::Qlora | Mode::Full | Mode::Inference => "lora",
            Mode::Serve => "inference",
        }
        .into(),
        "precision" => {
            let cur = a.effective_precision(false);
            a.mode
                .precisions()
                .iter()
                .find(|p| **p != cur)
                .map(|p| p.as_str().to_string())
                .unwrap_or_default()
        }
        "batch" => twice(a.batch),
        "seq" => twice(a.seq),
        "rank" => twice(a.rank),
        "gpus" => twice(a.gpus),
        "ga" => if a.grad_accum == 1 { "8".into() } else { "1".into() },
        "gc" => if a.gc { "0" } else { "1" }.into(),
        "optim" => if a.optim == Optim::Adamw { "adamw8bit" } else { "adamw" }.into(),
        _ => String::new(),
    }
}

/// The values B may take for a key with fixed choices (offered in `#compare-values`); empty for a number.
pub fn choices(a: &Settings, key: &str) -> Vec<&'static str> {
    match key {
        "stack" => Stack::ALL.iter().map(|s| s.as_str()).collect(),
        "mode" => vec!["inference", "full", "lora", "qlora"],
        "precision" => a.mode.precisions().iter().map(|p| p.as_str()).collect(),
        "gc" => vec!["0", "1"],
        "optim" => vec!["adamw", "adamw8bit", "sgd", "sgdm"],
        _ => Vec::new(),
    }
}

fn key_label(key: &str) -> T {
    match key {
        "stack" => T::new("training stack", "학습 스택"),
        "mode" => T::new("mode", "모드"),
        "precision" => T::new("precision", "정밀도"),
        "batch" => T::new("micro-batch size", "마이크로배치 크기"),
        "seq" => T::new("sequence length", "시퀀스 길이"),
        "rank" => T::new("LoRA rank", "LoRA 랭크"),
        "gpus" => T::new("GPUs", "GPU 수"),
        "ga" => T::new("gradient accumulation", "그래디언트 누적"),
        "gc" => T::new("gradient checkpointing (0/1)", "그래디언트 체크포인팅 (0/1)"),
        "optim" => T::new("optimizer", "옵티마이저"),
        _ => T::new("", ""),
    }
}

fn signed(u: Unit, d: i128) -> String {
    let mag = Bytes(d.unsigned_abs().min(u64::MAX as u128) as u64);
    let text = u.format(mag);
    // No sign on a difference that shows as zero ("−0.00 GiB" reads as a contradiction).
    if text.starts_with("0.00") {
        return text;
    }
    match d.signum() {
        1 => format!("+{text}"),
        -1 => format!("−{text}"),
        _ => text,
    }
}

/// The table's rows as markup (static text with no handlers, as the breakdown's: far smaller in wasm than a
/// view tree; every text goes through [`crate::chart::escape`]).
fn rows_html(rows: &[ftmem_core::compare::Row], u: Unit, l: crate::i18n::Lang) -> String {
    use crate::chart::escape;
    use std::fmt::Write;
    let mut out = String::with_capacity(rows.len() * 160);
    for r in rows {
        let label = if r.name == "total" {
            T::new("Total", "합계").get(l).to_string()
        } else {
            crate::breakdown::component_text(r.name)
                .map(|(t, _)| t.get(l).to_string())
                .unwrap_or_else(|| crate::format::item_label(r.name))
        };
        let _ = write!(
            out,
            r#"<tr data-item="{}" data-a="{}" data-b="{}" data-diff="{}"{}><th scope="row">{}</th><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td></tr>"#,
            escape(r.name),
            r.a.0,
            r.b.0,
            r.diff,
            if r.name == "total" { r#" class="total""# } else { "" },
            escape(&label),
            escape(&u.format(r.a)),
            escape(&u.format(r.b)),
            escape(&signed(u, r.diff)),
        );
    }
    out
}

/// The comparison card.
#[component]
pub fn ComparePanel(
    /// The page's estimate of A (not made again here).
    #[prop(into)]
    estimate: Signal<Option<Result<ftmem_core::Estimate, ftmem_core::EstimateError>>>,
    loaded: RwSignal<Option<Loaded>>,
    settings: RwSignal<Settings>,
    compare: RwSignal<Option<(String, String)>>,
    unit: RwSignal<Unit>,
) -> impl IntoView {
    let lang = use_lang();
    let result = Memo::new(move |_| {
        let (k, v) = compare.get()?;
        Some(loaded.with(|l| {
            let l = l.as_ref().ok_or_else(String::new)?;
            estimate.with(|e| match e {
                Some(Ok(ea)) => settings
                    .with(|a| ftmem_core::compare::against(&l.arch, a, ea, &k, &v)),
                Some(Err(err)) => Err(err.to_string()),
                None => Err(String::new()),
            })
        }))
    });
    let on_key = move |ev: leptos::ev::Event| {
        let k = event_target_value(&ev);
        if k == "none" {
            compare.set(None);
        } else {
            let v = settings.with_untracked(|a| suggested(a, &k));
            compare.set(Some((k, v)));
        }
    };
    view! {
        <section class="card compare" id="compare" aria-labelledby="compare-h">
            <h2 id="compare-h">{tr(T::new("Compare with B", "B와 비교"))}</h2>
            <p class="muted small">{tr(T::new(
                "B is this setup with one setting changed.",
                "B는 지금 설정에서 한 가지만 바꾼 것입니다.",
            ))}</p>
            <div class="grid">
                <div class="field">
                    <label for="compare-key">{tr(T::new("B changes", "B에서 바꿀 설정"))}</label>
                    <select id="compare-key" on:change=on_key>
                        <option value="none" prop:selected=move || compare.with(|c| c.is_none())>{tr(T::new("nothing (no B)", "없음 (비교 안 함)"))}</option>
                        {COMPARE_KEYS.iter().map(|&k| view! {
                            <option value=k prop:selected=move || compare.with(|c| c.as_ref().is_some_and(|c| c.0 == k))>{move || key_label(k).get(lang.get())}</option>
                        }).collect_view()}
                    </select>
                </div>
                <Show when=move || compare.with(|c| c.is_some())>
                    <div class="field">
                        <label for="compare-value">{tr(T::new("to", "바꿀 값"))}</label>
                        // A key with fixed choices offers them (the browser's list under the box); any text
                        // still goes to the core, which says what it accepts.
                        <datalist id="compare-values" inner_html=move || compare.with(|c| settings.with(|a| {
                            c.as_ref().map(|c| choices(a, &c.0).iter().map(|v| format!("<option value=\"{v}\"></option>")).collect::<String>()).unwrap_or_default()
                        }))></datalist>
                        <input id="compare-value" type="text" list="compare-values" spellcheck="false" autocomplete="off"
                            prop:value=move || compare.with(|c| c.as_ref().map(|c| c.1.clone()).unwrap_or_default())
                            on:input=move |ev| {
                                let v = event_target_value(&ev);
                                compare.update(|c| if let Some(c) = c { c.1 = v });
                            } />
                    </div>
                </Show>
            </div>
            {move || {
                let l = lang.get();
                let u = unit.get();
                match result.get() {
                    None => ().into_any(),
                    Some(Err(m)) if m.is_empty() => ().into_any(),
                    Some(Err(m)) => view! { <p class="error-inline" id="compare-error" role="alert">{m}</p> }.into_any(),
                    Some(Ok(rows)) => view! {
                        <table class="compare-table" id="compare-table">
                            <thead><tr>
                                <th scope="col">{T::new("Component", "구성 요소").get(l)}</th>
                                <th scope="col" class="num">"A"</th>
                                <th scope="col" class="num">{move || compare.with(|c| c.as_ref().map(|(k, v)| format!("B ({k}={v})")).unwrap_or_else(|| "B".into()))}</th>
                                <th scope="col" class="num">"B − A"</th>
                            </tr></thead>
                            <tbody inner_html=rows_html(&rows, u, l)></tbody>
                        </table>
                    }.into_any(),
                }
            }}
        </section>
    }
}
