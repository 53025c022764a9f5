//! Prometheus metrics on their own listener (`serve --metrics-listen`):
//! exact push outcomes, the writer's histograms, a bounded label set
//! whatever paths are asked for, nothing on the app's listener, both
//! pools' gauges, and text a Prometheus server can parse.
// Tests may panic on the unexpected: clippy.toml allows unwrap/expect in
// #[test] functions, and these helpers are test code too.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;

use common::*;
use std::collections::{BTreeMap, BTreeSet};
use tokio::time::timeout;

/// One sample line: `name{labels} value`.
#[derive(Debug, Clone)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// A parsed exposition, checked as it is read.
struct Exposition {
    samples: Vec<Sample>,
}

impl Exposition {
    /// The value of the one sample of `name` with exactly these labels.
    fn get(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let want: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut found = self
            .samples
            .iter()
            .filter(|s| s.name == name && s.labels == want);
        let first = found.next()?;
        assert!(found.next().is_none(), "{name} {labels:?} twice");
        Some(first.value)
    }

    fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.get(name, labels)
            .unwrap_or_else(|| panic!("no sample {name} {labels:?}"))
    }

    fn series(&self, name: &str) -> Vec<&Sample> {
        self.samples.iter().filter(|s| s.name == name).collect()
    }
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// `{k="v",...}` (escapes `\\`, `\"`, `\n`) and the rest of the line.
fn parse_labels(text: &str) -> (BTreeMap<String, String>, &str) {
    let mut labels = BTreeMap::new();
    let Some(mut rest) = text.strip_prefix('{') else {
        return (labels, text);
    };
    loop {
        if let Some(after) = rest.strip_prefix('}') {
            return (labels, after);
        }
        let (key, after) = rest.split_once("=\"").expect("label without =\"");
        assert!(is_name(key), "bad label name {key:?}");
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            let (i, c) = chars.next().expect("unterminated label value");
            match c {
                '\\' => match chars.next().expect("dangling escape").1 {
                    '\\' => value.push('\\'),
                    '"' => value.push('"'),
                    'n' => value.push('\n'),
                    other => panic!("bad escape \\{other}"),
                },
                '"' => break i + 1,
                '\n' => panic!("raw newline in a label value"),
                c => value.push(c),
            }
        };
        assert!(
            labels.insert(key.to_owned(), value).is_none(),
            "label {key} twice"
        );
        rest = &after[end..];
        rest = rest.strip_prefix(',').unwrap_or(rest);
    }
}

fn parse_value(text: &str) -> f64 {
    match text {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        t => t.parse().unwrap_or_else(|_| panic!("bad value {t:?}")),
    }
}

/// Checks the text format 0.0.4 as a Prometheus server reads it: every
/// sample line is `name{labels} value`; every sample's family has a HELP
/// and a TYPE line before it; no series twice; each histogram's buckets
/// rise with `le`, never fall, and end with `+Inf` equal to its `_count`.
fn parse(text: &str) -> Exposition {
    let mut help = BTreeSet::new();
    let mut types: BTreeMap<String, String> = BTreeMap::new();
    let mut samples = Vec::new();
    let mut seen = BTreeSet::new();
    assert!(text.ends_with('\n'), "the last line must end");
    for line in text.lines() {
        if line.is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            let mut words = comment.trim_start().splitn(3, ' ');
            match (words.next(), words.next(), words.next()) {
                (Some("HELP"), Some(name), Some(text)) => {
                    assert!(is_name(name) && !text.is_empty(), "{line}");
                    assert!(help.insert(name.to_owned()), "HELP twice: {line}");
                }
                (Some("TYPE"), Some(name), Some(kind)) => {
                    assert!(
                        ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                        "{line}"
                    );
                    assert!(
                        types.insert(name.to_owned(), kind.to_owned()).is_none(),
                        "TYPE twice: {line}"
                    );
                }
                _ => {}
            }
            continue;
        }
        let name_end = line.find(['{', ' ']).expect("a sample line has a value");
        let name = &line[..name_end];
        assert!(is_name(name), "bad metric name in {line:?}");
        let (labels, rest) = parse_labels(&line[name_end..]);
        let value = rest
            .strip_prefix(' ')
            .unwrap_or_else(|| panic!("no value in {line:?}"));
        // An optional timestamp after the value; we write none.
        assert!(!value.contains(' '), "unexpected timestamp in {line:?}");
        let value = parse_value(value);
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|suffix| {
                let base = name.strip_suffix(suffix)?;
                (types.get(base).map(String::as_str) == Some("histogram")).then_some(base)
            })
            .unwrap_or(name);
        assert!(types.contains_key(family), "no TYPE before {line:?}");
        assert!(help.contains(family), "no HELP before {line:?}");
        if types[family] == "counter" {
            assert!(
                name.ends_with("_total"),
                "a counter's name ends _total: {line}"
            );
        }
        assert!(
            seen.insert((name.to_owned(), labels.clone())),
            "series twice: {line}"
        );
        samples.push(Sample {
            name: name.to_owned(),
            labels,
            value,
        });
    }
    for (family, kind) in &types {
        if kind != "histogram" {
            continue;
        }
        let mut buckets: BTreeMap<BTreeMap<String, String>, Vec<(f64, f64)>> = BTreeMap::new();
        for s in samples
            .iter()
            .filter(|s| s.name == format!("{family}_bucket"))
        {
            let mut labels = s.labels.clone();
            let le = parse_value(&labels.remove("le").expect("a bucket has le"));
            buckets.entry(labels).or_default().push((le, s.value));
        }
        for (labels, bs) in &buckets {
            for pair in bs.windows(2) {
                assert!(pair[0].0 < pair[1].0, "{family} {labels:?}: le must rise");
                assert!(
                    pair[0].1 <= pair[1].1,
                    "{family} {labels:?}: buckets must be cumulative"
                );
            }
            let (le, last) = *bs.last().unwrap();
            assert_eq!(le, f64::INFINITY, "{family} {labels:?}: must end with +Inf");
            let count = samples
                .iter()
                .find(|s| s.name == format!("{family}_count") && s.labels == *labels)
                .unwrap_or_else(|| panic!("{family} {labels:?}: no _count"));
            assert_eq!(last, count.value, "{family} {labels:?}: +Inf != _count");
            assert!(
                samples
                    .iter()
                    .any(|s| s.name == format!("{family}_sum") && s.labels == *labels),
                "{family} {labels:?}: no _sum"
            );
        }
    }
    Exposition { samples }
}

/// `GET /metrics` on the metrics listener, checked and parsed.
async fn scrape(server: &TestServer) -> Exposition {
    let url = server.metrics.as_deref().expect("started with metrics");
    let res = client().get(format!("{url}/metrics")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let content_type = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    parse(&res.text().await.unwrap())
}

const PUSH: &str = "beatbook_push_changes_total";

fn outcome_counts(m: &Exposition) -> [f64; 5] {
    ["stored", "already_had", "conflict", "rejected", "retry"]
        .map(|o| m.value(PUSH, &[("outcome", o)]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_outcomes_are_counted_exactly_and_the_writer_histograms_grow() {
    timeout(TEST_TIMEOUT, async {
        let server = TestServer::start_with_metrics().await;
        let before = scrape(&server).await;
        assert_eq!(outcome_counts(&before), [0.0; 5]);
        assert_eq!(before.value("beatbook_writer_group_size_count", &[]), 0.0);

        let t = server.officer("officer-m").await;
        let revs = revisions(71, "officer-m", 3);
        let first = push_ok(&server.base, &t, &as_values(&revs[..2])).await;
        assert_eq!(outcomes(&first), ["stored", "stored"]);
        let after_first = scrape(&server).await;
        assert_eq!(outcome_counts(&after_first), [2.0, 0.0, 0.0, 0.0, 0.0]);
        let groups = after_first.value("beatbook_writer_group_size_count", &[]);
        assert!(groups >= 1.0, "{groups}");
        assert_eq!(
            after_first.value("beatbook_writer_group_size_sum", &[]),
            2.0
        );
        assert_eq!(
            after_first.value("beatbook_writer_commit_seconds_count", &[]),
            groups
        );

        // One resend, one new revision, one in a sequence slot already taken.
        let mut slot_taken = revs[1].clone();
        slot_taken.id = revisions(72, "x", 1)[0].id;
        let batch = as_values(&[revs[0].clone(), revs[2].clone(), slot_taken]);
        let second = push_ok(&server.base, &t, &batch).await;
        assert_eq!(outcomes(&second), ["already_had", "stored", "conflict"]);
        let after = scrape(&server).await;
        assert_eq!(outcome_counts(&after), [3.0, 1.0, 1.0, 0.0, 0.0]);
        let more_groups = after.value("beatbook_writer_group_size_count", &[]);
        assert!(more_groups > groups, "{more_groups} after {groups}");
        // Every change the writer decided was in a group it committed.
        assert_eq!(after.value("beatbook_writer_group_size_sum", &[]), 5.0);
        assert_eq!(
            after.value("beatbook_writer_commit_seconds_count", &[]),
            more_groups
        );
        assert!(after.value("beatbook_writer_commit_seconds_sum", &[]) > 0.0);
        assert_eq!(
            after.value(
                "beatbook_http_requests_total",
                &[
                    ("route", "/api/v1/sync/push"),
                    ("method", "POST"),
                    ("status", "200")
                ]
            ),
            2.0
        );
        assert_eq!(
            after.value(
                "beatbook_http_request_duration_seconds_count",
                &[("route", "/api/v1/sync/push")]
            ),
            2.0
        );
        server.stop().await;
    })
    .await
    .unwrap();
}

/// A different token every call, for paths nobody routes.
fn token(i: usize) -> String {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).unwrap();
    format!(
        "z{i}q{}",
        b.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_unknown_paths_add_no_series() {
    timeout(TEST_TIMEOUT, async {
        let server = TestServer::start_with_metrics().await;
        let c = client();
        let mut tokens = Vec::new();
        for i in 0..500 {
            let tok = token(i);
            // Outside the API, inside it, under a templated route, an
            // asset-looking name, and invented methods.
            let path = match i % 5 {
                0 => format!("/{tok}/{tok}?{tok}={tok}"),
                1 => format!("/api/v1/{tok}?q={tok}"),
                2 => format!("/api/v1/shifts/{tok}?x={tok}"),
                3 => format!("/assets/{tok}.js?v={tok}"),
                _ => format!("/api/{tok}"),
            };
            let method = if i % 7 == 0 {
                reqwest::Method::from_bytes(format!("M{i}").as_bytes()).unwrap()
            } else {
                reqwest::Method::GET
            };
            let res = c
                .request(method, format!("{}{path}", server.base))
                .send()
                .await
                .unwrap();
            assert!(res.status().as_u16() < 500, "{path}: {}", res.status());
            tokens.push(tok);
        }
        let m = scrape(&server).await;
        let series = m.series("beatbook_http_requests_total");
        let total: f64 = series.iter().map(|s| s.value).sum();
        assert!(total >= 500.0, "{total}");
        assert!(series.len() <= 30, "{} series: {series:?}", series.len());
        let routes: BTreeSet<&str> = series.iter().map(|s| s.labels["route"].as_str()).collect();
        assert!(routes.len() <= 10, "{routes:?}");
        assert!(
            m.series("beatbook_http_request_duration_seconds_count")
                .len()
                <= 10,
            "one histogram per route"
        );
        // Nothing a client sent is in the text.
        let url = server.metrics.clone().unwrap();
        let text = client()
            .get(format!("{url}/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        for tok in &tokens {
            assert!(
                !text.contains(tok.as_str()),
                "{tok} leaked into the metrics"
            );
        }
        assert!(
            !text.contains("method=\"M7\""),
            "invented methods are other"
        );
        server.stop().await;
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_only_on_their_own_listener_and_stop_with_the_server() {
    timeout(TEST_TIMEOUT, async {
        let server = TestServer::start_with_metrics().await;
        let url = server.metrics.clone().unwrap();
        let c = client();
        // A little traffic, so there is something to leak.
        let health = c
            .get(format!("{}/api/v1/health", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(health.status(), 200);
        for path in [
            "/metrics",
            "/api/v1/metrics",
            "/metrics?x=1",
            "/api/metrics",
        ] {
            let res = c
                .get(format!("{}{path}", server.base))
                .send()
                .await
                .unwrap();
            let content_type = res
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            assert!(
                !content_type.contains("version=0.0.4"),
                "{path}: {content_type}"
            );
            let body = res.text().await.unwrap();
            assert!(
                !body.contains("beatbook_") && !body.contains("# TYPE"),
                "{path} on the app's listener answered metrics"
            );
        }
        for path in [
            "/",
            "/index.html",
            "/api/v1/health",
            "/metrics/",
            "/metrics/x",
            "/metricsx",
        ] {
            let res = c.get(format!("{url}{path}")).send().await.unwrap();
            assert_eq!(res.status(), 404, "{path} on the metrics listener");
            let body = res.text().await.unwrap();
            assert!(!body.contains("beatbook_"), "{path}: {body}");
        }
        let m = scrape(&server).await;
        assert_eq!(
            m.value(
                "beatbook_build_info",
                &[("version", env!("CARGO_PKG_VERSION"))]
            ),
            1.0
        );
        // Scrapes are not counted as the app's requests.
        assert!(m
            .series("beatbook_http_requests_total")
            .iter()
            .all(|s| s.labels["route"] != "/metrics"));

        server.stop().await;
        let after = client().get(format!("{url}/metrics")).send().await;
        assert!(after.is_err(), "the metrics listener outlived the server");
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pool_gauges_cover_both_pools() {
    timeout(TEST_TIMEOUT, async {
        let server = TestServer::start_with_metrics().await;
        // Use both pools: a read and a session check (accounts).
        let _ = stats(&server.base, &server.sup).await;
        let m = scrape(&server).await;
        for (pool, max) in [("readers", 4.0), ("accounts", 2.0)] {
            let g = |state| {
                m.value(
                    "beatbook_db_pool_connections",
                    &[("pool", pool), ("state", state)],
                )
            };
            let (size, idle) = (g("size"), g("idle"));
            assert_eq!(g("max"), max, "{pool}");
            assert!((1.0..=max).contains(&size), "{pool} size {size}");
            assert!(idle <= size, "{pool} idle {idle} of {size}");
        }
        assert_eq!(m.series("beatbook_db_pool_connections").len(), 6);
        server.stop().await;
    })
    .await
    .unwrap();
}

/// The flags reach the binary's pools, and its metrics listener answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pool_flags_and_metrics_listen_reach_the_binary() {
    timeout(TEST_TIMEOUT, async {
        let dir = tempfile::tempdir().unwrap();
        write_dist(&dir.path().join("dist"));
        // A free port for the metrics listener (the main one prints its own).
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let metrics_addr = format!("127.0.0.1:{port}");
        let (mut child, base) = spawn_binary(
            dir.path(),
            &[
                "--metrics-listen",
                &metrics_addr,
                "--db-readers",
                "3",
                "--db-accounts-connections",
                "5",
                "--db-acquire-timeout-ms",
                "2500",
                "--db-busy-timeout-ms",
                "1500",
            ],
        )
        .await;
        let c = client();
        assert_eq!(
            c.get(format!("{base}/api/v1/health"))
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
        let res = c
            .get(format!("http://{metrics_addr}/metrics"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let m = parse(&res.text().await.unwrap());
        for (pool, max) in [("readers", 3.0), ("accounts", 5.0)] {
            assert_eq!(
                m.value(
                    "beatbook_db_pool_connections",
                    &[("pool", pool), ("state", "max")]
                ),
                max,
                "{pool}"
            );
        }
        assert_eq!(
            m.value(
                "beatbook_http_requests_total",
                &[
                    ("route", "/api/v1/health"),
                    ("method", "GET"),
                    ("status", "200")
                ]
            ),
            1.0
        );
        child.kill().await.unwrap();
    })
    .await
    .unwrap();
}

/// A metrics address that cannot be bound stops the start, said plainly,
/// before the server says it is listening.
#[test]
fn a_taken_metrics_address_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    write_dist(&dir.path().join("dist"));
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = std::process::Command::new(SERVER_BIN)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--metrics-listen",
            &addr,
        ])
        .arg("--db")
        .arg(db_target(dir.path()))
        .arg("--dist")
        .arg(dir.path().join("dist"))
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(!out.status.success(), "{stdout}{stderr}");
    assert!(
        stderr.contains(&format!("could not listen on {addr}")),
        "{stderr}"
    );
    assert!(!stdout.contains("listening on"), "{stdout}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
