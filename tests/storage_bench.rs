//! Storage save benchmark, not a test: it asserts nothing and is ignored
//! unless `scripts/bench-storage.sh` runs it (`--include-ignored`, release
//! mode), which prints the figures and checks the budgets.
//!
//! Saving one entry with 5,000 already stored (seal, one strict IndexedDB
//! transaction), against a bare strict IndexedDB `put` of the same bytes
//! measured in the same run.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod support;

use beatbook::idb::{Tx, REVISIONS};
use beatbook::storage;
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const STORED: u32 = 5_000;
const SAMPLES: u32 = 300;

#[wasm_bindgen_test]
#[ignore = "benchmark: run by scripts/bench-storage.sh"]
async fn bench_save_with_5000_stored() {
    let v = test_vault().await;
    clear_all().await;
    let s = shift(1);
    storage::save(&s, &v).await.unwrap();
    let text = "Group of six youths gathered by the shop entrance, moved on without issue.";
    for i in 0..STORED {
        storage::save(&note(i, &s, text), &v).await.unwrap();
    }
    let small = {
        clear_all().await;
        storage::save(&s, &v).await.unwrap();
        let mut times = Vec::new();
        for sample in 0..SAMPLES / 10 {
            let notes: Vec<_> = (0..10)
                .map(|i| note(100_000 + sample * 10 + i, &s, text))
                .collect();
            let t = now_ms();
            for n in &notes {
                storage::save(n, &v).await.unwrap();
            }
            times.push((now_ms() - t) / 10.0);
        }
        median(times)
    };
    clear_all().await;
    storage::save(&s, &v).await.unwrap();
    for i in 0..STORED {
        storage::save(&note(i, &s, text), &v).await.unwrap();
    }
    // Browsers coarsen performance.now() to about 0.1 ms, so each sample
    // times a group of saves and divides.
    const GROUP: u32 = 10;
    let mut save_times = Vec::new();
    let mut bare_times = Vec::new();
    let mut bytes = 0;
    for sample in 0..SAMPLES / GROUP {
        let notes: Vec<_> = (0..GROUP)
            .map(|i| note(200_000 + sample * GROUP + i, &s, text))
            .collect();
        let t = now_ms();
        for n in &notes {
            storage::save(n, &v).await.unwrap();
        }
        save_times.push((now_ms() - t) / f64::from(GROUP));
        // The same bytes, put bare (one strict transaction each), under
        // keys of the same length.
        let stored = idb_pairs(REVISIONS).await;
        let values: Vec<_> = notes
            .iter()
            .map(|n| {
                let key = n.id.to_string();
                stored.iter().find(|(k, _)| *k == key).unwrap().1.clone()
            })
            .collect();
        bytes = values[0].len();
        let keys: Vec<_> = (0..GROUP)
            .map(|i| note(300_000 + sample * GROUP + i, &s, text).id.to_string())
            .collect();
        let t = now_ms();
        for (k, v) in keys.iter().zip(&values) {
            let tx = Tx::write(&[REVISIONS]).await.unwrap();
            tx.put(REVISIONS, k, v).unwrap();
            tx.done().await.unwrap();
        }
        bare_times.push((now_ms() - t) / f64::from(GROUP));
    }
    let save = median(save_times);
    let bare = median(bare_times);
    console_log!(
        "storage_bench entry_bytes={bytes} stored={STORED} saves={SAMPLES} save_median_ms={save:.4} \
         save_median_ms_with_1_stored={small:.4} bare_idb_put_median_ms={bare:.4} ratio_to_bare={:.2} \
         ratio_5000_to_1={:.2} budget_ms=2",
        save / bare.max(0.0001),
        save / small.max(0.0001)
    );
    clear_all().await;
}
