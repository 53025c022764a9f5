//! Submitted programme returns (issue #11, item 6): a supervisor freezes a
//! period's figures (`POST /api/v1/returns`); from then on the submitted
//! figures are what the review screen and the return CSV show for that
//! period (`GET /api/v1/returns/submitted`), beside what changed under
//! them since (`GET /api/v1/returns/changes`: late syncs, ends,
//! corrections, withdrawals, reviews, Immediate Justice follow-ups). Submitting again makes the next
//! revision and keeps the earlier ones.
//!
//! Who: supervisors, for the teams they supervise (all of them, or one
//! named); admins, for a team they name (they manage the programme's
//! accounts and send its returns); officers never (403). Every submission
//! and every read is in the s62 access log before anything is shown.
//!
//! What is frozen: the figures ([`ProgrammeReturn`]) as
//! [`canonical_figures`] writes them, with their SHA-256. The submission
//! also keeps the highest revision arrival, review ID and follow-up
//! arrival the server held
//! when it began reading: whatever arrived or was decided after them is a
//! change since. Read before the figures, so a revision arriving while
//! they are computed is listed as a change even if the figures hold it:
//! the list may name something already counted, never miss something.
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Json;
use beatbook_core::auth::Role;
use beatbook_core::returns::{
    canonical_figures, ReturnChange, ReturnChanges, SubmitReturn, SubmittedReturn,
};
use beatbook_core::review::ProgrammeReturn;
use beatbook_core::sync::ApiErrorBody;
use beatbook_core::EntryId;
use chrono::{Duration, Utc};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::accounts::{deny, Caller};
use crate::db::returns::{ChangeWindow, NewReturn, StoredReturn};
use crate::db::{format_time, DbError};
use crate::http::error::ApiError;
use crate::http::extract::{ApiQuery, JsonBody};
use crate::http::router::Routes;
use crate::http::state::AppState;
use crate::reports::members::Members;
use crate::reports::programme::PATROL_LOOKBACK_HOURS;
use crate::reports::review::{bad, compute_return, log_access, parse_day, Period};

pub fn routes(routes: Routes) -> Routes {
    routes
        .post("/returns", post(submit_return))
        .get("/returns/submitted", get(submitted_return))
        .get("/returns/changes", get(return_changes))
}

/// What a return covers: its teams (sorted; with the period, its name)
/// and who counts in them, when ([`Members`]).
pub(crate) struct ReturnScope {
    pub teams: Vec<String>,
    pub members: Members,
}

impl ReturnScope {
    /// The teams as stored: a JSON array.
    pub fn key(&self) -> Result<String, ApiError> {
        serde_json::to_string(&self.teams).map_err(|e| ApiError::Storage(DbError::Encode(e)))
    }
}

/// The scope of a submitted return for this caller: a supervisor's teams
/// (or the one named, which must be theirs), an admin's named team.
pub(crate) async fn return_scope(
    state: &AppState,
    caller: &Caller,
    team: Option<&str>,
) -> Result<ReturnScope, ApiError> {
    let teams = match (caller.role, team) {
        (Role::Officer, _) => {
            return Err(deny(state, caller, "submitted return by an officer").await)
        }
        (Role::Supervisor, None) => state.db.user_teams(caller.user_id).await?,
        (Role::Supervisor, Some(t)) => {
            if !state
                .db
                .user_teams(caller.user_id)
                .await?
                .iter()
                .any(|mine| mine == t)
            {
                return Err(deny(state, caller, "submitted return of a team not supervised").await);
            }
            vec![t.to_owned()]
        }
        (Role::Admin, None) => {
            return Err(bad("team is required: an admin submits one team's return"))
        }
        (Role::Admin, Some(t)) => {
            if !state.db.team_exists(t).await? {
                return Err(bad(format!("team: no team is named {t:?}")));
            }
            vec![t.to_owned()]
        }
    };
    let members = Members::from_rows(state.db.members_of(&teams).await?);
    Ok(ReturnScope { teams, members })
}

/// SHA-256 of text, lowercase hex.
fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn corrupt(e: serde_json::Error) -> ApiError {
    ApiError::Storage(DbError::Corrupt {
        column: "figures",
        value: e.to_string(),
    })
}

fn answer(
    period: &Period,
    scope: ReturnScope,
    stored: StoredReturn,
) -> Result<SubmittedReturn, ApiError> {
    let figures: ProgrammeReturn = serde_json::from_str(&stored.figures).map_err(corrupt)?;
    Ok(SubmittedReturn {
        from: period.from.to_string(),
        to: period.to.to_string(),
        teams: scope.teams,
        revision: stored.revision,
        revisions: stored.revisions,
        submitted_by: stored.submitted_by,
        submitted_at: stored.submitted_at,
        sha256: stored.sha256,
        figures,
    })
}

/// `POST /api/v1/returns`
#[utoipa::path(
    post,
    path = "/api/v1/returns",
    tag = "review",
    security(("bearer" = [])),
    request_body = SubmitReturn,
    responses(
        (status = 201, description = "The return, frozen as the period's next revision", body = SubmittedReturn),
        (status = 400, description = "Bad query or body", body = ApiErrorBody),
        (status = 401, description = "Not signed in, or the session ended or was revoked", body = ApiErrorBody),
        (status = 403, description = "The role or team may not do this", body = ApiErrorBody),
        (status = 408, description = "The body took too long to arrive", body = ApiErrorBody),
        (status = 413, description = "The body is too large", body = ApiErrorBody),
        (status = 415, description = "The body is not application/json", body = ApiErrorBody),
    )
)]
pub async fn submit_return(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(bytes): JsonBody,
) -> Result<(StatusCode, Json<SubmittedReturn>), ApiError> {
    let body: SubmitReturn = serde_json::from_slice(&bytes).map_err(|_| {
        ApiError::BadRequest(
            "expected {\"from\": \"YYYY-MM-DD\", \"to\": \"YYYY-MM-DD\", \"team\": optional}"
                .into(),
        )
    })?;
    let from = parse_day("from", &body.from)?;
    let to = parse_day("to", &body.to)?;
    let period = Period::new(from, to, state.zone)?;
    let scope = return_scope(&state, &caller, body.team.as_deref()).await?;
    log_access(
        &state,
        &caller,
        "return_submit",
        json!({"route": "/api/v1/returns", "from": period.from.to_string(),
               "to": period.to.to_string(), "teams": scope.teams}),
        None,
    )
    .await?;
    // Before the figures are read: see the module's notes.
    let (last_arrival, last_review, last_follow_up) = state.db.high_water().await?;
    let submitted_at = format_time(Utc::now());
    let figures = compute_return(
        &state.db,
        &scope.members,
        &period,
        &crate::reports::review::hotspots(&state).await?,
    )
    .await?;
    let text = canonical_figures(&figures).map_err(|e| ApiError::Storage(DbError::Encode(e)))?;
    let sha256 = sha256_hex(&text);
    let key = scope.key()?;
    let revision = state
        .accounts
        .insert_submitted_return(&NewReturn {
            teams: &key,
            from: &period.from.to_string(),
            to: &period.to.to_string(),
            submitted_by: &caller.officer_id,
            submitted_at: &submitted_at,
            figures: &text,
            sha256: &sha256,
            last_arrival,
            last_review,
            last_follow_up,
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(SubmittedReturn {
            from: period.from.to_string(),
            to: period.to.to_string(),
            teams: scope.teams,
            revision,
            revisions: revision,
            submitted_by: caller.officer_id,
            submitted_at,
            sha256,
            figures,
        }),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SubmittedQuery {
    /// First day (local, inclusive), YYYY-MM-DD, years 2000 to 2100.
    #[param(format = Date, pattern = r"^\d{4}-\d{2}-\d{2}$")]
    pub from: String,
    /// Last day (local, inclusive), YYYY-MM-DD, years 2000 to 2100.
    #[param(format = Date, pattern = r"^\d{4}-\d{2}-\d{2}$")]
    pub to: String,
    /// One team (a supervisor's own; required of an admin).
    pub team: Option<String>,
    /// A revision number; absent: the latest.
    #[param(minimum = 1)]
    pub revision: Option<u32>,
}

/// The period of a query, its scope, and its latest (or named) submission.
async fn stored(
    state: &AppState,
    caller: &Caller,
    q: &SubmittedQuery,
    action: &str,
    route: &str,
) -> Result<(Period, ReturnScope, StoredReturn), ApiError> {
    let period = Period::new(
        parse_day("from", &q.from)?,
        parse_day("to", &q.to)?,
        state.zone,
    )?;
    if q.revision == Some(0) {
        return Err(bad("revision must be 1 or more"));
    }
    let scope = return_scope(state, caller, q.team.as_deref()).await?;
    log_access(
        state,
        caller,
        action,
        json!({"route": route, "from": period.from.to_string(), "to": period.to.to_string(),
               "teams": scope.teams, "revision": q.revision}),
        None,
    )
    .await?;
    let found = state
        .db
        .submitted_return(
            &scope.key()?,
            &period.from.to_string(),
            &period.to.to_string(),
            q.revision,
        )
        .await?
        .ok_or(ApiError::ReturnNotSubmitted)?;
    Ok((period, scope, found))
}

/// `GET /api/v1/returns/submitted?from=&to=[&team=&revision=]`
#[utoipa::path(
    get,
    path = "/api/v1/returns/submitted",
    tag = "review",
    security(("bearer" = [])),
    params(SubmittedQuery),
    responses(
        (status = 200, description = "The submitted return of the period (the latest revision, or the one named)", body = SubmittedReturn),
        (status = 400, description = "Bad query or body", body = ApiErrorBody),
        (status = 401, description = "Not signed in, or the session ended or was revoked", body = ApiErrorBody),
        (status = 403, description = "The role or team may not do this", body = ApiErrorBody),
        (status = 404, description = "No return submitted for the period (or no such revision)", body = ApiErrorBody),
    )
)]
pub async fn submitted_return(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<SubmittedQuery>,
) -> Result<Json<SubmittedReturn>, ApiError> {
    let (period, scope, found) = stored(
        &state,
        &caller,
        &q,
        "return_submitted_view",
        "/api/v1/returns/submitted",
    )
    .await?;
    Ok(Json(answer(&period, scope, found)?))
}

/// `GET /api/v1/returns/changes?from=&to=[&team=]`
#[utoipa::path(
    get,
    path = "/api/v1/returns/changes",
    tag = "review",
    security(("bearer" = [])),
    params(SubmittedQuery),
    responses(
        (status = 200, description = "What arrived or was decided since the submission (the latest, or the revision named) that falls in the period", body = ReturnChanges),
        (status = 400, description = "Bad query or body", body = ApiErrorBody),
        (status = 401, description = "Not signed in, or the session ended or was revoked", body = ApiErrorBody),
        (status = 403, description = "The role or team may not do this", body = ApiErrorBody),
        (status = 404, description = "No return submitted for the period (or no such revision)", body = ApiErrorBody),
    )
)]
pub async fn return_changes(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<SubmittedQuery>,
) -> Result<Json<ReturnChanges>, ApiError> {
    let (period, scope, found) = stored(
        &state,
        &caller,
        &q,
        "return_changes_view",
        "/api/v1/returns/changes",
    )
    .await?;
    let lookback = period
        .start
        .checked_sub_signed(Duration::hours(PATROL_LOOKBACK_HOURS))
        .ok_or_else(|| bad("from is out of range"))?;
    let (lookback, (from, to)) = (format_time(lookback), period.bounds());
    let window = ChangeWindow {
        lookback: &lookback,
        from: &from,
        to: &to,
    };
    let officers = scope.members.officers();
    let (first_day, last_day) = (period.from.to_string(), period.to.to_string());
    let (mut arrived, mut reviewed, mut followed_up) = tokio::try_join!(
        state
            .db
            .arrived_since(found.last_arrival, &officers, window),
        state
            .db
            .reviewed_since(found.last_review, &officers, window),
        state.db.followed_up_since(
            found.last_follow_up,
            &officers,
            window,
            &first_day,
            &last_day
        ),
    )?;
    // Someone who joined or left a team: their changes while they were in
    // it. A revision is placed by its own time and a review by its shift's
    // first start (the list names what to look at again; the figures place
    // entries by their shift's latest start).
    if scope.members.any_restricted() {
        let counts = |officer: &str, at: &str| {
            chrono::DateTime::parse_from_rfc3339(at)
                .is_ok_and(|t| scope.members.counts(officer, t.with_timezone(&Utc)))
        };
        arrived.retain(|r| counts(&r.officer_id, &r.occurred_at));
        reviewed.retain(|v| counts(&v.officer_id, &v.occurred_at));
        followed_up.retain(|f| counts(&f.officer_id, &f.occurred_at));
    }
    let reference = |id: &str| {
        EntryId::parse(id)
            .map(|e| e.reference())
            .unwrap_or_default()
    };
    let mut changes: Vec<ReturnChange> = arrived
        .into_iter()
        .map(|r| ReturnChange {
            kind: match (r.seq, r.change.as_str()) {
                (1, _) => "late_sync",
                (_, "corrected") => "correction",
                (_, "withdrawn") => "withdrawal",
                _ => "ended",
            }
            .to_owned(),
            at: r.received_at,
            reference: reference(&r.entry_id),
            entry_id: r.entry_id,
            entry_kind: r.kind,
            officer_id: r.officer_id,
            occurred_at: r.occurred_at,
            detail: r.reason,
        })
        .collect();
    changes.extend(reviewed.into_iter().map(|v| ReturnChange {
        kind: "review".to_owned(),
        at: v.at,
        reference: reference(&v.shift_id),
        entry_id: v.shift_id,
        entry_kind: "shift".to_owned(),
        officer_id: v.officer_id,
        occurred_at: v.occurred_at,
        detail: if v.comment.is_empty() {
            v.state
        } else {
            format!("{}: {}", v.state, v.comment)
        },
    }));
    // A follow-up is the referral's, whoever recorded it: the detail says who.
    changes.extend(followed_up.into_iter().map(|f| ReturnChange {
        kind: "follow_up".to_owned(),
        at: f.recorded_at,
        reference: reference(&f.entry_id),
        entry_id: f.entry_id,
        entry_kind: beatbook_core::RecordKind::IjReferral.code().to_owned(),
        officer_id: f.officer_id,
        occurred_at: f.occurred_at,
        detail: format!("{} by {}: {}", f.result, f.recorded_by, f.reason),
    }));
    // Times are fixed-width UTC text: text order is time order.
    changes.sort_by(|a, b| a.at.cmp(&b.at));
    Ok(Json(ReturnChanges {
        revision: found.revision,
        submitted_at: found.submitted_at,
        changes,
    }))
}

/// The latest submission of the period a return CSV covers, if any: the
/// CSV of a submitted period is its submitted figures.
pub(crate) async fn latest_for_export(
    state: &AppState,
    caller: &Caller,
    team: Option<&str>,
    period: &Period,
) -> Result<Option<SubmittedReturn>, ApiError> {
    let scope = return_scope(state, caller, team).await?;
    let found = state
        .db
        .submitted_return(
            &scope.key()?,
            &period.from.to_string(),
            &period.to.to_string(),
            None,
        )
        .await?;
    found.map(|f| answer(period, scope, f)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_sha256_in_lowercase_hex() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
