//! Thin wrappers over browser APIs the app needs (the clock, from the API
//! client; randomness, geolocation, storage persistence, service-worker
//! updates). Every call here degrades to "unknown" rather than failing:
//! none of them may block a save.
use beatbook_core::{EntryId, Location, RevisionId};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

pub fn is_online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

// The clock (device, local and server time) is the API client's: the
// review bundle reads the same one. Named here with the app's other
// browser calls.
pub use beatbook_client::clock::{
    clock_offset_ms, clock_offset_ms_now, local_time, now, observe_server_date, server_now,
    CLOCK_WARNING_MS,
};

// Shared with the review bundle: the client's.
use beatbook_client::random_bytes;

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
