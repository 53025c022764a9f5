//! "A year of one officer's use" benchmark, not a test: it asserts nothing
//! and is ignored unless `scripts/bench-storage.sh` runs it
//! (`--include-ignored`, release mode), which prints the figures and checks
//! the budgets (issue 13: stored bytes and unlock time at the end within 1.2
//! times those after the first month).
//!
//! 250 shifts, one every 1.46 days, of 30 revisions each (the shift, 28
//! notes, its end), each saved through `storage::save`, answered `stored`
//! through `storage::save_outcomes`, and after each shift retention applied
//! as `AppState::apply_retention` does it: `outbox::retention` over the log
//! in memory (now = the simulated time, window 7 days, nothing sent back),
//! then `storage::forget`, then the same entries dropped from the log and
//! their answers from memory.
//!
//! Measured after the first month (shift 21) and after the year: stored
//! bytes (key + value lengths over every IndexedDB store, and
//! `navigator.storage.estimate().usage` where the browser gives it) and
//! unlock time (`storage::load` with the test vault, then
//! `Log::from_revisions` as `AppState::open` does; median of 5).
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod support;

use beatbook::idb::STORES;
use beatbook::outbox::{self, Answers, RETENTION_DAYS};
use beatbook::storage;
use beatbook_core::codes::NoteKind;
use beatbook_core::record::Note;
use beatbook_core::sync::{Answer, OutcomeKind};
use beatbook_core::{Code, EntryId, Location, Log, Record, Revision, RevisionId};
use chrono::{DateTime, Duration, Utc};
use support::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const SHIFTS: u32 = 250;
const NOTES_PER_SHIFT: u32 = 28;
const FIRST_MONTH: u32 = 21;
const UNLOCK_SAMPLES: usize = 5;

/// Notes of the length and kind an officer writes (the issue measured 826
/// stored characters per note on average).
const TEXTS: [(&str, &str); 8] = [
    ("engagement", "Spoke with the manager of the Co-op on High Street about the recent shoplifting. Two males, late teens, dark tracksuits, seen on CCTV most evenings around 7 pm. Advised on keeping the footage and reporting each incident; gave the non-emergency number and the crime reference from last week."),
    ("reassurance", "Reassurance visit to 14 Elm Close following the burglary reported on Monday. Occupant, elderly female, lives alone and is anxious. Checked the rear door and window locks, suggested a door chain and a timer switch for the lights. Referred to the victim support scheme with her consent."),
    ("intelligence", "Vehicle, grey Ford Focus, partial index seen, parked on the corner of Mill Lane and Station Road for about forty minutes with two occupants. Left towards the ring road when we approached. Residents say the same car is there most nights. Passed to the intelligence unit."),
    ("general", "Foot patrol of the town centre and the precinct. Quiet. Licensed premises checked: the Crown and the Railway, door staff in place, no issues. Taxi rank busy after closing, no disorder."),
    ("engagement", "Group of six youths gathered by the shop entrance on Market Square, moved on without issue. Names taken for two who were known to us; both polite. Spoke to the shopkeeper, who was content with the outcome."),
    ("reassurance", "Attended the school gates at home time after complaints of speeding on Park Road. Spoke with parents and the head teacher. Speed watch volunteers to be asked to cover the road next week."),
    ("intelligence", "Information from a member of the public (details recorded separately, not to be disclosed) that cannabis is being grown at an address on Victoria Terrace. Strong smell noted by officers on foot outside number 22. Submitted for research and development."),
    ("general", "Stationary at the junction of the A38 and Bristol Road for high-visibility presence during the evening rush hour. Minor collision, no injuries, details exchanged between drivers, no offences disclosed. Road clear by 18:20."),
];

fn ids(n: u32, salt: u8) -> [u8; 16] {
    let mut b = [salt; 16];
    b[..4].copy_from_slice(&n.to_be_bytes());
    b
}

/// One shift's 30 revisions, in the order the officer saves them: the
/// shift, 28 notes a quarter of an hour apart, the end 8 hours on.
fn shift_revisions(k: u32, start: DateTime<Utc>) -> Vec<Revision> {
    let mut s = shift(k);
    s.captured_at = start;
    s.occurred_at = start;
    let end = start + Duration::hours(8);
    let mut out = vec![s.clone()];
    for i in 0..NOTES_PER_SHIFT {
        let n = k * 100 + i;
        let (kind, text) = TEXTS[(n as usize) % TEXTS.len()];
        let at = start + Duration::minutes(15 * i64::from(i) + 10);
        out.push(Revision {
            id: RevisionId::from_random_bytes(ids(n, 3)),
            entry_id: EntryId::from_random_bytes(ids(n, 4)),
            shift_id: Some(s.entry_id),
            captured_at: at,
            occurred_at: at - Duration::minutes(5),
            location: Some(Location {
                lat: 51.4545 + f64::from(i) * 0.0007,
                lon: -2.5879 - f64::from(k % 17) * 0.0011,
                accuracy_m: 12.0,
            }),
            record: Record::Note(Note {
                category: NoteKind::from_code(kind),
                text: format!("{text} (shift {k}, note {i})"),
            }),
            ..s.clone()
        });
    }
    let mut e = ended(&s, &end.to_rfc3339());
    e.captured_at = end;
    out.push(e);
    out
}

/// Key + value lengths over every IndexedDB store.
async fn idb_bytes() -> usize {
    let mut total = 0;
    for store in STORES {
        total += idb_pairs(store)
            .await
            .iter()
            .map(|(k, v)| k.len() + v.len())
            .sum::<usize>();
    }
    total
}

/// What the browser says the origin uses (`None` where it does not say).
async fn usage() -> Option<f64> {
    let storage = web_sys::window()?.navigator().storage();
    let estimate = JsFuture::from(storage.estimate().ok()?).await.ok()?;
    let estimate: web_sys::StorageEstimate = estimate.unchecked_into();
    estimate.get_usage()
}

/// Unlock: read and open the whole log, then build it, as `AppState::open`
/// (the PIN's key is already derived: PBKDF2 costs the same whatever is
/// stored). Median of 5.
async fn unlock_ms(v: &beatbook::vault::Vault) -> (f64, usize) {
    // One read first, not timed, so both measurements start from code the
    // browser has already compiled (the comparison is about the data).
    storage::load(v).await.unwrap();
    let mut times = Vec::new();
    let mut count = 0;
    for _ in 0..UNLOCK_SAMPLES {
        let t = now_ms();
        let loaded = storage::load(v).await.unwrap();
        let log = Log::from_revisions(loaded.revisions);
        times.push(now_ms() - t);
        count = log.revisions().count();
    }
    (median(times), count)
}

struct Figures {
    bytes: usize,
    usage: Option<f64>,
    unlock: f64,
    revisions: usize,
}

async fn measure(v: &beatbook::vault::Vault) -> Figures {
    let (unlock, revisions) = unlock_ms(v).await;
    Figures {
        bytes: idb_bytes().await,
        usage: usage().await,
        unlock,
        revisions,
    }
}

fn usage_text(u: Option<f64>) -> String {
    u.map_or_else(|| "na".into(), |u| format!("{u:.0}"))
}

#[wasm_bindgen_test]
#[ignore = "benchmark: run by scripts/bench-storage.sh"]
async fn bench_a_year_of_one_officer() {
    let v = test_vault().await;
    clear_all().await;
    let first_start = time("2026-01-05T07:00:00Z");
    // 1.46 days: 250 shifts in a year.
    let every = Duration::seconds(126_144);
    let window = Duration::days(RETENTION_DAYS);
    let mut log = Log::default();
    let mut answers = Answers::new();
    let mut saved = 0u32;
    let mut forgotten = 0usize;
    let mut month = None;
    let mut save_time = 0.0;
    // The browser's usage every 25 shifts: whether the disk stays flat too.
    let mut usage_series = Vec::new();
    for k in 0..SHIFTS {
        let start = first_start + every * i32::try_from(k).unwrap();
        let revisions = shift_revisions(k + 1, start);
        let t = now_ms();
        for rev in &revisions {
            storage::save(rev, &v).await.unwrap();
            log.insert(rev.clone()).unwrap();
        }
        save_time += now_ms() - t;
        saved += 30;
        // The server's answers, a few minutes after the end.
        let received = start + Duration::hours(8) + Duration::minutes(3);
        let outcomes: Vec<(RevisionId, Answer)> = revisions
            .iter()
            .enumerate()
            .map(|(index, r)| {
                (
                    r.id,
                    Answer {
                        index,
                        outcome: OutcomeKind::Stored,
                        received_at: Some(received),
                        message: None,
                        retry: false,
                    },
                )
            })
            .collect();
        storage::save_outcomes(&outcomes).await.unwrap();
        answers.extend(outcomes);
        // Retention, as `AppState::apply_retention`.
        let now = received + Duration::minutes(1);
        let gone = outbox::retention(&log, &answers, &[], now, window);
        if !gone.is_empty() {
            let entries: Vec<EntryId> = log
                .revisions()
                .filter(|r| r.seq == 1 && gone.contains(&r.id))
                .map(|r| r.entry_id)
                .collect();
            storage::forget(&gone).await.unwrap();
            log.forget(&entries);
            for id in &gone {
                answers.remove(id);
            }
            forgotten += gone.len();
        }
        if (k + 1) % 25 == 0 {
            usage_series.push(usage_text(usage().await));
        }
        if k + 1 == FIRST_MONTH {
            month = Some(measure(&v).await);
        }
    }
    let month = month.unwrap();
    let year = measure(&v).await;
    let usage_ratio = match (year.usage, month.usage) {
        (Some(y), Some(m)) if m > 0.0 => format!("{:.2}", y / m),
        _ => "na".into(),
    };
    console_log!(
        "year_bench shifts={SHIFTS} revisions_saved={saved} forgotten={forgotten} \
         save_mean_ms={:.3} \
         month_revisions={} month_idb_bytes={} month_usage_bytes={} month_unlock_ms={:.2} \
         year_revisions={} year_idb_bytes={} year_usage_bytes={} year_unlock_ms={:.2} \
         bytes_ratio={:.3} usage_ratio={usage_ratio} unlock_ratio={:.3} budget_ratio=1.2 usage_every_25_shifts={}",
        save_time / f64::from(saved),
        month.revisions,
        month.bytes,
        usage_text(month.usage),
        month.unlock,
        year.revisions,
        year.bytes,
        usage_text(year.usage),
        year.unlock,
        year.bytes as f64 / month.bytes.max(1) as f64,
        year.unlock / month.unlock.max(0.0001),
        usage_series.join(","),
    );
    clear_all().await;
}
