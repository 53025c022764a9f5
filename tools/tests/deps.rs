//! The promise of this crate's existence: the server's production
//! dependency tree (what `cargo build -p beatbook-server` links into the
//! binary) holds neither the tools nor the HTTP client the load generator
//! needs. Read from cargo itself, as a person would check it.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use std::process::Command;

#[test]
fn the_server_binary_depends_on_no_tool_and_no_http_client() {
    // Cargo sets CARGO for the tests it runs; the workspace root is one up.
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let out = Command::new(cargo)
        .args([
            "tree",
            "--offline",
            "--locked",
            "-p",
            "beatbook-server",
            "-e",
            "normal",
            "--prefix",
            "none",
        ])
        .current_dir(root)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree = String::from_utf8(out.stdout).unwrap();
    let crates: Vec<&str> = tree
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(crates.contains(&"beatbook-server"), "{tree}");
    for banned in ["beatbook-tools", "reqwest"] {
        assert!(!crates.contains(&banned), "{banned} in the server's tree");
    }
}
