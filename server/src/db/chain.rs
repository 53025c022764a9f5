//! The device chain's storage (migration 0007): the bookkeeping a batch's
//! insert does ([`link`], each backend giving its SQL through
//! [`ChainRows`]) and the breaks a shift's record shows.
use beatbook_core::review::ChainBreak;
use std::collections::{HashMap, HashSet};

use super::{Database, DbError};
use crate::sync::chain::{self as device_chain, Hash, Key, Link, Save};
use crate::zone::ForceZone;

/// A backend's SQL for [`link`]: `chain_open`'s rows, and the stored
/// revisions for a hash neither they nor the batch hold.
pub(crate) trait ChainRows {
    /// The open rows held for these keys, as `(device_id, hash, link)`.
    async fn open_rows(
        &mut self,
        keys: &[Key<'_>],
    ) -> Result<Vec<(String, Vec<u8>, Link)>, DbError>;
    /// Among the stored revisions: the newest of this device with this
    /// hash (its ID, whether it names a predecessor) and the first one
    /// naming the hash; `None` when no stored revision has it.
    async fn stored_link(&mut self, device_id: &str, hash: &Hash) -> Result<Option<Link>, DbError>;
    /// Deletes these rows (each closed now).
    async fn close_rows(&mut self, keys: &[Key<'_>]) -> Result<(), DbError>;
    /// Inserts or replaces these rows, each key at most once.
    async fn put_rows(&mut self, rows: &[(Key<'_>, Link)]) -> Result<(), DbError>;
}

/// The device chain's bookkeeping for a batch ([`device_chain::apply`]),
/// inside its write transaction: reads the open rows of its hashes (one
/// indexed read), looks up among the stored revisions the hashes it names
/// that neither holds (rare: a device's first link, a gap, a fork), and
/// writes back what changed: about one delete and one insert per device.
/// Nothing is refused.
pub(crate) async fn link<C: ChainRows>(store: &mut C, saves: &[Save<'_>]) -> Result<(), DbError> {
    let keys = device_chain::keys(saves);
    if keys.is_empty() {
        return Ok(());
    }
    // The batch's own key for a row read back, found by its hash.
    let mut wanted: HashMap<Hash, Vec<&str>> = HashMap::with_capacity(keys.len());
    for (device, hash) in &keys {
        wanted.entry(*hash).or_default().push(device);
    }
    let mut held: HashMap<Key<'_>, Link> = HashMap::with_capacity(keys.len());
    for (device_id, hash, link) in store.open_rows(&keys).await? {
        let Ok(hash) = Hash::try_from(hash.as_slice()) else {
            continue;
        };
        let Some(device) = wanted
            .get(&hash)
            .and_then(|ds| ds.iter().find(|d| **d == device_id))
        else {
            continue;
        };
        held.insert((*device, hash), link);
    }
    let in_table: HashSet<Key<'_>> = held.keys().copied().collect();
    // Stored and named already (closed): its node and first naming
    // revision. Not stored: no row, and `apply` makes it a gap.
    for key @ (device_id, hash) in device_chain::unresolved(saves, &held) {
        if let Some(link) = store.stored_link(device_id, &hash).await? {
            held.insert(key, link);
        }
    }
    let changes = device_chain::apply(saves, held, &in_table);
    if !changes.delete.is_empty() {
        store.close_rows(&changes.delete).await?;
    }
    if !changes.put.is_empty() {
        store.put_rows(&changes.put).await?;
    }
    Ok(())
}

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
