//! The command line: help that explains each flag, clear errors.
// Tests may panic on the unexpected: clippy.toml allows unwrap/expect in
// #[test] functions, and these helpers are test code too.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;

use common::*;
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_beatbook-server");

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn help_explains_each_flag() {
    let (code, out, _) = run(&["--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("serve"), "{out}");
    assert!(out.contains("user") && out.contains("team"), "{out}");
    let (code, out, _) = run(&["serve", "--help"]);
    assert_eq!(code, 0);
    for needle in [
        "--listen",
        "--db",
        "--dist",
        "--session-hours",
        "BEATBOOK_LISTEN",
        "BEATBOOK_DB",
        "BEATBOOK_DIST",
        "BEATBOOK_SESSION_HOURS",
        "127.0.0.1:8080",
    ] {
        assert!(out.contains(needle), "missing {needle} in:\n{out}");
    }
    let (code, out, _) = run(&["user", "--help"]);
    assert_eq!(code, 0);
    for needle in [
        "add",
        "reset-password",
        "disable",
        "enable",
        "list",
        "devices",
        "revoke-device",
    ] {
        assert!(out.contains(needle), "missing {needle} in:\n{out}");
    }
    let (code, out, _) = run(&["user", "add", "--help"]);
    assert_eq!(code, 0);
    for needle in [
        "--officer-id",
        "--name",
        "--role",
        "--team",
        "--password-stdin",
        "one-time password",
        "officer",
        "supervisor",
        "admin",
    ] {
        assert!(out.contains(needle), "missing {needle} in:\n{out}");
    }
    let (code, out, _) = run(&["team", "--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("add") && out.contains("list"), "{out}");
}

#[test]
fn bad_flags_are_clear_errors() {
    let (code, _, err) = run(&["serve", "--listen", "not-an-address"]);
    assert_eq!(code, 2);
    assert!(err.contains("--listen"), "{err}");
    let (code, _, err) = run(&["serve", "--no-such-flag"]);
    assert_eq!(code, 2);
    assert!(err.contains("--no-such-flag"), "{err}");
    let (code, _, err) = run(&[]);
    assert_eq!(code, 2);
    assert!(err.contains("Usage"), "{err}");
    let (code, _, err) = run(&[
        "user",
        "add",
        "--officer-id",
        "PC1",
        "--name",
        "x",
        "--role",
        "chief",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--role") && err.contains("supervisor"),
        "{err}"
    );
    let (code, _, err) = run(&["user", "revoke-device", "--officer-id", "PC1"]);
    assert_eq!(code, 2);
    assert!(err.contains("--device-id"), "{err}");
    let (code, _, err) = run(&["serve", "--session-hours", "0"]);
    assert_eq!(code, 2);
    assert!(err.contains("--session-hours"), "{err}");
}

/// Pool sizes and timeouts out of range, from a flag or its variable, are
/// clap's refusals naming the flag (exit 2), checked before anything is
/// opened: never a panic, never a pool that cannot serve.
#[test]
fn pool_flags_out_of_range_are_refused_by_name() {
    for (flag, value) in [
        ("--db-readers", "0"),
        ("--db-readers", "65"),
        ("--db-accounts-connections", "0"),
        ("--db-acquire-timeout-ms", "0"),
        ("--db-acquire-timeout-ms", "99"),
        ("--db-acquire-timeout-ms", "600001"),
        ("--db-busy-timeout-ms", "0"),
        ("--db-busy-timeout-ms", "86400000"),
        ("--db-readers", "-1"),
        ("--metrics-listen", "not-an-address"),
    ] {
        let arg = format!("{flag}={value}");
        let (code, _, err) = run(&["serve", "--db", "/nonexistent/never.db", &arg]);
        assert_eq!(code, 2, "{flag} {value}: {err}");
        assert!(err.contains(flag), "{flag} {value}: {err}");
        assert!(!err.contains("panicked"), "{flag} {value}: {err}");
    }
    // The variables are held to the same ranges.
    for (var, flag) in [
        ("BEATBOOK_DB_READERS", "--db-readers"),
        (
            "BEATBOOK_DB_ACCOUNTS_CONNECTIONS",
            "--db-accounts-connections",
        ),
        ("BEATBOOK_DB_ACQUIRE_TIMEOUT_MS", "--db-acquire-timeout-ms"),
        ("BEATBOOK_DB_BUSY_TIMEOUT_MS", "--db-busy-timeout-ms"),
    ] {
        let out = Command::new(BIN)
            .args(["serve", "--db", "/nonexistent/never.db"])
            .env(var, "0")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{var}=0: {err}");
        assert!(err.contains(flag), "{var}=0: {err}");
    }
    let (code, out, _) = run(&["serve", "--help"]);
    assert_eq!(code, 0);
    for needle in [
        "--metrics-listen",
        "BEATBOOK_METRICS_LISTEN",
        "BEATBOOK_DB_READERS",
        "BEATBOOK_DB_ACCOUNTS_CONNECTIONS",
        "BEATBOOK_DB_ACQUIRE_TIMEOUT_MS",
        "BEATBOOK_DB_BUSY_TIMEOUT_MS",
    ] {
        assert!(out.contains(needle), "missing {needle} in:\n{out}");
    }
}

/// Runs with `input` on standard input.
fn run_with(args: &[&str], input: &str) -> (i32, String, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .env("RUST_LOG", "info")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The one-time password in `user add` / `reset-password` output.
fn one_time_password(out: &str) -> String {
    let line = out
        .lines()
        .find(|l| l.starts_with("one-time password"))
        .unwrap_or_else(|| panic!("no one-time password in:\n{out}"));
    line.rsplit(' ').next().unwrap().to_owned()
}

#[test]
fn accounts_and_teams_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("accounts.db");
    let db = db.to_str().unwrap();

    let (code, out, _) = run(&["team", "list", "--db", db]);
    assert_eq!((code, out.trim()), (0, "no teams yet"));
    let (code, out, err) = run(&["team", "add", "--db", db, "North Hotspot"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("created team North Hotspot"), "{out}");
    let (code, _, err) = run(&["team", "add", "--db", db, "North Hotspot"]);
    assert_eq!(code, 1);
    assert!(err.contains("already exists"), "{err}");

    // A generated one-time password, printed once, and nowhere else.
    let (code, out, err) = run(&[
        "user",
        "add",
        "--db",
        db,
        "--officer-id",
        "PC1234",
        "--name",
        "PC 1234 Jones",
        "--role",
        "officer",
        "--team",
        "North Hotspot",
    ]);
    assert_eq!(code, 0, "{err}");
    let otp = one_time_password(&out);
    assert_eq!(otp.len(), 19, "{otp}");
    assert_eq!(out.matches(otp.as_str()).count(), 1, "{out}");
    assert!(!err.contains(otp.as_str()), "{err}");
    assert!(!out.contains("$argon2") && !err.contains("$argon2"));

    // A chosen password on stdin: nothing secret printed.
    let (code, out, err) = run_with(
        &[
            "user",
            "add",
            "--db",
            db,
            "--officer-id",
            "SGT77",
            "--name",
            "Sgt Khan",
            "--role",
            "supervisor",
            "--team",
            "North Hotspot",
            "--password-stdin",
        ],
        "a chosen long password\n",
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        !out.contains("one-time") && !out.contains("a chosen long password"),
        "{out}"
    );
    assert!(!err.contains("a chosen long password"), "{err}");
    let (code, _, err) = run(&[
        "user",
        "add",
        "--db",
        db,
        "--officer-id",
        "ADM1",
        "--name",
        "Admin",
        "--role",
        "admin",
    ]);
    assert_eq!(code, 0, "{err}");

    // Clear refusals.
    let refusals: [(&[&str], &str, &str); 5] = [
        (
            &["--officer-id", "PC9", "--name", "x", "--role", "officer"],
            "",
            "at least one --team",
        ),
        (
            &[
                "--officer-id",
                "PC9",
                "--name",
                "x",
                "--role",
                "officer",
                "--team",
                "Nowhere",
            ],
            "",
            "no team \"Nowhere\"",
        ),
        (
            &["--officer-id", "PC1234", "--name", "x", "--role", "admin"],
            "",
            "already has an account",
        ),
        (
            &["--officer-id", "PC 9", "--name", "x", "--role", "admin"],
            "",
            "officer ID",
        ),
        (
            &[
                "--officer-id",
                "PC9",
                "--name",
                "x",
                "--role",
                "admin",
                "--password-stdin",
            ],
            "short\n",
            "at least 10 characters",
        ),
    ];
    for (args, input, needle) in refusals {
        let mut all = vec!["user", "add", "--db", db];
        all.extend_from_slice(args);
        let (code, _, err) = run_with(&all, input);
        assert_eq!(code, 1, "{args:?}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }

    // The list: who, role, teams, status; never a hash or a password.
    let (code, out, _) = run(&["user", "list", "--db", db]);
    assert_eq!(code, 0);
    assert!(out.starts_with("OFFICER ID"), "{out}");
    for needle in [
        "PC1234",
        "PC 1234 Jones",
        "officer",
        "SGT77",
        "supervisor",
        "ADM1",
        "admin",
        "North Hotspot",
        "active",
    ] {
        assert!(out.contains(needle), "missing {needle} in:\n{out}");
    }
    assert!(
        !out.contains("$argon2") && !out.contains(otp.as_str()),
        "{out}"
    );
    let (_, out, _) = run(&["team", "list", "--db", db]);
    assert!(out.contains("North Hotspot  1         1"), "{out}");

    // Disable, enable, reset: each says what it did.
    let (code, out, _) = run(&["user", "disable", "--db", db, "--officer-id", "PC1234"]);
    assert_eq!(code, 0);
    assert!(out.contains("PC1234 disabled; 0 session(s) ended"), "{out}");
    let (_, out, _) = run(&["user", "list", "--db", db]);
    assert!(
        out.lines()
            .any(|l| l.starts_with("PC1234") && l.contains("disabled")),
        "{out}"
    );
    let (code, out, _) = run(&["user", "enable", "--db", db, "--officer-id", "PC1234"]);
    assert_eq!(code, 0);
    assert!(out.contains("PC1234 enabled"), "{out}");
    let (code, out, _) = run(&[
        "user",
        "reset-password",
        "--db",
        db,
        "--officer-id",
        "PC1234",
    ]);
    assert_eq!(code, 0);
    let second = one_time_password(&out);
    assert_ne!(second, otp);
    let (code, _, err) = run(&["user", "disable", "--db", db, "--officer-id", "nobody"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("no account with officer ID \"nobody\""),
        "{err}"
    );
    let (code, out, _) = run(&["user", "devices", "--db", db, "--officer-id", "PC1234"]);
    assert_eq!(code, 0);
    assert!(out.contains("never signed in"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn command_line_changes_reach_a_running_server_at_once() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        let server = TestServer::start().await;
        let db = db_target(server.dir.path());
        let b = server.base.clone();
        let cli = |args: Vec<&str>, input: &str| {
            let mut all = args;
            all.extend(["--db", db.as_str()]);
            let (code, out, err) = run_with(&all, input);
            assert_eq!(code, 0, "{all:?}: {err}");
            out
        };
        let out = cli(
            vec![
                "user",
                "add",
                "--officer-id",
                "PC55",
                "--name",
                "PC 55",
                "--role",
                "officer",
                "--team",
                TEST_TEAM,
            ],
            "",
        );
        let otp = one_time_password(&out);
        let phone = sign_in_ok(&b, "PC55", &otp, "phone-55").await;
        let tablet = sign_in_ok(&b, "PC55", &otp, "tablet-55").await;
        let me = |token: String| {
            let b = b.clone();
            async move {
                let res = client()
                    .get(format!("{b}/api/v1/me"))
                    .bearer_auth(token)
                    .send()
                    .await
                    .unwrap();
                let status = res.status().as_u16();
                let body: Value = res.json().await.unwrap();
                (status, body["error"].as_str().unwrap_or("").to_owned())
            }
        };
        assert_eq!(me(phone.clone()).await.0, 200);

        // The device list shows both sessions, no secret.
        let out = cli(vec!["user", "devices", "--officer-id", "PC55"], "");
        assert!(out.starts_with("DEVICE ID"), "{out}");
        assert!(
            out.contains("phone-55") && out.contains("tablet-55"),
            "{out}"
        );
        assert!(!out.contains(phone.as_str()) && !out.contains(tablet.as_str()));

        // The phone is lost: revoking it ends that session only.
        let out = cli(
            vec![
                "user",
                "revoke-device",
                "--officer-id",
                "PC55",
                "--device-id",
                "phone-55",
            ],
            "",
        );
        assert!(out.contains("1 session(s)"), "{out}");
        assert_eq!(me(phone.clone()).await, (401, "session_revoked".into()));
        assert_eq!(me(tablet.clone()).await.0, 200);
        let out = cli(vec!["user", "devices", "--officer-id", "PC55"], "");
        assert!(
            out.lines()
                .any(|l| l.starts_with("phone-55") && l.contains("device_revoked")),
            "{out}"
        );

        // Disabling ends every session at once, and sign-in fails.
        let out = cli(vec!["user", "disable", "--officer-id", "PC55"], "");
        assert!(out.contains("1 session(s) ended"), "{out}");
        assert_eq!(me(tablet.clone()).await, (401, "session_revoked".into()));
        assert_eq!(sign_in(&b, "PC55", &otp, "tablet-55").await.status(), 401);

        // Enabled again with a new password: the old one no longer works.
        cli(vec!["user", "enable", "--officer-id", "PC55"], "");
        cli(
            vec![
                "user",
                "reset-password",
                "--officer-id",
                "PC55",
                "--password-stdin",
            ],
            "a brand new password\n",
        );
        assert_eq!(sign_in(&b, "PC55", &otp, "tablet-55").await.status(), 401);
        sign_in_ok(&b, "PC55", "a brand new password", "tablet-55").await;

        // Each change is in the security log, with the command line as actor.
        let events = server.accounts.recent_events(100).await.unwrap();
        for kind in [
            "user_created",
            "device_revoked",
            "user_disabled",
            "user_enabled",
            "password_reset",
        ] {
            assert!(
                events.iter().any(|e| e.kind == kind
                    && e.officer_id.as_deref() == Some("PC55")
                    && e.actor.as_deref().is_some_and(|a| a.starts_with("cli"))),
                "{kind}"
            );
        }
        server.stop().await;
    })
    .await
    .unwrap();
}

#[test]
fn serve_on_a_fresh_database_says_how_to_add_the_first_user() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fresh.db");
    let mut child = Command::new(BIN)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--db",
            db.to_str().unwrap(),
            "--dist",
        ])
        .arg(dir.path())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until it listens, then stop it.
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut line).unwrap();
    assert!(line.starts_with("listening on"), "{line}");
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    // Bounded: a server that ignores SIGTERM is killed after 30 s.
    let start = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > std::time::Duration::from_secs(30) {
            let _ = child.kill();
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no users yet: create the first admin with `beatbook-server user add"),
        "{err}"
    );
    assert!(err.contains("--role admin"), "{err}");
}

#[test]
fn an_unusable_database_path_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("no/such/dir/beatbook.db");
    let (code, _, err) = run(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--db",
        db.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("beatbook-server:"), "{err}");
}

/// A database URL of an engine Beatbook has no backend for is refused by
/// name, creates nothing where it was run, and never echoes the password
/// in it.
#[test]
fn a_database_url_of_another_engine_is_refused_without_its_password() {
    let dir = tempfile::tempdir().unwrap();
    for url in [
        "mysql://beatbook:hunter2-secret@127.0.0.1/force",
        "mariadb://beatbook:hunter2-secret@db.internal/force",
    ] {
        for command in ["migrate", "serve"] {
            let (code, err) = run_db_command(dir.path(), command, url);
            assert_eq!(code, Some(1), "{command} {url}: {err}");
            let scheme = url.split(':').next().unwrap();
            assert!(err.contains(&format!("{scheme}://")), "{err}");
            assert!(err.contains("SQLite"), "{err}");
            assert!(err.contains("postgres://"), "{err}");
            assert!(!err.contains("hunter2"), "the password was echoed: {err}");
            assert!(!err.contains("panicked"), "{err}");
            let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
            assert!(left.is_empty(), "{command} {url} created {left:?}");
        }
    }
}

/// A PostgreSQL URL naming a server that is not there (a port nothing
/// listens on) fails at once with an error that names the database, not
/// its password, and leaves nothing behind: no SQLite file made in its place.
#[test]
fn a_postgres_server_that_is_not_there_is_named_without_its_password() {
    let dir = tempfile::tempdir().unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let url = format!("postgres://beatbook:hunter2-secret@127.0.0.1:{port}/force");
    for command in ["migrate", "serve"] {
        let (code, err) = run_db_command(dir.path(), command, &url);
        assert_eq!(code, Some(1), "{command}: {err}");
        assert!(err.contains(&format!("127.0.0.1:{port}/force")), "{err}");
        assert!(!err.contains("hunter2"), "the password was echoed: {err}");
        assert!(!err.contains("panicked"), "{err}");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(left.is_empty(), "{command} created {left:?}");
    }
}

/// Runs `migrate` or `serve` on `--db URL` in `dir`: exit code and stderr.
fn run_db_command(dir: &std::path::Path, command: &str, url: &str) -> (Option<i32>, String) {
    let out = Command::new(BIN)
        .current_dir(dir)
        .args([command, "--db", url])
        .args(if command == "serve" {
            &["--listen", "127.0.0.1:0"][..]
        } else {
            &[][..]
        })
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
