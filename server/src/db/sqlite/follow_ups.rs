//! SQLite: follow_ups.
use super::{Accounts, Readers};
use crate::db::follow_ups::*;
use crate::db::DbError;
use sqlx::Row;

fn follow_up_row(r: &sqlx::sqlite::SqliteRow) -> Result<FollowUpRow, DbError> {
    Ok(FollowUpRow {
        entry_id: r.try_get(0)?,
        recorded_by: r.try_get(1)?,
        recorded_at: r.try_get(2)?,
        body: r.try_get(3)?,
    })
}

impl Accounts {
    /// Stores a follow-up as the next arrival, in one statement (two at
    /// once cannot take the same number). False when its ID is taken
    /// already: nothing is written, the first stays as it was.
    pub async fn insert_follow_up(&self, f: &NewFollowUp<'_>) -> Result<bool, DbError> {
        let done = sqlx::query(
            "INSERT INTO ij_follow_ups (follow_up_id, arrival, entry_id, recorded_by, \
               recorded_at, completed_on, body, patch) \
             SELECT ?1, COALESCE(MAX(arrival), 0) + 1, ?2, ?3, ?4, ?5, ?6, ?7 FROM ij_follow_ups \
             WHERE true ON CONFLICT (follow_up_id) DO NOTHING",
        )
        .bind(f.follow_up_id)
        .bind(f.entry_id)
        .bind(f.recorded_by)
        .bind(f.recorded_at)
        .bind(f.completed_on)
        .bind(f.body)
        .bind(f.patch)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}

impl Readers {
    /// The follow-up stored under this ID, if any.
    pub async fn follow_up(&self, follow_up_id: &str) -> Result<Option<FollowUpRow>, DbError> {
        sqlx::query(
            "SELECT entry_id, recorded_by, recorded_at, body FROM ij_follow_ups \
             WHERE follow_up_id = ?",
        )
        .bind(follow_up_id)
        .fetch_optional(&self.readers)
        .await?
        .as_ref()
        .map(follow_up_row)
        .transpose()
    }

    /// A referral's follow-ups, in the order they arrived.
    pub async fn follow_ups_of(&self, entry_id: &str) -> Result<Vec<FollowUpRow>, DbError> {
        let rows = sqlx::query(
            "SELECT entry_id, recorded_by, recorded_at, body FROM ij_follow_ups \
             WHERE entry_id = ? ORDER BY arrival",
        )
        .bind(entry_id)
        .fetch_all(&self.readers)
        .await?;
        rows.iter().map(follow_up_row).collect()
    }

    /// Whether user `user_id` may record and read follow-ups of a referral
    /// made in `owner`'s shift that started at `start` (stored-format
    /// text), being someone other than `owner`: they were in one of the
    /// teams `owner` was in at `start`, at `start` (officer or supervisor,
    /// by the membership history of migration 0009, so a move since keeps
    /// it and a join since does not give it), or they supervise one of
    /// those teams now (who reads and reviews the shift, as
    /// `review::readable_shift` has it).
    pub async fn may_follow_up(
        &self,
        user_id: i64,
        owner: &str,
        start: &str,
    ) -> Result<bool, DbError> {
        Ok(sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM team_membership o \
               JOIN users ou ON ou.user_id = o.user_id \
               JOIN team_membership m ON m.team_id = o.team_id \
               JOIN users mu ON mu.user_id = m.user_id \
             WHERE ou.officer_id = ?2 AND o.joined_at <= ?3 \
               AND (o.left_at IS NULL OR o.left_at > ?3) \
               AND m.user_id = ?1 AND mu.role IN ('officer', 'supervisor') \
               AND ((m.joined_at <= ?3 AND (m.left_at IS NULL OR m.left_at > ?3)) \
                 OR (mu.role = 'supervisor' AND m.left_at IS NULL)))",
        )
        .bind(user_id)
        .bind(owner)
        .bind(start)
        .fetch_one(&self.readers)
        .await?)
    }
}
