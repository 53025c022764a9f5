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

async fn get_as(url: &str, token: &str) -> reqwest::Response {
    client().get(url).bearer_auth(token).send().await.unwrap()
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
        // Dotfiles and dot-directories (build leftovers) are never served.
        for path in [
            "/missing.js",
            "/beatbook-ffffffffffffffff_bg.wasm",
            "/img/logo.png",
            "/.trunk-lock",
            "/.stage/app.js",
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
        assert_eq!(res.status(), 401);
        assert_eq!(header(&res, "cache-control"), "no-store");
        let res = get_as(&format!("{b}/api/v1/stats"), &server.sup).await;
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
            let res = get_as(&format!("{b}{path}"), &server.sup).await;
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

const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
img-src 'self' data:; connect-src 'self'; manifest-src 'self'; worker-src 'self'; \
object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_the_security_headers_and_no_cors() {
    timeout(TEST_TIMEOUT, async {
        let server = TestServer::start().await;
        let b = &server.base;
        let c = client();
        let requests =
            vec![
            ("app page", c.get(format!("{b}/"))),
            ("deep link", c.get(format!("{b}/timeline"))),
            ("static asset", c.get(format!("{b}/beatbook-0123456789abcdef.js"))),
            ("service worker", c.get(format!("{b}/sw.js"))),
            ("missing asset", c.get(format!("{b}/missing.png"))),
            ("health", c.get(format!("{b}/api/v1/health"))),
            ("api 401", c.get(format!("{b}/api/v1/me"))),
            ("api 200", c.get(format!("{b}/api/v1/me")).bearer_auth(&server.sup)),
            ("api 404", c.get(format!("{b}/api/v1/nothing"))),
            ("api v2", c.get(format!("{b}/api/v2/health"))),
            ("sign-in 401", c.post(format!("{b}/api/v1/auth/sign-in")).json(
                &serde_json::json!({"officer_id": "nobody", "password": "x", "device_id": "d"}),
            )),
            ("preflight", c.request(reqwest::Method::OPTIONS, format!("{b}/api/v1/sync/push"))
                .header("origin", "https://evil.example")
                .header("access-control-request-method", "POST")),
            ("cross-origin get", c.get(format!("{b}/api/v1/me"))
                .bearer_auth(&server.sup)
                .header("origin", "https://evil.example")),
        ];
        for (name, req) in requests {
            let res = req.send().await.unwrap();
            assert_eq!(header(&res, "content-security-policy"), CSP, "{name}");
            assert_eq!(header(&res, "x-content-type-options"), "nosniff", "{name}");
            assert_eq!(header(&res, "referrer-policy"), "no-referrer", "{name}");
            let url = res.url().path().to_owned();
            if url.starts_with("/api/") {
                assert_eq!(header(&res, "cache-control"), "no-store", "{name}");
            }
            for (key, _) in res.headers() {
                assert!(
                    !key.as_str().starts_with("access-control-"),
                    "{name}: CORS header {key}"
                );
            }
        }
        // The service worker and the page are never cached for long.
        let res = get(&format!("{b}/sw.js"), None).await;
        assert_eq!(header(&res, "cache-control"), "no-cache");
        let res = get(&format!("{b}/"), None).await;
        assert_eq!(header(&res, "cache-control"), "no-cache");
        server.stop().await;
    })
    .await
    .unwrap();
}

/// The built app (when there is one) loads no inline script, so the CSP
/// needs no 'unsafe-inline'.
#[test]
fn the_built_index_has_no_inline_script_or_style() {
    let index = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../dist/index.html");
    let Ok(html) = std::fs::read_to_string(&index) else {
        eprintln!("no {} (app not built): skipped", index.display());
        return;
    };
    let lower = html.to_ascii_lowercase();
    let mut rest = lower.as_str();
    while let Some(at) = rest.find("<script") {
        let tag_end = rest[at..].find('>').map(|e| at + e).unwrap();
        let tag = &rest[at..tag_end];
        assert!(tag.contains(" src="), "inline script: {tag}");
        assert!(
            rest[tag_end + 1..].starts_with("</script>"),
            "script with a body: {tag}"
        );
        rest = &rest[tag_end..];
    }
    assert!(!lower.contains("<style"), "inline style element");
    assert!(!lower.contains(" style="), "inline style attribute");
    assert!(
        !lower.contains(" onload=") && !lower.contains(" onclick="),
        "inline handler"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hashed_asset_is_sent_as_its_precompressed_twin_when_one_was_built() {
    timeout(TEST_TIMEOUT, async {
        let server = TestServer::start().await;
        let b = &server.base;
        // scripts/precompress.sh writes NAME.gz (zopfli) and NAME.br beside a hashed
        // asset; the twins' bytes here are markers, to tell which file was sent.
        let dist = server.dir.path().join("dist");
        let name = "main-fedcba9876543210.css";
        std::fs::write(dist.join(name), "body{color:red}").unwrap();
        std::fs::write(dist.join(format!("{name}.gz")), "TWIN-GZ").unwrap();
        std::fs::write(dist.join(format!("{name}.br")), "TWIN-BR").unwrap();
        for (asked, encoding, body) in [
            (Some("gzip"), "gzip", "TWIN-GZ"),
            (Some("br"), "br", "TWIN-BR"),
            (Some("gzip, deflate, br"), "br", "TWIN-BR"),
            (None, "", "body{color:red}"),
        ] {
            let res = get(&format!("{b}/{name}"), asked).await;
            assert_eq!(res.status(), 200, "{asked:?}");
            assert_eq!(header(&res, "content-encoding"), encoding, "{asked:?}");
            assert!(
                header(&res, "content-type").starts_with("text/css"),
                "{asked:?}"
            );
            assert_eq!(
                header(&res, "cache-control"),
                "public, max-age=31536000, immutable",
                "{asked:?}"
            );
            // Sent as built: never compressed a second time on the way out.
            assert_eq!(res.text().await.unwrap(), body, "{asked:?}");
        }
        server.stop().await;
    })
    .await
    .unwrap();
}
