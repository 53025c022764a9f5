//! A device's log: every entry's history, with the questions the officer app
//! asks of it (which shift is open, which patrol is running, what happened in
//! a shift). Built once at start-up, then kept up to date one revision at a
//! time.
use crate::ids::EntryId;
use crate::record::RecordKind;
use crate::revision::{descending, sort_revisions, time_key, History, Revision, RevisionError};
use std::collections::HashMap;

#[derive(Debug, Clone, Default)]
pub struct Log {
    entries: HashMap<EntryId, History>,
    /// Revisions that could not be placed in a history (a gap in sequence,
    /// a broken rule). Kept so nothing read from storage is silently dropped.
    unplaced: Vec<(Revision, RevisionError)>,
}

impl Log {
    pub fn from_revisions(revisions: Vec<Revision>) -> Self {
        let (histories, unplaced) = History::group(revisions);
        let entries = histories
            .into_iter()
            .filter_map(|h| h.latest().map(|l| l.entry_id).map(|id| (id, h)))
            .collect();
        Self { entries, unplaced }
    }

    pub fn unplaced(&self) -> &[(Revision, RevisionError)] {
        &self.unplaced
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn get(&self, id: EntryId) -> Option<&History> {
        self.entries.get(&id)
    }

    pub fn latest(&self, id: EntryId) -> Option<&Revision> {
        self.entries.get(&id).and_then(History::latest)
    }

    pub fn revisions(&self) -> impl Iterator<Item = &Revision> {
        self.entries.values().flat_map(|h| h.revisions().iter())
    }

    /// Checks that `rev` may be added, without adding it.
    pub fn check(&self, rev: &Revision) -> Result<(), RevisionError> {
        match self.entries.get(&rev.entry_id) {
            Some(h) => h.check_next(rev),
            None => History::default().check_next(rev),
        }
    }

    /// Drops whole entries (retention: the server holds them). Unplaced
    /// revisions are never dropped.
    pub fn forget(&mut self, entries: &[EntryId]) {
        for entry in entries {
            self.entries.remove(entry);
        }
    }

    pub fn insert(&mut self, rev: Revision) -> Result<(), RevisionError> {
        self.entries.entry(rev.entry_id).or_default().push(rev)
    }

    pub fn latest_of_kind(&self, kind: RecordKind) -> impl Iterator<Item = &Revision> {
        self.entries
            .values()
            .filter_map(History::latest)
            .filter(move |r| r.kind() == kind)
    }

    /// Shifts, newest first.
    pub fn shifts(&self) -> Vec<&Revision> {
        let mut shifts: Vec<_> = self.latest_of_kind(RecordKind::Shift).collect();
        sort_revisions(&mut shifts, |s| {
            [
                descending(time_key(s.occurred_at)),
                descending(s.entry_id.as_u128()),
                0,
            ]
        });
        shifts
    }

    /// The shift being worked: the newest one not yet ended.
    pub fn open_shift(&self) -> Option<&Revision> {
        self.latest_of_kind(RecordKind::Shift)
            .filter(|r| r.record.ended_at().is_none())
            .max_by_key(|r| r.occurred_at)
    }

    /// The running patrol of a shift, if any.
    pub fn open_patrol(&self, shift: EntryId) -> Option<&Revision> {
        self.latest_of_kind(RecordKind::Patrol)
            .filter(|r| r.shift_id == Some(shift) && r.record.ended_at().is_none())
            .max_by_key(|r| r.occurred_at)
    }

    /// Everything recorded in a shift (patrols included), newest first by the
    /// time it happened; ties broken by capture time so the order is stable.
    pub fn shift_timeline(&self, shift: EntryId) -> Vec<&Revision> {
        let mut items: Vec<_> = self
            .entries
            .values()
            .filter_map(History::latest)
            .filter(|r| r.shift_id == Some(shift))
            .collect();
        sort_revisions(&mut items, |r| {
            [
                descending(time_key(r.occurred_at)),
                descending(time_key(r.captured_at)),
                descending(r.entry_id.as_u128()),
            ]
        });
        items
    }

    /// Entries of one kind in a shift, for linking (an arrest to its stop).
    pub fn shift_entries_of_kind(&self, shift: EntryId, kind: RecordKind) -> Vec<&Revision> {
        self.shift_timeline(shift)
            .into_iter()
            .filter(|r| r.kind() == kind)
            .collect()
    }
}
