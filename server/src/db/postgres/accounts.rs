//! PostgreSQL: accounts.
#![allow(unused_variables, unused_imports)] // placeholders while the port goes on
use super::{Accounts, LimitTx, Readers};
use crate::db::accounts::NewEvent;
use crate::db::accounts::*;
use crate::db::*;
use beatbook_core::auth::Role;
use chrono::{DateTime, Utc};
use thiserror::Error;

impl Accounts {
    pub async fn user_count(&self) -> Result<i64, DbError> {
        Err(super::unported("accounts::user_count").into())
    }

    pub async fn record_event(&self, event: &NewEvent<'_>) -> Result<(), DbError> {
        Err(super::unported("accounts::record_event").into())
    }

    pub async fn recent_events(&self, limit: u32) -> Result<Vec<EventRow>, DbError> {
        Err(super::unported("accounts::recent_events").into())
    }

    pub async fn add_team(&self, name: &str, event: &NewEvent<'_>) -> Result<(), AccountError> {
        Err(super::unported("accounts::add_team").into())
    }

    pub async fn list_teams(&self) -> Result<Vec<TeamSummary>, DbError> {
        Err(super::unported("accounts::list_teams").into())
    }

    pub async fn create_user(
        &self,
        user: &NewUser<'_>,
        event: &NewEvent<'_>,
    ) -> Result<i64, AccountError> {
        Err(super::unported("accounts::create_user").into())
    }

    pub async fn create_users_with_sessions(
        &self,
        users: &[(NewUser<'_>, &str, TokenHash)],
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<(), AccountError> {
        Err(super::unported("accounts::create_users_with_sessions").into())
    }

    pub async fn ensure_team(&self, name: &str, now: DateTime<Utc>) -> Result<(), DbError> {
        Err(super::unported("accounts::ensure_team").into())
    }

    pub async fn find_user_id(&self, officer_id: &str) -> Result<Option<i64>, DbError> {
        Err(super::unported("accounts::find_user_id").into())
    }

    pub async fn set_password(
        &self,
        officer_id: &str,
        password_hash: &str,
        event: &NewEvent<'_>,
    ) -> Result<u64, AccountError> {
        Err(super::unported("accounts::set_password").into())
    }

    pub async fn set_disabled(
        &self,
        officer_id: &str,
        disabled: bool,
        event: &NewEvent<'_>,
    ) -> Result<u64, AccountError> {
        Err(super::unported("accounts::set_disabled").into())
    }

    pub async fn list_users(&self) -> Result<Vec<UserSummary>, DbError> {
        Err(super::unported("accounts::list_users").into())
    }

    pub async fn devices(&self, officer_id: &str) -> Result<Vec<DeviceSession>, AccountError> {
        Err(super::unported("accounts::devices").into())
    }

    pub async fn revoke_device(
        &self,
        officer_id: &str,
        device_id: &str,
        event: &NewEvent<'_>,
    ) -> Result<u64, AccountError> {
        Err(super::unported("accounts::revoke_device").into())
    }

    pub async fn create_session(
        &self,
        session: &NewSession<'_>,
        event: &NewEvent<'_>,
    ) -> Result<i64, DbError> {
        Err(super::unported("accounts::create_session").into())
    }

    pub async fn revoke_session(
        &self,
        session_id: i64,
        reason: &str,
        event: &NewEvent<'_>,
    ) -> Result<(), DbError> {
        Err(super::unported("accounts::revoke_session").into())
    }

    pub async fn touch_session(&self, session_id: i64, at: DateTime<Utc>) -> Result<(), DbError> {
        Err(super::unported("accounts::touch_session").into())
    }
}

impl Readers {
    pub async fn session_by_token_hash(
        &self,
        hash: &TokenHash,
    ) -> Result<Option<SessionAuth>, DbError> {
        Err(super::unported("accounts::session_by_token_hash").into())
    }

    pub async fn user_by_officer_id(&self, officer_id: &str) -> Result<Option<UserAuth>, DbError> {
        Err(super::unported("accounts::user_by_officer_id").into())
    }

    pub async fn user_teams(&self, user_id: i64) -> Result<Vec<String>, DbError> {
        Err(super::unported("accounts::user_teams").into())
    }

    pub async fn supervised_officers(&self, user_id: i64) -> Result<Vec<String>, DbError> {
        Err(super::unported("accounts::supervised_officers").into())
    }
}
