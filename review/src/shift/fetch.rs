//! Loading a review answer that depends on signals (filters, a page cursor,
//! a shift ID), with an explicit "loading" state: a resource would keep
//! showing the previous page while the next one loads, and a supervisor must
//! not mistake the old page for the new one.
use crate::use_ctx;
use beatbook_client::ApiError;
use leptos::prelude::*;
use std::future::Future;

/// What a load has given so far: `None` while the request is out.
pub type Answer<T> = Option<Result<T, ApiError>>;

/// Calls `get(token, ask())` now and whenever the signals `ask` reads
/// change. An answer to an older ask is dropped (its task is cancelled when
/// the ask changes, and a ticket check covers an answer already on its way
/// back).
pub fn fetch<K, T, F>(
    ask: impl Fn() -> K + 'static,
    get: impl Fn(String, K) -> F + Copy + 'static,
) -> RwSignal<Answer<T>>
where
    K: 'static,
    T: Send + Sync + 'static,
    F: Future<Output = Result<T, ApiError>> + 'static,
{
    let token = use_ctx().token;
    let answer = RwSignal::new(None);
    let latest = StoredValue::new(0u64);
    Effect::new(move |_| {
        let ask = ask();
        let ticket = latest.get_value().wrapping_add(1);
        latest.set_value(ticket);
        answer.set(None);
        let Some(token) = token.try_get_value() else {
            return;
        };
        leptos::task::spawn_local_scoped_with_cancellation(async move {
            let result = get(token, ask).await;
            if latest.try_get_value() == Some(ticket) {
                answer.try_set(Some(result));
            }
        });
    });
    answer
}
