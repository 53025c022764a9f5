//! What an operator does to a database apart from serving it: migrate it
//! as a separate deploy step (`beatbook-server migrate`, then `serve
//! --no-migrate`), and copy it while it serves (`beatbook-server backup`).
//!
//! Each backend does these its own way ([`super::sqlite`]'s `ops`,
//! [`super::postgres`]'s); a PostgreSQL database is backed up with the
//! server's own tools (`pg_dump`, base backups and WAL archiving for
//! point-in-time recovery: README, "Operations").
use std::path::{Path, PathBuf};

use super::{postgres, sqlite, DbError, Target};

/// Where a database stands against this server's migrations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationState {
    /// Versions applied, in order.
    pub applied: Vec<i64>,
    /// This server's versions not applied yet.
    pub pending: Vec<i64>,
}

impl MigrationState {
    /// Where `applied` stands against a backend's migrations; a version it
    /// does not know means a newer server migrated the database.
    pub(crate) fn against(
        applied: Vec<i64>,
        migrator: &sqlx::migrate::Migrator,
    ) -> Result<Self, OpsError> {
        let known: Vec<i64> = migrator
            .iter()
            .filter(|m| m.migration_type.is_up_migration())
            .map(|m| m.version)
            .collect();
        if let Some(version) = applied.iter().find(|v| !known.contains(v)) {
            return Err(OpsError::Ahead { version: *version });
        }
        let pending = known.into_iter().filter(|v| !applied.contains(v)).collect();
        Ok(Self { applied, pending })
    }

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
    #[error(
        "beatbook-server backup copies a SQLite database; back up PostgreSQL with its own \
         tools (pg_dump, or a base backup with WAL archiving for point-in-time recovery)"
    )]
    NotSqlite,
    #[error("reading {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The state of an existing database (it is not created).
pub async fn migration_state(target: &str) -> Result<MigrationState, OpsError> {
    match Target::parse(target)? {
        Target::Sqlite(_) => sqlite::ops::migration_state(target).await,
        Target::Postgres(opts) => postgres::ops::migration_state(opts).await,
    }
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
        // Named as given, but never with a password in it.
        target: postgres::redacted(target),
        version: state.version(),
        pending: state.pending,
    })
}

/// `beatbook-server migrate`: creates the database if it is missing (SQLite;
/// a PostgreSQL database is made by its administrator) and applies the
/// pending migrations, each in its own transaction (sqlx).
pub async fn migrate(target: &str) -> Result<MigrateReport, OpsError> {
    match Target::parse(target)? {
        Target::Sqlite(_) => sqlite::ops::migrate(target).await,
        Target::Postgres(opts) => postgres::ops::migrate(opts).await,
    }
}

/// After a bulk load (the seed tool, an import): the planner's statistics
/// brought up to date now rather than when autovacuum next gets round to
/// the table. PostgreSQL plans from them: on a freshly seeded year of a
/// 300-officer force a team's shift list took 1.1 s before `ANALYZE` and
/// 50 ms after. SQLite's queries name their indexes and were measured
/// without statistics tables, so there nothing is done. Returns whether
/// statistics were refreshed.
pub async fn refresh_statistics(target: &str) -> Result<bool, OpsError> {
    match Target::parse(target)? {
        Target::Sqlite(_) => Ok(false),
        Target::Postgres(opts) => postgres::ops::analyze(opts).await.map(|()| true),
    }
}

/// `beatbook-server backup`: a consistent copy of a SQLite database while
/// it serves.
pub async fn backup(target: &str, to: &Path) -> Result<BackupReport, OpsError> {
    match Target::parse(target)? {
        Target::Sqlite(_) => sqlite::ops::backup(target, to).await,
        Target::Postgres(_) => Err(OpsError::NotSqlite),
    }
}
