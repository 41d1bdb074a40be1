//! Presets (issue 5 §2): popular models whose real `config.json` ships inside the app (`include_str!` of the test
//! fixtures in `tests/fixtures/configs/`, downloaded from the Hub), so that they load at once with no request,
//! offline and for gated repositories too.
//!
//! When the embedded config is used:
//! - a click on a preset button (`#presets button[data-preset=<hub id>]`): no request at all;
//! - the first view of a link without `model` shows [`DEFAULT_PRESET`] (gpt-oss-20b), and the link stays as it
//!   was (no `model` is written into it: a link without `model` restores that same default view);
//! - a Hub id typed or given in a link is fetched from the endpoint first (a fresh config wins), and when that
//!   fetch fails for a reason other than "not found" (gated, rate limited, offline, other HTTP status) the
//!   embedded config of the same id at `main` stands in ([`fallback`]).

use crate::error::ErrorKind;
use crate::i18n::{tr, T};
use leptos::prelude::*;

/// One built-in model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preset {
    /// Short display name (`gpt-oss-20b`).
    pub name: &'static str,
    /// The Hub id of the repository the config comes from (`openai/gpt-oss-20b`).
    pub hub_id: &'static str,
    /// The repository's `config.json` at `main`, verbatim.
    pub config: &'static str,
}

macro_rules! preset {
    ($name:literal, $hub:literal, $file:literal) => {
        Preset {
            name: $name,
            hub_id: $hub,
            config: include_str!(concat!("../tests/fixtures/configs/", $file)),
        }
    };
}

/// The built-in models, in the order the picker lists them.
pub const PRESETS: &[Preset] = &[
    preset!(
        "gpt-oss-20b",
        "openai/gpt-oss-20b",
        "openai__gpt-oss-20b.json"
    ),
    preset!(
        "gpt-oss-120b",
        "openai/gpt-oss-120b",
        "openai__gpt-oss-120b.json"
    ),
    preset!(
        "Llama-3.2-1B",
        "meta-llama/Llama-3.2-1B",
        "meta-llama__Llama-3.2-1B.json"
    ),
    preset!(
        "Llama-3.2-3B",
        "meta-llama/Llama-3.2-3B-Instruct",
        "meta-llama__Llama-3.2-3B-Instruct.json"
    ),
    preset!(
        "Llama-3.1-8B",
        "meta-llama/Llama-3.1-8B",
        "meta-llama__Meta-Llama-3.1-8B.json"
    ),
    preset!(
        "Llama-3.1-70B",
        "meta-llama/Llama-3.1-70B",
        "meta-llama__Meta-Llama-3.1-70B.json"
    ),
    preset!("Qwen3-8B", "Qwen/Qwen3-8B", "Qwen__Qwen3-8B.json"),
    preset!(
        "Qwen3-30B-A3B",
        "Qwen/Qwen3-30B-A3B",
        "Qwen__Qwen3-30B-A3B.json"
    ),
    preset!("Qwen2.5-7B", "Qwen/Qwen2.5-7B", "Qwen__Qwen2.5-7B.json"),
    preset!(
        "Mistral-7B",
        "mistralai/Mistral-7B-v0.3",
        "mistralai__Mistral-7B-v0.3.mlc.json"
    ),
    preset!(
        "Mixtral-8x7B",
        "mistralai/Mixtral-8x7B-v0.1",
        "mistralai__Mixtral-8x7B-v0.1.json"
    ),
    preset!(
        "Gemma-2-9B",
        "google/gemma-2-9b",
        "google__gemma-2-9b.mlc.json"
    ),
    preset!(
        "Phi-3-mini",
        "microsoft/Phi-3-mini-4k-instruct",
        "microsoft__Phi-3-mini-4k-instruct.json"
    ),
    preset!(
        "DeepSeek-V3",
        "deepseek-ai/DeepSeek-V3",
        "deepseek-ai__DeepSeek-V3.json"
    ),
];

/// The first view's model when the link names none.
pub const DEFAULT_PRESET: &Preset = &PRESETS[0];

/// The preset whose Hub id is `hub_id` (compared case-insensitively, as the Hub resolves ids).
pub fn by_hub_id(hub_id: &str) -> Option<&'static Preset> {
    PRESETS
        .iter()
        .find(|p| p.hub_id.eq_ignore_ascii_case(hub_id.trim()))
}

/// The embedded config that stands in for a failed fetch of `id` at `rev`, if any: only for a preset id at
/// revision `main`, and only when the failure says nothing about the repository itself (gated or private,
/// rate limited, offline, another HTTP status). A 404 or an unusable body is reported as it is.
pub fn fallback(id: &str, rev: &str, kind: ErrorKind) -> Option<&'static Preset> {
    let transient = matches!(
        kind,
        ErrorKind::Unauthorized | ErrorKind::RateLimited | ErrorKind::Offline | ErrorKind::Http
    );
    if transient && rev == "main" {
        by_hub_id(id)
    } else {
        None
    }
}

/// Status-line description of an embedded config (`the built-in config.json of openai/gpt-oss-20b`).
pub fn source_label(p: &Preset) -> String {
    source_msg(p).en
}

/// [`source_label`] in both languages.
pub fn source_msg(p: &Preset) -> crate::error::Msg {
    crate::error::Msg::new(
        format!("the built-in config.json of {}", p.hub_id),
        format!("{}의 내장 config.json", p.hub_id),
    )
}

/// The preset picker: one button per preset (`data-preset` = Hub id); `current` is the Hub id shown now, marked
/// with `aria-pressed`. Id: `#presets`.
#[component]
pub fn Presets(
    /// Called with the chosen preset.
    on_pick: Callback<&'static Preset>,
    /// The model id shown now (to mark its button).
    #[prop(into)]
    current: Signal<String>,
) -> impl IntoView {
    view! {
        <section class="card presets" aria-labelledby="presets-h">
            <h2 id="presets-h">{tr(T::new("Popular models", "인기 모델"))}</h2>
            <p class="muted small">
                {tr(T::new(
                    "Built in: loads at once, with no request (also offline and for gated repositories).",
                    "앱에 내장되어 있어 요청 없이 바로 불러옵니다 (오프라인이나 접근 제한 저장소도 가능).",
                ))}
            </p>
            <div id="presets" class="preset-list" role="group" aria-labelledby="presets-h">
                {PRESETS
                    .iter()
                    .map(|p| {
                        view! {
                            <button
                                type="button"
                                class="preset"
                                data-preset=p.hub_id
                                title=p.hub_id
                                aria-pressed=move || {
                                    if current.with(|c| c.eq_ignore_ascii_case(p.hub_id)) { "true" } else { "false" }
                                }
                                on:click=move |_| on_pick.run(p)
                            >
                                {p.name}
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
        </section>
    }
}
