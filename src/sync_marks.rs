//! Whether each entry has reached the server, as the timeline marks it.
use crate::state::AppState;
use beatbook_core::sync::OutcomeKind;
use beatbook_core::{EntryId, Log};
use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncMark {
    Pending,
    Synced,
    /// The server refused a revision or holds different content: the entry
    /// stays on the device and a person must look.
    Attention,
}

/// Synced only when every revision of the entry is acknowledged.
pub fn sync_mark(state: AppState, log: &Log, entry: EntryId) -> SyncMark {
    let Some(history) = log.get(entry) else {
        return SyncMark::Attention;
    };
    state.outcomes.with(|outcomes| {
        let mut mark = SyncMark::Synced;
        for rev in history.revisions() {
            match outcomes.get(&rev.id) {
                Some(a) if a.is_acknowledged() => {}
                Some(_) => return SyncMark::Attention,
                None => mark = SyncMark::Pending,
            }
        }
        mark
    })
}

/// Why the server did not take an entry's revisions, one line each.
pub fn attention_reasons(state: AppState, log: &Log, entry: EntryId) -> Vec<String> {
    let Some(history) = log.get(entry) else {
        return Vec::new();
    };
    state.outcomes.with(|outcomes| {
        history
            .revisions()
            .iter()
            .filter_map(|rev| {
                let answer = outcomes.get(&rev.id).filter(|a| !a.is_acknowledged())?;
                let what = match answer.outcome {
                    OutcomeKind::Conflict => "the server holds different content",
                    _ => "the server refused it",
                };
                let why = answer.message.as_deref().unwrap_or("no reason given");
                Some(format!("Revision {}: {what}: {why}", rev.seq))
            })
            .collect()
    })
}

/// Revisions not yet sent successfully (no answer from the server).
pub fn waiting_count(state: AppState, log: &Log) -> usize {
    state
        .outcomes
        .with(|o| log.revisions().filter(|r| !o.contains_key(&r.id)).count())
}

/// Revisions the server refused or holds differently.
pub fn attention_count(state: AppState, log: &Log) -> usize {
    state.outcomes.with(|o| {
        log.revisions()
            .filter(|r| o.get(&r.id).is_some_and(|o| !o.is_acknowledged()))
            .count()
    })
}
