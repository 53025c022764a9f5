//! How times and field values read on screen, for both bundles (plain text
//! from core types: no browser needed, so it is tested natively).
use crate::form;
use crate::form::{FieldKind, FieldSpec, FormValues, LocalTime};
use crate::EntryId;
use crate::{Log, Revision};
use chrono::{DateTime, Datelike, Duration, Timelike, Utc};

// Formatting by hand: chrono's format strings cost the app tens of KB.

/// "08:30" in local time.
pub fn clock(time: DateTime<Utc>, local: LocalTime) -> String {
    let t = local.local(time);
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// Day and month names as the screens abbreviate them (both bundles).
pub const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
pub const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// "Fri 27 Nov 08:30" in local time.
pub fn day_and_clock(time: DateTime<Utc>, local: LocalTime) -> String {
    day_time_text(time, local, local.local(time).year())
}

/// "Fri 27 Nov 08:30", with the year when it is not `this_year`.
pub fn day_time_text(time: DateTime<Utc>, local: LocalTime, this_year: i32) -> String {
    let t = local.local(time);
    let year = if t.year() == this_year {
        String::new()
    } else {
        format!(" {}", t.year())
    };
    format!(
        "{} {} {}{year} {:02}:{:02}",
        DAYS[t.weekday().num_days_from_monday() as usize % 7],
        t.day(),
        MONTHS[t.month0() as usize % 12],
        t.hour(),
        t.minute()
    )
}

/// A number with `decimals` places, without the float formatting machinery
/// (which costs the download about 10 KB).
pub fn fixed(value: f64, decimals: u32) -> String {
    let scale = 10i64.pow(decimals);
    let scaled = (value * scale as f64).round() as i64;
    let sign = if scaled < 0 { "-" } else { "" };
    let (whole, frac) = (scaled.abs() / scale, scaled.abs() % scale);
    if decimals == 0 {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{frac:0width$}", width = decimals as usize)
    }
}

/// "12:05" or "1:02:05".
pub fn elapsed(d: Duration) -> String {
    let s = d.num_seconds().max(0);
    let (h, m, s) = (s / 3600, (s / 60) % 60, s % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// A field's value as a person reads it, or None when empty.
pub fn field_text(
    spec: &FieldSpec,
    values: &FormValues,
    log: &Log,
    local: LocalTime,
) -> Option<String> {
    let raw = values
        .get(spec.key)
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())?;
    let label_of = |options: crate::form::Options, code: &str| {
        options()
            .into_iter()
            .find(|(c, _)| *c == code)
            .map_or_else(|| code.to_owned(), |(_, l)| l.to_owned())
    };
    Some(match spec.kind {
        FieldKind::Checkbox | FieldKind::YesNo => {
            if raw == "true" { "Yes" } else { "No" }.to_owned()
        }
        FieldKind::Select(options) => label_of(options, raw),
        FieldKind::MultiSelect(options) => raw
            .split(',')
            .map(|c| label_of(options, c))
            .collect::<Vec<_>>()
            .join("; "),
        FieldKind::DateTime => local
            .to_utc(raw)
            .map_or_else(|| raw.to_owned(), |t| day_and_clock(t, local)),
        FieldKind::EntryLink(_) => EntryId::parse(raw).map_or_else(
            || raw.to_owned(),
            |id| match log.latest(id) {
                Some(rev) => format!("{} ({})", rev.record.summary(), id.reference()),
                None => id.reference(),
            },
        ),
        _ => raw.to_owned(),
    })
}

/// What `rev` changed from `prev`, field by field, as the form labels them:
/// "Place first detained: by the fountain → north side".
pub fn changed_fields(prev: &Revision, rev: &Revision, log: &Log, local: LocalTime) -> Vec<String> {
    let before = form::revision_to_form(prev, local);
    let after = form::revision_to_form(rev, local);
    let mut seen: Vec<&str> = Vec::new();
    form::form_fields(rev.kind())
        .filter(|spec| before.get(spec.key) != after.get(spec.key))
        // A key can have two specs (shown under different powers).
        .filter(|spec| {
            let first = !seen.contains(&spec.key);
            seen.push(spec.key);
            first
        })
        .map(|spec| {
            let blank = if spec.key == form::ENDED_AT {
                "(not ended)"
            } else {
                "(blank)"
            };
            let show =
                |v: &FormValues| field_text(spec, v, log, local).unwrap_or_else(|| blank.into());
            format!("{}: {} → {}", spec.label, show(&before), show(&after))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_clocks_read_the_same_in_both_bundles() {
        let at = crate::time::parse("2026-11-27T08:30:00Z").unwrap();
        let utc = LocalTime::default();
        assert_eq!(clock(at, utc), "08:30");
        assert_eq!(day_and_clock(at, utc), "Fri 27 Nov 08:30");
        assert_eq!(day_time_text(at, utc, 2026), "Fri 27 Nov 08:30");
        assert_eq!(day_time_text(at, utc, 2027), "Fri 27 Nov 2026 08:30");
        let bst = LocalTime::fixed(60);
        let late = crate::time::parse("2026-07-01T23:30:00Z").unwrap();
        assert_eq!(day_and_clock(late, bst), "Thu 2 Jul 00:30");
    }
}
