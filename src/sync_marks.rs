//! Whether each entry has reached the server. Until the sync engine runs,
//! every entry on the device is pending: the mark never claims more than is
//! true.
use crate::state::AppState;
use beatbook_core::{EntryId, Log};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncMark {
    Pending,
    Synced,
    Attention,
}

pub fn sync_mark(_state: AppState, log: &Log, entry: EntryId) -> SyncMark {
    match log.get(entry) {
        Some(_) => SyncMark::Pending,
        None => SyncMark::Attention,
    }
}

/// Revisions on this device not yet acknowledged by the server.
pub fn pending_count(log: &Log) -> usize {
    log.revisions().count()
}
