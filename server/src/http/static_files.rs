//! Serving the built app (trunk's `dist`) at `/`.
//!
//! App routes (paths whose last segment has no extension) get `index.html`,
//! so deep links work; a missing asset (with an extension) is a real 404,
//! never `index.html` with a 200 that would hide a broken link. Files with a
//! trunk content hash in their name never change and are cached for a year;
//! `index.html`, `sw.js` and everything else must be revalidated, so a new
//! release reaches every device.
use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{HeaderValue, CACHE_CONTROL, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::path::{Path, PathBuf};
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

use crate::http::error::ApiError;

const REVALIDATE: &str = "no-cache";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

#[derive(Clone, Debug)]
pub struct Dist {
    files: ServeDir,
    index: ServeFile,
}

impl Dist {
    pub fn new(dir: &Path) -> Self {
        let dir: PathBuf = dir.to_owned();
        Self {
            // Serves `name.br` / `name.gz` when a build step made them.
            files: ServeDir::new(&dir)
                .append_index_html_on_directories(false)
                .precompressed_br()
                .precompressed_gzip(),
            index: ServeFile::new(dir.join("index.html"))
                .precompressed_br()
                .precompressed_gzip(),
        }
    }
}

/// What a request path comes to once decoded.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    /// Under `/api`: only the API answers there (a JSON 404 here).
    Api,
    /// Never served: a dotfile, a dot-directory, `..`, or no UTF-8.
    Refused,
    /// A file with an extension (a missing one is a real 404).
    Asset(String),
    /// An app route: `index.html`.
    App,
}

/// Decodes the path first, then checks it: ServeDir decodes it again
/// itself, so a check on the raw text (`%2Egit`) checks something else
/// than what is opened.
fn classify(raw: &str) -> Target {
    let Ok(path) = percent_encoding::percent_decode_str(raw).decode_utf8() else {
        return Target::Refused;
    };
    if path == "/api" || path.starts_with("/api/") {
        return Target::Api;
    }
    // Build leftovers (trunk's `.trunk-lock`, `.stage/`), a deployed
    // `.git` or `.env`, and every `..` are not part of the app. `\` and
    // NUL never name one of its files either.
    let segments: Vec<&str> = path.split('/').collect();
    if segments
        .iter()
        .any(|s| s.starts_with('.') || s.contains('\\') || s.contains('\0'))
    {
        return Target::Refused;
    }
    // The last segment that names something: `/app.js/` asks for a file.
    match segments.iter().rev().find(|s| !s.is_empty()) {
        Some(last) if last.contains('.') => Target::Asset((*last).to_owned()),
        _ => Target::App,
    }
}

/// The fallback handler for everything outside `/api/v1`.
pub async fn serve(dist: Dist, req: Request) -> Response {
    let (asset, last) = match classify(req.uri().path()) {
        Target::Api => return ApiError::NotFound.into_response(),
        Target::Refused => return StatusCode::NOT_FOUND.into_response(),
        Target::Asset(name) => (true, name),
        Target::App => (false, String::new()),
    };
    if asset && req.uri().path().ends_with('/') {
        return StatusCode::NOT_FOUND.into_response();
    }
    let response = if asset {
        dist.files.oneshot(req).await
    } else {
        dist.index.oneshot(req).await
    };
    let mut response = match response {
        Ok(r) => r.map(Body::new),
        Err(never) => match never {},
    };
    let name = if asset { last.as_str() } else { "index.html" };
    let status = response.status();
    if status.is_success() || status.is_redirection() {
        let headers = response.headers_mut();
        let cache = if is_hashed(name) {
            IMMUTABLE
        } else {
            REVALIDATE
        };
        headers.insert(CACHE_CONTROL, HeaderValue::from_static(cache));
        if let Some(mime) = forced_mime(name) {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(mime));
        }
    }
    response
}

/// Types browsers are strict about (streaming wasm compilation, manifests).
fn forced_mime(name: &str) -> Option<&'static str> {
    let ext = name.rsplit('.').next()?;
    match ext {
        "wasm" => Some("application/wasm"),
        "webmanifest" => Some("application/manifest+json"),
        _ => None,
    }
}

/// Whether a file name carries a trunk content hash: `name-<hex>.ext` or
/// `name-<hex>_bg.wasm`. Trunk writes 16 hex digits (fewer only when the
/// hash has leading zeros); requiring 12 keeps ordinary names like
/// `icon-192.png` out, and a miss only costs a revalidation.
pub fn is_hashed(name: &str) -> bool {
    if name == "index.html" || name == "sw.js" {
        return false;
    }
    let Some(stem) = name.split('.').next() else {
        return false;
    };
    let Some((_, tail)) = stem.rsplit_once('-') else {
        return false;
    };
    let hash = tail.strip_suffix("_bg").unwrap_or(tail);
    (12..=16).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trunk_hashed_names_are_recognised() {
        for name in [
            "beatbook-5f3a2b1c9d8e7f60.js",
            "beatbook-5f3a2b1c9d8e7f60_bg.wasm",
            "main-00a3b2c1d0e9f8a7.css",
            "beatbook-f3a2b1c9d8e7f60_bg.wasm",
        ] {
            assert!(is_hashed(name), "{name}");
        }
        for name in [
            "index.html",
            "sw.js",
            "manifest.webmanifest",
            "icon-192.png",
            "icon-192x192.png",
            "beatbook.js",
            "app-deadbeef.js",
            "beatbook-5f3a2b1c9d8e7f60zz.js",
        ] {
            assert!(!is_hashed(name), "{name}");
        }
    }

    #[test]
    fn paths_are_decoded_then_checked() {
        for raw in [
            "/%2Egit/config",
            "/%2eenv",
            "/a/%2E%2E/b.js",
            "/%2e%2e%2fx",
            "/.well-known/x",
            "/%FF.js",
            "/a%5Cb.js",
            "/a%00.js",
        ] {
            assert_eq!(classify(raw), Target::Refused, "{raw}");
        }
        for raw in ["/api", "/api/v1/nope", "/%61pi/x", "/api%2Fv1"] {
            assert_eq!(classify(raw), Target::Api, "{raw}");
        }
        assert_eq!(classify("/app-1.js"), Target::Asset("app-1.js".into()));
        assert_eq!(classify("/x.js/"), Target::Asset("x.js".into()));
        assert_eq!(classify("/entries/1/edit"), Target::App);
        assert_eq!(classify("/"), Target::App);
        assert_eq!(classify("/apiary"), Target::App);
    }

    #[test]
    fn strict_types() {
        assert_eq!(forced_mime("a-1_bg.wasm"), Some("application/wasm"));
        assert_eq!(
            forced_mime("manifest.webmanifest"),
            Some("application/manifest+json")
        );
        assert_eq!(forced_mime("index.html"), None);
    }
}
