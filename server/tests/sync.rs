//! Exactly-once sync against the real app (HTTP on 127.0.0.1, SQLite file).
// Tests may panic on the unexpected: clippy.toml allows unwrap/expect in
// #[test] functions, and these helpers are test code too.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;

use beatbook_core::sync::{
    Outcome, PushResponse, MAX_CHANGES_PER_PUSH, MAX_PUSH_BYTES, PROTOCOL_VERSION,
};
use beatbook_core::{Change, Revision};
use beatbook_tools::fault_proxy::{self, Drops};
use common::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use tokio::time::timeout;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_stores_every_new_revision() {
    timeout(TEST_TIMEOUT, async {
        let server = TestServer::start().await;
        let t = server.officer("officer-a").await;
        let revs = revisions(1, "officer-a", 30);
        let res = push_ok(&server.base, &t, &as_values(&revs)).await;
        assert!(
            outcomes(&res).iter().all(|o| o == "stored"),
            "{:?}",
            outcomes(&res)
        );
        for (r, rev) in res.results.iter().zip(&revs) {
            assert_eq!(r.id, Some(rev.id));
        }
        assert_eq!(server_ids(&server.base, &server.sup).await, ids_of(&revs));
        assert_eq!(server_ids(&server.base, &t).await, ids_of(&revs));
        let stats = stats(&server.base, &server.sup).await;
        let entries: BTreeSet<_> = revs.iter().map(|r| r.entry_id).collect();
        assert_eq!(stats["entries"], entries.len());
        assert_eq!(stats["conflicts"], 0);
        server.stop().await;
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_batch_twice_is_already_had_and_not_duplicated() {
    timeout(TEST_TIMEOUT, async {
        let server = TestServer::start().await;
        let t = server.officer("officer-b").await;
        let revs = revisions(2, "officer-b", 25);
        let first = push_ok(&server.base, &t, &as_values(&revs)).await;
        let second = push_ok(&server.base, &t, &as_values(&revs)).await;
        assert!(outcomes(&second).iter().all(|o| o == "already_had"));
        // The retry reports the receipt time of the original store.
        for (a, b) in first.results.iter().zip(&second.results) {
            let (Outcome::Stored { received_at: x }, Outcome::AlreadyHad { received_at: y }) =
                (&a.outcome, &b.outcome)
            else {
                panic!("{a:?} {b:?}");
            };
            assert_eq!(x, y);
        }
        // Key order and whitespace do not matter: the canonical bytes do.
        let reordered: Vec<Value> = as_values(&revs)
            .into_iter()
            .map(|v| {
                let mut pairs: Vec<(String, Value)> =
                    v.as_object().unwrap().clone().into_iter().collect();
                pairs.reverse();
                Value::Object(pairs.into_iter().collect())
            })
            .collect();
        let third = push_ok(&server.base, &t, &reordered).await;
        assert!(outcomes(&third).iter().all(|o| o == "already_had"));
        // The same revision twice in one push: stored once.
        let more = revisions(22, "officer-b", 3);
        let doubled = as_values(&[more.clone(), more.clone()].concat());
        let res = push_ok(&server.base, &t, &doubled).await;
        assert_eq!(
            outcomes(&res),
            [
                "stored",
                "stored",
                "stored",
                "already_had",
                "already_had",
                "already_had"
            ]
        );
        assert_eq!(
            server_ids(&server.base, &server.sup).await,
            ids_of(&[revs, more].concat())
        );
        server.stop().await;
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_order_batches_are_each_stored_once() {
    timeout(TEST_TIMEOUT, async {
        let server = TestServer::start().await;
        // 14 revisions: shift, patrol, 10 entries (the 10th a correction:
        // seq 2), patrol ended and shift ended (seq 2 each).
        let t = server.officer("officer-c").await;
        let revs = revisions(3, "officer-c", 14);
        let (seq2, seq1): (Vec<Revision>, Vec<Revision>) =
            revs.iter().cloned().partition(|r| r.seq == 2);
        assert_eq!(seq2.len(), 3);
        // Revisions 2 before their revisions 1, in another push: not
        // stored yet, and not refused for good: "send again" (retry).
        let res = push_ok(&server.base, &t, &as_values(&seq2)).await;
        assert!(outcomes(&res).iter().all(|o| o == "rejected"));
        assert!(res.results.iter().all(|r| r.retry), "{res:?}");
        let res = push_ok(&server.base, &t, &as_values(&seq1)).await;
        assert!(outcomes(&res).iter().all(|o| o == "stored"));
        let res = push_ok(&server.base, &t, &as_values(&revs)).await;
        let stored: Vec<bool> = outcomes(&res).iter().map(|o| o == "stored").collect();
        let second: Vec<bool> = revs.iter().map(|r| r.seq == 2).collect();
        assert_eq!(stored, second, "{res:?}");
        let res = push_ok(&server.base, &t, &as_values(&revs)).await;
        assert!(outcomes(&res).iter().all(|o| o == "already_had"));
        assert_eq!(server_ids(&server.base, &server.sup).await, ids_of(&revs));
        server.stop().await;
    })
    .await
    .unwrap();
}

async fn stored_body(base: &str, token: &str, id: &str) -> Value {
    let page: Value = get_json(base, token, "/api/v1/revisions?limit=1000").await;
    page["revisions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .map(|r| r["revision"].clone())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conflicts_are_kept_apart_and_never_overwrite() {
    timeout(TEST_TIMEOUT, async {
        let server = TestServer::start().await;
        let t = server.officer("officer-d").await;
        let revs = revisions(4, "officer-d", 6);
        push_ok(&server.base, &t, &as_values(&revs)).await;
        let note = revs[2].clone();
        let original = serde_json::to_value(&note).unwrap();

        // Same ID, different content.
        let mut changed = note.clone();
        changed.notes = "edited after the fact".into();
        // Another revision in a slot already taken.
        let mut slot_taken = note.clone();
        slot_taken.id = revisions(40, "x", 1)[0].id;
        // A revision claiming the entry is of another kind.
        let mut other_kind = revs[0].clone(); // the shift
        other_kind.id = revisions(41, "x", 1)[0].id;
        other_kind.entry_id = note.entry_id;
        other_kind.seq = 2;
        other_kind.change = Change::Corrected {
            reason: "typo".into(),
        };
        // Another officer's revision of this entry.
        let mut foreign = note.clone();
        foreign.id = revisions(42, "x", 1)[0].id;
        foreign.seq = 2;
        foreign.officer_id = "officer-z".into();
        foreign.change = Change::Corrected {
            reason: "typo".into(),
        };

        let batch = as_values(&[changed.clone(), slot_taken, other_kind, foreign]);
        let res = push_ok(&server.base, &t, &batch).await;
        let reasons: Vec<Value> = res
            .results
            .iter()
            .map(|r| serde_json::to_value(&r.outcome).unwrap())
            .collect();
        assert_eq!(reasons[0]["outcome"], "conflict");
        assert_eq!(
            reasons[0]["reason"]["conflict"],
            "same_id_different_content"
        );
        assert_eq!(reasons[1]["reason"]["conflict"], "sequence_taken");
        assert_eq!(reasons[1]["reason"]["seq"], 1);
        assert_eq!(reasons[2]["reason"]["conflict"], "kind_mismatch");
        assert_eq!(reasons[3]["outcome"], "rejected");
        assert_eq!(reasons[3]["reason"]["rejection"], "not_your_entry");
        // Each refusal says why in words, for the officer.
        for r in &res.results {
            assert!(r.message.as_deref().is_some_and(|m| !m.is_empty()), "{r:?}");
        }

        // The original is intact; the conflicts are kept once, even if re-sent.
        assert_eq!(
            stored_body(&server.base, &server.sup, &note.id.to_string()).await,
            original
        );
        assert_eq!(stats(&server.base, &server.sup).await["conflicts"], 3);
        let again = push_ok(&server.base, &t, &batch[..1]).await;
        assert_eq!(outcomes(&again), ["conflict"]);
        assert_eq!(stats(&server.base, &server.sup).await["conflicts"], 3);
        assert_eq!(server_ids(&server.base, &server.sup).await, ids_of(&revs));
        server.stop().await;
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_bad_change_does_not_block_the_others() {
    timeout(TEST_TIMEOUT, async {
        let server = TestServer::start().await;
        let t = server.officer("officer-e").await;
        let revs = revisions(5, "officer-e", 6);
        let mut batch = as_values(&revs);
        // Shift, patrol, note, stop, patrol ended, shift ended: spoil three
        // that nothing else names.
        batch[2]["occurred_at"] = json!("2999-01-01T00:00:00Z");
        batch[3]["record"] = json!({"pizza": {}});
        batch[4] = json!(42);
        let res = push_ok(&server.base, &t, &batch).await;
        assert_eq!(
            outcomes(&res),
            ["stored", "stored", "rejected", "rejected", "rejected", "stored"]
        );
        // Even an unreadable change is answered with its ID when it has one.
        assert_eq!(res.results[3].id, Some(revs[3].id));
        assert_eq!(res.results[4].id, None);
        let expected = ids_of(&[revs[0].clone(), revs[1].clone(), revs[5].clone()]);
        assert_eq!(server_ids(&server.base, &server.sup).await, expected);
        server.stop().await;
    })
    .await
    .unwrap();
}

/// How a bad input must be answered.
enum Expect {
    /// The whole request refused: status and error code.
    Refused(u16, &'static str),
    /// 200, with each change rejected: the rejection tag of the first.
    Rejected(&'static str),
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_with_json_and_nothing_is_stored() {
    timeout(TEST_TIMEOUT, async {
        let server = TestServer::start().await;
        let t = server.officer("officer-f").await;
        let valid = as_values(&revisions(6, "officer-f", 3));
        let with = |f: &dyn Fn(&mut Value)| {
            let mut v = valid[2].clone();
            f(&mut v);
            serde_json::to_vec(&push_body(&[v])).unwrap()
        };
        let raw = |s: &str| s.as_bytes().to_vec();
        let too_big = {
            let mut v = valid[2].clone();
            v["notes"] = json!("x".repeat(MAX_PUSH_BYTES));
            serde_json::to_vec(&push_body(&[v])).unwrap()
        };
        let too_many = serde_json::to_vec(&push_body(&vec![json!({}); MAX_CHANGES_PER_PUSH + 1])).unwrap();
        let old_protocol = serde_json::to_vec(&json!({
            "protocol": PROTOCOL_VERSION + 1, "device_id": "d", "changes": valid,
        }))
        .unwrap();

        let cases: Vec<(&str, Vec<u8>, Expect)> = vec![
            ("malformed JSON", raw(r#"{"protocol":1,"device_id":"d","changes":["#), Expect::Refused(400, "malformed_json")),
            ("empty body", raw(""), Expect::Refused(400, "malformed_json")),
            ("not an object", raw("[1,2,3]"), Expect::Refused(400, "bad_request")),
            ("protocol as string", raw(r#"{"protocol":"1","device_id":"d","changes":[]}"#), Expect::Refused(400, "bad_request")),
            ("changes not a list", raw(r#"{"protocol":1,"device_id":"d","changes":{"a":1}}"#), Expect::Refused(400, "bad_request")),
            ("missing device", raw(r#"{"protocol":1,"changes":[]}"#), Expect::Refused(400, "bad_request")),
            ("wrong protocol", old_protocol, Expect::Refused(400, "unsupported_protocol")),
            ("oversized body", too_big, Expect::Refused(413, "payload_too_large")),
            ("too many changes", too_many, Expect::Refused(413, "too_many_changes")),
            ("unknown record kind", with(&|v| v["record"] = json!({"pizza": {}})), Expect::Rejected("malformed")),
            ("unknown code", with(&|v| v["record"]["note"]["category"] = json!("gossip")), Expect::Rejected("malformed")),
            ("seq as string", with(&|v| v["seq"] = json!("1")), Expect::Rejected("malformed")),
            ("bad uuid", with(&|v| v["id"] = json!("not-a-uuid")), Expect::Rejected("malformed")),
            ("year 2999", with(&|v| v["occurred_at"] = json!("2999-06-01T12:00:00Z")), Expect::Rejected("invalid")),
            ("year 1970", with(&|v| v["captured_at"] = json!("1970-01-01T00:00:00Z")), Expect::Rejected("invalid")),
            ("not a date", with(&|v| v["occurred_at"] = json!("yesterday")), Expect::Rejected("malformed")),
            ("control char in text", with(&|v| v["record"]["note"]["text"] = json!("a\u{0}b")), Expect::Rejected("invalid")),
            ("control char in notes", with(&|v| v["notes"] = json!("bell\u{7}")), Expect::Rejected("invalid")),
            ("control char in officer", with(&|v| v["officer_id"] = json!("o\nfficer")), Expect::Rejected("invalid")),
            ("escape in unchecked-looking field", with(&|v| {
                v["record"] = json!({"asb_intervention": {"power": "informal_warning", "persons": 1,
                    "place": "Park", "behaviour": "Noise", "terms": "x\u{1b}[2J"}});
            }), Expect::Rejected("invalid")),
            ("control char in an optional field", with(&|v| {
                v["record"] = json!({"stop_search": {"self_defined_ethnicity": "NS",
                    "place_detained": "High St", "object": "drugs", "power": "mda_s23",
                    "grounds": "Smell", "outcome": "nfa", "outcome_linked_to_object": false,
                    "injury_or_damage": false, "vehicle_registration": "AB12\u{7}CDE"}});
            }), Expect::Rejected("invalid")),
            ("text too long", with(&|v| v["notes"] = json!("n".repeat(5000))), Expect::Rejected("invalid")),
            ("empty officer", with(&|v| v["officer_id"] = json!("  ")), Expect::Rejected("invalid")),
            ("change is null", serde_json::to_vec(&push_body(&[Value::Null])).unwrap(), Expect::Rejected("malformed")),
        ];

        let c = client();
        for (name, body, expect) in cases {
            let res = c
                .post(format!("{}/api/v1/sync/push", server.base))
                .bearer_auth(&t)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            let json: Value = res.json().await.unwrap_or_else(|e| panic!("{name}: body is not JSON: {e}"));
            match expect {
                Expect::Refused(code, error) => {
                    assert_eq!(status, code, "{name}: {json}");
                    assert_eq!(json["error"], error, "{name}: {json}");
                    assert!(json["message"].as_str().is_some_and(|m| !m.is_empty()), "{name}");
                }
                Expect::Rejected(tag) => {
                    assert_eq!(status, 200, "{name}: {json}");
                    let push: PushResponse = serde_json::from_value(json.clone()).unwrap();
                    for r in &push.results {
                        let v = serde_json::to_value(&r.outcome).unwrap();
                        assert_eq!(v["outcome"], "rejected", "{name}: {json}");
                        assert_eq!(v["reason"]["rejection"], tag, "{name}: {json}");
                    }
                }
            }
        }
        // Not JSON at all: refused by media type, still with a JSON body.
        let res = c
            .post(format!("{}/api/v1/sync/push", server.base))
            .bearer_auth(&t)
            .header("content-type", "text/plain")
            .body("hello")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 415);
        let json: Value = res.json().await.unwrap();
        assert_eq!(json["error"], "unsupported_media_type");

        // The protocol message tells the officer what to do.
        let res = c
            .post(format!("{}/api/v1/sync/push", server.base))
            .bearer_auth(&t)
            .json(&json!({"protocol": 0, "device_id": "d", "changes": []}))
            .send()
            .await
            .unwrap();
        let json: Value = res.json().await.unwrap();
        assert!(json["message"].as_str().unwrap().contains("reload the app"), "{json}");

        assert!(server_ids(&server.base, &server.sup).await.is_empty());
        let health = c.get(format!("{}/api/v1/health", server.base)).send().await.unwrap();
        assert_eq!(health.status(), 200);
        // And it still takes good data.
        let good = revisions(7, "officer-f", 4);
        push_ok(&server.base, &t, &as_values(&good)).await;
        assert_eq!(server_ids(&server.base, &server.sup).await, ids_of(&good));
        server.stop().await;
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_response_then_a_retry_stores_nothing_twice() {
    timeout(TEST_TIMEOUT, async {
        let server = TestServer::start().await;
        let t = server.officer("officer-g").await;
        // Forwards each push, waits for the whole answer (the server has
        // committed), then drops the next three instead of passing them on.
        let proxy = fault_proxy::start("127.0.0.1:0".parse().unwrap(), server.addr, Drops::Next(3))
            .await
            .unwrap();
        let batches: Vec<Vec<Revision>> = (0..3)
            .map(|i| revisions(100 + i, "officer-g", 40))
            .collect();
        let c = client();
        for batch in &batches {
            // The app's view: the push failed, nothing is known to be stored.
            let sent = c
                .post(format!("http://{}/api/v1/sync/push", proxy.addr))
                .bearer_auth(&t)
                .json(&push_body(&as_values(batch)))
                .send()
                .await;
            assert!(sent.is_err(), "the proxy should have dropped the response");
        }
        assert_eq!(proxy.counts().dropped, 3);
        // The app retries everything (through the proxy, now passing answers).
        let mut all = Vec::new();
        for batch in &batches {
            let res = push_ok(&format!("http://{}", proxy.addr), &t, &as_values(batch)).await;
            assert!(
                outcomes(&res).iter().all(|o| o == "already_had"),
                "{:?}",
                outcomes(&res)
            );
            all.extend(batch.iter().cloned());
        }
        assert_eq!(server_ids(&server.base, &server.sup).await, ids_of(&all));
        server.stop().await;
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_pushes_share_commits_and_lose_nothing() {
    timeout(TEST_TIMEOUT, async {
        let server = TestServer::start().await;
        let devices: Vec<Vec<Revision>> = (0..20)
            .map(|i| revisions(200 + i, &format!("officer-{i}"), 50))
            .collect();
        let mut tasks = Vec::new();
        for (i, revs) in devices.clone().into_iter().enumerate() {
            let base = server.base.clone();
            let t = server.officer(&format!("officer-{i}")).await;
            tasks.push(tokio::spawn(async move {
                for batch in revs.chunks(10) {
                    let res = push_ok(&base, &t, &as_values(batch)).await;
                    assert!(outcomes(&res).iter().all(|o| o == "stored"));
                    // And a duplicate, racing other devices' new data.
                    let res = push_ok(&base, &t, &as_values(batch)).await;
                    assert!(outcomes(&res).iter().all(|o| o == "already_had"));
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(
            server_ids(&server.base, &server.sup).await,
            ids_of(&devices.concat())
        );
        server.stop().await;
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_survives_a_graceful_restart() {
    timeout(TEST_TIMEOUT, async {
        let server = TestServer::start().await;
        let t = server.officer("officer-h").await;
        let revs = revisions(8, "officer-h", 20);
        push_ok(&server.base, &t, &as_values(&revs)).await;
        let dir = server.stop().await;
        let server = TestServer::start_in(dir).await;
        // Sessions survive a restart too.
        let res = push_ok(&server.base, &t, &as_values(&revs)).await;
        assert!(outcomes(&res).iter().all(|o| o == "already_had"));
        assert_eq!(server_ids(&server.base, &server.sup).await, ids_of(&revs));
        // Paging by officer returns the same set.
        let page: Value = client()
            .get(format!(
                "{}/api/v1/revisions?officer_id=officer-h&limit=7",
                server.base
            ))
            .bearer_auth(&server.sup)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(page["revisions"].as_array().unwrap().len(), 7);
        assert!(page["next_after"].is_i64());
        // An officer with nothing stored yet: an empty last page.
        let fresh = server.officer("officer-new").await;
        let none: Value = client()
            .get(format!(
                "{}/api/v1/revisions?officer_id=officer-new",
                server.base
            ))
            .bearer_auth(&fresh)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(none["revisions"], json!([]));
        assert_eq!(none["next_after"], Value::Null);
        server.stop().await;
    })
    .await
    .unwrap();
}
