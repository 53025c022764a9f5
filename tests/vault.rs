//! Encryption at rest, in headless Chromium: what an attacker reading the
//! phone's storage sees, and what a right or wrong PIN gets back.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod support;

use beatbook::idb::REVISIONS;
use beatbook::storage;
use beatbook::vault::{Vault, VaultError};
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const SECRET: &str = "Suspect named Jordan Blakemore, 14 Acacia Avenue";

/// Local storage and every IndexedDB store, as one text.
async fn everything_stored() -> String {
    let raw = raw_storage();
    let mut out: String = (0..raw.length().unwrap())
        .map(|i| {
            let key = raw.key(i).unwrap().unwrap();
            let value = raw.get_item(&key).unwrap().unwrap_or_default();
            format!("{key}={value}\n")
        })
        .collect();
    for store in beatbook::idb::STORES {
        for (k, v) in idb_pairs(store).await {
            out.push_str(&format!("{store}/{k}={v}\n"));
        }
    }
    out
}

#[wasm_bindgen_test]
async fn stored_bytes_hold_no_plaintext_of_an_entry() {
    clear_all().await;
    let (vault, params) = Vault::create("482913").await.unwrap();
    storage::set(storage::VAULT_KEY, &params).unwrap();
    let s = shift(1);
    storage::save(&s, &vault).await.unwrap();
    storage::save(&note(1, &s, SECRET), &vault).await.unwrap();
    let dump = everything_stored().await;
    for needle in [
        "Jordan",
        "Blakemore",
        "Acacia",
        "AB12",
        "Central",
        "PC1234",
        "engagement",
    ] {
        assert!(!dump.contains(needle), "{needle} found in storage:\n{dump}");
    }
    assert!(dump.contains("\"v\":3"), "{dump}");
}

#[wasm_bindgen_test]
async fn the_right_pin_restores_everything() {
    clear_all().await;
    let (vault, params) = Vault::create("482913").await.unwrap();
    let s = shift(1);
    let n = note(1, &s, SECRET);
    storage::save(&s, &vault).await.unwrap();
    storage::save(&n, &vault).await.unwrap();
    drop(vault);

    let reopened = Vault::unlock("482913", &params).await.unwrap();
    let loaded = storage::load(&reopened).await.unwrap();
    assert!(loaded.quarantined.is_empty());
    assert_eq!(loaded.revisions.len(), 2);
    assert!(loaded.revisions.contains(&n));
}

#[wasm_bindgen_test]
async fn a_wrong_pin_restores_nothing_and_loses_nothing() {
    clear_all().await;
    let (vault, params) = Vault::create("482913").await.unwrap();
    let s = shift(1);
    storage::save(&s, &vault).await.unwrap();
    storage::save(&note(1, &s, SECRET), &vault).await.unwrap();
    let before = everything_stored().await;

    for wrong in ["000000", "482914", "4829130"] {
        assert!(matches!(
            Vault::unlock(wrong, &params).await,
            Err(VaultError::WrongPin)
        ));
    }
    assert_eq!(
        everything_stored().await,
        before,
        "a wrong PIN must not change storage"
    );

    let reopened = Vault::unlock("482913", &params).await.unwrap();
    assert_eq!(storage::load(&reopened).await.unwrap().revisions.len(), 2);
}

#[wasm_bindgen_test]
async fn plaintext_format_2_is_encrypted_on_first_unlock() {
    clear_all().await;
    let s = shift(1);
    let n = note(1, &s, SECRET);
    for rev in [&s, &n] {
        let plain = serde_json::json!({ "v": 2, "rev": rev }).to_string();
        idb_put(REVISIONS, &rev.id.to_string(), &plain).await;
    }
    assert!(everything_stored().await.contains("Blakemore"));

    let v = test_vault().await;
    let loaded = storage::load(&v).await.unwrap();
    assert_eq!(loaded.migrated_from, Some(2));
    assert_eq!(loaded.revisions.len(), 2);
    assert!(
        !everything_stored().await.contains("Blakemore"),
        "format 2 left in the clear"
    );
    let again = storage::load(&v).await.unwrap();
    assert_eq!(again.migrated_from, None);
    assert!(again.revisions.contains(&n));
}

#[wasm_bindgen_test]
async fn the_session_is_sealed_too() {
    clear_all().await;
    let v = test_vault().await;
    let session = serde_json::json!({"token": "tok-SECRET-123", "expires_at": "2026-11-28T08:00:00Z",
        "user": {"officer_id": "PC1", "display_name": "A", "role": "officer", "teams": ["North"]}});
    storage::set_sealed(storage::SESSION, &session, &v)
        .await
        .unwrap();
    assert!(!everything_stored().await.contains("tok-SECRET-123"));
    let back: serde_json::Value = storage::get_sealed(storage::SESSION, &v).await.unwrap();
    assert_eq!(back, session);
}

#[wasm_bindgen_test]
fn base64_round_trips() {
    use beatbook::base64::{decode, encode};
    for len in 0..40u8 {
        let bytes: Vec<u8> = (0..len).map(|i| i.wrapping_mul(37)).collect();
        assert_eq!(decode(&encode(&bytes)), Some(bytes));
    }
    assert_eq!(encode(b"foobar"), "Zm9vYmFy");
    assert_eq!(encode(b"fo"), "Zm8=");
    assert_eq!(decode("Zm8"), None);
    assert_eq!(decode("Zm!="), None);
}
