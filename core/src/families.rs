//! Per-family builders of [`Architecture`] (placeholder to be completed by the parameter-count work).
use crate::arch::Architecture;
use crate::config::ConfigError;

/// Build the architecture from a parsed config object.
pub fn from_config(_v: &serde_json::Value) -> Result<Architecture, ConfigError> {
    Err(ConfigError::MissingField("model_type".into()))
}
