//! The storage boundary: the only way the rest of the server reaches its
//! data. A [`Writer`] (the one connection of this process that writes and
//! acknowledges revisions), a [`Database`] of readers, [`Accounts`] (the
//! small writable pool for account data) and their transactions, each one
//! of two backends chosen at run time by `--db`:
//!
//! * [`sqlite`]: a file path or `sqlite:` URL, the embedded default;
//! * [`postgres`]: a `postgres://` URL, for several instances on one database.
//!
//! Every type that crosses the boundary is the domain's (or plain text and
//! numbers); each backend has its own SQL and its own migrations
//! (`server/migrations/sqlite`, `server/migrations/postgres`). The types
//! here hold a [`Backend`] and hand each call to the one it holds.
use beatbook_core::sync::ConflictReason;
use beatbook_core::{EntryId, RecordKind, Revision, RevisionId};
use chrono::{DateTime, SecondsFormat, Utc};
use std::collections::HashMap;
use std::time::Duration;
use thiserror::Error;

/// One of the two backends' versions of a storage type.
#[derive(Debug, Clone)]
pub(crate) enum Backend<S, P> {
    Sqlite(S),
    Postgres(P),
}

/// Hands a call to the backend a [`Backend`] holds: `on_backend!(&self.0,
/// store => store.method(args).await)`.
macro_rules! on_backend {
    ($backend:expr, $store:ident => $call:expr) => {
        match $backend {
            $crate::db::Backend::Sqlite($store) => $call,
            $crate::db::Backend::Postgres($store) => $call,
        }
    };
}

pub mod accounts;
mod chain;
pub mod follow_ups;
pub mod force;
pub mod ops;
pub mod postgres;
pub mod returns;
pub mod review;
pub mod sign_in;
pub mod sqlite;
pub mod teams;
pub use accounts::{open_accounts, AccountError};

/// Largest page a reader may ask for.
pub const MAX_PAGE: u32 = 1000;

/// Where `--db` points: a SQLite file or a PostgreSQL server.
#[derive(Debug, Clone)]
pub enum Target {
    Sqlite(sqlx::sqlite::SqliteConnectOptions),
    Postgres(sqlx::postgres::PgConnectOptions),
}

impl Target {
    pub fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres(_))
    }

    /// A file path or `sqlite:` URL, or a `postgres://` (`postgresql://`)
    /// URL. Any other scheme is refused by name, without the rest of the
    /// URL (it may hold a password), and nothing is created.
    pub fn parse(target: &str) -> Result<Self, DbError> {
        if let Some((scheme, _)) = target.split_once("://") {
            if scheme == "postgres" || scheme == "postgresql" {
                return postgres::connect_options(target).map(Self::Postgres);
            }
            if scheme != "sqlite"
                && !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '+')
            {
                return Err(DbError::BadTarget {
                    target: format!("{scheme}://…"),
                    reason: format!(
                        "give a SQLite file path, a sqlite: URL or a postgres:// URL, \
                         not a {scheme}:// URL"
                    ),
                });
            }
        }
        sqlite::connect_options(target).map(Self::Sqlite)
    }
}

#[derive(Debug, Error)]
pub enum DbError {
    #[error("database: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("applying migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("could not reach the database {target}: {source}")]
    Unreachable { target: String, source: sqlx::Error },
    #[error("bad database location {target:?}: {reason}")]
    BadTarget { target: String, reason: String },
    #[error("unexpected value in column {column}: {value:?}")]
    Corrupt { column: &'static str, value: String },
    #[error("encoding a key list: {0}")]
    Encode(#[from] serde_json::Error),
}

impl DbError {
    /// The database was there but busy: no connection of a pool came free
    /// within `--db-acquire-timeout-ms`, or SQLite's lock stayed taken
    /// (by another instance, a backup, the command line) beyond
    /// `--db-busy-timeout-ms`. Nothing was changed, and the same request
    /// a moment later can succeed.
    pub fn is_busy(&self) -> bool {
        match self {
            Self::Sql(sqlx::Error::PoolTimedOut) => true,
            // SQLITE_BUSY and SQLITE_LOCKED, with their extended codes
            // (the low byte is the primary code).
            Self::Sql(sqlx::Error::Database(e)) => {
                match e.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
                    // PostgreSQL: too many connections, the server starting or
                    // shutting down, a lock not granted in time.
                    Some(pg) => matches!(pg.code(), "53300" | "57P03" | "55P03"),
                    None => e
                        .code()
                        .and_then(|c| c.parse::<i32>().ok())
                        .is_some_and(|c| matches!(c & 0xff, 5 | 6)),
                }
            }
            _ => false,
        }
    }
}

/// An opened database: the revision writer, the readers, and the small
/// writable pool for account data.
pub struct Opened {
    pub writer: Writer,
    pub db: Database,
    pub accounts: Accounts,
}

/// Pool sizes and timeouts: `serve --db-readers`, `--db-accounts-connections`,
/// `--db-acquire-timeout-ms`, `--db-busy-timeout-ms`; the default is theirs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolConfig {
    /// Reading connections (`query_only`).
    pub readers: u32,
    /// Connections of the accounts pool (sessions, sign-in limits, events).
    pub accounts: u32,
    /// How long a request waits for a free connection of a pool; then it fails.
    pub acquire_timeout: Duration,
    /// How long a connection waits on SQLite's lock (another process, a
    /// checkpoint) before the statement fails with "database is locked".
    pub busy_timeout: Duration,
}

impl Default for PoolConfig {
    fn default() -> Self {
        Self {
            readers: 4,
            accounts: 2,
            acquire_timeout: Duration::from_secs(5),
            busy_timeout: Duration::from_secs(5),
        }
    }
}

/// Opens (creating if missing) the database, applies the migrations and
/// returns the writing connection, a pool of readers and the accounts pool.
pub async fn open(target: &str) -> Result<Opened, DbError> {
    open_with(target, &PoolConfig::default()).await
}

/// [`open`] with these pool sizes and timeouts.
pub async fn open_with(target: &str, pools: &PoolConfig) -> Result<Opened, DbError> {
    match Target::parse(target)? {
        Target::Sqlite(opts) => {
            let (writer, readers, accounts) = sqlite::open(opts, pools).await?;
            Ok(Opened {
                writer: Writer(Backend::Sqlite(writer)),
                db: Database(Backend::Sqlite(readers)),
                accounts: Accounts(Backend::Sqlite(accounts)),
            })
        }
        Target::Postgres(opts) => {
            let (writer, readers, accounts) = postgres::open(opts, pools).await?;
            Ok(Opened {
                writer: Writer(Backend::Postgres(writer)),
                db: Database(Backend::Postgres(readers)),
                accounts: Accounts(Backend::Postgres(accounts)),
            })
        }
    }
}

/// Creates a fresh database with the server's schema and settings, for the
/// insert-ceiling benchmark: a SQLite file that must not exist yet, or a
/// PostgreSQL database that must hold no revisions yet.
pub async fn create_fresh(target: &str) -> Result<Writer, DbError> {
    let fresh = |reason: &str| DbError::BadTarget {
        target: target.to_owned(),
        reason: reason.to_owned(),
    };
    if let Target::Sqlite(opts) = Target::parse(target)? {
        if opts.get_filename().exists() {
            return Err(fresh("already exists; the benchmark needs a fresh file"));
        }
    }
    let opened = open(target).await?;
    let (last_arrival, _, _) = opened.db.high_water().await?;
    opened.db.close().await;
    opened.accounts.close().await;
    if last_arrival > 0 {
        return Err(fresh(
            "holds revisions; the benchmark needs a fresh database",
        ));
    }
    Ok(opened.writer)
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

/// The writing connection of this process, owned by the writer task.
#[derive(Debug)]
pub struct Writer(Backend<sqlite::Writer, postgres::Writer>);

impl Writer {
    /// Starts a write transaction that holds the right to write: SQLite's
    /// write lock, or on PostgreSQL the database-wide advisory lock that
    /// orders every instance's revision inserts (see [`postgres`]).
    pub async fn begin(&mut self) -> Result<WriteTx<'_>, DbError> {
        Ok(match &mut self.0 {
            Backend::Sqlite(w) => WriteTx(Backend::Sqlite(w.begin().await?)),
            Backend::Postgres(w) => WriteTx(Backend::Postgres(w.begin().await?)),
        })
    }

    /// Flushes what the backend keeps aside (SQLite: the WAL) and closes.
    pub async fn close(self) -> Result<(), DbError> {
        on_backend!(self.0, store => store.close().await)
    }
}

/// An open write transaction; dropped without [`WriteTx::commit`] it rolls back.
pub struct WriteTx<'c>(Backend<sqlite::WriteTx<'c>, postgres::WriteTx<'c>>);

impl WriteTx<'_> {
    /// Looks up stored revisions by ID and every stored revision of the
    /// given entries, in a few queries whatever the number of keys.
    pub async fn known(
        &mut self,
        revision_ids: &[RevisionId],
        entry_ids: &[EntryId],
        referenced_ids: &[EntryId],
    ) -> Result<Known, DbError> {
        on_backend!(&mut self.0, store => store.known(revision_ids, entry_ids, referenced_ids).await)
    }

    /// Stores new revisions, their device chain links first.
    pub async fn insert_revisions(&mut self, rows: &[NewRevision<'_>]) -> Result<(), DbError> {
        on_backend!(&mut self.0, store => store.insert_revisions(rows).await)
    }

    /// Bodies of the conflicts already kept under these revision IDs, so a
    /// retried conflicting change is not kept twice.
    pub async fn conflict_bodies(
        &mut self,
        revision_ids: &[RevisionId],
    ) -> Result<Vec<(RevisionId, String)>, DbError> {
        on_backend!(&mut self.0, store => store.conflict_bodies(revision_ids).await)
    }

    pub async fn insert_conflicts(&mut self, rows: &[NewConflict<'_>]) -> Result<(), DbError> {
        on_backend!(&mut self.0, store => store.insert_conflicts(rows).await)
    }

    /// Commits; when this returns the data is on disk (SQLite
    /// synchronous=FULL, PostgreSQL synchronous_commit on).
    pub async fn commit(self) -> Result<(), DbError> {
        on_backend!(self.0, store => store.commit().await)
    }
}

/// Readers: a small pool, never writing.
#[derive(Debug, Clone)]
pub struct Database(Backend<sqlite::Readers, postgres::Readers>);

impl Database {
    /// The readers' connections now (for the metrics).
    pub fn pool_use(&self) -> crate::metrics::PoolUse {
        on_backend!(&self.0, store => store.pool_use())
    }

    pub async fn ping(&self) -> Result<(), DbError> {
        on_backend!(&self.0, store => store.ping().await)
    }

    /// Counts for these officers' revisions, entries and conflicts.
    pub async fn stats(&self, officers: &[String]) -> Result<Stats, DbError> {
        on_backend!(&self.0, store => store.stats(officers).await)
    }

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
        on_backend!(&self.0, store => store.list_revisions(officers, shift, after, limit).await)
    }

    pub async fn close(&self) {
        on_backend!(&self.0, store => store.close().await)
    }
}

/// Writable pool for account data: users, teams, sessions, the security
/// and access logs, sign-in limits, returns, follow-ups, force settings.
#[derive(Debug, Clone)]
pub struct Accounts(Backend<sqlite::Accounts, postgres::Accounts>);

impl Accounts {
    /// The pool's connections now (for the metrics).
    pub fn pool_use(&self) -> crate::metrics::PoolUse {
        on_backend!(&self.0, store => store.pool_use())
    }

    pub async fn close(&self) {
        on_backend!(&self.0, store => store.close().await)
    }
}

/// The sign-in limits' transaction ([`sign_in`]); dropped without
/// [`LimitTx::commit`] it rolls back (a refused attempt writes nothing).
pub struct LimitTx(Backend<sqlite::LimitTx, postgres::LimitTx>);

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
    fn targets_are_told_apart_by_scheme() {
        assert!(matches!(
            Target::parse("beatbook.db"),
            Ok(Target::Sqlite(_))
        ));
        assert!(matches!(
            Target::parse("sqlite://beatbook.db"),
            Ok(Target::Sqlite(_))
        ));
        assert!(matches!(
            Target::parse("postgres://beatbook:secret@db.example:5432/beatbook"),
            Ok(Target::Postgres(_))
        ));
        assert!(matches!(
            Target::parse("postgresql://db.example/beatbook"),
            Ok(Target::Postgres(_))
        ));
        let err = Target::parse("mysql://root:hunter2@db/beatbook")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("mysql://") && !err.contains("hunter2"),
            "{err}"
        );
    }
}
