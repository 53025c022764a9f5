//! Supervisor review and the programme return on the wire: what the
//! server sends and the app reads (`/api/v1/shifts`, `/api/v1/return`), and
//! the rules both sides apply (completeness flags, the return's rows).
use crate::validate::Checker;
use crate::{Record, Revision};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A shift never reviewed.
pub const PENDING: &str = "pending";
/// The decisions a supervisor can record, in the order the app offers them.
pub const REVIEW_STATES: [&str; 3] = ["approved", "has_issues", "rejected"];

/// A problem a supervisor should see before signing a shift off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Flag {
    pub entry_id: String,
    pub kind: String,
    /// One of [`FLAGS`]'s codes.
    pub flag: String,
    /// For `pace_code_a_incomplete` and `pace_code_g_incomplete`: the
    /// fields missing or wrong.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
}

/// What the flags are judged by: the force's settings and calendar.
pub struct FlagRules<'a> {
    /// A patrol that lasted longer (the force's `long_patrol_minutes`) is
    /// flagged, most likely an "End patrol" forgotten.
    pub long_patrol: chrono::Duration,
    /// The force's calendar date of an instant (a notice's day against its
    /// warning's deadline).
    pub local_date: &'a (dyn Fn(DateTime<Utc>) -> NaiveDate + Sync),
}

/// A caution given later than this after the arrest is flagged (Code C
/// 10.4: a person is cautioned on arrest unless it is impracticable).
pub const CAUTION_DELAY: chrono::Duration = chrono::Duration::minutes(30);

/// Every flag: its code and what the supervisor reads. The server refuses
/// a record that lacks what the law requires, so these are about what it
/// accepts but a supervisor must look at, and about records stored under
/// older rules (the two `_incomplete` flags).
pub const FLAGS: [(&str, &str); 13] = [
    (
        "pace_code_a_incomplete",
        "Stop and search record incomplete (PACE Code A)",
    ),
    (
        "pace_code_g_incomplete",
        "Arrest record incomplete (PACE Code G)",
    ),
    (
        "search_without_suspicion",
        "Search without suspicion (s60 or s47A): check the authorisation",
    ),
    ("search_injury", "Injury or damage caused in a search"),
    (
        "not_taken_to_custody",
        "Arrested but not taken to custody (street bail or de-arrest)",
    ),
    (
        "caution_delayed",
        "Caution given more than 30 minutes after the arrest",
    ),
    (
        "cpn_warning_not_linked",
        "Notice follows a warning not recorded in Beatbook: check it exists",
    ),
    (
        "cpn_before_deadline",
        "Notice issued before the warning's deadline had passed",
    ),
    (
        "dispersal_changed",
        "Dispersal direction varied or withdrawn",
    ),
    ("patrol_not_ended", "Patrol never ended"),
    (
        "patrol_too_long",
        "Patrol longer than the force's limit: was End patrol forgotten?",
    ),
    ("shift_not_ended", "Shift never ended"),
    (
        "withdrawn",
        "Withdrawn by the officer: left out of the counts",
    ),
];

/// The flags of an entry's latest revision, in [`FLAGS`]'s order.
pub fn flags(rev: &Revision, rules: &FlagRules) -> Vec<Flag> {
    let mut raised: Vec<(&str, Vec<String>)> = Vec::new();
    // Raises `name` when `on`, about `fields` (none: the whole entry).
    let mut raise = |name: &'static str, on: bool, fields: Vec<String>| {
        if on {
            raised.push((name, fields));
        }
    };
    // The fields the record's own rules find wrong (a record stored under
    // older rules).
    let incomplete = || {
        let mut c = Checker::new();
        rev.record.check(&mut c);
        c.into_errors()
            .into_iter()
            .map(|e| e.field)
            .collect::<Vec<_>>()
    };
    match &rev.record {
        Record::StopSearch(s) => {
            let missing = incomplete();
            raise("pace_code_a_incomplete", !missing.is_empty(), missing);
            let authorised = s.power.and_then(|p| p.longest_authorisation());
            raise("search_without_suspicion", authorised.is_some(), vec![]);
            raise("search_injury", s.injury_or_damage == Some(true), vec![]);
        }
        Record::Arrest(a) => {
            let missing = incomplete();
            raise("pace_code_g_incomplete", !missing.is_empty(), missing);
            raise("not_taken_to_custody", a.no_custody.is_some(), vec![]);
            let late = a
                .caution_at
                .is_some_and(|t| t - rev.occurred_at > CAUTION_DELAY);
            raise("caution_delayed", late, vec![]);
        }
        Record::AsbIntervention(a) if a.power == Some(crate::codes::AsbPower::Cpn) => {
            raise("cpn_warning_not_linked", a.prior_warning.is_none(), vec![]);
            let early = a
                .prior_warning_deadline
                .is_some_and(|d| (rules.local_date)(rev.occurred_at) <= d);
            raise("cpn_before_deadline", early, vec![]);
        }
        Record::AsbIntervention(a) => {
            raise("dispersal_changed", a.direction_change.is_some(), vec![]);
        }
        Record::Patrol(p) => match p.ended_at {
            None => raise("patrol_not_ended", true, vec![]),
            Some(end) => raise(
                "patrol_too_long",
                end - rev.occurred_at > rules.long_patrol,
                vec![],
            ),
        },
        Record::Shift(s) => raise("shift_not_ended", s.ended_at.is_none(), vec![]),
        _ => {}
    }
    raised
        .into_iter()
        .map(|(name, fields)| Flag {
            entry_id: rev.entry_id.to_string(),
            kind: rev.kind().code().into(),
            flag: name.into(),
            fields,
        })
        .collect()
}

/// A flag in words, for the supervisor's screen.
pub fn flag_label(flag: &str) -> &'static str {
    FLAGS
        .iter()
        .find(|(code, _)| *code == flag)
        .map_or("Needs checking", |(_, label)| label)
}

/// A review state in words.
pub fn review_label(state: &str) -> &'static str {
    match state {
        "approved" => "Approved",
        "has_issues" => "Has issues",
        "rejected" => "Rejected",
        _ => "Not reviewed",
    }
}

/// One line of the shift list (`GET /api/v1/shifts`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShiftSummary {
    pub shift_id: String,
    /// The short reference (BB-XXXX-XXXX).
    pub reference: String,
    pub officer_id: String,
    /// The team recorded on the shift.
    pub team: String,
    pub role: Option<String>,
    pub callsign: String,
    pub start: String,
    pub end: Option<String>,
    /// Entries of the shift by kind (latest revisions; the shift itself not counted).
    pub counts: BTreeMap<String, u64>,
    /// `pending` (never reviewed), `approved`, `has_issues` or `rejected`.
    pub review: String,
    pub review_comment: Option<String>,
    /// How many completeness flags the shift and its entries raise.
    pub flags: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShiftPage {
    pub shifts: Vec<ShiftSummary>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// The officer app's reading of a [`ShiftSummary`]: the fields its
/// sent-back and earlier-shift lists show, decoded with
/// [`crate::decode_struct!`] (the derive for the whole summary costs the
/// officer's download more). A field renamed or gone on the server fails
/// the read (and the test below), never a silently empty list.
#[derive(Debug, Clone, PartialEq)]
pub struct ShiftLine {
    pub shift_id: crate::EntryId,
    pub callsign: String,
    pub start: chrono::DateTime<chrono::Utc>,
    /// `pending`, `approved`, `has_issues` or `rejected`.
    pub review: String,
    /// The supervisor's words, as written.
    pub review_comment: Option<String>,
}

crate::decode_struct!(ShiftLine {
    shift_id,
    callsign,
    start as crate::time::Time,
    review,
    review_comment = default,
});

impl ShiftLine {
    /// The review state in words ("Has issues", "Rejected").
    pub fn state_label(&self) -> &'static str {
        review_label(&self.review)
    }
}

/// The officer app's reading of a [`ShiftPage`] (one page; it never pages on).
#[derive(Debug, Clone, PartialEq)]
pub struct ShiftLines {
    pub shifts: Vec<ShiftLine>,
}

crate::decode_struct!(ShiftLines { shifts });

/// The officer app's reading of one item of `GET /api/v1/revisions`
/// ([`RevisionItem`]): the revision alone, through the app's one revision
/// decoder; the server's bookkeeping is skipped.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRevision {
    pub revision: Revision,
}

crate::decode_struct!(StoredRevision { revision });

/// The officer app's reading of a page of `GET /api/v1/revisions`.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRevisions {
    pub revisions: Vec<StoredRevision>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_after: Option<i64>,
}

crate::decode_struct!(StoredRevisions {
    revisions,
    next_after = default,
});

/// A stored revision with the server's bookkeeping. `R` is how the
/// revision itself is carried: the server passes its stored JSON through
/// untouched, the app decodes a [`Revision`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RevisionItem<R = Revision> {
    pub arrival: i64,
    pub id: String,
    pub entry_id: String,
    pub seq: u32,
    pub kind: String,
    pub officer_id: String,
    pub occurred_at: String,
    pub captured_at: String,
    pub received_at: String,
    pub revision: R,
}

/// A recorded review decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewRow {
    pub review_id: i64,
    pub shift_id: String,
    pub state: String,
    pub comment: String,
    pub reviewer: String,
    pub at: String,
}

/// A conflict kept for an entry of a shift: a second version of a revision
/// ID that the server refused to overwrite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConflictRow {
    pub revision_id: String,
    pub entry_id: String,
    pub seq: u32,
    pub kind: String,
    pub reason: String,
    pub captured_at: String,
    pub received_at: String,
}

/// A shift's full record (`GET /api/v1/shifts/{id}`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShiftDetail<R = Revision> {
    pub shift_id: String,
    pub reference: String,
    pub officer_id: String,
    pub review: String,
    /// Every revision of the shift and its entries (originals and
    /// corrections), with captured_at and received_at, in time order.
    pub revisions: Vec<RevisionItem<R>>,
    pub conflicts: Vec<ConflictRow>,
    pub reviews: Vec<ReviewRow>,
    pub flags: Vec<Flag>,
    /// Breaks in the device chain of the phones that recorded in this shift
    /// (ARCHITECTURE.md, "Device chain"): empty when every entry they saved
    /// around it arrived. A flag for a person, never a refusal.
    #[serde(default)]
    pub chain_breaks: Vec<ChainBreak>,
}

/// A break in one phone's chain of saves, as the shift record shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChainBreak {
    /// `missing`: a save names a predecessor the server never received;
    /// `fork`: two saves name the same predecessor (one was rewritten or
    /// removed on the phone).
    pub kind: String,
    /// The session's device the revisions came from.
    pub device_id: String,
    /// When the last revision before the break was saved (the phone's
    /// `captured_at`, UTC); absent when nothing earlier is known.
    pub from: Option<String>,
    pub from_revision: Option<String>,
    /// When the first revision after it was saved (`captured_at`, UTC).
    pub to: String,
    pub to_revision: String,
    /// In words, with the times in the force's time zone: "Entries from
    /// this phone are missing between 21:14 and 21:40".
    pub message: String,
}

/// `POST /api/v1/shifts/{id}/review`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewRequest {
    pub state: String,
    #[serde(default)]
    pub comment: String,
}

/// Patrols and person-hours of one week.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WeekFigures {
    /// The Monday that starts the week (YYYY-MM-DD).
    pub week: String,
    pub patrols: u64,
    pub person_hours: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Figures {
    pub patrols: u64,
    pub patrols_not_ended: u64,
    /// Hours patrolled inside the period, to 2 decimals.
    pub person_hours: f64,
    pub visit_median_minutes: Option<f64>,
    /// Share (0 to 1) of ended visits lasting 10 to 15 minutes.
    pub visits_10_to_15_share: Option<f64>,
    pub arrests: u64,
    pub stop_searches: u64,
    pub stop_search_outcomes: BTreeMap<String, u64>,
    /// Outcomes per search power: power code -> outcome code -> count.
    #[serde(default)]
    pub stop_search_outcomes_by_power: BTreeMap<String, BTreeMap<String, u64>>,
    /// Share (0 to 1) of stop and searches whose outcome was linked to the object.
    pub stop_search_linked_share: Option<f64>,
    /// Interventions by ASB power code (informal warnings included).
    pub asb: BTreeMap<String, u64>,
    pub asb_persons: u64,
    /// ASB interventions with the seizure power, by what was seized
    /// (`SeizureKind` code). Seizures from searches are `search_seizures`.
    pub seizures: BTreeMap<String, u64>,
    pub ij_referrals: u64,
    /// Referrals of the period whose reparation started within 48 hours
    /// of the referral (the entry's time), measured in hours; a referral
    /// recorded with a start date only (before start times were recorded, or the time not known)
    /// by dates, within 2 days of the referral date.
    pub ij_started_within_48h: u64,
    /// Reparations completed (every ordered hour done) in the period: by
    /// `completed_on`, whatever month the referral was in; one recorded
    /// without a completion date, in the referral's period.
    pub ij_completed: u64,
    // The fields below came after returns were first submitted: left out
    // while empty, so a return submitted before them reads back to the
    // bytes its hash was taken over (`returns::canonical_figures`).
    /// Stop and searches by the person's ethnicity, self-defined and as the
    /// officer perceived it.
    #[serde(default, skip_serializing_if = "EthnicityFigures::is_empty")]
    pub stop_search_ethnicity: EthnicityFigures,
    /// Stop and searches that found what they looked for (outcome linked
    /// to the object), by the object (`SearchObject` code): what the search
    /// seized. `weapon` and `other` are also `SeizureKind` codes, so the
    /// two lists add up by code.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub search_seizures: BTreeMap<String, u64>,
    /// Persons dealt with by ASB power code (they add up to `asb_persons`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub asb_persons_by_power: BTreeMap<String, u64>,
}

/// Stop and searches of one ethnicity (a group or a code).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchesBy {
    pub searches: u64,
    /// By outcome code (`not_recorded` when left blank).
    pub outcomes: BTreeMap<String, u64>,
    /// Searches whose outcome was linked to the object of the search.
    pub linked: u64,
    /// Share (0 to 1, 4 decimals) of the searches with an outcome other
    /// than no further action (one left blank is not an outcome): the
    /// Home Office's "positive outcome" rate.
    pub outcome_rate: f64,
    /// Share (0 to 1, 4 decimals) of the searches with the outcome linked
    /// to the object: the nearest the record comes to a find rate.
    pub linked_rate: f64,
}

impl SearchesBy {
    /// Adds one search with its outcome code and link (rates by [`Self::finish`]).
    pub fn add(&mut self, outcome: &str, linked: bool) {
        self.searches += 1;
        // Looked up first: no allocation for an outcome already counted.
        match self.outcomes.get_mut(outcome) {
            Some(n) => *n += 1,
            None => {
                self.outcomes.insert(outcome.to_owned(), 1);
            }
        }
        self.linked += u64::from(linked);
    }

    /// Works out the rates from the counts.
    pub fn finish(&mut self) {
        let positive: u64 = self
            .outcomes
            .iter()
            .filter(|(code, _)| !NOT_AN_OUTCOME.contains(&code.as_str()))
            .map(|(_, n)| n)
            .sum();
        self.outcome_rate = rate(positive, self.searches);
        self.linked_rate = rate(self.linked, self.searches);
    }
}

/// The outcome codes that are not a positive outcome: no further action,
/// and an outcome left blank.
const NOT_AN_OUTCOME: [&str; 2] = ["nfa", "not_recorded"];

fn rate(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        return 0.0;
    }
    (part as f64 / whole as f64 * 10_000.0).round() / 10_000.0
}

/// Stop and searches by ethnicity. Keys: groups are `EthnicGroup` codes
/// (`asian`, `black`, `mixed`, `white`, `other`, `not_stated`), codes the
/// 18+1 `Ethnicity` codes (`W1` ... `NS`); a search recorded without one
/// (only possible before it was required) is `not_recorded` in both.
/// Stop and account is left out: not a search, recorded only where a
/// force chooses to, and not what disproportionality is published on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct EthnicityFigures {
    /// By the person's self-defined ethnicity, as groups.
    pub self_defined_groups: BTreeMap<String, SearchesBy>,
    /// By the person's self-defined ethnicity, as codes.
    pub self_defined_codes: BTreeMap<String, SearchesBy>,
    /// By the ethnicity the officer perceived, as groups: the one recorded
    /// or, where none is (the form records it only where it differs from
    /// the self-defined one, or the person did not state one), the
    /// self-defined one.
    pub perceived_groups: BTreeMap<String, SearchesBy>,
    /// The same, as codes.
    pub perceived_codes: BTreeMap<String, SearchesBy>,
    /// Searches with an officer-perceived ethnicity recorded.
    pub perceived_recorded: u64,
}

impl Figures {
    /// Nothing counted at all.
    pub fn is_nothing(&self) -> bool {
        *self == Self::default()
    }
}

impl EthnicityFigures {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Works out every line's rates.
    pub fn finish(&mut self) {
        for lines in [
            &mut self.self_defined_groups,
            &mut self.self_defined_codes,
            &mut self.perceived_groups,
            &mut self.perceived_codes,
        ] {
            lines.values_mut().for_each(SearchesBy::finish);
        }
    }

    /// Each table with its name as the return's rows call it.
    pub fn tables(&self) -> [(&'static str, &BTreeMap<String, SearchesBy>); 4] {
        [
            ("self_defined_group", &self.self_defined_groups),
            ("self_defined_code", &self.self_defined_codes),
            ("perceived_group", &self.perceived_groups),
            ("perceived_code", &self.perceived_codes),
        ]
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProgrammeReturn {
    /// First day of the period (a local day in `time_zone`), inclusive.
    pub from: String,
    /// Last day of the period (a local day in `time_zone`), inclusive.
    pub to: String,
    /// The IANA time zone whose local days, ISO weeks and months the
    /// return counts in (e.g. `Europe/London`); empty from a server that
    /// counted in UTC days and did not say.
    #[serde(default)]
    pub time_zone: String,
    pub totals: Figures,
    /// Places outside the force's hotspots: by the place a patrol typed,
    /// and `(no patrol)` for entries outside any patrol. (Before hotspots
    /// were listed, every patrol's place.)
    pub by_area: BTreeMap<String, Figures>,
    /// The entries of patrols in each of the force's hotspots, by hotspot
    /// ID: a renamed hotspot keeps its history. (These four are left out
    /// while empty, so a return submitted before them keeps its bytes.)
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub by_hotspot: BTreeMap<String, Figures>,
    /// The hotspots of `by_hotspot` as the force names them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub hotspots: BTreeMap<String, HotspotLabel>,
    /// Hotspot time: everything in `by_hotspot`, together.
    #[serde(default, skip_serializing_if = "Figures::is_nothing")]
    pub in_hotspots: Figures,
    /// Everything else: patrols at other locations and entries outside any
    /// patrol (`in_hotspots` and this add up to `totals`). Empty unless the
    /// force lists hotspots.
    #[serde(default, skip_serializing_if = "Figures::is_nothing")]
    pub outside_hotspots: Figures,
    pub by_role: BTreeMap<String, Figures>,
    /// Patrols and person-hours per ISO week (local Monday 00:00 to the
    /// next) that meets the period, oldest first; person-hours clipped to
    /// the period.
    #[serde(default)]
    pub by_week: Vec<WeekFigures>,
    /// Shifts whose latest review is `rejected`. Their entries still count
    /// (a rejected shift's lawful searches and arrests happened): they are
    /// disputed, and counted again in `disputed`.
    #[serde(default)]
    pub disputed_shifts: u64,
    /// The figures of the entries of rejected shifts (already inside
    /// `totals`), so a reader sees how much of each figure is disputed.
    #[serde(default)]
    pub disputed: Figures,
    /// Entries of the period an officer withdrew (made in error), left out
    /// of every figure.
    #[serde(default)]
    pub withdrawn: u64,
}

/// A hotspot as a return names it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HotspotLabel {
    pub name: String,
    /// Its programme area.
    pub area: String,
    /// Retired since (no longer offered to officers).
    #[serde(default)]
    pub retired: bool,
}

/// The return as CSV rows: group, name, metric, value. Groups: first
/// `period` (name `all`, metric `time_zone`, the zone's name, left out when
/// the return names none; then `disputed_shifts` and `withdrawn`), then
/// `total` (name `all`), `disputed` (the entries of rejected shifts, inside
/// the totals), for a force that lists hotspots `hotspot_time` (names
/// `in_hotspots`, `outside_hotspots`) and `hotspot` (name: its ID; its
/// `name` and `programme_area` as metrics, then its figures), `area`
/// (places outside hotspots), `role` (every figure, outcomes per power as
/// `stop_search_outcome_by_power:<power>:<outcome>`; persons per ASB power
/// as `asb_persons:<power>`; seizures as `seizure:<kind>` from ASB powers
/// and `search_seizure:<object>` from searches; by ethnicity as
/// `stop_search_<table>:<key>:<what>`, `<table>` one of
/// `self_defined_group`, `self_defined_code`, `perceived_group`,
/// `perceived_code`, `<what>` `searches`, `outcome:<outcome>`, `linked`,
/// `outcome_rate` and `linked_rate`), then `week` (name: the Monday;
/// `patrols` and `person_hours` only), oldest first.
pub fn rows(ret: &ProgrammeReturn) -> Vec<[String; 4]> {
    let mut out = Vec::new();
    if !ret.time_zone.is_empty() {
        out.push([
            "period".into(),
            "all".into(),
            "time_zone".into(),
            ret.time_zone.clone(),
        ]);
    }
    for (metric, value) in [
        ("disputed_shifts", ret.disputed_shifts),
        ("withdrawn", ret.withdrawn),
    ] {
        out.push([
            "period".into(),
            "all".into(),
            metric.into(),
            value.to_string(),
        ]);
    }
    let push = |out: &mut Vec<[String; 4]>, group: &str, name: &str, f: &Figures| {
        let mut m = |metric: &str, value: String| {
            out.push([group.into(), name.into(), metric.into(), value]);
        };
        let opt = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
        m("patrols", f.patrols.to_string());
        m("patrols_not_ended", f.patrols_not_ended.to_string());
        m("person_hours", f.person_hours.to_string());
        m("visit_median_minutes", opt(f.visit_median_minutes));
        m("visits_10_to_15_share", opt(f.visits_10_to_15_share));
        m("arrests", f.arrests.to_string());
        m("stop_searches", f.stop_searches.to_string());
        for (k, v) in &f.stop_search_outcomes {
            m(&format!("stop_search_outcome:{k}"), v.to_string());
        }
        for (power, outcomes) in &f.stop_search_outcomes_by_power {
            for (outcome, v) in outcomes {
                m(
                    &format!("stop_search_outcome_by_power:{power}:{outcome}"),
                    v.to_string(),
                );
            }
        }
        m("stop_search_linked_share", opt(f.stop_search_linked_share));
        for (k, v) in &f.asb {
            m(&format!("asb:{k}"), v.to_string());
        }
        m("asb_persons", f.asb_persons.to_string());
        for (k, v) in &f.asb_persons_by_power {
            m(&format!("asb_persons:{k}"), v.to_string());
        }
        for (k, v) in &f.seizures {
            m(&format!("seizure:{k}"), v.to_string());
        }
        for (k, v) in &f.search_seizures {
            m(&format!("search_seizure:{k}"), v.to_string());
        }
        m("ij_referrals", f.ij_referrals.to_string());
        m("ij_started_within_48h", f.ij_started_within_48h.to_string());
        m("ij_completed", f.ij_completed.to_string());
        let eth = &f.stop_search_ethnicity;
        if !eth.is_empty() {
            m(
                "stop_search_perceived_recorded",
                eth.perceived_recorded.to_string(),
            );
        }
        for (table, lines) in eth.tables() {
            for (key, line) in lines {
                let name = |what: &str| format!("stop_search_{table}:{key}:{what}");
                m(&name("searches"), line.searches.to_string());
                for (outcome, v) in &line.outcomes {
                    m(&name(&format!("outcome:{outcome}")), v.to_string());
                }
                m(&name("linked"), line.linked.to_string());
                m(&name("outcome_rate"), line.outcome_rate.to_string());
                m(&name("linked_rate"), line.linked_rate.to_string());
            }
        }
    };
    push(&mut out, "total", "all", &ret.totals);
    // Inside the totals: the entries of rejected shifts, as their own line.
    push(&mut out, "disputed", "all", &ret.disputed);
    // A force that lists hotspots: hotspot time and the rest, then each
    // hotspot by ID, with its name and programme area as their own rows.
    if !ret.by_hotspot.is_empty() {
        push(&mut out, "hotspot_time", "in_hotspots", &ret.in_hotspots);
        push(
            &mut out,
            "hotspot_time",
            "outside_hotspots",
            &ret.outside_hotspots,
        );
    }
    for (id, f) in &ret.by_hotspot {
        if let Some(label) = ret.hotspots.get(id) {
            for (metric, value) in [("name", &label.name), ("programme_area", &label.area)] {
                out.push(["hotspot".into(), id.clone(), metric.into(), value.clone()]);
            }
        }
        push(&mut out, "hotspot", id, f);
    }
    for (k, f) in &ret.by_area {
        push(&mut out, "area", k, f);
    }
    for (k, f) in &ret.by_role {
        push(&mut out, "role", k, f);
    }
    for w in &ret.by_week {
        let row =
            |metric: &str, value: String| ["week".into(), w.week.clone(), metric.into(), value];
        out.push(row("patrols", w.patrols.to_string()));
        out.push(row("person_hours", w.person_hours.to_string()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Patrol;
    use crate::revision::Change;
    use crate::{EntryId, RevisionId};
    use chrono::{DateTime, Duration, Utc};

    fn at(text: &str) -> DateTime<Utc> {
        crate::time::parse(text).unwrap()
    }

    fn patrol(start: &str, end: Option<&str>) -> Revision {
        Revision {
            id: RevisionId::from_random_bytes([1; 16]),
            entry_id: EntryId::from_random_bytes([2; 16]),
            seq: 1,
            officer_id: "pc-1".into(),
            captured_at: at(start),
            occurred_at: at(start),
            shift_id: Some(EntryId::from_random_bytes([3; 16])),
            patrol_id: None,
            location: None,
            notes: String::new(),
            change: Change::Created,
            record: Record::Patrol(Patrol {
                ended_at: end.map(at),
                ..Patrol::default()
            }),
            clock_offset_ms: None,
            prev: None,
        }
    }

    fn names(rev: &Revision, limit_minutes: i64) -> Vec<String> {
        let rules = FlagRules {
            long_patrol: Duration::minutes(limit_minutes),
            local_date: &|t| t.date_naive(),
        };
        flags(rev, &rules).into_iter().map(|f| f.flag).collect()
    }

    #[test]
    fn a_patrol_longer_than_the_limit_is_flagged_and_one_at_the_limit_is_not() {
        let six_hours = patrol("2026-11-01T22:00:00Z", Some("2026-11-02T04:00:00Z"));
        assert_eq!(names(&six_hours, 120), ["patrol_too_long"]);
        assert!(names(&six_hours, 480).is_empty());
        let two_hours = patrol("2026-11-01T22:00:00Z", Some("2026-11-02T00:00:00Z"));
        assert!(names(&two_hours, 120).is_empty());
        let open = patrol("2026-11-01T22:00:00Z", None);
        assert_eq!(names(&open, 120), ["patrol_not_ended"]);
        assert_eq!(
            flag_label("patrol_too_long"),
            "Patrol longer than the force's limit: was End patrol forgotten?"
        );
    }

    #[test]
    fn the_officer_app_reads_the_shift_list_and_the_revisions_the_server_writes() {
        let summary = |review: &str, comment: Option<&str>| ShiftSummary {
            shift_id: "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d".into(),
            reference: "BB-1A2B-3C4D".into(),
            officer_id: "PC1".into(),
            team: "North".into(),
            role: None,
            callsign: "Alpha 1".into(),
            start: "2026-01-01T08:00:00Z".into(),
            end: None,
            counts: BTreeMap::from([("note".to_owned(), 2)]),
            review: review.into(),
            review_comment: comment.map(str::to_owned),
            flags: 0,
        };
        let page = ShiftPage {
            shifts: vec![
                summary("rejected", Some("Wrong callsign")),
                summary("pending", None),
            ],
            next_cursor: Some("c".into()),
        };
        let lines: ShiftLines =
            serde_json::from_str(&serde_json::to_string(&page).unwrap()).unwrap();
        assert_eq!(lines.shifts.len(), 2);
        let first = &lines.shifts[0];
        assert_eq!(first.shift_id.to_string(), page.shifts[0].shift_id);
        assert_eq!(first.callsign, "Alpha 1");
        assert_eq!(
            first.start,
            crate::time::parse("2026-01-01T08:00:00Z").unwrap()
        );
        assert_eq!(
            (first.review.as_str(), first.state_label()),
            ("rejected", "Rejected")
        );
        assert_eq!(first.review_comment.as_deref(), Some("Wrong callsign"));
        assert_eq!(lines.shifts[1].review_comment, None);
        // A field renamed or gone is an error, not an empty list.
        let renamed = serde_json::to_string(&page)
            .unwrap()
            .replace("\"callsign\"", "\"call\"");
        assert!(serde_json::from_str::<ShiftLines>(&renamed).is_err());

        let rev = r#"{"id":"6f1c2a4e-8b1d-4c3e-9a55-0d2f6b7c8e91",
            "entry_id":"1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d","seq":1,"officer_id":"PC1",
            "captured_at":"2026-01-01T08:00:00Z","occurred_at":"2026-01-01T08:00:00Z",
            "change":{"type":"created"},"record":{"note":{"text":"x"}}}"#;
        let revision: Revision = serde_json::from_str(rev).unwrap();
        let item = RevisionItem {
            arrival: 7,
            id: revision.id.to_string(),
            entry_id: revision.entry_id.to_string(),
            seq: 1,
            kind: "note".into(),
            officer_id: "PC1".into(),
            occurred_at: "2026-01-01T08:00:00Z".into(),
            captured_at: "2026-01-01T08:00:00Z".into(),
            received_at: "2026-01-01T08:00:01Z".into(),
            revision: revision.clone(),
        };
        let json = format!(
            r#"{{"revisions":[{}],"next_after":null}}"#,
            serde_json::to_string(&item).unwrap()
        );
        let read: StoredRevisions = serde_json::from_str(&json).unwrap();
        assert_eq!(read.revisions, [StoredRevision { revision }]);
        assert_eq!(read.next_after, None);
    }

    #[test]
    fn rows_list_outcomes_by_power_and_weeks_last() {
        let mut totals = Figures::default();
        totals
            .stop_search_outcomes_by_power
            .entry("mda_s23".into())
            .or_default()
            .insert("arrest".into(), 2);
        let ret = ProgrammeReturn {
            from: "2025-10-01".into(),
            to: "2025-10-31".into(),
            time_zone: "Europe/London".into(),
            totals,
            by_area: BTreeMap::new(),
            by_role: BTreeMap::new(),
            by_week: vec![WeekFigures {
                week: "2025-09-29".into(),
                patrols: 3,
                person_hours: 0.75,
            }],
            disputed_shifts: 1,
            disputed: Figures {
                arrests: 1,
                ..Figures::default()
            },
            withdrawn: 2,
            ..ProgrammeReturn::default()
        };
        let rows = rows(&ret);
        let row = |g: &str, n: &str, m: &str, v: &str| [g.into(), n.into(), m.into(), v.into()];
        assert_eq!(rows[0], row("period", "all", "time_zone", "Europe/London"));
        assert_eq!(rows[1], row("period", "all", "disputed_shifts", "1"));
        assert_eq!(rows[2], row("period", "all", "withdrawn", "2"));
        assert!(rows.contains(&row("disputed", "all", "arrests", "1")));
        assert!(rows.contains(&row(
            "total",
            "all",
            "stop_search_outcome_by_power:mda_s23:arrest",
            "2"
        )));
        assert_eq!(
            rows[rows.len() - 2..],
            [
                row("week", "2025-09-29", "patrols", "3"),
                row("week", "2025-09-29", "person_hours", "0.75")
            ]
        );
    }
}
