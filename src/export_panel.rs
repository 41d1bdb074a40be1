//! Export (issue 12 §4): the estimate as the command line's JSON, the breakdown as CSV, and a command line that
//! reproduces it, all made by [`ftmem_core::export`] (the page computes nothing itself).
//!
//! Ids: `#export` (a `<details>`), `#export-json-link` / `#export-csv-link` (downloads, `data:` URLs),
//! `#export-json` (the JSON text), `#export-cli` (the command).

use crate::arch_panel::Loaded;
use crate::i18n::{tr, use_lang, T};
use ftmem_core::settings::percent_encode;
use ftmem_core::Settings;
use leptos::prelude::*;

/// The export panel for the model on screen under `settings`; `endpoint` is the Hub endpoint configs come from.
#[component]
pub fn ExportPanel(
    loaded: RwSignal<Option<Loaded>>,
    settings: RwSignal<Settings>,
    endpoint: RwSignal<String>,
) -> impl IntoView {
    let lang = use_lang();
    // Made only while the panel is open: an estimate, its JSON and CSV on every edit would cost for nothing.
    let open = RwSignal::new(false);
    let exported = Memo::new(move |_| {
        if !open.get() {
            return None;
        }
        loaded.with(|l| {
            let l = l.as_ref()?;
            settings.with(|s| {
                let est = ftmem_core::estimate(&l.arch, s).ok()?;
                let json = ftmem_core::export::estimate_json_of(&l.arch, s, &est).to_string();
                let csv = ftmem_core::export::breakdown_csv(&est);
                let cli = ftmem_core::export::cli_command(&endpoint.get(), s);
                Some((json, csv, cli))
            })
        })
    });
    view! {
        <details class="card export" id="export" on:toggle=move |ev| {
            use wasm_bindgen::JsCast;
            let el = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlDetailsElement>().ok());
            open.set(el.is_some_and(|d| d.open()));
        }>
            <summary><h2 class="inline">{tr(T::new("Export", "내보내기"))}</h2></summary>
            {move || match exported.get() {
                None => view! { <p class="muted small">{T::new("No estimate to export.", "내보낼 추정치가 없습니다.").get(lang.get())}</p> }.into_any(),
                Some((json, csv, cli)) => view! {
                    <p class="row">
                        <a id="export-json-link" class="button secondary" download="ftmem-estimate.json"
                            href=format!("data:application/json;charset=utf-8,{}", percent_encode(&json))>
                            {T::new("Download JSON", "JSON 내려받기").get(lang.get())}</a>
                        <a id="export-csv-link" class="button secondary" download="ftmem-breakdown.csv"
                            href=format!("data:text/csv;charset=utf-8,{}", percent_encode(&csv))>
                            {T::new("Download CSV", "CSV 내려받기").get(lang.get())}</a>
                    </p>
                    <p class="small">{T::new("The same estimate from the command line:", "명령줄에서 같은 추정치를 얻으려면:").get(lang.get())}</p>
                    <pre class="cli"><code id="export-cli">{cli}</code></pre>
                    <details>
                        <summary class="small">{T::new("JSON (as ftmem estimate prints it)", "JSON (ftmem estimate 출력 그대로)").get(lang.get())}</summary>
                        <pre class="json" id="export-json">{json}</pre>
                    </details>
                }.into_any(),
            }}
        </details>
    }
}
