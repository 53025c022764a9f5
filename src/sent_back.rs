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
use beatbook_core::EntryId;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde_json::Value;

/// The review states that send a shift back to its officer.
const SENT_BACK_STATES: [&str; 2] = ["has_issues", "rejected"];
/// Most shifts read per state: more would not fit a phone screen anyway.
const PAGE_SIZE: u32 = 20;
/// Fetches closer together than this are skipped (every list read is a row
/// in the server's access log, and a sync round follows each save).
const MIN_INTERVAL_SECONDS: i64 = 60;

/// A shift the supervisor sent back: the fields of the shift list
/// (`core::review::ShiftSummary`) shown here.
#[derive(Debug, Clone, PartialEq)]
pub struct SentBack {
    pub shift_id: EntryId,
    pub callsign: String,
    pub start: DateTime<Utc>,
    /// `has_issues` or `rejected`.
    pub review: String,
    /// The supervisor's words, as written.
    pub comment: String,
}

impl SentBack {
    /// The state in words ("Has issues", "Rejected").
    pub fn state_label(&self) -> &'static str {
        beatbook_core::review::review_label(&self.review)
    }
}

/// Reads a page of the shift list. Through `serde_json::Value`, whose
/// decoder the app already has: a derived decoder for the page would cost
/// the download more than this feature's screens. `None` if anything in it
/// is not as expected.
pub(crate) fn read_page(body: &str) -> Option<Vec<SentBack>> {
    let page: Value = serde_json::from_str(body).ok()?;
    let shifts = page.get("shifts")?.as_array()?;
    shifts
        .iter()
        .map(|shift| {
            let text = |key| shift.get(key).and_then(Value::as_str);
            Some(SentBack {
                shift_id: EntryId::parse(text("shift_id")?)?,
                callsign: text("callsign").unwrap_or_default().to_owned(),
                start: beatbook_core::time::parse(text("start")?)?,
                review: text("review")?.to_owned(),
                comment: text("review_comment").unwrap_or_default().to_owned(),
            })
        })
        .collect()
}

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
    let officer = String::from(js_sys::encode_uri_component(officer_id));
    let mut found = Vec::new();
    for review in SENT_BACK_STATES {
        let path =
            format!("/api/v1/shifts?officer_id={officer}&review={review}&page_size={PAGE_SIZE}");
        match crate::http::get(&path, Some(token)).await {
            Ok((200, body)) => found.extend(read_page(&body)?),
            _ => return None,
        }
    }
    Some(found)
}
