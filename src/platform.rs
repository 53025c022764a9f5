//! Thin wrappers over browser APIs the app needs (clock, randomness,
//! geolocation, storage persistence, service-worker updates). Every call here
//! degrades to "unknown" rather than failing: none of them may block a save.
use beatbook_core::form::LocalTime;
use beatbook_core::{EntryId, Location, RevisionId};
use chrono::{DateTime, Utc};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

pub fn is_online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

pub fn now() -> DateTime<Utc> {
    let ms = js_sys::Date::now();
    DateTime::from_timestamp_millis(ms as i64).unwrap_or_default()
}

thread_local! {
    /// Server clock minus this device's clock, in ms, from the last answer.
    static CLOCK_OFFSET_MS: std::cell::Cell<Option<f64>> = const { std::cell::Cell::new(None) };
}

/// Where the last known clock offset is kept, so it outlives a reload.
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
        let kept: Option<f64> =
            <gloo_storage::LocalStorage as gloo_storage::Storage>::get(CLOCK_KEY).ok();
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

fn random_bytes() -> [u8; 16] {
    let mut bytes = [0u8; 16];
    let filled = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .is_some_and(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok());
    if !filled {
        // No Web Crypto (very old browser): Math.random still gives IDs that
        // will not collide in practice for one device's log.
        for b in &mut bytes {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    bytes
}

pub fn new_entry_id() -> EntryId {
    EntryId::from_random_bytes(random_bytes())
}

pub fn new_revision_id() -> RevisionId {
    RevisionId::from_random_bytes(random_bytes())
}

/// What we know of the device's position for the entry being made.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fix {
    Waiting,
    Found(Location),
    Denied,
    Unavailable,
}

/// Asks for one position fix; `done` is called at most once, whenever the
/// browser answers (or never, if it does not). Saving never waits for it.
pub fn locate(done: impl Fn(Fix) + 'static) {
    let Some(geo) = web_sys::window().and_then(|w| w.navigator().geolocation().ok()) else {
        done(Fix::Unavailable);
        return;
    };
    let done = std::rc::Rc::new(done);
    let on_fix = {
        let done = done.clone();
        Closure::once_into_js(move |pos: web_sys::Position| {
            let c = pos.coords();
            done(Fix::Found(Location::from_fix(
                c.latitude(),
                c.longitude(),
                c.accuracy(),
            )));
        })
    };
    let on_error = Closure::once_into_js(move |err: web_sys::PositionError| {
        done(if err.code() == web_sys::PositionError::PERMISSION_DENIED {
            Fix::Denied
        } else {
            Fix::Unavailable
        });
    });
    let options = web_sys::PositionOptions::new();
    options.set_enable_high_accuracy(true);
    options.set_timeout(15_000);
    options.set_maximum_age(60_000);
    let _ = geo.get_current_position_with_error_callback_and_options(
        on_fix.unchecked_ref(),
        Some(on_error.unchecked_ref()),
        &options,
    );
}

/// Whether the browser promised to keep our storage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Persistence {
    Unknown,
    Persistent,
    /// The browser may clear storage under pressure.
    BestEffort,
    /// Tiny quota: most likely a private window, cleared when it closes.
    LikelyEphemeral,
}

/// Asks for persistent storage and looks at the quota.
pub async fn request_persistence() -> Persistence {
    let Some(manager) = web_sys::window().map(|w| w.navigator().storage()) else {
        return Persistence::Unknown;
    };
    let granted = match manager.persist() {
        Ok(p) => wasm_bindgen_futures::JsFuture::from(p)
            .await
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false),
        Err(_) => false,
    };
    let quota = match manager.estimate() {
        Ok(p) => wasm_bindgen_futures::JsFuture::from(p)
            .await
            .ok()
            .map(|v| v.unchecked_into::<web_sys::StorageEstimate>())
            .and_then(|e| e.get_quota()),
        Err(_) => None,
    };
    // Chromium's incognito quota is around 100 MiB or less; normal profiles
    // get a share of the disk, far more.
    const EPHEMERAL_QUOTA: f64 = 120.0 * 1024.0 * 1024.0;
    match (granted, quota) {
        (true, _) => Persistence::Persistent,
        (false, Some(q)) if q < EPHEMERAL_QUOTA => Persistence::LikelyEphemeral,
        (false, _) => Persistence::BestEffort,
    }
}

/// Bytes used and the browser's allowance for this site, if it says.
pub async fn storage_estimate() -> Option<(f64, f64)> {
    let manager = web_sys::window()?.navigator().storage();
    let estimate = wasm_bindgen_futures::JsFuture::from(manager.estimate().ok()?)
        .await
        .ok()?
        .unchecked_into::<web_sys::StorageEstimate>();
    Some((estimate.get_usage()?, estimate.get_quota()?))
}

/// Calls `f` when a new app version is installed and waiting (the service
/// worker registration script raises the event).
pub fn on_update_available(f: impl Fn() + 'static) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let waiting = js_sys::Reflect::get(&window, &"__beatbookUpdateWaiting".into())
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    if waiting {
        f();
    }
    let callback = Closure::<dyn Fn()>::new(f);
    let _ = window.add_event_listener_with_callback(
        "beatbook-update-available",
        callback.as_ref().unchecked_ref(),
    );
    // Lives as long as the page.
    callback.forget();
}

/// Lets the waiting version take over; the page reloads when it has.
pub fn apply_update() {
    let Some(window) = web_sys::window() else {
        return;
    };
    if let Ok(apply) = js_sys::Reflect::get(&window, &"beatbookApplyUpdate".into()) {
        if let Some(apply) = apply.dyn_ref::<js_sys::Function>() {
            let _ = apply.call0(&window);
        }
    }
}
