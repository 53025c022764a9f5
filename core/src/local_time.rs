//! Local wall-clock time and UTC, with the offset of each instant.
//!
//! A phone's offset from UTC is not one number: in Europe/London it is +1
//! from the last Sunday of March to the last Sunday of October and 0 the
//! rest of the year. Converting every time with the offset in force *now*
//! showed a January entry an hour out in June, and stored a January time
//! re-typed in June an hour wrong. [`LocalTime`] asks for the offset at the
//! instant itself; the app answers from the browser's own `Date` (no
//! time-zone database in the download), tests from a fixed offset or a
//! real zone.
//!
//! On the days the clocks change some wall-clock times do not exist (01:30
//! on the last Sunday of March in London) and some happen twice (01:30 on
//! the last Sunday of October, first in BST, then in GMT). The first are
//! refused; the second need the person to say which one ([`Fold`]).
use crate::time::{date_text, parse_date};
use crate::validate::Problem;
use chrono::{DateTime, Duration, NaiveDateTime, Timelike, Utc};

/// Which of a wall-clock time that happens twice is meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fold {
    /// Before the clocks went back (the larger offset, e.g. BST).
    Earlier,
    /// After the clocks went back (e.g. GMT).
    Later,
}

impl Fold {
    /// The form value for this choice (see [`fold_key`]).
    pub fn code(self) -> &'static str {
        match self {
            Self::Earlier => "earlier",
            Self::Later => "later",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "earlier" => Some(Self::Earlier),
            "later" => Some(Self::Later),
            _ => None,
        }
    }
}

/// The form key that holds the [`Fold`] chosen for the time field `key`.
pub fn fold_key(key: &str) -> String {
    format!("{key}~fold")
}

/// What a wall-clock time is in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolved {
    One(DateTime<Utc>),
    /// In the gap when the clocks went forward: this time did not happen.
    Skipped,
    /// In the hour the clocks went back: the earlier and the later instant.
    Twice(DateTime<Utc>, DateTime<Utc>),
}

#[derive(Debug, Clone, Copy)]
enum Offsets {
    Fixed(i32),
    /// Minutes to add to UTC to get local time, at each instant.
    Zone(fn(DateTime<Utc>) -> i32),
}

/// How local time relates to UTC, instant by instant.
#[derive(Debug, Clone, Copy)]
pub struct LocalTime(Offsets);

impl Default for LocalTime {
    /// UTC.
    fn default() -> Self {
        Self::fixed(0)
    }
}

impl LocalTime {
    /// One offset all year (minutes to add to UTC: BST is +60).
    pub const fn fixed(utc_offset_minutes: i32) -> Self {
        Self(Offsets::Fixed(utc_offset_minutes))
    }

    /// A zone: `offset_at(t)` is the minutes to add to UTC at `t`.
    pub const fn zone(offset_at: fn(DateTime<Utc>) -> i32) -> Self {
        Self(Offsets::Zone(offset_at))
    }

    /// Minutes to add to UTC to get local time at `time`.
    pub fn offset_minutes(self, time: DateTime<Utc>) -> i32 {
        match self.0 {
            Offsets::Fixed(minutes) => minutes,
            Offsets::Zone(offset_at) => offset_at(time),
        }
    }

    /// The local wall-clock reading of `time`.
    pub fn local(self, time: DateTime<Utc>) -> NaiveDateTime {
        let offset = Duration::minutes(self.offset_minutes(time).into());
        time.checked_add_signed(offset).unwrap_or(time).naive_utc()
    }

    /// `YYYY-MM-DDTHH:MM`, for a `datetime-local` input.
    pub fn to_local_text(self, time: DateTime<Utc>) -> String {
        let t = self.local(time);
        format!("{}T{:02}:{:02}", date_text(t.date()), t.hour(), t.minute())
    }

    /// The instants that read `wall` on this clock.
    pub fn resolve(self, wall: NaiveDateTime) -> Resolved {
        let as_utc = wall.and_utc();
        // The offsets in force a day either side include both sides of any
        // change near `wall` (zones change at most once in a few weeks).
        let mut hits: [Option<DateTime<Utc>>; 3] = [None; 3];
        for (slot, probe) in hits.iter_mut().zip([
            as_utc.checked_sub_signed(Duration::days(1)),
            Some(as_utc),
            as_utc.checked_add_signed(Duration::days(1)),
        ]) {
            let Some(probe) = probe else { continue };
            let offset = self.offset_minutes(probe);
            let Some(t) = as_utc.checked_sub_signed(Duration::minutes(offset.into())) else {
                continue;
            };
            if self.offset_minutes(t) == offset {
                *slot = Some(t);
            }
        }
        let earliest = hits.iter().flatten().min().copied();
        let latest = hits.iter().flatten().max().copied();
        match (earliest, latest) {
            (Some(a), Some(b)) if a == b => Resolved::One(a),
            (Some(a), Some(b)) => Resolved::Twice(a, b),
            _ => Resolved::Skipped,
        }
    }

    /// Reads `YYYY-MM-DDTHH:MM` or `YYYY-MM-DDTHH:MM:SS` (what
    /// `datetime-local` inputs give) as local time. A time that happens
    /// twice needs `fold`; one that does not exist is refused.
    pub fn parse(self, text: &str, fold: Option<Fold>) -> Result<DateTime<Utc>, Problem> {
        let wall = parse_wall_clock(text).ok_or(Problem::BadDateTime)?;
        match (self.resolve(wall), fold) {
            (Resolved::One(t), _) => Ok(t),
            (Resolved::Skipped, _) => Err(Problem::TimeSkipped),
            (Resolved::Twice(earlier, _), Some(Fold::Earlier)) => Ok(earlier),
            (Resolved::Twice(_, later), Some(Fold::Later)) => Ok(later),
            (Resolved::Twice(..), None) => Err(Problem::TimeTwice),
        }
    }

    /// [`LocalTime::parse`] for showing a typed value: `None` unless the
    /// text names exactly one instant.
    pub fn to_utc(self, text: &str) -> Option<DateTime<Utc>> {
        self.parse(text, None).ok()
    }

    /// The [`Fold`] that picks `time` out of its wall-clock reading, when
    /// that reading happens twice (for a form showing a saved time).
    pub fn fold_of(self, time: DateTime<Utc>) -> Option<Fold> {
        let minute = time.with_second(0)?.with_nanosecond(0)?;
        match self.resolve(self.local(minute)) {
            Resolved::Twice(earlier, _) if earlier == minute => Some(Fold::Earlier),
            Resolved::Twice(..) => Some(Fold::Later),
            _ => None,
        }
    }
}

/// `YYYY-MM-DDTHH:MM[:SS]` as a wall-clock reading.
fn parse_wall_clock(text: &str) -> Option<NaiveDateTime> {
    let (date, time) = text.split_once('T')?;
    let date = parse_date(date)?;
    let mut parts = time.split(':');
    let mut next = |max: u32| {
        parts
            .next()
            .filter(|p| p.len() == 2)?
            .parse::<u32>()
            .ok()
            .filter(|v| *v <= max)
    };
    let (h, m) = (next(23)?, next(59)?);
    let s = match parts.next() {
        None => 0,
        Some(p) if p.len() == 2 => p.parse::<u32>().ok().filter(|v| *v <= 59)?,
        Some(_) => return None,
    };
    date.and_hms_opt(h, m, s)
}
