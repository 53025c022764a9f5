//! The clock both bundles read: the device's time, the browser's local
//! time at each instant, and the server's clock as learnt from every
//! answer's `Date` header (`fetch` hands them to [`observe_server_date`]
//! once a bundle has called `observe_server_dates` with it). Browser calls
//! that degrade to "unknown" rather than fail: none of them may block a save.
use beatbook_core::form::LocalTime;
use chrono::{DateTime, Utc};
use std::cell::Cell;

/// The device's clock.
pub fn now() -> DateTime<Utc> {
    let ms = js_sys::Date::now();
    DateTime::from_timestamp_millis(ms as i64).unwrap_or_default()
}

thread_local! {
    /// Server clock minus this device's clock, in ms, from the last answer.
    static CLOCK_OFFSET_MS: Cell<Option<f64>> = const { Cell::new(None) };
}

/// Where the last known clock offset is kept, so it outlives a reload (and
/// the officer app reads what the review bundle learnt: one origin).
const CLOCK_KEY: &str = "bb:clock-offset";

/// Learns the server's clock from an answer's `Date` header (second
/// resolution, plenty for minutes of drift), against the middle of the
/// request's round trip on this device's clock.
pub fn observe_server_date(date_header: &str, sent_ms: f64, received_ms: f64) {
    let server_ms = js_sys::Date::parse(date_header);
    if server_ms.is_nan() {
        return;
    }
    let offset = server_ms + 500.0 - (sent_ms + received_ms) / 2.0;
    CLOCK_OFFSET_MS.with(|c| c.set(Some(offset)));
    let _ = <gloo_storage::LocalStorage as gloo_storage::Storage>::set(CLOCK_KEY, offset);
}

/// Server minus device clock in ms, if the app has heard from the server.
pub fn clock_offset_ms() -> Option<f64> {
    CLOCK_OFFSET_MS.with(|c| c.get()).or_else(|| {
        let kept = <gloo_storage::LocalStorage as gloo_storage::Storage>::raw()
            .get_item(CLOCK_KEY)
            .ok()
            .flatten()
            .and_then(|text| beatbook_core::json::from_str::<f64>(&text).ok());
        CLOCK_OFFSET_MS.with(|c| c.set(kept));
        kept
    })
}

/// The offset a new revision carries (whole ms), if known.
pub fn clock_offset_ms_now() -> Option<i64> {
    clock_offset_ms().map(|o| o.round() as i64)
}

/// A phone clock further off than this gets a warning on screen.
pub const CLOCK_WARNING_MS: f64 = 2.0 * 60.0 * 1000.0;

/// The best known time: the device clock corrected by the offset learnt
/// from the server. Times the app fills in itself (when something happened,
/// when a patrol ended) use this; `captured_at` keeps the device's own
/// reading, as evidence of what the phone said.
pub fn server_now() -> DateTime<Utc> {
    let ms = js_sys::Date::now() + clock_offset_ms().unwrap_or(0.0);
    DateTime::from_timestamp_millis(ms as i64).unwrap_or_default()
}

/// The browser's local time, the offset taken at each instant (summer and
/// winter differ), from its own `Date`: no zone database in the download.
pub fn local_time() -> LocalTime {
    LocalTime::zone(browser_offset_at)
}

/// Minutes to add to UTC for local time at `time`, as the browser knows it.
fn browser_offset_at(time: DateTime<Utc>) -> i32 {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
        time.timestamp_millis() as f64
    ));
    // `getTimezoneOffset` is UTC minus local, in whole minutes (NaN only
    // for an invalid date, which a `DateTime` cannot be).
    -(date.get_timezone_offset() as i32)
}
