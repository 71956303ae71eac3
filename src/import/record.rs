//! One record of an imported file as a format's `map` reads it: its fields by column name, the
//! line it starts on, and [`RowError`], a refusal naming the column and value.

use std::collections::HashMap;

use super::format::Layout;

/// Where each column of a layout lies among a record's fields.
pub struct Columns {
    pub layout: &'static Layout,
    at: HashMap<&'static str, usize, foldhash::fast::FixedState>,
}

impl Columns {
    pub fn new(layout: &'static Layout) -> Columns {
        Columns {
            layout,
            at: layout
                .columns
                .iter()
                .enumerate()
                .map(|(i, name)| (*name, i))
                .collect(),
        }
    }

    /// The field of `column` (lower case), if the layout has it.
    pub fn position(&self, column: &str) -> Option<usize> {
        self.at.get(column).copied()
    }
}

/// A record of an imported file.
pub struct Record<'a> {
    pub fields: &'a csv::StringRecord,
    pub columns: &'a Columns,
    /// The line of the file the record starts on (from 1, the header included).
    pub line: u64,
    pub na_is_empty: bool,
}

impl<'a> Record<'a> {
    /// The layout the record is in.
    pub fn layout(&self) -> &'static Layout {
        self.columns.layout
    }

    /// Whether the record's layout has `column`.
    pub fn has(&self, column: &str) -> bool {
        self.columns.position(column).is_some()
    }

    /// The value of `column`, trimmed; empty where the layout has no such column, and for `NA`
    /// in formats whose files R writes.
    pub fn get(&self, column: &str) -> &'a str {
        let value = self
            .columns
            .position(column)
            .and_then(|i| self.fields.get(i))
            .unwrap_or("")
            .trim();
        if self.na_is_empty && value == "NA" {
            ""
        } else {
            value
        }
    }

    /// The value of `column`, which must not be empty.
    pub fn required(&self, column: &str) -> Result<&'a str, RowError> {
        match self.get(column) {
            "" => Err(self.refuse(column, "is required, and empty")),
            value => Ok(value),
        }
    }

    /// A refusal of `column`'s value.
    pub fn refuse(&self, column: &str, message: impl Into<String>) -> RowError {
        RowError {
            column: Some(column.to_string()),
            value: self
                .columns
                .position(column)
                .and_then(|i| self.fields.get(i))
                .map(str::to_string),
            message: message.into(),
        }
    }

    /// The fields as the file gave them (for a rejects file).
    pub fn raw(&self) -> Vec<&'a str> {
        self.fields.iter().collect()
    }
}

/// Why a record cannot be imported: its column and value where one is to blame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The file's column (as the layout names it).
    pub column: Option<String>,
    pub value: Option<String>,
    pub message: String,
}

impl RowError {
    /// A refusal of the whole record.
    pub fn row(message: impl Into<String>) -> RowError {
        RowError {
            column: None,
            value: None,
            message: message.into(),
        }
    }
}
