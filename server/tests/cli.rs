//! The command line: help that explains each flag, clear errors.
// Tests may panic on the unexpected: clippy.toml allows unwrap/expect in
// #[test] functions, and these helpers are test code too.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use std::process::Command;

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
    let (code, out, _) = run(&["serve", "--help"]);
    assert_eq!(code, 0);
    for needle in [
        "--listen",
        "--db",
        "--dist",
        "BEATBOOK_LISTEN",
        "BEATBOOK_DB",
        "BEATBOOK_DIST",
        "127.0.0.1:8080",
    ] {
        assert!(out.contains(needle), "missing {needle} in:\n{out}");
    }
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
