//! Where the supervisor review screens go: an empty element that
//! `public/boot.js` fills with the review bundle (the `review/` crate),
//! handing it the session token. Leaving the screen (or locking) closes the bundle,
//! which forgets the token.
use crate::state::{use_state, Screen};
use leptos::prelude::*;
use wasm_bindgen::JsValue;

const ROOT_ID: &str = "review-root";

fn dispatch(name: &str, detail: Option<&JsValue>) {
    let init = web_sys::CustomEventInit::new();
    if let Some(detail) = detail {
        init.set_detail(detail);
    }
    let event = web_sys::CustomEvent::new_with_event_init_dict(name, &init);
    if let (Some(window), Ok(event)) = (web_sys::window(), event) {
        let _ = window.dispatch_event(&event);
    }
}

fn detail(pairs: &[(&str, &str)]) -> JsValue {
    let object = js_sys::Object::new();
    for (key, value) in pairs {
        let _ = js_sys::Reflect::set(&object, &(*key).into(), &(*value).into());
    }
    object.into()
}

/// The button on the home screen, for supervisors only.
#[component]
pub fn ReviewButton() -> impl IntoView {
    let state = use_state();
    let supervisor = move || {
        state
            .session
            .with(|s| s.as_ref().is_some_and(|s| s.user.is_supervisor()))
    };
    move || {
        supervisor().then(|| {
            view! {
                <button type="button" class="primary"
                    on:click=move |_| state.go(Screen::Review)>"Review shifts and programme return"</button>
            }
        })
    }
}

#[component]
pub fn ReviewHost() -> impl IntoView {
    let state = use_state();
    let root = NodeRef::<leptos::html::Div>::new();
    let session = state.session.get_untracked();
    Effect::new(move |_| {
        if let (Some(_), Some(s)) = (root.get(), session.as_ref()) {
            dispatch(
                "beatbook-review-open",
                Some(&detail(&[
                    ("root", ROOT_ID),
                    ("token", &s.token),
                    ("officer_id", &s.user.officer_id),
                    ("display_name", &s.user.display_name),
                ])),
            );
        }
    });
    on_cleanup(|| dispatch("beatbook-review-close", None));
    let message = if state.session.get_untracked().is_some() {
        "Loading the review screens…"
    } else {
        "Sign in again to review: the session on this device has ended."
    };
    view! { <div id=ROOT_ID node_ref=root><p class="card" role="status">{message}</p></div> }
}
