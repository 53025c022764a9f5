//! Shared test support: the real app on 127.0.0.1:0 over a temporary SQLite
//! file, and helpers to push and to ask the server what it holds.
#![allow(dead_code)] // each test binary uses its own subset
#![allow(clippy::unwrap_used, clippy::expect_used)]

use beatbook_core::sync::{PushResponse, PROTOCOL_VERSION};
use beatbook_core::Revision;
use beatbook_server::api::RevisionsPage;
use beatbook_server::app::App;
use beatbook_server::sample::Device;
use chrono::Utc;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tempfile::TempDir;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Upper bound for any single test's work.
pub const TEST_TIMEOUT: Duration = Duration::from_secs(120);

pub struct TestServer {
    pub addr: SocketAddr,
    pub base: String,
    pub dir: TempDir,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<()>>,
}

impl TestServer {
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        write_dist(&dir.path().join("dist"));
        Self::start_in(dir).await
    }

    /// Starts on the database and dist inside `dir` (reused across restarts).
    pub async fn start_in(dir: TempDir) -> Self {
        let db = db_path(dir.path());
        let app = App::open(db.to_str().unwrap(), &dir.path().join("dist"))
            .await
            .unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = oneshot::channel::<()>();
        let handle = tokio::spawn(async move {
            app.serve(listener, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        Self {
            addr,
            base: format!("http://{addr}"),
            dir,
            shutdown: Some(tx),
            handle: Some(handle),
        }
    }

    /// Graceful stop; gives back the directory (database and dist).
    pub async fn stop(mut self) -> TempDir {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(handle) = self.handle.take() {
            tokio::time::timeout(Duration::from_secs(30), handle)
                .await
                .expect("server did not stop in time")
                .unwrap();
        }
        let dir = tempfile::tempdir().unwrap();
        std::mem::replace(&mut self.dir, dir)
    }
}

pub fn db_path(dir: &Path) -> PathBuf {
    dir.join("beatbook.db")
}

/// A small fake build of the app, with trunk-style hashed names.
pub fn write_dist(dist: &Path) {
    std::fs::create_dir_all(dist).unwrap();
    let page = format!(
        "<!doctype html><title>Beatbook</title>{}",
        "<p>app</p>".repeat(200)
    );
    std::fs::write(dist.join("index.html"), page).unwrap();
    std::fs::write(
        dist.join("sw.js"),
        "self.addEventListener('fetch', () => {});",
    )
    .unwrap();
    std::fs::write(
        dist.join("beatbook-0123456789abcdef.js"),
        "export function start() { return 1; }\n".repeat(100),
    )
    .unwrap();
    std::fs::write(
        dist.join("beatbook-0123456789abcdef_bg.wasm"),
        vec![0u8; 4096],
    )
    .unwrap();
    std::fs::write(
        dist.join("manifest.webmanifest"),
        r#"{"name":"Beatbook","start_url":"/","display":"standalone"}"#,
    )
    .unwrap();
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .no_proxy()
        .build()
        .unwrap()
}

/// `n` valid revisions of one device.
pub fn revisions(seed: u64, officer: &str, n: usize) -> Vec<Revision> {
    Device::new(seed, officer, Utc::now()).revisions(n)
}

pub fn push_body(changes: &[Value]) -> Value {
    json!({ "protocol": PROTOCOL_VERSION, "device_id": "test-device", "changes": changes })
}

pub fn as_values(revs: &[Revision]) -> Vec<Value> {
    revs.iter()
        .map(|r| serde_json::to_value(r).unwrap())
        .collect()
}

/// Pushes and expects 200 with one result per change.
pub async fn push_ok(base: &str, changes: &[Value]) -> PushResponse {
    let res = client()
        .post(format!("{base}/api/v1/sync/push"))
        .json(&push_body(changes))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: PushResponse = res.json().await.unwrap();
    assert_eq!(body.results.len(), changes.len());
    for (i, r) in body.results.iter().enumerate() {
        assert_eq!(r.index, i);
    }
    body
}

/// Every outcome tag of a push response, in order.
pub fn outcomes(res: &PushResponse) -> Vec<String> {
    res.results
        .iter()
        .map(|r| {
            serde_json::to_value(&r.outcome).unwrap()["outcome"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

/// Every revision ID the server holds, asking the API page by page. Panics
/// if any ID comes back twice (a duplicate row).
pub async fn server_ids(base: &str) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let mut after = 0i64;
    let c = client();
    loop {
        let page: RevisionsPage = c
            .get(format!("{base}/api/v1/revisions?limit=1000&after={after}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for item in &page.revisions {
            assert!(ids.insert(item.id.clone()), "duplicate row for {}", item.id);
        }
        match page.next_after {
            Some(next) => after = next,
            None => break,
        }
    }
    let stats: Value = c
        .get(format!("{base}/api/v1/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["revisions"].as_u64().unwrap() as usize, ids.len());
    ids
}

pub fn ids_of(revs: &[Revision]) -> BTreeSet<String> {
    revs.iter().map(|r| r.id.to_string()).collect()
}

pub async fn stats(base: &str) -> Value {
    client()
        .get(format!("{base}/api/v1/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}
