//! Sign-in failures and the account slow-down's turns (migration 0011):
//! their SQL. The rules are [`crate::accounts::limit`]'s; here rows are only
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

use super::{Accounts, DbError};
use super::{Backend, LimitTx};

/// How many rows the limits hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitRows {
    pub failures: i64,
    pub turns: i64,
}

/// A key's newest failures in its window, as far as a sliding window
/// needs them: how many (at most the number asked for), and the oldest of
/// those.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Newest {
    pub count: u32,
    pub oldest: Option<DateTime<Utc>>,
}

/// What the database holds about one attempt's keys, read in one query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Held {
    /// The pair's newest failures still counted for it.
    pub pair: Newest,
    /// The address's newest failures over every account.
    pub address: Newest,
    /// How many failures still count for the account's slow-down.
    pub account: u32,
    /// The account's next turn, if one is kept.
    pub next_turn: Option<DateTime<Utc>>,
}

/// What [`LimitTx::held`] asks about: each key, how far back its window
/// reaches and how many of its newest failures matter.
#[derive(Debug, Clone, Copy)]
pub struct HeldQuery<'a> {
    pub account: &'a str,
    /// The address's limit key, '' when unknown.
    pub address: &'a str,
    pub pair_since: DateTime<Utc>,
    pub pair_newest: u32,
    pub address_since: DateTime<Utc>,
    /// 0: the address is not asked about (an unknown address has no limit).
    pub address_newest: u32,
    pub account_since: DateTime<Utc>,
    pub account_most: u32,
}

impl Accounts {
    /// Starts a transaction over the sign-in limits' rows, holding the
    /// database's write lock from the start (see the module doc).
    pub async fn begin_limits(&self) -> Result<LimitTx, DbError> {
        Ok(LimitTx(match &self.0 {
            Backend::Sqlite(store) => Backend::Sqlite(store.begin_limits().await?),
            Backend::Postgres(store) => Backend::Postgres(store.begin_limits().await?),
        }))
    }

    /// Takes back the failure counted as `id` (everywhere it counted): one
    /// statement, atomic on its own, so no transaction to wait for.
    pub async fn take_back_sign_in_failure(&self, id: i64) -> Result<(), DbError> {
        on_backend!(&self.0, store => store.take_back_sign_in_failure(id).await)
    }
}

impl LimitTx {
    /// Everything a reservation decides on, in one statement (a round trip
    /// saved is time the write lock is not held for), four rows whatever
    /// the counts: a window's newest failures are counted in SQLite, not
    /// sent (an address near its limit has 200).
    pub async fn held(&mut self, q: &HeldQuery<'_>) -> Result<Held, DbError> {
        on_backend!(&mut self.0, store => store.held(q).await)
    }

    pub async fn set_next_turn(&mut self, account: &str, at: DateTime<Utc>) -> Result<(), DbError> {
        on_backend!(&mut self.0, store => store.set_next_turn(account, at).await)
    }

    /// Counts a failure of (`account`, `address`) at `at`; its ID, to take
    /// it back by.
    pub async fn add_failure(
        &mut self,
        account: &str,
        address: &str,
        at: DateTime<Utc>,
    ) -> Result<i64, DbError> {
        on_backend!(&mut self.0, store => store.add_failure(account, address, at).await)
    }

    /// Takes back the failure counted as `id` (everywhere it counted).
    pub async fn take_back(&mut self, id: i64) -> Result<(), DbError> {
        on_backend!(&mut self.0, store => store.take_back(id).await)
    }

    /// A success: the pair's failures and the account's slow-down are
    /// forgotten; the address keeps counting its failures.
    pub async fn clear_pair_and_account(
        &mut self,
        account: &str,
        address: &str,
    ) -> Result<(), DbError> {
        on_backend!(&mut self.0, store => store.clear_pair_and_account(account, address).await)
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
        on_backend!(&mut self.0, store => store.prune(before, now, keep).await)
    }

    pub async fn rows(&mut self) -> Result<LimitRows, DbError> {
        on_backend!(&mut self.0, store => store.rows().await)
    }

    pub async fn commit(self) -> Result<(), DbError> {
        on_backend!(self.0, store => store.commit().await)
    }
}
