//! [`BarChart`]: a chart drawn as inline SVG at the width its box really
//! has, with its colour key and its figures as a table.
use super::layout::{layout, Layout};
use super::{summary, ChartData, Series, COLOURS};
use leptos::prelude::*;

/// Width drawn before the box has been measured.
const DEFAULT_WIDTH: f64 = 600.0;

/// A coordinate in the SVG (one decimal is finer than a pixel).
fn px(v: f64) -> String {
    beatbook_core::display::fixed(v, 1)
}

/// Width of an element, or None before it is laid out.
fn measured(node: NodeRef<leptos::html::Div>) -> Option<f64> {
    let w = node.get_untracked()?.client_width();
    (w > 0).then_some(f64::from(w))
}

fn svg_view(layout: &Layout, label: &str, stacked: bool) -> impl IntoView {
    let lines = layout
        .lines
        .iter()
        .map(|l| {
            view! { <line class=l.class x1=px(l.x1) y1=px(l.y1) x2=px(l.x2) y2=px(l.y2) /> }
        })
        .collect_view();
    let rects = layout
        .rects
        .iter()
        .map(|r| {
            view! {
                <rect class=format!("seg s{}", r.colour) x=px(r.x) y=px(r.y)
                    width=px(r.w.max(0.5)) height=px(r.h)>
                    <title>{r.title.clone()}</title>
                </rect>
            }
        })
        .collect_view();
    let texts = layout
        .texts
        .iter()
        .map(|t| {
            view! {
                <text class=t.class x=px(t.x) y=px(t.y) text-anchor=t.anchor.svg()>{t.text.clone()}</text>
            }
        })
        .collect_view();
    view! {
        <svg class=if stacked { "chart-svg stacked" } else { "chart-svg" }
            role="img" aria-label=label.to_owned()
            viewBox=format!("0 0 {} {}", px(layout.width), px(layout.height))
            width=px(layout.width) height=px(layout.height) preserveAspectRatio="xMinYMin meet">
            {lines}{rects}{texts}
        </svg>
    }
}

/// The colour key of a stacked chart, as HTML so it wraps on a phone.
fn legend(series: &[Series]) -> impl IntoView {
    (series.len() > 1).then(|| {
        let items = series
            .iter()
            .map(|s| {
                view! {
                    <li><span class=format!("swatch s{}", s.colour % COLOURS) aria-hidden="true"></span>{s.name.clone()}</li>
                }
            })
            .collect_view();
        view! { <ul class="legend">{items}</ul> }
    })
}

/// The figures behind the chart as a table, folded away: exact values for
/// anyone who cannot read a bar's length or hover a bar.
fn data_table(caption: &str, data: &ChartData) -> impl IntoView {
    let stacked = data.series.len() > 1;
    let heads = data
        .series
        .iter()
        .map(|s| view! { <th scope="col">{s.name.clone()}</th> })
        .collect_view();
    let rows = data
        .bars
        .iter()
        .map(|b| {
            let cells = b
                .values
                .iter()
                .map(|v| view! { <td>{data.value(*v)}</td> })
                .collect_view();
            let total = stacked.then(|| view! { <td>{data.value(b.total())}</td> });
            view! { <tr><th scope="row">{b.name.clone()}</th>{cells}{total}</tr> }
        })
        .collect_view();
    view! {
        <details class="chart-data no-print">
            <summary>"The figures"</summary>
            <div class="table-wrap" role="region" aria-label=format!("{caption}: the figures") tabindex="0">
                <table class="data figures">
                    <caption>{format!("{caption}: the figures")}</caption>
                    <thead><tr>
                        <th scope="col">{data.key}</th>{heads}
                        {stacked.then(|| view! { <th scope="col">"Total"</th> })}
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </details>
    }
}

/// A figure with its caption and a bar chart of `data`, or "No data"
/// when there is nothing to draw.
#[component]
pub fn BarChart(caption: &'static str, data: ChartData) -> impl IntoView {
    if data.is_empty() {
        return view! {
            <figure class="chart card">
                <figcaption>{caption}</figcaption>
                <p class="no-data muted">"No data"</p>
            </figure>
        }
        .into_any();
    }
    let label = summary(caption, &data);
    let stacked = data.series.len() > 1;
    let boxref = NodeRef::<leptos::html::Div>::new();
    let width = RwSignal::new(DEFAULT_WIDTH);
    let remeasure = move || {
        if let Some(w) = measured(boxref) {
            // Sub-pixel changes would only redraw the same picture.
            if (w - width.get_untracked()).abs() >= 1.0 {
                width.set(w);
            }
        }
    };
    Effect::new(move |_| {
        if boxref.get().is_some() {
            remeasure();
        }
    });
    let handle = window_event_listener(leptos::ev::resize, move |_| remeasure());
    on_cleanup(move || handle.remove());
    let table = data_table(caption, &data);
    let key = legend(&data.series);
    let data = StoredValue::new(data);
    let svg = move || data.with_value(|d| svg_view(&layout(d, width.get()), &label, stacked));
    view! {
        <figure class="chart card">
            <figcaption>{caption}</figcaption>
            <div class="chart-box" node_ref=boxref>{svg}</div>
            {key}
            {table}
        </figure>
    }
    .into_any()
}
