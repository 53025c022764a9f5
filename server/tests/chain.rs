//! The device chain (issue 9, item 9): each revision names the hash of the
//! one its device saved before it; the supervisor's shift record shows a
//! phone's missing or rewritten saves, and nothing else ever does.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;

use beatbook_core::{EntryId, RecordKind, Revision, RevisionId};
use chrono::{DateTime, Utc};
use common::*;
use serde_json::Value;

/// `n` revisions of one shift from a phone that links its saves.
fn chained(seed: u64, officer: &str, n: usize) -> Vec<Revision> {
    beatbook_tools::sample::Device::new(seed, officer, Utc::now())
        .chained()
        .revisions(n)
}

fn shift_of(revs: &[Revision]) -> EntryId {
    revs.iter()
        .find(|r| r.kind() == RecordKind::Shift)
        .map(|r| r.entry_id)
        .unwrap()
}

/// The chain breaks the shift's record shows its supervisor.
async fn breaks(server: &TestServer, shift: EntryId) -> Vec<Value> {
    let detail: Value = get_json(
        &server.base,
        &server.sup,
        &format!("/api/v1/shifts/{shift}"),
    )
    .await;
    detail["chain_breaks"]
        .as_array()
        .unwrap_or_else(|| panic!("no chain_breaks in {detail}"))
        .clone()
}

fn local_clock(t: DateTime<Utc>) -> String {
    t.with_timezone(&ForceZone::default().tz())
        .format("%H:%M")
        .to_string()
}

/// A time the server sent, to the microsecond it stores.
fn at(v: &Value) -> i64 {
    beatbook_core::time::parse(v.as_str().unwrap())
        .unwrap()
        .timestamp_micros()
}

fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

/// Two shifts one after the other on one phone, the second's saves linked
/// after the first's.
fn two_shifts(seed: u64, officer: &str) -> (Vec<Revision>, Vec<Revision>) {
    let now = Utc::now();
    let device = |seed, now| beatbook_tools::sample::Device::new(seed, officer, now);
    let mut first = device(seed, now - chrono::Duration::hours(12)).revisions(10);
    let mut second = device(seed + 100, now).revisions(10);
    let head = link(&mut first, None);
    link(&mut second, head);
    (first, second)
}

fn link(revs: &mut [Revision], head: Option<String>) -> Option<String> {
    beatbook_server::sync::chain::link(&mut revs.iter_mut().collect::<Vec<_>>(), head)
}

fn except(revs: &[Revision], skip: &[usize]) -> Vec<Revision> {
    revs.iter()
        .enumerate()
        .filter(|(i, _)| !skip.contains(i))
        .map(|(_, r)| r.clone())
        .collect()
}

#[tokio::test]
async fn a_phone_that_lost_one_save_shows_the_gap_with_its_window() {
    let server = TestServer::start().await;
    let token = server.officer("officer-c1").await;
    let revs = chained(1, "officer-c1", 12);
    let shift = shift_of(&revs);
    // Saved on the phone, gone before it synced.
    let res = push_ok(&server.base, &token, &as_values(&except(&revs, &[4]))).await;
    assert!(outcomes(&res).iter().all(|o| o == "stored"), "{res:?}");

    let found = breaks(&server, shift).await;
    assert_eq!(found.len(), 1, "{found:?}");
    let b = &found[0];
    assert_eq!(b["kind"], "missing");
    assert_eq!(b["device_id"], DEVICE);
    assert_eq!(b["from_revision"], revs[3].id.to_string());
    assert_eq!(b["to_revision"], revs[5].id.to_string());
    assert_eq!(at(&b["from"]), micros(revs[3].captured_at));
    assert_eq!(at(&b["to"]), micros(revs[5].captured_at));
    let message = b["message"].as_str().unwrap();
    assert!(
        message.starts_with("Entries from this phone are missing between ")
            && message.contains(&local_clock(revs[3].captured_at))
            && message.contains(&local_clock(revs[5].captured_at)),
        "{message}"
    );

    // Once it arrives after all (a second phone? a late sync), the gap closes.
    push_ok(&server.base, &token, &as_values(&revs[4..5])).await;
    assert_eq!(breaks(&server, shift).await, Vec::<Value>::new());
    server.stop().await;
}

#[tokio::test]
async fn an_intact_chain_shows_no_break_and_only_the_broken_shift_is_flagged() {
    let server = TestServer::start().await;
    let token = server.officer("officer-c2").await;
    let (first, second) = two_shifts(2, "officer-c2");
    // The second shift continues the first one's chain.
    assert_eq!(second[0].prev.as_deref().map(str::len), Some(64));
    push_ok(&server.base, &token, &as_values(&first)).await;
    push_ok(&server.base, &token, &as_values(&except(&second, &[6]))).await;
    assert_eq!(breaks(&server, shift_of(&first)).await, Vec::<Value>::new());
    let found = breaks(&server, shift_of(&second)).await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["to_revision"], second[7].id.to_string());
    server.stop().await;
}

#[tokio::test]
async fn a_gap_between_two_shifts_shows_on_both() {
    let server = TestServer::start().await;
    let token = server.officer("officer-c3").await;
    let (first, second) = two_shifts(3, "officer-c3");
    // The first shift's end never arrived; the next save starts shift two.
    push_ok(&server.base, &token, &as_values(&first[..9])).await;
    push_ok(&server.base, &token, &as_values(&second)).await;
    for shift in [shift_of(&first), shift_of(&second)] {
        let found = breaks(&server, shift).await;
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0]["from_revision"], first[8].id.to_string());
        assert_eq!(found[0]["to_revision"], second[0].id.to_string());
    }
    server.stop().await;
}

#[tokio::test]
async fn resends_and_retries_never_make_a_false_break() {
    let server = TestServer::start().await;
    let token = server.officer("officer-c4").await;
    let revs = chained(4, "officer-c4", 14);
    let shift = shift_of(&revs);
    // Index 11 corrects index 10: alone, before its entry, it is "retry".
    assert!(matches!(
        revs[11].change,
        beatbook_core::Change::Corrected { .. }
    ));
    let res = push_ok(&server.base, &token, &as_values(&revs[11..12])).await;
    assert!(res.results[0].retry, "{res:?}");
    push_ok(&server.base, &token, &as_values(&except(&revs, &[11]))).await;
    // Meanwhile the save after it names a hash the server lacks: a gap, for now.
    assert_eq!(breaks(&server, shift).await.len(), 1);
    let res = push_ok(&server.base, &token, &as_values(&revs[11..12])).await;
    assert_eq!(outcomes(&res), ["stored"]);
    assert_eq!(breaks(&server, shift).await, Vec::<Value>::new());

    // An identical resend of everything, twice, in another order.
    let mut again = as_values(&revs);
    for _ in 0..2 {
        let res = push_ok(&server.base, &token, &again).await;
        assert!(outcomes(&res).iter().all(|o| o == "already_had"), "{res:?}");
        again.reverse();
    }
    assert_eq!(breaks(&server, shift).await, Vec::<Value>::new());
    server.stop().await;
}

#[tokio::test]
async fn out_of_order_arrival_shows_no_break_once_all_arrived() {
    let server = TestServer::start().await;
    let token = server.officer("officer-c5").await;
    let revs = chained(5, "officer-c5", 12);
    let shift = shift_of(&revs);
    // Later saves first (in pushes of their own), the ones before them after.
    for range in [0..2, 7..12, 4..7, 2..4] {
        let res = push_ok(&server.base, &token, &as_values(&revs[range])).await;
        assert!(outcomes(&res).iter().all(|o| o == "stored"), "{res:?}");
    }
    assert_eq!(breaks(&server, shift).await, Vec::<Value>::new());
    server.stop().await;
}

#[tokio::test]
async fn two_saves_naming_the_same_predecessor_are_a_fork() {
    let server = TestServer::start().await;
    let token = server.officer("officer-c6").await;
    let revs = chained(6, "officer-c6", 12);
    let shift = shift_of(&revs);
    push_ok(&server.base, &token, &as_values(&revs)).await;
    // The phone's storage put back as it was before index 5 was saved (a
    // restored copy): its next save names index 4 again.
    let mut rewritten = revs[5].clone();
    rewritten.id = RevisionId::from_random_bytes([7; 16]);
    rewritten.entry_id = EntryId::from_random_bytes([8; 16]);
    rewritten.captured_at = revs[11].captured_at;
    rewritten.notes = "Written again".into();
    assert_eq!(rewritten.prev, revs[5].prev);
    let res = push_ok(&server.base, &token, &as_values(&[rewritten.clone()])).await;
    assert_eq!(outcomes(&res), ["stored"], "a break is never a refusal");

    let found = breaks(&server, shift).await;
    assert_eq!(found.len(), 1, "{found:?}");
    let b = &found[0];
    assert_eq!(b["kind"], "fork");
    assert_eq!(b["from_revision"], revs[4].id.to_string());
    assert_eq!(b["to_revision"], rewritten.id.to_string());
    let message = b["message"].as_str().unwrap();
    assert!(
        message.starts_with("Entries from this phone were rewritten or removed between ")
            && message.contains(&local_clock(revs[4].captured_at)),
        "{message}"
    );
    server.stop().await;
}

#[tokio::test]
async fn revisions_without_a_link_are_stored_and_show_no_break() {
    let server = TestServer::start().await;
    let token = server.officer("officer-c7").await;
    // An older app: no `prev` anywhere.
    let old = revisions(7, "officer-c7", 12);
    assert!(old.iter().all(|r| r.prev.is_none()));
    let res = push_ok(&server.base, &token, &as_values(&except(&old, &[4]))).await;
    assert!(outcomes(&res).iter().all(|o| o == "stored"), "{res:?}");
    assert_eq!(breaks(&server, shift_of(&old)).await, Vec::<Value>::new());
    // A phone wiped and started afresh: its first save names nothing.
    let fresh = chained(8, "officer-c7", 6);
    assert!(fresh[0].prev.is_none());
    push_ok(&server.base, &token, &as_values(&fresh)).await;
    assert_eq!(breaks(&server, shift_of(&fresh)).await, Vec::<Value>::new());
    server.stop().await;
}

#[tokio::test]
async fn a_malformed_link_is_refused_by_name_and_the_rest_stored() {
    let server = TestServer::start().await;
    let token = server.officer("officer-c8").await;
    let revs = chained(9, "officer-c8", 3);
    let mut changes = as_values(&revs);
    changes[2]["prev"] = Value::from("NOT-A-HASH");
    let res = push_ok(&server.base, &token, &changes).await;
    assert_eq!(outcomes(&res), ["stored", "stored", "rejected"]);
    let outcome = serde_json::to_value(&res.results[2].outcome).unwrap();
    let reason = &outcome["reason"];
    assert_eq!(reason["rejection"], "invalid", "{outcome}");
    assert_eq!(reason["errors"][0]["field"], "prev", "{outcome}");
    assert_eq!(
        reason["errors"][0]["problem"]["detail"], "bad_chain_link",
        "{outcome}"
    );
    assert!(!res.results[2].retry);
    server.stop().await;
}
