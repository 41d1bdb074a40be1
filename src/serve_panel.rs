//! Serving with vLLM (`mode=serve`, issue 13): the core's [`ftmem_core::estimate::serve::plan`] for the chosen
//! GPU, what fits (smallest `gpu_memory_utilization` that starts, fewest GPUs for this `max_model_len`), and the
//! same plan on every GPU of the table. The view only formats the core's figures.
//!
//! Ids: `#serve` (section), `#serve-status` (`data-starts` = `yes|no`), `#serve-error` (vLLM's own message when
//! it would not start), `#serve-kv` (`data-tokens`, `data-bytes`), `#serve-concurrency` (`data-requests`, the
//! requests of `max_model_len` tokens that fit at once), `#serve-longest` (`data-tokens`), `#serve-budget` (the
//! budget table, one row per term, `data-bytes`), `#serve-min-util` (`data-util`, empty when even 1.0 does not
//! start), `#serve-fewest-tp` (`data-tp`), `#serve-gpus` (one row per GPU, `data-gpu`, `data-tokens`),
//! `#serve-command` (the `vllm serve` command line), `#serve-gpu` (the GPU select, the link's `gpu`).

use crate::arch_panel::Loaded;
use crate::chart::escape;
use crate::fits::{GpuChoice, Unit};
use crate::format::thousands;
use crate::i18n::{use_lang, Lang, T};
use ftmem_core::estimate::serve::{self, ServePlan};
use ftmem_core::gpus::{Gpu, GPUS};
use ftmem_core::{Architecture, Bytes, Settings};
use leptos::prelude::*;

/// The core's GPU for a choice: a listed GPU as it is, a custom size as a GPU of that total.
pub fn gpu_of(choice: &GpuChoice) -> Gpu {
    match choice {
        GpuChoice::Listed(g) => **g,
        GpuChoice::Custom(_) => Gpu::custom(choice.capacity()),
    }
}

fn bytes(u: Unit, b: u64) -> String {
    u.format(Bytes(b))
}

/// `265876.0` → `"265,876.00"`: two decimals, thousands separated.
fn count2(x: f64) -> String {
    let cents = (x.max(0.0) * 100.0).round() as u64;
    format!("{}.{:02}", thousands(cents / 100), cents % 100)
}

/// A word for a POSIX shell: as it is when it holds only characters no shell treats specially, else in single
/// quotes (a `'` inside written `'\''`), so a link's model id or revision cannot add commands to the line.
fn shell_word(w: &str) -> String {
    if !w.is_empty() && w.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-/:=@+".contains(&b)) {
        w.to_string()
    } else {
        format!("'{}'", w.replace('\'', r"'\''"))
    }
}

/// The whole card as HTML (every value escaped or numeric).
pub fn serve_html(
    arch: &Architecture,
    s: &Settings,
    model: &str,
    choice: &GpuChoice,
    u: Unit,
    l: Lang,
) -> String {
    let gpu = gpu_of(choice);
    let en = l == Lang::En;
    let p = match serve::plan(arch, s, &gpu) {
        Ok(p) => p,
        Err(e) => return format!("<p id=\"serve-error\" class=\"error-box\">{}</p>", escape(&e.to_string())),
    };
    let gpu_name = escape(&choice.short_label(l));
    let mut h = String::with_capacity(4096);
    let per = match (p.tp > 1, en) {
        (true, true) => format!(", {} GPUs in tensor parallel (figures per GPU)", p.tp),
        (true, false) => format!(", 텐서 병렬 GPU {}개 구성 (수치는 GPU 1개 기준)", p.tp),
        (false, _) => String::new(),
    };
    match &p.error {
        None => h.push_str(&format!(
            "<p id=\"serve-status\" class=\"verdict yes\" data-starts=\"yes\">{}</p>",
            if en {
                format!("✓ vLLM starts on {gpu_name}: gpu_memory_utilization {}{per}", p.util)
            } else {
                format!("✓ {gpu_name}에서 vLLM이 시작됩니다: gpu_memory_utilization {}{per}", p.util)
            }
        )),
        Some(msg) => h.push_str(&format!(
            "<p id=\"serve-status\" class=\"verdict no\" data-starts=\"no\">{}</p><p id=\"serve-error\" class=\"error-box\">{}</p>",
            if en { format!("✗ vLLM does not start on {gpu_name}{per}. It stops with:") } else if p.tp > 1 { format!("✗ 텐서 병렬 GPU {}개 구성에서는 {gpu_name}에서 vLLM이 시작되지 않습니다 (수치는 GPU 1개 기준). vLLM의 오류:", p.tp) } else { format!("✗ {gpu_name}에서 vLLM이 시작되지 않습니다. vLLM의 오류:") },
            escape(msg)
        )),
    }
    let tokens = |n: u64| match (en, n) {
        (true, 1) => "1 token".to_string(),
        (true, n) => format!("{} tokens", thousands(n)),
        (false, n) => format!("{}토큰", thousands(n)),
    };
    if p.starts() {
        h.push_str(&format!(
            "<p class=\"total\"><span class=\"label\">{}</span><strong id=\"serve-kv\" data-tokens=\"{}\" data-bytes=\"{}\">{}</strong></p>",
            if en { "KV cache: " } else { "KV 캐시: " },
            p.kv_tokens,
            p.kv_cache_bytes.0,
            format!("{} ({})", tokens(p.kv_tokens), bytes(u, p.kv_cache_bytes.0))
        ));
        // vLLM logs the KV cache's concurrency; the scheduler still runs at most max_num_seqs requests.
        let capped = p.max_concurrency > p.max_num_seqs as f64;
        h.push_str(&format!(
            "<p id=\"serve-concurrency\" data-requests=\"{:.2}\">{}</p>",
            p.max_concurrency,
            match (en, capped) {
                (true, false) => format!("The KV cache holds {} requests of {} at once (max_num_seqs {}).", count2(p.max_concurrency), tokens(p.max_model_len), p.max_num_seqs),
                (true, true) => format!("The KV cache holds {} requests of {} at once; the scheduler runs at most {} (max_num_seqs).", count2(p.max_concurrency), tokens(p.max_model_len), p.max_num_seqs),
                (false, false) => format!("KV 캐시로 {}짜리 요청을 동시에 약 {}개 처리할 수 있습니다 (max_num_seqs {}).", tokens(p.max_model_len), count2(p.max_concurrency), p.max_num_seqs),
                (false, true) => format!("KV 캐시로 {}짜리 요청을 동시에 약 {}개 담을 수 있지만, 스케줄러는 한 번에 {}개까지만 처리합니다 (max_num_seqs).", tokens(p.max_model_len), count2(p.max_concurrency), p.max_num_seqs),
            }
        ));
    }
    if p.longest_request > 0 {
        h.push_str(&format!(
            "<p id=\"serve-longest\" data-tokens=\"{}\">{}</p>",
            p.longest_request,
            match (en, p.starts(), p.longest_request > p.max_model_len) {
                (true, true, true) => format!("Max request length (--max-model-len): {}. The KV cache could hold one request of up to {}: the largest --max-model-len that starts here.", tokens(p.max_model_len), tokens(p.longest_request)),
                (true, true, false) => format!("Max request length (--max-model-len): {}, the most the KV cache holds in one request here.", tokens(p.max_model_len)),
                (false, true, true) => format!("요청 최대 길이 (--max-model-len): {}. 이 KV 캐시로는 요청 하나를 최대 {}까지 받을 수 있으며, 이 환경에서 설정 가능한 --max-model-len 최댓값입니다.", tokens(p.max_model_len), tokens(p.longest_request)),
                (false, true, false) => format!("요청 최대 길이 (--max-model-len): {}. 이 환경에서 설정 가능한 최댓값입니다.", tokens(p.max_model_len)),
                (true, false, _) => format!("The largest --max-model-len that would start with this budget: {}.", tokens(p.longest_request)),
                (false, false, _) => format!("이 예산으로 시작할 수 있는 가장 큰 --max-model-len: {}.", tokens(p.longest_request)),
            }
        ));
    }
    if p.approximate {
        h.push_str(if en {
            "<p id=\"serve-approximate\" class=\"muted small\">Approximate: this model has Mamba or linear-attention layers, whose cache vLLM sizes in ways followed here only roughly.</p>"
        } else {
            "<p id=\"serve-approximate\" class=\"muted small\">근사값: 이 모델에는 Mamba 또는 선형 어텐션 레이어가 있고, vLLM이 그 캐시 크기를 정하는 방식은 여기서 대략적으로만 따릅니다.</p>"
        });
    }
    budget_table(&mut h, &p, u, l);
    what_fits(&mut h, arch, s, &gpu, &p, l);
    gpus_table(&mut h, arch, s, u, l);
    h.push_str(&format!("<p class=\"small\">{}</p><pre id=\"serve-command\" class=\"cmd\">{}</pre>",
        if en { "The command line:" } else { "실행 명령:" },
        escape(&command(s, model, &p))));
    h.push_str(&format!(
        "<p class=\"muted small\">{}</p>",
        if en {
            format!("vLLM {} V1 startup arithmetic (gpu_worker.py, kv_cache_utils.py): KV blocks of {} tokens; CUDA graphs are captured after the KV cache and come out of the 1 − gpu_memory_utilization headroom. Checked against published vLLM startup logs (core/tests/vllm_logs.rs).", p.vllm_version, p.block_size)
        } else {
            format!("vLLM {} V1의 기동 시 메모리 계산 (gpu_worker.py, kv_cache_utils.py): KV 블록은 {}토큰 단위이며, CUDA 그래프는 KV 캐시를 할당한 뒤 캡처되므로 1 − gpu_memory_utilization만큼 남겨 둔 메모리에서 할당됩니다. 공개된 vLLM 기동 로그로 검증했습니다 (core/tests/vllm_logs.rs).", p.vllm_version, p.block_size)
        }
    ));
    h
}

fn budget_table(h: &mut String, p: &ServePlan, u: Unit, l: Lang) {
    let en = l == Lang::En;
    let avail = p.available_bytes.max(0) as u64;
    let rows: [(&str, T, u64); 6] = [
        ("total", T::new("GPU total (torch.cuda.mem_get_info)", "GPU 전체 (torch.cuda.mem_get_info)"), p.gpu_total_bytes.0),
        ("requested", T::new("× gpu_memory_utilization: vLLM's budget", "× gpu_memory_utilization: vLLM 예산"), p.requested_bytes.0),
        ("weights", T::new("− weights on this GPU", "− 이 GPU의 가중치"), p.weights_bytes.0),
        ("profile_peak", T::new("− profile run's peak (max_num_batched_tokens, sampler)", "− 프로파일링 실행 중 최대 메모리 사용량 (max_num_batched_tokens, 샘플러)"), p.profile_peak_bytes.0),
        ("non_torch", T::new("− memory outside PyTorch (kernels, NCCL)", "− PyTorch 밖에서 쓰는 메모리 (커널, NCCL)"), p.non_torch_bytes.0),
        ("available", T::new("= available KV cache memory", "= KV 캐시에 쓸 수 있는 메모리"), avail),
    ];
    h.push_str("<div class=\"table-scroll\"><table id=\"serve-budget\" class=\"items\"><thead><tr><th scope=\"col\">");
    h.push_str(if en { "Budget per GPU" } else { "GPU당 예산" });
    h.push_str("</th><th scope=\"col\" class=\"num\">");
    h.push_str(if en { "Memory" } else { "메모리" });
    h.push_str("</th></tr></thead><tbody>");
    for (name, label, b) in rows {
        let shown = if name == "available" && p.available_bytes < 0 {
            format!("−{}", bytes(u, p.available_bytes.unsigned_abs()))
        } else {
            bytes(u, b)
        };
        h.push_str(&format!(
            "<tr data-name=\"{name}\" data-bytes=\"{}\"><th scope=\"row\">{}</th><td class=\"num\">{shown}</td></tr>",
            if name == "available" { p.available_bytes.to_string() } else { b.to_string() },
            label.get(l)
        ));
    }
    h.push_str("</tbody></table></div>");
}

fn what_fits(h: &mut String, arch: &Architecture, s: &Settings, gpu: &Gpu, p: &ServePlan, l: Lang) {
    use serve::Refusal;
    let en = l == Lang::En;
    h.push_str(&format!("<h3>{}</h3>", if en { "What fits" } else { "실행 가능한 설정" }));
    let len = s.maxlen.unwrap_or(arch.max_position_embeddings.unwrap_or(2048));
    let sizes = || serve::tp_sizes(arch).iter().map(|t| t.to_string()).collect::<Vec<_>>().join(", ");
    // The first line: the smallest share of the GPU, or why no share helps.
    let first = match p.refusal {
        Some(Refusal::TensorParallel) => (String::new(), if en {
            format!("--tensor-parallel-size must divide the {} attention heads: {}.", arch.num_attention_heads, sizes())
        } else {
            format!("--tensor-parallel-size는 어텐션 헤드 수 {}의 약수여야 합니다: {}.", arch.num_attention_heads, sizes())
        }),
        Some(Refusal::FreeMemory) => {
            let top = serve::largest_util(gpu);
            (String::new(), if en {
                format!("gpu_memory_utilization can be at most {top} here: vLLM needs that share of the GPU free at startup, and the CUDA context takes the rest.")
            } else {
                format!("여기서 gpu_memory_utilization은 최대 {top}입니다. vLLM은 기동할 때 그만큼이 비어 있어야 하고, 나머지는 CUDA 컨텍스트가 씁니다.")
            })
        }
        Some(r) if !r.is_memory() => {
            // No share of memory and no number of GPUs helps a setting vLLM refuses outright.
            h.push_str(&format!(
                "<p id=\"serve-min-util\" data-util=\"\">{}</p><p id=\"serve-fewest-tp\" data-tp=\"\"></p>",
                if en { "No gpu_memory_utilization or number of GPUs helps here: vLLM refuses the settings themselves (its error above)." } else { "gpu_memory_utilization이나 GPU 수로는 해결되지 않습니다. vLLM이 설정 자체를 거부합니다 (위의 오류)." }
            ));
            return;
        }
        _ => {
            let util = serve::smallest_util(arch, s, gpu).ok().flatten();
            (util.map(|u| u.to_string()).unwrap_or_default(), match (util, en) {
                (Some(u), true) => format!("Smallest gpu_memory_utilization that starts: {u}"),
                (Some(u), false) => format!("시작 가능한 최소 gpu_memory_utilization: {u}"),
                (None, true) => format!("Even gpu_memory_utilization 1.0 does not start with tensor parallel {}", s.tp),
                (None, false) => format!("텐서 병렬 GPU {}개로는 gpu_memory_utilization을 1.0으로 올려도 시작되지 않습니다", s.tp),
            })
        }
    };
    h.push_str(&format!("<p id=\"serve-min-util\" data-util=\"{}\">{}</p>", first.0, escape(&first.1)));
    let tp = if p.refusal == Some(Refusal::FreeMemory) { None } else { serve::fewest_tp(arch, s, gpu).ok().flatten() };
    let text = match (&tp, en) {
        _ if p.refusal == Some(Refusal::FreeMemory) => String::new(),
        (Some((n, p)), true) => format!("Fewest GPUs (tensor parallel) for max_model_len {}: {n}, with {} KV tokens each", thousands(len), thousands(p.kv_tokens)),
        (Some((n, p)), false) => format!("max_model_len {}에 필요한 최소 GPU 수 (텐서 병렬): {n}개 (GPU당 KV 캐시 {}토큰)", thousands(len), thousands(p.kv_tokens)),
        (None, true) => format!("No tensor-parallel size ({}) starts max_model_len {} at gpu_memory_utilization {}", sizes(), thousands(len), s.util),
        (None, false) => format!("max_model_len {} 요청을 받을 수 있는 텐서 병렬 크기({})가 없습니다 (gpu_memory_utilization {})", thousands(len), sizes(), s.util),
    };
    h.push_str(&format!(
        "<p id=\"serve-fewest-tp\" data-tp=\"{}\">{}</p>",
        tp.as_ref().map(|t| t.0.to_string()).unwrap_or_default(),
        text
    ));
}

fn gpus_table(h: &mut String, arch: &Architecture, s: &Settings, u: Unit, l: Lang) {
    let en = l == Lang::En;
    h.push_str("<div class=\"table-scroll\"><table id=\"serve-gpus\" class=\"items\"><thead><tr><th scope=\"col\">");
    h.push_str(if en { "GPU — total memory" } else { "GPU — 전체 메모리" });
    h.push_str("</th><th scope=\"col\" class=\"num\">");
    h.push_str(if en { "KV cache tokens" } else { "KV 캐시 토큰" });
    h.push_str("</th><th scope=\"col\" class=\"num\">");
    h.push_str(if en { "Requests at once (KV cache)" } else { "동시 요청 수 (KV 캐시)" });
    h.push_str("</th></tr></thead><tbody>");
    for g in GPUS {
        let Ok(p) = serve::plan(arch, s, g) else { continue };
        let label = escape(&format!("{} {} GB — {}", g.short_name(), g.marketed_gb, u.format(g.cuda_total)));
        if p.starts() {
            h.push_str(&format!(
                "<tr data-gpu=\"{}\" data-tokens=\"{}\"><th scope=\"row\">{label}</th><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                g.id, p.kv_tokens, thousands(p.kv_tokens), count2(p.max_concurrency)
            ));
        } else {
            h.push_str(&format!(
                "<tr data-gpu=\"{}\" data-tokens=\"0\" class=\"no\"><th scope=\"row\">{label}</th><td class=\"num\" colspan=\"2\">{}</td></tr>",
                g.id,
                if en { "✗ does not start" } else { "✗ 시작되지 않음" }
            ));
        }
    }
    h.push_str("</tbody></table></div>");
}

/// `vllm serve MODEL` with the flags that differ from vLLM's defaults.
pub fn command(s: &Settings, model: &str, p: &ServePlan) -> String {
    let mut c = format!("vllm serve {}", if model.is_empty() { "MODEL".to_string() } else { shell_word(model) });
    if s.rev != "main" && !s.rev.is_empty() {
        c.push_str(&format!(" --revision {}", shell_word(&s.rev)));
    }
    if s.util != 0.9 {
        c.push_str(&format!(" --gpu-memory-utilization {}", s.util));
    }
    if let Some(m) = s.maxlen {
        c.push_str(&format!(" --max-model-len {m}"));
    }
    if p.tp > 1 {
        c.push_str(&format!(" --tensor-parallel-size {}", p.tp));
    }
    if s.kvdtype != ftmem_core::settings::KvDtype::Auto {
        c.push_str(&format!(" --kv-cache-dtype {}", s.kvdtype.as_str()));
    }
    if let Some(n) = s.seqs {
        c.push_str(&format!(" --max-num-seqs {n}"));
    }
    match s.precision {
        Some(ftmem_core::settings::Precision::Fp8) => c.push_str(" --quantization fp8"),
        Some(ftmem_core::settings::Precision::Fp16) => c.push_str(" --dtype float16"),
        Some(ftmem_core::settings::Precision::Bf16) => c.push_str(" --dtype bfloat16"),
        _ => {}
    }
    c
}

/// The serving card (`mode=serve` only; the page shows it in place of the peak's answer and breakdown).
#[component]
pub fn ServePanel(
    loaded: RwSignal<Option<Loaded>>,
    settings: RwSignal<Settings>,
    #[prop(into)] gpu: Signal<GpuChoice>,
    /// The page's GPU choice (the UI-only link key `gpu`), set by `#serve-gpu`.
    choice: RwSignal<Option<GpuChoice>>,
    unit: RwSignal<Unit>,
    /// The model shown (the link's `model`, or the built-in one), for the command line.
    #[prop(into)]
    model: Signal<String>,
) -> impl IntoView {
    let lang = use_lang();
    let html = Memo::new(move |_| {
        let (l, u, g) = (lang.get(), unit.get(), gpu.get());
        loaded.with(|m| {
            m.as_ref().map(|m| {
                model.with(|id| settings.with(|s| serve_html(&m.arch, s, id, &g, u, l)))
            })
        })
    });
    // The select's options as markup: a custom size from the link gets its own option, so the select shows
    // what the card computes.
    let options = move || {
        let (l, c) = (lang.get(), gpu.get());
        let mut o = String::new();
        if let GpuChoice::Custom(_) = c {
            o.push_str(&format!("<option value=\"{}\" selected>{}</option>", escape(&c.query_value()), escape(&c.label(l))));
        }
        for g in GPUS {
            let sel = if matches!(c, GpuChoice::Listed(x) if x.id == g.id) { " selected" } else { "" };
            o.push_str(&format!("<option value=\"{}\"{sel}>{} {} GB</option>", g.id, g.short_name(), g.marketed_gb));
        }
        o
    };
    move || {
        html.get().map(|h| {
            let title = match lang.get() {
                Lang::En => format!("Serving with vLLM {}", serve::VLLM_VERSION),
                Lang::Ko => format!("vLLM {} 서빙", serve::VLLM_VERSION),
            };
            view! {
                <section id="serve" class="card answer" aria-labelledby="serve-h">
                    <h2 id="serve-h">{title}</h2>
                    <div class="field">
                        <label for="serve-gpu">{T::new("GPU", "GPU").get(lang.get())}</label>
                        <select id="serve-gpu" inner_html=options on:change=move |ev| {
                            if let Some(c) = GpuChoice::parse(&event_target_value(&ev)) {
                                choice.set(Some(c));
                            }
                        }></select>
                    </div>
                    <div inner_html=h></div>
                </section>
            }
        })
    }
}
