//! A value that is not `Send`, made `Send` by checking, at every use, that
//! it is still on the thread that wrapped it (see README.md for why
//! Beatbook has its own). On single-threaded wasm there is no other thread
//! to check against, so nothing is recorded and nothing is compared.
#[cfg(feature = "futures")]
mod futures;

use std::fmt;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};

/// The thread a wrapper belongs to.
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Owner;

#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
impl Owner {
    #[inline(always)]
    fn current() -> Self {
        Owner
    }
}

#[cfg(not(all(target_family = "wasm", not(target_feature = "atomics"))))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Owner(std::thread::ThreadId);

#[cfg(not(all(target_family = "wasm", not(target_feature = "atomics"))))]
impl Owner {
    fn current() -> Self {
        Owner(std::thread::current().id())
    }
}

/// `T`, usable only on the thread that wrapped it.
pub struct SendWrapper<T> {
    // Dropped by hand, and only on the owning thread.
    value: ManuallyDrop<T>,
    owner: Owner,
}

// Sound because every access to `value` (deref, take, poll, drop of a `T`
// that needs it) first checks that this is the owning thread.
unsafe impl<T> Send for SendWrapper<T> {}
unsafe impl<T> Sync for SendWrapper<T> {}

impl<T> SendWrapper<T> {
    /// Wraps `value`, owned by the current thread.
    pub fn new(value: T) -> Self {
        Self {
            value: ManuallyDrop::new(value),
            owner: Owner::current(),
        }
    }

    /// Whether this thread may use the value.
    #[inline]
    pub fn valid(&self) -> bool {
        self.owner == Owner::current()
    }

    /// The value itself. Panics on another thread than the owner.
    #[track_caller]
    pub fn take(self) -> T {
        self.check(Use::Deref);
        let mut this = ManuallyDrop::new(self);
        // SAFETY: checked to be the owner; `this` is never dropped, so the
        // value is moved out exactly once.
        unsafe { ManuallyDrop::take(&mut this.value) }
    }

    #[inline]
    #[track_caller]
    fn check(&self, what: Use) {
        if !self.valid() {
            wrong_thread(what);
        }
    }
}

impl<T> Deref for SendWrapper<T> {
    type Target = T;

    #[track_caller]
    fn deref(&self) -> &T {
        self.check(Use::Deref);
        &self.value
    }
}

impl<T> DerefMut for SendWrapper<T> {
    #[track_caller]
    fn deref_mut(&mut self) -> &mut T {
        self.check(Use::Deref);
        &mut self.value
    }
}

impl<T> Drop for SendWrapper<T> {
    #[track_caller]
    fn drop(&mut self) {
        // A value with no drop glue never touches its data when dropped,
        // so any thread may drop it.
        if std::mem::needs_drop::<T>() && !self.valid() {
            // Leaked rather than dropped on the wrong thread; a panic
            // while already unwinding would abort.
            if !std::thread::panicking() {
                wrong_thread(Use::Drop);
            }
            return;
        }
        // SAFETY: the owner (or nothing to drop); `value` is dropped only
        // here and `take` never lets this run after moving it out.
        unsafe { ManuallyDrop::drop(&mut self.value) }
    }
}

impl<T: fmt::Debug> fmt::Debug for SendWrapper<T> {
    #[track_caller]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendWrapper")
            .field("value", self.deref())
            .field("owner", &self.owner)
            .finish()
    }
}

impl<T: Clone> Clone for SendWrapper<T> {
    /// A copy owned by the current thread (which must own this one).
    #[track_caller]
    fn clone(&self) -> Self {
        Self::new(self.deref().clone())
    }
}

/// What was attempted from the wrong thread.
#[derive(Clone, Copy)]
enum Use {
    Deref,
    Drop,
    #[cfg(feature = "futures")]
    Poll,
}

#[cold]
#[inline(never)]
#[track_caller]
fn wrong_thread(what: Use) -> ! {
    let verb = match what {
        Use::Deref => "used",
        Use::Drop => "dropped",
        #[cfg(feature = "futures")]
        Use::Poll => "polled",
    };
    panic!("a SendWrapper was {verb} on another thread than the one that made it")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    #[test]
    fn the_owner_uses_takes_and_clones_the_value() {
        let mut w = SendWrapper::new(Rc::new(5));
        assert!(w.valid());
        assert_eq!(**w, 5);
        *w = Rc::new(6);
        let copy = w.clone();
        assert_eq!(*w.take(), 6);
        assert_eq!(**copy, 6);
        assert!(format!("{copy:?}").contains('6'));
    }

    #[test]
    fn another_thread_may_not_use_take_or_drop_it() {
        let w = SendWrapper::new(Rc::new(1));
        let used = std::thread::spawn(move || {
            assert!(!w.valid());
            let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| **w));
            let msg = caught
                .err()
                .and_then(|e| e.downcast_ref::<String>().cloned());
            // Dropping it here would panic too: hand it back instead.
            (msg, w)
        })
        .join();
        let (msg, w) = used.unwrap_or_else(|_| panic!("the thread itself panicked"));
        assert_eq!(
            msg.as_deref(),
            Some("a SendWrapper was used on another thread than the one that made it")
        );
        assert_eq!(**w, 1);

        let dropped = std::thread::spawn(move || drop(w)).join();
        assert!(dropped.is_err(), "dropping on another thread must panic");

        let taken = std::thread::spawn(|| SendWrapper::new(Rc::new(2)))
            .join()
            .map(|w| std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| w.take())));
        assert!(
            matches!(taken, Ok(Err(_))),
            "take on another thread must panic"
        );
    }

    #[test]
    fn values_without_drop_glue_may_be_dropped_anywhere() {
        let w = SendWrapper::new(7u32);
        assert!(std::thread::spawn(move || drop(w)).join().is_ok());
    }
}
