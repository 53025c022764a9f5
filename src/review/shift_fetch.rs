//! Loading a review answer that depends on signals (filters, a page cursor,
//! a shift ID), with an explicit "loading" state: a resource would keep
//! showing the previous page while the next one loads, and a supervisor must
//! not mistake the old page for the new one.
use super::api::{self, ApiError};
use leptos::prelude::*;
use serde::de::DeserializeOwned;

/// What a load has given so far: `None` while the request is out.
pub type Answer<T> = Option<Result<T, ApiError>>;

/// GETs `path()` now and whenever the signals it reads change. An answer to
/// an older path is dropped (its task is cancelled when the path changes,
/// and a ticket check covers an answer already on its way back).
pub fn fetch_json<T>(path: impl Fn() -> String + 'static) -> RwSignal<Answer<T>>
where
    T: DeserializeOwned + Send + Sync + 'static,
{
    let answer = RwSignal::new(None);
    let latest = StoredValue::new(0u64);
    Effect::new(move |_| {
        let path = path();
        let ticket = latest.get_value().wrapping_add(1);
        latest.set_value(ticket);
        answer.set(None);
        // Scoped: the API helpers read the session from context.
        leptos::task::spawn_local_scoped_with_cancellation(async move {
            let result = api::get_json::<T>(&path).await;
            if latest.try_get_value() == Some(ticket) {
                answer.try_set(Some(result));
            }
        });
    });
    answer
}
