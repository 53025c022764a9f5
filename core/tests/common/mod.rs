//! Fixtures shared by the integration tests: one valid record of every kind
//! (and of every conditional branch), and revisions around them.
#![allow(dead_code)]

use beatbook_core::codes::*;
use beatbook_core::record::*;
use beatbook_core::{Change, EntryId, Location, Record, RecordKind, Revision, RevisionId};
use chrono::{DateTime, NaiveDate, Utc};

/// A UTC time from RFC 3339 text.
pub fn t(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|e| panic!("bad test time {text:?}: {e}"))
}

pub fn d(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .unwrap_or_else(|e| panic!("bad test date {text:?}: {e}"))
}

/// The checker's clock in these tests.
pub fn now() -> DateTime<Utc> {
    t("2024-06-01T22:00:00Z")
}

pub fn entry(n: u128) -> EntryId {
    EntryId::from_random_bytes(n.to_be_bytes())
}

pub fn rev_id(n: u128) -> RevisionId {
    RevisionId::from_random_bytes(n.to_be_bytes())
}

pub fn shift() -> Shift {
    Shift {
        role: Some(PatrollerRole::Police),
        callsign: "BX21".into(),
        team: "Neighbourhood A".into(),
        ended_at: None,
    }
}

pub fn patrol() -> Patrol {
    Patrol {
        area: "Market Square hotspot".into(),
        mode: Some(PatrolMode::Foot),
        ended_at: None,
        hotspot: None,
    }
}

/// A s23 drugs search with no vehicle, no injury, ending in NFA.
pub fn stop_search() -> StopSearch {
    StopSearch {
        self_defined_ethnicity: Some(Ethnicity::W1),
        place_detained: "High Street by the bus station".into(),
        object: Some(SearchObject::Drugs),
        power: Some(SearchPower::MisuseOfDrugs23),
        grounds: "Strong smell of cannabis; seen passing a small package.".into(),
        outcome: Some(SearchOutcome::NoFurtherAction),
        outcome_linked_to_object: Some(false),
        injury_or_damage: Some(false),
        ..StopSearch::default()
    }
}

pub fn stop_search_s60() -> StopSearch {
    StopSearch {
        power: Some(SearchPower::Cjpoa60),
        object: Some(SearchObject::OffensiveWeapon),
        grounds: String::new(),
        s60_authorisation: "S60/2024/017 Supt Rahman".into(),
        authorised_from: Some(t("2024-06-01T18:00:00Z")),
        authorised_until: Some(t("2024-06-02T06:00:00Z")),
        ..stop_search()
    }
}

/// Every optional and conditional field filled in.
pub fn stop_search_full() -> StopSearch {
    StopSearch {
        self_defined_ethnicity: Some(Ethnicity::NotStated),
        officer_perceived_ethnicity: Some(Ethnicity::B1),
        place_searched: "Car park behind the precinct".into(),
        object: Some(SearchObject::Other),
        object_detail: "Catalytic converter cutting tools".into(),
        power: Some(SearchPower::Pace1),
        outcome: Some(SearchOutcome::Arrest),
        outcome_linked_to_object: Some(true),
        injury_or_damage: Some(true),
        injury_details: "Graze to the left wrist.\nNo damage to property.".into(),
        vehicle_searched: true,
        vehicle_registration: "AB12 CDE".into(),
        person_name: "J Smith".into(),
        person_address: "1 Example Road\nTown".into(),
        ..stop_search()
    }
}

pub fn stop_account() -> StopAccount {
    StopAccount {
        place: "Underpass, Mill Lane".into(),
        account_for: "Presence near the closed shops at 2am".into(),
        self_defined_ethnicity: None,
        outcome: String::new(),
    }
}

pub fn arrest() -> Arrest {
    Arrest {
        offence: "Possession of an offensive weapon".into(),
        place: "High Street".into(),
        grounds: "Knife found on search under s1 PACE.".into(),
        necessity: vec![NecessityCriterion::PromptInvestigation],
        caution_at: Some(t("2024-06-01T21:05:00Z")),
        said_on_arrest: String::new(),
        custody_suite: "Central custody".into(),
        linked_stop: None,
        necessity_reasons: [(
            NecessityCriterion::PromptInvestigation,
            "The knife must be examined and the CCTV seized before it is overwritten.".into(),
        )]
        .into(),
        ..Arrest::default()
    }
}

fn asb_base(power: AsbPower) -> AsbIntervention {
    AsbIntervention {
        power: Some(power),
        persons: Some(2),
        place: "Skate park".into(),
        ..AsbIntervention::default()
    }
}

/// A valid intervention using `power`, with only that power's fields filled.
pub fn asb(power: AsbPower) -> AsbIntervention {
    let base = asb_base(power);
    match power {
        AsbPower::InformalWarning => AsbIntervention {
            behaviour: "Throwing bottles at the shelter".into(),
            ..base
        },
        AsbPower::WarningLetter => AsbIntervention {
            behaviour: "Repeated noise after 11pm".into(),
            requirements: "Stop gathering outside number 4 after 11pm".into(),
            ..base
        },
        AsbPower::Cpw => AsbIntervention {
            behaviour: "Riding motorbikes across the playing field".into(),
            requirements: "Stop riding on the field".into(),
            deadline: Some(d("2024-06-08")),
            consequence: "A Community Protection Notice may be issued".into(),
            ..base
        },
        AsbPower::Cpn => AsbIntervention {
            behaviour: "Riding motorbikes across the playing field".into(),
            requirements: "Do not ride any motor vehicle on the field".into(),
            prior_warning_ref: "CPW-2024-0041".into(),
            prior_warning_deadline: Some(d("2024-05-20")),
            person_aged_16_plus: true,
            ..base
        },
        AsbPower::Dispersal => AsbIntervention {
            dispersal_area: "Town centre inside the ring road".into(),
            dispersal_hours: Some(48),
            authorising_inspector: "Insp 1234 Khan".into(),
            terms: "Leave the area and do not return for 48 hours".into(),
            property_surrendered: "Two cans of lager".into(),
            directed_persons: "Two males, about 17, grey tracksuits".into(),
            ..base
        },
        AsbPower::Pspo => AsbIntervention {
            pspo_name: "Town Centre PSPO 2023".into(),
            behaviour: "Drinking in the designated zone after a request to stop".into(),
            penalty_amount: Some(100),
            ..base
        },
        AsbPower::FixedPenalty => AsbIntervention {
            offence: "Littering".into(),
            penalty_amount: Some(150),
            ..base
        },
        AsbPower::Seizure => AsbIntervention {
            seized: Some(SeizureKind::Vehicle),
            seized_description: "Red off-road motorcycle, no plates visible".into(),
            vehicle_registration: "KX19 ABC".into(),
            ..base
        },
        AsbPower::S59Warning => AsbIntervention {
            behaviour: "Riding an off-road bike across the playing field".into(),
            vehicle_registration: "Unregistered, red frame, VIN ends 4471".into(),
            ..base
        },
    }
}

pub fn ij() -> IjReferral {
    IjReferral {
        person: "Ref P-2291".into(),
        disposal: Some(IjDisposal::CommunityResolution),
        referral_date: Some(d("2024-05-20")),
        victim_consulted: Some(true),
        hours_ordered: Some(10),
        ..IjReferral::default()
    }
}

pub fn ij_full() -> IjReferral {
    IjReferral {
        disposal: Some(IjDisposal::Outcome22),
        victim_consulted: Some(false),
        reparation_started: Some(d("2024-05-21")),
        hours_completed: Some(10),
        outcome: "Completed graffiti removal".into(),
        linked_entry: Some(entry(77)),
        ..ij()
    }
}

pub fn note() -> Note {
    Note {
        category: Some(NoteKind::Intelligence),
        text: "Group of youths meeting at the garages most evenings.".into(),
    }
}

/// One valid record of a kind (the simplest branch).
pub fn valid(kind: RecordKind) -> Record {
    match kind {
        RecordKind::Shift => Record::Shift(shift()),
        RecordKind::Patrol => Record::Patrol(patrol()),
        RecordKind::StopSearch => Record::StopSearch(stop_search()),
        RecordKind::StopAccount => Record::StopAccount(stop_account()),
        RecordKind::Arrest => Record::Arrest(arrest()),
        RecordKind::AsbIntervention => Record::AsbIntervention(asb(AsbPower::InformalWarning)),
        RecordKind::IjReferral => Record::IjReferral(ij()),
        RecordKind::Note => Record::Note(note()),
    }
}

/// Valid records covering every kind and every conditional branch.
pub fn all_valid_records() -> Vec<(String, Record)> {
    let mut out: Vec<(String, Record)> = RecordKind::ALL
        .into_iter()
        .map(|k| (k.code().to_string(), valid(k)))
        .collect();
    out.push((
        "shift ended".into(),
        Record::Shift(Shift {
            role: Some(PatrollerRole::Warden),
            ended_at: Some(t("2024-06-01T21:30:00Z")),
            ..shift()
        }),
    ));
    out.push((
        "patrol ended".into(),
        Record::Patrol(Patrol {
            mode: Some(PatrolMode::Cycle),
            ended_at: Some(t("2024-06-01T21:14:00Z")),
            ..patrol()
        }),
    ));
    out.push((
        "stop_search s60".into(),
        Record::StopSearch(stop_search_s60()),
    ));
    out.push((
        "stop_search full".into(),
        Record::StopSearch(stop_search_full()),
    ));
    out.push((
        "stop_account full".into(),
        Record::StopAccount(StopAccount {
            self_defined_ethnicity: Some(Ethnicity::A2),
            outcome: "Account accepted, words of advice".into(),
            ..stop_account()
        }),
    ));
    out.push((
        "arrest full".into(),
        Record::Arrest(Arrest {
            necessity: vec![
                NecessityCriterion::Name,
                NecessityCriterion::PreventDisappearance,
            ],
            necessity_reasons: [
                (NecessityCriterion::Name, "Refused to give a name".into()),
                (
                    NecessityCriterion::PreventDisappearance,
                    "No fixed address; said he was leaving the country".into(),
                ),
            ]
            .into(),
            said_on_arrest: "\"It isn't mine\"".into(),
            linked_stop: Some(entry(42)),
            ..arrest()
        }),
    ));
    out.push((
        "arrest street bail".into(),
        Record::Arrest(Arrest {
            custody_suite: String::new(),
            no_custody: Some(NoCustodyReason::StreetBail),
            no_custody_details: "Bailed to Central custody, 14 June 10:00".into(),
            ..arrest()
        }),
    ));
    out.push((
        "stop_search s47a".into(),
        Record::StopSearch(StopSearch {
            power: Some(SearchPower::Terrorism47A),
            s60_authorisation: "S47A/2024/002 ACC Lee".into(),
            authorised_from: Some(t("2024-05-30T00:00:00Z")),
            authorised_until: Some(t("2024-06-12T00:00:00Z")),
            ..stop_search_s60()
        }),
    ));
    out.push((
        "asb cpn linked".into(),
        Record::AsbIntervention(AsbIntervention {
            prior_warning: Some(entry(43)),
            prior_warning_ref: String::new(),
            ..asb(AsbPower::Cpn)
        }),
    ));
    out.push((
        "asb dispersal varied".into(),
        Record::AsbIntervention(AsbIntervention {
            direction_change: Some(DirectionChange::Varied),
            direction_change_details: "Cut to 24 hours by Insp Khan at 23:10".into(),
            ..asb(AsbPower::Dispersal)
        }),
    ));
    for power in AsbPower::ALL {
        out.push((
            format!("asb {}", power.code()),
            Record::AsbIntervention(asb(*power)),
        ));
    }
    out.push(("ij full".into(), Record::IjReferral(ij_full())));
    out.push((
        "ij completed".into(),
        Record::IjReferral(IjReferral {
            result: Some(IjOutcome::Completed),
            completed_on: Some(d("2024-05-30")),
            ..ij_full()
        }),
    ));
    out
}

/// Revision 1 of an entry holding `record`, in a shift (or, for a shift,
/// standalone), valid against [`now`].
pub fn created(id: u128, entry_id: EntryId, record: Record) -> Revision {
    let kind = record.kind();
    Revision {
        clock_offset_ms: None,
        prev: None,
        id: rev_id(id),
        entry_id,
        seq: 1,
        officer_id: "PC 4521".into(),
        captured_at: t("2024-06-01T21:00:05Z"),
        occurred_at: t("2024-06-01T21:00:00Z"),
        shift_id: (kind != RecordKind::Shift).then(|| entry(1_000)),
        patrol_id: None,
        location: Some(Location {
            lat: 52.486_2,
            lon: -1.890_4,
            accuracy_m: 12.5,
        }),
        notes: String::new(),
        change: Change::Created,
        record,
    }
}

/// The revision after `prev`, with `change` and `record`.
pub fn next(prev: &Revision, id: u128, change: Change, record: Record) -> Revision {
    Revision {
        id: rev_id(id),
        seq: prev.seq + 1,
        captured_at: prev.captured_at + chrono::Duration::minutes(5),
        change,
        record,
        ..prev.clone()
    }
}

pub fn corrected(reason: &str) -> Change {
    Change::Corrected {
        reason: reason.into(),
    }
}
