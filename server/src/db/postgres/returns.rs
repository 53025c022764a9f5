//! PostgreSQL: returns.
#![allow(unused_variables, unused_imports)] // placeholders while the port goes on

use super::{Accounts, LimitTx, Readers};
use crate::db::accounts::NewEvent;
use crate::db::returns::*;
use crate::db::*;

impl Accounts {
    pub async fn insert_submitted_return(&self, r: &NewReturn<'_>) -> Result<u32, DbError> {
        Err(super::unported("returns::insert_submitted_return").into())
    }
}

impl Readers {
    pub async fn high_water(&self) -> Result<(i64, i64, i64), DbError> {
        Err(super::unported("returns::high_water").into())
    }

    pub async fn submitted_return(
        &self,
        teams: &str,
        from: &str,
        to: &str,
        revision: Option<u32>,
    ) -> Result<Option<StoredReturn>, DbError> {
        Err(super::unported("returns::submitted_return").into())
    }

    pub async fn arrived_since(
        &self,
        after: i64,
        officers: &[String],
        w: ChangeWindow<'_>,
    ) -> Result<Vec<ArrivedRow>, DbError> {
        Err(super::unported("returns::arrived_since").into())
    }

    pub async fn reviewed_since(
        &self,
        after: i64,
        officers: &[String],
        w: ChangeWindow<'_>,
    ) -> Result<Vec<ReviewedRow>, DbError> {
        Err(super::unported("returns::reviewed_since").into())
    }

    pub async fn followed_up_since(
        &self,
        after: i64,
        officers: &[String],
        w: ChangeWindow<'_>,
        first_day: &str,
        last_day: &str,
    ) -> Result<Vec<FollowedUpRow>, DbError> {
        Err(super::unported("returns::followed_up_since").into())
    }
}
