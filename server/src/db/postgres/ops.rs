//! PostgreSQL's side of [`crate::db::ops`]: migration state and migrate.
//! The database itself is made by its administrator (`createdb`); backups
//! are PostgreSQL's own (README, "Operations").
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::Connection;

use super::MIGRATOR;
use crate::db::ops::{MigrateReport, MigrationState, OpsError};
use crate::db::DbError;

pub(in crate::db) async fn migration_state(
    opts: PgConnectOptions,
) -> Result<MigrationState, OpsError> {
    let mut conn = super::connect(&opts).await?;
    let state = read_state(&mut conn).await;
    conn.close().await.map_err(DbError::from)?;
    state
}

async fn read_state(conn: &mut PgConnection) -> Result<MigrationState, OpsError> {
    let has_table: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
        .fetch_one(&mut *conn)
        .await
        .map_err(DbError::from)?;
    let applied: Vec<i64> = if has_table {
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
            .fetch_all(&mut *conn)
            .await
            .map_err(DbError::from)?
    } else {
        Vec::new()
    };
    MigrationState::against(applied, &MIGRATOR)
}

pub(in crate::db) async fn migrate(opts: PgConnectOptions) -> Result<MigrateReport, OpsError> {
    let mut conn = super::connect(&opts).await?;
    let before = read_state(&mut conn).await?;
    MIGRATOR.run(&mut conn).await.map_err(DbError::from)?;
    let after = read_state(&mut conn).await?;
    conn.close().await.map_err(DbError::from)?;
    Ok(MigrateReport { before, after })
}

/// `ANALYZE` of the whole database (see [`crate::db::ops::refresh_statistics`]).
pub(in crate::db) async fn analyze(opts: PgConnectOptions) -> Result<(), OpsError> {
    let mut conn = super::connect(&opts).await?;
    sqlx::query("ANALYZE")
        .execute(&mut conn)
        .await
        .map_err(DbError::from)?;
    conn.close().await.map_err(DbError::from)?;
    Ok(())
}
