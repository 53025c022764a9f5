//! PostgreSQL: chain.
#![allow(unused_variables, unused_imports)] // placeholders while the port goes on
use super::{Accounts, LimitTx, Readers};
use crate::db::accounts::NewEvent;
use crate::db::chain::*;
use crate::db::*;
use crate::sync::chain::{Facts, Link, OpenRow};
use crate::zone::ForceZone;
use beatbook_core::review::ChainBreak;

impl Readers {
    pub async fn shift_chain_breaks(
        &self,
        shift_id: &str,
        zone: ForceZone,
    ) -> Result<Vec<ChainBreak>, DbError> {
        Err(super::unported("chain::shift_chain_breaks").into())
    }
}
