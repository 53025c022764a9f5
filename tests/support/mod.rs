//! Shared helpers for the browser storage tests.
#![allow(dead_code)]
use beatbook_core::record::{Note, Shift};
use beatbook_core::{Change, Code, EntryId, Record, Revision, RevisionId};
use chrono::{DateTime, Utc};

pub fn clear_storage() {
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage.clear().unwrap();
}

pub fn raw_storage() -> web_sys::Storage {
    web_sys::window().unwrap().local_storage().unwrap().unwrap()
}

pub fn time(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn id_bytes(n: u32, salt: u8) -> [u8; 16] {
    let mut b = [salt; 16];
    b[..4].copy_from_slice(&n.to_be_bytes());
    b
}

pub fn shift(n: u32) -> Revision {
    Revision {
        id: RevisionId::from_random_bytes(id_bytes(n, 1)),
        entry_id: EntryId::from_random_bytes(id_bytes(n, 2)),
        seq: 1,
        officer_id: "PC1234".into(),
        captured_at: time("2026-11-20T18:00:00Z"),
        occurred_at: time("2026-11-20T18:00:00Z"),
        shift_id: None,
        patrol_id: None,
        location: None,
        notes: String::new(),
        change: Change::Created,
        record: Record::Shift(Shift {
            role: Some(beatbook_core::codes::PatrollerRole::Police),
            callsign: "AB12".into(),
            team: "Central".into(),
            ended_at: None,
        }),
        clock_offset_ms: None,
        prev: None,
    }
}

/// A note in `shift`, with a distinctive text.
pub fn note(n: u32, shift: &Revision, text: &str) -> Revision {
    Revision {
        id: RevisionId::from_random_bytes(id_bytes(n, 3)),
        entry_id: EntryId::from_random_bytes(id_bytes(n, 4)),
        shift_id: Some(shift.entry_id),
        record: Record::Note(Note {
            category: beatbook_core::codes::NoteKind::from_code("engagement"),
            text: text.into(),
        }),
        ..shift.clone()
    }
}

/// A vault with a small work factor: the tests are about storage, not PBKDF2.
pub async fn test_vault() -> beatbook::vault::Vault {
    beatbook::vault::Vault::derive("123456", &[7; 16], 1_000)
        .await
        .unwrap()
}

/// Empties every IndexedDB store and local storage: a fresh device.
pub async fn clear_all() {
    clear_storage();
    let tx = beatbook::idb::Tx::write(&beatbook::idb::STORES)
        .await
        .unwrap();
    for store in beatbook::idb::STORES {
        tx.clear(store).unwrap();
    }
    tx.done().await.unwrap();
}

/// Every (key, value) of one IndexedDB store.
pub async fn idb_pairs(store: &str) -> Vec<(String, String)> {
    let tx = beatbook::idb::Tx::read(&[store]).await.unwrap();
    let all = tx.all(store).unwrap();
    tx.done().await.unwrap();
    all.pairs()
}

/// Writes one raw value into an IndexedDB store (as a damaged or foreign
/// write would leave it).
pub async fn idb_put(store: &str, key: &str, value: &str) {
    let tx = beatbook::idb::Tx::write(&[store]).await.unwrap();
    tx.put(store, key, value).unwrap();
    tx.done().await.unwrap();
}

/// The format 3 local storage a release before IndexedDB wrote (commit
/// a7f707d, with `test_vault`): 13 revisions, 6 answers, 1 quarantined
/// value, a sealed session, the profile.
pub const FORMAT3_FIXTURE: &str = include_str!("../fixtures/format3-local-storage.json");

pub fn load_format3_fixture() -> Vec<(String, String)> {
    let map: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(FORMAT3_FIXTURE).unwrap();
    let raw = raw_storage();
    map.into_iter()
        .map(|(k, v)| {
            let v = v.as_str().unwrap().to_owned();
            raw.set_item(&k, &v).unwrap();
            (k, v)
        })
        .collect()
}

/// The end of a shift (its next revision), at `at`.
pub fn ended(shift: &Revision, at: &str) -> Revision {
    let mut record = shift.record.clone();
    if let Record::Shift(s) = &mut record {
        s.ended_at = Some(time(at));
    }
    let mut id = shift.id.as_u128().to_be_bytes();
    id[15] ^= 0x5a;
    Revision {
        id: RevisionId::from_random_bytes(id),
        seq: shift.seq + 1,
        change: Change::Ended,
        record,
        ..shift.clone()
    }
}

/// For the benchmarks: the page's clock in ms (coarsened to ~0.1 ms).
pub fn now_ms() -> f64 {
    web_sys::window().unwrap().performance().unwrap().now()
}

/// For the benchmarks: the middle value.
pub fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}
