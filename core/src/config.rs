//! Lenient `config.json` parsing and typed field lookup.
//!
//! The Hub serves `config.json` files written by Python's `json.dump`, which emits the bare tokens `Infinity`,
//! `-Infinity` and `NaN` for non-finite floats (Nemotron-H's `time_step_limit` holds `Infinity`). Strict JSON
//! parsers reject them; [`parse_json`] replaces each such token *outside strings* by the JSON string of the same
//! name (`"Infinity"`, ...) before handing the text to serde_json, so string contents are never touched. No shape
//! field ftmem reads is ever non-finite: a field that must be a number and holds one of them is then refused with
//! a message naming it, instead of silently taking the family default as a `null` would. A leading byte-order
//! mark (U+FEFF, as some editors save) is skipped.
//!
//! [`Cfg`] wraps one JSON object and gives typed getters that treat `null` like an absent field, accept aliases
//! (`n_embd` for `hidden_size`, ...) and reject unusable values with a [`ConfigError`] naming the field.
//! Limits ([`MAX_DIM`], [`MAX_LAYERS`], [`MAX_EXPERTS`], [`MAX_CONTEXT`]) keep every product of two dimensions
//! times experts times layers far below `u64::MAX` (2²⁴ · 2²⁴ · 2¹⁶ · 2¹⁶ = 2⁸⁰ would not fit, so all later
//! arithmetic is checked as well).

use serde_json::{Map, Value};
use std::fmt;

/// Largest accepted width of any tensor dimension (hidden_size, intermediate_size, vocab_size, head_dim,
/// ranks, ...): 2²⁴ = 16,777,216 elements. The largest real models are below 2¹⁸ on every such dimension.
pub const MAX_DIM: u64 = 1 << 24;
/// Largest accepted number of decoder layers (`num_hidden_layers`): 2¹⁶ = 65,536.
pub const MAX_LAYERS: u64 = 1 << 16;
/// Largest accepted number of heads or experts: 2¹⁶ = 65,536.
pub const MAX_EXPERTS: u64 = 1 << 16;
/// Largest accepted context length (`max_position_embeddings`, `sliding_window`), tokens: 2³² ≈ 4.3 G.
pub const MAX_CONTEXT: u64 = 1 << 32;

/// Why a `config.json` could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// The text is not JSON (message from the parser, with line/column).
    NotJson(String),
    /// The JSON is not an object (e.g. a top-level array).
    NotObject,
    /// A field the architecture needs is absent or null; names the field.
    MissingField(String),
    /// The object has none of the fields that set a model's size (`hidden_size`, `num_hidden_layers`,
    /// `num_attention_heads`, `vocab_size`, under any of their aliases): it describes no model, and estimating
    /// the family's defaults would silently invent one. Lists the fields looked for, canonical name first with
    /// its aliases.
    NotAModel {
        /// The size fields looked for (`hidden_size (n_embd, d_model)`, ...).
        missing: Vec<String>,
    },
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
            ConfigError::NotAModel { missing } => write!(
                f,
                "config.json describes no model: it has none of the size fields {}",
                missing.join(", ")
            ),
            ConfigError::BadField { field, message } => {
                write!(f, "config.json field `{field}`: {message}")
            }
        }
    }
}
impl std::error::Error for ConfigError {}

impl ConfigError {
    /// A [`ConfigError::BadField`] for `field` with `message`.
    pub fn bad(field: &str, message: impl Into<String>) -> ConfigError {
        ConfigError::BadField {
            field: field.to_string(),
            message: message.into(),
        }
    }
}

/// Parse `config.json` text into a JSON object value.
///
/// Lenient in exactly one way: the bare tokens `Infinity`, `-Infinity` and `NaN` outside strings (Python's
/// `json.dump` output for non-finite floats) become the strings `"Infinity"`, `"-Infinity"`, `"NaN"`, and a leading
/// byte-order mark is skipped. Errors: [`ConfigError::NotJson`] with serde_json's
/// line/column message, [`ConfigError::NotObject`] when the top level is not an object.
pub fn parse_json(text: &str) -> Result<Value, ConfigError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let cleaned = replace_non_finite(text);
    let v: Value =
        serde_json::from_str(&cleaned).map_err(|e| ConfigError::NotJson(e.to_string()))?;
    if !v.is_object() {
        return Err(ConfigError::NotObject);
    }
    Ok(v)
}

/// Replace the bare tokens `-Infinity`, `Infinity` and `NaN` outside JSON strings by JSON strings of the same text.
///
/// A token only counts when it is not part of a longer identifier (so `NaNx` is left for serde_json to reject).
/// Strings are copied verbatim, including escaped quotes (`\"`).
fn replace_non_finite(text: &str) -> String {
    const TOKENS: [&str; 3] = ["-Infinity", "Infinity", "NaN"];
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut copied = 0; // bytes of `text` already copied to `out`
    while i < bytes.len() {
        match bytes[i] {
            b'"' => i = skip_string(bytes, i),
            b'-' | b'I' | b'N' => {
                let prev_ident = i > 0 && is_ident_byte(bytes[i - 1]);
                let hit = TOKENS.iter().find(|t| {
                    let end = i + t.len();
                    !prev_ident
                        && bytes[i..].starts_with(t.as_bytes())
                        && (end >= bytes.len() || !is_ident_byte(bytes[end]))
                });
                if let Some(t) = hit {
                    out.push_str(&text[copied..i]);
                    out.push('"');
                    out.push_str(t);
                    out.push('"');
                    i += t.len();
                    copied = i;
                } else {
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// Index just past the string starting at the quote `bytes[start]` (or the end of the text if unterminated).
fn skip_string(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'.'
}

/// A view of one `config.json` object with typed, field-naming getters.
///
/// `null` is treated exactly like an absent field everywhere (the Hub's configs write `"sliding_window": null`,
/// `"q_lora_rank": null`, ...).
#[derive(Debug, Clone, Copy)]
pub struct Cfg<'a> {
    obj: &'a Map<String, Value>,
}

impl<'a> Cfg<'a> {
    /// Wrap a JSON value; [`ConfigError::NotObject`] unless it is an object.
    pub fn new(v: &'a Value) -> Result<Cfg<'a>, ConfigError> {
        v.as_object()
            .map(|obj| Cfg { obj })
            .ok_or(ConfigError::NotObject)
    }

    /// Wrap an object map.
    pub fn from_map(obj: &'a Map<String, Value>) -> Cfg<'a> {
        Cfg { obj }
    }

    /// The raw value of `key`; `None` when absent or `null`.
    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.obj.get(key).filter(|v| !v.is_null())
    }

    /// Whether `key` is present and not `null`.
    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The nested object under `key` (e.g. `text_config`, `quantization_config`), if it is an object.
    pub fn sub(&self, key: &str) -> Option<Cfg<'a>> {
        self.get(key)
            .and_then(|v| v.as_object())
            .map(|obj| Cfg { obj })
    }

    /// The array under `key`, if it is an array.
    pub fn array(&self, key: &str) -> Option<&'a Vec<Value>> {
        self.get(key).and_then(|v| v.as_array())
    }

    /// A whole number in `0..=max`; `None` when absent/null. Integral floats (`4096.0`) are accepted.
    /// Errors name `key`: not a number, negative, fractional, or above `max`.
    pub fn count(&self, key: &str, max: u64) -> Result<Option<u64>, ConfigError> {
        let Some(v) = self.get(key) else {
            return Ok(None);
        };
        let n = whole_number(key, v)?;
        if n > max {
            return Err(ConfigError::bad(
                key,
                format!("{n} is larger than the supported maximum {max}"),
            ));
        }
        Ok(Some(n))
    }

    /// Like [`Cfg::count`] but also rejects zero: a size (width, layer count, head count), in `1..=max`.
    pub fn size(&self, key: &str, max: u64) -> Result<Option<u64>, ConfigError> {
        match self.count(key, max)? {
            Some(0) => Err(ConfigError::bad(key, "must be at least 1, got 0")),
            other => Ok(other),
        }
    }

    /// A required size: [`ConfigError::MissingField`] naming `key` when absent or null.
    pub fn size_req(&self, key: &str, max: u64) -> Result<u64, ConfigError> {
        self.size(key, max)?
            .ok_or_else(|| ConfigError::MissingField(key.to_string()))
    }

    /// A size with a family default (the value the transformers configuration class uses when the key is absent).
    pub fn size_or(&self, key: &str, max: u64, default: u64) -> Result<u64, ConfigError> {
        Ok(self.size(key, max)?.unwrap_or(default))
    }

    /// A count (zero allowed) with a family default.
    pub fn count_or(&self, key: &str, max: u64, default: u64) -> Result<u64, ConfigError> {
        Ok(self.count(key, max)?.unwrap_or(default))
    }

    /// The first of several alias keys that is present (e.g. `["hidden_size", "n_embd", "d_model"]`), as a size.
    pub fn size_any(&self, keys: &[&str], max: u64) -> Result<Option<u64>, ConfigError> {
        for k in keys {
            if let Some(n) = self.size(k, max)? {
                return Ok(Some(n));
            }
        }
        Ok(None)
    }

    /// Like [`Cfg::size_any`] but required; the error names the first (canonical) key.
    pub fn size_any_req(&self, keys: &[&str], max: u64) -> Result<u64, ConfigError> {
        self.size_any(keys, max)?.ok_or_else(|| {
            ConfigError::MissingField(keys.first().copied().unwrap_or("?").to_string())
        })
    }

    /// A boolean with a default; a non-boolean value is a [`ConfigError::BadField`].
    pub fn bool_or(&self, key: &str, default: bool) -> Result<bool, ConfigError> {
        match self.get(key) {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(ConfigError::bad(key, "must be true or false")),
        }
    }

    /// A string; `None` when absent/null; a non-string is a [`ConfigError::BadField`].
    pub fn str(&self, key: &str) -> Result<Option<&'a str>, ConfigError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(ConfigError::bad(key, "must be a string")),
        }
    }

    /// A finite number; `None` when absent/null (or a non-finite token, which [`parse_json`] made `null`).
    pub fn f64(&self, key: &str) -> Result<Option<f64>, ConfigError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(_) => Err(ConfigError::bad(key, "must be a number")),
        }
    }

    /// A list of strings (e.g. `layer_types`, `modules_to_not_convert`); `None` when absent/null.
    pub fn strings(&self, key: &str) -> Result<Option<Vec<&'a str>>, ConfigError> {
        let Some(v) = self.get(key) else {
            return Ok(None);
        };
        let arr = v
            .as_array()
            .ok_or_else(|| ConfigError::bad(key, "must be a list of strings"))?;
        arr.iter()
            .map(|x| {
                x.as_str()
                    .ok_or_else(|| ConfigError::bad(key, "must be a list of strings"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// The checkpoint dtype: `torch_dtype` (transformers 4.x) or `dtype` (transformers 5.x).
    pub fn dtype(&self) -> Result<Option<&'a str>, ConfigError> {
        match self.str("torch_dtype")? {
            Some(s) => Ok(Some(s)),
            None => self.str("dtype"),
        }
    }

    /// The underlying object.
    pub fn map(&self) -> &'a Map<String, Value> {
        self.obj
    }
}

/// A JSON number that is a whole number ≥ 0 (integral floats accepted), else a [`ConfigError::BadField`].
fn whole_number(key: &str, v: &Value) -> Result<u64, ConfigError> {
    let Value::Number(n) = v else {
        return Err(ConfigError::bad(
            key,
            format!("must be a whole number, got {}", short(v)),
        ));
    };
    if let Some(u) = n.as_u64() {
        return Ok(u);
    }
    if n.as_i64().is_some() {
        return Err(ConfigError::bad(
            key,
            format!("must not be negative, got {n}"),
        ));
    }
    let f = n.as_f64().unwrap_or(f64::NAN);
    if !f.is_finite() || f.fract() != 0.0 {
        return Err(ConfigError::bad(
            key,
            format!("must be a whole number, got {n}"),
        ));
    }
    if f < 0.0 {
        return Err(ConfigError::bad(
            key,
            format!("must not be negative, got {n}"),
        ));
    }
    if f >= 1.8e19 {
        return Err(ConfigError::bad(key, format!("{n} is absurdly large")));
    }
    Ok(f as u64)
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bare_non_finite_tokens_become_strings_outside_strings() {
        let v = parse_json(r#"{"a": [0.0, Infinity], "b": -Infinity, "c": NaN, "s": "Infinity \"NaN\" -Infinity"}"#)
            .unwrap();
        assert_eq!(v["a"], json!([0.0, "Infinity"]));
        assert_eq!(v["b"], json!("-Infinity"));
        assert_eq!(v["c"], json!("NaN"));
        assert_eq!(v["s"], json!("Infinity \"NaN\" -Infinity"));
    }

    #[test]
    fn a_non_finite_size_is_refused_and_a_bom_is_skipped() {
        let e =
            crate::parse_config(r#"{"model_type":"llama","hidden_size":Infinity}"#).unwrap_err();
        assert!(e.to_string().contains("hidden_size"), "{e}");
        let e =
            crate::parse_config(r#"{"model_type":"llama","num_hidden_layers":NaN}"#).unwrap_err();
        assert!(e.to_string().contains("num_hidden_layers"), "{e}");
        assert!(parse_json("\u{feff}{\"a\": 1}").is_ok());
    }

    #[test]
    fn not_json_and_not_object_are_errors() {
        assert!(matches!(parse_json("{"), Err(ConfigError::NotJson(_))));
        assert!(matches!(parse_json("[1]"), Err(ConfigError::NotObject)));
        assert!(matches!(
            parse_json("{\"a\": NaNx}"),
            Err(ConfigError::NotJson(_))
        ));
    }

    #[test]
    fn sizes_are_checked_and_named() {
        let v = json!({"a": 0, "b": -3, "c": 2.5, "d": 4096.0, "e": "x", "f": null, "g": 1e30, "h": 99});
        let c = Cfg::new(&v).unwrap();
        let msg = |r: Result<Option<u64>, ConfigError>| r.unwrap_err().to_string();
        assert!(msg(c.size("a", MAX_DIM)).contains("`a`"));
        assert!(msg(c.size("b", MAX_DIM)).contains("negative"));
        assert!(msg(c.size("c", MAX_DIM)).contains("whole"));
        assert_eq!(c.size("d", MAX_DIM).unwrap(), Some(4096));
        assert!(msg(c.size("e", MAX_DIM)).contains("`e`"));
        assert_eq!(c.size("f", MAX_DIM).unwrap(), None);
        assert!(c.size("g", MAX_DIM).is_err());
        assert!(msg(c.size("h", 10)).contains("maximum"));
        assert_eq!(
            c.size_req("zz", 10),
            Err(ConfigError::MissingField("zz".into()))
        );
        assert_eq!(c.count("a", 10).unwrap(), Some(0));
    }

    #[test]
    fn aliases_and_dtype() {
        let v = json!({"n_embd": 768, "dtype": "bfloat16"});
        let c = Cfg::new(&v).unwrap();
        assert_eq!(
            c.size_any_req(&["hidden_size", "n_embd"], MAX_DIM).unwrap(),
            768
        );
        assert_eq!(
            c.size_any_req(&["num_hidden_layers", "n_layer"], MAX_DIM),
            Err(ConfigError::MissingField("num_hidden_layers".into()))
        );
        assert_eq!(c.dtype().unwrap(), Some("bfloat16"));
    }
}
