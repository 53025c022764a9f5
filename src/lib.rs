//! Beatbook officer app: Leptos CSR, offline-first. Every entry is saved to
//! IndexedDB (a completed strict transaction) before the app says so; see
//! ARCHITECTURE.md.
pub mod actions;
pub mod base64;
pub mod force;
pub mod idb;
pub mod outbox;
pub mod past;
pub mod platform;
pub mod sent_back;
pub mod session;
pub mod state;
pub mod storage;
pub mod sync;
pub mod tabs;
pub mod ui;
pub mod vault;

use leptos::prelude::*;
use state::{AppState, Phase, Screen};
use ui::auth::{SetPin, SignIn, Unlock};
use ui::detail::EntryDetail;
use ui::form::EntryForm;
use ui::shift::{Home, ShiftView};
use ui::status::{Alerts, StatusBar, ToastView};

// Single-threaded wasm (no atomics): talc's dynamic heap, grown with
// `memory.grow` as dlmalloc's is. Measured in both bundles (ARCHITECTURE.md).
#[cfg(all(not(target_feature = "atomics"), target_family = "wasm"))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

#[component]
pub fn App() -> impl IntoView {
    let state = AppState::new();
    provide_context(state);
    set_interval(
        move || state.clock.set(platform::now()),
        std::time::Duration::from_secs(1),
    );
    platform::on_update_available(move || state.update_available.set(true));
    ui::auth::watch_inactivity(state);
    sync::start(state);
    tabs::listen(move |message| match message {
        tabs::Message::LogChanged => {
            leptos::task::spawn_local(async move { state.refresh_from_storage().await });
        }
        tabs::Message::Locked => state.forget_keys(),
        tabs::Message::SignedOut => state.signed_out(),
    });
    leptos::task::spawn_local(async move {
        state.recover_settings().await;
        state.persistence.set(platform::request_persistence().await);
    });
    let screen = move || match state.screen.get() {
        Screen::Home => view! { <Home /> }.into_any(),
        Screen::NewEntry(kind) => view! { <EntryForm kind /> }.into_any(),
        Screen::Correct(entry) => {
            let kind = state
                .log
                .with_untracked(|log| log.latest(entry).map(|r| r.kind()));
            match kind {
                Some(kind) => view! { <EntryForm kind correcting=entry /> }.into_any(),
                None => view! { <Home /> }.into_any(),
            }
        }
        Screen::Detail(entry) => view! { <EntryDetail entry /> }.into_any(),
        Screen::Shift(shift) => view! { <ShiftView shift /> }.into_any(),
        Screen::Reauth => view! { <SignIn reauth=true /> }.into_any(),
        Screen::Review => view! { <ui::review_host::ReviewHost /> }.into_any(),
    };
    let body = move || match state.phase.get() {
        Phase::SignIn => view! { <SignIn /> }.into_any(),
        Phase::SetPin => view! { <SetPin /> }.into_any(),
        Phase::Locked => view! { <Unlock /> }.into_any(),
        Phase::Opening => {
            view! { <p class="card" role="status">"Opening your log…"</p> }.into_any()
        }
        Phase::Unlocked => screen().into_any(),
    };
    view! {
        <header class="bar">
            <h1><button type="button" class="home" on:click=move |_| state.go(Screen::Home)>"Beatbook"</button></h1>
            <StatusBar />
            // In the sticky header, so a message never covers the controls
            // under the thumb at the bottom of the screen.
            <ToastView />
        </header>
        <Alerts />
        <main id="main">{body}</main>
    }
}

pub fn start() {
    // Every answer's `Date` header tells the app its clock offset.
    beatbook_client::observe_server_dates(platform::observe_server_date);
    leptos::mount::mount_to_body(App);
}
