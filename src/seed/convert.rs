//! A record's values checked against their columns and converted to what is bound: dates parsed,
//! numbers range-checked, codes looked up, references resolved to ids.

use super::check::FileCheck;
use super::diagnose::{unknown_code, DeferredError, QuotedValue, SeedError};
use super::key_map::KnownKeys;
use super::layout::{header_name, Layout};
use crate::date;
use crate::schema::Value;

/// A value checked and ready to bind.
#[derive(Clone, Copy, Debug)]
pub(super) enum Converted {
    Null,
    Int(i64),
    Real(f64),
    /// A field of the record, as given.
    Field(usize),
    /// Text the loader wrote (a date), at this range of its arena.
    Arena(u32, u32),
    Static(&'static str),
}

impl Converted {
    /// The value itself, its text found in the record or the arena it refers to.
    #[inline]
    pub(super) fn value<'a>(
        self,
        record: &'a csv::StringRecord,
        arena: &'a str,
    ) -> rusqlite::types::ValueRef<'a> {
        use rusqlite::types::ValueRef;
        match self {
            Converted::Null => ValueRef::Null,
            Converted::Int(n) => ValueRef::Integer(n),
            Converted::Real(x) => ValueRef::Real(x),
            Converted::Field(i) => ValueRef::Text(record[i].as_bytes()),
            Converted::Arena(start, end) => {
                ValueRef::Text(&arena.as_bytes()[start as usize..end as usize])
            }
            Converted::Static(text) => ValueRef::Text(text.as_bytes()),
        }
    }
}

impl Layout<'_> {
    /// The record as text, once every field is known to be UTF-8 without a NUL.
    #[inline]
    pub(super) fn text(
        &self,
        bytes: csv::ByteRecord,
        line: u64,
    ) -> Result<csv::StringRecord, SeedError> {
        let record = csv::StringRecord::from_byte_record(bytes).map_err(|e| {
            let (index, offset) = (e.utf8_error().field(), e.utf8_error().valid_up_to());
            let bytes = e.into_byte_record();
            self.refuse(
                line,
                index,
                QuotedValue(bytes[index].to_vec()),
                format!("is not valid UTF-8 (bad byte at offset {offset})"),
            )
        })?;
        if memchr::memchr(0, record.as_byte_record().as_slice()).is_some() {
            let index = record.iter().position(|f| f.contains('\0')).unwrap_or(0);
            return Err(self.refuse(
                line,
                index,
                record[index].into(),
                "contains a NUL character".into(),
            ));
        }
        Ok(record)
    }

    /// Checks every value of `record` against its column and appends it to `out`, in the order
    /// of the insert's parameters. Returns the field holding the row's key, if it has one.
    pub(super) fn convert(
        &self,
        known: &KnownKeys,
        record: &csv::StringRecord,
        line: u64,
        file_check: &mut FileCheck,
        out: &mut Vec<Converted>,
        arena: &mut String,
    ) -> Result<Option<usize>, DeferredError> {
        let table = self.table;
        let fail = |index: usize, value: &str, message: String| {
            self.refuse(line, index, value.into(), message)
        };
        let mut key: Option<usize> = None;
        // The source the row cites, if it is a published data set.
        let mut cites_published = false;
        file_check.self_refs.clear();
        file_check.ascending.clear();
        let date = |arena: &mut String, day: time::Date| {
            let start = arena.len();
            date::write_iso(arena, day);
            Converted::Arena(start as u32, arena.len() as u32)
        };
        for (number, (column, position)) in table.columns.iter().zip(&self.positions).enumerate() {
            if matches!(column.value, Value::PeriodEnd | Value::PeriodPrecision) {
                continue;
            }
            let text = position.map_or("", |index| &record[index]);
            let index = position.unwrap_or(0);
            if text.is_empty() {
                if column.required {
                    return Err(fail(index, text, "is required but empty".into()).into());
                }
                out.push(if let Some(default) = column.default {
                    Converted::Static(default)
                } else if column.value == Value::Flag {
                    Converted::Int(0)
                } else if self.identity.contains(&column.db) {
                    // Part of a row's identity: compared, so stored as '' rather than NULL.
                    Converted::Static("")
                } else {
                    Converted::Null
                });
                if matches!(column.value, Value::Period { .. }) {
                    out.extend([Converted::Null, Converted::Null]);
                }
                continue;
            }
            let value = match column.value {
                Value::Key => {
                    check_key(text).map_err(|m| fail(index, text, m))?;
                    key = Some(index);
                    Converted::Field(index)
                }
                Value::Text => Converted::Field(index),
                Value::Ref(target) if target == table.name => {
                    if key.is_some_and(|k| &record[k] == text) {
                        return Err(fail(index, text, "refers to its own row".into()).into());
                    }
                    match known.keys.get(target).and_then(|k| k.get(text)) {
                        Some(id) => Converted::Int(id),
                        None => {
                            file_check.self_refs.push((text.to_string(), index));
                            Converted::Null
                        }
                    }
                }
                Value::Ref(target) => {
                    let last = &mut file_check.last_refs[number];
                    if last.0 != text {
                        let Some(id) = known.keys.get(target).and_then(|k| k.get(text)) else {
                            return Err(DeferredError::UnknownKey {
                                error: Box::new(fail(index, text, String::new())),
                                table: target,
                                key: text.to_string(),
                            });
                        };
                        last.0.clear();
                        last.0.push_str(text);
                        last.1 = id;
                    }
                    if target == "sources" && known.published.contains(&last.1) {
                        cites_published = true;
                    }
                    Converted::Int(last.1)
                }
                Value::Code(vocabulary) => {
                    let codes = known.codes_of(vocabulary);
                    if !codes.contains(text) {
                        return Err(fail(index, text, unknown_code(vocabulary, codes, text)).into());
                    }
                    Converted::Field(index)
                }
                Value::Period { .. } => {
                    let start = date::parse(text).map_err(|m| fail(index, text, m))?;
                    let mut period = start;
                    if let Some(end_index) = self.end_positions[number] {
                        let end_text = &record[end_index];
                        if !end_text.is_empty() {
                            let end =
                                date::parse(end_text).map_err(|m| fail(end_index, end_text, m))?;
                            period = start
                                .through(end)
                                .map_err(|m| fail(end_index, end_text, m))?;
                        }
                    }
                    let start = date(arena, period.start);
                    let end = date(arena, period.end);
                    out.extend([start, end]);
                    match self.precision_positions[number] {
                        Some(at) if !record[at].is_empty() => {
                            let given = &record[at];
                            let codes = known.codes_of("date_precisions");
                            if !codes.contains(given) {
                                let message = unknown_code("date_precisions", codes, given);
                                return Err(fail(at, given, message).into());
                            }
                            Converted::Field(at)
                        }
                        _ => Converted::Static(period.precision.code()),
                    }
                }
                Value::PeriodEnd | Value::PeriodPrecision => unreachable!("skipped above"),
                Value::PartialDate => {
                    date::parse(text).map_err(|m| fail(index, text, m))?;
                    Converted::Field(index)
                }
                Value::Integer | Value::Count => {
                    let number: i64 = text
                        .parse()
                        .map_err(|_| fail(index, text, "is not a whole number".into()))?;
                    if column.value == Value::Count && number < 0 {
                        return Err(fail(
                            index,
                            text,
                            "is negative; a count is zero or more".into(),
                        )
                        .into());
                    }
                    if table.ascending.contains(&column.name) {
                        file_check.ascending.push((index, number));
                    }
                    Converted::Int(number)
                }
                Value::Latitude | Value::Longitude => {
                    let limit = if column.value == Value::Latitude {
                        90.0
                    } else {
                        180.0
                    };
                    let number: f64 = text
                        .parse()
                        .ok()
                        .filter(|n: &f64| n.is_finite())
                        .ok_or_else(|| fail(index, text, "is not a decimal number".into()))?;
                    if !(-limit..=limit).contains(&number) {
                        return Err(fail(
                            index,
                            text,
                            format!("is out of range: it must lie between -{limit} and {limit}"),
                        )
                        .into());
                    }
                    Converted::Real(number)
                }
                Value::Flag => Converted::Int(match text {
                    "1" | "true" => 1,
                    "0" | "false" => 0,
                    _ => {
                        return Err(
                            fail(index, text, "must be 1 or 0 (true or false)".into()).into()
                        )
                    }
                }),
                Value::Country => {
                    if text.len() != 3 || !text.bytes().all(|b| b.is_ascii_uppercase()) {
                        return Err(fail(
                            index,
                            text,
                            "is not an ISO 3166-1 alpha-3 code such as ARM".into(),
                        )
                        .into());
                    }
                    Converted::Field(index)
                }
            };
            out.push(value);
        }
        // An import's figures load as published, and so do a claim's that cites a published
        // data set (PUBLISHED_DATA); `check` lists those out of order.
        let pairs = if self.figures_as_published || cites_published {
            [].windows(2)
        } else {
            file_check.ascending.windows(2)
        };
        for pair in pairs {
            let ((low_index, low), (high_index, high)) = (pair[0], pair[1]);
            if low > high {
                return Err(fail(
                    low_index,
                    &low.to_string(),
                    format!(
                        "is greater than {} {high}",
                        header_name(table, &self.positions, high_index)
                    ),
                )
                .into());
            }
        }
        for &(column, other, value) in table.given_when {
            self.given_when(record, line, column, other, value)?;
        }
        if !table.ascending.is_empty() && file_check.ascending.is_empty() {
            return Err(self
                .row_error(
                    line,
                    format!(
                        "gives no figure: set at least one of {}",
                        table.ascending.join(", ")
                    ),
                )
                .into());
        }
        Ok(key)
    }
}

/// Keys are stable slugs: letters, digits and `-_.:`, no spaces.
fn check_key(key: &str) -> Result<(), String> {
    let ok = key.len() <= 200
        && key
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c));
    if ok {
        Ok(())
    } else {
        Err("is not a valid key: use letters, digits and - _ . : only, starting with a letter or digit".into())
    }
}

impl Layout<'_> {
    /// Refuses a row where `column` is given but `other` is not `value`, or `other` is `value`
    /// and `column` is not given.
    fn given_when(
        &self,
        record: &csv::StringRecord,
        line: u64,
        column: &str,
        other: &str,
        value: &str,
    ) -> Result<(), SeedError> {
        let field = |name: &str| {
            let number = self.table.columns.iter().position(|c| c.name == name)?;
            self.positions[number]
        };
        let text = |index: Option<usize>| index.map_or("", |i| &record[i]);
        let (at, at_other) = (field(column), field(other));
        let (given, other_text) = (!text(at).is_empty(), text(at_other));
        match (given, other_text == value, at) {
            (true, false, Some(index)) => Err(self.refuse(
                line,
                index,
                text(at).into(),
                format!("is given, but {other} is {other_text:?}: only {other} {value} names a {column}"),
            )),
            (false, true, Some(index)) => Err(self.refuse(
                line,
                index,
                "".into(),
                format!("is required when {other} is {value}"),
            )),
            (false, true, None) => Err(self.row_error(
                line,
                format!("{other} is {value}, which needs a {column}, but the header has no column {column}"),
            )),
            _ => Ok(()),
        }
    }
}
