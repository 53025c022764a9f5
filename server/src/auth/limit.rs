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
//! Kept in memory (one process; a restart forgets them, which only gives an
//! attacker a fresh window after a restart). Sliding windows: at most
//! `max_failures` failures within `window`; beyond that 429 with
//! `Retry-After` until the oldest failure leaves the window. Checked, and
//! the attempt counted, before the password is verified, so a refused
//! attempt costs no Argon2 work. Each map holds at most [`MAX_KEYS`] keys;
//! past that, keys with no failure left in the window are dropped first.
use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use super::client_addr::limit_key;

/// Most keys each map keeps.
pub const MAX_KEYS: usize = 100_000;
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

#[derive(Debug)]
struct Window<K> {
    limit: Limit,
    failures: HashMap<K, VecDeque<Instant>>,
}

impl<K: Hash + Eq + Clone> Window<K> {
    fn new(limit: Limit) -> Self {
        Self {
            limit,
            failures: HashMap::new(),
        }
    }

    /// How long until `key` may try again, if it is over the limit.
    fn wait(&mut self, key: &K, now: Instant) -> Option<Duration> {
        let window = self.limit.window;
        let times = self.failures.get_mut(key)?;
        while times
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= window)
        {
            times.pop_front();
        }
        if times.is_empty() {
            self.failures.remove(key);
            return None;
        }
        if times.len() < self.limit.max_failures as usize {
            return None;
        }
        let oldest = *times.front()?;
        Some(window.saturating_sub(now.saturating_duration_since(oldest)))
    }

    fn fail(&mut self, key: K, now: Instant) {
        if self.failures.len() >= MAX_KEYS && !self.failures.contains_key(&key) {
            let window = self.limit.window;
            self.failures.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.saturating_duration_since(*t) < window)
            });
            if self.failures.len() >= MAX_KEYS {
                // Still full of live keys: make room at random (HashMap order).
                let drop: Vec<K> = self
                    .failures
                    .keys()
                    .take(MAX_KEYS / 10 + 1)
                    .cloned()
                    .collect();
                for k in drop {
                    self.failures.remove(&k);
                }
            }
        }
        let times = self.failures.entry(key).or_default();
        times.push_back(now);
        while times.len() > self.limit.max_failures.max(1) as usize {
            times.pop_front();
        }
    }

    fn clear(&mut self, key: &K) {
        self.failures.remove(key);
    }

    /// Takes back the failure counted at `at` (a reservation that did not
    /// end in a failure).
    fn unfail(&mut self, key: &K, at: Instant) {
        if let Some(times) = self.failures.get_mut(key) {
            if let Some(i) = times.iter().rposition(|t| *t == at) {
                times.remove(i);
            }
            if times.is_empty() {
                self.failures.remove(key);
            }
        }
    }
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

/// Most failures kept per officer ID for the slow-down: past this many the
/// spacing is at its cap anyway.
const MAX_SLOW_FAILURES: usize = 64;

#[derive(Debug)]
struct Slow {
    failures: VecDeque<Instant>,
    /// The next attempt's turn.
    next_turn: Instant,
}

#[derive(Debug)]
struct SlowWindow {
    config: SlowDown,
    accounts: HashMap<String, Slow>,
}

impl SlowWindow {
    fn prune(&mut self, key: &str, now: Instant) -> Option<&mut Slow> {
        let window = self.config.window;
        let slow = self.accounts.get_mut(key)?;
        while slow
            .failures
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= window)
        {
            slow.failures.pop_front();
        }
        Some(slow)
    }

    /// The spacing after `failures` failures in the window.
    fn spacing(&self, failures: usize) -> Duration {
        let c = self.config;
        let Some(excess) = failures.checked_sub(c.free as usize + 1) else {
            return Duration::ZERO;
        };
        let doublings = u32::try_from(excess).unwrap_or(u32::MAX).min(30);
        c.first_spacing
            .saturating_mul(1u32 << doublings)
            .min(c.max_spacing)
    }

    /// This attempt's turn: `Ok(wait)` before verifying, `Err(wait)` if the
    /// turn is too far away.
    fn turn(&mut self, key: &str, now: Instant) -> Result<Duration, Duration> {
        let max_wait = self.config.max_wait;
        let Some(slow) = self.prune(key, now) else {
            return Ok(Duration::ZERO);
        };
        let wait = slow.next_turn.saturating_duration_since(now);
        if wait > max_wait {
            return Err(wait);
        }
        Ok(wait)
    }

    /// Counts a failure of an attempt whose turn is `now + wait`, and moves
    /// the next turn on.
    fn fail(&mut self, key: &str, now: Instant, wait: Duration) {
        if self.accounts.len() >= MAX_KEYS && !self.accounts.contains_key(key) {
            let window = self.config.window;
            self.accounts.retain(|_, s| {
                s.failures
                    .back()
                    .is_some_and(|t| now.saturating_duration_since(*t) < window)
                    || s.next_turn > now
            });
            if self.accounts.len() >= MAX_KEYS {
                let drop: Vec<String> = self
                    .accounts
                    .keys()
                    .take(MAX_KEYS / 10 + 1)
                    .cloned()
                    .collect();
                for k in drop {
                    self.accounts.remove(&k);
                }
            }
        }
        let slow = self.accounts.entry(key.to_owned()).or_insert_with(|| Slow {
            failures: VecDeque::new(),
            next_turn: now,
        });
        slow.failures.push_back(now);
        while slow.failures.len() > MAX_SLOW_FAILURES {
            slow.failures.pop_front();
        }
        let n = slow.failures.len();
        let turn = now + wait;
        let spacing = self.spacing(n);
        if let Some(slow) = self.accounts.get_mut(key) {
            slow.next_turn = slow.next_turn.max(turn + spacing);
        }
    }

    fn unfail(&mut self, key: &str, at: Instant) {
        if let Some(slow) = self.accounts.get_mut(key) {
            if let Some(i) = slow.failures.iter().rposition(|t| *t == at) {
                slow.failures.remove(i);
            }
        }
    }

    fn clear(&mut self, key: &str) {
        self.accounts.remove(key);
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

/// A pair's key: the officer ID and the address's limit key.
type PairKey = (String, Option<IpAddr>);

/// The three limits together.
#[derive(Debug)]
pub struct Limiter {
    pairs: Window<PairKey>,
    addresses: Window<IpAddr>,
    accounts: SlowWindow,
}

/// A reserved attempt: verify it after `wait` (its turn), then settle it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reservation {
    pub at: Instant,
    pub wait: Duration,
}

impl Limiter {
    pub fn new(limits: Limits) -> Self {
        Self {
            pairs: Window::new(limits.per_pair),
            addresses: Window::new(limits.per_address),
            accounts: SlowWindow {
                config: limits.per_account,
                accounts: HashMap::new(),
            },
        }
    }

    /// Checks the attempt and counts it as a failure in one step, before
    /// the password is verified: of N attempts at once, only as many as
    /// the limits allow get through to a verification (checking first and
    /// counting after the verification let all N through). `Err(wait)`:
    /// refused, retry after `wait`. `addr` is the client's address as
    /// read (its limit key is taken here).
    pub fn reserve(
        &mut self,
        account: &str,
        addr: Option<IpAddr>,
        now: Instant,
    ) -> Result<Reservation, Duration> {
        let addr = addr.map(limit_key);
        let pair = (account.to_owned(), addr);
        let by_pair = self.pairs.wait(&pair, now);
        let by_address = addr.and_then(|a| self.addresses.wait(&a, now));
        if let Some(wait) = by_pair.max(by_address) {
            return Err(wait);
        }
        let wait = self.accounts.turn(account, now)?;
        self.pairs.fail(pair, now);
        if let Some(a) = addr {
            self.addresses.fail(a, now);
        }
        self.accounts.fail(account, now, wait);
        Ok(Reservation { at: now, wait })
    }

    /// Ends a reservation made at `at`: a failure stays counted; a success
    /// clears the pair and the officer ID's slow-down and takes the
    /// address's count back (the per-address limit counts failures only);
    /// an attempt never verified (the server was busy) is taken back from
    /// all three.
    pub fn settle(&mut self, account: &str, addr: Option<IpAddr>, at: Instant, end: Settled) {
        let addr = addr.map(limit_key);
        let pair = (account.to_owned(), addr);
        match end {
            Settled::Failed => return,
            Settled::Succeeded => {
                self.pairs.clear(&pair);
                self.accounts.clear(account);
            }
            Settled::NotTried => {
                self.pairs.unfail(&pair, at);
                self.accounts.unfail(account, at);
            }
        }
        if let Some(a) = addr {
            self.addresses.unfail(&a, at);
        }
    }
}

/// How a reserved sign-in attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    Failed,
    Succeeded,
    NotTried,
}

#[cfg(test)]
mod tests {
    use super::*;

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

    fn fail(l: &mut Limiter, account: &str, addr: Option<IpAddr>, at: Instant) {
        let r = l.reserve(account, addr, at).unwrap();
        l.settle(account, addr, r.at, Settled::Failed);
    }

    #[test]
    fn five_failures_lock_the_pair_not_the_account() {
        let mut l = Limiter::new(limits());
        let t0 = Instant::now();
        for i in 0..5 {
            fail(&mut l, "pc1", ip(1), t0 + Duration::from_secs(i * 10));
        }
        let at = t0 + Duration::from_secs(60);
        assert_eq!(
            l.reserve("pc1", ip(1), at).unwrap_err(),
            Duration::from_secs(840)
        );
        // The officer from another address is not held up at all.
        let r = l.reserve("pc1", ip(2), at).unwrap();
        assert_eq!(r.wait, Duration::ZERO);
        // The oldest failure leaves the window: one more try for the pair.
        assert!(l
            .reserve("pc1", ip(1), t0 + Duration::from_secs(900))
            .is_ok());
    }

    #[test]
    fn an_account_guessed_from_many_addresses_is_slowed_not_locked() {
        let mut l = Limiter::new(limits());
        let t0 = Instant::now();
        // Ten free failures, from ten addresses.
        for n in 0..10 {
            fail(&mut l, "pc1", ip(n), t0);
        }
        // The eleventh is verified at once but moves the next turn 1 s on,
        // the twelfth 2 s after its own turn, and so on.
        let r = l.reserve("pc1", ip(20), t0).unwrap();
        assert_eq!(r.wait, Duration::ZERO);
        let r2 = l.reserve("pc1", ip(21), t0).unwrap();
        assert_eq!(r2.wait, Duration::from_secs(1));
        // The next turn is 3 s away: more than the 2 s anyone waits.
        assert_eq!(
            l.reserve("pc1", ip(22), t0).unwrap_err(),
            Duration::from_secs(3)
        );
        // At its turn the real officer is verified, and a success ends the
        // slow-down.
        let t = t0 + Duration::from_secs(3);
        let r = l.reserve("pc1", ip(30), t).unwrap();
        assert_eq!(r.wait, Duration::ZERO);
        l.settle("pc1", ip(30), r.at, Settled::Succeeded);
        assert_eq!(l.reserve("pc1", ip(31), t).unwrap().wait, Duration::ZERO);
    }

    #[test]
    fn the_spacing_doubles_to_its_cap() {
        let l = Limiter::new(limits());
        let s = |n| l.accounts.spacing(n).as_secs();
        assert_eq!(
            [s(0), s(10), s(11), s(12), s(13), s(16), s(17), s(64)],
            [0, 0, 1, 2, 4, 32, 60, 60]
        );
    }

    #[test]
    fn an_address_is_limited_across_accounts_by_failures_only() {
        let mut l = Limiter::new(Limits {
            per_address: Limit::new(3, 60),
            ..limits()
        });
        let t0 = Instant::now();
        // Successes from the address never count.
        for n in 0..10 {
            let r = l.reserve(&format!("ok{n}"), ip(1), t0).unwrap();
            l.settle(&format!("ok{n}"), ip(1), r.at, Settled::Succeeded);
        }
        for n in 0..3 {
            fail(&mut l, &format!("pc{n}"), ip(1), t0);
        }
        assert_eq!(
            l.reserve("someone-else", ip(1), t0),
            Err(Duration::from_secs(60))
        );
        assert!(l.reserve("someone-else", ip(2), t0).is_ok());
        assert!(l
            .reserve("someone-else", ip(1), t0 + Duration::from_secs(60))
            .is_ok());
    }

    #[test]
    fn ipv6_addresses_share_their_64() {
        let mut l = Limiter::new(Limits {
            per_address: Limit::new(3, 60),
            ..limits()
        });
        let t0 = Instant::now();
        let v6 = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        fail(&mut l, "a", v6("2001:db8:0:1::1"), t0);
        fail(&mut l, "b", v6("2001:db8:0:1::2"), t0);
        fail(&mut l, "c", v6("2001:db8:0:1:ffff::3"), t0);
        assert!(l.reserve("d", v6("2001:db8:0:1::99"), t0).is_err());
        assert!(l.reserve("d", v6("2001:db8:0:2::1"), t0).is_ok());
    }

    #[test]
    fn reservations_count_at_once_and_only_failures_stay() {
        let mut l = Limiter::new(Limits {
            per_pair: Limit::new(3, 900),
            ..limits()
        });
        let t0 = Instant::now();
        let at = |n: u64| t0 + Duration::from_millis(n);
        // Three at once are let through, the fourth waits.
        for n in 0..3 {
            assert!(l.reserve("pc1", ip(1), at(n)).is_ok());
        }
        assert!(l.reserve("pc1", ip(1), at(3)).is_err());
        // One was never tried (busy): its place comes back.
        l.settle("pc1", ip(1), at(2), Settled::NotTried);
        let r = l.reserve("pc1", ip(1), at(4)).unwrap();
        // A success clears the pair and leaves the address only failures.
        l.settle("pc1", ip(1), r.at, Settled::Succeeded);
        assert!(l.reserve("pc1", ip(1), at(5)).is_ok());
        assert_eq!(
            l.addresses
                .failures
                .get(&IpAddr::from([10, 0, 0, 1]))
                .map(VecDeque::len),
            Some(3)
        );
    }

    #[test]
    fn keys_ignore_case_and_spaces() {
        assert_eq!(account_key("  PC1234 "), "pc1234");
        assert_eq!(account_key(&"x".repeat(500)).len(), 64);
    }

    #[test]
    fn the_maps_stay_bounded() {
        let mut w: Window<u32> = Window::new(Limit::new(5, 900));
        let t0 = Instant::now();
        for k in 0..(MAX_KEYS as u32 + 50) {
            w.fail(k, t0);
        }
        assert!(w.failures.len() <= MAX_KEYS);
    }
}
