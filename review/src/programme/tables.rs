//! The return's figures as text: the headline figures, tables by hotspot,
//! by patroller role and by code (outcomes, ASB powers, seizures), and the
//! exported rows exactly as `core::review::rows` gives them.
use super::format::{by_code, count, minutes, number, percent, role_label, total, CodeCount, NONE};
use beatbook_core::codes::{AsbPower, PatrollerRole, SearchObject, SearchOutcome, SeizureKind};
use beatbook_core::review::{rows, Figures, ProgrammeReturn};
use beatbook_core::Code;
use leptos::prelude::*;

/// One headline figure: what, how many, and a line of context.
fn stat(name: &'static str, value: String, note: Option<String>) -> impl IntoView {
    view! {
        <div class="stat">
            <dt>{name}</dt>
            <dd>
                <span class="stat-value">{value}</span>
                {note.map(|n| view! { <span class="stat-note">{n}</span> })}
            </dd>
        </div>
    }
}

/// `n` as a share of `of` (IJ referrals started within 48 h, ...).
fn share_of(n: u64, of: u64) -> Option<f64> {
    (of > 0).then(|| n as f64 / of as f64)
}

/// The seizures that happened, largest first: "Vehicle 40, Weapon 7".
/// What the disputed shifts hold, beside their count: the entries of
/// rejected shifts still count (a lawful search or arrest happened), so
/// the reader sees how much of the totals is disputed.
fn disputed_note(d: &Figures) -> String {
    format!(
        "Rejected after review, still counted: {} patrols, {} arrests, {} stop and searches of the totals",
        d.patrols, d.arrests, d.stop_searches
    )
}

fn seizure_note(f: &Figures) -> Option<String> {
    let mut kinds: Vec<SeizureLine> = seizure_lines(f)
        .into_iter()
        .filter(|l| l.all() > 0)
        .collect();
    kinds.sort_by_key(|l| std::cmp::Reverse(l.all()));
    let parts: Vec<String> = kinds
        .iter()
        .map(|l| format!("{} {}", l.label, count(l.all())))
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// How much of the patrolling was in the force's hotspots, when it lists
/// them: "41.5 in hotspots (83%)".
fn hotspot_share(ret: &ProgrammeReturn) -> Option<String> {
    if ret.by_hotspot.is_empty() {
        return None;
    }
    let inside = ret.in_hotspots.person_hours;
    let share = (ret.totals.person_hours > 0.0).then(|| inside / ret.totals.person_hours);
    Some(format!(
        "{} in hotspots ({})",
        number(inside, 1),
        percent(share)
    ))
}

/// Seizures of one type, by source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeizureLine {
    pub label: String,
    /// Stop and searches that found it.
    pub searches: u64,
    /// ASB interventions with the seizure power.
    pub asb: u64,
}

impl SeizureLine {
    fn all(&self) -> u64 {
        self.searches + self.asb
    }
}

/// Seizures by type from both sources: the ASB seizure kinds first (every
/// one, a zero included), then what searches look for that is not one of
/// them, then codes neither list knows. A type is its code, so a weapon
/// found in a search and one seized under ASB powers are one line.
pub fn seizure_lines(f: &Figures) -> Vec<SeizureLine> {
    let get = |map: &std::collections::BTreeMap<String, u64>, code: &str| {
        map.get(code).copied().unwrap_or(0)
    };
    let mut codes: Vec<(String, String)> = SeizureKind::ALL
        .iter()
        .map(|k| (k.code().to_owned(), k.label().to_owned()))
        .collect();
    for object in SearchObject::ALL {
        if SeizureKind::from_code(object.code()).is_none() {
            codes.push((object.code().into(), object.label().into()));
        }
    }
    for code in f.seizures.keys().chain(f.search_seizures.keys()) {
        if !codes.iter().any(|(c, _)| c == code) {
            codes.push((code.clone(), code.clone()));
        }
    }
    codes
        .into_iter()
        .map(|(code, label)| SeizureLine {
            label,
            searches: get(&f.search_seizures, &code),
            asb: get(&f.seizures, &code),
        })
        .collect()
}

/// All seizures, from searches and ASB powers.
fn seizures_total(f: &Figures) -> u64 {
    total(&f.seizures) + total(&f.search_seizures)
}

/// The programme's headline figures for the whole period.
pub fn headline(ret: &ProgrammeReturn) -> impl IntoView {
    let f = &ret.totals;
    let not_ended = (f.patrols_not_ended > 0).then(|| {
        format!(
            "{} never ended (no hours counted)",
            count(f.patrols_not_ended)
        )
    });
    view! {
        <dl class="headline">
            {stat("Patrols", count(f.patrols), not_ended)}
            {stat("Person-hours", number(f.person_hours, 1), hotspot_share(ret))}
            {stat("Median visit", minutes(f.visit_median_minutes), Some("Ended patrols".into()))}
            {stat("Visits of 10 to 15 minutes", percent(f.visits_10_to_15_share),
                Some("Share of ended visits (the Koper dose)".into()))}
            {stat("Arrests", count(f.arrests), None)}
            {stat("Stop and searches", count(f.stop_searches),
                Some(format!("{} with the outcome linked to the object", percent(f.stop_search_linked_share))))}
            {stat("ASB interventions", count(total(&f.asb)), Some("All powers, informal warnings included".into()))}
            {stat("Persons dealt with (ASB)", count(f.asb_persons), None)}
            {stat("Seizures", count(seizures_total(f)), seizure_note(f))}
            {stat("Immediate Justice referrals", count(f.ij_referrals), None)}
            {stat("IJ started within 48 hours", count(f.ij_started_within_48h),
                share_of(f.ij_started_within_48h, f.ij_referrals).map(|s| format!("{} of referrals", percent(Some(s)))))}
            {stat("IJ completed", count(f.ij_completed),
                share_of(f.ij_completed, f.ij_referrals).map(|s| format!("{} of referrals", percent(Some(s)))))}
            {stat("Disputed shifts", count(ret.disputed_shifts),
                Some(disputed_note(&ret.disputed)))}
            {stat("Withdrawn entries", count(ret.withdrawn),
                Some("Withdrawn by the officer as made in error; left out of every figure".into()))}
        </dl>
    }
}

/// A table's horizontal scroll box: on a phone a wide table scrolls
/// inside it instead of widening the page. Focusable, so keyboard users
/// can scroll it too.
fn scroll_box(label: String, table: impl IntoView) -> impl IntoView {
    view! { <div class="table-wrap" role="region" aria-label=label tabindex="0">{table}</div> }
}

const FIGURE_COLUMNS: [&str; 10] = [
    "Patrols",
    "Not ended",
    "Person-hours",
    "Median visit",
    // Joined so the header never breaks inside "10–15".
    "Visits 10\u{2060}–\u{2060}15 min",
    "Arrests",
    "Stop and searches",
    "ASB interventions",
    "Seizures",
    "IJ referrals",
];

/// The main figures of one group, in [`FIGURE_COLUMNS`] order.
fn figure_cells(f: &Figures) -> impl IntoView {
    [
        count(f.patrols),
        count(f.patrols_not_ended),
        number(f.person_hours, 1),
        minutes(f.visit_median_minutes),
        percent(f.visits_10_to_15_share),
        count(f.arrests),
        count(f.stop_searches),
        count(total(&f.asb)),
        count(seizures_total(f)),
        count(f.ij_referrals),
    ]
    .into_iter()
    .map(|v| view! { <td>{v}</td> })
    .collect_view()
}

/// Groups (hotspots or roles) with their main figures and a total line.
fn figures_table(
    caption: &'static str,
    group: &'static str,
    groups: Vec<(String, &Figures)>,
    totals: &Figures,
    total_label: &'static str,
) -> impl IntoView {
    let heads = FIGURE_COLUMNS
        .iter()
        .map(|h| view! { <th scope="col">{*h}</th> })
        .collect_view();
    let body = if groups.is_empty() {
        let span = (FIGURE_COLUMNS.len() + 1).to_string();
        view! { <tr><td colspan=span class="muted">"No data"</td></tr> }.into_any()
    } else {
        groups
            .into_iter()
            .map(|(name, f)| view! { <tr><th scope="row">{name}</th>{figure_cells(f)}</tr> })
            .collect_view()
            .into_any()
    };
    let table = view! {
        <table class="data figures">
            <caption>{caption}</caption>
            <thead><tr><th scope="col">{group}</th>{heads}</tr></thead>
            <tbody>{body}</tbody>
            <tfoot><tr><th scope="row">{total_label}</th>{figure_cells(totals)}</tr></tfoot>
        </table>
    };
    scroll_box(caption.into(), table)
}

/// A hotspot as a return names it: "Market Square (Town centre)", and
/// "retired" once it is no longer offered; its ID when the return has no
/// name for it.
pub fn hotspot_name(ret: &ProgrammeReturn, id: &str) -> String {
    match ret.hotspots.get(id) {
        Some(h) if h.area.is_empty() => h.name.clone(),
        Some(h) => {
            let retired = if h.retired { ", retired" } else { "" };
            format!("{} ({}{retired})", h.name, h.area)
        }
        None => id.to_owned(),
    }
}

/// The return by the force's hotspots (by ID, named as the force names
/// them now), and the places outside them. A return from before hotspots
/// were listed (or of a force that lists none) has only places: they are
/// its hotspots, as they were then.
pub fn by_place(ret: &ProgrammeReturn) -> impl IntoView {
    let places = ret.by_area.iter().map(|(k, f)| (k.clone(), f)).collect();
    if ret.by_hotspot.is_empty() {
        return figures_table("By hotspot", "Hotspot", places, &ret.totals, "All").into_any();
    }
    let hotspots = ret
        .by_hotspot
        .iter()
        .map(|(id, f)| (hotspot_name(ret, id), f))
        .collect();
    view! {
        {figures_table("By hotspot", "Hotspot", hotspots, &ret.in_hotspots, "Hotspot time")}
        {figures_table("Outside the hotspots", "Place", places, &ret.outside_hotspots,
            "Not hotspot time")}
    }
    .into_any()
}

/// The return by who patrolled: every role of the list, in its order (the
/// programme reports each, a zero included), then `unknown` and any role
/// the list does not know.
pub fn by_role(ret: &ProgrammeReturn) -> impl IntoView {
    let none = Figures::default();
    let known = PatrollerRole::ALL.iter().map(|r| {
        (
            role_label(r.code()),
            ret.by_role.get(r.code()).unwrap_or(&none),
        )
    });
    let others = ret
        .by_role
        .iter()
        .filter(|(k, _)| PatrollerRole::from_code(k).is_none())
        .map(|(k, f)| (role_label(k), f));
    let groups = known.chain(others).collect();
    figures_table("By patroller role", "Role", groups, &ret.totals, "All")
}

/// A two- or three-column table of counts by code, every code listed.
fn code_table(
    caption: &'static str,
    what: &'static str,
    counted: &'static str,
    lines: Vec<CodeCount>,
    shares: bool,
) -> impl IntoView {
    let all: u64 = lines.iter().map(|c| c.count).sum();
    let body = lines
        .into_iter()
        .map(|c| {
            let share = shares.then(|| view! { <td>{percent(share_of(c.count, all))}</td> });
            view! { <tr><th scope="row">{c.label}</th><td>{count(c.count)}</td>{share}</tr> }
        })
        .collect_view();
    let table = view! {
        <table class="data figures codes">
            <caption>{caption}</caption>
            <thead><tr>
                <th scope="col">{what}</th><th scope="col">{counted}</th>
                {shares.then(|| view! { <th scope="col">"Share"</th> })}
            </tr></thead>
            <tbody>{body}</tbody>
            <tfoot><tr>
                <th scope="row">"All"</th><td>{count(all)}</td>
                {shares.then(|| view! { <td>{if all > 0 { "100%" } else { NONE }}</td> })}
            </tr></tfoot>
        </table>
    };
    scroll_box(caption.into(), table)
}

/// A table of lines of several counts, with a total line.
fn counts_table(
    caption: &'static str,
    heads: &'static [&'static str],
    lines: Vec<(String, Vec<u64>)>,
) -> impl IntoView {
    let mut totals = vec![0u64; heads.len().saturating_sub(1)];
    for (_, values) in &lines {
        for (t, v) in totals.iter_mut().zip(values) {
            *t += v;
        }
    }
    let cells = |values: Vec<u64>| {
        values
            .into_iter()
            .map(|v| view! { <td>{count(v)}</td> })
            .collect_view()
    };
    let body = lines
        .into_iter()
        .map(|(name, values)| view! { <tr><th scope="row">{name}</th>{cells(values)}</tr> })
        .collect_view();
    let head = heads
        .iter()
        .map(|h| view! { <th scope="col">{*h}</th> })
        .collect_view();
    let table = view! {
        <table class="data figures codes">
            <caption>{caption}</caption>
            <thead><tr>{head}</tr></thead>
            <tbody>{body}</tbody>
            <tfoot><tr><th scope="row">"All"</th>{cells(totals)}</tr></tfoot>
        </table>
    };
    scroll_box(caption.into(), table)
}

/// Each ASB power (every one of the list, a zero included) with its
/// interventions and the persons dealt with under it.
pub fn asb_lines(f: &Figures) -> Vec<(String, Vec<u64>)> {
    let persons = by_code::<AsbPower>(&f.asb_persons_by_power);
    by_code::<AsbPower>(&f.asb)
        .into_iter()
        .map(|c| {
            let dealt = persons
                .iter()
                .find(|p| p.code == c.code)
                .map_or(0, |p| p.count);
            (c.label, vec![c.count, dealt])
        })
        .collect()
}

/// Outcomes of stop and search, ASB powers used (with the persons dealt
/// with) and seizures by type and source.
pub fn code_tables(f: &Figures) -> impl IntoView {
    let seizures = seizure_lines(f)
        .into_iter()
        .map(|l| {
            let all = l.all();
            (l.label, vec![l.searches, l.asb, all])
        })
        .collect();
    view! {
        {code_table("Stop and search outcomes", "Outcome", "Stop and searches",
            by_code::<SearchOutcome>(&f.stop_search_outcomes), true)}
        {counts_table("ASB powers used", &["Power", "Interventions", "Persons dealt with"], asb_lines(f))}
        {counts_table("Seizures by type", &["Seized", "From searches", "From ASB powers", "All"], seizures)}
    }
}

/// Every row of the CSV export, as the export writes it (group, name,
/// metric, value): nothing here is reformatted, so the screen and the
/// downloaded file can be compared cell by cell. `first`: the rows before
/// the figures (a submitted return's submission rows).
pub fn exported_rows(ret: &ProgrammeReturn, first: Vec<[String; 4]>) -> impl IntoView {
    let body = first
        .into_iter()
        .chain(rows(ret))
        .map(|[group, name, metric, value]| {
            view! { <tr><td>{group}</td><td>{name}</td><td>{metric}</td><td>{value}</td></tr> }
        })
        .collect_view();
    let table = view! {
        <table class="data figures rows">
            <caption>"Return rows (as exported)"</caption>
            <thead><tr>
                <th scope="col">"Group"</th><th scope="col">"Name"</th>
                <th scope="col">"Metric"</th><th scope="col">"Value"</th>
            </tr></thead>
            <tbody>{body}</tbody>
        </table>
    };
    scroll_box("Return rows (as exported)".into(), table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_of_nothing_are_absent() {
        assert_eq!(share_of(3, 0), None);
        assert_eq!(share_of(1, 4), Some(0.25));
    }

    #[test]
    fn seizures_note_lists_the_largest_first() {
        let f = Figures {
            seizures: [("weapon", 7u64), ("vehicle", 40), ("alcohol", 0)]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
            ..Figures::default()
        };
        assert_eq!(seizure_note(&f).as_deref(), Some("Vehicle 40, Weapon 7"));
        assert_eq!(seizure_note(&Figures::default()), None);
    }

    fn counts(pairs: &[(&str, u64)]) -> std::collections::BTreeMap<String, u64> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
    }

    #[test]
    fn seizures_from_searches_and_asb_powers_add_up_by_type() {
        let f = Figures {
            seizures: counts(&[("weapon", 2), ("vehicle", 40)]),
            search_seizures: counts(&[("weapon", 5), ("drugs", 3)]),
            ..Figures::default()
        };
        let lines = seizure_lines(&f);
        let line = |label: &str| lines.iter().find(|l| l.label == label).cloned();
        assert_eq!(
            line("Weapon"),
            Some(SeizureLine {
                label: "Weapon".into(),
                searches: 5,
                asb: 2
            })
        );
        assert_eq!(
            line("Controlled drugs").map(|l| (l.searches, l.asb)),
            Some((3, 0))
        );
        assert_eq!(line("Vehicle").map(|l| (l.searches, l.asb)), Some((0, 40)));
        // Every type once: the ASB kinds, then the other search objects.
        assert_eq!(
            lines.len(),
            SeizureKind::ALL.len() + SearchObject::ALL.len() - 2
        );
        assert_eq!(seizures_total(&f), 50);
        assert_eq!(
            seizure_note(&f).as_deref(),
            Some("Vehicle 40, Weapon 7, Controlled drugs 3")
        );
    }

    #[test]
    fn each_asb_power_shows_its_persons() {
        let f = Figures {
            asb: counts(&[("dispersal", 2), ("informal_warning", 1)]),
            asb_persons_by_power: counts(&[("dispersal", 9), ("informal_warning", 3)]),
            ..Figures::default()
        };
        let lines = asb_lines(&f);
        assert_eq!(lines.len(), AsbPower::ALL.len());
        let dispersal = lines.iter().find(|(l, _)| l == "s35 dispersal direction");
        assert_eq!(dispersal.map(|(_, v)| v.clone()), Some(vec![2, 9]));
        assert_eq!(
            lines[0],
            ("Informal or verbal warning".to_owned(), vec![1, 3])
        );
    }
}
