//! The chart (issue 5 §5): the breakdown of the peak as one stacked horizontal bar, inline SVG drawn by the app
//! (no chart library), with the chosen GPU's capacity marked, a `<title>` tooltip on each segment and a legend.
//!
//! Colours: the Okabe–Ito palette (Okabe & Ito 2008, "Color Universal Design"), distinguishable with the common
//! colour-vision deficiencies; the two multi-GPU components reuse a hue with a hatch pattern, the two overheads
//! are greys. Positions are percentages of the width, so the bar scales with the page without distorting text.
//! Every size comes from the core's estimate; the chart only scales them.

use crate::breakdown::component_text;
use crate::fits::{GpuChoice, Unit};
use crate::i18n::{use_lang, Lang, T};
use ftmem_core::estimate::Item;
use ftmem_core::{Bytes, Estimate, EstimateError};
use leptos::prelude::*;

/// Fill of a component: a colour, and whether it is hatched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fill {
    /// CSS colour.
    pub color: &'static str,
    /// Drawn with diagonal hatching over the colour.
    pub hatched: bool,
}

/// The fill of a breakdown component by its stable name. Components that appear together always differ in
/// colour or hatching (adapters and KV cache share orange: one is training, the other inference only; autocast
/// copies and quantization buffers share sky blue: full/LoRA vs QLoRA).
pub fn fill_of(name: &str) -> Fill {
    let (color, hatched) = match name {
        "weights" => ("#0072B2", false),
        "adapters" => ("#E69F00", false),
        "kv_cache" => ("#E69F00", false),
        "autocast_copies" => ("#56B4E9", false),
        "quantization_buffers" => ("#56B4E9", false),
        "gradients" => ("#D55E00", false),
        "optimizer_states" => ("#CC79A7", false),
        "activations" => ("#009E73", false),
        "wrapped_experts" => ("#009E73", true),
        "logits" => ("#F0E442", false),
        "fused_loss" => ("#F0E442", true),
        "cublas_workspace" => ("#666666", true),
        "gathered_parameters" => ("#0072B2", true),
        "communication_buckets" => ("#D55E00", true),
        "allocator_slack" => ("#BBBBBB", false),
        "cuda_context" => ("#666666", false),
        _ => ("#999999", true),
    };
    Fill { color, hatched }
}

/// One drawn segment: left edge and width as percentages of the chart width.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// The component's stable name.
    pub name: &'static str,
    /// Its bytes.
    pub bytes: Bytes,
    /// Left edge, % of the width.
    pub x: f64,
    /// Width, % of the width.
    pub w: f64,
}

/// Where everything goes: the segments in the breakdown's order, the bar's end and the capacity mark (% of the
/// width). The scale is the larger of the total and the capacity, so both are always inside the chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Segments (components with 0 bytes are left out).
    pub segments: Vec<Segment>,
    /// Right end of the bar, %.
    pub total_x: f64,
    /// The capacity mark, %, if a capacity was given.
    pub capacity_x: Option<f64>,
}

/// Lay out `components` (summing to `total`) against `capacity`.
pub fn layout(components: &[Item], total: Bytes, capacity: Option<Bytes>) -> Layout {
    let scale = total.0.max(capacity.map_or(0, |c| c.0)).max(1) as f64;
    let pct = |b: u64| b as f64 / scale * 100.0;
    let mut x = 0.0;
    let mut segments = Vec::with_capacity(components.len());
    for c in components.iter().filter(|c| c.bytes.0 > 0) {
        let w = pct(c.bytes.0);
        segments.push(Segment {
            name: c.name,
            bytes: c.bytes,
            x,
            w,
        });
        x += w;
    }
    Layout {
        segments,
        total_x: pct(total.0),
        capacity_x: capacity.map(|c| pct(c.0)),
    }
}

fn pct(v: f64) -> String {
    format!("{:.3}%", v.clamp(0.0, 100.0))
}

/// The chart for `estimate` with the capacity of `gpu` marked, in a card headed "At a glance".
///
/// Ids: `#chart` (the `<figure>`), segments `rect[data-item=<name>][data-bytes]` each with a `<title>`,
/// `#chart-capacity` (the mark, `data-bytes` = capacity), `#chart-legend`.
#[component]
pub fn Chart(
    #[prop(into)] estimate: Signal<Option<Result<Estimate, EstimateError>>>,
    /// The GPU whose capacity is marked (`None`: no mark).
    #[prop(into)]
    gpu: Signal<Option<GpuChoice>>,
    #[prop(into)] unit: Signal<Unit>,
) -> impl IntoView {
    let lang = use_lang();
    let body = move || {
        let l = lang.get();
        let u = unit.get();
        let cap = gpu.get().map(|g| (g.short_label(l), g.capacity()));
        estimate.with(|e| match e {
            Some(Ok(est)) => Some(chart_view(est, cap, u, l)),
            _ => None,
        })
    };
    view! {
        <section class="card chart-card" aria-labelledby="chart-h">
            <h2 id="chart-h">{move || T::new("At a glance", "한눈에 보기").get(lang.get())}</h2>
            {body}
        </section>
    }
}

fn label_of(name: &'static str, l: Lang) -> String {
    component_text(name).map_or_else(
        || crate::format::item_label(name),
        |(label, _)| label.get(l).to_string(),
    )
}

/// Escape text for HTML/SVG markup.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The SVG markup of the bar (built as text: static markup with no handlers, far smaller in wasm than a view
/// tree; every piece of text in it goes through [`escape`]).
pub fn chart_svg(
    est: &Estimate,
    cap: Option<&(String, Bytes)>,
    u: Unit,
    l: Lang,
    summary: &str,
) -> String {
    use std::fmt::Write;
    let lay = layout(&est.components, est.total_bytes, cap.map(|c| c.1));
    let mut svg = String::with_capacity(2048);
    let _ = write!(
        svg,
        r#"<svg width="100%" height="70" role="img" aria-label="{}" class="chart-svg"><defs><pattern id="ftmem-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="3" height="6" fill="rgba(255,255,255,0.55)"/></pattern></defs><rect x="0" y="18" width="100%" height="34" class="track"/>"#,
        escape(summary)
    );
    for sg in &lay.segments {
        let f = fill_of(sg.name);
        let tip = format!("{}: {}", label_of(sg.name, l), u.format(sg.bytes));
        let _ = write!(
            svg,
            r#"<rect data-item="{}" data-bytes="{}" x="{}" y="18" width="{}" height="34" fill="{}" class="seg"><title>{}</title></rect>"#,
            escape(sg.name),
            sg.bytes.0,
            pct(sg.x),
            pct(sg.w),
            f.color,
            escape(&tip)
        );
        if f.hatched {
            let _ = write!(
                svg,
                r#"<rect x="{}" y="18" width="{}" height="34" fill="url(#ftmem-hatch)" pointer-events="none"/>"#,
                pct(sg.x),
                pct(sg.w)
            );
        }
    }
    let _ = write!(
        svg,
        r#"<line x1="{0}" x2="{0}" y1="14" y2="56" class="total-line"/>"#,
        pct(lay.total_x)
    );
    if let (Some((name, bytes)), Some(x)) = (cap, lay.capacity_x) {
        // Keep the label inside the chart: to the left of the mark when the mark is on the right.
        let (anchor, tx) = if x > 50.0 {
            ("end", x - 0.8)
        } else {
            ("start", x + 0.8)
        };
        let text = escape(&format!("{name} · {}", u.format_short(*bytes)));
        let _ = write!(
            svg,
            r#"<g id="chart-capacity" data-bytes="{}"><line x1="{1}" x2="{1}" y1="4" y2="66" class="cap-line"/><text x="{2}" y="13" text-anchor="{3}" class="cap-label">{4}</text><title>{4}</title></g>"#,
            bytes.0,
            pct(x),
            pct(tx),
            anchor,
            text
        );
    }
    svg.push_str("</svg>");
    svg
}

/// The legend's `<li>` items, as markup (see [`chart_svg`]).
pub fn legend_html(est: &Estimate, u: Unit, l: Lang) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(1024);
    for c in est.components.iter().filter(|c| c.bytes.0 > 0) {
        let f = fill_of(c.name);
        let hatch = if f.hatched {
            r#"<rect width="14" height="14" fill="url(#ftmem-hatch)"/>"#
        } else {
            ""
        };
        let _ = write!(
            out,
            r#"<li data-item="{}"><svg class="swatch" width="14" height="14" aria-hidden="true"><rect width="14" height="14" fill="{}"/>{}</svg>{} <span class="muted">{}</span></li>"#,
            escape(c.name),
            f.color,
            hatch,
            escape(&label_of(c.name, l)),
            escape(&u.format_short(c.bytes))
        );
    }
    out
}

fn chart_view(est: &Estimate, cap: Option<(String, Bytes)>, u: Unit, l: Lang) -> impl IntoView {
    let fits = cap.as_ref().is_none_or(|c| est.total_bytes <= c.1);
    let summary = match (&cap, l) {
        (Some((name, b)), Lang::En) => format!(
            "Peak {} of {} on {name}: {}.",
            u.format_short(est.total_bytes),
            u.format_short(*b),
            if fits { "fits" } else { "does not fit" }
        ),
        (Some((name, b)), Lang::Ko) => format!(
            "{name}의 {} 중 피크 {} 사용: {}.",
            u.format_short(*b),
            u.format_short(est.total_bytes),
            if fits { "메모리에 들어감" } else { "메모리 부족" }
        ),
        (None, Lang::En) => format!("Peak {}.", u.format_short(est.total_bytes)),
        (None, Lang::Ko) => format!("피크 {}.", u.format_short(est.total_bytes)),
    };
    let svg = chart_svg(est, cap.as_ref(), u, l, &summary);
    let legend = legend_html(est, u, l);
    view! {
        <figure id="chart" class="chart" data-fits=if fits { "yes" } else { "no" }>
            <div class="chart-box" inner_html=svg></div>
            <figcaption class="muted small">{summary}</figcaption>
            <ul id="chart-legend" class="legend" inner_html=legend></ul>
        </figure>
    }
}
