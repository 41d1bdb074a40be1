//! The estimate as data to take away (issue 12 §4): the JSON the command line prints (`ftmem estimate`), the
//! breakdown as CSV, and a command line that reproduces it. The app and the CLI share these, so the file the
//! page exports is byte for byte what `ftmem estimate CONFIG QUERY` prints.

use crate::estimate::{Estimate, EstimateError};
use crate::{Architecture, Settings};
use serde_json::{json, Map, Value};

/// `ftmem estimate`'s JSON object for `arch` under `settings`: `total_bytes`, `allocated_bytes`, `total_gb`,
/// `total_gib` (rounded to 3 decimals), `components` (`[{name, bytes}]`), `approximate`, `warnings`, `gpus`,
/// `shard`, `offload`, `cpu_bytes`, `stack` (null for inference), `liger`, `versions` (the pinned stack),
/// `other_stacks` (`[{stack, liger, total_bytes}]`), `query`. Errors: those of [`crate::estimate()`].
pub fn estimate_json(arch: &Architecture, settings: &Settings) -> Result<Value, EstimateError> {
    let est = crate::estimate(arch, settings)?;
    Ok(estimate_json_of(arch, settings, &est))
}

/// `ftmem serve`'s JSON object: every field of [`crate::estimate::serve::ServePlan`], plus `smallest_util`
/// (the smallest `gpu_memory_utilization` that starts, or null), `fewest_tp` (`{tp, kv_tokens}` or null),
/// `gpu` (the GPU id) and `query`. Errors: [`EstimateError::Overflow`].
pub fn serve_json(
    arch: &Architecture,
    settings: &Settings,
    gpu: &crate::gpus::Gpu,
) -> Result<Value, EstimateError> {
    use crate::estimate::serve;
    let plan = serve::plan(arch, settings, gpu)?;
    let mut v = serde_json::to_value(&plan).map_err(|_| EstimateError::Overflow)?;
    v["smallest_util"] = json!(serve::smallest_util(arch, settings, gpu)?);
    v["fewest_tp"] = match serve::fewest_tp(arch, settings, gpu)? {
        Some((tp, p)) => json!({"tp": tp, "kv_tokens": p.kv_tokens}),
        None => Value::Null,
    };
    v["gpu"] = json!(gpu.id);
    v["query"] = json!(settings.to_query());
    Ok(v)
}

/// [`estimate_json`] for an estimate already made (`est` = `estimate(arch, settings)`).
pub fn estimate_json_of(arch: &Architecture, settings: &Settings, est: &Estimate) -> Value {
    let components: Vec<Value> = est
        .components
        .iter()
        .map(|c| json!({"name": c.name, "bytes": c.bytes.0}))
        .collect();
    json!({
        "total_bytes": est.total_bytes.0,
        "allocated_bytes": est.allocated_bytes.0,
        "total_gb": (est.total_bytes.gb() * 1000.0).round() / 1000.0,
        "total_gib": (est.total_bytes.gib() * 1000.0).round() / 1000.0,
        "components": components,
        "approximate": est.approximate,
        "warnings": crate::warnings::warnings(arch, settings),
        "gpus": est.gpus,
        "shard": est.shard,
        "offload": est.offload,
        "cpu_bytes": est.cpu_bytes.0,
        "stack": settings.mode.trains().then_some(settings.stack),
        "liger": settings.mode.trains() && settings.liger,
        "versions": crate::settings::STACK_VERSIONS
            .iter()
            .map(|(p, v)| (p.to_string(), json!(v)))
            .collect::<Map<String, Value>>(),
        "other_stacks": crate::other_stacks(arch, settings)
            .iter()
            .map(|o| json!({"stack": o.stack, "liger": o.liger, "total_bytes": o.total_bytes.map(|b| b.0)}))
            .collect::<Vec<Value>>(),
        "query": settings.to_query(),
    })
}

/// The breakdown as CSV (RFC 4180, `\r\n` line ends): a header `component,bytes,gb,gib`, one row per component
/// in the estimate's order, then `total`. GB = 10⁹ bytes, GiB = 2³⁰ bytes, 3 decimals. Component names are the
/// core's stable identifiers (`[a-z_]`), so no field needs quoting.
pub fn breakdown_csv(est: &Estimate) -> String {
    let mut out = String::from("component,bytes,gb,gib\r\n");
    let row = |out: &mut String, name: &str, b: crate::Bytes| {
        out.push_str(&format!("{name},{},{:.3},{:.3}\r\n", b.0, b.gb(), b.gib()));
    };
    for c in &est.components {
        row(&mut out, c.name, c.bytes);
    }
    row(&mut out, "total", est.total_bytes);
    out
}

/// A shell command that reproduces the estimate with the command line: fetch the config.json of `model` at
/// `rev` from `endpoint` (`https://huggingface.co`), then `ftmem estimate config.json 'QUERY'`. `model`
/// empty (a pasted config): the command starts from a local `config.json`. All defaults: no query argument. Values are single-quoted for a
/// POSIX shell (a `'` inside is written `'\''`).
pub fn cli_command(endpoint: &str, settings: &Settings) -> String {
    let q = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let mut query = settings.clone();
    query.model.clear();
    query.rev = Settings::default().rev;
    let qs = query.to_query();
    let run = if qs.is_empty() {
        "ftmem estimate config.json".to_string()
    } else {
        format!("ftmem estimate config.json {}", q(&qs))
    };
    if settings.model.is_empty() {
        return run;
    }
    let url = format!(
        "{}/{}/resolve/{}/config.json",
        endpoint.trim_end_matches('/'),
        settings.model,
        crate::settings::percent_encode(&settings.rev)
    );
    format!("curl -sfL {} -o config.json && {run}", q(&url))
}
