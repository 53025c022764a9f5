//! Sign-in limits counted in the database (issue 12, item 3): a lockout
//! holds across a restart on the same database, and wrong passwords spread
//! over three server instances on one database are limited as if they all
//! reached one. (The limits themselves: `tests/access.rs`, `tests/attack.rs`
//! and the unit tests of `auth::limit`.)
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;

use beatbook_server::accounts::limit::Limit;
use beatbook_server::accounts::AuthConfig;
use common::*;
use std::collections::BTreeMap;
use std::net::IpAddr;
use tokio::time::timeout;

fn loopback(n: u8) -> IpAddr {
    IpAddr::from([127, 0, 0, n])
}

/// Seconds in a 429's `Retry-After`.
fn retry_after(res: &reqwest::Response) -> u64 {
    res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lockout_survives_a_restart_on_the_same_database() {
    timeout(TEST_TIMEOUT, async {
        // A small per-address limit, so the address's lockout needs few
        // verifications too.
        let mut config = AuthConfig::default();
        config.limits.per_address = Limit::new(8, 900);
        let server = TestServer::start_with(config.clone()).await;
        server.officer("pc-restart").await;
        server.officer("pc-nearby").await;
        let attacker = loopback(2);
        let b = &server.base;
        for n in 0..5 {
            let res = sign_in_from(b, attacker, &[], "pc-restart", "guess guess", "evil").await;
            assert_eq!(res.status(), 401, "guess {n}");
        }
        // Three more, at IDs nobody has: the address has its 8 failures.
        for n in 0..3 {
            let res = sign_in_from(b, attacker, &[], &format!("nobody-{n}"), "guess", "evil").await;
            assert_eq!(res.status(), 401, "guess {n} at nobody");
        }
        let res = sign_in_from(b, attacker, &[], "pc-restart", TEST_PASSWORD, "evil").await;
        assert_eq!(res.status(), 429);
        let dir = server.stop().await;

        let server = TestServer::start_in_with(dir, config).await;
        let b = &server.base;
        // The pair is still locked, the right password changing nothing...
        let res = sign_in_from(b, attacker, &[], "pc-restart", TEST_PASSWORD, "evil").await;
        assert_eq!(
            res.status(),
            429,
            "the restart gave the pair a fresh window"
        );
        assert!((1..=900).contains(&retry_after(&res)));
        // ...and so is the address, for any officer ID.
        let res = sign_in_from(b, attacker, &[], "pc-nearby", TEST_PASSWORD, "evil").await;
        assert_eq!(
            res.status(),
            429,
            "the restart gave the address a fresh window"
        );
        // The officer signs in from anywhere else at once.
        let res = sign_in_from(b, loopback(3), &[], "pc-restart", TEST_PASSWORD, "phone").await;
        assert_eq!(res.status(), 200);
        server.stop().await;
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_passwords_spread_over_three_instances_are_limited_as_if_they_hit_one() {
    timeout(TEST_TIMEOUT, async {
        let first = TestServer::start().await;
        first.officer("pc-spread").await;
        first.officer("pc-burst").await;
        // Two more `serve`s on the same database file.
        let second = TestServer::start_beside(&first).await;
        let third = TestServer::start_beside(&first).await;
        let bases = [first.base.clone(), second.base.clone(), third.base.clone()];
        let attacker = loopback(2);

        // One after another, each instance in turn: five failures in all,
        // and the sixth attempt is refused at every instance.
        for n in 0..5 {
            let res =
                sign_in_from(&bases[n % 3], attacker, &[], "pc-spread", "guess", "evil").await;
            assert_eq!(res.status(), 401, "guess {n}");
        }
        for base in &bases {
            let res = sign_in_from(base, attacker, &[], "pc-spread", TEST_PASSWORD, "evil").await;
            assert_eq!(
                res.status(),
                429,
                "{base}: each instance counted only its own"
            );
        }

        // At once: 42 guesses at another officer, a third at each instance.
        // No more are verified than one instance alone lets through (5);
        // the rest are refused before any hashing (429) or turned away
        // as busy (503).
        let guesses: Vec<_> = (0..42)
            .map(|i| {
                let base = bases[i % 3].clone();
                tokio::spawn(async move {
                    sign_in_from(
                        &base,
                        attacker,
                        &[],
                        "pc-burst",
                        &format!("guess {i}"),
                        "evil",
                    )
                    .await
                    .status()
                    .as_u16()
                })
            })
            .collect();
        let mut statuses = BTreeMap::new();
        for g in guesses {
            *statuses.entry(g.await.unwrap()).or_insert(0usize) += 1;
        }
        let verified = statuses.get(&401).copied().unwrap_or(0);
        assert!(verified <= 5, "{statuses:?}");
        assert_eq!(
            statuses.get(&429).copied().unwrap_or(0) + statuses.get(&503).copied().unwrap_or(0),
            42 - verified,
            "{statuses:?}"
        );
        let failed = first.accounts.recent_events(1000).await.unwrap();
        let failed = failed
            .iter()
            .filter(|e| e.kind == "sign_in_failed" && e.officer_id.as_deref() == Some("pc-burst"))
            .count();
        assert_eq!(failed, verified, "every verified guess logged, once");

        // The officer, from the station, is not held up at any instance.
        for base in &bases {
            let res =
                sign_in_from(base, loopback(3), &[], "pc-spread", TEST_PASSWORD, "phone").await;
            assert_eq!(res.status(), 200, "{base}");
        }
        third.stop().await;
        second.stop().await;
        first.stop().await;
    })
    .await
    .unwrap();
}
