//! Bar charts as inline SVG drawn in Rust: no chart library, nothing from
//! the network (the CSP allows neither), colours from CSS classes
//! (`style/review-return.css`) so dark mode and print follow the stylesheet.
//!
//! One chart serves every figure of the return: columns (weeks) or rows
//! (powers, hotspots: long names read on a line of their own above the
//! bar), one series or several stacked. [`layout`] (the geometry) and
//! [`scale`] (the value axis) are pure, tested on the host; [`BarChart`]
//! draws the layout at the width its box really has, so text keeps its
//! size on a phone and on a desktop rather than shrinking and growing with
//! the picture.
mod layout;
mod scale;
mod view;

pub use view::BarChart;

use super::format::number;

/// Colours the stylesheet defines (`.s0` … `.s6`).
pub const COLOURS: usize = 7;

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

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn one_series(values: &[f64], orientation: Orientation, decimals: u32) -> ChartData {
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
    fn no_bars_or_only_zeros_is_no_data() {
        assert!(one_series(&[], Orientation::Columns, 0).is_empty());
        assert!(one_series(&[0.0, 0.0], Orientation::Columns, 0).is_empty());
        assert!(!one_series(&[0.0, 0.5], Orientation::Columns, 1).is_empty());
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
