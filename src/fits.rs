//! The *fits on* table (issue 4 §5): the estimate's `total_bytes` against each GPU of [`ftmem_core::gpus::GPUS`]
//! with the headroom or the shortfall ([`ftmem_core::gpus::fits`]), in GB or GiB, and the measured error.
//!
//! Also the two UI-only query keys (kept out of [`ftmem_core::Settings`], which ignores unknown keys; the app's
//! URL code keeps every non-settings key, see [`crate::url_state::extra_pairs`]):
//! - `unit=gb` shows decimal units (GB, 10⁹ bytes); absent (or `unit=gib`) means binary GiB (2³⁰ bytes);
//! - `gpu=<id>` (an id of [`ftmem_core::gpus::GPUS`], e.g. `h100-80`) or `gpu=<GiB>` (a custom size, e.g.
//!   `gpu=24` or `gpu=47.5`) is the GPU of the chart's capacity mark and of the what-fits panel; absent means
//!   [`DEFAULT_GPU`].
//!
//! Every memory figure comes from the core; this module only compares through `gpus::fits` and converts units.

use crate::i18n::{tr, use_lang, Lang, T};
use ftmem_core::gpus::{self, Gpu, GPUS};
use ftmem_core::{Bytes, Estimate, EstimateError};
use leptos::prelude::*;

/// The measured-error note: "within 10.5 % (median 2.1 %) on 84 measured H200 runs", from
/// [`ftmem_core::accuracy`] (kept true by the core's calibration test).
pub fn measured_error_note(lang: Lang) -> String {
    use ftmem_core::accuracy::{MAX_PCT, MEDIAN_PCT, RUNS};
    match lang {
        Lang::En => format!(
            "Measured error: within {MAX_PCT} % (median {MEDIAN_PCT} %) on {RUNS} measured H200 runs (nvidia-smi peak)."
        ),
        Lang::Ko => format!(
            "측정 오차: H200 실측 {RUNS}회에서 최대 {MAX_PCT} % 이내 (중앙값 {MEDIAN_PCT} %, nvidia-smi 피크 기준)."
        ),
    }
}

/// Query key of the unit.
pub const UNIT_KEY: &str = "unit";
/// Query key of the chosen GPU.
pub const GPU_KEY: &str = "gpu";
/// The GPU in force when the link names none.
pub const DEFAULT_GPU: &str = "rtx-4090";
/// Largest custom GPU size accepted, GiB.
pub const MAX_CUSTOM_GIB: f64 = 65_536.0;

/// Display unit of memory figures, for the whole page (breakdown, chart, tables, rule of thumb, title).
/// GiB by default: what PyTorch and the driver report (nvidia-smi's MiB, `torch.cuda.mem_get_info`) and what a
/// box's "80 GB" loosely means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Unit {
    /// Decimal gigabytes, 10⁹ bytes.
    Gb,
    /// Binary gibibytes, 2³⁰ bytes.
    #[default]
    Gib,
}

impl Unit {
    /// `gb` / `gib`.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Gb => "gb",
            Unit::Gib => "gib",
        }
    }
    /// Parse `gb`/`gib` (case-insensitive).
    pub fn parse(s: &str) -> Option<Unit> {
        match s.trim().to_ascii_lowercase().as_str() {
            "gb" => Some(Unit::Gb),
            "gib" => Some(Unit::Gib),
            _ => None,
        }
    }
    /// `b` in this unit with two decimals: `"13.42 GB"`, `"12.50 GiB"`; from 10,000 GB (GiB) on the next
    /// unit up (`"121.49 PB"` rather than `"121490402.65 GB"`); a non-zero amount below 0.005 is `"< 0.01 GB"`,
    /// not a zero.
    pub fn format(self, b: Bytes) -> String {
        let (x, unit) = self.scaled(b);
        if b.0 > 0 && x < 0.005 {
            return format!("< 0.01 {unit}");
        }
        // Thousands separated as the page's other counts are (`1,234.56 GiB`).
        let cents = (x * 100.0).round() as u64;
        format!("{}.{:02} {unit}", crate::format::thousands(cents / 100), cents % 100)
    }
    /// Like [`Unit::format`] with one decimal (`"13.4 GB"`), for compact places (title, chart).
    pub fn format_short(self, b: Bytes) -> String {
        let (x, unit) = self.scaled(b);
        format!("{x:.1} {unit}")
    }
    /// `b` as a number below 10,000 of GB, TB, PB, EB (decimal) or GiB, TiB, PiB, EiB (binary).
    fn scaled(self, b: Bytes) -> (f64, &'static str) {
        let (mut x, step, names) = match self {
            Unit::Gb => (b.gb(), 1000.0, ["GB", "TB", "PB", "EB"]),
            Unit::Gib => (b.gib(), 1024.0, ["GiB", "TiB", "PiB", "EiB"]),
        };
        let mut i = 0;
        while x >= 10_000.0 && i + 1 < names.len() {
            x /= step;
            i += 1;
        }
        (x, names[i])
    }
}

/// The GPU of the capacity mark and the what-fits panel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GpuChoice {
    /// One of [`GPUS`].
    Listed(&'static Gpu),
    /// A custom size, GiB (0 < x ≤ [`MAX_CUSTOM_GIB`]).
    Custom(f64),
}

impl GpuChoice {
    /// Parse a `gpu` value: a GPU id (`h100-80`) or a size in GiB (`24`, `47.5`). `None` for anything else.
    pub fn parse(s: &str) -> Option<GpuChoice> {
        let s = s.trim();
        if let Some(g) = gpus::by_id(&s.to_ascii_lowercase()) {
            return Some(GpuChoice::Listed(g));
        }
        Self::custom(s.parse::<f64>().ok()?)
    }
    /// A custom size if `gib` is usable (finite, > 0, ≤ [`MAX_CUSTOM_GIB`]).
    pub fn custom(gib: f64) -> Option<GpuChoice> {
        (gib.is_finite() && gib > 0.0 && gib <= MAX_CUSTOM_GIB).then_some(GpuChoice::Custom(gib))
    }
    /// The default, [`DEFAULT_GPU`].
    pub fn default_choice() -> GpuChoice {
        gpus::by_id(DEFAULT_GPU).map_or(GpuChoice::Custom(24.0), GpuChoice::Listed)
    }
    /// The `gpu` query value: the id, or the GiB figure without trailing zeros.
    pub fn query_value(&self) -> String {
        match self {
            GpuChoice::Listed(g) => g.id.to_string(),
            GpuChoice::Custom(gib) => trim_number(*gib),
        }
    }
    /// Capacity of one GPU, bytes (custom: GiB × 2³⁰, rounded down).
    pub fn capacity(&self) -> Bytes {
        match self {
            GpuChoice::Listed(g) => g.capacity,
            GpuChoice::Custom(gib) => Bytes((gib * (1u64 << 30) as f64) as u64),
        }
    }
    /// Display name: the GPU by its box size ([`gpu_label`]), or "Custom 24 GiB" / "사용자 지정 24 GiB".
    pub fn label(&self, lang: Lang) -> String {
        match self {
            GpuChoice::Listed(g) => gpu_label(g, lang),
            GpuChoice::Custom(gib) => format!(
                "{} {} GiB",
                T::new("Custom", "사용자 지정").get(lang),
                trim_number(*gib)
            ),
        }
    }
}

/// A GPU as people know it and as the driver sees it: `"H100 80 GB — 79.65 GiB usable"` (Korean
/// `"H100 80 GB — 사용 가능 79.65 GiB"`): the short name, the box's figure, and the capacity the driver reports
/// (what a run can fill; [`ftmem_core::gpus::Gpu::capacity`]).
pub fn gpu_label(g: &Gpu, lang: Lang) -> String {
    gpu_label_in(g, lang, Unit::Gib)
}

/// [`gpu_label`] with the usable capacity in `unit` (`"H100 80 GB — 85.52 GB usable"` in GB), so that a row
/// or a sentence never mixes GB and GiB.
pub fn gpu_label_in(g: &Gpu, lang: Lang, unit: Unit) -> String {
    let usable = unit.format(g.capacity);
    match lang {
        Lang::En => format!("{} {} GB — {usable} usable", g.short_name(), g.marketed_gb),
        Lang::Ko => format!("{} {} GB — 사용 가능 {usable}", g.short_name(), g.marketed_gb),
    }
}

impl GpuChoice {
    /// [`GpuChoice::label`] with the usable capacity in `unit` ([`gpu_label_in`]).
    pub fn label_in(&self, lang: Lang, unit: Unit) -> String {
        match self {
            GpuChoice::Listed(g) => gpu_label_in(g, lang, unit),
            GpuChoice::Custom(_) => self.label(lang),
        }
    }
    /// A compact name for tight places (the chart's capacity mark): `"H100 80 GB"`, `"Custom 24 GiB"`.
    pub fn short_label(&self, lang: Lang) -> String {
        match self {
            GpuChoice::Listed(g) => format!("{} {} GB", g.short_name(), g.marketed_gb),
            GpuChoice::Custom(_) => self.label(lang),
        }
    }
}

/// `24.0` → `"24"`, `47.50` → `"47.5"` (at most 3 decimals).
pub fn trim_number(x: f64) -> String {
    let s = format!("{x:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

/// The UI-only keys of a link: the unit (default GiB) and the chosen GPU (`None`: not in the link). Unusable
/// values are ignored (the default applies).
pub fn ui_from_pairs(pairs: &[(String, String)]) -> (Unit, Option<GpuChoice>) {
    let mut unit = Unit::default();
    let mut gpu = None;
    for (k, v) in pairs {
        if k == UNIT_KEY {
            unit = Unit::parse(v).unwrap_or_default();
        } else if k == GPU_KEY {
            gpu = GpuChoice::parse(v);
        }
    }
    (unit, gpu)
}

/// `extras` (a link's non-settings pairs) with the UI-only keys set to `unit`, `gpu` and the comparison
/// ([`crate::compare_panel`]): an existing pair is
/// replaced where it stands (so the order of the link is stable), a missing one appended, a default removed
/// (`unit=gib`, no GPU chosen).
pub fn with_ui_pairs(
    extras: &[(String, String)],
    unit: Unit,
    gpu: Option<&GpuChoice>,
    compare: Option<&(String, String)>,
) -> Vec<(String, String)> {
    let wanted: [(&str, Option<String>); 3] = [
        (
            UNIT_KEY,
            (unit != Unit::default()).then(|| unit.as_str().to_string()),
        ),
        (GPU_KEY, gpu.map(|g| g.query_value())),
        (
            crate::compare_panel::COMPARE_KEY,
            compare.map(crate::compare_panel::query_value),
        ),
    ];
    let mut out: Vec<(String, String)> = Vec::with_capacity(extras.len() + 3);
    let mut placed = [false; 3];
    for (k, v) in extras {
        match wanted.iter().position(|(wk, _)| wk == k) {
            Some(i) => {
                if !placed[i] {
                    placed[i] = true;
                    if let Some(val) = &wanted[i].1 {
                        out.push((k.clone(), val.clone()));
                    }
                }
            }
            None => out.push((k.clone(), v.clone())),
        }
    }
    for (i, (k, v)) in wanted.iter().enumerate() {
        if let (false, Some(val)) = (placed[i], v) {
            out.push((k.to_string(), val.clone()));
        }
    }
    out
}

/// One row of the table, as shown.
#[derive(Debug, Clone, PartialEq)]
pub struct FitRow {
    /// The GPU.
    pub gpu: &'static Gpu,
    /// The core's comparison.
    pub fit: gpus::Fit,
}

/// The rows for a per-GPU peak of `total` bytes, in [`GPUS`]' order.
pub fn fit_rows(total: Bytes) -> Vec<FitRow> {
    GPUS.iter()
        .map(|g| FitRow {
            gpu: g,
            fit: gpus::fits(total, g),
        })
        .collect()
}

/// The table's rows as markup (static text with no handlers: far smaller in wasm than a view tree; the GPU
/// buttons are handled by one delegated click on the `<tbody>`). Every text goes through
/// [`crate::chart::escape`].
pub fn rows_html(rows: &[FitRow], u: Unit, l: Lang, chosen: Option<&str>) -> String {
    use crate::chart::escape;
    use std::fmt::Write;
    let title = escape(
        T::new(
            "Mark this GPU on the chart and use it in “What fits”",
            "이 GPU를 차트에 표시하고 ‘GPU 한 개에 들어가는 최대치’ 계산에 사용",
        )
        .get(l),
    );
    let mut out = String::with_capacity(rows.len() * 400);
    for r in rows {
        let g = r.gpu;
        let (cls, mark, verdict, signed, room) = if r.fit.fits {
            (
                "yes",
                "✓",
                T::new("fits", "들어감").get(l),
                r.fit.headroom.0 as i128,
                format!("+{}", u.format(r.fit.headroom)),
            )
        } else {
            (
                "no",
                "✗",
                T::new("too small", "부족").get(l),
                -(r.fit.shortfall.0 as i128),
                format!("−{}", u.format(r.fit.shortfall)),
            )
        };
        let is_chosen = chosen == Some(g.id);
        let _ = write!(
            out,
            r#"<tr data-gpu="{id}" data-fits="{cls}"{chosen_cls}><th scope="row"><button type="button" class="linklike" data-gpu="{id}" aria-pressed="{pressed}" title="{title}">{name}</button></th><td class="num">{cap}</td><td class="verdict {cls}">{mark} {verdict}</td><td class="num headroom" data-bytes="{signed}">{room}</td><td class="num muted">{used}</td></tr>"#,
            id = escape(g.id),
            chosen_cls = if is_chosen { r#" class="chosen""# } else { "" },
            pressed = is_chosen,
            name = escape(&gpu_label_in(g, l, u)),
            cap = escape(&u.format(g.capacity)),
            verdict = escape(verdict),
            room = escape(&room),
            used = if r.fit.used_fraction * 100.0 > 9999.0 {
                "&gt; 9999 %".to_string()
            } else {
                format!("{:.0} %", r.fit.used_fraction * 100.0)
            },
        );
    }
    out
}

/// The GB/GiB switch of the whole page (`#unit-gb`, `#unit-gib`, radio buttons), in the header.
#[component]
pub fn UnitToggle(unit: RwSignal<Unit>) -> impl IntoView {
    view! {
        <fieldset class="unit-toggle">
            <legend class="sr-only">{tr(T::new("Unit", "단위"))}</legend>
            {[(Unit::Gb, "unit-gb", "GB"), (Unit::Gib, "unit-gib", "GiB")]
                .into_iter()
                .map(|(u, id, label)| {
                    view! {
                        <input type="radio" name="ftmem-unit" id=id value=u.as_str()
                            prop:checked=move || unit.get() == u
                            on:change=move |_| unit.set(u) />
                        <label for=id>{label}</label>
                    }
                })
                .collect_view()}
        </fieldset>
    }
}

/// The *fits on* table for `estimate` (per GPU). Clicking a GPU's name makes it the chosen GPU (`choice`).
///
/// Ids: `#fits` (section), `#fits-table` (rows `tr[data-gpu=<id>][data-fits=yes|no]`, headroom cell
/// `td.headroom[data-bytes]`: headroom when it fits, minus the shortfall when not), `#unit-gb`/`#unit-gib`,
/// `#measured-error`.
#[component]
pub fn FitsTable(
    #[prop(into)] estimate: Signal<Option<Result<Estimate, EstimateError>>>,
    unit: RwSignal<Unit>,
    choice: RwSignal<Option<GpuChoice>>,
) -> impl IntoView {
    let lang = use_lang();
    let rows = move || {
        estimate.with(|e| match e {
            Some(Ok(est)) => Some((fit_rows(est.total_bytes), est.gpus)),
            _ => None,
        })
    };
    let chosen_id = move || match choice.get().unwrap_or_else(GpuChoice::default_choice) {
        GpuChoice::Listed(g) => Some(g.id),
        GpuChoice::Custom(_) => None,
    };
    view! {
        <section class="card fits" id="fits" aria-labelledby="fits-h">
            <h2 id="fits-h">{tr(T::new("Fits on", "GPU별 메모리 판정"))}</h2>
            {move || match rows() {
                None => view! {
                    <p class="muted">{tr(T::new("Load a model to compare it with common GPUs.", "모델을 불러오면 주요 GPU와 비교합니다."))}</p>
                }.into_any(),
                Some((rows, n_gpus)) => {
                    let u = unit.get();
                    let l = lang.get();
                    let body = rows_html(&rows, u, l, chosen_id());
                    view! {
                        {(n_gpus > 1).then(|| view! {
                            <p class="muted small">{match l {
                                Lang::En => format!("Per GPU: each of the {n_gpus} GPUs of the job needs the estimate above."),
                                Lang::Ko => format!("GPU당 기준: 작업에 쓰는 GPU {n_gpus}개 각각에 위 추정치만큼의 메모리가 필요합니다."),
                            }}</p>
                        })}
                        <div class="table-scroll">
                            <table id="fits-table" class="fits-table">
                                <caption class="sr-only">{T::new("Predicted peak against each GPU's memory", "GPU별 메모리 대비 예상 피크").get(l)}</caption>
                                <thead><tr>
                                    <th scope="col">"GPU"</th>
                                    <th scope="col" class="num">{T::new("Memory", "메모리").get(l)}</th>
                                    <th scope="col">{T::new("Verdict", "판정").get(l)}</th>
                                    <th scope="col" class="num">{T::new("Headroom", "여유").get(l)}</th>
                                    <th scope="col" class="num">{T::new("Used", "사용률").get(l)}</th>
                                </tr></thead>
                                <tbody inner_html=body on:click=move |ev| {
                                    use wasm_bindgen::JsCast;
                                    let id = ev.target()
                                        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                                        .and_then(|e| e.closest("button[data-gpu]").ok().flatten())
                                        .and_then(|b| b.get_attribute("data-gpu"));
                                    if let Some(g) = id.as_deref().and_then(gpus::by_id) {
                                        choice.set(Some(GpuChoice::Listed(g)));
                                    }
                                }></tbody>
                            </table>
                        </div>
                    }.into_any()
                }
            }}
            <p class="muted small" id="measured-error">{move || measured_error_note(lang.get())}</p>
            <p class="muted small">{tr(T::new(
                "Memory is the total the driver reports (nvidia-smi), not the figure on the box.",
                "메모리는 제품 사양에 표기된 용량이 아니라 드라이버가 보고하는 전체 용량(nvidia-smi)입니다.",
            ))}</p>
        </section>
    }
}
