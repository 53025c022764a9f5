//! Accounts, teams, sessions and security events: their SQL.
//!
//! [`Accounts`] is a small writable pool, apart from the revision
//! [`Writer`](super::Writer): sign-ins, sign-outs and the admin command line
//! write here (rarely), while pushes keep their own connection. The lookup
//! every API request makes (session by token hash) goes through the readers
//! ([`Database::session_by_token_hash`]): one indexed query, no write.
use beatbook_core::auth::Role;
use chrono::{DateTime, Utc};
use thiserror::Error;

use super::{corrupt, Accounts, Backend, Database, DbError, Target};

/// A token's SHA-256: what the sessions table keeps instead of the token.
pub type TokenHash = [u8; 32];

#[derive(Debug, Error)]
pub enum AccountError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("team {0:?} already exists")]
    TeamExists(String),
    #[error("no team {0:?}: create it first with `beatbook-server team add {0:?}`")]
    NoSuchTeam(String),
    #[error("officer ID {0:?} already has an account")]
    UserExists(String),
    #[error("no account with officer ID {0:?}")]
    NoSuchUser(String),
    #[error("{officer_id} is already in team {team:?}")]
    AlreadyMember { officer_id: String, team: String },
    #[error("{officer_id} is not in team {team:?}")]
    NotMember { officer_id: String, team: String },
    /// A join or leave time that would make a membership overlap another
    /// of the same team, or end before it began: history is never rewritten.
    #[error("{officer_id} cannot {what} team {team:?} at {at}: {why}")]
    BadMoveTime {
        officer_id: String,
        team: String,
        what: &'static str,
        at: String,
        why: String,
    },
}

impl From<sqlx::Error> for AccountError {
    fn from(e: sqlx::Error) -> Self {
        Self::Db(DbError::Sql(e))
    }
}

pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// A security event to record: who, when, from where. Never a secret.
#[derive(Debug, Clone, Copy)]
pub struct NewEvent<'a> {
    pub at: DateTime<Utc>,
    pub kind: &'a str,
    pub officer_id: Option<&'a str>,
    pub actor: Option<&'a str>,
    pub client_ip: Option<&'a str>,
    pub device_id: Option<&'a str>,
    pub detail: &'a str,
}

/// A recorded security event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    pub at: String,
    pub kind: String,
    pub officer_id: Option<String>,
    pub actor: Option<String>,
    pub client_ip: Option<String>,
    pub device_id: Option<String>,
    pub detail: String,
}

/// An account to create. `password_hash` is an Argon2id PHC string.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub officer_id: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub teams: &'a [String],
    pub password_hash: &'a str,
}

/// What signing in needs to know about an account.
#[derive(Debug, Clone)]
pub struct UserAuth {
    pub user_id: i64,
    pub officer_id: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
    pub disabled: bool,
}

/// A session found by its token hash, with its user's standing.
#[derive(Debug, Clone)]
pub struct SessionAuth {
    pub session_id: i64,
    pub user_id: i64,
    pub device_id: String,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked: bool,
    pub officer_id: String,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
}

/// A session to open.
#[derive(Debug, Clone, Copy)]
pub struct NewSession<'a> {
    pub user_id: i64,
    pub device_id: &'a str,
    pub token_hash: &'a TokenHash,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// One line of `user list` (never the hash).
#[derive(Debug, Clone)]
pub struct UserSummary {
    pub officer_id: String,
    pub display_name: String,
    pub role: Role,
    pub teams: Vec<String>,
    pub disabled: bool,
    pub active_sessions: i64,
}

/// One line of `team list`.
#[derive(Debug, Clone)]
pub struct TeamSummary {
    pub name: String,
    pub officers: i64,
    pub supervisors: i64,
}

/// One line of `user devices`.
#[derive(Debug, Clone)]
pub struct DeviceSession {
    pub device_id: String,
    pub created_at: String,
    pub last_seen_at: String,
    pub expires_at: String,
    pub revoked_at: Option<String>,
    pub revoked_reason: Option<String>,
}

pub(crate) fn role_of(text: &str) -> Result<Role, DbError> {
    Role::from_code(text).ok_or_else(|| corrupt("role", text))
}

/// Opens the database for account administration (the command line):
/// created if missing, migrated, one connection.
pub async fn open_accounts(target: &str) -> Result<Accounts, DbError> {
    Ok(Accounts(match Target::parse(target)? {
        Target::Sqlite(opts) => Backend::Sqlite(super::sqlite::open_accounts(opts).await?),
        Target::Postgres(opts) => Backend::Postgres(super::postgres::open_accounts(opts).await?),
    }))
}

impl Accounts {
    pub async fn user_count(&self) -> Result<i64, DbError> {
        on_backend!(&self.0, store => store.user_count().await)
    }

    pub async fn record_event(&self, event: &NewEvent<'_>) -> Result<(), DbError> {
        on_backend!(&self.0, store => store.record_event(event).await)
    }

    /// The latest security events, newest first.
    pub async fn recent_events(&self, limit: u32) -> Result<Vec<EventRow>, DbError> {
        on_backend!(&self.0, store => store.recent_events(limit).await)
    }

    pub async fn add_team(&self, name: &str, event: &NewEvent<'_>) -> Result<(), AccountError> {
        on_backend!(&self.0, store => store.add_team(name, event).await)
    }

    pub async fn list_teams(&self) -> Result<Vec<TeamSummary>, DbError> {
        on_backend!(&self.0, store => store.list_teams().await)
    }

    /// Creates an account in its teams; returns its user ID.
    pub async fn create_user(
        &self,
        user: &NewUser<'_>,
        event: &NewEvent<'_>,
    ) -> Result<i64, AccountError> {
        on_backend!(&self.0, store => store.create_user(user, event).await)
    }

    /// Creates accounts each with a session, in one transaction (the
    /// benchmark's simulated officers).
    pub async fn create_users_with_sessions(
        &self,
        users: &[(NewUser<'_>, &str, TokenHash)],
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<(), AccountError> {
        on_backend!(&self.0, store => store.create_users_with_sessions(users, now, expires_at).await)
    }

    /// Creates a team unless it exists.
    pub async fn ensure_team(&self, name: &str, now: DateTime<Utc>) -> Result<(), DbError> {
        on_backend!(&self.0, store => store.ensure_team(name, now).await)
    }

    /// The user ID of an account, if there is one.
    pub async fn find_user_id(&self, officer_id: &str) -> Result<Option<i64>, DbError> {
        on_backend!(&self.0, store => store.find_user_id(officer_id).await)
    }

    /// Sets a new password hash and ends every session of the account.
    pub async fn set_password(
        &self,
        officer_id: &str,
        password_hash: &str,
        event: &NewEvent<'_>,
    ) -> Result<u64, AccountError> {
        on_backend!(&self.0, store => store.set_password(officer_id, password_hash, event).await)
    }

    /// Disables (ending every session at once) or re-enables an account.
    /// Returns how many sessions were ended.
    pub async fn set_disabled(
        &self,
        officer_id: &str,
        disabled: bool,
        event: &NewEvent<'_>,
    ) -> Result<u64, AccountError> {
        on_backend!(&self.0, store => store.set_disabled(officer_id, disabled, event).await)
    }

    pub async fn list_users(&self) -> Result<Vec<UserSummary>, DbError> {
        on_backend!(&self.0, store => store.list_users().await)
    }

    /// Every session of an account, newest first.
    pub async fn devices(&self, officer_id: &str) -> Result<Vec<DeviceSession>, AccountError> {
        on_backend!(&self.0, store => store.devices(officer_id).await)
    }

    /// Ends every live session of an account on one device.
    pub async fn revoke_device(
        &self,
        officer_id: &str,
        device_id: &str,
        event: &NewEvent<'_>,
    ) -> Result<u64, AccountError> {
        on_backend!(&self.0, store => store.revoke_device(officer_id, device_id, event).await)
    }

    /// Opens a session (ending any live one of the same user on the same
    /// device) and records the sign-in.
    pub async fn create_session(
        &self,
        session: &NewSession<'_>,
        event: &NewEvent<'_>,
    ) -> Result<i64, DbError> {
        on_backend!(&self.0, store => store.create_session(session, event).await)
    }

    /// Ends one session (sign-out) and records why.
    pub async fn revoke_session(
        &self,
        session_id: i64,
        reason: &str,
        event: &NewEvent<'_>,
    ) -> Result<(), DbError> {
        on_backend!(&self.0, store => store.revoke_session(session_id, reason, event).await)
    }

    /// Notes that a session was used (called at most once a minute or so
    /// per session, see `auth`).
    pub async fn touch_session(&self, session_id: i64, at: DateTime<Utc>) -> Result<(), DbError> {
        on_backend!(&self.0, store => store.touch_session(session_id, at).await)
    }
}

impl Database {
    /// The session with this token hash and its user: one indexed query.
    pub async fn session_by_token_hash(
        &self,
        hash: &TokenHash,
    ) -> Result<Option<SessionAuth>, DbError> {
        on_backend!(&self.0, store => store.session_by_token_hash(hash).await)
    }

    pub async fn user_by_officer_id(&self, officer_id: &str) -> Result<Option<UserAuth>, DbError> {
        on_backend!(&self.0, store => store.user_by_officer_id(officer_id).await)
    }

    /// The names of a user's teams, in order.
    pub async fn user_teams(&self, user_id: i64) -> Result<Vec<String>, DbError> {
        on_backend!(&self.0, store => store.user_teams(user_id).await)
    }

    /// Officer IDs of everyone who records entries (officer and supervisor
    /// roles, the user among them) in the teams a user is in now, in order.
    pub async fn supervised_officers(&self, user_id: i64) -> Result<Vec<String>, DbError> {
        on_backend!(&self.0, store => store.supervised_officers(user_id).await)
    }
}
