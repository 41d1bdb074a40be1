//! The parts of the page that are not on the first screen, loaded on demand (issue 12 §7: the first load ≤ 295 KiB
//! gzipped).
//!
//! The serving card (`mode=serve` only), what fits and export (closed `<details>`), compare, the architecture
//! card (below the inputs) and the checkpoint reader (it runs once a Hub `config.json` has arrived) are each a
//! Leptos 0.8 `#[lazy]` function: in the release build (`--cfg ftmem_split`, set by `scripts/env.sh`
//! `release_build_env` with `-Clink-arg=--emit-relocs`) `wasm-split-cli` moves each one, with the code only it
//! reaches, into a wasm module of its own (`split_*.wasm`, plus `chunk_*.wasm` for code several parts share,
//! fetched by `__wasm_split.js` on the first call; `scripts/split/wasm-bindgen` and `scripts/post-build.mjs`).
//! Without the cfg (debug builds, the wasm component tests) they are plain calls, so the tests run the same code.
//! Every part is in the service worker's list: offline, a part comes from the cache like the main module.
//!
//! Measured on the release build (wasm-opt -Oz, gzip -9): README.md, "What the tests check", step 6 (size).

use crate::arch_panel::Loaded;
use crate::error::Msg;
use crate::fits::{GpuChoice, Unit};
use crate::hub::HfToken;
use crate::i18n::{use_lang, T};
use ftmem_core::checkpoint::Summary;
use ftmem_core::{Architecture, Estimate, EstimateError, Settings};
use leptos::prelude::*;

/// The page's signals that the on-demand panels read (all `Copy` handles; no value is copied).
#[derive(Clone, Copy)]
pub struct PanelInputs {
    /// The model on screen.
    pub loaded: RwSignal<Option<Loaded>>,
    /// The settings (the link's keys).
    pub settings: RwSignal<Settings>,
    /// The page's estimate for `settings` (made once, in `app`).
    pub estimate: Signal<Option<Result<Estimate, EstimateError>>>,
    /// The GPU the answer is for (the choice, or the default one).
    pub gpu: Signal<GpuChoice>,
    /// The page's GPU choice (the UI-only link key `gpu`).
    pub choice: RwSignal<Option<GpuChoice>>,
    /// GiB or GB.
    pub unit: RwSignal<Unit>,
    /// The model id shown (the link's `model`, or the built-in one).
    pub model: Signal<String>,
    /// Compare with B: the setting changed, and its value (`vs=key:value`).
    pub compare: RwSignal<Option<(String, String)>>,
    /// The Hub endpoint configs come from.
    pub endpoint: RwSignal<String>,
}

/// A part that could not be loaded (offline before it was ever cached, or the page is older than the release on
/// the server): said on the page in place of the part; the rest of the page goes on working, and a later call
/// tries again.
#[derive(Debug, Clone, PartialEq)]
pub struct PartError;

#[cfg(ftmem_split)]
impl From<leptos::wasm_split::SplitLoaderError> for PartError {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        PartError
    }
}

impl PartError {
    /// What the page says, in both languages.
    pub fn msg(&self) -> Msg {
        Msg::new(
            "This part of ftmem could not be loaded (offline before it was first used, or a new release is out): reload the page.",
            "ftmem의 이 부분을 불러오지 못했습니다(처음 쓰기 전에 오프라인이었거나 새 버전이 나왔습니다). 페이지를 새로 고치세요.",
        )
    }
}

/// `$f($args)`'s result: awaited in the release build (its part is loaded first), called at once otherwise.
macro_rules! call_part {
    ($f:ident($($arg:expr),*)) => {{
        #[cfg(ftmem_split)]
        let r = $f($($arg),*).await;
        #[cfg(not(ftmem_split))]
        let r = $f($($arg),*);
        r
    }};
}

/// The view that `$f($args)` makes, once its part has loaded (release: a card named `$name`, of class `$slot`,
/// holds its place meanwhile, about as tall as the card, so the page does not jump), or at once (otherwise).
macro_rules! part_view {
    ($name:expr, $slot:literal, $f:ident($($arg:expr),*)) => {{
        let name: T = $name;
        #[cfg(ftmem_split)]
        let v = view! {
            <Suspense fallback=move || pending(name, $slot)>
                {Suspend::new(async move { shown(name, call_part!($f($($arg),*))) })}
            </Suspense>
        }
        .into_any();
        #[cfg(not(ftmem_split))]
        let v = shown(name, call_part!($f($($arg),*)));
        v
    }};
}

/// The card that holds a part's place while it loads: `.part-pending` and `slot` (style/main.css gives the tall
/// cards their usual height, so the page below does not jump when the part arrives), "`name` — loading…".
#[cfg_attr(not(ftmem_split), allow(dead_code))]
fn pending(name: T, slot: &'static str) -> AnyView {
    let lang = use_lang();
    view! {
        <section class=format!("card part-pending {slot}") aria-busy="true">
            <p class="muted">{move || format!("{} — {}", name.get(lang.get()), LOADING.get(lang.get()))}</p>
        </section>
    }
    .into_any()
}

#[cfg_attr(not(ftmem_split), allow(dead_code))]
const LOADING: T = T::new("loading…", "불러오는 중…");

/// The part's view, or in its place a card `.part-failed` naming it, with [`PartError::msg`].
fn shown(name: T, r: Result<AnyView, PartError>) -> AnyView {
    match r {
        Ok(v) => v,
        Err(e) => {
            let lang = use_lang();
            view! {
                <section class="card part-failed">
                    <h2>{move || name.get(lang.get())}</h2>
                    <p class="error-inline part-error" role="alert">{move || e.msg().get(lang.get()).to_string()}</p>
                </section>
            }
            .into_any()
        }
    }
}

/// Each split point: `split_point!(chunk_name, fn ...)` on a function returning `Result<_, PartError>` (wasm_split_helpers'
/// `fallible`: a failed load is that `Err`, not a panic, which would stop the whole app).
macro_rules! split_point {
    ($chunk:ident, $item:item) => {
        #[cfg_attr(ftmem_split, leptos::wasm_split::wasm_split($chunk, wasm_split_path = ::leptos::wasm_split, fallible))]
        $item
    };
}

split_point!(
    ftmem_serve,
    fn serve_view(i: PanelInputs) -> Result<AnyView, PartError> {
        Ok(view! {
            <crate::serve_panel::ServePanel loaded=i.loaded settings=i.settings gpu=i.gpu choice=i.choice unit=i.unit model=i.model />
        }
        .into_any())
    }
);

split_point!(
    ftmem_fit,
    fn fit_view(i: PanelInputs) -> Result<AnyView, PartError> {
        Ok(view! { <crate::fit_panel::FitPanel loaded=i.loaded settings=i.settings choice=i.choice unit=i.unit /> }
            .into_any())
    }
);

split_point!(
    ftmem_compare,
    fn compare_view(i: PanelInputs) -> Result<AnyView, PartError> {
        Ok(view! {
            <crate::compare_panel::ComparePanel estimate=i.estimate loaded=i.loaded settings=i.settings compare=i.compare unit=i.unit />
        }
        .into_any())
    }
);

split_point!(
    ftmem_arch,
    fn arch_view(i: PanelInputs) -> Result<AnyView, PartError> {
        Ok(view! { <crate::arch_panel::ArchPanel loaded=i.loaded /> }.into_any())
    }
);

split_point!(
    ftmem_export,
    fn export_view(i: PanelInputs) -> Result<AnyView, PartError> {
        Ok(view! { <crate::export_panel::ExportPanel loaded=i.loaded settings=i.settings endpoint=i.endpoint /> }
            .into_any())
    }
);

/// The serving card ([`crate::serve_panel::ServePanel`]), on demand.
#[component]
pub fn LazyServePanel(inputs: PanelInputs) -> impl IntoView {
    part_view!(T::new("Serving with vLLM", "vLLM 서빙"), "slot-serve", serve_view(inputs))
}

/// What fits ([`crate::fit_panel::FitPanel`]), on demand.
#[component]
pub fn LazyFitPanel(inputs: PanelInputs) -> impl IntoView {
    part_view!(T::new("What fits on one GPU", "GPU 한 개에 들어가는 최대치"), "slot-fit", fit_view(inputs))
}

/// Compare with B ([`crate::compare_panel::ComparePanel`]), on demand.
#[component]
pub fn LazyComparePanel(inputs: PanelInputs) -> impl IntoView {
    part_view!(T::new("Compare with B", "B와 비교"), "slot-compare", compare_view(inputs))
}

/// The architecture card ([`crate::arch_panel::ArchPanel`]), on demand.
#[component]
pub fn LazyArchPanel(inputs: PanelInputs) -> impl IntoView {
    part_view!(T::new("Architecture", "아키텍처"), "slot-arch", arch_view(inputs))
}

/// Export ([`crate::export_panel::ExportPanel`]), on demand.
#[component]
pub fn LazyExportPanel(inputs: PanelInputs) -> impl IntoView {
    part_view!(T::new("Export", "내보내기"), "slot-export", export_view(inputs))
}

type Reading = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Summary, Msg>>>>;

split_point!(
    ftmem_checkpoint,
    fn checkpoint_reader(
        endpoint: String,
        id: String,
        rev: String,
        token: Option<HfToken>,
        arch: Architecture,
    ) -> Result<Reading, PartError> {
        Ok(Box::pin(async move {
            let res = crate::checkpoint::read(&endpoint, &id, &rev, token.as_ref(), &arch).await;
            res.or_else(|e| crate::checkpoint::stored_summary(&endpoint, &id, &rev).ok_or(e))
        }))
    }
);

/// The checkpoint's safetensors headers for `arch` at `endpoint`/`id`@`rev` ([`crate::checkpoint::read`]), or,
/// when they cannot be read (offline, refused), the summary kept from an earlier visit
/// ([`crate::checkpoint::stored_summary`]). The reader and the safetensors parser are a part of their own.
///
/// # Errors
/// The reader's message when neither is there, or [`PartError::msg`] when the part could not be loaded.
pub async fn read_checkpoint(
    endpoint: String,
    id: String,
    rev: String,
    token: Option<HfToken>,
    arch: Architecture,
) -> Result<Summary, Msg> {
    match call_part!(checkpoint_reader(endpoint, id, rev, token, arch)) {
        Ok(reading) => reading.await,
        Err(e) => Err(e.msg()),
    }
}
