//! Number formatting for the view: thousands separators and units. Never computes memory.

use ftmem_core::{Bytes, Params};

/// `20914757184` → `"20,914,757,184"`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Short scale of a parameter count: `20914757184` → `"20.9 B"`, `135000000` → `"135 M"`, `4096` → `"4.1 K"`.
/// Three significant digits; below 1,000 the plain number.
pub fn short_count(n: u64) -> String {
    const SCALES: [(f64, &str); 4] = [(1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")];
    let x = n as f64;
    for (scale, unit) in SCALES {
        if x >= scale {
            let v = x / scale;
            let s = if v >= 100.0 {
                format!("{v:.0}")
            } else if v >= 10.0 {
                format!("{v:.1}")
            } else {
                format!("{v:.2}")
            };
            return format!("{s} {unit}");
        }
    }
    n.to_string()
}

/// `"20,914,757,184 parameters (20.9 B)"`.
pub fn params_long(p: Params) -> String {
    if p.0 < 1000 {
        return format!("{} parameters", p.0);
    }
    format!("{} parameters ({})", thousands(p.0), short_count(p.0))
}

/// [`params_long`] in `lang`: `"파라미터 20,914,757,184개 (20.9 B)"` in Korean.
pub fn params_long_in(p: Params, lang: crate::i18n::Lang) -> String {
    match lang {
        crate::i18n::Lang::En => params_long(p),
        crate::i18n::Lang::Ko if p.0 < 1000 => format!("파라미터 {}개", p.0),
        crate::i18n::Lang::Ko => format!("파라미터 {}개 ({})", thousands(p.0), short_count(p.0)),
    }
}

/// Decimal gigabytes with two decimals: `"13.42 GB"` (10⁹ bytes).
pub fn gb(b: Bytes) -> String {
    format!("{:.2} GB", b.gb())
}

/// Decimal and binary: `"13.42 GB (12.50 GiB)"`.
pub fn gb_gib(b: Bytes) -> String {
    format!("{:.2} GB ({:.2} GiB)", b.gb(), b.gib())
}

/// A stable breakdown name (`kv_cache`) as a label (`KV cache`).
pub fn item_label(name: &str) -> String {
    match name {
        "weights" => "Weights".into(),
        "gradients" => "Gradients".into(),
        "optimizer_states" => "Optimizer states".into(),
        "activations" => "Activations".into(),
        "logits" => "Logits".into(),
        "kv_cache" => "KV cache".into(),
        "adapters" => "LoRA adapters".into(),
        "cuda_context" => "CUDA context".into(),
        "allocator_slack" => "Allocator slack".into(),
        other => {
            let s = other.replace('_', " ");
            let mut c = s.chars();
            match c.next() {
                Some(f) => std::iter::once(f.to_ascii_uppercase()).chain(c).collect(),
                None => String::new(),
            }
        }
    }
}

/// A component name of the parameter breakdown (`lm_head`) as a label.
pub fn component_label(name: &str) -> String {
    match name {
        "embeddings" => "Embeddings".into(),
        "attention" => "Attention".into(),
        "mlp" => "MLP".into(),
        "experts" => "Routed experts".into(),
        "shared_experts" => "Shared experts".into(),
        "router" => "Router".into(),
        "norms" => "Norms".into(),
        "mixer" => "Mixer (linear attention / SSM)".into(),
        "lm_head" => "LM head".into(),
        other => item_label(other),
    }
}
