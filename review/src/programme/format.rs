//! How the programme return reads on screen: numbers with thousands
//! separators, shares as percentages, dates, periods and code labels.
//! Pure functions (no browser calls), so host tests cover them:
//! `cargo test -p beatbook-review`.
use beatbook_core::time::{date_text, parse_date};
use beatbook_core::Code;
use chrono::{Datelike, Duration, NaiveDate};
use std::collections::BTreeMap;

use beatbook_core::display::MONTHS;

/// Commas between groups of three digits of an unsigned digit string.
fn group_digits(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A count as people read it: `12,345`.
pub fn count(n: u64) -> String {
    group_digits(&n.to_string())
}

/// A number with `decimals` places and thousands separators: `1,234.5`.
pub fn number(value: f64, decimals: u32) -> String {
    let text = beatbook_core::display::fixed(value, decimals);
    let (sign, unsigned) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (whole, frac) = match unsigned.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (unsigned, None),
    };
    let mut out = format!("{sign}{}", group_digits(whole));
    if let Some(frac) = frac {
        out.push('.');
        out.push_str(frac);
    }
    out
}

/// What an absent figure reads as (a median or share of nothing).
pub const NONE: &str = "–";

/// A share (0 to 1) as a whole percentage: `43%`.
pub fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| NONE.into(), |s| format!("{}%", number(s * 100.0, 0)))
}

/// A visit length: `14.5 min`.
pub fn minutes(value: Option<f64>) -> String {
    value.map_or_else(|| NONE.into(), |m| format!("{} min", number(m, 1)))
}

/// `5 Oct` from `2026-10-05` (the text itself if it is not a date).
pub fn short_date(iso: &str) -> String {
    match parse_date(iso) {
        Some(d) => format!("{} {}", d.day(), MONTHS[d.month0() as usize % 12]),
        None => iso.into(),
    }
}

/// `5 Oct 2026` from `2026-10-05`.
pub fn long_date(iso: &str) -> String {
    match parse_date(iso) {
        Some(d) => format!("{} {}", short_date(iso), d.year()),
        None => iso.into(),
    }
}

/// A period as the date inputs and the API take it (`YYYY-MM-DD`, inclusive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub from: String,
    pub to: String,
}

fn month_start(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// The calendar month before the one `today` is in (what the programme
/// reports monthly, and the server's default).
pub fn last_month(today: NaiveDate) -> Period {
    let last_day = month_start(today) - Duration::days(1);
    Period {
        from: date_text(month_start(last_day)),
        to: date_text(last_day),
    }
}

/// The month so far: its first day to `today`.
pub fn this_month(today: NaiveDate) -> Period {
    Period {
        from: date_text(month_start(today)),
        to: date_text(today),
    }
}

/// Why a period cannot be asked for, in words, or None when it can.
pub fn period_problem(from: &str, to: &str) -> Option<&'static str> {
    match (parse_date(from), parse_date(to)) {
        (None, _) => Some("Enter the first day of the period (From)."),
        (_, None) => Some("Enter the last day of the period (To)."),
        (Some(f), Some(t)) if t < f => Some("To is before From: the period runs From to To."),
        _ => None,
    }
}

/// A code's label from its code list, or the code itself when the list
/// does not know it (a newer server): never a blank.
pub fn label<C: Code>(code: &str) -> String {
    C::from_code(code).map_or_else(|| code.to_owned(), |c| c.label().to_owned())
}

/// A patroller role in words (`unknown`: the shift did not say).
pub fn role_label(code: &str) -> String {
    if code == "unknown" {
        return "Unknown (not recorded on the shift)".into();
    }
    label::<beatbook_core::codes::PatrollerRole>(code)
}

/// One line of a by-code table: code, label, count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeCount {
    pub code: String,
    pub label: String,
    pub count: u64,
}

/// The counts of `map` in the code list's order, every code of the list
/// included (a zero says the power was not used, which the programme
/// reports too), then any codes the list does not know.
pub fn by_code<C: Code>(map: &BTreeMap<String, u64>) -> Vec<CodeCount> {
    let known = C::ALL.iter().map(|c| CodeCount {
        code: c.code().into(),
        label: c.label().into(),
        count: map.get(c.code()).copied().unwrap_or(0),
    });
    let unknown = map
        .iter()
        .filter(|(code, _)| C::from_code(code).is_none())
        .map(|(code, n)| CodeCount {
            code: code.clone(),
            label: code.clone(),
            count: *n,
        });
    known.chain(unknown).collect()
}

/// The sum of a map of counts.
pub fn total(map: &BTreeMap<String, u64>) -> u64 {
    map.values().sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use beatbook_core::codes::{AsbPower, SeizureKind};

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn counts_and_numbers_have_separators() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(number(9096.04, 1), "9,096.0");
        assert_eq!(number(0.78, 2), "0.78");
        assert_eq!(number(-1234.5, 1), "-1,234.5");
        assert_eq!(number(412.0, 0), "412");
    }

    #[test]
    fn shares_and_minutes() {
        assert_eq!(percent(Some(0.3333)), "33%");
        assert_eq!(percent(Some(1.0)), "100%");
        assert_eq!(percent(None), NONE);
        assert_eq!(minutes(Some(14.25)), "14.3 min");
        assert_eq!(minutes(None), NONE);
    }

    #[test]
    fn dates_read_short_and_long() {
        assert_eq!(short_date("2026-10-05"), "5 Oct");
        assert_eq!(long_date("2026-10-05"), "5 Oct 2026");
        assert_eq!(short_date("not a date"), "not a date");
    }

    #[test]
    fn last_month_is_the_previous_calendar_month() {
        let p = last_month(day(2026, 11, 17));
        assert_eq!(
            (p.from.as_str(), p.to.as_str()),
            ("2026-10-01", "2026-10-31")
        );
        // January goes back a year; the first of a month counts as in it.
        let p = last_month(day(2026, 1, 1));
        assert_eq!(
            (p.from.as_str(), p.to.as_str()),
            ("2025-12-01", "2025-12-31")
        );
        // February's length, leap year and not.
        let p = last_month(day(2028, 3, 31));
        assert_eq!(p.to, "2028-02-29");
        let p = last_month(day(2026, 3, 1));
        assert_eq!(p.to, "2026-02-28");
    }

    #[test]
    fn this_month_runs_to_today() {
        let p = this_month(day(2026, 11, 17));
        assert_eq!(
            (p.from.as_str(), p.to.as_str()),
            ("2026-11-01", "2026-11-17")
        );
    }

    #[test]
    fn periods_are_checked_before_asking() {
        assert_eq!(period_problem("2026-10-01", "2026-10-31"), None);
        assert_eq!(period_problem("2026-10-01", "2026-10-01"), None);
        assert!(period_problem("", "2026-10-31").is_some());
        assert!(period_problem("2026-10-01", "31/10/2026").is_some());
        assert!(period_problem("2026-10-02", "2026-10-01").is_some());
    }

    #[test]
    fn codes_read_as_labels_in_list_order() {
        assert_eq!(label::<AsbPower>("cpn"), "Community Protection Notice");
        assert_eq!(label::<AsbPower>("new_power"), "new_power");
        assert_eq!(role_label("pcso"), "PCSO");
        assert!(role_label("unknown").starts_with("Unknown"));
        let map: BTreeMap<String, u64> = [("weapon", 7), ("vehicle", 40), ("boat", 1)]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        let rows = by_code::<SeizureKind>(&map);
        let codes: Vec<&str> = rows.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(codes, ["vehicle", "weapon", "alcohol", "other", "boat"]);
        assert_eq!(rows[0].label, "Vehicle");
        assert_eq!(rows[2].count, 0);
        assert_eq!(total(&map), 48);
    }
}
