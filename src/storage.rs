//! The device's log, in the browser's local storage.
//!
//! Layout (format 3): one key per immutable revision, `bb:rev:<revision id>`,
//! holding `{"v":3,"iv":..,"ct":..}`: the format 2 envelope
//! `{"v":2,"rev":{...}}` encrypted with the PIN's key (see `vault.rs`). A save
//! writes exactly one key, so it costs the same with 10 or 5,000 entries
//! stored; the whole log is only read, once, at unlock. Format 2 (the same
//! envelope in plaintext) is encrypted in place on load. Anything unreadable is
//! moved aside under `bb:quarantine:` and reported, never deleted.
use crate::vault::{Sealed, Vault};
use beatbook_core::sync::Answer;
use beatbook_core::{Revision, RevisionId};
use gloo_storage::errors::StorageError;
use gloo_storage::{LocalStorage, Storage};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use thiserror::Error;

pub const FORMAT_VERSION: u32 = 3;
/// The plaintext envelope inside a format 3 value (and format 2 itself).
const PLAIN_VERSION: u32 = 2;
pub const FORMAT_KEY: &str = "bb:format";
pub const REVISION_PREFIX: &str = "bb:rev:";
pub const QUARANTINE_PREFIX: &str = "bb:quarantine:";
pub const PROFILE_KEY: &str = "bb:profile";
/// The server's answer for a revision: `bb:sync:<revision id>` -> `Answer`.
/// No key means the revision is still waiting to be sent.
pub const SYNC_PREFIX: &str = "bb:sync:";
pub const DEVICE_KEY: &str = "bb:device";
/// Salt, work factor and check value of the PIN key (nothing secret).
pub const VAULT_KEY: &str = "bb:vault";
/// The device session (token and user), sealed with the PIN's key.
pub const SESSION_KEY: &str = "bb:session";

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("This browser does not allow local storage here, so entries cannot be saved. Leave private browsing or allow site data.")]
    Unavailable,
    #[error("The phone's storage for Beatbook is full. Nothing already saved is lost and your form is kept. Sync, then free space.")]
    QuotaExceeded,
    #[error("Could not save: {0}")]
    Browser(String),
    #[error("Could not encode the entry: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("Could not encrypt: {0}")]
    Vault(#[from] crate::vault::VaultError),
}

impl From<StorageError> for StoreError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::JsError(js) if js.name == "QuotaExceededError" => Self::QuotaExceeded,
            StorageError::JsError(js) => Self::Browser(format!("{}: {}", js.name, js.message)),
            StorageError::SerdeError(e) => Self::Encode(e),
            StorageError::KeyNotFound(k) => Self::Browser(format!("missing {k}")),
        }
    }
}

#[derive(Serialize)]
struct EnvelopeOut<'a> {
    v: u32,
    rev: &'a Revision,
}

// The envelopes' decoders come from `decode_struct!`, smaller than derived
// ones in the download.
struct EnvelopeVersion {
    v: u32,
}

beatbook_core::decode_struct!(EnvelopeVersion { v });

/// `{"v":3,"iv":..,"ct":..}` (fields spelled out: serde's flatten would
/// pull a buffering decoder into the download).
#[derive(Serialize)]
struct EncryptedEnvelope {
    v: u32,
    iv: String,
    ct: String,
}

beatbook_core::decode_struct!(EncryptedEnvelope { v, iv, ct });

struct EnvelopeIn {
    rev: Revision,
}

beatbook_core::decode_struct!(EnvelopeIn { rev });

/// Something in storage the app could not read, kept aside for a supervisor
/// or support to recover.
#[derive(Debug, Clone, PartialEq)]
pub struct Quarantined {
    /// The key it was moved to (or still sits under, if moving failed).
    pub key: String,
    pub reason: String,
    pub bytes: usize,
}

/// What start-up found in storage.
#[derive(Debug, Default)]
pub struct Loaded {
    pub revisions: Vec<Revision>,
    pub quarantined: Vec<Quarantined>,
    /// Set when an older format was found and migrated.
    pub migrated_from: Option<u32>,
    /// What the server said of each revision it has answered for.
    pub outcomes: HashMap<RevisionId, Answer>,
}

/// Whether local storage can be used at all in this context.
pub fn available() -> bool {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .is_some()
}

fn storage() -> Result<web_sys::Storage, StoreError> {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .ok_or(StoreError::Unavailable)
}

pub fn revision_key(id: RevisionId) -> String {
    format!("{REVISION_PREFIX}{id}")
}

/// Saves one revision, encrypted. When this returns `Ok`, the revision is in
/// the browser's storage area (owned by the browser process, so a killed tab
/// cannot lose it).
pub async fn save(rev: &Revision, vault: &Vault) -> Result<(), StoreError> {
    storage()?;
    let plain = serde_json::to_vec(&EnvelopeOut {
        v: PLAIN_VERSION,
        rev,
    })?;
    let Sealed { iv, ct } = vault.seal(&plain).await?;
    LocalStorage::set(
        revision_key(rev.id),
        EncryptedEnvelope {
            v: FORMAT_VERSION,
            iv,
            ct,
        },
    )?;
    Ok(())
}

/// Seals any small value (the session) under the PIN's key.
pub async fn set_sealed<T: Serialize>(
    key: &str,
    value: &T,
    vault: &Vault,
) -> Result<(), StoreError> {
    storage()?;
    let sealed = vault.seal(&serde_json::to_vec(value)?).await?;
    LocalStorage::set(key, sealed)?;
    Ok(())
}

/// Opens a value stored by [`set_sealed`]; `None` if absent or unreadable.
pub async fn get_sealed<T: for<'de> Deserialize<'de>>(key: &str, vault: &Vault) -> Option<T> {
    let sealed: Sealed = get(key)?;
    let plain = vault.open(&sealed).await.ok()?;
    // From text, as everything else is read: `from_slice` would add a second
    // copy of the JSON reader (and of each type's decoder) to the download.
    serde_json::from_str(std::str::from_utf8(&plain).ok()?).ok()
}

/// Records the server's answer for a revision.
pub fn save_outcome(id: RevisionId, outcome: &Answer) -> Result<(), StoreError> {
    storage()?;
    LocalStorage::set(format!("{SYNC_PREFIX}{id}"), outcome)?;
    Ok(())
}

/// Reads every revision, migrating and quarantining as needed.
pub async fn load(vault: &Vault) -> Result<Loaded, StoreError> {
    let raw = storage()?;
    let mut loaded = Loaded::default();
    if LocalStorage::get::<u32>(FORMAT_KEY).ok() != Some(FORMAT_VERSION) {
        // Only written once; a failure here is harmless (retried next start).
        let _ = LocalStorage::set(FORMAT_KEY, FORMAT_VERSION);
    }
    for key in keys_with_prefix(&raw, REVISION_PREFIX) {
        let Ok(Some(text)) = raw.get_item(&key) else {
            continue;
        };
        match decode(&text, vault).await {
            Ok((rev, PLAIN_VERSION)) => {
                // Format 2 was plaintext: encrypt it in place. If that fails
                // (full storage), it stays readable and is retried next time.
                if save(&rev, vault).await.is_ok() {
                    loaded.migrated_from = Some(PLAIN_VERSION);
                }
                loaded.revisions.push(rev);
            }
            Ok((rev, _)) => loaded.revisions.push(rev),
            Err(reason) => loaded
                .quarantined
                .push(quarantine(&raw, &key, &text, reason)),
        }
    }
    for key in keys_with_prefix(&raw, SYNC_PREFIX) {
        // An unreadable answer only means the revision is sent again, which
        // the server recognises: no need to quarantine it.
        let id = key.strip_prefix(SYNC_PREFIX).and_then(RevisionId::parse);
        let outcome = raw
            .get_item(&key)
            .ok()
            .flatten()
            .and_then(|t| serde_json::from_str(&t).ok());
        if let (Some(id), Some(outcome)) = (id, outcome) {
            loaded.outcomes.insert(id, outcome);
        }
    }
    for key in keys_with_prefix(&raw, QUARANTINE_PREFIX) {
        if loaded.quarantined.iter().any(|q| q.key == key) {
            continue;
        }
        let bytes = raw.get_item(&key).ok().flatten().map_or(0, |t| t.len());
        loaded.quarantined.push(Quarantined {
            key,
            reason: "kept aside earlier".into(),
            bytes,
        });
    }
    Ok(loaded)
}

/// Reads one stored revision and says which format it was in.
async fn decode(text: &str, vault: &Vault) -> Result<(Revision, u32), String> {
    let version = serde_json::from_str::<EnvelopeVersion>(text)
        .map_err(|e| format!("not readable JSON ({e})"))?;
    let plain = match version.v {
        FORMAT_VERSION => {
            let envelope = serde_json::from_str::<EncryptedEnvelope>(text)
                .map_err(|e| format!("damaged entry ({e})"))?;
            let sealed = Sealed {
                iv: envelope.iv,
                ct: envelope.ct,
            };
            let bytes = vault
                .open(&sealed)
                .await
                .map_err(|_| "could not be decrypted".to_owned())?;
            String::from_utf8(bytes).map_err(|_| "damaged entry (not text)".to_owned())?
        }
        PLAIN_VERSION => text.to_owned(),
        v if v > FORMAT_VERSION => {
            return Err(format!(
                "written by a newer Beatbook (format {v}); update the app"
            ))
        }
        v => return Err(format!("unknown format {v}")),
    };
    serde_json::from_str::<EnvelopeIn>(&plain)
        .map(|e| (e.rev, version.v))
        .map_err(|e| format!("damaged entry ({e})"))
}

/// Moves an unreadable value under the quarantine prefix: copy first, then
/// remove, so a failure at either step leaves the bytes where they were.
fn quarantine(raw: &web_sys::Storage, key: &str, text: &str, reason: String) -> Quarantined {
    let aside = format!("{QUARANTINE_PREFIX}{key}");
    let moved = raw.set_item(&aside, text).is_ok() && raw.remove_item(key).is_ok();
    Quarantined {
        key: if moved { aside } else { key.to_owned() },
        reason,
        bytes: text.len(),
    }
}

fn keys_with_prefix(raw: &web_sys::Storage, prefix: &str) -> Vec<String> {
    let len = raw.length().unwrap_or(0);
    (0..len)
        .filter_map(|i| raw.key(i).ok().flatten())
        .filter(|k| k.starts_with(prefix))
        .collect()
}

/// Reads a small value (the officer profile, settings).
pub fn get<T: for<'de> Deserialize<'de>>(key: &str) -> Option<T> {
    if !available() {
        return None;
    }
    LocalStorage::get(key).ok()
}

pub fn set<T: Serialize>(key: &str, value: &T) -> Result<(), StoreError> {
    storage()?;
    LocalStorage::set(key, value)?;
    Ok(())
}

/// After a signed-out officer's entries have all reached the server: removes
/// their local copies, answers, session, PIN vault and profile. Quarantined
/// items (never readable, so never synced) and the device ID stay.
pub fn purge_signed_out() {
    let Ok(raw) = storage() else { return };
    let doomed: Vec<String> = [REVISION_PREFIX, SYNC_PREFIX]
        .into_iter()
        .flat_map(|p| keys_with_prefix(&raw, p))
        .chain([SESSION_KEY, VAULT_KEY, PROFILE_KEY, "bb:pin-failures"].map(String::from))
        .collect();
    for key in doomed {
        let _ = raw.remove_item(&key);
    }
}
