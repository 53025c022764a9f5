//! Revisions: the immutable unit of storage and sync.
//!
//! An entry is never edited in place. Creating it writes revision 1; ending a
//! shift or patrol, or correcting anything, writes the next revision with the
//! reason. The latest revision is what the timeline shows; all are kept.
use crate::ids::{EntryId, RevisionId};
use crate::record::{Arrest, IjReferral, Patrol, Record, RecordKind, Shift, StopSearch};
use crate::validate::{Checker, FieldError, Rule};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Decoded by hand, below (required fields as serde's derive
/// requires them; `shift_id`, `patrol_id`, `location` and `notes` optional).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Revision {
    pub id: RevisionId,
    pub entry_id: EntryId,
    /// 1 for the original; each later revision adds one.
    pub seq: u32,
    pub officer_id: String,
    /// Device clock when this revision was saved (UTC).
    #[serde(with = "crate::time::rfc3339")]
    pub captured_at: DateTime<Utc>,
    /// When the thing happened (filled in automatically, editable).
    #[serde(with = "crate::time::rfc3339")]
    pub occurred_at: DateTime<Utc>,
    pub shift_id: Option<EntryId>,
    pub patrol_id: Option<EntryId>,
    pub location: Option<Location>,
    /// May be left out (empty).
    #[cfg_attr(feature = "openapi", schema(required = false))]
    pub notes: String,
    pub change: Change,
    pub record: Record,
    /// The server's clock minus the device's, in ms, as the app knew it
    /// when it saved this revision (from the last answer it had). `None`
    /// when it had not heard from the server. `captured_at` stays the
    /// device's own reading; the server judges it by the corrected time, so
    /// a phone whose clock ran ahead is not refused (see
    /// [`Revision::check_clock`]). Left out of the bytes when `None`, so
    /// revisions made before it existed compare as they always did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clock_offset_ms: Option<i64>,
    /// The device chain (ARCHITECTURE.md, "Device chain"): the SHA-256, in
    /// 64 lowercase hex digits, of the canonical bytes
    /// ([`crate::sync::canonical_bytes`]) of the revision this device saved
    /// just before this one. `None` for a device's first save, an older app
    /// and a phone that starts afresh; left out of the bytes when `None`,
    /// like `clock_offset_ms`, so older revisions keep their bytes. A link
    /// that matches nothing the server holds is a flag for a supervisor,
    /// never a refusal.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(required = false, pattern = "^[0-9a-f]{64}$")
    )]
    pub prev: Option<String>,
}

/// On the wire `{"type": "created"}`, `{"type": "ended"}`,
/// `{"type": "corrected", "reason": "..."}` or
/// `{"type": "withdrawn", "reason": "..."}` (serde's internal tagging);
/// decoded by hand, below, without buffering.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Change {
    Created,
    /// A shift or patrol was ended (its `ended_at` is set).
    Ended,
    Corrected {
        reason: String,
    },
    /// The officer withdrew an entry made in error (a duplicate, the wrong
    /// person): kept in the record with its reason, left out of every
    /// count. It carries the entry as it stood (record, time, notes,
    /// location unchanged) and nothing may follow it.
    Withdrawn {
        reason: String,
    },
}

impl Change {
    /// The reason a correction or a withdrawal carries.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Self::Corrected { reason } | Self::Withdrawn { reason } => Some(reason),
            Self::Created | Self::Ended => None,
        }
    }
}

/// A position from the browser's geolocation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Location {
    pub lat: f64,
    pub lon: f64,
    /// Radius of 95% confidence, metres.
    pub accuracy_m: f64,
}

impl Location {
    /// A position as the browser gave it, each number rounded to 7 decimal
    /// places (about 1 cm; a phone's fix is good to metres). The app reads
    /// its stored revisions with serde_json's default number reader
    /// (`float_roundtrip` would add some 9 KB gzip to the download), which
    /// reads a few numbers of 16 or 17 digits back one unit in the last
    /// place off; a number of at most 7 decimals it reads back exactly. So
    /// the revisions the app rebuilds from storage after unlocking hold the
    /// very location the server holds, and an end revision, which must
    /// carry its entry's location unchanged (`History::check_follows`), is
    /// not refused.
    pub fn from_fix(lat: f64, lon: f64, accuracy_m: f64) -> Self {
        fn round(x: f64) -> f64 {
            let rounded = (x * 1e7).round() / 1e7;
            // Huge or not a number: left as it came (`Revision::check`
            // judges it).
            if rounded.is_finite() {
                rounded
            } else {
                x
            }
        }
        Self {
            lat: round(lat),
            lon: round(lon),
            accuracy_m: round(accuracy_m),
        }
    }
}

/// How far ahead of the checker's clock a time may be (clock skew between a
/// phone and the server).
pub const MAX_CLOCK_SKEW: Duration = Duration::hours(1);

/// Earliest time accepted anywhere (no patrol log predates Beatbook by decades).
pub fn earliest_time() -> DateTime<Utc> {
    DateTime::from_timestamp(946_684_800, 0).unwrap_or(DateTime::UNIX_EPOCH) // 2000-01-01
}

impl Revision {
    pub fn kind(&self) -> RecordKind {
        self.record.kind()
    }

    /// The clock to check this revision's times against, from the
    /// checker's `now`: a device that said it ran ahead of the server (a
    /// negative offset) is judged by its own clock, up to a day ahead.
    pub fn check_clock(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let ahead = self
            .clock_offset_ms
            .and_then(|ms| ms.checked_neg())
            .and_then(Duration::try_milliseconds)
            .unwrap_or_default()
            .clamp(Duration::zero(), crate::sync::MAX_DEVICE_AHEAD);
        now.checked_add_signed(ahead).unwrap_or(now)
    }

    /// Every rule a single revision must satisfy on its own, checked against
    /// `now` (the device clock in the app, the server clock on the server).
    pub fn check(&self, now: DateTime<Utc>) -> Result<(), Vec<FieldError>> {
        let mut c = Checker::new();
        self.record.check(&mut c);
        c.required("officer_id", &self.officer_id, "the officer ID");
        c.long_text("notes", &self.notes);
        for (field, time) in [
            ("occurred_at", self.occurred_at),
            ("captured_at", self.captured_at),
        ] {
            check_time(&mut c, field, time, now);
        }
        // The end, the caution and the authorisation's start are past
        // moments too (an authorisation's end may lie ahead: still running).
        let past = match &self.record {
            Record::Shift(s) => s.ended_at.map(|t| ("ended_at", t)),
            Record::Patrol(p) => p.ended_at.map(|t| ("ended_at", t)),
            Record::Arrest(a) => a.caution_at.map(|t| ("caution_at", t)),
            Record::StopSearch(s) => s.authorised_from.map(|t| ("authorised_from", t)),
            Record::IjReferral(r) => r
                .reparation_started_at
                .map(|t| ("reparation_started_at", t)),
            _ => None,
        };
        if let Some((field, t)) = past {
            check_time(&mut c, field, t, now);
        }
        self.record.check_against_start(self.occurred_at, &mut c);
        if let Some(loc) = self.location {
            let ok = (-90.0..=90.0).contains(&loc.lat)
                && (-180.0..=180.0).contains(&loc.lon)
                && loc.accuracy_m.is_finite()
                && loc.accuracy_m >= 0.0;
            if !ok {
                c.rule("location", Rule::BadLocation);
            }
        }
        match self.kind() {
            RecordKind::Shift if self.shift_id.is_some() || self.patrol_id.is_some() => {
                c.rule("shift_id", Rule::ShiftInsideShift)
            }
            RecordKind::Shift => {}
            RecordKind::Patrol if self.shift_id.is_none() => {
                c.rule("shift_id", Rule::PatrolWithoutShift)
            }
            RecordKind::Patrol if self.patrol_id.is_some() => {
                c.rule("patrol_id", Rule::PatrolInsidePatrol)
            }
            _ if self.shift_id.is_none() => c.rule("shift_id", Rule::NoShift),
            _ => {}
        }
        if self.prev.as_deref().is_some_and(|p| !is_chain_hash(p)) {
            c.rule("prev", Rule::BadChainLink);
        }
        // A withdrawal's reason is checked as a correction's is.
        if let Some(reason) = self.change.reason() {
            if reason.trim().is_empty() {
                c.rule("reason", Rule::CorrectionWithoutReason);
            } else {
                c.long_text("reason", reason);
            }
        }
        c.finish()
    }
}

impl Record {
    /// The rules that compare the record's own times with the moment its
    /// entry happened (`start`, the revision's `occurred_at`): run by the
    /// form as soon as both are typed, and by [`Revision::check`].
    pub fn check_against_start(&self, start: DateTime<Utc>, c: &mut Checker) {
        // Times are typed to the minute, while an untouched record time
        // keeps its seconds: the rules below compare whole minutes.
        let minute = whole_minute(start);
        match self {
            Record::Shift(Shift {
                ended_at: Some(ended),
                ..
            })
            | Record::Patrol(Patrol {
                ended_at: Some(ended),
                ..
            }) if *ended < minute => c.rule("ended_at", Rule::EndsBeforeStart),
            Record::Arrest(Arrest {
                caution_at: Some(t),
                ..
            }) if *t < minute => c.rule("caution_at", Rule::CautionBeforeArrest),
            // The referral is the entry: its reparation starts after it.
            Record::IjReferral(IjReferral {
                reparation_started_at: Some(t),
                ..
            }) if *t < minute => c.rule("reparation_started_at", Rule::ReparationBeforeReferral),
            Record::StopSearch(StopSearch {
                authorised_from: Some(from),
                authorised_until: Some(until),
                ..
            }) if from < until && !(*from <= minute && minute <= *until) => {
                c.rule("occurred_at", Rule::OutsideAuthorisation)
            }
            _ => {}
        }
    }
}

/// The start of the minute `t` falls in.
fn whole_minute(t: DateTime<Utc>) -> DateTime<Utc> {
    let seconds = t.timestamp().div_euclid(60) * 60;
    DateTime::from_timestamp(seconds, 0).unwrap_or(t)
}

/// Whether `text` is a device chain link as [`Revision::prev`] carries it:
/// exactly 64 lowercase hexadecimal digits (a SHA-256).
pub fn is_chain_hash(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The same record, as the bytes the server compares (`canonical_bytes`):
/// the derived `PartialEq` over every record kind was kilobytes of the
/// download for two checks that run on ends and withdrawals only.
fn same_record(a: &Record, b: &Record) -> bool {
    match (serde_json::to_vec(a), serde_json::to_vec(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// An ascending sort key of three numbers (see [`sort_revisions`]).
pub type SortKey = [u128; 3];

/// Sorts revisions by a key function (stable). Every ordering of revisions
/// goes through this one routine, and through [`crate::order::sort_by`], the
/// download's one sort.
pub fn sort_revisions(revs: &mut [&Revision], key: fn(&Revision) -> SortKey) {
    crate::order::sort_by(revs, |a, b| key(a) < key(b));
}

/// A time as an ascending sort key component.
pub fn time_key(t: DateTime<Utc>) -> u128 {
    (i128::from(t.timestamp_micros()) - i128::from(i64::MIN)) as u128
}

/// Reverses a sort key component (for newest first).
pub fn descending(x: u128) -> u128 {
    u128::MAX - x
}

fn check_time(c: &mut Checker, field: &str, time: DateTime<Utc>, now: DateTime<Utc>) {
    if time > now + MAX_CLOCK_SKEW {
        c.rule(field, Rule::InTheFuture);
    } else if time < earliest_time() {
        c.rule(field, Rule::TooFarInThePast);
    }
}

/// Why a revision cannot follow the ones already held for its entry.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RevisionError {
    #[error("the first revision of an entry must be a creation with sequence 1")]
    FirstMustBeCreation,
    #[error("revision belongs to another entry")]
    WrongEntry,
    #[error("expected revision {expected}, got {got}")]
    OutOfSequence { expected: u32, got: u32 },
    #[error("only the first revision may be a creation")]
    CreatedTwice,
    #[error("a revision cannot change the record type")]
    KindChanged,
    #[error("only a shift or patrol can be ended")]
    NotEndable,
    #[error("already ended")]
    AlreadyEnded,
    #[error("an end revision must set the end time and change nothing else")]
    EndChangesMore,
    #[error("a revision cannot move an entry to another shift, patrol or officer")]
    ContextChanged,
    #[error("the entry was withdrawn; nothing can follow")]
    Withdrawn,
    #[error("a withdrawal keeps the entry as it was")]
    WithdrawalChangesMore,
    #[error("a correction may move an end time but not add or remove one")]
    CorrectionAddsOrRemovesEnd,
}

/// All revisions of one entry, in sequence order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct History {
    revisions: Vec<Revision>,
}

impl History {
    pub fn revisions(&self) -> &[Revision] {
        &self.revisions
    }

    pub fn latest(&self) -> Option<&Revision> {
        self.revisions.last()
    }

    pub fn original(&self) -> Option<&Revision> {
        self.revisions.first()
    }

    /// Checks that `next` may follow the revisions held so far.
    pub fn check_next(&self, next: &Revision) -> Result<(), RevisionError> {
        Self::check_follows(self.revisions.last(), next)
    }

    /// [`History::check_next`] given only the latest revision held (`None`:
    /// nothing held), which is all the rule looks at: for a store, such as
    /// the server's, that does not keep whole histories in memory.
    pub fn check_follows(last: Option<&Revision>, next: &Revision) -> Result<(), RevisionError> {
        let Some(last) = last else {
            return if next.seq == 1 && next.change == Change::Created {
                Ok(())
            } else {
                Err(RevisionError::FirstMustBeCreation)
            };
        };
        if next.entry_id != last.entry_id {
            return Err(RevisionError::WrongEntry);
        }
        if next.seq != last.seq + 1 {
            return Err(RevisionError::OutOfSequence {
                expected: last.seq + 1,
                got: next.seq,
            });
        }
        if next.kind() != last.kind() {
            return Err(RevisionError::KindChanged);
        }
        if matches!(last.change, Change::Withdrawn { .. }) {
            return Err(RevisionError::Withdrawn);
        }
        if next.shift_id != last.shift_id
            || next.patrol_id != last.patrol_id
            || next.officer_id != last.officer_id
        {
            return Err(RevisionError::ContextChanged);
        }
        match &next.change {
            Change::Created => Err(RevisionError::CreatedTwice),
            // A correction may put a forgotten "End" right (a patrol ended
            // hours late), but ending stays its own act, and nothing reopens.
            Change::Corrected { .. } => {
                if next.record.ended_at().is_some() != last.record.ended_at().is_some() {
                    return Err(RevisionError::CorrectionAddsOrRemovesEnd);
                }
                Ok(())
            }
            // What is withdrawn is the entry as it stood, so the record
            // keeps what the officer withdrew.
            Change::Withdrawn { .. } => {
                if !same_record(&next.record, &last.record)
                    || next.occurred_at != last.occurred_at
                    || next.notes != last.notes
                    || next.location != last.location
                {
                    return Err(RevisionError::WithdrawalChangesMore);
                }
                Ok(())
            }
            Change::Ended => {
                if !next.kind().has_duration() {
                    return Err(RevisionError::NotEndable);
                }
                if last.record.ended_at().is_some() {
                    return Err(RevisionError::AlreadyEnded);
                }
                let mut reopened = next.record.clone();
                match &mut reopened {
                    Record::Shift(s) => s.ended_at = None,
                    Record::Patrol(p) => p.ended_at = None,
                    _ => {}
                }
                // Notes and location too: an end that rewrites them would
                // be a correction without a reason.
                if next.record.ended_at().is_none()
                    || !same_record(&reopened, &last.record)
                    || next.occurred_at != last.occurred_at
                    || next.notes != last.notes
                    || next.location != last.location
                {
                    return Err(RevisionError::EndChangesMore);
                }
                Ok(())
            }
        }
    }

    /// Adds `next` after checking it may follow.
    pub fn push(&mut self, next: Revision) -> Result<(), RevisionError> {
        self.check_next(&next)?;
        self.revisions.push(next);
        Ok(())
    }

    /// Builds histories from revisions in any order. Revisions that cannot be
    /// placed (a gap, a broken rule) are returned apart, never dropped.
    pub fn group(revisions: Vec<Revision>) -> (Vec<History>, Vec<(Revision, RevisionError)>) {
        // The ID breaks ties (two revisions claiming one slot) so the result
        // never depends on the input order.
        let mut order: Vec<&Revision> = revisions.iter().collect();
        sort_revisions(&mut order, |r| {
            [r.entry_id.as_u128(), u128::from(r.seq), r.id.as_u128()]
        });
        let sorted: Vec<Revision> = order.into_iter().cloned().collect();
        drop(revisions);
        let mut histories: Vec<History> = Vec::new();
        let mut orphans = Vec::new();
        for rev in sorted {
            let same_entry = histories
                .last()
                .and_then(History::latest)
                .is_some_and(|l| l.entry_id == rev.entry_id);
            if !same_entry {
                histories.push(History::default());
            }
            if let Some(h) = histories.last_mut() {
                if let Err(e) = h.check_next(&rev) {
                    orphans.push((rev, e));
                } else {
                    h.revisions.push(rev);
                }
            }
        }
        histories.retain(|h| !h.revisions.is_empty());
        (histories, orphans)
    }
}

// The hand-written decoders of `Revision` and `Change` (`crate::wire`
// explains why they are not derived).
use crate::time::Time;
use crate::wire::{de, next_value, read_fields};
use serde::de::{Deserializer, MapAccess, Visitor};
use std::fmt;

/// A revision, read as `#[derive(Deserialize)]` would with `#[serde(default)]`
/// on `shift_id`, `patrol_id`, `location`, `notes`, `clock_offset_ms` and
/// `prev`: every other field is required (the first missing one is reported).
impl<'de> de::Deserialize<'de> for Revision {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_struct("Revision", REVISION_FIELDS, RevisionVisitor)
    }
}

const REVISION_FIELDS: &[&str] = &[
    "id",
    "entry_id",
    "seq",
    "officer_id",
    "captured_at",
    "occurred_at",
    "shift_id",
    "patrol_id",
    "location",
    "notes",
    "change",
    "record",
    "clock_offset_ms",
    "prev",
];

struct RevisionVisitor;

impl<'de> Visitor<'de> for RevisionVisitor {
    type Value = Revision;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("struct Revision")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Revision, A::Error> {
        let (mut id, mut entry_id, mut seq, mut officer_id) = (None, None, None, None);
        let (mut captured_at, mut occurred_at, mut change, mut record) = (None, None, None, None);
        let (mut shift_id, mut patrol_id, mut location, mut notes) = (None, None, None, None);
        let (mut clock_offset_ms, mut prev) = (None, None);
        read_fields(&mut map, REVISION_FIELDS, |index, map| {
            match index {
                0 => id = Some(next_value(map)?),
                1 => entry_id = Some(next_value(map)?),
                2 => seq = Some(next_value(map)?),
                3 => officer_id = Some(next_value(map)?),
                4 => captured_at = Some(next_value::<Time, A>(map)?.0),
                5 => occurred_at = Some(next_value::<Time, A>(map)?.0),
                6 => shift_id = next_value(map)?,
                7 => patrol_id = next_value(map)?,
                8 => location = next_value(map)?,
                9 => notes = Some(next_value(map)?),
                10 => change = Some(next_value(map)?),
                11 => record = Some(next_value(map)?),
                12 => clock_offset_ms = next_value(map)?,
                _ => prev = next_value(map)?,
            }
            Ok(())
        })?;
        let missing = de::Error::missing_field;
        Ok(Revision {
            id: id.ok_or_else(|| missing("id"))?,
            entry_id: entry_id.ok_or_else(|| missing("entry_id"))?,
            seq: seq.ok_or_else(|| missing("seq"))?,
            officer_id: officer_id.ok_or_else(|| missing("officer_id"))?,
            captured_at: captured_at.ok_or_else(|| missing("captured_at"))?,
            occurred_at: occurred_at.ok_or_else(|| missing("occurred_at"))?,
            shift_id,
            patrol_id,
            location,
            notes: notes.unwrap_or_default(),
            change: change.ok_or_else(|| missing("change"))?,
            record: record.ok_or_else(|| missing("record"))?,
            clock_offset_ms,
            prev,
        })
    }
}

/// A change: `{"type": ..}`, plus `"reason"` for a correction. As serde's
/// internal tagging reads it, but without buffering the object first (the
/// buffering code was the only user of serde's `Content` in the app): the
/// tag may come before or after the reason; other fields are skipped.
/// Stricter on purpose in one way: `type` and `reason` are the change's two
/// fields whatever its type, so a repeated or non-text `reason` is refused
/// on a creation or an end too, where the derive would skip it (an evidence
/// record never carries two readings of a field).
impl<'de> de::Deserialize<'de> for Change {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(ChangeVisitor)
    }
}

struct ChangeVisitor;

impl<'de> Visitor<'de> for ChangeVisitor {
    type Value = Change;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a change with its type")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Change, A::Error> {
        const TYPES: &[&str] = &["created", "ended", "corrected", "withdrawn"];
        let mut change_type: Option<String> = None;
        let mut reason: Option<String> = None;
        read_fields(&mut map, &["type", "reason"], |index, map| {
            match index {
                0 => change_type = Some(next_value(map)?),
                _ => reason = Some(next_value(map)?),
            }
            Ok(())
        })?;
        match change_type.as_deref() {
            Some("created") => Ok(Change::Created),
            Some("ended") => Ok(Change::Ended),
            Some(t @ ("corrected" | "withdrawn")) => match reason {
                Some(reason) if t == "corrected" => Ok(Change::Corrected { reason }),
                Some(reason) => Ok(Change::Withdrawn { reason }),
                None => Err(de::Error::missing_field("reason")),
            },
            Some(other) => Err(de::Error::unknown_variant(other, TYPES)),
            None => Err(de::Error::missing_field("type")),
        }
    }
}
