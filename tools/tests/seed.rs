//! The demo seed: the same seed makes the same force, another seed another,
//! every kind of entry is made, supervisors' one-time passwords are
//! printed, and a database that has accounts is never seeded.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use beatbook_tools::cli::SeedArgs;
use beatbook_tools::seed;
use std::time::Duration;
use tokio::time::timeout;

fn seed_args(db: &str, seed: u64) -> SeedArgs {
    SeedArgs {
        db: db.into(),
        officers: 5,
        teams: 2,
        months: 1,
        seed,
        end: Some("2025-06-01".into()),
        no_passwords: true,
    }
}

#[tokio::test]
async fn seed_is_deterministic() {
    timeout(Duration::from_secs(120), async {
        let dir = tempfile::tempdir().unwrap();
        let path = |n: &str| dir.path().join(n).to_str().unwrap().to_owned();
        let mut out = Vec::new();
        let a = seed::run(&seed_args(&path("a.db"), 7), &mut out)
            .await
            .unwrap();
        let b = seed::run(&seed_args(&path("b.db"), 7), &mut Vec::new())
            .await
            .unwrap();
        let c = seed::run(&seed_args(&path("c.db"), 8), &mut Vec::new())
            .await
            .unwrap();
        let strip = |mut r: seed::SeedReport| {
            r.seconds = 0.0;
            r
        };
        assert_eq!(strip(a.clone()), strip(b));
        assert_ne!(strip(a.clone()), strip(c));
        assert!(a.revisions > 1000, "{a:?}");
        for kind in [
            "shift",
            "patrol",
            "stop_search",
            "arrest",
            "asb_intervention",
            "note",
        ] {
            assert!(
                a.entries.get(kind).copied().unwrap_or(0) > 0,
                "{kind}: {a:?}"
            );
        }
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("SGT101\tsupervisor"), "{text}");
        // A seeded database refuses a second seed.
        assert!(seed::run(&seed_args(&path("a.db"), 7), &mut Vec::new())
            .await
            .is_err());
    })
    .await
    .expect("test timed out");
}
