//! The client's one error type, and how an answer (status, `Retry-After`,
//! body) becomes a typed result or that error. Plain Rust: tested natively.
use beatbook_core::api::ErrorCode;
use beatbook_core::sync::ApiErrorBody;
use serde::de::DeserializeOwned;
use thiserror::Error;

/// Why a call did not give its answer.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ApiError {
    /// No network (or the browser refused to send).
    #[error("No connection to the server")]
    Offline,
    /// Abandoned after [`crate::TIMEOUT_MS`].
    #[error("The server took too long to answer")]
    TimedOut,
    /// The server answered with an error status.
    #[error("{0}")]
    Refused(Refusal),
    /// A success status whose body is not the answer the route promises.
    #[error("The server's answer could not be read")]
    Unreadable,
    /// The request itself could not be written as JSON (never expected of
    /// core's types; kept apart so it is not mistaken for the server's fault).
    #[error("The request could not be written")]
    Unsendable,
}

/// An error answer from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    /// The body's `error`; [`ErrorCode::Other`] with an empty code when the
    /// body was not an error body (a proxy's page, an empty answer).
    pub code: ErrorCode,
    /// The body's `message`, in words for a person (may be empty, as above).
    pub message: String,
    /// `Retry-After` in seconds, when the server gave one (429, 503).
    pub retry_after_s: Option<u64>,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.status, self.message.is_empty()) {
            (500.., true) => write!(f, "The server had a problem ({})", self.status),
            (500.., false) => write!(
                f,
                "The server had a problem ({}): {}",
                self.status, self.message
            ),
            (_, true) => write!(f, "The server refused ({})", self.status),
            (_, false) => f.write_str(&self.message),
        }
    }
}

impl ApiError {
    /// The session is gone (ended, revoked, unknown): ask the officer to
    /// sign in again. Decided by the code alone ([`ErrorCode::needs_sign_in`]),
    /// so a wrong password (401 `sign_in_failed`) is not mistaken for it.
    pub fn needs_sign_in(&self) -> bool {
        self.code().is_some_and(ErrorCode::needs_sign_in)
    }

    /// The server's code, if the server refused.
    pub fn code(&self) -> Option<&ErrorCode> {
        match self {
            Self::Refused(r) => Some(&r.code),
            _ => None,
        }
    }

    /// How long the server asked to wait before trying again, if it did.
    pub fn retry_after_s(&self) -> Option<u64> {
        match self {
            Self::Refused(r) => r.retry_after_s,
            _ => None,
        }
    }
}

/// An answer as it came off the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    /// The `Retry-After` header, as written.
    pub retry_after: Option<String>,
    pub body: String,
}

impl Reply {
    /// The body if the status is a success; the refusal otherwise.
    pub fn text(self) -> Result<String, ApiError> {
        if (200..300).contains(&self.status) {
            return Ok(self.body);
        }
        let (code, message) = match beatbook_core::json::from_str::<ApiErrorBody>(&self.body) {
            Ok(body) => (ErrorCode::parse(&body.error), body.message),
            Err(_) => (ErrorCode::Other(String::new()), String::new()),
        };
        Err(ApiError::Refused(Refusal {
            status: self.status,
            code,
            message,
            retry_after_s: self
                .retry_after
                .as_deref()
                .and_then(|s| s.trim().parse().ok()),
        }))
    }

    /// The body decoded as `T` if the status is a success.
    pub fn json<T: DeserializeOwned>(self) -> Result<T, ApiError> {
        beatbook_core::json::from_str(&self.text()?).map_err(|_| ApiError::Unreadable)
    }

    /// Nothing to read but the status (`204 No Content`).
    pub fn empty(self) -> Result<(), ApiError> {
        self.text().map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use beatbook_core::sync::PushAnswers;

    fn reply(status: u16, retry_after: Option<&str>, body: &str) -> Reply {
        Reply {
            status,
            retry_after: retry_after.map(str::to_owned),
            body: body.to_owned(),
        }
    }

    fn refusal(e: ApiError) -> Refusal {
        match e {
            ApiError::Refused(r) => r,
            other => panic!("not a refusal: {other:?}"),
        }
    }

    #[test]
    fn a_success_is_decoded_as_the_route_promises() {
        let answers: PushAnswers = reply(
            200,
            None,
            r#"{"protocol":1,"server_time":"2026-01-01T00:00:00Z","results":[{"index":0,"outcome":"stored","received_at":"2026-01-01T00:00:00Z"}]}"#,
        )
        .json()
        .unwrap();
        assert_eq!(answers.results.len(), 1);
        assert_eq!(reply(204, None, "").empty(), Ok(()));
        assert_eq!(reply(200, None, "a,b\r\n").text().unwrap(), "a,b\r\n");
    }

    #[test]
    fn an_unreadable_success_is_unreadable() {
        for body in ["", "<html>", r#"{"results":"no"}"#, "{}"] {
            assert_eq!(
                reply(200, None, body).json::<PushAnswers>(),
                Err(ApiError::Unreadable),
                "{body}"
            );
        }
    }

    #[test]
    fn a_refusal_carries_status_code_and_message() {
        let r = refusal(
            reply(
                400,
                None,
                r#"{"error":"bad_query","message":"limit must be between 1 and 500"}"#,
            )
            .json::<PushAnswers>()
            .unwrap_err(),
        );
        assert_eq!(r.status, 400);
        assert_eq!(r.code, ErrorCode::BadQuery);
        assert_eq!(r.to_string(), "limit must be between 1 and 500");
    }

    #[test]
    fn an_unknown_code_is_kept_and_an_unreadable_error_body_still_refuses() {
        let e = reply(500, None, r#"{"error":"internal","message":"boom"}"#)
            .empty()
            .unwrap_err();
        assert_eq!(e.code(), Some(&ErrorCode::Other("internal".into())));
        assert_eq!(e.to_string(), "The server had a problem (500): boom");
        let e = reply(502, None, "<html>Bad gateway</html>")
            .empty()
            .unwrap_err();
        assert_eq!(e.code(), Some(&ErrorCode::Other(String::new())));
        assert_eq!(e.to_string(), "The server had a problem (502)");
        let e = reply(418, None, "{}").empty().unwrap_err();
        assert_eq!(e.to_string(), "The server refused (418)");
        assert!(!e.needs_sign_in());
    }

    #[test]
    fn an_ended_session_needs_a_sign_in_and_a_wrong_password_does_not() {
        for code in ["not_signed_in", "session_expired", "session_revoked"] {
            let body = format!(r#"{{"error":"{code}","message":"Sign in again"}}"#);
            assert!(reply(401, None, &body).empty().unwrap_err().needs_sign_in());
        }
        let wrong = reply(
            401,
            None,
            r#"{"error":"sign_in_failed","message":"Officer ID or password not recognised"}"#,
        )
        .empty()
        .unwrap_err();
        assert!(!wrong.needs_sign_in());
        assert_eq!(wrong.code(), Some(&ErrorCode::SignInFailed));
        assert_eq!(wrong.to_string(), "Officer ID or password not recognised");
        // A 401 without the server's body (a proxy) says nothing of the session.
        assert!(!reply(401, None, "").empty().unwrap_err().needs_sign_in());
        for other in [ApiError::Offline, ApiError::TimedOut, ApiError::Unreadable] {
            assert!(!other.needs_sign_in());
        }
    }

    #[test]
    fn retry_after_is_read_in_seconds_when_given() {
        let busy = reply(
            503,
            Some("5"),
            r#"{"error":"unavailable","message":"The server is busy; try again in a few seconds"}"#,
        )
        .empty()
        .unwrap_err();
        assert_eq!(busy.retry_after_s(), Some(5));
        assert_eq!(busy.code(), Some(&ErrorCode::Unavailable));
        let many = reply(
            429,
            Some(" 600 "),
            r#"{"error":"too_many_attempts","message":"Too many failed sign-ins; try again in 10 minute(s)"}"#,
        )
        .empty()
        .unwrap_err();
        assert_eq!(many.retry_after_s(), Some(600));
        assert_eq!(
            many.to_string(),
            "Too many failed sign-ins; try again in 10 minute(s)"
        );
        // An HTTP date or garbage is not a number of seconds: ignored.
        let dated = reply(503, Some("Wed, 21 Oct 2026 07:28:00 GMT"), "").empty();
        assert_eq!(dated.unwrap_err().retry_after_s(), None);
        assert_eq!(ApiError::Offline.retry_after_s(), None);
    }
}
