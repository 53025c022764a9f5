//! Laws of the sync protocol, checked against a model of the server store:
//! revisions by ID (canonical bytes) plus the (entry, seq) slot index, with
//! `classify` deciding and only `New` inserting, as the server does.
mod common;

use beatbook_core::codes::AsbPower;
use beatbook_core::record::{Note, MAX_PSPO_PENALTY};
use beatbook_core::sync::*;
use beatbook_core::{EntryId, FieldError, Problem, Record, RecordKind, Revision, RevisionId, Rule};
use common::*;
use proptest::prelude::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Default, PartialEq)]
struct Store {
    revisions: BTreeMap<RevisionId, Vec<u8>>,
    slots: BTreeMap<(EntryId, u32), RevisionId>,
    kinds: BTreeMap<EntryId, RecordKind>,
}

fn bytes(rev: &Revision) -> Vec<u8> {
    canonical_bytes(rev).unwrap_or_else(|e| panic!("cannot encode {rev:?}: {e}"))
}

impl Store {
    fn push(&mut self, rev: &Revision) -> Classification {
        let canonical = bytes(rev);
        let existing = Existing {
            same_id: self.revisions.get(&rev.id).map(Vec::as_slice),
            same_slot: self.slots.get(&(rev.entry_id, rev.seq)).copied(),
            entry_kind: self.kinds.get(&rev.entry_id).copied(),
        };
        let class = classify(rev, &canonical, existing);
        if class == Classification::New {
            self.revisions.insert(rev.id, canonical);
            self.slots.insert((rev.entry_id, rev.seq), rev.id);
            self.kinds.entry(rev.entry_id).or_insert(rev.kind());
        }
        class
    }

    /// Everything in `self` is still in `later`, unchanged.
    fn is_kept_by(&self, later: &Store) -> bool {
        self.revisions
            .iter()
            .all(|(id, b)| later.revisions.get(id) == Some(b))
            && self
                .slots
                .iter()
                .all(|(slot, id)| later.slots.get(slot) == Some(id))
            && self
                .kinds
                .iter()
                .all(|(e, k)| later.kinds.get(e) == Some(k))
    }

    fn holds(&self, rev: &Revision) -> bool {
        self.revisions.get(&rev.id) == Some(&bytes(rev))
            && self.slots.get(&(rev.entry_id, rev.seq)) == Some(&rev.id)
    }
}

fn acknowledged(c: &Classification) -> bool {
    matches!(c, Classification::New | Classification::Identical)
}

/// A valid record of one of several kinds (and branches).
fn record(choice: usize) -> Record {
    let all = all_valid_records();
    all[choice % all.len()].1.clone()
}

/// A revision from small pools of IDs, entries, sequence numbers and record
/// types, so that identical retries and every kind of conflict are likely.
fn arb_revision() -> impl Strategy<Value = Revision> {
    (0u128..8, 0u128..4, 1u32..=3, 0usize..64, 0u8..3).prop_map(
        |(id, entry_n, seq, rec, variant)| {
            let mut r = created(id, entry(entry_n), record(rec));
            r.seq = seq;
            if seq > 1 {
                r.change = corrected("fix");
            }
            r.notes = format!("variant {variant}");
            r
        },
    )
}

/// Revisions that never conflict: unique IDs, unique slots and one record
/// type per entry.
fn arb_consistent() -> impl Strategy<Value = Vec<Revision>> {
    prop::collection::vec((0usize..64, 1u32..=4), 1..6).prop_map(|entries| {
        let mut out = Vec::new();
        let mut id = 0;
        for (e, (rec, count)) in entries.into_iter().enumerate() {
            let base = record(rec);
            for seq in 1..=count {
                id += 1;
                let mut r = created(id, entry(e as u128 + 1), base.clone());
                r.seq = seq;
                if seq > 1 {
                    r.change = corrected("fix");
                    r.notes = format!("correction {seq}");
                }
                out.push(r);
            }
        }
        out
    })
}

/// Batches, and a schedule that pushes them (by index) in any order, any
/// number of times.
fn arb_pushes() -> impl Strategy<Value = (Vec<Vec<Revision>>, Vec<usize>)> {
    prop::collection::vec(prop::collection::vec(arb_revision(), 1..6), 1..6).prop_flat_map(
        |batches| {
            let n = batches.len();
            (Just(batches), prop::collection::vec(0..n, 0..16))
        },
    )
}

/// Each distinct revision once, in order of first appearance.
fn distinct(revs: impl IntoIterator<Item = Revision>) -> Vec<Revision> {
    let mut seen = BTreeSet::new();
    revs.into_iter().filter(|r| seen.insert(bytes(r))).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Repeating batches any number of times, in any order, stores exactly
    /// what pushing each distinct revision once stores.
    #[test]
    fn idempotency((batches, schedule) in arb_pushes()) {
        let pushed: Vec<Revision> = schedule.iter().flat_map(|i| batches[*i].clone()).collect();
        let mut store = Store::default();
        let mut first: BTreeMap<Vec<u8>, Classification> = BTreeMap::new();
        for rev in &pushed {
            let class = store.push(rev);
            match first.get(&bytes(rev)) {
                None => { first.insert(bytes(rev), class); }
                // A retry of something held is recognised, never re-stored.
                Some(c) if acknowledged(c) => prop_assert_eq!(class, Classification::Identical),
                // A retry of a conflict is still a conflict.
                Some(_) => prop_assert!(matches!(class, Classification::Conflict(_)), "{:?}", class),
            }
        }
        let mut once = Store::default();
        for rev in distinct(pushed) {
            once.push(&rev);
        }
        prop_assert_eq!(store, once);
    }

    /// A conflicting revision never replaces what is stored; nothing stored
    /// ever changes or disappears.
    #[test]
    fn no_overwrite(revs in prop::collection::vec(arb_revision(), 1..40)) {
        let mut store = Store::default();
        for rev in &revs {
            let before = store.clone();
            let class = store.push(rev);
            prop_assert!(before.is_kept_by(&store));
            match class {
                Classification::New => {
                    prop_assert!(!before.revisions.contains_key(&rev.id));
                    prop_assert_eq!(store.revisions.len(), before.revisions.len() + 1);
                }
                Classification::Identical | Classification::Conflict(_) => prop_assert_eq!(&store, &before),
            }
            if let Classification::Conflict(reason) = &class {
                match reason {
                    ConflictReason::SameIdDifferentContent => {
                        prop_assert!(before.revisions.get(&rev.id).is_some_and(|b| *b != bytes(rev)));
                    }
                    ConflictReason::SequenceTaken { seq } => {
                        prop_assert_eq!(*seq, rev.seq);
                        prop_assert!(before.slots.get(&(rev.entry_id, rev.seq)).is_some_and(|id| *id != rev.id));
                    }
                    ConflictReason::KindMismatch => {
                        prop_assert!(before.kinds.get(&rev.entry_id).is_some_and(|k| *k != rev.kind()));
                    }
                }
                prop_assert!(!store.holds(rev));
            }
        }
    }

    /// Whatever is acknowledged (New or Identical) is in the store, byte for
    /// byte and in its slot, at once and after every later push.
    #[test]
    fn acknowledgement((batches, schedule) in arb_pushes()) {
        let mut store = Store::default();
        let mut acked: Vec<Revision> = Vec::new();
        for i in schedule {
            for rev in &batches[i] {
                if acknowledged(&store.push(rev)) {
                    prop_assert!(store.holds(rev));
                    acked.push(rev.clone());
                }
            }
        }
        for rev in &acked {
            prop_assert!(store.holds(rev), "acknowledged {:?} then lost", rev.id);
        }
        // And the store holds nothing that was not acknowledged.
        let ids: BTreeSet<RevisionId> = acked.iter().map(|r| r.id).collect();
        prop_assert_eq!(store.revisions.keys().copied().collect::<BTreeSet<_>>(), ids);
    }

    /// Without conflicts, the order of arrival (and any retries) does not
    /// change what ends up stored, and everything is acknowledged.
    #[test]
    fn order_independence(
        (revs, order, retries) in arb_consistent().prop_flat_map(|revs| {
            let n = revs.len();
            (Just(revs.clone()), Just(revs).prop_shuffle(), prop::collection::vec(0..n, 0..10))
        })
    ) {
        let mut reference = Store::default();
        for rev in &revs {
            prop_assert_eq!(reference.push(rev), Classification::New);
        }
        let mut arrival = order.clone();
        arrival.extend(retries.iter().map(|i| revs[*i].clone()));
        let mut store = Store::default();
        for rev in &arrival {
            prop_assert!(acknowledged(&store.push(rev)));
        }
        prop_assert_eq!(&store, &reference);
        for rev in &revs {
            prop_assert!(store.holds(rev));
        }
    }

    /// Canonical bytes ignore key order, whitespace and how times and
    /// numbers are spelled in the incoming JSON.
    #[test]
    fn canonical_bytes_ignore_json_spelling(rev in arb_revision(), reverse in any::<bool>(), pretty in any::<bool>()) {
        let original = bytes(&rev);
        let value: Value = serde_json::from_slice(&original).unwrap_or_default();
        let mut text = String::new();
        respell(&value, reverse, pretty, 0, &mut text);
        prop_assert_ne!(text.as_bytes(), &original[..]);
        let parsed: Revision = serde_json::from_str(&text).map_err(|e| TestCaseError::fail(format!("{e}: {text}")))?;
        prop_assert_eq!(&parsed, &rev);
        prop_assert_eq!(bytes(&parsed), original);
    }
}

/// Writes `v` as JSON with object keys in reverse order (or not), padded
/// with whitespace (or indented).
fn respell(v: &Value, reverse: bool, pretty: bool, depth: usize, out: &mut String) {
    let gap = if pretty {
        format!("\n{}", "  ".repeat(depth + 1))
    } else {
        " ".into()
    };
    match v {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            if reverse {
                entries.reverse();
            } else {
                let half = entries.len() / 2;
                entries.rotate_left(half);
            }
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&gap);
                out.push_str(&serde_json::to_string(k).unwrap_or_default());
                out.push_str(" :\t");
                respell(v, reverse, pretty, depth + 1, out);
            }
            out.push_str(&gap);
            out.push('}');
        }
        Value::Array(items) => {
            out.push_str("[ ");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(" , ");
                }
                respell(item, reverse, pretty, depth + 1, out);
            }
            out.push_str(" ]");
        }
        other => out.push_str(&other.to_string()),
    }
}

#[test]
fn canonical_bytes_ignore_time_zone_and_number_spelling() {
    let rev = created(1, entry(1), valid(RecordKind::Arrest));
    let original = bytes(&rev);
    let text = String::from_utf8(original.clone()).unwrap_or_default();
    assert!(
        text.contains("\"occurred_at\":\"2024-06-01T21:00:00Z\""),
        "{text}"
    );
    assert!(text.contains("\"accuracy_m\":12.5"), "{text}");
    let respelled = text
        .replace(
            "\"occurred_at\":\"2024-06-01T21:00:00Z\"",
            "\"occurred_at\" : \"2024-06-01T22:00:00.000+01:00\"",
        )
        .replace("\"accuracy_m\":12.5", "\"accuracy_m\": 1.250e1");
    assert_ne!(respelled, text);
    let parsed: Revision = serde_json::from_str(&respelled).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(bytes(&parsed), original);
}

#[test]
fn canonical_bytes_differ_when_content_differs() {
    let rev = created(1, entry(1), valid(RecordKind::Note));
    let mut other = rev.clone();
    other.record = Record::Note(Note {
        text: "Something else".into(),
        ..note()
    });
    assert_ne!(bytes(&rev), bytes(&other));
    let mut other = rev.clone();
    other.captured_at += chrono::Duration::milliseconds(1);
    assert_ne!(bytes(&rev), bytes(&other));
}

#[test]
fn classify_names_each_conflict() {
    let a = created(1, entry(1), valid(RecordKind::Note));
    let mut store = Store::default();
    assert_eq!(store.push(&a), Classification::New);
    assert_eq!(store.push(&a), Classification::Identical);

    let mut same_id = a.clone();
    same_id.notes = "edited in place".into();
    assert_eq!(
        store.push(&same_id),
        Classification::Conflict(ConflictReason::SameIdDifferentContent)
    );

    let mut same_slot = a.clone();
    same_slot.id = rev_id(2);
    assert_eq!(
        store.push(&same_slot),
        Classification::Conflict(ConflictReason::SequenceTaken { seq: 1 })
    );

    let other_kind = Revision {
        seq: 2,
        change: corrected("now an arrest"),
        ..created(3, entry(1), valid(RecordKind::Arrest))
    };
    assert_eq!(
        store.push(&other_kind),
        Classification::Conflict(ConflictReason::KindMismatch)
    );

    let next_one = next(&a, 4, corrected("typo"), valid(RecordKind::Note));
    assert_eq!(store.push(&next_one), Classification::New);
    assert_eq!(store.revisions.len(), 2);
    assert_eq!(store.revisions.get(&a.id), Some(&bytes(&a)));
}

// ----------------------------------------------------------- wire format

fn all_revisions() -> Vec<Revision> {
    all_valid_records()
        .into_iter()
        .enumerate()
        .map(|(i, (_, rec))| {
            let mut r = created(i as u128 + 1, entry(i as u128 + 1), rec);
            if i % 3 == 1 {
                r.seq = 2;
                r.change = corrected("Wrong place, was Mill Lane");
                r.location = None;
                r.patrol_id = Some(entry(500));
            }
            if i % 3 == 2 && r.kind().has_duration() {
                r.change = beatbook_core::Change::Ended;
            }
            r.notes = format!("note {i} \"quoted\" £ é\nline");
            r
        })
        .collect()
}

#[test]
fn push_request_round_trips_through_json() {
    let request = PushRequest {
        device_time: None,
        protocol: PROTOCOL_VERSION,
        device_id: "device-7f3a".into(),
        changes: all_revisions(),
    };
    let json = serde_json::to_string(&request).unwrap_or_else(|e| panic!("{e}"));
    let back: PushRequest<Revision> = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back, request);
    // The server first reads each change as raw JSON; each still reads as
    // the same revision with the same canonical bytes.
    let raw: PushRequest<Value> = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(raw.protocol, PROTOCOL_VERSION);
    assert_eq!(raw.changes.len(), request.changes.len());
    for (value, rev) in raw.changes.into_iter().zip(&request.changes) {
        let typed: Revision = serde_json::from_value(value).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(&typed, rev);
        assert_eq!(bytes(&typed), bytes(rev));
    }
}

#[test]
fn push_request_uses_stable_codes_on_the_wire() {
    let rev = created(1, entry(1), Record::AsbIntervention(asb(AsbPower::Pspo)));
    let v = serde_json::to_value(&rev).unwrap_or_default();
    assert!(v["record"]["asb_intervention"].is_object(), "{v}");
    assert_eq!(v["record"]["asb_intervention"]["power"], "pspo");
    assert_eq!(
        v["record"]["asb_intervention"]["penalty_amount"],
        MAX_PSPO_PENALTY
    );
    assert_eq!(v["change"]["type"], "created");
    assert_eq!(v["entry_id"], entry(1).to_string());
}

#[test]
fn push_response_round_trips_through_json() {
    let at = t("2024-06-01T22:00:01.5Z");
    let every_problem = vec![
        FieldError {
            field: "grounds".into(),
            problem: Problem::Missing {
                what: "the grounds".into(),
            },
        },
        FieldError {
            field: "power".into(),
            problem: Problem::NotChosen {
                what: "the legal power".into(),
            },
        },
        FieldError {
            field: "notes".into(),
            problem: Problem::TooLong { max: 4000 },
        },
        FieldError {
            field: "callsign".into(),
            problem: Problem::ControlCharacters,
        },
        FieldError {
            field: "persons".into(),
            problem: Problem::NotANumber,
        },
        FieldError {
            field: "persons".into(),
            problem: Problem::OutOfRange { min: 1, max: 500 },
        },
        FieldError {
            field: "deadline".into(),
            problem: Problem::BadDate,
        },
        FieldError {
            field: "caution_at".into(),
            problem: Problem::BadDateTime,
        },
        FieldError {
            field: "power".into(),
            problem: Problem::UnknownOption,
        },
        FieldError {
            field: "necessity".into(),
            problem: Problem::Rule(Rule::NoNecessityCriterion),
        },
        FieldError {
            field: "occurred_at".into(),
            problem: Problem::Rule(Rule::InTheFuture),
        },
    ];
    let results = vec![
        ChangeResult {
            message: None,
            retry: false,
            index: 0,
            id: Some(rev_id(1)),
            outcome: Outcome::Stored { received_at: at },
        },
        ChangeResult {
            message: None,
            retry: false,
            index: 1,
            id: Some(rev_id(2)),
            outcome: Outcome::AlreadyHad { received_at: at },
        },
        ChangeResult {
            message: None,
            retry: false,
            index: 2,
            id: Some(rev_id(3)),
            outcome: Outcome::Conflict {
                reason: ConflictReason::SameIdDifferentContent,
            },
        },
        ChangeResult {
            message: None,
            retry: false,
            index: 3,
            id: Some(rev_id(4)),
            outcome: Outcome::Conflict {
                reason: ConflictReason::SequenceTaken { seq: 7 },
            },
        },
        ChangeResult {
            message: None,
            retry: false,
            index: 4,
            id: Some(rev_id(5)),
            outcome: Outcome::Conflict {
                reason: ConflictReason::KindMismatch,
            },
        },
        ChangeResult {
            message: None,
            retry: false,
            index: 5,
            id: None,
            outcome: Outcome::Rejected {
                reason: Rejection::Malformed {
                    detail: "expected value at line 1".into(),
                },
            },
        },
        ChangeResult {
            message: None,
            retry: false,
            index: 6,
            id: Some(rev_id(7)),
            outcome: Outcome::Rejected {
                reason: Rejection::Invalid {
                    errors: every_problem,
                },
            },
        },
        ChangeResult {
            message: None,
            retry: false,
            index: 7,
            id: Some(rev_id(8)),
            outcome: Outcome::Rejected {
                reason: Rejection::NotYourEntry,
            },
        },
    ];
    let response = PushResponse {
        protocol: PROTOCOL_VERSION,
        server_time: at,
        results,
    };
    let json = serde_json::to_string(&response).unwrap_or_else(|e| panic!("{e}"));
    let back: PushResponse = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back, response);

    // The outcome sits beside index and id (flattened), tagged by name.
    let v: Value = serde_json::from_str(&json).unwrap_or_default();
    assert_eq!(v["results"][0]["outcome"], "stored");
    assert_eq!(v["results"][0]["index"], 0);
    assert_eq!(v["results"][3]["reason"]["conflict"], "sequence_taken");
    assert_eq!(v["results"][3]["reason"]["seq"], 7);
    assert_eq!(v["results"][5]["id"], Value::Null);

    let acked: Vec<bool> = back
        .results
        .iter()
        .map(|r| r.outcome.is_acknowledged())
        .collect();
    assert_eq!(
        acked,
        [true, true, false, false, false, false, false, false]
    );
}

#[test]
fn a_push_request_written_by_hand_is_read() {
    let json = r#"{
        "device_id": "d1", "protocol": 1,
        "changes": [{
            "record": {"note": {"text": "Quiet night", "category": "general"}},
            "change": {"type": "corrected", "reason": "spelling"},
            "occurred_at": "2024-06-01T21:00:00+01:00",
            "captured_at": "2024-06-01T20:01:00Z",
            "officer_id": "PC 1",
            "seq": 2,
            "entry_id": "00000000-0000-4000-8000-000000000001",
            "id": "00000000-0000-4000-8000-000000000002",
            "shift_id": "00000000-0000-4000-8000-000000000003"
        }]
    }"#;
    let request: PushRequest<Revision> =
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}"));
    let rev = &request.changes[0];
    assert_eq!(rev.occurred_at, t("2024-06-01T20:00:00Z"));
    assert_eq!(rev.location, None, "location may be left out");
    assert_eq!(rev.notes, "");
    assert_eq!(rev.check(now()), Ok(()));
    assert_eq!(rev.change, corrected("spelling"));
}

#[test]
fn a_reference_not_here_yet_is_a_retryable_refusal_and_the_app_reads_it_so() {
    let at = beatbook_core::time::parse("2026-11-27T08:30:00Z").unwrap_or_default();
    let results = vec![
        ChangeResult::new(
            0,
            None,
            Outcome::Rejected {
                reason: Rejection::ReferenceMissing {
                    field: "shift_id".into(),
                },
            },
        ),
        ChangeResult::new(
            1,
            None,
            Outcome::Rejected {
                reason: Rejection::ReferenceNotYours {
                    field: "patrol_id".into(),
                },
            },
        ),
        ChangeResult::new(
            2,
            None,
            Outcome::Rejected {
                reason: Rejection::ReferenceWrongKind {
                    field: "linked_stop".into(),
                    expected: "a stop and search".into(),
                },
            },
        ),
        ChangeResult::new(3, None, Outcome::Stored { received_at: at }),
    ];
    let retry: Vec<bool> = results.iter().map(|r| r.retry).collect();
    assert_eq!(retry, [true, false, false, false]);
    let response = PushResponse {
        protocol: PROTOCOL_VERSION,
        server_time: at,
        results,
    };
    let json = serde_json::to_string(&response).unwrap_or_else(|e| panic!("{e}"));
    let v: Value = serde_json::from_str(&json).unwrap_or_default();
    assert_eq!(v["results"][0]["reason"]["rejection"], "reference_missing");
    assert_eq!(v["results"][0]["reason"]["field"], "shift_id");
    assert_eq!(v["results"][0]["retry"], true);
    // Only a retryable answer carries the flag.
    assert!(v["results"][1].get("retry").is_none());
    assert_eq!(
        v["results"][1]["reason"]["rejection"],
        "reference_not_yours"
    );
    assert_eq!(
        v["results"][2]["reason"]["rejection"],
        "reference_wrong_kind"
    );
    let back: PushResponse = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back, response);
    let answers: beatbook_core::sync::PushAnswers =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
    let finals: Vec<bool> = answers.results.iter().map(|a| a.is_final()).collect();
    assert_eq!(finals, [false, true, true, true]);
    assert_eq!(
        answers.results[0].message.as_deref(),
        Some("the shift_id names an entry that has not reached the server yet; it will be sent again")
    );
    assert_eq!(
        answers.results[2].message.as_deref(),
        Some("the linked_stop does not name a stop and search")
    );
}
