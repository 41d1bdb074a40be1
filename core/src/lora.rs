//! LoRA adapter parameters: what PEFT (`get_peft_model` with `LoraConfig(r, target_modules)`) creates.
//!
//! For an adapted `nn.Linear(in, out)` PEFT adds `lora_A` `[r, in]` and `lora_B` `[out, r]`: r × (in + out)
//! parameters per instance (Hu et al. 2021, arXiv 2106.09685; PEFT `LoraLayer.update_layer`).
//!
//! `all-linear` follows PEFT 0.21 on transformers 5.17 (the versions of `../shared/truth/params.jsonl`),
//! observed on the meta device for every family (the probe and the truth file agree):
//! * every `nn.Linear` inside the decoder blocks, never the output head;
//! * in the MoE families whose experts transformers 5 stacks and PEFT adapts (`mixtral`, `qwen3_moe`,
//!   `qwen3_next`, `deepseek_v2`, `deepseek_v3`, `glm4_moe`): also the router `gate` (r × (H + E)), the stacked
//!   `gate_up_proj` (`lora_A` `[2·r·E, H]`, `lora_B` `[2·I, 2·r·E]`: 2·r·E × (H + 2·I)) and `down_proj`
//!   (r·E × (I + H)); and then NOT the plain MLPs named `gate_proj`/`up_proj`/`down_proj` (dense layers and
//!   shared experts), which PEFT leaves out in these families;
//! * elsewhere (gpt_oss, qwen2_moe, nemotron_h) stacked experts and routers are not adapted;
//! * Mamba models: PEFT refuses `all-linear` because it would include the Mamba `out_proj`; ftmem instead adapts
//!   every other linear (documented deviation, so that an estimate exists).
//!
//! `attn` = every `nn.Linear` of the attention blocks (q/k/v/o, fused `qkv_proj`/`c_attn`, MLA projections),
//! not linear-attention or Mamba mixers. `qv` = `q_proj` + `v_proj` as in PEFT; when the model has neither
//! (PEFT would error), the family's equivalent: fused `qkv_proj` (Phi-3), `c_attn` (GPT-2), or MLA's `q_b_proj`
//! and `kv_b_proj` (DeepSeek with `q_lora_rank`). Explicit names match `nn.Linear` leaf names anywhere,
//! including `lm_head`.

use crate::arch::{Architecture, Component, Module, ModuleKind};
use crate::settings::Targets;
use crate::units::Params;

/// Families in which PEFT 0.21 adapts the router and the stacked experts under `all-linear`
/// (transformers 5.17 module layout; see the module docs).
pub const PEFT_MOE_FAMILIES: &[&str] = &[
    "mixtral",
    "qwen3_moe",
    "qwen3_next",
    "deepseek_v2",
    "deepseek_v3",
    "glm4_moe",
];

/// One adapted module: where it is and how many adapter parameters it gets per unit of rank.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Adapted<'a> {
    /// Decoder layer index, or `None` for a module outside the layers (`lm_head` by explicit name).
    pub layer: Option<usize>,
    /// The base module.
    pub module: &'a Module,
    /// Adapter parameters per unit of rank over all instances: `in + out` for a linear,
    /// E·(in + out) or 2·E·(in + out) for stacked experts, H + E for a router.
    pub per_rank: u64,
}

/// The modules `targets` adapts in `arch`, in model order, each with its adapter size per unit of rank.
/// Empty when nothing matches (PEFT would raise "Target modules ... not found").
pub fn targeted_modules<'a>(arch: &'a Architecture, targets: &Targets) -> Vec<Adapted<'a>> {
    let mut out = Vec::new();
    match targets {
        Targets::AllLinear => collect(arch, &mut out, |m| all_linear(arch, m)),
        Targets::Attn => collect(arch, &mut out, |m| {
            is_linear(m) && m.component == Component::Attention
        }),
        Targets::Qv => {
            collect(arch, &mut out, |m| {
                is_linear(m) && (m.name == "q_proj" || m.name == "v_proj")
            });
            if out.is_empty() {
                let eq = ["qkv_proj", "c_attn", "q_b_proj", "kv_b_proj"];
                collect(arch, &mut out, |m| {
                    is_linear(m) && eq.contains(&m.name.as_str())
                });
            }
        }
        Targets::Modules(names) => {
            collect(arch, &mut out, |m| {
                is_linear(m) && names.iter().any(|n| n == &m.name)
            });
            for m in arch
                .outer_modules
                .iter()
                .filter(|m| is_linear(m) && names.iter().any(|n| n == &m.name))
            {
                if let Some(r) = per_rank(arch, m) {
                    out.push(Adapted {
                        layer: None,
                        module: m,
                        per_rank: r,
                    });
                }
            }
        }
    }
    out
}

/// LoRA adapter parameters for `rank` and `targets`: Σ rank × per-rank size over [`targeted_modules`].
///
/// Errors (one line, for the UI): rank 0; targets matching no module; a count past `u64`.
pub fn adapter_params(arch: &Architecture, rank: u64, targets: &Targets) -> Result<Params, String> {
    if rank == 0 {
        return Err("LoRA rank must be at least 1".into());
    }
    let adapted = targeted_modules(arch, targets);
    if adapted.is_empty() {
        return Err(format!(
            "LoRA targets `{}` match no linear module of this {} model (its linear modules: {})",
            targets.to_query_value(),
            arch.model_type,
            linear_names(arch).join(", ")
        ));
    }
    let mut total = Params::ZERO;
    for a in adapted {
        let p = Params(a.per_rank)
            .checked_mul(rank)
            .and_then(|p| total.checked_add(p));
        total = p.map_err(|e| e.to_string())?;
    }
    Ok(total)
}

/// Distinct leaf names of the `nn.Linear` modules of the model (for error messages and the UI's target list).
pub fn linear_names(arch: &Architecture) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let all = arch
        .layers
        .iter()
        .flat_map(|l| l.modules.iter())
        .chain(arch.outer_modules.iter());
    for m in all.filter(|m| is_linear(m)) {
        if !names.contains(&m.name) {
            names.push(m.name.clone());
        }
    }
    names
}

fn collect<'a>(arch: &'a Architecture, out: &mut Vec<Adapted<'a>>, pick: impl Fn(&Module) -> bool) {
    for (i, layer) in arch.layers.iter().enumerate() {
        for m in layer.modules.iter().filter(|m| pick(m)) {
            if let Some(r) = per_rank(arch, m) {
                out.push(Adapted {
                    layer: Some(i),
                    module: m,
                    per_rank: r,
                });
            }
        }
    }
}

fn is_linear(m: &Module) -> bool {
    matches!(m.kind, ModuleKind::Linear(_))
}

fn is_mamba(arch: &Architecture) -> bool {
    arch.layers
        .iter()
        .any(|l| matches!(l.mixer, crate::arch::Mixer::Mamba { .. }))
}

/// PEFT 0.21 `all-linear` membership of one module inside the layers (see the module docs).
fn all_linear(arch: &Architecture, m: &Module) -> bool {
    let moe = PEFT_MOE_FAMILIES.contains(&arch.model_type.as_str());
    match m.kind {
        ModuleKind::Linear(_) => {
            if moe && matches!(m.name.as_str(), "gate_proj" | "up_proj" | "down_proj") {
                return false;
            }
            !(m.component == Component::Mixer && m.name == "out_proj" && is_mamba(arch))
        }
        ModuleKind::StackedLinear(_) => moe,
        ModuleKind::Other => moe && m.component == Component::Router && m.name == "gate",
    }
}

/// Adapter parameters per unit of rank for module `m` over all its instances; `None` on overflow.
fn per_rank(arch: &Architecture, m: &Module) -> Option<u64> {
    match m.kind {
        ModuleKind::Linear(s) => {
            (s.in_features.checked_add(s.out_features))?.checked_mul(m.instances)
        }
        ModuleKind::StackedLinear(s) => {
            // PEFT's wrapper of a fused gate/up parameter gives each half rank r per expert.
            let halves = if m.name == "gate_up_proj" { 2 } else { 1 };
            s.in_features
                .checked_add(s.out_features)?
                .checked_mul(m.instances)?
                .checked_mul(halves)
        }
        ModuleKind::Other => {
            let e = arch.num_experts?;
            arch.hidden_size.checked_add(e)
        }
    }
}
