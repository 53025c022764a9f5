//! How the supervisor's shift screens write times, delays, counts and
//! places. The server sends RFC 3339 UTC strings; a supervisor reads local
//! time, so each time is shown at the browser's offset *for that instant*
//! (a shift before the clocks changed keeps its own offset).
use beatbook_client::clock::now;
use beatbook_core::form::LocalTime;
use beatbook_core::{EntryId, Location, RecordKind};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use std::collections::BTreeMap;

/// A delay between capture on the device and receipt by the server longer
/// than this is marked: the device was most likely without a signal.
pub const LONG_DELAY: Duration = Duration::minutes(15);

/// Today in UTC (the server's days are UTC days).
pub fn today_utc() -> NaiveDate {
    now().date_naive()
}

/// Reads a time the server sent.
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    beatbook_core::time::parse(text)
}

/// The local calendar day of `time`.
pub fn local_day(time: DateTime<Utc>, local: LocalTime) -> NaiveDate {
    local.local(time).date()
}

// The clock and "Fri 27 Nov 08:30" are the officer app's too.
pub use beatbook_core::display::{clock as clock_text, day_time_text};

/// Within one shift: the clock alone on the shift's first day, the day too
/// otherwise (a night shift crosses midnight; a correction may come days
/// later).
pub fn time_in_shift(
    time: DateTime<Utc>,
    local: LocalTime,
    shift_day: NaiveDate,
    this_year: i32,
) -> String {
    if local_day(time, local) == shift_day {
        clock_text(time, local)
    } else {
        day_time_text(time, local, this_year)
    }
}

/// How long after capture the server received a revision: "+45 s",
/// "+12 min", "+2 h 05 min", "+1 d 3 h". Negative when the device clock was
/// ahead of the server's.
pub fn delay_text(delay: Duration) -> String {
    let secs = delay.num_seconds();
    let sign = if secs < 0 { "−" } else { "+" };
    let s = secs.abs();
    if s < 60 {
        format!("{sign}{s} s")
    } else if s < 3600 {
        format!("{sign}{} min", s / 60)
    } else if s < 86_400 {
        format!("{sign}{} h {:02} min", s / 3600, (s / 60) % 60)
    } else {
        format!("{sign}{} d {} h", s / 86_400, (s / 3600) % 24)
    }
}

/// Whether a delay suggests the device was out of signal.
pub fn is_long_delay(delay: Duration) -> bool {
    delay > LONG_DELAY
}

/// "15 min", "1 h 05 min": how long a patrol or shift lasted.
pub fn duration_text(d: Duration) -> String {
    let minutes = d.num_minutes().max(0);
    if minutes < 60 {
        format!("{minutes} min")
    } else {
        format!("{} h {:02} min", minutes / 60, minutes % 60)
    }
}

/// Words for a count of one record kind, short enough for a table cell.
fn kind_words(kind: RecordKind, n: u64) -> &'static str {
    let one = n == 1;
    match kind {
        RecordKind::Shift => {
            if one {
                "shift"
            } else {
                "shifts"
            }
        }
        RecordKind::Patrol => {
            if one {
                "patrol"
            } else {
                "patrols"
            }
        }
        RecordKind::StopSearch => {
            if one {
                "search"
            } else {
                "searches"
            }
        }
        RecordKind::StopAccount => {
            if one {
                "stop & account"
            } else {
                "stops & account"
            }
        }
        RecordKind::Arrest => {
            if one {
                "arrest"
            } else {
                "arrests"
            }
        }
        RecordKind::AsbIntervention => "ASB",
        RecordKind::IjReferral => "IJ",
        RecordKind::Note => {
            if one {
                "note"
            } else {
                "notes"
            }
        }
    }
}

/// A shift's entries by kind, in the order the officer's app lists kinds:
/// compact parts ("9 patrols", "1 search") and the full words for a
/// tooltip ("Patrol 9, Stop and search 1"). Unknown kinds are kept.
pub fn count_parts(counts: &BTreeMap<String, u64>) -> (Vec<String>, String) {
    let mut short = Vec::new();
    let mut full = Vec::new();
    for kind in RecordKind::ALL {
        if let Some(&n) = counts.get(kind.code()).filter(|n| **n > 0) {
            short.push(format!("{n} {}", kind_words(kind, n)));
            full.push(format!("{} {n}", kind.label()));
        }
    }
    for (code, n) in counts
        .iter()
        .filter(|(code, _)| RecordKind::from_code(code).is_none())
    {
        short.push(format!("{n} {code}"));
        full.push(format!("{code} {n}"));
    }
    (short, full.join(", "))
}

/// The compact parts as one line: "9 patrols · 1 search".
pub fn counts_text(counts: &BTreeMap<String, u64>) -> String {
    count_parts(counts).0.join(" · ")
}

/// A record kind code in words.
pub fn kind_label(code: &str) -> String {
    RecordKind::from_code(code).map_or_else(|| code.to_owned(), |k| k.label().to_owned())
}

/// An entry's short reference (BB-XXXX-XXXX) from its ID as the server
/// sends it; the ID itself if it is not one.
pub fn reference_of(entry_id: &str) -> String {
    EntryId::parse(entry_id).map_or_else(|| entry_id.to_owned(), |id| id.reference())
}

/// The first `max` characters of `text`, with "…" when cut.
pub fn snippet(text: &str, max: usize) -> String {
    let trimmed = text.trim();
    if trimmed.chars().count() <= max {
        trimmed.to_owned()
    } else {
        let cut: String = trimmed.chars().take(max).collect();
        format!("{}…", cut.trim_end())
    }
}

/// "51.50734, -0.12776" (5 places: about a metre).
pub fn coordinates_text(loc: &Location) -> String {
    format!(
        "{}, {}",
        beatbook_core::display::fixed(loc.lat, 5),
        beatbook_core::display::fixed(loc.lon, 5)
    )
}

/// "±12 m".
pub fn accuracy_text(loc: &Location) -> String {
    format!("±{} m", beatbook_core::display::fixed(loc.accuracy_m, 0))
}

/// A link that opens the place on OpenStreetMap (no tiles in the app).
pub fn map_link(loc: &Location) -> String {
    let (lat, lon) = (
        beatbook_core::display::fixed(loc.lat, 5),
        beatbook_core::display::fixed(loc.lon, 5),
    );
    format!("https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=18/{lat}/{lon}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        parse_time(text).unwrap_or_default()
    }

    #[test]
    fn delays_read_compactly() {
        assert_eq!(delay_text(Duration::seconds(45)), "+45 s");
        assert_eq!(delay_text(Duration::seconds(12 * 60 + 5)), "+12 min");
        assert_eq!(delay_text(Duration::minutes(125)), "+2 h 05 min");
        assert_eq!(delay_text(Duration::hours(27)), "+1 d 3 h");
        assert_eq!(delay_text(Duration::seconds(-90)), "−1 min");
        assert!(is_long_delay(Duration::minutes(16)));
        assert!(!is_long_delay(Duration::minutes(15)));
    }

    #[test]
    fn times_within_a_shift_name_the_day_only_when_it_changes() {
        let utc = LocalTime::default();
        let start = at("2026-11-26T22:00:00Z");
        let day = local_day(start, utc);
        assert_eq!(time_in_shift(start, utc, day, 2026), "22:00");
        assert_eq!(
            time_in_shift(at("2026-11-27T01:30:00Z"), utc, day, 2026),
            "Fri 27 Nov 01:30"
        );
        assert_eq!(
            day_time_text(at("2025-11-27T01:30:00.000000Z"), utc, 2026),
            "Thu 27 Nov 2025 01:30"
        );
        let bst = LocalTime::fixed(60);
        assert_eq!(clock_text(at("2026-07-01T23:30:00Z"), bst), "00:30");
    }

    #[test]
    fn counts_follow_the_apps_kind_order() {
        let counts: BTreeMap<String, u64> = [("note", 1), ("patrol", 9), ("stop_search", 2)]
            .into_iter()
            .map(|(k, n)| (k.to_owned(), n))
            .collect();
        let (_, full) = count_parts(&counts);
        assert_eq!(counts_text(&counts), "9 patrols · 2 searches · 1 note");
        assert_eq!(full, "Patrol 9, Stop and search 2, Note or engagement 1");
    }

    #[test]
    fn places_link_to_the_map() {
        let loc = Location {
            lat: 51.507_34,
            lon: -0.127_76,
            accuracy_m: 12.4,
        };
        assert_eq!(coordinates_text(&loc), "51.50734, -0.12776");
        assert_eq!(accuracy_text(&loc), "±12 m");
        assert_eq!(
            map_link(&loc),
            "https://www.openstreetmap.org/?mlat=51.50734&mlon=-0.12776#map=18/51.50734/-0.12776"
        );
        assert_eq!(
            snippet("  Add the grounds for the arrest ", 12),
            "Add the grou…"
        );
    }
}
