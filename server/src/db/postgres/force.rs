//! PostgreSQL: force.
#![allow(unused_variables, unused_imports)] // placeholders while the port goes on
use super::{Accounts, LimitTx, Readers};
use crate::db::accounts::NewEvent;
use crate::db::force::*;
use crate::db::*;
use beatbook_core::force::ForceSettings;

impl Accounts {
    pub async fn force_settings(&self) -> Result<Option<StoredSettings>, DbError> {
        Err(super::unported("force::force_settings").into())
    }

    pub async fn set_force_settings(
        &self,
        settings: &ForceSettings,
        event: &NewEvent<'_>,
    ) -> Result<(), DbError> {
        Err(super::unported("force::set_force_settings").into())
    }
}
