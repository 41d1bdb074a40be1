//! DOM helpers shared by the browser tests (`tests/components.rs`, `tests/features.rs`, `tests/i18n.rs`; each
//! declares `mod common;` and runs in headless Chromium with wasm-bindgen-test).

// Each test file is its own crate and uses only some of these helpers.
#![allow(dead_code)]

use ftmem_app::controls::Controls;
use ftmem_core::Settings;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Let the reactive system and the browser run (effects are scheduled, not synchronous).
pub async fn tick() {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        let _ = web_sys::window()
            .expect("window")
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 20);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(p).await;
}

/// Wait (20 ms steps, at most `max_ms`) until `cond` holds; true if it did. For effects the app defers to a later
/// task (the URL and title writes), whose timing under a loaded machine a fixed wait cannot promise.
pub async fn eventually(max_ms: u32, mut cond: impl FnMut() -> bool) -> bool {
    let mut waited = 0;
    while !cond() {
        if waited >= max_ms {
            return false;
        }
        tick().await;
        waited += 20;
    }
    true
}

pub fn document() -> web_sys::Document {
    web_sys::window()
        .expect("window")
        .document()
        .expect("document")
}

/// A fresh container in the body; earlier tests' containers are removed (the runner's own output stays).
pub fn container() -> web_sys::HtmlElement {
    let doc = document();
    let body = doc.body().expect("body");
    let old = doc.get_elements_by_class_name("ftmem-test-root");
    while let Some(e) = old.item(0) {
        e.remove();
    }
    let div = doc.create_element("div").expect("div");
    div.set_class_name("ftmem-test-root");
    body.append_child(&div).expect("append");
    div.unchecked_into()
}

/// The text of the element with this id, if there is one.
pub fn text_of(id: &str) -> Option<String> {
    document()
        .get_element_by_id(id)
        .and_then(|e| e.text_content())
}

/// The attribute `name` of the element with this id, if both exist.
pub fn attr_of(id: &str, name: &str) -> Option<String> {
    document()
        .get_element_by_id(id)
        .and_then(|e| e.get_attribute(name))
}

/// How many elements match `selector`.
pub fn count(selector: &str) -> u32 {
    document()
        .query_selector_all(selector)
        .expect("selector")
        .length()
}

/// The attribute `name` of the first element matching `selector`, if both exist.
pub fn attr(selector: &str, name: &str) -> Option<String> {
    document()
        .query_selector(selector)
        .ok()
        .flatten()
        .and_then(|e| e.get_attribute(name))
}

/// The text of the first element matching `selector`, empty when there is none.
pub fn text(selector: &str) -> String {
    document()
        .query_selector(selector)
        .ok()
        .flatten()
        .and_then(|e| e.text_content())
        .unwrap_or_default()
}

/// Click the first element matching `selector` (panics when there is none).
pub fn click(selector: &str) {
    let el: web_sys::HtmlElement = document()
        .query_selector(selector)
        .ok()
        .flatten()
        .expect(selector)
        .unchecked_into();
    el.click();
}

/// Type `value` into the input with this id and fire `input`, as a user's keystroke does.
pub fn set_input(id: &str, value: &str) {
    let el: web_sys::HtmlInputElement =
        document().get_element_by_id(id).expect(id).unchecked_into();
    el.set_value(value);
    let ev = web_sys::Event::new("input").expect("event");
    el.dispatch_event(&ev).expect("dispatch");
}

/// Choose `value` in the select with this id and fire `change`, as a user's choice does.
pub fn set_select(id: &str, value: &str) {
    let el: web_sys::HtmlSelectElement =
        document().get_element_by_id(id).expect(id).unchecked_into();
    el.set_value(value);
    let ev = web_sys::Event::new("change").expect("event");
    el.dispatch_event(&ev).expect("dispatch");
}

/// Mounts `<Controls>` over `settings` (no quantized checkpoint loaded) in a fresh [`container`]; dropping the
/// returned handle unmounts it.
pub fn mount_controls(settings: RwSignal<Settings>) -> impl Sized {
    let has_quantization = Signal::derive(|| false);
    leptos::mount::mount_to(
        container(),
        move || view! { <Controls settings has_quantization /> },
    )
}
