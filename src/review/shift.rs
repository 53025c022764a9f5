//! One shift's record (placeholder).
use leptos::prelude::*;

#[component]
pub fn ShiftRecord(shift_id: String) -> impl IntoView {
    view! { <section><h2>"Shift " {shift_id}</h2></section> }
}
