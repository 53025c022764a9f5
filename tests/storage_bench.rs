//! Storage save benchmark (not a test: `scripts/bench-storage.sh` runs it with
//! `--include-ignored` in release mode and prints the figures).
//!
//! Saving one entry with 5,000 already stored, against a bare
//! `localStorage.setItem` of the same bytes measured in the same run.
#![cfg(target_arch = "wasm32")]
mod support;

use beatbook::storage;
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn now_ms() -> f64 {
    web_sys::window().unwrap().performance().unwrap().now()
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

const STORED: u32 = 5_000;
const SAMPLES: u32 = 300;

#[wasm_bindgen_test]
#[ignore = "benchmark: run by scripts/bench-storage.sh"]
fn bench_save_with_5000_stored() {
    clear_storage();
    let s = shift(1);
    storage::save(&s).unwrap();
    let text = "Group of six youths gathered by the shop entrance, moved on without issue.";
    for i in 0..STORED {
        storage::save(&note(i, &s, text)).unwrap();
    }
    let small = {
        clear_storage();
        storage::save(&s).unwrap();
        let mut times = Vec::new();
        for i in 0..SAMPLES {
            let n = note(100_000 + i, &s, text);
            let t = now_ms();
            storage::save(&n).unwrap();
            times.push(now_ms() - t);
        }
        median(times)
    };
    clear_storage();
    storage::save(&s).unwrap();
    for i in 0..STORED {
        storage::save(&note(i, &s, text)).unwrap();
    }
    let raw = raw_storage();
    let mut save_times = Vec::new();
    let mut bare_times = Vec::new();
    let mut bytes = 0;
    for i in 0..SAMPLES {
        let n = note(200_000 + i, &s, text);
        let t = now_ms();
        storage::save(&n).unwrap();
        save_times.push(now_ms() - t);
        // The same bytes, written bare, under a key of the same length.
        let value = raw.get_item(&storage::revision_key(n.id)).unwrap().unwrap();
        bytes = value.len();
        let key = storage::revision_key(note(300_000 + i, &s, text).id);
        let t = now_ms();
        raw.set_item(&key, &value).unwrap();
        bare_times.push(now_ms() - t);
    }
    let save = median(save_times);
    let bare = median(bare_times);
    console_log!(
        "storage_bench entry_bytes={bytes} stored={STORED} samples={SAMPLES} save_median_ms={save:.4} \
         save_median_ms_with_1_stored={small:.4} bare_setitem_median_ms={bare:.4} ratio_to_bare={:.2} \
         ratio_5000_to_1={:.2} budget_ms=2",
        save / bare.max(0.0001),
        save / small.max(0.0001)
    );
    clear_storage();
}
