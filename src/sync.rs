//! The sync engine: pushes revisions the server has not acknowledged, in
//! bounded batches, and records the server's answer for each.
//!
//! The outbox is simply "revisions with no stored answer", so it survives
//! reloads and closed tabs by construction, and a revision is marked synced
//! only after the server acknowledged it (after its commit). Any retry resends
//! the same immutable revision, which the server recognises.
use crate::platform;
use crate::state::{AppState, Phase};
use crate::{outbox, storage, tabs};
use beatbook_client::ApiError;
use beatbook_core::sync::{
    backoff_ms, next_batch, PushAnswers, PushRequest, APP_BATCH_BYTES, APP_BATCH_CHANGES,
    PROTOCOL_VERSION,
};
use beatbook_core::Revision;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use std::collections::HashSet;
use std::time::Duration;
use thiserror::Error;

/// What the status bar says about sync.
#[derive(Debug, Clone, PartialEq)]
pub enum SyncStatus {
    /// Nothing attempted yet this session.
    Idle,
    Offline,
    Syncing {
        sent: usize,
        total: usize,
    },
    Synced {
        at: DateTime<Utc>,
    },
    Failed {
        problem: String,
        retry_at: DateTime<Utc>,
    },
    /// The session has ended: entries wait until the officer signs in.
    SignInNeeded,
}

#[derive(Debug, Error)]
pub enum PushError {
    #[error("{0}")]
    Api(#[from] ApiError),
    /// No session on this phone, or one past its end: not worth a round trip.
    #[error("Sign in again to send your entries (they are safe on this phone)")]
    NoSession,
    #[error("The server's answers could not be stored on this phone: {0}")]
    Storage(String),
}

impl PushError {
    /// Recording goes on, and the officer is asked to sign in before
    /// anything more is pushed.
    fn needs_sign_in(&self) -> bool {
        match self {
            Self::NoSession => true,
            Self::Api(e) => e.needs_sign_in(),
            Self::Storage(_) => false,
        }
    }
}

/// While anything waits, try at least this often.
const PERIODIC: Duration = Duration::from_secs(30);

/// Sync bookkeeping that is not shown directly.
#[derive(Clone, Copy)]
pub struct Engine {
    running: StoredValue<bool>,
    again: StoredValue<bool>,
    failures: StoredValue<u32>,
}

impl Engine {
    pub fn new() -> Self {
        Self {
            running: StoredValue::new(false),
            again: StoredValue::new(false),
            failures: StoredValue::new(0),
        }
    }
}

impl Default for Engine {
    fn default() -> Self {
        Self::new()
    }
}

/// Starts the engine's triggers: now, on regaining connection, periodically.
pub fn start(state: AppState) {
    kick(state);
    let handle = window_event_listener_untyped("online", move |_| kick(state));
    std::mem::forget(handle);
    set_interval(
        move || {
            let backing_off = match state.sync_status.get_untracked() {
                SyncStatus::Failed { retry_at, .. } => retry_at > platform::now(),
                SyncStatus::SignInNeeded => true,
                _ => false,
            };
            if !backing_off && pending(state) > 0 {
                kick(state);
            }
        },
        PERIODIC,
    );
}

/// Revisions on the device the server has not settled.
pub fn pending(state: AppState) -> usize {
    untrack(|| {
        state
            .log
            .with(|log| state.outcomes.with(|o| outbox::waiting_count(log, o)))
    })
}

/// Runs a sync now (or right after the one under way).
pub fn kick(state: AppState) {
    if state.engine.running.get_value() {
        state.engine.again.set_value(true);
        return;
    }
    state.engine.running.set_value(true);
    leptos::task::spawn_local(async move {
        loop {
            state.engine.again.set_value(false);
            let finished = run(state).await;
            // After a failure the backoff timer owns the next attempt: a
            // request made meanwhile must not turn into an instant retry.
            if !finished || !state.engine.again.get_value() {
                break;
            }
        }
        state.engine.running.set_value(false);
    });
}

/// Pushes until nothing waits, in the one tab that holds the sync lock.
/// Returns false when it stopped on a failure (a retry is then scheduled).
async fn run(state: AppState) -> bool {
    if !platform::is_online() {
        state.sync_status.set(SyncStatus::Offline);
        return true;
    }
    if state.phase.get_untracked() != Phase::Unlocked {
        // Locked: the log is not in memory and nothing may be sent.
        return true;
    }
    // One tab at a time pushes. A tab that waited for another reads the
    // answers that one stored first, so it sends only what is still
    // unanswered (usually nothing: the other tab heard of its saves on the
    // channel and sent them too).
    tabs::with_lock(tabs::SYNC_LOCK, tabs::Mode::Exclusive, run_locked(state))
        .await
        .unwrap_or(true)
}

async fn run_locked(state: AppState) -> bool {
    if state.phase.get_untracked() != Phase::Unlocked {
        return true;
    }
    // Merged, not replaced: an answer this tab stored meanwhile (a shift
    // read back) must not be lost from memory by an older read.
    if let Ok(stored) = storage::inventory().await {
        state.outcomes.update(|o| o.extend(stored.answers));
    }
    let device_id = crate::session::device_id();
    // An expired session is not worth a round trip: ask for sign-in first.
    let token = state.session.with_untracked(|s| {
        s.as_ref()
            .filter(|s| s.expires_at > platform::server_now())
            .map(|s| s.token.clone())
    });
    let mut sent = 0;
    // Each revision goes at most once per round: one the server asked to
    // resend later (a clock ahead) waits for the next round, not a loop.
    let mut tried = HashSet::new();
    loop {
        let batch: Vec<Revision> = state.log.with_untracked(|log| {
            state.outcomes.with_untracked(|o| {
                let waiting: Vec<&Revision> = outbox::waiting(log, o)
                    .into_iter()
                    .filter(|r| !tried.contains(&r.id))
                    .collect();
                next_batch(&waiting, APP_BATCH_CHANGES, APP_BATCH_BYTES)
                    .into_iter()
                    .cloned()
                    .collect()
            })
        });
        if batch.is_empty() {
            state.sync_status.set(SyncStatus::Synced {
                at: platform::now(),
            });
            state.engine.failures.set_value(0);
            // The server is reachable and the session good: a moment to see
            // whether a supervisor sent a shift back.
            crate::sent_back::refresh(state);
            crate::force::refresh(state, state.force_fetch);
            return true;
        }
        tried.extend(batch.iter().map(|r| r.id));
        let total = sent + pending(state);
        state.sync_status.set(SyncStatus::Syncing { sent, total });
        let outcome = match push(&device_id, token.as_deref(), &batch).await {
            Ok(response) => record_answers(state, &batch, response).await,
            Err(e) => Err(e),
        };
        match outcome {
            Ok(answered) => {
                state.engine.failures.set_value(0);
                sent += answered;
            }
            Err(e) if e.needs_sign_in() => {
                state.sync_status.set(SyncStatus::SignInNeeded);
                return false;
            }
            Err(e) => {
                // A busy server's `Retry-After` is a floor for the wait.
                let floor = match &e {
                    PushError::Api(e) => e.retry_after_s(),
                    _ => None,
                };
                back_off(state, e.to_string(), floor);
                return false;
            }
        }
    }
}

/// Every failure, of the network or of this phone's storage, waits before
/// the next try (2 s doubling to 5 minutes, with jitter; at least what the
/// server asked for in `Retry-After`).
fn back_off(state: AppState, problem: String, floor_s: Option<u64>) {
    let failures = state.engine.failures.get_value();
    state.engine.failures.set_value(failures.saturating_add(1));
    let floor_ms = floor_s.unwrap_or(0).saturating_mul(1_000);
    let delay = backoff_ms(failures, js_sys::Math::random()).max(floor_ms);
    let retry_at = platform::now() + chrono::Duration::milliseconds(delay as i64);
    state.sync_status.set(if platform::is_online() {
        SyncStatus::Failed { problem, retry_at }
    } else {
        SyncStatus::Offline
    });
    set_timeout(move || kick(state), Duration::from_millis(delay));
}

/// Stores the answers (one transaction), then shows them and tells the
/// other tabs. Returns how many were answered. If they cannot be stored
/// (full storage) nothing is shown as synced and the push is retried after
/// a backoff, which the server answers `already_had`: harmless.
async fn record_answers(
    state: AppState,
    batch: &[Revision],
    response: PushAnswers,
) -> Result<usize, PushError> {
    let answers: Vec<_> = response
        .results
        .into_iter()
        .filter_map(|result| Some((batch.get(result.index)?.id, result)))
        .collect();
    storage::save_outcomes(&answers)
        .await
        .map_err(|e| PushError::Storage(e.to_string()))?;
    let answered = answers.len();
    state.outcomes.update(|o| o.extend(answers));
    tabs::tell(tabs::Message::LogChanged);
    Ok(answered)
}

async fn push(
    device_id: &str,
    token: Option<&str>,
    batch: &[Revision],
) -> Result<PushAnswers, PushError> {
    let token = token.ok_or(PushError::NoSession)?;
    let request = PushRequest {
        protocol: PROTOCOL_VERSION,
        device_id: device_id.to_owned(),
        device_time: Some(platform::now()),
        changes: batch.to_vec(),
    };
    Ok(beatbook_client::push(token, &request).await?)
}
