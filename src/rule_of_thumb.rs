//! The tutorial's rule-of-thumb table (weights = parameters × bytes; training = weights × 4.0 or × 1.3), shown
//! for the loaded model's exact count beside the detailed estimate, labelled as the rule of thumb it is.
//! The figures come from [`ftmem_core::rule_of_thumb::table`].

use crate::format::params_long_in;
use crate::i18n::{tr, use_lang, T};
use ftmem_core::Params;
use leptos::prelude::*;

/// The rule-of-thumb table for `total` parameters (`None` while no model is loaded).
///
/// Ids: `#rule-of-thumb`; rows carry `data-label` (`fp32`, `fp16/bf16`, `int8`, `int4`).
#[component]
pub fn RuleOfThumb(
    #[prop(into)] total: Signal<Option<Params>>,
    /// The page's unit (the tutorial prints decimal GB; GiB converts the same bytes).
    unit: RwSignal<crate::fits::Unit>,
) -> impl IntoView {
    let lang = use_lang();
    view! {
        <section class="card rule" id="rule-of-thumb" aria-labelledby="rule-h">
            <h2 id="rule-h">{tr(T::new("Rule of thumb (the gpt-oss-20b fine-tuning tutorial, chapter 1)", "경험 법칙 (gpt-oss-20b 파인튜닝 튜토리얼 1장)"))}</h2>
            <p class="muted small">{tr(T::new(
                "The table the Korean gpt-oss-20b fine-tuning tutorial prints in its first chapter: weights = parameters × bytes per parameter; training = weights × 4 \
                 (16/32-bit) or × 1.3 (8/4-bit). It ignores activations, logits, the KV cache and the CUDA context — \
                 compare it with the detailed estimate.",
                "gpt-oss-20b 파인튜닝 튜토리얼 1장에서 출력하는 표입니다: 가중치 = 파라미터 수 × 파라미터당 바이트, 학습 = 가중치 × 4 (16/32비트) 또는 \
                 × 1.3 (8/4비트). 활성값(activations), 로짓, KV 캐시, CUDA 컨텍스트는 빠져 있으니 상세 추정과 비교해 보세요.",
            ))}</p>
            {move || { let l = lang.get(); let u = unit.get(); match total.get() {
                None => view! { <p class="muted">{T::new("Load a model to see the table.", "모델을 불러오면 표를 보여 줍니다.").get(l)}</p> }.into_any(),
                Some(p) => match ftmem_core::rule_of_thumb::table(p) {
                    Err(e) => view! { <p class="error-inline">{format!("{} {e}.", T::new("No table:", "표를 만들 수 없습니다:").get(l))}</p> }.into_any(),
                    Ok(rows) => view! {
                        <p class="small">{T::new("For ", "").get(l)}{params_long_in(p, l)}{T::new(":", " 기준:").get(l)}</p>
                        <table class="rule-table">
                            <thead>
                                <tr>
                                    <th scope="col">{T::new("Precision", "정밀도").get(l)}</th>
                                    <th scope="col" class="num">{T::new("Weights", "가중치").get(l)}</th>
                                    <th scope="col" class="num">{T::new("Training", "학습").get(l)}</th>
                                </tr>
                            </thead>
                            <tbody>
                                {rows.into_iter().map(|r| view! {
                                    <tr data-label=r.label>
                                        <th scope="row">{r.label}</th>
                                        <td class="num">{u.format(r.weights)}</td>
                                        <td class="num">{u.format(r.training)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                },
            }}}
        </section>
    }
}
