//! The estimate's controls. Each control speaks its query key and value (`batch` = `"4"`), validated by the
//! core's query parser ([`crate::url_state::apply_key`]), so a control accepts exactly what a link accepts.
//! Every accepted change updates the settings signal at once; a rejected value leaves the settings alone and
//! shows why beside the control.

use crate::i18n::{tr, use_lang, Lang, T};
use crate::url_state::apply_key;
use ftmem_core::settings::{Mode, Offload, Precision, Shard, Stack, Targets};
use ftmem_core::Settings;
use leptos::prelude::*;

/// Apply `key` = `value` to the settings signal; notifies only when something changed.
///
/// The whole result is checked as a link would be: a sharding combination the core refuses
/// ([`Settings::check_sharding`], e.g. `offload=params` with `shard=zero1`) is an error too. Switching to
/// inference drops the training-only sharding (ZeRO-1/2 become DDP, offload none), since those controls are hidden
/// there and the core refuses them for inference.
/// Errors: the core's message for an unusable value (settings unchanged).
pub fn set_key(settings: RwSignal<Settings>, key: &str, value: &str) -> Result<(), String> {
    let mut s = settings.get_untracked();
    // The plain loop takes no `use_liger_kernel`: switching to it turns Liger off (its checkbox is hidden there).
    if key == "stack" && value == Stack::Loop.as_str() {
        s.liger = false;
    }
    apply_key(&mut s, key, value).map_err(|e| e.message)?;
    if key == "mode" {
        crate::url_state::drop_hidden_settings(&mut s);
    }
    s.check_sharding().map_err(|e| e.message)?;
    if settings.with_untracked(|cur| *cur != s) {
        settings.set(s);
    }
    Ok(())
}

/// A control's error as shown: a lead sentence in `lang`, then the core's message (English).
pub fn lead(core_message: String, lang: Lang) -> String {
    match lang {
        Lang::En => core_message,
        Lang::Ko => korean_field_error(&core_message)
            .unwrap_or_else(|| format!("사용할 수 없는 값입니다 — {core_message}")),
    }
}

/// The core's field messages of a known shape (`settings.rs`: `parse_u64`, `parse_bool`, `util`), said in
/// Korean; `None` for any other (shown after a Korean lead-in, as the core wrote it).
fn korean_field_error(m: &str) -> Option<String> {
    let split = |rest: &str| rest.split_once(", got ").map(|(a, b)| (a.to_string(), b.to_string()));
    if let Some((min, got)) = m.strip_prefix("must be at least ").and_then(split) {
        return Some(format!("{min} 이상이어야 합니다 (입력값 {got})"));
    }
    if let Some((max, got)) = m.strip_prefix("must be at most ").and_then(split) {
        return Some(format!("{max} 이하여야 합니다 (입력값 {got})"));
    }
    if let Some(got) = m.strip_prefix("gpu_memory_utilization must be in (0, 1], got ") {
        return Some(format!("gpu_memory_utilization은 0보다 크고 1 이하여야 합니다 (입력값 {got})"));
    }
    let quoted = |suffix: &str| m.strip_prefix('`').and_then(|r| r.strip_suffix(suffix)).map(str::to_string);
    if let Some(v) = quoted("` is not a whole number") {
        return Some(format!("`{v}`은(는) 정수가 아닙니다"));
    }
    if let Some(v) = quoted("` is not a number") {
        return Some(format!("`{v}`은(는) 숫자가 아닙니다"));
    }
    if let Some(v) = quoted("` is not 0 or 1") {
        return Some(format!("`{v}`은(는) 0 또는 1이 아닙니다"));
    }
    None
}

/// Human label of a mode, in both languages.
pub fn mode_text(m: Mode) -> T {
    match m {
        Mode::Inference => T::new("Inference", "추론"),
        Mode::Full => T::new("Full fine-tuning", "전체 파인튜닝"),
        Mode::Lora => T::new("LoRA", "LoRA"),
        Mode::Qlora => T::new("QLoRA", "QLoRA"),
        Mode::Serve => T::new("Serve with vLLM", "vLLM 서빙"),
    }
}

/// Human label of a mode (English).
pub fn mode_label(m: Mode) -> &'static str {
    mode_text(m).en
}

/// Human label of a precision, in both languages.
pub fn precision_text(p: Precision) -> T {
    match p {
        Precision::Stored => T::new(
            "as stored (checkpoint's format)",
            "저장된 그대로 (체크포인트 형식)",
        ),
        Precision::Fp32 => T::new("fp32", "fp32"),
        Precision::Bf16 => T::new("bf16", "bf16"),
        Precision::Fp16 => T::new("fp16", "fp16"),
        Precision::Fp8 => T::new("fp8", "fp8"),
        Precision::Int8 => T::new("int8 (LLM.int8)", "int8 (LLM.int8)"),
        Precision::Int4 => T::new("int4 (bitsandbytes)", "int4 (bitsandbytes)"),
        Precision::Mixed => T::new(
            "mixed (fp32 weights, bf16 autocast)",
            "혼합 (fp32 가중치, bf16 autocast)",
        ),
        Precision::Nf4 => T::new("NF4", "NF4"),
        Precision::Fp4 => T::new("FP4", "FP4"),
    }
}

/// Human label of a precision (English).
pub fn precision_label(p: Precision) -> &'static str {
    precision_text(p).en
}

/// Label of a sharding strategy, in both languages.
pub fn shard_text(s: Shard) -> T {
    match s {
        Shard::Ddp => T::new("DDP (full replica per GPU)", "DDP (GPU마다 전체 복제)"),
        Shard::Zero1 => T::new(
            "ZeRO-1 (optimizer states sharded)",
            "ZeRO-1 (옵티마이저 상태 샤딩)",
        ),
        Shard::Zero2 => T::new("ZeRO-2 (+ gradients sharded)", "ZeRO-2 (+ 그래디언트 샤딩)"),
        Shard::Zero3 => T::new("ZeRO-3 (+ parameters sharded)", "ZeRO-3 (+ 파라미터 샤딩)"),
        Shard::Fsdp => T::new("FSDP full shard", "FSDP 전체 샤딩"),
    }
}

/// Label of a stack, in both languages: the names people know (TRL and transformers keep theirs).
pub fn stack_text(s: Stack) -> T {
    match s {
        Stack::Trl => T::new("TRL SFTTrainer", "TRL SFTTrainer"),
        Stack::Trainer => T::new(
            "Transformers Trainer (LLaMA-Factory, Axolotl)",
            "Transformers Trainer (LLaMA-Factory, Axolotl)",
        ),
        Stack::Loop => T::new("PyTorch loop", "순수 PyTorch 루프"),
    }
}

/// Label of an offload choice, in both languages.
pub fn offload_text(o: Offload) -> T {
    match o {
        Offload::None => T::new("none", "없음"),
        Offload::Optimizer => T::new("optimizer states to CPU", "옵티마이저 상태를 CPU로"),
        Offload::Params => T::new(
            "parameters and optimizer to CPU",
            "파라미터와 옵티마이저를 CPU로",
        ),
    }
}

const MODES: [Mode; 5] = [Mode::Inference, Mode::Full, Mode::Lora, Mode::Qlora, Mode::Serve];
const OFFLOADS: [Offload; 3] = [Offload::None, Offload::Optimizer, Offload::Params];

/// A numeric field bound to one query key.
#[component]
fn NumberField(
    settings: RwSignal<Settings>,
    /// DOM id.
    id: &'static str,
    /// Query key (`batch`, `seq`, `new`, `rank`, `dropout`, `gpus`).
    key: &'static str,
    /// Visible label.
    label: T,
    /// Current value as query text.
    #[prop(into)]
    value: Signal<String>,
    #[prop(default = "1")] step: &'static str,
    #[prop(default = "0")] min: &'static str,
    #[prop(optional)] hint: Option<T>,
) -> impl IntoView {
    let invalid = RwSignal::new(None::<String>);
    // The value in force when the field took focus: a value refused while typing puts it back, so a keystroke's
    // intermediate value (`12345678` on the way to a refused `1234567890`) never stays in force.
    let at_focus = StoredValue::new(None::<String>);
    let err_id = format!("{id}-error");
    let err_id2 = err_id.clone();
    let lang = use_lang();
    view! {
        <div class="field">
            <label for=id>{tr(label)}</label>
            <input
                id=id
                type="number"
                inputmode=if step == "1" { "numeric" } else { "decimal" }
                min=min
                step=step
                prop:value=value
                aria-invalid=move || if invalid.with(|i| i.is_some()) { "true" } else { "false" }
                aria-describedby=err_id.clone()
                on:focus=move |_| {
                    let _ = at_focus.try_set_value(value.try_get_untracked());
                }
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    invalid.try_set(set_key(settings, key, &v).err());
                }
                on:change=move |_| {
                    // On leaving the field with a refused value: the value in force when it took focus comes
                    // back (not a keystroke's intermediate one) and the field shows it. The field may be gone
                    // already (its control hidden by a mode change): then nothing is left to do.
                    if invalid.try_with_untracked(|i| i.is_some()) == Some(true) {
                        if let Some(Some(before)) = at_focus.try_get_value() {
                            let _ = set_key(settings, key, &before);
                        }
                        invalid.try_set(None);
                        settings.notify();
                    } else {
                        // A value the field commits is the one to come back to next time.
                        let _ = at_focus.try_set_value(value.try_get_untracked());
                    }
                }
            />
            <span class="hint">{move || hint.map(|h| h.get(lang.get()))}</span>
            <span class="field-error" id=err_id2 role="alert">{move || invalid.get().map(|m| lead(m, lang.get()))}</span>
        </div>
    }
}

/// A select bound to one query key; a value the core refuses (e.g. a sharding combination) shows its message
/// beside the select and the select returns to the value in force. Options: (query value, label).
#[component]
fn KeySelect(
    settings: RwSignal<Settings>,
    id: &'static str,
    key: &'static str,
    label: T,
    options: Vec<(&'static str, T)>,
    /// The value in force, as query text.
    #[prop(into)]
    current: Signal<String>,
) -> impl IntoView {
    let invalid = RwSignal::new(None::<String>);
    let err_id = format!("{id}-error");
    let lang = use_lang();
    view! {
        <div class="field">
            <label for=id>{tr(label)}</label>
            <select id=id aria-describedby=err_id.clone()
                aria-invalid=move || if invalid.with(|i| i.is_some()) { "true" } else { "false" }
                on:change=move |ev| {
                    let r = set_key(settings, key, &event_target_value(&ev));
                    if r.is_err() {
                        // Show the value in force again.
                        settings.notify();
                    }
                    invalid.set(r.err());
                }>
                {options.into_iter().map(|(v, t)| view! {
                    <option value=v prop:selected=move || current.with(|c| c == v)>{move || t.get(lang.get())}</option>
                }).collect_view()}
            </select>
            <span class="field-error" id=err_id role="alert">{move || invalid.get().map(|m| lead(m, lang.get()))}</span>
        </div>
    }
}

/// All controls of the estimate. `has_quantization` says whether the loaded checkpoint has a
/// `quantization_config` (it decides the default inference precision).
///
/// Ids: `#mode`, `#precision`, `#batch`, `#ga` and `#effective-batch` (training), `#seq`, `#new-tokens` (inference), `#rank`, `#targets`,
/// serve only: `#util`, `#maxlen`, `#tp`, `#kvdtype`, `#seqs` (`#batch`, `#seq`, `#attn` are not shown there);
/// `#targets-custom` (custom list), `#target-params` (PEFT `target_parameters`, with `#target-params-error`),
/// `#dropout` (LoRA/QLoRA), `#dq` (QLoRA), `#gc`, `#optim` (training), `#attn`;
/// training only: `#stack` (what drives the step) and `#liger` (disabled for the plain loop);
/// training only: `#gpus` (GPUs in the job), `#shard`, `#offload`, with `#gpus-error`, `#shard-error`,
/// `#offload-error` for a value or combination the core refuses (the settings in force stay).
#[component]
pub fn Controls(
    settings: RwSignal<Settings>,
    #[prop(into)] has_quantization: Signal<bool>,
) -> impl IntoView {
    let lang = use_lang();
    let mode = Memo::new(move |_| settings.with(|s| s.mode));
    let precision =
        Memo::new(move |_| settings.with(|s| s.effective_precision(has_quantization.get())));
    let trains = move || mode.get().trains();
    let adapters = move || mode.get().has_adapters();

    let on_precision = move |ev: leptos::ev::Event| {
        let v = event_target_value(&ev);
        let Some(p) = Precision::parse(&v) else {
            return;
        };
        // Choosing the mode's default stores no explicit precision, so that the link stays short.
        let default = settings
            .with_untracked(|s| Settings {
                precision: None,
                ..s.clone()
            })
            .effective_precision(has_quantization.get_untracked());
        if p == default {
            settings.update(|s| s.precision = None);
        } else {
            let _ = set_key(settings, "precision", p.as_str());
        }
    };

    // Targets: a preset, or a custom comma list typed in `#targets-custom`.
    let custom =
        RwSignal::new(settings.with_untracked(|s| matches!(s.targets, Targets::Modules(_))));
    let custom_text = RwSignal::new(settings.with_untracked(|s| match &s.targets {
        Targets::Modules(m) => m.join(","),
        _ => "q_proj,k_proj,v_proj,o_proj".to_string(),
    }));
    let custom_err = RwSignal::new(None::<String>);
    let targets_value = move || {
        if custom.get() {
            "custom".to_string()
        } else {
            settings.with(|s| s.targets.to_query_value())
        }
    };
    let on_targets = move |ev: leptos::ev::Event| {
        let v = event_target_value(&ev);
        if v == "custom" {
            custom.set(true);
            custom_err.set(set_key(settings, "targets", &custom_text.get_untracked()).err());
        } else {
            custom.set(false);
            custom_err.set(None);
            let _ = set_key(settings, "targets", &v);
        }
    };
    // `target_params`: the text as typed; the settings change only when it parses.
    let tp_text = RwSignal::new(settings.with_untracked(|s| s.target_params.join(",")));
    let tp_err = RwSignal::new(None::<String>);
    let l = move || lang.get();

    view! {
        <section class="card controls" aria-labelledby="controls-h">
            <h2 id="controls-h">{tr(T::new("Run", "실행 설정"))}</h2>
            <div class="grid">
                <div class="field">
                    <label for="mode">{tr(T::new("Mode", "모드"))}</label>
                    <select id="mode" on:change=move |ev| { let _ = set_key(settings, "mode", &event_target_value(&ev)); }>
                        {MODES.iter().map(|&m| view! {
                            <option value=m.as_str() prop:selected=move || mode.get() == m>{move || mode_text(m).get(l())}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="precision">{tr(T::new("Precision", "정밀도"))}</label>
                    <select id="precision" on:change=on_precision>
                        {move || mode.get().precisions().iter().map(|&p| view! {
                            <option value=p.as_str() prop:selected=move || precision.get() == p>{move || precision_text(p).get(l())}</option>
                        }).collect_view()}
                    </select>
                </div>
                <Show when=move || mode.get() == Mode::Serve>
                    <NumberField settings id="util" key="util" label=T::new("GPU memory utilization", "GPU 메모리 사용률") step="any" min="0.01"
                        value=Signal::derive(move || settings.with(|s| s.util.to_string()))
                        hint=T::new("--gpu-memory-utilization, share of each GPU's total memory", "--gpu-memory-utilization, GPU 전체 메모리 중 쓰는 비율") />
                    <NumberField settings id="maxlen" key="maxlen" label=T::new("Max model length", "최대 모델 길이") min="1"
                        value=Signal::derive(move || settings.with(|s| s.maxlen.map(|m| m.to_string()).unwrap_or_default()))
                        hint=T::new("--max-model-len, tokens per request (empty: the model's)", "--max-model-len, 요청당 토큰 수 (비우면 모델 기본값)") />
                    <NumberField settings id="tp" key="tp" label=T::new("Tensor parallel GPUs", "텐서 병렬 GPU 수") min="1"
                        value=Signal::derive(move || settings.with(|s| s.tp.to_string()))
                        hint=T::new("--tensor-parallel-size; must divide the attention heads", "--tensor-parallel-size, 어텐션 헤드 수의 약수여야 합니다") />
                    <KeySelect settings id="kvdtype" key="kvdtype" label=T::new("KV cache dtype", "KV 캐시 dtype")
                        options=vec![("auto", T::new("auto (the model's dtype)", "auto (모델 dtype)")), ("fp8", T::new("fp8", "fp8"))]
                        current=Signal::derive(move || settings.with(|s| s.kvdtype.as_str().to_string())) />
                    <NumberField settings id="seqs" key="seqs" label=T::new("Max concurrent requests", "최대 동시 요청 수") min="1"
                        value=Signal::derive(move || settings.with(|s| s.seqs.map(|m| m.to_string()).unwrap_or_default()))
                        hint=T::new("--max-num-seqs (empty: vLLM's default for the GPU)", "--max-num-seqs (비우면 GPU별 vLLM 기본값)") />
                </Show>
                <Show when=move || mode.get() != Mode::Serve>
                <NumberField settings id="batch" key="batch" label=T::new("Micro-batch size", "마이크로배치 크기") min="1"
                    value=Signal::derive(move || settings.with(|s| s.batch.to_string()))
                    hint=T::new("sequences per step (per GPU)", "스텝당 시퀀스 수 (GPU당)") />
                <NumberField settings id="seq" key="seq" label=T::new("Sequence length", "시퀀스 길이") min="1"
                    value=Signal::derive(move || settings.with(|s| s.seq.to_string()))
                    hint=T::new("tokens (the prompt, for inference)", "토큰 수 (추론에서는 프롬프트 길이)") />
                <div class="field">
                    <label for="attn">{tr(T::new("Attention implementation", "어텐션 구현"))}</label>
                    <select id="attn" on:change=move |ev| { let _ = set_key(settings, "attn", &event_target_value(&ev)); }>
                        {[("auto", T::new("auto (transformers' choice)", "자동 (transformers 기본값)")), ("sdpa", T::new("SDPA", "SDPA")), ("eager", T::new("eager", "eager"))]
                            .into_iter().map(|(v, t)| view! {
                                <option value=v prop:selected=move || settings.with(|s| s.attn.as_str() == v)>{move || t.get(l())}</option>
                            }).collect_view()}
                    </select>
                </div>
                </Show>
                <Show when=trains>
                    <NumberField settings id="ga" key="ga" label=T::new("Gradient accumulation steps", "그래디언트 누적 스텝") min="1"
                        value=Signal::derive(move || settings.with(|s| s.grad_accum.to_string()))
                        hint=T::new("gradient_accumulation_steps", "gradient_accumulation_steps") />
                    <p id="effective-batch" class="hint" aria-live="polite">{move || settings.with(|s| {
                        let eff = s.effective_batch().map(crate::format::thousands).unwrap_or_else(|| "—".into());
                        let tokens = s.effective_batch().and_then(|b| b.checked_mul(s.seq)).map(crate::format::thousands).unwrap_or_else(|| "—".into());
                        match l() {
                            crate::i18n::Lang::En => format!(
                                "Effective batch: {eff} {} per optimizer step ({} × {} × {} {}), {tokens} tokens",
                                if s.effective_batch() == Some(1) { "sequence" } else { "sequences" },
                                s.batch, s.grad_accum, s.gpus, if s.gpus == 1 { "GPU" } else { "GPUs" }
                            ),
                            crate::i18n::Lang::Ko => format!("유효 배치: 옵티마이저 스텝당 시퀀스 {eff}개 ({} × {} × GPU {}개), 토큰 {tokens}개", s.batch, s.grad_accum, s.gpus),
                        }
                    })}</p>
                </Show>
                <Show when=move || mode.get() == Mode::Inference>
                    <NumberField settings id="new-tokens" key="new" label=T::new("Generated tokens", "생성 토큰 수")
                        value=Signal::derive(move || settings.with(|s| s.new_tokens.to_string()))
                        hint=T::new("tokens generated after the prompt", "프롬프트 뒤에 생성할 토큰 수") />
                </Show>
                <Show when=adapters>
                    <NumberField settings id="rank" key="rank" label=T::new("LoRA rank", "LoRA 랭크") min="1"
                        value=Signal::derive(move || settings.with(|s| s.rank.to_string()))
                        hint=T::new("r", "r") />
                    <div class="field">
                        <label for="targets">{tr(T::new("LoRA targets", "LoRA 대상"))}</label>
                        <select id="targets" on:change=on_targets>
                            <option value="all-linear" prop:selected=move || targets_value() == "all-linear">"all-linear"</option>
                            <option value="attn" prop:selected=move || targets_value() == "attn">{tr(T::new("attention (q, k, v, o)", "어텐션 (q, k, v, o)"))}</option>
                            <option value="qv" prop:selected=move || targets_value() == "qv">"q_proj, v_proj"</option>
                            <option value="custom" prop:selected=move || targets_value() == "custom">{tr(T::new("custom list…", "직접 지정…"))}</option>
                        </select>
                        <Show when=move || custom.get()>
                            <label for="targets-custom" class="sub">{tr(T::new("Module names, comma-separated", "모듈 이름, 쉼표로 구분"))}</label>
                            <input id="targets-custom" type="text" spellcheck="false" autocomplete="off"
                                prop:value=move || custom_text.get()
                                aria-invalid=move || if custom_err.with(|e| e.is_some()) { "true" } else { "false" }
                                on:input=move |ev| {
                                    let v = event_target_value(&ev);
                                    custom_text.set(v.clone());
                                    custom_err.set(set_key(settings, "targets", &v).err());
                                } />
                            <span class="field-error" role="alert">{move || custom_err.get().map(|m| lead(m, l()))}</span>
                        </Show>
                    </div>
                    <div class="field">
                        <label for="target-params">{tr(T::new("LoRA on parameters", "LoRA 대상 파라미터"))}</label>
                        <input id="target-params" type="text" spellcheck="false" autocomplete="off"
                            placeholder="7.mlp.experts.gate_up_proj,7.mlp.experts.down_proj"
                            prop:value=move || tp_text.get()
                            aria-invalid=move || if tp_err.with(|e| e.is_some()) { "true" } else { "false" }
                            on:input=move |ev| {
                                let v = event_target_value(&ev);
                                tp_text.set(v.clone());
                                tp_err.set(set_key(settings, "target_params", &v).err());
                            } />
                        <span class="hint">{tr(T::new("PEFT target_parameters: MoE expert weights, comma-separated (empty: none)", "PEFT target_parameters: MoE 전문가 가중치 이름, 쉼표로 구분 (비우면 사용 안 함)"))}</span>
                        <span class="field-error" id="target-params-error" role="alert">{move || tp_err.get().map(|m| lead(m, l()))}</span>
                    </div>
                    <NumberField settings id="dropout" key="dropout" label=T::new("LoRA dropout", "LoRA 드롭아웃") step="any"
                        value=Signal::derive(move || settings.with(|s| s.dropout.to_string()))
                        hint=T::new("probability, 0 to < 1", "확률, 0 이상 1 미만") />
                </Show>
                <Show when=move || mode.get() == Mode::Qlora>
                    <div class="field check">
                        <input id="dq" type="checkbox" prop:checked=move || settings.with(|s| s.double_quant)
                            on:change=move |ev| { let _ = set_key(settings, "dq", if event_target_checked(&ev) { "1" } else { "0" }); } />
                        <label for="dq">{tr(T::new("Double quantization", "이중 양자화"))}</label>
                    </div>
                </Show>
                <Show when=trains>
                    <KeySelect settings id="stack" key="stack" label=T::new("Training stack", "학습 스택")
                        options=Stack::ALL.iter().map(|&s| (s.as_str(), stack_text(s))).collect()
                        current=Signal::derive(move || settings.with(|s| s.stack.as_str().to_string())) />
                    <div class="field check">
                        <input id="liger" type="checkbox" prop:checked=move || settings.with(|s| s.liger)
                            prop:disabled=move || settings.with(|s| s.stack == Stack::Loop)
                            on:change=move |ev| { let _ = set_key(settings, "liger", if event_target_checked(&ev) { "1" } else { "0" }); } />
                        <label for="liger">{tr(T::new("Liger kernels (use_liger_kernel=True)", "Liger 커널 (use_liger_kernel=True)"))}</label>
                    </div>
                    <div class="field">
                        <label for="optim">{tr(T::new("Optimizer", "옵티마이저"))}</label>
                        <select id="optim" on:change=move |ev| { let _ = set_key(settings, "optim", &event_target_value(&ev)); }>
                            {[("adamw", T::new("AdamW", "AdamW")), ("adamw8bit", T::new("AdamW 8-bit (bitsandbytes)", "AdamW 8비트 (bitsandbytes)")),
                              ("sgd", T::new("SGD", "SGD")), ("sgdm", T::new("SGD with momentum", "모멘텀 SGD"))]
                                .into_iter().map(|(v, t)| view! {
                                    <option value=v prop:selected=move || settings.with(|s| s.optim.as_str() == v)>{move || t.get(l())}</option>
                                }).collect_view()}
                        </select>
                    </div>
                    <div class="field check">
                        <input id="gc" type="checkbox" prop:checked=move || settings.with(|s| s.gc)
                            on:change=move |ev| { let _ = set_key(settings, "gc", if event_target_checked(&ev) { "1" } else { "0" }); } />
                        <label for="gc">{tr(T::new("Gradient checkpointing", "그래디언트 체크포인팅"))}</label>
                    </div>
                    <NumberField settings id="gpus" key="gpus" label=T::new("GPUs in the job", "작업에 쓰는 GPU 수") min="1"
                        value=Signal::derive(move || settings.with(|s| s.gpus.to_string()))
                        hint=T::new("data parallel; figures are per GPU", "데이터 병렬, 수치는 GPU 한 개 기준") />
                    <KeySelect settings id="shard" key="shard" label=T::new("Sharding", "샤딩")
                        options=Shard::ALL.iter().map(|&s| (s.as_str(), shard_text(s))).collect()
                        current=Signal::derive(move || settings.with(|s| s.shard.as_str().to_string())) />
                    <KeySelect settings id="offload" key="offload" label=T::new("CPU offload", "CPU 오프로드")
                        options=OFFLOADS.iter().map(|&o| (o.as_str(), offload_text(o))).collect()
                        current=Signal::derive(move || settings.with(|s| s.offload.as_str().to_string())) />
                </Show>
            </div>
        </section>
    }
}
