//! Dates at the precision a source gives them: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, or a week as
//! its first day and ISO 8601's one-week duration, `YYYY-MM-DD/P1W` (ACLED's "the middle of the
//! week it happened in" is the week from three days before that date).
//!
//! A date is stored as the first and last day of the period it names, with its precision, so that
//! range queries work on every row whatever its precision.

use std::fmt;
use time::{Date, Month};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Precision {
    Day,
    /// Seven days from the start, whichever weekday that is.
    Week,
    Month,
    Year,
}

impl Precision {
    /// The code in the `date_precisions` table.
    pub fn code(self) -> &'static str {
        match self {
            Precision::Day => "day",
            Precision::Week => "week",
            Precision::Month => "month",
            Precision::Year => "year",
        }
    }
}

/// A period named by a partial date: 2020 is 2020-01-01 to 2020-12-31.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub start: Date,
    pub end: Date,
    pub precision: Precision,
}

impl Period {
    /// The period from the start of `self` to the end of `later`, at the coarser precision.
    pub fn through(self, later: Period) -> Result<Period, String> {
        if later.end < self.start {
            return Err(format!(
                "ends before it starts ({} is before {})",
                iso(later.end),
                iso(self.start)
            ));
        }
        Ok(Period {
            start: self.start,
            end: later.end,
            precision: self.precision.max(later.precision),
        })
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let date = self.start;
        match self.precision {
            Precision::Year => write!(f, "{:04}", date.year()),
            Precision::Month => write!(f, "{:04}-{:02}", date.year(), u8::from(date.month())),
            Precision::Day => f.write_str(&iso(date)),
            Precision::Week => write!(f, "{}{WEEK}", iso(date)),
        }
    }
}

/// `YYYY-MM-DD`.
pub fn iso(date: Date) -> String {
    let mut text = String::with_capacity(10);
    write_iso(&mut text, date);
    text
}

/// Appends `YYYY-MM-DD` to `out`.
pub fn write_iso(out: &mut String, date: Date) {
    let (year, month, day) = (date.year(), u8::from(date.month()), date.day());
    match u16::try_from(year).ok().filter(|y| *y <= 9999) {
        // Digit by digit: this runs for every date loaded.
        Some(year) => {
            let digit = |n: u16| char::from(b'0' + (n % 10) as u8);
            let (month, day) = (u16::from(month), u16::from(day));
            for c in [
                digit(year / 1000),
                digit(year / 100),
                digit(year / 10),
                digit(year),
                '-',
                digit(month / 10),
                digit(month),
                '-',
                digit(day / 10),
                digit(day),
            ] {
                out.push(c);
            }
        }
        None => {
            use std::fmt::Write;
            let _ = write!(out, "{year:04}-{month:02}-{day:02}");
        }
    }
}

/// What follows a week's first day: ISO 8601's duration of one week.
pub const WEEK: &str = "/P1W";

/// Parses `YYYY`, `YYYY-MM`, `YYYY-MM-DD` or `YYYY-MM-DD/P1W`. The error says what is wrong, for
/// a message that already names the file, line, column and value.
pub fn parse(text: &str) -> Result<Period, String> {
    if let Some(first) = text.strip_suffix(WEEK) {
        let day = parse(first)?;
        if day.precision != Precision::Day {
            return Err("a week starts on a day: expected YYYY-MM-DD/P1W".to_string());
        }
        return Ok(Period {
            start: day.start,
            end: day.start.saturating_add(time::Duration::days(6)),
            precision: Precision::Week,
        });
    }
    const FORM: &str = "expected YYYY, YYYY-MM or YYYY-MM-DD";
    let parts: Vec<&str> = text.split('-').collect();
    let widths_ok = match parts.as_slice() {
        [y] => y.len() == 4,
        [y, m] => y.len() == 4 && m.len() == 2,
        [y, m, d] => y.len() == 4 && m.len() == 2 && d.len() == 2,
        _ => false,
    };
    if !widths_ok || !parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit())) {
        return Err(FORM.to_string());
    }
    let year: i32 = parts[0].parse().map_err(|_| FORM.to_string())?;
    let month = match parts.get(1) {
        None => None,
        Some(m) => {
            let number: u8 = m.parse().map_err(|_| FORM.to_string())?;
            Some(Month::try_from(number).map_err(|_| format!("there is no month {number}"))?)
        }
    };
    let day = match parts.get(2) {
        None => None,
        Some(d) => Some(d.parse::<u8>().map_err(|_| FORM.to_string())?),
    };
    let date = |month: Month, day: u8| {
        Date::from_calendar_date(year, month, day).map_err(|_| {
            format!(
                "there is no day {day} in {month} {year}, which has {} days",
                time::util::days_in_month(month, year)
            )
        })
    };
    Ok(match (month, day) {
        (None, _) => Period {
            start: date(Month::January, 1)?,
            end: date(Month::December, 31)?,
            precision: Precision::Year,
        },
        (Some(month), None) => Period {
            start: date(month, 1)?,
            end: date(month, time::util::days_in_month(month, year))?,
            precision: Precision::Month,
        },
        (Some(month), Some(day)) => {
            let day = date(month, day)?;
            Period {
                start: day,
                end: day,
                precision: Precision::Day,
            }
        }
    })
}

/// Writes a stored span back as the seed CSV's start and end text: each date at the coarsest
/// precision (no coarser than `precision`) its day allows, and the end left empty when the start
/// alone implies it. Parsing the result gives the same span and precision back.
pub fn format_span(start: Date, end: Date, precision: Precision) -> (String, String) {
    if precision == Precision::Week {
        let week = Period {
            start,
            end,
            precision,
        };
        if parse(&week.to_string()) == Ok(week) {
            return (week.to_string(), String::new());
        }
    }
    let show = |date: Date, at_end: bool| {
        let aligned_month = if at_end {
            date.day() == time::util::days_in_month(date.month(), date.year())
        } else {
            date.day() == 1
        };
        let aligned_year = aligned_month
            && if at_end {
                date.month() == Month::December
            } else {
                date.month() == Month::January
            };
        let precision = match precision {
            Precision::Year if aligned_year => Precision::Year,
            Precision::Year | Precision::Month if aligned_month => Precision::Month,
            // A span of weeks is written to the day.
            _ => Precision::Day,
        };
        Period {
            start: date,
            end: date,
            precision,
        }
        .to_string()
    };
    let start_text = show(start, false);
    let implied = parse(&start_text).expect("a formatted date parses");
    let end_text = if implied.end == end && implied.precision == precision {
        String::new()
    } else {
        show(end, true)
    };
    (start_text, end_text)
}

/// Parses `YYYY-MM-DD` as stored in the database.
pub fn parse_day(text: &str) -> Option<Date> {
    match parse(text) {
        Ok(Period {
            start,
            precision: Precision::Day,
            ..
        }) => Some(start),
        _ => None,
    }
}

impl std::str::FromStr for Precision {
    type Err = String;
    fn from_str(code: &str) -> Result<Precision, String> {
        match code {
            "day" => Ok(Precision::Day),
            "week" => Ok(Precision::Week),
            "month" => Ok(Precision::Month),
            "year" => Ok(Precision::Year),
            other => Err(format!("unknown date precision {other:?}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(text: &str) -> (String, String, &'static str) {
        let period = parse(text).unwrap();
        (iso(period.start), iso(period.end), period.precision.code())
    }

    #[test]
    fn iso_pads_every_part() {
        for (year, month, day) in [
            (2020, 7, 12),
            (5, 1, 1),
            (999, 12, 31),
            (9999, 10, 9),
            (-1, 3, 4),
        ] {
            let date =
                Date::from_calendar_date(year, Month::try_from(month).unwrap(), day).unwrap();
            assert_eq!(iso(date), format!("{year:04}-{month:02}-{day:02}"));
        }
    }

    #[test]
    fn partial_dates_become_their_first_and_last_day() {
        assert_eq!(
            span("2020"),
            ("2020-01-01".into(), "2020-12-31".into(), "year")
        );
        assert_eq!(
            span("2020-02"),
            ("2020-02-01".into(), "2020-02-29".into(), "month")
        );
        assert_eq!(
            span("2021-02"),
            ("2021-02-01".into(), "2021-02-28".into(), "month")
        );
        assert_eq!(
            span("2020-07-12"),
            ("2020-07-12".into(), "2020-07-12".into(), "day")
        );
    }

    #[test]
    fn impossible_and_malformed_dates_are_refused() {
        assert_eq!(
            parse("2020-02-30").unwrap_err(),
            "there is no day 30 in February 2020, which has 29 days"
        );
        assert_eq!(parse("2020-13").unwrap_err(), "there is no month 13");
        for bad in [
            "",
            "20",
            "2020-1-01",
            "2020/01/01",
            "12 July 2020",
            "2020-07-12T00:00",
            "-2020",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn a_span_takes_the_coarser_precision_and_must_not_run_backwards() {
        let span = parse("2020-07-12")
            .unwrap()
            .through(parse("2020-08").unwrap())
            .unwrap();
        assert_eq!(
            (iso(span.start), iso(span.end)),
            ("2020-07-12".into(), "2020-08-31".into())
        );
        assert_eq!(span.precision, Precision::Month);
        assert!(parse("2020-07-12")
            .unwrap()
            .through(parse("2020-07-11").unwrap())
            .is_err());
    }

    #[test]
    fn format_span_round_trips_through_parse() {
        for (start, end) in [
            ("2020", ""),
            ("1918", "1920"),
            ("2020-10", ""),
            ("2020-07-12", ""),
            ("2020-09-27", "2020-11-10"),
            ("2020-07-12", "2020-08"),
            ("2020-07", "2020-08-15"),
            ("2020-01-01", "2020-12-31"),
            ("2019-12", "2021"),
        ] {
            let mut period = parse(start).unwrap();
            if !end.is_empty() {
                period = period.through(parse(end).unwrap()).unwrap();
            }
            let (start_text, end_text) = format_span(period.start, period.end, period.precision);
            let mut again = parse(&start_text).unwrap();
            if !end_text.is_empty() {
                again = again.through(parse(&end_text).unwrap()).unwrap();
            }
            assert_eq!(
                again, period,
                "{start}/{end} came back as {start_text}/{end_text}"
            );
        }
        let single = parse("2020-10").unwrap();
        assert_eq!(
            format_span(single.start, single.end, single.precision),
            ("2020-10".into(), String::new())
        );
    }

    #[test]
    fn display_keeps_the_precision() {
        assert_eq!(parse("2020-07").unwrap().to_string(), "2020-07");
        assert_eq!(parse("1994").unwrap().to_string(), "1994");
    }
}
