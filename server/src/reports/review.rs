//! Supervisor review and the programme return (issue #5, server half):
//! the shift list and a shift's full record, review decisions, the return,
//! CSV exports, and the DPA 2018 s62 access log of every view and export.
//!
//! Who may do what: an officer lists and opens their own shifts (with the
//! review state and comments); a supervisor those of everyone who records
//! entries in the teams they supervise, by the team the shift started in
//! ([`Members`]), reviews them but never their own (403 `own_shift`), and
//! reads the return and the exports; an admin none of it (403).
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Json;
use beatbook_core::auth::Role;
use beatbook_core::codes::Code;
use beatbook_core::review::{
    flags, FlagRules, ProgrammeReturn, ReviewRequest, ReviewRow, ShiftDetail, ShiftPage,
    ShiftSummary, REVIEW_STATES,
};
use beatbook_core::{EntryId, Record, RecordKind, Revision};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use futures_util::stream;
use serde::Deserialize;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::accounts::{deny, Caller};
use crate::db::review::{AccessRow, NewAccess, NewReview, ShiftFilter, WindowRows};
use crate::db::{format_time, Database, DbError, StoredRow};
use crate::http::error::ApiError;
use crate::http::extract::{ApiQuery, JsonBody};
use crate::http::revisions::RevisionItem;
use crate::http::router::Routes;
use crate::http::state::AppState;
use crate::reports::export::{csv_line, entry_rows, officers_of};
use crate::reports::members::Members;
use crate::reports::programme::{self, PATROL_LOOKBACK_HOURS};
use crate::zone::ForceZone;
use beatbook_core::sync::ApiErrorBody;

pub const DEFAULT_SHIFT_PAGE: u32 = 50;
pub const MAX_SHIFT_PAGE: u32 = 200;
/// Longest review comment.
pub const MAX_COMMENT: usize = 2000;
/// Longest export reason.
pub const MAX_REASON: usize = 500;

pub fn routes(routes: Routes) -> Routes {
    routes
        .get("/shifts", get(list_shifts))
        .get("/shifts/{shift_id}", get(shift_detail))
        .post("/shifts/{shift_id}/review", post(review_shift))
        .get("/return", get(programme_return))
        .get("/export/return.csv", get(export_return))
        .get("/export/entries.csv", get(export_entries))
}

/// The force's limit on a patrol's length, for the flags.
async fn long_patrol(state: &AppState) -> Result<chrono::Duration, ApiError> {
    let minutes = state
        .accounts
        .force_settings()
        .await?
        .map_or(beatbook_core::force::DEFAULT_LONG_PATROL_MINUTES, |s| {
            s.settings.long_patrol_minutes
        });
    Ok(chrono::Duration::minutes(minutes.into()))
}

pub(crate) fn bad(message: impl Into<String>) -> ApiError {
    ApiError::BadQuery(message.into())
}

fn corrupt(e: serde_json::Error) -> ApiError {
    ApiError::Storage(DbError::Corrupt {
        column: "body",
        value: e.to_string(),
    })
}

fn parse_body(row: &StoredRow) -> Result<Revision, ApiError> {
    serde_json::from_str(&row.body).map_err(corrupt)
}

/// Years a query date may name. chrono reads dates up to year ±262,143,
/// where a day's arithmetic overflows (and used to panic); no patrol log is
/// older than 2000 (the earliest time a revision may carry) or planned
/// beyond 2100.
pub const FIRST_QUERY_YEAR: i32 = 2000;
pub const LAST_QUERY_YEAR: i32 = 2100;

/// A query date, `YYYY-MM-DD` in [`FIRST_QUERY_YEAR`]..=[`LAST_QUERY_YEAR`];
/// the 400 names the field.
pub fn parse_day(what: &str, text: &str) -> Result<NaiveDate, ApiError> {
    let out_of_range = || {
        bad(format!(
            "{what} must be a date YYYY-MM-DD between {FIRST_QUERY_YEAR}-01-01 and {LAST_QUERY_YEAR}-12-31"
        ))
    };
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| out_of_range())?;
    if !(FIRST_QUERY_YEAR..=LAST_QUERY_YEAR).contains(&day.year()) {
        return Err(out_of_range());
    }
    Ok(day)
}

/// When local day `d` begins in `zone`. Checked, although the query
/// window keeps it far from chrono's limits.
fn day_start(zone: ForceZone, d: NaiveDate) -> Result<DateTime<Utc>, ApiError> {
    zone.day_start(d).ok_or_else(|| bad("date out of range"))
}

/// When local day `d` ends in `zone` (the next local midnight).
fn day_end(zone: ForceZone, d: NaiveDate) -> Result<DateTime<Utc>, ApiError> {
    zone.day_end(d).ok_or_else(|| bad("date out of range"))
}

/// Inclusive local days as a half-open time range: from local 00:00 on
/// `from` to local 00:00 after `to`, in the force's zone (a day is 23 or
/// 25 hours long on the clock change days).
pub(crate) struct Period {
    pub(crate) from: NaiveDate,
    pub(crate) to: NaiveDate,
    pub(crate) start: DateTime<Utc>,
    pub(crate) end: DateTime<Utc>,
    pub(crate) zone: ForceZone,
}

impl Period {
    pub(crate) fn new(from: NaiveDate, to: NaiveDate, zone: ForceZone) -> Result<Self, ApiError> {
        if to < from {
            return Err(bad("to is before from"));
        }
        if (to - from).num_days() > 366 * 5 {
            return Err(bad("at most five years at a time"));
        }
        Ok(Self {
            from,
            to,
            start: day_start(zone, from)?,
            end: day_end(zone, to)?,
            zone,
        })
    }

    /// From the query, else the last calendar month (local).
    pub(crate) fn from_query(
        from: Option<&str>,
        to: Option<&str>,
        zone: ForceZone,
    ) -> Result<Self, ApiError> {
        let today = zone.today();
        let this_month = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today);
        let last_month_end = this_month.pred_opt().unwrap_or(this_month);
        let last_month = NaiveDate::from_ymd_opt(last_month_end.year(), last_month_end.month(), 1)
            .unwrap_or(last_month_end);
        let from = from
            .map(|f| parse_day("from", f))
            .transpose()?
            .unwrap_or(last_month);
        let to = to
            .map(|t| parse_day("to", t))
            .transpose()?
            .unwrap_or(last_month_end);
        Self::new(from, to, zone)
    }

    pub(crate) fn bounds(&self) -> (String, String) {
        (format_time(self.start), format_time(self.end))
    }
}

/// Whose shifts the caller may read, and when, narrowed by the filters.
/// Officers: their own. Supervisors: everyone who records entries in the
/// teams they are in now (a named team must be one of theirs), supervisors
/// themselves included, each for the shifts that started while they were
/// in one of those teams ([`Members`]). Admins: refused.
pub(crate) async fn scope(
    state: &AppState,
    caller: &Caller,
    officer_id: Option<&str>,
    team: Option<&str>,
    supervisors_only: bool,
) -> Result<Members, ApiError> {
    let mut members = match caller.role {
        Role::Admin => return Err(deny(state, caller, "review read by an admin").await),
        Role::Officer if supervisors_only => {
            return Err(deny(state, caller, "return or export by an officer").await)
        }
        Role::Officer => Members::only(&caller.officer_id),
        Role::Supervisor => {
            let mut teams = state.db.user_teams(caller.user_id).await?;
            if let Some(t) = team {
                if !teams.iter().any(|mine| mine == t) {
                    return Err(deny(state, caller, "review read of a team not supervised").await);
                }
                teams = vec![t.to_owned()];
            }
            Members::from_rows(state.db.members_of(&teams).await?)
        }
    };
    if let Some(one) = officer_id {
        if !members.narrow(one) {
            return Err(deny(state, caller, "review read of an officer outside the scope").await);
        }
    }
    Ok(members)
}

/// Records a consultation or disclosure (s62): one row per request, for
/// every read of entries (the shift list and views, the return, the
/// exports, `/revisions`, `/stats`). If it cannot be recorded, nothing is
/// shown.
pub(crate) async fn log_access(
    state: &AppState,
    caller: &Caller,
    action: &str,
    detail: serde_json::Value,
    reason: Option<&str>,
) -> Result<(), ApiError> {
    state
        .accounts
        .log_access(&NewAccess {
            at: &format_time(Utc::now()),
            officer_id: &caller.officer_id,
            role: caller.role.code(),
            action,
            detail: &detail.to_string(),
            reason,
        })
        .await?;
    Ok(())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ShiftsQuery {
    /// First day (UTC, inclusive), YYYY-MM-DD, years 2000 to 2100.
    #[param(format = Date, pattern = r"^\d{4}-\d{2}-\d{2}$")]
    pub from: Option<String>,
    /// Last day (UTC, inclusive), YYYY-MM-DD, years 2000 to 2100.
    #[param(format = Date, pattern = r"^\d{4}-\d{2}-\d{2}$")]
    pub to: Option<String>,
    /// Only this officer (one the caller may read).
    pub officer_id: Option<String>,
    /// Only this team (one the supervisor supervises).
    pub team: Option<String>,
    /// Shifts with a patrol in this area.
    pub area: Option<String>,
    /// Shifts holding an entry of this kind.
    #[param(value_type = Option<RecordKind>)]
    pub kind: Option<String>,
    /// The latest review state.
    #[param(pattern = "^(pending|approved|has_issues|rejected)$")]
    pub review: Option<String>,
    /// `start_desc` (default) or `start_asc`.
    #[param(pattern = "^(start_desc|start_asc)$")]
    pub sort: Option<String>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub page_size: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// `GET /api/v1/shifts`
#[utoipa::path(
    get,
    path = "/api/v1/shifts",
    tag = "review",
    security(("bearer" = [])),
    params(ShiftsQuery),
    responses(
        (status = 200, description = "A page of shifts the caller may read", body = ShiftPage),
        (status = 400, description = "Bad query or body", body = ApiErrorBody),
        (status = 401, description = "Not signed in, or the session ended or was revoked", body = ApiErrorBody),
        (status = 403, description = "The role or team may not do this", body = ApiErrorBody),
    )
)]
async fn list_shifts(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ShiftsQuery>,
) -> Result<Json<ShiftPage>, ApiError> {
    let limit = q.page_size.unwrap_or(DEFAULT_SHIFT_PAGE);
    if limit == 0 || limit > MAX_SHIFT_PAGE {
        return Err(bad(format!(
            "page_size must be between 1 and {MAX_SHIFT_PAGE}"
        )));
    }
    let newest_first = match q.sort.as_deref() {
        None | Some("start_desc") => true,
        Some("start_asc") => false,
        Some(_) => return Err(bad("sort must be start_desc or start_asc")),
    };
    if let Some(k) = q.kind.as_deref() {
        if RecordKind::from_code(k).is_none() {
            return Err(bad("kind is not a record kind"));
        }
    }
    if let Some(r) = q.review.as_deref() {
        if r != "pending" && !REVIEW_STATES.contains(&r) {
            return Err(bad(
                "review must be pending, approved, has_issues or rejected",
            ));
        }
    }
    // Local days of the force's zone, as for the return.
    let from = match q.from.as_deref() {
        Some(f) => format_time(day_start(state.zone, parse_day("from", f)?)?),
        None => String::new(),
    };
    let to = match q.to.as_deref() {
        Some(t) => format_time(day_end(state.zone, parse_day("to", t)?)?),
        None => "9999".to_owned(),
    };
    let after = match q.cursor.as_deref() {
        None => None,
        Some(c) => {
            let (at, id) = c.split_once('~').ok_or_else(|| bad("bad cursor"))?;
            if DateTime::parse_from_rfc3339(at).is_err() || EntryId::parse(id).is_none() {
                return Err(bad("bad cursor"));
            }
            Some((at, id))
        }
    };
    let members = scope(
        &state,
        &caller,
        q.officer_id.as_deref(),
        q.team.as_deref(),
        false,
    )
    .await?;
    let officers = members.officers();
    let restricted = members.restricted_json();
    log_access(
        &state,
        &caller,
        "shift_list",
        json!({"route": "/api/v1/shifts", "from": q.from, "to": q.to, "officer_id": q.officer_id,
               "team": q.team, "area": q.area, "kind": q.kind, "review": q.review,
               "cursor": q.cursor}),
        None,
    )
    .await?;
    let heads = state
        .db
        .list_shifts(&ShiftFilter {
            officers: &officers,
            from: &from,
            to: &to,
            kind: q.kind.as_deref(),
            area: q.area.as_deref(),
            review: q.review.as_deref(),
            newest_first,
            after,
            limit,
            restricted: restricted.as_deref(),
        })
        .await?;
    let ids: Vec<String> = heads.iter().map(|h| h.row.entry_id.clone()).collect();
    let long_patrol = long_patrol(&state).await?;
    let zone = state.zone;
    let rules = FlagRules {
        long_patrol,
        local_date: &|t| zone.date_of(t),
    };
    let mut counts: HashMap<String, BTreeMap<String, u64>> = HashMap::new();
    let mut nflags: HashMap<String, u64> = HashMap::new();
    for row in state.db.latest_of_shifts(&ids).await? {
        let rev = parse_body(&row)?;
        let Some(shift) = rev.shift_id.map(|s| s.to_string()) else {
            continue;
        };
        *counts
            .entry(shift.clone())
            .or_default()
            .entry(row.kind.clone())
            .or_default() += 1;
        *nflags.entry(shift).or_default() += flags(&rev, &rules).len() as u64;
    }
    let next_cursor = if heads.len() == limit as usize {
        heads
            .last()
            .map(|h| format!("{}~{}", h.row.occurred_at, h.row.entry_id))
    } else {
        None
    };
    let mut shifts = Vec::with_capacity(heads.len());
    for h in heads {
        let rev = parse_body(&h.row)?;
        let Record::Shift(s) = &rev.record else {
            continue;
        };
        let id = h.row.entry_id;
        shifts.push(ShiftSummary {
            reference: rev.entry_id.reference(),
            officer_id: h.row.officer_id,
            team: s.team.clone(),
            role: s.role.map(|r| r.code().to_owned()),
            callsign: s.callsign.clone(),
            start: h.row.occurred_at,
            end: s.ended_at.map(format_time),
            counts: counts.remove(&id).unwrap_or_default(),
            review: h.review.unwrap_or_else(|| "pending".into()),
            review_comment: h.review_comment,
            flags: nflags.get(&id).copied().unwrap_or(0) + flags(&rev, &rules).len() as u64,
            shift_id: id,
        });
    }
    Ok(Json(ShiftPage {
        shifts,
        next_cursor,
    }))
}

async fn readable_shift(
    state: &AppState,
    caller: &Caller,
    shift_id: &str,
) -> Result<(EntryId, String), ApiError> {
    let id = EntryId::parse(shift_id).ok_or(ApiError::ShiftNotFound)?;
    let (owner, start) = state
        .db
        .shift_head(&id.to_string())
        .await?
        .ok_or(ApiError::ShiftNotFound)?;
    // One's own shift is always one's own to read: a supervisor's from
    // before they moved team too (deciding it is another matter).
    if caller.role.records_entries() && owner.eq_ignore_ascii_case(&caller.officer_id) {
        return Ok((id, owner));
    }
    let members = scope(state, caller, Some(&owner), None, false).await?;
    let start = DateTime::parse_from_rfc3339(&start)
        .map_err(|_| {
            ApiError::Storage(DbError::Corrupt {
                column: "occurred_at",
                value: start.clone(),
            })
        })?
        .with_timezone(&Utc);
    // The shift is the teams' its officer was in when it started: after
    // a move, the old team's supervisors keep the shifts from before it.
    if !members.counts(&owner, start) {
        return Err(deny(
            state,
            caller,
            "review read of a shift from outside the team",
        )
        .await);
    }
    Ok((id, owner))
}

/// `GET /api/v1/shifts/{shift_id}`
#[utoipa::path(
    get,
    path = "/api/v1/shifts/{shift_id}",
    tag = "review",
    security(("bearer" = [])),
    params(("shift_id" = String, Path, description = "The shift's entry ID (a UUID)")),
    responses(
        (status = 200, description = "The shift's full record", body = ShiftDetail<Revision>),
        (status = 401, description = "Not signed in, or the session ended or was revoked", body = ApiErrorBody),
        (status = 403, description = "The role or team may not do this", body = ApiErrorBody),
        (status = 404, description = "No such shift (or not one the caller may see)", body = ApiErrorBody),
    )
)]
async fn shift_detail(
    State(state): State<AppState>,
    caller: Caller,
    Path(shift_id): Path<String>,
) -> Result<Json<ShiftDetail<Box<serde_json::value::RawValue>>>, ApiError> {
    let (id, owner) = readable_shift(&state, &caller, &shift_id).await?;
    let id = id.to_string();
    log_access(
        &state,
        &caller,
        "shift_view",
        json!({"route": "/api/v1/shifts/{shift_id}", "shift_id": id, "officer_id": owner}),
        None,
    )
    .await?;
    let rows = state.db.shift_revisions(&id).await?;
    let long_patrol = long_patrol(&state).await?;
    let zone = state.zone;
    let rules = FlagRules {
        long_patrol,
        local_date: &|t| zone.date_of(t),
    };
    // Rows are in time order, and a correction may move an entry's time:
    // the latest revision is the highest sequence number.
    let mut latest: BTreeMap<&str, &StoredRow> = BTreeMap::new();
    for row in &rows {
        let slot = latest.entry(&row.entry_id).or_insert(row);
        if row.seq > slot.seq {
            *slot = row;
        }
    }
    let latest = latest
        .into_values()
        .map(parse_body)
        .collect::<Result<Vec<_>, _>>()?;
    let flags = latest
        .iter()
        .flat_map(|rev| {
            let mut these = flags(rev, &rules);
            these.extend(withdrawn_flag(rev));
            these
        })
        .collect();
    let revisions = rows
        .into_iter()
        .map(RevisionItem::try_from)
        .collect::<Result<Vec<_>, _>>()
        .map_err(corrupt)?;
    let reviews = state.db.review_history(&id).await?;
    let reference = EntryId::parse(&id)
        .map(|e| e.reference())
        .unwrap_or_default();
    let chain_breaks = state.db.shift_chain_breaks(&id, state.zone).await?;
    Ok(Json(ShiftDetail {
        chain_breaks,
        review: reviews
            .last()
            .map_or_else(|| "pending".into(), |r| r.state.clone()),
        conflicts: state.db.shift_conflicts(&id).await?,
        shift_id: id,
        reference,
        officer_id: owner,
        revisions,
        reviews,
        flags,
    }))
}

/// A withdrawn entry is flagged on the shift record, with the officer's
/// reason in `fields`, so a supervisor sees what left the counts and why.
fn withdrawn_flag(rev: &Revision) -> Option<beatbook_core::review::Flag> {
    match &rev.change {
        beatbook_core::Change::Withdrawn { reason } => Some(beatbook_core::review::Flag {
            entry_id: rev.entry_id.to_string(),
            kind: rev.kind().code().into(),
            flag: WITHDRAWN_FLAG.into(),
            fields: vec![reason.clone()],
        }),
        _ => None,
    }
}

/// The flag of a withdrawn entry.
pub const WITHDRAWN_FLAG: &str = "withdrawn";

/// `POST /api/v1/shifts/{shift_id}/review`: a supervisor of the team the
/// shift is in records a decision, never on their own shift. Appends to
/// the history; never changes an entry.
#[utoipa::path(
    post,
    path = "/api/v1/shifts/{shift_id}/review",
    tag = "review",
    security(("bearer" = [])),
    params(("shift_id" = String, Path, description = "The shift's entry ID (a UUID)")),
    request_body = ReviewRequest,
    responses(
        (status = 201, description = "The decision, recorded", body = ReviewRow),
        (status = 400, description = "Bad query or body", body = ApiErrorBody),
        (status = 401, description = "Not signed in, or the session ended or was revoked", body = ApiErrorBody),
        (status = 403, description = "The role or team may not do this (`forbidden`), or the shift is the caller's own (`own_shift`: another supervisor of the team decides it)", body = ApiErrorBody),
        (status = 404, description = "No such shift (or not one the caller may see)", body = ApiErrorBody),
        (status = 408, description = "The body took too long to arrive", body = ApiErrorBody),
        (status = 413, description = "The body is too large", body = ApiErrorBody),
        (status = 415, description = "The body is not application/json", body = ApiErrorBody),
    )
)]
async fn review_shift(
    State(state): State<AppState>,
    caller: Caller,
    Path(shift_id): Path<String>,
    JsonBody(bytes): JsonBody,
) -> Result<(StatusCode, Json<ReviewRow>), ApiError> {
    if caller.role != Role::Supervisor {
        return Err(deny(&state, &caller, "review by a non-supervisor").await);
    }
    let body: ReviewRequest = serde_json::from_slice(&bytes)
        .map_err(|_| ApiError::BadRequest("expected {\"state\": ..., \"comment\": ...}".into()))?;
    if !REVIEW_STATES.contains(&body.state.as_str()) {
        return Err(ApiError::BadRequest(
            "state must be approved, has_issues or rejected".into(),
        ));
    }
    let comment = body.comment.trim();
    if body.state != "approved" && comment.is_empty() {
        return Err(ApiError::BadRequest(
            "a comment is required for has_issues and rejected".into(),
        ));
    }
    if comment.chars().count() > MAX_COMMENT
        || comment
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(ApiError::BadRequest(format!(
            "the comment must be at most {MAX_COMMENT} characters, no control characters"
        )));
    }
    let (id, owner) = readable_shift(&state, &caller, &shift_id).await?;
    // Nobody decides on their own shift: another supervisor of the team
    // does (officer IDs ignore case, as signing in does).
    if owner.eq_ignore_ascii_case(&caller.officer_id) {
        caller
            .event(crate::accounts::security::EventKind::PermissionDenied)
            .detail("review of the supervisor's own shift")
            .record(&state.accounts)
            .await;
        return Err(ApiError::OwnShift);
    }
    let id = id.to_string();
    let at = format_time(Utc::now());
    let review_id = state
        .accounts
        .insert_review(&NewReview {
            shift_id: &id,
            state: &body.state,
            comment,
            reviewer: &caller.officer_id,
            at: &at,
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(ReviewRow {
            review_id,
            shift_id: id,
            state: body.state,
            comment: comment.to_owned(),
            reviewer: caller.officer_id,
            at,
        }),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReturnQuery {
    /// First day (UTC, inclusive), YYYY-MM-DD, years 2000 to 2100.
    #[param(format = Date, pattern = r"^\d{4}-\d{2}-\d{2}$")]
    pub from: Option<String>,
    /// Last day (UTC, inclusive), YYYY-MM-DD, years 2000 to 2100.
    #[param(format = Date, pattern = r"^\d{4}-\d{2}-\d{2}$")]
    pub to: Option<String>,
    /// Only this team (one the supervisor supervises).
    pub team: Option<String>,
}

/// The return's query, and why the data is disclosed.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReturnExportQuery {
    /// First day (UTC, inclusive), YYYY-MM-DD, years 2000 to 2100.
    #[param(format = Date, pattern = r"^\d{4}-\d{2}-\d{2}$")]
    pub from: Option<String>,
    /// Last day (UTC, inclusive), YYYY-MM-DD, years 2000 to 2100.
    #[param(format = Date, pattern = r"^\d{4}-\d{2}-\d{2}$")]
    pub to: Option<String>,
    /// Only this team (one the supervisor supervises).
    pub team: Option<String>,
    /// Why the data is disclosed (DPA 2018 s62): at most 500 characters, no
    /// control characters. Missing or blank: 400.
    #[param(required = true, min_length = 1, max_length = 500)]
    pub reason: Option<String>,
}

/// How long before its first patrol in the return's window a shift is
/// looked for in the same pass (the shifts list's index); any shift older
/// still is looked up on its own.
const SHIFT_LOOKBACK_HOURS: i64 = 24;

/// The force's hotspots (retired ones too), to name them in a return.
pub(crate) async fn hotspots(
    state: &AppState,
) -> Result<Vec<beatbook_core::force::Hotspot>, ApiError> {
    Ok(crate::http::force::document(&state.accounts, &state.zone)
        .await?
        .settings
        .hotspots)
}

/// Reads what the return needs and computes it: the latest revisions of
/// the period's entries (and of patrols from before it) and of their
/// shifts, in two passes at once, then the review states. The parsing of
/// some 20,000 stored revisions and the arithmetic run on blocking threads
/// (both cores: [`programme::parse_items`]), off the async workers.
pub(crate) async fn compute_return(
    db: &Database,
    members: &Members,
    period: &Period,
    hotspots: &[beatbook_core::force::Hotspot],
) -> Result<ProgrammeReturn, ApiError> {
    let officers = &members.officers();
    let (_, end) = period.bounds();
    let before = |t: DateTime<Utc>, hours: i64| {
        t.checked_sub_signed(Duration::hours(hours))
            .ok_or_else(|| bad("from is out of range"))
    };
    let lookback = before(period.start, PATROL_LOOKBACK_HOURS)?;
    let shift_lookback = format_time(before(lookback, SHIFT_LOOKBACK_HOURS)?);
    let lookback = format_time(lookback);
    // Entries other than patrols count only from the period's start;
    // `programme::compute` sees to that.
    let kinds = [
        RecordKind::Patrol.code(),
        RecordKind::StopSearch.code(),
        RecordKind::Arrest.code(),
        RecordKind::AsbIntervention.code(),
        RecordKind::IjReferral.code(),
    ];
    let (first_day, last_day) = (period.from.to_string(), period.to.to_string());
    let (mut window, shifts, completed) = tokio::try_join!(
        db.latest_in_window(&kinds, officers, &lookback, &end),
        db.shifts_in_window(officers, &shift_lookback, &end),
        // Referrals from before the window completed in the period: a
        // completion counts in its own period.
        db.ij_completed_between(officers, &first_day, &last_day, &lookback),
    )?;
    // Their patrols, for the area they count under, unless in the window.
    let patrols = patrols_of(&completed).map_err(corrupt)?;
    window.extend(completed);
    let referenced: Vec<String> = window.ids.iter().cloned().collect();
    let missing: Vec<String> = window.ids.difference(&shifts.ids).cloned().collect();
    let (older, rejected, patrols) = tokio::try_join!(
        latest_bodies(db, &missing),
        rejected_shifts(db, &referenced),
        latest_bodies(db, &patrols),
    )?;
    for (officer, body) in patrols {
        window.push(officer, body);
    }
    let (from, to) = (period.from.to_string(), period.to.to_string());
    let span = programme::Span {
        start: period.start,
        end: period.end,
        zone: period.zone,
    };
    // Only when someone joined or left a team in the return do entries
    // need placing by their shift's start; otherwise everyone counts always.
    let moved = members.any_restricted().then(|| members.clone());
    tokio::task::spawn_blocking(move || {
        let bodies = window.bodies();
        let mut entries = programme::parse_items(&bodies)?;
        let mut shift_bodies = shifts.bodies();
        shift_bodies.extend(older.iter().map(|(_, b)| b.as_str()));
        let mut shift_owners = shifts.owners();
        shift_owners.extend(older.iter().map(|(o, _)| o.as_str()));
        let mut shifts = programme::parse_items(&shift_bodies)?;
        if let Some(members) = &moved {
            let owners = window.owners();
            (shifts, entries) = place(members, shifts, &shift_owners, entries, &owners);
        }
        // The pass over the shifts found some no entry of the window
        // belongs to: they are not the return's.
        let wanted: HashSet<EntryId> = entries.iter().filter_map(|e| e.shift_id).collect();
        shifts.retain(|s| wanted.contains(&s.entry_id));
        Ok(programme::compute(
            from, to, span, &shifts, &entries, &rejected,
        ))
    })
    .await
    .map_err(|e| ApiError::Internal(format!("computing the return: {e}")))?
    .map_err(corrupt)
    .map(|mut ret| {
        programme::name_hotspots(&mut ret, hotspots);
        ret
    })
}

/// Keeps the shifts that started while their officer counted (`owners`
/// and `entry_owners` are the officer of each), and the entries of those
/// shifts; an entry outside a shift, or of a shift not read, by its own
/// time.
fn place<'a>(
    members: &Members,
    shifts: Vec<programme::Item<'a>>,
    owners: &[&str],
    entries: Vec<programme::Item<'a>>,
    entry_owners: &[&str],
) -> (Vec<programme::Item<'a>>, Vec<programme::Item<'a>>) {
    let mut counted: HashMap<EntryId, bool> = HashMap::with_capacity(shifts.len());
    let shifts = shifts
        .into_iter()
        .zip(owners)
        .filter(|(s, o)| {
            let c = members.counts(o, s.occurred_at);
            counted.insert(s.entry_id, c);
            c
        })
        .map(|(s, _)| s)
        .collect();
    let entries = entries
        .into_iter()
        .zip(entry_owners)
        .filter(|(e, o)| match e.shift_id.and_then(|s| counted.get(&s)) {
            Some(&c) => c,
            None => members.counts(o, e.occurred_at),
        })
        .map(|(e, _)| e)
        .collect();
    (shifts, entries)
}

/// The patrols the revisions of `rows` were made on (from before the
/// window, like the rows: a patrol starts before what is made on it).
fn patrols_of(rows: &WindowRows) -> Result<Vec<String>, serde_json::Error> {
    #[derive(Deserialize)]
    struct OnPatrol {
        #[serde(default)]
        patrol_id: Option<String>,
    }
    let mut ids = BTreeSet::new();
    for body in rows.bodies() {
        if let Some(id) = serde_json::from_str::<OnPatrol>(body)?.patrol_id {
            ids.insert(id);
        }
    }
    Ok(ids.into_iter().collect())
}

/// These entries' latest revisions: (officer, stored JSON).
async fn latest_bodies(
    db: &Database,
    entry_ids: &[String],
) -> Result<Vec<(String, String)>, DbError> {
    let mut bodies = Vec::with_capacity(entry_ids.len());
    for chunk in entry_ids.chunks(5000) {
        bodies.extend(
            db.latest_of_entries(chunk)
                .await?
                .into_iter()
                .map(|r| (r.officer_id, r.body)),
        );
    }
    Ok(bodies)
}

/// Of these shifts, those whose latest review is `rejected`.
async fn rejected_shifts(db: &Database, shift_ids: &[String]) -> Result<HashSet<EntryId>, DbError> {
    let mut rejected = HashSet::new();
    for chunk in shift_ids.chunks(5000) {
        let refused = db.rejected_among(chunk).await?;
        rejected.extend(refused.iter().filter_map(|s| EntryId::parse(s)));
    }
    Ok(rejected)
}

/// `GET /api/v1/return?from=&to=[&team=]`
#[utoipa::path(
    get,
    path = "/api/v1/return",
    tag = "review",
    security(("bearer" = [])),
    params(ReturnQuery),
    responses(
        (status = 200, description = "The programme return of the period", body = ProgrammeReturn),
        (status = 400, description = "Bad query or body", body = ApiErrorBody),
        (status = 401, description = "Not signed in, or the session ended or was revoked", body = ApiErrorBody),
        (status = 403, description = "The role or team may not do this", body = ApiErrorBody),
    )
)]
async fn programme_return(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ReturnQuery>,
) -> Result<Json<ProgrammeReturn>, ApiError> {
    let period = Period::from_query(q.from.as_deref(), q.to.as_deref(), state.zone)?;
    let members = scope(&state, &caller, None, q.team.as_deref(), true).await?;
    log_access(
        &state,
        &caller,
        "return_view",
        json!({"route": "/api/v1/return", "from": period.from.to_string(),
               "to": period.to.to_string(), "team": q.team}),
        None,
    )
    .await?;
    Ok(Json(
        compute_return(&state.db, &members, &period, &hotspots(&state).await?).await?,
    ))
}

pub(crate) fn export_reason(reason: Option<&str>) -> Result<String, ApiError> {
    let reason = reason.map(str::trim).unwrap_or("");
    if reason.is_empty() {
        return Err(bad(
            "reason is required: say why the data is being disclosed (DPA 2018 s62)",
        ));
    }
    if reason.chars().count() > MAX_REASON || reason.chars().any(char::is_control) {
        return Err(bad(format!(
            "reason: at most {MAX_REASON} characters, no control characters"
        )));
    }
    Ok(reason.to_owned())
}

fn csv_response(filename: &str, body: Body) -> Response {
    (
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// `GET /api/v1/export/return.csv?from=&to=&reason=[&team=]`
#[utoipa::path(
    get,
    path = "/api/v1/export/return.csv",
    tag = "review",
    security(("bearer" = [])),
    params(ReturnExportQuery),
    responses(
        (status = 200, description = "The return as CSV: group, name, metric, value", content_type = "text/csv", body = String),
        (status = 400, description = "Bad query or body", body = ApiErrorBody),
        (status = 401, description = "Not signed in, or the session ended or was revoked", body = ApiErrorBody),
        (status = 403, description = "The role or team may not do this", body = ApiErrorBody),
    )
)]
async fn export_return(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ReturnExportQuery>,
) -> Result<Response, ApiError> {
    let reason = export_reason(q.reason.as_deref())?;
    let period = Period::from_query(q.from.as_deref(), q.to.as_deref(), state.zone)?;
    let members = scope(&state, &caller, None, q.team.as_deref(), true).await?;
    log_access(
        &state,
        &caller,
        "export_return",
        json!({"route": "/api/v1/export/return.csv", "from": period.from.to_string(),
               "to": period.to.to_string(), "team": q.team}),
        Some(&reason),
    )
    .await?;
    // A submitted period's CSV is its submitted figures (the latest
    // revision), with who submitted them, when and their hash first.
    let submitted =
        crate::reports::returns::latest_for_export(&state, &caller, q.team.as_deref(), &period)
            .await?;
    let mut lines = vec![csv_line(&["group", "name", "metric", "value"])];
    let ret = match submitted {
        Some(s) => {
            lines.extend(
                beatbook_core::returns::submission_rows(&s)
                    .iter()
                    .map(|r| csv_line(r)),
            );
            s.figures
        }
        None => compute_return(&state.db, &members, &period, &hotspots(&state).await?).await?,
    };
    lines.extend(
        beatbook_core::review::rows(&ret)
            .iter()
            .map(|r| csv_line(r)),
    );
    let body = Body::from_stream(stream::iter(
        lines
            .into_iter()
            .map(|l| Ok::<_, std::convert::Infallible>(Bytes::from(l))),
    ));
    Ok(csv_response(
        &format!("return-{}-{}.csv", period.from, period.to),
        body,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EntriesExportQuery {
    /// First day (UTC, inclusive), YYYY-MM-DD, years 2000 to 2100.
    #[param(format = Date, pattern = r"^\d{4}-\d{2}-\d{2}$")]
    pub from: Option<String>,
    /// Last day (UTC, inclusive), YYYY-MM-DD, years 2000 to 2100.
    #[param(format = Date, pattern = r"^\d{4}-\d{2}-\d{2}$")]
    pub to: Option<String>,
    /// Only this officer (one the supervisor supervises).
    pub officer_id: Option<String>,
    /// Only this team (one the supervisor supervises).
    pub team: Option<String>,
    /// Only this record kind.
    #[param(value_type = Option<RecordKind>)]
    pub kind: Option<String>,
    /// Why the data is disclosed (DPA 2018 s62): at most 500 characters, no
    /// control characters. Missing or blank: 400.
    #[param(required = true, min_length = 1, max_length = 500)]
    pub reason: Option<String>,
}

/// `GET /api/v1/export/entries.csv?from=&to=&reason=[&officer_id=&team=&kind=]`:
/// one row per entry (its latest revision), officer by officer, in time
/// order; read and written a chunk at a time, so memory stays flat.
#[utoipa::path(
    get,
    path = "/api/v1/export/entries.csv",
    tag = "review",
    security(("bearer" = [])),
    params(EntriesExportQuery),
    responses(
        (status = 200, description = "One row per entry (its latest revision), as CSV", content_type = "text/csv", body = String),
        (status = 400, description = "Bad query or body", body = ApiErrorBody),
        (status = 401, description = "Not signed in, or the session ended or was revoked", body = ApiErrorBody),
        (status = 403, description = "The role or team may not do this", body = ApiErrorBody),
    )
)]
async fn export_entries(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<EntriesExportQuery>,
) -> Result<Response, ApiError> {
    let reason = export_reason(q.reason.as_deref())?;
    let period = Period::from_query(q.from.as_deref(), q.to.as_deref(), state.zone)?;
    let kind = match q.kind.as_deref() {
        Some(k) => Some(
            RecordKind::from_code(k)
                .ok_or_else(|| bad("kind is not a record kind"))?
                .code(),
        ),
        None => None,
    };
    let members = scope(
        &state,
        &caller,
        q.officer_id.as_deref(),
        q.team.as_deref(),
        true,
    )
    .await?;
    log_access(
        &state,
        &caller,
        "export_entries",
        json!({"route": "/api/v1/export/entries.csv", "from": period.from.to_string(),
               "to": period.to.to_string(), "officer_id": q.officer_id, "team": q.team,
               "kind": kind}),
        Some(&reason),
    )
    .await?;
    let (start, end) = period.bounds();
    let body = Body::from_stream(entry_rows(
        state.db.clone(),
        officers_of(&members),
        kind,
        start,
        end,
        state.zone,
    ));
    Ok(csv_response(
        &format!("entries-{}-{}.csv", period.from, period.to),
        body,
    ))
}

/// The newest access log rows (tests and operators).
pub async fn recent_access(state: &AppState, limit: u32) -> Result<Vec<AccessRow>, DbError> {
    state.accounts.access_log(limit).await
}

#[cfg(test)]
mod same_as_before;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods() {
        let london = ForceZone::default();
        // October 2026: 1 October 00:00 BST to 1 November 00:00 GMT.
        let p = Period::from_query(Some("2026-10-01"), Some("2026-10-31"), london).unwrap();
        assert_eq!(p.bounds().0, "2026-09-30T23:00:00.000000Z");
        assert_eq!(p.bounds().1, "2026-11-01T00:00:00.000000Z");
        let utc: ForceZone = "UTC".parse().unwrap();
        let p = Period::from_query(Some("2026-10-01"), Some("2026-10-31"), utc).unwrap();
        assert_eq!(p.bounds().0, "2026-10-01T00:00:00.000000Z");
        assert!(Period::from_query(Some("2026-10-02"), Some("2026-10-01"), london).is_err());
        assert!(Period::from_query(Some("1 Oct"), None, london).is_err());
        let d = Period::from_query(None, None, london).unwrap();
        assert_eq!(d.from.day(), 1);
        assert!(d.to < london.today());
    }
}
