//! PostgreSQL: follow_ups.
#![allow(unused_variables, unused_imports)] // placeholders while the port goes on
use super::{Accounts, LimitTx, Readers};
use crate::db::accounts::NewEvent;
use crate::db::follow_ups::*;
use crate::db::*;
use beatbook_core::ij::StoredFollowUp;

impl Accounts {
    pub async fn insert_follow_up(&self, f: &NewFollowUp<'_>) -> Result<bool, DbError> {
        Err(super::unported("follow_ups::insert_follow_up").into())
    }
}

impl Readers {
    pub async fn follow_up(&self, follow_up_id: &str) -> Result<Option<FollowUpRow>, DbError> {
        Err(super::unported("follow_ups::follow_up").into())
    }

    pub async fn follow_ups_of(&self, entry_id: &str) -> Result<Vec<FollowUpRow>, DbError> {
        Err(super::unported("follow_ups::follow_ups_of").into())
    }

    pub async fn may_follow_up(
        &self,
        user_id: i64,
        owner: &str,
        start: &str,
    ) -> Result<bool, DbError> {
        Err(super::unported("follow_ups::may_follow_up").into())
    }
}
