//! The figures a programme lead is asked for (issue #11, item 7), against
//! returns worked out by hand: stop and search by ethnicity with outcomes
//! and rates, seizures from searches and ASB powers, persons per ASB power,
//! Immediate Justice started within 48 hours (in hours) and completed in
//! the month it completes; and `entries.csv` carrying what rebuilds them.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;

use beatbook_core::codes::*;
use beatbook_core::record::*;
use beatbook_core::{Change, EntryId, Record, Revision, RevisionId};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use common::*;
use serde_json::{json, Value};
use tokio::time::timeout;

fn utc(m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, m, d, h, min, 0).unwrap()
}

fn day(m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(2025, m, d)
}

/// One officer's revisions, each a creation.
struct Book {
    officer: &'static str,
    revs: Vec<Revision>,
}

impl Book {
    fn add(
        &mut self,
        at: DateTime<Utc>,
        shift: Option<EntryId>,
        patrol: Option<EntryId>,
        record: Record,
    ) -> EntryId {
        let entry_id = EntryId::from_random_bytes(id16());
        self.revs.push(Revision {
            id: RevisionId::from_random_bytes(id16()),
            entry_id,
            seq: 1,
            officer_id: self.officer.into(),
            captured_at: at,
            occurred_at: at,
            shift_id: shift,
            patrol_id: patrol,
            location: None,
            notes: String::new(),
            change: Change::Created,
            record,
            clock_offset_ms: None,
            prev: None,
        });
        entry_id
    }

    /// A police shift with one ended patrol in `area`, both from `at`.
    fn shift_and_patrol(&mut self, at: DateTime<Utc>, area: &str) -> (EntryId, EntryId) {
        let shift = self.add(
            at,
            None,
            None,
            Record::Shift(Shift {
                role: Some(PatrollerRole::Police),
                callsign: "Bravo 1".into(),
                team: TEST_TEAM.into(),
                ended_at: None,
            }),
        );
        let patrol = self.add(
            at,
            Some(shift),
            None,
            Record::Patrol(Patrol {
                area: area.into(),
                mode: Some(PatrolMode::Foot),
                ended_at: Some(at + chrono::Duration::minutes(12)),
                hotspot: None,
            }),
        );
        (shift, patrol)
    }
}

fn stop(
    own: Ethnicity,
    seen: Option<Ethnicity>,
    object: SearchObject,
    outcome: SearchOutcome,
    linked: bool,
) -> Record {
    Record::StopSearch(StopSearch {
        self_defined_ethnicity: Some(own),
        officer_perceived_ethnicity: seen,
        place_detained: "High Street".into(),
        object: Some(object),
        power: Some(SearchPower::Pace1),
        grounds: "Seen passing something".into(),
        outcome: Some(outcome),
        outcome_linked_to_object: Some(linked),
        injury_or_damage: Some(false),
        ..StopSearch::default()
    })
}

fn asb(power: AsbPower, persons: u32) -> AsbIntervention {
    AsbIntervention {
        power: Some(power),
        persons: Some(persons),
        place: "Market Square".into(),
        behaviour: "Drinking and shouting".into(),
        ..AsbIntervention::default()
    }
}

fn dispersal(persons: u32) -> Record {
    Record::AsbIntervention(AsbIntervention {
        dispersal_area: "Town centre".into(),
        dispersal_hours: Some(24),
        authorising_inspector: "Insp 1234 Khan".into(),
        terms: "Leave the area".into(),
        directed_persons: "Group by the fountain".into(),
        ..asb(AsbPower::Dispersal, persons)
    })
}

fn referral(
    referred: Option<NaiveDate>,
    hours: (u32, u32),
    started_at: Option<DateTime<Utc>>,
    started_on: Option<NaiveDate>,
    completed_on: Option<NaiveDate>,
) -> Record {
    Record::IjReferral(IjReferral {
        person: "IJ ref".into(),
        disposal: Some(IjDisposal::CommunityResolution),
        referral_date: referred,
        victim_consulted: Some(true),
        hours_ordered: Some(hours.0),
        hours_completed: Some(hours.1),
        reparation_started: started_on,
        reparation_started_at: started_at,
        result: completed_on.map(|_| IjOutcome::Completed),
        completed_on,
        ..IjReferral::default()
    })
}

struct Fixture {
    server: TestServer,
    october_shift: EntryId,
    october_patrol: EntryId,
}

/// pc-1, one shift a month, hand-checked:
/// - August: shift and patrol "Park" (1 Aug 10:00); R4 referred 1 Aug
///   10:05, 6 of 6 hours, completed on 20 October.
/// - October (all in BST, local days as UTC days here): shift and patrol
///   "Market Square" (10 Oct 08:00) with
///   - searches: S1 W1 (no perception recorded) weapon, arrest, linked;
///     S2 NS seen as B1, drugs, NFA; S3 B2 seen as M1, drugs, cannabis
///     warning, linked; S4 A1, stolen, community resolution, not linked;
///     S5 W2, weapon, NFA;
///   - ASB: a weapon seizure (1 person), two dispersals (4 and 2), an
///     informal warning (3);
///   - R1 referred 10 Oct 09:00, started 12 Oct 09:00 (48 hours exactly),
///     5 of 5 hours, completed 3 November; R2 referred 10:00, started 12
///     Oct 10:01 (48 h 1 min: two days by the dates), 2 of 4 hours; R3
///     referred 11 Oct with a start date only, 13 Oct (two days), 3 of 3
///     hours, no completion date (recorded before it was asked for).
async fn fixture() -> Fixture {
    let server = TestServer::start().await;
    let pc = server.officer("pc-1").await;
    let mut book = Book {
        officer: "pc-1",
        revs: Vec::new(),
    };
    let (aug_shift, aug_patrol) = book.shift_and_patrol(utc(8, 1, 10, 0), "Park");
    book.add(
        utc(8, 1, 10, 5),
        Some(aug_shift),
        Some(aug_patrol),
        referral(day(8, 1), (6, 6), None, None, day(10, 20)),
    );

    let (s, p) = book.shift_and_patrol(utc(10, 10, 8, 0), "Market Square");
    use Ethnicity::*;
    use SearchObject::*;
    use SearchOutcome::*;
    for (i, record) in [
        stop(W1, None, OffensiveWeapon, Arrest, true),
        stop(NotStated, Some(B1), Drugs, NoFurtherAction, false),
        stop(B2, Some(M1), Drugs, CannabisKhatWarning, true),
        stop(A1, None, StolenProperty, CommunityResolution, false),
        stop(W2, None, OffensiveWeapon, NoFurtherAction, false),
    ]
    .into_iter()
    .enumerate()
    {
        book.add(utc(10, 10, 8, 10 + i as u32), Some(s), Some(p), record);
    }
    let seizure = Record::AsbIntervention(AsbIntervention {
        seized: Some(SeizureKind::Weapon),
        seized_description: "Lock knife".into(),
        ..asb(AsbPower::Seizure, 1)
    });
    for (i, record) in [
        seizure,
        dispersal(4),
        dispersal(2),
        Record::AsbIntervention(asb(AsbPower::InformalWarning, 3)),
    ]
    .into_iter()
    .enumerate()
    {
        book.add(utc(10, 10, 8, 20 + i as u32), Some(s), Some(p), record);
    }
    book.add(
        utc(10, 10, 9, 0),
        Some(s),
        Some(p),
        referral(
            day(10, 10),
            (5, 5),
            Some(utc(10, 12, 9, 0)),
            None,
            day(11, 3),
        ),
    );
    book.add(
        utc(10, 10, 10, 0),
        Some(s),
        Some(p),
        referral(day(10, 10), (4, 2), Some(utc(10, 12, 10, 1)), None, None),
    );
    book.add(
        utc(10, 11, 9, 0),
        Some(s),
        Some(p),
        referral(day(10, 11), (3, 3), None, day(10, 13), None),
    );
    let res = push_ok(&server.base, &pc, &as_values(&book.revs)).await;
    assert!(outcomes(&res).iter().all(|o| o == "stored"), "{res:?}");
    Fixture {
        server,
        october_shift: s,
        october_patrol: p,
    }
}

/// One line of an ethnicity table.
fn line(searches: u64, outcomes: Value, linked: u64, outcome_rate: f64, linked_rate: f64) -> Value {
    json!({"searches": searches, "outcomes": outcomes, "linked": linked,
           "outcome_rate": outcome_rate, "linked_rate": linked_rate})
}

#[tokio::test]
async fn stop_and_search_by_ethnicity_with_outcomes_and_rates() {
    timeout(TEST_TIMEOUT, async {
        let f = fixture().await;
        let oct = f.server.sup_return("2025-10-01", "2025-10-31").await;
        let eth = &oct["totals"]["stop_search_ethnicity"];
        // White: S1 (arrest, linked) and S5 (NFA): one of two positive.
        assert_eq!(
            eth["self_defined_groups"],
            json!({
                "white": line(2, json!({"arrest": 1, "nfa": 1}), 1, 0.5, 0.5),
                "not_stated": line(1, json!({"nfa": 1}), 0, 0.0, 0.0),
                "black": line(1, json!({"drugs_warning": 1}), 1, 1.0, 1.0),
                "asian": line(1, json!({"community_resolution": 1}), 0, 1.0, 0.0),
            }),
            "{eth}"
        );
        assert_eq!(
            eth["self_defined_codes"],
            json!({
                "W1": line(1, json!({"arrest": 1}), 1, 1.0, 1.0),
                "W2": line(1, json!({"nfa": 1}), 0, 0.0, 0.0),
                "NS": line(1, json!({"nfa": 1}), 0, 0.0, 0.0),
                "B2": line(1, json!({"drugs_warning": 1}), 1, 1.0, 1.0),
                "A1": line(1, json!({"community_resolution": 1}), 0, 1.0, 0.0),
            })
        );
        // As perceived: S2 is B1 (Black), S3 M1 (Mixed); the others as
        // they defined themselves (no other perception recorded).
        assert_eq!(
            eth["perceived_groups"],
            json!({
                "white": line(2, json!({"arrest": 1, "nfa": 1}), 1, 0.5, 0.5),
                "black": line(1, json!({"nfa": 1}), 0, 0.0, 0.0),
                "mixed": line(1, json!({"drugs_warning": 1}), 1, 1.0, 1.0),
                "asian": line(1, json!({"community_resolution": 1}), 0, 1.0, 0.0),
            })
        );
        assert_eq!(eth["perceived_codes"]["B1"]["searches"], 1);
        assert_eq!(eth["perceived_codes"]["M1"]["searches"], 1);
        assert!(eth["perceived_codes"].get("NS").is_none(), "{eth}");
        assert_eq!(eth["perceived_recorded"], 2);
        // By hotspot too, and nothing in a month without searches.
        assert_eq!(
            oct["by_area"]["Market Square"]["stop_search_ethnicity"],
            *eth
        );
        let aug = f.server.sup_return("2025-08-01", "2025-08-31").await;
        assert!(
            aug["totals"].get("stop_search_ethnicity").is_none(),
            "{aug}"
        );

        // The return CSV has every line.
        let csv = f
            .server
            .sup_text("/api/v1/export/return.csv?from=2025-10-01&to=2025-10-31&reason=test")
            .await;
        let rows = parse_csv(&csv);
        let has = |metric: &str, value: &str| {
            rows.iter()
                .any(|r| r[0] == "total" && r[2] == metric && r[3] == value)
        };
        assert!(
            has("stop_search_self_defined_group:white:searches", "2"),
            "{csv}"
        );
        assert!(has(
            "stop_search_self_defined_group:white:outcome_rate",
            "0.5"
        ));
        assert!(has("stop_search_self_defined_code:NS:outcome:nfa", "1"));
        assert!(has("stop_search_perceived_group:mixed:linked_rate", "1"));
        assert!(has("stop_search_perceived_recorded", "2"));
    })
    .await
    .expect("test timed out");
}

#[tokio::test]
async fn seizures_from_searches_and_asb_powers_and_persons_per_power() {
    timeout(TEST_TIMEOUT, async {
        let f = fixture().await;
        let oct = f.server.sup_return("2025-10-01", "2025-10-31").await;
        let tot = &oct["totals"];
        // Found on a search (outcome linked to the object): S1's weapon,
        // S3's drugs. S5 looked for a weapon and found none.
        assert_eq!(
            tot["search_seizures"],
            json!({"weapon": 1, "drugs": 1}),
            "{tot}"
        );
        assert_eq!(tot["seizures"], json!({"weapon": 1}));
        assert_eq!(
            tot["asb"],
            json!({"seizure": 1, "dispersal": 2, "informal_warning": 1})
        );
        assert_eq!(tot["asb_persons"], 10);
        assert_eq!(
            tot["asb_persons_by_power"],
            json!({"seizure": 1, "dispersal": 6, "informal_warning": 3})
        );
        let csv = f
            .server
            .sup_text("/api/v1/export/return.csv?from=2025-10-01&to=2025-10-31&reason=test")
            .await;
        assert!(
            csv.contains("total,all,search_seizure:weapon,1\r\n"),
            "{csv}"
        );
        assert!(csv.contains("total,all,seizure:weapon,1\r\n"));
        assert!(csv.contains("total,all,asb_persons:dispersal,6\r\n"));
    })
    .await
    .expect("test timed out");
}

#[tokio::test]
async fn immediate_justice_starts_in_hours_and_completes_in_its_own_month() {
    timeout(TEST_TIMEOUT, async {
        let f = fixture().await;
        let oct = f.server.sup_return("2025-10-01", "2025-10-31").await;
        let tot = &oct["totals"];
        assert_eq!(tot["ij_referrals"], 3, "{tot}");
        // R1 at 48 hours exactly and R3 by its dates; R2 a minute late.
        assert_eq!(tot["ij_started_within_48h"], 2);
        // R3 (no completion date: its referral's month) and R4, referred
        // in August, completed on 20 October; R1 completes in November.
        assert_eq!(tot["ij_completed"], 2);
        // R4 counts under its own patrol's hotspot and its shift's role.
        assert_eq!(oct["by_area"]["Park"]["ij_completed"], 1, "{oct}");
        assert_eq!(oct["by_area"]["Park"]["ij_referrals"], 0);
        assert_eq!(oct["by_area"]["Park"]["patrols"], 0);
        assert_eq!(oct["by_area"]["Market Square"]["ij_completed"], 1);
        assert_eq!(oct["by_role"]["police"]["ij_completed"], 2);

        let nov = f.server.sup_return("2025-11-01", "2025-11-30").await;
        assert_eq!(nov["totals"]["ij_referrals"], 0, "{nov}");
        assert_eq!(nov["totals"]["ij_completed"], 1);
        let aug = f.server.sup_return("2025-08-01", "2025-08-31").await;
        assert_eq!(aug["totals"]["ij_referrals"], 1, "{aug}");
        assert_eq!(aug["totals"]["ij_completed"], 0);
        let both = f.server.sup_return("2025-10-01", "2025-11-30").await;
        assert_eq!(both["totals"]["ij_completed"], 3);
    })
    .await
    .expect("test timed out");
}

#[tokio::test]
async fn entries_csv_carries_what_rebuilds_the_return() {
    timeout(TEST_TIMEOUT, async {
        let f = fixture().await;
        let res = client()
            .post(format!(
                "{}/api/v1/shifts/{}/review",
                f.server.base, f.october_shift
            ))
            .bearer_auth(&f.server.sup)
            .json(&json!({"state": "approved"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let csv = f
            .server
            .sup_text("/api/v1/export/entries.csv?from=2025-08-01&to=2025-10-31&reason=test")
            .await;
        let header = parse_csv(&csv).remove(0);
        // The earlier columns keep their places; the new ones follow.
        assert_eq!(header[25], "time_zone");
        assert_eq!(
            header[26..],
            [
                "shift_id",
                "patrol_id",
                "shift_review",
                "self_defined_ethnicity",
                "officer_perceived_ethnicity",
                "ij_referral_date",
                "ij_reparation_started",
                "ij_reparation_started_at",
                "ij_completed_on",
                "ij_result",
                "hotspot_id",
            ]
        );
        let rows = csv_maps(&csv);
        let (shift, patrol) = (f.october_shift.to_string(), f.october_patrol.to_string());
        let october: Vec<_> = rows.iter().filter(|r| r["shift_id"] == shift).collect();
        assert_eq!(october.len(), 2 + 5 + 4 + 3, "{rows:?}");
        assert!(october.iter().all(|r| r["shift_review"] == "approved"));
        assert!(october
            .iter()
            .all(|r| r["kind"] == "shift" || r["patrol_id"] == patrol));
        let own = october.iter().find(|r| r["kind"] == "shift").unwrap();
        assert_eq!(
            (own["entry_id"].as_str(), own["patrol_id"].as_str()),
            (shift.as_str(), "")
        );
        // August's shift was never reviewed.
        let park = rows.iter().find(|r| r["area"] == "Park").unwrap();
        assert_eq!(park["shift_review"], "pending");
        assert_eq!(park["patrol_id"], park["entry_id"]);

        let stop = |own: &str| {
            rows.iter()
                .find(|r| r["self_defined_ethnicity"] == own)
                .unwrap()
        };
        assert_eq!(stop("NS")["officer_perceived_ethnicity"], "B1");
        assert_eq!(stop("W1")["officer_perceived_ethnicity"], "");
        assert_eq!(stop("B2")["outcome_linked_to_object"], "true");
        let ij: Vec<_> = rows.iter().filter(|r| r["kind"] == "ij_referral").collect();
        assert_eq!(ij.len(), 4);
        let r1 = ij
            .iter()
            .find(|r| r["ij_completed_on"] == "2025-11-03")
            .unwrap();
        assert_eq!(r1["ij_referral_date"], "2025-10-10");
        assert_eq!(
            r1["ij_reparation_started_at"],
            "2025-10-12T10:00:00.000000+01:00"
        );
        assert_eq!(r1["ij_reparation_started"], "");
        assert_eq!(r1["ij_result"], "completed");
        let r3 = ij
            .iter()
            .find(|r| r["ij_referral_date"] == "2025-10-11")
            .unwrap();
        assert_eq!(r3["ij_reparation_started"], "2025-10-13");
        assert_eq!(r3["ij_reparation_started_at"], "");
    })
    .await
    .expect("test timed out");
}
