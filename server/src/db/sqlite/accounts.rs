//! SQLite: accounts.
use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteConnection;
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
             FROM security_events ORDER BY event_id DESC LIMIT ?",
        )
        .bind(limit)
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
        let inserted = sqlx::query("INSERT INTO teams (name, created_at) VALUES (?, ?)")
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
            "INSERT INTO teams (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(format_time(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn user_id(conn: &mut SqliteConnection, officer_id: &str) -> Result<i64, AccountError> {
        sqlx::query_scalar("SELECT user_id FROM users WHERE officer_id = ?")
            .bind(officer_id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| AccountError::NoSuchUser(officer_id.into()))
    }

    /// The user ID of an account, if there is one.
    pub async fn find_user_id(&self, officer_id: &str) -> Result<Option<i64>, DbError> {
        Ok(
            sqlx::query_scalar("SELECT user_id FROM users WHERE officer_id = ?")
                .bind(officer_id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Sets a new password hash and ends every session of the account.
    pub async fn set_password(
        &self,
        officer_id: &str,
        password_hash: &str,
        event: &NewEvent<'_>,
    ) -> Result<u64, AccountError> {
        let mut tx = self.pool.begin().await?;
        let user_id = Self::user_id(&mut tx, officer_id).await?;
        sqlx::query("UPDATE users SET password_hash = ?, password_set_at = ? WHERE user_id = ?")
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
        let user_id = Self::user_id(&mut tx, officer_id).await?;
        sqlx::query("UPDATE users SET disabled = ? WHERE user_id = ?")
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
        let rows = sqlx::query(
            "SELECT u.officer_id, u.display_name, u.role, u.disabled, \
                    (SELECT json_group_array(t.name) FROM \
                       (SELECT t.name FROM user_teams ut JOIN teams t ON t.team_id = ut.team_id \
                        WHERE ut.user_id = u.user_id ORDER BY t.name) t), \
                    (SELECT COUNT(*) FROM sessions s WHERE s.user_id = u.user_id \
                       AND s.revoked_at IS NULL AND s.expires_at > ?) \
             FROM users u ORDER BY u.officer_id",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let role: &str = r.try_get(2)?;
                let teams: &str = r.try_get(4)?;
                Ok(UserSummary {
                    officer_id: r.try_get(0)?,
                    display_name: r.try_get(1)?,
                    role: role_of(role)?,
                    disabled: r.try_get(3)?,
                    teams: serde_json::from_str(teams)?,
                    active_sessions: r.try_get(5)?,
                })
            })
            .collect()
    }

    /// Every session of an account, newest first.
    pub async fn devices(&self, officer_id: &str) -> Result<Vec<DeviceSession>, AccountError> {
        let mut conn = self.pool.acquire().await?;
        let user_id = Self::user_id(&mut conn, officer_id).await?;
        let rows = sqlx::query(
            "SELECT device_id, created_at, last_seen_at, expires_at, revoked_at, revoked_reason \
             FROM sessions WHERE user_id = ? ORDER BY session_id DESC",
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
        let user_id = Self::user_id(&mut tx, officer_id).await?;
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
        sqlx::query(
            "UPDATE sessions SET revoked_at = ?, revoked_reason = ? \
             WHERE session_id = ? AND revoked_at IS NULL",
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
        sqlx::query("UPDATE sessions SET last_seen_at = ? WHERE session_id = ?")
            .bind(format_time(at))
            .bind(session_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

async fn insert_user(
    conn: &mut SqliteConnection,
    user: &NewUser<'_>,
    now: DateTime<Utc>,
) -> Result<i64, AccountError> {
    let now = format_time(now);
    let inserted = sqlx::query(
        "INSERT INTO users (officer_id, display_name, role, password_hash, disabled, \
         created_at, password_set_at) VALUES (?, ?, ?, ?, 0, ?, ?)",
    )
    .bind(user.officer_id)
    .bind(user.display_name)
    .bind(user.role.code())
    .bind(user.password_hash)
    .bind(&now)
    .bind(&now)
    .execute(&mut *conn)
    .await;
    let user_id = match inserted {
        Err(e) if is_unique_violation(&e) => {
            return Err(AccountError::UserExists(user.officer_id.into()))
        }
        other => other?.last_insert_rowid(),
    };
    for team in user.teams {
        let team_id: Option<i64> = sqlx::query_scalar("SELECT team_id FROM teams WHERE name = ?")
            .bind(team)
            .fetch_optional(&mut *conn)
            .await?;
        let team_id = team_id.ok_or_else(|| AccountError::NoSuchTeam(team.clone()))?;
        // An account's first teams are theirs from the far past (see
        // migration 0009): it has no entries before it exists, and one
        // typed in with an earlier time still finds its team.
        sqlx::query(
            "INSERT INTO team_membership (user_id, team_id, joined_at) \
             SELECT ?1, ?2, ?3 WHERE NOT EXISTS (SELECT 1 FROM team_membership \
               WHERE user_id = ?1 AND team_id = ?2 AND left_at IS NULL)",
        )
        .bind(user_id)
        .bind(team_id)
        .bind(FAR_PAST)
        .execute(&mut *conn)
        .await?;
    }
    Ok(user_id)
}

async fn insert_session(
    conn: &mut SqliteConnection,
    session: &NewSession<'_>,
) -> Result<i64, DbError> {
    let created = format_time(session.created_at);
    let done = sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, device_id, created_at, last_seen_at, \
         expires_at) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(&session.token_hash[..])
    .bind(session.user_id)
    .bind(session.device_id)
    .bind(&created)
    .bind(&created)
    .bind(format_time(session.expires_at))
    .execute(&mut *conn)
    .await?;
    Ok(done.last_insert_rowid())
}

/// Ends the live sessions of a user (on one device, or all).
async fn revoke_where(
    conn: &mut SqliteConnection,
    user_id: i64,
    device_id: Option<&str>,
    reason: &str,
    at: DateTime<Utc>,
) -> Result<u64, DbError> {
    let done = sqlx::query(
        "UPDATE sessions SET revoked_at = ?1, revoked_reason = ?2 \
         WHERE user_id = ?3 AND revoked_at IS NULL AND (?4 IS NULL OR device_id = ?4)",
    )
    .bind(format_time(at))
    .bind(reason)
    .bind(user_id)
    .bind(device_id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

pub(super) async fn insert_event(
    conn: &mut SqliteConnection,
    e: &NewEvent<'_>,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO security_events (at, kind, officer_id, actor, client_ip, device_id, detail) \
         VALUES (?, ?, ?, ?, ?, ?, ?)",
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

/// The lookups API requests make, on the read-only pool.
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
             WHERE s.token_hash = ?",
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
             FROM users WHERE officer_id = ?",
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
             WHERE ut.user_id = ? ORDER BY t.name",
        )
        .bind(user_id)
        .fetch_all(&self.readers)
        .await?)
    }

    /// Officer IDs of everyone who records entries (officer and supervisor
    /// roles, the user among them) in the teams a user is in now, in order.
    pub async fn supervised_officers(&self, user_id: i64) -> Result<Vec<String>, DbError> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT u.officer_id FROM user_teams mine \
             JOIN user_teams theirs ON theirs.team_id = mine.team_id \
             JOIN users u ON u.user_id = theirs.user_id \
             WHERE mine.user_id = ? AND u.role IN ('officer', 'supervisor') ORDER BY u.officer_id",
        )
        .bind(user_id)
        .fetch_all(&self.readers)
        .await?)
    }
}
