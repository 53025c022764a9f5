//! The API's error codes: the `error` of every [`ApiErrorBody`] the server
//! sends, as one enum the server writes and the apps read, so a code cannot
//! be spelt one way on one side and another way on the other.
//!
//! [`ApiErrorBody`]: crate::sync::ApiErrorBody
use crate::auth::codes;

/// A stable machine-readable code of an error answer. A code this build does
/// not know (a newer server) is kept as [`ErrorCode::Other`], never an error:
/// the status and the message still say what happened.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// The app's sync protocol version is not the server's (400).
    UnsupportedProtocol,
    /// The body is larger than the server accepts (413).
    PayloadTooLarge,
    /// More changes in one push than the server accepts (413).
    TooManyChanges,
    /// The body is not JSON (400).
    MalformedJson,
    /// The request is not one the route accepts (400).
    BadRequest,
    /// The body is not `application/json` (415).
    UnsupportedMediaType,
    /// A query parameter the server refused (400).
    BadQuery,
    /// The body could not be read (400).
    BadBody,
    /// The body took too long to arrive (408).
    RequestTimeout,
    /// No such route, or no such shift the caller may see (404).
    NotFound,
    /// The route does not take that method (405).
    MethodNotAllowed,
    /// Busy or shutting down; see `Retry-After` (503).
    Unavailable,
    /// The server could not store the data; nothing was acknowledged (500).
    StorageError,
    /// [`codes::SIGN_IN_FAILED`] (401 from sign-in).
    SignInFailed,
    /// [`codes::TOO_MANY_ATTEMPTS`] (429, with `Retry-After`).
    TooManyAttempts,
    /// [`codes::NOT_SIGNED_IN`] (401).
    NotSignedIn,
    /// [`codes::SESSION_EXPIRED`] (401).
    SessionExpired,
    /// [`codes::SESSION_REVOKED`] (401).
    SessionRevoked,
    /// [`codes::FORBIDDEN`] (403).
    Forbidden,
    /// [`codes::DEVICE_MISMATCH`] (403 from a push).
    DeviceMismatch,
    /// A supervisor's decision on their own shift (403): another supervisor
    /// of the team decides it.
    OwnShift,
    /// Anything else that went wrong at the server (500).
    InternalError,
    /// The ID is already the server's for something else (409): a resend
    /// that changed what it says is never stored over the first.
    Conflict,
    /// A code this build does not know, as the server wrote it (empty when
    /// the answer carried no readable error body, e.g. a proxy's own page).
    Other(String),
}

/// Writes [`ErrorCode::KNOWN`] and [`ErrorCode::as_str`] from one list;
/// [`ErrorCode::parse`] reads through them, so the two directions cannot
/// drift.
macro_rules! error_codes {
    ($($variant:ident => $code:literal,)+) => {
        impl ErrorCode {
            /// Every known code.
            pub const KNOWN: &'static [ErrorCode] = &[$(Self::$variant),+];

            /// The code as it is written in [`crate::sync::ApiErrorBody::error`].
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $code,)+
                    Self::Other(code) => code,
                }
            }
        }
    };
}

error_codes! {
    UnsupportedProtocol => "unsupported_protocol",
    PayloadTooLarge => "payload_too_large",
    TooManyChanges => "too_many_changes",
    MalformedJson => "malformed_json",
    BadRequest => "bad_request",
    UnsupportedMediaType => "unsupported_media_type",
    BadQuery => "bad_query",
    BadBody => "bad_body",
    RequestTimeout => "request_timeout",
    NotFound => "not_found",
    MethodNotAllowed => "method_not_allowed",
    Unavailable => "unavailable",
    StorageError => "storage_error",
    SignInFailed => "sign_in_failed",
    TooManyAttempts => "too_many_attempts",
    NotSignedIn => "not_signed_in",
    SessionExpired => "session_expired",
    SessionRevoked => "session_revoked",
    Forbidden => "forbidden",
    DeviceMismatch => "device_mismatch",
    OwnShift => "own_shift",
    InternalError => "internal_error",
    Conflict => "conflict",
}

impl ErrorCode {
    /// Reads a code; unknown ones become [`ErrorCode::Other`]. A search of
    /// [`ErrorCode::KNOWN`]: smaller in the download than a match on text.
    pub fn parse(code: &str) -> Self {
        Self::KNOWN
            .iter()
            .find(|known| known.as_str() == code)
            .cloned()
            .unwrap_or_else(|| Self::Other(code.to_owned()))
    }

    /// Whether this code means "the session is gone: sign in again"
    /// ([`codes::needs_sign_in`], the one rule for it).
    pub fn needs_sign_in(&self) -> bool {
        codes::needs_sign_in(self.as_str())
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_code_reads_back_as_itself_and_unknown_ones_are_kept() {
        let mut seen = std::collections::HashSet::new();
        assert_eq!(ErrorCode::KNOWN.len(), 23);
        for code in ErrorCode::KNOWN {
            assert!(seen.insert(code.as_str().to_owned()), "{code} twice");
            assert_eq!(&ErrorCode::parse(code.as_str()), code);
        }
        assert_eq!(
            ErrorCode::parse("teapot"),
            ErrorCode::Other("teapot".into())
        );
        assert_eq!(ErrorCode::parse(""), ErrorCode::Other(String::new()));
    }

    #[test]
    fn the_sign_in_codes_are_the_ones_auth_names() {
        for (code, named) in [
            (ErrorCode::SignInFailed, codes::SIGN_IN_FAILED),
            (ErrorCode::TooManyAttempts, codes::TOO_MANY_ATTEMPTS),
            (ErrorCode::NotSignedIn, codes::NOT_SIGNED_IN),
            (ErrorCode::SessionExpired, codes::SESSION_EXPIRED),
            (ErrorCode::SessionRevoked, codes::SESSION_REVOKED),
            (ErrorCode::Forbidden, codes::FORBIDDEN),
            (ErrorCode::DeviceMismatch, codes::DEVICE_MISMATCH),
        ] {
            assert_eq!(code.as_str(), named);
        }
    }

    #[test]
    fn only_the_session_codes_need_a_sign_in() {
        let needing: Vec<_> = ErrorCode::KNOWN
            .iter()
            .filter(|c| c.needs_sign_in())
            .cloned()
            .collect();
        assert_eq!(
            needing,
            [
                ErrorCode::NotSignedIn,
                ErrorCode::SessionExpired,
                ErrorCode::SessionRevoked
            ]
        );
        assert!(!ErrorCode::Other("session_gone".into()).needs_sign_in());
    }
}
