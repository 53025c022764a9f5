//! The device chain's reads (migration 0007; the writes are in
//! `WriteTx::insert_revisions`): the breaks a shift's record shows.
use beatbook_core::review::ChainBreak;

use super::{Database, DbError};
use crate::zone::ForceZone;

impl Database {
    /// The chain breaks of the devices that recorded in a shift, as far as
    /// they concern it ([`crate::sync::chain::breaks`]). Three indexed reads:
    /// the shift's revisions (as its record reads them), its devices'
    /// rows of `chain_open` (a few per device: the end of its chain and
    /// any break), and, only when there is a break, the revisions those
    /// rows name.
    pub async fn shift_chain_breaks(
        &self,
        shift_id: &str,
        zone: ForceZone,
    ) -> Result<Vec<ChainBreak>, DbError> {
        on_backend!(&self.0, store => store.shift_chain_breaks(shift_id, zone).await)
    }
}
