//! The answer first (issue 12 §1): at the top of the page, at every width, the predicted peak, whether it fits
//! on the chosen GPU (with the headroom or the shortfall, from [`ftmem_core::gpus::fits_capacity`]) and the
//! stack and run it is for. The inputs follow below it. Every figure comes from the core's estimate.
//!
//! Ids: `#answer` (section), `#answer-total` (`data-bytes`), `#answer-verdict` (`data-fits` = `yes|no`,
//! `data-bytes` = headroom, or minus the shortfall), `#answer-for` (stack, mode, micro-batch, sequence length).

use crate::fits::{GpuChoice, Unit};
use crate::i18n::{use_lang, Lang, T};
use ftmem_core::settings::Mode;
use ftmem_core::{Estimate, EstimateError, Settings};
use leptos::prelude::*;

/// The answer card. Shows nothing until there is an estimate; an estimate error is said in one line.
#[component]
pub fn Answer(
    #[prop(into)] estimate: Signal<Option<Result<Estimate, EstimateError>>>,
    settings: RwSignal<Settings>,
    #[prop(into)] gpu: Signal<GpuChoice>,
    unit: RwSignal<Unit>,
) -> impl IntoView {
    let lang = use_lang();
    move || {
        let l = lang.get();
        let u = unit.get();
        estimate.with(|e| match e {
            Some(Ok(est)) => {
                let g = gpu.get();
                let fit = ftmem_core::gpus::fits_capacity(est.total_bytes, g.capacity());
                let (cls, signed, verdict) = if fit.fits {
                    (
                        "yes",
                        fit.headroom.0 as i128,
                        match l {
                            Lang::En => format!("✓ Fits on {}, {} to spare", g.label_in(l, u), u.format(fit.headroom)),
                            Lang::Ko => format!("✓ {}에 들어갑니다 (여유 {})", g.label_in(l, u), u.format(fit.headroom)),
                        },
                    )
                } else {
                    (
                        "no",
                        -(fit.shortfall.0 as i128),
                        match l {
                            Lang::En => format!("✗ Does not fit on {}: {} short", g.label_in(l, u), u.format(fit.shortfall)),
                            Lang::Ko => format!("✗ {}에 들어가지 않습니다 ({} 부족)", g.label_in(l, u), u.format(fit.shortfall)),
                        },
                    )
                };
                let per_gpu = (est.gpus > 1).then(|| match l {
                    Lang::En => format!(" per GPU, {} GPUs", est.gpus),
                    Lang::Ko => format!(" (GPU당, GPU {}개)", est.gpus),
                });
                let mut run = settings.with(|s| run_text(s, l));
                let model = settings.with(|s| s.model.clone());
                if !model.is_empty() {
                    run = format!("{model} · {run}");
                }
                if est.shard != ftmem_core::settings::Shard::Ddp || est.offload != ftmem_core::settings::Offload::None {
                    run.push_str(" · ");
                    run.push_str(crate::breakdown::shard_label(est.shard));
                    if est.offload != ftmem_core::settings::Offload::None {
                        run.push_str(&match l {
                            Lang::En => format!(", offload: {} (CPU memory {})", crate::controls::offload_text(est.offload).get(l), u.format(est.cpu_bytes)),
                            Lang::Ko => format!(", 오프로드: {} (CPU 메모리 {})", crate::controls::offload_text(est.offload).get(l), u.format(est.cpu_bytes)),
                        });
                    }
                }
                view! {
                    <section class="card answer" id="answer" aria-live="polite">
                        <p class="answer-total">
                            <span class="muted small">{T::new("Peak GPU memory", "피크 GPU 메모리").get(l)}</span>
                            <strong id="answer-total" data-bytes=est.total_bytes.0.to_string()>{u.format(est.total_bytes)}</strong>
                            {per_gpu}
                        </p>
                        <p id="answer-verdict" class=format!("verdict {cls}") data-fits=cls data-bytes=signed.to_string()>{verdict}</p>
                        <p id="answer-for" class="muted small">{run}</p>
                    </section>
                }
                .into_any()
            }
            Some(Err(err)) => view! {
                <section class="card answer" id="answer" aria-live="polite">
                    <p class="error-inline">{format!("{} {err}.", T::new("No estimate:", "추정 불가:").get(l))}</p>
                </section>
            }
            .into_any(),
            None => ().into_any(),
        })
    }
}

/// "LoRA r16 · TRL SFTTrainer · micro-batch 1 × 2,048 tokens" (inference: no stack, generated tokens).
fn run_text(s: &Settings, l: Lang) -> String {
    let mode = crate::controls::mode_text(s.mode).get(l);
    let mode = if s.mode.has_adapters() {
        format!("{mode} r{}", s.rank)
    } else {
        mode.to_string()
    };
    let seq = crate::format::thousands(s.seq);
    match (s.mode, l) {
        (Mode::Inference, Lang::En) => format!(
            "{mode} · batch {} × {seq} prompt tokens + {} generated",
            s.batch, s.new_tokens
        ),
        (Mode::Inference, Lang::Ko) => format!(
            "{mode} · 배치 {} × 프롬프트 {seq} 토큰 + 생성 {} 토큰",
            s.batch, s.new_tokens
        ),
        (_, Lang::En) => format!(
            "{mode} · {} · micro-batch {} × {seq} tokens",
            crate::controls::stack_text(s.stack).get(l),
            s.batch
        ),
        (_, Lang::Ko) => format!(
            "{mode} · {} · 마이크로배치 {} × {seq} 토큰",
            crate::controls::stack_text(s.stack).get(l),
            s.batch
        ),
    }
}
