//! The programme return (placeholder).
use leptos::prelude::*;

#[component]
pub fn ReturnView() -> impl IntoView {
    view! { <section><h2>"Programme return"</h2></section> }
}
