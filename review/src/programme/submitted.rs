//! A submitted return on the return screen: who submitted it, when, its
//! revision and hash, and what changed under it since; the button that
//! submits the return (or a revision of it). The words are plain Rust with
//! host tests; the view only lays them out.
use beatbook_core::display::day_time_text;
use beatbook_core::local_time::LocalTime;
use beatbook_core::returns::{change_label, ReturnChange, ReturnChanges, SubmittedReturn};
use beatbook_core::time::parse;
use chrono::Datelike;
use leptos::prelude::*;

/// A server time in the supervisor's local time ("Fri 27 Nov 08:30"), or
/// as it came when unreadable.
fn when(text: &str, local: LocalTime, this_year: i32) -> String {
    parse(text).map_or_else(|| text.to_owned(), |t| day_time_text(t, local, this_year))
}

/// "Submitted by SGT101 at Fri 27 Nov 08:30 (revision 2 of 2, sha256 9f2c…)".
pub fn submitted_line(sub: &SubmittedReturn, local: LocalTime, this_year: i32) -> String {
    let of = if sub.revisions > sub.revision {
        format!(" of {}", sub.revisions)
    } else {
        String::new()
    };
    format!(
        "Submitted by {} at {} (revision {}{of}, sha256 {})",
        sub.submitted_by,
        when(&sub.submitted_at, local, this_year),
        sub.revision,
        sub.sha256
    )
}

/// One change in words: "Arrived after submission: arrest BB-5F8A-987D of
/// PC1001, Sat 10 Oct 09:05 (received Mon 2 Nov 10:00)".
pub fn change_line(c: &ReturnChange, local: LocalTime, this_year: i32) -> String {
    let detail = if c.detail.is_empty() {
        String::new()
    } else {
        format!(" \u{2014} {}", c.detail)
    };
    format!(
        "{}: {} {} of {}, {} (at {}){detail}",
        change_label(&c.kind),
        c.entry_kind.replace('_', " "),
        c.reference,
        c.officer_id,
        when(&c.occurred_at, local, this_year),
        when(&c.at, local, this_year),
    )
}

/// The submission's line, its changes, and the "Submit revision" button.
pub fn submitted_view(
    sub: &SubmittedReturn,
    changes: &ReturnChanges,
    submit: impl Fn() + Copy + 'static,
    busy: RwSignal<bool>,
) -> impl IntoView {
    let local = beatbook_client::clock::local_time();
    let year = beatbook_client::clock::now().year();
    let lines: Vec<String> = changes
        .changes
        .iter()
        .map(|c| change_line(c, local, year))
        .collect();
    let empty = lines.is_empty();
    view! {
        <section class="submitted card" aria-labelledby="submitted-title">
            <h3 id="submitted-title">"Submitted return"</h3>
            <p class="submission">{submitted_line(sub, local, year)}</p>
            <p class="muted">"These are the figures as submitted; later entries, corrections and reviews do not change them. Submit a revision to send the figures as they are now."</p>
            <section aria-labelledby="changes-title">
                <h4 id="changes-title">"Changed since submitted"</h4>
                {if empty {
                    view! { <p class="muted">"Nothing has changed since it was submitted."</p> }.into_any()
                } else {
                    view! {
                        <ul class="changes" aria-labelledby="changes-title">
                            {lines.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>
            <button type="button" class="primary no-print" prop:disabled=move || busy.get()
                on:click=move |_| submit()>"Submit revision"</button>
        </section>
    }
}

/// The "Submit return" button of a period not yet submitted.
pub fn unsubmitted_view(submit: impl Fn() + Copy + 'static, busy: RwSignal<bool>) -> impl IntoView {
    view! {
        <section class="submitted card no-print" aria-labelledby="unsubmitted-title">
            <h3 id="unsubmitted-title">"Not submitted"</h3>
            <p class="muted">"These figures are worked out now and change as entries arrive. Submitting freezes them: from then on this period shows the submitted figures, with what changed since."</p>
            <button type="button" class="primary" prop:disabled=move || busy.get()
                on:click=move |_| submit()>"Submit return"</button>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use beatbook_core::review::ProgrammeReturn;

    fn sub(revision: u32, revisions: u32) -> SubmittedReturn {
        SubmittedReturn {
            from: "2026-10-01".into(),
            to: "2026-10-31".into(),
            teams: vec!["North".into()],
            revision,
            revisions,
            submitted_by: "SGT101".into(),
            submitted_at: "2026-11-02T09:30:00.000000Z".into(),
            sha256: "ab".repeat(32),
            figures: ProgrammeReturn {
                from: "2026-10-01".into(),
                to: "2026-10-31".into(),
                time_zone: "Europe/London".into(),
                totals: Default::default(),
                by_area: Default::default(),
                by_role: Default::default(),
                by_week: vec![],
                disputed_shifts: 0,
                disputed: Default::default(),
                withdrawn: 0,
                ..Default::default()
            },
        }
    }

    #[test]
    fn the_submission_says_who_when_which_revision_and_its_hash() {
        let utc = LocalTime::default();
        let line = submitted_line(&sub(1, 1), utc, 2026);
        assert_eq!(
            line,
            format!(
                "Submitted by SGT101 at Mon 2 Nov 09:30 (revision 1, sha256 {})",
                "ab".repeat(32)
            )
        );
        assert!(submitted_line(&sub(1, 2), utc, 2026).contains("(revision 1 of 2,"));
    }

    #[test]
    fn a_change_names_its_kind_entry_officer_and_reason() {
        let c = ReturnChange {
            kind: "correction".into(),
            at: "2026-11-03T10:00:00.000000Z".into(),
            entry_id: "x".into(),
            reference: "BB-0000-0001".into(),
            entry_kind: "stop_search".into(),
            officer_id: "PC1001".into(),
            occurred_at: "2026-10-10T09:05:00.000000Z".into(),
            detail: "Outcome was NFA".into(),
        };
        let line = change_line(&c, LocalTime::default(), 2026);
        assert_eq!(
            line,
            "Corrected: stop search BB-0000-0001 of PC1001, Sat 10 Oct 09:05 (at Tue 3 Nov 10:00) \u{2014} Outcome was NFA"
        );
    }
}
