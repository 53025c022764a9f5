//! The shift list (placeholder until the list lands).
use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct ListState {}

impl ListState {
    pub fn new() -> Self {
        Self {}
    }
}

impl Default for ListState {
    fn default() -> Self {
        Self::new()
    }
}

#[component]
pub fn ShiftList() -> impl IntoView {
    view! { <section><h2>"Shifts"</h2></section> }
}
