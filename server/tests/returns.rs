//! Submitted programme returns (issue #11, item 6): a submitted period's
//! figures stay as they were while late syncs, corrections and reviews
//! arrive, each of which is listed as a change; resubmitting makes
//! revision 2 and keeps 1; only supervisors and admins submit; a rejected
//! shift's arrest still counts, as disputed; a withdrawn entry leaves the
//! counts and keeps its reason; March, with its clock change, is frozen
//! between local midnights.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;

use beatbook_core::auth::Role;
use beatbook_core::codes::*;
use beatbook_core::record::*;
use beatbook_core::{Change, EntryId, Record, Revision, RevisionId};
use chrono::{DateTime, TimeZone, Utc};
use common::*;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tokio::time::timeout;

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

/// One officer's revisions, made in order.
struct Book {
    officer: String,
}

impl Book {
    fn new(officer: &str) -> Self {
        Self {
            officer: officer.into(),
        }
    }

    fn rev(
        &self,
        entry: EntryId,
        seq: u32,
        change: Change,
        record: Record,
        at: DateTime<Utc>,
        shift: Option<EntryId>,
    ) -> Revision {
        revision(&self.officer, entry, seq, change, record, at, shift)
    }

    /// A shift, ended 8 hours after `start`.
    fn shift(&self, start: DateTime<Utc>) -> (EntryId, Vec<Revision>) {
        let id = EntryId::from_random_bytes(id16());
        let rec = Shift {
            role: Some(PatrollerRole::Police),
            callsign: "Alpha 1".into(),
            team: TEST_TEAM.into(),
            ended_at: None,
        };
        let ended = Shift {
            ended_at: Some(start + chrono::Duration::hours(8)),
            ..rec.clone()
        };
        let revs = vec![
            self.rev(id, 1, Change::Created, Record::Shift(rec), start, None),
            self.rev(id, 2, Change::Ended, Record::Shift(ended), start, None),
        ];
        (id, revs)
    }

    /// A new entry of `shift`.
    fn entry(&self, shift: EntryId, at: DateTime<Utc>, record: Record) -> Revision {
        let id = EntryId::from_random_bytes(id16());
        self.rev(id, 1, Change::Created, record, at, Some(shift))
    }

    /// The revision after `last`, with `change` and `record`.
    fn next(&self, last: &Revision, change: Change, record: Record) -> Revision {
        let mut r = last.clone();
        r.id = RevisionId::from_random_bytes(id16());
        r.seq += 1;
        r.change = change;
        r.record = record;
        r
    }
}

fn arrest(at: DateTime<Utc>) -> Record {
    Record::Arrest(Arrest {
        offence: "Possession".into(),
        place: "High Street".into(),
        grounds: "Found on search".into(),
        necessity: vec![NecessityCriterion::PromptInvestigation],
        necessity_reasons: [(
            NecessityCriterion::PromptInvestigation,
            "Drugs to be tested".to_owned(),
        )]
        .into(),
        caution_at: Some(at),
        custody_suite: "Central".into(),
        ..Arrest::default()
    })
}

fn stop(outcome: SearchOutcome) -> Record {
    Record::StopSearch(StopSearch {
        self_defined_ethnicity: Some(Ethnicity::NotStated),
        officer_perceived_ethnicity: Some(Ethnicity::W1),
        place_detained: "High Street".into(),
        object: Some(SearchObject::Drugs),
        power: Some(SearchPower::MisuseOfDrugs23),
        grounds: "Smell of cannabis".into(),
        outcome: Some(outcome),
        outcome_linked_to_object: Some(true),
        injury_or_damage: Some(false),
        ..StopSearch::default()
    })
}

async fn push(server: &TestServer, token: &str, revs: &[Revision]) {
    let res = push_ok(&server.base, token, &as_values(revs)).await;
    assert!(outcomes(&res).iter().all(|o| o == "stored"), "{res:?}");
}

async fn submit(server: &TestServer, token: &str, from: &str, to: &str) -> (u16, Value) {
    server
        .call(
            token,
            "POST",
            "/api/v1/returns",
            Some(json!({"from": from, "to": to})),
        )
        .await
}

async fn submitted(server: &TestServer, token: &str, query: &str) -> (u16, Value) {
    server
        .call(
            token,
            "GET",
            &format!("/api/v1/returns/submitted?{query}"),
            None,
        )
        .await
}

async fn changes(server: &TestServer, token: &str, query: &str) -> Vec<Value> {
    let (code, body) = server
        .call(
            token,
            "GET",
            &format!("/api/v1/returns/changes?{query}"),
            None,
        )
        .await;
    assert_eq!(code, 200, "{body}");
    body["changes"].as_array().unwrap().clone()
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The hash the server gives is the SHA-256 of the figures as served
/// (`canonical_figures`: serde's JSON of the return).
fn check_hash(body: &Value) {
    let figures: beatbook_core::review::ProgrammeReturn =
        serde_json::from_value(body["figures"].clone()).unwrap();
    let canonical = beatbook_core::returns::canonical_figures(&figures).unwrap();
    assert_eq!(body["sha256"], sha256_hex(&canonical), "{body}");
}

const OCT: &str = "from=2025-10-01&to=2025-10-31";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submitted_return_stays_frozen_and_lists_what_changed_since() {
    timeout(TEST_TIMEOUT, async {
        let server = TestServer::start().await;
        let pc = server.officer("pc-1").await;
        let sup = server.sup.clone();
        let book = Book::new("pc-1");
        let (shift, mut revs) = book.shift(utc(2025, 10, 10, 8, 0));
        let search = book.entry(shift, utc(2025, 10, 10, 9, 0), stop(SearchOutcome::Arrest));
        let first_arrest = book.entry(
            shift,
            utc(2025, 10, 10, 9, 5),
            arrest(utc(2025, 10, 10, 9, 5)),
        );
        revs.extend([search.clone(), first_arrest]);
        push(&server, &pc, &revs).await;

        let (code, sub) = submit(&server, &sup, "2025-10-01", "2025-10-31").await;
        assert_eq!(code, 201, "{sub}");
        assert_eq!(sub["revision"], 1);
        assert_eq!(sub["submitted_by"], SUPERVISOR);
        assert_eq!(sub["teams"], json!([TEST_TEAM]));
        assert_eq!(sub["figures"]["totals"]["arrests"], 1);
        assert_eq!(sub["figures"]["totals"]["stop_searches"], 1);
        check_hash(&sub);
        assert!(
            changes(&server, &sup, OCT).await.is_empty(),
            "nothing since"
        );

        // A late sync into October, a correction, and a review.
        let late = book.entry(
            shift,
            utc(2025, 10, 10, 11, 0),
            arrest(utc(2025, 10, 10, 11, 0)),
        );
        push(&server, &pc, std::slice::from_ref(&late)).await;
        let corrected = book.next(
            &search,
            Change::Corrected {
                reason: "Outcome was NFA".into(),
            },
            stop(SearchOutcome::NoFurtherAction),
        );
        push(&server, &pc, std::slice::from_ref(&corrected)).await;
        let (code, _) = server
            .call(
                &sup,
                "POST",
                &format!("/api/v1/shifts/{shift}/review"),
                Some(json!({"state": "has_issues", "comment": "Check the search"})),
            )
            .await;
        assert_eq!(code, 201);
        // Something outside the period changes nothing in the list.
        let (other_shift, other) = book.shift(utc(2025, 11, 3, 8, 0));
        push(&server, &pc, &other).await;
        push(
            &server,
            &pc,
            &[book.entry(
                other_shift,
                utc(2025, 11, 3, 9, 0),
                arrest(utc(2025, 11, 3, 9, 0)),
            )],
        )
        .await;

        // The submitted figures are as they were, byte for byte.
        let (code, now) = submitted(&server, &sup, OCT).await;
        assert_eq!(code, 200, "{now}");
        assert_eq!(now["figures"], sub["figures"]);
        assert_eq!(now["sha256"], sub["sha256"]);
        assert_eq!(now["revision"], 1);
        assert_eq!(now["revisions"], 1);
        // The live return has moved on.
        let (_, live) = server
            .call(&sup, "GET", &format!("/api/v1/return?{OCT}"), None)
            .await;
        assert_eq!(live["totals"]["arrests"], 2);
        assert_eq!(live["totals"]["stop_search_outcomes"], json!({"nfa": 1}));

        // The change list names each: the late entry, the correction with
        // its reason, the review with its state and comment.
        let list = changes(&server, &sup, OCT).await;
        let kinds: Vec<(&str, &str)> = list
            .iter()
            .map(|c| (c["kind"].as_str().unwrap(), c["entry_id"].as_str().unwrap()))
            .collect();
        let (late_id, search_id, shift_id) = (
            late.entry_id.to_string(),
            search.entry_id.to_string(),
            shift.to_string(),
        );
        assert_eq!(
            kinds,
            [
                ("late_sync", late_id.as_str()),
                ("correction", search_id.as_str()),
                ("review", shift_id.as_str()),
            ],
            "{list:?}"
        );
        assert_eq!(list[1]["detail"], "Outcome was NFA");
        assert_eq!(list[2]["detail"], "has_issues: Check the search");
        assert_eq!(list[0]["reference"], late.entry_id.reference());
        assert_eq!(list[0]["entry_kind"], "arrest");

        // The CSV of the submitted period is the submitted figures.
        let csv = server
            .text_as(
                &sup,
                &format!("/api/v1/export/return.csv?{OCT}&reason=Home%20Office%20return"),
            )
            .await;
        assert!(csv.contains("submission,all,revision,1\r\n"), "{csv}");
        assert!(
            csv.contains(&format!(
                "submission,all,sha256,{}\r\n",
                sub["sha256"].as_str().unwrap()
            )),
            "{csv}"
        );
        assert!(csv.contains("total,all,arrests,1\r\n"), "{csv}");
        assert!(
            csv.contains("total,all,stop_search_outcome:arrest,1\r\n"),
            "{csv}"
        );

        // Submitting again: revision 2, with today's figures; 1 is kept.
        let (code, second) = submit(&server, &sup, "2025-10-01", "2025-10-31").await;
        assert_eq!(code, 201, "{second}");
        assert_eq!(second["revision"], 2);
        assert_eq!(second["figures"]["totals"]["arrests"], 2);
        check_hash(&second);
        assert_ne!(second["sha256"], sub["sha256"]);
        let (_, latest) = submitted(&server, &sup, OCT).await;
        assert_eq!(
            (latest["revision"].clone(), latest["revisions"].clone()),
            (json!(2), json!(2))
        );
        let (_, one) = submitted(&server, &sup, &format!("{OCT}&revision=1")).await;
        assert_eq!(one["figures"], sub["figures"]);
        assert_eq!(one["revisions"], 2);
        assert_eq!(
            submitted(&server, &sup, &format!("{OCT}&revision=3"))
                .await
                .0,
            404
        );
        assert!(
            changes(&server, &sup, OCT).await.is_empty(),
            "measured against revision 2"
        );
        // Revision 1's changes are still there to read.
        assert_eq!(
            changes(&server, &sup, &format!("{OCT}&revision=1"))
                .await
                .len(),
            3
        );
        let csv = server
            .text_as(
                &sup,
                &format!("/api/v1/export/return.csv?{OCT}&reason=Revised"),
            )
            .await;
        assert!(
            csv.contains("submission,all,revision,2\r\n")
                && csv.contains("total,all,arrests,2\r\n"),
            "{csv}"
        );

        // Every submission and read is in the s62 log.
        let log = server.accounts.access_log(100).await.unwrap();
        let count = |action: &str| log.iter().filter(|r| r.action == action).count();
        assert_eq!(count("return_submit"), 2);
        assert_eq!(count("return_submitted_view"), 4);
        assert_eq!(count("return_changes_view"), 4);
        assert!(log
            .iter()
            .all(|r| r.action != "return_submit" || r.officer_id == SUPERVISOR));
        server.stop().await;
    })
    .await
    .expect("test timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_supervisors_and_admins_submit() {
    timeout(TEST_TIMEOUT, async {
        let server = TestServer::start().await;
        let pc = server.officer("pc-1").await;
        let (code, body) = submit(&server, &pc, "2025-10-01", "2025-10-31").await;
        assert_eq!(
            (code, body["error"].as_str()),
            (403, Some("forbidden")),
            "{body}"
        );
        assert_eq!(submitted(&server, &pc, OCT).await.0, 403);
        let other = server.add_user("sgt-b", Role::Supervisor, &["other"]).await;
        let other = server.session(other, "desk-b").await;
        let (code, _) = server
            .call(
                &other,
                "POST",
                "/api/v1/returns",
                Some(json!({"from": "2025-10-01", "to": "2025-10-31", "team": TEST_TEAM})),
            )
            .await;
        assert_eq!(code, 403, "not their team");
        let admin = server.add_user("admin-1", Role::Admin, &[]).await;
        let admin = server.session(admin, "desk-a").await;
        let (code, body) = submit(&server, &admin, "2025-10-01", "2025-10-31").await;
        assert_eq!(code, 400, "an admin names the team: {body}");
        let (code, body) = server
            .call(
                &admin,
                "POST",
                "/api/v1/returns",
                Some(json!({"from": "2025-10-01", "to": "2025-10-31", "team": "nowhere"})),
            )
            .await;
        assert_eq!(code, 400, "{body}");
        assert!(
            body["message"].as_str().unwrap().contains("nowhere"),
            "{body}"
        );
        let (code, body) = server
            .call(
                &admin,
                "POST",
                "/api/v1/returns",
                Some(json!({"from": "2025-10-01", "to": "2025-10-31", "team": TEST_TEAM})),
            )
            .await;
        assert_eq!((code, body["revision"].clone()), (201, json!(1)), "{body}");
        // The team's supervisor reads what the admin submitted: one return per team.
        let (code, body) = submitted(&server, &server.sup, OCT).await;
        assert_eq!(
            (code, body["submitted_by"].as_str()),
            (200, Some("admin-1")),
            "{body}"
        );
        // Bad input is a clear 400, never a panic.
        for bad in [
            json!({"from": "2025-10-31", "to": "2025-10-01"}),
            json!({"from": "1 Oct", "to": "2025-10-31"}),
            json!({"from": "2025-10-01"}),
            json!([1, 2]),
        ] {
            let (code, body) = server
                .call(&server.sup, "POST", "/api/v1/returns", Some(bad.clone()))
                .await;
            assert_eq!(code, 400, "{bad}: {body}");
        }
        let (code, body) = submitted(&server, &server.sup, "from=2025-11-01&to=2025-11-30").await;
        assert_eq!(
            (code, body["error"].as_str()),
            (404, Some("not_found")),
            "{body}"
        );
        assert_eq!(
            submitted(&server, &server.sup, &format!("{OCT}&revision=0"))
                .await
                .0,
            400
        );
        server.stop().await;
    })
    .await
    .expect("test timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_shifts_arrest_still_counts_and_shows_as_disputed() {
    timeout(TEST_TIMEOUT, async {
        let server = TestServer::start().await;
        let pc = server.officer("pc-1").await;
        let book = Book::new("pc-1");
        let (good, mut revs) = book.shift(utc(2025, 10, 10, 8, 0));
        revs.push(book.entry(
            good,
            utc(2025, 10, 10, 9, 0),
            arrest(utc(2025, 10, 10, 9, 0)),
        ));
        let (bad, more) = book.shift(utc(2025, 10, 12, 8, 0));
        revs.extend(more);
        revs.push(book.entry(
            bad,
            utc(2025, 10, 12, 9, 0),
            arrest(utc(2025, 10, 12, 9, 0)),
        ));
        revs.push(book.entry(bad, utc(2025, 10, 12, 9, 30), stop(SearchOutcome::Arrest)));
        push(&server, &pc, &revs).await;
        let (code, _) = server
            .call(
                &server.sup,
                "POST",
                &format!("/api/v1/shifts/{bad}/review"),
                Some(json!({"state": "rejected", "comment": "Wrong callsign"})),
            )
            .await;
        assert_eq!(code, 201);
        let (code, sub) = submit(&server, &server.sup, "2025-10-01", "2025-10-31").await;
        assert_eq!(code, 201, "{sub}");
        let f = &sub["figures"];
        assert_eq!(
            f["totals"]["arrests"], 2,
            "the rejected shift's arrest counts: {f}"
        );
        assert_eq!(f["totals"]["stop_searches"], 1);
        assert_eq!(f["disputed_shifts"], 1);
        assert_eq!(f["disputed"]["arrests"], 1, "and shows as disputed");
        assert_eq!(f["disputed"]["stop_searches"], 1);
        assert_eq!(f["by_role"]["police"]["arrests"], 2);
        let csv = server
            .text_as(
                &server.sup,
                &format!("/api/v1/export/return.csv?{OCT}&reason=Return"),
            )
            .await;
        assert!(csv.contains("period,all,disputed_shifts,1\r\n"), "{csv}");
        assert!(csv.contains("disputed,all,arrests,1\r\n"), "{csv}");
        assert!(csv.contains("total,all,arrests,2\r\n"), "{csv}");
        server.stop().await;
    })
    .await
    .expect("test timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_withdrawn_entry_leaves_the_counts_and_keeps_its_reason() {
    timeout(TEST_TIMEOUT, async {
        let server = TestServer::start().await;
        let pc = server.officer("pc-1").await;
        let book = Book::new("pc-1");
        let (shift, mut revs) = book.shift(utc(2025, 10, 10, 8, 0));
        let kept = book.entry(
            shift,
            utc(2025, 10, 10, 9, 0),
            arrest(utc(2025, 10, 10, 9, 0)),
        );
        let twice = book.entry(
            shift,
            utc(2025, 10, 10, 9, 1),
            arrest(utc(2025, 10, 10, 9, 1)),
        );
        revs.extend([kept, twice.clone()]);
        push(&server, &pc, &revs).await;
        let withdrawal = book.next(
            &twice,
            Change::Withdrawn {
                reason: "Entered twice".into(),
            },
            twice.record.clone(),
        );
        push(&server, &pc, std::slice::from_ref(&withdrawal)).await;

        let (_, live) = server
            .call(&server.sup, "GET", &format!("/api/v1/return?{OCT}"), None)
            .await;
        assert_eq!(live["totals"]["arrests"], 1, "{live}");
        assert_eq!(live["withdrawn"], 1);
        assert_eq!(live["disputed"]["arrests"], 0);
        // The shift record flags it, with the reason; the history keeps both revisions.
        let (_, detail) = server
            .call(&server.sup, "GET", &format!("/api/v1/shifts/{shift}"), None)
            .await;
        let flag = detail["flags"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["flag"] == "withdrawn")
            .unwrap_or_else(|| panic!("{detail}"));
        assert_eq!(flag["entry_id"], twice.entry_id.to_string());
        assert_eq!(flag["fields"], json!(["Entered twice"]));
        let history: Vec<&Value> = detail["revisions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["entry_id"] == twice.entry_id.to_string())
            .collect();
        assert_eq!(history.len(), 2);
        assert_eq!(
            history[1]["revision"]["change"],
            json!({"type": "withdrawn", "reason": "Entered twice"})
        );
        // Nothing follows a withdrawal; one without a reason is refused.
        let after = book.next(
            &withdrawal,
            Change::Corrected {
                reason: "undo".into(),
            },
            twice.record.clone(),
        );
        let res = push_ok(&server.base, &pc, &as_values(&[after])).await;
        assert_eq!(outcomes(&res), ["rejected"], "{res:?}");
        let text = serde_json::to_string(&res).unwrap();
        assert!(text.contains("\"rejection\":\"withdrawn\""), "{text}");
        let (_, other) = book.shift(utc(2025, 10, 11, 8, 0));
        push(&server, &pc, &other).await;
        let blank = book.next(
            &other[1],
            Change::Withdrawn {
                reason: "  ".into(),
            },
            other[1].record.clone(),
        );
        let res = push_ok(&server.base, &pc, &as_values(&[blank])).await;
        let text = serde_json::to_string(&res).unwrap();
        assert!(text.contains("\"field\":\"reason\""), "{text}");
        server.stop().await;
    })
    .await
    .expect("test timed out");
}

/// March 2026: GMT until 01:00 UTC on Sunday 29 March, BST after. The
/// month runs from 00:00 GMT on 1 March (00:00 UTC) to 00:00 BST on 1
/// April (23:00 UTC on 31 March), and the change list keeps to it too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn march_with_its_clock_change_is_frozen_between_local_midnights() {
    timeout(TEST_TIMEOUT, async {
        let server = TestServer::start().await;
        let pc = server.officer("pc-1").await;
        let book = Book::new("pc-1");
        let (feb, mut revs) = book.shift(utc(2026, 2, 28, 16, 0));
        revs.push(book.entry(
            feb,
            utc(2026, 2, 28, 23, 59),
            arrest(utc(2026, 2, 28, 23, 59)),
        ));
        let (first, more) = book.shift(utc(2026, 2, 28, 23, 0));
        revs.extend(more);
        revs.push(book.entry(first, utc(2026, 3, 1, 0, 0), arrest(utc(2026, 3, 1, 0, 0))));
        let (last, more) = book.shift(utc(2026, 3, 31, 16, 0));
        revs.extend(more);
        revs.push(book.entry(
            last,
            utc(2026, 3, 31, 22, 59),
            arrest(utc(2026, 3, 31, 22, 59)),
        ));
        revs.push(book.entry(
            last,
            utc(2026, 3, 31, 23, 0),
            arrest(utc(2026, 3, 31, 23, 0)),
        ));
        push(&server, &pc, &revs).await;
        let (code, sub) = submit(&server, &server.sup, "2026-03-01", "2026-03-31").await;
        assert_eq!(code, 201, "{sub}");
        assert_eq!(sub["figures"]["time_zone"], "Europe/London");
        assert_eq!(
            sub["figures"]["totals"]["arrests"], 2,
            "00:00 GMT on the 1st and 23:59 BST on the 31st: {sub}"
        );
        // Late entries on either side of the month's end.
        let april = book.entry(
            last,
            utc(2026, 3, 31, 23, 30),
            arrest(utc(2026, 3, 31, 23, 30)),
        );
        let march = book.entry(
            last,
            utc(2026, 3, 31, 22, 30),
            arrest(utc(2026, 3, 31, 22, 30)),
        );
        push(&server, &pc, &[april, march.clone()]).await;
        let q = "from=2026-03-01&to=2026-03-31";
        let list = changes(&server, &server.sup, q).await;
        assert_eq!(list.len(), 1, "{list:?}");
        assert_eq!(list[0]["entry_id"], march.entry_id.to_string());
        let (_, still) = submitted(&server, &server.sup, q).await;
        assert_eq!(still["figures"], sub["figures"]);
        // April's return starts where March's ended.
        let (_, april) = server
            .call(
                &server.sup,
                "GET",
                "/api/v1/return?from=2026-04-01&to=2026-04-30",
                None,
            )
            .await;
        assert_eq!(april["totals"]["arrests"], 2, "{april}");
        server.stop().await;
    })
    .await
    .expect("test timed out");
}
