//! Signing in, choosing a PIN, unlocking, locking and signing out.
use crate::outbox::Held;
use crate::platform;
use crate::session::{self, Session, SignInError};
use crate::state::{use_state, AppState, Phase, Profile, Screen};
use crate::storage;
use crate::tabs::{self, Mode, LOG_LOCK};
use crate::vault::{Vault, VaultError, VaultParams, MIN_PIN_DIGITS};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Where failed PIN attempts are counted (never reset by reloading).
use storage::PIN_FAILURES_KEY;
/// Wrong PINs allowed before each further try has to wait.
const FREE_ATTEMPTS: u32 = 3;

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
struct PinFailures {
    count: u32,
    last_ms: f64,
}

/// Seconds to wait before the next PIN attempt: none for the first few, then
/// 30 s doubling to 15 minutes. Data is never wiped for wrong PINs.
fn pin_wait_seconds(f: PinFailures, now_ms: f64) -> u64 {
    if f.count < FREE_ATTEMPTS {
        return 0;
    }
    let wait_ms = (30_000u64 << (f.count - FREE_ATTEMPTS).min(5)).min(15 * 60 * 1000) as f64;
    ((f.last_ms + wait_ms - now_ms).max(0.0) / 1000.0).ceil() as u64
}

fn valid_pin(pin: &str) -> bool {
    pin.len() >= MIN_PIN_DIGITS && pin.bytes().all(|b| b.is_ascii_digit())
}

/// One text or secret input of a [`SecretForm`].
#[derive(Clone, Copy)]
struct Input {
    id: &'static str,
    label: &'static str,
    secret: bool,
    numeric: bool,
    autocomplete: &'static str,
}

const OFFICER_ID: Input = Input {
    id: "signin-officer",
    label: "Officer ID",
    secret: false,
    numeric: false,
    autocomplete: "username",
};
const PASSWORD: Input = Input {
    id: "signin-password",
    label: "Password",
    secret: true,
    numeric: false,
    autocomplete: "current-password",
};
const NEW_PIN: Input = Input {
    id: "pin-new",
    label: "New PIN (6 or more digits)",
    secret: true,
    numeric: true,
    autocomplete: "new-password",
};
const PIN_AGAIN: Input = Input {
    id: "pin-again",
    label: "Same PIN again",
    secret: true,
    numeric: true,
    autocomplete: "new-password",
};
const PIN_INPUT: Input = Input {
    id: "pin-unlock",
    label: "PIN",
    secret: true,
    numeric: true,
    autocomplete: "current-password",
};

/// The one form behind signing in, choosing a PIN and unlocking: a few
/// inputs, an error line, and a button that shows when it is working.
#[component]
fn SecretForm(
    title: &'static str,
    intro: String,
    inputs: &'static [Input],
    values: RwSignal<Vec<String>>,
    #[prop(optional)] locked_first: bool,
    submit_label: &'static str,
    busy: RwSignal<bool>,
    error: RwSignal<Option<String>>,
    on_submit: Callback<()>,
    on_cancel: Option<Callback<()>>,
) -> impl IntoView {
    let fields = inputs
        .iter()
        .enumerate()
        .map(|(i, input)| {
            let last = i + 1 == inputs.len();
            view! {
                <div class="field">
                    <label for=input.id>{input.label}</label>
                    <input id=input.id type=if input.secret { "password" } else { "text" }
                        inputmode=if input.numeric { "numeric" } else { "text" }
                        autocomplete=input.autocomplete
                        readonly=locked_first && i == 0
                        prop:value=values.with_untracked(|v| v.get(i).cloned().unwrap_or_default())
                        aria-describedby=last.then_some("err-secret")
                        on:input=move |ev| values.update(|v| {
                            if let Some(slot) = v.get_mut(i) {
                                *slot = event_target_value(&ev);
                            }
                        }) />
                </div>
            }
        })
        .collect_view();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !busy.get_untracked() {
            on_submit.run(());
        }
    };
    view! {
        <section class="card" aria-labelledby="secret-title">
            <h2 id="secret-title">{title}</h2>
            {(!intro.is_empty()).then(|| view! { <p>{intro}</p> })}
            <form on:submit=submit novalidate>
                {fields}
                <p class="error" id="err-secret" role="alert">{move || error.get()}</p>
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || busy.get()>
                        {move || if busy.get() { "Working…" } else { submit_label }}
                    </button>
                    {on_cancel.map(|cancel| view! { <button type="button" on:click=move |_| cancel.run(())>"Not now"</button> })}
                </div>
            </form>
        </section>
    }
}

/// Signs in online. With `reauth`, only the officer whose entries are on the
/// device may sign in, and the session is sealed with the open vault.
#[component]
pub fn SignIn(#[prop(optional)] reauth: bool) -> impl IntoView {
    let state = use_state();
    let values = RwSignal::new(vec![
        state.profile.with_untracked(|p| p.officer_id.clone()),
        String::new(),
    ]);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let on_submit = Callback::new(move |()| {
        let v = values.get_untracked();
        let id = v[0].trim().to_owned();
        let pass = v[1].clone();
        if id.is_empty() || pass.is_empty() {
            error.set(Some("Enter your officer ID and password".into()));
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = session::sign_in(&id, &pass).await;
            busy.set(false);
            let accepted = match result {
                Ok(session) => accept_session(state, session, reauth).await,
                Err(e) => Err(e),
            };
            error.set(accepted.err().map(|e| e.to_string()));
        });
    });
    view! {
        <SecretForm
            title=if reauth { "Sign in again" } else { "Sign in to Beatbook" }
            intro=if reauth { "Your session has ended. Your entries are safe on this phone and are sent once you sign in.".to_owned() } else { String::new() }
            inputs=&[OFFICER_ID, PASSWORD]
            values locked_first=reauth submit_label="Sign in" busy error on_submit
            on_cancel=reauth.then(|| Callback::new(move |()| state.go(Screen::Home)))
        />
    }
}

async fn accept_session(
    state: AppState,
    session: Session,
    reauth: bool,
) -> Result<(), SignInError> {
    let current = state.profile.with_untracked(|p| p.officer_id.clone());
    if (reauth || state.phase.get_untracked() != Phase::SignIn)
        && !current.is_empty()
        && current != session.user.officer_id
    {
        crate::session::sign_out(&session.token).await;
        return Err(SignInError::OtherOfficer(session.user.officer_id));
    }
    let profile = Profile {
        officer_id: session.user.officer_id.clone(),
        display_name: session.user.display_name.clone(),
    };
    let _ = storage::set_durable(storage::PROFILE_KEY, &profile).await;
    state.profile.set(profile);
    match state.vault.get_value() {
        Some(vault) => {
            let _ = storage::set_sealed(storage::SESSION, &session, &vault).await;
            state.session.set(Some(session));
            state.go(Screen::Home);
            state.saved("Signed in");
            crate::sync::kick(state);
        }
        None => {
            state.session.set(Some(session));
            state.phase.set(Phase::SetPin);
        }
    }
    Ok(())
}

/// Choosing a PIN after the first sign-in: it encrypts everything recorded.
#[component]
pub fn SetPin() -> impl IntoView {
    let state = use_state();
    let values = RwSignal::new(vec![String::new(), String::new()]);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let on_submit = Callback::new(move |()| {
        let v = values.get_untracked();
        if !valid_pin(&v[0]) {
            error.set(Some(format!("Use at least {MIN_PIN_DIGITS} digits")));
            return;
        }
        if v[0] != v[1] {
            error.set(Some("The two PINs are not the same".into()));
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            match create_vault(state, &v[0]).await {
                Ok(()) => state.saved("PIN set: your entries are encrypted on this phone"),
                Err(e) => {
                    busy.set(false);
                    error.set(Some(e.to_string()));
                }
            }
        });
    });
    view! {
        <SecretForm
            title="Choose a PIN"
            intro="Entries on this phone are encrypted with your PIN. You will need it after the app locks.".to_owned()
            inputs=&[NEW_PIN, PIN_AGAIN]
            values submit_label="Set PIN" busy error on_submit on_cancel=None
        />
    }
}

async fn create_vault(state: AppState, pin: &str) -> Result<(), VaultError> {
    // One tab at a time: two PINs chosen at once would leave one tab's
    // entries sealed under a key the other PIN cannot open.
    tabs::with_lock(LOG_LOCK, Mode::Exclusive, create_vault_locked(state, pin))
        .await
        .unwrap_or(Err(VaultError::Browser("storage is busy".into())))?;
    Ok(())
}

async fn create_vault_locked(state: AppState, pin: &str) -> Result<(), VaultError> {
    if storage::get::<VaultParams>(storage::VAULT_KEY).is_some() {
        // Another tab set a PIN meanwhile: unlock with that one.
        state.phase.set(Phase::Locked);
        return Ok(());
    }
    let (vault, params) = Vault::create(pin).await?;
    if let Some(session) = state.session.get_untracked() {
        storage::set_sealed(storage::SESSION, &session, &vault)
            .await
            .map_err(|e| VaultError::Browser(e.to_string()))?;
    }
    // On disk before anything is sealed under it: without the salt the
    // entries could never be opened again.
    storage::set_durable(storage::VAULT_KEY, &params)
        .await
        .map_err(|e| VaultError::Browser(e.to_string()))?;
    open_later(state, vault);
    Ok(())
}

/// Opens the log once the lock held by the caller is released (`open`
/// takes it itself).
fn open_later(state: AppState, vault: Vault) {
    leptos::task::spawn_local(async move { state.open(vault).await });
}

/// The lock screen: the PIN opens the encrypted log.
#[component]
pub fn Unlock() -> impl IntoView {
    let state = use_state();
    let values = RwSignal::new(vec![String::new()]);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let on_submit = Callback::new(move |()| {
        let failures: PinFailures = storage::get(PIN_FAILURES_KEY).unwrap_or_default();
        let wait = pin_wait_seconds(failures, js_sys::Date::now());
        if wait > 0 {
            error.set(Some(format!("Too many wrong PINs: try again in {wait} s")));
            return;
        }
        let Some(params) = storage::get::<VaultParams>(storage::VAULT_KEY) else {
            error.set(Some("No PIN is set on this phone".into()));
            return;
        };
        let typed = values.with_untracked(|v| v[0].clone());
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match Vault::unlock(&typed, &params).await {
                Ok(vault) => {
                    let _ = storage::set(PIN_FAILURES_KEY, &PinFailures::default());
                    state.open(vault).await;
                }
                Err(e) => {
                    busy.set(false);
                    let failures = PinFailures {
                        count: failures.count + 1,
                        last_ms: js_sys::Date::now(),
                    };
                    let _ = storage::set(PIN_FAILURES_KEY, &failures);
                    let wait = pin_wait_seconds(failures, js_sys::Date::now());
                    error.set(Some(match (e, wait) {
                        (VaultError::WrongPin, 0) => {
                            "Wrong PIN. Your entries are safe; try again.".to_owned()
                        }
                        (VaultError::WrongPin, w) => {
                            format!("Wrong PIN. Try again in {w} s. Your entries are safe.")
                        }
                        (other, _) => other.to_string(),
                    }));
                }
            }
        });
    });
    let who = state
        .profile
        .with_untracked(|p| format!("{} ({})", p.display_name, p.officer_id));
    view! {
        <SecretForm
            title="Beatbook is locked"
            intro=who
            inputs=&[PIN_INPUT]
            values submit_label="Unlock" busy error on_submit on_cancel=None
        />
    }
}

/// Lock now, and sign out (only once everything has reached the server).
#[component]
pub fn AccountPanel() -> impl IntoView {
    let state = use_state();
    // Shown beside the button, where the officer is looking.
    let refusal = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let sign_out = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = tabs::with_lock(LOG_LOCK, Mode::Exclusive, sign_out_locked(state)).await;
            busy.set(false);
            match result {
                Some(Ok(())) => {
                    tabs::tell(tabs::Message::SignedOut);
                    state.signed_out();
                }
                Some(Err(why)) => refusal.set(Some(why)),
                None => refusal.set(Some("Storage is busy: try again".into())),
            }
        });
    };
    let signed_in = move || state.session.with(Option::is_some);
    let storage_use = move || {
        state.storage_use.get().map(|u| {
            format!(
                "Storage used: {} MB of {} MB allowed ({}%)",
                crate::fmt::fixed(u.used / 1e6, 1),
                (u.quota / 1e6) as i64,
                u.percent()
            )
        })
    };
    view! {
        <section class="card" aria-labelledby="account-title">
            <h2 id="account-title">"Account"</h2>
            <p>{move || state.profile.with(|p| format!("{} ({})", p.display_name, p.officer_id))}</p>
            <p class="storage-use">{storage_use}</p>
            <p class="error" role="alert">{move || refusal.get()}</p>
            <div class="actions">
                <button type="button" on:click=move |_| state.lock()>"Lock now"</button>
                {move || if signed_in() {
                    view! { <button type="button" class="danger" disabled=move || busy.get() on:click=sign_out>"Sign out"</button> }.into_any()
                } else {
                    view! { <button type="button" on:click=move |_| state.go(Screen::Reauth)>"Sign in again"</button> }.into_any()
                }}
            </div>
        </section>
    }
}

/// Signs out if nothing in storage (any tab's) would be lost: every
/// revision acknowledged by the server, nothing refused, unplaced or
/// quarantined. Runs under the exclusive log lock, so no tab saves
/// meanwhile; removes only what the server holds.
async fn sign_out_locked(state: AppState) -> Result<(), String> {
    let stored = storage::inventory().await.map_err(|e| e.to_string())?;
    let unplaced = state.log.with_untracked(|l| l.unplaced().len());
    let mut held = Held::count(
        &stored.revisions,
        &stored.answers,
        stored.quarantined,
        unplaced,
    );
    // Revisions not yet moved out of the old storage count as unsynced.
    held.unsynced += storage::legacy_revisions();
    if let Some(why) = held.refusal() {
        return Err(why);
    }
    if let Some(s) = state.session.get_untracked() {
        session::sign_out(&s.token).await;
    }
    storage::purge_signed_out(&stored.revisions)
        .await
        .map_err(|e| format!("Could not sign out: {e}"))
}

/// Locks after a period without a touch or key press.
pub fn watch_inactivity(state: AppState) {
    for event in ["pointerdown", "keydown"] {
        let handle = window_event_listener_untyped(event, move |_| {
            state.last_activity.set_value(platform::now());
        });
        std::mem::forget(handle);
    }
    set_interval(
        move || {
            // This tab only: a tab left in the background must not lock the
            // one the officer is typing in (each tab runs its own timer;
            // "Lock now" locks them all).
            // The force's setting, as last heard (`crate::force`).
            let lock_after =
                chrono::Duration::minutes(state.force.with_untracked(|f| f.lock_minutes).into());
            if platform::now() - state.last_activity.get_value() > lock_after {
                state.forget_keys();
            }
        },
        std::time::Duration::from_secs(15),
    );
}
