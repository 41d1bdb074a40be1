//! Korean and English: every user-visible string of the app in both languages.
//!
//! Texts are written next to where they are used, as `T::new(en, ko)` pairs, and read through the language in
//! context ([`use_lang`]). The first view's language comes from the link (`lang=ko|en`), else from what the user
//! chose before (local storage `ftmem.lang`), else from the browser (`navigator.language` starting with `ko`).
//! Core error messages (config and query errors) come from `ftmem-core` in English; the app puts a translated
//! sentence before them.
//!
//! The language is a UI-only link key (`lang`, see [`crate::url_state`]); it is written into the link once it
//! is a choice (from the link, the stored choice or the toggle `#lang-toggle`), never when it only follows the
//! browser, so that a bare link still opens in each reader's own language.

use leptos::prelude::*;

/// A display language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Korean.
    Ko,
}

impl Lang {
    /// BCP 47 code, as used in `<html lang>` and the `lang` query key.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ko => "ko",
        }
    }

    /// Parse a `lang` value (`en`, `ko`, or a tag like `ko-KR`); `None` for anything else.
    pub fn parse(s: &str) -> Option<Lang> {
        let s = s.trim().to_ascii_lowercase();
        if s == "ko" || s.starts_with("ko-") {
            Some(Lang::Ko)
        } else if s == "en" || s.starts_with("en-") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The browser's preferred language (`navigator.language`), Korean if it starts with `ko`, else English.
    pub fn from_browser() -> Lang {
        web_sys::window()
            .and_then(|w| w.navigator().language())
            .and_then(|l| Lang::parse(&l))
            .unwrap_or_default()
    }
}

/// Query key of the language (a UI-only key, see [`crate::url_state::UI_KEYS`]).
pub const LANG_KEY: &str = "lang";
/// Local-storage key of the language the user chose with the toggle.
pub const LANG_STORAGE_KEY: &str = "ftmem.lang";

/// Where the first view's language came from (see [`choose`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LangSource {
    /// The link's `lang` key.
    Link,
    /// The user's earlier choice (local storage).
    Stored,
    /// The browser's language (or the English default).
    Browser,
}

/// The first view's language: the link's `lang` value wins over the stored choice, which wins over the browser's
/// language (`navigator.language`); a value that does not parse ([`Lang::parse`]) is skipped; English when none
/// gives one. Returns the language and where it came from.
pub fn choose(
    link: Option<&str>,
    stored: Option<&str>,
    browser: Option<&str>,
) -> (Lang, LangSource) {
    if let Some(l) = link.and_then(Lang::parse) {
        return (l, LangSource::Link);
    }
    if let Some(l) = stored.and_then(Lang::parse) {
        return (l, LangSource::Stored);
    }
    (
        browser.and_then(Lang::parse).unwrap_or_default(),
        LangSource::Browser,
    )
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The language stored by an earlier toggle (raw value; `None` when absent or storage is disabled).
pub fn load_stored_lang() -> Option<String> {
    local_storage()?.get_item(LANG_STORAGE_KEY).ok()?
}

/// Remember `lang` in local storage (failures ignored: the choice then lasts for this page only).
pub fn store_lang(lang: Lang) {
    if let Some(s) = local_storage() {
        let _ = s.set_item(LANG_STORAGE_KEY, lang.code());
    }
}

/// The browser's language tag (`navigator.language`), if any.
pub fn browser_lang() -> Option<String> {
    web_sys::window()?.navigator().language()
}

/// Set `<html lang>` to `lang` (nothing when there is no document).
pub fn set_document_lang(lang: Lang) {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = el.set_attribute("lang", lang.code());
    }
}

/// One text in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct T {
    /// English.
    pub en: &'static str,
    /// Korean.
    pub ko: &'static str,
}

impl T {
    /// A text pair.
    pub const fn new(en: &'static str, ko: &'static str) -> T {
        T { en, ko }
    }

    /// The text in `lang`.
    pub fn get(self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.en,
            Lang::Ko => self.ko,
        }
    }
}

/// Put the language signal in context (done once by the app's root).
pub fn provide_lang(lang: RwSignal<Lang>) {
    provide_context(lang);
}

/// The language signal from context; a fresh English signal when none was provided (component tests).
pub fn use_lang() -> RwSignal<Lang> {
    use_context::<RwSignal<Lang>>().unwrap_or_else(|| RwSignal::new(Lang::En))
}

/// A reactive text for a view: `{tr(T::new("Batch", "배치"))}` re-renders when the language changes.
pub fn tr(t: T) -> impl Fn() -> &'static str + Send + Sync + Clone + 'static {
    let lang = use_lang();
    move || t.get(lang.get())
}

/// The language toggle `#lang-toggle`: a button that switches between English and Korean. Its visible text is
/// the other language's own name (`한국어` / `English`, marked with that `lang`), its accessible name says what it
/// does in the current language and contains that visible text. A click (or Enter/Space) switches the language,
/// remembers it in local storage ([`LANG_STORAGE_KEY`]) and sets `chosen` (the page then writes `lang` into the
/// link).
#[component]
pub fn LangToggle(chosen: RwSignal<bool>) -> impl IntoView {
    let lang = use_lang();
    let other = move || match lang.get() {
        Lang::En => Lang::Ko,
        Lang::Ko => Lang::En,
    };
    view! {
        <button id="lang-toggle" type="button" class="secondary lang-toggle"
            aria-label=move || T::new("Language: English. Switch to 한국어 (Korean)", "언어: 한국어. English(영어)로 바꾸기").get(lang.get())
            on:click=move |_| {
                let next = other();
                store_lang(next);
                chosen.set(true);
                lang.set(next);
            }>
            <span lang=move || other().code()>{move || match other() {
                Lang::En => "English",
                Lang::Ko => "한국어",
            }}</span>
        </button>
    }
}
