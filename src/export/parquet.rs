//! Every table and view as a Parquet file, for DuckDB, pandas, Spark and BigQuery: typed columns
//! (integers INT64, reals DOUBLE, full-date columns DATE, everything else UTF-8 text; see
//! columns.rs), all OPTIONAL, and each file's key-value metadata crediting the datasets its rows
//! come from (`attribution`, a line per dataset, and `conflictdb.datasets`, the same as JSON).
//!
//! The writer is our own (thrift.rs, levels.rs, metadata.rs beside this file): the parquet
//! crate cost about as much fresh build time as everything else added by issue 15. It writes
//! the plainest files every reader takes: PLAIN values, uncompressed (no Snappy), one v1 data
//! page per column of each row group of up to 64K rows, no statistics.

mod levels;
mod metadata;
mod thrift;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{anyhow, Context, Result};
use rusqlite::types::ValueRef;
use rusqlite::Connection;

use super::columns::{self, Column, Kind};
use super::provenance::{self, Credit};
use crate::outfile;
use metadata::Physical;

/// The first and last bytes of every Parquet file.
const MAGIC: &[u8] = b"PAR1";

/// Rows per row group: enough for fast scans, few enough to hold in memory while writing.
const ROW_GROUP: usize = 64 * 1024;

/// Writes every table and view to `dir/NAME.parquet`; returns each with its rows. All are read
/// in one transaction, so that they show one state. `database` is never written over.
pub fn write_tables(conn: &Connection, dir: &Path, database: &Path) -> Result<Vec<(String, u64)>> {
    let snapshot = conn.unchecked_transaction()?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let credits = provenance::all(conn)?;
    let mut written = Vec::new();
    for table in columns::exported_tables(conn)? {
        let (columns, _) = columns::of(conn, &table)?;
        let path = dir.join(format!("{table}.parquet"));
        let credited = provenance::of_table(conn, &credits, &table)?;
        let (file, pending) = outfile::create(&path, &path, Some(database))?;
        let mut stmt = conn.prepare(&format!("SELECT * FROM {}", columns::quote(&table)))?;
        let mut rows = stmt.raw_query();
        let mut writer = Writer::new(file, &table, &columns, &credited)
            .map_err(|e| anyhow!("cannot write {}: {e}", path.display()))?;
        let mut count = 0u64;
        while let Some(row) = rows.next()? {
            // A full row group is written out here: a full disk names the file.
            writer
                .push(row)
                .map_err(|e| anyhow!("cannot write {}: {e}", path.display()))?;
            count += 1;
        }
        let file = writer
            .finish()
            .map_err(|e| anyhow!("cannot write {}: {e}", path.display()))?;
        pending.finish(file)?;
        written.push((table, count));
    }
    snapshot.finish()?;
    Ok(written)
}

/// Writes the rows of `stmt` (a report's, its parameters bound) to the Parquet file `path`, its
/// metadata crediting `credits`; the columns typed from the rows. Returns the rows written.
pub fn write_report(
    stmt: &mut rusqlite::Statement,
    name: &str,
    credits: &[Credit],
    path: &Path,
    database: &Path,
) -> Result<u64> {
    let names: Vec<String> = stmt.column_names().map(String::from).collect();
    let rows: Vec<Vec<rusqlite::types::Value>> = columns::values_of(stmt)?;
    let columns: Vec<Column> = names
        .iter()
        .enumerate()
        .map(|(i, name)| Column {
            name: name.clone(),
            kind: columns::kind_of(rows.iter().map(|row| &row[i])),
        })
        .collect();
    let (file, pending) = outfile::create(path, path, Some(database))?;
    let mut writer = Writer::new(file, name, &columns, credits)
        .map_err(|e| anyhow!("cannot write {}: {e}", path.display()))?;
    for row in &rows {
        writer
            .push_values(row.iter().map(ValueRef::from))
            .map_err(|e| anyhow!("cannot write {}: {e}", path.display()))?;
    }
    let file = writer
        .finish()
        .map_err(|e| anyhow!("cannot write {}: {e}", path.display()))?;
    pending.finish(file)?;
    Ok(rows.len() as u64)
}

/// A file being written, a row group at a time: each column's values of the group gathered
/// PLAIN-encoded (only the rows that have one) with its definition levels, then written as one
/// data page per column.
struct Writer<'a> {
    out: BufWriter<File>,
    /// Bytes written so far: where the next page starts.
    offset: u64,
    table: &'a str,
    columns: &'a [Column],
    credits: &'a [Credit],
    values: Vec<Vec<u8>>,
    /// Per column, whether each row has a value (false where it is NULL).
    defined: Vec<Vec<bool>>,
    rows: usize,
    groups: Vec<metadata::RowGroup>,
}

impl<'a> Writer<'a> {
    fn new(
        file: File,
        table: &'a str,
        columns: &'a [Column],
        credits: &'a [Credit],
    ) -> Result<Writer<'a>> {
        let mut out = BufWriter::new(file);
        out.write_all(MAGIC)?;
        Ok(Writer {
            out,
            offset: MAGIC.len() as u64,
            table,
            columns,
            credits,
            values: vec![Vec::new(); columns.len()],
            defined: vec![Vec::new(); columns.len()],
            rows: 0,
            groups: Vec::new(),
        })
    }

    fn push(&mut self, row: &rusqlite::Row) -> Result<()> {
        let values = (0..self.columns.len())
            .map(|i| row.get_ref(i))
            .collect::<rusqlite::Result<Vec<_>>>()?;
        self.push_values(values.into_iter())
    }

    fn push_values<'v>(&mut self, values: impl Iterator<Item = ValueRef<'v>>) -> Result<()> {
        for (i, value) in values.take(self.columns.len()).enumerate() {
            let out = &mut self.values[i];
            let present = match (self.columns[i].kind, value) {
                (_, ValueRef::Null) => false,
                (Kind::Integer, ValueRef::Integer(v)) => {
                    out.extend_from_slice(&v.to_le_bytes());
                    true
                }
                (Kind::Real, ValueRef::Real(v)) => {
                    out.extend_from_slice(&v.to_le_bytes());
                    true
                }
                (Kind::Real, ValueRef::Integer(v)) => {
                    out.extend_from_slice(&(v as f64).to_le_bytes());
                    true
                }
                (Kind::Date, ValueRef::Text(t)) => {
                    let text = std::str::from_utf8(t)?;
                    let (y, m, d) =
                        columns::ymd(text).ok_or_else(|| anyhow!("{text:?} is not a date"))?;
                    out.extend_from_slice(&days_since_1970(y, m, d).to_le_bytes());
                    true
                }
                (Kind::Text, other) => {
                    let text = crate::output::text(other);
                    let len = u32::try_from(text.len())
                        .map_err(|_| anyhow!("a value of {} bytes is too long", text.len()))?;
                    out.extend_from_slice(&len.to_le_bytes());
                    out.extend_from_slice(text.as_bytes());
                    true
                }
                // columns.rs typed the column from these same values, in the same transaction.
                (_, other) => unreachable!("a value of another type: {other:?}"),
            };
            self.defined[i].push(present);
        }
        self.rows += 1;
        if self.rows == ROW_GROUP {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes the rows gathered as one row group: per column, a v1 data page holding the
    /// definition levels (4-byte length, then the RLE/bit-packed hybrid) and the PLAIN values.
    fn flush(&mut self) -> Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        let mut chunks = Vec::with_capacity(self.columns.len());
        for (values, defined) in self.values.iter_mut().zip(&mut self.defined) {
            let levels = levels::encode(defined);
            let size = 4 + levels.len() + values.len();
            if i32::try_from(size).is_err() {
                return Err(anyhow!(
                    "a column of {size} bytes in one row group is too big"
                ));
            }
            let header = metadata::page_header(self.rows, size);
            self.out.write_all(&header)?;
            self.out.write_all(&(levels.len() as u32).to_le_bytes())?;
            self.out.write_all(&levels)?;
            self.out.write_all(values)?;
            let written = (header.len() + size) as u64;
            chunks.push(metadata::Chunk {
                offset: self.offset,
                size: written,
            });
            self.offset += written;
            values.clear();
            defined.clear();
        }
        self.groups.push(metadata::RowGroup {
            rows: self.rows as u64,
            chunks,
        });
        self.rows = 0;
        Ok(())
    }

    /// Writes the last row group and the footer: FileMetaData, its length, the magic again.
    fn finish(mut self) -> Result<File> {
        self.flush()?;
        let fields: Vec<metadata::Field> = self
            .columns
            .iter()
            .map(|column| metadata::Field {
                name: &column.name,
                physical: match column.kind {
                    Kind::Integer => Physical::Int64,
                    Kind::Real => Physical::Double,
                    Kind::Date => Physical::Date,
                    Kind::Text => Physical::Text,
                },
            })
            .collect();
        let attribution = provenance::lines(self.credits);
        let datasets = serde_json::to_string(self.credits)?;
        let footer = metadata::file_metadata(
            self.table,
            &fields,
            &self.groups,
            &[
                ("attribution", &attribution),
                ("conflictdb.datasets", &datasets),
                ("conflictdb.table", self.table),
            ],
            concat!("conflictdb ", env!("CARGO_PKG_VERSION")),
        );
        self.out.write_all(&footer)?;
        self.out.write_all(&(footer.len() as u32).to_le_bytes())?;
        self.out.write_all(MAGIC)?;
        self.out.into_inner().map_err(|e| e.into_error().into())
    }
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (Parquet's DATE), by
/// Howard Hinnant's `days_from_civil`.
fn days_since_1970(year: i32, month: u8, day: u8) -> i32 {
    let (month, day) = (i32::from(month), i32::from(day));
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::days_since_1970;

    #[test]
    fn days_are_counted_from_1970() {
        assert_eq!(days_since_1970(1970, 1, 1), 0);
        assert_eq!(days_since_1970(2000, 3, 1), 11_017);
        assert_eq!(days_since_1970(1918, 5, 28), -18_846);
        assert_eq!(days_since_1970(2020, 9, 27), 18_532);
    }
}

#[cfg(test)]
mod report_tests {
    use super::*;
    use crate::{db, seed};

    #[test]
    fn a_reports_rows_are_written_typed_and_credited() {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("c.db");
        let mut conn = db::open_for_write(&database).unwrap();
        seed::load(&mut conn, &seed::Input::BuiltIn).unwrap();
        let credits = provenance::all(&conn).unwrap();
        let mut stmt = conn
            .prepare(
                "SELECT key, start_date, (SELECT count(*) FROM casualties) AS claims FROM events",
            )
            .unwrap();
        let path = dir.path().join("report.parquet");
        let rows = write_report(&mut stmt, "timeline", &credits, &path, &database).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert!(bytes.starts_with(MAGIC) && bytes.ends_with(MAGIC));
        let len = bytes.len();
        let footer_len = u32::from_le_bytes(bytes[len - 8..len - 4].try_into().unwrap()) as usize;
        let footer = &bytes[len - 8 - footer_len..len - 8];
        // The footer is exactly what metadata.rs makes of these columns, rows and credits: one
        // row group, its three chunks one after the other from byte 4.
        let groups = &[metadata::RowGroup {
            rows,
            chunks: chunk_sizes(&bytes[4..len - 8 - footer_len], 3, rows),
        }];
        let fields = [
            ("key", Physical::Text),
            ("start_date", Physical::Date),
            ("claims", Physical::Int64),
        ]
        .map(|(name, physical)| metadata::Field { name, physical });
        let attribution = provenance::lines(&credits);
        assert!(attribution.starts_with("built-in: "), "{attribution}");
        let expected = metadata::file_metadata(
            "timeline",
            &fields,
            groups,
            &[
                ("attribution", &attribution),
                (
                    "conflictdb.datasets",
                    &serde_json::to_string(&credits).unwrap(),
                ),
                ("conflictdb.table", "timeline"),
            ],
            concat!("conflictdb ", env!("CARGO_PKG_VERSION")),
        );
        assert_eq!(footer, expected);
    }

    /// The chunks of `columns` pages of `rows` values laid end to end from byte 4, each page's
    /// size read from its header (uncompressed_page_size, the varint after `15 00 15`).
    fn chunk_sizes(mut pages: &[u8], columns: usize, rows: u64) -> Vec<metadata::Chunk> {
        let mut chunks = Vec::new();
        let mut offset = 4;
        for _ in 0..columns {
            assert_eq!(pages[..3], [0x15, 0x00, 0x15]);
            let (mut size, mut shift) = (0u64, 0);
            for &b in &pages[3..] {
                size |= u64::from(b & 0x7f) << shift;
                shift += 7;
                if b < 0x80 {
                    break;
                }
            }
            let size = (size >> 1) as usize;
            let header = metadata::page_header(rows as usize, size);
            assert!(pages.starts_with(&header));
            let total = header.len() + size;
            chunks.push(metadata::Chunk {
                offset,
                size: total as u64,
            });
            offset += total as u64;
            pages = &pages[total..];
        }
        assert!(pages.is_empty());
        chunks
    }

    #[test]
    fn an_empty_table_has_no_row_group() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("empty.parquet");
        let columns = [Column {
            name: "a".into(),
            kind: Kind::Integer,
        }];
        let writer = Writer::new(File::create(&path).unwrap(), "t", &columns, &[]).unwrap();
        writer.finish().unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let footer = metadata::file_metadata(
            "t",
            &[metadata::Field {
                name: "a",
                physical: Physical::Int64,
            }],
            &[],
            &[
                ("attribution", ""),
                ("conflictdb.datasets", "[]"),
                ("conflictdb.table", "t"),
            ],
            concat!("conflictdb ", env!("CARGO_PKG_VERSION")),
        );
        let mut expected = MAGIC.to_vec();
        expected.extend_from_slice(&footer);
        expected.extend_from_slice(&(footer.len() as u32).to_le_bytes());
        expected.extend_from_slice(MAGIC);
        assert_eq!(bytes, expected);
    }
}
