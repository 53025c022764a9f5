//! `Record::check` and `Revision::check`: every valid record passes, and every
//! legal requirement, taken away, is reported on exactly its own field.
mod common;

use beatbook_core::codes::*;
use beatbook_core::record::*;
use beatbook_core::revision::{earliest_time, MAX_CLOCK_SKEW};
use beatbook_core::validate::{Checker, MAX_SHORT_TEXT, MAX_TEXT};
use beatbook_core::{Change, FieldError, Location, Problem, Record, RecordKind, Revision, Rule};
use chrono::Duration;
use common::*;

fn check(record: &Record) -> Vec<FieldError> {
    let mut c = Checker::new();
    record.check(&mut c);
    c.into_errors()
}

fn fields(errors: &[FieldError]) -> Vec<&str> {
    errors.iter().map(|e| e.field.as_str()).collect()
}

/// What kind of problem a case expects.
#[derive(Debug, Clone, Copy)]
enum Want {
    /// Missing text or nothing chosen.
    Absent,
    Rule(Rule),
    TooLong,
    Control,
    Range,
}

impl Want {
    fn matches(self, p: &Problem) -> bool {
        match (self, p) {
            (Want::Absent, Problem::Missing { .. } | Problem::NotChosen { .. }) => true,
            (Want::Rule(want), Problem::Rule(got)) => want == *got,
            (Want::TooLong, Problem::TooLong { .. }) => true,
            (Want::Control, Problem::ControlCharacters) => true,
            (Want::Range, Problem::OutOfRange { .. }) => true,
            _ => false,
        }
    }
}

/// Asserts `record` fails with one error, on `field`, of the wanted kind.
#[track_caller]
fn assert_only(case: &str, record: &Record, field: &str, want: Want) {
    let errors = check(record);
    assert_eq!(fields(&errors), [field], "{case}: errors were {errors:?}");
    assert!(
        want.matches(&errors[0].problem),
        "{case}: wanted {want:?}, got {:?}",
        errors[0].problem
    );
}

/// A field, how to break it, and the problem expected on it.
type Case<T> = (&'static str, fn(&mut T), Want);

/// Runs a table of cases against a valid base.
#[track_caller]
fn run_table<T: Clone>(name: &str, base: T, wrap: fn(T) -> Record, cases: &[Case<T>]) {
    assert_eq!(
        check(&wrap(base.clone())),
        [],
        "{name}: base record must be valid"
    );
    assert!(!cases.is_empty());
    for (field, mutate, want) in cases {
        let mut r = base.clone();
        mutate(&mut r);
        assert_only(&format!("{name} / {field}"), &wrap(r), field, *want);
    }
}

const A: Want = Want::Absent;

#[test]
fn every_valid_fixture_passes() {
    for (name, record) in all_valid_records() {
        assert_eq!(check(&record), [], "{name} should be valid");
    }
}

#[test]
fn empty_records_fail_for_every_kind() {
    for kind in RecordKind::ALL {
        let errors = check(&Record::empty(kind));
        assert!(!errors.is_empty(), "an empty {kind:?} must not pass");
        assert!(
            errors.iter().all(|e| matches!(
                e.problem,
                Problem::Missing { .. } | Problem::NotChosen { .. } | Problem::Rule(_)
            )),
            "{kind:?}: {errors:?}"
        );
    }
}

#[test]
fn shift_required_fields() {
    run_table(
        "shift",
        shift(),
        Record::Shift,
        &[
            ("role", |s| s.role = None, A),
            ("callsign", |s| s.callsign.clear(), A),
            ("callsign", |s| s.callsign = "   ".into(), A),
            ("team", |s| s.team.clear(), A),
            (
                "callsign",
                |s| s.callsign = "X".repeat(MAX_SHORT_TEXT + 1),
                Want::TooLong,
            ),
            ("team", |s| s.team = "Team\nB".into(), Want::Control),
        ],
    );
}

#[test]
fn patrol_required_fields() {
    run_table(
        "patrol",
        patrol(),
        Record::Patrol,
        &[
            ("area", |p| p.area.clear(), A),
            ("mode", |p| p.mode = None, A),
        ],
    );
}

#[test]
fn stop_search_required_fields() {
    run_table(
        "stop_search",
        stop_search(),
        Record::StopSearch,
        &[
            (
                "self_defined_ethnicity",
                |s| s.self_defined_ethnicity = None,
                A,
            ),
            ("place_detained", |s| s.place_detained.clear(), A),
            ("object", |s| s.object = None, A),
            ("power", |s| s.power = None, A),
            ("grounds", |s| s.grounds.clear(), A),
            ("grounds", |s| s.grounds = " \n ".into(), A),
            ("outcome", |s| s.outcome = None, A),
            (
                "outcome_linked_to_object",
                |s| s.outcome_linked_to_object = None,
                A,
            ),
            ("injury_or_damage", |s| s.injury_or_damage = None, A),
            // Conditional requirements switched on without their detail.
            ("object_detail", |s| s.object = Some(SearchObject::Other), A),
            ("injury_details", |s| s.injury_or_damage = Some(true), A),
            ("vehicle_registration", |s| s.vehicle_searched = true, A),
            (
                "officer_perceived_ethnicity",
                |s| s.officer_perceived_ethnicity = s.self_defined_ethnicity,
                Want::Rule(Rule::PerceivedSameAsSelfDefined),
            ),
            (
                "place_searched",
                |s| s.place_searched = "a\u{0}b".into(),
                Want::Control,
            ),
            (
                "person_name",
                |s| s.person_name = "N".repeat(MAX_SHORT_TEXT + 1),
                Want::TooLong,
            ),
        ],
    );
}

#[test]
fn stop_search_s60_needs_authorisation_not_grounds() {
    run_table(
        "stop_search s60",
        stop_search_s60(),
        Record::StopSearch,
        &[
            ("s60_authorisation", |s| s.s60_authorisation.clear(), A),
            (
                "s60_authorisation",
                |s| s.s60_authorisation = "  ".into(),
                A,
            ),
            // Grounds are optional under s60 but still length-checked.
            (
                "grounds",
                |s| s.grounds = "g".repeat(MAX_TEXT + 1),
                Want::TooLong,
            ),
        ],
    );
    // Any other power needs grounds even when an authorisation is typed.
    for power in SearchPower::ALL
        .iter()
        .filter(|p| p.longest_authorisation().is_none())
    {
        let s = StopSearch {
            power: Some(*power),
            // s43A is a vehicle search (its own rule, below).
            vehicle_searched: *power == SearchPower::Terrorism43A,
            vehicle_registration: "AB12 CDE".into(),
            ..stop_search_s60()
        };
        assert_only(
            &format!("power {power:?}"),
            &Record::StopSearch(s),
            "grounds",
            A,
        );
    }
}

#[test]
fn stop_search_conditional_fields_are_satisfied_when_filled() {
    let full = stop_search_full();
    run_table(
        "stop_search full",
        full,
        Record::StopSearch,
        &[
            ("object_detail", |s| s.object_detail.clear(), A),
            ("injury_details", |s| s.injury_details.clear(), A),
            (
                "vehicle_registration",
                |s| s.vehicle_registration = " ".into(),
                A,
            ),
            (
                "officer_perceived_ethnicity",
                |s| s.officer_perceived_ethnicity = Some(Ethnicity::NotStated),
                Want::Rule(Rule::PerceivedNotStated),
            ),
            // Not stated by the person: the officer's perception is needed.
            (
                "officer_perceived_ethnicity",
                |s| s.officer_perceived_ethnicity = None,
                A,
            ),
        ],
    );
    // Name and address are never required (the person may refuse).
    let s = StopSearch {
        person_name: String::new(),
        person_address: String::new(),
        place_searched: String::new(),
        ..stop_search_full()
    };
    assert_eq!(check(&Record::StopSearch(s)), []);
    // Details not asked for are not required either.
    let s = StopSearch {
        injury_or_damage: Some(false),
        injury_details: String::new(),
        vehicle_searched: false,
        vehicle_registration: String::new(),
        object: Some(SearchObject::Firearm),
        object_detail: String::new(),
        ..stop_search_full()
    };
    assert_eq!(check(&Record::StopSearch(s)), []);
}

#[test]
fn perceived_ethnicity_is_accepted_when_different_for_every_code() {
    for self_defined in Ethnicity::ALL {
        for perceived in Ethnicity::ALL {
            let s = StopSearch {
                self_defined_ethnicity: Some(*self_defined),
                officer_perceived_ethnicity: Some(*perceived),
                ..stop_search()
            };
            let errors = check(&Record::StopSearch(s));
            if self_defined == perceived || *perceived == Ethnicity::NotStated {
                assert_eq!(fields(&errors), ["officer_perceived_ethnicity"]);
            } else {
                assert_eq!(errors, [], "{self_defined:?} / {perceived:?}");
            }
        }
    }
}

#[test]
fn stop_account_required_fields() {
    run_table(
        "stop_account",
        stop_account(),
        Record::StopAccount,
        &[
            ("place", |s| s.place.clear(), A),
            ("account_for", |s| s.account_for.clear(), A),
            (
                "outcome",
                |s| s.outcome = "o".repeat(MAX_TEXT + 1),
                Want::TooLong,
            ),
        ],
    );
}

#[test]
fn arrest_required_fields() {
    run_table(
        "arrest",
        arrest(),
        Record::Arrest,
        &[
            ("offence", |a| a.offence.clear(), A),
            ("place", |a| a.place.clear(), A),
            ("grounds", |a| a.grounds.clear(), A),
            (
                "necessity",
                |a| {
                    a.necessity.clear();
                    a.necessity_reasons.clear();
                },
                Want::Rule(Rule::NoNecessityCriterion),
            ),
            // Code G 2.9: each criterion relied on says why it applies.
            (
                "necessity_reasons.investigation",
                |a| a.necessity_reasons.clear(),
                A,
            ),
            (
                "necessity_reasons.investigation",
                |a| {
                    a.necessity_reasons
                        .insert(NecessityCriterion::PromptInvestigation, " ".into());
                },
                A,
            ),
            (
                "necessity_reasons.name",
                |a| {
                    a.necessity_reasons
                        .insert(NecessityCriterion::Name, "Refused".into());
                },
                Want::Rule(Rule::ReasonForCriterionNotChosen),
            ),
            ("caution_at", |a| a.caution_at = None, A),
            ("custody_suite", |a| a.custody_suite.clear(), A),
            // Not taken to custody: why, instead of the suite.
            (
                "no_custody_details",
                |a| {
                    a.custody_suite.clear();
                    a.no_custody = Some(NoCustodyReason::DeArrested);
                },
                A,
            ),
            (
                "custody_suite",
                |a| {
                    a.no_custody = Some(NoCustodyReason::StreetBail);
                    a.no_custody_details = "Bailed to 14 June".into();
                },
                Want::Rule(Rule::CustodyAndNoCustody),
            ),
            (
                "said_on_arrest",
                |a| a.said_on_arrest = "\u{1b}[31m".into(),
                Want::Control,
            ),
        ],
    );
    // Every necessity criterion on its own is enough.
    for criterion in NecessityCriterion::ALL {
        let a = Arrest {
            necessity: vec![*criterion],
            necessity_reasons: [(*criterion, "Because".to_owned())].into(),
            ..arrest()
        };
        assert_eq!(check(&Record::Arrest(a)), [], "{criterion:?}");
    }
}

#[test]
fn asb_common_fields() {
    for power in AsbPower::ALL {
        run_table(
            &format!("asb {}", power.code()),
            asb(*power),
            Record::AsbIntervention,
            &[
                ("power", |a| a.power = None, A),
                ("persons", |a| a.persons = None, A),
                ("persons", |a| a.persons = Some(0), Want::Range),
                ("persons", |a| a.persons = Some(501), Want::Range),
                ("place", |a| a.place.clear(), A),
            ],
        );
    }
}

#[test]
fn asb_informal_warning_fields() {
    run_table(
        "informal warning",
        asb(AsbPower::InformalWarning),
        Record::AsbIntervention,
        &[("behaviour", |a| a.behaviour.clear(), A)],
    );
}

#[test]
fn asb_warning_letter_fields() {
    run_table(
        "warning letter",
        asb(AsbPower::WarningLetter),
        Record::AsbIntervention,
        &[
            ("behaviour", |a| a.behaviour.clear(), A),
            ("requirements", |a| a.requirements.clear(), A),
        ],
    );
}

#[test]
fn asb_cpw_fields() {
    run_table(
        "cpw",
        asb(AsbPower::Cpw),
        Record::AsbIntervention,
        &[
            ("behaviour", |a| a.behaviour.clear(), A),
            ("requirements", |a| a.requirements.clear(), A),
            ("deadline", |a| a.deadline = None, A),
            ("consequence", |a| a.consequence.clear(), A),
        ],
    );
}

#[test]
fn asb_cpn_fields() {
    run_table(
        "cpn",
        asb(AsbPower::Cpn),
        Record::AsbIntervention,
        &[
            ("behaviour", |a| a.behaviour.clear(), A),
            ("requirements", |a| a.requirements.clear(), A),
            (
                "prior_warning",
                |a| a.prior_warning_ref.clear(),
                Want::Rule(Rule::CpnWithoutWarning),
            ),
            (
                "prior_warning_deadline",
                |a| a.prior_warning_deadline = None,
                A,
            ),
            (
                "person_aged_16_plus",
                |a| a.person_aged_16_plus = false,
                Want::Rule(Rule::CpnUnderSixteen),
            ),
        ],
    );
}

#[test]
fn asb_dispersal_fields() {
    run_table(
        "dispersal",
        asb(AsbPower::Dispersal),
        Record::AsbIntervention,
        &[
            ("dispersal_area", |a| a.dispersal_area.clear(), A),
            ("dispersal_hours", |a| a.dispersal_hours = None, A),
            (
                "dispersal_hours",
                |a| a.dispersal_hours = Some(MAX_DISPERSAL_HOURS + 1),
                Want::Rule(Rule::DispersalTooLong),
            ),
            (
                "dispersal_hours",
                |a| a.dispersal_hours = Some(u32::MAX),
                Want::Rule(Rule::DispersalTooLong),
            ),
            (
                "dispersal_hours",
                |a| a.dispersal_hours = Some(0),
                Want::Range,
            ),
            (
                "authorising_inspector",
                |a| a.authorising_inspector.clear(),
                A,
            ),
            ("terms", |a| a.terms.clear(), A),
        ],
    );
    assert_eq!(MAX_DISPERSAL_HOURS, 48);
    for hours in [1, 24, 48] {
        let a = AsbIntervention {
            dispersal_hours: Some(hours),
            property_surrendered: String::new(),
            ..asb(AsbPower::Dispersal)
        };
        assert_eq!(check(&Record::AsbIntervention(a)), [], "{hours} h");
    }
}

#[test]
fn asb_pspo_fields() {
    run_table(
        "pspo",
        asb(AsbPower::Pspo),
        Record::AsbIntervention,
        &[
            ("pspo_name", |a| a.pspo_name.clear(), A),
            ("behaviour", |a| a.behaviour.clear(), A),
            (
                "penalty_amount",
                |a| a.penalty_amount = Some(MAX_PSPO_PENALTY + 1),
                Want::Rule(Rule::PspoPenaltyTooHigh),
            ),
            (
                "penalty_amount",
                |a| a.penalty_amount = Some(1_000),
                Want::Rule(Rule::PspoPenaltyTooHigh),
            ),
        ],
    );
    assert_eq!(MAX_PSPO_PENALTY, 100);
    // The penalty itself is optional (not every breach gets one).
    let a = AsbIntervention {
        penalty_amount: None,
        ..asb(AsbPower::Pspo)
    };
    assert_eq!(check(&Record::AsbIntervention(a)), []);
}

#[test]
fn asb_fixed_penalty_fields() {
    run_table(
        "fixed penalty",
        asb(AsbPower::FixedPenalty),
        Record::AsbIntervention,
        &[
            ("offence", |a| a.offence.clear(), A),
            ("penalty_amount", |a| a.penalty_amount = None, A),
            (
                "penalty_amount",
                |a| a.penalty_amount = Some(0),
                Want::Range,
            ),
        ],
    );
}

#[test]
fn asb_seizure_fields() {
    run_table(
        "seizure",
        asb(AsbPower::Seizure),
        Record::AsbIntervention,
        &[
            ("seized", |a| a.seized = None, A),
            ("seized_description", |a| a.seized_description.clear(), A),
            (
                "vehicle_registration",
                |a| a.vehicle_registration.clear(),
                A,
            ),
        ],
    );
    // Only a vehicle seizure needs a registration.
    for kind in [
        SeizureKind::Weapon,
        SeizureKind::Alcohol,
        SeizureKind::Other,
    ] {
        let a = AsbIntervention {
            seized: Some(kind),
            vehicle_registration: String::new(),
            ..asb(AsbPower::Seizure)
        };
        assert_eq!(check(&Record::AsbIntervention(a)), [], "{kind:?}");
    }
}

#[test]
fn asb_power_fields_are_not_required_by_other_powers() {
    // An intervention with only the common fields filled fails only on the
    // fields its own power needs: no power asks for another power's fields.
    let own: &[(AsbPower, &[&str])] = &[
        (AsbPower::InformalWarning, &["behaviour"]),
        (AsbPower::WarningLetter, &["behaviour", "requirements"]),
        (
            AsbPower::Cpw,
            &["behaviour", "requirements", "deadline", "consequence"],
        ),
        (
            AsbPower::Cpn,
            &[
                "behaviour",
                "requirements",
                "prior_warning",
                "prior_warning_deadline",
                "person_aged_16_plus",
            ],
        ),
        (
            AsbPower::Dispersal,
            &[
                "dispersal_area",
                "dispersal_hours",
                "authorising_inspector",
                "terms",
                "directed_persons",
            ],
        ),
        (AsbPower::Pspo, &["pspo_name", "behaviour"]),
        (AsbPower::FixedPenalty, &["offence", "penalty_amount"]),
        (AsbPower::Seizure, &["seized", "seized_description"]),
        (AsbPower::S59Warning, &["behaviour", "vehicle_registration"]),
    ];
    assert_eq!(own.len(), AsbPower::ALL.len());
    for (power, want) in own {
        let errors = check(&Record::AsbIntervention(asb_base_only(*power)));
        let mut got = fields(&errors);
        got.sort_unstable();
        let mut want = want.to_vec();
        want.sort_unstable();
        assert_eq!(got, want, "{power:?}");
    }
}

fn asb_base_only(power: AsbPower) -> AsbIntervention {
    AsbIntervention {
        power: Some(power),
        persons: Some(1),
        place: "Park".into(),
        ..AsbIntervention::default()
    }
}

#[test]
fn ij_required_fields() {
    run_table(
        "ij",
        ij(),
        Record::IjReferral,
        &[
            ("person", |r| r.person.clear(), A),
            ("disposal", |r| r.disposal = None, A),
            ("referral_date", |r| r.referral_date = None, A),
            ("victim_consulted", |r| r.victim_consulted = None, A),
            ("hours_ordered", |r| r.hours_ordered = None, A),
            ("hours_ordered", |r| r.hours_ordered = Some(0), Want::Range),
            (
                "hours_ordered",
                |r| r.hours_ordered = Some(MAX_IJ_HOURS + 1),
                Want::Range,
            ),
        ],
    );
    run_table(
        "ij full",
        ij_full(),
        Record::IjReferral,
        &[
            (
                "hours_completed",
                |r| r.hours_completed = r.hours_ordered.map(|h| h + 1),
                Want::Rule(Rule::HoursCompletedExceedOrdered),
            ),
            (
                "reparation_started",
                |r| r.reparation_started = Some(d("2024-05-19")),
                Want::Rule(Rule::ReparationBeforeReferral),
            ),
            ("outcome", |r| r.outcome = "\u{7}".into(), Want::Control),
        ],
    );
    // Boundaries: same day and exactly the hours ordered are fine.
    let r = IjReferral {
        reparation_started: Some(d("2024-05-20")),
        hours_completed: Some(10),
        hours_ordered: Some(10),
        ..ij_full()
    };
    assert_eq!(check(&Record::IjReferral(r)), []);
    let r = IjReferral {
        hours_completed: Some(0),
        ..ij_full()
    };
    assert_eq!(check(&Record::IjReferral(r)), []);
}

#[test]
fn note_required_fields() {
    run_table(
        "note",
        note(),
        Record::Note,
        &[
            ("category", |n| n.category = None, A),
            ("text", |n| n.text.clear(), A),
            ("text", |n| n.text = "t".repeat(MAX_TEXT + 1), Want::TooLong),
        ],
    );
    // Long text may span lines and use tabs, and may be exactly MAX_TEXT.
    let n = Note {
        text: format!("line one\r\n\tline two{}", "x".repeat(MAX_TEXT - 19)),
        ..note()
    };
    assert_eq!(n.text.chars().count(), MAX_TEXT);
    assert_eq!(check(&Record::Note(n)), []);
}

#[test]
fn text_limits_count_characters_not_bytes() {
    // 200 two-byte characters is 400 bytes but still within the short limit.
    let s = Shift {
        callsign: "é".repeat(MAX_SHORT_TEXT),
        ..shift()
    };
    assert_eq!(check(&Record::Shift(s)), []);
}

// ---------------------------------------------------------------- revisions

fn rev(record: Record) -> Revision {
    created(1, entry(1), record)
}

fn rev_errors(r: &Revision) -> Vec<FieldError> {
    r.check(now()).err().unwrap_or_default()
}

#[track_caller]
fn assert_rev_only(case: &str, r: &Revision, field: &str, want: Want) {
    let errors = rev_errors(r);
    assert_eq!(fields(&errors), [field], "{case}: {errors:?}");
    assert!(
        want.matches(&errors[0].problem),
        "{case}: wanted {want:?}, got {:?}",
        errors[0].problem
    );
}

#[test]
fn every_valid_fixture_passes_as_a_revision() {
    for (name, record) in all_valid_records() {
        assert_eq!(rev(record).check(now()), Ok(()), "{name}");
    }
}

#[test]
fn revision_check_includes_record_rules() {
    let r = rev(Record::Arrest(Arrest {
        necessity: vec![],
        necessity_reasons: Default::default(),
        ..arrest()
    }));
    assert_rev_only(
        "record rule",
        &r,
        "necessity",
        Want::Rule(Rule::NoNecessityCriterion),
    );
}

#[test]
fn officer_id_is_required() {
    let mut r = rev(valid(RecordKind::Note));
    r.officer_id = " ".into();
    assert_rev_only("officer", &r, "officer_id", A);
}

#[test]
fn times_beyond_clock_skew_are_in_the_future() {
    let base = rev(valid(RecordKind::Note));
    let limit = now() + MAX_CLOCK_SKEW;
    for field in ["occurred_at", "captured_at"] {
        let set = |r: &mut Revision, time| match field {
            "occurred_at" => r.occurred_at = time,
            _ => r.captured_at = time,
        };
        let mut r = base.clone();
        set(&mut r, limit);
        assert_eq!(
            r.check(now()),
            Ok(()),
            "{field} exactly at the skew limit is fine"
        );
        set(&mut r, limit + Duration::seconds(1));
        assert_rev_only(field, &r, field, Want::Rule(Rule::InTheFuture));
        set(&mut r, now() + Duration::days(400));
        assert_rev_only(field, &r, field, Want::Rule(Rule::InTheFuture));
    }
}

#[test]
fn times_before_2000_are_too_far_in_the_past() {
    let base = rev(valid(RecordKind::Note));
    for field in ["occurred_at", "captured_at"] {
        for when in [
            t("1970-01-01T00:00:00Z"),
            earliest_time() - Duration::seconds(1),
        ] {
            let mut r = base.clone();
            match field {
                "occurred_at" => r.occurred_at = when,
                _ => r.captured_at = when,
            }
            assert_rev_only(field, &r, field, Want::Rule(Rule::TooFarInThePast));
        }
    }
    let mut r = base;
    r.occurred_at = earliest_time();
    r.captured_at = earliest_time();
    assert_eq!(r.check(now()), Ok(()));
}

#[test]
fn caution_time_is_range_checked() {
    for (when, rule) in [
        (
            now() + MAX_CLOCK_SKEW + Duration::minutes(1),
            Rule::InTheFuture,
        ),
        (t("1970-01-01T00:00:00Z"), Rule::TooFarInThePast),
    ] {
        let r = rev(Record::Arrest(Arrest {
            caution_at: Some(when),
            ..arrest()
        }));
        assert_rev_only("caution", &r, "caution_at", Want::Rule(rule));
    }
}

#[test]
fn end_time_is_checked() {
    for kind in [RecordKind::Shift, RecordKind::Patrol] {
        let mut r = rev(valid(kind));
        let start = r.occurred_at;
        let set_end = |r: &mut Revision, end| match &mut r.record {
            Record::Shift(s) => s.ended_at = Some(end),
            Record::Patrol(p) => p.ended_at = Some(end),
            _ => unreachable!(),
        };
        set_end(&mut r, start);
        assert_eq!(
            r.check(now()),
            Ok(()),
            "{kind:?} ending when it starts is fine"
        );
        set_end(&mut r, start - Duration::minutes(1));
        assert_rev_only(
            "before start",
            &r,
            "ended_at",
            Want::Rule(Rule::EndsBeforeStart),
        );
        set_end(&mut r, now() + Duration::hours(3));
        assert_rev_only("future", &r, "ended_at", Want::Rule(Rule::InTheFuture));
    }
}

#[test]
fn bad_locations_are_rejected() {
    let good = [
        Location {
            lat: 90.0,
            lon: 180.0,
            accuracy_m: 0.0,
        },
        Location {
            lat: -90.0,
            lon: -180.0,
            accuracy_m: 5_000.0,
        },
    ];
    for loc in good {
        let mut r = rev(valid(RecordKind::Note));
        r.location = Some(loc);
        assert_eq!(r.check(now()), Ok(()), "{loc:?}");
    }
    let bad = [
        Location {
            lat: 90.01,
            lon: 0.0,
            accuracy_m: 1.0,
        },
        Location {
            lat: -91.0,
            lon: 0.0,
            accuracy_m: 1.0,
        },
        Location {
            lat: 0.0,
            lon: 180.5,
            accuracy_m: 1.0,
        },
        Location {
            lat: 0.0,
            lon: -181.0,
            accuracy_m: 1.0,
        },
        Location {
            lat: 0.0,
            lon: 0.0,
            accuracy_m: -1.0,
        },
        Location {
            lat: f64::NAN,
            lon: 0.0,
            accuracy_m: 1.0,
        },
        Location {
            lat: 0.0,
            lon: f64::NAN,
            accuracy_m: 1.0,
        },
        Location {
            lat: 0.0,
            lon: 0.0,
            accuracy_m: f64::NAN,
        },
        Location {
            lat: 0.0,
            lon: 0.0,
            accuracy_m: f64::INFINITY,
        },
    ];
    for loc in bad {
        let mut r = rev(valid(RecordKind::Note));
        r.location = Some(loc);
        assert_rev_only(
            &format!("{loc:?}"),
            &r,
            "location",
            Want::Rule(Rule::BadLocation),
        );
    }
    let mut r = rev(valid(RecordKind::Note));
    r.location = None;
    assert_eq!(r.check(now()), Ok(()), "location is optional");
}

#[test]
fn shift_and_patrol_context_rules() {
    // A shift stands alone.
    let mut r = rev(valid(RecordKind::Shift));
    assert_eq!(r.check(now()), Ok(()));
    r.shift_id = Some(entry(5));
    assert_rev_only(
        "shift in shift",
        &r,
        "shift_id",
        Want::Rule(Rule::ShiftInsideShift),
    );
    r.shift_id = None;
    r.patrol_id = Some(entry(6));
    assert_rev_only(
        "shift in patrol",
        &r,
        "shift_id",
        Want::Rule(Rule::ShiftInsideShift),
    );

    // A patrol needs a shift.
    let mut r = rev(valid(RecordKind::Patrol));
    assert_eq!(r.check(now()), Ok(()));
    r.shift_id = None;
    assert_rev_only(
        "patrol alone",
        &r,
        "shift_id",
        Want::Rule(Rule::PatrolWithoutShift),
    );

    // Every other entry needs a shift; a patrol is optional.
    for kind in RecordKind::ALL.into_iter().filter(|k| !k.has_duration()) {
        let mut r = rev(valid(kind));
        r.patrol_id = Some(entry(6));
        assert_eq!(r.check(now()), Ok(()), "{kind:?} in a patrol");
        r.patrol_id = None;
        assert_eq!(r.check(now()), Ok(()), "{kind:?} in a shift");
        r.shift_id = None;
        assert_rev_only(
            &format!("{kind:?} alone"),
            &r,
            "shift_id",
            Want::Rule(Rule::NoShift),
        );
    }
}

#[test]
fn corrections_need_a_reason() {
    let mut r = rev(valid(RecordKind::Note));
    for reason in ["", "   ", "\n\t"] {
        r.change = corrected(reason);
        assert_rev_only(
            &format!("{reason:?}"),
            &r,
            "reason",
            Want::Rule(Rule::CorrectionWithoutReason),
        );
    }
    r.change = corrected("Wrong street name");
    assert_eq!(r.check(now()), Ok(()));
    r.change = corrected(&"r".repeat(MAX_TEXT + 1));
    assert_rev_only("long reason", &r, "reason", Want::TooLong);
    r.change = corrected("bad \u{0} byte");
    assert_rev_only("control reason", &r, "reason", Want::Control);
    r.change = Change::Ended;
    assert_eq!(
        r.check(now()),
        Ok(()),
        "Revision::check leaves Ended to History"
    );
}

#[test]
fn control_characters_in_short_text_are_rejected() {
    for bad in [
        "BX\n21",
        "BX\r21",
        "BX\t21",
        "BX\u{0}21",
        "BX\u{7f}21",
        "BX\u{85}21",
    ] {
        let r = rev(Record::Shift(Shift {
            callsign: bad.into(),
            ..shift()
        }));
        assert_rev_only(&format!("{bad:?}"), &r, "callsign", Want::Control);
    }
    // Long text accepts line breaks and tabs but not other controls.
    let mut r = rev(valid(RecordKind::Note));
    r.notes = "first\nsecond\r\n\tthird".into();
    assert_eq!(r.check(now()), Ok(()));
    r.notes = "bell\u{7}".into();
    assert_rev_only("notes", &r, "notes", Want::Control);
}

#[test]
fn over_long_text_is_rejected() {
    let mut r = rev(valid(RecordKind::Note));
    r.notes = "n".repeat(MAX_TEXT);
    assert_eq!(r.check(now()), Ok(()));
    r.notes.push('n');
    assert_rev_only("notes", &r, "notes", Want::TooLong);

    let r = rev(Record::StopSearch(StopSearch {
        vehicle_searched: true,
        vehicle_registration: "V".repeat(MAX_SHORT_TEXT + 1),
        ..stop_search()
    }));
    assert_rev_only("registration", &r, "vehicle_registration", Want::TooLong);
}

#[test]
fn all_problems_are_reported_together() {
    let mut r = rev(Record::empty(RecordKind::Arrest));
    r.officer_id.clear();
    r.shift_id = None;
    r.change = corrected("");
    let errors = rev_errors(&r);
    let mut got = fields(&errors);
    got.sort_unstable();
    assert_eq!(
        got,
        [
            "caution_at",
            "custody_suite",
            "grounds",
            "necessity",
            "offence",
            "officer_id",
            "place",
            "reason",
            "shift_id"
        ]
    );
}

#[test]
fn authorised_searches_need_the_authorisation_and_its_window() {
    for power in [SearchPower::Cjpoa60, SearchPower::Terrorism47A] {
        run_table(
            &format!("{power:?}"),
            StopSearch {
                power: Some(power),
                ..stop_search_s60()
            },
            Record::StopSearch,
            &[
                ("authorised_from", |s| s.authorised_from = None, A),
                ("authorised_until", |s| s.authorised_until = None, A),
                (
                    "authorised_until",
                    |s| s.authorised_until = s.authorised_from,
                    Want::Rule(Rule::EndsBeforeStart),
                ),
            ],
        );
    }
    // s60: 24 hours, extended to 48 at most; s47A: 14 days.
    let window = |power, hours| StopSearch {
        power: Some(power),
        authorised_from: Some(t("2024-06-01T00:00:00Z")),
        authorised_until: Some(t("2024-06-01T00:00:00Z") + chrono::Duration::hours(hours)),
        ..stop_search_s60()
    };
    let s60 = SearchPower::Cjpoa60;
    let s47a = SearchPower::Terrorism47A;
    assert_eq!(check(&Record::StopSearch(window(s60, 48))), []);
    assert_only(
        "s60 for 49 hours",
        &Record::StopSearch(window(s60, 49)),
        "authorised_until",
        Want::Rule(Rule::AuthorisationTooLong),
    );
    assert_eq!(check(&Record::StopSearch(window(s47a, 14 * 24))), []);
    assert_only(
        "s47A for 15 days",
        &Record::StopSearch(window(s47a, 15 * 24)),
        "authorised_until",
        Want::Rule(Rule::AuthorisationTooLong),
    );
}

#[test]
fn an_s43a_search_is_of_a_vehicle() {
    let s = StopSearch {
        power: Some(SearchPower::Terrorism43A),
        grounds: "Van seen circling the stadium; matches a briefing".into(),
        ..stop_search()
    };
    assert_only(
        "s43A on foot",
        &Record::StopSearch(s.clone()),
        "vehicle_searched",
        Want::Rule(Rule::VehiclePowerWithoutVehicle),
    );
    let in_vehicle = StopSearch {
        vehicle_searched: true,
        vehicle_registration: "AB12 CDE".into(),
        ..s
    };
    assert_eq!(check(&Record::StopSearch(in_vehicle)), []);
}

#[test]
fn a_search_outside_its_authorisation_is_refused() {
    // An authorisation from 18:00 to 20:30; the revision's time is 21:00
    // (`created`), moved below.
    let inside = rev(Record::StopSearch(StopSearch {
        authorised_until: Some(t("2024-06-01T20:30:00Z")),
        ..stop_search_s60()
    }));
    for (case, at) in [
        ("a minute before it starts", "2024-06-01T17:59:00Z"),
        ("a minute after it ends", "2024-06-01T20:31:00Z"),
    ] {
        let mut r = inside.clone();
        r.occurred_at = t(at);
        assert_rev_only(
            case,
            &r,
            "occurred_at",
            Want::Rule(Rule::OutsideAuthorisation),
        );
    }
    for edge in ["2024-06-01T18:00:00Z", "2024-06-01T20:30:00Z"] {
        let mut r = inside.clone();
        r.occurred_at = t(edge);
        assert_eq!(r.check(now()), Ok(()), "{edge} is inside");
    }
}

#[test]
fn the_caution_is_not_before_the_arrest() {
    // The arrest is at 21:00 (`created`); the fixture cautions at 21:05.
    let mut r = rev(Record::Arrest(arrest()));
    assert_eq!(r.check(now()), Ok(()));
    r.occurred_at = t("2024-06-01T21:05:00Z");
    assert_eq!(r.check(now()), Ok(()), "cautioned at the moment of arrest");
    // The form opened at 21:05:37 keeps its seconds; 21:05 is typed.
    r.occurred_at = t("2024-06-01T21:05:37Z");
    assert_eq!(r.check(now()), Ok(()), "the same minute");
    r.occurred_at = t("2024-06-01T21:06:00Z");
    assert_rev_only(
        "cautioned a minute before",
        &r,
        "caution_at",
        Want::Rule(Rule::CautionBeforeArrest),
    );
}

#[test]
fn the_reparation_starts_no_earlier_than_the_referral() {
    // The referral is the entry, at 21:00 (`created`).
    let started = |at: &str| {
        rev(Record::IjReferral(IjReferral {
            reparation_started_at: Some(t(at)),
            reparation_started: None,
            ..ij_full()
        }))
    };
    assert_eq!(started("2024-06-01T21:00:00Z").check(now()), Ok(()));
    assert_eq!(started("2024-06-01T21:40:00Z").check(now()), Ok(()));
    assert_rev_only(
        "started a minute before the referral",
        &started("2024-06-01T20:59:00Z"),
        "reparation_started_at",
        Want::Rule(Rule::ReparationBeforeReferral),
    );
    // One start: its date and time, or its date alone.
    let mut twice = started("2024-06-01T21:40:00Z");
    if let Record::IjReferral(r) = &mut twice.record {
        r.reparation_started = Some(d("2024-06-01"));
    }
    assert_rev_only(
        "a start date beside the start time",
        &twice,
        "reparation_started",
        Want::Rule(Rule::ReparationStartGivenTwice),
    );
    // A start is a past moment, like an end or a caution.
    assert_rev_only(
        "started next week",
        &started("2024-06-08T21:00:00Z"),
        "reparation_started_at",
        Want::Rule(Rule::InTheFuture),
    );
}

#[test]
fn a_dispersal_says_who_was_directed_and_any_change() {
    run_table(
        "dispersal",
        asb(AsbPower::Dispersal),
        Record::AsbIntervention,
        &[
            ("directed_persons", |a| a.directed_persons.clear(), A),
            (
                "direction_change_details",
                |a| a.direction_change = Some(DirectionChange::Withdrawn),
                A,
            ),
            (
                "directed_persons",
                |a| a.directed_persons = "\u{7}".into(),
                Want::Control,
            ),
        ],
    );
}

#[test]
fn a_cpn_follows_a_linked_or_referenced_warning() {
    let linked = AsbIntervention {
        prior_warning: Some(entry(43)),
        prior_warning_ref: String::new(),
        ..asb(AsbPower::Cpn)
    };
    assert_eq!(check(&Record::AsbIntervention(linked)), []);
    let neither = AsbIntervention {
        prior_warning_ref: "   ".into(),
        ..asb(AsbPower::Cpn)
    };
    assert_only(
        "no warning",
        &Record::AsbIntervention(neither),
        "prior_warning",
        Want::Rule(Rule::CpnWithoutWarning),
    );
}

#[test]
fn an_immediate_justice_outcome_is_typed_and_completion_is_whole() {
    let done = IjReferral {
        result: Some(IjOutcome::Completed),
        completed_on: Some(d("2024-05-30")),
        ..ij_full()
    };
    run_table(
        "ij completed",
        done,
        Record::IjReferral,
        &[
            ("completed_on", |r| r.completed_on = None, A),
            (
                "hours_completed",
                |r| r.hours_completed = Some(9),
                Want::Rule(Rule::CompletedWithHoursLeft),
            ),
            (
                "completed_on",
                |r| r.completed_on = Some(d("2024-05-20")),
                Want::Rule(Rule::CompletedBeforeStart),
            ),
        ],
    );
    // Not completed: hours may be short, and no date is asked for.
    let failed = IjReferral {
        result: Some(IjOutcome::NotCompleted),
        hours_completed: Some(3),
        ..ij_full()
    };
    assert_eq!(check(&Record::IjReferral(failed)), []);
}

#[test]
fn an_s59_warning_names_the_vehicle() {
    run_table(
        "s59",
        asb(AsbPower::S59Warning),
        Record::AsbIntervention,
        &[
            ("behaviour", |a| a.behaviour.clear(), A),
            (
                "vehicle_registration",
                |a| a.vehicle_registration.clear(),
                A,
            ),
        ],
    );
}
