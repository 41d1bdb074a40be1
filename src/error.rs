//! The errors the page shows in its error box (`#error`), each with a kind for styling and tests.

use crate::i18n::Lang;
use ftmem_core::settings::QueryError;
use ftmem_core::ConfigError;

/// A message in both languages (for input errors built with dynamic parts). `Display` gives the English text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Msg {
    /// English.
    pub en: String,
    /// Korean.
    pub ko: String,
}

impl Msg {
    /// A message pair.
    pub fn new(en: impl Into<String>, ko: impl Into<String>) -> Msg {
        Msg {
            en: en.into(),
            ko: ko.into(),
        }
    }
    /// The text in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Ko => &self.ko,
        }
    }
    /// Whether the English text contains `pat` (for tests and logs).
    pub fn contains(&self, pat: &str) -> bool {
        self.en.contains(pat)
    }
}

impl std::fmt::Display for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en)
    }
}

/// What went wrong, as the `data-kind` attribute of `#error` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// HTTP 401/403: gated or private repository (or, on the Hub, a repository that does not exist).
    Unauthorized,
    /// HTTP 404: no such repository, revision or file.
    NotFound,
    /// HTTP 429: too many requests.
    RateLimited,
    /// The request never got an answer: offline, DNS, CORS, endpoint unreachable.
    Offline,
    /// Another HTTP status (5xx, 3xx without a target, ...).
    Http,
    /// The text is not JSON.
    NotJson,
    /// The JSON is not a usable config (names the field).
    Config,
    /// A value in the link's query string is unusable (names the key).
    Query,
    /// What the user typed cannot be used (model id, revision, endpoint).
    Input,
}

impl ErrorKind {
    /// The `data-kind` value: `unauthorized|not-found|rate-limited|offline|http|not-json|config|query|input`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::NotFound => "not-found",
            ErrorKind::RateLimited => "rate-limited",
            ErrorKind::Offline => "offline",
            ErrorKind::Http => "http",
            ErrorKind::NotJson => "not-json",
            ErrorKind::Config => "config",
            ErrorKind::Query => "query",
            ErrorKind::Input => "input",
        }
    }
}

/// One error as shown to the user: a kind and a one-paragraph message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppError {
    /// Kind (for `data-kind`).
    pub kind: ErrorKind,
    /// The message, in plain English, saying what to do next where there is something to do.
    pub message: String,
    /// The same message in Korean, when known (else the English one is shown).
    pub ko: Option<String>,
}

impl AppError {
    /// Build an error.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        AppError {
            kind,
            message: message.into(),
            ko: None,
        }
    }

    /// Build an error from a message in both languages.
    pub fn from_msg(kind: ErrorKind, m: Msg) -> Self {
        AppError {
            kind,
            message: m.en,
            ko: Some(m.ko),
        }
    }

    /// The message in `lang` (English where no Korean text is known).
    pub fn text(&self, lang: Lang) -> &str {
        match (lang, &self.ko) {
            (Lang::Ko, Some(k)) => k,
            _ => &self.message,
        }
    }

    /// A `config.json` that could not be used; `source` says where it came from (a URL, "the pasted text").
    /// Not-JSON errors get [`ErrorKind::NotJson`], the others [`ErrorKind::Config`] with the core's message
    /// (which names the field).
    pub fn from_config(e: &ConfigError, source: &str) -> Self {
        Self::from_config_in(e, &Msg::new(source, source))
    }

    /// As [`AppError::from_config`], with the source described in both languages; the core's message (English)
    /// follows a Korean lead sentence.
    pub fn from_config_in(e: &ConfigError, source: &Msg) -> Self {
        // The English source is a noun phrase (`the pasted config.json`): capitalised to open the sentence.
        let mut chars = source.en.chars();
        let en: String = chars
            .next()
            .map(|c| {
                std::iter::once(c.to_ascii_uppercase())
                    .chain(chars)
                    .collect()
            })
            .unwrap_or_default();
        let ko = &source.ko;
        match e {
            ConfigError::NotJson(_) => AppError::from_msg(
                ErrorKind::NotJson,
                Msg::new(
                    format!("{en} is not JSON ({e})."),
                    format!("{ko}: JSON이 아닙니다 ({e})."),
                ),
            ),
            ConfigError::NotAModel { missing } => AppError::from_msg(
                ErrorKind::Config,
                Msg::new(
                    format!("{en} cannot be used: {e}."),
                    format!(
                        "{ko}: 모델 설정이 아닙니다. 모델 크기를 정하는 필드({})가 하나도 없습니다.",
                        missing.join(", ")
                    ),
                ),
            ),
            _ => AppError::from_msg(
                ErrorKind::Config,
                Msg::new(
                    format!("{en} cannot be used: {e}."),
                    format!("{ko}: 사용할 수 없는 설정입니다 — {e}."),
                ),
            ),
        }
    }

    /// A bad value in the link's query string; the key falls back to its default.
    pub fn from_query(errors: &[QueryError]) -> Self {
        let list: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        let list = list.join("; ");
        AppError::from_msg(
            ErrorKind::Query,
            Msg::new(
                format!("The link has unusable settings, replaced by their defaults — {list}."),
                format!("링크에 쓸 수 없는 설정이 있어 기본값으로 바꿨습니다 — {list}."),
            ),
        )
    }
}
