//! Dates as seed files give them: day numbers, precisions and spans.

use std::fmt::Write as _;

use super::rng::Rng;

/// (year, month, day) of a day counted from 1970-01-01 (Howard Hinnant's civil_from_days).
pub(super) fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The day number (from 1970-01-01) of a date.
pub(super) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let shifted_month = (month + 9) % 12;
    let day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Precision {
    Day,
    Month,
    Year,
}

impl Precision {
    /// Day, month or year in the proportions given (percent of day and of month; the rest year).
    pub(super) fn pick(rng: &mut Rng, day: u64, month: u64) -> Precision {
        let ticket = rng.below(100);
        if ticket < day {
            Precision::Day
        } else if ticket < day + month {
            Precision::Month
        } else {
            Precision::Year
        }
    }

    /// The first day of the period holding `days`.
    pub(super) fn floor(self, days: i64) -> i64 {
        let (year, month, _) = civil(days);
        match self {
            Precision::Day => days,
            Precision::Month => days_from_civil(year, month, 1),
            Precision::Year => days_from_civil(year, 1, 1),
        }
    }

    /// The last day of the period holding `days`.
    pub(super) fn ceil(self, days: i64) -> i64 {
        let (year, month, _) = civil(days);
        match self {
            Precision::Day => days,
            Precision::Month if month == 12 => days_from_civil(year + 1, 1, 1) - 1,
            Precision::Month => days_from_civil(year, month + 1, 1) - 1,
            Precision::Year => days_from_civil(year + 1, 1, 1) - 1,
        }
    }
}

/// Writes `days` at `precision`: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
pub(super) fn push_date(out: &mut String, days: i64, precision: Precision) {
    let (year, month, day) = civil(days);
    match precision {
        Precision::Day => write!(out, "{year:04}-{month:02}-{day:02}"),
        Precision::Month => write!(out, "{year:04}-{month:02}"),
        Precision::Year => write!(out, "{year:04}"),
    }
    .expect("writing to a String cannot fail");
}

/// A date as a seed file gives it: a start, an optional end, one precision.
#[derive(Clone, Copy, Debug)]
pub(super) struct Span {
    pub(super) start: i64,
    pub(super) end: Option<i64>,
    pub(super) precision: Precision,
}

impl Span {
    /// The first day the loader stores.
    pub(super) fn first(&self) -> i64 {
        self.precision.floor(self.start)
    }

    /// The last day the loader stores.
    pub(super) fn last(&self) -> i64 {
        self.precision.ceil(self.end.unwrap_or(self.start))
    }

    /// A span from `start` lasting `days`, with an end date only where the end falls in a later
    /// period than the start (an end in the same month of a month-precision date says nothing).
    pub(super) fn new(start: i64, days: i64, precision: Precision, with_end: bool) -> Span {
        let end = start + days;
        let end = (with_end && precision.floor(end) > precision.ceil(start)).then_some(end);
        Span {
            start,
            end,
            precision,
        }
    }
}

pub(super) fn year_start(year: i64) -> i64 {
    days_from_civil(year, 1, 1)
}

/// A day in the decades the data covers: mostly 1988–2024, some back to 1918.
pub(super) fn any_day(rng: &mut Rng) -> i64 {
    let (from, to) = if rng.percent(88) {
        (year_start(1988), year_start(2025))
    } else {
        (year_start(1918), year_start(1988))
    };
    from + rng.below((to - from) as u64) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_round_trip_through_calendar_dates() {
        for days in (days_from_civil(1900, 1, 1)..days_from_civil(2100, 1, 1)).step_by(7) {
            let (year, month, day) = civil(days);
            assert_eq!(days_from_civil(year, month, day), days);
            let date = time::Date::from_julian_day(days as i32 + 2_440_588).unwrap();
            assert_eq!(
                (year, month, day),
                (
                    i64::from(date.year()),
                    i64::from(u8::from(date.month())),
                    i64::from(date.day())
                )
            );
        }
    }

    #[test]
    fn month_and_year_periods_cover_their_days() {
        let leap_day = days_from_civil(2020, 2, 29);
        assert_eq!(
            Precision::Month.floor(leap_day),
            days_from_civil(2020, 2, 1)
        );
        assert_eq!(Precision::Month.ceil(leap_day), leap_day);
        assert_eq!(
            Precision::Year.ceil(days_from_civil(2020, 12, 31)),
            days_from_civil(2020, 12, 31)
        );
        assert_eq!(
            Precision::Month.ceil(days_from_civil(2019, 12, 5)),
            days_from_civil(2019, 12, 31)
        );
    }
}
