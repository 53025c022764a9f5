//! Browser storage, in headless Chromium (wasm-bindgen-test).
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod support;

use beatbook::storage::{self, StoreError, QUARANTINE_PREFIX, REVISION_PREFIX, V1_LOG_KEY};
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn sorted_ids(revs: &[beatbook_core::Revision]) -> Vec<String> {
    let mut ids: Vec<String> = revs.iter().map(|r| r.id.to_string()).collect();
    ids.sort();
    ids
}

#[wasm_bindgen_test]
async fn saved_revisions_load_back_identical() {
    let v = test_vault().await;
    clear_storage();
    let s = shift(1);
    let notes: Vec<_> = (0..20).map(|i| note(i, &s, &format!("note {i}"))).collect();
    storage::save(&s, &v).await.unwrap();
    for n in &notes {
        storage::save(n, &v).await.unwrap();
    }
    let loaded = storage::load(&v).await.unwrap();
    assert!(loaded.quarantined.is_empty());
    assert_eq!(loaded.revisions.len(), 21);
    for n in &notes {
        assert!(loaded.revisions.contains(n), "missing {}", n.id);
    }
    assert!(loaded.revisions.contains(&s));
}

#[wasm_bindgen_test]
async fn a_save_writes_one_key_and_never_rewrites_the_log() {
    let v = test_vault().await;
    clear_storage();
    let s = shift(1);
    storage::save(&s, &v).await.unwrap();
    let before = raw_storage()
        .get_item(&storage::revision_key(s.id))
        .unwrap();
    let keys_before = raw_storage().length().unwrap();
    storage::save(&note(1, &s, "x"), &v).await.unwrap();
    assert_eq!(raw_storage().length().unwrap(), keys_before + 1);
    assert_eq!(
        raw_storage()
            .get_item(&storage::revision_key(s.id))
            .unwrap(),
        before
    );
}

#[wasm_bindgen_test]
async fn corrupt_and_unknown_version_data_is_kept_aside_not_deleted() {
    let v = test_vault().await;
    clear_storage();
    let s = shift(1);
    storage::save(&s, &v).await.unwrap();
    let raw = raw_storage();
    let bad_json = format!("{REVISION_PREFIX}broken");
    let future = format!("{REVISION_PREFIX}future");
    let damaged = format!("{REVISION_PREFIX}damaged");
    raw.set_item(&bad_json, "{\"v\":2,\"rev\":{tru").unwrap();
    raw.set_item(&future, "{\"v\":9,\"rev\":{}}").unwrap();
    raw.set_item(&damaged, "{\"v\":2,\"rev\":{\"id\":\"nope\"}}")
        .unwrap();

    let loaded = storage::load(&v).await.unwrap();
    assert_eq!(loaded.revisions, vec![s.clone()]);
    assert_eq!(loaded.quarantined.len(), 3);
    let reasons: Vec<_> = loaded
        .quarantined
        .iter()
        .map(|q| q.reason.clone())
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("newer Beatbook (format 9)")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("not readable JSON")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("damaged entry")),
        "{reasons:?}"
    );
    // Moved aside with the exact bytes, and no longer under the live prefix.
    assert_eq!(
        raw.get_item(&format!("{QUARANTINE_PREFIX}{bad_json}"))
            .unwrap()
            .as_deref(),
        Some("{\"v\":2,\"rev\":{tru")
    );
    assert!(raw.get_item(&bad_json).unwrap().is_none());

    // A second start reports them again and still loads the good entry.
    let again = storage::load(&v).await.unwrap();
    assert_eq!(again.revisions, vec![s]);
    assert_eq!(again.quarantined.len(), 3);
}

#[wasm_bindgen_test]
async fn full_quota_refuses_the_save_and_loses_nothing() {
    let v = test_vault().await;
    clear_storage();
    let s = shift(1);
    let saved: Vec<_> = (0..10).map(|i| note(i, &s, "kept")).collect();
    storage::save(&s, &v).await.unwrap();
    for n in &saved {
        storage::save(n, &v).await.unwrap();
    }
    // Fill the origin's quota with filler until the browser refuses.
    let raw = raw_storage();
    let chunk = "x".repeat(256 * 1024);
    let mut filler = 0;
    while raw.set_item(&format!("filler:{filler}"), &chunk).is_ok() {
        filler += 1;
        assert!(filler < 1000, "quota never reached");
    }
    let small = "y".repeat(1024);
    while raw.set_item(&format!("filler:{filler}"), &small).is_ok() {
        filler += 1;
    }

    let big_note = note(99, &s, &"z".repeat(3000));
    let result = storage::save(&big_note, &v).await;
    assert!(
        matches!(result, Err(StoreError::QuotaExceeded)),
        "{result:?}"
    );
    assert!(result
        .unwrap_err()
        .to_string()
        .contains("Nothing already saved is lost"));

    let loaded = storage::load(&v).await.unwrap();
    assert_eq!(
        sorted_ids(&loaded.revisions),
        sorted_ids(&[&[s.clone()][..], &saved[..]].concat())
    );
    for i in 0..filler {
        raw.remove_item(&format!("filler:{i}")).unwrap();
    }
    storage::save(&big_note, &v).await.unwrap();
}

#[wasm_bindgen_test]
async fn format_1_log_is_migrated_and_bad_old_entries_are_kept_aside() {
    let v = test_vault().await;
    clear_storage();
    let shift_id = "6f1c2e1a-2b3c-4d5e-8f90-0a1b2c3d4e5f";
    let v1 = format!(
        r#"{{"version":1,"entries":[
        {{"id":"{shift_id}","kind":"shift","time":"2026-10-01T18:00:00Z","officer":"PC77",
          "fields":{{"role":"pcso","callsign":"K9","team":"North"}}}},
        {{"id":"0e8a4b5c-1111-4222-8333-444455556666","kind":"note","time":"2026-10-01T18:30:00Z",
          "officer":"PC77","shift":"{shift_id}","notes":"old",
          "fields":{{"category":"reassurance","text":"Spoke to shop staff"}}}},
        {{"id":"not-a-uuid","kind":"note","time":"2026-10-01T19:00:00Z","officer":"PC77","fields":{{}}}}
    ]}}"#
    );
    let raw = raw_storage();
    raw.set_item(V1_LOG_KEY, &v1).unwrap();

    let loaded = storage::load(&v).await.unwrap();
    assert_eq!(loaded.migrated_from, Some(1));
    assert_eq!(loaded.revisions.len(), 2);
    assert_eq!(loaded.quarantined.len(), 1);
    assert!(
        raw.get_item(V1_LOG_KEY).unwrap().is_none(),
        "old log removed once migrated"
    );
    let note = loaded
        .revisions
        .iter()
        .find(|r| r.kind() == beatbook_core::RecordKind::Note)
        .unwrap();
    assert_eq!(note.seq, 1);
    assert_eq!(note.notes, "old");
    assert_eq!(note.shift_id.unwrap().to_string(), shift_id);
    assert_eq!(
        note.record.summary(),
        "Reassurance visit: Spoke to shop staff"
    );
    let log = beatbook_core::Log::from_revisions(loaded.revisions.clone());
    assert!(log.unplaced().is_empty());

    // Migration is not repeated, and nothing is duplicated on the next start.
    let again = storage::load(&v).await.unwrap();
    assert_eq!(again.migrated_from, None);
    assert_eq!(sorted_ids(&again.revisions), sorted_ids(&loaded.revisions));
}

#[wasm_bindgen_test]
async fn unreadable_old_log_is_kept_aside() {
    let v = test_vault().await;
    clear_storage();
    raw_storage().set_item(V1_LOG_KEY, "[[[").unwrap();
    let loaded = storage::load(&v).await.unwrap();
    assert!(loaded.revisions.is_empty());
    assert_eq!(loaded.quarantined.len(), 1);
    assert_eq!(
        raw_storage()
            .get_item(&format!("{QUARANTINE_PREFIX}{V1_LOG_KEY}"))
            .unwrap()
            .as_deref(),
        Some("[[[")
    );
}
