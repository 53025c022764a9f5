//! The app's shared state, provided once as context.
use crate::platform::Persistence;
use crate::sent_back::{SentBack, SentBackFetch};
use crate::session::Session;
use crate::storage::{self, Quarantined};
use crate::sync::{Engine, SyncStatus};
use crate::tabs::{self, Mode, LOG_LOCK};
use crate::vault::{Vault, VaultParams};
use beatbook_core::form::FormValues;
use beatbook_core::sync::Answer;
use beatbook_core::{EntryId, Log, RecordKind, RevisionId};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

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

/// A form as typed so far, kept (in memory only) while the app locks for
/// inactivity and put back after unlock.
#[derive(Debug, Clone, PartialEq)]
pub struct KeptForm {
    pub screen: Screen,
    pub values: FormValues,
    pub reason: String,
}

/// How much of the browser's storage allowance the app uses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StorageUse {
    pub used: f64,
    pub quota: f64,
}

impl StorageUse {
    /// Share of the allowance in use, 0 to 1.
    pub fn share(&self) -> f64 {
        if self.quota > 0.0 {
            self.used / self.quota
        } else {
            0.0
        }
    }

    /// Whole percent (integers: float formatting would grow the download).
    pub fn percent(&self) -> i64 {
        (self.share() * 100.0).round() as i64
    }
}

/// Warn the officer when storage is this full.
pub const STORAGE_WARNING_SHARE: f64 = 0.8;

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
    /// A save is in flight: a second tap on Save or End is ignored.
    pub saving: StoredValue<bool>,
    pub kept_form: StoredValue<Option<KeptForm>>,
    /// Shifts read back from the server this session: retention leaves
    /// them on the phone until the app locks.
    pub read_back: StoredValue<Vec<EntryId>>,
    pub storage_use: RwSignal<Option<StorageUse>>,
    /// The force's settings as last heard (`crate::force`; the defaults
    /// until then), and when they were last asked for.
    pub force: RwSignal<beatbook_core::force::ForceSettings>,
    pub force_fetch: StoredValue<Option<DateTime<Utc>>>,
}

impl AppState {
    /// Reads only what is in the clear; the log waits for the PIN.
    pub fn new() -> Self {
        let (profile, phase) = Self::stored_phase();
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
            saving: StoredValue::new(false),
            kept_form: StoredValue::new(None),
            read_back: StoredValue::new(Vec::new()),
            storage_use: RwSignal::new(None),
            force: RwSignal::new(crate::force::cached()),
            force_fetch: StoredValue::new(None),
        }
    }

    /// Who this device belongs to and where the app starts, from settings.
    fn stored_phase() -> (Profile, Phase) {
        let profile: Profile = storage::get(storage::PROFILE_KEY).unwrap_or_default();
        let has_vault = storage::get::<VaultParams>(storage::VAULT_KEY).is_some();
        let phase = match (has_vault, profile.officer_id.is_empty()) {
            (true, _) => Phase::Locked,
            (false, false) => Phase::SetPin,
            (false, true) => Phase::SignIn,
        };
        (profile, phase)
    }

    /// Puts back settings a killed browser lost from local storage (see
    /// `storage::recover_settings`), then starts from the right screen.
    pub async fn recover_settings(&self) {
        if storage::recover_settings().await
            && matches!(self.phase.get_untracked(), Phase::SignIn | Phase::SetPin)
        {
            let (profile, phase) = Self::stored_phase();
            self.profile.set(profile);
            self.phase.set(phase);
        }
    }

    /// Takes the PIN's key: decrypts the log and the session into memory.
    /// Reading (and a first start's migration) runs under the exclusive log
    /// lock, so no other tab writes meanwhile.
    pub async fn open(&self, vault: Vault) {
        self.phase.set(Phase::Opening);
        let loaded = tabs::with_lock(LOG_LOCK, Mode::Exclusive, storage::load(&vault)).await;
        match loaded {
            Some(Ok(loaded)) => {
                if let Some(problem) = loaded.problem {
                    self.storage_problem.set(Some(problem));
                }
                self.log.set(Log::from_revisions(loaded.revisions));
                self.quarantined.set(loaded.quarantined);
                self.outcomes.set(loaded.outcomes);
            }
            Some(Err(e)) => self.storage_problem.set(Some(e.to_string())),
            None => {}
        }
        let session = storage::get_sealed::<Session>(storage::SESSION, &vault).await;
        // Read again for whoever opened the app (the sync round below).
        self.sent_back.set(Vec::new());
        self.sent_back_fetch.reset();
        self.session.set(session);
        self.vault.set_value(Some(vault));
        self.last_activity.set_value(crate::platform::now());
        // A form the officer was typing when the app locked comes back.
        let screen = self
            .kept_form
            .with_value(|k| k.as_ref().map(|k| k.screen))
            .unwrap_or(Screen::Home);
        self.screen.set(screen);
        self.phase.set(Phase::Unlocked);
        self.measure_storage();
        crate::sync::kick(*self);
    }

    /// Another tab changed storage: read what it added (revisions, answers)
    /// and drop what it forgot (retention), without reading everything again.
    pub async fn refresh_from_storage(&self) {
        let Some(vault) = self.vault.get_value() else {
            return;
        };
        let Ok(stored) = storage::inventory().await else {
            return;
        };
        let known: HashSet<RevisionId> = self.log.with_untracked(|log| {
            log.revisions()
                .map(|r| r.id)
                .chain(log.unplaced().iter().map(|(r, _)| r.id))
                .collect()
        });
        let new: Vec<RevisionId> = stored
            .revisions
            .iter()
            .filter(|id| !known.contains(id))
            .copied()
            .collect();
        let added = storage::read_revisions(&new, &vault).await;
        // In sequence order, so each fits its history (core's one sort).
        let mut added: Vec<&beatbook_core::Revision> = added.iter().collect();
        beatbook_core::revision::sort_revisions(&mut added, |r| {
            [r.entry_id.as_u128(), u128::from(r.seq), 0]
        });
        let kept: HashSet<RevisionId> = stored.revisions.iter().copied().collect();
        if self.phase.get_untracked() != Phase::Unlocked {
            return;
        }
        self.log.update(|log| {
            let gone: Vec<EntryId> = log
                .revisions()
                .filter(|r| r.seq == 1 && !kept.contains(&r.id))
                .map(|r| r.entry_id)
                .collect();
            log.forget(&gone);
            for rev in added {
                // One that does not fit is still in storage and is reported
                // as unplaced at the next unlock.
                let _ = log.insert(rev.clone());
            }
        });
        self.outcomes.set(stored.answers);
        self.quarantined.update(|q| {
            if stored.quarantined > q.len() {
                q.push(Quarantined {
                    key: "quarantine".into(),
                    reason: "kept aside by another tab".into(),
                    bytes: 0,
                });
            }
        });
    }

    /// Forgets the key and everything decrypted with it, in every tab.
    pub fn lock(&self) {
        if self.phase.get_untracked() == Phase::Unlocked {
            tabs::tell(tabs::Message::Locked);
        }
        self.forget_keys();
    }

    /// Locks this tab only (another tab locked, or the officer signed out).
    pub fn forget_keys(&self) {
        if self.phase.get_untracked() != Phase::Unlocked {
            return;
        }
        self.vault.set_value(None);
        self.session.set(None);
        self.log.set(Log::default());
        self.outcomes.set(HashMap::new());
        self.sent_back.set(Vec::new());
        self.sent_back_fetch.reset();
        self.read_back.set_value(Vec::new());
        self.screen.set(Screen::Home);
        self.phase.set(Phase::Locked);
    }

    /// The officer signed out (here or in another tab): nothing of theirs
    /// stays in memory.
    pub fn signed_out(&self) {
        self.vault.set_value(None);
        self.session.set(None);
        self.log.set(Log::default());
        self.outcomes.set(HashMap::new());
        self.kept_form.set_value(None);
        self.sent_back.set(Vec::new());
        self.profile.set(Profile::default());
        self.screen.set(Screen::Home);
        self.phase.set(Phase::SignIn);
    }

    /// Lets synced, finished shifts leave the phone (`outbox::retention`).
    /// `sent_back` is what the server just said is sent back for
    /// correction: those stay whatever their age.
    pub async fn apply_retention(&self, sent_back: &[EntryId]) {
        let window = chrono::Duration::days(self.force.with_untracked(|f| f.retention_days).into());
        let now = crate::platform::server_now();
        let (ids, entries) = self.log.with_untracked(|log| {
            self.outcomes.with_untracked(|o| {
                let ids = crate::outbox::retention(log, o, sent_back, now, window);
                let set: HashSet<&RevisionId> = ids.iter().collect();
                let entries: Vec<EntryId> = log
                    .revisions()
                    .filter(|r| r.seq == 1 && set.contains(&r.id))
                    .map(|r| r.entry_id)
                    .collect();
                (ids, entries)
            })
        });
        if ids.is_empty() {
            return;
        }
        let forgotten = tabs::with_lock(LOG_LOCK, Mode::Exclusive, storage::forget(&ids)).await;
        if let Some(Ok(())) = forgotten {
            self.log.update(|log| log.forget(&entries));
            self.outcomes.update(|o| {
                for id in &ids {
                    o.remove(id);
                }
            });
            tabs::tell(tabs::Message::LogChanged);
            self.measure_storage();
        }
    }

    /// Asks the browser how much of its allowance the app uses.
    pub fn measure_storage(&self) {
        let state = *self;
        leptos::task::spawn_local(async move {
            if let Some((used, quota)) = crate::platform::storage_estimate().await {
                state.storage_use.set(Some(StorageUse { used, quota }));
            }
        });
    }

    pub fn go(&self, screen: Screen) {
        // Leaving a form (saved or not) lets go of what was kept of it.
        if self
            .kept_form
            .with_value(|k| k.as_ref().is_some_and(|k| k.screen != screen))
        {
            self.kept_form.set_value(None);
        }
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
