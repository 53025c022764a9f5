//! The app's shared state, provided once as context.
use crate::platform::Persistence;
use crate::sent_back::{SentBack, SentBackFetch};
use crate::session::Session;
use crate::storage::{self, Quarantined};
use crate::sync::{Engine, SyncStatus};
use crate::vault::{Vault, VaultParams};
use beatbook_core::sync::Answer;
use beatbook_core::{EntryId, Log, RecordKind, RevisionId};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::Serialize;
use std::collections::HashMap;

/// Who uses this device. Kept in the clear so the lock screen can say whose
/// phone it is; everything they recorded is encrypted.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Profile {
    pub officer_id: String,
    pub display_name: String,
}

// `decode_struct!` rather than the derive: smaller in the download.
beatbook_core::decode_struct!(Profile {
    officer_id = default,
    display_name = default,
});

/// Where the app is in its life on this device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Nobody has signed in on this device yet (or they signed out).
    SignIn,
    /// Signed in; a PIN must be chosen before anything is recorded.
    SetPin,
    /// Data is encrypted and the key is not in memory.
    Locked,
    /// Decrypting the log after the PIN was accepted.
    Opening,
    Unlocked,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Screen {
    Home,
    NewEntry(RecordKind),
    Correct(EntryId),
    Detail(EntryId),
    Shift(EntryId),
    /// Signing in again with the session expired, entries kept.
    Reauth,
    /// Supervisors: the review screens (a bundle of their own).
    Review,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Toast {
    Saved(String),
    Problem(String),
}

#[derive(Clone, Copy)]
pub struct AppState {
    pub phase: RwSignal<Phase>,
    pub log: RwSignal<Log>,
    pub profile: RwSignal<Profile>,
    pub session: RwSignal<Option<Session>>,
    /// The PIN's key, only while unlocked (never stored).
    pub vault: StoredValue<Option<Vault>, LocalStorage>,
    pub screen: RwSignal<Screen>,
    pub toast: RwSignal<Option<Toast>>,
    pub persistence: RwSignal<Persistence>,
    pub quarantined: RwSignal<Vec<Quarantined>>,
    pub storage_problem: RwSignal<Option<String>>,
    pub update_available: RwSignal<bool>,
    /// Ticks every second while the app is open, for running timers.
    pub clock: RwSignal<DateTime<Utc>>,
    /// The server's answer per revision; a revision without one is pending.
    pub outcomes: RwSignal<HashMap<RevisionId, Answer>>,
    pub sync_status: RwSignal<SyncStatus>,
    pub engine: Engine,
    /// The officer's shifts a supervisor sent back, as last read from the
    /// server (in memory only; see `sent_back.rs`).
    pub sent_back: RwSignal<Vec<SentBack>>,
    pub sent_back_fetch: SentBackFetch,
    /// Last touch or key press, for the inactivity lock.
    pub last_activity: StoredValue<DateTime<Utc>>,
}

impl AppState {
    /// Reads only what is in the clear; the log waits for the PIN.
    pub fn new() -> Self {
        let profile: Profile = storage::get(storage::PROFILE_KEY).unwrap_or_default();
        let has_vault = storage::get::<VaultParams>(storage::VAULT_KEY).is_some();
        let phase = match (has_vault, profile.officer_id.is_empty()) {
            (true, _) => Phase::Locked,
            (false, false) => Phase::SetPin,
            (false, true) => Phase::SignIn,
        };
        let problem = (!storage::available()).then(|| storage::StoreError::Unavailable.to_string());
        Self {
            phase: RwSignal::new(phase),
            log: RwSignal::new(Log::default()),
            profile: RwSignal::new(profile),
            session: RwSignal::new(None),
            vault: StoredValue::new_local(None),
            screen: RwSignal::new(Screen::Home),
            toast: RwSignal::new(None),
            persistence: RwSignal::new(Persistence::Unknown),
            quarantined: RwSignal::new(Vec::new()),
            storage_problem: RwSignal::new(problem),
            update_available: RwSignal::new(false),
            clock: RwSignal::new(crate::platform::now()),
            outcomes: RwSignal::new(HashMap::new()),
            sync_status: RwSignal::new(SyncStatus::Idle),
            engine: Engine::new(),
            sent_back: RwSignal::new(Vec::new()),
            sent_back_fetch: SentBackFetch::new(),
            last_activity: StoredValue::new(crate::platform::now()),
        }
    }

    /// Takes the PIN's key: decrypts the log and the session into memory.
    pub async fn open(&self, vault: Vault) {
        self.phase.set(Phase::Opening);
        match storage::load(&vault).await {
            Ok(loaded) => {
                self.log.set(Log::from_revisions(loaded.revisions));
                self.quarantined.set(loaded.quarantined);
                self.outcomes.set(loaded.outcomes);
            }
            Err(e) => self.storage_problem.set(Some(e.to_string())),
        }
        let session = storage::get_sealed::<Session>(storage::SESSION_KEY, &vault).await;
        // Read again for whoever opened the app (the sync round below).
        self.sent_back.set(Vec::new());
        self.sent_back_fetch.reset();
        self.session.set(session);
        self.vault.set_value(Some(vault));
        self.last_activity.set_value(crate::platform::now());
        self.screen.set(Screen::Home);
        self.phase.set(Phase::Unlocked);
        crate::sync::kick(*self);
    }

    /// Forgets the key and everything decrypted with it.
    pub fn lock(&self) {
        if self.phase.get_untracked() != Phase::Unlocked {
            return;
        }
        self.vault.set_value(None);
        self.session.set(None);
        self.log.set(Log::default());
        self.outcomes.set(HashMap::new());
        self.sent_back.set(Vec::new());
        self.sent_back_fetch.reset();
        self.screen.set(Screen::Home);
        self.phase.set(Phase::Locked);
    }

    pub fn go(&self, screen: Screen) {
        self.screen.set(screen);
        if let Some(w) = web_sys::window() {
            w.scroll_to_with_x_and_y(0.0, 0.0);
        }
    }

    pub fn saved(&self, what: impl Into<String>) {
        self.toast.set(Some(Toast::Saved(what.into())));
    }

    pub fn problem(&self, what: impl Into<String>) {
        self.toast.set(Some(Toast::Problem(what.into())));
    }
}

impl Default for AppState {
    fn default() -> Self {
        Self::new()
    }
}

pub fn use_state() -> AppState {
    expect_context::<AppState>()
}
