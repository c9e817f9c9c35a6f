//! Instants and terms. Instants are UTC; calendar arithmetic happens in China
//! Standard Time (UTC+8, no daylight saving), where the buyer's dates live.
//! The domain never reads a clock: `now` is always an argument.

use chrono::{DateTime, Datelike, FixedOffset, Months, NaiveDate, TimeDelta, Utc};

/// A moment in time, UTC.
pub type Instant = DateTime<Utc>;

/// Days in a proration year, whatever the calendar year (SPEC.md, Time).
pub const DAYS_PER_YEAR: u64 = 365;

const CST: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+8 is a valid offset"),
};

fn cst() -> FixedOffset {
    CST
}

/// The same local (CST) date and time `years` later; 29 February becomes
/// 28 February. `None` only past the calendar's end.
pub fn add_years(at: Instant, years: u32) -> Option<Instant> {
    let local = at.with_timezone(&cst());
    local.checked_add_months(Months::new(years.checked_mul(12)?)).map(|t| t.with_timezone(&Utc))
}

/// Adds whole days.
pub fn add_days(at: Instant, days: u32) -> Option<Instant> {
    at.checked_add_signed(TimeDelta::days(i64::from(days)))
}

/// Whole days from `from` until `until` (rounded down; zero if already past).
pub fn whole_days(from: Instant, until: Instant) -> u64 {
    u64::try_from((until - from).num_days()).unwrap_or(0)
}

/// The fewest whole years after `from` that reach `until` (0 if already past).
pub fn years_to_cover(from: Instant, until: Instant) -> u32 {
    let mut years = 0;
    let mut end = from;
    while end < until {
        years += 1;
        match add_years(from, years) {
            Some(next) => end = next,
            None => break,
        }
    }
    years
}

/// The calendar date in China Standard Time, as buyers see it.
pub fn local_date(at: Instant) -> NaiveDate {
    at.with_timezone(&cst()).date_naive()
}

/// "2027-11-22" in China Standard Time.
pub fn format_date(at: Instant) -> String {
    let d = local_date(at);
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

#[cfg(test)]
pub(crate) fn at(s: &str) -> Instant {
    DateTime::parse_from_rfc3339(s).expect("rfc3339 instant").with_timezone(&Utc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_term_of_n_years_ends_at_the_same_local_date_and_time() {
        let start = at("2026-11-22T10:30:00+08:00");
        assert_eq!(add_years(start, 1), Some(at("2027-11-22T10:30:00+08:00")));
        assert_eq!(add_years(start, 3), Some(at("2029-11-22T10:30:00+08:00")));
    }

    #[test]
    fn the_29th_of_february_ends_on_the_28th() {
        let leap = at("2028-02-29T09:00:00+08:00");
        assert_eq!(add_years(leap, 1), Some(at("2029-02-28T09:00:00+08:00")));
        assert_eq!(add_years(leap, 4), Some(at("2032-02-29T09:00:00+08:00")));
    }

    #[test]
    fn local_dates_are_in_china_standard_time() {
        // 20:00 UTC on the 21st is 04:00 on the 22nd in Shanghai.
        assert_eq!(format_date(at("2026-11-21T20:00:00Z")), "2026-11-22");
        let local_midnight_crossing = at("2026-02-28T16:00:00Z");
        assert_eq!(add_years(local_midnight_crossing, 2).map(format_date), Some("2028-03-01".to_owned()));
    }

    #[test]
    fn whole_days_round_down_and_never_go_negative() {
        let now = at("2026-01-01T00:00:00Z");
        assert_eq!(whole_days(now, at("2026-01-11T23:59:00Z")), 10);
        assert_eq!(whole_days(now, at("2025-12-01T00:00:00Z")), 0);
    }

    #[test]
    fn years_to_cover_rounds_remaining_validity_up() {
        let now = at("2026-01-01T00:00:00Z");
        assert_eq!(years_to_cover(now, at("2026-03-01T00:00:00Z")), 1);
        assert_eq!(years_to_cover(now, at("2027-01-01T00:00:00Z")), 1);
        assert_eq!(years_to_cover(now, at("2027-01-01T00:00:01Z")), 2);
        assert_eq!(years_to_cover(now, at("2025-01-01T00:00:00Z")), 0);
    }
}
