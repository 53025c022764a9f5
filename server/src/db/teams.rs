//! Team membership with its history (migration 0009): joining and leaving
//! a team, and who was in a set of teams when.
//!
//! A shift belongs to the teams its officer was in when it started, so a
//! move closes one row and opens another instead of changing who was
//! where; reads of "the team now" go through the `user_teams` view.
use chrono::{DateTime, Utc};

use super::accounts::{AccountError, NewEvent};
use super::{Accounts, Database, DbError};

/// The `joined_at` of a membership that has always been: an account's
/// first teams and every row migrated from 0002. Sorts before any stored
/// time.
pub const FAR_PAST: &str = "0000-01-01T00:00:00.000000Z";

/// One membership row: `officer_id` was in the team from `from` (`None`:
/// always) until `until` (`None`: still is).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRow {
    pub officer_id: String,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

impl Accounts {
    /// Opens a membership of `officer_id` in `team` from `at`. Refused if
    /// they are in it now, or `at` is before they last left it (the
    /// history would overlap).
    pub async fn join_team(
        &self,
        officer_id: &str,
        team: &str,
        at: DateTime<Utc>,
        event: &NewEvent<'_>,
    ) -> Result<(), AccountError> {
        on_backend!(&self.0, store => store.join_team(officer_id, team, at, event).await)
    }

    /// Closes the open membership of `officer_id` in `team` at `at` (kept:
    /// their shifts before `at` stay the team's). Refused if they are not
    /// in it, or `at` is not after they joined.
    pub async fn leave_team(
        &self,
        officer_id: &str,
        team: &str,
        at: DateTime<Utc>,
        event: &NewEvent<'_>,
    ) -> Result<(), AccountError> {
        on_backend!(&self.0, store => store.leave_team(officer_id, team, at, event).await)
    }
}

impl Database {
    /// Every membership, past and present, in these teams of the people
    /// who record entries (officer and supervisor roles; an admin records
    /// none), by officer then time.
    pub async fn members_of(&self, teams: &[String]) -> Result<Vec<MemberRow>, DbError> {
        on_backend!(&self.0, store => store.members_of(teams).await)
    }

    /// Whether a team of this name exists.
    pub async fn team_exists(&self, team: &str) -> Result<bool, DbError> {
        on_backend!(&self.0, store => store.team_exists(team).await)
    }
}
