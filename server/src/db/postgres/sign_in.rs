//! PostgreSQL: sign_in.
//!
//! A [`LimitTx`] takes [`super::SIGN_IN_LOCK`] (a transaction-level
//! advisory lock) before its first read, in place of SQLite's `BEGIN
//! IMMEDIATE`: reservations and settlements on every instance run one after
//! another, and under READ COMMITTED each statement after the lock sees
//! every failure counted before it, so two instances cannot both read the
//! same count and both let an attempt through.
use super::{Accounts, LimitTx};
use crate::db::sign_in::*;
use crate::db::{corrupt, format_time, parse_time, DbError};
use chrono::{DateTime, Utc};
use sqlx::Row;

impl Accounts {
    /// Starts a transaction over the sign-in limits' rows, holding
    /// [`super::SIGN_IN_LOCK`] from the start (see the module doc). Waiting
    /// for it is bounded by `lock_timeout` (then busy, 503).
    pub async fn begin_limits(&self) -> Result<LimitTx, DbError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(super::SIGN_IN_LOCK)
            .execute(&mut *tx)
            .await?;
        Ok(LimitTx { tx })
    }

    /// Takes back the failure counted as `id` (everywhere it counted): one
    /// statement, atomic on its own, so no transaction to wait for.
    pub async fn take_back_sign_in_failure(&self, id: i64) -> Result<(), DbError> {
        sqlx::query("DELETE FROM sign_in_failures WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// A count as read: COUNT(*) of at most a `u32` LIMIT's rows.
fn count_of(n: i64) -> Result<u32, DbError> {
    u32::try_from(n).map_err(|_| corrupt("sign_in_failures count", &n.to_string()))
}

impl LimitTx {
    /// Everything a reservation decides on, in one statement (a round trip
    /// saved is time the lock is not held for), four rows whatever the
    /// counts: a window's newest failures are counted in the database, not
    /// sent (an address near its limit has 200).
    pub async fn held(&mut self, q: &HeldQuery<'_>) -> Result<Held, DbError> {
        let rows = sqlx::query(
            "SELECT 0::int8, COUNT(*), MIN(at) FROM (SELECT at FROM sign_in_failures \
                 WHERE account = $1 AND address = $2 AND at > $3 AND for_pair \
                 ORDER BY at DESC LIMIT $4) pair \
             UNION ALL SELECT 1, COUNT(*), MIN(at) FROM (SELECT at FROM sign_in_failures \
                 WHERE address = $2 AND at > $5 ORDER BY at DESC LIMIT $6) addr \
             UNION ALL SELECT 2, COUNT(*), MAX(next_turn) FROM sign_in_turns \
                 WHERE account = $1 \
             UNION ALL SELECT 3, COUNT(*), NULL FROM (SELECT 1 FROM sign_in_failures \
                 WHERE account = $1 AND at > $7 AND for_account LIMIT $8) acct",
        )
        .bind(q.account)
        .bind(q.address)
        .bind(format_time(q.pair_since))
        .bind(i64::from(q.pair_newest))
        .bind(format_time(q.address_since))
        .bind(i64::from(q.address_newest))
        .bind(format_time(q.account_since))
        .bind(i64::from(q.account_most))
        .fetch_all(&mut *self.tx)
        .await?;
        let mut held = Held::default();
        for row in rows {
            let what: i64 = row.try_get(0)?;
            let count = count_of(row.try_get(1)?)?;
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
            "INSERT INTO sign_in_turns (account, next_turn) VALUES ($1, $2) \
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
            "INSERT INTO sign_in_failures (account, address, at) VALUES ($1, $2, $3) RETURNING id",
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
        sqlx::query("DELETE FROM sign_in_failures WHERE id = $1")
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
            "UPDATE sign_in_failures SET for_pair = false \
             WHERE account = $1 AND address = $2 AND for_pair",
        )
        .bind(account)
        .bind(address)
        .execute(&mut *self.tx)
        .await?;
        sqlx::query(
            "UPDATE sign_in_failures SET for_account = false WHERE account = $1 AND for_account",
        )
        .bind(account)
        .execute(&mut *self.tx)
        .await?;
        sqlx::query("DELETE FROM sign_in_turns WHERE account = $1")
            .bind(account)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Keeps the tables small: deletes failures at or before `before` (out
    /// of every window), turns at or before `now` (they hold nobody up),
    /// and, past `keep` failures, the oldest (ID order is insertion order:
    /// the lock orders every insert).
    pub async fn prune(
        &mut self,
        before: DateTime<Utc>,
        now: DateTime<Utc>,
        keep: i64,
    ) -> Result<(), DbError> {
        sqlx::query("DELETE FROM sign_in_failures WHERE at <= $1")
            .bind(format_time(before))
            .execute(&mut *self.tx)
            .await?;
        sqlx::query(
            "DELETE FROM sign_in_failures \
             WHERE id <= (SELECT MAX(id) FROM sign_in_failures) - $1",
        )
        .bind(keep)
        .execute(&mut *self.tx)
        .await?;
        sqlx::query("DELETE FROM sign_in_turns WHERE next_turn <= $1")
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

    /// Commits, and with it lets the lock go.
    pub async fn commit(self) -> Result<(), DbError> {
        self.tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::accounts::scratch::scratch;
    use crate::accounts::limit::{Limit, Limiter, Limits, SlowDown};
    use crate::db::open_accounts;
    use crate::db::sign_in::{HeldQuery, LimitRows, Newest};
    use chrono::{DateTime, TimeDelta, TimeZone, Utc};
    use std::net::IpAddr;
    use std::time::Duration;

    fn t(s: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 8, 0, 0).unwrap() + TimeDelta::seconds(s)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn held_reads_what_was_counted() {
        let Some(db) = scratch("held").await else {
            return;
        };
        let accounts = open_accounts(&db.url).await.unwrap();
        let mut tx = accounts.begin_limits().await.unwrap();
        let mut ids = Vec::new();
        for s in 0..4 {
            ids.push(tx.add_failure("pc1", "10.0.0.1", t(s)).await.unwrap());
        }
        tx.add_failure("pc2", "10.0.0.1", t(5)).await.unwrap();
        tx.set_next_turn("pc1", t(100)).await.unwrap();
        tx.set_next_turn("pc1", t(90)).await.unwrap();
        tx.commit().await.unwrap();
        let q = HeldQuery {
            account: "pc1",
            address: "10.0.0.1",
            pair_since: t(0),
            pair_newest: 2,
            address_since: t(-1),
            address_newest: 10,
            account_since: t(-1),
            account_most: 64,
        };
        let mut tx = accounts.begin_limits().await.unwrap();
        let held = tx.held(&q).await.unwrap();
        // The pair's two newest after t(0): t(3) and t(2).
        assert_eq!(
            held.pair,
            Newest {
                count: 2,
                oldest: Some(t(2))
            }
        );
        assert_eq!(
            held.address,
            Newest {
                count: 5,
                oldest: Some(t(0))
            }
        );
        assert_eq!((held.account, held.next_turn), (4, Some(t(90))));
        let none = tx
            .held(&HeldQuery {
                address_newest: 0,
                account: "pc3",
                ..q
            })
            .await
            .unwrap();
        assert_eq!(none.address.count, 0);
        assert_eq!(
            (none.pair.count, none.account, none.next_turn),
            (0, 0, None)
        );
        tx.clear_pair_and_account("pc1", "10.0.0.1").await.unwrap();
        tx.take_back(ids[0]).await.unwrap();
        let held = tx.held(&q).await.unwrap();
        assert_eq!(
            (held.pair.count, held.account, held.next_turn),
            (0, 0, None)
        );
        assert_eq!(held.address.count, 4);
        assert_eq!(
            tx.rows().await.unwrap(),
            LimitRows {
                failures: 4,
                turns: 0
            }
        );
        tx.set_next_turn("pc9", t(10)).await.unwrap();
        // Out of every window before t(2); keep the newest 1 of what is left.
        tx.prune(t(2), t(10), 1).await.unwrap();
        assert_eq!(
            tx.rows().await.unwrap(),
            LimitRows {
                failures: 1,
                turns: 0
            }
        );
        // Dropped without commit: rolled back (ids[0] is back too).
        drop(tx);
        accounts.take_back_sign_in_failure(ids[1]).await.unwrap();
        let mut tx = accounts.begin_limits().await.unwrap();
        assert_eq!(
            tx.rows().await.unwrap(),
            LimitRows {
                failures: 4,
                turns: 1
            }
        );
        tx.commit().await.unwrap();
        accounts.close().await;
        db.drop_db().await;
    }

    /// Many attempts at one pair at once, from four instances: the
    /// advisory lock lets through no more than the pair's limit.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn reservations_at_once_on_several_instances_keep_the_limit() {
        let Some(db) = scratch("limits").await else {
            return;
        };
        let mut instances = Vec::new();
        for _ in 0..4 {
            instances.push(open_accounts(&db.url).await.unwrap());
        }
        let limiter = Limiter::new(Limits {
            per_pair: Limit::new(5, 900),
            per_address: Limit::new(1000, 900),
            per_account: SlowDown {
                free: 1000,
                window: Duration::from_secs(900),
                first_spacing: Duration::from_secs(1),
                max_spacing: Duration::from_secs(60),
                max_wait: Duration::from_secs(2),
            },
        });
        let addr = Some(IpAddr::from([10, 0, 0, 1]));
        let now = t(0);
        let attempts = (0..40).map(|i| {
            let accounts = &instances[i % instances.len()];
            let limiter = &limiter;
            async move { limiter.reserve(accounts, "pc1", addr, now).await }
        });
        let results = futures_util::future::join_all(attempts).await;
        let reserved = results.iter().filter(|r| matches!(r, Ok(Ok(_)))).count();
        let refused = results.iter().filter(|r| matches!(r, Ok(Err(_)))).count();
        assert_eq!((reserved, refused), (5, 35), "{results:?}");
        let mut tx = instances[0].begin_limits().await.unwrap();
        assert_eq!(tx.rows().await.unwrap().failures, 5);
        tx.commit().await.unwrap();
        for accounts in instances {
            accounts.close().await;
        }
        db.drop_db().await;
    }
}
