//! Lenient `config.json` parsing and typed field lookup.
//! (Owner: parameter-count work; this file is a placeholder to be completed.)

use std::fmt;

/// Why a `config.json` could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// The text is not JSON (message from the parser, with line/column).
    NotJson(String),
    /// The JSON is not an object (e.g. a top-level array).
    NotObject,
    /// A field the architecture needs is absent or null; names the field.
    MissingField(String),
    /// A field is present but unusable (wrong type, zero, negative, fractional, absurd); names it and says why.
    BadField {
        /// Field name as in the config.
        field: String,
        /// What is wrong.
        message: String,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::NotJson(m) => write!(f, "not valid JSON: {m}"),
            ConfigError::NotObject => f.write_str("config.json must be a JSON object"),
            ConfigError::MissingField(k) => write!(f, "config.json has no usable `{k}`"),
            ConfigError::BadField { field, message } => write!(f, "config.json field `{field}`: {message}"),
        }
    }
}
impl std::error::Error for ConfigError {}

/// Parse JSON text into a value. Placeholder: strict serde_json.
pub fn parse_json(text: &str) -> Result<serde_json::Value, ConfigError> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| ConfigError::NotJson(e.to_string()))?;
    if !v.is_object() {
        return Err(ConfigError::NotObject);
    }
    Ok(v)
}
