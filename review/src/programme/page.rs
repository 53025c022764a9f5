//! The programme return screen: choose a period (and a team), read the
//! headline figures, charts and tables, download the CSV (with a reason,
//! DPA 2018 s62) or print it. Opens on last month, what the programme
//! reports monthly.
use super::chart::BarChart;
use super::charts;
use super::ethnicity;
use super::format::{last_month, long_date, period_problem, this_month, Period};
use super::submitted;
use super::tables;
use crate::export::ExportForm;
use crate::{say, use_ctx};
use beatbook_client::clock::{local_time, now};
use beatbook_client::{ApiError, Export, ReturnQuery};
use beatbook_core::api::ErrorCode;
use beatbook_core::returns::{submission_rows, ReturnChanges, SubmittedReturn};
use beatbook_core::review::ProgrammeReturn;
use leptos::prelude::*;
use std::sync::Arc;

/// What was asked of the server: the period and an optional team (empty:
/// every team the supervisor supervises).
type Ask = ReturnQuery;

/// A submitted period's submission and what changed since.
type Submission = Arc<(SubmittedReturn, ReturnChanges)>;

#[derive(Clone)]
enum Load {
    Idle,
    Loading,
    /// The figures shown: a submitted period's frozen ones (with the
    /// submission), else those worked out now.
    Ready(Ask, Arc<ProgrammeReturn>, Option<Submission>),
    Failed(String),
}

/// What the screen shows for a period: its latest submitted return and
/// the changes since, or (never submitted) the return worked out now.
async fn shown(token: &str, ask: &Ask) -> Result<(ProgrammeReturn, Option<Submission>), ApiError> {
    match beatbook_client::submitted_return(token, ask).await? {
        Some(sub) => {
            let changes = beatbook_client::return_changes(token, ask).await?;
            Ok((sub.figures.clone(), Some(Arc::new((sub, changes)))))
        }
        None => Ok((beatbook_client::programme_return(token, ask).await?, None)),
    }
}

/// Today on the device's calendar: a supervisor's "last month" is the one
/// their own calendar shows, even in the hour after midnight in summer.
fn today() -> chrono::NaiveDate {
    local_time().local(now()).date()
}

/// Why the return could not be shown. A refusal with a team named means
/// the team is not one of the supervisor's (or does not exist): say so,
/// rather than the generic words about an officer's team.
fn failure(ask: &Ask, e: &ApiError) -> String {
    match e.code() {
        Some(ErrorCode::Forbidden) if !ask.team.is_empty() => format!(
            "You do not supervise a team called \u{201c}{}\u{201d}. Check the name, or leave Team empty for all your teams.",
            ask.team
        ),
        _ => say(e),
    }
}

/// Asks the server for the return; a newer ask wins over a slower older one.
fn fetch(token: StoredValue<String>, ask: Ask, status: RwSignal<Load>, asked: StoredValue<u64>) {
    let Some(mine) = asked.try_update_value(|n| {
        *n += 1;
        *n
    }) else {
        return;
    };
    let Some(token) = token.try_get_value() else {
        return;
    };
    status.set(Load::Loading);
    // Scoped: cancelled when the screen is left.
    leptos::task::spawn_local_scoped_with_cancellation(async move {
        let answer = shown(&token, &ask).await;
        // The screen may have been left, or a newer period asked for.
        if asked.try_get_value() != Some(mine) {
            return;
        }
        status.try_set(match answer {
            Ok((ret, sub)) => Load::Ready(ask, Arc::new(ret), sub),
            Err(e) => Load::Failed(failure(&ask, &e)),
        });
    });
}

/// The period form's fields.
#[derive(Clone, Copy)]
struct Fields {
    from: RwSignal<String>,
    to: RwSignal<String>,
    team: RwSignal<String>,
}

impl Fields {
    fn set_period(&self, p: Period) {
        self.from.set(p.from);
        self.to.set(p.to);
    }

    fn ask(&self) -> Ask {
        Ask {
            from: self.from.get_untracked(),
            to: self.to.get_untracked(),
            team: self.team.get_untracked().trim().to_owned(),
        }
    }
}

fn date_field(id: &'static str, label: &'static str, value: RwSignal<String>) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input id=id type="date" required prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev)) />
        </div>
    }
}

/// From, To, Team and the buttons that ask for the return.
fn period_form(
    fields: Fields,
    problem: RwSignal<Option<String>>,
    show: impl Fn() + Copy + 'static,
) -> impl IntoView {
    let quick = move |period: fn(chrono::NaiveDate) -> Period| {
        move |_| {
            fields.set_period(period(today()));
            show();
        }
    };
    view! {
        <form class="period card no-print" aria-labelledby="period-title"
            on:submit=move |ev| { ev.prevent_default(); show(); }>
            <h2 id="period-title">"Period of the return"</h2>
            <div class="period-fields">
                {date_field("return-from", "From", fields.from)}
                {date_field("return-to", "To", fields.to)}
                <div class="field">
                    <label for="return-team">"Team"</label>
                    <input id="return-team" type="text" maxlength="100" autocomplete="off"
                        aria-describedby="return-team-hint"
                        prop:value=move || fields.team.get()
                        on:input=move |ev| fields.team.set(event_target_value(&ev)) />
                    <p id="return-team-hint" class="hint">"Empty: all the teams you supervise"</p>
                </div>
            </div>
            <div class="period-actions">
                <button type="submit" class="primary">"Show return"</button>
                <button type="button" on:click=quick(last_month)>"Last month"</button>
                <button type="button" on:click=quick(this_month)>"This month"</button>
            </div>
            {move || problem.get().map(|p| view! { <p role="alert" class="error">{p}</p> })}
        </form>
    }
}

fn print_page() {
    if let Some(w) = web_sys::window() {
        // Nothing useful to say if the browser refuses: the button stays.
        let _ = w.print();
    }
}

/// Who the return covers, when and by whom it was drawn up (it is often
/// read on paper, away from the screen that made it).
fn provenance(ask: &Ask, zone: &str, by: &str) -> String {
    let team = if ask.team.is_empty() {
        "All the teams you supervise".to_owned()
    } else {
        format!("Team {}", ask.team)
    };
    format!(
        "{team}, {} to {} ({} days, both included). Drawn up on {} by {by}.",
        long_date(&ask.from),
        long_date(&ask.to),
        if zone.is_empty() { "UTC" } else { zone },
        long_date(&beatbook_core::time::date_text(today())),
    )
}

/// The six charts; each says "No data" on its own when it has none.
fn charts_grid(ret: &ProgrammeReturn) -> impl IntoView {
    view! {
        <div class="chart-grid">
            <BarChart caption="Patrols per week" data=charts::patrols_per_week(ret) />
            <BarChart caption="Person-hours per week" data=charts::hours_per_week(ret) />
            <BarChart caption="Patrols per hotspot" data=charts::patrols_per_area(ret) />
            <BarChart caption="Person-hours per hotspot" data=charts::hours_per_area(ret) />
            <BarChart caption="Stop and search outcomes by power" data=charts::outcomes_by_power(&ret.totals) />
            <BarChart caption="ASB interventions by power" data=charts::asb_by_power(&ret.totals) />
        </div>
    }
}

/// The return itself, once the server has answered; `submit` submits it
/// (or a revision), `busy` while that runs.
fn report(
    ask: Ask,
    ret: &ProgrammeReturn,
    sub: Option<&Submission>,
    by: &str,
    submit: impl Fn() + Copy + 'static,
    busy: RwSignal<bool>,
) -> impl IntoView {
    let submission = match sub {
        Some(s) => submitted::submitted_view(&s.0, &s.1, submit, busy).into_any(),
        None => submitted::unsubmitted_view(submit, busy).into_any(),
    };
    let export = Export::Return(ask.clone());
    let filename = format!("return-{}-{}.csv", ask.from, ask.to);
    view! {
        <article class="return" aria-labelledby="return-title">
            <h2 id="return-title">{format!("Programme return {} to {}", ret.from, ret.to)}</h2>
            <p class="muted provenance">{provenance(&ask, &ret.time_zone, by)}</p>
            <p class="muted">"Counts use the latest version of each entry. Entries of shifts rejected on review still count and are shown as disputed; entries their officer withdrew are left out. Patrols count in the week and hotspot they started in."</p>
            {submission}
            <div class="return-actions no-print">
                <button type="button" on:click=move |_| print_page()>"Print the return"</button>
                <ExportForm label="Download the return (CSV)" id="reason-return"
                    export=export filename=filename />
            </div>
            <section aria-labelledby="headline-title">
                <h3 id="headline-title">"Headline figures"</h3>
                {tables::headline(ret)}
            </section>
            <section aria-labelledby="charts-title">
                <h3 id="charts-title">"Charts"</h3>
                {charts_grid(ret)}
            </section>
            <section aria-labelledby="groups-title">
                <h3 id="groups-title">"By hotspot and by patroller"</h3>
                {tables::by_place(ret)}
                {tables::by_role(ret)}
            </section>
            <section aria-labelledby="codes-title">
                <h3 id="codes-title">"Outcomes, powers and seizures"</h3>
                <div class="code-grid">{tables::code_tables(&ret.totals)}</div>
            </section>
            <section aria-labelledby="ethnicity-title">
                <h3 id="ethnicity-title">"Stop and search by ethnicity"</h3>
                {ethnicity::tables(&ret.totals.stop_search_ethnicity)}
            </section>
            <section class="exported" aria-labelledby="rows-title">
                <h3 id="rows-title">"All figures as exported"</h3>
                <p class="muted">"The rows of the CSV download, as it writes them."</p>
                {tables::exported_rows(ret, sub.map_or_else(Vec::new, |s| submission_rows(&s.0)))}
            </section>
        </article>
    }
}

#[component]
pub fn ReturnView() -> impl IntoView {
    let fields = Fields {
        from: RwSignal::new(String::new()),
        to: RwSignal::new(String::new()),
        team: RwSignal::new(String::new()),
    };
    fields.set_period(last_month(today()));
    let ctx = use_ctx();
    let by = format!(
        "{} ({})",
        ctx.display_name.get_value(),
        ctx.officer_id.get_value()
    );
    let status = RwSignal::new(Load::Idle);
    let problem = RwSignal::new(None::<String>);
    let asked = StoredValue::new(0u64);
    let show = move || {
        let ask = fields.ask();
        match period_problem(&ask.from, &ask.to) {
            Some(p) => problem.set(Some(p.into())),
            None => {
                problem.set(None);
                fetch(ctx.token, ask, status, asked);
            }
        }
    };
    // Open on last month: the figure a supervisor most often needs.
    show();
    let busy = RwSignal::new(false);
    // The screen's owner: the reload after a submission runs under it, not
    // under the submission's task, whose scope ends (and would cancel it)
    // as soon as the submission is done.
    let screen = StoredValue::new(Owner::current());
    let said = RwSignal::new(None::<String>);
    // Submits the period on the screen, then shows it again: its submitted
    // figures and (empty) changes.
    let submit = move || {
        let Load::Ready(ask, _, _) = status.get_untracked() else {
            return;
        };
        let Some(token) = ctx.token.try_get_value() else {
            return;
        };
        busy.set(true);
        said.set(None);
        leptos::task::spawn_local_scoped_with_cancellation(async move {
            let answer = beatbook_client::submit_return(&token, &ask).await;
            busy.try_set(false);
            match answer {
                Ok(sub) => {
                    said.try_set(Some(format!(
                        "Return submitted (revision {}).",
                        sub.revision
                    )));
                    if let Some(owner) = screen.try_get_value().flatten() {
                        owner.with(|| fetch(ctx.token, ask, status, asked));
                    }
                }
                Err(e) => {
                    said.try_set(Some(format!("Not submitted: {}", failure(&ask, &e))));
                }
            }
        });
    };
    let waiting = move || {
        if busy.get() {
            Some("Submitting the return…".to_owned())
        } else if matches!(status.get(), Load::Loading) {
            Some("Loading the return…".to_owned())
        } else {
            said.get()
        }
    };
    let body = move || match status.get() {
        Load::Idle | Load::Loading => None,
        Load::Failed(message) => {
            Some(view! { <p role="alert" class="error card">{message}</p> }.into_any())
        }
        Load::Ready(ask, ret, sub) => {
            Some(report(ask, &ret, sub.as_ref(), &by, submit, busy).into_any())
        }
    };
    view! {
        <section class="programme">
            {period_form(fields, problem, show)}
            <p role="status" class="return-loading">{waiting}</p>
            {body}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(team: &str) -> Ask {
        Ask {
            from: "2026-10-01".into(),
            to: "2026-10-31".into(),
            team: team.into(),
        }
    }

    #[test]
    fn a_refused_team_is_named_in_the_message() {
        let forbidden = ApiError::Refused(beatbook_client::Refusal {
            status: 403,
            code: ErrorCode::Forbidden,
            message: "You do not have access to this".into(),
            retry_after_s: None,
        });
        let text = failure(&ask("South"), &forbidden);
        assert!(text.contains("\u{201c}South\u{201d}"), "{text}");
        // Without a team, the words for any refusal of a supervisor.
        assert_eq!(failure(&ask(""), &forbidden), say(&forbidden));
        assert_eq!(
            failure(&ask("South"), &ApiError::Offline),
            say(&ApiError::Offline)
        );
    }
}
