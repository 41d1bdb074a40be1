//! The tutorial's rule-of-thumb table (weights = parameters × bytes; training = weights × 4.0 or × 1.3), shown
//! for the loaded model's exact count beside the detailed estimate, labelled as the rule of thumb it is.
//! The figures come from [`ftmem_core::rule_of_thumb::table`].

use crate::format::{gb, params_long};
use ftmem_core::Params;
use leptos::prelude::*;

/// The rule-of-thumb table for `total` parameters (`None` while no model is loaded).
///
/// Ids: `#rule-of-thumb`; rows carry `data-label` (`fp32`, `fp16/bf16`, `int8`, `int4`).
#[component]
pub fn RuleOfThumb(#[prop(into)] total: Signal<Option<Params>>) -> impl IntoView {
    view! {
        <section class="card rule" id="rule-of-thumb" aria-labelledby="rule-h">
            <h2 id="rule-h">"Rule of thumb (tutorial)"</h2>
            <p class="muted small">
                "The tutorial's rule of thumb: weights = parameters × bytes per parameter; training = weights × 4 "
                "(16/32-bit) or × 1.3 (8/4-bit). It ignores activations, logits, the KV cache and the CUDA context — "
                "compare it with the detailed estimate."
            </p>
            {move || match total.get() {
                None => view! { <p class="muted">"Load a model to see the table."</p> }.into_any(),
                Some(p) => match ftmem_core::rule_of_thumb::table(p) {
                    Err(e) => view! { <p class="error-inline">{format!("No table: {e}.")}</p> }.into_any(),
                    Ok(rows) => view! {
                        <p class="small">"For "{params_long(p)}":"</p>
                        <table class="rule-table">
                            <thead>
                                <tr>
                                    <th scope="col">"Precision"</th>
                                    <th scope="col" class="num">"Weights"</th>
                                    <th scope="col" class="num">"Training"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {rows.into_iter().map(|r| view! {
                                    <tr data-label=r.label>
                                        <th scope="row">{r.label}</th>
                                        <td class="num">{gb(r.weights)}</td>
                                        <td class="num">{gb(r.training)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                },
            }}
        </section>
    }
}
