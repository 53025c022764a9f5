//! Failed sign-in limits: a lockout per (officer ID, client address) pair,
//! a slow-down per officer ID, and a generous lockout per client address.
//!
//! Why three: a lockout per officer ID alone lets anyone who knows a collar
//! number lock its owner out from everywhere with a handful of guesses, and
//! a tight lockout per address locks out a whole force behind one NAT or
//! reverse proxy after a few typos. So:
//! - **pair** (officer ID, address): a few failures lock that pair only;
//!   the officer signs in from any other address;
//! - **officer ID**, from every address together: a few free failures, then
//!   each attempt waits for its turn, the turns spaced further apart with
//!   each failure (never a lockout: whoever gets a turn is verified), so
//!   many addresses together still get few guesses at one account;
//! - **address** (IPv6 by its /64): failures only, over every officer ID,
//!   set high enough for a force's shift change behind one address.
//!
//! Counted in the database (migration 0011, `db::sign_in`), so they hold
//! across every server instance on it and across restarts: an attacker
//! gets no fresh window by spreading guesses over instances or by waiting
//! for a deploy. Sliding windows: at most `max_failures` failures within
//! `window`; beyond that 429 with `Retry-After` until the oldest failure
//! leaves the window. Checked, and the attempt counted, before the password
//! is verified, in one `BEGIN IMMEDIATE` transaction, so a refused attempt
//! costs no Argon2 work and two instances cannot both let the same attempt
//! through. Times are the instances' wall clocks (keep them in step, as
//! session expiry already needs). Rows older than the longest window are
//! pruned at each reservation, and at most [`MAX_FAILURE_ROWS`] are kept
//! (past that the oldest go first).
use chrono::{DateTime, TimeDelta, Utc};
use std::net::IpAddr;
use std::time::Duration;

use super::client_addr::limit_key;
use crate::db::sign_in::{HeldQuery, Newest};
use crate::db::{Accounts, DbError};

/// Most failure rows kept: far more than the password checks a few
/// instances can make in a window (Argon2 bounds them), so only a flood
/// that no verification limits (attempts a crash left reserved) meets it.
pub const MAX_FAILURE_ROWS: i64 = 1_000_000;
/// One reservation in this many prunes the tables: pruning is three more
/// statements inside the write lock, and rows a few reservations past
/// their window count for nothing anyway.
const PRUNE_EVERY: i64 = 64;
/// Longest officer ID kept as a key (longer ones are cut).
const MAX_KEY_CHARS: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub max_failures: u32,
    pub window: Duration,
}

impl Limit {
    pub const fn new(max_failures: u32, window_s: u64) -> Self {
        Self {
            max_failures,
            window: Duration::from_secs(window_s),
        }
    }
}

/// The key for an officer ID as typed: trimmed, lower case, cut short.
pub fn account_key(officer_id: &str) -> String {
    officer_id
        .trim()
        .chars()
        .take(MAX_KEY_CHARS)
        .flat_map(char::to_lowercase)
        .collect()
}

/// The per-officer-ID slow-down: `free` failures within `window` from
/// anywhere, then each attempt takes a turn, and turns are `first_spacing`
/// apart, doubling with each further failure up to `max_spacing`. An
/// attempt whose turn is more than `max_wait` away is refused with 429 and
/// the seconds until that turn (short: a wait, not a lockout).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlowDown {
    pub free: u32,
    pub window: Duration,
    pub first_spacing: Duration,
    pub max_spacing: Duration,
    pub max_wait: Duration,
}

/// Most failures counted per officer ID for the slow-down: past this many
/// the spacing is at its cap anyway.
const MAX_SLOW_FAILURES: u32 = 64;

impl SlowDown {
    /// The spacing after `failures` failures in the window.
    fn spacing(&self, failures: u32) -> Duration {
        let Some(excess) = failures.checked_sub(self.free.saturating_add(1)) else {
            return Duration::ZERO;
        };
        self.first_spacing
            .saturating_mul(1u32 << excess.min(30))
            .min(self.max_spacing)
    }
}

/// The limits a [`Limiter`] applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Failures per (officer ID, address) pair before it is locked.
    pub per_pair: Limit,
    /// Failures per address (IPv6: per /64) before it is locked.
    pub per_address: Limit,
    /// The per-officer-ID slow-down.
    pub per_account: SlowDown,
}

/// A reserved attempt: verify it after `wait` (its turn), then settle it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reservation {
    /// The failure counted for it, to take back when it does not fail.
    pub id: i64,
    pub wait: Duration,
}

/// How a reserved sign-in attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    Failed,
    Succeeded,
    NotTried,
}

/// The three limits together, over the rows in the database.
#[derive(Debug, Clone, Copy)]
pub struct Limiter {
    limits: Limits,
    keep_rows: i64,
}

fn delta(d: Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX)
}

/// `now - d`, or the earliest time there is.
fn before(now: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    now.checked_sub_signed(delta(d))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// `now + d`, or the latest time there is.
fn after(now: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    now.checked_add_signed(delta(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// How long from `now` until `t` (nothing if it has passed).
fn until(now: DateTime<Utc>, t: DateTime<Utc>) -> Duration {
    (t - now).to_std().unwrap_or(Duration::ZERO)
}

/// How long until a key whose newest failures in the window are `newest`
/// (at most `max_failures` of them) may try again, if it is over `limit`.
fn window_wait(limit: Limit, newest: Newest, now: DateTime<Utc>) -> Option<Duration> {
    if newest.count == 0 || newest.count < limit.max_failures {
        return None;
    }
    let oldest = newest.oldest?;
    Some(limit.window.saturating_sub(until(oldest, now)))
}

impl Limiter {
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            keep_rows: MAX_FAILURE_ROWS,
        }
    }

    /// Keeping at most `rows` failures: the bound's own test, which cannot
    /// make a million.
    #[cfg(test)]
    fn keeping(self, rows: i64) -> Self {
        Self {
            keep_rows: rows,
            ..self
        }
    }

    /// The longest window: rows older than it count for nothing.
    fn longest_window(&self) -> Duration {
        let l = self.limits;
        l.per_pair
            .window
            .max(l.per_address.window)
            .max(l.per_account.window)
    }

    /// Checks the attempt and counts it as a failure in one transaction,
    /// before the password is verified: of N attempts at once, on one
    /// instance or several, only as many as the limits allow get through
    /// to a verification (checking first and counting after the
    /// verification let all N through). `Ok(Err(wait))`: refused, retry
    /// after `wait`. `addr` is the client's address as read (its limit key
    /// is taken here).
    pub async fn reserve(
        &self,
        accounts: &Accounts,
        account: &str,
        addr: Option<IpAddr>,
        now: DateTime<Utc>,
    ) -> Result<Result<Reservation, Duration>, DbError> {
        let l = self.limits;
        let addr = addr.map(limit_key);
        let address = addr.map(|a| a.to_string()).unwrap_or_default();
        let mut tx = accounts.begin_limits().await?;
        let held = tx
            .held(&HeldQuery {
                account,
                address: &address,
                pair_since: before(now, l.per_pair.window),
                pair_newest: l.per_pair.max_failures.max(1),
                address_since: before(now, l.per_address.window),
                address_newest: match addr {
                    Some(_) => l.per_address.max_failures.max(1),
                    None => 0,
                },
                account_since: before(now, l.per_account.window),
                account_most: MAX_SLOW_FAILURES,
            })
            .await?;
        let by_pair = window_wait(l.per_pair, held.pair, now);
        let by_address = addr.and_then(|_| window_wait(l.per_address, held.address, now));
        if let Some(wait) = by_pair.max(by_address) {
            return Ok(Err(wait));
        }
        // This officer ID's turn; a turn already passed holds nobody up.
        let wait = held.next_turn.map_or(Duration::ZERO, |t| until(now, t));
        if wait > l.per_account.max_wait {
            return Ok(Err(wait));
        }
        let id = tx.add_failure(account, &address, now).await?;
        // With this one, which is inside its own window.
        let failures = held.account.saturating_add(1).min(MAX_SLOW_FAILURES);
        // The next attempt's turn: after this one's, spaced by the failures.
        let turn = after(now, wait.saturating_add(l.per_account.spacing(failures)));
        let next = held.next_turn.map_or(turn, |t| t.max(turn));
        if next > now {
            tx.set_next_turn(account, next).await?;
        }
        if id % PRUNE_EVERY == 0 {
            tx.prune(before(now, self.longest_window()), now, self.keep_rows)
                .await?;
        }
        tx.commit().await?;
        Ok(Ok(Reservation { id, wait }))
    }

    /// Ends a reservation: a failure stays counted; a success clears the
    /// pair and the officer ID's slow-down and takes the address's count
    /// back (the per-address limit counts failures only); an attempt never
    /// verified (the server was busy) is taken back from all three.
    pub async fn settle(
        &self,
        accounts: &Accounts,
        account: &str,
        addr: Option<IpAddr>,
        reservation: &Reservation,
        end: Settled,
    ) -> Result<(), DbError> {
        if end == Settled::Failed {
            return Ok(());
        }
        let address = addr.map(|a| limit_key(a).to_string()).unwrap_or_default();
        if end == Settled::NotTried {
            return accounts.take_back_sign_in_failure(reservation.id).await;
        }
        let mut tx = accounts.begin_limits().await?;
        tx.clear_pair_and_account(account, &address).await?;
        tx.take_back(reservation.id).await?;
        tx.commit().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::open_accounts;
    use chrono::TimeZone;

    fn ip(n: u8) -> Option<IpAddr> {
        Some(IpAddr::from([10, 0, 0, n]))
    }

    fn limits() -> Limits {
        Limits {
            per_pair: Limit::new(5, 900),
            per_address: Limit::new(20, 900),
            per_account: SlowDown {
                free: 10,
                window: Duration::from_secs(900),
                first_spacing: Duration::from_secs(1),
                max_spacing: Duration::from_secs(60),
                max_wait: Duration::from_secs(2),
            },
        }
    }

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 8, 0, 0).unwrap()
    }

    fn secs(n: u64) -> TimeDelta {
        delta(Duration::from_secs(n))
    }

    /// A limiter over a fresh database file (kept while the test runs).
    struct Fixture {
        dir: tempfile::TempDir,
        accounts: Accounts,
        l: Limiter,
    }

    async fn fixture(limits: Limits) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("limits.db");
        let accounts = open_accounts(path.to_str().unwrap()).await.unwrap();
        Fixture {
            dir,
            accounts,
            l: Limiter::new(limits),
        }
    }

    impl Fixture {
        async fn reserve(
            &self,
            account: &str,
            addr: Option<IpAddr>,
            at: DateTime<Utc>,
        ) -> Result<Reservation, Duration> {
            self.l
                .reserve(&self.accounts, account, addr, at)
                .await
                .unwrap()
        }

        async fn settle(&self, account: &str, addr: Option<IpAddr>, r: Reservation, end: Settled) {
            self.l
                .settle(&self.accounts, account, addr, &r, end)
                .await
                .unwrap();
        }

        async fn fail(&self, account: &str, addr: Option<IpAddr>, at: DateTime<Utc>) {
            let r = self.reserve(account, addr, at).await.unwrap();
            self.settle(account, addr, r, Settled::Failed).await;
        }

        async fn rows(&self) -> crate::db::sign_in::LimitRows {
            self.accounts
                .begin_limits()
                .await
                .unwrap()
                .rows()
                .await
                .unwrap()
        }
    }

    #[tokio::test]
    async fn five_failures_lock_the_pair_not_the_account() {
        let f = fixture(limits()).await;
        let t0 = t0();
        for i in 0..5 {
            f.fail("pc1", ip(1), t0 + secs(i * 10)).await;
        }
        let at = t0 + secs(60);
        assert_eq!(
            f.reserve("pc1", ip(1), at).await.unwrap_err(),
            Duration::from_secs(840)
        );
        // The officer from another address is not held up at all.
        let r = f.reserve("pc1", ip(2), at).await.unwrap();
        assert_eq!(r.wait, Duration::ZERO);
        // The oldest failure leaves the window: one more try for the pair.
        assert!(f.reserve("pc1", ip(1), t0 + secs(900)).await.is_ok());
    }

    #[tokio::test]
    async fn an_account_guessed_from_many_addresses_is_slowed_not_locked() {
        let f = fixture(limits()).await;
        let t0 = t0();
        // Ten free failures, from ten addresses.
        for n in 0..10 {
            f.fail("pc1", ip(n), t0).await;
        }
        // The eleventh is verified at once but moves the next turn 1 s on,
        // the twelfth 2 s after its own turn, and so on.
        let r = f.reserve("pc1", ip(20), t0).await.unwrap();
        assert_eq!(r.wait, Duration::ZERO);
        let r2 = f.reserve("pc1", ip(21), t0).await.unwrap();
        assert_eq!(r2.wait, Duration::from_secs(1));
        // The next turn is 3 s away: more than the 2 s anyone waits.
        assert_eq!(
            f.reserve("pc1", ip(22), t0).await.unwrap_err(),
            Duration::from_secs(3)
        );
        // At its turn the real officer is verified, and a success ends the
        // slow-down.
        let t = t0 + secs(3);
        let r = f.reserve("pc1", ip(30), t).await.unwrap();
        assert_eq!(r.wait, Duration::ZERO);
        f.settle("pc1", ip(30), r, Settled::Succeeded).await;
        assert_eq!(
            f.reserve("pc1", ip(31), t).await.unwrap().wait,
            Duration::ZERO
        );
    }

    #[test]
    fn the_spacing_doubles_to_its_cap() {
        let slow = limits().per_account;
        let s = |n| slow.spacing(n).as_secs();
        assert_eq!(
            [s(0), s(10), s(11), s(12), s(13), s(16), s(17), s(64)],
            [0, 0, 1, 2, 4, 32, 60, 60]
        );
    }

    #[tokio::test]
    async fn an_address_is_limited_across_accounts_by_failures_only() {
        let f = fixture(Limits {
            per_address: Limit::new(3, 60),
            ..limits()
        })
        .await;
        let t0 = t0();
        // Successes from the address never count.
        for n in 0..10 {
            let r = f.reserve(&format!("ok{n}"), ip(1), t0).await.unwrap();
            f.settle(&format!("ok{n}"), ip(1), r, Settled::Succeeded)
                .await;
        }
        for n in 0..3 {
            f.fail(&format!("pc{n}"), ip(1), t0).await;
        }
        assert_eq!(
            f.reserve("someone-else", ip(1), t0).await,
            Err(Duration::from_secs(60))
        );
        assert!(f.reserve("someone-else", ip(2), t0).await.is_ok());
        assert!(f
            .reserve("someone-else", ip(1), t0 + secs(60))
            .await
            .is_ok());
    }

    #[tokio::test]
    async fn ipv6_addresses_share_their_64() {
        let f = fixture(Limits {
            per_address: Limit::new(3, 60),
            ..limits()
        })
        .await;
        let t0 = t0();
        let v6 = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        f.fail("a", v6("2001:db8:0:1::1"), t0).await;
        f.fail("b", v6("2001:db8:0:1::2"), t0).await;
        f.fail("c", v6("2001:db8:0:1:ffff::3"), t0).await;
        assert!(f.reserve("d", v6("2001:db8:0:1::99"), t0).await.is_err());
        assert!(f.reserve("d", v6("2001:db8:0:2::1"), t0).await.is_ok());
    }

    #[tokio::test]
    async fn reservations_count_at_once_and_only_failures_stay() {
        let f = fixture(Limits {
            per_pair: Limit::new(3, 900),
            ..limits()
        })
        .await;
        let t0 = t0();
        let at = |n: i64| t0 + TimeDelta::milliseconds(n);
        // Three at once are let through, the fourth waits.
        let mut reserved = Vec::new();
        for n in 0..3 {
            reserved.push(f.reserve("pc1", ip(1), at(n)).await.unwrap());
        }
        assert!(f.reserve("pc1", ip(1), at(3)).await.is_err());
        // One was never tried (busy): its place comes back.
        f.settle("pc1", ip(1), reserved[2], Settled::NotTried).await;
        let r = f.reserve("pc1", ip(1), at(4)).await.unwrap();
        // A success clears the pair and leaves the address only failures.
        f.settle("pc1", ip(1), r, Settled::Succeeded).await;
        assert!(f.reserve("pc1", ip(1), at(5)).await.is_ok());
        let mut tx = f.accounts.begin_limits().await.unwrap();
        let since = before(at(5), Duration::from_secs(900));
        let held = tx
            .held(&HeldQuery {
                account: "nobody",
                address: "10.0.0.1",
                pair_since: since,
                pair_newest: 100,
                address_since: since,
                address_newest: 100,
                account_since: since,
                account_most: 100,
            })
            .await
            .unwrap();
        assert_eq!(held.address.count, 3);
    }

    #[tokio::test]
    async fn two_limiters_on_one_database_count_together() {
        // Two instances: each its own pool on the same file, guessing at
        // once. Together they let through what one would, no more.
        let f = fixture(limits()).await;
        let other = open_accounts(f.dir.path().join("limits.db").to_str().unwrap())
            .await
            .unwrap();
        let t0 = t0();
        let guesses = (0..20).map(|n| {
            let accounts = if n % 2 == 0 { &f.accounts } else { &other };
            f.l.reserve(accounts, "pc1", ip(1), t0)
        });
        let results = futures_util::future::join_all(guesses).await;
        let through = results
            .into_iter()
            .map(Result::unwrap)
            .filter(Result::is_ok)
            .count();
        assert_eq!(through, 5);
    }

    #[test]
    fn keys_ignore_case_and_spaces() {
        assert_eq!(account_key("  PC1234 "), "pc1234");
        assert_eq!(account_key(&"x".repeat(500)).len(), 64);
    }

    #[tokio::test]
    async fn the_tables_stay_bounded() {
        let mut f = fixture(limits()).await;
        f.l = f.l.keeping(20);
        let t0 = t0();
        // An account past its free failures: its next turn is kept.
        for n in 0..12 {
            f.fail("pc-slow", ip(n), t0).await;
        }
        assert_eq!(f.rows().await.turns, 1);
        // Pruned every PRUNE_EVERY reservations: never more than that many
        // past the bound.
        for n in 0..(3 * PRUNE_EVERY) {
            f.fail(&format!("pc{n}"), ip((n % 200) as u8), t0).await;
            let rows = f.rows().await;
            assert!(rows.failures <= 20 + PRUNE_EVERY, "{rows:?}");
        }
        // Out of every window, failures and turns go at the next prune.
        let later = t0 + secs(901);
        for n in 0..PRUNE_EVERY {
            f.fail(&format!("late{n}"), ip(n as u8), later + secs(n as u64))
                .await;
        }
        let rows = f.rows().await;
        assert!(rows.failures < PRUNE_EVERY, "{rows:?}");
        assert_eq!(rows.turns, 0, "{rows:?}");
    }
}
