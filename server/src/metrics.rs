//! Prometheus metrics (issue #12, item 4): requests by route and status,
//! push changes by outcome, the writer's group sizes and commit times, and
//! the database pools' use, written in the text exposition format 0.0.4.
//!
//! Served only on their own listener (`serve --metrics-listen`), never on
//! the app's: they show how busy the force is and when, which is nobody's
//! business outside operations. No metrics crate: a few counters and
//! fixed-bucket histograms behind one lock each are all this needs, and
//! the format is a page of text.
//!
//! Every label value comes from a fixed set the server defines (route
//! templates, method names, status codes, outcome names, pool names),
//! never from what a client sends, so the number of series stays bounded
//! however many distinct paths an attacker asks for.
use crate::db::{Accounts, Database};
use axum::extract::{MatchedPath, State};
use axum::http::header::{HeaderValue, CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use beatbook_core::sync::{ChangeResult, Outcome};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// The exposition format's media type.
pub const CONTENT_TYPE_VALUE: &str = "text/plain; version=0.0.4; charset=utf-8";
/// Route label of a request no API route matched that the app's files
/// answered (the app's pages and assets, or its index for a deep link).
pub const ROUTE_STATIC: &str = "static";
/// Route label of a request nothing matched (a 404 outside the API).
pub const ROUTE_UNMATCHED: &str = "unmatched";

/// Request latency buckets, seconds: most answers take a millisecond or
/// two; a push waits for a commit (an fsync); an export streams for longer.
const REQUEST_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Changes per writer group: one phone's batch is up to 100; the writer
/// takes at most 5,000 at once.
const GROUP_SIZE_BUCKETS: &[f64] = &[
    1.0, 2.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0,
];
/// Seconds per group transaction: an fsync on a good disk is under a
/// millisecond to a few; a slow or saturated one shows here first.
const COMMIT_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// Outcome labels of `beatbook_push_changes_total`, in the order
/// [`outcome_index`] numbers them. `rejected` is a final refusal; `retry`
/// a refusal for now (`retry: true`: something it needs has not arrived).
const OUTCOMES: [&str; 5] = ["stored", "already_had", "conflict", "rejected", "retry"];

/// Methods kept as their own label value; any other is `other`, so an
/// invented method cannot add series.
const METHODS: &[Method] = &[
    Method::GET,
    Method::HEAD,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
    Method::OPTIONS,
];

/// One process's metrics; shared by the app's handlers, its request
/// middleware and the writer (one per [`crate::http::server::App`], so tests that
/// run several servers in one process each count their own).
#[derive(Debug)]
pub struct Metrics {
    requests: Mutex<BTreeMap<String, RouteSeries>>,
    push: [AtomicU64; OUTCOMES.len()],
    group_size: Mutex<Histogram>,
    commit: Mutex<Histogram>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self {
            requests: Mutex::new(BTreeMap::new()),
            push: Default::default(),
            group_size: Mutex::new(Histogram::new(GROUP_SIZE_BUCKETS)),
            commit: Mutex::new(Histogram::new(COMMIT_BUCKETS)),
        }
    }
}

/// One route's counts by (method, status) and its latency.
#[derive(Debug, Clone)]
struct RouteSeries {
    counts: BTreeMap<(&'static str, u16), u64>,
    duration: Histogram,
}

/// Fixed buckets; `counts[i]` is the observations in bucket `i` alone
/// (made cumulative when written), the last one above every bound.
#[derive(Debug, Clone)]
struct Histogram {
    bounds: &'static [f64],
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

impl Histogram {
    fn new(bounds: &'static [f64]) -> Self {
        Self {
            bounds,
            counts: vec![0; bounds.len() + 1],
            sum: 0.0,
            count: 0,
        }
    }

    fn observe(&mut self, value: f64) {
        let bucket = self.bounds.partition_point(|b| *b < value);
        if let Some(c) = self.counts.get_mut(bucket) {
            *c += 1;
        }
        self.sum += value;
        self.count += 1;
    }

    /// `_bucket`, `_sum` and `_count` lines; `labels` is empty or ends
    /// with a comma.
    fn write(&self, out: &mut String, name: &str, labels: &str) {
        let mut cumulative = 0;
        for (bound, n) in self.bounds.iter().zip(&self.counts) {
            cumulative += n;
            let _ = writeln!(out, "{name}_bucket{{{labels}le=\"{bound}\"}} {cumulative}");
        }
        let _ = writeln!(out, "{name}_bucket{{{labels}le=\"+Inf\"}} {}", self.count);
        let labels = labels.trim_end_matches(',');
        let labels = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let _ = writeln!(out, "{name}_sum{labels} {}", self.sum);
        let _ = writeln!(out, "{name}_count{labels} {}", self.count);
    }
}

/// A lock that a panic elsewhere left poisoned still holds valid counts.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A pool's connections when scraped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUse {
    /// Open now (busy and idle).
    pub size: u32,
    pub idle: usize,
    /// The most it opens (`--db-readers`, `--db-accounts-connections`).
    pub max: u32,
}

impl PoolUse {
    pub fn of<DB: sqlx::Database>(pool: &sqlx::Pool<DB>) -> Self {
        Self {
            size: pool.size(),
            idle: pool.num_idle(),
            max: pool.options().get_max_connections(),
        }
    }
}

/// The route label of a request: its route's template when an API route
/// matched (`/api/v1/shifts/{id}`, never the path asked for), else
/// [`ROUTE_STATIC`] or [`ROUTE_UNMATCHED`] by whether it was answered.
pub fn route_label(matched: Option<&MatchedPath>, status: StatusCode) -> &str {
    match matched {
        Some(m) => m.as_str(),
        None if status == StatusCode::NOT_FOUND => ROUTE_UNMATCHED,
        None => ROUTE_STATIC,
    }
}

fn method_label(method: &Method) -> &'static str {
    METHODS
        .iter()
        .find(|m| *m == method)
        .map_or("other", Method::as_str)
}

fn outcome_index(result: &ChangeResult) -> usize {
    match result.outcome {
        Outcome::Stored { .. } => 0,
        Outcome::AlreadyHad { .. } => 1,
        Outcome::Conflict { .. } => 2,
        Outcome::Rejected { .. } if result.retry => 4,
        Outcome::Rejected { .. } => 3,
    }
}

impl Metrics {
    /// One answered request (from the request log's middleware).
    pub fn observe_request(&self, route: &str, method: &Method, status: u16, took: Duration) {
        let method = method_label(method);
        let mut requests = lock(&self.requests);
        // Look up by &str first: a new String only for a route's first request.
        let series = match requests.get_mut(route) {
            Some(s) => s,
            None => requests.entry(route.to_owned()).or_insert(RouteSeries {
                counts: BTreeMap::new(),
                duration: Histogram::new(REQUEST_BUCKETS),
            }),
        };
        *series.counts.entry((method, status)).or_insert(0) += 1;
        series.duration.observe(took.as_secs_f64());
    }

    /// A push's answers, one per change.
    pub fn count_push(&self, results: &[ChangeResult]) {
        for r in results {
            if let Some(c) = self.push.get(outcome_index(r)) {
                c.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// One group the writer committed: its changes and how long its
    /// transaction took, from `BEGIN` to the commit being durable.
    pub fn observe_group(&self, changes: usize, took: Duration) {
        // Precision is not a concern below 2^53 changes.
        #[allow(clippy::cast_precision_loss)]
        lock(&self.group_size).observe(changes as f64);
        lock(&self.commit).observe(took.as_secs_f64());
    }

    /// The whole exposition, with the pools as they are now.
    pub fn render(&self, pools: &[(&str, PoolUse)]) -> String {
        let mut out = String::with_capacity(8 * 1024);
        family(
            &mut out,
            "beatbook_build_info",
            "gauge",
            "Always 1; the version label is this server's.",
        );
        let _ = writeln!(
            out,
            "beatbook_build_info{{version=\"{}\"}} 1",
            escape(env!("CARGO_PKG_VERSION"))
        );

        // Copied under the lock, written after it: a scrape never holds
        // requests up for longer than a copy.
        let requests = lock(&self.requests).clone();
        family(
            &mut out,
            "beatbook_http_requests_total",
            "counter",
            "HTTP requests answered by the app's listener, by route template \
             (static: the app's files; unmatched: nothing there), method and status.",
        );
        for (route, series) in &requests {
            for ((method, status), n) in &series.counts {
                let _ = writeln!(
                    out,
                    "beatbook_http_requests_total{{route=\"{}\",method=\"{method}\",status=\"{status}\"}} {n}",
                    escape(route)
                );
            }
        }
        family(
            &mut out,
            "beatbook_http_request_duration_seconds",
            "histogram",
            "Time from a request reaching the router to its answer's head, by route template.",
        );
        for (route, series) in &requests {
            let labels = format!("route=\"{}\",", escape(route));
            series
                .duration
                .write(&mut out, "beatbook_http_request_duration_seconds", &labels);
        }

        family(
            &mut out,
            "beatbook_push_changes_total",
            "counter",
            "Changes answered in pushes, by outcome (rejected: final; retry: refused \
             for now, something it needs has not arrived).",
        );
        for (name, n) in OUTCOMES.iter().zip(&self.push) {
            let _ = writeln!(
                out,
                "beatbook_push_changes_total{{outcome=\"{name}\"}} {}",
                n.load(Ordering::Relaxed)
            );
        }

        family(
            &mut out,
            "beatbook_writer_group_size",
            "histogram",
            "Changes decided and stored per writer transaction (pushes share one commit).",
        );
        let group_size = lock(&self.group_size).clone();
        group_size.write(&mut out, "beatbook_writer_group_size", "");
        family(
            &mut out,
            "beatbook_writer_commit_seconds",
            "histogram",
            "Time of one writer group's transaction, from BEGIN to a durable commit.",
        );
        let commit = lock(&self.commit).clone();
        commit.write(&mut out, "beatbook_writer_commit_seconds", "");

        family(
            &mut out,
            "beatbook_db_pool_connections",
            "gauge",
            "Connections of each database pool: open (size), idle, and the most it opens (max).",
        );
        for (pool, used) in pools {
            let pool = escape(pool);
            for (state, n) in [
                ("size", u64::from(used.size)),
                ("idle", used.idle as u64),
                ("max", u64::from(used.max)),
            ] {
                let _ = writeln!(
                    out,
                    "beatbook_db_pool_connections{{pool=\"{pool}\",state=\"{state}\"}} {n}"
                );
            }
        }
        out
    }
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {}", escape_help(help));
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// A label value as the format quotes it: `\`, `"` and newlines escaped.
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// HELP text escapes `\` and newlines only.
fn escape_help(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n")
}

/// What the metrics listener reads at each scrape.
#[derive(Clone)]
struct Scrape {
    metrics: Arc<Metrics>,
    db: Database,
    accounts: Accounts,
}

/// The metrics listener's router: `GET /metrics`, and 404 for anything
/// else. Nothing of the app or its API is reachable here.
pub fn router(metrics: Arc<Metrics>, db: Database, accounts: Accounts) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .fallback(|| async { (StatusCode::NOT_FOUND, "not found\n") })
        .with_state(Scrape {
            metrics,
            db,
            accounts,
        })
}

async fn scrape(State(s): State<Scrape>) -> Response {
    let pools = [
        ("readers", s.db.pool_use()),
        ("accounts", s.accounts.pool_use()),
    ];
    let mut response = s.metrics.render(&pools).into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE_VALUE));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape(r#"a"b\c"#), r#"a\"b\\c"#);
        assert_eq!(escape("x\ny"), "x\\ny");
    }

    #[test]
    fn histogram_buckets_are_cumulative_and_end_with_the_count() {
        let mut h = Histogram::new(&[1.0, 2.0]);
        for v in [0.5, 1.0, 1.5, 3.0] {
            h.observe(v);
        }
        let mut out = String::new();
        h.write(&mut out, "x", "");
        assert_eq!(
            out,
            "x_bucket{le=\"1\"} 2\nx_bucket{le=\"2\"} 3\nx_bucket{le=\"+Inf\"} 4\n\
             x_sum 6\nx_count 4\n"
        );
    }

    #[test]
    fn invented_methods_share_one_label() {
        let m = Metrics::default();
        for name in ["FOO", "BAR", "BAZ"] {
            let method = Method::from_bytes(name.as_bytes()).unwrap();
            m.observe_request(ROUTE_UNMATCHED, &method, 404, Duration::ZERO);
        }
        let text = m.render(&[]);
        assert!(text.contains(
            "beatbook_http_requests_total{route=\"unmatched\",method=\"other\",status=\"404\"} 3"
        ));
    }
}
