//! SQLite: sign_in.
use super::{Accounts, LimitTx};
use crate::db::sign_in::*;
use crate::db::{format_time, parse_time, DbError};
use chrono::{DateTime, Utc};
use sqlx::Row;

impl Accounts {
    /// Starts a transaction over the sign-in limits' rows, holding the
    /// database's write lock from the start (see the module doc).
    pub async fn begin_limits(&self) -> Result<LimitTx, DbError> {
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        Ok(LimitTx { tx })
    }

    /// Takes back the failure counted as `id` (everywhere it counted): one
    /// statement, atomic on its own, so no transaction to wait for.
    pub async fn take_back_sign_in_failure(&self, id: i64) -> Result<(), DbError> {
        sqlx::query("DELETE FROM sign_in_failures WHERE id = ?")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

impl LimitTx {
    /// Everything a reservation decides on, in one statement (a round trip
    /// saved is time the write lock is not held for), four rows whatever
    /// the counts: a window's newest failures are counted in SQLite, not
    /// sent (an address near its limit has 200).
    pub async fn held(&mut self, q: &HeldQuery<'_>) -> Result<Held, DbError> {
        let rows = sqlx::query(
            "SELECT 0, COUNT(*), MIN(at) FROM (SELECT at FROM sign_in_failures \
                 WHERE account = ?1 AND address = ?2 AND at > ?3 AND for_pair = 1 \
                 ORDER BY at DESC LIMIT ?4) \
             UNION ALL SELECT 1, COUNT(*), MIN(at) FROM (SELECT at FROM sign_in_failures \
                 WHERE address = ?2 AND at > ?5 ORDER BY at DESC LIMIT ?6) \
             UNION ALL SELECT 2, COUNT(*), MAX(next_turn) FROM sign_in_turns \
                 WHERE account = ?1 \
             UNION ALL SELECT 3, COUNT(*), NULL FROM (SELECT 1 FROM sign_in_failures \
                 WHERE account = ?1 AND at > ?7 AND for_account = 1 LIMIT ?8)",
        )
        .bind(q.account)
        .bind(q.address)
        .bind(format_time(q.pair_since))
        .bind(q.pair_newest)
        .bind(format_time(q.address_since))
        .bind(q.address_newest)
        .bind(format_time(q.account_since))
        .bind(q.account_most)
        .fetch_all(&mut *self.tx)
        .await?;
        let mut held = Held::default();
        for row in rows {
            let what: i64 = row.try_get(0)?;
            let count: i64 = row.try_get(1)?;
            let count = u32::try_from(count).unwrap_or(u32::MAX);
            let time: Option<&str> = row.try_get(2)?;
            let time = time.map(|t| parse_time("at", t)).transpose()?;
            match what {
                0 => {
                    held.pair = Newest {
                        count,
                        oldest: time,
                    }
                }
                1 => {
                    held.address = Newest {
                        count,
                        oldest: time,
                    }
                }
                2 => held.next_turn = time,
                _ => held.account = count,
            }
        }
        Ok(held)
    }

    pub async fn set_next_turn(&mut self, account: &str, at: DateTime<Utc>) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO sign_in_turns (account, next_turn) VALUES (?, ?) \
             ON CONFLICT (account) DO UPDATE SET next_turn = excluded.next_turn",
        )
        .bind(account)
        .bind(format_time(at))
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Counts a failure of (`account`, `address`) at `at`; its ID, to take
    /// it back by.
    pub async fn add_failure(
        &mut self,
        account: &str,
        address: &str,
        at: DateTime<Utc>,
    ) -> Result<i64, DbError> {
        let id = sqlx::query_scalar(
            "INSERT INTO sign_in_failures (account, address, at) VALUES (?, ?, ?) RETURNING id",
        )
        .bind(account)
        .bind(address)
        .bind(format_time(at))
        .fetch_one(&mut *self.tx)
        .await?;
        Ok(id)
    }

    /// Takes back the failure counted as `id` (everywhere it counted).
    pub async fn take_back(&mut self, id: i64) -> Result<(), DbError> {
        sqlx::query("DELETE FROM sign_in_failures WHERE id = ?")
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// A success: the pair's failures and the account's slow-down are
    /// forgotten; the address keeps counting its failures.
    pub async fn clear_pair_and_account(
        &mut self,
        account: &str,
        address: &str,
    ) -> Result<(), DbError> {
        sqlx::query(
            "UPDATE sign_in_failures SET for_pair = 0 \
             WHERE account = ? AND address = ? AND for_pair = 1",
        )
        .bind(account)
        .bind(address)
        .execute(&mut *self.tx)
        .await?;
        sqlx::query(
            "UPDATE sign_in_failures SET for_account = 0 WHERE account = ? AND for_account = 1",
        )
        .bind(account)
        .execute(&mut *self.tx)
        .await?;
        sqlx::query("DELETE FROM sign_in_turns WHERE account = ?")
            .bind(account)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Keeps the tables small: deletes failures at or before `before` (out
    /// of every window), turns at or before `now` (they hold nobody up),
    /// and, past `keep` failures, the oldest (ID order is insertion order).
    pub async fn prune(
        &mut self,
        before: DateTime<Utc>,
        now: DateTime<Utc>,
        keep: i64,
    ) -> Result<(), DbError> {
        sqlx::query("DELETE FROM sign_in_failures WHERE at <= ?")
            .bind(format_time(before))
            .execute(&mut *self.tx)
            .await?;
        sqlx::query(
            "DELETE FROM sign_in_failures \
             WHERE id <= (SELECT MAX(id) FROM sign_in_failures) - ?",
        )
        .bind(keep)
        .execute(&mut *self.tx)
        .await?;
        sqlx::query("DELETE FROM sign_in_turns WHERE next_turn <= ?")
            .bind(format_time(now))
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    pub async fn rows(&mut self) -> Result<LimitRows, DbError> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM sign_in_failures), (SELECT COUNT(*) FROM sign_in_turns)",
        )
        .fetch_one(&mut *self.tx)
        .await?;
        Ok(LimitRows {
            failures: row.try_get(0)?,
            turns: row.try_get(1)?,
        })
    }

    pub async fn commit(self) -> Result<(), DbError> {
        self.tx.commit().await?;
        Ok(())
    }
}
