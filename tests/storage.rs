//! Browser storage, in headless Chromium (wasm-bindgen-test).
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod support;

use beatbook::storage::{self, StoreError, QUARANTINE_PREFIX, REVISION_PREFIX};
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
