//! Weight bytes as stored (the checkpoint's `quantization_config`) and as loaded in a chosen dtype.

use crate::arch::Quantization;
use crate::config::{Cfg, ConfigError, MAX_DIM};

/// Read `quantization_config` into a [`Quantization`]; `None` when the config has none.
///
/// `quant_method` decides the variant: `mxfp4` (gpt-oss), `fp8` (Qwen3-FP8, DeepSeek-V3: `weight_block_size`),
/// `bitsandbytes` (`load_in_4bit`/`load_in_8bit`, `bnb_4bit_use_double_quant`), `gptq`/`awq` (`bits`,
/// `group_size`, where -1 means one group per row); anything else is [`Quantization::Unknown`].
pub fn parse_quantization(c: &Cfg) -> Result<Option<Quantization>, ConfigError> {
    let Some(q) = c.sub("quantization_config") else { return Ok(None) };
    let method = q.str("quant_method")?.unwrap_or("").to_ascii_lowercase();
    let not_convert = || -> Result<Vec<String>, ConfigError> {
        Ok(q.strings("modules_to_not_convert")?.unwrap_or_default().into_iter().map(str::to_string).collect())
    };
    Ok(Some(match method.as_str() {
        "mxfp4" => Quantization::Mxfp4 { modules_to_not_convert: not_convert()? },
        "fp8" => {
            let block = match q.array("weight_block_size") {
                Some(a) if a.len() == 2 => {
                    let r = a[0].as_u64().filter(|n| (1..=MAX_DIM).contains(n));
                    let k = a[1].as_u64().filter(|n| (1..=MAX_DIM).contains(n));
                    match (r, k) {
                        (Some(r), Some(k)) => Some([r, k]),
                        _ => return Err(ConfigError::bad("weight_block_size", "must be two positive whole numbers")),
                    }
                }
                Some(_) => return Err(ConfigError::bad("weight_block_size", "must be two positive whole numbers")),
                None => None,
            };
            Quantization::Fp8 { weight_block_size: block, modules_to_not_convert: not_convert()? }
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
            let group_size = match q.get("group_size").and_then(|v| v.as_i64()) {
                Some(g) if g > 0 => Some(g as u64),
                _ => None,
            };
            Quantization::IntGroup { name: method.clone(), bits, group_size }
        }
        _ => Quantization::Unknown { name: method.clone() },
    }))
}
