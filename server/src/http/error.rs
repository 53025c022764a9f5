//! Errors an API request can end in. Every one answers with a JSON
//! [`ApiErrorBody`] (never axum's plain-text rejections), so the app can show
//! the officer something useful and decide whether a retry can help.
use axum::http::header::{HeaderValue, RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use beatbook_core::api::ErrorCode;
use beatbook_core::sync::{ApiErrorBody, MAX_CHANGES_PER_PUSH, MAX_PUSH_BYTES, PROTOCOL_VERSION};
use thiserror::Error;

use crate::db::DbError;

#[derive(Debug, Error)]
pub enum ApiError {
    #[error(
        "this app speaks sync protocol version {app}, the server speaks version {server}; reload the app to update"
    )]
    UnsupportedProtocol { app: u32, server: u32 },
    #[error("the request body is larger than this route takes (a push: {max} bytes; send fewer changes per push)", max = MAX_PUSH_BYTES)]
    PayloadTooLarge,
    #[error("{count} changes in one push; at most {max} are accepted", max = MAX_CHANGES_PER_PUSH)]
    TooManyChanges { count: usize },
    #[error("the body is not valid JSON: {0}")]
    MalformedJson(String),
    #[error("the request is not a valid push: {0}")]
    BadPush(String),
    #[error("send the body as application/json")]
    UnsupportedMediaType,
    #[error("bad query parameters: {0}")]
    BadQuery(String),
    #[error("could not read the request body: {0}")]
    BadBody(String),
    #[error("the request body took too long to arrive; send it again")]
    BodyTimeout,
    #[error("no such API endpoint")]
    NotFound,
    #[error("No such shift")]
    ShiftNotFound,
    /// Also the answer to someone outside the referral's team, so it says
    /// nothing of whether the referral exists.
    #[error("No such Immediate Justice referral")]
    ReferralNotFound,
    #[error("This follow-up ID is already taken by a different follow-up; nothing was changed")]
    FollowUpConflict,
    #[error("No return has been submitted for this period (or no such revision)")]
    ReturnNotSubmitted,
    #[error("this endpoint does not accept that method")]
    MethodNotAllowed,
    #[error("the server is shutting down; try again shortly")]
    Unavailable,
    #[error("the server could not store the data; nothing was acknowledged, try again later")]
    Storage(DbError),
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("Officer ID or password not recognised")]
    SignInFailed,
    #[error("Too many failed sign-ins; try again in {} minute(s)", retry_after_s.div_ceil(60))]
    TooManyAttempts { retry_after_s: u64 },
    #[error("Sign in to continue")]
    NotSignedIn,
    #[error("Your session has ended; sign in again")]
    SessionExpired,
    #[error("This device has been signed out; sign in again")]
    SessionRevoked,
    #[error("You do not have access to this")]
    Forbidden,
    #[error("This is your own shift: another supervisor of the team signs it off")]
    OwnShift,
    #[error("This push names another device than the one signed in; sign in again on this device")]
    DeviceMismatch,
    #[error("the server could not complete the request; try again later")]
    Internal(String),
    #[error("The server is busy; try again in a few seconds")]
    Busy { retry_after_s: u64 },
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::UnsupportedProtocol { .. }
            | Self::MalformedJson(_)
            | Self::BadPush(_)
            | Self::BadQuery(_)
            | Self::BadBody(_)
            | Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::SignInFailed
            | Self::NotSignedIn
            | Self::SessionExpired
            | Self::SessionRevoked => StatusCode::UNAUTHORIZED,
            Self::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Forbidden | Self::OwnShift | Self::DeviceMismatch => StatusCode::FORBIDDEN,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::PayloadTooLarge | Self::TooManyChanges { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::NotFound
            | Self::ShiftNotFound
            | Self::ReferralNotFound
            | Self::ReturnNotSubmitted => StatusCode::NOT_FOUND,
            Self::FollowUpConflict => StatusCode::CONFLICT,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Unavailable | Self::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Storage(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::BodyTimeout => StatusCode::REQUEST_TIMEOUT,
        }
    }

    /// A stable machine-readable code for [`ApiErrorBody::error`]: core's
    /// enum, the one the apps read.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::UnsupportedProtocol { .. } => ErrorCode::UnsupportedProtocol,
            Self::PayloadTooLarge => ErrorCode::PayloadTooLarge,
            Self::TooManyChanges { .. } => ErrorCode::TooManyChanges,
            Self::MalformedJson(_) => ErrorCode::MalformedJson,
            Self::BadPush(_) | Self::BadRequest(_) => ErrorCode::BadRequest,
            Self::UnsupportedMediaType => ErrorCode::UnsupportedMediaType,
            Self::BadQuery(_) => ErrorCode::BadQuery,
            Self::BadBody(_) => ErrorCode::BadBody,
            Self::BodyTimeout => ErrorCode::RequestTimeout,
            Self::NotFound
            | Self::ShiftNotFound
            | Self::ReferralNotFound
            | Self::ReturnNotSubmitted => ErrorCode::NotFound,
            Self::FollowUpConflict => ErrorCode::Conflict,
            Self::MethodNotAllowed => ErrorCode::MethodNotAllowed,
            Self::Unavailable | Self::Busy { .. } => ErrorCode::Unavailable,
            Self::Storage(_) => ErrorCode::StorageError,
            Self::SignInFailed => ErrorCode::SignInFailed,
            Self::TooManyAttempts { .. } => ErrorCode::TooManyAttempts,
            Self::NotSignedIn => ErrorCode::NotSignedIn,
            Self::SessionExpired => ErrorCode::SessionExpired,
            Self::SessionRevoked => ErrorCode::SessionRevoked,
            Self::Forbidden => ErrorCode::Forbidden,
            Self::OwnShift => ErrorCode::OwnShift,
            Self::DeviceMismatch => ErrorCode::DeviceMismatch,
            Self::Internal(_) => ErrorCode::InternalError,
        }
    }

    pub fn unsupported_protocol(app: u32) -> Self {
        Self::UnsupportedProtocol {
            app,
            server: PROTOCOL_VERSION,
        }
    }

    pub fn body(&self) -> ApiErrorBody {
        ApiErrorBody {
            error: self.code().as_str().to_owned(),
            message: self.to_string(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            // The detail stays in the log (it never holds request data); the
            // client only needs to know that a retry later is the answer.
            Self::Storage(e) => tracing::error!(error = %e, "storage failure"),
            Self::Internal(e) => tracing::error!(error = %e, "internal failure"),
            _ => {}
        }
        let mut response = (self.status(), Json(self.body())).into_response();
        let headers = response.headers_mut();
        match &self {
            Self::NotSignedIn | Self::SignInFailed => {
                headers.insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            Self::SessionExpired | Self::SessionRevoked => {
                headers.insert(
                    WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer error=\"invalid_token\""),
                );
            }
            Self::TooManyAttempts { retry_after_s } | Self::Busy { retry_after_s } => {
                headers.insert(RETRY_AFTER, HeaderValue::from(*retry_after_s));
            }
            _ => {}
        }
        response
    }
}

impl From<DbError> for ApiError {
    /// A busy database is a 503 with `Retry-After` (the app retries it as
    /// it retries a busy server); any other failure is a storage error.
    fn from(e: DbError) -> Self {
        if e.is_busy() {
            tracing::warn!(error = %e, "database busy");
            Self::Busy {
                retry_after_s: BUSY_DB_RETRY_AFTER_S,
            }
        } else {
            Self::Storage(e)
        }
    }
}

/// `Retry-After` when the database was busy: pools and locks free up in
/// well under a second.
const BUSY_DB_RETRY_AFTER_S: u64 = 1;

pub async fn not_found() -> ApiError {
    ApiError::NotFound
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
