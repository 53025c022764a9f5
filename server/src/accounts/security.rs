//! Security events: sign-ins and their failures, sign-outs, revocations,
//! account changes and refused requests. Each is written to the
//! `security_events` table and logged (target `beatbook_server::accounts::security`)
//! with who, when and from where. Never a token or a password.
use chrono::{DateTime, Utc};
use std::net::IpAddr;

use crate::db::accounts::NewEvent;
use crate::db::Accounts;

/// Longest officer ID or device ID written (what was typed can be anything).
const MAX_FIELD: usize = 64;
const MAX_DETAIL: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    SignIn,
    SignInFailed,
    SignInThrottled,
    SignOut,
    /// A revoked session (or one of a disabled account) was used.
    RevokedSessionUsed,
    DeviceRevoked,
    UserCreated,
    UserDisabled,
    UserEnabled,
    PasswordReset,
    TeamCreated,
    /// Someone joined a team (a membership row opened).
    TeamJoined,
    /// Someone left a team (their membership row closed, kept).
    TeamLeft,
    PermissionDenied,
    /// An admin changed the force's settings (the detail says to what).
    ForceSettingsChanged,
}

impl EventKind {
    pub fn code(self) -> &'static str {
        match self {
            Self::SignIn => "sign_in",
            Self::SignInFailed => "sign_in_failed",
            Self::SignInThrottled => "sign_in_throttled",
            Self::SignOut => "sign_out",
            Self::RevokedSessionUsed => "revoked_session_used",
            Self::DeviceRevoked => "device_revoked",
            Self::UserCreated => "user_created",
            Self::UserDisabled => "user_disabled",
            Self::UserEnabled => "user_enabled",
            Self::PasswordReset => "password_reset",
            Self::TeamCreated => "team_created",
            Self::TeamJoined => "team_joined",
            Self::TeamLeft => "team_left",
            Self::PermissionDenied => "permission_denied",
            Self::ForceSettingsChanged => "force_settings_changed",
        }
    }
}

/// One event, its text fields already cleaned for the log.
#[derive(Debug, Clone)]
pub struct Event {
    pub at: DateTime<Utc>,
    pub kind: EventKind,
    pub officer_id: Option<String>,
    pub actor: Option<String>,
    pub client_ip: Option<String>,
    pub device_id: Option<String>,
    pub detail: String,
}

/// Printable, single-line and short: what was typed may be anything.
fn clean(text: &str, max: usize) -> String {
    text.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .take(max)
        .collect()
}

impl Event {
    pub fn new(kind: EventKind) -> Self {
        Self {
            at: Utc::now(),
            kind,
            officer_id: None,
            actor: None,
            client_ip: None,
            device_id: None,
            detail: String::new(),
        }
    }

    pub fn officer(mut self, officer_id: &str) -> Self {
        self.officer_id = Some(clean(officer_id, MAX_FIELD));
        self
    }

    pub fn actor(mut self, actor: &str) -> Self {
        self.actor = Some(clean(actor, MAX_FIELD));
        self
    }

    pub fn ip(mut self, ip: Option<IpAddr>) -> Self {
        self.client_ip = ip.map(|a| a.to_string());
        self
    }

    pub fn device(mut self, device_id: &str) -> Self {
        self.device_id = Some(clean(device_id, MAX_FIELD));
        self
    }

    pub fn detail(mut self, detail: &str) -> Self {
        self.detail = clean(detail, MAX_DETAIL);
        self
    }

    pub fn row(&self) -> NewEvent<'_> {
        NewEvent {
            at: self.at,
            kind: self.kind.code(),
            officer_id: self.officer_id.as_deref(),
            actor: self.actor.as_deref(),
            client_ip: self.client_ip.as_deref(),
            device_id: self.device_id.as_deref(),
            detail: &self.detail,
        }
    }

    /// Logs the event (call once it is written, or when writing failed).
    pub fn log(&self) {
        let dash = "-";
        tracing::info!(
            target: "beatbook_server::accounts::security",
            event = self.kind.code(),
            officer_id = self.officer_id.as_deref().unwrap_or(dash),
            actor = self.actor.as_deref().unwrap_or(dash),
            client_ip = self.client_ip.as_deref().unwrap_or(dash),
            device_id = self.device_id.as_deref().unwrap_or(dash),
            detail = %self.detail,
            at = %crate::db::format_time(self.at),
            "security event"
        );
    }

    /// Writes and logs the event on its own. A failed write is logged, not
    /// returned: the request it belongs to has been decided already.
    pub async fn record(self, accounts: &Accounts) {
        if let Err(e) = accounts.record_event(&self.row()).await {
            tracing::error!(error = %e, event = self.kind.code(), "could not write a security event");
        }
        self.log();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_text_is_cleaned() {
        let e = Event::new(EventKind::SignInFailed)
            .officer(&format!("pc\n1{}", "x".repeat(100)))
            .device("dev\u{1b}[2J");
        assert_eq!(e.officer_id.as_deref().map(str::len), Some(64));
        assert!(e
            .officer_id
            .as_deref()
            .is_some_and(|o| o.starts_with("pc?1")));
        assert_eq!(e.device_id.as_deref(), Some("dev?[2J"));
    }
}
