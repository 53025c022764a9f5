//! Shifts that retention let go from the phone, read back from the server
//! so the officer can still see and correct them. A shift read back is kept
//! on the phone as the server holds it (each revision with an `already_had`
//! answer), and retention leaves it alone for the rest of the session.
use crate::sent_back::SentBack;
use crate::state::{AppState, Screen};
use crate::{storage, tabs};
use beatbook_client::{ApiError, ShiftQuery, ShiftRevisionsQuery};
use beatbook_core::sync::{Answer, OutcomeKind};
use beatbook_core::{EntryId, Revision};
use leptos::prelude::*;

/// How many of the officer's latest shifts the list offers.
const PAGE_SIZE: u32 = 20;
/// Most revisions one shift holds that the app reads back (the server's
/// largest page).
const MAX_REVISIONS: u32 = 500;

/// The officer's shifts the server holds and this phone does not.
pub async fn not_on_phone(state: AppState) -> Result<Vec<SentBack>, String> {
    let (token, officer_id) = credentials(state)?;
    let query = ShiftQuery {
        officer_id,
        page_size: Some(PAGE_SIZE),
        ..ShiftQuery::default()
    };
    let page = beatbook_client::shift_lines(&token, &query)
        .await
        .map_err(|e| say(&e))?;
    Ok(state.log.with_untracked(|log| {
        page.shifts
            .into_iter()
            .filter(|s| log.get(s.shift_id).is_none())
            .collect()
    }))
}

/// Reads one shift and everything recorded in it back onto the phone, then
/// opens it.
pub async fn read_back(state: AppState, shift: EntryId) -> Result<(), String> {
    let (token, _) = credentials(state)?;
    let query = ShiftRevisionsQuery {
        shift_id: shift,
        limit: MAX_REVISIONS,
    };
    let page = beatbook_client::shift_revisions(&token, &query)
        .await
        .map_err(|e| say(&e))?;
    let mut revisions: Vec<Revision> = page.revisions.into_iter().map(|r| r.revision).collect();
    let vault = state.vault.get_value().ok_or("Beatbook is locked")?;
    revisions.retain(|r| {
        state
            .log
            .with_untracked(|log| log.get(r.entry_id).is_none())
    });
    for rev in &revisions {
        // Not this device's save: the chain's head stays where it is.
        storage::save(rev, &vault)
            .await
            .map_err(|e| e.to_string())?;
    }
    let held: Vec<_> = revisions
        .iter()
        .map(|r| {
            let answer = Answer {
                index: 0,
                outcome: OutcomeKind::AlreadyHad,
                received_at: None,
                message: None,
                retry: false,
            };
            (r.id, answer)
        })
        .collect();
    storage::save_outcomes(&held)
        .await
        .map_err(|e| e.to_string())?;
    state.read_back.update_value(|kept| kept.push(shift));
    let mut order: Vec<&Revision> = revisions.iter().collect();
    beatbook_core::revision::sort_revisions(&mut order, |r| {
        [r.entry_id.as_u128(), u128::from(r.seq), 0]
    });
    state.log.update(|log| {
        for rev in order {
            let _ = log.insert(rev.clone());
        }
    });
    state.outcomes.update(|o| o.extend(held));
    tabs::tell(tabs::Message::LogChanged);
    state.go(Screen::Shift(shift));
    Ok(())
}

fn credentials(state: AppState) -> Result<(String, String), String> {
    state
        .session
        .with_untracked(|s| {
            s.as_ref()
                .map(|s| (s.token.clone(), s.user.officer_id.clone()))
        })
        .ok_or_else(|| "Sign in again to read earlier shifts from the server".to_owned())
}

/// A failed read in the officer's words: an ended session says what to do.
fn say(e: &ApiError) -> String {
    if e.needs_sign_in() {
        "Sign in again to read earlier shifts from the server".to_owned()
    } else {
        e.to_string()
    }
}
