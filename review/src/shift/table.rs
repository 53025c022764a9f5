//! The shift screens' tables: one way to write a row of column headings
//! (each `scope="col"`, so a screen reader names a cell by its column).
use leptos::prelude::*;

/// `<thead>` with one heading per name, in order. On a phone the tables
/// stack (`.stack`): each cell then shows its `data-label`, which says the
/// same words.
pub fn column_heads(names: &'static [&'static str]) -> impl IntoView {
    let heads = names
        .iter()
        .map(|name| view! { <th scope="col">{*name}</th> })
        .collect_view();
    view! { <thead><tr>{heads}</tr></thead> }
}
