//! The sync engine: pushes revisions the server has not acknowledged, in
//! bounded batches, and records the server's answer for each.
//!
//! The outbox is simply "revisions with no stored answer", so it survives
//! reloads and closed tabs by construction, and a revision is marked synced
//! only after the server acknowledged it (after its commit). Any retry resends
//! the same immutable revision, which the server recognises.
use crate::platform;
use crate::state::{AppState, Phase};
use crate::storage;
use beatbook_core::sync::{
    backoff_ms, next_batch, ApiErrorBody, PushAnswers, PushRequest, APP_BATCH_BYTES,
    APP_BATCH_CHANGES, PROTOCOL_VERSION, PUSH_PATH,
};
use beatbook_core::Revision;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
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
    Http(#[from] crate::http::HttpError),
    #[error("Sign in again to send your entries (they are safe on this phone)")]
    SignInNeeded,
    #[error("The server had a problem ({0})")]
    Server(u16),
    #[error("{0}")]
    Refused(String),
    #[error("The server's answer could not be read")]
    BadAnswer,
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

/// Revisions on the device without an answer from the server.
pub fn pending(state: AppState) -> usize {
    untrack(|| {
        state
            .log
            .with(|log| crate::sync_marks::waiting_count(state, log))
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

/// Pushes until nothing waits. Returns false when it stopped on a failure
/// (a retry is then scheduled).
async fn run(state: AppState) -> bool {
    if !platform::is_online() {
        state.sync_status.set(SyncStatus::Offline);
        return true;
    }
    if state.phase.get_untracked() != Phase::Unlocked {
        // Locked: the log is not in memory and nothing may be sent.
        return true;
    }
    let device_id = crate::session::device_id();
    // An expired session is not worth a round trip: ask for sign-in first.
    let token = state.session.with_untracked(|s| {
        s.as_ref()
            .filter(|s| s.expires_at > platform::now())
            .map(|s| s.token.clone())
    });
    let mut sent = 0;
    loop {
        let batch: Vec<Revision> = state.log.with_untracked(|log| {
            state.outcomes.with_untracked(|o| {
                let waiting: Vec<&Revision> =
                    log.revisions().filter(|r| !o.contains_key(&r.id)).collect();
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
            return true;
        }
        let total = sent + pending(state);
        state.sync_status.set(SyncStatus::Syncing { sent, total });
        match push(&device_id, token.as_deref(), &batch).await {
            Ok(response) => {
                state.engine.failures.set_value(0);
                sent += record_answers(state, &batch, response);
            }
            Err(PushError::SignInNeeded) => {
                state.sync_status.set(SyncStatus::SignInNeeded);
                return false;
            }
            Err(e) => {
                let failures = state.engine.failures.get_value();
                state.engine.failures.set_value(failures.saturating_add(1));
                let delay = backoff_ms(failures, js_sys::Math::random());
                let retry_at = platform::now() + chrono::Duration::milliseconds(delay as i64);
                state.sync_status.set(if platform::is_online() {
                    SyncStatus::Failed {
                        problem: e.to_string(),
                        retry_at,
                    }
                } else {
                    SyncStatus::Offline
                });
                set_timeout(move || kick(state), Duration::from_millis(delay));
                return false;
            }
        }
    }
}

/// Stores each answer, then shows it. Returns how many were answered.
fn record_answers(state: AppState, batch: &[Revision], response: PushAnswers) -> usize {
    let mut answered = 0;
    for result in response.results {
        let Some(rev) = batch.get(result.index) else {
            continue;
        };
        // Saving the answer can fail (full storage): then the revision simply
        // stays pending and is sent again later, which is harmless.
        if storage::save_outcome(rev.id, &result).is_ok() {
            state.outcomes.update(|o| {
                o.insert(rev.id, result);
            });
            answered += 1;
        }
    }
    answered
}

async fn push(
    device_id: &str,
    token: Option<&str>,
    batch: &[Revision],
) -> Result<PushAnswers, PushError> {
    let token = token.ok_or(PushError::SignInNeeded)?;
    let body = serde_json::to_string(&PushRequest {
        protocol: PROTOCOL_VERSION,
        device_id: device_id.to_owned(),
        changes: batch.to_vec(),
    })
    .map_err(|_| PushError::BadAnswer)?;
    let (status, text) = crate::http::post_json(PUSH_PATH, &body, Some(token)).await?;
    match status {
        200 => serde_json::from_str::<PushAnswers>(&text).map_err(|_| PushError::BadAnswer),
        // Expired, revoked or unknown session: recording goes on, and the
        // officer is asked to sign in before anything is pushed.
        401 => Err(PushError::SignInNeeded),
        500..=599 => Err(PushError::Server(status)),
        _ => Err(PushError::Refused(
            serde_json::from_str::<ApiErrorBody>(&text)
                .map(|e| e.message)
                .unwrap_or_else(|_| format!("The server refused the sync ({status})")),
        )),
    }
}
