//! Who counts (issue #11, item 4): the people whose entries a team's
//! shift list, review and return hold, and when.
//!
//! Everyone who records entries counts (officer and supervisor roles). A
//! shift belongs to the teams its officer was in when it started (its
//! latest revision's start: a corrected start moves it), by the
//! membership history of migration 0009; its entries go with it, and an
//! entry outside any shift goes by its own time. A read over several
//! teams takes each person once, with their memberships of those teams
//! merged, and reads each entry once: entries are read by person and
//! time, never once per membership row, so someone in two teams at once
//! counts once in a return over both (and fully in each team's own).
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

use crate::db::format_time;
use crate::db::teams::{MemberRow, FAR_PAST};

/// Stands for "still a member" where SQL compares text: after any stored time.
const FAR_FUTURE: &str = "9999-12-31T23:59:59.999999Z";

/// When someone was in: from `from` (`None`: always) until `until`
/// (`None`: still is), half-open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stay {
    from: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
}

impl Stay {
    const ALWAYS: Self = Self {
        from: None,
        until: None,
    };

    fn holds(&self, at: DateTime<Utc>) -> bool {
        self.from.is_none_or(|f| f <= at) && self.until.is_none_or(|u| at < u)
    }

    fn texts(&self) -> (String, String) {
        (
            self.from.map_or_else(|| FAR_PAST.to_owned(), format_time),
            self.until
                .map_or_else(|| FAR_FUTURE.to_owned(), format_time),
        )
    }
}

/// The people a read covers, each with when they count.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Members {
    /// Per officer ID: their stays, sorted, merged, never overlapping.
    stays: BTreeMap<String, Vec<Stay>>,
}

impl Members {
    /// One person, always (an officer reading their own shifts).
    pub fn only(officer_id: &str) -> Self {
        Self {
            stays: BTreeMap::from([(officer_id.to_owned(), vec![Stay::ALWAYS])]),
        }
    }

    /// These people, always (tests that compare reads person by person).
    pub fn always<S: AsRef<str>>(officers: &[S]) -> Self {
        Self {
            stays: officers
                .iter()
                .map(|o| (o.as_ref().to_owned(), vec![Stay::ALWAYS]))
                .collect(),
        }
    }

    /// From membership rows of one or more teams: a person in two of
    /// them at once is one person, their stays merged.
    pub fn from_rows(rows: Vec<MemberRow>) -> Self {
        let mut stays: BTreeMap<String, Vec<Stay>> = BTreeMap::new();
        for r in rows {
            stays.entry(r.officer_id).or_default().push(Stay {
                from: r.from,
                until: r.until,
            });
        }
        for list in stays.values_mut() {
            *list = merge(std::mem::take(list));
        }
        Self { stays }
    }

    /// Everyone, in order (each once).
    pub fn officers(&self) -> Vec<String> {
        self.stays.keys().cloned().collect()
    }

    pub fn is_empty(&self) -> bool {
        self.stays.is_empty()
    }

    /// Whether `officer_id` is among them at all.
    pub fn includes(&self, officer_id: &str) -> bool {
        self.stays.contains_key(officer_id)
    }

    /// Whether what `officer_id` started at `at` counts.
    pub fn counts(&self, officer_id: &str, at: DateTime<Utc>) -> bool {
        self.stays
            .get(officer_id)
            .is_some_and(|list| list.iter().any(|s| s.holds(at)))
    }

    /// Keeps only `officer_id`; false when they are not among them.
    pub fn narrow(&mut self, officer_id: &str) -> bool {
        match self.stays.remove_entry(officer_id) {
            Some(kept) => {
                self.stays = BTreeMap::from([kept]);
                true
            }
            None => {
                self.stays.clear();
                false
            }
        }
    }

    /// Whether `officer_id` counts at some times only (they joined or left).
    fn restricted(list: &[Stay]) -> bool {
        list != [Stay::ALWAYS]
    }

    /// Whether anyone counts at some times only: when nobody does (nobody
    /// moved), the reads need no filter by time.
    pub fn any_restricted(&self) -> bool {
        self.stays.values().any(|l| Self::restricted(l))
    }

    /// For SQL: `[[officer, from, until], ...]` of the people who count at
    /// some times only, times as stored text (half-open); `None` when there
    /// are none. Whoever is not listed counts always.
    pub fn restricted_json(&self) -> Option<String> {
        let rows: Vec<serde_json::Value> = self
            .stays
            .iter()
            .filter(|(_, l)| Self::restricted(l))
            .flat_map(|(officer, l)| {
                l.iter().map(move |s| {
                    let (from, until) = s.texts();
                    serde_json::json!([officer, from, until])
                })
            })
            .collect();
        (!rows.is_empty()).then(|| serde_json::Value::from(rows).to_string())
    }

    /// For SQL: one person's `[[from, until], ...]`, or `None` when they
    /// count always.
    pub fn stays_json(&self, officer_id: &str) -> Option<String> {
        let list = self.stays.get(officer_id)?;
        if !Self::restricted(list) {
            return None;
        }
        let rows: Vec<serde_json::Value> = list
            .iter()
            .map(|s| {
                let (from, until) = s.texts();
                serde_json::json!([from, until])
            })
            .collect();
        Some(serde_json::Value::from(rows).to_string())
    }
}

/// Sorted stays with overlapping or touching ones joined.
fn merge(mut list: Vec<Stay>) -> Vec<Stay> {
    // `None` (always) sorts first as a start.
    list.sort_by_key(|s| s.from);
    let mut out: Vec<Stay> = Vec::with_capacity(list.len());
    for s in list {
        match out.last_mut() {
            Some(last) if last.until.is_none_or(|u| s.from.is_some_and(|f| f <= u)) => {
                last.until = match (last.until, s.until) {
                    (None, _) | (_, None) => None,
                    (Some(a), Some(b)) => Some(a.max(b)),
                };
            }
            _ => out.push(s),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 10, d, 0, 0, 0).unwrap()
    }

    fn row(officer: &str, from: Option<u32>, until: Option<u32>) -> MemberRow {
        MemberRow {
            officer_id: officer.into(),
            from: from.map(t),
            until: until.map(t),
        }
    }

    #[test]
    fn a_move_counts_each_side_of_it_and_both_teams_together_always() {
        // In A until the 15th, in B from the 15th.
        let a = Members::from_rows(vec![row("pc", None, Some(15))]);
        let b = Members::from_rows(vec![row("pc", Some(15), None)]);
        assert!(a.counts("pc", t(14)) && !a.counts("pc", t(15)));
        assert!(!b.counts("pc", t(14)) && b.counts("pc", t(15)));
        let both = Members::from_rows(vec![row("pc", None, Some(15)), row("pc", Some(15), None)]);
        assert!(!both.any_restricted());
        assert_eq!(both.officers(), ["pc"]);
        assert_eq!(both.restricted_json(), None);
        let json = a.restricted_json().unwrap();
        assert_eq!(
            json,
            format!(r#"[["pc","{FAR_PAST}","2025-10-15T00:00:00.000000Z"]]"#)
        );
        assert_eq!(
            b.stays_json("pc").unwrap(),
            format!(r#"[["2025-10-15T00:00:00.000000Z","{FAR_FUTURE}"]]"#)
        );
    }

    #[test]
    fn two_teams_at_once_are_one_person_with_one_stay() {
        let m = Members::from_rows(vec![
            row("pc", Some(1), Some(20)),
            row("pc", Some(10), Some(25)),
            row("sgt", None, None),
        ]);
        assert_eq!(m.officers(), ["pc", "sgt"]);
        assert_eq!(
            m.stays["pc"],
            [Stay {
                from: Some(t(1)),
                until: Some(t(25))
            }]
        );
        assert!(m.stays_json("sgt").is_none());
        let mut one = m.clone();
        assert!(one.narrow("sgt") && one.officers() == ["sgt"]);
        let mut none = m;
        assert!(!none.narrow("nobody") && none.is_empty());
    }
}
