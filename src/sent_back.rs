//! The officer's shifts that a supervisor sent back (`has_issues` or
//! `rejected`), read from `GET /api/v1/shifts` after a sync round, so the
//! officer sees the comment and can correct the entries.
//!
//! Kept in memory only: the server's answer is the truth, so an approval
//! clears an item at the next fetch, and nothing stale outlives a lock. A
//! failed fetch (no signal, an ended session, a server problem) keeps what
//! was shown and never touches recording or sync.
use crate::platform;
use crate::state::{AppState, Phase};
use beatbook_client::ShiftQuery;
use chrono::{DateTime, Utc};
use leptos::prelude::*;

/// The review states that send a shift back to its officer.
const SENT_BACK_STATES: [&str; 2] = ["has_issues", "rejected"];
/// Most shifts read per state: more would not fit a phone screen anyway.
const PAGE_SIZE: u32 = 20;
/// Fetches closer together than this are skipped (every list read is a row
/// in the server's access log, and a sync round follows each save).
const MIN_INTERVAL_SECONDS: i64 = 60;

/// A shift the supervisor sent back, with the supervisor's comment: the
/// fields of the shift list the officer app reads (`core::review::ShiftLine`).
pub type SentBack = beatbook_core::review::ShiftLine;

/// When the list was last asked for (reset when the app locks), so a burst
/// of sync rounds asks once.
#[derive(Clone, Copy)]
pub struct SentBackFetch {
    last: StoredValue<Option<DateTime<Utc>>>,
}

impl SentBackFetch {
    pub fn new() -> Self {
        Self {
            last: StoredValue::new(None),
        }
    }

    pub fn reset(&self) {
        self.last.set_value(None);
    }
}

impl Default for SentBackFetch {
    fn default() -> Self {
        Self::new()
    }
}

/// Reads the sent-back shifts again, unless that was tried a moment ago.
/// Officers only: a supervisor's list is their team's shifts (and an admin
/// may not read it); a session sealed before roles were kept waits for the
/// next sign-in. The query names the officer too, so a role changed since
/// sign-in gets a refusal rather than someone else's shifts.
pub fn refresh(state: AppState) {
    let last = state.sent_back_fetch.last;
    let now = platform::now();
    if last
        .get_value()
        .is_some_and(|at| (now - at).num_seconds() < MIN_INTERVAL_SECONDS)
    {
        return;
    }
    let Some((token, officer_id)) = state.session.with_untracked(|s| {
        s.as_ref()
            .filter(|s| s.expires_at > now && s.user.is_officer())
            .map(|s| (s.token.clone(), s.user.officer_id.clone()))
    }) else {
        return;
    };
    last.set_value(Some(now));
    leptos::task::spawn_local(async move {
        let found = fetch_sent_back(&token, &officer_id).await;
        // Locked or signed out meanwhile: what was fetched is not shown.
        let same_session = state
            .session
            .with_untracked(|s| s.as_ref().is_some_and(|s| s.token == token));
        if let (Some(found), true, Phase::Unlocked) =
            (found, same_session, state.phase.get_untracked())
        {
            if state.sent_back.with_untracked(|shown| *shown != found) {
                state.sent_back.set(found.clone());
            }
            // Only now is it known which shifts are sent back (and stay).
            let mut keep: Vec<_> = found.iter().map(|s| s.shift_id).collect();
            keep.extend(state.read_back.get_value());
            state.apply_retention(&keep).await;
        }
    });
}

/// Both sent-back states, newest shift first within each; `None` if either
/// read failed (then what is shown stays as it was).
async fn fetch_sent_back(token: &str, officer_id: &str) -> Option<Vec<SentBack>> {
    let mut found = Vec::new();
    for review in SENT_BACK_STATES {
        let query = ShiftQuery {
            officer_id: officer_id.to_owned(),
            review: review.to_owned(),
            page_size: Some(PAGE_SIZE),
            ..ShiftQuery::default()
        };
        // Any failure (no signal, an ended session, the server) keeps what
        // is shown: the next sync round asks again.
        let page = beatbook_client::shift_lines(token, &query).await.ok()?;
        found.extend(page.shifts);
    }
    Some(found)
}
