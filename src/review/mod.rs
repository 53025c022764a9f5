//! Supervisor review: the shift list, a shift's record and review actions,
//! the programme return with its charts and exports. A bundle of its own
//! (`src/bin/beatbook-review.rs`), loaded on demand by `public/boot.js` when
//! a supervisor opens it, so none of it weighs on the officer's first load.
//!
//! The officer app hands over the session token at mount; this bundle keeps
//! it in memory only and forgets it at unmount (lock, sign-out, leaving).
pub mod chart;
pub mod export;
pub mod programme;
pub mod return_charts;
pub mod return_format;
pub mod return_tables;
pub mod shift;
pub mod shift_entries;
pub mod shift_fetch;
pub mod shift_format;
pub mod shift_review;
pub mod shifts;

use beatbook_client::ApiError;
use beatbook_core::api::ErrorCode;
use leptos::prelude::*;
use std::cell::RefCell;

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
fn ReviewApp(token: String, officer_id: String, display_name: String) -> impl IntoView {
    let ctx = Ctx {
        token: StoredValue::new(token),
        officer_id: StoredValue::new(officer_id),
        display_name: StoredValue::new(display_name),
        view: RwSignal::new(View::Shifts),
    };
    provide_context(ctx);
    // The list keeps its filters and page while a shift is open.
    provide_context(shifts::ListState::new());
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
        View::Shifts => view! { <shifts::ShiftList /> }.into_any(),
        View::Shift(id) => view! { <shift::ShiftRecord shift_id=id /> }.into_any(),
        View::Return => view! { <programme::ReturnView /> }.into_any(),
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

thread_local! {
    static MOUNTED: RefCell<Option<Box<dyn std::any::Any>>> = const { RefCell::new(None) };
}

/// Draws the review screens into `parent`, replacing any earlier mount.
pub fn mount(
    parent: web_sys::HtmlElement,
    token: String,
    officer_id: String,
    display_name: String,
) {
    unmount();
    // The officer app's clock offset is learnt from these answers too.
    beatbook_client::observe_server_dates(crate::platform::observe_server_date);
    set_wide(true);
    let handle = leptos::mount::mount_to(parent, move || {
        view! { <ReviewApp token officer_id display_name /> }
    });
    MOUNTED.with(|m| *m.borrow_mut() = Some(Box::new(handle)));
}

/// Removes the screens and forgets the token.
pub fn unmount() {
    // Dropping the handle unmounts the view and disposes of its state.
    let handle = MOUNTED.with(|m| m.borrow_mut().take());
    drop(handle);
    set_wide(false);
}

/// The review screens use the whole width of a desktop window.
fn set_wide(on: bool) {
    let body = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body());
    if let Some(body) = body {
        let list = body.class_list();
        let _ = if on {
            list.add_1("reviewing")
        } else {
            list.remove_1("reviewing")
        };
    }
}
