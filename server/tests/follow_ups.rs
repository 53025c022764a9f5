//! Immediate Justice follow-ups recorded by anyone in the team (issue #11,
//! item 7): a teammate's follow-up counts in the return (the 48-hour start
//! in hours, the completion in the month of its day) and in entries.csv; a
//! stranger is told what an unknown entry is told; a resend is already
//! had and a changed one a conflict; membership at the shift's start
//! decides; a follow-up after a submission is listed as a change; the
//! referring officer's own later correction of the hours is the latest
//! again (one that only mends the name leaves the follow-up standing), and
//! a phone two hours fast does not make an earlier correction the later word.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;

use beatbook_core::auth::Role;
use beatbook_core::codes::*;
use beatbook_core::record::*;
use beatbook_core::{Change, EntryId, Record, Revision, RevisionId};
use beatbook_server::db::accounts::NewEvent;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use common::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use tokio::time::timeout;

fn utc(m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, m, d, h, min, 0).unwrap()
}

fn day(m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(2025, m, d)
}

fn created(officer: &str, at: DateTime<Utc>, shift: Option<EntryId>, record: Record) -> Revision {
    Revision {
        id: RevisionId::from_random_bytes(id16()),
        entry_id: EntryId::from_random_bytes(id16()),
        seq: 1,
        officer_id: officer.into(),
        captured_at: at,
        occurred_at: at,
        shift_id: shift,
        patrol_id: None,
        location: None,
        notes: String::new(),
        change: Change::Created,
        record,
        clock_offset_ms: None,
        prev: None,
    }
}

fn referral(hours_ordered: u32) -> IjReferral {
    IjReferral {
        person: "IJ ref".into(),
        disposal: Some(IjDisposal::CommunityResolution),
        referral_date: day(10, 10),
        victim_consulted: Some(true),
        hours_ordered: Some(hours_ordered),
        hours_completed: Some(0),
        result: Some(IjOutcome::InProgress),
        ..IjReferral::default()
    }
}

/// pc-1 of the test team: a shift on 10 October 2025 at 08:00 (BST) with
/// referral A (09:00, 6 hours) and referral B (10:00, 4 hours), none
/// started. Their entry IDs, and pc-1's token.
struct Fixture {
    server: TestServer,
    pc1: String,
    a: Revision,
    b: EntryId,
}

async fn fixture() -> Fixture {
    let server = TestServer::start().await;
    let pc1 = server.officer("pc-1").await;
    let shift = created(
        "pc-1",
        utc(10, 10, 7, 0),
        None,
        Record::Shift(Shift {
            role: Some(PatrollerRole::Police),
            callsign: "Bravo 1".into(),
            team: TEST_TEAM.into(),
            ended_at: None,
        }),
    );
    let a = created(
        "pc-1",
        utc(10, 10, 8, 0),
        Some(shift.entry_id),
        Record::IjReferral(referral(6)),
    );
    let b = created(
        "pc-1",
        utc(10, 10, 9, 0),
        Some(shift.entry_id),
        Record::IjReferral(referral(4)),
    );
    let res = push_ok(
        &server.base,
        &pc1,
        &as_values(&[shift, a.clone(), b.clone()]),
    )
    .await;
    assert!(outcomes(&res).iter().all(|o| o == "stored"), "{res:?}");
    Fixture {
        server,
        pc1,
        a,
        b: b.entry_id,
    }
}

fn event(kind: &str) -> NewEvent<'_> {
    NewEvent {
        at: Utc::now(),
        kind,
        officer_id: None,
        actor: Some("test"),
        client_ip: None,
        device_id: None,
        detail: "",
    }
}

/// A follow-up of `entry` (its ID `n`-th of the test).
fn follow_up(entry: EntryId, n: u8, body: Value) -> Value {
    let mut f = json!({
        "follow_up_id": format!("00000000-0000-4000-8000-0000000000{n:02x}"),
        "entry_id": entry.to_string(),
        "reason": "IJ coordinator: the provider confirmed the hours",
    });
    for (k, v) in body.as_object().unwrap() {
        f[k] = v.clone();
    }
    f
}

/// A's completion: started 47 h 59 min after the referral (08:00 UTC),
/// every hour done, completed on 3 November.
fn a_completed(a: EntryId) -> Value {
    follow_up(
        a,
        1,
        json!({"reparation_started_at": "2025-10-12T07:59:00Z", "hours_completed": 6,
               "result": "completed", "completed_on": "2025-11-03"}),
    )
}

fn path(entry: EntryId) -> String {
    format!("/api/v1/ij-referrals/{entry}/follow-ups")
}

async fn post(server: &TestServer, token: &str, entry: EntryId, body: &Value) -> (u16, Value) {
    let res = client()
        .post(format!("{}{}", server.base, path(entry)))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

async fn list(server: &TestServer, token: &str, entry: EntryId) -> (u16, Value) {
    let res = client()
        .get(format!("{}{}", server.base, path(entry)))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

async fn totals(server: &TestServer, from: &str, to: &str) -> Value {
    server.sup_return(from, to).await["totals"].clone()
}

/// `entry`'s line of October's `entries.csv`, as column to cell.
async fn october_row(server: &TestServer, entry: EntryId) -> BTreeMap<String, String> {
    let csv = server
        .sup_text("/api/v1/export/entries.csv?from=2025-10-01&to=2025-10-31&reason=test")
        .await;
    csv_maps(&csv)
        .into_iter()
        .find(|r| r["entry_id"] == entry.to_string())
        .unwrap()
}

/// (referrals, started within 48 h, completed) of a return's totals.
fn ij(t: &Value) -> (u64, u64, u64) {
    let n = |k: &str| t[k].as_u64().unwrap();
    (
        n("ij_referrals"),
        n("ij_started_within_48h"),
        n("ij_completed"),
    )
}

#[tokio::test]
async fn a_teammates_follow_up_counts_its_start_in_hours_and_its_completion_in_its_month() {
    timeout(TEST_TIMEOUT, async {
        let f = fixture().await;
        let s = &f.server;
        assert_eq!(ij(&totals(s, "2025-10-01", "2025-10-31").await), (2, 0, 0));
        let pc2 = s.officer("pc-2").await;
        let (status, answer) = post(s, &pc2, f.a.entry_id, &a_completed(f.a.entry_id)).await;
        assert_eq!(status, 201, "{answer}");
        assert_eq!(answer["outcome"], "stored");
        assert_eq!(answer["stored"]["recorded_by"], "pc-2");
        // B started 48 h 1 min after its referral: two days by the dates,
        // not within 48 hours.
        let b_started = follow_up(
            f.b,
            2,
            json!({"reparation_started_at": "2025-10-12T09:01:00Z", "hours_completed": 1,
                   "result": "in_progress"}),
        );
        assert_eq!(post(s, &s.sup, f.b, &b_started).await.0, 201);

        assert_eq!(ij(&totals(s, "2025-10-01", "2025-10-31").await), (2, 1, 0));
        assert_eq!(ij(&totals(s, "2025-11-01", "2025-11-30").await), (0, 0, 1));

        // The referring officer and the supervisor read it too.
        for token in [&f.pc1, &s.sup] {
            let (status, listed) = list(s, token, f.a.entry_id).await;
            assert_eq!(status, 200);
            let all = listed["follow_ups"].as_array().unwrap();
            assert_eq!(all.len(), 1, "{listed}");
            assert_eq!(all[0]["follow_up"]["hours_completed"], 6);
        }

        // entries.csv rebuilds the same.
        let a = october_row(s, f.a.entry_id).await;
        assert_eq!(a["ij_hours_completed"], "6");
        assert_eq!(a["ij_result"], "completed");
        assert_eq!(a["ij_completed_on"], "2025-11-03");
        assert_eq!(
            a["ij_reparation_started_at"],
            "2025-10-12T08:59:00.000000+01:00"
        );
        // The referral itself is unchanged: still pc-1's one revision.
        assert_eq!(a["revisions"], "1");

        // pc-1 mends the person's name on the phone after that. The phone
        // knows nothing of pc-2's follow-up and repeats the hours and the
        // result it holds: the follow-up still stands.
        let mut mended = f.a.clone();
        mended.id = RevisionId::from_random_bytes(id16());
        mended.seq = 2;
        mended.captured_at = Utc::now() + chrono::Duration::seconds(5);
        mended.change = Change::Corrected {
            reason: "Name misspelt".into(),
        };
        let Record::IjReferral(before) = &f.a.record else {
            panic!("A is a referral");
        };
        mended.record = Record::IjReferral(IjReferral {
            person: "IJ ref (mended)".into(),
            ..before.clone()
        });
        let res = push_ok(&s.base, &f.pc1, &as_values(std::slice::from_ref(&mended))).await;
        assert_eq!(outcomes(&res), ["stored"], "{res:?}");
        assert_eq!(ij(&totals(s, "2025-11-01", "2025-11-30").await), (0, 0, 1));
        let a = october_row(s, f.a.entry_id).await;
        assert_eq!(
            (a["ij_hours_completed"].as_str(), a["revisions"].as_str()),
            ("6", "2")
        );

        // Then pc-1 corrects the hours themselves: the latest recorded
        // is the correction, so the completion is gone again.
        let mut fixed = f.a.clone();
        fixed.id = RevisionId::from_random_bytes(id16());
        fixed.seq = 3;
        fixed.captured_at = Utc::now() + chrono::Duration::seconds(10);
        fixed.change = Change::Corrected {
            reason: "Hours were wrong".into(),
        };
        fixed.record = Record::IjReferral(IjReferral {
            reparation_started_at: Some(utc(10, 12, 7, 59)),
            hours_completed: Some(5),
            ..referral(6)
        });
        let res = push_ok(&s.base, &f.pc1, &as_values(&[fixed])).await;
        assert_eq!(outcomes(&res), ["stored"], "{res:?}");
        assert_eq!(ij(&totals(s, "2025-11-01", "2025-11-30").await), (0, 0, 0));
        assert_eq!(ij(&totals(s, "2025-10-01", "2025-10-31").await), (2, 1, 0));
    })
    .await
    .expect("test timed out");
}

/// pc-1's correction of A's hours to `hours`, saved on a phone two hours
/// fast (`known`: the app knew its offset from the server's clock).
fn fast_correction(
    a: &Revision,
    seq: u32,
    hours: u32,
    captured_at: DateTime<Utc>,
    known: bool,
) -> Revision {
    let mut fixed = a.clone();
    fixed.id = RevisionId::from_random_bytes(id16());
    fixed.seq = seq;
    fixed.captured_at = captured_at;
    fixed.clock_offset_ms = known.then_some(-2 * 3_600_000);
    fixed.change = Change::Corrected {
        reason: "Hours were wrong".into(),
    };
    fixed.record = Record::IjReferral(IjReferral {
        reparation_started_at: Some(utc(10, 12, 7, 59)),
        hours_completed: Some(hours),
        ..referral(6)
    });
    fixed
}

/// A phone two hours fast: pc-1 corrects A's hours before pc-2 records
/// its completion, but the correction's `captured_at` says two hours after.
/// Set right by the offset the app knew, or, when it knew none, held to
/// when the server received it, the correction is the earlier word and the
/// follow-up stands; a correction really made after the follow-up still
/// takes over.
#[tokio::test]
async fn a_phone_two_hours_fast_does_not_outrank_a_later_follow_up() {
    timeout(TEST_TIMEOUT, async {
        for known in [true, false] {
            let f = fixture().await;
            let s = &f.server;
            let fast = || Utc::now() + chrono::Duration::hours(2);
            let before = fast_correction(&f.a, 2, 5, fast(), known);
            // Without a known offset only the push's device time tells the
            // server the phone runs ahead (the app sends its clock).
            let res = client()
                .post(format!("{}/api/v1/sync/push", s.base))
                .bearer_auth(&f.pc1)
                .json(&json!({"protocol": beatbook_core::sync::PROTOCOL_VERSION,
                              "device_id": DEVICE, "device_time": fast(),
                              "changes": as_values(&[before])}))
                .send()
                .await
                .unwrap();
            let body: Value = res.json().await.unwrap();
            assert_eq!(body["results"][0]["outcome"], "stored", "{body}");

            let pc2 = s.officer("pc-2").await;
            let (status, answer) = post(s, &pc2, f.a.entry_id, &a_completed(f.a.entry_id)).await;
            assert_eq!(status, 201, "{answer}");
            assert_eq!(
                ij(&totals(s, "2025-11-01", "2025-11-30").await),
                (0, 0, 1),
                "known offset {known}: the correction made first outranked the follow-up"
            );
            let a = october_row(s, f.a.entry_id).await;
            assert_eq!(a["ij_hours_completed"], "6", "known offset {known}");

            // pc-1 corrects the hours again, after the follow-up: the word
            // that really came last is the officer's.
            let after = fast_correction(&f.a, 3, 4, fast(), true);
            let res = push_ok(&s.base, &f.pc1, &as_values(&[after])).await;
            assert_eq!(outcomes(&res), ["stored"], "{res:?}");
            assert_eq!(
                ij(&totals(s, "2025-11-01", "2025-11-30").await),
                (0, 0, 0),
                "known offset {known}"
            );
        }
    })
    .await
    .expect("test timed out");
}

#[tokio::test]
async fn a_stranger_is_told_what_an_unknown_entry_is_told() {
    timeout(TEST_TIMEOUT, async {
        let f = fixture().await;
        let s = &f.server;
        let id = s.add_user("pc-x", Role::Officer, &["other"]).await;
        let stranger = s.session(id, DEVICE).await;
        let id = s.add_user("sgt-x", Role::Supervisor, &["other"]).await;
        let other_sup = s.session(id, "desk").await;
        let unknown = EntryId::from_random_bytes(id16());
        let (status, nothing) = list(s, &stranger, unknown).await;
        assert_eq!(status, 404);
        for token in [&stranger, &other_sup] {
            let (status, body) = list(s, token, f.a.entry_id).await;
            assert_eq!((status, &body), (404, &nothing));
            let (status, body) = post(s, token, f.a.entry_id, &a_completed(f.a.entry_id)).await;
            assert_eq!((status, &body), (404, &nothing));
        }
        let (_, listed) = list(s, &f.pc1, f.a.entry_id).await;
        assert_eq!(listed["follow_ups"], json!([]));
        assert_eq!(ij(&totals(s, "2025-11-01", "2025-11-30").await), (0, 0, 0));
    })
    .await
    .expect("test timed out");
}

#[tokio::test]
async fn a_resend_is_already_had_and_a_changed_one_is_a_conflict() {
    timeout(TEST_TIMEOUT, async {
        let f = fixture().await;
        let s = &f.server;
        let pc2 = s.officer("pc-2").await;
        let body = a_completed(f.a.entry_id);
        let (status, first) = post(s, &pc2, f.a.entry_id, &body).await;
        assert_eq!(status, 201, "{first}");
        let (status, again) = post(s, &pc2, f.a.entry_id, &body).await;
        assert_eq!(status, 200);
        assert_eq!(again["outcome"], "already_had");
        assert_eq!(again["stored"], first["stored"]);
        let mut changed = body.clone();
        changed["hours_completed"] = json!(3);
        changed["result"] = json!("not_completed");
        let (status, refused) = post(s, &pc2, f.a.entry_id, &changed).await;
        assert_eq!((status, refused["error"].as_str()), (409, Some("conflict")));
        let (_, listed) = list(s, &pc2, f.a.entry_id).await;
        assert_eq!(listed["follow_ups"], json!([first["stored"]]));
        assert_eq!(ij(&totals(s, "2025-11-01", "2025-11-30").await), (0, 0, 1));
    })
    .await
    .expect("test timed out");
}

#[tokio::test]
async fn membership_when_the_shift_started_decides_whatever_moves_came_after() {
    timeout(TEST_TIMEOUT, async {
        let f = fixture().await;
        let s = &f.server;
        let moved = s.officer("pc-moved").await;
        let after_shift = utc(10, 20, 0, 0);
        s.accounts.ensure_team("other", Utc::now()).await.unwrap();
        s.accounts
            .leave_team("pc-moved", TEST_TEAM, after_shift, &event("team_left"))
            .await
            .unwrap();
        s.accounts
            .join_team("pc-moved", "other", after_shift, &event("team_joined"))
            .await
            .unwrap();
        let id = s.add_user("pc-new", Role::Officer, &["other"]).await;
        let joined = s.session(id, DEVICE).await;
        s.accounts
            .join_team("pc-new", TEST_TEAM, after_shift, &event("team_joined"))
            .await
            .unwrap();
        // In the team when the shift started, elsewhere now: still may.
        let (status, body) = post(s, &moved, f.a.entry_id, &a_completed(f.a.entry_id)).await;
        assert_eq!(status, 201, "{body}");
        // In the team now, not when the shift started: may not.
        let b = follow_up(
            f.b,
            3,
            json!({"reparation_started_at": "2025-10-11T09:00:00Z", "hours_completed": 4,
                   "result": "completed", "completed_on": "2025-10-20"}),
        );
        assert_eq!(post(s, &joined, f.b, &b).await.0, 404);
        assert_eq!(list(s, &joined, f.a.entry_id).await.0, 404);
    })
    .await
    .expect("test timed out");
}

#[tokio::test]
async fn a_follow_up_after_submission_is_listed_as_a_change_and_the_return_stays_frozen() {
    timeout(TEST_TIMEOUT, async {
        let f = fixture().await;
        let s = &f.server;
        let res = client()
            .post(format!("{}/api/v1/returns", s.base))
            .bearer_auth(&s.sup)
            .json(&json!({"from": "2025-10-01", "to": "2025-10-31"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let submitted: Value = res.json().await.unwrap();
        let month = "from=2025-10-01&to=2025-10-31";
        let changes = |text: String| -> Vec<Value> {
            serde_json::from_str::<Value>(&text).unwrap()["changes"]
                .as_array()
                .unwrap()
                .clone()
        };
        let before = changes(
            s.sup_text(&format!("/api/v1/returns/changes?{month}"))
                .await,
        );
        assert_eq!(before, Vec::<Value>::new());
        let pc2 = s.officer("pc-2").await;
        assert_eq!(
            post(s, &pc2, f.a.entry_id, &a_completed(f.a.entry_id))
                .await
                .0,
            201
        );
        let after = changes(
            s.sup_text(&format!("/api/v1/returns/changes?{month}"))
                .await,
        );
        assert_eq!(after.len(), 1, "{after:?}");
        assert_eq!(after[0]["kind"], "follow_up");
        assert_eq!(after[0]["entry_id"], f.a.entry_id.to_string());
        assert_eq!(after[0]["entry_kind"], "ij_referral");
        assert_eq!(after[0]["officer_id"], "pc-1");
        let detail = after[0]["detail"].as_str().unwrap();
        assert!(
            detail.starts_with("completed by pc-2: IJ coordinator"),
            "{detail}"
        );
        let frozen: Value = serde_json::from_str(
            &s.sup_text(&format!("/api/v1/returns/submitted?{month}"))
                .await,
        )
        .unwrap();
        assert_eq!(frozen["sha256"], submitted["sha256"]);
        assert_eq!(ij(&frozen["figures"]["totals"]), (2, 0, 0));
        // The live figures have it.
        assert_eq!(ij(&totals(s, "2025-10-01", "2025-10-31").await), (2, 1, 0));
    })
    .await
    .expect("test timed out");
}
