//! SQLite's side of [`crate::db::ops`]: migration state, migrate, and
//! `VACUUM INTO` for a backup while the server serves.
use sqlx::sqlite::SqliteConnection;
use sqlx::{Connection, Row};
use std::path::Path;

use super::{connect_options, MIGRATOR};
use crate::db::ops::{BackupReport, MigrateReport, MigrationState, OpsError};
use crate::db::DbError;

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
pub(in crate::db) async fn migration_state(target: &str) -> Result<MigrationState, OpsError> {
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
    MigrationState::against(applied, &MIGRATOR)
}

/// `beatbook-server migrate`: creates the database if it is missing and
/// applies the pending migrations, each in its own transaction (sqlx).
pub(in crate::db) async fn migrate(target: &str) -> Result<MigrateReport, OpsError> {
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
pub(in crate::db) async fn backup(target: &str, to: &Path) -> Result<BackupReport, OpsError> {
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
