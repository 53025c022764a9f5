//! Several tabs of the app on one phone: Web Locks so one tab at a time does
//! what must not run twice (syncing, migrating, signing out), and a
//! `BroadcastChannel` so every tab hears at once what another one saved.
//!
//! Locks are held for as long as the Rust future runs; a tab that is closed
//! or killed releases its locks with it, so nothing stays locked forever.
use js_sys::{Function, Object, Promise, Reflect};
use std::future::Future;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Held by the tab that pushes to the server.
pub const SYNC_LOCK: &str = "beatbook-sync";
/// Held by every save (exclusively: the device chain, see `actions::commit`),
/// and by migration, PIN setup, retention and sign-out.
pub const LOG_LOCK: &str = "beatbook-log";
const CHANNEL: &str = "beatbook";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Shared,
    Exclusive,
}

/// A promise and the function that resolves it.
fn deferred() -> (Promise, Function) {
    let mut resolver = None;
    let promise = Promise::new(&mut |resolve, _reject| resolver = Some(resolve));
    // The executor runs synchronously, so the resolver is always set.
    (promise, resolver.unwrap_or_else(Function::default))
}

/// Runs `f` while holding the named lock (waiting for it). `None` if the
/// browser granted no lock. Browsers without Web Locks run `f`
/// directly (one tab is then all they can safely use, as before).
pub async fn with_lock<T>(name: &str, mode: Mode, f: impl Future<Output = T>) -> Option<T> {
    let mut out = None;
    let ran = locked(name, mode, Box::pin(async { out = Some(f.await) })).await;
    if ran {
        out
    } else {
        None
    }
}

/// The lock itself, once in the download whatever the caller's future.
fn locked<'a>(
    name: &'a str,
    mode: Mode,
    f: crate::idb::Boxed<'a, ()>,
) -> crate::idb::Boxed<'a, bool> {
    Box::pin(locked_inner(name, mode, f))
}

async fn locked_inner(name: &str, mode: Mode, f: crate::idb::Boxed<'_, ()>) -> bool {
    let Some(locks) = web_sys::window()
        .map(|w| w.navigator())
        .and_then(|n| Reflect::get(&n, &"locks".into()).ok())
        .filter(|l| !l.is_undefined())
    else {
        f.await;
        return true;
    };
    let request = Reflect::get(&locks, &"request".into())
        .ok()
        .and_then(|r| r.dyn_into::<Function>().ok());
    let Some(request) = request else {
        f.await;
        return true;
    };
    let options = Object::new();
    let exclusive = if mode == Mode::Shared {
        "shared"
    } else {
        "exclusive"
    };
    let _ = Reflect::set(&options, &"mode".into(), &exclusive.into());
    let (acquired, on_acquired) = deferred();
    let (released, release) = deferred();
    // The browser calls this with the lock (or null) and holds the lock
    // until the promise it returns settles.
    let callback = Closure::once_into_js(move |lock: JsValue| {
        let _ = on_acquired.call1(&JsValue::NULL, &lock);
        released
    });
    let held = request.call3(&locks, &name.into(), &options, &callback);
    let Ok(held) = held else {
        f.await;
        return true;
    };
    let lock = JsFuture::from(acquired).await.unwrap_or(JsValue::NULL);
    if lock.is_null() {
        return false;
    }
    f.await;
    let _ = release.call0(&JsValue::NULL);
    if let Ok(held) = held.dyn_into::<Promise>() {
        let _ = JsFuture::from(held).await;
    }
    true
}

/// What one tab tells the others.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// New revisions or answers are in storage: read them.
    LogChanged,
    /// The officer signed out in another tab.
    SignedOut,
    /// Another tab locked: every tab locks with it.
    Locked,
}

impl Message {
    fn code(&self) -> &'static str {
        match self {
            Self::LogChanged => "log",
            Self::SignedOut => "signed-out",
            Self::Locked => "locked",
        }
    }

    fn from_code(code: &str) -> Option<Self> {
        match code {
            "log" => Some(Self::LogChanged),
            "signed-out" => Some(Self::SignedOut),
            "locked" => Some(Self::Locked),
            _ => None,
        }
    }
}

thread_local! {
    static CHANNEL_HANDLE: Option<web_sys::BroadcastChannel> =
        web_sys::BroadcastChannel::new(CHANNEL).ok();
}

/// Tells every other tab (a tab does not hear its own messages).
pub fn tell(message: Message) {
    CHANNEL_HANDLE.with(|c| {
        if let Some(c) = c {
            let _ = c.post_message(&message.code().into());
        }
    });
}

/// Calls `f` for each message from another tab, for the page's lifetime.
pub fn listen(f: impl Fn(Message) + 'static) {
    let handler =
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
            if let Some(message) = ev.data().as_string().and_then(|c| Message::from_code(&c)) {
                f(message);
            }
        });
    CHANNEL_HANDLE.with(|c| {
        if let Some(c) = c {
            c.set_onmessage(Some(handler.as_ref().unchecked_ref()));
        }
    });
    handler.forget();
}
