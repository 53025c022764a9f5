//! Submitted programme returns (migration 0008): storing a submission,
//! reading one back, and what changed under it since.
//!
//! A submission is written through the small accounts pool, like reviews
//! (rare, small); reads go through the readers.

use super::{Accounts, Database, DbError};

/// A submission to store. `teams` is the JSON array of the sorted team
/// names; `from`/`to` the period's local days.
#[derive(Debug, Clone, Copy)]
pub struct NewReturn<'a> {
    pub teams: &'a str,
    pub from: &'a str,
    pub to: &'a str,
    pub submitted_by: &'a str,
    pub submitted_at: &'a str,
    pub figures: &'a str,
    pub sha256: &'a str,
    pub last_arrival: i64,
    pub last_review: i64,
    pub last_follow_up: i64,
}

/// A stored submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReturn {
    pub revision: u32,
    /// How many revisions the period has.
    pub revisions: u32,
    pub submitted_by: String,
    pub submitted_at: String,
    pub figures: String,
    pub sha256: String,
    pub last_arrival: i64,
    pub last_review: i64,
    pub last_follow_up: i64,
}

/// The window a change must fall in, as stored-format times: entries from
/// `from` (shifts and patrols from `lookback`, as the return reads them)
/// to `to`.
#[derive(Debug, Clone, Copy)]
pub struct ChangeWindow<'a> {
    pub lookback: &'a str,
    pub from: &'a str,
    pub to: &'a str,
}

/// A revision that arrived after a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArrivedRow {
    pub entry_id: String,
    pub seq: u32,
    pub kind: String,
    pub officer_id: String,
    pub occurred_at: String,
    pub received_at: String,
    /// `change.type` of the revision.
    pub change: String,
    /// `change.reason`, or empty.
    pub reason: String,
}

/// An Immediate Justice follow-up recorded after a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowedUpRow {
    pub entry_id: String,
    /// The referral's officer and time (its latest revision).
    pub officer_id: String,
    pub occurred_at: String,
    pub recorded_by: String,
    pub recorded_at: String,
    /// The follow-up's `result` and `reason`.
    pub result: String,
    pub reason: String,
}

/// A review decided after a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewedRow {
    pub shift_id: String,
    pub state: String,
    pub comment: String,
    pub at: String,
    pub officer_id: String,
    pub occurred_at: String,
}

impl Accounts {
    /// Stores a submission as the period's next revision, in one statement
    /// (so two at once cannot take the same number: the UNIQUE constraint
    /// refuses the second); returns its revision number.
    pub async fn insert_submitted_return(&self, r: &NewReturn<'_>) -> Result<u32, DbError> {
        on_backend!(&self.0, store => store.insert_submitted_return(r).await)
    }
}

impl Database {
    /// The highest revision arrival, review ID and follow-up arrival
    /// stored: what a return computed now has seen at most.
    pub async fn high_water(&self) -> Result<(i64, i64, i64), DbError> {
        on_backend!(&self.0, store => store.high_water().await)
    }

    /// A submission of the period: revision `revision`, or the latest.
    /// One look-up in the table's UNIQUE index.
    pub async fn submitted_return(
        &self,
        teams: &str,
        from: &str,
        to: &str,
        revision: Option<u32>,
    ) -> Result<Option<StoredReturn>, DbError> {
        on_backend!(&self.0, store => store.submitted_return(teams, from, to, revision).await)
    }

    /// Revisions of these officers that arrived after `after` (an
    /// arrival) and fall in the window, or belong to an entry a correction
    /// moved that had a revision in it (moved out of the period since).
    /// A range of the primary key: what arrived since is little (`+` keeps
    /// the planner off the by-officer index, which would read every
    /// revision the officers ever made).
    pub async fn arrived_since(
        &self,
        after: i64,
        officers: &[String],
        w: ChangeWindow<'_>,
    ) -> Result<Vec<ArrivedRow>, DbError> {
        on_backend!(&self.0, store => store.arrived_since(after, officers, w).await)
    }

    /// Reviews after `after` (a review ID) of these officers' shifts that
    /// started in the window or hold an entry of the period.
    pub async fn reviewed_since(
        &self,
        after: i64,
        officers: &[String],
        w: ChangeWindow<'_>,
    ) -> Result<Vec<ReviewedRow>, DbError> {
        on_backend!(&self.0, store => store.reviewed_since(after, officers, w).await)
    }

    /// Follow-ups recorded after `after` (an arrival) of these officers'
    /// referrals (by their latest revision) that either occurred in the
    /// period or were, by this follow-up, by an earlier one or by the
    /// referral itself, completed on one of its days (`first_day` to
    /// `last_day`, YYYY-MM-DD): what may have moved a count or a
    /// completion of the period. A range of the UNIQUE arrival index:
    /// what arrived since is little. `CROSS JOIN` keeps SQLite's planner
    /// from starting at the officers' revisions instead (median 253 ms
    /// against 4 ms, the seeded year of a 300-officer force, bench-review.sh).
    pub async fn followed_up_since(
        &self,
        after: i64,
        officers: &[String],
        w: ChangeWindow<'_>,
        first_day: &str,
        last_day: &str,
    ) -> Result<Vec<FollowedUpRow>, DbError> {
        on_backend!(&self.0, store => store.followed_up_since(after, officers, w, first_day, last_day).await)
    }
}
