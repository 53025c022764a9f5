//! The force's settings: every signed-in user reads them, only an admin
//! changes them (API or command line), each change is a security event, and
//! a bad value is refused with what is wrong, leaving the stored ones.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;

use beatbook_core::auth::Role;
use beatbook_core::force::ForceDocument;
use common::*;
use serde_json::json;

async fn post_force(base: &str, token: &str, body: &serde_json::Value) -> reqwest::Response {
    client()
        .post(format!("{base}/api/v1/force"))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn everyone_reads_the_defaults_until_an_admin_sets_them_and_then_the_new_values() {
    let server = TestServer::start().await;
    let officer = server.officer("pc-force").await;
    let doc: ForceDocument = get_json(&server.base, &officer, "/api/v1/force").await;
    assert_eq!(
        (
            doc.settings.lock_minutes,
            doc.settings.retention_days,
            doc.settings.stop_and_account
        ),
        (10, 7, true)
    );
    assert_eq!(doc.time_zone, "Europe/London");
    assert_eq!(doc.updated_at, None);

    let admin_id = server.add_user("admin-force", Role::Admin, &[]).await;
    let admin = server.session(admin_id, "admin-desk").await;
    let body = json!({"lock_minutes": 5, "retention_days": 14, "stop_and_account": false});
    let res = post_force(&server.base, &admin, &body).await;
    assert_eq!(res.status(), 200);
    let doc: ForceDocument = get_json(&server.base, &officer, "/api/v1/force").await;
    assert_eq!(
        (
            doc.settings.lock_minutes,
            doc.settings.retention_days,
            doc.settings.stop_and_account
        ),
        (5, 14, false)
    );
    assert!(doc.updated_at.is_some());
    let events = server.accounts.recent_events(20).await.unwrap();
    let change = events
        .iter()
        .find(|e| e.kind == "force_settings_changed")
        .expect("the change is a security event");
    assert_eq!(
        change.detail,
        "lock_minutes 10 -> 5, retention_days 7 -> 14, stop_and_account true -> false"
    );
    assert_eq!(change.actor.as_deref(), Some("admin-force"));
}

#[tokio::test]
async fn officers_and_supervisors_cannot_change_the_settings() {
    let server = TestServer::start().await;
    let officer = server.officer("pc-force-2").await;
    let body = json!({"lock_minutes": 60, "retention_days": 90, "stop_and_account": false});
    for token in [&officer, &server.sup] {
        let res = post_force(&server.base, token, &body).await;
        assert_eq!(res.status(), 403);
    }
    let doc: ForceDocument = get_json(&server.base, &officer, "/api/v1/force").await;
    assert_eq!(doc.settings.lock_minutes, 10, "unchanged");
    let res = client()
        .get(format!("{}/api/v1/force", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "not signed in");
}

#[tokio::test]
async fn a_bad_value_is_refused_by_name_and_the_stored_settings_stay() {
    let server = TestServer::start().await;
    let admin_id = server.add_user("admin-force-3", Role::Admin, &[]).await;
    let admin = server.session(admin_id, "admin-desk").await;
    let good = json!({"lock_minutes": 3, "retention_days": 7, "stop_and_account": true});
    assert_eq!(post_force(&server.base, &admin, &good).await.status(), 200);
    for (body, says) in [
        (
            json!({"lock_minutes": 0, "retention_days": 7, "stop_and_account": true}),
            "lock_minutes: Must be between 1 and 60",
        ),
        (
            json!({"lock_minutes": 3, "retention_days": 365, "stop_and_account": true}),
            "retention_days: Must be between 1 and 90",
        ),
        (json!({"lock_minutes": 3, "retention_days": 7}), "send {"),
        (
            json!({"lock_minutes": -1, "retention_days": 7, "stop_and_account": true}),
            "send {",
        ),
        (
            json!({"lock_minutes": 4294967296u64, "retention_days": 7, "stop_and_account": true}),
            "send {",
        ),
        (json!(["not", "an", "object"]), "send {"),
    ] {
        let res = post_force(&server.base, &admin, &body).await;
        assert_eq!(res.status(), 400, "{body}");
        let text = res.text().await.unwrap();
        assert!(text.contains(says), "{body}: {text}");
    }
    let doc: ForceDocument = get_json(&server.base, &admin, "/api/v1/force").await;
    assert_eq!(doc.settings.lock_minutes, 3);
}

#[tokio::test]
async fn the_command_line_sets_some_settings_and_keeps_the_others() {
    let server = TestServer::start().await;
    let officer = server.officer("pc-force-4").await;
    admin_cli(
        server.dir.path(),
        &["force", "set", "--lock-minutes", "2"],
        "",
    );
    admin_cli(
        server.dir.path(),
        &["force", "set", "--stop-and-account", "off"],
        "",
    );
    let doc: ForceDocument = get_json(&server.base, &officer, "/api/v1/force").await;
    assert_eq!(
        (
            doc.settings.lock_minutes,
            doc.settings.retention_days,
            doc.settings.stop_and_account
        ),
        (2, 7, false)
    );
    // Out of range, or nothing named: refused, and nothing changes.
    for args in [
        &["force", "set", "--retention-days", "0"][..],
        &["force", "set"][..],
        &["force", "set", "--stop-and-account", "maybe"][..],
    ] {
        let out = std::process::Command::new(SERVER_BIN)
            .args(args)
            .arg("--db")
            .arg(db_target(server.dir.path()))
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(!stderr.trim().is_empty(), "{args:?} says why");
    }
    let doc: ForceDocument = get_json(&server.base, &officer, "/api/v1/force").await;
    assert_eq!(
        (doc.settings.lock_minutes, doc.settings.retention_days),
        (2, 7)
    );
}
