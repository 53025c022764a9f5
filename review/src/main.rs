//! The supervisor review bundle: built beside the officer app and loaded by
//! `public/boot.js` only when a supervisor opens the review screens.
use wasm_bindgen::prelude::*;

/// Draws the review screens into `parent` with the caller's session.
#[wasm_bindgen]
pub fn mount(
    parent: web_sys::HtmlElement,
    token: String,
    officer_id: String,
    display_name: String,
) {
    beatbook_review::mount(parent, token, officer_id, display_name);
}

/// Removes the review screens and forgets the session token.
#[wasm_bindgen]
pub fn unmount() {
    beatbook_review::unmount();
}

fn main() {}
