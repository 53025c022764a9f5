//! PostgreSQL: follow_ups.
//!
//! `ij_follow_ups.arrival` numbers follow-ups 1, 2, 3… in the order they
//! commit, and a submitted return keeps the last one it counted
//! (`last_follow_up`): a number taken by a transaction that commits after
//! a higher one would be skipped by that comparison. So the inserting
//! transaction takes [`super::FOLLOW_UPS_LOCK`] first, then reads
//! `MAX(arrival)`: numbers are assigned and committed one at a time, on
//! every instance.
use super::{Accounts, Readers};
use crate::db::follow_ups::*;
use crate::db::DbError;
use sqlx::postgres::PgRow;
use sqlx::Row;

fn follow_up_row(r: &PgRow) -> Result<FollowUpRow, DbError> {
    Ok(FollowUpRow {
        entry_id: r.try_get(0)?,
        recorded_by: r.try_get(1)?,
        recorded_at: r.try_get(2)?,
        body: r.try_get(3)?,
    })
}

impl Accounts {
    /// Stores a follow-up as the next arrival (see the module doc). False
    /// when its ID is taken already: nothing is written, the first stays as
    /// it was, and no number is used up.
    pub async fn insert_follow_up(&self, f: &NewFollowUp<'_>) -> Result<bool, DbError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(super::FOLLOW_UPS_LOCK)
            .execute(&mut *tx)
            .await?;
        // Read after the lock (READ COMMITTED: this statement's snapshot),
        // so MAX(arrival) counts every follow-up committed before.
        let done = sqlx::query(
            "INSERT INTO ij_follow_ups (follow_up_id, arrival, entry_id, recorded_by, \
               recorded_at, completed_on, body, patch) \
             SELECT $1, COALESCE(MAX(arrival), 0) + 1, $2, $3, $4, $5, $6, $7 \
             FROM ij_follow_ups \
             ON CONFLICT (follow_up_id) DO NOTHING",
        )
        .bind(f.follow_up_id)
        .bind(f.entry_id)
        .bind(f.recorded_by)
        .bind(f.recorded_at)
        .bind(f.completed_on)
        .bind(f.body)
        .bind(f.patch)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }
}

impl Readers {
    /// The follow-up stored under this ID, if any.
    pub async fn follow_up(&self, follow_up_id: &str) -> Result<Option<FollowUpRow>, DbError> {
        sqlx::query(
            "SELECT entry_id, recorded_by, recorded_at, body FROM ij_follow_ups \
             WHERE follow_up_id = $1",
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
             WHERE entry_id = $1 ORDER BY arrival",
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
    /// by the membership history, so a move since keeps it and a join
    /// since does not give it), or they supervise one of those teams now
    /// (who reads and reviews the shift, as `review::readable_shift` has
    /// it). `owner` is matched ignoring case, as SQLite's NOCASE column.
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
             WHERE lower(ou.officer_id) = lower($2 COLLATE \"C\") AND o.joined_at <= $3 \
               AND (o.left_at IS NULL OR o.left_at > $3) \
               AND m.user_id = $1 AND mu.role IN ('officer', 'supervisor') \
               AND ((m.joined_at <= $3 AND (m.left_at IS NULL OR m.left_at > $3)) \
                 OR (mu.role = 'supervisor' AND m.left_at IS NULL)))",
        )
        .bind(user_id)
        .bind(owner)
        .bind(start)
        .fetch_one(&self.readers)
        .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::super::accounts::scratch::scratch;
    use crate::db::follow_ups::NewFollowUp;
    use crate::db::{open, open_accounts};

    fn follow_up<'a>(id: &'a str, entry_id: &'a str, body: &'a str) -> NewFollowUp<'a> {
        NewFollowUp {
            follow_up_id: id,
            entry_id,
            recorded_by: "PC1",
            recorded_at: "2026-03-01T08:00:00.000000Z",
            completed_on: None,
            body,
            patch: "{}",
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn follow_ups_are_stored_once_and_read_in_order() {
        let Some(db) = scratch("fu").await else {
            return;
        };
        let opened = open(&db.url).await.unwrap();
        let (accounts, readers) = (&opened.accounts, &opened.db);
        assert!(accounts
            .insert_follow_up(&follow_up("f2", "e1", "{\"n\":1}"))
            .await
            .unwrap());
        assert!(accounts
            .insert_follow_up(&NewFollowUp {
                completed_on: Some("2026-03-02"),
                ..follow_up("f1", "e1", "{\"n\":2}")
            })
            .await
            .unwrap());
        assert!(!accounts
            .insert_follow_up(&follow_up("f2", "e1", "{\"n\":3}"))
            .await
            .unwrap());
        let f2 = readers.follow_up("f2").await.unwrap().unwrap();
        assert_eq!(
            (f2.entry_id.as_str(), f2.body.as_str()),
            ("e1", "{\"n\":1}")
        );
        assert!(readers.follow_up("f9").await.unwrap().is_none());
        let bodies: Vec<_> = readers
            .follow_ups_of("e1")
            .await
            .unwrap()
            .into_iter()
            .map(|f| f.body)
            .collect();
        assert_eq!(bodies, ["{\"n\":1}", "{\"n\":2}"]);
        assert!(readers.follow_ups_of("e2").await.unwrap().is_empty());
        opened.accounts.close().await;
        opened.db.close().await;
        drop(opened.writer);
        db.drop_db().await;
    }

    /// Every follow-up sent once through each of four instances at once,
    /// each instance in its own order (so at any moment some send the
    /// same follow-up and some others): each stored once (one `true`
    /// each), numbered 1..n without a gap or a clash.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn resends_at_once_store_one_and_number_without_gaps() {
        const N: usize = 30;
        let Some(db) = scratch("furace").await else {
            return;
        };
        let mut instances = Vec::new();
        for _ in 0..4 {
            instances.push(open_accounts(&db.url).await.unwrap());
        }
        let ids: Vec<String> = (0..N).map(|i| format!("fu-{i}")).collect();
        let sends = instances.iter().enumerate().map(|(k, accounts)| {
            let ids = &ids;
            async move {
                let mut stored = Vec::new();
                for i in 0..N {
                    // Instance k starts k * 7 along, and half go backwards.
                    let i = (i + k * 7) % N;
                    let i = if k % 2 == 1 { N - 1 - i } else { i };
                    let f = follow_up(&ids[i], "e1", "{}");
                    if accounts.insert_follow_up(&f).await.unwrap() {
                        stored.push(i);
                    }
                }
                stored
            }
        });
        let mut stored: Vec<usize> = futures_util::future::join_all(sends)
            .await
            .into_iter()
            .flatten()
            .collect();
        stored.sort_unstable();
        assert_eq!(stored, (0..N).collect::<Vec<_>>());
        let mut conn = db.conn().await;
        let arrivals: Vec<i64> =
            sqlx::query_scalar("SELECT arrival FROM ij_follow_ups ORDER BY arrival")
                .fetch_all(&mut conn)
                .await
                .unwrap();
        assert_eq!(arrivals, (1..=30).collect::<Vec<i64>>());
        drop(conn);
        for accounts in instances {
            accounts.close().await;
        }
        db.drop_db().await;
    }
}
