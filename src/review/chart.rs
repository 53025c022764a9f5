//! Bar charts as inline SVG drawn in Rust: no chart library, nothing from
//! the network (the CSP allows neither), colours from CSS classes
//! (`style/review-return.css`) so dark mode and print follow the stylesheet.
//!
//! One chart serves every figure of the return: columns (weeks) or rows
//! (powers, hotspots: long names read on a line of their own above the
//! bar), one series or several stacked. [`layout`] is pure geometry, tested
//! on the host; [`BarChart`] draws it at the width its box really has, so
//! text keeps its size on a phone and on a desktop rather than shrinking
//! and growing with the picture.
use super::return_format::number;
use leptos::prelude::*;

/// Chart text size in px (the SVG is drawn 1:1 with the page).
const FONT: f64 = 14.0;
/// A generous average character width of system-ui at [`FONT`], to decide
/// what fits without measuring text in the browser.
const CHAR_W: f64 = FONT * 0.6;
/// How many steps the value axis aims for.
const TICKS: f64 = 5.0;
/// Colours the stylesheet defines (`.s0` … `.s6`).
pub const COLOURS: usize = 7;
/// Width drawn before the box has been measured.
const DEFAULT_WIDTH: f64 = 600.0;
/// Narrowest drawing: below this the labels cannot fit anyway.
const MIN_WIDTH: f64 = 240.0;
/// Plot height of a column chart.
const COLUMNS_PLOT_H: f64 = 200.0;
/// Row chart: the label line, the bar, the gap to the next row.
const ROW_LABEL_H: f64 = FONT + 5.0;
const ROW_BAR_H: f64 = 18.0;
const ROW_GAP: f64 = 12.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orientation {
    /// Upright bars along a horizontal axis (a time series).
    Columns,
    /// Horizontal bars, one under the other, each named above its bar.
    Rows,
}

/// One stacked part of every bar (one series: a plain bar chart).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    /// Index of its colour class; stable per meaning (an outcome keeps its
    /// colour whichever others are present).
    pub colour: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// Short text on the axis (`5 Oct`).
    pub label: String,
    /// The full name, for tooltips, the summary and the data table.
    pub name: String,
    /// One value per series.
    pub values: Vec<f64>,
}

impl Bar {
    pub fn total(&self) -> f64 {
        self.values.iter().sum()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChartData {
    /// What a bar is, as the data table's first column header (`Week`).
    pub key: &'static str,
    /// What the bars are, plural, for the summary (`weeks`).
    pub what: &'static str,
    pub series: Vec<Series>,
    pub bars: Vec<Bar>,
    /// Places values are written with: 0 for counts (whole-number ticks).
    pub decimals: u32,
    pub orientation: Orientation,
}

impl ChartData {
    /// Nothing to draw: no bars, or only zeros (a month with no patrols
    /// yet still has its weeks). The figure then says "No data".
    pub fn is_empty(&self) -> bool {
        self.bars.iter().all(|b| b.total() <= 0.0)
    }

    fn value(&self, v: f64) -> String {
        number(v, self.decimals)
    }
}

/// The value axis: 0 to `max` in steps of `step`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    pub max: f64,
    pub step: f64,
    /// Places the tick labels need (`0.2` needs 1).
    pub decimals: u32,
}

impl Scale {
    pub fn ticks(&self) -> Vec<f64> {
        let n = (self.max / self.step).round() as usize;
        (0..=n).map(|i| i as f64 * self.step).collect()
    }
}

/// A scale whose ticks are round numbers (1, 2, 2.5 or 5 times a power of
/// ten) reaching at least `top` in about five steps. Counts (`whole`) never
/// get fractional steps. An empty or zero chart still gets 0 to 1, so the
/// axis reads as "nothing" rather than dividing by zero.
pub fn nice_scale(top: f64, whole: bool) -> Scale {
    let top = if top.is_finite() && top > 0.0 {
        top
    } else {
        1.0
    };
    let raw = top / TICKS;
    let magnitude = 10f64.powf(raw.log10().floor());
    let candidates: &[f64] = if whole && magnitude < 10.0 {
        // 2.5 is not a whole step at magnitudes 1 (2.5) and below.
        &[1.0, 2.0, 5.0, 10.0]
    } else {
        &[1.0, 2.0, 2.5, 5.0, 10.0]
    };
    let nice = candidates
        .iter()
        .copied()
        .find(|c| c * magnitude >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0);
    let mut step = nice * magnitude;
    if whole {
        step = step.round().max(1.0);
    }
    let max = (top / step - 1e-9).ceil().max(1.0) * step;
    Scale {
        max,
        step,
        decimals: places(step),
    }
}

/// The decimal places `step` needs to be written exactly (at most 6).
fn places(step: f64) -> u32 {
    (0..6)
        .find(|d| {
            let scaled = step * 10f64.powi(*d as i32);
            (scaled - scaled.round()).abs() < 1e-6
        })
        .unwrap_or(6)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

impl Anchor {
    fn svg(self) -> &'static str {
        match self {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    pub colour: usize,
    /// The bar's tooltip: name, series and value.
    pub title: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    pub x: f64,
    pub y: f64,
    pub text: String,
    pub anchor: Anchor,
    /// `tick` (axis values), `label` (bar names) or `value` (bar totals).
    pub class: &'static str,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub x1: f64,
    pub y1: f64,
    pub x2: f64,
    pub y2: f64,
    /// `grid` or `axis`.
    pub class: &'static str,
}

/// A chart's geometry in px, drawn as it is by [`BarChart`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Layout {
    pub width: f64,
    pub height: f64,
    pub lines: Vec<Line>,
    pub rects: Vec<Rect>,
    pub texts: Vec<Text>,
}

/// Rough width of `text` at the chart's font size.
fn text_width(text: &str) -> f64 {
    text.chars().count() as f64 * CHAR_W
}

/// `text` cut to `max` px with an ellipsis (the tooltip and the data table
/// still carry it in full).
fn fit(text: &str, max: f64) -> String {
    let room = (max / CHAR_W).floor().max(1.0) as usize;
    if text.chars().count() <= room {
        return text.into();
    }
    let mut cut: String = text.chars().take(room.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// The tooltip of one part of a bar.
fn title(data: &ChartData, bar: &Bar, series: usize, value: f64) -> String {
    match data.series.get(series) {
        Some(s) if data.series.len() > 1 => {
            format!("{}, {}: {}", bar.name, s.name, data.value(value))
        }
        _ => format!("{}: {}", bar.name, data.value(value)),
    }
}

fn colour(data: &ChartData, series: usize) -> usize {
    data.series.get(series).map_or(series, |s| s.colour) % COLOURS
}

/// The geometry of `data` drawn `width` px wide.
pub fn layout(data: &ChartData, width: f64) -> Layout {
    let width = width.max(MIN_WIDTH);
    let top = data.bars.iter().map(Bar::total).fold(0.0, f64::max);
    let scale = nice_scale(top, data.decimals == 0);
    match data.orientation {
        Orientation::Columns => columns(data, scale, width),
        Orientation::Rows => rows(data, scale, width),
    }
}

fn columns(data: &ChartData, scale: Scale, width: f64) -> Layout {
    let tick_texts: Vec<(f64, String)> = scale
        .ticks()
        .into_iter()
        .map(|v| (v, number(v, scale.decimals)))
        .collect();
    let left = tick_texts
        .iter()
        .map(|(_, t)| text_width(t))
        .fold(0.0, f64::max)
        + 10.0;
    // Room above the top tick's label, and under the axis for bar labels.
    let top = FONT * 0.6;
    let base = top + COLUMNS_PLOT_H;
    let mut out = Layout {
        width,
        height: base + FONT + 12.0,
        ..Layout::default()
    };
    let plot_w = (width - left - 4.0).max(1.0);
    let y_of = |v: f64| base - v / scale.max * COLUMNS_PLOT_H;
    for (v, text) in tick_texts {
        let y = y_of(v);
        out.lines.push(Line {
            x1: left,
            y1: y,
            x2: width,
            y2: y,
            class: "grid",
        });
        out.texts.push(Text {
            x: left - 6.0,
            y: y + FONT * 0.35,
            text,
            anchor: Anchor::End,
            class: "tick",
        });
    }
    let slot = plot_w / data.bars.len().max(1) as f64;
    let bar_w = if slot < 3.0 { slot } else { slot * 0.7 };
    // Label every k-th bar so labels never overlap (a year has 53 weeks).
    let widest = data
        .bars
        .iter()
        .map(|b| text_width(&b.label))
        .fold(0.0, f64::max);
    let every = ((widest + 8.0) / slot).ceil().max(1.0) as usize;
    for (i, bar) in data.bars.iter().enumerate() {
        let x = left + i as f64 * slot + (slot - bar_w) / 2.0;
        let mut under = 0.0;
        for (s, value) in bar.values.iter().enumerate() {
            if *value <= 0.0 {
                continue;
            }
            let h = value / scale.max * COLUMNS_PLOT_H;
            out.rects.push(Rect {
                x,
                y: y_of(under) - h,
                w: bar_w,
                h,
                colour: colour(data, s),
                title: title(data, bar, s, *value),
            });
            under += value;
        }
        if i % every == 0 {
            out.texts.push(Text {
                x: left + (i as f64 + 0.5) * slot,
                y: base + FONT + 4.0,
                text: bar.label.clone(),
                anchor: Anchor::Middle,
                class: "label",
            });
        }
    }
    out.lines.push(Line {
        x1: left,
        y1: base,
        x2: width,
        y2: base,
        class: "axis",
    });
    out
}

fn rows(data: &ChartData, scale: Scale, width: f64) -> Layout {
    // Totals are written after each bar: keep room for the longest.
    let totals: Vec<String> = data.bars.iter().map(|b| data.value(b.total())).collect();
    let tick_texts: Vec<(f64, String)> = scale
        .ticks()
        .into_iter()
        .map(|v| (v, number(v, scale.decimals)))
        .collect();
    let right = totals
        .iter()
        .chain(tick_texts.iter().map(|(_, t)| t))
        .map(|t| text_width(t))
        .fold(0.0, f64::max)
        + 8.0;
    let left = 2.0;
    let plot_w = (width - left - right).max(1.0);
    let row_h = ROW_LABEL_H + ROW_BAR_H + ROW_GAP;
    let rows_bottom = 4.0 + data.bars.len() as f64 * row_h - ROW_GAP;
    let mut out = Layout {
        width,
        height: rows_bottom + FONT + 12.0,
        ..Layout::default()
    };
    let x_of = |v: f64| left + v / scale.max * plot_w;
    for (i, (v, text)) in tick_texts.into_iter().enumerate() {
        let x = x_of(v);
        out.lines.push(Line {
            x1: x,
            y1: 4.0,
            x2: x,
            y2: rows_bottom,
            class: if i == 0 { "axis" } else { "grid" },
        });
        out.texts.push(Text {
            x,
            y: rows_bottom + FONT + 4.0,
            text,
            // The first label would be half cut off at the left edge.
            anchor: if i == 0 {
                Anchor::Start
            } else {
                Anchor::Middle
            },
            class: "tick",
        });
    }
    for (i, (bar, total)) in data.bars.iter().zip(totals).enumerate() {
        let row_top = 4.0 + i as f64 * row_h;
        let bar_y = row_top + ROW_LABEL_H;
        // Indented off the axis line the bars grow from.
        out.texts.push(Text {
            x: left + 4.0,
            y: row_top + FONT,
            text: fit(&bar.label, width - left - 4.0),
            anchor: Anchor::Start,
            class: "label",
        });
        let mut before = 0.0;
        for (s, value) in bar.values.iter().enumerate() {
            if *value <= 0.0 {
                continue;
            }
            out.rects.push(Rect {
                x: x_of(before),
                y: bar_y,
                w: x_of(before + value) - x_of(before),
                h: ROW_BAR_H,
                colour: colour(data, s),
                title: title(data, bar, s, *value),
            });
            before += value;
        }
        out.texts.push(Text {
            x: x_of(before) + 6.0,
            y: bar_y + ROW_BAR_H * 0.5 + FONT * 0.35,
            text: total,
            anchor: Anchor::Start,
            class: "value",
        });
    }
    out
}

/// What the chart shows, in one sentence: the SVG's accessible name.
pub fn summary(caption: &str, data: &ChartData) -> String {
    let highest = data.bars.iter().fold(None::<&Bar>, |best, b| match best {
        Some(x) if x.total() >= b.total() => Some(x),
        _ => Some(b),
    });
    let Some(highest) = highest else {
        return format!("{caption}: no data");
    };
    let total: f64 = data.bars.iter().map(Bar::total).sum();
    let mut text = format!(
        "{caption}, {} {}: highest {} ({}), total {}",
        data.bars.len(),
        data.what,
        highest.name,
        data.value(highest.total()),
        data.value(total)
    );
    if data.series.len() > 1 {
        let names: Vec<&str> = data.series.iter().map(|s| s.name.as_str()).collect();
        text.push_str(&format!("; stacked by {}", names.join(", ")));
    }
    text.push('.');
    text
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn one_series(values: &[f64], orientation: Orientation, decimals: u32) -> ChartData {
        ChartData {
            key: "Week",
            what: "weeks",
            series: vec![Series {
                name: "Patrols".into(),
                colour: 0,
            }],
            bars: values
                .iter()
                .enumerate()
                .map(|(i, v)| Bar {
                    label: format!("w{i}"),
                    name: format!("Week {i}"),
                    values: vec![*v],
                })
                .collect(),
            decimals,
            orientation,
        }
    }

    #[test]
    fn scales_end_on_round_numbers() {
        let s = nice_scale(412.0, true);
        assert_eq!((s.max, s.step, s.decimals), (500.0, 100.0, 0));
        assert_eq!(s.ticks(), [0.0, 100.0, 200.0, 300.0, 400.0, 500.0]);
        let s = nice_scale(7.0, true);
        assert_eq!((s.max, s.step), (8.0, 2.0));
        let s = nice_scale(1200.0, true);
        assert_eq!((s.max, s.step), (1250.0, 250.0));
        let s = nice_scale(100.0, true);
        assert_eq!((s.max, s.step), (100.0, 20.0));
    }

    #[test]
    fn counts_never_get_fractional_ticks() {
        for top in [1.0, 2.0, 3.0, 4.0, 6.0, 11.0, 13.0] {
            let s = nice_scale(top, true);
            assert_eq!(s.step.fract(), 0.0, "top {top}");
            assert!(s.max >= top && s.max <= top * 2.0 + 1.0, "top {top}: {s:?}");
            assert_eq!(s.decimals, 0);
        }
        let s = nice_scale(3.0, true);
        assert_eq!((s.max, s.step), (3.0, 1.0));
    }

    #[test]
    fn hours_get_decimal_ticks_when_small() {
        let s = nice_scale(0.78, false);
        assert!(
            (s.step - 0.2).abs() < 1e-9 && (s.max - 0.8).abs() < 1e-9,
            "{s:?}"
        );
        assert_eq!(s.decimals, 1);
        let s = nice_scale(11.0, false);
        assert_eq!((s.max, s.step, s.decimals), (12.5, 2.5, 1));
    }

    #[test]
    fn empty_and_zero_charts_get_a_unit_axis() {
        for top in [0.0, -3.0, f64::NAN, f64::INFINITY] {
            let s = nice_scale(top, true);
            assert_eq!((s.max, s.step), (1.0, 1.0));
        }
    }

    #[test]
    fn columns_are_proportional_and_fit_the_width() {
        let data = one_series(&[100.0, 400.0, 0.0, 250.0], Orientation::Columns, 0);
        let l = layout(&data, 600.0);
        // A zero draws no rectangle (its height would be 0).
        assert_eq!(l.rects.len(), 3);
        let (a, b) = (&l.rects[0], &l.rects[1]);
        assert!((b.h / a.h - 4.0).abs() < 1e-9);
        // All bars stand on the same axis line and stay inside the picture.
        for r in &l.rects {
            assert!((r.y + r.h - (l.rects[0].y + l.rects[0].h)).abs() < 1e-9);
            assert!(r.x >= 0.0 && r.x + r.w <= l.width && r.y >= 0.0);
        }
        assert_eq!(l.rects[1].title, "Week 1: 400");
        assert_eq!(l.texts.iter().filter(|t| t.class == "label").count(), 4);
    }

    #[test]
    fn crowded_column_labels_are_thinned() {
        let values = vec![5.0; 53];
        let data = one_series(&values, Orientation::Columns, 0);
        let l = layout(&data, 360.0);
        let labels: Vec<&Text> = l.texts.iter().filter(|t| t.class == "label").collect();
        assert!(labels.len() < 53 && labels.len() > 3, "{}", labels.len());
        for pair in labels.windows(2) {
            let gap = pair[1].x - pair[0].x;
            assert!(gap >= text_width(&pair[0].text), "labels overlap");
        }
        // Every week still has its bar.
        assert_eq!(l.rects.len(), 53);
    }

    #[test]
    fn rows_stack_series_and_name_each_bar() {
        let data = ChartData {
            key: "Power",
            what: "powers",
            series: vec![
                Series {
                    name: "Arrest".into(),
                    colour: 0,
                },
                Series {
                    name: "No further action".into(),
                    colour: 6,
                },
            ],
            bars: vec![
                Bar {
                    label: "s1 PACE (stolen or prohibited articles)".into(),
                    name: "s1 PACE (stolen or prohibited articles)".into(),
                    values: vec![3.0, 9.0],
                },
                Bar {
                    label: "s23 Misuse of Drugs Act 1971".into(),
                    name: "s23 Misuse of Drugs Act 1971".into(),
                    values: vec![0.0, 4.0],
                },
            ],
            decimals: 0,
            orientation: Orientation::Rows,
        };
        let l = layout(&data, 320.0);
        assert_eq!(l.rects.len(), 3);
        let (arrest, nfa) = (&l.rects[0], &l.rects[1]);
        // The second part starts where the first ends, same row.
        assert!((arrest.x + arrest.w - nfa.x).abs() < 1e-9);
        assert_eq!(arrest.y, nfa.y);
        assert_eq!((arrest.colour, nfa.colour), (0, 6));
        assert_eq!(
            nfa.title,
            "s1 PACE (stolen or prohibited articles), No further action: 9"
        );
        // Totals follow the bars; long names are cut to the width.
        let values: Vec<&str> = l
            .texts
            .iter()
            .filter(|t| t.class == "value")
            .map(|t| t.text.as_str())
            .collect();
        assert_eq!(values, ["12", "4"]);
        for t in l.texts.iter().filter(|t| t.class == "label") {
            assert!(text_width(&t.text) <= l.width, "{}", t.text);
        }
        for r in &l.rects {
            assert!(r.x + r.w <= l.width && r.y + r.h <= l.height);
        }
    }

    #[test]
    fn no_bars_or_only_zeros_is_no_data() {
        assert!(one_series(&[], Orientation::Columns, 0).is_empty());
        assert!(one_series(&[0.0, 0.0], Orientation::Columns, 0).is_empty());
        assert!(!one_series(&[0.0, 0.5], Orientation::Columns, 1).is_empty());
    }

    #[test]
    fn long_labels_are_cut_with_an_ellipsis() {
        assert_eq!(fit("Bus Station", 200.0), "Bus Station");
        let cut = fit(
            "s60 Criminal Justice and Public Order Act 1994",
            10.0 * CHAR_W,
        );
        assert_eq!(cut.chars().count(), 10);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn summary_names_the_highest_and_the_total() {
        let data = one_series(&[100.0, 400.0, 250.0], Orientation::Columns, 0);
        assert_eq!(
            summary("Patrols per week", &data),
            "Patrols per week, 3 weeks: highest Week 1 (400), total 750."
        );
        let empty = one_series(&[], Orientation::Columns, 0);
        assert_eq!(
            summary("Patrols per week", &empty),
            "Patrols per week: no data"
        );
    }
}
