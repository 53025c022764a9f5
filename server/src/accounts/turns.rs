//! Turns at the password hash, shared fairly between client addresses.
//!
//! Argon2 takes a core for tens of milliseconds, so only a few sign-ins are
//! verified at once and the rest wait for a turn. A first-come queue lets
//! whoever sends most wait in front of everyone: 200 wrong guesses spread
//! over 50 addresses, queued a moment before an officer's sign-in, kept the
//! officer waiting for all 200 and then answered 503. Here each address
//! (its limit key: the address, or its /64 for IPv6) has its own queue and
//! the turns go round the addresses in order, so a newcomer waits for at
//! most one verification per other address waiting, however many each has
//! queued. Nothing here looks at the officer ID: a known and an unknown ID
//! wait alike, so the wait says nothing about which IDs exist.
//!
//! [`Rota`] is the plain bookkeeping (who is next); [`Turns`] puts it behind
//! a mutex and hands turns over with one-shot channels.
use std::collections::VecDeque;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::oneshot;

/// Where a sign-in comes from, for fairness: [`super::client_addr::limit_key`]
/// of its address (`None` when the address is unknown).
pub type Key = Option<IpAddr>;

/// Who runs and who waits, in the order turns are given.
#[derive(Debug)]
pub struct Rota<W> {
    capacity: usize,
    running: usize,
    /// Addresses with someone waiting, in the order they get their next
    /// turn; each with its waiters, first come first.
    queues: VecDeque<(Key, VecDeque<W>)>,
}

impl<W> Rota<W> {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            running: 0,
            queues: VecDeque::new(),
        }
    }

    /// A turn now, or `Err(waiter)` back when every turn is taken or others
    /// wait already (they come first); then [`Rota::wait`] it.
    pub fn start(&mut self, waiter: W) -> Result<(), W> {
        if self.running < self.capacity && self.queues.is_empty() {
            self.running += 1;
            Ok(())
        } else {
            Err(waiter)
        }
    }

    /// Queues `waiter` behind the others from `key`. An address that had no
    /// one waiting joins the end of the round.
    pub fn wait(&mut self, key: Key, waiter: W) {
        match self.queues.iter_mut().find(|(k, _)| *k == key) {
            Some((_, waiting)) => waiting.push_back(waiter),
            None => self.queues.push_back((key, VecDeque::from([waiter]))),
        }
    }

    /// Takes a waiter out of the queue (it gave up); `false` if it is not
    /// there, because it was given a turn meanwhile.
    pub fn leave(&mut self, is_it: impl Fn(&W) -> bool) -> bool {
        for index in 0..self.queues.len() {
            let Some((_, waiting)) = self.queues.get_mut(index) else {
                continue;
            };
            if let Some(position) = waiting.iter().position(&is_it) {
                waiting.remove(position);
                if waiting.is_empty() {
                    self.queues.remove(index);
                }
                return true;
            }
        }
        false
    }

    /// A turn ended: the next waiter in the round takes it over (its
    /// address goes to the end of the round if it has more waiting), or
    /// `None` and the turn is free.
    pub fn finish(&mut self) -> Option<W> {
        let Some((key, mut waiting)) = self.queues.pop_front() else {
            self.running = self.running.saturating_sub(1);
            return None;
        };
        let waiter = waiting.pop_front();
        if !waiting.is_empty() {
            self.queues.push_back((key, waiting));
        }
        match waiter {
            Some(w) => Some(w),
            // Never left empty (see `leave`), but a free turn is the safe answer.
            None => self.finish(),
        }
    }

    pub fn waiting(&self) -> usize {
        self.queues.iter().map(|(_, w)| w.len()).sum()
    }
}

/// One waiting sign-in: its number (to find it again) and where to send
/// its turn. The turn itself is sent, so one sent to a request that is
/// dropped before it looks is dropped with it, and passed on: it never
/// leaks.
struct Waiter {
    id: u64,
    turn: oneshot::Sender<Turn>,
}

struct Shared {
    rota: Rota<Waiter>,
    next_id: u64,
}

/// [`Rota`] shared by the sign-in handlers.
#[derive(Clone)]
pub struct Turns {
    shared: Arc<Mutex<Shared>>,
}

/// A turn at the hash; the next waiter gets it when this is dropped.
pub struct Turn {
    /// `None` only for a turn taken apart unused (its waiter had gone).
    shared: Option<Arc<Mutex<Shared>>>,
}

impl Turns {
    pub fn new(capacity: usize) -> Self {
        Self {
            shared: Arc::new(Mutex::new(Shared {
                rota: Rota::new(capacity),
                next_id: 0,
            })),
        }
    }

    fn lock(shared: &Mutex<Shared>) -> std::sync::MutexGuard<'_, Shared> {
        shared.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A turn for a sign-in from `key`, or `None` when none came within
    /// `patience`.
    pub async fn take(&self, key: Key, patience: Duration) -> Option<Turn> {
        let (id, receiver) = {
            let mut shared = Self::lock(&self.shared);
            let id = shared.next_id;
            shared.next_id = shared.next_id.wrapping_add(1);
            let (sender, receiver) = oneshot::channel();
            match shared.rota.start(Waiter { id, turn: sender }) {
                Ok(()) => return Some(self.turn()),
                Err(waiter) => shared.rota.wait(key, waiter),
            }
            (id, receiver)
        };
        // Dropped mid-wait (the client hung up): the send fails when the
        // turn comes and it goes to the next waiter; dropped after the
        // turn came, the turn is dropped with the receiver, and passed on.
        let mut receiver = receiver;
        match tokio::time::timeout(patience, &mut receiver).await {
            Ok(Ok(turn)) => Some(turn),
            Ok(Err(_)) => None,
            Err(_) => {
                let left = Self::lock(&self.shared).rota.leave(|w| w.id == id);
                if left {
                    None
                } else {
                    // Handed over in the same instant the wait ran out: it
                    // is ours, so use it rather than leak it.
                    receiver.try_recv().ok()
                }
            }
        }
    }

    fn turn(&self) -> Turn {
        Turn {
            shared: Some(Arc::clone(&self.shared)),
        }
    }

    pub fn waiting(&self) -> usize {
        Self::lock(&self.shared).rota.waiting()
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        let Some(shared) = self.shared.take() else {
            return;
        };
        let mut guard = Turns::lock(&shared);
        // A waiter that has gone (its request dropped) cannot take the
        // turn: offer it to the next one.
        while let Some(waiter) = guard.rota.finish() {
            let turn = Turn {
                shared: Some(Arc::clone(&shared)),
            };
            match waiter.turn.send(turn) {
                Ok(()) => return,
                // Back unused: taken apart here, not dropped (that would
                // lock again).
                Err(mut unused) => unused.shared = None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn key(n: u8) -> Key {
        Some(IpAddr::V4(Ipv4Addr::new(10, 0, 0, n)))
    }

    #[test]
    fn a_newcomer_waits_for_one_turn_per_address_not_for_every_request() {
        let mut rota = Rota::new(2);
        assert!(rota.start("a0".to_string()).is_ok());
        assert!(rota.start("a1".to_string()).is_ok());
        // Fifty addresses, four guesses each, all queued first.
        for n in 0..50u8 {
            for g in 0..4 {
                let w = rota.start(format!("attacker {n} guess {g}"));
                rota.wait(key(n), w.unwrap_err());
            }
        }
        let honest = rota.start("officer".to_string()).unwrap_err();
        rota.wait(key(200), honest);
        let mut turns_before = 0;
        while let Some(w) = rota.finish() {
            if w == "officer" {
                break;
            }
            turns_before += 1;
        }
        assert_eq!(
            turns_before, 50,
            "one turn per waiting address, then the officer"
        );
    }

    #[test]
    fn turns_go_round_the_addresses_in_order() {
        let mut rota = Rota::new(1);
        assert!(rota.start(0).is_ok());
        for (k, w) in [(1, 10), (1, 11), (1, 12), (2, 20), (3, 30), (2, 21)] {
            let w = rota.start(w).unwrap_err();
            rota.wait(key(k), w);
        }
        let order: Vec<_> = std::iter::from_fn(|| rota.finish()).collect();
        assert_eq!(order, [10, 20, 30, 11, 21, 12]);
        // Every turn given back: a new one starts at once.
        assert!(rota.start(1).is_ok());
    }

    #[test]
    fn nobody_jumps_the_queue_while_others_wait() {
        let mut rota = Rota::new(1);
        assert!(rota.start(1).is_ok());
        let second = rota.start(2).unwrap_err();
        rota.wait(key(1), second);
        // The running turn ends and is handed to 2, not left free for 3.
        assert_eq!(rota.finish(), Some(2));
        assert!(rota.start(3).is_err());
    }

    #[test]
    fn a_waiter_that_leaves_is_never_given_a_turn() {
        let mut rota = Rota::new(1);
        assert!(rota.start(1).is_ok());
        for (k, w) in [(1, 2), (2, 3), (1, 4)] {
            let w = rota.start(w).unwrap_err();
            rota.wait(key(k), w);
        }
        assert!(rota.leave(|w| *w == 3));
        assert!(!rota.leave(|w| *w == 3));
        assert_eq!(rota.waiting(), 2);
        let order: Vec<_> = std::iter::from_fn(|| rota.finish()).collect();
        assert_eq!(order, [2, 4]);
    }

    #[tokio::test]
    async fn a_turn_dropped_passes_to_the_next_live_waiter() {
        let turns = Turns::new(1);
        let first = turns.take(key(1), Duration::from_secs(1)).await.unwrap();
        // A waiter whose request was dropped, then a live one.
        let gone = tokio::spawn({
            let turns = turns.clone();
            async move { turns.take(key(2), Duration::from_secs(5)).await.is_some() }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        gone.abort();
        let live = tokio::spawn({
            let turns = turns.clone();
            async move { turns.take(key(3), Duration::from_secs(5)).await.is_some() }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(turns.waiting(), 2);
        drop(first);
        assert!(live.await.unwrap());
        // All turns back: the next one is immediate.
        assert!(turns.take(key(4), Duration::ZERO).await.is_some());
    }

    #[tokio::test]
    async fn a_turn_handed_to_a_request_dropped_before_it_looked_is_not_lost() {
        use std::future::Future;
        use std::task::{Context, Waker};
        let turns = Turns::new(1);
        let first = turns.take(key(1), Duration::from_secs(1)).await.unwrap();
        let mut waiting = Box::pin(turns.take(key(2), Duration::from_secs(5)));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(waiting.as_mut().poll(&mut cx).is_pending());
        assert_eq!(turns.waiting(), 1);
        // The turn is sent to the waiter, which is dropped before it polls
        // again (the client hung up at that moment).
        drop(first);
        drop(waiting);
        // The turn came back: the next sign-in starts at once.
        assert!(turns.take(key(3), Duration::ZERO).await.is_some());
    }

    #[tokio::test]
    async fn a_wait_that_runs_out_answers_none_and_leaves_the_queue() {
        let turns = Turns::new(1);
        let _held = turns.take(key(1), Duration::from_secs(1)).await.unwrap();
        assert!(turns
            .take(key(2), Duration::from_millis(30))
            .await
            .is_none());
        assert_eq!(turns.waiting(), 0);
    }
}
