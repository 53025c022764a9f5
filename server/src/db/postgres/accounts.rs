//! PostgreSQL: accounts.
//!
//! Several instances write here at once, so what SQLite's single writer
//! kept is kept by the database:
//!
//! * an officer ID has one account: the unique index on `lower(officer_id)`
//!   (SQLite's `COLLATE NOCASE`); the second of two creations at once waits
//!   for the first and gets a unique violation, told as
//!   [`AccountError::UserExists`];
//! * what changes an account's sessions (a sign-in's session, a password
//!   reset, disabling, a device revoked) first locks the user's row
//!   ([`lock_user`]), so two of them on one account run one after the other
//!   and each sees what the other committed: a sign-in cannot leave a
//!   second live session on its device, nor one that a password reset at
//!   the same moment missed.
//!
//! Officer IDs are compared as `lower(officer_id) = lower($1 COLLATE "C")`:
//! the index serves it, and in the "C" collation `lower` folds ASCII only,
//! as NOCASE does (in the database's own locale it would fold `Ä` on one
//! side and not the other).
use chrono::{DateTime, Utc};
use sqlx::postgres::PgConnection;
use sqlx::Row;

use super::{Accounts, Readers};
use crate::db::accounts::*;
use crate::db::teams::FAR_PAST;
use crate::db::{format_time, parse_time, DbError};

impl Accounts {
    pub async fn user_count(&self) -> Result<i64, DbError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await?)
    }

    pub async fn record_event(&self, event: &NewEvent<'_>) -> Result<(), DbError> {
        let mut conn = self.pool.acquire().await?;
        insert_event(&mut conn, event).await
    }

    /// The latest security events, newest first.
    pub async fn recent_events(&self, limit: u32) -> Result<Vec<EventRow>, DbError> {
        let rows = sqlx::query(
            "SELECT at, kind, officer_id, actor, client_ip, device_id, detail \
             FROM security_events ORDER BY event_id DESC LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(EventRow {
                    at: r.try_get(0)?,
                    kind: r.try_get(1)?,
                    officer_id: r.try_get(2)?,
                    actor: r.try_get(3)?,
                    client_ip: r.try_get(4)?,
                    device_id: r.try_get(5)?,
                    detail: r.try_get(6)?,
                })
            })
            .collect()
    }

    pub async fn add_team(&self, name: &str, event: &NewEvent<'_>) -> Result<(), AccountError> {
        let mut tx = self.pool.begin().await?;
        // UNIQUE (name): of two at once the second waits, then fails here.
        let inserted = sqlx::query("INSERT INTO teams (name, created_at) VALUES ($1, $2)")
            .bind(name)
            .bind(format_time(event.at))
            .execute(&mut *tx)
            .await;
        match inserted {
            Err(e) if is_unique_violation(&e) => return Err(AccountError::TeamExists(name.into())),
            other => other?,
        };
        insert_event(&mut tx, event).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn list_teams(&self) -> Result<Vec<TeamSummary>, DbError> {
        let rows = sqlx::query(
            "SELECT t.name, \
                    (SELECT COUNT(*) FROM user_teams ut JOIN users u ON u.user_id = ut.user_id \
                      WHERE ut.team_id = t.team_id AND u.role = 'officer'), \
                    (SELECT COUNT(*) FROM user_teams ut JOIN users u ON u.user_id = ut.user_id \
                      WHERE ut.team_id = t.team_id AND u.role = 'supervisor') \
             FROM teams t ORDER BY t.name",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(TeamSummary {
                    name: r.try_get(0)?,
                    officers: r.try_get(1)?,
                    supervisors: r.try_get(2)?,
                })
            })
            .collect()
    }

    /// Creates an account in its teams; returns its user ID.
    pub async fn create_user(
        &self,
        user: &NewUser<'_>,
        event: &NewEvent<'_>,
    ) -> Result<i64, AccountError> {
        let mut tx = self.pool.begin().await?;
        let id = insert_user(&mut tx, user, event.at).await?;
        insert_event(&mut tx, event).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Creates accounts each with a session, in one transaction (the
    /// benchmark's simulated officers).
    pub async fn create_users_with_sessions(
        &self,
        users: &[(NewUser<'_>, &str, TokenHash)],
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<(), AccountError> {
        let mut tx = self.pool.begin().await?;
        for (user, device_id, hash) in users {
            let user_id = insert_user(&mut tx, user, now).await?;
            insert_session(
                &mut tx,
                &NewSession {
                    user_id,
                    device_id,
                    token_hash: hash,
                    created_at: now,
                    expires_at,
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Creates a team unless it exists.
    pub async fn ensure_team(&self, name: &str, now: DateTime<Utc>) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO teams (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(format_time(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The user ID of an account, if there is one.
    pub async fn find_user_id(&self, officer_id: &str) -> Result<Option<i64>, DbError> {
        Ok(sqlx::query_scalar(
            "SELECT user_id FROM users WHERE lower(officer_id) = lower($1 COLLATE \"C\")",
        )
        .bind(officer_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Sets a new password hash and ends every session of the account.
    pub async fn set_password(
        &self,
        officer_id: &str,
        password_hash: &str,
        event: &NewEvent<'_>,
    ) -> Result<u64, AccountError> {
        let mut tx = self.pool.begin().await?;
        let user_id = locked_user_id(&mut tx, officer_id).await?;
        sqlx::query("UPDATE users SET password_hash = $1, password_set_at = $2 WHERE user_id = $3")
            .bind(password_hash)
            .bind(format_time(event.at))
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        let ended = revoke_where(&mut tx, user_id, None, "password_reset", event.at).await?;
        insert_event(&mut tx, event).await?;
        tx.commit().await?;
        Ok(ended)
    }

    /// Disables (ending every session at once) or re-enables an account.
    /// Returns how many sessions were ended.
    pub async fn set_disabled(
        &self,
        officer_id: &str,
        disabled: bool,
        event: &NewEvent<'_>,
    ) -> Result<u64, AccountError> {
        let mut tx = self.pool.begin().await?;
        let user_id = locked_user_id(&mut tx, officer_id).await?;
        sqlx::query("UPDATE users SET disabled = $1 WHERE user_id = $2")
            .bind(disabled)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        let ended = if disabled {
            revoke_where(&mut tx, user_id, None, "user_disabled", event.at).await?
        } else {
            0
        };
        insert_event(&mut tx, event).await?;
        tx.commit().await?;
        Ok(ended)
    }

    pub async fn list_users(&self) -> Result<Vec<UserSummary>, DbError> {
        let now = format_time(Utc::now());
        // ORDER BY lower(): SQLite sorts the NOCASE column ignoring case.
        let rows = sqlx::query(
            "SELECT u.officer_id, u.display_name, u.role, u.disabled, \
                    ARRAY(SELECT t.name FROM user_teams ut JOIN teams t ON t.team_id = ut.team_id \
                          WHERE ut.user_id = u.user_id ORDER BY t.name), \
                    (SELECT COUNT(*) FROM sessions s WHERE s.user_id = u.user_id \
                       AND s.revoked_at IS NULL AND s.expires_at > $1) \
             FROM users u ORDER BY lower(u.officer_id)",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let role: &str = r.try_get(2)?;
                Ok(UserSummary {
                    officer_id: r.try_get(0)?,
                    display_name: r.try_get(1)?,
                    role: role_of(role)?,
                    disabled: r.try_get(3)?,
                    teams: r.try_get(4)?,
                    active_sessions: r.try_get(5)?,
                })
            })
            .collect()
    }

    /// Every session of an account, newest first.
    pub async fn devices(&self, officer_id: &str) -> Result<Vec<DeviceSession>, AccountError> {
        let mut conn = self.pool.acquire().await?;
        let user_id = user_id(&mut conn, officer_id).await?;
        let rows = sqlx::query(
            "SELECT device_id, created_at, last_seen_at, expires_at, revoked_at, revoked_reason \
             FROM sessions WHERE user_id = $1 ORDER BY session_id DESC",
        )
        .bind(user_id)
        .fetch_all(&mut *conn)
        .await?;
        let sessions = rows
            .iter()
            .map(|r| {
                Ok(DeviceSession {
                    device_id: r.try_get(0)?,
                    created_at: r.try_get(1)?,
                    last_seen_at: r.try_get(2)?,
                    expires_at: r.try_get(3)?,
                    revoked_at: r.try_get(4)?,
                    revoked_reason: r.try_get(5)?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        Ok(sessions)
    }

    /// Ends every live session of an account on one device.
    pub async fn revoke_device(
        &self,
        officer_id: &str,
        device_id: &str,
        event: &NewEvent<'_>,
    ) -> Result<u64, AccountError> {
        let mut tx = self.pool.begin().await?;
        let user_id = locked_user_id(&mut tx, officer_id).await?;
        let ended = revoke_where(
            &mut tx,
            user_id,
            Some(device_id),
            "device_revoked",
            event.at,
        )
        .await?;
        insert_event(&mut tx, event).await?;
        tx.commit().await?;
        Ok(ended)
    }

    /// Opens a session (ending any live one of the same user on the same
    /// device) and records the sign-in.
    pub async fn create_session(
        &self,
        session: &NewSession<'_>,
        event: &NewEvent<'_>,
    ) -> Result<i64, DbError> {
        let mut tx = self.pool.begin().await?;
        // Two sign-ins of one account on one device at once would each end
        // the old session and both open one: the user's row lock makes the
        // second wait, and then its revoke sees (and ends) the first's.
        lock_user(&mut tx, session.user_id).await?;
        revoke_where(
            &mut tx,
            session.user_id,
            Some(session.device_id),
            "replaced",
            session.created_at,
        )
        .await?;
        let id = insert_session(&mut tx, session).await?;
        insert_event(&mut tx, event).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Ends one session (sign-out) and records why.
    pub async fn revoke_session(
        &self,
        session_id: i64,
        reason: &str,
        event: &NewEvent<'_>,
    ) -> Result<(), DbError> {
        let mut tx = self.pool.begin().await?;
        // One row, and `revoked_at IS NULL` is checked again after any wait
        // for its lock: the first revocation's time and reason stay.
        sqlx::query(
            "UPDATE sessions SET revoked_at = $1, revoked_reason = $2 \
             WHERE session_id = $3 AND revoked_at IS NULL",
        )
        .bind(format_time(event.at))
        .bind(reason)
        .bind(session_id)
        .execute(&mut *tx)
        .await?;
        insert_event(&mut tx, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Notes that a session was used (called at most once a minute or so
    /// per session, see `auth`).
    pub async fn touch_session(&self, session_id: i64, at: DateTime<Utc>) -> Result<(), DbError> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE session_id = $2")
            .bind(format_time(at))
            .bind(session_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// The user ID of an account, or [`AccountError::NoSuchUser`].
async fn user_id(conn: &mut PgConnection, officer_id: &str) -> Result<i64, AccountError> {
    sqlx::query_scalar(
        "SELECT user_id FROM users WHERE lower(officer_id) = lower($1 COLLATE \"C\")",
    )
    .bind(officer_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| AccountError::NoSuchUser(officer_id.into()))
}

/// [`user_id`], locking the user's row until the transaction ends (see the
/// module doc). `FOR NO KEY UPDATE`: it orders the writers of one account
/// and leaves the foreign-key checks of rows that refer to it alone.
pub(super) async fn locked_user_id(
    conn: &mut PgConnection,
    officer_id: &str,
) -> Result<i64, AccountError> {
    sqlx::query_scalar(
        "SELECT user_id FROM users WHERE lower(officer_id) = lower($1 COLLATE \"C\") \
         FOR NO KEY UPDATE",
    )
    .bind(officer_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| AccountError::NoSuchUser(officer_id.into()))
}

/// Locks a user's row by ID (as [`locked_user_id`]). A missing user is left
/// to the foreign key of whatever is inserted next, as on SQLite.
async fn lock_user(conn: &mut PgConnection, user_id: i64) -> Result<(), DbError> {
    sqlx::query("SELECT 1 FROM users WHERE user_id = $1 FOR NO KEY UPDATE")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn insert_user(
    conn: &mut PgConnection,
    user: &NewUser<'_>,
    now: DateTime<Utc>,
) -> Result<i64, AccountError> {
    let now = format_time(now);
    // The unique index on lower(officer_id): of two creations at once the
    // second waits for the first to commit, then fails here.
    let inserted: Result<i64, _> = sqlx::query_scalar(
        "INSERT INTO users (officer_id, display_name, role, password_hash, disabled, \
         created_at, password_set_at) VALUES ($1, $2, $3, $4, false, $5, $6) RETURNING user_id",
    )
    .bind(user.officer_id)
    .bind(user.display_name)
    .bind(user.role.code())
    .bind(user.password_hash)
    .bind(&now)
    .bind(&now)
    .fetch_one(&mut *conn)
    .await;
    let user_id = match inserted {
        Err(e) if is_unique_violation(&e) => {
            return Err(AccountError::UserExists(user.officer_id.into()))
        }
        other => other?,
    };
    for team in user.teams {
        let team_id: Option<i64> = sqlx::query_scalar("SELECT team_id FROM teams WHERE name = $1")
            .bind(team)
            .fetch_optional(&mut *conn)
            .await?;
        let team_id = team_id.ok_or_else(|| AccountError::NoSuchTeam(team.clone()))?;
        // An account's first teams are theirs from the far past (see
        // migration 0009): it has no entries before it exists, and one
        // typed in with an earlier time still finds its team. A team named
        // twice is one membership (the open-membership index).
        sqlx::query(
            "INSERT INTO team_membership (user_id, team_id, joined_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id, team_id) WHERE left_at IS NULL DO NOTHING",
        )
        .bind(user_id)
        .bind(team_id)
        .bind(FAR_PAST)
        .execute(&mut *conn)
        .await?;
    }
    Ok(user_id)
}

async fn insert_session(conn: &mut PgConnection, session: &NewSession<'_>) -> Result<i64, DbError> {
    let created = format_time(session.created_at);
    let id = sqlx::query_scalar(
        "INSERT INTO sessions (token_hash, user_id, device_id, created_at, last_seen_at, \
         expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING session_id",
    )
    .bind(&session.token_hash[..])
    .bind(session.user_id)
    .bind(session.device_id)
    .bind(&created)
    .bind(&created)
    .bind(format_time(session.expires_at))
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// Ends the live sessions of a user (on one device, or all).
async fn revoke_where(
    conn: &mut PgConnection,
    user_id: i64,
    device_id: Option<&str>,
    reason: &str,
    at: DateTime<Utc>,
) -> Result<u64, DbError> {
    let done = sqlx::query(
        "UPDATE sessions SET revoked_at = $1, revoked_reason = $2 \
         WHERE user_id = $3 AND revoked_at IS NULL AND ($4 IS NULL OR device_id = $4)",
    )
    .bind(format_time(at))
    .bind(reason)
    .bind(user_id)
    .bind(device_id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// Records a security event on `conn`: inside the caller's transaction, so
/// the event commits with the change it tells of, or not at all.
pub(super) async fn insert_event(conn: &mut PgConnection, e: &NewEvent<'_>) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO security_events (at, kind, officer_id, actor, client_ip, device_id, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(format_time(e.at))
    .bind(e.kind)
    .bind(e.officer_id)
    .bind(e.actor)
    .bind(e.client_ip)
    .bind(e.device_id)
    .bind(e.detail)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The lookups API requests make, on the readers.
impl Readers {
    /// The session with this token hash and its user: one indexed query.
    pub async fn session_by_token_hash(
        &self,
        hash: &TokenHash,
    ) -> Result<Option<SessionAuth>, DbError> {
        let row = sqlx::query(
            "SELECT s.session_id, s.user_id, s.device_id, s.last_seen_at, s.expires_at, \
                    s.revoked_at IS NOT NULL, u.officer_id, u.display_name, u.role, u.disabled \
             FROM sessions s JOIN users u ON u.user_id = s.user_id \
             WHERE s.token_hash = $1",
        )
        .bind(&hash[..])
        .fetch_optional(&self.readers)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let last_seen: &str = r.try_get(3)?;
        let expires: &str = r.try_get(4)?;
        let role: &str = r.try_get(8)?;
        Ok(Some(SessionAuth {
            session_id: r.try_get(0)?,
            user_id: r.try_get(1)?,
            device_id: r.try_get(2)?,
            last_seen_at: parse_time("last_seen_at", last_seen)?,
            expires_at: parse_time("expires_at", expires)?,
            revoked: r.try_get(5)?,
            officer_id: r.try_get(6)?,
            display_name: r.try_get(7)?,
            role: role_of(role)?,
            disabled: r.try_get(9)?,
        }))
    }

    pub async fn user_by_officer_id(&self, officer_id: &str) -> Result<Option<UserAuth>, DbError> {
        let row = sqlx::query(
            "SELECT user_id, officer_id, display_name, role, password_hash, disabled \
             FROM users WHERE lower(officer_id) = lower($1 COLLATE \"C\")",
        )
        .bind(officer_id)
        .fetch_optional(&self.readers)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let role: &str = r.try_get(3)?;
        Ok(Some(UserAuth {
            user_id: r.try_get(0)?,
            officer_id: r.try_get(1)?,
            display_name: r.try_get(2)?,
            role: role_of(role)?,
            password_hash: r.try_get(4)?,
            disabled: r.try_get(5)?,
        }))
    }

    /// The names of a user's teams, in order.
    pub async fn user_teams(&self, user_id: i64) -> Result<Vec<String>, DbError> {
        Ok(sqlx::query_scalar(
            "SELECT t.name FROM user_teams ut JOIN teams t ON t.team_id = ut.team_id \
             WHERE ut.user_id = $1 ORDER BY t.name",
        )
        .bind(user_id)
        .fetch_all(&self.readers)
        .await?)
    }

    /// Officer IDs of everyone who records entries (officer and supervisor
    /// roles, the user among them) in the teams a user is in now, in order
    /// (ignoring case, as SQLite orders the NOCASE column).
    pub async fn supervised_officers(&self, user_id: i64) -> Result<Vec<String>, DbError> {
        Ok(sqlx::query_scalar(
            "SELECT officer_id FROM (SELECT DISTINCT u.officer_id FROM user_teams mine \
               JOIN user_teams theirs ON theirs.team_id = mine.team_id \
               JOIN users u ON u.user_id = theirs.user_id \
               WHERE mine.user_id = $1 AND u.role IN ('officer', 'supervisor')) o \
             ORDER BY lower(officer_id)",
        )
        .bind(user_id)
        .fetch_all(&self.readers)
        .await?)
    }
}

/// Scratch databases for the PostgreSQL tests of these files: made only
/// when `BEATBOOK_TEST_POSTGRES` is set (to a server URL without a
/// database, `postgres://user@host:port`; any other value means
/// `postgres://postgres@127.0.0.1:55432`), each named `pgacc_…` and dropped
/// at the test's end.
#[cfg(test)]
pub(super) mod scratch {
    use sqlx::{AssertSqlSafe, Connection, PgConnection};
    use std::sync::atomic::{AtomicU32, Ordering};

    pub(in crate::db::postgres) struct Scratch {
        server: String,
        name: String,
        /// The scratch database's URL.
        pub url: String,
    }

    /// A fresh, empty database (migrated by whoever opens it first), or
    /// `None` when the tests are not to reach PostgreSQL.
    pub(in crate::db::postgres) async fn scratch(tag: &str) -> Option<Scratch> {
        static N: AtomicU32 = AtomicU32::new(0);
        let server = match std::env::var("BEATBOOK_TEST_POSTGRES") {
            Err(_) => {
                eprintln!("BEATBOOK_TEST_POSTGRES not set: skipping a PostgreSQL test");
                return None;
            }
            Ok(v) if v.starts_with("postgres") => v.trim_end_matches('/').to_owned(),
            Ok(_) => "postgres://postgres@127.0.0.1:55432".to_owned(),
        };
        let name = format!(
            "pgacc_{tag}_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin = PgConnection::connect(&format!("{server}/postgres"))
            .await
            .unwrap();
        sqlx::query(AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name}")))
            .execute(&mut admin)
            .await
            .unwrap();
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .unwrap();
        admin.close().await.unwrap();
        Some(Scratch {
            url: format!("{server}/{name}"),
            server,
            name,
        })
    }

    impl Scratch {
        /// A plain connection to the scratch database, to look at its rows.
        pub(in crate::db::postgres) async fn conn(&self) -> PgConnection {
            PgConnection::connect(&self.url).await.unwrap()
        }

        /// Drops the database (and any connection still open to it).
        pub(in crate::db::postgres) async fn drop_db(self) {
            let mut admin = PgConnection::connect(&format!("{}/postgres", self.server))
                .await
                .unwrap();
            sqlx::query(AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            )))
            .execute(&mut admin)
            .await
            .unwrap();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::scratch::scratch;
    use crate::db::accounts::*;
    use crate::db::{open, open_accounts};
    use beatbook_core::auth::Role;
    use chrono::{DateTime, TimeZone, Utc};
    use sqlx::Row;

    fn t(s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 8, 0, s).unwrap()
    }

    fn event(kind: &str) -> NewEvent<'_> {
        NewEvent {
            at: t(0),
            kind,
            officer_id: None,
            actor: Some("admin"),
            client_ip: None,
            device_id: None,
            detail: "",
        }
    }

    fn user<'a>(officer_id: &'a str, role: Role, teams: &'a [String]) -> NewUser<'a> {
        NewUser {
            officer_id,
            display_name: "Someone",
            role,
            teams,
            password_hash: "$argon2id$fake",
        }
    }

    fn session<'a>(user_id: i64, device_id: &'a str, hash: &'a TokenHash) -> NewSession<'a> {
        NewSession {
            user_id,
            device_id,
            token_hash: hash,
            created_at: t(1),
            expires_at: Utc.with_ymd_and_hms(2099, 1, 1, 0, 0, 0).unwrap(),
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn accounts_behave_as_on_sqlite() {
        let Some(db) = scratch("accounts").await else {
            return;
        };
        let opened = open(&db.url).await.unwrap();
        let (accounts, readers) = (&opened.accounts, &opened.db);
        accounts.add_team("A", &event("team_added")).await.unwrap();
        assert!(matches!(
            accounts.add_team("A", &event("team_added")).await,
            Err(AccountError::TeamExists(name)) if name == "A"
        ));
        accounts.ensure_team("B", t(0)).await.unwrap();
        accounts.ensure_team("B", t(0)).await.unwrap();
        let both = ["A".to_owned(), "B".to_owned(), "A".to_owned()];
        let pc = accounts
            .create_user(&user("PC123", Role::Officer, &both), &event("user_created"))
            .await
            .unwrap();
        assert!(matches!(
            accounts
                .create_user(&user("pc123", Role::Officer, &[]), &event("user_created"))
                .await,
            Err(AccountError::UserExists(id)) if id == "pc123"
        ));
        assert!(matches!(
            accounts
                .create_user(
                    &user("PC9", Role::Officer, &["C".to_owned()]),
                    &event("user_created")
                )
                .await,
            Err(AccountError::NoSuchTeam(team)) if team == "C"
        ));
        let a = ["A".to_owned()];
        let sgt = accounts
            .create_user(&user("sgt9", Role::Supervisor, &a), &event("user_created"))
            .await
            .unwrap();
        // Not ASCII: folded by neither side, so found as typed only.
        accounts
            .create_user(&user("ÄB1", Role::Admin, &[]), &event("user_created"))
            .await
            .unwrap();
        assert_eq!(accounts.user_count().await.unwrap(), 3);
        assert_eq!(accounts.find_user_id("pC123").await.unwrap(), Some(pc));
        assert!(accounts.find_user_id("ÄB1").await.unwrap().is_some());
        assert!(accounts.find_user_id("äb1").await.unwrap().is_none());
        let found = readers.user_by_officer_id("pc123").await.unwrap().unwrap();
        assert_eq!(
            (found.user_id, found.officer_id.as_str(), found.role),
            (pc, "PC123", Role::Officer)
        );
        assert!(!found.disabled);
        assert_eq!(readers.user_teams(pc).await.unwrap(), ["A", "B"]);
        assert_eq!(
            readers.supervised_officers(sgt).await.unwrap(),
            ["PC123", "sgt9"]
        );
        let teams: Vec<_> = accounts
            .list_teams()
            .await
            .unwrap()
            .into_iter()
            .map(|s| (s.name, s.officers, s.supervisors))
            .collect();
        assert_eq!(teams, [("A".into(), 1, 1), ("B".into(), 1, 0)]);

        let first = accounts
            .create_session(&session(pc, "d1", &[1; 32]), &event("sign_in"))
            .await
            .unwrap();
        let second = accounts
            .create_session(&session(pc, "d1", &[2; 32]), &event("sign_in"))
            .await
            .unwrap();
        accounts
            .create_session(&session(pc, "d2", &[3; 32]), &event("sign_in"))
            .await
            .unwrap();
        assert!(second > first);
        let old = readers
            .session_by_token_hash(&[1; 32])
            .await
            .unwrap()
            .unwrap();
        assert!(old.revoked);
        let new = readers
            .session_by_token_hash(&[2; 32])
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (new.session_id, new.user_id, new.device_id.as_str()),
            (second, pc, "d1")
        );
        assert!(!new.revoked && !new.disabled);
        assert_eq!(new.officer_id, "PC123");
        assert!(readers
            .session_by_token_hash(&[9; 32])
            .await
            .unwrap()
            .is_none());
        accounts.touch_session(second, t(30)).await.unwrap();
        let touched = readers
            .session_by_token_hash(&[2; 32])
            .await
            .unwrap()
            .unwrap();
        assert_eq!(touched.last_seen_at, t(30));

        let users = accounts.list_users().await.unwrap();
        let names: Vec<_> = users.iter().map(|u| u.officer_id.as_str()).collect();
        assert_eq!(names, ["PC123", "sgt9", "ÄB1"]);
        assert_eq!(users[0].teams, ["A", "B"]);
        assert_eq!(users[0].active_sessions, 2);
        assert!(users[2].teams.is_empty());

        let devices = accounts.devices("pc123").await.unwrap();
        assert_eq!(devices.len(), 3);
        assert_eq!(devices[0].device_id, "d2");
        assert_eq!(devices[2].revoked_reason.as_deref(), Some("replaced"));
        assert_eq!(
            accounts
                .revoke_device("PC123", "d2", &event("device_revoked"))
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            accounts
                .set_password("pc123", "$argon2id$new", &event("password_reset"))
                .await
                .unwrap(),
            1
        );
        let reset = readers.user_by_officer_id("PC123").await.unwrap().unwrap();
        assert_eq!(reset.password_hash, "$argon2id$new");
        assert_eq!(
            accounts
                .set_disabled("PC123", true, &event("user_disabled"))
                .await
                .unwrap(),
            0
        );
        assert!(
            readers
                .user_by_officer_id("PC123")
                .await
                .unwrap()
                .unwrap()
                .disabled
        );
        accounts
            .revoke_session(second, "signed_out", &event("sign_out"))
            .await
            .unwrap();
        for missing in [
            accounts.set_password("nobody", "x", &event("x")).await,
            accounts.set_disabled("nobody", true, &event("x")).await,
            accounts.revoke_device("nobody", "d", &event("x")).await,
        ] {
            assert!(matches!(missing, Err(AccountError::NoSuchUser(id)) if id == "nobody"));
        }
        assert!(matches!(
            accounts.devices("nobody").await,
            Err(AccountError::NoSuchUser(_))
        ));

        accounts
            .record_event(&NewEvent {
                officer_id: Some("PC123"),
                client_ip: Some("10.0.0.1"),
                device_id: Some("d1"),
                detail: "bad password",
                ..event("sign_in_failed")
            })
            .await
            .unwrap();
        let events = accounts.recent_events(3).await.unwrap();
        assert_eq!(events.len(), 3);
        assert_eq!(events[0].kind, "sign_in_failed");
        assert_eq!(events[0].client_ip.as_deref(), Some("10.0.0.1"));
        assert_eq!(events[1].kind, "sign_out");
        // One per change that was made, none for one refused.
        let all = accounts.recent_events(1000).await.unwrap();
        assert_eq!(all.len(), 12);

        let pair = [
            (user("bench1", Role::Officer, &a), "dev1", [7; 32]),
            (user("bench2", Role::Officer, &a), "dev2", [8; 32]),
        ];
        accounts
            .create_users_with_sessions(&pair, t(0), t(59))
            .await
            .unwrap();
        assert!(readers
            .session_by_token_hash(&[8; 32])
            .await
            .unwrap()
            .is_some());
        opened.accounts.close().await;
        opened.db.close().await;
        drop(opened.writer);
        db.drop_db().await;
    }

    /// Two instances creating one officer ID at once (in two spellings):
    /// one account, and the other told `UserExists`.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn one_account_of_two_made_at_once() {
        let Some(db) = scratch("users").await else {
            return;
        };
        let one = open_accounts(&db.url).await.unwrap();
        let two = open_accounts(&db.url).await.unwrap();
        for i in 0..20 {
            let (upper, lower) = (format!("PC{i}"), format!("pc{i}"));
            let (ua, ub) = (
                user(&upper, Role::Officer, &[]),
                user(&lower, Role::Officer, &[]),
            );
            let made = event("user_created");
            let (a, b) = tokio::join!(one.create_user(&ua, &made), two.create_user(&ub, &made));
            let exists =
                |r: &Result<i64, AccountError>| matches!(r, Err(AccountError::UserExists(_)));
            assert!(
                (a.is_ok() && exists(&b)) || (exists(&a) && b.is_ok()),
                "{a:?} {b:?}"
            );
        }
        assert_eq!(one.user_count().await.unwrap(), 20);
        let mut conn = db.conn().await;
        let events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM security_events")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(
            events, 20,
            "an event for each account made, none for a refusal"
        );
        drop(conn);
        one.close().await;
        two.close().await;
        db.drop_db().await;
    }

    /// Two sign-ins of one account on one device at once, on two
    /// instances: each ends the live session before it, so one stays live.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn one_live_session_per_device_after_sign_ins_at_once() {
        let Some(db) = scratch("sessions").await else {
            return;
        };
        let one = open_accounts(&db.url).await.unwrap();
        let two = open_accounts(&db.url).await.unwrap();
        let pc = one
            .create_user(&user("PC1", Role::Officer, &[]), &event("user_created"))
            .await
            .unwrap();
        for i in 0..20u8 {
            let (ha, hb) = ([2 * i; 32], [2 * i + 1; 32]);
            let (sa, sb) = (session(pc, "d1", &ha), session(pc, "d1", &hb));
            let signed_in = event("sign_in");
            let (a, b) = tokio::join!(
                one.create_session(&sa, &signed_in),
                two.create_session(&sb, &signed_in),
            );
            a.unwrap();
            b.unwrap();
        }
        let mut conn = db.conn().await;
        let row = sqlx::query(
            "SELECT COUNT(*) FILTER (WHERE revoked_at IS NULL), COUNT(*) FROM sessions",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap();
        let (live, all): (i64, i64) = (row.get(0), row.get(1));
        assert_eq!((live, all), (1, 40));
        drop(conn);
        one.close().await;
        two.close().await;
        db.drop_db().await;
    }
}
