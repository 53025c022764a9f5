//! The return's figures as chart data (pure, host-tested): patrols and
//! person-hours per week and per hotspot, stop and search outcomes per
//! power, ASB interventions per power. Codes become their labels here, so
//! a chart says "Community Protection Notice", never `cpn`.
use super::chart::{Bar, ChartData, Orientation, Series};
use super::format::{label, long_date, short_date};
use beatbook_core::codes::{AsbPower, SearchOutcome, SearchPower};
use beatbook_core::review::{Figures, ProgrammeReturn};
use beatbook_core::Code;
use std::collections::BTreeSet;

/// The area the server files entries made outside any patrol under: not a
/// hotspot, so not drawn among them (the tables and rows still show it).
const NO_PATROL: &str = "(no patrol)";

fn single(name: &str) -> Vec<Series> {
    vec![Series {
        name: name.into(),
        colour: 0,
    }]
}

fn week_chart(
    ret: &ProgrammeReturn,
    series: &str,
    decimals: u32,
    value: fn(f64, u64) -> f64,
) -> ChartData {
    ChartData {
        key: "Week beginning",
        what: "weeks",
        series: single(series),
        bars: ret
            .by_week
            .iter()
            .map(|w| Bar {
                label: short_date(&w.week),
                name: format!("Week of {}", long_date(&w.week)),
                values: vec![value(w.person_hours, w.patrols)],
            })
            .collect(),
        decimals,
        orientation: Orientation::Columns,
    }
}

/// Patrols started in each week of the period.
pub fn patrols_per_week(ret: &ProgrammeReturn) -> ChartData {
    week_chart(ret, "Patrols", 0, |_, patrols| patrols as f64)
}

/// Person-hours patrolled in each week (clipped to the period by the server).
pub fn hours_per_week(ret: &ProgrammeReturn) -> ChartData {
    week_chart(ret, "Person-hours", 1, |hours, _| hours)
}

/// Hotspots, busiest first (by patrols, then hours, then name), so the
/// two hotspot charts list them in the same order.
fn hotspots(ret: &ProgrammeReturn) -> Vec<(String, &Figures)> {
    // The force's listed hotspots, by ID; a return from before they were
    // listed has only the places patrols typed.
    let mut areas: Vec<(String, &Figures)> = if ret.by_hotspot.is_empty() {
        ret.by_area
            .iter()
            .filter(|(name, _)| name.as_str() != NO_PATROL)
            .map(|(name, f)| (name.clone(), f))
            .collect()
    } else {
        ret.by_hotspot
            .iter()
            .map(|(id, f)| (super::tables::hotspot_name(ret, id), f))
            .collect()
    };
    areas.sort_by(|a, b| {
        b.1.patrols
            .cmp(&a.1.patrols)
            .then(b.1.person_hours.total_cmp(&a.1.person_hours))
            .then(a.0.cmp(&b.0))
    });
    areas
}

fn area_chart(
    ret: &ProgrammeReturn,
    series: &str,
    decimals: u32,
    value: fn(&Figures) -> f64,
) -> ChartData {
    ChartData {
        key: "Hotspot",
        what: "hotspots",
        series: single(series),
        bars: hotspots(ret)
            .into_iter()
            .map(|(name, f)| Bar {
                label: name.clone(),
                name,
                values: vec![value(f)],
            })
            .collect(),
        decimals,
        orientation: Orientation::Rows,
    }
}

/// Patrols per hotspot: the dose each hotspot got.
pub fn patrols_per_area(ret: &ProgrammeReturn) -> ChartData {
    area_chart(ret, "Patrols", 0, |f| f.patrols as f64)
}

/// Person-hours per hotspot.
pub fn hours_per_area(ret: &ProgrammeReturn) -> ChartData {
    area_chart(ret, "Person-hours", 1, |f| f.person_hours)
}

/// Codes of a list in its order, then unknown ones (a newer server) in
/// code order, keeping only those `present` holds.
fn in_list_order<C: Code>(present: &BTreeSet<&str>) -> Vec<String> {
    let known = C::ALL
        .iter()
        .map(|c| c.code())
        .filter(|c| present.contains(c));
    let unknown = present
        .iter()
        .copied()
        .filter(|c| C::from_code(c).is_none());
    known.chain(unknown).map(str::to_owned).collect()
}

/// A colour per outcome that does not depend on which others occur, so
/// "No further action" is the same grey in every return.
fn outcome_colour(code: &str) -> usize {
    SearchOutcome::ALL
        .iter()
        .position(|o| o.code() == code)
        .unwrap_or(SearchOutcome::ALL.len())
}

/// Stop and searches per power, stacked by outcome. Only powers used and
/// outcomes that occurred are drawn.
pub fn outcomes_by_power(f: &Figures) -> ChartData {
    let by_power = &f.stop_search_outcomes_by_power;
    let powers: BTreeSet<&str> = by_power
        .iter()
        .filter(|(_, outcomes)| outcomes.values().any(|n| *n > 0))
        .map(|(p, _)| p.as_str())
        .collect();
    let outcomes: BTreeSet<&str> = by_power
        .values()
        .flat_map(|o| o.iter().filter(|(_, n)| **n > 0).map(|(k, _)| k.as_str()))
        .collect();
    let outcomes = in_list_order::<SearchOutcome>(&outcomes);
    let bars = in_list_order::<SearchPower>(&powers)
        .into_iter()
        .map(|power| {
            let counts = by_power.get(&power);
            let name = label::<SearchPower>(&power);
            Bar {
                label: name.clone(),
                name,
                values: outcomes
                    .iter()
                    .map(|o| counts.and_then(|c| c.get(o)).copied().unwrap_or(0) as f64)
                    .collect(),
            }
        })
        .collect();
    ChartData {
        key: "Power",
        what: "powers",
        series: outcomes
            .iter()
            .map(|o| Series {
                name: label::<SearchOutcome>(o),
                colour: outcome_colour(o),
            })
            .collect(),
        bars,
        decimals: 0,
        orientation: Orientation::Rows,
    }
}

/// ASB interventions per power, every power of the list (a zero is a
/// figure the programme reports), then any the list does not know.
pub fn asb_by_power(f: &Figures) -> ChartData {
    let bars = super::format::by_code::<AsbPower>(&f.asb)
        .into_iter()
        .map(|c| Bar {
            label: c.label.clone(),
            name: c.label,
            values: vec![c.count as f64],
        })
        .collect();
    ChartData {
        key: "Power",
        what: "powers",
        series: single("Interventions"),
        bars,
        decimals: 0,
        orientation: Orientation::Rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use beatbook_core::review::{HotspotLabel, WeekFigures};
    use std::collections::BTreeMap;

    fn counts(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
    }

    fn sample() -> ProgrammeReturn {
        let area = |patrols: u64, hours: f64| Figures {
            patrols,
            person_hours: hours,
            ..Figures::default()
        };
        ProgrammeReturn {
            from: "2026-10-01".into(),
            to: "2026-10-31".into(),
            time_zone: "Europe/London".into(),
            totals: Figures::default(),
            by_area: [
                ("Bus Station".to_owned(), area(4, 1.5)),
                ("Market Square".to_owned(), area(9, 2.25)),
                (NO_PATROL.to_owned(), area(0, 0.0)),
                ("Alma Road".to_owned(), area(4, 1.5)),
            ]
            .into_iter()
            .collect(),
            by_role: BTreeMap::new(),
            by_week: vec![
                WeekFigures {
                    week: "2026-09-28".into(),
                    patrols: 3,
                    person_hours: 0.75,
                },
                WeekFigures {
                    week: "2026-10-05".into(),
                    patrols: 10,
                    person_hours: 2.5,
                },
            ],
            disputed_shifts: 0,
            disputed: Figures::default(),
            withdrawn: 0,
            ..ProgrammeReturn::default()
        }
    }

    #[test]
    fn weeks_become_columns_named_by_their_monday() {
        let ret = sample();
        let p = patrols_per_week(&ret);
        assert_eq!(p.orientation, Orientation::Columns);
        assert_eq!(p.bars[0].label, "28 Sep");
        assert_eq!(p.bars[0].name, "Week of 28 Sep 2026");
        assert_eq!(p.bars[1].values, [10.0]);
        let h = hours_per_week(&ret);
        assert_eq!((h.bars[1].values[0], h.decimals), (2.5, 1));
    }

    #[test]
    fn empty_weeks_give_no_bars() {
        let ret = ProgrammeReturn {
            by_week: vec![],
            ..sample()
        };
        assert!(patrols_per_week(&ret).is_empty());
    }

    #[test]
    fn hotspots_busiest_first_without_the_no_patrol_bucket() {
        let ret = sample();
        let names: Vec<String> = patrols_per_area(&ret)
            .bars
            .into_iter()
            .map(|b| b.name)
            .collect();
        assert_eq!(names, ["Market Square", "Alma Road", "Bus Station"]);
        let hours: Vec<f64> = hours_per_area(&ret)
            .bars
            .iter()
            .map(|b| b.values[0])
            .collect();
        assert_eq!(hours, [2.25, 1.5, 1.5]);
    }

    #[test]
    fn a_force_that_lists_hotspots_charts_them_by_id_under_their_names_now() {
        let figures = |patrols: u64| Figures {
            patrols,
            ..Figures::default()
        };
        let label = |name: &str, retired: bool| HotspotLabel {
            name: name.into(),
            area: "Centre".into(),
            retired,
        };
        let ret = ProgrammeReturn {
            // The typed places are not hotspots: left out of the charts.
            by_hotspot: [
                ("hs-1".to_owned(), figures(2)),
                ("hs-2".to_owned(), figures(5)),
            ]
            .into_iter()
            .collect(),
            hotspots: [
                ("hs-1".to_owned(), label("Market Place", false)),
                ("hs-2".to_owned(), label("Old Bus Station", true)),
            ]
            .into_iter()
            .collect(),
            ..sample()
        };
        let names: Vec<String> = patrols_per_area(&ret)
            .bars
            .into_iter()
            .map(|b| b.name)
            .collect();
        assert_eq!(
            names,
            ["Old Bus Station (Centre, retired)", "Market Place (Centre)"]
        );
    }

    #[test]
    fn outcomes_stack_per_power_with_stable_colours() {
        let f = Figures {
            stop_search_outcomes_by_power: [
                ("mda_s23".to_owned(), counts(&[("nfa", 5), ("arrest", 2)])),
                ("pace_s1".to_owned(), counts(&[("nfa", 3), ("caution", 0)])),
                ("fa_s47".to_owned(), counts(&[("nfa", 0)])),
            ]
            .into_iter()
            .collect(),
            ..Figures::default()
        };
        let c = outcomes_by_power(&f);
        let powers: Vec<&str> = c.bars.iter().map(|b| b.name.as_str()).collect();
        // List order (s1 before s23); a power with only zeros is left out.
        assert_eq!(
            powers,
            [
                "s1 PACE (stolen or prohibited articles)",
                "s23 Misuse of Drugs Act 1971"
            ]
        );
        let series: Vec<(&str, usize)> = c
            .series
            .iter()
            .map(|s| (s.name.as_str(), s.colour))
            .collect();
        assert_eq!(series, [("Arrest", 0), ("No further action", 6)]);
        assert_eq!(c.bars[0].values, [0.0, 3.0]);
        assert_eq!(c.bars[1].values, [2.0, 5.0]);
    }

    #[test]
    fn no_outcomes_by_power_is_no_data() {
        assert!(outcomes_by_power(&Figures::default()).is_empty());
    }

    #[test]
    fn asb_lists_every_power_by_its_label() {
        let f = Figures {
            asb: counts(&[("cpn", 2), ("informal_warning", 11)]),
            ..Figures::default()
        };
        let c = asb_by_power(&f);
        assert_eq!(c.bars.len(), AsbPower::ALL.len());
        assert_eq!(c.bars[0].name, "Informal or verbal warning");
        assert_eq!(c.bars[0].values, [11.0]);
        let cpn = c
            .bars
            .iter()
            .find(|b| b.name == "Community Protection Notice");
        assert_eq!(cpn.map(|b| b.values[0]), Some(2.0));
        // Nothing recorded: only zeros, which the chart shows as "No data".
        assert!(asb_by_power(&Figures::default()).is_empty());
    }
}
