//! What a checkpoint says it holds: the tensors listed in its safetensors headers, counted exactly.
//!
//! A safetensors file (format: <https://github.com/huggingface/safetensors>, README "Format") starts with an
//! 8-byte little-endian unsigned integer `N`, then `N` bytes of UTF-8 JSON: one entry per tensor,
//! `{"dtype": "BF16", "shape": [2880, 201088], "data_offsets": [begin, end]}`, plus an optional
//! `"__metadata__"` map of strings; the tensor bytes follow and are never needed here. The reference
//! implementation refuses headers over 100,000,000 bytes (`safetensors::tensor::MAX_HEADER_SIZE`); so does this
//! module. A sharded checkpoint has a `model.safetensors.index.json` whose `weight_map` maps each tensor name to
//! the shard file holding it (transformers `modeling_utils`, `SAFE_WEIGHTS_INDEX_NAME`).
//!
//! The app and the CLI read only headers: two HTTP `Range` requests per file (bytes 0–7, then the JSON), or the
//! first bytes of a local file. From them:
//!
//! * [`Summary::params`]: the model's parameters as stored, exactly, known family or not. Quantized formats keep a
//!   weight in packed form plus quantization statistics; the statistics are not parameters and packed tensors
//!   hold several weights per element ([`tensor_role`]):
//!   - MXFP4 (gpt-oss; OCP Microscaling v1.0; transformers `integrations/mxfp4.py`): `*_blocks` (`U8`, last
//!     dimension 16: 32 E2M1 values in 16 bytes) → 2 weights per byte; `*_scales` (`U8`, one E8M0 per 32) are
//!     statistics.
//!   - GPTQ / AWQ (`auto-gptq`, `autoawq`; transformers `integrations/awq.py`): `*.qweight` (`I32`) packs
//!     `32 / bits` weights per element; `*.qzeros`, `*.scales`, `*.g_idx` are statistics.
//!   - bitsandbytes 4-bit (`bitsandbytes/nn/modules.py` `Params4bit`, serialized by transformers'
//!     `bnb_4bit` quantizer): `*.weight` (`U8`, two 4-bit codes per byte) with a sibling
//!     `*.weight.quant_state.bitsandbytes__nf4|fp4`; `absmax`, `quant_map`, `nested_absmax`, `nested_quant_map`
//!     and the quant state are statistics. 8-bit (`Int8Params`): `*.SCB` and `*.weight_format` are statistics.
//!   - FP8 (DeepSeek-V3, Qwen3-FP8: `*.weight_scale_inv`; compressed-tensors / fbgemm: `*.weight_scale`,
//!     `*.input_scale`): one weight per element, the scales are statistics.
//! * [`Summary::stored`]: bytes as stored, by tensor dtype (every tensor, statistics included): what the weights
//!   take on the GPU when loaded in the checkpoint's own format.
//! * [`check`]: the comparison with the family model ([`crate::params::count`]); tensors of decoder layers at or
//!   past `num_hidden_layers` (DeepSeek-V3's multi-token-prediction layer 61, which transformers skips:
//!   `_keys_to_ignore_on_load_unexpected`) are counted apart, since transformers does not load them.
use crate::arch::Architecture;
use crate::units::{Bytes, Params};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The largest header accepted, in bytes (the safetensors crate's `MAX_HEADER_SIZE`).
pub const MAX_HEADER_BYTES: u64 = 100_000_000;

/// The most shard files an index may name (DeepSeek-V3 has 163; a bound keeps a hostile index from asking for
/// millions of requests).
pub const MAX_FILES: usize = 2048;

/// Why a checkpoint could not be read. The message names the file part that is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointError(pub String);

impl std::fmt::Display for CheckpointError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CheckpointError {}

fn err(m: impl Into<String>) -> CheckpointError {
    CheckpointError(m.into())
}

/// One tensor of a header: name, safetensors dtype (`BF16`, `F8_E4M3`, `U8`, ...) and shape (elements per axis).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tensor {
    /// Name as stored (`model.layers.0.self_attn.q_proj.weight`).
    pub name: String,
    /// safetensors dtype string.
    pub dtype: String,
    /// Shape, elements per axis (`[]` for a scalar).
    pub shape: Vec<u64>,
}

impl Tensor {
    /// Elements (product of the shape; 1 for a scalar). `None` on overflow.
    pub fn numel(&self) -> Option<u64> {
        self.shape.iter().try_fold(1u64, |a, &d| a.checked_mul(d))
    }
}

/// Bits per element of a safetensors dtype (`F4` = E2M1 and `F6_*` of the 2025 spec included); `None` for a
/// dtype the format does not define.
pub fn dtype_bits(dtype: &str) -> Option<u64> {
    Some(match dtype {
        "F64" | "I64" | "U64" | "C64" => 64,
        "F32" | "I32" | "U32" => 32,
        "F16" | "BF16" | "I16" | "U16" => 16,
        "I8" | "U8" | "BOOL" | "F8_E4M3" | "F8_E5M2" | "F8_E8M0" => 8,
        "F6_E2M3" | "F6_E3M2" => 6,
        "F4" => 4,
        _ => return None,
    })
}

/// The JSON header's length from a file's first 8 bytes (little-endian `u64`).
///
/// Errors: fewer than 8 bytes, or a length of 0 or over [`MAX_HEADER_BYTES`] (not a safetensors file).
pub fn header_len(first: &[u8]) -> Result<u64, CheckpointError> {
    let b: [u8; 8] = first
        .get(..8)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| err("the file is shorter than the 8-byte safetensors length prefix"))?;
    let n = u64::from_le_bytes(b);
    if !(2..=MAX_HEADER_BYTES).contains(&n) {
        return Err(err(format!(
            "the length prefix says {n} bytes of header, not a safetensors file (at most {MAX_HEADER_BYTES})"
        )));
    }
    Ok(n)
}

/// Parse a header's JSON into its tensors (the `__metadata__` entry left out), in the header's order.
///
/// Errors: not UTF-8 JSON, not an object, or an entry without a known `dtype` or a `shape` of whole numbers.
pub fn parse_header(json: &[u8]) -> Result<Vec<Tensor>, CheckpointError> {
    // Through `str` (as every other JSON the app reads): one serde_json reader in the browser build. The same
    // inputs are accepted (JSON is UTF-8 throughout); invalid UTF-8 is named as such.
    let text = std::str::from_utf8(json).map_err(|e| {
        err(format!(
            "the safetensors header is not JSON (not UTF-8: {e})"
        ))
    })?;
    let v: Value = serde_json::from_str(text)
        .map_err(|e| err(format!("the safetensors header is not JSON ({e})")))?;
    let obj = v
        .as_object()
        .ok_or_else(|| err("the safetensors header is not a JSON object"))?;
    let mut out = Vec::with_capacity(obj.len());
    for (name, t) in obj {
        if name == "__metadata__" {
            continue;
        }
        let dtype = t
            .get("dtype")
            .and_then(Value::as_str)
            .filter(|d| dtype_bits(d).is_some())
            .ok_or_else(|| err(format!("tensor `{name}` has no known safetensors dtype")))?;
        let shape = t
            .get("shape")
            .and_then(Value::as_array)
            .and_then(|a| a.iter().map(Value::as_u64).collect::<Option<Vec<u64>>>())
            .ok_or_else(|| err(format!("tensor `{name}` has no shape of whole numbers")))?;
        let tensor = Tensor {
            name: name.clone(),
            dtype: dtype.to_string(),
            shape,
        };
        if tensor.numel().is_none() {
            return Err(err(format!(
                "tensor `{name}` has a shape too large to count"
            )));
        }
        out.push(tensor);
    }
    Ok(out)
}

/// The shard files a `model.safetensors.index.json` names in its `weight_map`, each once, in first-seen order.
///
/// Errors: not JSON, no `weight_map` object, a value that is not a plain file name ending in `.safetensors`
/// (no `/`, `\` or `..`: the app builds URLs from them), or more than [`MAX_FILES`] files.
pub fn index_files(json: &str) -> Result<Vec<String>, CheckpointError> {
    let v: Value =
        serde_json::from_str(json).map_err(|e| err(format!("the index is not JSON ({e})")))?;
    let map = v
        .get("weight_map")
        .and_then(Value::as_object)
        .ok_or_else(|| err("the index has no `weight_map` object"))?;
    let mut files: Vec<String> = Vec::new();
    for f in map.values() {
        let f = f
            .as_str()
            .filter(|f| {
                f.ends_with(".safetensors")
                    && !f.contains(['/', '\\'])
                    && !f.contains("..")
                    && !f.starts_with('.')
            })
            .ok_or_else(|| {
                err(format!(
                    "the index names `{f}`, not a .safetensors file name"
                ))
            })?;
        if !files.iter().any(|x| x == f) {
            if files.len() == MAX_FILES {
                return Err(err(format!("the index names more than {MAX_FILES} files")));
            }
            files.push(f.to_string());
        }
    }
    if files.is_empty() {
        return Err(err("the index's `weight_map` is empty"));
    }
    Ok(files)
}

/// What one tensor is to the count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Parameters: `per_element` weights per stored element (1 plain, 2 for 4-bit packed in a byte, `32 / bits`
    /// for GPTQ/AWQ `qweight`).
    Weights {
        /// Weights per stored element.
        per_element: u64,
    },
    /// Quantization statistics (scales, zero points, absmax, quant state): bytes, not parameters.
    Statistics,
}

/// The role of tensor `t` among `names` (all tensor names of the checkpoint, sorted, for sibling lookups);
/// `int_bits` is the GPTQ/AWQ `bits` of the config (4 when absent). See the module docs for the formats.
pub fn tensor_role(t: &Tensor, names: &[&str], int_bits: u64) -> Role {
    let n = t.name.as_str();
    let has = |s: &str| names.binary_search(&s).is_ok();
    let stats_suffix = [
        ".weight_scale_inv",
        ".weight_scale",
        ".input_scale",
        ".weight_zero_point",
        ".weight_global_scale",
        ".input_global_scale",
        ".weight_g_idx",
        ".SCB",
        ".weight_format",
        ".absmax",
        ".quant_map",
        ".nested_absmax",
        ".nested_quant_map",
        ".quant_state.bitsandbytes__nf4",
        ".quant_state.bitsandbytes__fp4",
    ];
    if stats_suffix.iter().any(|s| n.ends_with(s)) {
        return Role::Statistics;
    }
    if let Some(base) = n.strip_suffix("_scales") {
        if t.dtype == "U8" && has(&format!("{base}_blocks")) {
            return Role::Statistics;
        }
    }
    for s in [".qzeros", ".scales", ".g_idx"] {
        if let Some(base) = n.strip_suffix(s) {
            if has(&format!("{base}.qweight")) {
                return Role::Statistics;
            }
        }
    }
    if n.ends_with("_blocks") && t.dtype == "U8" {
        return Role::Weights { per_element: 2 };
    }
    if n.ends_with(".qweight") && t.dtype == "I32" {
        return Role::Weights {
            per_element: (32 / int_bits.clamp(1, 32)).max(1),
        };
    }
    if t.dtype == "U8"
        && (has(&format!("{n}.quant_state.bitsandbytes__nf4"))
            || has(&format!("{n}.quant_state.bitsandbytes__fp4")))
    {
        return Role::Weights { per_element: 2 };
    }
    Role::Weights { per_element: 1 }
}

/// The tensors of one dtype.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DtypeBytes {
    /// safetensors dtype (`BF16`, `U8`, ...).
    pub dtype: String,
    /// Tensors of it.
    pub tensors: u64,
    /// Bytes they take as stored.
    pub bytes: Bytes,
}

/// A checkpoint's headers, counted (serialisable: the app keeps it in local storage for offline use).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// safetensors files read.
    pub files: u64,
    /// Tensors listed.
    pub tensors: u64,
    /// Parameters as stored (packed weights unpacked, statistics left out), layers past `num_hidden_layers`
    /// included.
    pub params: Params,
    /// Bytes of every tensor as stored.
    pub stored: Bytes,
    /// Bytes of the quantization statistics among them.
    pub statistics: Bytes,
    /// Per dtype, largest first.
    pub by_dtype: Vec<DtypeBytes>,
    /// Parameters in the files that transformers does not load: decoder layers at or past `num_hidden_layers`
    /// (`model.layers.{i}.` with `i ≥` the config's layer count) and a stored `lm_head.weight` of a model with
    /// tied embeddings.
    pub unloaded_params: Params,
    /// Bytes of those tensors.
    pub unloaded_bytes: Bytes,
    /// Whether any tensor is a packed or low-precision quantized weight (`U8` blocks, `I32` qweight, `F8_*`,
    /// `F4`) or statistics: the checkpoint is quantized.
    pub quantized: bool,
}

impl Summary {
    /// The summary as JSON text: the same object as its serde form (`serde_json::to_string`), keys in
    /// declaration order, for the app's local-storage cache. Written by hand (and read back by
    /// [`Summary::from_json`] through [`serde_json::Value`]) so the browser build carries no serde (de)serializer
    /// instantiated for `Summary` (issue 12 §7: first-load size).
    pub fn to_json(&self) -> String {
        let mut s = format!(
            "{{\"files\":{},\"tensors\":{},\"params\":{},\"stored\":{},\"statistics\":{},\"by_dtype\":[",
            self.files, self.tensors, self.params.0, self.stored.0, self.statistics.0
        );
        for (i, d) in self.by_dtype.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            s.push_str("{\"dtype\":");
            push_json_str(&mut s, &d.dtype);
            s.push_str(&format!(
                ",\"tensors\":{},\"bytes\":{}}}",
                d.tensors, d.bytes.0
            ));
        }
        s.push_str(&format!(
            "],\"unloaded_params\":{},\"unloaded_bytes\":{},\"quantized\":{}}}",
            self.unloaded_params.0, self.unloaded_bytes.0, self.quantized
        ));
        s
    }

    /// A summary from [`Summary::to_json`]'s text (or its serde form: any key order, unknown keys ignored);
    /// `None` for anything else (not JSON, a field missing or of another type).
    pub fn from_json(text: &str) -> Option<Summary> {
        let v: Value = serde_json::from_str(text).ok()?;
        let u = |v: &Value, k: &str| v.get(k).and_then(Value::as_u64);
        let by_dtype = v
            .get("by_dtype")?
            .as_array()?
            .iter()
            .map(|d| {
                Some(DtypeBytes {
                    dtype: d.get("dtype")?.as_str()?.to_string(),
                    tensors: u(d, "tensors")?,
                    bytes: Bytes(u(d, "bytes")?),
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Summary {
            files: u(&v, "files")?,
            tensors: u(&v, "tensors")?,
            params: Params(u(&v, "params")?),
            stored: Bytes(u(&v, "stored")?),
            statistics: Bytes(u(&v, "statistics")?),
            by_dtype,
            unloaded_params: Params(u(&v, "unloaded_params")?),
            unloaded_bytes: Bytes(u(&v, "unloaded_bytes")?),
            quantized: v.get("quantized")?.as_bool()?,
        })
    }
}

/// `t` as a JSON string literal (serde_json's escapes: `\"`, `\\`, the short forms of control characters,
/// `\u00XX` for the others).
fn push_json_str(s: &mut String, t: &str) {
    s.push('"');
    for c in t.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            '\u{8}' => s.push_str("\\b"),
            '\u{c}' => s.push_str("\\f"),
            c if (c as u32) < 0x20 => s.push_str(&format!("\\u{:04x}", c as u32)),
            c => s.push(c),
        }
    }
    s.push('"');
}

/// The decoder-layer index of a text-model tensor (`model.layers.12.…`, `model.language_model.layers.12.…`,
/// `transformer.h.12.…`), or `None`.
fn layer_index(name: &str) -> Option<u64> {
    for p in [
        "model.layers.",
        "model.language_model.layers.",
        "language_model.model.layers.",
        "transformer.h.",
        "backbone.layers.",
    ] {
        if let Some(rest) = name.strip_prefix(p) {
            return rest.split('.').next()?.parse().ok();
        }
    }
    None
}

/// What of a checkpoint transformers loads, from the config ([`Loading::of`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Loading {
    /// `num_hidden_layers`: decoder layers at or past it are not loaded.
    pub num_hidden_layers: u64,
    /// `tie_word_embeddings`: a stored `lm_head.weight` is replaced by the embedding matrix at load
    /// (`PreTrainedModel.tie_weights`), so it is not a parameter of the loaded model.
    pub tie_word_embeddings: bool,
    /// GPTQ/AWQ `bits` (4 when the config has none).
    pub int_bits: u64,
}

impl Loading {
    /// The loading rules of `arch`'s config.
    pub fn of(arch: &Architecture) -> Loading {
        let int_bits = match &arch.quantization {
            Some(crate::arch::Quantization::IntGroup { bits, .. }) => *bits,
            _ => 4,
        };
        Loading {
            num_hidden_layers: arch.num_hidden_layers,
            tie_word_embeddings: arch.tie_word_embeddings,
            int_bits,
        }
    }
}

/// Count the tensors of a checkpoint (all files together), `files` of them, loaded as `load` says.
///
/// Errors: a total past `u64` or a dtype safetensors does not define, as a [`CheckpointError`].
pub fn summarize(
    tensors: &[Tensor],
    files: u64,
    load: Loading,
) -> Result<Summary, CheckpointError> {
    let Loading {
        num_hidden_layers,
        tie_word_embeddings,
        int_bits,
    } = load;
    let mut names: Vec<&str> = tensors.iter().map(|t| t.name.as_str()).collect();
    names.sort_unstable();
    let overflow = || err("the checkpoint's sizes do not fit in 64 bits");
    let mut s = Summary {
        files,
        tensors: tensors.len() as u64,
        params: Params(0),
        stored: Bytes(0),
        statistics: Bytes(0),
        by_dtype: Vec::new(),
        unloaded_params: Params(0),
        unloaded_bytes: Bytes(0),
        quantized: false,
    };
    for t in tensors {
        let numel = t.numel().ok_or_else(overflow)?;
        let bits = dtype_bits(&t.dtype).ok_or_else(|| err(format!("unknown dtype {}", t.dtype)))?;
        let bytes = Params(numel).bytes_at_bits(bits).map_err(|_| overflow())?;
        let role = tensor_role(t, &names, int_bits);
        let params = match role {
            Role::Weights { per_element } => numel.checked_mul(per_element).ok_or_else(overflow)?,
            Role::Statistics => 0,
        };
        s.quantized |= matches!(role, Role::Statistics)
            || matches!(role, Role::Weights { per_element } if per_element > 1)
            || t.dtype.starts_with("F8_")
            || t.dtype == "F4";
        s.params = s
            .params
            .checked_add(Params(params))
            .map_err(|_| overflow())?;
        s.stored = s.stored.checked_add(bytes).map_err(|_| overflow())?;
        if role == Role::Statistics {
            s.statistics = s.statistics.checked_add(bytes).map_err(|_| overflow())?;
        }
        let tied_copy = tie_word_embeddings && t.name == "lm_head.weight";
        if tied_copy || layer_index(&t.name).is_some_and(|i| i >= num_hidden_layers) {
            s.unloaded_params = s
                .unloaded_params
                .checked_add(Params(params))
                .map_err(|_| overflow())?;
            s.unloaded_bytes = s
                .unloaded_bytes
                .checked_add(bytes)
                .map_err(|_| overflow())?;
        }
        match s.by_dtype.iter_mut().find(|d| d.dtype == t.dtype) {
            Some(d) => {
                d.tensors += 1;
                d.bytes = d.bytes.checked_add(bytes).map_err(|_| overflow())?;
            }
            None => s.by_dtype.push(DtypeBytes {
                dtype: t.dtype.clone(),
                tensors: 1,
                bytes,
            }),
        }
    }
    s.by_dtype
        .sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.dtype.cmp(&b.dtype)));
    Ok(s)
}

/// The checkpoint next to the family model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// The checkpoint's parameters that transformers loads ([`Summary::params`] − [`Summary::unloaded_params`]).
    pub checkpoint_params: Params,
    /// The family model's count ([`crate::params::count`]'s `total`).
    pub family_params: Params,
    /// Whether the two are equal.
    pub agrees: bool,
    /// Whether the family model is the generic decoder (unknown `model_type`): the checkpoint's figure is then
    /// the exact one.
    pub family_approximate: bool,
    /// The checkpoint's bytes as stored, of the tensors transformers loads.
    pub stored_bytes: Bytes,
}

/// Compare a checkpoint with the family model of `arch`.
pub fn check(s: &Summary, arch: &Architecture) -> Check {
    let counts = crate::params::count(arch);
    let checkpoint_params = Params(s.params.0.saturating_sub(s.unloaded_params.0));
    Check {
        checkpoint_params,
        family_params: counts.total,
        agrees: checkpoint_params == counts.total,
        family_approximate: counts.approximate,
        stored_bytes: Bytes(s.stored.0.saturating_sub(s.unloaded_bytes.0)),
    }
}

/// Attach a checkpoint to `arch`: when it agrees with the family count and is quantized, inference in the
/// checkpoint's own format (`precision=stored`) takes its weights as the stored bytes of the loaded tensors
/// (exact, by dtype) instead of the family model's format rules ([`crate::arch::Architecture::checkpoint_weights`]).
/// Returns the comparison.
pub fn attach(arch: &mut Architecture, s: &Summary) -> Check {
    let c = check(s, arch);
    arch.checkpoint_weights = (c.agrees && s.quantized).then_some(c.stored_bytes);
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_json_is_its_serde_form_and_reads_back() {
        let s = Summary {
            files: 3,
            tensors: 291,
            params: Params(8_030_261_248),
            stored: Bytes(16_060_522_496),
            statistics: Bytes(0),
            by_dtype: vec![
                DtypeBytes {
                    dtype: "BF16".into(),
                    tensors: 290,
                    bytes: Bytes(16_060_522_000),
                },
                DtypeBytes {
                    dtype: "odd\"\\\n\u{1}é".into(),
                    tensors: 1,
                    bytes: Bytes(u64::MAX),
                },
            ],
            unloaded_params: Params(1),
            unloaded_bytes: Bytes(2),
            quantized: true,
        };
        assert_eq!(s.to_json(), serde_json::to_string(&s).unwrap());
        assert_eq!(Summary::from_json(&s.to_json()), Some(s.clone()));
        let mut v: Value = serde_json::from_str(&s.to_json()).unwrap();
        v["extra"] = Value::from(1);
        assert_eq!(Summary::from_json(&v.to_string()), Some(s.clone()));
        v["files"] = Value::from(-1);
        assert_eq!(Summary::from_json(&v.to_string()), None);
        for bad in ["", "[]", "{}", "null", "{\"files\":1}"] {
            assert_eq!(Summary::from_json(bad), None, "{bad}");
        }
        let empty = Summary {
            by_dtype: vec![],
            quantized: false,
            ..s
        };
        assert_eq!(empty.to_json(), serde_json::to_string(&empty).unwrap());
        assert_eq!(Summary::from_json(&empty.to_json()), Some(empty));
    }

    fn t(name: &str, dtype: &str, shape: &[u64]) -> Tensor {
        Tensor {
            name: name.into(),
            dtype: dtype.into(),
            shape: shape.to_vec(),
        }
    }

    #[test]
    fn length_prefix_is_little_endian_and_bounded() {
        assert_eq!(header_len(&[0x10, 0, 0, 0, 0, 0, 0, 0]).unwrap(), 16);
        assert!(header_len(&[1, 2, 3]).is_err());
        assert!(header_len(&u64::MAX.to_le_bytes()).is_err());
        assert!(header_len(&0u64.to_le_bytes()).is_err());
    }

    #[test]
    fn header_skips_metadata_and_rejects_unknown_dtypes() {
        let h = br#"{"__metadata__":{"format":"pt"},"a.weight":{"dtype":"BF16","shape":[4,8],"data_offsets":[0,64]}}"#;
        let ts = parse_header(h).unwrap();
        assert_eq!(ts, vec![t("a.weight", "BF16", &[4, 8])]);
        let bad = br#"{"a":{"dtype":"Q4_K","shape":[4],"data_offsets":[0,2]}}"#;
        assert!(parse_header(bad).unwrap_err().0.contains("`a`"));
        assert!(parse_header(b"[1]").is_err());
        assert!(parse_header(br#"{"a":{"dtype":"F32","shape":[-1]}}"#).is_err());
    }

    #[test]
    fn index_names_each_file_once_and_refuses_paths() {
        let idx = r#"{"metadata":{"total_size":1},"weight_map":{"a":"model-00001-of-00002.safetensors",
            "b":"model-00002-of-00002.safetensors","c":"model-00001-of-00002.safetensors"}}"#;
        assert_eq!(
            index_files(idx).unwrap(),
            vec![
                "model-00001-of-00002.safetensors",
                "model-00002-of-00002.safetensors"
            ]
        );
        assert!(index_files(r#"{"weight_map":{"a":"../x.safetensors"}}"#).is_err());
        assert!(index_files(r#"{"weight_map":{"a":"https://evil/x.safetensors"}}"#).is_err());
        assert!(index_files(r#"{"weight_map":{}}"#).is_err());
    }

    #[test]
    fn packed_formats_count_weights_not_statistics() {
        // gpt-oss MXFP4 experts: 32 experts × 5760 × 2880 weights as 90 blocks of 16 bytes per row.
        let ts = vec![
            t(
                "model.layers.0.mlp.experts.gate_up_proj_blocks",
                "U8",
                &[32, 5760, 90, 16],
            ),
            t(
                "model.layers.0.mlp.experts.gate_up_proj_scales",
                "U8",
                &[32, 5760, 90],
            ),
            t(
                "model.layers.0.self_attn.q_proj.weight",
                "BF16",
                &[4096, 2880],
            ),
            // GPTQ 4-bit: qweight [in/8, out].
            t("model.layers.0.mlp.down_proj.qweight", "I32", &[1024, 4096]),
            t("model.layers.0.mlp.down_proj.scales", "F16", &[64, 4096]),
            t("model.layers.0.mlp.down_proj.qzeros", "I32", &[64, 512]),
            // bitsandbytes NF4.
            t("model.layers.0.mlp.up_proj.weight", "U8", &[2048, 1]),
            t("model.layers.0.mlp.up_proj.weight.absmax", "F32", &[64]),
            t(
                "model.layers.0.mlp.up_proj.weight.quant_state.bitsandbytes__nf4",
                "U8",
                &[90],
            ),
            // FP8.
            t(
                "model.layers.0.mlp.gate_proj.weight",
                "F8_E4M3",
                &[256, 128],
            ),
            t(
                "model.layers.0.mlp.gate_proj.weight_scale_inv",
                "F32",
                &[2, 1],
            ),
            // An MTP layer past num_hidden_layers = 1.
            t("model.layers.1.eh_proj.weight", "BF16", &[8, 8]),
        ];
        let load = Loading {
            num_hidden_layers: 1,
            tie_word_embeddings: false,
            int_bits: 4,
        };
        let s = summarize(&ts, 1, load).unwrap();
        let expect = 32 * 5760 * 2880 + 4096 * 2880 + 8192 * 4096 + 4096 + 256 * 128 + 64;
        assert_eq!(s.params, Params(expect));
        assert_eq!(s.unloaded_params, Params(64));
        assert!(s.quantized);
        let stats = 32 * 5760 * 90 + 64 * 4096 * 2 + 64 * 512 * 4 + 64 * 4 + 90 + 2 * 4;
        assert_eq!(s.statistics, Bytes(stats));
        assert_eq!(s.by_dtype[0].dtype, "U8");
    }

    #[test]
    fn a_plain_checkpoint_is_not_quantized() {
        let ts = vec![
            t("model.embed_tokens.weight", "BF16", &[10, 4]),
            t("lm_head.weight", "BF16", &[10, 4]),
        ];
        let mut load = Loading {
            num_hidden_layers: 2,
            tie_word_embeddings: true,
            int_bits: 4,
        };
        let s = summarize(&ts, 1, load).unwrap();
        assert!(!s.quantized);
        assert_eq!((s.params, s.stored), (Params(80), Bytes(160)));
        // Tied: the stored head is not loaded.
        assert_eq!(
            (s.unloaded_params, s.unloaded_bytes),
            (Params(40), Bytes(80))
        );
        load.tie_word_embeddings = false;
        assert_eq!(summarize(&ts, 1, load).unwrap().unloaded_params, Params(0));
    }
}
