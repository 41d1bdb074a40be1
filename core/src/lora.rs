//! LoRA adapter parameters: what PEFT (`get_peft_model` with `LoraConfig(r, target_modules)`) creates.
//!
//! For an adapted `nn.Linear(in, out)` PEFT adds `lora_A` `[r, in]` and `lora_B` `[out, r]`: r × (in + out)
//! parameters per instance (Hu et al. 2021, arXiv 2106.09685; PEFT `LoraLayer.update_layer`).
//!
//! `all-linear` follows PEFT 0.21 on transformers 5.17 (the versions of `../shared/truth/params.jsonl`),
//! observed on the meta device for every family (the probe and the truth file agree):
//! * every `nn.Linear` inside the decoder blocks, never the output head;
//! * in the MoE families whose experts transformers 5 stacks and PEFT adapts (`mixtral`, `qwen3_moe`,
//!   `qwen3_next`, `deepseek_v2`, `deepseek_v3`, `glm4_moe`, `glm4_moe_lite`): also the router `gate` (r × (H + E)), the stacked
//!   `gate_up_proj` (`lora_A` `[2·r·E, H]`, `lora_B` `[2·I, 2·r·E]`: 2·r·E × (H + 2·I)) and `down_proj`
//!   (r·E × (I + H)); and then NOT the plain MLPs named `gate_proj`/`up_proj`/`down_proj` (dense layers and
//!   shared experts), which PEFT leaves out in these families;
//! * elsewhere (gpt_oss, qwen2_moe, nemotron_h) stacked experts and routers are not adapted;
//! * Mamba models: PEFT refuses `all-linear` because it would include the Mamba `out_proj`; ftmem instead adapts
//!   every other linear (documented deviation, so that an estimate exists).
//!
//! * multimodal wrappers (`gemma3`, `qwen2_5_vl`, `qwen3_vl`, `mistral3`, `llama4`): PEFT 0.21's `all-linear`
//!   also adapts every `nn.Linear` of the vision tower and the multimodal projector (SigLIP's q/k/v/`out_proj`/
//!   `fc1`/`fc2`, Qwen-VL's `qkv`/`proj`/MLP and merger `0`/`2` or `linear_fc1`/`linear_fc2`, Pixtral's and
//!   Mistral-3's projector `merging_layer`/`linear_1`/`linear_2`, Llama-4's vision layers, adapter and
//!   projector), observed on the meta device for each; names (`qv`, explicit lists) match inside the towers
//!   too (SigLIP, Pixtral and Llama-4 vision layers have `q_proj`/`v_proj`). Those adapters are resident but, in
//!   a text-only run, get no gradient and no optimizer state (the towers are not called).
//!
//! `attn` = every `nn.Linear` of the attention blocks (q/k/v/o, fused `qkv_proj`/`c_attn`, MLA projections),
//! not linear-attention or Mamba mixers. `qv` = `q_proj` + `v_proj` as in PEFT; when the model has neither
//! (PEFT would error), the family's equivalent: fused `qkv_proj` (Phi-3), `c_attn` (GPT-2), or MLA's `q_b_proj`
//! and `kv_b_proj` (DeepSeek with `q_lora_rank`). Explicit names match `nn.Linear` leaf names anywhere,
//! including `lm_head`.

use crate::arch::{Architecture, Component, Layer, Module, ModuleKind};
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
    "glm4_moe_lite",
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
    let t = Targeting::new(arch, targets, arch.layers.iter());
    let mut out = Vec::new();
    for (i, layer) in arch.layers.iter().enumerate() {
        out.extend(t.in_layer(layer).map(|(module, per_rank)| Adapted {
            layer: Some(i),
            module,
            per_rank,
        }));
    }
    out.extend(t.outer().map(|(module, per_rank)| Adapted {
        layer: None,
        module,
        per_rank,
    }));
    out
}

/// PEFT's `target_modules` matching for one model, with the per-model facts it depends on (MoE family, Mamba
/// mixers, whether `qv` falls back to the family's equivalent) derived once, so that deciding a module costs a
/// few comparisons. [`targeted_modules`] lists its decisions; the estimate applies it to each distinct layer
/// only.
pub(crate) struct Targeting<'a, 't> {
    arch: &'a Architecture,
    targets: &'t Targets,
    /// `arch.model_type` is one of [`PEFT_MOE_FAMILIES`].
    moe: bool,
    /// Some layer has a Mamba mixer.
    mamba: bool,
    /// `qv` with no adaptable `q_proj`/`v_proj` in the layers: the family's equivalent instead.
    qv_fallback: bool,
    /// Leaf names of the attention linears of the decoder layers (what `attn` names inside the towers).
    attn_names: Vec<&'a str>,
}

impl<'a, 't> Targeting<'a, 't> {
    /// The matching of `targets` in `arch`. `layers` are the decoder layers to look at for the `qv` fallback:
    /// all of them, or one of each distinct layer (the answer is the same).
    pub(crate) fn new(
        arch: &'a Architecture,
        targets: &'t Targets,
        mut layers: impl Iterator<Item = &'a Layer>,
    ) -> Targeting<'a, 't> {
        let mut qv_found = false;
        let mut attn_names: Vec<&'a str> = Vec::new();
        for l in layers.by_ref() {
            for m in l.modules.iter().filter(|m| is_linear(m)) {
                qv_found |= is_qv(m) && per_rank(arch, m).is_some();
                if m.component == Component::Attention && !attn_names.contains(&m.name.as_str()) {
                    attn_names.push(m.name.as_str());
                }
            }
        }
        let qv_fallback = matches!(targets, Targets::Qv) && !qv_found;
        Targeting {
            arch,
            targets,
            moe: PEFT_MOE_FAMILIES.contains(&arch.model_type.as_str()),
            mamba: is_mamba(arch),
            qv_fallback,
            attn_names,
        }
    }

    /// Whether the decoder-layer module `m` is a target (before its adapter size is known).
    fn matches(&self, m: &Module) -> bool {
        match self.targets {
            Targets::AllLinear => self.all_linear(m),
            Targets::Attn => is_linear(m) && m.component == Component::Attention,
            Targets::Qv if self.qv_fallback => {
                is_linear(m)
                    && matches!(
                        m.name.as_str(),
                        "qkv_proj" | "c_attn" | "q_b_proj" | "kv_b_proj"
                    )
            }
            Targets::Qv => is_linear(m) && is_qv(m),
            Targets::Modules(names) => is_linear(m) && names.iter().any(|n| n == &m.name),
        }
    }

    /// The adapted modules of one decoder layer, in order, with their adapter parameters per unit of rank.
    pub(crate) fn in_layer<'l>(
        &'l self,
        layer: &'a Layer,
    ) -> impl Iterator<Item = (&'a Module, u64)> + use<'l, 'a, 't> {
        layer
            .modules
            .iter()
            .filter(move |m| self.matches(m))
            .filter_map(move |m| Some((m, per_rank(self.arch, m)?)))
    }

    /// The adapted modules outside the layers, with their adapter parameters per unit of rank: by explicit name
    /// (e.g. `lm_head`), and the linears of a multimodal wrapper's towers as PEFT matches them (module docs).
    pub(crate) fn outer<'l>(&'l self) -> impl Iterator<Item = (&'a Module, u64)> + use<'l, 'a, 't> {
        self.arch
            .outer_modules
            .iter()
            .filter(move |m| is_linear(m) && self.matches_outer(m))
            .filter_map(move |m| Some((m, per_rank(self.arch, m)?)))
    }

    /// Whether the `nn.Linear` `m` outside the decoder layers is a target.
    fn matches_outer(&self, m: &Module) -> bool {
        let tower = m.component.is_tower();
        match self.targets {
            Targets::Modules(names) => names.iter().any(|n| n == &m.name),
            Targets::AllLinear => tower,
            Targets::Qv => tower && !self.qv_fallback && is_qv(m),
            Targets::Attn => tower && self.attn_names.contains(&m.name.as_str()),
        }
    }

    /// PEFT 0.21 `all-linear` membership of one module inside the layers (see the module docs).
    fn all_linear(&self, m: &Module) -> bool {
        match m.kind {
            ModuleKind::Linear(_) => {
                if self.moe && matches!(m.name.as_str(), "gate_proj" | "up_proj" | "down_proj") {
                    return false;
                }
                !(self.mamba && m.component == Component::Mixer && m.name == "out_proj")
            }
            ModuleKind::StackedLinear(_) => self.moe,
            ModuleKind::Other => self.moe && m.component == Component::Router && m.name == "gate",
        }
    }
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
        return Err(no_match_message(arch, targets, arch.layers.iter()));
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

/// The error of [`adapter_params`] when `targets` match no module. `layers`: the decoder layers of `arch`, all
/// of them or one of each distinct layer in order of first occurrence (the same names in the same order).
pub(crate) fn no_match_message<'a>(
    arch: &'a Architecture,
    targets: &Targets,
    layers: impl Iterator<Item = &'a Layer>,
) -> String {
    format!(
        "LoRA targets `{}` match no linear module of this {} model (its linear modules: {})",
        targets.to_query_value(),
        arch.model_type,
        distinct_linear_names(layers, &arch.outer_modules).join(", ")
    )
}

/// Distinct leaf names of the `nn.Linear` modules of the model (for error messages and the UI's target list).
pub fn linear_names(arch: &Architecture) -> Vec<String> {
    distinct_linear_names(arch.layers.iter(), &arch.outer_modules)
        .into_iter()
        .map(String::from)
        .collect()
}

/// [`linear_names`] of `layers` then `outer` modules, in order of first occurrence.
fn distinct_linear_names<'a>(
    layers: impl Iterator<Item = &'a Layer>,
    outer: &'a [Module],
) -> Vec<&'a str> {
    let mut names: Vec<&str> = Vec::new();
    let all = layers.flat_map(|l| l.modules.iter()).chain(outer.iter());
    for m in all.filter(|m| is_linear(m)) {
        if !names.contains(&m.name.as_str()) {
            names.push(m.name.as_str());
        }
    }
    names
}

fn is_linear(m: &Module) -> bool {
    matches!(m.kind, ModuleKind::Linear(_))
}

fn is_mamba(arch: &Architecture) -> bool {
    arch.layers
        .iter()
        .any(|l| matches!(l.mixer, crate::arch::Mixer::Mamba { .. }))
}

/// `q_proj` or `v_proj`, PEFT's default LoRA targets.
fn is_qv(m: &Module) -> bool {
    m.name == "q_proj" || m.name == "v_proj"
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

/// One `nn.Parameter` adapted directly through PEFT's `target_parameters` (`lora.ParamWrapper`).
///
/// PEFT 0.21 `tuners_utils.BaseTuner._inject_parameters`: for every module and each of its own parameters
/// (`named_parameters(recurse=False)`), the key `"{module}.{param}"` is adapted when it equals an entry or ends
/// with `"." + entry`. `ParamWrapper.update_layer` (`lora/layer.py`) reads a 3-D parameter as `[E, in, out]`
/// and creates `lora_A` `nn.Linear(in, r·E)` and `lora_B` `nn.Linear(r·E, out)`: r·E·(in + out) parameters,
/// whichever way the expert matrices are transposed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WrappedParam<'a> {
    /// Decoder layer index.
    pub layer: usize,
    /// The stacked-expert module whose weight is wrapped ([`ModuleKind::StackedLinear`]).
    pub module: &'a Module,
    /// Adapter parameters per unit of rank: E·(in + out).
    pub per_rank: u64,
    /// Elements of the wrapped parameter, E·in·out: the size of the delta weight `ParamWrapper` forms and of
    /// the materialised `W + ΔW` the experts' matmuls use and save.
    pub elements: u64,
}

/// Where the decoder layers sit in transformers 5.17's module tree: `model.language_model.layers` in the
/// multimodal wrappers' `ForConditionalGeneration`, `backbone.layers` in Nemotron-H, else `model.layers`.
fn layers_prefix(arch: &Architecture) -> &'static str {
    if arch.model_type == "nemotron_h" {
        "backbone.layers"
    } else if arch.outer_modules.iter().any(|m| m.component.is_tower()) {
        "model.language_model.layers"
    } else {
        "model.layers"
    }
}

/// The module holding a layer's stacked experts: `feed_forward.experts` (Llama 4), `mixer.experts`
/// (Nemotron-H), `mlp.experts` elsewhere (transformers 5.17 `modeling_*.py`).
fn experts_parent(arch: &Architecture) -> &'static str {
    match arch.model_type.as_str() {
        "llama4" | "llama4_text" => "feed_forward.experts",
        "nemotron_h" => "mixer.experts",
        _ => "mlp.experts",
    }
}

/// The full parameter name of a stacked-expert module in layer `i`, as `model.named_parameters()` gives it,
/// e.g. `model.layers.7.mlp.experts.gate_up_proj`.
pub fn stacked_param_name(arch: &Architecture, i: usize, m: &Module) -> String {
    format!("{}.{i}.{}.{}", layers_prefix(arch), experts_parent(arch), m.name)
}

/// PEFT's match of one parameter key against `target_parameters` entries.
fn param_matches(key: &str, names: &[String]) -> bool {
    names.iter().any(|n| {
        key == n
            || (key.len() > n.len()
                && key.ends_with(n.as_str())
                && key.as_bytes()[key.len() - n.len() - 1] == b'.')
    })
}

/// The parameters `names` (PEFT `target_parameters`) wrap in `arch`, in layer order; `targets` are the
/// `target_modules` of the same config.
///
/// Only stacked expert weights (3-D `nn.Parameter`s) are modelled. Errors (one line, for the UI), as PEFT
/// raises them or where ftmem cannot follow: an entry that matches no stacked expert parameter (listing the
/// ones the model has); a parameter whose experts module `targets` already adapts (PEFT: "not a valid target
/// ... also targeted with `target_modules`"); LoRA dropout > 0 (PEFT: "lora.ParamWrapper does not work with
/// lora_dropout != 0").
pub fn wrapped_params<'a>(
    arch: &'a Architecture,
    targets: &Targets,
    names: &[String],
    dropout: f64,
) -> Result<Vec<WrappedParam<'a>>, String> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    if dropout > 0.0 {
        return Err(
            "PEFT's target_parameters (lora.ParamWrapper) does not work with LoRA dropout > 0: set dropout to 0"
                .into(),
        );
    }
    let mut out = Vec::new();
    let mut matched = vec![false; names.len()];
    let t = Targeting::new(arch, targets, arch.layers.iter());
    for (i, layer) in arch.layers.iter().enumerate() {
        for m in &layer.modules {
            let ModuleKind::StackedLinear(s) = m.kind else {
                continue;
            };
            let key = stacked_param_name(arch, i, m);
            let mut hit = false;
            for (j, n) in names.iter().enumerate() {
                if param_matches(&key, std::slice::from_ref(n)) {
                    matched[j] = true;
                    hit = true;
                }
            }
            if !hit {
                continue;
            }
            if t.matches(m) {
                return Err(format!(
                    "`{key}` is already adapted by the LoRA targets `{}` (PEFT refuses both): choose other targets or drop it from target_params",
                    targets.to_query_value()
                ));
            }
            let overflow = || format!("`{key}` is too large to adapt");
            let per_rank = s
                .in_features
                .checked_add(s.out_features)
                .and_then(|x| x.checked_mul(m.instances))
                .ok_or_else(overflow)?;
            let elements = s
                .in_features
                .checked_mul(s.out_features)
                .and_then(|x| x.checked_mul(m.instances))
                .ok_or_else(overflow)?;
            out.push(WrappedParam {
                layer: i,
                module: m,
                per_rank,
                elements,
            });
        }
    }
    if let Some(j) = matched.iter().position(|&m| !m) {
        let mut have: Vec<String> = Vec::new();
        for m in arch.layers.iter().flat_map(|l| l.modules.iter()) {
            if matches!(m.kind, ModuleKind::StackedLinear(_)) {
                let n = format!("{}.{}", experts_parent(arch), m.name);
                if !have.contains(&n) {
                    have.push(n);
                }
            }
        }
        return Err(if have.is_empty() {
            format!(
                "target_params `{}` matches nothing: this {} model has no stacked expert parameters (ftmem models target_parameters on MoE experts only)",
                names[j], arch.model_type
            )
        } else {
            format!(
                "target_params `{}` matches no parameter of this {} model (its stacked expert parameters: {}, per layer as `{}.N.{}`)",
                names[j],
                arch.model_type,
                have.join(", "),
                layers_prefix(arch),
                have[0]
            )
        });
    }
    Ok(out)
}
