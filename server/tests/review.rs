//! Supervisor review and the programme return (issue #5): review rules and
//! flow, the shift list and detail, the return checked against figures
//! worked out by hand, CSV exports (reason, quoting, formula guard), the
//! s62 access log. (The seed's determinism is the tools' test:
//! tools/tests/seed.rs.)
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;

use beatbook_core::auth::Role;
use beatbook_core::codes::*;
use beatbook_core::record::*;
use beatbook_core::sync::{Outcome, Rejection};
use beatbook_core::{Change, EntryId, Record, Revision, RevisionId};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use common::*;
use serde_json::{json, Value};
use tokio::time::timeout;

fn t(d: u32, m: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, m, d, h, min, 0).unwrap()
}

struct Book {
    officer: String,
    revs: Vec<Revision>,
}

impl Book {
    fn new(officer: &str) -> Self {
        Self {
            officer: officer.into(),
            revs: Vec::new(),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        entry: EntryId,
        seq: u32,
        change: Change,
        record: Record,
        at: DateTime<Utc>,
        shift: Option<EntryId>,
        patrol: Option<EntryId>,
    ) {
        self.revs.push(Revision {
            clock_offset_ms: None,
            prev: None,
            id: RevisionId::from_random_bytes(id16()),
            entry_id: entry,
            seq,
            officer_id: self.officer.clone(),
            captured_at: at + chrono::Duration::seconds(40),
            occurred_at: at,
            shift_id: shift,
            patrol_id: patrol,
            location: None,
            notes: String::new(),
            change,
            record,
        });
    }

    fn shift(
        &mut self,
        role: PatrollerRole,
        start: DateTime<Utc>,
        end: Option<DateTime<Utc>>,
    ) -> EntryId {
        let id = EntryId::from_random_bytes(id16());
        let rec = Shift {
            role: Some(role),
            callsign: "Bravo 1".into(),
            team: TEST_TEAM.into(),
            ended_at: None,
        };
        self.add(
            id,
            1,
            Change::Created,
            Record::Shift(rec.clone()),
            start,
            None,
            None,
        );
        if let Some(end) = end {
            let ended = Shift {
                ended_at: Some(end),
                ..rec
            };
            self.add(
                id,
                2,
                Change::Ended,
                Record::Shift(ended),
                start,
                None,
                None,
            );
        }
        id
    }

    fn patrol(
        &mut self,
        shift: EntryId,
        area: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> EntryId {
        let id = EntryId::from_random_bytes(id16());
        let rec = Patrol {
            area: area.into(),
            mode: Some(PatrolMode::Foot),
            ended_at: None,
            hotspot: None,
        };
        self.add(
            id,
            1,
            Change::Created,
            Record::Patrol(rec.clone()),
            start,
            Some(shift),
            None,
        );
        let ended = Patrol {
            ended_at: Some(end),
            ..rec
        };
        self.add(
            id,
            2,
            Change::Ended,
            Record::Patrol(ended),
            start,
            Some(shift),
            None,
        );
        id
    }

    fn entry(
        &mut self,
        shift: EntryId,
        patrol: EntryId,
        at: DateTime<Utc>,
        record: Record,
    ) -> EntryId {
        let id = EntryId::from_random_bytes(id16());
        self.add(
            id,
            1,
            Change::Created,
            record,
            at,
            Some(shift),
            Some(patrol),
        );
        id
    }
}

fn stop(power: SearchPower, outcome: SearchOutcome, linked: bool) -> Record {
    Record::StopSearch(StopSearch {
        self_defined_ethnicity: Some(Ethnicity::NotStated),
        officer_perceived_ethnicity: Some(Ethnicity::W1),
        place_detained: "High Street".into(),
        object: Some(SearchObject::Drugs),
        power: Some(power),
        grounds: "Smell of cannabis".into(),
        outcome: Some(outcome),
        outcome_linked_to_object: Some(linked),
        injury_or_damage: Some(false),
        ..StopSearch::default()
    })
}

fn arrest(at: DateTime<Utc>, linked: Option<EntryId>) -> Record {
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
        linked_stop: linked,
        ..Arrest::default()
    })
}

fn asb_seizure(persons: u32) -> Record {
    Record::AsbIntervention(AsbIntervention {
        power: Some(AsbPower::Seizure),
        persons: Some(persons),
        place: "Market Square".into(),
        seized: Some(SeizureKind::Vehicle),
        seized_description: "Off-road bike".into(),
        vehicle_registration: "AB12 CDE".into(),
        ..AsbIntervention::default()
    })
}

struct Fixture {
    server: TestServer,
    pc1: String,
    pc2: String,
    sgt_b: String,
    admin: String,
    s1: EntryId,
    s2: EntryId,
    s3: EntryId,
}

/// Three shifts, hand-checked:
/// - S1 (pc-1, police) 31 Oct 22:00 to 1 Nov 06:00: P1 Market Square
///   23:50 to 00:20 (10 min in October, 20 in November); P2 Market Square
///   22:10 to 22:22 (12 min) with a stop and search (arrest, linked), the
///   arrest, a vehicle seizure corrected from 1 to 2 persons, and an IJ
///   referral (started 2 days later, 5 of 5 hours done). The stop and
///   search is under s23 Misuse of Drugs Act.
/// - S2 (pc-2, PCSO) 10 Oct 08:00, never ended: P3 Bus Station 09:00 to
///   09:25 with an informal warning (3 persons), a stop and search (s1
///   PACE, NFA, not linked) and a note whose notes start with `=`.
///
/// In ISO weeks (Monday to Sunday): P3 falls in the week of 6 October, P1
/// and P2 in the week of 27 October (Friday 31 October to Saturday 1
/// November: the month ends inside that week).
/// - S3 (pc-2, warden) 12 Oct: P4 Bus Station 10:00 to 10:10 and an arrest;
///   rejected by the supervisor: still counted, and shown as disputed.
async fn fixture() -> Fixture {
    let server = TestServer::start().await;
    let pc1 = server.officer("pc-1").await;
    let pc2 = server.officer("pc-2").await;
    let b = server.add_user("sgt-b", Role::Supervisor, &["other"]).await;
    let sgt_b = server.session(b, "desk-b").await;
    let a = server.add_user("admin-1", Role::Admin, &[]).await;
    let admin = server.session(a, "desk-a").await;

    let mut one = Book::new("pc-1");
    let s1 = one.shift(
        PatrollerRole::Police,
        t(31, 10, 22, 0),
        Some(t(1, 11, 6, 0)),
    );
    one.patrol(s1, "Market Square", t(31, 10, 23, 50), t(1, 11, 0, 20));
    let p2 = one.patrol(s1, "Market Square", t(31, 10, 22, 10), t(31, 10, 22, 22));
    let ss1 = one.entry(
        s1,
        p2,
        t(31, 10, 22, 15),
        stop(SearchPower::MisuseOfDrugs23, SearchOutcome::Arrest, true),
    );
    one.entry(
        s1,
        p2,
        t(31, 10, 22, 17),
        arrest(t(31, 10, 22, 17), Some(ss1)),
    );
    let asb = one.entry(s1, p2, t(31, 10, 22, 18), asb_seizure(1));
    one.add(
        asb,
        2,
        Change::Corrected {
            reason: "Two riders, not one".into(),
        },
        asb_seizure(2),
        t(31, 10, 22, 18),
        Some(s1),
        Some(p2),
    );
    one.entry(
        s1,
        p2,
        t(31, 10, 22, 20),
        Record::IjReferral(IjReferral {
            person: "IJ 1".into(),
            disposal: Some(IjDisposal::CommunityResolution),
            referral_date: NaiveDate::from_ymd_opt(2025, 10, 31),
            victim_consulted: Some(true),
            hours_ordered: Some(5),
            reparation_started: NaiveDate::from_ymd_opt(2025, 11, 2),
            hours_completed: Some(5),
            ..IjReferral::default()
        }),
    );
    let res = push_ok(&server.base, &pc1, &as_values(&one.revs)).await;
    assert!(outcomes(&res).iter().all(|o| o == "stored"), "{res:?}");

    let mut two = Book::new("pc-2");
    let s2 = two.shift(PatrollerRole::Pcso, t(10, 10, 8, 0), None);
    let p3 = two.patrol(s2, "Bus Station", t(10, 10, 9, 0), t(10, 10, 9, 25));
    two.entry(
        s2,
        p3,
        t(10, 10, 9, 5),
        Record::AsbIntervention(AsbIntervention {
            power: Some(AsbPower::InformalWarning),
            persons: Some(3),
            place: "Bus Station, \"by the kiosk\"".into(),
            behaviour: "Shouting".into(),
            ..AsbIntervention::default()
        }),
    );
    two.entry(
        s2,
        p3,
        t(10, 10, 9, 10),
        stop(SearchPower::Pace1, SearchOutcome::NoFurtherAction, false),
    );
    two.entry(
        s2,
        p3,
        t(10, 10, 9, 12),
        Record::Note(Note {
            category: Some(NoteKind::General),
            text: "Quiet".into(),
        }),
    );
    if let Some(last) = two.revs.last_mut() {
        last.notes = "=HYPERLINK(\"http://x\")".into();
    }
    let s3 = two.shift(
        PatrollerRole::Warden,
        t(12, 10, 8, 0),
        Some(t(12, 10, 16, 0)),
    );
    let p4 = two.patrol(s3, "Bus Station", t(12, 10, 10, 0), t(12, 10, 10, 10));
    two.entry(s3, p4, t(12, 10, 10, 5), arrest(t(12, 10, 10, 5), None));
    let res = push_ok(&server.base, &pc2, &as_values(&two.revs)).await;
    assert!(outcomes(&res).iter().all(|o| o == "stored"), "{res:?}");

    Fixture {
        server,
        pc1,
        pc2,
        sgt_b,
        admin,
        s1,
        s2,
        s3,
    }
}

async fn get(base: &str, token: &str, path: &str) -> (u16, String) {
    let res = client()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

async fn get_json(base: &str, token: &str, path: &str) -> (u16, Value) {
    let (code, text) = get(base, token, path).await;
    (code, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn review(base: &str, token: &str, shift: EntryId, body: Value) -> (u16, Value) {
    let res = client()
        .post(format!("{base}/api/v1/shifts/{shift}/review"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let code = res.status().as_u16();
    (code, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn review_flow_and_access_rules() {
    timeout(TEST_TIMEOUT, async {
        let f = fixture().await;
        let base = &f.server.base;
        let sup = &f.server.sup;
        let approve = json!({"state": "approved"});
        // Only the supervisor of the officer's team.
        for (who, token) in [
            ("officer", &f.pc1),
            ("other team's supervisor", &f.sgt_b),
            ("admin", &f.admin),
        ] {
            let (code, body) = review(base, token, f.s1, approve.clone()).await;
            assert_eq!(code, 403, "{who}: {body}");
        }
        let (code, _) = review(base, sup, f.s1, json!({"state": "has_issues"})).await;
        assert_eq!(code, 400, "has_issues needs a comment");
        let (code, _) = review(
            base,
            sup,
            f.s1,
            json!({"state": "rejected", "comment": "  "}),
        )
        .await;
        assert_eq!(code, 400, "rejected needs a comment");
        let (code, _) = review(base, sup, f.s1, json!({"state": "lost"})).await;
        assert_eq!(code, 400);
        let (code, _) = review(
            base,
            sup,
            EntryId::from_random_bytes([9; 16]),
            approve.clone(),
        )
        .await;
        assert_eq!(code, 404);

        let before = get_json(base, sup, &format!("/api/v1/shifts/{}", f.s1))
            .await
            .1;
        let (code, body) = review(base, sup, f.s1, approve.clone()).await;
        assert_eq!(code, 201, "{body}");
        assert_eq!(body["reviewer"], SUPERVISOR);
        let (code, _) = review(
            base,
            sup,
            f.s1,
            json!({"state": "has_issues", "comment": "Add the grounds for the arrest"}),
        )
        .await;
        assert_eq!(code, 201);
        let (code, _) = review(
            base,
            sup,
            f.s3,
            json!({"state": "rejected", "comment": "Wrong officer"}),
        )
        .await;
        assert_eq!(code, 201);

        // Approving never alters entries: the same revisions before and after.
        let (code, after) = get_json(base, sup, &format!("/api/v1/shifts/{}", f.s1)).await;
        assert_eq!(code, 200, "{after}");
        assert_eq!(before["revisions"], after["revisions"]);
        assert_eq!(after["revisions"].as_array().unwrap().len(), 11);
        assert_eq!(after["review"], "has_issues");
        assert_eq!(after["reviews"].as_array().unwrap().len(), 2);
        assert_eq!(after["flags"], json!([]));
        let rev0 = &after["revisions"][0];
        assert!(rev0["captured_at"].is_string() && rev0["received_at"].is_string());

        // The officer sees the state and the comment on their own shift.
        let (code, page) = get_json(base, &f.pc1, "/api/v1/shifts").await;
        assert_eq!(code, 200, "{page}");
        let shifts = page["shifts"].as_array().unwrap();
        assert_eq!(shifts.len(), 1);
        assert_eq!(shifts[0]["review"], "has_issues");
        assert_eq!(
            shifts[0]["review_comment"],
            "Add the grounds for the arrest"
        );
        assert_eq!(shifts[0]["counts"]["patrol"], 2);
        assert_eq!(shifts[0]["counts"]["asb_intervention"], 1);
        // Not someone else's shift, not another team's, not as admin.
        assert_eq!(
            get(base, &f.pc2, &format!("/api/v1/shifts/{}", f.s1))
                .await
                .0,
            403
        );
        assert_eq!(
            get(base, &f.sgt_b, &format!("/api/v1/shifts/{}", f.s1))
                .await
                .0,
            403
        );
        assert_eq!(get(base, &f.admin, "/api/v1/shifts").await.0, 403);
        assert_eq!(get(base, &f.sgt_b, "/api/v1/shifts?team=test").await.0, 403);
        assert_eq!(get(base, &f.pc1, "/api/v1/return").await.0, 403);
        assert_eq!(get(base, &f.admin, "/api/v1/return").await.0, 403);

        // The supervisor's list, filters and paging.
        let (_, page) = get_json(base, sup, "/api/v1/shifts").await;
        assert_eq!(page["shifts"].as_array().unwrap().len(), 3);
        assert_eq!(
            page["shifts"][0]["shift_id"],
            f.s1.to_string(),
            "newest first"
        );
        let s2 = page["shifts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["shift_id"] == f.s2.to_string())
            .unwrap();
        assert_eq!(s2["flags"], 1, "S2 was never ended");
        assert_eq!(s2["review"], "pending");
        let count = |v: &Value| v["shifts"].as_array().unwrap().len();
        assert_eq!(
            count(
                &get_json(base, sup, "/api/v1/shifts?review=rejected")
                    .await
                    .1
            ),
            1
        );
        assert_eq!(
            count(&get_json(base, sup, "/api/v1/shifts?review=pending").await.1),
            1
        );
        assert_eq!(
            count(
                &get_json(base, sup, "/api/v1/shifts?kind=ij_referral")
                    .await
                    .1
            ),
            1
        );
        assert_eq!(
            count(
                &get_json(base, sup, "/api/v1/shifts?area=Bus%20Station")
                    .await
                    .1
            ),
            2
        );
        assert_eq!(
            count(
                &get_json(base, sup, "/api/v1/shifts?officer_id=pc-2")
                    .await
                    .1
            ),
            2
        );
        assert_eq!(
            count(
                &get_json(base, sup, "/api/v1/shifts?from=2025-10-11&to=2025-10-31")
                    .await
                    .1
            ),
            2
        );
        assert_eq!(
            get(base, sup, "/api/v1/shifts?officer_id=sgt-b").await.0,
            403
        );
        let mut seen = Vec::new();
        let mut path = "/api/v1/shifts?page_size=1&sort=start_asc".to_owned();
        loop {
            let (code, page) = get_json(base, sup, &path).await;
            assert_eq!(code, 200, "{page}");
            for s in page["shifts"].as_array().unwrap() {
                seen.push(s["shift_id"].as_str().unwrap().to_owned());
            }
            match page["next_cursor"].as_str() {
                Some(c) => {
                    path = format!(
                        "/api/v1/shifts?page_size=1&sort=start_asc&cursor={}",
                        urlencode(c)
                    )
                }
                None => break,
            }
        }
        assert_eq!(seen, [f.s2.to_string(), f.s3.to_string(), f.s1.to_string()]);
        assert_eq!(
            get(base, sup, "/api/v1/shifts?cursor=nonsense").await.0,
            400
        );
    })
    .await
    .expect("test timed out");
}

fn urlencode(s: &str) -> String {
    s.replace(':', "%3A").replace('+', "%2B")
}

#[tokio::test]
async fn return_matches_hand_figures() {
    timeout(TEST_TIMEOUT, async {
        let f = fixture().await;
        let base = &f.server.base;
        let sup = &f.server.sup;
        let (code, _) = review(
            base,
            sup,
            f.s3,
            json!({"state": "rejected", "comment": "Wrong officer"}),
        )
        .await;
        assert_eq!(code, 201);
        let (code, r) = get_json(base, sup, "/api/v1/return?from=2025-10-01&to=2025-10-31").await;
        assert_eq!(code, 200, "{r}");
        let tot = &r["totals"];
        assert_eq!(tot["patrols"], 4, "{r}");
        // 10 + 12 + 25 + 10 (the rejected shift's P4) minutes = 3420 s.
        assert_eq!(tot["person_hours"], 0.95);
        // Visits of 10, 12, 25 and 30 minutes.
        assert_eq!(tot["visit_median_minutes"], 18.5);
        assert_eq!(tot["visits_10_to_15_share"], 0.5);
        assert_eq!(tot["arrests"], 2, "the rejected shift's arrest still counts");
        assert_eq!(tot["stop_searches"], 2);
        assert_eq!(tot["stop_search_outcomes"], json!({"arrest": 1, "nfa": 1}));
        assert_eq!(
            tot["stop_search_outcomes_by_power"],
            json!({"mda_s23": {"arrest": 1}, "pace_s1": {"nfa": 1}})
        );
        assert_eq!(tot["stop_search_linked_share"], 0.5);
        assert_eq!(tot["asb"], json!({"informal_warning": 1, "seizure": 1}));
        assert_eq!(
            tot["asb_persons"], 5,
            "the correction counts once, as corrected"
        );
        assert_eq!(tot["seizures"], json!({"vehicle": 1}));
        assert_eq!(tot["ij_referrals"], 1);
        assert_eq!(tot["ij_started_within_48h"], 1);
        assert_eq!(tot["ij_completed"], 1);
        assert_eq!(r["disputed_shifts"], 1);
        assert_eq!(r["disputed"]["arrests"], 1, "and is disputed");
        assert_eq!(r["disputed"]["patrols"], 1);
        assert_eq!(r["disputed"]["person_hours"], 0.17);
        assert_eq!(r["withdrawn"], 0);
        let market = &r["by_area"]["Market Square"];
        assert_eq!(market["patrols"], 2);
        assert_eq!(market["person_hours"], 0.37);
        assert_eq!(market["arrests"], 1);
        let bus = &r["by_area"]["Bus Station"];
        assert_eq!(bus["patrols"], 2);
        assert_eq!(bus["person_hours"], 0.58);
        assert_eq!(bus["arrests"], 1);
        assert_eq!(
            market["stop_search_outcomes_by_power"],
            json!({"mda_s23": {"arrest": 1}})
        );
        assert_eq!(
            bus["stop_search_outcomes_by_power"],
            json!({"pace_s1": {"nfa": 1}})
        );
        assert_eq!(r["by_role"]["police"]["patrols"], 2);
        assert_eq!(r["by_role"]["pcso"]["patrols"], 1);
        assert_eq!(
            r["by_role"]["police"]["stop_search_outcomes_by_power"],
            json!({"mda_s23": {"arrest": 1}})
        );
        assert_eq!(
            r["by_role"]["pcso"]["stop_search_outcomes_by_power"],
            json!({"pace_s1": {"nfa": 1}})
        );
        assert_eq!(r["by_role"]["warden"]["arrests"], 1, "{r}");
        // Every week that meets October (Wednesday 1st to Friday 31st),
        // empty ones too. P3 (25 min) and the rejected shift's P4 (Sunday
        // 12th, 10 min) in the week of the 6th; P2 (12 min) and the October
        // part of P1 (10 min) in the week of the 27th.
        let week = |w: &str, patrols: u64, hours: f64| json!({"week": w, "patrols": patrols, "person_hours": hours});
        assert_eq!(
            r["by_week"],
            json!([
                week("2025-09-29", 0, 0.0),
                week("2025-10-06", 2, 0.58),
                week("2025-10-13", 0, 0.0),
                week("2025-10-20", 0, 0.0),
                week("2025-10-27", 2, 0.37),
            ])
        );

        // November gets the 20 minutes of P1 after midnight, not the patrol:
        // in the week of 27 October, which runs into November.
        let (_, nov) = get_json(base, sup, "/api/v1/return?from=2025-11-01&to=2025-11-30").await;
        assert_eq!(nov["totals"]["patrols"], 0);
        assert_eq!(nov["totals"]["person_hours"], 0.33);
        assert_eq!(nov["totals"]["arrests"], 0);
        assert_eq!(
            nov["by_week"],
            json!([
                week("2025-10-27", 0, 0.33),
                week("2025-11-03", 0, 0.0),
                week("2025-11-10", 0, 0.0),
                week("2025-11-17", 0, 0.0),
                week("2025-11-24", 0, 0.0),
            ])
        );
        // Over both months P1 is whole again: 30 + 12 minutes in that week.
        let (_, both) = get_json(base, sup, "/api/v1/return?from=2025-10-01&to=2025-11-30").await;
        assert_eq!(both["by_week"].as_array().map(Vec::len), Some(9));
        assert_eq!(both["by_week"][4], week("2025-10-27", 2, 0.7));
        assert_eq!(both["totals"]["person_hours"], 1.28);

        // The other team's supervisor sees none of it.
        let (code, other) = get_json(
            base,
            &f.sgt_b,
            "/api/v1/return?from=2025-10-01&to=2025-10-31",
        )
        .await;
        assert_eq!(code, 200);
        assert_eq!(other["totals"]["patrols"], 0);
        assert_eq!(
            get(base, sup, "/api/v1/return?from=2025-10-31&to=2025-10-01")
                .await
                .0,
            400
        );
    })
    .await
    .expect("test timed out");
}

/// A patrol from 23:50 on Sunday 30 November to 00:20 on Monday 1 December
/// crosses a week and a month at once: 10 minutes for the week of 24
/// November, 20 for the week of 1 December, the patrol itself where it
/// started. A second patrol, 01:00 to 01:15 on the Monday, stays whole.
#[tokio::test]
async fn weeks_split_a_patrol_at_monday_midnight() {
    timeout(TEST_TIMEOUT, async {
        let server = TestServer::start().await;
        let pc = server.officer("pc-3").await;
        let mut book = Book::new("pc-3");
        let s = book.shift(
            PatrollerRole::Police,
            t(30, 11, 22, 0),
            Some(t(1, 12, 6, 0)),
        );
        book.patrol(s, "Seafront", t(30, 11, 23, 50), t(1, 12, 0, 20));
        book.patrol(s, "Seafront", t(1, 12, 1, 0), t(1, 12, 1, 15));
        let res = push_ok(&server.base, &pc, &as_values(&book.revs)).await;
        assert!(outcomes(&res).iter().all(|o| o == "stored"), "{res:?}");
        let week = |w: &str, patrols: u64, hours: f64| json!({"week": w, "patrols": patrols, "person_hours": hours});
        let ret = |q: &'static str| get_json(&server.base, &server.sup, q);

        let (_, nov) = ret("/api/v1/return?from=2025-11-01&to=2025-11-30").await;
        assert_eq!(nov["totals"]["patrols"], 1);
        assert_eq!(nov["totals"]["person_hours"], 0.17);
        assert_eq!(nov["by_week"].as_array().map(Vec::len), Some(5), "{nov}");
        assert_eq!(nov["by_week"][0], week("2025-10-27", 0, 0.0));
        assert_eq!(nov["by_week"][4], week("2025-11-24", 1, 0.17));

        // 20 + 15 minutes = 0.58 h; December 2025 meets five weeks.
        let (_, dec) = ret("/api/v1/return?from=2025-12-01&to=2025-12-31").await;
        assert_eq!(dec["totals"]["patrols"], 1);
        assert_eq!(dec["totals"]["person_hours"], 0.58);
        assert_eq!(dec["by_week"].as_array().map(Vec::len), Some(5), "{dec}");
        assert_eq!(dec["by_week"][0], week("2025-12-01", 1, 0.58));
        assert_eq!(dec["by_week"][4], week("2025-12-29", 0, 0.0));

        let (_, both) = ret("/api/v1/return?from=2025-11-30&to=2025-12-01").await;
        assert_eq!(both["totals"]["patrols"], 2);
        assert_eq!(both["totals"]["person_hours"], 0.75);
        assert_eq!(
            both["by_week"],
            json!([week("2025-11-24", 1, 0.17), week("2025-12-01", 1, 0.58)])
        );
    })
    .await
    .expect("test timed out");
}

/// Corrections that move a stop and search from 31 October into November
/// count where they moved to, in the return and the export: one pushed
/// after the original, one pushed before it (a phone can send them in any
/// order).
#[tokio::test]
async fn a_correction_moving_an_entry_counts_where_it_moved_to() {
    timeout(TEST_TIMEOUT, async {
        let server = TestServer::start().await;
        let (base, sup) = (&server.base, &server.sup);
        let pc = server.officer("pc-4").await;
        let mut book = Book::new("pc-4");
        let s = book.shift(
            PatrollerRole::Police,
            t(31, 10, 20, 0),
            Some(t(1, 11, 4, 0)),
        );
        let p = book.patrol(s, "Seafront", t(31, 10, 20, 10), t(31, 10, 20, 30));
        let first = book.entry(
            s,
            p,
            t(31, 10, 20, 15),
            stop(SearchPower::Pace1, SearchOutcome::NoFurtherAction, false),
        );
        let moved = |book: &mut Book, entry: EntryId, at: DateTime<Utc>| {
            book.add(
                entry,
                2,
                Change::Corrected {
                    reason: "Wrong date typed".into(),
                },
                stop(SearchPower::Pace1, SearchOutcome::NoFurtherAction, false),
                at,
                Some(s),
                Some(p),
            );
        };
        moved(&mut book, first, t(3, 11, 10, 0));
        // The second stop: its correction (4 November) goes first.
        let second = EntryId::from_random_bytes(id16());
        moved(&mut book, second, t(4, 11, 10, 0));
        book.add(
            second,
            1,
            Change::Created,
            stop(SearchPower::Pace1, SearchOutcome::NoFurtherAction, false),
            t(31, 10, 20, 20),
            Some(s),
            Some(p),
        );
        // One push each, so each is decided against what is stored. The
        // correction that comes before its original is answered "send
        // again" (retry), and stored when sent again after it.
        let mut again = Vec::new();
        for rev in &book.revs {
            let res = push_ok(base, &pc, &as_values(std::slice::from_ref(rev))).await;
            if res.results[0].retry {
                assert_eq!(rev.entry_id, second, "{res:?}");
                again.push(rev.clone());
            } else {
                assert_eq!(outcomes(&res), ["stored"], "{res:?}");
            }
        }
        assert_eq!(again.len(), 1);
        let res = push_ok(base, &pc, &as_values(&again)).await;
        assert_eq!(outcomes(&res), ["stored"], "{res:?}");
        let (_, oct) = get_json(base, sup, "/api/v1/return?from=2025-10-01&to=2025-10-31").await;
        assert_eq!(oct["totals"]["stop_searches"], 0, "{oct}");
        assert_eq!(oct["totals"]["patrols"], 1, "{oct}");
        let (_, nov) = get_json(base, sup, "/api/v1/return?from=2025-11-01&to=2025-11-30").await;
        assert_eq!(nov["totals"]["stop_searches"], 2, "{nov}");
        let export = |q: &'static str| get(base, sup, q);
        let (_, csv) =
            export("/api/v1/export/entries.csv?from=2025-10-01&to=2025-10-31&reason=x").await;
        assert!(!csv.contains("stop_search"), "{csv}");
        let (_, csv) =
            export("/api/v1/export/entries.csv?from=2025-11-01&to=2025-11-30&reason=x").await;
        let stops: Vec<&str> = csv
            .lines()
            .filter(|l| l.contains(",stop_search,"))
            .collect();
        assert_eq!(stops.len(), 2, "{csv}");
        assert!(
            stops.iter().all(|l| l.contains("Wrong date typed")),
            "{csv}"
        );
    })
    .await
    .expect("test timed out");
}

#[tokio::test]
async fn exports_need_a_reason_are_logged_and_quoted() {
    timeout(TEST_TIMEOUT, async {
        let f = fixture().await;
        let base = &f.server.base;
        let sup = &f.server.sup;
        let q = "from=2025-10-01&to=2025-11-30";
        assert_eq!(
            get(base, sup, &format!("/api/v1/export/entries.csv?{q}"))
                .await
                .0,
            400
        );
        assert_eq!(
            get(
                base,
                sup,
                &format!("/api/v1/export/return.csv?{q}&reason=%20")
            )
            .await
            .0,
            400
        );
        assert_eq!(
            get(
                base,
                &f.pc1,
                &format!("/api/v1/export/entries.csv?{q}&reason=x")
            )
            .await
            .0,
            403
        );
        let (code, csv) = get(
            base,
            sup,
            &format!("/api/v1/export/entries.csv?{q}&reason=PCC%20monthly%20return"),
        )
        .await;
        assert_eq!(code, 200, "{csv}");
        // A browser asks for it compressed: the compression layer polls the
        // stream once more after its end, which must not cut the response.
        let compressed = client()
            .get(format!(
                "{base}/api/v1/export/entries.csv?{q}&reason=PCC%20monthly%20return"
            ))
            .bearer_auth(sup)
            .header("accept-encoding", "gzip, br")
            .send()
            .await
            .unwrap();
        assert_eq!(compressed.status().as_u16(), 200);
        assert!(compressed.headers().contains_key("content-encoding"));
        let body = compressed.bytes().await;
        assert!(
            body.is_ok_and(|b| !b.is_empty()),
            "compressed export cut short"
        );
        let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert!(lines[0].starts_with("entry_id,reference,revision_id,revisions,officer_id,kind"));
        // S1: 1 shift + 2 patrols + 4 entries; S2: shift, patrol, 3 entries; S3: shift, patrol, arrest.
        assert_eq!(lines.len(), 1 + 7 + 5 + 3, "{csv}");
        assert!(
            csv.contains(",\"'=HYPERLINK(\"\"http://x\"\")\",Europe/London,"),
            "formula guarded and quoted: {csv}"
        );
        assert!(
            csv.contains(
                "\"Informal or verbal warning at Bus Station, \"\"by the kiosk\"\" (3 persons)\""
            ),
            "{csv}"
        );
        assert!(csv.contains("Two riders, not one"), "the correction reason");
        let (code, csv) = get(
            base,
            sup,
            &format!("/api/v1/export/entries.csv?{q}&kind=arrest&officer_id=pc-2&reason=audit"),
        )
        .await;
        assert_eq!(code, 200);
        assert_eq!(
            csv.split("\r\n").filter(|l| !l.is_empty()).count(),
            2,
            "{csv}"
        );
        let (code, ret) = get(
            base,
            sup,
            "/api/v1/export/return.csv?from=2025-10-01&to=2025-10-31&reason=PCC",
        )
        .await;
        assert_eq!(code, 200);
        assert!(ret.starts_with("group,name,metric,value\r\n"), "{ret}");
        // Nothing is rejected here: S3's patrol P4 counts (week of the 6th).
        assert!(ret.contains("total,all,patrols,4\r\n"), "{ret}");
        assert!(
            ret.contains("total,all,stop_search_outcome_by_power:mda_s23:arrest,1\r\n"),
            "{ret}"
        );
        assert!(
            ret.contains("area,Bus Station,stop_search_outcome_by_power:pace_s1:nfa,1\r\n"),
            "{ret}"
        );
        assert!(ret.contains("week,2025-10-06,patrols,2\r\n"), "{ret}");
        assert!(
            ret.contains("week,2025-10-27,person_hours,0.37\r\n"),
            "{ret}"
        );
        assert!(
            ret.ends_with("week,2025-10-27,person_hours,0.37\r\n"),
            "{ret}"
        );
        get(base, sup, &format!("/api/v1/shifts/{}", f.s2)).await;
        get(base, sup, "/api/v1/return?from=2025-10-01&to=2025-10-31").await;

        let log = f.server.accounts.access_log(50).await.unwrap();
        let actions: Vec<&str> = log.iter().map(|a| a.action.as_str()).collect();
        assert_eq!(
            &actions[..5],
            [
                "return_view",
                "shift_view",
                "export_return",
                "export_entries",
                "export_entries"
            ]
        );
        let export = &log[4];
        assert_eq!(export.officer_id, SUPERVISOR);
        assert_eq!(export.reason.as_deref(), Some("PCC monthly return"));
        assert!(export.detail.contains("/api/v1/export/entries.csv"));
        assert!(log[1].detail.contains(&f.s2.to_string()));
        assert!(log
            .iter()
            .all(|a| a.action != "export_entries" || a.reason.is_some()));
    })
    .await
    .expect("test timed out");
}

#[tokio::test]
async fn a_patrol_longer_than_the_forces_limit_is_flagged_until_the_limit_allows_it() {
    let server = TestServer::start().await;
    let pc = server.officer("pc-long").await;
    let mut book = Book::new("pc-long");
    let shift = book.shift(PatrollerRole::Police, t(1, 11, 20, 0), Some(t(2, 11, 6, 0)));
    // "End patrol" forgotten until the end of the shift: 6 hours.
    book.patrol(shift, "Market Square", t(1, 11, 22, 0), t(2, 11, 4, 0));
    // Exactly at the default limit of 2 hours: not flagged.
    book.patrol(shift, "Park Road", t(2, 11, 4, 0), t(2, 11, 6, 0));
    let res = push_ok(&server.base, &pc, &as_values(&book.revs)).await;
    assert!(outcomes(&res).iter().all(|o| o == "stored"), "{res:?}");
    let path = format!("/api/v1/shifts/{shift}");
    let flags = |detail: &Value| -> Vec<String> {
        detail["flags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["flag"].as_str().unwrap().to_owned())
            .collect()
    };
    let (code, detail) = get_json(&server.base, &server.sup, &path).await;
    assert_eq!(code, 200, "{detail}");
    assert_eq!(flags(&detail), ["patrol_too_long"]);
    let (_, page) = get_json(&server.base, &server.sup, "/api/v1/shifts").await;
    assert_eq!(page["shifts"][0]["flags"], 1);

    // The force allows eight-hour patrols: nothing to look at.
    admin_cli(
        server.dir.path(),
        &["force", "set", "--long-patrol-minutes", "480"],
        "",
    );
    let (_, detail) = get_json(&server.base, &server.sup, &path).await;
    assert!(flags(&detail).is_empty(), "{detail}");
    let (_, page) = get_json(&server.base, &server.sup, "/api/v1/shifts").await;
    assert_eq!(page["shifts"][0]["flags"], 0);
}

#[tokio::test]
async fn a_patrol_ended_hours_late_and_corrected_counts_its_real_length() {
    let server = TestServer::start().await;
    let pc = server.officer("pc-fix").await;
    let mut book = Book::new("pc-fix");
    let shift = book.shift(PatrollerRole::Police, t(1, 11, 20, 0), Some(t(2, 11, 6, 0)));
    // "End patrol" tapped at the end of the shift: 6 hours of hotspot time.
    let patrol = book.patrol(shift, "Market Square", t(1, 11, 22, 0), t(2, 11, 4, 0));
    let res = push_ok(&server.base, &pc, &as_values(&book.revs)).await;
    assert!(outcomes(&res).iter().all(|o| o == "stored"), "{res:?}");
    let path = format!("/api/v1/shifts/{shift}");
    let month = "/api/v1/return?from=2025-11-01&to=2025-11-30";
    let (_, r) = get_json(&server.base, &server.sup, month).await;
    assert_eq!(r["totals"]["person_hours"], 6.0, "{r}");
    let (_, detail) = get_json(&server.base, &server.sup, &path).await;
    assert_eq!(detail["flags"][0]["flag"], "patrol_too_long", "{detail}");

    // The officer puts the end right: 22:15, a 15-minute visit.
    let late = book.revs.last().unwrap().clone();
    book.add(
        patrol,
        3,
        Change::Corrected {
            reason: "End tapped at the end of the shift".into(),
        },
        Record::Patrol(Patrol {
            area: "Market Square".into(),
            mode: Some(PatrolMode::Foot),
            ended_at: Some(t(1, 11, 22, 15)),
            hotspot: None,
        }),
        late.occurred_at,
        Some(shift),
        None,
    );
    // A correction that reopens it, or one that removes the end, is refused.
    book.add(
        patrol,
        4,
        Change::Corrected {
            reason: "reopen".into(),
        },
        Record::Patrol(Patrol {
            area: "Market Square".into(),
            mode: Some(PatrolMode::Foot),
            ended_at: None,
            hotspot: None,
        }),
        late.occurred_at,
        Some(shift),
        None,
    );
    let res = push_ok(&server.base, &pc, &as_values(&book.revs[4..])).await;
    assert_eq!(outcomes(&res), ["stored", "rejected"], "{res:?}");
    assert!(
        matches!(
            res.results[1].outcome,
            Outcome::Rejected {
                reason: Rejection::CorrectionAddsOrRemovesEnd
            }
        ),
        "{res:?}"
    );
    let (_, r) = get_json(&server.base, &server.sup, month).await;
    assert_eq!(r["totals"]["person_hours"], 0.25, "{r}");
    assert_eq!(r["totals"]["visit_median_minutes"], 15.0, "{r}");
    let (_, detail) = get_json(&server.base, &server.sup, &path).await;
    assert_eq!(detail["flags"], json!([]), "{detail}");
}
