//! Dates as seed files give them: a day at a precision, and the span of an event.

use std::fmt::Write as _;

use time::{Date, Duration};

use super::rng::Rng;
use crate::date::{write_iso, Period, Precision};

/// Day, month or year in the proportions given (percent of day and of month; the rest year).
pub(super) fn pick_precision(rng: &mut Rng, day: u64, month: u64) -> Precision {
    let ticket = rng.below(100);
    if ticket < day {
        Precision::Day
    } else if ticket < day + month {
        Precision::Month
    } else {
        Precision::Year
    }
}

/// The first day of the period at `precision` holding `date`.
pub(super) fn first_day(date: Date, precision: Precision) -> Date {
    match precision {
        Precision::Day | Precision::Week => Ok(date),
        Precision::Month => date.replace_day(1),
        Precision::Year => date.replace_ordinal(1),
    }
    .expect("every month and year has a first day")
}

/// The last day of the period at `precision` holding `date`.
pub(super) fn last_day(date: Date, precision: Precision) -> Date {
    match precision {
        Precision::Day => Ok(date),
        Precision::Week => Ok(date.saturating_add(time::Duration::days(6))),
        Precision::Month => date.replace_day(time::util::days_in_month(date.month(), date.year())),
        Precision::Year => date.replace_ordinal(time::util::days_in_year(date.year())),
    }
    .expect("a month's and a year's length is its last day")
}

/// Writes `date` at `precision`: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
pub(super) fn push_date(out: &mut String, date: Date, precision: Precision) {
    match precision {
        // Most dates written; `write_iso` skips the formatter.
        Precision::Day => write_iso(out, date),
        _ => write!(
            out,
            "{}",
            Period {
                start: date,
                end: date,
                precision
            }
        )
        .expect("writing to a String cannot fail"),
    }
}

/// A date as a seed file gives it: a start, an optional end, one precision.
#[derive(Clone, Copy, Debug)]
pub(super) struct Span {
    pub(super) start: Date,
    pub(super) end: Option<Date>,
    pub(super) precision: Precision,
}

impl Span {
    /// The first day the loader stores.
    pub(super) fn first(&self) -> Date {
        first_day(self.start, self.precision)
    }

    /// The last day the loader stores.
    pub(super) fn last(&self) -> Date {
        last_day(self.end.unwrap_or(self.start), self.precision)
    }

    /// A span from `start` lasting `length`, with an end date only where the end falls in a later
    /// period than the start (an end in the same month of a month-precision date says nothing).
    pub(super) fn new(start: Date, length: Duration, precision: Precision, with_end: bool) -> Span {
        let end = start + length;
        let end =
            (with_end && first_day(end, precision) > last_day(start, precision)).then_some(end);
        Span {
            start,
            end,
            precision,
        }
    }
}

/// 1 January of `year`.
pub(super) fn new_year(year: i32) -> Date {
    Date::from_ordinal_date(year, 1).expect("the generator's years are in time's range")
}

/// A day from `from` up to, not including, `until`.
pub(super) fn day_between(rng: &mut Rng, from: Date, until: Date) -> Date {
    from + Duration::days(rng.below((until - from).whole_days() as u64) as i64)
}

/// A day in the decades the data covers: mostly 1988–2024, some back to 1918.
pub(super) fn any_day(rng: &mut Rng) -> Date {
    let (from, until) = if rng.percent(88) {
        (new_year(1988), new_year(2025))
    } else {
        (new_year(1918), new_year(1988))
    };
    day_between(rng, from, until)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Span::first` and `Span::last` decide where sub-events and claims fall; they must be the
    /// days the loader stores for the text written, at month ends, year ends and leap days alike.
    #[test]
    fn first_and_last_days_are_what_the_written_date_parses_back_to() {
        let mut day = new_year(2019);
        while day < new_year(2022) {
            for precision in [Precision::Day, Precision::Month, Precision::Year] {
                let mut text = String::new();
                push_date(&mut text, day, precision);
                let period = crate::date::parse(&text).unwrap();
                assert_eq!(
                    period,
                    Period {
                        start: first_day(day, precision),
                        end: last_day(day, precision),
                        precision,
                    },
                    "{day} at {precision:?} precision, written {text}"
                );
            }
            day += Duration::DAY;
        }
    }
}
