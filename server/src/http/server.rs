//! Putting the server together: database, writer task, routes, layers, and
//! a graceful shutdown that lets in-flight pushes finish and commit.
use axum::extract::{MatchedPath, Request, State};
use axum::http::header::{
    HeaderValue, CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use std::future::Future;
use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use thiserror::Error;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;

use crate::accounts::password::SecretError;
use crate::accounts::{AuthConfig, AuthState};
use crate::cli::ServeArgs;
use crate::db::{self, Accounts, Database, DbError, PoolConfig, Writer};
use crate::http::conn::{self, ConnLimits};
use crate::http::error::ApiError;
use crate::http::router;
use crate::http::state::AppState;
use crate::http::static_files::{self, Dist};
use crate::metrics::{self, Metrics};
use crate::sync::writer::Ingest;
use crate::zone::ForceZone;

/// Connections the metrics listener serves at once: a scraper or two.
const METRICS_CONNECTIONS: usize = 16;
/// How long in-flight requests get to finish after a shutdown signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);
/// Longest path written to the request log.
const MAX_LOGGED_PATH: usize = 200;
/// On every response. The app has no inline script or style (index.html
/// loads `boot.js`), so nothing here needs 'unsafe-inline';
/// 'wasm-unsafe-eval' lets it compile its WebAssembly.
pub const CONTENT_SECURITY_POLICY_VALUE: &str = "default-src 'self'; \
script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; \
connect-src 'self'; manifest-src 'self'; worker-src 'self'; object-src 'none'; \
base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

#[derive(Debug, Error)]
pub enum AppError {
    #[error("could not listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Migrations(#[from] db::ops::OpsError),
    #[error("serving: {0}")]
    Serve(std::io::Error),
    #[error("the writer task failed: {0}")]
    Writer(#[from] tokio::task::JoinError),
    #[error("the writer stopped unexpectedly")]
    WriterStopped,
    #[error("preparing sign-in: {0}")]
    Secret(#[from] SecretError),
}

/// An opened server, ready to serve on a listener.
pub struct App {
    router: Router,
    routes: Vec<router::ApiRoute>,
    limits: ConnLimits,
    db: Database,
    accounts: Accounts,
    writer: JoinHandle<Writer>,
    metrics: Arc<Metrics>,
    /// `--metrics-listen`: where `GET /metrics` is answered, if anywhere.
    metrics_listener: Option<TcpListener>,
}

impl App {
    /// Opens (creating and migrating) the database and starts the writer,
    /// with the default session lifetime and sign-in limits.
    pub async fn open(db_target: &str, dist: &Path) -> Result<Self, AppError> {
        Self::open_with(db_target, dist, AuthConfig::default()).await
    }

    /// With these sign-in settings and the default connection limits.
    pub async fn open_with(
        db_target: &str,
        dist: &Path,
        config: AuthConfig,
    ) -> Result<Self, AppError> {
        Self::open_configured(db_target, dist, config, ConnLimits::default()).await
    }

    /// With these sign-in settings and connection limits, in the default
    /// time zone ([`ForceZone::default`], Europe/London).
    pub async fn open_configured(
        db_target: &str,
        dist: &Path,
        config: AuthConfig,
        limits: ConnLimits,
    ) -> Result<Self, AppError> {
        Self::open_in_zone(db_target, dist, config, limits, ForceZone::default()).await
    }

    /// With every setting, the force's time zone included, and the default
    /// database pools.
    pub async fn open_in_zone(
        db_target: &str,
        dist: &Path,
        config: AuthConfig,
        limits: ConnLimits,
        zone: ForceZone,
    ) -> Result<Self, AppError> {
        Self::open_with_pools(db_target, dist, config, limits, zone, PoolConfig::default()).await
    }

    /// With every setting, the database pools' sizes and timeouts included.
    pub async fn open_with_pools(
        db_target: &str,
        dist: &Path,
        config: AuthConfig,
        limits: ConnLimits,
        zone: ForceZone,
        pools: PoolConfig,
    ) -> Result<Self, AppError> {
        let opened = db::open_with(db_target, &pools).await?;
        let auth = Arc::new(AuthState::new(config).await?);
        let metrics = Arc::new(Metrics::default());
        let (ingest, writer) = Ingest::start(opened.writer, Arc::clone(&metrics));
        if !dist.join("index.html").is_file() {
            tracing::warn!(dist = %dist.display(), "no index.html in the app directory; only the API will work");
        }
        let state = AppState {
            db: opened.db.clone(),
            ingest,
            accounts: opened.accounts.clone(),
            auth,
            large_pushes: Arc::new(tokio::sync::Semaphore::new(limits.max_large_pushes.max(1))),
            zone,
            metrics: Arc::clone(&metrics),
        };
        let (router, routes) = router(state, Dist::new(dist));
        Ok(Self {
            router,
            routes,
            limits,
            db: opened.db,
            accounts: opened.accounts,
            writer,
            metrics,
            metrics_listener: None,
        })
    }

    /// Also answers `GET /metrics` (Prometheus text) on `listener`, and
    /// nothing else there; it stops with the app. Keep it on a private
    /// address: the app's own listener never serves metrics.
    #[must_use]
    pub fn with_metrics_listener(mut self, listener: TcpListener) -> Self {
        self.metrics_listener = Some(listener);
        self
    }

    /// Every API route the router answers (method and path).
    pub fn routes(&self) -> &[router::ApiRoute] {
        &self.routes
    }

    /// The account store (users, teams, sessions, security events).
    pub fn accounts(&self) -> &Accounts {
        &self.accounts
    }

    /// Serves until `shutdown` completes, then waits for in-flight requests,
    /// lets the writer commit what it was given, and closes the database.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), AppError> {
        let (signalled, on_signal) = oneshot::channel::<()>();
        // The metrics listener stops at the signal too, or when this
        // future is dropped (the server ends some other way).
        let (stop_metrics, metrics_stopped) = oneshot::channel::<()>();
        let shutdown = async move {
            shutdown.await;
            let _ = signalled.send(());
            let _ = stop_metrics.send(());
        };
        let metrics_task = self.metrics_listener.map(|listener| {
            let router = metrics::router(self.metrics, self.db.clone(), self.accounts.clone());
            let limits = ConnLimits {
                max_connections: METRICS_CONNECTIONS,
                ..self.limits
            };
            tokio::spawn(conn::serve(listener, router, limits, async move {
                let _ = metrics_stopped.await;
            }))
        });
        // The peer address reaches handlers (security events, sign-in
        // limits) as `ConnectInfo<SocketAddr>`, as with axum::serve.
        let serve = conn::serve(listener, self.router, self.limits, shutdown);
        let overdue = async move {
            if on_signal.await.is_ok() {
                tokio::time::sleep(SHUTDOWN_GRACE).await;
            } else {
                std::future::pending::<()>().await;
            }
        };
        let mut writer_task = self.writer;
        tokio::select! {
            served = serve => {
                // The router, and with it every handle on the writer, is gone
                // now: the writer drains its queue and hands back the connection.
                let writer = writer_task.await?;
                writer.close().await?;
                if let Some(task) = metrics_task {
                    // Stopped at the signal; a scrape in flight finishes.
                    let _ = task.await;
                }
                self.db.close().await;
                self.accounts.close().await;
                served.map_err(AppError::Serve)
            }
            () = overdue => {
                // A client is holding a request open. Everything acknowledged
                // is committed; an unfinished transaction rolls back when the
                // database is next opened.
                tracing::warn!(
                    grace_s = SHUTDOWN_GRACE.as_secs(),
                    "in-flight requests did not finish in time; stopping anyway"
                );
                Ok(())
            }
            ended = &mut writer_task => {
                // Only a bug ends the writer early. Without it nothing can be
                // stored, so stop and let the supervisor restart the server.
                tracing::error!("the writer stopped unexpectedly; shutting down");
                ended?;
                Err(AppError::WriterStopped)
            }
        }
    }
}

/// The whole app (API and static files) and the API's routes.
pub fn router(state: AppState, dist: Dist) -> (Router, Vec<router::ApiRoute>) {
    let metrics = Arc::clone(&state.metrics);
    let static_files = move |req: Request| {
        let dist = dist.clone();
        async move { static_files::serve(dist, req).await }
    };
    let (api, routes) = router::router(state);
    let router = with_layers(
        Router::new()
            .nest(router::API_PREFIX, api)
            .fallback(static_files),
        metrics,
    );
    (router, routes)
}

/// The layers every response passes through, outermost last: a panic left
/// in a handler becomes a logged 500 (inside the request log and the
/// security headers, so it is logged and carries them like any answer).
fn with_layers(router: Router, metrics: Arc<Metrics>) -> Router {
    router
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(CompressionLayer::new())
        .layer(middleware::from_fn(security_headers))
        .layer(middleware::from_fn_with_state(metrics, log_request))
}

/// A panic in a handler is a bug: log it (the message only, never request
/// data) and answer the same 500 as any internal failure. Only reachable
/// when the binary unwinds (the `server` profile; see [`PANIC_UNWINDS`]).
fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    tracing::error!(panic = message, "a request handler panicked");
    ApiError::Internal("a request handler panicked".into()).into_response()
}

/// Whether this build unwinds on a panic, so [`CatchPanicLayer`] can turn
/// one into a 500. `panic = "abort"` (the workspace's `release` profile,
/// which the app's download needs) would end the whole process on one bad
/// request: build the server with `--profile server`.
pub const PANIC_UNWINDS: bool = cfg!(panic = "unwind");

/// On every response, API and static alike. No CORS headers, ever: the API
/// is for the app on the same origin only.
async fn security_headers(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY_VALUE),
    );
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if api {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// One line per request: method, path (no query string: it can carry IDs),
/// status and latency. Never bodies. Each request gets an ID, sent back as
/// `X-Request-Id` and carried by every log line written while it is
/// handled (a `request` span), so a person can find one request's lines.
/// Counted in the metrics by route template, never by path: layers added
/// with `Router::layer` run after routing, so the matched route is known.
async fn log_request(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    use tracing::Instrument;
    let start = Instant::now();
    let method = req.method().clone();
    let matched = req.extensions().get::<MatchedPath>().cloned();
    let path: String = req.uri().path().chars().take(MAX_LOGGED_PATH).collect();
    let id = request_id();
    let span = tracing::info_span!("request", request_id = %id);
    let mut response = next.run(req).instrument(span.clone()).await;
    span.in_scope(|| {
        tracing::info!(
            target: "beatbook_server::request",
            "{method} {path} {} {:.1}ms",
            response.status().as_u16(),
            start.elapsed().as_secs_f64() * 1000.0
        );
    });
    let route = metrics::route_label(matched.as_ref(), response.status());
    metrics.observe_request(route, &method, response.status().as_u16(), start.elapsed());
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(X_REQUEST_ID, value);
    }
    response
}

const X_REQUEST_ID: axum::http::HeaderName = axum::http::HeaderName::from_static("x-request-id");

/// 16 hex digits, random: unique enough to find a request's lines among a
/// force's logs, and says nothing about the order or number of requests.
fn request_id() -> String {
    let mut bytes = [0u8; 8];
    // The OS's generator does not fail on Linux once booted; a zero ID
    // would only make lines harder to tell apart, never lose one.
    let _ = getrandom::fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `serve`: bind, say where, serve until SIGTERM or Ctrl-C.
pub async fn run(args: ServeArgs) -> Result<(), AppError> {
    let config = AuthConfig {
        session_lifetime: chrono::Duration::hours(i64::from(args.session_hours)),
        trusted_proxies: args.trusted_proxies.clone(),
        ..AuthConfig::default()
    };
    let limits = ConnLimits {
        header_timeout: Duration::from_secs(args.header_timeout_s),
        body_timeout: Duration::from_secs(args.body_timeout_s),
        max_connections: args.max_connections,
        max_large_pushes: args.max_large_pushes,
    };
    if !PANIC_UNWINDS {
        tracing::warn!(
            "this binary aborts on a panic: one bad request would end the server; \
             build it with `cargo build --profile server -p beatbook-server`"
        );
    }
    if args.no_migrate {
        // Checked, not applied: then opening finds nothing to apply.
        db::ops::require_migrated(&args.db).await?;
    }
    let pools = PoolConfig {
        readers: args.db_readers,
        accounts: args.db_accounts_connections,
        acquire_timeout: Duration::from_millis(args.db_acquire_timeout_ms),
        busy_timeout: Duration::from_millis(args.db_busy_timeout_ms),
    };
    let mut app =
        App::open_with_pools(&args.db, &args.dist, config, limits, args.time_zone, pools).await?;
    tracing::info!(time_zone = %args.time_zone, "days, weeks and months are counted in this zone");
    if app.accounts.user_count().await? == 0 {
        // Through the log, so `--log-format json` stays one object per line.
        tracing::warn!(
            "no users yet: create the first admin with \
             `beatbook-server user add --db {} --officer-id ID --name NAME --role admin`",
            args.db
        );
    }
    let listener = TcpListener::bind(args.listen)
        .await
        .map_err(|source| AppError::Bind {
            addr: args.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(AppError::Serve)?;
    // Bound before anything is said: a taken metrics port stops the start.
    let mut metrics_bound = None;
    if let Some(metrics_addr) = args.metrics_listen {
        let listener = TcpListener::bind(metrics_addr)
            .await
            .map_err(|source| AppError::Bind {
                addr: metrics_addr,
                source,
            })?;
        metrics_bound = Some(listener.local_addr().map_err(AppError::Serve)?);
        app = app.with_metrics_listener(listener);
    }
    // On stdout, for scripts and tests that start the server on port 0.
    let mut out = std::io::stdout();
    let _ = writeln!(out, "listening on http://{addr}");
    if let Some(bound) = metrics_bound {
        let _ = writeln!(out, "metrics on http://{bound}/metrics");
        tracing::info!(addr = %bound, "serving metrics");
    }
    let _ = out.flush();
    tracing::info!(%addr, "serving");
    app.serve(listener, shutdown_signal()).await?;
    tracing::info!("stopped cleanly");
    Ok(())
}

/// Completes on SIGTERM or Ctrl-C (SIGINT).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
    tracing::info!("shutdown requested; finishing in-flight requests");
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::routing::get;
    use tower::ServiceExt;

    #[tokio::test]
    async fn a_panicking_handler_answers_a_json_500_with_the_usual_headers() {
        // Test builds unwind (the dev profile), as the server profile does.
        let router = with_layers(
            Router::new().route(
                "/api/v1/boom",
                get(|| async {
                    if true {
                        panic!("boom");
                    }
                    "never"
                }),
            ),
            Arc::new(Metrics::default()),
        );
        let req = Request::builder()
            .uri("/api/v1/boom")
            .body(Body::empty())
            .unwrap();
        let res = router.oneshot(req).await.unwrap();
        assert_eq!(res.status(), 500);
        assert_eq!(res.headers()[CACHE_CONTROL], "no-store");
        assert!(res.headers().contains_key(CONTENT_SECURITY_POLICY));
        let body = axum::body::to_bytes(res.into_body(), 4096).await.unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["error"], "internal_error");
    }
}
