//! The errors the page shows in its error box (`#error`), each with a kind for styling and tests.

use ftmem_core::settings::QueryError;
use ftmem_core::ConfigError;

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
}

impl AppError {
    /// Build an error.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        AppError {
            kind,
            message: message.into(),
        }
    }

    /// A `config.json` that could not be used; `source` says where it came from (a URL, "the pasted text").
    /// Not-JSON errors get [`ErrorKind::NotJson`], the others [`ErrorKind::Config`] with the core's message
    /// (which names the field).
    pub fn from_config(e: &ConfigError, source: &str) -> Self {
        match e {
            ConfigError::NotJson(_) => {
                AppError::new(ErrorKind::NotJson, format!("{source} is not JSON ({e})."))
            }
            _ => AppError::new(ErrorKind::Config, format!("{source} cannot be used: {e}.")),
        }
    }

    /// A bad value in the link's query string; the key falls back to its default.
    pub fn from_query(errors: &[QueryError]) -> Self {
        let list: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        AppError::new(
            ErrorKind::Query,
            format!(
                "The link has unusable settings, replaced by their defaults — {}.",
                list.join("; ")
            ),
        )
    }
}
