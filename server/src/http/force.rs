//! `GET /api/v1/force` (every signed-in user: the app keeps it for offline
//! use) and `POST /api/v1/force` (admins only): the force's settings
//! ([`beatbook_core::force`]). The command line sets them too
//! (`beatbook-server force set`, [`crate::accounts::admin::force`]).
use crate::accounts::security::{Event, EventKind};
use crate::accounts::{deny, Caller};
use crate::db::Accounts;
use crate::db::DbError;
use crate::http::error::ApiError;
use crate::http::extract::JsonBody;
use crate::http::state::AppState;
use crate::zone::ForceZone;
use axum::extract::State;
use axum::Json;
use beatbook_core::auth::Role;
use beatbook_core::force::{ForceDocument, ForceSettings};
use beatbook_core::sync::ApiErrorBody;

/// The document as served: the stored settings (or the defaults) and the
/// zone the server counts days in.
pub async fn document(accounts: &Accounts, zone: &ForceZone) -> Result<ForceDocument, DbError> {
    let stored = accounts.force_settings().await?;
    let (settings, updated_at) = match stored {
        Some(s) => (s.settings, Some(s.updated_at)),
        None => (ForceSettings::default(), None),
    };
    Ok(ForceDocument {
        settings,
        time_zone: zone.name().to_owned(),
        updated_at,
    })
}

/// What changed, for the security event: `lock_minutes 10 -> 5`.
pub fn changes(before: &ForceSettings, after: &ForceSettings) -> String {
    let out: Vec<String> = before
        .named_values()
        .into_iter()
        .zip(after.named_values())
        .filter(|((_, a), (_, b))| a != b)
        .map(|((name, a), (_, b))| format!("{name} {a} -> {b}"))
        .collect();
    if out.is_empty() {
        "no change".into()
    } else {
        out.join(", ")
    }
}

/// A settings body: each field present, of its type, in range.
fn parse(bytes: &[u8]) -> Result<ForceSettings, ApiError> {
    let settings: ForceSettings = serde_json::from_slice(bytes).map_err(|_| {
        ApiError::BadRequest(
            "send {\"lock_minutes\": number, \"retention_days\": number, \"stop_and_account\": boolean, \"long_patrol_minutes\": number (optional), \"hotspots\": [{\"id\", \"name\", \"area\", \"centre\": {\"lat\", \"lon\"} (optional), \"radius_m\" (optional), \"retired\" (optional)}] (optional)}"
                .into(),
        )
    })?;
    settings.check().map_err(|errors| bad_fields(&errors))?;
    Ok(settings)
}

/// Every problem, each with its field: `hotspots[2].id: ...; lock_minutes: ...`.
fn bad_fields(errors: &[beatbook_core::FieldError]) -> ApiError {
    ApiError::BadRequest(
        errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; "),
    )
}

/// `GET /api/v1/force`.
#[utoipa::path(
    get,
    path = "/api/v1/force",
    tag = "force",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The force's settings (the defaults until an admin sets them)", body = ForceDocument),
        (status = 401, description = "Not signed in, or the session ended or was revoked", body = ApiErrorBody),
    )
)]
pub async fn get_force(
    State(state): State<AppState>,
    _caller: Caller,
) -> Result<Json<ForceDocument>, ApiError> {
    Ok(Json(document(&state.accounts, &state.zone).await?))
}

/// `POST /api/v1/force`: admins only; every change is a security event.
#[utoipa::path(
    post,
    path = "/api/v1/force",
    tag = "force",
    security(("bearer" = [])),
    request_body = ForceSettings,
    responses(
        (status = 200, description = "Stored; the settings as now served", body = ForceDocument),
        (status = 400, description = "A field missing, of the wrong type or out of range (named)", body = ApiErrorBody),
        (status = 401, description = "Not signed in, or the session ended or was revoked", body = ApiErrorBody),
        (status = 403, description = "Not an admin", body = ApiErrorBody),
        (status = 413, description = "The body is larger than 256 KiB", body = ApiErrorBody),
        (status = 415, description = "The body is not application/json", body = ApiErrorBody),
    )
)]
pub async fn set_force(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(bytes): JsonBody,
) -> Result<Json<ForceDocument>, ApiError> {
    if caller.role != Role::Admin {
        return Err(deny(&state, &caller, "force settings changed by a non-admin").await);
    }
    let settings = parse(&bytes)?;
    let before = document(&state.accounts, &state.zone).await?.settings;
    settings
        .check_change(&before)
        .map_err(|errors| bad_fields(&errors))?;
    let event = caller
        .event(EventKind::ForceSettingsChanged)
        .actor(&caller.officer_id)
        .detail(&changes(&before, &settings));
    state
        .accounts
        .set_force_settings(&settings, &event.row())
        .await?;
    event.log();
    Ok(Json(document(&state.accounts, &state.zone).await?))
}

/// Logs a change made on the command line.
pub fn cli_event(actor: &str, before: &ForceSettings, after: &ForceSettings) -> Event {
    Event::new(EventKind::ForceSettingsChanged)
        .actor(actor)
        .detail(&changes(before, after))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_is_described_field_by_field() {
        let before = ForceSettings::default();
        let after = ForceSettings {
            lock_minutes: 5,
            stop_and_account: false,
            ..before.clone()
        };
        assert_eq!(
            changes(&before, &after),
            "lock_minutes 10 -> 5, stop_and_account true -> false"
        );
        assert_eq!(changes(&before, &before), "no change");
    }

    #[test]
    fn bodies_are_refused_with_what_is_wrong() {
        let msg = |body: &str| match parse(body.as_bytes()) {
            Err(ApiError::BadRequest(m)) => m,
            other => panic!("{other:?}"),
        };
        assert!(msg("{}").starts_with("send {"));
        assert!(
            msg(r#"{"lock_minutes":"5","retention_days":7,"stop_and_account":true}"#)
                .starts_with("send {")
        );
        assert_eq!(
            msg(r#"{"lock_minutes":0,"retention_days":7,"stop_and_account":true}"#),
            "lock_minutes: Must be between 1 and 60"
        );
        assert!(
            parse(br#"{"lock_minutes":5,"retention_days":7,"stop_and_account":false}"#).is_ok()
        );
    }
}
