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
    /// Parameters used per token (= total for dense models).
    pub active: Params,
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
    ParamCounts {
        total,
        active,
        components,
        approximate: arch.approximate,
    }
}
