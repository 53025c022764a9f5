//! The revisions resource: `POST /api/v1/sync/push` (into the writer's
//! queue), `GET /api/v1/revisions` (reading back) and `GET /api/v1/stats`.
use axum::extract::State;
use axum::Json;
use beatbook_core::auth::Role;
use beatbook_core::sync::{
    ApiErrorBody, ChangeResult, Outcome, PushRequest, PushResponse, Rejection, PROTOCOL_VERSION,
};
use beatbook_core::{EntryId, RevisionId};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::json;
use serde_json::value::RawValue;

use crate::accounts::{deny, Caller};
use crate::db::{DbError, Stats, StoredRow, MAX_PAGE};
use crate::http::error::ApiError;
use crate::http::extract::{ApiQuery, JsonBody};
use crate::http::state::AppState;
use crate::reports::review::log_access;
use crate::sync::ingest::{decode_push, Slot};
use crate::sync::writer::SubmitError;

/// Page size when the client does not ask for one.
const DEFAULT_PAGE: u32 = 100;

/// `POST /api/v1/sync/push`: one result per change, in request order, sent
/// only after everything stored by this push is committed. Officers and
/// supervisors push their own entries: a change under another officer ID
/// is `rejected: not_your_entry`, the others are stored.
#[utoipa::path(
    post,
    path = "/api/v1/sync/push",
    tag = "sync",
    security(("bearer" = [])),
    request_body = PushRequest,
    responses(
        (status = 200, description = "One result per change, in request order, after commit", body = PushResponse),
        (status = 400, description = "Bad query or body", body = ApiErrorBody),
        (status = 401, description = "Not signed in, or the session ended or was revoked", body = ApiErrorBody),
        (status = 403, description = "The role or team may not do this", body = ApiErrorBody),
        (status = 408, description = "The body took too long to arrive", body = ApiErrorBody),
        (status = 413, description = "The body is too large", body = ApiErrorBody),
        (status = 415, description = "The body is not application/json", body = ApiErrorBody),
        (status = 503, description = "Busy or shutting down; see Retry-After", body = ApiErrorBody),
    )
)]
pub async fn push(
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
    // A patrol's hotspot must be one the force lists (retired ones too: a
    // phone may not have heard yet). Read only for pushes that name one.
    let names_hotspot = decoded
        .slots
        .iter()
        .any(|s| matches!(s, Slot::Ready(a) if a.rev.record.hotspot().is_some()));
    let settings = if names_hotspot {
        Some(
            crate::http::force::document(&state.accounts, &state.zone)
                .await?
                .settings,
        )
    } else {
        None
    };
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
            Slot::Ready(accepted)
                if accepted.rev.record.hotspot().is_some_and(|id| {
                    settings.as_ref().is_none_or(|s| s.hotspot(id).is_none())
                }) =>
            {
                let errors = vec![beatbook_core::FieldError {
                    field: beatbook_core::form::HOTSPOT.into(),
                    problem: beatbook_core::Problem::Rule(beatbook_core::Rule::UnknownHotspot),
                }];
                let outcome = Outcome::Rejected {
                    reason: Rejection::Invalid { errors },
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
            SubmitError::Db(e) => ApiError::from(e),
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
    let results: Vec<ChangeResult> = results.into_iter().flatten().collect();
    state.metrics.count_push(&results);
    Ok(Json(PushResponse {
        protocol: PROTOCOL_VERSION,
        server_time: Utc::now(),
        results,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RevisionsQuery {
    /// Only this officer's revisions (one the caller may read).
    pub officer_id: Option<String>,
    /// Only this shift and what was recorded in it.
    pub shift_id: Option<EntryId>,
    /// Page size, 1 to 1,000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// The `next_after` of the previous page.
    pub after: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RevisionsPage {
    #[schema(value_type = Vec<beatbook_core::review::RevisionItem<beatbook_core::Revision>>)]
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
#[utoipa::path(
    get,
    path = "/api/v1/revisions",
    tag = "reads",
    security(("bearer" = [])),
    params(RevisionsQuery),
    responses(
        (status = 200, description = "A page of stored revisions the caller may read, in arrival order", body = RevisionsPage),
        (status = 400, description = "Bad query or body", body = ApiErrorBody),
        (status = 401, description = "Not signed in, or the session ended or was revoked", body = ApiErrorBody),
        (status = 403, description = "The role or team may not do this", body = ApiErrorBody),
    )
)]
pub async fn revisions(
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

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// Only this officer (one the caller may read).
    pub officer_id: Option<String>,
}

/// `GET /api/v1/stats[?officer_id=]`: how many revisions, entries and
/// conflicts the server holds of those the caller may read.
#[utoipa::path(
    get,
    path = "/api/v1/stats",
    tag = "reads",
    security(("bearer" = [])),
    params(StatsQuery),
    responses(
        (status = 200, description = "Counts of what the server holds of those the caller may read", body = Stats),
        (status = 400, description = "Bad query or body", body = ApiErrorBody),
        (status = 401, description = "Not signed in, or the session ended or was revoked", body = ApiErrorBody),
        (status = 403, description = "The role or team may not do this", body = ApiErrorBody),
    )
)]
pub async fn stats(
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
