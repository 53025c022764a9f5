//! Serving the app and the shape of API answers: routes, 404s, cache
//! headers, content types, compression.
// Tests may panic on the unexpected: clippy.toml allows unwrap/expect in
// #[test] functions, and these helpers are test code too.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;

use common::*;
use serde_json::Value;
use tokio::time::timeout;

async fn get(url: &str, accept_encoding: Option<&str>) -> reqwest::Response {
    let mut req = client().get(url);
    if let Some(enc) = accept_encoding {
        req = req.header("accept-encoding", enc);
    }
    req.send().await.unwrap()
}

fn header(res: &reqwest::Response, name: &str) -> String {
    res.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_is_served_with_the_right_headers() {
    timeout(TEST_TIMEOUT, async {
        let server = TestServer::start().await;
        let b = &server.base;

        for path in ["/", "/timeline", "/entries/1234/edit", "/supervisor/review"] {
            let res = get(&format!("{b}{path}"), None).await;
            assert_eq!(res.status(), 200, "{path}");
            assert!(
                header(&res, "content-type").starts_with("text/html"),
                "{path}"
            );
            assert_eq!(header(&res, "cache-control"), "no-cache", "{path}");
            assert!(
                res.text().await.unwrap().contains("<title>Beatbook"),
                "{path}"
            );
        }

        let res = get(&format!("{b}/sw.js"), None).await;
        assert_eq!(res.status(), 200);
        assert_eq!(header(&res, "cache-control"), "no-cache");

        let res = get(&format!("{b}/beatbook-0123456789abcdef.js"), None).await;
        assert_eq!(res.status(), 200);
        assert!(header(&res, "content-type").contains("javascript"));
        assert_eq!(
            header(&res, "cache-control"),
            "public, max-age=31536000, immutable"
        );

        let res = get(&format!("{b}/beatbook-0123456789abcdef_bg.wasm"), None).await;
        assert_eq!(res.status(), 200);
        assert_eq!(header(&res, "content-type"), "application/wasm");
        assert_eq!(
            header(&res, "cache-control"),
            "public, max-age=31536000, immutable"
        );

        let res = get(&format!("{b}/manifest.webmanifest"), None).await;
        assert_eq!(header(&res, "content-type"), "application/manifest+json");
        assert_eq!(header(&res, "cache-control"), "no-cache");

        // A missing asset is a real 404, not the app page.
        for path in [
            "/missing.js",
            "/beatbook-ffffffffffffffff_bg.wasm",
            "/img/logo.png",
        ] {
            let res = get(&format!("{b}{path}"), None).await;
            assert_eq!(res.status(), 404, "{path}");
            assert!(!res.text().await.unwrap().contains("Beatbook"), "{path}");
        }

        // Compressed for browsers that ask (the first-load budget counts gzip).
        for enc in ["gzip", "br"] {
            let res = get(&format!("{b}/beatbook-0123456789abcdef.js"), Some(enc)).await;
            assert_eq!(header(&res, "content-encoding"), enc);
            let res = get(&format!("{b}/"), Some(enc)).await;
            assert_eq!(header(&res, "content-encoding"), enc);
            assert_eq!(header(&res, "cache-control"), "no-cache");
        }
        let res = get(
            &format!("{b}/beatbook-0123456789abcdef_bg.wasm"),
            Some("gzip"),
        )
        .await;
        assert_eq!(header(&res, "content-encoding"), "gzip");
        assert_eq!(header(&res, "content-type"), "application/wasm");
        server.stop().await;
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_answers_are_json_and_never_cached() {
    timeout(TEST_TIMEOUT, async {
        let server = TestServer::start().await;
        let b = &server.base;

        let res = get(&format!("{b}/api/v1/health"), None).await;
        assert_eq!(res.status(), 200);
        assert_eq!(header(&res, "cache-control"), "no-store");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["status"], "ok");
        assert_eq!(body["db"], "reachable");
        assert_eq!(body["writer"], "running");

        let res = get(&format!("{b}/api/v1/stats"), None).await;
        assert_eq!(header(&res, "cache-control"), "no-store");
        let body: Value = res.json().await.unwrap();
        assert_eq!(
            body,
            serde_json::json!({"revisions": 0, "entries": 0, "conflicts": 0})
        );

        let cases = [
            ("/api/v1/nothing-here", 404, "not_found"),
            ("/api/v2/health", 404, "not_found"),
            ("/api/v1/sync/push", 405, "method_not_allowed"),
            ("/api/v1/revisions?limit=lots", 400, "bad_query"),
            ("/api/v1/revisions?limit=0", 400, "bad_query"),
            ("/api/v1/revisions?limit=100000", 400, "bad_query"),
            ("/api/v1/revisions?after=x", 400, "bad_query"),
        ];
        for (path, status, error) in cases {
            let res = get(&format!("{b}{path}"), None).await;
            assert_eq!(res.status().as_u16(), status, "{path}");
            if path.starts_with("/api/v1/") {
                assert_eq!(header(&res, "cache-control"), "no-store", "{path}");
            }
            let body: Value = res.json().await.unwrap();
            assert_eq!(body["error"], error, "{path}");
        }
        server.stop().await;
    })
    .await
    .unwrap();
}
