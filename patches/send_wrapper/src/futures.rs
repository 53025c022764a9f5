//! A wrapped future or stream is polled only on its owning thread.
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use crate::{SendWrapper, Use};

impl<F: Future> Future for SendWrapper<F> {
    type Output = F::Output;

    #[track_caller]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.check(Use::Poll);
        // SAFETY: the wrapper never moves its value out while pinned
        // (`take` needs it by value, which a pinned wrapper is not).
        unsafe { self.map_unchecked_mut(|w| &mut *w.value) }.poll(cx)
    }
}

impl<S: Stream> Stream for SendWrapper<S> {
    type Item = S::Item;

    #[track_caller]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        self.check(Use::Poll);
        // SAFETY: as for `Future` above.
        unsafe { self.map_unchecked_mut(|w| &mut *w.value) }.poll_next(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (**self).size_hint()
    }
}
