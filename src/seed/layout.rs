//! A table's header: where each column of the table lies among a record's fields, and the
//! refusals that name a field by its column.

use super::diagnose::{QuotedValue, SeedError};
use super::input::Origin;
use crate::schema::{Identity, Table, Value};

/// One file, as its header lays it out.
#[derive(Clone)]
pub(super) struct Layout<'s> {
    pub(super) table: &'static Table,
    /// Where the rows come from, which messages name.
    pub(super) origin: Origin<'s>,
    /// The rows' size in bytes, where known.
    pub(super) size: Option<u64>,
    /// For each column of the table, its field in the file (None for an optional column the
    /// file leaves out).
    pub(super) positions: Vec<Option<usize>>,
    /// For each `Period` column, the field of its end-of-span column.
    pub(super) end_positions: Vec<Option<usize>>,
    /// For each `Period` column, the field of the column giving its precision.
    pub(super) precision_positions: Vec<Option<usize>>,
    /// Whether figures that must not decrease load as given, for `check` to report: an import's
    /// are published data (see [`super::Source::figures_as_published`]).
    pub(super) figures_as_published: bool,
    /// Fields per row.
    pub(super) width: usize,
    /// Values bound per row (a `Period` binds three).
    pub(super) values_per_row: usize,
    pub(super) identity: &'static [&'static str],
    /// Where the identity columns' values lie among a row's bound values.
    pub(super) identity_values: Vec<usize>,
    /// Where a link row's group lies among its bound values: the first column of the table's
    /// primary key (an event's id), by which its rows are grouped (see fingerprint.rs).
    pub(super) group_value: Option<usize>,
    /// In an update, whether the reading thread matches the file's rows against the runs of its
    /// last load (fingerprint.rs).
    pub(super) fingerprinted: bool,
}

impl<'s> Layout<'s> {
    pub(super) fn new(
        header: &csv::ByteRecord,
        origin: Origin<'s>,
    ) -> Result<Layout<'s>, SeedError> {
        let table = origin.table;
        let positions = header_positions(table, header, origin.name())?;
        let end_positions = table
            .columns
            .iter()
            .map(|c| match c.value {
                Value::Period { end: Some(end), .. } => table
                    .columns
                    .iter()
                    .position(|e| e.name == end)
                    .and_then(|i| positions[i]),
                _ => None,
            })
            .collect();
        let precision_positions = table
            .columns
            .iter()
            .map(|c| match c.value {
                Value::Period {
                    precision: Some(precision),
                    ..
                } => table
                    .columns
                    .iter()
                    .position(|e| e.name == precision)
                    .and_then(|i| positions[i]),
                _ => None,
            })
            .collect();
        Ok(Layout {
            table,
            size: origin.size(),
            figures_as_published: origin.figures_as_published(),
            origin,
            positions,
            end_positions,
            precision_positions,
            width: header.len(),
            values_per_row: table.columns.iter().map(|c| c.db_columns().len()).sum(),
            identity: match table.identity {
                Identity::Columns(columns) => columns,
                Identity::Key => &[],
            },
            identity_values: {
                let mut at = 0;
                let mut found = Vec::new();
                for column in table.columns {
                    let width = column.db_columns().len();
                    if let Identity::Columns(columns) = table.identity {
                        if columns.contains(&column.db) {
                            found.extend(at..at + width);
                        }
                    }
                    at += width;
                }
                found
            },
            group_value: match table.identity {
                Identity::Columns(columns) => stored_columns(table)
                    .iter()
                    .position(|c| Some(c) == columns.first()),
                Identity::Key => None,
            },
            fingerprinted: false,
        })
    }

    pub(super) fn refuse(
        &self,
        line: u64,
        index: usize,
        value: QuotedValue,
        message: String,
    ) -> SeedError {
        SeedError::Value {
            file: self.origin.name().to_string(),
            line,
            column: index + 1,
            name: header_name(self.table, &self.positions, index),
            value,
            message,
        }
    }

    pub(super) fn row_error(&self, line: u64, message: String) -> SeedError {
        SeedError::Row {
            file: self.origin.name().to_string(),
            line,
            message,
        }
    }

    /// The CSV columns that make up a row's identity, and their values in `record`.
    pub(super) fn identity_of<'r>(
        &self,
        record: &'r csv::StringRecord,
    ) -> (Vec<&'static str>, Vec<&'r str>) {
        let table = self.table;
        identity_columns(table)
            .into_iter()
            .map(|db_column| {
                let number = table
                    .columns
                    .iter()
                    .position(|c| c.db == db_column)
                    .expect("identity columns are columns");
                let value = self.positions[number].map_or("", |i| &record[i]);
                (table.columns[number].name, value)
            })
            .unzip()
    }

    /// "is a duplicate" for a row whose identity an earlier row of the file has.
    pub(super) fn duplicate(&self, record: &csv::StringRecord) -> Result<SeedError, SeedError> {
        let (names, values) = self.identity_of(record);
        self.origin.duplicate(&names, &values)
    }
}

/// For each column of `table`, its index in the file's header (None for an optional column the
/// file leaves out).
fn header_positions(
    table: &Table,
    header: &csv::ByteRecord,
    file: &str,
) -> Result<Vec<Option<usize>>, SeedError> {
    // Blank lines before the header are skipped.
    let line = header.position().map_or(1, |p| p.line());
    let mut positions = vec![None; table.columns.len()];
    for (index, raw) in header.iter().enumerate() {
        let name = std::str::from_utf8(raw).map_err(|_| SeedError::Value {
            file: file.to_string(),
            line,
            column: index + 1,
            name: "header".into(),
            value: QuotedValue(raw.to_vec()),
            message: "is not valid UTF-8".into(),
        })?;
        let header_error = |message: String| SeedError::Value {
            file: file.to_string(),
            line,
            column: index + 1,
            name: "header".into(),
            value: name.into(),
            message,
        };
        match table.columns.iter().position(|c| c.name == name) {
            Some(column) if positions[column].is_some() => {
                return Err(header_error("names a column twice".into()));
            }
            Some(column) => positions[column] = Some(index),
            None => {
                let expected: Vec<&str> = table.columns.iter().map(|c| c.name).collect();
                let message = match expected
                    .iter()
                    .find(|c| c.eq_ignore_ascii_case(name.trim()))
                {
                    Some(right) => {
                        format!("should be {right:?}: column names are lowercase and exact")
                    }
                    None => format!(
                        "is not a column of {}; the columns are {}",
                        table.name,
                        expected.join(",")
                    ),
                };
                return Err(header_error(message));
            }
        }
    }
    if let Some(missing) = table
        .columns
        .iter()
        .zip(&positions)
        .find(|(c, p)| c.required && p.is_none())
    {
        return Err(SeedError::Row {
            file: file.to_string(),
            line,
            message: format!("the header lacks the required column {:?}", missing.0.name),
        });
    }
    Ok(positions)
}

pub(super) fn header_name(table: &Table, positions: &[Option<usize>], index: usize) -> String {
    positions
        .iter()
        .position(|p| *p == Some(index))
        .map_or_else(
            || format!("column {}", index + 1),
            |c| table.columns[c].name.to_string(),
        )
}

/// The database columns a row of `table` fills, in the order the loader binds its values.
pub(super) fn stored_columns(table: &Table) -> Vec<&'static str> {
    table.columns.iter().flat_map(|c| c.db_columns()).collect()
}

/// The database columns that make up a row's identity: its key, or a link table's primary key.
pub(super) fn identity_columns(table: &Table) -> Vec<&'static str> {
    match table.identity {
        Identity::Key => vec![table.key_column()],
        Identity::Columns(columns) => columns.to_vec(),
    }
}
