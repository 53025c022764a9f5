//! SQLite: teams.
use super::accounts::insert_event;
use super::{Accounts, Readers};
use crate::db::accounts::{AccountError, NewEvent};
use crate::db::teams::*;
use crate::db::{format_time, parse_time, DbError};
use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteConnection;
use sqlx::Row;

async fn ids(
    conn: &mut SqliteConnection,
    officer_id: &str,
    team: &str,
) -> Result<(i64, i64), AccountError> {
    let user_id: i64 = sqlx::query_scalar("SELECT user_id FROM users WHERE officer_id = ?")
        .bind(officer_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| AccountError::NoSuchUser(officer_id.into()))?;
    let team_id: i64 = sqlx::query_scalar("SELECT team_id FROM teams WHERE name = ?")
        .bind(team)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| AccountError::NoSuchTeam(team.into()))?;
    Ok((user_id, team_id))
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
        let mut tx = self.pool.begin().await?;
        let (user_id, team_id) = ids(&mut tx, officer_id, team).await?;
        let row = sqlx::query(
            "SELECT EXISTS (SELECT 1 FROM team_membership \
               WHERE user_id = ?1 AND team_id = ?2 AND left_at IS NULL), \
             (SELECT MAX(left_at) FROM team_membership WHERE user_id = ?1 AND team_id = ?2)",
        )
        .bind(user_id)
        .bind(team_id)
        .fetch_one(&mut *tx)
        .await?;
        let open: bool = row.try_get(0)?;
        let last_left: Option<String> = row.try_get(1)?;
        if open {
            return Err(AccountError::AlreadyMember {
                officer_id: officer_id.into(),
                team: team.into(),
            });
        }
        let at_text = format_time(at);
        if let Some(left) = last_left.filter(|left| at_text < *left) {
            return Err(AccountError::BadMoveTime {
                officer_id: officer_id.into(),
                team: team.into(),
                what: "join",
                at: at_text,
                why: format!("they were in it until {left}"),
            });
        }
        sqlx::query("INSERT INTO team_membership (user_id, team_id, joined_at) VALUES (?, ?, ?)")
            .bind(user_id)
            .bind(team_id)
            .bind(&at_text)
            .execute(&mut *tx)
            .await?;
        insert_event(&mut tx, event).await?;
        tx.commit().await?;
        Ok(())
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
        let mut tx = self.pool.begin().await?;
        let (user_id, team_id) = ids(&mut tx, officer_id, team).await?;
        let open: Option<(i64, String)> = sqlx::query_as(
            "SELECT membership_id, joined_at FROM team_membership \
             WHERE user_id = ? AND team_id = ? AND left_at IS NULL",
        )
        .bind(user_id)
        .bind(team_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((membership_id, joined)) = open else {
            return Err(AccountError::NotMember {
                officer_id: officer_id.into(),
                team: team.into(),
            });
        };
        let at_text = format_time(at);
        if at_text <= joined {
            return Err(AccountError::BadMoveTime {
                officer_id: officer_id.into(),
                team: team.into(),
                what: "leave",
                at: at_text,
                why: format!("they joined it at {joined}"),
            });
        }
        sqlx::query("UPDATE team_membership SET left_at = ? WHERE membership_id = ?")
            .bind(&at_text)
            .bind(membership_id)
            .execute(&mut *tx)
            .await?;
        insert_event(&mut tx, event).await?;
        tx.commit().await?;
        Ok(())
    }
}

impl Readers {
    /// Every membership, past and present, in these teams of the people
    /// who record entries (officer and supervisor roles; an admin records
    /// none), by officer then time.
    pub async fn members_of(&self, teams: &[String]) -> Result<Vec<MemberRow>, DbError> {
        if teams.is_empty() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(
            "SELECT u.officer_id, m.joined_at, m.left_at FROM team_membership m \
             JOIN teams t ON t.team_id = m.team_id JOIN users u ON u.user_id = m.user_id \
             WHERE t.name IN (SELECT value FROM json_each(?)) \
               AND u.role IN ('officer', 'supervisor') \
             ORDER BY u.officer_id, m.joined_at",
        )
        .bind(serde_json::to_string(teams)?)
        .fetch_all(&self.readers)
        .await?;
        rows.iter()
            .map(|r| {
                let from: &str = r.try_get(1)?;
                let until: Option<&str> = r.try_get(2)?;
                Ok(MemberRow {
                    officer_id: r.try_get(0)?,
                    from: if from <= FAR_PAST {
                        None
                    } else {
                        Some(parse_time("joined_at", from)?)
                    },
                    until: until.map(|u| parse_time("left_at", u)).transpose()?,
                })
            })
            .collect()
    }

    /// Whether a team of this name exists.
    pub async fn team_exists(&self, team: &str) -> Result<bool, DbError> {
        Ok(
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM teams WHERE name = ?)")
                .bind(team)
                .fetch_one(&self.readers)
                .await?,
        )
    }
}
