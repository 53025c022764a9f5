//! Hotspots as managed data (issue #11, item 3), by a hand-worked return:
//! patrols name the force's hotspots by ID; the return counts hotspot time
//! by ID and apart from the time spent elsewhere; a renamed hotspot keeps
//! its history; a hotspot is retired, never removed; a patrol naming a
//! hotspot the force does not list is refused and stored nowhere.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;

use beatbook_core::auth::Role;
use beatbook_core::codes::*;
use beatbook_core::force::ForceDocument;
use beatbook_core::record::*;
use beatbook_core::review::ProgrammeReturn;
use beatbook_core::{Change, EntryId, Record, Revision};
use chrono::{DateTime, Duration, TimeZone, Utc};
use common::*;
use serde_json::{json, Value};

const OFFICER: &str = "pc-hotspots";

/// 2025-10-07 (BST) at `h`:`m` UTC.
fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 10, 7, h, m, 0).unwrap()
}

fn rev(entry: EntryId, seq: u32, change: Change, record: Record, when: DateTime<Utc>) -> Revision {
    revision(OFFICER, entry, seq, change, record, when, None)
}

/// The officer's shift, as it starts.
fn open_shift() -> Record {
    Record::Shift(Shift {
        role: Some(PatrollerRole::Police),
        callsign: "Alpha 1".into(),
        team: "North".into(),
        ended_at: None,
    })
}

fn new_id() -> EntryId {
    EntryId::from_random_bytes(id16())
}

/// A patrol from `start` for `minutes`, at a hotspot or a typed place:
/// its creation and its end.
fn patrol(
    shift: EntryId,
    hotspot: Option<&str>,
    area: &str,
    start: DateTime<Utc>,
    minutes: i64,
) -> (EntryId, Vec<Revision>) {
    let id = new_id();
    let open = Patrol {
        area: area.into(),
        mode: Some(PatrolMode::Foot),
        ended_at: None,
        hotspot: hotspot.map(str::to_owned),
    };
    let ended = Patrol {
        ended_at: Some(start + Duration::minutes(minutes)),
        ..open.clone()
    };
    let mut created = rev(id, 1, Change::Created, Record::Patrol(open), start);
    created.shift_id = Some(shift);
    let mut end = rev(id, 2, Change::Ended, Record::Patrol(ended), start);
    end.shift_id = Some(shift);
    (id, vec![created, end])
}

fn stop() -> Record {
    Record::StopSearch(StopSearch {
        self_defined_ethnicity: Some(Ethnicity::NotStated),
        officer_perceived_ethnicity: Some(Ethnicity::W1),
        place_detained: "By the fountain".into(),
        object: Some(SearchObject::Drugs),
        power: Some(SearchPower::MisuseOfDrugs23),
        grounds: "Smell of cannabis".into(),
        outcome: Some(SearchOutcome::NoFurtherAction),
        outcome_linked_to_object: Some(false),
        injury_or_damage: Some(false),
        ..StopSearch::default()
    })
}

async fn post_force(server: &TestServer, admin: &str, body: &Value) -> (u16, String) {
    let res = client()
        .post(format!("{}/api/v1/force", server.base))
        .bearer_auth(admin)
        .json(body)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

fn settings(hotspots: Value) -> Value {
    json!({"lock_minutes": 10, "retention_days": 7, "stop_and_account": true,
           "hotspots": hotspots})
}

async fn october(server: &TestServer) -> ProgrammeReturn {
    get_json(
        &server.base,
        &server.sup,
        "/api/v1/return?from=2025-10-01&to=2025-10-31",
    )
    .await
}

#[tokio::test]
async fn hotspot_time_is_counted_by_hotspot_id_apart_from_time_elsewhere() {
    let server = TestServer::start().await;
    let officer = server.officer(OFFICER).await;
    let admin_id = server.add_user("admin-hotspots", Role::Admin, &[]).await;
    let admin = server.session(admin_id, "admin-desk").await;
    let listed = json!([
        {"id": "market-square", "name": "Market Square", "area": "Town centre",
         "centre": {"lat": 52.6369, "lon": -1.1398}, "radius_m": 200},
        {"id": "bus-station", "name": "Bus Station", "area": "Town centre"}
    ]);
    assert_eq!(post_force(&server, &admin, &settings(listed)).await.0, 200);

    // One shift: 30 minutes at the market with a search in it, 15 minutes
    // at a car park (not a hotspot), and an arrest outside any patrol.
    let shift = new_id();
    let mut revs = vec![rev(shift, 1, Change::Created, open_shift(), at(18, 0))];
    let (market, market_revs) = patrol(
        shift,
        Some("market-square"),
        "Market Square",
        at(18, 30),
        30,
    );
    revs.extend(market_revs);
    let mut search = rev(new_id(), 1, Change::Created, stop(), at(18, 40));
    (search.shift_id, search.patrol_id) = (Some(shift), Some(market));
    revs.push(search);
    revs.extend(patrol(shift, None, "Car park", at(19, 30), 15).1);
    let mut arrest = rev(
        new_id(),
        1,
        Change::Created,
        Record::Arrest(Arrest {
            offence: "Theft".into(),
            place: "High Street".into(),
            grounds: "Seen taking goods".into(),
            necessity: vec![NecessityCriterion::PromptInvestigation],
            necessity_reasons: [(
                NecessityCriterion::PromptInvestigation,
                "To interview".to_owned(),
            )]
            .into(),
            caution_at: Some(at(20, 5)),
            custody_suite: "Central".into(),
            ..Arrest::default()
        }),
        at(20, 0),
    );
    arrest.shift_id = Some(shift);
    revs.push(arrest);
    let res = push_ok(&server.base, &officer, &as_values(&revs)).await;
    assert!(outcomes(&res).iter().all(|o| o == "stored"), "{res:?}");

    let ret = october(&server).await;
    let market_figures = &ret.by_hotspot["market-square"];
    assert_eq!(
        (
            market_figures.patrols,
            market_figures.person_hours,
            market_figures.stop_searches
        ),
        (1, 0.5, 1)
    );
    assert_eq!(ret.by_hotspot.len(), 1, "the bus station had no patrol");
    assert_eq!(ret.hotspots["market-square"].name, "Market Square");
    assert_eq!(ret.hotspots["market-square"].area, "Town centre");
    let car_park = &ret.by_area["Car park"];
    assert_eq!((car_park.patrols, car_park.person_hours), (1, 0.25));
    assert_eq!(ret.by_area["(no patrol)"].arrests, 1);
    assert!(
        !ret.by_area.contains_key("Market Square"),
        "hotspot time is not counted again by its name"
    );
    assert_eq!(
        (
            ret.in_hotspots.person_hours,
            ret.outside_hotspots.person_hours
        ),
        (0.5, 0.25)
    );
    assert_eq!(
        (ret.in_hotspots.arrests, ret.outside_hotspots.arrests),
        (0, 1)
    );
    assert_eq!((ret.totals.patrols, ret.totals.person_hours), (2, 0.75));

    // Renamed: the same figures, under the same ID, with the new name.
    let renamed = json!([
        {"id": "market-square", "name": "Market Place", "area": "Town centre"},
        {"id": "bus-station", "name": "Bus Station", "area": "Town centre", "retired": true}
    ]);
    assert_eq!(post_force(&server, &admin, &settings(renamed)).await.0, 200);
    let again = october(&server).await;
    assert_eq!(again.by_hotspot, ret.by_hotspot);
    assert_eq!(again.hotspots["market-square"].name, "Market Place");

    // The return's CSV names it as the force does now.
    let csv = client()
        .get(format!(
            "{}/api/v1/export/return.csv?from=2025-10-01&to=2025-10-31&reason=programme%20return",
            server.base
        ))
        .bearer_auth(&server.sup)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        csv.contains("hotspot,market-square,name,Market Place\r\n"),
        "{csv}"
    );
    assert!(
        csv.contains("hotspot,market-square,person_hours,0.5\r\n"),
        "{csv}"
    );
    assert!(
        csv.contains("hotspot_time,in_hotspots,person_hours,0.5\r\n"),
        "{csv}"
    );
    assert!(
        csv.contains("hotspot_time,outside_hotspots,person_hours,0.25\r\n"),
        "{csv}"
    );

    // Removing a hotspot is refused (retire it): the stored list stays.
    let (status, body) = post_force(
        &server,
        &admin,
        &settings(json!([{"id": "bus-station", "name": "Bus Station", "area": "Town centre"}])),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("retired, never removed"), "{body}");
    let doc: ForceDocument = get_json(&server.base, &officer, "/api/v1/force").await;
    assert_eq!(doc.settings.hotspots.len(), 2);
    assert_eq!(doc.settings.hotspots[0].name, "Market Place");
}

#[tokio::test]
async fn a_patrol_naming_a_hotspot_the_force_does_not_list_is_refused_and_stored_nowhere() {
    let server = TestServer::start().await;
    let officer = server.officer(OFFICER).await;
    let shift = new_id();
    let shift_rev = rev(shift, 1, Change::Created, open_shift(), at(18, 0));
    let (_, revs) = patrol(shift, Some("made-up"), "Nowhere", at(18, 30), 20);
    let mut changes = as_values(&[shift_rev]);
    changes.extend(as_values(&revs[..1]));
    let res = push_ok(&server.base, &officer, &changes).await;
    assert_eq!(outcomes(&res), ["stored", "rejected"]);
    let refusal = serde_json::to_value(&res.results[1].outcome).unwrap();
    assert_eq!(refusal["reason"]["rejection"], "invalid", "{refusal}");
    assert_eq!(
        refusal["reason"]["errors"][0]["field"], "hotspot",
        "{refusal}"
    );
    assert_eq!(
        refusal["reason"]["errors"][0]["problem"]["detail"], "unknown_hotspot",
        "{refusal}"
    );
    let held = server_ids(&server.base, &server.sup).await;
    assert_eq!(held.len(), 1, "only the shift");
    // An ID that is not an ID at all is refused by the record's own rules.
    let (_, bad) = patrol(shift, Some("Not An ID"), "Nowhere", at(19, 0), 20);
    let res = push_ok(&server.base, &officer, &as_values(&bad[..1])).await;
    assert_eq!(outcomes(&res), ["rejected"]);
}
