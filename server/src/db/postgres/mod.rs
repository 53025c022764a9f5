//! PostgreSQL, for several server instances on one database (and a managed
//! database, a standby, point-in-time recovery). Each instance has its own
//! writing connection (its writer task), a pool of readers and an accounts
//! pool; what SQLite got from having one writer is the database's work:
//!
//! * a revision is stored once whichever instance it reaches: `UNIQUE
//!   (revision_id)` and `UNIQUE (entry_id, seq)`, and every write
//!   transaction first takes [`REVISIONS_LOCK`], a transaction-level
//!   advisory lock, so what it reads to decide (known revisions, the
//!   history rule, the device chain) is still what is there when it
//!   inserts, as under SQLite's `BEGIN IMMEDIATE`;
//! * the same lock orders `revisions.arrival`: rows are numbered and
//!   committed one transaction after another, so a reader paging by
//!   arrival never passes a row that commits later with a lower number;
//! * lists are bound as arrays (`= ANY($1)`), bodies are read through
//!   `revisions.doc` (jsonb), times stay fixed-width RFC 3339 text.
use beatbook_core::EntryId;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions, PgRow};
use sqlx::{Connection, Postgres, Row, Transaction};
use std::str::FromStr;

use super::{DbError, PoolConfig, Stats, StoredRow};

mod accounts;
mod chain;
mod follow_ups;
mod force;
pub(super) mod ops;
mod returns;
mod review;
mod sign_in;
mod teams;
mod write;
pub use write::WriteTx;

pub(super) static MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// The advisory lock (`pg_advisory_xact_lock`) every revision write
/// transaction holds from its first read to its commit, on every instance.
/// The number is arbitrary, fixed: "beatbook revisions".
pub(crate) const REVISIONS_LOCK: i64 = 0x6265_6174_7265_7631;
/// The advisory lock that orders `ij_follow_ups.arrival` the same way.
pub(crate) const FOLLOW_UPS_LOCK: i64 = 0x6265_6174_666f_6c31;
/// The advisory lock of the sign-in limits' reserve step (check and count).
pub(crate) const SIGN_IN_LOCK: i64 = 0x6265_6174_7369_6731;

/// A `postgres://` URL, checked without connecting. A bad one is named
/// without its password.
pub(super) fn connect_options(target: &str) -> Result<PgConnectOptions, DbError> {
    PgConnectOptions::from_str(target).map_err(|e| DbError::BadTarget {
        target: redacted(target),
        reason: e.to_string(),
    })
}

/// The URL with any password replaced, for messages and logs.
pub(crate) fn redacted(target: &str) -> String {
    let Some((scheme, rest)) = target.split_once("://") else {
        return target.to_owned();
    };
    match rest.split_once('@') {
        Some((user, host)) => {
            let user = user.split_once(':').map_or(user, |(name, _)| name);
            format!("{scheme}://{user}:…@{host}")
        }
        None => target.to_owned(),
    }
}

/// One connection, its failure naming the server and database (never the
/// password), so a wrong host or port reads as what it is.
pub(super) async fn connect(opts: &PgConnectOptions) -> Result<PgConnection, DbError> {
    PgConnection::connect_with(opts)
        .await
        .map_err(|source| DbError::Unreachable {
            target: described(opts),
            source,
        })
}

/// `postgres://user@host:port/database`, from the options (which hold no
/// password in this form).
fn described(opts: &PgConnectOptions) -> String {
    format!(
        "postgres://{}@{}:{}/{}",
        opts.get_username(),
        opts.get_host(),
        opts.get_port(),
        opts.get_database().unwrap_or(opts.get_username())
    )
}

/// Connects, applies the migrations (sqlx holds its own advisory lock while
/// it does, so instances starting at once migrate one after another) and
/// returns the writing connection, the readers and the accounts pool.
pub(super) async fn open(
    opts: PgConnectOptions,
    pools: &PoolConfig,
) -> Result<(Writer, Readers, Accounts), DbError> {
    let opts = with_lock_timeout(opts, pools);
    let mut conn = connect(&opts).await?;
    MIGRATOR.run(&mut conn).await?;
    let readers = PgPoolOptions::new()
        .max_connections(pools.readers)
        .acquire_timeout(pools.acquire_timeout)
        .connect_with(opts.clone())
        .await?;
    let accounts = Accounts::connect(opts, pools).await?;
    Ok((Writer { conn }, Readers { readers }, accounts))
}

/// `--db-busy-timeout-ms` on PostgreSQL: how long a statement waits for a
/// row or advisory lock another instance holds (`lock_timeout`); then it
/// fails as busy (55P03), and the request is answered 503.
fn with_lock_timeout(opts: PgConnectOptions, pools: &PoolConfig) -> PgConnectOptions {
    let ms = pools.busy_timeout.as_millis().to_string();
    // JIT compiling the review reads cost more than they take (measured: a
    // team's month 797 ms + 1,095 ms of JIT; 168 ms without).
    opts.options([("lock_timeout", ms.as_str()), ("jit", "off")])
}

/// The command line's accounts pool: migrated, one connection.
pub(super) async fn open_accounts(opts: PgConnectOptions) -> Result<Accounts, DbError> {
    let mut conn = connect(&opts).await?;
    MIGRATOR.run(&mut conn).await?;
    conn.close().await?;
    let pools = PoolConfig {
        accounts: 1,
        ..PoolConfig::default()
    };
    Accounts::connect(opts, &pools).await
}

/// Writable pool for account data.
#[derive(Debug, Clone)]
pub struct Accounts {
    pool: PgPool,
}

impl Accounts {
    async fn connect(opts: PgConnectOptions, pools: &PoolConfig) -> Result<Self, DbError> {
        let pool = PgPoolOptions::new()
            .max_connections(pools.accounts)
            .acquire_timeout(pools.acquire_timeout)
            .connect_with(with_lock_timeout(opts, pools))
            .await?;
        Ok(Self { pool })
    }

    pub fn pool_use(&self) -> crate::metrics::PoolUse {
        crate::metrics::PoolUse::of(&self.pool)
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The sign-in limits' transaction: it holds [`SIGN_IN_LOCK`].
pub struct LimitTx {
    tx: Transaction<'static, Postgres>,
}

/// The writing connection of this instance.
#[derive(Debug)]
pub struct Writer {
    conn: PgConnection,
}

impl Writer {
    /// Starts a write transaction and takes [`REVISIONS_LOCK`] before
    /// anything is read.
    pub async fn begin(&mut self) -> Result<WriteTx<'_>, DbError> {
        let mut tx = self.conn.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(REVISIONS_LOCK)
            .execute(&mut *tx)
            .await?;
        Ok(WriteTx::new(tx))
    }

    pub async fn close(self) -> Result<(), DbError> {
        self.conn.close().await?;
        Ok(())
    }
}

/// A row selected as `arrival, revision_id, entry_id, seq, kind,
/// officer_id, occurred_at, captured_at, received_at, body`, in that order.
pub(super) fn stored_row(row: &PgRow) -> Result<StoredRow, DbError> {
    let seq: i64 = row.try_get(3)?;
    Ok(StoredRow {
        arrival: row.try_get(0)?,
        revision_id: row.try_get(1)?,
        entry_id: row.try_get(2)?,
        seq: u32::try_from(seq).map_err(|_| super::corrupt("seq", &seq.to_string()))?,
        kind: row.try_get(4)?,
        officer_id: row.try_get(5)?,
        occurred_at: row.try_get(6)?,
        captured_at: row.try_get(7)?,
        received_at: row.try_get(8)?,
        body: row.try_get(9)?,
    })
}

/// Readers: a small pool.
#[derive(Debug, Clone)]
pub struct Readers {
    readers: PgPool,
}

impl Readers {
    pub fn pool_use(&self) -> crate::metrics::PoolUse {
        crate::metrics::PoolUse::of(&self.readers)
    }

    pub async fn ping(&self) -> Result<(), DbError> {
        sqlx::query("SELECT 1").execute(&self.readers).await?;
        Ok(())
    }

    /// Counts for these officers' revisions, entries and conflicts.
    pub async fn stats(&self, officers: &[String]) -> Result<Stats, DbError> {
        if officers.is_empty() {
            return Ok(Stats {
                revisions: 0,
                entries: 0,
                conflicts: 0,
            });
        }
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM revisions WHERE officer_id = ANY($1)), \
                    (SELECT COUNT(DISTINCT entry_id) FROM revisions WHERE officer_id = ANY($1)), \
                    (SELECT COUNT(*) FROM conflicts WHERE officer_id = ANY($1))",
        )
        .bind(officers)
        .fetch_one(&self.readers)
        .await?;
        Ok(Stats {
            revisions: row.try_get(0)?,
            entries: row.try_get(1)?,
            conflicts: row.try_get(2)?,
        })
    }

    /// Revisions of `officers` in arrival order after `after` (see
    /// [`crate::db::Database::list_revisions`]).
    pub async fn list_revisions(
        &self,
        officers: &[String],
        shift: Option<EntryId>,
        after: i64,
        limit: u32,
    ) -> Result<Vec<StoredRow>, DbError> {
        const COLUMNS: &str = "arrival, revision_id, entry_id, seq, kind, officer_id, \
                               occurred_at, captured_at, received_at, body";
        if officers.is_empty() {
            return Ok(Vec::new());
        }
        let limit = i64::from(limit.clamp(1, super::MAX_PAGE));
        let rows = match shift {
            Some(shift) => {
                let shift = shift.to_string();
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {COLUMNS} FROM revisions \
                     WHERE (entry_id = $1 OR shift_id = $1) \
                       AND officer_id = ANY($2) AND arrival > $3 \
                     ORDER BY arrival LIMIT $4"
                )))
                .bind(shift)
                .bind(officers)
                .bind(after)
                .bind(limit)
                .fetch_all(&self.readers)
                .await?
            }
            None => {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {COLUMNS} FROM revisions \
                     WHERE officer_id = ANY($1) AND arrival > $2 \
                     ORDER BY arrival LIMIT $3"
                )))
                .bind(officers)
                .bind(after)
                .bind(limit)
                .fetch_all(&self.readers)
                .await?
            }
        };
        rows.iter().map(stored_row).collect()
    }

    pub async fn close(&self) {
        self.readers.close().await;
    }
}
