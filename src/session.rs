//! The device session: signing in online, keeping the token sealed with the
//! PIN's key, and signing out.
use crate::storage;
use thiserror::Error;

use beatbook_core::auth::{SignInRequest, SIGN_IN_PATH, SIGN_OUT_PATH};
use beatbook_core::time::Time;
use serde::Serialize;

/// What the app keeps of a sign-in answer (`core::auth::SignInResponse`):
/// only the fields it uses, so the team decoder stays out of the officer's
/// download. Unknown fields are skipped.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Session {
    pub token: String,
    #[serde(serialize_with = "beatbook_core::time::rfc3339::serialize")]
    pub expires_at: chrono::DateTime<chrono::Utc>,
    pub user: User,
}

// Decoders from `decode_struct!`: a derived one costs the download more.
beatbook_core::decode_struct!(Session { token, expires_at as Time, user });

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    pub officer_id: String,
    pub display_name: String,
    /// `officer`, `supervisor` or `admin` (`core::auth::Role`'s codes). Kept
    /// as text: a session sealed before roles were kept reads as "".
    pub role: String,
}

beatbook_core::decode_struct!(User {
    officer_id,
    display_name,
    role = default,
});

impl User {
    pub fn is_supervisor(&self) -> bool {
        self.role == "supervisor"
    }

    pub fn is_officer(&self) -> bool {
        self.role == "officer"
    }
}

#[derive(Debug, Error)]
pub enum SignInError {
    #[error("Officer ID or password not recognised")]
    Refused,
    #[error("Too many attempts: wait a few minutes and try again")]
    TooMany,
    #[error("No connection: signing in needs a signal (recording does not)")]
    Offline,
    #[error("Signed in as {0}: this phone holds another officer's unsynced entries")]
    OtherOfficer(String),
    #[error("The server could not sign you in ({0})")]
    Server(u16),
}

/// This device's ID, made once and kept (it names the session on the server).
pub fn device_id() -> String {
    if let Some(id) = storage::get::<String>(storage::DEVICE_KEY) {
        return id;
    }
    let id = crate::platform::new_entry_id().to_string();
    let kept = id.clone();
    leptos::task::spawn_local(async move {
        let _ = storage::set_durable(storage::DEVICE_KEY, &kept).await;
    });
    id
}

pub async fn sign_in(officer_id: &str, password: &str) -> Result<Session, SignInError> {
    let body = serde_json::to_string(&SignInRequest {
        officer_id: officer_id.to_owned(),
        password: password.to_owned(),
        device_id: device_id(),
    })
    .map_err(|_| SignInError::Server(0))?;
    let (status, text) = crate::http::post_json(SIGN_IN_PATH, &body, None)
        .await
        .map_err(|_| SignInError::Offline)?;
    match status {
        200 => serde_json::from_str(&text).map_err(|_| SignInError::Server(status)),
        401 | 403 => Err(SignInError::Refused),
        429 => Err(SignInError::TooMany),
        _ => Err(SignInError::Server(status)),
    }
}

/// Ends the session on the server; best effort (the local purge follows anyway).
pub async fn sign_out(token: &str) {
    let _ = crate::http::post_json(SIGN_OUT_PATH, "{}", Some(token)).await;
}
