//! The route table of the JSON API under `/api/v1`: every API route is
//! added here ([`router`]), and the list of what it routes is built with
//! it. Handlers take their inputs as extractors; every route but `health`
//! and `auth/sign-in` takes a [`Caller`](crate::accounts::Caller) (a valid session), and the role
//! is checked at the server.
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::header::{HeaderValue, CACHE_CONTROL, CONTENT_LENGTH};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::{middleware, Router};
use beatbook_core::sync::MAX_PUSH_BYTES;
use std::sync::Arc;

use crate::accounts::{self, MAX_SIGN_IN_BYTES};
use crate::http::conn::{LARGE_PUSH_BYTES, LARGE_PUSH_WAIT};
use crate::http::error::{self, ApiError};
use crate::http::health::{health, live, ready};
use crate::http::revisions::{push, revisions, stats};
use crate::http::state::AppState;

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
        .get("/openapi.json", get(crate::http::openapi::serve))
        .post(
            "/auth/sign-in",
            post(accounts::sign_in).layer(DefaultBodyLimit::max(MAX_SIGN_IN_BYTES)),
        )
        .post("/auth/sign-out", post(accounts::sign_out))
        .get("/me", get(accounts::me))
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
        .get("/force", get(crate::http::force::get_force))
        .post(
            "/force",
            post(crate::http::force::set_force).layer(DefaultBodyLimit::max(MAX_FORCE_BYTES)),
        );
    let Routes { router, list } = crate::http::follow_ups::routes(crate::reports::returns::routes(
        crate::reports::review::routes(routes),
    ));
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
