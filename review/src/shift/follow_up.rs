//! An Immediate Justice referral's follow-ups, under its entry in the
//! shift's record: what was recorded of how the reparation went (by whom,
//! when, why), and the form that records another. Anyone in the
//! referral's team may (the server decides who: `server/src/http/follow_ups.rs`);
//! the referral's entry itself stays the referring officer's.
//!
//! The form checks with core's rules ([`IjFollowUp::check`], the server's
//! too) before it sends. A follow-up keeps its ID until the server has
//! answered for it, so sending again after a lost answer is `already_had`,
//! never a second follow-up.
use crate::use_ctx;
use beatbook_client::clock::{local_time, now};
use beatbook_core::codes::{Code, IjOutcome};
use beatbook_core::ij::{FollowUpContext, FollowUpOutcome, FollowUps, IjFollowUp, StoredFollowUp};
use beatbook_core::local_time::LocalTime;
use beatbook_core::record::IjReferral;
use beatbook_core::time::parse_date;
use beatbook_core::{EntryId, FieldError, FollowUpId, Problem};
use chrono::{DateTime, Utc};
use leptos::prelude::*;

use super::fetch::{fetch, Answer};
use super::format::parse_time;

/// What the form's fields hold, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Typed {
    /// `datetime-local`: `YYYY-MM-DDTHH:MM`, local.
    pub started: String,
    pub hours: String,
    /// An [`IjOutcome`] code.
    pub result: String,
    /// `date`: `YYYY-MM-DD`.
    pub ended: String,
    pub note: String,
    pub reason: String,
}

/// The follow-up the typed fields say, or each field's problem (the
/// typing first, then core's rules against the referral).
pub fn read_form(
    typed: &Typed,
    ids: (FollowUpId, EntryId),
    cx: &FollowUpContext<'_>,
    local: LocalTime,
) -> Result<IjFollowUp, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut problem = |field: &str, problem: Problem| {
        errors.push(FieldError {
            field: field.to_owned(),
            problem,
        })
    };
    let started = match typed.started.trim() {
        "" => None,
        text => match local.parse(text, None) {
            Ok(t) => Some(t),
            Err(p) => {
                problem("reparation_started_at", p);
                None
            }
        },
    };
    let hours = match typed.hours.trim().parse::<u32>() {
        Ok(h) => h,
        Err(_) => {
            problem("hours_completed", Problem::NotANumber);
            0
        }
    };
    let result = IjOutcome::from_code(&typed.result);
    if result.is_none() {
        problem(
            "result",
            Problem::NotChosen {
                what: "where the reparation stands".into(),
            },
        );
    }
    let completed_on = match typed.ended.trim() {
        "" => None,
        text => {
            let day = parse_date(text);
            if day.is_none() {
                problem("completed_on", Problem::BadDate);
            }
            day
        }
    };
    let note = typed.note.trim();
    let follow_up = IjFollowUp {
        follow_up_id: ids.0,
        entry_id: ids.1,
        reparation_started_at: started,
        hours_completed: hours,
        result: result.unwrap_or(IjOutcome::InProgress),
        completed_on,
        note: (!note.is_empty()).then(|| note.to_owned()),
        reason: typed.reason.trim().to_owned(),
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    follow_up.check(cx).map(|()| follow_up)
}

/// The message the form shows beside a field, if it has one.
fn message_for(errors: &[FieldError], field: &str) -> Option<String> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.problem.to_string())
}

/// One follow-up as a supervisor reads it.
fn follow_up_line(s: &StoredFollowUp, local: LocalTime) -> impl IntoView {
    let f = &s.follow_up;
    let at = |t: DateTime<Utc>| local.to_local_text(t).replace('T', " ");
    let mut facts = vec![
        f.result.label().to_owned(),
        format!("{} h done", f.hours_completed),
    ];
    if let Some(t) = f.reparation_started_at {
        facts.push(format!("started {}", at(t)));
    }
    if let Some(d) = f.completed_on {
        facts.push(format!("ended {d}"));
    }
    let recorded = parse_time(&s.recorded_at).map_or_else(|| s.recorded_at.clone(), at);
    view! {
        <li class="follow-up">
            <p><strong>{facts.join(" · ")}</strong></p>
            {f.note.clone().map(|n| view! { <p class="comment-cell">{n}</p> })}
            <p class="muted">{format!("Recorded by {} at {recorded}: {}", s.recorded_by, f.reason)}</p>
        </li>
    }
}

#[derive(Clone, PartialEq)]
enum Status {
    Idle,
    Sending,
    Recorded(String),
    Problem(String),
}

/// A referral's follow-ups and the "Record follow-up" form.
#[component]
pub fn FollowUpSection(
    entry_id: EntryId,
    /// The referral's latest revision, which the rules are judged against.
    referral: IjReferral,
    referred_at: DateTime<Utc>,
) -> impl IntoView {
    let ctx = use_ctx();
    let listed: RwSignal<Answer<FollowUps>> = fetch(
        move || entry_id,
        |token, id| async move { beatbook_client::follow_ups(&token, &id).await },
    );
    let typed = RwSignal::new(Typed {
        result: IjOutcome::InProgress.code().to_owned(),
        ..Typed::default()
    });
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let status = RwSignal::new(Status::Idle);
    // The ID of a follow-up sent without an answer, with what it said: the
    // same follow-up sent again keeps it.
    let unanswered = StoredValue::new(None::<(FollowUpId, Typed)>);
    let referral = StoredValue::new(referral);
    let id_of = move |field: &str| format!("fu-{entry_id}-{field}");

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if status.get_untracked() == Status::Sending {
            return;
        }
        let form = typed.get_untracked();
        let id = match unanswered.get_value() {
            Some((id, sent)) if sent == form => id,
            _ => FollowUpId::from_random_bytes(beatbook_client::random_bytes()),
        };
        let local = local_time();
        let local_date = move |t: DateTime<Utc>| local.local(t).date();
        let read = referral.with_value(|r| {
            let cx = FollowUpContext {
                referral: r,
                referred_at,
                now: now(),
                local_date: &local_date,
            };
            read_form(&form, (id, entry_id), &cx, local)
        });
        let follow_up = match read {
            Ok(f) => f,
            Err(found) => {
                errors.set(found);
                status.set(Status::Problem(
                    "Put right the fields marked below, then record it again.".into(),
                ));
                return;
            }
        };
        errors.set(Vec::new());
        status.set(Status::Sending);
        unanswered.set_value(Some((id, form)));
        let token = ctx.token.get_value();
        leptos::task::spawn_local_scoped(async move {
            match beatbook_client::record_follow_up(&token, &follow_up).await {
                Ok(answer) => {
                    unanswered.try_set_value(None);
                    let words = match answer.outcome {
                        FollowUpOutcome::Stored => "Follow-up recorded",
                        FollowUpOutcome::AlreadyHad => "Follow-up recorded (it had arrived before)",
                    };
                    listed.try_update(|l| {
                        if let Some(Ok(list)) = l {
                            if !list.follow_ups.contains(&answer.stored) {
                                list.follow_ups.push(answer.stored.clone());
                            }
                        }
                    });
                    typed.try_set(Typed {
                        result: IjOutcome::InProgress.code().to_owned(),
                        ..Typed::default()
                    });
                    status.try_set(Status::Recorded(words.to_owned()));
                }
                Err(e) => {
                    status.try_set(Status::Problem(crate::say(&e)));
                }
            }
        });
    };

    let list = move || {
        let local = local_time();
        match listed.get() {
            None => view! { <p class="loading">"Loading follow-ups…"</p> }.into_any(),
            Some(Err(e)) => view! { <p class="error">{crate::say(&e)}</p> }.into_any(),
            Some(Ok(l)) if l.follow_ups.is_empty() => {
                view! { <p class="muted">"No follow-up recorded yet."</p> }.into_any()
            }
            Some(Ok(l)) => view! {
                <ol class="follow-ups">
                    {l.follow_ups.iter().map(|s| follow_up_line(s, local)).collect_view()}
                </ol>
            }
            .into_any(),
        }
    };
    // One labelled input: its label, hint and problem tied to it.
    let field =
        move |name: &'static str, label: &'static str, hint: &'static str, input: AnyView| {
            let (input_id, hint_id) = (id_of(name), id_of(&format!("{name}-hint")));
            let problem = move || errors.with(|e| message_for(e, name));
            view! {
                <div class="field" class:invalid=move || problem().is_some()>
                    <label for=input_id>{label}</label>
                    // Always there, if empty: the input names it.
                    <p class="hint" id=hint_id>{hint}</p>
                    {input}
                    <p class="error" role="alert">{problem}</p>
                </div>
            }
        };
    let text_input = move |name: &'static str,
                           kind: &'static str,
                           get: fn(&Typed) -> &String,
                           set: fn(&mut Typed, String)| {
        let invalid = move || {
            errors
                .with(|e| message_for(e, name).is_some())
                .then_some("true")
        };
        view! {
            <input type=kind id=id_of(name) aria-invalid=invalid
                aria-describedby=id_of(&format!("{name}-hint"))
                prop:value=move || typed.with(|t| get(t).clone())
                on:input=move |ev| typed.update(|t| set(t, event_target_value(&ev))) />
        }
        .into_any()
    };
    let outcomes = IjOutcome::ALL
        .iter()
        .map(|o| view! { <option value=o.code()>{o.label()}</option> })
        .collect_view();
    let result_select = view! {
        <select id=id_of("result") prop:value=move || typed.with(|t| t.result.clone())
            on:change=move |ev| typed.update(|t| t.result = event_target_value(&ev))>
            {outcomes}
        </select>
    }
    .into_any();
    let note_box = view! {
        <textarea id=id_of("note") rows="3" prop:value=move || typed.with(|t| t.note.clone())
            on:input=move |ev| typed.update(|t| t.note = event_target_value(&ev))></textarea>
    }
    .into_any();
    let recorded = move || match status.get() {
        Status::Sending => "Recording the follow-up…".to_owned(),
        Status::Recorded(words) => words,
        _ => String::new(),
    };
    let problem = move || match status.get() {
        Status::Problem(words) => words,
        _ => String::new(),
    };
    view! {
        <section class="follow-up-section" aria-labelledby=id_of("title")>
            <h4 id=id_of("title")>"Immediate Justice follow-ups"</h4>
            {list}
            <form class="review-form follow-up-form no-print" on:submit=submit novalidate
                aria-label="Record follow-up">
                {field("reparation_started_at", "Reparation started", "Local date and time; leave blank only if the person declined.",
                    text_input("reparation_started_at", "datetime-local", |t| &t.started, |t, v| t.started = v))}
                {field("hours_completed", "Hours completed", "",
                    text_input("hours_completed", "number", |t| &t.hours, |t, v| t.hours = v))}
                {field("result", "Result", "", result_select)}
                {field("completed_on", "Day it ended", "Blank while it is under way.",
                    text_input("completed_on", "date", |t| &t.ended, |t, v| t.ended = v))}
                {field("note", "Note", "", note_box)}
                {field("reason", "Who is recording this and how you know", "For example: IJ coordinator, the provider confirmed the hours.",
                    text_input("reason", "text", |t| &t.reason, |t, v| t.reason = v))}
                <p class="error" role="alert">{problem}</p>
                <p class="recorded" role="status">{recorded}</p>
                <div class="actions">
                    <button type="submit" class="primary"
                        disabled=move || status.get() == Status::Sending>"Record follow-up"</button>
                </div>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use beatbook_core::validate::Rule;
    use chrono::{NaiveDate, TimeZone};

    fn referral() -> IjReferral {
        IjReferral {
            referral_date: NaiveDate::from_ymd_opt(2025, 10, 10),
            hours_ordered: Some(6),
            ..IjReferral::default()
        }
    }

    fn read(typed: &Typed) -> Result<IjFollowUp, Vec<FieldError>> {
        let r = referral();
        let local_date = |t: DateTime<Utc>| t.date_naive();
        let cx = FollowUpContext {
            referral: &r,
            referred_at: Utc.with_ymd_and_hms(2025, 10, 10, 8, 0, 0).unwrap(),
            now: Utc.with_ymd_and_hms(2025, 12, 1, 0, 0, 0).unwrap(),
            local_date: &local_date,
        };
        let ids = (
            FollowUpId::from_random_bytes([1; 16]),
            EntryId::from_random_bytes([2; 16]),
        );
        read_form(typed, ids, &cx, LocalTime::default())
    }

    fn completed() -> Typed {
        Typed {
            started: "2025-10-12T07:59".into(),
            hours: "6".into(),
            result: "completed".into(),
            ended: "2025-11-03".into(),
            note: String::new(),
            reason: "IJ coordinator".into(),
        }
    }

    #[test]
    fn the_typed_form_reads_as_the_follow_up_it_says() {
        let f = read(&completed()).unwrap();
        assert_eq!(
            f.reparation_started_at,
            Some(Utc.with_ymd_and_hms(2025, 10, 12, 7, 59, 0).unwrap())
        );
        assert_eq!(f.hours_completed, 6);
        assert_eq!(f.result, IjOutcome::Completed);
        assert_eq!(f.completed_on, NaiveDate::from_ymd_opt(2025, 11, 3));
        assert_eq!(f.note, None);
    }

    #[test]
    fn typing_mistakes_and_cores_rules_name_their_fields() {
        let typos = Typed {
            started: "12/10/2025".into(),
            hours: "six".into(),
            ..completed()
        };
        let fields: Vec<String> = read(&typos)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["reparation_started_at", "hours_completed"]);
        let short = Typed {
            hours: "5".into(),
            ..completed()
        };
        let errors = read(&short).unwrap_err();
        assert_eq!(
            message_for(&errors, "hours_completed"),
            Some(Rule::CompletedWithHoursLeft.to_string())
        );
    }
}
