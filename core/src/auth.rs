//! Accounts and sessions as the app and the server both see them: the
//! sign-in request and answer, who the signed-in user is, and the error
//! codes that tell the app when to ask the officer to sign in again.
//!
//! The session token travels only in the `Authorization: Bearer <token>`
//! header, never in a URL, and the server keeps only its SHA-256.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub const SIGN_IN_PATH: &str = "/api/v1/auth/sign-in";
pub const SIGN_OUT_PATH: &str = "/api/v1/auth/sign-out";
pub const ME_PATH: &str = "/api/v1/me";

/// Longest officer ID (collar or warrant number) an account may have.
pub const MAX_OFFICER_ID: usize = 32;
/// Longest device ID a session may be bound to.
pub const MAX_DEVICE_ID: usize = 100;

/// `POST /api/v1/auth/sign-in`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignInRequest {
    pub officer_id: String,
    pub password: String,
    /// The device's own stable ID (the one it sends in every push); the
    /// session is bound to it and can be revoked for that device alone.
    pub device_id: String,
}

// Never print the password, not even in a debug log.
impl std::fmt::Debug for SignInRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInRequest")
            .field("officer_id", &self.officer_id)
            .field("password", &"<redacted>")
            .field("device_id", &self.device_id)
            .finish()
    }
}

/// 200 answer to a sign-in.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignInResponse {
    /// Send as `Authorization: Bearer <token>` with every API request.
    pub token: String,
    /// The session ends at this instant whatever happens (absolute lifetime).
    #[serde(with = "crate::time::rfc3339")]
    pub expires_at: DateTime<Utc>,
    pub user: UserInfo,
}

impl std::fmt::Debug for SignInResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInResponse")
            .field("token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field("user", &self.user)
            .finish()
    }
}

/// `GET /api/v1/me`: the signed-in user and when the session ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeResponse {
    #[serde(with = "crate::time::rfc3339")]
    pub expires_at: DateTime<Utc>,
    pub user: UserInfo,
}

/// What the app keeps of a [`SignInResponse`]: only the fields it uses, so
/// the team list's decoder stays out of the officer's download (unknown
/// fields are skipped). Sealed with the PIN's key on the phone: its encoding
/// is part of the storage format.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Session {
    pub token: String,
    #[serde(serialize_with = "crate::time::rfc3339::serialize")]
    pub expires_at: DateTime<Utc>,
    pub user: SessionUser,
}

// Decoders from `decode_struct!`: a derived one costs the download more.
crate::decode_struct!(Session { token, expires_at as crate::time::Time, user });

/// The app's reading of [`UserInfo`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionUser {
    pub officer_id: String,
    pub display_name: String,
    /// `officer`, `supervisor` or `admin` ([`Role`]'s codes). Kept as text:
    /// a session sealed before roles were kept reads as "".
    pub role: String,
}

crate::decode_struct!(SessionUser {
    officer_id,
    display_name,
    role = default,
});

impl SessionUser {
    pub fn is_supervisor(&self) -> bool {
        self.role == Role::Supervisor.code()
    }

    pub fn is_officer(&self) -> bool {
        self.role == Role::Officer.code()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserInfo {
    pub officer_id: String,
    pub display_name: String,
    pub role: Role,
    /// Teams the user belongs to (an officer) or supervises (a supervisor).
    pub teams: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Records their own entries; reads only their own.
    Officer,
    /// Records their own entries; reads those of the officers in the teams
    /// they supervise.
    Supervisor,
    /// Manages accounts; reads no logs.
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Officer, Role::Supervisor, Role::Admin];

    pub fn code(self) -> &'static str {
        match self {
            Self::Officer => "officer",
            Self::Supervisor => "supervisor",
            Self::Admin => "admin",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    /// Whether this role records entries (and so may push).
    pub fn records_entries(self) -> bool {
        matches!(self, Self::Officer | Self::Supervisor)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// The `error` codes of [`crate::sync::ApiErrorBody`] that concern signing in.
pub mod codes {
    /// 401 from sign-in: wrong officer ID, wrong password or a disabled
    /// account (the answer never says which).
    pub const SIGN_IN_FAILED: &str = "sign_in_failed";
    /// 429 from sign-in, with `Retry-After` (seconds): too many failures for
    /// this officer ID or from this address.
    pub const TOO_MANY_ATTEMPTS: &str = "too_many_attempts";
    /// 401: no `Authorization: Bearer` header, or a token the server does
    /// not know. Ask the officer to sign in.
    pub const NOT_SIGNED_IN: &str = "not_signed_in";
    /// 401: the session reached its absolute lifetime. Ask the officer to
    /// sign in again.
    pub const SESSION_EXPIRED: &str = "session_expired";
    /// 401: the session was ended on the server (signed out, this device
    /// revoked, the password reset or the account disabled). Ask the officer
    /// to sign in again.
    pub const SESSION_REVOKED: &str = "session_revoked";
    /// 403: signed in, but this role or officer may not do that. Signing in
    /// again will not help.
    pub const FORBIDDEN: &str = "forbidden";
    /// 403 from a push whose `device_id` is not the one the session was
    /// signed in on.
    pub const DEVICE_MISMATCH: &str = "device_mismatch";

    /// Whether an error code means "the session is gone: sign in again".
    pub fn needs_sign_in(code: &str) -> bool {
        matches!(code, NOT_SIGNED_IN | SESSION_EXPIRED | SESSION_REVOKED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_shapes() {
        let req: SignInRequest = serde_json::from_str(
            r#"{"officer_id":"PC1234","password":"secret words","device_id":"phone-7f3a"}"#,
        )
        .unwrap();
        assert_eq!(req.officer_id, "PC1234");
        assert!(!format!("{req:?}").contains("secret"));
        let res = SignInResponse {
            token: "tok".into(),
            expires_at: crate::time::parse("2026-11-27T20:00:00Z").unwrap(),
            user: UserInfo {
                officer_id: "PC1234".into(),
                display_name: "PC Jones".into(),
                role: Role::Supervisor,
                teams: vec!["North".into()],
            },
        };
        let json = serde_json::to_value(&res).unwrap();
        assert_eq!(json["user"]["role"], "supervisor");
        assert_eq!(json["expires_at"], "2026-11-27T20:00:00Z");
        assert!(!format!("{res:?}").contains("tok\""));
        let back: SignInResponse = serde_json::from_value(json).unwrap();
        assert_eq!(back, res);
    }

    #[test]
    fn the_app_reads_the_sign_in_answer_as_the_server_writes_it() {
        let res = SignInResponse {
            token: "tok".into(),
            expires_at: crate::time::parse("2026-11-27T20:00:00Z").unwrap(),
            user: UserInfo {
                officer_id: "PC1234".into(),
                display_name: "PC Jones".into(),
                role: Role::Officer,
                teams: vec!["North".into()],
            },
        };
        let session: Session = serde_json::from_str(&serde_json::to_string(&res).unwrap()).unwrap();
        assert_eq!(session.token, "tok");
        assert_eq!(session.expires_at, res.expires_at);
        assert_eq!(session.user.officer_id, "PC1234");
        assert!(session.user.is_officer() && !session.user.is_supervisor());
        // Sealed and read back (the storage format) without loss.
        let back: Session =
            serde_json::from_str(&serde_json::to_string(&session).unwrap()).unwrap();
        assert_eq!(back, session);
        // A session sealed before roles were kept.
        let old: Session = serde_json::from_str(
            r#"{"token":"t","expires_at":"2026-11-27T20:00:00Z","user":{"officer_id":"P","display_name":"D"}}"#,
        )
        .unwrap();
        assert_eq!(old.user.role, "");
    }

    #[test]
    fn roles_and_codes() {
        for r in Role::ALL {
            assert_eq!(Role::from_code(r.code()), Some(r));
        }
        assert_eq!(Role::from_code("root"), None);
        assert!(codes::needs_sign_in("session_expired"));
        assert!(codes::needs_sign_in("not_signed_in"));
        assert!(!codes::needs_sign_in("forbidden"));
    }
}
