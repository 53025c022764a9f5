//! The server as a hostile client finds it (issue #9): each test is named
//! for what it proves. Inputs that used to kill a request, files that
//! leaked through percent-encoding, writes into other officers' records,
//! history rules the server did not run, reads that bypassed the access
//! log, sign-in limits that did not limit, and connections that were never
//! closed.
// Tests may panic on the unexpected: clippy.toml allows unwrap/expect in
// #[test] functions, and these helpers are test code too.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;

use common::*;
use proptest::prelude::*;
use serde_json::Value;
use tokio::time::timeout;

/// Every route that takes a date, as a supervisor calls it (the exports
/// need a reason).
const DATED_ROUTES: [&str; 4] = [
    "/api/v1/shifts?",
    "/api/v1/return?",
    "/api/v1/export/return.csv?reason=audit&",
    "/api/v1/export/entries.csv?reason=audit&",
];

/// Dates chrono reads but no patrol log has: near chrono's limits, before
/// 2000, after 2100.
const EXTREME_DATES: [&str; 8] = [
    "+262142-12-31",
    "+262143-12-31",
    "-262143-01-01",
    "+262143-01-01",
    "0000-01-01",
    "1999-12-31",
    "2101-01-01",
    "9999-12-31",
];

async fn get_status(base: &str, token: &str, path: &str) -> (u16, String) {
    let res = client()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{path}: no answer ({e})"));
    let status = res.status().as_u16();
    (status, res.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extreme_dates_are_a_400_naming_the_field_on_every_dated_route() {
    timeout(TEST_TIMEOUT, async {
        let server = TestServer::start().await;
        for route in DATED_ROUTES {
            for date in EXTREME_DATES {
                for field in ["from", "to"] {
                    // The other end a sane date, so only this field is wrong.
                    let other = if field == "from" {
                        "to=2026-01-31"
                    } else {
                        "from=2026-01-01"
                    };
                    let path = format!("{route}{field}={}&{other}", urlencode(date));
                    let (status, body) = get_status(&server.base, &server.sup, &path).await;
                    assert_eq!(status, 400, "{path}: {body}");
                    let body: Value = serde_json::from_str(&body).unwrap();
                    assert_eq!(body["error"], "bad_query", "{path}");
                    let message = body["message"].as_str().unwrap();
                    assert!(message.contains(field), "{path}: {message}");
                    assert!(message.contains("2000"), "{path}: {message}");
                }
            }
        }
        // The edges of the window are fine.
        for route in DATED_ROUTES {
            let path = format!("{route}from=2000-01-01&to=2004-12-31");
            let (status, body) = get_status(&server.base, &server.sup, &path).await;
            assert_eq!(status, 200, "{path}: {body}");
            let path = format!("{route}from=2096-01-01&to=2100-12-31");
            let (status, body) = get_status(&server.base, &server.sup, &path).await;
            assert_eq!(status, 200, "{path}: {body}");
        }
        // The server is still there.
        let (status, _) = get_status(&server.base, &server.sup, "/api/v1/health").await;
        assert_eq!(status, 200);
        server.stop().await;
    })
    .await
    .unwrap();
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A query value: a date near some limit, a number at an edge, or noise.
fn query_value() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => (-300_000i64..300_000, 0u32..15, 0u32..35)
            .prop_map(|(y, m, d)| format!("{y:+}-{m:02}-{d:02}")),
        1 => (1990i32..2110, 1u32..13, 1u32..32).prop_map(|(y, m, d)| format!("{y}-{m:02}-{d:02}")),
        // The last and first days chrono has.
        6 => prop::sample::select(EXTREME_DATES.to_vec()).prop_map(str::to_owned),
        2 => (prop::sample::select(vec!["+262142", "+262143"]), 1u32..32)
            .prop_map(|(y, d)| format!("{y}-12-{d:02}")),
        2 => (prop::sample::select(vec!["-262143", "-262144"]), 1u32..32)
            .prop_map(|(y, d)| format!("{y}-01-{d:02}")),
        1 => any::<i64>().prop_map(|n| n.to_string()),
        1 => any::<u64>().prop_map(|n| n.to_string()),
        1 => Just("0".to_owned()),
        1 => Just("4294967296".to_owned()),
        1 => ".{0,20}",
        1 => "[0-9T:+~.Z-]{0,40}",
        1 => Just("9999-12-31T23:59:59.999999Z~00000000-0000-0000-0000-000000000000".to_owned()),
        1 => Just("-262143-01-01T00:00:00Z~a".to_owned()),
    ]
}

const QUERY_KEYS: [&str; 15] = [
    "from",
    "to",
    "officer_id",
    "team",
    "area",
    "kind",
    "review",
    "sort",
    "page_size",
    "cursor",
    "limit",
    "after",
    "reason",
    "revision",
    "x",
];

const QUERY_ROUTES: [&str; 9] = [
    "/api/v1/shifts",
    "/api/v1/return",
    "/api/v1/export/return.csv",
    "/api/v1/export/entries.csv",
    "/api/v1/revisions",
    "/api/v1/stats",
    "/api/v1/returns/submitted",
    "/api/v1/returns/changes",
    "/api/v1/shifts/",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Random and extreme query strings on every route that reads one:
    /// never a 5xx, never a dropped connection.
    #[test]
    fn no_query_string_reaches_a_5xx(
        from in prop::option::of(query_value()),
        to in prop::option::of(query_value()),
        same in any::<bool>(),
        pairs in prop::collection::vec((0..QUERY_KEYS.len(), query_value()), 0..4),
        raw_tail in prop::option::of("[%&=a-z0-9+~.:-]{0,30}"),
    ) {
        let (base, token) = fuzz_server();
        // A period of one day is the likeliest to pass the other checks.
        let to = if same { from.clone() } else { to };
        for route in QUERY_ROUTES {
            fuzz_one(&base, &token, route, &from, &to, &pairs, &raw_tail)?;
        }
    }
}

fn fuzz_one(
    base: &str,
    token: &str,
    route: &str,
    from: &Option<String>,
    to: &Option<String>,
    pairs: &[(usize, String)],
    raw_tail: &Option<String>,
) -> Result<(), TestCaseError> {
    let mut path = route.to_owned();
    if path.ends_with('/') {
        path.push_str(&urlencode(
            &pairs.first().map(|p| p.1.clone()).unwrap_or_default(),
        ));
    }
    // Dates first: they are what used to kill a request.
    let dates = [("from", from), ("to", to)];
    let mut query: Vec<String> = dates
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={}", urlencode(v))))
        .chain(
            pairs
                .iter()
                .map(|(k, v)| format!("{}={}", QUERY_KEYS[*k], urlencode(v))),
        )
        .collect();
    if let Some(raw) = raw_tail {
        query.push(raw.clone());
    }
    if !query.is_empty() {
        path = format!("{path}?{}", query.join("&"));
    }
    let (status, body) = fuzz_runtime().block_on(async {
        let res = client()
            .get(format!("{base}{path}"))
            .bearer_auth(token)
            .send()
            .await;
        match res {
            Ok(res) => {
                let status = res.status().as_u16();
                (status, res.text().await.unwrap_or_default())
            }
            Err(e) => (0, e.to_string()),
        }
    });
    prop_assert!(
        (200..500).contains(&status),
        "{} gave {}: {}",
        path,
        status,
        body
    );
    Ok(())
}

/// One runtime and one server for every case of the property test.
fn fuzz_runtime() -> &'static tokio::runtime::Runtime {
    static RT: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    })
}

fn fuzz_server() -> (String, String) {
    static SERVER: std::sync::OnceLock<(String, String)> = std::sync::OnceLock::new();
    SERVER
        .get_or_init(|| {
            fuzz_runtime().block_on(async {
                let server = TestServer::start().await;
                let token = server.officer("pc-fuzz").await;
                push_ok(
                    &server.base,
                    &token,
                    &as_values(&revisions(5, "pc-fuzz", 12)),
                )
                .await;
                let out = (server.base.clone(), server.sup.clone());
                // Kept running for the life of the test binary.
                std::mem::forget(server);
                out
            })
        })
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn percent_encoded_dotfiles_and_climbs_are_never_served() {
    timeout(TEST_TIMEOUT, async {
        let server = TestServer::start().await;
        for path in [
            "/%2Egit/hooks/pre-commit.sample",
            "/%2egit/hooks/pre-commit.sample",
            "/%2Eenv.local",
            "/%2Estage/index.html",
            "/%2estage/app.js",
            "/x/%2E%2E/%2Eenv.local",
            "/%2e%2e/beatbook.db",
            "/%2e%2e/%2e%2e/etc/passwd",
            "/a/%2e%2e/%2e%2e/beatbook.db",
            "/%2e%2e%2fbeatbook.db",
            "/..%2fbeatbook.db",
            "/%2e",
            "/%FF%FE.js",
            "/missing.js/",
            "/beatbook-0123456789abcdef.js/",
            "/img/logo.png",
        ] {
            let (status, text) = raw_get(server.addr, path).await;
            assert_eq!(status, 404, "{path}");
            assert!(!text.contains("secret"), "{path}: {text}");
            assert!(!text.contains("SECRET"), "{path}: {text}");
            assert!(!text.contains("<title>Beatbook"), "{path}: {text}");
        }
        // Unknown API paths, however spelt, are the API's JSON 404, never
        // the app page.
        for path in [
            "/api/v1/nope",
            "/api/nope",
            "/api",
            "/%61pi/v1/nope",
            "/api%2Fv1%2Fnope",
            "/api/v2/shifts",
        ] {
            let (status, text) = raw_get(server.addr, path).await;
            assert_eq!(status, 404, "{path}");
            let body: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(body["error"], "not_found", "{path}");
        }
        // Deep links still get the app.
        for path in ["/", "/timeline", "/entries/1234/edit", "/%74imeline"] {
            let (status, text) = raw_get(server.addr, path).await;
            assert_eq!(status, 200, "{path}");
            assert!(text.contains("<title>Beatbook"), "{path}");
        }
        server.stop().await;
    })
    .await
    .unwrap();
}

/// GET exactly this path over a plain TCP connection (HTTP clients
/// resolve `%2e%2e` themselves before sending); the status and the body.
async fn raw_get(addr: std::net::SocketAddr, path: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

// ---- Ownership before anything else; one history rule on both sides ----

use beatbook_core::auth::Role;
use beatbook_core::codes::AsbPower;
use beatbook_core::record::{Arrest, AsbIntervention, IjReferral, Note};
use beatbook_core::sync::PushResponse;
use beatbook_core::{Change, EntryId, Record, RecordKind, Revision, RevisionId};

fn fresh_id() -> [u8; 16] {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).unwrap();
    b
}

/// A new note of `officer` in `shift` (and `patrol`), seq 1.
fn note(officer: &str, shift: Option<EntryId>, patrol: Option<EntryId>) -> Revision {
    let now = chrono::Utc::now() - chrono::Duration::minutes(5);
    Revision {
        clock_offset_ms: None,
        prev: None,
        id: RevisionId::from_random_bytes(fresh_id()),
        entry_id: EntryId::from_random_bytes(fresh_id()),
        seq: 1,
        officer_id: officer.to_owned(),
        captured_at: now,
        occurred_at: now,
        shift_id: shift,
        patrol_id: patrol,
        location: None,
        notes: String::new(),
        change: Change::Created,
        record: Record::Note(Note {
            category: Some(beatbook_core::codes::NoteKind::Engagement),
            text: "Spoke with the shop owners".into(),
        }),
    }
}

/// The next revision of `prev`: a correction with a reason.
fn correction(prev: &Revision) -> Revision {
    Revision {
        id: RevisionId::from_random_bytes(fresh_id()),
        seq: prev.seq + 1,
        captured_at: prev.captured_at + chrono::Duration::seconds(30),
        notes: "added detail".into(),
        change: Change::Corrected {
            reason: "detail missed".into(),
        },
        ..prev.clone()
    }
}

fn result_json(res: &PushResponse) -> Vec<Value> {
    res.results
        .iter()
        .map(|r| serde_json::to_value(r).unwrap())
        .collect()
}

fn rejection_of(res: &PushResponse, i: usize) -> String {
    result_json(res)[i]["reason"]["rejection"]
        .as_str()
        .unwrap_or("(not rejected)")
        .to_owned()
}

/// Officer A (team A) with a shift of six entries, officer B of team B.
struct TwoOfficers {
    server: TestServer,
    a: String,
    b: String,
    a_revs: Vec<Revision>,
    sup_a: String,
}

async fn two_officers() -> TwoOfficers {
    let server = TestServer::start().await;
    let a_id = server.add_user("pc-a", Role::Officer, &["A"]).await;
    let b_id = server.add_user("pc-b", Role::Officer, &["B"]).await;
    let sup_id = server.add_user("sgt-a", Role::Supervisor, &["A"]).await;
    let a = server.session(a_id, DEVICE).await;
    let b = server.session(b_id, DEVICE).await;
    let sup_a = server.session(sup_id, "desk").await;
    let a_revs = revisions(11, "pc-a", 10);
    let res = push_ok(&server.base, &a, &as_values(&a_revs)).await;
    assert!(outcomes(&res).iter().all(|o| o == "stored"), "{res:?}");
    TwoOfficers {
        server,
        a,
        b,
        a_revs,
        sup_a,
    }
}

/// What A's supervisor sees of A's shift: revisions and conflicts.
async fn shift_record(t: &TwoOfficers) -> Value {
    let shift = t.a_revs[0].entry_id;
    get_json(&t.server.base, &t.sup_a, &format!("/api/v1/shifts/{shift}")).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shift_hijack_is_refused_and_leaves_nothing_in_the_victims_record() {
    timeout(TEST_TIMEOUT, async {
        let t = two_officers().await;
        let base = &t.server.base;
        let before = shift_record(&t).await;
        let (a_shift, a_patrol) = (t.a_revs[0].entry_id, t.a_revs[1].entry_id);

        // B's own shift and patrol, to hang the attempts on.
        let b_revs = revisions(12, "pc-b", 2);
        push_ok(base, &t.b, &as_values(&b_revs)).await;
        let (b_shift, b_patrol) = (b_revs[0].entry_id, b_revs[1].entry_id);

        let into_a_shift = note("pc-b", Some(a_shift), None);
        let into_a_patrol = note("pc-b", Some(b_shift), Some(a_patrol));
        let a_patrol_with_a_shift = note("pc-b", Some(a_shift), Some(a_patrol));
        let res = push_ok(
            base,
            &t.b,
            &as_values(&[into_a_shift, into_a_patrol, a_patrol_with_a_shift]),
        )
        .await;
        for i in 0..3 {
            assert_eq!(rejection_of(&res, i), "reference_not_yours", "{res:?}");
            assert!(!res.results[i].retry);
        }
        assert_eq!(result_json(&res)[0]["reason"]["field"], "shift_id");
        assert_eq!(result_json(&res)[1]["reason"]["field"], "patrol_id");

        // Wrong kinds: a patrol as the shift, a patrol of another shift.
        let b2 = revisions(13, "pc-b", 2);
        push_ok(base, &t.b, &as_values(&b2)).await;
        let patrol_as_shift = note("pc-b", Some(b_patrol), None);
        let other_shifts_patrol = note("pc-b", Some(b_shift), Some(b2[1].entry_id));
        let shift_as_patrol = note("pc-b", Some(b_shift), Some(b_shift));
        let res = push_ok(
            base,
            &t.b,
            &as_values(&[patrol_as_shift, other_shifts_patrol, shift_as_patrol]),
        )
        .await;
        for i in 0..3 {
            assert_eq!(rejection_of(&res, i), "reference_wrong_kind", "{res:?}");
        }

        // A shift nobody holds: not here yet, send again later.
        let unknown = note("pc-b", Some(EntryId::from_random_bytes(fresh_id())), None);
        let res = push_ok(base, &t.b, &as_values(std::slice::from_ref(&unknown))).await;
        assert_eq!(rejection_of(&res, 0), "reference_missing", "{res:?}");
        assert!(res.results[0].retry);
        assert_eq!(result_json(&res)[0]["retry"], true);

        // B's own note in B's own patrol is fine.
        let fine = note("pc-b", Some(b_shift), Some(b_patrol));
        let res = push_ok(base, &t.b, &as_values(&[fine])).await;
        assert_eq!(outcomes(&res), ["stored"], "{res:?}");

        // A's record is as it was: nothing of B's in it, no conflicts.
        let after = shift_record(&t).await;
        assert_eq!(after["revisions"], before["revisions"]);
        assert_eq!(after["conflicts"], serde_json::json!([]));
        let list: Value = get_json(base, &t.sup_a, "/api/v1/shifts").await;
        assert_eq!(list["shifts"].as_array().unwrap().len(), 1, "{list}");
        assert_eq!(list["shifts"][0]["counts"], before_counts(&t));
        t.server.stop().await;
    })
    .await
    .unwrap();
}

fn before_counts(t: &TwoOfficers) -> Value {
    let mut counts = serde_json::Map::new();
    let mut seen = std::collections::BTreeSet::new();
    for r in &t.a_revs[1..] {
        if r.kind() != RecordKind::Shift && seen.insert(r.entry_id) {
            let k = r.kind().code().to_owned();
            let n = counts.get(&k).and_then(Value::as_u64).unwrap_or(0);
            counts.insert(k, (n + 1).into());
        }
    }
    Value::Object(counts)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foreign_entry_ids_answer_not_your_entry_before_any_conflict_and_reveal_nothing() {
    timeout(TEST_TIMEOUT, async {
        let t = two_officers().await;
        let base = &t.server.base;
        let before = shift_record(&t).await;
        let stats_before: Value = get_json(base, &t.sup_a, "/api/v1/stats").await;
        let b_revs = revisions(14, "pc-b", 2);
        push_ok(base, &t.b, &as_values(&b_revs)).await;
        let b_shift = b_revs[0].entry_id;

        // Onto A's note (entry 2): its taken seq 1, a free seq 2, seq 9,
        // another kind, and B's own body under A's revision ID.
        let a_note = t.a_revs[2].clone();
        let mut attempts = Vec::new();
        for seq in [1, 2, 9] {
            let mut r = note("pc-b", Some(b_shift), None);
            r.entry_id = a_note.entry_id;
            r.seq = seq;
            if seq > 1 {
                r.change = Change::Corrected {
                    reason: "mine now".into(),
                };
            }
            attempts.push(r);
        }
        let mut other_kind = note("pc-b", Some(b_shift), None);
        other_kind.entry_id = t.a_revs[0].entry_id; // A's shift, as a note
        other_kind.seq = 3;
        other_kind.change = Change::Corrected {
            reason: "mine now".into(),
        };
        attempts.push(other_kind);
        let mut same_revision_id = note("pc-b", Some(b_shift), None);
        same_revision_id.id = a_note.id;
        attempts.push(same_revision_id);
        // And an entry that does not exist, claimed as A's.
        let mut claimed = note("pc-a", Some(t.a_revs[0].entry_id), None);
        claimed.entry_id = EntryId::from_random_bytes(fresh_id());
        attempts.push(claimed);

        let res = push_ok(base, &t.b, &as_values(&attempts)).await;
        let answers = result_json(&res);
        for (i, a) in answers.iter().enumerate() {
            assert_eq!(a["outcome"], "rejected", "{i}: {a}");
            // The same answer every time: nothing about seq, kind or content.
            assert_eq!(
                a["reason"],
                serde_json::json!({"rejection": "not_your_entry"})
            );
            assert_eq!(a["message"], answers[0]["message"]);
            assert!(a.get("retry").is_none());
        }
        // Resending gives the same, and still leaves no row.
        let again = push_ok(base, &t.b, &as_values(&attempts)).await;
        assert_eq!(outcomes(&again), outcomes(&res));

        let after = shift_record(&t).await;
        assert_eq!(after["revisions"], before["revisions"]);
        assert_eq!(after["conflicts"], serde_json::json!([]));
        let stats_after: Value = get_json(base, &t.sup_a, "/api/v1/stats").await;
        assert_eq!(stats_after, stats_before);
        let b_stats: Value = get_json(base, &t.b, "/api/v1/stats").await;
        assert_eq!(b_stats["revisions"], 2, "{b_stats}");
        assert_eq!(b_stats["conflicts"], 0, "{b_stats}");
        let _ = &t.a;
        t.server.stop().await;
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_must_name_the_officers_own_entry_of_the_right_kind() {
    timeout(TEST_TIMEOUT, async {
        let t = two_officers().await;
        let base = &t.server.base;
        let b_revs = revisions(15, "pc-b", 10);
        let res = push_ok(base, &t.b, &as_values(&b_revs)).await;
        assert!(outcomes(&res).iter().all(|o| o == "stored"), "{res:?}");
        let (b_shift, b_patrol) = (b_revs[0].entry_id, b_revs[1].entry_id);
        let find = |revs: &[Revision], kind: RecordKind| {
            revs.iter().find(|r| r.kind() == kind).unwrap().entry_id
        };
        let a_stop = find(&t.a_revs, RecordKind::StopSearch);
        let a_asb = find(&t.a_revs, RecordKind::AsbIntervention);
        let b_stop = find(&b_revs, RecordKind::StopSearch);
        let b_asb = find(&b_revs, RecordKind::AsbIntervention);
        let b_note = find(&b_revs, RecordKind::Note);

        let arrest = |linked: EntryId| {
            let mut r = note("pc-b", Some(b_shift), Some(b_patrol));
            let sample = b_revs
                .iter()
                .find(|r| r.kind() == RecordKind::Arrest)
                .unwrap();
            let Record::Arrest(a) = &sample.record else {
                unreachable!()
            };
            r.record = Record::Arrest(Arrest {
                linked_stop: Some(linked),
                // Cautioned on arrest (this revision's time).
                caution_at: Some(r.occurred_at),
                ..a.clone()
            });
            r
        };
        let referral = |linked: EntryId| {
            let mut r = note("pc-b", Some(b_shift), Some(b_patrol));
            let sample = b_revs
                .iter()
                .find(|r| r.kind() == RecordKind::IjReferral)
                .unwrap();
            let Record::IjReferral(i) = &sample.record else {
                unreachable!()
            };
            r.record = Record::IjReferral(IjReferral {
                linked_entry: Some(linked),
                ..i.clone()
            });
            r
        };
        // A Community Protection Notice names the warning it follows.
        let notice = |warning: EntryId| {
            let mut r = note("pc-b", Some(b_shift), Some(b_patrol));
            r.record = Record::AsbIntervention(AsbIntervention {
                power: Some(AsbPower::Cpn),
                persons: Some(1),
                place: "Playing field".into(),
                behaviour: "Still riding on the field".into(),
                requirements: "Do not ride on the field".into(),
                prior_warning: Some(warning),
                prior_warning_deadline: Some(r.occurred_at.date_naive() - chrono::Days::new(7)),
                person_aged_16_plus: true,
                ..AsbIntervention::default()
            });
            r
        };
        let changes = [
            arrest(a_stop),
            arrest(b_note),
            arrest(b_stop),
            referral(a_asb),
            referral(b_note),
            referral(b_asb),
            notice(a_asb),
            notice(b_note),
            notice(b_asb),
        ];
        let res = push_ok(base, &t.b, &as_values(&changes)).await;
        let want = [
            "reference_not_yours",
            "reference_wrong_kind",
            "(not rejected)",
            "reference_not_yours",
            "reference_wrong_kind",
            "(not rejected)",
            "reference_not_yours",
            "reference_wrong_kind",
            "(not rejected)",
        ];
        for (i, w) in want.iter().enumerate() {
            assert_eq!(rejection_of(&res, i), *w, "{i}: {res:?}");
        }
        assert_eq!(outcomes(&res)[2], "stored");
        assert_eq!(outcomes(&res)[5], "stored");
        assert_eq!(result_json(&res)[0]["reason"]["field"], "linked_stop");
        assert_eq!(result_json(&res)[3]["reason"]["field"], "linked_entry");
        assert_eq!(outcomes(&res)[8], "stored");
        assert_eq!(result_json(&res)[6]["reason"]["field"], "prior_warning");
        t.server.stop().await;
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_in_any_order_is_stored_when_what_it_names_is_in_it() {
    timeout(TEST_TIMEOUT, async {
        let server = TestServer::start().await;
        let pc = server.officer("pc-order").await;
        let mut revs = revisions(16, "pc-order", 40);
        revs.reverse();
        let res = push_ok(&server.base, &pc, &as_values(&revs)).await;
        assert!(
            outcomes(&res).iter().all(|o| o == "stored"),
            "{:?}",
            result_json(&res)
        );
        server.stop().await;
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_runs_the_history_rule_the_app_runs() {
    timeout(TEST_TIMEOUT, async {
        let server = TestServer::start().await;
        let base = &server.base;
        let pc = server.officer("pc-h").await;
        let revs = revisions(17, "pc-h", 2);
        push_ok(base, &pc, &as_values(&revs)).await;
        let (shift, patrol) = (&revs[0], &revs[1]);
        let n1 = note("pc-h", Some(shift.entry_id), Some(patrol.entry_id));
        push_ok(base, &pc, &as_values(std::slice::from_ref(&n1))).await;
        let other_shift = revisions(18, "pc-h", 1).remove(0);
        push_ok(base, &pc, &as_values(std::slice::from_ref(&other_shift))).await;

        // seq 2 `created` rewriting the note.
        let mut recreated = correction(&n1);
        recreated.change = Change::Created;
        // seq 9 straight after seq 1.
        let mut leap = correction(&n1);
        leap.seq = 9;
        // `ended` on a note.
        let mut ended_note = correction(&n1);
        ended_note.change = Change::Ended;
        // A patrol `ended` that also changes its area and notes.
        let mut end_more = correction(patrol);
        end_more.change = Change::Ended;
        if let Record::Patrol(p) = &mut end_more.record {
            p.area = "Somewhere else".into();
            p.ended_at = Some(end_more.captured_at);
        }
        end_more.notes = "rewritten".into();
        // A correction moving the note to another shift.
        let mut moved = correction(&n1);
        moved.shift_id = Some(other_shift.entry_id);
        moved.patrol_id = None;
        // A correction without a reason.
        let mut no_reason = correction(&n1);
        no_reason.change = Change::Corrected { reason: " ".into() };
        // A first revision that is not a creation.
        let mut not_created = note("pc-h", Some(shift.entry_id), None);
        not_created.change = Change::Corrected {
            reason: "first".into(),
        };

        let changes = [
            recreated,
            leap,
            ended_note,
            end_more,
            moved,
            no_reason,
            not_created,
        ];
        // Each alone, so none is decided against another.
        let mut got = Vec::new();
        for c in &changes {
            let res = push_ok(base, &pc, &as_values(std::slice::from_ref(c))).await;
            got.push((rejection_of(&res, 0), res.results[0].retry));
        }
        let want = [
            ("created_twice", false),
            ("earlier_revision_missing", true),
            ("not_endable", false),
            ("end_changes_more", false),
            ("context_changed", false),
            ("invalid", false),
            ("first_must_be_creation", false),
        ];
        let want: Vec<(String, bool)> = want.iter().map(|(r, b)| (r.to_string(), *b)).collect();
        assert_eq!(got, want);

        // Nothing of these was stored.
        let stats: Value = get_json(base, &pc, "/api/v1/stats").await;
        assert_eq!(stats["revisions"], 4, "{stats}");
        assert_eq!(stats["conflicts"], 0, "{stats}");

        // Out of order within one push is fine; across pushes the later
        // one waits (retry) and is stored once the earlier one is there.
        let c2 = correction(&n1);
        let c3 = correction(&c2);
        let c4 = correction(&c3);
        let res = push_ok(base, &pc, &as_values(&[c3.clone(), c2.clone()])).await;
        assert_eq!(outcomes(&res), ["stored", "stored"], "{res:?}");
        let c5 = correction(&c4);
        let res = push_ok(base, &pc, &as_values(std::slice::from_ref(&c5))).await;
        assert_eq!(rejection_of(&res, 0), "earlier_revision_missing");
        assert!(res.results[0].retry);
        assert_eq!(result_json(&res)[0]["reason"]["expected"], 4);
        let res = push_ok(base, &pc, &as_values(&[c4, c5])).await;
        assert_eq!(outcomes(&res), ["stored", "stored"], "{res:?}");
        server.stop().await;
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_read_of_revisions_and_stats_writes_one_access_log_row() {
    timeout(TEST_TIMEOUT, async {
        let server = TestServer::start().await;
        let pc = server.officer("pc-log").await;
        push_ok(&server.base, &pc, &as_values(&revisions(19, "pc-log", 30))).await;
        let before = server.accounts.access_log(1000).await.unwrap().len();
        // Three pages of revisions, and the counts, by the supervisor.
        let mut after = 0i64;
        for _ in 0..3 {
            let page: Value = get_json(
                &server.base,
                &server.sup,
                &format!("/api/v1/revisions?limit=10&after={after}&officer_id=pc-log"),
            )
            .await;
            after = page["next_after"].as_i64().unwrap_or(after);
        }
        let _: Value = get_json(&server.base, &server.sup, "/api/v1/stats").await;
        let log = server.accounts.access_log(1000).await.unwrap();
        assert_eq!(log.len(), before + 4, "one row per request, not per row");
        let mine: Vec<_> = log.iter().filter(|r| r.officer_id == SUPERVISOR).collect();
        let actions: Vec<&str> = mine.iter().map(|r| r.action.as_str()).collect();
        assert_eq!(
            actions.iter().filter(|a| **a == "revisions_read").count(),
            3,
            "{actions:?}"
        );
        assert_eq!(actions.iter().filter(|a| **a == "stats_read").count(), 1);
        let read = mine.iter().find(|r| r.action == "revisions_read").unwrap();
        let detail: Value = serde_json::from_str(&read.detail).unwrap();
        assert_eq!(detail["route"], "/api/v1/revisions");
        assert_eq!(detail["officer_id"], "pc-log");
        assert_eq!(read.role, "supervisor");
        server.stop().await;
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_200_guess_burst_verifies_no_more_than_the_limit() {
    timeout(TEST_TIMEOUT, async {
        let server = TestServer::start().await;
        server.officer("pc-burst").await;
        let base = server.base.clone();
        let guesses: Vec<_> = (0..200)
            .map(|i| {
                let base = base.clone();
                tokio::spawn(async move {
                    let res = sign_in(&base, "pc-burst", &format!("guess {i}"), "dev-x").await;
                    res.status().as_u16()
                })
            })
            .collect();
        let mut statuses = std::collections::BTreeMap::new();
        for g in guesses {
            *statuses.entry(g.await.unwrap()).or_insert(0) += 1;
        }
        // 401 only after a password was verified: at most the per-account
        // limit (5); every other guess was refused before any Argon2 work.
        let verified = statuses.get(&401).copied().unwrap_or(0);
        assert!(verified <= 5, "{statuses:?}");
        assert_eq!(
            statuses.get(&429).copied().unwrap_or(0) + statuses.get(&503).copied().unwrap_or(0),
            200 - verified,
            "{statuses:?}"
        );
        let failed = server.accounts.recent_events(1000).await.unwrap();
        let failed = failed.iter().filter(|e| e.kind == "sign_in_failed").count();
        assert!(failed <= 5, "{failed} failures logged");
        server.stop().await;
    })
    .await
    .unwrap();
}

fn loopback(n: u8) -> std::net::IpAddr {
    std::net::IpAddr::from([127, 0, 0, n])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lockout_from_one_address_does_not_stop_the_officer_signing_in_from_another() {
    timeout(TEST_TIMEOUT, async {
        let server = TestServer::start().await;
        server.officer("pc-victim").await;
        let b = &server.base;
        let attacker = loopback(2);
        // Six wrong passwords for a known collar number: the sixth is refused.
        for n in 0..6 {
            let res = sign_in_from(b, attacker, &[], "pc-victim", "guess guess", "evil").await;
            let want = if n < 5 { 401 } else { 429 };
            assert_eq!(res.status(), want, "guess {n}");
        }
        // The attacker's address stays locked for that officer ID, even
        // with the right password (so a lucky sixth guess is never tried)...
        let res = sign_in_from(b, attacker, &[], "PC-VICTIM", TEST_PASSWORD, "evil").await;
        assert_eq!(res.status(), 429);
        // ...but the officer, from the station, signs in at once.
        let start = std::time::Instant::now();
        let res = sign_in_from(b, loopback(3), &[], "pc-victim", TEST_PASSWORD, "phone").await;
        assert_eq!(res.status(), 200);
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
        server.stop().await;
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_five_random_id_failures_from_one_address_leave_an_officer_there_signing_in() {
    timeout(TEST_TIMEOUT, async {
        let server = TestServer::start().await;
        server.officer("pc-nat").await;
        let b = &server.base;
        // One address for the whole force (a NAT, or a proxy not trusted).
        let nat = loopback(4);
        for n in 0..25 {
            let id = format!(
                "rnd-{:016x}",
                u64::from_le_bytes(fresh_id()[..8].try_into().unwrap())
            );
            let res = sign_in_from(b, nat, &[], &id, "guess guess", "x").await;
            assert_eq!(res.status(), 401, "guess {n}");
        }
        let res = sign_in_from(b, nat, &[], "pc-nat", TEST_PASSWORD, "phone").await;
        assert_eq!(res.status(), 200);
        server.stop().await;
    })
    .await
    .unwrap();
}

/// Five wrong passwords for `officer` from the client `xff` names, through
/// the "proxy" at 127.0.0.1.
async fn five_failures_via(b: &str, officer: &str, xff: &str) {
    for n in 0..5 {
        let res = sign_in_from(
            b,
            loopback(1),
            &[("x-forwarded-for", xff)],
            officer,
            "guess guess",
            "evil",
        )
        .await;
        assert_eq!(res.status(), 401, "guess {n} via {xff}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_trusted_proxy_the_forwarded_client_is_limited_not_the_proxy() {
    timeout(TEST_TIMEOUT, async {
        let config = beatbook_server::accounts::AuthConfig {
            trusted_proxies: vec!["127.0.0.1/32".parse().unwrap()],
            ..Default::default()
        };
        let server = TestServer::start_with(config).await;
        server.officer("pc-proxied").await;
        let b = &server.base;
        // A client's own X-Forwarded-For is kept left of what the proxy
        // appends, and never believed.
        five_failures_via(b, "pc-proxied", "6.6.6.6, 203.0.113.66").await;
        let res = sign_in_from(
            b,
            loopback(1),
            &[("x-forwarded-for", "203.0.113.66")],
            "pc-proxied",
            TEST_PASSWORD,
            "evil",
        )
        .await;
        assert_eq!(res.status(), 429, "the attacker behind the proxy is locked");
        // Another client through the same proxy (`Forwarded` this time).
        let res = sign_in_from(
            b,
            loopback(1),
            &[("forwarded", "for=\"[2001:db8::7]:4711\";proto=https")],
            "pc-proxied",
            TEST_PASSWORD,
            "phone",
        )
        .await;
        assert_eq!(res.status(), 200, "the officer behind the same proxy");
        // A peer not in the list cannot pick its address with the header:
        // its failures count under its own address.
        five_failures_via_peer(b, loopback(9), "pc-proxied", "198.51.100.1").await;
        let res = sign_in_from(
            b,
            loopback(9),
            &[("x-forwarded-for", "198.51.100.2")],
            "pc-proxied",
            TEST_PASSWORD,
            "evil",
        )
        .await;
        assert_eq!(res.status(), 429);
        // The security events name the forwarded client.
        let events = server.accounts.recent_events(100).await.unwrap();
        let ips: std::collections::BTreeSet<_> = events
            .iter()
            .filter(|e| e.kind == "sign_in_failed" || e.kind == "sign_in")
            .filter_map(|e| e.client_ip.clone())
            .collect();
        assert!(ips.contains("203.0.113.66"), "{ips:?}");
        assert!(ips.contains("2001:db8::7"), "{ips:?}");
        assert!(ips.contains("127.0.0.9"), "{ips:?}");
        assert!(
            !ips.iter()
                .any(|ip| ip.starts_with("6.6.6.6") || ip.starts_with("198.51.100")),
            "{ips:?}"
        );
        server.stop().await;
    })
    .await
    .unwrap();
}

async fn five_failures_via_peer(b: &str, peer: std::net::IpAddr, officer: &str, xff: &str) {
    for n in 0..5 {
        let res = sign_in_from(
            b,
            peer,
            &[("x-forwarded-for", xff)],
            officer,
            "guess guess",
            "evil",
        )
        .await;
        assert_eq!(res.status(), 401, "guess {n}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_trusted_proxies_forwarded_headers_are_ignored() {
    timeout(TEST_TIMEOUT, async {
        let server = TestServer::start().await;
        server.officer("pc-direct").await;
        let b = &server.base;
        five_failures_via(b, "pc-direct", "203.0.113.10").await;
        // A new address in the header changes nothing: the peer is locked
        // for that officer ID.
        let res = sign_in_from(
            b,
            loopback(1),
            &[
                ("x-forwarded-for", "203.0.113.11"),
                ("forwarded", "for=203.0.113.12"),
            ],
            "pc-direct",
            TEST_PASSWORD,
            "evil",
        )
        .await;
        assert_eq!(res.status(), 429);
        let events = server.accounts.recent_events(100).await.unwrap();
        assert!(events
            .iter()
            .filter(|e| e.kind == "sign_in_failed")
            .all(|e| e.client_ip.as_deref() == Some("127.0.0.1")));
        server.stop().await;
    })
    .await
    .unwrap();
}

/// Sends `n` wrong sign-ins at once from `addresses` (round robin), each
/// for a random officer ID; returns how many got each status.
async fn wrong_sign_in_burst(
    base: &str,
    n: usize,
    addresses: &[std::net::IpAddr],
) -> std::collections::BTreeMap<u16, usize> {
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let base = base.to_owned();
            let from = addresses[i % addresses.len()];
            tokio::spawn(async move {
                let id = format!(
                    "rnd-{i}-{:x}",
                    u64::from_le_bytes(fresh_id()[..8].try_into().unwrap())
                );
                sign_in_from(&base, from, &[], &id, "wrong password", "x")
                    .await
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let mut statuses = std::collections::BTreeMap::new();
    for t in tasks {
        *statuses.entry(t.await.unwrap()).or_insert(0) += 1;
    }
    statuses
}

/// Honest sign-ins one after another from `from` while `burst` runs:
/// each one's status and latency.
async fn honest_sign_ins_during(
    base: &str,
    from: std::net::IpAddr,
    officers: &[String],
    burst: impl std::future::Future<Output = std::collections::BTreeMap<u16, usize>>,
) -> (std::collections::BTreeMap<u16, usize>, Vec<(u16, f64)>) {
    let honest = async {
        // Let the burst start first.
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let mut seen = Vec::new();
        for o in officers {
            let start = std::time::Instant::now();
            let res = sign_in_from(base, from, &[], o, TEST_PASSWORD, "phone").await;
            seen.push((res.status().as_u16(), start.elapsed().as_secs_f64()));
        }
        seen
    };
    tokio::join!(burst, honest)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_200_wrong_sign_in_burst_keeps_memory_and_honest_sign_ins_within_budget() {
    timeout(TEST_TIMEOUT, async {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("dist")).unwrap();
        admin_cli(dir.path(), &["team", "add", TEST_TEAM], "");
        let officers: Vec<String> = (0..6).map(|n| format!("pc-honest-{n}")).collect();
        for o in &officers {
            cli_user(dir.path(), o, "officer");
        }
        let (child, base) = spawn_binary(dir.path(), &[]).await;
        let pid = child.id().unwrap();
        // Warm up: one sign-in, so the baseline has the Argon2 code paged in.
        let res = sign_in_from(
            &base,
            loopback(100),
            &[],
            &officers[0],
            TEST_PASSWORD,
            "warm",
        )
        .await;
        assert_eq!(res.status(), 200);
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let before = rss_mib(pid);

        // One attacking address: 200 wrong sign-ins at once.
        let (one, honest_one) = honest_sign_ins_during(
            &base,
            loopback(101),
            &officers[..3],
            wrong_sign_in_burst(&base, 200, &[loopback(50)]),
        )
        .await;
        let peak_one = rss_mib(pid);
        // Fifty attacking addresses, four each.
        let many: Vec<_> = (0..50).map(|n| loopback(150 + n)).collect();
        let (spread, honest_spread) = honest_sign_ins_during(
            &base,
            loopback(102),
            &officers[3..],
            wrong_sign_in_burst(&base, 200, &many),
        )
        .await;
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        let after = rss_mib(pid);
        println!(
            "RSS before {before:.1} MiB, after the one-address burst {peak_one:.1} MiB, \
             after both bursts {after:.1} MiB (+{:.1})",
            after - before
        );
        println!("one address: {one:?}; honest sign-ins (status, s): {honest_one:?}");
        println!("50 addresses: {spread:?}; honest sign-ins (status, s): {honest_spread:?}");
        assert!(after - before <= 50.0, "RSS {before:.1} -> {after:.1} MiB");
        // From one address the burst never holds up anyone else.
        for (status, _) in &honest_one {
            assert_eq!(*status, 200);
        }
        // Spread over many addresses it delays them by one verification per
        // address (the turns go round the addresses), never past their
        // turn's patience into a 503. The time is a budget, measured by
        // `scripts/bench-sign-in.sh`; here only that they are answered.
        for (status, secs) in &honest_spread {
            assert_eq!(*status, 200, "an honest sign-in was refused after {secs} s");
        }
        drop(child);
    })
    .await
    .unwrap();
}

/// A raw connection that sends the start of a request and then one more
/// header byte every `every`, until the server closes it; returns how long
/// the server kept it open.
async fn trickle_headers(
    addr: std::net::SocketAddr,
    every: std::time::Duration,
) -> std::time::Duration {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let start = std::time::Instant::now();
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    if stream
        .write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .is_err()
    {
        return start.elapsed();
    }
    let mut buf = [0u8; 1024];
    loop {
        tokio::select! {
            read = stream.read(&mut buf) => match read {
                // Closed (a 408 may come first: read on to the end).
                Ok(0) | Err(_) => return start.elapsed(),
                Ok(_) => {}
            },
            () = tokio::time::sleep(every) => {
                if stream.write_all(b"a").await.is_err() {
                    return start.elapsed();
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_header_connections_are_closed_while_health_stays_fast() {
    timeout(TEST_TIMEOUT, async {
        let header_timeout = std::time::Duration::from_secs(2);
        let limits = ConnLimits {
            header_timeout,
            ..ConnLimits::default()
        };
        let server = TestServer::start_with_limits(limits).await;
        let addr = server.addr;
        let slow: Vec<_> = (0..300)
            .map(|_| tokio::spawn(trickle_headers(addr, std::time::Duration::from_millis(300))))
            .collect();
        // Health while they trickle: every answer fast.
        let c = client();
        let mut worst = std::time::Duration::ZERO;
        for _ in 0..20 {
            let start = std::time::Instant::now();
            let res = c
                .get(format!("{}/api/v1/health", server.base))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            worst = worst.max(start.elapsed());
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let mut longest = std::time::Duration::ZERO;
        for s in slow {
            longest = longest.max(s.await.unwrap());
        }
        println!(
            "300 slow-header connections: longest kept open {longest:?}; slowest health {worst:?}"
        );
        // Not starved: an answer held behind the slow connections would wait
        // for the header timeout to close them. (Speed itself is the
        // benchmarks' to measure: on a loaded CI machine one answer took 1 s.)
        assert!(worst < header_timeout, "{worst:?}");
        // Closed at the header timeout (2 s), not left open.
        assert!(longest < std::time::Duration::from_secs(5), "{longest:?}");
        // An idle keep-alive connection is closed by the same clock.
        let idle = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            idle_keep_alive_lifetime(addr),
        )
        .await
        .expect("an idle keep-alive connection was never closed");
        assert!(idle < std::time::Duration::from_secs(4), "{idle:?}");
        server.stop().await;
    })
    .await
    .unwrap();
}

/// One request on a keep-alive connection, then nothing: how long until
/// the server closes it.
async fn idle_keep_alive_lifetime(addr: std::net::SocketAddr) -> std::time::Duration {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = vec![0u8; 8192];
    let n = stream.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    let start = std::time::Instant::now();
    while stream.read(&mut buf).await.unwrap_or(0) > 0 {}
    start.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_the_connection_cap_the_answer_is_a_503_with_retry_after_not_a_hang() {
    timeout(TEST_TIMEOUT, async {
        let limits = ConnLimits {
            max_connections: 20,
            ..ConnLimits::default()
        };
        let server = TestServer::start_with_limits(limits).await;
        // Twenty connections held open (idle, as a slow client would).
        let mut held = Vec::new();
        for _ in 0..20 {
            held.push(tokio::net::TcpStream::connect(server.addr).await.unwrap());
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let start = std::time::Instant::now();
        let res = client()
            .get(format!("{}/api/v1/health", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 503);
        assert_eq!(res.headers()["retry-after"], "1");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"], "unavailable");
        assert!(start.elapsed() < std::time::Duration::from_secs(1));
        // Room again once they go.
        drop(held);
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let res = client()
            .get(format!("{}/api/v1/health", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        server.stop().await;
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_body_that_trickles_past_its_deadline_gets_a_408() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    timeout(TEST_TIMEOUT, async {
        let limits = ConnLimits {
            body_timeout: std::time::Duration::from_secs(1),
            ..ConnLimits::default()
        };
        let server = TestServer::start_with_limits(limits).await;
        let token = server.officer("pc-slow-body").await;
        let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
        let head = format!(
            "POST /api/v1/sync/push HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{"
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        let start = std::time::Instant::now();
        let mut answer = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            tokio::select! {
                read = stream.read(&mut buf) => match read {
                    Ok(0) | Err(_) => break,
                    Ok(n) => answer.extend_from_slice(&buf[..n]),
                },
                // A byte every 200 ms: each frame is in time, the whole is not.
                () = tokio::time::sleep(std::time::Duration::from_millis(200)) => {
                    let _ = stream.write_all(b" ").await;
                }
            }
        }
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(answer.contains("request_timeout"), "{answer}");
        assert!(start.elapsed() < std::time::Duration::from_secs(4));
        server.stop().await;
    })
    .await
    .unwrap();
}

/// A push of 500 real revisions of `officer`, padded with whitespace to
/// just under the 2 MiB limit (the server holds what it is sent).
fn two_mib_push(officer: &str, device: &str, seed: u64) -> Vec<u8> {
    let body = serde_json::json!({
        "protocol": beatbook_core::sync::PROTOCOL_VERSION,
        "device_id": device,
        "changes": as_values(&revisions(seed, officer, 500)),
    });
    let mut bytes = serde_json::to_vec(&body).unwrap();
    let target = beatbook_core::sync::MAX_PUSH_BYTES - 1024;
    assert!(bytes.len() < target, "{}", bytes.len());
    let end = bytes.pop().unwrap();
    bytes.resize(target - 1, b' ');
    bytes.push(end);
    bytes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_large_pushes_beyond_the_cap_gets_503s_and_memory_returns() {
    timeout(TEST_TIMEOUT, async {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("dist")).unwrap();
        // Ten officers with a session each (officer, device, token).
        let mut out = Vec::new();
        let args = beatbook_tools::cli::BenchUsersArgs {
            db: db_target(dir.path()),
            count: 10,
            prefix: "big".into(),
            team: "bench".into(),
            hours: 12,
        };
        beatbook_tools::bench_users::run(&args, &mut out)
            .await
            .unwrap();
        let sessions: Vec<(String, String, String)> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                (f[0].to_owned(), f[1].to_owned(), f[2].to_owned())
            })
            .collect();
        assert_eq!(sessions.len(), 10);
        let bodies: Vec<Vec<u8>> = sessions
            .iter()
            .enumerate()
            .map(|(i, (o, d, _))| two_mib_push(o, d, 9000 + i as u64))
            .collect();
        let (child, base) = spawn_binary(dir.path(), &["--max-large-pushes", "4"]).await;
        let pid = child.id().unwrap();
        // Warm up: one large push each way through the server.
        let c = client();
        let res = c
            .post(format!("{base}/api/v1/sync/push"))
            .bearer_auth(&sessions[0].2)
            .header("content-type", "application/json")
            .body(bodies[0].clone())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let before = rss_mib(pid);
        let peak = std::sync::Arc::new(std::sync::Mutex::new(before));
        let watching = {
            let peak = peak.clone();
            tokio::spawn(async move {
                loop {
                    let now = rss_mib(pid);
                    {
                        let mut p = peak.lock().unwrap();
                        *p = p.max(now);
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
            })
        };
        let start = std::time::Instant::now();
        let pushes: Vec<_> = (0..100)
            .map(|i| {
                let url = format!("{base}/api/v1/sync/push");
                let token = sessions[i % 10].2.clone();
                let body = bodies[i % 10].clone();
                tokio::spawn(async move {
                    let res = client()
                        .post(url)
                        .bearer_auth(token)
                        .header("content-type", "application/json")
                        .body(body)
                        .send()
                        .await
                        .unwrap();
                    let status = res.status().as_u16();
                    let retry = res.headers().contains_key("retry-after");
                    (status, retry)
                })
            })
            .collect();
        let mut statuses = std::collections::BTreeMap::new();
        for p in pushes {
            let (status, retry) = p.await.unwrap();
            if status == 503 {
                assert!(retry, "a 503 without Retry-After");
            }
            *statuses.entry(status).or_insert(0usize) += 1;
        }
        let took = start.elapsed();
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        watching.abort();
        let after = rss_mib(pid);
        let peak = *peak.lock().unwrap();
        println!(
            "100 pushes of 2 MiB, 4 at once: {statuses:?} in {took:?}; RSS before {before:.1} MiB, \
             peak {peak:.1} MiB, after {after:.1} MiB"
        );
        // Only 200s and 503s: nobody hung or was dropped.
        assert_eq!(
            statuses.keys().copied().collect::<Vec<_>>(),
            vec![200, 503],
            "{statuses:?}"
        );
        // The cap, not the burst, bounds the memory: 4 bodies of 2 MiB and
        // their decoding, far below 100 at once (+624 MiB before).
        assert!(peak - before < 150.0, "peak {before:.1} -> {peak:.1} MiB");
        assert!(after - before < 50.0, "after {before:.1} -> {after:.1} MiB");
        drop(child);
    })
    .await
    .unwrap();
}

/// A pool too small for the load: 300 reads at once with one reading
/// connection and the shortest wait for it the flag allows (100 ms). A request that gets no connection
/// is told the server is busy (503 `unavailable` with `Retry-After`,
/// which the app retries), never a 500 storage failure, and the server
/// answers as ever afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_that_find_no_free_connection_are_told_busy_not_a_storage_failure() {
    timeout(TEST_TIMEOUT, async {
        let dir = tempfile::tempdir().unwrap();
        write_dist(&dir.path().join("dist"));
        admin_cli(dir.path(), &["team", "add", TEST_TEAM], "");
        cli_user(dir.path(), "pc-pool", "officer");
        let (_child, base) = spawn_binary(
            dir.path(),
            &["--db-readers", "1", "--db-acquire-timeout-ms", "100"],
        )
        .await;
        // Setting up, the app's way: a busy answer is tried again.
        let mut token = None;
        for _ in 0..50 {
            let res = sign_in(&base, "pc-pool", TEST_PASSWORD, DEVICE).await;
            match res.status().as_u16() {
                200 => {
                    let body: Value = res.json().await.unwrap();
                    token = Some(body["token"].as_str().unwrap().to_owned());
                    break;
                }
                503 => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
                other => panic!("sign-in: {other}"),
            }
        }
        let token = token.expect("no sign-in in 50 tries");
        let body = push_body(&as_values(&revisions(7, "pc-pool", 500)));
        for attempt in 0.. {
            let res = client()
                .post(format!("{base}/api/v1/sync/push"))
                .bearer_auth(&token)
                .json(&body)
                .send()
                .await
                .unwrap();
            if res.status() == 200 {
                let answer: Value = res.json().await.unwrap();
                let results = answer["results"].as_array().unwrap();
                // A retried push may find some already had: never lost.
                assert!(results
                    .iter()
                    .all(|r| r["outcome"] == "stored" || r["outcome"] == "already_had"));
                break;
            }
            assert_eq!(res.status(), 503);
            assert!(attempt < 50, "no push in 50 tries");
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }

        let reads: Vec<_> = (0..300)
            .map(|_| {
                let (base, token) = (base.clone(), token.clone());
                tokio::spawn(async move {
                    let res = client()
                        .get(format!("{base}/api/v1/revisions?limit=1000"))
                        .bearer_auth(&token)
                        .send()
                        .await
                        .unwrap();
                    let status = res.status().as_u16();
                    let retry_after = res
                        .headers()
                        .get("retry-after")
                        .map(|v| v.to_str().unwrap().to_owned());
                    let body: Value = res.json().await.unwrap();
                    (status, retry_after, body)
                })
            })
            .collect();
        let mut busy = 0;
        for read in reads {
            let (status, retry_after, body) = read.await.unwrap();
            match status {
                200 => assert_eq!(body["revisions"].as_array().unwrap().len(), 500),
                503 => {
                    busy += 1;
                    assert_eq!(body["error"], "unavailable", "{body}");
                    assert_eq!(retry_after.as_deref(), Some("1"));
                }
                other => panic!("{other}: {body}"),
            }
        }
        println!("{busy} of 300 reads told busy");
        assert!(
            busy > 0,
            "no read waited for the one connection: nothing was tested"
        );
        // Then, one at a time, the first read that finds the connection
        // free reads everything.
        for attempt in 0.. {
            let res = client()
                .get(format!("{base}/api/v1/revisions?limit=1000"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            if res.status() == 200 {
                let page: Value = res.json().await.unwrap();
                assert_eq!(page["revisions"].as_array().unwrap().len(), 500);
                break;
            }
            assert_eq!(res.status(), 503);
            assert!(attempt < 50, "no read in 50 tries");
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap();
}
