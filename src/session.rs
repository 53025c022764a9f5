//! The device session: signing in online, keeping the token sealed with the
//! PIN's key, and signing out.
use crate::storage;
use beatbook_client::ApiError;
use beatbook_core::auth::SignInRequest;
use thiserror::Error;

/// What the app keeps of a sign-in answer (only the fields it uses; sealed
/// with the PIN's key). In core, where the client reads it.
pub use beatbook_core::auth::{Session, SessionUser as User};

#[derive(Debug, Error)]
pub enum SignInError {
    #[error("No connection: signing in needs a signal (recording does not)")]
    Offline,
    #[error("Signed in as {0}: this phone holds another officer's unsynced entries")]
    OtherOfficer(String),
    /// The server's own words for a refusal (a wrong password, too many
    /// attempts), or what else went wrong.
    #[error("{0}")]
    Api(ApiError),
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
    let request = SignInRequest {
        officer_id: officer_id.to_owned(),
        password: password.to_owned(),
        device_id: device_id(),
    };
    beatbook_client::sign_in(&request)
        .await
        .map_err(|e| match e {
            ApiError::Offline => SignInError::Offline,
            e => SignInError::Api(e),
        })
}

/// Ends the session on the server; best effort (the local purge follows
/// anyway, and a session already ended there is what sign-out wants).
pub async fn sign_out(token: &str) {
    let _ = beatbook_client::sign_out(token).await;
}
