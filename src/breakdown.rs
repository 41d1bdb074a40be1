//! The detailed estimate: each component of the predicted peak (name, GB, one-line explanation) and the total,
//! exactly as [`ftmem_core::estimate`] returns them.

use crate::format::{gb, gb_gib, item_label};
use ftmem_core::{Estimate, EstimateError};
use leptos::prelude::*;

/// The breakdown for `estimate` (`None` while no model is loaded).
///
/// Ids: `#total-bytes` (text: number and unit; `data-bytes`: the raw byte count), `#estimate-error`.
#[component]
pub fn Breakdown(
    #[prop(into)] estimate: Signal<Option<Result<Estimate, EstimateError>>>,
) -> impl IntoView {
    view! {
        <section class="card breakdown" aria-labelledby="breakdown-h">
            <h2 id="breakdown-h">"Detailed estimate"</h2>
            <p class="muted small">"Predicted peak GPU memory as nvidia-smi shows it, from first principles."</p>
            {move || estimate.with(|e| match e {
                None => view! { <p class="muted">"Load a model to see the estimate."</p> }.into_any(),
                Some(Err(err)) => view! {
                    <p class="error-inline" id="estimate-error" role="alert">{format!("No estimate: {err}.")}</p>
                }.into_any(),
                Some(Ok(est)) => estimate_view(est).into_any(),
            })}
        </section>
    }
}

fn estimate_view(est: &Estimate) -> impl IntoView {
    let total = est.total_bytes;
    let rows = est
        .components
        .iter()
        .map(|item| {
            let share = if total.0 > 0 {
                item.bytes.0 as f64 / total.0 as f64 * 100.0
            } else {
                0.0
            };
            view! {
                <tr data-item=item.name data-bytes=item.bytes.0.to_string()>
                    <th scope="row">
                        {item_label(item.name)}
                        <span class="explain">{item.explanation}</span>
                    </th>
                    <td class="num">{gb(item.bytes)}</td>
                    <td class="num muted">{format!("{share:.0} %")}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p class="total">
            <span class="label">"Total peak: "</span>
            <strong id="total-bytes" data-bytes=total.0.to_string()>{gb_gib(total)}</strong>
            {est.approximate.then(|| view! { <span class="badge approx">"approximate"</span> })}
        </p>
        <p class="muted small">
            "Peak at: "<span id="peak-moment">{est.peak_moment}</span>". PyTorch allocated "
            <span id="allocated-bytes" data-bytes=est.allocated_bytes.0.to_string()>{gb(est.allocated_bytes)}</span>
            ", reserved "
            <span id="reserved-bytes" data-bytes=est.reserved_bytes.0.to_string()>{gb(est.reserved_bytes)}</span>"."
        </p>
        <div class="table-scroll">
            <table class="items">
                <caption class="sr-only">"Breakdown of the peak"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Component"</th>
                        <th scope="col" class="num">"Memory"</th>
                        <th scope="col" class="num">"Share"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
                <tfoot>
                    <tr>
                        <th scope="row">"Total"</th>
                        <td class="num">{gb(total)}</td>
                        <td></td>
                    </tr>
                </tfoot>
            </table>
        </div>
    }
}
