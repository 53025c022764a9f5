//! The review API (`/api/v1/shifts`, `/api/v1/return`, exports), typed with
//! `beatbook_core::review`.
use super::use_ctx;
use leptos::prelude::*;
use serde::de::DeserializeOwned;
use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq)]
pub enum ApiError {
    #[error("No connection to the server: the review screens need a signal")]
    Offline,
    #[error("The server took too long to answer")]
    Timeout,
    #[error("Your session has ended: lock the app and sign in again")]
    SignedOut,
    #[error("You may not see this (only the supervisor of the officer's team can)")]
    Forbidden,
    #[error("Not found")]
    NotFound,
    /// The server's own words (a 400: a filter or comment it refused).
    #[error("{0}")]
    Refused(String),
    #[error("The server could not answer ({0})")]
    Server(u16),
    #[error("The server's answer could not be read")]
    BadAnswer,
}

impl From<crate::http::HttpError> for ApiError {
    fn from(e: crate::http::HttpError) -> Self {
        match e {
            crate::http::HttpError::Network => Self::Offline,
            crate::http::HttpError::Timeout => Self::Timeout,
        }
    }
}

/// The `message` of the server's JSON error body, if it has one.
fn server_message(text: &str) -> Option<String> {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()?
        .get("message")?
        .as_str()
        .map(str::to_owned)
}

fn check(status: u16, text: String) -> Result<String, ApiError> {
    match status {
        200..=299 => Ok(text),
        400 | 422 => Err(ApiError::Refused(
            server_message(&text).unwrap_or_else(|| format!("The server refused ({status})")),
        )),
        401 => Err(ApiError::SignedOut),
        403 => Err(ApiError::Forbidden),
        404 => Err(ApiError::NotFound),
        _ => Err(ApiError::Server(status)),
    }
}

/// GETs `path_and_query` and returns the body as text (CSV exports).
pub async fn get_text(path_and_query: &str) -> Result<String, ApiError> {
    let token = use_ctx().token.get_value();
    let (status, text) = crate::http::get(path_and_query, Some(&token)).await?;
    check(status, text)
}

/// GETs `path_and_query` and decodes the JSON answer.
pub async fn get_json<T: DeserializeOwned>(path_and_query: &str) -> Result<T, ApiError> {
    let text = get_text(path_and_query).await?;
    serde_json::from_str(&text).map_err(|_| ApiError::BadAnswer)
}

/// POSTs `body` as JSON and decodes the JSON answer.
pub async fn post_json<B: serde::Serialize, T: DeserializeOwned>(
    path: &str,
    body: &B,
) -> Result<T, ApiError> {
    let token = use_ctx().token.get_value();
    let body = serde_json::to_string(body).map_err(|_| ApiError::BadAnswer)?;
    let (status, text) = crate::http::post_json(path, &body, Some(&token)).await?;
    serde_json::from_str(&check(status, text)?).map_err(|_| ApiError::BadAnswer)
}

/// A query string from `(name, value)` pairs, leaving out empty values.
pub fn query(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (name, value) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
        out.push(if out.is_empty() { '?' } else { '&' });
        out.push_str(name);
        out.push('=');
        out.push_str(&String::from(js_sys::encode_uri_component(value)));
    }
    out
}
