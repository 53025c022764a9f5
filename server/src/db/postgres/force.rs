//! PostgreSQL: force.
use super::accounts::insert_event;
use super::Accounts;
use crate::db::accounts::NewEvent;
use crate::db::force::*;
use crate::db::{corrupt, format_time, DbError};
use beatbook_core::force::ForceSettings;
use sqlx::Row;

impl Accounts {
    pub async fn force_settings(&self) -> Result<Option<StoredSettings>, DbError> {
        let row = sqlx::query("SELECT settings, updated_at FROM force_settings WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let text: String = row.try_get(0)?;
        let settings =
            serde_json::from_str(&text).map_err(|_| corrupt("force_settings.settings", &text))?;
        Ok(Some(StoredSettings {
            settings,
            updated_at: row.try_get(1)?,
        }))
    }

    /// Stores `settings` (already checked) and the event that says who, in
    /// one transaction. One row, written whole by an upsert: of two at once
    /// the later commit wins, as on SQLite.
    pub async fn set_force_settings(
        &self,
        settings: &ForceSettings,
        event: &NewEvent<'_>,
    ) -> Result<(), DbError> {
        let text = serde_json::to_string(settings)?;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO force_settings (id, settings, updated_at, updated_by) \
             VALUES (1, $1, $2, $3) \
             ON CONFLICT (id) DO UPDATE SET settings = excluded.settings, \
             updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        )
        .bind(text)
        .bind(format_time(event.at))
        .bind(event.actor.unwrap_or("-"))
        .execute(&mut *tx)
        .await?;
        insert_event(&mut tx, event).await?;
        tx.commit().await?;
        Ok(())
    }
}
