//! Every table and view as a Parquet file (the parquet crate's own writer, without Arrow), for
//! DuckDB, pandas, Spark and BigQuery: typed columns (integers INT64, reals DOUBLE, full-date
//! columns DATE, everything else UTF-8 text; see columns.rs), Snappy-compressed, and each file's
//! key-value metadata crediting the datasets its rows come from (`attribution`, a line per
//! dataset, and `conflictdb.datasets`, the same as JSON).

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use anyhow::{anyhow, Context, Result};
use parquet::basic::{Compression, LogicalType, Repetition, Type as Physical};
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int32Type, Int64Type};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;
use rusqlite::types::ValueRef;
use rusqlite::Connection;

use super::columns::{self, Column, Kind};
use super::provenance::{self, Credit};
use crate::outfile;

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
            writer.push(row)?;
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
        writer.push_values(row.iter().map(ValueRef::from))?;
    }
    let file = writer
        .finish()
        .map_err(|e| anyhow!("cannot write {}: {e}", path.display()))?;
    pending.finish(file)?;
    Ok(rows.len() as u64)
}

/// One column's values of the row group being gathered, and which rows have one.
enum Buffer {
    Integer(Vec<i64>),
    Real(Vec<f64>),
    Date(Vec<i32>),
    Text(Vec<ByteArray>),
}

/// A file being written, a row group at a time.
struct Writer<'a> {
    writer: SerializedFileWriter<File>,
    columns: &'a [Column],
    buffers: Vec<Buffer>,
    /// Per column, 1 where a row has a value, 0 where it is NULL.
    defined: Vec<Vec<i16>>,
    rows: usize,
}

impl<'a> Writer<'a> {
    fn new(
        file: File,
        table: &str,
        columns: &'a [Column],
        credits: &[Credit],
    ) -> Result<Writer<'a>> {
        let fields = columns
            .iter()
            .map(|column| {
                let (physical, logical) = match column.kind {
                    Kind::Integer => (Physical::INT64, None),
                    Kind::Real => (Physical::DOUBLE, None),
                    Kind::Date => (Physical::INT32, Some(LogicalType::Date)),
                    Kind::Text => (Physical::BYTE_ARRAY, Some(LogicalType::String)),
                };
                Ok(Arc::new(
                    Type::primitive_type_builder(&column.name, physical)
                        .with_repetition(Repetition::OPTIONAL)
                        .with_logical_type(logical)
                        .build()?,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        let schema = Arc::new(
            Type::group_type_builder(table)
                .with_fields(fields)
                .build()?,
        );
        let metadata = vec![
            KeyValue::new("attribution".to_string(), provenance::lines(credits)),
            KeyValue::new(
                "conflictdb.datasets".to_string(),
                serde_json::to_string(credits)?,
            ),
            KeyValue::new("conflictdb.table".to_string(), table.to_string()),
        ];
        let properties = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_key_value_metadata(Some(metadata))
            .set_created_by(concat!("conflictdb ", env!("CARGO_PKG_VERSION")).to_string())
            .build();
        let writer = SerializedFileWriter::new(file, schema, Arc::new(properties))?;
        let mut this = Writer {
            writer,
            columns,
            buffers: Vec::new(),
            defined: vec![Vec::new(); columns.len()],
            rows: 0,
        };
        this.clear();
        Ok(this)
    }

    fn clear(&mut self) {
        self.buffers = self
            .columns
            .iter()
            .map(|c| match c.kind {
                Kind::Integer => Buffer::Integer(Vec::new()),
                Kind::Real => Buffer::Real(Vec::new()),
                Kind::Date => Buffer::Date(Vec::new()),
                Kind::Text => Buffer::Text(Vec::new()),
            })
            .collect();
        self.defined.iter_mut().for_each(Vec::clear);
        self.rows = 0;
    }

    fn push(&mut self, row: &rusqlite::Row) -> Result<()> {
        let values = (0..self.columns.len())
            .map(|i| row.get_ref(i))
            .collect::<rusqlite::Result<Vec<_>>>()?;
        self.push_values(values.into_iter())
    }

    fn push_values<'v>(&mut self, values: impl Iterator<Item = ValueRef<'v>>) -> Result<()> {
        for ((i, buffer), value) in self.buffers.iter_mut().enumerate().zip(values) {
            let present = match (buffer, value) {
                (_, ValueRef::Null) => false,
                (Buffer::Integer(values), ValueRef::Integer(v)) => {
                    values.push(v);
                    true
                }
                (Buffer::Real(values), ValueRef::Real(v)) => {
                    values.push(v);
                    true
                }
                (Buffer::Real(values), ValueRef::Integer(v)) => {
                    values.push(v as f64);
                    true
                }
                (Buffer::Date(values), ValueRef::Text(t)) => {
                    let text = std::str::from_utf8(t)?;
                    let (y, m, d) =
                        columns::ymd(text).ok_or_else(|| anyhow!("{text:?} is not a date"))?;
                    values.push(days_since_1970(y, m, d));
                    true
                }
                (Buffer::Text(values), other) => {
                    values.push(ByteArray::from(crate::output::text(other).into_bytes()));
                    true
                }
                // columns.rs typed the column from these same values, in the same transaction.
                (_, other) => unreachable!("a value of another type: {other:?}"),
            };
            self.defined[i].push(i16::from(present));
        }
        self.rows += 1;
        if self.rows == ROW_GROUP {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes the rows gathered as one row group.
    fn flush(&mut self) -> Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        let mut group = self.writer.next_row_group()?;
        let mut index = 0;
        while let Some(mut column) = group.next_column()? {
            let defined = Some(&self.defined[index][..]);
            match &self.buffers[index] {
                Buffer::Integer(v) => column.typed::<Int64Type>().write_batch(v, defined, None)?,
                Buffer::Real(v) => column.typed::<DoubleType>().write_batch(v, defined, None)?,
                Buffer::Date(v) => column.typed::<Int32Type>().write_batch(v, defined, None)?,
                Buffer::Text(v) => column
                    .typed::<ByteArrayType>()
                    .write_batch(v, defined, None)?,
            };
            column.close()?;
            index += 1;
        }
        group.close()?;
        self.clear();
        Ok(())
    }

    fn finish(mut self) -> Result<File> {
        self.flush()?;
        Ok(self.writer.into_inner()?)
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
    use parquet::file::reader::{FileReader, SerializedFileReader};

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
        let reader = SerializedFileReader::new(File::open(&path).unwrap()).unwrap();
        let meta = reader.metadata().file_metadata();
        assert_eq!(meta.num_rows() as u64, rows);
        let types: Vec<Physical> = meta
            .schema_descr()
            .columns()
            .iter()
            .map(|c| c.physical_type())
            .collect();
        assert_eq!(
            types,
            [Physical::BYTE_ARRAY, Physical::INT32, Physical::INT64]
        );
        let credit = meta
            .key_value_metadata()
            .unwrap()
            .iter()
            .find(|kv| kv.key == "attribution")
            .and_then(|kv| kv.value.clone())
            .unwrap();
        assert!(credit.starts_with("built-in: "), "{credit}");
    }
}
