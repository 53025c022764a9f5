//! The force's settings (`core::force`): read from the server after a sync
//! round (at most once a minute) and kept in local storage, so a phone
//! started with no signal follows the last settings it heard. Until it has
//! heard, the defaults apply: what the app did before settings existed.
use crate::platform;
use crate::state::AppState;
use beatbook_core::force::{ForceAnswer, ForceSettings};
use chrono::{DateTime, Utc};
use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;

/// The server's last good answer, as it sent it (`{"settings": {..}, ..}`;
/// the settings alone, as some earlier builds kept them, read the same).
const KEY: &str = "bb:force";
/// Reads closer together than this are skipped (a sync round follows each save).
const MIN_INTERVAL_SECONDS: i64 = 60;

/// The settings of a kept answer: `None` unless every setting is there, of
/// its type and in range, so a damaged copy never locks a phone after a
/// second or keeps nothing.
pub fn read(body: &str) -> Option<ForceSettings> {
    beatbook_core::json::from_str::<ForceAnswer>(body)
        .ok()
        .map(|answer| answer.settings)
        .filter(|settings| settings.check().is_ok())
}

/// The settings last heard, or the defaults.
pub fn cached() -> ForceSettings {
    LocalStorage::raw()
        .get_item(KEY)
        .ok()
        .flatten()
        .and_then(|body| read(&body))
        .unwrap_or_default()
}

/// Reads the settings again, unless that was tried a moment ago; keeps a
/// good answer for offline use. A failed read changes nothing.
pub fn refresh(state: AppState, last: StoredValue<Option<DateTime<Utc>>>) {
    let now = platform::now();
    if last
        .get_value()
        .is_some_and(|at| (now - at).num_seconds() < MIN_INTERVAL_SECONDS)
    {
        return;
    }
    let Some(token) = state.session.with_untracked(|s| {
        s.as_ref()
            .filter(|s| s.expires_at > now)
            .map(|s| s.token.clone())
    }) else {
        return;
    };
    last.set_value(Some(now));
    leptos::task::spawn_local(async move {
        // Any failure (no signal, an ended session, the server) keeps what
        // the phone had: the next sync round asks again.
        let Ok((answer, body)) = beatbook_client::force(&token).await else {
            return;
        };
        if answer.settings.check().is_err() {
            return;
        }
        // Best effort: kept in memory either way. Kept as the server sent
        // it (the whole document: `read` takes its settings), and the
        // settings on screen change only when that text does: comparing
        // the text, not the settings, as a derived `!=` over the hotspot
        // list cost the download 2.7 KB of wasm.
        let before = LocalStorage::raw().get_item(KEY).ok().flatten();
        let _ = LocalStorage::raw().set_item(KEY, &body);
        if before.as_deref() != Some(body.as_str()) {
            state.force.set(answer.settings);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_whole_answer_is_read_and_anything_less_is_not() {
        let body = r#"{"settings":{"lock_minutes":3,"retention_days":30,"stop_and_account":false},"time_zone":"Europe/London","updated_at":null}"#;
        assert_eq!(
            read(body),
            Some(ForceSettings {
                lock_minutes: 3,
                retention_days: 30,
                stop_and_account: false,
                long_patrol_minutes: 120,
                hotspots: Vec::new(),
            })
        );
        for bad in [
            "",
            "not json",
            r#"{"settings":{"lock_minutes":3,"retention_days":30}}"#,
            r#"{"settings":{"lock_minutes":"3","retention_days":30,"stop_and_account":false}}"#,
            r#"{"settings":{"lock_minutes":0,"retention_days":30,"stop_and_account":false}}"#,
            r#"{"settings":{"lock_minutes":4294967299,"retention_days":30,"stop_and_account":false}}"#,
            r#"{"lock_minutes":3,"retention_days":30,"stop_and_account":false}"#,
        ] {
            assert_eq!(read(bad), None, "{bad}");
        }
    }
}
