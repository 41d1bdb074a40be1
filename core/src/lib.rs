//! ftmem core: from a Hugging Face `config.json` to exact parameter counts and a predicted peak GPU memory.
//!
//! One-way data flow, each step a module named after what it computes:
//! `config.json` text → [`config`] (lenient JSON, field lookup) → [`families`] (an [`arch::Architecture`] per
//! model family) → [`params`] (exact parameter counts) / [`weights`] (weight bytes as stored and as loaded) /
//! [`lora`] (adapter sizes) → [`estimate()`] (peak device memory for a [`settings::Settings`]).
//!
//! Plain Rust, no browser dependency: the same code runs natively (CLI `ftmem`, tests, benchmarks) and in the
//! browser (the Leptos app). Units are typed: [`units::Params`] vs [`units::Bytes`].

pub mod accuracy;
pub mod arch;
pub mod checkpoint;
pub mod compare;
pub mod config;
pub mod estimate;
pub mod export;
pub mod families;
pub mod fit;
pub mod gpus;
pub mod lora;
pub mod params;
pub mod rule_of_thumb;
pub mod settings;
pub mod units;
pub mod warnings;
pub mod weights;

pub use arch::Architecture;
pub use config::ConfigError;
pub use estimate::{estimate, other_stacks, Estimate, EstimateError, StackFigure};
pub use settings::Settings;
pub use units::{Bytes, Params};

/// Parse `config.json` text into an [`Architecture`].
///
/// Accepts the JSON the Hub really serves (bare `Infinity`/`-Infinity`/`NaN`, nulls, `dtype` or `torch_dtype`,
/// text model nested in `text_config`). Errors: [`ConfigError`] saying the text is not JSON, not an object, or
/// naming the missing/unusable field.
pub fn parse_config(text: &str) -> Result<Architecture, ConfigError> {
    let value = config::parse_json(text)?;
    families::from_config(&value)
}
