//! The app: state, data flow and layout.
//!
//! Data flow (one way): the model source gives a `config.json` text (fetched from the Hub endpoint, pasted or
//! uploaded) → [`Loaded::from_text`] (the core's `parse_config` and `params::count`) → a `Memo` of
//! `ftmem_core::estimate` for the current [`ftmem_core::Settings`] → the panels. The settings live in the query string
//! ([`crate::url_state`]): read once at start, written back with `replace: true` on every change.
//!
//! # Stable DOM hooks (for end-to-end tests; keep them)
//!
//! | id | what |
//! | --- | --- |
//! | `#model-input` | Hub id or Hub URL |
//! | `#rev-input` | revision (shows `main` by default; empty also means `main`) |
//! | `#load-button` | loads; Enter in `#model-input`/`#rev-input` does the same |
//! | `#load-status` | status line (`Loading config.json…`, `Showing the config.json of openai/gpt-oss-20b @ main.`); `data-state` = `idle|loading|done` |
//! | `#endpoint-input` | Hub endpoint (settings panel, always visible; stored in localStorage `ftmem.endpoint`) |
//! | `#paste-config`, `#paste-apply` | paste a config.json and use it; `#upload-config` is the file input |
//! | `#arch-model-type`, `#arch-hidden-size`, `#arch-layers`, `#arch-heads`, `#arch-kv-heads`, `#arch-head-dim`, `#arch-intermediate`, `#arch-vocab`, `#arch-context`, `#arch-tied`, `#arch-experts` | architecture facts: plain integers without separators (`2880`, `201088`); `#arch-tied` = `yes`/`no` (Korean `예`/`아니요`, `data-value` = `yes`/`no`); `#arch-experts` only for MoE (`32 total, 4 per token`) |
//! | `#params-total` | `20,914,757,184 parameters (20.9 B)`; `data-params` = raw count |
//! | `#params-active` | active parameters per token; `data-params` = raw count |
//! | `#total-bytes` | total peak, e.g. `13.42 GB (12.50 GiB)`; `data-bytes` = raw byte count |
//! | `#error` | the error box; `data-kind` = `unauthorized|not-found|rate-limited|offline|http|not-json|config|query|input` |
//! | `#query-error` | a link's unusable settings while `#error` shows a load error |
//! | `#mode`, `#precision`, `#batch`, `#seq`, `#new-tokens`, `#rank`, `#targets`, `#targets-custom`, `#dropout`, `#dq`, `#gc`, `#optim`, `#attn` | controls; present only where they apply (`#new-tokens`: inference; `#rank`/`#targets`/`#dropout`: LoRA and QLoRA; `#dq`: QLoRA; `#gc`/`#optim`: training modes) |
//! | `#rule-of-thumb` | the tutorial's rule-of-thumb table |
//! | `#lang-toggle` | the language toggle (button: English ↔ 한국어); the language is the UI-only link key `lang=en|ko` |

use crate::arch_panel::Loaded;
use crate::breakdown::{self, Breakdown};
use crate::chart::Chart;
use crate::controls::Controls;
use crate::error::{AppError, ErrorKind, Msg};
use crate::fits::{self, FitsTable, GpuChoice};
use crate::hub;
use crate::i18n::{self, provide_lang, tr, use_lang, LangSource, LangToggle, T};
use crate::model_source::ModelSource;
use crate::presets::{self, Presets};
use crate::rule_of_thumb::RuleOfThumb;
use crate::settings_panel::{load_endpoint, SettingsPanel};
use crate::share::{self, PageTitle, ShareButton};
use crate::url_state;
use crate::warnings::Warnings;
use leptos::prelude::*;
use leptos_router::location::{BrowserUrl, LocationChange, LocationProvider};

/// One fetch of a `config.json`: where from, and a sequence number so that loading the same model again refetches.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadRequest {
    /// Hub endpoint, normalised.
    pub endpoint: String,
    /// Model id.
    pub id: String,
    /// Revision.
    pub rev: String,
    /// Increases with every request.
    pub seq: u64,
}

/// The app's root: the page. The query string is read and written through leptos_router's browser location
/// provider ([`BrowserUrl`]: `location` and `history.replaceState`, see [`location_part`] and [`replace_url`])
/// without a `<Router>`: the page has no routes or links, so the router's context, link interception and
/// reactive location would only add to the first load (issue 12 §7: 9.5 KiB gzipped).
#[component]
pub fn App() -> impl IntoView {
    view! { <Page /> }
}

/// The page's query string now, without its `?` (`a=b`, or empty), or with `search` false its path.
fn location_part(search: bool) -> String {
    BrowserUrl::current()
        .map(|u| if search { u.search() } else { u.path() }.to_string())
        .unwrap_or_default()
}

/// Replace the history entry's URL with `target` (a path and query of this origin), keeping the scroll position:
/// the router's navigation with `replace: true, scroll: false`.
fn replace_url(target: String) {
    if let Ok(url) = BrowserUrl::new() {
        url.complete_navigation(&LocationChange {
            value: target,
            replace: true,
            scroll: false,
            ..Default::default()
        });
    }
}

/// The error box `#error` (nothing when `error` is `None`).
#[component]
pub fn ErrorBox(
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(optional)] id: Option<&'static str>,
) -> impl IntoView {
    let id = id.unwrap_or("error");
    let lang = use_lang();
    move || {
        error.get().map(|e| {
            let text = e.text(lang.get()).to_string();
            view! {
                <div id=id class="error-box" role="alert" data-kind=e.kind.as_str()>
                    {text}
                </div>
            }
        })
    }
}

/// The page: all state lives here and flows down.
#[component]
fn Page() -> impl IntoView {
    // Settings from the link, a bad key falling back to its default with a message.
    let initial_pairs = url_state::split_query(&location_part(true));
    // The language: the link's `lang`, else the stored choice, else the browser's (see crate::i18n::choose). It
    // goes into the link only once it is a choice (link, storage, toggle), so a bare link follows each reader.
    let (initial_lang, lang_source) = i18n::choose(
        url_state::lang_from_pairs(&initial_pairs),
        i18n::load_stored_lang().as_deref(),
        i18n::browser_lang().as_deref(),
    );
    let lang = RwSignal::new(initial_lang);
    provide_lang(lang);
    let lang_chosen = RwSignal::new(lang_source != LangSource::Browser);
    Effect::new(move |_| i18n::set_document_lang(lang.get()));
    let (initial, query_errors) = url_state::settings_from_pairs_lenient(&initial_pairs);
    let settings = RwSignal::new(initial.clone());
    let query_error =
        RwSignal::new((!query_errors.is_empty()).then(|| AppError::from_query(&query_errors)));
    let load_error = RwSignal::new(None::<AppError>);
    let loaded = RwSignal::new(None::<Loaded>);
    let endpoint = RwSignal::new(load_endpoint());
    // A link without a model shows the built-in gpt-oss-20b: the box names it too (Load fetches it from the Hub).
    let model_text = RwSignal::new(if initial.model.is_empty() {
        presets::DEFAULT_PRESET.hub_id.to_string()
    } else {
        initial.model.clone()
    });
    let rev_text = RwSignal::new(initial.rev.clone());
    // UI-only link keys (`unit`, `gpu`: see crate::fits), the token (memory, or session storage by opt-in), and
    // whether the built-in default model is on screen (see crate::presets).
    let (initial_unit, initial_gpu) = fits::ui_from_pairs(&initial_pairs);
    let unit = RwSignal::new(initial_unit);
    // Setup B of the comparison (`vs=key:value`, crate::compare_panel).
    let compare = RwSignal::new(crate::compare_panel::from_pairs(&initial_pairs));
    let gpu_choice = RwSignal::new(initial_gpu);
    let token = RwSignal::new(crate::settings_panel::load_session_token());
    let showing_default = RwSignal::new(false);
    // The Hub model (id, revision) whose config is on screen; `None` for the built-in default or a pasted config.
    let shown_hub = RwSignal::new(None::<(String, String)>);
    // The Hub model whose load was just refused for a reason that may pass (401, 429, offline, 5xx).
    let failed_hub = RwSignal::new(None::<(String, String)>);
    let show_default = move || {
        let p = presets::DEFAULT_PRESET;
        if let Ok(l) = Loaded::from_text_in(p.config, &presets::source_msg(p)) {
            loaded.set(Some(l));
            showing_default.set(true);
        }
    };

    // Fetch: one request at a time; the resource re-runs when `request` changes.
    let request = RwSignal::new(None::<LoadRequest>);
    let next_seq = StoredValue::new(0u64);
    let fetched = LocalResource::new(move || {
        let req = request.get();
        let tok = token.get_untracked();
        async move {
            match req {
                None => None,
                Some(r) => {
                    let res =
                        hub::fetch_config_with_token(&r.endpoint, &r.id, &r.rev, tok.as_ref())
                            .await;
                    Some((r, res))
                }
            }
        }
    });
    // The checkpoint's headers, read after its config loaded (crate::checkpoint); applied only while that
    // config is still the one shown.
    let ckpt_request = RwSignal::new(None::<LoadRequest>);
    let shown_seq = RwSignal::new(None::<u64>);
    let ckpt = LocalResource::new(move || {
        let req = ckpt_request.get();
        let tok = token.get_untracked();
        let arch = loaded.with_untracked(|l| l.as_ref().map(|l| l.arch.clone()));
        async move {
            let (r, arch) = (req?, arch?);
            // On demand (crate::lazy): the reader and the safetensors parser load with the first Hub config.
            let res = crate::lazy::read_checkpoint(r.endpoint, r.id, r.rev, tok, arch).await;
            Some((r.seq, res))
        }
    });
    Effect::new(move |_| {
        if let Some(Some((seq, res))) = ckpt.get() {
            if shown_seq.get_untracked() == Some(seq) {
                loaded.update(|l| {
                    if let Some(l) = l
                        .as_mut()
                        .filter(|l| l.checkpoint == crate::checkpoint::CheckpointState::Loading)
                    {
                        match res {
                            Ok(s) => l.with_checkpoint(s),
                            Err(m) => l.checkpoint = crate::checkpoint::CheckpointState::Failed(m),
                        }
                    }
                });
            }
        }
    });
    Effect::new(move |_| {
        if let Some(Some((r, res))) = fetched.get() {
            let source = Msg::new(
                format!("the config.json of {} @ {}", r.id, r.rev),
                format!("{} @ {}의 config.json", r.id, r.rev),
            );
            match res.and_then(|text| Loaded::from_text_in(&text, &source)) {
                Ok(mut l) => {
                    l.checkpoint = crate::checkpoint::CheckpointState::Loading;
                    settings.update(|s| {
                        s.model = r.id.clone();
                        s.rev = r.rev.clone();
                    });
                    shown_hub.set(Some((r.id.clone(), r.rev.clone())));
                    failed_hub.set(None);
                    loaded.set(Some(l));
                    load_error.set(None);
                    showing_default.set(false);
                    shown_seq.set(Some(r.seq));
                    ckpt_request.set(Some(r));
                }
                // A preset's built-in config stands in when the Hub cannot give it (gated, offline, ...).
                Err(e) => match presets::fallback(&r.id, &r.rev, e.kind)
                    .and_then(|p| Loaded::from_text_in(p.config, &presets::source_msg(p)).ok())
                {
                    Some(l) => {
                        settings.update(|s| {
                            s.model = r.id.clone();
                            s.rev = r.rev.clone();
                        });
                        shown_hub.set(Some((r.id.clone(), r.rev.clone())));
                    failed_hub.set(None);
                        loaded.set(Some(l));
                        load_error.set(None);
                        showing_default.set(false);
                    }
                    None => {
                        // An id that cannot load (404, not a model config, bad JSON) leaves the title and the
                        // link: they go back to what is on screen. A failure that may pass (401, 429,
                        // offline, a server error) keeps it, to retry or to stand a pasted config in for it.
                        let may_pass = matches!(
                            e.kind,
                            ErrorKind::Unauthorized
                                | ErrorKind::RateLimited
                                | ErrorKind::Offline
                                | ErrorKind::Http
                        );
                        // The link and the title stay with what is on screen; a pasted config.json may stand
                        // in for the refused model later (`on_config`), and then the link names it.
                        failed_hub.set(may_pass.then(|| (r.id.clone(), r.rev.clone())));
                        let (id, rev) = shown_hub.get_untracked().unwrap_or_default();
                        settings.update(|s| {
                            s.model = id;
                            s.rev = if rev.is_empty() { "main".into() } else { rev };
                        });
                        if showing_default.get_untracked() && loaded.with_untracked(|l| l.is_none())
                        {
                            show_default();
                        }
                        load_error.set(Some(e));
                    }
                },
            }
        }
    });

    let start_load = move |id: String, rev: String| {
        // The built-in default view gives way to the model asked for (it comes back if that fails).
        if showing_default.get_untracked() {
            loaded.set(None);
        }
        next_seq.update_value(|n| *n += 1);
        request.set(Some(LoadRequest {
            endpoint: endpoint.get_untracked(),
            id,
            rev,
            seq: next_seq.get_value(),
        }));
    };
    let on_load = Callback::new(move |()| {
        let m = match hub::normalize_model_input(&model_text.get_untracked()) {
            Ok(m) => m,
            Err(msg) => return load_error.set(Some(AppError::from_msg(ErrorKind::Input, msg))),
        };
        // A revision in a pasted URL wins over the revision field, and is shown there.
        let rev_in = m
            .revision
            .clone()
            .unwrap_or_else(|| rev_text.get_untracked());
        let rev = match hub::normalize_revision(&rev_in) {
            Ok(r) => r,
            Err(msg) => return load_error.set(Some(AppError::from_msg(ErrorKind::Input, msg))),
        };
        model_text.set(m.id.clone());
        rev_text.set(rev.clone());
        // The link and the title take the id once its config has loaded (the fetch effect above).
        start_load(m.id, rev);
    });
    let on_config = Callback::new(move |(text, source): (String, Msg)| {
        match Loaded::from_text_in(&text, &source) {
            Ok(l) => {
                // A fetch still under way must not replace what the user chose.
                request.set(None);
                // The link keeps the model id only when the config stands in for a Hub model that could not be
                // fetched (gated, rate limited, offline); otherwise the link would name another model.
                let stands_in = load_error.with_untracked(|e| {
                    e.as_ref().is_some_and(|e| {
                        matches!(
                            e.kind,
                            ErrorKind::Unauthorized
                                | ErrorKind::RateLimited
                                | ErrorKind::Offline
                                | ErrorKind::Http
                        )
                    })
                });
                match failed_hub.get_untracked().filter(|_| stands_in) {
                    Some((id, rev)) => {
                        settings.update(|s| {
                            s.model = id.clone();
                            s.rev = rev.clone();
                        });
                        shown_hub.set(Some((id, rev)));
                    }
                    None => {
                        settings.update(|s| {
                            s.model.clear();
                            s.rev = "main".into();
                        });
                        shown_hub.set(None);
                    }
                }
                loaded.set(Some(l));
                load_error.set(None);
                showing_default.set(false);
            }
            Err(e) => load_error.set(Some(e)),
        }
    });
    let on_error = Callback::new(move |e: AppError| load_error.set(Some(e)));
    // A preset: its built-in config.json, no request.
    let on_preset = Callback::new(move |p: &'static presets::Preset| {
        request.set(None);
        match Loaded::from_text_in(p.config, &presets::source_msg(p)) {
            Ok(l) => {
                loaded.set(Some(l));
                load_error.set(None);
                showing_default.set(false);
                model_text.set(p.hub_id.to_string());
                rev_text.set("main".into());
                shown_hub.set(Some((p.hub_id.to_string(), "main".into())));
                settings.update(|s| {
                    s.model = p.hub_id.to_string();
                    s.rev = "main".into();
                });
            }
            Err(e) => load_error.set(Some(e)),
        }
    });

    // A link with a model loads it at once.
    if !initial.model.is_empty() {
        match hub::normalize_model_input(&initial.model) {
            Ok(m) => start_load(m.id, initial.rev.clone()),
            Err(msg) => load_error.set(Some(AppError::from_msg(ErrorKind::Input, msg))),
        }
    } else {
        show_default();
    }

    // Settings → query string, replacing the history entry; UI-only keys are kept; defaults are left out. The
    // write itself (`history.replaceState`, slow in Chromium) waits for the next task, after the new numbers are
    // in the page; edits in the meantime replace it (see crate::deferred).
    let url_write = crate::deferred::Deferred::<String>::new();
    Effect::new(move |_| {
        let s = settings.get();
        let search = location_part(true);
        let current = search.strip_prefix('?').unwrap_or(&search).to_string();
        let extras = url_state::extra_pairs(&url_state::split_query(&current));
        let extras = fits::with_ui_pairs(
            &extras,
            unit.get(),
            gpu_choice.get().as_ref(),
            compare.get().as_ref(),
        );
        let extras = url_state::with_lang_pair(&extras, lang_chosen.get().then(|| lang.get()));
        let q = url_state::build_query(&s, &extras);
        if q != current {
            let path = location_part(false);
            let target = if q.is_empty() {
                path
            } else {
                format!("{path}?{q}")
            };
            url_write.put(target, replace_url);
        } else {
            // Back to the link as it stands: a write still waiting would undo that.
            url_write.cancel();
        }
    });
    // The first edit after opening a link clears the link's error message.
    // A model loading writes `model`/`rev` itself: not an edit (it cleared the message while the link's model
    // was still loading, so the message about the link's bad keys flashed and went).
    Effect::new(move |prev: Option<ftmem_core::Settings>| {
        let now = settings.with(|s| ftmem_core::Settings {
            model: String::new(),
            rev: String::new(),
            ..s.clone()
        });
        if prev.as_ref().is_some_and(|p| *p != now) {
            query_error.set(None);
        }
        now
    });

    let estimate = Memo::new(move |_| {
        loaded.with(|l| {
            l.as_ref()
                .map(|l| settings.with(|s| ftmem_core::estimate(&l.arch, s)))
        })
    });
    // The stack the estimate is for and what the other stacks need for the same run (the core's
    // `other_stacks`: two more estimates, microseconds each).
    let stack_view = Memo::new(move |_| {
        loaded.with(|l| {
            let l = l.as_ref()?;
            settings.with(|s| {
                s.mode.trains().then(|| breakdown::StackView {
                    stack: s.stack,
                    liger: s.liger,
                    others: ftmem_core::other_stacks(&l.arch, s),
                })
            })
        })
    });
    let warnings = Memo::new(move |_| {
        loaded.with(|l| {
            l.as_ref()
                .map(|l| settings.with(|s| ftmem_core::warnings::warnings(&l.arch, s)))
                .unwrap_or_default()
        })
    });
    let has_quantization = Signal::derive(move || {
        loaded.with(|l| l.as_ref().is_some_and(|l| l.arch.quantization.is_some()))
    });
    let total_params = Signal::derive(move || loaded.with(|l| l.as_ref().map(|l| l.counts.total)));
    let offer_paste = Signal::derive(move || {
        load_error.with(|e| {
            e.as_ref()
                .is_some_and(|e| e.kind == ErrorKind::Unauthorized)
        })
    });
    let shown_error = Signal::derive(move || load_error.get().or_else(|| query_error.get()));
    let second_error = Signal::derive(move || {
        if load_error.with(|e| e.is_some()) {
            query_error.get()
        } else {
            None
        }
    });

    let shown_model = Signal::derive(move || {
        let m = settings.with(|s| s.model.clone());
        if m.is_empty() && showing_default.get() {
            presets::DEFAULT_PRESET.hub_id.to_string()
        } else {
            m
        }
    });
    let title = Signal::derive(move || {
        let total = estimate.with(|e| {
            e.as_ref()
                .and_then(|r| r.as_ref().ok())
                .map(|e| e.total_bytes)
        });
        shown_model
            .with(|m| settings.with(|s| share::page_title_in(m, s, total, unit.get(), lang.get())))
    });
    let serving = move || settings.with(|s| s.mode == ftmem_core::settings::Mode::Serve);
    let answer_gpu =
        Signal::derive(move || gpu_choice.get().unwrap_or_else(GpuChoice::default_choice));
    let panels = crate::lazy::PanelInputs {
        loaded,
        settings,
        estimate: estimate.into(),
        gpu: answer_gpu,
        choice: gpu_choice,
        unit,
        model: shown_model,
        compare,
        endpoint,
    };
    let chart_gpu =
        Signal::derive(move || Some(gpu_choice.get().unwrap_or_else(GpuChoice::default_choice)));

    let (pending, set_pending) = signal(false);
    let status = move || {
        let l = lang.get();
        let current = loaded.with(|m| m.as_ref().map(|m| m.source_in(l).to_string()));
        match (pending.get(), current) {
            (true, _) => (
                "loading",
                T::new("Loading config.json…", "config.json 불러오는 중…")
                    .get(l)
                    .to_string(),
            ),
            (false, Some(src)) => (
                "done",
                match l {
                    i18n::Lang::En => format!("Showing {src}."),
                    i18n::Lang::Ko => format!("표시 중: {src}"),
                },
            ),
            (false, None) => (
                "idle",
                T::new("No model loaded yet.", "아직 불러온 모델이 없습니다.")
                    .get(l)
                    .to_string(),
            ),
        }
    };

    view! {
        <header class="top">
            <div class="title-row">
                <h1>"ftmem"</h1>
                <div class="row">
                    <crate::fits::UnitToggle unit />
                    <LangToggle chosen=lang_chosen />
                </div>
            </div>
            <p class="tagline">{tr(T::new(
                "GPU memory for fine-tuning and serving LLMs, from the model's config.json",
                "모델의 config.json으로 계산하는 LLM 파인튜닝·서빙 GPU 메모리",
            ))}</p>
            <ShareButton view_key=Signal::derive(move || {
                format!(
                    "{}|{:?}|{:?}|{:?}",
                    settings.with(|s| s.to_query()),
                    unit.get(),
                    gpu_choice.get().map(|g| g.query_value()),
                    compare.get()
                )
            }) />
        </header>
        <PageTitle title />
        <main class="layout">
            <div class="col-answer">
                <Show when=serving fallback=move || view! { <crate::answer::Answer estimate settings gpu=answer_gpu unit /> }>
                    <crate::lazy::LazyServePanel inputs=panels />
                </Show>
            </div>
            <div class="col-input">
                <Presets on_pick=on_preset current=shown_model />
                <ModelSource model_text rev_text on_load on_config on_error offer_paste />
                <Transition fallback=|| () set_pending>
                    {move || fetched.get().map(|_| ())}
                </Transition>
                {move || {
                    let (state, text) = status();
                    view! { <p id="load-status" class="status" data-state=state aria-live="polite">{text}</p> }
                }}
                <ErrorBox error=shown_error />
                <ErrorBox error=second_error id="query-error" />
                <Controls settings has_quantization />
            </div>
            <div class="col-result">
                <Warnings warnings />
                <Show when=move || !serving()>
                    <Breakdown estimate unit stack=stack_view />
                    <Chart estimate gpu=chart_gpu unit />
                    <FitsTable estimate unit choice=gpu_choice />
                    <crate::lazy::LazyFitPanel inputs=panels />
                    // The tutorial's table is of training and generate(), not of a vLLM server.
                    <RuleOfThumb total=total_params unit />
                    <crate::lazy::LazyComparePanel inputs=panels />
                    <crate::lazy::LazyExportPanel inputs=panels />
                </Show>
            </div>
            <div class="col-more">
                <crate::lazy::LazyArchPanel inputs=panels />
                <SettingsPanel endpoint token />
            </div>
        </main>
        <footer class="foot">
            <p class="muted small">{tr(T::new(
                "Every number comes from the ftmem core; the settings are in the link, the endpoint stays in this browser.",
                "모든 수치는 ftmem 코어가 계산합니다. 설정은 링크에 담기고, 엔드포인트는 이 브라우저에만 남습니다.",
            ))}</p>
        </footer>
    }
}
