//! Exact parameter counts from an [`Architecture`].
use crate::arch::{Architecture, Component};
use crate::units::Params;
use serde::Serialize;

/// Parameters of one component, total and active per token.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComponentParams {
    /// Which component.
    pub component: Component,
    /// Parameters stored.
    pub total: Params,
    /// Parameters one token uses (routed experts: top-k only).
    pub active: Params,
}

/// The parameter counts of a model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParamCounts {
    /// Unique parameters (tied embeddings counted once).
    pub total: Params,
    /// Parameters used per token (= total for dense models), the input embedding included.
    pub active: Params,
    /// Active parameters as MoE model cards count them: without the input embedding (gpt-oss-20b's card: "3.6B
    /// active", of which the 4.19 B here minus the 0.58 B embedding; its card says it leaves the embedding out).
    /// With tied embeddings the shared matrix stays, as the output head; learned position embeddings go.
    /// `None` for dense models, whose cards give one figure (= `total`).
    pub active_without_embedding: Option<Params>,
    /// Per-component counts, in [`Component`] order, zero components left out.
    pub components: Vec<ComponentParams>,
    /// True when the family is not known exactly.
    pub approximate: bool,
}

/// Count parameters: the sum over every module × instances (active: × active instances).
pub fn count(arch: &Architecture) -> ParamCounts {
    let mut by: std::collections::BTreeMap<Component, (u64, u64)> = Default::default();
    let all = arch
        .outer_modules
        .iter()
        .chain(arch.layers.iter().flat_map(|l| l.modules.iter()));
    for m in all {
        let e = by.entry(m.component).or_default();
        e.0 = e.0.saturating_add(m.params.0.saturating_mul(m.instances));
        e.1 =
            e.1.saturating_add(m.params.0.saturating_mul(m.active_instances));
    }
    let components: Vec<ComponentParams> = by
        .into_iter()
        .filter(|(_, (t, _))| *t > 0)
        .map(|(component, (t, a))| ComponentParams {
            component,
            total: Params(t),
            active: Params(a),
        })
        .collect();
    let total = Params(
        components
            .iter()
            .map(|c| c.total.0)
            .fold(0u64, u64::saturating_add),
    );
    let active = Params(
        components
            .iter()
            .map(|c| c.active.0)
            .fold(0u64, u64::saturating_add),
    );
    let embedding = components
        .iter()
        .find(|c| c.component == Component::Embeddings)
        .map_or(0, |c| c.active.0);
    let head_share = if arch.tie_word_embeddings {
        arch.vocab_size
            .saturating_mul(arch.hidden_size)
            .min(embedding)
    } else {
        0
    };
    let active_without_embedding = arch
        .num_experts
        .map(|_| Params(active.0.saturating_sub(embedding - head_share)));
    ParamCounts {
        total,
        active,
        active_without_embedding,
        components,
        approximate: arch.approximate,
    }
}
