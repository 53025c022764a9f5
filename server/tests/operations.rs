//! What an operator runs beside the server: `migrate` as its own deploy
//! step with `serve --no-migrate`, liveness and readiness, and `backup`
//! while the server takes pushes.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;

use common::*;
use std::process::Command;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(SERVER_BIN)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The migrations applied to the test database of `dir`, in order.
async fn applied(dir: &std::path::Path) -> Vec<i64> {
    query_i64s(dir, "SELECT version FROM _sqlx_migrations ORDER BY version").await
}

fn serve_no_migrate(db: &str) -> (i32, String, String) {
    run(&[
        "serve",
        "--no-migrate",
        "--listen",
        "127.0.0.1:0",
        "--db",
        db,
    ])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_no_migrate_refuses_a_database_behind_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_target(dir.path());
    let on_postgres = postgres_server().is_some();
    // Missing (a SQLite file not there; on PostgreSQL a database its
    // administrator made, with nothing in it): refused, and not created.
    let (code, _, err) = serve_no_migrate(&db);
    assert_ne!(code, 0);
    if on_postgres {
        assert!(
            err.contains("at migration 0") && err.contains("beatbook-server migrate"),
            "{err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    } else {
        assert!(
            err.contains("does not exist") && err.contains("migrate"),
            "{err}"
        );
        assert!(!db_path(dir.path()).exists());
    }

    let (code, out, err) = run(&["migrate", "--db", &db]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("database at migration "), "{out}");
    assert!(out.contains("(applied 1"), "{out}");
    let all = applied(dir.path()).await;
    let latest = *all.last().unwrap();
    let (code, out, _) = run(&["migrate", "--db", &db]);
    assert_eq!(code, 0);
    assert_eq!(
        out.trim(),
        format!("database at migration {latest}: already up to date")
    );

    // One migration behind (as after deploying a newer server's binary
    // before its migrate step): refused by name, nothing applied.
    run_sql(
        dir.path(),
        &format!("DELETE FROM _sqlx_migrations WHERE version = {latest}"),
    )
    .await;
    let (code, _, err) = serve_no_migrate(&db);
    assert_ne!(code, 0);
    assert!(
        err.contains(&format!("needs {latest}")) && err.contains("beatbook-server migrate"),
        "{err}"
    );
    assert_eq!(applied(dir.path()).await, all[..all.len() - 1].to_vec());

    // A migration this server does not know (a newer server migrated it).
    let (success, checksum) = if on_postgres {
        ("true", "'\\x00'::bytea")
    } else {
        ("1", "x'00'")
    };
    run_sql(
        dir.path(),
        &format!(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (9999, 'from the future', {success}, {checksum}, 0)"
        ),
    )
    .await;
    let (code, _, err) = serve_no_migrate(&db);
    assert_ne!(code, 0);
    assert!(
        err.contains("9999") && err.contains("newer server"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_migrated_database_serves_with_no_migrate_and_answers_live_and_ready() {
    let dir = tempfile::tempdir().unwrap();
    write_dist(&dir.path().join("dist"));
    let (code, _, err) = run(&["migrate", "--db", &db_target(dir.path())]);
    assert_eq!(code, 0, "{err}");
    let (_child, url) = spawn_binary(dir.path(), &["--no-migrate"]).await;
    let c = client();
    let live: serde_json::Value = c
        .get(format!("{url}/api/v1/health/live"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(live["status"], "ok");
    let res = c
        .get(format!("{url}/api/v1/health/ready"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let ready: serde_json::Value = res.json().await.unwrap();
    assert_eq!(
        (ready["db"].as_str(), ready["writer"].as_str()),
        (Some("reachable"), Some("running"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_pushes_arrive_is_a_consistent_checked_copy() {
    let dir = tempfile::tempdir().unwrap();
    write_dist(&dir.path().join("dist"));
    admin_cli(dir.path(), &["team", "add", TEST_TEAM], "");
    admin_cli(
        dir.path(),
        &[
            "user",
            "add",
            "--officer-id",
            "pc-1",
            "--name",
            "PC 1",
            "--role",
            "officer",
            "--team",
            TEST_TEAM,
            "--password-stdin",
        ],
        &format!("{TEST_PASSWORD}\n"),
    );
    if postgres_server().is_some() {
        // PostgreSQL is backed up with its own tools (server/README.md).
        let to = dir.path().join("copy.db");
        let (code, _, err) = run(&[
            "backup",
            "--db",
            &db_target(dir.path()),
            "--to",
            to.to_str().unwrap(),
        ]);
        assert_eq!(code, 1, "{err}");
        assert!(err.contains("pg_dump"), "{err}");
        assert!(!to.exists());
        return;
    }
    let (_child, url) = spawn_binary(dir.path(), &[]).await;
    let token = sign_in_ok(&url, "pc-1", TEST_PASSWORD, DEVICE).await;
    let first = revisions(7, "pc-1", 200);
    push_ok(&url, &token, &as_values(&first[..100])).await;

    // Pushes go on while the copy is taken.
    let pushing = {
        let (url, token) = (url.clone(), token.clone());
        let rest = as_values(&first[100..]);
        tokio::spawn(async move {
            for chunk in rest.chunks(10) {
                push_ok(&url, &token, chunk).await;
            }
        })
    };
    let to = dir.path().join("copy.db");
    let db = db_path(dir.path());
    let (code, out, err) = tokio::task::spawn_blocking({
        let (db, to) = (db.clone(), to.clone());
        move || {
            run(&[
                "backup",
                "--db",
                db.to_str().unwrap(),
                "--to",
                to.to_str().unwrap(),
            ])
        }
    })
    .await
    .unwrap();
    pushing.await.unwrap();
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("integrity ok"), "{out}");
    let copied: i64 = out
        .split(", ")
        .find_map(|p| p.strip_suffix(" revisions"))
        .unwrap()
        .parse()
        .unwrap();
    // A snapshot: everything acknowledged before it started, whole pushes only.
    assert!((100..=200).contains(&copied), "{out}");
    assert_eq!(copied % 10, 0, "a push half in the copy: {out}");

    // The copy serves: a server on it holds exactly those revisions.
    let restored = tempfile::tempdir().unwrap();
    write_dist(&restored.path().join("dist"));
    std::fs::copy(&to, db_path(restored.path())).unwrap();
    let (_child2, url2) = spawn_binary(restored.path(), &[]).await;
    let token2 = sign_in_ok(&url2, "pc-1", TEST_PASSWORD, "dev-2").await;
    let held = server_ids(&url2, &token2).await;
    assert_eq!(held.len() as i64, copied);
    assert!(held.is_subset(&ids_of(&first)));

    // Never over an existing file.
    let (code, _, err) = run(&[
        "backup",
        "--db",
        db.to_str().unwrap(),
        "--to",
        to.to_str().unwrap(),
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("already exists"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_carry_the_request_id_the_response_names() {
    use tokio::io::AsyncBufReadExt;
    let dir = tempfile::tempdir().unwrap();
    write_dist(&dir.path().join("dist"));
    let mut child = tokio::process::Command::new(SERVER_BIN)
        .args([
            "--log-format",
            "json",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--db",
        ])
        .arg(db_target(dir.path()))
        .arg("--dist")
        .arg(dir.path().join("dist"))
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut out = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let url = out
        .next_line()
        .await
        .unwrap()
        .unwrap()
        .strip_prefix("listening on ")
        .unwrap()
        .to_owned();
    let res = client()
        .get(format!("{url}/api/v1/health/ready"))
        .send()
        .await
        .unwrap();
    let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id.len(), 16, "{id}");
    let other = client()
        .get(format!("{url}/api/v1/health/live"))
        .send()
        .await
        .unwrap();
    assert_ne!(other.headers()["x-request-id"], id.as_str());
    let mut err = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let line = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        loop {
            let line = err.next_line().await.unwrap().expect("stderr ended");
            let v: serde_json::Value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("not one JSON object per line ({e}): {line}"));
            if v["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("GET /api/v1/health/ready 200"))
            {
                return v;
            }
        }
    })
    .await
    .expect("no request line for /health/ready");
    assert_eq!(line["span"]["request_id"], id.as_str(), "{line}");
    assert_eq!(line["level"], "INFO");
}

/// A freshly loaded database is planned from statistics, not guesses: on
/// PostgreSQL the refresh is an `ANALYZE` the planner's tables then show;
/// SQLite's queries name their indexes, and its file is left as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statistics_are_refreshed_after_a_bulk_load_on_postgres_only() {
    let dir = tempfile::tempdir().unwrap();
    let target = db_target(dir.path());
    let (code, _, err) = run(&["migrate", "--db", &target]);
    assert_eq!(code, 0, "{err}");
    let refreshed = beatbook_server::db::ops::refresh_statistics(&target)
        .await
        .unwrap();
    if postgres_server().is_some() {
        assert!(refreshed);
        let analyzed = query_i64s(
            dir.path(),
            "SELECT count(*) FROM pg_stat_user_tables \
             WHERE relname = 'revisions' AND last_analyze IS NOT NULL",
        )
        .await;
        drop_postgres(dir.path());
        assert_eq!(analyzed, [1]);
    } else {
        assert!(!refreshed);
        let stat_tables = query_i64s(
            dir.path(),
            "SELECT count(*) FROM sqlite_master WHERE name LIKE 'sqlite_stat%'",
        )
        .await;
        assert_eq!(stat_tables, [0]);
    }
}
