//! Immediate Justice follow-ups (issue #11, item 7): anyone in the
//! referral's team records how the reparation went (`POST
//! /api/v1/ij-referrals/{entry_id}/follow-ups`) and reads what was recorded
//! (`GET` of the same path). The referral's entry stays the referring
//! officer's own (the writer refuses anyone else's change to it): a
//! follow-up is kept beside it, append-only, and the return and
//! `entries.csv` read the referral with the latest of the two laid over it
//! (`db::review::EFFECTIVE_BODY`).
//!
//! Who: the referring officer; anyone (officer or supervisor) who was in a
//! team the referring officer was in when the referral's shift started, at
//! that start (membership history: a move since keeps it, a join since
//! does not give it); and the current supervisors of those teams (who
//! read and review the shift). Anyone else, admins included, is told what
//! an unknown entry is told (404), so the answer says nothing of whether
//! it exists; the refusal is a security event all the same.
//!
//! A follow-up ID is the client's: the same follow-up sent again is
//! `already_had` (200) and writes nothing; a different one under a known
//! ID is a conflict (409), never stored over the first.
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Json;
use beatbook_core::ij::{
    FollowUpAnswer, FollowUpContext, FollowUpOutcome, FollowUps, IjFollowUp, StoredFollowUp,
    FOLLOW_UP_FIELDS,
};
use beatbook_core::sync::ApiErrorBody;
use beatbook_core::time::date_text;
use beatbook_core::{EntryId, Record, Revision};
use chrono::Utc;
use serde_json::{json, Map, Value};

use crate::accounts::security::EventKind;
use crate::accounts::Caller;
use crate::db::follow_ups::{FollowUpRow, NewFollowUp};
use crate::db::{format_time, DbError};
use crate::http::error::ApiError;
use crate::http::extract::JsonBody;
use crate::http::router::Routes;
use crate::http::state::AppState;
use crate::reports::review::log_access;

pub fn routes(routes: Routes) -> Routes {
    routes
        .post(
            "/ij-referrals/{entry_id}/follow-ups",
            post(record_follow_up),
        )
        .get("/ij-referrals/{entry_id}/follow-ups", get(list_follow_ups))
}

fn corrupt(e: serde_json::Error) -> ApiError {
    ApiError::Storage(DbError::Corrupt {
        column: "body",
        value: e.to_string(),
    })
}

/// The referral (its latest revision) if the caller may follow it up;
/// [`ApiError::ReferralNotFound`] otherwise, whether or not it exists.
async fn referral(state: &AppState, caller: &Caller, entry_id: &str) -> Result<Revision, ApiError> {
    let id = EntryId::parse(entry_id).ok_or(ApiError::ReferralNotFound)?;
    let row = state
        .db
        .latest_of_entries(&[id.to_string()])
        .await?
        .into_iter()
        .next()
        .ok_or(ApiError::ReferralNotFound)?;
    let rev: Revision = serde_json::from_str(&row.body).map_err(corrupt)?;
    if !matches!(rev.record, Record::IjReferral(_)) {
        return Err(ApiError::ReferralNotFound);
    }
    if caller.role.records_entries() && rev.officer_id.eq_ignore_ascii_case(&caller.officer_id) {
        return Ok(rev);
    }
    // The team is the one of the referral's shift when it started (its
    // latest start, as the review places it); a referral always has a
    // shift, but one not yet arrived is placed by the referral's own time.
    let start = match rev.shift_id {
        Some(shift) => state.db.shift_head(&shift.to_string()).await?.map(|h| h.1),
        None => None,
    }
    .unwrap_or_else(|| format_time(rev.occurred_at));
    if caller.role.records_entries()
        && state
            .db
            .may_follow_up(caller.user_id, &rev.officer_id, &start)
            .await?
    {
        return Ok(rev);
    }
    caller
        .event(EventKind::PermissionDenied)
        .detail("IJ follow-up of a referral outside the caller's teams")
        .record(&state.accounts)
        .await;
    Err(ApiError::ReferralNotFound)
}

/// What a follow-up sets of its referral, as a JSON merge patch of a
/// stored revision ([`FOLLOW_UP_FIELDS`], through [`IjFollowUp::apply`]):
/// a field it leaves empty is `null`, which takes it away.
fn merge_patch(f: &IjFollowUp) -> Result<String, serde_json::Error> {
    let mut applied = beatbook_core::record::IjReferral::default();
    f.apply(&mut applied);
    let written = serde_json::to_value(&applied)?;
    let fields: Map<String, Value> = FOLLOW_UP_FIELDS
        .iter()
        .map(|name| {
            let value = written.get(*name).cloned().unwrap_or(Value::Null);
            ((*name).to_owned(), value)
        })
        .collect();
    serde_json::to_string(&json!({"record": {"ij_referral": fields}}))
}

/// Whether a stored follow-up is the one sent again: the same follow-up
/// from the same person.
fn same(stored: &FollowUpRow, body: &str, caller: &Caller) -> bool {
    stored.body == body && stored.recorded_by.eq_ignore_ascii_case(&caller.officer_id)
}

fn answer(outcome: FollowUpOutcome, row: FollowUpRow) -> Result<FollowUpAnswer, ApiError> {
    Ok(FollowUpAnswer {
        outcome,
        stored: row.decode()?,
    })
}

/// `POST /api/v1/ij-referrals/{entry_id}/follow-ups`
#[utoipa::path(
    post,
    path = "/api/v1/ij-referrals/{entry_id}/follow-ups",
    tag = "review",
    security(("bearer" = [])),
    params(("entry_id" = String, Path, description = "The referral's entry ID (a UUID)")),
    request_body = IjFollowUp,
    responses(
        (status = 201, description = "Stored", body = FollowUpAnswer),
        (status = 200, description = "The same follow-up was stored before (`already_had`): nothing changed", body = FollowUpAnswer),
        (status = 400, description = "Bad body, or a follow-up the referral's rules refuse (the message names each field)", body = ApiErrorBody),
        (status = 401, description = "Not signed in, or the session ended or was revoked", body = ApiErrorBody),
        (status = 404, description = "No such referral (or not one the caller may follow up)", body = ApiErrorBody),
        (status = 408, description = "The body took too long to arrive", body = ApiErrorBody),
        (status = 409, description = "The follow-up ID is taken by a different follow-up (`conflict`); nothing was changed", body = ApiErrorBody),
        (status = 413, description = "The body is too large", body = ApiErrorBody),
        (status = 415, description = "The body is not application/json", body = ApiErrorBody),
    )
)]
pub async fn record_follow_up(
    State(state): State<AppState>,
    caller: Caller,
    Path(entry_id): Path<String>,
    JsonBody(bytes): JsonBody,
) -> Result<(StatusCode, Json<FollowUpAnswer>), ApiError> {
    let rev = referral(&state, &caller, &entry_id).await?;
    let follow_up: IjFollowUp = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::BadRequest(format!("not a follow-up: {e}")))?;
    if follow_up.entry_id != rev.entry_id {
        return Err(ApiError::BadRequest(
            "entry_id: not the referral of the path".into(),
        ));
    }
    // Compared as the server writes it, so spacing and field order in
    // what was sent make no difference.
    let body = serde_json::to_string(&follow_up).map_err(|e| ApiError::Internal(e.to_string()))?;
    let id = follow_up.follow_up_id.to_string();
    // A resend is answered before the rules: the referral may have changed
    // since, and what was stored stays stored.
    if let Some(stored) = state.db.follow_up(&id).await? {
        return if same(&stored, &body, &caller) {
            Ok((
                StatusCode::OK,
                Json(answer(FollowUpOutcome::AlreadyHad, stored)?),
            ))
        } else {
            Err(ApiError::FollowUpConflict)
        };
    }
    let Record::IjReferral(referred) = &rev.record else {
        return Err(ApiError::ReferralNotFound);
    };
    let zone = state.zone;
    let local_date = |t| zone.date_of(t);
    let now = Utc::now();
    follow_up
        .check(&FollowUpContext {
            referral: referred,
            referred_at: rev.occurred_at,
            now,
            local_date: &local_date,
        })
        .map_err(|errors| {
            let each: Vec<String> = errors.iter().map(ToString::to_string).collect();
            ApiError::BadRequest(each.join("; "))
        })?;
    log_access(
        &state,
        &caller,
        "ij_follow_up",
        json!({"route": "/api/v1/ij-referrals/{entry_id}/follow-ups", "entry_id": entry_id,
               "officer_id": rev.officer_id, "follow_up_id": id}),
        None,
    )
    .await?;
    let patch = merge_patch(&follow_up).map_err(|e| ApiError::Internal(e.to_string()))?;
    let completed_on = follow_up.completed_on.map(date_text);
    let new = NewFollowUp {
        follow_up_id: &id,
        entry_id: &rev.entry_id.to_string(),
        recorded_by: &caller.officer_id,
        recorded_at: &format_time(now),
        completed_on: completed_on.as_deref(),
        body: &body,
        patch: &patch,
    };
    let stored = state.accounts.insert_follow_up(&new).await?;
    // Two sends at once: the other one stored it first.
    let row = state
        .db
        .follow_up(&id)
        .await?
        .ok_or_else(|| ApiError::Internal("a follow-up stored is not read back".into()))?;
    match (stored, same(&row, &body, &caller)) {
        (true, _) => Ok((
            StatusCode::CREATED,
            Json(answer(FollowUpOutcome::Stored, row)?),
        )),
        (false, true) => Ok((
            StatusCode::OK,
            Json(answer(FollowUpOutcome::AlreadyHad, row)?),
        )),
        (false, false) => Err(ApiError::FollowUpConflict),
    }
}

/// `GET /api/v1/ij-referrals/{entry_id}/follow-ups`
#[utoipa::path(
    get,
    path = "/api/v1/ij-referrals/{entry_id}/follow-ups",
    tag = "review",
    security(("bearer" = [])),
    params(("entry_id" = String, Path, description = "The referral's entry ID (a UUID)")),
    responses(
        (status = 200, description = "The referral's follow-ups, oldest first", body = FollowUps),
        (status = 401, description = "Not signed in, or the session ended or was revoked", body = ApiErrorBody),
        (status = 404, description = "No such referral (or not one the caller may follow up)", body = ApiErrorBody),
    )
)]
pub async fn list_follow_ups(
    State(state): State<AppState>,
    caller: Caller,
    Path(entry_id): Path<String>,
) -> Result<Json<FollowUps>, ApiError> {
    let rev = referral(&state, &caller, &entry_id).await?;
    log_access(
        &state,
        &caller,
        "ij_follow_ups_view",
        json!({"route": "/api/v1/ij-referrals/{entry_id}/follow-ups", "entry_id": entry_id,
               "officer_id": rev.officer_id}),
        None,
    )
    .await?;
    let follow_ups = state
        .db
        .follow_ups_of(&rev.entry_id.to_string())
        .await?
        .into_iter()
        .map(FollowUpRow::decode)
        .collect::<Result<Vec<StoredFollowUp>, DbError>>()?;
    Ok(Json(FollowUps {
        entry_id: rev.entry_id,
        follow_ups,
    }))
}
