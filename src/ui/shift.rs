//! The officer's main screen: the open shift, the running patrol, the record
//! buttons and the timeline; or, with no shift open, starting one.
use crate::actions::{self, SaveError};
use crate::platform;
use crate::state::{use_state, Screen};
use crate::ui::auth::AccountPanel;
use crate::ui::form::EntryForm;
use crate::ui::review_host::ReviewButton;
use crate::ui::timeline::Timeline;
use beatbook_core::display as fmt;
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
    move || match open_shift() {
        None => view! {
            <ReviewButton />
            <SentBackShifts />
            <EntryForm kind=RecordKind::Shift />
            <PastShifts />
            <AccountPanel />
        }
        .into_any(),
        Some(shift) => view! { <ReviewButton /> <OpenShift shift /> }.into_any(),
    }
}

/// Shifts a supervisor sent back, with the state in words and the comment
/// word for word. On the home screen every such shift, each with a button
/// to its screen (where an entry is opened and corrected as usual); on a
/// shift's screen (`only`), that shift's review with what to do. One view
/// for both places: each distinct view costs the download a few KB.
#[component]
pub fn SentBackShifts(#[prop(optional)] only: Option<EntryId>) -> impl IntoView {
    let state = use_state();
    let local = platform::local_time();
    move || {
        state.sent_back.with(|shifts| {
            let items: Vec<_> = shifts
                .iter()
                .filter(|sent| only.is_none_or(|id| id == sent.shift_id))
                .map(|sent| {
                    let id = sent.shift_id;
                    let title_id = format!("sent-back-{id}");
                    let title = format!(
                        "{} · {} · {}",
                        fmt::day_and_clock(sent.start, local),
                        sent.callsign,
                        id.reference()
                    );
                    // Corrections need the entries' history, which only the
                    // phone that recorded them holds (signing out clears it).
                    let what_to_do = match only {
                        None => None,
                        Some(_) if state.log.with(|log| log.get(id).is_some()) => {
                            Some("Open an entry below and choose “Correct this entry”.")
                        }
                        Some(_) => Some("This shift's entries are not on this phone: correct them on the phone that recorded them."),
                    };
                    view! {
                        <li>
                            <h3 id=title_id.clone()>{title}</h3>
                            <p><span class="badge attention">{sent.state_label()}</span></p>
                            <blockquote class="comment">{sent.review_comment.clone().unwrap_or_default()}</blockquote>
                            {what_to_do.map(|text| view! { <p>{text}</p> })}
                            {only.is_none().then(|| view! {
                                <button type="button" class="primary" aria-describedby=title_id
                                    on:click=move |_| state.go(Screen::Shift(id))>"Open shift"</button>
                            })}
                        </li>
                    }
                })
                .collect();
            (!items.is_empty()).then(|| {
                view! {
                    <section class="card sent-back" aria-labelledby="sent-back-title">
                        <h2 id="sent-back-title">"Sent back by your supervisor"</h2>
                        <ul class="items">{items}</ul>
                    </section>
                }
            })
        })
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
            leptos::task::spawn_local(async move {
                match actions::end(state, shift).await {
                    Ok(()) => state.saved("Shift ended"),
                    Err(SaveError::Busy) => {}
                    Err(e) => state.problem(format!("Not saved: {e}")),
                }
            });
        }
    };
    // Stop and account only where the force records it (`crate::force`);
    // read when the screen is drawn, which every return to it does.
    let stop_and_account = state.force.with_untracked(|f| f.stop_and_account);
    let buttons = RECORD_BUTTONS
        .into_iter()
        .filter(|kind| *kind != RecordKind::StopAccount || stop_and_account)
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
        <SentBackShifts />
        <Timeline shift />
        <section class="card shift" aria-labelledby="shift-title">
            <h2 id="shift-title">"This shift"</h2>
            <p class="shift-summary">{summary}</p>
            <button type="button" class="danger" on:click=end_shift>"End shift"</button>
        </section>
        <AccountPanel />
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
            let end_patrol = move |_| {
                leptos::task::spawn_local(async move {
                    match actions::end(state, entry).await {
                        Ok(()) => state.saved("Patrol ended"),
                        Err(SaveError::Busy) => {}
                    Err(e) => state.problem(format!("Not saved: {e}")),
                    }
                });
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
    // Shifts the phone let go (retention, or recorded on another phone)
    // are still on the server: listed on request and read back, to see or
    // correct. One row view for both kinds (each view costs the download).
    let earlier = RwSignal::new(Vec::<crate::sent_back::SentBack>::new());
    let problem = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let rows = move || {
        let on_phone: Vec<(EntryId, String, bool)> = state.log.with(|log| {
            log.shifts()
                .into_iter()
                .filter(|s| s.record.ended_at().is_some())
                .take(20)
                .map(|s| {
                    let count = log.shift_timeline(s.entry_id).len();
                    let text = format!(
                        "{} · {} · {} entr{}",
                        fmt::day_and_clock(s.occurred_at, local),
                        s.record.summary(),
                        count,
                        if count == 1 { "y" } else { "ies" }
                    );
                    (s.entry_id, text, false)
                })
                .collect()
        });
        let from_server = earlier.with(|found| {
            found
                .iter()
                .map(|s| {
                    let text = format!(
                        "{} · {} · {} (on the server)",
                        fmt::day_and_clock(s.start, local),
                        s.callsign,
                        s.shift_id.reference()
                    );
                    (s.shift_id, text, true)
                })
                .collect::<Vec<_>>()
        });
        on_phone
            .into_iter()
            .chain(from_server)
            .map(|(id, text, remote)| {
                let open = move |_| {
                    if !remote {
                        state.go(Screen::Shift(id));
                        return;
                    }
                    leptos::task::spawn_local(async move {
                        if let Err(e) = crate::past::read_back(state, id).await {
                            problem.set(Some(e));
                        }
                    });
                };
                view! { <li><button type="button" class="row" on:click=open>{text}</button></li> }
            })
            .collect_view()
    };
    let find = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            match crate::past::not_on_phone(state).await {
                Ok(found) => {
                    problem.set(
                        found
                            .is_empty()
                            .then(|| "No other shifts of yours on the server.".to_owned()),
                    );
                    earlier.set(found);
                }
                Err(e) => problem.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="card" aria-labelledby="past-title">
            <h2 id="past-title">"Previous shifts"</h2>
            <ol class="items">{rows}</ol>
            <p class="error" role="alert">{move || problem.get()}</p>
            <button type="button" disabled=move || busy.get() on:click=find>"Earlier shifts on the server"</button>
        </section>
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
        <SentBackShifts only=shift />
        <Timeline shift />
    }
}
