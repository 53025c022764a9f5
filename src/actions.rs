//! Everything that writes to the log goes through [`commit`]: check, save
//! durably, then show. The screen only changes after storage said yes.
use crate::platform::{self, Fix};
use crate::state::AppState;
use crate::storage::{self, StoreError};
use crate::tabs::{self, Mode, LOG_LOCK};
use beatbook_core::form::Draft;
use beatbook_core::{Change, EntryId, FieldError, Record, RecordKind, Revision, RevisionError};
use leptos::prelude::*;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum SaveError {
    #[error("Please fix the highlighted fields")]
    Invalid(Vec<FieldError>),
    #[error("This change does not fit the entry's history: {0}")]
    History(#[from] RevisionError),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("Enter your officer ID first")]
    NoOfficer,
    #[error("Start a shift first")]
    NoShift,
    #[error("That entry is no longer on this device")]
    UnknownEntry,
    #[error("Beatbook is locked: unlock it with your PIN")]
    Locked,
    #[error("Signed out in another tab: sign in again to record")]
    SignedOut,
    /// A second tap while the first save is still being written: ignored.
    #[error("Still saving the last change")]
    Busy,
}

/// Runs one save at a time: a second tap on Save or End while the first is
/// being written is refused with [`SaveError::Busy`] (the screen ignores
/// it), so one tap is one revision.
async fn one_at_a_time<T>(
    state: AppState,
    save: impl std::future::Future<Output = Result<T, SaveError>>,
) -> Result<T, SaveError> {
    if state.saving.get_value() {
        return Err(SaveError::Busy);
    }
    state.saving.set_value(true);
    let result = save.await;
    state.saving.set_value(false);
    result
}

async fn commit(state: AppState, rev: Revision) -> Result<(), SaveError> {
    // Against the later of the phone's clock and the corrected one: times
    // the app fills in follow the server's clock.
    let now = platform::now().max(platform::server_now());
    rev.check(now).map_err(SaveError::Invalid)?;
    state.log.with_untracked(|log| log.check(&rev))?;
    let vault = state.vault.get_value().ok_or(SaveError::Locked)?;
    // Exclusive: the device chain's step (read the head, name it, write the
    // revision and the new head in one transaction) must not interleave
    // with another tab's, or both would name the same predecessor (a fork
    // the server flags). Sign-out in another tab takes the lock too, so a
    // save never lands after its purge.
    let saved = tabs::with_lock(LOG_LOCK, Mode::Exclusive, async {
        if storage::get::<crate::vault::VaultParams>(storage::VAULT_KEY).is_none() {
            return Err(SaveError::SignedOut);
        }
        let mut rev = rev;
        rev.prev = storage::chain_head().await?;
        let bytes = beatbook_core::sync::canonical_bytes(&rev).map_err(StoreError::from)?;
        let head = crate::vault::sha256_hex(&bytes)
            .await
            .map_err(StoreError::from)?;
        storage::save_linked(&rev, &head, &vault).await?;
        Ok(rev)
    })
    .await;
    let rev = saved.unwrap_or(Err(SaveError::SignedOut))?;
    tabs::tell(tabs::Message::LogChanged);
    state.measure_storage();
    // Storage accepted it; the in-memory log follows. `check` above makes
    // this insert infallible in practice, and the entry is safe on disk anyway.
    state.log.update(|log| {
        let _ = log.insert(rev);
    });
    crate::sync::kick(state);
    Ok(())
}

/// Records a new entry (or starts a shift or patrol) from a filled form.
pub async fn create(
    state: AppState,
    kind: RecordKind,
    draft: Draft,
    fix: Fix,
) -> Result<EntryId, SaveError> {
    one_at_a_time(state, create_now(state, kind, draft, fix)).await
}

async fn create_now(
    state: AppState,
    kind: RecordKind,
    draft: Draft,
    fix: Fix,
) -> Result<EntryId, SaveError> {
    let officer_id = state.profile.with_untracked(|p| p.officer_id.clone());
    if officer_id.trim().is_empty() {
        return Err(SaveError::NoOfficer);
    }
    let (shift_id, patrol_id) = if kind == RecordKind::Shift {
        (None, None)
    } else {
        let shift = state
            .log
            .with_untracked(|log| log.open_shift().map(|s| s.entry_id))
            .ok_or(SaveError::NoShift)?;
        let patrol = if kind == RecordKind::Patrol {
            None
        } else {
            state
                .log
                .with_untracked(|log| log.open_patrol(shift).map(|p| p.entry_id))
        };
        (Some(shift), patrol)
    };
    let entry_id = platform::new_entry_id();
    commit(
        state,
        Revision {
            clock_offset_ms: platform::clock_offset_ms_now(),
            // Named by `commit`, under the log lock.
            prev: None,
            id: platform::new_revision_id(),
            entry_id,
            seq: 1,
            officer_id,
            captured_at: platform::now(),
            occurred_at: draft.occurred_at,
            shift_id,
            patrol_id,
            location: match fix {
                Fix::Found(location) => Some(location),
                _ => None,
            },
            notes: draft.notes,
            change: Change::Created,
            record: draft.record,
        },
    )
    .await?;
    Ok(entry_id)
}

/// Saves a correction as a new revision; the earlier ones stay readable.
pub async fn correct(
    state: AppState,
    entry: EntryId,
    draft: Draft,
    reason: String,
) -> Result<(), SaveError> {
    // One path for corrections and withdrawals (`revise`): one copy of the
    // save in the download.
    one_at_a_time(
        state,
        revise(state, entry, Change::Corrected { reason }, Some(draft)),
    )
    .await
}

/// Withdraws an entry made in error: a revision with the reason, the entry
/// as it stood, kept in the history and left out of every count.
pub async fn withdraw(state: AppState, entry: EntryId, reason: String) -> Result<(), SaveError> {
    one_at_a_time(
        state,
        revise(state, entry, Change::Withdrawn { reason }, None),
    )
    .await
}

/// The next revision of `entry` with `change`: the corrected `draft`, or
/// (`None`, a withdrawal) the entry as it stands.
async fn revise(
    state: AppState,
    entry: EntryId,
    change: Change,
    draft: Option<Draft>,
) -> Result<(), SaveError> {
    let last = state
        .log
        .with_untracked(|log| log.latest(entry).cloned())
        .ok_or(SaveError::UnknownEntry)?;
    let (occurred_at, notes, record) = match draft {
        Some(draft) => {
            let mut record = draft.record;
            // The form shows the end time of an entry ended when it opened;
            // one ended since (in another tab) keeps that end, as a
            // correction may not remove it.
            match (&mut record, last.record.ended_at()) {
                (Record::Shift(s), ended) if s.ended_at.is_none() => s.ended_at = ended,
                (Record::Patrol(p), ended) if p.ended_at.is_none() => p.ended_at = ended,
                _ => {}
            }
            (draft.occurred_at, draft.notes, record)
        }
        None => (last.occurred_at, last.notes.clone(), last.record.clone()),
    };
    commit(
        state,
        Revision {
            id: platform::new_revision_id(),
            seq: last.seq + 1,
            captured_at: platform::now(),
            occurred_at,
            notes,
            change,
            record,
            clock_offset_ms: platform::clock_offset_ms_now(),
            ..last
        },
    )
    .await
}

/// Ends a shift or patrol now. Ending a shift ends its running patrol first.
pub async fn end(state: AppState, entry: EntryId) -> Result<(), SaveError> {
    one_at_a_time(state, end_now(state, entry)).await
}

async fn end_now(state: AppState, entry: EntryId) -> Result<(), SaveError> {
    let last = state
        .log
        .with_untracked(|log| log.latest(entry).cloned())
        .ok_or(SaveError::UnknownEntry)?;
    if last.kind() == RecordKind::Shift {
        if let Some(patrol) = state
            .log
            .with_untracked(|log| log.open_patrol(entry).map(|p| p.entry_id))
        {
            Box::pin(end_now(state, patrol)).await?;
        }
    }
    let now = platform::now();
    // The end is the best known time (the phone's clock corrected by what
    // the server said); a start typed slightly ahead must not make it fail.
    let ended_at = platform::server_now().max(last.occurred_at);
    let mut record = last.record.clone();
    match &mut record {
        Record::Shift(s) => s.ended_at = Some(ended_at),
        Record::Patrol(p) => p.ended_at = Some(ended_at),
        _ => return Err(SaveError::History(RevisionError::NotEndable)),
    }
    commit(
        state,
        Revision {
            id: platform::new_revision_id(),
            seq: last.seq + 1,
            captured_at: now,
            change: Change::Ended,
            record,
            clock_offset_ms: platform::clock_offset_ms_now(),
            ..last
        },
    )
    .await
}
