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
