//! PostgreSQL: teams.
#![allow(unused_variables, unused_imports)] // placeholders while the port goes on
use super::{Accounts, LimitTx, Readers};
use crate::db::accounts::NewEvent;
use crate::db::teams::*;
use crate::db::*;
use chrono::{DateTime, Utc};

impl Accounts {
    pub async fn join_team(
        &self,
        officer_id: &str,
        team: &str,
        at: DateTime<Utc>,
        event: &NewEvent<'_>,
    ) -> Result<(), AccountError> {
        Err(super::unported("teams::join_team").into())
    }

    pub async fn leave_team(
        &self,
        officer_id: &str,
        team: &str,
        at: DateTime<Utc>,
        event: &NewEvent<'_>,
    ) -> Result<(), AccountError> {
        Err(super::unported("teams::leave_team").into())
    }
}

impl Readers {
    pub async fn members_of(&self, teams: &[String]) -> Result<Vec<MemberRow>, DbError> {
        Err(super::unported("teams::members_of").into())
    }

    pub async fn team_exists(&self, team: &str) -> Result<bool, DbError> {
        Err(super::unported("teams::team_exists").into())
    }
}
