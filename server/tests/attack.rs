//! The server as a hostile client finds it (issue #9): each test is named
//! for what it proves. Inputs that used to kill a request, files that
//! leaked through percent-encoding, writes into other officers' records,
//! history rules the server did not run, reads that bypassed the access
//! log, sign-in limits that did not limit, and connections that were never
//! closed.
// Tests may panic on the unexpected: clippy.toml allows unwrap/expect in
// #[test] functions, and these helpers are test code too.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;

use common::*;
use proptest::prelude::*;
use serde_json::Value;
use tokio::time::timeout;

/// Every route that takes a date, as a supervisor calls it (the exports
/// need a reason).
const DATED_ROUTES: [&str; 4] = [
    "/api/v1/shifts?",
    "/api/v1/return?",
    "/api/v1/export/return.csv?reason=audit&",
    "/api/v1/export/entries.csv?reason=audit&",
];

/// Dates chrono reads but no patrol log has: near chrono's limits, before
/// 2000, after 2100.
const EXTREME_DATES: [&str; 8] = [
    "+262142-12-31",
    "+262143-12-31",
    "-262143-01-01",
    "+262143-01-01",
    "0000-01-01",
    "1999-12-31",
    "2101-01-01",
    "9999-12-31",
];

async fn get_status(base: &str, token: &str, path: &str) -> (u16, String) {
    let res = client()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{path}: no answer ({e})"));
    let status = res.status().as_u16();
    (status, res.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extreme_dates_are_a_400_naming_the_field_on_every_dated_route() {
    timeout(TEST_TIMEOUT, async {
        let server = TestServer::start().await;
        for route in DATED_ROUTES {
            for date in EXTREME_DATES {
                for field in ["from", "to"] {
                    // The other end a sane date, so only this field is wrong.
                    let other = if field == "from" {
                        "to=2026-01-31"
                    } else {
                        "from=2026-01-01"
                    };
                    let path = format!("{route}{field}={}&{other}", urlencode(date));
                    let (status, body) = get_status(&server.base, &server.sup, &path).await;
                    assert_eq!(status, 400, "{path}: {body}");
                    let body: Value = serde_json::from_str(&body).unwrap();
                    assert_eq!(body["error"], "bad_query", "{path}");
                    let message = body["message"].as_str().unwrap();
                    assert!(message.contains(field), "{path}: {message}");
                    assert!(message.contains("2000"), "{path}: {message}");
                }
            }
        }
        // The edges of the window are fine.
        for route in DATED_ROUTES {
            let path = format!("{route}from=2000-01-01&to=2004-12-31");
            let (status, body) = get_status(&server.base, &server.sup, &path).await;
            assert_eq!(status, 200, "{path}: {body}");
            let path = format!("{route}from=2096-01-01&to=2100-12-31");
            let (status, body) = get_status(&server.base, &server.sup, &path).await;
            assert_eq!(status, 200, "{path}: {body}");
        }
        // The server is still there.
        let (status, _) = get_status(&server.base, &server.sup, "/api/v1/health").await;
        assert_eq!(status, 200);
        server.stop().await;
    })
    .await
    .unwrap();
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A query value: a date near some limit, a number at an edge, or noise.
fn query_value() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => (-300_000i64..300_000, 0u32..15, 0u32..35)
            .prop_map(|(y, m, d)| format!("{y:+}-{m:02}-{d:02}")),
        1 => (1990i32..2110, 1u32..13, 1u32..32).prop_map(|(y, m, d)| format!("{y}-{m:02}-{d:02}")),
        // The last and first days chrono has.
        6 => prop::sample::select(EXTREME_DATES.to_vec()).prop_map(str::to_owned),
        2 => (prop::sample::select(vec!["+262142", "+262143"]), 1u32..32)
            .prop_map(|(y, d)| format!("{y}-12-{d:02}")),
        2 => (prop::sample::select(vec!["-262143", "-262144"]), 1u32..32)
            .prop_map(|(y, d)| format!("{y}-01-{d:02}")),
        1 => any::<i64>().prop_map(|n| n.to_string()),
        1 => any::<u64>().prop_map(|n| n.to_string()),
        1 => Just("0".to_owned()),
        1 => Just("4294967296".to_owned()),
        1 => ".{0,20}",
        1 => "[0-9T:+~.Z-]{0,40}",
        1 => Just("9999-12-31T23:59:59.999999Z~00000000-0000-0000-0000-000000000000".to_owned()),
        1 => Just("-262143-01-01T00:00:00Z~a".to_owned()),
    ]
}

const QUERY_KEYS: [&str; 14] = [
    "from",
    "to",
    "officer_id",
    "team",
    "area",
    "kind",
    "review",
    "sort",
    "page_size",
    "cursor",
    "limit",
    "after",
    "reason",
    "x",
];

const QUERY_ROUTES: [&str; 7] = [
    "/api/v1/shifts",
    "/api/v1/return",
    "/api/v1/export/return.csv",
    "/api/v1/export/entries.csv",
    "/api/v1/revisions",
    "/api/v1/stats",
    "/api/v1/shifts/",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Random and extreme query strings on every route that reads one:
    /// never a 5xx, never a dropped connection.
    #[test]
    fn no_query_string_reaches_a_5xx(
        from in prop::option::of(query_value()),
        to in prop::option::of(query_value()),
        same in any::<bool>(),
        pairs in prop::collection::vec((0..QUERY_KEYS.len(), query_value()), 0..4),
        raw_tail in prop::option::of("[%&=a-z0-9+~.:-]{0,30}"),
    ) {
        let (base, token) = fuzz_server();
        // A period of one day is the likeliest to pass the other checks.
        let to = if same { from.clone() } else { to };
        for route in QUERY_ROUTES {
            fuzz_one(&base, &token, route, &from, &to, &pairs, &raw_tail)?;
        }
    }
}

fn fuzz_one(
    base: &str,
    token: &str,
    route: &str,
    from: &Option<String>,
    to: &Option<String>,
    pairs: &[(usize, String)],
    raw_tail: &Option<String>,
) -> Result<(), TestCaseError> {
    let mut path = route.to_owned();
    if path.ends_with('/') {
        path.push_str(&urlencode(
            &pairs.first().map(|p| p.1.clone()).unwrap_or_default(),
        ));
    }
    // Dates first: they are what used to kill a request.
    let dates = [("from", from), ("to", to)];
    let mut query: Vec<String> = dates
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={}", urlencode(v))))
        .chain(
            pairs
                .iter()
                .map(|(k, v)| format!("{}={}", QUERY_KEYS[*k], urlencode(v))),
        )
        .collect();
    if let Some(raw) = raw_tail {
        query.push(raw.clone());
    }
    if !query.is_empty() {
        path = format!("{path}?{}", query.join("&"));
    }
    let (status, body) = fuzz_runtime().block_on(async {
        let res = client()
            .get(format!("{base}{path}"))
            .bearer_auth(token)
            .send()
            .await;
        match res {
            Ok(res) => {
                let status = res.status().as_u16();
                (status, res.text().await.unwrap_or_default())
            }
            Err(e) => (0, e.to_string()),
        }
    });
    prop_assert!(
        (200..500).contains(&status),
        "{} gave {}: {}",
        path,
        status,
        body
    );
    Ok(())
}

/// One runtime and one server for every case of the property test.
fn fuzz_runtime() -> &'static tokio::runtime::Runtime {
    static RT: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    })
}

fn fuzz_server() -> (String, String) {
    static SERVER: std::sync::OnceLock<(String, String)> = std::sync::OnceLock::new();
    SERVER
        .get_or_init(|| {
            fuzz_runtime().block_on(async {
                let server = TestServer::start().await;
                let token = server.officer("pc-fuzz").await;
                push_ok(
                    &server.base,
                    &token,
                    &as_values(&revisions(5, "pc-fuzz", 12)),
                )
                .await;
                let out = (server.base.clone(), server.sup.clone());
                // Kept running for the life of the test binary.
                std::mem::forget(server);
                out
            })
        })
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn percent_encoded_dotfiles_and_climbs_are_never_served() {
    timeout(TEST_TIMEOUT, async {
        let server = TestServer::start().await;
        for path in [
            "/%2Egit/hooks/pre-commit.sample",
            "/%2egit/hooks/pre-commit.sample",
            "/%2Eenv.local",
            "/%2Estage/index.html",
            "/%2estage/app.js",
            "/x/%2E%2E/%2Eenv.local",
            "/%2e%2e/beatbook.db",
            "/%2e%2e/%2e%2e/etc/passwd",
            "/a/%2e%2e/%2e%2e/beatbook.db",
            "/%2e%2e%2fbeatbook.db",
            "/..%2fbeatbook.db",
            "/%2e",
            "/%FF%FE.js",
            "/missing.js/",
            "/beatbook-0123456789abcdef.js/",
            "/img/logo.png",
        ] {
            let (status, text) = raw_get(server.addr, path).await;
            assert_eq!(status, 404, "{path}");
            assert!(!text.contains("secret"), "{path}: {text}");
            assert!(!text.contains("SECRET"), "{path}: {text}");
            assert!(!text.contains("<title>Beatbook"), "{path}: {text}");
        }
        // Unknown API paths, however spelt, are the API's JSON 404, never
        // the app page.
        for path in [
            "/api/v1/nope",
            "/api/nope",
            "/api",
            "/%61pi/v1/nope",
            "/api%2Fv1%2Fnope",
            "/api/v2/shifts",
        ] {
            let (status, text) = raw_get(server.addr, path).await;
            assert_eq!(status, 404, "{path}");
            let body: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(body["error"], "not_found", "{path}");
        }
        // Deep links still get the app.
        for path in ["/", "/timeline", "/entries/1234/edit", "/%74imeline"] {
            let (status, text) = raw_get(server.addr, path).await;
            assert_eq!(status, 200, "{path}");
            assert!(text.contains("<title>Beatbook"), "{path}");
        }
        server.stop().await;
    })
    .await
    .unwrap();
}

/// GET exactly this path over a plain TCP connection (HTTP clients
/// resolve `%2e%2e` themselves before sending); the status and the body.
async fn raw_get(addr: std::net::SocketAddr, path: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}
