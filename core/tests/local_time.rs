//! Local time with the offset of each instant, against a real zone
//! (Europe/London from chrono-tz; the app asks the browser's `Date`).
mod common;

use beatbook_core::form::{fold_key, parse_form, revision_to_form, Fold, LocalTime, OCCURRED_AT};
use beatbook_core::local_time::Resolved;
use beatbook_core::record::Arrest;
use beatbook_core::{Problem, Record};
use chrono::{DateTime, Duration, Offset, TimeZone, Utc};
use chrono_tz::Europe::London;
use common::*;

fn london_offset(time: DateTime<Utc>) -> i32 {
    London
        .offset_from_utc_datetime(&time.naive_utc())
        .fix()
        .local_minus_utc()
        / 60
}

const LONDON: LocalTime = LocalTime::zone(london_offset);

#[test]
fn every_minute_of_a_year_in_london_round_trips_through_its_wall_clock_text() {
    let start = t("2026-01-01T00:00:00Z");
    let mut twice = 0;
    for minute in 0..(365 * 24 * 60) {
        let at = start + Duration::minutes(minute);
        let text = LONDON.to_local_text(at);
        let fold = LONDON.fold_of(at);
        twice += usize::from(fold.is_some());
        assert_eq!(LONDON.parse(&text, fold), Ok(at), "{at} shown as {text}");
        // Without the fold, only the doubled hour asks which one.
        match LONDON.parse(&text, None) {
            Ok(back) => assert_eq!(back, at),
            Err(Problem::TimeTwice) => assert!(fold.is_some()),
            Err(other) => panic!("{text}: {other:?}"),
        }
    }
    // 01:00 to 01:59 on 25 October 2026, in BST and again in GMT.
    assert_eq!(twice, 2 * 60);
}

#[test]
fn every_wall_clock_minute_of_a_year_is_one_instant_except_on_the_change_days() {
    let start = t("2026-01-01T00:00:00Z").naive_utc();
    let (mut skipped, mut twice) = (Vec::new(), Vec::new());
    for minute in 0..(365 * 24 * 60) {
        let wall = start + Duration::minutes(minute);
        match LONDON.resolve(wall) {
            Resolved::One(at) => assert_eq!(LONDON.local(at), wall),
            Resolved::Skipped => skipped.push(wall),
            Resolved::Twice(a, b) => {
                assert_eq!(b - a, Duration::hours(1));
                twice.push(wall);
            }
        }
    }
    assert_eq!(skipped.len(), 60);
    assert_eq!(skipped[0].to_string(), "2026-03-29 01:00:00");
    assert_eq!(skipped[59].to_string(), "2026-03-29 01:59:00");
    assert_eq!(twice.len(), 60);
    assert_eq!(twice[0].to_string(), "2026-10-25 01:00:00");
}

#[test]
fn times_either_side_of_a_clock_change_use_their_own_offset() {
    // The phone's current offset is irrelevant: January is GMT, July BST.
    assert_eq!(
        LONDON.parse("2026-01-15T10:00", None),
        Ok(t("2026-01-15T10:00:00Z"))
    );
    assert_eq!(
        LONDON.parse("2026-07-15T10:00", None),
        Ok(t("2026-07-15T09:00:00Z"))
    );
    // 00:30 BST on the 1st is the 1st, not the last day of the month before.
    assert_eq!(
        LONDON.parse("2026-06-01T00:30", None),
        Ok(t("2026-05-31T23:30:00Z"))
    );
    assert_eq!(
        LONDON.to_local_text(t("2026-05-31T23:30:00Z")),
        "2026-06-01T00:30"
    );
    // Either side of the March change.
    assert_eq!(
        LONDON.parse("2026-03-29T00:59", None),
        Ok(t("2026-03-29T00:59:00Z"))
    );
    assert_eq!(
        LONDON.parse("2026-03-29T02:00", None),
        Ok(t("2026-03-29T01:00:00Z"))
    );
}

#[test]
fn a_time_the_clocks_skipped_is_refused_and_a_doubled_one_asks_which() {
    assert_eq!(
        LONDON.parse("2026-03-29T01:30", None),
        Err(Problem::TimeSkipped)
    );
    assert_eq!(
        LONDON.parse("2026-03-29T01:30", Some(Fold::Earlier)),
        Err(Problem::TimeSkipped)
    );
    assert_eq!(
        LONDON.parse("2026-10-25T01:30", Some(Fold::Earlier)),
        Ok(t("2026-10-25T00:30:00Z"))
    );
    assert_eq!(
        LONDON.parse("2026-10-25T01:30", Some(Fold::Later)),
        Ok(t("2026-10-25T01:30:00Z"))
    );
    // A fold chosen for an ordinary time changes nothing.
    assert_eq!(
        LONDON.parse("2026-10-25T02:30", Some(Fold::Earlier)),
        Ok(t("2026-10-25T02:30:00Z"))
    );
}

#[test]
fn a_form_refuses_a_doubled_time_until_told_which_then_saves_that_instant() {
    let rev = created(1, entry(1), Record::Arrest(cautioned_after_the_change()));
    let mut values = revision_to_form(&rev, LONDON);
    values.insert(OCCURRED_AT.into(), "2026-10-25T01:30".into());
    values.remove(&fold_key(OCCURRED_AT));
    let errors = parse_form(rev.kind(), &values, LONDON).unwrap_err();
    assert!(
        errors
            .iter()
            .any(|e| e.field == OCCURRED_AT && e.problem == Problem::TimeTwice),
        "{errors:?}"
    );
    values.insert(fold_key(OCCURRED_AT), Fold::Later.code().into());
    let draft = parse_form(rev.kind(), &values, LONDON).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(draft.occurred_at, t("2026-10-25T01:30:00Z"));
}

#[test]
fn a_saved_time_in_the_doubled_hour_is_shown_with_its_fold_and_saves_back_unchanged() {
    for (at, fold) in [
        ("2026-10-25T00:30:00Z", Fold::Earlier),
        ("2026-10-25T01:30:00Z", Fold::Later),
    ] {
        let mut rev = created(1, entry(1), Record::Arrest(cautioned_after_the_change()));
        rev.occurred_at = t(at);
        let values = revision_to_form(&rev, LONDON);
        assert_eq!(values[OCCURRED_AT], "2026-10-25T01:30");
        assert_eq!(values[&fold_key(OCCURRED_AT)], fold.code());
        let draft = parse_form(rev.kind(), &values, LONDON).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(draft.occurred_at, rev.occurred_at, "{at}");
    }
}

/// An arrest cautioned after the doubled hour of 25 October 2026, so the
/// caution follows an arrest made in either of its two halves.
fn cautioned_after_the_change() -> Arrest {
    Arrest {
        caution_at: Some(t("2026-10-25T02:05:00Z")),
        ..arrest()
    }
}
