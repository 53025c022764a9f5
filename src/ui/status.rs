//! The strip across the top: what is waiting to sync, whether storage is
//! safe, an update waiting, and the last save's result.
use crate::outbox::{attention_count, clock_held_count, waiting_count};
use crate::platform::{self, Persistence};
use crate::state::STORAGE_WARNING_SHARE;
use crate::state::{use_state, Screen, Toast};
use crate::sync::{self, SyncStatus};
use beatbook_core::display as fmt;
use leptos::prelude::*;

#[component]
pub fn StatusBar() -> impl IntoView {
    let state = use_state();
    let counts = move || {
        state.log.with(|log| {
            state.outcomes.with(|o| {
                (
                    waiting_count(log, o),
                    attention_count(log, o),
                    clock_held_count(log, o),
                )
            })
        })
    };
    let online = RwSignal::new(platform::is_online());
    for event in ["online", "offline"] {
        let handler =
            window_event_listener_untyped(event, move |_| online.set(platform::is_online()));
        // The bar lives as long as the app.
        std::mem::forget(handler);
    }
    let local = platform::local_time();
    let text = move || {
        let (waiting, attention, clock_held) = counts();
        let waiting_text = match waiting {
            0 => String::new(),
            1 => "1 change waiting".to_owned(),
            n => format!("{n} changes waiting"),
        };
        let sync = match state.sync_status.get() {
            _ if !online.get() => "Offline".to_owned(),
            SyncStatus::Syncing { sent, total } => format!("Syncing {sent} of {total}"),
            SyncStatus::Failed { problem, retry_at } => {
                format!(
                    "Sync failed: {problem}. Retrying at {}",
                    fmt::clock(retry_at, local)
                )
            }
            // Never "All synced" while the server refused anything.
            SyncStatus::Synced { at } if waiting == 0 && attention == 0 => {
                format!("All synced at {}", fmt::clock(at, local))
            }
            SyncStatus::Synced { at } if waiting == 0 => {
                format!("Sent at {}", fmt::clock(at, local))
            }
            SyncStatus::Offline => "Offline".to_owned(),
            SyncStatus::SignInNeeded => "Sign in again to send your entries".to_owned(),
            _ if waiting == 0 => "Nothing waiting".to_owned(),
            _ => "Waiting to sync".to_owned(),
        };
        let attention_text = match attention {
            0 => String::new(),
            n => format!("{n} need attention"),
        };
        let clock_text = match clock_held {
            0 => String::new(),
            n => format!("{n} held: phone clock ahead, sent again"),
        };
        [sync, waiting_text, attention_text, clock_text]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" · ")
    };
    view! {
        <div class="status">
            <span class=move || if online.get() { "net online" } else { "net offline" }>
                {move || if online.get() { "Online" } else { "Offline" }}
            </span>
            <span class="sync-text" role="status" aria-live="polite">{text}</span>
            <button type="button" class="sync-now" on:click=move |_| sync::kick(state)>"Sync now"</button>
        </div>
    }
}

/// Warnings that need the officer's attention, each with what to do.
#[component]
pub fn Alerts() -> impl IntoView {
    let state = use_state();
    let persistence = move || {
        match state.persistence.get() {
        Persistence::LikelyEphemeral => Some(
            "This looks like a private window: entries may be deleted when it closes. Use a normal window or install the app.",
        ),
        Persistence::BestEffort => Some(
            "Storage not yet protected: install Beatbook (Add to Home screen) so the browser keeps your entries.",
        ),
        Persistence::Persistent | Persistence::Unknown => None,
    }
    };
    let quarantined = move || {
        state.quarantined.with(|q| {
            (!q.is_empty()).then(|| {
                let items = q
                    .iter()
                    .map(|item| view! { <li>{format!("{} ({} bytes): {}", item.key, item.bytes, item.reason)}</li> })
                    .collect_view();
                view! {
                    <div class="alert warn" role="alert">
                        <p>{format!("{} stored item(s) could not be read. They are kept aside on this device, not deleted; tell your supervisor.", q.len())}</p>
                        <details><summary>"Details"</summary><ul>{items}</ul></details>
                    </div>
                }
            })
        })
    };
    let unplaced = move || {
        state.log.with(|log| {
            let n = log.unplaced().len();
            (n > 0).then(|| view! {
                <div class="alert warn" role="alert">
                    {format!("{n} saved revision(s) do not fit their entry's history. They are kept on this device; tell your supervisor.")}
                </div>
            })
        })
    };
    let clock_warning = move || {
        // Re-read every second with the clock tick.
        state.clock.track();
        let offset = platform::clock_offset_ms()?;
        (offset.abs() > platform::CLOCK_WARNING_MS).then(|| {
            let minutes = (offset.abs() / 60_000.0).round() as i64;
            let way = if offset < 0.0 { "ahead of" } else { "behind" };
            format!(
                "This phone's clock is {minutes} minutes {way} the server's. Entries are still saved and sent, with the right time; set the phone's clock to automatic when you can."
            )
        })
    };
    let storage_warning = move || {
        let used = state.storage_use.get()?;
        (used.share() >= STORAGE_WARNING_SHARE).then(|| {
            format!(
                "Storage for Beatbook is {}% full. Sync when you can; synced shifts leave the phone after a week. Free space on the phone if this stays high.",
                used.percent()
            )
        })
    };
    view! {
        {move || state.storage_problem.get().map(|p| view! { <div class="alert error" role="alert">{p}</div> })}
        {move || clock_warning().map(|p| view! { <div class="alert warn clock" role="alert">{p}</div> })}
        {move || storage_warning().map(|p| view! { <div class="alert warn" role="alert">{p}</div> })}
        {move || persistence().map(|p| view! { <div class="alert info">{p}</div> })}
        {quarantined}
        {unplaced}
        <Show when=move || state.sync_status.get() == SyncStatus::SignInNeeded && state.screen.get() != Screen::Reauth>
            <div class="alert warn" role="region" aria-label="Sign in needed">
                <p>"Your session has ended. Keep recording: entries stay on this phone until you sign in again."</p>
                <button type="button" on:click=move |_| state.go(Screen::Reauth)>"Sign in again"</button>
            </div>
        </Show>
        <Show when=move || state.update_available.get()>
            <div class="alert info update" role="region" aria-label="Update">
                <p>"A new version of Beatbook is ready. Update when you are not in the middle of an entry."</p>
                <button type="button" on:click=move |_| platform::apply_update()>"Update now"</button>
            </div>
        </Show>
    }
}

/// The result of the last save, announced to screen readers.
#[component]
pub fn ToastView() -> impl IntoView {
    let state = use_state();
    // A confirmation fades after a few seconds; a problem stays until dismissed.
    Effect::new(move |_| {
        if matches!(state.toast.get(), Some(Toast::Saved(_))) {
            let shown = state.toast.get_untracked();
            set_timeout(
                move || {
                    if state.toast.get_untracked() == shown {
                        state.toast.set(None);
                    }
                },
                std::time::Duration::from_secs(4),
            );
        }
    });
    view! {
        {move || state.toast.get().map(|t| {
            let (class, text, role) = match t {
                Toast::Saved(text) => ("toast ok", text, "status"),
                Toast::Problem(text) => ("toast problem", text, "alert"),
            };
            view! {
                <div class=class role=role>
                    <span>{text}</span>
                    <button type="button" class="dismiss" on:click=move |_| state.toast.set(None)>"Dismiss"</button>
                </div>
            }
        })}
    }
}
