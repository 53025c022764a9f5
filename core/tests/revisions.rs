//! History rules: how revisions of one entry may follow each other, and
//! rebuilding histories from revisions in any order.
mod common;

use beatbook_core::record::*;
use beatbook_core::{Change, History, Record, RecordKind, Revision, RevisionError};
use chrono::Duration;
use common::*;
use proptest::prelude::*;

fn history(revs: &[Revision]) -> History {
    let mut h = History::default();
    for r in revs {
        h.push(r.clone())
            .unwrap_or_else(|e| panic!("fixture revision {} rejected: {e}", r.seq));
    }
    h
}

fn ended(rec: &Record, at: &str) -> Record {
    let mut rec = rec.clone();
    match &mut rec {
        Record::Shift(s) => s.ended_at = Some(t(at)),
        Record::Patrol(p) => p.ended_at = Some(t(at)),
        _ => panic!("not endable"),
    }
    rec
}

#[test]
fn first_revision_must_be_a_creation_with_seq_1() {
    let h = History::default();
    let ok = created(1, entry(1), valid(RecordKind::Note));
    assert_eq!(h.check_next(&ok), Ok(()));
    for (seq, change) in [
        (1, corrected("typo")),
        (1, Change::Ended),
        (2, Change::Created),
        (0, Change::Created),
        (u32::MAX, Change::Created),
    ] {
        let r = Revision {
            seq,
            change: change.clone(),
            ..ok.clone()
        };
        assert_eq!(
            h.check_next(&r),
            Err(RevisionError::FirstMustBeCreation),
            "seq {seq} {change:?}"
        );
    }
    let mut h = History::default();
    assert!(h
        .push(Revision {
            seq: 2,
            ..ok.clone()
        })
        .is_err());
    assert_eq!(h.revisions(), [], "a refused revision is not added");
    assert_eq!(h.latest(), None);
    assert_eq!(h.original(), None);
}

#[test]
fn seq_must_increase_by_exactly_one() {
    let r1 = created(1, entry(1), valid(RecordKind::Note));
    let r2 = next(&r1, 2, corrected("wrong category"), valid(RecordKind::Note));
    let mut h = history(std::slice::from_ref(&r1));
    for got in [1, 3, 7, 0] {
        let r = Revision {
            seq: got,
            ..r2.clone()
        };
        assert_eq!(
            h.check_next(&r),
            Err(RevisionError::OutOfSequence { expected: 2, got })
        );
    }
    assert_eq!(h.push(r2.clone()), Ok(()));
    assert_eq!(
        h.check_next(&r2),
        Err(RevisionError::OutOfSequence {
            expected: 3,
            got: 2
        }),
        "a replay is refused"
    );
    let r3 = next(&r2, 3, corrected("again"), valid(RecordKind::Note));
    assert_eq!(h.push(r3.clone()), Ok(()));
    assert_eq!(h.revisions().len(), 3);
    assert_eq!(h.original(), Some(&r1));
    assert_eq!(h.latest(), Some(&r3));
}

#[test]
fn revisions_must_belong_to_the_same_entry() {
    let r1 = created(1, entry(1), valid(RecordKind::Note));
    let h = history(std::slice::from_ref(&r1));
    let mut r2 = next(&r1, 2, corrected("x"), valid(RecordKind::Note));
    r2.entry_id = entry(2);
    assert_eq!(h.check_next(&r2), Err(RevisionError::WrongEntry));
}

#[test]
fn only_the_first_revision_is_a_creation() {
    let r1 = created(1, entry(1), valid(RecordKind::Note));
    let h = history(std::slice::from_ref(&r1));
    let r2 = next(&r1, 2, Change::Created, valid(RecordKind::Note));
    assert_eq!(h.check_next(&r2), Err(RevisionError::CreatedTwice));
}

#[test]
fn the_kind_can_never_change() {
    for from in RecordKind::ALL {
        let r1 = created(1, entry(1), valid(from));
        let h = history(std::slice::from_ref(&r1));
        for to in RecordKind::ALL {
            let r2 = next(&r1, 2, corrected("wrong form"), valid(to));
            let want = if from == to {
                Ok(())
            } else {
                Err(RevisionError::KindChanged)
            };
            assert_eq!(h.check_next(&r2), want, "{from:?} -> {to:?}");
        }
    }
}

#[test]
fn the_context_can_never_change() {
    let r1 = Revision {
        patrol_id: Some(entry(2_000)),
        ..created(1, entry(1), valid(RecordKind::StopSearch))
    };
    let h = history(std::slice::from_ref(&r1));
    let r2 = next(&r1, 2, corrected("spelling"), r1.record.clone());
    assert_eq!(h.check_next(&r2), Ok(()));
    let moves: [fn(&mut Revision); 6] = [
        |r| r.shift_id = Some(entry(1_001)),
        |r| r.shift_id = None,
        |r| r.patrol_id = Some(entry(2_001)),
        |r| r.patrol_id = None,
        |r| r.officer_id = "PC 9999".into(),
        |r| r.officer_id = "pc 4521".into(),
    ];
    for (i, change) in moves.iter().enumerate() {
        let mut r = r2.clone();
        change(&mut r);
        assert_eq!(
            h.check_next(&r),
            Err(RevisionError::ContextChanged),
            "move {i}"
        );
    }
}

#[test]
fn a_correction_may_change_the_record_time_notes_and_location() {
    let r1 = created(1, entry(1), Record::StopSearch(stop_search()));
    let h = history(std::slice::from_ref(&r1));
    let mut r2 = next(
        &r1,
        2,
        corrected("Wrong outcome and time"),
        Record::StopSearch(stop_search_full()),
    );
    r2.occurred_at -= Duration::minutes(20);
    r2.notes = "Added CCTV reference".into();
    r2.location = None;
    assert_eq!(h.check_next(&r2), Ok(()));
    // Corrections are for every kind, durations included.
    for kind in RecordKind::ALL {
        let r1 = created(1, entry(1), valid(kind));
        let r2 = next(&r1, 2, corrected("fix"), valid(kind));
        assert_eq!(history(&[r1]).check_next(&r2), Ok(()), "{kind:?}");
    }
}

#[test]
fn a_correction_moves_an_end_but_never_adds_or_removes_one() {
    for kind in [RecordKind::Shift, RecordKind::Patrol] {
        let r1 = created(1, entry(1), valid(kind));
        // End tapped six hours late, then put right to 15 minutes.
        let late = next(
            &r1,
            2,
            Change::Ended,
            ended(&r1.record, "2024-06-02T02:59:00Z"),
        );
        let h = history(&[r1.clone(), late.clone()]);
        let right = next(
            &late,
            3,
            corrected("End tapped late"),
            ended(&r1.record, "2024-06-01T21:14:00Z"),
        );
        assert_eq!(h.check_next(&right), Ok(()), "{kind:?}");
        // Reopening by correction would undo an end with no end revision.
        let reopened = next(&late, 3, corrected("oops"), r1.record.clone());
        assert_eq!(
            h.check_next(&reopened),
            Err(RevisionError::CorrectionAddsOrRemovesEnd),
            "{kind:?}"
        );
        // Ending by correction would skip the end revision.
        let open = history(std::slice::from_ref(&r1));
        let ends = next(&r1, 2, corrected("ended"), late.record.clone());
        assert_eq!(
            open.check_next(&ends),
            Err(RevisionError::CorrectionAddsOrRemovesEnd),
            "{kind:?}"
        );
    }
}

fn withdrawn(reason: &str) -> Change {
    Change::Withdrawn {
        reason: reason.into(),
    }
}

#[test]
fn a_withdrawal_keeps_the_entry_as_it_stood_and_nothing_follows_it() {
    for kind in RecordKind::ALL {
        let r1 = created(1, entry(1), valid(kind));
        let h = history(std::slice::from_ref(&r1));
        let w = next(&r1, 2, withdrawn("Entered twice"), r1.record.clone());
        assert_eq!(h.check_next(&w), Ok(()), "{kind:?}");
        let h = history(&[r1.clone(), w.clone()]);
        // Kept in the history, with its reason.
        assert_eq!(
            h.latest().map(|r| r.change.reason()),
            Some(Some("Entered twice"))
        );
        // Nothing more: no correction, no second withdrawal, no end.
        for change in [corrected("undo"), withdrawn("again"), Change::Ended] {
            let after = next(&w, 3, change, w.record.clone());
            assert_eq!(
                h.check_next(&after),
                Err(RevisionError::Withdrawn),
                "{kind:?}"
            );
        }
    }
    // A withdrawal that changes anything would be a correction in disguise.
    let r1 = created(1, entry(1), Record::StopSearch(stop_search()));
    let h = history(std::slice::from_ref(&r1));
    let changed = next(
        &r1,
        2,
        withdrawn("Duplicate"),
        Record::StopSearch(stop_search_full()),
    );
    assert_eq!(
        h.check_next(&changed),
        Err(RevisionError::WithdrawalChangesMore)
    );
    let mut moved = next(&r1, 2, withdrawn("Duplicate"), r1.record.clone());
    moved.occurred_at -= Duration::minutes(5);
    assert_eq!(
        h.check_next(&moved),
        Err(RevisionError::WithdrawalChangesMore)
    );
    let mut renoted = next(&r1, 2, withdrawn("Duplicate"), r1.record.clone());
    renoted.notes = "other".into();
    assert_eq!(
        h.check_next(&renoted),
        Err(RevisionError::WithdrawalChangesMore)
    );
    // A withdrawal may follow a correction.
    let r2 = next(
        &r1,
        2,
        corrected("fix"),
        Record::StopSearch(stop_search_full()),
    );
    let h = history(&[r1, r2.clone()]);
    let w = next(&r2, 3, withdrawn("Wrong person"), r2.record.clone());
    assert_eq!(h.check_next(&w), Ok(()));
}

#[test]
fn a_withdrawal_needs_a_reason_like_a_correction() {
    let r1 = created(1, entry(1), Record::Note(note()));
    for blank in ["", "   \t"] {
        let w = next(&r1, 2, withdrawn(blank), r1.record.clone());
        let errors = w.check(now()).unwrap_err();
        assert!(
            errors.iter().any(|e| e.field == "reason"),
            "{blank:?}: {errors:?}"
        );
    }
    let long = next(&r1, 2, withdrawn(&"x".repeat(5000)), r1.record.clone());
    assert!(long
        .check(now())
        .unwrap_err()
        .iter()
        .any(|e| e.field == "reason"));
    let ok = next(
        &r1,
        2,
        withdrawn("Duplicate of the one before"),
        r1.record.clone(),
    );
    assert_eq!(ok.check(now()), Ok(()));
    // On the wire like a correction, under its own type.
    let json = serde_json::to_string(&ok.change).unwrap();
    assert_eq!(
        json,
        r#"{"type":"withdrawn","reason":"Duplicate of the one before"}"#
    );
}

#[test]
fn only_shifts_and_patrols_can_be_ended() {
    for kind in RecordKind::ALL {
        let r1 = created(1, entry(1), valid(kind));
        let h = history(std::slice::from_ref(&r1));
        let record = if kind.has_duration() {
            ended(&r1.record, "2024-06-01T21:40:00Z")
        } else {
            r1.record.clone()
        };
        let r2 = next(&r1, 2, Change::Ended, record);
        let want = if kind.has_duration() {
            Ok(())
        } else {
            Err(RevisionError::NotEndable)
        };
        assert_eq!(h.check_next(&r2), want, "{kind:?}");
    }
    assert!(RecordKind::Shift.has_duration() && RecordKind::Patrol.has_duration());
}

#[test]
fn ending_only_sets_the_end_time() {
    for kind in [RecordKind::Shift, RecordKind::Patrol] {
        let r1 = created(1, entry(1), valid(kind));
        let h = history(std::slice::from_ref(&r1));
        let end = next(
            &r1,
            2,
            Change::Ended,
            ended(&r1.record, "2024-06-01T21:40:00Z"),
        );
        assert_eq!(h.check_next(&end), Ok(()));

        let no_end_time = next(&r1, 2, Change::Ended, r1.record.clone());
        assert_eq!(
            h.check_next(&no_end_time),
            Err(RevisionError::EndChangesMore),
            "{kind:?} without ended_at"
        );

        let mut other_field = end.clone();
        match &mut other_field.record {
            Record::Shift(s) => s.callsign = "BX99".into(),
            Record::Patrol(p) => p.mode = Some(beatbook_core::codes::PatrolMode::Vehicle),
            _ => unreachable!(),
        }
        assert_eq!(
            h.check_next(&other_field),
            Err(RevisionError::EndChangesMore),
            "{kind:?} changing a field"
        );

        let mut moved_start = end.clone();
        moved_start.occurred_at -= Duration::minutes(1);
        assert_eq!(
            h.check_next(&moved_start),
            Err(RevisionError::EndChangesMore),
            "{kind:?} moving the start"
        );

        // Notes and location are part of the entry too: rewriting them is
        // a correction, which needs a reason.
        let mut new_notes = end.clone();
        new_notes.notes = "rewritten at the end".into();
        assert_eq!(
            h.check_next(&new_notes),
            Err(RevisionError::EndChangesMore),
            "{kind:?} rewriting the notes"
        );
        let mut moved_place = end.clone();
        moved_place.location = Some(beatbook_core::Location {
            lat: 1.0,
            lon: 1.0,
            accuracy_m: 5.0,
        });
        assert_ne!(moved_place.location, r1.location);
        assert_eq!(
            h.check_next(&moved_place),
            Err(RevisionError::EndChangesMore),
            "{kind:?} moving the location"
        );
    }
}

#[test]
fn an_entry_is_ended_only_once() {
    for kind in [RecordKind::Shift, RecordKind::Patrol] {
        let r1 = created(1, entry(1), valid(kind));
        let r2 = next(
            &r1,
            2,
            Change::Ended,
            ended(&r1.record, "2024-06-01T21:40:00Z"),
        );
        let mut h = history(&[r1.clone(), r2.clone()]);
        let again = next(
            &r2,
            3,
            Change::Ended,
            ended(&r1.record, "2024-06-01T21:50:00Z"),
        );
        assert_eq!(
            h.check_next(&again),
            Err(RevisionError::AlreadyEnded),
            "{kind:?}"
        );
        // A correction after the end is fine, and keeps it ended.
        let fix = next(
            &r2,
            3,
            corrected("end time was 21:45"),
            ended(&r1.record, "2024-06-01T21:45:00Z"),
        );
        assert_eq!(h.push(fix.clone()), Ok(()));
        let again = next(
            &fix,
            4,
            Change::Ended,
            ended(&r1.record, "2024-06-01T21:50:00Z"),
        );
        assert_eq!(
            h.check_next(&again),
            Err(RevisionError::AlreadyEnded),
            "{kind:?} after correction"
        );

        // Entered after the fact with its end time: already ended.
        let past = created(9, entry(9), ended(&valid(kind), "2024-06-01T21:30:00Z"));
        let h = history(std::slice::from_ref(&past));
        let end = next(&past, 10, Change::Ended, past.record.clone());
        assert_eq!(h.check_next(&end), Err(RevisionError::AlreadyEnded));
    }
}

// ------------------------------------------------------------------- group

struct Scenario {
    histories: Vec<History>,
    orphans: Vec<(Revision, RevisionError)>,
}

impl Scenario {
    fn all(&self) -> Vec<Revision> {
        let mut out: Vec<Revision> = self
            .histories
            .iter()
            .flat_map(|h| h.revisions().to_vec())
            .collect();
        out.extend(self.orphans.iter().map(|(r, _)| r.clone()));
        out
    }
}

/// Several complete histories plus revisions that cannot be placed, each with
/// the error `History::group` must give it.
fn scenario() -> Scenario {
    let mut id = 100;
    let mut fresh = || {
        id += 1;
        id
    };
    let shift_rec = Record::Shift(shift());
    let s1 = created(fresh(), entry(1_000), shift_rec.clone());
    let s2 = next(
        &s1,
        fresh(),
        corrected("team name"),
        Record::Shift(Shift {
            team: "Team B".into(),
            ..shift()
        }),
    );
    let s3 = next(
        &s2,
        fresh(),
        Change::Ended,
        Record::Shift(Shift {
            team: "Team B".into(),
            ended_at: Some(t("2024-06-01T21:50:00Z")),
            ..shift()
        }),
    );

    let p1 = created(fresh(), entry(11), Record::Patrol(patrol()));
    let p2 = next(
        &p1,
        fresh(),
        Change::Ended,
        ended(&p1.record, "2024-06-01T21:12:00Z"),
    );
    let p3 = next(
        &p2,
        fresh(),
        corrected("was by car"),
        ended(
            &Record::Patrol(Patrol {
                mode: Some(beatbook_core::codes::PatrolMode::Vehicle),
                ..patrol()
            }),
            "2024-06-01T21:12:00Z",
        ),
    );

    let ss1 = Revision {
        patrol_id: Some(entry(11)),
        ..created(fresh(), entry(12), Record::StopSearch(stop_search()))
    };
    let ss2 = next(
        &ss1,
        fresh(),
        corrected("outcome"),
        Record::StopSearch(stop_search_full()),
    );
    let ss3 = next(
        &ss2,
        fresh(),
        corrected("place"),
        Record::StopSearch(stop_search_full()),
    );
    let n1 = created(fresh(), entry(13), valid(RecordKind::Note));
    let a1 = created(fresh(), entry(14), valid(RecordKind::Arrest));

    // Unplaceable revisions.
    let g1 = created(fresh(), entry(20), valid(RecordKind::Note));
    let g3 = Revision {
        seq: 3,
        ..next(&g1, fresh(), corrected("gap"), valid(RecordKind::Note))
    };
    let headless = Revision {
        seq: 2,
        change: corrected("no original"),
        ..created(fresh(), entry(21), valid(RecordKind::Note))
    };
    let k1 = created(fresh(), entry(22), valid(RecordKind::Note));
    let k2 = next(
        &k1,
        fresh(),
        corrected("now an arrest"),
        valid(RecordKind::Arrest),
    );
    let d1 = created(fresh(), entry(23), valid(RecordKind::StopAccount));
    let d2a = next(
        &d1,
        fresh(),
        corrected("first device"),
        valid(RecordKind::StopAccount),
    );
    let d2b = next(
        &d1,
        fresh(),
        corrected("second device"),
        valid(RecordKind::StopAccount),
    );
    let c1 = created(fresh(), entry(24), valid(RecordKind::IjReferral));
    let c2 = Revision {
        officer_id: "PC 1".into(),
        ..next(
            &c1,
            fresh(),
            corrected("officer"),
            valid(RecordKind::IjReferral),
        )
    };
    let e1 = created(fresh(), entry(25), valid(RecordKind::Patrol));
    let e2 = next(
        &e1,
        fresh(),
        Change::Ended,
        ended(&e1.record, "2024-06-01T21:20:00Z"),
    );
    let e3 = next(
        &e2,
        fresh(),
        Change::Ended,
        ended(&e1.record, "2024-06-01T21:25:00Z"),
    );
    let twice = next(&n1, fresh(), Change::Created, valid(RecordKind::Note));
    let twice = Revision {
        entry_id: entry(26),
        seq: 2,
        ..twice
    };
    let twice1 = Revision {
        id: rev_id(fresh()),
        seq: 1,
        ..n1.clone()
    };
    let twice1 = Revision {
        entry_id: entry(26),
        ..twice1
    };

    assert!(d2a.id < d2b.id);
    let mut histories = vec![
        history(&[s1, s2, s3]),
        history(&[p1, p2, p3]),
        history(&[ss1, ss2, ss3]),
        history(&[n1]),
        history(&[a1]),
        history(&[g1]),
        history(&[k1]),
        history(&[d1, d2a]),
        history(&[c1]),
        history(&[e1, e2]),
        history(&[twice1]),
    ];
    histories.sort_by_key(|h| h.original().map(|r| r.entry_id));
    let orphans = vec![
        (
            g3,
            RevisionError::OutOfSequence {
                expected: 2,
                got: 3,
            },
        ),
        (headless, RevisionError::FirstMustBeCreation),
        (k2, RevisionError::KindChanged),
        (
            d2b,
            RevisionError::OutOfSequence {
                expected: 3,
                got: 2,
            },
        ),
        (c2, RevisionError::ContextChanged),
        (e3, RevisionError::AlreadyEnded),
        (twice, RevisionError::CreatedTwice),
    ];
    Scenario { histories, orphans }
}

fn sorted_orphans(mut o: Vec<(Revision, RevisionError)>) -> Vec<(Revision, RevisionError)> {
    o.sort_by_key(|(r, _)| r.id);
    o
}

#[test]
fn group_rebuilds_histories_and_sets_unplaceable_revisions_apart() {
    let s = scenario();
    let (histories, orphans) = History::group(s.all());
    assert_eq!(histories, s.histories);
    assert_eq!(sorted_orphans(orphans), sorted_orphans(s.orphans));
}

#[test]
fn group_of_nothing_is_nothing() {
    let (h, o) = History::group(Vec::new());
    assert!(h.is_empty() && o.is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn group_is_independent_of_input_order(shuffled in Just(scenario().all()).prop_shuffle()) {
        let s = scenario();
        let total = shuffled.len();
        let (histories, orphans) = History::group(shuffled);
        // Never drops one.
        let placed: usize = histories.iter().map(|h| h.revisions().len()).sum();
        prop_assert_eq!(placed + orphans.len(), total);
        prop_assert_eq!(histories, s.histories);
        prop_assert_eq!(sorted_orphans(orphans), sorted_orphans(s.orphans));
    }

    #[test]
    fn group_never_drops_a_revision(picks in proptest::sample::subsequence(scenario().all(), 0..=scenario().all().len()), dupes in 0usize..4) {
        // Any subset, with some revisions delivered twice.
        let mut input = picks.clone();
        input.extend(picks.iter().take(dupes).cloned());
        let mut want: Vec<_> = input.iter().map(|r| r.id).collect();
        let (histories, orphans) = History::group(input);
        let mut got: Vec<_> = histories.iter().flat_map(|h| h.revisions().iter().map(|r| r.id)).collect();
        got.extend(orphans.iter().map(|(r, _)| r.id));
        want.sort_unstable();
        got.sort_unstable();
        prop_assert_eq!(got, want);
        for h in &histories {
            prop_assert!(!h.revisions().is_empty());
            prop_assert_eq!(h.original().map(|r| (r.seq, &r.change)), Some((1, &Change::Created)));
            let entry = h.original().map(|r| r.entry_id);
            prop_assert!(h.revisions().iter().all(|r| Some(r.entry_id) == entry));
        }
    }
}

#[test]
fn a_phone_clock_running_ahead_is_judged_by_its_own_offset_up_to_a_day() {
    let now: chrono::DateTime<chrono::Utc> = "2026-11-20T12:00:00Z".parse().unwrap();
    let mut rev = created(1, entry(1), Record::Shift(common::shift()));
    rev.captured_at = "2026-11-20T14:00:00Z".parse().unwrap();
    rev.occurred_at = rev.captured_at;
    // Two hours ahead with no offset known: in the future.
    assert!(rev.check(rev.check_clock(now)).is_err());
    rev.clock_offset_ms = Some(-2 * 3_600_000);
    assert!(rev.check(rev.check_clock(now)).is_ok());
    // A phone running behind gains no slack; a wild offset is capped.
    rev.clock_offset_ms = Some(2 * 3_600_000);
    assert_eq!(rev.check_clock(now), now);
    rev.clock_offset_ms = Some(-100 * 3_600_000);
    assert_eq!(rev.check_clock(now), now + chrono::Duration::hours(24));
}

/// A valid chain link: 64 lowercase hex digits.
const LINK: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

#[test]
fn the_chain_link_round_trips_through_the_decoder_and_serde() {
    let mut rev = created(1, entry(1), Record::Shift(common::shift()));
    rev.prev = Some(LINK.into());
    let json = serde_json::to_string(&rev).unwrap();
    assert!(json.ends_with(&format!(r#","prev":"{LINK}"}}"#)), "{json}");
    // The hand-written decoder (`wire.rs`), from text and from a value.
    let back: Revision = serde_json::from_str(&json).unwrap();
    assert_eq!(back, rev);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(serde_json::from_value::<Revision>(value).unwrap(), rev);
    // Given twice, it is refused like any other field.
    let twice = json.replacen("{", &format!(r#"{{"prev":"{LINK}","#), 1);
    let err = serde_json::from_str::<Revision>(&twice).unwrap_err();
    assert!(err.to_string().contains("duplicate field `prev`"), "{err}");
    // Null reads as none (as the derive reads an Option).
    let null = json.replace(&format!(r#""prev":"{LINK}""#), r#""prev":null"#);
    assert_eq!(serde_json::from_str::<Revision>(&null).unwrap().prev, None);
}

#[test]
fn a_revision_without_a_link_keeps_its_bytes() {
    let rev = created(1, entry(1), Record::Shift(common::shift()));
    assert_eq!(rev.prev, None);
    let bytes = beatbook_core::sync::canonical_bytes(&rev).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    assert!(!text.contains("prev"), "{text}");
    // The bytes an app without the field made: read and re-encoded, the same.
    let back: Revision = serde_json::from_str(&text).unwrap();
    assert_eq!(
        beatbook_core::sync::canonical_bytes(&back).unwrap(),
        text.as_bytes()
    );
}

#[test]
fn a_bad_chain_link_is_refused_by_name() {
    let now: chrono::DateTime<chrono::Utc> = "2026-11-20T12:00:00Z".parse().unwrap();
    let mut rev = created(1, entry(1), Record::Shift(common::shift()));
    rev.captured_at = "2026-11-20T11:00:00Z".parse().unwrap();
    rev.occurred_at = rev.captured_at;
    rev.prev = Some(LINK.into());
    assert_eq!(rev.check(now), Ok(()));
    let upper = LINK.to_uppercase();
    let short = &LINK[..63];
    let long = format!("{LINK}0");
    let not_hex = LINK.replacen('9', "g", 1);
    for bad in [
        upper.as_str(),
        short,
        long.as_str(),
        not_hex.as_str(),
        "",
        "é",
    ] {
        rev.prev = Some(bad.into());
        let errors = rev.check(now).unwrap_err();
        assert_eq!(errors.len(), 1, "{bad}: {errors:?}");
        assert_eq!(errors[0].field, "prev");
        assert_eq!(
            errors[0].problem,
            beatbook_core::Problem::Rule(beatbook_core::Rule::BadChainLink)
        );
        assert!(
            errors[0].to_string().contains("64 lowercase hexadecimal"),
            "{}",
            errors[0]
        );
    }
}
