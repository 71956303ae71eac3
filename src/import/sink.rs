//! Where a format's `map` writes what a record becomes: rows of our tables, by table and column
//! name, each remembering the line of the imported file it came from. Actors, places and sources
//! that many records name are written once per dataset ([`Sink::shared`]); keys are namespaced
//! by the dataset (`acled:AZE1234` in a dataset named `acled`), so that two datasets of one format
//! (ACLED's files for two countries) each have their own actors, places and sources.
//!
//! The rows are spilled to temporary files, one per table, so that a file of a million records
//! costs disk, not memory: the files are anonymous (`tempfile::tempfile`), so the system removes
//! them when they are closed, whether the run ends, fails or is interrupted. A record's rows are
//! held back until its `map` succeeds, so that a refused record leaves nothing behind.

use std::collections::HashMap;
use std::fs::File;
use std::hash::BuildHasher;
use std::io::BufWriter;

use anyhow::{Context, Result};

use crate::schema::{Table, TABLES};

/// The bits of a stored line number that hold the line within its file; the bits above hold
/// which of the command's files it is (see [`encode_line`]).
const LINE_BITS: u32 = 40;

/// A line of the `file`th file (from 0) as the loader carries it: one number.
pub fn encode_line(file: usize, line: u64) -> u64 {
    ((file as u64) << LINE_BITS) | line
}

/// The file (from 0) and the line within it of an encoded line.
pub fn decode_line(encoded: u64) -> (usize, u64) {
    (
        (encoded >> LINE_BITS) as usize,
        encoded & ((1 << LINE_BITS) - 1),
    )
}

/// One table's rows, spilled to an anonymous temporary file as CSV: the encoded line, then the
/// table's columns in schema order.
pub(super) struct Spool {
    pub(super) writer: csv::Writer<BufWriter<File>>,
    pub(super) rows: u64,
}

impl Spool {
    fn new() -> Result<Spool> {
        let file = tempfile::tempfile().context("cannot create a temporary file for the import")?;
        Ok(Spool {
            writer: csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(BufWriter::with_capacity(256 * 1024, file)),
            rows: 0,
        })
    }
}

/// The rows a record makes, and every row made so far.
pub struct Sink {
    /// The dataset's namespace: the first part of every key the import makes.
    namespace: String,
    /// The format's name: `ucdp-ged:actor:64` names UCDP's actor 64 in any dataset.
    format: &'static str,
    /// The line being mapped, encoded with its file.
    line: u64,
    /// By the table's place in `schema::TABLES`; made when a first row comes.
    pub(super) spools: Vec<Option<Spool>>,
    /// The rows of the record being mapped: table, values.
    pending: Vec<(usize, Vec<String>)>,
    /// The keys of shared rows written, by table, as hashes, with their place among the table's
    /// rows (the id a fresh load gives them).
    seen: Vec<HashMap<u64, u64>>,
    pending_seen: Vec<(usize, u64)>,
    /// What the format keeps from record to record of this import ([`Sink::state`]).
    state: Option<Box<dyn std::any::Any>>,
}

/// A row being filled in, column by column; [`Row::add`] adds it to the record's rows.
#[must_use = "a row is written only by add()"]
pub struct Row<'s> {
    sink: &'s mut Sink,
    table: usize,
    values: Vec<String>,
}

impl Row<'_> {
    /// Sets `column` to the dataset's key for `local`, a key of the format's own (see
    /// [`Sink::key`]).
    pub fn set_key(self, column: &str, local: &str) -> Self {
        let key = self.sink.key(local);
        self.set(column, key)
    }

    /// Sets `column` (the seed file's column name, as in `schema.rs`) to `value`.
    pub fn set(mut self, column: &str, value: impl Into<String>) -> Self {
        let table = &TABLES[self.table];
        let Some(at) = table.columns.iter().position(|c| c.name == column) else {
            panic!("{} has no column {column}", table.name)
        };
        self.values[at] = value.into();
        self
    }

    /// Adds the row to the record's rows.
    pub fn add(self) {
        self.sink.pending.push((self.table, self.values));
    }
}

impl Sink {
    pub fn new(namespace: String, format: &'static str) -> Sink {
        Sink {
            namespace,
            format,
            line: 0,
            spools: TABLES.iter().map(|_| None).collect(),
            pending: Vec::new(),
            seen: TABLES.iter().map(|_| HashMap::new()).collect(),
            pending_seen: Vec::new(),
            state: None,
        }
    }

    /// What the format keeps from record to record of this import (UCDP GED's conflicts and
    /// dyads, which [`Format::finish`](super::format::Format::finish) writes), empty at first.
    /// One format maps an import, so the sink holds one type of state.
    pub fn state<T: Default + 'static>(&mut self) -> &mut T {
        self.state
            .get_or_insert_with(|| Box::new(T::default()))
            .downcast_mut::<T>()
            .expect("one format, one type of state, per import")
    }

    /// The dataset's key for a key of the format's own: `acled:AZE1234` in a dataset named
    /// `acled`.
    pub fn key(&self, local: &str) -> String {
        format!("{}:{local}", self.namespace)
    }

    /// The format's name for a key of its own, the same in every dataset (`ucdp-ged:actor:64`):
    /// what a `--link-actors` file may name a dataset's actor by.
    pub fn format_key(&self, local: &str) -> String {
        format!("{}:{local}", self.format)
    }

    /// A new row of `table`.
    pub fn row(&mut self, table: &str) -> Row<'_> {
        let at = table_index(table);
        Row {
            values: vec![String::new(); TABLES[at].columns.len()],
            table: at,
            sink: self,
        }
    }

    /// A new row of `table` with the key `key`, unless a row with that key was written before
    /// (an actor, place or source many records name): the first record's values stand.
    pub fn shared(&mut self, table: &str, key: &str) -> Option<Row<'_>> {
        let at = table_index(table);
        let hash = foldhash::fast::FixedState::with_seed(0x696d_706f_7274).hash_one(key);
        if self.seen[at].contains_key(&hash) || self.pending_seen.contains(&(at, hash)) {
            return None;
        }
        self.pending_seen.push((at, hash));
        let key_column = TABLES[at].key_column();
        Some(self.row(table).set(key_column, key))
    }

    /// Keeps what the file's `column` holds for the event `event` (a key of this dataset), a
    /// value the model has no place for; an empty value is not kept.
    pub fn attribute(&mut self, event: &str, column: &str, value: &str) {
        if !value.is_empty() {
            self.row("event_attributes")
                .set("event", event)
                .set("name", column)
                .set("value", value)
                .add();
        }
    }

    /// Keeps what the file's `column` holds for the statement `statement` (a key of this
    /// dataset: a GDELT verbal event), a value the model has no place for; an empty value is not
    /// kept.
    pub fn statement_attribute(&mut self, statement: &str, column: &str, value: &str) {
        if !value.is_empty() {
            self.row("statement_attributes")
                .set("statement", statement)
                .set("name", column)
                .set("value", value)
                .add();
        }
    }

    /// Starts the record on `line` of the `file`th file.
    pub(super) fn start(&mut self, file: usize, line: u64) {
        self.line = encode_line(file, line);
        self.pending.clear();
        self.pending_seen.clear();
    }

    /// Keeps the record's rows.
    pub(super) fn commit(&mut self) -> Result<()> {
        for (table, hash) in self.pending_seen.drain(..) {
            let place = self.seen[table].len() as u64;
            self.seen[table].insert(hash, place);
        }
        // A record's link rows in their table's primary-key order (its rows all have the same
        // event): a fresh load then appends them instead of staging them to sort at the end.
        let mut pending = std::mem::take(&mut self.pending);
        pending.sort_by_cached_key(|(table, values)| (*table, self.order_of(*table, values)));
        self.pending = pending;
        for (table, values) in self.pending.drain(..) {
            let spool = match &mut self.spools[table] {
                Some(spool) => spool,
                empty => empty.insert(Spool::new()?),
            };
            let line = self.line.to_string();
            spool
                .writer
                .write_record(
                    std::iter::once(line.as_str()).chain(values.iter().map(String::as_str)),
                )
                .context("cannot write the import's temporary file")?;
            spool.rows += 1;
        }
        Ok(())
    }

    /// Where a row of a link table goes in its primary key's order: each identity column's
    /// value, a reference as the place of the shared row it names. Other rows keep their order.
    fn order_of(&self, table: usize, values: &[String]) -> Vec<(u64, String)> {
        let table_of = &TABLES[table];
        let crate::schema::Identity::Columns(identity) = table_of.identity else {
            return Vec::new();
        };
        let hasher = foldhash::fast::FixedState::with_seed(0x696d_706f_7274);
        table_of
            .columns
            .iter()
            .zip(values)
            .filter(|(column, _)| identity.contains(&column.db))
            .map(|(column, value)| match column.value {
                crate::schema::Value::Ref(target) => {
                    let at = table_index(target);
                    let place = self.seen[at].get(&hasher.hash_one(value.as_str()));
                    (place.copied().unwrap_or(u64::MAX), value.clone())
                }
                _ => (0, value.clone()),
            })
            .collect()
    }

    /// Drops the record's rows.
    pub(super) fn discard(&mut self) {
        self.pending.clear();
        self.pending_seen.clear();
    }

    /// How many rows of `table` were kept.
    pub fn rows(&self, table: &str) -> u64 {
        self.spools[table_index(table)]
            .as_ref()
            .map_or(0, |s| s.rows)
    }
}

fn table_index(name: &str) -> usize {
    TABLES
        .iter()
        .position(|t: &Table| t.name == name)
        .unwrap_or_else(|| panic!("there is no table {name}"))
}
