//! Weight bytes as stored (the checkpoint's `quantization_config`) and as loaded in a chosen dtype.
//!
//! Formats and their sources:
//! * MXFP4 (gpt-oss; OCP Microscaling Formats spec v1.0): blocks of 32 E2M1 values (4 bits each) sharing one
//!   E8M0 scale (8 bits): 4.25 bits per weight. transformers' `Mxfp4HfQuantizer` converts the stacked experts
//!   only; everything named in `modules_to_not_convert` (attention, router, embeddings, lm_head) stays bf16.
//! * FP8 with block scales (Qwen3-FP8, DeepSeek-V3 `quantization_config`: `fmt` e4m3, `weight_block_size`
//!   [128, 128]): 1 byte per weight plus one fp32 `weight_scale_inv` per 128 × 128 block of each linear weight;
//!   embeddings, norms, routers and `lm_head` (plus `modules_to_not_convert`) stay at the checkpoint dtype.
//! * bitsandbytes 4-bit (Dettmers et al. 2023, arXiv 2305.14314; `bitsandbytes.functional.quantize_4bit`,
//!   blocksize 64): two 4-bit codes per byte plus an fp32 absmax per 64 weights, or with double quantization
//!   one 8-bit absmax per block plus an fp32 constant (and an fp32 offset) per 256 blocks. The dynamic code
//!   tables (256 fp32 entries) are shared per device and not counted per tensor. Only `nn.Linear` inside the
//!   decoder blocks is quantized (transformers skips the output head); the rest stays 16-bit.
//! * bitsandbytes 8-bit (LLM.int8(), arXiv 2208.07339): int8 weights plus one fp32 scale per output row.
//! * GPTQ / AWQ (`auto-gptq` / `autoawq` packed layouts): `bits` per weight packed in int32 `qweight`, per group
//!   of `group_size` inputs an fp16 `scales` row and a packed `qzeros` row (`bits` per output), and for GPTQ an
//!   int32 `g_idx` per input; quantizes `nn.Linear` inside the blocks.
//!
//! Unquantized modules are counted at the checkpoint dtype (`torch_dtype` / `dtype`; 32 bits when absent, the
//! transformers default for configs that do not say).
use crate::arch::{Architecture, Module, ModuleKind, Quantization};
use crate::config::{Cfg, ConfigError, MAX_DIM};
use crate::units::{Bytes, Overflow, Params};

/// Read `quantization_config` into a [`Quantization`]; `None` when the config has none.
///
/// `quant_method` decides the variant: `mxfp4` (gpt-oss), `fp8` (Qwen3-FP8, DeepSeek-V3: `weight_block_size`),
/// `bitsandbytes` (`load_in_4bit`/`load_in_8bit`, `bnb_4bit_use_double_quant`), `gptq`/`awq` (`bits`,
/// `group_size`, where -1 means one group per row); anything else is [`Quantization::Unknown`].
pub fn parse_quantization(c: &Cfg) -> Result<Option<Quantization>, ConfigError> {
    let Some(q) = c.sub("quantization_config") else {
        return Ok(None);
    };
    let method = q.str("quant_method")?.unwrap_or("").to_ascii_lowercase();
    let not_convert = || -> Result<Vec<String>, ConfigError> {
        Ok(q.strings("modules_to_not_convert")?
            .unwrap_or_default()
            .into_iter()
            .map(str::to_string)
            .collect())
    };
    Ok(Some(match method.as_str() {
        "mxfp4" => Quantization::Mxfp4 {
            modules_to_not_convert: not_convert()?,
        },
        "fp8" => {
            let block = match q.array("weight_block_size") {
                Some(a) if a.len() == 2 => {
                    let r = a[0].as_u64().filter(|n| (1..=MAX_DIM).contains(n));
                    let k = a[1].as_u64().filter(|n| (1..=MAX_DIM).contains(n));
                    match (r, k) {
                        (Some(r), Some(k)) => Some([r, k]),
                        _ => {
                            return Err(ConfigError::bad(
                                "weight_block_size",
                                "must be two positive whole numbers",
                            ))
                        }
                    }
                }
                Some(_) => {
                    return Err(ConfigError::bad(
                        "weight_block_size",
                        "must be two positive whole numbers",
                    ))
                }
                None => None,
            };
            Quantization::Fp8 {
                weight_block_size: block,
                modules_to_not_convert: not_convert()?,
            }
        }
        "bitsandbytes" => {
            let four = q.bool_or("load_in_4bit", false)? || q.bool_or("_load_in_4bit", false)?;
            Quantization::Bitsandbytes {
                bits: if four { 4 } else { 8 },
                double_quant: four && q.bool_or("bnb_4bit_use_double_quant", false)?,
            }
        }
        "gptq" | "awq" => {
            let bits = q.size_or("bits", 64, 4)?;
            // `group_size` -1 (or absent) is one group per row; otherwise a positive whole number of inputs.
            let group_size = match q.get("group_size") {
                None => None,
                Some(v) if v.as_i64() == Some(-1) => None,
                Some(_) => Some(q.size("group_size", MAX_DIM)?.unwrap_or(1)),
            };
            Quantization::IntGroup {
                name: method.clone(),
                bits,
                group_size,
            }
        }
        _ => Quantization::Unknown {
            name: method.clone(),
        },
    }))
}

/// Bits per element of a `torch_dtype` / `dtype` string (`float32` 32, `bfloat16`/`float16` 16, `float8_*` 8);
/// `None` for strings ftmem does not know.
pub fn dtype_bits(dtype: &str) -> Option<u64> {
    let d = dtype.trim_start_matches("torch.");
    match d {
        "float32" | "fp32" | "float" => Some(32),
        "bfloat16" | "bf16" | "float16" | "fp16" | "half" => Some(16),
        "float64" | "double" => Some(64),
        _ if d.starts_with("float8") => Some(8),
        _ => None,
    }
}

/// Bits per parameter of the unquantized modules of the checkpoint: its dtype; when the config gives none,
/// 16 for a quantized checkpoint (gpt-oss ships MXFP4 experts with bf16 for the rest and no `torch_dtype`) and
/// 32 otherwise (old checkpoints without a dtype, e.g. GPT-2, are saved in fp32).
pub fn checkpoint_bits(arch: &Architecture) -> u64 {
    let default = if arch.quantization.is_some() { 16 } else { 32 };
    arch.dtype
        .as_deref()
        .and_then(dtype_bits)
        .unwrap_or(default)
}

/// Every module with its decoder layer index (`None` for embeddings, final norm, lm_head).
fn modules(arch: &Architecture) -> impl Iterator<Item = (Option<usize>, &Module)> {
    arch.outer_modules.iter().map(|m| (None, m)).chain(
        arch.layers
            .iter()
            .enumerate()
            .flat_map(|(i, l)| l.modules.iter().map(move |m| (Some(i), m))),
    )
}

/// Weight bytes when every parameter is held at `bits` bits (the dequantized, loaded model: 16 for bf16/fp16,
/// 32 for fp32, 8 for fp8/int8 without scales). Unique parameters only (tied embeddings once).
pub fn loaded_bytes(arch: &Architecture, bits: u64) -> Result<Bytes, Overflow> {
    crate::params::count(arch).total.bytes_at_bits(bits)
}

/// Weight bytes of the checkpoint as stored, from its `quantization_config` (see the module docs); without one,
/// every parameter at the checkpoint dtype.
pub fn stored_bytes(arch: &Architecture) -> Result<Bytes, Overflow> {
    let dense = checkpoint_bits(arch);
    let not_convert = match &arch.quantization {
        Some(Quantization::Mxfp4 {
            modules_to_not_convert,
        })
        | Some(Quantization::Fp8 {
            modules_to_not_convert,
            ..
        }) => NotConvert::new(modules_to_not_convert),
        _ => NotConvert::new(&[]),
    };
    let mut total = Bytes::ZERO;
    for (layer, m) in modules(arch) {
        let b = match &arch.quantization {
            None | Some(Quantization::Unknown { .. }) => plain(m, dense)?,
            Some(Quantization::Mxfp4 { .. }) => {
                if matches!(m.kind, ModuleKind::StackedLinear(_)) && !not_convert.excludes(layer, m)
                {
                    per_instances(m, |s| mxfp4_weight(s.in_features, s.out_features), dense)?
                } else {
                    plain(m, dense)?
                }
            }
            Some(Quantization::Fp8 {
                weight_block_size, ..
            }) => {
                let quantizable = layer.is_some() && !matches!(m.kind, ModuleKind::Other);
                if quantizable && !not_convert.excludes(layer, m) {
                    per_instances(
                        m,
                        |s| fp8_weight(s.in_features, s.out_features, *weight_block_size),
                        dense,
                    )?
                } else {
                    plain(m, dense)?
                }
            }
            Some(Quantization::Bitsandbytes { bits, double_quant }) => {
                if is_block_linear(layer, m) {
                    if *bits == 4 {
                        per_instances(
                            m,
                            |s| nf4_weight(s.in_features, s.out_features, *double_quant),
                            16,
                        )?
                    } else {
                        per_instances(m, |s| int8_weight(s.in_features, s.out_features), 16)?
                    }
                } else {
                    plain(m, 16)?
                }
            }
            Some(Quantization::IntGroup {
                name,
                bits,
                group_size,
            }) => {
                if is_block_linear(layer, m) {
                    let gptq = name == "gptq";
                    per_instances(
                        m,
                        |s| {
                            int_group_weight(
                                s.in_features,
                                s.out_features,
                                *bits,
                                *group_size,
                                gptq,
                            )
                        },
                        16,
                    )?
                } else {
                    plain(m, 16)?
                }
            }
        };
        total = total.checked_add(b)?;
    }
    Ok(total)
}

/// QLoRA base-model bytes with bitsandbytes 4-bit (NF4 or FP4: same size): every `nn.Linear` inside the decoder
/// blocks quantized (two weights per byte, absmax per 64 weights: fp32, or with `double_quant` 8-bit plus an
/// fp32 constant per 256 blocks and one fp32 offset per tensor), biases and everything else 16-bit.
pub fn bnb4_bytes(arch: &Architecture, double_quant: bool) -> Result<Bytes, Overflow> {
    let mut total = Bytes::ZERO;
    for (layer, m) in modules(arch) {
        let b = if is_block_linear(layer, m) {
            per_instances(
                m,
                |s| nf4_weight(s.in_features, s.out_features, double_quant),
                16,
            )?
        } else {
            plain(m, 16)?
        };
        total = total.checked_add(b)?;
    }
    Ok(total)
}

/// A real `nn.Linear` inside the decoder blocks (what bitsandbytes / GPTQ / AWQ replace).
fn is_block_linear(layer: Option<usize>, m: &Module) -> bool {
    layer.is_some() && matches!(m.kind, ModuleKind::Linear(_))
}

/// All parameters of `m` (all instances) at `bits`.
fn plain(m: &Module, bits: u64) -> Result<Bytes, Overflow> {
    m.params.checked_mul(m.instances)?.bytes_at_bits(bits)
}

/// A linear-shaped module: `weight(in, out)` bytes for its weight, the bias at `bias_bits`, × instances.
fn per_instances(
    m: &Module,
    weight: impl Fn(&crate::arch::LinearShape) -> Result<u64, Overflow>,
    bias_bits: u64,
) -> Result<Bytes, Overflow> {
    let s = match m.kind {
        ModuleKind::Linear(s) | ModuleKind::StackedLinear(s) => s,
        ModuleKind::Other => return plain(m, bias_bits),
    };
    let bias = if s.bias {
        Params(s.out_features).bytes_at_bits(bias_bits)?.0
    } else {
        0
    };
    let one = weight(&s)?.checked_add(bias).ok_or(Overflow)?;
    Bytes(one).checked_mul(m.instances)
}

fn elements(inp: u64, out: u64) -> Result<u64, Overflow> {
    inp.checked_mul(out).ok_or(Overflow)
}

/// MXFP4: 4 bits per value, one byte of E8M0 scale per 32 values along each row (the input dimension).
fn mxfp4_weight(inp: u64, out: u64) -> Result<u64, Overflow> {
    let values = elements(inp, out)?.div_ceil(2);
    let scales = inp.div_ceil(32).checked_mul(out).ok_or(Overflow)?;
    values.checked_add(scales).ok_or(Overflow)
}

/// FP8: one byte per weight plus an fp32 scale per `[rows, cols]` block (one per tensor without blocks).
fn fp8_weight(inp: u64, out: u64, block: Option<[u64; 2]>) -> Result<u64, Overflow> {
    let blocks = match block {
        Some([r, c]) => out
            .div_ceil(r.max(1))
            .checked_mul(inp.div_ceil(c.max(1)))
            .ok_or(Overflow)?,
        None => 1,
    };
    elements(inp, out)?
        .checked_add(blocks.checked_mul(4).ok_or(Overflow)?)
        .ok_or(Overflow)
}

/// bitsandbytes 4-bit weight: ⌈n/2⌉ bytes of codes + absmax per 64 weights (see [`bnb4_bytes`]).
fn nf4_weight(inp: u64, out: u64, double_quant: bool) -> Result<u64, Overflow> {
    let n = elements(inp, out)?;
    let blocks = n.div_ceil(64);
    let absmax = if double_quant {
        blocks + blocks.div_ceil(256) * 4 + 4
    } else {
        blocks.checked_mul(4).ok_or(Overflow)?
    };
    n.div_ceil(2).checked_add(absmax).ok_or(Overflow)
}

/// LLM.int8(): one byte per weight plus one fp32 scale per output row.
fn int8_weight(inp: u64, out: u64) -> Result<u64, Overflow> {
    elements(inp, out)?
        .checked_add(out.checked_mul(4).ok_or(Overflow)?)
        .ok_or(Overflow)
}

/// GPTQ/AWQ packed weight: `bits` per weight; per group an fp16 scale and a `bits`-wide zero point per output;
/// GPTQ adds an int32 `g_idx` per input.
fn int_group_weight(
    inp: u64,
    out: u64,
    bits: u64,
    group: Option<u64>,
    gptq: bool,
) -> Result<u64, Overflow> {
    let groups = inp.div_ceil(group.unwrap_or(inp).max(1));
    let q = Params(elements(inp, out)?).bytes_at_bits(bits)?.0;
    let scales = groups
        .checked_mul(out)
        .and_then(|x| x.checked_mul(2))
        .ok_or(Overflow)?;
    let zeros = Params(groups.checked_mul(out).ok_or(Overflow)?)
        .bytes_at_bits(bits)?
        .0;
    let g_idx = if gptq {
        inp.checked_mul(4).ok_or(Overflow)?
    } else {
        0
    };
    q.checked_add(scales)
        .and_then(|x| x.checked_add(zeros))
        .and_then(|x| x.checked_add(g_idx))
        .ok_or(Overflow)
}

/// Whether a `modules_to_not_convert` pattern list names module `m` of layer `layer`.
///
/// Patterns are transformers module paths, possibly with `*` for the layer index (`model.layers.*.self_attn`,
/// `model.layers.3.mlp.gate`, `lm_head`). ftmem knows each module's leaf name, layer and component, so a
/// pattern matches when its layer index (if any) is the module's and its last segment is the module's leaf
/// name or the block holding it (`self_attn`/`attn` for attention, `router`/`gate` for routers,
/// `experts` for experts, `mlp` for any feed-forward module).
#[cfg(test)]
fn excluded(patterns: &[String], layer: Option<usize>, m: &Module) -> bool {
    NotConvert::new(patterns).excludes(layer, m)
}

/// `modules_to_not_convert` parsed once and indexed by decoder layer, so checking every module of every layer
/// costs O(patterns of that layer), not O(all patterns): a config listing thousands of patterns for thousands of
/// layers (DeepSeek-style per-layer lists) stays linear instead of layers × patterns.
struct NotConvert<'a> {
    /// Patterns without a layer index (`lm_head`, `model.embed_tokens`): outer modules, and — when a single
    /// segment — any module of that name inside the layers too.
    outer: Vec<Vec<&'a str>>,
    /// Single-segment patterns (`gate`), which also match inside every layer.
    bare: Vec<Vec<&'a str>>,
    /// `layers.*.…` patterns: every layer.
    any_layer: Vec<Vec<&'a str>>,
    /// `layers.N.…` patterns by N.
    by_layer: std::collections::HashMap<usize, Vec<Vec<&'a str>>>,
}

impl<'a> NotConvert<'a> {
    fn new(patterns: &'a [String]) -> NotConvert<'a> {
        let mut nc = NotConvert {
            outer: Vec::new(),
            bare: Vec::new(),
            any_layer: Vec::new(),
            by_layer: std::collections::HashMap::new(),
        };
        for p in patterns {
            let segs: Vec<&str> = p.split('.').collect();
            match segs.iter().position(|s| *s == "layers" || *s == "h") {
                None => {
                    if segs.len() == 1 {
                        nc.bare.push(segs.clone());
                    }
                    nc.outer.push(segs);
                }
                Some(i) => {
                    let rest = segs[(i + 2).min(segs.len())..].to_vec();
                    match segs.get(i + 1) {
                        Some(&"*") => nc.any_layer.push(rest),
                        Some(n) => {
                            if let Ok(l) = n.parse::<usize>() {
                                nc.by_layer.entry(l).or_default().push(rest);
                            }
                        }
                        None => {}
                    }
                }
            }
        }
        nc
    }

    fn excludes(&self, layer: Option<usize>, m: &Module) -> bool {
        let hit = |rest: &Vec<&str>| rest_matches(rest, m);
        match layer {
            None => self.outer.iter().any(hit),
            Some(l) => {
                self.bare.iter().any(hit)
                    || self.any_layer.iter().any(hit)
                    || self.by_layer.get(&l).is_some_and(|v| v.iter().any(hit))
            }
        }
    }
}

/// Whether the segments after the layer index (or the whole pattern) name module `m`.
fn rest_matches(rest: &[&str], m: &Module) -> bool {
    use crate::arch::Component as C;
    rest.iter().any(|s| {
        *s == m.name
            || (matches!(*s, "self_attn" | "attn" | "attention" | "mixer")
                && m.component == C::Attention)
            || (matches!(*s, "router" | "gate") && m.component == C::Router)
            || (*s == "experts" && m.component == C::Experts)
            || (*s == "mlp"
                && matches!(
                    m.component,
                    C::Mlp | C::Experts | C::SharedExperts | C::Router
                )
                && rest.len() == 1)
            || (*s == "embed_tokens" && m.component == C::Embeddings)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arch(path: &str) -> Architecture {
        let p = format!(
            "{}/../tests/fixtures/configs/{path}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        crate::parse_config(&std::fs::read_to_string(p).expect("fixture")).expect("config")
    }

    #[test]
    fn gpt_oss_20b_mxfp4_is_about_13_8_gb() {
        // Experts: 4.25 bits per weight; the rest (and the expert biases) bf16. The Hub checkpoint is 13.8 GB.
        let a = arch("openai__gpt-oss-20b");
        let b = stored_bytes(&a).unwrap();
        let experts_w: u64 = 24 * 32 * (2880 * 5760 + 2880 * 2880);
        let expected = experts_w / 2 + experts_w / 32 + (20_914_757_184 - experts_w) * 2;
        assert_eq!(b.0, expected);
        assert!((13.0..14.5).contains(&b.gb()), "{}", b.gb());
        assert_eq!(loaded_bytes(&a, 16).unwrap().0, 2 * 20_914_757_184);
    }

    #[test]
    fn fp8_block_scales_are_counted() {
        let a = arch("Qwen__Qwen3-30B-A3B-FP8");
        let b = stored_bytes(&a).unwrap();
        let bf16 = arch("Qwen__Qwen3-30B-A3B");
        assert!(bf16.quantization.is_none());
        assert_eq!(stored_bytes(&bf16).unwrap().0, 2 * 30_532_122_624);
        // One q_proj [2048 → 4096]: 8 388 608 bytes + 32 × 16 fp32 scales.
        assert_eq!(
            fp8_weight(2048, 4096, Some([128, 128])).unwrap(),
            8_388_608 + 512 * 4
        );
        // About half of bf16: linears in fp8, embeddings / lm_head / norms / routers in bf16.
        assert!(
            b.0 > 30_532_122_624 && b.0 < 31_000_000_000 + 311_164_928 * 2,
            "{}",
            b.0
        );
    }

    #[test]
    fn bnb4_sizes_follow_block_layout() {
        // 4096 × 4096 weight: 8 388 608 bytes of codes, 262 144 blocks of 64.
        assert_eq!(
            nf4_weight(4096, 4096, false).unwrap(),
            8_388_608 + 262_144 * 4
        );
        assert_eq!(
            nf4_weight(4096, 4096, true).unwrap(),
            8_388_608 + 262_144 + 1024 * 4 + 4
        );
        let a = arch("meta-llama__Llama-2-7b-hf");
        let q = bnb4_bytes(&a, true).unwrap();
        let linear: u64 = 32 * (4 * 4096 * 4096 + 3 * 4096 * 11008);
        let rest = 6_738_415_616 - linear;
        let per_layer =
            4 * nf4_weight(4096, 4096, true).unwrap() + 3 * nf4_weight(4096, 11008, true).unwrap();
        assert_eq!(q.0, 32 * per_layer + rest * 2);
        assert!(bnb4_bytes(&a, false).unwrap() > q);
    }

    #[test]
    fn patterns_match_by_layer_and_block() {
        let a = arch("Qwen__Qwen3-30B-A3B-FP8");
        let Some(Quantization::Fp8 {
            modules_to_not_convert,
            ..
        }) = &a.quantization
        else {
            panic!("fp8")
        };
        let gate = a.layers[3]
            .modules
            .iter()
            .find(|m| m.name == "gate")
            .unwrap();
        let q = a.layers[3]
            .modules
            .iter()
            .find(|m| m.name == "q_proj")
            .unwrap();
        assert!(excluded(modules_to_not_convert, Some(3), gate));
        assert!(!excluded(modules_to_not_convert, Some(3), q));
        let pats = vec!["model.layers.*.self_attn".to_string()];
        assert!(excluded(&pats, Some(7), q));
        assert!(!excluded(&pats, None, &a.outer_modules[0]));
    }

    #[test]
    fn dtype_bits_of_common_names() {
        assert_eq!(dtype_bits("bfloat16"), Some(16));
        assert_eq!(dtype_bits("torch.float32"), Some(32));
        assert_eq!(dtype_bits("float8_e4m3fn"), Some(8));
        assert_eq!(dtype_bits("int7"), None);
    }
}
