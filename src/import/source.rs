//! What the sink collected, as the loader's [`Source`]: each table's rows read back from its
//! temporary file, the header first, every record carrying the imported file's line, so that the
//! import goes through the same loader as `seed`: the same checks, one transaction.

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::FileExt;

use anyhow::{Context, Result};

use super::sink::Sink;
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
                Some(spool) => {
                    let file = spool
                        .writer
                        .into_inner()
                        .map_err(|e| e.into_error())
                        .and_then(|w| w.into_inner().map_err(|e| e.into_error()))
                        .context("cannot write the import's temporary file")?;
                    let size = file.metadata()?.len();
                    Some((file, size))
                }
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
            reader: self.table(table).map(|(file, _)| {
                csv::ReaderBuilder::new()
                    .has_headers(false)
                    .buffer_capacity(256 * 1024)
                    .from_reader(ReadAt { file, at: 0 })
            }),
            spooled: csv::ByteRecord::new(),
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
    reader: Option<csv::Reader<ReadAt<'f>>>,
    spooled: csv::ByteRecord,
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
        let more = reader
            .read_byte_record(&mut self.spooled)
            .map_err(|e| SeedError::File {
                file: "the import's temporary file".into(),
                message: e.to_string(),
            })?;
        if !more {
            return Ok(false);
        }
        let line = std::str::from_utf8(&self.spooled[0])
            .ok()
            .and_then(|l| l.parse().ok())
            .unwrap_or(0);
        record.clear();
        for field in self.spooled.iter().skip(1) {
            record.push_field(field);
        }
        let mut position = csv::Position::new();
        position.set_line(line);
        position.set_byte(reader.position().byte());
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
            columns: table.columns.iter().map(|c| c.name).collect(),
            built_in: Some(crate::seed::Input::BuiltIn.rows(table)?),
            positions: Vec::new(),
            collected: self.0.rows(table)?,
            scratch: csv::ByteRecord::new(),
        }))
    }
}

/// The built-in file's rows laid out as the collected rows are (every column, in schema order),
/// then the collected rows.
struct Chain<'a> {
    columns: Vec<&'static str>,
    built_in: Option<Box<dyn Rows + 'a>>,
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
            }
            return self.collected.next(record);
        }
        if built_in.next(&mut self.scratch)? {
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
