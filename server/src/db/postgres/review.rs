//! PostgreSQL: review.
#![allow(unused_variables, unused_imports)] // placeholders while the port goes on
use super::{Accounts, LimitTx, Readers};
use crate::db::accounts::NewEvent;
use crate::db::review::*;
use crate::db::*;
use beatbook_core::review::{ConflictRow, ReviewRow};

impl Accounts {
    pub async fn insert_review(&self, r: &NewReview<'_>) -> Result<i64, DbError> {
        Err(super::unported("review::insert_review").into())
    }

    pub async fn log_access(&self, a: &NewAccess<'_>) -> Result<(), DbError> {
        Err(super::unported("review::log_access").into())
    }

    pub async fn access_log(&self, limit: u32) -> Result<Vec<AccessRow>, DbError> {
        Err(super::unported("review::access_log").into())
    }
}

impl Readers {
    pub async fn shift_head(&self, shift_id: &str) -> Result<Option<(String, String)>, DbError> {
        Err(super::unported("review::shift_head").into())
    }

    pub async fn teams_of(&self, officers: &[String]) -> Result<Vec<(String, String)>, DbError> {
        Err(super::unported("review::teams_of").into())
    }

    pub async fn list_shifts(&self, f: &ShiftFilter<'_>) -> Result<Vec<ShiftHead>, DbError> {
        Err(super::unported("review::list_shifts").into())
    }

    pub async fn latest_of_shifts(&self, shift_ids: &[String]) -> Result<Vec<StoredRow>, DbError> {
        Err(super::unported("review::latest_of_shifts").into())
    }

    pub async fn latest_of_entries(&self, entry_ids: &[String]) -> Result<Vec<StoredRow>, DbError> {
        Err(super::unported("review::latest_of_entries").into())
    }

    pub async fn shift_revisions(&self, shift_id: &str) -> Result<Vec<StoredRow>, DbError> {
        Err(super::unported("review::shift_revisions").into())
    }

    pub async fn shift_conflicts(&self, shift_id: &str) -> Result<Vec<ConflictRow>, DbError> {
        Err(super::unported("review::shift_conflicts").into())
    }

    pub async fn review_history(&self, shift_id: &str) -> Result<Vec<ReviewRow>, DbError> {
        Err(super::unported("review::review_history").into())
    }

    pub async fn rejected_among(&self, shift_ids: &[String]) -> Result<Vec<String>, DbError> {
        Err(super::unported("review::rejected_among").into())
    }

    pub async fn latest_in_window(
        &self,
        kinds: &[&str],
        officers: &[String],
        from: &str,
        to: &str,
    ) -> Result<WindowRows, DbError> {
        Err(super::unported("review::latest_in_window").into())
    }

    pub async fn ij_completed_between(
        &self,
        officers: &[String],
        first_day: &str,
        last_day: &str,
        before: &str,
    ) -> Result<WindowRows, DbError> {
        Err(super::unported("review::ij_completed_between").into())
    }

    pub async fn shifts_in_window(
        &self,
        officers: &[String],
        from: &str,
        to: &str,
    ) -> Result<WindowRows, DbError> {
        Err(super::unported("review::shifts_in_window").into())
    }

    pub async fn export_chunk(
        &self,
        officer: &str,
        kind: Option<&str>,
        from: &str,
        to: &str,
        after: Option<(&str, i64)>,
        limit: u32,
        stays: Option<&str>,
    ) -> Result<JoinedRows, DbError> {
        Err(super::unported("review::export_chunk").into())
    }
}
