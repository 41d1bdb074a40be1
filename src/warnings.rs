//! The core's warnings for the current model and settings ([`ftmem_core::warnings::warnings`]), shown above the
//! breakdown in the chosen language. Id: `#warnings`, one `li[data-code=<code>]` per warning.

use crate::i18n::{use_lang, Lang, T};
use ftmem_core::warnings::{Warning, WarningCode};
use leptos::prelude::*;

/// The text of a warning in `lang`; the core's English message is the English text.
pub fn warning_text(w: &Warning, lang: Lang) -> String {
    match lang {
        Lang::En => w.message.clone(),
        Lang::Ko => korean(w),
    }
}

/// The `field=default` list of a [`WarningCode::DefaultsUsed`] message (between "defaults " and " were used").
fn defaults_list(message: &str) -> Option<&str> {
    let start = message.find(" defaults ")? + " defaults ".len();
    let end = message[start..].find(" were used")? + start;
    Some(&message[start..end])
}

fn korean(w: &Warning) -> String {
    if w.code == WarningCode::DefaultsUsed {
        if let Some(list) = defaults_list(&w.message) {
            return format!(
                "config.json에 크기를 정하는 필드가 일부 빠져 있어, transformers가 하는 대로 이 모델 계열의 기본값({list})을 썼습니다."
            );
        }
    }
    korean_fixed(w).to_string()
}

fn korean_fixed(w: &Warning) -> &'static str {
    match w.code {
        WarningCode::SeqExceedsContext => {
            "시퀀스 길이(추론은 프롬프트 + 생성 토큰)가 모델의 최대 컨텍스트(max_position_embeddings)보다 깁니다."
        }
        WarningCode::EagerAttention => {
            "transformers는 이 아키텍처에 eager 어텐션을 씁니다: 배치 × 헤드 × 시퀀스² 크기의 점수 행렬을 저장하므로 메모리가 시퀀스 길이의 제곱으로 늘어납니다. 모델이 허용하면 attn=sdpa로 피할 수 있습니다."
        }
        WarningCode::StackedExpertsNotQuantized if !w.message.contains("fp32") => {
            "MoE 전문가(expert) 가중치가 nn.Linear가 아니라 하나의 텐서로 쌓은(stacked) 파라미터라서 bitsandbytes가 양자화하지 않습니다 (bf16 그대로). 이 모델에서는 QLoRA를 써도 LoRA보다 메모리가 별로 줄지 않습니다."
        }
        WarningCode::StackedExpertsNotQuantized => {
            "MoE 전문가(expert) 가중치가 nn.Linear가 아니라 하나의 텐서로 쌓은(stacked) 파라미터라서 bitsandbytes가 양자화하지 않고, prepare_model_for_kbit_training이 fp32로 업캐스트합니다. 이 모델에서는 QLoRA가 LoRA보다 메모리를 더 씁니다."
        }
        WarningCode::TrlMaxLength => {
            "TRL SFTConfig의 max_length 기본값은 1024 토큰이라 더 긴 행은 잘립니다. 이 길이로 학습하려면 max_length를 시퀀스 길이로 지정하세요 (추정치는 지정했다고 가정합니다)."
        }
        WarningCode::LigerNotApplied => {
            "liger-kernel 0.8.5에는 이 모델 유형의 커널이 없어 use_liger_kernel=True로 설정해도 달라지는 것이 없습니다."
        }
        WarningCode::TrlPacking => {
            "TRL은 마이크로배치마다 가장 긴 행에 맞춰 패딩합니다. packing=True나 padding_free=True를 쓰면 한 행이 여러 예제를 이어 붙인 max_length 토큰이 되므로, 한 스텝에 실제로 들어가는 토큰 수를 입력하세요."
        }
        WarningCode::ApproximateArchitecture => {
            "ftmem이 정확히 아는 모델 계열이 아닙니다: 파라미터 수는 일반 디코더 구조로 계산한 근사치입니다."
        }
        WarningCode::IdleTowers => {
            "비전 타워와 프로젝터는 언어 모델과 함께 불러와 메모리에 상주하지만, 텍스트만 있는 행에서는 쓰이지 않습니다. 그래서 추정치에는 이 부분의 활성값, 그래디언트, 옵티마이저 상태가 들어가지 않습니다."
        }
        WarningCode::DefaultsUsed => {
            "config.json에 크기를 정하는 필드가 일부 빠져 있어, transformers가 하는 대로 이 모델 계열의 기본값을 썼습니다."
        }
        WarningCode::DequantizedWeights => {
            "체크포인트는 양자화되어 있지만 이 정밀도에서는 가중치를 역양자화해 보관합니다 (precision=stored는 체크포인트 형식을 그대로 유지합니다)."
        }
    }
}

/// The list of warnings (nothing when there are none).
#[component]
pub fn Warnings(#[prop(into)] warnings: Signal<Vec<Warning>>) -> impl IntoView {
    let lang = use_lang();
    move || {
        let l = lang.get();
        warnings.with(|ws| {
            (!ws.is_empty()).then(|| {
                // The items as markup (the texts escaped): one view type fewer than a `<li>` per warning.
                let items: String = ws
                    .iter()
                    .map(|w| {
                        let code = serde_json::to_value(w.code)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default();
                        format!(
                            "<li data-code=\"{}\">{}</li>",
                            crate::chart::escape(&code),
                            crate::chart::escape(&warning_text(w, l))
                        )
                    })
                    .collect();
                view! {
                    <section class="card warnings" id="warnings" role="status" aria-label=T::new("Warnings", "주의").get(l)>
                        <h2>{T::new("Before you trust this number", "이 수치를 믿기 전에 확인할 점").get(l)}</h2>
                        <ul inner_html=items></ul>
                    </section>
                }
            })
        })
    }
}
