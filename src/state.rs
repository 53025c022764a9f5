//! The app's shared state, provided once as context.
use crate::platform::Persistence;
use crate::storage::{self, Quarantined};
use crate::sync::{Engine, SyncStatus};
use beatbook_core::sync::Answer;
use beatbook_core::{EntryId, Log, RecordKind, RevisionId};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Who is using this device, and what they used last (pre-filled next shift).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Profile {
    pub officer_id: String,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Screen {
    Home,
    NewEntry(RecordKind),
    Correct(EntryId),
    Detail(EntryId),
    Shift(EntryId),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Toast {
    Saved(String),
    Problem(String),
}

#[derive(Clone, Copy)]
pub struct AppState {
    pub log: RwSignal<Log>,
    pub profile: RwSignal<Profile>,
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
}

impl AppState {
    pub fn load() -> Self {
        let (log, quarantined, outcomes, problem) = match storage::load() {
            Ok(loaded) => (
                Log::from_revisions(loaded.revisions),
                loaded.quarantined,
                loaded.outcomes,
                None,
            ),
            Err(e) => (
                Log::default(),
                Vec::new(),
                HashMap::new(),
                Some(e.to_string()),
            ),
        };
        Self {
            log: RwSignal::new(log),
            profile: RwSignal::new(storage::get(storage::PROFILE_KEY).unwrap_or_default()),
            screen: RwSignal::new(Screen::Home),
            toast: RwSignal::new(None),
            persistence: RwSignal::new(Persistence::Unknown),
            quarantined: RwSignal::new(quarantined),
            storage_problem: RwSignal::new(problem),
            update_available: RwSignal::new(false),
            clock: RwSignal::new(crate::platform::now()),
            outcomes: RwSignal::new(outcomes),
            sync_status: RwSignal::new(SyncStatus::Idle),
            engine: Engine::new(),
        }
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

pub fn use_state() -> AppState {
    expect_context::<AppState>()
}
