//! Sign-in failures and the account slow-down's turns (migration 0011):
//! their SQL. The rules are [`crate::auth::limit`]'s; here rows are only
//! read and written, inside a [`LimitTx`].
//!
//! A [`LimitTx`] is `BEGIN IMMEDIATE`, as the revision [`Writer`]'s
//! transactions are: it takes SQLite's write lock before the first read, so
//! what a reservation reads (the failures so far) is still what is there
//! when it counts its own, whichever instance on the database it runs in.
//! A deferred transaction would let two instances read the same count and
//! both let an attempt through (or fail to upgrade to the write lock).
//!
//! [`Writer`]: super::Writer
use chrono::{DateTime, Utc};
use sqlx::{Row, Sqlite, Transaction};

use super::{format_time, parse_time, Accounts, DbError};

impl Accounts {
    /// Starts a transaction over the sign-in limits' rows, holding the
    /// database's write lock from the start (see the module doc).
    pub async fn begin_limits(&self) -> Result<LimitTx, DbError> {
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        Ok(LimitTx { tx })
    }
}

/// An open transaction over the sign-in limits; dropped without
/// [`LimitTx::commit`] it rolls back (a refused attempt writes nothing).
pub struct LimitTx {
    tx: Transaction<'static, Sqlite>,
}

/// How many rows the limits hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitRows {
    pub failures: i64,
    pub turns: i64,
}

fn times(rows: &[sqlx::sqlite::SqliteRow]) -> Result<Vec<DateTime<Utc>>, DbError> {
    rows.iter()
        .map(|r| {
            let at: &str = r.try_get(0)?;
            parse_time("at", at)
        })
        .collect()
}

impl LimitTx {
    /// The newest `n` failures still counted for the pair (`account`,
    /// `address`) after `since`, newest first.
    pub async fn pair_failures(
        &mut self,
        account: &str,
        address: &str,
        since: DateTime<Utc>,
        n: u32,
    ) -> Result<Vec<DateTime<Utc>>, DbError> {
        let rows = sqlx::query(
            "SELECT at FROM sign_in_failures \
             WHERE account = ? AND address = ? AND at > ? AND for_pair = 1 \
             ORDER BY at DESC LIMIT ?",
        )
        .bind(account)
        .bind(address)
        .bind(format_time(since))
        .bind(n)
        .fetch_all(&mut *self.tx)
        .await?;
        times(&rows)
    }

    /// The newest `n` failures from `address` after `since`, over every
    /// account, newest first.
    pub async fn address_failures(
        &mut self,
        address: &str,
        since: DateTime<Utc>,
        n: u32,
    ) -> Result<Vec<DateTime<Utc>>, DbError> {
        let rows = sqlx::query(
            "SELECT at FROM sign_in_failures WHERE address = ? AND at > ? \
             ORDER BY at DESC LIMIT ?",
        )
        .bind(address)
        .bind(format_time(since))
        .bind(n)
        .fetch_all(&mut *self.tx)
        .await?;
        times(&rows)
    }

    /// How many failures still count for `account`'s slow-down after
    /// `since`, from every address; at most `n` (past that the spacing is
    /// at its cap anyway).
    pub async fn account_failures(
        &mut self,
        account: &str,
        since: DateTime<Utc>,
        n: u32,
    ) -> Result<u32, DbError> {
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT 1 FROM sign_in_failures \
             WHERE account = ? AND at > ? AND for_account = 1 LIMIT ?)",
        )
        .bind(account)
        .bind(format_time(since))
        .bind(n)
        .fetch_one(&mut *self.tx)
        .await?;
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }

    /// `account`'s next turn, if one is kept.
    pub async fn next_turn(&mut self, account: &str) -> Result<Option<DateTime<Utc>>, DbError> {
        let at: Option<String> =
            sqlx::query_scalar("SELECT next_turn FROM sign_in_turns WHERE account = ?")
                .bind(account)
                .fetch_optional(&mut *self.tx)
                .await?;
        at.map(|t| parse_time("next_turn", &t)).transpose()
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
