//! One entry: its latest content, its record reference, and its history of
//! revisions one tap away (every earlier version stays readable).
use crate::actions;
use crate::outbox::{attention_reasons, sync_mark};
use crate::platform;
use crate::state::{use_state, Screen};
use beatbook_core::display as fmt;
use beatbook_core::form::{self, LocalTime};
use beatbook_core::{Change, EntryId, Log, Revision};
use leptos::prelude::*;

#[component]
pub fn EntryDetail(entry: EntryId) -> impl IntoView {
    let state = use_state();
    let local = platform::local_time();
    move || {
        state.log.with(|log| {
            let Some(history) = log.get(entry) else {
                return view! { <section class="card"><p>"That entry is not on this device."</p></section> }.into_any();
            };
            let Some(latest) = history.latest() else {
                return ().into_any();
            };
            let kind = latest.kind();
            let back = latest.shift_id.map_or(Screen::Home, |s| {
                if log.open_shift().is_some_and(|o| o.entry_id == s) { Screen::Home } else { Screen::Shift(s) }
            });
            let mark = state.outcomes.with(|o| sync_mark(log, o, entry));
            let reasons = state.outcomes.with(|o| attention_reasons(log, o, entry))
                .into_iter()
                .map(|r| view! { <li>{r}</li> })
                .collect_view();
            let rows = field_rows(latest, log, local);
            let revisions = history
                .revisions()
                .iter()
                .rev()
                .enumerate()
                .map(|(i, rev)| {
                    let previous = history.revisions().get((rev.seq as usize).saturating_sub(2)).filter(|_| rev.seq > 1);
                    revision_item(rev, previous, log, local, i == 0)
                })
                .collect_view();
            let count = history.revisions().len();
            // Nothing follows a withdrawal.
            let withdrawn = matches!(latest.change, Change::Withdrawn { .. });
            view! {
                <section class="card detail" aria-labelledby="detail-title">
                    <h2 id="detail-title">{kind.label()}</h2>
                    <p class="reference">"Record reference " <strong>{entry.reference()}</strong></p>
                    <p><span class=format!("badge {}", mark.class())>{mark.label()}</span></p>
                    <ul class="attention">{reasons}</ul>
                    {withdrawn.then_some(view! { <p><strong>"Withdrawn: left out of the counts"</strong></p> })}
                    <dl class="fields">{rows}</dl>
                    {latest.location.map(|l| view! {
                        <p class="muted">{format!("Location {}, {} (±{} m)", fmt::fixed(l.lat, 5), fmt::fixed(l.lon, 5), fmt::fixed(l.accuracy_m, 0))}</p>
                    })}
                    <div class="actions">
                        {(!withdrawn).then(|| view! {
                            <button type="button" class="primary" on:click=move |_| state.go(Screen::Correct(entry))>"Correct this entry"</button>
                        })}
                        <button type="button" on:click=move |_| state.go(back)>"Back"</button>
                    </div>
                    {(!withdrawn).then(|| withdraw_form(entry))}
                    <details class="history">
                        <summary>{format!("History ({count} revision{})", if count == 1 { "" } else { "s" })}</summary>
                        <ol class="revisions">{revisions}</ol>
                    </details>
                </section>
            }
            .into_any()
        })
    }
}

/// "Withdraw entry", confirmed with a reason: for an entry made in error
/// (a duplicate, the wrong person). Kept in the history, left out of the
/// counts. Saved through the correction's path (`actions::withdraw`).
fn withdraw_form(entry: EntryId) -> impl IntoView {
    let state = use_state();
    let open = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    view! {
        <button type="button" class="danger" aria-expanded=move || open.get().to_string()
            on:click=move |_| open.update(|o| *o = !*o)>"Withdraw entry"</button>
        {move || open.get().then(|| view! {
            <form class="withdraw" on:submit=move |ev| {
                ev.prevent_default();
                leptos::task::spawn_local(async move {
                    match actions::withdraw(state, entry, reason.get_untracked()).await {
                        Ok(()) => state.saved("Entry withdrawn"),
                        Err(e) => state.problem(e.to_string()),
                    }
                });
            }>
                <label for="w-reason">"Why withdraw it? (required)"</label>
                <textarea id="w-reason" required on:input=move |ev| reason.set(event_target_value(&ev))></textarea>
                <button type="submit" class="danger">"Confirm withdrawal"</button>
            </form>
        })}
    }
}

fn field_rows(rev: &Revision, log: &Log, local: LocalTime) -> impl IntoView {
    let values = form::revision_to_form(rev, local);
    // The end of an ended shift or patrol is among them (`form::ENDED_AT`).
    let rows: Vec<(String, String)> = form::visible_fields(rev.kind(), &values)
        .into_iter()
        .filter_map(|spec| {
            fmt::field_text(spec, &values, log, local).map(|t| (spec.label.to_owned(), t))
        })
        .collect();
    rows.into_iter()
        .map(|(label, text)| view! { <div class="pair"><dt>{label}</dt><dd>{text}</dd></div> })
        .collect_view()
}

/// One revision in the history, with what it changed from the one before.
fn revision_item(
    rev: &Revision,
    previous: Option<&Revision>,
    log: &Log,
    local: LocalTime,
    latest: bool,
) -> impl IntoView {
    let what = match &rev.change {
        Change::Created => "Recorded".to_owned(),
        Change::Ended => "Ended".to_owned(),
        Change::Corrected { reason } => format!("Corrected: {reason}"),
        Change::Withdrawn { reason } => format!("Withdrawn: {reason}"),
    };
    let changes = previous.map_or_else(Vec::new, |prev| fmt::changed_fields(prev, rev, log, local));
    view! {
        <li class="revision">
            <p><strong>{format!("Revision {}", rev.seq)}</strong>{latest.then_some(" (current)")}" · "{what}</p>
            <p class="muted">{format!("Saved {} by {}", fmt::day_and_clock(rev.captured_at, local), rev.officer_id)}</p>
            <ul>{changes.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}</ul>
        </li>
    }
}
