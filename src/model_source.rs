//! The model source: a Hub id or URL plus a revision (loaded on the button or Enter), or a `config.json` pasted or
//! uploaded (for gated and private repositories).

use crate::error::{AppError, ErrorKind, Msg};
use crate::i18n::{tr, T};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

/// The model-source form.
///
/// - `model_text`, `rev_text`: the two text fields (`#model-input`, `#rev-input`);
/// - `on_load`: called on `#load-button` or Enter in either field;
/// - `on_config`: called with `(text, source description)` on `#paste-apply` or a file chosen in `#upload-config`;
/// - `on_error`: called when an uploaded file cannot be read;
/// - `offer_paste`: true while the last error suggests pasting (gated/private); highlights the paste box.
#[component]
pub fn ModelSource(
    model_text: RwSignal<String>,
    rev_text: RwSignal<String>,
    on_load: Callback<()>,
    on_config: Callback<(String, Msg)>,
    on_error: Callback<AppError>,
    #[prop(into)] offer_paste: Signal<bool>,
) -> impl IntoView {
    let paste_text = RwSignal::new(String::new());
    let on_file = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        let name = file.name();
        // Allow choosing the same file again later.
        input.set_value("");
        spawn_local(async move {
            match wasm_bindgen_futures::JsFuture::from(file.text())
                .await
                .ok()
                .and_then(|v| v.as_string())
            {
                Some(text) => on_config.run((
                    text,
                    Msg::new(format!("the file {name}"), format!("파일 {name}")),
                )),
                None => on_error.run(AppError::from_msg(
                    ErrorKind::Input,
                    Msg::new(
                        format!("Could not read the file {name}."),
                        format!("파일 {name}을(를) 읽을 수 없습니다."),
                    ),
                )),
            }
        });
    };
    view! {
        <section class="card source" aria-labelledby="source-h">
            <h2 id="source-h">{tr(T::new("Model", "모델"))}</h2>
            <form class="source-form" on:submit=move |ev| { ev.prevent_default(); on_load.run(()); }>
                <div class="field grow">
                    <label for="model-input">{tr(T::new("Hub model id or URL", "Hub 모델 ID 또는 URL"))}</label>
                    <input id="model-input" type="text" placeholder="openai/gpt-oss-20b" spellcheck="false"
                        autocomplete="off" autocapitalize="off" bind:value=model_text />
                </div>
                <div class="field rev">
                    <label for="rev-input">{tr(T::new("Revision", "리비전"))}</label>
                    <input id="rev-input" type="text" placeholder="main" spellcheck="false" autocomplete="off"
                        autocapitalize="off" bind:value=rev_text />
                </div>
                <div class="field button">
                    <button id="load-button" type="submit">{tr(T::new("Load", "불러오기"))}</button>
                </div>
            </form>
            <div class="paste" class:offer=move || offer_paste.get()>
                <label for="paste-config">{tr(T::new("Or paste a config.json (gated or private repositories)", "또는 config.json 붙여넣기 (접근 제한·비공개 저장소)"))}</label>
                <textarea id="paste-config" rows="3" spellcheck="false" placeholder="{ \"model_type\": … }"
                    bind:value=paste_text></textarea>
                <div class="row">
                    <button id="paste-apply" type="button"
                        on:click=move |_| on_config.run((paste_text.get_untracked(), Msg::new("the pasted config.json", "붙여넣은 config.json")))>
                        {tr(T::new("Use pasted config", "붙여넣은 설정 사용"))}
                    </button>
                    <label class="file" for="upload-config">{tr(T::new("or upload one:", "또는 파일 올리기:"))}</label>
                    <input id="upload-config" type="file" accept=".json,application/json" on:change=on_file />
                </div>
            </div>
        </section>
    }
}
