//! The detailed estimate: each component of the predicted peak (name, GB, one-line explanation) and the total,
//! exactly as [`ftmem_core::estimate`] returns them. Labels and explanations are shown in the page's language
//! ([`component_text`]); the core's English explanation is the fallback for a component this module does not
//! know yet.

use crate::fits::Unit;
use crate::format::item_label;
use crate::i18n::{tr, use_lang, Lang, T};
use ftmem_core::settings::{Offload, Shard, Stack, STACK_VERSIONS};
use ftmem_core::{Estimate, EstimateError, StackFigure};
use leptos::prelude::*;

/// Label and one-line explanation of a breakdown component by its stable name (the core's `Item::name`), in
/// both languages; `None` for a name this table lacks (the caller then shows the core's English text).
/// The English explanations follow the core's (`core/src/estimate/mod.rs`).
pub fn component_text(name: &str) -> Option<(T, T)> {
    Some(match name {
        "weights" => (
            T::new("Weights", "가중치"),
            T::new(
                "the base model's parameters in the dtype they are held in on the GPU",
                "GPU에 올라간 베이스 모델의 파라미터 (보관되는 dtype 기준)",
            ),
        ),
        "adapters" => (
            T::new("LoRA adapters", "LoRA 어댑터"),
            T::new(
                "LoRA matrices A and B on the targeted modules, kept in fp32 by peft",
                "대상 모듈에 붙는 LoRA 행렬 A와 B (peft가 fp32로 보관)",
            ),
        ),
        "autocast_copies" => (
            T::new("Autocast copies", "autocast 사본"),
            T::new(
                "bf16 copies of the fp32 weights that autocast keeps for the forward and backward",
                "autocast가 순전파와 역전파에 쓰려고 보관하는 fp32 가중치의 bf16 사본",
            ),
        ),
        "gradients" => (
            T::new("Gradients", "그래디언트"),
            T::new(
                "gradients of the trainable parameters that exist at the peak moment",
                "피크 시점에 남아 있는 학습 가능 파라미터의 그래디언트",
            ),
        ),
        "optimizer_states" => (
            T::new("Optimizer states", "옵티마이저 상태"),
            T::new(
                "the optimizer's per-parameter state (AdamW: two moments), created at the first step",
                "파라미터별 옵티마이저 상태 (AdamW: 1차·2차 모멘트), 첫 스텝에서 생성",
            ),
        ),
        "activations" => (
            T::new("Activations", "활성값"),
            T::new(
                "tensors the forward pass saves for backward (or each layer's input with gradient checkpointing, plus one recomputed layer)",
                "순전파가 역전파를 위해 저장하는 텐서 (그래디언트 체크포인팅을 켜면 각 층의 입력과, 재계산 중인 한 층의 텐서)",
            ),
        ),
        "logits" => (
            T::new("Logits", "로짓"),
            T::new(
                "vocabulary-sized logits and the fp32 log-probabilities and gradients of the loss",
                "어휘 크기의 로짓과 손실의 fp32 로그 확률 및 그래디언트",
            ),
        ),
        "fused_loss" => (
            T::new("Loss (fused head)", "손실 (융합 헤드)"),
            T::new(
                "TRL's fused LM head or Liger's fused cross-entropy: the hidden-state copy, fp32 gradient accumulators and one logits tile; no full logits",
                "TRL의 융합 LM 헤드 또는 Liger의 융합 교차 엔트로피: 은닉 상태 사본, fp32 그래디언트 누산기, 로짓 타일 하나 (전체 로짓은 만들지 않음)",
            ),
        ),
        "cublas_workspace" => (
            T::new("cuBLAS workspaces", "cuBLAS 작업 공간"),
            T::new(
                "cuBLAS workspaces of the forward and backward threads, allocated from PyTorch's pool",
                "순전파·역전파 스레드의 cuBLAS 작업 공간 (PyTorch 메모리 풀에서 할당)",
            ),
        ),
        "kv_cache" => (
            T::new("KV cache", "KV 캐시"),
            T::new(
                "keys and values of every cached token, per layer (sliding-window layers keep only the window)",
                "층마다 캐시된 모든 토큰의 키와 값 (슬라이딩 윈도 층은 윈도만 보관)",
            ),
        ),
        "quantization_buffers" => (
            T::new("Quantization buffers", "양자화 버퍼"),
            T::new(
                "a 4-bit layer's weight dequantized to bf16 for its matmul, and transient forward buffers",
                "행렬곱을 위해 bf16으로 역양자화한 4비트 층의 가중치와 순전파 임시 버퍼",
            ),
        ),
        "wrapped_experts" => (
            T::new("Wrapped expert weights", "래핑된 전문가 가중치"),
            T::new(
                "PEFT target_parameters: each wrapped expert weight materialised as W + ΔW for the experts' matmuls and saved for backward, and its gradient",
                "PEFT target_parameters: 래핑한 전문가 가중치마다 전문가 행렬곱용으로 만든 W + ΔW(역전파까지 보관)와 그 그래디언트",
            ),
        ),
        "gathered_parameters" => (
            T::new("Gathered parameters", "수집된 파라미터"),
            T::new(
                "full parameters of the layers in flight, all-gathered from the other GPUs' shards (ZeRO-3/FSDP)",
                "처리 중인 층의 전체 파라미터, 다른 GPU의 샤드에서 all-gather로 모음 (ZeRO-3/FSDP)",
            ),
        ),
        "communication_buckets" => (
            T::new("Communication buckets", "통신 버킷"),
            T::new(
                "gradient buckets of the all-reduce (DDP) or reduce-scatter (ZeRO/FSDP) between GPUs",
                "GPU 간 all-reduce(DDP) 또는 reduce-scatter(ZeRO/FSDP)용 그래디언트 버킷",
            ),
        ),
        "allocator_slack" => (
            T::new("Allocator slack", "할당자 여유분"),
            T::new(
                "memory PyTorch's caching allocator has reserved but cannot reuse at the peak",
                "PyTorch 캐싱 할당자가 예약했지만 피크 시점에 재사용할 수 없는 메모리",
            ),
        ),
        "cuda_context" => (
            T::new("CUDA context", "CUDA 컨텍스트"),
            T::new(
                "the CUDA context, cuBLAS and cuDNN workspaces, outside PyTorch's pool",
                "PyTorch 메모리 풀 밖의 CUDA 컨텍스트와 cuBLAS·cuDNN 작업 공간",
            ),
        ),
        _ => return None,
    })
}

/// What the components that mean something else in inference hold there (no backward, no loss): label and
/// explanation, following the core's inference explanations.
fn inference_text(name: &str) -> Option<(T, T)> {
    Some(match name {
        "activations" => (
            T::new("Activations", "활성값"),
            T::new(
                "the forward pass's transient tensors of the largest layer (nothing is kept for a backward)",
                "가장 큰 층의 순전파 임시 텐서 (역전파가 없으므로 따로 보관하지 않음)",
            ),
        ),
        "logits" => (
            T::new("Logits", "로짓"),
            T::new(
                "vocabulary-sized logits of the last position of each sequence, and the fp32 copy generate() takes to sample",
                "시퀀스마다 마지막 위치의 어휘 크기 로짓과, generate()가 샘플링에 쓰는 fp32 사본",
            ),
        ),
        _ => return None,
    })
}

/// Label and explanation of a component in `lang` for an estimate of `mode`; unknown names get a label from the
/// name and the core's English explanation.
pub fn component_label_explanation(
    name: &str,
    core_explanation: &str,
    lang: Lang,
    mode: ftmem_core::settings::Mode,
) -> (String, String) {
    if mode == ftmem_core::settings::Mode::Inference {
        if let Some((l, e)) = inference_text(name) {
            return (l.get(lang).to_string(), e.get(lang).to_string());
        }
    }
    match component_text(name) {
        Some((l, e)) => (l.get(lang).to_string(), e.get(lang).to_string()),
        None => (item_label(name), core_explanation.to_string()),
    }
}

/// The core's `peak_moment` phrase in `lang`: the known phrases (`core/src/estimate/mod.rs`) are translated, any
/// other is shown as the core wrote it (English).
pub fn peak_moment_text(core: &'static str, lang: Lang) -> &'static str {
    let t = match core {
        "loss backward (log-softmax gradient)" => {
            T::new(core, "손실 역전파 (log-softmax 그래디언트)")
        }
        "recomputed layer backward (gradient checkpointing)" => {
            T::new(core, "재계산한 층의 역전파 (그래디언트 체크포인팅)")
        }
        "end of backward (embedding gradient)" => T::new(core, "역전파 끝 (임베딩 그래디언트)"),
        "loss backward (TRL's fused LM head)" => T::new(core, "손실 역전파 (TRL 융합 LM 헤드)"),
        "loss (Liger's fused linear cross-entropy)" => {
            T::new(core, "손실 (Liger 융합 선형 교차 엔트로피)")
        }
        "optimizer step" => T::new(core, "옵티마이저 스텝"),
        "first layer's backward (every adapter gradient formed)" => {
            T::new(core, "첫 층의 역전파 (모든 어댑터 그래디언트가 생긴 시점)")
        }
        "recomputed wrapped experts backward (target_parameters)" => {
            T::new(core, "래핑된 전문가 층을 재계산한 역전파 (target_parameters)")
        }
        "backward of the last wrapped experts (target_parameters)" => {
            T::new(core, "마지막 래핑 전문가 층의 역전파 (target_parameters)")
        }
        "end of the prompt's forward (prefill)" => T::new(core, "프롬프트 순전파 끝 (프리필)"),
        "last generated token (full KV cache)" => {
            T::new(core, "마지막 생성 토큰 (KV 캐시가 가득 찬 시점)")
        }
        _ => return core,
    };
    t.get(lang)
}

/// Human name of a sharding strategy (`ZeRO-3`, `FSDP (full shard)`).
pub fn shard_label(s: Shard) -> &'static str {
    match s {
        Shard::Ddp => "DDP",
        Shard::Zero1 => "ZeRO-1",
        Shard::Zero2 => "ZeRO-2",
        Shard::Zero3 => "ZeRO-3",
        Shard::Fsdp => "FSDP",
    }
}

/// The stack an estimate is for, and what the other stacks need for the same run (from
/// [`ftmem_core::other_stacks`]); `None` for inference.
#[derive(Debug, Clone, PartialEq)]
pub struct StackView {
    /// The stack of the estimate.
    pub stack: Stack,
    /// Liger kernels on.
    pub liger: bool,
    /// The same run under each other stack.
    pub others: Vec<StackFigure>,
}

/// "For TRL SFTTrainer (TRL 1.16, transformers 5.17, …)" and "Same run, other stacks: Transformers Trainer …:
/// 75.1 GB · PyTorch loop: 82.0 GB", as HTML (one string, every value escaped: smaller than a view tree). Ids:
/// `#stack-for` (`data-stack`), `#stack-versions`, `#other-stacks` with one `[data-stack=<id>]` (`data-bytes`)
/// per other stack.
pub fn stack_html(v: &StackView, u: Unit, l: Lang) -> String {
    use crate::chart::escape;
    use std::fmt::Write;
    let name = |st: Stack, liger: bool| {
        format!(
            "{}{}",
            crate::controls::stack_text(st).get(l),
            if liger { " + Liger" } else { "" }
        )
    };
    let versions: Vec<String> = STACK_VERSIONS
        .iter()
        .filter(|(p, _)| {
            (v.stack == Stack::Trl || *p != "TRL") && (v.liger || *p != "liger-kernel")
        })
        .map(|(p, ver)| format!("{p} {ver}"))
        .collect();
    let this = name(v.stack, v.liger);
    let mut out = String::with_capacity(400);
    let _ = write!(
        out,
        r#"<p class="stack-note"><span id="stack-for" data-stack="{}">{}</span> <span id="stack-versions" class="muted small">({})</span></p><p class="stack-note small" id="other-stacks">{}"#,
        v.stack.as_str(),
        escape(&match l {
            Lang::En => format!("For {this}"),
            Lang::Ko => format!("{this} 기준"),
        }),
        escape(&versions.join(", ")),
        T::new("Same run, other stacks: ", "같은 설정, 다른 스택: ").get(l),
    );
    for (i, o) in v.others.iter().enumerate() {
        // A separator that survives copying the line as text ("TRL: 58.0 GB; Trainer: 75.0 GB").
        if i > 0 {
            out.push_str("; ");
        }
        let value = o
            .total_bytes
            .map(|b| u.format(b))
            .unwrap_or_else(|| "—".into());
        let _ = write!(
            out,
            r#"<span class="other-stack" data-stack="{}" data-bytes="{}">{}: {}</span>"#,
            o.stack.as_str(),
            o.total_bytes.map(|b| b.0).unwrap_or(0),
            escape(&name(o.stack, o.liger)),
            escape(&value),
        );
    }
    out.push_str("</p>");
    out
}

/// The breakdown for `estimate` (`None` while no model is loaded), figures in `unit` (the total in both).
///
/// Ids: `#total-bytes` (text: number and unit; `data-bytes`: the raw byte count), `#estimate-error`,
/// `#peak-moment`, `#allocated-bytes`, `#reserved-bytes`; with several GPUs `#per-gpu-note`; with offload
/// `#cpu-bytes` (`data-bytes`: CPU memory per node). Rows `tr[data-item=<name>]` with `.explain`.
#[component]
pub fn Breakdown(
    #[prop(into)] estimate: Signal<Option<Result<Estimate, EstimateError>>>,
    #[prop(into, optional)] unit: Option<Signal<Unit>>,
    /// The stack of a training estimate and the other stacks' totals (`#stack-for`, `#other-stacks`).
    #[prop(into, optional)]
    stack: Option<Signal<Option<StackView>>>,
) -> impl IntoView {
    let lang = use_lang();
    let unit = unit.unwrap_or_else(|| Signal::derive(|| Unit::Gib));
    view! {
        <section class="card breakdown" aria-labelledby="breakdown-h">
            <h2 id="breakdown-h">{tr(T::new("Detailed estimate", "상세 추정"))}</h2>
            <p class="muted small">{tr(T::new(
                "Predicted peak GPU memory as nvidia-smi shows it, derived from the libraries' sources.",
                "nvidia-smi에 표시될 피크 GPU 메모리를 라이브러리 소스 코드에서 유도해 예측합니다.",
            ))}</p>
            {move || {
                let l = lang.get();
                let u = unit.get();
                estimate.with(|e| match e {
                    None => view! { <p class="muted">{T::new("Load a model to see the estimate.", "모델을 불러오면 추정치를 보여 줍니다.").get(l)}</p> }.into_any(),
                    Some(Err(err)) => view! {
                        <p class="error-inline" id="estimate-error" role="alert">{format!("{} {err}.", T::new("No estimate:", "추정 불가:").get(l))}</p>
                    }.into_any(),
                    Some(Ok(est)) => estimate_view(est, u, l).into_any(),
                })
            }}
            {move || {
                let l = lang.get();
                let u = unit.get();
                let ok = estimate.with(|e| matches!(e, Some(Ok(_))));
                stack
                    .and_then(|s| s.get())
                    .filter(|_| ok)
                    .map(|v| view! { <div inner_html=stack_html(&v, u, l)></div> })
            }}
        </section>
    }
}

fn total_text(total: ftmem_core::Bytes, u: Unit) -> String {
    let other = match u {
        Unit::Gb => Unit::Gib,
        Unit::Gib => Unit::Gb,
    };
    format!("{} ({})", u.format(total), other.format(total))
}

fn estimate_view(est: &Estimate, u: Unit, l: Lang) -> impl IntoView {
    let total = est.total_bytes;
    let rows = {
        use crate::chart::escape;
        use std::fmt::Write;
        let mut out = String::with_capacity(est.components.len() * 300);
        for item in &est.components {
            let share = if total.0 > 0 {
                item.bytes.0 as f64 / total.0 as f64 * 100.0
            } else {
                0.0
            };
            let (label, explain) = component_label_explanation(item.name, item.explanation, l, est.mode);
            let _ = write!(
                out,
                r#"<tr data-item="{}" data-bytes="{}"><th scope="row">{}<span class="explain">{}</span></th><td class="num">{}</td><td class="num muted">{share:.0} %</td></tr>"#,
                escape(item.name),
                item.bytes.0,
                escape(&label),
                escape(&explain),
                escape(&u.format(item.bytes)),
            );
        }
        out
    };
    let per_gpu = (est.gpus > 1).then(|| {
        let shard = shard_label(est.shard);
        let text = match l {
            Lang::En => format!(
                "Per GPU: {} GPUs with {shard}; every figure here is one GPU's.",
                est.gpus
            ),
            Lang::Ko => format!(
                "GPU당: {shard}, GPU {}개. 여기 나온 수치는 모두 GPU 한 개 기준입니다.",
                est.gpus
            ),
        };
        view! { <p class="note" id="per-gpu-note">{text}</p> }
    });
    let cpu = (est.offload != Offload::None).then(|| {
        let what = match (est.offload, l) {
            (Offload::Params, Lang::En) => "parameters and optimizer states",
            (Offload::Params, Lang::Ko) => "파라미터와 옵티마이저 상태",
            (_, Lang::En) => "optimizer states",
            (_, Lang::Ko) => "옵티마이저 상태",
        };
        view! {
            <p class="note">
                {match l {
                    Lang::En => format!("CPU memory for the offloaded {what} (per node): "),
                    Lang::Ko => format!("오프로드된 {what}에 필요한 CPU 메모리 (노드당): "),
                }}
                <strong id="cpu-bytes" data-bytes=est.cpu_bytes.0.to_string()>{u.format(est.cpu_bytes)}</strong>
            </p>
        }
    });
    view! {
        <p class="total">
            <span class="label">{T::new("Total peak: ", "총 피크 메모리: ").get(l)}</span>
            <strong id="total-bytes" data-bytes=total.0.to_string()>{total_text(total, u)}</strong>
            {est.approximate.then(|| view! { <span class="badge approx">{T::new("approximate", "근사치").get(l)}</span> })}
        </p>
        {per_gpu}
        {cpu}
        <p class="muted small">
            {T::new("Peak at: ", "피크 시점: ").get(l)}<span id="peak-moment" data-moment=est.peak_moment>{peak_moment_text(est.peak_moment, l)}</span>
            {T::new(". PyTorch allocated ", ". PyTorch 할당 ").get(l)}
            <span id="allocated-bytes" data-bytes=est.allocated_bytes.0.to_string()>{u.format(est.allocated_bytes)}</span>
            {T::new(", reserved ", ", 예약 ").get(l)}
            <span id="reserved-bytes" data-bytes=est.reserved_bytes.0.to_string()>{u.format(est.reserved_bytes)}</span>"."
        </p>
        <div class="table-scroll">
            <table class="items">
                <caption class="sr-only">{T::new("Breakdown of the peak", "피크 메모리 구성").get(l)}</caption>
                <thead>
                    <tr>
                        <th scope="col">{T::new("Component", "구성 요소").get(l)}</th>
                        <th scope="col" class="num">{T::new("Memory", "메모리").get(l)}</th>
                        <th scope="col" class="num">{T::new("Share", "비율").get(l)}</th>
                    </tr>
                </thead>
                <tbody inner_html=rows></tbody>
                <tfoot>
                    <tr>
                        <th scope="row">{T::new("Total", "합계").get(l)}</th>
                        <td class="num">{u.format(total)}</td>
                        <td></td>
                    </tr>
                </tfoot>
            </table>
        </div>
    }
}
