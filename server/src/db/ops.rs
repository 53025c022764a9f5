//! What an operator does to a database apart from serving it: migrate it
//! as a separate deploy step (`beatbook-server migrate`, then `serve
//! --no-migrate`), and copy it while it serves (`beatbook-server backup`).
use sqlx::sqlite::SqliteConnection;
use sqlx::{Connection, Row};
use std::path::{Path, PathBuf};

use super::{connect_options, DbError, MIGRATOR};

/// Where a database stands against this server's migrations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationState {
    /// Versions applied, in order.
    pub applied: Vec<i64>,
    /// This server's versions not applied yet.
    pub pending: Vec<i64>,
}

impl MigrationState {
    /// The latest applied version (0 for none).
    pub fn version(&self) -> i64 {
        self.applied.last().copied().unwrap_or(0)
    }
}

/// What `migrate` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrateReport {
    pub before: MigrationState,
    pub after: MigrationState,
}

/// What `backup` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupReport {
    pub to: PathBuf,
    pub bytes: u64,
    pub revisions: i64,
    pub users: i64,
    pub version: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(
        "the database is at migration {version} and this server needs {}: \
         run `beatbook-server migrate --db {target}` first (serve --no-migrate never migrates)",
        pending.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
    )]
    Behind {
        target: String,
        version: i64,
        pending: Vec<i64>,
    },
    #[error(
        "the database has migration {version}, which this server does not know: \
         it was migrated by a newer server; run that version"
    )]
    Ahead { version: i64 },
    #[error("{0} does not exist; `beatbook-server migrate --db {0}` creates it")]
    Missing(String),
    #[error("{} already exists: a backup never overwrites a file", .0.display())]
    Exists(PathBuf),
    #[error("the backup at {} failed its integrity check: {detail}", to.display())]
    Damaged { to: PathBuf, detail: String },
    #[error("reading {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A read-only connection to a database that must exist (never created).
async fn open_existing(target: &str) -> Result<SqliteConnection, OpsError> {
    let opts = connect_options(target)?;
    if !opts.get_filename().exists() {
        return Err(OpsError::Missing(target.to_owned()));
    }
    Ok(SqliteConnection::connect_with(&opts.read_only(true))
        .await
        .map_err(DbError::from)?)
}

/// The state of an existing database (it is not created).
pub async fn migration_state(target: &str) -> Result<MigrationState, OpsError> {
    let mut conn = open_existing(target).await?;
    let state = read_state(&mut conn).await;
    conn.close().await.map_err(DbError::from)?;
    state
}

async fn read_state(conn: &mut SqliteConnection) -> Result<MigrationState, OpsError> {
    let has_table: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master \
         WHERE type = 'table' AND name = '_sqlx_migrations')",
    )
    .fetch_one(&mut *conn)
    .await
    .map_err(DbError::from)?;
    let applied: Vec<i64> = if has_table {
        sqlx::query("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
            .fetch_all(&mut *conn)
            .await
            .map_err(DbError::from)?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()
            .map_err(DbError::from)?
    } else {
        Vec::new()
    };
    let known: Vec<i64> = MIGRATOR
        .iter()
        .filter(|m| m.migration_type.is_up_migration())
        .map(|m| m.version)
        .collect();
    if let Some(version) = applied.iter().find(|v| !known.contains(v)) {
        return Err(OpsError::Ahead { version: *version });
    }
    let pending = known.into_iter().filter(|v| !applied.contains(v)).collect();
    Ok(MigrationState { applied, pending })
}

/// `serve --no-migrate`: the database must already be at this server's
/// migrations (a deploy that migrates in its own step, before any new
/// instance starts). Nothing is changed.
pub async fn require_migrated(target: &str) -> Result<(), OpsError> {
    let state = migration_state(target).await?;
    if state.pending.is_empty() {
        return Ok(());
    }
    Err(OpsError::Behind {
        target: target.to_owned(),
        version: state.version(),
        pending: state.pending,
    })
}

/// `beatbook-server migrate`: creates the database if it is missing and
/// applies the pending migrations, each in its own transaction (sqlx).
pub async fn migrate(target: &str) -> Result<MigrateReport, OpsError> {
    let opts = connect_options(target)?
        .create_if_missing(true)
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
        .synchronous(sqlx::sqlite::SqliteSynchronous::Full)
        .busy_timeout(std::time::Duration::from_secs(5));
    let mut conn = SqliteConnection::connect_with(&opts)
        .await
        .map_err(DbError::from)?;
    let before = read_state(&mut conn).await?;
    MIGRATOR.run(&mut conn).await.map_err(DbError::from)?;
    let after = read_state(&mut conn).await?;
    conn.close().await.map_err(DbError::from)?;
    Ok(MigrateReport { before, after })
}

/// `beatbook-server backup`: a consistent copy of the database while it
/// serves. `VACUUM INTO` reads one snapshot (a read transaction: the writer
/// goes on, and nothing it commits after the start is in the copy) and
/// writes a compact file, which is then opened and checked.
pub async fn backup(target: &str, to: &Path) -> Result<BackupReport, OpsError> {
    if to.exists() {
        return Err(OpsError::Exists(to.to_owned()));
    }
    let mut conn = open_existing(target).await?;
    let dest = to.to_string_lossy().into_owned();
    sqlx::query("VACUUM INTO ?")
        .bind(&dest)
        .execute(&mut conn)
        .await
        .map_err(DbError::from)?;
    conn.close().await.map_err(DbError::from)?;

    let copy_opts = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(to)
        .read_only(true);
    let mut copy = SqliteConnection::connect_with(&copy_opts)
        .await
        .map_err(DbError::from)?;
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut copy)
        .await
        .map_err(DbError::from)?;
    if check != "ok" {
        return Err(OpsError::Damaged {
            to: to.to_owned(),
            detail: check,
        });
    }
    let version = read_state(&mut copy).await?.version();
    let revisions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM revisions")
        .fetch_one(&mut copy)
        .await
        .map_err(DbError::from)?;
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&mut copy)
        .await
        .map_err(DbError::from)?;
    copy.close().await.map_err(DbError::from)?;
    let bytes = std::fs::metadata(to)
        .map_err(|source| OpsError::Io {
            path: to.to_owned(),
            source,
        })?
        .len();
    Ok(BackupReport {
        to: to.to_owned(),
        bytes,
        revisions,
        users,
        version,
    })
}
