//! Two setups side by side (issue 12 §3): setup B is setup A with one setting changed, and the question is what
//! that change costs, component by component ("LoRA or QLoRA?", "TRL or plain Trainer?").

use crate::estimate::{Estimate, EstimateError};
use crate::settings::{QueryError, Settings};
use crate::{Architecture, Bytes};
use serde::Serialize;

/// The settings B may change, by query key: the stack, the mode, the precision, the micro-batch, the sequence
/// length, the LoRA rank, the GPU count, gradient accumulation, gradient checkpointing, the optimizer.
pub const COMPARE_KEYS: [&str; 10] = [
    "stack", "mode", "precision", "batch", "seq", "rank", "gpus", "ga", "gc", "optim",
];

/// One component in both estimates (bytes; 0 where an estimate lacks it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// The component's stable name (`weights`, `activations`, ...), or `total`.
    pub name: &'static str,
    /// In A.
    pub a: Bytes,
    /// In B.
    pub b: Bytes,
    /// B − A, bytes (negative: B needs less).
    pub diff: i128,
}

/// Setup B: `a` with `key` set to `value` (a key of [`COMPARE_KEYS`], a value as the query string takes it).
/// A mode change drops a precision the new mode does not take (its default applies). Errors: a key outside
/// [`COMPARE_KEYS`], or what the query parser says of the value.
pub fn variant(a: &Settings, key: &str, value: &str) -> Result<Settings, QueryError> {
    if !COMPARE_KEYS.contains(&key) {
        return Err(QueryError {
            key: key.into(),
            message: format!("B can change one of {}", COMPARE_KEYS.join(", ")),
        });
    }
    let mut q = Settings {
        model: String::new(),
        ..a.clone()
    };
    if key == "mode" {
        q.precision = None;
    }
    let mut pairs: Vec<(String, String)> = q
        .to_query()
        .split('&')
        .filter(|p| !p.is_empty())
        .filter_map(|p| p.split_once('='))
        .filter(|(k, _)| *k != key)
        .map(|(k, v)| (k.to_string(), crate::settings::percent_decode(v)))
        .collect();
    pairs.push((key.to_string(), value.to_string()));
    let mut b = Settings::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    b.model = a.model.clone();
    Ok(b)
}

/// The components of `a` and `b`, in A's order then B's extra ones, with the totals last.
pub fn rows(a: &Estimate, b: &Estimate) -> Vec<Row> {
    let mut names: Vec<&'static str> = a.components.iter().map(|c| c.name).collect();
    for c in &b.components {
        if !names.contains(&c.name) {
            names.push(c.name);
        }
    }
    let of = |e: &Estimate, n: &str| {
        e.components
            .iter()
            .filter(|c| c.name == n)
            .map(|c| c.bytes.0)
            .sum::<u64>()
    };
    let mut out: Vec<Row> = names
        .into_iter()
        .map(|n| {
            let (x, y) = (of(a, n), of(b, n));
            Row {
                name: n,
                a: Bytes(x),
                b: Bytes(y),
                diff: y as i128 - x as i128,
            }
        })
        .collect();
    out.push(Row {
        name: "total",
        a: a.total_bytes,
        b: b.total_bytes,
        diff: b.total_bytes.0 as i128 - a.total_bytes.0 as i128,
    });
    out
}

/// B's estimate and the rows against `ea`, the estimate of `a` already made (the page has it): B =
/// [`variant`]`(a, key, value)`. Errors: the variant's (`key: message`) or B's estimate's (`B: ...`).
pub fn against(
    arch: &Architecture,
    a: &Settings,
    ea: &Estimate,
    key: &str,
    value: &str,
) -> Result<Vec<Row>, String> {
    let b = variant(a, key, value).map_err(|e| format!("{}: {}", e.key, e.message))?;
    let eb = crate::estimate(arch, &b).map_err(|e| format!("B: {e}"))?;
    Ok(rows(ea, &eb))
}

/// Both estimates and their rows for `arch`: A = `a`, B = [`variant`]`(a, key, value)`.
pub fn compare(
    arch: &Architecture,
    a: &Settings,
    key: &str,
    value: &str,
) -> Result<(Settings, Estimate, Estimate, Vec<Row>), String> {
    let b = variant(a, key, value).map_err(|e| format!("{}: {}", e.key, e.message))?;
    let ea = crate::estimate(arch, a).map_err(|e: EstimateError| e.to_string())?;
    let eb = crate::estimate(arch, &b).map_err(|e| format!("B: {e}"))?;
    let r = rows(&ea, &eb);
    Ok((b, ea, eb, r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn b_changes_one_setting_and_keeps_the_others() {
        let a = Settings::from_query("model=x/y&mode=lora&batch=4&seq=1024&rank=8&stack=trl").unwrap();
        let b = variant(&a, "stack", "trainer").unwrap();
        assert_eq!(b.stack, crate::settings::Stack::Trainer);
        assert_eq!((b.batch, b.seq, b.rank, b.model.as_str()), (4, 1024, 8, "x/y"));
        let q = variant(&a, "mode", "qlora").unwrap();
        assert_eq!(q.mode, crate::settings::Mode::Qlora);
        assert_eq!(q.precision, None);
        assert!(variant(&a, "model", "z/w").is_err());
        assert_eq!(variant(&a, "batch", "0").unwrap_err().key, "batch");
    }

    #[test]
    fn against_a_given_estimate_is_compare() {
        let text = include_str!("../../tests/fixtures/configs/meta-llama__Llama-3.2-1B.json");
        let arch = crate::parse_config(text).unwrap();
        let a = Settings::from_query("mode=lora&batch=2").unwrap();
        let ea = crate::estimate(&arch, &a).unwrap();
        let (_, _, _, rows) = compare(&arch, &a, "mode", "qlora").unwrap();
        assert_eq!(against(&arch, &a, &ea, "mode", "qlora").unwrap(), rows);
        assert!(rows.last().unwrap().diff < 0, "QLoRA needs less than LoRA");
    }
}
