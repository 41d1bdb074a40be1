//! Korean and English: every user-visible string of the app in both languages.
//!
//! Texts are written next to where they are used, as `T::new(en, ko)` pairs, and read through the language in
//! context ([`use_lang`]). The first view's language comes from the link (`lang=ko|en`), else from what the user
//! chose before (local storage `ftmem.lang`), else from the browser (`navigator.language` starting with `ko`).
//! Core error messages (config and query errors) come from `ftmem-core` in English; the app puts a translated
//! sentence before them.

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
