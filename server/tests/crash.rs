//! The compiled binary killed with SIGKILL mid-stream, restarted on the same
//! database: everything acknowledged survived, and re-pushing what was not
//! (and some of what was) leaves exactly the expected set, each once.
// Tests may panic on the unexpected: clippy.toml allows unwrap/expect in
// #[test] functions, and these helpers are test code too.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;

use beatbook_core::Revision;
use common::*;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::time::timeout;

const BIN: &str = env!("CARGO_BIN_EXE_beatbook-server");

/// Starts `beatbook-server serve` on a free port; returns it and its URL.
async fn spawn_server(dir: &Path) -> (Child, String) {
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(db_target(dir))
        .arg("--dist")
        .arg(dir.join("dist"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let line = timeout(Duration::from_secs(30), lines.next_line())
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

/// Runs the admin command line on the database in `dir`, the password on stdin.
async fn push_batch(base: &str, token: &str, batch: &[Revision]) -> Result<(), String> {
    let res = client()
        .post(format!("{base}/api/v1/sync/push"))
        .bearer_auth(token)
        .json(&push_body(&as_values(batch)))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if res.status() != 200 {
        return Err(format!("status {}", res.status()));
    }
    let body: beatbook_core::sync::PushResponse = res.json().await.map_err(|e| e.to_string())?;
    let acked = body.results.len() == batch.len()
        && body.results.iter().all(|r| r.outcome.is_acknowledged());
    if acked {
        Ok(())
    } else {
        Err(format!("not acknowledged: {:?}", outcomes(&body)))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_stream_loses_nothing_acknowledged_and_duplicates_nothing() {
    timeout(TEST_TIMEOUT, async {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("dist")).unwrap();
        let batches: Vec<Vec<Revision>> = (0..8)
            .flat_map(|d| {
                let revs = revisions(500 + d, &format!("officer-k{d}"), 500);
                revs.chunks(50)
                    .map(<[Revision]>::to_vec)
                    .collect::<Vec<_>>()
            })
            .collect();
        let expected: BTreeSet<String> = batches.iter().flat_map(|b| ids_of(b)).collect();

        // Accounts made with the admin command line, before the server starts.
        admin_cli(dir.path(), &["team", "add", TEST_TEAM], "");
        let officers: Vec<String> = (0..8).map(|d| format!("officer-k{d}")).collect();
        for (id, role) in officers
            .iter()
            .map(|o| (o.as_str(), "officer"))
            .chain([(SUPERVISOR, "supervisor")])
        {
            cli_user(dir.path(), id, role);
        }

        let (mut child, base) = spawn_server(dir.path()).await;
        let mut tokens = std::collections::HashMap::new();
        for o in &officers {
            tokens.insert(o.clone(), sign_in_ok(&base, o, TEST_PASSWORD, DEVICE).await);
        }
        let sup = sign_in_ok(&base, SUPERVISOR, TEST_PASSWORD, "sup-desk").await;
        // Each batch goes with its officer's session.
        let token_of = |batch: &[Revision]| tokens[&batch[0].officer_id].clone();
        let batch_tokens: Vec<String> = batches.iter().map(|b| token_of(b)).collect();
        let acked: Arc<Mutex<Vec<usize>>> = Arc::default();
        let next = Arc::new(Mutex::new(0usize));
        let mut pushers = Vec::new();
        for _ in 0..4 {
            let (base, batches, acked, next) =
                (base.clone(), batches.clone(), acked.clone(), next.clone());
            let batch_tokens = batch_tokens.clone();
            pushers.push(tokio::spawn(async move {
                loop {
                    let i = {
                        let mut n = next.lock().unwrap();
                        let i = *n;
                        *n += 1;
                        i
                    };
                    let Some(batch) = batches.get(i) else { return };
                    match push_batch(&base, &batch_tokens[i], batch).await {
                        Ok(()) => acked.lock().unwrap().push(i),
                        Err(_) => return, // the server is gone
                    }
                }
            }));
        }
        // Let some batches through, then pull the plug while others are in flight.
        timeout(Duration::from_secs(60), async {
            while acked.lock().unwrap().len() < 8 {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        })
        .await
        .expect("pushes were not acknowledged in time");
        child.start_kill().unwrap(); // SIGKILL
        child.wait().await.unwrap();
        for p in pushers {
            p.await.unwrap();
        }
        let acked: BTreeSet<usize> = acked.lock().unwrap().iter().copied().collect();
        assert!(
            acked.len() < batches.len(),
            "the kill came too late to test anything"
        );

        // Restart on the same file: everything acknowledged is there.
        let (mut child, base) = spawn_server(dir.path()).await;
        // Sessions are in the database: the same tokens work after the crash.
        let held = server_ids(&base, &sup).await;
        for &i in &acked {
            for id in ids_of(&batches[i]) {
                assert!(held.contains(&id), "acknowledged revision {id} lost");
            }
        }
        assert!(held.is_subset(&expected));

        // The app re-pushes what was not acknowledged, and some of what was.
        let resend: Vec<usize> = (0..batches.len())
            .filter(|i| !acked.contains(i))
            .chain(acked.iter().copied().take(3))
            .collect();
        for i in resend {
            push_batch(&base, &batch_tokens[i], &batches[i])
                .await
                .unwrap();
        }
        assert_eq!(server_ids(&base, &sup).await, expected);

        // SIGTERM: a graceful stop with a clean exit.
        let pid = child.id().unwrap().to_string();
        let status = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        assert!(status.success());
        let exit = timeout(Duration::from_secs(30), child.wait())
            .await
            .unwrap()
            .unwrap();
        assert!(exit.success(), "{exit:?}");
    })
    .await
    .unwrap();
}
