//! One component draws every form, from the field specs in core. Values are
//! kept as typed text until a save succeeds, so nothing typed is lost to an
//! error or a full disk.
use crate::actions::{self, SaveError};
use crate::platform::{self, Fix};
use crate::state::{use_state, KeptForm, Screen};
use beatbook_core::display as fmt;
use beatbook_core::force;
use beatbook_core::form::{self, FieldKind, FieldSpec, Fold, FormValues, OCCURRED_AT};
use beatbook_core::{EntryId, FieldError, Problem, RecordKind};
use leptos::prelude::*;

/// The form to record a new entry of `kind`, or to correct `correcting`.
#[component]
pub fn EntryForm(kind: RecordKind, #[prop(optional)] correcting: Option<EntryId>) -> impl IntoView {
    let state = use_state();
    let local = platform::local_time();
    let opened_at = platform::server_now();
    let initial = match correcting {
        Some(id) => state
            .log
            .with_untracked(|log| log.latest(id).map(|r| form::revision_to_form(r, local)))
            .unwrap_or_default(),
        None => {
            // A new shift starts pre-filled from the last one: same callsign,
            // team and role is the common case, and it saves thumb work.
            let mut v = if kind == RecordKind::Shift {
                state.log.with_untracked(|log| {
                    log.shifts()
                        .first()
                        .map(|r| form::values_for_another(r, local))
                        .unwrap_or_default()
                })
            } else {
                FormValues::new()
            };
            form::put_time(&mut v, OCCURRED_AT, opened_at, local);
            // A force that lists no hotspots: every patrol is somewhere
            // the officer types, so there is nothing to pick.
            if kind == RecordKind::Patrol && !has_hotspots(state) {
                v.insert(form::HOTSPOT.into(), form::OTHER_LOCATION.into());
            }
            v
        }
    };
    let prefilled_time = initial.get(OCCURRED_AT).cloned();
    let original_time = correcting
        .and_then(|id| {
            state
                .log
                .with_untracked(|log| log.latest(id).map(|r| r.occurred_at))
        })
        .unwrap_or(opened_at);
    // What was typed before the app locked itself, if it was this form.
    let this_screen = match correcting {
        Some(id) => Screen::Correct(id),
        None => Screen::NewEntry(kind),
    };
    let kept = state
        .kept_form
        .with_value(|k| k.clone().filter(|k| k.screen == this_screen));
    let (initial, kept_reason) = match kept {
        Some(k) => (k.values, k.reason),
        None => (initial, String::new()),
    };
    let values = RwSignal::new(initial);
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let reason = RwSignal::new(kept_reason);
    // Kept in memory as it is typed, so an inactivity lock does not lose it.
    Effect::new(move |_| {
        let kept = KeptForm {
            screen: this_screen,
            values: values.get(),
            reason: reason.get(),
        };
        state.kept_form.set_value(Some(kept));
    });
    let fix = RwSignal::new(Fix::Waiting);
    let saving = RwSignal::new(false);
    // Shown beside the Save button, where the officer is looking.
    let save_error = RwSignal::new(None::<String>);
    if correcting.is_none() && kind != RecordKind::Shift {
        platform::locate(move |f| fix.set(f));
    }

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let parsed = values.with_untracked(|v| {
            form::parse_form(kind, v, local).map(|mut draft| {
                state
                    .force
                    .with_untracked(|f| f.name_hotspot(&mut draft.record));
                // The field shows minutes; an untouched time keeps its
                // seconds, so timers and ordering stay exact.
                if v.get(OCCURRED_AT) == prefilled_time.as_ref() {
                    draft.occurred_at = original_time;
                }
                draft
            })
        });
        let reason_text = reason.get_untracked().trim().to_owned();
        if saving.get_untracked() {
            return;
        }
        saving.set(true);
        leptos::task::spawn_local(async move {
            let result = match (parsed, correcting) {
                (Err(mut errs), Some(_)) if reason_text.is_empty() => {
                    errs.push(missing_reason());
                    Err(SaveError::Invalid(errs))
                }
                (Err(errs), _) => Err(SaveError::Invalid(errs)),
                (Ok(_), Some(_)) if reason_text.is_empty() => {
                    Err(SaveError::Invalid(vec![missing_reason()]))
                }
                (Ok(draft), Some(id)) => actions::correct(state, id, draft, reason_text)
                    .await
                    .map(|_| id),
                (Ok(draft), None) => actions::create(state, kind, draft, fix.get_untracked()).await,
            };
            saving.set(false);
            match result {
                Ok(id) => {
                    errors.set(Vec::new());
                    state.saved(if correcting.is_some() {
                        "Correction saved"
                    } else {
                        match kind {
                            RecordKind::Shift => "Shift started",
                            RecordKind::Patrol => "Patrol started",
                            _ => "Saved",
                        }
                    });
                    state.go(if correcting.is_some() {
                        Screen::Detail(id)
                    } else {
                        Screen::Home
                    });
                }
                Err(SaveError::Invalid(errs)) => {
                    errors.set(errs);
                    save_error.set(Some(
                        "Not saved yet: please fix the highlighted fields".into(),
                    ));
                    // After the error classes are drawn (effects run after this handler).
                    request_animation_frame(focus_first_error);
                }
                // Storage refused (full, unavailable): keep every typed value.
                Err(SaveError::Busy) => {}
                Err(e) => save_error.set(Some(format!("Not saved: {e}"))),
            }
        });
    };

    let title = match correcting {
        // ASCII: the labels are plain English, and Unicode lowercasing
        // brought core's case tables into the download (measured: 16.8 KB,
        // 9.0 KB gzip).
        Some(_) => format!("Correct {}", kind.label().to_ascii_lowercase()),
        None if kind == RecordKind::Shift => "Start shift".to_owned(),
        None if kind == RecordKind::Patrol => "Start patrol".to_owned(),
        None => kind.label().to_owned(),
    };
    let save_label = match (correcting, kind) {
        (Some(_), _) => "Save correction",
        (None, RecordKind::Shift) => "Start shift",
        (None, RecordKind::Patrol) => "Start patrol",
        _ => "Save",
    };
    let fields = form::form_fields(kind)
        .enumerate()
        .map(|(i, spec)| view! { <Field spec=*spec index=i values errors fix /> })
        .collect_view();

    view! {
        <section class="card form" aria-labelledby="form-title">
            <h2 id="form-title">{title}</h2>
            <form on:submit=submit novalidate>
                {fields}
                {correcting.is_some().then(|| view! {
                    <div class="field" class:invalid=move || has_error(errors, "reason")>
                        <label for="f-reason">"Reason for correction" <span class="req">" (required)"</span></label>
                        <textarea id="f-reason" rows="2" aria-describedby="err-reason"
                            prop:value=reason.get_untracked()
                            on:input=move |ev| reason.set(event_target_value(&ev))></textarea>
                        <ErrorText errors key="reason" id="err-reason".to_owned() />
                    </div>
                })}
                {(correcting.is_none() && kind != RecordKind::Shift).then(|| view! {
                    <p class="fix" role="status">{move || fix_text(fix.get())}</p>
                })}
                <p class="error" role="alert">{move || save_error.get()}</p>
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || saving.get()>{save_label}</button>
                    <button type="button" on:click=move |_| state.go(match correcting {
                        Some(id) => Screen::Detail(id),
                        None => Screen::Home,
                    })>"Cancel"</button>
                </div>
            </form>
        </section>
    }
}

fn missing_reason() -> FieldError {
    FieldError {
        field: "reason".into(),
        problem: beatbook_core::Problem::Rule(beatbook_core::Rule::CorrectionWithoutReason),
    }
}

fn fix_text(fix: Fix) -> String {
    match fix {
        Fix::Waiting => "Finding location… (you can save now)".into(),
        Fix::Found(l) => format!(
            "Location found, accurate to {} m",
            beatbook_core::display::fixed(l.accuracy_m, 0)
        ),
        Fix::Denied => "Location not allowed: saving without it".into(),
        Fix::Unavailable => "Location unavailable: saving without it".into(),
    }
}

fn has_error(errors: RwSignal<Vec<FieldError>>, key: &'static str) -> bool {
    errors.with(|e| e.iter().any(|e| e.field == key))
}

fn focus_first_error() {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if let Ok(Some(el)) =
        doc.query_selector(".field.invalid input, .field.invalid select, .field.invalid textarea")
    {
        if let Ok(el) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el) {
            let _ = el.focus();
        }
    }
}

#[component]
fn ErrorText(errors: RwSignal<Vec<FieldError>>, key: &'static str, id: String) -> impl IntoView {
    let message = move || {
        errors.with(|e| {
            e.iter()
                .find(|e| e.field == key)
                .map(|e| e.problem.to_string())
        })
    };
    view! { <p class="error" id=id>{message}</p> }
}

#[component]
fn Field(
    spec: FieldSpec,
    index: usize,
    values: RwSignal<FormValues>,
    errors: RwSignal<Vec<FieldError>>,
    fix: RwSignal<Fix>,
) -> impl IntoView {
    let key = spec.key;
    let id = format!("f-{key}-{index}");
    let initial = values.with_untracked(|v| v.get(key).cloned().unwrap_or_default());
    let set = move |value: String| {
        values.update(|v| {
            v.insert(key.to_owned(), value);
        })
    };
    let shown = move || values.with(|v| spec.is_shown(v));
    // A key may have two specs (one per condition), both in the page: only
    // the shown one is invalid (and focused), and ids stay unique.
    let invalid = move || shown() && has_error(errors, key);
    let described = format!("err-{key}-{index}");
    let label = view! {
        <label for=id.clone()>
            {spec.label}
            {spec.required.then(|| view! { <span class="req">" (required)"</span> })}
        </label>
    };
    let hint = (!spec.hint.is_empty()).then(|| view! { <p class="hint">{spec.hint}</p> });
    let control = match spec.kind {
        FieldKind::Text | FieldKind::Number | FieldKind::Date | FieldKind::DateTime => {
            let (ty, mode) = match spec.kind {
                FieldKind::Number => ("number", "numeric"),
                FieldKind::Date => ("date", "none"),
                FieldKind::DateTime => ("datetime-local", "none"),
                _ => ("text", "text"),
            };
            view! {
                <input id=id.clone() type=ty inputmode=mode prop:value=initial
                    autocomplete="off" aria-invalid=move || invalid().to_string()
                    aria-describedby=described.clone()
                    on:input=move |ev| set(event_target_value(&ev)) />
            }
            .into_any()
        }
        FieldKind::LongText => view! {
            <textarea id=id.clone() rows="3" prop:value=initial
                aria-invalid=move || invalid().to_string() aria-describedby=described.clone()
                on:input=move |ev| set(event_target_value(&ev))></textarea>
        }
        .into_any(),
        FieldKind::Checkbox => view! {
            <input id=id.clone() type="checkbox" prop:checked=initial == "true"
                aria-describedby=described.clone()
                on:change=move |ev| set(if event_target_checked(&ev) { "true".into() } else { String::new() }) />
        }
        .into_any(),
        // Yes/no answers (radios) and multi-selects (checkboxes) are one
        // group of labelled boxes; the value is the codes joined by commas.
        FieldKind::YesNo | FieldKind::MultiSelect(_) => {
            let multiple = matches!(spec.kind, FieldKind::MultiSelect(_));
            let options = match spec.kind {
                FieldKind::MultiSelect(options) => options(),
                _ => vec![("true", "Yes"), ("false", "No")],
            };
            let chosen: Vec<String> = initial.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect();
            let name = id.clone();
            let boxes = options
                .into_iter()
                .map(|(code, text)| {
                    let checked = chosen.iter().any(|c| c == code);
                    view! {
                        <label class="check"><input type=if multiple { "checkbox" } else { "radio" } name=name.clone()
                            prop:checked=checked on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            values.update(|v| {
                                let current = v.get(key).cloned().unwrap_or_default();
                                let mut codes: Vec<&str> = if multiple {
                                    current.split(',').filter(|c| !c.is_empty() && *c != code).collect()
                                } else {
                                    Vec::new()
                                };
                                if on { codes.push(code); }
                                v.insert(key.to_owned(), codes.join(","));
                            });
                        } />{text}</label>
                    }
                })
                .collect_view();
            return view! {
                <fieldset class="field choice" class:invalid=invalid class:hidden=move || !shown()
                    aria-describedby=described.clone()>
                    <legend>{spec.label}{spec.required.then(|| view! { <span class="req">" (required)"</span> })}</legend>
                    {hint}
                    <div class:segmented=!multiple>{boxes}</div>
                    <ErrorText errors key id=described.clone() />
                </fieldset>
            }
            .into_any();
        }
        FieldKind::HotspotPick => {
            return view! { <HotspotPicker key id described values errors fix /> }.into_any();
        }
        // Fixed code lists and links to another entry of the shift are both
        // a select of (value, text) pairs.
        FieldKind::Select(_) | FieldKind::EntryLink(_) => {
            let (options, empty): (Vec<(String, String)>, &str) = match spec.kind {
                FieldKind::Select(options) => (
                    options().into_iter().map(|(c, t)| (c.to_owned(), t.to_owned())).collect(),
                    if spec.required { "Choose…" } else { "Not recorded" },
                ),
                FieldKind::EntryLink(link) => (link_options(link), "None"),
                _ => (Vec::new(), ""),
            };
            let opts = options
                .into_iter()
                .map(|(code, text)| {
                    let selected = initial == code;
                    view! { <option value=code selected=selected>{text}</option> }
                })
                .collect_view();
            view! {
                <select id=id.clone() aria-invalid=move || invalid().to_string()
                    aria-describedby=described.clone()
                    on:change=move |ev| set(event_target_value(&ev))>
                    <option value="" selected=initial.is_empty()>{empty}</option>
                    {opts}
                </select>
            }
            .into_any()
        }
    };
    let fold = matches!(spec.kind, FieldKind::DateTime)
        .then(|| view! { <FoldChoice key values errors /> });
    view! {
        <div class="field" class:invalid=invalid class:hidden=move || !shown()
            class:inline=matches!(spec.kind, FieldKind::Checkbox)>
            {label}
            {hint}
            {control}
            <ErrorText errors key id=described.clone() />
            {fold}
        </div>
    }
    .into_any()
}

/// Whether the force lists any hotspot an officer may pick.
fn has_hotspots(state: crate::state::AppState) -> bool {
    state
        .force
        .with_untracked(|f| f.hotspots.iter().any(|h| !h.retired))
}

/// The force's hotspots as radios (kept on the phone, so it works offline),
/// searched by typing, the nearest first once the phone knows where it is,
/// then "Other location". Hidden when the force lists none: the form then
/// starts at "Other location" and asks where.
#[component]
fn HotspotPicker(
    key: &'static str,
    id: String,
    described: String,
    values: RwSignal<FormValues>,
    errors: RwSignal<Vec<FieldError>>,
    fix: RwSignal<Fix>,
) -> impl IntoView {
    let state = use_state();
    let query = RwSignal::new(String::new());
    // Its own signal, set with the form's value: typing in any other field
    // changes `values`, and must not redraw every radio (a `Memo` did the
    // same for 1.3 KB more download).
    let chosen = RwSignal::new(values.with_untracked(|v| v.get(key).cloned().unwrap_or_default()));
    let pick = move |value: String| {
        chosen.set(value.clone());
        values.update(|v| {
            v.insert(key.to_owned(), value);
        })
    };
    let name = id.clone();
    let radios = move || {
        let chosen = chosen.get();
        let at = match fix.get() {
            Fix::Found(l) => Some((l.lat, l.lon)),
            _ => None,
        };
        state.force.with(|f| {
            let found = force::offers(&f.hotspots, &query.get(), &chosen, at);
            let (shown, more) = force::first_offers(found, &chosen);
            let more = (more > 0).then(|| view! { <p class="hint">{format!("{more} more: type to find them")}</p> });
            let radios = shown
                .into_iter()
                .map(|o| {
                    let code = o.hotspot.id.clone();
                    let checked = code == chosen;
                    let detail = match o.distance_text() {
                        Some(d) => format!("{}, {d}", o.hotspot.area),
                        None => o.hotspot.area.clone(),
                    };
                    view! {
                        <label class="check"><input type="radio" name=name.clone() prop:checked=checked
                            on:change=move |_| pick(code.clone()) />
                            <span>{o.hotspot.name.clone()}" "<span class="hint">{detail}</span></span></label>
                    }
                })
                .collect_view();
            view! { {radios}{more} }
        })
    };
    let search = format!("{id}-find");
    let error_id = described.clone();
    view! {
        <fieldset class="field choice" class:invalid=move || has_error(errors, key)
            class:hidden=move || !state.force.with(|f| f.hotspots.iter().any(|h| !h.retired))
            aria-describedby=described.clone()>
            <legend>"Hotspot"<span class="req">" (required)"</span></legend>
            <label for=search.clone()>"Find a hotspot"</label>
            <input id=search type="search" autocomplete="off"
                on:input=move |ev| query.set(event_target_value(&ev)) />
            <div class="picks">{radios}</div>
            <label class="check"><input type="radio" name=id prop:checked=move || chosen.with(|c| c == form::OTHER_LOCATION)
                on:change=move |_| pick(form::OTHER_LOCATION.into()) />
                "Other location (not hotspot time)"</label>
            <ErrorText errors key id=error_id />
        </fieldset>
    }
}

/// For a time typed in the hour the clocks went back (it happened twice),
/// which one: shown only while the save is refused for it. (Always built and
/// hidden otherwise: a view that comes and goes costs more download.)
#[component]
fn FoldChoice(
    key: &'static str,
    values: RwSignal<FormValues>,
    errors: RwSignal<Vec<FieldError>>,
) -> impl IntoView {
    let asked = move || {
        errors.with(|e| {
            e.iter()
                .any(|e| e.field == key && e.problem == Problem::TimeTwice)
        })
    };
    // One handler for both radios: the value is the fold's code.
    let choose = move |ev: leptos::ev::Event| {
        values.update(|v| {
            v.insert(form::fold_key(key), event_target_value(&ev));
        });
    };
    let name = format!("fold-{key}");
    view! {
        <fieldset class="choice" class:hidden=move || !asked()>
            <legend>"Which one?"</legend>
            <label class="check"><input type="radio" name=name.clone()
                value=Fold::Earlier.code() on:change=choose />
                "The first, before the clocks went back"</label>
            <label class="check"><input type="radio" name=name
                value=Fold::Later.code() on:change=choose />
                "The second, after the clocks went back"</label>
        </fieldset>
    }
}

/// The entries a link field may name (`form::link_candidates`), newest
/// first; from other shifts, with their day.
fn link_options(link: form::LinkTo) -> Vec<(String, String)> {
    let state = use_state();
    let local = platform::local_time();
    state.log.with_untracked(|log| {
        form::link_candidates(log, link)
            .into_iter()
            .map(|r| {
                let when = if link.any_shift {
                    fmt::day_and_clock(r.occurred_at, local)
                } else {
                    fmt::clock(r.occurred_at, local)
                };
                (
                    r.entry_id.to_string(),
                    format!("{when} {}", r.record.summary()),
                )
            })
            .collect()
    })
}
