//! Forms as data: the specs and `Record::check` agree on what is required,
//! `parse_form` turns text into typed records (ignoring hidden fields) and a
//! saved revision shown as a form parses back to the same record.
mod common;

use beatbook_core::codes::*;
use beatbook_core::form::*;
use beatbook_core::record::*;
use beatbook_core::validate::Checker;
use beatbook_core::{Change, FieldError, Log, Problem, Record, RecordKind, Revision, Rule};
use common::*;
use std::collections::BTreeSet;

const OFFSETS: [i32; 5] = [0, 60, -300, 330, 765];

fn parse(kind: RecordKind, values: &FormValues) -> Result<Draft, Vec<FieldError>> {
    parse_form(kind, values, LocalTime::fixed(60))
}

fn error_keys(result: &Result<Draft, Vec<FieldError>>) -> BTreeSet<String> {
    match result {
        Ok(_) => BTreeSet::new(),
        Err(errors) => errors.iter().map(|e| e.field.clone()).collect(),
    }
}

fn form(pairs: &[(&str, &str)]) -> FormValues {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Sets the fields that make `spec` shown (and, in turn, what makes those
/// shown), using the `choice`-th allowed value of its own condition.
fn satisfy(kind: RecordKind, spec: &FieldSpec, choice: usize, values: &mut FormValues) {
    if let Some(w) = spec.shown_when {
        // Not a field: the mark a correction of an ended entry carries.
        if w.key == ENDED {
            values.insert(ENDED.into(), "true".into());
            return;
        }
        let controller = form_fields(kind).find(|f| f.key == w.key);
        let controller = controller
            .unwrap_or_else(|| panic!("{kind:?}: {} shown by unknown field {}", spec.key, w.key));
        let value = match w.matching {
            Match::Is | Match::Includes => w.values[choice % w.values.len()].to_owned(),
            // The first value the controller can hold that is not excluded.
            Match::IsNot => std::iter::once(String::new())
                .chain(allowed_values(controller))
                .find(|v| !w.values.contains(&v.as_str()))
                .unwrap_or_else(|| panic!("{kind:?}.{}: every value excluded", spec.key)),
        };
        values.insert(w.key.into(), value);
        satisfy(kind, controller, 0, values);
    }
}

/// The values a field a condition watches can hold.
fn allowed_values(controller: &FieldSpec) -> Vec<String> {
    match controller.kind {
        FieldKind::Select(o) | FieldKind::MultiSelect(o) => {
            o().into_iter().map(|(c, _)| c.to_string()).collect()
        }
        FieldKind::Checkbox | FieldKind::YesNo => vec!["true".into(), "false".into()],
        FieldKind::HotspotPick => vec![OTHER_LOCATION.into(), "market-square".into()],
        _ => panic!("{}: a condition on a free-text field", controller.key),
    }
}

/// Every form state worth checking for a kind: blank, and each condition of
/// each conditional field switched on.
fn states(kind: RecordKind) -> Vec<FormValues> {
    let mut out = vec![FormValues::new()];
    for spec in form_fields(kind) {
        if let Some(w) = spec.shown_when {
            for choice in 0..w.values.len() {
                let mut values = FormValues::new();
                satisfy(kind, spec, choice, &mut values);
                out.push(values);
            }
        }
    }
    out
}

#[test]
fn every_required_field_is_reported_when_left_empty() {
    let mut checked = 0;
    for kind in RecordKind::ALL {
        for spec in form_fields(kind).filter(|s| s.required) {
            let mut values = FormValues::new();
            satisfy(kind, spec, 0, &mut values);
            assert!(
                visible_fields(kind, &values)
                    .iter()
                    .any(|f| f.key == spec.key),
                "{kind:?}.{} should be visible with {values:?}",
                spec.key
            );
            let result = parse(kind, &values);
            assert!(
                error_keys(&result).contains(spec.key),
                "{kind:?}.{} is marked required but an empty value gives {result:?} (form {values:?})",
                spec.key
            );
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} required fields found");
}

#[test]
fn every_field_the_rules_need_is_marked_required() {
    // An empty record: what the rules insist on, the spec marks required.
    for kind in RecordKind::ALL {
        let mut c = Checker::new();
        Record::empty(kind).check(&mut c);
        let required: BTreeSet<&str> = form_fields(kind)
            .filter(|s| s.required)
            .map(|s| s.key)
            .collect();
        for e in c.into_errors() {
            assert!(
                required.contains(e.field.as_str()),
                "{kind:?}.{} is checked but not marked required",
                e.field
            );
        }
    }
}

#[test]
fn spec_and_rules_never_drift_in_any_form_state() {
    // In every state, the errors of an otherwise empty form are exactly the
    // visible required fields that are still empty.
    for kind in RecordKind::ALL {
        for values in states(kind) {
            let expected: BTreeSet<String> = visible_fields(kind, &values)
                .into_iter()
                .filter(|f| f.required)
                .filter(|f| values.get(f.key).is_none_or(|v| v.is_empty()))
                .map(|f| f.key.to_string())
                .collect();
            let got = error_keys(&parse(kind, &values));
            assert_eq!(got, expected, "{kind:?} with {values:?}");
        }
    }
}

#[test]
fn a_field_is_never_shown_while_the_field_it_depends_on_is_hidden() {
    // Any two conditions switched on together, e.g. a vehicle seizure typed
    // and then the power changed: stale values must not show a field whose
    // controlling field is hidden (`FieldSpec::is_shown` is what the app
    // draws with; `visible_fields` is what `parse_form` saves).
    for kind in RecordKind::ALL {
        let single = states(kind);
        for a in &single {
            for b in &single {
                let mut values = a.clone();
                values.extend(b.clone());
                for spec in form_fields(kind).filter(|s| s.is_shown(&values)) {
                    let Some(w) = spec.shown_when else { continue };
                    // The mark of an ended entry is never hidden: not a field.
                    let controller_shown = w.key == ENDED
                        || form_fields(kind).any(|c| c.key == w.key && c.is_shown(&values));
                    assert!(
                        controller_shown,
                        "{kind:?}.{} is shown while {} is hidden ({values:?})",
                        spec.key, w.key
                    );
                    let visible = visible_fields(kind, &values);
                    assert!(visible.iter().any(|f| f.key == spec.key));
                }
            }
        }
    }
}

#[test]
fn every_record_field_has_a_form_field_and_vice_versa() {
    for kind in RecordKind::ALL {
        let record_keys: BTreeSet<String> =
            kind.fields().iter().map(|f| f.name.to_string()).collect();
        // A key `field.entry` is an entry of the map `field`.
        let mut spec_keys: BTreeSet<String> = record_fields(kind)
            .iter()
            .map(|s| s.key.split('.').next().unwrap_or(s.key).to_string())
            .collect();
        if kind.has_duration() {
            // Set by ending it; on the form only to correct it (see
            // `the_end_time_is_on_the_form_only_to_correct_an_ended_entry`).
            spec_keys.insert(ENDED_AT.into());
        }
        assert_eq!(
            spec_keys, record_keys,
            "{kind:?}: form fields and record fields differ"
        );
        assert!(!spec_keys.contains(OCCURRED_AT) && !spec_keys.contains(NOTES));
        let tail: Vec<&str> = form_fields(kind)
            .map(|f| f.key)
            .skip(record_fields(kind).len())
            .collect();
        if kind.has_duration() {
            assert_eq!(tail, [OCCURRED_AT, ENDED_AT, NOTES]);
        } else {
            assert_eq!(tail, [OCCURRED_AT, NOTES]);
        }
    }
}

#[test]
fn select_options_are_the_code_lists() {
    fn codes<C: Code>() -> Vec<&'static str> {
        C::ALL.iter().map(|c| c.code()).collect()
    }
    let find = |kind, key: &str| {
        form_fields(kind)
            .find(|f| f.key == key)
            .map(|f| f.kind)
            .unwrap_or_else(|| panic!("no {key}"))
    };
    let options = |k: FieldKind| match k {
        FieldKind::Select(o) | FieldKind::MultiSelect(o) => {
            o().into_iter().map(|(c, _)| c).collect::<Vec<_>>()
        }
        _ => panic!("not a select"),
    };
    assert_eq!(
        options(find(RecordKind::StopSearch, "self_defined_ethnicity")),
        codes::<Ethnicity>()
    );
    assert_eq!(
        options(find(RecordKind::StopSearch, "power")),
        codes::<SearchPower>()
    );
    assert_eq!(
        options(find(RecordKind::Arrest, "necessity")),
        codes::<NecessityCriterion>()
    );
    assert_eq!(
        options(find(RecordKind::AsbIntervention, "power")),
        codes::<AsbPower>()
    );
    assert_eq!(
        options(find(RecordKind::IjReferral, "disposal")),
        codes::<IjDisposal>()
    );
    assert_eq!(codes::<Ethnicity>().len(), 19);
}

#[test]
fn conditions_name_real_fields_and_real_values() {
    for kind in RecordKind::ALL {
        for spec in form_fields(kind) {
            let Some(w) = spec.shown_when else { continue };
            if w.key == ENDED {
                assert_eq!(spec.key, ENDED_AT, "only the end time follows the mark");
                continue;
            }
            let Some(controller) = form_fields(kind).find(|f| f.key == w.key) else {
                panic!(
                    "{kind:?}.{}: condition on unknown field {}",
                    spec.key, w.key
                );
            };
            let position = |key: &str| form_fields(kind).position(|f| f.key == key);
            assert!(
                position(w.key) < position(spec.key),
                "{kind:?}.{}: listed before {}, the field it depends on",
                spec.key,
                w.key
            );
            let allowed = allowed_values(controller);
            assert_eq!(
                matches!(w.matching, Match::Includes),
                matches!(controller.kind, FieldKind::MultiSelect(_)),
                "{kind:?}.{}: `Includes` is the condition on a multi-select, and only it",
                spec.key
            );
            for v in w.values.iter().filter(|v| !v.is_empty()) {
                assert!(
                    allowed.iter().any(|a| a == v),
                    "{kind:?}.{}: {v:?} is not an option of {}",
                    spec.key,
                    w.key
                );
            }
        }
    }
}

// --------------------------------------------------------------- round trip

/// A revision holding `record`, as saved from a form.
fn saved(record: Record) -> Revision {
    let mut r = created(1, entry(1), record);
    // The form shows and takes times to the minute.
    r.occurred_at = t("2024-06-01T20:59:00Z");
    r.notes = "Seen on CCTV first.\nSecond line ".into();
    r
}

#[test]
fn a_saved_revision_round_trips_through_its_form() {
    let mut checked = 0;
    for (name, record) in all_valid_records() {
        for offset in OFFSETS {
            let local = LocalTime::fixed(offset);
            let rev = saved(record.clone());
            let values = revision_to_form(&rev, local);
            let draft = parse_form(rev.kind(), &values, local)
                .unwrap_or_else(|e| panic!("{name} (offset {offset}): {e:?} from {values:?}"));
            let record = draft.record;
            assert_eq!(
                record, rev.record,
                "{name} (offset {offset}) via {values:?}"
            );
            assert_eq!(
                draft.occurred_at, rev.occurred_at,
                "{name} (offset {offset})"
            );
            assert_eq!(draft.notes, rev.notes, "{name}");
            checked += 1;
        }
    }
    assert!(checked >= 20 * OFFSETS.len());
}

#[test]
fn whole_minute_times_show_without_seconds_in_local_time() {
    let mut rev = created(1, entry(1), Record::Arrest(arrest()));
    rev.occurred_at = t("2024-06-01T23:30:00Z");
    let values = revision_to_form(&rev, LocalTime::fixed(60));
    assert_eq!(
        values[OCCURRED_AT], "2024-06-02T00:30",
        "BST is UTC+1 and crosses midnight"
    );
    assert_eq!(values["caution_at"], "2024-06-01T22:05");
    let values = revision_to_form(&rev, LocalTime::fixed(-300));
    assert_eq!(values[OCCURRED_AT], "2024-06-01T18:30");
}

#[test]
fn the_end_time_is_on_the_form_only_to_correct_an_ended_entry() {
    let local = LocalTime::fixed(60);
    // A new shift or patrol: ending is its own act, no end time is typed.
    for kind in [RecordKind::Shift, RecordKind::Patrol] {
        assert!(
            visible_fields(kind, &FormValues::new())
                .iter()
                .all(|f| f.key != ENDED_AT),
            "{kind:?}"
        );
    }
    for kind in RecordKind::ALL.into_iter().filter(|k| !k.has_duration()) {
        assert!(form_fields(kind).all(|f| f.key != ENDED_AT), "{kind:?}");
    }
    // An open shift corrected: still no end time, and none is saved.
    let open = saved(Record::Shift(shift()));
    let values = revision_to_form(&open, local);
    assert!(!values.contains_key(ENDED_AT) && !values.contains_key(ENDED));
    let draft = parse_form(RecordKind::Shift, &values, local).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(draft.record.ended_at(), None);

    // A patrol whose End was tapped six hours late: the correction shows
    // the end in local time, and the time typed there is what is saved.
    let mut patrol = patrol();
    patrol.ended_at = Some(t("2024-06-02T02:59:00Z"));
    let ended = saved(Record::Patrol(patrol));
    let mut values = revision_to_form(&ended, local);
    assert_eq!(values[ENDED_AT], "2024-06-02T03:59");
    assert!(visible_fields(RecordKind::Patrol, &values)
        .iter()
        .any(|f| f.key == ENDED_AT && f.required));
    values.insert(ENDED_AT.into(), "2024-06-01T22:14".into());
    let draft = parse_form(RecordKind::Patrol, &values, local).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(draft.record.ended_at(), Some(t("2024-06-01T21:14:00Z")));

    // Cleared, or before the start: refused on the form, by field.
    values.insert(ENDED_AT.into(), String::new());
    let errors = parse_form(RecordKind::Patrol, &values, local)
        .err()
        .unwrap_or_default();
    assert!(errors.iter().any(|e| e.field == ENDED_AT), "{errors:?}");
    values.insert(ENDED_AT.into(), "2024-06-01T21:30".into());
    let errors = parse_form(RecordKind::Patrol, &values, local)
        .err()
        .unwrap_or_default();
    assert!(
        errors
            .iter()
            .any(|e| e.field == ENDED_AT && e.problem == Problem::Rule(Rule::EndsBeforeStart)),
        "{errors:?}"
    );
}

#[test]
fn local_time_is_converted_to_utc() {
    let bst = LocalTime::fixed(60);
    assert_eq!(
        bst.to_utc("2024-06-01T00:30"),
        Some(t("2024-05-31T23:30:00Z"))
    );
    assert_eq!(
        bst.to_utc("2024-06-01T00:30:15"),
        Some(t("2024-05-31T23:30:15Z"))
    );
    let ist = LocalTime::fixed(330);
    assert_eq!(
        ist.to_utc("2024-06-01T05:30"),
        Some(t("2024-06-01T00:00:00Z"))
    );
    for bad in [
        "",
        "2024-06-01",
        "2024-06-01 00:30",
        "00:30",
        "2024-06-31T00:30",
        "2024-06-01T24:00",
    ] {
        assert_eq!(bst.to_utc(bad), None, "{bad:?}");
    }
    let draft = parse(
        RecordKind::Note,
        &form(&[
            ("category", "general"),
            ("text", "x"),
            (OCCURRED_AT, "2024-03-31T02:15"),
        ]),
    );
    assert_eq!(draft.map(|d| d.occurred_at), Ok(t("2024-03-31T01:15:00Z")));
}

#[test]
fn values_are_trimmed_and_notes_kept() {
    let values = form(&[
        ("category", " intelligence "),
        ("text", "  Van seen again  "),
        (OCCURRED_AT, " 2024-06-01T10:00 "),
        (NOTES, "as typed"),
    ]);
    let draft = parse(RecordKind::Note, &values).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        draft.record,
        Record::Note(Note {
            category: Some(NoteKind::Intelligence),
            text: "Van seen again".into()
        })
    );
    assert_eq!(draft.notes, "as typed");
}

// ------------------------------------------------------------ hidden fields

#[test]
fn hidden_fields_are_not_saved_after_switching_power() {
    let mut values = revision_to_form(
        &saved(Record::AsbIntervention(asb(AsbPower::FixedPenalty))),
        LocalTime::default(),
    );
    assert_eq!(values["offence"], "Littering");
    values.insert("power".into(), "informal_warning".into());
    values.insert("behaviour".into(), "Throwing bottles at the shelter".into());
    let draft = parse_form(RecordKind::AsbIntervention, &values, LocalTime::default())
        .unwrap_or_else(|e| panic!("{e:?}"));
    let Record::AsbIntervention(a) = draft.record else {
        panic!("wrong kind")
    };
    assert_eq!(a.offence, "", "offence was hidden when saved");
    assert_eq!(a.penalty_amount, None, "penalty was hidden when saved");
    assert_eq!(a, asb(AsbPower::InformalWarning));
}

#[test]
fn fields_shown_by_a_hidden_field_are_hidden_too() {
    // Seizure of a vehicle, then the officer changes the power: the vehicle
    // registration (shown by `seized`, itself shown by power = seizure) must go.
    let mut values = revision_to_form(
        &saved(Record::AsbIntervention(asb(AsbPower::Seizure))),
        LocalTime::default(),
    );
    assert_eq!(values["seized"], "vehicle");
    assert!(visible_fields(RecordKind::AsbIntervention, &values)
        .iter()
        .any(|f| f.key == "vehicle_registration"));
    values.insert("power".into(), "informal_warning".into());
    values.insert("behaviour".into(), "Throwing bottles at the shelter".into());
    let registration = form_fields(RecordKind::AsbIntervention)
        .find(|f| f.key == "vehicle_registration")
        .map(|f| f.is_shown(&values));
    assert_eq!(registration, Some(false), "the app draws with is_shown");
    let visible: Vec<&str> = visible_fields(RecordKind::AsbIntervention, &values)
        .iter()
        .map(|f| f.key)
        .collect();
    assert!(!visible.contains(&"seized"), "{visible:?}");
    assert!(!visible.contains(&"vehicle_registration"), "{visible:?}");
    let draft = parse_form(RecordKind::AsbIntervention, &values, LocalTime::default())
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        draft.record,
        Record::AsbIntervention(asb(AsbPower::InformalWarning))
    );
}

#[test]
fn stop_search_conditional_fields_are_dropped_when_hidden() {
    let local = LocalTime::default();
    let full = saved(Record::StopSearch(stop_search_full()));
    let mut values = revision_to_form(&full, local);
    values.insert("object".into(), "drugs".into());
    values.insert("injury_or_damage".into(), "false".into());
    values.insert("vehicle_searched".into(), String::new());
    values.insert("power".into(), "cjpoa_s60".into());
    values.insert("s60_authorisation".into(), "S60/1".into());
    values.insert("authorised_from".into(), "2024-06-01T18:00".into());
    values.insert("authorised_until".into(), "2024-06-02T06:00".into());
    let draft =
        parse_form(RecordKind::StopSearch, &values, local).unwrap_or_else(|e| panic!("{e:?}"));
    let Record::StopSearch(s) = draft.record else {
        panic!("wrong kind")
    };
    assert_eq!(s.object_detail, "");
    assert_eq!(s.injury_details, "");
    assert_eq!(s.vehicle_registration, "");
    assert_eq!(s.grounds, "", "grounds are not asked for under s60");
    assert_eq!(s.s60_authorisation, "S60/1");

    values.insert("power".into(), "pace_s1".into());
    values.insert("grounds".into(), "Seen concealing an item".into());
    let draft =
        parse_form(RecordKind::StopSearch, &values, local).unwrap_or_else(|e| panic!("{e:?}"));
    let Record::StopSearch(s) = draft.record else {
        panic!("wrong kind")
    };
    assert_eq!(s.s60_authorisation, "", "authorisation is hidden for s1");
    assert_eq!(s.grounds, "Seen concealing an item");
}

// ------------------------------------------------------------- bad input

/// A valid form for `record`, with `key` set to `text`, must fail with
/// exactly one error: `problem` on `key`.
#[track_caller]
fn assert_bad(record: Record, key: &str, text: &str, problem: Problem) {
    let local = LocalTime::fixed(60);
    let kind = record.kind();
    let mut values = revision_to_form(&saved(record), local);
    assert!(
        parse_form(kind, &values, local).is_ok(),
        "{kind:?} base form must be valid"
    );
    values.insert(key.into(), text.into());
    let result = parse_form(kind, &values, local);
    assert_eq!(
        result.err(),
        Some(vec![FieldError {
            field: key.into(),
            problem
        }]),
        "{kind:?}.{key} = {text:?}"
    );
}

#[test]
fn bad_numbers_are_not_a_number() {
    for text in ["two", "-1", "2.5", "1e3", "99999999999", "0x10", "½"] {
        assert_bad(
            valid(RecordKind::AsbIntervention),
            "persons",
            text,
            Problem::NotANumber,
        );
        assert_bad(
            valid(RecordKind::IjReferral),
            "hours_ordered",
            text,
            Problem::NotANumber,
        );
    }
    assert_bad(
        valid(RecordKind::AsbIntervention),
        "persons",
        "0",
        Problem::OutOfRange { min: 1, max: 500 },
    );
    assert_bad(
        Record::AsbIntervention(asb(AsbPower::Dispersal)),
        "dispersal_hours",
        "72",
        Problem::Rule(beatbook_core::Rule::DispersalTooLong),
    );
}

#[test]
fn bad_dates_are_bad_dates() {
    for text in [
        "2024-02-30",
        "20/05/2024",
        "tomorrow",
        "2024-13-01",
        "2024-05-20T10:00",
    ] {
        assert_bad(
            valid(RecordKind::IjReferral),
            "referral_date",
            text,
            Problem::BadDate,
        );
        assert_bad(
            Record::AsbIntervention(asb(AsbPower::Cpw)),
            "deadline",
            text,
            Problem::BadDate,
        );
    }
}

#[test]
fn bad_date_times_are_bad_date_times() {
    for text in [
        "2024-06-01 21:05",
        "21:05",
        "2024-06-01",
        "2024-06-01T25:00",
        "now",
    ] {
        assert_bad(
            valid(RecordKind::Arrest),
            "caution_at",
            text,
            Problem::BadDateTime,
        );
        assert_bad(
            valid(RecordKind::Note),
            OCCURRED_AT,
            text,
            Problem::BadDateTime,
        );
    }
    assert_bad(
        valid(RecordKind::Note),
        OCCURRED_AT,
        "  ",
        Problem::Missing {
            what: "the time".into(),
        },
    );
}

#[test]
fn unknown_option_codes_are_unknown_options() {
    let ss = || Record::StopSearch(stop_search());
    assert_bad(ss(), "self_defined_ethnicity", "W4", Problem::UnknownOption);
    assert_bad(ss(), "self_defined_ethnicity", "w1", Problem::UnknownOption);
    assert_bad(ss(), "object", "Controlled drugs", Problem::UnknownOption);
    assert_bad(ss(), "outcome", "arrested", Problem::UnknownOption);
    assert_bad(
        ss(),
        "outcome_linked_to_object",
        "yes",
        Problem::UnknownOption,
    );
    assert_bad(ss(), "injury_or_damage", "1", Problem::UnknownOption);
    assert_bad(
        valid(RecordKind::Shift),
        "role",
        "sergeant",
        Problem::UnknownOption,
    );
    assert_bad(
        valid(RecordKind::Patrol),
        "mode",
        "horse",
        Problem::UnknownOption,
    );
    assert_bad(
        valid(RecordKind::Arrest),
        "necessity",
        "investigation,bogus",
        Problem::UnknownOption,
    );
    assert_bad(
        valid(RecordKind::Arrest),
        "linked_stop",
        "not-a-uuid",
        Problem::UnknownOption,
    );
    assert_bad(
        valid(RecordKind::IjReferral),
        "disposal",
        "fine",
        Problem::UnknownOption,
    );
    assert_bad(
        valid(RecordKind::IjReferral),
        "linked_entry",
        "BB-1A2B-3C4D",
        Problem::UnknownOption,
    );
    assert_bad(
        valid(RecordKind::Note),
        "category",
        "gossip",
        Problem::UnknownOption,
    );
    assert_bad(
        Record::AsbIntervention(asb(AsbPower::Seizure)),
        "seized",
        "cash",
        Problem::UnknownOption,
    );
}

#[test]
fn multi_select_parses_comma_separated_codes() {
    let local = LocalTime::default();
    let mut values = revision_to_form(&saved(valid(RecordKind::Arrest)), local);
    assert_eq!(values["necessity"], "investigation");
    values.insert("necessity".into(), " name, address ,,investigation,".into());
    for criterion in NecessityCriterion::ALL {
        values.insert(
            beatbook_core::record::necessity_reason_key(*criterion),
            format!("Because of {}", criterion.code()),
        );
    }
    let draft = parse_form(RecordKind::Arrest, &values, local).unwrap_or_else(|e| panic!("{e:?}"));
    let Record::Arrest(a) = draft.record else {
        panic!("wrong kind")
    };
    assert_eq!(
        a.necessity,
        [
            NecessityCriterion::Name,
            NecessityCriterion::Address,
            NecessityCriterion::PromptInvestigation
        ]
    );
    // Every criterion can be chosen at once.
    let all: Vec<&str> = NecessityCriterion::ALL.iter().map(|c| c.code()).collect();
    values.insert("necessity".into(), all.join(","));
    let draft = parse_form(RecordKind::Arrest, &values, local).unwrap_or_else(|e| panic!("{e:?}"));
    let Record::Arrest(a) = draft.record else {
        panic!("wrong kind")
    };
    assert_eq!(a.necessity, NecessityCriterion::ALL);
    // Only separators is nothing chosen.
    values.insert("necessity".into(), " , ,".into());
    let result = parse_form(RecordKind::Arrest, &values, local);
    assert_eq!(
        result.err(),
        Some(vec![FieldError {
            field: "necessity".into(),
            problem: Problem::Rule(beatbook_core::Rule::NoNecessityCriterion)
        }])
    );
}

#[test]
fn checkboxes_and_yes_no_answers() {
    let local = LocalTime::default();
    let mut values = revision_to_form(&saved(Record::AsbIntervention(asb(AsbPower::Cpn))), local);
    assert_eq!(values["person_aged_16_plus"], "true");
    values.insert("person_aged_16_plus".into(), String::new());
    assert_eq!(
        parse_form(RecordKind::AsbIntervention, &values, local).err(),
        Some(vec![FieldError {
            field: "person_aged_16_plus".into(),
            problem: Problem::Rule(beatbook_core::Rule::CpnUnderSixteen)
        }])
    );
    let values = revision_to_form(&saved(Record::StopSearch(stop_search())), local);
    assert_eq!(
        values["outcome_linked_to_object"], "false",
        "a 'no' answer is shown, not left blank"
    );
    assert_eq!(values["vehicle_searched"], "");
    // Only "true" ticks a checkbox.
    for (text, ticked) in [("true", true), ("", false), ("false", false), ("on", false)] {
        let mut values = values.clone();
        values.insert("vehicle_searched".into(), text.into());
        values.insert("vehicle_registration".into(), "AB12 CDE".into());
        let draft =
            parse_form(RecordKind::StopSearch, &values, local).unwrap_or_else(|e| panic!("{e:?}"));
        let Record::StopSearch(s) = draft.record else {
            panic!("wrong kind")
        };
        assert_eq!(s.vehicle_searched, ticked, "{text:?}");
        assert_eq!(s.vehicle_registration.is_empty(), !ticked, "{text:?}");
    }
}

#[test]
fn all_problems_are_returned_together() {
    let values = form(&[
        ("persons", "lots"),
        ("power", "dispersal"),
        ("dispersal_hours", "99"),
        (OCCURRED_AT, "x"),
    ]);
    let keys = error_keys(&parse(RecordKind::AsbIntervention, &values));
    let want: BTreeSet<String> = [
        "persons",
        "place",
        "dispersal_area",
        "dispersal_hours",
        "authorising_inspector",
        "terms",
        "directed_persons",
        OCCURRED_AT,
    ]
    .map(String::from)
    .into();
    assert_eq!(keys, want);
}

#[test]
fn ending_and_correcting_the_end_list_the_end_time_as_changed() {
    let local = LocalTime::fixed(60);
    let open = saved(Record::Patrol(patrol()));
    let mut late = open.clone();
    late.seq = 2;
    late.change = Change::Ended;
    late.record = Record::Patrol(Patrol {
        ended_at: Some(t("2024-06-02T02:59:00Z")),
        ..patrol()
    });
    let mut right = late.clone();
    right.seq = 3;
    right.change = Change::Corrected {
        reason: "End tapped late".into(),
    };
    right.record = Record::Patrol(Patrol {
        ended_at: Some(t("2024-06-01T21:14:00Z")),
        ..patrol()
    });
    let log = Log::default();
    let ended = beatbook_core::display::changed_fields(&open, &late, &log, local);
    assert_eq!(ended, ["Ended: (not ended) → Sun 2 Jun 03:59"]);
    let corrected = beatbook_core::display::changed_fields(&late, &right, &log, local);
    assert_eq!(corrected, ["Ended: Sun 2 Jun 03:59 → Sat 1 Jun 22:14"]);
}

#[test]
fn a_new_shift_copied_from_an_ended_one_starts_open() {
    // The app pre-fills a new shift from the last one, which has ended: the
    // copy must not carry the end (a required field on a new shift, and a
    // shift saved already ended).
    let local = LocalTime::fixed(60);
    let mut last = saved(Record::Shift(Shift {
        ended_at: Some(t("2024-06-02T02:59:00Z")),
        ..shift()
    }));
    last.notes = "Quiet night".into();
    let values = values_for_another(&last, local);
    assert!(!values.contains_key(ENDED) && !values.contains_key(ENDED_AT));
    assert!(!values.contains_key(NOTES));
    assert!(visible_fields(RecordKind::Shift, &values)
        .iter()
        .all(|f| f.key != ENDED_AT));
    let draft = parse_form(RecordKind::Shift, &values, local).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(draft.record.ended_at(), None);
    assert_eq!(
        draft.record,
        Record::Shift(Shift {
            ended_at: None,
            ..shift()
        })
    );
}

#[test]
fn a_patrol_is_in_a_listed_hotspot_or_at_another_location_never_neither() {
    let form = |pairs: &[(&str, &str)]| -> FormValues {
        let mut v: FormValues = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        v.insert(OCCURRED_AT.into(), "2025-06-01T00:30".into());
        v.insert("mode".into(), "foot".into());
        v
    };
    // Nothing chosen: the choice is asked for, not the hidden location.
    let blank = parse(RecordKind::Patrol, &form(&[]));
    assert_eq!(error_keys(&blank), BTreeSet::from([HOTSPOT.to_string()]));
    assert_eq!(
        blank.unwrap_err()[0].to_string(),
        "hotspot: Choose a hotspot, or Other location"
    );
    // A listed hotspot: its ID is saved, no place need be typed.
    let draft = parse(RecordKind::Patrol, &form(&[(HOTSPOT, "market-square")])).unwrap();
    let Record::Patrol(p) = &draft.record else {
        panic!("{draft:?}")
    };
    assert_eq!(p.hotspot.as_deref(), Some("market-square"));
    // A place typed before switching to a hotspot is not saved with it.
    let switched = form(&[(HOTSPOT, "market-square"), ("area", "Car park")]);
    let Record::Patrol(p) = parse(RecordKind::Patrol, &switched).unwrap().record else {
        panic!()
    };
    assert_eq!(p.area, "");
    // Another location: where must be typed, and no hotspot is saved.
    let other = parse(RecordKind::Patrol, &form(&[(HOTSPOT, OTHER_LOCATION)]));
    assert_eq!(error_keys(&other), BTreeSet::from(["area".to_string()]));
    let draft = parse(
        RecordKind::Patrol,
        &form(&[(HOTSPOT, OTHER_LOCATION), ("area", "Car park")]),
    )
    .unwrap();
    let Record::Patrol(p) = &draft.record else {
        panic!()
    };
    assert_eq!((p.hotspot.as_deref(), p.area.as_str()), (None, "Car park"));
    // Not an ID at all (a damaged form): refused as no listed option.
    let bad = parse(RecordKind::Patrol, &form(&[(HOTSPOT, "Market Square")]));
    assert_eq!(
        bad.unwrap_err()[0],
        FieldError {
            field: HOTSPOT.into(),
            problem: Problem::UnknownOption
        }
    );
    // The server's rules: a hotspot ID must be one a force could write.
    let mut c = Checker::new();
    Record::Patrol(Patrol {
        hotspot: Some("Not An ID".into()),
        ..patrol()
    })
    .check(&mut c);
    assert_eq!(
        c.into_errors()[0].problem,
        Problem::Rule(Rule::BadHotspotId)
    );
}

#[test]
fn a_patrol_reopens_for_correction_at_its_hotspot_or_its_typed_place() {
    let local = LocalTime::fixed(60);
    // Saved before hotspots were listed: another location, as typed.
    let old = created(1, entry(1), Record::Patrol(patrol()));
    let values = revision_to_form(&old, local);
    assert_eq!(values[HOTSPOT], OTHER_LOCATION);
    assert_eq!(values["area"], "Market Square hotspot");
    assert_eq!(
        parse(RecordKind::Patrol, &values).unwrap().record,
        old.record
    );
    // In a hotspot: it reopens picked, and saves back unchanged.
    let listed = created(
        2,
        entry(2),
        Record::Patrol(Patrol {
            area: "Market Square".into(),
            hotspot: Some("market-square".into()),
            ..patrol()
        }),
    );
    let values = revision_to_form(&listed, local);
    assert_eq!(values[HOTSPOT], "market-square");
    let Record::Patrol(back) = parse(RecordKind::Patrol, &values).unwrap().record else {
        panic!()
    };
    assert_eq!(back.hotspot.as_deref(), Some("market-square"));
}
