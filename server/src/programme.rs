//! The programme return (pure): totals by hotspot/area and by patroller
//! role over a period, from the latest revision of each entry.
//!
//! Rules (also in the README):
//! - Only the latest revision of an entry counts, so a corrected entry
//!   counts once, as corrected.
//! - Entries of a shift whose latest review is `rejected` (and the shift
//!   itself) are left out. `has_issues` and unreviewed shifts count.
//! - A patrol counts (patrol count, visit length) in the period it started.
//!   Person-hours count only the part of a patrol inside the period: a patrol
//!   from 23:50 on the last day to 00:20 gives 10 minutes to this period and
//!   20 to the next. A patrol never ended counts as a patrol, in
//!   `patrols_not_ended`, and adds no hours and no visit length.
//! - Other entries count in the period of their `occurred_at`.
//! - The area of an entry is its patrol's area ("(no patrol)" otherwise);
//!   its role is its shift's patroller role ("unknown" when the shift is
//!   not readable).
//! - Visit length: from the patrol's `occurred_at` to its `ended_at`; the
//!   Koper-curve share counts visits of 10 to 15 minutes inclusive.
//! - Immediate Justice: started within 48 h when `reparation_started -
//!   referral_date <= 2 days`; completed when `hours_completed >= hours_ordered`.
//! - Seizures are ASB interventions with the seizure power, by what was seized.
use beatbook_core::codes::Code;
use beatbook_core::review::{Figures, ProgrammeReturn};
use beatbook_core::{EntryId, Record, Revision};
use chrono::{DateTime, Utc};

use std::collections::{BTreeMap, HashMap, HashSet};

/// How far before the period a patrol that reaches into it may have started.
pub const PATROL_LOOKBACK_HOURS: i64 = 48;
pub const NO_PATROL: &str = "(no patrol)";
pub const UNKNOWN_ROLE: &str = "unknown";

#[derive(Debug, Clone, Default)]
struct Acc {
    f: Figures,
    person_seconds: i64,
    visits_s: Vec<i64>,
    linked: u64,
}

impl Acc {
    fn finish(mut self) -> Figures {
        self.f.person_hours = (self.person_seconds as f64 / 36.0).round() / 100.0;
        self.visits_s.sort_unstable();
        let n = self.visits_s.len();
        if n > 0 {
            let mid = |i: usize| self.visits_s.get(i).copied().unwrap_or(0) as f64;
            let median_s = if n % 2 == 1 {
                mid(n / 2)
            } else {
                (mid(n / 2 - 1) + mid(n / 2)) / 2.0
            };
            self.f.visit_median_minutes = Some((median_s / 60.0 * 100.0).round() / 100.0);
            let dosed = self
                .visits_s
                .iter()
                .filter(|s| (600..=900).contains(*s))
                .count();
            self.f.visits_10_to_15_share = Some(share(dosed as u64, n as u64));
        }
        if self.f.stop_searches > 0 {
            self.f.stop_search_linked_share = Some(share(self.linked, self.f.stop_searches));
        }
        self.f
    }
}

fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        return 0.0;
    }
    (part as f64 / whole as f64 * 10_000.0).round() / 10_000.0
}

/// Computes the return over `[start, end)`. `shifts` are the latest
/// revisions of the shifts concerned; `entries` the latest revisions of
/// patrols (from [`PATROL_LOOKBACK_HOURS`] before `start`) and of other
/// entries (from `start`); `rejected` the shifts to leave out.
pub fn compute(
    from: String,
    to: String,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    shifts: &[Revision],
    entries: &[Revision],
    rejected: &HashSet<EntryId>,
) -> ProgrammeReturn {
    let roles: HashMap<EntryId, &'static str> = shifts
        .iter()
        .filter_map(|s| match &s.record {
            Record::Shift(sh) => Some((s.entry_id, sh.role.map_or(UNKNOWN_ROLE, |r| r.code()))),
            _ => None,
        })
        .collect();
    let areas: HashMap<EntryId, &str> = entries
        .iter()
        .filter_map(|e| match &e.record {
            Record::Patrol(p) => Some((e.entry_id, p.area.as_str())),
            _ => None,
        })
        .collect();
    let mut total = Acc::default();
    let mut by_area: BTreeMap<String, Acc> = BTreeMap::new();
    let mut by_role: BTreeMap<String, Acc> = BTreeMap::new();
    for e in entries {
        if e.shift_id.is_some_and(|s| rejected.contains(&s)) {
            continue;
        }
        let role = e
            .shift_id
            .and_then(|s| roles.get(&s).copied())
            .unwrap_or(UNKNOWN_ROLE);
        let area = match &e.record {
            Record::Patrol(p) => p.area.as_str(),
            _ => e
                .patrol_id
                .and_then(|p| areas.get(&p).copied())
                .unwrap_or(NO_PATROL),
        };
        let started_inside = e.occurred_at >= start && e.occurred_at < end;
        add(&mut total, e, start, end, started_inside);
        add(
            by_area.entry(area.to_owned()).or_default(),
            e,
            start,
            end,
            started_inside,
        );
        add(
            by_role.entry(role.to_owned()).or_default(),
            e,
            start,
            end,
            started_inside,
        );
    }
    let rejected_shifts_excluded = shifts
        .iter()
        .filter(|s| rejected.contains(&s.entry_id))
        .count() as u64;
    // Groups that only exist because of a patrol from before the period.
    let keep = |f: &Figures| *f != Figures::default();
    ProgrammeReturn {
        from,
        to,
        totals: total.finish(),
        by_area: by_area
            .into_iter()
            .map(|(k, a)| (k, a.finish()))
            .filter(|(_, f)| keep(f))
            .collect(),
        by_role: by_role
            .into_iter()
            .map(|(k, a)| (k, a.finish()))
            .filter(|(_, f)| keep(f))
            .collect(),
        by_week: Vec::new(),
        rejected_shifts_excluded,
    }
}

fn add(acc: &mut Acc, e: &Revision, start: DateTime<Utc>, end: DateTime<Utc>, inside: bool) {
    match &e.record {
        Record::Patrol(p) => {
            if let Some(ended) = p.ended_at {
                let from = e.occurred_at.max(start);
                let to = ended.min(end);
                if to > from {
                    acc.person_seconds += (to - from).num_seconds();
                }
            }
            if inside {
                acc.f.patrols += 1;
                match p.ended_at {
                    Some(ended) => acc.visits_s.push((ended - e.occurred_at).num_seconds()),
                    None => acc.f.patrols_not_ended += 1,
                }
            }
        }
        _ if !inside => {}
        Record::Arrest(_) => acc.f.arrests += 1,
        Record::StopSearch(s) => {
            acc.f.stop_searches += 1;
            let outcome = s.outcome.map_or("not_recorded", |o| o.code());
            *acc.f
                .stop_search_outcomes
                .entry(outcome.into())
                .or_default() += 1;
            if s.outcome_linked_to_object == Some(true) {
                acc.linked += 1;
            }
        }
        Record::AsbIntervention(a) => {
            let power = a.power.map_or("not_recorded", |p| p.code());
            *acc.f.asb.entry(power.into()).or_default() += 1;
            acc.f.asb_persons += u64::from(a.persons.unwrap_or(0));
            if let Some(seized) = a
                .seized
                .filter(|_| a.power == Some(beatbook_core::codes::AsbPower::Seizure))
            {
                *acc.f.seizures.entry(seized.code().into()).or_default() += 1;
            }
        }
        Record::IjReferral(r) => {
            acc.f.ij_referrals += 1;
            if let (Some(referred), Some(started)) = (r.referral_date, r.reparation_started) {
                if (started - referred).num_days() <= 2 {
                    acc.f.ij_started_within_48h += 1;
                }
            }
            if let (Some(done), Some(ordered)) = (r.hours_completed, r.hours_ordered) {
                if done >= ordered {
                    acc.f.ij_completed += 1;
                }
            }
        }
        _ => {}
    }
}
