//! Who may do what: every API route for every kind of caller, sign-in and
//! sign-out, failed sign-in limits, and pushes carrying other officers'
//! revisions. Refusals must leak nothing: no other officer's data, no hash,
//! no token, no password.
// Tests may panic on the unexpected: clippy.toml allows unwrap/expect in
// #[test] functions, and these helpers are test code too.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;

use beatbook_core::auth::Role;
use beatbook_core::sync::PROTOCOL_VERSION;
use beatbook_server::accounts::AuthConfig;
use common::*;
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use tokio::time::timeout;

/// The officer whose entries the others try to read.
const OWNER: &str = "pc-a1";

struct Actor {
    name: &'static str,
    /// Officer ID (for pushing their own entries) and device.
    officer_id: &'static str,
    device: String,
    token: Option<String>,
}

/// What a route answers an actor: a status and, for refusals, the error code.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Want {
    Ok,
    Created,
    NoContent,
    Refused(u16, &'static str),
}

const UNAUTH: Want = Want::Refused(401, "not_signed_in");
const REVOKED: Want = Want::Refused(401, "session_revoked");
const EXPIRED: Want = Want::Refused(401, "session_expired");
const DENIED: Want = Want::Refused(403, "forbidden");

#[derive(Debug, Clone, Copy, PartialEq)]
enum Route {
    Health,
    Live,
    Ready,
    Me,
    Push,
    Revisions,
    RevisionsOfOwner,
    Stats,
    StatsOfOwner,
    Force,
    SetForce,
    SubmitReturn,
    SubmittedReturn,
    ReturnChanges,
    SignOut,
}

const ROUTES: [Route; 15] = [
    Route::Health,
    Route::Live,
    Route::Ready,
    Route::Me,
    Route::Push,
    Route::Revisions,
    Route::RevisionsOfOwner,
    Route::Stats,
    Route::StatsOfOwner,
    Route::Force,
    Route::SetForce,
    // Submitting before reading: the reads find what was submitted.
    Route::SubmitReturn,
    Route::SubmittedReturn,
    Route::ReturnChanges,
    // Last: it ends the session.
    Route::SignOut,
];

/// The expected answer for each route, in [`ROUTES`] order.
fn row(actor: &str) -> [Want; 15] {
    use Want::*;
    // Health, liveness and readiness answer everyone (a load balancer has no token).
    let all = |w: Want| [Ok, Ok, Ok, w, w, w, w, w, w, w, w, w, w, w, w];
    // Submitted returns of team A: its supervisor and admins only.
    const NO_RETURNS: [Want; 3] = [DENIED, DENIED, DENIED];
    const RETURNS: [Want; 3] = [Created, Ok, Ok];
    let with = |first: [Want; 11], returns: [Want; 3]| {
        let mut out = [Ok; 15];
        out[..11].copy_from_slice(&first);
        out[11..14].copy_from_slice(&returns);
        out[14] = NoContent;
        out
    };
    match actor {
        "no token" | "unknown token" | "malformed header" => all(UNAUTH),
        "disabled user" | "revoked device" => all(REVOKED),
        "expired session" => all(EXPIRED),
        // Reads their own; may not name another officer, even of their team.
        // Everyone signed in reads the force's settings; only admins set them.
        "officer" => with([Ok, Ok, Ok, Ok, Ok, Ok, Ok, Ok, Ok, Ok, DENIED], NO_RETURNS),
        "officer of the same team" | "officer of another team" | "supervisor of another team" => {
            with(
                [Ok, Ok, Ok, Ok, Ok, Ok, DENIED, Ok, DENIED, Ok, DENIED],
                NO_RETURNS,
            )
        }
        "supervisor of the team" => with([Ok, Ok, Ok, Ok, Ok, Ok, Ok, Ok, Ok, Ok, DENIED], RETURNS),
        // Manages accounts and the force's settings, and submits a team's
        // return; records and reads no logs.
        "admin" => with(
            [
                Ok, Ok, Ok, Ok, DENIED, DENIED, DENIED, DENIED, DENIED, Ok, Ok,
            ],
            RETURNS,
        ),
        other => panic!("no expectations for {other}"),
    }
}

/// Whether a 200 read by this actor includes the owner's entries.
fn sees_owner(actor: &str) -> bool {
    matches!(actor, "officer" | "supervisor of the team")
}

async fn setup(server: &TestServer) -> (Vec<Actor>, BTreeSet<String>) {
    let users: [(&str, &str, Role, &[&str]); 9] = [
        ("officer", OWNER, Role::Officer, &["A"]),
        ("officer of the same team", "pc-a2", Role::Officer, &["A"]),
        ("officer of another team", "pc-b1", Role::Officer, &["B"]),
        (
            "supervisor of the team",
            "sgt-a",
            Role::Supervisor,
            &["A", "C"],
        ),
        (
            "supervisor of another team",
            "sgt-b",
            Role::Supervisor,
            &["B"],
        ),
        ("admin", "admin-1", Role::Admin, &[]),
        ("disabled user", "pc-dis", Role::Officer, &["A"]),
        ("revoked device", "pc-rev", Role::Officer, &["A"]),
        ("expired session", "pc-exp", Role::Officer, &["A"]),
    ];
    let mut actors = vec![
        Actor {
            name: "no token",
            officer_id: "nobody",
            device: "dev-none".into(),
            token: None,
        },
        Actor {
            name: "unknown token",
            officer_id: "nobody",
            device: "dev-none".into(),
            // Well-formed, never issued.
            token: Some("A".repeat(43)),
        },
        Actor {
            name: "malformed header",
            officer_id: "nobody",
            device: "dev-none".into(),
            token: Some("not a token at all".into()),
        },
    ];
    for (name, officer_id, role, teams) in users {
        let id = server.add_user(officer_id, role, teams).await;
        let device = format!("dev-{officer_id}");
        let token = if name == "expired session" {
            let created = chrono::Utc::now() - chrono::Duration::hours(13);
            server
                .session_at(id, &device, created, chrono::Duration::hours(12))
                .await
        } else {
            server.session(id, &device).await
        };
        actors.push(Actor {
            name,
            officer_id,
            device,
            token: Some(token),
        });
    }
    // The owner's entries, stored before anyone asks.
    let owner = &actors[3];
    assert_eq!(owner.officer_id, OWNER);
    let revs = revisions(77, OWNER, 5);
    let res = push_as(server, owner, &as_values(&revs)).await;
    assert_eq!(res.status(), 200);
    let owner_ids = ids_of(&revs);

    // The disabled user: disabled behind the server's back (no session
    // revoked), to prove the flag is read at every request.
    run_sql(
        server.dir.path(),
        "UPDATE users SET disabled = true WHERE officer_id = 'pc-dis'",
    )
    .await;
    // The lost phone, revoked as `user revoke-device` does.
    let event = beatbook_server::db::accounts::NewEvent {
        at: chrono::Utc::now(),
        kind: "device_revoked",
        officer_id: Some("pc-rev"),
        actor: Some("test"),
        client_ip: None,
        device_id: Some("dev-pc-rev"),
        detail: "",
    };
    let ended = server
        .accounts
        .revoke_device("pc-rev", "dev-pc-rev", &event)
        .await
        .unwrap();
    assert_eq!(ended, 1);
    (actors, owner_ids)
}

async fn push_as(server: &TestServer, actor: &Actor, changes: &[Value]) -> reqwest::Response {
    let body = json!({"protocol": PROTOCOL_VERSION, "device_id": actor.device, "changes": changes});
    let mut req = client()
        .post(format!("{}/api/v1/sync/push", server.base))
        .json(&body);
    if let Some(t) = &actor.token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    req.send().await.unwrap()
}

async fn call(server: &TestServer, actor: &Actor, route: Route, seed: u64) -> reqwest::Response {
    let b = &server.base;
    if route == Route::Push {
        let mine = revisions(seed, actor.officer_id, 1);
        return push_as(server, actor, &as_values(&mine)).await;
    }
    if route == Route::SubmitReturn {
        let mut req = client()
            .post(format!("{b}/api/v1/returns"))
            .json(&json!({"from": "2026-01-01", "to": "2026-01-31", "team": "A"}));
        if let Some(t) = &actor.token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        return req.send().await.unwrap();
    }
    if route == Route::SetForce {
        let mut req = client().post(format!("{b}/api/v1/force")).json(
            &serde_json::json!({"lock_minutes": 10, "retention_days": 7, "stop_and_account": true}),
        );
        if let Some(t) = &actor.token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        return req.send().await.unwrap();
    }
    let (method, path) = match route {
        Route::Health => (Method::GET, "/api/v1/health".to_owned()),
        Route::Live => (Method::GET, "/api/v1/health/live".to_owned()),
        Route::Ready => (Method::GET, "/api/v1/health/ready".to_owned()),
        Route::Me => (Method::GET, "/api/v1/me".to_owned()),
        Route::Revisions => (Method::GET, "/api/v1/revisions?limit=1000".to_owned()),
        Route::RevisionsOfOwner => (
            Method::GET,
            format!("/api/v1/revisions?officer_id={OWNER}&limit=1000"),
        ),
        Route::Stats => (Method::GET, "/api/v1/stats".to_owned()),
        Route::StatsOfOwner => (Method::GET, format!("/api/v1/stats?officer_id={OWNER}")),
        Route::Force => (Method::GET, "/api/v1/force".to_owned()),
        Route::SubmittedReturn => (
            Method::GET,
            "/api/v1/returns/submitted?from=2026-01-01&to=2026-01-31&team=A".to_owned(),
        ),
        Route::ReturnChanges => (
            Method::GET,
            "/api/v1/returns/changes?from=2026-01-01&to=2026-01-31&team=A".to_owned(),
        ),
        Route::SignOut => (Method::POST, "/api/v1/auth/sign-out".to_owned()),
        Route::Push | Route::SetForce | Route::SubmitReturn => unreachable!(),
    };
    let mut req = client().request(method, format!("{b}{path}"));
    if let Some(t) = &actor.token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    req.send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_for_every_kind_of_caller() {
    timeout(TEST_TIMEOUT, async {
        let server = TestServer::start().await;
        let (actors, owner_ids) = setup(&server).await;
        let secrets: Vec<String> = actors.iter().filter_map(|a| a.token.clone()).collect();
        let mut seed = 1000;
        for actor in &actors {
            for (route, want) in ROUTES.into_iter().zip(row(actor.name)) {
                seed += 1;
                let res = call(&server, actor, route, seed).await;
                let status = res.status().as_u16();
                let www = res
                    .headers()
                    .get("www-authenticate")
                    .map(|v| v.to_str().unwrap().to_owned());
                let text = res.text().await.unwrap();
                let what = format!("{} {route:?}: {status} {text}", actor.name);
                // Nothing secret, ever.
                assert!(!text.contains("$argon2"), "{what}");
                assert!(!text.contains(TEST_PASSWORD), "{what}");
                for s in &secrets {
                    assert!(!text.contains(s.as_str()), "{what}: a token in the body");
                }
                match want {
                    Want::Ok => {
                        assert_eq!(status, 200, "{what}");
                        let body: Value = serde_json::from_str(&text).unwrap();
                        let shows_owner = owner_ids.iter().any(|id| text.contains(id.as_str()));
                        match route {
                            Route::Revisions | Route::RevisionsOfOwner => {
                                assert_eq!(shows_owner, sees_owner(actor.name), "{what}");
                                for r in body["revisions"].as_array().unwrap() {
                                    let o = r["officer_id"].as_str().unwrap();
                                    let team = match actor.name {
                                        "supervisor of the team" => "pc-a",
                                        "supervisor of another team" => "pc-b",
                                        _ => "(none)",
                                    };
                                    let allowed = o == actor.officer_id || o.starts_with(team);
                                    assert!(allowed, "{what}: sees {o}");
                                }
                            }
                            Route::Stats | Route::StatsOfOwner if sees_owner(actor.name) => {
                                assert!(body["revisions"].as_i64().unwrap() >= 5, "{what}");
                            }
                            Route::Stats => {
                                // Their own push of this run, and for a
                                // supervisor their team's: never the owner's 6.
                                assert!(body["revisions"].as_i64().unwrap() <= 2, "{what}");
                            }
                            Route::Me => {
                                assert_eq!(body["user"]["officer_id"], actor.officer_id, "{what}");
                            }
                            Route::Push => {
                                assert_eq!(body["results"][0]["outcome"], "stored", "{what}");
                            }
                            _ => {}
                        }
                    }
                    Want::Created => {
                        assert_eq!(status, 201, "{what}");
                        let body: Value = serde_json::from_str(&text).unwrap();
                        assert_eq!(body["teams"], json!(["A"]), "{what}");
                        assert_eq!(body["submitted_by"], actor.officer_id, "{what}");
                    }
                    Want::NoContent => {
                        assert_eq!(status, 204, "{what}");
                        assert!(text.is_empty(), "{what}");
                    }
                    Want::Refused(code, error) => {
                        assert_eq!(status, code, "{what}");
                        let body: Value = serde_json::from_str(&text).unwrap();
                        assert_eq!(body["error"], error, "{what}");
                        // Just the error and words: no data.
                        let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
                        assert_eq!(keys, ["error", "message"], "{what}");
                        assert!(!text.contains(OWNER), "{what}");
                        assert!(
                            !owner_ids.iter().any(|id| text.contains(id.as_str())),
                            "{what}"
                        );
                        if code == 401 {
                            assert!(
                                www.as_deref().is_some_and(|w| w.starts_with("Bearer")),
                                "{what}"
                            );
                        }
                    }
                }
            }
        }
        // After sign-out, each signed-in actor's token is refused as revoked.
        // (The last route is the sign-out.)
        let signed_out = |a: &&Actor| row(a.name).last() == Some(&Want::NoContent);
        assert_eq!(actors.iter().filter(signed_out).count(), 6);
        for actor in actors.iter().filter(signed_out) {
            let res = call(&server, actor, Route::Me, 0).await;
            assert_eq!(res.status(), 401, "{}", actor.name);
            let body: Value = res.json().await.unwrap();
            assert_eq!(body["error"], "session_revoked", "{}", actor.name);
        }

        // The security log has the refusals and the uses of dead sessions,
        // with who and from where, and no secret.
        let events = server.accounts.recent_events(1000).await.unwrap();
        let has = |kind: &str, officer: &str| {
            events.iter().any(|e| {
                e.kind == kind
                    && e.officer_id.as_deref() == Some(officer)
                    && e.client_ip.as_deref() == Some("127.0.0.1")
            })
        };
        assert!(has("permission_denied", "pc-a2"));
        assert!(has("permission_denied", "admin-1"));
        assert!(has("revoked_session_used", "pc-dis"));
        assert!(has("revoked_session_used", "pc-rev"));
        assert!(has("sign_out", OWNER));
        for e in &events {
            let line = format!("{e:?}");
            assert!(
                !line.contains("$argon2") && !line.contains(TEST_PASSWORD),
                "{line}"
            );
            for s in &secrets {
                assert!(!line.contains(s.as_str()), "{line}");
            }
        }
        server.stop().await;
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_carrying_another_officers_revision_is_rejected_per_change() {
    timeout(TEST_TIMEOUT, async {
        let server = TestServer::start().await;
        let mine = server.officer("pc-own").await;
        let theirs = revisions(31, "pc-someone-else", 2);
        let own = revisions(32, "pc-own", 3);
        let batch = as_values(&[
            own[0].clone(),
            theirs[0].clone(),
            own[1].clone(),
            theirs[1].clone(),
            own[2].clone(),
        ]);
        let res = push_ok(&server.base, &mine, &batch).await;
        assert_eq!(
            outcomes(&res),
            ["stored", "rejected", "stored", "rejected", "stored"]
        );
        for i in [1, 3] {
            let v = serde_json::to_value(&res.results[i].outcome).unwrap();
            assert_eq!(v["reason"]["rejection"], "not_your_entry");
            assert_eq!(res.results[i].id, Some(theirs[i / 2].id));
        }
        assert_eq!(server_ids(&server.base, &server.sup).await, ids_of(&own));

        // A supervisor pushes their own entries too, and no one else's.
        let sup_own = revisions(33, SUPERVISOR, 2);
        let res = push_ok(
            &server.base,
            &server
                .session(
                    server.add_user(SUPERVISOR, Role::Supervisor, &[]).await,
                    DEVICE,
                )
                .await,
            &as_values(&[sup_own[0].clone(), own[0].clone(), sup_own[1].clone()]),
        )
        .await;
        assert_eq!(outcomes(&res), ["stored", "rejected", "stored"]);

        // A push naming another device than the session's: refused whole.
        let other_device = json!({"protocol": PROTOCOL_VERSION, "device_id": "someone-elses-phone",
            "changes": as_values(&revisions(34, "pc-own", 2))});
        let res = client()
            .post(format!("{}/api/v1/sync/push", server.base))
            .bearer_auth(&mine)
            .json(&other_device)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"], "device_mismatch");
        let all: BTreeSet<String> = ids_of(&[own, sup_own].concat());
        assert_eq!(server_ids(&server.base, &server.sup).await, all);
        server.stop().await;
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_me_and_sign_out() {
    timeout(TEST_TIMEOUT, async {
        let config = AuthConfig {
            session_lifetime: chrono::Duration::hours(3),
            ..AuthConfig::default()
        };
        let server = TestServer::start_with(config).await;
        let b = &server.base;
        server
            .add_user("PC1234", Role::Supervisor, &["North", "South"])
            .await;
        let before = chrono::Utc::now();
        // Officer IDs ignore case and surrounding spaces; the answer gives the
        // ID as stored (what entries must carry).
        let res = sign_in(b, " pc1234 ", TEST_PASSWORD, "phone-1").await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["cache-control"], "no-store");
        let body: Value = res.json().await.unwrap();
        let keys: BTreeSet<&str> = body
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        assert_eq!(keys, BTreeSet::from(["token", "expires_at", "user"]));
        assert_eq!(
            body["user"],
            json!({"officer_id": "PC1234", "display_name": "Test PC1234", "role": "supervisor",
                   "teams": ["North", "South"]})
        );
        let token = body["token"].as_str().unwrap().to_owned();
        assert_eq!(token.len(), 43);
        let expires = beatbook_core::time::parse(body["expires_at"].as_str().unwrap()).unwrap();
        let lifetime = expires - before;
        assert!(
            lifetime >= chrono::Duration::hours(3) && lifetime < chrono::Duration::minutes(181)
        );

        let me: Value = client()
            .get(format!("{b}/api/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["user"], body["user"]);
        assert_eq!(me["expires_at"], body["expires_at"]);

        // The token works only in the header, never in a URL.
        for url in [
            format!("{b}/api/v1/me?token={token}"),
            format!("{b}/api/v1/me?access_token={token}"),
        ] {
            let res = client().get(url).send().await.unwrap();
            assert_eq!(res.status(), 401);
        }

        // Wrong password, unknown officer, disabled account: one answer.
        server.add_user("pc-off", Role::Officer, &["North"]).await;
        let ev = beatbook_server::db::accounts::NewEvent {
            at: chrono::Utc::now(),
            kind: "user_disabled",
            officer_id: Some("pc-off"),
            actor: Some("test"),
            client_ip: None,
            device_id: None,
            detail: "",
        };
        server
            .accounts
            .set_disabled("pc-off", true, &ev)
            .await
            .unwrap();
        let mut answers = BTreeSet::new();
        for (who, password) in [
            ("PC1234", "wrong password!"),
            ("nobody-here", TEST_PASSWORD),
            ("pc-off", TEST_PASSWORD),
            ("", ""),
        ] {
            let res = sign_in(b, who, password, "phone-1").await;
            assert_eq!(res.status(), 401, "{who}");
            answers.insert(res.text().await.unwrap());
        }
        assert_eq!(
            answers.into_iter().collect::<Vec<_>>(),
            [r#"{"error":"sign_in_failed","message":"Officer ID or password not recognised"}"#]
        );
        // A bad body is a 400, not a failed sign-in.
        let res = client()
            .post(format!("{b}/api/v1/auth/sign-in"))
            .json(&json!({"officer_id": "PC1234", "password": 5, "device_id": "x"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400);

        // Signing in again on the same device replaces the session.
        let second = sign_in_ok(b, "PC1234", TEST_PASSWORD, "phone-1").await;
        let other_device = sign_in_ok(b, "PC1234", TEST_PASSWORD, "tablet-2").await;
        let base = server.base.clone();
        let me = |t: String| {
            let base = base.clone();
            async move {
                let res = client()
                    .get(format!("{base}/api/v1/me"))
                    .bearer_auth(t)
                    .send()
                    .await
                    .unwrap();
                let status = res.status().as_u16();
                let body: Value = res.json().await.unwrap();
                (status, body["error"].as_str().unwrap_or("").to_owned())
            }
        };
        assert_eq!(me(token.clone()).await, (401, "session_revoked".into()));
        assert_eq!(me(second.clone()).await.0, 200);

        // Sign-out ends this session only.
        let res = client()
            .post(format!("{b}/api/v1/auth/sign-out"))
            .bearer_auth(&second)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 204);
        assert_eq!(me(second.clone()).await, (401, "session_revoked".into()));
        assert_eq!(me(other_device.clone()).await.0, 200);

        let events = server.accounts.recent_events(100).await.unwrap();
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        assert!(kinds.contains(&"sign_in") && kinds.contains(&"sign_out"));
        let failures: Vec<_> = events
            .iter()
            .filter(|e| e.kind == "sign_in_failed")
            .collect();
        assert_eq!(failures.len(), 4);
        for e in &events {
            let line = format!("{e:?}");
            for secret in [
                TEST_PASSWORD,
                "wrong password!",
                &token,
                &second,
                &other_device,
            ] {
                assert!(!line.contains(secret), "{line}");
            }
        }
        assert!(failures.iter().any(|e| e.detail == "account disabled"));
        assert!(failures
            .iter()
            .all(|e| e.client_ip.as_deref() == Some("127.0.0.1")));
        server.stop().await;
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_sign_ins_are_limited_per_pair_and_per_address() {
    timeout(TEST_TIMEOUT, async {
        // A small per-address limit, so the test needs few verifications.
        let mut config = AuthConfig::default();
        config.limits.per_address = beatbook_server::accounts::limit::Limit::new(20, 900);
        let server = TestServer::start_with(config).await;
        let b = &server.base;
        server.add_user("pc-target", Role::Officer, &["A"]).await;
        server.add_user("pc-other", Role::Officer, &["A"]).await;
        // Five failures for one officer ID from one address...
        for _ in 0..5 {
            let res = sign_in(b, "pc-target", "guess guess guess", "d1").await;
            assert_eq!(res.status(), 401);
        }
        // ...and the sixth attempt from there waits, even with the right
        // password (and whatever the case of the ID).
        for who in ["pc-target", "PC-TARGET"] {
            let res = sign_in(b, who, TEST_PASSWORD, "d1").await;
            assert_eq!(res.status(), 429, "{who}");
            let retry: u64 = res.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=900).contains(&retry), "{retry}");
            let body: Value = res.json().await.unwrap();
            assert_eq!(body["error"], "too_many_attempts");
        }
        // Another officer from the same address is not held up.
        sign_in_ok(b, "pc-other", TEST_PASSWORD, "d2").await;
        // Twenty failures from one address, over any officer IDs, hold up
        // the address (5 so far; the success did not count).
        for n in 0..15 {
            let res = sign_in(b, &format!("guess-{n}"), "guess guess guess", "d3").await;
            assert_eq!(res.status(), 401, "{n}");
        }
        let res = sign_in(b, "pc-other", TEST_PASSWORD, "d2").await;
        assert_eq!(res.status(), 429);
        assert!(res.headers().contains_key("retry-after"));
        server.stop().await;
    })
    .await
    .unwrap();
}

/// Deciding a shift (`POST /api/v1/shifts/{id}/review`): a supervisor of
/// the team whose shift it is, never its own officer. A supervisor's own
/// shift is read by them and by the team's other supervisors, and decided
/// only by the others (403 `own_shift` to themselves: they are a
/// supervisor of the team, but not of their own shift).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shift_is_decided_by_a_supervisor_of_its_team_other_than_its_own_officer() {
    timeout(TEST_TIMEOUT, async {
        let server = TestServer::start().await;
        let mut tokens = std::collections::BTreeMap::new();
        for (who, role, teams) in [
            ("pc-a", Role::Officer, &["A"][..]),
            ("sgt-a", Role::Supervisor, &["A"][..]),
            ("sgt-a2", Role::Supervisor, &["A"][..]),
            ("sgt-b", Role::Supervisor, &["B"][..]),
            ("admin-1", Role::Admin, &[][..]),
        ] {
            let id = server.add_user(who, role, teams).await;
            tokens.insert(who, server.session(id, DEVICE).await);
        }
        // Sergeant A's own shift, pushed from their phone.
        let revs = revisions(91, "sgt-a", 3);
        let shift = revs
            .iter()
            .find(|r| r.kind() == beatbook_core::RecordKind::Shift)
            .map(|r| r.entry_id)
            .expect("a shift among the revisions");
        push_ok(&server.base, &tokens["sgt-a"], &as_values(&revs)).await;
        let want_read = [
            ("pc-a", DENIED),
            ("sgt-a", Want::Ok),
            ("sgt-a2", Want::Ok),
            ("sgt-b", DENIED),
            ("admin-1", DENIED),
        ];
        let want_decide = [
            ("pc-a", DENIED),
            ("sgt-a", Want::Refused(403, "own_shift")),
            ("sgt-b", DENIED),
            ("admin-1", DENIED),
            ("sgt-a2", Want::Created),
        ];
        for (who, want) in want_read {
            let res = client()
                .get(format!("{}/api/v1/shifts/{shift}", server.base))
                .bearer_auth(&tokens[who])
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            let body: Value = res.json().await.unwrap();
            match want {
                Want::Ok => assert_eq!(status, 200, "{who}: {body}"),
                Want::Refused(code, error) => {
                    assert_eq!(
                        (status, body["error"].as_str()),
                        (code, Some(error)),
                        "{who}"
                    )
                }
                _ => unreachable!(),
            }
        }
        for (who, want) in want_decide {
            let res = client()
                .post(format!("{}/api/v1/shifts/{shift}/review", server.base))
                .bearer_auth(&tokens[who])
                .json(&json!({"state": "approved"}))
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            let body: Value = res.json().await.unwrap();
            match want {
                Want::Created => {
                    assert_eq!(status, 201, "{who}: {body}");
                    assert_eq!(body["reviewer"], who);
                }
                Want::Refused(code, error) => {
                    assert_eq!(
                        (status, body["error"].as_str()),
                        (code, Some(error)),
                        "{who}"
                    );
                    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
                    assert_eq!(keys, ["error", "message"], "{who}");
                }
                _ => unreachable!(),
            }
        }
    })
    .await
    .unwrap();
}
