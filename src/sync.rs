//! The sync engine: pushes revisions the server has not acknowledged, in
//! bounded batches, and records the server's answer for each.
//!
//! The outbox is simply "revisions with no stored answer", so it survives
//! reloads and closed tabs by construction, and a revision is marked synced
//! only after the server acknowledged it (after its commit). Any retry resends
//! the same immutable revision, which the server recognises.
use crate::platform;
use crate::state::AppState;
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
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

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
}

#[derive(Debug, Error)]
pub enum PushError {
    #[error("No connection to the server")]
    Network,
    #[error("The server took too long to answer")]
    Timeout,
    #[error("The server had a problem ({0})")]
    Server(u16),
    #[error("{0}")]
    Refused(String),
    #[error("The server's answer could not be read")]
    BadAnswer,
}

/// How long one push may take before it is abandoned and retried.
const PUSH_TIMEOUT_MS: i32 = 30_000;
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
            let backing_off = matches!(state.sync_status.get_untracked(), SyncStatus::Failed { retry_at, .. } if retry_at > platform::now());
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
    let device_id = device_id();
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
            return true;
        }
        let total = sent + pending(state);
        state.sync_status.set(SyncStatus::Syncing { sent, total });
        match push(&device_id, &batch).await {
            Ok(response) => {
                state.engine.failures.set_value(0);
                sent += record_answers(state, &batch, response);
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

fn device_id() -> String {
    if let Some(id) = storage::get::<String>(storage::DEVICE_KEY) {
        return id;
    }
    let id = platform::new_entry_id().to_string();
    let _ = storage::set(storage::DEVICE_KEY, &id);
    id
}

async fn push(device_id: &str, batch: &[Revision]) -> Result<PushAnswers, PushError> {
    let body = serde_json::to_string(&PushRequest {
        protocol: PROTOCOL_VERSION,
        device_id: device_id.to_owned(),
        changes: batch.to_vec(),
    })
    .map_err(|_| PushError::BadAnswer)?;
    let (status, text) = post_json(PUSH_PATH, &body).await?;
    match status {
        200 => serde_json::from_str::<PushAnswers>(&text).map_err(|_| PushError::BadAnswer),
        500..=599 => Err(PushError::Server(status)),
        _ => Err(PushError::Refused(
            serde_json::from_str::<ApiErrorBody>(&text)
                .map(|e| e.message)
                .unwrap_or_else(|_| format!("The server refused the sync ({status})")),
        )),
    }
}

/// POSTs JSON and returns the status and body text.
async fn post_json(path: &str, body: &str) -> Result<(u16, String), PushError> {
    let window = web_sys::window().ok_or(PushError::Network)?;
    let controller = web_sys::AbortController::new().map_err(|_| PushError::Network)?;
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&body.into());
    init.set_signal(Some(&controller.signal()));
    let headers = web_sys::Headers::new().map_err(|_| PushError::Network)?;
    let _ = headers.set("content-type", "application/json");
    init.set_headers(&headers);
    let request =
        web_sys::Request::new_with_str_and_init(path, &init).map_err(|_| PushError::Network)?;
    let abort = controller.clone();
    let timer = window
        .set_timeout_with_callback_and_timeout_and_arguments_0(
            wasm_bindgen::closure::Closure::once_into_js(move || abort.abort()).unchecked_ref(),
            PUSH_TIMEOUT_MS,
        )
        .ok();
    let result = JsFuture::from(window.fetch_with_request(&request)).await;
    let outcome = match result {
        Err(_) if controller.signal().aborted() => Err(PushError::Timeout),
        Err(_) => Err(PushError::Network),
        Ok(value) => {
            let response: web_sys::Response = value.unchecked_into();
            let status = response.status();
            let text = match response.text() {
                Ok(p) => JsFuture::from(p).await.ok().and_then(|t| t.as_string()),
                Err(_) => None,
            };
            match text {
                Some(text) => Ok((status, text)),
                None if controller.signal().aborted() => Err(PushError::Timeout),
                None => Err(PushError::Network),
            }
        }
    };
    if let Some(timer) = timer {
        window.clear_timeout_with_handle(timer);
    }
    outcome
}
