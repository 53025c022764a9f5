//! Browser storage, in headless Chromium (wasm-bindgen-test): the log in
//! IndexedDB, migration from format 3 local storage, quarantine, retention.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod support;

use beatbook::idb::{ANSWERS, META, QUARANTINE, REVISIONS};
use beatbook::outbox;
use beatbook::storage::{self, LEGACY_REVISION_PREFIX};
use beatbook_core::sync::{Answer, OutcomeKind};
use beatbook_core::{Log, Revision, RevisionId};
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn sorted_ids(revs: &[Revision]) -> Vec<String> {
    let mut ids: Vec<String> = revs.iter().map(|r| r.id.to_string()).collect();
    ids.sort();
    ids
}

fn stored_answer() -> Answer {
    Answer {
        index: 0,
        outcome: OutcomeKind::Stored,
        received_at: Some(time("2026-11-20T19:00:00Z")),
        message: None,
        retry: false,
    }
}

#[wasm_bindgen_test]
async fn saved_revisions_load_back_identical() {
    let v = test_vault().await;
    clear_all().await;
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
async fn a_save_writes_one_record_and_never_rewrites_the_log() {
    let v = test_vault().await;
    clear_all().await;
    let s = shift(1);
    storage::save(&s, &v).await.unwrap();
    let before = idb_pairs(REVISIONS).await;
    storage::save(&note(1, &s, "x"), &v).await.unwrap();
    let after = idb_pairs(REVISIONS).await;
    assert_eq!(after.len(), before.len() + 1);
    assert!(after.contains(&before[0]), "the first record was rewritten");
    // Encrypted at rest: no entry text in the clear.
    assert!(after.iter().all(|(_, v)| !v.contains("Central")));
}

#[wasm_bindgen_test]
async fn corrupt_and_unknown_version_data_is_kept_aside_not_deleted() {
    let v = test_vault().await;
    clear_all().await;
    let s = shift(1);
    storage::save(&s, &v).await.unwrap();
    idb_put(REVISIONS, "broken", "{\"v\":2,\"rev\":{tru").await;
    idb_put(REVISIONS, "future", "{\"v\":9,\"rev\":{}}").await;
    idb_put(REVISIONS, "damaged", "{\"v\":2,\"rev\":{\"id\":\"nope\"}}").await;

    let loaded = storage::load(&v).await.unwrap();
    assert_eq!(loaded.revisions, vec![s.clone()]);
    assert_eq!(loaded.quarantined.len(), 3);
    let reasons: Vec<_> = loaded
        .quarantined
        .iter()
        .map(|q| q.reason.clone())
        .collect();
    for want in [
        "newer Beatbook (format 9)",
        "not readable JSON",
        "damaged entry",
    ] {
        assert!(reasons.iter().any(|r| r.contains(want)), "{reasons:?}");
    }
    // Moved aside with the exact bytes, and no longer among the revisions.
    let aside = idb_pairs(QUARANTINE).await;
    assert!(aside.contains(&(
        format!("{LEGACY_REVISION_PREFIX}broken"),
        "{\"v\":2,\"rev\":{tru".to_owned()
    )));
    assert_eq!(idb_pairs(REVISIONS).await.len(), 1);

    // A second start reports them again and still loads the good entry.
    let again = storage::load(&v).await.unwrap();
    assert_eq!(again.revisions, vec![s]);
    assert_eq!(again.quarantined.len(), 3);
}

/// What the format 3 fixture holds once moved.
async fn assert_fixture_moved(loaded: &storage::Loaded) {
    assert_eq!(loaded.revisions.len(), 13, "revisions");
    assert_eq!(loaded.outcomes.len(), 6, "answers");
    assert_eq!(loaded.quarantined.len(), 1, "quarantined");
    assert!(loaded.revisions.iter().any(|r| r.notes.is_empty()
        && matches!(&r.record, beatbook_core::Record::Note(n) if n.text == "fixture note 11")));
    // Nothing doubled, nothing of the log left in local storage, and the
    // settings that belong there stay.
    assert_eq!(idb_pairs(REVISIONS).await.len(), 13);
    let raw = raw_storage();
    let keys: Vec<String> = (0..raw.length().unwrap())
        .map(|i| raw.key(i).unwrap().unwrap())
        .collect();
    assert!(
        keys.iter().all(|k| !k.starts_with("bb:rev:")
            && !k.starts_with("bb:sync:")
            && !k.starts_with("bb:quarantine:")
            && k != "bb:session"),
        "{keys:?}"
    );
    assert!(keys.contains(&"bb:profile".to_owned()));
    assert_eq!(raw.get_item("bb:format").unwrap().as_deref(), Some("4"));
}

#[wasm_bindgen_test]
async fn format_3_local_storage_moves_to_indexeddb_without_loss() {
    let v = test_vault().await;
    clear_all().await;
    let fixture = load_format3_fixture();
    let loaded = storage::load(&v).await.unwrap();
    assert_eq!(loaded.migrated_from, Some(3));
    assert_fixture_moved(&loaded).await;
    // The sealed session moved too and still opens with the PIN's key.
    let session: serde_json::Value = storage::get_sealed(storage::SESSION, &v).await.unwrap();
    assert_eq!(session["token"], "fixture-token");
    // Revisions and quarantined values moved byte for byte.
    let revisions = idb_pairs(REVISIONS).await;
    for (key, value) in &fixture {
        if let Some(id) = key.strip_prefix("bb:rev:") {
            assert!(revisions.contains(&(id.to_owned(), value.clone())), "{key}");
        }
    }
    assert_eq!(
        idb_pairs(QUARANTINE).await,
        vec![(
            "bb:rev:broken".to_owned(),
            "{\"v\":2,\"rev\":{tru".to_owned()
        )]
    );
}

#[wasm_bindgen_test]
async fn an_interrupted_migration_finishes_next_start_with_nothing_lost_or_doubled() {
    let v = test_vault().await;
    // Killed after the copy committed, before any old key was removed: the
    // old keys are all still there.
    clear_all().await;
    let fixture = load_format3_fixture();
    storage::migrate().await.unwrap();
    load_format3_fixture();
    // Meanwhile the server answered one revision again in IndexedDB (newer
    // than the copy in local storage): the migration must not undo it.
    let (first_rev, _) = idb_pairs(ANSWERS).await.remove(0);
    let newer = Answer {
        outcome: OutcomeKind::AlreadyHad,
        ..stored_answer()
    };
    storage::save_outcomes(&[(RevisionId::parse(&first_rev).unwrap(), newer.clone())])
        .await
        .unwrap();
    let loaded = storage::load(&v).await.unwrap();
    assert_fixture_moved(&loaded).await;
    assert_eq!(
        loaded.outcomes[&RevisionId::parse(&first_rev).unwrap()].outcome,
        OutcomeKind::AlreadyHad
    );

    // Killed half way through removing the old keys.
    clear_all().await;
    load_format3_fixture();
    storage::migrate().await.unwrap();
    let raw = raw_storage();
    for (i, (k, val)) in fixture.iter().enumerate() {
        if i % 2 == 0 {
            raw.set_item(k, val).unwrap();
        }
    }
    let loaded = storage::load(&v).await.unwrap();
    assert_fixture_moved(&loaded).await;

    // Killed before the copy committed: nothing in IndexedDB yet.
    clear_all().await;
    load_format3_fixture();
    let loaded = storage::load(&v).await.unwrap();
    assert_fixture_moved(&loaded).await;
}

#[wasm_bindgen_test]
async fn retention_removes_exactly_what_the_rule_says() {
    let v = test_vault().await;
    clear_all().await;
    // An old shift, ended and synced; a recent one; an old one with one
    // entry still unsynced.
    let mut old = shift(1);
    old.occurred_at = time("2026-10-01T18:00:00Z");
    old.captured_at = old.occurred_at;
    let old_end = ended(&old, "2026-10-02T02:00:00Z");
    let old_note = note(1, &old, "old");
    let recent = shift(2);
    let recent_end = ended(&recent, "2026-11-20T23:00:00Z");
    let mut stuck = shift(3);
    stuck.occurred_at = time("2026-10-03T18:00:00Z");
    let stuck_end = ended(&stuck, "2026-10-04T02:00:00Z");
    let stuck_note = note(3, &stuck, "not yet synced");
    let all = vec![
        old.clone(),
        old_end,
        old_note,
        recent,
        recent_end,
        stuck.clone(),
        stuck_end,
        stuck_note.clone(),
    ];
    for r in &all {
        storage::save(r, &v).await.unwrap();
    }
    let answers: Vec<_> = all
        .iter()
        .filter(|r| r.id != stuck_note.id)
        .map(|r| (r.id, stored_answer()))
        .collect();
    storage::save_outcomes(&answers).await.unwrap();
    idb_put(QUARANTINE, "bb:rev:unreadable", "junk").await;

    let loaded = storage::load(&v).await.unwrap();
    let log = Log::from_revisions(loaded.revisions);
    let gone = outbox::retention(
        &log,
        &loaded.outcomes,
        &[],
        time("2026-11-21T12:00:00Z"),
        chrono::Duration::days(7),
    );
    assert_eq!(gone.len(), 3, "the old shift, its end and its note");
    storage::forget(&gone).await.unwrap();

    let left = storage::load(&v).await.unwrap();
    let kept: Vec<Revision> = all.into_iter().filter(|r| !gone.contains(&r.id)).collect();
    assert_eq!(sorted_ids(&left.revisions), sorted_ids(&kept));
    assert!(left.revisions.iter().all(|r| r.entry_id != old.entry_id));
    // Unsynced and quarantined data never leave by retention.
    assert!(left.revisions.contains(&stuck_note));
    assert_eq!(left.quarantined.len(), 1);
    assert_eq!(idb_pairs(ANSWERS).await.len(), answers.len() - 3);
    assert!(idb_pairs(META).await.is_empty());
}

#[wasm_bindgen_test]
async fn the_chain_head_moves_with_this_devices_saves_only() {
    let v = test_vault().await;
    clear_all().await;
    assert_eq!(storage::chain_head().await.unwrap(), None);
    let s = shift(1);
    let bytes = beatbook_core::sync::canonical_bytes(&s).unwrap();
    let head = beatbook::vault::sha256_hex(&bytes).await.unwrap();
    // WebCrypto's SHA-256, as the server computes it (a known vector too).
    assert_eq!(
        beatbook::vault::sha256_hex(b"abc").await.unwrap(),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    storage::save_linked(&s, &head, &v).await.unwrap();
    assert_eq!(storage::chain_head().await.unwrap(), Some(head.clone()));
    // A revision read back from the server, and retention, leave it.
    let n = note(1, &s, "read back");
    storage::save(&n, &v).await.unwrap();
    storage::forget(&[s.id, n.id]).await.unwrap();
    assert_eq!(storage::chain_head().await.unwrap(), Some(head));
    // Something that is not a link is no head: the chain starts afresh.
    idb_put(META, storage::CHAIN_HEAD, "not a hash").await;
    assert_eq!(storage::chain_head().await.unwrap(), None);
}
