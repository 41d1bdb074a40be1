//! Peak GPU memory estimate (placeholder: weights only, to be replaced by the mechanistic model).
use crate::arch::Architecture;
use crate::settings::Settings;
use crate::units::Bytes;
use serde::Serialize;
use std::fmt;

/// One line of the breakdown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    /// Stable name: `weights`, `gradients`, `optimizer_states`, `activations`, `logits`, `kv_cache`, `adapters`,
    /// `cuda_context`, `allocator_slack`, ...
    pub name: &'static str,
    /// Bytes this component holds at the peak moment.
    pub bytes: Bytes,
    /// One-line explanation (English) of what it is.
    pub explanation: &'static str,
}

/// Result of [`estimate`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimate {
    /// Predicted peak device memory as `nvidia-smi` shows it (CUDA context + reserved pool at the peak), bytes.
    pub total_bytes: Bytes,
    /// Predicted peak of PyTorch's allocated bytes (without allocator slack and context).
    pub allocated_bytes: Bytes,
    /// The breakdown at the peak moment; sums to `total_bytes`.
    pub components: Vec<Item>,
    /// True when the architecture is approximate.
    pub approximate: bool,
}

/// Why an estimate could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EstimateError {
    /// Numbers too large to represent.
    Overflow,
    /// Settings that do not fit the model (e.g. LoRA targets that match no module); says why.
    Invalid(String),
}
impl fmt::Display for EstimateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EstimateError::Overflow => f.write_str("numbers too large: the result does not fit in 64 bits"),
            EstimateError::Invalid(m) => f.write_str(m),
        }
    }
}
impl std::error::Error for EstimateError {}
impl From<crate::units::Overflow> for EstimateError {
    fn from(_: crate::units::Overflow) -> Self {
        EstimateError::Overflow
    }
}

/// Estimate the peak device memory of running `arch` with `settings`.
pub fn estimate(arch: &Architecture, _settings: &Settings) -> Result<Estimate, EstimateError> {
    let p = crate::params::count(arch).total;
    let w = p.bytes_at(2)?;
    Ok(Estimate {
        total_bytes: w,
        allocated_bytes: w,
        components: vec![Item { name: "weights", bytes: w, explanation: "model weights" }],
        approximate: arch.approximate,
    })
}
