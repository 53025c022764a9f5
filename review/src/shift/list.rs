//! The supervisor's shift list: filters, a page of shifts as a table, paging
//! by cursor, and the entries export for the same filters. The filters and
//! the page live in [`ListState`] (provided by the review app), so opening a
//! shift and coming back finds the list as it was.
use super::fetch::{fetch, Answer};
use super::format::{
    count_parts, day_time_text, local_day, parse_time, snippet, time_in_shift, today_utc,
};
use super::table::column_heads;
use crate::export::ExportForm;
use crate::{use_ctx, View};
use beatbook_client::clock::local_time;
use beatbook_client::{Export, ShiftQuery};
use beatbook_core::review::{review_label, ShiftPage, ShiftSummary, PENDING, REVIEW_STATES};
use beatbook_core::time::{date_text, parse_date};
use beatbook_core::RecordKind;
use chrono::{Datelike, Duration, NaiveDate};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// The shift table's columns (the rows' `data-label`s say the same).
const COLUMNS: &[&str] = &[
    "Reference",
    "Officer",
    "Team",
    "Callsign and role",
    "Start",
    "End",
    "Entries",
    "Flags",
    "Review",
];

/// Longest review comment shown in the list (the shift shows all of it).
const COMMENT_SNIPPET: usize = 60;

/// The list's sort orders (`ShiftQuery::sort`), as the server reads them.
const NEWEST_FIRST: &str = "start_desc";
const OLDEST_FIRST: &str = "start_asc";

/// The filters before any is chosen: every shift, newest first (the
/// server's default, written out so the query says it). The list's filters
/// are a [`ShiftQuery`] without a cursor: dates as `YYYY-MM-DD`, empty
/// means any.
fn no_filters() -> ShiftQuery {
    ShiftQuery {
        sort: NEWEST_FIRST.to_owned(),
        ..ShiftQuery::default()
    }
}

/// The same filters without stray spaces (an ID pasted with a space
/// would otherwise match nothing).
fn tidy(filters: &ShiftQuery) -> ShiftQuery {
    let mut tidy = filters.clone();
    for field in Field::ALL {
        let slot = field.slot(&mut tidy);
        *slot = slot.trim().to_owned();
    }
    tidy
}

/// A problem the server would refuse, said before asking it.
fn filter_problem(filters: &ShiftQuery) -> Option<&'static str> {
    let from = (!filters.from.is_empty()).then(|| parse_date(&filters.from));
    let to = (!filters.to.is_empty()).then(|| parse_date(&filters.to));
    match (from, to) {
        (Some(None), _) => Some("From must be a date."),
        (_, Some(None)) => Some("To must be a date."),
        (Some(Some(f)), Some(Some(t))) if t < f => Some("To is before From."),
        _ => None,
    }
}

fn oldest_first(filters: &ShiftQuery) -> bool {
    filters.sort == OLDEST_FIRST
}

/// The shift list for these filters, at the page after `cursor`.
fn page_query(filters: &ShiftQuery, cursor: Option<&str>) -> ShiftQuery {
    ShiftQuery {
        cursor: cursor.unwrap_or_default().to_owned(),
        ..filters.clone()
    }
}

/// The entries export for these filters. Always with explicit days, so
/// the file name and the note under the form say what the file covers.
fn entries_export(filters: &ShiftQuery, (from, to): (NaiveDate, NaiveDate)) -> Export {
    Export::Entries {
        from: date_text(from),
        to: date_text(to),
        officer_id: filters.officer_id.clone(),
        team: filters.team.clone(),
        kind: filters.kind.clone(),
    }
}

/// The days an entries export covers. The export needs a period (the list
/// does not): what the filters give, with the server's own default (the last
/// calendar month) when neither day is set, today when only From is, and
/// the month of To when only To is.
fn export_period(f: &ShiftQuery, today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first_of = |d: NaiveDate| d.with_day(1).unwrap_or(d);
    match (parse_date(&f.from), parse_date(&f.to)) {
        (Some(from), Some(to)) => (from, to),
        (Some(from), None) => (from, today.max(from)),
        (None, Some(to)) => (first_of(to), to),
        (None, None) => {
            let last_month_end = first_of(today) - Duration::days(1);
            (first_of(last_month_end), last_month_end)
        }
    }
}

/// "1 Nov 2026".
fn day_words(d: NaiveDate) -> String {
    use beatbook_core::display::MONTHS;
    format!(
        "{} {} {}",
        d.day(),
        MONTHS[d.month0() as usize % 12],
        d.year()
    )
}

/// The list's place, kept while a shift is open.
#[derive(Clone, Copy)]
pub struct ListState {
    /// The filters last applied (the form edits a copy until "Apply").
    pub filters: RwSignal<ShiftQuery>,
    /// The cursor of each page after the first that led to the current
    /// page; empty on page 1. "Previous page" pops one.
    pub cursors: RwSignal<Vec<String>>,
    /// Asks for the same page again (after a failure).
    pub reload: RwSignal<u32>,
    /// The shift last opened: its button gets the focus back on return.
    pub last_opened: RwSignal<Option<String>>,
}

impl ListState {
    pub fn new() -> Self {
        Self {
            filters: RwSignal::new(no_filters()),
            cursors: RwSignal::new(Vec::new()),
            reload: RwSignal::new(0),
            last_opened: RwSignal::new(None),
        }
    }

    fn page_number(&self) -> usize {
        self.cursors.with(Vec::len) + 1
    }
}

impl Default for ListState {
    fn default() -> Self {
        Self::new()
    }
}

fn use_list() -> ListState {
    use_context::<ListState>().unwrap_or_default()
}

/// The element holding the table, focused after a page change.
const RESULTS_ID: &str = "shift-results";

/// The element ID of a shift's "Open shift" button.
fn open_button_id(shift_id: &str) -> String {
    format!("open-{shift_id}")
}

/// Puts the focus on an element once it has been drawn.
fn focus_when_drawn(id: String) {
    request_animation_frame(move || {
        let element = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(&id))
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(element) = element {
            let _ = element.focus();
        }
    });
}

#[component]
pub fn ShiftList() -> impl IntoView {
    let list = use_list();
    let page: RwSignal<Answer<ShiftPage>> = fetch(
        move || {
            list.reload.track();
            let cursor = list.cursors.with(|c| c.last().cloned());
            list.filters.with(|f| page_query(f, cursor.as_deref()))
        },
        |token, query| async move { beatbook_client::shifts(&token, &query).await },
    );
    // Set by "Next page" and "Previous page", whose buttons are redrawn
    // with the page: the focus then goes to the top of the new page.
    let paged = StoredValue::new(false);
    Effect::new(move |_| {
        if matches!(page.get(), Some(Ok(_))) {
            if paged.get_value() {
                paged.set_value(false);
                focus_when_drawn(RESULTS_ID.to_owned());
            } else if let Some(id) = list.last_opened.get_untracked() {
                // Back from a shift: to the row it was opened from.
                list.last_opened.set(None);
                focus_when_drawn(open_button_id(&id));
            }
        }
    });
    let export_period = Memo::new(move |_| list.filters.with(|f| export_period(f, today_utc())));
    let export = Signal::derive(move || {
        list.filters
            .with(|f| entries_export(f, export_period.get()))
    });
    let export_filename = Signal::derive(move || {
        let (from, to) = export_period.get();
        format!("entries-{}-{}.csv", date_text(from), date_text(to))
    });
    let export_note = move || {
        let (from, to) = export_period.get();
        format!(
            "One row per entry (its latest revision) of the officers these filters select, \
             {} to {} (the force's local days; times in the file carry their offset). \
             Area and review state do not narrow the file.",
            day_words(from),
            day_words(to)
        )
    };
    view! {
        <section class="shift-list" aria-labelledby="shifts-title">
            <h2 id="shifts-title">"Shifts"</h2>
            <FilterForm list />
            <div id=RESULTS_ID class="results" role="region" tabindex="-1" aria-label="Shifts found">
                <Results list page paged />
            </div>
            <section class="export-section no-print" aria-labelledby="export-entries-title">
                <h3 id="export-entries-title">"Export entries"</h3>
                <p class="muted">{export_note}</p>
                <ExportForm label="Download entries (CSV)" id="reason-entries"
                    export filename=export_filename />
            </section>
        </section>
    }
}

/// A filter the form edits, for one way to draw and update each input.
#[derive(Clone, Copy)]
enum Field {
    From,
    To,
    Officer,
    Team,
    Area,
    Kind,
    Review,
    Sort,
}

impl Field {
    const ALL: [Field; 8] = [
        Field::From,
        Field::To,
        Field::Officer,
        Field::Team,
        Field::Area,
        Field::Kind,
        Field::Review,
        Field::Sort,
    ];

    /// Where the query keeps this filter.
    fn slot(self, filters: &mut ShiftQuery) -> &mut String {
        match self {
            Field::From => &mut filters.from,
            Field::To => &mut filters.to,
            Field::Officer => &mut filters.officer_id,
            Field::Team => &mut filters.team,
            Field::Area => &mut filters.area,
            Field::Kind => &mut filters.kind,
            Field::Review => &mut filters.review,
            Field::Sort => &mut filters.sort,
        }
    }

    fn value(self, filters: &ShiftQuery) -> &str {
        match self {
            Field::From => &filters.from,
            Field::To => &filters.to,
            Field::Officer => &filters.officer_id,
            Field::Team => &filters.team,
            Field::Area => &filters.area,
            Field::Kind => &filters.kind,
            Field::Review => &filters.review,
            Field::Sort => &filters.sort,
        }
    }
}

/// A text or date filter: a label above its input.
fn input_filter(
    field: Field,
    id: &'static str,
    label: &'static str,
    input_type: &'static str,
    placeholder: &'static str,
    draft: RwSignal<ShiftQuery>,
) -> impl IntoView {
    view! {
        <div class="filter">
            <label for=id>{label}</label>
            <input id=id type=input_type autocomplete="off" placeholder=placeholder
                prop:value=move || draft.with(|f| field.value(f).to_owned())
                on:input=move |ev| {
                    let value = event_target_value(&ev);
                    draft.update(|f| *field.slot(f) = value);
                } />
        </div>
    }
}

/// A select filter; `options` are (value, words).
fn select_filter(
    field: Field,
    id: &'static str,
    label: &'static str,
    options: Vec<(&'static str, &'static str)>,
    draft: RwSignal<ShiftQuery>,
) -> impl IntoView {
    let options = options
        .into_iter()
        .map(|(value, words)| {
            view! {
                <option value=value prop:selected=move || draft.with(|f| field.value(f) == value)>
                    {words}
                </option>
            }
        })
        .collect_view();
    view! {
        <div class="filter">
            <label for=id>{label}</label>
            <select id=id on:change=move |ev| {
                let value = event_target_value(&ev);
                draft.update(|f| *field.slot(f) = value);
            }>{options}</select>
        </div>
    }
}

#[component]
fn FilterForm(list: ListState) -> impl IntoView {
    // What is typed; applied (and the list asked again) only on submit.
    let draft = RwSignal::new(list.filters.get_untracked());
    let problem = RwSignal::new(None::<&'static str>);
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let filters = draft.with_untracked(tidy);
        if let Some(p) = filter_problem(&filters) {
            problem.set(Some(p));
            return;
        }
        problem.set(None);
        draft.set(filters.clone());
        list.cursors.set(Vec::new());
        list.filters.set(filters);
    };
    let clear = move |_| {
        problem.set(None);
        draft.set(no_filters());
        list.cursors.set(Vec::new());
        list.filters.set(no_filters());
    };
    let mut kinds = vec![("", "Any")];
    kinds.extend(
        RecordKind::ALL
            .into_iter()
            // Every shift holds its own shift entry: as a filter it selects nothing.
            .filter(|k| *k != RecordKind::Shift)
            .map(|k| (k.code(), k.label())),
    );
    let mut reviews = vec![("", "Any"), (PENDING, review_label(PENDING))];
    reviews.extend(REVIEW_STATES.iter().map(|s| (*s, review_label(s))));
    let sorts = vec![
        (NEWEST_FIRST, "Newest first"),
        (OLDEST_FIRST, "Oldest first"),
    ];
    view! {
        <form class="filters no-print" role="search" aria-label="Filter shifts" on:submit=apply novalidate>
            <div class="filter-grid">
                {input_filter(Field::From, "filter-from", "From", "date", "", draft)}
                {input_filter(Field::To, "filter-to", "To", "date", "", draft)}
                {input_filter(Field::Officer, "filter-officer", "Officer", "text", "e.g. PC1001", draft)}
                {input_filter(Field::Team, "filter-team", "Team", "text", "e.g. North Hotspot", draft)}
                {input_filter(Field::Area, "filter-area", "Area or hotspot", "text", "", draft)}
                {select_filter(Field::Kind, "filter-kind", "Record type", kinds, draft)}
                {select_filter(Field::Review, "filter-review", "Review state", reviews, draft)}
                {select_filter(Field::Sort, "filter-sort", "Sort", sorts, draft)}
            </div>
            <p class="error" role="alert">{move || problem.get()}</p>
            <div class="filter-actions">
                <button type="submit" class="primary">"Apply filters"</button>
                <button type="button" on:click=clear>"Clear filters"</button>
            </div>
        </form>
    }
}

#[component]
fn Results(
    list: ListState,
    page: RwSignal<Answer<ShiftPage>>,
    paged: StoredValue<bool>,
) -> impl IntoView {
    // On page 1 there is nowhere to page to: no pager beside a problem.
    let pager = move || (list.page_number() > 1).then(|| view! { <Pager list paged next=None /> });
    move || {
        match page.get() {
        None => view! { <p class="loading" role="status">"Loading shifts…"</p> }.into_any(),
        Some(Err(e)) => view! {
            <div class="problem">
                <p role="alert" class="error">{crate::say(&e)}</p>
                <button type="button" on:click=move |_| list.reload.update(|n| *n += 1)>"Try again"</button>
            </div>
            {pager()}
        }
        .into_any(),
        Some(Ok(p)) if p.shifts.is_empty() => {
            let words = if list.page_number() == 1 {
                "No shifts match these filters"
            } else {
                "No more shifts match these filters"
            };
            view! {
                <p class="empty" role="status">{words}</p>
                {pager()}
            }
            .into_any()
        }
        Some(Ok(p)) => view! { <ShiftTable list paged page=p /> }.into_any(),
    }
    }
}

#[component]
fn Pager(list: ListState, paged: StoredValue<bool>, next: Option<String>) -> impl IntoView {
    let page = list.page_number();
    let has_next = next.is_some();
    let go_next = move |_| {
        if let Some(cursor) = next.clone() {
            paged.set_value(true);
            list.cursors.update(|c| c.push(cursor));
        }
    };
    let go_previous = move |_| {
        paged.set_value(true);
        list.cursors.update(|c| {
            c.pop();
        });
    };
    view! {
        <nav class="pager no-print" aria-label="Pages of shifts">
            <button type="button" disabled={page == 1} on:click=go_previous>"Previous page"</button>
            <span class="page-number">{format!("Page {page}")}</span>
            <button type="button" disabled={!has_next} on:click=go_next>"Next page"</button>
        </nav>
    }
}

#[component]
fn ShiftTable(list: ListState, paged: StoredValue<bool>, page: ShiftPage) -> impl IntoView {
    let ctx = use_ctx();
    let order = if list.filters.with_untracked(oldest_first) {
        "oldest first"
    } else {
        "newest first"
    };
    let caption = format!(
        "Shifts, {order}, page {} ({} shown). Times are local.",
        list.page_number(),
        page.shifts.len()
    );
    let this_year = today_utc().year();
    let rows = page
        .shifts
        .into_iter()
        .map(|s| shift_row(s, this_year, list, ctx))
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="data shifts stack">
                <caption>{caption}</caption>
                {column_heads(COLUMNS)}
                <tbody>{rows}</tbody>
            </table>
        </div>
        <Pager list paged next=page.next_cursor />
    }
}

fn shift_row(s: ShiftSummary, this_year: i32, list: ListState, ctx: crate::Ctx) -> impl IntoView {
    let start = parse_time(&s.start);
    let (start_text, start_day) = match start {
        Some(t) => {
            let local = local_time();
            (
                day_time_text(t, local, this_year),
                Some(local_day(t, local)),
            )
        }
        None => (s.start.clone(), None),
    };
    let end = match (s.end.as_deref().map(|e| (e, parse_time(e))), start_day) {
        (None, _) => view! { <span class="badge warn">"Not ended"</span> }.into_any(),
        (Some((text, Some(t))), Some(day)) => {
            let words = time_in_shift(t, local_time(), day, this_year);
            view! { <time datetime=text.to_owned()>{words}</time> }.into_any()
        }
        (Some((text, _)), _) => text.to_owned().into_any(),
    };
    // Each count unbroken; the cell wraps between them.
    let (parts, counts_full) = count_parts(&s.counts);
    let counts = if parts.is_empty() {
        view! { <span class="muted">"None"</span> }.into_any()
    } else {
        let last = parts.len() - 1;
        parts
            .into_iter()
            .enumerate()
            .map(|(i, part)| {
                view! { <span class="count">{part}</span>{(i < last).then_some(" · ")} }
            })
            .collect_view()
            .into_any()
    };
    let flags = if s.flags > 0 {
        view! {
            <strong class="flag-count"><span aria-hidden="true">"⚠ "</span>{s.flags}</strong>
        }
        .into_any()
    } else {
        view! { <span class="muted">"0"</span> }.into_any()
    };
    let comment = s
        .review_comment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| {
            view! { <span class="comment" title=c.to_owned()>{snippet(c, COMMENT_SNIPPET)}</span> }
        });
    let role = s
        .role
        .as_deref()
        .map(crate::programme::format::label::<beatbook_core::codes::PatrollerRole>);
    // The signed-in supervisor's own shift: said here, before it is opened.
    let own = super::decision::is_own_shift(&s.officer_id, &ctx.officer_id.get_value());
    let reference = s.reference.clone();
    let shift_id = s.shift_id.clone();
    let open = move |_| {
        list.last_opened.set(Some(shift_id.clone()));
        ctx.go(View::Shift(shift_id.clone()));
    };
    view! {
        <tr class:flagged={s.flags > 0}>
            <th scope="row" data-label="Reference">
                <button type="button" class="open" id=open_button_id(&s.shift_id)
                    aria-label=format!("Open shift {reference}") on:click=open>{s.reference}</button>
            </th>
            <td data-label="Officer">
                {s.officer_id}
                {own.then(|| view! { <span class="muted sub">"Yours: another supervisor signs it off"</span> })}
            </td>
            <td data-label="Team">{s.team}</td>
            <td data-label="Callsign and role">
                {s.callsign}
                {role.map(|r| view! { <span class="muted sub">{r}</span> })}
            </td>
            <td data-label="Start"><time datetime=s.start>{start_text}</time></td>
            <td data-label="End">{end}</td>
            <td data-label="Entries" title=counts_full>{counts}</td>
            <td data-label="Flags">{flags}</td>
            <td data-label="Review">
                <span class=format!("badge review {}", s.review)>{review_label(&s.review)}</span>
                {comment}
            </td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        parse_date(text).unwrap_or_default()
    }

    #[test]
    fn an_export_always_names_its_days() {
        let today = day("2026-11-27");
        let mut f = no_filters();
        assert_eq!(
            export_period(&f, today),
            (day("2026-10-01"), day("2026-10-31"))
        );
        f.from = "2026-11-02".into();
        assert_eq!(export_period(&f, today), (day("2026-11-02"), today));
        f.to = "2026-11-20".into();
        assert_eq!(
            export_period(&f, today),
            (day("2026-11-02"), day("2026-11-20"))
        );
        f.from.clear();
        assert_eq!(
            export_period(&f, today),
            (day("2026-11-01"), day("2026-11-20"))
        );
    }

    #[test]
    fn filters_say_what_the_server_would_refuse() {
        let mut f = tidy(&ShiftQuery {
            from: " 2026-11-20 ".into(),
            to: "2026-11-02".into(),
            officer_id: "PC1001 ".into(),
            ..no_filters()
        });
        assert_eq!(f.officer_id, "PC1001");
        assert_eq!(filter_problem(&f), Some("To is before From."));
        f.to = "2026-11-21".into();
        assert_eq!(filter_problem(&f), None);
    }
}
