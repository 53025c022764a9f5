//! A small async layer over IndexedDB, only as much as the log needs.
//!
//! Every call issues all of a transaction's requests at once and then awaits
//! the transaction's `complete` event, never a request in between: a
//! transaction commits by itself once it has nothing pending at the end of a
//! task, so awaiting between requests could let it close early. Writes are
//! opened with `durability: "strict"`, so `complete` means the bytes reached
//! the disk (Chromium flushes before it fires the event); a write that has
//! not completed is reported as failed and the caller keeps its data.
use js_sys::{Array, Object, Promise, Reflect};
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use thiserror::Error;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbObjectStore, IdbRequest, IdbTransaction, IdbTransactionMode};

pub const DB_NAME: &str = "beatbook";
/// Schema version of the database (object stores), not of the values in it.
const DB_VERSION: u32 = 1;
/// Revision ID -> `{"v":3,"iv":..,"ct":..}` (text, exactly as format 3 kept it).
pub const REVISIONS: &str = "revisions";
/// Revision ID -> the server's answer (`Answer` as JSON text, not secret).
pub const ANSWERS: &str = "answers";
/// Original key -> the unreadable text, kept for support; never deleted.
pub const QUARANTINE: &str = "quarantine";
/// Small sealed values: the session, a half-typed form.
pub const META: &str = "meta";
pub const STORES: [&str; 4] = [REVISIONS, ANSWERS, QUARANTINE, META];

#[derive(Debug, Error, Clone, PartialEq)]
pub enum IdbError {
    #[error("This browser does not offer IndexedDB here (private browsing?), so entries cannot be saved.")]
    Unavailable,
    #[error("The phone's storage for Beatbook is full.")]
    QuotaExceeded,
    #[error("{0}")]
    Browser(String),
}

#[wasm_bindgen]
extern "C" {
    /// An `IDBDatabase`, for the one overload web-sys has only behind
    /// `web_sys_unstable_apis`: `transaction(names, mode, { durability })`.
    type DurableDatabase;
    #[wasm_bindgen(method, catch, js_name = transaction)]
    fn transaction_with_options(
        this: &DurableDatabase,
        names: &JsValue,
        mode: IdbTransactionMode,
        options: &Object,
    ) -> Result<IdbTransaction, JsValue>;
}

/// A DOMException (or any error) in words, with quota errors told apart.
fn error_from(value: &JsValue) -> IdbError {
    let name = Reflect::get(value, &"name".into())
        .ok()
        .and_then(|n| n.as_string())
        .unwrap_or_default();
    if name == "QuotaExceededError" {
        return IdbError::QuotaExceeded;
    }
    let message = Reflect::get(value, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_default();
    IdbError::Browser(format!("{name}: {message}"))
}

thread_local! {
    static DB: RefCell<Option<IdbDatabase>> = const { RefCell::new(None) };
}

/// A boxed future. The storage functions return these rather than being
/// `async fn`s: each `async fn` awaited from many places has its state
/// machine inlined into every caller, which grew the download by kilobytes.
pub type Boxed<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// A promise settled by the first of `ok` / `fail` events set by `arm`.
fn settled(arm: impl FnOnce(&js_sys::Function, &js_sys::Function)) -> JsFuture {
    let mut arm = Some(arm);
    JsFuture::from(Promise::new(&mut |resolve, reject| {
        if let Some(arm) = arm.take() {
            arm(&resolve, &reject);
        }
    }))
}

/// The open database, opened (and created or upgraded) on first use.
pub fn db() -> Boxed<'static, Result<IdbDatabase, IdbError>> {
    Box::pin(open_db())
}

async fn open_db() -> Result<IdbDatabase, IdbError> {
    if let Some(db) = DB.with(|d| d.borrow().clone()) {
        return Ok(db);
    }
    let factory = web_sys::window()
        .and_then(|w| w.indexed_db().ok().flatten())
        .ok_or(IdbError::Unavailable)?;
    let open = factory
        .open_with_u32(DB_NAME, DB_VERSION)
        .map_err(|e| error_from(&e))?;
    let upgrade = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
        let Some(request) = ev.target().and_then(|t| t.dyn_into::<IdbRequest>().ok()) else {
            return;
        };
        let Ok(db) = request.result().and_then(|r| r.dyn_into::<IdbDatabase>()) else {
            return;
        };
        for store in STORES {
            if !db.object_store_names().contains(store) {
                // Failure aborts the upgrade, and `open` then fails below.
                let _ = db.create_object_store(store);
            }
        }
    });
    open.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
    let request: &IdbRequest = open.as_ref();
    let outcome = settled(|ok, fail| {
        request.set_onsuccess(Some(ok));
        request.set_onerror(Some(fail));
    })
    .await;
    open.set_onupgradeneeded(None);
    drop(upgrade);
    if outcome.is_err() {
        return Err(request
            .error()
            .ok()
            .flatten()
            .map(|e| error_from(&e))
            .unwrap_or(IdbError::Unavailable));
    }
    let db: IdbDatabase = request
        .result()
        .and_then(|r| r.dyn_into())
        .map_err(|e| error_from(&e))?;
    // Another tab opening a newer schema asks us to step aside; the next call
    // opens the database again.
    let on_version_change = Closure::<dyn FnMut()>::new(move || {
        DB.with(|d| {
            if let Some(db) = d.borrow_mut().take() {
                db.close();
            }
        })
    });
    db.set_onversionchange(Some(on_version_change.as_ref().unchecked_ref()));
    on_version_change.forget();
    DB.with(|d| *d.borrow_mut() = Some(db.clone()));
    Ok(db)
}

/// A transaction over `stores`, read-only or strict read-write.
pub struct Tx {
    tx: IdbTransaction,
}

impl Tx {
    pub fn read<'a>(stores: &'a [&'a str]) -> Boxed<'a, Result<Self, IdbError>> {
        Box::pin(Self::open(stores, IdbTransactionMode::Readonly))
    }

    pub fn write<'a>(stores: &'a [&'a str]) -> Boxed<'a, Result<Self, IdbError>> {
        Box::pin(Self::open(stores, IdbTransactionMode::Readwrite))
    }

    async fn open(stores: &[&str], mode: IdbTransactionMode) -> Result<Self, IdbError> {
        let db = db().await?;
        let names: Array = stores.iter().map(|s| JsValue::from_str(s)).collect();
        let options = Object::new();
        let _ = Reflect::set(&options, &"durability".into(), &"strict".into());
        let durable: &DurableDatabase = db.unchecked_ref();
        let tx = match durable.transaction_with_options(&names, mode, &options) {
            Ok(tx) => tx,
            Err(e) => {
                // A closed connection (the browser or another tab closed it):
                // forget it so the next call reopens.
                DB.with(|d| *d.borrow_mut() = None);
                return Err(error_from(&e));
            }
        };
        Ok(Self { tx })
    }

    fn store(&self, name: &str) -> Result<IdbObjectStore, IdbError> {
        self.tx.object_store(name).map_err(|e| error_from(&e))
    }

    pub fn put(&self, store: &str, key: &str, value: &str) -> Result<(), IdbError> {
        self.store(store)?
            .put_with_key(&JsValue::from_str(value), &JsValue::from_str(key))
            .map(drop)
            .map_err(|e| error_from(&e))
    }

    pub fn delete(&self, store: &str, key: &str) -> Result<(), IdbError> {
        self.store(store)?
            .delete(&JsValue::from_str(key))
            .map(drop)
            .map_err(|e| error_from(&e))
    }

    /// Empties a store (sign-out purges by key; this is for tests and tools).
    pub fn clear(&self, store: &str) -> Result<(), IdbError> {
        self.store(store)?
            .clear()
            .map(drop)
            .map_err(|e| error_from(&e))
    }

    /// Asks for every key and value of a store; read them after [`Tx::done`].
    pub fn all(&self, store: &str) -> Result<Pending, IdbError> {
        let s = self.store(store)?;
        Ok(Pending {
            keys: s.get_all_keys().map_err(|e| error_from(&e))?,
            values: s.get_all().map_err(|e| error_from(&e))?,
        })
    }

    /// Asks for one value; read it after [`Tx::done`].
    pub fn get(&self, store: &str, key: &str) -> Result<IdbRequest, IdbError> {
        self.store(store)?
            .get(&JsValue::from_str(key))
            .map_err(|e| error_from(&e))
    }

    /// Waits for the transaction to commit (strictly, for writes). An error
    /// or abort (a full disk among them) is returned and nothing of the
    /// transaction was kept.
    pub fn done(self) -> Boxed<'static, Result<(), IdbError>> {
        Box::pin(self.finish())
    }

    async fn finish(self) -> Result<(), IdbError> {
        let tx = &self.tx;
        let outcome = settled(|ok, fail| {
            tx.set_oncomplete(Some(ok));
            tx.set_onerror(Some(fail));
            tx.set_onabort(Some(fail));
        })
        .await;
        tx.set_oncomplete(None);
        tx.set_onerror(None);
        tx.set_onabort(None);
        match outcome {
            Ok(_) => Ok(()),
            Err(event) => Err(tx
                .error()
                .map(|e| error_from(&e))
                .unwrap_or_else(|| error_from(&event))),
        }
    }
}

/// Keys and values of one store, requested in a transaction.
pub struct Pending {
    keys: IdbRequest,
    values: IdbRequest,
}

impl Pending {
    /// `(key, value)` pairs where both are text; anything else is skipped
    /// (nothing but this module writes these stores).
    pub fn pairs(&self) -> Vec<(String, String)> {
        let (Ok(keys), Ok(values)) = (self.keys.result(), self.values.result()) else {
            return Vec::new();
        };
        let keys: Array = keys.unchecked_into();
        let values: Array = values.unchecked_into();
        keys.iter()
            .zip(values.iter())
            .filter_map(|(k, v)| Some((k.as_string()?, v.as_string()?)))
            .collect()
    }
}

/// The text result of a finished `get`, if any.
pub fn text_of(request: &IdbRequest) -> Option<String> {
    request.result().ok().and_then(|v| v.as_string())
}
