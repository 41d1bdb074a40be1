//! The settings panel: the Hub endpoint, kept in local storage (key [`ENDPOINT_KEY`]) and never read from a link.

use crate::hub::{normalize_endpoint, DEFAULT_ENDPOINT};
use leptos::prelude::*;

/// Local-storage key of the Hub endpoint.
pub const ENDPOINT_KEY: &str = "ftmem.endpoint";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
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

/// The settings panel. `endpoint` is the endpoint in force (normalised); typing a usable URL sets and stores it at
/// once, an unusable one shows why and leaves the endpoint in force.
///
/// Ids: `#endpoint-input`, `#endpoint-reset`, `#endpoint-error`.
#[component]
pub fn SettingsPanel(endpoint: RwSignal<String>) -> impl IntoView {
    let text = RwSignal::new(endpoint.get_untracked());
    let invalid = RwSignal::new(None::<String>);
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
    view! {
        <section class="card settings-panel" aria-labelledby="settings-h">
            <h2 id="settings-h">"Settings"</h2>
            <div class="field">
                <label for="endpoint-input">"Hub endpoint"</label>
                <div class="row">
                    <input id="endpoint-input" type="url" spellcheck="false" autocomplete="off"
                        prop:value=move || text.get()
                        aria-invalid=move || if invalid.with(|i| i.is_some()) { "true" } else { "false" }
                        aria-describedby="endpoint-hint endpoint-error"
                        on:input=move |ev| apply(event_target_value(&ev))
                        on:change=move |ev| apply(event_target_value(&ev)) />
                    <button id="endpoint-reset" type="button" class="secondary"
                        on:click=move |_| apply(DEFAULT_ENDPOINT.to_string())>"Reset"</button>
                </div>
                <span class="hint" id="endpoint-hint">
                    "Mirrors with the Hub's layout work too ({endpoint}/{owner}/{name}/resolve/{revision}/config.json). "
                    "Stored in this browser only; links never change it."
                </span>
                <span class="field-error" id="endpoint-error" role="alert">{move || invalid.get()}</span>
            </div>
        </section>
    }
}
