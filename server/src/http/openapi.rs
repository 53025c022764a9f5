//! The API description: an OpenAPI 3.1 document generated from the code
//! (`utoipa`: each handler's `#[utoipa::path]`, the wire types' schemas from
//! `beatbook-core` with its `openapi` feature), served at
//! `GET /api/v1/openapi.json` without sign-in. `server/tests/openapi.rs`
//! checks that it lists every route the router answers, with its methods,
//! and `scripts/schemathesis.sh` tests a live server against it.
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use std::sync::OnceLock;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as Document, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use beatbook_core::sync::ApiErrorBody;
use beatbook_core::RecordKind;

use crate::http::error::ApiError;

/// The name of the session token scheme (`Authorization: Bearer <token>`).
pub const BEARER: &str = "bearer";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Beatbook API",
        description = "The Beatbook server's API: sync of revisions, sign-in, reads, supervisor \
                       review and the programme return. Every answer but a CSV export or this \
                       document is JSON; every error is an `ApiErrorBody`.",
        license(name = "MIT")
    ),
    paths(
        crate::http::health::health,
        crate::http::health::live,
        crate::http::health::ready,
        serve,
        crate::accounts::sign_in,
        crate::accounts::sign_out,
        crate::accounts::me,
        crate::http::revisions::push,
        crate::http::revisions::revisions,
        crate::http::revisions::stats,
        crate::http::force::get_force,
        crate::http::force::set_force,
        crate::reports::review::list_shifts,
        crate::reports::review::shift_detail,
        crate::reports::review::review_shift,
        crate::reports::review::programme_return,
        crate::reports::review::export_return,
        crate::reports::review::export_entries,
        crate::reports::returns::submit_return,
        crate::reports::returns::submitted_return,
        crate::reports::returns::return_changes,
        crate::http::follow_ups::record_follow_up,
        crate::http::follow_ups::list_follow_ups,
    ),
    // Named here: schemas only a query parameter refers to (`kind`) are not
    // collected on their own.
    components(schemas(ApiErrorBody, RecordKind)),
    modifiers(&Common)
)]
struct ApiDoc;

/// What every operation shares: the bearer scheme, the 500 any request
/// can end in (a storage failure, or a panic caught by the catch-panic
/// layer), and the 503 of a busy database (no free connection in time, or
/// its lock held too long), with `Retry-After`.
struct Common;

impl Modify for Common {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        let internal = error_response("The server could not complete the request");
        let busy = error_response(
            "The server or its database is busy; try again after Retry-After seconds",
        );
        for item in doc.paths.paths.values_mut() {
            for op in [&mut item.get, &mut item.post].into_iter().flatten() {
                op.responses
                    .responses
                    .entry("500".to_owned())
                    .or_insert_with(|| internal.clone().into());
                op.responses
                    .responses
                    .entry("503".to_owned())
                    .or_insert_with(|| busy.clone().into());
            }
        }
    }
}

/// An answer with an [`ApiErrorBody`](beatbook_core::sync::ApiErrorBody).
fn error_response(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                    "ApiErrorBody",
                ))))
                .build(),
        )
        .build()
}

/// The document, as generated from the code.
pub fn document() -> Document {
    ApiDoc::openapi()
}

/// The document as served (compact JSON), made once.
fn served_json() -> Result<&'static str, ApiError> {
    static JSON: OnceLock<Result<String, String>> = OnceLock::new();
    JSON.get_or_init(|| document().to_json().map_err(|e| e.to_string()))
        .as_deref()
        .map_err(|e| ApiError::Internal(format!("encoding the OpenAPI document: {e}")))
}

/// `GET /api/v1/openapi.json`: this document. No sign-in needed.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "meta",
    responses((status = 200, description = "This document (OpenAPI 3.1)", content_type = "application/json", body = Object))
)]
pub async fn serve() -> Response {
    match served_json() {
        Ok(json) => ([(CONTENT_TYPE, "application/json")], json).into_response(),
        Err(e) => e.into_response(),
    }
}
