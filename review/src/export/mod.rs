//! CSV exports: the supervisor gives a reason (the server records it with
//! the export, DPA 2018 s62), the app fetches the file with the session's
//! token (tokens never go in URLs, so a plain link cannot) and saves it.
use crate::use_ctx;
use beatbook_client::Export;
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

/// Saves `text` as a file called `filename` through a temporary object URL.
fn save_file(text: &str, filename: &str) -> Result<(), JsValue> {
    let window = web_sys::window().ok_or(JsValue::NULL)?;
    let document = window.document().ok_or(JsValue::NULL)?;
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/csv;charset=utf-8");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let link: web_sys::HtmlAnchorElement = document.create_element("a")?.unchecked_into();
    link.set_href(&url);
    link.set_download(filename);
    let body = document.body().ok_or(JsValue::NULL)?;
    body.append_child(&link)?;
    link.click();
    link.remove();
    // Revoked later: the download reads the URL after this returns.
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    let _ = window
        .set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 60_000);
    Ok(())
}

/// Data rows in a CSV body (lines after the header; CRLF line ends).
pub fn data_rows(csv: &str) -> usize {
    csv.split("\r\n")
        .filter(|line| !line.is_empty())
        .count()
        .saturating_sub(1)
}

#[derive(Clone, PartialEq)]
enum Status {
    Idle,
    Working,
    Saved(String),
    Failed(String),
}

/// A reason box and a download button for `export`.
#[component]
pub fn ExportForm(
    /// The button's words, e.g. "Download the return (CSV)".
    label: &'static str,
    /// The reason box's element ID (unique on the page).
    id: &'static str,
    #[prop(into)] export: Signal<Export>,
    #[prop(into)] filename: Signal<String>,
) -> impl IntoView {
    let ctx = use_ctx();
    let reason = RwSignal::new(String::new());
    let status = RwSignal::new(Status::Idle);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let why = reason.get_untracked().trim().to_owned();
        if why.is_empty() {
            status.set(Status::Failed(
                "Give a reason: every export is recorded with who, when and why (DPA 2018 s62)."
                    .into(),
            ));
            return;
        }
        let export = export.get_untracked();
        let token = ctx.token.get_value();
        let filename = filename.get_untracked();
        status.set(Status::Working);
        // Scoped: cancelled if the screen is left meanwhile.
        leptos::task::spawn_local_scoped(async move {
            let outcome = match beatbook_client::export(&token, &export, &why).await {
                Ok(csv) => match save_file(&csv, &filename) {
                    Ok(()) => Status::Saved(format!(
                        "Saved {filename}: {} rows. The export is recorded.",
                        data_rows(&csv)
                    )),
                    Err(_) => Status::Failed("The browser would not save the file".into()),
                },
                Err(e) => Status::Failed(crate::say(&e)),
            };
            status.set(outcome);
        });
    };
    let message = move || match status.get() {
        Status::Idle => None,
        Status::Working => Some(view! { <p role="status">"Preparing the file…"</p> }.into_any()),
        Status::Saved(text) => Some(view! { <p role="status">{text}</p> }.into_any()),
        Status::Failed(text) => Some(view! { <p role="alert" class="error">{text}</p> }.into_any()),
    };
    view! {
        <form class="export no-print" on:submit=submit>
            <label for=id>"Reason for this export (recorded)"</label>
            <input id=id type="text" maxlength="500" required
                placeholder="e.g. monthly return to the programme lead"
                prop:value=move || reason.get()
                on:input=move |ev| reason.set(event_target_value(&ev)) />
            <button type="submit" disabled=move || status.get() == Status::Working>{label}</button>
            {message}
        </form>
    }
}
