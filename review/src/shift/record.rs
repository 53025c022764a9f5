//! One shift's record for its supervisor: who, when and the review state,
//! the completeness flags, every entry with its revisions and delivery
//! times, conflicts kept by the server, the review history, and the form
//! that records a decision. Printable (see `@media print` in review.css).
use super::decision::{is_own_shift, OwnShiftNote, ReviewForm};
use super::entries::{
    entry_details_id, entry_row_id, group_entries, Entry, EntryTable, ShiftClock,
};
use super::fetch::{fetch, Answer};
use super::format::{
    counts_text, day_time_text, kind_label, local_day, parse_time, reference_of, today_utc,
};
use super::table::column_heads;
use crate::{use_ctx, View};
use beatbook_client::clock::{local_time, now};
use beatbook_core::form;
use beatbook_core::review::{
    flag_label, review_label, ChainBreak, ConflictRow, Flag, ReviewRow, ShiftDetail,
};
use beatbook_core::{Code, Log, Record, RecordKind};
use chrono::Datelike;
use leptos::leptos_dom::helpers::window_event_listener_untyped;
use leptos::prelude::*;
use std::collections::BTreeMap;
use wasm_bindgen::JsCast;

/// The conflicts table's columns.
const CONFLICT_COLUMNS: &[&str] = &[
    "Entry",
    "Revision",
    "Reason",
    "Captured on device",
    "Received by server",
];

/// The review history's columns.
const REVIEW_COLUMNS: &[&str] = &["When", "Reviewer", "Decision", "Comment"];

/// Marks the `<details>` opened only for printing, to close them after.
const PRINT_OPENED: &str = "data-print-opened";

/// Opens every closed `<details>` so the printout holds the full records
/// (browsers print a closed one as its summary alone), or closes again the
/// ones opened for printing.
fn open_details_for_print(open: bool) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let selector = if open {
        "details:not([open])".to_owned()
    } else {
        format!("details[{PRINT_OPENED}]")
    };
    // One at a time: each pass changes what the selector matches.
    while let Ok(Some(details)) = document.query_selector(&selector) {
        let done = if open {
            details
                .set_attribute("open", "")
                .and_then(|()| details.set_attribute(PRINT_OPENED, ""))
        } else {
            details
                .remove_attribute("open")
                .and_then(|()| details.remove_attribute(PRINT_OPENED))
        };
        if done.is_err() {
            break;
        }
    }
}

#[component]
pub fn ShiftRecord(shift_id: String) -> impl IntoView {
    let ctx = use_ctx();
    let reference = reference_of(&shift_id);
    let id = shift_id.clone();
    let detail: RwSignal<Answer<ShiftDetail>> = fetch(
        move || id.clone(),
        |token, id| async move { beatbook_client::shift(&token, &id).await },
    );

    // Printing from the button or from the browser's menu alike.
    let before_print =
        window_event_listener_untyped("beforeprint", |_| open_details_for_print(true));
    let after_print =
        window_event_listener_untyped("afterprint", |_| open_details_for_print(false));
    on_cleanup(move || {
        before_print.remove();
        after_print.remove();
    });
    let print = |_| {
        if let Some(window) = web_sys::window() {
            let _ = window.print();
        }
    };

    // The heading takes the focus, so a screen reader starts at the shift.
    let heading = NodeRef::<leptos::html::H2>::new();
    Effect::new(move |_| {
        if let Some(h) = heading.get() {
            let _ = h.focus();
        }
    });

    let body = move || match detail.get() {
        None => view! { <p class="loading" role="status">"Loading the shift…"</p> }.into_any(),
        Some(Err(e)) => view! { <p class="error" role="alert">{crate::say(&e)}</p> }.into_any(),
        Some(Ok(d)) => view! { <ShiftBody detail=d /> }.into_any(),
    };
    view! {
        <section class="shift-record" aria-labelledby="shift-title">
            <div class="record-actions no-print">
                <button type="button" on:click=move |_| ctx.go(View::Shifts)>"Back to shifts"</button>
                <button type="button" on:click=print>"Print this shift"</button>
            </div>
            <h2 id="shift-title" tabindex="-1" node_ref=heading>{format!("Shift {reference}")}</h2>
            {body}
        </section>
    }
}

/// Entries of each kind, the shift itself left out (as in the list).
fn kind_counts(entries: &[Entry]) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for rev in entries.iter().filter_map(Entry::latest) {
        if rev.revision.kind() != RecordKind::Shift {
            *counts
                .entry(rev.revision.kind().code().to_owned())
                .or_insert(0) += 1;
        }
    }
    counts
}

#[component]
fn ShiftBody(detail: ShiftDetail) -> impl IntoView {
    let this_year = today_utc().year();
    // The server refuses a decision on one's own shift: say so instead of
    // offering buttons that would be refused.
    let own = is_own_shift(&detail.officer_id, &use_ctx().officer_id.get_value());
    let entries = group_entries(&detail.revisions);
    let shift = entries
        .iter()
        .find(|e| e.entry_id == detail.shift_id)
        .and_then(Entry::latest)
        .map(|item| item.revision.clone());
    let started = shift
        .as_ref()
        .map(|s| s.occurred_at)
        .or_else(|| {
            entries
                .first()
                .and_then(Entry::latest)
                .map(|r| r.revision.occurred_at)
        })
        .unwrap_or_else(now);
    let clock = ShiftClock {
        day: local_day(started, local_time()),
        this_year,
    };
    let log = StoredValue::new(Log::from_revisions(
        detail
            .revisions
            .iter()
            .map(|r| r.revision.clone())
            .collect(),
    ));

    let (team, callsign, role, ended) = match shift.as_ref().map(|s| &s.record) {
        Some(Record::Shift(s)) => (
            s.team.clone(),
            s.callsign.clone(),
            s.role.map(|r| r.label().to_owned()),
            s.ended_at,
        ),
        _ => (String::new(), String::new(), None, None),
    };
    let counts_short = counts_text(&kind_counts(&entries));
    let entry_count = entries
        .iter()
        .filter_map(Entry::latest)
        .filter(|r| r.revision.kind() != RecordKind::Shift)
        .count();

    let reviews = RwSignal::new(detail.reviews.clone());
    let first_state = detail.review.clone();
    let state = Signal::derive(move || {
        reviews
            .with(|r| r.last().map(|r| r.state.clone()))
            .unwrap_or_else(|| first_state.clone())
    });
    let latest_review = move || {
        reviews.with(|r| {
            r.last().map(|r| {
                let when = parse_time(&r.at).map_or_else(
                    || r.at.clone(),
                    |t| day_time_text(t, local_time(), this_year),
                );
                let comment =
                    (!r.comment.trim().is_empty()).then(|| format!("“{}” ", r.comment.trim()));
                format!("{}by {}, {when}", comment.unwrap_or_default(), r.reviewer)
            })
        })
    };

    let ended_view = match ended {
        Some(t) => view! {
            <time datetime=beatbook_core::time::format(t)>{day_time_text(t, local_time(), this_year)}</time>
        }
        .into_any(),
        None => view! { <span class="badge warn">"Not ended"</span> }.into_any(),
    };
    view! {
        <dl class="facts">
            <div class="pair"><dt>"Officer"</dt><dd>
                {detail.officer_id.clone()}{own.then_some(" (you)")}
            </dd></div>
            <div class="pair"><dt>"Team"</dt><dd>{team}</dd></div>
            <div class="pair"><dt>"Callsign"</dt><dd>{callsign}</dd></div>
            <div class="pair"><dt>"Patrolling as"</dt><dd>{role.unwrap_or_else(|| "Not recorded".into())}</dd></div>
            <div class="pair"><dt>"Started"</dt><dd>
                <time datetime=beatbook_core::time::format(started)>{day_time_text(started, local_time(), this_year)}</time>
            </dd></div>
            <div class="pair"><dt>"Ended"</dt><dd>{ended_view}</dd></div>
            <div class="pair"><dt>"Entries"</dt><dd>
                {format!("{entry_count}")}{(!counts_short.is_empty()).then(|| format!(": {counts_short}"))}
            </dd></div>
            <div class="pair review-state"><dt>"Review"</dt><dd>
                <span class=move || format!("badge review {}", state.get())>{move || review_label(&state.get())}</span>
                " "<span class="muted">{latest_review}</span>
            </dd></div>
        </dl>
        {(!detail.chain_breaks.is_empty()).then(|| view! { <ChainBreaks breaks=detail.chain_breaks /> })}
        <FlagList flags=detail.flags.clone() entries=entries.clone() clock />
        <section class="entries-section" aria-labelledby="entries-title">
            <h3 id="entries-title">"Entries"</h3>
            <EntryTable entries log flags=detail.flags clock />
        </section>
        {(!detail.conflicts.is_empty()).then(|| view! { <Conflicts conflicts=detail.conflicts clock /> })}
        <ReviewHistory reviews this_year />
        {if own {
            view! { <OwnShiftNote /> }.into_any()
        } else {
            view! { <ReviewForm shift_id=detail.shift_id reviews /> }.into_any()
        }}
    }
}

/// The completeness flags, first thing under the shift's facts.
#[component]
fn FlagList(flags: Vec<Flag>, entries: Vec<Entry>, clock: ShiftClock) -> impl IntoView {
    let count = flags.len();
    let items = flags
        .into_iter()
        .map(|flag| {
            let entry = entries.iter().find(|e| e.entry_id == flag.entry_id);
            let kind = RecordKind::from_code(&flag.kind);
            let when = entry
                .and_then(Entry::latest)
                .map(|r| format!(" at {}", clock.text(r.revision.occurred_at)))
                .unwrap_or_default();
            let what = format!(
                "{}{when} ({})",
                kind_label(&flag.kind),
                reference_of(&flag.entry_id)
            );
            // The fields by the labels the officer's form shows.
            let fields: Vec<&str> = flag
                .fields
                .iter()
                .map(|key| {
                    kind.and_then(|k| form::form_fields(k).find(|s| s.key == key))
                        .map_or(key.as_str(), |s| s.label)
                })
                .collect();
            let entry_id = flag.entry_id.clone();
            let show_entry = move |ev: leptos::ev::MouseEvent| {
                ev.prevent_default();
                reveal_entry(&entry_id);
            };
            view! {
                <li class="flag">
                    <strong>{flag_label(&flag.flag)}</strong>
                    " · "
                    <a href=format!("#{}", entry_row_id(&flag.entry_id)) on:click=show_entry>{what}</a>
                    {(!fields.is_empty()).then(|| view! {
                        <p class="flag-fields">"Missing or wrong: " {fields.join("; ")}</p>
                    })}
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="flags-section" aria-labelledby="flags-title">
            <h3 id="flags-title">{format!("Flags to check ({count})")}</h3>
            {if count == 0 {
                view! { <p class="ok-note">"Nothing flagged: every record has what the rules require, and none needs a second look."</p> }.into_any()
            } else {
                view! { <ul class="flag-list">{items}</ul> }.into_any()
            }}
        </section>
    }
}

/// Breaks in the chain of a phone's saves (ARCHITECTURE.md, "Device
/// chain"), in the server's words with the force's local times: first
/// thing under the facts, as an alert, since what is missing is not in the
/// entries below. Absent when every save arrived.
#[component]
fn ChainBreaks(breaks: Vec<ChainBreak>) -> impl IntoView {
    let items = breaks
        .into_iter()
        .map(|b| {
            view! {
                <li>
                    <p role="alert"><strong>{b.message}</strong></p>
                    <p class="flag-fields">{format!("Phone {}", b.device_id)}</p>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="flags-section chain-section" aria-labelledby="chain-title">
            <h3 id="chain-title">"Entries missing from the phone's record"</h3>
            <p class="muted">
                "Each save on a phone names the one before it. The server never received \
                 some of them, or two saves name the same one (one was rewritten or removed). \
                 The entries below are as received: ask the officer what happened to the phone."
            </p>
            <ul class="flag-list">{items}</ul>
        </section>
    }
}

/// Opens an entry's full record and moves the focus to it.
fn reveal_entry(entry_id: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let id = entry_details_id(entry_id);
    if let Some(details) = document.get_element_by_id(&id) {
        let _ = details.set_attribute("open", "");
    }
    let summary = document
        .query_selector(&format!("#{id} > summary"))
        .ok()
        .flatten()
        .and_then(|s| s.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(summary) = summary {
        let _ = summary.focus();
    }
}

/// Second versions of revisions the server kept apart instead of
/// overwriting (a device sent different content under a known ID).
#[component]
fn Conflicts(conflicts: Vec<ConflictRow>, clock: ShiftClock) -> impl IntoView {
    let time =
        move |text: &str| parse_time(text).map_or_else(|| text.to_owned(), |t| clock.text(t));
    let rows = conflicts
        .into_iter()
        .map(|c| {
            view! {
                <tr>
                    <td data-label="Entry">{format!("{} ({})", kind_label(&c.kind), reference_of(&c.entry_id))}</td>
                    <td data-label="Revision">{c.seq}</td>
                    <td data-label="Reason">{c.reason}</td>
                    <td data-label="Captured on device"><time datetime=c.captured_at.clone()>{time(&c.captured_at)}</time></td>
                    <td data-label="Received by server"><time datetime=c.received_at.clone()>{time(&c.received_at)}</time></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="conflicts-section" aria-labelledby="conflicts-title">
            <h3 id="conflicts-title">"Conflicts"</h3>
            <p class="muted">"Versions the server kept apart instead of overwriting what it already had."</p>
            <div class="table-wrap">
                <table class="data conflicts stack">
                    <caption>"Conflicting versions"</caption>
                    {column_heads(CONFLICT_COLUMNS)}
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
}

/// Every decision recorded on the shift, oldest first (the latest counts).
#[component]
fn ReviewHistory(reviews: RwSignal<Vec<ReviewRow>>, this_year: i32) -> impl IntoView {
    let rows = move || {
        reviews
            .get()
            .into_iter()
            .map(|r| {
                let when = parse_time(&r.at)
                    .map_or_else(|| r.at.clone(), |t| day_time_text(t, local_time(), this_year));
                view! {
                    <tr>
                        <td data-label="When"><time datetime=r.at.clone()>{when}</time></td>
                        <td data-label="Reviewer">{r.reviewer}</td>
                        <td data-label="Decision"><span class=format!("badge review {}", r.state)>{review_label(&r.state)}</span></td>
                        <td data-label="Comment" class="comment-cell">{r.comment}</td>
                    </tr>
                }
            })
            .collect_view()
    };
    view! {
        <section class="history-section" aria-labelledby="history-title">
            <h3 id="history-title">"Review history"</h3>
            <Show when=move || reviews.with(|r| !r.is_empty())
                fallback=|| view! { <p class="muted">"Not reviewed yet."</p> }>
                <div class="table-wrap">
                    <table class="data reviews stack">
                        <caption>"Decisions, oldest first; the latest counts"</caption>
                        {column_heads(REVIEW_COLUMNS)}
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            </Show>
        </section>
    }
}
