//! Days, ISO weeks and months in the force's time zone (issue #11, item 1,
//! server side): a date in a query is the local day, from local 00:00 to
//! the next (23 or 25 hours on the change days); the return, the shift
//! list's filters and both CSV exports count in it and say which zone; an
//! unknown zone is refused at start.
//!
//! Europe/London in 2025: BST from Sunday 30 March 01:00 UTC to Sunday 26
//! October 01:00 UTC.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;

use beatbook_core::codes::*;
use beatbook_core::record::*;
use beatbook_core::{Change, EntryId, Record, Revision, RevisionId};
use chrono::{DateTime, Duration, Utc};
use common::*;
use serde_json::Value;
use std::collections::BTreeSet;
use tokio::time::timeout;

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

/// One officer's revisions, built up.
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

    fn add(
        &mut self,
        entry: EntryId,
        seq: u32,
        change: Change,
        record: Record,
        at: DateTime<Utc>,
        context: (Option<EntryId>, Option<EntryId>),
    ) {
        self.revs.push(Revision {
            clock_offset_ms: None,
            prev: None,
            id: RevisionId::from_random_bytes(id16()),
            entry_id: entry,
            seq,
            officer_id: self.officer.clone(),
            captured_at: at + Duration::seconds(20),
            occurred_at: at,
            shift_id: context.0,
            patrol_id: context.1,
            location: None,
            notes: String::new(),
            change,
            record,
        });
    }

    /// A shift (callsign `label`) and in it a patrol (area `label`), both
    /// from `start` for `minutes`; returns (shift, patrol).
    fn visit(&mut self, label: &str, start: DateTime<Utc>, minutes: i64) -> (EntryId, EntryId) {
        let end = start + Duration::minutes(minutes);
        let shift = EntryId::from_random_bytes(id16());
        let s = Shift {
            role: Some(PatrollerRole::Police),
            callsign: label.into(),
            team: TEST_TEAM.into(),
            ended_at: None,
        };
        self.add(
            shift,
            1,
            Change::Created,
            Record::Shift(s.clone()),
            start,
            (None, None),
        );
        let patrol = EntryId::from_random_bytes(id16());
        let p = Patrol {
            area: label.into(),
            mode: Some(PatrolMode::Foot),
            ended_at: None,
            hotspot: None,
        };
        self.add(
            patrol,
            1,
            Change::Created,
            Record::Patrol(p.clone()),
            start,
            (Some(shift), None),
        );
        let ended = Patrol {
            ended_at: Some(end),
            ..p
        };
        self.add(
            patrol,
            2,
            Change::Ended,
            Record::Patrol(ended),
            start,
            (Some(shift), None),
        );
        let ended = Shift {
            ended_at: Some(end),
            ..s
        };
        self.add(
            shift,
            2,
            Change::Ended,
            Record::Shift(ended),
            start,
            (None, None),
        );
        (shift, patrol)
    }

    fn stop_search(&mut self, shift: EntryId, patrol: EntryId, at: DateTime<Utc>) {
        let record = Record::StopSearch(StopSearch {
            self_defined_ethnicity: Some(Ethnicity::NotStated),
            officer_perceived_ethnicity: Some(Ethnicity::A1),
            place_detained: "Market Square".into(),
            object: Some(SearchObject::Drugs),
            power: Some(SearchPower::MisuseOfDrugs23),
            grounds: "Smell of cannabis".into(),
            outcome: Some(SearchOutcome::NoFurtherAction),
            outcome_linked_to_object: Some(false),
            injury_or_damage: Some(false),
            ..StopSearch::default()
        });
        self.add(
            EntryId::from_random_bytes(id16()),
            1,
            Change::Created,
            record,
            at,
            (Some(shift), Some(patrol)),
        );
    }
}

async fn push_all(server: &TestServer, book: &Book) {
    let token = server.officer(&book.officer).await;
    let res = push_ok(&server.base, &token, &as_values(&book.revs)).await;
    assert!(outcomes(&res).iter().all(|o| o == "stored"), "{res:?}");
}

/// The hotspots (here: one per visit, named by its local time) a return counts.
fn areas(ret: &Value) -> BTreeSet<String> {
    ret["by_area"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

/// The callsigns (one per visit) of the shifts the list gives for these days.
async fn shifts_between(server: &TestServer, from: &str, to: &str) -> BTreeSet<String> {
    let page = serde_json::from_str::<Value>(
        &server
            .sup_text(&format!("/api/v1/shifts?from={from}&to={to}&page_size=200"))
            .await,
    )
    .unwrap();
    page["shifts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["callsign"].as_str().unwrap().to_owned())
        .collect()
}

/// `entries.csv` for these days, as maps of column to cell.
async fn entries_csv(
    server: &TestServer,
    from: &str,
    to: &str,
) -> Vec<std::collections::BTreeMap<String, String>> {
    let text = server
        .sup_text(&format!(
            "/api/v1/export/entries.csv?from={from}&to={to}&reason=test"
        ))
        .await;
    csv_maps(&text)
}

#[tokio::test]
async fn an_entry_at_00_30_bst_on_1_june_counts_in_june() {
    timeout(TEST_TIMEOUT, async {
        let server = TestServer::start().await;
        // 00:30 BST on Sunday 1 June 2025 is 23:30 UTC on 31 May; a stop
        // and search at 00:35 BST in a 15-minute patrol.
        let mut book = Book::new("pc-june");
        let (shift, patrol) = book.visit("Market Square", utc("2025-05-31T23:30:00Z"), 15);
        book.stop_search(shift, patrol, utc("2025-05-31T23:35:00Z"));
        push_all(&server, &book).await;

        let june = server.sup_return("2025-06-01", "2025-06-30").await;
        assert_eq!(june["time_zone"], "Europe/London", "{june}");
        assert_eq!(june["totals"]["patrols"], 1, "{june}");
        assert_eq!(june["totals"]["stop_searches"], 1, "{june}");
        assert_eq!(june["totals"]["person_hours"], 0.25, "{june}");
        // Sunday 1 June is in the week of Monday 26 May.
        assert_eq!(june["by_week"][0]["week"], "2025-05-26", "{june}");
        assert_eq!(june["by_week"][0]["patrols"], 1, "{june}");
        let may = server.sup_return("2025-05-01", "2025-05-31").await;
        assert_eq!(may["totals"]["patrols"], 0, "{may}");
        assert_eq!(may["totals"]["stop_searches"], 0, "{may}");
        assert_eq!(may["totals"]["person_hours"], 0.0, "{may}");

        // The shift list's dates are local days too.
        assert_eq!(
            shifts_between(&server, "2025-06-01", "2025-06-01").await,
            set(&["Market Square"])
        );
        assert!(shifts_between(&server, "2025-05-31", "2025-05-31")
            .await
            .is_empty());

        // The entries export: June's, in local time with the offset.
        let rows = entries_csv(&server, "2025-06-01", "2025-06-30").await;
        assert_eq!(rows.len(), 3, "{rows:?}");
        let stop = rows.iter().find(|r| r["kind"] == "stop_search").unwrap();
        assert_eq!(stop["occurred_at"], "2025-06-01T00:35:00.000000+01:00");
        assert_eq!(stop["captured_at"], "2025-06-01T00:35:20.000000+01:00");
        assert!(stop["received_at"].ends_with("+00:00"), "{stop:?}");
        let patrol = rows.iter().find(|r| r["kind"] == "patrol").unwrap();
        assert_eq!(patrol["ended_at"], "2025-06-01T00:45:00.000000+01:00");
        assert!(rows.iter().all(|r| r["time_zone"] == "Europe/London"));
        assert!(entries_csv(&server, "2025-05-01", "2025-05-31")
            .await
            .is_empty());

        // The return's CSV names its zone in its first row.
        let csv = server
            .sup_text("/api/v1/export/return.csv?from=2025-06-01&to=2025-06-30&reason=test")
            .await;
        let rows = parse_csv(&csv);
        assert_eq!(rows[0], ["group", "name", "metric", "value"]);
        assert_eq!(rows[1], ["period", "all", "time_zone", "Europe/London"]);
        assert!(rows.contains(&vec![
            "total".to_owned(),
            "all".to_owned(),
            "patrols".to_owned(),
            "1".to_owned()
        ]));
        server.stop().await;
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn the_zone_is_the_force_setting() {
    timeout(TEST_TIMEOUT, async {
        // The same entry in a force set to UTC counts in May.
        let server = TestServer::start_in_zone("UTC".parse().unwrap()).await;
        let mut book = Book::new("pc-utc");
        book.visit("Market Square", utc("2025-05-31T23:30:00Z"), 15);
        push_all(&server, &book).await;
        let may = server.sup_return("2025-05-01", "2025-05-31").await;
        assert_eq!(may["time_zone"], "UTC", "{may}");
        assert_eq!(may["totals"]["patrols"], 1, "{may}");
        let rows = entries_csv(&server, "2025-05-01", "2025-05-31").await;
        let patrol = rows.iter().find(|r| r["kind"] == "patrol").unwrap();
        assert_eq!(patrol["occurred_at"], "2025-05-31T23:30:00.000000+00:00");
        assert_eq!(patrol["time_zone"], "UTC");
        server.stop().await;
    })
    .await
    .unwrap();
}

/// Visits of one minute each, named by their local time, either side of
/// both 2025 changes and of the month and week boundaries near them.
const VISITS: [(&str, &str); 17] = [
    ("28 Feb 23:30 GMT", "2025-02-28T23:30:00Z"),
    ("1 Mar 00:10 GMT", "2025-03-01T00:10:00Z"),
    ("30 Mar 00:59 GMT", "2025-03-30T00:59:00Z"),
    ("30 Mar 02:01 BST", "2025-03-30T01:01:00Z"),
    ("30 Mar 23:59 BST", "2025-03-30T22:59:00Z"),
    ("31 Mar 00:01 BST", "2025-03-30T23:01:00Z"),
    ("31 Mar 23:59 BST", "2025-03-31T22:59:00Z"),
    ("1 Apr 00:01 BST", "2025-03-31T23:01:00Z"),
    ("1 Oct 00:01 BST", "2025-09-30T23:01:00Z"),
    ("26 Oct 00:01 BST", "2025-10-25T23:01:00Z"),
    ("26 Oct 01:59 BST", "2025-10-26T00:59:00Z"),
    ("26 Oct 01:01 GMT", "2025-10-26T01:01:00Z"),
    ("26 Oct 23:59 GMT", "2025-10-26T23:59:00Z"),
    ("27 Oct 00:01 GMT", "2025-10-27T00:01:00Z"),
    ("31 Oct 23:59 GMT", "2025-10-31T23:59:00Z"),
    ("1 Nov 00:01 GMT", "2025-11-01T00:01:00Z"),
    ("30 Sep 23:59 BST", "2025-09-30T22:59:00Z"),
];

async fn clock_change_server() -> TestServer {
    let server = TestServer::start().await;
    let mut book = Book::new("pc-clocks");
    for (label, at) in VISITS {
        book.visit(label, utc(at), 1);
    }
    push_all(&server, &book).await;
    server
}

#[tokio::test]
async fn entries_either_side_of_the_clock_changes_fall_in_their_local_day() {
    timeout(TEST_TIMEOUT, async {
        let server = clock_change_server().await;
        // Sunday 30 March is 23 hours long: 00:00 GMT to 00:00 BST.
        let spring = set(&["30 Mar 00:59 GMT", "30 Mar 02:01 BST", "30 Mar 23:59 BST"]);
        let day = server.sup_return("2025-03-30", "2025-03-30").await;
        assert_eq!(areas(&day), spring, "{day}");
        assert_eq!(day["totals"]["person_hours"], 0.05, "{day}");
        assert_eq!(
            shifts_between(&server, "2025-03-30", "2025-03-30").await,
            spring
        );
        let monday = set(&["31 Mar 00:01 BST", "31 Mar 23:59 BST"]);
        let day = server.sup_return("2025-03-31", "2025-03-31").await;
        assert_eq!(areas(&day), monday, "{day}");
        assert_eq!(
            shifts_between(&server, "2025-03-31", "2025-03-31").await,
            monday
        );

        // Sunday 26 October is 25 hours long, 01:00 to 02:00 BST and 01:00
        // to 02:00 GMT both in it.
        let autumn = set(&[
            "26 Oct 00:01 BST",
            "26 Oct 01:59 BST",
            "26 Oct 01:01 GMT",
            "26 Oct 23:59 GMT",
        ]);
        let day = server.sup_return("2025-10-26", "2025-10-26").await;
        assert_eq!(areas(&day), autumn, "{day}");
        assert_eq!(day["totals"]["person_hours"], 0.07, "{day}");
        assert_eq!(
            shifts_between(&server, "2025-10-26", "2025-10-26").await,
            autumn
        );
        let day = server.sup_return("2025-10-25", "2025-10-25").await;
        assert!(areas(&day).is_empty(), "{day}");
        let day = server.sup_return("2025-10-27", "2025-10-27").await;
        assert_eq!(areas(&day), set(&["27 Oct 00:01 GMT"]), "{day}");

        // The doubled hour is told apart by its offset in the export.
        let rows = entries_csv(&server, "2025-10-26", "2025-10-26").await;
        let starts: BTreeSet<&str> = rows
            .iter()
            .filter(|r| r["kind"] == "patrol")
            .map(|r| r["occurred_at"].as_str())
            .collect();
        let want: BTreeSet<&str> = [
            "2025-10-26T00:01:00.000000+01:00",
            "2025-10-26T01:59:00.000000+01:00",
            "2025-10-26T01:01:00.000000+00:00",
            "2025-10-26T23:59:00.000000+00:00",
        ]
        .into();
        assert_eq!(starts, want);
        let rows = entries_csv(&server, "2025-03-30", "2025-03-30").await;
        let ends: BTreeSet<&str> = rows
            .iter()
            .filter(|r| r["kind"] == "patrol")
            .map(|r| r["ended_at"].as_str())
            .collect();
        let want: BTreeSet<&str> = [
            "2025-03-30T02:00:00.000000+01:00",
            "2025-03-30T02:02:00.000000+01:00",
            "2025-03-31T00:00:00.000000+01:00",
        ]
        .into();
        assert_eq!(ends, want);
        server.stop().await;
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn weeks_around_the_clock_changes_are_local_weeks() {
    timeout(TEST_TIMEOUT, async {
        let server = clock_change_server().await;
        let week = |ret: &Value, i: usize| {
            (
                ret["by_week"][i]["week"].as_str().unwrap().to_owned(),
                ret["by_week"][i]["patrols"].as_u64().unwrap(),
            )
        };
        // The week of 24 March ends at local midnight on Sunday 30 March,
        // 23:00 UTC: 00:01 BST on Monday 31 March is the next week's.
        let ret = server.sup_return("2025-03-24", "2025-04-06").await;
        assert_eq!(ret["by_week"].as_array().unwrap().len(), 2, "{ret}");
        assert_eq!(week(&ret, 0), ("2025-03-24".into(), 3), "{ret}");
        assert_eq!(week(&ret, 1), ("2025-03-31".into(), 3), "{ret}");
        // The week of 20 October starts at 23:00 UTC on Sunday 19 October
        // and holds all of the 25-hour Sunday.
        let ret = server.sup_return("2025-10-20", "2025-11-02").await;
        assert_eq!(week(&ret, 0), ("2025-10-20".into(), 4), "{ret}");
        assert_eq!(week(&ret, 1), ("2025-10-27".into(), 3), "{ret}");
        // A week the period only meets (Monday 29 September) is listed; 00:01
        // BST on Wednesday 1 October is in it, 23:59 BST on the 30th is not
        // the period's.
        let ret = server.sup_return("2025-10-01", "2025-10-05").await;
        assert_eq!(week(&ret, 0), ("2025-09-29".into(), 1), "{ret}");
        server.stop().await;
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_month_over_a_clock_change_is_exactly_its_local_days() {
    timeout(TEST_TIMEOUT, async {
        let server = clock_change_server().await;
        // March 2025: 1 March 00:00 GMT to 1 April 00:00 BST (31 March 23:00 UTC).
        let march = set(&[
            "1 Mar 00:10 GMT",
            "30 Mar 00:59 GMT",
            "30 Mar 02:01 BST",
            "30 Mar 23:59 BST",
            "31 Mar 00:01 BST",
            "31 Mar 23:59 BST",
        ]);
        let ret = server.sup_return("2025-03-01", "2025-03-31").await;
        assert_eq!(ret["time_zone"], "Europe/London");
        assert_eq!(areas(&ret), march, "{ret}");
        assert_eq!(ret["totals"]["patrols"], 6, "{ret}");
        assert_eq!(
            shifts_between(&server, "2025-03-01", "2025-03-31").await,
            march
        );
        let exported: BTreeSet<String> = entries_csv(&server, "2025-03-01", "2025-03-31")
            .await
            .into_iter()
            .filter(|r| r["kind"] == "patrol")
            .map(|r| r["area"].clone())
            .collect();
        assert_eq!(exported, march);
        let april = server.sup_return("2025-04-01", "2025-04-30").await;
        assert_eq!(areas(&april), set(&["1 Apr 00:01 BST"]), "{april}");
        let feb = server.sup_return("2025-02-01", "2025-02-28").await;
        assert_eq!(areas(&feb), set(&["28 Feb 23:30 GMT"]), "{feb}");

        // October 2025: 1 October 00:00 BST (30 September 23:00 UTC) to 1
        // November 00:00 GMT.
        let october = set(&[
            "1 Oct 00:01 BST",
            "26 Oct 00:01 BST",
            "26 Oct 01:59 BST",
            "26 Oct 01:01 GMT",
            "26 Oct 23:59 GMT",
            "27 Oct 00:01 GMT",
            "31 Oct 23:59 GMT",
        ]);
        let ret = server.sup_return("2025-10-01", "2025-10-31").await;
        assert_eq!(areas(&ret), october, "{ret}");
        assert_eq!(
            shifts_between(&server, "2025-10-01", "2025-10-31").await,
            october
        );
        let exported: BTreeSet<String> = entries_csv(&server, "2025-10-01", "2025-10-31")
            .await
            .into_iter()
            .filter(|r| r["kind"] == "patrol")
            .map(|r| r["area"].clone())
            .collect();
        assert_eq!(exported, october);
        let september = server.sup_return("2025-09-01", "2025-09-30").await;
        assert_eq!(areas(&september), set(&["30 Sep 23:59 BST"]), "{september}");
        let november = server.sup_return("2025-11-01", "2025-11-30").await;
        assert_eq!(areas(&november), set(&["1 Nov 00:01 GMT"]), "{november}");
        server.stop().await;
    })
    .await
    .unwrap();
}

#[test]
fn an_unknown_time_zone_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let run = |flag: Option<&str>, env: Option<&str>| {
        let mut cmd = std::process::Command::new(SERVER_BIN);
        cmd.args(["serve", "--listen", "127.0.0.1:0", "--db"])
            .arg(db_target(dir.path()))
            .arg("--dist")
            .arg(dir.path().join("dist"))
            .env_remove("BEATBOOK_TIME_ZONE")
            .env("RUST_LOG", "warn")
            .stdin(std::process::Stdio::null());
        if let Some(zone) = flag {
            cmd.args(["--time-zone", zone]);
        }
        if let Some(zone) = env {
            cmd.env("BEATBOOK_TIME_ZONE", zone);
        }
        cmd.output().unwrap()
    };
    let out = run(Some("Mars/Olympus_Mons"), None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("--time-zone")
            && stderr.contains(
                "unknown time zone \"Mars/Olympus_Mons\": give an IANA time zone name such as Europe/London"
            ),
        "{stderr}"
    );
    let out = run(None, Some("europe/london"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("unknown time zone \"europe/london\""),
        "{stderr}"
    );
    // Nothing was started: no database was made.
    assert!(!db_path(dir.path()).exists());
}
