//! Beatbook's API client, for the officer app and the review bundle: one
//! function per route they call, typed requests and answers from
//! `beatbook-core`, and one error type ([`ApiError`]) every caller matches
//! on. The session token travels only in the `Authorization` header.
//!
//! What turns an answer into a result ([`Reply`], [`query`]) is plain Rust
//! with native tests; `fetch` is the browser transport, and [`clock`] the
//! device's and the server's time as both bundles read them.
pub mod clock;
mod error;
mod fetch;
pub mod query;

pub use error::{ApiError, Refusal, Reply};
pub use fetch::{observe_server_dates, DateObserver, TIMEOUT_MS};
pub use query::{Export, ReturnQuery, ShiftQuery, ShiftRevisionsQuery};

use beatbook_core::api::ErrorCode;
use beatbook_core::auth::{Session, SignInRequest, SIGN_IN_PATH, SIGN_OUT_PATH};
use beatbook_core::force::ForceAnswer;
use beatbook_core::ij::{follow_ups_path, FollowUpAnswer, FollowUps, IjFollowUp};
use beatbook_core::returns::{ReturnChanges, SubmittedReturn};
use beatbook_core::review::{
    ProgrammeReturn, ReviewRequest, ReviewRow, ShiftDetail, ShiftLines, ShiftPage, StoredRevisions,
};
use beatbook_core::sync::{PushAnswers, PushRequest, PUSH_PATH};
use fetch::{send, Method};
use serde::Serialize;

fn post<B: Serialize>(body: &B) -> Result<Method, ApiError> {
    serde_json::to_string(body)
        .map(Method::Post)
        .map_err(|_| ApiError::Unsendable)
}

/// `POST /api/v1/auth/sign-in`, bound to this device's ID.
pub async fn sign_in(request: &SignInRequest) -> Result<Session, ApiError> {
    send(post(request)?, SIGN_IN_PATH, None).await?.json()
}

/// `POST /api/v1/auth/sign-out`: ends the session on the server.
pub async fn sign_out(token: &str) -> Result<(), ApiError> {
    send(Method::Post("{}".into()), SIGN_OUT_PATH, Some(token))
        .await?
        .empty()
}

/// `POST /api/v1/sync/push`: one answer per change, in order.
pub async fn push(token: &str, request: &PushRequest) -> Result<PushAnswers, ApiError> {
    send(post(request)?, PUSH_PATH, Some(token)).await?.json()
}

/// `GET /api/v1/force`: the force's settings, as the officer app reads them.
/// Also gives the answer's text as it came: the app keeps that for offline
/// use and reads it back with the same decoder, so the settings are never
/// encoded again in the download.
pub async fn force(token: &str) -> Result<(ForceAnswer, String), ApiError> {
    let body = send(Method::Get, "/api/v1/force", Some(token))
        .await?
        .text()?;
    let answer = beatbook_core::json::from_str(&body).map_err(|_| ApiError::Unreadable)?;
    Ok((answer, body))
}

/// `GET /api/v1/shifts`, as the officer app reads it (its own shifts).
pub async fn shift_lines(token: &str, query: &ShiftQuery) -> Result<ShiftLines, ApiError> {
    send(Method::Get, &query.path(), Some(token)).await?.json()
}

/// `GET /api/v1/revisions` for one shift, as the officer app reads it back.
pub async fn shift_revisions(
    token: &str,
    query: &ShiftRevisionsQuery,
) -> Result<StoredRevisions, ApiError> {
    send(Method::Get, &query.path(), Some(token)).await?.json()
}

/// `GET /api/v1/shifts`: a page of the supervisor's shift list.
pub async fn shifts(token: &str, query: &ShiftQuery) -> Result<ShiftPage, ApiError> {
    send(Method::Get, &query.path(), Some(token)).await?.json()
}

/// `GET /api/v1/shifts/{id}`: a shift's full record.
pub async fn shift(token: &str, shift_id: &str) -> Result<ShiftDetail, ApiError> {
    let path = query::shift_path(shift_id, "");
    send(Method::Get, &path, Some(token)).await?.json()
}

/// `POST /api/v1/shifts/{id}/review`: records a decision.
pub async fn review_shift(
    token: &str,
    shift_id: &str,
    request: &ReviewRequest,
) -> Result<ReviewRow, ApiError> {
    let path = query::shift_path(shift_id, "/review");
    send(post(request)?, &path, Some(token)).await?.json()
}

/// `GET /api/v1/return`: the programme return for a period.
pub async fn programme_return(
    token: &str,
    query: &ReturnQuery,
) -> Result<ProgrammeReturn, ApiError> {
    send(Method::Get, &query.path(), Some(token)).await?.json()
}

/// `POST /api/v1/returns`: freezes the period's return as its next revision.
pub async fn submit_return(token: &str, query: &ReturnQuery) -> Result<SubmittedReturn, ApiError> {
    let request = post(&query.submission())?;
    send(request, "/api/v1/returns", Some(token)).await?.json()
}

/// `GET /api/v1/returns/submitted`: the period's latest submitted return;
/// `None` when none was submitted.
pub async fn submitted_return(
    token: &str,
    query: &ReturnQuery,
) -> Result<Option<SubmittedReturn>, ApiError> {
    let path = query.submitted_path("submitted");
    match send(Method::Get, &path, Some(token)).await?.json() {
        Ok(submitted) => Ok(Some(submitted)),
        Err(e) if e.code() == Some(&ErrorCode::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// `GET /api/v1/returns/changes`: what changed under the latest submission.
pub async fn return_changes(token: &str, query: &ReturnQuery) -> Result<ReturnChanges, ApiError> {
    let path = query.submitted_path("changes");
    send(Method::Get, &path, Some(token)).await?.json()
}

/// `POST /api/v1/ij-referrals/{entry_id}/follow-ups`: records an Immediate
/// Justice follow-up of the referral it names (stored now, or already had:
/// sent again under the same ID, it is never stored twice).
pub async fn record_follow_up(
    token: &str,
    follow_up: &IjFollowUp,
) -> Result<FollowUpAnswer, ApiError> {
    let path = follow_ups_path(&follow_up.entry_id);
    send(post(follow_up)?, &path, Some(token)).await?.json()
}

/// `GET /api/v1/ij-referrals/{entry_id}/follow-ups`: a referral's
/// follow-ups, oldest first.
pub async fn follow_ups(
    token: &str,
    entry_id: &beatbook_core::EntryId,
) -> Result<FollowUps, ApiError> {
    send(Method::Get, &follow_ups_path(entry_id), Some(token))
        .await?
        .json()
}

/// Sixteen random bytes for a client-made ID (an entry, a revision, a
/// follow-up), from Web Crypto.
pub fn random_bytes() -> [u8; 16] {
    let mut bytes = [0u8; 16];
    let filled = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .is_some_and(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok());
    if !filled {
        // No Web Crypto (very old browser): Math.random still gives IDs that
        // will not collide in practice for one device's log.
        for b in &mut bytes {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    bytes
}

/// A CSV export, with the reason the server records beside it.
pub async fn export(token: &str, export: &Export, reason: &str) -> Result<String, ApiError> {
    send(Method::Get, &export.path(reason), Some(token))
        .await?
        .text()
}
