//! `GET /api/v1/health`, `/health/live` and `/health/ready`.
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use beatbook_core::sync::PROTOCOL_VERSION;
use serde::{Deserialize, Serialize};

use crate::http::state::AppState;

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
pub async fn live() -> Json<Live> {
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
pub async fn ready(State(state): State<AppState>) -> Response {
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
pub async fn health(State(state): State<AppState>) -> Response {
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
