//! SQLite, the embedded default: one file, one writing connection (WAL,
//! synchronous=FULL) that the writer task owns, a pool of `query_only`
//! readers and a small pool for account data. SQLite specifics live here:
//! `?` placeholders, `json_each(?)` to pass a list as one bound value,
//! the pragmas, `BEGIN IMMEDIATE` (the write lock before the first read).
use crate::sync::chain::{Hash, Key, Link};
use beatbook_core::{EntryId, RecordKind, RevisionId};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteRow, SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, Connection, Row, SqlStr, Sqlite, Transaction};
use std::str::FromStr;
use std::time::Duration;

use super::{
    corrupt, format_time, parse_entry_id, parse_revision_id, parse_time, reason_code, DbError,
    HeldEntry, HeldRevision, HeldSlot, Known, NewConflict, NewRevision, PoolConfig, Stats,
    StoredRow, MAX_PAGE,
};

mod accounts;
mod chain;
mod follow_ups;
mod force;
pub(super) mod ops;
mod returns;
mod review;
mod sign_in;
mod teams;

pub(super) static MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

/// Rows per multi-row INSERT: few round trips to the SQLite worker, and few
/// distinct statements to keep prepared (one per length up to this).
const INSERT_CHUNK: usize = 64;
const REVISION_COLUMNS: &str = "revision_id, entry_id, seq, kind, officer_id, shift_id, \
     device_id, occurred_at, captured_at, received_at, body, hash, prev";
const REVISION_PLACEHOLDERS: &str = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
/// The device chain's open rows (migration 0007), written back by a batch
/// ([`crate::sync::chain::apply`]): each key at most once per statement.
const CHAIN_PUT: &str =
    "INSERT OR REPLACE INTO chain_open (device_id, hash, node, linked, next, fork) VALUES ";
const CHAIN_PLACEHOLDERS: &str = "(?, ?, ?, ?, ?, ?)";
/// `(device_id, hash)` pairs from a JSON array of `[device, hex hash]`.
const CHAIN_KEYS: &str =
    "SELECT value ->> 0 AS device_id, unhex(value ->> 1) AS hash FROM json_each(?)";
/// Opens (creating if missing) and migrates the database: the writing
/// connection, the readers and the accounts pool.
pub(super) async fn open(
    base: SqliteConnectOptions,
    pools: &PoolConfig,
) -> Result<(Writer, Readers, Accounts), DbError> {
    // The acknowledging connection: WAL so readers never block it, FULL so a
    // commit it reports has reached the disk (power loss included).
    let write_opts = base
        .clone()
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(pools.busy_timeout)
        .statement_cache_capacity(256)
        // 16 MiB of page cache; checkpoint every ~40 MiB of WAL rather than
        // every 4 MiB (each checkpoint is another fsync). Measured: ~10%
        // faster ingest than the defaults, and far faster than a 64 MiB
        // cache, whose fresh pages the kernel must zero as it grows.
        .pragma("cache_size", "-16000")
        .pragma("wal_autocheckpoint", "10000")
        // Statement journals (a multi-row INSERT after another in the same
        // transaction needs one) stay in memory instead of a temp file.
        .pragma("temp_store", "MEMORY");
    let mut conn = SqliteConnection::connect_with(&write_opts).await?;
    MIGRATOR.run(&mut conn).await?;
    let read_opts = base
        .clone()
        .busy_timeout(pools.busy_timeout)
        .pragma("query_only", "ON");
    let readers = SqlitePoolOptions::new()
        .max_connections(pools.readers)
        .acquire_timeout(pools.acquire_timeout)
        .connect_with(read_opts)
        .await?;
    let accounts = Accounts::connect(base, pools).await?;
    Ok((Writer::new(conn), Readers { readers }, accounts))
}

/// The command line's accounts pool: the database created if missing and
/// migrated, one connection.
pub(super) async fn open_accounts(base: SqliteConnectOptions) -> Result<Accounts, DbError> {
    let opts = base
        .clone()
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(5));
    let mut conn = SqliteConnection::connect_with(&opts).await?;
    MIGRATOR.run(&mut conn).await?;
    conn.close().await?;
    let pools = PoolConfig {
        accounts: 1,
        ..PoolConfig::default()
    };
    Accounts::connect(base, &pools).await
}

/// Writable pool for account data.
#[derive(Debug, Clone)]
pub struct Accounts {
    pool: SqlitePool,
}

impl Accounts {
    async fn connect(base: SqliteConnectOptions, pools: &PoolConfig) -> Result<Self, DbError> {
        let opts = base
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(pools.busy_timeout);
        let pool = SqlitePoolOptions::new()
            .max_connections(pools.accounts)
            .acquire_timeout(pools.acquire_timeout)
            .connect_with(opts)
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

/// The sign-in limits' transaction: `BEGIN IMMEDIATE`.
pub struct LimitTx {
    tx: Transaction<'static, Sqlite>,
}

/// A file path or `sqlite:` URL (never in memory: the writer and the
/// readers are separate connections and must share a file).
pub(super) fn connect_options(target: &str) -> Result<SqliteConnectOptions, DbError> {
    let bad = |reason: &str| DbError::BadTarget {
        target: target.to_owned(),
        reason: reason.to_owned(),
    };
    let opts = if target.starts_with("sqlite:") {
        SqliteConnectOptions::from_str(target).map_err(|e| bad(&e.to_string()))?
    } else if target.is_empty() {
        return Err(bad("empty path"));
    } else {
        SqliteConnectOptions::new().filename(target)
    };
    // The writer and the readers are separate connections: they must share a file.
    let name = opts.get_filename().to_string_lossy();
    if name.is_empty() || target.contains(":memory:") || target.contains("mode=memory") {
        return Err(bad(
            "an in-memory database cannot be shared by the writer and the readers; give a file",
        ));
    }
    Ok(opts)
}

/// Chain keys as [`CHAIN_KEYS`] reads them.
fn chain_keys_json(keys: &[crate::sync::chain::Key<'_>]) -> Result<String, DbError> {
    let pairs: Vec<(&str, String)> = keys
        .iter()
        .map(|(device, hash)| (*device, crate::sync::chain::hex(hash)))
        .collect();
    Ok(serde_json::to_string(&pairs)?)
}

/// The one connection that writes. Owned by the writer task, so writes are
/// serialised in the process (SQLite has a single writer anyway).
#[derive(Debug)]
pub struct Writer {
    conn: SqliteConnection,
    /// `INSERT ... VALUES` with 1..=INSERT_CHUNK rows, built once.
    insert_sql: Vec<SqlStr>,
    /// The chain's write-back with 1..=INSERT_CHUNK rows, built once.
    chain_sql: Vec<SqlStr>,
}

impl Writer {
    fn new(conn: SqliteConnection) -> Self {
        let insert_sql = (1..=INSERT_CHUNK)
            .map(|rows| {
                let values = vec![REVISION_PLACEHOLDERS; rows].join(", ");
                // Only fixed fragments go into this text; every value is bound.
                let sql = format!("INSERT INTO revisions ({REVISION_COLUMNS}) VALUES {values}");
                sqlx::SqlSafeStr::into_sql_str(AssertSqlSafe(sql))
            })
            .collect();
        let chain_sql = (1..=INSERT_CHUNK)
            .map(|rows| {
                let values = vec![CHAIN_PLACEHOLDERS; rows].join(", ");
                // Fixed fragments only, as above.
                let sql = format!("{CHAIN_PUT}{values}");
                sqlx::SqlSafeStr::into_sql_str(AssertSqlSafe(sql))
            })
            .collect();
        Self {
            conn,
            insert_sql,
            chain_sql,
        }
    }

    /// Starts a write transaction. IMMEDIATE takes the write lock now, so
    /// the reads that decide what to insert see the state the insert lands on.
    pub async fn begin(&mut self) -> Result<WriteTx<'_>, DbError> {
        let tx = self.conn.begin_with("BEGIN IMMEDIATE").await?;
        Ok(WriteTx {
            tx,
            insert_sql: &self.insert_sql,
            chain_sql: &self.chain_sql,
        })
    }

    /// Checkpoints the WAL and closes the connection.
    pub async fn close(mut self) -> Result<(), DbError> {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&mut self.conn)
            .await?;
        self.conn.close().await?;
        Ok(())
    }
}

/// An open write transaction; dropped without [`WriteTx::commit`] it rolls back.
pub struct WriteTx<'c> {
    tx: Transaction<'c, Sqlite>,
    insert_sql: &'c [SqlStr],
    chain_sql: &'c [SqlStr],
}

impl WriteTx<'_> {
    /// Looks up stored revisions by ID and every stored revision of the
    /// given entries, in two queries whatever the number of keys.
    pub async fn known(
        &mut self,
        revision_ids: &[RevisionId],
        entry_ids: &[EntryId],
        referenced_ids: &[EntryId],
    ) -> Result<Known, DbError> {
        let mut known = Known::default();
        if revision_ids.is_empty() {
            return Ok(known);
        }
        let rows = sqlx::query(
            "SELECT revision_id, body, received_at, officer_id FROM revisions \
             WHERE revision_id IN (SELECT value FROM json_each(?))",
        )
        .bind(serde_json::to_string(revision_ids)?)
        .fetch_all(&mut *self.tx)
        .await?;
        for row in rows {
            let id: &str = row.try_get(0)?;
            let received: &str = row.try_get(2)?;
            known.revisions.push(HeldRevision {
                revision_id: parse_revision_id(id)?,
                body: row.try_get(1)?,
                received_at: parse_time("received_at", received)?,
                officer_id: row.try_get(3)?,
            });
        }
        // The body only of each entry's latest revision (the rest are not
        // needed, and most incoming entries have none stored at all).
        let rows = sqlx::query(
            "SELECT entry_id, seq, revision_id, kind, officer_id, occurred_at, shift_id, \
                    CASE WHEN seq = (SELECT MAX(r2.seq) FROM revisions r2 \
                                     WHERE r2.entry_id = revisions.entry_id) \
                         THEN body END \
             FROM revisions WHERE entry_id IN (SELECT value FROM json_each(?))",
        )
        .bind(serde_json::to_string(entry_ids)?)
        .fetch_all(&mut *self.tx)
        .await?;
        for row in rows {
            let entry: &str = row.try_get(0)?;
            let revision: &str = row.try_get(2)?;
            let kind: &str = row.try_get(3)?;
            let shift: Option<&str> = row.try_get(6)?;
            let body: Option<&str> = row.try_get(7)?;
            if let Some(body) = body {
                known
                    .latest
                    .push(serde_json::from_str(body).map_err(|_| corrupt("body", body))?);
            }
            known.slots.push(HeldSlot {
                entry_id: parse_entry_id(entry)?,
                seq: row.try_get(1)?,
                revision_id: parse_revision_id(revision)?,
                kind: RecordKind::from_code(kind).ok_or_else(|| corrupt("kind", kind))?,
                officer_id: row.try_get(4)?,
                occurred_at: row.try_get(5)?,
                shift_id: shift.map(parse_entry_id).transpose()?,
            });
        }
        if referenced_ids.is_empty() {
            return Ok(known);
        }
        // One row per entry: the facts of its first revision (every later
        // one carries the same, as the history rule holds them).
        let rows = sqlx::query(
            "SELECT entry_id, kind, officer_id, shift_id, MIN(seq) FROM revisions \
             WHERE entry_id IN (SELECT value FROM json_each(?)) GROUP BY entry_id",
        )
        .bind(serde_json::to_string(referenced_ids)?)
        .fetch_all(&mut *self.tx)
        .await?;
        for row in rows {
            let entry: &str = row.try_get(0)?;
            let kind: &str = row.try_get(1)?;
            let shift: Option<&str> = row.try_get(3)?;
            known.referenced.push(HeldEntry {
                entry_id: parse_entry_id(entry)?,
                kind: RecordKind::from_code(kind).ok_or_else(|| corrupt("kind", kind))?,
                officer_id: row.try_get(2)?,
                shift_id: shift.map(parse_entry_id).transpose()?,
            });
        }
        Ok(known)
    }

    /// Stores new revisions, their device chain links first (so the chain's
    /// lookups among stored revisions never see this batch's own).
    pub async fn insert_revisions(&mut self, rows: &[NewRevision<'_>]) -> Result<(), DbError> {
        let saves: Vec<crate::sync::chain::Save<'_>> = rows
            .iter()
            .map(|row| crate::sync::chain::Save {
                device_id: row.device_id,
                revision_id: row.rev.id.to_string(),
                hash: crate::sync::chain::hash_of(row.body.as_bytes()),
                // Checked by `Revision::check` before the writer saw it.
                prev: row.rev.prev.as_deref().and_then(crate::sync::chain::parse),
            })
            .collect();
        crate::db::chain::link(self, &saves).await?;
        for (chunk, saves) in rows.chunks(INSERT_CHUNK).zip(saves.chunks(INSERT_CHUNK)) {
            let Some(sql) = self.insert_sql.get(chunk.len() - 1) else {
                continue; // unreachable: chunks are 1..=INSERT_CHUNK long
            };
            let mut query = sqlx::query(sql.clone());
            for (row, save) in chunk.iter().zip(saves) {
                let rev = row.rev;
                query = query
                    .bind(save.revision_id.as_str())
                    .bind(rev.entry_id.to_string())
                    .bind(rev.seq)
                    .bind(rev.kind().code())
                    .bind(rev.officer_id.as_str())
                    .bind(rev.shift_id.map(|s| s.to_string()))
                    .bind(row.device_id)
                    .bind(format_time(rev.occurred_at))
                    .bind(format_time(rev.captured_at))
                    .bind(format_time(row.received_at))
                    .bind(row.body)
                    .bind(&save.hash[..])
                    .bind(save.prev.as_ref().map(|p| &p[..]));
            }
            query.execute(&mut *self.tx).await?;
        }
        let moved: Vec<String> = rows
            .iter()
            .filter(|r| r.moves_entry)
            .map(|r| r.rev.entry_id.to_string())
            .collect();
        if !moved.is_empty() {
            sqlx::query(
                "INSERT OR IGNORE INTO entries_moved (entry_id) \
                 SELECT value FROM json_each(?)",
            )
            .bind(serde_json::to_string(&moved)?)
            .execute(&mut *self.tx)
            .await?;
        }
        Ok(())
    }

    /// Bodies of the conflicts already kept under these revision IDs, so a
    /// retried conflicting change is not kept twice.
    pub async fn conflict_bodies(
        &mut self,
        revision_ids: &[RevisionId],
    ) -> Result<Vec<(RevisionId, String)>, DbError> {
        let rows = sqlx::query(
            "SELECT revision_id, body FROM conflicts \
             WHERE revision_id IN (SELECT value FROM json_each(?))",
        )
        .bind(serde_json::to_string(revision_ids)?)
        .fetch_all(&mut *self.tx)
        .await?;
        rows.iter()
            .map(|row| {
                let id: &str = row.try_get(0)?;
                Ok((parse_revision_id(id)?, row.try_get(1)?))
            })
            .collect()
    }

    pub async fn insert_conflicts(&mut self, rows: &[NewConflict<'_>]) -> Result<(), DbError> {
        for row in rows {
            let rev = row.rev;
            sqlx::query(
                "INSERT INTO conflicts (revision_id, entry_id, seq, kind, officer_id, device_id, \
                 reason, captured_at, received_at, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(rev.id.to_string())
            .bind(rev.entry_id.to_string())
            .bind(rev.seq)
            .bind(rev.kind().code())
            .bind(rev.officer_id.as_str())
            .bind(row.device_id)
            .bind(reason_code(row.reason))
            .bind(format_time(rev.captured_at))
            .bind(format_time(row.received_at))
            .bind(row.body)
            .execute(&mut *self.tx)
            .await?;
        }
        Ok(())
    }

    /// Commits; with synchronous=FULL the data is on disk when this returns.
    pub async fn commit(self) -> Result<(), DbError> {
        self.tx.commit().await?;
        Ok(())
    }
}

impl crate::db::chain::ChainRows for WriteTx<'_> {
    async fn open_rows(
        &mut self,
        keys: &[Key<'_>],
    ) -> Result<Vec<(String, Vec<u8>, Link)>, DbError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT c.device_id, c.hash, c.node, c.linked, c.next, c.fork \
             FROM ({CHAIN_KEYS}) AS k \
             JOIN chain_open c ON c.device_id = k.device_id AND c.hash = k.hash"
        )))
        .bind(chain_keys_json(keys)?)
        .fetch_all(&mut *self.tx)
        .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get(0)?,
                    row.try_get(1)?,
                    Link {
                        node: row.try_get(2)?,
                        linked: row.try_get(3)?,
                        next: row.try_get(4)?,
                        fork: row.try_get(5)?,
                    },
                ))
            })
            .collect()
    }

    /// Newest first along the device's revisions: the one named is nearly
    /// always among its last (a device's first link).
    async fn stored_link(&mut self, device_id: &str, hash: &Hash) -> Result<Option<Link>, DbError> {
        let found = sqlx::query(
            "SELECT revision_id, prev IS NOT NULL FROM revisions \
             WHERE device_id = ? AND hash = ? ORDER BY arrival DESC LIMIT 1",
        )
        .bind(device_id)
        .bind(&hash[..])
        .fetch_optional(&mut *self.tx)
        .await?;
        let Some(found) = found else { return Ok(None) };
        let next: Option<String> = sqlx::query_scalar(
            "SELECT revision_id FROM revisions \
             WHERE device_id = ? AND prev = ? ORDER BY arrival LIMIT 1",
        )
        .bind(device_id)
        .bind(&hash[..])
        .fetch_optional(&mut *self.tx)
        .await?;
        Ok(Some(Link {
            node: found.try_get(0)?,
            linked: found.try_get(1)?,
            next,
            fork: None,
        }))
    }

    async fn close_rows(&mut self, keys: &[Key<'_>]) -> Result<(), DbError> {
        sqlx::query(AssertSqlSafe(format!(
            "DELETE FROM chain_open WHERE (device_id, hash) IN ({CHAIN_KEYS})"
        )))
        .bind(chain_keys_json(keys)?)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn put_rows(&mut self, rows: &[(Key<'_>, Link)]) -> Result<(), DbError> {
        for chunk in rows.chunks(INSERT_CHUNK) {
            let Some(sql) = self.chain_sql.get(chunk.len() - 1) else {
                continue; // unreachable: chunks are 1..=INSERT_CHUNK long
            };
            let mut query = sqlx::query(sql.clone());
            for ((device_id, hash), link) in chunk {
                query = query
                    .bind(*device_id)
                    .bind(&hash[..])
                    .bind(link.node.as_deref())
                    .bind(link.linked)
                    .bind(link.next.as_deref())
                    .bind(link.fork.as_deref());
            }
            query.execute(&mut *self.tx).await?;
        }
        Ok(())
    }
}

/// A row selected as `arrival, revision_id, entry_id, seq, kind,
/// officer_id, occurred_at, captured_at, received_at, body`, in that order.
pub(super) fn stored_row(row: &SqliteRow) -> Result<StoredRow, DbError> {
    Ok(StoredRow {
        arrival: row.try_get(0)?,
        revision_id: row.try_get(1)?,
        entry_id: row.try_get(2)?,
        seq: row.try_get(3)?,
        kind: row.try_get(4)?,
        officer_id: row.try_get(5)?,
        occurred_at: row.try_get(6)?,
        captured_at: row.try_get(7)?,
        received_at: row.try_get(8)?,
        body: row.try_get(9)?,
    })
}

/// Readers: a small pool, never writing (`query_only`).
#[derive(Debug, Clone)]
pub struct Readers {
    readers: SqlitePool,
}

impl Readers {
    /// The readers' connections now (for the metrics).
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
        let row = match officers {
            [one] => {
                sqlx::query(
                    "SELECT (SELECT COUNT(*) FROM revisions WHERE officer_id = ?1), \
                            (SELECT COUNT(DISTINCT entry_id) FROM revisions WHERE officer_id = ?1), \
                            (SELECT COUNT(*) FROM conflicts WHERE officer_id = ?1)",
                )
                .bind(one)
                .fetch_one(&self.readers)
                .await?
            }
            many => {
                sqlx::query(
                    "SELECT (SELECT COUNT(*) FROM revisions WHERE officer_id IN \
                               (SELECT value FROM json_each(?1))), \
                            (SELECT COUNT(DISTINCT entry_id) FROM revisions WHERE officer_id IN \
                               (SELECT value FROM json_each(?1))), \
                            (SELECT COUNT(*) FROM conflicts WHERE officer_id IN \
                               (SELECT value FROM json_each(?1)))",
                )
                .bind(serde_json::to_string(many)?)
                .fetch_one(&self.readers)
                .await?
            }
        };
        Ok(Stats {
            revisions: row.try_get(0)?,
            entries: row.try_get(1)?,
            conflicts: row.try_get(2)?,
        })
    }

    /// These officers' stored revisions in arrival order, after the cursor
    /// `after`.
    /// Revisions of `officers` in arrival order after `after`; with
    /// `shift`, only that shift's own revisions and those of the entries
    /// recorded in it (an officer reading back a shift the phone let go).
    pub async fn list_revisions(
        &self,
        officers: &[String],
        shift: Option<EntryId>,
        after: i64,
        limit: u32,
    ) -> Result<Vec<StoredRow>, DbError> {
        const COLUMNS: &str = "arrival, revision_id, entry_id, seq, kind, officer_id, \
                               occurred_at, captured_at, received_at, body";
        let limit = limit.clamp(1, MAX_PAGE);
        let rows = match (officers, shift) {
            ([], _) => return Ok(Vec::new()),
            (_, Some(shift)) => {
                let shift = shift.to_string();
                sqlx::query(AssertSqlSafe(format!(
                    "SELECT {COLUMNS} FROM revisions \
                     WHERE (entry_id = ? OR shift_id = ?) \
                       AND officer_id IN (SELECT value FROM json_each(?)) AND arrival > ? \
                     ORDER BY arrival LIMIT ?"
                )))
                .bind(&shift)
                .bind(&shift)
                .bind(serde_json::to_string(officers)?)
                .bind(after)
                .bind(limit)
                .fetch_all(&self.readers)
                .await?
            }
            ([one], None) => {
                sqlx::query(AssertSqlSafe(format!(
                    "SELECT {COLUMNS} FROM revisions WHERE officer_id = ? AND arrival > ? \
                     ORDER BY arrival LIMIT ?"
                )))
                .bind(one)
                .bind(after)
                .bind(limit)
                .fetch_all(&self.readers)
                .await?
            }
            (many, None) => {
                sqlx::query(AssertSqlSafe(format!(
                    "SELECT {COLUMNS} FROM revisions \
                     WHERE officer_id IN (SELECT value FROM json_each(?)) AND arrival > ? \
                     ORDER BY arrival LIMIT ?"
                )))
                .bind(serde_json::to_string(many)?)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_databases_are_refused() {
        assert!(connect_options("sqlite::memory:").is_err());
        assert!(connect_options("").is_err());
        assert!(connect_options("beatbook.db").is_ok());
        assert!(connect_options("sqlite://beatbook.db").is_ok());
    }

    /// A database written by migration 0005's chain (a row per hash) keeps
    /// every link and break through 0007: each revision's hash and prev
    /// filled in, and only the open rows kept.
    #[tokio::test]
    async fn the_per_hash_chain_moves_to_open_rows_and_revision_columns() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("migrations");
        std::fs::create_dir(&old).unwrap();
        let all = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join("sqlite");
        for n in 1..=6 {
            let name = std::fs::read_dir(&all)
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .find(|f| f.starts_with(&format!("{n:04}_")))
                .unwrap();
            std::fs::copy(all.join(&name), old.join(&name)).unwrap();
        }
        let file = dir.path().join("old.db");
        let opts = connect_options(file.to_str().unwrap())
            .unwrap()
            .create_if_missing(true);
        let mut conn = SqliteConnection::connect_with(&opts).await.unwrap();
        Migrator::new(old.as_path())
            .await
            .unwrap()
            .run(&mut conn)
            .await
            .unwrap();
        // r1 <- r2 <- r3 intact, r3 the end; r5 names h4, which never came.
        for (n, arrival) in [(1, 1), (2, 2), (3, 3), (5, 4)] {
            sqlx::query(
                "INSERT INTO revisions (arrival, revision_id, entry_id, seq, kind, officer_id, \
                 device_id, occurred_at, captured_at, received_at, body) \
                 VALUES (?, ?, ?, 1, 'note', 'o1', 'd1', 't', 't', 't', '{}')",
            )
            .bind(arrival)
            .bind(format!("r{n}"))
            .bind(format!("e{n}"))
            .execute(&mut conn)
            .await
            .unwrap();
        }
        let h = |n: u8| vec![n; 32];
        for (hash, node, linked, next) in [
            (h(1), Some("r1"), 0, Some("r2")),
            (h(2), Some("r2"), 1, Some("r3")),
            (h(3), Some("r3"), 1, None),
            (h(4), None, 0, Some("r5")),
            (h(5), Some("r5"), 1, None),
        ] {
            sqlx::query(
                "INSERT INTO chain (device_id, hash, node, linked, next) VALUES ('d1', ?, ?, ?, ?)",
            )
            .bind(hash)
            .bind(node)
            .bind(linked)
            .bind(next)
            .execute(&mut conn)
            .await
            .unwrap();
        }
        MIGRATOR.run(&mut conn).await.unwrap();
        type Hashes = (String, Option<Vec<u8>>, Option<Vec<u8>>);
        let columns: Vec<Hashes> =
            sqlx::query_as("SELECT revision_id, hash, prev FROM revisions ORDER BY arrival")
                .fetch_all(&mut conn)
                .await
                .unwrap();
        assert_eq!(
            columns,
            vec![
                ("r1".into(), Some(h(1)), None),
                ("r2".into(), Some(h(2)), Some(h(1))),
                ("r3".into(), Some(h(3)), Some(h(2))),
                ("r5".into(), Some(h(5)), Some(h(4))),
            ]
        );
        let open: Vec<(Vec<u8>, Option<String>, Option<String>)> =
            sqlx::query_as("SELECT hash, node, next FROM chain_open ORDER BY hash")
                .fetch_all(&mut conn)
                .await
                .unwrap();
        assert_eq!(
            open,
            vec![
                (h(3), Some("r3".into()), None),
                (h(4), None, Some("r5".into())),
                (h(5), Some("r5".into()), None),
            ]
        );
    }
}
