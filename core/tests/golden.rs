//! The bytes of existing records never change: a field's name (and its
//! order, and how its value is written) is part of the wire protocol, the
//! storage format and the bytes the server compares
//! (`beatbook_core::sync::canonical_bytes`). `fixtures/golden-revisions.jsonl`
//! was written by the code before records were declared once
//! (`record.rs`'s `records!`); each line is one revision, every field of its
//! record filled in, then one of each kind left empty.
mod common;

use beatbook_core::codes::*;
use beatbook_core::record::*;
use beatbook_core::sync::canonical_bytes;
use beatbook_core::{Location, Record, RecordKind, Revision};
use common::*;

const GOLDEN: &str = include_str!("fixtures/golden-revisions.jsonl");

/// One record of each kind with every field given (no default left).
fn full_records() -> Vec<Record> {
    vec![
        Record::Shift(Shift {
            role: Some(PatrollerRole::Pcso),
            callsign: "BX21".into(),
            team: "Neighbourhood A".into(),
            ended_at: Some(t("2024-06-01T23:30:00.250Z")),
        }),
        Record::Patrol(Patrol {
            area: "Market Square hotspot".into(),
            mode: Some(PatrolMode::Cycle),
            ended_at: Some(t("2024-06-01T21:14:00.000001Z")),
            hotspot: None,
        }),
        Record::StopSearch(StopSearch {
            self_defined_ethnicity: Some(Ethnicity::NotStated),
            officer_perceived_ethnicity: Some(Ethnicity::B1),
            place_detained: "High Street, by the \"bus\" station".into(),
            place_searched: "Car park".into(),
            object: Some(SearchObject::Other),
            object_detail: "Cutting tools".into(),
            power: Some(SearchPower::Cjpoa60),
            grounds: "Seen passing a package.\nTwice.".into(),
            s60_authorisation: "S60/2024/017".into(),
            outcome: Some(SearchOutcome::CannabisKhatWarning),
            outcome_linked_to_object: Some(true),
            injury_or_damage: Some(true),
            injury_details: "None".into(),
            vehicle_searched: true,
            vehicle_registration: "AB12 CDE".into(),
            person_name: "J Smith".into(),
            person_address: "1 Example Road, Town".into(),
            ..Default::default()
        }),
        Record::StopAccount(StopAccount {
            place: "Underpass, Mill Lane".into(),
            account_for: "Presence near the shops at 2am".into(),
            self_defined_ethnicity: Some(Ethnicity::A2),
            outcome: "Words of advice".into(),
        }),
        Record::Arrest(Arrest {
            offence: "Possession of an offensive weapon".into(),
            place: "High Street".into(),
            grounds: "Knife found on search".into(),
            necessity: vec![
                NecessityCriterion::Name,
                NecessityCriterion::PromptInvestigation,
            ],
            caution_at: Some(t("2024-06-01T21:05:00Z")),
            said_on_arrest: "It isn't mine".into(),
            custody_suite: "Central custody".into(),
            linked_stop: Some(entry(42)),
            ..Default::default()
        }),
        Record::AsbIntervention(AsbIntervention {
            power: Some(AsbPower::Seizure),
            persons: Some(2),
            place: "Skate park".into(),
            behaviour: "Riding across the field".into(),
            requirements: "Stop riding".into(),
            deadline: Some(d("2024-06-08")),
            consequence: "A notice".into(),
            prior_warning_ref: "CPW-2024-0041".into(),
            person_aged_16_plus: true,
            dispersal_area: "Town centre".into(),
            dispersal_hours: Some(48),
            authorising_inspector: "Insp 1234 Khan".into(),
            terms: "Leave the area".into(),
            property_surrendered: "Two cans".into(),
            pspo_name: "Town Centre PSPO 2023".into(),
            offence: "Littering".into(),
            penalty_amount: Some(100),
            seized: Some(SeizureKind::Vehicle),
            seized_description: "Red off-road motorcycle".into(),
            vehicle_registration: "KX19 ABC".into(),
            ..Default::default()
        }),
        Record::IjReferral(IjReferral {
            person: "Ref P-2291".into(),
            disposal: Some(IjDisposal::Outcome22),
            referral_date: Some(d("2024-05-20")),
            victim_consulted: Some(true),
            hours_ordered: Some(10),
            reparation_started: Some(d("2024-05-21")),
            hours_completed: Some(7),
            outcome: "Graffiti removal".into(),
            linked_entry: Some(entry(77)),
            ..Default::default()
        }),
        Record::Note(Note {
            category: Some(NoteKind::Engagement),
            text: "Spoke to the residents' group.".into(),
        }),
    ]
}

/// The golden revisions, in the file's order: each full record, then each
/// kind empty; every revision field given on the full ones.
fn golden_revisions() -> Vec<Revision> {
    let full = full_records().into_iter().enumerate().map(|(i, record)| {
        let n = i as u128;
        Revision {
            seq: 2,
            patrol_id: (record.kind() != RecordKind::Shift).then(|| entry(2_000)),
            shift_id: (record.kind() != RecordKind::Shift).then(|| entry(1_000)),
            notes: "Notes, with \u{e9} and a \\ backslash".into(),
            change: corrected("Typo in the place"),
            clock_offset_ms: Some(-1_250),
            location: Some(Location {
                lat: 52.486_2,
                lon: -1.890_4,
                accuracy_m: 12.5,
            }),
            ..created(100 + n, entry(10 + n), record)
        }
    });
    let empty = RecordKind::ALL.into_iter().enumerate().map(|(i, kind)| {
        let n = i as u128;
        Revision {
            location: None,
            ..created(200 + n, entry(20 + n), Record::empty(kind))
        }
    });
    full.chain(empty).collect()
}

#[test]
fn existing_records_keep_their_bytes() {
    let lines: Vec<&str> = GOLDEN.lines().collect();
    let revs = golden_revisions();
    assert_eq!(lines.len(), revs.len());
    for (rev, line) in revs.iter().zip(&lines) {
        let bytes = canonical_bytes(rev).unwrap();
        assert_eq!(std::str::from_utf8(&bytes).unwrap(), *line);
        let read: Revision = serde_json::from_str(line).unwrap();
        assert_eq!(&read, rev, "{line}");
    }
}

#[test]
fn the_golden_records_fill_every_field_of_every_kind() {
    // A full record writes no null, empty text, false or empty list: each
    // field's value is in the bytes, not only its name.
    for rev in golden_revisions().iter().take(RecordKind::ALL.len()) {
        let json = serde_json::to_value(&rev.record).unwrap();
        let fields = json[rev.kind().code()].as_object().unwrap();
        for (name, value) in fields {
            let empty = value.is_null()
                || value == &serde_json::json!("")
                || value == &serde_json::json!(false)
                || value == &serde_json::json!([]);
            assert!(!empty, "{:?}.{name} is left at its default", rev.kind());
        }
    }
    let kinds: Vec<RecordKind> = golden_revisions().iter().map(Revision::kind).collect();
    assert_eq!(kinds[..8], RecordKind::ALL);
    assert_eq!(kinds[8..], RecordKind::ALL);
}

#[test]
fn fields_added_later_are_written_last_and_only_when_set() {
    // Their names and encodings are as fixed as the older fields': a
    // change here changes the bytes of records stored since.
    let cases = [
        (
            Record::StopSearch(StopSearch {
                authorised_from: Some(t("2024-06-01T18:00:00Z")),
                authorised_until: Some(t("2024-06-02T18:00:00Z")),
                ..Default::default()
            }),
            r#""person_address":"","authorised_from":"2024-06-01T18:00:00Z","authorised_until":"2024-06-02T18:00:00Z"}}"#,
        ),
        (
            Record::Arrest(Arrest {
                necessity_reasons: [
                    (NecessityCriterion::Name, "Refused".to_owned()),
                    (NecessityCriterion::Address, "None given".to_owned()),
                ]
                .into(),
                no_custody: Some(NoCustodyReason::StreetBail),
                no_custody_details: "Bailed".into(),
                ..Default::default()
            }),
            r#""linked_stop":null,"necessity_reasons":{"name":"Refused","address":"None given"},"no_custody":"street_bail","no_custody_details":"Bailed"}}"#,
        ),
        (
            Record::AsbIntervention(AsbIntervention {
                directed_persons: "Two males".into(),
                direction_change: Some(DirectionChange::Varied),
                direction_change_details: "Cut to 24 h".into(),
                prior_warning: Some(entry(43)),
                prior_warning_deadline: Some(d("2024-05-20")),
                ..Default::default()
            }),
            r#""vehicle_registration":"","directed_persons":"Two males","direction_change":"varied","direction_change_details":"Cut to 24 h","prior_warning":"00000000-0000-4000-8000-00000000002b","prior_warning_deadline":"2024-05-20"}}"#,
        ),
        (
            Record::IjReferral(IjReferral {
                result: Some(IjOutcome::Completed),
                completed_on: Some(d("2024-05-30")),
                ..Default::default()
            }),
            r#""linked_entry":null,"result":"completed","completed_on":"2024-05-30"}}"#,
        ),
        (
            Record::IjReferral(IjReferral {
                reparation_started_at: Some(t("2024-05-21T09:30:00Z")),
                ..Default::default()
            }),
            r#""linked_entry":null,"reparation_started_at":"2024-05-21T09:30:00Z"}}"#,
        ),
    ];
    for (record, tail) in cases {
        let json = serde_json::to_string(&record).unwrap();
        assert!(json.ends_with(tail), "{json}");
        let read: Record = serde_json::from_str(&json).unwrap();
        assert_eq!(read, record);
    }
}
