//! The force's settings: one row, written with its security event in one
//! transaction.
use super::accounts::NewEvent;
use super::Accounts;
use super::DbError;
use beatbook_core::force::ForceSettings;

/// The settings and when they were last set; `None` before an admin ever
/// set them.
pub struct StoredSettings {
    pub settings: ForceSettings,
    pub updated_at: String,
}

impl Accounts {
    pub async fn force_settings(&self) -> Result<Option<StoredSettings>, DbError> {
        on_backend!(&self.0, store => store.force_settings().await)
    }

    /// Stores `settings` (already checked) and the event that says who.
    pub async fn set_force_settings(
        &self,
        settings: &ForceSettings,
        event: &NewEvent<'_>,
    ) -> Result<(), DbError> {
        on_backend!(&self.0, store => store.set_force_settings(settings, event).await)
    }
}
