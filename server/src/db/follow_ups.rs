//! Immediate Justice follow-ups (migration 0012): storing one (never over
//! another), reading a referral's, and who may record them.
//!
//! Follow-ups are written through the small accounts pool, like reviews
//! (rare, small); reads go through the readers.
use beatbook_core::ij::StoredFollowUp;

use super::{Accounts, Database, DbError};

/// A follow-up to store: its ID and referral, who and when, and its JSON
/// (`body`, canonical: what a resend is compared by) and merge patch.
#[derive(Debug, Clone, Copy)]
pub struct NewFollowUp<'a> {
    pub follow_up_id: &'a str,
    pub entry_id: &'a str,
    pub recorded_by: &'a str,
    pub recorded_at: &'a str,
    pub completed_on: Option<&'a str>,
    pub body: &'a str,
    pub patch: &'a str,
}

/// A stored follow-up as read back: its JSON, who and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUpRow {
    pub entry_id: String,
    pub recorded_by: String,
    pub recorded_at: String,
    pub body: String,
}

impl FollowUpRow {
    pub fn decode(self) -> Result<StoredFollowUp, DbError> {
        Ok(StoredFollowUp {
            follow_up: serde_json::from_str(&self.body).map_err(|e| DbError::Corrupt {
                column: "ij_follow_ups.body",
                value: e.to_string(),
            })?,
            recorded_by: self.recorded_by,
            recorded_at: self.recorded_at,
        })
    }
}

impl Accounts {
    /// Stores a follow-up as the next arrival, in one statement (two at
    /// once cannot take the same number). False when its ID is taken
    /// already: nothing is written, the first stays as it was.
    pub async fn insert_follow_up(&self, f: &NewFollowUp<'_>) -> Result<bool, DbError> {
        on_backend!(&self.0, store => store.insert_follow_up(f).await)
    }
}

impl Database {
    /// The follow-up stored under this ID, if any.
    pub async fn follow_up(&self, follow_up_id: &str) -> Result<Option<FollowUpRow>, DbError> {
        on_backend!(&self.0, store => store.follow_up(follow_up_id).await)
    }

    /// A referral's follow-ups, in the order they arrived.
    pub async fn follow_ups_of(&self, entry_id: &str) -> Result<Vec<FollowUpRow>, DbError> {
        on_backend!(&self.0, store => store.follow_ups_of(entry_id).await)
    }

    /// Whether user `user_id` may record and read follow-ups of a referral
    /// made in `owner`'s shift that started at `start` (stored-format
    /// text), being someone other than `owner`: they were in one of the
    /// teams `owner` was in at `start`, at `start` (officer or supervisor,
    /// by the membership history of migration 0009, so a move since keeps
    /// it and a join since does not give it), or they supervise one of
    /// those teams now (who reads and reviews the shift, as
    /// `review::readable_shift` has it).
    pub async fn may_follow_up(
        &self,
        user_id: i64,
        owner: &str,
        start: &str,
    ) -> Result<bool, DbError> {
        on_backend!(&self.0, store => store.may_follow_up(user_id, owner, start).await)
    }
}
