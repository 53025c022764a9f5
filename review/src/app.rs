//! The review screens' frame: who is reviewing, which screen is open (the
//! shift list, one shift, the programme return), the tabs between them, and
//! a failed call in a supervisor's words.
use crate::programme::ReturnView;
use crate::shift::{ListState, ShiftList, ShiftRecord};
use beatbook_client::ApiError;
use beatbook_core::api::ErrorCode;
use leptos::prelude::*;

/// Who is reviewing, and where they are.
#[derive(Clone, Copy)]
pub struct Ctx {
    pub token: StoredValue<String>,
    pub officer_id: StoredValue<String>,
    pub display_name: StoredValue<String>,
    pub view: RwSignal<View>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum View {
    Shifts,
    /// One shift, by ID.
    Shift(String),
    Return,
}

pub fn use_ctx() -> Ctx {
    expect_context::<Ctx>()
}

/// A failed call in a supervisor's words: what to do where the client's own
/// sentence would not say it.
pub fn say(e: &ApiError) -> String {
    match e {
        ApiError::Offline => "No connection to the server: the review screens need a signal".into(),
        e if e.needs_sign_in() => "Your session has ended: lock the app and sign in again".into(),
        e if e.code() == Some(&ErrorCode::Forbidden) => {
            "You may not see this (only the supervisor of the officer's team can)".into()
        }
        e if e.code() == Some(&ErrorCode::OwnShift) => {
            "This is your own shift: another supervisor of the team signs it off".into()
        }
        e => e.to_string(),
    }
}

impl Ctx {
    pub fn go(&self, view: View) {
        self.view.set(view);
        if let Some(w) = web_sys::window() {
            w.scroll_to_with_x_and_y(0.0, 0.0);
        }
    }
}

#[component]
pub fn ReviewApp(token: String, officer_id: String, display_name: String) -> impl IntoView {
    let ctx = Ctx {
        token: StoredValue::new(token),
        officer_id: StoredValue::new(officer_id),
        display_name: StoredValue::new(display_name),
        view: RwSignal::new(View::Shifts),
    };
    provide_context(ctx);
    // The list keeps its filters and page while a shift is open.
    provide_context(ListState::new());
    let tab = move |view: View, label: &'static str| {
        let current = {
            let view = view.clone();
            move || {
                let now = ctx.view.get();
                let on = match (&view, &now) {
                    (View::Shifts, View::Shift(_)) => true,
                    (a, b) => a == b,
                };
                on.then_some("page")
            }
        };
        view! {
            <button type="button" class="tab" aria-current=current on:click=move |_| ctx.go(view.clone())>
                {label}
            </button>
        }
    };
    let body = move || match ctx.view.get() {
        View::Shifts => view! { <ShiftList /> }.into_any(),
        View::Shift(id) => view! { <ShiftRecord shift_id=id /> }.into_any(),
        View::Return => view! { <ReturnView /> }.into_any(),
    };
    view! {
        <div class="review">
            <nav class="review-nav no-print" aria-label="Supervisor review">
                {tab(View::Shifts, "Shifts")}
                {tab(View::Return, "Programme return")}
                <span class="muted who">{ctx.display_name.get_value()}</span>
            </nav>
            {body}
        </div>
    }
}
