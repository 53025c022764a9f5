//! The JSON API under `/api/v1`. Handlers take their inputs as extractors;
//! every route but `health` and `auth/sign-in` takes a [`Caller`] (a valid
//! session), and the role is checked here, at the server.
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::header::{HeaderValue, CACHE_CONTROL, CONTENT_LENGTH};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{middleware, Json, Router};
use beatbook_core::auth::Role;
use beatbook_core::sync::{
    ChangeResult, Outcome, PushResponse, Rejection, MAX_PUSH_BYTES, PROTOCOL_VERSION,
};
use beatbook_core::{EntryId, RevisionId};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::json;
use serde_json::value::RawValue;
use std::sync::Arc;
use tokio::sync::Semaphore;

use crate::auth::{self, deny, Caller, SharedAuth, MAX_SIGN_IN_BYTES};
use crate::conn::{LARGE_PUSH_BYTES, LARGE_PUSH_WAIT};
use crate::db::{Accounts, Database, DbError, Stats, StoredRow, MAX_PAGE};
use crate::error::{self, ApiError};
use crate::extract::{ApiQuery, JsonBody};
use crate::ingest::{decode_push, Slot};
use crate::review::log_access;
use crate::writer::{Ingest, SubmitError};
use crate::zone::ForceZone;

/// Page size when the client does not ask for one.
const DEFAULT_PAGE: u32 = 100;

#[derive(Clone)]
pub struct AppState {
    pub db: Database,
    pub ingest: Ingest,
    pub accounts: Accounts,
    pub auth: SharedAuth,
    /// Turns for large push bodies ([`large_push_turn`]).
    pub large_pushes: Arc<Semaphore>,
    /// The force's time zone: where the return's and the filters' days begin.
    pub zone: ForceZone,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(health))
        .route(
            "/auth/sign-in",
            post(auth::sign_in).layer(DefaultBodyLimit::max(MAX_SIGN_IN_BYTES)),
        )
        .route("/auth/sign-out", post(auth::sign_out))
        .route("/me", get(auth::me))
        .route(
            "/sync/push",
            post(push)
                .layer(DefaultBodyLimit::max(MAX_PUSH_BYTES))
                .layer(middleware::from_fn_with_state(
                    state.clone(),
                    large_push_turn,
                )),
        )
        .route("/revisions", get(revisions))
        .route("/stats", get(stats))
        .merge(crate::review::routes())
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        // Answers about stored evidence must never sit in a cache.
        .layer(middleware::map_response(no_store))
        .with_state(state)
}

/// A push whose body is large (over [`LARGE_PUSH_BYTES`], or of unknown
/// length) waits for one of `--max-large-pushes` turns before its body is
/// read, and keeps it until answered: 100 pushes of 2 MiB at once took
/// 624 MiB when all were read together. No turn within
/// [`LARGE_PUSH_WAIT`]: 503 with `Retry-After`, body unread.
async fn large_push_turn(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let length = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if length.is_some_and(|n| n <= LARGE_PUSH_BYTES) {
        return next.run(req).await;
    }
    let turn = tokio::time::timeout(
        LARGE_PUSH_WAIT,
        Arc::clone(&state.large_pushes).acquire_owned(),
    )
    .await;
    let Ok(Ok(_turn)) = turn else {
        return ApiError::Busy {
            retry_after_s: LARGE_PUSH_WAIT.as_secs().max(1),
        }
        .into_response();
    };
    next.run(req).await
}

async fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    pub db: String,
    /// Whether pushes can be stored (the writer task is alive).
    pub writer: String,
    pub protocol: u32,
}

async fn health(State(state): State<AppState>) -> Response {
    let db = match state.db.ping().await {
        Ok(()) => "reachable",
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            "unreachable"
        }
    };
    let writer = if state.ingest.is_running() {
        "running"
    } else {
        "stopped"
    };
    let healthy = db == "reachable" && writer == "running";
    let code = if healthy {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = Health {
        status: if healthy { "ok" } else { "unavailable" }.into(),
        db: db.into(),
        writer: writer.into(),
        protocol: PROTOCOL_VERSION,
    };
    (code, Json(body)).into_response()
}

/// `POST /api/v1/sync/push`: one result per change, in request order, sent
/// only after everything stored by this push is committed. Officers and
/// supervisors push their own entries: a change under another officer ID
/// is `rejected: not_your_entry`, the others are stored.
async fn push(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(bytes): JsonBody,
) -> Result<Json<PushResponse>, ApiError> {
    if !caller.role.records_entries() {
        return Err(deny(&state, &caller, "push by a role that records no entries").await);
    }
    let decoded = decode_push(&bytes, Utc::now())?;
    drop(bytes);
    if decoded.device_id != caller.device_id {
        deny(
            &state,
            &caller,
            "push names another device than the session's",
        )
        .await;
        return Err(ApiError::DeviceMismatch);
    }
    let mut results: Vec<Option<ChangeResult>> = Vec::with_capacity(decoded.slots.len());
    let mut ready = Vec::new();
    let mut not_theirs = 0usize;
    for slot in decoded.slots {
        match slot {
            Slot::Ready(accepted) if accepted.rev.officer_id != caller.officer_id => {
                not_theirs += 1;
                let outcome = Outcome::Rejected {
                    reason: Rejection::NotYourEntry,
                };
                let result = ChangeResult::new(accepted.index, Some(accepted.rev.id), outcome);
                results.push(Some(result));
            }
            Slot::Ready(accepted) => {
                results.push(None);
                ready.push(accepted);
            }
            Slot::Answered(result) => results.push(Some(result)),
        }
    }
    if not_theirs > 0 {
        let why = format!("push carried {not_theirs} revision(s) of other officers");
        deny(&state, &caller, &why).await;
    }
    let keys: Vec<(usize, RevisionId)> = ready.iter().map(|a| (a.index, a.rev.id)).collect();
    let decisions = state
        .ingest
        .submit(decoded.device_id, ready)
        .await
        .map_err(|e| match e {
            SubmitError::Stopped => ApiError::Unavailable,
            SubmitError::Db(e) => ApiError::Storage(e),
        })?;
    if decisions.len() != keys.len() {
        return Err(ApiError::Unavailable);
    }
    let foreign = decisions
        .iter()
        .filter(|o| {
            matches!(
                o,
                Outcome::Rejected {
                    reason: Rejection::NotYourEntry | Rejection::ReferenceNotYours { .. }
                }
            )
        })
        .count();
    if foreign > 0 {
        let why = format!("push touched {foreign} entry/entries of other officers");
        deny(&state, &caller, &why).await;
    }
    for ((index, id), outcome) in keys.into_iter().zip(decisions) {
        if let Some(slot) = results.get_mut(index) {
            *slot = Some(ChangeResult::new(index, Some(id), outcome));
        }
    }
    Ok(Json(PushResponse {
        protocol: PROTOCOL_VERSION,
        server_time: Utc::now(),
        results: results.into_iter().flatten().collect(),
    }))
}

#[derive(Debug, Deserialize)]
pub struct RevisionsQuery {
    pub officer_id: Option<String>,
    /// Only this shift and what was recorded in it.
    pub shift_id: Option<EntryId>,
    pub limit: Option<u32>,
    /// The `next_after` of the previous page.
    pub after: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct RevisionsPage {
    pub revisions: Vec<RevisionItem>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_after: Option<i64>,
}

/// A revision as the server sends it: the stored canonical JSON passed
/// through untouched.
pub type RevisionItem = beatbook_core::review::RevisionItem<Box<RawValue>>;

impl TryFrom<StoredRow> for RevisionItem {
    type Error = serde_json::Error;

    fn try_from(row: StoredRow) -> Result<Self, Self::Error> {
        Ok(Self {
            revision: RawValue::from_string(row.body)?,
            arrival: row.arrival,
            id: row.revision_id,
            entry_id: row.entry_id,
            seq: row.seq,
            kind: row.kind,
            officer_id: row.officer_id,
            occurred_at: row.occurred_at,
            captured_at: row.captured_at,
            received_at: row.received_at,
        })
    }
}

/// Whose entries the caller may read: an officer their own; a supervisor
/// their own and those of the officers in the teams they supervise; an
/// admin nobody's. `filter` narrows to one officer, who must be among them.
async fn read_scope(
    state: &AppState,
    caller: &Caller,
    filter: Option<&str>,
) -> Result<Vec<String>, ApiError> {
    let mut readable = match caller.role {
        Role::Admin => return Err(deny(state, caller, "log read by an admin").await),
        Role::Officer => Vec::new(),
        Role::Supervisor => state.db.supervised_officers(caller.user_id).await?,
    };
    readable.push(caller.officer_id.clone());
    match filter {
        None => Ok(readable),
        Some(one) if readable.iter().any(|o| o == one) => Ok(vec![one.to_owned()]),
        Some(_) => Err(deny(
            state,
            caller,
            "log read of an officer outside the caller's scope",
        )
        .await),
    }
}

/// `GET /api/v1/revisions?officer_id=&limit=&after=`: stored revisions the
/// caller may read, in arrival order, a page at a time.
async fn revisions(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<RevisionsQuery>,
) -> Result<Json<RevisionsPage>, ApiError> {
    let limit = q.limit.unwrap_or(DEFAULT_PAGE);
    if limit == 0 || limit > MAX_PAGE {
        return Err(ApiError::BadQuery(format!(
            "limit must be between 1 and {MAX_PAGE}"
        )));
    }
    let scope = read_scope(&state, &caller, q.officer_id.as_deref()).await?;
    log_access(
        &state,
        &caller,
        "revisions_read",
        json!({"route": "/api/v1/revisions", "officer_id": q.officer_id,
               "shift_id": q.shift_id.map(|s| s.to_string()),
               "after": q.after, "limit": limit, "officers": scope.len()}),
        None,
    )
    .await?;
    let rows = state
        .db
        .list_revisions(&scope, q.shift_id, q.after.unwrap_or(0), limit)
        .await?;
    let full = rows.len() == limit as usize;
    let next_after = if full {
        rows.last().map(|r| r.arrival)
    } else {
        None
    };
    let revisions = rows
        .into_iter()
        .map(RevisionItem::try_from)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            ApiError::Storage(DbError::Corrupt {
                column: "body",
                value: e.to_string(),
            })
        })?;
    Ok(Json(RevisionsPage {
        revisions,
        next_after,
    }))
}

#[derive(Debug, Deserialize)]
pub struct StatsQuery {
    pub officer_id: Option<String>,
}

/// `GET /api/v1/stats[?officer_id=]`: how many revisions, entries and
/// conflicts the server holds of those the caller may read.
async fn stats(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<StatsQuery>,
) -> Result<Json<Stats>, ApiError> {
    let scope = read_scope(&state, &caller, q.officer_id.as_deref()).await?;
    log_access(
        &state,
        &caller,
        "stats_read",
        json!({"route": "/api/v1/stats", "officer_id": q.officer_id,
               "officers": scope.len()}),
        None,
    )
    .await?;
    Ok(Json(state.db.stats(&scope).await?))
}
