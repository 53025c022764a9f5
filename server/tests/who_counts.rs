//! Who counts (issue #11, item 4), by hand-worked returns: everyone who
//! records entries counts, supervisors included; a shift is the team's its
//! officer was in when it started (a move mid-month splits the month, and
//! the old team keeps what came before); a supervisor never decides their
//! own shift, another supervisor of the team does; someone in two teams
//! counts once in a return over both.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;

use beatbook_core::auth::Role;
use beatbook_core::codes::*;
use beatbook_core::record::*;
use beatbook_core::{Change, EntryId, Record, Revision};
use chrono::{DateTime, TimeZone, Utc};
use common::*;
use serde_json::{json, Value};
use tokio::time::timeout;

fn utc(m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, m, d, h, 0, 0).unwrap()
}

fn rev(
    officer: &str,
    entry: EntryId,
    seq: u32,
    change: Change,
    record: Record,
    at: DateTime<Utc>,
    shift: Option<EntryId>,
) -> Revision {
    revision(officer, entry, seq, change, record, at, shift)
}

/// A shift of `officer` from `start`, 8 hours, with one entry per record
/// an hour apart from an hour in.
fn shift(
    officer: &str,
    start: DateTime<Utc>,
    records: Vec<fn(DateTime<Utc>) -> Record>,
) -> (EntryId, Vec<Revision>) {
    let id = EntryId::from_random_bytes(id16());
    let open = Shift {
        role: Some(PatrollerRole::Police),
        callsign: "Alpha 1".into(),
        team: "typed by the officer".into(),
        ended_at: None,
    };
    let ended = Shift {
        ended_at: Some(start + chrono::Duration::hours(8)),
        ..open.clone()
    };
    let mut revs = vec![
        rev(
            officer,
            id,
            1,
            Change::Created,
            Record::Shift(open),
            start,
            None,
        ),
        rev(
            officer,
            id,
            2,
            Change::Ended,
            Record::Shift(ended),
            start,
            None,
        ),
    ];
    for (i, record) in records.into_iter().enumerate() {
        let at = start + chrono::Duration::hours(i as i64 + 1);
        let entry = EntryId::from_random_bytes(id16());
        revs.push(rev(
            officer,
            entry,
            1,
            Change::Created,
            record(at),
            at,
            Some(id),
        ));
    }
    (id, revs)
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

fn stop(_: DateTime<Utc>) -> Record {
    Record::StopSearch(StopSearch {
        self_defined_ethnicity: Some(Ethnicity::NotStated),
        officer_perceived_ethnicity: Some(Ethnicity::W1),
        place_detained: "High Street".into(),
        object: Some(SearchObject::Drugs),
        power: Some(SearchPower::MisuseOfDrugs23),
        grounds: "Smell of cannabis".into(),
        outcome: Some(SearchOutcome::NoFurtherAction),
        outcome_linked_to_object: Some(false),
        injury_or_damage: Some(false),
        ..StopSearch::default()
    })
}

/// Someone signed in on their own device: (officer ID, token, device).
struct Person {
    officer_id: &'static str,
    token: String,
    device: String,
}

async fn person(
    server: &TestServer,
    officer_id: &'static str,
    role: Role,
    teams: &[&str],
) -> Person {
    let id = server.add_user(officer_id, role, teams).await;
    let device = format!("dev-{officer_id}");
    Person {
        officer_id,
        token: server.session(id, &device).await,
        device,
    }
}

async fn push(server: &TestServer, who: &Person, revs: &[Revision]) {
    let body = json!({"protocol": beatbook_core::sync::PROTOCOL_VERSION,
                      "device_id": who.device, "changes": as_values(revs)});
    let res = client()
        .post(format!("{}/api/v1/sync/push", server.base))
        .bearer_auth(&who.token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "push by {}", who.officer_id);
    let body: Value = res.json().await.unwrap();
    for r in body["results"].as_array().unwrap() {
        assert_eq!(r["outcome"], "stored", "{body}");
    }
}

/// The October return's (arrests, stop and searches) for `who`, of one
/// team or all of theirs.
async fn october(server: &TestServer, who: &Person, team: Option<&str>) -> (u64, u64) {
    let team = team.map(|t| format!("&team={t}")).unwrap_or_default();
    let path = format!("/api/v1/return?from=2025-10-01&to=2025-10-31{team}");
    let (code, body) = server.call(&who.token, "GET", &path, None).await;
    assert_eq!(code, 200, "{body}");
    (
        body["totals"]["arrests"].as_u64().unwrap(),
        body["totals"]["stop_searches"].as_u64().unwrap(),
    )
}

/// The shift IDs of October's shift list for `who`, sorted.
async fn october_shifts(server: &TestServer, who: &Person, team: Option<&str>) -> Vec<String> {
    let team = team.map(|t| format!("&team={t}")).unwrap_or_default();
    let path = format!("/api/v1/shifts?from=2025-10-01&to=2025-10-31{team}");
    let (code, body) = server.call(&who.token, "GET", &path, None).await;
    assert_eq!(code, 200, "{body}");
    let mut ids: Vec<String> = body["shifts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["shift_id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

fn sorted(ids: &[EntryId]) -> Vec<String> {
    let mut out: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
    out.sort();
    out
}

async fn entries_csv(server: &TestServer, who: &Person) -> String {
    let res = client()
        .get(format!(
            "{}/api/v1/export/entries.csv?from=2025-10-01&to=2025-10-31&reason=audit",
            server.base
        ))
        .bearer_auth(&who.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.text().await.unwrap()
}

/// Runs the admin command line and expects it to refuse.
fn cli_refused(dir: &std::path::Path, args: &[&str]) {
    let out = std::process::Command::new(SERVER_BIN)
        .args(args)
        .arg("--db")
        .arg(db_target(dir))
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(!out.status.success(), "{args:?} was accepted");
}

/// PC M moves from North to South at 12:00 UTC on 15 October (`team
/// leave` and `team join` on the command line, the time given).
/// - Shift 1, 10 October 08:00, North: 1 arrest.
/// - Shift 2, 15 October 08:00, started in North before the move: 1 stop
///   and search at 09:00 and 1 arrest at 10:00, both North's (a shift is
///   its start's team, whatever the time of its entries).
/// - Shift 3, 20 October 08:00, South: 2 stop and searches.
///
/// North's October: 2 arrests, 1 search. South's: 0 arrests, 2 searches.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_team_move_mid_month_splits_the_month_and_keeps_the_past() {
    timeout(TEST_TIMEOUT, async {
        let server = TestServer::start().await;
        let pc = person(&server, "pc-m", Role::Officer, &["North"]).await;
        let north = person(&server, "sgt-north", Role::Supervisor, &["North"]).await;
        let south = person(&server, "sgt-south", Role::Supervisor, &["South"]).await;
        let (s1, r1) = shift("pc-m", utc(10, 10, 8), vec![arrest]);
        let (s2, r2) = shift("pc-m", utc(10, 15, 8), vec![stop, arrest]);
        let (s3, r3) = shift("pc-m", utc(10, 20, 8), vec![stop, stop]);
        for r in [&r1, &r2, &r3] {
            push(&server, &pc, r).await;
        }
        let at = "2025-10-15T12:00:00Z";
        let dir = server.dir.path();
        admin_cli(
            dir,
            &["team", "leave", "North", "--officer-id", "pc-m", "--at", at],
            "",
        );
        admin_cli(
            dir,
            &["team", "join", "South", "--officer-id", "pc-m", "--at", at],
            "",
        );

        assert_eq!(october(&server, &north, None).await, (2, 1));
        assert_eq!(october(&server, &south, None).await, (0, 2));
        assert_eq!(
            october_shifts(&server, &north, None).await,
            sorted(&[s1, s2])
        );
        assert_eq!(october_shifts(&server, &south, None).await, sorted(&[s3]));

        // Each supervisor opens their team's shifts of PC M, not the other's.
        for (who, mine, theirs) in [(&north, s2, s3), (&south, s3, s1)] {
            let (code, body) = server
                .call(&who.token, "GET", &format!("/api/v1/shifts/{mine}"), None)
                .await;
            assert_eq!(code, 200, "{body}");
            let (code, body) = server
                .call(&who.token, "GET", &format!("/api/v1/shifts/{theirs}"), None)
                .await;
            assert_eq!(
                (code, body["error"].as_str()),
                (403, Some("forbidden")),
                "{body}"
            );
        }

        // The entries export and a submitted return place them the same way.
        let csv = entries_csv(&server, &north).await;
        assert!(
            csv.contains(&s2.to_string()) && !csv.contains(&s3.to_string()),
            "{csv}"
        );
        let csv = entries_csv(&server, &south).await;
        assert!(
            csv.contains(&s3.to_string()) && !csv.contains(&s1.to_string()),
            "{csv}"
        );
        let (code, sub) = server
            .call(
                &north.token,
                "POST",
                "/api/v1/returns",
                Some(json!({"from": "2025-10-01", "to": "2025-10-31"})),
            )
            .await;
        assert_eq!(code, 201, "{sub}");
        assert_eq!(sub["figures"]["totals"]["arrests"], 2);
        assert_eq!(sub["figures"]["totals"]["stop_searches"], 1);

        // The membership was closed, not deleted: PC M is in South now,
        // and leaving again, or joining before the last leave, is refused.
        let users = server.accounts.list_users().await.unwrap();
        let m = users.iter().find(|u| u.officer_id == "pc-m").unwrap();
        assert_eq!(m.teams, ["South"]);
        cli_refused(dir, &["team", "leave", "North", "--officer-id", "pc-m"]);
        cli_refused(
            dir,
            &[
                "team",
                "join",
                "North",
                "--officer-id",
                "pc-m",
                "--at",
                "2025-10-01T00:00:00Z",
            ],
        );
        cli_refused(dir, &["team", "join", "South", "--officer-id", "pc-m"]);
        let events = server.accounts.recent_events(50).await.unwrap();
        assert!(events
            .iter()
            .any(|e| e.kind == "team_left" && e.officer_id.as_deref() == Some("pc-m")));
        assert!(events
            .iter()
            .any(|e| e.kind == "team_joined" && e.officer_id.as_deref() == Some("pc-m")));
    })
    .await
    .unwrap();
}

/// Sergeant A patrols too: their shift of 12 October holds 1 arrest; PC 1's
/// of 11 October 1 stop and search. The team's October: 1 arrest, 1
/// search, both shifts listed. Sergeant A may open their own shift but not
/// decide it (403 `own_shift`); Sergeant B, of the same team, may. When
/// Sergeant A then moves to South, their shift stays North's (Sergeant B's
/// to read) and stays theirs to read; North's other shifts are no longer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisors_own_shift_counts_and_another_supervisor_signs_it_off() {
    timeout(TEST_TIMEOUT, async {
        let server = TestServer::start().await;
        let pc = person(&server, "pc-1", Role::Officer, &["North"]).await;
        let sgt_a = person(&server, "sgt-a", Role::Supervisor, &["North"]).await;
        let sgt_b = person(&server, "sgt-b", Role::Supervisor, &["North"]).await;
        let (own, revs) = shift("sgt-a", utc(10, 12, 8), vec![arrest]);
        push(&server, &sgt_a, &revs).await;
        let (theirs, revs) = shift("pc-1", utc(10, 11, 8), vec![stop]);
        push(&server, &pc, &revs).await;

        for who in [&sgt_a, &sgt_b] {
            assert_eq!(
                october(&server, who, None).await,
                (1, 1),
                "{}",
                who.officer_id
            );
            assert_eq!(october(&server, who, Some("North")).await, (1, 1));
            assert_eq!(
                october_shifts(&server, who, None).await,
                sorted(&[own, theirs])
            );
        }

        let path = format!("/api/v1/shifts/{own}/review");
        let decide = json!({"state": "approved", "comment": ""});
        let (code, body) = server
            .call(&sgt_a.token, "GET", &format!("/api/v1/shifts/{own}"), None)
            .await;
        assert_eq!(code, 200, "{body}");
        let (code, body) = server
            .call(&sgt_a.token, "POST", &path, Some(decide.clone()))
            .await;
        assert_eq!(code, 403, "{body}");
        assert_eq!(body["error"], "own_shift", "{body}");
        // Nothing was recorded.
        let (_, detail) = server
            .call(&sgt_b.token, "GET", &format!("/api/v1/shifts/{own}"), None)
            .await;
        assert_eq!(detail["review"], "pending", "{detail}");
        let (code, body) = server
            .call(&sgt_b.token, "POST", &path, Some(decide.clone()))
            .await;
        assert_eq!(code, 201, "{body}");
        assert_eq!(body["reviewer"], "sgt-b");
        // Sergeant A still decides PC 1's shift.
        let path = format!("/api/v1/shifts/{theirs}/review");
        let (code, body) = server.call(&sgt_a.token, "POST", &path, Some(decide)).await;
        assert_eq!(code, 201, "{body}");
        let events = server.accounts.recent_events(50).await.unwrap();
        assert!(events
            .iter()
            .any(|e| e.kind == "permission_denied" && e.officer_id.as_deref() == Some("sgt-a")));

        // Sergeant A moves to South (now): their own shift stays North's,
        // still theirs to read and Sergeant B's to decide; PC 1's is no
        // longer theirs to read.
        admin_cli(
            server.dir.path(),
            &["team", "leave", "North", "--officer-id", "sgt-a"],
            "",
        );
        server
            .accounts
            .ensure_team("South", Utc::now())
            .await
            .unwrap();
        admin_cli(
            server.dir.path(),
            &["team", "join", "South", "--officer-id", "sgt-a"],
            "",
        );
        for (who, id, want) in [
            (&sgt_a, own, 200),
            (&sgt_b, own, 200),
            (&sgt_a, theirs, 403),
        ] {
            let (code, body) = server
                .call(&who.token, "GET", &format!("/api/v1/shifts/{id}"), None)
                .await;
            assert_eq!(code, want, "{} {id}: {body}", who.officer_id);
        }
        assert_eq!(october(&server, &sgt_b, None).await, (1, 1));
        assert_eq!(october(&server, &sgt_a, None).await, (0, 0));
    })
    .await
    .unwrap();
}

/// PC 2 is in North from the start and joins South on 10 October while
/// staying in North; Sergeant X supervises both. PC 2's shift of 12
/// October holds 1 arrest, their shift of 5 October 1 stop and search.
/// North's October: 1 arrest, 1 search; South's: 1 arrest (the 5 October
/// shift is before they joined); both teams together: 1 arrest, 1 search,
/// each entry once, and each shift listed once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn someone_in_two_teams_counts_once_over_both() {
    timeout(TEST_TIMEOUT, async {
        let server = TestServer::start().await;
        let pc = person(&server, "pc-2", Role::Officer, &["North"]).await;
        let sgt = person(&server, "sgt-x", Role::Supervisor, &["North", "South"]).await;
        let at = "2025-10-10T00:00:00Z";
        admin_cli(
            server.dir.path(),
            &["team", "join", "South", "--officer-id", "pc-2", "--at", at],
            "",
        );
        let (early, revs) = shift("pc-2", utc(10, 5, 8), vec![stop]);
        push(&server, &pc, &revs).await;
        let (both, revs) = shift("pc-2", utc(10, 12, 8), vec![arrest]);
        push(&server, &pc, &revs).await;

        assert_eq!(october(&server, &sgt, Some("North")).await, (1, 1));
        assert_eq!(october(&server, &sgt, Some("South")).await, (1, 0));
        assert_eq!(october(&server, &sgt, None).await, (1, 1));
        assert_eq!(
            october_shifts(&server, &sgt, Some("South")).await,
            sorted(&[both])
        );
        assert_eq!(
            october_shifts(&server, &sgt, None).await,
            sorted(&[early, both])
        );
        let csv = entries_csv(&server, &sgt).await;
        // Header, two shifts, two entries: each once.
        assert_eq!(csv.lines().count(), 5, "{csv}");
    })
    .await
    .unwrap();
}
