//! Failed sign-in limits, per officer ID and per client address.
//!
//! Kept in memory (one process; a restart forgets them, which only gives an
//! attacker a fresh window after a restart). A sliding window: at most
//! `max_failures` failures within `window`; beyond that, sign-ins for that
//! officer ID, or from that address, get 429 with `Retry-After` until the
//! oldest failure leaves the window. Checked before the password is, so a
//! refused attempt costs no Argon2 work. A success clears the officer ID's
//! failures (not the address's). Each map holds at most [`MAX_KEYS`] keys;
//! past that, keys with no failure left in the window are dropped first.
use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::net::IpAddr;
use std::time::{Duration, Instant};

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

/// Both windows: per officer ID and per client address.
#[derive(Debug)]
pub struct Limiter {
    accounts: Window<String>,
    addresses: Window<IpAddr>,
}

impl Limiter {
    pub fn new(per_account: Limit, per_address: Limit) -> Self {
        Self {
            accounts: Window::new(per_account),
            addresses: Window::new(per_address),
        }
    }

    /// `Err(wait)` when this officer ID or this address must wait.
    pub fn check(
        &mut self,
        account: &str,
        addr: Option<IpAddr>,
        now: Instant,
    ) -> Result<(), Duration> {
        let by_account = self.accounts.wait(&account.to_owned(), now);
        let by_address = addr.and_then(|a| self.addresses.wait(&a, now));
        match (by_account, by_address) {
            (None, None) => Ok(()),
            (a, b) => Err(a.max(b).unwrap_or_default()),
        }
    }

    pub fn fail(&mut self, account: &str, addr: Option<IpAddr>, now: Instant) {
        self.accounts.fail(account.to_owned(), now);
        if let Some(a) = addr {
            self.addresses.fail(a, now);
        }
    }

    pub fn succeed(&mut self, account: &str) {
        self.accounts.clear(&account.to_owned());
    }

    /// Checks and counts the attempt as a failure in one step, before the
    /// password is verified: of N attempts at once, only as many as the
    /// limit allows get through to a verification (checking first and
    /// counting after the verification let all N through). `now` is the
    /// reservation's key for [`Limiter::settle`].
    pub fn reserve(
        &mut self,
        account: &str,
        addr: Option<IpAddr>,
        now: Instant,
    ) -> Result<(), Duration> {
        self.check(account, addr, now)?;
        self.fail(account, addr, now);
        Ok(())
    }

    /// Ends a reservation made at `at`: a failure stays counted; a success
    /// clears the account and takes the address's back (the per-address
    /// limit counts failures only); an attempt never verified (the server
    /// was busy) is taken back from both.
    pub fn settle(&mut self, account: &str, addr: Option<IpAddr>, at: Instant, end: Settled) {
        let key = account.to_owned();
        match end {
            Settled::Failed => return,
            Settled::Succeeded => self.accounts.clear(&key),
            Settled::NotTried => self.accounts.unfail(&key, at),
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

    #[test]
    fn five_failures_lock_the_account_for_the_rest_of_the_window() {
        let mut l = Limiter::new(Limit::new(5, 900), Limit::new(20, 900));
        let t0 = Instant::now();
        for i in 0..5 {
            assert!(l.check("pc1", ip(1), t0).is_ok());
            l.fail("pc1", ip(i), t0 + Duration::from_secs(u64::from(i) * 10));
        }
        let at = t0 + Duration::from_secs(60);
        let wait = l.check("pc1", ip(9), at).unwrap_err();
        assert_eq!(wait, Duration::from_secs(840));
        // Another account from another address is untouched.
        assert!(l.check("pc2", ip(9), at).is_ok());
        // The oldest failure leaves the window: one more try.
        assert!(l.check("pc1", ip(9), t0 + Duration::from_secs(900)).is_ok());
    }

    #[test]
    fn an_address_is_limited_across_accounts() {
        let mut l = Limiter::new(Limit::new(5, 900), Limit::new(3, 60));
        let t0 = Instant::now();
        for n in 0..3 {
            l.fail(&format!("pc{n}"), ip(1), t0);
        }
        assert_eq!(
            l.check("someone-else", ip(1), t0),
            Err(Duration::from_secs(60))
        );
        assert!(l.check("someone-else", ip(2), t0).is_ok());
        assert!(l
            .check("someone-else", ip(1), t0 + Duration::from_secs(60))
            .is_ok());
    }

    #[test]
    fn a_success_clears_the_account_only() {
        let mut l = Limiter::new(Limit::new(2, 900), Limit::new(3, 900));
        let t0 = Instant::now();
        l.fail("pc1", ip(1), t0);
        l.fail("pc1", ip(1), t0);
        assert!(l.check("pc1", ip(2), t0).is_err());
        l.succeed("pc1");
        assert!(l.check("pc1", ip(2), t0).is_ok());
        l.fail("pc3", ip(1), t0);
        assert!(l.check("pc4", ip(1), t0).is_err());
    }

    #[test]
    fn reservations_count_at_once_and_only_failures_stay() {
        let mut l = Limiter::new(Limit::new(3, 900), Limit::new(10, 900));
        let t0 = Instant::now();
        let at = |n: u64| t0 + Duration::from_millis(n);
        // Three at once are let through, the fourth waits.
        for n in 0..3 {
            assert!(l.reserve("pc1", ip(1), at(n)).is_ok());
        }
        assert!(l.reserve("pc1", ip(1), at(3)).is_err());
        // One was never tried (busy): its place comes back.
        l.settle("pc1", ip(1), at(2), Settled::NotTried);
        assert!(l.reserve("pc1", ip(1), at(4)).is_ok());
        // A success clears the account and leaves the address only failures.
        l.settle("pc1", ip(1), at(4), Settled::Succeeded);
        assert!(l.check("pc1", ip(1), at(5)).is_ok());
        assert_eq!(
            l.addresses
                .failures
                .get(&IpAddr::from([10, 0, 0, 1]))
                .map(VecDeque::len),
            Some(2)
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
