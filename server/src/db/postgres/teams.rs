//! PostgreSQL: teams.
//!
//! A join or leave decides on several membership rows (is one open, when
//! did the last end), so it first locks the user's row
//! ([`locked_user_id`]): two moves of one officer, on any instances, run
//! one after the other, and the second reads what the first committed. The
//! open-membership unique index stays as the last word on "in it now".
use super::accounts::{insert_event, locked_user_id};
use super::{Accounts, Readers};
use crate::db::accounts::{is_unique_violation, AccountError, NewEvent};
use crate::db::teams::*;
use crate::db::{format_time, parse_time, DbError};
use chrono::{DateTime, Utc};
use sqlx::postgres::PgConnection;
use sqlx::Row;

/// The user (its row locked until the transaction ends) and the team.
async fn ids(
    conn: &mut PgConnection,
    officer_id: &str,
    team: &str,
) -> Result<(i64, i64), AccountError> {
    let user_id = locked_user_id(conn, officer_id).await?;
    let team_id: i64 = sqlx::query_scalar("SELECT team_id FROM teams WHERE name = $1")
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
        let already = || AccountError::AlreadyMember {
            officer_id: officer_id.into(),
            team: team.into(),
        };
        let mut tx = self.pool.begin().await?;
        let (user_id, team_id) = ids(&mut tx, officer_id, team).await?;
        let row = sqlx::query(
            "SELECT EXISTS (SELECT 1 FROM team_membership \
               WHERE user_id = $1 AND team_id = $2 AND left_at IS NULL), \
             (SELECT MAX(left_at) FROM team_membership WHERE user_id = $1 AND team_id = $2)",
        )
        .bind(user_id)
        .bind(team_id)
        .fetch_one(&mut *tx)
        .await?;
        let open: bool = row.try_get(0)?;
        let last_left: Option<String> = row.try_get(1)?;
        if open {
            return Err(already());
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
        let inserted = sqlx::query(
            "INSERT INTO team_membership (user_id, team_id, joined_at) VALUES ($1, $2, $3)",
        )
        .bind(user_id)
        .bind(team_id)
        .bind(&at_text)
        .execute(&mut *tx)
        .await;
        match inserted {
            // The open-membership index: only a writer that skipped the
            // user's lock could get here, and it is the same answer.
            Err(e) if is_unique_violation(&e) => return Err(already()),
            other => other?,
        };
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
             WHERE user_id = $1 AND team_id = $2 AND left_at IS NULL",
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
        sqlx::query("UPDATE team_membership SET left_at = $1 WHERE membership_id = $2")
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
    /// none), by officer (ignoring case, as SQLite orders the NOCASE
    /// column) then time.
    pub async fn members_of(&self, teams: &[String]) -> Result<Vec<MemberRow>, DbError> {
        if teams.is_empty() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(
            "SELECT u.officer_id, m.joined_at, m.left_at FROM team_membership m \
             JOIN teams t ON t.team_id = m.team_id JOIN users u ON u.user_id = m.user_id \
             WHERE t.name = ANY($1) AND u.role IN ('officer', 'supervisor') \
             ORDER BY lower(u.officer_id), m.joined_at",
        )
        .bind(teams)
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
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM teams WHERE name = $1)")
                .bind(team)
                .fetch_one(&self.readers)
                .await?,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::accounts::scratch::scratch;
    use crate::db::accounts::{AccountError, NewEvent, NewUser};
    use crate::db::teams::MemberRow;
    use crate::db::{format_time, open, open_accounts};
    use beatbook_core::auth::Role;
    use chrono::{DateTime, TimeZone, Utc};

    fn t(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, h, 0, 0).unwrap()
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

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn moves_keep_their_history() {
        let Some(db) = scratch("teams").await else {
            return;
        };
        let opened = open(&db.url).await.unwrap();
        let (accounts, readers) = (&opened.accounts, &opened.db);
        let a = ["A".to_owned()];
        accounts.ensure_team("A", t(0)).await.unwrap();
        accounts.ensure_team("B", t(0)).await.unwrap();
        accounts
            .create_user(&user("PC1", Role::Officer, &a), &event("user_created"))
            .await
            .unwrap();
        let sgt = accounts
            .create_user(&user("S1", Role::Supervisor, &a), &event("user_created"))
            .await
            .unwrap();
        let pc2 = accounts
            .create_user(&user("pc2", Role::Officer, &[]), &event("user_created"))
            .await
            .unwrap();
        accounts
            .create_user(&user("ADM", Role::Admin, &a), &event("user_created"))
            .await
            .unwrap();
        assert!(readers.team_exists("A").await.unwrap());
        assert!(!readers.team_exists("a").await.unwrap());

        accounts
            .join_team("PC2", "A", t(10), &event("team_joined"))
            .await
            .unwrap();
        assert!(matches!(
            accounts
                .join_team("pc2", "A", t(11), &event("team_joined"))
                .await,
            Err(AccountError::AlreadyMember { .. })
        ));
        assert!(matches!(
            accounts
                .leave_team("pc2", "A", t(10), &event("team_left"))
                .await,
            Err(AccountError::BadMoveTime { what: "leave", .. })
        ));
        accounts
            .leave_team("pc2", "A", t(12), &event("team_left"))
            .await
            .unwrap();
        assert!(matches!(
            accounts
                .leave_team("pc2", "A", t(13), &event("team_left"))
                .await,
            Err(AccountError::NotMember { .. })
        ));
        assert!(matches!(
            accounts
                .join_team("pc2", "A", t(11), &event("team_joined"))
                .await,
            Err(AccountError::BadMoveTime { what: "join", .. })
        ));
        assert!(matches!(
            accounts
                .join_team("nobody", "A", t(11), &event("team_joined"))
                .await,
            Err(AccountError::NoSuchUser(_))
        ));
        assert!(matches!(
            accounts
                .join_team("pc2", "C", t(11), &event("team_joined"))
                .await,
            Err(AccountError::NoSuchTeam(_))
        ));
        accounts
            .join_team("pc2", "A", t(12), &event("team_joined"))
            .await
            .unwrap();

        let members = readers
            .members_of(&["A".to_owned(), "B".to_owned()])
            .await
            .unwrap();
        let row = |officer_id: &str, from: Option<u32>, until: Option<u32>| MemberRow {
            officer_id: officer_id.into(),
            from: from.map(t),
            until: until.map(t),
        };
        assert_eq!(
            members,
            [
                row("PC1", None, None),
                row("pc2", Some(10), Some(12)),
                row("pc2", Some(12), None),
                row("S1", None, None),
            ]
        );
        assert!(readers.members_of(&[]).await.unwrap().is_empty());
        // 4 accounts, 3 moves.
        assert_eq!(accounts.recent_events(100).await.unwrap().len(), 7);

        // Follow-up rights by the same history: pc2 was not in A at 09:00,
        // was at 11:00; the sergeant supervises A now.
        let (nine, eleven) = (format_time(t(9)), format_time(t(11)));
        assert!(!readers.may_follow_up(pc2, "pc1", &nine).await.unwrap());
        assert!(readers.may_follow_up(pc2, "pc1", &eleven).await.unwrap());
        assert!(readers.may_follow_up(sgt, "pc1", &nine).await.unwrap());
        assert!(!readers
            .may_follow_up(pc2, "nobody", &format_time(t(11)))
            .await
            .unwrap());

        opened.accounts.close().await;
        opened.db.close().await;
        drop(opened.writer);
        db.drop_db().await;
    }

    /// The same move from two instances at once: one made, one refused as
    /// SQLite would refuse the second, and one event.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_move_made_twice_at_once_is_made_once() {
        let Some(db) = scratch("moves").await else {
            return;
        };
        let one = open_accounts(&db.url).await.unwrap();
        let two = open_accounts(&db.url).await.unwrap();
        one.ensure_team("A", t(0)).await.unwrap();
        one.create_user(&user("PC1", Role::Officer, &[]), &event("user_created"))
            .await
            .unwrap();
        for round in 0..10 {
            let joined = 2 * round + 1;
            let (joins, leaves) = (event("team_joined"), event("team_left"));
            let (a, b) = tokio::join!(
                one.join_team("PC1", "A", t(joined), &joins),
                two.join_team("pc1", "A", t(joined), &joins),
            );
            let already =
                |r: &Result<(), AccountError>| matches!(r, Err(AccountError::AlreadyMember { .. }));
            assert!(
                (a.is_ok() && already(&b)) || (already(&a) && b.is_ok()),
                "{a:?} {b:?}"
            );
            // Two leaves at different times: the first closes it, the
            // second finds nothing open (not a second, later left_at).
            let (a, b) = tokio::join!(
                one.leave_team("PC1", "A", t(joined + 1), &leaves),
                two.leave_team(
                    "PC1",
                    "A",
                    t(joined) + chrono::TimeDelta::minutes(30),
                    &leaves
                ),
            );
            let not =
                |r: &Result<(), AccountError>| matches!(r, Err(AccountError::NotMember { .. }));
            assert!(
                (a.is_ok() && not(&b)) || (not(&a) && b.is_ok()),
                "{a:?} {b:?}"
            );
        }
        let mut conn = db.conn().await;
        let rows: Vec<(String, Option<String>)> =
            sqlx::query_as("SELECT joined_at, left_at FROM team_membership ORDER BY joined_at")
                .fetch_all(&mut conn)
                .await
                .unwrap();
        assert_eq!(rows.len(), 10);
        assert!(rows.iter().all(|(_, left)| left.is_some()));
        let events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM security_events")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(events, 1 + 20);
        drop(conn);
        one.close().await;
        two.close().await;
        db.drop_db().await;
    }
}
