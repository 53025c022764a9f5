//! The supervisor's flags: each about what the server accepts but a
//! supervisor must look at, raised by the case it names and by no other.
mod common;

use beatbook_core::codes::*;
use beatbook_core::record::*;
use beatbook_core::review::{flag_label, flags, FlagRules, FLAGS};
use beatbook_core::{Record, Revision};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use common::*;

/// Flags judged in a zone one hour ahead of UTC (British Summer Time).
fn names(rev: &Revision) -> Vec<String> {
    let bst = |t: DateTime<Utc>| (t + Duration::hours(1)).date_naive();
    let rules = FlagRules {
        long_patrol: Duration::hours(2),
        local_date: &bst,
    };
    flags(rev, &rules).into_iter().map(|f| f.flag).collect()
}

fn of(record: Record) -> Revision {
    created(1, entry(1), record)
}

#[test]
fn a_complete_ordinary_record_raises_nothing() {
    for record in [
        Record::StopSearch(stop_search()),
        Record::Arrest(arrest()),
        Record::AsbIntervention(asb(AsbPower::Dispersal)),
        Record::AsbIntervention(AsbIntervention {
            prior_warning: Some(entry(43)),
            ..asb(AsbPower::Cpn)
        }),
    ] {
        assert_eq!(
            names(&of(record.clone())),
            Vec::<String>::new(),
            "{record:?}"
        );
    }
}

#[test]
fn searches_without_suspicion_and_with_injury_are_flagged() {
    assert_eq!(
        names(&of(Record::StopSearch(stop_search_s60()))),
        ["search_without_suspicion"]
    );
    let hurt = StopSearch {
        injury_or_damage: Some(true),
        injury_details: "Graze".into(),
        ..stop_search()
    };
    assert_eq!(names(&of(Record::StopSearch(hurt))), ["search_injury"]);
}

#[test]
fn an_arrest_not_taken_to_custody_or_cautioned_late_is_flagged() {
    let bailed = Arrest {
        custody_suite: String::new(),
        no_custody: Some(NoCustodyReason::StreetBail),
        no_custody_details: "Bailed to 14 June".into(),
        ..arrest()
    };
    assert_eq!(names(&of(Record::Arrest(bailed))), ["not_taken_to_custody"]);
    // The arrest is at 21:00 (`created`).
    let at = |text| Arrest {
        caution_at: Some(t(text)),
        ..arrest()
    };
    assert!(names(&of(Record::Arrest(at("2024-06-01T21:30:00Z")))).is_empty());
    assert_eq!(
        names(&of(Record::Arrest(at("2024-06-01T21:31:00Z")))),
        ["caution_delayed"]
    );
}

#[test]
fn an_arrest_stored_under_older_rules_names_what_it_lacks() {
    // Stored before reasons were asked for: accepted then, flagged now.
    let old = Arrest {
        necessity_reasons: Default::default(),
        ..arrest()
    };
    let rules = FlagRules {
        long_patrol: Duration::hours(2),
        local_date: &|t| t.date_naive(),
    };
    let raised = flags(&of(Record::Arrest(old)), &rules);
    assert_eq!(raised.len(), 1);
    assert_eq!(raised[0].flag, "pace_code_g_incomplete");
    assert_eq!(raised[0].fields, ["necessity_reasons.investigation"]);
}

#[test]
fn a_notice_is_flagged_before_its_warning_deadline_in_local_time() {
    let notice = |deadline: &str, at: &str, linked: bool| {
        let mut r = of(Record::AsbIntervention(AsbIntervention {
            prior_warning: linked.then(|| entry(43)),
            prior_warning_deadline: NaiveDate::parse_from_str(deadline, "%Y-%m-%d").ok(),
            ..asb(AsbPower::Cpn)
        }));
        r.occurred_at = t(at);
        names(&r)
    };
    // 23:30 UTC on the deadline is 00:30 BST the day after: after it.
    assert!(notice("2024-05-31", "2024-05-31T23:30:00Z", true).is_empty());
    // 22:30 UTC is 23:30 BST, still the deadline day.
    assert_eq!(
        notice("2024-05-31", "2024-05-31T22:30:00Z", true),
        ["cpn_before_deadline"]
    );
    assert_eq!(
        notice("2024-05-20", "2024-06-01T12:00:00Z", false),
        ["cpn_warning_not_linked"]
    );
}

#[test]
fn a_varied_or_withdrawn_dispersal_is_flagged() {
    let varied = AsbIntervention {
        direction_change: Some(DirectionChange::Withdrawn),
        direction_change_details: "Withdrawn by Insp Khan, 23:10".into(),
        ..asb(AsbPower::Dispersal)
    };
    assert_eq!(
        names(&of(Record::AsbIntervention(varied))),
        ["dispersal_changed"]
    );
}

#[test]
fn every_flag_has_its_own_words() {
    for (code, label) in FLAGS {
        assert_eq!(flag_label(code), label);
    }
    assert_eq!(flag_label("unknown"), "Needs checking");
    let mut codes: Vec<&str> = FLAGS.iter().map(|(c, _)| *c).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), FLAGS.len());
}
