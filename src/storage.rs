//! The device's log, in IndexedDB (see `idb.rs`), and small settings in
//! local storage.
//!
//! Layout (format 4): the `revisions` store holds one record per immutable
//! revision, keyed by revision ID, whose value is `{"v":3,"iv":..,"ct":..}`:
//! the plaintext envelope `{"v":2,"rev":{...}}` encrypted with the PIN's key
//! (`vault.rs`). `answers` holds the server's answer per revision ID (no entry
//! content), `quarantine` what could not be read (kept, reported, never
//! deleted), `meta` the sealed session and a half-typed form. A save writes
//! one small record in one strict transaction, so it costs the same with 10
//! or 5,000 entries stored, and "Saved" is shown only after that transaction
//! completed: local storage, which Chromium writes to disk up to a minute
//! later, lost entries when the whole browser was killed.
//!
//! Format 3 kept the same values in local storage (`bb:rev:<id>`,
//! `bb:sync:<id>`, `bb:quarantine:<key>`, `bb:session`); [`migrate`] moves
//! them: copy, read back and compare, and only then remove the old keys, so
//! an interrupted migration is simply done again at the next start.
use crate::idb::{self, Boxed, IdbError, Tx, ANSWERS, META, QUARANTINE, REVISIONS};
use crate::vault::{Sealed, Vault};
use beatbook_core::json::{self, JsonError};
use beatbook_core::sync::Answer;
use beatbook_core::{Revision, RevisionId};
use gloo_storage::{LocalStorage, Storage};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use thiserror::Error;
use web_sys::IdbRequest;

/// Where the log lives: 4 is IndexedDB, 3 was local storage.
pub const FORMAT_VERSION: u32 = 4;
/// The encrypted envelope of one revision (unchanged since format 3).
const SEALED_VERSION: u32 = 3;
/// The plaintext envelope inside it (and format 2 itself).
const PLAIN_VERSION: u32 = 2;
pub const FORMAT_KEY: &str = "bb:format";
pub const PROFILE_KEY: &str = "bb:profile";
pub const DEVICE_KEY: &str = "bb:device";
/// Salt, work factor and check value of the PIN key (nothing secret).
pub const VAULT_KEY: &str = "bb:vault";
pub const PIN_FAILURES_KEY: &str = "bb:pin-failures";
/// The device session (token and user), sealed with the PIN's key.
pub const SESSION: &str = "session";
/// A form being typed when the app locked itself, sealed.
pub const DRAFT: &str = "draft";
/// The device chain's head (ARCHITECTURE.md, "Device chain"): the SHA-256
/// of the last revision this device saved, 64 lowercase hex digits, in the
/// clear. Written in the transaction that writes that revision, so the two
/// never disagree after a kill; never touched by retention or sign-out (it
/// is the device's, like its ID).
pub const CHAIN_HEAD: &str = "chain";

/// Format 3's local storage keys, read only to migrate them.
pub const LEGACY_REVISION_PREFIX: &str = "bb:rev:";
pub const LEGACY_SYNC_PREFIX: &str = "bb:sync:";
pub const LEGACY_QUARANTINE_PREFIX: &str = "bb:quarantine:";
pub const LEGACY_SESSION_KEY: &str = "bb:session";

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("This browser does not allow storage here, so entries cannot be saved. Leave private browsing or allow site data.")]
    Unavailable,
    #[error("The phone's storage for Beatbook is full. Nothing already saved is lost and your form is kept. Sync, then free space on the phone.")]
    QuotaExceeded,
    #[error("Could not save: {0}")]
    Browser(String),
    /// Writing JSON fails only for a value JSON cannot hold, never for a
    /// record: serde_json's message would add its whole error text table
    /// (some 3 KB) to the download for a sentence no officer will see.
    #[error("Could not encode the entry")]
    Encode,
    #[error("Could not encrypt: {0}")]
    Vault(#[from] crate::vault::VaultError),
    #[error("Moving the log to the new storage did not check out ({0}); it stays where it was and is tried again next start.")]
    Migration(String),
}

impl From<IdbError> for StoreError {
    fn from(e: IdbError) -> Self {
        match e {
            IdbError::Unavailable => Self::Unavailable,
            IdbError::QuotaExceeded => Self::QuotaExceeded,
            IdbError::Browser(m) => Self::Browser(m),
        }
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(_: serde_json::Error) -> Self {
        Self::Encode
    }
}

impl From<JsonError> for StoreError {
    fn from(_: JsonError) -> Self {
        Self::Encode
    }
}

impl From<gloo_storage::errors::StorageError> for StoreError {
    fn from(e: gloo_storage::errors::StorageError) -> Self {
        use gloo_storage::errors::StorageError as E;
        match e {
            E::JsError(js) if js.name == "QuotaExceededError" => Self::QuotaExceeded,
            E::JsError(js) => Self::Browser(format!("{}: {}", js.name, js.message)),
            E::SerdeError(_) => Self::Encode,
            E::KeyNotFound(k) => Self::Browser(format!("missing {k}")),
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
    /// Where it is kept (`quarantine/<original key>`), or still sits if
    /// moving it failed.
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
    /// Moving format 3 local storage failed (it stays there, and is tried
    /// again at the next unlock): what to tell the officer.
    pub problem: Option<String>,
}

fn local() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

/// Whether the browser lets the app keep anything here at all.
pub fn available() -> bool {
    local().is_some()
        && web_sys::window()
            .and_then(|w| w.indexed_db().ok().flatten())
            .is_some()
}

async fn sealed_text(rev: &Revision, vault: &Vault) -> Result<String, StoreError> {
    let plain = serde_json::to_vec(&EnvelopeOut {
        v: PLAIN_VERSION,
        rev,
    })?;
    let Sealed { iv, ct } = vault.seal(&plain).await?;
    Ok(serde_json::to_string(&EncryptedEnvelope {
        v: SEALED_VERSION,
        iv,
        ct,
    })?)
}

/// Saves one revision, encrypted. `Ok` means its transaction completed with
/// strict durability: the revision is on disk and survives a killed browser.
/// For a revision this device did not just make (read back from the server,
/// rewritten in place): the chain's head stays.
pub fn save<'a>(rev: &'a Revision, vault: &'a Vault) -> Boxed<'a, Result<(), StoreError>> {
    Box::pin(save_now(rev, None, vault))
}

/// [`save`] for a save of this device's (`actions::commit`), with the
/// chain's new head (the hash of `rev`, [`CHAIN_HEAD`]) in the same
/// transaction.
pub fn save_linked<'a>(
    rev: &'a Revision,
    head: &'a str,
    vault: &'a Vault,
) -> Boxed<'a, Result<(), StoreError>> {
    Box::pin(save_now(rev, Some(head), vault))
}

async fn save_now(rev: &Revision, head: Option<&str>, vault: &Vault) -> Result<(), StoreError> {
    let text = sealed_text(rev, vault).await?;
    let stores: &[&str] = if head.is_some() {
        &[REVISIONS, META]
    } else {
        &[REVISIONS]
    };
    let tx = Tx::write(stores).await?;
    tx.put(REVISIONS, &rev.id.to_string(), &text)?;
    if let Some(head) = head {
        tx.put(META, CHAIN_HEAD, head)?;
    }
    tx.done().await?;
    Ok(())
}

/// The device chain's head: the link the next save names. `None` when this
/// device has saved nothing yet, or the value is not a link (the chain then
/// starts afresh, which the server does not count as a break).
pub async fn chain_head() -> Result<Option<String>, StoreError> {
    let tx = Tx::read(&[META]).await?;
    let request = tx.get(META, CHAIN_HEAD)?;
    tx.done().await?;
    Ok(idb::text_of(&request).filter(|h| beatbook_core::revision::is_chain_hash(h)))
}

/// Seals a small value (the session, a draft) under the PIN's key.
pub async fn set_sealed<T: Serialize>(
    key: &str,
    value: &T,
    vault: &Vault,
) -> Result<(), StoreError> {
    let sealed = vault.seal(&serde_json::to_vec(value)?).await?;
    let text = serde_json::to_string(&sealed)?;
    let tx = Tx::write(&[META]).await?;
    tx.put(META, key, &text)?;
    tx.done().await?;
    Ok(())
}

/// Opens a value stored by [`set_sealed`]; `None` if absent or unreadable.
pub async fn get_sealed<T: for<'de> Deserialize<'de>>(key: &str, vault: &Vault) -> Option<T> {
    let tx = Tx::read(&[META]).await.ok()?;
    let request = tx.get(META, key).ok()?;
    tx.done().await.ok()?;
    let sealed: Sealed = json::from_str(&idb::text_of(&request)?).ok()?;
    let plain = vault.open(&sealed).await.ok()?;
    // From text, as everything else is read (one reader in the download).
    json::from_str(std::str::from_utf8(&plain).ok()?).ok()
}

/// Removes a small sealed value.
pub async fn remove_meta(key: &str) -> Result<(), StoreError> {
    let tx = Tx::write(&[META]).await?;
    tx.delete(META, key)?;
    tx.done().await?;
    Ok(())
}

/// Records the server's answers for one push, in one transaction.
pub async fn save_outcomes(answers: &[(RevisionId, Answer)]) -> Result<(), StoreError> {
    if answers.is_empty() {
        return Ok(());
    }
    let tx = Tx::write(&[ANSWERS]).await?;
    for (id, answer) in answers {
        tx.put(ANSWERS, &id.to_string(), &serde_json::to_string(answer)?)?;
    }
    tx.done().await?;
    Ok(())
}

/// Format 3 values still in local storage: (store, key in the store, local
/// storage key, text).
type LegacyItem = (&'static str, String, String, String);

fn legacy_items(raw: &web_sys::Storage) -> Vec<LegacyItem> {
    let len = raw.length().unwrap_or(0);
    (0..len)
        .filter_map(|i| raw.key(i).ok().flatten())
        .filter_map(|key| {
            let (store, id) = if let Some(q) = key.strip_prefix(LEGACY_QUARANTINE_PREFIX) {
                (QUARANTINE, q.to_owned())
            } else if let Some(id) = key.strip_prefix(LEGACY_REVISION_PREFIX) {
                (REVISIONS, id.to_owned())
            } else if let Some(id) = key.strip_prefix(LEGACY_SYNC_PREFIX) {
                (ANSWERS, id.to_owned())
            } else if key == LEGACY_SESSION_KEY {
                (META, SESSION.to_owned())
            } else {
                return None;
            };
            let text = raw.get_item(&key).ok().flatten()?;
            Some((store, id, key, text))
        })
        .collect()
}

/// Moves format 3 local storage into IndexedDB. Returns how many values
/// moved. Copies first (never over an answer or session already in
/// IndexedDB, which is newer), reads everything back and compares, and only
/// then removes the old keys: killed at any point, the next call finishes
/// the job with nothing lost or doubled (a revision's key is its ID).
pub async fn migrate() -> Result<usize, StoreError> {
    let Some(raw) = local() else { return Ok(0) };
    let items = legacy_items(&raw);
    if items.is_empty() {
        return Ok(0);
    }
    // An answer or session already in IndexedDB is newer than its old copy
    // (written since): it stays. Revisions and quarantined bytes are copied
    // whatever is there (the same bytes under the same key).
    let before = read_each(&items).await?;
    let tx = Tx::write(&idb::STORES).await?;
    for ((store, key, _, text), held) in items.iter().zip(&before) {
        if held.is_none() || matches!(*store, REVISIONS | QUARANTINE) {
            tx.put(store, key, text)?;
        }
    }
    tx.done().await?;
    // Read back: every value must now be in IndexedDB, revisions and
    // quarantined bytes exactly as they were.
    let after = read_each(&items).await?;
    for ((store, key, _, text), back) in items.iter().zip(&after) {
        let exact = matches!(*store, REVISIONS | QUARANTINE);
        match back {
            Some(back) if !exact || back == text => {}
            _ => {
                return Err(StoreError::Migration(format!(
                    "{store}/{key} did not read back"
                )))
            }
        }
    }
    for (_, _, local_key, _) in &items {
        let _ = raw.remove_item(local_key);
    }
    let _ = LocalStorage::set(FORMAT_KEY, FORMAT_VERSION);
    Ok(items.len())
}

/// Revisions still in format 3 local storage (a move that has not
/// finished): they hold sign-out back like unsynced ones.
pub fn legacy_revisions() -> usize {
    local().map_or(0, |raw| {
        legacy_items(&raw)
            .iter()
            .filter(|(store, ..)| *store == REVISIONS)
            .count()
    })
}

/// What IndexedDB holds now under each legacy item's store and key.
async fn read_each(items: &[LegacyItem]) -> Result<Vec<Option<String>>, StoreError> {
    let tx = Tx::read(&idb::STORES).await?;
    let requests = items
        .iter()
        .map(|(store, key, _, _)| tx.get(store, key))
        .collect::<Result<Vec<_>, _>>()?;
    tx.done().await?;
    Ok(requests.iter().map(idb::text_of).collect())
}

/// Reads every revision and answer, migrating and quarantining as needed.
pub async fn load(vault: &Vault) -> Result<Loaded, StoreError> {
    let mut loaded = Loaded::default();
    // A failed move leaves the old copies where they were: what is already
    // in IndexedDB is still read, and sign-out waits (`legacy_revisions`).
    match migrate().await {
        Ok(0) => {}
        Ok(_) => loaded.migrated_from = Some(3),
        Err(e) => loaded.problem = Some(e.to_string()),
    }
    let tx = Tx::read(&[REVISIONS, ANSWERS, QUARANTINE]).await?;
    let revisions = tx.all(REVISIONS)?;
    let answers = tx.all(ANSWERS)?;
    let quarantine = tx.all(QUARANTINE)?;
    tx.done().await?;
    let mut unreadable = Vec::new();
    for (key, text) in revisions.pairs() {
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
            Err(reason) => unreadable.push((key, text, reason)),
        }
    }
    // An unreadable answer only means the revision is sent again, which the
    // server recognises: no need to quarantine it.
    for (key, text) in answers.pairs() {
        if let (Some(id), Ok(answer)) = (RevisionId::parse(&key), json::from_str(&text)) {
            loaded.outcomes.insert(id, answer);
        }
    }
    for (key, text) in quarantine.pairs() {
        loaded.quarantined.push(Quarantined {
            key: format!("{QUARANTINE}/{key}"),
            reason: "kept aside earlier".into(),
            bytes: text.len(),
        });
    }
    if !unreadable.is_empty() {
        let moved = quarantine_revisions(&unreadable).await.is_ok();
        for (key, text, reason) in unreadable {
            loaded.quarantined.push(Quarantined {
                key: if moved {
                    format!("{QUARANTINE}/{LEGACY_REVISION_PREFIX}{key}")
                } else {
                    format!("{REVISIONS}/{key}")
                },
                reason,
                bytes: text.len(),
            });
        }
    }
    Ok(loaded)
}

/// Moves unreadable revisions aside in one transaction: both steps or none.
async fn quarantine_revisions(items: &[(String, String, String)]) -> Result<(), StoreError> {
    let tx = Tx::write(&[REVISIONS, QUARANTINE]).await?;
    for (key, text, _) in items {
        tx.put(QUARANTINE, &format!("{LEGACY_REVISION_PREFIX}{key}"), text)?;
        tx.delete(REVISIONS, key)?;
    }
    tx.done().await?;
    Ok(())
}

/// Reads one stored revision and says which format it was in.
fn decode<'a>(text: &'a str, vault: &'a Vault) -> Boxed<'a, Result<(Revision, u32), String>> {
    Box::pin(decode_now(text, vault))
}

async fn decode_now(text: &str, vault: &Vault) -> Result<(Revision, u32), String> {
    // The reader says only that the text is not what it should be (the
    // apps' reader keeps no message: `core::json`).
    let version =
        json::from_str::<EnvelopeVersion>(text).map_err(|_| "not readable JSON".to_owned())?;
    let plain = match version.v {
        SEALED_VERSION => {
            let envelope = json::from_str::<EncryptedEnvelope>(text)
                .map_err(|_| "damaged entry".to_owned())?;
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
        v if v > SEALED_VERSION => {
            return Err(format!(
                "written by a newer Beatbook (format {v}); update the app"
            ))
        }
        v => return Err(format!("unknown format {v}")),
    };
    json::from_str::<EnvelopeIn>(&plain)
        .map(|e| (e.rev, version.v))
        .map_err(|_| "damaged entry".to_owned())
}

/// What storage holds, by revision ID only (nothing is decrypted): what the
/// sign-out check and every tab agree on, whatever each has in memory.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inventory {
    pub revisions: Vec<RevisionId>,
    pub answers: HashMap<RevisionId, Answer>,
    pub quarantined: usize,
}

pub fn inventory() -> Boxed<'static, Result<Inventory, StoreError>> {
    Box::pin(inventory_now())
}

async fn inventory_now() -> Result<Inventory, StoreError> {
    let tx = Tx::read(&[REVISIONS, ANSWERS, QUARANTINE]).await?;
    let (revisions, answers, quarantine) =
        (tx.all(REVISIONS)?, tx.all(ANSWERS)?, tx.all(QUARANTINE)?);
    tx.done().await?;
    Ok(Inventory {
        revisions: revisions
            .pairs()
            .into_iter()
            .filter_map(|(k, _)| RevisionId::parse(&k))
            .collect(),
        answers: answers
            .pairs()
            .into_iter()
            .filter_map(|(k, v)| Some((RevisionId::parse(&k)?, json::from_str(&v).ok()?)))
            .collect(),
        quarantined: quarantine.pairs().len(),
    })
}

/// Reads and opens the given revisions (another tab saved them). One that
/// cannot be read is left where it is: the next unlock quarantines it.
pub async fn read_revisions(ids: &[RevisionId], vault: &Vault) -> Vec<Revision> {
    if ids.is_empty() {
        return Vec::new();
    }
    let Ok(tx) = Tx::read(&[REVISIONS]).await else {
        return Vec::new();
    };
    let requests: Vec<IdbRequest> = ids
        .iter()
        .filter_map(|id| tx.get(REVISIONS, &id.to_string()).ok())
        .collect();
    if tx.done().await.is_err() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for text in requests.iter().filter_map(idb::text_of) {
        if let Ok((rev, _)) = decode(&text, vault).await {
            out.push(rev);
        }
    }
    out
}

/// Removes revisions (and their answers) the server holds, in one
/// transaction. The caller decides which (`outbox::retained`).
pub async fn forget(ids: &[RevisionId]) -> Result<(), StoreError> {
    if ids.is_empty() {
        return Ok(());
    }
    let tx = Tx::write(&[REVISIONS, ANSWERS]).await?;
    for id in ids {
        let key = id.to_string();
        tx.delete(REVISIONS, &key)?;
        tx.delete(ANSWERS, &key)?;
    }
    tx.done().await?;
    Ok(())
}

/// Reads a small value (the officer profile, settings).
pub fn get<T: for<'de> Deserialize<'de>>(key: &str) -> Option<T> {
    let text = local()?.get_item(key).ok()??;
    json::from_str(&text).ok()
}

pub fn set<T: Serialize>(key: &str, value: &T) -> Result<(), StoreError> {
    local().ok_or(StoreError::Unavailable)?;
    LocalStorage::set(key, value)?;
    Ok(())
}

/// Settings the log cannot be read without (the vault's salt and check,
/// whose profile it is, the device ID). Local storage keeps them for the
/// synchronous first paint, but Chromium writes it to disk up to a minute
/// late, so each is also kept in IndexedDB, in the clear as before.
pub const DURABLE_SETTINGS: [&str; 3] = [VAULT_KEY, PROFILE_KEY, DEVICE_KEY];

/// [`set`], then the same value in IndexedDB; `Ok` once both hold it.
pub async fn set_durable<T: Serialize>(key: &str, value: &T) -> Result<(), StoreError> {
    set(key, value)?;
    let text = serde_json::to_string(value)?;
    let tx = Tx::write(&[META]).await?;
    tx.put(META, key, &text)?;
    tx.done().await?;
    Ok(())
}

/// After a browser was killed before local storage reached the disk: puts
/// back the durable settings it lost from their IndexedDB copies. Returns
/// whether anything came back (the app then decides its phase again).
pub async fn recover_settings() -> bool {
    let Some(raw) = local() else { return false };
    let missing: Vec<&str> = DURABLE_SETTINGS
        .into_iter()
        .filter(|k| raw.get_item(k).ok().flatten().is_none())
        .collect();
    if missing.is_empty() {
        return false;
    }
    let Ok(tx) = Tx::read(&[META]).await else {
        return false;
    };
    let requests: Vec<(&str, IdbRequest)> = missing
        .into_iter()
        .filter_map(|k| Some((k, tx.get(META, k).ok()?)))
        .collect();
    if tx.done().await.is_err() {
        return false;
    }
    let mut recovered = false;
    for (key, request) in requests {
        if let Some(text) = idb::text_of(&request) {
            recovered |= raw.set_item(key, &text).is_ok();
        }
    }
    recovered
}

/// After sign-out was allowed (nothing held back): removes the revisions the
/// server holds and their answers, the session, the draft, the PIN vault and
/// the profile. Quarantined items and the device ID stay. The caller holds
/// the exclusive log lock, so no tab saves meanwhile.
pub async fn purge_signed_out(acknowledged: &[RevisionId]) -> Result<(), StoreError> {
    forget(acknowledged).await?;
    let tx = Tx::write(&[META]).await?;
    for key in [SESSION, DRAFT, VAULT_KEY, PROFILE_KEY] {
        tx.delete(META, key)?;
    }
    tx.done().await?;
    if let Some(raw) = local() {
        for key in [VAULT_KEY, PROFILE_KEY, PIN_FAILURES_KEY, LEGACY_SESSION_KEY] {
            let _ = raw.remove_item(key);
        }
    }
    Ok(())
}
