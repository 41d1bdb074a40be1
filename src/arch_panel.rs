//! The architecture panel: what the loaded `config.json` says about the model's shapes, and its exact parameter
//! counts (total, active per token, by component), all taken from the core.

use crate::error::Msg;
use crate::format::{params_long_in, short_count, thousands};
use crate::i18n::{tr, use_lang, Lang, T};
use ftmem_core::arch::Quantization;
use ftmem_core::params::ParamCounts;
use ftmem_core::Architecture;
use crate::chart::escape;
use leptos::prelude::*;

/// A model the page has loaded: its architecture, its parameter counts and where the config came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    /// The architecture parsed by [`ftmem_core::parse_config`].
    pub arch: Architecture,
    /// [`ftmem_core::params::count`] of `arch`.
    pub counts: ParamCounts,
    /// Where the config came from, for the status line (`the config.json of openai/gpt-oss-20b @ main`).
    pub source: String,
    /// The same in Korean.
    pub source_ko: String,
    /// The checkpoint's safetensors headers, when the config came from a Hub repository
    /// ([`crate::checkpoint`]).
    pub checkpoint: crate::checkpoint::CheckpointState,
}

impl Loaded {
    /// Parse `text` and count its parameters. `source` describes its origin in messages (both languages).
    ///
    /// Errors: the core's [`ftmem_core::ConfigError`] as an [`crate::error::AppError`] (not JSON, or naming the
    /// field that is missing or unusable).
    pub fn from_text(text: &str, source: &str) -> Result<Loaded, crate::error::AppError> {
        Self::from_text_in(text, &Msg::new(source, source))
    }

    /// As [`Loaded::from_text`], with the source described in both languages.
    pub fn from_text_in(text: &str, source: &Msg) -> Result<Loaded, crate::error::AppError> {
        let arch = ftmem_core::parse_config(text)
            .map_err(|e| crate::error::AppError::from_config_in(&e, source))?;
        let counts = ftmem_core::params::count(&arch);
        Ok(Loaded {
            arch,
            counts,
            source: source.en.clone(),
            source_ko: source.ko.clone(),
            checkpoint: crate::checkpoint::CheckpointState::None,
        })
    }

    /// Take the checkpoint's summary: kept for the panel, and attached to the architecture
    /// ([`ftmem_core::checkpoint::attach`]) so that the estimate uses its stored bytes where they apply.
    pub fn with_checkpoint(&mut self, s: ftmem_core::checkpoint::Summary) {
        ftmem_core::checkpoint::attach(&mut self.arch, &s);
        self.checkpoint = crate::checkpoint::CheckpointState::Read(s);
    }

    /// The source description in `lang`.
    pub fn source_in(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.source,
            Lang::Ko => &self.source_ko,
        }
    }
}

/// A parameter component's label (`lm_head` → `LM head`) in both languages; `None` for a name this table lacks.
pub fn component_text(name: &str) -> Option<T> {
    Some(match name {
        "embeddings" => T::new("Embeddings", "임베딩"),
        "attention" => T::new("Attention", "어텐션"),
        "mlp" => T::new("MLP", "MLP"),
        "experts" => T::new("Routed experts", "라우팅 전문가(routed experts)"),
        "shared_experts" => T::new("Shared experts", "공유 전문가(shared experts)"),
        "router" => T::new("Router", "라우터"),
        "norms" => T::new("Norms", "정규화(norm) 층"),
        "mixer" => T::new("Mixer (linear attention / SSM)", "믹서 (선형 어텐션 / SSM)"),
        "lm_head" => T::new("LM head", "LM 헤드"),
        _ => return None,
    })
}

fn quantization_label(q: &Quantization, l: Lang) -> String {
    let ko = l == Lang::Ko;
    match q {
        Quantization::Mxfp4 { .. } => {
            T::new("MXFP4 (4-bit, block scales)", "MXFP4 (4비트, 블록 스케일)")
                .get(l)
                .into()
        }
        Quantization::Fp8 { .. } => "FP8".into(),
        Quantization::Bitsandbytes { bits, .. } if ko => format!("bitsandbytes {bits}비트"),
        Quantization::Bitsandbytes { bits, .. } => format!("bitsandbytes {bits}-bit"),
        Quantization::IntGroup { name, bits, .. } if ko => format!("{name} {bits}비트"),
        Quantization::IntGroup { name, bits, .. } => format!("{name} {bits}-bit"),
        Quantization::Unknown { name } if ko => format!("{name} (모델링하지 않음)"),
        Quantization::Unknown { name } => format!("{name} (not modelled)"),
    }
}

/// The checkpoint line `#checkpoint` (`data-state` = `loading|agrees|disagrees|failed`; `data-params` = the
/// checkpoint's count of what transformers loads), or nothing for a config that did not come from a repository.
fn checkpoint_line(m: &Loaded, l: Lang) -> Option<String> {
    use crate::checkpoint::CheckpointState as S;
    let ko = l == Lang::Ko;
    let (state, params, text) = match &m.checkpoint {
        S::None => return None,
        S::Loading => (
            "loading",
            String::new(),
            T::new(
                "Reading the checkpoint's safetensors headers…",
                "체크포인트의 safetensors 헤더를 읽는 중…",
            )
            .get(l)
            .to_string(),
        ),
        S::Failed(msg) => ("failed", String::new(), msg.get(l).to_string()),
        S::Read(s) => {
            let c = ftmem_core::checkpoint::check(s, &m.arch);
            let dtypes = s
                .by_dtype
                .iter()
                .map(|d| format!("{} {}", d.dtype, crate::format::gb(d.bytes)))
                .collect::<Vec<_>>()
                .join(", ");
            let (cp, fam) = (
                thousands(c.checkpoint_params.0),
                thousands(c.family_params.0),
            );
            let stored = crate::format::gb(c.stored_bytes);
            let head = if ko {
                format!("체크포인트: safetensors 파일 {}개, 텐서 {}개, transformers가 불러오는 파라미터 {cp}개, 저장 크기 {stored} ({dtypes}).", s.files, thousands(s.tensors))
            } else {
                format!("Checkpoint: {} safetensors file(s), {} tensors, {cp} parameters that transformers loads, {stored} as stored ({dtypes}).", s.files, thousands(s.tensors))
            };
            let skipped = (s.unloaded_params.0 > 0).then(|| {
                let n = thousands(s.unloaded_params.0);
                if ko {
                    format!(" 파일에는 transformers가 불러오지 않는 파라미터 {n}개가 더 있습니다 (num_hidden_layers 뒤의 층이나 임베딩과 공유되는 lm_head 사본).")
                } else {
                    format!(" The files hold {n} more that transformers does not load (layers past num_hidden_layers, or a copy of a tied lm_head).")
                }
            });
            let tail = match (c.agrees, c.family_approximate, ko) {
                (true, _, false) => " The same count as the family model.".to_string(),
                (true, _, true) => " 모델 계열별 계산식으로 센 값과 같습니다.".to_string(),
                (false, true, false) => format!(" The family model is a generic decoder ({fam}); the checkpoint's count is the exact one, the estimate still follows the generic decoder."),
                (false, true, true) => format!(" 이 모델 계열은 일반 디코더로 근사해 셉니다({fam}개). 정확한 값은 체크포인트 쪽이지만, 메모리 추정은 여전히 일반 디코더를 따릅니다."),
                (false, false, false) => format!(" The family model counts {fam}: they differ, and the estimate follows the family model."),
                (false, false, true) => format!(" 모델 계열별 계산식으로는 {fam}개로 서로 다르며, 메모리 추정은 계산식 값을 따릅니다."),
            };
            let state = if c.agrees { "agrees" } else { "disagrees" };
            (
                state,
                c.checkpoint_params.0.to_string(),
                format!("{head}{}{tail}", skipped.unwrap_or_default()),
            )
        }
    };
    Some(format!(
        r#"<p id="checkpoint" class="checkpoint-line muted" data-state="{state}" data-params="{params}">{}</p>"#,
        escape(&text)
    ))
}

/// One row of the facts table: label, value, the stable id of the value cell.
fn fact(h: &mut String, label: T, l: Lang, id: &str, value: &str) {
    h.push_str(&format!(
        r#"<tr><th scope="row">{}</th><td id="{id}" class="num">{}</td></tr>"#,
        label.get(l),
        escape(value)
    ));
}

/// The architecture panel for `loaded` (placeholder text while nothing is loaded).
///
/// Ids: `#arch-model-type`, `#arch-hidden-size`, `#arch-layers`, `#arch-heads`, `#arch-kv-heads`,
/// `#arch-head-dim`, `#arch-intermediate`, `#arch-experts` (MoE only), `#arch-vocab`, `#arch-context`, `#arch-tied`,
/// `#params-total`, `#params-active`. Architecture values are the config's plain integers (no separators);
/// parameter counts have thousands separators. `#arch-tied` shows yes/no in the page's language and carries
/// `data-value` = `yes|no`. The body is one HTML string (every value escaped): a typed view of these ~40
/// elements cost the first load several KiB.
#[component]
pub fn ArchPanel(#[prop(into)] loaded: Signal<Option<Loaded>>) -> impl IntoView {
    let lang = use_lang();
    let html = move || {
        let l = lang.get();
        loaded.with(|m| match m {
            None => format!(
                r#"<p class="muted" id="arch-empty">{}</p>"#,
                T::new("Load a model to see its architecture.", "모델을 불러오면 아키텍처를 보여 줍니다.").get(l)
            ),
            Some(m) => arch_html(m, l),
        })
    };
    view! {
        <section class="card arch" aria-labelledby="arch-h">
            <h2 id="arch-h">{tr(T::new("Architecture", "아키텍처"))}</h2>
            <div inner_html=html></div>
        </section>
    }
}

/// The panel's body for a loaded model, as HTML.
pub fn arch_html(m: &Loaded, l: Lang) -> String {
    let ko = l == Lang::Ko;
    let a = &m.arch;
    let c = &m.counts;
    let moe = a.num_experts.is_some();
    let mut h = String::with_capacity(4096);
    if a.approximate {
        let t = if ko {
            format!("근사치: {} 계열은 ftmem이 정확히 아는 모델이 아니어서 일반 디코더 구조로 셉니다", a.model_type)
        } else {
            format!("approximate: the {} family is not one ftmem knows exactly; counts follow a generic decoder", a.model_type)
        };
        h.push_str(&format!(r#"<p class="badge approx" id="arch-approximate">{}</p>"#, escape(&t)));
    }
    let not_given = T::new("not given", "명시 안 됨").get(l);
    h.push_str(r#"<table class="facts"><tbody>"#);
    fact(&mut h, T::new("Model type", "모델 유형"), l, "arch-model-type", &a.model_type);
    fact(&mut h, T::new("Hidden size", "히든 크기"), l, "arch-hidden-size", &a.hidden_size.to_string());
    fact(&mut h, T::new("Layers", "층 수"), l, "arch-layers", &a.num_hidden_layers.to_string());
    fact(&mut h, T::new("Attention heads", "어텐션 헤드 수"), l, "arch-heads", &a.num_attention_heads.to_string());
    fact(&mut h, T::new("KV heads", "KV 헤드 수"), l, "arch-kv-heads", &a.num_key_value_heads.to_string());
    fact(&mut h, T::new("Head dim", "헤드 차원"), l, "arch-head-dim", &a.head_dim.to_string());
    fact(&mut h, T::new("Intermediate size", "중간(FFN) 크기"), l, "arch-intermediate", &a.intermediate_size.to_string());
    if let Some(n) = a.num_experts {
        let e = match (a.experts_per_token, ko) {
            (Some(k), false) => format!("{n} total, {k} per token"),
            (Some(k), true) => format!("총 {n}개, 토큰당 {k}개"),
            (None, false) => format!("{n} total"),
            (None, true) => format!("총 {n}개"),
        };
        fact(&mut h, T::new("Experts", "전문가(experts)"), l, "arch-experts", &e);
    }
    fact(&mut h, T::new("Vocabulary", "어휘 크기"), l, "arch-vocab", &a.vocab_size.to_string());
    let context = a.max_position_embeddings.map(|n| n.to_string()).unwrap_or_else(|| not_given.into());
    fact(&mut h, T::new("Maximum context", "최대 컨텍스트 길이"), l, "arch-context", &context);
    let (tied, tied_text) = if a.tie_word_embeddings { ("yes", T::new("yes", "예")) } else { ("no", T::new("no", "아니요")) };
    h.push_str(&format!(
        r#"<tr><th scope="row">{}</th><td id="arch-tied" class="num" data-value="{tied}">{}</td></tr>"#,
        T::new("Tied embeddings", "임베딩 가중치 공유(tied)").get(l),
        tied_text.get(l)
    ));
    if let Some(w) = a.sliding_window {
        fact(&mut h, T::new("Sliding window", "슬라이딩 윈도"), l, "arch-sliding-window", &w.to_string());
    }
    fact(&mut h, T::new("Checkpoint dtype", "체크포인트 dtype"), l, "arch-dtype", a.dtype.as_deref().unwrap_or(not_given));
    if let Some(q) = a.quantization.as_ref() {
        fact(&mut h, T::new("Quantization", "양자화"), l, "arch-quantization", &quantization_label(q, l));
    }
    h.push_str("</tbody></table>");
    let active_text = match (moe, ko) {
        (true, false) => format!("{} per token ({})", thousands(c.active.0), short_count(c.active.0)),
        (true, true) => format!("토큰당 {}개 ({})", thousands(c.active.0), short_count(c.active.0)),
        (false, false) => format!("{} (dense: every parameter)", thousands(c.active.0)),
        (false, true) => format!("{}개 (dense 모델: 모든 파라미터)", thousands(c.active.0)),
    };
    h.push_str(&format!(
        r#"<h3>{}</h3><p class="params-line"><span class="label">{}</span><strong id="params-total" data-params="{}">{}</strong>{}</p><p class="params-line"><span class="label">{}</span><span id="params-active" data-params="{}">{}</span></p>"#,
        T::new("Parameters", "파라미터").get(l),
        T::new("Total: ", "전체: ").get(l),
        c.total.0,
        escape(&params_long_in(c.total, l)),
        if c.approximate { format!(r#"<span class="badge approx">{}</span>"#, T::new("approximate", "근사치").get(l)) } else { String::new() },
        T::new("Active: ", "활성: ").get(l),
        c.active.0,
        escape(&active_text),
    ));
    if let Some(p) = c.active_without_embedding {
        h.push_str(&format!(
            r#"<p class="params-line"><span class="label">{}</span><span id="params-active-card" data-params="{}">{} ({})</span></p>"#,
            T::new("Active, as model cards count it (without the input embedding): ", "활성 파라미터 (모델 카드 기준, 입력 임베딩 제외): ").get(l),
            p.0,
            thousands(p.0),
            short_count(p.0)
        ));
    }
    if let Some(line) = checkpoint_line(m, l) {
        h.push_str(&line);
    }
    h.push_str(&format!(
        r#"<div class="table-scroll"><table class="components"><caption class="sr-only">{}</caption><thead><tr><th scope="col">{}</th><th scope="col" class="num">{}</th>{}</tr></thead><tbody>"#,
        T::new("Parameters by component", "구성 요소별 파라미터").get(l),
        T::new("Component", "구성 요소").get(l),
        T::new("Parameters", "파라미터 수").get(l),
        if moe { format!(r#"<th scope="col" class="num">{}</th>"#, T::new("Active per token", "토큰당 활성").get(l)) } else { String::new() },
    ));
    for cp in &c.components {
        let key = cp.component.name();
        let name = component_text(key).map_or_else(|| crate::format::component_label(key), |t| t.get(l).to_string());
        h.push_str(&format!(
            r#"<tr data-component="{key}"><th scope="row">{}</th><td class="num">{}</td>{}</tr>"#,
            escape(&name),
            thousands(cp.total.0),
            if moe { format!(r#"<td class="num">{}</td>"#, thousands(cp.active.0)) } else { String::new() },
        ));
    }
    h.push_str("</tbody></table></div>");
    h
}
