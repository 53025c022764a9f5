//! Property test of the push decoder: whatever arrives, it never panics and
//! answers either a 4xx request error or exactly one result per change.
// Tests may panic on the unexpected: clippy.toml allows unwrap/expect in
// #[test] functions, and these helpers are test code too.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use beatbook_core::sync::PROTOCOL_VERSION;
use beatbook_server::sync::ingest::{decode_push, Slot};
use beatbook_tools::sample::Device;
use chrono::Utc;
use proptest::prelude::*;
use serde_json::{json, Value};

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u32>().prop_map(Value::from),
        (-1e12f64..1e12).prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
        Just(Value::from("2026-01-01T00:00:00Z")),
        Just(Value::from("2999-01-01T00:00:00Z")),
        Just(Value::from("note")),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// The decoder's contract for one input.
fn check(bytes: &[u8], changes: Option<usize>) -> Result<(), TestCaseError> {
    match decode_push(bytes, Utc::now()) {
        Err(e) => {
            prop_assert!(e.status().is_client_error(), "{e} gave {}", e.status());
            prop_assert!(!e.to_string().is_empty());
        }
        Ok(push) => {
            if let Some(n) = changes {
                prop_assert_eq!(push.slots.len(), n);
            }
            for (i, slot) in push.slots.iter().enumerate() {
                match slot {
                    Slot::Ready(a) => prop_assert_eq!(a.index, i),
                    Slot::Answered(r) => {
                        prop_assert_eq!(r.index, i);
                        prop_assert!(!r.outcome.is_acknowledged());
                    }
                }
            }
        }
    }
    Ok(())
}

fn valid_change() -> Value {
    let rev = Device::new(9, "officer-p", Utc::now())
        .revisions(3)
        .remove(2);
    serde_json::to_value(rev).unwrap_or(Value::Null)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        check(&bytes, None)?;
    }

    #[test]
    fn arbitrary_json(value in json_value()) {
        check(&serde_json::to_vec(&value).unwrap_or_default(), None)?;
    }

    #[test]
    fn arbitrary_changes(changes in prop::collection::vec(json_value(), 0..8), protocol in prop_oneof![Just(PROTOCOL_VERSION), any::<u32>()]) {
        let n = changes.len();
        let body = json!({"protocol": protocol, "device_id": "d", "changes": changes});
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        let result = decode_push(&bytes, Utc::now());
        if protocol != PROTOCOL_VERSION {
            prop_assert!(result.is_err());
        }
        check(&bytes, Some(n))?;
    }

    #[test]
    fn a_valid_change_with_one_field_replaced(field in prop::sample::select(vec![
        "id", "entry_id", "seq", "officer_id", "captured_at", "occurred_at", "shift_id",
        "patrol_id", "location", "notes", "change", "record", "clock_offset_ms", "prev",
    ]), value in json_value()) {
        let mut change = valid_change();
        change[field] = value;
        let body = json!({"protocol": PROTOCOL_VERSION, "device_id": "d", "changes": [change]});
        check(&serde_json::to_vec(&body).unwrap_or_default(), Some(1))?;
    }

    #[test]
    fn a_valid_push_cut_short(cut in 0usize..2000) {
        let body = json!({"protocol": PROTOCOL_VERSION, "device_id": "d", "changes": [valid_change(), valid_change()]});
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        let cut = cut.min(bytes.len());
        check(&bytes[..cut], None)?;
    }
}
