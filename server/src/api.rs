//! The JSON API under `/api/v1`. Handlers take their inputs as extractors;
//! every route but `health` and `auth/sign-in` takes a [`Caller`] (a valid
//! session), and the role is checked here, at the server.
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::header::{HeaderValue, CACHE_CONTROL, CONTENT_LENGTH};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::{middleware, Json, Router};
use beatbook_core::auth::Role;
use beatbook_core::sync::{
    ApiErrorBody, ChangeResult, Outcome, PushRequest, PushResponse, Rejection, MAX_PUSH_BYTES,
    PROTOCOL_VERSION,
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
    /// Counted here: each push's answers by outcome.
    pub metrics: Arc<crate::metrics::Metrics>,
}

/// Largest force settings body: a few numbers and up to 500 hotspots of a
/// few hundred bytes each.
const MAX_FORCE_BYTES: usize = 256 * 1024;

/// Where the API lives: every [`ApiRoute`] is under it.
pub const API_PREFIX: &str = "/api/v1";

/// One route of the API: a method and a path under [`API_PREFIX`], with
/// `{param}` segments as axum and OpenAPI both write them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ApiRoute {
    pub method: &'static str,
    pub path: &'static str,
}

impl ApiRoute {
    /// The path as a client asks for it, e.g. `/api/v1/health`.
    pub fn full_path(&self) -> String {
        format!("{API_PREFIX}{}", self.path)
    }
}

/// The API's router and the list of what it routes, built together, so the
/// list is the router's own: the OpenAPI test compares the document with
/// it (`server/tests/openapi.rs`). Every API route goes through here.
pub struct Routes {
    router: Router<AppState>,
    list: Vec<ApiRoute>,
}

impl Routes {
    fn new() -> Self {
        Self {
            router: Router::new(),
            list: Vec::new(),
        }
    }

    /// `handler` must answer GET (`axum::routing::get`).
    pub fn get(self, path: &'static str, handler: MethodRouter<AppState>) -> Self {
        self.add("GET", path, handler)
    }

    /// `handler` must answer POST (`axum::routing::post`).
    pub fn post(self, path: &'static str, handler: MethodRouter<AppState>) -> Self {
        self.add("POST", path, handler)
    }

    fn add(
        mut self,
        method: &'static str,
        path: &'static str,
        handler: MethodRouter<AppState>,
    ) -> Self {
        self.router = self.router.route(path, handler);
        self.list.push(ApiRoute { method, path });
        self
    }
}

/// The `/api/v1` router (to nest under [`API_PREFIX`]) and its routes.
pub fn router(state: AppState) -> (Router, Vec<ApiRoute>) {
    let routes = Routes::new()
        .get("/health", get(health))
        .get("/health/live", get(live))
        .get("/health/ready", get(ready))
        .get("/openapi.json", get(crate::openapi::serve))
        .post(
            "/auth/sign-in",
            post(auth::sign_in).layer(DefaultBodyLimit::max(MAX_SIGN_IN_BYTES)),
        )
        .post("/auth/sign-out", post(auth::sign_out))
        .get("/me", get(auth::me))
        .post(
            "/sync/push",
            post(push)
                .layer(DefaultBodyLimit::max(MAX_PUSH_BYTES))
                .layer(middleware::from_fn_with_state(
                    state.clone(),
                    large_push_turn,
                )),
        )
        .get("/revisions", get(revisions))
        .get("/stats", get(stats))
        .get("/force", get(crate::force::get_force))
        .post(
            "/force",
            post(crate::force::set_force).layer(DefaultBodyLimit::max(MAX_FORCE_BYTES)),
        );
    let Routes { router, list } =
        crate::follow_ups::routes(crate::returns::routes(crate::review::routes(routes)));
    let router = router
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        // Answers about stored evidence must never sit in a cache.
        .layer(middleware::map_response(no_store))
        .with_state(state);
    (router, list)
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

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Health {
    pub status: String,
    pub db: String,
    /// Whether pushes can be stored (the writer task is alive).
    pub writer: String,
    pub protocol: u32,
}

/// Whether the process answers at all (liveness): never touches the
/// database, so a slow disk does not get a working instance restarted.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Live {
    pub status: String,
    pub protocol: u32,
}

#[utoipa::path(
    get,
    path = "/api/v1/health/live",
    tag = "meta",
    responses((status = 200, description = "The process answers requests", body = Live))
)]
async fn live() -> Json<Live> {
    Json(Live {
        status: "ok".into(),
        protocol: PROTOCOL_VERSION,
    })
}

#[utoipa::path(
    get,
    path = "/api/v1/health/ready",
    tag = "meta",
    responses(
        (status = 200, description = "Ready for traffic: the database answers and the writer runs", body = Health),
        (status = 503, description = "Not ready: take it out of the load balancer", body = Health),
    )
)]
async fn ready(State(state): State<AppState>) -> Response {
    readiness(&state).await
}

#[utoipa::path(
    get,
    path = "/api/v1/health",
    tag = "meta",
    responses(
        (status = 200, description = "The database and the writer work (as /health/ready)", body = Health),
        (status = 503, description = "The database or the writer does not", body = Health),
    )
)]
async fn health(State(state): State<AppState>) -> Response {
    readiness(&state).await
}

/// Readiness: the database answers a query and the writer task runs.
async fn readiness(state: &AppState) -> Response {
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
    // A patrol's hotspot must be one the force lists (retired ones too: a
    // phone may not have heard yet). Read only for pushes that name one.
    let names_hotspot = decoded
        .slots
        .iter()
        .any(|s| matches!(s, Slot::Ready(a) if a.rev.record.hotspot().is_some()));
    let settings = if names_hotspot {
        Some(
            crate::force::document(&state.accounts, &state.zone)
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
