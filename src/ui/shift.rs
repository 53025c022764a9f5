//! The officer's main screen: the open shift, the running patrol, the record
//! buttons and the timeline; or, with no shift open, starting one.
use crate::actions;
use crate::fmt;
use crate::platform;
use crate::state::{use_state, Profile, Screen};
use crate::storage;
use crate::ui::form::EntryForm;
use crate::ui::timeline::Timeline;
use beatbook_core::{EntryId, RecordKind};
use chrono::Duration;
use leptos::prelude::*;

/// Entry types offered during a shift, in the order of the buttons.
const RECORD_BUTTONS: [RecordKind; 6] = [
    RecordKind::StopSearch,
    RecordKind::Arrest,
    RecordKind::AsbIntervention,
    RecordKind::IjReferral,
    RecordKind::StopAccount,
    RecordKind::Note,
];

#[component]
pub fn Home() -> impl IntoView {
    let state = use_state();
    let open_shift = move || state.log.with(|log| log.open_shift().map(|s| s.entry_id));
    let has_officer = move || state.profile.with(|p| !p.officer_id.trim().is_empty());
    move || match (has_officer(), open_shift()) {
        (false, _) => view! { <OfficerSetup /> }.into_any(),
        (true, None) => view! { <EntryForm kind=RecordKind::Shift /> <PastShifts /> }.into_any(),
        (true, Some(shift)) => view! { <OpenShift shift /> }.into_any(),
    }
}

#[component]
fn OfficerSetup() -> impl IntoView {
    let state = use_state();
    let officer = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let id = officer.get_untracked().trim().to_owned();
        if id.is_empty() || id.len() > 32 || id.chars().any(char::is_control) {
            error.set(Some(
                "Enter your officer ID (collar or warrant number)".into(),
            ));
            return;
        }
        let profile = Profile { officer_id: id };
        match storage::set(storage::PROFILE_KEY, &profile) {
            Ok(()) => state.profile.set(profile),
            Err(e) => error.set(Some(e.to_string())),
        }
    };
    view! {
        <section class="card" aria-labelledby="setup-title">
            <h2 id="setup-title">"Welcome to Beatbook"</h2>
            <form on:submit=submit novalidate>
                <div class="field" class:invalid=move || error.with(Option::is_some)>
                    <label for="officer-id">"Your officer ID"</label>
                    <p class="hint">"Collar or warrant number. It goes on every entry you make."</p>
                    <input id="officer-id" type="text" autocomplete="off" aria-describedby="err-officer"
                        on:input=move |ev| officer.set(event_target_value(&ev)) />
                    <p class="error" id="err-officer">{move || error.get()}</p>
                </div>
                <div class="actions"><button type="submit" class="primary">"Continue"</button></div>
            </form>
        </section>
    }
}

#[component]
fn OpenShift(shift: EntryId) -> impl IntoView {
    let state = use_state();
    let local = platform::local_time();
    let summary = move || {
        state.log.with(|log| {
            log.latest(shift)
                .map(|s| {
                    format!(
                        "{} · since {}",
                        s.record.summary(),
                        fmt::clock(s.occurred_at, local)
                    )
                })
                .unwrap_or_default()
        })
    };
    let end_shift = move |_| {
        let ok = web_sys::window()
            .and_then(|w| {
                w.confirm_with_message("End this shift? A running patrol ends too.")
                    .ok()
            })
            .unwrap_or(false);
        if ok {
            match actions::end(state, shift) {
                Ok(()) => state.saved("Shift ended"),
                Err(e) => state.problem(format!("Not saved: {e}")),
            }
        }
    };
    let buttons = RECORD_BUTTONS
        .into_iter()
        .map(|kind| {
            view! {
                <button type="button" class=format!("record kind-{}", kind.code())
                    on:click=move |_| state.go(Screen::NewEntry(kind))>{kind.label()}</button>
            }
        })
        .collect_view();
    // Thumb order: what is used every few minutes first, ending the shift last.
    view! {
        <h2 class="visually-hidden">"On shift"</h2>
        <PatrolPanel shift />
        <section class="card" aria-labelledby="record-title">
            <h2 id="record-title">"Record"</h2>
            <div class="record-grid">{buttons}</div>
        </section>
        <Timeline shift />
        <section class="card shift" aria-labelledby="shift-title">
            <h2 id="shift-title">"This shift"</h2>
            <p class="shift-summary">{summary}</p>
            <button type="button" class="danger" on:click=end_shift>"End shift"</button>
        </section>
    }
}

/// The running patrol with its timer and dose guide, or a button to start one.
#[component]
fn PatrolPanel(shift: EntryId) -> impl IntoView {
    let state = use_state();
    let patrol = move || state.log.with(|log| log.open_patrol(shift).cloned());
    move || {
        match patrol() {
        None => view! {
            <section class="card patrol" aria-labelledby="patrol-title">
                <h2 id="patrol-title">"Patrol"</h2>
                <p class="muted">"No patrol running."</p>
                <button type="button" class="primary" on:click=move |_| state.go(Screen::NewEntry(RecordKind::Patrol))>
                    "Start patrol"
                </button>
            </section>
        }
        .into_any(),
        Some(p) => {
            let started = p.occurred_at;
            let entry = p.entry_id;
            let elapsed = move || state.clock.get() - started;
            let end_patrol = move |_| match actions::end(state, entry) {
                Ok(()) => state.saved("Patrol ended"),
                Err(e) => state.problem(format!("Not saved: {e}")),
            };
            view! {
                <section class="card patrol running" aria-labelledby="patrol-title">
                    <h2 id="patrol-title">"Patrol running"</h2>
                    <p class="shift-summary">{p.record.summary()}</p>
                    <p class="timer" role="timer" aria-label="Time on this patrol">{move || fmt::elapsed(elapsed())}</p>
                    <p class="dose">{move || dose_text(elapsed())}</p>
                    <button type="button" class="danger" on:click=end_patrol>"End patrol"</button>
                </section>
            }
            .into_any()
        }
    }
    }
}

/// The 10 to 15 minute hotspot dose (Koper curve).
fn dose_text(elapsed: Duration) -> &'static str {
    match elapsed.num_minutes() {
        m if m < 10 => "Under 10 minutes: a visit of 10 to 15 minutes deters longest",
        10..=15 => "In the 10 to 15 minute dose",
        _ => "Over 15 minutes: consider moving to the next hotspot",
    }
}

/// Ended shifts, to look back at.
#[component]
fn PastShifts() -> impl IntoView {
    let state = use_state();
    let local = platform::local_time();
    let rows = move || {
        state.log.with(|log| {
            log.shifts()
                .into_iter()
                .filter(|s| s.record.ended_at().is_some())
                .take(20)
                .map(|s| {
                    let id = s.entry_id;
                    let count = log.shift_timeline(id).len();
                    let text = format!(
                        "{} · {} · {} entr{}",
                        fmt::day_and_clock(s.occurred_at, local),
                        s.record.summary(),
                        count,
                        if count == 1 { "y" } else { "ies" }
                    );
                    view! { <li><button type="button" class="row" on:click=move |_| state.go(Screen::Shift(id))>{text}</button></li> }
                })
                .collect_view()
        })
    };
    let any = move || {
        state
            .log
            .with(|log| log.shifts().iter().any(|s| s.record.ended_at().is_some()))
    };
    view! {
        <Show when=any>
            <section class="card" aria-labelledby="past-title">
                <h2 id="past-title">"Previous shifts"</h2>
                <ol class="items">{rows}</ol>
            </section>
        </Show>
    }
}

/// A past shift's timeline.
#[component]
pub fn ShiftView(shift: EntryId) -> impl IntoView {
    let state = use_state();
    let local = platform::local_time();
    let heading = move || {
        state.log.with(|log| {
            log.latest(shift)
                .map(|s| {
                    format!(
                        "Shift {} · {}",
                        fmt::day_and_clock(s.occurred_at, local),
                        s.record.summary()
                    )
                })
                .unwrap_or_else(|| "Shift".into())
        })
    };
    view! {
        <section class="card" aria-labelledby="past-shift-title">
            <h2 id="past-shift-title">{heading}</h2>
            <button type="button" on:click=move |_| state.go(Screen::Home)>"Back"</button>
        </section>
        <Timeline shift />
    }
}
