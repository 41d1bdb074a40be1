//! Korean and English: `Lang::parse`, the first view's language (link > stored choice > browser), the `lang` link
//! key, the translated messages and the toggle (runs in headless Chromium with wasm-bindgen-test).
#![cfg(target_arch = "wasm32")]

use ftmem_app::error::{AppError, ErrorKind};
use ftmem_app::hub::{normalize_model_input, status_error};
use ftmem_app::i18n::{choose, provide_lang, Lang, LangSource, LangToggle, LANG_STORAGE_KEY, T};
use ftmem_app::url_state::{build_query, lang_from_pairs, split_query, with_lang_pair};
use ftmem_core::Settings;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

mod common;
use common::{document, tick};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn lang_parse_takes_codes_and_tags_and_nothing_else() {
    assert_eq!(Lang::parse("ko"), Some(Lang::Ko));
    assert_eq!(Lang::parse("ko-KR"), Some(Lang::Ko));
    assert_eq!(Lang::parse(" KO "), Some(Lang::Ko));
    assert_eq!(Lang::parse("en"), Some(Lang::En));
    assert_eq!(Lang::parse("en-US"), Some(Lang::En));
    for bad in ["", "kor", "korean", "ja", "fr-FR", "k", "en_US", "koo"] {
        assert_eq!(Lang::parse(bad), None, "{bad:?}");
    }
    assert_eq!(Lang::Ko.code(), "ko");
    assert_eq!(Lang::En.code(), "en");
    assert_eq!(T::new("Batch", "배치").get(Lang::Ko), "배치");
}

#[wasm_bindgen_test]
fn the_link_wins_over_storage_which_wins_over_the_browser() {
    assert_eq!(
        choose(Some("ko"), Some("en"), Some("en-US")),
        (Lang::Ko, LangSource::Link)
    );
    assert_eq!(
        choose(Some("en"), Some("ko"), Some("ko-KR")),
        (Lang::En, LangSource::Link)
    );
    assert_eq!(
        choose(None, Some("ko"), Some("en-US")),
        (Lang::Ko, LangSource::Stored)
    );
    assert_eq!(
        choose(None, Some("en"), Some("ko-KR")),
        (Lang::En, LangSource::Stored)
    );
    assert_eq!(
        choose(None, None, Some("ko-KR")),
        (Lang::Ko, LangSource::Browser)
    );
    assert_eq!(
        choose(None, None, Some("de-DE")),
        (Lang::En, LangSource::Browser)
    );
    assert_eq!(choose(None, None, None), (Lang::En, LangSource::Browser));
    // A value that does not parse is skipped, never an error.
    assert_eq!(
        choose(Some("xx"), Some("ko"), Some("en")),
        (Lang::Ko, LangSource::Stored)
    );
    assert_eq!(
        choose(Some(""), Some("??"), Some("ko")),
        (Lang::Ko, LangSource::Browser)
    );
}

#[wasm_bindgen_test]
fn lang_is_a_ui_key_of_the_link() {
    let pairs = split_query("?mode=full&lang=ko&unit=gib");
    assert_eq!(lang_from_pairs(&pairs), Some("ko"));
    assert_eq!(lang_from_pairs(&split_query("mode=full")), None);
    let extras = vec![
        ("lang".to_string(), "ko".to_string()),
        ("unit".to_string(), "gib".to_string()),
    ];
    // Replaced where it stands, appended when missing, removed for None; duplicates collapse.
    assert_eq!(
        with_lang_pair(&extras, Some(Lang::En))[0],
        ("lang".to_string(), "en".to_string())
    );
    assert_eq!(
        with_lang_pair(&extras, None),
        vec![("unit".to_string(), "gib".to_string())]
    );
    let appended = with_lang_pair(&[("unit".to_string(), "gib".to_string())], Some(Lang::Ko));
    assert_eq!(
        build_query(&Settings::default(), &appended),
        "unit=gib&lang=ko"
    );
    let dup = vec![
        ("lang".to_string(), "en".to_string()),
        ("lang".to_string(), "ko".to_string()),
    ];
    assert_eq!(
        with_lang_pair(&dup, Some(Lang::Ko)),
        vec![("lang".to_string(), "ko".to_string())]
    );
}

#[wasm_bindgen_test]
fn errors_have_korean_text_and_keep_english_details() {
    let e = status_error(404, "a/b", "v9").expect("404 is an error");
    assert!(e.text(Lang::En).contains("Not found"));
    let ko = e.text(Lang::Ko);
    assert!(
        ko.contains("찾을 수 없습니다") && ko.contains("a/b") && ko.contains("v9"),
        "{ko}"
    );
    let input = normalize_model_input("").expect_err("empty input");
    assert!(input.get(Lang::Ko).contains("모델 ID"));
    // An error without a Korean text shows the English one.
    assert_eq!(AppError::new(ErrorKind::Input, "x").text(Lang::Ko), "x");
}

#[wasm_bindgen_test]
async fn the_toggle_switches_and_remembers_the_language() {
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    let _ = storage.remove_item(LANG_STORAGE_KEY);
    let div = document().create_element("div").expect("div");
    document()
        .body()
        .expect("body")
        .append_child(&div)
        .expect("append");
    let lang = RwSignal::new(Lang::En);
    let chosen = RwSignal::new(false);
    let handle = leptos::mount::mount_to(div.clone().unchecked_into(), move || {
        provide_lang(lang);
        view! { <LangToggle chosen /> }
    });
    tick().await;
    let button: web_sys::HtmlElement = document()
        .get_element_by_id("lang-toggle")
        .expect("toggle")
        .unchecked_into();
    assert_eq!(button.tag_name(), "BUTTON");
    assert_eq!(button.text_content().unwrap_or_default().trim(), "한국어");
    let label = button.get_attribute("aria-label").unwrap_or_default();
    assert!(
        label.contains("한국어"),
        "the accessible name contains the visible text: {label}"
    );
    button.click();
    tick().await;
    assert_eq!(lang.get_untracked(), Lang::Ko);
    assert!(chosen.get_untracked());
    assert_eq!(
        storage.get_item(LANG_STORAGE_KEY).ok().flatten().as_deref(),
        Some("ko")
    );
    assert_eq!(button.text_content().unwrap_or_default().trim(), "English");
    button.click();
    tick().await;
    assert_eq!(lang.get_untracked(), Lang::En);
    let _ = storage.remove_item(LANG_STORAGE_KEY);
    drop(handle);
    div.remove();
}
