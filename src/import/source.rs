//! What the sink collected, as the loader's [`Source`]: each table's rows read back from its
//! temporary file (spool.rs), the header first, every record carrying the imported file's line, so that the
//! import goes through the same loader as `seed`: the same checks, one transaction.

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::FileExt;

use anyhow::Result;

use super::sink::Sink;
use super::spool::SpoolReader;
use crate::schema::{Table, TABLES};
use crate::seed::{Rows, SeedError, Source, SourceFile};

/// How the loader's messages name an import's table, before import.rs names the real file
/// instead (see `explain` there).
pub const TABLE_MARK: &str = "import-table:";

/// The rows of every table, in temporary files.
pub struct Collected {
    /// By the table's place in `schema::TABLES`: the file and its size in bytes.
    tables: Vec<Option<(File, u64)>>,
    /// The imported files, as `dataset_files` records them.
    pub files: Vec<SourceFile>,
}

impl Collected {
    /// Ends the sink's writing.
    pub fn new(sink: Sink) -> Result<Collected> {
        let mut tables = Vec::with_capacity(TABLES.len());
        for spool in sink.spools {
            tables.push(match spool {
                None => None,
                Some(spool) => Some(spool.finish()?),
            });
        }
        Ok(Collected {
            tables,
            files: Vec::new(),
        })
    }

    fn table(&self, table: &Table) -> Option<&(File, u64)> {
        let at = TABLES.iter().position(|t| t.name == table.name)?;
        self.tables[at].as_ref()
    }
}

impl Source for Collected {
    fn name(&self, table: &Table) -> String {
        format!("{TABLE_MARK}{}", table.name)
    }

    fn size(&self, table: &Table) -> Option<u64> {
        Some(self.table(table).map_or(0, |(_, size)| *size))
    }

    fn files(&self) -> Option<Vec<SourceFile>> {
        Some(self.files.clone())
    }

    fn rows(&self, table: &Table) -> Result<Box<dyn Rows + '_>, SeedError> {
        Ok(Box::new(SpoolRows {
            header: Some(table.columns.iter().map(|c| c.name).collect()),
            reader: self
                .table(table)
                .map(|(file, _)| SpoolReader::new(ReadAt { file, at: 0 }, table.columns.len())),
        }))
    }
}

/// A file read from the start through its own offset, so that a table can be read again while
/// another reader of it is open.
struct ReadAt<'f> {
    file: &'f File,
    at: u64,
}

impl Read for ReadAt<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read_at(buf, self.at)?;
        self.at += n as u64;
        Ok(n)
    }
}

struct SpoolRows<'f> {
    header: Option<Vec<&'static str>>,
    reader: Option<SpoolReader<ReadAt<'f>>>,
}

impl Rows for SpoolRows<'_> {
    fn next(&mut self, record: &mut csv::ByteRecord) -> Result<bool, SeedError> {
        if let Some(header) = self.header.take() {
            record.clear();
            for name in header {
                record.push_field(name.as_bytes());
            }
            return Ok(true);
        }
        let Some(reader) = &mut self.reader else {
            return Ok(false);
        };
        let line = reader.next(record).map_err(|e| SeedError::File {
            file: "the import's temporary file".into(),
            message: e.to_string(),
        })?;
        let Some(line) = line else {
            return Ok(false);
        };
        let mut position = csv::Position::new();
        position.set_line(line);
        position.set_byte(reader.position());
        record.set_position(Some(position));
        Ok(true)
    }
}

/// The built-in data's rows, then the collected rows, table by table: what a new database's
/// fresh load takes, so that the built-in rows get the first ids of each table (import.rs then
/// gives them back to the built-in dataset).
pub struct WithBuiltIn<'c>(pub &'c Collected);

impl Source for WithBuiltIn<'_> {
    fn name(&self, table: &Table) -> String {
        self.0.name(table)
    }

    fn size(&self, table: &Table) -> Option<u64> {
        Some(crate::seed::Input::BuiltIn.size(table).unwrap_or(0) + self.0.size(table).unwrap_or(0))
    }

    fn files(&self) -> Option<Vec<SourceFile>> {
        self.0.files()
    }

    fn rows(&self, table: &Table) -> Result<Box<dyn Rows + '_>, SeedError> {
        Ok(Box::new(Chain {
            table: crate::schema::table(table.name).expect("a table of the schema"),
            columns: table.columns.iter().map(|c| c.name).collect(),
            built_in: Some(crate::seed::Input::BuiltIn.rows(table)?),
            sorted: None,
            positions: Vec::new(),
            collected: self.0.rows(table)?,
            scratch: csv::ByteRecord::new(),
        }))
    }
}

/// The built-in file's rows laid out as the collected rows are (every column, in schema order),
/// then the collected rows.
///
/// A link table's built-in rows come in the order of its primary key's first column (the id of
/// the event, actor or place they belong to), as the collected rows do, and before them: a fresh
/// load appends rows in that order to the end of the table, and stages every row after the first
/// that breaks it, to merge them in at the end (seed/fresh.rs). The built-in files are sorted by
/// key, not by id, so that the import's rows of `event_actors` and `event_sources` (200,000 at
/// 100k ACLED rows) were all staged and inserted twice. The tables are `WITHOUT ROWID`: the
/// order they were inserted in leaves no trace.
struct Chain<'a> {
    table: &'static Table,
    columns: Vec<&'static str>,
    built_in: Option<Box<dyn Rows + 'a>>,
    /// A link table's built-in rows, sorted, still to come (the last first).
    sorted: Option<Vec<csv::ByteRecord>>,
    /// For each column of the table, its field in the built-in file.
    positions: Vec<Option<usize>>,
    collected: Box<dyn Rows + 'a>,
    scratch: csv::ByteRecord,
}

impl Rows for Chain<'_> {
    fn next(&mut self, record: &mut csv::ByteRecord) -> Result<bool, SeedError> {
        let Some(built_in) = &mut self.built_in else {
            return self.collected.next(record);
        };
        if self.positions.is_empty() {
            // The headers: the collected rows' is every column.
            if built_in.next(&mut self.scratch)? {
                self.positions = self
                    .columns
                    .iter()
                    .map(|name| self.scratch.iter().position(|f| f == name.as_bytes()))
                    .collect();
                self.sorted = sorted_links(self.table, &self.scratch, &mut **built_in)?;
            }
            return self.collected.next(record);
        }
        let more = match &mut self.sorted {
            Some(sorted) => match sorted.pop() {
                Some(row) => {
                    self.scratch = row;
                    true
                }
                None => false,
            },
            None => built_in.next(&mut self.scratch)?,
        };
        if more {
            record.clear();
            for at in &self.positions {
                record.push_field(at.and_then(|i| self.scratch.get(i)).unwrap_or(b""));
            }
            record.set_position(self.scratch.position().cloned());
            return Ok(true);
        }
        self.built_in = None;
        self.collected.next(record)
    }
}

/// A link table's built-in rows (after `header`), sorted by the id of the row its primary key's
/// first column names (that row's place in its own built-in file), the last first; None for
/// another table.
fn sorted_links(
    table: &Table,
    header: &csv::ByteRecord,
    rows: &mut dyn Rows,
) -> Result<Option<Vec<csv::ByteRecord>>, SeedError> {
    use crate::schema::{Identity, Value};
    let Identity::Columns(identity) = table.identity else {
        return Ok(None);
    };
    let Some(first) = table
        .columns
        .iter()
        .find(|c| identity.first() == Some(&c.db))
    else {
        return Ok(None);
    };
    let Value::Ref(target) = first.value else {
        return Ok(None);
    };
    let Some(at) = header.iter().position(|f| f == first.name.as_bytes()) else {
        return Ok(None);
    };
    let target = crate::schema::table(target).expect("a reference names a table");
    let mut places = std::collections::HashMap::new();
    let mut target_rows = crate::seed::Input::BuiltIn.rows(target)?;
    let mut record = csv::ByteRecord::new();
    if target_rows.next(&mut record)? {
        let key = target
            .columns
            .iter()
            .find(|c| c.value == Value::Key)
            .map_or("key", |c| c.name);
        if let Some(key_at) = record.iter().position(|f| f == key.as_bytes()) {
            let mut place = 0u64;
            while target_rows.next(&mut record)? {
                place += 1;
                places.entry(record[key_at].to_vec()).or_insert(place);
            }
        }
    }
    let mut sorted = Vec::new();
    while rows.next(&mut record)? {
        sorted.push(record.clone());
    }
    // A key not found sorts last, where the loader refuses it as it would anywhere.
    sorted.sort_by_key(|row| places.get(&row[at]).copied().unwrap_or(u64::MAX));
    sorted.reverse();
    Ok(Some(sorted))
}
