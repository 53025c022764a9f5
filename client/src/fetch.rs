//! The transport: one request over the browser's `fetch`, abandoned after
//! [`TIMEOUT_MS`], with the session token only ever in a header. Every
//! answer's `Date` header goes to the observer the app set (its clock offset).
use crate::error::{ApiError, Reply};
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// How long one request may take before it is abandoned (and, by sync,
/// retried).
pub const TIMEOUT_MS: i32 = 30_000;

/// Told of every answer's `Date` header: the header, and the device's clock
/// (ms) when the request went out and when the answer came back.
pub type DateObserver = fn(date: &str, sent_ms: f64, received_ms: f64);

thread_local! {
    static OBSERVER: Cell<Option<DateObserver>> = const { Cell::new(None) };
}

/// Sets who learns the server's clock from each answer (each bundle once,
/// at start). Without one, answers are read all the same.
pub fn observe_server_dates(observer: DateObserver) {
    OBSERVER.with(|o| o.set(Some(observer)));
}

pub(crate) enum Method {
    Get,
    Post(String),
}

/// Boxed, so the request's state machine is written once and not inlined
/// into the future of every route that awaits it (smaller download).
type Boxed<'a> = Pin<Box<dyn Future<Output = Result<Reply, ApiError>> + 'a>>;

pub(crate) fn send<'a>(method: Method, path: &'a str, token: Option<&'a str>) -> Boxed<'a> {
    Box::pin(send_now(method, path, token))
}

async fn send_now(method: Method, path: &str, token: Option<&str>) -> Result<Reply, ApiError> {
    let window = web_sys::window().ok_or(ApiError::Offline)?;
    let controller = web_sys::AbortController::new().map_err(|_| ApiError::Offline)?;
    let init = web_sys::RequestInit::new();
    init.set_signal(Some(&controller.signal()));
    let headers = web_sys::Headers::new().map_err(|_| ApiError::Offline)?;
    if let Method::Post(body) = method {
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
        web_sys::Request::new_with_str_and_init(path, &init).map_err(|_| ApiError::Offline)?;
    let abort = controller.clone();
    let timer = window
        .set_timeout_with_callback_and_timeout_and_arguments_0(
            wasm_bindgen::closure::Closure::once_into_js(move || abort.abort()).unchecked_ref(),
            TIMEOUT_MS,
        )
        .ok();
    let sent_ms = js_sys::Date::now();
    let result = JsFuture::from(window.fetch_with_request(&request)).await;
    let aborted = || controller.signal().aborted();
    let outcome = match result {
        Err(_) if aborted() => Err(ApiError::TimedOut),
        Err(_) => Err(ApiError::Offline),
        Ok(value) => {
            let response: web_sys::Response = value.unchecked_into();
            let status = response.status();
            let header = |name| response.headers().get(name).ok().flatten();
            if let (Some(date), Some(observe)) = (header("date"), OBSERVER.with(Cell::get)) {
                observe(&date, sent_ms, js_sys::Date::now());
            }
            let retry_after = header("retry-after");
            let text = match response.text() {
                Ok(p) => JsFuture::from(p).await.ok().and_then(|t| t.as_string()),
                Err(_) => None,
            };
            match text {
                Some(body) => Ok(Reply {
                    status,
                    retry_after,
                    body,
                }),
                None if aborted() => Err(ApiError::TimedOut),
                None => Err(ApiError::Offline),
            }
        }
    };
    if let Some(timer) = timer {
        window.clear_timeout_with_handle(timer);
    }
    outcome
}
