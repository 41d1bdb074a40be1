//! Settings in the query string (issue 2, §8): exactly the keys and values of [`Settings::to_query`], UI-only
//! keys kept as they are, defaults left out. Pure functions; the router glue is in [`crate::app`].
//!
//! UI-only keys ([`UI_KEYS`]) belong to the page, not to [`Settings`]: `lang` (the language, [`lang_from_pairs`],
//! [`with_lang_pair`]), `unit` and `gpu` ([`crate::fits`]). Any other unknown key is kept untouched.

use ftmem_core::settings::{percent_decode, percent_encode, QueryError};
use ftmem_core::Settings;

/// Query keys owned by [`Settings`] (in `to_query`'s order).
pub const SETTINGS_KEYS: [&str; 26] = [
    "model",
    "rev",
    "mode",
    "precision",
    "dq",
    "batch",
    "ga",
    "seq",
    "new",
    "rank",
    "targets",
    "target_params",
    "dropout",
    "gc",
    "optim",
    "attn",
    "gpus",
    "shard",
    "offload",
    "stack",
    "liger",
    "util",
    "maxlen",
    "kvdtype",
    "tp",
    "seqs",
];

/// UI-only query keys the page reads and writes itself: the language, the unit, the chosen GPU.
pub const UI_KEYS: [&str; 4] = [
    crate::i18n::LANG_KEY,
    crate::fits::UNIT_KEY,
    crate::fits::GPU_KEY,
    crate::compare_panel::COMPARE_KEY,
];

/// The link's `lang` value as written (the last one wins, as for the other keys), `None` when absent. Parse it
/// with [`crate::i18n::Lang::parse`]; [`crate::i18n::choose`] skips a value that does not parse.
pub fn lang_from_pairs(pairs: &[(String, String)]) -> Option<&str> {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == crate::i18n::LANG_KEY)
        .map(|(_, v)| v.as_str())
}

/// `extras` (a link's non-settings pairs) with `lang` set to `lang`: an existing `lang` pair is replaced where it
/// stands (later duplicates dropped), a missing one appended; `None` removes it.
pub fn with_lang_pair(
    extras: &[(String, String)],
    lang: Option<crate::i18n::Lang>,
) -> Vec<(String, String)> {
    let key = crate::i18n::LANG_KEY;
    let mut out = Vec::with_capacity(extras.len() + 1);
    let mut placed = false;
    for (k, v) in extras {
        if k == key {
            if let (false, Some(l)) = (placed, lang) {
                out.push((k.clone(), l.code().to_string()));
            }
            placed = true;
        } else {
            out.push((k.clone(), v.clone()));
        }
    }
    if let (false, Some(l)) = (placed, lang) {
        out.push((key.to_string(), l.code().to_string()));
    }
    out
}

/// Whether `key` belongs to [`Settings`].
pub fn is_settings_key(key: &str) -> bool {
    SETTINGS_KEYS.contains(&key)
}

/// Split a raw query string (with or without `?`) into percent-decoded `(key, value)` pairs, in order.
pub fn split_query(q: &str) -> Vec<(String, String)> {
    let q = q.strip_prefix('?').unwrap_or(q);
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (percent_decode(k), percent_decode(v)),
            None => (percent_decode(p), String::new()),
        })
        .collect()
}

/// Settings from a link's pairs, never failing: a key whose value is unusable falls back to its default and its
/// [`QueryError`] is returned (at most one per key, in the order found).
pub fn settings_from_pairs_lenient(pairs: &[(String, String)]) -> (Settings, Vec<QueryError>) {
    let mut kept: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| is_settings_key(k))
        .cloned()
        .collect();
    let mut errors: Vec<QueryError> = Vec::new();
    // Each round drops every pair of the offending key, so this ends after at most SETTINGS_KEYS.len() rounds.
    for _ in 0..=SETTINGS_KEYS.len() {
        match Settings::from_pairs(kept.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
            Ok(mut s) => {
                drop_hidden_settings(&mut s);
                return (s, errors);
            }
            Err(e) => {
                kept.retain(|(k, _)| *k != e.key);
                errors.push(e);
            }
        }
    }
    (Settings::default(), errors)
}

/// The page shows the GPU-count and sharding controls for training only, so inference and serving run on one
/// data-parallel GPU here: `gpus`, `shard` and `offload` go back to their defaults (a setting nobody can see must
/// not act, nor stay in the link); the core and the CLI still take `mode=inference&gpus=N&shard=zero3`
/// (ZeRO-Inference). Likewise the serving keys (`util`, `maxlen`, `kvdtype`, `tp`, `seqs`) exist only in
/// `mode=serve`, and `batch`, `seq`, `new`, `attn` only outside it.
pub fn drop_hidden_settings(s: &mut Settings) {
    let d = Settings::default();
    if !s.mode.trains() {
        s.gpus = d.gpus;
        s.shard = d.shard;
        s.offload = d.offload;
    }
    if s.mode == ftmem_core::settings::Mode::Serve {
        // The serving card has no micro-batch, prompt, generated-token or attention control (vLLM schedules
        // its own batches and runs its own attention backends).
        s.batch = d.batch;
        s.seq = d.seq;
        s.new_tokens = d.new_tokens;
        s.attn = d.attn;
    } else {
        s.util = d.util;
        s.maxlen = d.maxlen;
        s.kvdtype = d.kvdtype;
        s.tp = d.tp;
        s.seqs = d.seqs;
    }
}

/// The pairs of `pairs` whose keys are not settings keys (kept in links untouched).
pub fn extra_pairs(pairs: &[(String, String)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .filter(|(k, _)| !is_settings_key(k))
        .cloned()
        .collect()
}

/// The query string (without `?`) for `settings` followed by the `extras`: `Settings::to_query` verbatim, then
/// each extra as `key=value`, percent-encoded.
pub fn build_query(settings: &Settings, extras: &[(String, String)]) -> String {
    let mut q = settings.to_query();
    for (k, v) in extras {
        if !q.is_empty() {
            q.push('&');
        }
        q.push_str(&percent_encode(k));
        if !v.is_empty() {
            q.push('=');
            q.push_str(&percent_encode(v));
        }
    }
    q
}

/// Apply one control's value, written as its query value (`batch` = `"4"`), to `settings`, validated by the core's
/// query parser so that the control accepts exactly what a link accepts. `precision` is checked against the
/// current mode, `gpus`/`shard`/`offload` against the mode and the sharding in force. On error `settings` is
/// unchanged.
pub fn apply_key(settings: &mut Settings, key: &str, value: &str) -> Result<(), QueryError> {
    let mode = settings.mode.as_str();
    let parsed = match key {
        "precision" => Settings::from_pairs([("mode", mode), ("precision", value)])?,
        // Sharding keys are checked together with the mode and the other sharding keys in force, as in a link.
        "gpus" | "shard" | "offload" => Settings::from_pairs([
            ("mode", mode),
            ("shard", settings.shard.as_str()),
            ("offload", settings.offload.as_str()),
            (key, value),
        ])?,
        _ => Settings::from_pairs([(key, value)])?,
    };
    match key {
        "model" => settings.model = parsed.model,
        "rev" => settings.rev = parsed.rev,
        "mode" => {
            settings.mode = parsed.mode;
            if let Some(p) = settings.precision {
                if !settings.mode.precisions().contains(&p) {
                    settings.precision = None;
                }
            }
        }
        "precision" => settings.precision = parsed.precision,
        "dq" => settings.double_quant = parsed.double_quant,
        "batch" => settings.batch = parsed.batch,
        "ga" => settings.grad_accum = parsed.grad_accum,
        "seq" => settings.seq = parsed.seq,
        "new" => settings.new_tokens = parsed.new_tokens,
        "rank" => settings.rank = parsed.rank,
        "targets" => settings.targets = parsed.targets,
        "target_params" => settings.target_params = parsed.target_params,
        "dropout" => settings.dropout = parsed.dropout,
        "gc" => settings.gc = parsed.gc,
        "optim" => settings.optim = parsed.optim,
        "attn" => settings.attn = parsed.attn,
        "gpus" => settings.gpus = parsed.gpus,
        "shard" => settings.shard = parsed.shard,
        "offload" => settings.offload = parsed.offload,
        "stack" => settings.stack = parsed.stack,
        "liger" => settings.liger = parsed.liger,
        "util" => settings.util = parsed.util,
        "maxlen" => settings.maxlen = parsed.maxlen,
        "kvdtype" => settings.kvdtype = parsed.kvdtype,
        "tp" => settings.tp = parsed.tp,
        "seqs" => settings.seqs = parsed.seqs,
        other => {
            return Err(QueryError {
                key: other.to_string(),
                message: "not a setting".into(),
            });
        }
    }
    Ok(())
}
