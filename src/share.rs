//! Sharing (issue 5 §4): a button that copies the current link (every setting is in it), and a short human page
//! title (`gpt-oss-20b · QLoRA r16 · 23.1 GB`) that follows the view.
//!
//! The copy uses `navigator.clipboard.writeText` when the page has it (a secure context); otherwise, or when the
//! browser refuses, the link is shown in a read-only field, selected, for the user to copy. Nothing here can
//! panic: every browser object is looked up and may be missing.

use crate::fits::Unit;
use crate::i18n::{tr, use_lang, Lang, T};
use ftmem_core::settings::{Mode, Stack};
use ftmem_core::{Bytes, Settings};
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

/// Title of the page when nothing is estimated.
pub const BASE_TITLE: &str = "ftmem · GPU memory for LLM fine-tuning";
/// [`BASE_TITLE`] in both languages.
pub const BASE_TITLE_T: T = T::new(BASE_TITLE, "ftmem · LLM 파인튜닝 GPU 메모리 계산기");

/// Short name of a Hub id (`openai/gpt-oss-20b` → `gpt-oss-20b`).
pub fn short_model_name(id: &str) -> &str {
    id.rsplit('/').next().unwrap_or(id)
}

/// The page title for `model` (a Hub id or a short name; empty: the base title), the settings and the per-GPU
/// total: `gpt-oss-20b · QLoRA r16 · TRL · 23.1 GB`, `Llama-3.1-70B · Full · Trainer · 8 GPUs ZeRO-3 · 61.2 GB
/// per GPU`, `Qwen3-8B · inference · 17.9 GB` (English; see [`page_title_in`]). Training titles name the stack
/// ([`stack_short`]): the same run needs very different memory under each.
pub fn page_title(model: &str, s: &Settings, total: Option<Bytes>, unit: Unit) -> String {
    page_title_in(model, s, total, unit, Lang::En)
}

/// [`page_title`] in `lang`: in Korean `Llama-3.1-70B · 전체 파인튜닝 · GPU 8개 ZeRO-3 · GPU당 61.2 GB`. LoRA and
/// QLoRA keep their names in both languages.
pub fn page_title_in(
    model: &str,
    s: &Settings,
    total: Option<Bytes>,
    unit: Unit,
    lang: Lang,
) -> String {
    let name = short_model_name(model.trim());
    if s.mode == Mode::Serve {
        // No single peak to put in the title: vLLM takes its share of each GPU by design.
        let serve = match lang {
            Lang::En => "vLLM serve",
            Lang::Ko => "vLLM 서빙",
        };
        return if name.is_empty() { serve.to_string() } else { format!("{name} · {serve}") };
    }
    let Some(total) = total else {
        return BASE_TITLE_T.get(lang).to_string();
    };
    let ko = lang == Lang::Ko;
    let mode = match s.mode {
        Mode::Inference => T::new("inference", "추론").get(lang).to_string(),
        Mode::Full => T::new("Full", "전체 파인튜닝").get(lang).to_string(),
        Mode::Lora => format!("LoRA r{}", s.rank),
        Mode::Qlora => format!("QLoRA r{}", s.rank),
        Mode::Serve => String::new(),
    };
    let mut parts: Vec<String> = Vec::with_capacity(4);
    if !name.is_empty() {
        parts.push(name.to_string());
    }
    parts.push(mode);
    if s.mode.trains() {
        parts.push(stack_short(s.stack, s.liger).to_string());
    }
    let shard = crate::breakdown::shard_label(s.shard);
    let total = unit.format_short(total);
    if s.gpus > 1 && ko {
        parts.push(format!("GPU {}개 {shard}", s.gpus));
        parts.push(format!("GPU당 {total}"));
    } else if s.gpus > 1 {
        parts.push(format!("{} GPUs {shard}", s.gpus));
        parts.push(format!("{total} per GPU"));
    } else {
        parts.push(total);
    }
    parts.join(" · ")
}

/// Short name of a stack for titles: `TRL`, `Trainer`, `PyTorch loop`, the trainers with `+Liger`.
pub fn stack_short(stack: Stack, liger: bool) -> &'static str {
    match (stack, liger) {
        (Stack::Trl, false) => "TRL",
        (Stack::Trl, true) => "TRL+Liger",
        (Stack::Trainer, false) => "Trainer",
        (Stack::Trainer, true) => "Trainer+Liger",
        (Stack::Loop, _) => "PyTorch loop",
    }
}

/// Keeps `document.title` equal to `title()` (renders nothing). The write (slow in Chromium) comes in the task
/// after the change, so the new numbers are in the page first ([`crate::deferred`]).
#[component]
pub fn PageTitle(#[prop(into)] title: Signal<String>) -> impl IntoView {
    let write = crate::deferred::Deferred::<String>::new();
    Effect::new(move |_| {
        write.put(title.get(), |t| {
            if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
                if doc.title() != t {
                    doc.set_title(&t);
                }
            }
        });
    });
}

/// Ask the clipboard to hold `text`. `Ok` once written; `Err` when the page has no clipboard API or the browser
/// refused (no permission, not a secure context, no user gesture).
pub async fn copy_to_clipboard(text: &str) -> Result<(), ()> {
    let window = web_sys::window().ok_or(())?;
    let clipboard = js_sys::Reflect::get(&window.navigator(), &JsValue::from_str("clipboard"))
        .map_err(|_| ())?;
    if clipboard.is_undefined() || clipboard.is_null() {
        return Err(());
    }
    let write = js_sys::Reflect::get(&clipboard, &JsValue::from_str("writeText"))
        .map_err(|_| ())?
        .dyn_into::<js_sys::Function>()
        .map_err(|_| ())?;
    let promise = write
        .call1(&clipboard, &JsValue::from_str(text))
        .map_err(|_| ())?
        .dyn_into::<js_sys::Promise>()
        .map_err(|_| ())?;
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map(|_| ())
        .map_err(|_| ())
}

/// The current page URL (empty when unavailable).
pub fn current_link() -> String {
    web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default()
}

/// The share button. Ids: `#share` (button), `#share-status` (`data-state` = `idle|copied|manual`),
/// `#share-url` (read-only field with the link, shown when the clipboard cannot be used).
#[component]
pub fn ShareButton(
    /// What the link says (the settings' query string and the page's own keys): when it changes after a
    /// copy, the "Link copied" note is stale and goes.
    #[prop(into)]
    view_key: Signal<String>,
) -> impl IntoView {
    let lang = use_lang();
    let state = RwSignal::new("idle");
    let link = RwSignal::new(String::new());
    // The note is about the link as copied: a later edit (the query string changes) makes it stale.
    Effect::new(move |prev: Option<String>| {
        let now = view_key.get();
        if prev.is_some_and(|p| p != now) && state.get_untracked() != "idle" {
            state.set("idle");
        }
        now
    });
    let on_click = move |_| {
        let href = current_link();
        link.set(href.clone());
        leptos::task::spawn_local(async move {
            match copy_to_clipboard(&href).await {
                Ok(()) => state.set("copied"),
                Err(()) => {
                    state.set("manual");
                    // Select the link in the field for a manual copy (after it is rendered).
                    leptos::task::spawn_local(async move {
                        if let Some(el) = web_sys::window()
                            .and_then(|w| w.document())
                            .and_then(|d| d.get_element_by_id("share-url"))
                            .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
                        {
                            let _ = el.focus();
                            el.select();
                        }
                    });
                }
            }
        });
    };
    view! {
        <div class="share">
            <button id="share" type="button" class="secondary" on:click=on_click>
                {tr(T::new("Copy link", "링크 복사"))}
            </button>
            <span id="share-status" class="muted small" role="status" data-state=move || state.get()>
                {move || match state.get() {
                    "copied" => T::new("Link copied: it restores this view.", "링크를 복사했습니다. 이 링크를 열면 지금 화면이 그대로 복원됩니다.").get(lang.get()),
                    "manual" => T::new("Copy the link below:", "아래 링크를 복사하세요:").get(lang.get()),
                    _ => "",
                }}
            </span>
            <Show when=move || state.get() == "manual">
                <label for="share-url" class="sr-only">{tr(T::new("Link to this view", "이 화면의 링크"))}</label>
                <input id="share-url" type="text" readonly prop:value=move || link.get()
                    on:focus=move |ev| {
                        if let Some(el) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                            el.select();
                        }
                    } />
            </Show>
        </div>
    }
}
