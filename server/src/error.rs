//! Errors an API request can end in. Every one answers with a JSON
//! [`ApiErrorBody`] (never axum's plain-text rejections), so the app can show
//! the officer something useful and decide whether a retry can help.
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use beatbook_core::sync::{ApiErrorBody, MAX_CHANGES_PER_PUSH, MAX_PUSH_BYTES, PROTOCOL_VERSION};
use thiserror::Error;

use crate::db::DbError;

#[derive(Debug, Error)]
pub enum ApiError {
    #[error(
        "this app speaks sync protocol version {app}, the server speaks version {server}; reload the app to update"
    )]
    UnsupportedProtocol { app: u32, server: u32 },
    #[error("the request body is larger than {max} bytes; send fewer changes per push", max = MAX_PUSH_BYTES)]
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
    #[error("no such API endpoint")]
    NotFound,
    #[error("this endpoint does not accept that method")]
    MethodNotAllowed,
    #[error("the server is shutting down; try again shortly")]
    Unavailable,
    #[error("the server could not store the data; nothing was acknowledged, try again later")]
    Storage(#[from] DbError),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::UnsupportedProtocol { .. }
            | Self::MalformedJson(_)
            | Self::BadPush(_)
            | Self::BadQuery(_)
            | Self::BadBody(_) => StatusCode::BAD_REQUEST,
            Self::PayloadTooLarge | Self::TooManyChanges { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Storage(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A stable machine-readable code for [`ApiErrorBody::error`].
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnsupportedProtocol { .. } => "unsupported_protocol",
            Self::PayloadTooLarge => "payload_too_large",
            Self::TooManyChanges { .. } => "too_many_changes",
            Self::MalformedJson(_) => "malformed_json",
            Self::BadPush(_) => "bad_request",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::BadQuery(_) => "bad_query",
            Self::BadBody(_) => "bad_body",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Unavailable => "unavailable",
            Self::Storage(_) => "storage_error",
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
            error: self.code().to_owned(),
            message: self.to_string(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::Storage(e) = &self {
            // The detail stays in the log (it never holds request data); the
            // client only needs to know that a retry later is the answer.
            tracing::error!(error = %e, "storage failure");
        }
        (self.status(), Json(self.body())).into_response()
    }
}

pub async fn not_found() -> ApiError {
    ApiError::NotFound
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
