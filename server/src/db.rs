//! All SQL lives here, behind a small interface: a [`Writer`] (the one
//! connection that writes and acknowledges) and a [`Database`] of readers.
//!
//! SQLite specifics kept inside this module, for a PostgreSQL version to
//! replace: `?` placeholders, `json_each(?)` to pass a list of keys as one
//! bound value (PostgreSQL: `= ANY($1)`), the pragmas in [`open`], and
//! `BEGIN IMMEDIATE`. Everything else is plain SQL.
use beatbook_core::sync::ConflictReason;
use beatbook_core::{EntryId, RecordKind, Revision, RevisionId};
use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, Connection, Row, SqlStr, Sqlite, Transaction};
use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;
use thiserror::Error;

pub mod accounts;
mod chain;
pub mod force;
pub mod review;
pub use accounts::{open_accounts, AccountError, Accounts};

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// Rows per multi-row INSERT: few round trips to the SQLite worker, and few
/// distinct statements to keep prepared (one per length up to this).
const INSERT_CHUNK: usize = 64;
const REVISION_COLUMNS: &str = "revision_id, entry_id, seq, kind, officer_id, shift_id, \
     device_id, occurred_at, captured_at, received_at, body";
const REVISION_PLACEHOLDERS: &str = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
/// The device chain (migration 0005): one row per revision for its own
/// hash and one for the hash it names. Rows are taken in order, so a
/// revision and its successor in one statement see each other. On a hash
/// already there: a revision arriving fills in its `node` (a gap closes);
/// the first revision naming it is `next`, a second one `fork`. Old
/// values on the right (SQLite evaluates every SET against the old row).
const CHAIN_INSERT: &str = "INSERT INTO chain (device_id, hash, node, linked, next) VALUES ";
const CHAIN_PLACEHOLDERS: &str = "(?, ?, ?, ?, ?)";
const CHAIN_UPSERT: &str = " ON CONFLICT (device_id, hash) DO UPDATE SET \
     node = COALESCE(node, excluded.node), \
     linked = CASE WHEN node IS NULL THEN excluded.linked ELSE linked END, \
     fork = CASE WHEN fork IS NULL AND next IS NOT NULL AND excluded.next IS NOT NULL \
                 THEN excluded.next ELSE fork END, \
     next = COALESCE(next, excluded.next)";
/// Largest page a reader may ask for.
pub const MAX_PAGE: u32 = 1000;

#[derive(Debug, Error)]
pub enum DbError {
    #[error("database: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("applying migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("bad database location {target:?}: {reason}")]
    BadTarget { target: String, reason: String },
    #[error("unexpected value in column {column}: {value:?}")]
    Corrupt { column: &'static str, value: String },
    #[error("encoding a key list: {0}")]
    Encode(#[from] serde_json::Error),
}

/// An opened database: the revision writer, the readers, and the small
/// writable pool for account data.
pub struct Opened {
    pub writer: Writer,
    pub db: Database,
    pub accounts: Accounts,
}

/// Opens (creating if missing) the database, applies the migrations and
/// returns the writing connection, a pool of readers and the accounts pool.
pub async fn open(target: &str) -> Result<Opened, DbError> {
    let base = connect_options(target)?;
    // The acknowledging connection: WAL so readers never block it, FULL so a
    // commit it reports has reached the disk (power loss included).
    let write_opts = base
        .clone()
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(5))
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
        .busy_timeout(Duration::from_secs(5))
        .pragma("query_only", "ON");
    let readers = SqlitePoolOptions::new()
        .max_connections(4)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(read_opts)
        .await?;
    let accounts = Accounts::connect(target, 2).await?;
    Ok(Opened {
        writer: Writer::new(conn),
        db: Database { readers },
        accounts,
    })
}

/// Creates a fresh database (the file must not exist) with the server's
/// schema and settings, for the insert-ceiling benchmark.
pub async fn create_fresh(target: &str) -> Result<Writer, DbError> {
    let opts = connect_options(target)?;
    if opts.get_filename().exists() {
        return Err(DbError::BadTarget {
            target: target.to_owned(),
            reason: "already exists; the benchmark needs a fresh file".into(),
        });
    }
    let opened = open(target).await?;
    opened.db.readers.close().await;
    opened.accounts.close().await;
    Ok(opened.writer)
}

fn connect_options(target: &str) -> Result<SqliteConnectOptions, DbError> {
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

/// Times as stored: RFC 3339 UTC with microseconds (fixed width, so text
/// order is time order).
pub fn format_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn parse_time(column: &'static str, text: &str) -> Result<DateTime<Utc>, DbError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| corrupt(column, text))
}

fn corrupt(column: &'static str, value: &str) -> DbError {
    DbError::Corrupt {
        column,
        value: value.chars().take(64).collect(),
    }
}

fn parse_revision_id(text: &str) -> Result<RevisionId, DbError> {
    RevisionId::parse(text).ok_or_else(|| corrupt("revision_id", text))
}

fn parse_entry_id(text: &str) -> Result<EntryId, DbError> {
    EntryId::parse(text).ok_or_else(|| corrupt("entry_id", text))
}

pub fn reason_code(reason: &ConflictReason) -> &'static str {
    match reason {
        ConflictReason::SameIdDifferentContent => "same_id_different_content",
        ConflictReason::SequenceTaken { .. } => "sequence_taken",
        ConflictReason::KindMismatch => "kind_mismatch",
    }
}

/// A revision to insert. `body` is its canonical JSON.
#[derive(Debug, Clone, Copy)]
pub struct NewRevision<'a> {
    pub rev: &'a Revision,
    pub body: &'a str,
    pub device_id: &'a str,
    pub received_at: DateTime<Utc>,
    /// Whether another revision of the entry, stored or inserted before it,
    /// has another occurred_at or officer: the entry then goes into
    /// `entries_moved` (see migration 0004), which "latest revision" reads
    /// rely on. The caller knows: the writer from what it looked up, the
    /// seed from what it made.
    pub moves_entry: bool,
}

/// [`NewRevision::moves_entry`] for revisions of entries nothing is stored
/// of yet, in the order they will be inserted: whether an earlier one of
/// the same entry has another occurred_at or officer.
pub fn moves_entries<'a>(revs: impl IntoIterator<Item = &'a Revision>) -> Vec<bool> {
    let mut first: HashMap<EntryId, (DateTime<Utc>, &str)> = HashMap::new();
    revs.into_iter()
        .map(|rev| {
            let (at, officer) = *first
                .entry(rev.entry_id)
                .or_insert((rev.occurred_at, &rev.officer_id));
            format_time(at) != format_time(rev.occurred_at) || officer != rev.officer_id
        })
        .collect()
}

/// A change that collided with what is held, to keep apart.
#[derive(Debug, Clone, Copy)]
pub struct NewConflict<'a> {
    pub rev: &'a Revision,
    pub body: &'a str,
    pub device_id: &'a str,
    pub reason: &'a ConflictReason,
    pub received_at: DateTime<Utc>,
}

/// A stored revision, as far as deciding about a retry needs.
#[derive(Debug, Clone)]
pub struct HeldRevision {
    pub revision_id: RevisionId,
    pub body: String,
    pub received_at: DateTime<Utc>,
    /// Whose it is: a revision ID of another officer's is answered
    /// `not_your_entry`, never compared.
    pub officer_id: String,
}

/// A stored (entry, seq) slot and the entry facts that come with it.
#[derive(Debug, Clone)]
pub struct HeldSlot {
    pub entry_id: EntryId,
    pub seq: u32,
    pub revision_id: RevisionId,
    pub kind: RecordKind,
    pub officer_id: String,
    /// As stored ([`format_time`]).
    pub occurred_at: String,
    pub shift_id: Option<EntryId>,
}

/// An entry another incoming revision names (its shift, patrol or linked
/// entry): whose it is, what it is, and for a patrol its shift.
#[derive(Debug, Clone)]
pub struct HeldEntry {
    pub entry_id: EntryId,
    pub kind: RecordKind,
    pub officer_id: String,
    pub shift_id: Option<EntryId>,
}

/// What the database holds that bears on a set of incoming revisions.
#[derive(Debug, Default)]
pub struct Known {
    /// Stored revisions whose ID is among the incoming ones.
    pub revisions: Vec<HeldRevision>,
    /// Every stored revision of the incoming entries.
    pub slots: Vec<HeldSlot>,
    /// The latest stored revision of each incoming entry, read, for the
    /// history rule (`History::check_next`).
    pub latest: Vec<Revision>,
    /// The entries the incoming revisions refer to.
    pub referenced: Vec<HeldEntry>,
}

/// The one connection that writes. Owned by the writer task, so writes are
/// serialised in the process (SQLite has a single writer anyway).
#[derive(Debug)]
pub struct Writer {
    conn: SqliteConnection,
    /// `INSERT ... VALUES` with 1..=INSERT_CHUNK rows, built once.
    insert_sql: Vec<SqlStr>,
    /// The chain's upsert with 1..=INSERT_CHUNK rows, built once.
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
                let sql = format!("{CHAIN_INSERT}{values}{CHAIN_UPSERT}");
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

    pub async fn insert_revisions(&mut self, rows: &[NewRevision<'_>]) -> Result<(), DbError> {
        for chunk in rows.chunks(INSERT_CHUNK) {
            let Some(sql) = self.insert_sql.get(chunk.len() - 1) else {
                continue; // unreachable: chunks are 1..=INSERT_CHUNK long
            };
            let mut query = sqlx::query(sql.clone());
            for row in chunk {
                let rev = row.rev;
                query = query
                    .bind(rev.id.to_string())
                    .bind(rev.entry_id.to_string())
                    .bind(rev.seq)
                    .bind(rev.kind().code())
                    .bind(rev.officer_id.as_str())
                    .bind(rev.shift_id.map(|s| s.to_string()))
                    .bind(row.device_id)
                    .bind(format_time(rev.occurred_at))
                    .bind(format_time(rev.captured_at))
                    .bind(format_time(row.received_at))
                    .bind(row.body);
            }
            query.execute(&mut *self.tx).await?;
        }
        self.insert_chain(rows).await?;
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

    /// The device chain rows of newly stored revisions ([`CHAIN_UPSERT`]):
    /// each one's own hash, and the hash it names. Every revision gets a
    /// row, a first save too (its successor names it); nothing is refused.
    async fn insert_chain(&mut self, rows: &[NewRevision<'_>]) -> Result<(), DbError> {
        struct ChainRow<'a> {
            device_id: &'a str,
            hash: crate::chain::Hash,
            node: Option<String>,
            linked: bool,
            next: Option<String>,
        }
        let mut chain = Vec::with_capacity(rows.len() * 2);
        for row in rows {
            let id = row.rev.id.to_string();
            // Checked by `Revision::check` before the writer saw it.
            let prev = row.rev.prev.as_deref().and_then(crate::chain::parse);
            chain.push(ChainRow {
                device_id: row.device_id,
                hash: crate::chain::hash_of(row.body.as_bytes()),
                node: Some(id.clone()),
                linked: prev.is_some(),
                next: None,
            });
            if let Some(prev) = prev {
                chain.push(ChainRow {
                    device_id: row.device_id,
                    hash: prev,
                    node: None,
                    linked: false,
                    next: Some(id),
                });
            }
        }
        for chunk in chain.chunks(INSERT_CHUNK) {
            let Some(sql) = self.chain_sql.get(chunk.len() - 1) else {
                continue; // unreachable: chunks are 1..=INSERT_CHUNK long
            };
            let mut query = sqlx::query(sql.clone());
            for row in chunk {
                query = query
                    .bind(row.device_id)
                    .bind(&row.hash[..])
                    .bind(row.node.as_deref())
                    .bind(row.linked)
                    .bind(row.next.as_deref());
            }
            query.execute(&mut *self.tx).await?;
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

/// Counts the server holds.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
pub struct Stats {
    pub revisions: i64,
    pub entries: i64,
    pub conflicts: i64,
}

/// One stored revision as the read API returns it.
#[derive(Debug, Clone)]
pub struct StoredRow {
    pub arrival: i64,
    pub revision_id: String,
    pub entry_id: String,
    pub seq: u32,
    pub kind: String,
    pub officer_id: String,
    pub occurred_at: String,
    pub captured_at: String,
    pub received_at: String,
    pub body: String,
}

impl StoredRow {
    /// A row selected as `arrival, revision_id, entry_id, seq, kind,
    /// officer_id, occurred_at, captured_at, received_at, body`, in that order.
    pub(crate) fn from_row(row: &sqlx::sqlite::SqliteRow) -> Result<Self, DbError> {
        Ok(Self {
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
}

/// Readers: a small pool, never writing (`query_only`).
#[derive(Debug, Clone)]
pub struct Database {
    readers: SqlitePool,
}

impl Database {
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
        rows.iter().map(StoredRow::from_row).collect()
    }

    pub async fn close(&self) {
        self.readers.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_fixed_width_utc() {
        let t = DateTime::parse_from_rfc3339("2026-03-01T10:20:30.123456789+01:00")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(format_time(t), "2026-03-01T09:20:30.123456Z");
        assert_eq!(
            parse_time("t", "2026-03-01T09:20:30.123456Z")
                .unwrap()
                .timestamp_micros(),
            t.timestamp_micros()
        );
    }

    #[test]
    fn memory_databases_are_refused() {
        assert!(connect_options("sqlite::memory:").is_err());
        assert!(connect_options("").is_err());
        assert!(connect_options("beatbook.db").is_ok());
        assert!(connect_options("sqlite://beatbook.db").is_ok());
    }
}
