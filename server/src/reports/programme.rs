//! The programme return (pure): totals by hotspot/area and by patroller
//! role over a period, and patrols per week, from the latest revision of
//! each entry.
//!
//! Rules (also in the README):
//! - Only the latest revision of an entry counts, so a corrected entry
//!   counts once, as corrected.
//! - Rejection disputes, it does not delete: the entries of a shift whose
//!   latest review is `rejected` still count (a lawful search or arrest
//!   happened whatever the supervisor thinks of the record of it), and are
//!   counted a second time, on their own, in `disputed` (with the number
//!   of such shifts in `disputed_shifts`), so the return shows beside each
//!   total how much of it is disputed. `has_issues` and unreviewed shifts
//!   count like any other.
//! - A withdrawn entry (its latest revision is a withdrawal: made in
//!   error, withdrawn by the officer with a reason) is left out of every
//!   figure, disputed ones included; `withdrawn` counts those of the
//!   period. Its history keeps it and the reason.
//! - A patrol counts (patrol count, visit length) in the period it started.
//!   Person-hours count only the part of a patrol inside the period: a patrol
//!   from 23:50 on the last day to 00:20 gives 10 minutes to this period and
//!   20 to the next. A patrol never ended counts as a patrol, in
//!   `patrols_not_ended`, and adds no hours and no visit length.
//! - Days, weeks and months are the force's local ones ([`ForceZone`],
//!   Europe/London by default): the period runs from local 00:00 on its
//!   first day to local 00:00 after its last, so it holds 23 or 25 hours
//!   more or less than its days times 24 when it holds a clock change.
//! - Weeks are ISO weeks (local Monday 00:00 to the next); every week that
//!   meets the period is listed, oldest first, empty ones too. A patrol
//!   counts in the week it started; its person-hours inside the period are
//!   split between the weeks they fall in (23:50 on a Sunday to 00:20 gives
//!   10 minutes to that week and 20 to the next), so the weeks add up to the
//!   period's person-hours, give or take the rounding of each to 2 decimals.
//! - Other entries count in the period of their `occurred_at`.
//! - Where an entry counts is its patrol's: a patrol naming one of the
//!   force's hotspots counts in `by_hotspot` under the hotspot's ID (its
//!   name as the force lists it now, so a renamed hotspot keeps its
//!   history) and in `in_hotspots` (hotspot time); any other patrol counts
//!   in `by_area` under the place it typed, and an entry outside any patrol
//!   under "(no patrol)", both in `outside_hotspots`. `in_hotspots` and
//!   `outside_hotspots` add up to the totals; in a return where no patrol
//!   named a hotspot both are left empty (they would repeat the totals). Its role is its shift's
//!   patroller role ("unknown" when the shift is not readable).
//! - Visit length: from the patrol's `occurred_at` to its `ended_at`; the
//!   Koper-curve share counts visits of 10 to 15 minutes inclusive.
//! - Stop and search outcomes are counted by outcome, and by power then
//!   outcome; a power or outcome left blank counts as `not_recorded`.
//! - Stop and search by ethnicity: by the 5+1 groups and the 18+1 codes of
//!   the self-defined ethnicity, and of the officer-perceived one (the one
//!   recorded, else the self-defined: the form records a perception only
//!   where it differs), each with its outcomes, the share with an outcome
//!   other than no further action (`outcome_rate`) and the share linked to
//!   the object (`linked_rate`). Stop and account is left out.
//! - Immediate Justice: a referral counts in the period of its entry's time
//!   (the referral). Started within 48 h when `reparation_started_at` is at
//!   most 48 hours after the referral's time; a referral recorded with a
//!   start date only (before start times, or the time not known) when `reparation_started -
//!   referral_date <= 2 days`. Completed when `hours_completed >=
//!   hours_ordered`, counted in the period holding `completed_on` (a
//!   referral of any earlier month: [`compute`]'s `entries` hold those
//!   too), or without a completion date (recorded before it was asked
//!   for) in the referral's period.
//! - Seizures are counted by source: ASB interventions with the seizure
//!   power, by what was seized (`seizures`), and stop and searches whose
//!   outcome was linked to their object, by the object (`search_seizures`:
//!   what was looked for was found).
//! - Persons dealt with are counted per ASB power too (`asb_persons_by_power`).
//!
//! The return reads thousands of stored revisions at a time, so it does not
//! decode them as whole [`Revision`]s: [`Item::parse`] reads the few fields
//! it needs straight from the stored JSON (skipping the rest, borrowing
//! text), and [`parse_items`] spreads that over the machine's cores.
use beatbook_core::codes::{
    AsbPower, Code, Ethnicity, PatrollerRole, SearchObject, SearchOutcome, SearchPower, SeizureKind,
};
use beatbook_core::force::Hotspot;
use beatbook_core::review::{
    EthnicityFigures, Figures, HotspotLabel, ProgrammeReturn, SearchesBy, WeekFigures,
};
use beatbook_core::{EntryId, Record, Revision};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::de::{Deserializer, IgnoredAny};
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};

use crate::zone::ForceZone;

/// How far before the period a patrol that reaches into it may have started.
pub const PATROL_LOOKBACK_HOURS: i64 = 48;
pub const NO_PATROL: &str = "(no patrol)";
pub const UNKNOWN_ROLE: &str = "unknown";
/// A power, outcome or ASB power left blank.
pub const NOT_RECORDED: &str = "not_recorded";
/// Below this many bodies, parsing on one thread is quicker than starting others.
const PARALLEL_PARSE_MIN: usize = 2_000;
/// Most threads one request parses on (the reader pool has 4 connections).
const MAX_PARSE_THREADS: usize = 4;

/// What the return reads of an entry's latest revision. Parsed from the
/// stored JSON by [`Item::parse`]; [`Item::from_revision`] gives the same
/// from a decoded [`Revision`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Item<'a> {
    pub entry_id: EntryId,
    #[serde(default)]
    pub shift_id: Option<EntryId>,
    #[serde(default)]
    pub patrol_id: Option<EntryId>,
    #[serde(with = "beatbook_core::time::rfc3339")]
    pub occurred_at: DateTime<Utc>,
    #[serde(borrow)]
    pub record: Fact<'a>,
    /// Whether the revision is a withdrawal (read from `change.type`).
    #[serde(rename = "change", default, deserialize_with = "withdrawal")]
    pub withdrawn: bool,
}

/// Reads a change as "is it a withdrawal": only its `type`, the reason skipped.
fn withdrawal<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    struct Tag<'a> {
        #[serde(rename = "type", borrow)]
        kind: Cow<'a, str>,
    }
    Tag::deserialize(d).map(|t| t.kind == "withdrawn")
}

/// The part of a record the return uses. Same external tagging as
/// [`Record`]: `{"<kind>": {fields}}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fact<'a> {
    Shift(ShiftFact),
    Patrol(#[serde(borrow)] PatrolFact<'a>),
    StopSearch(StopSearchFact),
    StopAccount(Skipped),
    Arrest(Skipped),
    AsbIntervention(AsbFact),
    IjReferral(IjFact),
    Note(Skipped),
}

/// A record whose fields the return does not read (their JSON is skipped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Skipped;

impl<'de> Deserialize<'de> for Skipped {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        IgnoredAny::deserialize(d).map(|_| Skipped)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ShiftFact {
    pub role: Option<PatrollerRole>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct PatrolFact<'a> {
    #[serde(borrow)]
    pub area: Cow<'a, str>,
    #[serde(with = "beatbook_core::time::rfc3339_opt")]
    pub ended_at: Option<DateTime<Utc>>,
    #[serde(borrow)]
    pub hotspot: Option<Cow<'a, str>>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct StopSearchFact {
    pub self_defined_ethnicity: Option<Ethnicity>,
    pub officer_perceived_ethnicity: Option<Ethnicity>,
    pub object: Option<SearchObject>,
    pub power: Option<SearchPower>,
    pub outcome: Option<SearchOutcome>,
    pub outcome_linked_to_object: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct AsbFact {
    pub power: Option<AsbPower>,
    pub persons: Option<u32>,
    pub seized: Option<SeizureKind>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct IjFact {
    #[serde(with = "beatbook_core::time::date_opt")]
    pub referral_date: Option<NaiveDate>,
    #[serde(with = "beatbook_core::time::date_opt")]
    pub reparation_started: Option<NaiveDate>,
    pub hours_ordered: Option<u32>,
    pub hours_completed: Option<u32>,
    #[serde(with = "beatbook_core::time::date_opt")]
    pub completed_on: Option<NaiveDate>,
    #[serde(with = "beatbook_core::time::rfc3339_opt")]
    pub reparation_started_at: Option<DateTime<Utc>>,
}

impl<'a> Item<'a> {
    /// Reads an item from a stored revision's JSON.
    pub fn parse(body: &'a str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(body)
    }

    /// The same item from a decoded revision (what [`Item::parse`] must agree with).
    pub fn from_revision(rev: &'a Revision) -> Self {
        let record = match &rev.record {
            Record::Shift(s) => Fact::Shift(ShiftFact { role: s.role }),
            Record::Patrol(p) => Fact::Patrol(PatrolFact {
                area: Cow::Borrowed(p.area.as_str()),
                ended_at: p.ended_at,
                hotspot: p.hotspot.as_deref().map(Cow::Borrowed),
            }),
            Record::StopSearch(s) => Fact::StopSearch(StopSearchFact {
                self_defined_ethnicity: s.self_defined_ethnicity,
                officer_perceived_ethnicity: s.officer_perceived_ethnicity,
                object: s.object,
                power: s.power,
                outcome: s.outcome,
                outcome_linked_to_object: s.outcome_linked_to_object,
            }),
            Record::StopAccount(_) => Fact::StopAccount(Skipped),
            Record::Arrest(_) => Fact::Arrest(Skipped),
            Record::AsbIntervention(a) => Fact::AsbIntervention(AsbFact {
                power: a.power,
                persons: a.persons,
                seized: a.seized,
            }),
            Record::IjReferral(r) => Fact::IjReferral(IjFact {
                referral_date: r.referral_date,
                reparation_started: r.reparation_started,
                hours_ordered: r.hours_ordered,
                hours_completed: r.hours_completed,
                completed_on: r.completed_on,
                reparation_started_at: r.reparation_started_at,
            }),
            Record::Note(_) => Fact::Note(Skipped),
        };
        Self {
            entry_id: rev.entry_id,
            shift_id: rev.shift_id,
            patrol_id: rev.patrol_id,
            occurred_at: rev.occurred_at,
            record,
            withdrawn: matches!(rev.change, beatbook_core::Change::Withdrawn { .. }),
        }
    }
}

/// Parses stored bodies, in order, on up to [`MAX_PARSE_THREADS`] threads
/// (the calling one included): a month of a team is some 20,000 bodies.
pub fn parse_items<'a, S: AsRef<str> + Sync>(
    bodies: &'a [S],
) -> Result<Vec<Item<'a>>, serde_json::Error> {
    fn parse_all<S: AsRef<str>>(chunk: &[S]) -> Result<Vec<Item<'_>>, serde_json::Error> {
        chunk.iter().map(|b| Item::parse(b.as_ref())).collect()
    }
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(MAX_PARSE_THREADS);
    if threads < 2 || bodies.len() < PARALLEL_PARSE_MIN {
        return parse_all(bodies);
    }
    let size = bodies.len().div_ceil(threads);
    std::thread::scope(|s| {
        let mut chunks = bodies.chunks(size);
        let first = chunks.next().unwrap_or_default();
        let others: Vec<_> = chunks.map(|c| s.spawn(move || parse_all(c))).collect();
        let mut items = parse_all(first)?;
        items.reserve(bodies.len() - items.len());
        for handle in others {
            match handle.join() {
                Ok(parsed) => items.extend(parsed?),
                // A panic while parsing is a bug: pass it on as it was.
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        Ok(items)
    })
}

/// Figures of one group while they are added up.
#[derive(Debug, Clone, Default)]
struct Acc {
    f: Figures,
    person_seconds: i64,
    visits_s: Vec<i64>,
    linked: u64,
}

impl Acc {
    fn finish(mut self) -> Figures {
        self.f.person_hours = hours(self.person_seconds);
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
        self.f.stop_search_ethnicity.finish();
        self.f
    }
}

/// Seconds as hours to 2 decimals.
fn hours(seconds: i64) -> f64 {
    (seconds as f64 / 36.0).round() / 100.0
}

fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        return 0.0;
    }
    (part as f64 / whole as f64 * 10_000.0).round() / 10_000.0
}

/// Patrols and patrolled seconds per ISO week, for the weeks that meet the
/// period. A week runs from local Monday 00:00 to the next, so it is an
/// hour short or long when it holds a clock change.
struct Weeks {
    /// The Monday of each week.
    mondays: Vec<NaiveDate>,
    /// Where each week starts, and after the last, where it ends:
    /// `bounds[i]..bounds[i + 1]` is week `i`.
    bounds: Vec<DateTime<Utc>>,
    patrols: Vec<u64>,
    seconds: Vec<i64>,
}

impl Weeks {
    fn new(span: &Span) -> Self {
        let (mondays, bounds) = Self::boundaries(span).unwrap_or_default();
        let count = mondays.len();
        Self {
            mondays,
            bounds,
            patrols: vec![0; count],
            seconds: vec![0; count],
        }
    }

    /// The Mondays and boundaries of the weeks meeting `span`. Checked: a
    /// period near chrono's limits has no weeks rather than a panic (the
    /// API keeps periods to the years 2000 to 2100).
    fn boundaries(span: &Span) -> Option<(Vec<NaiveDate>, Vec<DateTime<Utc>>)> {
        let first_day = span.zone.date_of(span.start);
        let back = Duration::days(i64::from(first_day.weekday().num_days_from_monday()));
        let mut monday = first_day.checked_sub_signed(back)?;
        let mut mondays = Vec::new();
        let mut bounds = vec![span.zone.day_start(monday)?];
        while bounds.last().is_some_and(|b| *b < span.end) {
            mondays.push(monday);
            monday = monday.checked_add_signed(Duration::weeks(1))?;
            bounds.push(span.zone.day_start(monday)?);
        }
        Some((mondays, bounds))
    }

    /// The week `t` falls in, if it is one of the period's.
    fn index(&self, t: DateTime<Utc>) -> Option<usize> {
        self.bounds
            .partition_point(|b| *b <= t)
            .checked_sub(1)
            .filter(|&i| i < self.mondays.len())
    }

    fn add_patrol(&mut self, started: DateTime<Utc>) {
        if let Some(n) = self.index(started).and_then(|i| self.patrols.get_mut(i)) {
            *n += 1;
        }
    }

    /// Adds `[from, to)` (already inside the period), split at week boundaries.
    fn add_span(&mut self, mut from: DateTime<Utc>, to: DateTime<Utc>) {
        while from < to {
            let Some(i) = self.index(from) else { return };
            let Some(&week_end) = self.bounds.get(i + 1) else {
                return;
            };
            let until = to.min(week_end);
            if let Some(s) = self.seconds.get_mut(i) {
                *s += (until - from).num_seconds();
            }
            from = until;
        }
    }

    fn finish(self) -> Vec<WeekFigures> {
        self.mondays
            .into_iter()
            .zip(self.patrols.into_iter().zip(self.seconds))
            .map(|(monday, (patrols, seconds))| WeekFigures {
                week: monday.to_string(),
                patrols,
                person_hours: hours(seconds),
            })
            .collect()
    }
}

/// The period, half-open: `[start, end)`, from local midnight to local
/// midnight in `zone`, whose Mondays start the weeks.
#[derive(Debug, Clone, Copy)]
pub struct Span {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub zone: ForceZone,
}

impl Span {
    fn contains(&self, t: DateTime<Utc>) -> bool {
        t >= self.start && t < self.end
    }

    /// The part of `[from, to)` inside the span, if any.
    fn clip(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let (from, to) = (from.max(self.start), to.min(self.end));
        (to > from).then_some((from, to))
    }
}

/// Computes the return over `span` (its days `from` to `to`). `shifts` are
/// the latest revisions of the shifts concerned; `entries` the latest
/// revisions of patrols (from [`PATROL_LOOKBACK_HOURS`] before the start)
/// and of other entries (from the start); `rejected` the shifts whose
/// entries are disputed (they still count).
pub fn compute(
    from: String,
    to: String,
    span: Span,
    shifts: &[Item<'_>],
    entries: &[Item<'_>],
    rejected: &HashSet<EntryId>,
) -> ProgrammeReturn {
    let roles: HashMap<EntryId, &'static str> = shifts
        .iter()
        .filter_map(|s| match &s.record {
            Fact::Shift(sh) => Some((s.entry_id, sh.role.map_or(UNKNOWN_ROLE, |r| r.code()))),
            _ => None,
        })
        .collect();
    let places: HashMap<EntryId, Place<'_>> = entries
        .iter()
        .filter_map(|e| match &e.record {
            Fact::Patrol(p) => Some((e.entry_id, Place::of(p))),
            _ => None,
        })
        .collect();
    let mut total = Acc::default();
    let mut disputed = Acc::default();
    let mut in_hotspots = Acc::default();
    let mut outside_hotspots = Acc::default();
    let mut withdrawn = 0;
    // Keyed by borrowed names while adding up: no allocation per entry.
    let mut by_area: HashMap<&str, Acc> = HashMap::new();
    let mut by_hotspot: HashMap<&str, Acc> = HashMap::new();
    let mut by_role: HashMap<&str, Acc> = HashMap::new();
    let mut weeks = Weeks::new(&span);
    for e in entries {
        if e.withdrawn {
            withdrawn += u64::from(span.contains(e.occurred_at));
            continue;
        }
        if e.shift_id.is_some_and(|s| rejected.contains(&s)) {
            add(&mut disputed, e, span);
        }
        let role = e
            .shift_id
            .and_then(|s| roles.get(&s).copied())
            .unwrap_or(UNKNOWN_ROLE);
        let place = match &e.record {
            Fact::Patrol(p) => Place::of(p),
            _ => e
                .patrol_id
                .and_then(|p| places.get(&p).copied())
                .unwrap_or(Place::Other(NO_PATROL)),
        };
        add(&mut total, e, span);
        match place {
            Place::Hotspot(id) => {
                add(&mut in_hotspots, e, span);
                add(by_hotspot.entry(id).or_default(), e, span);
            }
            Place::Other(area) => {
                add(&mut outside_hotspots, e, span);
                add(by_area.entry(area).or_default(), e, span);
            }
        }
        add(by_role.entry(role).or_default(), e, span);
        if let Fact::Patrol(p) = &e.record {
            if span.contains(e.occurred_at) {
                weeks.add_patrol(e.occurred_at);
            }
            if let Some((from, to)) = p.ended_at.and_then(|end| span.clip(e.occurred_at, end)) {
                weeks.add_span(from, to);
            }
        }
    }
    let disputed_shifts = shifts
        .iter()
        .filter(|s| rejected.contains(&s.entry_id))
        .count() as u64;
    let by_hotspot = finish_groups(by_hotspot);
    let by_hotspot_empty = by_hotspot.is_empty();
    ProgrammeReturn {
        from,
        to,
        time_zone: span.zone.name().to_owned(),
        totals: total.finish(),
        by_area: finish_groups(by_area),
        by_hotspot,
        // Named by the caller, from the force's list (`name_hotspots`).
        hotspots: BTreeMap::new(),
        in_hotspots: in_hotspots.finish(),
        // Only beside hotspot time: without it, it would repeat the totals.
        outside_hotspots: if by_hotspot_empty {
            Figures::default()
        } else {
            outside_hotspots.finish()
        },
        by_role: finish_groups(by_role),
        by_week: weeks.finish(),
        disputed_shifts,
        disputed: disputed.finish(),
        withdrawn,
    }
}

/// Where an entry counts: in a listed hotspot (by its ID), or elsewhere
/// (by the place its patrol typed, or [`NO_PATROL`]).
#[derive(Debug, Clone, Copy)]
enum Place<'a> {
    Hotspot(&'a str),
    Other(&'a str),
}

impl<'a> Place<'a> {
    fn of(p: &'a PatrolFact<'_>) -> Self {
        match p.hotspot.as_deref() {
            Some(id) => Self::Hotspot(id),
            None => Self::Other(p.area.as_ref()),
        }
    }
}

/// Names each hotspot of the return as the force lists it now (a renamed
/// hotspot shows its new name over all its history; its ID is what the
/// figures were counted by). An ID the list lacks shows as itself.
pub fn name_hotspots(ret: &mut ProgrammeReturn, hotspots: &[Hotspot]) {
    ret.hotspots = ret
        .by_hotspot
        .keys()
        .map(|id| {
            let label = match hotspots.iter().find(|h| &h.id == id) {
                Some(h) => HotspotLabel {
                    name: h.name.clone(),
                    area: h.area.clone(),
                    retired: h.retired,
                },
                None => HotspotLabel {
                    name: id.clone(),
                    area: String::new(),
                    retired: false,
                },
            };
            (id.clone(), label)
        })
        .collect();
}

/// Finished figures of each group, leaving out groups that only exist
/// because of a patrol from before the period.
fn finish_groups(groups: HashMap<&str, Acc>) -> BTreeMap<String, Figures> {
    groups
        .into_iter()
        .map(|(k, a)| (k.to_owned(), a.finish()))
        .filter(|(_, f)| *f != Figures::default())
        .collect()
}

fn add(acc: &mut Acc, e: &Item<'_>, span: Span) {
    let inside = span.contains(e.occurred_at);
    match &e.record {
        Fact::Patrol(p) => {
            if let Some((from, to)) = p.ended_at.and_then(|end| span.clip(e.occurred_at, end)) {
                acc.person_seconds += (to - from).num_seconds();
            }
            if inside {
                acc.f.patrols += 1;
                match p.ended_at {
                    Some(ended) => acc.visits_s.push((ended - e.occurred_at).num_seconds()),
                    None => acc.f.patrols_not_ended += 1,
                }
            }
        }
        // A completion counts in its own period, whenever the referral was.
        Fact::IjReferral(r) => add_ij(acc, e, r, span, inside),
        _ if !inside => {}
        Fact::Arrest(_) => acc.f.arrests += 1,
        Fact::StopSearch(s) => add_stop_search(acc, s),
        Fact::AsbIntervention(a) => {
            let power = a.power.map_or(NOT_RECORDED, Code::code);
            *acc.f.asb.entry(power.into()).or_default() += 1;
            let persons = u64::from(a.persons.unwrap_or(0));
            acc.f.asb_persons += persons;
            *acc.f.asb_persons_by_power.entry(power.into()).or_default() += persons;
            if let Some(seized) = a.seized.filter(|_| a.power == Some(AsbPower::Seizure)) {
                *acc.f.seizures.entry(seized.code().into()).or_default() += 1;
            }
        }
        Fact::Shift(_) | Fact::StopAccount(_) | Fact::Note(_) => {}
    }
}

/// The longest a reparation may take to start and still count as started
/// within 48 hours.
const IJ_START_WITHIN: Duration = Duration::hours(48);

/// An Immediate Justice referral: the referral and its start count in the
/// period of the entry (`inside`), its completion in the period holding
/// `completed_on` (without one, the entry's).
fn add_ij(acc: &mut Acc, e: &Item<'_>, r: &IjFact, span: Span, inside: bool) {
    if inside {
        acc.f.ij_referrals += 1;
        let within = match (r.reparation_started_at, r.reparation_started) {
            (Some(started), _) => started - e.occurred_at <= IJ_START_WITHIN,
            // Recorded with a start date only: by dates, as it was counted then.
            (None, Some(started)) => r
                .referral_date
                .is_some_and(|referred| (started - referred).num_days() <= 2),
            (None, None) => false,
        };
        acc.f.ij_started_within_48h += u64::from(within);
    }
    let done = match (r.hours_completed, r.hours_ordered) {
        (Some(done), Some(ordered)) => done >= ordered,
        _ => false,
    };
    let completed_here = match r.completed_on {
        // A period holds a day when it holds the day's first moment: it
        // runs from a local midnight to a local midnight.
        Some(day) => span.zone.day_start(day).is_some_and(|t| span.contains(t)),
        None => inside,
    };
    acc.f.ij_completed += u64::from(done && completed_here);
}

fn add_stop_search(acc: &mut Acc, s: &StopSearchFact) {
    acc.f.stop_searches += 1;
    let outcome = s.outcome.map_or(NOT_RECORDED, Code::code);
    let power = s.power.map_or(NOT_RECORDED, Code::code);
    *acc.f
        .stop_search_outcomes
        .entry(outcome.into())
        .or_default() += 1;
    *acc.f
        .stop_search_outcomes_by_power
        .entry(power.into())
        .or_default()
        .entry(outcome.into())
        .or_default() += 1;
    let linked = s.outcome_linked_to_object == Some(true);
    if linked {
        acc.linked += 1;
        // What was looked for was found: the search seized it.
        let object = s.object.map_or(NOT_RECORDED, Code::code);
        *acc.f.search_seizures.entry(object.into()).or_default() += 1;
    }
    add_ethnicity(&mut acc.f.stop_search_ethnicity, s, outcome, linked);
}

/// One search in the ethnicity tables (see the module's rules).
fn add_ethnicity(eth: &mut EthnicityFigures, s: &StopSearchFact, outcome: &str, linked: bool) {
    let codes = |e: Option<Ethnicity>| match e {
        Some(e) => (e.group().code(), e.code()),
        None => (NOT_RECORDED, NOT_RECORDED),
    };
    let (group, code) = codes(s.self_defined_ethnicity);
    let put = |lines: &mut BTreeMap<String, SearchesBy>, key: &str| {
        // Looked up before inserting: no allocation for a key already there.
        match lines.get_mut(key) {
            Some(line) => line.add(outcome, linked),
            None => {
                let mut line = SearchesBy::default();
                line.add(outcome, linked);
                lines.insert(key.to_owned(), line);
            }
        }
    };
    put(&mut eth.self_defined_groups, group);
    put(&mut eth.self_defined_codes, code);
    let perceived = s.officer_perceived_ethnicity.or(s.self_defined_ethnicity);
    let (group, code) = codes(perceived);
    put(&mut eth.perceived_groups, group);
    put(&mut eth.perceived_codes, code);
    eth.perceived_recorded += u64::from(s.officer_perceived_ethnicity.is_some());
}

#[cfg(test)]
mod tests {
    use super::*;
    use beatbook_core::RecordKind;
    use serde::de::{self, Visitor};
    use std::fmt;

    /// The field names a derived `Deserialize` reads, as it hands them to
    /// `deserialize_struct`.
    fn field_names<'a, T: Deserialize<'a>>() -> &'static [&'static str] {
        #[derive(Debug)]
        struct Names(&'static [&'static str]);
        impl fmt::Display for Names {
            fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "{:?}", self.0)
            }
        }
        impl std::error::Error for Names {}
        impl de::Error for Names {
            fn custom<M: fmt::Display>(_: M) -> Self {
                Names(&[])
            }
        }
        struct Capture;
        impl<'de> Deserializer<'de> for Capture {
            type Error = Names;
            fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Names> {
                Err(Names(&[]))
            }
            fn deserialize_struct<V: Visitor<'de>>(
                self,
                _: &'static str,
                fields: &'static [&'static str],
                _: V,
            ) -> Result<V::Value, Names> {
                Err(Names(fields))
            }
            serde::forward_to_deserialize_any! {
                bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
                bytes byte_buf option unit unit_struct newtype_struct seq tuple
                tuple_struct map enum identifier ignored_any
            }
        }
        match T::deserialize(Capture) {
            Err(Names(fields)) => fields,
            Ok(_) => panic!("read from nothing"),
        }
    }

    /// October 2025 in Europe/London: 1 October 00:00 BST to 1 November
    /// 00:00 GMT.
    fn october() -> Span {
        let zone = ForceZone::default();
        let day = |m, d| NaiveDate::from_ymd_opt(2025, m, d).and_then(|d| zone.day_start(d));
        Span {
            start: day(10, 1).unwrap(),
            end: day(11, 1).unwrap(),
            zone,
        }
    }

    /// A referral of 4 hours at `occurred_at` with `fields` (`DONE`: all 4 done).
    fn referral(occurred_at: &str, fields: &str) -> String {
        format!(
            r#"{{"entry_id":"00000000-0000-4000-8000-000000000001","occurred_at":"{occurred_at}",
            "record":{{"ij_referral":{{"hours_ordered":4,{fields}}}}}}}"#
        )
    }

    const DONE: &str = r#""hours_completed":4"#;

    fn totals(bodies: &[String]) -> Figures {
        let items = parse_items(bodies).unwrap();
        let ret = compute(
            "2025-10-01".into(),
            "2025-10-31".into(),
            october(),
            &[],
            &items,
            &HashSet::new(),
        );
        ret.totals
    }

    #[test]
    fn a_reparation_started_within_48_hours_is_measured_in_hours() {
        let f = totals(&[
            referral(
                "2025-10-10T21:30:00Z",
                r#""reparation_started_at":"2025-10-12T21:30:00Z""#,
            ),
            referral(
                "2025-10-10T21:30:00Z",
                r#""reparation_started_at":"2025-10-12T21:31:00Z""#,
            ),
            // Two calendar days, 49 hours.
            referral(
                "2025-10-10T00:30:00Z",
                r#""referral_date":"2025-10-10","reparation_started_at":"2025-10-12T01:30:00Z""#,
            ),
            // A start date only: by the dates, as before start times.
            referral(
                "2025-10-10T21:30:00Z",
                r#""referral_date":"2025-10-10","reparation_started":"2025-10-12""#,
            ),
        ]);
        assert_eq!(f.ij_referrals, 4);
        assert_eq!(f.ij_started_within_48h, 2);
    }

    #[test]
    fn a_completion_counts_in_the_local_month_of_its_day() {
        let f = totals(&[
            // Referred in September, completed on the 1st of October (from
            // 23:00 UTC on 30 September, BST).
            referral(
                "2025-09-03T10:00:00Z",
                &format!(r#"{DONE},"completed_on":"2025-10-01""#),
            ),
            referral(
                "2025-08-30T10:00:00Z",
                &format!(r#"{DONE},"completed_on":"2025-10-15""#),
            ),
            // Referred in October, completed in November: not October's.
            referral(
                "2025-10-20T10:00:00Z",
                &format!(r#"{DONE},"completed_on":"2025-11-01""#),
            ),
            // No completion date: its referral's month.
            referral("2025-10-21T10:00:00Z", DONE),
            // Completed on a day of October, hours still owed.
            referral(
                "2025-10-22T10:00:00Z",
                r#""hours_completed":3,"completed_on":"2025-10-30""#,
            ),
        ]);
        assert_eq!(f.ij_referrals, 3);
        assert_eq!(f.ij_completed, 3);
    }

    /// The lean reader reads exactly what each record's declaration says
    /// the return needs (`returned` in `beatbook_core::record`): a field
    /// renamed there and not here would otherwise read as empty.
    #[test]
    fn the_return_reads_what_the_records_say_it_needs() {
        for kind in RecordKind::ALL {
            let mut declared: Vec<&str> = kind
                .fields()
                .iter()
                .filter(|f| f.returned)
                .map(|f| f.name)
                .collect();
            let mut read = match kind {
                RecordKind::Shift => field_names::<ShiftFact>().to_vec(),
                RecordKind::Patrol => field_names::<PatrolFact<'_>>().to_vec(),
                RecordKind::StopSearch => field_names::<StopSearchFact>().to_vec(),
                RecordKind::AsbIntervention => field_names::<AsbFact>().to_vec(),
                RecordKind::IjReferral => field_names::<IjFact>().to_vec(),
                RecordKind::StopAccount | RecordKind::Arrest | RecordKind::Note => vec![],
            };
            declared.sort_unstable();
            read.sort_unstable();
            assert_eq!(declared, read, "{kind:?}");
        }
    }
}
