//! Supervisor review: the shift list, a shift's record and review actions,
//! the programme return with its charts and exports. A bundle of its own
//! (`src/main.rs`, built by `scripts/build-review.sh`), loaded on demand by
//! `public/boot.js` when a supervisor opens it, so none of it weighs on the
//! officer's first load. It shares no code with the officer app but
//! `beatbook-client` (the API, the clock) and `beatbook-core`.
//!
//! The officer app hands over the session token at mount; this bundle keeps
//! it in memory only and forgets it at unmount (lock, sign-out, leaving).
mod app;
mod export;
mod programme;
mod shift;

// What every screen reaches for, at the crate's root.
use app::{say, use_ctx, Ctx, ReviewApp, View};
use leptos::prelude::*;
use std::cell::RefCell;

// Single-threaded wasm (no atomics): talc's dynamic heap, as in the officer
// app (smaller and faster than dlmalloc; ARCHITECTURE.md).
#[cfg(all(not(target_feature = "atomics"), target_family = "wasm"))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

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
    beatbook_client::observe_server_dates(beatbook_client::clock::observe_server_date);
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
