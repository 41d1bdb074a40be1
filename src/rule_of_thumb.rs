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
            <div inner_html=move || table_html(total.get(), unit.get(), lang.get())></div>
        </section>
    }
}

/// The table (or why there is none) as markup; every value is numeric or the core's own text, escaped.
fn table_html(total: Option<Params>, u: crate::fits::Unit, l: crate::i18n::Lang) -> String {
    use crate::chart::escape;
    let Some(p) = total else {
        return format!("<p class=\"muted\">{}</p>", T::new("Load a model to see the table.", "모델을 불러오면 표를 보여 줍니다.").get(l));
    };
    let rows = match ftmem_core::rule_of_thumb::table(p) {
        Ok(rows) => rows,
        Err(e) => {
            return format!("<p class=\"error-inline\">{} {}.</p>", T::new("No table:", "표를 만들 수 없습니다:").get(l), escape(&e.to_string()))
        }
    };
    let mut h = format!(
        "<p class=\"small\">{}{}{}</p><table class=\"rule-table\"><thead><tr><th scope=\"col\">{}</th><th scope=\"col\" class=\"num\">{}</th><th scope=\"col\" class=\"num\">{}</th></tr></thead><tbody>",
        T::new("For ", "").get(l),
        escape(&params_long_in(p, l)),
        T::new(":", " 기준:").get(l),
        T::new("Precision", "정밀도").get(l),
        T::new("Weights", "가중치").get(l),
        T::new("Training", "학습").get(l)
    );
    for r in rows {
        h.push_str(&format!(
            "<tr data-label=\"{0}\"><th scope=\"row\">{0}</th><td class=\"num\">{1}</td><td class=\"num\">{2}</td></tr>",
            escape(r.label),
            u.format(r.weights),
            u.format(r.training)
        ));
    }
    h.push_str("</tbody></table>");
    h
}
