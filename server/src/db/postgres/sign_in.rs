//! PostgreSQL: sign_in.
#![allow(unused_variables, unused_imports)] // placeholders while the port goes on
use super::{Accounts, LimitTx, Readers};
use crate::db::accounts::NewEvent;
use crate::db::sign_in::*;
use crate::db::*;
use chrono::{DateTime, Utc};

impl Accounts {
    pub async fn begin_limits(&self) -> Result<LimitTx, DbError> {
        Err(super::unported("sign_in::begin_limits").into())
    }

    pub async fn take_back_sign_in_failure(&self, id: i64) -> Result<(), DbError> {
        Err(super::unported("sign_in::take_back_sign_in_failure").into())
    }
}

impl LimitTx {
    pub async fn held(&mut self, q: &HeldQuery<'_>) -> Result<Held, DbError> {
        Err(super::unported("sign_in::held").into())
    }

    pub async fn set_next_turn(&mut self, account: &str, at: DateTime<Utc>) -> Result<(), DbError> {
        Err(super::unported("sign_in::set_next_turn").into())
    }

    pub async fn add_failure(
        &mut self,
        account: &str,
        address: &str,
        at: DateTime<Utc>,
    ) -> Result<i64, DbError> {
        Err(super::unported("sign_in::add_failure").into())
    }

    pub async fn take_back(&mut self, id: i64) -> Result<(), DbError> {
        Err(super::unported("sign_in::take_back").into())
    }

    pub async fn clear_pair_and_account(
        &mut self,
        account: &str,
        address: &str,
    ) -> Result<(), DbError> {
        Err(super::unported("sign_in::clear_pair_and_account").into())
    }

    pub async fn prune(
        &mut self,
        before: DateTime<Utc>,
        now: DateTime<Utc>,
        keep: i64,
    ) -> Result<(), DbError> {
        Err(super::unported("sign_in::prune").into())
    }

    pub async fn rows(&mut self) -> Result<LimitRows, DbError> {
        Err(super::unported("sign_in::rows").into())
    }

    pub async fn commit(self) -> Result<(), DbError> {
        Err(super::unported("sign_in::commit").into())
    }
}
