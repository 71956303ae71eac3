//! Every table and view (or a report's rows) as an Excel workbook (rust_xlsxwriter): a sheet per
//! table, numbers as numbers, full dates as dates (columns::Kind::Date; a month or a year stays
//! text), text always written as text, so that a value starting with `=` is never a formula; a
//! frozen header row, columns as wide as their values (capped), and a first sheet,
//! `attribution`, crediting the datasets the rows come from.

use std::collections::HashSet;
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, Statement};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

use super::columns::{self, Column, Kind};
use super::provenance::{self, Credit};
use crate::outfile;

/// Rows a sheet holds below its header (Excel's limit, 1,048,576, less the header).
const MAX_ROWS: u64 = 1_048_575;
/// The widest a column is made, in characters; longer values wrap nowhere and are cut off from
/// view, not from the cell.
const MAX_WIDTH: usize = 60;
/// Characters a cell holds at most (Excel's limit).
const MAX_CELL: usize = 32_767;

/// Writes every table and view to the workbook `path`; returns the sheets written (besides
/// `attribution`), each with its rows. `database` is the database in use, never written over.
pub fn write_tables(conn: &Connection, path: &Path, database: &Path) -> Result<Vec<(String, u64)>> {
    let snapshot = conn.unchecked_transaction()?;
    let credits = provenance::all(conn)?;
    let tables = columns::exported_tables(conn)?;
    let mut plans = Vec::with_capacity(tables.len());
    for table in &tables {
        let (columns, rows) = columns::of(conn, table)?;
        if rows > MAX_ROWS {
            bail!(
                "cannot write {}: {table} has {rows} rows, more than a sheet holds ({MAX_ROWS}); export it with --parquet or as CSV",
                path.display()
            );
        }
        plans.push((table, columns, rows));
    }
    let mut book = Book::new(path);
    book.attribution(&provenance::with_rows(conn, &credits)?)?;
    let mut written = Vec::new();
    for (table, columns, _) in plans {
        let mut stmt = conn.prepare(&format!("SELECT * FROM {}", columns::quote(table)))?;
        let rows = book.sheet(table, &columns, &mut stmt)?;
        written.push((table.clone(), rows));
    }
    book.save(path, database)?;
    snapshot.finish()?;
    Ok(written)
}

/// Writes the rows of `stmt` (a report's, its parameters bound) to the workbook `path` as the
/// sheet `name`, with the `attribution` sheet for `credits`. Returns the rows written.
pub fn write_report(
    stmt: &mut Statement,
    name: &str,
    credits: &[Credit],
    path: &Path,
    database: &Path,
) -> Result<u64> {
    let names: Vec<String> = stmt.column_names().map(String::from).collect();
    let rows: Vec<Vec<Value>> = columns::values_of(stmt)?;
    if rows.len() as u64 > MAX_ROWS {
        bail!(
            "cannot write {}: {} rows, more than a sheet holds ({MAX_ROWS})",
            path.display(),
            rows.len()
        );
    }
    let columns: Vec<Column> = names
        .iter()
        .enumerate()
        .map(|(i, name)| Column {
            name: name.clone(),
            kind: columns::kind_of(rows.iter().map(|row| &row[i])),
        })
        .collect();
    let mut book = Book::new(path);
    book.attribution(credits)?;
    let count = book.sheet_of_values(name, &columns, &rows)?;
    book.save(path, database)?;
    Ok(count)
}

/// A workbook being filled: its sheets' names (unique, at most 31 characters), and the formats.
struct Book {
    workbook: Workbook,
    names: HashSet<String>,
    header: Format,
    date: Format,
    shown: std::path::PathBuf,
}

impl Book {
    fn new(path: &Path) -> Book {
        Book {
            workbook: Workbook::new(),
            names: HashSet::new(),
            header: Format::new().set_bold(),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            shown: path.to_path_buf(),
        }
    }

    /// A new sheet named after `wanted`: cut to Excel's 31 characters, and numbered where two
    /// names would be the same (Excel compares them without case).
    fn add(&mut self, wanted: &str) -> Result<&mut Worksheet> {
        let clean: String = wanted
            .chars()
            .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
            .collect();
        let mut name: String = clean.chars().take(31).collect();
        let mut number = 2;
        while self.names.contains(&name.to_lowercase()) {
            let suffix = format!("~{number}");
            name = clean.chars().take(31 - suffix.len()).collect::<String>() + &suffix;
            number += 1;
        }
        self.names.insert(name.to_lowercase());
        let shown = self.shown.clone();
        let sheet = self.workbook.add_worksheet();
        sheet
            .set_name(name)
            .map_err(|e| anyhow!("cannot write {}: {e}", shown.display()))?;
        Ok(sheet)
    }

    /// The `attribution` sheet: a row per dataset.
    fn attribution(&mut self, credits: &[Credit]) -> Result<()> {
        let columns =
            ["dataset", "format", "licence", "attribution", "citation"].map(|name| Column {
                name: name.to_string(),
                kind: Kind::Text,
            });
        let rows: Vec<Vec<Value>> = credits
            .iter()
            .map(|c| {
                [
                    &c.dataset,
                    &c.format,
                    &c.licence,
                    &c.attribution,
                    &c.citation,
                ]
                .map(|text| Value::Text(text.to_string()))
                .to_vec()
            })
            .collect();
        self.sheet_of_values("attribution", &columns, &rows)?;
        Ok(())
    }

    /// A sheet of the rows of `stmt`, whose columns are `columns`.
    fn sheet(&mut self, name: &str, columns: &[Column], stmt: &mut Statement) -> Result<u64> {
        let (header, date, shown) = (self.header.clone(), self.date.clone(), self.shown.clone());
        let sheet = self.add(name)?;
        let mut widths = start(sheet, columns, &header, &shown)?;
        let mut rows = stmt.raw_query();
        let mut count = 0u32;
        while let Some(row) = rows.next()? {
            count += 1;
            for (i, column) in columns.iter().enumerate() {
                let cell = Cell {
                    name,
                    row: count,
                    index: i as u16,
                    column,
                    date: &date,
                    shown: &shown,
                };
                cell.write(sheet, row.get_ref(i)?, &mut widths[i])?;
            }
        }
        finish(sheet, &widths, &shown)?;
        Ok(u64::from(count))
    }

    /// A sheet of rows already read.
    fn sheet_of_values(
        &mut self,
        name: &str,
        columns: &[Column],
        rows: &[Vec<Value>],
    ) -> Result<u64> {
        let (header, date, shown) = (self.header.clone(), self.date.clone(), self.shown.clone());
        let sheet = self.add(name)?;
        let mut widths = start(sheet, columns, &header, &shown)?;
        for (number, row) in rows.iter().enumerate() {
            for (i, column) in columns.iter().enumerate() {
                let cell = Cell {
                    name,
                    row: number as u32 + 1,
                    index: i as u16,
                    column,
                    date: &date,
                    shown: &shown,
                };
                cell.write(sheet, ValueRef::from(&row[i]), &mut widths[i])?;
            }
        }
        finish(sheet, &widths, &shown)?;
        Ok(rows.len() as u64)
    }

    /// Saves the workbook to `path` under a temporary name, put in place when complete.
    fn save(mut self, path: &Path, database: &Path) -> Result<()> {
        let (mut file, pending) = outfile::create(path, path, Some(database))?;
        self.workbook
            .save_to_writer(&mut file)
            .map_err(|e| match e {
                XlsxError::IoError(io) => outfile::write_error(io, path),
                other => anyhow!("cannot write {}: {other}", path.display()),
            })?;
        pending.finish(file)
    }
}

/// Writes the header row, frozen; returns each column's width so far.
fn start(
    sheet: &mut Worksheet,
    columns: &[Column],
    header: &Format,
    shown: &Path,
) -> Result<Vec<usize>> {
    let error = |e: XlsxError| anyhow!("cannot write {}: {e}", shown.display());
    for (i, column) in columns.iter().enumerate() {
        sheet
            .write_string_with_format(0, i as u16, &column.name, header)
            .map_err(error)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(error)?;
    Ok(columns
        .iter()
        .map(|c| match c.kind {
            Kind::Date => c.name.chars().count().max(10),
            _ => c.name.chars().count(),
        })
        .collect())
}

fn finish(sheet: &mut Worksheet, widths: &[usize], shown: &Path) -> Result<()> {
    for (i, width) in widths.iter().enumerate() {
        sheet
            .set_column_width(i as u16, (*width.min(&MAX_WIDTH) + 2) as f64)
            .map_err(|e| anyhow!("cannot write {}: {e}", shown.display()))?;
    }
    Ok(())
}

/// One cell to write, with what names it in a message.
struct Cell<'a> {
    name: &'a str,
    row: u32,
    index: u16,
    column: &'a Column,
    date: &'a Format,
    shown: &'a Path,
}

impl Cell<'_> {
    fn write(&self, sheet: &mut Worksheet, value: ValueRef, width: &mut usize) -> Result<()> {
        let col = self.index;
        let result = match value {
            ValueRef::Null => return Ok(()),
            ValueRef::Integer(i) => {
                *width = (*width).max(i.to_string().len());
                sheet.write_number(self.row, col, i as f64).map(|_| ())
            }
            ValueRef::Real(f) => {
                *width = (*width).max(f.to_string().len());
                sheet.write_number(self.row, col, f).map(|_| ())
            }
            other => {
                let text = crate::output::text(other);
                let date = (self.column.kind == Kind::Date)
                    .then(|| full_date(&text))
                    .flatten();
                match date {
                    Some(date) => sheet
                        .write_datetime_with_format(self.row, col, &date, self.date)
                        .map(|_| ()),
                    None => {
                        let chars = text.chars().count();
                        if chars > MAX_CELL {
                            bail!(
                                "cannot write {}: {}, row {}, column {}: the value has {chars} characters, more than a cell holds ({MAX_CELL})",
                                self.shown.display(),
                                self.name,
                                self.row,
                                self.column.name
                            );
                        }
                        *width = (*width)
                            .max(text.lines().map(|l| l.chars().count()).max().unwrap_or(0));
                        sheet.write_string(self.row, col, text).map(|_| ())
                    }
                }
            }
        };
        result
            .map_err(|e| anyhow!("cannot write {}: {e}", self.shown.display()))
            .with_context(|| format!("{}, row {}", self.name, self.row))
    }
}

/// A full, valid date as Excel's date.
fn full_date(text: &str) -> Option<ExcelDateTime> {
    if text.len() != 10 {
        return None;
    }
    let (year, month, day) = columns::ymd(text)?;
    ExcelDateTime::from_ymd(u16::try_from(year).ok()?, month, day).ok()
}
