//! The sync protocol between the app and the server.
//!
//! The app pushes batches of revisions (each immutable, with a client-made ID);
//! the server answers per change. Because a revision never changes, a retry is
//! always safe: the server recognises what it already holds byte for byte and
//! answers `AlreadyHad`, and a different body under a known ID is a `Conflict`
//! that is kept apart, never written over.
use crate::ids::RevisionId;
use crate::record::RecordKind;
use crate::revision::{sort_revisions, time_key, Revision, RevisionError};
use crate::time::OptTime;
use crate::validate::FieldError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Bumped on any change a peer must understand; sent in every request.
pub const PROTOCOL_VERSION: u32 = 1;
/// Most changes the server accepts in one push.
pub const MAX_CHANGES_PER_PUSH: usize = 500;
/// Largest push body the server accepts.
pub const MAX_PUSH_BYTES: usize = 2 * 1024 * 1024;
/// What the app sends per batch, to stay well inside the server's limits.
pub const APP_BATCH_CHANGES: usize = 100;
pub const APP_BATCH_BYTES: usize = 256 * 1024;

pub const PUSH_PATH: &str = "/api/v1/sync/push";

/// One push. `C` is [`Revision`] when the app builds it; the server reads
/// each change as raw JSON first so one bad change cannot sink the batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushRequest<C = Revision> {
    pub protocol: u32,
    pub device_id: String,
    /// The device's clock when it sent this push. A phone whose clock runs
    /// ahead saves times that look like the future to the server; knowing
    /// how far ahead it runs now, the server judges them by the phone's own
    /// clock (up to [`MAX_DEVICE_AHEAD`]) instead of refusing them.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::time::rfc3339_opt"
    )]
    pub device_time: Option<DateTime<Utc>>,
    pub changes: Vec<C>,
}

/// How far ahead of the server a phone's clock may run and still have its
/// times judged by that clock: beyond a day it is a wrong date, not drift.
pub const MAX_DEVICE_AHEAD: chrono::Duration = chrono::Duration::hours(24);

/// The clock the server checks a push's times against: its own, or the
/// phone's if that runs ahead (by at most [`MAX_DEVICE_AHEAD`]).
pub fn check_clock(server_now: DateTime<Utc>, device_time: Option<DateTime<Utc>>) -> DateTime<Utc> {
    let ahead = device_time
        .map(|d| d - server_now)
        .unwrap_or_default()
        .clamp(chrono::Duration::zero(), MAX_DEVICE_AHEAD);
    server_now + ahead
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResponse {
    pub protocol: u32,
    #[serde(with = "crate::time::rfc3339")]
    pub server_time: DateTime<Utc>,
    /// One result per change, in request order.
    pub results: Vec<ChangeResult>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangeResult {
    /// Position of the change in the request.
    pub index: usize,
    /// The revision ID, when the change was readable enough to have one.
    pub id: Option<RevisionId>,
    #[serde(flatten)]
    pub outcome: Outcome,
    /// The outcome's reason in words, for apps that read [`Answer`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Not final: the change was not stored because something it needs
    /// (an earlier revision, the shift it names) has not reached the server
    /// yet. Send it again later; do not keep this answer. Absent (false)
    /// on every other answer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub retry: bool,
}

impl ChangeResult {
    pub fn new(index: usize, id: Option<RevisionId>, outcome: Outcome) -> Self {
        let message = outcome.message();
        let retry = outcome.is_retryable();
        Self {
            index,
            id,
            outcome,
            message,
            retry,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Newly and durably stored.
    Stored {
        #[serde(with = "crate::time::rfc3339")]
        received_at: DateTime<Utc>,
    },
    /// The server already held exactly this revision.
    AlreadyHad {
        #[serde(with = "crate::time::rfc3339")]
        received_at: DateTime<Utc>,
    },
    /// The ID (or the entry's sequence slot) is taken by different content.
    /// Both are kept; a supervisor resolves it.
    Conflict { reason: ConflictReason },
    /// Not acceptable as sent; retrying the same bytes will not help.
    Rejected { reason: Rejection },
}

impl Outcome {
    /// The server holds this revision (stored now or before).
    pub fn is_acknowledged(&self) -> bool {
        matches!(self, Self::Stored { .. } | Self::AlreadyHad { .. })
    }

    pub fn kind(&self) -> OutcomeKind {
        match self {
            Self::Stored { .. } => OutcomeKind::Stored,
            Self::AlreadyHad { .. } => OutcomeKind::AlreadyHad,
            Self::Conflict { .. } => OutcomeKind::Conflict,
            Self::Rejected { .. } => OutcomeKind::Rejected,
        }
    }

    /// Refused only for now: see [`ChangeResult::retry`].
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Rejected { reason } if reason.is_retryable())
    }

    /// A sentence for the officer when the server did not take the change.
    pub fn message(&self) -> Option<String> {
        match self {
            Self::Stored { .. } | Self::AlreadyHad { .. } => None,
            Self::Conflict { reason } => Some(reason.to_string()),
            Self::Rejected { reason } => Some(reason.to_string()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    Stored,
    AlreadyHad,
    Conflict,
    Rejected,
}

/// Read from its snake_case name, as the derive would, in less code.
impl<'de> Deserialize<'de> for OutcomeKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        const NAMES: &[&str] = &["stored", "already_had", "conflict", "rejected"];
        let name = std::borrow::Cow::<'de, str>::deserialize(d)?;
        match &*name {
            "stored" => Ok(Self::Stored),
            "already_had" => Ok(Self::AlreadyHad),
            "conflict" => Ok(Self::Conflict),
            "rejected" => Ok(Self::Rejected),
            other => Err(serde::de::Error::unknown_variant(other, NAMES)),
        }
    }
}

/// What the app reads and keeps of the server's answer for one change: the
/// outcome, when it was received and, if refused, why in words. Reading this
/// instead of [`ChangeResult`] keeps every reason type's decoder out of the
/// app's download; unknown fields are skipped.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answer {
    pub index: usize,
    pub outcome: OutcomeKind,
    #[serde(serialize_with = "crate::time::rfc3339_opt::serialize")]
    pub received_at: Option<DateTime<Utc>>,
    pub message: Option<String>,
    /// Not final ([`ChangeResult::retry`]): send the change again later
    /// instead of keeping this answer.
    pub retry: bool,
}

// Decoded with `decode_struct!` (smaller than the derive in the app).
crate::decode_struct!(Answer {
    index = default,
    outcome,
    received_at as OptTime = default,
    message = default,
    retry = default,
});

impl Answer {
    pub fn is_acknowledged(&self) -> bool {
        matches!(self.outcome, OutcomeKind::Stored | OutcomeKind::AlreadyHad)
    }

    /// Whether this answer settles the change (stored, already had, a
    /// conflict, a refusal that stands); false for a "send again later".
    pub fn is_final(&self) -> bool {
        !self.retry
    }
}

/// The app's reading of a [`PushResponse`].
#[derive(Debug, Clone, PartialEq)]
pub struct PushAnswers {
    pub results: Vec<Answer>,
}

crate::decode_struct!(PushAnswers { results });

#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "conflict", rename_all = "snake_case")]
pub enum ConflictReason {
    #[error("the server holds a different revision with this ID")]
    SameIdDifferentContent,
    #[error("another revision already holds sequence {seq} of this entry")]
    SequenceTaken { seq: u32 },
    #[error("this entry is a different record type on the server")]
    KindMismatch,
}

#[derive(Debug, Clone, PartialEq, Error, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "rejection", rename_all = "snake_case")]
pub enum Rejection {
    #[error("unreadable change: {detail}")]
    Malformed { detail: String },
    #[error("invalid: {}", summarize(errors))]
    Invalid { errors: Vec<FieldError> },
    #[error("this entry belongs to another officer")]
    NotYourEntry,
    /// `field` (`shift_id`, `patrol_id`, `linked_stop`, `linked_entry`,
    /// `prior_warning`)
    /// names an entry of another officer.
    #[error("the {field} names an entry of another officer")]
    ReferenceNotYours { field: String },
    /// `field` names an entry of the wrong kind (`expected` in words, e.g.
    /// "a patrol of this shift").
    #[error("the {field} does not name {expected}")]
    ReferenceWrongKind { field: String, expected: String },
    /// `field` names an entry the server does not hold yet. Retryable:
    /// sent again later, it is stored once the entry has arrived.
    #[error(
        "the {field} names an entry that has not reached the server yet; it will be sent again"
    )]
    ReferenceMissing { field: String },
    /// The history rule ([`History::check_next`](crate::History::check_next)),
    /// as the app runs it: one variant per rule.
    #[error(
        "revision {expected} of this entry has not reached the server yet; it will be sent again"
    )]
    EarlierRevisionMissing { expected: u32 },
    #[error("the first revision of an entry must be its creation, with sequence 1")]
    FirstMustBeCreation,
    #[error("only the first revision of an entry may be a creation")]
    CreatedTwice,
    #[error("the server holds revision {latest} of this entry; this one cannot follow it")]
    OutOfSequence { latest: u32 },
    #[error("a revision cannot change the record type")]
    KindChanged,
    #[error("only a shift or a patrol can be ended")]
    NotEndable,
    #[error("this shift or patrol is already ended")]
    AlreadyEnded,
    #[error(
        "ending a shift or patrol may set the end time and change nothing else; use a correction"
    )]
    EndChangesMore,
    #[error("a revision cannot move an entry to another shift, patrol or officer")]
    ContextChanged,
    #[error("this entry was withdrawn; nothing more can be recorded on it")]
    Withdrawn,
    #[error("a withdrawal keeps the entry as it was")]
    WithdrawalChangesMore,
    #[error(
        "a correction may move the end time of a shift or patrol but not add or remove it; end it instead"
    )]
    CorrectionAddsOrRemovesEnd,
}

impl Rejection {
    /// Whether the same change may be accepted later, once something it
    /// needs has arrived ([`ChangeResult::retry`]).
    ///
    /// A time "in the future" is retryable too: it means the phone's clock
    /// runs ahead, and once the server's clock reaches that time (or the app
    /// sends the clock it has now, see [`PushRequest::device_time`]) the same
    /// bytes are accepted. Refusing it for good stranded entries.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::ReferenceMissing { .. } | Self::EarlierRevisionMissing { .. } => true,
            Self::Invalid { errors } => {
                !errors.is_empty()
                    && errors.iter().all(|e| {
                        e.problem
                            == crate::validate::Problem::Rule(crate::validate::Rule::InTheFuture)
                    })
            }
            _ => false,
        }
    }
}

/// A history rule broken, as a refusal. A later sequence number than the
/// next is retryable ([`Rejection::EarlierRevisionMissing`]): the ones
/// between may still arrive.
impl From<RevisionError> for Rejection {
    fn from(e: RevisionError) -> Self {
        match e {
            RevisionError::FirstMustBeCreation => Self::FirstMustBeCreation,
            RevisionError::OutOfSequence { expected, got } if got > expected => {
                Self::EarlierRevisionMissing { expected }
            }
            RevisionError::OutOfSequence { expected, .. } => Self::OutOfSequence {
                latest: expected.saturating_sub(1),
            },
            RevisionError::CreatedTwice => Self::CreatedTwice,
            RevisionError::KindChanged => Self::KindChanged,
            RevisionError::NotEndable => Self::NotEndable,
            RevisionError::AlreadyEnded => Self::AlreadyEnded,
            RevisionError::EndChangesMore => Self::EndChangesMore,
            RevisionError::WrongEntry | RevisionError::ContextChanged => Self::ContextChanged,
            RevisionError::Withdrawn => Self::Withdrawn,
            RevisionError::WithdrawalChangesMore => Self::WithdrawalChangesMore,
            RevisionError::CorrectionAddsOrRemovesEnd => Self::CorrectionAddsOrRemovesEnd,
        }
    }
}

fn summarize(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// How an incoming revision relates to what the server already holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Classification {
    New,
    Identical,
    Conflict(ConflictReason),
}

/// What the server already holds that bears on an incoming revision.
#[derive(Debug, Clone, Copy, Default)]
pub struct Existing<'a> {
    /// Canonical bytes stored under the incoming revision's ID.
    pub same_id: Option<&'a [u8]>,
    /// The ID of a stored revision in the same (entry, seq) slot.
    pub same_slot: Option<RevisionId>,
    /// The record type of the entry, if any revision of it is stored.
    pub entry_kind: Option<RecordKind>,
}

/// The idempotency rule, in one place: given the incoming revision, its
/// canonical bytes ([`canonical_bytes`]) and what the server holds, decide.
pub fn classify(incoming: &Revision, canonical: &[u8], existing: Existing<'_>) -> Classification {
    match existing.same_id {
        Some(stored) if stored == canonical => Classification::Identical,
        Some(_) => Classification::Conflict(ConflictReason::SameIdDifferentContent),
        None => match (existing.same_slot, existing.entry_kind) {
            (Some(other), _) if other != incoming.id => {
                Classification::Conflict(ConflictReason::SequenceTaken { seq: incoming.seq })
            }
            (_, Some(kind)) if kind != incoming.kind() => {
                Classification::Conflict(ConflictReason::KindMismatch)
            }
            _ => Classification::New,
        },
    }
}

/// The canonical bytes of a revision: what the server stores and compares.
/// Re-encoding the typed value makes key order and whitespace irrelevant.
pub fn canonical_bytes(rev: &Revision) -> Result<Vec<u8>, serde_json::Error> {
    serde_json::to_vec(rev)
}

/// The body of every error answer from the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiErrorBody {
    /// A stable machine-readable code, e.g. `unsupported_protocol`.
    pub error: String,
    /// What is wrong, in words a person can act on.
    pub message: String,
}

crate::decode_struct!(ApiErrorBody { error, message });

/// Picks the next batch to push: oldest first (a creation before its
/// corrections), at most `max_changes` changes and about `max_bytes` of JSON.
/// Always takes at least one change so a single large one still moves.
pub fn next_batch<'a>(
    pending: &[&'a Revision],
    max_changes: usize,
    max_bytes: usize,
) -> Vec<&'a Revision> {
    let mut ordered: Vec<&Revision> = pending.to_vec();
    sort_revisions(&mut ordered, |r| {
        [time_key(r.captured_at), u128::from(r.seq), r.id.as_u128()]
    });
    let mut batch = Vec::new();
    let mut bytes = 0;
    for rev in ordered {
        let size = serde_json::to_vec(rev).map_or(max_bytes, |v| v.len());
        if !batch.is_empty() && (batch.len() >= max_changes || bytes + size > max_bytes) {
            break;
        }
        bytes += size;
        batch.push(rev);
    }
    batch
}

/// Retry delays after failed pushes: exponential from 2 s, capped at 5 min,
/// with "full jitter" so a fleet of phones regaining signal together does not
/// hammer the server in step.
pub fn backoff_ms(failures: u32, jitter: f64) -> u64 {
    const BASE_MS: u64 = 2_000;
    const CAP_MS: u64 = 5 * 60 * 1_000;
    let exp = BASE_MS.saturating_mul(1u64 << failures.min(20));
    let ceiling = exp.min(CAP_MS);
    let jitter = jitter.clamp(0.0, 1.0);
    // Never less than half the ceiling: a retry storm needs spreading, not
    // an instant retry.
    ceiling / 2 + ((ceiling / 2) as f64 * jitter) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff_ms(0, 0.0), 1_000);
        assert_eq!(backoff_ms(0, 1.0), 2_000);
        assert_eq!(backoff_ms(3, 1.0), 16_000);
        assert_eq!(backoff_ms(30, 1.0), 300_000);
        assert_eq!(backoff_ms(30, 0.0), 150_000);
        for f in 0..40 {
            let d = backoff_ms(f, 0.5);
            assert!((1_000..=300_000).contains(&d), "{f}: {d}");
        }
    }
}

#[cfg(test)]
mod answer_tests {
    use super::*;
    use crate::validate::{FieldError, Problem};

    #[test]
    fn the_app_reads_each_outcome_and_its_reason_in_words() {
        let at = crate::time::parse("2026-11-27T08:30:00.5Z").unwrap();
        let response = PushResponse {
            protocol: PROTOCOL_VERSION,
            server_time: at,
            results: vec![
                ChangeResult::new(0, None, Outcome::Stored { received_at: at }),
                ChangeResult::new(1, None, Outcome::AlreadyHad { received_at: at }),
                ChangeResult::new(
                    2,
                    None,
                    Outcome::Conflict {
                        reason: ConflictReason::SameIdDifferentContent,
                    },
                ),
                ChangeResult::new(
                    3,
                    None,
                    Outcome::Rejected {
                        reason: Rejection::Invalid {
                            errors: vec![FieldError {
                                field: "grounds".into(),
                                problem: Problem::Missing {
                                    what: "the grounds for the search".into(),
                                },
                            }],
                        },
                    },
                ),
            ],
        };
        let json = serde_json::to_string(&response).unwrap();
        let answers: PushAnswers = serde_json::from_str(&json).unwrap();
        let kinds: Vec<_> = answers.results.iter().map(|a| a.outcome).collect();
        assert_eq!(
            kinds,
            [
                OutcomeKind::Stored,
                OutcomeKind::AlreadyHad,
                OutcomeKind::Conflict,
                OutcomeKind::Rejected
            ]
        );
        assert!(answers.results[0].is_acknowledged() && answers.results[1].is_acknowledged());
        assert!(!answers.results[2].is_acknowledged() && !answers.results[3].is_acknowledged());
        assert_eq!(answers.results[0].received_at, Some(at));
        assert_eq!(
            answers.results[3].message.as_deref(),
            Some("invalid: grounds: Enter the grounds for the search")
        );
        assert_eq!(answers.results[3].index, 3);
    }
}
