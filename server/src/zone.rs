//! The force's time zone: where its days, ISO weeks and months begin.
//!
//! UK forces count days in local time (Europe/London: GMT in winter, BST
//! from the last Sunday of March to the last Sunday of October, both
//! changes at 01:00 UTC). A date `D` in a query is the local day `D`, from
//! local 00:00 to the next local 00:00: 23 hours long on the spring change
//! day, 25 on the autumn one. Instants stay UTC in storage and in the JSON
//! the app reads (it converts each one with its own offset); the CSV
//! exports write them local, with their offset.
use chrono::{DateTime, Duration, NaiveDate, SecondsFormat, TimeZone, Utc};
use chrono_tz::Tz;
use std::fmt;
use std::str::FromStr;

/// The zone when a force sets none.
pub const DEFAULT_TIME_ZONE: &str = "Europe/London";

/// A zone name the time-zone database does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown time zone {name:?}: give an IANA time zone name such as Europe/London \
     (case matters)"
)]
pub struct UnknownZone {
    pub name: String,
}

/// The force's time zone (an IANA zone from `chrono-tz`'s database).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForceZone(Tz);

impl Default for ForceZone {
    fn default() -> Self {
        Self(Tz::Europe__London)
    }
}

impl FromStr for ForceZone {
    type Err = UnknownZone;

    fn from_str(name: &str) -> Result<Self, UnknownZone> {
        name.parse::<Tz>().map(Self).map_err(|_| UnknownZone {
            name: name.to_owned(),
        })
    }
}

impl fmt::Display for ForceZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl ForceZone {
    pub fn new(tz: Tz) -> Self {
        Self(tz)
    }

    /// The IANA name, e.g. `Europe/London`.
    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    pub fn tz(&self) -> Tz {
        self.0
    }

    /// The local date of an instant.
    pub fn date_of(&self, t: DateTime<Utc>) -> NaiveDate {
        t.with_timezone(&self.0).date_naive()
    }

    /// Today's local date.
    pub fn today(&self) -> NaiveDate {
        self.date_of(Utc::now())
    }

    /// The instant local day `d` begins: local 00:00, or, in a zone whose
    /// clocks go forward at midnight, the first local time after the gap
    /// (looked for in quarter hours, the finest step any zone's changes
    /// take); a midnight that happens twice begins the day the first time.
    /// `None` only out of chrono's range.
    pub fn day_start(&self, d: NaiveDate) -> Option<DateTime<Utc>> {
        let midnight = d.and_hms_opt(0, 0, 0)?;
        (0..=96)
            .find_map(|quarter| {
                let local = midnight.checked_add_signed(Duration::minutes(15 * quarter))?;
                self.0.from_local_datetime(&local).earliest()
            })
            .map(|t| t.with_timezone(&Utc))
    }

    /// The instant the day after `d` begins (the end of local day `d`).
    pub fn day_end(&self, d: NaiveDate) -> Option<DateTime<Utc>> {
        self.day_start(d.succ_opt()?)
    }

    /// RFC 3339 in local time with its offset, to the microsecond (as the
    /// stored UTC times): `2025-06-01T00:30:00.000000+01:00`.
    pub fn local_text(&self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.0)
            .fixed_offset()
            .to_rfc3339_opts(SecondsFormat::Micros, false)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn london_days_are_23_and_25_hours_on_the_change_days() {
        let z = ForceZone::default();
        assert_eq!(z.name(), "Europe/London");
        let spring = day(2025, 3, 30);
        assert_eq!(z.day_start(spring), Some(utc("2025-03-30T00:00:00Z")));
        assert_eq!(z.day_end(spring), Some(utc("2025-03-30T23:00:00Z")));
        let autumn = day(2025, 10, 26);
        assert_eq!(z.day_start(autumn), Some(utc("2025-10-25T23:00:00Z")));
        assert_eq!(z.day_end(autumn), Some(utc("2025-10-27T00:00:00Z")));
        assert_eq!(z.date_of(utc("2025-05-31T23:30:00Z")), day(2025, 6, 1));
        assert_eq!(
            z.local_text(utc("2025-05-31T23:30:00Z")),
            "2025-06-01T00:30:00.000000+01:00"
        );
        assert_eq!(
            z.local_text(utc("2025-12-01T08:00:00Z")),
            "2025-12-01T08:00:00.000000+00:00"
        );
    }

    #[test]
    fn a_midnight_skipped_by_a_change_starts_the_day_after_the_gap() {
        // Santiago went forward at 00:00 on 8 September 2024 (-04 to -03).
        let z: ForceZone = "America/Santiago".parse().unwrap();
        assert_eq!(
            z.day_start(day(2024, 9, 8)),
            Some(utc("2024-09-08T04:00:00Z"))
        );
    }

    #[test]
    fn unknown_names_are_refused_by_name() {
        let e = "Mars/Olympus_Mons".parse::<ForceZone>().unwrap_err();
        assert!(
            e.to_string()
                .starts_with("unknown time zone \"Mars/Olympus_Mons\""),
            "{e}"
        );
        assert!("".parse::<ForceZone>().is_err());
        assert!("UTC".parse::<ForceZone>().is_ok());
    }
}
