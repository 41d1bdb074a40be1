//! Unit types that keep parameter counts and byte counts apart.
//!
//! [`Params`] counts scalar parameters (elements of weight tensors); [`Bytes`] counts bytes of device
//! or host memory. Converting one into the other needs an explicit bytes-per-parameter figure
//! ([`Params::bytes_at`]), so "7 B parameters" can never be added to "14 GB" by accident.
//! All arithmetic is checked: a result that would not fit in `u64` is an [`Overflow`] error, never a wrap.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Add, AddAssign};

/// Arithmetic overflowed `u64`; the inputs describe a model or a run too large to represent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overflow;

impl fmt::Display for Overflow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("numbers too large: the result does not fit in 64 bits")
    }
}

/// A count of parameters (tensor elements), not bytes.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Params(pub u64);

/// A count of bytes of memory.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Bytes(pub u64);

impl Params {
    /// Zero parameters.
    pub const ZERO: Params = Params(0);

    /// Saturating-free sum; panics never, returns [`Overflow`] past `u64::MAX`.
    pub fn checked_add(self, o: Params) -> Result<Params, Overflow> {
        self.0.checked_add(o.0).map(Params).ok_or(Overflow)
    }

    /// `self × n` (e.g. one layer's parameters × number of layers).
    pub fn checked_mul(self, n: u64) -> Result<Params, Overflow> {
        self.0.checked_mul(n).map(Params).ok_or(Overflow)
    }

    /// Bytes taken by these parameters at `bits` bits each (16 for bf16, 4 for NF4/MXFP4 values),
    /// rounded up to whole bytes.
    pub fn bytes_at_bits(self, bits: u64) -> Result<Bytes, Overflow> {
        let b = (self.0 as u128) * (bits as u128);
        let by = b.div_ceil(8);
        u64::try_from(by).map(Bytes).map_err(|_| Overflow)
    }

    /// Bytes taken by these parameters at `bytes_per_param` whole bytes each.
    pub fn bytes_at(self, bytes_per_param: u64) -> Result<Bytes, Overflow> {
        self.0
            .checked_mul(bytes_per_param)
            .map(Bytes)
            .ok_or(Overflow)
    }
}

impl Bytes {
    /// Zero bytes.
    pub const ZERO: Bytes = Bytes(0);

    /// Checked sum.
    pub fn checked_add(self, o: Bytes) -> Result<Bytes, Overflow> {
        self.0.checked_add(o.0).map(Bytes).ok_or(Overflow)
    }

    /// Checked `self × n`.
    pub fn checked_mul(self, n: u64) -> Result<Bytes, Overflow> {
        self.0.checked_mul(n).map(Bytes).ok_or(Overflow)
    }

    /// Decimal gigabytes (10⁹ bytes).
    pub fn gb(self) -> f64 {
        self.0 as f64 / 1e9
    }

    /// Binary gibibytes (2³⁰ bytes).
    pub fn gib(self) -> f64 {
        self.0 as f64 / (1u64 << 30) as f64
    }
}

/// Checked product of several `u64` factors (e.g. batch × seq × hidden × bytes), as bytes.
pub fn mul_bytes(factors: &[u64]) -> Result<Bytes, Overflow> {
    let mut acc: u64 = 1;
    for &f in factors {
        acc = acc.checked_mul(f).ok_or(Overflow)?;
    }
    Ok(Bytes(acc))
}

impl Add for Params {
    type Output = Params;
    /// Unchecked addition for small, already-validated counts; use [`Params::checked_add`] on user-scaled values.
    fn add(self, o: Params) -> Params {
        Params(self.0.saturating_add(o.0))
    }
}
impl AddAssign for Params {
    fn add_assign(&mut self, o: Params) {
        self.0 = self.0.saturating_add(o.0);
    }
}

impl fmt::Display for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} parameters", self.0)
    }
}
impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.2} GB", self.gb())
    }
}
