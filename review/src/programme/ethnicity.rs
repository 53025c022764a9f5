//! Stop and search by ethnicity: the 5+1 groups and the 18+1 codes, as the
//! person defined it and as the officer perceived it, each line with its
//! outcomes and rates (what the Home Office's disproportionality figures
//! are made from).
use super::format::{count, percent};
use beatbook_core::codes::{EthnicGroup, Ethnicity, SearchOutcome};
use beatbook_core::review::{EthnicityFigures, SearchesBy};
use beatbook_core::Code;
use leptos::prelude::*;
use std::collections::BTreeMap;

/// The key of searches recorded without an ethnicity (the server's).
const NOT_RECORDED: &str = "not_recorded";

/// One line of a table: its label and its searches (zero when none).
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub label: String,
    pub searches: SearchesBy,
}

/// Every code of the list in its order, a zero included (the programme
/// reports each), then `not_recorded` and any code the list does not
/// know, when they hold searches.
pub fn lines<C: Code>(map: &BTreeMap<String, SearchesBy>) -> Vec<Line> {
    let known = C::ALL.iter().map(|c| Line {
        label: c.label().into(),
        searches: map.get(c.code()).cloned().unwrap_or_default(),
    });
    let others = map
        .iter()
        .filter(|(code, _)| C::from_code(code).is_none())
        .map(|(code, s)| Line {
            label: if code == NOT_RECORDED {
                "Not recorded".into()
            } else {
                code.clone()
            },
            searches: s.clone(),
        });
    known.chain(others).collect()
}

/// The outcome columns: every outcome of the list, then "not recorded".
fn outcome_codes() -> Vec<(&'static str, &'static str)> {
    let mut codes = SearchOutcome::options();
    codes.push((NOT_RECORDED, "Not recorded"));
    codes
}

/// A share as the table shows it: absent when there were no searches.
fn rate(s: &SearchesBy, rate: f64) -> String {
    percent((s.searches > 0).then_some(rate))
}

fn table(caption: String, what: &'static str, lines: Vec<Line>) -> impl IntoView {
    let outcomes = outcome_codes();
    let all: u64 = lines.iter().map(|l| l.searches.searches).sum();
    let heads = outcomes
        .iter()
        .map(|(_, label)| view! { <th scope="col">{*label}</th> })
        .collect_view();
    let body = lines
        .into_iter()
        .map(|l| {
            let s = l.searches;
            let cells = outcomes
                .iter()
                .map(|(code, _)| view! { <td>{count(s.outcomes.get(*code).copied().unwrap_or(0))}</td> })
                .collect_view();
            let share = percent((all > 0).then(|| s.searches as f64 / all as f64));
            view! {
                <tr>
                    <th scope="row">{l.label}</th>
                    <td>{count(s.searches)}</td>
                    <td>{share}</td>
                    {cells}
                    <td>{rate(&s, s.outcome_rate)}</td>
                    <td>{rate(&s, s.linked_rate)}</td>
                </tr>
            }
        })
        .collect_view();
    let label = caption.clone();
    let table = view! {
        <table class="data figures ethnicity">
            <caption>{caption}</caption>
            <thead><tr>
                <th scope="col">{what}</th>
                <th scope="col">"Searches"</th>
                <th scope="col">"Share"</th>
                {heads}
                <th scope="col">"Outcome other than no further action"</th>
                <th scope="col">"Outcome linked to the object"</th>
            </tr></thead>
            <tbody>{body}</tbody>
        </table>
    };
    view! { <div class="table-wrap" role="region" aria-label=label tabindex="0">{table}</div> }
}

/// The four tables: groups and codes, self-defined then perceived.
pub fn tables(eth: &EthnicityFigures) -> impl IntoView {
    let perceived_note = format!(
        "Officer-perceived: the ethnicity the officer recorded ({} searches) or, where none is recorded (it is recorded only where it differs), the self-defined one.",
        count(eth.perceived_recorded)
    );
    view! {
        <p class="muted">"Rates: the share of each line's searches with an outcome other than no further action, and with the outcome linked to the object of the search. Stop and account is not included."</p>
        {table("By self-defined ethnicity (5+1 groups)".into(), "Group",
            lines::<EthnicGroup>(&eth.self_defined_groups))}
        {table("By officer-perceived ethnicity (5+1 groups)".into(), "Group",
            lines::<EthnicGroup>(&eth.perceived_groups))}
        <p class="muted">{perceived_note}</p>
        {table("By self-defined ethnicity (18+1 codes)".into(), "Code",
            lines::<Ethnicity>(&eth.self_defined_codes))}
        {table("By officer-perceived ethnicity (18+1 codes)".into(), "Code",
            lines::<Ethnicity>(&eth.perceived_codes))}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn searches(n: u64) -> SearchesBy {
        SearchesBy {
            searches: n,
            ..SearchesBy::default()
        }
    }

    #[test]
    fn every_group_is_listed_in_order_then_the_unrecorded() {
        let map: BTreeMap<String, SearchesBy> = [
            ("white".to_owned(), searches(3)),
            ("not_recorded".to_owned(), searches(1)),
        ]
        .into();
        let groups = lines::<EthnicGroup>(&map);
        let labels: Vec<&str> = groups.iter().map(|l| l.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "Asian",
                "Black",
                "Mixed",
                "White",
                "Other",
                "Not stated",
                "Not recorded"
            ]
        );
        assert_eq!(groups[3].searches.searches, 3);
        assert_eq!(groups[0].searches.searches, 0);
        assert_eq!(lines::<Ethnicity>(&BTreeMap::new()).len(), 19);
    }

    #[test]
    fn a_line_without_searches_has_no_rate() {
        assert_eq!(rate(&searches(0), 0.0), "–");
        assert_eq!(rate(&searches(4), 0.25), "25%");
    }
}
