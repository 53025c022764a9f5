//! A shift's entries as the supervisor reads them: one row per entry (its
//! latest revision) in time order, with when the device captured it, when
//! the server received it and the delay between (a long delay is where the
//! officer was out of signal), where it was, and under each row the full
//! record and every revision (originals and corrections).
//!
//! Field names and values come from the same `core::form` specs the
//! officer's form is drawn from, so a supervisor reads exactly the labels
//! the officer filled in.
use super::follow_up::FollowUpSection;
use super::format::{
    accuracy_text, coordinates_text, delay_text, duration_text, is_long_delay, map_link,
    parse_time, reference_of, time_in_shift,
};
use super::table::column_heads;
use beatbook_client::clock::local_time;
use beatbook_core::display as fmt;
use beatbook_core::form::{self, FieldKind, FormValues, LocalTime};
use beatbook_core::review::{Flag, RevisionItem};
use beatbook_core::{Change, Log, Record, Revision};
use chrono::{DateTime, NaiveDate, Utc};
use leptos::prelude::*;
use std::collections::BTreeMap;

/// The entries table's columns (the rows' `data-label`s say the same).
const COLUMNS: &[&str] = &[
    "Time",
    "Kind",
    "Summary",
    "Captured on device",
    "Received by server",
    "Delay",
    "Location",
];

/// One entry of the shift: every revision of it, oldest first.
#[derive(Debug, Clone)]
pub struct Entry {
    pub entry_id: String,
    pub revisions: Vec<RevisionItem>,
}

impl Entry {
    /// The revision the timeline shows (the highest sequence number).
    pub fn latest(&self) -> Option<&RevisionItem> {
        self.revisions.last()
    }

    /// The reason of the latest correction, if the entry was corrected.
    fn correction_reason(&self) -> Option<&str> {
        self.revisions
            .iter()
            .rev()
            .find_map(|r| match &r.revision.change {
                Change::Corrected { reason } => Some(reason.as_str()),
                _ => None,
            })
    }
}

/// Groups revisions into entries, in the order things happened (by the
/// latest revision's time, then capture time: a correction may move an
/// entry's time).
pub fn group_entries(revisions: &[RevisionItem]) -> Vec<Entry> {
    let mut by_entry: BTreeMap<&str, Vec<RevisionItem>> = BTreeMap::new();
    for item in revisions {
        by_entry
            .entry(item.entry_id.as_str())
            .or_default()
            .push(item.clone());
    }
    let mut entries: Vec<Entry> = by_entry
        .into_iter()
        .map(|(entry_id, mut revisions)| {
            revisions.sort_by_key(|r| r.seq);
            Entry {
                entry_id: entry_id.to_owned(),
                revisions,
            }
        })
        .collect();
    entries.sort_by_key(|e| {
        e.latest()
            .map(|r| (r.revision.occurred_at, r.revision.captured_at))
    });
    entries
}

/// The element ID of an entry's row (flags link to it).
pub fn entry_row_id(entry_id: &str) -> String {
    format!("entry-{entry_id}")
}

/// The element ID of an entry's full record (opened by a flag's link).
pub fn entry_details_id(entry_id: &str) -> String {
    format!("record-{entry_id}")
}

/// What the table needs to know about the shift as a whole.
#[derive(Clone, Copy)]
pub struct ShiftClock {
    /// The local day the shift started: times on it show the clock alone.
    pub day: NaiveDate,
    pub this_year: i32,
}

impl ShiftClock {
    pub fn text(&self, time: DateTime<Utc>) -> String {
        time_in_shift(time, local_time(), self.day, self.this_year)
    }

    /// A server time string in the shift's terms (as sent if unreadable).
    fn text_of(&self, text: &str) -> String {
        parse_time(text).map_or_else(|| text.to_owned(), |t| self.text(t))
    }
}

/// Captured on device, received by server, and the delay: three cells.
fn delivery_cells(item: &RevisionItem, clock: ShiftClock) -> impl IntoView {
    let delay = parse_time(&item.received_at)
        .zip(parse_time(&item.captured_at))
        .map(|(received, captured)| received - captured);
    let delay_view = match delay {
        Some(d) if is_long_delay(d) => view! {
            <span class="delay long"><strong>{delay_text(d)}</strong>" "<span class="delay-note">"out of signal?"</span></span>
        }
        .into_any(),
        Some(d) => view! { <span class="delay">{delay_text(d)}</span> }.into_any(),
        None => view! { <span class="muted">"Unknown"</span> }.into_any(),
    };
    view! {
        <td data-label="Captured on device">
            <time datetime=item.captured_at.clone()>{clock.text_of(&item.captured_at)}</time>
        </td>
        <td data-label="Received by server">
            <time datetime=item.received_at.clone()>{clock.text_of(&item.received_at)}</time>
        </td>
        <td data-label="Delay">{delay_view}</td>
    }
}

/// When it happened; for a shift or patrol, until when and for how long.
fn time_cell(rev: &Revision, clock: ShiftClock) -> impl IntoView {
    let start = clock.text(rev.occurred_at);
    let (until, length) = match (rev.kind().has_duration(), rev.record.ended_at()) {
        (true, Some(end)) => (
            Some(format!(" to {}", clock.text(end))),
            Some(duration_text(end - rev.occurred_at)),
        ),
        (true, None) => (None, Some("not ended".to_owned())),
        (false, _) => (None, None),
    };
    view! {
        <td data-label="Time">
            <span class="span-times">
                <time datetime=beatbook_core::time::format(rev.occurred_at)>{start}</time>{until}
            </span>
            {length.map(|l| view! { <span class="muted sub">{l}</span> })}
        </td>
    }
}

fn location_view(entry: &Entry) -> impl IntoView {
    // The latest revision's place; an earlier one's if a correction was
    // saved where the browser gave no position.
    let location = entry
        .revisions
        .iter()
        .rev()
        .find_map(|r| r.revision.location);
    match location {
        Some(loc) => view! {
            <a href=map_link(&loc) target="_blank" rel="noopener noreferrer"
                class="coords" title="Open this place on OpenStreetMap (new tab)">{coordinates_text(&loc)}</a>
            " "<span class="muted accuracy">{accuracy_text(&loc)}</span>
        }
        .into_any(),
        None => view! { <span class="muted">"Not recorded"</span> }.into_any(),
    }
}

/// A field's value for the supervisor: empty required answers say so
/// rather than vanish (that is what a supervisor is looking for).
fn field_value(
    spec: &form::FieldSpec,
    values: &FormValues,
    log: &Log,
    local: LocalTime,
) -> Option<String> {
    match fmt::field_text(spec, values, log, local) {
        Some(text) => Some(text),
        None if matches!(spec.kind, FieldKind::Checkbox) => Some("No".into()),
        None => None,
    }
}

/// Every field of the record as the officer's form shows it, with those a
/// flag names marked.
fn record_fields(rev: &Revision, log: &Log, flagged: &[String]) -> impl IntoView {
    let local = local_time();
    let values = form::revision_to_form(rev, local);
    form::visible_fields(rev.kind(), &values)
        .into_iter()
        .map(|spec| {
            let value = field_value(spec, &values, log, local);
            let missing = flagged.iter().any(|f| f == spec.key);
            let text = value.unwrap_or_else(|| "Not recorded".to_owned());
            view! {
                <div class="pair" class:missing=missing>
                    <dt>{spec.label}</dt>
                    <dd>
                        {missing.then(|| view! { <strong class="flag-mark">"⚠ Missing or wrong: "</strong> })}
                        {text}
                    </dd>
                </div>
            }
        })
        .collect_view()
}

/// What a revision changed from the one before, field by field.
fn changes(prev: &Revision, rev: &Revision, log: &Log) -> Vec<String> {
    let local = local_time();
    // The end time is among the fields (`form::ENDED_AT`): ending and
    // correcting it both show as "Ended: … → …".
    fmt::changed_fields(prev, rev, log, local)
}

fn revision_item(
    item: &RevisionItem,
    previous: Option<&RevisionItem>,
    log: &Log,
    clock: ShiftClock,
    current: bool,
) -> impl IntoView {
    let rev = &item.revision;
    let what = match &rev.change {
        Change::Created => "Recorded".to_owned(),
        Change::Ended => "Ended".to_owned(),
        Change::Corrected { reason } => format!("Corrected: {reason}"),
        Change::Withdrawn { reason } => format!("Withdrawn by the officer: {reason}"),
    };
    let delay = parse_time(&item.received_at)
        .zip(parse_time(&item.captured_at))
        .map(|(received, captured)| received - captured);
    let received = format!(
        "received by server {}{}",
        clock.text_of(&item.received_at),
        delay.map_or_else(String::new, |d| format!(" ({})", delay_text(d)))
    );
    let changed = previous
        .map(|p| changes(&p.revision, rev, log))
        .unwrap_or_default();
    let long = delay.is_some_and(is_long_delay);
    view! {
        <li class="revision" class:correction=matches!(rev.change, Change::Corrected { .. })>
            <p>
                <strong>{format!("Revision {}", item.seq)}</strong>
                {current.then_some(" (current)")}
                " · "{what}
            </p>
            <p class="muted">
                {format!("By {}, captured on device {}, ", item.officer_id, clock.text_of(&item.captured_at))}
                <span class:delay-long=long>{received}</span>
            </p>
            {(!changed.is_empty()).then(|| view! {
                <ul class="changes">{changed.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}</ul>
            })}
        </li>
    }
}

/// The full record and history under an entry's row.
fn entry_details(
    entry: &Entry,
    log: &Log,
    flags: &[Flag],
    clock: ShiftClock,
) -> Option<impl IntoView> {
    let latest = entry.latest()?;
    let rev = &latest.revision;
    let flagged: Vec<String> = flags
        .iter()
        .filter(|f| f.entry_id == entry.entry_id)
        .flat_map(|f| f.fields.iter().cloned())
        .collect();
    let count = entry.revisions.len();
    let reference = reference_of(&entry.entry_id);
    let revisions = entry
        .revisions
        .iter()
        .enumerate()
        .rev()
        .map(|(i, item)| {
            let previous = i.checked_sub(1).and_then(|p| entry.revisions.get(p));
            revision_item(item, previous, log, clock, i + 1 == count)
        })
        .collect_view();
    let ended = rev.kind().has_duration().then(|| {
        let text = rev
            .record
            .ended_at()
            .map_or_else(|| "Not ended".to_owned(), |t| clock.text(t));
        view! { <div class="pair"><dt>"Ended"</dt><dd>{text}</dd></div> }
    });
    // Anyone in the team records how a referral's reparation went.
    let follow_ups = match &rev.record {
        Record::IjReferral(referral) => Some(view! {
            <FollowUpSection entry_id=rev.entry_id referral=referral.clone()
                referred_at=rev.occurred_at />
        }),
        _ => None,
    };
    Some(view! {
        <details id=entry_details_id(&entry.entry_id) class="entry-record">
            <summary>{format!(
                "Full record and {count} revision{} ({reference})",
                if count == 1 { "" } else { "s" }
            )}</summary>
            <div class="record-body">
                <dl class="fields record-fields">
                    <div class="pair"><dt>"Record reference"</dt><dd class="reference">{reference.clone()}</dd></div>
                    {record_fields(rev, log, &flagged)}
                    {ended}
                </dl>
                <h4>"Revisions, newest first"</h4>
                <ol class="revisions" reversed>{revisions}</ol>
                {follow_ups}
            </div>
        </details>
    })
}

/// The timeline table of a shift's entries.
#[component]
pub fn EntryTable(
    entries: Vec<Entry>,
    /// Every revision of the shift, to name linked entries.
    log: StoredValue<Log>,
    flags: Vec<Flag>,
    clock: ShiftClock,
) -> impl IntoView {
    let rows = entries
        .iter()
        .filter_map(|entry| {
            let latest = entry.latest()?;
            let rev = &latest.revision;
            let entry_flags = flags.iter().filter(|f| f.entry_id == entry.entry_id).count();
            let details = log.with_value(|log| entry_details(entry, log, &flags, clock));
            let kind = rev.kind();
            Some(view! {
                <tr id=entry_row_id(&entry.entry_id) class=format!("entry kind-{}", kind.code())
                    class:flagged={entry_flags > 0}>
                    {time_cell(rev, clock)}
                    <td data-label="Kind">{kind.label()}</td>
                    <td data-label="Summary" class="summary-cell">
                        {rev.record.summary()}" "
                        // Shown in the row, not only in the history: a
                        // supervisor checking a correction reads why at once.
                        {entry.correction_reason().map(|reason| view! {
                            <span class="correction-note"><span class="badge corrected">"Corrected"</span>" "{reason.to_owned()}</span>
                        })}
                        {(entry_flags > 0).then(|| view! { <span class="badge flag">"⚠ Flagged"</span> })}
                    </td>
                    {delivery_cells(latest, clock)}
                    <td data-label="Location">{location_view(entry)}</td>
                </tr>
                <tr class="entry-more">
                    <td colspan="7">{details}</td>
                </tr>
            })
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="data entries stack">
                <caption>
                    "Entries in time order (latest revision of each). Times are local; "
                    "a delay over 15 minutes between capture and receipt is marked: the device was likely out of signal."
                </caption>
                {column_heads(COLUMNS)}
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}
