//! One way to talk to the server: JSON over fetch, with a timeout.
use thiserror::Error;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// How long one request may take before it is abandoned and retried.
const TIMEOUT_MS: i32 = 30_000;

#[derive(Debug, Error, Clone, Copy, PartialEq)]
pub enum HttpError {
    #[error("No connection to the server")]
    Network,
    #[error("The server took too long to answer")]
    Timeout,
}

/// POSTs JSON and returns the status and body text.
pub async fn post_json(
    path: &str,
    body: &str,
    token: Option<&str>,
) -> Result<(u16, String), HttpError> {
    request(path, Some(body), token).await
}

/// GETs `path` (with its query) and returns the status and body text.
pub async fn get(path: &str, token: Option<&str>) -> Result<(u16, String), HttpError> {
    request(path, None, token).await
}

/// A POST with a JSON body, or a GET without one (boxed: see `idb::Boxed`).
fn request<'a>(
    path: &'a str,
    body: Option<&'a str>,
    token: Option<&'a str>,
) -> crate::idb::Boxed<'a, Result<(u16, String), HttpError>> {
    Box::pin(request_now(path, body, token))
}

async fn request_now(
    path: &str,
    body: Option<&str>,
    token: Option<&str>,
) -> Result<(u16, String), HttpError> {
    let window = web_sys::window().ok_or(HttpError::Network)?;
    let controller = web_sys::AbortController::new().map_err(|_| HttpError::Network)?;
    let init = web_sys::RequestInit::new();
    init.set_signal(Some(&controller.signal()));
    let headers = web_sys::Headers::new().map_err(|_| HttpError::Network)?;
    if let Some(body) = body {
        init.set_method("POST");
        init.set_body(&body.into());
        let _ = headers.set("content-type", "application/json");
    }
    if let Some(token) = token {
        // Only ever in a header: tokens never go in URLs.
        let _ = headers.set("authorization", &format!("Bearer {token}"));
    }
    init.set_headers(&headers);
    let request =
        web_sys::Request::new_with_str_and_init(path, &init).map_err(|_| HttpError::Network)?;
    let abort = controller.clone();
    let timer = window
        .set_timeout_with_callback_and_timeout_and_arguments_0(
            wasm_bindgen::closure::Closure::once_into_js(move || abort.abort()).unchecked_ref(),
            TIMEOUT_MS,
        )
        .ok();
    let sent_ms = js_sys::Date::now();
    let result = JsFuture::from(window.fetch_with_request(&request)).await;
    let outcome = match result {
        Err(_) if controller.signal().aborted() => Err(HttpError::Timeout),
        Err(_) => Err(HttpError::Network),
        Ok(value) => {
            let response: web_sys::Response = value.unchecked_into();
            let status = response.status();
            if let Ok(Some(date)) = response.headers().get("date") {
                crate::platform::observe_server_date(&date, sent_ms, js_sys::Date::now());
            }
            let text = match response.text() {
                Ok(p) => JsFuture::from(p).await.ok().and_then(|t| t.as_string()),
                Err(_) => None,
            };
            match text {
                Some(text) => Ok((status, text)),
                None if controller.signal().aborted() => Err(HttpError::Timeout),
                None => Err(HttpError::Network),
            }
        }
    };
    if let Some(timer) = timer {
        window.clear_timeout_with_handle(timer);
    }
    outcome
}
