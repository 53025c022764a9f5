//! Timestamps and dates on the wire, RFC 3339 (`2026-11-27T08:30:00.123Z`)
//! and ISO dates (`2026-11-27`), read and written by hand.
//!
//! chrono's own serde goes through its format-string parser, which costs the
//! app's download several kilobytes; these few functions do the one format
//! we use. Times are always written in UTC with `Z`; any offset is accepted.
use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike, Utc};
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Cow;

/// `2026-11-27T08:30:00Z`, with 3, 6 or 9 fraction digits only when needed.
pub fn format(t: DateTime<Utc>) -> String {
    let nanos = t.nanosecond() % 1_000_000_000;
    let fraction = if nanos == 0 {
        String::new()
    } else if nanos.is_multiple_of(1_000_000) {
        format!(".{:03}", nanos / 1_000_000)
    } else if nanos.is_multiple_of(1_000) {
        format!(".{:06}", nanos / 1_000)
    } else {
        format!(".{nanos:09}")
    };
    format!(
        "{}T{:02}:{:02}:{:02}{fraction}Z",
        date_text(t.date_naive()),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Reads RFC 3339: `YYYY-MM-DDTHH:MM:SS`, optional fraction (1 to 9
/// digits), then `Z` or `±HH:MM`.
pub fn parse(text: &str) -> Option<DateTime<Utc>> {
    let b = text.as_bytes();
    if b.len() < 20 || !matches!(b[10], b'T' | b't') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let date = parse_date(text.get(..10)?)?;
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = text.get(r)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    let (h, m, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut rest = text.get(19..)?;
    let mut nanos = 0u32;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 9 {
            return None;
        }
        nanos = frac.get(..digits)?.parse::<u32>().ok()? * 10u32.pow(9 - digits as u32);
        rest = frac.get(digits..)?;
    }
    let offset_minutes: i64 = match rest.as_bytes() {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let digit = |c: &u8| c.is_ascii_digit().then(|| i64::from(c - b'0'));
            let hours = digit(h1)? * 10 + digit(h2)?;
            let minutes = digit(m1)? * 10 + digit(m2)?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let total = hours * 60 + minutes;
            if *sign == b'-' {
                -total
            } else {
                total
            }
        }
        _ => return None,
    };
    let naive = date.and_hms_nano_opt(h, m, s, nanos)?;
    Some(naive.and_utc() - Duration::minutes(offset_minutes))
}

/// Reads `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let mut parts = text.split('-');
    let mut part = |len: usize| {
        parts
            .next()
            .filter(|p| p.len() == len && p.bytes().all(|c| c.is_ascii_digit()))
            .and_then(|p| p.parse::<u32>().ok())
    };
    let (year, month, day) = (part(4)?, part(2)?, part(2)?);
    if parts.next().is_some() {
        return None;
    }
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

/// `YYYY-MM-DD`.
pub fn date_text(date: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day())
}

fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Cow<'de, str>, D::Error> {
    Cow::<'de, str>::deserialize(d)
}

/// `#[serde(with = "crate::time::rfc3339")]` for `DateTime<Utc>`.
pub mod rfc3339 {
    use super::*;

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(*t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let t = text(d)?;
        parse(&t).ok_or_else(|| {
            de::Error::custom(format_args!(
                "invalid date and time \"{t}\": expected RFC 3339"
            ))
        })
    }
}

/// `#[serde(default, with = "crate::time::rfc3339_opt")]` for `Option<DateTime<Utc>>`.
pub mod rfc3339_opt {
    use super::*;

    pub fn serialize<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&format(*t)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        match Option::<Cow<'de, str>>::deserialize(d)? {
            None => Ok(None),
            Some(t) => parse(&t).map(Some).ok_or_else(|| {
                de::Error::custom(format_args!(
                    "invalid date and time \"{t}\": expected RFC 3339"
                ))
            }),
        }
    }
}

/// `#[serde(default, with = "crate::time::date_opt")]` for `Option<NaiveDate>`.
pub mod date_opt {
    use super::*;

    pub fn serialize<S: Serializer>(d: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&date_text(*d)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
        match Option::<Cow<'de, str>>::deserialize(d)? {
            None => Ok(None),
            Some(t) => parse_date(&t).map(Some).ok_or_else(|| {
                de::Error::custom(format_args!("invalid date \"{t}\": expected YYYY-MM-DD"))
            }),
        }
    }
}

/// An RFC 3339 time read as [`rfc3339`] reads it, for the hand-written
/// decoders (`Revision`'s, `decode_struct!`).
pub struct Time(pub DateTime<Utc>);

impl<'de> Deserialize<'de> for Time {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        rfc3339::deserialize(d).map(Time)
    }
}

/// An optional RFC 3339 time read and written as [`rfc3339_opt`] does, for
/// the hand-written record decoder and encoder (`records!` in `crate::record`).
pub struct OptTime(pub Option<DateTime<Utc>>);

impl From<Option<DateTime<Utc>>> for OptTime {
    fn from(t: Option<DateTime<Utc>>) -> Self {
        OptTime(t)
    }
}

impl Serialize for OptTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        rfc3339_opt::serialize(&self.0, s)
    }
}

impl<'de> Deserialize<'de> for OptTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        rfc3339_opt::deserialize(d).map(OptTime)
    }
}

/// An optional ISO date read and written as [`date_opt`] does (`records!` in
/// `crate::record`).
pub struct OptDate(pub Option<NaiveDate>);

impl From<Option<NaiveDate>> for OptDate {
    fn from(d: Option<NaiveDate>) -> Self {
        OptDate(d)
    }
}

impl Serialize for OptDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        date_opt::serialize(&self.0, s)
    }
}

impl<'de> Deserialize<'de> for OptDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        date_opt::deserialize(d).map(OptDate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_rfc3339_with_needed_fraction_only() {
        let t: DateTime<Utc> = "2026-11-27T08:30:05Z".parse().unwrap();
        assert_eq!(format(t), "2026-11-27T08:30:05Z");
        assert_eq!(
            format(t + Duration::milliseconds(120)),
            "2026-11-27T08:30:05.120Z"
        );
        assert_eq!(
            format(t + Duration::microseconds(7)),
            "2026-11-27T08:30:05.000007Z"
        );
        assert_eq!(
            format(t + Duration::nanoseconds(1)),
            "2026-11-27T08:30:05.000000001Z"
        );
    }

    #[test]
    fn parses_what_chrono_parses() {
        for text in [
            "2026-11-27T08:30:05Z",
            "2026-11-27t08:30:05z",
            "2026-11-27T08:30:05.1Z",
            "2026-11-27T08:30:05.123456789Z",
            "2026-11-27T09:30:05+01:00",
            "2026-11-27T03:00:05-05:30",
            "2024-02-29T23:59:59Z",
        ] {
            let ours = parse(text).unwrap_or_else(|| panic!("{text}"));
            let chrono = DateTime::parse_from_rfc3339(text)
                .unwrap()
                .with_timezone(&Utc);
            assert_eq!(ours, chrono, "{text}");
            assert_eq!(parse(&format(ours)), Some(ours));
        }
    }

    #[test]
    fn rejects_malformed_times() {
        for text in [
            "",
            "2026-11-27",
            "2026-11-27T08:30Z",
            "2026-11-27T08:30:05",
            "2026-13-27T08:30:05Z",
            "2026-11-31T08:30:05Z",
            "2026-11-27T24:00:00Z",
            "2026-11-27T08:60:00Z",
            "2026-11-27T08:30:05.Z",
            "2026-11-27T08:30:05.1234567890Z",
            "2026-11-27T08:30:05+1:00",
            "2026-11-27T08:30:05+01:00x",
            "+2026-11-27T08:30:05Z",
            "2026-11-27T08:3a:05Z",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }

    #[test]
    fn dates_are_strict() {
        assert_eq!(
            parse_date("2026-02-28"),
            NaiveDate::from_ymd_opt(2026, 2, 28)
        );
        for bad in [
            "2026-2-28",
            "2026-02-29",
            "26-02-28",
            "2026-02-28-01",
            "2026/02/28",
            "+026-02-28",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }
}
