//! A shift's timeline: everything recorded, newest first, each marked with
//! whether it has reached the server.
use crate::outbox::{sync_mark, SyncMark};
use crate::platform;
use crate::state::{use_state, Screen};
use beatbook_core::display as fmt;
use beatbook_core::{Change, EntryId, RecordKind};
use leptos::prelude::*;

#[component]
pub fn Timeline(shift: EntryId) -> impl IntoView {
    let state = use_state();
    let local = platform::local_time();
    let items = move || {
        state.log.with(|log| {
            log.shift_timeline(shift)
                .into_iter()
                .map(|rev| {
                    let entry = rev.entry_id;
                    let corrected = log.get(entry).is_some_and(|h| {
                        h.revisions().iter().any(|r| matches!(r.change, Change::Corrected { .. }))
                    });
                    let mark = state.outcomes.with(|o| sync_mark(log, o, entry));
                    let duration = match (rev.kind(), rev.record.ended_at()) {
                        (RecordKind::Patrol, Some(end)) => format!(" · {}", fmt::elapsed(end - rev.occurred_at)),
                        (RecordKind::Patrol, None) => " · running".to_owned(),
                        _ => String::new(),
                    };
                    view! {
                        <li class=format!("item kind-{}", rev.kind().code())>
                            <button type="button" class="row" on:click=move |_| state.go(Screen::Detail(entry))>
                                <span class="time">{fmt::clock(rev.occurred_at, local)}</span>
                                <span class="what">
                                    <strong>{rev.kind().label()}{duration}</strong>
                                    <span class="summary">{rev.record.summary()}</span>
                                </span>
                                <span class="marks">
                                    {corrected.then(|| view! { <span class="badge corrected">"Corrected"</span> })}
                                    <span class=format!("badge {}", mark.class())>{mark.label()}</span>
                                </span>
                            </button>
                        </li>
                    }
                })
                .collect_view()
        })
    };
    let empty = move || state.log.with(|log| log.shift_timeline(shift).is_empty());
    view! {
        <section class="timeline" aria-labelledby="timeline-title">
            <h2 id="timeline-title">"Timeline"</h2>
            <Show when=move || !empty() fallback=|| view! { <p class="muted">"Nothing recorded yet in this shift."</p> }>
                <ol class="items" aria-label="Entries, newest first">{items}</ol>
            </Show>
        </section>
    }
}

impl SyncMark {
    pub fn label(self) -> &'static str {
        match self {
            SyncMark::Pending => "Not synced",
            SyncMark::Synced => "Synced",
            SyncMark::Attention => "Needs attention",
        }
    }

    pub fn class(self) -> &'static str {
        match self {
            SyncMark::Pending => "pending",
            SyncMark::Synced => "synced",
            SyncMark::Attention => "attention",
        }
    }
}
