//! The settings panel: the Hub endpoint, kept in local storage (key [`ENDPOINT_KEY`]) and never read from a link;
//! and an optional Hugging Face token (issue 5 §6) for gated and private repositories.
//!
//! The token lives in memory (a signal). Only when the user ticks `#hf-token-remember` is it also kept in
//! *session* storage ([`TOKEN_SESSION_KEY`], gone when the tab closes); it is never written to local storage,
//! never put in a link, never logged, and sent only as `Authorization: Bearer` to the configured endpoint
//! ([`crate::hub::fetch_config_with_token`]).

use crate::hub::{normalize_endpoint, HfToken, DEFAULT_ENDPOINT};
use crate::i18n::{tr, use_lang, T};
use leptos::prelude::*;

/// Local-storage key of the Hub endpoint.
pub const ENDPOINT_KEY: &str = "ftmem.endpoint";
/// Session-storage key of the token (only with the user's opt-in).
pub const TOKEN_SESSION_KEY: &str = "ftmem.hf-token";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn session() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// The stored endpoint if it is usable, else [`DEFAULT_ENDPOINT`]. Never fails (storage may be disabled).
pub fn load_endpoint() -> String {
    storage()
        .and_then(|s| s.get_item(ENDPOINT_KEY).ok().flatten())
        .and_then(|e| normalize_endpoint(&e).ok())
        .unwrap_or_else(|| DEFAULT_ENDPOINT.to_string())
}

/// Store the endpoint (removing the key when it is the default). Storage failures are ignored: the endpoint
/// then lasts for this page only.
pub fn store_endpoint(endpoint: &str) {
    if let Some(s) = storage() {
        let _ = if endpoint == DEFAULT_ENDPOINT {
            s.remove_item(ENDPOINT_KEY)
        } else {
            s.set_item(ENDPOINT_KEY, endpoint)
        };
    }
}

/// The token kept in session storage by an earlier opt-in, if any (and usable).
pub fn load_session_token() -> Option<HfToken> {
    session()
        .and_then(|s| s.get_item(TOKEN_SESSION_KEY).ok().flatten())
        .and_then(|t| HfToken::parse(&t).ok().flatten())
}

/// Keep `token` in session storage when `remember`, else remove it from there. Failures are ignored (the token
/// then lives in memory only).
pub fn store_session_token(token: Option<&HfToken>, remember: bool) {
    if let Some(s) = session() {
        let _ = match (remember, token) {
            (true, Some(t)) => s.set_item(TOKEN_SESSION_KEY, t.secret()),
            _ => s.remove_item(TOKEN_SESSION_KEY),
        };
    }
}

/// The settings panel. `endpoint` is the endpoint in force (normalised); typing a usable URL sets and stores it at
/// once, an unusable one shows why and leaves the endpoint in force. `token` is the Hugging Face token in force
/// (`None`: none); when given, the token field is shown.
///
/// Ids: `#endpoint-input`, `#endpoint-reset`, `#endpoint-error`, `#hf-token` (password field),
/// `#hf-token-remember` (checkbox: keep it in session storage), `#hf-token-error`, `#hf-token-clear`.
#[component]
pub fn SettingsPanel(
    endpoint: RwSignal<String>,
    #[prop(optional)] token: Option<RwSignal<Option<HfToken>>>,
) -> impl IntoView {
    let lang = use_lang();
    let text = RwSignal::new(endpoint.get_untracked());
    let invalid = RwSignal::new(None::<crate::error::Msg>);
    let apply = move |v: String| {
        text.set(v.clone());
        match normalize_endpoint(&v) {
            Ok(e) => {
                invalid.set(None);
                store_endpoint(&e);
                endpoint.set(e);
            }
            Err(m) => invalid.set(Some(m)),
        }
    };
    let token_view = token.map(|token| {
        let remember = RwSignal::new(load_session_token().is_some());
        let token_text = RwSignal::new(
            token
                .get_untracked()
                .map(|t| t.secret().to_string())
                .unwrap_or_default(),
        );
        let token_err = RwSignal::new(false);
        let apply_token = move |v: String| {
            token_text.set(v.clone());
            match HfToken::parse(&v) {
                Ok(t) => {
                    token_err.set(false);
                    store_session_token(t.as_ref(), remember.get_untracked());
                    token.set(t);
                }
                Err(_) => token_err.set(true),
            }
        };
        view! {
            <div class="field">
                <label for="hf-token">{tr(T::new("Hugging Face token (optional)", "Hugging Face 토큰 (선택)"))}</label>
                <div class="row">
                    <input id="hf-token" type="password" spellcheck="false" autocomplete="off" placeholder="hf_…"
                        prop:value=move || token_text.get()
                        aria-invalid=move || if token_err.get() { "true" } else { "false" }
                        aria-describedby="hf-token-hint hf-token-error"
                        on:input=move |ev| apply_token(event_target_value(&ev)) />
                    <button id="hf-token-clear" type="button" class="secondary"
                        on:click=move |_| apply_token(String::new())>{tr(T::new("Clear", "지우기"))}</button>
                </div>
                <div class="field check">
                    <input id="hf-token-remember" type="checkbox" prop:checked=move || remember.get()
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            remember.set(on);
                            store_session_token(token.get_untracked().as_ref(), on);
                        } />
                    <label for="hf-token-remember">{tr(T::new("Keep it until this tab closes (session storage)", "이 탭을 닫을 때까지 보관 (세션 스토리지)"))}</label>
                </div>
                <span class="hint" id="hf-token-hint">{tr(T::new(
                    "For gated or private repositories. Sent only to the Hub endpoint above, as an Authorization header; never put in links or local storage. A read-only token is enough.",
                    "접근 제한·비공개 저장소에 필요합니다. 위 Hub 엔드포인트에만 Authorization 헤더로 보내며, 링크나 로컬 스토리지에는 절대 저장하지 않습니다. 읽기 전용 토큰이면 충분합니다.",
                ))}</span>
                <span class="field-error" id="hf-token-error" role="alert">{move || token_err.get().then(|| T::new(
                    "A token is one word of letters, digits and punctuation (e.g. hf_…).",
                    "토큰은 공백 없이 문자, 숫자, 기호로만 이루어집니다 (예: hf_…).",
                ).get(lang.get()))}</span>
            </div>
        }
    });
    view! {
        <section class="card settings-panel" aria-labelledby="settings-h">
            <h2 id="settings-h">{tr(T::new("Settings", "설정"))}</h2>
            <div class="field">
                <label for="endpoint-input">{tr(T::new("Hub endpoint", "Hub 엔드포인트"))}</label>
                <div class="row">
                    <input id="endpoint-input" type="url" spellcheck="false" autocomplete="off"
                        prop:value=move || text.get()
                        aria-invalid=move || if invalid.with(|i| i.is_some()) { "true" } else { "false" }
                        aria-describedby="endpoint-hint endpoint-error"
                        on:input=move |ev| apply(event_target_value(&ev))
                        on:change=move |ev| apply(event_target_value(&ev)) />
                    <button id="endpoint-reset" type="button" class="secondary"
                        on:click=move |_| apply(DEFAULT_ENDPOINT.to_string())>{tr(T::new("Reset", "초기화"))}</button>
                </div>
                <span class="hint" id="endpoint-hint">{tr(T::new(
                    "Mirrors with the Hub's layout work too ({endpoint}/{owner}/{name}/resolve/{revision}/config.json). Stored in this browser only; links never change it.",
                    "Hub와 같은 구조의 미러도 쓸 수 있습니다 ({endpoint}/{owner}/{name}/resolve/{revision}/config.json). 이 브라우저에만 저장되며 링크로는 바뀌지 않습니다.",
                ))}</span>
                <span class="field-error" id="endpoint-error" role="alert">{move || invalid.with(|m| m.as_ref().map(|m| m.get(lang.get()).to_string()))}</span>
            </div>
            {token_view}
        </section>
    }
}
