//! Dates as other data sets write them: `2016-07-02`, `01-January-2015`, `21 March 2020`,
//! `9-May-20`, `02/07/2016` (day first), `20160702`. A two-digit year is ambiguous (a spreadsheet
//! re-save writes `9-May-20`) and is refused unless the user gives its century.

use time::{Date, Month};

/// Parses `text` as a day. `century` is the user's `--two-digit-years` (20 makes `20` 2020);
/// without it a two-digit year is refused. The error says what is wrong.
pub fn parse_day(text: &str, century: Option<i32>) -> Result<Date, String> {
    let text = text.trim();
    let parts: Vec<&str> = text
        .split(['-', ' ', '/'])
        .filter(|p| !p.is_empty())
        .collect();
    let (day, month, year) = match parts.as_slice() {
        [y, m, d] if y.len() == 4 && is_number(y) => (*d, *m, *y),
        [d, m, y] => (*d, *m, *y),
        [compact] if compact.len() == 8 && is_number(compact) => {
            (&compact[6..], &compact[4..6], &compact[..4])
        }
        _ => {
            return Err(
                "is not a date (expected a form such as 2016-07-02, 01-January-2015, 21 March 2020 or 02/07/2016)"
                    .into(),
            )
        }
    };
    let month = month_of(month).ok_or_else(|| format!("has no month {month:?}"))?;
    let day: u8 = day.parse().map_err(|_| format!("has no day {day:?}"))?;
    let year: i32 = match year.len() {
        4 if is_number(year) => year.parse().map_err(|_| format!("has no year {year:?}"))?,
        2 if is_number(year) => match century {
            Some(century) => century * 100 + year.parse::<i32>().expect("two digits"),
            None => {
                return Err(format!(
                    "has a two-digit year ({year}), which could be 19{year} or 20{year}: say which century with --two-digit-years 19 or 20"
                ))
            }
        },
        _ => return Err(format!("has no year {year:?}")),
    };
    Date::from_calendar_date(year, month, day).map_err(|_| {
        format!(
            "has no day {day} in {month} {year}, which has {} days",
            time::util::days_in_month(month, year)
        )
    })
}

fn is_number(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// A month by number (`07`), English name (`July`) or its first three letters (`Jul`).
fn month_of(text: &str) -> Option<Month> {
    if is_number(text) {
        return text
            .parse::<u8>()
            .ok()
            .and_then(|n| Month::try_from(n).ok());
    }
    const NAMES: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let lower = text.to_ascii_lowercase();
    let at = NAMES
        .iter()
        .position(|name| *name == lower || (lower.len() == 3 && name.starts_with(&lower)))?;
    Month::try_from(at as u8 + 1).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_gives_the_same_day() {
        let day = Date::from_calendar_date(2020, Month::March, 21).unwrap();
        for text in [
            "2020-03-21",
            "21-March-2020",
            "21 March 2020",
            "21-Mar-2020",
            "21/03/2020",
            "21-03-2020",
            "20200321",
            " 21 march 2020 ",
        ] {
            assert_eq!(parse_day(text, None), Ok(day), "{text}");
        }
        assert_eq!(parse_day("21-Mar-20", Some(20)), Ok(day));
    }

    #[test]
    fn a_two_digit_year_needs_its_century() {
        assert_eq!(
            parse_day("9-May-20", None).unwrap_err(),
            "has a two-digit year (20), which could be 1920 or 2020: say which century with --two-digit-years 19 or 20"
        );
        assert_eq!(
            parse_day("9-May-20", Some(19)).unwrap(),
            Date::from_calendar_date(1920, Month::May, 9).unwrap()
        );
    }

    #[test]
    fn impossible_days_and_months_are_named() {
        assert_eq!(
            parse_day("30-February-2020", None).unwrap_err(),
            "has no day 30 in February 2020, which has 29 days"
        );
        assert_eq!(
            parse_day("1-Mai-2020", None).unwrap_err(),
            "has no month \"Mai\""
        );
    }
}
