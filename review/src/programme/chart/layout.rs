//! A chart's geometry in px, pure and host-tested: columns or rows, one
//! series or several stacked, the value axis, and labels thinned or cut
//! so they fit the width.
use super::scale::{nice_scale, Scale};
use super::{Bar, ChartData, Orientation, COLOURS};
use crate::programme::format::number;

/// Chart text size in px (the SVG is drawn 1:1 with the page).
const FONT: f64 = 14.0;
/// A generous average character width of system-ui at [`FONT`], to decide
/// what fits without measuring text in the browser.
const CHAR_W: f64 = FONT * 0.6;
/// Narrowest drawing: below this the labels cannot fit anyway.
const MIN_WIDTH: f64 = 240.0;
/// Plot height of a column chart.
const COLUMNS_PLOT_H: f64 = 200.0;
/// Row chart: the label line, the bar, the gap to the next row.
const ROW_LABEL_H: f64 = FONT + 5.0;
const ROW_BAR_H: f64 = 18.0;
const ROW_GAP: f64 = 12.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

impl Anchor {
    pub(super) fn svg(self) -> &'static str {
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

/// A chart's geometry in px, drawn as it is by `BarChart`.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::programme::chart::tests::one_series;
    use crate::programme::chart::Series;

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
    fn long_labels_are_cut_with_an_ellipsis() {
        assert_eq!(fit("Bus Station", 200.0), "Bus Station");
        let cut = fit(
            "s60 Criminal Justice and Public Order Act 1994",
            10.0 * CHAR_W,
        );
        assert_eq!(cut.chars().count(), 10);
        assert!(cut.ends_with('…'));
    }
}
