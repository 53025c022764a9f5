//! Shared test support: the real app on 127.0.0.1:0 over a temporary SQLite
//! file, accounts and sessions made through the database layer (as the
//! admin command line does: no unauthenticated path in the server), and
//! helpers to push and to ask the server what it holds.
#![allow(dead_code)] // each test binary uses its own subset
#![allow(clippy::unwrap_used, clippy::expect_used)]

use beatbook_core::auth::Role;
use beatbook_core::sync::{PushResponse, PROTOCOL_VERSION};
use beatbook_core::Revision;
use beatbook_server::accounts::password;
use beatbook_server::accounts::AuthConfig;
use beatbook_server::db::accounts::{NewEvent, NewSession, NewUser};
use beatbook_server::db::Accounts;
pub use beatbook_server::http::conn::ConnLimits;
use beatbook_server::http::revisions::RevisionsPage;
use beatbook_server::http::server::App;
pub use beatbook_server::zone::ForceZone;
use beatbook_tools::sample::Device;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;
use tempfile::TempDir;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Upper bound for any single test's work.
pub const TEST_TIMEOUT: Duration = Duration::from_secs(120);
/// The team test officers belong to, and its supervisor.
pub const TEST_TEAM: &str = "test";
pub const SUPERVISOR: &str = "sup-test";
/// The device every test session is bound to (and `push_body` names).
pub const DEVICE: &str = "test-device";
/// The password of every account the helpers make.
pub const TEST_PASSWORD: &str = "correct horse battery staple";

/// One Argon2id hash of [`TEST_PASSWORD`], shared by the helpers' accounts
/// (tests only: real accounts each get their own salt).
pub fn test_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| password::hash_password(TEST_PASSWORD).unwrap())
}

pub struct TestServer {
    pub addr: SocketAddr,
    pub base: String,
    pub dir: TempDir,
    pub accounts: Accounts,
    /// A session of the supervisor of [`TEST_TEAM`]: reads every test officer's data.
    pub sup: String,
    /// `http://IP:PORT` of the metrics listener, when started with one.
    pub metrics: Option<String>,
    shutdown: Option<oneshot::Sender<()>>,
    /// The data directory whose database this server made (not one it
    /// serves beside another): dropped with it on PostgreSQL.
    owns_db: Option<PathBuf>,
    handle: Option<JoinHandle<()>>,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(AuthConfig::default()).await
    }

    pub async fn start_with(config: AuthConfig) -> Self {
        let dir = tempfile::tempdir().unwrap();
        write_dist(&dir.path().join("dist"));
        Self::start_in_with(dir, config).await
    }

    /// Starts on the database and dist inside `dir` (reused across restarts).
    pub async fn start_in(dir: TempDir) -> Self {
        Self::start_in_with(dir, AuthConfig::default()).await
    }

    pub async fn start_in_with(dir: TempDir, config: AuthConfig) -> Self {
        Self::start_in_configured(dir, config, ConnLimits::default()).await
    }

    /// With these connection limits (short timeouts, small caps).
    pub async fn start_with_limits(limits: ConnLimits) -> Self {
        let dir = tempfile::tempdir().unwrap();
        write_dist(&dir.path().join("dist"));
        Self::start_in_configured(dir, AuthConfig::default(), limits).await
    }

    pub async fn start_in_configured(dir: TempDir, config: AuthConfig, limits: ConnLimits) -> Self {
        Self::start_in_everything(dir, config, limits, ForceZone::default()).await
    }

    /// In this time zone (the force setting `--time-zone`).
    pub async fn start_in_zone(zone: ForceZone) -> Self {
        let dir = tempfile::tempdir().unwrap();
        write_dist(&dir.path().join("dist"));
        Self::start_in_everything(dir, AuthConfig::default(), ConnLimits::default(), zone).await
    }

    pub async fn start_in_everything(
        dir: TempDir,
        config: AuthConfig,
        limits: ConnLimits,
        zone: ForceZone,
    ) -> Self {
        let data = dir.path().to_owned();
        Self::start_on(&data, dir, config, limits, zone, false).await
    }

    /// With a metrics listener on another port (`serve --metrics-listen`).
    pub async fn start_with_metrics() -> Self {
        let dir = tempfile::tempdir().unwrap();
        write_dist(&dir.path().join("dist"));
        let data = dir.path().to_owned();
        let (config, limits, zone) = Default::default();
        Self::start_on(&data, dir, config, limits, zone, true).await
    }

    /// A second instance on `first`'s database and dist, as another
    /// `serve` process on the same file would be (its own `dir` is empty).
    pub async fn start_beside(first: &TestServer) -> Self {
        let dir = tempfile::tempdir().unwrap();
        Self::start_on(
            first.dir.path(),
            dir,
            AuthConfig::default(),
            ConnLimits::default(),
            ForceZone::default(),
            false,
        )
        .await
    }

    /// Serves the database and dist in `data`; keeps `dir` until stopped.
    async fn start_on(
        data: &Path,
        dir: TempDir,
        config: AuthConfig,
        limits: ConnLimits,
        zone: ForceZone,
        with_metrics: bool,
    ) -> Self {
        let dir_path = dir.path().to_owned();
        let db = db_target(data);
        let app = App::open_in_zone(&db, &data.join("dist"), config, limits, zone)
            .await
            .unwrap();
        let accounts = app.accounts().clone();
        let (app, metrics) = if with_metrics {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = format!("http://{}", listener.local_addr().unwrap());
            (app.with_metrics_listener(listener), Some(url))
        } else {
            (app, None)
        };
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
        let mut server = Self {
            addr,
            base: format!("http://{addr}"),
            dir,
            accounts,
            sup: String::new(),
            metrics,
            shutdown: Some(tx),
            handle: Some(handle),
            owns_db: (data == dir_path).then(|| data.to_owned()),
        };
        server
            .accounts
            .ensure_team(TEST_TEAM, Utc::now())
            .await
            .unwrap();
        let sup = server
            .add_user(SUPERVISOR, Role::Supervisor, &[TEST_TEAM])
            .await;
        server.sup = server.session(sup, "sup-desk").await;
        server
    }

    /// Creates an account (password [`TEST_PASSWORD`]) unless the officer ID
    /// has one; returns its user ID. Teams are created as needed.
    pub async fn add_user(&self, officer_id: &str, role: Role, teams: &[&str]) -> i64 {
        if let Some(id) = self.accounts.find_user_id(officer_id).await.unwrap() {
            return id;
        }
        let teams: Vec<String> = teams.iter().map(|t| t.to_string()).collect();
        for t in &teams {
            self.accounts.ensure_team(t, Utc::now()).await.unwrap();
        }
        let event = event("user_created", officer_id);
        self.accounts
            .create_user(
                &NewUser {
                    officer_id,
                    display_name: &format!("Test {officer_id}"),
                    role,
                    teams: &teams,
                    password_hash: test_hash(),
                },
                &event,
            )
            .await
            .unwrap()
    }

    /// A new session of `user_id` on `device`, starting now (12 h).
    pub async fn session(&self, user_id: i64, device: &str) -> String {
        self.session_at(user_id, device, Utc::now(), chrono::Duration::hours(12))
            .await
    }

    /// A session made at `created` lasting `lifetime` (in the past: expired).
    pub async fn session_at(
        &self,
        user_id: i64,
        device: &str,
        created: DateTime<Utc>,
        lifetime: chrono::Duration,
    ) -> String {
        let (token, hash) = password::new_token().unwrap();
        self.accounts
            .create_session(
                &NewSession {
                    user_id,
                    device_id: device,
                    token_hash: &hash,
                    created_at: created,
                    expires_at: created + lifetime,
                },
                &event("sign_in", "test"),
            )
            .await
            .unwrap();
        token
    }

    /// An officer of [`TEST_TEAM`] signed in on [`DEVICE`]: their token.
    pub async fn officer(&self, officer_id: &str) -> String {
        let id = self.add_user(officer_id, Role::Officer, &[TEST_TEAM]).await;
        self.session(id, DEVICE).await
    }

    /// Graceful stop; gives back the directory (database and dist).
    /// GETs `path` as the holder of `token`; the answer must be a 200.
    /// Its body as text.
    pub async fn text_as(&self, token: &str, path: &str) -> String {
        let res = client()
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200, "{path}");
        res.text().await.unwrap()
    }

    /// [`Self::text_as`] as the supervisor of [`TEST_TEAM`].
    pub async fn sup_text(&self, path: &str) -> String {
        self.text_as(&self.sup, path).await
    }

    /// The programme return over the local days `from` to `to`, as the
    /// supervisor of [`TEST_TEAM`].
    pub async fn sup_return(&self, from: &str, to: &str) -> Value {
        let text = self
            .sup_text(&format!("/api/v1/return?from={from}&to={to}"))
            .await;
        serde_json::from_str(&text).unwrap()
    }

    /// A GET (or, with `method` "POST", a POST of `body`) as the holder of
    /// `token`: the status, and the answer as JSON (or, when it is not
    /// JSON, its text as a JSON string).
    pub async fn call(
        &self,
        token: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let url = format!("{}{path}", self.base);
        let req = match method {
            "POST" => client().post(url).json(&body.unwrap_or(Value::Null)),
            _ => client().get(url),
        };
        let res = req.bearer_auth(token).send().await.unwrap();
        let code = res.status().as_u16();
        let text = res.text().await.unwrap();
        (
            code,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

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

/// The SQLite file of a test's data directory (what `--db` names unless
/// the tests run on PostgreSQL: [`db_target`]).
impl Drop for TestServer {
    fn drop(&mut self) {
        // Not after `stop`, which hands the directory (and its data) on.
        if let Some(data) = self.owns_db.take() {
            if data == self.dir.path() {
                drop_postgres(&data);
            }
        }
    }
}

pub fn db_path(dir: &Path) -> PathBuf {
    dir.join("beatbook.db")
}

/// The PostgreSQL server the tests run on, from `BEATBOOK_TEST_POSTGRES`
/// (`postgres://user@127.0.0.1:PORT`, no database), or `None` for SQLite.
pub fn postgres_server() -> Option<String> {
    std::env::var("BEATBOOK_TEST_POSTGRES")
        .ok()
        .filter(|url| !url.is_empty())
        .map(|url| url.trim_end_matches('/').to_owned())
}

/// What `--db` names for the data directory `dir`: its SQLite file, or on
/// PostgreSQL a database of its own, made on first use and named after
/// `dir` (so a restart, a second instance or the command line on the same
/// directory reach the same data). [`TestServer`] drops it when done.
pub fn db_target(dir: &Path) -> String {
    let Some(server) = postgres_server() else {
        return db_path(dir).to_str().unwrap().to_owned();
    };
    let name = postgres_name(dir);
    static MADE: std::sync::Mutex<BTreeSet<String>> = std::sync::Mutex::new(BTreeSet::new());
    let mut made = MADE.lock().unwrap();
    if made.insert(name.clone()) {
        let out = std::process::Command::new("psql")
            .arg(format!("{server}/postgres"))
            .args(["-v", "ON_ERROR_STOP=1", "-qc"])
            .arg(format!("CREATE DATABASE {name}"))
            .output()
            .expect("psql");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() || err.contains("already exists"),
            "{err}"
        );
    }
    format!("{server}/{name}")
}

/// The test database's name for `dir`: `bb_` and a hash of its path.
fn postgres_name(dir: &Path) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    dir.hash(&mut h);
    format!("bb_{:016x}", h.finish())
}

/// Drops the PostgreSQL database of `dir`, if the tests run there.
pub fn drop_postgres(dir: &Path) {
    let Some(server) = postgres_server() else {
        return;
    };
    let _ = std::process::Command::new("psql")
        .arg(format!("{server}/postgres"))
        .args(["-qc"])
        .arg(format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            postgres_name(dir)
        ))
        .output();
}

/// The first column of a query's rows on the test database of `dir`, as
/// integers (read behind the server's back, as [`run_sql`] writes).
pub async fn query_i64s(dir: &Path, query: &str) -> Vec<i64> {
    let target = db_target(dir);
    let query = sqlx::AssertSqlSafe(query.to_owned());
    if postgres_server().is_some() {
        let pool = sqlx::PgPool::connect(&target).await.unwrap();
        let v = sqlx::query_scalar(query).fetch_all(&pool).await.unwrap();
        pool.close().await;
        v
    } else {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite:{target}"))
            .await
            .unwrap();
        let v = sqlx::query_scalar(query).fetch_all(&pool).await.unwrap();
        pool.close().await;
        v
    }
}

/// Runs one SQL statement on the test database of `dir` behind the
/// server's back (a person at the database's own console).
pub async fn run_sql(dir: &Path, statement: &str) {
    let target = db_target(dir);
    if postgres_server().is_some() {
        let pool = sqlx::PgPool::connect(&target).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(statement.to_owned()))
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    } else {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite:{target}"))
            .await
            .unwrap();
        sqlx::query(sqlx::AssertSqlSafe(statement.to_owned()))
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }
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
    // Build tools leave dotfiles in dist (trunk's lock); they are not the app.
    std::fs::write(dist.join(".trunk-lock"), "").unwrap();
    std::fs::create_dir_all(dist.join(".stage")).unwrap();
    std::fs::write(dist.join(".stage").join("app.js"), "secret").unwrap();
    // What a careless deploy leaves next to the app: a git checkout and
    // an environment file.
    std::fs::create_dir_all(dist.join(".git").join("hooks")).unwrap();
    std::fs::write(
        dist.join(".git").join("hooks").join("pre-commit.sample"),
        "#!/bin/sh\nsecret hook\n",
    )
    .unwrap();
    std::fs::write(dist.join(".env.local"), "SECRET=1\n").unwrap();
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

fn event<'a>(kind: &'a str, officer_id: &'a str) -> NewEvent<'a> {
    NewEvent {
        at: Utc::now(),
        kind,
        officer_id: Some(officer_id),
        actor: Some("test"),
        client_ip: None,
        device_id: None,
        detail: "",
    }
}

pub fn push_body(changes: &[Value]) -> Value {
    json!({ "protocol": PROTOCOL_VERSION, "device_id": DEVICE, "changes": changes })
}

pub fn as_values(revs: &[Revision]) -> Vec<Value> {
    revs.iter()
        .map(|r| serde_json::to_value(r).unwrap())
        .collect()
}

/// Pushes and expects 200 with one result per change.
pub async fn push_ok(base: &str, token: &str, changes: &[Value]) -> PushResponse {
    let res = client()
        .post(format!("{base}/api/v1/sync/push"))
        .bearer_auth(token)
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

/// Every revision ID the server lets `token` read, asking the API page by
/// page. Panics if any ID comes back twice (a duplicate row).
pub async fn server_ids(base: &str, token: &str) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let mut after = 0i64;
    loop {
        let page: RevisionsPage = get_json(
            base,
            token,
            &format!("/api/v1/revisions?limit=1000&after={after}"),
        )
        .await;
        for item in &page.revisions {
            assert!(ids.insert(item.id.clone()), "duplicate row for {}", item.id);
        }
        match page.next_after {
            Some(next) => after = next,
            None => break,
        }
    }
    let stats: Value = get_json(base, token, "/api/v1/stats").await;
    assert_eq!(stats["revisions"].as_u64().unwrap() as usize, ids.len());
    ids
}

pub fn ids_of(revs: &[Revision]) -> BTreeSet<String> {
    revs.iter().map(|r| r.id.to_string()).collect()
}

pub async fn stats(base: &str, token: &str) -> Value {
    client()
        .get(format!("{base}/api/v1/stats"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Signs in over HTTP; the raw response.
pub async fn sign_in(
    base: &str,
    officer_id: &str,
    password: &str,
    device: &str,
) -> reqwest::Response {
    client()
        .post(format!("{base}/api/v1/auth/sign-in"))
        .json(&json!({"officer_id": officer_id, "password": password, "device_id": device}))
        .send()
        .await
        .unwrap()
}

/// A client whose connections come from `local` (any 127.x.y.z reaches a
/// server on 127.0.0.1 on Linux): a test's second, third... address.
pub fn client_from(local: std::net::IpAddr) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .no_proxy()
        .local_address(local)
        .build()
        .unwrap()
}

/// Signs in over HTTP from `local`, with extra headers; the raw response.
pub async fn sign_in_from(
    base: &str,
    local: std::net::IpAddr,
    headers: &[(&str, &str)],
    officer_id: &str,
    password: &str,
    device: &str,
) -> reqwest::Response {
    let mut req = client_from(local)
        .post(format!("{base}/api/v1/auth/sign-in"))
        .json(&json!({"officer_id": officer_id, "password": password, "device_id": device}));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.unwrap()
}

/// Signs in over HTTP and expects a token.
pub async fn sign_in_ok(base: &str, officer_id: &str, password: &str, device: &str) -> String {
    let res = sign_in(base, officer_id, password, device).await;
    assert_eq!(res.status(), 200, "sign-in of {officer_id}");
    let body: Value = res.json().await.unwrap();
    body["token"].as_str().unwrap().to_owned()
}

/// GETs an API path as the holder of `token` and decodes the JSON answer.
pub async fn get_json<T: serde::de::DeserializeOwned>(base: &str, token: &str, path: &str) -> T {
    client()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The server binary the tests build.
pub const SERVER_BIN: &str = env!("CARGO_BIN_EXE_beatbook-server");

/// Starts `beatbook-server serve` on a free port with the database in
/// `dir` and `extra` flags; returns it and its URL.
pub async fn spawn_binary(dir: &Path, extra: &[&str]) -> (tokio::process::Child, String) {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::new(SERVER_BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(db_target(dir))
        .arg("--dist")
        .arg(dir.join("dist"))
        .args(extra)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .expect("server did not start in time")
        .unwrap()
        .expect("server exited before listening");
    let url = line
        .strip_prefix("listening on ")
        .expect("unexpected first line")
        .to_owned();
    (child, url)
}

/// Runs the admin command line on the database in `dir`, `stdin` on its
/// standard input (for `--password-stdin`).
pub fn admin_cli(dir: &Path, args: &[&str], stdin: &str) {
    use std::io::Write;
    let mut child = std::process::Command::new(SERVER_BIN)
        .args(args)
        .arg("--db")
        .arg(db_target(dir))
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success(), "{args:?}");
}

/// Adds `officer_id` (its name the same), with `role`, to [`TEST_TEAM`]
/// with [`TEST_PASSWORD`], by the admin command line (the team must exist:
/// `admin_cli(dir, &["team", "add", TEST_TEAM], "")`).
pub fn cli_user(dir: &Path, officer_id: &str, role: &str) {
    admin_cli(
        dir,
        &[
            "user",
            "add",
            "--officer-id",
            officer_id,
            "--name",
            officer_id,
            "--role",
            role,
            "--team",
            TEST_TEAM,
            "--password-stdin",
        ],
        &format!("{TEST_PASSWORD}\n"),
    );
}

/// A process's resident memory in MiB (Linux: /proc/<pid>/status).
pub fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kib / 1024.0
}

static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// Sixteen bytes for an entry or revision ID, never the same twice in a
/// test binary (a counter, then a fixed tail so they read as test IDs).
pub fn id16() -> [u8; 16] {
    let n = NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&n.to_be_bytes());
    b[8..].copy_from_slice(&0x5A5A_A5A5_u64.to_le_bytes());
    b
}

/// RFC 4180 rows (quoted cells, doubled quotes, CRLF).
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let (mut row, mut cell, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    rows
}

/// CSV text with a header line as maps of column to cell, one a line.
pub fn csv_maps(text: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut rows = parse_csv(text).into_iter();
    let header = rows.next().unwrap_or_default();
    rows.map(|r| {
        assert_eq!(r.len(), header.len(), "{r:?}");
        header.iter().cloned().zip(r).collect()
    })
    .collect()
}

/// A revision of `officer`'s entry, captured 30 s after `at`, in `shift`.
pub fn revision(
    officer: &str,
    entry: beatbook_core::EntryId,
    seq: u32,
    change: beatbook_core::Change,
    record: beatbook_core::Record,
    at: DateTime<Utc>,
    shift: Option<beatbook_core::EntryId>,
) -> Revision {
    Revision {
        clock_offset_ms: None,
        prev: None,
        id: beatbook_core::RevisionId::from_random_bytes(id16()),
        entry_id: entry,
        seq,
        officer_id: officer.into(),
        captured_at: at + chrono::Duration::seconds(30),
        occurred_at: at,
        shift_id: shift,
        patrol_id: None,
        location: None,
        notes: String::new(),
        change,
        record,
    }
}
