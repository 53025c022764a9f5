//! The app's local time in headless Chromium, run with `TZ=Europe/London`
//! (scripts/test.sh): each instant converted with its own offset, from the
//! browser's `Date`, whatever the offset is today.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use beatbook::platform::local_time;
use beatbook_core::Problem;
use chrono::{DateTime, Utc};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

/// The test means nothing unless the browser runs in a zone with summer
/// time: say so rather than pass.
fn assert_london() {
    let offset = |ms: f64| js_sys::Date::new(&ms.into()).get_timezone_offset();
    assert_eq!(
        (offset(1_768_478_400_000.0), offset(1_784_116_800_000.0)),
        (0.0, -60.0),
        "run with TZ=Europe/London (January GMT, July BST)"
    );
}

#[wasm_bindgen_test]
fn winter_and_summer_times_each_use_their_own_offset() {
    assert_london();
    let local = local_time();
    assert_eq!(
        local.parse("2026-01-15T10:00", None),
        Ok(utc("2026-01-15T10:00:00Z"))
    );
    assert_eq!(
        local.parse("2026-07-15T10:00", None),
        Ok(utc("2026-07-15T09:00:00Z"))
    );
    assert_eq!(
        local.to_local_text(utc("2026-01-15T10:00:00Z")),
        "2026-01-15T10:00"
    );
    assert_eq!(
        local.to_local_text(utc("2026-07-15T09:00:00Z")),
        "2026-07-15T10:00"
    );
    assert_eq!(
        local.to_local_text(utc("2026-05-31T23:30:00Z")),
        "2026-06-01T00:30"
    );
}

#[wasm_bindgen_test]
fn the_browser_knows_the_skipped_and_the_doubled_hour() {
    assert_london();
    let local = local_time();
    assert_eq!(
        local.parse("2026-03-29T01:30", None),
        Err(Problem::TimeSkipped)
    );
    assert!(matches!(
        local.parse("2026-10-25T01:30", None),
        Err(Problem::TimeTwice)
    ));
}
